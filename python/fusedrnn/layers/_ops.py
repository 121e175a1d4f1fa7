"""Keras operations in functional graphs: ``keras.ops`` calls and tensor operators.

Keras 3 records every ``keras.ops`` call on a symbolic tensor as a node of the graph:
``h[:, -1]`` (GetItem), ``h * 2.0`` (Multiply), ``ops.mean(h, axis=1)`` (Mean), and also the
mask computations between layers (``not_equal`` for Embedding's ``mask_zero``, ``any`` for
Masking), which feed the next layer's ``mask`` argument. Keras 2 records TensorFlow functions
called on its tensors as ``TFOpLambda`` layers (``SlicingOpLambda`` for indexing).

:class:`KerasOperation` is one such node, run with NumPy (or CuPy). It is made by the Keras
functions of :mod:`fusedrnn.ops` and the operators of :class:`KerasTensor` when they get a
symbolic tensor, and by ``load_model`` from saved graphs. As in Keras, an operation's output
has no mask, and operations are not layers of the model: ``model.layers`` and the weights leave
them out. The summary shows them as Keras 2 shows its TFOpLambda layers, except those that only
compute masks.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .. import _backend
from ._base import (
    _ACTIVATIONS,
    KerasTensor,
    Layer,
    Node,
    _gelu,
    _log_softmax,
    _softmax,
    flatten,
    snake_case,
)
from ._core import _drop_mask


class _Spec(NamedTuple):
    compute: Callable  # (xp, *args, **params) -> array
    params: tuple[str, ...]  # the operation's config: Keras 3's constructor arguments


def _axis(axis):
    """An axis argument as NumPy takes it (saved configs hold tuples as lists)."""
    return tuple(axis) if isinstance(axis, list) else axis


def _function(name: str) -> Callable:
    """The array-module function ``name`` of the same arguments."""
    return lambda xp, *args: getattr(xp, name)(*args)


def _reduction(name: str) -> Callable:
    def compute(xp, x, axis=None, keepdims=False, **params):
        return getattr(xp, name)(xp.asarray(x), axis=_axis(axis), keepdims=keepdims, **params)

    return compute


def _extreme(name: str) -> Callable:
    def compute(xp, x, axis=None, keepdims=False, initial=None):
        extra = {} if initial is None else {"initial": initial}
        return getattr(xp, name)(xp.asarray(x), axis=_axis(axis), keepdims=keepdims, **extra)

    return compute


def _arg_extreme(name: str) -> Callable:
    def compute(xp, x, axis=None, keepdims=False):
        return getattr(xp, name)(xp.asarray(x), axis=axis, keepdims=keepdims).astype(np.int32)

    return compute


def _get_item(xp, x, key):
    if isinstance(key, list):  # a saved key (Keras 3 saves the tuple as a list)
        key = tuple(key)
    return xp.asarray(x)[key]


def _where(xp, condition, x1=None, x2=None):
    if x1 is None or x2 is None:
        raise ValueError("ops.where needs x1 and x2: fusedrnn does not compute the indices "
                         "form where(condition)")
    return xp.where(condition, x1, x2)


def _gelu_op(xp, x, approximate=True):
    x = xp.asarray(x)
    if not approximate:
        return _gelu(x)
    c = math.sqrt(2 / math.pi)
    return 0.5 * x * (1 + xp.tanh(c * (x + 0.044715 * x**3)))


def _matmul(xp, x1, x2, transpose_a=False, transpose_b=False):
    x1, x2 = xp.asarray(x1), xp.asarray(x2)
    return xp.matmul(xp.swapaxes(x1, -1, -2) if transpose_a else x1,
                     xp.swapaxes(x2, -1, -2) if transpose_b else x2)


def _one_hot(xp, x, num_classes, axis=-1, dtype=None):
    """tf.one_hot: a row of zeros for an index outside [0, num_classes)."""
    x = xp.asarray(x).astype(np.int64)
    out = (x[..., None] == xp.arange(int(num_classes))).astype(dtype or "float32")
    return out if axis in (-1, x.ndim) else xp.moveaxis(out, -1, axis)


def _logsumexp(xp, x, axis, keepdims):
    top = xp.max(x, axis=axis, keepdims=True)
    top = xp.where(xp.isfinite(top), top, 0)
    with np.errstate(divide="ignore"):  # all -inf: log(0) = -inf, as Keras gives
        out = xp.log(xp.sum(xp.exp(x - top), axis=axis, keepdims=True)) + top
    return out if keepdims else xp.squeeze(out, axis=axis)


def _slice(xp, x, start_indices, shape):
    """tf.slice: ``shape[i]`` values from ``start_indices[i]``, -1 for the rest of the axis;
    a start or size outside the axis is an error, not a shorter result."""
    x = xp.asarray(x)
    starts, sizes = [int(b) for b in start_indices], [int(n) for n in shape]
    if len(starts) != x.ndim or len(sizes) != x.ndim:
        raise ValueError(f"slice: start_indices and shape need one entry per axis of the "
                         f"input (rank {x.ndim}); got {starts} and {sizes}")
    index = []
    for axis, (b, n, dim) in enumerate(zip(starts, sizes, x.shape)):
        n = dim - b if n == -1 else n
        if b < 0 or n < 0 or b + n > dim:
            raise ValueError(f"slice: axis {axis} of size {dim} has no {sizes[axis]} values "
                             f"from index {b} (start_indices={starts}, shape={sizes})")
        index.append(slice(b, b + n))
    return x[tuple(index)]


def _floating(xp, x):
    """``x`` as an array of Keras's float type for it: float32 for ints and bools (Keras's
    ``result_type(x.dtype, float)``), its own float type otherwise."""
    x = xp.asarray(x)
    return x if x.dtype.kind in "fc" else x.astype(np.float32)


def _float_function(name: str) -> Callable:
    """A float function of float operands (ints computed as float32, as Keras does; NumPy
    gives float16 for int8, uint8 and bool)."""
    return lambda xp, *args: getattr(xp, name)(*(_floating(xp, a) for a in args))


def _bool_as_int32(xp, x):
    x = xp.asarray(x)
    return x.astype(np.int32) if x.dtype == np.bool_ else x


def _accumulate(name: str) -> Callable:
    """cumsum / cumprod in Keras's dtype: a small integer type keeps its width (and wraps, as
    TensorFlow's does), a bool counts in int32."""
    def compute(xp, x, axis=None, dtype=None):
        x = _bool_as_int32(xp, x)
        if dtype is None and x.dtype in (np.int8, np.int16, np.uint8, np.uint16):
            dtype = x.dtype
        return getattr(xp, name)(x, axis=axis, dtype=dtype)

    return compute


