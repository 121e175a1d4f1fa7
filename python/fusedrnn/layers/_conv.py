"""Conv1D, MaxPooling1D and AveragePooling1D: the convolutional front ends of CNN-LSTM models
(``Embedding -> Conv1D -> MaxPooling1D -> LSTM``); UpSampling1D, ZeroPadding1D and Cropping1D,
which 1-D convolutional autoencoders put between them. Plain NumPy (CuPy for CuPy inputs).

Padding as Keras on the TensorFlow backend: ``"valid"`` (none), ``"same"`` (output length
``ceil(steps / strides)``, the padding split with the extra step on the right), ``"causal"``
(Conv1D: ``dilation_rate * (kernel_size - 1)`` steps on the left). Padded steps count as zeros
for a convolution, as absent for pooling (a max over the real steps, an average over their
number). Like Keras 3 these layers do not support masking: a mask is dropped with Keras's
warning.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import _backend
from ._base import Layer, get_activation
from ._core import _check_rank, _data_format, _drop_mask, _kernel_layer_args, _param
from ._initializers import layer_rng

__all__ = ["AveragePooling1D", "Conv1D", "Cropping1D", "MaxPooling1D", "UpSampling1D",
           "ZeroPadding1D"]


def _one_int(value, argument: str, layer: str, minimum: int = 1) -> int:
    """Keras's int-or-1-tuple arguments (kernel_size=3 or (3,))."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or (
            value < minimum):
        raise ValueError(
            f"{layer}: `{argument}` must be an integer >= {minimum} (or a tuple of one); got "
            f"{value!r}"
        )
    return int(value)


def _padding(value, allowed: tuple[str, ...], layer: str) -> str:
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"{layer}: `padding` must be one of {list(allowed)}; got {value!r}")
    return padding


def _ints(value, n: int, argument: str, layer: str) -> tuple[int, ...]:
    """Keras's int-or-tuple arguments of the N-d layers (kernel_size=3 or (3, 2, 1)), each a
    positive integer."""
    values = (value,) * n if isinstance(value, numbers.Integral) else tuple(value)
    if len(values) != n or any(isinstance(v, (bool, np.bool_)) or not isinstance(
            v, numbers.Integral) or v < 1 for v in values):
        raise ValueError(f"{layer}: `{argument}` must be a positive integer or a tuple of {n}; "
                         f"got {value!r}")
    return tuple(int(v) for v in values)


