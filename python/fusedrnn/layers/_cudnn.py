"""Keras 2's ``CuDNNLSTM`` and ``CuDNNGRU``: the LSTM and the GRU that TensorFlow ran only on
a GPU, through cuDNN (``keras.layers.CuDNNLSTM`` in Keras 2.0-2.3,
``tf.compat.v1.keras.layers.CuDNNLSTM`` in TensorFlow). Models trained with them could not
run on a CPU at all; fusedrnn runs them anywhere, on its LSTM and GRU kernels.

The math is a Keras ``LSTM`` (tanh, sigmoid) and a ``GRU(reset_after=True)`` with its two
biases. The weights are kept as those layers keep them, which is what their files hold:

- the kernel (input_dim, G*units) holds, per gate, the bytes of cuDNN's row-major
  (units, input_dim) matrix W (the gate's input is ``W @ x``): Keras 2 handed each
  (input_dim, units) block to cuDNN flattened, without transposing it;
- the recurrent kernel (units, G*units) holds, per gate, cuDNN's (units, units) matrix R, so
  Keras's recurrent block is its transpose;
- the bias (2*G*units,) is the input biases, then the recurrent biases.

Gates are in Keras's order within each (LSTM i, f, c, o; GRU z, r, h). Keras 2 converts
between these weights and an LSTM's or a GRU(reset_after=True)'s when a file of one is loaded
into the other (``_convert_rnn_weights`` in its legacy HDF5 loader); ``convert_weights`` is
that conversion, which fusedrnn's loaders apply in the same cases.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ._base import Layer
from ._rnn import GRU, LSTM, RNNLayer, _split_training_only

__all__ = ["CuDNNGRU", "CuDNNLSTM", "convert_weights", "is_cudnn"]

_CellSpec = namedtuple("cell", "state_size")


def _per_gate(matrix: np.ndarray, gates: int, fn) -> np.ndarray:
    return np.hstack([fn(block) for block in np.hsplit(np.asarray(matrix), gates)])


def _input_block_from_cudnn(block: np.ndarray) -> np.ndarray:
    # The block's bytes, row-major, are cuDNN's (units, input_dim) W; Keras's block is W.T.
    rows, cols = block.shape
    return np.ascontiguousarray(block).reshape(cols, rows).T


def _input_block_to_cudnn(block: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(block.T).reshape(block.shape)


def from_cudnn(weights, gates: int, lstm: bool) -> list[np.ndarray]:
    """cuDNN-layer weights (kernel, recurrent kernel, bias) as an LSTM's or a
    GRU(reset_after=True)'s."""
    kernel, recurrent, bias = weights
    bias = np.asarray(bias)
    halves = bias.reshape(2, -1)
    return [_per_gate(kernel, gates, _input_block_from_cudnn),
            _per_gate(recurrent, gates, np.transpose),
            (halves[0] + halves[1]) if lstm else halves.copy()]


def to_cudnn(weights, gates: int, lstm: bool) -> list[np.ndarray]:
    """An LSTM's or a GRU(reset_after=True)'s weights as a cuDNN layer's (an LSTM's one bias
    is split in two halves, whose sum is all that counts)."""
    kernel, recurrent, bias = weights
    bias = np.asarray(bias)
    return [_per_gate(kernel, gates, _input_block_to_cudnn),
            _per_gate(recurrent, gates, np.transpose),
            np.tile(0.5 * bias, 2) if lstm else bias.reshape(-1)]


def is_cudnn(layer) -> bool:
    return isinstance(layer, _CuDNNRNN)


