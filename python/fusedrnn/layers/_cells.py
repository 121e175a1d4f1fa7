"""Keras's generic recurrent layer ``RNN(cell)`` and the cells it runs: SimpleRNNCell, GRUCell,
LSTMCell and StackedRNNCells (a list of cells).

``RNN(LSTMCell(64))`` computes what ``LSTM(64)`` computes, with the same fused kernels. A stack
``RNN([GRUCell(64), LSTMCell(32)])`` feeds each cell's output at a step to the next cell at
that step; fusedrnn runs it as one fused layer per cell over the whole sequence, which gives
the same numbers (a masked step keeps every cell's state and repeats the last output, in both).
Custom cell classes (Python code in ``call``) are not supported.

Weights live in the cells, in Keras's order (each cell's kernel, recurrent_kernel, bias), so
``rnn.get_weights()`` and Keras files line up with Keras's. Calling a cell directly runs one
step: ``h, [h, c] = lstm_cell(x_t, [h, c])``. ``LSTM(...).cell`` (Keras 3's attribute) is a
cell over that layer's own weights.

Outputs with ``return_state=True``: one cell gives ``[output, *states]``, as ``LSTM``; a stack
gives ``[output, states of cell 0, states of cell 1, ...]`` where a cell with two states (LSTM)
contributes the list ``[h, c]`` and a cell with one state its ``h`` (the structure of Keras
3's symbolic outputs; Keras 3's eager call wraps a one-state cell's ``h`` in a list too).
``initial_state`` takes that structure, or the same arrays flat.
"""

from __future__ import annotations

import inspect

import numpy as np

from .. import _backend
from ._base import (
    Layer,
    as_float_array,
    check_parts_weights,
    deserialize_layer,
    has_symbolic,
    serialize_layer,
    set_parts_weights,
)
from ._rnn import _TRAINING_ONLY, GRU, LSTM, RNNLayer, SimpleRNN

__all__ = ["GRUCell", "LSTMCell", "RNN", "SimpleRNNCell", "StackedRNNCells"]

# Arguments of the recurrent layers that belong to the RNN wrapper, not to a cell.
_LAYER_ONLY = {"self", "units", "kwargs", "return_sequences", "return_state", "go_backwards",
               "stateful", "unroll", "time_major", "zero_output_for_mask", "input_length",
               "input_dim", "training_only", "use_cudnn"}
# Arguments of the recurrent layers that configure a cell, not the RNN wrapper.
_CELL_ONLY = {"activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias", "reset_after",
              "seed", "training_only"} | set(_TRAINING_ONLY)


