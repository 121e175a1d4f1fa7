"""SimpleRNN, GRU, LSTM and Bidirectional, computed by fusedrnn's kernels (via _backend).

Training-only arguments (dropout, recurrent_dropout, regularizers, constraints, use_cudnn,
implementation) are accepted for Keras compatibility and have no effect: fusedrnn only runs
inference, where Keras ignores them too. ``seed`` seeds the weight initializers. ``unroll``
changes only what Keras's TensorFlow backend changes with it: the masked outputs of a layer
going backwards with zero_output_for_mask (see ``zero_masked_outputs``).
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _backend, _core
from ._base import (
    RNN_ACTIVATIONS,
    KerasTensor,
    Layer,
    activation_name,
    as_float_array,
    check_mask,
    check_parts_weights,
    deserialize_layer,
    flatten,
    observe_outputs,
    serialize_layer,
    set_parts_weights,
    zero_masked_outputs,
)
from ._custom import RNN as UserCellRNN
from ._initializers import get_initializer, layer_rng

__all__ = ["GRU", "LSTM", "RNNLayer", "Bidirectional", "SimpleRNN"]

_F32 = np.dtype(np.float32)
_CorePacked = _core.PackedWeights

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)
_TRAINING_ONLY = (
    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
    "recurrent_dropout", "use_cudnn", "implementation",
)


def _check_units(units) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError(
            f"received an invalid value for argument `units`, expected a positive integer, "
            f"got {units!r}"
        )
    return int(units)


class RNNLayer(Layer):
    """Common machinery of SimpleRNN, GRU and LSTM (Keras's ``RNN`` over one cell)."""

    _cell = "simple_rnn"
    _num_gates = 1
    _num_states = 1

    def __init__(self, units, *, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=False, reset_after=True, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, time_major=False, zero_output_for_mask=False, device=None,
                 unroll=False, input_length=None, input_dim=None, training_only=None,
                 **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs and (
                input_length is not None or input_dim is not None):
            kwargs["input_shape"] = (input_length, input_dim)  # Keras 2 legacy form
        super().__init__(**kwargs)
        self.units = _check_units(units)
        for argument, value in (("activation", activation),
                                ("recurrent_activation", recurrent_activation)):
            if value in ("glu", "threshold"):
                raise ValueError(f"`{argument}`: {value!r} cannot be a recurrent layer's "
                                 f"activation (glu halves the units axis, threshold needs "
                                 f"arguments of its own)")
        self.activation = activation_name(activation, "activation", RNN_ACTIVATIONS)
        self.recurrent_activation = activation_name(
            recurrent_activation, "recurrent_activation", RNN_ACTIVATIONS)
        used = (self.activation,) if self._cell == "simple_rnn" else (
            self.activation, self.recurrent_activation)
        if not _backend.kernels_run(*used):
            _backend.warn_numpy_steps(self, used)
        self.use_bias = bool(use_bias)
        self._kernel_init = get_initializer(kernel_initializer, "kernel_initializer")
        self._recurrent_init = get_initializer(recurrent_initializer, "recurrent_initializer")
        self._bias_init = get_initializer(bias_initializer, "bias_initializer")
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.unit_forget_bias = bool(unit_forget_bias)
        self.reset_after = bool(reset_after)
        self.seed = seed
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.time_major = bool(time_major)  # Keras 2's (timesteps, batch, ...) layout
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.unroll = bool(unroll)  # only the masked outputs of Keras's TensorFlow backend
        _backend.resolve_device(device, None)
        self.device = device
        for key, value in (training_only or {}).items():
            if key in ("dropout", "recurrent_dropout") and (
                    isinstance(value, bool) or not isinstance(value, numbers.Real)):
                # Keras clips a rate to [0, 1] and fails on anything else
                raise TypeError(f"`{key}` must be a number (a rate in [0, 1]); got {value!r}")
            setattr(self, key, value)  # kept for get_config; no effect at inference
        self._packed: dict = {}
        self._states = None
        self.input_spec_dim = None

    # Whether one packed kernel runs the layer (Bidirectional runs such pairs in one call).
    _one_kernel = True

    @property
    def cell(self):
        """The layer's cell, as Keras 3's ``layer.cell``: the same weights (``cell.kernel``),
        and ``cell(x_t, states)`` runs one step."""
        from ._cells import cell_view

        view = self.__dict__.get("_cell_view")
        if view is None:
            view = self.__dict__["_cell_view"] = cell_view(self)
        return view

    @property
    def state_size(self):
        return self.units if self._num_states == 1 else [self.units] * self._num_states

    def _state_widths(self) -> list[int]:
        """The width of each state array, in order (all ``units`` for one cell)."""
        return [self.units] * self._num_states

    # ----------------------------------------------------------- weights
    def _bias_shape(self) -> tuple[int, ...]:
        g = self._num_gates * self.units
        if self._cell == "gru" and self.reset_after:
            return (2, g)
        return (g,)

    def _feature_size(self, input_shape) -> int:
        """The input's last dimension, which building needs."""
        if input_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} needs a known feature size (last input dimension) to "
                f"build; got input shape {tuple(input_shape)}"
            )
        if input_shape[-1] < 1:
            raise ValueError(
                f"input of {type(self).__name__} layer {self.name!r} must have at least one "
                f"feature (last dimension); got input shape {tuple(input_shape)}"
            )
        return int(input_shape[-1])

    def build(self, input_shape) -> None:
        input_dim = self._feature_size(input_shape)
        rng = layer_rng(self.seed)
        g = self._num_gates * self.units
        self._add_weight("kernel", self._kernel_init((input_dim, g), rng), "kernel")
        self._add_weight("recurrent_kernel", self._recurrent_init((self.units, g), rng),
                         "recurrent_kernel")
        if self.use_bias:
            self._add_weight("bias", self._initial_bias(rng), "bias")
        self.input_spec_dim = int(input_dim)
        self.built = True

    def _initial_bias(self, rng) -> np.ndarray:
        return self._bias_init(self._bias_shape(), rng)

    def _weights_changed(self) -> None:
        self._packed = {}

    def _standard_weights(self) -> list[np.ndarray]:
        """kernel, recurrent kernel (and bias) as Keras's SimpleRNN, GRU or LSTM lays them
        out, which the kernels take (Keras 2's cuDNN layers keep another layout)."""
        return [self._params[key] for key, _ in self._param_names]

    def _get_packed(self, device: str) -> _backend.Packed:
        packed = self._packed.get(device)
        if packed is None:
            kernel, recurrent, *bias = self._standard_weights()
            packed = _backend.pack(
                self._cell, kernel, recurrent, bias[0] if bias else None,
                activation=self.activation,
                recurrent_activation=self.recurrent_activation, reset_after=self.reset_after,
                device=device, dtype=self._compute_dtype)
            self._packed[device] = packed
        return packed

    # ----------------------------------------------------------- shapes
    def _check_input_shape(self, shape) -> None:
        if len(shape) != 3:
            raise ValueError(
                f"input of {type(self).__name__} layer {self.name!r} must have rank 3 "
                f"(batch, timesteps, features); got shape {tuple(shape)}"
            )
        if self.built and shape[-1] is not None and shape[-1] != self.input_spec_dim:
            raise ValueError(
                f"input of {type(self).__name__} layer {self.name!r} has {shape[-1]} features "
                f"(last dimension), but the layer was built for {self.input_spec_dim}; "
                f"got input shape {tuple(shape)}"
            )

    def compute_output_shape(self, input_shape):
        batch, timesteps = input_shape[self._batch_axis], input_shape[1 - self._batch_axis]
        out = (batch, timesteps, self.units) if self.return_sequences else (batch, self.units)
        if self.return_sequences and self.time_major:
            out = (timesteps, batch, self.units)
        if self.return_state:
            return [out] + [(batch, w) for w in self._state_widths()]
        return out

    def _multi_output(self) -> bool:
        return self.return_state

    def _symbolic_output_shapes(self, input_shape, initial_state=None, mask=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected call arguments {sorted(kwargs)}")
        if initial_state is not None:
            self._check_state_shapes(
                [s.shape if isinstance(s, KerasTensor) else np.shape(s)
                 for s in _as_state_list(initial_state)], input_shape[self._batch_axis])
        out = self.compute_output_shape(input_shape)
        return out if self.return_state else [out]

    @property
    def _batch_axis(self) -> int:
        return 1 if self.time_major else 0

    def _num_state_outputs(self) -> int:
        return self._num_states

    def _check_state_shapes(self, shapes, batch) -> None:
        widths = self._state_widths()
        n = len(widths)
        if len(shapes) != n:
            expected = ", ".join(f"(batch, {w})" for w in widths)
            raise ValueError(
                f"{type(self).__name__} layer {self.name!r} expects {n} initial state "
                f"array{'s' if n > 1 else ''} of shape{'s' if n > 1 else ''} {expected}, "
                f"got {len(shapes)}"
            )
        for i, (s, w) in enumerate(zip(shapes, widths)):
            s = tuple(s)
            ok = len(s) == 2 and s[1] == w and (batch is None or s[0] is None or s[0] == batch)
            if not ok:
                raise ValueError(
                    f"initial state {i} of {type(self).__name__} layer {self.name!r} must "
                    f"have shape (batch, units) = ({batch}, {w}); got {s}"
                )

    # ----------------------------------------------------------- running
    def _initial_state_arrays(self, initial_state, batch: int):
        if initial_state is None:
            if self.stateful and self._states is not None:
                states = self._states
                if states[0].shape[0] != batch:
                    raise ValueError(
                        f"stateful layer {self.name!r} holds states for batch size "
                        f"{states[0].shape[0]}, got a batch of {batch}; call reset_states() "
                        "to start over with another batch size"
                    )
                return list(states)
            return None
        states = [as_float_array(s, f"initial state of layer {self.name!r}",
                                 self._compute_dtype)
                  for s in _as_state_list(initial_state)]
        self._check_state_shapes([s.shape for s in states], batch)
        return states

    def _run(self, x, mask, initial_state, device):
        """Run the layer: returns (output in processing order, states tuple)."""
        packed = self._get_packed(device)
        out, states = _backend.rnn_forward(
            x, packed, initial_state=initial_state, mask=mask, go_backwards=self.go_backwards,
            return_sequences=self.return_sequences)
        return out, states

    def _forward(self, inputs, mask=None, training=False, initial_state=None, **kwargs):
        if self.time_major:
            return _time_major(self, self._batch_major_forward, inputs, mask,
                               training=training, initial_state=initial_state, **kwargs)
        return self._batch_major_forward(inputs, mask, training, initial_state, **kwargs)

    def _batch_major_forward(self, inputs, mask=None, training=False, initial_state=None,
                             **kwargs):
        if mask is None and initial_state is None and not kwargs:
            result = self._fast_forward(inputs)
            if result is not None:
                return result
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected call arguments {sorted(kwargs)}")
        x = self._prepare_input(inputs)
        device = _backend.resolve_device(self.device, x)
        mask = check_mask(mask, x.shape[0], x.shape[1])
        init = self._initial_state_arrays(initial_state, x.shape[0])
        out, states = self._run(x, mask, init, device)
        if self.return_sequences and mask is not None and self.zero_output_for_mask:
            out = zero_masked_outputs(out, mask, self.go_backwards, self.unroll)
        if self.stateful:
            # The C++ engine returns fresh arrays, kept as they are (a streaming call paid two
            # copies). A copy is still taken when the caller gets the states too (return_state)
            # or the output may be one of them (the float64 reference returns h as the output).
            if self.return_state or not isinstance(out, np.ndarray) or any(
                    np.may_share_memory(s, out) for s in states):
                self._states = tuple(s.copy() for s in states)
            else:
                self._states = tuple(states)
        if self.return_state:
            return [out, *states], self._output_masks(mask)
        return out, self._output_masks(mask)

    def _output_masks(self, mask):
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [out_mask] + [None] * self._num_states
        return out_mask

    def _fast_forward(self, x):
        """The common call (a float32 NumPy input of the built feature size, no mask, no
        initial state, on the CPU, weights already packed) straight to the C++ core; None for
        anything else, which takes the general path and its checks. Through the general path
        a one-step streaming call paid ~5 us of Python on top of the op (~2 us); this one
        costs ~1 us (docs/performance.md, change 23)."""
        if not (type(x) is np.ndarray and x.dtype is _F32 and x.ndim == 3
                and x.shape[2] == self.input_spec_dim and x.shape[1] > 0):
            return None
        if self.device is not None and self.device != "cpu":
            return None
        packed = self._packed.get("cpu")
        if packed is None or type(packed.packed) is not _CorePacked:
            return None  # not packed yet, or the float64 reference engine
        states = self._states if self.stateful else None
        if states is not None and (type(states[0]) is not np.ndarray
                                   or states[0].shape[0] != x.shape[0]):
            return None  # CuPy states from a CUDA call, or the general path's error
        # The core itself (ops.rnn_forward's fast path would add ~0.6 us): it checks every
        # shape, converts other dtypes and copies non-contiguous arrays.
        h0 = c0 = None
        if states is not None:
            h0 = states[0]
            c0 = states[1] if len(states) == 2 else None
        out, states = _core.forward(x, packed.packed, h0, c0, None, self.go_backwards,
                                    self.return_sequences)
        if self.stateful:
            # The core's arrays are fresh and the output is none of them; the caller gets
            # the states too only with return_state, so only then does the layer copy them.
            self._states = tuple(s.copy() for s in states) if self.return_state else states
        if self.return_state:
            return [out, *states], [None] * (1 + len(states))
        return out, None

    def call(self, inputs, initial_state=None, mask=None, training=False):
        return self._forward(inputs, mask=mask, training=training,
                             initial_state=initial_state)[0]

    # ----------------------------------------------------------- state
    @property
    def states(self):
        return None if self._states is None else [s.copy() for s in self._states]

    def reset_states(self, states=None) -> None:
        """Forget the carried states (zeros next call), or set them to ``states``."""
        if states is None:
            self._states = None
            return
        states = [as_float_array(s, "state", self._compute_dtype)
                  for s in _as_state_list(states)]
        self._check_state_shapes([s.shape for s in states],
                                 states[0].shape[0] if states and states[0].ndim else None)
        self._states = tuple(s.copy() for s in states)  # NumPy or CuPy, detached

    def reset_state(self) -> None:
        self.reset_states()

    # ----------------------------------------------------------- config
    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            units=self.units, activation=self.activation, use_bias=self.use_bias,
            kernel_initializer=self.kernel_initializer,
            recurrent_initializer=self.recurrent_initializer,
            bias_initializer=self.bias_initializer, seed=self.seed,
            return_sequences=self.return_sequences, return_state=self.return_state,
            go_backwards=self.go_backwards, stateful=self.stateful, unroll=self.unroll,
            zero_output_for_mask=self.zero_output_for_mask, device=self.device,
        )
        if self.time_major:  # Keras 2's; Keras 3 has no such argument
            config["time_major"] = True
        return config

    def _clone(self, **overrides) -> RNNLayer:
        """A fresh, unbuilt layer with the same configuration (weights are not copied)."""
        config = self._clone_config()
        config.update(overrides)
        return type(self)(**config)

    def _clone_config(self) -> dict:
        config = self.get_config()
        config.pop("trainable")
        return config


