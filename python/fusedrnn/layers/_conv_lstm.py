"""ConvLSTM1D, ConvLSTM2D and ConvLSTM3D: Keras's convolutional LSTM, whose gates are
convolutions of the step's input and of the previous hidden state (spatio-temporal models:
precipitation nowcasting, video frames, sensor grids).

Per step, as Keras's ``ConvLSTMCell``: ``z = conv(x_t, kernel) + bias + conv_same(h, recurrent
kernel)`` split into the gates i, f, c, o; ``c = f * c + i * activation(z_c)``, ``h = o *
activation(c)`` (i, f, o through ``recurrent_activation``). The input convolution takes the
layer's strides, padding and dilation; the recurrent one is stride 1, ``"same"``. The input
convolutions of all steps run as one batch before the loop over steps. Masks, return_state,
go_backwards, stateful and initial states behave as in Keras's other RNN layers.
"""

from __future__ import annotations

import numpy as np

from .. import _backend
from ._base import (
    KerasTensor,
    Layer,
    activation_name,
    as_float_array,
    check_mask,
    get_activation,
    zero_masked_outputs,
)
from ._conv import _check_channels, _ints, _out_len, conv_nd
from ._core import _check_rank, _data_format
from ._initializers import get_initializer, layer_rng

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]


class _ConvLSTM(Layer):
    """Keras's ``ConvLSTM`` of ``_rank`` spatial dimensions. Weights: kernel (*kernel_size,
    channels, 4 * filters), recurrent_kernel (*kernel_size, filters, 4 * filters), bias
    (4 * filters,), gates in the order i, f, c, o."""

    _rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, zero_output_for_mask=False,
                 time_major=False, **kwargs):
        super().__init__(**kwargs)
        what = type(self).__name__
        if time_major:  # Keras 2's configs hold it; its ConvLSTM layers refuse True too
            raise ValueError(f"{what}: time_major=True is not supported")
        rank = self._rank
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or \
                filters < 1:
            raise ValueError(f"{what}: `filters` must be a positive integer; got {filters!r}")
        self.filters = int(filters)
        self.kernel_size = _ints(kernel_size, rank, "kernel_size", what)
        self.strides = _ints(strides, rank, "strides", what)
        self.dilation_rate = _ints(dilation_rate, rank, "dilation_rate", what)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{what}: strides > 1 is not compatible with dilation_rate > 1")
        padding = padding.lower() if isinstance(padding, str) else padding
        if padding not in ("valid", "same"):
            raise ValueError(f"{what}: `padding` must be 'valid' or 'same'; got {padding!r}")
        self.padding = padding
        self.data_format = _data_format(data_format)
        self.activation = activation_name(activation, "activation")
        self.recurrent_activation = activation_name(recurrent_activation,
                                                    "recurrent_activation")
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self._kernel_init = get_initializer(kernel_initializer, "kernel_initializer")
        self._recurrent_init = get_initializer(recurrent_initializer, "recurrent_initializer")
        self._bias_init = get_initializer(bias_initializer, "bias_initializer")
        self.unit_forget_bias = bool(unit_forget_bias)
        self.dropout, self.recurrent_dropout = dropout, recurrent_dropout  # training only
        self.seed = seed
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec_dim = None
        self._states = None

    # ----------------------------------------------------------- shapes
    def _split(self, shape):
        """(batch, steps, spatial sizes, channels) of an input shape."""
        shape = tuple(shape)
        if self.data_format == "channels_last":
            return shape[0], shape[1], shape[2:-1], shape[-1]
        return shape[0], shape[1], shape[3:], shape[2]

    def _state_sizes(self, spatial) -> tuple:
        spans = [(k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate)]
        return tuple(_out_len(n, s, st, self.padding)
                     for n, s, st in zip(spatial, spans, self.strides))

    def _state_shape(self, batch, spatial) -> tuple:
        sizes = self._state_sizes(spatial)
        if self.data_format == "channels_last":
            return (batch, *sizes, self.filters)
        return (batch, self.filters, *sizes)

    def _check_input_shape(self, shape) -> None:
        order = "(batch, time, " + ("spatial..., channels)" if self.data_format ==
                                    "channels_last" else "channels, spatial...)")
        _check_rank(self, shape, self._rank + 3, order)
        _check_channels(self, self._split(shape)[3], shape)
        spatial = self._split(shape)[2]
        spans = [(k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate)]
        if self.padding == "valid" and any(n is not None and n < s
                                           for n, s in zip(spatial, spans)):
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: the spatial sizes "
                             f"{tuple(spatial)} are smaller than the kernel's span "
                             f"{tuple(spans)} (padding='valid')")

    def compute_output_shape(self, input_shape):
        batch, steps, spatial, _ = self._split(input_shape)
        state = self._state_shape(batch, spatial)
        out = (batch, steps, *state[1:]) if self.return_sequences else state
        return [out, state, state] if self.return_state else out

    def _multi_output(self) -> bool:
        return self.return_state

    def _symbolic_output_shapes(self, input_shape, initial_state=None, mask=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected call arguments "
                            f"{sorted(kwargs)}")
        if initial_state is not None:
            self._check_states([s.shape if isinstance(s, KerasTensor) else np.shape(s)
                                for s in _state_list(initial_state)], input_shape)
        out = self.compute_output_shape(input_shape)
        return out if self.return_state else [out]

    def _check_states(self, shapes, input_shape) -> None:
        batch, _, spatial, _ = self._split(input_shape)
        want = self._state_shape(batch, spatial)
        if len(shapes) != 2:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} expects 2 initial "
                             f"states (h and c) of shape {want}; got {len(shapes)}")
        for i, shape in enumerate(shapes):
            shape = tuple(shape)
            if len(shape) != len(want) or any(g is not None and w is not None and g != w
                                               for g, w in zip(shape, want)):
                raise ValueError(f"initial state {i} of {type(self).__name__} layer "
                                 f"{self.name!r} must have shape {want}; got {shape}")

    # ----------------------------------------------------------- weights
    def build(self, input_shape) -> None:
        channels = self._split(input_shape)[3]
        if channels is None:
            raise ValueError(f"{type(self).__name__} needs a known channel count; got input "
                             f"shape {tuple(input_shape)}")
        rng = layer_rng(self.seed)
        f4 = 4 * self.filters
        self._add_weight("kernel", self._kernel_init((*self.kernel_size, channels, f4), rng),
                         "kernel")
        self._add_weight("recurrent_kernel", self._recurrent_init(
            (*self.kernel_size, self.filters, f4), rng), "recurrent_kernel")
        if self.use_bias:
            if self.unit_forget_bias:  # the forget gate's starts at 1, as Keras's
                bias = np.concatenate([np.asarray(self._bias_init((self.filters,), rng)),
                                       np.ones(self.filters),
                                       np.asarray(self._bias_init((2 * self.filters,), rng))])
            else:
                bias = self._bias_init((f4,), rng)
            self._add_weight("bias", bias, "bias")
        self.input_spec_dim = int(channels)
        self.built = True

    # ----------------------------------------------------------- running
    def _channels_last(self, a, offset: int):
        """``a`` with its channels axis (after ``offset`` leading axes) moved last."""
        if self.data_format == "channels_last":
            return a
        return a.transpose(*range(offset), *range(offset + 1, a.ndim), offset)

    def _channels_back(self, a, offset: int):
        xp = _backend.array_module(a)
        if self.data_format == "channels_last":
            return xp.ascontiguousarray(a)
        return xp.ascontiguousarray(a.transpose(*range(offset), a.ndim - 1,
                                                *range(offset, a.ndim - 1)))

    def _forward(self, inputs, mask=None, training=False, initial_state=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected call arguments "
                            f"{sorted(kwargs)}")
        x = as_float_array(inputs, f"input of {type(self).__name__} layer {self.name!r}",
                           self._compute_dtype)
        self._check_input_shape(x.shape)
        self._ensure_built(x.shape)
        xp = _backend.array_module(x)
        input_shape = x.shape
        batch, steps = x.shape[0], x.shape[1]
        if steps == 0:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} got a sequence of 0 "
                             f"steps")
        mask = check_mask(mask, batch, steps)
        x = self._channels_last(x, 2)
        f = self.filters
        if initial_state is not None:
            states = [as_float_array(s, f"initial state of layer {self.name!r}",
                                     self._compute_dtype) for s in _state_list(initial_state)]
            self._check_states([s.shape for s in states], input_shape)
            h, c = (self._channels_last(s, 1) for s in states)
        elif self.stateful and self._states is not None:
            h, c = self._states
            if h.shape[0] != batch:
                raise ValueError(f"stateful layer {self.name!r} holds states for batch size "
                                 f"{h.shape[0]}, got a batch of {batch}; call reset_states() "
                                 f"to start over with another batch size")
        else:
            shape = (batch, *self._state_sizes(x.shape[2:-1]), f)
            h, c = xp.zeros(shape, x.dtype), xp.zeros(shape, x.dtype)
        kernel = xp.asarray(self._params["kernel"])
        recurrent = xp.asarray(self._params["recurrent_kernel"])
        # the input convolutions of every step at once
        z_in = conv_nd(x.reshape(batch * steps, *x.shape[2:]), kernel, self.strides,
                     self.padding, self.dilation_rate)
        if self.use_bias:
            z_in = z_in + xp.asarray(self._params["bias"])
        z_in = z_in.reshape(batch, steps, *z_in.shape[1:])
        act = get_activation(self.activation)
        gate = get_activation(self.recurrent_activation)
        ones = (1,) * (h.ndim - 1)
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs, last = [], None
        for t in order:
            z = z_in[:, t] + conv_nd(h, recurrent, (1,) * self._rank, "same", (1,) * self._rank)
            c_new = gate(z[..., f:2 * f]) * c + gate(z[..., :f]) * act(z[..., 2 * f:3 * f])
            h_new = gate(z[..., 3 * f:]) * act(c_new)
            out = h_new
            if mask is not None:
                keep = xp.asarray(mask[:, t]).reshape(batch, *ones)
                out = xp.where(keep, h_new, 0.0 if last is None else last)
                h_new, c_new = xp.where(keep, h_new, h), xp.where(keep, c_new, c)
            h, c, last = h_new, c_new, out
            outputs.append(out)
        if self.stateful:
            self._states = (h.copy(), c.copy())
        if self.return_sequences:
            y = xp.stack(outputs, axis=1)
            if mask is not None and self.zero_output_for_mask:
                flat = y.reshape(batch, steps, -1)
                y = zero_masked_outputs(flat, mask, self.go_backwards,
                                        self.unroll).reshape(y.shape)
            y = self._channels_back(y, 2)
        else:
            y = last
            if mask is not None and self.zero_output_for_mask:
                y = y * xp.asarray(mask[:, order[-1]]).reshape(batch, *ones).astype(y.dtype)
            y = self._channels_back(y, 1)
        states = [self._channels_back(h, 1), self._channels_back(c, 1)]
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [y, *states], [out_mask, None, None]
        return y, out_mask

    def _output_masks(self, mask):
        out_mask = mask if self.return_sequences else None
        return [out_mask, None, None] if self.return_state else out_mask

    def reset_states(self, states=None) -> None:
        if states is None:
            self._states = None
            return
        states = [np.asarray(s, self._compute_dtype) for s in _state_list(states)]
        self._states = tuple(self._channels_last(s, 1) for s in states)

    reset_state = reset_states

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
            padding=self.padding, data_format=self.data_format,
            dilation_rate=self.dilation_rate, activation=self.activation,
            recurrent_activation=self.recurrent_activation, use_bias=self.use_bias,
            kernel_initializer=self.kernel_initializer,
            recurrent_initializer=self.recurrent_initializer,
            bias_initializer=self.bias_initializer, unit_forget_bias=self.unit_forget_bias,
            dropout=self.dropout, recurrent_dropout=self.recurrent_dropout, seed=self.seed,
            return_sequences=self.return_sequences, return_state=self.return_state,
            go_backwards=self.go_backwards, stateful=self.stateful, unroll=self.unroll,
            zero_output_for_mask=self.zero_output_for_mask)
        return config


def _state_list(states) -> list:
    return list(states) if isinstance(states, (list, tuple)) else [states]


class ConvLSTM1D(_ConvLSTM):
    """Keras ``ConvLSTM1D``: (batch, time, steps, channels) in."""

    _rank = 1


class ConvLSTM2D(_ConvLSTM):
    """Keras ``ConvLSTM2D``: (batch, time, rows, cols, channels) in."""

    _rank = 2


class ConvLSTM3D(_ConvLSTM):
    """Keras ``ConvLSTM3D``: (batch, time, depth, rows, cols, channels) in."""

    _rank = 3
