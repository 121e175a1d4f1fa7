"""Keras's small API functions as fusedrnn has them: ``backend.standardize_dtype``,
``result_type``, ``is_float_dtype`` / ``is_int_dtype`` against Keras 3.15.1's answers
(tests/data/golden/api_modules.json, written by tests/golden/generate_api_golden.py), the STFT
initializer's kernels against Keras's, the initializers' other names, ``get_uid``,
``utils.get_source_inputs``, the data-tuple helpers and ``tree.assert_same_paths`` /
``map_shape_structure``."""

from __future__ import annotations

import collections
import json
import os
import sys

import numpy as np
import pytest

from fusedrnn import backend, initializers, layers, tree, utils

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "api_modules.json")
with open(GOLDEN, encoding="utf-8") as _f:
    DATA = json.load(_f)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "golden"))
from generate_api_golden import decode as _decode  # noqa: E402  (how it wrote dtype arguments)


def _answer(fn, *specs):
    try:
        return fn(*(_decode(s) for s in specs))
    except ValueError:
        return "error"


@pytest.mark.parametrize("name", ["standardize_dtype", "is_float_dtype", "is_int_dtype"])
def test_dtype_functions_answer_as_keras(name):
    for spec, want in DATA[name]:
        assert _answer(getattr(backend, name), spec) == want, spec
    assert utils.standardize_dtype is backend.standardize_dtype


def test_result_type_promotes_as_keras():
    """Every pair of Keras's dtypes, Python's int, float and bool, and None, and some
    triples: Keras's lattice, weak Python types, TensorFlow's 64-bit rules."""
    assert len(DATA["result_type"]) > 300
    wrong = [(args, want, _answer(backend.result_type, *args))
             for args, want in DATA["result_type"]
             if _answer(backend.result_type, *args) != want]
    assert not wrong


@pytest.mark.parametrize("case", DATA["stft"], ids=lambda c: f"{c['side']}-{c['window']}")
def test_stft_initializer_gives_keras_kernels(case):
    init = initializers.STFTInitializer(case["side"], case["window"], case["scaling"],
                                        case["periodic"])
    got = init(tuple(case["shape"]))
    assert got.dtype == np.float32
    # Keras takes the sines and cosines of float32 angles (up to 2 pi (T - 1) / 2, rounded by
    # ~|angle| * 6e-8); fusedrnn of float64 ones
    np.testing.assert_allclose(got, np.array(case["kernel"]), rtol=1e-5, atol=3e-6)
    again = initializers.deserialize(initializers.serialize(init))
    np.testing.assert_array_equal(again(tuple(case["shape"])), got)


def test_initializers_other_names():
    assert initializers.glorot_uniform is initializers.GlorotUniform
    assert initializers.OrthogonalInitializer is initializers.Orthogonal
    assert isinstance(initializers.get("STFTInitializer"), initializers.STFT)
    assert isinstance(initializers.get("lecun_normal"), initializers.LecunNormal)
    with pytest.raises(ValueError, match="side should be 'real' or 'imag'"):
        initializers.STFT("both")
    with pytest.raises(ValueError, match="unknown window 'hannn'"):
        initializers.STFT(window="hannn")
    with pytest.raises(ValueError, match="Scaling is invalid"):
        initializers.STFT(scaling="l2")


def test_get_uid_counts_per_prefix_until_clear_session():
    utils.clear_session()
    assert [backend.get_uid("dense"), backend.get_uid("dense"), backend.get_uid("gru"),
            backend.get_uid("dense")] == [1, 2, 1, 3]
    utils.clear_session()
    assert backend.get_uid("dense") == 1


def test_get_source_inputs_walks_back_to_the_inputs():
    a, b, unused = layers.Input((3,)), layers.Input((3,)), layers.Input((3,))
    shared = layers.Dense(3)
    h = layers.Add()([shared(a), shared(layers.Multiply()([a, b]))])
    out = layers.Dense(1)(h)
    sources = utils.get_source_inputs(out)
    assert [id(t) for t in sources] == [id(a), id(b)]
    assert utils.get_source_inputs(unused) == [unused]
    assert utils.is_keras_tensor(out)
    assert not utils.is_keras_tensor(np.zeros(3))
    with pytest.raises(ValueError, match="takes a KerasTensor"):
        utils.get_source_inputs(np.zeros(3))


