"""`python -m fusedrnn demo`: runs each cell on random weights with the fused kernels, checks
the result against the NumPy reference and prints the time of both."""

from __future__ import annotations

import functools
import time

import numpy as np

from . import _core, ops, reference

_CASES = [
    ("SimpleRNN", "simple_rnn", {}),
    ("GRU (reset_after=True)", "gru", {"reset_after": True}),
    ("GRU (reset_after=False)", "gru", {"reset_after": False}),
    ("LSTM", "lstm", {}),
]


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def run_cell_demo(print_fn=print, batch=8, timesteps=50, input_dim=64, units=128) -> bool:
    """Returns True if every cell matches the reference."""
    rng = np.random.default_rng(0)
    print_fn(
        f"fusedrnn {_core.cpu_isa()} kernels, {_core.get_num_threads()} thread(s); "
        f"batch={batch} timesteps={timesteps} input_dim={input_dim} units={units}"
    )
    print_fn(
        f"{'cell':26s}{'max |diff|':>12s}{'fusedrnn ms':>14s}{'reference ms':>14s}"
        f"{'speed-up':>10s}"
    )
    ok = True
    for title, cell, options in _CASES:
        g = {"simple_rnn": 1, "gru": 3, "lstm": 4}[cell]
        kernel = rng.standard_normal((input_dim, g * units)) / np.sqrt(input_dim)
        kernel = kernel.astype(np.float32)
        recurrent = (rng.standard_normal((units, g * units)) / np.sqrt(units)).astype(np.float32)
        bias_shape = (2, g * units) if options.get("reset_after") else (g * units,)
        bias = (0.1 * rng.standard_normal(bias_shape)).astype(np.float32)
        x = rng.standard_normal((batch, timesteps, input_dim)).astype(np.float32)
        packed = ops.pack_weights(cell, kernel, recurrent, bias, **options)
        out, _ = ops.rnn_forward(x, packed)
        ref_out, _ = reference.rnn(cell, x.astype(np.float64), kernel.astype(np.float64),
                                   recurrent.astype(np.float64), bias.astype(np.float64),
                                   **options)
        diff = float(np.abs(out - ref_out).max())
        good = diff <= 1e-4
        ok &= good
        # partial binds this iteration's arrays now (a lambda would look them up when called)
        t_fast = _median_time(functools.partial(ops.rnn_forward, x, packed), 20)
        t_ref = _median_time(
            functools.partial(reference.rnn, cell, x, kernel, recurrent, bias, **options), 3
        )
        print_fn(
            f"{title:26s}{diff:12.2e}{t_fast * 1e3:14.3f}{t_ref * 1e3:14.3f}"
            f"{t_ref / t_fast:9.1f}x" + ("" if good else "   MISMATCH")
        )
    return ok
