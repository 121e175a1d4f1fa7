"""``keras.datasets.fashion_mnist``: 60,000 + 10,000 28x28 clothing images (uint8) and their
labels, from the four IDX files Keras caches in ``datasets/fashion-mnist``."""

from __future__ import annotations

import gzip
import os

import numpy as np

from ._files import cached

__all__ = ["load_data"]

_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def _read(fname: str, offset: int) -> np.ndarray:
    with gzip.open(cached(fname, cache_subdir=os.path.join("datasets", "fashion-mnist")),
                   "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """``(x_train, y_train), (x_test, y_test)`` as Keras's ``fashion_mnist.load_data``."""
    y_train, x_train, y_test, x_test = (_read(name, 16 if "images" in name else 8)
                                        for name in _FILES)
    return ((x_train.reshape(len(y_train), 28, 28), y_train),
            (x_test.reshape(len(y_test), 28, 28), y_test))
