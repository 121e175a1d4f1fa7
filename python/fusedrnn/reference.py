"""Plain NumPy reference implementation of Keras SimpleRNN, GRU, LSTM and Dense.

This module is the oracle every fast kernel in ``fusedrnn`` is tested against, so it
is written to be read as the math (see ``SEMANTICS.md``), not to be fast. It imports
nothing but NumPy.

Conventions (Keras weight layout, all matrices applied as ``x @ W``):

* ``x``: ``(batch, timesteps, input_dim)``.
* ``kernel``: ``(input_dim, G * units)``, ``recurrent_kernel``: ``(units, G * units)``
  with ``G`` = 1 (SimpleRNN), 3 (GRU, gate columns z, r, h) or 4 (LSTM, gate columns
  i, f, c, o).
* ``bias``: SimpleRNN ``(units,)``; GRU ``(2, 3 * units)`` when ``reset_after=True``
  (row 0 input bias, row 1 recurrent bias) or ``(3 * units,)`` when ``reset_after=False``;
  LSTM ``(4 * units,)``; ``None`` means no bias (``use_bias=False``).
* ``initial_state``: ``None`` (zeros) or a list/tuple of ``(batch, units)`` arrays:
  ``[h]``, or ``[h, c]`` for LSTM.
* ``mask``: ``None`` or bool ``(batch, timesteps)``, True = real step, indexed by real
  time (so it is reversed together with ``x`` when ``go_backwards=True``). A masked step
  leaves every state unchanged and emits the previous emitted output, which starts at
  zeros (TensorFlow backend behaviour).
* Results are computed in float64 if any array input is float64, else in float32.

Every RNN function returns ``(output, states)``: ``output`` is
``(batch, timesteps, units)`` in processing order when ``return_sequences`` is true,
else the last emitted output ``(batch, units)``; ``states`` is ``(h,)`` or ``(h, c)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "CELLS",
    "dense",
    "get_activation",
    "gru",
    "lstm",
    "num_gates",
    "num_states",
    "rnn",
    "simple_rnn",
]


# --------------------------------------------------------------------------- activations


def _tanh(x: np.ndarray) -> np.ndarray:
    return np.tanh(x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic sigmoid: never evaluates exp of a positive number."""
    e = np.exp(-np.abs(x))  # in (0, 1], no overflow
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _hard_sigmoid(x: np.ndarray) -> np.ndarray:
    """Keras 3 hard_sigmoid: relu6(x + 3) / 6 == clip((x + 3) / 6, 0, 1)."""
    return np.clip((x + 3) / 6, 0, 1)


def _hard_sigmoid_keras2(x: np.ndarray) -> np.ndarray:
    """Keras 2 hard_sigmoid (tf.keras up to TF 2.15, tf_keras): clip(0.2 x + 0.5, 0, 1)."""
    return np.clip(0.2 * x + 0.5, 0, 1)


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def _linear(x: np.ndarray) -> np.ndarray:
    return x


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": _tanh,
    "sigmoid": _sigmoid,
    "hard_sigmoid": _hard_sigmoid,
    "hard_sigmoid_keras2": _hard_sigmoid_keras2,
    "relu": _relu,
    "linear": _linear,
}


def get_activation(name: str | None) -> Callable[[np.ndarray], np.ndarray]:
    """Return the NumPy function for activation ``name``: the six above (what the fused
    kernels run), or any other of Keras's activations that keeps the last axis and takes no
    argument (``softsign``, ``elu``, ``softmax``, ...; Keras's definitions, as Dense computes
    them; not ``glu`` or ``threshold``).

    ``None`` means ``"linear"`` (as in Keras). Raises ValueError for unknown names.
    """
    if name is None:
        name = "linear"
    if isinstance(name, str) and name in ACTIVATIONS:
        return ACTIVATIONS[name]
    from .layers._base import _ACTIVATIONS as KERAS_ACTIVATIONS
    from .layers._base import RNN_ACTIVATIONS  # those that keep the last axis

    if not isinstance(name, str) or name not in RNN_ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}; expected one of {sorted(RNN_ACTIVATIONS)}"
        )
    return KERAS_ACTIVATIONS[name]


# --------------------------------------------------------------------------- cells

CELLS = ("simple_rnn", "gru", "lstm")
_NUM_GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}
_NUM_STATES = {"simple_rnn": 1, "gru": 1, "lstm": 2}


def _check_cell(cell: str) -> str:
    if cell not in _NUM_GATES:
        raise ValueError(f"unknown cell {cell!r}; expected one of {list(CELLS)}")
    return cell


