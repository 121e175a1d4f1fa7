"""Keras 3's ``keras.ops.linalg``, ``keras.ops.math`` and ``keras.ops.core`` functions that
``fusedrnn._keras_ops`` did not have (see there). The operations (``layers/_ops_math.py``
computes them) run on arrays at once and on symbolic tensors as nodes of a functional graph;
the control flow (``scan``, ``fori_loop``, ``while_loop``, ``map``, ``switch``, ...) runs
Python functions on arrays only: on a symbolic tensor it raises ValueError (Keras traces the
functions into its graph, which fusedrnn does not). ``jvp`` (forward-mode differentiation)
is left out: fusedrnn has no gradients.
"""

from __future__ import annotations

import numpy as np

from .layers._ops import operation

__all__ = ["associative_scan", "cdist", "cholesky", "cholesky_inverse", "custom_gradient", "det",
    "dtype", "eig", "eigh", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2",
    "fori_loop", "ifft2", "in_top_k", "inv", "irfft", "is_tensor", "istft", "logdet", "lstsq",
    "lu_factor", "map", "matrix_rank", "pinv", "qr", "rearrange", "rfft", "rsqrt",
    "saturate_cast", "scan", "scatter", "scatter_update", "segment_max", "segment_min",
    "segment_prod", "segment_sum", "slice_update", "solve", "solve_triangular", "stft", "svd",
    "switch", "unstack", "vectorized_map", "view_as_complex", "view_as_real", "while_loop"]


def _arrays_only(name: str, *values) -> None:
    from .layers._base import has_symbolic

    if has_symbolic(list(values)):
        raise ValueError(f"ops.{name} runs Python functions on arrays in fusedrnn; on symbolic "
                         f"tensors Keras traces them into its graph, which fusedrnn does not: "
                         f"call it inside a layer's call() or on arrays")


def _flatten(value):
    """The arrays of a nested list/tuple/dict, and a function that packs a list of as many
    arrays back into that structure."""
    if isinstance(value, dict):
        keys = sorted(value)
        parts = [_flatten(value[k]) for k in keys]
    elif isinstance(value, (list, tuple)):
        keys = None
        parts = [_flatten(v) for v in value]
    else:
        return [value], lambda leaves: leaves[0]
    sizes = [len(p[0]) for p in parts]
    leaves = [leaf for p in parts for leaf in p[0]]

    def pack(flat):
        out, start = [], 0
        for (_, part_pack), size in zip(parts, sizes):
            out.append(part_pack(list(flat[start:start + size])))
            start += size
        if keys is not None:
            return dict(zip(keys, out))
        return type(value)(out) if type(value) in (list, tuple) else type(value)(*out)

    return leaves, pack


def _stacked(results):
    """Per-slice results (arrays or like nested structures) stacked along a new first axis."""
    leaves = [_flatten(r)[0] for r in results]
    pack = _flatten(results[0])[1]
    return pack([np.stack([np.asarray(r[j]) for r in leaves]) for j in range(len(leaves[0]))])


# --------------------------------------------------------------------------- keras.ops.linalg


def cholesky(x, upper=False):
    return operation("Cholesky", x, upper=upper)


def cholesky_inverse(x, upper=False):
    return operation("CholeskyInverse", x, upper=upper)


def det(x):
    return operation("Det", x)


def eig(x):
    return operation("Eig", x)


def eigh(x):
    return operation("Eigh", x)


def inv(x):
    return operation("Inv", x)


def lstsq(a, b, rcond=None):
    return operation("Lstsq", a, b, rcond=rcond)


def lu_factor(x):
    return operation("LuFactor", x)


def matrix_rank(x, tol=None):
    return operation("MatrixRank", x, tol=tol)


def pinv(x, rcond=None):
    return operation("Pinv", x, rcond=rcond)


def qr(x, mode="reduced"):
    return operation("Qr", x, mode=mode)


def solve(a, b):
    return operation("Solve", a, b)


