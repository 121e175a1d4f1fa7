"""Shared fixtures of the pytest-benchmark suites.

Every benchmark first checks its engine's output against ``fusedrnn.reference`` (computed in
float64, cached per problem) and only then times it. Run::

    pytest benchmarks                       # time everything (pytest-benchmark table)
    pytest benchmarks --benchmark-disable   # CI: one checked call each, short sequences
"""

from __future__ import annotations

import dataclasses
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from fusedrnn import bench  # noqa: E402
from workloads import CI_STREAM_STEPS, STREAM_CHECK_STEPS, WORKLOADS, ci_variant  # noqa: E402


@dataclasses.dataclass
class Problem:
    """Weights, inputs and the float64 reference for one (cell, workload)."""

    cell: str
    workload: bench.Workload
    kernel: np.ndarray
    recurrent: np.ndarray
    bias: np.ndarray
    x: np.ndarray  # forward: (B, T, I); streaming: the checked sequence (B, steps, I)
    want: np.ndarray
    want_states: tuple
    x_stream: np.ndarray | None = None  # streaming: the timed steps

    @property
    def flops(self) -> int:
        return bench.flops(self.cell, self.workload)


@pytest.fixture(scope="session")
def benchmarks_disabled(request) -> bool:
    return bool(request.config.getoption("benchmark_disable", False))


@pytest.fixture(scope="session")
def problems(benchmarks_disabled):
    """``get(cell, workload_name) -> Problem``, built once per session."""
    cache = {}

    def get(cell: str, name: str) -> Problem:
        key = (cell, name)
        if key not in cache:
            w = WORKLOADS[name]
            if benchmarks_disabled:
                w = ci_variant(w)
            k, r, b = bench.make_weights(cell, w.input_dim, w.units)
            if w.streaming:
                steps = CI_STREAM_STEPS if benchmarks_disabled else STREAM_CHECK_STEPS
                x = bench.make_input(w, timesteps=steps, seed=2)
                x_stream = bench.make_input(w, timesteps=100, seed=3)
            else:
                x = bench.make_input(w)
                x_stream = None
            want, states = bench.reference_output(cell, k, r, b, x)
            cache[key] = Problem(cell, w, k, r, b, x, want, tuple(states), x_stream)
        return cache[key]

    return get


def _runner_or_skip(engine, problem, threads):
    try:
        return bench.make_runner(
            engine,
            problem.cell,
            problem.kernel,
            problem.recurrent,
            problem.bias,
            num_threads=threads,
        )
    except ImportError as exc:  # fusedrnn.ops not built
        pytest.skip(f"{engine} not available: {exc}")
    except RuntimeError as exc:  # _peers.PeerUnavailable
        if type(exc).__name__ == "PeerUnavailable":
            pytest.skip(str(exc))
        raise


@pytest.fixture
def run_benchmark(benchmark):
    """``run(engine, problem, threads)``: check the engine against the reference, then time
    one forward call (or one streamed step with the state carried)."""

    def run(engine: str, problem: Problem, threads: int):
        runner = _runner_or_skip(engine, problem, threads)
        runner.activate()
        w = problem.workload
        benchmark.group = f"{problem.cell} {w.name} {threads}t"
        benchmark.extra_info.update(
            engine=engine,
            cell=problem.cell,
            workload=w.name,
            threads=threads,
            shape=[w.batch, w.timesteps, w.input_dim, w.units],
            flops=problem.flops,
        )
        if w.streaming:
            err = bench.check_streaming(runner, problem.x, problem.want, problem.want_states)
            fn = bench._streaming_fn(runner, problem.x_stream)
        else:
            err = bench.check_forward(runner, problem.x, problem.want)

            def fn():
                return runner.forward(problem.x)

        benchmark.extra_info["max_abs_error"] = err
        benchmark(fn)

    return run


@pytest.fixture(autouse=True)
def _restore_fusedrnn_threads():
    """Leave fusedrnn's thread count as found (benchmarks change it)."""
    try:
        _, set_n, get_n = bench._fused_modules()
    except ImportError:
        yield
        return
    saved = get_n()
    yield
    set_n(saved)
