"""ZeroPadding2D/3D, Cropping2D/3D, UpSampling2D/3D, SpatialDropout2D/3D, DepthwiseConv1D/2D,
SeparableConv1D/2D, UnitNormalization, GroupNormalization, RMSNormalization and the
augmentation layers against loops or formulas written from their definitions (the
keras_files cases ds_cnn, separable_1d, video_3d, augmentation and augmentation_keras3 check
them against Keras 3 and Keras 2 files), plus bad input."""

from __future__ import annotations

import itertools
import json
import math
import os
import pickle

import numpy as np
import pytest

from fusedrnn import layers
from fusedrnn.layers import Input
from fusedrnn.models import Sequential, load_model
from tolerances import FP32_SHORT, assert_close

rng = np.random.default_rng(0)


def tf_same(size, span, stride):
    """TensorFlow's "same": ceil(size / stride) outputs, the extra padding after."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, out


def to_channels_first(x):
    return np.moveaxis(x, -1, 1)


# ----------------------------------------------------------------------------- padding etc.
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_zero_padding_and_cropping_by_definition(data_format):
    x = rng.standard_normal((2, 5, 6, 3)).astype(np.float32)
    xin = x if data_format == "channels_last" else to_channels_first(x)
    for padding, pairs in [(1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))),
                           (((1, 2), (0, 3)), ((1, 2), (0, 3)))]:
        y = layers.ZeroPadding2D(padding, data_format=data_format)(xin)
        want = np.zeros((2, 5 + sum(pairs[0]), 6 + sum(pairs[1]), 3), np.float32)
        want[:, pairs[0][0]:pairs[0][0] + 5, pairs[1][0]:pairs[1][0] + 6] = x
        assert np.array_equal(y, want if data_format == "channels_last"
                              else to_channels_first(want))
        z = layers.Cropping2D(padding, data_format=data_format)(y)
        assert np.array_equal(z, xin)  # cropping what was padded gives the input back
    v = rng.standard_normal((2, 3, 4, 5, 2)).astype(np.float32)
    vin = v if data_format == "channels_last" else to_channels_first(v)
    y = layers.ZeroPadding3D(((1, 0), (0, 2), (1, 1)), data_format=data_format)(vin)
    yl = y if data_format == "channels_last" else np.moveaxis(y, 1, -1)
    assert yl.shape == (2, 4, 6, 7, 2)
    assert np.array_equal(yl[:, 1:, :4, 1:6], v)
    assert np.abs(yl).sum() == pytest.approx(np.abs(v).sum())
    c = layers.Cropping3D(((1, 0), (0, 1), (2, 1)), data_format=data_format)(vin)
    cl = c if data_format == "channels_last" else np.moveaxis(c, 1, -1)
    assert np.array_equal(cl, v[:, 1:, :3, 2:4])
    assert layers.Cropping3D()(v).shape == (2, 1, 2, 3, 2)  # Keras's default: 1 on every side


def bilinear_by_definition(x, scale_rows, scale_cols):
    """tf.image.resize's bilinear rule (half-pixel centers), one output pixel at a time."""
    b, h, w, c = x.shape
    out = np.zeros((b, h * scale_rows, w * scale_cols, c))
    for i, j in itertools.product(range(h * scale_rows), range(w * scale_cols)):
        src = []
        for pos, scale, size in ((i, scale_rows, h), (j, scale_cols, w)):
            center = (pos + 0.5) / scale - 0.5
            lo = math.floor(center)
            src.append((max(lo, 0), min(math.ceil(center), size - 1), center - lo))
        (r0, r1, fr), (c0, c1, fc) = src
        top = x[:, r0, c0] * (1 - fc) + x[:, r0, c1] * fc
        bottom = x[:, r1, c0] * (1 - fc) + x[:, r1, c1] * fc
        out[:, i, j] = top * (1 - fr) + bottom * fr
    return out


