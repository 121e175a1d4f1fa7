"""``python -m fusedrnn bench``: fusedrnn against PyTorch and ONNX Runtime, side by side.

Runs the standard workloads (``docs/performance.md``, issue "CPU speed")::

    latency     B=1,  T=100, I=64,  H=256
    throughput  B=64, T=100, I=128, H=256
    large       B=32, T=50,  I=512, H=1024
    streaming   B=1,  T=1 per call with the state carried, I=64, H=256

for SimpleRNN, GRU (``reset_after=True``) and LSTM, float32, ``return_sequences=True``,
random weights scaled ~1/sqrt(units). Every engine's output is first checked against
``fusedrnn.reference`` (computed in float64) and only then timed; medians are reported.
The fp32 FMA peak is measured in the same run (10 independent FMA chains per thread, a
tiny C program compiled on the spot; a NumPy sgemm estimate, labelled so, when no C
compiler is available), and each fusedrnn figure is shown as GFLOP/s and % of it.

FLOPs of one forward call: ``2 * B * T * G * H * (I + H)`` with G = 1 / 3 / 4.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = [
    "CELLS",
    "WORKLOADS",
    "Workload",
    "check_forward",
    "check_streaming",
    "flops",
    "main",
    "make_input",
    "make_runner",
    "make_weights",
    "measure_fma_peak",
    "parse_workload",
    "time_call",
    "time_interleaved",
]

CELLS = ("simple_rnn", "gru", "lstm")
_GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}
ENGINES = ("fusedrnn", "fusedrnn.models", "reference", "torch", "onnxruntime")
PEER_NAMES = ("torch", "onnxruntime", "reference")

# Outputs are in [-1, 1] (tanh of something); fp32 kernels with fast activations stay far
# inside this after 100 steps (PyTorch and ONNX Runtime land at ~1e-6).
CHECK_ATOL = 2e-4
CHECK_RTOL = 1e-3


@dataclass(frozen=True)
class Workload:
    """One benchmark shape. ``streaming``: one timestep per call, state carried."""

    name: str
    batch: int
    timesteps: int
    input_dim: int
    units: int
    streaming: bool = False

    def __post_init__(self):
        for k in ("batch", "timesteps", "input_dim", "units"):
            v = getattr(self, k)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"workload {self.name!r}: {k} must be a positive int, got {v!r}")
        if self.streaming and self.timesteps != 1:
            raise ValueError(f"streaming workload {self.name!r} must have timesteps=1")

    @property
    def unit(self) -> str:
        """The time unit the table uses: µs per call for streaming, else ms."""
        return "us" if self.streaming else "ms"

    def shape(self) -> str:
        return f"B={self.batch} T={self.timesteps} I={self.input_dim} H={self.units}"


WORKLOADS: dict[str, Workload] = {
    "latency": Workload("latency", 1, 100, 64, 256),
    "throughput": Workload("throughput", 64, 100, 128, 256),
    "large": Workload("large", 32, 50, 512, 1024),
    "streaming": Workload("streaming", 1, 1, 64, 256, streaming=True),
}


def parse_workload(spec: str) -> Workload:
    """A standard workload name, or a custom ``BxTxIxH`` shape (``sBxIxH``: streaming)."""
    spec = spec.strip()
    if spec in WORKLOADS:
        return WORKLOADS[spec]
    streaming = spec.startswith("s")
    body = spec[1:] if streaming else spec
    parts = body.lower().split("x")
    want = 3 if streaming else 4
    try:
        dims = [int(p) for p in parts]
    except ValueError:
        dims = []
    if len(dims) != want:
        raise ValueError(
            f"unknown workload {spec!r}: expected one of {', '.join(WORKLOADS)}, "
            "a custom shape BxTxIxH (e.g. 1x10x8x16) or a streaming shape sBxIxH (e.g. s1x8x16)"
        )
    if streaming:
        b, i, h = dims
        return Workload(spec, b, 1, i, h, streaming=True)
    b, t, i, h = dims
    return Workload(spec, b, t, i, h)


def flops(cell: str, workload: Workload) -> int:
    """Floating-point operations of one call: ``2 * B * T * G * H * (I + H)``."""
    g = _GATES[_check_cell(cell)]
    w = workload
    return 2 * w.batch * w.timesteps * g * w.units * (w.input_dim + w.units)


def _check_cell(cell: str) -> str:
    if cell not in _GATES:
        raise ValueError(f"unknown cell {cell!r}; expected one of {', '.join(CELLS)}")
    return cell


# --------------------------------------------------------------------------- data


def make_weights(cell: str, input_dim: int, units: int, seed: int = 0):
    """Random Keras-layout float32 weights scaled ~1/sqrt(units): ``(kernel, recurrent, bias)``.

    GRU gets the ``reset_after=True`` bias ``(2, 3H)``.
    """
    g = _GATES[_check_cell(cell)]
    rng = np.random.default_rng([seed, g, input_dim, units])
    s = 1.0 / math.sqrt(units)
    kernel = rng.uniform(-s, s, (input_dim, g * units)).astype(np.float32)
    recurrent = rng.uniform(-s, s, (units, g * units)).astype(np.float32)
    bias_shape = (2, 3 * units) if cell == "gru" else (g * units,)
    bias = rng.uniform(-s, s, bias_shape).astype(np.float32)
    return kernel, recurrent, bias


def make_input(workload: Workload, timesteps: int | None = None, seed: int = 1) -> np.ndarray:
    """Standard-normal float32 input ``(B, T, I)``; ``timesteps`` overrides T."""
    t = workload.timesteps if timesteps is None else timesteps
    rng = np.random.default_rng([seed, workload.batch, t, workload.input_dim])
    return rng.standard_normal((workload.batch, t, workload.input_dim)).astype(np.float32)


# --------------------------------------------------------------------------- engines


def _fused_modules():
    """``(fusedrnn.ops, set_num_threads, get_num_threads)``; ImportError when not built."""
    import fusedrnn

    from . import ops  # the compiled extension

    set_n = getattr(fusedrnn, "set_num_threads", None) or ops.set_num_threads
    get_n = getattr(fusedrnn, "get_num_threads", None) or ops.get_num_threads
    return ops, set_n, get_n


def fused_available() -> tuple[bool, str]:
    try:
        _fused_modules()
    except ImportError as exc:
        return False, str(exc)
    return True, ""


class _FusedRunner:
    """fusedrnn's C++ kernels: weights packed once, ``rnn_forward`` per call."""

    name = "fusedrnn"

    def __init__(self, cell, kernel, recurrent, bias, num_threads):
        ops, self._set_threads, _ = _fused_modules()
        self._forward = ops.rnn_forward
        self.num_threads = num_threads
        self.packed = ops.pack_weights(cell, kernel, recurrent, bias, reset_after=True)

    def activate(self):
        self._set_threads(self.num_threads)

    def forward(self, x):
        return self._forward(x, self.packed)[0]

    def step(self, x_t, states=None):
        out, new = self._forward(
            x_t,
            self.packed,
            initial_state=None if states is None else list(states),
            return_sequences=False,
        )
        return out, tuple(new)


