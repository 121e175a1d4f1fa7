"""Serving recurrent layers trained in PyTorch: their parameters in Keras's layout.

A ``torch.nn.RNN`` / ``GRU`` / ``LSTM`` layer computes exactly what fusedrnn's ``SimpleRNN`` /
``GRU(reset_after=True)`` / ``LSTM`` compute with these weights (``SEMANTICS.md``):

- kernel = W_ih.T, recurrent_kernel = W_hh.T;
- RNN and LSTM: bias = b_ih + b_hh (LSTM gates i, f, g, o are Keras's i, f, c, o);
- GRU: torch's gate order r, z, n becomes Keras's z, r, h, and the two biases stay apart:
  bias = [b_ih, b_hh], shape (2, 3 * units).

Only the parameters are converted: ``batch_first=False`` modules take (timesteps, batch,
features) inputs where fusedrnn takes (batch, timesteps, features), and a torch RNN with
``nonlinearity="relu"`` needs ``SimpleRNN(..., activation="relu")``. Neither torch nor any
other package is needed here; tensors are accepted and converted with NumPy.

    import torch, fusedrnn
    from fusedrnn.torch_compat import keras_weights_from_state_dict
    net = torch.nn.LSTM(32, 64, num_layers=2, bidirectional=True, batch_first=True)
    model = fusedrnn.models.Sequential([
        fusedrnn.layers.Input((None, 32)),
        fusedrnn.layers.Bidirectional(fusedrnn.layers.LSTM(64, return_sequences=True)),
        fusedrnn.layers.Bidirectional(fusedrnn.layers.LSTM(64, return_sequences=True)),
    ])
    sd = net.state_dict()
    model.set_weights(keras_weights_from_state_dict(sd, "lstm", layer=0, bidirectional=True)
                      + keras_weights_from_state_dict(sd, "lstm", layer=1, bidirectional=True))
"""

from __future__ import annotations

import numpy as np

__all__ = ["keras_weights_from_torch", "keras_weights_from_state_dict"]

_GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}


def _array(value, what: str) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor, without importing torch
        value = value.detach().cpu().numpy()
    a = np.asarray(value)
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"{what} must be a numeric array or tensor, got dtype {a.dtype}")
    return a.astype(np.float32)


def _gru_order(a: np.ndarray, units: int) -> np.ndarray:
    """torch r, z, n -> Keras z, r, h along the first axis, and back (it swaps the first two
    blocks, so it is its own inverse)."""
    return np.concatenate([a[units:2 * units], a[:units], a[2 * units:]], axis=0)


def keras_weights_from_torch(cell, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """``[kernel, recurrent_kernel(, bias)]`` for fusedrnn's layer equal to one torch layer.

    ``cell``: "simple_rnn" (torch RNN), "gru" (use ``GRU(reset_after=True)``, Keras's default)
    or "lstm". ``weight_ih`` (gates*units, input_dim), ``weight_hh`` (gates*units, units), the
    biases (gates*units,) or both None (torch ``bias=False``: build the layer with
    ``use_bias=False``). Raises ValueError naming the expected shapes.
    """
    if cell not in _GATES:
        raise ValueError(f"unknown cell {cell!r}; expected one of {', '.join(_GATES)}")
    g = _GATES[cell]
    w_ih, w_hh = _array(weight_ih, "weight_ih"), _array(weight_hh, "weight_hh")
    if w_hh.ndim != 2 or w_hh.shape[0] != g * w_hh.shape[1]:
        raise ValueError(
            f"weight_hh of a torch {cell} must have shape ({g} * units, units), got {w_hh.shape}"
        )
    units = w_hh.shape[1]
    if w_ih.ndim != 2 or w_ih.shape[0] != g * units:
        raise ValueError(
            f"weight_ih must have shape ({g * units}, input_dim) for {units} units, got "
            f"{w_ih.shape}"
        )
    if (bias_ih is None) != (bias_hh is None):
        raise ValueError("give both bias_ih and bias_hh, or neither (torch bias=False)")
    biases = []
    if bias_ih is not None:
        b_ih, b_hh = _array(bias_ih, "bias_ih"), _array(bias_hh, "bias_hh")
        for name, b in (("bias_ih", b_ih), ("bias_hh", b_hh)):
            if b.shape != (g * units,):
                raise ValueError(f"{name} must have shape ({g * units},), got {b.shape}")
        biases = [b_ih, b_hh]
    if cell == "gru":
        w_ih, w_hh = _gru_order(w_ih, units), _gru_order(w_hh, units)
        biases = [_gru_order(b, units) for b in biases]
    weights = [np.ascontiguousarray(w_ih.T), np.ascontiguousarray(w_hh.T)]
    if biases:
        if cell == "gru":
            weights.append(np.stack(biases))
        else:
            # torch adds both biases; Keras's one bias is their sum
            weights.append((biases[0].astype(np.float64) + biases[1]).astype(np.float32))
    return weights


def keras_weights_from_state_dict(state_dict, cell, layer=0, bidirectional=False):
    """The Keras-order weights of layer ``layer`` of a torch ``nn.RNN/GRU/LSTM`` from its
    ``state_dict()`` (keys ``weight_ih_l{layer}``, ..., ``*_reverse`` for the backward
    direction): for ``SimpleRNN/GRU/LSTM`` or, with ``bidirectional=True``, for
    ``Bidirectional(...)`` (forward weights, then backward)."""
    if not hasattr(state_dict, "keys") or not hasattr(state_dict, "get"):
        raise TypeError(
            f"state_dict must be a mapping of parameter names to arrays (module.state_dict()), "
            f"got {type(state_dict).__name__}"
        )
    suffixes = ["", "_reverse"] if bidirectional else [""]
    weights = []
    for suffix in suffixes:
        key = f"l{layer}{suffix}"
        for name in ("weight_ih", "weight_hh"):
            if f"{name}_{key}" not in state_dict:
                present = sorted(k for k in state_dict if k.startswith(name + "_"))
                raise ValueError(
                    f"state_dict has no {name}_{key} (it has {present}); check layer= and "
                    f"bidirectional="
                )
        weights += keras_weights_from_torch(
            cell,
            state_dict[f"weight_ih_{key}"],
            state_dict[f"weight_hh_{key}"],
            state_dict.get(f"bias_ih_{key}"),
            state_dict.get(f"bias_hh_{key}"),
        )
    return weights
