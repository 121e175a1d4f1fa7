"""The fused CPU kernels (fusedrnn.ops) against the NumPy reference, on every ISA level this
machine has, over a grid of cells, sizes and options."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import fusedrnn
from fusedrnn import _core, ops
from fusedrnn import reference as ref
from tolerances import FP32_LONG, FP32_SHORT, assert_close, assert_close_fp32_model, tolerance_for

# (cell, reset_after): the four recurrent variants.
VARIANTS = [("simple_rnn", False), ("gru", True), ("gru", False), ("lstm", False)]
VARIANT_IDS = ["simple_rnn", "gru_reset_after", "gru_reset_before", "lstm"]
GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}
SIZES = [1, 3, 7, 8, 33, 257]
ACTS = ["tanh", "sigmoid", "hard_sigmoid", "hard_sigmoid_keras2", "relu", "linear"]


@pytest.fixture(params=fusedrnn.available_isas())
def isa(request):
    """Forces each ISA level the CPU has, in turn (not only the one dispatch picks)."""
    before = _core.cpu_isa()
    _core.set_isa(request.param)
    assert fusedrnn.cpu_isa() == request.param
    yield request.param
    _core.set_isa(before)


@pytest.fixture
def threads():
    before = fusedrnn.get_num_threads()
    yield fusedrnn.set_num_threads
    fusedrnn.set_num_threads(before)


def make_case(rng, cell, reset_after, batch, timesteps, input_dim, units, *, use_bias=True,
              scale=1.0):
    g = GATES[cell]
    kernel = rng.standard_normal((input_dim, g * units)) * scale / np.sqrt(input_dim)
    recurrent = rng.standard_normal((units, g * units)) * scale / np.sqrt(units)
    bias = None
    if use_bias:
        shape = (2, g * units) if (cell == "gru" and reset_after) else (g * units,)
        bias = rng.standard_normal(shape) * 0.5
    x = rng.standard_normal((batch, timesteps, input_dim))
    # The kernels compute in fp32: give the reference the same fp32 inputs, in float64.
    f32 = lambda a: None if a is None else a.astype(np.float32)  # noqa: E731
    return f32(x), f32(kernel), f32(recurrent), f32(bias)


def run_both(cell, reset_after, x, kernel, recurrent, bias, *, activation="tanh",
             recurrent_activation="sigmoid", initial_state=None, mask=None, go_backwards=False,
             return_sequences=True):
    kw = {"activation": activation}
    if cell != "simple_rnn":
        kw["recurrent_activation"] = recurrent_activation
    if cell == "gru":
        kw["reset_after"] = reset_after
    packed = ops.pack_weights(cell, kernel, recurrent, bias, **kw)
    out, states = ops.rnn_forward(x, packed, initial_state, mask, go_backwards, return_sequences)
    f64 = lambda a: None if a is None else np.asarray(a, np.float64)  # noqa: E731
    ref_out, ref_states = ref.rnn(
        cell, f64(x), f64(kernel), f64(recurrent), f64(bias),
        initial_state=None if initial_state is None else [f64(s) for s in initial_state],
        mask=mask, go_backwards=go_backwards, return_sequences=return_sequences, **kw,
    )
    return (out, states), (ref_out, ref_states)


def check(got, want, tol):
    (out, states), (ref_out, ref_states) = got, want
    assert out.dtype == np.float32
    assert_close(out, ref_out, tol, "output")
    assert len(states) == len(ref_states)
    for name, s, rs in zip("hc", states, ref_states):
        assert_close(s, rs, tol, f"state {name}")


@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("units", SIZES)
@pytest.mark.parametrize("input_dim", SIZES)
def test_sizes(isa, cell, reset_after, units, input_dim):
    rng = np.random.default_rng(units * 1000 + input_dim)
    for batch in (1, 4):
        case = make_case(rng, cell, reset_after, batch, 6, input_dim, units)
        check(*run_both(cell, reset_after, *case), tolerance_for(6))


OPTIONS = list(itertools.product([False, True], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("batch", [1, 2, 5, 13])
@pytest.mark.parametrize(
    ("go_backwards", "return_sequences", "masked", "initial"), OPTIONS,
    ids=[f"back{int(a)}-seq{int(b)}-mask{int(c)}-init{int(d)}" for a, b, c, d in OPTIONS],
)
def test_options(isa, cell, reset_after, batch, go_backwards, return_sequences, masked, initial):
    rng = np.random.default_rng(batch)
    timesteps, units = 9, 33
    x, kernel, recurrent, bias = make_case(rng, cell, reset_after, batch, timesteps, 7, units)
    state = None
    if initial:
        n = 2 if cell == "lstm" else 1
        state = [rng.standard_normal((batch, units)).astype(np.float32) for _ in range(n)]
    mask = None
    if masked:
        mask = rng.random((batch, timesteps)) > 0.4
        mask[0, :3] = False  # leading masked steps: outputs are zeros there
        if batch > 1:
            mask[-1, :] = False  # a fully masked sample keeps its initial state
    got = run_both(cell, reset_after, x, kernel, recurrent, bias, initial_state=state, mask=mask,
                   go_backwards=go_backwards, return_sequences=return_sequences)
    check(*got, tolerance_for(timesteps))


ACTIVATION_CASES = [
    (cell, reset_after, act, ract)
    for (cell, reset_after) in VARIANTS
    for act in ACTS
    for ract in (ACTS if cell != "simple_rnn" else ["sigmoid"])  # SimpleRNN has no recurrent one
]


@pytest.mark.parametrize(
    ("cell", "reset_after", "activation", "recurrent_activation"), ACTIVATION_CASES,
    ids=[f"{c}{'-ra' if r else ''}-{a}-{b}" for c, r, a, b in ACTIVATION_CASES],
)
def test_activations(isa, cell, reset_after, activation, recurrent_activation):
    rng = np.random.default_rng(7)
    # Large weights drive pre-activations across every branch of tanh/sigmoid/hard_sigmoid;
    # over few steps, since such dynamics amplify fp32 rounding step after step.
    # Unbounded activations make these cells blow up, so the oracle is the error of a plain
    # fp32 evaluation (the reference in float32), not a fixed tolerance.
    kw = {"activation": activation}
    if cell != "simple_rnn":
        kw["recurrent_activation"] = recurrent_activation
    if cell == "gru":
        kw["reset_after"] = reset_after
    for timesteps, scale in ((3, 3.0), (8, 1.0)):
        x, kernel, recurrent, bias = make_case(rng, cell, reset_after, 3, timesteps, 5, 19,
                                               scale=scale)
        with np.errstate(over="ignore", invalid="ignore"):
            (out, states), (ref_out, ref_states) = run_both(
                cell, reset_after, x, kernel, recurrent, bias,
                **{k: v for k, v in kw.items() if k != "reset_after"},
            )
        with np.errstate(over="ignore", invalid="ignore"):  # fp32 may overflow: expected
            ref32_out, ref32_states = ref.rnn(cell, x, kernel, recurrent, bias, **kw)
        assert ref32_out.dtype == np.float32
        assert_close_fp32_model(out, ref_out, ref32_out, factor=16.0, what=f"output T={timesteps}")
        for name, s, s64, s32 in zip("hc", states, ref_states, ref32_states):
            assert_close_fp32_model(s, s64, s32, factor=16.0, what=f"state {name} T={timesteps}")


@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("batch", [1, 4])
def test_long_sequences(isa, cell, reset_after, batch):
    rng = np.random.default_rng(300 + batch)
    case = make_case(rng, cell, reset_after, batch, 300, 16, 64)
    check(*run_both(cell, reset_after, *case, go_backwards=batch == 4), FP32_LONG)


@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
def test_no_bias(isa, cell, reset_after):
    rng = np.random.default_rng(11)
    case = make_case(rng, cell, reset_after, 2, 5, 6, 10, use_bias=False)
    check(*run_both(cell, reset_after, *case), tolerance_for(5))


@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize(("batch", "units"), [(1, 256), (3, 64), (2, 16), (40, 48), (9, 257)])
def test_threads_give_identical_results(isa, threads, cell, reset_after, batch, units):
    rng = np.random.default_rng(batch + units)
    x, kernel, recurrent, bias = make_case(rng, cell, reset_after, batch, 12, 24, units)
    kw = {"reset_after": reset_after} if cell == "gru" else {}
    packed = ops.pack_weights(cell, kernel, recurrent, bias, **kw)
    mask = rng.random((batch, 12)) > 0.2
    results = []
    for n in (1, 2, 3):
        threads(n)
        out, states = ops.rnn_forward(x, packed, mask=mask)
        results.append((out, states))
    for out, states in results[1:]:
        np.testing.assert_array_equal(out, results[0][0])
        for s, s0 in zip(states, results[0][1]):
            np.testing.assert_array_equal(s, s0)


@pytest.mark.parametrize(("cell", "reset_after"), [("gru", True), ("lstm", False)],
                         ids=["gru_reset_after", "lstm"])
@pytest.mark.parametrize("units", [16, 48, 257])
def test_gated_rows_do_not_depend_on_their_batch(isa, cell, reset_after, units):
    """A GRU (reset_after=True) or LSTM row gives bitwise the same result alone, in a pair, or
    in any batch (the matrix-vector products of batches <= 2 sum like the batched tiles, and
    the gates compute alike at either vector width), so `predict` in batches equals one pass.
    (The one-panel products of a SimpleRNN and of a reset_after=False GRU's candidate split
    their sums at batch <= 2 for more independent chains; they match the reference like the
    rest.)"""
    rng = np.random.default_rng(units)
    x, kernel, recurrent, bias = make_case(rng, cell, reset_after, 9, 6, 20, units)
    kw = {"reset_after": reset_after} if cell == "gru" else {}
    packed = ops.pack_weights(cell, kernel, recurrent, bias, **kw)
    whole, whole_states = ops.rnn_forward(x, packed)
    for rows in (slice(0, 1), slice(4, 6), slice(2, 7), slice(8, 9)):
        out, states = ops.rnn_forward(x[rows], packed)
        np.testing.assert_array_equal(out, whole[rows])
        for s, s0 in zip(states, whole_states):
            np.testing.assert_array_equal(s, s0[rows])


@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("batch", [1, 2, 7])
def test_consecutive_calls_agree(isa, threads, cell, reset_after, batch):
    """Consecutive calls with one set of weights sweep the unit groups in opposite directions
    (a one-step call starts where the last one ended, for the cache), and at batch <= 2 a chunk
    whose first sweep runs backwards projects its inputs after it. The results must be bitwise
    the same whatever the direction and match the reference, for one step, several, and 360
    (two or three input-projection chunks at batch 1 and 2, starting on both parities). Inputs
    alternate, so that a projection left out would show: the workspace would still hold the
    other input's."""
    rng = np.random.default_rng(batch)
    for n, timesteps in itertools.product((1, 2), (1, 3, 360)):
        threads(n)
        x, kernel, recurrent, bias = make_case(rng, cell, reset_after, batch, timesteps, 9, 57)
        x2 = rng.standard_normal(x.shape).astype(np.float32)
        kw = {"reset_after": reset_after} if cell == "gru" else {}
        packed = ops.pack_weights(cell, kernel, recurrent, bias, **kw)
        tol = tolerance_for(timesteps)
        runs = [ops.rnn_forward(a, packed) for a in (x, x, x2, x, x2)]
        for (out, states), a in zip(runs[:3], (x, x, x2)):
            want = ref.rnn(cell, a.astype(np.float64), kernel.astype(np.float64),
                           recurrent.astype(np.float64), bias.astype(np.float64),
                           **kw)
            check((out, states), want, tol)
        for got, first in ((runs[1], runs[0]), (runs[3], runs[0]), (runs[4], runs[2])):
            np.testing.assert_array_equal(got[0], first[0])
            for s, s0 in zip(got[1], first[1]):
                np.testing.assert_array_equal(s, s0)


