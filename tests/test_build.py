"""The built extension: code outside the dispatched AVX2 kernels must run on any x86-64 CPU."""

from __future__ import annotations

import platform
import re
import shutil
import subprocess

import pytest

import fusedrnn._core as core


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86-64 only")
@pytest.mark.skipif(shutil.which("objdump") is None, reason="needs binutils' objdump")
def test_no_avx_outside_the_avx2_kernels():
    listing = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", "-C", core.__file__],
        capture_output=True, text=True, check=True,
    ).stdout
    function = None
    offenders = set()
    avx = re.compile(r"%ymm|%zmm|\bv(fmadd|broadcast|perm|gather)")
    for line in listing.splitlines():
        if line.endswith(">:") and "<" in line:
            function = line
        elif avx.search(line) and function and "isa_avx2" not in function:
            offenders.add(function)
    assert not offenders, "AVX instructions outside fusedrnn::isa_avx2:\n" + "\n".join(
        sorted(offenders)
    )
    assert "isa_avx2" in listing  # the AVX2 kernels are there, under their own namespace
