"""Record what Keras 3's ``keras.datasets`` loaders make of small synthetic cache files, for
tests/test_datasets.py: imdb and reuters (shuffles, index shifts, maxlen, num_words,
skip_top, oov_char None, test_split), mnist, fashion_mnist and boston_housing.

NOT run by CI and not collected by pytest. It needs Keras 3::

    /tmp/tfenv/bin/python tests/golden/generate_datasets_golden.py

The synthetic files (``sources``: made here from a seeded generator) are written to a
temporary directory, Keras's ``get_file`` is pointed there, and each call's result is
recorded. Writes tests/data/golden/datasets.json: the sources and, per case, the loader, its
arguments and Keras's arrays (object arrays as lists of lists).
"""

from __future__ import annotations

import gzip
import json
import os
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
]


def _plain(a):
    a = np.asarray(a)
    if a.dtype == object:
        return {"object": [list(map(int, v)) for v in a]}
    return {"values": a.tolist(), "dtype": str(a.dtype), "shape": list(a.shape)}


def main() -> None:
    import keras
    from keras.src.datasets import boston_housing, fashion_mnist, imdb, mnist, reuters

    src = sources()
    root = tempfile.mkdtemp()
    write_files(src, root)

    def get_file(fname=None, origin=None, cache_subdir="datasets", **kwargs):
        return os.path.join(root, cache_subdir, fname)

    modules = {"imdb": imdb, "reuters": reuters, "mnist": mnist,
               "fashion_mnist": fashion_mnist, "boston_housing": boston_housing}
    for module in modules.values():
        module.get_file = get_file
    records = []
    for name, kwargs in CASES:
        (x_train, y_train), (x_test, y_test) = modules[name].load_data(**kwargs)
        records.append({"loader": name, "kwargs": kwargs,
                        "result": [_plain(a) for a in (x_train, y_train, x_test, y_test)]})
    word_index = imdb.get_word_index()
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"keras_version": keras.__version__, "sources": src, "cases": records,
                   "word_index": word_index,
                   "reuters_labels": list(reuters.get_label_names())}, f)
    print(len(records), "cases")


if __name__ == "__main__":
    main()
