"""Keras 3's ``keras.ops.numpy`` functions that ``fusedrnn._keras_ops`` did not have (see
there): each is Keras's operation of the same name (``layers/_ops_numpy.py`` computes it), on
arrays at once and on symbolic tensors as a node of a functional graph, with Keras's
signature. The array constructors (``zeros``, ``eye``, ``hamming``, ...) take Python numbers
and give float32 arrays unless ``dtype`` says otherwise, as Keras's.
"""

from __future__ import annotations

import numpy as np

from .layers._ops import operation

__all__ = ["allclose", "amax", "amin", "angle", "append", "arccos", "arccosh", "arcsin",
    "arcsinh", "arctan", "arctan2", "arctanh", "argpartition", "array", "array_split", "average",
    "bartlett", "bincount", "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "blackman", "broadcast_to", "cbrt",
    "conj", "conjugate", "copy", "corrcoef", "correlate", "cos", "cosh", "count_nonzero", "cross",
    "cumprod", "deg2rad", "diag", "diagflat", "diagonal", "diff", "digitize", "divide_no_nan",
    "dsplit", "dstack", "empty", "empty_like", "exp2", "expm1", "eye", "fabs", "fliplr", "flipud",
    "fmax", "fmin", "fmod", "full", "full_like", "gcd", "geomspace", "get_item", "hamming",
    "hanning", "heaviside", "histogram", "hsplit", "hstack", "hypot", "i0", "identity", "imag",
    "inner", "isclose", "isfinite", "isin", "isinf", "isnan", "isneginf", "isposinf", "isreal",
    "kaiser", "kron", "lcm", "ldexp", "left_shift", "linspace", "log10", "log1p", "log2",
    "logaddexp", "logaddexp2", "logspace", "median", "meshgrid", "moveaxis", "nan_to_num",
    "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian",
    "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar", "ndim",
    "nextafter", "nonzero", "ones", "outer", "pad", "percentile", "ptp", "quantile", "rad2deg",
    "ravel", "real", "reciprocal", "right_shift", "roll", "rot90", "searchsorted", "select",
    "signbit", "sin", "sinc", "sinh", "size", "slogdet", "take_along_axis", "tan", "tensordot",
    "trace", "trapezoid", "tri", "tril", "triu", "trunc", "unique", "unravel_index", "vander",
    "vdot", "vectorize", "view", "vsplit", "vstack", "zeros"]


def _arrays_only(name: str, *values) -> None:
    from .layers._base import has_symbolic

    if has_symbolic(list(values)):
        raise ValueError(f"ops.{name} runs on arrays in fusedrnn, not on symbolic tensors")


def _float_dtype(dtype):
    """Keras's default dtype of a constructor: float32 (``keras.config.floatx()``)."""
    return np.dtype(dtype) if dtype is not None else np.float32


def _shape(shape) -> tuple:
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)


def _listed(value):
    """Nested tuples as lists (how a saved config holds them)."""
    if isinstance(value, (tuple, list)):
        return [_listed(v) for v in value]
    return value