class _ModelRunner:
    """fusedrnn through its Keras-style API: ``model(x)`` on a Sequential of one layer, the
    streaming steps on a stateful one. What a Keras user's call pays on top of the op."""

    name = "fusedrnn.models"

    def __init__(self, cell, kernel, recurrent, bias, num_threads):
        from . import layers, models

        _, self._set_threads, _ = _fused_modules()
        self.num_threads = num_threads
        cls = {"simple_rnn": layers.SimpleRNN, "gru": layers.GRU, "lstm": layers.LSTM}[cell]
        units, input_dim = recurrent.shape[0], kernel.shape[0]
        self._model = models.Sequential(
            [cls(units, return_sequences=True, input_shape=(None, input_dim))])
        self._model.set_weights([kernel, recurrent, bias])
        self._stream = models.Sequential(
            [cls(units, stateful=True, input_shape=(None, input_dim))])
        self._stream.set_weights([kernel, recurrent, bias])

    def activate(self):
        self._set_threads(self.num_threads)

    def forward(self, x):
        return self._model(x)

    def step(self, x_t, states=None):
        """One streamed step. The stateful layer carries the state itself: ``states=None``
        starts a sequence (reset_states), anything else continues the layer's own."""
        layer = self._stream.layers[0]
        if states is None:
            layer.reset_states()
        out = self._stream(x_t)
        return out, layer._states


class _ReferenceRunner:
    """The NumPy oracle run in float32 (a slow baseline; it is single-threaded NumPy)."""

    name = "reference"

    def __init__(self, cell, kernel, recurrent, bias, num_threads):
        from . import reference

        self._rnn = reference.rnn
        self.cell, self.kernel, self.recurrent, self.bias = cell, kernel, recurrent, bias
        self.num_threads = num_threads

    def activate(self):
        pass

    def forward(self, x):
        return self._rnn(self.cell, x, self.kernel, self.recurrent, self.bias)[0]

    def step(self, x_t, states=None):
        out, new = self._rnn(
            self.cell,
            x_t,
            self.kernel,
            self.recurrent,
            self.bias,
            initial_state=None if states is None else list(states),
            return_sequences=False,
        )
        return out, tuple(new)


