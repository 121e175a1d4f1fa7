"""ISA selection, threads and input validation of the ops."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import fusedrnn
from fusedrnn import _core, ops


def _run(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        env={**os.environ, **env}, timeout=120, check=False,
    )


def test_available_isas_contains_generic_and_current():
    levels = fusedrnn.available_isas()
    assert levels[0] == "generic"
    assert fusedrnn.cpu_isa() in levels
    assert set(levels) <= {"generic", "avx2", "avx512"}


@pytest.mark.parametrize("level", fusedrnn.available_isas())
def test_environment_forces_each_available_level(level):
    r = _run("import fusedrnn; print(fusedrnn.cpu_isa())", FUSEDRNN_ISA=level)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == level


def test_environment_rejects_unknown_and_unavailable_levels():
    r = _run("import fusedrnn", FUSEDRNN_ISA="sse9")
    assert r.returncode != 0
    assert "FUSEDRNN_ISA" in r.stderr
    missing = [lv for lv in ("avx2", "avx512") if lv not in fusedrnn.available_isas()]
    for level in missing:
        r = _run("import fusedrnn", FUSEDRNN_ISA=level)
        assert r.returncode != 0
        assert "not available" in r.stderr


def test_set_isa_rejects_unknown():
    with pytest.raises(ValueError, match="unknown ISA"):
        _core.set_isa("mmx")


def test_threads():
    before = fusedrnn.get_num_threads()
    assert before >= 1
    try:
        fusedrnn.set_num_threads(1)
        assert fusedrnn.get_num_threads() == 1
        fusedrnn.set_num_threads(3)
        assert fusedrnn.get_num_threads() == 3
        for bad in (0, -2):
            with pytest.raises(ValueError, match=">= 1"):
                fusedrnn.set_num_threads(bad)
        with pytest.raises(TypeError):
            fusedrnn.set_num_threads(1.5)
        with pytest.raises(TypeError):
            fusedrnn.set_num_threads(True)
        fusedrnn.set_num_threads(np.int64(2))  # NumPy integers are integers
        assert fusedrnn.get_num_threads() == 2
        fusedrnn.set_num_threads(2**40)  # beyond the core's limit: the limit (was pybind's error)
        assert fusedrnn.get_num_threads() == 256
    finally:
        fusedrnn.set_num_threads(before)


def test_default_threads_is_the_usable_cores():
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    r = _run("import fusedrnn; print(fusedrnn.get_num_threads())")
    assert int(r.stdout) == expected


def test_fma_peak_probe_is_positive():
    assert _core.measure_fma_peak_gflops(0.02) > 0.1


# ---------------------------------------------------------------------------------------------
rng = np.random.default_rng(0)
K = rng.standard_normal((4, 12)).astype(np.float32)
R = rng.standard_normal((3, 12)).astype(np.float32)
B4 = np.zeros(12, np.float32)


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        (("lstn", K, R, B4), {}, ValueError, "unknown cell"),
        (("lstm", K, R[:, :8], B4), {}, ValueError, "recurrent_kernel"),
        (("lstm", K[:, :8], R, B4), {}, ValueError, "kernel"),
        (("lstm", K, R, B4[:8]), {}, ValueError, "bias"),
        (("gru", K[:, :9], R[:, :9], np.zeros(9)), {}, ValueError, r"bias.*\(2, 9\)"),
        (("lstm", K, R, B4), {"activation": "swishy"}, ValueError, "unknown activation"),
        (("lstm", K, R, B4), {"recurrent_activation": "nope"}, ValueError, "recurrent_activation"),
        (("lstm", np.array([["a"] * 12] * 4), R, B4), {}, TypeError, "numeric"),
    ],
)
def test_pack_weights_rejects_bad_weights(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ops.pack_weights(*args, **kwargs)


def test_forward_rejects_bad_inputs():
    packed = ops.pack_weights("lstm", K, R, B4)
    x = rng.standard_normal((2, 5, 4)).astype(np.float32)
    h = np.zeros((2, 3), np.float32)
    with pytest.raises(ValueError, match="rank 3"):
        ops.rnn_forward(x[0], packed)
    for scalar in (1.0, np.float64(1.0), np.array(2)):  # named as the scalars they are
        with pytest.raises(ValueError, match=r"rank 3 .*got shape \(\)"):
            ops.rnn_forward(scalar, packed)
    with pytest.raises(ValueError, match="input_dim 5 but the weights expect 4"):
        ops.rnn_forward(np.zeros((2, 5, 5)), packed)
    with pytest.raises(ValueError, match="2 initial state"):
        ops.rnn_forward(x, packed, [h])
    with pytest.raises(ValueError, match=r"initial state c must have shape \(2, 3\)"):
        ops.rnn_forward(x, packed, [h, np.zeros((2, 4))])
    with pytest.raises(ValueError, match=r"mask must have shape \(2, 5\)"):
        ops.rnn_forward(x, packed, mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="at least one timestep"):
        ops.rnn_forward(np.zeros((2, 0, 4)), packed)
    with pytest.raises(TypeError, match="numeric"):
        ops.rnn_forward(np.array([[["x"] * 4] * 5] * 2), packed)
    with pytest.raises(TypeError, match="PackedWeights"):
        ops.rnn_forward(x, "weights")
    with pytest.raises(ValueError, match="gru_forward needs weights packed for a gru"):
        ops.gru_forward(x, packed)


def test_packed_weights_describe_themselves():
    p = ops.pack_weights("gru", rng.standard_normal((5, 21)), rng.standard_normal((7, 21)),
                         None, activation="relu", recurrent_activation="hard_sigmoid",
                         reset_after=False)
    assert (p.cell, p.units, p.input_dim, p.num_gates, p.num_states) == ("gru", 7, 5, 3, 1)
    assert (p.activation, p.recurrent_activation, p.reset_after, p.use_bias) == (
        "relu", "hard_sigmoid", False, False)
    assert p.padded_units == 16


def _forward_in_child(queue):
    x = np.random.default_rng(0).standard_normal((1, 20, 4)).astype(np.float32)
    packed = ops.pack_weights("lstm", np.ones((4, 256), np.float32) * 0.01,
                              np.ones((64, 256), np.float32) * 0.01, None)
    out, _ = ops.rnn_forward(x, packed)
    queue.put(out)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_forked_child_runs_with_threads():
    """A child forked after the pool started (gunicorn preload, multiprocessing) must not hang
    on the parent's worker threads, which do not exist in the child."""
    import multiprocessing

    before = fusedrnn.get_num_threads()
    fusedrnn.set_num_threads(2)
    try:
        x = np.random.default_rng(0).standard_normal((1, 20, 4)).astype(np.float32)
        packed = ops.pack_weights("lstm", np.ones((4, 256), np.float32) * 0.01,
                                  np.ones((64, 256), np.float32) * 0.01, None)
        want, _ = ops.rnn_forward(x, packed)  # the pool's workers are running now
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        child = ctx.Process(target=_forward_in_child, args=(queue,))
        child.start()
        try:
            got = queue.get(timeout=60)
            child.join(timeout=60)
        finally:
            if child.is_alive():
                child.kill()
        assert child.exitcode == 0
        np.testing.assert_array_equal(got, want)
    finally:
        fusedrnn.set_num_threads(before)


