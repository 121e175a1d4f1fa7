"""Models used as layers of other models (Keras's nesting): called on Input tensors, added to
a Sequential, shared, wrapped in TimeDistributed. Real Keras's numbers for these are in the
golden cases (seq_nested_stateful, func_nested_encoder_decoder) and the Keras files (nested*,
test_saving.py); here each behaviour is checked against the same layers run without nesting.
"""

from __future__ import annotations

import numpy as np
import pytest

from fusedrnn import layers as L
from fusedrnn.models import Model, Sequential
from tolerances import FP32_SHORT, assert_close


def tokens(rng, shape, vocab=20):
    x = rng.integers(1, vocab, shape)
    x[0, -2:] = 0  # trailing padding
    x[1, :3] = 0  # leading padding
    return x


def masked_series(rng, shape):
    x = rng.standard_normal(shape).astype(np.float32)
    x[0, -2:] = 0.0
    x[1, :2] = 0.0
    return x


def token_encoder(name="enc"):
    t = L.Input((None,), name="tok")
    h = L.LSTM(3, return_sequences=True)(L.Embedding(20, 4, mask_zero=True)(t))
    return Model(t, h, name=name)


def test_a_nested_model_computes_what_its_layers_do_inline():
    rng = np.random.default_rng(0)
    enc = token_encoder()
    x = L.Input((6,))
    gru = L.GRU(2)
    model = Model(x, gru(enc(x)))
    xs = tokens(rng, (3, 6))
    inline_in = L.Input((6,))
    inline = Model(inline_in, gru(enc.layers[2](enc.layers[1](inline_in))))
    # The Embedding's mask comes out of the encoder with its output and reaches the GRU.
    np.testing.assert_array_equal(model.predict(xs, verbose=0), inline.predict(xs, verbose=0))
    unmasked = gru(enc(xs))
    assert not np.allclose(model(xs), unmasked, atol=1e-4)
    np.testing.assert_array_equal(model(xs), gru(enc(xs), mask=xs != 0))


def test_sequential_in_sequential_equals_the_flat_stack():
    rng = np.random.default_rng(1)
    inner = Sequential([L.Input((5, 3)), L.LSTM(4, return_sequences=True),
                        L.BatchNormalization()], name="inner")
    outer = Sequential([inner, L.SimpleRNN(2)])
    assert outer.built  # a built model first builds the outer one, as in Keras 3
    flat = Sequential([L.Input((5, 3)), L.LSTM(4, return_sequences=True),
                       L.BatchNormalization(), L.SimpleRNN(2)])
    flat.set_weights(outer.get_weights())
    x = masked_series(rng, (2, 5, 3))
    np.testing.assert_array_equal(outer(x), flat(x))
    np.testing.assert_array_equal(outer.predict(x, verbose=0), flat(x))


def test_weights_are_the_nested_layers_in_order():
    rng = np.random.default_rng(2)
    inner = Sequential([L.Input((5, 3)), L.LSTM(4, return_sequences=True),
                        L.BatchNormalization()], name="inner")
    outer = Sequential([inner, L.SimpleRNN(2)])
    want = inner.get_weights() + outer.layers[1].get_weights()
    got = outer.get_weights()
    assert [w.shape for w in got] == [w.shape for w in want]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert [w.name for w in outer.weights] == [
        "kernel", "recurrent_kernel", "bias", "gamma", "beta", "moving_mean",
        "moving_variance", "kernel", "recurrent_kernel", "bias"]
    new = [rng.uniform(0.5, 1.0, w.shape).astype(np.float32) for w in got]
    outer.set_weights(new)  # reaches the nested layers
    for g, w in zip(inner.get_weights(), new[:7]):
        np.testing.assert_array_equal(g, w)
    assert outer.count_params() == 158 == inner.count_params() + 14
    assert len(outer.trainable_weights) == 8  # BatchNormalization's statistics are not
    inner.trainable = False
    assert len(outer.trainable_weights) == 3
    assert len(outer.non_trainable_weights) == 7
    with pytest.raises(ValueError, match="expects 10 weight arrays"):
        outer.set_weights(new[:-1])


