"""TextVectorization against Keras 3 (tests/data/golden/text_vectorization.json, written by
tests/golden/generate_text_golden.py with Keras 3.15.1 on TensorFlow 2.21): the vocabulary it
learns from a corpus and its outputs for text with capitals, punctuation, non-ASCII letters,
Unicode spaces, emoji and empty strings, over standardize x split, the output modes x ngrams
x max_tokens, output lengths, padding to max_tokens and given vocabularies. Then models with
string inputs, custom standardize/split functions (a Keras 3 file written by
tests/golden/generate_text_custom.py), and the errors."""

from __future__ import annotations

import json
import os
import re
import string
import sys

import numpy as np
import pytest

from fusedrnn import layers
from fusedrnn.models import Model, Sequential, clone_model, load_model, model_from_json

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "text_vectorization.json")
with open(GOLDEN, encoding="utf-8") as _f:
    DATA = json.load(_f)


def _kwargs(case):
    kwargs = dict(case["kwargs"])
    if isinstance(kwargs.get("ngrams"), list):
        kwargs["ngrams"] = tuple(kwargs["ngrams"])
    return kwargs


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["name"] for c in DATA["cases"]])
def test_vocabulary_and_outputs_are_keras(case):
    layer = layers.TextVectorization(**_kwargs(case))
    if "vocabulary" not in case["kwargs"]:
        layer.adapt(DATA["corpus"])
    assert layer.get_vocabulary() == case["vocabulary"]
    assert layer.vocabulary_size() == len(case["vocabulary"])
    got = layer(DATA["inputs"])
    want = np.asarray(case["y"], dtype=case["dtype"])
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    if case["dtype"] == "float32":
        np.testing.assert_allclose(got, want, rtol=2e-7, atol=0)
    else:
        np.testing.assert_array_equal(got, want)
    # (batch, 1) strings, bytes and object arrays give the same
    column = np.array(DATA["inputs"], dtype=object)[:, None]
    np.testing.assert_array_equal(layer(column).reshape(got.shape), got)  # unsplit: (batch, 1)
    encoded = [s.encode("utf-8") for s in DATA["inputs"]]
    np.testing.assert_array_equal(layer(np.array(encoded, dtype=object)), got)


def test_adapt_takes_batches_and_steps():
    whole = layers.TextVectorization()
    whole.adapt(DATA["corpus"])
    batched = layers.TextVectorization()
    batched.adapt(iter([DATA["corpus"][:5], np.array(DATA["corpus"][5:])[:, None]]))
    assert batched.get_vocabulary() == whole.get_vocabulary()
    first = layers.TextVectorization()
    first.adapt(iter([DATA["corpus"][:5], DATA["corpus"][5:]]), steps=1)
    partial = layers.TextVectorization()
    partial.adapt(DATA["corpus"][:5])
    assert first.get_vocabulary() == partial.get_vocabulary()