@pytest.mark.parametrize("size", [2, (1, 3), (3, 2)])
def test_upsampling_nearest_and_bilinear(size):
    x = rng.standard_normal((2, 4, 5, 3)).astype(np.float32)
    rows, cols = (size, size) if isinstance(size, int) else size
    y = layers.UpSampling2D(size)(x)
    assert np.array_equal(y, x.repeat(rows, axis=1).repeat(cols, axis=2))
    y = layers.UpSampling2D(size, interpolation="bilinear")(x)
    assert_close(y, bilinear_by_definition(x.astype(np.float64), rows, cols), FP32_SHORT)
    first = layers.UpSampling2D(size, data_format="channels_first",
                                interpolation="bilinear")(to_channels_first(x))
    assert_close(first, to_channels_first(y), FP32_SHORT)
    v = rng.standard_normal((1, 2, 3, 2, 2)).astype(np.float32)
    assert np.array_equal(layers.UpSampling3D((2, 1, 3))(v),
                          v.repeat(2, axis=1).repeat(3, axis=3))


def test_spatial_dropout_is_the_identity_and_keeps_the_mask():
    x = rng.standard_normal((2, 4, 5, 3)).astype(np.float32)
    assert np.array_equal(layers.SpatialDropout2D(0.5)(x), x)
    v = rng.standard_normal((2, 2, 4, 5, 3)).astype(np.float32)
    assert np.array_equal(layers.SpatialDropout3D(0.5, data_format="channels_first")(v), v)
    mask = np.array([[True, False, True, True]] * 2)
    assert layers.SpatialDropout2D(0.1).compute_mask(x, mask) is mask
    with pytest.raises(ValueError, match="rank 5"):
        layers.SpatialDropout3D(0.1)(x)


# ----------------------------------------------------------------------------- depthwise
def depthwise_by_definition(x, kernel, stride, dilation, padding):
    """(batch, *grid, channels) with kernel (*window, channels, multiplier), every output
    position summed tap by tap."""
    rank = kernel.ndim - 2
    window, (channels, mult) = kernel.shape[:rank], kernel.shape[rank:]
    sizes = x.shape[1:1 + rank]
    spans = [(k - 1) * dilation[a] + 1 for a, k in enumerate(window)]
    starts, outs = [], []
    for a in range(rank):
        if padding == "same":
            left, out = tf_same(sizes[a], spans[a], stride[a])
        elif padding == "causal":
            left, out = spans[a] - 1, (sizes[a] - 1) // stride[a] + 1
        else:
            left, out = 0, (sizes[a] - spans[a]) // stride[a] + 1
        starts.append(left)
        outs.append(out)
    y = np.zeros((x.shape[0], *outs, channels * mult))
    for pos in itertools.product(*map(range, outs)):
        for tap in itertools.product(*map(range, window)):
            src = [pos[a] * stride[a] + tap[a] * dilation[a] - starts[a] for a in range(rank)]
            if all(0 <= s < n for s, n in zip(src, sizes)):
                contribution = x[(slice(None), *src)][:, :, None] * kernel[tap]
                y[(slice(None), *pos)] += contribution.reshape(x.shape[0], -1)
    return y


DEPTHWISE_GRID = [  # kernel, strides, dilation, padding, multiplier
    (3, 1, 1, "valid", 1), (3, 2, 1, "same", 2), (2, 1, 2, "same", 3), (4, 3, 1, "same", 1),
    (3, 1, 2, "causal", 2), (2, 2, 1, "causal", 1), (1, 1, 1, "valid", 2),
]


