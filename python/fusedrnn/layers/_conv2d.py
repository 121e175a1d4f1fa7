"""Conv2D, MaxPooling2D, AveragePooling2D and the global 2-D poolings: the image front ends of
CNN-RNN models (the CRNN of Keras's OCR tutorials: Conv2D -> MaxPooling2D -> Reshape ->
Bidirectional LSTM -> CTC). Plain NumPy (CuPy for CuPy inputs).

Padding as Keras on the TensorFlow backend, per spatial axis as in the 1-D layers
(_conv.py): ``"valid"`` none, ``"same"`` ``ceil(size / strides)`` outputs with the extra
padding after; padded positions count as zeros for a convolution and as absent for pooling.
Like Keras 3 these layers do not support masking.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _backend
from ._conv import (
    _Convolution,
    _out_len,
    _padding,
    _pads,
    _Spatial,
    _tap_max,
    _tap_sum,
    _two_ints,
)
from ._core import _drop_mask, _kernel_layer_args

__all__ = ["AveragePooling2D", "AvgPool2D", "Conv2D", "GlobalAveragePooling2D",
           "GlobalAvgPool2D", "GlobalMaxPool2D", "GlobalMaxPooling2D", "MaxPool2D",
           "MaxPooling2D"]


def _positive_int(value, argument: str) -> int:
    """Conv2D's filters and groups: one integer >= 1 (no tuple, as Keras takes them)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or (
            value < 1):
        raise ValueError(f"Conv2D: `{argument}` must be a positive integer; got {value!r}")
    return int(value)


def _windows2d(x, counts, spacing, spans, strides, padding, fill=0.0):
    """The strided views of (padded) ``x`` (batch, rows, cols, channels) a 2-D window op
    reads: ``taps[i][j]`` holds position (i, j) * spacing of every output window. Returns
    (taps, (top, left) padding, (out rows, out cols))."""
    xp = _backend.array_module(x)
    (top, bottom), (left, right) = (_pads(x.shape[1], spans[0], strides[0], padding),
                                    _pads(x.shape[2], spans[1], strides[1], padding))
    out = (_out_len(x.shape[1], spans[0], strides[0], padding),
           _out_len(x.shape[2], spans[1], strides[1], padding))
    if top or bottom or left or right:
        x = xp.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill)
    stop = ((out[0] - 1) * strides[0] + 1, (out[1] - 1) * strides[1] + 1)
    taps = [[x[:, i * spacing[0]:i * spacing[0] + stop[0]:strides[0],
               j * spacing[1]:j * spacing[1] + stop[1]:strides[1]]
             for j in range(counts[1])] for i in range(counts[0])]
    return taps, (top, left), out


class _Spatial2D(_Spatial):
    """Shared by the 2-D layers: (batch, rows, cols, channels), or channels first."""

    _rank = 4
    _axes = "rows, cols"

    def _split(self, shape):
        """(batch, rows, cols, channels) of a shape in the layer's data format."""
        if self.data_format == "channels_last":
            return tuple(shape)
        batch, channels, rows, cols = shape
        return batch, rows, cols, channels

    def _shape(self, batch, rows, cols, channels):
        return ((batch, rows, cols, channels) if self.data_format == "channels_last"
                else (batch, channels, rows, cols))

    def _out_sizes(self, rows, cols, spans, strides):
        return (_out_len(rows, spans[0], strides[0], self.padding),
                _out_len(cols, spans[1], strides[1], self.padding))

    def _check_fits(self, shape, spans, strides, what: str) -> None:
        _, rows, cols, _ = self._split(shape)
        for size, out in zip((rows, cols), self._out_sizes(rows, cols, spans, strides)):
            if size is not None and out < 1:
                raise ValueError(f"input of {type(self).__name__} layer {self.name!r} is "
                                 f"smaller than its {what} {spans} (padding='valid'); got "
                                 f"input shape {tuple(shape)}")


