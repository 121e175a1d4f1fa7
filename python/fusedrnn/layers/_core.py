"""The non-recurrent layers Keras RNN tutorials use: Dense, Embedding, Masking, Dropout,
SpatialDropout1D, Activation, TimeDistributed, RepeatVector, Flatten, GlobalAveragePooling1D and
GlobalMaxPooling1D, Reshape and Permute. Plain NumPy (CuPy for CuPy inputs)."""

from __future__ import annotations

import functools
import math
import numbers
import re
import warnings

import numpy as np

from .. import _backend
from ._base import (
    Layer,
    activation_name,
    as_float_array,
    check_mask,
    deserialize_layer,
    get_activation,
    observe_outputs,
    serialize_layer,
    set_parts_weights,
)
from ._initializers import get_initializer, layer_rng

__all__ = [
    "Activation",
    "Dense",
    "Dropout",
    "EinsumDense",
    "Embedding",
    "Flatten",
    "GlobalAveragePooling1D",
    "GlobalMaxPooling1D",
    "Identity",
    "Masking",
    "Permute",
    "RepeatVector",
    "Rescaling",
    "Reshape",
    "ReversibleEmbedding",
    "SpatialDropout1D",
    "TimeDistributed",
    "Pipeline",
]


def _param(layer: Layer, key: str, like):
    """The weight ``key`` as the array type of ``like`` (NumPy, or CuPy on the GPU)."""
    w = layer._params[key]
    if _backend.is_cupy_array(like):
        cache = layer.__dict__.setdefault("_device_params", {})
        if key not in cache:
            import cupy

            cache[key] = cupy.asarray(w)
        return cache[key]
    return w


def _initializer_args(layer: Layer, kernel_initializer, bias_initializer, seed) -> None:
    """The kernel and bias initializers (and their seed) of a layer with kernels."""
    layer.kernel_initializer = kernel_initializer
    layer.bias_initializer = bias_initializer
    layer._kernel_init = get_initializer(kernel_initializer, "kernel_initializer")
    layer._bias_init = get_initializer(bias_initializer, "bias_initializer")
    layer.seed = seed


def _kernel_layer_args(layer: Layer, activation, use_bias, kernel_initializer,
                       bias_initializer, seed) -> None:
    """The arguments Dense and Conv1D share: activation, bias, initializers, seed."""
    layer.activation = activation_name(activation)
    layer.use_bias = bool(use_bias)
    _initializer_args(layer, kernel_initializer, bias_initializer, seed)
    layer.input_spec_dim = None