def convert_weights(layer, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Keras 2's conversion on loading: the arrays of a CuDNNLSTM into an LSTM (and back), of
    a CuDNNGRU into a GRU(reset_after=True) (and back), told apart by the bias's shape;
    Bidirectional's halves each. Anything else is returned as it is (a wrong shape is reported
    by the caller's shape check). ValueError for CuDNNGRU weights and a GRU(reset_after=False),
    which computes something else."""
    from ._rnn import Bidirectional

    if isinstance(layer, Bidirectional):
        n = len(layer.forward_layer._expected_weight_shapes())
        if len(arrays) != 2 * n:
            return arrays
        return (convert_weights(layer.forward_layer, arrays[:n])
                + convert_weights(layer.backward_layer, arrays[n:]))
    if not isinstance(layer, (LSTM, GRU, _CuDNNRNN)) or len(arrays) != 3:
        return arrays
    lstm = layer._cell == "lstm"
    gates = 4 if lstm else 3
    units = np.shape(arrays[1])[0]
    bias_shape = np.shape(arrays[2])
    from_cudnn_file = bias_shape == (2 * gates * units,)
    if is_cudnn(layer) == from_cudnn_file:
        return arrays
    if not lstm and not is_cudnn(layer) and not layer.reset_after:
        if from_cudnn_file:
            raise ValueError(
                f"the file holds CuDNNGRU weights, which GRU layer {layer.name!r} with "
                f"reset_after=False cannot take (they compute reset_after=True's GRU); build "
                f"it with reset_after=True")
        return arrays
    if from_cudnn_file:
        return from_cudnn(arrays, gates, lstm)
    if bias_shape != ((2, gates * units) if not lstm else (gates * units,)):
        return arrays  # not an LSTM's or a GRU(reset_after=True)'s: the shape check says so
    return to_cudnn(arrays, gates, lstm)


class _CuDNNRNN(RNNLayer):
    """What CuDNNLSTM and CuDNNGRU share. Keras 2's layers take no activations, no use_bias,
    no dropout and no masks."""

    _plain: type[RNNLayer]  # the Keras 3 layer it computes, which it is saved as

    def __init__(self, units, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=False, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, time_major=False, **kwargs):
        training_only = _split_training_only(kwargs)
        kwargs.pop("zero_output_for_mask", None)  # Bidirectional's copies: no masks here
        super().__init__(
            units, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful,
            time_major=time_major, training_only=training_only, **kwargs)
        self.supports_masking = False

    @property
    def cell(self):
        """As Keras 2's: only the state size (there is no cell to run a step with)."""
        return _CellSpec(state_size=tuple(self._state_widths()) if self._num_states > 1
                         else self.units)

    def _bias_shape(self) -> tuple[int, ...]:
        return (2 * self._num_gates * self.units,)

    def _standard_weights(self) -> list[np.ndarray]:
        return from_cudnn([self._params[k] for k in ("kernel", "recurrent_kernel", "bias")],
                          self._num_gates, self._cell == "lstm")

    def _forward(self, inputs, mask=None, training=False, initial_state=None, **kwargs):
        if mask is not None:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} got a mask: masking "
                             f"is not supported for CuDNN RNNs (as in Keras)")
        return super()._forward(inputs, training=training, initial_state=initial_state,
                                **kwargs)

    def get_config(self) -> dict:
        config = Layer.get_config(self)
        config.update(
            return_sequences=self.return_sequences, return_state=self.return_state,
            go_backwards=self.go_backwards, stateful=self.stateful, time_major=self.time_major,
            units=self.units, kernel_initializer=self.kernel_initializer,
            recurrent_initializer=self.recurrent_initializer,
            bias_initializer=self.bias_initializer, device=self.device)
        return config

    def _keras3_config(self) -> dict:
        """The config of the Keras 3 layer that computes the same, which saving writes."""
        config = self.get_config()
        if not config["time_major"]:  # else kept, for saving to refuse
            del config["time_major"]
        config.update(recurrent_activation="sigmoid", activation="tanh")
        if self._cell == "gru":
            config["reset_after"] = True
        return self._plain(**config).get_config()


class CuDNNLSTM(_CuDNNRNN):
    """Keras 2's ``CuDNNLSTM``: an LSTM (tanh, sigmoid) with cuDNN's weights: kernel
    (input_dim, 4u), recurrent_kernel (u, 4u), bias (8u,) (see the module)."""

    _cell = "lstm"
    _num_gates = 4
    _num_states = 2
    _plain = LSTM

    def __init__(self, units, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                         **kwargs)

    def _initial_bias(self, rng) -> np.ndarray:
        u = self.units
        if not self.unit_forget_bias:
            return self._bias_init((8 * u,), rng)
        # As Keras 2: the recurrent forget bias starts at 1.
        return np.concatenate([self._bias_init((5 * u,), rng), np.ones(u),
                               self._bias_init((2 * u,), rng)])

    def get_config(self) -> dict:
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class CuDNNGRU(_CuDNNRNN):
    """Keras 2's ``CuDNNGRU``: a GRU(reset_after=True) (tanh, sigmoid) with cuDNN's weights:
    kernel (input_dim, 3u), recurrent_kernel (u, 3u), bias (6u,) (see the module)."""

    _cell = "gru"
    _num_gates = 3
    _num_states = 1
    _plain = GRU

    def __init__(self, units, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", **kwargs):
        super().__init__(units, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, **kwargs)
