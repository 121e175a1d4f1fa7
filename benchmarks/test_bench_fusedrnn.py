"""fusedrnn's C++ kernels and the NumPy reference on the standard workloads."""

from __future__ import annotations

import pytest

from workloads import CELLS, THREADS, WORKLOADS


@pytest.mark.parametrize("threads", THREADS, ids=lambda n: f"{n}t")
@pytest.mark.parametrize("workload", list(WORKLOADS))
@pytest.mark.parametrize("cell", CELLS)
def test_fusedrnn(run_benchmark, problems, cell, workload, threads):
    run_benchmark("fusedrnn", problems(cell, workload), threads)


@pytest.mark.parametrize("threads", THREADS, ids=lambda n: f"{n}t")
@pytest.mark.parametrize("workload", ["latency", "streaming"])
@pytest.mark.parametrize("cell", CELLS)
def test_fusedrnn_models(run_benchmark, problems, cell, workload, threads):
    """The same kernels through the Keras-style API (``model(x)``; streaming: a stateful
    model, one step per call): the Python a Keras user's call pays on top of the op. Batch-1
    workloads only; in the batched ones it is lost in the compute."""
    run_benchmark("fusedrnn.models", problems(cell, workload), threads)


@pytest.mark.parametrize("workload", list(WORKLOADS))
@pytest.mark.parametrize("cell", CELLS)
def test_reference(run_benchmark, problems, cell, workload):
    """The NumPy oracle (float32), the slow baseline; its threads are NumPy's own."""
    run_benchmark("reference", problems(cell, workload), 1)
