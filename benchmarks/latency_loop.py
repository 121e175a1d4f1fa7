"""One engine, one shape, no peers: the best of 7 rounds of N back-to-back batch-1 calls of
the latency workload's shape (T=100, I=64), for A/B timings of a kernel change on a quiet
machine (docs/performance.md, changes 27-28).

    python benchmarks/latency_loop.py THREADS UNITS CALLS [CELL]
    python benchmarks/latency_loop.py 1 256 200 gru
"""

from __future__ import annotations

import sys
import time

import numpy as np

from fusedrnn import ops, set_num_threads


def main(threads: int, units: int, calls: int, cell: str = "gru") -> None:
    set_num_threads(threads)
    rng = np.random.default_rng(0)
    steps, inputs, gates = 100, 64, {"simple_rnn": 1, "gru": 3, "lstm": 4}[cell]
    x = rng.standard_normal((1, steps, inputs)).astype(np.float32)
    kernel = (rng.standard_normal((inputs, gates * units)) / np.sqrt(inputs)).astype(np.float32)
    recurrent = (rng.standard_normal((units, gates * units)) / np.sqrt(units)).astype(np.float32)
    bias = np.zeros((2, gates * units) if cell == "gru" else (gates * units,), np.float32)
    packed = ops.pack_weights(cell, kernel, recurrent, bias)
    for _ in range(50):
        ops.rnn_forward(x, packed)
    best = float("inf")
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(calls):
            ops.rnn_forward(x, packed)
        best = min(best, (time.perf_counter() - start) / calls)
    print(f"{cell} threads {threads} H {units}: {best * 1e3:.3f} ms, "
          f"{best / steps * 1e6:.2f} us/step")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]), *sys.argv[4:5])
