"""fusedrnn.layers against fusedrnn.reference: every layer and option, plus bad input."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from fusedrnn import reference
from fusedrnn.layers import (
    GRU,
    LSTM,
    Activation,
    Bidirectional,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    GlobalMaxPooling1D,
    Input,
    KerasTensor,
    Masking,
    RepeatVector,
    SimpleRNN,
    SpatialDropout1D,
    TimeDistributed,
)

# float32 layers vs the float64 reference
RTOL = 1e-4
ATOL = 2e-5

CELLS = {"simple_rnn": SimpleRNN, "gru": GRU, "lstm": LSTM}
NUM_STATES = {"simple_rnn": 1, "gru": 1, "lstm": 2}


def assert_close(actual, expected, what=""):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    if not np.allclose(actual, expected, rtol=RTOL, atol=ATOL):
        diff = np.abs(actual.astype(np.float64) - expected)
        where = np.unravel_index(int(np.argmax(diff)), diff.shape)
        pytest.fail(f"{what}: max abs diff {diff.max():.3g} at {where} "
                    f"(got {actual[where]}, expected {expected[where]})")


def rnn_options(layer) -> dict:
    options = {"activation": layer.activation}
    if layer._cell != "simple_rnn":
        options["recurrent_activation"] = layer.recurrent_activation
    if layer._cell == "gru":
        options["reset_after"] = layer.reset_after
    return options


def reference_rnn(layer, x, mask=None, initial_state=None, go_backwards=None,
                  return_sequences=None):
    """The float64 reference of an RNN layer, from the layer's own weights."""
    w = [a.astype(np.float64) for a in layer.get_weights()]
    bias = w[2] if layer.use_bias else None
    if initial_state is not None:
        initial_state = [np.asarray(s, dtype=np.float64) for s in initial_state]
    return reference.rnn(
        layer._cell, np.asarray(x, dtype=np.float64), w[0], w[1], bias,
        initial_state=initial_state, mask=mask,
        go_backwards=layer.go_backwards if go_backwards is None else go_backwards,
        return_sequences=(layer.return_sequences if return_sequences is None
                          else return_sequences),
        **rnn_options(layer))


def random_bias(layer, rng):
    """Give a built layer non-zero biases so bias handling is exercised."""
    weights = layer.get_weights()
    if layer.use_bias:
        weights[2] = rng.standard_normal(weights[2].shape).astype(np.float32) * 0.5
    layer.set_weights(weights)


def make_mask(rng, batch, timesteps):
    mask = rng.random((batch, timesteps)) > 0.3
    mask[0, :] = True
    if batch > 1:
        mask[1, -2:] = False  # trailing masked steps
    return mask


# --------------------------------------------------------------------------- the grid


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("units", [1, 3, 8])
@pytest.mark.parametrize("batch", [1, 4])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("options", ["plain", "mask", "initial_state", "no_bias"])
def test_rnn_layer_matches_reference(cell, units, batch, return_sequences, go_backwards, options):
    rng = np.random.default_rng(units * 100 + batch)
    timesteps, input_dim = 6, 5
    layer = CELLS[cell](units, return_sequences=return_sequences, go_backwards=go_backwards,
                        return_state=True, use_bias=options != "no_bias", seed=3)
    x = rng.standard_normal((batch, timesteps, input_dim)).astype(np.float32)
    kwargs = {}
    if options == "mask":
        kwargs["mask"] = make_mask(rng, batch, timesteps)
    if options == "initial_state":
        kwargs["initial_state"] = [rng.standard_normal((batch, units)).astype(np.float32)
                                   for _ in range(NUM_STATES[cell])]
    layer(x[:, :1])  # build
    random_bias(layer, rng)
    out, *states = layer(x, **kwargs)
    want_out, want_states = reference_rnn(layer, x, **kwargs)
    assert out.dtype == np.float32
    assert_close(out, want_out, f"{cell} output")
    assert len(states) == NUM_STATES[cell]
    for got, want in zip(states, want_states):
        assert_close(got, want, f"{cell} state")


@pytest.mark.parametrize(("activation", "recurrent_activation"),
                         [("relu", "hard_sigmoid"), ("linear", "sigmoid"), (None, "tanh")])
@pytest.mark.parametrize("cell", list(CELLS))
def test_rnn_activations(cell, activation, recurrent_activation):
    rng = np.random.default_rng(1)
    kwargs = {"activation": activation}
    if cell != "simple_rnn":
        kwargs["recurrent_activation"] = recurrent_activation
    layer = CELLS[cell](4, return_sequences=True, **kwargs)
    x = rng.standard_normal((3, 5, 2)).astype(np.float32)
    out = layer(x)
    assert layer.activation == (activation or "linear")
    assert_close(out, reference_rnn(layer, x)[0], f"{cell} {activation}")


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_reset_after(reset_after):
    rng = np.random.default_rng(2)
    layer = GRU(5, reset_after=reset_after, return_sequences=True)
    x = rng.standard_normal((2, 7, 3)).astype(np.float32)
    layer(x)
    assert layer.get_weights()[2].shape == ((2, 15) if reset_after else (15,))
    random_bias(layer, rng)
    assert_close(layer(x), reference_rnn(layer, x)[0], "gru")


def test_return_state_order_lstm():
    rng = np.random.default_rng(3)
    layer = LSTM(3, return_state=True)
    x = rng.standard_normal((2, 4, 2)).astype(np.float32)
    out, h, c = layer(x)
    _, (want_h, want_c) = reference_rnn(layer, x)
    assert_close(out, want_h, "output == h without return_sequences")
    assert_close(h, want_h, "h")
    assert_close(c, want_c, "c")
    assert not np.allclose(h, c)


def test_float64_dtype_uses_float64():
    rng = np.random.default_rng(4)
    layer = LSTM(4, return_sequences=True, dtype="float64")
    x = rng.standard_normal((2, 5, 3))
    out = layer(x)
    assert out.dtype == np.float64
    want, _ = reference_rnn(layer, x)
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)


def test_training_only_arguments_have_no_effect():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    plain = LSTM(4, return_sequences=True)
    busy = LSTM(4, return_sequences=True, dropout=0.5, recurrent_dropout=0.3, unroll=True,
                kernel_regularizer="l2", recurrent_constraint="max_norm", use_cudnn=False,
                implementation=1, seed=7)
    plain(x)
    busy(x)
    busy.set_weights(plain.get_weights())
    np.testing.assert_array_equal(busy(x, training=True), plain(x))


# --------------------------------------------------------------------------- Bidirectional