class _Cell(Layer):
    """A cell: one step of SimpleRNN, GRU or LSTM. Its weights and configuration live in a
    private layer of that class (``_layer``), which runs it on the fused kernels."""

    _layer_class: type = SimpleRNN

    def __init__(self, units, **kwargs):
        base = {k: kwargs.pop(k) for k in ("name", "dtype", "trainable") if k in kwargs}
        accepted = (set(inspect.signature(self._layer_class.__init__).parameters)
                    | set(_TRAINING_ONLY)) - _LAYER_ONLY
        unknown = sorted(set(kwargs) - accepted)
        if unknown:
            raise TypeError(
                f"unrecognized keyword arguments passed to {type(self).__name__}: {unknown}"
            )
        super().__init__(**base)
        self._layer = self._layer_class(units, name=self.name, dtype=base.get("dtype"),
                                        **kwargs)
        self._layer.trainable = self.trainable

    # configuration, read from the layer that runs the cell
    @property
    def units(self) -> int:
        return self._layer.units

    @property
    def activation(self) -> str:
        return self._layer.activation

    @property
    def recurrent_activation(self) -> str:
        return self._layer.recurrent_activation

    @property
    def use_bias(self) -> bool:
        return self._layer.use_bias

    @property
    def _num_states(self) -> int:
        return self._layer._num_states

    @property
    def state_size(self):
        return self._layer.state_size

    @property
    def output_size(self) -> int:
        return self.units

    # weights
    @property
    def built(self) -> bool:
        return self.__dict__.get("_layer") is not None and self._layer.built

    @built.setter
    def built(self, value) -> None:  # Layer.__init__ sets it; the inner layer decides
        pass

    def build(self, input_shape) -> None:
        input_dim = input_shape[-1]
        if self._layer.built:
            if input_dim != self._layer.input_spec_dim:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r} was built for input_dim "
                    f"{self._layer.input_spec_dim}; got input_dim {input_dim}"
                )
            return
        self._layer._ensure_built((None, None, input_dim))

    @property
    def weights(self):
        return self._layer.weights

    def get_weights(self) -> list[np.ndarray]:
        return self._layer.get_weights()

    def set_weights(self, weights) -> None:
        self._layer.set_weights(weights)

    def _expected_weight_shapes(self):
        return self._layer._expected_weight_shapes()

    @property
    def _param_names(self):
        return self._layer._param_names

    @_param_names.setter
    def _param_names(self, value) -> None:  # Layer.__init__ sets it; the inner layer holds it
        pass

    def _variable(self, key: str):
        for w in self._layer.weights:
            if w.name == key:
                return w
        raise AttributeError(f"{type(self).__name__} {self.name!r} has no {key} "
                             f"({'use_bias=False' if key == 'bias' else 'not built yet'})")

    @property
    def kernel(self):
        return self._variable("kernel")

    @property
    def recurrent_kernel(self):
        return self._variable("recurrent_kernel")

    @property
    def bias(self):
        return self._variable("bias")

    # one step
    def __call__(self, inputs, states=None, training=False):
        """One step: ``inputs`` (batch, features), ``states`` the previous states (a list, or
        one array for a one-state cell; None: zeros). Returns ``(output, new_states)``; the new
        states are a list when the states were given as one, as Keras's cells do."""
        if has_symbolic(inputs) or has_symbolic(states):
            raise TypeError(
                f"{type(self).__name__} runs eagerly on arrays in fusedrnn; to use a cell in a "
                "model, wrap it in RNN(cell)"
            )
        x = as_float_array(inputs, f"input of {type(self).__name__} {self.name!r}",
                           self._layer._compute_dtype)
        if x.ndim != 2:
            raise ValueError(
                f"input of {type(self).__name__} {self.name!r} must have rank 2 (batch, "
                f"features); got shape {tuple(x.shape)}"
            )
        self._ensure_built(x.shape)
        if x.shape[-1] != self._layer.input_spec_dim:
            raise ValueError(
                f"input of {type(self).__name__} {self.name!r} has {x.shape[-1]} features, "
                f"but the cell was built for {self._layer.input_spec_dim}"
            )
        listed = states is None or isinstance(states, (list, tuple))
        init = self._layer._initial_state_arrays(states, x.shape[0])
        device = _backend.resolve_device(self._layer.device, x)
        out, new = _backend.rnn_forward(x[:, None, :], self._layer._get_packed(device),
                                        initial_state=init, return_sequences=False)
        return out, (list(new) if listed or len(new) > 1 else new[0])

    def get_config(self) -> dict:
        config = self._layer.get_config()
        for key in ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                    "zero_output_for_mask", "device"):
            config.pop(key, None)
        config.update(name=self.name, trainable=self.trainable, dtype=self.dtype)
        return config

    def _fresh(self) -> _Cell:
        """An unbuilt cell with this configuration (weights not copied)."""
        return type(self)(**self.get_config())


class SimpleRNNCell(_Cell):
    """Keras ``SimpleRNNCell``: one step of SimpleRNN (weights kernel, recurrent_kernel,
    bias)."""

    _layer_class = SimpleRNN


class GRUCell(_Cell):
    """Keras ``GRUCell``: one step of GRU (``reset_after=True`` by default)."""

    _layer_class = GRU

    @property
    def reset_after(self) -> bool:
        return self._layer.reset_after


class LSTMCell(_Cell):
    """Keras ``LSTMCell``: one step of LSTM; states ``[h, c]``."""

    _layer_class = LSTM

    @property
    def unit_forget_bias(self) -> bool:
        return self._layer.unit_forget_bias


def cell_view(layer: RNNLayer) -> _Cell:
    """A cell over the weights of an existing SimpleRNN, GRU or LSTM layer (its ``cell``)."""
    cls = {SimpleRNN: SimpleRNNCell, GRU: GRUCell, LSTM: LSTMCell}[type(layer)]
    cell = cls.__new__(cls)
    Layer.__init__(cell, name=cls._base_name(), dtype=layer.dtype)
    cell._layer = layer
    return cell


