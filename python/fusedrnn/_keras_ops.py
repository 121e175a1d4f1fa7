"""Keras 3's ``keras.ops`` tensor functions, as ``fusedrnn.ops`` gives them.

``from keras import ops`` becomes ``from fusedrnn import ops``: ``ops.mean(h, axis=1)``,
``ops.concatenate([a, b], axis=-1)``, ``ops.softmax(scores)``. On arrays (NumPy, or CuPy) a
function computes at once, in Keras's dtypes (float32, int32 indices); on a symbolic tensor
(an :func:`fusedrnn.layers.Input` or a layer's output) it adds the operation to the graph of a
functional model, as Keras 3 does, and the model runs it with its other layers. The signatures
are Keras's. These are the operations of keras.ops that models around recurrent layers use;
``load_model`` runs the same ones in saved graphs.

Names that shadow Python's builtins (``sum``, ``max``, ``min``, ``abs``, ``all``, ``any``,
``round``) are Keras's; this module does not use the builtins.
"""

from __future__ import annotations

from .layers._ops import operation

__all__ = [
    "abs", "absolute", "add", "all", "any", "arange", "argmax", "argmin", "argsort", "cast",
    "ceil", "clip", "cond", "dot", "logsumexp", "norm", "one_hot", "slice", "sort", "split",
    "stop_gradient", "top_k",
    "concatenate", "convert_to_numpy", "convert_to_tensor", "ctc_decode", "ctc_loss",
    "cumsum", "divide", "einsum", "elu", "equal", "exp",
    "expand_dims", "flip", "floor", "floor_divide", "gelu", "greater", "greater_equal",
    "hard_sigmoid", "leaky_relu", "less", "less_equal", "log", "log_softmax", "logical_and",
    "logical_not", "logical_or", "logical_xor", "matmul", "max", "maximum", "mean", "min",
    "minimum", "mod", "multiply", "negative", "not_equal", "ones_like", "power", "prod",
    "relu", "repeat", "reshape", "round", "shape", "sigmoid", "sign", "silu", "softmax", "softplus",
    "sqrt", "square", "squeeze", "stack", "std", "subtract", "sum", "swapaxes", "swish",
    "take", "tanh", "tile", "transpose", "true_divide", "var", "where", "zeros_like",
]


# --------------------------------------------------------------------------- arithmetic


def add(x1, x2):
    return operation("Add", x1, x2)


def subtract(x1, x2):
    return operation("Subtract", x1, x2)


def multiply(x1, x2):
    return operation("Multiply", x1, x2)


def divide(x1, x2):
    return operation("Divide", x1, x2)


def true_divide(x1, x2):
    return operation("TrueDivide", x1, x2)


def floor_divide(x1, x2):
    return operation("FloorDivide", x1, x2)


def mod(x1, x2):
    return operation("Mod", x1, x2)


def power(x1, x2):
    return operation("Power", x1, x2)


def maximum(x1, x2):
    return operation("Maximum", x1, x2)


def minimum(x1, x2):
    return operation("Minimum", x1, x2)


def matmul(x1, x2):
    return operation("Matmul", x1, x2)


def einsum(subscripts, *operands):
    return operation("Einsum", *operands, subscripts=subscripts)


def negative(x):
    return operation("Negative", x)


def absolute(x):
    return operation("Absolute", x)


abs = absolute  # Keras's name


def square(x):
    return operation("Square", x)


def sqrt(x):
    return operation("Sqrt", x)


def exp(x):
    return operation("Exp", x)


def log(x):
    return operation("Log", x)


def tanh(x):
    return operation("Tanh", x)


def sign(x):
    return operation("Sign", x)


def floor(x):
    return operation("Floor", x)


def ceil(x):
    return operation("Ceil", x)


def round(x, decimals=0):  # Keras's name
    return operation("Round", x, decimals=decimals)


def clip(x, x_min, x_max):
    return operation("Clip", x, x_min=x_min, x_max=x_max)


# --------------------------------------------------------------------------- reductions