def reference_bidirectional(layer, x, mask=None, initial_state=None):
    fw, bw = layer.forward_layer, layer.backward_layer
    n = NUM_STATES[fw._cell]
    init_fw = init_bw = None
    if initial_state is not None:
        init_fw, init_bw = initial_state[:n], initial_state[n:]
    y_fw, s_fw = reference_rnn(fw, x, mask=mask, initial_state=init_fw)
    y_bw, s_bw = reference_rnn(bw, x, mask=mask, initial_state=init_bw)
    if layer.return_sequences:
        # Keras: zeros at masked steps (zero_output_for_mask), in each layer's processing
        # order; then the backward layer's output is reversed, whatever go_backwards says.
        if mask is not None:
            m = mask[:, :, None]
            y_fw = y_fw * (m[:, ::-1] if fw.go_backwards else m)
            y_bw = y_bw * (m[:, ::-1] if bw.go_backwards else m)
        y_bw = y_bw[:, ::-1]
    merged = {
        "concat": lambda: [np.concatenate([y_fw, y_bw], axis=-1)],
        "sum": lambda: [y_fw + y_bw],
        "mul": lambda: [y_fw * y_bw],
        "ave": lambda: [(y_fw + y_bw) / 2],
        None: lambda: [y_fw, y_bw],
    }[layer.merge_mode]()
    if layer.return_state:
        return merged + list(s_fw) + list(s_bw)
    return merged


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("return_state", [False, True])
def test_bidirectional_matches_reference(cell, merge_mode, return_sequences, return_state):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 6, 4)).astype(np.float32)
    layer = Bidirectional(CELLS[cell](5, return_sequences=return_sequences,
                                      return_state=return_state), merge_mode=merge_mode)
    out = layer(x)
    got = out if isinstance(out, list) else [out]
    want = reference_bidirectional(layer, x)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert_close(g, w, f"bidirectional output {i}")
    width = 10 if merge_mode == "concat" else 5
    assert got[0].shape[-1] == width


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_mask_and_initial_state(cell, return_sequences):
    rng = np.random.default_rng(7)
    batch, units = 4, 3
    x = rng.standard_normal((batch, 6, 2)).astype(np.float32)
    mask = make_mask(rng, batch, 6)
    n = NUM_STATES[cell]
    init = [rng.standard_normal((batch, units)).astype(np.float32) for _ in range(2 * n)]
    layer = Bidirectional(CELLS[cell](units, return_sequences=return_sequences,
                                      return_state=True))
    got = layer(x, mask=mask, initial_state=init)
    want = reference_bidirectional(layer, x, mask=mask, initial_state=init)
    for i, (g, w) in enumerate(zip(got, want)):
        assert_close(g, w, f"output {i}")
    if return_sequences:
        assert np.all(got[0][~mask] == 0), "masked steps inside Bidirectional output zeros"