def num_gates(cell: str) -> int:
    """Number of gate blocks G in the kernel columns: 1, 3 (GRU) or 4 (LSTM)."""
    return _NUM_GATES[_check_cell(cell)]


def num_states(cell: str) -> int:
    """Number of recurrent states: 1 (h), or 2 (h, c) for LSTM."""
    return _NUM_STATES[_check_cell(cell)]


# --------------------------------------------------------------------------- validation


def _as_numeric(name: str, a) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr


def _compute_dtype(arrays: Sequence[np.ndarray]) -> np.dtype:
    """float64 if any array is float64, else float32."""
    if any(a.dtype == np.float64 for a in arrays):
        return np.dtype(np.float64)
    return np.dtype(np.float32)


def _expected_bias_shape(cell: str, units: int, reset_after: bool) -> tuple[int, ...]:
    if cell == "simple_rnn":
        return (units,)
    if cell == "gru":
        return (2, 3 * units) if reset_after else (3 * units,)
    return (4 * units,)


def _prepare(
    cell: str,
    x,
    kernel,
    recurrent_kernel,
    bias,
    initial_state,
    mask,
    reset_after: bool = True,
):
    """Validate all inputs; return them as arrays of the compute dtype.

    Returns ``(x, kernel, recurrent_kernel, bias_or_None, states_tuple, mask_or_None)``
    where ``states_tuple`` holds ``num_states(cell)`` arrays of shape ``(batch, units)``
    and ``mask`` is a bool ``(batch, timesteps)`` array.
    """
    gates = num_gates(cell)
    x = _as_numeric("x", x)
    if x.ndim != 3:
        raise ValueError(
            f"x must have rank 3 (batch, timesteps, input_dim), got shape {x.shape}"
        )
    batch, timesteps, input_dim = x.shape

    recurrent_kernel = _as_numeric("recurrent_kernel", recurrent_kernel)
    if recurrent_kernel.ndim != 2:
        raise ValueError(
            f"recurrent_kernel must have rank 2 (units, {gates} * units), "
            f"got shape {recurrent_kernel.shape}"
        )
    units = recurrent_kernel.shape[0]
    if units < 1 or recurrent_kernel.shape != (units, gates * units):
        raise ValueError(
            f"{cell} recurrent_kernel must have shape (units, {gates} * units); "
            f"got {recurrent_kernel.shape}"
        )

    kernel = _as_numeric("kernel", kernel)
    if kernel.shape != (input_dim, gates * units):
        raise ValueError(
            f"{cell} kernel must have shape (input_dim, {gates} * units) = "
            f"{(input_dim, gates * units)} for input_dim={input_dim}, units={units}; "
            f"got {kernel.shape}"
        )

    arrays = [x, kernel, recurrent_kernel]
    if bias is not None:
        bias = _as_numeric("bias", bias)
        expected = _expected_bias_shape(cell, units, reset_after)
        if bias.shape != expected:
            what = f"{cell}" + (f" (reset_after={reset_after})" if cell == "gru" else "")
            raise ValueError(
                f"{what} bias must have shape {expected} for units={units}; got {bias.shape}"
            )
        arrays.append(bias)

    n_states = num_states(cell)
    states = None
    if initial_state is not None:
        if isinstance(initial_state, np.ndarray) and n_states == 1:
            initial_state = [initial_state]
        if not isinstance(initial_state, (list, tuple)):
            raise TypeError(
                f"initial_state must be None or a list/tuple of {n_states} arrays, "
                f"got {type(initial_state).__name__}"
            )
        if len(initial_state) != n_states:
            names = "[h, c]" if n_states == 2 else "[h]"
            raise ValueError(
                f"{cell} needs {n_states} initial state(s) {names}, got {len(initial_state)}"
            )
        states = []
        for i, s in enumerate(initial_state):
            s = _as_numeric(f"initial_state[{i}]", s)
            if s.shape != (batch, units):
                raise ValueError(
                    f"initial_state[{i}] must have shape (batch, units) = {(batch, units)}; "
                    f"got {s.shape}"
                )
            states.append(s)
        arrays.extend(states)

    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != (batch, timesteps):
            raise ValueError(
                f"mask must have shape (batch, timesteps) = {(batch, timesteps)}; "
                f"got {mask.shape}"
            )
        if mask.dtype.kind not in "biu":
            raise TypeError(f"mask must be a boolean array, got dtype {mask.dtype}")
        mask = mask.astype(bool)

    dtype = _compute_dtype(arrays)
    x = x.astype(dtype)
    kernel = kernel.astype(dtype)
    recurrent_kernel = recurrent_kernel.astype(dtype)
    if bias is not None:
        bias = bias.astype(dtype)
    if states is None:
        states = [np.zeros((batch, units), dtype=dtype) for _ in range(n_states)]
    else:
        states = [s.astype(dtype) for s in states]
    return x, kernel, recurrent_kernel, bias, tuple(states), mask


