"""Hashing, CategoryEncoding, Discretization (and its adapt) and lookups with several
out-of-vocabulary indices, against Keras 3 (tests/data/golden/categorical.json, written by
tests/golden/generate_categorical_golden.py with Keras 3.15.1 on TensorFlow 2.21): each
layer's output, dtype and shape for strings, integers and floats of several ranks, the
boundaries adapt learns, and TensorFlow's FarmHash64 / SipHash buckets of byte strings of
every length up to 130 and a few longer. Models holding these layers: keras_files case
``categorical`` (test_saving and test_save)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from fusedrnn import _hashing, layers
from fusedrnn.models import Model, load_model

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "categorical.json")
with open(GOLDEN, encoding="utf-8") as _f:
    DATA = json.load(_f)


def _input(case):
    if case["dtype"] == "string":
        return np.array(case["input"])
    return np.array(case["input"], dtype=case["dtype"])


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["name"] for c in DATA["cases"]])
def test_layers_give_keras_outputs(case):
    layer = getattr(layers, case["class"])(**case["kwargs"])
    x = _input(case)
    if "count_weights" in case:
        y = layer(x, count_weights=np.array(case["count_weights"], np.float32))
    else:
        y = layer(x)
    y = np.asarray(y)
    assert y.dtype == np.dtype(case["output_dtype"])
    assert y.shape == tuple(case["output_shape"])
    np.testing.assert_array_equal(y, np.array(case["output"]))
    assert layer.compute_output_shape(x.shape) == y.shape


@pytest.mark.parametrize("buckets", [2 ** 63 - 1, 1000003])
def test_hashes_are_tensorflow_own(buckets):
    """FarmHash64 (to_hash_bucket_fast) and keyed SipHash-2-4 (to_hash_bucket_strong): every
    length through FarmHash's 0-16, 17-32, 33-64 and long-string branches."""
    hashes = DATA["hashes"]
    data = [bytes.fromhex(h) for h in hashes["bytes"]]
    assert sorted({len(d) for d in data})[:3] == [0, 1, 2]
    fast = [_hashing.hash_bucket(d, buckets) for d in data]
    strong = [_hashing.hash_bucket(d, buckets, hashes["salt"]) for d in data]
    assert fast == hashes[f"fast_{buckets}"]
    assert strong == hashes[f"strong_{buckets}"]


@pytest.mark.parametrize("case", DATA["adapt"],
                         ids=[f"{a['num_bins']}-{a['epsilon']}-{a['batches']}"
                              for a in DATA["adapt"]])
def test_discretization_adapt_learns_keras_boundaries(case):
    """Keras's approximate quantiles: one array, or several batches merged, small and large
    epsilon, fewer values than the summary holds."""
    data = np.array(case["data"], np.float32)
    layer = layers.Discretization(num_bins=case["num_bins"], epsilon=case["epsilon"])
    if case["batches"] == 1:
        layer.adapt(data)
    else:
        layer.adapt([part[:, None] for part in np.array_split(data, case["batches"])])
    assert layer.bin_boundaries == case["bin_boundaries"]
    assert layer(data).max() <= case["num_bins"] - 1


@pytest.mark.parametrize(("epsilon", "batches"), [(0.001, 4), (0.01, 5), (0.05, 3)])
def test_discretization_adapt_with_ties_across_batches_finds_quantiles(epsilon, batches):
    """Tied values in several batches (where Keras's answer follows NumPy's unstable sort,
    so no golden can pin it): each boundary splits the data within epsilon of its quantile
    per compression (one per batch), and the same data gives the same boundaries every
    time."""
    data = np.round(np.random.default_rng(3).standard_normal(5000) * 3, 1).astype(np.float32)
    parts = [part[:, None] for part in np.array_split(data, batches)]
    layer = layers.Discretization(num_bins=8, epsilon=epsilon)
    layer.adapt(parts)
    bounds = np.array(layer.bin_boundaries)
    quantiles = np.arange(1, 8) / 8
    below = np.array([(data < b).mean() for b in bounds])
    at_or_below = np.array([(data <= b).mean() for b in bounds])
    tolerance = batches * epsilon
    assert np.all(below <= quantiles + tolerance)
    assert np.all(at_or_below >= quantiles - tolerance)
    again = layers.Discretization(num_bins=8, epsilon=epsilon)
    again.adapt(parts)
    assert again.bin_boundaries == layer.bin_boundaries


