"""The one place where Keras-style layers reach the compute engines.

Layers never call ``fusedrnn.ops``, ``fusedrnn.cuda`` or ``fusedrnn.reference`` directly; they
call :func:`pack` once per weight set and :func:`rnn_forward` / :func:`bidirectional_forward`
per call. The engine is chosen here:

* ``device="cuda"`` or a CuPy input -> ``fusedrnn.cuda`` (imported lazily, on first use);
* a float32 computation on the CPU -> ``fusedrnn.ops`` (the C++ kernels);
* a float64 layer (``dtype="float64"``) -> ``fusedrnn.reference``, which computes in float64;
* a float32 layer whose activation the kernels do not run (``softsign``, ``elu``, ...; they
  run ``fusedrnn.ops.ACTIVATIONS``) -> ``fusedrnn.reference`` in float32, NumPy steps in
  Python. The layer warns when it is made (:func:`warn_numpy_steps`).

There is no silent fallback from the C++ kernels to the (slow) reference for float32 work.

Outputs come back as the input's array type: NumPy in, NumPy out; CuPy in, CuPy out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "Packed",
    "array_module",
    "bidirectional_forward",
    "cpu_engine_name",
    "is_cupy_array",
    "pack",
    "resolve_device",
    "rnn_forward",
    "to_numpy",
]

_DEVICES = (None, "cpu", "cuda")


def is_cupy_array(x: Any) -> bool:
    """True for a ``cupy.ndarray`` (checked without importing CuPy)."""
    t = type(x)
    return t is not np.ndarray and t.__module__.split(".")[0] == "cupy"


def array_module(x: Any):
    """``cupy`` for a CuPy array, else ``numpy``."""
    if is_cupy_array(x):
        import cupy

        return cupy
    return np


def to_numpy(x: Any) -> np.ndarray:
    if type(x) is np.ndarray:
        return x
    if is_cupy_array(x):
        return x.get()
    return np.asarray(x)


def resolve_device(device: str | None, x: Any) -> str:
    """``"cuda"`` when asked for or when ``x`` is a CuPy array, else ``"cpu"``."""
    if device not in _DEVICES:
        raise ValueError(f"device must be None, 'cpu' or 'cuda'; got {device!r}")
    if device == "cuda" or is_cupy_array(x):
        return "cuda"
    return "cpu"


def _cuda_module():
    try:
        from . import cuda
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "device='cuda' needs fusedrnn's CUDA path and CuPy; install it with "
            "`pip install fusedrnn[cuda]` (cupy-cuda12x) on a machine with an NVIDIA GPU "
            f"({exc})"
        ) from exc
    return cuda


_CPU_OPS: Any = None


def _cpu_ops():
    """``fusedrnn.ops``: the C++ kernels do all float32 CPU work. There is no silent fallback to
    the slow reference: ``import fusedrnn`` already fails if the compiled core is missing."""
    global _CPU_OPS
    if _CPU_OPS is None:
        from . import ops

        _CPU_OPS = ops
    return _CPU_OPS


def cpu_engine_name() -> str:
    """The engine of float32 CPU work: always ``"ops"`` (the C++ kernels)."""
    _cpu_ops()
    return "ops"


class _ReferencePacked:
    """The ``PackedWeights`` interface over plain arrays, for the reference engine."""

    def __init__(self, cell, kernel, recurrent_kernel, bias, activation, recurrent_activation,
                 reset_after, dtype):
        self.cell = cell
        self.kernel = np.asarray(kernel, dtype=dtype)
        self.recurrent_kernel = np.asarray(recurrent_kernel, dtype=dtype)
        self.bias = None if bias is None else np.asarray(bias, dtype=dtype)
        self.activation = activation
        self.recurrent_activation = recurrent_activation
        self.reset_after = reset_after
        self.use_bias = bias is not None
        self.units = self.recurrent_kernel.shape[0]
        self.input_dim = self.kernel.shape[0]
        self.num_states = 2 if cell == "lstm" else 1

    def options(self) -> dict:
        opts = {"activation": self.activation}
        if self.cell != "simple_rnn":
            opts["recurrent_activation"] = self.recurrent_activation
        if self.cell == "gru":
            opts["reset_after"] = self.reset_after
        return opts


class _ReferenceEngine:
    """Exposes ``fusedrnn.reference`` with the ``fusedrnn.ops`` signatures."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def pack_weights(self, cell, kernel, recurrent_kernel, bias=None, *, activation="tanh",
                     recurrent_activation="sigmoid", reset_after=True):
        return _ReferencePacked(cell, kernel, recurrent_kernel, bias, activation,
                                recurrent_activation, reset_after, self.dtype)

    def rnn_forward(self, x, packed, initial_state=None, mask=None, go_backwards=False,
                    return_sequences=True):
        from . import reference

        x = np.asarray(x, dtype=self.dtype)
        if initial_state is not None:
            initial_state = [np.asarray(s, dtype=self.dtype) for s in initial_state]
        return reference.rnn(
            packed.cell, x, packed.kernel, packed.recurrent_kernel, packed.bias,
            initial_state=initial_state, mask=mask, go_backwards=go_backwards,
            return_sequences=return_sequences, **packed.options(),
        )

    def bidirectional_forward(self, x, packed_fw, packed_bw, initial_state_fw=None,
                              initial_state_bw=None, mask=None, return_sequences=True):
        fw = self.rnn_forward(x, packed_fw, initial_state_fw, mask, False, return_sequences)
        bw = self.rnn_forward(x, packed_bw, initial_state_bw, mask, True, return_sequences)
        return fw, bw


