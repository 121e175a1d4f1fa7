"""Functional models with several inputs (lists or dicts of arrays), dict outputs, and the mask
an RNN called with initial_state gets in a graph. Real-Keras comparisons of the same features
are in test_golden.py (func_seq2seq_*, func_multi_input_multi_output,
func_gru_seq2seq_masked_dict) and test_saving.py (seq2seq)."""

from __future__ import annotations

import numpy as np
import pytest

from fusedrnn import reference
from fusedrnn.layers import GRU, LSTM, Concatenate, Dense, Embedding, Input, Masking
from fusedrnn.models import Model

RTOL = 1e-4
ATOL = 2e-5


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def ref_lstm(layer, x, initial_state=None, mask=None):
    k, r, b = (w.astype(np.float64) for w in layer.get_weights())
    return reference.rnn("lstm", np.asarray(x, np.float64), k, r, b,
                         return_sequences=layer.return_sequences, initial_state=initial_state,
                         mask=mask)


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def seq2seq(latent=8, enc_tokens=5, dec_tokens=4):
    """The keras.io character-level seq2seq model, as its tutorial writes it."""
    encoder_inputs = Input(shape=(None, enc_tokens))
    encoder = LSTM(latent, return_state=True)
    _, state_h, state_c = encoder(encoder_inputs)
    decoder_inputs = Input(shape=(None, dec_tokens))
    decoder_lstm = LSTM(latent, return_sequences=True, return_state=True)
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    decoder_dense = Dense(dec_tokens, activation="softmax")
    return Model([encoder_inputs, decoder_inputs], decoder_dense(decoder_outputs))


def test_seq2seq_training_model_matches_the_reference():
    model = seq2seq()
    x_enc, x_dec = data(3, 7, 5, seed=1), data(3, 5, 4, seed=2)
    encoder, decoder, dense = model.layers[2], model.layers[3], model.layers[4]
    _, (h, c) = ref_lstm(encoder, x_enc)
    seq, _ = ref_lstm(decoder, x_dec, initial_state=[h, c])
    k, b = dense.get_weights()
    want = softmax(seq @ k + b)
    np.testing.assert_allclose(model.predict([x_enc, x_dec], verbose=0), want, RTOL, ATOL)
    np.testing.assert_allclose(model([x_enc, x_dec]), want, RTOL, ATOL)


def test_seq2seq_inference_models_reproduce_the_training_model():
    """The tutorial's inference setup: an encoder model from the training model's first input
    and layer outputs, a decoder model that reuses the decoder layers on new state inputs and
    runs one step per call. Fed the training targets step by step, it gives the training
    model's outputs."""
    latent = 8
    model = seq2seq(latent)
    # Keras's layer order, which the tutorial indexes: inputs, then encoder, decoder, dense.
    assert [type(la).__name__ for la in model.layers] == [
        "InputLayer", "InputLayer", "LSTM", "LSTM", "Dense"]
    encoder_inputs, decoder_inputs = model.input
    _, state_h_enc, state_c_enc = model.layers[2].output
    encoder_model = Model(encoder_inputs, [state_h_enc, state_c_enc])
    state_inputs = [Input(shape=(latent,)), Input(shape=(latent,))]
    decoder_lstm, decoder_dense = model.layers[3], model.layers[4]
    out, state_h, state_c = decoder_lstm(decoder_inputs, initial_state=state_inputs)
    decoder_model = Model([decoder_inputs] + state_inputs,
                          [decoder_dense(out), state_h, state_c])
    # The decoder model shares the training model's layers (and so its weights).
    assert decoder_model.layers[3:] == [decoder_lstm, decoder_dense]

    x_enc, x_dec = data(2, 6, 5, seed=3), data(2, 4, 4, seed=4)
    states = encoder_model.predict(x_enc, verbose=0)
    steps = []
    for t in range(x_dec.shape[1]):
        y, h, c = decoder_model.predict([x_dec[:, t:t + 1]] + states, verbose=0)
        states = [h, c]
        steps.append(y)
    np.testing.assert_allclose(np.concatenate(steps, axis=1),
                               model.predict([x_enc, x_dec], verbose=0), RTOL, ATOL)


def two_input_model():
    a, b = Input((3, 2), name="a"), Input((4,), name="b")
    return Model([a, b], Dense(2)(Concatenate()([LSTM(3)(a), b])))