@pytest.mark.parametrize(
    ("cell", "reset_after", "units"), [("gru", True, 600), ("lstm", False, 520)]
)
def test_weights_larger_than_the_cache(isa, threads, cell, reset_after, units):
    """Recurrent weights over 4 MB take the batched loop that prefetches the next panel (AVX2),
    and split their units across threads even for batches that would otherwise split their
    rows (9 rows: one thread's share of the weights each): every thread count gives the
    reference's result, bitwise the same."""
    g = GATES[cell]
    assert units * g * units * 4 > 4 << 20
    rng = np.random.default_rng(units)
    for batch in (7, 9):
        case = make_case(rng, cell, reset_after, batch, 3, 5, units)
        results = []
        for n in (1, 2, 3):
            threads(n)
            got, want = run_both(cell, reset_after, *case)
            check(got, want, tolerance_for(3))
            results.append(got)
        for out, states in results[1:]:
            np.testing.assert_array_equal(out, results[0][0])
            for s, s0 in zip(states, results[0][1]):
                np.testing.assert_array_equal(s, s0)


def test_bidirectional_matches_two_layers(isa, threads):
    rng = np.random.default_rng(5)
    x, k1, r1, b1 = make_case(rng, "gru", True, 3, 10, 8, 20)
    _, k2, r2, b2 = make_case(rng, "gru", True, 3, 10, 8, 20)
    pf = ops.pack_weights("gru", k1, r1, b1)
    pb = ops.pack_weights("gru", k2, r2, b2)
    mask = rng.random((3, 10)) > 0.3
    for n in (1, 2):
        threads(n)
        (of, sf), (ob, sb) = ops.bidirectional_forward(x, pf, pb, mask=mask)
        ef, esf = ops.rnn_forward(x, pf, mask=mask)
        eb, esb = ops.rnn_forward(x, pb, mask=mask, go_backwards=True)
        np.testing.assert_array_equal(of, ef)
        np.testing.assert_array_equal(ob, eb)
        np.testing.assert_array_equal(sf[0], esf[0])
        np.testing.assert_array_equal(sb[0], esb[0])


