"""Record Keras 3's results of the keras.ops functions (numpy, nn, linalg, math, core) and
activations for tests/test_keras_ops_golden.py.

NOT run by CI and not collected by pytest. It needs Keras 3 (TensorFlow backend)::

    CUDA_VISIBLE_DEVICES="" /tmp/tfenv/bin/python tests/golden/generate_keras_ops_golden.py

Writes tests/data/golden/keras_ops/calls.json (per case: the function, its arguments with arrays
as references, Keras's result dtypes and how to compare) and calls.npz (the arrays:
``a<case>_<i>`` the arguments, ``r<case>_<i>`` Keras's results). A case whose call raises in
Keras is recorded with the error's type, and the test expects fusedrnn to raise too.

It also saves a Keras functional model whose graph holds some of these operations (several
outputs, keyword operands, nn, numpy, math and core ones) and Dense layers with the new
activations: model.keras and model.npz (its input ``x`` and Keras's
prediction ``y``); ``build_model`` is shared with the test, which builds it with fusedrnn.

Compare modes: "values" (default), "abs" (absolute values: QR, SVD and eigenvector signs are
the LAPACK build's choice), "first" (only the first result), "sorted" (the first result's
values sorted: eig's order).
"""

from __future__ import annotations

import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "keras_ops")