def test_lookup_oov_buckets_follow_the_method():
    """Several out-of-vocabulary indices: IntegerLookup's floormod puts id k in bucket k % n
    (Python's floor modulo, as tf.math.floormod for negatives); farmhash and StringLookup hash
    the decimal text / the string (the golden cases check the buckets against Keras)."""
    lookup = layers.IntegerLookup(vocabulary=[10, 20], num_oov_indices=3)
    ids = np.array([10, 20, 4, 5, 6, -1, -2])
    np.testing.assert_array_equal(lookup(ids), [3, 4, 1, 2, 0, 2, 1])
    assert lookup.get_vocabulary() == [-1, -1, -1, 10, 20]
    farm = layers.IntegerLookup(vocabulary=[10, 20], num_oov_indices=3, oov_method="farmhash")
    assert farm(np.array([7]))[0] == _hashing.hash_bucket("7", 3)
    text = layers.StringLookup(vocabulary=["a"], num_oov_indices=2, salt=5)
    assert text(np.array(["zz"]))[0] == _hashing.hash_bucket("zz", 2, [5, 5])
    inverse = layers.IntegerLookup(vocabulary=[10, 20], num_oov_indices=3, invert=True)
    np.testing.assert_array_equal(inverse(np.array([0, 2, 3, 4])), [-1, -1, 10, 20])


def test_in_a_model_saved_and_loaded(tmp_path):
    ids = layers.Input((4,), dtype="int64")
    hashed = layers.Hashing(num_bins=9, mask_value=0)(ids)
    bag = layers.CategoryEncoding(num_tokens=9, output_mode="count")(hashed)
    bins = layers.Discretization(bin_boundaries=[2.0, 5.0], output_mode="multi_hot")(ids)
    model = Model(ids, layers.Concatenate()([bag, bins]))
    assert model.output_shape == (None, 12)
    x = np.array([[0, 1, 2, 3], [5, 5, 0, 0]])
    y = model.predict(x, verbose=0)
    assert y.shape == (2, 12)
    np.testing.assert_array_equal(y[:, :9].sum(axis=1), [4, 4])  # every id counted once
    np.testing.assert_array_equal(y[1, :9][0], 2)  # the two masked ids in bin 0
    model.save(tmp_path / "m.keras")
    again = load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(again.predict(x, verbose=0), y)
    assert model.layers[1].dtype == "int64"


def test_bad_arguments_and_inputs_are_named():
    with pytest.raises(ValueError, match="num_bins must be a positive integer"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="dtype must be int32 or int64"):
        layers.Hashing(num_bins=3, dtype="float32")
    with pytest.raises(ValueError, match="salt must be an integer or a pair"):
        layers.Hashing(num_bins=3, salt="x")
    with pytest.raises(ValueError, match="unknown output_mode 'tf_idf'"):
        layers.Hashing(num_bins=3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="num_tokens must be an integer >= 1"):
        layers.CategoryEncoding()
    encoding = layers.CategoryEncoding(num_tokens=3, output_mode="count")
    with pytest.raises(ValueError, match="takes non-negative indices; got -1"):
        encoding(np.array([[0, -1]]))
    with pytest.raises(ValueError, match="rank 1 or 2"):
        encoding(np.zeros((2, 2, 2), np.int64))
    with pytest.raises(TypeError, match="takes integer indices; got dtype <U1"):
        encoding(np.array([["a"]]))
    with pytest.raises(ValueError, match="count_weights must have the input's shape"):
        encoding(np.array([[0, 1]]), count_weights=np.ones((2, 2), np.float32))
    with pytest.raises(ValueError, match="count_weights are only for output_mode 'count'"):
        layers.CategoryEncoding(num_tokens=3)(np.array([[0]]), count_weights=np.ones((1, 1)))
    with pytest.raises(ValueError, match="bin_boundaries must be sorted"):
        layers.Discretization(bin_boundaries=[2.0, 1.0])
    adapted = layers.Discretization(num_bins=4)
    with pytest.raises(ValueError, match="has no bin_boundaries: adapt"):
        adapted(np.arange(3.0))
    with pytest.raises(ValueError, match="adapt\\(\\) got no data"):
        adapted.adapt([])
    with pytest.raises(ValueError, match="was given bin_boundaries"):
        layers.Discretization(bin_boundaries=[1.0]).adapt(np.arange(3.0))
    with pytest.raises(ValueError, match="give bin_boundaries, or num_bins"):
        layers.Discretization()