def test_inputs_as_list_tuple_or_dict_and_predict_batches():
    model = two_input_model()
    xa, xb = data(5, 3, 2, seed=5), data(5, 4, seed=6)
    want = model([xa, xb])
    assert want.shape == (5, 2)
    np.testing.assert_array_equal(model((xa, xb)), want)
    np.testing.assert_array_equal(model({"b": xb, "a": xa}), want)
    # Keys that name no input are ignored, as Keras does.
    np.testing.assert_array_equal(model({"a": xa, "b": xb, "extra": xb}), want)
    np.testing.assert_allclose(model.predict([xa, xb], batch_size=2, verbose=0), want,
                               rtol=1e-6, atol=1e-6)
    assert model.input_names == ["a", "b"]
    assert model.input_shape == [(None, 3, 2), (None, 4)]
    assert [t.shape for t in model.inputs] == [(None, 3, 2), (None, 4)]


def test_several_inputs_bad_calls_name_the_problem():
    model = two_input_model()
    xa, xb = data(5, 3, 2), data(5, 4)
    with pytest.raises(ValueError, match=r"expects 2 inputs \['a', 'b'\].* 1 input arrays"):
        model([xa])
    with pytest.raises(ValueError, match="expects 2 inputs .* 3 input arrays"):
        model.predict([xa, xb, xb], verbose=0)
    with pytest.raises(ValueError, match="has 2 inputs .* not a single ndarray"):
        model(xa)
    with pytest.raises(ValueError, match=r"missing data for input 'b'.* \['a'\]"):
        model({"a": xa})
    with pytest.raises(ValueError, match="different batch sizes 'a': 5, 'b': 4"):
        model.predict([xa, xb[:4]], verbose=0)
    with pytest.raises(ValueError, match=r"input 1 \('b'\) of model 'model' is incompatible: "
                                         r"expected shape \(None, 4\), got \(5, 3\)"):
        model([xa, xb[:, :3]])
    with pytest.raises(ValueError, match=r"input 0 \('a'\) of model 'model' must have rank 3"):
        model([xa[:, 0], xb])
    with pytest.raises(TypeError, match="input 'b' of model 'model' must be numeric"):
        model([xa, np.array([["x"] * 4] * 5)])


def test_model_construction_with_several_inputs():
    a, b = Input((3, 2), name="a"), Input((4,), name="b")
    with pytest.raises(ValueError, match="same Input twice"):
        Model([a, a], LSTM(2)(a))
    c = Input((3, 2), name="c")
    with pytest.raises(ValueError, match=r"depend on input 'c', which is not among the "
                                         r"model's inputs \['a', 'b'\]"):
        Model([a, b], LSTM(2)(c))
    with pytest.raises(TypeError, match="made by Input"):
        Model([a, np.zeros((1, 4))], LSTM(2)(a))


def test_an_input_the_outputs_do_not_use_stays_an_input():
    # Keras 3.15 and tf_keras 2.21 both give layers ['a', 'b', 'lstm'] for this model and
    # still take both arrays.
    a, b = Input((3, 2), name="a"), Input((4,), name="b")
    lstm = LSTM(2)
    model = Model([a, b], lstm(a))
    assert [la.name for la in model.layers] == ["a", "b", "lstm"]
    xa = data(2, 3, 2)
    np.testing.assert_array_equal(model([xa, data(2, 4)]), lstm(xa))
    with pytest.raises(ValueError, match="has 2 inputs"):
        model(xa)