def test_summary_rows_of_nested_models():
    # Rows as tf_keras 2.21 prints them for these models.
    inner = Sequential([L.Input((5, 3)), L.LSTM(4, return_sequences=True),
                        L.BatchNormalization()], name="inner")
    outer = Sequential([inner, L.SimpleRNN(2)])
    inner.trainable = False
    lines = []
    outer.summary(print_fn=lines.append)
    assert lines[4] == "inner (Sequential)           (None, 5, 4)              144"
    assert lines[-4:-1] == ["Total params: 158", "Trainable params: 14",
                            "Non-trainable params: 144"]

    x = L.Input((6,))
    model = Model(x, L.GRU(2)(token_encoder()(x)))
    lines = []
    model.summary(print_fn=lines.append)
    # Keras 2 shows a nested model's own output shape, not the one of its call here.
    assert lines[6] == "enc (Functional)             (None, None, 3)           176"

    x = L.Input((6, 3))
    seq, h, c = L.LSTM(5, return_sequences=True, return_state=True)(x)
    encoder = Model(x, [seq, h, c], name="encoder")
    a, b = L.Input((6, 3), name="left"), L.Input((6, 3), name="right")
    _, ha, _ = encoder(a)
    _, hb, cb = encoder(b)
    siamese = Model([a, b], L.Dense(2)(L.Concatenate()([ha, hb, cb])))
    lines = []
    siamese.summary(print_fn=lines.append, line_length=110)
    text = "\n".join(lines)
    assert "encoder (Functional)" in text
    # Each call of the encoder is one node of it: encoder[0][k], encoder[1][k].
    connections = [line.split()[-1] for line in lines if "encoder[" in line]
    assert connections == ["encoder[0][1]", "encoder[1][1]", "encoder[1][2]"]


def test_output_shapes_follow_the_outer_inputs():
    inp = L.Input((None, 3))
    enc = Model(inp, L.LSTM(5, return_sequences=True)(inp), name="enc")
    counts = [len(layer._inbound_nodes) for layer in enc.layers]
    x = L.Input((6, 3), batch_size=2)
    y = enc(x)
    assert y.shape == (2, 6, 5)  # the time length the outer input gives
    assert enc.output_shape == (None, None, 5)
    assert [len(layer._inbound_nodes) for layer in enc.layers] == counts  # nothing left over
    assert enc.compute_output_shape((None, 4, 3)) == (None, 4, 5)
    multi = Model(inp, L.LSTM(5, return_state=True)(inp))
    assert multi.compute_output_shape((7, 4, 3)) == [(7, 5), (7, 5), (7, 5)]
    assert Model(inp, [L.Dense(2)(inp)]).output_shape == (None, None, 2)


def test_a_shared_model_runs_once_per_call():
    rng = np.random.default_rng(3)
    x = L.Input((6, 3))
    seq, h, c = L.LSTM(5, return_sequences=True, return_state=True)(L.Masking()(x))
    encoder = Model(x, [seq, h, c], name="encoder")
    a, b = L.Input((6, 3)), L.Input((6, 3))
    sa, ha, _ = encoder(a)
    sb, hb, cb = encoder(b)
    dense = L.Dense(2)
    gru = L.GRU(3)
    model = Model([a, b], dense(L.Concatenate()([gru(L.Add()([sa, sb])), ha, hb, cb])))
    assert model.layers[2] is encoder
    assert len(encoder._inbound_nodes) == 2
    xa, xb = masked_series(rng, (2, 6, 3)), masked_series(rng, (2, 6, 3))[::-1].copy()
    (sa_, ha_, _), (sb_, hb_, cb_) = encoder(xa), encoder(xb)
    mask = (xa != 0).any(-1) | (xb != 0).any(-1)  # Add ORs the masks (Keras 3)
    want = dense(np.concatenate([gru(sa_ + sb_, mask=mask), ha_, hb_, cb_], axis=-1))
    assert_close(model.predict([xa, xb], verbose=0), want, FP32_SHORT)


