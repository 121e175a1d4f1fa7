"""The CIFAR batches Keras extracts into its cache: pickled dicts (Python 2's, byte-string
keys) of uint8 rows of 3x32x32 pixels and their labels."""

from __future__ import annotations

import numpy as np

from ..utils import get_file
from ._files import ArraysOnly


def extracted(dirname: str, origin: str) -> str:
    """The folder Keras extracted a CIFAR archive into."""
    return get_file(dirname, origin=origin, extract=True)


def load_batch(path: str, label_key: str = "labels") -> tuple[np.ndarray, list]:
    """(images (n, 3, 32, 32), labels) of one pickled batch, unpickling arrays only."""
    with open(path, "rb") as f:
        batch = ArraysOnly(f, encoding="bytes").load()
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data = batch["data"]
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def channels_last(x_train, y_train, x_test, y_test):
    """As Keras returns them with its default image format: labels (n, 1), images NHWC."""
    return ((x_train.transpose(0, 2, 3, 1), np.reshape(y_train, (len(y_train), 1))),
            (x_test.transpose(0, 2, 3, 1), np.reshape(y_test, (len(y_test), 1))))