def test_bidirectional_weights_forward_then_backward():
    layer = Bidirectional(LSTM(3), input_shape=(5, 2))
    x = np.zeros((1, 5, 2), np.float32)
    layer(x)
    shapes = [w.shape for w in layer.get_weights()]
    assert shapes == [(2, 12), (3, 12), (12,)] * 2
    assert layer.count_params() == 2 * 4 * 3 * (2 + 3 + 1)
    assert layer.forward_layer.name.startswith("forward_")
    assert layer.backward_layer.go_backwards
    rng = np.random.default_rng(0)
    new = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    layer.set_weights(new)
    np.testing.assert_array_equal(layer.forward_layer.get_weights()[1], new[1])
    np.testing.assert_array_equal(layer.backward_layer.get_weights()[0], new[3])


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("masked", [False, True])
def test_bidirectional_of_a_layer_that_goes_backwards(cell, masked):
    """Keras 2 wraps GRU(go_backwards=True) with a forwards copy and, as always, reverses the
    backward (here: forwards) layer's output: the merged sequence comes out in reversed time
    order, not in input order."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 6, 2)).astype(np.float32)
    mask = make_mask(rng, 3, 6) if masked else None
    layer = Bidirectional(CELLS[cell](4, return_sequences=True, go_backwards=True))
    got = layer(x, mask=mask)
    assert layer.forward_layer.go_backwards
    assert not layer.backward_layer.go_backwards
    assert_close(got, reference_bidirectional(layer, x, mask=mask)[0], "output")
    # Spelled out for the unmasked case: both halves in reversed time order.
    if not masked:
        y_fw, _ = reference_rnn(layer.forward_layer, x)  # processing order: reversed
        y_bw, _ = reference_rnn(layer.backward_layer, x)  # input order
        assert_close(got, np.concatenate([y_fw, y_bw[:, ::-1]], axis=-1), "output")


def test_bidirectional_backward_layer_argument():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    layer = Bidirectional(LSTM(4, return_sequences=True),
                          backward_layer=GRU(2, return_sequences=True, go_backwards=True))
    out = layer(x)
    assert out.shape == (2, 5, 6)
    assert_close(out, reference_bidirectional(layer, x)[0], "lstm fw + gru bw")
    with pytest.raises(ValueError, match="go_backwards"):
        Bidirectional(LSTM(4), backward_layer=LSTM(4))


def test_bidirectional_bad_arguments():
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(LSTM(4), merge_mode="max")
    with pytest.raises(ValueError, match="SimpleRNN, GRU, LSTM or RNN"):
        Bidirectional(Dense(3))
    layer = Bidirectional(LSTM(4))
    with pytest.raises(ValueError, match="expects 4 initial states"):
        layer(np.zeros((2, 3, 2), np.float32), initial_state=[np.zeros((2, 4), np.float32)])


# --------------------------------------------------------------------------- masks


def test_masking_layer_values_and_mask():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]], np.float32)
    out, mask = Masking(0.0)._forward(x)
    np.testing.assert_array_equal(mask, [[True, False, True]])
    np.testing.assert_array_equal(out, x)
    out, mask = Masking(mask_value=3.0)._forward(np.full((1, 2, 2), 3.0, np.float32))
    np.testing.assert_array_equal(mask, [[False, False]])
    np.testing.assert_array_equal(out, np.zeros((1, 2, 2)))


@pytest.mark.parametrize("bad", [np.array([["a"] * 4] * 2), np.ones((2, 4), complex),
                                 np.array([[None] * 4] * 2, dtype=object)])
def test_masks_of_other_dtypes_are_refused(bad):
    x = np.zeros((2, 4, 3), np.float32)
    for layer in (GRU(3), Bidirectional(LSTM(3))):
        with pytest.raises(TypeError, match="mask must be boolean"):
            layer(x, mask=bad)
    np.testing.assert_array_equal(GRU(3, seed=1)(x, mask=np.ones((2, 4), np.float32)),
                                  GRU(3, seed=1)(x, mask=np.ones((2, 4), bool)))


def test_mask_propagates_only_with_return_sequences():
    from fusedrnn.models import Sequential

    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 6, 2)).astype(np.float32)
    x[1, 4:] = 0.0
    x[2, :2] = 0.0
    mask = np.any(x != 0, axis=-1)
    first = SimpleRNN(3, return_sequences=True)
    second = GRU(4, return_sequences=True)
    third = LSTM(2)
    model = Sequential([Masking(input_shape=(6, 2)), first, second, third])
    got = model.predict(x, verbose=0)
    h1, _ = reference_rnn(first, x, mask=mask)
    h2, _ = reference_rnn(second, h1, mask=mask)
    want, _ = reference_rnn(third, h2, mask=mask)
    assert_close(got, want, "mask through two return_sequences layers")
    # without return_sequences the mask stops: a later RNN sees every step
    a = SimpleRNN(3)
    b = Dense(2)
    m2 = Sequential([Masking(input_shape=(6, 2)), a, b])
    assert_close(m2.predict(x, verbose=0), reference_rnn(a, x, mask=mask)[0]
                 @ b.get_weights()[0] + b.get_weights()[1], "mask stops")


def test_mask_through_time_distributed_and_dropout():
    from fusedrnn.models import Sequential

    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    x[0, 3:] = 0.0
    mask = np.any(x != 0, axis=-1)
    rnn1 = LSTM(4, return_sequences=True)
    td = TimeDistributed(Dense(3))
    rnn2 = SimpleRNN(2)
    model = Sequential([Masking(input_shape=(5, 3)), rnn1, Dropout(0.5), td, rnn2])
    h, _ = reference_rnn(rnn1, x, mask=mask)
    k, b = td.get_weights()
    want, _ = reference_rnn(rnn2, h @ k + b, mask=mask)
    assert_close(model.predict(x, verbose=0), want, "mask through TimeDistributed")


def test_embedding_mask_zero():
    from fusedrnn.models import Sequential

    rng = np.random.default_rng(11)
    tokens = rng.integers(1, 20, size=(3, 7))
    tokens[0, 5:] = 0
    tokens[2, :3] = 0
    emb = Embedding(20, 4, mask_zero=True, input_length=7)
    rnn = GRU(3)
    model = Sequential([emb, rnn])
    got = model.predict(tokens, verbose=0)
    vectors = emb.get_weights()[0][tokens]
    want, _ = reference_rnn(rnn, vectors, mask=tokens != 0)
    assert_close(got, want, "embedding mask_zero")
    assert model.layers[0].output_shape == (None, 7, 4)


def test_zero_output_for_mask_option():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    mask = np.array([[True, True, False, True, False]] * 2)
    layer = SimpleRNN(3, return_sequences=True, zero_output_for_mask=True)
    out = layer(x, mask=mask)
    assert np.all(out[~mask] == 0)
    want, _ = reference_rnn(layer, x, mask=mask)
    assert_close(out[mask], want[mask], "unmasked steps")


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("go_backwards", [False, True])
def test_unroll_zeroes_masked_outputs_as_keras_tensorflow_backend(cell, go_backwards):
    """Keras's TensorFlow backend, unrolled, with zero_output_for_mask: its loop repeats the
    last output at masked steps, then ``tf.where(mask, outputs, 0)`` with the mask in input
    order and the outputs in processing order (keras/src/backend/tensorflow/rnn.py). Going
    forwards that is the loop's result; going backwards it is not. Bidirectional's backward
    copy and an RNN over a cell written by subclassing do the same."""
    rng = np.random.default_rng(21)
    x = rng.standard_normal((3, 6, 2)).astype(np.float32)
    mask = np.ones((3, 6), bool)
    mask[0, :2] = mask[1, -3:] = mask[2, 2:4] = False
    kwargs = {"return_sequences": True, "go_backwards": go_backwards}
    repeat = CELLS[cell](3, **kwargs)
    repeat(x)
    weights = [rng.standard_normal(w.shape).astype(np.float32) * 0.5
               for w in repeat.get_weights()]
    repeat.set_weights(weights)
    keras_tf = np.where(mask[:, :, None], repeat(x, mask=mask), 0.0)  # the TF backend's rule
    loop = np.where((mask[:, ::-1] if go_backwards else mask)[:, :, None],
                    repeat(x, mask=mask), 0.0)  # the loop's (and JAX's) rule
    for unroll, want in ((True, keras_tf), (False, loop)):
        layer = CELLS[cell](3, zero_output_for_mask=True, unroll=unroll, **kwargs)
        layer(x)
        layer.set_weights(weights)
        np.testing.assert_array_equal(layer(x, mask=mask), want)
        assert layer.get_config()["unroll"] is unroll
    if go_backwards:
        assert not np.allclose(keras_tf, loop)
        bidir = Bidirectional(CELLS[cell](3, return_sequences=True, unroll=True),
                              merge_mode=None)
        bidir(x)
        bidir.set_weights(weights + weights)
        np.testing.assert_array_equal(bidir(x, mask=mask)[1], keras_tf[:, ::-1])


def test_unroll_in_an_rnn_over_a_user_cell():
    from fusedrnn.layers import RNN, Layer

    class Minimal(Layer):
        state_size = 2

        def call(self, inputs, states):
            h = np.tanh(inputs[:, :2] + 0.5 * states[0])
            return h, [h]

    rng = np.random.default_rng(22)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    mask = np.array([[True, True, False, True, False], [False, True, True, True, True]])
    repeat = RNN(Minimal(), return_sequences=True, go_backwards=True)(x, mask=mask)
    for unroll, m in ((True, mask), (False, mask[:, ::-1])):
        layer = RNN(Minimal(), return_sequences=True, go_backwards=True, unroll=unroll,
                    zero_output_for_mask=True)
        np.testing.assert_array_equal(layer(x, mask=mask),
                                      np.where(m[:, :, None], repeat, 0.0))


# --------------------------------------------------------------------------- stateful


@pytest.mark.parametrize("cell", list(CELLS))
def test_stateful_carries_states_until_reset(cell):
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 8, 3)).astype(np.float32)
    layer = CELLS[cell](4, stateful=True, return_sequences=True)
    first = layer(x[:, :5])
    second = layer(x[:, 5:])
    want, _ = reference_rnn(layer, x)
    assert_close(np.concatenate([first, second], axis=1), want, "stateful = one long call")
    layer.reset_states()
    assert_close(layer(x[:, :5]), want[:, :5], "after reset_states")
    with pytest.raises(ValueError, match="batch size"):
        layer(x[:1, :5])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("return_state", [False, True])
def test_stateful_states_are_not_the_callers_arrays(dtype, return_state):
    """Writing into what a stateful layer returned must not change the state it carries."""
    rng = np.random.default_rng(15)
    x = rng.standard_normal((2, 3, 4)).astype(dtype)
    layer = SimpleRNN(3, stateful=True, return_state=return_state, dtype=dtype)
    twin = SimpleRNN(3, stateful=True, return_state=return_state, dtype=dtype)
    layer(x)
    twin(x)
    twin.set_weights(layer.get_weights())
    layer.reset_states()
    twin.reset_states()
    got = layer(x)
    twin(x)
    for a in got if return_state else [got]:
        a[...] = 1e3
    again, want = layer(x), twin(x)
    for g, w in zip(again if return_state else [again], want if return_state else [want]):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("options", [
    {}, {"return_sequences": True}, {"return_sequences": True, "go_backwards": True},
    {"return_state": True}, {"stateful": True}, {"stateful": True, "return_state": True},
    {"stateful": True, "return_sequences": True, "go_backwards": True},
])
def test_repeated_calls_take_the_fast_path_and_match_the_general_path(monkeypatch, cell,
                                                                         options):
    """After its first call a layer sends a plain float32 call straight to the core. Each such
    call must equal, bitwise, the general path (a twin layer with the same weights, called
    with an all-true mask), carry states like the reference, and detach the states it returns;
    and it must actually be taken."""
    rng = np.random.default_rng(19)
    xs = [rng.standard_normal((3, t, 5)).astype(np.float32) for t in (4, 1, 1, 6)]
    layer = CELLS[cell](7, **options)
    layer.build((None, None, 5))
    random_bias(layer, rng)
    twin = CELLS[cell](7, **options)
    twin.build((None, None, 5))
    twin.set_weights(layer.get_weights())
    general = []
    real_prepare = layer._prepare_input
    monkeypatch.setattr(layer, "_prepare_input", lambda x: general.append(1) or real_prepare(x))
    states = None  # the reference's, carried from call to call when stateful
    for x in xs:
        got = layer(x)
        want = twin(x, mask=np.ones(x.shape[:2], bool))
        got_list = got if isinstance(got, list) else [got]
        want_list = want if isinstance(want, list) else [want]
        assert len(got_list) == len(want_list)
        for g, w in zip(got_list, want_list):
            np.testing.assert_array_equal(g, w)
        ref_out, ref_states = reference_rnn(layer, x, initial_state=states)
        assert_close(got_list[0], ref_out, "output")
        if layer.stateful:
            states = ref_states
            for g in got_list:
                g[...] = 1e3  # must not reach the states the layer carries
    assert len(general) == 1, "only the first call (which packs the weights) is general"


def test_stateful_bidirectional_reset():
    rng = np.random.default_rng(14)
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    layer = Bidirectional(GRU(3, stateful=True))
    a = layer(x)
    b = layer(x)
    assert not np.allclose(a, b)
    layer.reset_states()
    np.testing.assert_allclose(layer(x), a, rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------- weights


@pytest.mark.parametrize(("layer", "input_dim", "shapes", "params"), [
    (SimpleRNN(3), 10, [(10, 3), (3, 3), (3,)], 42),
    (GRU(8), 5, [(5, 24), (8, 24), (2, 24)], 360),
    (GRU(8, reset_after=False), 5, [(5, 24), (8, 24), (24,)], 3 * 8 * (5 + 8 + 1)),
    (LSTM(8), 5, [(5, 32), (8, 32), (32,)], 448),
    (LSTM(8, use_bias=False), 5, [(5, 32), (8, 32)], 4 * 8 * 13),
    (Dense(4), 6, [(6, 4), (4,)], 28),
    (Dense(4, use_bias=False), 6, [(6, 4)], 24),
])
def test_weight_layout_and_count(layer, input_dim, shapes, params):
    shape = (2, 3, input_dim)
    layer(np.zeros(shape, np.float32))
    assert [w.shape for w in layer.get_weights()] == shapes
    assert [tuple(v.shape) for v in layer.weights] == shapes
    assert layer.count_params() == params
    assert layer.built


def test_set_weights_errors_name_expected_shapes():
    layer = LSTM(2)
    with pytest.raises(ValueError, match="not built"):
        layer.set_weights([])
    layer(np.zeros((1, 3, 4), np.float32))
    with pytest.raises(ValueError, match=r"expects 3 weight arrays .*\(4, 8\).*\(2, 8\).*\(8,\)"):
        layer.set_weights([np.zeros((4, 8))])
    with pytest.raises(ValueError, match=r"weight 1 \(recurrent_kernel\) has shape \(8, 2\), "
                                         r"expected \(2, 8\)"):
        layer.set_weights([np.zeros((4, 8)), np.zeros((8, 2)), np.zeros(8)])
    with pytest.raises(TypeError, match="numeric"):
        layer.set_weights([np.zeros((4, 8)), np.full((2, 8), "a"), np.zeros(8)])


def test_set_weights_copies_and_get_weights_copies():
    layer = SimpleRNN(2)
    x = np.ones((1, 3, 2), np.float32)
    layer(x)
    weights = [np.full(w.shape, 0.1, np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    before = layer(x)
    weights[0][...] = 5.0
    layer.get_weights()[1][...] = 7.0
    np.testing.assert_array_equal(layer(x), before)
    np.testing.assert_array_equal(layer.get_weights()[0], np.full((2, 2), 0.1, np.float32))


def test_set_weights_repacks():
    rng = np.random.default_rng(15)
    layer = GRU(3, return_sequences=True)
    x = rng.standard_normal((2, 4, 2)).astype(np.float32)
    layer(x)
    new = [rng.standard_normal(w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(new)
    assert_close(layer(x), reference_rnn(layer, x)[0], "after set_weights")


def test_constructor_weights_argument():
    w = [np.full((3, 2), 0.5, np.float32), np.eye(2, dtype=np.float32),
         np.array([0.1, -0.1], np.float32)]
    layer = SimpleRNN(2, weights=w)
    layer(np.zeros((1, 2, 3), np.float32))
    for got, want in zip(layer.get_weights(), w):
        np.testing.assert_array_equal(got, want)


# --------------------------------------------------------------------------- initializers


def test_fresh_layers_initialise_like_keras():
    lstm = LSTM(6, seed=1)
    lstm(np.zeros((1, 2, 5), np.float32))
    kernel, recurrent, bias = lstm.get_weights()
    limit = np.sqrt(6 / (5 + 24))  # glorot_uniform, fan_in 5, fan_out 4 * 6
    assert np.all(np.abs(kernel) <= limit)
    assert np.abs(kernel).max() > limit / 2
    # orthogonal (6, 24): rows orthonormal
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(6), atol=1e-5)
    np.testing.assert_array_equal(bias, np.r_[np.zeros(6), np.ones(6), np.zeros(12)])
    no_forget = LSTM(3, unit_forget_bias=False)
    no_forget(np.zeros((1, 2, 5), np.float32))
    np.testing.assert_array_equal(no_forget.get_weights()[2], np.zeros(12))
    gru = GRU(4, bias_initializer="ones", recurrent_initializer="zeros")
    gru(np.zeros((1, 2, 5), np.float32))
    np.testing.assert_array_equal(gru.get_weights()[1], np.zeros((4, 12)))
    np.testing.assert_array_equal(gru.get_weights()[2], np.ones((2, 12)))


def test_seed_makes_initialisation_reproducible():
    def weights(seed):
        layer = SimpleRNN(4, seed=seed)
        layer(np.zeros((1, 2, 3), np.float32))
        return layer.get_weights()

    a, b, c = weights(7), weights(7), weights(8)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.allclose(a[0], c[0])


def test_unknown_initializer():
    with pytest.raises(ValueError, match="unknown initializer 'glorot_wobbly'"):
        LSTM(3, kernel_initializer="glorot_wobbly")


# --------------------------------------------------------------------------- legacy arguments


@pytest.mark.parametrize(("kwargs", "batch_input_shape"), [
    ({"input_shape": (2, 10)}, (None, 2, 10)),
    ({"input_length": 2, "input_dim": 10}, (None, 2, 10)),
    ({"input_dim": 10}, (None, None, 10)),
    ({"batch_input_shape": (8, 2, 10)}, (8, 2, 10)),
    ({"input_shape": (2, 10), "batch_size": 4}, (4, 2, 10)),
])
def test_keras2_input_arguments(kwargs, batch_input_shape):
    assert SimpleRNN(3, **kwargs)._batch_input_shape == batch_input_shape


def test_unknown_keyword_is_type_error():
    with pytest.raises(TypeError, match="unrecognized keyword arguments.*colour"):
        LSTM(3, colour="red")


# --------------------------------------------------------------------------- symbolic calls


def test_symbolic_shapes():
    x = Input(shape=(10, 50))
    assert isinstance(x, KerasTensor)
    assert x.shape == (None, 10, 50)
    assert LSTM(50)(x).shape == (None, 50)
    assert LSTM(50, return_sequences=True)(x).shape == (None, 10, 50)
    outs = LSTM(7, return_state=True)(x)
    assert [t.shape for t in outs] == [(None, 7)] * 3
    outs = GRU(7, return_sequences=True, return_state=True)(x)
    assert [t.shape for t in outs] == [(None, 10, 7), (None, 7)]
    b = Bidirectional(LSTM(4, return_sequences=True, return_state=True))(x)
    assert [t.shape for t in b] == [(None, 10, 8)] + [(None, 4)] * 4
    assert Bidirectional(GRU(4), merge_mode="sum")(x).shape == (None, 4)
    assert [t.shape for t in Bidirectional(GRU(4), merge_mode=None)(x)] == [(None, 4)] * 2
    assert TimeDistributed(Dense(3))(x).shape == (None, 10, 3)
    assert Dense(3)(x).shape == (None, 10, 3)
    assert Input(batch_shape=(8, 4, 2)).shape == (8, 4, 2)
    assert Embedding(100, 8)(Input(shape=(12,))).shape == (None, 12, 8)


# --------------------------------------------------------------------------- other layers


def test_dense_activation_and_time_distributed():
    rng = np.random.default_rng(16)
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    dense = Dense(6, activation="softmax")
    y = dense(x)
    k, b = dense.get_weights()
    z = x.astype(np.float64) @ k + b
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    assert_close(y, e / e.sum(axis=-1, keepdims=True), "dense softmax")
    td = TimeDistributed(Dense(2, activation="relu"))
    y = td(x)
    k, b = td.get_weights()
    assert_close(y, np.maximum(x.astype(np.float64) @ k + b, 0), "time distributed")
    assert td.count_params() == 5 * 2 + 2


@pytest.mark.parametrize(("name", "fn"), [
    ("relu", lambda v: np.maximum(v, 0)),
    ("tanh", np.tanh),
    ("sigmoid", lambda v: 1 / (1 + np.exp(-v))),
    ("linear", lambda v: v),
    ("hard_sigmoid", lambda v: np.clip((v + 3) / 6, 0, 1)),
    ("hard_sigmoid_keras2", lambda v: np.clip(0.2 * v + 0.5, 0, 1)),
    ("softplus", lambda v: np.log1p(np.exp(v))),
    ("elu", lambda v: np.where(v > 0, v, np.exp(v) - 1)),
])
def test_activation_layer(name, fn):
    x = np.linspace(-4, 4, 24, dtype=np.float32).reshape(2, 3, 4)
    assert_close(Activation(name)(x), fn(x.astype(np.float64)), name)


def test_shape_layers_and_pooling():
    """RepeatVector, Flatten, SpatialDropout1D and the 1-D global poolings against NumPy
    written out (the real-Keras goldens cover them in models)."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((3, 5, 4)).astype(np.float32)
    v = x[:, 0, :]
    np.testing.assert_array_equal(RepeatVector(3)(v), np.stack([v, v, v], axis=1))
    np.testing.assert_array_equal(Flatten()(x), x.reshape(3, 20))
    np.testing.assert_array_equal(Flatten(data_format="channels_first")(x),
                                  np.transpose(x, (0, 2, 1)).reshape(3, 20))
    np.testing.assert_array_equal(Flatten()(x[:, 0, 0]), x[:, 0, :1])  # (batch,) -> (batch, 1)
    np.testing.assert_array_equal(SpatialDropout1D(0.5)(x, training=True), x)
    assert "noise_shape" not in SpatialDropout1D(0.5).get_config()
    mask = np.array([[1, 1, 0, 1, 0], [0, 0, 0, 0, 1], [1, 1, 1, 1, 1]], bool)
    for keepdims in (False, True):
        gap, gmp = GlobalAveragePooling1D(keepdims=keepdims), GlobalMaxPooling1D(
            keepdims=keepdims)
        np.testing.assert_allclose(gap(x), x.mean(axis=1, keepdims=keepdims), rtol=1e-6)
        np.testing.assert_array_equal(gmp(x), x.max(axis=1, keepdims=keepdims))
        want = np.stack([x[b][mask[b]].mean(axis=0) for b in range(3)])
        got = gap(x, mask=mask)
        np.testing.assert_allclose(got.reshape(3, 4), want, rtol=1e-6)
        assert got.shape == ((3, 1, 4) if keepdims else (3, 4))
    cf = GlobalAveragePooling1D(data_format="channels_first", keepdims=True)
    np.testing.assert_allclose(cf(x), x.mean(axis=2, keepdims=True), rtol=1e-6)
    want = np.stack([x[b][:, mask[b, 1:]].mean(axis=1) for b in range(3)])  # steps on axis 2
    np.testing.assert_allclose(
        GlobalAveragePooling1D(data_format="channels_first")(x, mask=mask[:, 1:]), want,
        rtol=1e-6)
    np.testing.assert_array_equal(GlobalMaxPooling1D(data_format="channels_first")(x),
                                  x.max(axis=2))
    # A sample with every step masked averages nothing: NaN, as in Keras (and no warning).
    out = GlobalAveragePooling1D()(x, mask=np.array([[0] * 5, [1] * 5, [1] * 5], bool))
    assert np.isnan(out[0]).all()
    assert np.isfinite(out[1:]).all()