class Conv2D(_Convolution):
    """Keras ``Conv2D``: ``activation(conv(x, kernel) + bias)`` over rows and columns.

    Weights: kernel (kernel rows, kernel cols, channels // groups, filters), bias (filters,).
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, seed=None,
                 **kwargs):
        super().__init__(data_format, **kwargs)
        self.filters = _positive_int(filters, "filters")
        self.kernel_size = _two_ints(kernel_size, "kernel_size", "Conv2D", 1)
        self.strides = _two_ints(strides, "strides", "Conv2D", 1)
        self.dilation_rate = _two_ints(dilation_rate, "dilation_rate", "Conv2D", 1)
        self.groups = _positive_int(groups, "groups")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("Conv2D: strides > 1 is not compatible with dilation_rate > 1")
        if self.filters % self.groups:
            raise ValueError(f"Conv2D: filters ({self.filters}) must be a multiple of groups "
                             f"({self.groups})")
        self.padding = _padding(padding, ("valid", "same"), "Conv2D")
        _kernel_layer_args(self, activation, use_bias, kernel_initializer, bias_initializer,
                           seed)


class _Pooling2D(_Spatial2D):
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(data_format, **kwargs)
        name = type(self).__name__
        self.pool_size = _two_ints(pool_size, "pool_size", name, 1)
        self.strides = (self.pool_size if strides is None
                        else _two_ints(strides, "strides", name, 1))
        self.padding = _padding(padding, ("valid", "same"), name)

    def _check_input_shape(self, shape) -> None:
        super()._check_input_shape(shape)
        self._check_fits(shape, self.pool_size, self.strides, "pool_size")

    def compute_output_shape(self, input_shape):
        batch, rows, cols, channels = self._split(input_shape)
        return self._shape(batch, *self._out_sizes(rows, cols, self.pool_size, self.strides),
                           channels)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._channels_last(self._prepare_input(inputs))
        _drop_mask(self, mask)
        return self._restore(self._pool(x)), None

    def _taps(self, x, fill):
        taps, (top, left), out = _windows2d(x, self.pool_size, (1, 1), self.pool_size,
                                            self.strides, self.padding, fill)
        return [t for row in taps for t in row], (top, left), out

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(pool_size=self.pool_size, padding=self.padding, strides=self.strides,
                      data_format=self.data_format)
        return config


class MaxPooling2D(_Pooling2D):
    """Keras ``MaxPooling2D``: the maximum over windows of ``pool_size``."""

    def _pool(self, x):
        return _tap_max(self._taps(x, -np.inf)[0])


class AveragePooling2D(_Pooling2D):
    """Keras ``AveragePooling2D``: the mean over windows of ``pool_size`` (with
    padding="same", over the real positions of each window)."""

    def _pool(self, x):
        xp = _backend.array_module(x)
        taps, (top, left), (rows, cols) = self._taps(x, 0.0)
        total = _tap_sum(taps)
        counts = []
        for axis, (start0, out, size) in enumerate(((top, rows, x.shape[1]),
                                                    (left, cols, x.shape[2]))):
            starts = np.arange(out) * self.strides[axis] - start0
            counts.append(np.minimum(starts + self.pool_size[axis], size)
                          - np.maximum(starts, 0))
        area = np.outer(counts[0], counts[1]).astype(x.dtype)
        return total / xp.asarray(area)[None, :, :, None]


class _GlobalPooling2D(_Spatial2D):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, **kwargs)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        batch, _, _, channels = self._split(input_shape)
        return self._shape(batch, 1, 1, channels) if self.keepdims else (batch, channels)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._channels_last(self._prepare_input(inputs))
        _drop_mask(self, mask)
        y = self._reduce(x)
        return (self._restore(y[:, None, None, :]) if self.keepdims else y), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalAveragePooling2D(_GlobalPooling2D):
    """Keras ``GlobalAveragePooling2D``: the mean over rows and columns."""

    def _reduce(self, x):
        return x.mean(axis=(1, 2))


class GlobalMaxPooling2D(_GlobalPooling2D):
    """Keras ``GlobalMaxPooling2D``: the maximum over rows and columns."""

    def _reduce(self, x):
        return x.max(axis=(1, 2))


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D