_ONE_CPU_CHILD = """
import os, sys, time
import numpy as np
import fusedrnn
from fusedrnn import ops
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
fusedrnn.set_num_threads(int(sys.argv[1]))
rng = np.random.default_rng(0)
x = rng.standard_normal((1, 40, 8)).astype(np.float32)
packed = ops.pack_weights("gru", (rng.standard_normal((8, 768)) * 0.1).astype(np.float32),
                          (rng.standard_normal((256, 768)) * 0.06).astype(np.float32), None)
outs = []
for pause in (0.0, 0.05, 0.0):  # also after the workers have gone to sleep
    time.sleep(pause)
    outs.append(ops.rnn_forward(x, packed)[0])
np.save(sys.argv[2], np.stack(outs))
"""


@pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity"), reason="needs os.sched_setaffinity (Linux)"
)
def test_threads_sharing_one_cpu_finish_with_identical_results(tmp_path):
    """Two threads confined to one CPU (a container with one core, or a worker woken on the
    caller's CPU): the per-step barrier must yield rather than spin the slice away, the worker
    finds no other CPU to move to, and the results equal one thread's bit for bit."""
    paths = {}
    for threads in (1, 2):
        paths[threads] = tmp_path / f"out{threads}.npy"
        proc = subprocess.run(
            [sys.executable, "-c", _ONE_CPU_CHILD, str(threads), str(paths[threads])],
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert proc.returncode == 0, proc.stderr
    one, two = np.load(paths[1]), np.load(paths[2])
    np.testing.assert_array_equal(two, one)
    np.testing.assert_array_equal(one[0], one[1])


_CONCURRENT_CHILD = """
import sys, threading, time
import numpy as np
import fusedrnn
import fusedrnn.reference
from fusedrnn import ops
rng = np.random.default_rng(0)
x = rng.standard_normal((1, 3, 16)).astype(np.float32)
# 768 KB of recurrent weights at batch 1: split across threads, a barrier every step.
kernel = (rng.standard_normal((16, 768)) * 0.1).astype(np.float32)
recurrent = (rng.standard_normal((256, 768)) * 0.06).astype(np.float32)
packed = ops.pack_weights("gru", kernel, recurrent, None)
want = fusedrnn.reference.rnn("gru", x.astype(np.float64), kernel, recurrent)[0]
outs = []
# First calls of the process made by two threads at once (the pool starts under them).
start = threading.Barrier(2)
def first():
    start.wait()
    outs.append(ops.rnn_forward(x, packed)[0])
threads = [threading.Thread(target=first) for _ in range(2)]
# Then calls from two threads while a third switches between 1 and 2 threads.
stop = time.monotonic() + float(sys.argv[1])
def caller():
    while time.monotonic() < stop:
        outs.append(ops.rnn_forward(x, packed)[0])
def switcher():
    i = 0
    while time.monotonic() < stop:
        fusedrnn.set_num_threads(1 + i % 2)
        i += 1
for t in threads:
    t.start()
for t in threads:
    t.join()
threads = [threading.Thread(target=f) for f in (caller, caller, switcher)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert len(outs) > 2, len(outs)
for out in outs:
    np.testing.assert_array_equal(out, outs[0])
np.testing.assert_allclose(outs[0], want, rtol=1e-4, atol=1e-5)
print("calls", len(outs))
"""


def test_concurrent_calls_while_the_thread_count_changes():
    """Calls from several Python threads while another calls set_num_threads (and the first
    calls of a process made from two threads at once) must neither hang nor change results:
    a job planned for the requested thread count once met a pool that was being rebuilt, ran
    its barrier-synchronised participants one after another and waited forever."""
    proc = subprocess.run(
        [sys.executable, "-c", _CONCURRENT_CHILD, "2.0"], capture_output=True, text=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"}, timeout=90, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.filterwarnings("ignore:Layer 'conv1d'.*destroy the mask:UserWarning")
def test_one_model_serves_several_threads_at_once():
    """A served model is called from several threads (a threaded web server): their first
    calls race to pack the weights, and every call must give what it gives alone."""
    import threading

    from fusedrnn import layers
    from fusedrnn.models import Model

    rng = np.random.default_rng(5)
    x = layers.Input((None, 6))
    h = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(layers.Masking()(x))
    h = layers.GRU(5, return_sequences=True)(h)
    h = layers.MultiHeadAttention(2, 3)(h, h)
    h = layers.GlobalAveragePooling1D()(layers.Conv1D(4, 3, padding="same")(h))
    model = Model(x, layers.Dense(2)(h))
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.4
                       for w in model.get_weights()])
    batches = [rng.standard_normal((int(rng.integers(1, 6)), int(rng.integers(2, 12)), 6))
               .astype(np.float32) for _ in range(48)]
    for b in batches:
        b[0, -1:] = 0.0  # a masked step
    got: list = [None] * len(batches)

    def serve(first: int) -> None:
        for i in range(first, len(batches), 6):
            got[i] = model.predict(batches[i], verbose=0) if i % 2 else model(batches[i])

    threads = [threading.Thread(target=serve, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    for i, b in enumerate(batches):
        np.testing.assert_array_equal(np.asarray(got[i]), model.predict(b, verbose=0))