def test_layers_without_mask_support_drop_the_mask():
    """As Keras 3: RepeatVector, Flatten and GlobalMaxPooling1D warn that they destroy the mask
    and pass none on; GlobalAveragePooling1D uses it and passes none on; SpatialDropout1D passes
    it on."""
    x = np.random.default_rng(13).standard_normal((2, 5, 4)).astype(np.float32)
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    for layer, inp in ((Flatten(), x), (GlobalMaxPooling1D(), x), (RepeatVector(2), x[:, 0])):
        assert not layer.supports_masking
        with pytest.warns(UserWarning, match=f"{layer.name}.*does not support masking"):
            _, out_mask = layer._forward(inp, mask=mask)
        assert out_mask is None
    assert GlobalAveragePooling1D()._forward(x, mask=mask)[1] is None
    assert SpatialDropout1D(0.1)._forward(x, mask=mask)[1] is mask
    # In a model: Masking -> LSTM seq -> GlobalMaxPooling1D takes the max over every step.
    from fusedrnn.models import Sequential

    lstm = LSTM(3, return_sequences=True)
    model = Sequential([Input((5, 4)), Masking(), lstm, GlobalMaxPooling1D()])
    xm = x.copy()
    xm[0, 3:] = 0.0
    with pytest.warns(UserWarning, match="does not support masking"):
        got = model.predict(xm, verbose=0)
    seq = Sequential([Input((5, 4)), Masking(), lstm]).predict(xm, verbose=0)
    np.testing.assert_array_equal(got, seq.max(axis=1))