def _time_major(layer, forward, inputs, mask, **kwargs):
    """Keras 2's ``time_major=True``: the input, its mask and the sequence outputs are
    (timesteps, batch, ...); ``forward`` runs the layer batch-major between transposes (the
    states stay (batch, units))."""
    x = as_float_array(inputs, f"input of {type(layer).__name__} layer {layer.name!r}",
                       layer._compute_dtype)
    layer._check_input_shape(x.shape)
    xp = _backend.array_module(x)
    outs, _ = forward(xp.ascontiguousarray(xp.swapaxes(x, 0, 1)),
                      None if mask is None else xp.asarray(mask).T, **kwargs)
    if layer.return_sequences:
        def swap(y):
            return xp.ascontiguousarray(xp.swapaxes(y, 0, 1))

        if isinstance(outs, list):
            merged = len(outs) - (layer._num_state_outputs() if layer.return_state else 0)
            outs = [swap(y) if i < merged else y for i, y in enumerate(outs)]
        else:
            outs = swap(outs)
    return outs, layer._output_masks(mask)


def _as_state_list(initial_state) -> list:
    """The state arrays, flat: one array, a list, or a list of per-cell lists (stacked cells,
    as Keras's RNN returns them)."""
    return flatten(initial_state)


def _split_training_only(kwargs: dict) -> dict:
    return {k: kwargs.pop(k) for k in _TRAINING_ONLY if k in kwargs}


