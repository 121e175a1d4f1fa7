"""Conv1D, MaxPooling1D, AveragePooling1D, BatchNormalization, LayerNormalization, Reshape,
Permute and the preprocessing layers Normalization, Rescaling and Identity against loops or
formulas written from their definitions (the golden files check them against Keras), plus bad
input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from fusedrnn import layers
from fusedrnn.layers import (
    LSTM,
    AveragePooling1D,
    BatchNormalization,
    Conv1D,
    Cropping1D,
    Dense,
    Embedding,
    Identity,
    Input,
    LayerNormalization,
    Masking,
    MaxPooling1D,
    Normalization,
    Permute,
    Rescaling,
    Reshape,
    UpSampling1D,
    ZeroPadding1D,
)
from fusedrnn.models import Sequential
from tolerances import FP32_SHORT, assert_close

rng = np.random.default_rng(0)


def tf_padding(steps, span, stride, padding):
    """TensorFlow's rule: 'same' gives ceil(steps / stride) outputs, the padding split with
    the extra step on the right; 'causal' pads span - 1 steps on the left."""
    if padding == "valid":
        return 0, 0, (steps - span) // stride + 1
    if padding == "causal":
        return span - 1, 0, (steps - 1) // stride + 1
    out = math.ceil(steps / stride)
    total = max((out - 1) * stride + span - steps, 0)
    return total // 2, total - total // 2, out


def conv_by_definition(x, kernel, bias, stride, dilation, padding, groups):
    batch, steps, channels = x.shape
    k, cg, filters = kernel.shape
    left, _, out = tf_padding(steps, dilation * (k - 1) + 1, stride, padding)
    fg = filters // groups
    y = np.zeros((batch, out, filters))
    for b, t, f in itertools.product(range(batch), range(out), range(filters)):
        g = f // fg
        total = 0.0
        for j in range(k):
            step = t * stride + j * dilation - left  # zeros outside the input
            if 0 <= step < steps:
                total += x[b, step, g * cg:(g + 1) * cg] @ kernel[j, :, f]
        y[b, t, f] = total + (bias[f] if bias is not None else 0.0)
    return y


@pytest.mark.parametrize(("kernel_size", "stride", "dilation"), [
    (1, 1, 1), (3, 1, 1), (4, 2, 1), (2, 3, 1), (3, 1, 2), (2, 1, 3)])
@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("groups", [1, 2])
@pytest.mark.parametrize("steps", [7, 8])
def test_conv1d_matches_the_definition(kernel_size, stride, dilation, padding, groups, steps):
    x = rng.normal(size=(2, steps, 4)).astype(np.float32)
    layer = Conv1D(6, kernel_size, strides=stride, dilation_rate=dilation, padding=padding,
                   groups=groups, use_bias=groups == 1)
    y = layer(x)
    w = layer.get_weights()
    assert w[0].shape == (kernel_size, 4 // groups, 6)
    want = conv_by_definition(x.astype(np.float64), w[0].astype(np.float64),
                              w[1] if len(w) > 1 else None, stride, dilation, padding, groups)
    assert_close(y, want, what="conv")
    assert layer.compute_output_shape((None, steps, 4)) == (None, want.shape[1], 6)


def test_conv1d_activation_channels_first_and_variable_length():
    x = rng.normal(size=(2, 6, 3)).astype(np.float32)
    last = Conv1D(4, 3, activation="relu", padding="same")
    y = last(x)
    first = Conv1D(4, 3, activation="relu", padding="same", data_format="channels_first")
    first.build((None, 3, 6))
    first.set_weights(last.get_weights())
    got = first(x.transpose(0, 2, 1))
    assert got.flags.c_contiguous
    np.testing.assert_allclose(got, y.transpose(0, 2, 1), rtol=1e-6, atol=1e-6)
    assert (y >= 0).all()
    model = Sequential([Input((None, 3)), last])  # the steps unknown until the call
    assert model.predict(x[:, :5], verbose=0).shape == (2, 5, 4)


def pool_by_definition(x, size, stride, padding, reduce):
    steps = x.shape[1]
    left, _, out = tf_padding(steps, size, stride, padding)
    windows = []
    for t in range(out):
        lo, hi = max(t * stride - left, 0), min(t * stride - left + size, steps)
        windows.append(reduce(x[:, lo:hi], axis=1))  # padding is not a value
    return np.stack(windows, axis=1)


@pytest.mark.parametrize(("cls", "reduce"), [(MaxPooling1D, np.max), (AveragePooling1D, np.mean)])
@pytest.mark.parametrize(("size", "stride"), [(2, None), (3, 1), (3, 2), (2, 3), (1, 1)])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("steps", [7, 8])
def test_pooling_matches_the_definition(cls, reduce, size, stride, padding, steps):
    x = rng.normal(size=(3, steps, 2)).astype(np.float32) - 2.0  # all negative: pads not 0
    layer = cls(size, strides=stride, padding=padding)
    want = pool_by_definition(x.astype(np.float64), size, stride or size, padding, reduce)
    assert_close(layer(x), want, what=cls.__name__)
    assert layer.compute_output_shape((None, steps, 2)) == (None, want.shape[1], 2)
    first = cls(size, strides=stride, padding=padding, data_format="channels_first")
    assert_close(first(x.transpose(0, 2, 1)), want.transpose(0, 2, 1), what="channels_first")


def test_conv_and_pooling_drop_a_mask_with_keras_warning():
    tokens = np.array([[3, 4, 0, 0], [1, 2, 3, 4]])
    for layer in (Conv1D(2, 2), MaxPooling1D(2), AveragePooling1D(2), Reshape((8, 1)),
                  Permute((2, 1))):
        model = Sequential([Input((4,)), Embedding(5, 2, mask_zero=True), layer])
        with pytest.warns(UserWarning, match="does not support masking"):
            out = model(tokens)
        assert out.shape[0] == 2


def test_batch_normalization_is_its_formula_and_keeps_the_mask():
    x = rng.normal(size=(3, 5, 4)).astype(np.float32)
    bn = BatchNormalization(epsilon=0.01)
    bn.build(x.shape)
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    mean, var = rng.normal(size=4), rng.uniform(0.5, 2, size=4)
    bn.set_weights([gamma, beta, mean, var])
    want = (x - mean) / np.sqrt(var + 0.01) * gamma + beta
    assert_close(bn(x), want, what="batch norm")
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]
    plain = BatchNormalization(center=False, scale=False, axis=1)
    plain.build((None, 5, 4))
    plain.set_weights([mean[:1].repeat(5), var[:1].repeat(5)])
    assert_close(plain(x), (x - mean[0]) / np.sqrt(var[0] + 1e-3), what="axis=1")
    out, mask = bn._forward(x, mask=np.ones((3, 5), bool))
    assert mask is not None
    assert mask.shape == (3, 5)


@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_layer_normalization_is_its_formula(axis):
    x = rng.normal(size=(2, 3, 4)).astype(np.float32) * 3 + 1
    ln = LayerNormalization(axis=axis, epsilon=1e-2)
    ln.build(x.shape)
    axes = tuple(a % 3 for a in (axis if isinstance(axis, list) else [axis]))
    shape = [1, 1, 1]
    for a in axes:
        shape[a] = x.shape[a]
    gamma, beta = rng.normal(size=shape[1:]), rng.normal(size=shape[1:])
    ln.set_weights([gamma.reshape([x.shape[a] for a in axes]),
                    beta.reshape([x.shape[a] for a in axes])])
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=axes, keepdims=True)
    var = ((x64 - mean) ** 2).mean(axis=axes, keepdims=True)
    want = (x64 - mean) / np.sqrt(var + 1e-2) * gamma.reshape(shape) + beta.reshape(shape)
    assert_close(ln(x), want, what=f"layer norm axis={axis}")


def test_summary_counts_moving_statistics_as_non_trainable():
    model = Sequential([Input((5, 3)), LSTM(4, return_sequences=True), BatchNormalization(),
                        LayerNormalization(), Dense(2)])
    rows = []
    model.summary(print_fn=rows.append)
    lstm, bn, ln, dense = 4 * (3 * 4 + 4 * 4 + 4), 4 * 4, 2 * 4, 4 * 2 + 2
    assert f"Total params: {lstm + bn + ln + dense:,}" in rows
    assert f"Non-trainable params: {2 * 4:,}" in rows
    assert len(model.trainable_weights) == len(model.weights) - 2


def test_reshape_and_permute():
    x = rng.normal(size=(2, 6, 4)).astype(np.float32)
    np.testing.assert_array_equal(Reshape((3, 8))(x), x.reshape(2, 3, 8))
    np.testing.assert_array_equal(Reshape((-1, 2))(x), x.reshape(2, 12, 2))
    np.testing.assert_array_equal(Permute((2, 1))(x), x.transpose(0, 2, 1))
    assert Reshape((-1, 2)).compute_output_shape((None, None, 4)) == (None, None, 2)
    assert Permute((2, 1)).compute_output_shape((None, 6, 4)) == (None, 4, 6)


def test_masking_then_norms_keeps_the_mask_for_the_rnn():
    """Masked steps of the input stay masked for the LSTM after two normalization layers."""
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    x[0, 3:] = 0.0
    model = Sequential([Input((5, 3)), Masking(), BatchNormalization(), LayerNormalization(),
                        LSTM(3)])
    short = Sequential([Input((3, 3)), Masking(), BatchNormalization(), LayerNormalization(),
                        LSTM(3)])
    short.set_weights(model.get_weights())
    # the padded sample's last output is the one after its 3 real steps
    np.testing.assert_allclose(model(x)[0], short(x[:1, :3])[0], rtol=1e-6, atol=1e-6)


def test_bad_arguments_and_inputs_are_named():
    with pytest.raises(ValueError, match="padding"):
        Conv1D(2, 3, padding="full")
    with pytest.raises(ValueError, match="padding"):
        MaxPooling1D(2, padding="causal")
    with pytest.raises(ValueError, match="kernel_size"):
        Conv1D(2, 0)
    with pytest.raises(ValueError, match="strides"):
        MaxPooling1D(2, strides=0)
    with pytest.raises(ValueError, match="dilation_rate"):
        Conv1D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="multiple of groups"):
        Conv1D(3, 2, groups=2)
    with pytest.raises(ValueError, match="not a multiple of groups"):
        Conv1D(4, 2, groups=2)(np.zeros((1, 5, 3), np.float32))
    with pytest.raises(ValueError, match="fewer than the kernel's span 5"):
        Conv1D(2, 3, dilation_rate=2)(np.zeros((1, 4, 3), np.float32))
    with pytest.raises(ValueError, match="fewer than pool_size 3"):
        MaxPooling1D(3)(np.zeros((1, 2, 3), np.float32))
    conv = Conv1D(2, 2)
    conv(np.zeros((1, 4, 3), np.float32))
    with pytest.raises(ValueError, match="has 5 channels, but the layer was built for 3"):
        conv(np.zeros((1, 4, 5), np.float32))
    with pytest.raises(ValueError, match="rank 3"):
        conv(np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match="rms_scaling"):
        LayerNormalization(rms_scaling=True)
    with pytest.raises(ValueError, match="axis 0 is the batch"):
        BatchNormalization(axis=0)(np.zeros((2, 3), np.float32))
    bn = BatchNormalization()
    bn(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"sizes \(4,\) on axes \[-1\].*built for \(3,\)"):
        bn(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match="values per sample"):
        Reshape((5, 5))(np.zeros((2, 6, 4), np.float32))
    with pytest.raises(ValueError, match="at most one -1"):
        Reshape((-1, -1))
    with pytest.raises(ValueError, match="permutation"):
        Permute((1, 3))


def test_upsampling_zero_padding_and_cropping():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    np.testing.assert_array_equal(UpSampling1D(3)(x), np.stack([x] * 3, axis=2).reshape(2, 15, 3))
    padded = ZeroPadding1D((2, 1))(x)
    np.testing.assert_array_equal(padded[:, 2:7], x)
    assert padded.shape == (2, 8, 3)
    assert not padded[:, :2].any()
    assert not padded[:, 7:].any()
    first = ZeroPadding1D(1, data_format="channels_first")(x)  # pads the last axis here
    np.testing.assert_array_equal(first[:, :, 1:4], x)
    assert first.shape == (2, 5, 5)
    np.testing.assert_array_equal(Cropping1D((1, 2))(x), x[:, 1:3])
    np.testing.assert_array_equal(Cropping1D((2, 0))(x), x[:, 2:])
    model = Sequential([Input((None, 3)), UpSampling1D(2), ZeroPadding1D(1), Cropping1D(2)])
    assert model.output_shape == (None, None, 3)
    assert model(x).shape == (2, 8, 3)
    with pytest.warns(UserWarning, match="does not support masking"):
        UpSampling1D(2)(x, mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match=r"cropping \(3, 2\) must leave at least one"):
        Cropping1D((3, 2))(x)
    with pytest.raises(ValueError, match="`padding` must be an integer >= 0 or a pair"):
        ZeroPadding1D((1, 2, 3))
    with pytest.raises(ValueError, match="`size` must be an integer >= 1"):
        UpSampling1D(0)
    with pytest.raises(ValueError, match="must have rank 3"):
        Cropping1D(1)(x[:, 0])


@pytest.mark.parametrize(("axis", "kept"), [(-1, (2,)), ([1, 2], (1, 2)), (None, ()),
                                            (1, (1,))])
def test_normalization_adapts_and_normalizes_as_its_formula(axis, kept):
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((6, 5, 3)) * [1.0, 3.0, 0.0] + [2.0, -1.0, 4.0]).astype(np.float32)
    layer = Normalization(axis=axis)
    layer.adapt([x[:2], x[2:]])  # batches, as a dataset gives them
    reduce = tuple(d for d in range(3) if d not in kept)
    mean, var = x.astype(np.float64).mean(reduce), x.astype(np.float64).var(reduce)
    got_mean, got_var, count = layer.get_weights()
    np.testing.assert_allclose(got_mean, mean, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got_var, var, rtol=1e-6, atol=1e-6)
    assert count == 0  # as Keras 3's adapt leaves it
    shape = [x.shape[d] if d in kept else 1 for d in range(3)]
    std = np.maximum(np.sqrt(var), 1e-7).reshape(shape)
    want = (x - mean.reshape(shape)) / std
    assert_close(layer(x), want, FP32_SHORT, f"Normalization(axis={axis})")
    assert [w.trainable for w in layer.weights] == [False, False, False]
    inverse = Normalization(axis=axis, invert=True)
    inverse(x)
    inverse.set_weights(layer.get_weights())
    assert_close(inverse(layer(x)), x, FP32_SHORT, "invert=True undoes it")


def test_normalization_constants_rescaling_identity_and_masks():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    given = Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.0, 9.0])
    np.testing.assert_allclose(given(x), (x - [1, 2, 3]) / [2.0, 1e-7, 3.0], rtol=1e-6)
    assert given.get_weights() == []
    assert given.get_config()["mean"] == [1.0, 2.0, 3.0]
    scalar = Normalization(axis=None, mean=2.0, variance=4.0)
    np.testing.assert_allclose(scalar(x), (x - 2.0) / 2.0, rtol=1e-6)
    both = Normalization(axis=(1, 2), mean=[1.0, 2.0, 3.0], variance=[1.0, 1.0, 1.0])
    np.testing.assert_allclose(both(x), x - [1, 2, 3], rtol=1e-6)  # the last axis, aligned
    np.testing.assert_allclose(Rescaling(0.5, offset=[1.0, 0.0, -1.0])(x),
                               x * 0.5 + [1.0, 0.0, -1.0], rtol=1e-6)
    np.testing.assert_array_equal(Identity()(x), x)
    # Each passes the mask: the LSTM after them skips the padded steps.
    padded = x.copy()
    padded[0, 2:] = 0.0
    for layer in (Normalization(mean=0.0, variance=4.0, axis=None), Rescaling(3.0),
                  Identity()):
        model = Sequential([Input((4, 3)), Masking(), layer, LSTM(2)])
        short = Sequential([Input((2, 3)), layer, model.layers[-1]])
        np.testing.assert_allclose(model(padded)[0], short(padded[:, :2])[0], rtol=1e-6)
    # Integer inputs are read as numbers.
    np.testing.assert_allclose(given(np.arange(6).reshape(1, 2, 3)),
                               given(np.arange(6.0).reshape(1, 2, 3)))


def test_normalization_and_rescaling_bad_arguments_are_named():
    x = np.ones((2, 4, 3), np.float32)
    for kwargs, match in [
            (dict(mean=1.0), "give both `mean` and `variance`"),
            (dict(mean=[1.0, 2.0], variance=[1.0]), "same shape"),
            (dict(mean=[[1.0]], variance=[[1.0]]), "rank 2, more than the 1 axes"),
            (dict(mean=1.0, variance=-1.0), "must not be negative")]:
        with pytest.raises(ValueError, match=match):
            Normalization(**kwargs)
    with pytest.raises(TypeError, match="`axis` must be an integer"):
        Normalization(axis="last")
    with pytest.raises(ValueError, match="axis 0 is not a feature axis"):
        Normalization(axis=0)(x)
    with pytest.raises(ValueError, match="does not fit sizes"):
        Normalization(mean=[1.0, 2.0], variance=[1.0, 1.0])(x)
    with pytest.raises(ValueError, match="was given its mean and variance; adapt"):
        Normalization(mean=1.0, variance=1.0).adapt(x)
    with pytest.raises(ValueError, match="non-empty array"):
        Normalization().adapt(np.zeros((0, 3)))
    layer = Normalization()
    layer(x)
    with pytest.raises(ValueError, match=r"built for \(3,\)"):
        layer(np.ones((2, 4, 5), np.float32))
    with pytest.raises(ValueError, match="does not broadcast against its statistics"):
        layer(np.ones((2, 5), np.float32))  # another rank broadcasts, as in Keras, if it can
    with pytest.raises(ValueError, match="known sizes on axes"):
        Sequential([Input((None, 3)), Normalization(axis=1)])
    with pytest.raises(TypeError, match="`scale` must be a number or a list"):
        Rescaling("x")
    with pytest.raises(ValueError, match="one number per feature"):
        Rescaling([[1.0]])
    with pytest.raises(ValueError, match="has 2 offset values for inputs of 3 features"):
        Rescaling(1.0, offset=[1.0, 2.0])(x)


@pytest.mark.parametrize("make", [
    lambda f: layers.Conv2D(5, (3, 2), strides=(2, 1), padding="same", data_format=f),
    lambda f: layers.Conv2D(4, 3, dilation_rate=2, groups=2, data_format=f),
    lambda f: layers.MaxPooling2D((2, 3), strides=1, data_format=f),
    lambda f: layers.AveragePooling2D(3, strides=2, padding="same", data_format=f),
    lambda f: layers.GlobalAveragePooling2D(data_format=f, keepdims=True),
    lambda f: layers.GlobalMaxPooling2D(data_format=f),
], ids=["conv-same-strided", "conv-dilated-grouped", "max", "avg-same", "gap", "gmp"])
def test_2d_layers_channels_first_are_channels_last_transposed(make):
    """Keras on TensorFlow's CPU cannot run channels_first 2-D convolutions, so the golden
    files hold channels_last ones (keras_files crnn, conv2d_options); channels_first must be
    the same computation on transposed data."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 9, 8, 4)).astype(np.float32)
    last, first = make("channels_last"), make("channels_first")
    want = last(x)
    first(x.transpose(0, 3, 1, 2))
    first.set_weights(last.get_weights())
    got = first(x.transpose(0, 3, 1, 2))
    if want.ndim == 4:
        got = got.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert last.compute_output_shape((None, 9, 8, 4)) == (None, *want.shape[1:])