def make_runner(engine: str, cell: str, kernel, recurrent, bias, *, num_threads: int = 1):
    """A runner (``activate()``, ``forward(x)``, ``step(x_t, states)``) for ``engine``.

    ``engine``: "fusedrnn", "reference", "torch" or "onnxruntime". Raises ImportError
    (fusedrnn not built) or ``_peers.PeerUnavailable`` (peer not installed).
    """
    _check_cell(cell)
    if engine == "fusedrnn":
        return _FusedRunner(cell, kernel, recurrent, bias, num_threads)
    if engine == "fusedrnn.models":
        return _ModelRunner(cell, kernel, recurrent, bias, num_threads)
    if engine == "reference":
        return _ReferenceRunner(cell, kernel, recurrent, bias, num_threads)
    if engine in ("torch", "onnxruntime"):
        from . import _peers

        return _peers.make_runner(engine, cell, kernel, recurrent, bias, num_threads=num_threads)
    raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")


# --------------------------------------------------------------------------- checks


def reference_output(cell, kernel, recurrent, bias, x):
    """The float64 reference ``(output (B, T, H), states)`` for a float32 problem."""
    from . import reference

    f64 = np.float64
    out, states = reference.rnn(
        cell, x.astype(f64), kernel.astype(f64), recurrent.astype(f64), bias.astype(f64)
    )
    return out, states


def _compare(what: str, got, want) -> float:
    got = np.asarray(got)
    if got.shape != want.shape:
        raise AssertionError(f"{what}: shape {got.shape}, reference {want.shape}")
    if not np.all(np.isfinite(got)):
        raise AssertionError(f"{what}: non-finite values")
    err = float(np.max(np.abs(got.astype(np.float64) - want))) if got.size else 0.0
    if not np.allclose(got, want, rtol=CHECK_RTOL, atol=CHECK_ATOL):
        raise AssertionError(
            f"{what}: max abs error {err:.3g} vs the float64 reference "
            f"(allowed atol={CHECK_ATOL}, rtol={CHECK_RTOL})"
        )
    return err


def check_forward(runner, x, want) -> float:
    """Run ``runner.forward(x)`` and compare with ``want``; returns the max abs error."""
    return _compare(f"{runner.name} output", runner.forward(x), want)


def check_streaming(runner, x_seq, want, want_states) -> float:
    """Feed ``x_seq (B, T, I)`` one step per call, carrying the state; compare every output
    with ``want (B, T, H)`` and the final states with ``want_states``."""
    states = None
    outs = []
    for t in range(x_seq.shape[1]):
        out, states = runner.step(x_seq[:, t : t + 1], states)
        outs.append(np.asarray(out))
    err = _compare(f"{runner.name} streamed outputs", np.stack(outs, axis=1), want)
    if len(states) != len(want_states):
        raise AssertionError(f"{runner.name}: {len(states)} states, reference {len(want_states)}")
    for i, (s, w) in enumerate(zip(states, want_states)):
        err = max(err, _compare(f"{runner.name} final state {i}", s, w))
    return err


# --------------------------------------------------------------------------- timing


def _calibrate(fn: Callable[[], Any], target_s: float, warmup_s: float) -> int:
    """Warm ``fn`` up for ~``warmup_s``; return how many calls make a ~``target_s`` sample."""
    clock = time.perf_counter
    t0 = clock()
    fn()
    first = clock() - t0
    n = 1
    while clock() - t0 < warmup_s and n < 10_000:
        fn()
        n += 1
    per_call = max((clock() - t0) / n, first / 4, 1e-9)
    return max(1, int(target_s / per_call))


def _sample(fn: Callable[[], Any], inner: int) -> float:
    clock = time.perf_counter
    t = clock()
    for _ in range(inner):
        fn()
    return (clock() - t) / inner


def time_call(
    fn: Callable[[], Any], repeat: int = 15, *, target_s: float = 2e-3, warmup_s: float = 0.05
) -> list[float]:
    """Per-call seconds of ``fn()``: ``repeat`` samples, each the mean over enough calls to
    last ~``target_s`` (one call when a call is longer), after ``warmup_s`` of warm-up."""
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    inner = _calibrate(fn, target_s, warmup_s)
    return [_sample(fn, inner) for _ in range(repeat)]


