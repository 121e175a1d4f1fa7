"""Record what Keras 3's ``keras.datasets`` loaders make of small synthetic cache files, for
tests/test_datasets.py: imdb and reuters (shuffles, index shifts, maxlen, num_words,
skip_top, oov_char None, test_split), mnist, fashion_mnist, cifar10, cifar100 (pickled
batches), boston_housing and california_housing.

NOT run by CI and not collected by pytest. It needs Keras 3::

    /tmp/tfenv/bin/python tests/golden/generate_datasets_golden.py

The synthetic files (``sources``: made here from a seeded generator) are written to a
temporary directory, Keras's ``get_file`` is pointed there, and each call's result is
recorded. Writes tests/data/golden/datasets.json: the sources and, per case, the loader, its
arguments and Keras's arrays (object arrays as lists of lists).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import pickle
import tempfile

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "datasets.json")


def sources() -> dict:
    """Small stand-ins for the real files: ragged word-index lists and labels."""
    rng = np.random.default_rng(21)

    def seqs(n):
        return [rng.integers(1, 40, rng.integers(1, 12)).tolist() for _ in range(n)]

    return {
        "imdb": {"x_train": seqs(9), "y_train": rng.integers(0, 2, 9).tolist(),
                 "x_test": seqs(7), "y_test": rng.integers(0, 2, 7).tolist()},
        "reuters": {"x": seqs(12), "y": rng.integers(0, 46, 12).tolist()},
        "mnist": {k: rng.integers(0, 256, (n, 28, 28)).tolist() if k.startswith("x")
                  else rng.integers(0, 10, n).tolist()
                  for k, n in (("x_train", 3), ("y_train", 3), ("x_test", 2), ("y_test", 2))},
        "boston": {"x": rng.standard_normal((11, 13)).round(3).tolist(),
                   "y": rng.uniform(5, 50, 11).round(1).tolist()},
        "california": {"x": rng.standard_normal((13, 8)).round(3).tolist(),
                       "y": rng.uniform(1e4, 5e5, 13).round(0).tolist()},
        # CIFAR-100: per file, rows of 3 * 32 * 32 pixels, fine and coarse labels (CIFAR-10's
        # six batches of 10,000 rows, which Keras requires, are drawn in write_files)
        "cifar100": [{"data": rng.integers(0, 256, (2, 3072)).tolist(),
                      "fine_labels": rng.integers(0, 100, 2).tolist(),
                      "coarse_labels": rng.integers(0, 20, 2).tolist()} for _ in range(2)],
        "word_index": {"the": 1, "and": 2, "film": 19},
    }


def write_files(src: dict, root: str) -> None:
    """The synthetic files where Keras's get_file keeps them (``root/datasets/...``)."""
    data = os.path.join(root, "datasets")
    os.makedirs(os.path.join(data, "fashion-mnist"), exist_ok=True)

    def ragged(lists):
        out = np.empty(len(lists), dtype=object)
        out[:] = [list(v) for v in lists]
        return out

    imdb = src["imdb"]
    np.savez(os.path.join(data, "imdb.npz"), x_train=ragged(imdb["x_train"]),
             y_train=np.array(imdb["y_train"]), x_test=ragged(imdb["x_test"]),
             y_test=np.array(imdb["y_test"]))
    np.savez(os.path.join(data, "reuters.npz"), x=ragged(src["reuters"]["x"]),
             y=np.array(src["reuters"]["y"]))
    mnist = {k: np.array(v, np.uint8) for k, v in src["mnist"].items()}
    np.savez(os.path.join(data, "mnist.npz"), **mnist)
    np.savez(os.path.join(data, "boston_housing.npz"), x=np.array(src["boston"]["x"]),
             y=np.array(src["boston"]["y"]))
    np.savez(os.path.join(data, "california_housing.npz"),
             x=np.array(src["california"]["x"]), y=np.array(src["california"]["y"]))

    def batch(record):  # as CIFAR's files: byte-string keys, uint8 rows
        out = {key.encode(): value for key, value in record.items()}
        out[b"data"] = np.asarray(record["data"], np.uint8)
        return pickle.dumps(out, protocol=4)  # bytes as bytes (protocol 2 needs _codecs)

    folder = os.path.join(data, "cifar-10-batches-py-target", "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for i, name in enumerate(names):
        draw = np.random.default_rng(100 + i)
        record = {"data": draw.integers(0, 256, (10000, 3072), dtype=np.uint8),
                  "labels": draw.integers(0, 10, 10000).tolist()}
        with open(os.path.join(folder, name), "wb") as f:
            f.write(batch(record))
    folder = os.path.join(data, "cifar-100-python-target", "cifar-100-python")
    os.makedirs(folder, exist_ok=True)
    for name, record in zip(("train", "test"), src["cifar100"]):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(batch(record))
    for name in ("imdb_word_index.json", "reuters_word_index.json"):
        with open(os.path.join(data, name), "w", encoding="utf-8") as f:
            json.dump(src["word_index"], f)
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = mnist[f"x_{split}"].tobytes()
        labels = mnist[f"y_{split}"].tobytes()
        for kind, header, body in (("images-idx3", b"\0" * 16, images),
                                   ("labels-idx1", b"\0" * 8, labels)):
            with gzip.open(os.path.join(data, "fashion-mnist",
                                        f"{prefix}-{kind}-ubyte.gz"), "wb") as f:
                f.write(header + body)


CASES = [
    ("imdb", {}), ("imdb", {"num_words": 20}), ("imdb", {"num_words": 25, "skip_top": 6}),
    ("imdb", {"maxlen": 9, "seed": 5}), ("imdb", {"start_char": None, "index_from": 0}),
    ("imdb", {"oov_char": None, "num_words": 15}), ("imdb", {"start_char": None}),
    ("reuters", {}), ("reuters", {"test_split": 0.5, "seed": 1}),
    ("reuters", {"num_words": 18, "skip_top": 4, "maxlen": 8}),
    ("reuters", {"oov_char": None, "num_words": 30, "index_from": 1}),
    ("mnist", {}), ("fashion_mnist", {}), ("boston_housing", {}),
    ("boston_housing", {"test_split": 0.3, "seed": 2}),
    ("california_housing", {}), ("california_housing", {"version": "small", "seed": 3}),
    ("cifar10", {}), ("cifar100", {}), ("cifar100", {"label_mode": "coarse"}),
]


def plain(a):
    """An array as the JSON holds it: an object array's lists; a large array's SHA-256 (of
    its C-ordered bytes) instead of its values."""
    a = np.asarray(a)
    if a.dtype == object:
        return {"object": [list(map(int, v)) for v in a]}
    record = {"dtype": str(a.dtype), "shape": list(a.shape)}
    if a.size > 1000:
        record["sha256"] = hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
    else:
        record["values"] = a.tolist()
    return record


def main() -> None:
    import keras
    from keras.src.datasets import (
        boston_housing,
        california_housing,
        cifar10,
        cifar100,
        fashion_mnist,
        imdb,
        mnist,
        reuters,
    )

    src = sources()
    root = tempfile.mkdtemp()
    write_files(src, root)

    def get_file(fname=None, origin=None, cache_subdir="datasets", **kwargs):
        return os.path.join(root, cache_subdir, fname)

    modules = {"imdb": imdb, "reuters": reuters, "mnist": mnist,
               "fashion_mnist": fashion_mnist, "boston_housing": boston_housing,
               "california_housing": california_housing, "cifar10": cifar10,
               "cifar100": cifar100}
    for module in modules.values():
        module.get_file = get_file
    records = []
    for name, kwargs in CASES:
        (x_train, y_train), (x_test, y_test) = modules[name].load_data(**kwargs)
        records.append({"loader": name, "kwargs": kwargs,
                        "result": [plain(a) for a in (x_train, y_train, x_test, y_test)]})
    word_index = imdb.get_word_index()
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"keras_version": keras.__version__, "sources": src, "cases": records,
                   "word_index": word_index,
                   "reuters_labels": list(reuters.get_label_names())}, f)
    print(len(records), "cases")


if __name__ == "__main__":
    main()
