"""fusedrnn's multi-threaded calls when the CPUs are not all its own.

Measurements behind docs/performance.md (change log 5 and 14, and the 1-thread drift);
not collected by pytest:

    python benchmarks/contention.py idle          # latency of a call after an idle gap
    python benchmarks/contention.py oversubscribe # N processes x T threads at once
    python benchmarks/contention.py drift --threads 1 --workload streaming

``idle``: one process, 2 threads; before each timed call it sleeps 0-300 ms (the worker goes to
sleep after 0.3 ms), then reports the median and minimum call time per gap. A worker woken on
the caller's CPU made these calls 10-20x slower before the thread pool moved it.

``oversubscribe``: ``--procs`` processes each run calls with ``--threads`` threads for
``--seconds``, all at once; each reports calls/s, median and p99 latency.

``drift``: the weights packed 6 times (6 separate buffers), then 9 rounds timing each packing
in turn. If a slow mode followed a buffer (its placement in memory), the per-packing medians
would differ; if it follows the machine, the per-round medians do.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _model(cell: str, workload: str, threads: int):
    import fusedrnn
    from fusedrnn import bench, ops

    fusedrnn.set_num_threads(threads)
    w = bench.parse_workload(workload)
    kernel, recurrent, bias = bench.make_weights(cell, w.input_dim, w.units)
    packed = ops.pack_weights(cell, kernel, recurrent, bias, reset_after=True)
    x = bench.make_input(w)
    return lambda: ops.rnn_forward(x, packed)


def idle(args) -> None:
    call = _model(args.cell, args.workload, args.threads)
    for _ in range(20):
        call()
    for gap in (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3):
        times = []
        for _ in range(9):
            time.sleep(gap)
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        print(f"{args.cell} {args.workload} {args.threads}t, idle {gap * 1e3:5.1f} ms before "
              f"the call: median {statistics.median(times) * 1e3:.3f} ms, "
              f"min {min(times) * 1e3:.3f} ms", flush=True)


def drift(args) -> None:
    import fusedrnn
    from fusedrnn import bench, ops

    fusedrnn.set_num_threads(args.threads)
    w = bench.parse_workload(args.workload)
    kernel, recurrent, bias = bench.make_weights(args.cell, w.input_dim, w.units)
    packs = [ops.pack_weights(args.cell, kernel, recurrent, bias, reset_after=True)
             for _ in range(6)]
    x = bench.make_input(w)

    def per_call(packed, n: int) -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            ops.rnn_forward(x, packed)
        return (time.perf_counter() - t0) / n

    n = max(1, int(2e-3 / per_call(packs[0], 20)))
    rounds = [[per_call(p, n) for p in packs] for _ in range(9)]
    unit, scale = ("us", 1e6) if w.streaming else ("ms", 1e3)
    by_pack = [statistics.median(r[i] for r in rounds) * scale for i in range(len(packs))]
    by_round = [statistics.median(r) * scale for r in rounds]
    print(f"{args.cell} {args.workload} {args.threads}t ({unit} per call)")
    print("  median per packing:", " ".join(f"{v:.1f}" for v in by_pack))
    print("  median per round:  ", " ".join(f"{v:.1f}" for v in by_round))


def worker(args) -> None:
    call = _model(args.cell, args.workload, args.threads)
    call()
    latencies = []
    t_start = time.perf_counter()
    while time.perf_counter() - t_start < args.seconds:
        t0 = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - t0)
    latencies.sort()
    elapsed = time.perf_counter() - t_start
    print(f"{len(latencies) / elapsed:8.1f} calls/s  median "
          f"{latencies[len(latencies) // 2] * 1e3:7.3f} ms  p99 "
          f"{latencies[int(len(latencies) * 0.99)] * 1e3:7.3f} ms", flush=True)


def oversubscribe(args) -> None:
    command = [sys.executable, __file__, "worker", "--cell", args.cell, "--workload",
               args.workload, "--threads", str(args.threads), "--seconds", str(args.seconds)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
             for _ in range(args.procs)]
    print(f"{args.procs} processes x {args.threads} threads, {args.cell} {args.workload}:")
    for proc in procs:
        print("   ", proc.communicate()[0].strip())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["idle", "oversubscribe", "drift", "worker"])
    parser.add_argument("--cell", default="gru")
    parser.add_argument("--workload", default="latency")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    modes = {"idle": idle, "oversubscribe": oversubscribe, "drift": drift, "worker": worker}
    modes[args.mode](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