def sum(x, axis=None, keepdims=False):  # Keras's name
    return operation("Sum", x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return operation("Mean", x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    return operation("Var", x, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return operation("Std", x, axis=axis, keepdims=keepdims)


def prod(x, axis=None, keepdims=False, dtype=None):
    return operation("Prod", x, axis=axis, keepdims=keepdims, dtype=dtype)


def max(x, axis=None, keepdims=False, initial=None):  # Keras's name
    return operation("Max", x, axis=axis, keepdims=keepdims, initial=initial)


def min(x, axis=None, keepdims=False, initial=None):  # Keras's name
    return operation("Min", x, axis=axis, keepdims=keepdims, initial=initial)


def any(x, axis=None, keepdims=False):  # Keras's name
    return operation("Any", x, axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims=False):  # Keras's name
    return operation("All", x, axis=axis, keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    return operation("Argmax", x, axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    return operation("Argmin", x, axis=axis, keepdims=keepdims)


def cumsum(x, axis=None, dtype=None):
    return operation("Cumsum", x, axis=axis, dtype=dtype)


# --------------------------------------------------------------------------- shapes


def reshape(x, newshape):
    return operation("Reshape", x, newshape=newshape)


def transpose(x, axes=None):
    return operation("Transpose", x, axes=axes)


def expand_dims(x, axis):
    return operation("ExpandDims", x, axis=axis)


def squeeze(x, axis=None):
    return operation("Squeeze", x, axis=axis)


def concatenate(xs, axis=0):
    return operation("Concatenate", list(xs), axis=axis)


def stack(x, axis=0):
    return operation("Stack", list(x), axis=axis)


def repeat(x, repeats, axis=None):
    return operation("Repeat", x, repeats=repeats, axis=axis)


def tile(x, repeats):
    return operation("Tile", x, repeats=repeats)


def flip(x, axis=None):
    return operation("Flip", x, axis=axis)


def swapaxes(x, axis1, axis2):
    return operation("Swapaxes", x, axis1=axis1, axis2=axis2)


def take(x, indices, axis=None):
    return operation("Take", x, indices, axis=axis)


def where(condition, x1=None, x2=None):
    return operation("Where", condition, x1, x2)


def zeros_like(x, dtype=None):
    return operation("ZerosLike", x, dtype=dtype)


def ones_like(x, dtype=None):
    return operation("OnesLike", x, dtype=dtype)


def cast(x, dtype):
    return operation("Cast", x, dtype=dtype)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    return operation("ConvertToTensor", x, dtype=dtype, sparse=sparse, ragged=ragged)


def shape(x) -> tuple:
    """The shape of ``x``, a tuple (None for a symbolic tensor's unknown sizes)."""
    import numpy as np

    return tuple(x.shape) if hasattr(x, "shape") else tuple(np.shape(x))


def convert_to_numpy(x):
    """A NumPy array of ``x`` (an array, a CuPy array brought to the host, or a nested list);
    on arrays only, as Keras's."""
    import numpy as np

    from . import _backend
    from .layers._base import has_symbolic

    if has_symbolic(x):
        raise TypeError("convert_to_numpy takes arrays, not symbolic tensors")
    return np.asarray(_backend.to_numpy(x) if _backend.is_cupy_array(x) else x)


# --------------------------------------------------------------------------- comparisons


def equal(x1, x2):
    return operation("Equal", x1, x2)


def not_equal(x1, x2):
    return operation("NotEqual", x1, x2)


def greater(x1, x2):
    return operation("Greater", x1, x2)


def greater_equal(x1, x2):
    return operation("GreaterEqual", x1, x2)


def less(x1, x2):
    return operation("Less", x1, x2)


def less_equal(x1, x2):
    return operation("LessEqual", x1, x2)


def logical_and(x1, x2):
    return operation("LogicalAnd", x1, x2)


def logical_or(x1, x2):
    return operation("LogicalOr", x1, x2)


def logical_xor(x1, x2):
    return operation("LogicalXor", x1, x2)


def logical_not(x):
    return operation("LogicalNot", x)


# --------------------------------------------------------------------------- keras.ops.nn


def sigmoid(x):
    return operation("Sigmoid", x)


def relu(x):
    return operation("Relu", x)


def silu(x):
    return operation("Silu", x)


swish = silu


def softplus(x):
    return operation("Softplus", x)


def hard_sigmoid(x):
    return operation("HardSigmoid", x)


def elu(x, alpha=1.0):
    return operation("Elu", x, alpha=alpha)


def leaky_relu(x, negative_slope=0.2):
    return operation("LeakyRelu", x, negative_slope=negative_slope)


def gelu(x, approximate=True):
    return operation("Gelu", x, approximate=approximate)


def softmax(x, axis=-1):
    return operation("Softmax", x, axis=axis)


def log_softmax(x, axis=-1):
    return operation("LogSoftmax", x, axis=axis)


# --------------------------------------------------------------------------- decoding


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Keras's ``ops.ctc_decode``, as its TensorFlow backend decodes.

    ``strategy="greedy"`` (TensorFlow's greedy decoder): per sample, the best class of each
    of its first ``sequence_lengths`` steps, repeats merged (``merge_repeated``), the blank
    ``mask_index`` dropped (None: the last class). Returns ``(decoded, scores)``: decoded
    int32 (1, batch, steps) padded with -1, scores float32 (batch, 1), minus the sum of
    each step's best score.

    ``strategy="beam_search"`` (TensorFlow's beam search decoder, as Keras calls it): the
    ``top_paths`` best labellings found with ``beam_width`` prefixes kept per step, the
    inputs read as logits (each step's log-softmax), repeated labels
    kept apart by a blank (``merge_repeated`` does not apply, as in Keras). decoded int32
    (top_paths, batch, steps) padded with -1, scores float32 (batch, top_paths): each
    path's log-score. On arrays only: it decodes a model's output, after ``predict``."""
    from . import _ctc

    return _ctc.decode(inputs, sequence_lengths, strategy, beam_width, top_paths,
                       merge_repeated, mask_index)


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Keras's ``ops.ctc_loss`` (TensorFlow's): per sample, minus the log-probability of
    its first ``target_length`` labels over every alignment to its first ``output_length``
    steps of ``output`` (logits, (batch, steps, classes)), ``mask_index`` the blank; float32
    (batch,), +inf where the labels cannot fit. On arrays only."""
    from . import _ctc

    return _ctc.loss(target, output, target_length, output_length, mask_index)


# --------------------------------------------------------------------------- more of keras.ops


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    if sparse:
        raise ValueError("one_hot(sparse=True): fusedrnn computes dense arrays")
    return operation("OneHot", x, num_classes=num_classes, axis=axis, dtype=dtype,
                     sparse=sparse)


def logsumexp(x, axis=None, keepdims=False):
    return operation("Logsumexp", x, axis=axis, keepdims=keepdims)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - Keras's argument name
    return operation("Norm", x, ord=ord, axis=axis, keepdims=keepdims)


def dot(x1, x2):
    return operation("Dot", x1, x2)


def sort(x, axis=-1):
    return operation("Sort", x, axis=axis)


def argsort(x, axis=-1):
    return operation("Argsort", x, axis=axis)


def stop_gradient(variable):
    """The input itself (no gradients at inference)."""
    return operation("StopGradient", variable)


def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's name
    return operation("Slice", inputs, list(start_indices), shape=list(shape))


def _arrays_only(name: str, *values) -> None:
    from .layers._base import has_symbolic

    if has_symbolic(list(values)):
        raise TypeError(f"ops.{name} runs on arrays in fusedrnn (inside a layer's call), not "
                        f"on symbolic tensors")


def arange(start, stop=None, step=1, dtype=None):
    """Keras's arange: int32 for whole numbers, float32 otherwise (unless ``dtype``)."""
    import numpy as np

    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is None:
        dtype = "int32" if values.dtype.kind in "iu" else "float32"
    return values.astype(dtype)


def top_k(x, k, sorted=True):  # noqa: A002 - Keras's argument name
    """The k largest values along the last axis and their indices (int32), largest first
    (ties: the lower index first, as TensorFlow's)."""
    import numpy as np

    _arrays_only("top_k", x)
    x = np.asarray(x)
    order = np.argsort(-x, axis=-1, kind="stable")[..., :int(k)]
    return np.take_along_axis(x, order, axis=-1), order.astype(np.int32)


def split(x, indices_or_sections, axis=0):
    import numpy as np

    _arrays_only("split", x)
    return np.split(np.asarray(x), indices_or_sections, axis=axis)


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()`` (pred an array or a bool)."""
    import numpy as np

    _arrays_only("cond", pred)
    return true_fn() if bool(np.asarray(pred)) else false_fn()


# --------------------------------------------------------------------------- the rest of keras.ops

from . import _keras_ops_math, _keras_ops_nn, _keras_ops_numpy  # noqa: E402

for _module in (_keras_ops_numpy, _keras_ops_nn, _keras_ops_math):
    globals().update({name: getattr(_module, name) for name in _module.__all__})
__all__ += [name for module in (_keras_ops_numpy, _keras_ops_nn, _keras_ops_math)
            for name in module.__all__]
del _module

# Keras's submodules keras.ops.numpy, .nn, .linalg, .math and .core: the names of each (Keras
# 3.15.1 exports .math and .core at keras.ops only; fusedrnn.ops has them as namespaces too).
SUBMODULES = {
    "numpy": ("abs", "absolute", "add", "all", "allclose", "amax", "amin", "angle", "any",
        "append", "arange", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
        "arctanh", "argmax", "argmin", "argpartition", "argsort", "array", "array_split",
        "average", "bartlett", "bincount", "bitwise_and", "bitwise_invert", "bitwise_left_shift",
        "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "blackman",
        "broadcast_to", "cbrt", "ceil", "clip", "concatenate", "conj", "conjugate", "copy",
        "corrcoef", "correlate", "cos", "cosh", "count_nonzero", "cross", "cumprod", "cumsum",
        "deg2rad", "diag", "diagflat", "diagonal", "diff", "digitize", "divide", "divide_no_nan",
        "dot", "dsplit", "dstack", "einsum", "empty", "empty_like", "equal", "exp", "exp2",
        "expand_dims", "expm1", "eye", "fabs", "flip", "fliplr", "flipud", "floor",
        "floor_divide", "fmax", "fmin", "fmod", "full", "full_like", "gcd", "geomspace",
        "get_item", "greater", "greater_equal", "hamming", "hanning", "heaviside", "histogram",
        "hsplit", "hstack", "hypot", "i0", "identity", "imag", "inner", "isclose", "isfinite",
        "isin", "isinf", "isnan", "isneginf", "isposinf", "isreal", "kaiser", "kron", "lcm",
        "ldexp", "left_shift", "less", "less_equal", "linspace", "log", "log10", "log1p", "log2",
        "logaddexp", "logaddexp2", "logical_and", "logical_not", "logical_or", "logical_xor",
        "logspace", "matmul", "max", "maximum", "mean", "median", "meshgrid", "min", "minimum",
        "mod", "moveaxis", "multiply", "nan_to_num", "nanargmax", "nanargmin", "nancumprod",
        "nancumsum", "nanmax", "nanmean", "nanmedian", "nanmin", "nanpercentile", "nanprod",
        "nanquantile", "nanstd", "nansum", "nanvar", "ndim", "negative", "nextafter", "nonzero",
        "not_equal", "ones", "ones_like", "outer", "pad", "percentile", "power", "prod", "ptp",
        "quantile", "rad2deg", "ravel", "real", "reciprocal", "repeat", "reshape", "right_shift",
        "roll", "rot90", "round", "searchsorted", "select", "sign", "signbit", "sin", "sinc",
        "sinh", "size", "slogdet", "sort", "split", "sqrt", "square", "squeeze", "stack", "std",
        "subtract", "sum", "swapaxes", "take", "take_along_axis", "tan", "tanh", "tensordot",
        "tile", "trace", "transpose", "trapezoid", "tri", "tril", "triu", "true_divide", "trunc",
        "unique", "unravel_index", "vander", "var", "vdot", "vectorize", "view", "vsplit",
        "vstack", "where", "zeros", "zeros_like",),
    "nn": ("adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization",
        "binary_crossentropy", "categorical_crossentropy", "celu", "conv", "conv_transpose",
        "ctc_decode", "ctc_loss", "depth_to_space", "depthwise_conv", "dot_product_attention",
        "elu", "fold", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
        "hard_tanh", "layer_normalization", "leaky_relu", "log_sigmoid", "log_softmax",
        "max_pool", "moments", "multi_hot", "normalize", "one_hot", "polar", "psnr", "relu",
        "relu6", "rms_normalization", "selu", "separable_conv", "sigmoid", "silu", "soft_shrink",
        "softmax", "softplus", "softsign", "space_to_depth", "sparse_categorical_crossentropy",
        "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh_shrink",
        "threshold", "unfold",),
    "linalg": ("cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq",
        "lu_factor", "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd",),
    "math": ("cdist", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2",
        "in_top_k", "irfft", "istft", "logdet", "logsumexp", "rfft", "rsqrt", "segment_max",
        "segment_min", "segment_prod", "segment_sum", "stft", "top_k", "view_as_complex",
        "view_as_real",),
    "core": ("associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor",
        "custom_gradient", "dtype", "fori_loop", "is_tensor", "map", "saturate_cast", "scan",
        "scatter", "scatter_update", "shape", "slice", "slice_update", "stop_gradient", "switch",
        "unstack", "vectorized_map", "while_loop",),
}