def cases(rng):  # noqa: PLR0915 - one list of cases
    f32 = np.float32
    x = rng.standard_normal((2, 3, 4)).astype(f32)
    y = rng.standard_normal((2, 3, 4)).astype(f32)
    v = rng.standard_normal(6).astype(f32)
    m = rng.standard_normal((3, 3)).astype(f32)
    mb = rng.standard_normal((2, 3, 3)).astype(f32)
    spd = (m @ m.T + 3 * np.eye(3)).astype(f32)
    unit = rng.uniform(-0.95, 0.95, (3, 4)).astype(f32)
    pos = (np.abs(x) + 0.5).astype(f32)
    big = (pos + 1).astype(f32)
    ints = rng.integers(-5, 6, (3, 4)).astype(np.int32)
    uints = rng.integers(0, 7, (3, 4)).astype(np.int32)
    nans = x[0].copy()
    nans[0, 1] = np.nan
    nans[2, 3] = np.nan
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.5], f32)
    half = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999997], f32)
    signal = rng.standard_normal((2, 64)).astype(f32)
    image = rng.standard_normal((2, 6, 5, 3)).astype(f32)
    seq = rng.standard_normal((2, 9, 3)).astype(f32)
    vol = rng.standard_normal((1, 4, 5, 4, 2)).astype(f32)
    out = []

    def add(name, *args, compare="values", tol=None, **kwargs):
        out.append({"name": name, "args": list(args), "kwargs": kwargs, "compare": compare,
                    "tol": tol})

    # ----------------------------------------------------------------- activations
    for act in ("celu", "glu", "hard_shrink", "hard_silu", "hard_swish", "hard_tanh",
                "leaky_relu", "log_sigmoid", "mish", "soft_shrink", "sparse_plus",
                "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "relu6", "selu",
                "softsign", "elu", "gelu", "silu", "softplus", "exponential", "linear",
                "hard_sigmoid", "sigmoid", "tanh", "relu", "softmax", "log_softmax"):
        add("activations." + act, (x * 3).astype(f32))
    add("activations.celu", x * 3, alpha=0.5)
    add("activations.glu", np.concatenate([x, y], axis=1), axis=1)
    add("activations.hard_shrink", x, threshold=1.0)
    add("activations.soft_shrink", x, threshold=0.2)
    add("activations.leaky_relu", x, negative_slope=0.05)
    add("activations.squareplus", x, b=1)
    add("activations.sparsemax", x, axis=1)
    add("activations.threshold", x, threshold=0.1, default_value=-1.0)
    add("activations.relu", x * 3, negative_slope=0.1, max_value=2.0, threshold=0.5)
    add("activations.log_sigmoid", np.array([-100.0, -20.0, 0.0, 20.0, 100.0], f32))
    # ----------------------------------------------------------------- keras.ops.nn
    for act in ("celu", "glu", "hard_shrink", "hard_silu", "hard_swish", "hard_tanh",
                "log_sigmoid", "soft_shrink", "sparse_plus", "sparse_sigmoid", "sparsemax",
                "squareplus", "tanh_shrink", "relu6", "selu", "softsign"):
        add(act, (x * 3).astype(f32))
    add("celu", x, alpha=2.0)
    add("glu", np.concatenate([x, y], axis=1), axis=1)
    add("hard_shrink", x, threshold=0.8)
    add("soft_shrink", x, threshold=0.8)
    add("squareplus", x, b=2)
    add("sparsemax", x, axis=0)
    add("threshold", x, 0.2, -5.0)
    add("relu6", (x * 10).astype(f32))
    add("moments", x, [0, 2])
    add("moments", x, [1], keepdims=True)
    add("normalize", x)
    add("normalize", x, axis=1, order=1)
    add("normalize", x, axis=-1, order=3, epsilon=1e-3)
    add("batch_normalization", x, x.mean(axis=(0, 1)), x.var(axis=(0, 1)) + 0.1, -1,
        offset=np.linspace(-1, 1, 4).astype(f32), scale=np.linspace(0.5, 2, 4).astype(f32))
    add("batch_normalization", x, x.mean(axis=(0, 2)), x.var(axis=(0, 2)) + 0.1, 1,
        epsilon=0.01)
    add("layer_normalization", x, np.linspace(0.5, 2, 4).astype(f32),
        np.linspace(-1, 1, 4).astype(f32))
    add("layer_normalization", x, axis=[1, 2], epsilon=1e-3)
    add("rms_normalization", x, np.linspace(0.5, 2, 4).astype(f32))
    add("rms_normalization", x, axis=1, epsilon=1e-2)
    probs = np.exp(x) / np.exp(x).sum(-1, keepdims=True)
    onehot = np.eye(4, dtype=f32)[rng.integers(0, 4, (2, 3))]
    labels = rng.integers(0, 4, (2, 3)).astype(np.int32)
    add("categorical_crossentropy", onehot, probs)
    add("categorical_crossentropy", onehot, x, from_logits=True)
    add("sparse_categorical_crossentropy", labels, probs)
    add("sparse_categorical_crossentropy", labels, x, from_logits=True)
    sig = (1 / (1 + np.exp(-x))).astype(f32)
    target = (rng.uniform(size=x.shape) > 0.5).astype(f32)
    add("binary_crossentropy", target, sig)
    add("binary_crossentropy", target, x * 5, from_logits=True)
    add("binary_crossentropy", target, np.where(target > 0, 1.0, 0.0).astype(f32))
    add("one_hot", np.array([0, 3, 1]), 4)
    add("multi_hot", np.array([[0, 2], [1, 1]]), 4)
    add("multi_hot", np.array([0, 2, 3]), 5)
    add("psnr", pos, big, 3.0)
    q = rng.standard_normal((2, 5, 2, 4)).astype(f32)
    k = rng.standard_normal((2, 6, 2, 4)).astype(f32)
    val = rng.standard_normal((2, 6, 2, 3)).astype(f32)
    add("dot_product_attention", q, k, val)
    add("dot_product_attention", q, k[:, :5], val[:, :5], is_causal=True)
    add("dot_product_attention", q, k, val, scale=0.3,
        bias=rng.standard_normal((2, 2, 5, 6)).astype(f32),
        mask=rng.uniform(size=(2, 1, 5, 6)) > 0.3)
    add("dot_product_attention", rng.standard_normal((1, 3, 4, 2)).astype(f32),
        rng.standard_normal((1, 3, 2, 2)).astype(f32),
        rng.standard_normal((1, 3, 2, 2)).astype(f32))
    add("depth_to_space", rng.standard_normal((1, 2, 3, 8)).astype(f32), 2)
    add("space_to_depth", rng.standard_normal((1, 4, 6, 2)).astype(f32), 2)
    add("space_to_depth", rng.standard_normal((1, 2, 4, 6)).astype(f32), 2,
        data_format="channels_first")
    add("unfold", rng.standard_normal((1, 2, 5, 6)).astype(f32), 3, padding=1, stride=2)
    add("fold", rng.standard_normal((1, 2 * 4, 12)).astype(f32), (4, 5), 2)
    add("conv", seq, rng.standard_normal((3, 3, 5)).astype(f32))
    add("conv", seq, rng.standard_normal((2, 3, 4)).astype(f32), strides=2, padding="same")
    add("conv", seq, rng.standard_normal((2, 3, 2)).astype(f32), dilation_rate=2,
        padding="same")
    add("conv", image, rng.standard_normal((3, 2, 3, 4)).astype(f32), strides=(2, 1))
    add("conv", np.moveaxis(image, -1, 1), rng.standard_normal((2, 2, 3, 4)).astype(f32),
        padding="same", data_format="channels_first")
    add("conv", vol, rng.standard_normal((2, 2, 2, 2, 3)).astype(f32), padding="same")
    add("depthwise_conv", image, rng.standard_normal((3, 3, 3, 2)).astype(f32))
    add("depthwise_conv", seq, rng.standard_normal((2, 3, 1)).astype(f32), strides=2,
        padding="same")
    add("separable_conv", image, rng.standard_normal((3, 3, 3, 2)).astype(f32),
        rng.standard_normal((1, 1, 6, 4)).astype(f32), padding="same")
    add("conv_transpose", seq, rng.standard_normal((3, 4, 3)).astype(f32), strides=2)
    add("conv_transpose", image, rng.standard_normal((2, 2, 4, 3)).astype(f32), strides=2,
        padding="same")
    add("conv_transpose", seq, rng.standard_normal((3, 2, 3)).astype(f32), strides=2,
        padding="same", output_padding=1)
    add("max_pool", seq, 2)
    add("max_pool", image, (2, 2), strides=(1, 2), padding="same")
    add("average_pool", seq, 3, strides=2, padding="same")
    add("average_pool", image, 2)
    add("max_pool", vol, 2, padding="same")
    add("adaptive_average_pool", seq, 4)
    add("adaptive_max_pool", image, (4, 2))
    add("adaptive_average_pool", np.moveaxis(image, -1, 1), 3, data_format="channels_first")
    add("polar", pos, x)
    # ----------------------------------------------------------------- keras.ops.numpy
    for name in ("sin", "cos", "tan", "arctan", "arcsinh", "sinh", "cosh", "log1p", "expm1",
                 "exp2", "cbrt", "deg2rad", "rad2deg", "fabs", "trunc", "signbit", "sinc",
                 "reciprocal", "isnan", "isinf", "isfinite", "isneginf", "isposinf",
                 "isreal", "ravel", "copy", "real", "imag", "conj", "conjugate", "angle",
                 "i0", "square", "sqrt", "abs", "negative", "sign", "exp", "log"):
        add(name, pos if name in ("sqrt", "log") else x)
    for name in ("arcsin", "arccos", "arctanh"):
        add(name, unit)
    add("arccosh", big)
    for name in ("log2", "log10"):
        add(name, pos)
    for name in ("sin", "exp2", "log1p", "cbrt", "arctan", "sqrt", "square", "abs", "trunc",
                 "isnan", "angle", "signbit"):
        add(name, uints if name in ("sqrt", "log1p") else ints)
    for name in ("isnan", "isinf", "isfinite", "isneginf", "isposinf", "sign", "trunc",
                 "reciprocal", "fabs", "signbit", "exp2", "cbrt", "nan_to_num"):
        add(name, specials)
    add("round", half)
    add("round", x * 10, decimals=1)
    add("nan_to_num", specials, nan=1.0, posinf=2.0, neginf=-3.0)
    for name in ("arctan2", "hypot", "logaddexp", "logaddexp2", "fmax", "fmin", "heaviside",
                 "nextafter"):
        add(name, x, y)
    add("fmax", nans, x[0])
    add("fmod", x, np.float32(0.7))
    add("fmod", ints, np.int32(3))
    add("divide_no_nan", x, np.where(np.abs(y) > 0.5, y, 0).astype(f32))
    add("ldexp", x, ints[:1, :4].reshape(4))
    add("gcd", ints, np.int32(4))
    add("lcm", uints, np.int32(3))
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift",
                 "bitwise_left_shift", "bitwise_right_shift"):
        add(name, uints, np.full((3, 4), 2, np.int32) if "shift" in name else ints)
    add("bitwise_invert", ints)
    add("bitwise_not", ints)
    add("logaddexp", np.array([-np.inf, 0.0, 1e30], f32), np.array([-np.inf, 0.0, 1e30], f32))
    add("kron", m[:2, :2], m)
    add("outer", v, v[:4])
    add("inner", x, y[0, 0])
    add("vdot", v, v[::-1].copy())
    add("tensordot", x, y, axes=([1, 2], [1, 2]))
    add("tensordot", x, rng.standard_normal((4, 2)).astype(f32), axes=1)
    add("cross", rng.standard_normal((4, 3)).astype(f32), rng.standard_normal((4, 3)).astype(f32))
    add("cross", rng.standard_normal((4, 2)).astype(f32), rng.standard_normal((4, 2)).astype(f32))
    add("correlate", v, v[:3], mode="full")
    add("correlate", v, v[:4], mode="same")
    add("correlate", v, v[:3])
    add("append", x[0], y[0])
    add("append", x, y, axis=1)
    add("average", x)
    add("average", x, axis=1, weights=np.array([1.0, 2.0, 3.0], f32))
    add("average", x, axis=-1, weights=pos)
    add("average", ints, axis=0)
    add("amax", x, axis=1)
    add("amin", x, axis=(0, 2), keepdims=True)
    add("ptp", x, axis=-1)
    add("ptp", ints)
    add("median", x)
    add("median", x, axis=1, keepdims=True)
    add("median", ints, axis=0)
    add("quantile", x, 0.3, axis=-1)
    add("quantile", x, np.array([0.1, 0.5, 0.9], f32), axis=(0, 1))
    for method in ("lower", "higher", "nearest", "midpoint"):
        add("quantile", x, 0.4, axis=1, method=method)
    add("percentile", x, 75.0, axis=2)
    add("percentile", v, np.array([10.0, 50.0], f32))
    for name in ("nanmax", "nanmin", "nanmean", "nansum", "nanprod", "nanstd", "nanvar",
                 "nanmedian", "nanargmax", "nanargmin"):
        add(name, nans)
        add(name, nans, axis=1)
    add("nancumsum", nans, axis=1)
    add("nancumprod", nans)
    add("nanquantile", nans, 0.25, axis=1)
    add("nanpercentile", nans, 60.0)
    add("cumprod", x, axis=2)
    add("cumprod", ints)
    add("count_nonzero", ints)
    add("count_nonzero", ints, axis=1)
    add("count_nonzero", x > 0, axis=(0, 1))
    add("nonzero", ints)
    add("argpartition", ints, 2)
    add("argpartition", np.array([5, 1, 4, 2, 8], np.int32), 2, axis=0)
    add("array", x[0])
    add("array", ints, dtype="float32")
    add("array_split", v, 4)
    add("array_split", x, [1, 3], axis=2)
    add("hsplit", m, 3)
    add("vsplit", rng.standard_normal((4, 2)).astype(f32), 2)
    add("dsplit", x, 2)
    add("split", x, 2, axis=2)
    add("split", x, [1], axis=1)
    add("vstack", [x[0], y[0]])
    add("hstack", [x[0], y[0]])
    add("dstack", [x[0], y[0]])
    add("broadcast_to", v[:4], (3, 4))
    add("broadcast_to", ints[:1], [2, 3, 4])
    add("bincount", np.array([0, 1, 1, 3, 2, 1, 7]))
    add("bincount", np.array([0, 1, 1, 3]), weights=np.array([0.5, 1.0, 2.0, 3.0], f32),
        minlength=6)
    add("bincount", np.array([[0, 1, 1], [2, 2, 0]]), minlength=4)
    add("corrcoef", m)
    add("diag", v)
    add("diag", v[:4], k=-1)
    add("diag", m, k=1)
    add("diagflat", m[:2, :2])
    add("diagonal", x)
    add("diagonal", x, offset=1, axis1=1, axis2=2)
    add("diff", x)
    add("diff", x, n=2, axis=1)
    add("diff", x > 0)
    add("digitize", v, [-1.0, 0.0, 0.5, 2.0])
    add("digitize", ints, [0.0, 3.0])
    add("empty_like", x)
    add("full", (2, 3), 2.5)
    add("full", [2], 7)
    add("full", (3,), 1.0, dtype="int32")
    add("full_like", x, 4)
    add("full_like", ints, 2.7)
    add("full_like", x, 2, dtype="int32")
    add("zeros", (2, 3))
    add("ones", 4)
    add("ones", (2, 2), dtype="int32")
    add("empty", (0, 3))
    add("eye", 3)
    add("eye", 3, 4, k=1)
    add("eye", 2, dtype="int32")
    add("identity", 3)
    add("tri", 3)
    add("tri", 3, 5, k=-1)
    add("tril", m)
    add("tril", x, k=1)
    add("triu", m, k=-1)
    add("linspace", 0.0, 1.0, 7)
    add("linspace", 2, 10, 5, endpoint=False)
    add("linspace", np.array([0.0, 1.0], f32), np.array([1.0, 3.0], f32), 4, axis=1)
    add("linspace", 0, 9, 10, dtype="int32")
    add("logspace", 0.0, 2.0, 5)
    add("logspace", 0.0, 3.0, 4, base=2, endpoint=False)
    add("geomspace", 1.0, 1000.0, 4)
    for name in ("bartlett", "blackman", "hamming", "hanning"):
        add(name, 7)
    add("kaiser", 8, 5.0)
    add("meshgrid", v[:3], v[:2])
    add("meshgrid", v[:3], v[:2], indexing="ij")
    add("moveaxis", x, 0, -1)
    add("moveaxis", x, [0, 1], [2, 0])
    add("ndim", x)
    add("size", x)
    add("pad", x, ((0, 0), (1, 2), (0, 1)))
    add("pad", m, ((1, 1), (1, 1)), constant_values=9.0)
    add("pad", m, ((1, 1), (2, 0)), mode="reflect")
    add("pad", m, ((1, 1), (2, 0)), mode="symmetric")
    add("roll", x, 2)
    add("roll", x, -1, axis=1)
    add("roll", x, (1, 2), axis=(0, 2))
    add("rot90", m)
    add("rot90", x, k=3, axes=(1, 2))
    add("fliplr", m)
    add("flipud", m)
    add("searchsorted", np.sort(v), x[0, 0])
    add("searchsorted", np.array([1.0, 2.0, 2.0, 3.0], f32), np.array([2.0, 0.0, 5.0], f32),
        side="right")
    add("select", [x < -0.5, x > 0.5], [x, y])
    add("select", [ints > 0], [ints], default=-1)
    add("take_along_axis", x, np.argsort(x, axis=-1), axis=-1)
    add("take_along_axis", x, np.array([[[0], [1], [2]]]), axis=2)
    add("take_along_axis", x[0], np.array([1, 0, 2]), axis=None)
    add("take_along_axis", x, np.array([[[-1, 0]]]), axis=2)
    add("trace", m)
    add("trace", x, offset=1, axis1=1, axis2=2)
    add("trace", ints)
    add("trapezoid", x)
    add("trapezoid", x, dx=0.5, axis=1)
    add("trapezoid", v, x=np.cumsum(np.abs(v)).astype(f32))
    add("unique", np.array([3, 1, 3, 2, 1]))
    add("unique", np.array([3.0, 1.0, 3.0, 2.0], f32), return_index=True,
        return_inverse=True, return_counts=True)
    add("unique", np.array([[1, 0], [0, 1], [1, 0]]), axis=0, return_counts=True)
    add("unique", np.array([3, 1, 3, 2]), size=5, fill_value=-1)
    add("unravel_index", np.array([0, 5, 11]), (3, 4))
    add("vander", v[:4])
    add("vander", v[:4], N=3, increasing=True)
    add("view", x[0], "int32")
    add("view", ints, "float32")
    add("isclose", x, x + 1e-6)
    add("isclose", nans, nans, equal_nan=True)
    add("isclose", x, y, 0.5, 0.5)
    add("allclose", x, x + 1e-7)
    add("allclose", x, y)
    add("isin", ints, np.array([1, 2, 3]))
    add("isin", ints, np.array([1, 2, 3]), invert=True)
    add("histogram", v)
    add("histogram", x, bins=4, range=(-1.0, 1.0))
    add("get_item", x, 1)
    add("cumsum", ints)
    add("sum", ints, axis=0)
    add("mean", ints)
    add("var", ints)
    add("true_divide", ints, np.int32(2))
    add("add", x, 2.5)
    add("multiply", ints, 0.5)
    # ----------------------------------------------------------------- keras.ops.linalg
    add("det", m)
    add("det", mb)
    add("inv", spd)
    add("solve", spd, v[:3])
    add("solve", spd, m)
    add("solve_triangular", np.tril(spd), v[:3], lower=True)
    add("solve_triangular", np.triu(spd), m)
    add("cholesky", spd)
    add("cholesky", spd, upper=True)
    add("cholesky_inverse", np.linalg.cholesky(spd).astype(f32))
    add("cholesky_inverse", np.linalg.cholesky(spd).T.copy(), upper=True)
    add("eigh", spd, compare="abs")
    add("eig", spd, compare="sorted")
    add("qr", m, compare="abs")
    add("qr", rng.standard_normal((4, 3)).astype(f32), mode="complete", compare="abs",
        tol=(1e-4, 1e-4))
    add("svd", m, compare="abs")
    add("svd", rng.standard_normal((4, 3)).astype(f32), full_matrices=False, compare="abs")
    add("svd", m, compute_uv=False)
    add("lstsq", rng.standard_normal((5, 3)).astype(f32), v[:5], tol=(1e-4, 1e-4))
    add("lstsq", rng.standard_normal((5, 3)).astype(f32), rng.standard_normal((5, 2)).astype(f32),
        tol=(1e-4, 1e-4))
    add("lu_factor", m)
    add("matrix_rank", m)
    add("matrix_rank", np.outer(v, v).astype(f32))
    add("pinv", rng.standard_normal((4, 3)).astype(f32), tol=(1e-4, 1e-4))
    add("norm", m, ord="fro")
    add("norm", m, ord="nuc")
    add("norm", m, ord=2)
    add("slogdet", m)
    add("slogdet", mb)
    # ----------------------------------------------------------------- keras.ops.math
    add("erf", x)
    add("erfc", x)
    add("erfinv", unit)
    add("erfinv", np.array([-1.0, 1.0, 0.0, 0.999, -0.9999, 1e-6], f32))
    add("rsqrt", pos)
    add("logdet", spd)
    add("segment_sum", x[0], np.array([0, 0, 2]))
    add("segment_sum", x[0], np.array([0, 0, 1]), sorted=True)
    add("segment_sum", v, np.array([1, 0, 1, 3, 0, 3]), num_segments=5)
    add("segment_max", x[0], np.array([0, 0, 2]))
    add("segment_max", v, np.array([1, 0, 1, 3, 0, 3]), num_segments=5)
    add("segment_min", v, np.array([0, 0, 1, 1, 2, 2]), sorted=True)
    add("segment_prod", v, np.array([1, 0, 1, 3, 0, 3]))
    add("in_top_k", np.array([1, 0, 3]), rng.standard_normal((3, 4)).astype(f32), 2)
    add("top_k", x, 2)
    add("cdist", x, y)
    add("extract_sequences", signal, 8, 3)
    add("fft", (x, y))
    add("fft2", (x, y))
    add("ifft2", (x, y))
    add("rfft", signal)
    add("rfft", signal, fft_length=20)
    add("irfft", (x, y))
    add("irfft", (x, y), fft_length=5)
    add("stft", signal, 16, 8, 16, tol=(1e-4, 1e-4))
    add("stft", signal, 12, 5, 16, window="hamming", center=False, tol=(1e-4, 1e-4))
    add("stft", signal, 8, 4, 8, window=None, tol=(1e-4, 1e-4))
    add("istft", (rng.standard_normal((2, 9, 9)).astype(f32),
                  rng.standard_normal((2, 9, 9)).astype(f32)), 16, 8, 16, tol=(1e-4, 1e-4))
    add("istft", (rng.standard_normal((2, 7, 9)).astype(f32),
                  rng.standard_normal((2, 7, 9)).astype(f32)), 12, 5, 16, length=30,
        window="hamming", center=False, tol=(1e-4, 1e-4))
    add("view_as_real", (x + 1j * y).astype(np.complex64))
    # ----------------------------------------------------------------- keras.ops.core
    add("scatter", np.array([[0, 1], [2, 3], [0, 1]]), np.array([1.0, 2.0, 3.0], f32), (3, 4))
    add("scatter", np.array([[1], [0]]), m[:2], (4, 3))
    add("scatter_update", m, np.array([[0, 0], [2, 1]]), np.array([5.0, 6.0], f32))
    add("scatter_update", m, np.array([[1]]), np.array([[7.0, 8.0, 9.0]], f32))
    add("scatter_update", m, np.array([[0, 0], [0, 0]]), np.array([5.0, 6.0], f32),
        reduction="add")
    add("scatter_update", m, np.array([[0, 0], [1, 1]]), np.array([5.0, -6.0], f32),
        reduction="max")
    add("slice_update", x, (0, 1, 1), np.ones((2, 2, 2), f32))
    add("saturate_cast", np.array([-300.0, -1.5, 0.0, 127.9, 300.0, np.inf, -np.inf], f32),
        "int8")
    add("saturate_cast", np.array([-3, 0, 300], np.int32), "uint8")
    add("unstack", x, axis=1)
    add("unstack", x)
    add("cast", x, "int32")
    return out


