"""``keras.datasets.boston_housing``: 506 houses' 13 features and prices, from Keras's cached
``boston_housing.npz``."""

from __future__ import annotations

import numpy as np

from ._files import cached, shuffled

__all__ = ["load_data"]


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)`` as Keras's ``boston_housing.load_data``:
    shuffled (``seed``), the last ``test_split`` for testing."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         f"and 1 (exclusive of 1).")
    with np.load(cached(path), allow_pickle=False) as f:
        x, y = shuffled(np.random.RandomState(seed), f["x"], f["y"])
    n = int(len(x) * (1 - test_split))
    return (np.array(x[:n]), np.array(y[:n])), (np.array(x[n:]), np.array(y[n:]))
