"""Record Keras 3's results of the keras.ops functions fusedrnn added in session 19
(one_hot, logsumexp, norm, dot, sort, argsort, stop_gradient, slice, arange, top_k, split,
cond) for tests/test_operations.py.

NOT run by CI and not collected by pytest. It needs Keras 3::

    /tmp/tfenv/bin/python tests/golden/generate_ops_golden.py

Writes tests/data/golden/ops_more.json: per case the function, its arguments (arrays as
lists) and Keras's result(s) with their dtypes.
"""

from __future__ import annotations

import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "ops_more.json")


def cases(rng):
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    ties = np.array([[1.0, 3.0, 3.0, 2.0], [0.5, 0.5, -1.0, 4.0]], np.float32)
    return [
        ("one_hot", [np.array([[0, 2], [3, -1]])], {"num_classes": 4}),
        ("one_hot", [np.array([1, 5, 2])], {"num_classes": 3, "axis": 0}),
        ("logsumexp", [x], {"axis": -1}),
        ("logsumexp", [x], {"axis": (0, 2), "keepdims": True}),
        ("logsumexp", [np.array([-np.inf, -np.inf], np.float32)], {}),
        ("norm", [x], {"axis": -1}),
        ("norm", [x[0]], {}),
        ("norm", [x], {"ord": 1, "axis": 1, "keepdims": True}),
        ("dot", [x[0], rng.standard_normal((4, 2)).astype(np.float32)], {}),
        ("dot", [x[0, 0], x[1, 1]], {}),
        ("sort", [x], {}),
        ("sort", [ties], {"axis": 0}),
        ("argsort", [ties], {}),
        ("argsort", [x], {"axis": 1}),
        ("stop_gradient", [x], {}),
        ("slice", [x], {"start_indices": [1, 0, 1], "shape": [1, 2, 3]}),
        ("arange", [5], {}),
        ("arange", [1.0, 2.5, 0.5], {}),
        ("top_k", [ties], {"k": 2}),
        ("top_k", [x], {"k": 3}),
        ("split", [x], {"indices_or_sections": 2, "axis": 2}),
        ("split", [x], {"indices_or_sections": [1], "axis": 1}),
    ]


def main() -> None:
    import keras

    out = []
    for name, args, kwargs in cases(np.random.default_rng(19)):
        result = getattr(keras.ops, name)(*args, **kwargs)
        results = list(result) if isinstance(result, (tuple, list)) else [result]
        results = [np.asarray(r) for r in results]
        out.append({"name": name, "args": [np.asarray(a).tolist() for a in args],
                    "arg_dtypes": [str(np.asarray(a).dtype) for a in args], "kwargs": kwargs,
                    "results": [r.tolist() for r in results],
                    "dtypes": [str(r.dtype) for r in results], "several": isinstance(
                        result, (tuple, list))})
        print(name, kwargs, [r.shape for r in results], [str(r.dtype) for r in results])
    with open(OUT, "w") as f:
        json.dump({"keras_version": keras.__version__, "cases": out}, f)


if __name__ == "__main__":
    main()