def test_shape_layers_reject_bad_arguments_and_input():
    with pytest.raises(ValueError, match="positive integer"):
        RepeatVector(0)
    for bad in (2.5, "3", True, None):
        with pytest.raises(TypeError, match="n must be an integer"):
            RepeatVector(bad)
    with pytest.raises(ValueError, match=r"RepeatVector layer .* rank 2 .*got shape \(2, 3, 4\)"):
        RepeatVector(2)(np.zeros((2, 3, 4), np.float32))
    for cls in (GlobalAveragePooling1D, GlobalMaxPooling1D, SpatialDropout1D):
        layer = cls(0.5) if cls is SpatialDropout1D else cls()
        with pytest.raises(ValueError, match=r"rank 3 .*got shape \(2, 3\)"):
            layer(np.zeros((2, 3), np.float32))
        with pytest.raises(ValueError, match="rank 3"):
            layer(Input((4,)))
    for cls in (Flatten, GlobalAveragePooling1D, GlobalMaxPooling1D):
        with pytest.raises(ValueError, match="data_format.*'nchw'"):
            cls(data_format="nchw")
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\) = \(2, 3\)"):
        GlobalAveragePooling1D()(np.zeros((2, 3, 4), np.float32), mask=np.ones((2, 4), bool))
    with pytest.raises(TypeError, match="mask must be boolean"):
        GlobalAveragePooling1D()(np.zeros((2, 3, 4), np.float32), mask=np.full((2, 3), "a"))
    with pytest.raises(ValueError, match="rate"):
        SpatialDropout1D(2.0)


def test_merge_layers_eager_and_functional():
    """Concatenate, Add, Subtract, Average on arrays against NumPy, their functional forms in a
    model, and the masks they pass on (Keras 3: elementwise merges OR the masks when every input
    has one; Concatenate counts a missing mask as all true)."""
    from fusedrnn.layers import Add, Average, Concatenate, Subtract, add, concatenate
    from fusedrnn.models import Model

    rng = np.random.default_rng(14)
    a, b, c = (rng.standard_normal((2, 3, 4)).astype(np.float32) for _ in range(3))
    v = rng.standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_array_equal(Concatenate()([a, b]), np.concatenate([a, b], axis=-1))
    np.testing.assert_array_equal(Concatenate(axis=1)([a, b, c]), np.concatenate([a, b, c], 1))
    np.testing.assert_array_equal(Add()([a, b, c]), a + b + c)
    np.testing.assert_array_equal(Subtract()([a, b]), a - b)
    np.testing.assert_allclose(Average()([a, b]), (a + b) / 2, rtol=1e-7)
    np.testing.assert_array_equal(Add()([a, v]), a + v[:, None, :])  # rank: axis 1 inserted
    m1 = np.array([[1, 0, 1], [0, 0, 1]], bool)
    m2 = np.array([[0, 0, 1], [1, 0, 1]], bool)
    assert (Add()._forward([a, b], mask=[m1, m2])[1] == (m1 | m2)).all()
    assert Add()._forward([a, b], mask=[m1, None])[1] is None
    assert (Concatenate()._forward([a, b], mask=[m1, None])[1] == 1).all()
    assert (Concatenate()._forward([a, b], mask=[m1, m2])[1] == (m1 | m2)).all()
    np.testing.assert_array_equal(Concatenate(axis=1)._forward([a, b], mask=[m1, None])[1],
                                  np.concatenate([m1, np.ones_like(m1)], axis=1))
    inputs = Input((3, 4))
    h1 = LSTM(2, return_sequences=True)(inputs)
    h2 = GRU(2, return_sequences=True)(inputs)
    model = Model(inputs, [concatenate([h1, h2]), add([h1, h2])])
    assert model.output_shape == [(None, 3, 4), (None, 3, 2)]
    cat, total = model.predict(a, verbose=0)
    y1 = Model(inputs, h1).predict(a, verbose=0)
    y2 = Model(inputs, h2).predict(a, verbose=0)
    np.testing.assert_array_equal(cat, np.concatenate([y1, y2], axis=-1))
    np.testing.assert_array_equal(total, y1 + y2)
    by_tuple = Model(inputs, concatenate((h1, h2)))  # a tuple of tensors, as Keras takes
    np.testing.assert_array_equal(by_tuple.predict(a, verbose=0), cat)
    lines = []
    model.summary(print_fn=lines.append)
    row = next(i for i, line in enumerate(lines) if line.startswith("concatenate"))
    assert "lstm[0][0]" in lines[row]
    assert "gru[0][0]" in lines[row + 1]


