"""fusedrnn.models: Sequential and functional Model, predict, weights, layers, errors."""

from __future__ import annotations

import numpy as np
import pytest

from fusedrnn import layers, reference
from fusedrnn.layers import (
    GRU,
    LSTM,
    Bidirectional,
    Dense,
    Dropout,
    Input,
    InputLayer,
    Masking,
    SimpleRNN,
)
from fusedrnn.models import Model, Sequential

RTOL = 1e-4
ATOL = 2e-5


def ref_rnn(layer, x, **kwargs):
    w = [a.astype(np.float64) for a in layer.get_weights()]
    options = {"activation": layer.activation}
    if layer._cell != "simple_rnn":
        options["recurrent_activation"] = layer.recurrent_activation
    if layer._cell == "gru":
        options["reset_after"] = layer.reset_after
    return reference.rnn(layer._cell, np.asarray(x, np.float64), w[0], w[1],
                         w[2] if layer.use_bias else None, go_backwards=layer.go_backwards,
                         return_sequences=layer.return_sequences, **options, **kwargs)


def ref_dense(layer, x):
    k, b = layer.get_weights()
    return np.asarray(x, np.float64) @ k + b


def data(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_sequential_list_and_add_are_the_same_model():
    a = Sequential([LSTM(4, input_shape=(5, 3), return_sequences=True), GRU(2), Dense(1)])
    b = Sequential()
    b.add(LSTM(4, input_shape=(5, 3), return_sequences=True))
    b.add(GRU(2))
    b.add(Dense(1))
    b.set_weights(a.get_weights())
    x = data(6, 5, 3)
    np.testing.assert_array_equal(a.predict(x, verbose=0), b.predict(x, verbose=0))
    assert [la.name for la in a.layers] == ["lstm", "gru", "dense"]
    assert [la.name for la in b.layers] == ["lstm", "gru", "dense"]


def test_sequential_matches_reference_chain():
    l1, l2, d = LSTM(5, return_sequences=True), SimpleRNN(3), Dense(2)
    model = Sequential([Input(shape=(7, 4)), l1, Dropout(0.2), l2, d])
    x = data(9, 7, 4, seed=1)
    h, _ = ref_rnn(l1, x)
    h, _ = ref_rnn(l2, h)
    want = ref_dense(d, h)
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(model(x), want, rtol=RTOL, atol=ATOL)


def test_sequential_deferred_build():
    model = Sequential([GRU(3), Dense(2)])
    assert not model.built
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()
    x = data(2, 4, 5)
    y = model(x)
    assert y.shape == (2, 2)
    assert model.built
    assert model.layers[0].output_shape == (None, 3)
    assert model.count_params() == 3 * 3 * (5 + 3) + 6 * 3 + 3 * 2 + 2


def test_sequential_rejects_multi_output_layers_and_non_layers():
    model = Sequential([Input(shape=(3, 2))])
    with pytest.raises(ValueError, match="single output"):
        model.add(LSTM(3, return_state=True))
    assert model.layers == []
    with pytest.raises(TypeError, match="Layer"):
        model.add("dense")


def test_functional_multiple_outputs_and_initial_state():
    inputs = Input(shape=(6, 3))
    seq, h, c = LSTM(4, return_sequences=True, return_state=True)(inputs)
    dec = GRU(4, return_sequences=True)
    decoded = dec(seq, initial_state=[h])
    head = Dense(2)
    out = head(decoded)
    model = Model(inputs=inputs, outputs=[out, c])
    assert [la.name for la in model.layers] == ["input_1", "lstm", "gru", "dense"]
    assert isinstance(model.layers[0], InputLayer)
    x = data(5, 6, 3, seed=2)
    y, c_out = model.predict(x, batch_size=2, verbose=0)
    lstm = model.get_layer("lstm")
    s, (rh, rc) = ref_rnn(lstm, x)
    d, _ = ref_rnn(dec, s, initial_state=[rh])
    np.testing.assert_allclose(y, ref_dense(head, d), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c_out, rc, rtol=RTOL, atol=ATOL)
    direct = model(x)
    assert isinstance(direct, list)
    assert len(direct) == 2
    np.testing.assert_allclose(direct[0], y, rtol=1e-6, atol=1e-6)
    assert model.output_shape == [(None, 6, 2), (None, 4)]


def test_functional_masking_and_bidirectional():
    inputs = Input(shape=(6, 2))
    bi = Bidirectional(GRU(3, return_sequences=True), merge_mode="ave")
    last = SimpleRNN(2)
    model = Model(inputs, last(bi(Masking()(inputs))))
    x = data(4, 6, 2, seed=3)
    x[1, 3:] = 0
    mask = np.any(x != 0, axis=-1)
    fw, _ = ref_rnn(bi.forward_layer, x, mask=mask)
    bw, _ = ref_rnn(bi.backward_layer, x, mask=mask)
    merged = (fw * mask[..., None] + bw[:, ::-1] * mask[..., None]) / 2
    want, _ = ref_rnn(last, merged, mask=mask)
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=RTOL, atol=ATOL)


