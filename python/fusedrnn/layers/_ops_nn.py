"""The computations of Keras 3's ``keras.ops.nn`` operations beyond those of ``_ops.py``:
Keras's operation class name -> (compute, its constructor parameters), as ``_ops._OPERATIONS``
takes them (see ``_ops_numpy``). Activations come from the activation table (``_base``);
convolutions, poolings and adaptive poolings run the computations of fusedrnn's layers.

The formulas are Keras 3.15.1's with its TensorFlow backend: crossentropies clip
probabilities to [1e-7, 1 - 1e-7], attention masks logits with -0.7 * 3.38953e38, the
normalizations add Keras's epsilon (1e-7) where it is not given.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._base import (
    _ACTIVATIONS,
    _celu,
    _glu,
    _hard_shrink,
    _log_softmax,
    _soft_shrink,
    _softmax,
    _sparsemax,
    _squareplus,
)

_EPSILON = 1e-7  # keras.config.epsilon()


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _activation(name: str) -> Callable:
    function = _ACTIVATIONS[name]
    return lambda xp, x: function(_float_input(xp, x))


def _float_input(xp, x):
    x = xp.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def _with_params(function: Callable) -> Callable:
    """An activation of the table with parameters (``celu(x, alpha)``) as an operation."""
    return lambda xp, x, *args, **params: function(_float_input(xp, x), *args, **params)


def threshold(xp, x, threshold, default_value):
    x = xp.asarray(x)
    return xp.where(x > threshold, x, xp.asarray(default_value, x.dtype))


def moments(xp, x, axes, keepdims=False, synchronized=False):
    x = _float_input(xp, x)
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else (axes,)
    mean = xp.mean(x, axis=axes, keepdims=True)
    variance = xp.mean(xp.square(x - mean), axis=axes, keepdims=True)
    if not keepdims:
        mean, variance = xp.squeeze(mean, axis=axes), xp.squeeze(variance, axis=axes)
    return mean, variance


def normalize(xp, x, axis=-1, order=2, epsilon=None):
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = _float_input(xp, x)
    if x.ndim == 0:
        x = x[None]
    epsilon = _EPSILON if epsilon is None else epsilon
    if order == 2:
        with np.errstate(divide="ignore"):
            inverse = 1 / xp.sqrt(xp.sum(xp.square(x), axis=_axis(axis), keepdims=True))
        return x * xp.minimum(inverse, xp.asarray(1.0 / epsilon, x.dtype))
    norm = xp.linalg.norm(x, ord=order, axis=_axis(axis), keepdims=True)
    return x / xp.maximum(norm, xp.asarray(epsilon, x.dtype))


def batch_normalization(xp, x, mean, variance, offset=None, scale=None, axis=-1,
                        epsilon=1e-3):
    x = xp.asarray(x)
    if axis != -1:
        shape = [1] * x.ndim
        shape[axis] = xp.asarray(mean).shape[0]
        mean, variance = xp.reshape(mean, shape), xp.reshape(variance, shape)
        offset = None if offset is None else xp.reshape(offset, shape)
        scale = None if scale is None else xp.reshape(scale, shape)
    inverse = 1 / xp.sqrt(variance + xp.asarray(epsilon, x.dtype))
    if scale is not None:
        inverse = inverse * scale
    return x * inverse + ((offset if offset is not None else 0) - mean * inverse)


def layer_normalization(xp, x, gamma=None, beta=None, axis=-1, epsilon=None,
                        rms_scaling=False):
    x = xp.asarray(x)
    dtype = x.dtype
    x = x.astype(np.result_type(dtype, np.float32))
    epsilon = _EPSILON if epsilon is None else epsilon
    axes = sorted([axis] if isinstance(axis, int) else list(axis))
    axes = [a % x.ndim for a in axes]
    shape = [1] * x.ndim
    for a in axes:
        shape[a] = x.shape[a]

    def broadcast(v):
        if v is None:
            return None
        v = xp.asarray(v, x.dtype)
        return v.reshape(shape) if v.ndim != x.ndim and axes != [x.ndim - 1] else v

    if rms_scaling:
        inverse = 1 / xp.sqrt(xp.var(x, axis=tuple(axes), keepdims=True) + epsilon)
        out = x * inverse
        if gamma is not None:
            out = out * broadcast(gamma)
        return out.astype(dtype)
    mean, variance = moments(xp, x, axes, keepdims=True)
    inverse = 1 / xp.sqrt(variance + epsilon)
    if gamma is not None:
        inverse = inverse * broadcast(gamma)
    shift = -mean * inverse
    if beta is not None:
        shift = shift + broadcast(beta)
    return (x * inverse + shift).astype(dtype)


def rms_normalization(xp, x, scale=None, axis=-1, epsilon=None):
    x = xp.asarray(x)
    dtype = x.dtype
    x = x.astype(np.result_type(dtype, np.float32))
    epsilon = _EPSILON if epsilon is None else epsilon
    if x.ndim == 0:
        x = x[None]
    axis = tuple(sorted(axis)) if isinstance(axis, (list, tuple)) else axis
    out = x / xp.sqrt(xp.mean(xp.square(x), axis=axis, keepdims=True) + epsilon)
    if scale is not None:
        out = out * xp.asarray(scale, x.dtype)
    return out.astype(dtype)


def _same_shape(target, output, what: str) -> None:
    if target.ndim != output.ndim:
        raise ValueError(f"Arguments `target` and `output` must have the same rank (ndim). "
                         f"Received: target.shape={target.shape}, output.shape={output.shape}")
    if target.shape != output.shape:
        raise ValueError(f"Arguments `target` and `output` must have the same shape. "
                         f"Received: target.shape={target.shape}, output.shape={output.shape}")


def binary_crossentropy(xp, target, output, from_logits=False):
    target, output = xp.asarray(target), _float_input(xp, output)
    _same_shape(target, output, "binary_crossentropy")
    target = target.astype(output.dtype)
    if from_logits:  # TensorFlow's sigmoid_cross_entropy_with_logits
        return (xp.maximum(output, 0) - output * target
                + xp.log1p(xp.exp(-xp.abs(output)))).astype(output.dtype)
    output = xp.clip(output, _EPSILON, 1 - _EPSILON)
    return -(target * xp.log(output) + (1 - target) * xp.log(1 - output))


def categorical_crossentropy(xp, target, output, from_logits=False, axis=-1):
    target, output = xp.asarray(target), _float_input(xp, output)
    if target.ndim < 1:
        raise ValueError(f"Arguments `target` and `output` must be at least rank 1. "
                         f"Received: target.shape={target.shape}, output.shape={output.shape}")
    _same_shape(target, output, "categorical_crossentropy")
    target = target.astype(output.dtype)
    if from_logits:
        return -xp.sum(target * _log_softmax(output, axis), axis=axis)
    output = output / xp.sum(output, axis=axis, keepdims=True)
    output = xp.clip(output, _EPSILON, 1 - _EPSILON)
    return -xp.sum(target * xp.log(output), axis=axis)


def sparse_categorical_crossentropy(xp, target, output, from_logits=False, axis=-1):
    target, output = xp.asarray(target), _float_input(xp, output)
    if axis not in (-1, output.ndim - 1):
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    target = target.astype(np.int64)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = target[..., 0]
    if target.shape != output.shape[:-1]:
        raise ValueError(f"Arguments `target` and `output` must have the same shape up until "
                         f"the last dimension: target.shape={target.shape}, "
                         f"output.shape={output.shape}")
    if not from_logits:
        output = xp.log(xp.clip(output, _EPSILON, 1 - _EPSILON))
    log_probs = _log_softmax(output, -1)
    if target.size and (target.min() < 0 or target.max() >= output.shape[-1]):
        raise ValueError(f"sparse_categorical_crossentropy: target values must be in "
                         f"[0, {output.shape[-1]}), got {int(target.min())}..."
                         f"{int(target.max())}")
    return -xp.take_along_axis(log_probs, target[..., None], axis=-1)[..., 0]


def multi_hot(xp, inputs, num_classes=None, axis=-1, dtype=None, sparse=False):
    if sparse:
        raise ValueError("ops.multi_hot(sparse=True): fusedrnn computes dense arrays")
    x = xp.asarray(inputs).astype(np.int64)
    hot = x[..., None] == xp.arange(int(num_classes))
    if axis not in (-1, x.ndim):
        hot = xp.moveaxis(hot, -1, axis)
    out = xp.any(hot, axis=1 if x.ndim > 1 else 0)
    return out.astype(dtype or "float32")


def psnr(xp, x1, x2, max_val):
    x1, x2 = xp.asarray(x1), xp.asarray(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"Input shapes {x1.shape} and {x2.shape} must match for PSNR "
                         f"calculation. ")
    max_val = xp.asarray(max_val, x2.dtype)
    with np.errstate(divide="ignore"):
        mse = xp.mean(xp.square(x1 - x2))
        return 20 * xp.log10(max_val) - 10 * xp.log10(mse)


def polar(xp, abs_, angle):
    abs_, angle = xp.asarray(abs_), xp.asarray(angle)
    return (abs_ * xp.cos(angle)) + 1j * (abs_ * xp.sin(angle))


def dot_product_attention(xp, query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    if flash_attention:
        raise ValueError("ops.dot_product_attention(flash_attention=True): fusedrnn computes "
                         "attention with NumPy, not with a flash-attention kernel")
    if attn_logits_soft_cap is not None:
        raise ValueError("attn_logits_soft_cap is only supported for JAX on TPU. Set "
                         "attn_logits_soft_cap=None when not using JAX on TPU.")
    query, key, value = xp.asarray(query), xp.asarray(key), xp.asarray(value)
    if query.ndim != 4:
        raise ValueError(f"`dot_product_attention` only supports 4D inputs. Received: "
                         f"query.shape={query.shape}, key.shape={key.shape}, "
                         f"value.shape={value.shape}.")
    dtype = np.result_type(query.dtype, key.dtype, value.dtype)
    query, key, value = query.astype(dtype), key.astype(dtype), value.astype(dtype)
    heads, kv_heads = query.shape[2], key.shape[2]
    if heads > kv_heads > 1:  # grouped-query attention
        key = xp.repeat(key, heads // kv_heads, axis=2)
        value = xp.repeat(value, heads // kv_heads, axis=2)
    if scale is None:
        scale = 1.0 / np.sqrt(np.float32(key.shape[-1]))
    logits = xp.einsum("btnh,bsnh->bnts", query, key, optimize=True) * xp.asarray(scale, dtype)
    if bias is not None:
        logits = logits + xp.asarray(bias, dtype)
    if mask is not None or is_causal:
        keep = xp.ones(logits.shape, bool)
        if mask is not None:
            keep = keep & xp.asarray(mask).astype(bool)
        if is_causal:
            t, s = logits.shape[2:]
            keep = keep & xp.tril(xp.ones((t, s), bool))[None, None]
        logits = xp.where(keep, logits, xp.asarray(-0.7 * 3.38953e38, dtype))
    probs = _softmax(logits, -1).astype(key.dtype)
    return xp.einsum("bnts,bsnh->btnh", probs, value, optimize=True)


def depth_to_space(xp, x, block_size, data_format="channels_last"):
    x = xp.asarray(x)
    if data_format != "channels_last":
        x = xp.transpose(x, (0, 2, 3, 1))
    n, h, w, c = x.shape
    b = int(block_size)
    y = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
    y = y.reshape(n, h * b, w * b, c // (b * b))
    return y if data_format == "channels_last" else xp.transpose(y, (0, 3, 1, 2))


def space_to_depth(xp, x, block_size, data_format="channels_last"):
    x = xp.asarray(x)
    if data_format != "channels_last":
        x = xp.transpose(x, (0, 2, 3, 1))
    n, h, w, c = x.shape
    b = int(block_size)
    y = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
    y = y.reshape(n, h // b, w // b, b * b * c)
    return y if data_format == "channels_last" else xp.transpose(y, (0, 3, 1, 2))


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, (int, np.integer)) else tuple(
        int(v) for v in value)


def unfold(xp, x, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: (N, C, H, W) -> (N, C * kH * kW, blocks), as torch.nn.functional.unfold."""
    x = xp.asarray(x)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (_pair(v) for v in (kernel_size, dilation,
                                                                  padding, stride))
    n, c, h, w = x.shape
    x = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    nh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    nw = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    blocks = [x[:, :, i * dh:i * dh + (nh - 1) * sh + 1:sh, j * dw:j * dw + (nw - 1) * sw + 1:sw]
              for i in range(kh) for j in range(kw)]
    return xp.stack(blocks, axis=2).reshape(n, c * kh * kw, nh * nw)


