"""Record what Keras 3's categorical preprocessing layers make of some inputs, for
tests/test_categorical.py: Hashing (FarmHash64, SipHash with a salt, mask_value, output
modes), StringLookup/IntegerLookup with several out-of-vocabulary indices (floormod, farmhash,
salt), CategoryEncoding and Discretization (output modes, input ranks, count weights; the
boundaries adapt learns from data in one or several batches), HashedCrossing (strings and
integers of each allowed shape, two to four features, both output modes); and
``tf.strings.to_hash_bucket_fast`` / ``_strong`` of byte strings of every length.

NOT run by CI and not collected by pytest. It needs TensorFlow and Keras 3::

    /tmp/tfenv/bin/python tests/golden/generate_categorical_golden.py

Writes tests/data/golden/categorical.json: for each case the layer's class and arguments,
the input (values, dtype) and Keras's output (values, dtype, shape).
"""

from __future__ import annotations

import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "categorical.json")

WORDS = ["the", "cat", "sat", "", "on", "the", "mat", "Café", "🙂", "a much longer token "
         "of more than sixty-four bytes, to reach FarmHash's long-string loop", "x" * 33,
         "dog", "-1", "17"]
INTS = [[0, 1, 2, 3], [17, -1, 5, 1000003], [42, 7, 0, 99], [-8, 3, 64, 2 ** 40]]


