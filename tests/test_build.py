"""The built extension: code outside the dispatched AVX2 and AVX-512 kernels must run on any
x86-64 CPU."""

from __future__ import annotations

import platform
import re
import shutil
import subprocess

import pytest

import fusedrnn
import fusedrnn._core as core


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86-64 only")
@pytest.mark.skipif(shutil.which("objdump") is None, reason="needs binutils' objdump")
def test_no_avx_outside_the_dispatched_kernels():
    listing = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", "-C", core.__file__],
        capture_output=True, text=True, check=True,
    ).stdout
    function = None
    offenders = set()
    # Any VEX- or EVEX-encoded instruction (their mnemonics start with "v"; baseline x86-64
    # code has none), or a register only AVX-512 has.
    avx = re.compile(r":\s+v[a-z]|%ymm|%zmm|%xmm(1[6-9]|2[0-9]|3[01])\b|%k[0-7]\b")
    kernels = re.compile(r"fusedrnn::isa_avx(2|512)::")
    for line in listing.splitlines():
        if line.endswith(">:") and "<" in line:
            function = line
        elif avx.search(line) and function and not kernels.search(function):
            offenders.add(function)
    assert not offenders, "AVX instructions outside the dispatched kernels:\n" + "\n".join(
        sorted(offenders)
    )
    # the AVX2 kernels are there, under their own namespace, and the AVX-512 ones where
    # dispatch offers them
    assert "fusedrnn::isa_avx2::" in listing
    assert ("fusedrnn::isa_avx512::" in listing) >= ("avx512" in fusedrnn.available_isas())


def test_core_stub_matches_the_compiled_module():
    """python/fusedrnn/_core.pyi (with py.typed, so type checkers read it) names exactly what
    the compiled core exports, and PackedWeights's properties."""
    import ast
    import importlib.resources

    from fusedrnn import _core

    package = importlib.resources.files("fusedrnn")
    assert package.joinpath("py.typed").is_file()
    tree = ast.parse(package.joinpath("_core.pyi").read_text())
    stub = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert stub == {n for n in dir(_core) if not n.startswith("_")}
    packed = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "PackedWeights")
    properties = {n.name for n in packed.body if isinstance(n, ast.FunctionDef)}
    assert properties == {n for n in dir(_core.PackedWeights) if not n.startswith("_")}
