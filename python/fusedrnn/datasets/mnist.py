"""``keras.datasets.mnist``: 60,000 + 10,000 28x28 digit images (uint8) and their labels,
from Keras's cached ``mnist.npz``."""

from __future__ import annotations

import numpy as np

from ._files import cached

__all__ = ["load_data"]


def load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)`` as Keras's ``mnist.load_data``."""
    with np.load(cached(path), allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
