"""The computations of Keras 3's ``keras.ops.numpy`` operations beyond those of ``_ops.py``:
Keras's operation class name -> (compute, its constructor parameters), as ``_ops._OPERATIONS``
takes them. ``compute(xp, *operands, **params)`` runs on NumPy or CuPy arrays (``xp``); its
operands are the operation's call arguments, in Keras's order.

The results follow Keras 3.15.1 with its TensorFlow backend (checked against it in
tests/test_keras_ops_golden.py): int inputs of float functions give float32, indices int32,
and the edge cases (an empty axis, NaN) as Keras computes them. ``_ops.compute`` brings
NumPy's float64 and int64 results back to Keras's float32 and int32 where no operand array
was 64-bit.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable

import numpy as np

from ._ops import _accumulate, _float_function, _floating


def _axis(axis):
    """An axis argument as NumPy takes it (saved configs hold tuples as lists)."""
    return tuple(axis) if isinstance(axis, list) else axis


def _function(name: str) -> Callable:
    """The array-module function ``name`` of the same operands."""
    return lambda xp, *args: getattr(xp, name)(*args)


def _reduction(name: str, floating: bool = False) -> Callable:
    def compute(xp, x, axis=None, keepdims=False):
        x = _floating(xp, x) if floating else xp.asarray(x)
        with np.errstate(all="ignore"):
            return getattr(xp, name)(x, axis=_axis(axis), keepdims=keepdims)

    return compute


def _nan_arg_extreme(name: str) -> Callable:
    def compute(xp, x, axis=None, keepdims=False):
        x = xp.asarray(x)
        filler = -np.inf if name == "argmax" else np.inf
        if x.dtype.kind != "f":
            return getattr(xp, name)(x, axis=axis, keepdims=keepdims).astype(np.int32)
        nan = xp.isnan(x)
        index = getattr(xp, name)(xp.where(nan, filler, x), axis=axis, keepdims=keepdims)
        # Keras: -1 where every value is NaN
        all_nan = xp.all(nan, axis=axis, keepdims=keepdims)
        return xp.where(all_nan, -1, index).astype(np.int32)

    return compute


def _nan_cumulative(name: str) -> Callable:
    def compute(xp, x, axis=None, dtype=None):
        x = xp.asarray(x)
        return getattr(xp, name)(x, axis=axis, dtype=dtype)

    return compute


def _quantile(xp, x, q, axis=None, method="linear", keepdims=False, nan=False, scale=1.0):
    x = _floating(xp, x)
    q = xp.asarray(q, dtype=np.float64) / scale
    function = xp.nanquantile if nan else xp.quantile
    with np.errstate(all="ignore"), _warnings_ignored():
        out = function(x.astype(np.float64), q, axis=_axis(axis), method=method,
                       keepdims=keepdims)
    return out.astype(x.dtype)


class _warnings_ignored:
    """NumPy's RuntimeWarnings (an all-NaN slice) silenced, as Keras gives NaN quietly."""

    def __enter__(self):
        import warnings

        self._context = warnings.catch_warnings()
        self._context.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)


def _nan_reduction(name: str) -> Callable:
    def compute(xp, x, axis=None, keepdims=False):
        x = xp.asarray(x)
        if name in ("nanmean", "nanstd", "nanvar", "nanmedian"):
            x = _floating(xp, x)
        with np.errstate(all="ignore"), _warnings_ignored():
            if name == "nanmedian":
                out = xp.nanquantile(x.astype(np.float64), 0.5, axis=_axis(axis),
                                     keepdims=keepdims).astype(x.dtype)
            else:
                out = getattr(xp, name)(x, axis=_axis(axis), keepdims=keepdims)
        return out

    return compute


def _nan_to_num(xp, x, nan=0.0, posinf=None, neginf=None):
    x = xp.asarray(x)
    if x.dtype.kind not in "fc":
        return x
    return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def _divide_no_nan(xp, x1, x2):
    x1, x2 = _floating(xp, x1), _floating(xp, x2)
    with np.errstate(all="ignore"):
        out = xp.true_divide(x1, x2)
    return xp.where(x2 == 0, xp.zeros_like(out), out)


