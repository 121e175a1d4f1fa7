"""Keras's preprocessing utilities against Keras (tests/data/golden/preprocessing.json,
written by tests/golden/generate_preprocessing_golden.py with tf_keras 2.21 and Keras
3.15.1): the Keras 2 Tokenizer (word index, to_json, sequences, texts, matrices), the word
splitter, md5 hashing, pad_sequences, to_categorical and normalize; then the top-level Keras 3
names, the custom-object registry, set_random_seed and the errors."""

from __future__ import annotations

import json
import os
import random

import numpy as np
import pytest

import fusedrnn
from fusedrnn import layers, utils
from fusedrnn.models import Model, Sequential, load_model
from fusedrnn.preprocessing import sequence, text


def _saved(json_string):
    """A saved tokenizer's config with its inner JSON decoded: the counts and indices in their
    saved order, except word_docs and index_docs, whose order is that of a Python set of
    strings (it changes with the interpreter's hash seed, in Keras too)."""
    config = json.loads(json_string)["config"]
    for key in ("word_counts", "index_word", "word_index"):
        config[key] = list(json.loads(config[key]).items())
    for key in ("word_docs", "index_docs"):
        config[key] = json.loads(config[key])
    return config


GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "preprocessing.json")
with open(GOLDEN, encoding="utf-8") as _f:
    DATA = json.load(_f)


def _fitted(case):
    """A Tokenizer fitted as the generator fitted Keras's."""
    tok = text.Tokenizer(**case["kwargs"])
    tok.fit_on_texts(case["fit"])
    if case["kwargs"] == {"num_words": 6, "oov_token": "<OOV>"}:
        tok.fit_on_texts([["Cat", "new", "words"], ["new"]])
    return tok


@pytest.mark.parametrize("case", DATA["tokenizers"], ids=lambda c: json.dumps(c["kwargs"]))
def test_tokenizer_is_keras(case):
    tok = _fitted(case)
    assert _saved(tok.to_json()) == _saved(case["json"])
    assert tok.texts_to_sequences(case["new"]) == case["sequences"]
    assert tok.sequences_to_texts(case["sequences"] + [[1, 2, 3, 99]]) == case["texts"]
    for mode, want in case["matrices"].items():
        np.testing.assert_allclose(tok.texts_to_matrix(case["new"], mode=mode), want,
                                   rtol=1e-12, atol=0)


@pytest.mark.parametrize("case", DATA["tokenizers"], ids=lambda c: json.dumps(c["kwargs"]))
def test_keras_saved_tokenizer_serves(case):
    """The JSON Keras wrote, read by fusedrnn, tokenizes as Keras did, keeps fitting, and
    writes the same JSON back."""
    tok = text.tokenizer_from_json(case["json"])
    assert tok.texts_to_sequences(case["new"]) == case["sequences"]
    for mode, want in case["matrices"].items():
        np.testing.assert_allclose(tok.texts_to_matrix(case["new"], mode=mode), want,
                                   rtol=1e-12, atol=0)
    assert _saved(tok.to_json()) == _saved(case["json"])
    # Fitting goes on from the saved counts (Keras's reloaded one fails here on a new word).
    more = ["zebra quagga, zebra", "Zebra"]
    tok.fit_on_texts(more)
    whole = _fitted(case)
    whole.fit_on_texts(more)
    assert _saved(tok.to_json()) == _saved(whole.to_json())


@pytest.mark.parametrize("case", DATA["words"], ids=range(len(DATA["words"])))
def test_text_to_word_sequence_is_keras(case):
    assert text.text_to_word_sequence(case["text"], **case["kwargs"]) == case["words"]


@pytest.mark.parametrize("case", DATA["hashed"], ids=range(len(DATA["hashed"])))
def test_md5_hashing_trick_is_keras(case):
    assert text.hashing_trick(case["text"], case["n"], hash_function="md5") == case["indices"]


def test_one_hot_is_the_hashing_trick_with_python_hash():
    words = text.text_to_word_sequence("The cat sat on the mat")
    assert text.one_hot("The cat sat on the mat", 11) == [hash(w) % 10 + 1 for w in words]


@pytest.mark.parametrize("case", DATA["pad_sequences"], ids=range(len(DATA["pad_sequences"])))
def test_pad_sequences_is_keras(case):
    for pad in (utils.pad_sequences, sequence.pad_sequences,
                fusedrnn.preprocessing.pad_sequences):
        out = pad(case["sequences"], **case["kwargs"])
        assert str(out.dtype) == case["dtype"]
        np.testing.assert_array_equal(
            out, np.array(case["out"], dtype=case["dtype"]).reshape(case["shape"]))