class SimpleRNN(RNNLayer):
    """Keras ``SimpleRNN``: ``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``.

    Weights: kernel (input_dim, units), recurrent_kernel (units, units), bias (units,).
    """

    _cell = "simple_rnn"
    _num_gates = 1
    _num_states = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        if "recurrent_activation" in kwargs:  # Keras's SimpleRNN has one activation
            raise TypeError(f"unrecognized keyword arguments passed to SimpleRNN: "
                            f"{{'recurrent_activation': {kwargs['recurrent_activation']!r}}}")
        training_only = dict(
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout)
        training_only.update(_split_training_only(kwargs))
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, seed=seed, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful,
            unroll=unroll,
            training_only=training_only, **kwargs)


class GRU(RNNLayer):
    """Keras ``GRU`` (gates z, r, h). Weights: kernel (input_dim, 3u), recurrent_kernel
    (u, 3u), bias (2, 3u) with reset_after=True (the default) or (3u,) without."""

    _cell = "gru"
    _num_gates = 3
    _num_states = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        training_only = dict(
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, use_cudnn=use_cudnn)
        training_only.update(_split_training_only(kwargs))
        super().__init__(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            seed=seed, return_sequences=return_sequences, return_state=return_state,
            go_backwards=go_backwards, stateful=stateful, reset_after=reset_after,
            unroll=unroll, training_only=training_only, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(recurrent_activation=self.recurrent_activation,
                      reset_after=self.reset_after)
        return config


class LSTM(RNNLayer):
    """Keras ``LSTM`` (gates i, f, c, o). Weights: kernel (input_dim, 4u), recurrent_kernel
    (u, 4u), bias (4u,). ``unit_forget_bias=True`` starts the forget-gate bias at 1."""

    _cell = "lstm"
    _num_gates = 4
    _num_states = 2

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        training_only = dict(
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, use_cudnn=use_cudnn)
        training_only.update(_split_training_only(kwargs))
        super().__init__(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, seed=seed, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful,
            unroll=unroll,
            training_only=training_only, **kwargs)

    def _initial_bias(self, rng) -> np.ndarray:
        u = self.units
        if not self.unit_forget_bias:
            return self._bias_init((4 * u,), rng)
        return np.concatenate([self._bias_init((u,), rng), np.ones(u),
                               self._bias_init((2 * u,), rng)])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(recurrent_activation=self.recurrent_activation,
                      unit_forget_bias=self.unit_forget_bias)
        return config


# --------------------------------------------------------------------------- Bidirectional


class Bidirectional(Layer):
    """Keras ``Bidirectional``: a forward copy of ``layer`` and a backward copy
    (go_backwards flipped), run concurrently where the engine can, merged by ``merge_mode``
    (``"concat"``, ``"sum"``, ``"mul"``, ``"ave"`` or ``None`` for a list).

    Weights: the forward layer's, then the backward layer's. With return_state the outputs
    are ``[merged..., forward states..., backward states...]``. With return_sequences, masked
    steps output zeros (Keras sets zero_output_for_mask on both copies).
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, (RNNLayer, UserCellRNN)):
            raise ValueError(
                "Bidirectional needs a SimpleRNN, GRU, LSTM or RNN layer instance; got "
                f"{layer!r}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"invalid merge_mode {merge_mode!r}; merge_mode should be one of "
                "{'sum', 'mul', 'ave', 'concat', None}"
            )
        if layer.built:
            raise ValueError(
                f"the layer {layer.name!r} passed to Bidirectional is already built; pass an "
                "unbuilt layer (Bidirectional makes fresh forward and backward copies)"
            )
        super().__init__(weights=weights, **kwargs)
        zero = layer.return_sequences
        base = layer.name[len("forward_"):] if layer.name.startswith("forward_") else layer.name
        self.forward_layer = layer._clone(name="forward_" + base, zero_output_for_mask=zero)
        if backward_layer is None:
            self.backward_layer = layer._clone(
                name="backward_" + base, go_backwards=not layer.go_backwards,
                zero_output_for_mask=zero)
        else:
            if not isinstance(backward_layer, (RNNLayer, UserCellRNN)):
                raise ValueError(f"backward_layer must be an RNN layer, got {backward_layer!r}")
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError(
                    "forward layer and backward_layer must have different go_backwards "
                    f"values; both have go_backwards={layer.go_backwards}"
                )
            for attr in ("return_sequences", "return_state", "stateful"):
                if getattr(backward_layer, attr) != getattr(layer, attr):
                    raise ValueError(
                        f"forward layer and backward_layer must have the same {attr}; got "
                        f"{getattr(layer, attr)} and {getattr(backward_layer, attr)}"
                    )
            backward_layer.zero_output_for_mask = zero
            self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = layer.stateful
        if self._batch_input_shape is None and layer._batch_input_shape is not None:
            self._batch_input_shape = layer._batch_input_shape

    @property
    def layer(self) -> RNNLayer | UserCellRNN:
        return self.forward_layer

    def build(self, input_shape) -> None:
        self.forward_layer._ensure_built(input_shape)
        self.backward_layer._ensure_built(input_shape)
        self.built = True

    def _check_input_shape(self, shape) -> None:
        self.forward_layer._check_input_shape(shape)
        self.backward_layer._check_input_shape(shape)  # a backward_layer given built

    # weights: forward's then backward's
    def get_weights(self) -> list[np.ndarray]:
        return self.forward_layer.get_weights() + self.backward_layer.get_weights()

    @property
    def weights(self):
        return self.forward_layer.weights + self.backward_layer.weights

    def _expected_weight_shapes(self):
        return (self.forward_layer._expected_weight_shapes()
                + self.backward_layer._expected_weight_shapes())

    def set_weights(self, weights) -> None:
        parts = [self.forward_layer, self.backward_layer]
        names = [f"{side} {n}" for side, part in zip(("forward", "backward"), parts)
                 for n in ([n for _, n in part._param_names]
                           or [w.path for w in part.weights])]
        set_parts_weights(parts, check_parts_weights(self, names, parts, weights))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"you tried to call count_params on layer {self.name!r}, but the layer isn't "
                "built; call it on an input or give it an input shape first"
            )
        return self.forward_layer.count_params() + self.backward_layer.count_params()

    # shapes
    def compute_output_shape(self, input_shape):
        fw = self.forward_layer.compute_output_shape(input_shape)
        out = fw[0] if self.return_state else fw
        states = fw[1:] if self.return_state else []
        if self.merge_mode == "concat":
            outs = [(*out[:-1], out[-1] * 2)]
        elif self.merge_mode is None:
            outs = [out, out]
        else:
            outs = [out]
        if self.return_state:
            return outs + list(states) * 2
        return outs if self.merge_mode is None else outs[0]

    def _multi_output(self) -> bool:
        return self.return_state or self.merge_mode is None

    def _symbolic_output_shapes(self, input_shape, initial_state=None, mask=None, **kwargs):
        if kwargs:
            raise TypeError(f"Bidirectional got unexpected call arguments {sorted(kwargs)}")
        if initial_state is not None:
            states = _as_state_list(initial_state)
            self._check_state_count(len(states))
            half = len(states) // 2
            shapes = [s.shape if isinstance(s, KerasTensor) else np.shape(s) for s in states]
            batch = input_shape[1 if self.time_major else 0]
            self.forward_layer._check_state_shapes(shapes[:half], batch)
            self.backward_layer._check_state_shapes(shapes[half:], batch)
        out = self.compute_output_shape(input_shape)
        return out if self._multi_output() else [out]

    def _check_state_count(self, n: int) -> None:
        expected = self.forward_layer._num_states + self.backward_layer._num_states
        if n != expected:
            raise ValueError(
                f"Bidirectional layer {self.name!r} expects {expected} initial states (the "
                f"forward layer's, then the backward layer's), got {n}"
            )

    # running
    @property
    def time_major(self) -> bool:
        return bool(getattr(self.forward_layer, "time_major", False))

    def _num_state_outputs(self) -> int:
        return self.forward_layer._num_states + self.backward_layer._num_states

    def _forward(self, inputs, mask=None, training=False, initial_state=None, **kwargs):
        if self.time_major:
            return _time_major(self, self._batch_major_forward, inputs, mask,
                               training=training, initial_state=initial_state, **kwargs)
        return self._batch_major_forward(inputs, mask, training, initial_state, **kwargs)

    def _batch_major_forward(self, inputs, mask=None, training=False, initial_state=None,
                             **kwargs):
        if kwargs:
            raise TypeError(f"Bidirectional got unexpected call arguments {sorted(kwargs)}")
        fw, bw = self.forward_layer, self.backward_layer
        x = as_float_array(inputs, f"input of Bidirectional layer {self.name!r}",
                           fw._compute_dtype)
        self._check_input_shape(x.shape)
        self._ensure_built(x.shape)
        batch, timesteps = x.shape[0], x.shape[1]
        mask = check_mask(mask, batch, timesteps)
        init_fw = init_bw = None
        if initial_state is not None:
            states = _as_state_list(initial_state)
            self._check_state_count(len(states))
            half = fw._num_states
            init_fw = fw._initial_state_arrays(states[:half], batch)
            init_bw = bw._initial_state_arrays(states[half:], batch)
        else:
            init_fw = fw._initial_state_arrays(None, batch)
            init_bw = bw._initial_state_arrays(None, batch)
        device_fw = _backend.resolve_device(fw.device, x)
        device_bw = _backend.resolve_device(bw.device, x)
        if (not fw.go_backwards and bw.go_backwards and device_fw == device_bw
                and fw.return_sequences == bw.return_sequences
                and fw._one_kernel and bw._one_kernel):
            (y_fw, s_fw), (y_bw, s_bw) = _backend.bidirectional_forward(
                x, fw._get_packed(device_fw), bw._get_packed(device_bw),
                initial_state_fw=init_fw, initial_state_bw=init_bw, mask=mask,
                return_sequences=self.return_sequences)
        else:
            y_fw, s_fw = fw._run(x, mask, init_fw, device_fw)
            y_bw, s_bw = bw._run(x, mask, init_bw, device_bw)
        xp = _backend.array_module(y_fw)
        if self.return_sequences:
            # Outputs are in each layer's processing order. Inside Bidirectional, masked steps
            # output zeros (Keras forces zero_output_for_mask), in that order. Then Keras (2 and
            # 3) reverses the backward layer's output, whatever the go_backwards values: both
            # come out in input time order for the usual pair, reversed when the wrapped layer
            # itself has go_backwards=True.
            if mask is not None:
                y_fw = zero_masked_outputs(y_fw, mask, fw.go_backwards, fw.unroll)
                y_bw = zero_masked_outputs(y_bw, mask, bw.go_backwards, bw.unroll)
        # What each wrapped layer returns in Keras (its activity regularizer's input).
        observe_outputs(fw, [y_fw, *s_fw] if self.return_state else y_fw)
        observe_outputs(bw, [y_bw, *s_bw] if self.return_state else y_bw)
        if self.return_sequences:
            y_bw = y_bw[:, ::-1]
            y_fw = xp.ascontiguousarray(y_fw)
            y_bw = xp.ascontiguousarray(y_bw)
        if self.stateful:
            fw._states = tuple(s.copy() for s in s_fw)
            bw._states = tuple(s.copy() for s in s_bw)
        if self.merge_mode == "concat":
            merged = [xp.concatenate([y_fw, y_bw], axis=-1)]
        elif self.merge_mode == "sum":
            merged = [y_fw + y_bw]
        elif self.merge_mode == "mul":
            merged = [y_fw * y_bw]
        elif self.merge_mode == "ave":
            merged = [(y_fw + y_bw) / 2]
        else:
            merged = [y_fw, y_bw]
        masks = self._output_masks(mask)
        if self.return_state:
            return merged + list(s_fw) + list(s_bw), masks
        if self.merge_mode is None:
            return merged, masks
        return merged[0], masks

    def _output_masks(self, mask):
        out_mask = mask if self.return_sequences else None
        if self.merge_mode is not None and not self.return_state:
            return out_mask
        masks = [out_mask] * (1 if self.merge_mode is not None else 2)
        if self.return_state:
            masks += [None] * (self.forward_layer._num_states + self.backward_layer._num_states)
        return masks

    def call(self, inputs, initial_state=None, mask=None, training=False):
        return self._forward(inputs, mask=mask, training=training,
                             initial_state=initial_state)[0]

    def reset_states(self, states=None) -> None:
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        states = _as_state_list(states)
        self._check_state_count(len(states))
        half = self.forward_layer._num_states
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    def reset_state(self) -> None:
        self.reset_states()

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(merge_mode=self.merge_mode, layer=serialize_layer(self.forward_layer),
                      backward_layer=serialize_layer(self.backward_layer))
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        for key in ("layer", "backward_layer"):
            if key in config:
                config[key] = deserialize_layer(config[key], custom_objects)
        return cls(**config)

