"""DepthwiseConv1D/2D and SeparableConv1D/2D: the depthwise-separable convolutions of
keyword-spotting and small audio/image front ends (DS-CNN -> GRU). Plain NumPy (CuPy for CuPy
inputs).

A depthwise convolution filters each input channel with its own ``depth_multiplier`` kernels:
output channel ``c * depth_multiplier + m`` is channel ``c`` convolved with
``depthwise_kernel[..., c, m]``. A separable one follows it with a pointwise (1x1) convolution
to ``filters`` channels, then adds the bias. Padding as Conv1D/Conv2D (TensorFlow's "same");
``"causal"`` exists for the 1-D layers of Keras 2 files (Keras 3 refuses it there).
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _backend
from ._base import activation_name
from ._conv import _bias_activation, _check_channels, _Grid, _ints, _out_len, _padding, tap_slices
from ._core import _drop_mask, _param
from ._initializers import get_initializer, layer_rng

__all__ = ["DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
           "SeparableConvolution1D", "SeparableConvolution2D"]

def depthwise_nd(x, kernel, strides, padding: str, dilation):
    """Depthwise convolution of ``x`` (batch, *grid, channels) with ``kernel`` (*window,
    channels, multiplier): (batch, *out grid, channels * multiplier), channel-major."""
    xp = _backend.array_module(x)
    x, outs, taps = tap_slices(x, kernel.shape[:-2], strides, padding, dilation)
    y = xp.zeros((x.shape[0], *outs, *kernel.shape[-2:]), x.dtype)
    for offset, where in taps:  # one broadcast product per kernel tap
        y += x[where][..., None] * kernel[offset]
    return y.reshape(*y.shape[:-2], -1)


class _DepthwiseBase(_Grid):
    """Shared by the four layers: an ``_n``-d grid, channels last or first."""

    _separable = False

    def __init__(self, kernel_size, strides, padding, depth_multiplier, data_format,
                 dilation_rate, activation, use_bias, bias_initializer, seed, groups=1,
                 **kwargs):
        name = type(self).__name__
        super().__init__(data_format, **kwargs)
        self.kernel_size = _ints(kernel_size, self._n, "kernel_size", name)
        self.strides = _ints(strides, self._n, "strides", name)
        self.dilation_rate = _ints(dilation_rate, self._n, "dilation_rate", name)
        self.depth_multiplier = _ints(depth_multiplier, 1, "depth_multiplier", name)[0]
        if groups != 1:  # Keras 2's configs carry groups=1
            raise ValueError(f"{name}: `groups` must be 1; got {groups!r}")
        allowed = ("valid", "same", "causal") if self._n == 1 else ("valid", "same")
        self.padding = _padding(padding, allowed, name)
        self.activation = activation_name(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = bias_initializer
        self._bias_init = get_initializer(bias_initializer, "bias_initializer")
        self.seed = seed
        self.input_spec_dim = None

    @property
    def _spans(self):
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilation_rate, self.kernel_size))

    def _out_sizes(self, sizes):
        return tuple(_out_len(n, s, st, self.padding)
                     for n, s, st in zip(sizes, self._spans, self.strides))

    def _out_channels(self, channels):
        return self.filters if self._separable else (
            None if channels is None else channels * self.depth_multiplier)

    def _check_input_shape(self, shape) -> None:
        super()._check_input_shape(shape)
        _, sizes, channels = self._split(shape)
        _check_channels(self, channels, shape)
        for size, out in zip(sizes, self._out_sizes(sizes)):
            if size is not None and out < 1:
                raise ValueError(f"input of {type(self).__name__} layer {self.name!r} is "
                                 f"smaller than its kernel's span {self._spans} "
                                 f"(padding='valid'); got input shape {tuple(shape)}")

    def build(self, input_shape) -> None:
        channels = self._built_channels(input_shape)
        rng = layer_rng(self.seed)
        depth = channels * self.depth_multiplier
        self._add_weight("depthwise_kernel", self._depthwise_init(
            (*self.kernel_size, channels, self.depth_multiplier), rng), "depthwise_kernel")
        if self._separable:
            self._add_weight("pointwise_kernel", self._pointwise_init(
                (*(1,) * self._n, depth, self.filters), rng), "pointwise_kernel")
        if self.use_bias:
            self._add_weight("bias", self._bias_init((self._out_channels(channels),), rng),
                             "bias")
        self.input_spec_dim = int(channels)
        self.built = True

    def compute_output_shape(self, input_shape):
        batch, sizes, channels = self._split(input_shape)
        return self._shape(batch, self._out_sizes(sizes), self._out_channels(channels))

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._channels_last(self._prepare_input(inputs))
        _drop_mask(self, mask)
        y = depthwise_nd(x, _param(self, "depthwise_kernel", x), self.strides, self.padding,
                         self.dilation_rate)
        if self._separable:
            pointwise = _param(self, "pointwise_kernel", x)
            y = y @ pointwise.reshape(pointwise.shape[-2:])
        return self._restore(_bias_activation(self, y, x)), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(depth_multiplier=self.depth_multiplier)
        if self._separable:
            config.update(filters=self.filters)
        config.update(kernel_size=self.kernel_size, strides=self.strides, padding=self.padding,
                      data_format=self.data_format, dilation_rate=self.dilation_rate,
                      activation=self.activation, use_bias=self.use_bias)
        return config


class _Depthwise(_DepthwiseBase):
    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, seed=None, **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, bias_initializer, seed, **kwargs)
        self.depthwise_initializer = depthwise_initializer
        self._depthwise_init = get_initializer(depthwise_initializer, "depthwise_initializer")


class DepthwiseConv1D(_Depthwise):
    """Keras ``DepthwiseConv1D``: each channel convolved over the steps with its own
    ``depth_multiplier`` kernels. Weights: depthwise_kernel (kernel_size, channels,
    depth_multiplier), bias (channels * depth_multiplier,)."""

    _n = 1


class DepthwiseConv2D(_Depthwise):
    """Keras ``DepthwiseConv2D``: each channel convolved over rows and columns with its own
    ``depth_multiplier`` kernels. Weights: depthwise_kernel (kernel rows, kernel cols,
    channels, depth_multiplier), bias (channels * depth_multiplier,)."""


class _SeparableConv(_DepthwiseBase):
    _separable = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 seed=None, **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, bias_initializer, seed, **kwargs)
        if isinstance(filters, (bool, np.bool_)) or not isinstance(
                filters, numbers.Integral) or filters < 1:
            raise ValueError(f"{type(self).__name__}: `filters` must be a positive integer; "
                             f"got {filters!r}")
        self.filters = int(filters)
        self.depthwise_initializer = depthwise_initializer
        self.pointwise_initializer = pointwise_initializer
        self._depthwise_init = get_initializer(depthwise_initializer, "depthwise_initializer")
        self._pointwise_init = get_initializer(pointwise_initializer, "pointwise_initializer")


class SeparableConv1D(_SeparableConv):
    """Keras ``SeparableConv1D``: a depthwise convolution over the steps, then a pointwise one
    to ``filters`` channels. Weights: depthwise_kernel (kernel_size, channels,
    depth_multiplier), pointwise_kernel (1, channels * depth_multiplier, filters), bias
    (filters,)."""

    _n = 1


class SeparableConv2D(_SeparableConv):
    """Keras ``SeparableConv2D``: a depthwise convolution over rows and columns, then a
    pointwise one to ``filters`` channels. Weights: depthwise_kernel (kernel rows, kernel
    cols, channels, depth_multiplier), pointwise_kernel (1, 1, channels * depth_multiplier,
    filters), bias (filters,)."""


SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