def test_conv2d_is_the_sum_over_its_window():
    """Against the definition, element by element: one output of a strided, padded,
    grouped convolution."""
    rng = np.random.default_rng(5)
    conv = layers.Conv2D(4, (3, 3), strides=2, padding="same", groups=2)
    x = rng.standard_normal((1, 7, 6, 6)).astype(np.float32)
    y = conv(x)
    kernel, bias = conv.get_weights()
    padded = np.pad(x, ((0, 0), (1, 1), (0, 1), (0, 0)))  # same: 7 rows -> 4, 6 cols -> 3
    for r, c, f in [(0, 0, 0), (2, 1, 3), (3, 2, 1)]:
        g = f // 2
        window = padded[0, 2 * r:2 * r + 3, 2 * c:2 * c + 3, 3 * g:3 * g + 3]
        want = (window * kernel[..., f]).sum() + bias[f]
        np.testing.assert_allclose(y[0, r, c, f], want, rtol=1e-5, atol=1e-6)


def test_normalization_adapted_at_one_rank_broadcasts_at_another():
    """As Keras 3 (checked with 3.15.1): statistics adapted on (N, 3) rows normalize (batch,
    steps, 3) sequences; adapted on sequences, a (N, 3) input broadcasts to (1, N, 3); shapes
    that cannot broadcast are named."""
    from fusedrnn import Input, Model, layers

    x = np.random.default_rng(4).standard_normal((2, 5, 3)).astype(np.float32)
    rows = layers.Normalization(axis=-1)
    rows.adapt(x.reshape(-1, 3))
    flat = x.reshape(-1, 3)
    want = (x - flat.mean(0)) / np.maximum(flat.std(0), 1e-7)
    np.testing.assert_allclose(rows(x), want, rtol=1e-5, atol=1e-6)
    inputs = Input((5, 3))
    assert Model(inputs, rows(inputs)).output_shape == (None, 5, 3)
    seqs = layers.Normalization(axis=-1)
    seqs.adapt(x)
    assert seqs(flat).shape == (1, 10, 3)
    with pytest.raises(ValueError, match=r"of shape \(2, 5, 4\) does not broadcast"):
        rows(np.zeros((2, 5, 4), np.float32))


