"""``utils.text_dataset_from_directory`` against Keras 3.15.1's on the same folder of text
files (tests/data/golden/text_dataset.json, written by
tests/golden/generate_text_dataset_golden.py, whose ``write_tree`` makes the folder here):
unshuffled batches exactly; shuffled and split datasets by the files each holds (Keras
shuffles the samples again with tf.data)."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

from fusedrnn import layers, preprocessing, utils
from fusedrnn.models import Model

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "text_dataset.json")
with open(GOLDEN, encoding="utf-8") as _f:
    DATA = json.load(_f)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "golden"))
from generate_text_dataset_golden import write_tree  # noqa: E402  (the same folder)


def _record(dataset) -> dict:
    batches = []
    for item in dataset:
        x, y = item if isinstance(item, tuple) else (item, None)
        texts = [str(t) for t in np.atleast_1d(np.asarray(x, dtype=object))]
        batches.append({"x": texts} if y is None else {"x": texts,
                                                       "y": np.asarray(y).tolist()})
    names = getattr(dataset, "class_names", None)
    return {"batches": batches, "class_names": names or None}


def _samples(record: dict) -> list:
    """A dataset's (text, label) pairs, in sorted order."""
    pairs = []
    for batch in record["batches"]:
        ys = batch.get("y", [None] * len(batch["x"]))
        pairs += [(x, json.dumps(y)) for x, y in zip(batch["x"], ys)]
    return sorted(pairs)


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["name"] for c in DATA["cases"]])
def test_datasets_hold_keras_batches(case, tmp_path):
    root = write_tree(str(tmp_path))
    got = utils.text_dataset_from_directory(root, verbose=False, **case["kwargs"])
    want = case["result"]
    if case["kwargs"].get("subset") == "both":
        assert [_samples(_record(d)) for d in got] == [_samples(w) for w in want]
        return
    got = _record(got)
    names = want["class_names"]
    assert got["class_names"] == (names or None)
    if case["kwargs"].get("shuffle", True):  # tf.data reorders the samples: compare the sets
        assert _samples(got) == _samples(want)
        assert [len(b["x"]) for b in got["batches"]] == [len(b["x"]) for b in want["batches"]]
    else:
        assert got["batches"] == want["batches"]


def test_a_text_model_evaluates_and_maps_a_directory(tmp_path, capsys):
    root = write_tree(str(tmp_path))
    data = preprocessing.text_dataset_from_directory(root, batch_size=4, seed=1)
    assert capsys.readouterr().out == "Found 10 files belonging to 3 classes.\n"
    vectorize = layers.TextVectorization(max_tokens=30, output_sequence_length=5)
    vectorize.adapt(np.concatenate([x for x, _ in data]))
    ids = data.map(lambda x, y: (vectorize(np.asarray(x)[:, None]), y)).prefetch(2).cache()
    tokens = layers.Input((5,))
    model = Model(tokens, layers.Dense(3, activation="softmax")(
        layers.GRU(4)(layers.Embedding(30, 4)(tokens))))
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, accuracy = model.evaluate(ids, verbose=0)
    xs = np.concatenate([x for x, _ in ids])
    ys = np.concatenate([y for _, y in ids])
    probabilities = model.predict(xs, verbose=0)
    want = -np.mean(np.log(probabilities[np.arange(len(ys)), ys]))
    assert abs(loss - want) < 1e-5
    assert accuracy == pytest.approx(np.mean(probabilities.argmax(-1) == ys))


def test_bad_arguments_are_named(tmp_path):
    root = write_tree(str(tmp_path))
    with pytest.raises(ValueError, match="exactly 2 class_names"):
        utils.text_dataset_from_directory(root, label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="did not match the names of the subdirectories"):
        utils.text_dataset_from_directory(root, class_names=["neg", "mixed"], verbose=False)
    with pytest.raises(ValueError, match="len\\(labels\\) is 2 while we found 10 files"):
        utils.text_dataset_from_directory(root, labels=[0, 1], verbose=False)
    with pytest.raises(ValueError, match="`label_mode` argument must be one of"):
        utils.text_dataset_from_directory(root, label_mode="sparse", verbose=False)
    with pytest.raises(ValueError, match="If `subset` is set, `validation_split` must be set"):
        utils.text_dataset_from_directory(root, subset="training", verbose=False)
    os.makedirs(tmp_path / "empty" / "a")
    with pytest.raises(ValueError, match="No text files found in directory"):
        utils.text_dataset_from_directory(str(tmp_path / "empty"), verbose=False)
