"""ConvLSTM1D/2D/3D against a plain per-pixel NumPy implementation of Keras's ConvLSTMCell
(a convolution written as loops over output positions and kernel taps): masks, go_backwards,
strides, dilation, padding, initial states, stateful calls, channels_first, and the errors.
Keras's own numbers: keras_files cases conv_lstm and conv_lstm_1d_3d (Keras 3 and Keras 2
files, in test_saving / test_save)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from fusedrnn import layers
from fusedrnn.models import Model, load_model


def _naive_conv(x, kernel, strides, padding, dilation):
    """x (batch, *spatial, channels), kernel (*window, channels, out); TensorFlow's padding."""
    rank = kernel.ndim - 2
    window = kernel.shape[:rank]
    spans = [(k - 1) * d + 1 for k, d in zip(window, dilation)]
    sizes = x.shape[1:1 + rank]
    if padding == "same":
        outs = [-(-n // s) for n, s in zip(sizes, strides)]
        before = [max((o - 1) * s + sp - n, 0) // 2
                  for o, s, sp, n in zip(outs, strides, spans, sizes)]
    else:
        outs = [(n - sp) // s + 1 for n, sp, s in zip(sizes, spans, strides)]
        before = [0] * rank
    y = np.zeros((x.shape[0], *outs, kernel.shape[-1]))
    for pos in itertools.product(*[range(o) for o in outs]):
        for tap in itertools.product(*[range(k) for k in window]):
            src = [p * s + t * d - b for p, s, t, d, b in zip(pos, strides, tap, dilation, before)]
            if all(0 <= i < n for i, n in zip(src, sizes)):
                y[(slice(None), *pos)] += x[(slice(None), *src)] @ kernel[tap]
    return y


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _reference(layer, x, mask=None, initial=None):
    """Keras's ConvLSTM over x (batch, time, *spatial, channels), channels last: outputs in
    processing order (masked steps repeat the last output; zeros before the first), and the
    final h, c."""
    kernel, recurrent, bias = (w.astype(np.float64) for w in layer.get_weights())
    f = layer.filters
    batch, steps = x.shape[:2]
    first = _naive_conv(x[:, 0].astype(np.float64), kernel, layer.strides, layer.padding,
                        layer.dilation_rate)
    h = np.zeros(first.shape[:-1] + (f,)) if initial is None else initial[0].astype(np.float64)
    c = np.zeros_like(h) if initial is None else initial[1].astype(np.float64)
    act = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0)}[layer.activation]
    outputs, last = [], np.zeros_like(h)
    for t in (range(steps - 1, -1, -1) if layer.go_backwards else range(steps)):
        z = _naive_conv(x[:, t].astype(np.float64), kernel, layer.strides, layer.padding,
                        layer.dilation_rate) + bias
        z = z + _naive_conv(h, recurrent, (1,) * (x.ndim - 3), "same", (1,) * (x.ndim - 3))
        c_new = _sigmoid(z[..., f:2 * f]) * c + _sigmoid(z[..., :f]) * act(z[..., 2 * f:3 * f])
        h_new = _sigmoid(z[..., 3 * f:]) * act(c_new)
        if mask is not None:
            keep = mask[:, t].reshape((batch,) + (1,) * (h.ndim - 1))
            out = np.where(keep, h_new, last)
            h_new, c_new = np.where(keep, h_new, h), np.where(keep, c_new, c)
        else:
            out = h_new
        h, c, last = h_new, c_new, out
        outputs.append(out)
    return np.stack(outputs, axis=1), h, c


CASES = [  # (class, input shape, keyword arguments)
    (layers.ConvLSTM1D, (2, 5, 7, 3), {"kernel_size": 3}),
    (layers.ConvLSTM1D, (2, 4, 9, 2), {"kernel_size": 2, "dilation_rate": 3, "padding": "same",
                                       "go_backwards": True}),
    (layers.ConvLSTM2D, (2, 4, 5, 6, 2), {"kernel_size": (3, 2), "strides": (2, 1)}),
    (layers.ConvLSTM2D, (3, 3, 4, 4, 1), {"kernel_size": 3, "padding": "same",
                                          "activation": "relu"}),
    (layers.ConvLSTM3D, (1, 3, 3, 4, 2, 2), {"kernel_size": (2, 2, 1), "padding": "same"}),
]


@pytest.mark.parametrize(("cls", "shape", "kwargs"), CASES,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(CASES)])
@pytest.mark.parametrize("masked", [False, True])
def test_matches_the_naive_cell(cls, shape, kwargs, masked):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(np.float32)
    mask = None
    if masked:
        mask = np.ones(shape[:2], bool)
        mask[0, :2] = False
        mask[-1, -1] = False
    layer = cls(3, return_sequences=True, return_state=True, **kwargs)
    layer(x)
    layer.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.4
                       for w in layer.get_weights()])
    seq, h, c = layer(x, mask=mask)
    want, want_h, want_c = _reference(layer, x, mask)
    np.testing.assert_allclose(seq, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h, want_h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c, want_c, rtol=1e-4, atol=1e-5)
    assert layer.compute_output_shape(x.shape) == [seq.shape, h.shape, c.shape]
    last = cls(3, **kwargs)
    last(x)
    last.set_weights(layer.get_weights())
    np.testing.assert_allclose(last(x, mask=mask), want[:, -1], rtol=1e-4, atol=1e-5)