def test_multiply_maximum_minimum_with_keras3_masks():
    """Written out with NumPy from Keras 3.15's merging code: in Multiply a masked step of an
    input counts as 1, and where every input (all masked) is masked the product is 0; in
    Maximum/Minimum a masked step takes the other side's value. Without masks they are the
    plain operations; the output mask is the OR when every input has one."""
    from fusedrnn.layers import Maximum, Minimum, Multiply, maximum, minimum, multiply

    rng = np.random.default_rng(21)
    a, b, c = (rng.standard_normal((2, 3, 4)).astype(np.float32) for _ in range(3))
    np.testing.assert_array_equal(multiply([a, b, c]), a * b * c)
    np.testing.assert_array_equal(maximum([a, b, c]), np.maximum(np.maximum(a, b), c))
    np.testing.assert_array_equal(minimum([a, b]), np.minimum(a, b))
    m1 = np.array([[1, 0, 1], [0, 0, 1]], bool)
    m2 = np.array([[0, 0, 1], [1, 0, 1]], bool)
    e1, e2 = m1[:, :, None], m2[:, :, None]

    out, mask = Multiply()._forward([a, b], mask=[m1, m2])
    both = np.where(e1, a, 1) * np.where(e2, b, 1)
    np.testing.assert_array_equal(out, np.where(e1 | e2, both, 0))
    np.testing.assert_array_equal(mask, m1 | m2)
    out, mask = Multiply()._forward([a, c], mask=[m1, None])
    np.testing.assert_array_equal(out, np.where(e1, a, 1) * c)  # no zeros: c has no mask
    assert mask is None

    for cls, op in ((Maximum, np.maximum), (Minimum, np.minimum)):
        out, mask = cls()._forward([a, b], mask=[m1, m2])
        x = np.where(e2, b, a)  # b's masked steps take a's value,
        first = np.where(e1, a, x)  # and a's masked steps b's
        np.testing.assert_array_equal(out, op(first, x))
        np.testing.assert_array_equal(mask, m1 | m2)
        out, mask = cls()._forward([c, a, b], mask=[None, m1, m2])
        x1 = np.where(e1, a, c)
        step = op(c, x1)
        np.testing.assert_array_equal(out, op(step, np.where(e2, b, step)))
        assert mask is None


def test_merge_layers_with_keras2_masks():
    """The rules load_model gives merge layers of models Keras 2 saved (tf_keras's merging
    code): values merge without the masks, the output mask is the AND of the masks there are
    (Concatenate: of every input's, a missing one all true)."""
    from fusedrnn.layers import Add, Concatenate, Maximum, Multiply

    rng = np.random.default_rng(22)
    a, b = (rng.standard_normal((2, 3, 4)).astype(np.float32) for _ in range(2))
    m1 = np.array([[1, 0, 1], [0, 1, 1]], bool)
    m2 = np.array([[0, 1, 1], [1, 1, 1]], bool)
    for cls, want in ((Add, a + b), (Multiply, a * b), (Maximum, np.maximum(a, b))):
        layer = cls()
        layer._keras2_masks = True
        out, mask = layer._forward([a, b], mask=[m1, m2])
        np.testing.assert_array_equal(out, want)
        np.testing.assert_array_equal(mask, m1 & m2)
        np.testing.assert_array_equal(layer._forward([a, b], mask=[m1, None])[1], m1)
        assert layer._forward([a, b])[1] is None
    cat = Concatenate()
    cat._keras2_masks = True
    np.testing.assert_array_equal(cat._forward([a, b], mask=[m1, m2])[1], m1 & m2)
    np.testing.assert_array_equal(cat._forward([a, b], mask=[m1, None])[1], m1)


@pytest.mark.parametrize("normalize", [False, True])
def test_dot_matches_einsum(normalize):
    """Dot against np.einsum for the axes Keras tutorials use: attention scores (axes=[2, 2]),
    context vectors (axes=[2, 1]), vector pairs (axes=1, output (batch, 1)), a vector against a
    sequence; normalize=True divides each sample by its L2 norm along the axis first."""
    from fusedrnn.layers import Dot, dot
    from fusedrnn.models import Model

    rng = np.random.default_rng(23)
    q = rng.standard_normal((2, 5, 4)).astype(np.float32)
    k = rng.standard_normal((2, 7, 4)).astype(np.float32)
    w = rng.standard_normal((2, 5, 7)).astype(np.float32)
    u, v = rng.standard_normal((2, 4)).astype(np.float32), rng.standard_normal((2, 4))

    def n(x, axis):
        x = np.asarray(x, np.float64)
        return x / np.linalg.norm(x, axis=axis, keepdims=True) if normalize else x

    cases = [
        (Dot(axes=[2, 2], normalize=normalize), [q, k], np.einsum("bik,bjk->bij", n(q, 2),
                                                                   n(k, 2))),
        (Dot(axes=(2, 1), normalize=normalize), [w, k], np.einsum("bij,bjk->bik", n(w, 2),
                                                                   n(k, 1))),
        (Dot(axes=1, normalize=normalize), [u, v], np.einsum("bk,bk->b", n(u, 1),
                                                              n(v, 1))[:, None]),
        (Dot(axes=-1, normalize=normalize), [u, k], np.einsum("bk,bjk->bj", n(u, 1), n(k, 2))),
    ]
    for layer, inputs, want in cases:
        got = layer(inputs)
        assert got.shape == want.shape
        assert layer.compute_output_shape([x.shape for x in inputs]) == want.shape
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)
    # Masks stop at Dot; the functional form and a model.
    assert Dot(axes=1)._forward([u, v], mask=[np.ones((2, 4), bool), None])[1] is None
    left, right = Input((5, 4)), Input((7, 4))
    model = Model([left, right], dot([left, right], axes=2, normalize=normalize))
    assert model.output_shape == (None, 5, 7)
    np.testing.assert_allclose(model.predict([q, k], verbose=0), cases[0][2], rtol=2e-5,
                               atol=2e-6)


def test_dot_normalize_keeps_zero_vectors_zero():
    from fusedrnn.layers import Dot

    u = np.zeros((1, 3), np.float32)
    v = np.ones((1, 3), np.float32)
    got = Dot(axes=1, normalize=True)([u, v])
    assert np.isfinite(got).all()
    assert got[0, 0] == 0


