"""Compile every CUDA kernel source shipped in fusedrnn/cuda with nvcc for sm_80 and sm_90,
so a syntax or template error in a .cu file fails CI even on machines without a GPU."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest

CUDA_DIR = os.path.join(os.path.dirname(__file__), os.pardir, "python", "fusedrnn", "cuda")
SOURCES = sorted(glob.glob(os.path.join(CUDA_DIR, "*.cu")))
NVCC = shutil.which("nvcc") or (
    "/usr/local/cuda/bin/nvcc" if os.path.exists("/usr/local/cuda/bin/nvcc") else None
)


def test_kernel_sources_exist():
    names = [os.path.basename(s) for s in SOURCES]
    assert "rnn_kernels.cu" in names, f"kernel sources found: {names}"


@pytest.mark.skipif(NVCC is None, reason="nvcc (the CUDA compiler) is not installed here")
@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
@pytest.mark.parametrize("source", SOURCES, ids=[os.path.basename(s) for s in SOURCES])
def test_nvcc_compiles(source, arch, tmp_path):
    # FUSEDRNN_COMPILE_CHECK instantiates representative template specialisations, so the
    # template bodies are type-checked, not only parsed; warnings are errors.
    cmd = [
        NVCC, "-std=c++17", f"-arch={arch}", "-DFUSEDRNN_COMPILE_CHECK",
        "-Werror", "all-warnings", "-c", source, "-o", str(tmp_path / "k.o"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    assert (tmp_path / "k.o").stat().st_size > 0


# benchmarks/gpu_session.sh runs on a lent GPU machine, where a mistake costs device time that
# cannot be had back: check here that bash parses it and that it refuses unknown steps.
GPU_SESSION = os.path.join(os.path.dirname(__file__), os.pardir, "benchmarks", "gpu_session.sh")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_gpu_session_script_parses():
    subprocess.run(["bash", "-n", GPU_SESSION], check=True, capture_output=True, text=True)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_gpu_session_script_refuses_unknown_steps(tmp_path):
    done = subprocess.run(
        ["bash", GPU_SESSION, "build", "nosuchstep"], capture_output=True, text=True,
        env={**os.environ, "OUT": str(tmp_path)}, timeout=60,
    )
    assert done.returncode == 2
    assert "unknown step 'nosuchstep'" in done.stderr
    assert "=== build" not in done.stdout  # refused before any step ran