def build_model(layers, Model, Input, ops):
    """A model of keras.ops calls between layers (Keras's or fusedrnn's ``layers``/``ops``)."""
    inputs = Input((6, 4))
    h = layers.Dense(8, activation="mish")(inputs)
    mean, variance = ops.moments(h, [1])  # two outputs
    gated = ops.glu(ops.celu(h, alpha=0.5), axis=-1)  # (6, 4)
    heads = ops.reshape(h, (-1, 6, 2, 4))
    attended = ops.dot_product_attention(heads, heads, heads, is_causal=True)
    steps = ops.unstack(ops.pad(ops.roll(gated, 1, axis=1), ((0, 0), (1, 0), (0, 0))), axis=1)
    pooled = ops.concatenate([
        mean, ops.rsqrt(variance + 1.0), ops.erf(ops.sum(gated, axis=1)),
        ops.reshape(attended, (-1, 48)), steps[0], steps[-1],
        ops.cumprod(ops.sin(ops.mean(h, axis=1)), axis=-1),
        ops.layer_normalization(ops.max(h, axis=1), axis=-1),
    ], axis=-1)
    out = layers.Dense(5, activation="log_sigmoid")(layers.Dense(6, activation="hard_swish")(
        pooled))
    return Model(inputs, out)


def save_model() -> None:
    import keras

    keras.utils.set_random_seed(7)
    model = build_model(keras.layers, keras.Model, keras.Input, keras.ops)
    x = np.random.default_rng(7).standard_normal((3, 6, 4)).astype(np.float32)
    model.save(os.path.join(OUT, "model.keras"))
    np.savez(os.path.join(OUT, "model.npz"), x=x, y=model.predict(x, verbose=0),
             keras_version=keras.__version__)


