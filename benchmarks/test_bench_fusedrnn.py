"""fusedrnn's C++ kernels and the NumPy reference on the standard workloads."""

from __future__ import annotations

import pytest

from workloads import CELLS, THREADS, WORKLOADS


@pytest.mark.parametrize("threads", THREADS, ids=lambda n: f"{n}t")
@pytest.mark.parametrize("workload", list(WORKLOADS))
@pytest.mark.parametrize("cell", CELLS)
def test_fusedrnn(run_benchmark, problems, cell, workload, threads):
    run_benchmark("fusedrnn", problems(cell, workload), threads)


@pytest.mark.parametrize("workload", list(WORKLOADS))
@pytest.mark.parametrize("cell", CELLS)
def test_reference(run_benchmark, problems, cell, workload):
    """The NumPy oracle (float32), the slow baseline; its threads are NumPy's own."""
    run_benchmark("reference", problems(cell, workload), 1)