def test_plain_stack_and_graph_walk_agree():
    """A model that is one chain of layers runs them back to back; a model with a second output
    walks its graph. The same masked stack must give the same result both ways."""
    inputs = Input(shape=(6, 2))
    masked = Masking()(inputs)
    seq = LSTM(3, return_sequences=True)(masked)
    last = GRU(2)(seq)
    chain = Model(inputs, last)
    graph = Model(inputs, [last, seq])
    assert chain._chain is not None
    assert graph._chain is None
    x = data(4, 6, 2, seed=7)
    x[1, 3:] = 0
    x[2, :2] = 0
    want, _ = ref_rnn(chain.layers[3], ref_rnn(chain.layers[2], x,
                                                mask=np.any(x != 0, axis=-1))[0],
                      mask=np.any(x != 0, axis=-1))
    np.testing.assert_allclose(chain(x), want, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(chain(x), graph(x)[0])
    np.testing.assert_array_equal(chain.predict(x, verbose=0), graph.predict(x, verbose=0)[0])
    # A last layer that also returns its states ends no chain, even with one model output.
    with_states = LSTM(3, return_sequences=True, return_state=True)
    seq_only, _, _ = with_states(masked)
    states_model = Model(inputs, seq_only)
    assert states_model._chain is None
    want_seq, _ = ref_rnn(with_states, x, mask=np.any(x != 0, axis=-1))
    np.testing.assert_allclose(states_model(x), want_seq, rtol=RTOL, atol=ATOL)


def test_predict_batches_equal_one_call_and_keep_order():
    model = Sequential([Bidirectional(LSTM(3, return_sequences=True), input_shape=(5, 2))])
    x = data(70, 5, 2, seed=4)
    whole = model(x)
    for batch_size in (1, 7, 32, 100):
        np.testing.assert_allclose(model.predict(x, batch_size=batch_size, verbose=0), whole,
                                   rtol=1e-6, atol=1e-6)


def test_predict_progress_bar(capsys):
    model = Sequential([SimpleRNN(2, input_shape=(3, 2))])
    x = data(100, 3, 2)
    model.predict(x)  # 4 batches: "auto" shows the bar
    text = capsys.readouterr().out
    assert "4/4 [==============================]" in text
    assert "step" in text
    model.predict(x[:10])  # one batch: "auto" stays quiet
    assert capsys.readouterr().out == ""
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""
    model.predict(x[:10], verbose=1)
    assert "1/1 [" in capsys.readouterr().out


def test_predict_empty_batch_and_bad_input():
    model = Sequential([LSTM(3, input_shape=(4, 2), return_sequences=True), Dense(2)])
    assert model.predict(np.zeros((0, 4, 2), np.float32), verbose=0).shape == (0, 4, 2)
    with pytest.raises(ValueError, match="rank 3"):
        model.predict(np.zeros((4, 2), np.float32))
    with pytest.raises(ValueError, match="expected shape"):
        model.predict(np.zeros((1, 4, 3), np.float32))
    with pytest.raises(TypeError, match="numeric"):
        model.predict(np.array([[["a", "b"]] * 4]))
    with pytest.raises(ValueError, match="batch_size"):
        model.predict(np.zeros((1, 4, 2), np.float32), batch_size=0)
    x = np.zeros((5, 4, 2), np.float32)
    assert model.predict(x, batch_size=2, steps=2, verbose=0).shape == (4, 4, 2)
    for steps in (0, -1, 1.9, True):  # -1 once dropped the last batch, 1.9 ran one
        with pytest.raises(ValueError, match="steps"):
            model.predict(x, batch_size=2, steps=steps)


def test_model_weights_roundtrip_and_errors():
    model = Sequential([GRU(3, input_shape=(4, 2)), Dense(1)])
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(2, 9), (3, 9), (2, 9), (3, 1), (1,)]
    new = [w + 0.25 for w in weights]
    model.set_weights(new)
    for got, want in zip(model.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match=r"expects 5 weight arrays with shapes \[\(2, 9\)"):
        model.set_weights(new[:4])
    bad = list(new)
    bad[3] = np.zeros((1, 3))
    with pytest.raises(ValueError, match=r"weight 3 \(of layer 'dense'\) has shape \(1, 3\), "
                                         r"expected \(3, 1\)"):
        model.set_weights(bad)
    # nothing changed by the failed call
    np.testing.assert_array_equal(model.get_weights()[0], new[0])