def _elementwise(fn: Callable) -> Callable:
    return lambda xp, x, **params: fn(xp, xp.asarray(x), **params)


_OPERATIONS: dict[str, _Spec] = {
    # keras.ops.numpy: one array-module function of the same operands
    **{name: _Spec(_function(function), ()) for name, function in {
        "Add": "add", "Subtract": "subtract", "Multiply": "multiply", "Divide": "divide",
        "TrueDivide": "true_divide", "FloorDivide": "floor_divide", "Mod": "mod",
        "Power": "power", "Negative": "negative", "Absolute": "absolute", "Sign": "sign",
        "Maximum": "maximum", "Minimum": "minimum",
        "Equal": "equal", "NotEqual": "not_equal", "Greater": "greater",
        "GreaterEqual": "greater_equal", "Less": "less", "LessEqual": "less_equal",
        "LogicalAnd": "logical_and", "LogicalOr": "logical_or", "LogicalXor": "logical_xor",
        "LogicalNot": "logical_not",
    }.items()},
    # float functions: ints and bools computed as float32, as Keras does (NumPy gives float16
    # for int8, uint8 and bool)
    **{name: _Spec(_float_function(function), ()) for name, function in {
        "Sqrt": "sqrt", "Exp": "exp", "Log": "log", "Tanh": "tanh", "Floor": "floor",
        "Ceil": "ceil"}.items()},
    # Keras squares a bool as int32
    "Square": _Spec(lambda xp, x: xp.square(_bool_as_int32(xp, x)), ()),
    # Keras 2's tf.matmul(a, b, transpose_b=True) too
    "Matmul": _Spec(_matmul, ("transpose_a", "transpose_b")),
    "Sum": _Spec(_reduction("sum"), ("axis", "keepdims")),
    "Mean": _Spec(_reduction("mean"), ("axis", "keepdims")),
    "Var": _Spec(_reduction("var"), ("axis", "keepdims")),
    "Std": _Spec(_reduction("std"), ("axis", "keepdims")),
    "Any": _Spec(_reduction("any"), ("axis", "keepdims")),
    "All": _Spec(_reduction("all"), ("axis", "keepdims")),
    "Prod": _Spec(_reduction("prod"), ("axis", "keepdims", "dtype")),
    "Max": _Spec(_extreme("max"), ("axis", "keepdims", "initial")),
    "Min": _Spec(_extreme("min"), ("axis", "keepdims", "initial")),
    "Argmax": _Spec(_arg_extreme("argmax"), ("axis", "keepdims")),
    "Argmin": _Spec(_arg_extreme("argmin"), ("axis", "keepdims")),
    "Cumsum": _Spec(_accumulate("cumsum"), ("axis", "dtype")),
    "Round": _Spec(lambda xp, x, decimals=0: xp.round(xp.asarray(x), decimals), ("decimals",)),
    # TensorFlow's order, min(x, x_max) then max(., x_min): x_min wins when x_min > x_max
    "Clip": _Spec(lambda xp, x, x_min, x_max: xp.maximum(xp.minimum(x, x_max), x_min),
                  ("x_min", "x_max")),
    "Reshape": _Spec(lambda xp, x, newshape: xp.reshape(x, _axis(newshape)), ("newshape",)),
    "Transpose": _Spec(lambda xp, x, axes=None: xp.transpose(x, _axis(axes)), ("axes",)),
    "ExpandDims": _Spec(lambda xp, x, axis: xp.expand_dims(x, _axis(axis)), ("axis",)),
    "Squeeze": _Spec(lambda xp, x, axis=None: xp.squeeze(x, _axis(axis)), ("axis",)),
    "Concatenate": _Spec(lambda xp, xs, axis=0: xp.concatenate(list(xs), axis=axis),
                         ("axis",)),
    "Stack": _Spec(lambda xp, xs, axis=0: xp.stack(list(xs), axis=axis), ("axis",)),
    "Repeat": _Spec(lambda xp, x, repeats, axis=None: xp.repeat(x, repeats, axis),
                    ("repeats", "axis")),
    "Tile": _Spec(lambda xp, x, repeats: xp.tile(x, _axis(repeats)), ("repeats",)),
    "Flip": _Spec(lambda xp, x, axis=None: xp.flip(x, _axis(axis)), ("axis",)),
    "Swapaxes": _Spec(lambda xp, x, axis1, axis2: xp.swapaxes(x, axis1, axis2),
                      ("axis1", "axis2")),
    "Take": _Spec(lambda xp, x, indices, axis=None: xp.take(x, xp.asarray(indices), axis),
                  ("axis",)),
    "Where": _Spec(_where, ()),
    "Einsum": _Spec(lambda xp, *operands, subscripts: xp.einsum(
        subscripts, *operands, optimize=True), ("subscripts",)),
    "GetItem": _Spec(_get_item, ()),
    "ZerosLike": _Spec(lambda xp, x, dtype=None: xp.zeros_like(x, dtype=dtype), ("dtype",)),
    "OnesLike": _Spec(lambda xp, x, dtype=None: xp.ones_like(x, dtype=dtype), ("dtype",)),
    # keras.ops.core
    "Cast": _Spec(lambda xp, x, dtype: xp.asarray(x).astype(dtype), ("dtype",)),
    # Attention hands on its query's mask through convert_to_tensor.
    "ConvertToTensor": _Spec(lambda xp, x, dtype=None, sparse=None, ragged=None:
                             xp.asarray(x, dtype=dtype), ("dtype", "sparse", "ragged")),
    # keras.ops.nn
    # the activations of the same name (keras.activations)
    **{name: _Spec(_elementwise(lambda xp, x, f=_ACTIVATIONS[activation]: f(x)), ())
       for name, activation in {"Sigmoid": "sigmoid", "Relu": "relu", "Silu": "silu",
                                "Softplus": "softplus", "HardSigmoid": "hard_sigmoid"}.items()},
    "Elu": _Spec(_elementwise(lambda xp, x, alpha=1.0: xp.where(
        x > 0, x, alpha * xp.expm1(xp.minimum(x, 0)))), ("alpha",)),
    "LeakyRelu": _Spec(_elementwise(lambda xp, x, negative_slope=0.2: xp.where(
        x > 0, x, negative_slope * x)), ("negative_slope",)),
    "Gelu": _Spec(_gelu_op, ("approximate",)),
    "Softmax": _Spec(_elementwise(lambda xp, x, axis=-1: _softmax(x, _axis(axis))), ("axis",)),
    # more of keras.ops used in layers written for Keras
    "OneHot": _Spec(lambda xp, x, num_classes, axis=-1, dtype=None, sparse=False: _one_hot(
        xp, x, num_classes, axis, dtype), ("num_classes", "axis", "dtype", "sparse")),
    "Logsumexp": _Spec(lambda xp, x, axis=None, keepdims=False: _logsumexp(
        xp, xp.asarray(x), _axis(axis), keepdims), ("axis", "keepdims")),
    "Norm": _Spec(lambda xp, x, ord=None, axis=None, keepdims=False: xp.linalg.norm(
        xp.asarray(x), ord=ord, axis=_axis(axis), keepdims=keepdims),
        ("ord", "axis", "keepdims")),
    "Dot": _Spec(_function("dot"), ()),
    "Sort": _Spec(lambda xp, x, axis=-1: xp.sort(xp.asarray(x), axis=axis), ("axis",)),
    "Argsort": _Spec(lambda xp, x, axis=-1: xp.argsort(xp.asarray(x), axis=axis,
                                                       kind="stable").astype(np.int32),
                     ("axis",)),
    "StopGradient": _Spec(lambda xp, x: xp.asarray(x), ()),
    # Keras's Slice keeps its shape as config, its start indices as an operand
    "Slice": _Spec(lambda xp, x, start_indices, shape: _slice(xp, x, start_indices, shape),
                   ("shape",)),
    "LogSoftmax": _Spec(_elementwise(lambda xp, x, axis=-1: _log_softmax(x, _axis(axis))),
                        ("axis",)),
}