def cases():
    """(name, class, kwargs, input values, input dtype)."""
    out = []
    words = np.array(WORDS[:12]).reshape(3, 4)
    for bins in (1, 3, 50):
        for salt in (None, 133, [133, 137]):
            out.append((f"hashing-str-{bins}-{salt}", "Hashing",
                        {"num_bins": bins, "salt": salt}, words.tolist(), "string"))
            out.append((f"hashing-int-{bins}-{salt}", "Hashing",
                        {"num_bins": bins, "salt": salt}, INTS, "int64"))
    out += [
        ("hashing-mask-int", "Hashing", {"num_bins": 5, "mask_value": 0}, INTS, "int64"),
        ("hashing-mask-str", "Hashing", {"num_bins": 5, "mask_value": ""}, words.tolist(),
         "string"),
        ("hashing-float", "Hashing", {"num_bins": 7}, [[1.0, 2.9, -3.7, 40.0]], "float32"),
        ("hashing-column", "Hashing", {"num_bins": 9}, [[3], [4], [5]], "int64"),
        ("hashing-flat", "Hashing", {"num_bins": 9}, [3, 4, 5, 6], "int64"),
    ]
    for mode in ("one_hot", "multi_hot", "count"):
        out.append((f"hashing-{mode}", "Hashing", {"num_bins": 6, "output_mode": mode},
                    [[3], [4], [5]] if mode == "one_hot" else INTS, "int64"))
    vocabulary = ["the", "cat", "on"]
    for n in (2, 3, 5):
        for salt in (None, 7):
            out.append((f"string-lookup-{n}-{salt}", "StringLookup",
                        {"vocabulary": vocabulary, "num_oov_indices": n, "salt": salt},
                        words.tolist(), "string"))
    out.append(("string-lookup-mask", "StringLookup",
                {"vocabulary": vocabulary, "num_oov_indices": 3, "mask_token": ""},
                words.tolist(), "string"))
    out.append(("string-lookup-count", "StringLookup",
                {"vocabulary": vocabulary, "num_oov_indices": 3, "output_mode": "count"},
                words.tolist(), "string"))
    for method in ("floormod", "farmhash"):
        for salt in ((None, [3, 5]) if method == "farmhash" else (None,)):
            out.append((f"int-lookup-{method}-{salt}", "IntegerLookup",
                        {"vocabulary": [1, 2, 3, 5, 8], "num_oov_indices": 4,
                         "oov_method": method, "salt": salt}, INTS, "int64"))
    out.append(("int-lookup-mask", "IntegerLookup",
                {"vocabulary": [1, 2, 3], "num_oov_indices": 3, "mask_token": 0},
                INTS, "int64"))
    for name, cls, vocab, column, rows in (
            ("string", "StringLookup", vocabulary, [["cat"], ["x"], ["on"]], words.tolist()),
            ("int", "IntegerLookup", [1, 2, 3], [[1], [9], [3]], INTS)):
        for label, values in (("column", column), ("rows", rows),
                              ("flat", [v[0] for v in column])):
            out.append((f"{name}-lookup-one_hot-{label}", cls,
                        {"vocabulary": vocab, "output_mode": "one_hot"}, values,
                        "string" if name == "string" else "int64"))
    for mode in ("multi_hot", "count"):  # a rank-1 input is one sample
        out.append((f"int-lookup-{mode}-flat", "IntegerLookup",
                    {"vocabulary": [3, 5, 7], "output_mode": mode}, [3, 5, 42, 5], "int64"))
        out.append((f"string-lookup-{mode}-flat", "StringLookup",
                    {"vocabulary": vocabulary, "output_mode": mode}, WORDS[:6], "string"))
    out.append(("int-lookup-multi-hot", "IntegerLookup",
                {"vocabulary": [1, 2, 3], "num_oov_indices": 2, "output_mode": "multi_hot"},
                INTS, "int64"))
    tokens = [[0, 1, 1, 3], [2, 2, 2, 0], [3, 0, 1, 2]]
    for mode in ("one_hot", "multi_hot", "count"):
        out.append((f"category-{mode}-column", "CategoryEncoding",
                    {"num_tokens": 4, "output_mode": mode}, [[0], [3], [1]], "int64"))
        if mode != "one_hot":
            out.append((f"category-{mode}-rows", "CategoryEncoding",
                        {"num_tokens": 5, "output_mode": mode}, tokens, "int64"))
            out.append((f"category-{mode}-flat", "CategoryEncoding",
                        {"num_tokens": 5, "output_mode": mode}, [0, 3, 3, 1], "int64"))
        else:
            out.append(("category-one_hot-rows", "CategoryEncoding",
                        {"num_tokens": 4, "output_mode": mode}, tokens, "int64"))
            out.append(("category-one_hot-flat", "CategoryEncoding",
                        {"num_tokens": 4, "output_mode": mode}, [0, 3, 3, 1], "int64"))
    values = [[-1.5, 0.0, 0.5, 2.0], [3.0, 9.9, 10.0, 11.0], [float("-inf"), 1.0, 7.5, 4.0]]
    boundaries = [0.0, 1.0, 2.5, 10.0]
    for mode in ("int", "one_hot", "multi_hot", "count"):
        out.append((f"discretization-{mode}", "Discretization",
                    {"bin_boundaries": boundaries, "output_mode": mode},
                    [[0.5], [2.5], [12.0]] if mode == "one_hot" else values, "float32"))
    out.append(("discretization-3d", "Discretization", {"bin_boundaries": boundaries},
                [values, values], "float32"))
    return out


def crossing_cases():
    """(name, HashedCrossing kwargs, [(values, dtype) per feature])."""
    words = [WORDS[i] for i in (0, 1, 3, 7, 8, 9, 10, 12)]
    ints = [0, 1, -1, 17, 2 ** 40, -(2 ** 62), 1000003, 5]
    out = []
    for bins in (1, 7, 1000, 2 ** 40):
        out.append((f"str-int-{bins}", {"num_bins": bins},
                    [([[w] for w in words], "string"), ([[i] for i in ints], "int64")]))
    out += [
        ("int-str-flat", {"num_bins": 50}, [(ints, "int64"), (words, "string")]),
        ("int32-pair", {"num_bins": 50}, [(ints[:4] + [3, 4, 5, 6], "int32"),
                                          (list(range(8)), "int32")]),
        ("three", {"num_bins": 100}, [(words, "string"), (ints, "int64"),
                                      (words[::-1], "string")]),
        ("four-strings", {"num_bins": 100}, [(words, "string")] * 4),
        ("scalar", {"num_bins": 10}, [("cat", "string"), (3, "int64")]),
        ("one-hot-column", {"num_bins": 6, "output_mode": "one_hot"},
         [([[w] for w in words], "string"), ([[i] for i in ints], "int64")]),
        ("one-hot-flat", {"num_bins": 6, "output_mode": "one_hot"},
         [(words, "string"), (ints, "int64")]),
        ("one-hot-scalar", {"num_bins": 4, "output_mode": "one_hot"},
         [("a", "string"), ("b", "string")]),
    ]
    return out


