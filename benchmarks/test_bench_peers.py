"""PyTorch and ONNX Runtime on the standard workloads, fed the same (converted) weights.

Skipped when the peer is not installed. Each run is checked against the reference first.
"""

from __future__ import annotations

import pytest

from workloads import CELLS, THREADS, WORKLOADS


@pytest.mark.parametrize("threads", THREADS, ids=lambda n: f"{n}t")
@pytest.mark.parametrize("workload", list(WORKLOADS))
@pytest.mark.parametrize("cell", CELLS)
def test_torch(run_benchmark, problems, cell, workload, threads):
    pytest.importorskip("torch")
    run_benchmark("torch", problems(cell, workload), threads)


@pytest.mark.parametrize("threads", THREADS, ids=lambda n: f"{n}t")
@pytest.mark.parametrize("workload", list(WORKLOADS))
@pytest.mark.parametrize("cell", CELLS)
def test_onnxruntime(run_benchmark, problems, cell, workload, threads):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    run_benchmark("onnxruntime", problems(cell, workload), threads)
