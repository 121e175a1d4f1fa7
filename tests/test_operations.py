"""Keras operations: ``fusedrnn.ops``'s keras.ops functions, KerasTensor operators in functional
graphs, Keras 2's TFOpLambda calls and the Lambda layer.

The functions are checked against NumPy's float64 formulas; graphs with them against the same
functions run eagerly; saved Keras files with them against Keras's own predictions in
test_saving.py (cases operators, keras_ops, lambdas).
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings

import numpy as np
import pytest

from fusedrnn import layers, ops
from fusedrnn.layers import GRU, LSTM, Dense, Input, Lambda, Masking, SimpleRNN
from fusedrnn.layers._ops import KerasOperation, from_keras2
from fusedrnn.models import Model, Sequential
from tolerances import assert_close

TOL = (2e-6, 2e-6)
RNG = np.random.default_rng(12)
X = RNG.standard_normal((2, 3, 4)).astype(np.float32)
Y = RNG.standard_normal((2, 3, 4)).astype(np.float32)
POS = (np.abs(X) + 0.5).astype(np.float32)
B = X > 0
X64, Y64, POS64 = (a.astype(np.float64) for a in (X, Y, POS))


def _softmax64(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sigmoid64(a):
    return 1 / (1 + np.exp(-a))


# name -> (the fusedrnn.ops call, the float64 NumPy formula)
CASES = {
    "add": (lambda: ops.add(X, Y), lambda: X64 + Y64),
    "subtract": (lambda: ops.subtract(X, 2.0), lambda: X64 - 2),
    "multiply": (lambda: ops.multiply(X, Y), lambda: X64 * Y64),
    "divide": (lambda: ops.divide(X, POS), lambda: X64 / POS64),
    "true_divide": (lambda: ops.true_divide(1.0, POS), lambda: 1 / POS64),
    "floor_divide": (lambda: ops.floor_divide(X, 0.5), lambda: np.floor(X64 / 0.5)),
    "mod": (lambda: ops.mod(X, 0.7), lambda: X64 - 0.7 * np.floor(X64 / 0.7)),
    "power": (lambda: ops.power(POS, 1.5), lambda: POS64 ** 1.5),
    "maximum": (lambda: ops.maximum(X, Y), lambda: np.where(X64 > Y64, X64, Y64)),
    "minimum": (lambda: ops.minimum(X, 0.1), lambda: np.where(X64 < 0.1, X64, 0.1)),
    "matmul": (lambda: ops.matmul(X, np.swapaxes(Y, 1, 2)),
               lambda: np.einsum("bik,bjk->bij", X64, Y64)),
    "einsum": (lambda: ops.einsum("btf,bsf->bts", X, Y),
               lambda: np.einsum("bik,bjk->bij", X64, Y64)),
    "negative": (lambda: ops.negative(X), lambda: -X64),
    "abs": (lambda: ops.abs(X), lambda: np.where(X64 < 0, -X64, X64)),
    "square": (lambda: ops.square(X), lambda: X64 * X64),
    "sqrt": (lambda: ops.sqrt(POS), lambda: POS64 ** 0.5),
    "exp": (lambda: ops.exp(X), lambda: np.e ** X64),
    "log": (lambda: ops.log(POS), lambda: np.log(POS64)),
    "tanh": (lambda: ops.tanh(X), lambda: (np.exp(2 * X64) - 1) / (np.exp(2 * X64) + 1)),
    "sign": (lambda: ops.sign(X), lambda: (X64 > 0) * 1.0 - (X64 < 0) * 1.0),
    "floor": (lambda: ops.floor(X * 3), lambda: np.floor(X64 * 3)),
    "ceil": (lambda: ops.ceil(X * 3), lambda: -np.floor(-X64 * 3)),
    "round": (lambda: ops.round(X * 3), lambda: np.round(X64 * 3)),
    "clip": (lambda: ops.clip(X, -0.5, 0.25), lambda: np.minimum(np.maximum(X64, -0.5), 0.25)),
    "sum": (lambda: ops.sum(X, axis=1), lambda: X64[:, 0] + X64[:, 1] + X64[:, 2]),
    "sum_axes": (lambda: ops.sum(X, axis=[1, 2]), lambda: X64.reshape(2, -1).sum(-1)),
    "mean": (lambda: ops.mean(X, axis=1, keepdims=True),
             lambda: (X64[:, :1] + X64[:, 1:2] + X64[:, 2:]) / 3),
    "var": (lambda: ops.var(X, axis=-1), lambda: ((X64 - X64.mean(-1, keepdims=True)) ** 2
                                                  ).mean(-1)),
    "std": (lambda: ops.std(X, axis=0), lambda: np.abs(X64[0] - X64[1]) / 2),
    "prod": (lambda: ops.prod(X, axis=1), lambda: X64[:, 0] * X64[:, 1] * X64[:, 2]),
    "max": (lambda: ops.max(X, axis=1), lambda: np.maximum(np.maximum(X64[:, 0], X64[:, 1]),
                                                           X64[:, 2])),
    "min": (lambda: ops.min(X, axis=-1, keepdims=True), lambda: np.sort(X64, -1)[..., :1]),
    "cumsum": (lambda: ops.cumsum(X, axis=1),
               lambda: np.stack([X64[:, 0], X64[:, 0] + X64[:, 1], X64.sum(1)], 1)),
    "reshape": (lambda: ops.reshape(X, (-1, 12)), lambda: X64.reshape(2, 12)),
    "transpose": (lambda: ops.transpose(X, (0, 2, 1)), lambda: np.swapaxes(X64, 1, 2)),
    "swapaxes": (lambda: ops.swapaxes(X, 0, 2), lambda: X64.transpose(2, 1, 0)),
    "expand_dims": (lambda: ops.expand_dims(X, 1), lambda: X64[:, None]),
    "squeeze": (lambda: ops.squeeze(X[:, :1], 1), lambda: X64[:, 0]),
    "concatenate": (lambda: ops.concatenate([X, Y], axis=-1),
                    lambda: np.block([X64, Y64])),
    "stack": (lambda: ops.stack([X, Y], axis=1), lambda: np.array([X64, Y64]).swapaxes(0, 1)),
    "repeat": (lambda: ops.repeat(X, 2, axis=1), lambda: X64[:, [0, 0, 1, 1, 2, 2]]),
    "tile": (lambda: ops.tile(X, (1, 2, 1)), lambda: X64[:, [0, 1, 2, 0, 1, 2]]),
    "flip": (lambda: ops.flip(X, axis=1), lambda: X64[:, ::-1]),
    "take": (lambda: ops.take(X, [2, 0], axis=1), lambda: X64[:, [2, 0]]),
    "where": (lambda: ops.where(B, X, Y), lambda: B * X64 + ~B * Y64),
    "zeros_like": (lambda: ops.zeros_like(X), lambda: 0 * X64),
    "ones_like": (lambda: ops.ones_like(X), lambda: 0 * X64 + 1),
    "sigmoid": (lambda: ops.sigmoid(X * 10), lambda: _sigmoid64(X64 * 10)),
    "relu": (lambda: ops.relu(X), lambda: X64 * (X64 > 0)),
    "silu": (lambda: ops.silu(X), lambda: X64 * _sigmoid64(X64)),
    "swish": (lambda: ops.swish(X), lambda: X64 * _sigmoid64(X64)),
    "softplus": (lambda: ops.softplus(X), lambda: np.log(1 + np.exp(X64))),
    "hard_sigmoid": (lambda: ops.hard_sigmoid(X * 4),
                     lambda: np.minimum(np.maximum(X64 * 4 / 6 + 0.5, 0), 1)),
    "elu": (lambda: ops.elu(X, alpha=0.5), lambda: np.where(X64 > 0, X64,
                                                            0.5 * (np.exp(X64) - 1))),
    "leaky_relu": (lambda: ops.leaky_relu(X), lambda: np.where(X64 > 0, X64, 0.2 * X64)),
    "gelu": (lambda: ops.gelu(X),  # Keras's default: the tanh approximation
             lambda: 0.5 * X64 * (1 + np.tanh(np.sqrt(2 / np.pi) * (X64 + 0.044715 * X64**3)))),
    "gelu_exact": (lambda: ops.gelu(X, approximate=False),
                   lambda: X64 * (1 + np.vectorize(__import__("math").erf)(X64 / 2**0.5)) / 2),
    "softmax": (lambda: ops.softmax(X, axis=1), lambda: _softmax64(X64, 1)),
    "log_softmax": (lambda: ops.log_softmax(X), lambda: np.log(_softmax64(X64, -1))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_keras_ops_compute_like_numpy(name):
    call, formula = CASES[name]
    got = call()
    want = formula()
    assert type(got) is np.ndarray
    assert got.dtype == np.float32, got.dtype
    assert_close(got, want, TOL, name)


def test_keras_ops_comparisons_reductions_and_indices():
    np.testing.assert_array_equal(ops.greater(X, Y), X > Y)
    np.testing.assert_array_equal(ops.less_equal(X, 0.0), X <= 0)
    np.testing.assert_array_equal(ops.not_equal(X, X[:, :1]), X != X[:, :1])
    np.testing.assert_array_equal(ops.equal(ops.greater_equal(X, Y), ops.less(Y, X)),
                                  np.ones(X.shape, bool) & ((X >= Y) == (Y < X)))
    np.testing.assert_array_equal(ops.logical_and(B, X > 0.5), B & (X > 0.5))
    np.testing.assert_array_equal(ops.logical_xor(B, Y > 0), B ^ (Y > 0))
    np.testing.assert_array_equal(ops.logical_not(ops.logical_or(B, Y > 0)), ~(B | (Y > 0)))
    np.testing.assert_array_equal(ops.any(B, axis=-1), B.max(-1))
    np.testing.assert_array_equal(ops.all(B, axis=1), B.min(1))
    idx = ops.argmax(X, axis=-1)
    assert idx.dtype == np.int32  # Keras's int
    np.testing.assert_array_equal(idx, [[int(np.nanargmax(row)) for row in b] for b in X])
    np.testing.assert_array_equal(ops.argmin(X, axis=1, keepdims=True),
                                  np.argsort(X, axis=1, kind="stable")[:, :1])
    assert ops.cast(X * 4, "int32").dtype == np.int32
    np.testing.assert_array_equal(ops.cast(X * 4, "int32"), np.trunc(X * 4))


def test_keras_ops_dtypes_are_keras_s():
    """Keras computes in float32 and int32 where NumPy would widen: Python lists and float64
    scalars stay float32, integer sums int32; float64 arrays stay float64."""
    assert ops.mean([1.0, 2.0]).dtype == np.float32
    assert ops.multiply(X, np.float64(2.0)).dtype == np.float32
    assert ops.sum(np.arange(6, dtype=np.int32).reshape(2, 3), axis=1).dtype == np.int32
    assert ops.add(X64, 1.0).dtype == np.float64
    assert ops.convert_to_tensor([1, 2]).dtype == np.int32
    np.testing.assert_array_equal(ops.convert_to_tensor([1, 2]), [1, 2])
    assert ops.where(B, X, 0.0).dtype == np.float32


def test_where_without_values_is_an_error():
    with pytest.raises(ValueError, match="ops.where needs x1 and x2"):
        ops.where(B)


def test_fusedrnn_ops_keeps_its_kernel_api_and_python_builtins():
    import fusedrnn.ops as module

    assert {"rnn_forward", "pack_weights", "mean", "sum", "softmax"} <= set(dir(module))
    assert {"mean", "concatenate", "rnn_forward"} <= set(module.__all__)
    assert module.sum is not sum
    assert module.max is not max
    with pytest.raises(AttributeError, match="has no attribute 'no_such_op'"):
        module.no_such_op  # noqa: B018


# --------------------------------------------------------------------------- symbolic


def _operation_of(t) -> KerasOperation:
    layer = t._node.layer
    assert isinstance(layer, KerasOperation)
    return layer


# operator -> (Keras 3's operation class, its operands, given the tensor t and the array w)
OPERATORS = {
    "t + 1.5": ("Add", lambda t, w: (t, 1.5), lambda t, w: t + 1.5),
    "1.5 + t": ("Add", lambda t, w: (1.5, t), lambda t, w: 1.5 + t),
    "t - w": ("Subtract", lambda t, w: (t, w), lambda t, w: t - w),
    "1 - t": ("Subtract", lambda t, w: (1, t), lambda t, w: 1 - t),
    "t * t": ("Multiply", lambda t, w: (t, t), lambda t, w: t * t),
    "w * t": ("Multiply", lambda t, w: (w, t), lambda t, w: w * t),
    "t / 2": ("TrueDivide", lambda t, w: (t, 2), lambda t, w: t / 2),
    "2 / t": ("TrueDivide", lambda t, w: (2, t), lambda t, w: 2 / t),
    "t // 2": ("FloorDivide", lambda t, w: (t, 2), lambda t, w: t // 2),
    "t % 2": ("Mod", lambda t, w: (t, 2), lambda t, w: t % 2),
    "t ** 2": ("Power", lambda t, w: (t, 2), lambda t, w: t ** 2),
    "2 ** t": ("Power", lambda t, w: (2, t), lambda t, w: 2 ** t),
    "t @ m": ("Matmul", lambda t, w: (t, w[0]), lambda t, w: t @ w[0]),
    "-t": ("Negative", lambda t, w: (t,), lambda t, w: -t),
    "abs(t)": ("Absolute", lambda t, w: (t,), lambda t, w: abs(t)),
    "t < w": ("Less", lambda t, w: (t, w), lambda t, w: t < w),
    "t <= 0": ("LessEqual", lambda t, w: (t, 0), lambda t, w: t <= 0),
    "t > w": ("Greater", lambda t, w: (t, w), lambda t, w: t > w),
    "t >= 0": ("GreaterEqual", lambda t, w: (t, 0), lambda t, w: t >= 0),
    "t != 0": ("NotEqual", lambda t, w: (t, 0), lambda t, w: t != 0),
    "t[:, -1]": ("GetItem", lambda t, w: (t, (slice(None), -1)), lambda t, w: t[:, -1]),
    "t[..., ::-2]": ("GetItem", lambda t, w: (t, (Ellipsis, slice(None, None, -2))),
                     lambda t, w: t[..., ::-2]),
    "t[:, None, 1:3]": ("GetItem", lambda t, w: (t, (slice(None), None, slice(1, 3))),
                        lambda t, w: t[:, None, 1:3]),
}


@pytest.mark.parametrize("expr", sorted(OPERATORS))
def test_tensor_operators_add_keras_3_s_operations(expr):
    """Each operator on a KerasTensor adds the operation Keras 3 adds (reflected ones with the
    operands swapped; ``array * tensor`` too, not NumPy's element loop), and the model runs
    it as the operator does on arrays."""
    class_name, operands, apply = OPERATORS[expr]
    w = RNG.standard_normal((3, 4)).astype(np.float32)
    t = Input((3, 4))
    out = apply(t, w)
    op = _operation_of(out)
    assert op.class_name == class_name
    node = out._node
    assert len(node.inputs) == len(operands(t, w))
    for got, want in zip(node.inputs, operands(t, w)):
        assert got is want or (type(got) is type(want) and np.all(got == want))
    model = Model(t, out)
    x = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    with np.errstate(all="ignore"):
        want = apply(x, w)
        got = model(x)
    assert got.shape == want.shape
    assert out.shape == (None, *want.shape[1:])
    np.testing.assert_array_equal(got, want)


def test_logical_operators_on_bool_tensors():
    t = Input((3,), dtype="bool")
    u = Input((3,), dtype="bool")
    outs = [t & u, t | u, t ^ u, ~t]
    assert [_operation_of(o).class_name for o in outs] == [
        "LogicalAnd", "LogicalOr", "LogicalXor", "LogicalNot"]
    model = Model([t, u], outs)
    a, b = RNG.random((2, 3)) > 0.5, RNG.random((2, 3)) > 0.5
    for got, want in zip(model([a, b]), [a & b, a | b, a ^ b, ~a]):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("make", "shape", "dtype"), [
    (lambda t: ops.mean(t, axis=1), (None, 5), "float32"),
    (lambda t: ops.max(t, axis=-1, keepdims=True), (None, None, 1), "float32"),
    (lambda t: ops.sum(t), (), "float32"),
    (lambda t: ops.argmax(t, axis=-1), (None, None), "int32"),
    (lambda t: ops.reshape(t, (-1, 5)), (None, 5), "float32"),
    (lambda t: ops.transpose(t, (0, 2, 1)), (None, 5, None), "float32"),
    (lambda t: ops.expand_dims(t, -1), (None, None, 5, 1), "float32"),
    (lambda t: ops.concatenate([t, t * 2.0], axis=1), (None, None, 5), "float32"),
    (lambda t: ops.stack([t, t], axis=1), (None, 2, None, 5), "float32"),
    (lambda t: ops.matmul(t, ops.transpose(t, (0, 2, 1))), (None, None, None), "float32"),
    (lambda t: ops.tile(t[:, :1], (1, 3, 1)), (None, 3, 5), "float32"),
    (lambda t: ops.any(ops.not_equal(t, 0.0), axis=-1), (None, None), "bool"),
    (lambda t: ops.cast(t, "int32"), (None, None, 5), "int32"),
    (lambda t: t[:, 2:4], (None, None, 5), "float32"),  # min(2, steps - 2), as Keras: None
    (lambda t: t[:, -1:], (None, 1, 5), "float32"),
    (lambda t: t[:, :, 1:3], (None, None, 2), "float32"),
])
def test_symbolic_shapes_mark_unknown_sizes(make, shape, dtype):
    """Sizes that depend on the batch or an unknown length are None; the rest are known."""
    t = Input((None, 5))
    out = make(t)
    assert out.shape == shape
    assert out.dtype == dtype
    x = RNG.standard_normal((3, 7, 5)).astype(np.float32)
    want = make(x)
    got = Model(t, out)(x)
    assert got.dtype == want.dtype
    assert_close(got, want, TOL)


def test_symbolic_shape_errors_name_the_operation():
    t = Input((3, 4))
    with pytest.raises(ValueError, match=r"operation Add cannot be applied to tensors of shapes "
                                         r"\[\(None, 3, 4\), \(None, 5\)\]"):
        t + Input((5,))
    with pytest.raises(ValueError, match="operation Mean cannot be applied"):
        ops.mean(t, axis=3)
    with pytest.raises(ValueError, match="operation GetItem cannot be applied"):
        t[:, 7]
    with pytest.raises(ValueError, match="rank that depends on the unknown sizes"):
        Lambda(lambda x: x.reshape(-1) if x.shape[0] == 2 else x)(t)
    assert ops.squeeze(Input((None, 1))).shape == (None, None)


def test_round_operator():
    t = Input((3,))
    out = round(t)
    assert _operation_of(out).class_name == "Round"
    x = np.array([[0.5, 1.5, -2.2]], np.float32)
    np.testing.assert_array_equal(Model(t, out)(x), np.round(x))


def test_operations_drop_the_mask():
    """As in Keras 3 (and Keras 2's TFOpLambda layers), an operation's output has no mask: a
    recurrent layer after one runs over the masked steps too."""
    t = Input((5, 3))
    h = LSTM(4, return_sequences=True)(Masking()(t))
    rnn = SimpleRNN(2)
    model = Model(t, rnn(h * 1.0))
    x = RNG.standard_normal((2, 5, 3)).astype(np.float32)
    x[0, 3:] = 0.0
    lstm = model.layers[2]
    mask = np.any(x != 0, axis=-1)
    seq = lstm(x, mask=mask)
    want = rnn(seq)
    assert_close(model(x), want, TOL)
    assert not np.allclose(rnn(seq, mask=mask), want, atol=1e-3)  # the mask would change it


def test_summary_shows_operations_as_keras_2_shows_its_tfoplambda_layers():
    """The rows and connections tf_keras 2.21 prints for the same graph (its rows are named
    tf.__operators__.add, tf.math.multiply, ...; fusedrnn's as Keras 3 names the operations),
    and no rows for the operations Keras 3 adds to compute masks."""
    t = Input((None, 4))
    h = SimpleRNN(5, return_sequences=True)(Masking()(t))
    s = h + 1.0
    s2 = s * h
    c = ops.concatenate([h[:, -1, :], ops.mean(s2, axis=1)], axis=-1)
    model = Model(t, [Dense(2)(c), SimpleRNN(3)(s)])
    lines = []
    model.summary(print_fn=lines.append)
    rows = [line.split()[:2] for line in lines[4:] if line and line[0].isalpha()
            and "params" not in line]
    assert rows == [
        ["input_1", "(InputLayer)"], ["masking", "(Masking)"], ["simple_rnn", "(SimpleRNN)"],
        ["add", "(Add)"], ["multiply", "(Multiply)"], ["get_item", "(GetItem)"],
        ["mean", "(Mean)"], ["concatenate", "(Concatenate)"], ["dense", "(Dense)"],
        ["simple_rnn_1", "(SimpleRNN)"]]
    text = "\n".join(lines)
    assert "Total params: 99" in text
    multiply = lines.index(next(line for line in lines if line.startswith("multiply")))
    assert lines[multiply].split()[-1] == "add[0][0]"
    assert lines[multiply + 1].split() == ["simple_rnn[0][0]"]
    assert [layer.name for layer in model.layers] == [
        "input_1", "masking", "simple_rnn", "dense", "simple_rnn_1"]  # Keras 3: no operations


def test_loaded_keras3_mask_operations_have_no_summary_rows():
    pytest.importorskip("h5py", reason="h5py is in the test extra")
    import os

    from fusedrnn.models import load_model

    model = load_model(os.path.join(os.path.dirname(__file__), "data", "keras_files",
                                    "seq2seq.keras"))
    assert any(isinstance(n.layer, KerasOperation) for n in model._nodes)
    lines = []
    model.summary(print_fn=lines.append)
    assert not any("NotEqual" in line for line in lines)


def test_sequential_with_lambda_like_a_tutorial():
    model = Sequential([Input((6, 3)), LSTM(4, return_sequences=True),
                        Lambda(lambda h: h[:, -1]), Dense(1)])
    x = RNG.standard_normal((2, 6, 3)).astype(np.float32)
    lstm, dense = model.layers[0], model.layers[2]
    assert_close(model(x), dense(lstm(x)[:, -1]), TOL)
    assert model.layers[1].output_shape == (None, 4)


# --------------------------------------------------------------------------- Lambda


def test_lambda_shapes_arguments_and_call_keywords():
    t = Input((None, 3))
    seen = {}

    def with_keywords(x, scale, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x * scale

    inferred = Lambda(lambda x: ops.mean(x, axis=1))(t)
    given = Lambda(lambda x: x[:, :2], output_shape=(2, 3))(t)
    from_function = Lambda(lambda x: x[:, 0], output_shape=lambda s: (s[0], s[2]))(t)
    keywords = Lambda(with_keywords, arguments={"scale": 3.0})(t)
    assert inferred.shape == (None, 3)
    assert given.shape == (None, 2, 3)
    assert from_function.shape == (None, 3)
    assert keywords.shape == (None, None, 3)
    model = Model(t, [inferred, given, from_function, keywords])
    x = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    got = model(x)
    for g, w in zip(got, [x.mean(1), x[:, :2], x[:, 0], x * 3.0]):
        assert_close(g, w, TOL)
    assert seen == {"mask": None, "training": False}


def test_lambda_masks():
    """mask= a function or a constant gives the output's mask; without it the layer drops its
    input's mask with Keras 3's warning."""
    t = Input((5, 2))
    m = Masking()(t)
    keep = Lambda(lambda x: x * 2.0, mask=lambda x, mask: mask)(m)
    drop = Lambda(lambda x: x * 2.0)(m)
    rnn = GRU(3)
    model = Model(t, [rnn(keep), rnn(drop)])
    x = RNG.standard_normal((2, 5, 2)).astype(np.float32)
    x[1, 2:] = 0.0
    with pytest.warns(UserWarning, match="Layer 'lambda_1' \\(of type Lambda\\) was passed an "
                                         "input with a mask.*destroy the mask"):
        kept, dropped = model(x)
    mask = np.any(x != 0, axis=-1)
    assert_close(kept, rnn(x * 2.0, mask=mask), TOL)
    assert_close(dropped, rnn(x * 2.0), TOL)
    assert not np.allclose(kept, dropped, atol=1e-3)
    constant = Lambda(lambda x: x, mask=np.array([[True, False, True]]))
    out, out_mask = constant._forward(np.ones((1, 3, 2), np.float32))
    np.testing.assert_array_equal(out_mask, [[True, False, True]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no mask: no warning
        Lambda(lambda x: x)(np.ones((1, 2), np.float32))


def test_lambda_on_a_list_and_dtype():
    a, b = Input((3,)), Input((3,))
    out = Lambda(lambda xs: xs[0] - xs[1])([a, b])
    model = Model([a, b], out)
    x, y = RNG.standard_normal((2, 2, 3))
    assert_close(model([x, y]), (x - y).astype(np.float32), TOL)
    assert model([x, y]).dtype == np.float32  # float64 arrays are cast, as Keras does
    tokens = Lambda(lambda ids: ids + 1)(np.array([[1, 2]], np.int64))
    assert tokens.dtype == np.int64  # integer inputs are not


def test_lambda_errors():
    with pytest.raises(TypeError, match="Lambda needs a function"):
        Lambda(3)
    t = Input((3,))
    with pytest.raises(ValueError, match="function of Lambda layer 'pair' returns several"):
        Lambda(lambda x: (x, x), name="pair")(t)
    with pytest.raises(ValueError, match="function of Lambda layer 'bad' cannot be applied"):
        Lambda(lambda x: x.reshape(7), name="bad")(t)
    with pytest.raises(ValueError, match="returns several tensors"):
        Lambda(lambda x: [x, x])(np.ones((1, 3), np.float32))
    with pytest.raises(TypeError, match="unexpected call arguments"):
        Lambda(lambda x: x)(np.ones((1, 3), np.float32), initial_state=[1])


# --------------------------------------------------------------------------- Keras 2


def test_keras2_tf_functions_map_to_operations():
    h = Input((4, 3))
    assert from_keras2("math.reduce_mean", h, {"axis": 1, "name": None}) == (
        "Mean", [h], {"axis": 1})
    assert from_keras2("math.argmax", h, {}) == ("Argmax", [h], {"axis": 0})  # TF's default
    assert from_keras2("nn.leaky_relu", h, {}) == ("LeakyRelu", [h], {"negative_slope": 0.2})
    assert from_keras2("concat", h, {"axis": -1}) == ("Concatenate", [[h]], {"axis": -1})
    assert from_keras2("math.subtract", 1.0, {"y": h}) == ("Subtract", [1.0, h], {})
    op, operands, params = from_keras2(
        "__operators__.getitem", h,
        {"slice_spec": [{"start": None, "stop": None, "step": -1}, {"class_name":
                                                                    "__ellipsis__"}, None]})
    assert (op, params) == ("GetItem", {})
    assert operands[1] == (slice(None, None, -1), Ellipsis, None)
    with pytest.raises(ValueError, match=r"TensorFlow function tf.signal.fft \(a TFOpLambda"):
        from_keras2("signal.fft", h, {})
    with pytest.raises(ValueError, match=r"tf.math.reduce_sum has arguments \['where'\]"):
        from_keras2("math.reduce_sum", h, {"where": True})
    with pytest.raises(ValueError, match="tf.math.add lacks its argument 'y'"):
        from_keras2("math.add", h, {})


def test_keras2_matmul_transposes():
    a, b = RNG.standard_normal((2, 2, 3, 4)).astype(np.float32)
    op, operands, params = from_keras2("linalg.matmul", a, {"b": b, "transpose_b": True})
    got = KerasOperation(op, params)._forward(operands)[0]
    assert_close(got, np.einsum("bik,bjk->bij", a.astype(np.float64), b), TOL)
    op, operands, params = from_keras2("linalg.matmul", a, {"b": b, "transpose_a": True})
    got = KerasOperation(op, params)._forward(operands)[0]
    assert_close(got, np.einsum("bki,bkj->bij", a.astype(np.float64), b), TOL)


def test_layers_namespace_has_lambda():
    assert layers.Lambda is Lambda


with open(os.path.join(os.path.dirname(__file__), "data", "golden", "ops_more.json")) as _f:
    MORE_OPS = json.load(_f)["cases"]


@pytest.mark.parametrize("case", MORE_OPS, ids=[f"{c['name']}-{i}" for i, c in
                                                enumerate(MORE_OPS)])
def test_more_keras_ops_are_keras_s(case):
    """one_hot, logsumexp, norm, dot, sort, argsort, stop_gradient, slice, arange, top_k and
    split against Keras 3.15.1 (tests/golden/generate_ops_golden.py): values and dtypes."""
    args = [np.array(a, dtype=d) if isinstance(a, list) else a
            for a, d in zip(case["args"], case["arg_dtypes"])]
    kwargs = {k: tuple(v) if k == "axis" and isinstance(v, list) else v
              for k, v in case["kwargs"].items()}
    result = getattr(ops, case["name"])(*args, **kwargs)
    results = list(result) if case["several"] else [result]
    assert len(results) == len(case["results"])
    for got, want, dtype in zip(results, case["results"], case["dtypes"]):
        got = np.asarray(got)
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got, np.array(want, dtype=dtype), rtol=1e-6, atol=1e-6)


def test_more_keras_ops_in_graphs_and_refusals():
    """The array ops join functional graphs (and their models save and load: Keras's class
    names, read back by load_model); the
    control-flow and multi-output ones run on arrays, inside a layer's call."""
    from fusedrnn.models import load_model

    inputs = layers.Input((4, 3))
    h = layers.GRU(5, return_sequences=True)(inputs)
    pooled = ops.logsumexp(h, axis=1) + ops.norm(h, axis=1)
    ranks = ops.cast(ops.argsort(ops.stop_gradient(pooled)), "float32")
    model = Model(inputs, layers.Concatenate()([ops.sort(pooled), ranks,
                                                ops.dot(pooled, np.ones((5, 2), np.float32))]))
    x = np.random.default_rng(3).standard_normal((2, 4, 3)).astype(np.float32)
    want = model.predict(x, verbose=0)
    assert want.shape == (2, 12)
    path = os.path.join(tempfile.mkdtemp(), "m.keras")
    model.save(path)
    np.testing.assert_allclose(load_model(path).predict(x, verbose=0), want, rtol=1e-6)
    with pytest.raises(TypeError, match="ops.top_k runs on arrays"):
        ops.top_k(inputs, 2)
    assert ops.cond(np.array(True), lambda: 1, lambda: 2) == 1
    with pytest.raises(ValueError, match="sparse=True"):
        ops.one_hot(np.array([1]), 3, sparse=True)


def test_second_fuzzing_pass_findings_follow_keras():
    """Found by fuzzing against Keras 3.15.1: an explicit dtype is kept (float64 came back
    float32), slice takes -1 for "the rest" and refuses what does not fit (it truncated),
    cholesky_inverse reads only the factor's triangle, and operations whose output sizes
    depend on the values give unknown sizes in a graph (zero probes made unique's (1,))."""
    x32 = np.ones(2, np.float32)
    assert ops.cast(x32, "float64").dtype == np.float64
    assert ops.convert_to_tensor(x32, dtype="float64").dtype == np.float64
    assert ops.full((2,), 1.5, dtype="float64").dtype == np.float64
    assert ops.cast(np.ones(2), "float32").dtype == np.float32
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(ops.slice(x, (0, 0), (-1, -1)), x)
    np.testing.assert_array_equal(ops.slice(x, (1, 1), (-1, 2)), [[5, 6], [9, 10]])
    with pytest.raises(ValueError, match="has no 2 values from index 2"):
        ops.slice(x, (2, 3), (2, 2))
    with pytest.raises(ValueError, match="from index -1"):
        ops.slice(x, (-1, 0), (1, 1))
    factor = np.array([[2.0, 0, 0], [1, 3, 0], [1, 1, 4]])
    want = np.linalg.inv(factor @ factor.T)
    junk = factor + np.triu(np.full((3, 3), 5.0), 1)
    np.testing.assert_allclose(ops.cholesky_inverse(junk), want, atol=1e-12)
    np.testing.assert_allclose(ops.cholesky_inverse(junk.T, upper=True), want, atol=1e-12)
    values = Input((6,))
    assert ops.unique(values).shape == (None,)
    assert [t.shape for t in ops.nonzero(values)] == [(None,), (None,)]
    assert ops.bincount(Input((6,), dtype="int32")).shape == (None, None)
    model = Model(values, ops.unique(values))
    np.testing.assert_array_equal(model.predict(np.array([[1, 2, 2, 3, 3, 3.0]]), verbose=0),
                                  [1, 2, 3])


def test_second_fuzzing_pass_dtypes_and_edges():
    """Keras 3.15.1's dtypes and edge values where NumPy's differ (found by fuzzing): float
    functions of int8/uint8/bool give float32 (NumPy float16), sums of small unsigned ints
    uint32 (NumPy uint64), a uint8 trace does not wrap, in_top_k of a target past the classes
    is False, and the sigmoid is 0 below -88 (silu(-1e38) is -0, not -0.6)."""
    small = np.array([1, 2], np.int8)
    for name in ("exp", "log", "sqrt", "tanh", "fabs"):
        assert getattr(ops, name)(small).dtype == np.float32, name
        assert getattr(ops, name)(np.array([True])).dtype == np.float32, name
        assert getattr(ops, name)(np.array([1.0, 2.0])).dtype == np.float64, name
    assert ops.sum(np.array([200, 200], np.uint8)).dtype == np.uint32
    trace = ops.trace(np.full((3, 4), 200, np.uint8))
    assert (int(trace), trace.dtype) == (600, np.uint32)
    scores = np.array([[0.1, 0.9, 0.0], [0.5, 0.2, 0.3]], np.float32)
    np.testing.assert_array_equal(ops.in_top_k(np.array([1, 5]), scores, 1), [True, False])
    np.testing.assert_array_equal(ops.silu(np.array([-1e38, -100.0], np.float32)), [0, 0])
    np.testing.assert_array_equal(ops.sigmoid(np.array([-np.inf, -88.0, np.inf], np.float32)),
                                  [0, 0, 1])


def test_nan_arg_extremes_and_clip_follow_keras():
    """Keras 3.15.1 (checked): nanargmax/nanargmin give -1 where every value is NaN, and clip
    takes TensorFlow's order (x_min wins when it exceeds x_max)."""
    np.testing.assert_array_equal(
        ops.nanargmax(np.full((2, 3), np.nan, np.float32), axis=0), [-1, -1, -1])
    assert int(ops.nanargmax(np.array([np.nan, 1.0, np.nan]), axis=0)) == 1
    assert int(ops.nanargmin(np.full((3,), np.nan))) == -1
    np.testing.assert_array_equal(ops.clip(np.array([0.5, 2.0, -1.0]), 1, 0), [1, 1, 1])
    np.testing.assert_array_equal(ops.clip(np.array([0.5, 2.0, -1.0], np.float32), 0, 1),
                                  np.array([0.5, 1, 0], np.float32))


def test_integer_dtypes_of_accumulations_and_roundings_follow_keras():
    """Keras 3.15.1's dtypes (checked): cumsum and cumprod keep a small integer type (and wrap,
    as TensorFlow's), count bools in int32; floor and ceil of ints give float32; a bool
    squares as int32."""
    x = np.array([100, 100, 100])
    for dtype in (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.int64):
        assert ops.cumsum(x.astype(dtype)).dtype == dtype
        assert ops.cumprod(x.astype(dtype)).dtype == dtype
        assert ops.floor(x.astype(dtype)).dtype == np.float32
        assert ops.ceil(x.astype(dtype)).dtype == np.float32
    assert int(ops.cumsum(x.astype(np.int8))[-1]) == 44  # 300 wrapped in int8
    assert ops.cumsum(np.array([True, True])).dtype == np.int32
    assert ops.square(np.array([True, False])).dtype == np.int32
    assert ops.floor(np.array([1.5], np.float16)).dtype == np.float16


def test_relu6_of_integers_stays_integer():
    """Keras 3.15.1 (checked): relu6 of int8 is an int8 clip to [0, 6]."""
    got = ops.relu6(np.array([-3, 2, 9], np.int8))
    assert got.dtype == np.int8
    np.testing.assert_array_equal(got, [0, 2, 6])
    assert ops.relu6(np.array([7.5], np.float32)).dtype == np.float32