def test_dot_rejects_bad_axes_and_shapes():
    from fusedrnn.layers import Dot

    a = np.zeros((2, 3, 4), np.float32)
    with pytest.raises(ValueError, match="non-batch axis"):
        Dot(axes=0)([a, a])
    with pytest.raises(ValueError, match="non-batch axis"):
        Dot(axes=(1, 3))([a, a])
    with pytest.raises(ValueError, match=r"axis 2 of the first input \(4\) and axis 1 of the "
                                         r"second \(3\) differ"):
        Dot(axes=(2, 1))([a, a])
    with pytest.raises(ValueError, match="rank 2 or more"):
        Dot(axes=1)([np.zeros((2,), np.float32), a])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        Dot(axes=1)([a, a, a])
    with pytest.raises(ValueError, match="an integer or two integers"):
        Dot(axes=(1, 2, 3))
    with pytest.raises(TypeError, match="an integer or two integers"):
        Dot(axes="last")


def test_merge_layers_reject_bad_input():
    from fusedrnn.layers import Add, Concatenate, Subtract

    a = np.zeros((2, 3, 4), np.float32)
    with pytest.raises(TypeError, match="called on a list of arrays"):
        Add()(a)
    with pytest.raises(TypeError, match="called on a list of KerasTensors"):
        Add()(Input((3, 4)))
    with pytest.raises(ValueError, match="exactly 2 inputs, got 3"):
        Subtract()([a, a, a])
    with pytest.raises(ValueError, match=r"incompatible shapes \[\(2, 3, 4\), \(2, 3, 5\)\]"):
        Add()([a, np.zeros((2, 3, 5), np.float32)])
    with pytest.raises(ValueError, match="different batch sizes"):
        Add()([a, np.zeros((3, 3, 4), np.float32)])
    with pytest.raises(ValueError, match="matching shapes except on the concatenation axis"):
        Concatenate()([a, np.zeros((2, 4, 4), np.float32)])
    for axis, b in ((0, a), (3, a), (-1, np.zeros((2, 4), np.float32))):
        with pytest.raises(ValueError, match="needs inputs of one rank"):
            Concatenate(axis=axis)([a, b])
    with pytest.raises(TypeError, match="axis must be an integer"):
        Concatenate(axis=1.5)
    with pytest.raises(ValueError, match="list of 2 masks"):
        Add()([a, a], mask=[None])
    with pytest.raises(ValueError, match="at least one input"):
        Add()([])
    with pytest.raises(ValueError, match="incompatible shapes"):
        Add()([Input((3, 4)), Input((3, 5))])


def test_dropout_is_identity():
    x = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    np.testing.assert_array_equal(Dropout(0.5)(x, training=True), x)
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.5)


def test_embedding_lookup_and_errors():
    emb = Embedding(5, 3)
    tokens = np.array([[0, 4, 2]])
    out = emb(tokens)
    np.testing.assert_array_equal(out, emb.get_weights()[0][tokens])
    with pytest.raises(ValueError, match=r"outside \[0, 5\): min 5, max 5$"):
        emb(np.array([[5]]))
    # huge float indices are named as given (a cast first wrapped them to -2**63)
    with pytest.raises(ValueError, match=r"outside \[0, 5\): min 1, max 1e\+20$"):
        emb(np.array([[1e20, 1.0]]))
    with pytest.raises(ValueError, match=r"min -1, max 2$"):
        emb(np.array([[-1, 2]]))
    # float indices are truncated as Keras casts them: -0.5 and 4.9 are 0 and 4
    np.testing.assert_array_equal(emb(np.array([[-0.5, 4.9]])), emb(np.array([[0, 4]])))
    with pytest.raises(ValueError, match="positive integers"):
        Embedding(0, 3)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("cls", [SimpleRNN, GRU, LSTM, Dense])
@pytest.mark.parametrize("units", [0, -3, 2.5, "8", None])
def test_bad_units(cls, units):
    with pytest.raises(ValueError, match="units"):
        cls(units)


@pytest.mark.parametrize("cell", list(CELLS))
def test_unknown_activation(cell):
    with pytest.raises(ValueError, match="unknown activation 'swishy'"):
        CELLS[cell](3, activation="swishy")
    with pytest.raises(ValueError, match="'glu' cannot be a recurrent layer's activation"):
        CELLS[cell](3, activation="glu")  # it halves the units axis
    with pytest.raises(ValueError, match="unknown activation"):
        Dense(3, activation="swishy")


def test_activations_the_kernels_lack_run_numpy_steps():
    """A recurrent layer takes any of Keras's activations over its units; the fused kernels
    compute six, and a layer with another says so when it is made and runs NumPy steps
    (Keras's numbers: keras_files case rnn_activations, masked and both directions)."""
    from fusedrnn import _backend

    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match=r"not 'softsign'; this layer runs its steps in NumPy"):
        layer = SimpleRNN(4, activation="softsign", return_sequences=True)
    out = layer(x)
    kernel, recurrent, bias = (w.astype(np.float64) for w in layer.get_weights())
    h = np.zeros((2, 4))
    for t in range(5):  # Keras's SimpleRNN step, softsign written out
        z = x[:, t].astype(np.float64) @ kernel + h @ recurrent + bias
        h = z / (1 + np.abs(z))
        np.testing.assert_allclose(out[:, t], h, rtol=1e-5, atol=1e-6)
    assert out.dtype == np.float32
    with pytest.warns(UserWarning, match="not 'elu', 'softsign'"):
        GRU(3, activation="softsign", recurrent_activation="elu")
    with pytest.raises(ValueError, match="the CUDA kernels compute tanh.*softsign runs on the CPU"):
        _backend.pack("simple_rnn", kernel, recurrent, bias, activation="softsign",
                      device="cuda")


def test_activation_functions():
    """A library's activation function stands for the built-in of its name; a function of the
    user's own is refused, even one named like a built-in (it was once run as that built-in)."""

    def relu(z):  # a leaky relu under relu's name
        return np.maximum(z, 0.1 * z)

    for make in (lambda a: SimpleRNN(3, activation=a), lambda a: Dense(3, activation=a)):
        with pytest.raises(ValueError, match="custom activation functions are not supported"):
            make(relu)
    x = np.random.default_rng(9).standard_normal((2, 4, 3)).astype(np.float32)
    by_function = SimpleRNN(3, activation=np.tanh, return_sequences=True)
    by_name = SimpleRNN(3, activation="tanh", return_sequences=True)
    by_function.build(x.shape)
    by_name.build(x.shape)
    by_name.set_weights(by_function.get_weights())
    np.testing.assert_array_equal(by_function(x), by_name(x))


def test_keras2_hard_sigmoid_function(monkeypatch):
    """Keras 2's hard_sigmoid function (tf_keras, TensorFlow's own keras, keras 2.x) is Keras
    2's clip(0.2 x + 0.5): it stands for "hard_sigmoid_keras2", Keras 3's and JAX's for
    "hard_sigmoid"."""
    import types

    from fusedrnn.layers._base import activation_name

    def library_function(module):
        def hard_sigmoid(z):
            return z

        hard_sigmoid.__module__ = module
        return hard_sigmoid

    keras3 = types.SimpleNamespace(__version__="3.15.1")
    keras2 = types.SimpleNamespace(__version__="2.15.0")
    for module, keras, want in (
        ("tf_keras.src.activations", keras3, "hard_sigmoid_keras2"),
        ("tensorflow.python.keras.activations", keras3, "hard_sigmoid_keras2"),
        ("keras.src.activations", keras2, "hard_sigmoid_keras2"),
        ("keras.activations", keras2, "hard_sigmoid_keras2"),
        ("keras.src.activations.activations", keras3, "hard_sigmoid"),
        ("jax._src.nn.functions", keras2, "hard_sigmoid"),
    ):
        monkeypatch.setitem(sys.modules, "keras", keras)
        assert activation_name(library_function(module)) == want, module
    fn = library_function("tf_keras.src.activations")
    x = np.random.default_rng(11).standard_normal((2, 5, 3)).astype(np.float32) * 3
    by_function = GRU(4, recurrent_activation=fn, activation=fn, return_sequences=True)
    by_name = GRU(4, recurrent_activation="hard_sigmoid_keras2",
                  activation="hard_sigmoid_keras2", return_sequences=True)
    by_function.build(x.shape)
    by_name.build(x.shape)
    by_name.set_weights(by_function.get_weights())
    assert by_function.recurrent_activation == "hard_sigmoid_keras2"
    np.testing.assert_array_equal(by_function(x), by_name(x))