def test_get_layer():
    model = Sequential([LSTM(3, input_shape=(4, 2), name="encoder"), Dense(1)])
    assert model.get_layer("encoder") is model.layers[0]
    assert model.get_layer(index=1) is model.layers[1]
    with pytest.raises(ValueError, match="no such layer: 'decoder'"):
        model.get_layer("decoder")


def test_default_names_are_per_model():
    for _ in range(2):
        model = Sequential([SimpleRNN(3, input_shape=(2, 10), return_sequences=True),
                            SimpleRNN(3, return_sequences=True), SimpleRNN(3), Dense(1)])
        assert [la.name for la in model.layers] == [
            "simple_rnn", "simple_rnn_1", "simple_rnn_2", "dense"]
        assert model.name == "sequential"
    inputs = Input(shape=(3, 2))
    model = Model(inputs, Dense(2)(LSTM(2)(inputs)))
    assert model.name == "model"
    assert [la.name for la in model.layers] == ["input_1", "lstm", "dense"]


def test_shared_layers_keep_their_names_across_models():
    inputs = Input(shape=(4, 2))
    encoder = LSTM(3, return_state=True)
    _, h, c = encoder(inputs)
    training = Model(inputs, Dense(1)(h))
    inference = Model(inputs, [h, c])
    assert training.get_layer("lstm") is inference.get_layer("lstm")


def test_stateful_model_reset_states():
    model = Sequential([GRU(3, stateful=True, batch_input_shape=(2, 4, 2)), Dense(1)])
    x = data(2, 4, 2, seed=5)
    first = model.predict(x, verbose=0)
    second = model.predict(x, verbose=0)
    assert not np.allclose(first, second)
    model.reset_states()
    np.testing.assert_allclose(model.predict(x, verbose=0), first, rtol=1e-6, atol=1e-6)


def test_model_construction_errors():
    a, b = Input(shape=(3, 2)), Input(shape=(3, 2))
    with pytest.raises(ValueError, match="disconnected"):
        Model(a, LSTM(2)(b))
    with pytest.raises(TypeError, match="Input"):
        Model(np.zeros((1, 3, 2)), LSTM(2)(a))


def test_compile_is_accepted_and_fit_explains():
    model = Sequential([LSTM(2, input_shape=(3, 1)), Dense(1)])
    model.compile(loss="mse", optimizer="adam")
    with pytest.raises(NotImplementedError, match="inference only"):
        model.fit(np.zeros((1, 3, 1)), np.zeros((1, 1)))


def test_model_call_takes_training_and_mask_by_position_or_name():
    model = Sequential([Input((3, 2)), LSTM(2)])
    x = np.ones((2, 3, 2), np.float32)
    mask = np.array([[True, True, False], [True, False, False]])
    np.testing.assert_array_equal(model(x, False), model(x, training=False))
    np.testing.assert_array_equal(model(x, False, mask), model(x, mask=mask))
    assert not np.array_equal(model(x, False, mask), model(x))
    with pytest.raises(TypeError, match="unexpected keyword argument 'state'"):
        model(x, state=None)
    with pytest.raises(TypeError, match="got 4 positional arguments"):
        model(x, False, mask, 1)


def test_keras3_serving_helpers(tmp_path, monkeypatch, capsys):
    """keras.config (interactive logging switched off silences predict's bar; the setters
    accept Keras's defaults and name what they cannot honour), ops.convert_to_numpy,
    utils.get_file for a file already in Keras's cache, plot_model and export refused as
    Keras without pydot / TensorFlow refuses them."""
    import fusedrnn as keras

    model = keras.Sequential([keras.Input((3, 2)), keras.layers.GRU(2)])
    x = np.zeros((64, 3, 2), np.float32)
    model.predict(x, batch_size=8, verbose=1)
    assert "8/8" in capsys.readouterr().out
    keras.config.disable_interactive_logging()
    try:
        assert not keras.config.is_interactive_logging_enabled()
        model.predict(x, batch_size=8, verbose=1)
        assert capsys.readouterr().out == ""
    finally:
        keras.config.enable_interactive_logging()
    assert keras.config.floatx() == "float32"
    keras.config.set_floatx("float32")
    keras.config.enable_unsafe_deserialization()
    with pytest.raises(ValueError, match="set_floatx\\('float16'\\): fusedrnn supports 'float32'"):
        keras.config.set_floatx("float16")
    out = keras.ops.convert_to_numpy(model(x[:2]))
    assert isinstance(out, np.ndarray)
    assert out.shape == (2, 2)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "data.csv").write_text("1,2\n")
    assert keras.utils.get_file("data.csv", "https://example.com/data.csv") == str(
        tmp_path / "datasets" / "data.csv")
    with pytest.raises(FileNotFoundError, match="fusedrnn does not download"):
        keras.utils.get_file(origin="https://example.com/other.zip")
    with pytest.raises(ImportError, match="pip install pydot"):
        keras.utils.plot_model(model)
    with pytest.raises(NotImplementedError, match="does not produce"):
        model.export(str(tmp_path / "exported"))