class Dense(Layer):
    """Keras ``Dense``: ``activation(x @ kernel + bias)`` on the last axis.

    Weights: kernel (input_dim, units), bias (units,). Regularizers, constraints and
    ``lora_rank`` are accepted and have no effect at inference.
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(
                f"received an invalid value for argument `units`, expected a positive integer, "
                f"got {units!r}"
            )
        self.units = int(units)
        _kernel_layer_args(self, activation, use_bias, kernel_initializer, bias_initializer,
                           seed)

    def build(self, input_shape) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Dense needs a known last input dimension; got {input_shape}")
        rng = layer_rng(self.seed)
        self._add_weight("kernel", self._kernel_init((input_dim, self.units), rng), "kernel")
        if self.use_bias:
            self._add_weight("bias", self._bias_init((self.units,), rng), "bias")
        self.input_spec_dim = int(input_dim)
        self.built = True

    def _check_input_shape(self, shape) -> None:
        if len(shape) < 2:
            raise ValueError(
                f"input of Dense layer {self.name!r} must have rank >= 2 (batch, ..., "
                f"features); got shape {tuple(shape)}"
            )
        if self.built and shape[-1] is not None and shape[-1] != self.input_spec_dim:
            raise ValueError(
                f"input of Dense layer {self.name!r} has {shape[-1]} features (last "
                f"dimension), but the layer was built for {self.input_spec_dim}; got input "
                f"shape {tuple(shape)}"
            )

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        y = x @ _param(self, "kernel", x)
        if self.use_bias:
            y = y + _param(self, "bias", x)
        return get_activation(self.activation)(y), mask

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(units=self.units, activation=self.activation, use_bias=self.use_bias)
        return config


@functools.lru_cache(maxsize=256)  # each call's input check asks again for the same shapes
def _einsum_shapes(equation: str, bias_axes, input_shape, output_shape, what: str):
    """Keras's EinsumDense shape analysis: (kernel shape, bias shape or None, full output
    shape) of ``equation`` ("ab,bc->ac", "...b,bc->...c" or "ab...,bc->ac...") on inputs of
    ``input_shape``, the output's dimensions after the batch given by ``output_shape``."""
    plain = equation.replace("...", "0")
    forms = (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
             ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
             ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False))
    found, left = None, False
    for pattern, left_elided in forms:
        found = re.fullmatch(pattern, plain)
        if found:
            left = left_elided
            break
    else:
        raise ValueError(f"{what}: invalid einsum equation {equation!r}. Equations must be in "
                         f"the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    ins, ws, outs = found.groups()
    elided = len(input_shape) - len(ins)
    if elided < 0:
        raise ValueError(f"{what}: the equation {equation!r} needs inputs of rank "
                         f">= {len(ins)}; got shape {tuple(input_shape)}")
    out_shape = [input_shape[0], *output_shape]
    if elided > 0 and left:  # (Keras's own shape lists these in reverse order, not einsum)
        out_shape[1:1] = input_shape[1:elided]
    elif elided > 0:
        out_shape.extend(input_shape[len(input_shape) - elided:])
    if left:
        in_axis = {d: i + elided - len(input_shape) for i, d in enumerate(ins)}
        out_axis = {d: i + elided for i, d in enumerate(outs)}
    else:
        in_axis = {d: i for i, d in enumerate(ins)}
        out_axis = {d: i for i, d in enumerate(outs)}
    if len(out_shape) != len(outs) + (elided if elided > 0 else 0) or any(
            out_axis[d] >= len(out_shape) for d in outs):
        raise ValueError(f"{what}: output_shape {tuple(output_shape)} does not fit the equation "
                         f"{equation!r} on inputs of shape {tuple(input_shape)}")
    for d in ins:
        if d in out_axis and out_shape[out_axis[d]] is not None and \
                out_shape[out_axis[d]] != input_shape[in_axis[d]]:
            raise ValueError(f"{what}: input shape and output shape do not match at shared "
                             f"dimension {d!r}. Input shape is {input_shape[in_axis[d]]}, and "
                             f"output shape is {out_shape[out_axis[d]]}.")
    for d in outs:
        if d not in ins and d not in ws:
            raise ValueError(f"{what}: dimension {d!r} of the output {outs!r} is in neither the "
                             f"input spec {ins!r} nor the weight spec {ws!r}")
    kernel = []
    for d in ws:
        if d in out_axis:
            kernel.append(out_shape[out_axis[d]])
        elif d in in_axis:
            kernel.append(input_shape[in_axis[d]])
        else:
            raise ValueError(f"{what}: weight dimension {d!r} matches neither the input spec "
                             f"{ins!r} nor the output spec {outs!r}")
    if any(k is None for k in kernel):
        raise ValueError(f"{what}: the kernel's shape {tuple(kernel)} needs known input "
                         f"dimensions; got input shape {tuple(input_shape)}")
    bias = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in outs:
                raise ValueError(f"{what}: bias dimension {c!r} is not part of the output "
                                 f"spec {outs!r}")
        first = min(outs.find(c) for c in bias_axes)
        skip = elided if left else 0
        sizes = {c: out_shape[i + skip] for i, c in enumerate(outs)}
        bias = [sizes[c] if c in bias_axes else 1 for c in outs[first:]]
        if not left:
            bias += [1] * max(elided, 0)
    return tuple(kernel), None if bias is None else tuple(bias), tuple(out_shape)


class EinsumDense(Layer):
    """Keras ``EinsumDense``: ``activation(einsum(equation, x, kernel) + bias)``, a dense
    layer over any axes ("abc,cde->abde": the last axis to two), the bias over
    ``bias_axes`` of the output. Weights: kernel (and bias)."""

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise TypeError(f"EinsumDense: equation must be a string, got {equation!r}")
        self.equation = equation
        self.partial_output_shape = ((int(output_shape),) if isinstance(output_shape, int)
                                     else tuple(None if d is None else int(d)
                                                for d in output_shape))
        self.bias_axes = bias_axes
        _kernel_layer_args(self, activation, bias_axes is not None, kernel_initializer,
                           bias_initializer, seed)
        self._built_input = None

    def _shapes(self, input_shape):
        return _einsum_shapes(self.equation, self.bias_axes, tuple(input_shape),
                              self.partial_output_shape,
                              f"EinsumDense layer {self.name!r}")

    def build(self, input_shape) -> None:
        kernel, bias, _ = self._shapes(input_shape)
        rng = layer_rng(self.seed)
        self._add_weight("kernel", self._kernel_init(kernel, rng), "kernel")
        if bias is not None:
            self._add_weight("bias", self._bias_init(bias, rng), "bias")
        self._built_input = tuple(input_shape)
        self.built = True

    def _check_input_shape(self, shape) -> None:
        kernel, _, _ = self._shapes(shape)
        if self.built and kernel != self._params["kernel"].shape:
            raise ValueError(f"input of EinsumDense layer {self.name!r} of shape "
                             f"{tuple(shape)} needs a kernel of shape {kernel}, but the layer "
                             f"was built with {self._params['kernel'].shape}")

    def compute_output_shape(self, input_shape):
        return self._shapes(input_shape)[2]

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        xp = _backend.array_module(x)
        # optimize: a BLAS product where the equation is one (NumPy's plain einsum loops:
        # 19 ms against 1.7 ms for "abc,cd->abd" on 32x100x256 by 256x256)
        y = xp.einsum(self.equation, x, _param(self, "kernel", x), optimize=True)
        if "bias" in self._params:
            y = y + _param(self, "bias", x)
        return get_activation(self.activation)(y).astype(self._compute_dtype, copy=False), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(output_shape=self.partial_output_shape, equation=self.equation,
                      activation=self.activation, bias_axes=self.bias_axes)
        return config


class Embedding(Layer):
    """Keras ``Embedding``: integer indices (batch, length) -> (batch, length, output_dim).

    Weights: embeddings (input_dim, output_dim). ``mask_zero=True`` masks index 0 for the
    layers after it. ``input_length`` (Keras 2) fixes the sequence length in shapes.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, input_length=None, seed=None, **kwargs):
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(
                    f"both `input_dim` and `output_dim` should be positive integers; received "
                    f"{arg}={value!r}"
                )
        if ("input_shape" not in kwargs and "batch_input_shape" not in kwargs
                and input_length is not None):
            kwargs["input_shape"] = (input_length,)
        super().__init__(weights=weights, **kwargs)
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.mask_zero = bool(mask_zero)
        self.input_length = input_length
        self.embeddings_initializer = embeddings_initializer
        self._init = get_initializer(embeddings_initializer, "embeddings_initializer")
        self.seed = seed

    def build(self, input_shape) -> None:
        rng = layer_rng(self.seed)
        self._add_weight("embeddings", self._init((self.input_dim, self.output_dim), rng),
                         "embeddings")
        self.built = True

    def _check_input_shape(self, shape) -> None:
        if len(shape) < 1:
            raise ValueError(f"input of Embedding layer {self.name!r} must have rank >= 1")

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        xp = _backend.array_module(inputs)
        idx = xp.asarray(inputs)
        if idx.dtype.kind not in "biuf":
            raise TypeError(
                f"input of Embedding layer {self.name!r} must be integer indices, got dtype "
                f"{idx.dtype}"
            )
        self._check_input_shape(idx.shape)
        self._ensure_built(idx.shape)
        if idx.dtype.kind == "f":
            if bool(xp.any(~xp.isfinite(idx))):
                raise ValueError(f"Embedding layer {self.name!r} got non-finite indices")
        if idx.size:  # checked before the cast, which would wrap huge values around
            lo, hi = float(idx.min()), float(idx.max())
            if lo <= -1 or hi >= self.input_dim:  # floats are truncated, as Keras casts them
                raise ValueError(
                    f"Embedding layer {self.name!r} got indices outside [0, {self.input_dim}): "
                    f"min {lo:g}, max {hi:g}"
                )
        idx = idx.astype(np.int64)
        out = _param(self, "embeddings", idx)[idx]
        out_mask = (idx != 0) if self.mask_zero else None
        return out, out_mask

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return _backend.array_module(inputs).asarray(inputs) != 0

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(input_dim=self.input_dim, output_dim=self.output_dim,
                      mask_zero=self.mask_zero)
        return config


class ReversibleEmbedding(Embedding):
    """Keras ``ReversibleEmbedding``: an Embedding that also maps vectors back to the
    vocabulary (a language model's output layer sharing its input's table).

    ``emb(ids)`` looks up as Embedding (masking index 0 with ``mask_zero``); ``emb(h,
    reverse=True)`` gives logits ``h @ embeddings.T`` (``tie_weights=True``) or ``h @
    reverse_embeddings`` (its own (output_dim, input_dim) weights), then ``tanh(logits / cap)
    * cap`` with ``logit_soft_cap``; the logits carry no mask. Weights: embeddings (and
    reverse_embeddings)."""

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 reverse_dtype=None, logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = bool(tie_weights)
        if reverse_dtype not in (None, "float32"):
            raise ValueError(f"ReversibleEmbedding {self.name!r}: reverse_dtype "
                             f"{reverse_dtype!r} is not supported (fusedrnn computes the "
                             f"logits in float32; give None or 'float32')")
        self.reverse_dtype = reverse_dtype
        if logit_soft_cap is not None and not float(logit_soft_cap) > 0:
            raise ValueError(f"ReversibleEmbedding {self.name!r}: logit_soft_cap must be "
                             f"positive, got {logit_soft_cap!r}")
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape) -> None:
        super().build(input_shape)
        if not self.tie_weights:
            self._add_weight("reverse_embeddings",
                             self._init((self.output_dim, self.input_dim),
                                        layer_rng(self.seed)), "reverse_embeddings")

    def _forward(self, inputs, mask=None, training=False, reverse=False, **kwargs):
        if kwargs:
            raise TypeError(f"ReversibleEmbedding got unexpected call arguments {sorted(kwargs)}")
        if not reverse:
            return super()._forward(inputs, mask=mask, training=training)
        x = as_float_array(inputs, f"reversed input of ReversibleEmbedding layer {self.name!r}",
                           self._compute_dtype)
        if x.ndim < 1 or x.shape[-1] != self.output_dim:
            raise ValueError(f"reversed input of ReversibleEmbedding layer {self.name!r} must "
                             f"end with {self.output_dim} features; got shape {tuple(x.shape)}")
        self._ensure_built(x.shape[:-1])
        kernel = (_param(self, "embeddings", x).T if self.tie_weights
                  else _param(self, "reverse_embeddings", x))
        logits = x @ kernel
        if self.logit_soft_cap is not None:
            cap = float(self.logit_soft_cap)
            logits = _backend.array_module(logits).tanh(logits / cap) * cap
        return logits.astype(self._compute_dtype, copy=False), None

    def _symbolic_output_shapes(self, input_shape, mask=None, reverse=False, **kwargs):
        if kwargs:
            raise TypeError(f"ReversibleEmbedding got unexpected call arguments {sorted(kwargs)}")
        if reverse:
            return [(*tuple(input_shape)[:-1], self.input_dim)]
        return [tuple(self.compute_output_shape(input_shape))]

    def _output_masks(self, mask):
        return None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(tie_weights=self.tie_weights, reverse_dtype=self.reverse_dtype,
                      logit_soft_cap=self.logit_soft_cap)
        return config


class Masking(Layer):
    """Keras ``Masking``: a timestep whose features all equal ``mask_value`` is masked for the
    layers after it, and its features are set to zero."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(mask_value, (numbers.Number, np.bool_)):  # NumPy scalars included
            raise TypeError(f"Masking: mask_value must be a number, got {mask_value!r}")
        self.mask_value = mask_value

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = as_float_array(inputs, f"input of Masking layer {self.name!r}", self._compute_dtype)
        if x.ndim < 2:
            raise ValueError(
                f"input of Masking layer {self.name!r} must have rank >= 2; got shape {x.shape}"
            )
        self._ensure_built(x.shape)
        xp = _backend.array_module(x)
        keep = xp.any(x != self.mask_value, axis=-1)
        return x * keep[..., None].astype(x.dtype), keep

    def compute_mask(self, inputs, mask=None):
        x = _backend.array_module(inputs).asarray(inputs)
        return (x != self.mask_value).any(axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(mask_value=self.mask_value)
        return config


class Dropout(Layer):
    """Keras ``Dropout``: the identity at inference (fusedrnn only runs inference)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)) or not (
                0 <= rate <= 1):
            raise ValueError(
                f"invalid value received for argument `rate`: expected a float between 0 and "
                f"1, got {rate!r}"
            )
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        return self._prepare_input(inputs), mask

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return config


class Identity(Layer):
    """Keras ``Identity``: its input, and its mask, unchanged."""

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        return self._prepare_input(inputs), mask


def _constant(value, what: str, layer: str) -> np.ndarray:
    """A number or a list of numbers (one per feature) given to a layer's constructor."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{layer}: `{what}` must be a number or a list of numbers, got "
                        f"{value!r}") from exc
    if arr.ndim > 1:
        raise ValueError(f"{layer}: `{what}` must be a number or one number per feature, got "
                         f"shape {arr.shape}")
    return arr


class Rescaling(Layer):
    """Keras ``Rescaling`` (a preprocessing layer): ``x * scale + offset``, each a number or
    one per feature (the last axis). The mask passes through."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self._scale = _constant(scale, "scale", "Rescaling")
        self._offset = _constant(offset, "offset", "Rescaling")
        self.scale, self.offset = scale, offset

    def _check_input_shape(self, shape) -> None:
        for what, arr in (("scale", self._scale), ("offset", self._offset)):
            if arr.ndim and shape[-1] is not None and arr.shape[0] not in (1, shape[-1]):
                raise ValueError(f"Rescaling layer {self.name!r} has {arr.shape[0]} {what} "
                                 f"values for inputs of {shape[-1]} features (shape "
                                 f"{tuple(shape)})")

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        xp = _backend.array_module(x)
        scale = xp.asarray(self._scale.astype(x.dtype))
        offset = xp.asarray(self._offset.astype(x.dtype))
        return x * scale + offset, mask

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(scale=self.scale, offset=self.offset)
        return config


class Activation(Layer):
    """Keras ``Activation``: applies a named activation (``"relu"``, ``"softmax"``, ...)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activation_name(activation)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        return get_activation(self.activation)(self._prepare_input(inputs)), mask

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(activation=self.activation)
        return config


def wrapper_from_config(cls, config: dict, custom_objects=None):
    """A wrapper (TimeDistributed, SpectralNormalization) from its config: the wrapped
    layer's config rebuilt first."""
    config = dict(config)
    config["layer"] = deserialize_layer(config.get("layer"), custom_objects)
    return cls(**config)


class TimeDistributed(Layer):
    """Keras ``TimeDistributed``: applies ``layer`` to every timestep of (batch, time, ...).

    Weights are the wrapped layer's. The mask passes through.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed needs a layer instance, got {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer
        if self._batch_input_shape is None and layer._batch_input_shape is not None:
            self._batch_input_shape = layer._batch_input_shape

    def _inner_shape(self, input_shape):
        return (input_shape[0], *input_shape[2:])

    def _check_input_shape(self, shape) -> None:
        if len(shape) < 3:
            raise ValueError(
                f"input of TimeDistributed layer {self.name!r} must have rank >= 3 (batch, "
                f"timesteps, ...); got shape {tuple(shape)}"
            )
        self.layer._check_input_shape(self._inner_shape(shape))

    def build(self, input_shape) -> None:
        self.layer._ensure_built(self._inner_shape(input_shape))
        self.built = True

    # the wrapped layer's weights
    def get_weights(self):
        return self.layer.get_weights()

    def set_weights(self, weights) -> None:
        self.layer.set_weights(weights)

    @property
    def weights(self):
        return self.layer.weights

    def _expected_weight_shapes(self):
        return self.layer._expected_weight_shapes()

    def count_params(self) -> int:
        return self.layer.count_params()

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape(self._inner_shape(input_shape))
        return (input_shape[0], input_shape[1], *inner[1:])

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        batch, timesteps = x.shape[0], x.shape[1]
        flat = x.reshape((batch * timesteps, *x.shape[2:]))
        y, _ = self.layer._forward(flat, training=training)
        observe_outputs(self.layer, y)  # one call over batch * timesteps rows, as Keras 2's
        y = y.reshape((batch, timesteps, *y.shape[1:]))
        return y, mask

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(layer=serialize_layer(self.layer))
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        return wrapper_from_config(cls, config, custom_objects)


class Pipeline(Layer):
    """Keras 3's ``Pipeline(layers)``: the layers applied one after the other, as one layer
    (a preprocessing chain, ``Pipeline([Rescaling(1 / 255), Resizing(64, 64)])``). Its
    weights are its layers', in order. As in Keras, a mask given to it draws Keras's warning
    that it destroys the mask, yet passes through its layers and comes out of it."""

    def __init__(self, layers, name=None):
        if not isinstance(layers, (list, tuple)) or not all(
                isinstance(layer, Layer) for layer in layers):
            raise ValueError(f"Pipeline takes a list of layers; got {layers!r}")
        super().__init__(name=name)
        self._pipeline_layers = list(layers)

    @property
    def layers(self) -> list[Layer]:
        return self._pipeline_layers

    def _weight_layers(self) -> list[Layer]:
        return list(self._pipeline_layers)

    def _shapes(self, input_shape) -> list[tuple]:
        """The input shape of each layer, then the output shape."""
        shapes = [tuple(input_shape)]
        for layer in self._pipeline_layers:
            layer._check_input_shape(shapes[-1])
            shapes.append(tuple(layer.compute_output_shape(shapes[-1])))
        return shapes

    def _check_input_shape(self, shape) -> None:
        self._shapes(shape)

    def build(self, input_shape) -> None:
        for layer, shape in zip(self._pipeline_layers, self._shapes(input_shape)):
            layer._ensure_built(shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        return self._shapes(input_shape)[-1]

    @property
    def weights(self):
        return [w for layer in self._pipeline_layers for w in layer.weights]

    def get_weights(self):
        return [w for layer in self._pipeline_layers for w in layer.get_weights()]

    def _expected_weight_shapes(self):
        return [s for layer in self._pipeline_layers for s in layer._expected_weight_shapes()]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        expected = self._expected_weight_shapes()
        if len(weights) != len(expected):
            raise ValueError(f"layer {self.name!r} expects {len(expected)} weight arrays "
                             f"(its layers', in order: {[tuple(s) for s in expected]}), but "
                             f"set_weights received {len(weights)}")
        set_parts_weights(self._pipeline_layers, weights)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        if kwargs:
            raise TypeError(f"Pipeline got unexpected call arguments {sorted(kwargs)}")
        _drop_mask(self, mask)  # Keras's warning; its layers still pass the mask on
        x = inputs
        for layer in self._pipeline_layers:  # each checks its input and builds on it
            x, mask = layer._forward(x, mask=mask, training=training)
            observe_outputs(layer, x)
        self.built = True
        return x, mask

    def get_config(self) -> dict:
        return {"layers": [serialize_layer(layer) for layer in self._pipeline_layers],
                "name": self.name}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(f"`Pipeline` config must contain a `layers` key mapping to a list "
                             f"of serialized layers. Received config with layers={layers}.")
        return cls([deserialize_layer(c, custom_objects) for c in layers], config.get("name"))


def _drop_mask(layer: Layer, mask) -> None:
    """Keras 3: a layer without mask support drops the mask it is given, with this warning."""
    if mask is not None:
        warnings.warn(
            f"Layer {layer.name!r} (of type {type(layer).__name__}) was passed an input with a "
            f"mask attached to it. However, this layer does not support masking and will "
            f"therefore destroy the mask information. Downstream layers will not see the mask.",
            UserWarning, stacklevel=4,
        )


def _check_rank(layer: Layer, shape, rank: int, what: str) -> None:
    if len(shape) != rank:
        raise ValueError(
            f"input of {type(layer).__name__} layer {layer.name!r} must have rank {rank} "
            f"{what}; got shape {tuple(shape)}"
        )


def _data_format(value) -> str:
    data_format = "channels_last" if value is None else value
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"the `data_format` argument must be one of 'channels_first', 'channels_last'; "
            f"got data_format={value!r}"
        )
    return data_format


class SpatialDropout1D(Dropout):
    """Keras ``SpatialDropout1D`` (drops whole feature maps of (batch, timesteps, features)):
    the identity at inference. The mask passes through."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)

    def _check_input_shape(self, shape) -> None:
        _check_rank(self, shape, 3, "(batch, timesteps, features)")

    def get_config(self) -> dict:
        config = super().get_config()
        del config["noise_shape"]
        return config


class RepeatVector(Layer):
    """Keras ``RepeatVector``: (batch, features) -> (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, (int, np.integer)) or isinstance(n, (bool, np.bool_)):
            raise TypeError(f"RepeatVector: n must be an integer, got {n!r}")
        if n <= 0:
            raise ValueError(f"RepeatVector: n must be a positive integer, got {n}")
        self.n = int(n)
        self.supports_masking = False

    def _check_input_shape(self, shape) -> None:
        _check_rank(self, shape, 2, "(batch, features)")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        xp = _backend.array_module(x)
        return xp.repeat(x[:, None, :], self.n, axis=1), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(n=self.n)
        return config


class Flatten(Layer):
    """Keras ``Flatten``: (batch, d1, d2, ...) -> (batch, d1 * d2 * ...); with
    ``data_format="channels_first"`` the first non-batch axis is moved last before."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.supports_masking = False

    def _check_input_shape(self, shape) -> None:
        if len(shape) < 1:
            raise ValueError(f"input of Flatten layer {self.name!r} must have a batch "
                             f"dimension; got shape {tuple(shape)}")

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return (input_shape[0], None)
        return (input_shape[0], math.prod(rest))

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        if self.data_format == "channels_first" and x.ndim > 2:
            x = x.transpose((0, *range(2, x.ndim), 1))
        return x.reshape((x.shape[0], math.prod(x.shape[1:]))), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(data_format=self.data_format)
        return config


class Reshape(Layer):
    """Keras ``Reshape``: (batch, ...) -> (batch, *target_shape); one entry may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target = tuple(target_shape) if isinstance(target_shape, (list, tuple)) else None
        if target is None or any(isinstance(d, bool) or not isinstance(d, numbers.Integral)
                                 or (d < 1 and d != -1) for d in target) or (
                list(target).count(-1) > 1):
            raise ValueError(f"Reshape: target_shape must be a tuple of positive integers with "
                             f"at most one -1; got {target_shape!r}")
        self.target_shape = tuple(int(d) for d in target)
        self.supports_masking = False

    def _resolved(self, input_shape):
        """The output's non-batch shape (None where the input's size is unknown)."""
        rest = input_shape[1:]
        if -1 not in self.target_shape:
            if None not in rest and math.prod(rest) != math.prod(self.target_shape):
                raise ValueError(
                    f"Reshape layer {self.name!r}: an input of shape {tuple(input_shape)} has "
                    f"{math.prod(rest)} values per sample, target_shape {self.target_shape} "
                    f"holds {math.prod(self.target_shape)}"
                )
            return self.target_shape
        if None in rest:
            return tuple(None if d == -1 else d for d in self.target_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        if math.prod(rest) % known:
            raise ValueError(
                f"Reshape layer {self.name!r}: an input of shape {tuple(input_shape)} has "
                f"{math.prod(rest)} values per sample, not a multiple of {known} "
                f"(target_shape {self.target_shape})"
            )
        return tuple(math.prod(rest) // known if d == -1 else d for d in self.target_shape)

    def _check_input_shape(self, shape) -> None:
        if len(shape) < 1:
            raise ValueError(f"input of Reshape layer {self.name!r} must have a batch "
                             f"dimension; got shape {tuple(shape)}")
        self._resolved(shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._resolved(input_shape))

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        return x.reshape((x.shape[0], *self._resolved(x.shape))), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(target_shape=self.target_shape)
        return config


class Permute(Layer):
    """Keras ``Permute``: reorders the non-batch axes; ``dims`` numbers them from 1."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(dims) if isinstance(dims, (list, tuple)) else ()
        if sorted(dims) != list(range(1, len(dims) + 1)) or not dims:
            raise ValueError(f"Permute: dims must be a permutation of 1..n; got {dims!r}")
        self.dims = tuple(int(d) for d in dims)
        self.supports_masking = False

    def _check_input_shape(self, shape) -> None:
        _check_rank(self, shape, len(self.dims) + 1, f"(batch + the {len(self.dims)} axes "
                    f"of dims={self.dims})")

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        xp = _backend.array_module(x)
        return xp.ascontiguousarray(x.transpose((0, *self.dims))), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(dims=self.dims)
        return config


