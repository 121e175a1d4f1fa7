"""CuPy implementation of fusedrnn.cuda: the same ops as fusedrnn.ops, on the GPU.

The input projection for all timesteps is one cuBLAS GEMM (cupy.matmul); the recurrence is a
persistent cooperative kernel (rnn_kernels.cu: ``rnn_persistent``) that keeps each block's
slice of the recurrent weights in shared memory for the whole sequence and meets the other
blocks at a grid barrier after each step.  Sizes whose weights do not fit in the GPU's shared
memory run a per-step fallback (one cuBLAS GEMM + one epilogue kernel per step).

CuPy is imported on first use, never at import time.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CudaPackedWeights",
    "bidirectional_forward",
    "is_available",
    "pack_weights",
    "rnn_forward",
]

_INSTALL_HINT = (
    "fusedrnn.cuda needs CuPy and an NVIDIA GPU: install the CuPy build matching your CUDA "
    "toolkit, e.g. `pip install cupy-cuda12x` (CUDA 12) or `pip install cupy-cuda13x` (CUDA 13), "
    "or `pip install fusedrnn[cuda]`"
)

CELLS = ("simple_rnn", "gru", "lstm")
_NUM_GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}
_NUM_STATES = {"simple_rnn": 1, "gru": 1, "lstm": 2}
ACTIVATION_CODES = {"tanh": 0, "sigmoid": 1, "hard_sigmoid": 2, "relu": 3, "linear": 4,
                    "hard_sigmoid_keras2": 5}
# Kernel cell codes (rnn_kernels.cu FUSEDRNN_CELL_*).
_CELL_SIMPLE, _CELL_GRU, _CELL_GRU_RB, _CELL_LSTM = 0, 1, 2, 3
_THREADS = 256
_MAX_COLUMNS = 64  # per block and phase: the accumulators live in registers
ALGORITHMS = ("auto", "persistent", "stepwise")
_MIN_UNITS_SMALL_BATCH = {"simple_rnn": 8, "gru": 2, "lstm": 4}

_cupy: Any = None
_lock = threading.Lock()
_modules: dict[tuple, Any] = {}
_cooperative_ok: list[bool] = []  # [False] once a cooperative module failed to build/launch
_source_cache: list[str] = []
_profile: list | None = None  # benchmarks set a list: (start, end) events of each persistent launch


def _cp():
    """Import CuPy once and check that a GPU is usable; one clear error otherwise."""
    global _cupy
    if _cupy is not None:
        return _cupy
    try:
        import cupy
    except Exception as exc:  # ImportError, or a broken install raising something else
        raise ImportError(f"{_INSTALL_HINT} (importing cupy failed: {exc})") from exc
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        raise RuntimeError(
            f"CuPy is installed but no CUDA GPU is usable ({exc}). {_INSTALL_HINT}"
        ) from exc
    if n < 1:
        raise RuntimeError(f"CuPy is installed but sees no CUDA GPU. {_INSTALL_HINT}")
    _cupy = cupy
    return cupy


def is_available() -> bool:
    """True when CuPy imports and a CUDA GPU is visible (never raises)."""
    try:
        _cp()
    except (ImportError, RuntimeError):
        return False
    return True


def kernel_source() -> str:
    """The text of rnn_kernels.cu (shipped as package data beside this file)."""
    if not _source_cache:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn_kernels.cu")
        with open(path, encoding="utf-8") as f:
            _source_cache.append(f.read())
    return _source_cache[0]


_functions: dict[tuple, Any] = {}


def _get_kernel(name: str, cooperative: bool = False, smem: int = 0):
    """The compiled kernel ``name``, with its dynamic shared-memory limit raised to ``smem``."""
    key = (name, cooperative, _cp().cuda.runtime.getDevice())
    entry = _functions.get(key)
    if entry is None:
        entry = _functions[key] = [_build_kernel(name, cooperative), 48 * 1024]
    if smem > entry[1]:
        entry[0].max_dynamic_shared_size_bytes = smem
        entry[1] = smem
    return entry[0]


def _build_kernel(name: str, cooperative: bool = False):
    """Compile (once per process; CuPy also caches on disk) the module holding ``name``.

    cooperative=True builds it for cuLaunchCooperativeKernel, so the driver refuses (rather than
    deadlocks) a grid whose blocks cannot all be resident at once.
    """
    cp = _cp()
    key = (name, cooperative)
    with _lock:
        mod = _modules.get(key)
        if mod is None:
            mod = cp.RawModule(
                code=kernel_source(),
                options=("-std=c++17",),
                name_expressions=[name],
                enable_cooperative_groups=cooperative,
            )
            fn = mod.get_function(name)  # compiles now, so a failure surfaces here
            _modules[key] = mod
            return fn
        return mod.get_function(name)


def persistent_launch_mode() -> str:
    """'cooperative' unless building a cooperative module failed here (then 'plain')."""
    return "plain" if _cooperative_ok else "cooperative"


# --------------------------------------------------------------------------- validation


def _host(a, name: str) -> np.ndarray:
    """A host float array from a NumPy/CuPy/array-like input, rejecting non-numeric dtypes."""
    if hasattr(a, "__cuda_array_interface__") and not isinstance(a, np.ndarray):
        a = _cp().asnumpy(a)
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr


def _activation_code(name, what: str) -> int:
    if name is None:
        name = "linear"
    if not isinstance(name, str) or name not in ACTIVATION_CODES:
        raise ValueError(f"unknown {what} {name!r}; expected one of {sorted(ACTIVATION_CODES)}")
    return ACTIVATION_CODES[name]


@dataclass
class CudaPackedWeights:
    """Weights of one recurrent layer, uploaded to the GPU once.

    kernel (input_dim, G*units), recurrent_kernel (units, G*units), input_bias (G*units,) (added
    to the input projection), recurrent_bias (G*units,) (GRU reset_after=True only, else zeros);
    block packings of the recurrent kernel for the persistent kernel are made on first use.
    """

    cell: str
    units: int
    input_dim: int
    activation: str
    recurrent_activation: str
    reset_after: bool
    use_bias: bool
    kernel: Any
    recurrent_kernel: Any
    input_bias: Any
    recurrent_bias: Any
    recurrent_kernel_host: np.ndarray = field(repr=False)
    _blocks: dict = field(default_factory=dict, repr=False)

    @property
    def num_gates(self) -> int:
        return _NUM_GATES[self.cell]

    @property
    def num_states(self) -> int:
        return _NUM_STATES[self.cell]

    @property
    def cell_code(self) -> int:
        if self.cell == "simple_rnn":
            return _CELL_SIMPLE
        if self.cell == "lstm":
            return _CELL_LSTM
        return _CELL_GRU if self.reset_after else _CELL_GRU_RB


def pack_weights(
    cell: str,
    kernel,
    recurrent_kernel,
    bias=None,
    *,
    activation: str = "tanh",
    recurrent_activation: str = "sigmoid",
    reset_after: bool = True,
) -> CudaPackedWeights:
    """Validate Keras-layout weights and upload them to the GPU (float32).

    Same arguments as fusedrnn.ops.pack_weights.  Shapes are checked before CuPy is imported,
    so bad input raises ValueError/TypeError even on a machine without a GPU.
    """
    if cell not in _NUM_GATES:
        raise ValueError(f"unknown cell {cell!r}; expected one of {list(CELLS)}")
    act = activation if activation is not None else "linear"
    ract = recurrent_activation if recurrent_activation is not None else "linear"
    _activation_code(act, "activation")
    _activation_code(ract, "recurrent_activation")
    g = _NUM_GATES[cell]
    rk = _host(recurrent_kernel, "recurrent_kernel")
    if rk.ndim != 2 or rk.shape[0] < 1 or rk.shape != (rk.shape[0], g * rk.shape[0]):
        raise ValueError(
            f"{cell} recurrent_kernel must have shape (units, {g} * units); got {rk.shape}"
        )
    units = rk.shape[0]
    k = _host(kernel, "kernel")
    if k.ndim != 2 or k.shape[1] != g * units or k.shape[0] < 1:
        raise ValueError(
            f"{cell} kernel must have shape (input_dim, {g} * units) = (input_dim, {g * units}); "
            f"got {k.shape}"
        )
    gh = g * units
    in_bias = np.zeros(gh, np.float32)
    rec_bias = np.zeros(gh, np.float32)
    if bias is not None:
        b = _host(bias, "bias")
        if cell == "gru" and reset_after:
            expected: tuple[int, ...] = (2, gh)
        else:
            expected = (gh,)
        if b.shape != expected:
            what = cell + (f" (reset_after={bool(reset_after)})" if cell == "gru" else "")
            raise ValueError(
                f"{what} bias must have shape {expected} for units={units}; got {b.shape}"
            )
        if cell == "gru" and reset_after:
            in_bias[:] = b[0]
            rec_bias[:] = b[1]
        else:
            in_bias[:] = b
    cp = _cp()
    rk32 = np.ascontiguousarray(rk, dtype=np.float32)
    return CudaPackedWeights(
        cell=cell,
        units=units,
        input_dim=k.shape[0],
        activation=act,
        recurrent_activation=ract,
        reset_after=bool(reset_after),
        use_bias=bias is not None,
        kernel=cp.asarray(np.ascontiguousarray(k, dtype=np.float32)),
        recurrent_kernel=cp.asarray(rk32),
        input_bias=cp.asarray(in_bias),
        recurrent_bias=cp.asarray(rec_bias),
        recurrent_kernel_host=rk32,
    )


# --------------------------------------------------------------------------- planning


def _round_up(n: int, m: int) -> int:
    return (n + m - 1) // m * m


def _next_pow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


_BT2_FROM_BATCH = [257]  # batch from which threads take 2 rows each (benchmarks may change it)


def _row_layout(batch: int, bt: int | None = None) -> tuple[int, int, int]:
    """(BL, WK, BT): batch lanes per warp, warps splitting k, batch rows per thread."""
    if batch <= 32:
        return _next_pow2(batch), 8, 1
    if bt is None:
        bt = 2 if batch >= _BT2_FROM_BATCH[0] else 1
    wb = min(8, _next_pow2(-(-batch // (32 * bt))))
    return 32, 8 // wb, bt


@dataclass(frozen=True)
class _Plan:
    us: int  # units per block
    nblk: int  # blocks per direction
    nca: int
    ncb: int
    ncp: int
    bl: int
    wk: int
    bt: int
    rows: int
    smem: int


def _columns(cell_code: int, us: int) -> tuple[int, int, int]:
    g = {_CELL_SIMPLE: 1, _CELL_GRU: 3, _CELL_GRU_RB: 3, _CELL_LSTM: 4}[cell_code]
    if cell_code == _CELL_GRU_RB:
        nca, ncb = _round_up(2 * us, 4), _round_up(us, 4)
    else:
        nca, ncb = _round_up(g * us, 4), 0
    ncp = nca + ncb
    if (ncp // 4) % 2 == 0:  # 4 * odd floats per row: conflict-free when lanes read rows
        ncp += 4
    return nca, ncb, ncp


_limits_cache: dict[int, tuple[int, int]] = {}


def _device_limits() -> tuple[int, int]:
    """(multiprocessors, opt-in shared memory per block) of the current device, cached."""
    cp = _cp()
    dev = cp.cuda.runtime.getDevice()
    got = _limits_cache.get(dev)
    if got is None:
        attrs = cp.cuda.Device(dev).attributes
        got = (int(attrs["MultiProcessorCount"]), int(attrs["MaxSharedMemoryPerBlockOptin"]))
        _limits_cache[dev] = got
    return got


_dummy_cache: dict[tuple[int, str], Any] = {}


def _dummy(dtype: str):
    """A one-element device array standing in for an unused pointer argument."""
    cp = _cp()
    key = (cp.cuda.runtime.getDevice(), dtype)
    got = _dummy_cache.get(key)
    if got is None:
        got = _dummy_cache[key] = cp.zeros(1, dtype)
    return got


def _plan(packed: CudaPackedWeights, batch: int, ndir: int, units_per_block: int | None):
    """The persistent kernel's shape, or None if this size does not fit (use the fallback)."""
    n_sm, smem_max = _device_limits()
    h = packed.units
    us_min = -(-ndir * h // n_sm)  # one block per multiprocessor at most
    if units_per_block:
        us = max(units_per_block, us_min)
    elif batch <= 32:
        # Small batches are bound by the per-step barrier, whose cost grows with the number of
        # blocks: fewer, larger blocks (per-cell minimum measured best on an H100 at H=256).
        us = max(us_min, _MIN_UNITS_SMALL_BATCH[packed.cell])
    else:
        us = max(us_min, -(-4 // packed.num_gates))  # at least 4 gate columns per block
    us = max(1, min(us, h))
    nblk = -(-h // us)
    if ndir * nblk > n_sm:
        return None
    nca, ncb, ncp = _columns(packed.cell_code, us)
    if max(nca, ncb) > _MAX_COLUMNS:
        return None
    # Two batch rows per thread halve the shared-memory weight reads per FMA; that pays once a
    # block has many gate columns (measured on an H100: H=1024 GRU/LSTM at batch 64 and 256
    # gained 7-15%, H=256 lost up to 10%).
    prefer = 2 if (batch > 32 and max(nca, ncb) >= 16) else None
    for bt in (prefer, 1):  # the preferred layout, else one row per thread (less scratch)
        bl, wk, bt = _row_layout(batch, bt)
        rows = (8 // wk) * bl * bt
        red = wk * max(nca, ncb) * rows if (wk > 1) else 0
        smem = 4 * (h * ncp + red)
        if smem <= smem_max:
            break
    else:
        return None
    return _Plan(us, nblk, nca, ncb, ncp, bl, wk, bt, rows, smem)


def _packed_blocks(packed: CudaPackedWeights, plan: _Plan):
    """Recurrent kernel as [nblk][H][NCP]: block blk, row k, column g*US + u (phase 1 of GRU
    reset_after=False at offset NCA) = R[k, g*H + blk*US + u]; zero where j >= H."""
    key = (plan.us, plan.ncp)
    got = packed._blocks.get(key)
    if got is not None:
        return got
    r = packed.recurrent_kernel_host
    h, us, nblk = packed.units, plan.us, plan.nblk
    g = packed.num_gates
    out = np.zeros((nblk, h, plan.ncp), np.float32)
    units = np.arange(nblk * us).reshape(nblk, us)
    valid = units < h
    for gate in range(g):
        if packed.cell_code == _CELL_GRU_RB and gate == 2:
            col0 = plan.nca
            cols = col0 + np.arange(us)
        else:
            cols = gate * us + np.arange(us)
        for blk in range(nblk):
            ju = units[blk][valid[blk]]
            out[blk][:, cols[: len(ju)]] = r[:, gate * h + ju]
    dev = _cp().asarray(out)
    packed._blocks[key] = dev
    return dev


# --------------------------------------------------------------------------- forward


def _check_packed(packed, name: str) -> CudaPackedWeights:
    if not isinstance(packed, CudaPackedWeights):
        raise TypeError(
            f"{name} must come from fusedrnn.cuda.pack_weights, got {type(packed).__name__}"
        )
    return packed


def _is_device_array(a) -> bool:
    return hasattr(a, "__cuda_array_interface__") and not isinstance(a, np.ndarray)


def _prepare_x(x, packed: CudaPackedWeights):
    cp = _cp()
    if not _is_device_array(x):
        x = _host(x, "x")
    if getattr(x, "dtype", None) is not None and np.dtype(x.dtype).kind not in "biuf":
        raise TypeError(f"x must be a real numeric array, got dtype {x.dtype}")
    if x.ndim != 3:
        raise ValueError(f"x must have rank 3 (batch, timesteps, input_dim), got shape {x.shape}")
    if x.shape[2] != packed.input_dim:
        raise ValueError(
            f"x has input_dim {x.shape[2]} but the weights expect input_dim {packed.input_dim}"
        )
    if x.shape[0] < 1:
        raise ValueError(f"x must have at least one batch row, got shape {x.shape}")
    return cp.ascontiguousarray(cp.asarray(x, dtype=cp.float32))


def _prepare_states(initial_state, packed: CudaPackedWeights, batch: int, name: str):
    cp = _cp()
    n, h = packed.num_states, packed.units
    if initial_state is None:
        return None  # zeros
    if (isinstance(initial_state, np.ndarray) or _is_device_array(initial_state)) and n == 1:
        initial_state = [initial_state]
    if not isinstance(initial_state, (list, tuple)):
        raise TypeError(
            f"{name} must be None or a list/tuple of {n} arrays, got {type(initial_state).__name__}"
        )
    if len(initial_state) != n:
        names = "[h, c]" if n == 2 else "[h]"
        raise ValueError(
            f"{packed.cell} needs {n} initial state(s) {names}, got {len(initial_state)}"
        )
    out = []
    for i, s in enumerate(initial_state):
        if not _is_device_array(s):
            s = _host(s, f"{name}[{i}]")
        if np.dtype(s.dtype).kind not in "biuf":
            raise TypeError(f"{name}[{i}] must be a real numeric array, got dtype {s.dtype}")
        if tuple(s.shape) != (batch, h):
            raise ValueError(
                f"{name}[{i}] must have shape (batch, units) = {(batch, h)}; "
                f"got {tuple(s.shape)}"
            )
        out.append(cp.ascontiguousarray(cp.asarray(s, dtype=cp.float32)))
    return out


def _prepare_mask(mask, batch: int, timesteps: int):
    cp = _cp()
    if mask is None:
        return None
    if not _is_device_array(mask):
        mask = np.asarray(mask)
    if tuple(mask.shape) != (batch, timesteps):
        raise ValueError(
            f"mask must have shape (batch, timesteps) = {(batch, timesteps)}; "
            f"got {tuple(mask.shape)}"
        )
    if np.dtype(mask.dtype).kind not in "biu":
        raise TypeError(f"mask must be a boolean array, got dtype {mask.dtype}")
    return cp.ascontiguousarray(cp.asarray(mask).astype(cp.bool_))


def _first_real(mask_dev, backwards: bool, batch: int, timesteps: int):
    """First processing step with a real mask entry per row (timesteps when none)."""
    cp = _cp()
    if mask_dev is None:
        return cp.zeros(batch, cp.int32)
    m = mask_dev[:, ::-1] if backwards else mask_dev
    first = cp.argmax(m, axis=1).astype(cp.int32)
    return cp.where(m.any(axis=1), first, cp.int32(timesteps)).astype(cp.int32)


def _to_input_kind(a, like_host: bool):
    return _cp().asnumpy(a) if like_host else a


def _run(x, packs, initial_states, mask, backwards, return_sequences, algorithm, units_per_block):
    """Shared driver for one or two directions; returns [(out, states)] per direction."""
    cp = _cp()
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    ndir = len(packs)
    p0 = packs[0]
    batch, timesteps, _ = x.shape
    h, gh = p0.units, p0.num_gates * p0.units
    suffixes = [""] if ndir == 1 else ["_fw", "_bw"]
    states = [_prepare_states(s, p, batch, f"initial_state{suffix}")
              for s, p, suffix in zip(initial_states, packs, suffixes)]
    mask_dev = _prepare_mask(mask, batch, timesteps)
    if timesteps == 0:
        res = []
        for p, st in zip(packs, states):
            shape = (batch, 0, h) if return_sequences else (batch, h)
            out = cp.zeros(shape, cp.float32)
            if st is None:
                st = [cp.zeros((batch, h), cp.float32) for _ in range(p.num_states)]
            res.append((out, tuple(s.copy() for s in st)))
        return res

    # Input projection for all timesteps and both directions: one cuBLAS GEMM.
    kcat = packs[0].kernel if ndir == 1 else cp.concatenate([p.kernel for p in packs], axis=1)
    bcat = packs[0].input_bias if ndir == 1 else cp.concatenate([p.input_bias for p in packs])
    xp = cp.matmul(x.reshape(batch * timesteps, -1), kcat)
    xp += bcat
    ldx = ndir * gh

    plan = None
    if algorithm != "stepwise":
        plan = _plan(p0, batch, ndir, units_per_block)
        if plan is None and algorithm == "persistent":
            raise ValueError(
                f"the persistent kernel cannot hold units={h} ({p0.cell}) on this GPU; "
                "use algorithm='auto' or 'stepwise'"
            )
    firsts = ([_first_real(mask_dev, bw, batch, timesteps) for bw in backwards]
              if mask_dev is not None else [_dummy("int32")] * ndir)
    if plan is not None:
        return _run_persistent(xp, ldx, packs, states, mask_dev, firsts, backwards,
                               return_sequences, plan, batch, timesteps)
    return [
        _run_stepwise(xp, ldx, d * gh, p, st, mask_dev, first, bw, return_sequences, batch,
                      timesteps)
        for d, (p, st, first, bw) in enumerate(zip(packs, states, firsts, backwards))
    ]


def _run_persistent(xp, ldx, packs, states, mask_dev, firsts, backwards, return_sequences,
                    plan: _Plan, batch, timesteps):
    cp = _cp()
    ndir = len(packs)
    p0 = packs[0]
    h = p0.units
    bp = _round_up(batch, plan.rows)
    name = (
        f"rnn_persistent<{p0.cell_code},{ACTIVATION_CODES[p0.activation]},"
        f"{ACTIVATION_CODES[p0.recurrent_activation]},{plan.us},{plan.nca},{plan.ncb},{plan.ncp},"
        f"{plan.bl},{plan.wk},{plan.bt}>"
    )
    ker = None
    if not _cooperative_ok:
        try:
            ker = _get_kernel(name, cooperative=True, smem=plan.smem)
        except Exception:  # e.g. no device runtime library for -rdc: plain launch instead
            _cooperative_ok.append(False)
    if ker is None:
        ker = _get_kernel(name, cooperative=False, smem=plan.smem)
    if ndir > 1:
        wpk = cp.stack([_packed_blocks(p, plan) for p in packs])
    else:
        wpk = _packed_blocks(p0, plan)
    rbias = cp.concatenate([p.recurrent_bias for p in packs]) if ndir > 1 else p0.recurrent_bias
    hbuf = cp.zeros((ndir, 2, h, bp), cp.float32)
    needs_c = p0.cell in ("lstm",) or p0.cell_code == _CELL_GRU_RB
    cst = cp.zeros((ndir, batch, h), cp.float32) if needs_c else _dummy("float32")
    for d, st in enumerate(states):
        if st is None:
            continue
        hbuf[d, 0, :, :batch] = st[0].T
        if p0.cell == "lstm":
            cst[d] = st[1]
    rht = cp.zeros((ndir, h, bp), cp.float32) if p0.cell_code == _CELL_GRU_RB else _dummy("float32")
    out = (cp.empty((ndir, batch, timesteps, h), cp.float32) if return_sequences
           else _dummy("float32"))
    last = cp.empty((ndir, batch, h), cp.float32)
    bar = cp.zeros(ndir * 64, cp.uint32)
    if mask_dev is None:
        first = _dummy("int32")  # only read at masked steps
    else:
        first = cp.concatenate(firsts) if ndir > 1 else firsts[0]
    mask_arg = mask_dev.view(cp.uint8) if mask_dev is not None else _dummy("uint8")
    bw_bits = sum(1 << d for d, bw in enumerate(backwards) if bw)
    i32 = np.int32
    if _profile is not None:
        ev0 = cp.cuda.Event()
        ev0.record()
    ker(
        (ndir * plan.nblk,), (_THREADS,),
        (wpk, xp, i32(ldx), i32(p0.num_gates * h), rbias, mask_arg, i32(mask_dev is not None),
         first, hbuf, cst, rht, out, i32(bool(return_sequences)), last, bar, i32(batch),
         i32(timesteps), i32(h), i32(bp), i32(plan.nblk), i32(bw_bits)),
        shared_mem=plan.smem,
    )
    if _profile is not None:
        ev1 = cp.cuda.Event()
        ev1.record()
        _profile.append((ev0, ev1))
    res = []
    fin = timesteps % 2
    for d in range(ndir):
        hf = cp.ascontiguousarray(hbuf[d, fin, :, :batch].T)
        st = (hf, cst[d]) if p0.cell == "lstm" else (hf,)
        o = out[d] if return_sequences else last[d]
        res.append((o, st))
    return res


def _run_stepwise(xp, ldx, xoff, packed, states, mask_dev, first, backwards, return_sequences,
                  batch, timesteps):
    """Fallback: per step, rec = h @ R (cuBLAS) then one epilogue launch (two for GRU rb)."""
    cp = _cp()
    h = packed.units
    code = packed.cell_code
    a, ra = ACTIVATION_CODES[packed.activation], ACTIVATION_CODES[packed.recurrent_activation]
    k0 = _get_kernel(f"rnn_step<{code},{a},{ra},0>")
    k1 = _get_kernel(f"rnn_step<{code},{a},{ra},1>") if code == _CELL_GRU_RB else None
    r = packed.recurrent_kernel
    r0 = r[:, : 2 * h] if code == _CELL_GRU_RB else r
    r1 = r[:, 2 * h:] if code == _CELL_GRU_RB else None
    hbuf = cp.zeros((2, h, batch), cp.float32)
    cst = cp.zeros((batch, h), cp.float32)
    if states is not None:
        hbuf[0] = states[0].T
        if packed.cell == "lstm":
            cst[...] = states[1]
    rht = cp.zeros((h, batch), cp.float32)
    out = (cp.empty((batch, timesteps, h), cp.float32) if return_sequences
           else cp.zeros(1, cp.float32))
    last = cp.empty((batch, h), cp.float32)
    mask_arg = mask_dev.view(cp.uint8) if mask_dev is not None else _dummy("uint8")
    has_mask = np.int32(mask_dev is not None)
    i32 = np.int32
    grid = (-(-batch * h // _THREADS),)
    for s in range(timesteps):
        tt = timesteps - 1 - s if backwards else s
        cur, nxt = hbuf[s % 2], hbuf[(s + 1) % 2]
        rec = cp.matmul(cur.T, r0)
        args = [xp, i32(ldx), i32(xoff), packed.recurrent_bias, mask_arg, has_mask, first, cur,
                nxt, cst, rht, out, i32(bool(return_sequences)), last, i32(batch),
                i32(timesteps), i32(h), i32(s), i32(tt)]
        k0(grid, (_THREADS,), tuple([rec] + args))
        if k1 is not None:
            rec1 = cp.matmul(rht.T, r1)
            k1(grid, (_THREADS,), tuple([rec1] + args))
    hf = cp.ascontiguousarray(hbuf[timesteps % 2].T)
    st = (hf, cst) if packed.cell == "lstm" else (hf,)
    return out if return_sequences else last, st


def rnn_forward(
    x,
    packed: CudaPackedWeights,
    initial_state=None,
    mask=None,
    go_backwards: bool = False,
    return_sequences: bool = True,
    *,
    algorithm: str = "auto",
    units_per_block: int | None = None,
):
    """Run one recurrent layer on the GPU; same semantics as fusedrnn.reference.

    x: (batch, timesteps, input_dim) CuPy (or NumPy) array, computed in float32.  Returns
    (output, states) as CuPy arrays (NumPy if x was a NumPy array): output (batch, timesteps,
    units) in processing order, or (batch, units); states (h,) or (h, c).
    algorithm: "auto" (persistent kernel when the weights fit on chip, else per-step),
    "persistent" (error if it does not fit) or "stepwise".  units_per_block overrides the
    persistent kernel's units per thread block (tuning).
    """
    packed = _check_packed(packed, "packed")
    host = not _is_device_array(x)
    xd = _prepare_x(x, packed)
    (out, st), = _run(xd, [packed], [initial_state], mask, [bool(go_backwards)],
                      return_sequences, algorithm, units_per_block)
    return _to_input_kind(out, host), tuple(_to_input_kind(s, host) for s in st)


def bidirectional_forward(
    x,
    packed_fw: CudaPackedWeights,
    packed_bw: CudaPackedWeights,
    initial_state_fw=None,
    initial_state_bw=None,
    mask=None,
    return_sequences: bool = True,
    *,
    algorithm: str = "auto",
    units_per_block: int | None = None,
):
    """Both directions of a Bidirectional layer in one persistent launch.

    Returns ((out_fw, states_fw), (out_bw, states_bw)); out_bw is in the backward layer's
    processing order (as go_backwards gives).  The two layers must have the same cell,
    units, input_dim and activations.
    """
    packed_fw = _check_packed(packed_fw, "packed_fw")
    packed_bw = _check_packed(packed_bw, "packed_bw")
    same = ("cell", "units", "input_dim", "activation", "recurrent_activation", "reset_after")
    for attr in same:
        if getattr(packed_fw, attr) != getattr(packed_bw, attr):
            raise ValueError(
                f"forward and backward layers differ in {attr}: "
                f"{getattr(packed_fw, attr)!r} vs {getattr(packed_bw, attr)!r}"
            )
    host = not _is_device_array(x)
    xd = _prepare_x(x, packed_fw)
    res = _run(xd, [packed_fw, packed_bw], [initial_state_fw, initial_state_bw], mask,
               [False, True], return_sequences, algorithm, units_per_block)
    return tuple(
        (_to_input_kind(o, host), tuple(_to_input_kind(s, host) for s in st)) for o, st in res
    )
