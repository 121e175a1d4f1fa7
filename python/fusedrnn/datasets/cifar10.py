"""``keras.datasets.cifar10``: 50,000 + 10,000 32x32 colour images (uint8) in 10 classes,
from the batches Keras extracted into ``datasets/cifar-10-batches-py-target``."""

from __future__ import annotations

import os

import numpy as np

from ._cifar import channels_last, extracted, load_batch

__all__ = ["load_data"]


def load_data():
    """``(x_train, y_train), (x_test, y_test)`` as Keras's ``cifar10.load_data``: images
    (n, 32, 32, 3), labels (n, 1), uint8."""
    folder = os.path.join(extracted("cifar-10-batches-py-target",
                              "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"),
                    "cifar-10-batches-py")
    parts = [load_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(y) for _, y in parts]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(folder, "test_batch"))
    return channels_last(x_train, y_train, np.asarray(x_test).astype(x_train.dtype),
                         np.asarray(y_test).astype(y_train.dtype))