def _more_operations() -> dict[str, _Spec]:
    """The operations of _ops_numpy, _ops_nn and _ops_math (the rest of keras.ops)."""
    from . import _ops_math, _ops_nn, _ops_numpy

    return {name: _Spec(*entry) for table in (_ops_numpy.OPERATIONS, _ops_nn.OPERATIONS,
                                              _ops_math.OPERATIONS)
            for name, entry in table.items()}


_OPERATIONS.update(_more_operations())

OPERATION_NAMES = frozenset(_OPERATIONS)


def _keras_modules() -> dict[str, str]:
    """The Keras module of each operation class (``keras.src.ops.nn``, ...): where Keras 3
    finds the class of an operation saved in a model file."""
    from . import _ops_nn

    modules = {name: "keras.src.ops.numpy" for name in _OPERATIONS}
    modules.update(dict.fromkeys(_ops_nn.OPERATIONS, "keras.src.ops.nn"))
    modules.update(dict.fromkeys(("Elu", "Gelu", "HardSigmoid", "LeakyRelu", "LogSoftmax",
                                  "Relu", "Sigmoid", "Silu", "Softmax", "Softplus", "OneHot"),
                                 "keras.src.ops.nn"))
    modules.update(dict.fromkeys(("Cast", "ConvertToTensor", "StopGradient", "Slice",
                                  "Scatter", "ScatterUpdate", "SliceUpdate", "SaturateCast",
                                  "Unstack"), "keras.src.ops.core"))
    modules.update(dict.fromkeys(
        ("Logsumexp", "Erf", "Erfc", "Erfinv", "Rsqrt", "SegmentSum", "SegmentProd",
         "SegmentMax", "SegmentMin", "InTopK", "Logdet", "CDist", "ExtractSequences", "FFT",
         "FFT2", "IFFT2", "RFFT", "IRFFT", "STFT", "ISTFT", "ViewAsComplex", "ViewAsReal"),
        "keras.src.ops.math"))
    modules.update(dict.fromkeys(
        ("Norm", "Cholesky", "CholeskyInverse", "Det", "Inv", "Eig", "Eigh", "LuFactor",
         "Lstsq", "Solve", "SolveTriangular", "SVD", "Qr", "MatrixRank", "Pinv"),
        "keras.src.ops.linalg"))
    return modules