# --------------------------------------------------------------------------- SpectralNormalization


def test_spectral_normalization_is_its_layer_at_inference():
    """Training stores the normalised kernel in the layer; inference runs the layer as is:
    x @ kernel + bias for a Dense, the rows of the embeddings for an Embedding."""
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    dense = layers.SpectralNormalization(Dense(4, activation="tanh"), power_iterations=3)
    y = dense(x)
    kernel, vector_u, bias = dense.get_weights()
    assert (kernel.shape, vector_u.shape, bias.shape) == ((3, 4), (1, 4), (4,))
    assert_close(y, np.tanh(x.astype(np.float64) @ kernel + bias), FP32_SHORT, "dense")
    ids = np.array([[1, 4, 0], [2, 2, 3]])
    embed = layers.SpectralNormalization(Embedding(6, 2))
    out = embed(ids.astype(np.float32))
    table, u = embed.get_weights()
    assert u.shape == (1, 2)
    np.testing.assert_array_equal(out, table[ids])
    # Keras casts the output to its input's dtype: integer ids give truncated integer vectors
    # (checked in Keras 3.15.1)
    embed.set_weights([table * 10, u])
    out = embed(ids.astype(np.int32))
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, np.trunc(table[ids] * 10))


def test_spectral_normalization_weights_in_keras_order():
    """Keras 3's order: the kernel, vector_u (not trainable), then the layer's others; the
    kernel counts once."""
    model = Sequential([Input((6, 4)),
                        layers.SpectralNormalization(Conv1D(5, 3), name="sn"), LSTM(2)])
    sn = model.get_layer("sn")
    assert [w.name for w in sn.weights] == ["kernel", "vector_u", "bias"]
    assert [w.name for w in sn.trainable_weights] == ["kernel", "bias"]
    assert [w.name for w in sn.non_trainable_weights] == ["vector_u"]
    assert sn.count_params() == 3 * 4 * 5 + 5 + 5
    new = [rng.standard_normal(w.shape).astype(np.float32) for w in model.get_weights()]
    model.set_weights(new)
    for got, want in zip(model.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(sn.layer.get_weights()[0], new[0])  # the layer's kernel
    np.testing.assert_array_equal(sn.layer.get_weights()[1], new[2])  # and bias
    x = rng.standard_normal((2, 6, 4)).astype(np.float32)
    plain = Sequential([Input((6, 4)), Conv1D(5, 3), LSTM(2)])
    plain.set_weights([new[0], new[2], *new[3:]])
    assert_close(model.predict(x, verbose=0), plain.predict(x, verbose=0), FP32_SHORT, "model")
    with pytest.raises(ValueError, match=r"vector_u.*\(5, 1\).*expected \(1, 5\)"):
        sn.set_weights([new[0], new[1].T, new[2]])
    with pytest.raises(ValueError, match="expects 3 weight arrays"):
        sn.set_weights(new[:2])


def test_spectral_normalization_config_round_trip_and_mask():
    sn = layers.SpectralNormalization(Dense(3, use_bias=False), power_iterations=2, name="s")
    config = sn.get_config()
    assert config["power_iterations"] == 2
    assert config["layer"]["class_name"] == "Dense"
    again = layers.SpectralNormalization.from_config(config)
    assert (again.power_iterations, again.layer.units, again.layer.use_bias) == (2, 3, False)
    # Keras 3 drops a mask given to it, with its warning
    x = np.array([[1, 2, 0], [3, 0, 0]])
    model = Sequential([Input((3,)), Embedding(5, 4, mask_zero=True),
                        layers.SpectralNormalization(Dense(4)), LSTM(2)])
    with pytest.warns(UserWarning, match="destroy the mask"):
        masked = model.predict(x, verbose=0)
    unmasked = Sequential([Input((3,)), Embedding(5, 4), Dense(4), LSTM(2)])
    w = model.get_weights()
    unmasked.set_weights([w[0], w[1], w[3], *w[4:]])
    assert_close(masked, unmasked.predict(x, verbose=0), FP32_SHORT, "mask dropped")


def test_spectral_normalization_bad_arguments_are_named():
    with pytest.raises(ValueError, match="power_iterations.*greater than zero"):
        layers.SpectralNormalization(Dense(2), power_iterations=0)
    with pytest.raises(TypeError, match="power_iterations must be an integer"):
        layers.SpectralNormalization(Dense(2), power_iterations=1.5)
    with pytest.raises(ValueError, match="supported layer type"):
        layers.SpectralNormalization("dense")
    x = np.zeros((2, 3, 4), np.float32)
    with pytest.raises(ValueError, match="LSTM object has no attribute 'kernel' nor 'embeddings'"):
        layers.SpectralNormalization(LSTM(2))(x)
    built = layers.SpectralNormalization(Dense(2))
    built(x)
    with pytest.raises(ValueError, match=r"dense.*\b4\b.*\b5\b"):
        built(np.zeros((2, 3, 5), np.float32))


def test_spectral_normalization_of_a_depthwise_convolution():
    """Keras 3 calls a DepthwiseConv's kernel `kernel` (fusedrnn's weight is named
    depthwise_kernel): the wrapper takes it; a SeparableConv (two kernels) is refused, as in
    Keras. (A Keras-saved model of it loads and predicts within 2e-6; checked by hand.)"""
    sn = layers.SpectralNormalization(layers.DepthwiseConv2D(3, depth_multiplier=2))
    x = rng.standard_normal((1, 5, 5, 2)).astype(np.float32)
    y = sn(x)
    kernel, vector_u, bias = sn.get_weights()
    assert (kernel.shape, vector_u.shape, bias.shape) == ((3, 3, 2, 2), (1, 2), (4,))
    np.testing.assert_array_equal(y, sn.layer(x))
    with pytest.raises(ValueError, match="SeparableConv2D object has no attribute 'kernel'"):
        layers.SpectralNormalization(layers.SeparableConv2D(4, 3))(x)
