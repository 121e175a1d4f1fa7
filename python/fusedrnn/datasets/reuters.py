"""``keras.datasets.reuters``: 11,228 newswires as word-index sequences labelled with one
of 46 topics, from Keras's cached ``reuters.npz``."""

from __future__ import annotations

import json

import numpy as np

from ._files import cached, cut_vocabulary, load_npz, shifted, shorter_than, shuffled

__all__ = ["get_label_names", "get_word_index", "load_data"]


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """``(x_train, y_train), (x_test, y_test)`` as Keras's ``reuters.load_data``: shuffled
    (``seed``), indices shifted as in ``imdb.load_data``, then the last ``test_split`` of them
    for testing."""
    f = load_npz(cached(path), ("x", "y"))
    xs, labels = shuffled(np.random.RandomState(seed), f["x"], f["y"])
    xs = shifted(xs, start_char, index_from)
    if maxlen:
        xs, labels = shorter_than(maxlen, xs, labels)
    xs = cut_vocabulary(xs, num_words, skip_top, oov_char)
    n = int(len(xs) * (1 - test_split))
    return ((np.array(xs[:n], dtype="object"), np.array(labels[:n])),
            (np.array(xs[n:], dtype="object"), np.array(labels[n:])))


def get_word_index(path="reuters_word_index.json") -> dict:
    """The word -> index dictionary of the dataset (indices before ``index_from``)."""
    with open(cached(path), encoding="utf-8") as f:
        return json.load(f)


def get_label_names() -> tuple[str, ...]:
    """The 46 topics, in the order of the labels."""
    return ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
            "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton",
            "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed",
            "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
            "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
            "dlr", "gas", "silver", "wpi", "hog", "lead")