def test_vocabulary_files_and_set_vocabulary(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("the\nfox\ndog\n", encoding="utf-8")
    from_file = layers.TextVectorization(vocabulary=str(path))
    given = layers.TextVectorization(vocabulary=["the", "fox", "dog"])
    assert from_file.get_vocabulary() == given.get_vocabulary() == ["", "[UNK]", "the", "fox",
                                                                    "dog"]
    np.testing.assert_array_equal(from_file(["the red fox"]), [[2, 1, 3]])
    given.set_vocabulary(["", "[UNK]", "red"])  # led by the special tokens: kept once
    np.testing.assert_array_equal(given(["the red fox"]), [[1, 2, 1]])
    assert given.get_vocabulary(include_special_tokens=False) == ["red"]


def test_string_models_predict_from_raw_text(tmp_path):
    vectorize = layers.TextVectorization(max_tokens=12, output_sequence_length=6)
    vectorize.adapt(DATA["corpus"])
    model = Sequential([layers.Input((1,), dtype="string"), vectorize,
                        layers.Embedding(12, 4, mask_zero=True), layers.GRU(3)])
    rng = np.random.default_rng(0)
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32)
                       for w in model.get_weights()])
    ids = vectorize(DATA["inputs"])
    tail = Sequential([layers.Input((6,)), layers.Embedding(12, 4, mask_zero=True),
                       layers.GRU(3)])
    tail.set_weights(model.get_weights())
    want = tail.predict(ids.astype(np.float32), verbose=0)
    # a list of strings (batch,) is given the Input's axis of 1, as Keras 3 does
    for x in (DATA["inputs"], np.array(DATA["inputs"])[:, None],
              np.array(DATA["inputs"], dtype=object)):
        np.testing.assert_array_equal(model.predict(x, verbose=0), want)
    np.testing.assert_array_equal(model(DATA["inputs"]), want)
    np.testing.assert_array_equal(model.predict(DATA["inputs"], batch_size=3, verbose=0), want)
    assert model.layers[0].output.dtype == "int64"
    # saved in Keras 3's format (the adapted vocabulary in the assets) and read back
    model.save(tmp_path / "text.keras")
    np.testing.assert_array_equal(load_model(tmp_path / "text.keras").predict(
        DATA["inputs"], verbose=0), want)
    # a functional model: text and numbers side by side
    text = layers.Input((1,), dtype="string", name="text")
    numbers = layers.Input((2,), name="numbers")
    bag = layers.TextVectorization(output_mode="tf_idf", max_tokens=10)
    bag.adapt(DATA["corpus"])
    joined = layers.Concatenate()([bag(text), numbers])
    both = Model([text, numbers], layers.Dense(2)(joined))
    out = both.predict({"text": DATA["inputs"], "numbers": np.ones((10, 2), np.float32)},
                       verbose=0)
    assert out.shape == (10, 2)
    both.save(tmp_path / "both.keras")
    again = load_model(tmp_path / "both.keras")
    np.testing.assert_array_equal(
        again.predict({"text": DATA["inputs"], "numbers": np.ones((10, 2), np.float32)},
                      verbose=0), out)


def test_bad_arguments_and_inputs_are_named():
    with pytest.raises(ValueError, match="unknown standardize 'upper'"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="unknown split 'comma'"):
        layers.TextVectorization(split="comma")
    with pytest.raises(ValueError, match="one_hot is not supported"):
        layers.TextVectorization(output_mode="one_hot")
    with pytest.raises(ValueError, match="output_sequence_length.*only in 'int' mode"):
        layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="max_tokens must be None or an integer above 1"):
        layers.TextVectorization(max_tokens=1)
    with pytest.raises(ValueError, match="ngram widths must be at least 1"):
        layers.TextVectorization(ngrams=(0, 2))
    with pytest.raises(ValueError, match="repeats the terms \\['a'\\]"):
        layers.TextVectorization(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match="may only lead the vocabulary"):
        layers.TextVectorization(vocabulary=["a", "", "b"])
    with pytest.raises(ValueError, match="larger than max_tokens=3"):
        layers.TextVectorization(vocabulary=["a", "b"], max_tokens=3)
    with pytest.raises(ValueError, match="idf_weights must be given"):
        layers.TextVectorization(output_mode="tf_idf", vocabulary=["a"])
    with pytest.raises(ValueError, match="2 idf_weights for a vocabulary of 1"):
        layers.TextVectorization(output_mode="tf_idf", vocabulary=["a"], idf_weights=[1, 2])
    with pytest.raises(ValueError, match="does not exist"):
        layers.TextVectorization(vocabulary="/no/such/vocabulary.txt")
    fresh = layers.TextVectorization()
    with pytest.raises(ValueError, match="has no vocabulary"):
        fresh(["some text"])
    fresh.adapt(["some text"])
    with pytest.raises(ValueError, match=r"shape \(batch,\) or \(batch, 1\)"):
        fresh(np.array([["a", "b"]]))
    with pytest.raises(TypeError, match="takes strings; got float"):
        fresh([1.5])
    with pytest.raises(ValueError, match="not valid utf-8"):
        fresh([b"\xff"])
    given = layers.TextVectorization(vocabulary=["a"])
    with pytest.raises(ValueError, match="was given its vocabulary"):
        given.adapt(["a"])
    numeric = layers.Input((1,))
    with pytest.raises(TypeError, match="takes a string input"):
        given(numeric)
    model = Sequential([layers.Input((1,), dtype="string"), given])
    with pytest.raises(TypeError, match="must be strings"):
        model.predict(np.ones((2, 1)), verbose=0)


