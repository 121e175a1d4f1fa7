"""A/B timing of two builds of fusedrnn's compiled core, side by side.

On a shared, noisy machine two separate benchmark runs minutes apart differ by 10-20%, more
than most kernel changes. This script loads build A and build B in two worker processes and
alternates their samples (A B, B A, ...), so both see the same noise; it prints the medians,
their ratio and whether the outputs are bitwise identical.

    cp "$(python -c 'import fusedrnn._core as c; print(c.__file__)')" /tmp/a.so
    # ... change the kernels, rebuild (pip install --no-build-isolation -e .) ...
    cp "$(python -c 'import fusedrnn._core as c; print(c.__file__)')" /tmp/b.so
    python benchmarks/ab_compare.py /tmp/a.so /tmp/b.so --workloads latency,throughput
    python benchmarks/ab_compare.py /tmp/a.so /tmp/b.so --isa avx2   # another ISA level

Not collected by pytest (it needs two builds).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.machinery
import importlib.util
import json
import statistics
import subprocess
import sys
import time

WORKLOADS = {
    "latency": (1, 100, 64, 256),
    "throughput": (64, 100, 128, 256),
    "large": (32, 50, 512, 1024),
    "streaming": (1, 1, 64, 256),
}
GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}


def _worker(path: str, isa: str | None) -> None:
    """Serve `setup`/`run` requests (JSON lines on stdin) with the core built at `path`, at ISA
    level `isa` (None: the one it picks)."""
    import numpy as np

    loader = importlib.machinery.ExtensionFileLoader("fusedrnn._core", path)
    spec = importlib.util.spec_from_file_location("fusedrnn._core", path, loader=loader)
    core = importlib.util.module_from_spec(spec)
    loader.exec_module(core)
    if isa:
        core.set_isa(isa)
    call, inner = None, 1
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "setup":
            batch, timesteps, input_dim, units = WORKLOADS[cmd["workload"]]
            cell, g = cmd["cell"], GATES[cmd["cell"]]
            rng = np.random.default_rng(0)
            kernel = (rng.standard_normal((input_dim, g * units)) / np.sqrt(input_dim)).astype(
                np.float32
            )
            recurrent = (rng.standard_normal((units, g * units)) / np.sqrt(units)).astype(
                np.float32
            )
            bias_shape = (2, g * units) if cell == "gru" else (g * units,)
            bias = (rng.standard_normal(bias_shape) * 0.1).astype(np.float32)
            x = rng.standard_normal((batch, timesteps, input_dim)).astype(np.float32)
            h0 = (rng.standard_normal((batch, units)) * 0.1).astype(np.float32)
            c0 = h0.copy() if cell == "lstm" else None
            core.set_num_threads(cmd["threads"])
            packed = core.pack_weights(cell, kernel, recurrent, bias, "tanh", "sigmoid", True)

            def call(x=x, packed=packed, h0=h0, c0=c0):
                return core.forward(x, packed, h0, c0, None, False, True)

            out = call()[0]
            t0 = time.perf_counter()
            call()
            inner = max(1, int(cmd["sample_s"] / (time.perf_counter() - t0)))
            reply = {"digest": hashlib.sha256(out.tobytes()).hexdigest()}
        else:
            call()
            t0 = time.perf_counter()
            for _ in range(inner):
                call()
            reply = {"seconds": (time.perf_counter() - t0) / inner}
        print(json.dumps(reply), flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_a")
    parser.add_argument("build_b")
    parser.add_argument("--workloads", default="latency,throughput,large,streaming")
    parser.add_argument("--cells", default="simple_rnn,gru,lstm")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=9, help="samples of each build")
    parser.add_argument("--sample-s", type=float, default=0.03, help="seconds per sample")
    parser.add_argument("--isa", help="force this ISA level in both builds (default: their pick)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.build_a, args.isa)
        return 0
    procs = {
        name: subprocess.Popen(
            [sys.executable, __file__, path, path, "--worker"]
            + (["--isa", args.isa] if args.isa else []),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        for name, path in (("a", args.build_a), ("b", args.build_b))
    }

    def ask(name, **cmd):
        procs[name].stdin.write(json.dumps(cmd) + "\n")
        procs[name].stdin.flush()
        return json.loads(procs[name].stdout.readline())

    try:
        for threads in (int(t) for t in args.threads.split(",")):
            for cell in args.cells.split(","):
                for workload in args.workloads.split(","):
                    setup = {"cell": cell, "workload": workload, "threads": threads,
                             "sample_s": args.sample_s}
                    digests = {name: ask(name, op="setup", **setup)["digest"] for name in procs}
                    samples = {name: [] for name in procs}
                    for r in range(args.rounds):
                        for name in ("a", "b") if r % 2 == 0 else ("b", "a"):
                            time.sleep(0.002)
                            samples[name].append(ask(name, op="run")["seconds"])
                    a, b = (statistics.median(samples[n]) for n in ("a", "b"))
                    scale, unit = (1e6, "us") if workload == "streaming" else (1e3, "ms")
                    print(f"{threads}t {cell:10s} {workload:10s} a {a * scale:9.3f} {unit}  "
                          f"b {b * scale:9.3f} {unit}  b/a {b / a:5.3f}  "
                          f"identical outputs: {digests['a'] == digests['b']}", flush=True)
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