# Operation class -> the Keras module that defines it (saving writes it as the "module").
OPERATION_MODULES = _keras_modules()


class _TFFunction(NamedTuple):
    """How Keras 2 saved a call of a TensorFlow function (a TFOpLambda layer): the operation
    it is, TensorFlow's names of its operands (the first is the saved input; the others are
    among the call's arguments), and TensorFlow's names of its parameters -> the operation's
    (with TensorFlow's defaults where they differ from Keras 3's)."""

    operation: str
    operands: tuple[str, ...]
    params: dict = {}
    defaults: dict = {}


def _tf_functions() -> dict[str, _TFFunction]:
    binary = {"Add": ("__operators__.add", "math.add"), "Subtract": ("math.subtract",),
              "Multiply": ("math.multiply",), "TrueDivide": ("math.truediv", "math.divide"),
              "FloorDivide": ("math.floordiv",), "Mod": ("math.floormod",),
              "Power": ("math.pow",), "Maximum": ("math.maximum",),
              "Minimum": ("math.minimum",), "Equal": ("math.equal",),
              "NotEqual": ("math.not_equal",), "Greater": ("math.greater",),
              "GreaterEqual": ("math.greater_equal",), "Less": ("math.less",),
              "LessEqual": ("math.less_equal",), "LogicalAnd": ("math.logical_and",),
              "LogicalOr": ("math.logical_or",)}
    unary = {"Negative": "math.negative", "Absolute": "math.abs", "Square": "math.square",
             "Sqrt": "math.sqrt", "Exp": "math.exp", "Log": "math.log", "Tanh": "math.tanh",
             "Sigmoid": "math.sigmoid", "Sign": "math.sign", "Floor": "math.floor",
             "Ceil": "math.ceil", "LogicalNot": "math.logical_not"}
    activations = {"Relu": ("nn.relu",), "Softplus": ("nn.softplus", "math.softplus"),
                   "Silu": ("nn.silu", "nn.swish"), "Elu": ("nn.elu",)}
    reductions = {"Sum": "sum", "Mean": "mean", "Max": "max", "Min": "min", "Prod": "prod",
                  "Any": "any", "All": "all", "Std": "std", "Var": "variance"}
    axis, keep = {"axis": "axis"}, {"axis": "axis", "keepdims": "keepdims"}
    table = {
        "linalg.matmul": _TFFunction("Matmul", ("a", "b"), {"transpose_a": "transpose_a",
                                                              "transpose_b": "transpose_b"}),
        "nn.leaky_relu": _TFFunction("LeakyRelu", ("features",), {"alpha": "negative_slope"},
                                     {"negative_slope": 0.2}),
        "nn.gelu": _TFFunction("Gelu", ("features",), {"approximate": "approximate"},
                               {"approximate": False}),
        "math.argmax": _TFFunction("Argmax", ("input",), axis, {"axis": 0}),
        "math.argmin": _TFFunction("Argmin", ("input",), axis, {"axis": 0}),
        "math.cumsum": _TFFunction("Cumsum", ("x",), axis, {"axis": 0}),
        "concat": _TFFunction("Concatenate", ("values",), axis),
        "stack": _TFFunction("Stack", ("values",), axis),
        "expand_dims": _TFFunction("ExpandDims", ("input",), axis),
        "squeeze": _TFFunction("Squeeze", ("input",), axis),
        "compat.v1.squeeze": _TFFunction("Squeeze", ("input",), axis),
        "reshape": _TFFunction("Reshape", ("tensor",), {"shape": "newshape"}),
        "transpose": _TFFunction("Transpose", ("a",), {"perm": "axes"}),
        "compat.v1.transpose": _TFFunction("Transpose", ("a",), {"perm": "axes"}),
        "cast": _TFFunction("Cast", ("x",), {"dtype": "dtype"}),
        "clip_by_value": _TFFunction("Clip", ("t",), {"clip_value_min": "x_min",
                                                       "clip_value_max": "x_max"}),
        "tile": _TFFunction("Tile", ("input",), {"multiples": "repeats"}),
        "reverse": _TFFunction("Flip", ("tensor",), axis),
        "where": _TFFunction("Where", ("condition", "x", "y")),
        "zeros_like": _TFFunction("ZerosLike", ("input",), {"dtype": "dtype"}),
        "ones_like": _TFFunction("OnesLike", ("input",), {"dtype": "dtype"}),
        "__operators__.getitem": _TFFunction("GetItem", ("tensor", "slice_spec")),
    }
    for operation, names in binary.items():
        table.update({name: _TFFunction(operation, ("x", "y")) for name in names})
    for operation, name in unary.items():
        table[name] = _TFFunction(operation, ("x",))
    for operation, names in activations.items():
        table.update({name: _TFFunction(operation, ("features",)) for name in names})
    for name in ("nn.softmax", "math.softmax"):
        table[name] = _TFFunction("Softmax", ("logits",), axis, {"axis": -1})
    for name in ("nn.log_softmax", "math.log_softmax"):
        table[name] = _TFFunction("LogSoftmax", ("logits",), axis, {"axis": -1})
    for operation, name in reductions.items():
        table[f"math.reduce_{name}"] = _TFFunction(operation, ("input_tensor",), keep)
    return table


