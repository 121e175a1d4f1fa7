"""Tests for fusedrnn.reference, the NumPy oracle.

Every expected value here comes from a source independent of reference.py: scalar math
written out by hand, per-element Python loops of the PyTorch equations fed converted
weights (the SEMANTICS.md mapping), or structural identities (reversal, masked-step
deletion, zero bias).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

try:
    import fusedrnn.reference as ref
except ImportError:  # package __init__ may need an unbuilt C extension; load the file alone
    _path = Path(__file__).resolve().parents[1] / "python" / "fusedrnn" / "reference.py"
    _spec = importlib.util.spec_from_file_location("_fusedrnn_reference_standalone", _path)
    ref = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = ref
    _spec.loader.exec_module(ref)


CELLS = ("simple_rnn", "gru", "lstm")
GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}
ACTIVATION_NAMES = ("tanh", "sigmoid", "hard_sigmoid", "hard_sigmoid_keras2", "relu", "linear")


def assert_close(actual, expected, rtol=1e-12, atol=1e-12, what="value"):
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    diff = np.abs(actual - expected)
    bad = diff > atol + rtol * np.abs(expected)
    if bad.any():
        where = np.unravel_index(np.argmax(diff), diff.shape)
        raise AssertionError(
            f"{what}: max |diff| {diff.max():.3e} at {where} "
            f"(actual {actual[where]!r}, expected {expected[where]!r}); "
            f"{int(bad.sum())} of {bad.size} elements out of tolerance"
        )


# --------------------------------------------------------------------- scalar activations
# Written independently of reference.py, with the math module only.


def s_sigmoid(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


SCALAR_ACTS = {
    "tanh": math.tanh,
    "sigmoid": s_sigmoid,
    "hard_sigmoid": lambda v: min(1.0, max(0.0, (v + 3.0) / 6.0)),
    "hard_sigmoid_keras2": lambda v: min(1.0, max(0.0, 0.2 * v + 0.5)),
    "relu": lambda v: v if v > 0 else 0.0,
    "linear": lambda v: v,
}


# --------------------------------------------------------------------- random weights


def make_inputs(cell, batch, timesteps, input_dim, units, seed=0, reset_after=True,
                dtype=np.float64):
    rng = np.random.default_rng(seed)
    g = GATES[cell]
    x = rng.normal(size=(batch, timesteps, input_dim))
    kernel = rng.normal(scale=0.5, size=(input_dim, g * units))
    recurrent = rng.normal(scale=0.5, size=(units, g * units))
    if cell == "gru" and reset_after:
        bias = rng.normal(scale=0.5, size=(2, 3 * units))
    else:
        bias = rng.normal(scale=0.5, size=(g * units,))
    states = [rng.normal(scale=0.5, size=(batch, units)) for _ in range(2 if cell == "lstm" else 1)]
    cast = lambda a: a.astype(dtype)  # noqa: E731
    return cast(x), cast(kernel), cast(recurrent), cast(bias), [cast(s) for s in states]


# --------------------------------------------------------------------- PyTorch-equation loops
# Per-element scalar loops of the PyTorch equations on PyTorch-layout weights
# (W_ih (G*H, in), W_hh (G*H, H), b_ih, b_hh; GRU gates r, z, n; LSTM i, f, g, o),
# generalized to any activation pair.


def _matvec_row(W, row, v):
    return sum(W[row][k] * v[k] for k in range(len(v)))


def torch_rnn_loop(x, W_ih, W_hh, b_ih, b_hh, h0, act="tanh"):
    a = SCALAR_ACTS[act]
    B, T, _ = x.shape
    H = W_hh.shape[1]
    out = np.zeros((B, T, H))
    h_final = np.zeros((B, H))
    for b in range(B):
        h = list(h0[b])
        for t in range(T):
            xt = list(x[b, t])
            h = [a(_matvec_row(W_ih, j, xt) + b_ih[j] + _matvec_row(W_hh, j, h) + b_hh[j])
                 for j in range(H)]
            out[b, t] = h
        h_final[b] = h
    return out, h_final


def torch_gru_loop(x, W_ih, W_hh, b_ih, b_hh, h0, act="tanh", rec_act="sigmoid"):
    a, ra = SCALAR_ACTS[act], SCALAR_ACTS[rec_act]
    B, T, _ = x.shape
    H = W_hh.shape[1]
    out = np.zeros((B, T, H))
    h_final = np.zeros((B, H))
    for b in range(B):
        h = list(h0[b])
        for t in range(T):
            xt = list(x[b, t])
            new_h = []
            for j in range(H):
                gi = [_matvec_row(W_ih, g * H + j, xt) + b_ih[g * H + j] for g in range(3)]
                gh = [_matvec_row(W_hh, g * H + j, h) + b_hh[g * H + j] for g in range(3)]
                r = ra(gi[0] + gh[0])
                z = ra(gi[1] + gh[1])
                n = a(gi[2] + r * gh[2])
                new_h.append((1.0 - z) * n + z * h[j])
            h = new_h
            out[b, t] = h
        h_final[b] = h
    return out, h_final


def torch_lstm_loop(x, W_ih, W_hh, b_ih, b_hh, h0, c0, act="tanh", rec_act="sigmoid"):
    a, ra = SCALAR_ACTS[act], SCALAR_ACTS[rec_act]
    B, T, _ = x.shape
    H = W_hh.shape[1]
    out = np.zeros((B, T, H))
    h_final = np.zeros((B, H))
    c_final = np.zeros((B, H))
    for b in range(B):
        h, c = list(h0[b]), list(c0[b])
        for t in range(T):
            xt = list(x[b, t])
            pre = [[_matvec_row(W_ih, g * H + j, xt) + b_ih[g * H + j]
                    + _matvec_row(W_hh, g * H + j, h) + b_hh[g * H + j] for j in range(H)]
                   for g in range(4)]
            i = [ra(v) for v in pre[0]]
            f = [ra(v) for v in pre[1]]
            gg = [a(v) for v in pre[2]]
            o = [ra(v) for v in pre[3]]
            c = [f[j] * c[j] + i[j] * gg[j] for j in range(H)]
            h = [o[j] * a(c[j]) for j in range(H)]
            out[b, t] = h
        h_final[b], c_final[b] = h, c
    return out, h_final, c_final


def keras_gru_reset_before_loop(x, K, R, bias, h0, act="tanh", rec_act="sigmoid"):
    """Per-element loop of Keras GRU(reset_after=False) directly on Keras columns z, r, h."""
    a, ra = SCALAR_ACTS[act], SCALAR_ACTS[rec_act]
    B, T, D = x.shape
    u = R.shape[0]
    out = np.zeros((B, T, u))
    for b in range(B):
        h = list(h0[b])
        for t in range(T):
            xt = x[b, t]

            def xk(col, xt=xt):
                return sum(xt[k] * K[k][col] for k in range(D))

            z = [ra(xk(j) + bias[j] + sum(h[m] * R[m][j] for m in range(u))) for j in range(u)]
            r = [ra(xk(u + j) + bias[u + j] + sum(h[m] * R[m][u + j] for m in range(u)))
                 for j in range(u)]
            rh = [r[m] * h[m] for m in range(u)]
            hh = [a(xk(2 * u + j) + bias[2 * u + j]
                    + sum(rh[m] * R[m][2 * u + j] for m in range(u)))
                  for j in range(u)]
            h = [z[j] * h[j] + (1.0 - z[j]) * hh[j] for j in range(u)]
            out[b, t] = h
    return out


def torch_gru_to_keras(W_ih, W_hh, b_ih, b_hh):
    """SEMANTICS.md: P(a) = concat(a[H:2H], a[:H], a[2H:]) turns torch r,z,n into Keras z,r,h."""
    H = W_hh.shape[1]

    def P(a):
        return np.concatenate([a[H:2 * H], a[:H], a[2 * H:]], axis=0)

    return P(W_ih).T, P(W_hh).T, np.stack([P(b_ih), P(b_hh)])


def random_torch_weights(rng, gates, input_dim, H):
    return (rng.normal(scale=0.5, size=(gates * H, input_dim)),
            rng.normal(scale=0.5, size=(gates * H, H)),
            rng.normal(scale=0.5, size=(gates * H,)),
            rng.normal(scale=0.5, size=(gates * H,)))


# ===================================================================== activations


def test_activation_values_match_scalar_math():
    pts = np.array([-1000.0, -40.0, -3.5, -3.0, -1.0, -0.25, 0.0, 0.4, 1.5, 3.0, 4.0, 40.0, 1000.0])
    for name in ACTIVATION_NAMES:
        got = ref.get_activation(name)(pts)
        expected = [SCALAR_ACTS[name](float(p)) for p in pts]
        assert_close(got, expected, rtol=1e-15, atol=1e-300, what=name)


def test_hard_sigmoid_is_keras3_form():
    f = ref.ACTIVATIONS["hard_sigmoid"]
    np.testing.assert_array_equal(f(np.array([-3.0, 0.0, 1.5, 3.0, -10.0, 10.0])),
                                  [0.0, 0.5, 0.75, 1.0, 0.0, 1.0])
    # Keras 2's 0.2x + 0.5 would give 0.7 here: that one is "hard_sigmoid_keras2".
    assert f(np.array(1.0)) == pytest.approx(4.0 / 6.0)
    f2 = ref.ACTIVATIONS["hard_sigmoid_keras2"]
    np.testing.assert_allclose(f2(np.array([-2.5, 0.0, 1.0, 2.5, -10.0, 10.0])),
                               [0.0, 0.5, 0.7, 1.0, 0.0, 1.0], rtol=1e-15, atol=1e-16)


def test_sigmoid_is_stable_for_large_inputs_in_float32():
    # pytest runs with warnings as errors, so an overflow in exp would fail here.
    x = np.array([-1e30, -100.0, 100.0, 1e30], dtype=np.float32)
    y = ref.ACTIVATIONS["sigmoid"](x)
    assert y.dtype == np.float32
    assert_close(y, [0.0, 0.0, 1.0, 1.0], rtol=0, atol=1e-30)
    assert 0 < y[1] < 1e-40  # exp(-100) is still representable as a float32 subnormal


def test_activations_dict_has_contract_names():
    assert set(ref.ACTIVATIONS) == set(ACTIVATION_NAMES)


def test_get_activation_unknown_name_lists_choices():
    with pytest.raises(ValueError, match="unknown activation 'swishy'.*hard_sigmoid"):
        ref.get_activation("swishy")


# ===================================================================== hand-computed cases


def test_simple_rnn_one_unit_by_hand():
    x = np.array([[[1.0], [-2.0], [0.5]]])
    out, (h,) = ref.simple_rnn(x, [[0.5]], [[-0.3]], [0.1])
    h1 = math.tanh(0.5 * 1.0 + 0.1)
    h2 = math.tanh(0.5 * -2.0 + 0.1 - 0.3 * h1)
    h3 = math.tanh(0.5 * 0.5 + 0.1 - 0.3 * h2)
    assert_close(out, [[[h1], [h2], [h3]]])
    assert_close(h, [[h3]])


def test_simple_rnn_two_units_by_hand_with_initial_state():
    K = [[1.0, -1.0]]
    R = [[0.5, 0.2], [-0.1, 0.3]]
    b = [0.05, -0.2]
    x = np.array([[[0.7], [-0.4]]])
    h0 = [0.3, -0.6]
    out, (h,) = ref.simple_rnn(x, K, R, b, initial_state=[np.array([h0])])
    a0 = math.tanh(0.7 * 1.0 + 0.3 * 0.5 + -0.6 * -0.1 + 0.05)
    a1 = math.tanh(0.7 * -1.0 + 0.3 * 0.2 + -0.6 * 0.3 - 0.2)
    c0 = math.tanh(-0.4 * 1.0 + a0 * 0.5 + a1 * -0.1 + 0.05)
    c1 = math.tanh(-0.4 * -1.0 + a0 * 0.2 + a1 * 0.3 - 0.2)
    assert_close(out, [[[a0, a1], [c0, c1]]])
    assert_close(h, [[c0, c1]])


def test_gru_one_unit_reset_after_by_hand():
    kz, kr, kh = 0.4, -0.7, 1.1
    rz, rr, rh = 0.3, 0.9, -0.5
    bz0, br0, bh0, bz1, br1, bh1 = 0.1, -0.2, 0.05, 0.3, 0.15, -0.4
    xs = [0.8, -1.3]
    out, (h,) = ref.gru(np.array([[[v] for v in xs]]), [[kz, kr, kh]], [[rz, rr, rh]],
                        [[bz0, br0, bh0], [bz1, br1, bh1]])
    hp, expected = 0.0, []
    for v in xs:
        z = s_sigmoid(v * kz + bz0 + hp * rz + bz1)
        r = s_sigmoid(v * kr + br0 + hp * rr + br1)
        hh = math.tanh(v * kh + bh0 + r * (hp * rh + bh1))
        hp = z * hp + (1 - z) * hh
        expected.append([hp])
    assert_close(out, [expected])
    assert_close(h, [[hp]])


def test_gru_one_unit_reset_before_by_hand():
    kz, kr, kh = 0.4, -0.7, 1.1
    rz, rr, rh = 0.3, 0.9, -0.5
    bz, br, bh = 0.1, -0.2, 0.05
    xs = [0.8, -1.3, 0.2]
    hp0 = 0.6
    out, (h,) = ref.gru(np.array([[[v] for v in xs]]), [[kz, kr, kh]], [[rz, rr, rh]],
                        [bz, br, bh], reset_after=False, initial_state=[np.array([[hp0]])])
    hp, expected = hp0, []
    for v in xs:
        z = s_sigmoid(v * kz + bz + hp * rz)
        r = s_sigmoid(v * kr + br + hp * rr)
        hh = math.tanh(v * kh + bh + (r * hp) * rh)
        hp = z * hp + (1 - z) * hh
        expected.append([hp])
    assert_close(out, [expected])
    assert_close(h, [[hp]])


def test_lstm_one_unit_by_hand():
    K = [[0.5, -0.3, 0.8, 0.2]]      # i, f, c, o
    R = [[0.1, 0.4, -0.6, 0.9]]
    b = [0.0, 1.0, 0.1, -0.2]
    xs = [1.0, -0.5, 2.0]
    out, (h, c) = ref.lstm(np.array([[[v] for v in xs]]), K, R, b)
    hp, cp, expected = 0.0, 0.0, []
    for v in xs:
        i = s_sigmoid(v * 0.5 + hp * 0.1 + 0.0)
        f = s_sigmoid(v * -0.3 + hp * 0.4 + 1.0)
        g = math.tanh(v * 0.8 + hp * -0.6 + 0.1)
        o = s_sigmoid(v * 0.2 + hp * 0.9 - 0.2)
        cp = f * cp + i * g
        hp = o * math.tanh(cp)
        expected.append([hp])
    assert_close(out, [expected])
    assert_close(h, [[hp]])
    assert_close(c, [[cp]])


def test_lstm_one_unit_masked_and_backwards_by_hand():
    # Real time: x = [1.0, -0.5, 2.0], mask = [True, False, True], go_backwards:
    # processing order t=2 (real), t=1 (masked), t=0 (real).
    K = [[0.5, -0.3, 0.8, 0.2]]
    R = [[0.1, 0.4, -0.6, 0.9]]
    b = [0.0, 1.0, 0.1, -0.2]
    h0, c0 = 0.25, -0.5

    def step(v, hp, cp):
        i = s_sigmoid(v * 0.5 + hp * 0.1)
        f = s_sigmoid(v * -0.3 + hp * 0.4 + 1.0)
        g = math.tanh(v * 0.8 + hp * -0.6 + 0.1)
        o = s_sigmoid(v * 0.2 + hp * 0.9 - 0.2)
        cn = f * cp + i * g
        return o * math.tanh(cn), cn

    ha, ca = step(2.0, h0, c0)
    hb, cb = step(1.0, ha, ca)
    out, (h, c) = ref.lstm(np.array([[[1.0], [-0.5], [2.0]]]), K, R, b,
                           initial_state=[np.array([[h0]]), np.array([[c0]])],
                           mask=np.array([[True, False, True]]), go_backwards=True)
    assert_close(out, [[[ha], [ha], [hb]]])
    assert_close(h, [[hb]])
    assert_close(c, [[cb]])


# ===================================================================== PyTorch equations


SIZES = [(1, 1, 1, 1), (2, 4, 3, 3), (3, 5, 2, 4)]  # batch, timesteps, input_dim, units


@pytest.mark.parametrize(("batch", "timesteps", "input_dim", "units"), SIZES)
@pytest.mark.parametrize("act", ACTIVATION_NAMES)
def test_simple_rnn_matches_torch_equations(batch, timesteps, input_dim, units, act):
    rng = np.random.default_rng(1)
    W_ih, W_hh, b_ih, b_hh = random_torch_weights(rng, 1, input_dim, units)
    x = rng.normal(size=(batch, timesteps, input_dim))
    h0 = rng.normal(scale=0.5, size=(batch, units))
    exp_out, exp_h = torch_rnn_loop(x, W_ih, W_hh, b_ih, b_hh, h0, act)
    out, (h,) = ref.simple_rnn(x, W_ih.T, W_hh.T, b_ih + b_hh, activation=act,
                               initial_state=[h0])
    assert_close(out, exp_out, what="output")
    assert_close(h, exp_h, what="h")


@pytest.mark.parametrize(("batch", "timesteps", "input_dim", "units"), SIZES)
@pytest.mark.parametrize("act", ACTIVATION_NAMES)
@pytest.mark.parametrize("rec_act", ["sigmoid", "hard_sigmoid"])
def test_gru_matches_torch_equations(batch, timesteps, input_dim, units, act, rec_act):
    rng = np.random.default_rng(2)
    W_ih, W_hh, b_ih, b_hh = random_torch_weights(rng, 3, input_dim, units)
    x = rng.normal(size=(batch, timesteps, input_dim))
    h0 = rng.normal(scale=0.5, size=(batch, units))
    exp_out, exp_h = torch_gru_loop(x, W_ih, W_hh, b_ih, b_hh, h0, act, rec_act)
    kernel, recurrent, bias = torch_gru_to_keras(W_ih, W_hh, b_ih, b_hh)
    out, (h,) = ref.gru(x, kernel, recurrent, bias, activation=act,
                        recurrent_activation=rec_act, initial_state=[h0])
    assert_close(out, exp_out, what="output")
    assert_close(h, exp_h, what="h")


@pytest.mark.parametrize(("batch", "timesteps", "input_dim", "units"), SIZES)
@pytest.mark.parametrize("act", ACTIVATION_NAMES)
@pytest.mark.parametrize("rec_act", ["sigmoid", "hard_sigmoid"])
def test_lstm_matches_torch_equations(batch, timesteps, input_dim, units, act, rec_act):
    rng = np.random.default_rng(3)
    W_ih, W_hh, b_ih, b_hh = random_torch_weights(rng, 4, input_dim, units)
    x = rng.normal(size=(batch, timesteps, input_dim))
    h0 = rng.normal(scale=0.5, size=(batch, units))
    c0 = rng.normal(scale=0.5, size=(batch, units))
    exp_out, exp_h, exp_c = torch_lstm_loop(x, W_ih, W_hh, b_ih, b_hh, h0, c0, act, rec_act)
    out, (h, c) = ref.lstm(x, W_ih.T, W_hh.T, b_ih + b_hh, activation=act,
                           recurrent_activation=rec_act, initial_state=[h0, c0])
    assert_close(out, exp_out, what="output")
    assert_close(h, exp_h, what="h")
    assert_close(c, exp_c, what="c")


@pytest.mark.parametrize(("batch", "timesteps", "input_dim", "units"), SIZES)
@pytest.mark.parametrize("act", ACTIVATION_NAMES)
def test_gru_reset_before_matches_scalar_loop(batch, timesteps, input_dim, units, act):
    x, K, R, bias, (h0,) = make_inputs("gru", batch, timesteps, input_dim, units, seed=4,
                                       reset_after=False)
    expected = keras_gru_reset_before_loop(x, K, R, bias, h0, act, "sigmoid")
    out, (h,) = ref.gru(x, K, R, bias, reset_after=False, activation=act, initial_state=[h0])
    assert_close(out, expected)
    assert_close(h, expected[:, -1])


def test_gru_reset_after_and_before_differ():
    # Guards against reset_after being ignored: with the same z/r/h columns the two
    # variants must give different answers once h_prev is nonzero.
    x, K, R, bias, (h0,) = make_inputs("gru", 2, 3, 2, 3, seed=5, reset_after=False)
    a, _ = ref.gru(x, K, R, np.stack([bias, np.zeros_like(bias)]), initial_state=[h0])
    b, _ = ref.gru(x, K, R, bias, reset_after=False, initial_state=[h0])
    assert np.max(np.abs(a - b)) > 1e-3


def test_simple_rnn_equals_from_scratch_vector_loop():
    x, K, R, b, (h0,) = make_inputs("simple_rnn", 3, 6, 4, 5, seed=6)
    h = h0
    outs = []
    for t in range(x.shape[1]):
        h = np.tanh(K.T @ x[:, t].T + R.T @ h.T + b[:, None]).T  # column-vector form
        outs.append(h)
    out, (hf,) = ref.simple_rnn(x, K, R, b, initial_state=[h0])
    assert_close(out, np.stack(outs, axis=1), rtol=1e-12, atol=1e-12)
    assert_close(hf, h)


def test_torch_modules_if_available():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    B, T, D, H = 2, 5, 3, 4
    x = torch.randn(B, T, D, dtype=torch.float64)
    for kind in ("rnn", "gru", "lstm"):
        cls = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[kind]
        m = cls(D, H, batch_first=True).double()
        W_ih = m.weight_ih_l0.detach().numpy()
        W_hh = m.weight_hh_l0.detach().numpy()
        b_ih = m.bias_ih_l0.detach().numpy()
        b_hh = m.bias_hh_l0.detach().numpy()
        with torch.no_grad():
            y, st = m(x)
        y = y.numpy()
        if kind == "gru":
            out, (h,) = ref.gru(x.numpy(), *torch_gru_to_keras(W_ih, W_hh, b_ih, b_hh))
        elif kind == "rnn":
            out, (h,) = ref.simple_rnn(x.numpy(), W_ih.T, W_hh.T, b_ih + b_hh)
        else:
            out, (h, c) = ref.lstm(x.numpy(), W_ih.T, W_hh.T, b_ih + b_hh)
            assert_close(c, st[1][0].numpy(), rtol=1e-10, atol=1e-10, what=f"{kind} c")
            st = st[0]
        assert_close(out, y, rtol=1e-10, atol=1e-10, what=f"{kind} output")
        assert_close(h, st[0].numpy(), rtol=1e-10, atol=1e-10, what=f"{kind} h")


# ===================================================================== dtypes


@pytest.mark.parametrize("cell", CELLS)
def test_dtype_float32_in_float32_out(cell):
    x, K, R, b, st = make_inputs(cell, 2, 3, 2, 3, dtype=np.float32)
    out, states = ref.rnn(cell, x, K, R, b, initial_state=st)
    assert out.dtype == np.float32
    assert all(s.dtype == np.float32 for s in states)
    out64, _ = ref.rnn(cell, x.astype(np.float64), K, R, b, initial_state=st)
    assert out64.dtype == np.float64
    assert_close(out, out64, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("which", ["x", "kernel", "recurrent", "bias", "state"])
def test_any_float64_input_gives_float64(cell, which):
    x, K, R, b, st = make_inputs(cell, 2, 3, 2, 3, dtype=np.float32)
    if which == "x":
        x = x.astype(np.float64)
    elif which == "kernel":
        K = K.astype(np.float64)
    elif which == "recurrent":
        R = R.astype(np.float64)
    elif which == "bias":
        b = b.astype(np.float64)
    else:
        st = [s.astype(np.float64) for s in st]
    out, states = ref.rnn(cell, x, K, R, b, initial_state=st)
    assert out.dtype == np.float64
    assert all(s.dtype == np.float64 for s in states)


def test_float16_and_int_inputs_compute_in_float32():
    x = np.ones((1, 2, 1), dtype=np.int64)
    out, _ = ref.simple_rnn(x, np.full((1, 1), 0.5, np.float16), np.zeros((1, 1), np.float16))
    assert out.dtype == np.float32
    assert_close(out, [[[math.tanh(0.5)], [math.tanh(0.5)]]], rtol=1e-6, atol=1e-6)


# ===================================================================== go_backwards


@pytest.mark.parametrize("cell", CELLS)
def test_go_backwards_equals_reversed_input(cell):
    x, K, R, b, st = make_inputs(cell, 3, 5, 2, 3, seed=7)
    out_b, states_b = ref.rnn(cell, x, K, R, b, initial_state=st, go_backwards=True)
    out_r, states_r = ref.rnn(cell, x[:, ::-1], K, R, b, initial_state=st)
    assert_close(out_b, out_r)
    for s_b, s_r in zip(states_b, states_r):
        assert_close(s_b, s_r)
    out_f, _ = ref.rnn(cell, x, K, R, b, initial_state=st)
    assert np.max(np.abs(out_b - out_f)) > 1e-3  # reversal actually matters here


@pytest.mark.parametrize("cell", CELLS)
def test_go_backwards_reverses_mask_with_input(cell):
    x, K, R, b, st = make_inputs(cell, 3, 6, 2, 3, seed=8)
    mask = np.array([[1, 1, 0, 1, 0, 0], [0, 1, 1, 1, 1, 1], [1, 0, 1, 0, 1, 0]], dtype=bool)
    out_b, states_b = ref.rnn(cell, x, K, R, b, initial_state=st, mask=mask, go_backwards=True)
    out_r, states_r = ref.rnn(cell, x[:, ::-1], K, R, b, initial_state=st, mask=mask[:, ::-1])
    assert_close(out_b, out_r)
    for s_b, s_r in zip(states_b, states_r):
        assert_close(s_b, s_r)


# ===================================================================== masks


@pytest.mark.parametrize("cell", CELLS)
def test_all_true_mask_equals_no_mask(cell):
    x, K, R, b, st = make_inputs(cell, 2, 4, 3, 2, seed=9)
    a, sa = ref.rnn(cell, x, K, R, b, initial_state=st)
    m, sm = ref.rnn(cell, x, K, R, b, initial_state=st, mask=np.ones((2, 4), dtype=bool))
    np.testing.assert_array_equal(a, m)
    for s1, s2 in zip(sa, sm):
        np.testing.assert_array_equal(s1, s2)


MASKS = [
    [1, 0, 1, 1, 0, 1, 0],
    [0, 0, 1, 0, 1, 1, 1],   # leading masked steps
    [1, 1, 1, 0, 0, 0, 0],   # trailing masked steps
    [0, 0, 0, 0, 0, 0, 0],   # fully masked row
]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("go_backwards", [False, True])
def test_masked_steps_equal_deleting_them(cell, go_backwards):
    """Per row: states equal running only the real steps; a masked step's output repeats the
    previous emitted output (zeros before the first real step)."""
    T = len(MASKS[0])
    x, K, R, b, st = make_inputs(cell, len(MASKS), T, 3, 3, seed=10)
    mask = np.array(MASKS, dtype=bool)
    out, states = ref.rnn(cell, x, K, R, b, initial_state=st, mask=mask,
                          go_backwards=go_backwards)
    last, _ = ref.rnn(cell, x, K, R, b, initial_state=st, mask=mask,
                      go_backwards=go_backwards, return_sequences=False)
    for row in range(len(MASKS)):
        order = list(range(T))[::-1] if go_backwards else list(range(T))
        real = [t for t in order if mask[row, t]]
        row_states = [s[row:row + 1] for s in st]
        if real:
            sub_out, sub_states = ref.rnn(cell, x[row:row + 1, real], K, R, b,
                                          initial_state=row_states)
        else:
            sub_out, sub_states = np.zeros((1, 0, 3)), tuple(row_states)
        for s_full, s_sub in zip(states, sub_states):
            assert_close(s_full[row:row + 1], s_sub, what=f"row {row} state")
        prev = np.zeros(3)
        k = 0
        for pos, t in enumerate(order):
            if mask[row, t]:
                prev = sub_out[0, k]
                k += 1
            assert_close(out[row, pos], prev, what=f"row {row} output at position {pos}")
        assert_close(last[row], prev, what=f"row {row} last output")


@pytest.mark.parametrize("cell", CELLS)
def test_leading_masked_steps_give_zero_output_with_nonzero_state(cell):
    x, K, R, b, st = make_inputs(cell, 2, 4, 2, 3, seed=11)
    assert all(np.all(np.abs(s) > 0) for s in st)
    mask = np.array([[0, 1, 1, 1], [0, 0, 0, 0]], dtype=bool)
    out, states = ref.rnn(cell, x, K, R, b, initial_state=st, mask=mask)
    np.testing.assert_array_equal(out[0, 0], 0.0)
    np.testing.assert_array_equal(out[1], 0.0)
    assert np.all(np.abs(out[0, 1:]) > 0)
    for s, s0 in zip(states, st):
        np.testing.assert_array_equal(s[1], s0[1])  # fully masked row keeps its state
    last, _ = ref.rnn(cell, x, K, R, b, initial_state=st, mask=mask, return_sequences=False)
    np.testing.assert_array_equal(last[1], 0.0)


def test_integer_mask_is_accepted():
    x, K, R, b, st = make_inputs("gru", 2, 3, 2, 2, seed=12)
    m = np.array([[1, 0, 1], [1, 1, 0]])
    a, _ = ref.gru(x, K, R, b, mask=m)
    c, _ = ref.gru(x, K, R, b, mask=m.astype(bool))
    np.testing.assert_array_equal(a, c)


# ===================================================================== options


@pytest.mark.parametrize("cell", CELLS)
def test_return_sequences_false_is_last_output(cell):
    x, K, R, b, st = make_inputs(cell, 2, 4, 3, 3, seed=13)
    seq, s_seq = ref.rnn(cell, x, K, R, b, initial_state=st)
    last, s_last = ref.rnn(cell, x, K, R, b, initial_state=st, return_sequences=False)
    assert seq.shape == (2, 4, 3)
    assert last.shape == (2, 3)
    np.testing.assert_array_equal(last, seq[:, -1])
    np.testing.assert_array_equal(last, s_last[0])
    assert len(s_seq) == (2 if cell == "lstm" else 1)


@pytest.mark.parametrize(("cell", "reset_after"),
                         [("simple_rnn", True), ("gru", True), ("gru", False), ("lstm", True)])
def test_no_bias_equals_zero_bias(cell, reset_after):
    x, K, R, b, st = make_inputs(cell, 2, 3, 2, 3, seed=14, reset_after=reset_after)
    opts = {"reset_after": reset_after} if cell == "gru" else {}
    a, sa = ref.rnn(cell, x, K, R, None, initial_state=st, **opts)
    z, sz = ref.rnn(cell, x, K, R, np.zeros_like(b), initial_state=st, **opts)
    nz, _ = ref.rnn(cell, x, K, R, b, initial_state=st, **opts)
    np.testing.assert_array_equal(a, z)
    for s1, s2 in zip(sa, sz):
        np.testing.assert_array_equal(s1, s2)
    assert np.max(np.abs(a - nz)) > 1e-3


def test_default_initial_state_is_zeros():
    x, K, R, b, _ = make_inputs("lstm", 2, 3, 2, 3, seed=15)
    a, _ = ref.lstm(x, K, R, b)
    z, _ = ref.lstm(x, K, R, b, initial_state=[np.zeros((2, 3)), np.zeros((2, 3))])
    np.testing.assert_array_equal(a, z)


def test_rnn_dispatch_matches_direct_functions():
    x, K, R, b, st = make_inputs("gru", 2, 3, 2, 3, seed=16)
    a, _ = ref.rnn("gru", x, K, R, b, initial_state=st, activation="relu")
    d, _ = ref.gru(x, K, R, b, initial_state=st, activation="relu")
    np.testing.assert_array_equal(a, d)
    with pytest.raises(ValueError, match="unknown cell 'conv'"):
        ref.rnn("conv", x, K, R, b)


def test_zero_timesteps():
    x = np.zeros((2, 0, 3))
    K, R = np.ones((3, 4)), np.ones((1, 4))
    out, (h, c) = ref.lstm(x, K, R)
    assert out.shape == (2, 0, 1)
    np.testing.assert_array_equal(h, 0.0)
    last, _ = ref.lstm(x, K, R, return_sequences=False)
    np.testing.assert_array_equal(last, np.zeros((2, 1)))


# ===================================================================== dense


@pytest.mark.parametrize("act", ACTIVATION_NAMES)
def test_dense_matches_scalar_loop(act):
    rng = np.random.default_rng(17)
    x = rng.normal(size=(2, 3, 4))
    K = rng.normal(size=(4, 5))
    b = rng.normal(size=5)
    y = ref.dense(x, K, b, activation=act)
    expected = np.zeros((2, 3, 5))
    f = SCALAR_ACTS[act]
    for i in range(2):
        for t in range(3):
            for j in range(5):
                expected[i, t, j] = f(sum(x[i, t, k] * K[k, j] for k in range(4)) + b[j])
    assert_close(y, expected)
    assert_close(ref.dense(x, K), np.einsum("btk,kj->btj", x, K))
    assert ref.dense(x.astype(np.float32), K.astype(np.float32)).dtype == np.float32


def test_dense_bad_shapes():
    with pytest.raises(ValueError, match="kernel"):
        ref.dense(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match="bias"):
        ref.dense(np.ones((2, 3)), np.ones((3, 5)), np.ones(4))
    with pytest.raises(ValueError, match="unknown activation"):
        ref.dense(np.ones((2, 3)), np.ones((3, 5)), activation="softmaxx")


# ===================================================================== bad input


def _good(cell):
    x, K, R, b, st = make_inputs(cell, 2, 3, 4, 5, seed=18)
    return {"x": x, "kernel": K, "recurrent_kernel": R, "bias": b, "initial_state": st}


BAD_CASES = [
    ("simple_rnn", {"x": np.ones((2, 4))}, "rank 3"),
    ("gru", {"x": np.ones((1, 2, 3, 4))}, "rank 3"),
    ("simple_rnn", {"kernel": np.ones((3, 5))}, "kernel must have shape"),
    ("gru", {"kernel": np.ones((4, 5))}, "kernel must have shape"),
    ("lstm", {"kernel": np.ones((4, 15))}, "kernel must have shape"),
    ("lstm", {"recurrent_kernel": np.ones((5, 15))}, "recurrent_kernel must have shape"),
    ("gru", {"recurrent_kernel": np.ones((15,))}, "recurrent_kernel must have rank 2"),
    ("simple_rnn", {"bias": np.ones(4)}, "bias must have shape"),
    ("gru", {"bias": np.ones(15)}, r"reset_after=True\) bias must have shape \(2, 15\)"),
    ("lstm", {"bias": np.ones((2, 20))}, "bias must have shape"),
    ("lstm", {"initial_state": [np.ones((2, 5))]}, "needs 2 initial state"),
    ("gru", {"initial_state": [np.ones((2, 5))] * 2}, "needs 1 initial state"),
    ("simple_rnn", {"initial_state": [np.ones((3, 5))]}, r"initial_state\[0\] must have shape"),
    ("lstm", {"initial_state": [np.ones((2, 5)), np.ones((2, 4))]},
     r"initial_state\[1\] must have shape"),
    ("gru", {"mask": np.ones((2, 4), dtype=bool)}, "mask must have shape"),
    ("lstm", {"mask": np.ones((3,), dtype=bool)}, "mask must have shape"),
    ("simple_rnn", {"activation": "tanhh"}, "unknown activation 'tanhh'"),
    ("gru", {"recurrent_activation": "swishy"}, "unknown activation 'swishy'"),
    ("lstm", {"activation": "glu"}, "unknown activation"),  # shape-changing
]


@pytest.mark.parametrize(("cell", "change", "message"), BAD_CASES)
def test_bad_input_raises_value_error(cell, change, message):
    args = _good(cell)
    args.update(change)
    x, K, R, b = args.pop("x"), args.pop("kernel"), args.pop("recurrent_kernel"), args.pop("bias")
    with pytest.raises(ValueError, match=message):
        ref.rnn(cell, x, K, R, b, **args)


def test_gru_reset_before_rejects_two_row_bias():
    args = _good("gru")
    with pytest.raises(ValueError, match=r"reset_after=False\) bias must have shape \(15,\)"):
        ref.gru(args["x"], args["kernel"], args["recurrent_kernel"], np.ones((2, 15)),
                reset_after=False)


def test_non_numeric_inputs_raise_type_error():
    args = _good("simple_rnn")
    with pytest.raises(TypeError, match="x must be a real numeric array"):
        ref.simple_rnn(np.full((2, 3, 4), "a"), args["kernel"], args["recurrent_kernel"])
    with pytest.raises(TypeError, match="initial_state must be None or a list"):
        ref.simple_rnn(args["x"], args["kernel"], args["recurrent_kernel"], initial_state=3.0)