def _kernel_activations() -> tuple[str, ...]:
    """The activations the C++ and CUDA kernels compute (``fusedrnn.ops.ACTIVATIONS``); a
    layer with any other runs on the reference engine."""
    from .ops import ACTIVATIONS

    return ACTIVATIONS


def kernels_run(*activations: str) -> bool:
    """Whether the fused kernels compute these activations."""
    return all(a in _kernel_activations() for a in activations)


def warn_numpy_steps(layer, activations) -> None:
    """The warning of a layer whose activations only the NumPy step path computes."""
    import warnings

    known = _kernel_activations()
    other = sorted({a for a in activations if a not in known})
    warnings.warn(
        f"{type(layer).__name__} layer {layer.name!r}: the fused kernels compute "
        f"{', '.join(known)}, not {', '.join(repr(a) for a in other)}; this layer runs its "
        f"steps in NumPy (float32, Keras's activation functions), many times slower",
        UserWarning, stacklevel=3)


def _engine(device: str, dtype, activations=("tanh",)) -> Any:
    if device == "cuda":
        if not kernels_run(*activations):
            known = _kernel_activations()
            raise ValueError(
                f"the CUDA kernels compute {', '.join(known)}; a layer with "
                f"{', '.join(a for a in activations if a not in known)} runs on the CPU "
                f"(device='cpu')")
        return _cuda_module()
    if np.dtype(dtype) == np.float64:
        return _ReferenceEngine(np.float64)
    if not kernels_run(*activations):
        return _ReferenceEngine(np.float32)
    return _cpu_ops()


class Packed:
    """Packed weights of one RNN layer for one (device, dtype) engine."""

    def __init__(self, engine, packed, device, dtype):
        self.engine = engine
        self.packed = packed
        self.device = device
        self.dtype = np.dtype(dtype)


def pack(cell: str, kernel, recurrent_kernel, bias, *, activation: str,
         recurrent_activation: str = "sigmoid", reset_after: bool = True,
         device: str = "cpu", dtype=np.float32) -> Packed:
    """Pack one layer's weights (Keras layout, NumPy arrays) for ``device``."""
    activations = (activation,) if cell == "simple_rnn" else (activation, recurrent_activation)
    engine = _engine(device, dtype, activations)
    if device == "cuda":
        import cupy

        kernel, recurrent_kernel = (cupy.asarray(a, dtype=np.float32)
                                    for a in (kernel, recurrent_kernel))
        bias = None if bias is None else cupy.asarray(bias, dtype=np.float32)
    else:
        dt = np.dtype(dtype)
        kernel = np.ascontiguousarray(kernel, dtype=dt)
        recurrent_kernel = np.ascontiguousarray(recurrent_kernel, dtype=dt)
        bias = None if bias is None else np.ascontiguousarray(bias, dtype=dt)
    packed = engine.pack_weights(cell, kernel, recurrent_kernel, bias, activation=activation,
                                 recurrent_activation=recurrent_activation,
                                 reset_after=reset_after)
    return Packed(engine, packed, device, dtype)