# --------------------------------------------------------------------------- time loop


def _run_time_loop(step, x, states, mask, go_backwards, return_sequences):
    """Run ``step`` over time with Keras masking semantics.

    step(x_t (batch, input_dim), states) -> (output (batch, units), new_states).
    """
    batch, timesteps, _ = x.shape
    units = states[0].shape[1]
    prev_output = np.zeros((batch, units), dtype=x.dtype)
    outputs = []
    time_order = range(timesteps - 1, -1, -1) if go_backwards else range(timesteps)
    for t in time_order:
        output, new_states = step(x[:, t, :], states)
        if mask is not None:
            real = mask[:, t][:, None]  # (batch, 1)
            new_states = tuple(np.where(real, n, s) for n, s in zip(new_states, states))
            output = np.where(real, output, prev_output)
        states = tuple(new_states)
        prev_output = output
        outputs.append(output)
    if return_sequences:
        if outputs:
            result = np.stack(outputs, axis=1)
        else:
            result = np.zeros((batch, 0, units), dtype=x.dtype)
    else:
        result = prev_output
    return result, states


# --------------------------------------------------------------------------- public RNNs


def simple_rnn(
    x,
    kernel,
    recurrent_kernel,
    bias=None,
    *,
    activation="tanh",
    initial_state=None,
    mask=None,
    go_backwards=False,
    return_sequences=True,
):
    """Keras SimpleRNN: ``h = act(x_t @ kernel + bias + h_prev @ recurrent_kernel)``.

    Shapes: x (batch, timesteps, input_dim); kernel (input_dim, units);
    recurrent_kernel (units, units); bias (units,) or None; initial_state [h (batch, units)].
    Returns (output, (h,)) with output (batch, timesteps, units) or (batch, units).
    """
    act = get_activation(activation)
    x, kernel, recurrent_kernel, bias, states, mask = _prepare(
        "simple_rnn", x, kernel, recurrent_kernel, bias, initial_state, mask
    )

    def step(x_t, states):
        (h_prev,) = states
        pre = x_t @ kernel + h_prev @ recurrent_kernel
        if bias is not None:
            pre = pre + bias
        h = act(pre)
        return h, (h,)

    return _run_time_loop(step, x, states, mask, go_backwards, return_sequences)


def gru(
    x,
    kernel,
    recurrent_kernel,
    bias=None,
    *,
    activation="tanh",
    recurrent_activation="sigmoid",
    reset_after=True,
    initial_state=None,
    mask=None,
    go_backwards=False,
    return_sequences=True,
):
    """Keras GRU, gate columns z, r, h.

    reset_after=True (Keras default, bias (2, 3u): row 0 input bias b0, row 1 recurrent b1)::

        z  = rec_act(x Kz + b0z + h_prev Rz + b1z)
        r  = rec_act(x Kr + b0r + h_prev Rr + b1r)
        hh = act(x Kh + b0h + r * (h_prev Rh + b1h))
        h  = z * h_prev + (1 - z) * hh

    reset_after=False (bias (3u,)): ``hh = act(x Kh + bh + (r * h_prev) Rh)``, z and r
    use the single bias.

    Shapes: x (batch, timesteps, input_dim); kernel (input_dim, 3u);
    recurrent_kernel (u, 3u); initial_state [h (batch, u)]. Returns (output, (h,)).
    """
    act = get_activation(activation)
    rec_act = get_activation(recurrent_activation)
    reset_after = bool(reset_after)
    x, kernel, recurrent_kernel, bias, states, mask = _prepare(
        "gru", x, kernel, recurrent_kernel, bias, initial_state, mask, reset_after
    )
    u = recurrent_kernel.shape[0]
    Kz, Kr, Kh = kernel[:, :u], kernel[:, u : 2 * u], kernel[:, 2 * u :]
    Rz, Rr, Rh = (
        recurrent_kernel[:, :u],
        recurrent_kernel[:, u : 2 * u],
        recurrent_kernel[:, 2 * u :],
    )
    zeros = np.zeros(u, dtype=x.dtype)
    if bias is None:
        b_in = b_rec = (zeros, zeros, zeros)
    elif reset_after:
        b_in = (bias[0, :u], bias[0, u : 2 * u], bias[0, 2 * u :])
        b_rec = (bias[1, :u], bias[1, u : 2 * u], bias[1, 2 * u :])
    else:
        b_in = (bias[:u], bias[u : 2 * u], bias[2 * u :])
        b_rec = (zeros, zeros, zeros)

    def step(x_t, states):
        (h_prev,) = states
        z = rec_act(x_t @ Kz + b_in[0] + h_prev @ Rz + b_rec[0])
        r = rec_act(x_t @ Kr + b_in[1] + h_prev @ Rr + b_rec[1])
        if reset_after:
            hh = act(x_t @ Kh + b_in[2] + r * (h_prev @ Rh + b_rec[2]))
        else:
            hh = act(x_t @ Kh + b_in[2] + (r * h_prev) @ Rh)
        h = z * h_prev + (1 - z) * hh
        return h, (h,)

    return _run_time_loop(step, x, states, mask, go_backwards, return_sequences)