def test_pad_sequences_strings_and_arrays():
    out = utils.pad_sequences([["a", "bb"], ["ccc"]], dtype=object, value="")
    assert out.tolist() == [["a", "bb"], ["", "ccc"]]
    out = utils.pad_sequences([np.arange(3), np.arange(5)], maxlen=4, truncating="post")
    assert out.tolist() == [[0, 0, 1, 2], [0, 1, 2, 3]]
    assert utils.pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)


@pytest.mark.parametrize("case", DATA["to_categorical"], ids=range(len(DATA["to_categorical"])))
def test_to_categorical_is_keras(case):
    out = utils.to_categorical(case["labels"], case["num_classes"])
    assert list(out.shape) == case["shape"]
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, case["out"])


@pytest.mark.parametrize("case", DATA["normalize"], ids=range(len(DATA["normalize"])))
def test_normalize_is_keras(case):
    order = np.inf if case["order"] is None else case["order"]
    np.testing.assert_allclose(utils.normalize(np.array(case["x"]), case["axis"], order),
                               case["out"], rtol=1e-12, atol=0)


def test_normalize_along_the_first_axis():
    x = np.array([[3.0, 1.0], [4.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x, axis=0), [[0.6, 1.0], [0.8, 0.0]])


@pytest.mark.parametrize(("call", "match"), [
    (lambda: utils.pad_sequences(5), "list"),
    (lambda: utils.pad_sequences([[1], 2]), "position 1"),
    (lambda: utils.pad_sequences([[1]], padding="middle"), "padding"),
    (lambda: utils.pad_sequences([[1]], truncating="both"), "truncating"),
    (lambda: utils.pad_sequences([[1]], maxlen=-1), "maxlen"),
    (lambda: utils.pad_sequences([[1]], value="x"), "dtype=object"),
    (lambda: utils.pad_sequences([[[1, 2]], [[1, 2, 3]]]), "position 1"),
    (lambda: utils.to_categorical([0, 3], 3), "outside"),
    (lambda: utils.to_categorical([-1, 0]), "outside"),
    (lambda: utils.to_categorical([0.5]), "whole"),
    (lambda: utils.to_categorical(["a"]), "integer"),
    (lambda: utils.to_categorical([1], -2), "num_classes"),
    (lambda: text.Tokenizer(foo=1), "foo"),
    (lambda: text.Tokenizer(num_words=2.5), "num_words"),
    (lambda: text.Tokenizer(split=""), "split"),
    (lambda: text.Tokenizer().fit_on_texts("one text"), "list of texts"),
    (lambda: text.Tokenizer().texts_to_sequences("one text"), "list of texts"),
    (lambda: text.Tokenizer().fit_on_texts([3]), "str"),
    (lambda: text.Tokenizer().texts_to_matrix(["a"]), "num_words"),
    (lambda: text.Tokenizer(num_words=3).texts_to_matrix(["a"], mode="tfidf"), "fit"),
    (lambda: text.Tokenizer(num_words=3).texts_to_matrix(["a"], mode="bm25"), "mode"),
    (lambda: text.tokenizer_from_json('{"config": {}}'), "saved Tokenizer"),
    (lambda: text.tokenizer_from_json("not json"), "saved Tokenizer"),
    (lambda: text.hashing_trick("a b", 1), "n must"),
    (lambda: text.hashing_trick("a b", 5, hash_function="sha1"), "hash_function"),
    (lambda: text.text_to_word_sequence(None), "str"),
    (lambda: utils.set_random_seed(1.5), "int"),
])
def test_errors_name_the_problem(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_keras3_top_level_names():
    """`import fusedrnn as keras` serves the Keras 3 tutorial spellings."""
    keras = fusedrnn
    assert keras.Sequential is Sequential
    assert keras.Model is Model
    assert keras.Input is layers.Input
    assert keras.Layer is layers.Layer
    assert keras.utils.pad_sequences is sequence.pad_sequences
    assert keras.saving.load_model is fusedrnn.saving.load_model
    model = keras.Sequential([keras.Input(shape=(None, 3)), keras.layers.GRU(4)])
    assert model(np.zeros((2, 5, 3), np.float32)).shape == (2, 4)
    for name in ("Sequential", "utils", "preprocessing", "saving", "losses", "metrics",
                 "optimizers", "backend", "Loss", "Metric", "Optimizer"):
        assert name in dir(fusedrnn)
    assert keras.backend.epsilon() == 1e-7
    assert keras.backend.floatx() == "float32"
    assert keras.backend.image_data_format() == "channels_last"
    assert keras.optimizers.Adam is fusedrnn.optimizers.Adam
    with pytest.raises(AttributeError, match="no attribute 'applications'"):
        keras.applications  # noqa: B018


def test_registered_class_loads_without_custom_objects(tmp_path):
    @utils.register_keras_serializable(package="my_pkg")
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    try:
        assert utils.get_registered_name(Scale) == "my_pkg>Scale"
        assert utils.get_registered_object("my_pkg>Scale") is Scale
        assert utils.get_custom_objects()["my_pkg>Scale"] is Scale
        inputs = layers.Input((3,))
        model = Model(inputs, Scale(3.0)(layers.Dense(2)(inputs)))
        path = str(tmp_path / "m.keras")
        model.save(path)
        import zipfile
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read("config.json"))
        assert config["config"]["layers"][2]["registered_name"] == "my_pkg>Scale"
        x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
        np.testing.assert_array_equal(load_model(path).predict(x, verbose=0),
                                      model.predict(x, verbose=0))
    finally:
        fusedrnn.saving._REGISTERED.pop("my_pkg>Scale", None)
        fusedrnn.saving._REGISTERED_NAMES.pop(Scale, None)
    with pytest.raises(ValueError, match="Scale"):
        load_model(path)  # no longer registered, and no custom_objects
    with utils.custom_object_scope({"Scale": Scale}):
        assert utils.get_registered_object("Scale") is Scale
        load_model(path)
    assert utils.get_registered_object("Scale") is None


def test_set_random_seed_makes_fresh_weights_repeat():
    def fresh():
        model = Sequential([layers.Input((5, 3)), layers.LSTM(4), layers.Dense(2)])
        return model.get_weights()

    utils.set_random_seed(7)
    first = fresh()
    py_first, np_first = random.random(), np.random.random()  # noqa: NPY002
    utils.set_random_seed(7)
    second = fresh()
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert (random.random(), np.random.random()) == (py_first, np_first)  # noqa: NPY002
    utils.set_random_seed(8)
    assert not np.array_equal(fresh()[0], first[0])
    # An explicit seed still wins over the global one.
    a = layers.GRU(3, seed=1)
    b = layers.GRU(3, seed=1)
    a.build((None, 2, 2))
    b.build((None, 2, 2))
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])
    utils.clear_session()