KERAS2_FUNCTIONS = _tf_functions()

# Arguments of TensorFlow functions that change nothing here.
_TF_IGNORED = ("name", "conjugate", "output_type")


def _slice_spec(spec):
    """Keras 2's saved index (``slice_spec``) as an index."""
    if isinstance(spec, list):
        return tuple(_slice_spec(s) for s in spec)
    if isinstance(spec, dict):
        if spec.get("class_name") == "__ellipsis__":
            return Ellipsis
        return slice(spec.get("start"), spec.get("stop"), spec.get("step"))
    return spec


def from_keras2(function: str, first, kwargs: dict) -> tuple[str, list, dict]:
    """A saved Keras 2 TFOpLambda call as (operation, operands, parameters): ``function`` is
    its TensorFlow function (``"math.reduce_mean"``), ``first`` its first operand, ``kwargs``
    the rest of the call's arguments."""
    spec = KERAS2_FUNCTIONS.get(function)
    if spec is None:
        raise ValueError(
            f"the saved model calls the TensorFlow function tf.{function} (a TFOpLambda "
            f"layer), which fusedrnn does not run (it runs "
            f"{', '.join('tf.' + name for name in sorted(KERAS2_FUNCTIONS))})"
        )
    kwargs = {k: v for k, v in kwargs.items() if k not in _TF_IGNORED}
    if spec.operands[0] == "values" and not isinstance(first, list):
        first = [first]
    operands = [first]
    for name in spec.operands[1:]:
        if name not in kwargs:
            raise ValueError(f"the saved call of tf.{function} lacks its argument {name!r}")
        operands.append(kwargs.pop(name))
    if spec.operation == "GetItem":
        operands[1] = _slice_spec(operands[1])
    unknown = sorted(set(kwargs) - set(spec.params))
    if unknown:
        raise ValueError(f"the saved call of tf.{function} has arguments {unknown}, which "
                         f"fusedrnn does not know")
    params = dict(spec.defaults)
    params.update({spec.params[k]: v for k, v in kwargs.items()})
    return spec.operation, operands, params


