"""The computations of Keras 3's ``keras.ops.math``, ``keras.ops.linalg`` and
``keras.ops.core`` operations beyond those of ``_ops.py``: Keras's operation class name ->
(compute, its constructor parameters), as ``_ops._OPERATIONS`` takes them (see
``_ops_numpy``).

As Keras 3.15.1 computes them with its TensorFlow backend: the Fourier transforms take and
give (real, imaginary) pairs, ``lu_factor``'s pivots are TensorFlow's row permutation (not
LAPACK's swaps), ``svd`` gives (u, s, vh), the segment reductions fill empty segments with 0
(sum), 1 (prod) or the dtype's lowest / highest value (max / min).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._ops import _floating


def _assert_matrices(x, what: str, square: bool = True) -> None:
    if x.ndim < 2:
        raise ValueError(f"Expected a matrix or a batch of matrices (rank >= 2) for {what}; "
                         f"received input with shape {x.shape}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"Expected a square matrix (or a batch of them) for {what}; "
                         f"received input with shape {x.shape}")


# --------------------------------------------------------------------------- keras.ops.math


def _erf_float64(x: np.ndarray) -> np.ndarray:
    from .._special import erf as erf64

    return erf64(x)


def erf(xp, x):
    x = _floating(xp, x)
    host = np.asarray(x.get() if hasattr(x, "get") else x, np.float64)
    return xp.asarray(_erf_float64(host).astype(x.dtype))


def erfc(xp, x):
    x = _floating(xp, x)
    host = np.asarray(x.get() if hasattr(x, "get") else x, np.float64)
    return xp.asarray(np.vectorize(math.erfc, otypes=[np.float64])(host).astype(x.dtype))


def erfinv(xp, x):
    """The inverse error function: Giles's single-precision approximation refined by two
    Newton steps in float64 (exact to float64 rounding inside (-1, 1); +-inf at +-1, NaN
    outside)."""
    x = _floating(xp, x)
    y = np.asarray(x.get() if hasattr(x, "get") else x, np.float64)
    with np.errstate(all="ignore"):
        w = -np.log((1.0 - y) * (1.0 + y))
        small = w < 5.0
        ws, wl = w - 2.5, np.sqrt(w) - 3.0
        ps = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            ps = c + ps * ws
        pl = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            pl = c + pl * wl
        r = np.where(small, ps, pl) * y
        for _ in range(2):  # Newton: erf(r) - y = 0
            r = r - (_erf_float64(r) - y) / (2 / math.sqrt(math.pi) * np.exp(-r * r))
        r = np.where(np.abs(y) == 1, np.copysign(np.inf, y), r)
        r = np.where(np.abs(y) > 1, np.nan, r)
    return xp.asarray(r.astype(x.dtype))


def rsqrt(xp, x):
    x = _floating(xp, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 / xp.sqrt(x)


def _segment(kind: str) -> Callable:
    def compute(xp, data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
        data, ids = xp.asarray(data), xp.asarray(segment_ids).astype(np.int64)
        if sorted and num_segments is not None:
            raise ValueError(f"Argument `num_segments` cannot be set when sorted is True when "
                             f"using the tensorflow backend.Received: num_segments="
                             f"{num_segments}, sorted={sorted}.")
        if num_segments is None:
            if kind == "sum" and not sorted:
                num_segments = int(xp.unique(ids).size)
            else:
                num_segments = int(ids.max()) + 1 if ids.size else 0
        num_segments = int(num_segments)
        out = xp.zeros((num_segments, *data.shape[1:]), dtype=data.dtype)
        if kind == "prod":
            out += 1
        elif kind in ("max", "min"):  # empty segments: the dtype's lowest / highest value
            info = np.finfo(data.dtype) if data.dtype.kind == "f" else np.iinfo(data.dtype)
            out += info.min if kind == "max" else info.max
        if ids.size and int(ids.max()) >= num_segments:
            raise ValueError(f"segment_{kind}: segment id {int(ids.max())} is out of range for "
                             f"num_segments={num_segments}")
        keep = ids >= 0  # TensorFlow drops negative ids
        ufunc = {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum}[kind]
        ufunc.at(out, ids[keep], data[keep])
        return out

    return compute


def in_top_k(xp, targets, predictions, k):
    targets = xp.asarray(targets).astype(np.int64)
    predictions = xp.asarray(predictions)
    rows = xp.arange(predictions.shape[0])
    valid = (targets >= 0) & (targets < predictions.shape[-1])  # past the classes: False
    target_scores = predictions[rows, xp.where(valid, targets, 0)]
    better = xp.sum(predictions > target_scores[:, None], axis=-1)
    return (better < k) & xp.isfinite(target_scores) & valid


def logdet(xp, x):
    x = _floating(xp, x)
    sign, log = xp.linalg.slogdet(x)
    return xp.where(sign > 0, log, np.nan).astype(x.dtype)


def cdist(xp, x, y):
    x, y = xp.asarray(x), xp.asarray(y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError("`cdist` inputs must have rank >= 2")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError("Last dimension of inputs to `cdist` must match")
    difference = x[..., :, None, :] - y[..., None, :, :]
    return xp.sqrt(xp.sum(difference * difference, axis=-1))


def extract_sequences(xp, x, sequence_length, sequence_stride):
    x = xp.asarray(x)
    frames = max((x.shape[-1] - sequence_length) // sequence_stride + 1, 0)
    index = (xp.arange(frames)[:, None] * sequence_stride + xp.arange(sequence_length))
    return x[..., index]


def _complex(xp, x, what: str = "x"):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"Input `x` should be a tuple of two tensors - real and imaginary."
                         f"Received: x={x}")
    real, imag = xp.asarray(x[0]), xp.asarray(x[1])
    if real.shape != imag.shape:
        raise ValueError(f"Input `x` should be a tuple of two tensors - real and imaginary."
                         f"Both the real and imaginary parts should have the same shape. "
                         f"Received: x[0].shape = {real.shape}, x[1].shape = {imag.shape}")
    if real.dtype.kind != "f" or imag.dtype.kind != "f":
        raise ValueError(f"At least one tensor in input `x` is not of type float.Received: "
                         f"x={x}.")
    return real + 1j * imag.astype(real.dtype), real.dtype


def _pair(z, dtype):
    return z.real.astype(dtype), z.imag.astype(dtype)


def fft(xp, x):
    z, dtype = _complex(xp, x)
    return _pair(xp.fft.fft(z, axis=-1), dtype)


def fft2(xp, x):
    z, dtype = _complex(xp, x)
    return _pair(xp.fft.fft2(z, axes=(-2, -1)), dtype)


def ifft2(xp, x):
    z, dtype = _complex(xp, x)
    return _pair(xp.fft.ifft2(z, axes=(-2, -1)), dtype)


def rfft(xp, x, fft_length=None):
    x = _floating(xp, x)
    return _pair(xp.fft.rfft(x, n=fft_length, axis=-1), x.dtype)


def irfft(xp, x, fft_length=None):
    z, dtype = _complex(xp, x)
    n = fft_length if fft_length is not None else 2 * (z.shape[-1] - 1)
    if z.shape[-1] > n // 2 + 1:  # TensorFlow reads the first fft_length // 2 + 1 bins
        z = z[..., :n // 2 + 1]
    return xp.fft.irfft(z, n=n, axis=-1).astype(dtype)


def _periodic_window(window, length: int, dtype):
    if window is None:
        return np.ones(length, dtype)
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f'If a string is passed to `window`, it must be one of `"hann"`, '
                             f'`"hamming"`. Received: window={window}')
        a = 0.5 if window == "hann" else 0.54
        n = np.arange(length)
        return (a - (1 - a) * np.cos(2 * np.pi * n / length)).astype(dtype)
    array = np.asarray(window, dtype)
    if array.ndim != 1 or array.shape[-1] != length:
        raise ValueError(f"The shape of `window` must be equal to [sequence_length]."
                         f"Received: window shape={array.shape}")
    return array


def stft(xp, x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    x = xp.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"Invalid input type. Expected `float32` or `float64`. Received: "
                        f"input type={x.dtype}")
    if fft_length < sequence_length:
        raise ValueError(f"`fft_length` must equal or larger than `sequence_length`. "
                         f"Received: sequence_length={sequence_length}, "
                         f"fft_length={fft_length}")
    win = _periodic_window(window, sequence_length, x.dtype)
    if center:
        pad = [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)]
        x = xp.pad(x, pad, mode="reflect")
    left = (fft_length - sequence_length) // 2
    win = np.pad(win, (left, fft_length - sequence_length - left))
    frames = extract_sequences(xp, x, fft_length, sequence_stride) * xp.asarray(win)
    return _pair(xp.fft.rfft(frames, n=fft_length, axis=-1), x.dtype)


def istft(xp, x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """TensorFlow's inverse_stft with its inverse_stft_window_fn (the window divided by the
    sum of the squared windows that overlap each sample of a frame), as Keras calls it."""
    z, dtype = _complex(xp, x)
    frames = xp.fft.irfft(z, n=fft_length, axis=-1).astype(dtype)
    left = (fft_length - sequence_length) // 2
    if window is not None:
        win = np.pad(_periodic_window(window, sequence_length, dtype),
                     (left, fft_length - sequence_length - left))
        squared = win * win
        denominator = np.zeros(fft_length, dtype)
        for shift in range(-(fft_length // sequence_stride) * sequence_stride,
                           fft_length + sequence_stride, sequence_stride):
            lo, hi = max(shift, 0), min(fft_length + shift, fft_length)
            if lo < hi:
                denominator[lo - shift:hi - shift] += squared[lo:hi]
        frames = frames * xp.asarray(win / denominator)
    count = frames.shape[-2]
    total = fft_length + sequence_stride * (count - 1)
    out = xp.zeros((*frames.shape[:-2], total), dtype)
    for i in range(count):
        out[..., i * sequence_stride:i * sequence_stride + fft_length] += frames[..., i, :]
    start = fft_length // 2 if center else 0
    if length is not None:
        return out[..., start:start + length]
    return out[..., start:-(fft_length // 2) if center else total]


def view_as_complex(xp, x):
    x = xp.asarray(x)
    if x.shape[-1] != 2:
        raise ValueError(f"Last dimension of input must be size 2 (real and imaginary). "
                         f"Received shape: {x.shape}")
    return x[..., 0] + 1j * x[..., 1]


def view_as_real(xp, x):
    x = xp.asarray(x)
    return xp.stack([x.real, x.imag], axis=-1)


# --------------------------------------------------------------------------- keras.ops.linalg


def cholesky(xp, x, upper=False):
    x = _floating(xp, x)
    _assert_matrices(x, "cholesky")
    try:
        out = xp.linalg.cholesky(x)
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"Cholesky decomposition failed: {exc}") from exc
    return xp.swapaxes(out, -1, -2).conj() if upper else out


def cholesky_inverse(xp, x, upper=False):
    """The inverse of L L^T (U^T U) from its Cholesky factor: only the factor's triangle is
    read (TensorFlow's triangular solve), the other half may hold anything."""
    x = _floating(xp, x)
    _assert_matrices(x, "cholesky_inverse")
    factor = xp.triu(x) if upper else xp.tril(x)
    if not bool(xp.all(xp.diagonal(factor, axis1=-2, axis2=-1) != 0)):
        # a zero on the diagonal: the triangular solve divides by it (NaN, not an error)
        return xp.full(factor.shape, xp.nan, factor.dtype)
    inverse = xp.linalg.inv(factor)
    if upper:
        return inverse @ xp.swapaxes(inverse, -1, -2)
    return xp.swapaxes(inverse, -1, -2) @ inverse


def _matrix_function(name: str, square: bool = True) -> Callable:
    def compute(xp, x):
        x = _floating(xp, x)
        _assert_matrices(x, name, square)
        return getattr(xp.linalg, name)(x)

    return compute


def eig(xp, x):
    x = _floating(xp, x)
    _assert_matrices(x, "eig")
    values, vectors = xp.linalg.eig(x)
    dtype = np.complex64 if x.dtype == np.float32 else np.complex128
    return values.astype(dtype), vectors.astype(dtype)


def eigh(xp, x):
    x = _floating(xp, x)
    _assert_matrices(x, "eigh")
    values, vectors = xp.linalg.eigh(x)
    return values, vectors


def lu_factor(xp, x):
    """LU with partial pivoting: (lu, pivots), lu holding L (unit diagonal, below) and U,
    pivots (int32) the permutation with x = (L @ U)[pivots] (TensorFlow's, as Keras
    returns it)."""
    x = _floating(xp, x)
    _assert_matrices(x, "lu_factor", square=False)
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(f"LU decomposition failed: Expected a square matrix for lu_factor; "
                         f"received input with shape {x.shape}. LU decomposition is only "
                         f"supported for square matrices in Tensorflow.")
    a = xp.array(x, copy=True)
    n = a.shape[-1]
    batch = a.shape[:-2]
    a = a.reshape(-1, n, n)
    order = xp.tile(xp.arange(n), (a.shape[0], 1))
    rows = xp.arange(a.shape[0])
    for k in range(n):
        pivot = k + xp.argmax(xp.abs(a[:, k:, k]), axis=-1)
        a[rows, [k], :], a[rows, pivot, :] = a[rows, pivot, :], a[rows, [k], :].copy()
        order[rows, k], order[rows, pivot] = order[rows, pivot], order[rows, k].copy()
        diagonal = a[:, k, k][:, None]
        with np.errstate(all="ignore"):
            a[:, k + 1:, k] = a[:, k + 1:, k] / diagonal
        a[:, k + 1:, k + 1:] -= a[:, k + 1:, k, None] * a[:, k, None, k + 1:]
    inverse = xp.argsort(order, axis=-1)
    return a.reshape(*batch, n, n), inverse.reshape(*batch, n).astype(np.int32)


def lstsq(xp, a, b, rcond=None):
    a, b = _floating(xp, a), xp.asarray(b)
    if a.shape[0] != b.shape[0]:
        raise ValueError("Leading dimensions of input arrays must match")
    if a.ndim != 2:
        raise TypeError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
    if b.ndim not in (1, 2):
        raise TypeError(f"{b.ndim}-dimensional array given. Array must be one or "
                        f"two-dimensional")
    vector = b.ndim == 1
    b = b[:, None] if vector else b
    m, n = a.shape
    eps = np.finfo(a.dtype).eps
    rcond = eps * max(n, m) if rcond is None else (eps if rcond < 0 else rcond)
    u, s, vt = xp.linalg.svd(a, full_matrices=False)
    keep = s >= rcond * s[0] if s.size else s > 0
    s_inverse = xp.where(keep, 1 / xp.where(keep, s, 1), 0)[:, None]
    out = vt.T.conj() @ (s_inverse * (u.T.conj() @ b.astype(a.dtype)))
    return out.reshape(-1) if vector else out


def solve(xp, a, b):
    a, b = _floating(xp, a), xp.asarray(b)
    _assert_matrices(a, "solve")
    if b.ndim == a.ndim - 1:
        return xp.linalg.solve(a, b[..., None])[..., 0]
    return xp.linalg.solve(a, b)


def solve_triangular(xp, a, b, lower=False):
    a, b = _floating(xp, a), xp.asarray(b)
    _assert_matrices(a, "solve_triangular")
    a = xp.tril(a) if lower else xp.triu(a)  # as LAPACK, the other triangle is not read
    if b.ndim == a.ndim - 1:
        return xp.linalg.solve(a, b[..., None])[..., 0]
    return xp.linalg.solve(a, b)


def svd(xp, x, full_matrices=True, compute_uv=True):
    x = _floating(xp, x)
    _assert_matrices(x, "svd", square=False)
    if not compute_uv:
        return xp.linalg.svd(x, compute_uv=False)
    u, s, vh = xp.linalg.svd(x, full_matrices=full_matrices)
    return u, s, vh


def qr(xp, x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` argument value not supported. Expected one of "
                         f"{{'reduced', 'complete'}}. Received: mode={mode}")
    x = _floating(xp, x)
    _assert_matrices(x, "qr", square=False)
    q, r = xp.linalg.qr(x, mode=mode)
    return q, r


def matrix_rank(xp, x, tol=None):
    x = _floating(xp, x)
    s = xp.linalg.svd(x, compute_uv=False)
    if tol is None:
        tol = s.max(axis=-1, keepdims=True) * max(x.shape[-2:]) * np.finfo(x.dtype).eps
    else:
        tol = xp.asarray(tol)[..., None]
    return xp.sum(s > tol, axis=-1).astype(np.int32)


def pinv(xp, x, rcond=None):
    x = _floating(xp, x)
    if rcond is None:
        rcond = max(x.shape[-2:]) * np.finfo(x.dtype).eps
    return xp.linalg.pinv(x, rcond=rcond).astype(x.dtype)


def slogdet(xp, x):
    x = _floating(xp, x)
    sign, log = xp.linalg.slogdet(x)
    return sign.astype(x.dtype), log.astype(x.dtype)


# --------------------------------------------------------------------------- keras.ops.core


def scatter(xp, indices, values, shape):
    indices, values = xp.asarray(indices).astype(np.int64), xp.asarray(values)
    out = xp.zeros(tuple(shape), values.dtype)
    np.add.at(out, tuple(xp.moveaxis(indices, -1, 0)), values)
    return out


def scatter_update(xp, inputs, indices, updates, reduction=None):
    out = xp.array(inputs, copy=True)
    indices = xp.asarray(indices).astype(np.int64)
    updates = xp.asarray(updates, out.dtype)
    where = tuple(xp.moveaxis(indices, -1, 0))
    if reduction is None:
        out[where] = updates
    elif reduction in ("add", "max", "min", "mul"):
        ufunc = {"add": np.add, "max": np.maximum, "min": np.minimum,
                 "mul": np.multiply}[reduction]
        ufunc.at(out, where, updates)
    else:
        raise ValueError(f"Unsupported reduction: {reduction}")
    return out


def slice_update(xp, inputs, start_indices, updates):
    out = xp.array(inputs, copy=True)
    updates = xp.asarray(updates)
    starts = [int(s) for s in (start_indices.tolist() if hasattr(start_indices, "tolist")
                               else start_indices)]
    # as XLA's dynamic_update_slice: starts clamped so that the update fits
    starts = [min(max(s, 0), n - u) for s, n, u in zip(starts, out.shape, updates.shape)]
    out[tuple(slice(s, s + u) for s, u in zip(starts, updates.shape))] = updates
    return out


def saturate_cast(xp, x, dtype):
    x = xp.asarray(x)
    dtype = np.dtype(dtype)

    def limits(d):
        if d == np.bool_:
            return 0, 1
        info = np.iinfo(d) if d.kind in "iu" else np.finfo(d)
        return info.min, info.max

    in_min, in_max = limits(x.dtype)
    out_min, out_max = limits(dtype)
    low = np.asarray(max(in_min, out_min)).astype(x.dtype)
    if low < out_min:
        low = np.nextafter(low, 0, dtype=x.dtype)
    high = np.asarray(min(in_max, out_max)).astype(x.dtype)
    if high > out_max:
        high = np.nextafter(high, 0, dtype=x.dtype)
    with np.errstate(invalid="ignore"):
        return xp.clip(x, low, high).astype(dtype)


def unstack(xp, x, num=None, axis=0):
    x = xp.asarray(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"Cannot unstack {x.shape[axis]} values along axis {axis} into "
                         f"num={num}")
    return [xp.take(x, i, axis=axis) for i in range(x.shape[axis])]


OPERATIONS: dict[str, tuple[Callable, tuple[str, ...]]] = {
    "Erf": (erf, ()),
    "Erfc": (erfc, ()),
    "Erfinv": (erfinv, ()),
    "Rsqrt": (rsqrt, ()),
    "SegmentSum": (_segment("sum"), ("num_segments", "sorted")),
    "SegmentProd": (_segment("prod"), ("num_segments", "sorted")),
    "SegmentMax": (_segment("max"), ("num_segments", "sorted")),
    "SegmentMin": (_segment("min"), ("num_segments", "sorted")),
    "InTopK": (in_top_k, ("k",)),
    "Logdet": (logdet, ()),
    "CDist": (cdist, ()),
    "ExtractSequences": (extract_sequences, ("sequence_length", "sequence_stride")),
    "FFT": (fft, ()),
    "FFT2": (fft2, ()),
    "IFFT2": (ifft2, ()),
    "RFFT": (rfft, ("fft_length",)),
    "IRFFT": (irfft, ("fft_length",)),
    "STFT": (stft, ("sequence_length", "sequence_stride", "fft_length", "window", "center")),
    "ISTFT": (istft, ("sequence_length", "sequence_stride", "fft_length", "length", "window",
                      "center")),
    "ViewAsComplex": (view_as_complex, ()),
    "ViewAsReal": (view_as_real, ()),
    "Cholesky": (cholesky, ("upper",)),
    "CholeskyInverse": (cholesky_inverse, ("upper",)),
    "Det": (_matrix_function("det"), ()),
    "Inv": (_matrix_function("inv"), ()),
    "Eig": (eig, ()),
    "Eigh": (eigh, ()),
    "LuFactor": (lu_factor, ()),
    "Lstsq": (lstsq, ("rcond",)),
    "Solve": (solve, ()),
    "SolveTriangular": (solve_triangular, ("lower",)),
    "SVD": (svd, ("full_matrices", "compute_uv")),
    "Qr": (qr, ("mode",)),
    "MatrixRank": (matrix_rank, ("tol",)),
    "Pinv": (pinv, ("rcond",)),
    "Slogdet": (slogdet, ()),
    "Scatter": (scatter, ("shape",)),
    "ScatterUpdate": (scatter_update, ("reduction",)),
    "SliceUpdate": (slice_update, ()),
    "SaturateCast": (saturate_cast, ("dtype",)),
    "Unstack": (unstack, ("num", "axis")),
}


def _pattern_side(side: str) -> list[list[str]]:
    """One side of an einops pattern as its axes: each a list of names (several for a
    parenthesised group)."""
    import re

    axes = []
    for group, name in re.findall(r"\(([^)]*)\)|(\S+)", side):
        axes.append(group.split() if group or not name else [name])
    if any(n == "..." or n.startswith("(") or n.endswith(")") for axis in axes for n in axis):
        raise ValueError(f"rearrange: fusedrnn does not take ellipsis or nested groups in the "
                         f"pattern side {side!r}")
    return axes


def rearrange_plan(pattern: str, shape: tuple, axes_lengths: dict):
    """``rearrange(x, pattern)`` as (reshape to the elementary axes, their transposition,
    reshape to the result) for an ``x`` of ``shape``."""
    if pattern.count("->") != 1:
        raise ValueError(f"rearrange: the pattern must have one '->', got {pattern!r}")
    left, right = (_pattern_side(side) for side in pattern.split("->"))
    if len(left) != len(shape):
        raise ValueError(f"rearrange: the pattern {pattern!r} names {len(left)} axes, the "
                         f"input has shape {shape}")
    sizes = {name: int(n) for name, n in axes_lengths.items()}
    for axis, dim in zip(left, shape):
        unknown = [n for n in axis if n not in sizes]
        if dim is None:  # a symbolic tensor's unknown size (its batch): one axis of its own
            if len(axis) != 1 or not unknown:
                raise ValueError(f"rearrange: the axis {axis} of {pattern!r} has an unknown "
                                 f"size; it cannot be split")
            sizes[unknown[0]] = None
            continue
        known = math.prod(sizes[n] for n in axis if n in sizes)
        if len(unknown) > 1:
            raise ValueError(f"rearrange: cannot infer the sizes of {unknown} in {pattern!r}")
        if unknown:
            sizes[unknown[0]] = dim // known
        if math.prod(sizes[n] for n in axis) != dim:
            raise ValueError(f"rearrange: the axis {axis} of {pattern!r} does not fit the "
                             f"input's size {dim}")
    names = [n for axis in left for n in axis]
    targets = [n for axis in right for n in axis]
    if sorted(names) != sorted(targets):
        raise ValueError(f"rearrange: both sides of {pattern!r} must name the same axes")

    def size(axis):
        return -1 if any(sizes[n] is None for n in axis) else math.prod(sizes[n] for n in axis)

    return [size([n]) for n in names], [names.index(n) for n in targets], [size(a) for a in right]
