"""Keras 3's ``keras.ops.nn`` functions that ``fusedrnn._keras_ops`` did not have (see
there): activations, normalizations, crossentropies, attention, convolutions and poolings, each
Keras's operation of the same name (``layers/_ops_nn.py`` computes it), on arrays at once and
on symbolic tensors as a node of a functional graph, with Keras's signature.
"""

from __future__ import annotations

from .layers._ops import operation

__all__ = ["adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization",
    "binary_crossentropy", "categorical_crossentropy", "celu", "conv", "conv_transpose",
    "depth_to_space", "depthwise_conv", "dot_product_attention", "fold", "glu", "hard_shrink",
    "hard_silu", "hard_swish", "hard_tanh", "layer_normalization", "log_sigmoid", "max_pool",
    "moments", "multi_hot", "normalize", "polar", "psnr", "relu6", "rms_normalization", "selu",
    "separable_conv", "soft_shrink", "softsign", "space_to_depth",
    "sparse_categorical_crossentropy", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus",
    "tanh_shrink", "threshold", "unfold"]


def adaptive_average_pool(inputs, output_size, data_format=None):
    return operation("AdaptiveAveragePool", inputs, output_size=output_size,
                     data_format=data_format)


def adaptive_max_pool(inputs, output_size, data_format=None):
    return operation("AdaptiveMaxPool", inputs, output_size=output_size, data_format=data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return operation("AveragePool", inputs, pool_size=pool_size, strides=strides, padding=padding,
                     data_format=data_format)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=0.001):
    return operation("BatchNorm", x, mean, variance, offset, scale, axis=axis, epsilon=epsilon)


def binary_crossentropy(target, output, from_logits=False):
    return operation("BinaryCrossentropy", target, output, from_logits=from_logits)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    return operation("CategoricalCrossentropy", target, output, from_logits=from_logits, axis=axis)


def celu(x, alpha=1.0):
    return operation("Celu", x, alpha=alpha)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    return operation("Conv", inputs, kernel, strides=strides, padding=padding,
                     data_format=data_format, dilation_rate=dilation_rate)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    return operation("ConvTranspose", inputs, kernel, strides=strides, padding=padding,
                     output_padding=output_padding, data_format=data_format,
                     dilation_rate=dilation_rate)


def depth_to_space(x, block_size, data_format="channels_last"):
    return operation("DepthToSpace", x, block_size=block_size, data_format=data_format)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    return operation("DepthwiseConv", inputs, kernel, strides=strides, padding=padding,
                     data_format=data_format, dilation_rate=dilation_rate)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    return operation("DotProductAttention", query, key, value, bias, mask, scale,
                     is_causal=is_causal, flash_attention=flash_attention,
                     attn_logits_soft_cap=attn_logits_soft_cap)


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    return operation("Fold", x, output_size=output_size, kernel_size=kernel_size, dilation=dilation,
                     padding=padding, stride=stride)


def glu(x, axis=-1):
    return operation("Glu", x, axis=axis)


def hard_shrink(x, threshold=0.5):
    return operation("HardShrink", x, threshold=threshold)


def hard_silu(x):
    return operation("HardSilu", x)


def hard_swish(x):
    return operation("HardSilu", x)


def hard_tanh(x):
    return operation("HardTanh", x)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization got unexpected arguments {sorted(kwargs)}")
    return operation("LayerNorm", x, gamma, beta, axis=axis, epsilon=epsilon,
                     rms_scaling=rms_scaling)


def log_sigmoid(x):
    return operation("LogSigmoid", x)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return operation("MaxPool", inputs, pool_size=pool_size, strides=strides, padding=padding,
                     data_format=data_format)


def moments(x, axes, keepdims=False, synchronized=False):
    return operation("Moments", x, axes=axes, keepdims=keepdims, synchronized=synchronized)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    if num_classes is None and "num_tokens" in kwargs:  # Keras's older name
        num_classes = kwargs.pop("num_tokens")
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    if sparse:
        raise ValueError("multi_hot(sparse=True): fusedrnn computes dense arrays")
    return operation("MultiHot", inputs, num_classes=num_classes, axis=axis,
                     dtype=dtype or "float32", sparse=sparse)


def normalize(x, axis=-1, order=2, epsilon=None):
    return operation("Normalize", x, axis=axis, order=order, epsilon=epsilon)


def polar(abs_, angle):
    return operation("Polar", abs_, angle)


def psnr(x1, x2, max_val):
    return operation("PSNR", x1, x2, max_val=max_val)


def relu6(x):
    return operation("Relu6", x)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    return operation("RMSNorm", x, scale, axis=axis, epsilon=epsilon)


def selu(x):
    return operation("Selu", x)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    return operation("SeparableConv", inputs, depthwise_kernel, pointwise_kernel, strides=strides,
                     padding=padding, data_format=data_format, dilation_rate=dilation_rate)


def soft_shrink(x, threshold=0.5):
    return operation("SoftShrink", x, threshold=threshold)


def softsign(x):
    return operation("Softsign", x)


def space_to_depth(x, block_size, data_format="channels_last"):
    return operation("SpaceToDepth", x, block_size=block_size, data_format=data_format)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    return operation("SparseCategoricalCrossentropy", target, output, from_logits=from_logits,
                     axis=axis)


def sparse_plus(x):
    return operation("SparsePlus", x)


def sparse_sigmoid(x):
    return operation("SparseSigmoid", x)


def sparsemax(x, axis=-1):
    return operation("Sparsemax", x, axis=axis)


def squareplus(x, b=4):
    return operation("Squareplus", x, b=b)


def tanh_shrink(x):
    return operation("TanhShrink", x)


def threshold(x, threshold, default_value):  # noqa: F811 - Keras's argument name
    return operation("Threshold", x, threshold=threshold, default_value=default_value)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    return operation("Unfold", x, kernel_size=kernel_size, dilation=dilation, padding=padding,
                     stride=stride)