def _keras_dtype(result, operands):
    """The result with Keras's dtype: NumPy widens float32 with float64 Python scalars and
    gives int64 (uint64) indices or sums, where Keras stays in float32 and int32 (uint32)
    unless an operand array is 64-bit."""
    dtype = getattr(result, "dtype", None)
    if dtype is None or dtype.kind not in "fiu" or dtype.itemsize != 8:
        return result
    wide = any(getattr(a, "dtype", None) == dtype and getattr(a, "ndim", 0) > 0
               for a in _arrays(operands))
    if wide:
        return result
    return result.astype({"f": np.float32, "i": np.int32, "u": np.uint32}[dtype.kind])


def _arrays(value) -> list:
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _arrays(v)]
    return [value] if hasattr(value, "dtype") else []


def _on_module(value, xp):
    """NumPy constants of a saved graph moved to the operands' array module (CuPy)."""
    if isinstance(value, (list, tuple)):
        return type(value)(_on_module(v, xp) for v in value)
    if type(value) is np.ndarray:
        return xp.asarray(value)
    return value


def compute(class_name: str, args, params: dict):
    """Run the operation ``class_name`` eagerly on arrays (NumPy, or CuPy)."""
    device = next((a for a in _arrays(args) if _backend.is_cupy_array(a)), None)
    xp = np if device is None else _backend.array_module(device)
    if xp is not np:  # NumPy operands (a model's constants) join the CuPy ones
        args = _on_module(args, xp)
    result = _OPERATIONS[class_name].compute(xp, *args, **params)
    if params.get("dtype") is not None:  # asked for (cast(x, "float64"), full(..., dtype=))
        return result
    if isinstance(result, (list, tuple)):  # several outputs (moments, qr, array_split, ...)
        return type(result)(_keras_dtype(r, args) for r in result)
    return _keras_dtype(result, args)


# Sizes given to the unknown dimensions of symbolic operands, twice over: dimensions of the
# result that differ between the two runs are unknown. The batch gets its own small sizes (an
# operation that indexes a batch sample is rare, one that indexes a step is not). A third run
# with size 1 catches results that stop growing with the size (a slice h[:, 2:4] of an unknown
# length is unknown, as in Keras); where it fails or changes the rank, the first two decide.
_PROBE_SIZES = ((2, 7), (3, 11))
_SMALL_PROBE = (1, 1)


def _probe(value, sizes):
    if isinstance(value, KerasTensor):
        shape = tuple(d if d is not None else sizes[0] if i == 0 else sizes[1]
                      for i, d in enumerate(value.shape))
        return np.zeros(shape, dtype=value.dtype)
    if isinstance(value, (list, tuple)):
        return type(value)(_probe(v, sizes) for v in value)
    return value


# Operations whose output sizes depend on the input's values (the probes are zeros): their
# symbolic outputs have unknown sizes, as Keras gives them.
_DATA_DEPENDENT_SIZES = frozenset({"Unique", "Nonzero", "Bincount"})


def _output_spec(fn: Callable, args, what: str, several: bool = False):
    """The shape (None where unknown) and dtype of ``fn(*args)`` for symbolic ``args``, from
    runs on zero arrays that give the unknown sizes different values (_PROBE_SIZES). With
    ``several``, a function that returns a list or tuple of arrays gets a list of them."""
    if several:
        first = _probe_results(fn, args, what)[0]
        if isinstance(first, (list, tuple)):
            return [_output_spec(lambda *a, i=i: fn(*a)[i], args, f"{what} (output {i})")
                    for i in range(len(first))]
    results = []
    with np.errstate(all="ignore"):
        for sizes in _PROBE_SIZES:
            try:
                results.append(fn(*_probe(args, sizes)))
            except (ValueError, TypeError, IndexError, ZeroDivisionError) as exc:
                shapes = [t.shape for t in _symbolic(args)]
                raise ValueError(f"{what} cannot be applied to tensors of shapes {shapes}: "
                                 f"{exc}") from exc
    if any(isinstance(r, (list, tuple, dict)) for r in results):
        raise ValueError(f"{what} returns several tensors; fusedrnn takes one")
    first, second = (_backend.to_numpy(r) for r in results)
    if first.ndim != second.ndim:
        raise ValueError(f"{what} gives results of a rank that depends on the unknown sizes of "
                         f"its inputs")
    shape = tuple(a if a == b else None for a, b in zip(first.shape, second.shape))
    if any(d is None for t in _symbolic(args) for d in t.shape):
        with np.errstate(all="ignore"):
            try:
                small = np.shape(fn(*_probe(args, _SMALL_PROBE)))
            except Exception:  # any failure: the first two runs decide
                small = None
        if small is not None and len(small) == len(shape):
            shape = tuple(d if d == s else None for d, s in zip(shape, small))
    return shape, first.dtype.name