def test_masks_pass_into_nested_models_and_model_calls_take_one():
    rng = np.random.default_rng(4)
    lstm = L.LSTM(4, return_sequences=True)
    inner = Sequential([L.Input((6, 3)), lstm], name="inner")
    outer = Sequential([L.Input((6, 3)), L.Masking(), inner, L.GRU(2)])
    x = masked_series(rng, (2, 6, 3))
    mask = (x != 0).any(-1)
    gru = outer.layers[-1]
    np.testing.assert_array_equal(outer(x), gru(lstm(x, mask=mask), mask=mask))
    # model(x, mask=...) hands the mask to the model's input, as Keras does.
    plain = Sequential([L.Input((6, 3)), inner, gru])
    np.testing.assert_array_equal(plain(x, mask=mask), outer(x))
    assert not np.allclose(plain(x), outer(x), atol=1e-4)
    out, out_mask = inner._forward(x, mask=mask)
    np.testing.assert_array_equal(out_mask, mask)  # the LSTM's sequence keeps the mask
    # With several inputs, one mask (or None) per input.
    gru, add = L.GRU(2), L.Add()
    a, b = L.Input((6, 3)), L.Input((6, 3))
    masked = Model([a, b], gru(add([L.Masking()(a), L.Masking()(b)])))
    a, b = L.Input((6, 3)), L.Input((6, 3))
    pair = Model([a, b], gru(add([a, b])))
    y = masked_series(rng, (2, 6, 3))  # padded where x is: Add ORs the masks
    y_mask = (y != 0).any(-1)
    np.testing.assert_array_equal(pair([x, y], mask=[mask, y_mask]), masked([x, y]))
    assert not np.allclose(pair([x, y]), masked([x, y]), atol=1e-4)
    with pytest.raises(ValueError, match="must be a list of 2 masks"):
        pair([x, y], mask=mask)


def test_sequential_builds_a_nested_sequential_when_it_is_built():
    rng = np.random.default_rng(5)
    inner = Sequential([L.LSTM(4, return_sequences=True), L.Dense(3)], name="inner")
    outer = Sequential([L.Input((5, 2)), inner, L.GRU(2)])
    assert inner.built
    assert inner.input_shape == (None, 5, 2)
    deferred = Sequential([Sequential([L.SimpleRNN(3)], name="late"), L.Dense(1)])
    assert not deferred.built
    x = rng.standard_normal((2, 5, 2)).astype(np.float32)
    y = deferred(x)
    assert deferred.built
    assert y.shape == (2, 1)
    assert outer(x).shape == (2, 2)


def test_time_distributed_model_applies_it_at_every_step():
    rng = np.random.default_rng(6)
    frame = Sequential([L.Input((5, 3)), L.LSTM(4), L.Dense(3)], name="frame")
    model = Sequential([L.Input((4, 5, 3)), L.TimeDistributed(frame), L.GRU(2)])
    assert model.count_params() == frame.count_params() + 42
    x = rng.standard_normal((2, 4, 5, 3)).astype(np.float32)
    steps = np.stack([frame(x[:, t]) for t in range(4)], axis=1)
    np.testing.assert_allclose(model.layers[0](x), steps, rtol=1e-6, atol=1e-7)
    assert model.layers[0].compute_output_shape((None, 4, 5, 3)) == (None, 4, 3)


def test_stateful_layers_in_nested_models_carry_states_and_reset():
    rng = np.random.default_rng(7)
    inner = Sequential([L.Input((None, 3), batch_size=2),
                        L.GRU(4, stateful=True, return_sequences=True)], name="inner")
    outer = Sequential([inner, L.LSTM(2, stateful=True, return_sequences=True)])
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    whole = outer(x)
    outer.reset_states()  # resets the nested GRU too
    steps = np.concatenate([outer(x[:, t:t + 1]) for t in range(5)], axis=1)
    assert_close(steps, whole, FP32_SHORT)
    outer.reset_states()
    assert_close(outer(x), whole, FP32_SHORT)


def test_dict_outputs_of_a_nested_model():
    rng = np.random.default_rng(8)
    i = L.Input((4, 3))
    seq = L.GRU(3, return_sequences=True)(i)
    enc = Model(i, {"seq": seq, "last": L.Dense(2)(seq)}, name="enc")
    x = L.Input((4, 3))
    out = enc(x)
    assert set(out) == {"seq", "last"}
    assert out["last"].shape == (None, 4, 2)
    model = Model(x, L.Concatenate()([out["seq"], out["last"]]))
    xs = rng.standard_normal((2, 4, 3)).astype(np.float32)
    direct = enc(xs)
    np.testing.assert_array_equal(model(xs), np.concatenate([direct["seq"], direct["last"]],
                                                            axis=-1))


def test_nested_layers_are_found_by_name():
    enc = token_encoder()
    x = L.Input((6,))
    model = Model(x, L.GRU(2)(enc(x)))
    assert model.layers[1] is enc
    assert model.get_layer("enc") is enc
    assert model.get_layer("enc").get_layer("lstm") is enc.layers[2]
    assert isinstance(enc, L.Layer)


