"""``keras.datasets.cifar100``: 50,000 + 10,000 32x32 colour images in 100 fine or 20 coarse
classes, from the files Keras extracted into ``datasets/cifar-100-python-target``."""

from __future__ import annotations

import os

from ._cifar import channels_last, extracted, load_batch

__all__ = ["load_data"]


def load_data(label_mode="fine"):
    """``(x_train, y_train), (x_test, y_test)`` as Keras's ``cifar100.load_data``: images
    (n, 32, 32, 3), labels (n, 1) of ``label_mode`` "fine" or "coarse"."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: '
                         f"label_mode={label_mode}.")
    folder = os.path.join(extracted("cifar-100-python-target",
                              "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"),
                    "cifar-100-python")
    x_train, y_train = load_batch(os.path.join(folder, "train"), f"{label_mode}_labels")
    x_test, y_test = load_batch(os.path.join(folder, "test"), f"{label_mode}_labels")
    return channels_last(x_train, y_train, x_test, y_test)