def _probe_results(fn: Callable, args, what: str) -> list:
    with np.errstate(all="ignore"):
        try:
            return [fn(*_probe(args, _PROBE_SIZES[0]))]
        except (ValueError, TypeError, IndexError, ZeroDivisionError) as exc:
            shapes = [t.shape for t in _symbolic(args)]
            raise ValueError(f"{what} cannot be applied to tensors of shapes {shapes}: "
                             f"{exc}") from exc


def _positional(class_name: str, args: tuple, kwargs: dict) -> list:
    """A call's operands in order: those given by keyword (``dot_product_attention``'s
    ``mask=``, as Keras saves them) put in their place, None for the ones left out."""
    if not kwargs:
        return list(args)
    parameters = list(inspect.signature(_OPERATIONS[class_name].compute).parameters.values())
    names = [p.name for p in parameters[1:]  # after xp
             if p.kind == p.POSITIONAL_OR_KEYWORD
             and p.name not in _OPERATIONS[class_name].params]
    unknown = sorted(set(kwargs) - set(names[len(args):]))
    if unknown:
        raise TypeError(f"the Keras operation {class_name} takes no call arguments "
                        f"{unknown}")
    last = max(names.index(k) for k in kwargs)
    defaults = {p.name: p.default for p in parameters[1:]}
    return [*args, *(kwargs.get(name, defaults.get(name)) for name in names[len(args):last + 1])]


class KerasOperation(Layer):
    """One Keras operation of a functional graph (see the module docstring). ``config``: the
    operation's parameters (Keras 3's op config) and optionally its ``name``."""

    _positional_inputs = True

    def __init__(self, class_name: str, config: dict | None = None,
                 type_name: str | None = None):
        config = dict(config or {})
        if class_name not in _OPERATIONS:
            raise ValueError(
                f"the saved model computes with the Keras operation {class_name!r}, which "
                f"fusedrnn does not run (it runs {', '.join(sorted(_OPERATIONS))})"
            )
        name = config.pop("name", None)
        unknown = sorted(set(config) - set(_OPERATIONS[class_name].params))
        if unknown:
            raise ValueError(
                f"the saved Keras operation {class_name} has parameters {unknown}, which "
                f"fusedrnn does not know"
            )
        if config.get("sparse") or config.get("ragged"):
            raise ValueError(f"the saved Keras operation {class_name} makes sparse or ragged "
                             f"tensors, which fusedrnn does not have")
        self.class_name = class_name
        self.type_name = type_name or class_name  # the summary's type: Keras 2's TFOpLambda
        super().__init__(name=name)
        self._op_params = config
        self._several = False  # whether it gives several tensors (moments, qr, split, ...)
        self.built = True
        self.supports_masking = False

    def _default_name(self) -> str:
        return snake_case(self.class_name)

    def __call__(self, *args, **kwargs):
        """A symbolic call: the operands may be tensors, lists of them, or constants."""
        kwargs.pop("training", None)
        args = _positional(self.class_name, args, kwargs)
        specs = _output_spec(
            lambda *probes: compute(self.class_name, probes, self._op_params), args,
            f"the Keras operation {self.class_name}", several=True)
        if self.class_name in _DATA_DEPENDENT_SIZES:  # sizes the zero probes cannot tell
            specs = ([(tuple(None for _ in shape), dtype) for shape, dtype in specs]
                     if isinstance(specs, list) else (tuple(None for _ in specs[0]), specs[1]))
        node = Node(self, list(args), {}, [])
        self._several = isinstance(specs, list)
        node.outputs = [KerasTensor(shape, dtype, node, i)
                        for i, (shape, dtype) in enumerate(specs if self._several else [specs])]
        self._inbound_nodes.append(node)
        return tuple(node.outputs) if self._several else node.outputs[0]

    def _multi_output(self) -> bool:
        return self._several

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        out = compute(self.class_name, list(inputs), self._op_params)
        if self._several:
            return list(out), [None] * len(out)
        return out, None

    def _output_masks(self, mask):
        return [None] * len(self._inbound_nodes[0].outputs) if self._several else None

    def count_params(self) -> int:
        return 0

    def get_config(self) -> dict:
        return {"name": self.name, **self._op_params}

    def __repr__(self) -> str:
        return f"<KerasOperation {self.class_name} name={self.name}>"


def _symbolic(value) -> list[KerasTensor]:
    if isinstance(value, KerasTensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _symbolic(v)]
    return []