def _wait_until_other_threads_idle(timeout_s: float) -> None:
    """Poll (Linux /proc) until no thread of this process but the caller is runnable."""
    me = str(threading.get_native_id())
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        try:
            tids = [t for t in os.listdir("/proc/self/task") if t != me]
            busy = False
            for tid in tids:
                try:
                    with open(f"/proc/self/task/{tid}/stat") as f:
                        busy = f.read().rsplit(")", 1)[1].split()[0] == "R"
                except OSError:  # the thread ended
                    continue
                if busy:
                    break
        except OSError:  # no /proc: the fixed pause is all there is
            return
        if not busy:
            return
        time.sleep(0.002)


def time_interleaved(
    fns: dict[str, tuple[Callable[[], Any], Callable[[], Any]]],
    repeat: int = 15,
    *,
    target_s: float = 2e-3,
    warmup_s: float = 0.05,
    settle_s: float = 0.01,
    rewarm_s: float = 20e-3,
) -> dict[str, list[float]]:
    """Time several engines side by side: ``fns[name] = (activate, call)``.

    Samples are taken in rounds (one sample of each engine per round, the order rotating),
    so a burst of noise on a shared machine lands on all engines alike rather than on
    whichever happened to be running. Before each sample of an engine that follows another:
    - a wait (at least ``settle_s``, at most 0.5 s) until no other thread of this process is
      runnable, so the previous engine's idle worker threads have stopped spinning (on a
      2-core machine one spinning thread halves the next engine's speed). Measured on the
      development VM: after its last call, ONNX Runtime 1.32's intra-op worker stays runnable
      for ~45 ms, PyTorch 2.13's for ~5-10 ms, fusedrnn's for 0.3 ms;
    - then ``rewarm_s`` of untimed calls (at least one), because the pause itself costs: a
      virtual CPU left idle for tens of ms comes back with cold caches and runs the next call
      up to 1.6x slower, whichever engine it is. The recovery takes longer than one cold
      cache: fusedrnn's 2-thread GRU streaming step (steady 11.4 us) measured 13.8 us after
      50 ms idle and 5 ms of re-warming, 11.4 us after 20 ms; ONNX Runtime's gained alike
      (40.0 -> 38.1 us), so the default is 20 ms.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    clock = time.perf_counter
    names = list(fns)
    inner = {}
    for name in names:
        activate, call = fns[name]
        activate()
        inner[name] = _calibrate(call, target_s, warmup_s)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeat):
        for k in range(len(names)):
            name = names[(r + k) % len(names)]
            activate, call = fns[name]
            if len(names) > 1:
                if settle_s > 0:
                    time.sleep(settle_s)
                    _wait_until_other_threads_idle(timeout_s=0.5)
                activate()
                t0 = clock()
                call()
                while clock() - t0 < rewarm_s:
                    call()
            samples[name].append(_sample(call, inner[name]))
    return samples


def _streaming_fn(runner, x_steps):
    """A zero-argument callable doing one streamed step per call, cycling over ``x_steps``."""
    n = x_steps.shape[1]
    steps = [np.ascontiguousarray(x_steps[:, t : t + 1]) for t in range(n)]
    state: dict[str, Any] = {"s": None, "i": 0}

    def one_step():
        i = state["i"]
        _, state["s"] = runner.step(steps[i], state["s"])
        i += 1
        if i == n:  # restart the sequence so the state stays in a realistic range
            i = 0
            state["s"] = None
        state["i"] = i

    return one_step


# --------------------------------------------------------------------------- FMA peak

_FMA_PROBE_C = r"""
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define WIDTH 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define ADD _mm512_add_ps
static float hsum(vec v) { return _mm512_reduce_add_ps(v); }
#else
typedef __m256 vec;
#define WIDTH 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define ADD _mm256_add_ps
static float hsum(vec v) { float f[8]; _mm256_storeu_ps(f, v); float s = 0;
  for (int i = 0; i < 8; ++i) s += f[i]; return s; }
#endif
#define CHAINS 10

static long iters;
static volatile float sink[64];

