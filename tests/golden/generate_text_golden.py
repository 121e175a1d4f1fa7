"""Record what Keras 3's TextVectorization makes of some text, for tests/test_text.py.

NOT run by CI and not collected by pytest. It needs TensorFlow and Keras 3::

    /tmp/tfenv/bin/python tests/golden/generate_text_golden.py

For each configuration in CONFIGS it adapts a layer to CORPUS (or gives it the vocabulary of
the configuration), then writes its vocabulary and its outputs for INPUTS to
tests/data/golden/text_vectorization.json.
"""

from __future__ import annotations

import itertools
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "text_vectorization.json")

CORPUS = [
    "The quick brown fox. The lazy dog!", "the DOG barks; the fox runs", "Ünïcödé ÀBC àbc",
    "tabs\tand\nnew lines\r\nand  spaces", "e-mail: someone@example.com (a.b)", "",
    "rare", "x y z x y x", "naïve café Café CAFÉ", "émoji 🙂 🙂 and ﬁ ligature",
    "non\u00a0breaking\u2003em space", "quotes 'single' \"double\" `back`",
]
INPUTS = [
    "The fox and the DOG.", "", "unknown words only", "x x x y", "Café naïve 🙂",
    "tabs\tand\nnew", "non\u00a0breaking", "a.b someone@example.com", "   ", "THE THE the",
]


def configs():
    """(name, keyword arguments) of each layer."""
    out = []
    for standardize, split in itertools.product(
            [None, "lower_and_strip_punctuation", "lower", "strip_punctuation"],
            [None, "whitespace", "character"]):
        out.append((f"int-{standardize}-{split}",
                    {"standardize": standardize, "split": split}))
    for mode, ngrams, max_tokens in itertools.product(
            ["int", "multi_hot", "count", "tf_idf"], [None, 2, (1, 3)], [None, 9]):
        out.append((f"{mode}-ngrams{ngrams}-max{max_tokens}",
                    {"output_mode": mode, "ngrams": ngrams, "max_tokens": max_tokens}))
    out += [
        ("int-length4", {"output_sequence_length": 4}),
        ("int-length12-max6", {"output_sequence_length": 12, "max_tokens": 6}),
        ("multi_hot-pad", {"output_mode": "multi_hot", "max_tokens": 12,
                           "pad_to_max_tokens": True}),
        ("tf_idf-pad", {"output_mode": "tf_idf", "max_tokens": 12, "pad_to_max_tokens": True}),
        ("int-vocabulary", {"vocabulary": ["the", "fox", "dog", "café", "x"]}),
        ("count-vocabulary", {"output_mode": "count", "vocabulary": ["the", "fox", "y", "x"]}),
        ("tf_idf-vocabulary", {"output_mode": "tf_idf", "vocabulary": ["the", "fox", "x"],
                               "idf_weights": [0.5, 1.25, 2.0]}),
        ("int-vocabulary-specials", {"vocabulary": ["", "[UNK]", "fox", "the"]}),
    ]
    return out


def main() -> None:
    import keras
    import tensorflow as tf

    cases = []
    for name, kwargs in configs():
        layer = keras.layers.TextVectorization(**kwargs)
        if "vocabulary" not in kwargs:
            layer.adapt(CORPUS)
        y = np.asarray(layer(tf.constant(INPUTS)))
        cases.append({"name": name, "kwargs": kwargs, "vocabulary": layer.get_vocabulary(),
                      "dtype": str(y.dtype), "y": y.tolist()})
        print(name, y.shape, len(layer.get_vocabulary()))
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"keras_version": keras.__version__, "corpus": CORPUS, "inputs": INPUTS,
                   "cases": cases}, f, ensure_ascii=False, indent=0)


if __name__ == "__main__":
    main()