@pytest.mark.parametrize(("k", "s", "d", "padding", "mult"), DEPTHWISE_GRID)
def test_depthwise_and_separable_conv1d_by_definition(k, s, d, padding, mult):
    x = rng.standard_normal((2, 9, 3)).astype(np.float32)
    layer = layers.DepthwiseConv1D(k, strides=s, dilation_rate=d, padding=padding,
                                   depth_multiplier=mult, activation="tanh")
    layer(x)
    kernel = rng.standard_normal((k, 3, mult)).astype(np.float32)
    bias = rng.standard_normal(3 * mult).astype(np.float32)
    layer.set_weights([kernel, bias])
    want = np.tanh(depthwise_by_definition(x, kernel, (s,), (d,), padding) + bias)
    assert_close(layer(x), want, FP32_SHORT)
    sep = layers.SeparableConv1D(4, k, strides=s, dilation_rate=d, padding=padding,
                                 depth_multiplier=mult, use_bias=False)
    sep(x)
    pointwise = rng.standard_normal((1, 3 * mult, 4)).astype(np.float32)
    sep.set_weights([kernel, pointwise])
    assert_close(sep(x), depthwise_by_definition(x, kernel, (s,), (d,), padding) @ pointwise[0],
                 FP32_SHORT)
    assert sep.compute_output_shape((None, 9, 3)) == (None, want.shape[1], 4)