static void *work(void *arg) {
  long id = (long)arg;
  vec a = SET1(0.999999f), b = SET1(1e-7f);
  vec c0 = SET1(0.f + id), c1 = SET1(1.f), c2 = SET1(2.f), c3 = SET1(3.f), c4 = SET1(4.f);
  vec c5 = SET1(5.f), c6 = SET1(6.f), c7 = SET1(7.f), c8 = SET1(8.f), c9 = SET1(9.f);
  for (long i = 0; i < iters; ++i) {
    c0 = FMA(c0, a, b); c1 = FMA(c1, a, b); c2 = FMA(c2, a, b); c3 = FMA(c3, a, b);
    c4 = FMA(c4, a, b); c5 = FMA(c5, a, b); c6 = FMA(c6, a, b); c7 = FMA(c7, a, b);
    c8 = FMA(c8, a, b); c9 = FMA(c9, a, b);
  }
  vec s = ADD(ADD(ADD(c0, c1), ADD(c2, c3)), ADD(ADD(ADD(c4, c5), ADD(c6, c7)), ADD(c8, c9)));
  sink[id % 64] = hsum(s);
  return 0;
}

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec; }

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  int reps = argc > 2 ? atoi(argv[2]) : 7;
  iters = argc > 3 ? atol(argv[3]) : 2000000L;
  pthread_t tid[256];
  if (threads < 1 || threads > 256) return 2;
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    double t0 = now();
    for (long i = 0; i < threads; ++i) pthread_create(&tid[i], 0, work, (void *)i);
    for (int i = 0; i < threads; ++i) pthread_join(tid[i], 0);
    double dt = now() - t0;
    double gf = 2.0 * WIDTH * CHAINS * (double)iters * threads / dt * 1e-9;
    if (gf > best) best = gf;
  }
  printf("%d %.3f\n", WIDTH, best);
  return 0;
}
"""


@dataclass
class PeakProbe:
    """Measures the fp32 FMA peak per thread count (cached), by the best available method."""

    method: str = ""
    _exe: str | None = None
    _tmp: Any = None
    _cache: dict = field(default_factory=dict)
    note: str = ""

    def _setup(self):
        if self.method:
            return
        core_probe = None
        try:
            from . import _core

            core_probe = getattr(_core, "measure_fma_peak_gflops", None)
        except Exception:  # noqa: BLE001 - not built: fall back below
            core_probe = None
        if core_probe is not None:
            width = {"avx512": 16}.get(_core.cpu_isa(), 8)
            self.method = (f"fusedrnn probe at the {_core.cpu_isa()} level, 10 independent "
                           f"{width}-wide FMA chains on one core, x threads")
            self._core_probe = core_probe
            return
        cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
        is_x86 = platform.machine().lower() in ("x86_64", "amd64", "i686", "x86")
        if cc and is_x86:
            self._tmp = tempfile.mkdtemp(prefix="fusedrnn-fma-")
            src = os.path.join(self._tmp, "fma.c")
            exe = os.path.join(self._tmp, "fma")
            with open(src, "w") as f:
                f.write(_FMA_PROBE_C)
            proc = subprocess.run(
                [cc, "-O2", "-march=native", "-mfma", "-mavx2", "-o", exe, src, "-lpthread"],
                capture_output=True,
                text=True,
            )
            if proc.returncode == 0:
                self._exe = exe
                self.method = "C probe, 10 independent FMA chains per thread, all threads at once"
                return
            self.note = f"FMA probe did not compile ({proc.stderr.strip()[:200]})"
        self.method = "ESTIMATE: NumPy float32 GEMM throughput (no FMA probe available)"

    def close(self):
        """Remove the compiled probe (if any)."""
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
            self._exe = None

    def __del__(self):
        self.close()

    def peak(self, threads: int, *, again: bool = False) -> float:
        """GFLOP/s at ``threads`` threads: cached, unless ``again`` (then the best of the
        cached and a fresh measurement: a peak is a maximum, noise only lowers it)."""
        self._setup()
        if threads in self._cache and not again:
            return self._cache[threads]
        if self._exe is not None:
            out = subprocess.run(
                [self._exe, str(threads), "20", "1000000"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            width, gf = int(out[0]), float(out[1])
            if "wide" not in self.method:
                self.method += f", {width}-wide"
        elif hasattr(self, "_core_probe"):
            # one core's peak times the thread count: the ceiling if every thread had a core
            one = max(float(self._core_probe(0.1)), self._cache.get("one", 0.0))
            self._cache["one"] = one
            gf = one * threads
        else:
            gf = _numpy_gemm_gflops()
        gf = max(gf, self._cache.get(threads, 0.0))
        self._cache[threads] = gf
        return gf


def _numpy_gemm_gflops(n: int = 1024, repeat: int = 5) -> float:
    """Float32 GEMM throughput of NumPy's BLAS at its own thread count (a lower bound on the
    peak, and not per thread count: labelled an estimate wherever it is used)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    a @ b
    best = min(time_call(lambda: a @ b, repeat, target_s=0.0, warmup_s=0.0))
    return 2.0 * n**3 / best * 1e-9


def measure_fma_peak(threads: int = 1) -> tuple[float, str]:
    """``(GFLOP/s, method)``: the fp32 FMA peak at ``threads`` threads, measured now."""
    probe = PeakProbe()
    try:
        gf = probe.peak(threads)
    finally:
        probe.close()
    return gf, probe.method