def test_legacy_h5_without_vocabulary_is_refused_with_the_reason():
    path = os.path.join(os.path.dirname(__file__), "data", "keras_files", "text.h5")
    with pytest.raises(ValueError, match="holds no vocabulary for TextVectorization layer "
                                         "'text_vectorization'"):
        load_model(path)


# --------------------------------------------------------------------------- lookups

LOOKUP_GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "lookup.json")
with open(LOOKUP_GOLDEN, encoding="utf-8") as _f:
    LOOKUP = json.load(_f)


@pytest.mark.parametrize("case", LOOKUP["cases"],
                         ids=[f"{c['kind']}-{c['name']}" for c in LOOKUP["cases"]])
def test_lookups_are_keras(case):
    """StringLookup and IntegerLookup against Keras 3 (tests/data/golden/lookup.json, by
    tests/golden/generate_lookup_golden.py): vocabulary, outputs, the inverse lookup, and
    Keras's refusal of unknown terms without an out-of-vocabulary index."""
    string = case["kind"] == "string"
    cls = layers.StringLookup if string else layers.IntegerLookup
    data = LOOKUP["strings"] if string else LOOKUP["integers"]
    inputs = LOOKUP["string_inputs"] if string else LOOKUP["integer_inputs"]
    layer = cls(**case["kwargs"])
    if "vocabulary" not in case["kwargs"]:
        layer.adapt(np.array(data, dtype=object if string else np.int64))
    assert layer.get_vocabulary() == case["vocabulary"]
    mode = case["kwargs"].get("output_mode", "int")
    x = [row[0] for row in inputs] if mode == "one_hot" else inputs
    if case["error"] is not None:
        with pytest.raises(ValueError, match="no out-of-vocabulary index"):
            layer(x)
        return
    got = layer(x)
    want = np.asarray(case["y"], dtype=case["dtype"])
    assert got.dtype == want.dtype
    if case["dtype"] == "float32":
        np.testing.assert_allclose(got, want, rtol=2e-7, atol=0)
    else:
        np.testing.assert_array_equal(got, want)
    if "inverse" in case:
        inverse = cls(**{**case["kwargs"], "vocabulary": layer.get_vocabulary(),
                         "invert": True})
        assert inverse(got).tolist() == case["inverse"]
    # Keras's config of the layer rebuilds it as load_model does, and fusedrnn's has its keys
    from fusedrnn.saving import _layer_from_config

    rebuilt = _layer_from_config({"class_name": cls.__name__, "config": case["config"]})
    if case["config"]["vocabulary"] is None:  # adapted: Keras keeps it in the assets
        rebuilt.set_vocabulary(case["vocabulary"], layer._idf if mode == "tf_idf" else None)
    np.testing.assert_array_equal(rebuilt(x), got)
    assert set(case["config"]) <= set(layer.get_config())


def test_lookups_in_a_streaming_text_generator(tmp_path):
    """The TF text-generation pattern: characters to ids, a stateful GRU one step at a time,
    ids back to characters; saved in Keras 3's format and read back."""
    chars = sorted(set("hello world"))
    ids_from_chars = layers.StringLookup(vocabulary=chars, mask_token=None)
    chars_from_ids = layers.StringLookup(vocabulary=ids_from_chars.get_vocabulary(),
                                         invert=True, mask_token=None)
    model = Sequential([layers.Input((1,), batch_size=1),
                        layers.Embedding(ids_from_chars.vocabulary_size(), 4),
                        layers.GRU(8, stateful=True), layers.Dense(len(chars) + 1)])
    rng = np.random.default_rng(3)
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32)
                       for w in model.get_weights()])
    tokens, ids = ["h"], ids_from_chars(["h"])
    for _ in range(10):
        logits = model.predict(ids[None, :], verbose=0)
        ids = np.argmax(logits, axis=-1)
        tokens.append(str(chars_from_ids(ids)[0]))
        assert tokens[-1] == ids_from_chars.get_vocabulary()[int(ids[0])]
    assert len(tokens) == 11
    assert chars_from_ids(ids_from_chars(list("world"))).tolist() == list("world")
    # a lookup inside a saved model, adapted: its vocabulary goes to the assets
    lookup = layers.StringLookup()
    lookup.adapt(np.array(list("hello world")))
    tagger = Sequential([layers.Input((5,), dtype="string"), lookup,
                         layers.Embedding(12, 3), layers.GlobalAveragePooling1D()])
    x = np.array([list("hello"), list("world")])
    want = tagger.predict(x, verbose=0)
    tagger.save(tmp_path / "lookup.keras")
    np.testing.assert_array_equal(load_model(tmp_path / "lookup.keras").predict(x, verbose=0),
                                  want)


