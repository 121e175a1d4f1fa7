"""The CUDA path (fusedrnn.cuda) against the NumPy reference, on a grid of cells x options x
sizes.  GPU tests skip with a reason when CuPy or a GPU is missing; the validation and
import tests at the top run everywhere."""

from __future__ import annotations

import importlib.util
import zlib

import numpy as np
import pytest

import fusedrnn.cuda as fcuda
from fusedrnn import reference

HAVE_CUPY = importlib.util.find_spec("cupy") is not None
GPU_OK = fcuda.is_available()
needs_gpu = pytest.mark.skipif(
    not GPU_OK,
    reason="needs CuPy and a CUDA GPU (pip install cupy-cuda12x); none usable here",
)

# fp32 kernels vs the float64 reference run on the same fp32-rounded inputs.
RTOL, ATOL = 1e-4, 2e-5

# (cell, reset_after) variants; gate counts follow SEMANTICS.md.
VARIANTS = [("simple_rnn", True), ("gru", True), ("gru", False), ("lstm", True)]
VARIANT_IDS = ["simple_rnn", "gru_reset_after", "gru_reset_before", "lstm"]
GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}


def make_weights(rng, cell, units, input_dim, reset_after=True, use_bias=True):
    g = GATES[cell]
    k = rng.uniform(-1, 1, (input_dim, g * units)) / np.sqrt(input_dim)
    r = rng.uniform(-1, 1, (units, g * units)) / np.sqrt(units)
    bias = None
    if use_bias:
        shape = (2, g * units) if (cell == "gru" and reset_after) else (g * units,)
        bias = rng.uniform(-0.5, 0.5, shape)
    f32 = lambda a: None if a is None else a.astype(np.float32)  # noqa: E731
    return f32(k), f32(r), f32(bias)


