"""``keras.datasets.california_housing``: 20,640 districts' 8 features and median house
values, from Keras's cached ``california_housing.npz``."""

from __future__ import annotations

import numpy as np

from ._files import cached, shuffled

__all__ = ["load_data"]


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)`` as Keras's ``california_housing.load_data``:
    ``version="small"`` keeps the first 600 districts; shuffled (``seed``), the last
    ``test_split`` for testing."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         f"and 1 (exclusive of 1).")
    with np.load(cached(path), allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    elif version != "large":
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: "
                         f"version={version}")
    x, y = shuffled(np.random.RandomState(seed), x, y)
    n = int(len(x) * (1 - test_split))
    return (np.array(x[:n]), np.array(y[:n])), (np.array(x[n:]), np.array(y[n:]))