@pytest.mark.parametrize("case", DATA["timeseries"], ids=range(len(DATA["timeseries"])))
def test_timeseries_dataset_is_keras(case):
    """The same windows, targets and batches as Keras 3's (unshuffled)."""
    data = np.array(case["data"])
    targets = None if case["targets"] is None else np.array(case["targets"])
    for make in (utils.timeseries_dataset_from_array,
                 fusedrnn.preprocessing.timeseries_dataset_from_array):
        got = list(make(data, targets, **case["kwargs"]))
        assert len(got) == len(case["batches"])
        for batch, want in zip(got, case["batches"]):
            if targets is None:
                np.testing.assert_array_equal(batch, np.array(want).reshape(batch.shape))
            else:
                np.testing.assert_array_equal(batch[0], np.array(want[0]))
                np.testing.assert_array_equal(batch[1], np.array(want[1]))


def test_models_take_datasets():
    """predict and evaluate take a dataset of batches as Keras takes a tf.data.Dataset: the
    same numbers as on the arrays; a generator of batches too."""
    series = np.sin(np.arange(120) / 7.0)[:, None].astype(np.float32)
    ds = utils.timeseries_dataset_from_array(series[:-1], series[5:, 0], sequence_length=5,
                                             batch_size=16)
    model = Sequential([layers.Input((5, 1)), layers.LSTM(4), layers.Dense(1)])
    model.compile(loss="mse", metrics=["mae"])
    x = np.concatenate([b[0] for b in ds])
    y = np.concatenate([b[1] for b in ds])
    np.testing.assert_array_equal(model.predict(ds, verbose=0), model.predict(x, verbose=0))
    assert model.evaluate(ds, verbose=0) == model.evaluate(x, y, batch_size=16, verbose=0)
    assert model.evaluate(iter(ds), verbose=0) == model.evaluate(ds, verbose=0)
    first = model.predict(ds.take(2), verbose=0)
    assert first.shape == (32, 1)
    np.testing.assert_array_equal(model.predict((b for b in ds), steps=2, verbose=0), first)
    with pytest.raises(ValueError, match="from the dataset"):
        model.evaluate(ds, y, verbose=0)
    with pytest.raises(ValueError, match=r"batches \(x, y\)"):
        model.evaluate(utils.timeseries_dataset_from_array(series, None, 5), verbose=0)
    with pytest.raises(ValueError, match="start_index"):
        utils.timeseries_dataset_from_array(series, None, 5, start_index=500)