def _feature(values, dtype):
    return np.array(values) if dtype == "string" else np.array(values, dtype=dtype)


@pytest.mark.parametrize("case", DATA["crossings"], ids=[c["name"] for c in DATA["crossings"]])
def test_hashed_crossing_gives_keras_outputs(case):
    """tf.sparse.cross_hashed's FingerprintCat64 folding of FarmHash64 (strings) and the
    integers themselves, modulo num_bins; one-hot encoding."""
    layer = layers.HashedCrossing(**case["kwargs"])
    xs = [_feature(values, dtype) for values, dtype in case["inputs"]]
    y = np.asarray(layer(xs))
    assert y.dtype == np.dtype(case["output_dtype"])
    assert y.shape == tuple(case["output_shape"])
    np.testing.assert_array_equal(y, np.array(case["output"]))
    assert layer.compute_output_shape([x.shape for x in xs]) == y.shape


def test_hashed_crossing_in_a_model_and_its_config():
    a, b = layers.Input((1,), dtype="string"), layers.Input((1,), dtype="int64")
    crossed = layers.HashedCrossing(num_bins=5, output_mode="one_hot", name="cross")([a, b])
    assert crossed.shape == (None, 5)
    model = Model([a, b], crossed)
    words, ids = np.array([["x"], ["y"], ["x"]]), np.array([[1], [1], [2]])
    y = model.predict([words, ids], verbose=0)
    eager = layers.HashedCrossing(num_bins=5, output_mode="one_hot")([words, ids])
    np.testing.assert_array_equal(y, eager)
    config = model.get_layer("cross").get_config()
    assert config == {"num_bins": 5, "output_mode": "one_hot", "sparse": False,
                      "name": "cross", "dtype": "float32"}
    again = layers.HashedCrossing.from_config(config)
    np.testing.assert_array_equal(again([words, ids]), eager)


def test_hashed_crossing_bad_input_is_named():
    layer = layers.HashedCrossing(num_bins=4)
    ids = np.array([[1], [2]])
    with pytest.raises(ValueError, match="at least two inputs"):
        layer([ids])
    with pytest.raises(ValueError, match="list or tuple of inputs"):
        layer(ids)
    with pytest.raises(ValueError, match="equal shape"):
        layer([ids, np.array([1, 2])])
    with pytest.raises(ValueError, match=r"shape `\(\)`, `\(batch_size\)` or `\(batch_size, 1\)`"):
        layer([np.ones((2, 3), np.int64), np.ones((2, 3), np.int64)])
    with pytest.raises(ValueError, match="integer or string dtype"):
        layer([ids, ids.astype(np.float32)])
    with pytest.raises(ValueError, match="integer or string dtype"):
        layers.HashedCrossing(num_bins=4)([layers.Input((1,)), layers.Input((1,))])
    with pytest.raises(ValueError, match="num_bins must be a positive integer"):
        layers.HashedCrossing(num_bins=0)
    with pytest.raises(ValueError, match="unknown output_mode 'multi_hot'"):
        layers.HashedCrossing(num_bins=3, output_mode="multi_hot")
    with pytest.raises(ValueError, match="sparse outputs are not supported"):
        layers.HashedCrossing(num_bins=3, sparse=True)