def solve_triangular(a, b, lower=False):
    return operation("SolveTriangular", a, b, lower=lower)


def svd(x, full_matrices=True, compute_uv=True):
    return operation("SVD", x, full_matrices=full_matrices, compute_uv=compute_uv)


# --------------------------------------------------------------------------- keras.ops.math


def cdist(x, y):
    return operation("CDist", x, y)


def erf(x):
    return operation("Erf", x)


def erfc(x):
    return operation("Erfc", x)


def erfinv(x):
    return operation("Erfinv", x)


def extract_sequences(x, sequence_length, sequence_stride):
    return operation("ExtractSequences", x, sequence_length=sequence_length,
                     sequence_stride=sequence_stride)


def fft(x):
    return operation("FFT", x)


def fft2(x):
    return operation("FFT2", x)


def ifft2(x):
    return operation("IFFT2", x)


def in_top_k(targets, predictions, k):
    return operation("InTopK", targets, predictions, k=k)


def irfft(x, fft_length=None):
    return operation("IRFFT", x, fft_length=fft_length)


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    return operation("ISTFT", x, sequence_length=sequence_length, sequence_stride=sequence_stride,
                     fft_length=fft_length, length=length, window=window, center=center)


def logdet(x):
    return operation("Logdet", x)


def rfft(x, fft_length=None):
    return operation("RFFT", x, fft_length=fft_length)


def rsqrt(x):
    return operation("Rsqrt", x)


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    return operation("SegmentMax", data, segment_ids, num_segments=num_segments, sorted=sorted)


def segment_min(data, segment_ids, num_segments=None, sorted=False):
    return operation("SegmentMin", data, segment_ids, num_segments=num_segments, sorted=sorted)


def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    return operation("SegmentProd", data, segment_ids, num_segments=num_segments, sorted=sorted)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    return operation("SegmentSum", data, segment_ids, num_segments=num_segments, sorted=sorted)


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    return operation("STFT", x, sequence_length=sequence_length, sequence_stride=sequence_stride,
                     fft_length=fft_length, window=window, center=center)


def view_as_complex(x):
    return operation("ViewAsComplex", x)


def view_as_real(x):
    return operation("ViewAsReal", x)


# --------------------------------------------------------------------------- keras.ops.core


def scatter(indices, values, shape):
    return operation("Scatter", indices, values, shape=shape)


def scatter_update(inputs, indices, updates, reduction=None):
    return operation("ScatterUpdate", inputs, indices, updates, reduction=reduction)


def slice_update(inputs, start_indices, updates):
    return operation("SliceUpdate", inputs, start_indices, updates)


def saturate_cast(x, dtype):
    return operation("SaturateCast", x, dtype=np.dtype(dtype).name)


def unstack(x, num=None, axis=0):
    return operation("Unstack", x, num=num, axis=axis)


def dtype(x) -> str:
    """Keras's standardized name of ``x``'s dtype (``"float32"``, ``"int32"``, ...)."""
    from .layers._base import KerasTensor

    if isinstance(x, KerasTensor):
        return str(x.dtype)
    return np.dtype(getattr(x, "dtype", None) or np.asarray(x).dtype).name


def is_tensor(x) -> bool:
    """Whether ``x`` is an array of the backend (NumPy or CuPy), as Keras's is_tensor is for
    its backend's tensors."""
    from . import _backend

    return isinstance(x, np.ndarray) or _backend.is_cupy_array(x)


def custom_gradient(f):
    """Keras's decorator for a function with a custom gradient: ``f`` returns ``(output,
    grad_fn)``; at inference only the output counts, so the decorated function returns it."""

    def call(*args, **kwargs):
        output, _ = f(*args, **kwargs)
        return output

    return call