def measure_call_overhead(repeat: int = 15) -> dict[str, float]:
    """Fixed Python->C++ cost of one call, in µs: a trivial binding call and a T=1, H=8
    SimpleRNN ``rnn_forward`` with its state passed in (the streaming path's floor)."""
    ops, _, get_n = _fused_modules()
    packed = ops.pack_weights("simple_rnn", *make_weights("simple_rnn", 8, 8)[:2])
    x = np.zeros((1, 1, 8), np.float32)
    h = [np.zeros((1, 8), np.float32)]
    fwd = ops.rnn_forward
    res = {
        "get_num_threads()": statistics.median(time_call(get_n, repeat)) * 1e6,
        "rnn_forward(simple_rnn, B=1 T=1 I=8 H=8, state in)": statistics.median(
            time_call(lambda: fwd(x, packed, initial_state=h, return_sequences=False), repeat)
        )
        * 1e6,
    }
    return res


# --------------------------------------------------------------------------- the run


@dataclass
class Row:
    cell: str
    workload: Workload
    threads: int
    flops: int
    peak_gflops: float
    times: dict = field(default_factory=dict)  # engine -> median seconds (per call)
    errors: dict = field(default_factory=dict)  # engine -> max abs error vs reference
    failures: dict = field(default_factory=dict)  # engine -> message
    # peer -> fusedrnn's median over the samples interleaved with that peer (the ratio's base)
    pair_times: dict = field(default_factory=dict)


def _measure_row(cell, workload, threads, engines, repeat, peak, check_steps, log) -> Row:
    kernel, recurrent, bias = make_weights(cell, workload.input_dim, workload.units)
    row = Row(cell, workload, threads, flops(cell, workload), peak)
    if workload.streaming:
        x_check = make_input(workload, timesteps=check_steps, seed=2)
        want, want_states = reference_output(cell, kernel, recurrent, bias, x_check)
        x_time = make_input(workload, timesteps=100, seed=3)
    else:
        x = make_input(workload)
        want, _ = reference_output(cell, kernel, recurrent, bias, x)

    def prepare(engine):
        """Build and check one engine's runner: ``(runner, (activate, call))`` or None."""
        try:
            runner = make_runner(engine, cell, kernel, recurrent, bias, num_threads=threads)
            runner.activate()
            if workload.streaming:
                row.errors[engine] = check_streaming(runner, x_check, want, want_states)
                fn = _streaming_fn(runner, x_time)
            else:
                row.errors[engine] = check_forward(runner, x, want)

                def fn(runner=runner):
                    return runner.forward(x)

            return runner, (runner.activate, fn)
        except AssertionError as exc:
            row.failures[engine] = f"MISMATCH: {exc}"
        except Exception as exc:  # noqa: BLE001 - report, keep benchmarking the rest
            row.failures[engine] = f"{type(exc).__name__}: {exc}"
        log(f"  {cell} {workload.name} {threads}t {engine}: {row.failures[engine]}")
        return None

    # fusedrnn is timed interleaved with one peer at a time (paired samples), and each peer's
    # runner is released before the next is built: with every engine's worker pool alive in
    # one process, idle spinning threads of one engine starve another on a 2-core machine.
    fused = prepare("fusedrnn")
    fused_samples: list[float] = []
    peers = [e for e in engines if e != "fusedrnn"]
    if fused is not None and not peers:
        fused_samples = time_interleaved({"fusedrnn": fused[1]}, repeat)["fusedrnn"]
    for peer in peers:
        prepared = prepare(peer)
        if prepared is None:
            continue
        fns = {"fusedrnn": fused[1]} if fused is not None else {}
        fns[peer] = prepared[1]
        samples = time_interleaved(fns, repeat)
        row.times[peer] = statistics.median(samples[peer])
        if fused is not None:
            fused_samples += samples["fusedrnn"]
            row.pair_times[peer] = statistics.median(samples["fusedrnn"])
        del prepared, fns
        gc.collect()
        time.sleep(0.05)  # let the released engine's threads wind down
    if fused_samples:
        row.times["fusedrnn"] = statistics.median(fused_samples)
    return row


def _fmt_time(seconds: float | None, workload: Workload) -> str:
    if seconds is None:
        return "-"
    v = seconds * (1e6 if workload.streaming else 1e3)
    return f"{v:.1f} us" if workload.streaming else (f"{v:.3f} ms" if v < 10 else f"{v:.2f} ms")