def test_weights_as_layer_attributes_and_keras_object_serialization():
    """dense.kernel / lstm.recurrent_kernel / norm.moving_mean (Keras's attributes) are the
    layer's Variables; keras.saving.serialize_keras_object / deserialize_keras_object and
    keras.layers.serialize / deserialize round-trip layers, models, losses, metrics,
    regularizers, constraints, initializers and optimizers."""
    import fusedrnn as keras

    model = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4),
                              keras.layers.BatchNormalization(), keras.layers.Dense(2)])
    lstm, norm, dense = model.layers
    np.testing.assert_array_equal(dense.kernel.numpy(), dense.get_weights()[0])
    np.testing.assert_array_equal(np.asarray(dense.bias), dense.get_weights()[1])
    assert lstm.recurrent_kernel.shape == (4, 16)
    assert norm.moving_mean.trainable is False
    dense.kernel.assign(np.ones((4, 2), np.float32))
    assert dense.get_weights()[0].sum() == 8
    with pytest.raises(AttributeError, match="'Dense' object has no attribute 'kernal'"):
        dense.kernal  # noqa: B018
    for obj in (keras.layers.GRU(4, return_sequences=True, dropout=0.1),
                keras.losses.Huber(0.5), keras.metrics.AUC(name="auc_x"),
                keras.regularizers.L2(0.3), keras.constraints.MaxNorm(2),
                keras.initializers.GlorotUniform(seed=1), keras.optimizers.Adam(1e-3)):
        config = keras.saving.serialize_keras_object(obj)
        again = keras.saving.deserialize_keras_object(config)
        assert type(again) is type(obj)
        assert keras.saving.serialize_keras_object(again) == config
    layer = keras.layers.deserialize(keras.layers.serialize(dense))
    assert layer.get_config() == dense.get_config()
    rebuilt = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    assert [type(x).__name__ for x in rebuilt.layers] == ["LSTM", "BatchNormalization", "Dense"]
    with pytest.raises(TypeError, match="cannot serialize"):
        keras.saving.serialize_keras_object(object())


def test_floats_given_to_an_integer_input_truncate_as_keras_converts_them():
    """Keras converts each input to its Input's dtype: 2.7 given to an int64 Input is 2
    (checked in Keras 3.15.1), for a one-input model (the fast path) and for several (a
    HashedCrossing, which refuses floats, behind them)."""
    ids = layers.Input((3,), dtype="int64")
    one = Model(ids, layers.Identity()(ids))
    x = np.array([[0.0, 2.7, -1.5], [3.9, 1.2, 4.0]], np.float32)
    np.testing.assert_array_equal(one.predict(x, verbose=0), np.trunc(x))
    np.testing.assert_array_equal(one(x), np.trunc(x))
    a, b, c = layers.Input((1,), dtype="int64"), layers.Input((1,), dtype="int32"), \
        layers.Input((1,))
    cross = layers.HashedCrossing(num_bins=1000)
    two = Model([a, b, c], [cross([a, b]), c])
    xa, xb = np.array([[2.7], [-3.5]]), np.array([[1.0], [7.9]], np.float32)
    got, passed = two.predict([xa, xb, np.full((2, 1), 0.5, np.float32)], verbose=0)
    np.testing.assert_array_equal(got, cross([np.array([[2], [-3]]), np.array([[1], [7]])]))
    np.testing.assert_array_equal(passed, 0.5)  # a float Input keeps its values


def test_a_dict_without_the_input_name_is_refused():
    """Keras 3: 'Missing data for input "seq"' for a dict keyed otherwise (a one-input model
    took its one value whatever the key; found by fuzzing)."""
    seq = layers.Input((5, 4), name="seq")
    model = Model(seq, layers.GRU(2)(seq))
    x = np.zeros((2, 5, 4), np.float32)
    with pytest.raises(ValueError, match=r"missing data for input 'seq'.*\['nonsense'\]"):
        model.predict({"nonsense": x}, verbose=0)
    np.testing.assert_array_equal(model.predict({"seq": x}, verbose=0), model.predict(x, verbose=0))