def test_lookup_arguments_are_checked():
    with pytest.raises(ValueError, match="num_oov_indices must be a non-negative integer"):
        layers.StringLookup(num_oov_indices=-1)
    with pytest.raises(ValueError, match="salt can only be used with oov_method='farmhash'"):
        layers.IntegerLookup(num_oov_indices=2, salt=3)
    with pytest.raises(ValueError, match="salt must be an integer or a pair"):
        layers.StringLookup(num_oov_indices=2, salt=[1, 2, 3])
    with pytest.raises(ValueError, match="oov_method must be 'floormod' or 'farmhash'"):
        layers.StringLookup(oov_method="md5")
    with pytest.raises(ValueError, match="invert=True needs output_mode='int'"):
        layers.StringLookup(invert=True, output_mode="count")
    with pytest.raises(TypeError, match="IntegerLookup takes integers"):
        layers.IntegerLookup(vocabulary=[1.5])
    with pytest.raises(ValueError, match="only lead the vocabulary"):
        layers.IntegerLookup(mask_token=0, vocabulary=[3, 0, 2])
    with pytest.raises(ValueError, match="has no vocabulary"):
        layers.StringLookup()(["a"])


KERAS_FILES = os.path.join(os.path.dirname(__file__), "data", "keras_files")
sys.path.insert(0, KERAS_FILES)
from text_functions import PYTHON as CUSTOM  # noqa: E402
from text_functions import comma_split, custom_standardization  # noqa: E402

TEXT_CUSTOM = os.path.join(KERAS_FILES, "text_custom")


def test_custom_functions_in_a_keras_file(tmp_path):
    """Keras's text-classification example: an end-to-end model whose TextVectorization
    layers use a custom standardization and a custom split. Given Python versions of the
    functions, load_model learns nothing and predicts Keras's numbers; saved, it names the
    functions as Keras does."""
    data = np.load(TEXT_CUSTOM + ".npz")
    model = load_model(TEXT_CUSTOM + ".keras", custom_objects=CUSTOM)
    reviews, tags = data["reviews"], data["tags"]
    review_layer, tag_layer = (la for la in model.layers
                               if isinstance(la, layers.TextVectorization))
    assert review_layer.standardize is custom_standardization
    assert tag_layer.split is comma_split
    assert review_layer.get_vocabulary() == list(data["review_vocabulary"])
    assert tag_layer.get_vocabulary() == list(data["tag_vocabulary"])
    np.testing.assert_array_equal(review_layer(reviews), data["review_ids"])
    np.testing.assert_array_equal(tag_layer(tags), data["tag_hot"])
    y = model.predict([reviews[:, None], tags], verbose=0)
    np.testing.assert_allclose(y, data["y"], rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="custom standardize function "
                       "'Custom>custom_standardization'.*custom_objects="
                       "{'custom_standardization': function}"):
        load_model(TEXT_CUSTOM + ".keras")
    with pytest.raises(ValueError, match="must be a function"):
        load_model(TEXT_CUSTOM + ".keras", custom_objects={**CUSTOM, "comma_split": 3})
    model.save(tmp_path / "again.keras")
    again = load_model(tmp_path / "again.keras", custom_objects=CUSTOM)
    np.testing.assert_array_equal(again.predict([reviews[:, None], tags], verbose=0), y)
    entry = json.loads(model.to_json())["config"]["layers"]
    saved = [la["config"] for la in entry if la["class_name"] == "TextVectorization"]
    assert saved[0]["standardize"] == {"module": "builtins", "class_name": "function",
                                       "config": "custom_standardization",
                                       "registered_name": "function"}
    assert saved[1]["split"]["config"] == "comma_split"
    fresh = model_from_json(model.to_json(), custom_objects=CUSTOM)
    assert any(getattr(la, "standardize", None) is custom_standardization
               for la in fresh.layers)
    # Keras 2 saved a function by its bare name
    keras2 = model.to_json().replace(json.dumps(saved[0]["standardize"]),
                                     '"custom_standardization"')
    assert '"standardize": "custom_standardization"' in keras2
    fresh = model_from_json(keras2, custom_objects=CUSTOM)
    assert any(getattr(la, "standardize", None) is custom_standardization
               for la in fresh.layers)
    with pytest.raises(ValueError, match="custom standardize function 'custom_standardization'"):
        model_from_json(keras2)
    clone = clone_model(model)
    clone.set_weights(model.get_weights())
    for la in clone.layers:  # a clone's vocabulary is not in its config, as in Keras
        if isinstance(la, layers.TextVectorization):
            source = model.get_layer(la.name)
            la.set_vocabulary(source.get_vocabulary())
    np.testing.assert_array_equal(clone.predict([reviews[:, None], tags], verbose=0), y)


