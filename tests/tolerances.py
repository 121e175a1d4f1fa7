"""Tolerances and the comparison every kernel test uses, in one place.

fp32 kernels are compared with the float64 reference. Errors grow with the number of
recurrent steps, so long sequences get their own (looser) bound.
"""

from __future__ import annotations

import numpy as np

# (rtol, atol) for fp32 results against the float64 reference.
FP32_SHORT = (1e-5, 1e-5)  # T <= 50
FP32_LONG = (1e-4, 5e-5)   # T up to 300
# fp32 against values Keras computed in fp32 (golden files).
FP32_KERAS = (1e-5, 1e-5)


def tolerance_for(timesteps: int) -> tuple[float, float]:
    return FP32_SHORT if timesteps <= 50 else FP32_LONG


def assert_close(actual, expected, tol=FP32_SHORT, what: str = "output") -> None:
    """Fails with the max absolute/relative difference and where it is."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    rtol, atol = tol
    if actual.size == 0:
        return
    diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    bound = atol + rtol * np.abs(expected)
    bad = ~(diff <= bound)  # NaN counts as bad
    if bad.any():
        where = np.unravel_index(int(np.argmax(np.where(bad, diff, -1))), diff.shape)
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {diff.size} values differ beyond "
            f"rtol={rtol}, atol={atol}; "
            f"max abs diff {np.nanmax(diff):.3e} at {where}: got {actual[where]!r}, "
            f"expected {expected[where]!r}"
        )


def assert_close_fp32_model(actual, ref64, ref32, factor: float = 8.0, tol=FP32_SHORT,
                            what: str = "output") -> None:
    """For ill-conditioned cases (unbounded activations, large weights) where rounding grows
    step after step: over the units of each (sample, step), the kernel may differ from the
    float64 reference by at most `factor` times the largest difference of a plain fp32
    evaluation of the same math (the reference run in float32), plus the usual tolerance."""
    actual = np.asarray(actual, np.float64)
    ref64 = np.asarray(ref64, np.float64)
    ref32 = np.asarray(ref32, np.float64)
    assert actual.shape == ref64.shape, f"{what}: shape {actual.shape} != {ref64.shape}"
    finite = np.isfinite(ref32) & np.isfinite(ref64)
    rtol, atol = tol
    with np.errstate(invalid="ignore", over="ignore"):
        fp32_err = np.where(finite, np.abs(ref32 - ref64), 0.0).max(axis=-1, keepdims=True)
        bound = atol + rtol * np.abs(ref64) + factor * fp32_err
        diff = np.abs(actual - ref64)
    bad = finite & ~(diff <= bound)
    if bad.any():
        where = np.unravel_index(int(np.argmax(np.where(bad, diff / bound, -1))), diff.shape)
        raise AssertionError(
            f"{what}: {int(bad.sum())} values beyond {factor}x the fp32 reference's own error; "
            f"at {where}: got {actual[where]!r}, float64 {ref64[where]!r}, fp32 {ref32[where]!r}"
        )
    # Where plain fp32 overflows, the kernel must not produce a finite number it cannot have.
    assert np.array_equal(np.isfinite(ref64[finite]), np.isfinite(actual[finite])), what