def main() -> None:
    import keras
    import tensorflow as tf

    records = []
    for name, cls, kwargs, values, dtype in cases():
        layer = getattr(keras.layers, cls)(**kwargs)
        x = tf.constant(values, dtype=tf.string if dtype == "string" else dtype)
        y = np.asarray(layer(x))
        records.append({"name": name, "class": cls, "kwargs": kwargs, "input": values,
                        "dtype": dtype, "output": y.tolist(), "output_dtype": str(y.dtype),
                        "output_shape": list(y.shape)})
    # count weights
    layer = keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")
    weights = [[0.5, 1.0, 2.0, 0.25], [1.0, 1.0, 1.0, 3.0], [2.0, 0.0, 1.5, 1.0]]
    tokens = [[0, 1, 1, 3], [2, 2, 2, 0], [3, 0, 1, 2]]
    y = np.asarray(layer(np.array(tokens), count_weights=np.array(weights, np.float32)))
    records.append({"name": "category-count-weights", "class": "CategoryEncoding",
                    "kwargs": {"num_tokens": 4, "output_mode": "count"}, "input": tokens,
                    "dtype": "int64", "count_weights": weights, "output": y.tolist(),
                    "output_dtype": str(y.dtype), "output_shape": list(y.shape)})
    # Discretization.adapt: Keras's approximate quantiles
    rng = np.random.default_rng(3)
    adapts = []
    for n, bins, epsilon, batches in ((100, 4, 0.01, 1), (1000, 5, 0.01, 1), (37, 3, 0.1, 1),
                                      (5000, 8, 0.001, 4), (250, 6, 0.05, 3), (12, 10, 0.01, 1)):
        data = (rng.standard_normal(n) * 3).astype(np.float32)
        if batches == 1:
            # Ties only where one summary is compressed: across batches, tied values of
            # unequal weights make Keras's result follow the order np.argsort (unstable)
            # gives them, which changed between NumPy 2.3 and 2.4.
            data = np.round(data, 1)
        parts = np.array_split(data, batches)
        layer = keras.layers.Discretization(num_bins=bins, epsilon=epsilon)
        layer.adapt(data if batches == 1 else [p[:, None] for p in parts])
        adapts.append({"data": data.tolist(), "batches": batches, "num_bins": bins,
                       "epsilon": epsilon, "bin_boundaries": list(layer.bin_boundaries)})
    # the hashes themselves, over byte strings of every length through FarmHash's branches
    rng = np.random.default_rng(0)
    data = [b""] + [bytes(rng.integers(0, 256, n, dtype=np.uint8))
                    for n in list(range(1, 131)) + [191, 192, 193, 255, 256, 257, 300]]
    t = tf.constant(data)
    hashes = {"bytes": [d.hex() for d in data], "salt": [133, 2 ** 62 + 5]}
    for buckets in (2 ** 63 - 1, 1000003):
        hashes[f"fast_{buckets}"] = tf.strings.to_hash_bucket_fast(t, buckets).numpy().tolist()
        hashes[f"strong_{buckets}"] = tf.strings.to_hash_bucket_strong(
            t, buckets, key=hashes["salt"]).numpy().tolist()
    crossings = []
    for name, kwargs, features in crossing_cases():
        layer = keras.layers.HashedCrossing(**kwargs)
        xs = [tf.constant(values, dtype=tf.string if dtype == "string" else dtype)
              for values, dtype in features]
        y = np.asarray(layer(xs))
        crossings.append({"name": name, "kwargs": kwargs, "inputs": features,
                          "output": y.tolist(), "output_dtype": str(y.dtype),
                          "output_shape": list(y.shape)})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"keras_version": keras.__version__, "cases": records, "hashes": hashes,
                   "adapt": adapts, "crossings": crossings}, f, indent=1, ensure_ascii=False)
    print(len(records), "cases")


if __name__ == "__main__":
    main()