def test_activations_module():
    """`keras.activations.X` becomes `fusedrnn.activations.X`: the functions compute Keras's
    formulas and stand for their names in layers."""
    import fusedrnn
    from fusedrnn.layers._base import _ACTIVATIONS

    acts = fusedrnn.activations
    assert set(acts.__all__) == set(_ACTIVATIONS) | {"get", "serialize", "deserialize"}
    assert acts.deserialize(acts.serialize(acts.gelu)) is acts.gelu
    x = np.linspace(-5, 5, 41)
    want = {
        "linear": x, "tanh": np.tanh(x), "sigmoid": 1 / (1 + np.exp(-x)),
        "hard_sigmoid": np.clip(x / 6 + 0.5, 0, 1), "relu": np.maximum(x, 0),
        "hard_sigmoid_keras2": np.clip(x / 5 + 0.5, 0, 1),
        "relu6": np.minimum(np.maximum(x, 0), 6), "softmax": np.exp(x) / np.exp(x).sum(),
        "softsign": x / (1 + np.abs(x)), "silu": x / (1 + np.exp(-x)),
        "exponential": np.exp(x), "softplus": np.log1p(np.exp(x)),
    }
    for name, expected in want.items():
        np.testing.assert_allclose(getattr(acts, name)(x), expected, rtol=1e-12, atol=1e-12,
                                   err_msg=name)
    assert acts.get("relu") is acts.relu
    assert acts.get(None) is acts.linear
    with pytest.raises(ValueError, match="unknown"):
        acts.get("swishy")
    rng = np.random.default_rng(10)
    x3 = rng.standard_normal((2, 5, 3)).astype(np.float32)
    for make in (lambda a: GRU(4, activation=a, recurrent_activation=acts.hard_sigmoid),
                 lambda a: Dense(4, activation=a)):
        by_function, by_name = make(acts.relu), make("relu")
        by_function.build(x3.shape)
        by_name.build(x3.shape)
        by_name.set_weights(by_function.get_weights())
        np.testing.assert_array_equal(by_function(x3), by_name(x3))


def test_reset_states_and_masking_arguments_are_checked():
    layer = GRU(3, stateful=True)
    layer(np.zeros((2, 4, 5), np.float32))
    with pytest.raises(ValueError, match="expects 1 initial state array"):  # was IndexError
        layer.reset_states([])
    for bad in ("a", [1, 2], None):  # "a" once made a Masking layer that masked nothing
        with pytest.raises(TypeError, match="mask_value must be a number"):
            Masking(mask_value=bad)
    assert Masking(mask_value=np.float32(-1)).mask_value == -1


def test_wrong_rank_and_feature_size():
    layer = GRU(3)
    with pytest.raises(ValueError, match=r"rank 3 .*got shape \(4, 5\)"):
        layer(np.zeros((4, 5), np.float32))
    layer(np.zeros((2, 5, 4), np.float32))
    with pytest.raises(ValueError, match="has 6 features.*built for 4"):
        layer(np.zeros((2, 5, 6), np.float32))
    with pytest.raises(ValueError, match="rank 3"):
        GRU(3)(Input(shape=(5,)))


def test_dense_feature_size_after_build():
    d = Dense(2)
    d(np.zeros((1, 4), np.float32))
    with pytest.raises(ValueError, match="has 2 features.*built for 4"):
        d(np.zeros((1, 2), np.float32))


@pytest.mark.parametrize("cell", list(CELLS))
def test_wrong_initial_state(cell):
    layer = CELLS[cell](3)
    x = np.zeros((2, 4, 5), np.float32)
    n = NUM_STATES[cell]
    with pytest.raises(ValueError, match=f"expects {n} initial state"):
        layer(x, initial_state=[np.zeros((2, 3), np.float32)] * (n + 1))
    with pytest.raises(ValueError, match=r"must have shape \(batch, units\) = \(2, 3\); got "
                                         r"\(2, 4\)"):
        layer(x, initial_state=[np.zeros((2, 4), np.float32)] * n)
    with pytest.raises(ValueError, match=r"= \(2, 3\); got \(3, 3\)"):
        layer(x, initial_state=[np.zeros((3, 3), np.float32)] * n)


def test_wrong_mask_shape():
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, timesteps\)"):
        LSTM(3)(np.zeros((2, 4, 5), np.float32), mask=np.ones((2, 5), bool))


@pytest.mark.parametrize("bad", [np.array([[["a", "b"]]]), "text", [[[1, "x"]]],
                                 np.zeros((1, 2, 3), dtype=complex)])
def test_non_numeric_input(bad):
    with pytest.raises(TypeError, match="numeric"):
        SimpleRNN(2)(bad)


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("bidirectional", [False, True])
def test_nan_does_not_leak_across_samples(cell, bidirectional):
    rng = np.random.default_rng(17)
    x = rng.standard_normal((5, 6, 3)).astype(np.float32)
    x[2, 3, 1] = np.nan
    layer = CELLS[cell](4, return_sequences=True)
    if bidirectional:
        layer = Bidirectional(layer)
    out = layer(x)
    assert np.isnan(out[2]).any()
    others = np.delete(out, 2, axis=0)
    assert np.isfinite(others).all()
    clean = layer(np.delete(x, 2, axis=0))
    np.testing.assert_allclose(others, clean, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("return_sequences", [False, True])
def test_empty_batch(cell, return_sequences):
    layer = CELLS[cell](4, return_sequences=return_sequences, return_state=True)
    for _ in range(2):  # the second call takes the fast path (weights packed by the first)
        out, *states = layer(np.zeros((0, 6, 3), np.float32))
        assert out.shape == ((0, 6, 4) if return_sequences else (0, 4))
        assert len(states) == NUM_STATES[cell]
        assert all(s.shape == (0, 4) for s in states)
    b = Bidirectional(CELLS[cell](4, return_sequences=return_sequences))
    assert b(np.zeros((0, 6, 3), np.float32)).shape[0] == 0
    assert Dense(2)(np.zeros((0, 3), np.float32)).shape == (0, 2)


def test_zero_features_and_a_prebuilt_backward_layer_are_named():
    """Found by fuzzing: an unbuilt layer given inputs of no feature said its kernel had the
    wrong shape; a backward_layer built for another feature size failed in the engine."""
    with pytest.raises(ValueError, match="'lstm' must have at least one feature"):
        LSTM(3, name="lstm")(np.zeros((2, 5, 0), np.float32))
    backward = GRU(3, go_backwards=True, name="back")
    backward(np.zeros((1, 2, 7), np.float32))
    both = Bidirectional(GRU(3), backward_layer=backward)
    with pytest.raises(ValueError, match="'back' has 4 features.*built for 7"):
        both(np.zeros((1, 2, 4), np.float32))


@pytest.mark.parametrize("cls", [SimpleRNN, GRU, LSTM])
def test_dropout_rates_must_be_numbers(cls):
    """Training-only, but Keras fails on a rate that is not a number; fusedrnn took it."""
    with pytest.raises(TypeError, match="`dropout` must be a number"):
        cls(3, dropout="x")
    with pytest.raises(TypeError, match="`recurrent_dropout` must be a number"):
        cls(3, recurrent_dropout=None)
    assert cls(3, dropout=0.25).get_config()["dropout"] == 0.25


def test_simple_rnn_has_no_recurrent_activation():
    with pytest.raises(TypeError, match="unrecognized keyword arguments passed to SimpleRNN"):
        SimpleRNN(3, recurrent_activation="elu")