def test_bad_nested_calls_are_named():
    inp = L.Input((6, 3))
    enc = Model(inp, L.LSTM(5)(inp), name="enc")
    with pytest.raises(ValueError, match=r"input of model 'enc' is incompatible: expected "
                                         r"shape \(None, 6, 3\), got \(None, 6, 4\)"):
        enc(L.Input((6, 4)))
    with pytest.raises(ValueError, match="input of model 'enc' must have rank 3"):
        enc(L.Input((6,)))
    with pytest.raises(ValueError, match="model 'enc' expects 1 input .* called on 2"):
        enc([L.Input((6, 3)), L.Input((6, 3))])
    a, b = L.Input((6, 3)), L.Input((6, 3))
    pair = Model([a, b], L.Add()([a, b]), name="pair")
    with pytest.raises(TypeError, match="mix of symbolic tensors and ndarray"):
        pair([L.Input((6, 3)), np.zeros((1, 6, 3))])
    with pytest.raises(TypeError, match="unexpected keyword argument 'initial_state'"):
        enc(L.Input((6, 3)), initial_state=[L.Input((5,))])
    states = Model(inp, L.LSTM(5, return_state=True)(inp), name="states")
    with pytest.raises(ValueError, match="single output tensor"):
        Sequential([L.Input((6, 3)), states])
    with pytest.raises(ValueError, match="input of model 'enc' is incompatible"):
        Sequential([L.Input((6, 3)), L.Dense(4), enc])
    with pytest.raises(ValueError, match="input of model 'enc' is incompatible"):
        enc(np.zeros((2, 6, 4), np.float32))


# --------------------------------------------------------------------------- Pipeline


def test_pipeline_is_its_layers_in_turn():
    x = np.random.default_rng(5).standard_normal((2, 6, 4)).astype(np.float32)
    dense = L.Dense(3, activation="tanh")
    pipe = L.Pipeline([L.Rescaling(0.5, offset=0.1), dense, L.Dropout(0.5)])
    y = pipe(x)
    kernel, bias = dense.get_weights()
    np.testing.assert_allclose(y, np.tanh((x * 0.5 + 0.1) @ kernel + bias), rtol=1e-5,
                               atol=1e-6)
    assert pipe.compute_output_shape((None, 6, 4)) == (None, 6, 3)
    assert pipe.layers[1] is dense
    assert [w.name for w in pipe.weights] == ["kernel", "bias"]
    assert pipe.count_params() == 4 * 3 + 3
    pipe.set_weights([kernel * 2, bias])
    np.testing.assert_array_equal(dense.get_weights()[0], kernel * 2)
    with pytest.raises(ValueError, match="expects 2 weight arrays"):
        pipe.set_weights([kernel])
    again = L.Pipeline.from_config(pipe.get_config())
    assert [type(layer).__name__ for layer in again.layers] == ["Rescaling", "Dense", "Dropout"]
    assert again.name == pipe.name


def test_pipeline_passes_the_mask_with_keras_warning():
    """Keras 3 warns that a Pipeline destroys a mask, yet its layers pass it on (checked in
    Keras 3.15.1: Embedding(mask_zero) -> Pipeline([Dense]) -> LSTM gives the masked
    result)."""
    tokens = L.Input((5,))
    embed, dense, lstm = L.Embedding(10, 3, mask_zero=True), L.Dense(4), \
        L.LSTM(2)
    piped = Model(tokens, lstm(L.Pipeline([dense])(embed(tokens))))
    plain = Model(tokens, lstm(dense(embed(tokens))))
    x = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 7]], np.float32)
    with pytest.warns(UserWarning, match="destroy the mask"):
        got = piped.predict(x, verbose=0)
    np.testing.assert_array_equal(got, plain.predict(x, verbose=0))


def test_pipeline_bad_arguments():
    with pytest.raises(ValueError, match="Pipeline takes a list of layers"):
        L.Pipeline(L.Dense(2))
    with pytest.raises(ValueError, match="Pipeline takes a list of layers"):
        L.Pipeline([L.Dense(2), "relu"])
    pipe = L.Pipeline([L.Flatten(), L.Dense(2)])
    pipe(np.zeros((1, 3, 4), np.float32))
    with pytest.raises(ValueError, match="12"):
        pipe(np.zeros((1, 3, 5), np.float32))
    with pytest.raises(ValueError, match="`layers` key"):
        L.Pipeline.from_config({"name": "p"})
