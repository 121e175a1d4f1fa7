"""Conv3D and the 3-D pooling layers, for the heads of spatio-temporal models (Keras's
next-frame prediction example ends its ConvLSTM2D stack with a Conv3D): inputs (batch, depth,
rows, cols, channels), or channels first."""

from __future__ import annotations

import numbers

import numpy as np

from .. import _backend
from ._conv import _Convolution, _ints, _padding, _pads, _Windowed
from ._core import _drop_mask, _kernel_layer_args

__all__ = ["AveragePooling3D", "AvgPool3D", "Conv3D", "GlobalAveragePooling3D",
           "GlobalAvgPool3D", "GlobalMaxPool3D", "GlobalMaxPooling3D", "MaxPool3D",
           "MaxPooling3D"]


class _Spatial3D(_Windowed):
    """(batch, depth, rows, cols, channels), or channels first."""

    _n = 3


class Conv3D(_Convolution):
    """Keras ``Conv3D``: ``activation(conv(x, kernel) + bias)`` over depth, rows and columns.

    Weights: kernel (*kernel_size, channels // groups, filters), bias (filters,).
    """

    _n = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, seed=None,
                 **kwargs):
        super().__init__(data_format, **kwargs)
        if isinstance(filters, bool) or not isinstance(filters, numbers.Integral) or \
                filters < 1:
            raise ValueError(f"Conv3D: `filters` must be a positive integer; got {filters!r}")
        if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
            raise ValueError(f"Conv3D: `groups` must be a positive integer; got {groups!r}")
        self.filters, self.groups = int(filters), int(groups)
        self.kernel_size = _ints(kernel_size, 3, "kernel_size", "Conv3D")
        self.strides = _ints(strides, 3, "strides", "Conv3D")
        self.dilation_rate = _ints(dilation_rate, 3, "dilation_rate", "Conv3D")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("Conv3D: strides > 1 is not compatible with dilation_rate > 1")
        if self.filters % self.groups:
            raise ValueError(f"Conv3D: filters ({self.filters}) must be a multiple of groups "
                             f"({self.groups})")
        self.padding = _padding(padding, ("valid", "same"), "Conv3D")
        _kernel_layer_args(self, activation, use_bias, kernel_initializer, bias_initializer,
                           seed)


class _Pooling3D(_Spatial3D):
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(data_format, **kwargs)
        name = type(self).__name__
        self.pool_size = _ints(pool_size, 3, "pool_size", name)
        self.strides = (self.pool_size if strides is None
                        else _ints(strides, 3, "strides", name))
        self.padding = _padding(padding, ("valid", "same"), name)

    def _check_input_shape(self, shape) -> None:
        super()._check_input_shape(shape)
        self._check_fits(shape, self.pool_size, self.strides, "pool_size")

    def compute_output_shape(self, input_shape):
        batch, sizes, channels = self._split(input_shape)
        return self._shape(batch, self._out_sizes(sizes, self.pool_size, self.strides),
                           channels)

    def _windows(self, x, fill):
        """The strided views of padded ``x``, one per position in the window, and per axis
        (left padding, output size)."""
        xp = _backend.array_module(x)
        pads = [_pads(n, p, s, self.padding)
                for n, p, s in zip(x.shape[1:4], self.pool_size, self.strides)]
        outs = self._out_sizes(x.shape[1:4], self.pool_size, self.strides)
        if any(p != (0, 0) for p in pads):
            x = xp.pad(x, ((0, 0), *pads, (0, 0)), constant_values=fill)
        views = [x[(slice(None), *(slice(o, o + (n - 1) * s + 1, s)
                                   for o, n, s in zip(offset, outs, self.strides)))]
                 for offset in np.ndindex(*self.pool_size)]
        return views, [(p[0], n) for p, n in zip(pads, outs)]

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._channels_last(self._prepare_input(inputs))
        _drop_mask(self, mask)
        return self._restore(self._pool(x)), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(pool_size=self.pool_size, padding=self.padding, strides=self.strides,
                      data_format=self.data_format)
        return config


class MaxPooling3D(_Pooling3D):
    """Keras ``MaxPooling3D``: the maximum over windows of ``pool_size``."""

    def _pool(self, x):
        xp = _backend.array_module(x)
        views, _ = self._windows(x, -np.inf)
        out = views[0]
        for v in views[1:]:
            out = xp.maximum(out, v)
        return out


class AveragePooling3D(_Pooling3D):
    """Keras ``AveragePooling3D``: the mean over windows of ``pool_size`` (with
    padding="same", over the real positions of each window)."""

    def _pool(self, x):
        xp = _backend.array_module(x)
        views, axes = self._windows(x, 0.0)
        total = sum(views[1:], views[0])
        counts = []
        for axis, (left, out) in enumerate(axes):
            starts = np.arange(out) * self.strides[axis] - left
            counts.append(np.minimum(starts + self.pool_size[axis], x.shape[1 + axis])
                          - np.maximum(starts, 0))
        volume = np.einsum("i,j,k->ijk", *counts).astype(x.dtype)
        return total / xp.asarray(volume)[None, :, :, :, None]


class _GlobalPooling3D(_Spatial3D):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, **kwargs)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        batch, _, channels = self._split(input_shape)
        return self._shape(batch, (1, 1, 1), channels) if self.keepdims else (batch, channels)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._channels_last(self._prepare_input(inputs))
        _drop_mask(self, mask)
        y = self._reduce(x)
        return (self._restore(y[:, None, None, None, :]) if self.keepdims else y), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalAveragePooling3D(_GlobalPooling3D):
    """Keras ``GlobalAveragePooling3D``: the mean over depth, rows and columns."""

    def _reduce(self, x):
        return x.mean(axis=(1, 2, 3))


class GlobalMaxPooling3D(_GlobalPooling3D):
    """Keras ``GlobalMaxPooling3D``: the maximum over depth, rows and columns."""

    def _reduce(self, x):
        return x.max(axis=(1, 2, 3))


MaxPool3D = MaxPooling3D
AvgPool3D = AveragePooling3D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool3D = GlobalMaxPooling3D
