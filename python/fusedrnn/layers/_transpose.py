"""Conv1DTranspose, Conv2DTranspose and Conv3DTranspose: the upsampling halves of
convolutional sequence autoencoders and encoder-decoder front ends. Plain NumPy (CuPy for CuPy
inputs).

A transposed convolution spreads each input position over the output: the input at ``i``
adds ``x[i] @ kernel[k].T`` at ``i * strides + k * dilation_rate``, and the output keeps
Keras's (TensorFlow's) length: with ``padding="valid"`` ``(n - 1) * strides + span`` from the
start, with ``"same"`` ``n * strides`` after the left padding a "same" convolution of that
output would use; ``output_padding`` adds positions at the end. Kernel (*kernel_size,
filters, channels), bias (filters,).
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _backend
from ._conv import _bias_activation, _check_channels, _Grid, _ints, _padding, _pads
from ._core import _drop_mask, _kernel_layer_args, _param
from ._initializers import layer_rng

__all__ = ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution1DTranspose",
           "Convolution2DTranspose", "Convolution3DTranspose"]

def _out_size(size, span: int, stride: int, padding: str, output_padding):
    """Keras's output length of a transposed convolution (conv_utils.deconv_output_length)."""
    if size is None:
        return None
    if output_padding is None:
        return size * stride + max(span - stride, 0) if padding == "valid" else size * stride
    pad = span // 2 if padding == "same" else 0
    return (size - 1) * stride + span - 2 * pad + output_padding


class _ConvTranspose(_Grid):
    _n = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, groups=1, seed=None, **kwargs):
        name = type(self).__name__
        super().__init__(data_format, **kwargs)
        if isinstance(filters, (bool, np.bool_)) or not isinstance(
                filters, numbers.Integral) or filters < 1:
            raise ValueError(f"{name}: `filters` must be a positive integer; got {filters!r}")
        if groups != 1:  # Keras 2's configs carry groups=1
            raise ValueError(f"{name}: `groups` must be 1; got {groups!r}")
        self.filters = int(filters)
        self.kernel_size = _ints(kernel_size, self._n, "kernel_size", name)
        self.strides = _ints(strides, self._n, "strides", name)
        self.dilation_rate = _ints(dilation_rate, self._n, "dilation_rate", name)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{name}: strides > 1 is not compatible with dilation_rate > 1")
        self.padding = _padding(padding, ("valid", "same"), name)
        if output_padding is None:
            self.output_padding = None
        else:
            values = ((output_padding,) * self._n if isinstance(output_padding, numbers.Integral)
                      else tuple(output_padding))
            if len(values) != self._n or any(
                    isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral)
                    or not 0 <= v < s for v, s in zip(values, self.strides)):
                raise ValueError(f"{name}: `output_padding` must be {self._n} integer(s), each "
                                 f">= 0 and smaller than its stride {self.strides}; got "
                                 f"{output_padding!r}")
            self.output_padding = tuple(int(v) for v in values)
        _kernel_layer_args(self, activation, use_bias, kernel_initializer, bias_initializer,
                           seed)

    @property
    def _spans(self):
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilation_rate, self.kernel_size))

    def _out_sizes(self, sizes):
        padding = self.output_padding or (None,) * self._n
        return tuple(_out_size(n, span, st, self.padding, op) for n, span, st, op in
                     zip(sizes, self._spans, self.strides, padding))

    def _check_input_shape(self, shape) -> None:
        super()._check_input_shape(shape)
        _check_channels(self, self._split(shape)[2], shape)

    def build(self, input_shape) -> None:
        channels = self._built_channels(input_shape)
        rng = layer_rng(self.seed)
        self._add_weight("kernel", self._kernel_init(
            (*self.kernel_size, self.filters, channels), rng), "kernel")
        if self.use_bias:
            self._add_weight("bias", self._bias_init((self.filters,), rng), "bias")
        self.input_spec_dim = int(channels)
        self.built = True

    def compute_output_shape(self, input_shape):
        batch, sizes, _ = self._split(input_shape)
        return self._shape(batch, self._out_sizes(sizes), self.filters)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._channels_last(self._prepare_input(inputs))
        _drop_mask(self, mask)
        xp = _backend.array_module(x)
        kernel = _param(self, "kernel", x)
        sizes = x.shape[1:-1]
        outs = self._out_sizes(sizes)
        # every input position's contribution at full length, then the window Keras keeps:
        # from the left padding a "same" convolution of the output would use
        full = [(n - 1) * st + span for n, st, span in zip(sizes, self.strides, self._spans)]
        lefts = [_pads(o, span, st, self.padding)[0]
                 for o, span, st in zip(outs, self._spans, self.strides)]
        size = [max(f, left + o) for f, left, o in zip(full, lefts, outs)]
        y = xp.zeros((x.shape[0], *size, self.filters), x.dtype)
        for offset in np.ndindex(*self.kernel_size):  # one matrix product per kernel tap
            where = tuple(slice(o * d, o * d + (n - 1) * st + 1, st) for o, d, n, st in
                          zip(offset, self.dilation_rate, sizes, self.strides))
            y[(slice(None), *where)] += x @ kernel[offset].T
        y = y[(slice(None), *(slice(left, left + o) for left, o in zip(lefts, outs)))]
        return self._restore(_bias_activation(self, y, x)), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(filters=self.filters, kernel_size=self.kernel_size,
                      strides=self.strides, padding=self.padding,
                      output_padding=self.output_padding, data_format=self.data_format,
                      dilation_rate=self.dilation_rate, activation=self.activation,
                      use_bias=self.use_bias)
        return config


class Conv1DTranspose(_ConvTranspose):
    """Keras ``Conv1DTranspose``: the transposed convolution over the steps. Weights: kernel
    (kernel_size, filters, channels), bias (filters,)."""


class Conv2DTranspose(_ConvTranspose):
    """Keras ``Conv2DTranspose``: the transposed convolution over rows and columns. Weights:
    kernel (kernel rows, kernel cols, filters, channels), bias (filters,)."""

    _n = 2


class Conv3DTranspose(_ConvTranspose):
    """Keras ``Conv3DTranspose``: the transposed convolution over depth, rows and columns.
    Weights: kernel (*kernel_size, filters, channels), bias (filters,)."""

    _n = 3


Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
