"""RNN(cell), the cells and StackedRNNCells against fusedrnn.reference, plus bad input.

The golden files (test_golden.py) check these against real Keras; here the stack is checked
against a step-by-step NumPy loop written from the definition (each step runs every cell in
turn; a masked step keeps every state and repeats the last output), which is not how fusedrnn
computes it (one fused layer per cell over the whole sequence).
"""

from __future__ import annotations

import numpy as np
import pytest

from fusedrnn import reference
from fusedrnn.layers import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    Dense,
    GRUCell,
    Input,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
)
from fusedrnn.models import Model, Sequential
from tolerances import assert_close

CELL_CLASSES = {"simple_rnn": SimpleRNNCell, "gru": GRUCell, "lstm": LSTMCell}
LAYER_CLASSES = {"simple_rnn": SimpleRNN, "gru": GRU, "lstm": LSTM}
NUM_STATES = {"simple_rnn": 1, "gru": 1, "lstm": 2}


def rng_weights(layer, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    layer.set_weights([rng.uniform(-scale, scale, w.shape).astype(np.float32)
                       for w in layer.get_weights()])


def padding_mask(batch, timesteps):
    m = np.ones((batch, timesteps), bool)
    m[1, :2] = False  # leading padding
    m[2, :] = False  # all padding
    m[3, -2:] = False  # trailing padding
    m[3, 2] = False  # one in the middle
    return m


def cell_kind(cell) -> str:
    return {SimpleRNNCell: "simple_rnn", GRUCell: "gru", LSTMCell: "lstm"}[type(cell)]


def cell_options(cell) -> dict:
    kind = cell_kind(cell)
    options = {"activation": cell.activation}
    if kind != "simple_rnn":
        options["recurrent_activation"] = cell.recurrent_activation
    if kind == "gru":
        options["reset_after"] = cell.reset_after
    return options


def stack_by_steps(cells, x, mask=None, initial_state=None, go_backwards=False):
    """The definition: at each step, every cell in turn (float64 reference, one step each).
    Returns (outputs in processing order (B, T, H_last), flat final states)."""
    x = x.astype(np.float64)
    batch, timesteps = x.shape[:2]
    if go_backwards:
        x = x[:, ::-1]
        mask = None if mask is None else mask[:, ::-1]
    states, k = [], 0
    for cell in cells:
        n = NUM_STATES[cell_kind(cell)]
        if initial_state is None:
            states.append([np.zeros((batch, cell.units))] * n)
        else:
            states.append([np.asarray(s, np.float64) for s in initial_state[k:k + n]])
        k += n
    prev = np.zeros((batch, cells[-1].units))
    outputs = []
    for t in range(timesteps):
        h = x[:, t:t + 1]
        new_states = []
        for cell, st in zip(cells, states):
            w = [a.astype(np.float64) for a in cell.get_weights()]
            bias = w[2] if len(w) == 3 else None
            out, new = reference.rnn(cell_kind(cell), h, w[0], w[1], bias, initial_state=st,
                                     return_sequences=True, **cell_options(cell))
            h = out
            new_states.append(list(new))
        out = h[:, 0]
        if mask is not None:
            real = mask[:, t][:, None]
            out = np.where(real, out, prev)
            new_states = [[np.where(real, a, b) for a, b in zip(new, old)]
                          for new, old in zip(new_states, states)]
        states, prev = new_states, out
        outputs.append(out)
    return np.stack(outputs, axis=1), [s for st in states for s in st]


# --------------------------------------------------------------------------- one cell


@pytest.mark.parametrize("kind", ["simple_rnn", "gru", "lstm"])
@pytest.mark.parametrize("options", [
    {},
    {"go_backwards": True, "return_state": True},
    {"return_sequences": True, "return_state": True, "mask": True},
    {"initial_state": True, "return_state": True},
])
def test_rnn_of_one_cell_is_the_layer(kind, options):
    """RNN(LSTMCell(u, ...)) computes exactly what LSTM(u, ...) does (same kernels)."""
    options = dict(options)
    use_mask, use_init = options.pop("mask", False), options.pop("initial_state", False)
    cell_kwargs = {"gru": {"reset_after": False}, "lstm": {"unit_forget_bias": False}}.get(
        kind, {"activation": "relu"})
    x = np.random.default_rng(1).normal(size=(4, 6, 3)).astype(np.float32)
    rnn = RNN(CELL_CLASSES[kind](5, **cell_kwargs), **options)
    layer = LAYER_CLASSES[kind](5, **cell_kwargs, **options)
    rnn.build(x.shape)
    layer.build(x.shape)
    rng_weights(rnn)
    layer.set_weights(rnn.get_weights())
    kwargs = {}
    if use_mask:
        kwargs["mask"] = padding_mask(4, 6)
    if use_init:
        kwargs["initial_state"] = [np.full((4, 5), 0.3, np.float32)] * NUM_STATES[kind]
    for _ in range(2):  # the first call packs the weights, later ones take the fast path
        got, want = rnn(x, **kwargs), layer(x, **kwargs)
        got = got if isinstance(got, list) else [got]
        want = want if isinstance(want, list) else [want]
        assert len(got) == len(want)
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["simple_rnn", "gru", "lstm"])
def test_cell_call_is_one_step(kind):
    cell = CELL_CLASSES[kind](4)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 5)).astype(np.float32)
    states = [rng.normal(size=(3, 4)).astype(np.float32) for _ in range(NUM_STATES[kind])]
    h, new = cell(x, states)  # builds the cell from its first input
    rng_weights(cell, seed=3)
    h, new = cell(x, states)
    w = [a.astype(np.float64) for a in cell.get_weights()]
    want_out, want_states = reference.rnn(kind, x[:, None].astype(np.float64), *w,
                                          initial_state=states, return_sequences=False,
                                          **cell_options(cell))
    assert_close(h, want_out, what="output")
    assert isinstance(new, list)
    assert len(new) == NUM_STATES[kind]
    for a, b in zip(new, want_states):
        assert_close(a, b, what="state")
    if kind != "lstm":  # one state given bare comes back bare, as in Keras
        h2, s2 = cell(x, states[0])
        np.testing.assert_array_equal(h2, h)
        assert isinstance(s2, np.ndarray)
        np.testing.assert_array_equal(s2, new[0])
    zero_h, _ = cell(x, None)  # no states: zeros
    zero_want, _ = reference.rnn(kind, x[:, None].astype(np.float64), *w,
                                 return_sequences=False, **cell_options(cell))
    assert_close(zero_h, zero_want, what="output from zero states")