def test_data_tuples_pack_and_unpack_as_keras():
    x, y, w = np.zeros(2), np.ones(2), np.full(2, 0.5)
    assert utils.pack_x_y_sample_weight(x) is x
    assert utils.pack_x_y_sample_weight([x, y]) == ([x, y],)
    assert utils.pack_x_y_sample_weight(x, y)[1] is y
    assert utils.pack_x_y_sample_weight(x, y, w)[2] is w
    assert utils.unpack_x_y_sample_weight(x)[0] is x
    assert utils.unpack_x_y_sample_weight((x,))[1:] == (None, None)
    assert utils.unpack_x_y_sample_weight([x, y])[2] is None
    assert utils.unpack_x_y_sample_weight((x, y, w))[2] is w
    with pytest.raises(ValueError, match="sample_weight"):
        utils.unpack_x_y_sample_weight((x, y, w, w))


def test_tree_paths_and_shape_structures():
    point = collections.namedtuple("point", ["x", "y"])
    tree.assert_same_paths([0, 1], (2, 3))
    tree.assert_same_paths(point(0, 1), [5, 6])
    tree.assert_same_paths({"a": 1, "b": [2, 3]}, {"b": (0, 0), "a": None})
    with pytest.raises(ValueError, match=r"missing in `b`:\n\{\('c',\)\}"):
        tree.assert_same_paths({"a": 1, "c": 2}, {"a": 1})
    with pytest.raises(ValueError, match="Paths in `b` missing in `a`"):
        tree.assert_same_paths([1], [1, 2])
    shapes = {"x": (None, 3), "y": [(2, 4), [5, None]], "z": None}
    got = tree.map_shape_structure(lambda s: s if s is None else tuple(s) + (1,), shapes)
    assert got == {"x": (None, 3, 1), "y": [(2, 4, 1), (5, None, 1)], "z": None}
    assert tree.map_shape_structure(len, ((1, 2), ())) == (2, 0)


def test_dtype_policies_and_the_global_policy():
    import fusedrnn
    from fusedrnn import dtype_policies, mixed_precision

    policy = dtype_policies.get("mixed_bfloat16")
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == (
        "mixed_bfloat16", "bfloat16", "float32")
    assert dtype_policies.serialize(policy) == {
        "module": "keras", "class_name": "DTypePolicy",
        "config": {"name": "mixed_bfloat16"}, "registered_name": None}
    assert dtype_policies.deserialize(dtype_policies.serialize(policy)) == policy
    assert dtype_policies.FloatDTypePolicy("float64").compute_dtype == "float64"
    with pytest.raises(ValueError, match="int8_from_float32"):
        dtype_policies.get("int8_from_float32")
    assert fusedrnn.config.dtype_policy() == dtype_policies.DTypePolicy("float32")
    try:
        mixed_precision.set_global_policy("mixed_float16")
        assert mixed_precision.global_policy().name == "mixed_float16"
        assert dtype_policies.DTypePolicy().name == "mixed_float16"  # the global one
        # layers compute in float32 under a mixed policy
        dense = layers.Dense(2, dtype=mixed_precision.Policy("mixed_float16"))
        assert dense(np.ones((1, 3), np.float32)).dtype == np.float32
        with pytest.raises(ValueError, match="supports 'float32' or 'mixed_float16'"):
            mixed_precision.set_global_policy("float16")
    finally:
        mixed_precision.set_global_policy("float32")
    assert fusedrnn.config.dtype_policy().name == "float32"


def test_the_error_function_is_math_erf_to_float64_rounding():
    """fusedrnn._special.erf (the exact gelu's and ops.erf's) against Python's math.erf: both
    branches, tails, tiny values, signed zeros, infinities and NaN."""
    import math

    from fusedrnn import _special, activations

    xs = np.concatenate([np.linspace(-40, 40, 200001), np.logspace(-300, 1.6, 20000),
                         -np.logspace(-300, 1.6, 20000), [3.5, -3.5, np.nextafter(3.5, 0)]])
    want = np.array([math.erf(v) for v in xs])
    got = _special.erf(xs)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=3e-13, atol=0)
    special = _special.erf(np.array([0.0, -0.0, np.inf, -np.inf, np.nan]))
    np.testing.assert_array_equal(special[:4], [0.0, -0.0, 1.0, -1.0])
    assert np.signbit(special[1])
    assert np.isnan(special[4])
    x = np.linspace(-6, 6, 1001).astype(np.float32)
    gelu = activations.gelu(x)
    assert gelu.dtype == np.float32
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(float)])
    np.testing.assert_allclose(gelu, exact, rtol=2e-7, atol=1e-7)
