"""Keras 3's dtype names and its type promotion (``keras.backend.standardize_dtype`` and
``result_type``), as its TensorFlow backend has them: Python's ``int`` is int64, ``float``
float32, ``complex`` complex128; float32 is floatx.

Promotion follows Keras's lattice (JAX's): each type points to the types just above it, a
Python ``int`` or ``float`` among arrays is a *weak* type that takes the arrays' width, and the
result is the least upper bound of the arguments on that lattice.
"""

from __future__ import annotations

import functools

ALLOWED = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8",
           "int16", "int32", "int64", "bfloat16", "bool", "string", "float8_e4m3fn",
           "float8_e5m2", "complex64", "complex128")
_FLOAT8 = ("float8_e4m3fn", "float8_e5m2")
_PYTHON = {bool: "bool", int: "int64", float: "float32", str: "string", "int": "int64",
           complex: "complex128"}
_FLOATX = "float32"

# each type -> the types just above it; "int" and "float" are the weak (Python) types
_ABOVE = {
    "bool": ("int",),
    "uint8": ("int16", "uint16"), "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"), "uint64": ("float",),
    "int": ("uint8", "int8", "complex64"),
    "int8": ("int16",), "int16": ("int32",), "int32": ("int64",), "int64": ("float",),
    "float": ("bfloat16", "float16"),
    "bfloat16": ("float32",), "float16": ("float32",),
    "float32": ("float64", "complex64"), "float64": ("complex128",),
    "complex64": ("complex128",), "complex128": (),
}


def _closure(node: str) -> frozenset:
    seen, todo = {node}, [node]
    while todo:
        for up in _ABOVE[todo.pop()]:
            if up not in seen:
                seen.add(up)
                todo.append(up)
    return frozenset(seen)


_UPPER = {node: _closure(node) for node in _ABOVE}


def standardize_dtype(dtype) -> str:
    """A dtype's Keras name: None is floatx, Python types and NumPy dtypes (or types) by
    name; ValueError for anything Keras does not have."""
    if dtype is None:
        return _FLOATX
    try:
        dtype = _PYTHON.get(dtype, dtype)
    except TypeError:  # unhashable
        raise ValueError(f"Invalid dtype: {dtype}") from None
    if hasattr(dtype, "name"):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    if not isinstance(dtype, str) or dtype not in ALLOWED:
        raise ValueError(f"Invalid dtype: {dtype}")
    return dtype


@functools.lru_cache(256)
def _least_upper_bound(*nodes: str) -> str:
    unknown = [n for n in nodes if n not in _UPPER]
    if unknown:
        raise ValueError(f"dtype={unknown[0]!r} is not a valid dtype for Keras type promotion.")
    common = frozenset.intersection(*(_UPPER[n] for n in nodes))
    least = (common & set(nodes)) or {c for c in common if common <= _UPPER[c]}
    if len(least) != 1:
        raise ValueError(f"Input dtypes {tuple(nodes)} have no available implicit dtype "
                         f"promotion path. Try explicitly casting inputs to the desired "
                         f"output type.")
    return next(iter(least))


def _weak(dtype: str) -> str:
    """The weak type of a Python scalar's dtype."""
    if dtype == "bool":
        return dtype
    for kind in ("float", "int", "complex"):
        if kind in dtype:
            return kind
    raise ValueError(f"Invalid value for argument `dtype`. Expected one of {ALLOWED}. "
                     f"Received: dtype={dtype}")


def _resolve_weak(dtype: str) -> str:
    """A weak result at floatx's precision (32 bits)."""
    kind = "f" if dtype == "bfloat16" else dtype[:1]
    return {"b": "bool", "i": "int32", "u": "uint32"}.get(kind, "float32")


def result_type(*dtypes) -> str:
    """``keras.backend.result_type``: the dtype an operation on these dtypes gives."""
    if not dtypes:
        return _FLOATX
    if any(d in _FLOAT8 for d in dtypes if isinstance(d, str)):
        raise ValueError(f"There is no implicit conversions from float8 dtypes to others. You "
                         f"must cast it internally. Received: {dtypes}")
    args = [_FLOATX if d is None else d for d in dtypes]
    names = [standardize_dtype(a) for a in args]
    weak = [a is int or a is float for a in args]
    if len(names) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(*sorted(set(names))), True
    else:
        out = _least_upper_bound(*sorted({_weak(n) if w else n for n, w in zip(names, weak)}))
        out_weak = out in ("int", "float")
    if out != "bool" and out_weak:
        out = _resolve_weak(out)
    return {"uint64": "uint32", "complex128": "complex64"}.get(out, out)
