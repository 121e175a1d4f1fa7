"""``keras.datasets.imdb``: 25,000 + 25,000 movie reviews as word-index sequences, labelled
positive (1) or negative (0), from Keras's cached ``imdb.npz``."""

from __future__ import annotations

import json

import numpy as np

from ._files import cached, cut_vocabulary, load_npz, shifted, shorter_than, shuffled

__all__ = ["get_word_index", "load_data"]


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """``(x_train, y_train), (x_test, y_test)`` as Keras's ``imdb.load_data``: each split
    shuffled (one generator seeded by ``seed``, train first), word indices shifted by
    ``index_from`` after ``start_char``, sequences of ``maxlen`` steps or more dropped, words
    outside ``[skip_top, num_words)`` made ``oov_char``; x as object arrays of lists."""
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
    f = load_npz(cached(path), ("x_train", "y_train", "x_test", "y_test"))
    rng = np.random.RandomState(seed)
    x_train, labels_train = shuffled(rng, f["x_train"], f["y_train"])
    x_test, labels_test = shuffled(rng, f["x_test"], f["y_test"])
    x_train = shifted(x_train, start_char, index_from)
    x_test = shifted(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = shorter_than(maxlen, x_train, labels_train)
        x_test, labels_test = shorter_than(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             f"sequence was kept. Increase maxlen.")
    xs = cut_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    n = len(x_train)
    return ((np.array(xs[:n], dtype="object"), labels[:n]),
            (np.array(xs[n:], dtype="object"), labels[n:]))


def get_word_index(path="imdb_word_index.json") -> dict:
    """The word -> index dictionary of the dataset (indices before ``index_from``)."""
    with open(cached(path), encoding="utf-8") as f:
        return json.load(f)