def _window(name: str, x):
    from .layers._ops_numpy import WINDOWS

    _arrays_only(name, x)
    return WINDOWS[name](int(x)).astype(np.float32)


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    return operation("AllClose", x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


def amax(x, axis=None, keepdims=False):
    return operation("Amax", x, axis=axis, keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    return operation("Amin", x, axis=axis, keepdims=keepdims)


def angle(x):
    return operation("Angle", x)


def append(x1, x2, axis=None):
    return operation("Append", x1, x2, axis=axis)


def arccos(x):
    return operation("Arccos", x)


def arccosh(x):
    return operation("Arccosh", x)


def arcsin(x):
    return operation("Arcsin", x)


def arcsinh(x):
    return operation("Arcsinh", x)


def arctan(x):
    return operation("Arctan", x)


def arctan2(x1, x2):
    return operation("Arctan2", x1, x2)


def arctanh(x):
    return operation("Arctanh", x)


def argpartition(x, kth, axis=-1):
    return operation("Argpartition", x, kth=kth, axis=axis)


def array(x, dtype=None):
    return operation("Array", x, dtype=dtype)


def array_split(x, indices_or_sections, axis=0):
    return operation("ArraySplit", x, indices_or_sections=indices_or_sections, axis=axis)


def average(x, axis=None, weights=None):
    return operation("Average", x, weights, axis=axis)


def bartlett(x):
    return _window("bartlett", x)


def bincount(x, weights=None, minlength=0, sparse=False):
    return operation("Bincount", x, weights=weights, minlength=minlength, sparse=sparse)


def bitwise_and(x, y):
    return operation("BitwiseAnd", x, y)


def bitwise_invert(x):
    return operation("BitwiseInvert", x)


def bitwise_left_shift(x, y):
    return operation("BitwiseLeftShift", x, y)


def bitwise_not(x):
    return operation("BitwiseNot", x)


def bitwise_or(x, y):
    return operation("BitwiseOr", x, y)


def bitwise_right_shift(x, y):
    return operation("BitwiseRightShift", x, y)


def bitwise_xor(x, y):
    return operation("BitwiseXor", x, y)


def blackman(x):
    return _window("blackman", x)


def broadcast_to(x, shape):
    return operation("BroadcastTo", x, shape=shape)


def cbrt(x):
    return operation("Cbrt", x)


def conj(x):
    return conjugate(x)


def conjugate(x):
    return operation("Conjugate", x)


def copy(x):
    return operation("Copy", x)


def corrcoef(x):
    return operation("Corrcoef", x)


def correlate(x1, x2, mode="valid"):
    return operation("Correlate", x1, x2, mode=mode)


def cos(x):
    return operation("Cos", x)


def cosh(x):
    return operation("Cosh", x)


def count_nonzero(x, axis=None):
    return operation("CountNonzero", x, axis=axis)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return operation("Cross", x1, x2, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


def cumprod(x, axis=None, dtype=None):
    return operation("Cumprod", x, axis=axis, dtype=dtype)


def deg2rad(x):
    return operation("Deg2rad", x)


def diag(x, k=0):
    return operation("Diag", x, k=k)


def diagflat(x, k=0):
    return operation("Diagflat", x, k=k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    return operation("Diagonal", x, offset=offset, axis1=axis1, axis2=axis2)


def diff(a, n=1, axis=-1):
    return operation("Diff", a, n=n, axis=axis)


def digitize(x, bins):
    return operation("Digitize", x, bins)


def divide_no_nan(x1, x2):
    return operation("DivideNoNan", x1, x2)


def dsplit(x, indices_or_sections):
    return operation("Dsplit", x, indices_or_sections=indices_or_sections)


def dstack(xs):
    return operation("Dstack", list(xs))


def empty(shape, dtype=None):
    """Zeros (NumPy's ``empty`` leaves memory as it finds it; Keras's backends give
    zeros)."""
    return np.zeros(_shape(shape), dtype=_float_dtype(dtype))


def empty_like(x, dtype=None):
    return operation("EmptyLike", x, dtype=dtype)


def exp2(x):
    return operation("Exp2", x)


def expm1(x):
    return operation("Expm1", x)


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's argument names
    return np.eye(int(N), None if M is None else int(M), int(k), dtype=_float_dtype(dtype))


def fabs(x):
    return operation("Fabs", x)


def fliplr(x):
    return operation("Fliplr", x)


def flipud(x):
    return operation("Flipud", x)


def fmax(x1, x2):
    return operation("Fmax", x1, x2)


def fmin(x1, x2):
    return operation("Fmin", x1, x2)


def fmod(x1, x2):
    return operation("Fmod", x1, x2)


def full(shape, fill_value, dtype=None):
    return operation("Full", fill_value, shape=shape, dtype=dtype)


def full_like(x, fill_value, dtype=None):
    return operation("FullLike", x, fill_value, dtype=dtype)


def gcd(x1, x2):
    return operation("Gcd", x1, x2)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    return operation("Geomspace", start, stop, num=num, endpoint=endpoint, dtype=dtype,
                     axis=axis)


def get_item(x, key):
    return operation("GetItem", x, key)


def hamming(x):
    return _window("hamming", x)


def hanning(x):
    return _window("hanning", x)


def heaviside(x1, x2):
    return operation("Heaviside", x1, x2)


def histogram(x, bins=10, range=None):
    return operation("Histogram", x, bins=bins, range=range)


def hsplit(x, indices_or_sections):
    return operation("Hsplit", x, indices_or_sections=indices_or_sections)


def hstack(xs):
    return operation("Hstack", list(xs))


def hypot(x1, x2):
    return operation("Hypot", x1, x2)


def i0(x):
    return operation("I0", x)


def identity(n, dtype=None):
    return np.identity(int(n), dtype=_float_dtype(dtype))


def imag(x):
    return operation("Imag", x)


def inner(x1, x2):
    return operation("Inner", x1, x2)


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    return operation("Isclose", x1, x2, rtol, atol, equal_nan=equal_nan)


def isfinite(x):
    return operation("Isfinite", x)


def isin(x1, x2, assume_unique=False, invert=False):
    return operation("IsIn", x1, x2, assume_unique=assume_unique, invert=invert)


def isinf(x):
    return operation("Isinf", x)


def isnan(x):
    return operation("Isnan", x)


def isneginf(x):
    return operation("Isneginf", x)


def isposinf(x):
    return operation("Isposinf", x)


def isreal(x):
    return operation("Isreal", x)


def kaiser(x, beta):
    _arrays_only("kaiser", x)
    return np.kaiser(int(x), float(beta)).astype(np.float32)


def kron(x1, x2):
    return operation("Kron", x1, x2)


def lcm(x1, x2):
    return operation("Lcm", x1, x2)


def ldexp(x1, x2):
    return operation("Ldexp", x1, x2)


def left_shift(x, y):
    return operation("LeftShift", x, y)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    return operation("Linspace", start, stop, num=num, endpoint=endpoint, retstep=retstep,
                     dtype=dtype, axis=axis)


def log10(x):
    return operation("Log10", x)


def log1p(x):
    return operation("Log1p", x)


def log2(x):
    return operation("Log2", x)


def logaddexp(x1, x2):
    return operation("Logaddexp", x1, x2)


def logaddexp2(x1, x2):
    return operation("Logaddexp2", x1, x2)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    return operation("Logspace", start, stop, num=num, endpoint=endpoint, base=base,
                     dtype=dtype, axis=axis)


def median(x, axis=None, keepdims=False):
    return operation("Median", x, axis=axis, keepdims=keepdims)


def meshgrid(*x, indexing="xy"):
    return operation("Meshgrid", *x, indexing=indexing)


def moveaxis(x, source, destination):
    return operation("Moveaxis", x, source=source, destination=destination)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return operation("NanToNum", x, nan=nan, posinf=posinf, neginf=neginf)


def nanargmax(x, axis=None, keepdims=False):
    return operation("Nanargmax", x, axis=axis, keepdims=keepdims)


def nanargmin(x, axis=None, keepdims=False):
    return operation("Nanargmin", x, axis=axis, keepdims=keepdims)


def nancumprod(x, axis=None, dtype=None):
    return operation("Nancumprod", x, axis=axis, dtype=dtype)


def nancumsum(x, axis=None, dtype=None):
    return operation("Nancumsum", x, axis=axis, dtype=dtype)


def nanmax(x, axis=None, keepdims=False):
    return operation("Nanmax", x, axis=axis, keepdims=keepdims)


def nanmean(x, axis=None, keepdims=False):
    return operation("Nanmean", x, axis=axis, keepdims=keepdims)


def nanmedian(x, axis=None, keepdims=False):
    return operation("Nanmedian", x, axis=axis, keepdims=keepdims)


def nanmin(x, axis=None, keepdims=False):
    return operation("Nanmin", x, axis=axis, keepdims=keepdims)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    return operation("Nanpercentile", x, q, axis=axis, method=method, keepdims=keepdims)


def nanprod(x, axis=None, keepdims=False):
    return operation("Nanprod", x, axis=axis, keepdims=keepdims)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    return operation("Nanquantile", x, q, axis=axis, method=method, keepdims=keepdims)


def nanstd(x, axis=None, keepdims=False):
    return operation("Nanstd", x, axis=axis, keepdims=keepdims)


def nansum(x, axis=None, keepdims=False):
    return operation("Nansum", x, axis=axis, keepdims=keepdims)


def nanvar(x, axis=None, keepdims=False):
    return operation("Nanvar", x, axis=axis, keepdims=keepdims)


def ndim(x):
    return operation("Ndim", x)


def nextafter(x1, x2):
    return operation("Nextafter", x1, x2)


def nonzero(x):
    return operation("Nonzero", x)


def ones(shape, dtype=None):
    return np.ones(_shape(shape), dtype=_float_dtype(dtype))


def outer(x1, x2):
    return operation("Outer", x1, x2)


def pad(x, pad_width, mode="constant", constant_values=None):
    return operation("Pad", x, constant_values, pad_width=_listed(pad_width), mode=mode)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    return operation("Percentile", x, q, axis=axis, method=method, keepdims=keepdims)


def ptp(x, axis=None, keepdims=False):
    return operation("Ptp", x, axis=axis, keepdims=keepdims)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    return operation("Quantile", x, q, axis=axis, method=method, keepdims=keepdims)


def rad2deg(x):
    return operation("Rad2deg", x)


def ravel(x):
    return operation("Ravel", x)


def real(x):
    return operation("Real", x)


def reciprocal(x):
    return operation("Reciprocal", x)


def right_shift(x, y):
    return operation("RightShift", x, y)


def roll(x, shift, axis=None):
    return operation("Roll", x, shift=shift, axis=axis)


def rot90(array, k=1, axes=(0, 1)):
    return operation("Rot90", array, k=k, axes=axes)


def searchsorted(sorted_sequence, values, side="left"):
    return operation("SearchSorted", sorted_sequence, values, side=side)


def select(condlist, choicelist, default=0):
    return operation("Select", list(condlist), list(choicelist), default)


def signbit(x):
    return operation("Signbit", x)


def sin(x):
    return operation("Sin", x)


def sinc(x):
    return operation("Sinc", x)


def sinh(x):
    return operation("Sinh", x)


def size(x):
    return operation("Size", x)


def slogdet(x):
    return operation("Slogdet", x)


def take_along_axis(x, indices, axis=None):
    return operation("TakeAlongAxis", x, indices, axis=axis)


def tan(x):
    return operation("Tan", x)


def tensordot(x1, x2, axes=2):
    return operation("Tensordot", x1, x2, axes=axes)


def trace(x, offset=0, axis1=0, axis2=1):
    return operation("Trace", x, offset=offset, axis1=axis1, axis2=axis2)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    return operation("Trapezoid", y, x=x, dx=dx, axis=axis)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's argument names
    return np.tri(int(N), None if M is None else int(M), int(k), dtype=_float_dtype(dtype))


def tril(x, k=0):
    return operation("Tril", x, k=k)


def triu(x, k=0):
    return operation("Triu", x, k=k)


def trunc(x):
    return operation("Trunc", x)


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None,
           size=None, fill_value=None):
    return operation("Unique", x, sorted=sorted, return_index=return_index,
                     return_inverse=return_inverse, return_counts=return_counts, axis=axis,
                     size=size, fill_value=fill_value)


def unravel_index(indices, shape):
    return operation("UnravelIndex", indices, shape=shape)


def vander(x, N=None, increasing=False):
    return operation("Vander", x, N=N, increasing=increasing)


def vdot(x1, x2):
    return operation("Vdot", x1, x2)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` vectorized as ``numpy.vectorize`` does (on arrays only)."""
    vectorized = np.vectorize(pyfunc, excluded=excluded, signature=signature)

    def call(*args, **kwargs):
        _arrays_only("vectorize", *args, *kwargs.values())
        return vectorized(*args, **kwargs)

    return call


def view(x, dtype=None):
    return operation("View", x, dtype=dtype)


def vsplit(x, indices_or_sections):
    return operation("Vsplit", x, indices_or_sections=indices_or_sections)


def vstack(xs):
    return operation("Vstack", list(xs))


def zeros(shape, dtype=None):
    return np.zeros(_shape(shape), dtype=_float_dtype(dtype))