def operation(class_name: str, *args, **params):
    """The operation on its operands: a new graph node when one of them is symbolic, else the
    result computed eagerly."""
    if _symbolic(args):
        return KerasOperation(class_name, params)(*args)
    return compute(class_name, args, params)


class Lambda(Layer):
    """Keras ``Lambda``: wraps a Python function of its input as a layer,
    ``Lambda(lambda h: h[:, -1])`` or ``Lambda(lambda h: ops.mean(h, axis=1))``.

    The function gets arrays (NumPy, or CuPy): write it with :mod:`fusedrnn.ops` (Keras's
    ``keras.ops``) or array operators, as for Keras 3. ``arguments`` are passed to it as
    keywords, and so are ``mask`` and ``training`` when it takes them. ``output_shape`` (the
    shape without the batch, or a function of the input shape) is optional: the function is
    otherwise run on stand-in arrays to find it. ``mask`` is the output's mask: a function
    ``mask(inputs, input_mask)`` or a constant; without one the layer drops its input's mask,
    with Keras 3's warning. A saved model's Lambda cannot be loaded (Keras saves the function
    as Python bytecode): build the model in code and load its weights.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        if not callable(function):
            raise TypeError(f"Lambda needs a function, got {function!r}")
        super().__init__(**kwargs)
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):  # a builtin without a signature
            parameters = {}
        self._takes_mask = "mask" in parameters
        self._takes_training = "training" in parameters
        self.built = True

    def _symbolic_input_shape(self, inputs):
        if _symbolic(inputs) and all(isinstance(t, KerasTensor) for t in flatten(inputs)):
            return [t.shape for t in inputs] if isinstance(inputs, (list, tuple)) else inputs.shape
        raise TypeError(f"Lambda layer {self.name!r} was called on {inputs!r}; a symbolic call "
                        f"takes a KerasTensor or a list of them")

    def _symbolic_call(self, inputs, **kwargs):
        kwargs.pop("training", None)
        mask = kwargs.pop("mask", None)
        if kwargs:
            raise TypeError(f"Lambda layer {self.name!r} got unexpected call arguments "
                            f"{sorted(kwargs)}")
        input_shape = self._symbolic_input_shape(inputs)
        if self._output_shape is None:
            shape, dtype = self._traced_spec(inputs)
        else:
            shape, dtype = tuple(self.compute_output_shape(input_shape)), self.dtype
        node = Node(self, inputs, {} if mask is None else {"mask": mask}, [])
        node.outputs = [KerasTensor(shape, dtype, node, 0)]
        self._inbound_nodes.append(node)
        return node.outputs[0]

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return self._traced_spec([KerasTensor(s) for s in input_shape]
                                     if isinstance(input_shape, list)
                                     else KerasTensor(input_shape))[0]
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        batch = input_shape[0][0] if isinstance(input_shape, list) else input_shape[0]
        return (batch, *tuple(self._output_shape))

    def _traced_spec(self, inputs) -> tuple[tuple, str]:
        """The output's shape and dtype for symbolic ``inputs``, from runs of the function."""
        return _output_spec(lambda x: self._apply(x, None, False), [inputs],
                            f"the function of Lambda layer {self.name!r}")

    def _apply(self, x, mask, training):
        kwargs = dict(self.arguments)
        if self._takes_mask:
            kwargs["mask"] = mask
        if self._takes_training:
            kwargs["training"] = training
        return self.function(x, **kwargs)

    def _prepare(self, inputs):
        """Float inputs in the layer's dtype, as Keras casts them; others (token ids) as
        given."""
        if isinstance(inputs, (list, tuple)):
            return type(inputs)(self._prepare(x) for x in inputs)
        if isinstance(inputs, KerasTensor):
            raise TypeError(f"input of Lambda layer {self.name!r} is symbolic here; pass an "
                            f"array")
        x = inputs if hasattr(inputs, "dtype") else np.asarray(inputs)
        if x.dtype.kind == "f" and x.dtype != self._compute_dtype:
            x = x.astype(self._compute_dtype)
        return x

    def _output_mask(self, inputs, mask):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        if kwargs:
            raise TypeError(f"Lambda layer {self.name!r} got unexpected call arguments "
                            f"{sorted(kwargs)}")
        x = self._prepare(inputs)
        if self.mask is None and mask is not None and any(m is not None for m in flatten(mask)):
            _drop_mask(self, mask)
        out = self._apply(x, mask, training)
        if isinstance(out, (list, tuple, dict)):
            raise ValueError(f"the function of Lambda layer {self.name!r} returns several "
                             f"tensors; fusedrnn takes one")
        return out, self._output_mask(x, mask)

    def _output_masks(self, mask):
        return None if self.mask is None or callable(self.mask) else self.mask

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(function=self.function, output_shape=self._output_shape, mask=self.mask,
                      arguments=self.arguments)
        return config