@pytest.mark.parametrize("kind", ["simple_rnn", "gru", "lstm"])
def test_a_layers_cell_steps_through_the_layers_sequence(kind):
    """layer.cell (Keras 3) holds the layer's own weights; stepping it over the sequence gives
    the layer's outputs, and new weights set on the layer reach it."""
    rng = np.random.default_rng(14)
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    layer = LAYER_CLASSES[kind](4, return_sequences=True, return_state=True)
    layer.build(x.shape)
    for seed in (15, 16):  # the second round: weights changed after the cell was used
        rng_weights(layer, seed=seed)
        out, *final = layer(x)
        cell = layer.cell
        assert cell is layer.cell
        assert isinstance(cell, CELL_CLASSES[kind])
        np.testing.assert_array_equal(cell.kernel.numpy(), layer.get_weights()[0])
        states = [np.zeros((2, 4), np.float32)] * NUM_STATES[kind]
        for t in range(5):
            h, states = cell(x[:, t], states)
            assert_close(h, out[:, t], what=f"step {t}")
        for a, b in zip(states, final):
            assert_close(a, b, what="final state")


def test_cell_properties_and_weights():
    cell = LSTMCell(3, recurrent_activation="hard_sigmoid", unit_forget_bias=False)
    assert (cell.units, cell.state_size, cell.output_size) == (3, [3, 3], 3)
    assert cell.recurrent_activation == "hard_sigmoid"
    assert not cell.unit_forget_bias
    assert not cell.built
    cell(np.zeros((1, 2), np.float32), None)
    assert cell.built
    assert [w.name for w in cell.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert cell.kernel.shape == (2, 12)
    assert cell.recurrent_kernel.shape == (3, 12)
    assert cell.bias.shape == (12,)
    assert GRUCell(2, reset_after=True).state_size == 2
    assert not GRUCell(2, reset_after=False).reset_after
    nobias = SimpleRNNCell(2, use_bias=False)
    nobias(np.zeros((1, 2), np.float32), None)
    with pytest.raises(AttributeError, match="use_bias=False"):
        _ = nobias.bias


# --------------------------------------------------------------------------- stacks


STACKS = [
    [("gru", {}), ("lstm", {}), ("simple_rnn", {})],
    [("lstm", {}), ("lstm", {"activation": "relu"})],
    [("simple_rnn", {"activation": "linear"}), ("gru", {"reset_after": False})],
]


def make_stack(spec, units=(5, 4, 3)):
    return [CELL_CLASSES[kind](u, **kw) for (kind, kw), u in zip(spec, units)]


@pytest.mark.parametrize("spec", STACKS, ids=lambda s: "-".join(k for k, _ in s))
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("use_mask", [False, True])
@pytest.mark.parametrize("use_init", [False, True])
def test_stack_matches_the_step_by_step_definition(spec, go_backwards, use_mask, use_init):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(4, 7, 3)).astype(np.float32)
    cells = make_stack(spec)
    rnn = RNN(cells, return_sequences=True, return_state=True, go_backwards=go_backwards)
    rnn.build(x.shape)
    rng_weights(rnn, seed=5, scale=0.4)
    widths = [c.units for c in cells for _ in range(NUM_STATES[cell_kind(c)])]
    init = ([rng.normal(scale=0.5, size=(4, w)).astype(np.float32) for w in widths]
            if use_init else None)
    mask = padding_mask(4, 7) if use_mask else None
    got = rnn(x, mask=mask, initial_state=init)
    flat = [got[0]] + [s for item in got[1:]
                       for s in (item if isinstance(item, list) else [item])]
    want_out, want_states = stack_by_steps(cells, x, mask, init, go_backwards)
    assert_close(flat[0], want_out, what="sequence")
    assert len(flat) - 1 == len(want_states)
    for i, (a, b) in enumerate(zip(flat[1:], want_states)):
        assert_close(a, b, what=f"state {i}")


