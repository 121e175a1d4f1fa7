"""Record what Keras 3's StringLookup and IntegerLookup make of some tokens, for
tests/test_text.py.

NOT run by CI and not collected by pytest. It needs TensorFlow and Keras 3::

    /tmp/tfenv/bin/python tests/golden/generate_lookup_golden.py

For each configuration it adapts a layer to DATA (or gives it the configuration's
vocabulary), then writes its vocabulary and its outputs for INPUTS (and, for int mode, the
inverse layer's strings for the ids) to tests/data/golden/lookup.json.
"""

from __future__ import annotations

import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "lookup.json")

STRINGS = [["a", "b", "a", "c"], ["c", "c", "d", ""], ["é", "a", "b", "b"], ["b", "", "", "a"]]
STRING_INPUTS = [["a", "z", "c", ""], ["é", "b", "unknown", "d"]]
INTEGERS = [[1, 2, 1, 3], [3, 3, 4, 0], [7, 1, 2, 2], [2, 0, 0, 1]]
INTEGER_INPUTS = [[1, 9, 3, 0], [7, 2, -5, 4]]


def configs():
    out = []
    for mask in (None, "", "[PAD]"):
        for oov in (0, 1):
            out.append(("string", f"mask{mask!r}-oov{oov}",
                        {"mask_token": mask, "num_oov_indices": oov}))
    for mode in ("multi_hot", "count", "tf_idf", "one_hot"):
        out.append(("string", mode, {"output_mode": mode}))
    out += [
        ("string", "max4", {"max_tokens": 4}),
        ("string", "max5-mask", {"max_tokens": 5, "mask_token": ""}),
        ("string", "count-pad", {"output_mode": "count", "max_tokens": 8,
                                 "pad_to_max_tokens": True}),
        ("string", "vocabulary", {"vocabulary": ["c", "a", "é"]}),
        ("string", "vocabulary-oov-token", {"vocabulary": ["a", "b"], "oov_token": "?"}),
        ("integer", "default", {}),
        ("integer", "mask0", {"mask_token": 0}),
        ("integer", "oov0", {"num_oov_indices": 0, "vocabulary": [1, 2, 3, 7]}),
        ("integer", "multi_hot", {"output_mode": "multi_hot"}),
        ("integer", "vocabulary", {"vocabulary": [3, 1, 7]}),
    ]
    return out


def main() -> None:
    import keras
    import tensorflow as tf

    cases = []
    for kind, name, kwargs in configs():
        cls = keras.layers.StringLookup if kind == "string" else keras.layers.IntegerLookup
        data, inputs = (STRINGS, STRING_INPUTS) if kind == "string" else (INTEGERS,
                                                                        INTEGER_INPUTS)
        layer = cls(**kwargs)
        if "vocabulary" not in kwargs:
            layer.adapt(tf.constant(data))
        mode = kwargs.get("output_mode", "int")
        # one_hot takes one token per sample
        x = tf.constant([row[0] for row in inputs]) if mode == "one_hot" else tf.constant(inputs)
        try:
            y = np.asarray(layer(x))
            error = None
        except Exception as exc:  # Keras refuses it: the test expects an error too
            y, error = None, type(exc).__name__
        config = {k: v for k, v in layer.get_config().items() if k != "dtype"}
        case = {"kind": kind, "name": name, "kwargs": kwargs, "config": config,
                "vocabulary": [v if isinstance(v, str) else int(v)
                               for v in layer.get_vocabulary()],
                "error": error}
        if y is not None:
            case.update(dtype=str(y.dtype), y=y.tolist())
            if mode == "int" and error is None:
                inverse = cls(**{**kwargs, "vocabulary": layer.get_vocabulary(),
                                 "invert": True})
                back = np.asarray(inverse(tf.constant(y)))
                case["inverse"] = [[v.decode() if isinstance(v, bytes) else int(v)
                                    for v in row] for row in back.tolist()]
        cases.append(case)
        print(kind, name, None if y is None else y.shape, error)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"keras_version": keras.__version__, "strings": STRINGS,
                   "string_inputs": STRING_INPUTS, "integers": INTEGERS,
                   "integer_inputs": INTEGER_INPUTS, "cases": cases}, f,
                  ensure_ascii=False, indent=0)


if __name__ == "__main__":
    main()