def lstm(
    x,
    kernel,
    recurrent_kernel,
    bias=None,
    *,
    activation="tanh",
    recurrent_activation="sigmoid",
    initial_state=None,
    mask=None,
    go_backwards=False,
    return_sequences=True,
):
    """Keras LSTM, gate columns i, f, c, o::

        i = rec_act(x Ki + h_prev Ri + bi)
        f = rec_act(x Kf + h_prev Rf + bf)
        o = rec_act(x Ko + h_prev Ro + bo)
        c = f * c_prev + i * act(x Kc + h_prev Rc + bc)
        h = o * act(c)

    Shapes: x (batch, timesteps, input_dim); kernel (input_dim, 4u);
    recurrent_kernel (u, 4u); bias (4u,) or None; initial_state [h, c] each (batch, u).
    Returns (output, (h, c)).
    """
    act = get_activation(activation)
    rec_act = get_activation(recurrent_activation)
    x, kernel, recurrent_kernel, bias, states, mask = _prepare(
        "lstm", x, kernel, recurrent_kernel, bias, initial_state, mask
    )
    u = recurrent_kernel.shape[0]

    def step(x_t, states):
        h_prev, c_prev = states
        pre = x_t @ kernel + h_prev @ recurrent_kernel  # (batch, 4u)
        if bias is not None:
            pre = pre + bias
        i = rec_act(pre[:, :u])
        f = rec_act(pre[:, u : 2 * u])
        c_candidate = act(pre[:, 2 * u : 3 * u])
        o = rec_act(pre[:, 3 * u :])
        c = f * c_prev + i * c_candidate
        h = o * act(c)
        return h, (h, c)

    return _run_time_loop(step, x, states, mask, go_backwards, return_sequences)


_RNN_FUNCTIONS = {"simple_rnn": simple_rnn, "gru": gru, "lstm": lstm}


def rnn(cell, x, kernel, recurrent_kernel, bias=None, **options):
    """Dispatch to :func:`simple_rnn`, :func:`gru` or :func:`lstm` by ``cell`` name.

    ``options`` are the keyword options of that function. Returns (output, states).
    """
    return _RNN_FUNCTIONS[_check_cell(cell)](x, kernel, recurrent_kernel, bias, **options)


# --------------------------------------------------------------------------- dense


def dense(x, kernel, bias=None, activation="linear"):
    """Keras Dense: ``act(x @ kernel + bias)``.

    Shapes: x (..., input_dim) with rank >= 1; kernel (input_dim, units); bias (units,)
    or None. Returns (..., units), float64 if any input is float64 else float32.
    """
    act = get_activation(activation)
    x = _as_numeric("x", x)
    kernel = _as_numeric("kernel", kernel)
    if x.ndim < 1:
        raise ValueError("x must have rank >= 1 (..., input_dim), got a scalar")
    if kernel.ndim != 2 or kernel.shape[0] != x.shape[-1]:
        raise ValueError(
            f"dense kernel must have shape (input_dim, units) with input_dim={x.shape[-1]}; "
            f"got {kernel.shape}"
        )
    arrays = [x, kernel]
    if bias is not None:
        bias = _as_numeric("bias", bias)
        if bias.shape != (kernel.shape[1],):
            raise ValueError(
                f"dense bias must have shape (units,) = {(kernel.shape[1],)}; got {bias.shape}"
            )
        arrays.append(bias)
    dtype = _compute_dtype(arrays)
    y = x.astype(dtype) @ kernel.astype(dtype)
    if bias is not None:
        y = y + bias.astype(dtype)
    return act(y)