def format_table(rows: Sequence[Row], peers: Sequence[str]) -> str:
    """The results as an aligned text table (Markdown-compatible pipes)."""
    head = ["cell", "workload", "thr", "fusedrnn", "GFLOP/s", "% peak"]
    for p in peers:
        head += [p, f"{p}/fusedrnn"]
    lines = [head]
    for r in rows:
        t = r.times.get("fusedrnn")
        gfs = r.flops / t * 1e-9 if t else None
        line = [
            r.cell,
            r.workload.name,
            str(r.threads),
            _fmt_time(t, r.workload) if t else _short_fail(r, "fusedrnn"),
            f"{gfs:.1f}" if gfs else "-",
            f"{100 * gfs / r.peak_gflops:.0f}%" if gfs and r.peak_gflops else "-",
        ]
        for p in peers:
            tp = r.times.get(p)
            line.append(_fmt_time(tp, r.workload) if tp else _short_fail(r, p))
            base = r.pair_times.get(p, t)  # fusedrnn's median in the samples paired with p
            line.append(f"{tp / base:.2f}x" if (tp and base) else "-")
        lines.append(line)
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    out = []
    for k, row in enumerate(lines):
        cells = [c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        out.append("| " + " | ".join(cells) + " |")
        if k == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def _short_fail(row: Row, engine: str) -> str:
    msg = row.failures.get(engine)
    if msg is None:
        return "-"
    return "MISMATCH" if msg.startswith("MISMATCH") else "error"


def plot(rows: Sequence[Row], engines: Sequence[str], path: str) -> None:
    """Bar chart of the median times, one panel per workload (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = list(dict.fromkeys(r.workload.name for r in rows))
    fig, axes = plt.subplots(1, len(workloads), figsize=(5 * len(workloads), 4.2), squeeze=False)
    for ax, wname in zip(axes[0], workloads):
        wrows = [r for r in rows if r.workload.name == wname]
        unit = wrows[0].workload.unit
        scale = 1e6 if unit == "us" else 1e3
        labels = [f"{r.cell}\n{r.threads}t" for r in wrows]
        n = len(engines)
        width = 0.8 / n
        for k, eng in enumerate(engines):
            vals = [r.times.get(eng, float("nan")) * scale for r in wrows]
            xs = [i + (k - (n - 1) / 2) * width for i in range(len(wrows))]
            ax.bar(xs, vals, width, label=eng)
        ax.set_xticks(range(len(wrows)))
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_title(f"{wname} ({wrows[0].workload.shape()})", fontsize=9)
        ax.set_ylabel(
            f"median {'µs per call' if unit == 'us' else 'ms per call'} (lower is better)"
        )
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _parse_list(text: str, allowed: Sequence[str] | None, what: str) -> list[str]:
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not items:
        raise ValueError(f"--{what} needs at least one value")
    if allowed is not None:
        bad = [s for s in items if s not in allowed]
        if bad:
            raise ValueError(f"unknown {what} {bad}; expected a comma list of {', '.join(allowed)}")
    return list(dict.fromkeys(items))


def _parse_threads(text: str) -> list[int]:
    out = []
    for s in _parse_list(text, None, "threads"):
        try:
            n = int(s)
        except ValueError:
            n = 0
        if n < 1:
            raise ValueError(f"--threads takes positive integers, got {s!r}")
        out.append(n)
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m fusedrnn bench",
        description="Benchmark fusedrnn against PyTorch and ONNX Runtime on the standard "
        "workloads; every output is checked against fusedrnn.reference before timing.",
    )
    p.add_argument("--cells", default=",".join(CELLS), help="comma list of %(default)s")
    p.add_argument(
        "--workloads",
        default=",".join(WORKLOADS),
        help="comma list of %(default)s, or custom shapes BxTxIxH / streaming sBxIxH",
    )
    p.add_argument("--threads", default="1,2", help="comma list of thread counts (%(default)s)")
    p.add_argument(
        "--peers",
        default="torch,onnxruntime",
        help="comma list of torch, onnxruntime, reference (the NumPy oracle), or none; "
        "peers that are not installed are skipped (%(default)s)",
    )
    p.add_argument("--repeat", type=int, default=15, help="timed samples per median (%(default)s)")
    p.add_argument("--plot", metavar="FILE.png", help="also draw a bar chart (needs matplotlib)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument(
        "--no-peak", action="store_true", help="skip the FMA peak measurement (no %% column)"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m fusedrnn bench``; returns the process exit status
    (0 ok, 1 a check failed or fusedrnn is not built, 2 bad arguments)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        cells = _parse_list(args.cells, CELLS, "cells")
        workloads = [parse_workload(s) for s in _parse_list(args.workloads, None, "workloads")]
        threads = _parse_threads(args.threads)
        if args.peers.strip() == "none":
            peers = []
        else:
            peers = _parse_list(args.peers, PEER_NAMES, "peers")
        if args.repeat < 1:
            raise ValueError(f"--repeat must be >= 1, got {args.repeat}")
    except ValueError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    ok, why = fused_available()
    if not ok:
        log(
            "fusedrnn bench: the compiled extension fusedrnn.ops is not importable "
            f"({why}); build it with `pip install .` (or `pip install --no-build-isolation -e .`)"
        )
        return 1

    from . import _peers

    active_peers = []
    for p in peers:
        if p == "reference" or _peers.available(p):
            active_peers.append(p)
        else:
            log(f"fusedrnn bench: peer {p!r} is not installed; skipped")
    engines = ["fusedrnn"] + active_peers

    ncpu = os.cpu_count() or 1
    for n in threads:
        if n > ncpu:
            log(f"fusedrnn bench: warning: {n} threads on a machine with {ncpu} CPUs")

    _, set_n, get_n = _fused_modules()
    saved_threads = get_n()
    probe = PeakProbe()
    peaks = {}
    if not args.no_peak:
        for n in threads:
            peaks[n] = probe.peak(n)

    rows = []
    try:
        for cell in cells:
            for w in workloads:
                for n in threads:
                    log(f"  {cell:<10} {w.name:<11} {n}t ...")
                    rows.append(
                        _measure_row(cell, w, n, engines, args.repeat, peaks.get(n, 0.0), 8, log)
                    )
        overhead = measure_call_overhead(args.repeat) if any(w.streaming for w in workloads) else {}
    finally:
        set_n(saved_threads)
    if not args.no_peak:  # measure again after the run and keep the best: noise only lowers it
        for n in threads:
            peaks[n] = probe.peak(n, again=True)
        for r in rows:
            r.peak_gflops = peaks[r.threads]
    probe.close()

    print(_header(probe, peaks, workloads, args))
    print(format_table(rows, active_peers))
    if overhead:
        print("\nPython->C++ overhead of one call (median):")
        for k, v in overhead.items():
            print(f"  {k}: {v:.2f} us")
    failures = [(r, e, m) for r in rows for e, m in r.failures.items()]
    if failures:
        print("\nFailures:")
        for r, e, m in failures:
            print(f"  {r.cell} {r.workload.name} {r.threads}t {e}: {m}")
    if args.json:
        _write_json(args.json, rows, peaks, probe, overhead)
    if args.plot:
        try:
            plot(rows, engines, args.plot)
            print(f"\nplot written to {args.plot}")
        except ImportError:
            log("fusedrnn bench: --plot needs matplotlib (pip install matplotlib); no plot drawn")
    bad = any(m.startswith("MISMATCH") for _, _, m in failures) or any(
        "fusedrnn" in r.failures for r in rows
    )
    return 1 if bad else 0


def _header(probe, peaks, workloads, args) -> str:
    lines = [
        "fusedrnn bench: fp32, return_sequences=True; median per call "
        "(ms, streaming: us per one-step call with state carried); "
        "ratio = peer time / fusedrnn time (> 1: fusedrnn faster), each pair timed interleaved, "
        "fusedrnn's time in the ratio being its median in the samples paired with that peer",
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"python {platform.python_version()}, repeat {args.repeat}",
    ]
    try:
        import fusedrnn

        isa = fusedrnn.cpu_isa() if hasattr(fusedrnn, "cpu_isa") else "?"
        lines.append(f"fusedrnn ISA: {isa}")
    except Exception:  # noqa: BLE001
        pass
    if peaks:
        figures = ", ".join(
            f"{n} thread{'s' if n > 1 else ''} {g:.1f} GFLOP/s" for n, g in peaks.items()
        )
        lines.append(f"fp32 FMA peak ({probe.method}): {figures}")
        if probe.note:
            lines.append(f"  note: {probe.note}")
    for w in workloads:
        lines.append(f"  {w.name}: {w.shape()}{' (one step per call)' if w.streaming else ''}")
    return "\n".join(lines) + "\n"


def _write_json(path, rows, peaks, probe, overhead):
    import json

    data = {
        "peak_gflops": {str(k): v for k, v in peaks.items()},
        "peak_method": probe.method,
        "call_overhead_us": overhead,
        "rows": [
            {
                "cell": r.cell,
                "workload": r.workload.name,
                "shape": [
                    r.workload.batch,
                    r.workload.timesteps,
                    r.workload.input_dim,
                    r.workload.units,
                ],
                "streaming": r.workload.streaming,
                "threads": r.threads,
                "flops": r.flops,
                "median_s": r.times,
                "fusedrnn_median_s_paired_with": r.pair_times,
                "max_abs_error": r.errors,
                "failures": r.failures,
            }
            for r in rows
        ],
    }
    with open(path, "w") as f:
        json.dump(data, f, indent=2)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