def _to_engine_array(a, device: str, dtype):
    if a is None:
        return None
    if type(a) is np.ndarray and device != "cuda" and a.dtype == dtype and a.flags.c_contiguous:
        return a  # the common case (a streaming call pays this for x and each state)
    if device == "cuda":
        import cupy

        return cupy.ascontiguousarray(cupy.asarray(a, dtype=np.float32))
    return np.ascontiguousarray(to_numpy(a), dtype=dtype)


def _to_engine_mask(mask, device: str):
    if mask is None:
        return None
    if device == "cuda":
        import cupy

        return cupy.ascontiguousarray(cupy.asarray(mask, dtype=bool))
    return np.ascontiguousarray(to_numpy(mask), dtype=bool)


def _states(states, device, dtype):
    if states is None:
        return None
    return [_to_engine_array(s, device, dtype) for s in states]


def _to_caller(out, states, device: str, want_cupy: bool):
    """``(out, states tuple)`` for the caller: a CUDA run's CuPy arrays become NumPy for a NumPy
    caller; everything else is returned as the engine gave it."""
    if device == "cuda" and not want_cupy:
        return to_numpy(out), tuple(to_numpy(s) for s in states)
    return out, tuple(states)


def _empty_result(x, packed: Packed, initial_state, return_sequences, xp):
    """Result for an empty batch or zero timesteps, without calling a kernel."""
    batch, timesteps = x.shape[0], x.shape[1]
    units = packed.packed.units
    dt = packed.dtype
    if initial_state is None:
        states = tuple(xp.zeros((batch, units), dtype=dt)
                       for _ in range(packed.packed.num_states))
    else:
        states = tuple(xp.asarray(s, dtype=dt).copy() for s in initial_state)
    if return_sequences:
        out = xp.zeros((batch, timesteps, units), dtype=dt)
    else:
        out = xp.zeros((batch, units), dtype=dt)
    return out, states


def rnn_forward(x, packed: Packed, initial_state=None, mask=None, go_backwards=False,
                return_sequences=True):
    """Run one RNN layer. ``x`` (batch, timesteps, input_dim) -> (output, states tuple)."""
    want_cupy = is_cupy_array(x)
    xe = _to_engine_array(x, packed.device, packed.dtype)
    init = _states(initial_state, packed.device, packed.dtype)
    if xe.shape[0] == 0 or xe.shape[1] == 0:
        xp = array_module(xe)
        out, states = _empty_result(xe, packed, init, return_sequences, xp)
    else:
        out, states = packed.engine.rnn_forward(
            xe, packed.packed, initial_state=init, mask=_to_engine_mask(mask, packed.device),
            go_backwards=go_backwards, return_sequences=return_sequences)
    return _to_caller(out, states, packed.device, want_cupy)


def bidirectional_forward(x, packed_fw: Packed, packed_bw: Packed, initial_state_fw=None,
                          initial_state_bw=None, mask=None, return_sequences=True):
    """Both directions of a Bidirectional layer (forward, then go_backwards), concurrently
    where the engine can. Returns ((out_fw, states_fw), (out_bw, states_bw)); ``out_bw`` is in
    the backward layer's processing order."""
    want_cupy = is_cupy_array(x)
    xe = _to_engine_array(x, packed_fw.device, packed_fw.dtype)
    init_fw = _states(initial_state_fw, packed_fw.device, packed_fw.dtype)
    init_bw = _states(initial_state_bw, packed_bw.device, packed_bw.dtype)
    if xe.shape[0] == 0 or xe.shape[1] == 0:
        xp = array_module(xe)
        fw = _empty_result(xe, packed_fw, init_fw, return_sequences, xp)
        bw = _empty_result(xe, packed_bw, init_bw, return_sequences, xp)
    elif packed_fw.engine is packed_bw.engine and packed_fw.dtype == packed_bw.dtype:
        fw, bw = packed_fw.engine.bidirectional_forward(
            xe, packed_fw.packed, packed_bw.packed, initial_state_fw=init_fw,
            initial_state_bw=init_bw, mask=_to_engine_mask(mask, packed_fw.device),
            return_sequences=return_sequences)
    else:
        fw = rnn_forward(xe, packed_fw, init_fw, mask, False, return_sequences)
        bw = rnn_forward(xe, packed_bw, init_bw, mask, True, return_sequences)
    return (_to_caller(*fw, packed_fw.device, want_cupy),
            _to_caller(*bw, packed_bw.device, want_cupy))
