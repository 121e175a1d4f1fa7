"""The fused CPU kernels on NumPy arrays: the low-level API the layers call.

Weights are packed once (`pack_weights`) into the layout the kernels stream; a forward pass
then takes the packed object. Inputs are validated here and converted to float32 C-contiguous
arrays; wrong ranks or sizes raise ValueError naming the expected shape.

Semantics are those of `fusedrnn.reference` (Keras's): masked steps keep the states and repeat
the previous output (zeros before the first real step); go_backwards returns the sequence in
processing order.

The module also has Keras 3's ``keras.ops`` tensor functions (``mean``, ``concatenate``,
``softmax``, ...; see ``fusedrnn._keras_ops``), so that ``from keras import ops`` becomes
``from fusedrnn import ops``: on arrays they compute at once, on symbolic tensors they add the
operation to a functional model's graph.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import _core, _keras_ops

__all__ = [
    "CELLS",
    "ACTIVATIONS",
    "PackedWeights",
    "pack_weights",
    "rnn_forward",
    "bidirectional_forward",
    "simple_rnn_forward",
    "gru_forward",
    "lstm_forward",
    *_keras_ops.__all__,
]

CELLS = ("simple_rnn", "gru", "lstm")
ACTIVATIONS = ("tanh", "sigmoid", "hard_sigmoid", "hard_sigmoid_keras2", "relu", "linear")
_GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}

PackedWeights = _core.PackedWeights


def _plain(a) -> bool:
    """A float32 C-contiguous ndarray: what the core takes as it is."""
    return type(a) is np.ndarray and a.dtype == np.float32 and a.flags.c_contiguous


_ndarray = np.ndarray
_F32 = np.dtype(np.float32)


def _f32(a) -> bool:
    """A float32 ndarray (the fast path's test, ~0.1 us cheaper than _plain: the core itself
    copies one that is not C-contiguous). A float32 dtype that is not NumPy's canonical
    object (another byte order) fails it and takes the checked path."""
    return type(a) is _ndarray and a.dtype is _F32


def _float_array(a, what: str) -> np.ndarray:
    if _plain(a):
        return a  # the common case, checked cheaply (streaming calls pay this per step)
    arr = np.asarray(a)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating)
        or np.issubdtype(arr.dtype, np.integer)
        or arr.dtype == np.bool_
    ):
        raise TypeError(f"{what} must be a numeric array, got dtype {arr.dtype}")
    return np.asarray(arr, dtype=np.float32, order="C")  # (ascontiguousarray makes 0-d 1-d)


def _activation_name(name, what: str) -> str:
    if name is None:
        return "linear"
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown {what} {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    return name


def pack_weights(
    cell: str,
    kernel,
    recurrent_kernel,
    bias=None,
    *,
    activation: str = "tanh",
    recurrent_activation: str = "sigmoid",
    reset_after: bool = True,
) -> PackedWeights:
    """Packs Keras-layout weights for `cell` ('simple_rnn', 'gru', 'lstm').

    kernel: (input_dim, G*units); recurrent_kernel: (units, G*units); bias: SimpleRNN (units,),
    GRU reset_after=True (2, 3*units), GRU reset_after=False (3*units,), LSTM (4*units,), or None.
    G = 1, 3, 4 gates in Keras's order (GRU z r h, LSTM i f c o).
    """
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; expected one of {', '.join(CELLS)}")
    g = _GATES[cell]
    k = _float_array(kernel, "kernel")
    rk = _float_array(recurrent_kernel, "recurrent_kernel")
    if rk.ndim != 2 or rk.shape[0] < 1 or rk.shape[1] != g * rk.shape[0]:
        raise ValueError(
            f"recurrent_kernel of a {cell} must have shape (units, {g}*units), got {rk.shape}"
        )
    units = rk.shape[0]
    if k.ndim != 2 or k.shape[0] < 1 or k.shape[1] != g * units:
        raise ValueError(
            f"kernel of a {cell} with {units} units must have shape (input_dim, {g * units}), "
            f"got {k.shape}"
        )
    b = None
    if bias is not None:
        b = _float_array(bias, "bias")
        want = (2, g * units) if (cell == "gru" and reset_after) else (g * units,)
        if b.shape != want:
            raise ValueError(f"bias of this {cell} must have shape {want}, got {b.shape}")
    return _core.pack_weights(
        cell,
        k,
        rk,
        b,
        _activation_name(activation, "activation"),
        _activation_name(recurrent_activation, "recurrent_activation"),
        bool(reset_after) if cell == "gru" else False,
    )


def _prepare_x(x, packed: PackedWeights) -> np.ndarray:
    if not isinstance(packed, PackedWeights):
        raise TypeError(
            f"packed must be a PackedWeights from pack_weights, got {type(packed).__name__}"
        )
    xa = _float_array(x, "x")
    if xa.ndim != 3:
        raise ValueError(
            f"x must have rank 3 (batch, timesteps, input_dim={packed.input_dim}), "
            f"got shape {xa.shape}"
        )
    if xa.shape[2] != packed.input_dim:
        raise ValueError(
            f"x has input_dim {xa.shape[2]} but the weights expect {packed.input_dim} "
            f"(x shape {xa.shape})"
        )
    if xa.shape[1] < 1:
        raise ValueError(f"x must have at least one timestep, got shape {xa.shape}")
    return xa


def _prepare_states(initial_state, packed: PackedWeights, batch: int):
    if initial_state is None:
        return None, None
    if isinstance(initial_state, np.ndarray) or not isinstance(
        initial_state, (list, tuple, Sequence)
    ):
        initial_state = [initial_state]
    n = packed.num_states
    if len(initial_state) != n:
        names = "[h, c]" if n == 2 else "[h]"
        raise ValueError(
            f"a {packed.cell} takes {n} initial state(s) {names}, got {len(initial_state)}"
        )
    states = []
    for name, s in zip("hc", initial_state):
        sa = _float_array(s, f"initial state {name}")
        if sa.shape != (batch, packed.units):
            raise ValueError(
                f"initial state {name} must have shape ({batch}, {packed.units}), got {sa.shape}"
            )
        states.append(sa)
    return states[0], (states[1] if n == 2 else None)


def _prepare_mask(mask, batch: int, timesteps: int):
    if mask is None:
        return None
    m = np.asarray(mask)
    if m.shape != (batch, timesteps):
        raise ValueError(f"mask must have shape ({batch}, {timesteps}), got {m.shape}")
    if m.dtype != np.bool_:
        if not (np.issubdtype(m.dtype, np.integer) or np.issubdtype(m.dtype, np.floating)):
            raise TypeError(f"mask must be boolean, got dtype {m.dtype}")
        m = m != 0
    return np.ascontiguousarray(m)


def _job(x, packed, initial_state, mask, go_backwards, return_sequences):
    xa = _prepare_x(x, packed)
    h0, c0 = _prepare_states(initial_state, packed, xa.shape[0])
    m = _prepare_mask(mask, xa.shape[0], xa.shape[1])
    return (xa, packed, h0, c0, m, bool(go_backwards), bool(return_sequences))


def rnn_forward(
    x,
    packed: PackedWeights,
    initial_state=None,
    mask=None,
    go_backwards: bool = False,
    return_sequences: bool = True,
):
    """Runs one recurrent layer over x (batch, timesteps, input_dim).

    initial_state: None (zeros) or [h] / [h, c] (LSTM), each (batch, units).
    mask: None or bool (batch, timesteps), True = real step.
    Returns (output, states): output (batch, timesteps, units) in processing order, or
    (batch, units) if not return_sequences; states the tuple (h,) or (h, c).
    """
    if mask is None and _f32(x) and x.ndim == 3 and type(packed) is PackedWeights:
        # Fast path (streaming calls pay the Python overhead per step): float32 arrays go
        # straight to the core, which checks every shape with the same messages.
        if initial_state is None:
            return _core.forward(
                x, packed, None, None, None, bool(go_backwards), bool(return_sequences)
            )
        if type(initial_state) in (list, tuple) and len(initial_state) == packed.num_states:
            h0 = initial_state[0]
            c0 = initial_state[1] if len(initial_state) == 2 else None
            if _f32(h0) and (c0 is None or _f32(c0)):
                return _core.forward(
                    x, packed, h0, c0, None, bool(go_backwards), bool(return_sequences)
                )
    return _core.forward(*_job(x, packed, initial_state, mask, go_backwards, return_sequences))


def bidirectional_forward(
    x,
    packed_fw: PackedWeights,
    packed_bw: PackedWeights,
    initial_state_fw=None,
    initial_state_bw=None,
    mask=None,
    return_sequences: bool = True,
):
    """Runs the forward and the backward (go_backwards) layer over x concurrently.

    Returns ((out_fw, states_fw), (out_bw, states_bw)); out_bw is in the backward layer's
    processing order, as go_backwards gives it (flip it along time to align with x).
    """
    jobs = [
        _job(x, packed_fw, initial_state_fw, mask, False, return_sequences),
        _job(x, packed_bw, initial_state_bw, mask, True, return_sequences),
    ]
    fw, bw = _core.forward_many(jobs)
    return (fw[0], fw[1]), (bw[0], bw[1])


def _cell_forward(cell: str):
    def forward(x, packed: PackedWeights, **options):
        if not isinstance(packed, PackedWeights) or packed.cell != cell:
            got = packed.cell if isinstance(packed, PackedWeights) else type(packed).__name__
            raise ValueError(f"{cell}_forward needs weights packed for a {cell}, got {got}")
        return rnn_forward(x, packed, **options)

    forward.__name__ = f"{cell}_forward"
    forward.__doc__ = f"rnn_forward for weights packed as a {cell}."
    return forward


simple_rnn_forward = _cell_forward("simple_rnn")
gru_forward = _cell_forward("gru")
lstm_forward = _cell_forward("lstm")


def __getattr__(name: str):
    # Keras's tensor functions, looked up here so that their names (sum, max, abs, ...) do
    # not shadow Python's builtins in this module.
    if name in _keras_ops.__all__:
        return getattr(_keras_ops, name)
    if name == "image":  # keras.ops.image
        from . import _ops_image

        return _ops_image
    if name in _keras_ops.SUBMODULES:  # keras.ops.numpy, .nn, .linalg, .math, .core
        return _submodule(name)
    raise AttributeError(f"module 'fusedrnn.ops' has no attribute {name!r}")


def _submodule(name: str):
    """The namespace ``fusedrnn.ops.<name>``: Keras's functions of keras.ops.<name> (made
    once; ``import fusedrnn.ops.numpy`` finds it after that)."""
    import sys
    import types

    full = f"{__name__}.{name}"
    module = sys.modules.get(full)
    if module is None:
        module = types.ModuleType(full, f"Keras 3's keras.ops.{name} functions (see "
                                        f"fusedrnn.ops).")
        names = [n for n in _keras_ops.SUBMODULES[name] if hasattr(_keras_ops, n)]
        module.__dict__.update({n: getattr(_keras_ops, n) for n in names})
        module.__all__ = names
        sys.modules[full] = module
    return module


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_keras_ops.__all__) | {"image", *_keras_ops.SUBMODULES})