def _append(xp, x1, x2, axis=None):
    return xp.append(x1, x2, axis=axis)


def _array_split(xp, x, indices_or_sections, axis=0):
    if isinstance(indices_or_sections, bool) or not isinstance(indices_or_sections,
                                                               (int, np.integer)):
        raise TypeError(f"Argument `indices_or_sections` must be of type `int`. Received: "
                        f"indices_or_sections={indices_or_sections}")
    return list(xp.array_split(xp.asarray(x), _axis(indices_or_sections), axis=axis))


def _split_function(name: str) -> Callable:
    def compute(xp, x, indices_or_sections):
        return list(getattr(xp, name)(xp.asarray(x), _axis(indices_or_sections)))

    return compute


def _stack_function(name: str) -> Callable:
    return lambda xp, xs: getattr(xp, name)([xp.asarray(x) for x in xs])


def _average(xp, x, weights=None, axis=None):
    x = _floating(xp, x)
    if weights is None:
        return xp.mean(x, axis=axis)
    weights = xp.asarray(weights)
    dtype = np.result_type(x.dtype, weights.dtype if weights.dtype.kind == "f"
                           else np.float32)
    x, weights = x.astype(dtype), weights.astype(dtype)
    with np.errstate(all="ignore"):
        if axis is None or x.ndim == weights.ndim:
            return xp.sum(x * weights, axis=axis) / xp.sum(weights, axis=axis)
        return xp.tensordot(x, weights, axes=([axis], [0])) / xp.sum(weights)


def _bincount(xp, x, weights=None, minlength=0, sparse=False):
    if sparse:
        raise ValueError("ops.bincount(sparse=True): fusedrnn computes dense arrays")
    x = xp.asarray(x).astype(np.int64)
    if weights is not None:
        weights = xp.asarray(weights)
        dtype = weights.dtype if weights.dtype.kind == "f" else np.int32
    else:
        dtype = np.int32
    if x.ndim == 1:
        out = xp.bincount(x, weights=weights, minlength=minlength)
        return out.astype(dtype)
    if x.ndim != 2:
        raise ValueError(f"ops.bincount takes a 1D or 2D input, got shape {x.shape}")
    length = builtins.max(int(minlength), int(x.max()) + 1 if x.size else 0)
    rows = [xp.bincount(x[i], weights=None if weights is None else weights[i],
                        minlength=length) for i in range(x.shape[0])]
    return xp.stack(rows).astype(dtype) if rows else xp.zeros((0, length), dtype)


def _count_nonzero(xp, x, axis=None):
    return xp.count_nonzero(xp.asarray(x), axis=_axis(axis)).astype(np.int32) \
        if axis is not None else xp.asarray(xp.count_nonzero(xp.asarray(x)), np.int32)