def test_dict_inputs_and_outputs():
    """As Keras 3 (tree.flatten): the flat lists (inputs, outputs, output_names, the shapes, a
    list of inputs) follow the keys in sorted order; the dicts a call returns keep the order
    the keys were given in."""
    a, b = Input((3, 2), name="a"), Input((4,), name="b")
    dense, lstm = Dense(1, name="dense"), LSTM(2, name="lstm")
    model = Model({"y": b, "x": a}, {"o2": lstm(a), "o1": dense(b)})
    assert list(model.input) == ["y", "x"]
    assert model.input["x"] is a
    assert [t is s for t, s in zip(model.inputs, [a, b])] == [True, True]  # x, y
    assert model.input_names == ["a", "b"]
    assert model.input_shape == [(None, 3, 2), (None, 4)]
    assert list(model.output) == ["o2", "o1"]
    assert model.output_shape == [(None, 1), (None, 2)]  # o1, o2
    assert model.output_names == ["dense", "lstm"]
    xa, xb = data(5, 3, 2), data(5, 4)
    for inputs in ({"x": xa, "y": xb}, {"a": xa, "b": xb}, [xa, xb]):
        out = model(inputs)
        assert list(out) == ["o2", "o1"]
        np.testing.assert_array_equal(out["o1"], dense(xb))
        np.testing.assert_array_equal(out["o2"], lstm(xa))
    with pytest.raises(ValueError, match=r"input 0 \('a'\) .* must have rank 3"):
        model([xb, xa])  # a list follows the flat order
    out = model.predict({"x": xa, "y": xb}, batch_size=2, verbose=0)
    assert list(out) == ["o2", "o1"]
    np.testing.assert_allclose(out["o2"], lstm(xa), rtol=1e-6, atol=1e-6)
    # nested, its dict outputs reach the outer graph by their keys
    outer_a, outer_b = Input((3, 2)), Input((4,))
    got = model({"x": outer_a, "y": outer_b})
    assert list(got) == ["o2", "o1"]
    outer = Model([outer_a, outer_b], [got["o1"], got["o2"]])
    first, second = outer.predict([xa, xb], verbose=0)
    np.testing.assert_array_equal(first, dense(xb))
    np.testing.assert_allclose(second, lstm(xa), rtol=1e-6, atol=1e-6)


def test_a_list_of_one_output_gives_an_array_as_keras_does():
    # model(x) and predict(x) return the bare array in Keras 2 and 3 for outputs=[t].
    a = Input((3, 2))
    model = Model(a, [LSTM(2)(a)])
    x = data(4, 3, 2)
    assert isinstance(model(x), np.ndarray)
    assert model(x).shape == (4, 2)
    assert isinstance(model.predict(x, verbose=0), np.ndarray)


def test_rnn_called_with_initial_state_computes_without_its_input_mask():
    """Keras 3 hands a layer its input's mask only when that input is its one tensor
    argument: an RNN called with initial_state tensors runs on every step, and its output
    carries the mask on to the next layer (Keras 2 applied it; files it saved keep that, see
    test_saving.py)."""
    x, s = Input((5, 3)), Input((4,))
    masking = Masking()
    first = GRU(4, return_sequences=True)
    second = GRU(3, return_sequences=True)
    model = Model([x, s], second(first(masking(x), initial_state=[s])))
    xv, sv = data(2, 5, 3, seed=7), data(2, 4, seed=8)
    xv[0, 3:] = 0.0
    xv[1, :2] = 0.0
    mask = np.any(xv != 0.0, axis=-1)
    unmasked = first(xv, initial_state=[sv])
    np.testing.assert_allclose(model([xv, sv]), second(unmasked, mask=mask), RTOL, ATOL)
    # Given by keyword, the mask is used.
    assert not np.allclose(first(xv, initial_state=[sv], mask=mask), unmasked, atol=1e-3)


def test_embedding_inputs_with_their_own_masks():
    """Two token inputs with their own mask_zero masks, each through its own LSTM, against
    the reference run with each mask."""
    ta, tb = Input((None,), name="title"), Input((None,), name="body")
    ea, eb = Embedding(9, 3, mask_zero=True), Embedding(9, 3, mask_zero=True)
    la, lb = LSTM(4), LSTM(2)
    model = Model([ta, tb], Concatenate()([la(ea(ta)), lb(eb(tb))]))
    rng = np.random.default_rng(9)
    xa, xb = rng.integers(1, 9, (3, 6)), rng.integers(1, 9, (3, 4))
    xa[0, 4:] = 0
    xb[1, :2] = 0
    want = []
    for emb, lstm, tokens in ((ea, la, xa), (eb, lb, xb)):
        _, (h, _) = ref_lstm(lstm, emb.get_weights()[0][tokens], mask=tokens != 0)
        want.append(h)
    np.testing.assert_allclose(model.predict({"title": xa, "body": xb}, verbose=0),
                               np.concatenate(want, axis=-1), RTOL, ATOL)


def test_summary_lists_each_input_and_every_parent():
    lines = []
    seq2seq().summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "input_1 (InputLayer)            [(None, None, 5)]    0" in text
    assert "input_2 (InputLayer)            [(None, None, 4)]    0" in text
    row = lines.index(next(line for line in lines if line.startswith("lstm_1 (LSTM)")))
    assert lines[row].endswith("input_2[0][0]")
    assert lines[row + 1].strip() == "lstm[0][1]"
    assert lines[row + 2].strip() == "lstm[0][2]"