@pytest.mark.parametrize(("k", "s", "d", "padding", "mult"),
                         [g for g in DEPTHWISE_GRID if g[3] != "causal"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depthwise_and_separable_conv2d_by_definition(k, s, d, padding, mult, data_format):
    x = rng.standard_normal((2, 7, 8, 3)).astype(np.float32)
    kernel = rng.standard_normal((k, k + 1, 3, mult)).astype(np.float32)
    want = depthwise_by_definition(x, kernel, (s, s), (d, 1), padding)
    xin = x if data_format == "channels_last" else to_channels_first(x)
    layer = layers.DepthwiseConv2D((k, k + 1), strides=s, dilation_rate=(d, 1),
                                   padding=padding, depth_multiplier=mult, use_bias=False,
                                   data_format=data_format)
    layer(xin)
    layer.set_weights([kernel])
    got = layer(xin)
    assert_close(got, want if data_format == "channels_last" else to_channels_first(want),
                 FP32_SHORT)
    sep = layers.SeparableConv2D(5, (k, k + 1), strides=s, dilation_rate=(d, 1),
                                 padding=padding, depth_multiplier=mult, activation="relu",
                                 data_format=data_format)
    sep(xin)
    pointwise = rng.standard_normal((1, 1, 3 * mult, 5)).astype(np.float32)
    bias = rng.standard_normal(5).astype(np.float32)
    sep.set_weights([kernel, pointwise, bias])
    want = np.maximum(want @ pointwise[0, 0] + bias, 0)
    assert_close(sep(xin), want if data_format == "channels_last" else to_channels_first(want),
                 FP32_SHORT)


def test_depthwise_weights_configs_and_errors():
    layer = layers.DepthwiseConv2D(3, depth_multiplier=2)
    layer(np.zeros((1, 5, 5, 4), np.float32))
    assert [w.shape for w in layer.get_weights()] == [(3, 3, 4, 2), (8,)]
    assert [w.name for w in layer.weights] == ["depthwise_kernel", "bias"]
    sep = layers.SeparableConv1D(6, 2, depth_multiplier=3)
    sep(np.zeros((1, 5, 4), np.float32))
    assert [w.shape for w in sep.get_weights()] == [(2, 4, 3), (1, 12, 6), (6,)]
    assert layers.SeparableConv1D.from_config(sep.get_config()).get_config() == sep.get_config()
    assert layers.SeparableConvolution2D is layers.SeparableConv2D
    assert layers.Convolution1D is layers.Conv1D
    assert layers.Convolution3D is layers.Conv3D
    with pytest.raises(ValueError, match="has 3 channels, but the layer was built for 4"):
        sep(np.zeros((1, 5, 3), np.float32))
    with pytest.raises(ValueError, match="padding"):
        layers.DepthwiseConv2D(3, padding="causal")
    with pytest.raises(ValueError, match="groups"):
        layers.DepthwiseConv1D(3, groups=2)
    with pytest.raises(ValueError, match="filters"):
        layers.SeparableConv2D(0, 3)
    with pytest.raises(ValueError, match="smaller than its kernel"):
        layers.DepthwiseConv2D(4)(np.zeros((1, 3, 5, 2), np.float32))
    with pytest.raises(ValueError, match="rank 4"):
        layers.DepthwiseConv2D(2)(np.zeros((1, 3, 5), np.float32))


# ----------------------------------------------------------------------------- transposed
def transpose_by_definition(x, kernel, stride, dilation, padding, output_padding):
    """Each input position scattered over the output (x[i] @ kernel[tap].T at i * stride +
    tap * dilation), then Keras's window of the full result."""
    rank = kernel.ndim - 2
    window = kernel.shape[:rank]
    sizes = x.shape[1:1 + rank]
    spans = [(k - 1) * dilation[a] + 1 for a, k in enumerate(window)]
    full = [(n - 1) * stride[a] + spans[a] for a, n in enumerate(sizes)]
    outs, lefts = [], []
    for a, n in enumerate(sizes):
        if output_padding is None:
            out = n * stride[a] + max(spans[a] - stride[a], 0) if padding == "valid" else (
                n * stride[a])
        else:
            pad = spans[a] // 2 if padding == "same" else 0
            out = (n - 1) * stride[a] + spans[a] - 2 * pad + output_padding[a]
        outs.append(out)
        lefts.append(tf_same(out, spans[a], stride[a])[0] if padding == "same" else 0)
    y = np.zeros((x.shape[0], *[max(f, left + o) for f, left, o in zip(full, lefts, outs)],
                  kernel.shape[-2]))
    for pos in itertools.product(*map(range, sizes)):
        for tap in itertools.product(*map(range, window)):
            at = tuple(pos[a] * stride[a] + tap[a] * dilation[a] for a in range(rank))
            y[(slice(None), *at)] += x[(slice(None), *pos)] @ kernel[tap].T
    return y[(slice(None), *(slice(left, left + o) for left, o in zip(lefts, outs)))]


@pytest.mark.parametrize(("k", "s", "d", "padding", "op"), [
    (3, 1, 1, "valid", None), (3, 2, 1, "same", None), (2, 3, 1, "valid", None),
    (4, 2, 1, "same", 1), (3, 3, 1, "valid", 2), (2, 1, 2, "same", None), (1, 2, 1, "same", 0),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_transposed_convolutions_by_definition(k, s, d, padding, op, data_format):
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    kernel = rng.standard_normal((k, 5, 3)).astype(np.float32)
    layer = layers.Conv1DTranspose(5, k, strides=s, dilation_rate=d, padding=padding,
                                   output_padding=op, use_bias=False, data_format=data_format)
    xin = x if data_format == "channels_last" else to_channels_first(x)
    layer(xin)
    layer.set_weights([kernel])
    want = transpose_by_definition(x, kernel, (s,), (d,), padding,
                                   None if op is None else (op,))
    got = layer(xin)
    assert_close(got, want if data_format == "channels_last" else to_channels_first(want),
                 FP32_SHORT)
    assert layer.compute_output_shape((None, *xin.shape[1:])) == (None, *got.shape[1:])
    x2 = rng.standard_normal((1, 3, 4, 2)).astype(np.float32)
    kernel2 = rng.standard_normal((k, 2, 3, 2)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    layer2 = layers.Conv2DTranspose(3, (k, 2), strides=(s, 1), dilation_rate=(d, 1),
                                    padding=padding, output_padding=None if op is None else (
                                        op, 0), activation="tanh")
    layer2(x2)
    layer2.set_weights([kernel2, bias])
    want2 = transpose_by_definition(x2, kernel2, (s, 1), (d, 1), padding,
                                    None if op is None else (op, 0))
    assert_close(layer2(x2), np.tanh(want2 + bias), FP32_SHORT)


def test_transposed_convolution_weights_and_errors():
    layer = layers.Conv3DTranspose(4, 2)
    assert layer(np.zeros((1, 2, 3, 2, 5), np.float32)).shape == (1, 3, 4, 3, 4)
    assert [w.shape for w in layer.get_weights()] == [(2, 2, 2, 4, 5), (4,)]
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    with pytest.raises(ValueError, match="dilation_rate"):
        layers.Conv1DTranspose(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="filters"):
        layers.Conv1DTranspose(0, 3)
    with pytest.raises(ValueError, match="built for 5"):
        layer(np.zeros((1, 2, 3, 2, 4), np.float32))


# ----------------------------------------------------------------------------- normalization
def test_unit_normalization_by_definition():
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    x[0, 1] = 0.0  # a zero vector stays zero (Keras caps 1 / norm at 1e12)
    y = layers.UnitNormalization()(x)
    norms = np.sqrt((x.astype(np.float64) ** 2).sum(-1, keepdims=True))
    assert_close(y, np.divide(x, norms, out=np.zeros_like(x, np.float64), where=norms > 0),
                 FP32_SHORT)
    assert np.array_equal(y[0, 1], np.zeros(4))
    y = layers.UnitNormalization(axis=[1, 2])(x)
    assert_close(y, x / np.sqrt((x.astype(np.float64) ** 2).sum((1, 2), keepdims=True)),
                 FP32_SHORT)
    mask = np.ones((2, 3), bool)
    assert layers.UnitNormalization().compute_mask(x, mask) is mask
    with pytest.raises(ValueError, match="batch"):
        layers.UnitNormalization(axis=0)(x)


@pytest.mark.parametrize(("groups", "axis", "shape"), [
    (2, -1, (2, 5, 6)), (3, -1, (2, 4, 3, 6)), (-1, -1, (2, 5, 4)), (1, -1, (2, 5, 4)),
    (2, 1, (2, 4, 3, 5)),
])
def test_group_normalization_by_definition(groups, axis, shape):
    x = rng.standard_normal(shape).astype(np.float32) * 2 + 1
    layer = layers.GroupNormalization(groups=groups, axis=axis, epsilon=0.01)
    layer(x)
    channels = shape[axis]
    gamma = rng.standard_normal(channels).astype(np.float32)
    beta = rng.standard_normal(channels).astype(np.float32)
    layer.set_weights([gamma, beta])
    n = channels if groups == -1 else groups
    xc = np.moveaxis(x.astype(np.float64), axis, -1)  # channels last
    want = np.empty_like(xc)
    size = channels // n
    for b, g in itertools.product(range(shape[0]), range(n)):
        part = xc[b, ..., g * size:(g + 1) * size]
        want[b, ..., g * size:(g + 1) * size] = (part - part.mean()) / np.sqrt(
            part.var() + 0.01)
    want = want * gamma + beta
    assert_close(layer(x), np.moveaxis(want, -1, axis), FP32_SHORT)
    assert layer.groups == n


def test_group_normalization_options_and_errors():
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    layer = layers.GroupNormalization(groups=2, center=False, scale=False)
    y = layer(x)
    assert layer.get_weights() == []
    parts = x.reshape(2, 3, 2, 2)
    want = (parts - parts.mean((1, 3), keepdims=True)) / np.sqrt(
        parts.var((1, 3), keepdims=True) + 1e-3)
    assert_close(y, want.reshape(x.shape), FP32_SHORT)
    with pytest.raises(ValueError, match="3 groups"):
        layers.GroupNormalization(groups=3)(x)
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="one integer"):
        layers.GroupNormalization(axis=[1, 2])


def test_rms_normalization_by_definition_and_errors():
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    layer = layers.RMSNormalization(epsilon=0.1)
    layer(x)
    scale = rng.standard_normal(4).astype(np.float32)
    layer.set_weights([scale])
    x64 = x.astype(np.float64)
    assert_close(layer(x), x64 / np.sqrt((x64 ** 2).mean(-1, keepdims=True) + 0.1) * scale,
                 FP32_SHORT)
    both = layers.RMSNormalization(axis=[-2, -1])
    both(x)
    scale = rng.standard_normal((3, 4)).astype(np.float32)
    both.set_weights([scale])
    assert_close(both(x), x64 / np.sqrt((x64 ** 2).mean((1, 2), keepdims=True) + 1e-6) * scale,
                 FP32_SHORT)
    assert both.get_config()["axis"] == [-2, -1]
    with pytest.warns(UserWarning, match="does not support masking"):
        assert layers.RMSNormalization()._forward(x, mask=np.ones((2, 3), bool))[1] is None
    with pytest.raises(ValueError, match="last axes"):
        layers.RMSNormalization(axis=1)(x)
    with pytest.raises(ValueError, match="built for"):
        layer(np.zeros((2, 3, 5), np.float32))


# ----------------------------------------------------------------------------- augmentation
AUGMENTATIONS = sorted(layers._augment.__all__)


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_augmentation_layers_are_identities_at_inference(name):
    cls = getattr(layers, name)
    required = [k for k, d in layers._augment._SIGNATURES[name] if d is layers._augment._REQUIRED]
    layer = cls(*[0.1] * len(required))
    x = rng.uniform(0, 255, (2, 6, 5, 3)).astype(np.float32)
    assert np.array_equal(layer(x), x)
    assert np.array_equal(layer(x[0]), x[0])  # one image
    config = layer.get_config()
    assert config["data_format"] == "channels_last"
    assert cls.from_config(config).get_config() == config
    assert pickle.loads(pickle.dumps(layer)).get_config() == config
    with pytest.raises(ValueError, match="rank 4"):
        layer(np.zeros((2, 3), np.float32))
    if required:
        with pytest.raises(TypeError, match=f"missing required argument '{required[0]}'"):
            cls()
    with pytest.raises(TypeError, match="unexpected keyword|unrecognized keyword"):
        cls(*[0.1] * len(required), no_such_argument=1)


def test_augmentation_arguments_as_keras_takes_them():
    zoom = layers.RandomZoom(0.2, 0.1, "constant")
    assert (zoom.height_factor, zoom.width_factor, zoom.fill_mode) == (0.2, 0.1, "constant")
    flip = layers.RandomFlip("horizontal", seed=3)
    assert flip.get_config()["mode"] == "horizontal"
    assert flip.seed == 3
    assert layers.RandomContrast(factor=(0.1, 0.2)).get_config()["factor"] == [0.1, 0.2]
    assert layers.RandomContrast(0.1, rng_type="stateful")  # Keras 2's config key
    with pytest.raises(TypeError, match="multiple values"):
        layers.RandomRotation(0.1, factor=0.2)
    with pytest.raises(TypeError, match="at most"):
        layers.RandomFlip("horizontal", 1, "channels_last", 4)
    with pytest.raises(ValueError, match="data_format"):
        layers.RandomFlip(data_format="NHWC")
    with pytest.warns(UserWarning, match="does not support masking"):
        flip._forward(np.zeros((1, 2, 2, 3), np.float32), mask=np.ones((1, 2), bool))


def test_augmentation_in_a_model_saves_and_loads(tmp_path):
    h5py = pytest.importorskip("h5py", reason="h5py is in the test extra")
    model = Sequential([Input((6, 5, 3)), layers.RandomFlip(), layers.RandomRotation(0.2),
                        layers.AugMix(all_ops=False), layers.RandomColorJitter(
                            contrast_factor=0.1, hue_factor=0.2),
                        layers.RandomShear(0.1), layers.Conv2D(2, 3), layers.Flatten()])
    x = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5") as f:  # the layers Keras builds inside them
        assert sorted(f["layers/random_color_jitter"]) == ["random_contrast", "random_hue",
                                                           "vars"]
        assert "random_brightness" not in f["layers/aug_mix"]
        assert "solarization" in f["layers/aug_mix"]
    keras2 = Sequential([Input((6, 5, 3)), layers.RandomHeight(0.2), layers.Flatten()])
    with pytest.raises(ValueError, match="Keras 3 has no RandomHeight"):
        keras2.save(tmp_path / "k2.keras")


def test_shape_layer_errors():
    x = np.zeros((1, 4, 4, 2), np.float32)
    with pytest.raises(ValueError, match="at least one position"):
        layers.Cropping2D(((2, 2), (0, 0)))(x)
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding3D(-1)
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match="size"):
        layers.UpSampling3D((2, 2))
    with pytest.raises(ValueError, match="rank 5"):
        layers.ZeroPadding3D()(x)
    assert layers.ZeroPadding2D(2).compute_output_shape((None, None, 3, 2)) == (
        None, None, 7, 2)


# ----------------------------------------------------------------------------- against Keras
GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "image_layers.npz")
with np.load(GOLDEN) as _data:
    KERAS_CASES = json.loads(str(_data["index"]))


@pytest.mark.parametrize("case", KERAS_CASES, ids=[c["name"] for c in KERAS_CASES])
def test_layers_give_keras_outputs(case):
    """Random configurations recorded with Keras 3 (tests/golden/generate_image_golden.py)."""
    with np.load(GOLDEN) as data:
        x, y = data[f"{case['name']}_x"], data[f"{case['name']}_y"]
        weights = [data[f"{case['name']}_w{j}"] for j in range(case["num_weights"])]
    layer = getattr(layers, case["class_name"])(**case["config"])
    layer(x)
    layer.set_weights(weights)
    got = layer(x)
    assert got.shape == y.shape
    if x.ndim > 1:  # (MelSpectrogram also takes one unbatched signal)
        assert layer.compute_output_shape((None, *x.shape[1:])) == (None, *y.shape[1:])
    if case["class_name"] == "MelSpectrogram":
        # Keras's float32 FFT, mel matrix and logarithm: errors relative to the largest value
        assert_close(got, y, (0.0, 2e-5 * float(np.abs(y).max())))
    else:
        assert_close(got, y, FP32_SHORT)


def test_mel_spectrogram_against_its_definition():
    """Frame by frame: reflect-pad, window, DFT by its sum, power, triangular mel bands,
    decibels clipped at top_db below the call's maximum."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 150)).astype(np.float32)
    layer = layers.MelSpectrogram(fft_length=32, sequence_stride=10, sequence_length=20,
                                  sampling_rate=8000, num_mel_bins=6, top_db=30.0)
    got = layer(x)
    padded = np.pad(x.astype(np.float64), [(0, 0), (16, 16)], mode="reflect")
    n = np.arange(20)
    window = np.zeros(32)
    window[6:26] = 0.5 - 0.5 * np.cos(2 * np.pi * n / 20)
    frames = 1 + (padded.shape[1] - 32) // 10
    k = np.arange(17)
    dft = np.exp(-2j * np.pi * np.outer(np.arange(32), k) / 32)
    power = np.stack([[np.abs((padded[b, f * 10:f * 10 + 32] * window) @ dft) ** 2
                       for f in range(frames)] for b in range(2)])
    hz = np.linspace(0, 4000, 17)
    mel = 1127.0 * np.log(1 + hz / 700.0)
    edges = np.linspace(1127.0 * np.log(1 + 20 / 700.0), 1127.0 * np.log(1 + 4000 / 700.0), 8)
    bands = np.zeros((17, 6))
    for j in range(6):
        lo, mid, hi = edges[j:j + 3]
        bands[1:, j] = np.maximum(0, np.minimum((mel[1:] - lo) / (mid - lo),
                                                (hi - mel[1:]) / (hi - mid)))
    db = 10 * np.log10(np.maximum(power @ bands, 1e-10))
    want = np.swapaxes(np.maximum(db, db.max() - 30.0), 1, 2)
    assert got.shape == want.shape == (2, 6, frames)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
    # The clipping floor is the whole call's: a louder signal beside it raises it.
    alone = layer(x[:1])
    with_loud = layer(np.concatenate([x[:1], 100 * x[1:]]))[:1]
    assert np.all(with_loud >= alone - 1e-4)
    assert np.any(with_loud > alone + 1.0)


@pytest.mark.parametrize(("kwargs", "shape", "match"), [
    ({}, (2, 3, 4000), "signals"),
    ({"fft_length": 64}, (2, 20), "too short"),
    ({"fft_length": 64, "sequence_length": 65}, (2, 200), "fft_length"),
    ({"window": "blackman"}, (2, 4000), "window"),
    ({"num_mel_bins": 0}, (2, 4000), "num_mel_bins"),
    ({"min_freq": 9000.0}, (2, 4000), "min_freq"),
])
def test_mel_spectrogram_errors(kwargs, shape, match):
    with pytest.raises(ValueError, match=match):
        layers.MelSpectrogram(**kwargs)(np.zeros(shape, np.float32))


STFT_KERNELS = os.path.join(os.path.dirname(__file__), "data", "golden", "stft_kernels.npz")
with np.load(STFT_KERNELS) as _data:
    STFT_CASES = json.loads(str(_data["index"]))


@pytest.mark.parametrize("case", STFT_CASES, ids=lambda c: f"{c['name']}-{c['config']['window']}")
def test_stft_initializer_is_keras(case):
    """Fresh STFTSpectrogram kernels equal Keras's (scipy windows, periodic or not, each
    scaling), recorded by tests/golden/generate_image_golden.py."""
    layer = layers.STFTSpectrogram(**case["config"])
    layer.build((None, 40, 1))
    with np.load(STFT_KERNELS) as data:
        want = [data[f"{case['name']}_w{j}"] for j in range(2)]
    for got, expected in zip(layer.get_weights(), want):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=5e-6)  # float32 sin(pi k)


def test_stft_spectrogram_against_its_definition():
    """The magnitude of the DFT of each Hann-windowed frame (scaled by the window's norm),
    every channel; channels first gives the same numbers transposed; expand_dims splits the
    channels off."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(2, 50, 3)).astype(np.float32)
    layer = layers.STFTSpectrogram(mode="magnitude", frame_length=12, frame_step=5,
                                   fft_length=16)
    got = layer(x)
    n = np.arange(12)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / 11)  # symmetric (periodic=False)
    frames = np.stack([x[:, s:s + 12, :] for s in range(0, 50 - 12 + 1, 5)], axis=1)
    spectra = np.abs(np.fft.rfft(frames * window[None, None, :, None], n=16, axis=2))
    spectra /= np.sqrt(np.sum(window ** 2))
    want = np.transpose(spectra, (0, 1, 3, 2)).reshape(2, frames.shape[1], 3 * 9)
    np.testing.assert_allclose(got, np.maximum(want, np.sqrt(1e-7)), rtol=1e-5, atol=1e-5)
    first = layers.STFTSpectrogram(mode="magnitude", frame_length=12, frame_step=5,
                                   fft_length=16, data_format="channels_first")
    np.testing.assert_allclose(first(np.swapaxes(x, 1, 2)), np.swapaxes(got, 1, 2),
                               rtol=1e-6, atol=1e-6)
    four = layers.STFTSpectrogram(mode="magnitude", frame_length=12, frame_step=5,
                                  fft_length=16, expand_dims=True)(x)
    np.testing.assert_allclose(four, np.transpose(spectra, (0, 1, 2, 3)).clip(np.sqrt(1e-7)),
                               rtol=1e-5, atol=1e-5)


def test_stft_window_fusedrnn_cannot_compute_needs_weights():
    layer = layers.STFTSpectrogram(frame_length=8, window="kaiser")
    x = np.zeros((1, 20, 1), np.float32)
    with pytest.raises(ValueError, match="set the layer's weights"):
        layer(x)
    reference = layers.STFTSpectrogram(frame_length=8)
    reference.build((None, 20, 1))
    layer.set_weights(reference.get_weights())
    np.testing.assert_array_equal(layer(x + 1), reference(x + 1))


@pytest.mark.parametrize(("kwargs", "shape", "match"), [
    ({}, (2, 300), "rank 3"),
    ({"frame_length": 8, "frame_step": 9}, (2, 30, 1), "frame_step"),
    ({"frame_length": 8, "fft_length": 4}, (2, 30, 1), "fft_length"),
    ({"mode": "power"}, (2, 30, 1), "mode"),
    ({"scaling": "energy"}, (2, 300, 1), "scaling"),
    ({"padding": "causal"}, (2, 300, 1), "padding"),
])
def test_stft_spectrogram_errors(kwargs, shape, match):
    with pytest.raises(ValueError, match=match):
        layers.STFTSpectrogram(**kwargs)(np.zeros(shape, np.float32))
