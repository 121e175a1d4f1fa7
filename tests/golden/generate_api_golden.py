"""Record Keras 3's answers of its small API functions for tests/test_api_modules.py:
``keras.backend.standardize_dtype``, ``result_type`` (every pair of a list of dtypes and
Python types, and some triples), ``is_float_dtype`` / ``is_int_dtype``, and the kernels of the
STFT initializer.

NOT run by CI and not collected by pytest. It needs TensorFlow, Keras 3 and SciPy::

    /tmp/tfenv/bin/python tests/golden/generate_api_golden.py

Writes tests/data/golden/api_modules.json. A dtype argument is written as a string: a Keras
name as itself, ``"py:int"`` for Python's ``int`` (and float, bool, str, complex), ``"np:X"``
for NumPy's scalar type X, ``"dtype:X"`` for ``np.dtype(X)``, ``null`` for None.
"""

from __future__ import annotations

import itertools
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "api_modules.json")

NAMES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
         "bfloat16", "float16", "float32", "float64", "complex64", "complex128"]
PYTHON = ["py:int", "py:float", "py:bool"]


def decode(spec):
    if spec is None:
        return None
    if spec.startswith("py:"):
        return {"int": int, "float": float, "bool": bool, "str": str,
                "complex": complex}[spec[3:]]
    if spec.startswith("np:"):
        return getattr(np, spec[3:])
    if spec.startswith("dtype:"):
        return np.dtype(spec[6:])
    return spec


def answer(fn, *args):
    try:
        return fn(*(decode(a) for a in args))
    except ValueError:
        return "error"


def main() -> None:
    import keras

    backend = keras.backend
    standardize = [None, "py:int", "py:float", "py:bool", "py:str", "py:complex", "int",
                   "float32", "np:float32", "np:int16", "np:bool_", "dtype:uint8",
                   "dtype:float64", "dtype:complex64", "string", "float8_e4m3fn", "float",
                   "double", "str", "object", "dtype:object", "np:str_"]
    pairs = [[a, b] for a, b in itertools.product(NAMES + PYTHON + [None], repeat=2)]
    triples = [["int8", "uint8", "py:float"], ["py:int", "py:float", "py:bool"],
               ["bool", "py:int", "float16"], ["uint64", "int64", "int8"],
               ["bfloat16", "float16", "py:int"], ["complex64", "float64", "int8"],
               ["float8_e5m2", "float32"], []]
    kernels = []
    for side, window, scaling, periodic, shape in (
            ("real", "hann", "density", False, (16, 1, 9)),
            ("imag", "hann", "density", True, (16, 1, 9)),
            ("real", "hamming", "spectrum", False, (10, 1, 6)),
            ("imag", None, None, False, (8, 1, 5)),
            ("real", "blackman", None, True, (12, 2, 7))):
        init = keras.initializers.STFT(side, window, scaling, periodic)
        kernels.append({"side": side, "window": window, "scaling": scaling,
                        "periodic": periodic, "shape": list(shape),
                        "kernel": np.asarray(init(shape)).tolist()})
    record = {
        "keras_version": keras.__version__,
        "standardize_dtype": [[s, answer(backend.standardize_dtype, s)] for s in standardize],
        "result_type": [[args, answer(backend.result_type, *args)]
                        for args in pairs + triples],
        "is_float_dtype": [[s, answer(backend.is_float_dtype, s)] for s in standardize],
        "is_int_dtype": [[s, answer(backend.is_int_dtype, s)] for s in standardize],
        "stft": kernels,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(record, f)
    print(len(record["result_type"]), "result types")


if __name__ == "__main__":
    main()