def _encode(value, arrays: dict, key: str):
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arrays[key] = np.asarray(value)
        return {"array": key}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, arrays, f"{key}_{i}") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, arrays, f"{key}_{i}") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {"dict": {k: _encode(v, arrays, f"{key}_{k}") for k, v in value.items()}}
    return value


def _tensors(value):
    """NumPy arrays as TensorFlow tensors, as a Keras model hands them to keras.ops (Keras
    3.15.1's adaptive pools fail on NumPy arrays)."""
    import keras

    if isinstance(value, np.ndarray):
        return keras.ops.convert_to_tensor(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_tensors(v) for v in value)
    if isinstance(value, dict):
        return {k: _tensors(v) for k, v in value.items()}
    return value


def _flat(result) -> list:
    if isinstance(result, (tuple, list)):
        return [r for item in result for r in _flat(item)]
    return [result]


def main() -> None:
    import keras

    arrays: dict[str, np.ndarray] = {}
    records = []
    for i, case in enumerate(cases(np.random.default_rng(2026))):
        name = case["name"]
        module = keras
        for part in ("ops." + name if not name.startswith("activations.") else name).split("."):
            module = getattr(module, part)
        record = {"name": name, "args": _encode(case["args"], arrays, f"a{i}"),
                  "kwargs": _encode(case["kwargs"], arrays, f"k{i}")["dict"],
                  "compare": case["compare"], "tol": case["tol"]}
        try:
            result = module(*_tensors(case["args"]), **_tensors(case["kwargs"]))
        except Exception as exc:  # recorded: fusedrnn must refuse too
            record["error"] = type(exc).__name__
            print(f"{i:3d} {name}: {type(exc).__name__}: {str(exc)[:80]}")
            records.append(record)
            continue
        several = isinstance(result, (tuple, list))
        results = [np.asarray(keras.ops.convert_to_numpy(r)) for r in _flat(result)]
        for j, r in enumerate(results):
            arrays[f"r{i}_{j}"] = r
        record.update(several=several, count=len(results),
                      dtypes=[str(r.dtype) for r in results],
                      shapes=[list(r.shape) for r in results])
        records.append(record)
        print(f"{i:3d} {name}", [(r.shape, str(r.dtype)) for r in results])
    with open(os.path.join(OUT, "calls.json"), "w") as f:
        json.dump({"keras_version": keras.__version__, "cases": records}, f, indent=0)
    np.savez_compressed(os.path.join(OUT, "calls.npz"), **arrays)
    save_model()


if __name__ == "__main__":
    main()