def test_stacked_outputs_nest_states_per_cell_and_take_either_form():
    """[output, [h, c] of an LSTM cell, h of a GRU cell] (Keras 3's symbolic structure);
    initial_state nested the same way or flat gives the same result."""
    x = np.random.default_rng(6).normal(size=(2, 5, 3)).astype(np.float32)
    rnn = RNN([LSTMCell(4), GRUCell(2)], return_state=True)
    out, (h1, c1), h2 = rnn(x)
    assert (out.shape, h1.shape, c1.shape, h2.shape) == ((2, 2), (2, 4), (2, 4), (2, 2))
    np.testing.assert_array_equal(out, h2)
    init = [np.full((2, 4), 0.5, np.float32), np.full((2, 4), -0.5, np.float32),
            np.full((2, 2), 0.2, np.float32)]
    nested = rnn(x, initial_state=[init[:2], init[2]])
    flat = rnn(x, initial_state=init)
    for a, b in zip(nested[:1] + nested[1] + nested[2:], flat[:1] + flat[1] + flat[2:]):
        np.testing.assert_array_equal(a, b)
    single = RNN(LSTMCell(4), return_state=True)(x)  # one cell: flat, as LSTM
    assert len(single) == 3
    assert all(isinstance(a, np.ndarray) for a in single)
    listed = RNN([LSTMCell(4)], return_state=True)(x)  # a list of one is a stack
    assert len(listed) == 2
    assert isinstance(listed[1], list)


