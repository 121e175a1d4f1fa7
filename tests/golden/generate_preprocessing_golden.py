"""Record what Keras computes for its preprocessing utilities, for tests/test_preprocessing.py:
Keras 2's ``Tokenizer`` (tf_keras: fit, to_json, texts_to_sequences, sequences_to_texts,
texts_to_matrix in every mode), ``text_to_word_sequence``, ``hashing_trick`` (md5), and Keras
3's ``pad_sequences``, ``to_categorical``, ``normalize`` and ``timeseries_dataset_from_array``,
on random inputs.

NOT run by CI and not collected by pytest. It needs TensorFlow, Keras 3 and tf_keras::

    /tmp/tfenv/bin/python tests/golden/generate_preprocessing_golden.py

Writes tests/data/golden/preprocessing.json.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "preprocessing.json")
WORDS = ["the", "The", "cat", "CAT", "dog", "sat", "on", "mat", "a", "ran", "über", "naïve",
         "x", "y", "it's", "don't", "e-mail", "well,", "end.", "(aside)", "#tag", "@you",
         "1", "22", "3.5"]
SEPARATORS = [" ", " ", " ", "  ", ", ", "! ", "\t", "\n", "; ", " - "]


def texts(rng, n):
    out = []
    for _ in range(n):
        k = int(rng.integers(0, 12))
        parts = []
        for _ in range(k):
            parts.append(WORDS[int(rng.integers(len(WORDS)))])
            parts.append(SEPARATORS[int(rng.integers(len(SEPARATORS)))])
        out.append("".join(parts))
    return out


def tokenizer_cases(rng):
    from tf_keras.preprocessing.text import (
        Tokenizer,
        hashing_trick,
        text_to_word_sequence,
        tokenizer_from_json,
    )

    settings = [
        {},
        {"num_words": 6},
        {"num_words": 6, "oov_token": "<OOV>"},
        {"oov_token": "[UNK]", "lower": False},
        {"char_level": True},
        {"char_level": True, "num_words": 10, "oov_token": "?"},
        {"filters": "", "split": " "},
        {"filters": ".,", "lower": False, "split": ","},
        {"num_words": 1, "oov_token": "<OOV>"},
    ]
    cases = []
    for i, kwargs in enumerate(settings):
        fit = texts(rng, 12)
        new = texts(rng, 6)
        tok = Tokenizer(**kwargs)
        tok.fit_on_texts(fit)
        if i == 2:  # fitting on lists of words, and fitting twice
            tok.fit_on_texts([["Cat", "new", "words"], ["new"]])
        seqs = tok.texts_to_sequences(new)
        case = {"kwargs": kwargs, "fit": fit, "new": new, "json": tok.to_json(),
                "sequences": seqs, "texts": tok.sequences_to_texts(seqs + [[1, 2, 3, 99]]),
                "matrices": {mode: tok.texts_to_matrix(new, mode=mode).tolist()
                             for mode in ("binary", "count", "freq", "tfidf")}}
        # The saved tokenizer, read back, gives the same sequences.
        assert tokenizer_from_json(case["json"]).texts_to_sequences(new) == seqs
        cases.append(case)
    words = [{"text": t, "kwargs": kw, "words": text_to_word_sequence(t, **kw)}
             for t in texts(rng, 5) for kw in ({}, {"lower": False}, {"filters": "", "split": "a"})]
    hashed = [{"text": t, "n": n, "indices": hashing_trick(t, n, hash_function="md5")}
              for t in texts(rng, 4) for n in (2, 7, 1000)]
    return cases, words, hashed


def pad_cases(rng):
    import keras

    cases = []
    for _ in range(24):
        n = int(rng.integers(0, 6))
        step = [] if rng.random() < 0.7 else [int(rng.integers(1, 3))]
        seqs = [rng.integers(1, 50, size=[int(rng.integers(0, 7)), *step]).tolist()
                for _ in range(n)]
        kwargs = {"padding": str(rng.choice(["pre", "post"])),
                  "truncating": str(rng.choice(["pre", "post"]))}
        if rng.random() < 0.6:
            kwargs["maxlen"] = int(rng.integers(1, 6))
        if rng.random() < 0.3:
            kwargs["value"] = float(rng.choice([-1.0, 0.5, 7.0]))
        if rng.random() < 0.3:
            kwargs["dtype"] = str(rng.choice(["float32", "int64", "float64"]))
        if not any(len(s) for s in seqs) and "maxlen" not in kwargs:
            continue  # Keras's max of no lengths
        out = keras.utils.pad_sequences(seqs, **kwargs)
        cases.append({"sequences": seqs, "kwargs": kwargs, "out": out.tolist(),
                      "shape": list(out.shape), "dtype": str(out.dtype)})
    return cases


def categorical_cases(rng):
    import keras

    cases = []
    for shape in [(5,), (4, 1), (3, 2), (2, 3, 1)]:
        labels = rng.integers(0, 4, size=shape)
        for num in (None, 6):
            out = keras.utils.to_categorical(labels.tolist(), num)
            cases.append({"labels": labels.tolist(), "num_classes": num, "out": out.tolist(),
                          "shape": list(out.shape)})
    normalized = []
    for axis, order in [(-1, 2), (1, 1), (-1, np.inf), (2, 2)]:
        x = rng.normal(size=(3, 4, 5))
        x[0, 0] = 0.0
        normalized.append({"x": x.tolist(), "axis": axis, "order": None if order == np.inf
                           else order, "out": keras.utils.normalize(x, axis, order).tolist()})
    return cases, normalized


def timeseries_cases(rng):
    """Keras 3's timeseries_dataset_from_array (unshuffled): every batch's windows/targets."""
    import keras

    cases = []
    for _ in range(10):
        n = int(rng.integers(20, 60))
        data = rng.normal(size=(n, int(rng.integers(1, 3)))).round(3)
        kwargs = {"sequence_length": int(rng.integers(1, 6)),
                  "sequence_stride": int(rng.integers(1, 4)),
                  "sampling_rate": int(rng.integers(1, 4)),
                  "batch_size": int(rng.integers(1, 9))}
        if rng.random() < 0.5:
            kwargs["start_index"] = int(rng.integers(0, n // 3))
        if rng.random() < 0.5:
            kwargs["end_index"] = int(rng.integers(n // 2, n))
        targets = None if rng.random() < 0.3 else data[:, 0] * 10
        ds = keras.utils.timeseries_dataset_from_array(data, targets, **kwargs)
        batches = [[np.asarray(t).tolist() for t in b] if isinstance(b, tuple)
                   else np.asarray(b).tolist() for b in ds.as_numpy_iterator()]
        cases.append({"data": data.tolist(), "targets": None if targets is None
                      else targets.tolist(), "kwargs": kwargs, "batches": batches})
    return cases


def main():
    rng = np.random.default_rng(20261207)
    tokenizers, words, hashed = tokenizer_cases(rng)
    categorical, normalized = categorical_cases(rng)
    data = {"tokenizers": tokenizers, "words": words, "hashed": hashed,
            "pad_sequences": pad_cases(rng), "to_categorical": categorical,
            "normalize": normalized, "timeseries": timeseries_cases(rng)}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=0, ensure_ascii=False)
    print({k: len(v) for k, v in data.items()}, "->", OUT)


if __name__ == "__main__":
    main()