def associative_scan(f, elems, reverse=False, axis=0):
    """The inclusive scan of ``elems`` (an array or a nested list/tuple/dict of arrays)
    along ``axis`` with the associative ``f(a, b)``, computed in order (on arrays only)."""
    _arrays_only("associative_scan", elems)
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    leaves, pack = _flatten(elems)
    leaves = [np.asarray(leaf) for leaf in leaves]
    if reverse:
        leaves = [np.flip(leaf, axis) for leaf in leaves]
    n = leaves[0].shape[axis]
    if any(leaf.shape[axis] != n for leaf in leaves):
        raise ValueError(f"Array inputs to associative_scan must have the same first "
                         f"dimension. (saw: {[leaf.shape for leaf in leaves]})")
    steps = [[np.take(leaf, [i], axis=axis) for leaf in leaves] for i in range(n)]
    out = steps[:1]
    for step in steps[1:]:
        out.append(_flatten(f(pack(out[-1]), pack(step)))[0])
    result = [np.concatenate([o[j] for o in out], axis=axis) if out else leaves[j]
              for j in range(len(leaves))]
    if reverse:
        result = [np.flip(r, axis) for r in result]
    return pack(result)


def fori_loop(lower, upper, body_fun, init_val):
    """``init_val`` through ``body_fun(i, value)`` for i in [lower, upper) (on arrays only)."""
    _arrays_only("fori_loop", lower, upper, init_val)
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def map(f, xs):  # noqa: A001 - Keras's name
    """``f`` on each leading slice of ``xs`` (an array or a nested structure of arrays), the
    results stacked (on arrays only)."""
    _arrays_only("map", xs)
    leaves, pack = _flatten(xs)
    n = np.shape(leaves[0])[0]
    results = [f(pack([leaf[i] for leaf in leaves])) for i in range(n)]
    return _stacked(results)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``carry, y = f(carry, x)`` over the leading slices of ``xs`` (or ``length`` times with
    x = None); returns the last carry and the stacked ys (on arrays only)."""
    _arrays_only("scan", init, xs)
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"`unroll` must be an positive integer or boolean. Received: "
                         f"unroll={unroll}")
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    leaves, pack = _flatten(xs) if xs is not None else ([], None)
    n = int(length) if length is not None else np.shape(leaves[0])[0]
    carry, ys = init, []
    for i in (range(n - 1, -1, -1) if reverse else range(n)):
        carry, y = f(carry, pack([leaf[i] for leaf in leaves]) if pack else None)
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, _stacked(ys) if ys and ys[0] is not None else None


def switch(index, branches, *operands):
    """``branches[index](*operands)``, the index clipped to the branches (on arrays only)."""
    _arrays_only("switch", index)
    i = int(np.clip(int(np.asarray(index)), 0, len(branches) - 1))
    return branches[i](*operands)


def vectorized_map(function, elements):
    """``function`` on each leading slice of ``elements``, the results stacked (on arrays
    only)."""
    return map(function, elements)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most
    ``maximum_iterations`` times); a tuple or list of loop_vars is unpacked into the calls,
    as Keras's (on arrays only)."""
    _arrays_only("while_loop", loop_vars)
    several = isinstance(loop_vars, (list, tuple))
    values = tuple(loop_vars) if several else (loop_vars,)
    count = 0
    while bool(np.asarray(cond(*values))) and (maximum_iterations is None
                                               or count < maximum_iterations):
        out = body(*values)
        values = tuple(out) if several else (out,)
        count += 1
    return type(loop_vars)(values) if several else values[0]


def rearrange(tensor, pattern, **axes_lengths):
    """Einops's rearrange (as Keras's: a pattern of named axes, parenthesised groups; no
    ellipsis), computed with reshapes and a transpose."""
    from .layers._ops_math import rearrange_plan

    x = np.asarray(tensor) if not hasattr(tensor, "shape") else tensor
    before, perm, after = rearrange_plan(pattern, tuple(x.shape), axes_lengths)
    from . import _keras_ops as ops

    return ops.reshape(ops.transpose(ops.reshape(x, before), perm), after)