def test_stacked_cells_call_runs_each_cell_in_turn():
    stack = StackedRNNCells([LSTMCell(4), SimpleRNNCell(3)])
    x = np.random.default_rng(7).normal(size=(2, 3)).astype(np.float32)
    out, states = stack(x, None)
    rng_weights(stack, seed=8)
    out, states = stack(x, [[np.ones((2, 4), np.float32)] * 2, [np.ones((2, 3), np.float32)]])
    h1, s1 = stack.cells[0](x, [np.ones((2, 4), np.float32)] * 2)
    h2, s2 = stack.cells[1](h1, [np.ones((2, 3), np.float32)])
    np.testing.assert_array_equal(out, h2)
    assert len(states) == 2
    for a, b in zip(states[0] + states[1], s1 + s2):
        np.testing.assert_array_equal(a, b)
    assert stack.state_size == [[4, 4], 3]
    assert stack.output_size == 3
    with pytest.raises(ValueError, match="list of 2 states"):
        stack(x, [np.ones((2, 4), np.float32)])


def test_stateful_stack_carries_states_and_resets():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(2, 6, 3)).astype(np.float32)
    whole = RNN([GRUCell(4), LSTMCell(3)], return_sequences=True)
    stateful = RNN([GRUCell(4), LSTMCell(3)], return_sequences=True, stateful=True)
    whole.build(x.shape)
    stateful.build(x.shape)
    rng_weights(whole, seed=10)
    stateful.set_weights(whole.get_weights())
    want = whole(x)
    parts = [stateful(x[:, :2]), stateful(x[:, 2:5]), stateful(x[:, 5:])]
    np.testing.assert_allclose(np.concatenate(parts, axis=1), want, rtol=1e-6, atol=1e-6)
    assert [s.shape for s in stateful.states] == [(2, 4), (2, 3), (2, 3)]
    stateful.reset_states()
    np.testing.assert_allclose(stateful(x[:, :2]), want[:, :2], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("stacked", [False, True])
def test_bidirectional_of_rnn_cells(stacked):
    """A single cell takes Bidirectional's fused path, a stack the per-direction one; both
    equal the two directions computed apart."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(4, 6, 3)).astype(np.float32)
    mask = padding_mask(4, 6)
    cells = [GRUCell(3), SimpleRNNCell(2)] if stacked else GRUCell(3)
    bidir = Bidirectional(RNN(cells, return_sequences=True))
    bidir.build(x.shape)
    rng_weights(bidir, seed=12)
    got = bidir(x, mask=mask)
    fw, bw = bidir.forward_layer, bidir.backward_layer
    assert bw.go_backwards
    assert not fw.go_backwards
    assert len(fw.get_weights()) == (6 if stacked else 3)
    out_fw = fw(x, mask=mask) * mask[:, :, None]
    out_bw = (bw(x, mask=mask) * mask[:, ::-1, None])[:, ::-1]
    assert_close(got, np.concatenate([out_fw, out_bw], axis=-1), what="merged")
    if not stacked:  # and the fused pair equals Bidirectional(GRU)
        plain = Bidirectional(GRU(3, return_sequences=True))
        plain.build(x.shape)
        plain.set_weights(bidir.get_weights())
        np.testing.assert_array_equal(plain(x, mask=mask), got)


def test_rnn_in_models_and_summary():
    inputs = Input((5, 3))
    out, (h, c) = RNN([LSTMCell(4)], return_state=True)(inputs)
    model = Model(inputs, Dense(2)(c))
    assert [type(la).__name__ for la in model.layers] == ["InputLayer", "RNN", "Dense"]
    rows = []
    model.summary(print_fn=rows.append)
    assert any(r.startswith("rnn (RNN)") and r.rstrip().endswith("128") for r in rows), rows
    seq = Sequential([Input((5, 3)), RNN(SimpleRNNCell(4), return_sequences=True),
                      RNN([GRUCell(3), GRUCell(2)])])
    x = np.random.default_rng(13).normal(size=(2, 5, 3)).astype(np.float32)
    assert seq.predict(x, verbose=0).shape == (2, 2)
    simple = 3 * 4 + 4 * 4 + 4  # kernel, recurrent_kernel, bias
    gru1 = 4 * 9 + 3 * 9 + 2 * 9  # reset_after: bias (2, 3u)
    gru2 = 3 * 6 + 2 * 6 + 2 * 6
    assert seq.count_params() == simple + gru1 + gru2
    assert len(seq.get_weights()) == 9


def test_get_config_round_trip():
    rnn = RNN([GRUCell(3, reset_after=False, name="g"), LSTMCell(2, activation="relu")],
              return_sequences=True, go_backwards=True, name="stack")
    config = rnn.get_config()
    assert config["cell"]["class_name"] == "StackedRNNCells"
    cells = config["cell"]["config"]["cells"]
    assert [c["class_name"] for c in cells] == ["GRUCell", "LSTMCell"]
    assert cells[0]["config"]["reset_after"] is False
    assert cells[0]["config"]["name"] == "g"
    assert cells[1]["config"]["activation"] == "relu"
    assert config["unroll"] is False
    assert RNN(GRUCell(2), unroll=True).get_config()["unroll"] is True  # kept, no effect
    clone = rnn._clone(name="copy")
    assert clone.name == "copy"
    assert clone.go_backwards
    assert clone.return_sequences
    assert [type(c).__name__ for c in clone._cells] == ["GRUCell", "LSTMCell"]
    assert clone._cells[0] is not rnn._cells[0]
    assert not clone.built


# --------------------------------------------------------------------------- bad input


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="SimpleRNNCell, GRUCell and LSTMCell .* or one cell "
                                         "written by subclassing"):
        RNN(GRU(3))  # a layer, not a cell
    with pytest.raises(ValueError, match="or one cell written by subclassing"):
        RNN(object())
    with pytest.raises(ValueError, match="at least one cell"):
        RNN([])
    with pytest.raises(TypeError, match=r"RNN: \['activation'\]"):
        RNN(GRUCell(3), activation="relu")
    with pytest.raises(TypeError, match="return_sequences"):
        LSTMCell(3, return_sequences=True)
    with pytest.raises(ValueError, match="unknown recurrent_activation"):
        GRUCell(3, recurrent_activation="nope")
    # Keras 2's time_major: (timesteps, batch, features) in and out
    x = np.random.default_rng(1).standard_normal((5, 2, 4)).astype(np.float32)
    assert RNN(GRUCell(3), time_major=True, return_sequences=True)(x).shape == (5, 2, 3)


def test_bad_inputs_and_states_are_named():
    x = np.zeros((2, 4, 3), np.float32)
    rnn = RNN([GRUCell(4), LSTMCell(3)], return_state=True)
    with pytest.raises(ValueError, match="rank 3"):
        rnn(x[0])
    with pytest.raises(ValueError, match=r"expects 3 initial state arrays of shapes "
                                         r"\(batch, 4\), \(batch, 3\), \(batch, 3\), got 2"):
        rnn(x, initial_state=[np.zeros((2, 4))] * 2)
    with pytest.raises(ValueError, match=r"initial state 1 .* \(2, 3\); got \(2, 4\)"):
        rnn(x, initial_state=[np.zeros((2, 4)), np.zeros((2, 4)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="has 5 features"):
        rnn(np.zeros((2, 4, 5), np.float32))
    with pytest.raises(ValueError, match=r"expects 12 weight arrays|expects 6 weight arrays"):
        rnn.set_weights(rnn.get_weights()[:-1])
    w = rnn.get_weights()
    w[4] = np.zeros((9, 9), np.float32)
    with pytest.raises(ValueError, match=r"weight 4 \(lstm_cell/recurrent_kernel\)"):
        rnn.set_weights(w)
    cell = GRUCell(3)
    with pytest.raises(ValueError, match="rank 2"):
        cell(x, None)
    cell(x[:, 0], None)
    with pytest.raises(ValueError, match="built for 3"):
        cell(np.zeros((2, 5), np.float32), None)
    with pytest.raises(ValueError, match="built for input_dim 3"):
        RNN(cell)(np.zeros((2, 4, 5), np.float32))
    with pytest.raises(TypeError, match="wrap it in RNN"):
        cell(Input((3,)), None)
    with pytest.raises(ValueError, match=r"\(batch, units\) = \(2, 3\)"):
        cell(x[:, 0], [np.zeros((2, 4))])