def _cross(xp, x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Keras's cross product: 2-vectors padded with a zero z; two 2-vectors give the z
    component alone, as NumPy 1 did."""
    x1, x2 = xp.asarray(x1), xp.asarray(x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    x1, x2 = xp.moveaxis(x1, axisa, -1), xp.moveaxis(x2, axisb, -1)
    both_2d = x1.shape[-1] == 2 and x2.shape[-1] == 2
    if x1.shape[-1] == 2:
        x1 = xp.pad(x1, [(0, 0)] * (x1.ndim - 1) + [(0, 1)])
    if x2.shape[-1] == 2:
        x2 = xp.pad(x2, [(0, 0)] * (x2.ndim - 1) + [(0, 1)])
    c = xp.cross(x1, x2)
    return c[..., 2] if both_2d else xp.moveaxis(c, -1, axisc)


def _diagonal(xp, x, offset=0, axis1=0, axis2=1):
    return xp.diagonal(xp.asarray(x), offset, axis1, axis2).copy()


def _digitize(xp, x, bins):
    out = xp.digitize(xp.asarray(x), xp.asarray(bins, dtype=np.float64), right=False)
    return out.astype(np.int32)


def _histogram(xp, x, bins=10, range=None):  # noqa: A002 - Keras's argument name
    x = xp.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"Input tensor must be 1-dimensional. Received: input.shape={x.shape}")
    counts, edges = xp.histogram(x, bins=bins, range=None if range is None else tuple(range))
    return counts.astype(x.dtype), edges.astype(x.dtype)


def _isclose(xp, x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    return xp.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _allclose(xp, x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    return xp.asarray(xp.allclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _isin(xp, x1, x2, assume_unique=False, invert=False):
    return xp.isin(x1, x2, assume_unique=assume_unique, invert=invert)


def _linspace(xp, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    out = xp.linspace(start, stop, int(num), endpoint=endpoint, retstep=retstep, axis=axis)
    if retstep:
        values, step = out
        return values.astype(dtype or np.float32), xp.asarray(step, dtype or np.float32)
    return out.astype(dtype or np.float32)


def _logspace(xp, start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    out = xp.logspace(start, stop, int(num), endpoint=endpoint, base=base, axis=axis)
    return out.astype(dtype or np.float32)


def _geomspace(xp, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    out = xp.geomspace(start, stop, int(num), endpoint=endpoint, axis=axis)
    return out.astype(dtype or np.float32)


def _meshgrid(xp, *x, indexing="xy"):
    return list(xp.meshgrid(*x, indexing=indexing))


def _moveaxis(xp, x, source, destination):
    return xp.moveaxis(x, _axis(source), _axis(destination))


def _nonzero(xp, x):
    return [i.astype(np.int32) for i in xp.nonzero(xp.asarray(x))]


def _pad(xp, x, constant_values=None, pad_width=None, mode="constant"):
    x = xp.asarray(x)
    if constant_values is not None and mode != "constant":
        raise ValueError(f"Argument `constant_values` can only be provided when `mode == "
                         f"'constant'`. Received: mode={mode}")
    pad_width = np.asarray(pad_width, dtype=np.int64)
    extra = {"constant_values": constant_values} if mode == "constant" and \
        constant_values is not None else {}
    return xp.pad(x, pad_width.tolist() if pad_width.ndim else int(pad_width), mode=mode,
                  **extra)


def _ptp(xp, x, axis=None, keepdims=False):
    x = xp.asarray(x)
    return xp.max(x, axis=_axis(axis), keepdims=keepdims) - xp.min(
        x, axis=_axis(axis), keepdims=keepdims)


def _roll(xp, x, shift, axis=None):
    return xp.roll(x, _axis(shift), axis=_axis(axis))


def _rot90(xp, array, k=1, axes=(0, 1)):
    return xp.rot90(array, k, axes=tuple(axes))


def _searchsorted(xp, sorted_sequence, values, side="left"):
    sorted_sequence = xp.asarray(sorted_sequence)
    if sorted_sequence.ndim != 1:
        raise ValueError(
            f"`searchsorted` only supports 1-D sorted sequences. You can use "
            f"`keras.ops.vectorized_map` to extend it to N-D sequences. Received: "
            f"sorted_sequence.shape={sorted_sequence.shape}")
    return xp.searchsorted(sorted_sequence, values, side=side).astype(np.int32)


def _select(xp, condlist, choicelist, default=0):
    return xp.select([xp.asarray(c) for c in condlist], [xp.asarray(c) for c in choicelist],
                     default)


def _size(xp, x):
    return xp.asarray(xp.asarray(x).size, dtype=np.int32)


def _ndim(xp, x):
    return xp.asarray(x).ndim


def _take_along_axis(xp, x, indices, axis=None):
    x, indices = xp.asarray(x), xp.asarray(indices).astype(np.int64)
    if axis is None:
        if indices.ndim != 1:
            raise ValueError(f"`indices` must be 1D if axis=None. Received: "
                             f"indices.shape={indices.shape}")
        return xp.take_along_axis(x.reshape(-1), indices, axis=0)
    shape_x, shape_i = list(x.shape), list(indices.shape)
    shape_x[axis] = shape_i[axis] = 1
    broadcast = list(np.broadcast_shapes(tuple(shape_x), tuple(shape_i)))
    xs, ind = list(broadcast), list(broadcast)
    xs[axis], ind[axis] = x.shape[axis], indices.shape[axis]
    x, indices = xp.broadcast_to(x, xs), xp.broadcast_to(indices, ind)
    indices = xp.where(indices < 0, indices + x.shape[axis], indices)
    return xp.take_along_axis(x, indices, axis=axis)


def _tensordot(xp, x1, x2, axes=2):
    return xp.tensordot(x1, x2, axes=_axis(axes) if not isinstance(axes, list) else
                        tuple(_axis(a) for a in axes))


def _trace(xp, x, offset=0, axis1=0, axis2=1):
    x = xp.asarray(x)
    # Keras's accumulation types: int32 for small signed ints and bools, uint32 for small
    # unsigned ones (the sum of a uint8 diagonal does not wrap)
    dtype = (np.int32 if x.dtype in (np.bool_, np.int8, np.int16) else
             np.uint32 if x.dtype in (np.uint8, np.uint16) else x.dtype)
    return xp.trace(x, offset, axis1, axis2, dtype=dtype)


def _trapezoid(xp, y, x=None, dx=1.0, axis=-1):
    y = _floating(xp, y)
    trapezoid = getattr(xp, "trapezoid", None) or xp.trapz
    return trapezoid(y, None if x is None else xp.asarray(x, y.dtype), dx=dx,
                     axis=axis).astype(y.dtype)


def _triangle(name: str) -> Callable:
    return lambda xp, x, k=0: getattr(xp, name)(x, k)


def _unique(xp, x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
            return_counts=False, axis=None, size=None, fill_value=None):
    x = xp.asarray(x)
    results = xp.unique(x, return_index=True, return_inverse=True, return_counts=True,
                        axis=axis)
    values, index, inverse, counts = results
    if not sorted:  # in the order of first appearance, as TensorFlow's tf.unique
        order = xp.argsort(index, kind="stable")
        rank = xp.empty_like(order)
        rank[order] = xp.arange(order.size)
        values = xp.take(values, order, axis=0 if axis is None else axis)
        index, counts, inverse = index[order], counts[order], rank[inverse]
    if size is not None:
        n = values.shape[0 if axis is None else axis]
        fill = fill_value if fill_value is not None else (
            values.min() if values.size else 0)
        if n < size:
            pad = [(0, 0)] * values.ndim
            pad[0 if axis is None else axis] = (0, size - n)
            values = xp.pad(values, pad, constant_values=fill)
            index = xp.pad(index, (0, size - n), constant_values=0)
            counts = xp.pad(counts, (0, size - n), constant_values=0)
        else:
            values = xp.take(values, xp.arange(size), axis=0 if axis is None else axis)
            index, counts = index[:size], counts[:size]
    out = [values]
    if return_index:
        out.append(index.astype(np.int32))
    if return_inverse:
        out.append(inverse.reshape(x.shape if axis is None else -1).astype(np.int32))
    if return_counts:
        out.append(counts.astype(np.int32))
    return out[0] if len(out) == 1 else tuple(out)


def _unravel_index(xp, indices, shape):
    indices = xp.asarray(indices)
    if None in shape:
        raise ValueError(f"`shape` argument cannot contain `None`. Received: shape={shape}")
    return tuple(c.astype(indices.dtype) for c in xp.unravel_index(indices, tuple(shape)))


def _vander(xp, x, N=None, increasing=False):  # noqa: N803 - Keras's argument name
    x = xp.asarray(x)
    return xp.vander(x, N, increasing=increasing).astype(x.dtype)


def _view(xp, x, dtype=None):
    x = xp.asarray(x)
    return x.view(dtype or x.dtype)


def _full(xp, fill_value, shape=None, dtype=None):
    return xp.full(_axis(shape), fill_value, dtype=dtype or np.float32)


def _full_like(xp, x, fill_value, dtype=None):
    x = xp.asarray(x)
    return xp.full(x.shape, fill_value, dtype=dtype or x.dtype)


def _correlate(xp, x1, x2, mode="valid"):
    x1, x2 = xp.asarray(x1), xp.asarray(x2)
    dtype = np.result_type(x1.dtype, x2.dtype)
    dtype = np.float64 if dtype == np.int64 else dtype if dtype in (np.float16, np.float64) \
        else np.float32
    return xp.correlate(x1.astype(dtype), x2.astype(dtype), mode=mode)


def _diag(xp, x, k=0):
    x = xp.asarray(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"`x` must be 1d or 2d. Received: x.shape={x.shape}")
    return xp.diag(x, k).copy()


def _corrcoef(xp, x):
    x = _floating(xp, x)
    with np.errstate(all="ignore"):
        return xp.clip(xp.corrcoef(x), -1, 1).astype(x.dtype)


def _top_k_indices(xp, x, k: int):
    """TensorFlow's top_k indices: the k largest along the last axis, ties lower index
    first."""
    return xp.argsort(-x.astype(np.int64), axis=-1, kind="stable")[..., :k]


def _argpartition(xp, x, kth, axis=-1):
    """Keras's TensorFlow argpartition, step by step: on int32 values, the kth + 1 smallest
    (in order) and then the others largest first. Keras builds the mask of the smallest by
    summing one-hot rows over the first axis, which is right for 1-D input only; a batch gets
    what that computes (and the same error where its indices leave the array)."""
    x = xp.asarray(x).astype(np.int32)
    if axis is None:
        x, axis, original_axis = x.reshape(-1), 0, None
    else:
        original_axis = axis
    x = xp.swapaxes(x, axis, -1)
    n = x.shape[-1]
    kth = int(np.clip(int(kth), 0, n - 1))
    bottom = _top_k_indices(xp, -x, kth + 1)
    mask = xp.sum(bottom[..., None] == xp.arange(n), axis=0)
    indices = xp.argwhere(mask)
    if indices.size and (indices.shape[1] != x.ndim
                         or (indices >= xp.asarray(x.shape)).any()):
        raise ValueError(f"argpartition: Keras's TensorFlow computation indexes outside the "
                         f"input of shape {tuple(x.shape)} (its mask is right for 1-D input)")
    masked = x.copy()
    masked[tuple(indices.T)] = 0
    top = _top_k_indices(xp, masked, n - kth - 1)
    out = xp.concatenate([bottom, top], axis=-1).astype(np.int32)
    return out if original_axis is None else xp.swapaxes(out, -1, axis)


def _diff(xp, a, n=1, axis=-1):
    a = xp.asarray(a)
    if n < 0:
        raise ValueError(f"Order `n` must be non-negative. Received n={n}")
    return xp.diff(a, n=n, axis=axis) if n else a


def _exp2(xp, x):
    return xp.exp2(_floating(xp, x))


def _reciprocal(xp, x):
    with np.errstate(divide="ignore"):
        return xp.reciprocal(_floating(xp, x))


def _copy(xp, x):
    return xp.array(x, copy=True)


def _array(xp, x, dtype=None):
    return xp.array(x, dtype=dtype)


def _broadcast_to(xp, x, shape):
    return xp.broadcast_to(xp.asarray(x), _axis(shape)).copy()


def _empty_like(xp, x, dtype=None):
    x = xp.asarray(x)
    return xp.zeros(x.shape, dtype=dtype or x.dtype)


def _with_errors_ignored(fn: Callable) -> Callable:
    def compute(xp, *args, **params):
        with np.errstate(all="ignore"):
            return fn(xp, *args, **params)

    return compute


_UNARY_FLOAT = {  # float functions of one operand: ints in, float32 out (as Keras)
    "Arccos": "arccos", "Arccosh": "arccosh", "Arcsin": "arcsin", "Arcsinh": "arcsinh",
    "Fabs": "fabs",
    "Arctan": "arctan", "Arctanh": "arctanh", "Cos": "cos", "Cosh": "cosh", "Sin": "sin",
    "Sinh": "sinh", "Tan": "tan", "Log10": "log10", "Log1p": "log1p", "Log2": "log2",
    "Expm1": "expm1", "Cbrt": "cbrt", "Deg2rad": "deg2rad", "Rad2deg": "rad2deg",
    "Sinc": "sinc", "I0": "i0",
}
_BINARY_FLOAT = {"Arctan2": "arctan2", "Hypot": "hypot", "Logaddexp": "logaddexp",
                 "Logaddexp2": "logaddexp2", "Nextafter": "nextafter"}
_SAME = {  # one array-module function of the same operands
    "Trunc": "trunc", "Isfinite": "isfinite", "Isinf": "isinf",
    "Isnan": "isnan", "Isneginf": "isneginf", "Isposinf": "isposinf", "Isreal": "isreal",
    "Signbit": "signbit", "Conjugate": "conjugate", "Real": "real", "Imag": "imag",
    "Angle": "angle", "Ravel": "ravel", "Fliplr": "fliplr", "Flipud": "flipud",
    "BitwiseInvert": "invert", "BitwiseNot": "invert", "BitwiseAnd": "bitwise_and",
    "BitwiseOr": "bitwise_or", "BitwiseXor": "bitwise_xor", "LeftShift": "left_shift",
    "RightShift": "right_shift", "BitwiseLeftShift": "left_shift",
    "BitwiseRightShift": "right_shift", "Fmax": "fmax", "Fmin": "fmin", "Fmod": "fmod",
    "Heaviside": "heaviside", "Gcd": "gcd", "Lcm": "lcm", "Kron": "kron", "Outer": "outer",
    "Inner": "inner", "Vdot": "vdot", "Dstack": None, "Hstack": None, "Vstack": None,
}

OPERATIONS: dict[str, tuple[Callable, tuple[str, ...]]] = {
    **{name: (_with_errors_ignored(_float_function(function)), ())
       for name, function in _UNARY_FLOAT.items()},
    **{name: (_with_errors_ignored(_float_function(function)), ())
       for name, function in _BINARY_FLOAT.items()},
    **{name: (_with_errors_ignored(_function(function)), ())
       for name, function in _SAME.items() if function is not None},
    "Dstack": (_stack_function("dstack"), ()),
    "Hstack": (_stack_function("hstack"), ()),
    "Vstack": (_stack_function("vstack"), ()),
    "Exp2": (_exp2, ()),
    "Ldexp": (lambda xp, x1, x2: xp.ldexp(_floating(xp, x1), xp.asarray(x2).astype(np.int32)),
              ()),
    "Reciprocal": (_reciprocal, ()),
    "Copy": (_copy, ()),
    "Array": (_array, ("dtype",)),
    "DivideNoNan": (_divide_no_nan, ()),
    "NanToNum": (_nan_to_num, ("nan", "posinf", "neginf")),
    "Amax": (_reduction("amax"), ("axis", "keepdims")),
    "Amin": (_reduction("amin"), ("axis", "keepdims")),
    "Ptp": (_ptp, ("axis", "keepdims")),
    "Median": (lambda xp, x, axis=None, keepdims=False: _quantile(
        xp, x, 0.5, axis, "linear", keepdims), ("axis", "keepdims")),
    "Quantile": (lambda xp, x, q, axis=None, method="linear", keepdims=False: _quantile(
        xp, x, q, axis, method, keepdims), ("axis", "method", "keepdims")),
    "Percentile": (lambda xp, x, q, axis=None, method="linear", keepdims=False: _quantile(
        xp, x, q, axis, method, keepdims, scale=100.0), ("axis", "method", "keepdims")),
    "Nanquantile": (lambda xp, x, q, axis=None, method="linear", keepdims=False: _quantile(
        xp, x, q, axis, method, keepdims, nan=True), ("axis", "method", "keepdims")),
    "Nanpercentile": (lambda xp, x, q, axis=None, method="linear", keepdims=False: _quantile(
        xp, x, q, axis, method, keepdims, nan=True, scale=100.0),
        ("axis", "method", "keepdims")),
    **{name: (_nan_reduction(function), ("axis", "keepdims")) for name, function in {
        "Nanmax": "nanmax", "Nanmin": "nanmin", "Nanmean": "nanmean", "Nansum": "nansum",
        "Nanprod": "nanprod", "Nanstd": "nanstd", "Nanvar": "nanvar",
        "Nanmedian": "nanmedian"}.items()},
    "Nanargmax": (_nan_arg_extreme("argmax"), ("axis", "keepdims")),
    "Nanargmin": (_nan_arg_extreme("argmin"), ("axis", "keepdims")),
    "Nancumsum": (_nan_cumulative("nancumsum"), ("axis", "dtype")),
    "Nancumprod": (_nan_cumulative("nancumprod"), ("axis", "dtype")),
    "Cumprod": (_accumulate("cumprod"), ("axis", "dtype")),
    "CountNonzero": (_count_nonzero, ("axis",)),
    "Average": (_average, ("axis",)),
    "Append": (_append, ("axis",)),
    "ArraySplit": (_array_split, ("indices_or_sections", "axis")),
    "Hsplit": (_split_function("hsplit"), ("indices_or_sections",)),
    "Vsplit": (_split_function("vsplit"), ("indices_or_sections",)),
    "Dsplit": (_split_function("dsplit"), ("indices_or_sections",)),
    "Argpartition": (_argpartition, ("kth", "axis")),
    "Bincount": (_bincount, ("weights", "minlength", "sparse")),
    "BroadcastTo": (_broadcast_to, ("shape",)),
    "Corrcoef": (_corrcoef, ()),
    "Correlate": (_correlate, ("mode",)),
    "Cross": (_cross, ("axisa", "axisb", "axisc", "axis")),
    "Diag": (_diag, ("k",)),
    "Diagflat": (lambda xp, x, k=0: xp.diagflat(x, k), ("k",)),
    "Diagonal": (_diagonal, ("offset", "axis1", "axis2")),
    "Diff": (_diff, ("n", "axis")),
    "Digitize": (_digitize, ()),
    "EmptyLike": (_empty_like, ("dtype",)),
    "Full": (_full, ("shape", "dtype")),
    "FullLike": (_full_like, ("dtype",)),
    "Geomspace": (_geomspace, ("num", "endpoint", "dtype", "axis")),
    "Histogram": (_histogram, ("bins", "range")),
    "Isclose": (_isclose, ("equal_nan",)),
    "AllClose": (_allclose, ("rtol", "atol", "equal_nan")),
    "IsIn": (_isin, ("assume_unique", "invert")),
    "Linspace": (_linspace, ("num", "endpoint", "retstep", "dtype", "axis")),
    "Logspace": (_logspace, ("num", "endpoint", "base", "dtype", "axis")),
    "Meshgrid": (_meshgrid, ("indexing",)),
    "Moveaxis": (_moveaxis, ("source", "destination")),
    "Ndim": (_ndim, ()),
    "Nonzero": (_nonzero, ()),
    "Pad": (_pad, ("pad_width", "mode")),
    "Roll": (_roll, ("shift", "axis")),
    "Rot90": (_rot90, ("k", "axes")),
    "SearchSorted": (_searchsorted, ("side",)),
    "Select": (_select, ()),
    "Size": (_size, ()),
    "TakeAlongAxis": (_take_along_axis, ("axis",)),
    "Tensordot": (_tensordot, ("axes",)),
    "Trace": (_trace, ("offset", "axis1", "axis2")),
    "Trapezoid": (_trapezoid, ("x", "dx", "axis")),
    "Tril": (_triangle("tril"), ("k",)),
    "Triu": (_triangle("triu"), ("k",)),
    "Unique": (_unique, ("sorted", "return_index", "return_inverse", "return_counts",
                         "axis", "size", "fill_value")),
    "UnravelIndex": (_unravel_index, ("shape",)),
    "Vander": (_vander, ("N", "increasing")),
    "View": (_view, ("dtype",)),
}

# Keras's window functions and array constructors, which have no operation class: they
# compute on Python numbers (see fusedrnn._keras_ops_numpy).
WINDOWS = {"bartlett": np.bartlett, "blackman": np.blackman, "hamming": np.hamming,
           "hanning": np.hanning}