def _build_conv_kernel(layer, input_shape, channels) -> None:
    """A convolution's weights for ``channels`` input channels: kernel (*kernel_size,
    channels // groups, filters), bias (filters,) (Conv1D, Conv2D, Conv3D)."""
    name = type(layer).__name__
    if channels is None:
        raise ValueError(f"{name} needs a known channel count; got input shape "
                         f"{tuple(input_shape)}")
    if channels % layer.groups:
        raise ValueError(f"{name}: the input's {channels} channels are not a multiple of "
                         f"groups ({layer.groups})")
    rng = layer_rng(layer.seed)
    window = layer.kernel_size if isinstance(layer.kernel_size, tuple) else (layer.kernel_size,)
    shape = (*window, channels // layer.groups, layer.filters)
    layer._add_weight("kernel", layer._kernel_init(shape, rng), "kernel")
    if layer.use_bias:
        layer._add_weight("bias", layer._bias_init((layer.filters,), rng), "bias")
    layer.input_spec_dim = int(channels)
    layer.built = True


def _check_channels(layer, channels, shape) -> None:
    """ValueError when a built layer gets another channel count than it was built for."""
    if layer.built and channels is not None and channels != layer.input_spec_dim:
        raise ValueError(
            f"input of {type(layer).__name__} layer {layer.name!r} has {channels} channels, "
            f"but the layer was built for {layer.input_spec_dim}; got input shape "
            f"{tuple(shape)}")


def _out_len(steps, window: int, stride: int, padding: str):
    """Output length; ``window`` is the span one output reads (dilated kernel or pool)."""
    if steps is None:
        return None
    if padding == "same":
        return -(-steps // stride)
    if padding == "causal":
        return (steps - 1) // stride + 1
    return max((steps - window) // stride + 1, 0)


def _pads(steps: int, window: int, stride: int, padding: str) -> tuple[int, int]:
    """(left, right) padding of the steps axis."""
    if padding == "causal":
        return window - 1, 0
    if padding != "same":
        return 0, 0
    out = -(-steps // stride)
    total = max((out - 1) * stride + window - steps, 0)
    return total // 2, total - total // 2


def _taps(x, count: int, spacing: int, span: int, stride: int, padding: str, fill=0.0):
    """The strided views of (padded) ``x`` (batch, steps, channels) that a window op reads:
    tap ``j`` holds step ``j * spacing`` of every output window. Returns (taps, left padding,
    output length)."""
    xp = _backend.array_module(x)
    steps = x.shape[1]
    left, right = _pads(steps, span, stride, padding)
    out_len = _out_len(steps, span, stride, padding)
    if left or right:
        x = xp.pad(x, ((0, 0), (left, right), (0, 0)), constant_values=fill)
    stop = (out_len - 1) * stride + 1
    return [x[:, j * spacing:j * spacing + stop:stride] for j in range(count)], left, out_len


def tap_slices(x, window, strides, padding: str, dilation):
    """What an N-d window op over ``x`` (batch, *grid, channels) reads: ``x`` padded as
    TensorFlow pads it, the output sizes, and for each kernel tap its offset and the index of
    that tap's input in every output window."""
    xp = _backend.array_module(x)
    spans = [(k - 1) * d + 1 for k, d in zip(window, dilation)]
    sizes = x.shape[1:1 + len(window)]
    pads = [_pads(n, s, st, padding) for n, s, st in zip(sizes, spans, strides)]
    outs = [_out_len(n, s, st, padding) for n, s, st in zip(sizes, spans, strides)]
    if any(p != (0, 0) for p in pads):
        x = xp.pad(x, ((0, 0), *pads, (0, 0)))
    taps = [(offset, (slice(None), *(slice(o * d, o * d + (n - 1) * st + 1, st) for
                                     o, d, n, st in zip(offset, dilation, outs, strides))))
            for offset in np.ndindex(*window)]
    return x, outs, taps


# The most the gathered windows of one convolution may take (bytes); past it, one product
# per kernel tap instead.
_IM2COL_BYTES = 64 << 20


def conv_nd(x, kernel, strides, padding: str, dilation):
    """N-d convolution of ``x`` (batch, *spatial, channels) with ``kernel`` (*window,
    channels, out), as Keras's (TensorFlow's "same" padding: the extra pad on the right)
    (ConvLSTM, Conv2D, Conv3D): the windows gathered side by side (taps x channels per output
    position) and one matrix product with the kernel's (taps x channels, out) matrix; for
    inputs whose gathered windows would be large, one product per kernel tap."""
    xp = _backend.array_module(x)
    x, outs, taps = tap_slices(x, kernel.shape[:-2], strides, padding, dilation)
    positions = x.shape[0] * math.prod(outs)
    if positions * len(taps) * x.shape[-1] * x.itemsize <= _IM2COL_BYTES:
        columns = xp.concatenate([x[where] for _, where in taps], axis=-1)
        y = columns.reshape(positions, -1) @ kernel.reshape(-1, kernel.shape[-1])
        return y.reshape(x.shape[0], *outs, kernel.shape[-1])
    y = xp.zeros((x.shape[0], *outs, kernel.shape[-1]), x.dtype)
    for offset, where in taps:  # one matrix product per kernel tap
        y += x[where] @ kernel[offset]
    return y


def _bias_activation(layer, y, like):
    """A convolution's output from its sums ``y``: ``activation(y + bias)``."""
    if layer.use_bias:
        y = y + _param(layer, "bias", like)
    return get_activation(layer.activation)(y)


def grouped_conv(layer, x, strides=None, dilation=None):
    """A convolution layer's output for channels-last ``x``: ``conv_nd`` group by group
    (``groups`` slices of the channels and filters), then bias and activation. ``strides``
    and ``dilation``: the layer's, as tuples (Conv1D keeps them as ints and passes them)."""
    xp = _backend.array_module(x)
    kernel = _param(layer, "kernel", x)
    g = layer.groups
    cg, fg = x.shape[-1] // g, layer.filters // g
    strides = layer.strides if strides is None else strides
    dilation = layer.dilation_rate if dilation is None else dilation
    parts = [conv_nd(x[..., k * cg:(k + 1) * cg], kernel[..., k * fg:(k + 1) * fg],
                     strides, layer.padding, dilation) for k in range(g)]
    return _bias_activation(layer, parts[0] if g == 1 else xp.concatenate(parts, axis=-1), x)


def conv_config(layer) -> dict:
    """The configuration keys Conv2D and Conv3D share with Keras's."""
    return dict(filters=layer.filters, kernel_size=layer.kernel_size, strides=layer.strides,
                padding=layer.padding, data_format=layer.data_format,
                dilation_rate=layer.dilation_rate, groups=layer.groups,
                activation=layer.activation, use_bias=layer.use_bias)


class _Spatial(Layer):
    """Shared by the 1-D and 2-D layers: an input of ``_rank`` with its channels first or
    last (computed channels last), the mask dropped."""

    _rank = 3
    _axes = "steps"  # the spatial axes, as the rank error names them

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.supports_masking = False

    def _check_input_shape(self, shape) -> None:
        order = (f"(batch, {self._axes}, channels)" if self.data_format == "channels_last"
                 else f"(batch, channels, {self._axes})")
        _check_rank(self, shape, self._rank, order)

    def _channels_last(self, x):
        if self.data_format == "channels_last":
            return x
        return x.transpose(0, *range(2, self._rank), 1)

    def _restore(self, y):
        xp = _backend.array_module(y)
        if self.data_format == "channels_last":
            return xp.ascontiguousarray(y)
        return xp.ascontiguousarray(y.transpose(0, self._rank - 1, *range(1, self._rank - 1)))


class _Steps1D(_Spatial):
    """Shared by the 1-D layers: (batch, steps, channels), or channels first."""

    def _shape(self, batch, steps, channels):
        return ((batch, steps, channels) if self.data_format == "channels_last"
                else (batch, channels, steps))

    def _split(self, input_shape):
        batch, a, b = input_shape
        return (batch, a, b) if self.data_format == "channels_last" else (batch, b, a)


_GRID_AXES = {1: "steps", 2: "rows, cols", 3: "depth, rows, cols"}


class _Grid(_Spatial):
    """Shared by the N-d layers written for any grid rank ``_n`` (padding, cropping and
    upsampling, the depthwise and transposed convolutions): (batch, *grid, channels), or
    channels first."""

    _n = 2
    _rank = 4
    _axes = _GRID_AXES[2]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._rank, cls._axes = cls._n + 2, _GRID_AXES[cls._n]

    def _split(self, shape):
        """(batch, grid sizes, channels) of a shape in the layer's data format."""
        shape = tuple(shape)
        if self.data_format == "channels_last":
            return shape[0], shape[1:-1], shape[-1]
        return shape[0], shape[2:], shape[1]

    def _shape(self, batch, sizes, channels):
        return ((batch, *sizes, channels) if self.data_format == "channels_last"
                else (batch, channels, *sizes))

    def _built_channels(self, input_shape) -> int:
        """The channel count build() makes weights for; ValueError when it is unknown."""
        channels = self._split(input_shape)[2]
        if channels is None:
            raise ValueError(f"{type(self).__name__} needs a known channel count; got input "
                             f"shape {tuple(input_shape)}")
        return int(channels)


class _Windowed(_Grid):
    """The N-d layers whose outputs are windows over the grid (Conv2D, Conv3D, the 3-D
    poolings): output sizes from the windows' spans and strides under ``self.padding``."""

    def _out_sizes(self, sizes, spans, strides):
        return tuple(_out_len(n, s, st, self.padding) for n, s, st in zip(sizes, spans, strides))

    def _check_fits(self, shape, spans, strides, what: str) -> None:
        sizes = self._split(shape)[1]
        for size, out in zip(sizes, self._out_sizes(sizes, spans, strides)):
            if size is not None and out < 1:
                raise ValueError(f"input of {type(self).__name__} layer {self.name!r} is "
                                 f"smaller than its {what} {tuple(spans)} (padding='valid'); "
                                 f"got input shape {tuple(shape)}")


class _Convolution(_Windowed):
    """Conv2D and Conv3D, past their constructors (which check their arguments for their
    rank): the kernel, shapes and computation of a grouped convolution over the grid."""

    @property
    def _spans(self) -> tuple[int, ...]:
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilation_rate, self.kernel_size))

    def build(self, input_shape) -> None:
        _build_conv_kernel(self, input_shape, self._split(input_shape)[2])

    def _check_input_shape(self, shape) -> None:
        super()._check_input_shape(shape)
        _check_channels(self, self._split(shape)[2], shape)
        self._check_fits(shape, self._spans, self.strides, "kernel's span")

    def compute_output_shape(self, input_shape):
        batch, sizes, _ = self._split(input_shape)
        return self._shape(batch, self._out_sizes(sizes, self._spans, self.strides),
                           self.filters)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._channels_last(self._prepare_input(inputs))
        _drop_mask(self, mask)
        return self._restore(grouped_conv(self, x)), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(conv_config(self))
        return config


class Conv1D(_Steps1D):
    """Keras ``Conv1D``: ``activation(conv(x, kernel) + bias)`` over the steps axis.

    Weights: kernel (kernel_size, channels // groups, filters), bias (filters,).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, seed=None,
                 **kwargs):
        super().__init__(data_format, **kwargs)
        self.filters = _one_int(filters, "filters", "Conv1D")
        self.kernel_size = _one_int(kernel_size, "kernel_size", "Conv1D")
        self.strides = _one_int(strides, "strides", "Conv1D")
        self.dilation_rate = _one_int(dilation_rate, "dilation_rate", "Conv1D")
        self.groups = _one_int(groups, "groups", "Conv1D")
        if self.strides > 1 and self.dilation_rate > 1:
            raise ValueError("Conv1D: strides > 1 is not compatible with dilation_rate > 1")
        if self.filters % self.groups:
            raise ValueError(f"Conv1D: filters ({self.filters}) must be a multiple of groups "
                             f"({self.groups})")
        self.padding = _padding(padding, ("valid", "same", "causal"), "Conv1D")
        _kernel_layer_args(self, activation, use_bias, kernel_initializer, bias_initializer,
                           seed)

    @property
    def _span(self) -> int:
        return self.dilation_rate * (self.kernel_size - 1) + 1

    def build(self, input_shape) -> None:
        _build_conv_kernel(self, input_shape, self._split(input_shape)[2])

    def _check_input_shape(self, shape) -> None:
        super()._check_input_shape(shape)
        _, steps, channels = self._split(shape)
        _check_channels(self, channels, shape)
        if steps is not None and _out_len(steps, self._span, self.strides, self.padding) < 1:
            raise ValueError(
                f"input of Conv1D layer {self.name!r} has {steps} steps, fewer than the "
                f"kernel's span {self._span} (padding='valid'); got input shape {tuple(shape)}"
            )

    def compute_output_shape(self, input_shape):
        batch, steps, _ = self._split(input_shape)
        return self._shape(batch, _out_len(steps, self._span, self.strides, self.padding),
                           self.filters)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._channels_last(self._prepare_input(inputs))
        _drop_mask(self, mask)
        # conv_nd does the causal padding too
        y = grouped_conv(self, x, (self.strides,), (self.dilation_rate,))
        return self._restore(y), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=(self.kernel_size,),
                      strides=(self.strides,), padding=self.padding,
                      data_format=self.data_format, dilation_rate=(self.dilation_rate,),
                      groups=self.groups, activation=self.activation, use_bias=self.use_bias)
        return config


class _Pooling1D(_Steps1D):
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(data_format, **kwargs)
        name = type(self).__name__
        self.pool_size = _one_int(pool_size, "pool_size", name)
        self.strides = (self.pool_size if strides is None
                        else _one_int(strides, "strides", name))
        self.padding = _padding(padding, ("valid", "same"), name)

    def _check_input_shape(self, shape) -> None:
        super()._check_input_shape(shape)
        steps = self._split(shape)[1]
        if steps is not None and _out_len(steps, self.pool_size, self.strides,
                                          self.padding) < 1:
            raise ValueError(
                f"input of {type(self).__name__} layer {self.name!r} has {steps} steps, fewer "
                f"than pool_size {self.pool_size} (padding='valid'); got input shape "
                f"{tuple(shape)}"
            )

    def compute_output_shape(self, input_shape):
        batch, steps, channels = self._split(input_shape)
        return self._shape(batch, _out_len(steps, self.pool_size, self.strides, self.padding),
                           channels)

    def _windows(self, x, fill):
        """The window taps of x (channels last, see ``_taps``), padded with ``fill``, and the
        number of real steps in each window."""
        taps, left, out_len = _taps(x, self.pool_size, 1, self.pool_size, self.strides,
                                    self.padding, fill)
        starts = np.arange(out_len) * self.strides - left  # first step of each window
        counts = np.minimum(starts + self.pool_size, x.shape[1]) - np.maximum(starts, 0)
        return taps, counts

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._channels_last(self._prepare_input(inputs))
        _drop_mask(self, mask)
        return self._restore(self._pool(x)), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(pool_size=(self.pool_size,), padding=self.padding,
                      strides=(self.strides,), data_format=self.data_format)
        return config


def _tap_max(taps):
    """The elementwise maximum of a window op's taps."""
    xp = _backend.array_module(taps[0])
    out = taps[0]
    for tap in taps[1:]:
        out = xp.maximum(out, tap)
    return out


def _tap_sum(taps):
    """The elementwise sum of a window op's taps."""
    total = taps[0]
    for tap in taps[1:]:
        total = total + tap
    return total


class MaxPooling1D(_Pooling1D):
    """Keras ``MaxPooling1D``: the maximum over windows of ``pool_size`` steps."""

    def _pool(self, x):
        return _tap_max(self._windows(x, -np.inf)[0])


class AveragePooling1D(_Pooling1D):
    """Keras ``AveragePooling1D``: the mean over windows of ``pool_size`` steps (with
    padding="same", over the real steps of each window)."""

    def _pool(self, x):
        taps, counts = self._windows(x, 0.0)
        xp = _backend.array_module(x)
        return _tap_sum(taps) / xp.asarray(counts.astype(x.dtype))[None, :, None]


MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D


def _two_ints(value, argument: str, layer: str, minimum: int = 0) -> tuple[int, int]:
    """Keras's int-or-pair arguments (padding=1 or (1, 2); kernel_size=3 or (3, 2)), each
    >= ``minimum``."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(isinstance(v, (bool, np.bool_)) or not isinstance(
            v, numbers.Integral) or v < minimum for v in pair):
        raise ValueError(f"{layer}: `{argument}` must be an integer >= {minimum} or a pair of "
                         f"them; got {value!r}")
    return int(pair[0]), int(pair[1])


class UpSampling1D(_Steps1D):
    """Keras ``UpSampling1D``: each step repeated ``size`` times."""

    def __init__(self, size=2, **kwargs):
        super().__init__(None, **kwargs)
        self.size = _one_int(size, "size", "UpSampling1D")

    def compute_output_shape(self, input_shape):
        batch, steps, channels = input_shape
        return (batch, None if steps is None else steps * self.size, channels)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        return _backend.array_module(x).repeat(x, self.size, axis=1), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(size=self.size)
        return config


class ZeroPadding1D(_Steps1D):
    """Keras ``ZeroPadding1D``: ``padding`` zero steps (left, right; one int for both)."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _two_ints(padding, "padding", "ZeroPadding1D")

    def compute_output_shape(self, input_shape):
        batch, steps, channels = self._split(input_shape)
        steps = None if steps is None else steps + sum(self.padding)
        return self._shape(batch, steps, channels)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._channels_last(self._prepare_input(inputs))
        _drop_mask(self, mask)
        xp = _backend.array_module(x)
        return self._restore(xp.pad(x, ((0, 0), self.padding, (0, 0)))), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(padding=self.padding, data_format=self.data_format)
        return config


class Cropping1D(_Steps1D):
    """Keras ``Cropping1D``: ``cropping`` steps removed (start, end; one int for both)."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(None, **kwargs)
        self.cropping = _two_ints(cropping, "cropping", "Cropping1D")

    def _check_input_shape(self, shape) -> None:
        super()._check_input_shape(shape)
        if shape[1] is not None and sum(self.cropping) >= shape[1]:
            raise ValueError(f"Cropping1D layer {self.name!r}: cropping {self.cropping} must "
                             f"leave at least one of the input's {shape[1]} steps")

    def compute_output_shape(self, input_shape):
        batch, steps, channels = input_shape
        return (batch, None if steps is None else steps - sum(self.cropping), channels)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        return x[:, self.cropping[0]:x.shape[1] - self.cropping[1]], None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(cropping=self.cropping)
        return config