@pytest.mark.parametrize("mode", ["lower", "strip_punctuation", "lower_and_strip_punctuation"])
def test_built_in_standardize_runs_before_a_custom_split(mode):
    """Keras standardizes the whole string, then splits it (Keras 3's vocabularies and ids)."""
    data = np.load(TEXT_CUSTOM + ".npz")
    layer = layers.TextVectorization(standardize=mode, split=comma_split,
                                      output_sequence_length=4)
    layer.adapt(data["mixed"])
    assert layer.get_vocabulary() == list(data[f"mixed_{mode}_vocabulary"])
    np.testing.assert_array_equal(layer(data["mixed"]), data[f"mixed_{mode}_ids"])


def _ascii_lower_strip(texts):
    lower = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
    return [t.translate(lower).translate({ord(c): None for c in string.punctuation})
            for t in texts]


def _whitespace_split(texts):
    return [[t for t in re.split("[ \t\n\v\f\r]+", s) if t] for s in np.asarray(texts)]


@pytest.mark.parametrize("output_mode", ["int", "multi_hot", "count", "tf_idf"])
@pytest.mark.parametrize("ngrams", [None, 2])
def test_custom_functions_equal_to_the_built_in_modes_give_their_results(output_mode, ngrams):
    """Functions computing the default standardize and split, given as functions, learn the
    vocabulary and give the outputs of the built-in modes (Keras's recorded corpus)."""
    corpus, inputs = DATA["corpus"], DATA["inputs"]
    built_in = layers.TextVectorization(output_mode=output_mode, ngrams=ngrams)
    custom = layers.TextVectorization(output_mode=output_mode, ngrams=ngrams,
                                      standardize=_ascii_lower_strip, split=_whitespace_split)
    built_in.adapt(corpus)
    custom.adapt(corpus)
    assert custom.get_vocabulary() == built_in.get_vocabulary()
    np.testing.assert_array_equal(custom(inputs), built_in(inputs))


def test_custom_function_errors_are_named(tmp_path):
    def two(texts):
        return ["a", "b"]

    def numbers(texts):
        return [1.0 for _ in texts]

    def joined(texts):
        return list(texts)  # a string per row, not its tokens

    cases = [({"standardize": two}, ValueError, "standardize function 'two' returned 2 "
              "results for 3 strings"),
             ({"standardize": numbers}, TypeError, "standardize function must give strings; "
              "got float"),
             ({"split": joined}, TypeError, "split function must give a list of tokens per "
              "string; got str_"),
             ({"standardize": lambda texts: "x"}, TypeError, "one result per string")]
    for kwargs, error, message in cases:
        layer = layers.TextVectorization(**kwargs)
        with pytest.raises(error, match=re.escape(message)):
            layer.adapt(["a b", "c", "d"])
    layer = layers.TextVectorization(standardize=lambda texts: texts)
    layer.adapt(["a b"])
    model = Sequential([layers.Input((1,), dtype="string"), layer])
    with pytest.raises(ValueError, match="holds a lambda, and Keras saves functions by name"):
        model.save(tmp_path / "lambda.keras")