def _check_cells(cells, what: str) -> list[_Cell]:
    cells = list(cells)
    if not cells:
        raise ValueError(f"{what} needs at least one cell")
    for cell in cells:
        if not isinstance(cell, _Cell):
            raise ValueError(
                f"{what} runs SimpleRNNCell, GRUCell and LSTMCell (fusedrnn's kernels), or one "
                f"cell written by subclassing (a Layer with call(inputs, states) and a "
                f"state_size); got {cell!r}"
            )
    return cells


class StackedRNNCells(Layer):
    """Keras ``StackedRNNCells``: cells applied one after the other at each step."""

    def __init__(self, cells, **kwargs):
        self.cells = _check_cells(cells, "StackedRNNCells")
        super().__init__(**kwargs)

    @property
    def state_size(self) -> list:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        return self.cells[-1].output_size

    @property
    def built(self) -> bool:
        return all(c.built for c in self.cells)

    @built.setter
    def built(self, value) -> None:  # the cells decide
        pass

    def build(self, input_shape) -> None:
        dim = input_shape[-1]
        for cell in self.cells:
            cell.build((None, dim))
            dim = cell.units

    @property
    def weights(self):
        return [w for c in self.cells for w in c.weights]

    def get_weights(self) -> list[np.ndarray]:
        return [w for c in self.cells for w in c.get_weights()]

    def _expected_weight_shapes(self):
        return [s for c in self.cells for s in c._expected_weight_shapes()]

    def set_weights(self, weights) -> None:
        _set_cell_weights(self, self.cells, weights)

    def __call__(self, inputs, states=None, training=False):
        """One step through every cell; ``states`` one entry per cell (None: zeros).
        Returns ``(output, [new states of each cell])``."""
        if states is None:
            states = [None] * len(self.cells)
        if not isinstance(states, (list, tuple)) or len(states) != len(self.cells):
            raise ValueError(
                f"StackedRNNCells {self.name!r} needs a list of {len(self.cells)} states, one "
                f"entry per cell; got {type(states).__name__}"
                + (f" of {len(states)}" if isinstance(states, (list, tuple)) else "")
            )
        x, new = inputs, []
        for cell, s in zip(self.cells, states):
            x, s = cell(x, s, training=training)
            new.append(s)
        return x, new

    def get_config(self) -> dict:
        config = super().get_config()
        config["cells"] = [serialize_layer(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        config["cells"] = [deserialize_layer(c, custom_objects) for c in config.get("cells", [])]
        return cls(**config)


def _set_cell_weights(owner, cells, weights) -> None:
    """Check every array against the cells' shapes, then set each cell's share."""
    names = [f"{c.name}/{n}" for c in cells for _, n in c._param_names]
    set_parts_weights(cells, check_parts_weights(owner, names, cells, weights))


class RNN(RNNLayer):
    """Keras ``RNN(cell)``: ``cell`` is a SimpleRNNCell, GRUCell or LSTMCell, or a list of them
    (or a StackedRNNCells). Arguments as Keras's: return_sequences, return_state, go_backwards,
    stateful, unroll (see _rnn's docstring), zero_output_for_mask; Keras 2's time_major (False
    only), input_shape, input_length/input_dim. See the module docstring for the outputs."""

    def __new__(cls, cell=None, *args, **kwargs):
        if getattr(cell, "_user_call", False):  # a cell written by subclassing: a Python loop
            from ._custom import RNN as UserCellRNN

            return UserCellRNN(cell, *args, **kwargs)
        return super().__new__(cls)

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if isinstance(cell, StackedRNNCells):
            cells = cell.cells
        else:
            cells = _check_cells([cell], "RNN")
        misplaced = sorted(set(kwargs) & _CELL_ONLY)
        if misplaced:
            raise TypeError(
                f"unrecognized keyword arguments passed to RNN: {misplaced} (they configure "
                "the cell: pass them to the cell's constructor)"
            )
        self._given_cell = cell
        self._cells: list[_Cell] = cells
        self._stacked = isinstance(cell, StackedRNNCells)
        self._sole = cells[0]._layer if len(cells) == 1 else None  # runs a one-cell RNN
        super().__init__(cells[-1].units, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, zero_output_for_mask=zero_output_for_mask,
                         unroll=unroll, **kwargs)
        self._num_states = sum(c._num_states for c in cells)

    @property
    def cell(self):
        """The cell given (a list of cells became a StackedRNNCells)."""
        return self._given_cell

    @property
    def _one_kernel(self) -> bool:
        return self._sole is not None

    @property
    def state_size(self):
        return self.cell.state_size

    def _state_widths(self) -> list[int]:
        return [c.units for c in self._cells for _ in range(c._num_states)]

    # weights: the cells'
    def build(self, input_shape) -> None:
        input_dim = dim = self._feature_size(input_shape)
        for cell in self._cells:
            cell.build((None, dim))
            dim = cell.units
        self._param_names = [(None, f"{c.name}/{n}") for c in self._cells
                             for _, n in c._param_names]
        self.input_spec_dim = input_dim
        self.built = True

    @property
    def weights(self):
        return [w for c in self._cells for w in c.weights]

    def get_weights(self) -> list[np.ndarray]:
        return [w for c in self._cells for w in c.get_weights()]

    def _expected_weight_shapes(self):
        return [s for c in self._cells for s in c._expected_weight_shapes()]

    def set_weights(self, weights) -> None:
        _set_cell_weights(self, self._cells, weights)

    @property
    def _packed(self) -> dict:
        """One cell: its packed kernels, so the layer's fast call path (change 23 of
        docs/performance.md) serves RNN(cell) as it serves LSTM; a stack takes the general
        path."""
        return self._sole._packed if self._sole is not None else {}

    @_packed.setter
    def _packed(self, value) -> None:  # RNNLayer resets it; the cell's layer owns it
        pass

    def _get_packed(self, device: str):
        if self._sole is None:
            raise RuntimeError("a stack of cells has one packed kernel per cell")
        return self._sole._get_packed(device)

    # running: one fused layer per cell over the whole sequence
    def _run(self, x, mask, initial_state, device):
        seq, states, start = x, [], 0
        for i, cell in enumerate(self._cells):
            n = cell._num_states
            init = None if initial_state is None else initial_state[start:start + n]
            start += n
            first, last = i == 0, i == len(self._cells) - 1
            seq, st = _backend.rnn_forward(
                seq, cell._layer._get_packed(device), initial_state=init, mask=mask,
                go_backwards=self.go_backwards and first,
                return_sequences=self.return_sequences or not last)
            if first and self.go_backwards and mask is not None:
                mask = mask[:, ::-1]  # the next cells read the sequence in processing order
            states.extend(st)
        return seq, tuple(states)

    def __call__(self, inputs, *args, **kwargs):
        outputs = Layer.__call__(self, inputs, *args, **kwargs)
        return self._nest(outputs) if self._stacked and self.return_state else outputs

    def _nest(self, outputs):
        """A stack's flat ``[output, *states]`` as ``[output, states per cell...]``."""
        nested, rest = [outputs[0]], list(outputs[1:])
        for cell in self._cells:
            n = cell._num_states
            nested.append(rest[:n] if n > 1 else rest[0])
            rest = rest[n:]
        return nested

    # configuration
    def get_config(self) -> dict:
        config = Layer.get_config(self)
        config.update(
            return_sequences=self.return_sequences, return_state=self.return_state,
            go_backwards=self.go_backwards, stateful=self.stateful, unroll=self.unroll,
            zero_output_for_mask=self.zero_output_for_mask, cell=serialize_layer(self.cell),
            device=self.device)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        cell = config.get("cell")
        config["cell"] = ([deserialize_layer(c, custom_objects) for c in cell]
                          if isinstance(cell, list) else deserialize_layer(cell, custom_objects))
        return cls(**config)

    def _clone(self, **overrides) -> RNN:
        config = self.get_config()
        config.pop("trainable")
        config.update(overrides)
        cells = [c._fresh() for c in self._cells]
        config["cell"] = StackedRNNCells(cells, name=self.cell.name) if self._stacked else cells[0]
        return RNN(**config)