def fold(xp, x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, unfold's adjoint: (N, C * kH * kW, blocks) -> (N, C, oH, oW), overlapping
    blocks summed."""
    x = xp.asarray(x)
    (oh, ow), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (
        _pair(v) for v in (output_size, kernel_size, dilation, padding, stride))
    n, ckk = x.shape[:2]
    c = ckk // (kh * kw)
    nh = (oh + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    nw = (ow + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    x = x.reshape(n, c, kh, kw, nh, nw)
    out = xp.zeros((n, c, oh + 2 * ph, ow + 2 * pw), x.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh:i * dh + (nh - 1) * sh + 1:sh,
                j * dw:j * dw + (nw - 1) * sw + 1:sw] += x[:, :, i, j]
    return out[:, :, ph:ph + oh, pw:pw + ow]


# --------------------------------------------------------------------------- convolutions


def _data_format(data_format) -> str:
    from .. import config

    return data_format or config.image_data_format()


def _tuple(value, n: int) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    return value * n if len(value) == 1 else value


def _channels_last(xp, x, data_format):
    x = xp.asarray(x)
    if _data_format(data_format) == "channels_first":
        return xp.moveaxis(x, 1, -1)
    return x


def _restore(xp, y, data_format):
    if _data_format(data_format) == "channels_first":
        return xp.moveaxis(y, -1, 1)
    return y


def _check_padding(padding) -> str:
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same', got {padding!r}")
    return padding


def conv(xp, inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    from ._conv import conv_nd

    x = _channels_last(xp, inputs, data_format)
    kernel = xp.asarray(kernel)
    n = x.ndim - 2
    if kernel.ndim != n + 2:
        raise ValueError(f"ops.conv: the kernel of a {n}D convolution has rank {n + 2} "
                         f"(*kernel_size, in_channels, filters); got shape {kernel.shape}")
    channels, group_channels = x.shape[-1], kernel.shape[-2]
    if channels % group_channels:
        raise ValueError(f"ops.conv: the input has {channels} channels, which the kernel's "
                         f"{group_channels} input channels do not divide (shape "
                         f"{kernel.shape})")
    groups = channels // group_channels
    strides, dilation = _tuple(strides, n), _tuple(dilation_rate, n)
    padding = _check_padding(padding)
    dtype = np.result_type(x.dtype, kernel.dtype)
    x, kernel = x.astype(dtype), kernel.astype(dtype)
    filters = kernel.shape[-1] // groups
    parts = [conv_nd(x[..., g * group_channels:(g + 1) * group_channels],
                     kernel[..., g * filters:(g + 1) * filters], strides, padding, dilation)
             for g in range(groups)]
    y = parts[0] if groups == 1 else xp.concatenate(parts, axis=-1)
    return _restore(xp, y, data_format)


def depthwise_conv(xp, inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    from ._separable import depthwise_nd

    x = _channels_last(xp, inputs, data_format)
    kernel = xp.asarray(kernel)
    n = x.ndim - 2
    dtype = np.result_type(x.dtype, kernel.dtype)
    y = depthwise_nd(x.astype(dtype), kernel.astype(dtype), _tuple(strides, n),
                     _check_padding(padding), _tuple(dilation_rate, n))
    return _restore(xp, y, data_format)


def separable_conv(xp, inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    depthwise = depthwise_conv(xp, inputs, depthwise_kernel, strides, padding, "channels_last"
                               if _data_format(data_format) == "channels_last" else
                               "channels_first", dilation_rate)
    return conv(xp, depthwise, pointwise_kernel, 1, "valid", data_format, dilation_rate)


def conv_transpose(xp, inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    from . import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose

    x, kernel = xp.asarray(inputs), xp.asarray(kernel)
    n = x.ndim - 2
    layer_class = {1: Conv1DTranspose, 2: Conv2DTranspose, 3: Conv3DTranspose}.get(n)
    if layer_class is None:
        raise ValueError(f"ops.conv_transpose takes a 3D, 4D or 5D input, got shape {x.shape}")
    layer = layer_class(kernel.shape[-2], kernel.shape[:-2], strides=strides, padding=padding,
                        output_padding=output_padding, data_format=_data_format(data_format),
                        dilation_rate=dilation_rate, use_bias=False,
                        dtype=np.result_type(x.dtype, kernel.dtype).name)
    layer.build(x.shape)
    layer.set_weights([kernel])
    return layer(x.astype(layer.dtype))


def _pool(kind: str) -> Callable:
    def compute(xp, inputs, pool_size, strides=None, padding="valid", data_format=None):
        from . import _conv, _conv2d, _conv3d

        x = xp.asarray(inputs)
        n = x.ndim - 2
        module = {1: _conv, 2: _conv2d, 3: _conv3d}.get(n)
        if module is None:
            raise ValueError(f"Pooling inputs's shape must be 3, 4 or 5, corresponding to 1D, "
                             f"2D and 3D inputs. But received shape: {x.shape}.")
        layer = getattr(module, f"{kind}Pooling{n}D")(
            pool_size=pool_size if n > 1 or isinstance(pool_size, int) else pool_size[0],
            strides=strides if n > 1 or strides is None or isinstance(strides, int)
            else strides[0], padding=padding, data_format=_data_format(data_format),
            dtype=x.dtype.name if x.dtype.kind == "f" else "float32")
        return layer(x)

    return compute


def _adaptive_pool(kind: str) -> Callable:
    def compute(xp, inputs, output_size, data_format=None):
        from . import _adaptive

        x = xp.asarray(inputs)
        n = x.ndim - 2
        if n not in (1, 2, 3):
            raise ValueError(f"ops.adaptive_{kind.lower()}_pool takes a 3D, 4D or 5D input, "
                             f"got shape {x.shape}")
        layer = getattr(_adaptive, f"Adaptive{kind}Pooling{n}D")(
            output_size, data_format=_data_format(data_format),
            dtype=x.dtype.name if x.dtype.kind == "f" else "float32")
        return layer(x)

    return compute


OPERATIONS: dict[str, tuple[Callable, tuple[str, ...]]] = {
    # relu6 of integers stays integer in Keras (a clip)
    "Relu6": (lambda xp, x: xp.clip(xp.asarray(x), 0, 6) if xp.asarray(x).dtype.kind in "iu"
              else _ACTIVATIONS["relu6"](_float_input(xp, x)), ()),
    **{name: (_activation(activation), ()) for name, activation in {
        "Selu": "selu", "Softsign": "softsign", "HardSilu": "hard_silu",
        "HardTanh": "hard_tanh", "LogSigmoid": "log_sigmoid", "SparsePlus": "sparse_plus",
        "SparseSigmoid": "sparse_sigmoid", "TanhShrink": "tanh_shrink"}.items()},
    "Celu": (_with_params(_celu), ("alpha",)),
    "Glu": (_with_params(_glu), ("axis",)),
    "HardShrink": (_with_params(_hard_shrink), ("threshold",)),
    "SoftShrink": (_with_params(_soft_shrink), ("threshold",)),
    "Threshold": (threshold, ("threshold", "default_value")),
    "Squareplus": (_with_params(_squareplus), ("b",)),
    "Sparsemax": (_with_params(_sparsemax), ("axis",)),
    "Moments": (moments, ("axes", "keepdims", "synchronized")),
    "Normalize": (normalize, ("axis", "order", "epsilon")),
    "BatchNorm": (batch_normalization, ("axis", "epsilon")),
    "LayerNorm": (layer_normalization, ("axis", "epsilon", "rms_scaling")),
    "RMSNorm": (rms_normalization, ("axis", "epsilon")),
    "BinaryCrossentropy": (binary_crossentropy, ("from_logits",)),
    "CategoricalCrossentropy": (categorical_crossentropy, ("from_logits", "axis")),
    "SparseCategoricalCrossentropy": (sparse_categorical_crossentropy,
                                      ("from_logits", "axis")),
    "MultiHot": (multi_hot, ("num_classes", "axis", "dtype", "sparse")),
    "PSNR": (psnr, ("max_val",)),
    "Polar": (polar, ()),
    "DotProductAttention": (dot_product_attention,
                            ("is_causal", "flash_attention", "attn_logits_soft_cap")),
    "DepthToSpace": (depth_to_space, ("block_size", "data_format")),
    "SpaceToDepth": (space_to_depth, ("block_size", "data_format")),
    "Unfold": (unfold, ("kernel_size", "dilation", "padding", "stride")),
    "Fold": (fold, ("output_size", "kernel_size", "dilation", "padding", "stride")),
    "Conv": (conv, ("strides", "padding", "data_format", "dilation_rate")),
    "DepthwiseConv": (depthwise_conv, ("strides", "padding", "data_format", "dilation_rate")),
    "SeparableConv": (separable_conv, ("strides", "padding", "data_format", "dilation_rate")),
    "ConvTranspose": (conv_transpose, ("strides", "padding", "output_padding", "data_format",
                                       "dilation_rate")),
    "MaxPool": (_pool("Max"), ("pool_size", "strides", "padding", "data_format")),
    "AveragePool": (_pool("Average"), ("pool_size", "strides", "padding", "data_format")),
    "AdaptiveMaxPool": (_adaptive_pool("Max"), ("output_size", "data_format")),
    "AdaptiveAveragePool": (_adaptive_pool("Average"), ("output_size", "data_format")),
}