class _GlobalPooling1D(Layer):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.keepdims = bool(keepdims)

    @property
    def _steps_axis(self) -> int:
        return 1 if self.data_format == "channels_last" else 2

    def _check_input_shape(self, shape) -> None:
        order = ("(batch, steps, features)" if self.data_format == "channels_last"
                 else "(batch, features, steps)")
        _check_rank(self, shape, 3, order)

    def compute_output_shape(self, input_shape):
        batch, a, b = input_shape
        features = b if self.data_format == "channels_last" else a
        if not self.keepdims:
            return (batch, features)
        return (batch, 1, features) if self.data_format == "channels_last" else (
            batch, features, 1)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalAveragePooling1D(_GlobalPooling1D):
    """Keras ``GlobalAveragePooling1D``: the mean over the steps; with a mask, over the
    unmasked steps only (NaN for a sample with none, as in Keras). The output has no mask."""

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        xp = _backend.array_module(x)
        axis = self._steps_axis
        if mask is None:
            return x.mean(axis=axis, keepdims=self.keepdims), None
        keep = xp.asarray(check_mask(mask, x.shape[0], x.shape[axis]))
        keep = keep[:, :, None] if axis == 1 else keep[:, None, :]
        total = xp.where(keep, x, 0).sum(axis=axis, keepdims=self.keepdims)
        with np.errstate(invalid="ignore", divide="ignore"):
            return total / keep.astype(x.dtype).sum(axis=axis, keepdims=self.keepdims), None


class GlobalMaxPooling1D(_GlobalPooling1D):
    """Keras ``GlobalMaxPooling1D``: the maximum over the steps. Like Keras 3, it does not
    support masking: a mask is dropped, with Keras's warning."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = False

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        return x.max(axis=self._steps_axis, keepdims=self.keepdims), None


# Keras's other names for them
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
