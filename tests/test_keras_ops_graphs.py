"""The keras.ops operations beyond the first 91 (see test_keras_ops_golden.py for their values)
in functional graphs, in saved files, as namespaces, and refusing bad arguments; the control
flow functions; the activations added with them as layer activations.

Graphs are checked against the same functions run eagerly; the Keras file
(tests/data/golden/keras_ops/model.keras, written by generate_keras_ops_golden.py) against
Keras's own prediction.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from fusedrnn import activations, layers, ops
from fusedrnn.layers import Dense, Input
from fusedrnn.models import Model, load_model
from tolerances import assert_close

HERE = os.path.dirname(__file__)
GOLDEN = os.path.join(HERE, "data", "golden", "keras_ops")
RNG = np.random.default_rng(31)
X = RNG.standard_normal((3, 6, 4)).astype(np.float32)

# name -> a function of one tensor (batch, 6, 4) that calls new operations; eager and
# symbolic calls must agree
GRAPHS = {
    "sin_cos": lambda t: ops.sin(t) * ops.cos(t),
    "expm1_log1p": lambda t: ops.log1p(ops.abs(t)) + ops.expm1(t),
    "celu_glu": lambda t: ops.glu(ops.celu(t, alpha=0.3)),
    "hard_ops": lambda t: ops.hard_tanh(t) + ops.hard_silu(t) + ops.soft_shrink(t, 0.2),
    "sparsemax": lambda t: ops.sparsemax(t, axis=1),
    "moments": lambda t: ops.concatenate(list(ops.moments(t, [1])), axis=-1),
    "normalize": lambda t: ops.normalize(t, axis=1, order=1),
    "rms_norm": lambda t: ops.rms_normalization(t, np.arange(1, 5, dtype="float32")),
    "pad_roll": lambda t: ops.roll(ops.pad(t, ((0, 0), (1, 1), (0, 0))), 2, axis=1),
    "cumprod": lambda t: ops.cumprod(ops.tanh(t), axis=1),
    "take_along_axis": lambda t: ops.take_along_axis(t, ops.argsort(t, axis=-1), axis=-1),
    "tensordot": lambda t: ops.tensordot(t, np.ones((4, 2), "float32"), axes=1),
    "array_split": lambda t: ops.array_split(t, 2, axis=1)[1],
    "unstack": lambda t: ops.stack(ops.unstack(t, axis=1)[::2], axis=1),
    "median_quantile": lambda t: ops.median(t, axis=1) + ops.quantile(t, 0.25, axis=1),
    "nan_ops": lambda t: ops.nanmean(ops.where(t > 0, t, np.nan), axis=1) + ops.nan_to_num(
        ops.where(t > 0, np.inf, t))[:, 0],
    "erf_rsqrt": lambda t: ops.erf(t) * ops.rsqrt(ops.square(t) + 1.0),
    "attention": lambda t: ops.dot_product_attention(t[:, :, None], t[:, :, None],
                                                     t[:, :, None], is_causal=True),
    "conv": lambda t: ops.conv(t, np.ones((3, 4, 2), "float32"), padding="same"),
    "max_pool": lambda t: ops.max_pool(t, 2) + ops.average_pool(t, 2),
    "adaptive": lambda t: ops.adaptive_average_pool(t, 3),
    "crossentropy": lambda t: ops.categorical_crossentropy(ops.softmax(t), t, from_logits=True),
    "stft": lambda t: ops.stft(ops.reshape(t, (-1, 24)), 8, 4, 8)[0],
    "segment_sum": lambda t: ops.segment_sum(ops.transpose(t, (1, 0, 2)),
                                             np.array([0, 0, 1, 1, 2, 2]), num_segments=3),
    "svd_values": lambda t: ops.svd(t, compute_uv=False),
    "qr": lambda t: ops.matmul(*ops.qr(t)),
    "where_select": lambda t: ops.select([t > 0.5, t < -0.5], [t, -t], 0.0),
    "isclose": lambda t: ops.cast(ops.isclose(t, ops.round(t), atol=0.3), "float32"),
    "rearrange": lambda t: ops.rearrange(t, "b t (h c) -> b h t c", h=2),
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_new_operations_in_a_functional_model_match_eager(name):
    function = GRAPHS[name]
    inputs = Input((6, 4))
    out = function(inputs)
    model = Model(inputs, layers.Flatten()(out) if len(out.shape) > 2 else out)
    eager = np.asarray(function(X)).reshape(3, -1)
    assert_close(model.predict(X), eager, (1e-6, 1e-6))


def test_several_outputs_are_several_tensors():
    inputs = Input((6, 4))
    mean, variance = ops.moments(inputs, [1])
    q, r = ops.qr(inputs)
    parts = ops.array_split(inputs, 3, axis=1)
    assert (mean.shape, variance.shape) == ((None, 4), (None, 4))
    assert (q.shape, r.shape) == ((None, 6, 4), (None, 4, 4))
    assert [p.shape for p in parts] == [(None, 2, 4)] * 3
    model = Model(inputs, [mean, variance, r, parts[2]])
    got = model.predict(X)
    want = [X.mean(1), X.var(1), np.linalg.qr(X)[1], X[:, 4:]]
    for g, w in zip(got, want):
        assert_close(np.abs(g), np.abs(w), (1e-5, 1e-5))


def test_a_keras_file_with_new_operations_predicts_like_keras():
    model = load_model(os.path.join(GOLDEN, "model.keras"))
    data = np.load(os.path.join(GOLDEN, "model.npz"))
    assert_close(model.predict(data["x"]), data["y"], (1e-5, 1e-5))


def test_the_keras_model_built_with_fusedrnn_saves_and_loads(tmp_path):
    import sys

    sys.path.insert(0, os.path.join(HERE, "golden"))
    try:
        from generate_keras_ops_golden import build_model
    finally:
        sys.path.pop(0)
    model = build_model(layers, Model, Input, ops)
    model.set_weights(load_model(os.path.join(GOLDEN, "model.keras")).get_weights())
    data = np.load(os.path.join(GOLDEN, "model.npz"))
    assert_close(model.predict(data["x"]), data["y"], (1e-5, 1e-5))
    path = tmp_path / "ops.keras"
    model.save(path)
    assert_close(load_model(path).predict(data["x"]), data["y"], (1e-5, 1e-5))


def test_operation_modules_are_keras_s():
    from fusedrnn.layers._ops import OPERATION_MODULES, OPERATION_NAMES

    assert set(OPERATION_MODULES) == OPERATION_NAMES
    assert OPERATION_MODULES["Celu"] == "keras.src.ops.nn"
    assert OPERATION_MODULES["Erf"] == "keras.src.ops.math"
    assert OPERATION_MODULES["Qr"] == "keras.src.ops.linalg"
    assert OPERATION_MODULES["Unstack"] == "keras.src.ops.core"
    assert OPERATION_MODULES["Slogdet"] == "keras.src.ops.numpy"


def test_namespaces_hold_keras_s_names():
    import importlib

    assert ops.numpy.sin is ops.sin
    assert ops.nn.celu is ops.celu
    assert ops.linalg.qr is ops.qr
    assert ops.math.erf is ops.erf
    assert ops.core.scan is ops.scan
    assert len(ops.numpy.__all__) == 220
    assert len(ops.nn.__all__) == 55
    assert "sin" not in ops.nn.__all__
    assert "celu" not in ops.numpy.__all__
    assert importlib.import_module("fusedrnn.ops.linalg") is ops.linalg
    assert "jvp" not in ops.linalg.__all__  # no gradients in fusedrnn
    with pytest.raises(AttributeError):
        ops.jvp  # noqa: B018


def test_control_flow_on_arrays():
    assert ops.fori_loop(0, 5, lambda i, v: v + i, 10) == 20
    assert ops.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s * 2), (0, 1)) == (4, 16)
    assert ops.while_loop(lambda v: v < 100, lambda v: v * 3, 1, maximum_iterations=2) == 9
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), np.float32(1), np.arange(1.0, 5.0))
    assert carry == 11
    assert ys.tolist() == [1, 4, 12, 28]
    carry, ys = ops.scan(lambda c, x: (c + 1, c), 0, length=3, reverse=True)
    assert carry == 3
    assert ys.tolist() == [2, 1, 0]
    assert ops.switch(5, [lambda a: a + 1, lambda a: a * 10], 3) == 30  # index clipped
    assert ops.map(lambda r: r.sum(), X).shape == (3,)
    pairs = ops.map(lambda d: {"s": d["a"] + d["b"]}, {"a": X, "b": X})
    assert_close(pairs["s"], 2 * X, (0, 0))
    assert_close(ops.associative_scan(lambda a, b: a + b, X, axis=1), np.cumsum(X, 1),
                 (1e-6, 1e-6))
    assert_close(ops.associative_scan(lambda a, b: a * b, X[0], reverse=True),
                 np.cumprod(X[0][::-1], 0)[::-1], (1e-6, 1e-6))
    assert_close(ops.vectorized_map(lambda r: r @ r.T, X), X @ X.transpose(0, 2, 1),
                 (1e-6, 1e-6))
    assert ops.custom_gradient(lambda v: (v * 2, lambda g: g))(3) == 6
    assert ops.dtype(X) == "float32"
    assert ops.is_tensor(X)
    assert not ops.is_tensor([1.0])


def test_control_flow_refuses_symbolic_tensors():
    t = Input((4,))
    for call in (lambda: ops.fori_loop(0, 2, lambda i, v: v, t),
                 lambda: ops.scan(lambda c, x: (c, x), t, t),
                 lambda: ops.while_loop(lambda v: True, lambda v: v, t),
                 lambda: ops.map(lambda v: v, t),
                 lambda: ops.switch(t, [lambda: 1])):
        with pytest.raises(ValueError, match="symbolic"):
            call()


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: ops.glu(np.ones((2, 3), "float32")), ValueError, "divisible by 2"),
    (lambda: ops.normalize(X, order=0), ValueError, "order"),
    (lambda: ops.searchsorted(X, X), ValueError, "1-D"),
    (lambda: ops.histogram(X), ValueError, "1-dimensional"),
    (lambda: ops.array_split(X, [1, 2]), TypeError, "int"),
    (lambda: ops.dot_product_attention(X, X, X), ValueError, "4D"),
    (lambda: ops.categorical_crossentropy(X[0], X), ValueError, "same rank"),
    (lambda: ops.sparse_categorical_crossentropy(X, X, axis=0), ValueError, "axis=-1"),
    (lambda: ops.conv(X, np.ones((2, 3, 2), "float32")), ValueError, "channels"),
    (lambda: ops.max_pool(X[0, 0], 2), ValueError, "shape must be 3, 4 or 5"),
    (lambda: ops.qr(X, mode="full"), ValueError, "mode"),
    (lambda: ops.det(X), ValueError, "square"),
    (lambda: ops.lstsq(X, X), TypeError, "two-dimensional"),
    (lambda: ops.fft(X), ValueError, "tuple of two tensors"),
    (lambda: ops.stft(X.astype("int32"), 4, 2, 4), TypeError, "float32"),
    (lambda: ops.stft(X, 8, 2, 4), ValueError, "fft_length"),
    (lambda: ops.segment_sum(X[0], np.array([0, 5, 1, 1, 0, 0]), num_segments=2),
     ValueError, "out of range"),
    (lambda: ops.scatter_update(X, np.array([[0]]), X[:1], reduction="mean"), ValueError,
     "reduction"),
    (lambda: ops.diff(X, n=-1), ValueError, "non-negative"),
    (lambda: ops.multi_hot(np.array([1, 2])), ValueError, "num_classes"),
    (lambda: ops.pad(X, ((0, 0),) * 3, mode="reflect", constant_values=1.0), ValueError,
     "constant_values"),
    (lambda: ops.rearrange(X, "b t c -> b c"), ValueError, "same axes"),
    (lambda: ops.scan(lambda c, x: (c, x), 0), ValueError, "length"),
])
def test_bad_arguments_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_symbolic_bad_arguments_name_the_operation():
    with pytest.raises(ValueError, match="Glu"):
        ops.glu(Input((3,)))


def test_new_activations_as_layer_activations():
    x = X[0]
    for name in ("celu", "glu", "hard_shrink", "hard_silu", "hard_swish", "hard_tanh",
                 "leaky_relu", "log_sigmoid", "mish", "soft_shrink", "sparse_plus",
                 "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink"):
        dense = Dense(4, activation=name)
        y = dense(x)
        linear = x @ dense.get_weights()[0] + dense.get_weights()[1]
        assert_close(y, getattr(activations, name)(linear), (0, 0))
        assert activations.get(name) is getattr(activations, name)
        assert Dense(2, activation=getattr(activations, name)).activation == name
    mish = x * np.tanh(np.log1p(np.exp(x.astype(np.float64))))
    assert_close(activations.mish(x), mish, (1e-6, 1e-6))
    assert_close(activations.log_sigmoid(np.float32([-200.0, 200.0])), [-200.0, 0.0], (0, 0))
    with pytest.raises(TypeError, match="threshold"):
        Dense(2, activation="threshold")(x)  # as in Keras: the activation needs arguments
    assert_close(activations.threshold(x, 0.0, -1.0), np.where(x > 0, x, -1.0), (0, 0))


def test_recurrent_layers_take_the_new_activations_on_numpy_steps():
    x = RNG.standard_normal((2, 4, 3)).astype("float32")
    for name in ("mish", "celu", "sparsemax"):
        with pytest.warns(UserWarning, match="runs its steps in NumPy"):
            lstm = layers.LSTM(3, activation=name)
        assert lstm(x).shape == (2, 3)
        with pytest.warns(UserWarning, match="runs its steps in NumPy"):
            gru = layers.GRU(3, recurrent_activation=name)
        assert gru(x).shape == (2, 3)
    conv_lstm = layers.ConvLSTM1D(2, 3, activation="mish", padding="same")
    assert conv_lstm(RNG.standard_normal((1, 2, 5, 3)).astype("float32")).shape == (1, 5, 2)