def test_streaming_steps_equal_one_pass(isa):
    """T=1 calls carrying the state equal one call over the whole sequence."""
    rng = np.random.default_rng(9)
    x, kernel, recurrent, bias = make_case(rng, "lstm", False, 2, 15, 6, 40)
    packed = ops.pack_weights("lstm", kernel, recurrent, bias)
    whole, whole_states = ops.rnn_forward(x, packed)
    states = None
    for t in range(x.shape[1]):
        step_out, states = ops.rnn_forward(x[:, t : t + 1], packed, states)
        assert_close(step_out[:, 0], whole[:, t], (1e-6, 1e-6), f"step {t}")
    assert_close(states[1], whole_states[1], (1e-6, 1e-6), "final c")


def test_nan_stays_in_its_sample(isa):
    rng = np.random.default_rng(3)
    for batch in (2, 12):
        x, kernel, recurrent, bias = make_case(rng, "gru", True, batch, 7, 5, 33)
        x[1, 3, 2] = np.nan
        out, (h,) = ops.rnn_forward(x, ops.pack_weights("gru", kernel, recurrent, bias))
        assert np.isnan(out[1, 3:]).all()
        others = np.delete(np.arange(batch), 1)
        assert np.isfinite(out[others]).all()
        assert np.isfinite(h[others]).all()