def make_mask(rng, batch, timesteps):
    m = rng.random((batch, timesteps)) < 0.7
    m[0, :] = False  # a row that never has a real step: zero outputs, initial states kept
    if batch > 1:
        m[1, :] = True
        m[1, timesteps // 2] = False  # a masked step after real ones repeats the last output
    return m


def reference_run(cell, x, k, r, bias, **opts):
    f64 = lambda a: None if a is None else np.asarray(a, np.float64)  # noqa: E731
    init = opts.pop("initial_state", None)
    if init is not None:
        init = [f64(s) for s in init]
    return reference.rnn(cell, f64(x), f64(k), f64(r), f64(bias), initial_state=init, **opts)


def assert_close(got, want, what):
    got = np.asarray(got)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    assert np.all(np.isfinite(got)), f"{what}: non-finite values"
    err = np.abs(got.astype(np.float64) - want)
    tol = ATOL + RTOL * np.abs(want)
    if np.any(err > tol):
        i = np.unravel_index(np.argmax(err - tol), err.shape)
        pytest.fail(
            f"{what}: max |diff| {err.max():.3e} (at {i}: got {got[i]!r}, want {want[i]!r}), "
            f"{int((err > tol).sum())} of {err.size} elements out of tolerance"
        )


def run_case(rng, cell, reset_after, units, batch, timesteps, *, input_dim=7,
             return_sequences=True, go_backwards=False, use_mask=False, use_init=False,
             activation="tanh", recurrent_activation="sigmoid", use_bias=True,
             algorithm="auto", units_per_block=None):
    import cupy as cp

    k, r, bias = make_weights(rng, cell, units, input_dim, reset_after, use_bias)
    x = rng.uniform(-1, 1, (batch, timesteps, input_dim)).astype(np.float32)
    mask = make_mask(rng, batch, timesteps) if use_mask else None
    init = None
    if use_init:
        n = 2 if cell == "lstm" else 1
        init = [rng.uniform(-1, 1, (batch, units)).astype(np.float32) for _ in range(n)]
    opts = dict(activation=activation, recurrent_activation=recurrent_activation)
    if cell == "simple_rnn":
        opts.pop("recurrent_activation")
    if cell == "gru":
        opts["reset_after"] = reset_after
    want_out, want_states = reference_run(
        cell, x, k, r, bias, initial_state=init, mask=mask, go_backwards=go_backwards,
        return_sequences=return_sequences, **opts)

    packed = fcuda.pack_weights(cell, k, r, bias, activation=activation,
                                recurrent_activation=recurrent_activation,
                                reset_after=reset_after)
    out, states = fcuda.rnn_forward(
        cp.asarray(x), packed,
        initial_state=None if init is None else [cp.asarray(s) for s in init],
        mask=None if mask is None else cp.asarray(mask),
        go_backwards=go_backwards, return_sequences=return_sequences,
        algorithm=algorithm, units_per_block=units_per_block)
    assert isinstance(out, cp.ndarray)
    assert out.dtype == cp.float32
    assert_close(cp.asnumpy(out), want_out, "output")
    assert len(states) == len(want_states)
    for i, (s, w) in enumerate(zip(states, want_states)):
        assert_close(cp.asnumpy(s), w, f"state {i}")


# --------------------------------------------------------------------------- no GPU needed


def test_import_does_not_need_cupy():
    # Importing succeeded at the top of this file; the public names are there.
    for name in ("pack_weights", "rnn_forward", "bidirectional_forward", "is_available"):
        assert callable(getattr(fcuda, name))
    assert "rnn_persistent" in fcuda.kernel_source()


@pytest.mark.skipif(HAVE_CUPY, reason="CuPy is installed, so the missing-CuPy error cannot occur")
def test_missing_cupy_gives_install_hint():
    rng = np.random.default_rng(0)
    k, r, b = make_weights(rng, "gru", 4, 3)
    with pytest.raises(ImportError, match="pip install cupy-cuda12x"):
        fcuda.pack_weights("gru", k, r, b)


@pytest.mark.parametrize(
    ("cell", "kshape", "rshape", "bshape", "reset_after", "match"),
    [
        ("conv", (3, 4), (4, 4), None, True, "unknown cell"),
        ("gru", (3, 12), (4, 8), None, True, "recurrent_kernel"),
        ("lstm", (3, 15), (4, 16), None, True, "kernel must have shape"),
        ("gru", (3, 12), (4, 12), (12,), True, r"bias must have shape \(2, 12\)"),
        ("gru", (3, 12), (4, 12), (2, 12), False, r"bias must have shape \(12,\)"),
        ("simple_rnn", (3, 4), (4, 4), (5,), True, "bias must have shape"),
    ],
)
def test_pack_weights_rejects_bad_shapes(cell, kshape, rshape, bshape, reset_after, match):
    k, r = np.zeros(kshape, np.float32), np.zeros(rshape, np.float32)
    b = None if bshape is None else np.zeros(bshape, np.float32)
    with pytest.raises(ValueError, match=match):
        fcuda.pack_weights(cell, k, r, b, reset_after=reset_after)


def test_pack_weights_rejects_bad_activation_and_dtype():
    k, r = np.zeros((3, 4), np.float32), np.zeros((4, 4), np.float32)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        fcuda.pack_weights("simple_rnn", k, r, activation="swish")
    with pytest.raises(TypeError, match="kernel must be a real numeric array"):
        fcuda.pack_weights("simple_rnn", k.astype(str), r)


class _NumpyAsCupy:
    """Stands in for CuPy in the host-side planning/packing tests (no GPU needed)."""

    asarray = staticmethod(np.asarray)


@pytest.mark.parametrize("units_per_block", [1, 3, 8])
@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
def test_block_packing_layout(cell, reset_after, units_per_block, monkeypatch):
    # Every (block, gate, unit) column of the packed shared-memory image must be the matching
    # column of the Keras recurrent kernel; padding columns must be zero.
    from fusedrnn.cuda import _ops

    units, g = 10, GATES[cell]
    r = np.random.default_rng(4).uniform(-1, 1, (units, g * units)).astype(np.float32)
    packed = _ops.CudaPackedWeights(
        cell=cell, units=units, input_dim=2, activation="tanh", recurrent_activation="sigmoid",
        reset_after=reset_after, use_bias=False, kernel=None, recurrent_kernel=None,
        input_bias=None, recurrent_bias=None, recurrent_kernel_host=r)
    monkeypatch.setattr(_ops, "_cp", lambda: _NumpyAsCupy)
    monkeypatch.setattr(_ops, "_device_limits", lambda: (132, 227 * 1024))
    plan = _ops._plan(packed, 1, 1, units_per_block)
    assert plan is not None
    assert plan.us == units_per_block
    assert plan.nblk == -(-units // units_per_block)
    assert (plan.ncp // 4) % 2 == 1
    blocks = _ops._packed_blocks(packed, plan)
    assert blocks.shape == (plan.nblk, units, plan.ncp)
    used = np.zeros(blocks.shape, bool)
    for blk in range(plan.nblk):
        for u in range(units_per_block):
            j = blk * units_per_block + u
            if j >= units:
                continue
            for gate in range(g):
                if cell == "gru" and not reset_after and gate == 2:
                    col = plan.nca + u
                else:
                    col = gate * units_per_block + u
                np.testing.assert_array_equal(blocks[blk, :, col], r[:, gate * units + j])
                used[blk, :, col] = True
    assert not np.any(blocks[~used]), "padding columns must be zero"


def test_plan_refuses_what_does_not_fit(monkeypatch):
    from fusedrnn.cuda import _ops

    def fake(units, cell="lstm"):
        return _ops.CudaPackedWeights(
            cell=cell, units=units, input_dim=2, activation="tanh",
            recurrent_activation="sigmoid", reset_after=True, use_bias=False, kernel=None,
            recurrent_kernel=None, input_bias=None, recurrent_bias=None,
            recurrent_kernel_host=np.zeros((1, 1), np.float32))

    monkeypatch.setattr(_ops, "_device_limits", lambda: (132, 227 * 1024))
    ok = _ops._plan(fake(1024), 256, 1, None)
    assert ok is not None
    assert ok.smem <= 227 * 1024
    assert ok.nblk <= 132
    assert _ops._plan(fake(1400), 1, 1, None) is None  # 1400 x 44 floats per block > 227 KB
    assert _ops._plan(fake(1024), 1, 2, None) is None  # 2 directions: 1024 x 68 floats > 227 KB
    assert _ops._plan(fake(100), 1, 1, 17) is None  # 68 gate columns per block > 64


# --------------------------------------------------------------------------- the grid

OPTIONS = {
    "plain": dict(),
    "backwards_masked": dict(go_backwards=True, use_mask=True),
    "state_last_only": dict(use_init=True, return_sequences=False),
    "all": dict(go_backwards=True, use_mask=True, use_init=True, return_sequences=False),
    "masked_state_seq": dict(use_mask=True, use_init=True),
}


@needs_gpu
@pytest.mark.cuda
@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("timesteps", [1, 29])
@pytest.mark.parametrize("batch", [1, 5])
@pytest.mark.parametrize("units", [1, 3, 8, 33, 257])
@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
def test_persistent_matches_reference(cell, reset_after, units, batch, timesteps, option):
    seed = zlib.crc32(repr((cell, reset_after, units, batch, timesteps, option)).encode())
    run_case(np.random.default_rng(seed), cell, reset_after, units, batch, timesteps,
             algorithm="persistent", **OPTIONS[option])


@needs_gpu
@pytest.mark.cuda
@pytest.mark.parametrize("batch", [2, 32, 40, 64, 130, 300])
@pytest.mark.parametrize("units", [3, 33, 130])
@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
def test_persistent_batch_layouts(cell, reset_after, units, batch):
    # batch 2..32: k split over all warps; 40..130: split between batch and k; 300: 2 rows/thread
    run_case(np.random.default_rng(units * 1000 + batch), cell, reset_after, units, batch, 13,
             algorithm="persistent", use_mask=True, use_init=True)


@needs_gpu
@pytest.mark.cuda
@pytest.mark.parametrize("batch", [33, 64, 200])
@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
def test_two_rows_per_thread_layouts(cell, reset_after, batch, monkeypatch):
    # Force threads to take 2 batch rows each at batches that otherwise use 1 (the split
    # between k and batch warps then needs the cross-warp reduction too).
    from fusedrnn.cuda import _ops

    monkeypatch.setattr(_ops, "_BT2_FROM_BATCH", [1])
    for units, upb in ((5, None), (70, None), (257, 8)):
        run_case(np.random.default_rng(units + batch), cell, reset_after, units, batch, 9,
                 algorithm="persistent", use_mask=True, use_init=True, units_per_block=upb)


@needs_gpu
@pytest.mark.cuda
@pytest.mark.parametrize("units_per_block", [1, 2, 5, 8])
@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
def test_units_per_block(cell, reset_after, units_per_block):
    # Several units per block (more gate columns per block, a partial last block).
    for batch in (1, 7, 70):
        run_case(np.random.default_rng(units_per_block + batch), cell, reset_after, 37, batch, 11,
                 algorithm="persistent", units_per_block=units_per_block, use_mask=True)


@needs_gpu
@pytest.mark.cuda
@pytest.mark.parametrize("option", ["plain", "all", "masked_state_seq"])
@pytest.mark.parametrize(("units", "batch"), [(1, 1), (8, 3), (33, 1), (257, 5)])
@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
def test_stepwise_matches_reference(cell, reset_after, units, batch, option):
    run_case(np.random.default_rng(units + batch), cell, reset_after, units, batch, 9,
             algorithm="stepwise", **OPTIONS[option])


@needs_gpu
@pytest.mark.cuda
@pytest.mark.parametrize(
    ("activation", "recurrent_activation"),
    [("relu", "hard_sigmoid"), ("linear", "sigmoid"), ("sigmoid", "tanh"), ("hard_sigmoid", "relu"),
     ("tanh", "linear"), ("hard_sigmoid_keras2", "hard_sigmoid_keras2")],
)
@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
def test_activations(cell, reset_after, activation, recurrent_activation):
    for algorithm in ("persistent", "stepwise"):
        run_case(np.random.default_rng(3), cell, reset_after, 19, 3, 7, algorithm=algorithm,
                 activation=activation, recurrent_activation=recurrent_activation,
                 use_mask=True)


@needs_gpu
@pytest.mark.cuda
@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
def test_no_bias_and_long_sequence(cell, reset_after):
    run_case(np.random.default_rng(11), cell, reset_after, 64, 2, 300, use_bias=False,
             use_mask=True)


@needs_gpu
@pytest.mark.cuda
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("units", [3, 40, 257])
@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
def test_bidirectional_one_launch(cell, reset_after, units, return_sequences):
    import cupy as cp

    rng = np.random.default_rng(units)
    batch, timesteps, input_dim = 4, 17, 6
    wf = make_weights(rng, cell, units, input_dim, reset_after)
    wb = make_weights(rng, cell, units, input_dim, reset_after)
    x = rng.uniform(-1, 1, (batch, timesteps, input_dim)).astype(np.float32)
    mask = make_mask(rng, batch, timesteps)
    n = 2 if cell == "lstm" else 1
    init_f = [rng.uniform(-1, 1, (batch, units)).astype(np.float32) for _ in range(n)]
    init_b = [rng.uniform(-1, 1, (batch, units)).astype(np.float32) for _ in range(n)]
    extra = {"reset_after": reset_after} if cell == "gru" else {}
    pf = fcuda.pack_weights(cell, *wf, **extra)
    pb = fcuda.pack_weights(cell, *wb, **extra)
    for algorithm in ("persistent", "stepwise"):
        (of, sf), (ob, sb) = fcuda.bidirectional_forward(
            cp.asarray(x), pf, pb, [cp.asarray(s) for s in init_f], [cp.asarray(s) for s in init_b],
            mask=cp.asarray(mask), return_sequences=return_sequences, algorithm=algorithm)
        for w, init, back, out, st, name in ((wf, init_f, False, of, sf, "fw"),
                                             (wb, init_b, True, ob, sb, "bw")):
            want_o, want_s = reference_run(cell, x, *w, initial_state=init, mask=mask,
                                           go_backwards=back, return_sequences=return_sequences,
                                           **extra)
            assert_close(cp.asnumpy(out), want_o, f"{algorithm} {name} output")
            for i, (s, ws) in enumerate(zip(st, want_s)):
                assert_close(cp.asnumpy(s), ws, f"{algorithm} {name} state {i}")


@needs_gpu
@pytest.mark.cuda
@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
def test_deterministic(cell, reset_after):
    import cupy as cp

    rng = np.random.default_rng(5)
    k, r, b = make_weights(rng, cell, 200, 16, reset_after)
    p = fcuda.pack_weights(cell, k, r, b, reset_after=reset_after)
    for batch in (1, 48):
        x = cp.asarray(rng.uniform(-1, 1, (batch, 40, 16)).astype(np.float32))
        o1, s1 = fcuda.rnn_forward(x, p)
        o2, s2 = fcuda.rnn_forward(x, p)
        assert cp.array_equal(o1, o2)
        assert all(cp.array_equal(a, c) for a, c in zip(s1, s2))


@needs_gpu
@pytest.mark.cuda
def test_numpy_in_numpy_out_and_zero_timesteps():
    rng = np.random.default_rng(9)
    k, r, b = make_weights(rng, "lstm", 6, 3)
    p = fcuda.pack_weights("lstm", k, r, b)
    x = rng.uniform(-1, 1, (2, 5, 3)).astype(np.float32)
    out, (h, c) = fcuda.rnn_forward(x, p)
    assert isinstance(out, np.ndarray)
    assert isinstance(h, np.ndarray)
    want, _ = reference_run("lstm", x, k, r, b)
    assert_close(out, want, "output")
    init = [rng.uniform(-1, 1, (2, 6)).astype(np.float32) for _ in range(2)]
    out0, (h0, c0) = fcuda.rnn_forward(np.zeros((2, 0, 3), np.float32), p, initial_state=init)
    assert out0.shape == (2, 0, 6)
    np.testing.assert_array_equal(h0, init[0])
    np.testing.assert_array_equal(c0, init[1])


@needs_gpu
@pytest.mark.cuda
def test_forward_rejects_bad_input():
    import cupy as cp

    rng = np.random.default_rng(1)
    p = fcuda.pack_weights("gru", *make_weights(rng, "gru", 4, 3))
    x = cp.zeros((2, 5, 3), cp.float32)
    with pytest.raises(ValueError, match="input_dim"):
        fcuda.rnn_forward(cp.zeros((2, 5, 4), cp.float32), p)
    with pytest.raises(ValueError, match="rank 3"):
        fcuda.rnn_forward(cp.zeros((5, 3), cp.float32), p)
    with pytest.raises(ValueError, match="mask must have shape"):
        fcuda.rnn_forward(x, p, mask=cp.ones((2, 4), cp.bool_))
    with pytest.raises(ValueError, match=r"initial_state\[0\] must have shape"):
        fcuda.rnn_forward(x, p, initial_state=[cp.zeros((3, 4), cp.float32)])
    with pytest.raises(ValueError, match="algorithm"):
        fcuda.rnn_forward(x, p, algorithm="fast")
    with pytest.raises(TypeError, match="pack_weights"):
        fcuda.rnn_forward(x, object())
    pl = fcuda.pack_weights("lstm", *make_weights(rng, "lstm", 4, 3))
    with pytest.raises(ValueError, match="differ in cell"):
        fcuda.bidirectional_forward(x, p, pl)


@needs_gpu
@pytest.mark.cuda
def test_auto_falls_back_when_weights_do_not_fit():
    import cupy as cp

    # LSTM with 2300 units needs > 64 gate columns per block on any current GPU: the
    # persistent kernel refuses it and "auto" runs the per-step path.
    rng = np.random.default_rng(2)
    units = 2300
    k, r, b = make_weights(rng, "lstm", units, 5)
    p = fcuda.pack_weights("lstm", k, r, b)
    x = rng.uniform(-1, 1, (2, 3, 5)).astype(np.float32)
    with pytest.raises(ValueError, match="persistent kernel cannot hold"):
        fcuda.rnn_forward(cp.asarray(x), p, algorithm="persistent")
    out, st = fcuda.rnn_forward(cp.asarray(x), p)
    want, want_s = reference_run("lstm", x, k, r, b)
    assert_close(cp.asnumpy(out), want, "output")
    assert_close(cp.asnumpy(st[1]), want_s[1], "c")



@needs_gpu
@pytest.mark.cuda
@pytest.mark.parametrize("algorithm", ["persistent", "stepwise"])
@pytest.mark.parametrize("batch", [1, 5])
@pytest.mark.parametrize("units", [5, 33])
@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
def test_infinite_inputs_match_the_reference(cell, reset_after, units, batch, algorithm):
    # tanh and sigmoid map +-inf to finite values; on the CPU, padding units (zero weights,
    # inf * 0 = NaN) once spread NaN to every unit. The same case here, on the GPU.
    import cupy as cp

    rng = np.random.default_rng(units * 10 + batch)
    k, r, bias = make_weights(rng, cell, units, 3, reset_after)
    x = rng.uniform(-1, 1, (batch, 5, 3)).astype(np.float32)
    x[batch - 1, 1, 0] = np.inf
    x[0, 3, 2] = -np.inf
    opts = {"reset_after": reset_after} if cell == "gru" else {}
    want, _ = reference_run(cell, x, k, r, bias, **opts)
    assert np.isfinite(want).all()
    packed = fcuda.pack_weights(cell, k, r, bias, reset_after=reset_after)
    got, _ = fcuda.rnn_forward(cp.asarray(x), packed, algorithm=algorithm)
    np.testing.assert_allclose(cp.asnumpy(got), want, rtol=RTOL, atol=ATOL)
