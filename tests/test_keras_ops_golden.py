"""fusedrnn.ops (keras.ops.numpy, .nn, .linalg, .math, .core) and fusedrnn.activations
against Keras 3.15.1's own results (tests/golden/generate_keras_ops_golden.py recorded them
with the TensorFlow backend): values within float32 tolerance, dtypes and shapes equal, and
the calls Keras refuses refused too.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from fusedrnn import activations, ops

HERE = os.path.dirname(__file__)
GOLDEN = os.path.join(HERE, "data", "golden", "keras_ops")
TOL = (1e-5, 1e-5)  # (rtol, atol) unless a case gives its own

with open(os.path.join(GOLDEN, "calls.json")) as _f:
    RECORDS = json.load(_f)["cases"]
ARRAYS = np.load(os.path.join(GOLDEN, "calls.npz"))


def _decode(value):
    if isinstance(value, dict) and "array" in value:
        return ARRAYS[value["array"]]
    if isinstance(value, dict) and "tuple" in value:
        return tuple(_decode(v) for v in value["tuple"])
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _function(name: str):
    if name.startswith("activations."):
        return getattr(activations, name.split(".", 1)[1])
    return getattr(ops, name)


def _flat(result) -> list:
    if isinstance(result, (tuple, list)):
        return [r for item in result for r in _flat(item)]
    return [result]


def _where(a, b) -> str:
    """Where two arrays differ most (for the failure message)."""
    diff = np.abs(a.astype(np.complex128) - b.astype(np.complex128))
    diff = np.where(np.isnan(diff), np.inf, diff)
    if diff.size == 0:
        return "empty"
    i = np.unravel_index(np.argmax(diff), diff.shape)
    return f"max difference {diff[i]:.3g} at {i}: fusedrnn {a[i]!r}, Keras {b[i]!r}"


@pytest.mark.parametrize("index", range(len(RECORDS)),
                         ids=[f"{i}-{r['name']}" for i, r in enumerate(RECORDS)])
def test_keras_ops_match_keras(index):
    record = RECORDS[index]
    function = _function(record["name"])
    args, kwargs = _decode(record["args"]), {k: _decode(v) for k, v in record["kwargs"].items()}
    if "error" in record:  # Keras refuses the call: so does fusedrnn, with a clear error
        with pytest.raises((ValueError, TypeError)):
            function(*args, **kwargs)
        return
    results = [np.asarray(r) for r in _flat(function(*args, **kwargs))]
    assert isinstance(function(*args, **kwargs), (tuple, list)) == record["several"]
    assert len(results) == record["count"]
    compare = record["compare"]
    if compare in ("first", "sorted"):
        results = results[:1]
    rtol, atol = record["tol"] or TOL
    for j, got in enumerate(results):
        want = ARRAYS[f"r{index}_{j}"]
        assert str(got.dtype) == record["dtypes"][j], f"output {j}: dtype"
        assert got.shape == want.shape, f"output {j}: shape"
        if compare == "abs":
            got, want = np.abs(got), np.abs(want)
        elif compare == "sorted":
            got, want = np.sort_complex(got), np.sort_complex(want)
        if got.dtype.kind in "biu":
            np.testing.assert_array_equal(got, want, err_msg=f"output {j}")
        else:
            assert np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True), \
                f"output {j}: {_where(got, want)}"