@pytest.mark.parametrize(("cell", "reset_after"), VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("units", [5, 20, 33])
@pytest.mark.parametrize("batch", [1, 2, 5])
def test_infinite_inputs_and_states_match_the_reference(isa, cell, reset_after, units, batch):
    """tanh and sigmoid map +-inf to finite values, so an inf in x (or, where h goes through
    an activation, in the initial h) must give the reference's finite outputs. The units that
    pad H to whole 16-unit groups have zero weights, and inf * 0 = NaN there once spread NaN to
    every unit through the state."""
    rng = np.random.default_rng(units * 10 + batch)
    x, kernel, recurrent, bias = make_case(rng, cell, reset_after, batch, 5, 3, units)
    x[batch - 1, 1, 0] = np.inf
    x[0, 3, 2] = -np.inf
    n_states = 2 if cell == "lstm" else 1
    states = [rng.standard_normal((batch, units)).astype(np.float32) for _ in range(n_states)]
    if cell != "gru":  # a GRU carries h_prev through z * h_prev: an inf there stays inf
        states[0][batch // 2, units - 1] = -np.inf
    for initial in (None, states):
        # NumPy 2.4's matmul reports the invalid operations its BLAS meets with an inf operand
        # (a RuntimeWarning, an error here) even where the product comes out right.
        with np.errstate(invalid="ignore"):
            got, want = run_both(cell, reset_after, x, kernel, recurrent, bias,
                                 initial_state=initial)
        assert np.isfinite(want[0]).all()  # the case is one the reference keeps finite
        check(got, want, tolerance_for(5))


def test_empty_batch():
    rng = np.random.default_rng(1)
    x, kernel, recurrent, bias = make_case(rng, "lstm", False, 0, 4, 3, 5)
    out, (h, c) = ops.rnn_forward(x, ops.pack_weights("lstm", kernel, recurrent, bias))
    assert out.shape == (0, 4, 5)
    assert h.shape == (0, 5)
    assert c.shape == (0, 5)


def test_other_input_dtypes_and_layouts_are_converted():
    rng = np.random.default_rng(2)
    x, kernel, recurrent, bias = make_case(rng, "simple_rnn", False, 3, 5, 4, 6)
    packed = ops.pack_weights("simple_rnn", kernel.astype(np.float64), recurrent, bias)
    want, _ = ops.rnn_forward(x, packed)
    fortran = np.asfortranarray(x.astype(np.float64))
    got, _ = ops.rnn_forward(fortran, packed)
    np.testing.assert_array_equal(got, want)
    strided, _ = ops.rnn_forward(np.repeat(x, 2, axis=2)[:, :, ::2], packed)
    np.testing.assert_array_equal(strided, want)


def test_state_layouts_are_converted():
    """float32 states that are strided or of the other byte order give the same result."""
    rng = np.random.default_rng(3)
    x, kernel, recurrent, bias = make_case(rng, "lstm", False, 3, 4, 5, 6)
    packed = ops.pack_weights("lstm", kernel, recurrent, bias)
    h0 = rng.standard_normal((3, 6)).astype(np.float32)
    c0 = rng.standard_normal((3, 6)).astype(np.float32)
    want = ops.rnn_forward(x, packed, [h0, c0])
    strided_h0 = np.repeat(h0, 2, axis=1)[:, ::2]
    swapped_c0 = c0.astype(">f4")
    strided_x = np.repeat(x, 3, axis=0)[::3]
    assert not strided_h0.flags.c_contiguous
    assert not strided_x.flags.c_contiguous
    for args in ([x, [strided_h0, c0]], [x, (h0, swapped_c0)], [strided_x, [strided_h0, c0]]):
        got = ops.rnn_forward(args[0], packed, args[1])
        np.testing.assert_array_equal(got[0], want[0])
        for s, s0 in zip(got[1], want[1]):
            np.testing.assert_array_equal(s, s0)


@pytest.mark.parametrize("activation", ACTS)
def test_activation_accuracy(isa, activation):
    """A 1-unit SimpleRNN with kernel 1 and no recurrence outputs act(x): the vectorised
    activations against float64 NumPy over a dense range, ~1e-6 relative."""
    x = np.linspace(-60.0, 60.0, 400_001, dtype=np.float32)
    x = np.concatenate([x, np.float32([0.0, -0.0, 1e-30, -1e-30, 1e-8, 0.625, -0.625])])
    packed = ops.pack_weights("simple_rnn", np.ones((1, 1), np.float32),
                              np.zeros((1, 1), np.float32), None, activation=activation)
    out, _ = ops.rnn_forward(x.reshape(-1, 1, 1), packed)
    want = ref.get_activation(activation)(x.astype(np.float64))
    got = out[:, 0, 0].astype(np.float64)
    err = np.abs(got - want)
    assert (err <= 2e-6 * np.abs(want) + 1e-37).all(), (
        f"{activation}: max rel err {np.max(err / np.maximum(np.abs(want), 1e-37)):.2e} "
        f"at x={x[np.argmax(err / np.maximum(np.abs(want), 1e-37))]}")
    nan_out, _ = ops.rnn_forward(np.full((1, 1, 1), np.nan, np.float32), packed)
    assert np.isnan(nan_out).all()


@pytest.mark.parametrize("threads", [1, 2])
def test_reused_workspace_carries_nothing_between_calls(isa, threads):
    """The scratch a call leaves behind (reused by the next call on this thread) must not leak
    into the next result: NaN-filled calls of other cells and larger shapes, then small calls
    checked against the reference, each cell after each other cell."""
    before = fusedrnn.get_num_threads()
    fusedrnn.set_num_threads(threads)
    try:
        rng = np.random.default_rng(11)
        for poison_cell, cell in itertools.product(GATES, GATES):
            for batch in (1, 5):
                x, kernel, recurrent, bias = make_case(rng, poison_cell, True, 2 * batch + 3,
                                                       9, 6, 70)
                packed = ops.pack_weights(poison_cell, kernel, recurrent, bias)
                c0 = np.full((2 * batch + 3, 70), np.nan, np.float32)
                state = [c0] * packed.num_states
                ops.rnn_forward(np.full_like(x, np.nan), packed, state)  # leaves NaN behind
                case = make_case(rng, cell, True, batch, 4, 5, 19)
                got, want = run_both(cell, True, *case)
                check(got, want, FP32_SHORT)
    finally:
        fusedrnn.set_num_threads(before)