def test_states_in_and_out_stateful_and_zero_output():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 6, 5, 5, 2)).astype(np.float32)
    layer = layers.ConvLSTM2D(3, 3, padding="same", return_state=True)
    _, h, c = layer(x[:, :3])
    _, h2, c2 = layer(x[:, 3:], initial_state=[h, c])
    _, want_h, want_c = _reference(layer, x)
    np.testing.assert_allclose(h2, want_h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c2, want_c, rtol=1e-4, atol=1e-5)
    stateful = layers.ConvLSTM2D(3, 3, padding="same", stateful=True)
    stateful(x[:, :1])
    stateful.set_weights(layer.get_weights())
    stateful.reset_states()
    stateful(x[:, :3])
    np.testing.assert_allclose(stateful(x[:, 3:]), want_h, rtol=1e-4, atol=1e-5)
    mask = np.array([[True] * 4 + [False] * 2, [True] * 6])
    zeros = layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True,
                              zero_output_for_mask=True)
    zeros(x)
    zeros.set_weights(layer.get_weights())
    out = zeros(x, mask=mask)
    assert np.all(out[0, 4:] == 0)
    np.testing.assert_allclose(out[1], _reference(layer, x)[0][1], rtol=1e-4, atol=1e-5)


def test_channels_first_is_channels_last_transposed(tmp_path):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 4, 5, 2)).astype(np.float32)  # channels last
    last = layers.ConvLSTM2D(3, 2, return_sequences=True)
    first = layers.ConvLSTM2D(3, 2, return_sequences=True, data_format="channels_first")
    last(x)
    first(x.transpose(0, 1, 4, 2, 3))
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(first(x.transpose(0, 1, 4, 2, 3)),
                               last(x).transpose(0, 1, 4, 2, 3), rtol=1e-5, atol=1e-6)
    inputs = layers.Input((3, 4, 5, 2))
    model = Model(inputs, layers.ConvLSTM2D(3, 2)(inputs))
    model.save(tmp_path / "m.keras")
    np.testing.assert_array_equal(load_model(tmp_path / "m.keras").predict(x, verbose=0),
                                  model.predict(x, verbose=0))


def test_bad_arguments_and_inputs_are_named():
    with pytest.raises(ValueError, match="`filters` must be a positive integer"):
        layers.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match=r"`kernel_size` must be .* tuple of 2"):
        layers.ConvLSTM2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="`padding` must be 'valid' or 'same'"):
        layers.ConvLSTM1D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="strides > 1 is not compatible with dilation_rate"):
        layers.ConvLSTM1D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="time_major=True is not supported"):
        layers.ConvLSTM1D(2, 3, time_major=True)
    layer = layers.ConvLSTM2D(2, 3)
    with pytest.raises(ValueError, match="must have rank 5"):
        layer(np.zeros((2, 3, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"smaller than the kernel's span \(3, 3\)"):
        layer(np.zeros((1, 2, 2, 5, 1), np.float32))
    layer(np.zeros((1, 2, 5, 5, 1), np.float32))
    with pytest.raises(ValueError, match="has 2 channels, but the layer was built for 1"):
        layer(np.zeros((1, 2, 5, 5, 2), np.float32))
    with pytest.raises(ValueError, match=r"initial state 0 .* must have shape \(1, 3, 3, 2\)"):
        layer(np.zeros((1, 2, 5, 5, 1), np.float32),
              initial_state=[np.zeros((1, 5, 5, 2)), np.zeros((1, 3, 3, 2))])
    with pytest.raises(ValueError, match="expects 2 initial states"):
        layer(np.zeros((1, 2, 5, 5, 1), np.float32), initial_state=[np.zeros((1, 3, 3, 2))])


@pytest.mark.parametrize("cls", [layers.Conv3D, layers.MaxPooling3D, layers.AveragePooling3D,
                                 layers.GlobalAveragePooling3D, layers.GlobalMaxPooling3D])
def test_3d_heads_channels_first_is_channels_last_transposed(cls):
    """Keras's numbers for these: keras_files cases next_frame and conv3d_pooling."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 5, 6, 4, 3)).astype(np.float32)
    kwargs = {"filters": 2, "kernel_size": 3, "padding": "same"} if cls is layers.Conv3D else (
        {} if "Global" in cls.__name__ else {"padding": "same"})
    last, first = cls(**kwargs), cls(data_format="channels_first", **kwargs)
    want = last(x)
    if cls is layers.Conv3D:
        first(x.transpose(0, 4, 1, 2, 3))
        first.set_weights(last.get_weights())
    got = first(x.transpose(0, 4, 1, 2, 3))
    if want.ndim == 5:
        want = want.transpose(0, 4, 1, 2, 3)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert first.compute_output_shape(x.transpose(0, 4, 1, 2, 3).shape) == got.shape


def test_3d_bad_arguments_are_named():
    with pytest.raises(ValueError, match="`kernel_size` must be a positive integer or a tuple"):
        layers.Conv3D(2, (3, 3))
    with pytest.raises(ValueError, match=r"filters \(3\) must be a multiple of groups"):
        layers.Conv3D(3, 2, groups=2)
    with pytest.raises(ValueError, match="smaller than its pool_size"):
        layers.MaxPooling3D(4)(np.zeros((1, 2, 8, 8, 1), np.float32))
    with pytest.raises(ValueError, match="must have rank 5"):
        layers.Conv3D(2, 2)(np.zeros((1, 4, 4, 1), np.float32))
