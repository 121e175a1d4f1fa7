"""BatchNormalization (inference: the moving statistics), LayerNormalization and the
preprocessing layer Normalization. Plain NumPy (CuPy for CuPy inputs). They support masking as
Keras does: the mask passes through. And the SpectralNormalization wrapper, which at inference
is its layer."""

from __future__ import annotations

import numbers

import numpy as np

from .. import _backend
from ._base import Layer, as_float_array, serialize_layer
from ._core import _drop_mask, _param, wrapper_from_config
from ._initializers import _truncated_normal, get_initializer, layer_rng

__all__ = ["BatchNormalization", "GroupNormalization", "LayerNormalization", "Normalization",
           "RMSNormalization", "SpectralNormalization", "UnitNormalization"]


def _axes(axis, layer: str) -> list[int]:
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Integral):
            raise TypeError(f"{layer}: `axis` must be an integer or a list of integers; got "
                            f"{axis!r}")
    if not axes:
        raise ValueError(f"{layer}: `axis` must name at least one axis")
    return [int(a) for a in axes]


def _feature_axes(layer: Layer, rank: int, given=None) -> tuple[int, ...]:
    """``layer.axis`` (or the list ``given``) for an input of ``rank``: non-negative, sorted,
    each once; ValueError if one is out of range or the batch axis."""
    axes = []
    for a in layer.axis if given is None else given:
        if not -rank <= a < rank or (a % rank) == 0:
            raise ValueError(
                f"{type(layer).__name__} layer {layer.name!r}: axis {a} is not a feature axis "
                f"of an input of rank {rank} (axis 0 is the batch)"
            )
        axes.append(a % rank)
    return tuple(sorted(set(axes)))


class _Normalization(Layer):
    """Shared: the normalized axes, epsilon, center/scale weights gamma and beta."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.axis = _axes(axis, name)
        if not isinstance(epsilon, numbers.Real) or not epsilon >= 0:
            raise ValueError(f"{name}: `epsilon` must be a number >= 0; got {epsilon!r}")
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self._beta_init = get_initializer(beta_initializer, "beta_initializer")
        self._gamma_init = get_initializer(gamma_initializer, "gamma_initializer")
        self._rank = None

    def _resolved_axes(self, rank: int) -> list[int]:
        return list(_feature_axes(self, rank))

    def _param_shape(self, input_shape) -> tuple[int, ...]:
        axes = self._resolved_axes(len(input_shape))
        dims = [input_shape[a] for a in axes]
        if any(d is None for d in dims):
            raise ValueError(f"{type(self).__name__} needs known sizes on axes {self.axis}; got "
                             f"input shape {tuple(input_shape)}")
        return tuple(int(d) for d in dims)

    def _check_input_shape(self, shape) -> None:
        if len(shape) < 2:
            raise ValueError(f"input of {type(self).__name__} layer {self.name!r} must have "
                             f"rank >= 2; got shape {tuple(shape)}")
        if self.built:
            if len(shape) != self._rank:
                raise ValueError(
                    f"input of {type(self).__name__} layer {self.name!r} must have rank "
                    f"{self._rank} (as when it was built); got shape {tuple(shape)}"
                )
            axes = self._resolved_axes(len(shape))
            want = self._expected_weight_shapes()[0] if self._param_names else None
            got = tuple(shape[a] for a in axes)
            if want is not None and any(g is not None and g != w for g, w in zip(got, want)):
                raise ValueError(
                    f"input of {type(self).__name__} layer {self.name!r} has sizes {got} on "
                    f"axes {self.axis}, but the layer was built for {tuple(want)}; got input "
                    f"shape {tuple(shape)}"
                )

    def _add_affine(self, input_shape):
        """Create gamma (scale) and beta (center); returns their shape and the generator."""
        shape = self._param_shape(input_shape)
        rng = np.random.default_rng(0)
        if self.scale:
            self._add_weight("gamma", self._gamma_init(shape, rng), "gamma")
        if self.center:
            self._add_weight("beta", self._beta_init(shape, rng), "beta")
        return shape, rng

    def _broadcast(self, key: str, x):
        """A weight shaped to broadcast against ``x``."""
        axes = self._resolved_axes(x.ndim)
        shape = [1] * x.ndim
        for a in axes:
            shape[a] = x.shape[a]
        return _param(self, key, x).reshape(shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(axis=self.axis[0] if len(self.axis) == 1 else list(self.axis),
                      epsilon=self.epsilon, center=self.center, scale=self.scale)
        return config


class BatchNormalization(_Normalization):
    """Keras ``BatchNormalization`` at inference:
    ``(x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta``.

    Weights: gamma, beta (when scale / center), moving_mean, moving_variance (not trainable).
    Training-only arguments (momentum, renorm, synchronized, ...) are accepted.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, fused=None, trainable=True, virtual_batch_size=None,
                 adjustment=None, **kwargs):
        if virtual_batch_size is not None or adjustment is not None:
            raise ValueError("BatchNormalization: virtual_batch_size and adjustment are not "
                             "supported")
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         trainable=trainable, **kwargs)
        self.momentum = momentum
        self._mean_init = get_initializer(moving_mean_initializer, "moving_mean_initializer")
        self._var_init = get_initializer(moving_variance_initializer,
                                         "moving_variance_initializer")

    def build(self, input_shape) -> None:
        shape, rng = self._add_affine(input_shape)
        self._add_weight("moving_mean", self._mean_init(shape, rng), "moving_mean",
                         trainable=False)
        self._add_weight("moving_variance", self._var_init(shape, rng), "moving_variance",
                         trainable=False)
        self._rank = len(input_shape)
        self.built = True

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        xp = _backend.array_module(x)
        inv = 1 / xp.sqrt(self._broadcast("moving_variance", x) + x.dtype.type(self.epsilon))
        if self.scale:
            inv = inv * self._broadcast("gamma", x)
        shift = -self._broadcast("moving_mean", x) * inv  # TensorFlow's order of operations
        if self.center:
            shift = shift + self._broadcast("beta", x)
        return x * inv + shift, mask

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(momentum=self.momentum)
        return config


class LayerNormalization(_Normalization):
    """Keras ``LayerNormalization``: each sample normalized over ``axis`` (mean and variance
    of its values there), then ``* gamma + beta``. Weights: gamma, beta. Keras 3's deprecated
    ``rms_scaling=True`` is not supported."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        if rms_scaling:
            raise ValueError("LayerNormalization: rms_scaling=True (deprecated in Keras) is not "
                             "supported")
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         **kwargs)

    def build(self, input_shape) -> None:
        self._add_affine(input_shape)
        self._rank = len(input_shape)
        self.built = True

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        xp = _backend.array_module(x)
        axes = tuple(self._resolved_axes(x.ndim))
        mean = xp.mean(x, axis=axes, keepdims=True)
        variance = xp.mean((x - mean) ** 2, axis=axes, keepdims=True)
        inv = 1 / xp.sqrt(variance + x.dtype.type(self.epsilon))
        if self.scale:
            inv = inv * self._broadcast("gamma", x)
        shift = -mean * inv  # Keras's order of operations
        if self.center:
            shift = shift + self._broadcast("beta", x)
        return x * inv + shift, mask

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = list(self.axis)  # Keras 3 lists LayerNormalization's axes
        return config


# Keras's backend.epsilon(): the least standard deviation Normalization divides by.
_EPSILON = 1e-7


class Normalization(Layer):
    """Keras ``Normalization`` (a preprocessing layer): ``(x - mean) / max(sqrt(variance),
    1e-7)``, or with ``invert=True`` ``mean + x * max(sqrt(variance), 1e-7)``, with a mean and
    variance for each index of ``axis`` (default the last, the features; a tuple of axes;
    ``None``: one mean and variance for all values).

    The statistics are the ``mean=`` and ``variance=`` given (constants: a number, or values
    for the last of the axes or all of them), or the layer's weights mean, variance and count
    (not trainable; count is kept for Keras's weight order) that ``adapt(data)`` computes, as
    Keras's does, or Keras's files hold. The mask passes through.
    """

    # Keras keeps the count of the values adapt() saw as an integer (its saved files too).
    _saved_dtypes = {"count": np.int64}

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        # None (saved by Keras 3 as []): one mean and variance for all values
        self.axis = () if axis is None or (isinstance(axis, (list, tuple)) and not axis) \
            else tuple(_axes(axis, "Normalization"))
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: give both `mean` and `variance` or neither; got "
                             f"mean={mean!r}, variance={variance!r}")
        if mean is not None:
            mean_arr, var_arr = np.asarray(mean, np.float64), np.asarray(variance, np.float64)
            if mean_arr.shape != var_arr.shape:
                raise ValueError(f"Normalization: `mean` and `variance` must have the same "
                                 f"shape; got {mean_arr.shape} and {var_arr.shape}")
            if mean_arr.ndim > len(self.axis):
                raise ValueError(f"Normalization: `mean` has rank {mean_arr.ndim}, more than "
                                 f"the {len(self.axis)} axes {self.axis}")
            if np.any(var_arr < 0):
                raise ValueError("Normalization: `variance` must not be negative")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.supports_masking = True
        self._rank = None
        self._stats_shape = None

    def _check_input_shape(self, shape) -> None:
        if len(shape) < 1:
            raise ValueError(f"input of Normalization layer {self.name!r} needs a batch axis; "
                             f"got shape {tuple(shape)}")
        kept = _feature_axes(self, len(shape))
        if self.built:
            if len(shape) != self._rank:
                # Keras broadcasts the statistics of the rank it was built (adapted) at
                # against the input's, right-aligned: (1, 3) against (2, 5, 3) works.
                self._broadcast_output_shape(shape)
                return
            got = tuple(shape[a] for a in kept)
            if any(g is not None and g != w for g, w in zip(got, self._stats_shape)):
                raise ValueError(f"input of Normalization layer {self.name!r} has sizes {got} "
                                 f"on axes {self.axis}, but the layer was built for "
                                 f"{self._stats_shape}; got input shape {tuple(shape)}")
        elif any(shape[a] is None for a in kept):
            raise ValueError(f"Normalization needs known sizes on axes {self.axis}; got input "
                             f"shape {tuple(shape)}")

    def _broadcast_output_shape(self, shape) -> tuple:
        """The shape of an input of another rank than the layer's broadcast against its
        statistics, as Keras's arithmetic does (None for unknown sizes)."""
        try:
            out = np.broadcast_shapes(tuple(1 if d is None else d for d in shape),
                                      self._broadcast_shape)
        except ValueError:
            raise ValueError(f"input of Normalization layer {self.name!r} of shape "
                             f"{tuple(shape)} does not broadcast against its statistics of "
                             f"shape {self._broadcast_shape} (built for rank {self._rank})"
                             ) from None
        pad = len(out) - len(shape)
        return tuple(None if i >= pad and shape[i - pad] is None and out[i] == 1 else out[i]
                     for i in range(len(out)))

    def compute_output_shape(self, input_shape):
        if self.built and len(input_shape) != self._rank:
            return self._broadcast_output_shape(input_shape)
        return tuple(input_shape)

    def build(self, input_shape) -> None:
        rank = len(input_shape)
        kept = _feature_axes(self, rank)
        self._stats_shape = tuple(int(input_shape[a]) for a in kept)
        self._broadcast_shape = tuple(int(input_shape[d]) if d in kept else 1
                                      for d in range(rank))
        if self.input_mean is None:
            self._add_weight("mean", np.zeros(self._stats_shape), "mean", trainable=False)
            self._add_weight("variance", np.ones(self._stats_shape), "variance",
                             trainable=False)
            self._add_weight("count", np.zeros(()), "count", trainable=False)
        else:  # constants, aligned from the last kept axis back (as Keras 3 aligns them)
            for key, value in (("input_mean", self.input_mean),
                               ("input_variance", self.input_variance)):
                arr = np.asarray(value, np.float64)
                shape = [1] * rank
                for i in range(1, arr.ndim + 1):
                    shape[kept[-i]] = arr.shape[-i]
                try:
                    arr = np.broadcast_to(arr.reshape(shape), self._broadcast_shape)
                except ValueError as exc:
                    raise ValueError(f"Normalization layer {self.name!r}: `{key[6:]}` of shape "
                                     f"{np.shape(value)} does not fit sizes "
                                     f"{self._stats_shape} on axes {self.axis}") from exc
                self._params[key] = np.ascontiguousarray(arr, dtype=self._compute_dtype)
        self._rank = rank
        self.built = True

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Set the mean and variance (over every axis but ``axis``) from ``data``, an array
        of inputs (or a list of batches of them)."""
        if self.input_mean is not None:
            raise ValueError(f"Normalization layer {self.name!r} was given its mean and "
                             f"variance; adapt() has nothing to set")
        if isinstance(data, (list, tuple)) and data and all(hasattr(d, "shape") for d in data):
            data = np.concatenate([_backend.to_numpy(d) for d in data])  # batches
        x = np.asarray(_backend.to_numpy(data), dtype=np.float64)
        if x.ndim == 0 or x.size == 0:
            raise ValueError(f"Normalization.adapt needs a non-empty array of inputs; got "
                             f"shape {x.shape}")
        self._check_input_shape(x.shape)
        self._ensure_built(x.shape)
        reduce = tuple(d for d in range(x.ndim) if d not in _feature_axes(self, x.ndim))
        self.set_weights([x.mean(axis=reduce), x.var(axis=reduce),
                          np.zeros((), self._compute_dtype)])

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        xp = _backend.array_module(x)
        if self.input_mean is None:
            mean = _param(self, "mean", x).reshape(self._broadcast_shape)
            variance = _param(self, "variance", x).reshape(self._broadcast_shape)
        else:
            mean, variance = _param(self, "input_mean", x), _param(self, "input_variance", x)
        std = xp.maximum(xp.sqrt(variance), x.dtype.type(_EPSILON))
        if self.invert:
            return mean + x * std, mask
        return (x - mean) / std, mask

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(axis=list(self.axis), invert=self.invert,
                      mean=np.asarray(self.input_mean).tolist(),
                      variance=np.asarray(self.input_variance).tolist())
        return config


class UnitNormalization(Layer):
    """Keras ``UnitNormalization``: each sample scaled to unit L2 norm over ``axis`` (an int
    or a list), as Keras 3: ``x * min(1 / sqrt(sum(x ** 2)), 1e12)``. The mask passes
    through."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        _axes(axis, "UnitNormalization")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.supports_masking = True

    def _axes(self, rank: int) -> tuple[int, ...]:
        return _feature_axes(self, rank, _axes(self.axis, "UnitNormalization"))

    def _check_input_shape(self, shape) -> None:
        self._axes(len(shape))

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        xp = _backend.array_module(x)
        axes = self._axes(x.ndim)
        # min(1 / sqrt(s), 1e12) as 1 / sqrt(max(s, 1e-24)): no division by zero
        square_sum = xp.sum(x * x, axis=axes, keepdims=True)
        return x / xp.sqrt(xp.maximum(square_sum, x.dtype.type(1e-24))), mask

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(axis=self.axis)
        return config


class RMSNormalization(Layer):
    """Keras 3's ``RMSNormalization``: ``x / sqrt(mean(x ** 2) + epsilon) * scale`` over
    ``axis`` (an int, or a list: the last axes of the input). Weight: scale (the sizes of those
    axes). Like Keras's, it does not support masking: a mask is dropped."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axes(axis, "RMSNormalization")
        self._axis_given = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        if not isinstance(epsilon, numbers.Real) or not epsilon >= 0:
            raise ValueError(f"RMSNormalization: `epsilon` must be a number >= 0; got "
                             f"{epsilon!r}")
        self.epsilon = float(epsilon)
        self.supports_masking = False
        self._rank = None

    def _scale_shape(self, shape) -> tuple:
        """The sizes of the normalized axes, which must be the input's last ones: Keras
        multiplies its scale against the trailing axes."""
        rank = len(shape)
        axes = _feature_axes(self, rank)
        order = [a % rank for a in sorted(self.axis)]  # Keras's scale: sorted(axis)'s sizes
        if order != list(range(rank - len(order), rank)):
            raise ValueError(f"RMSNormalization layer {self.name!r}: `axis` {self._axis_given} "
                             f"must be the input's last axes in order (Keras multiplies the "
                             f"scale against the trailing axes); got input shape "
                             f"{tuple(shape)}")
        return tuple(shape[a] for a in axes)

    def _check_input_shape(self, shape) -> None:
        sizes = self._scale_shape(shape)
        if self.built:
            want = self._expected_weight_shapes()[0]
            if len(shape) != self._rank or any(
                    g is not None and g != w for g, w in zip(sizes, want)):
                raise ValueError(f"input of RMSNormalization layer {self.name!r} has sizes "
                                 f"{sizes} on axes {self._axis_given}, but the layer was built "
                                 f"for {tuple(want)} at rank {self._rank}; got input shape "
                                 f"{tuple(shape)}")

    def build(self, input_shape) -> None:
        sizes = self._scale_shape(input_shape)
        if any(d is None for d in sizes):
            raise ValueError(f"RMSNormalization needs known sizes on axes {self._axis_given}; "
                             f"got input shape {tuple(input_shape)}")
        self._add_weight("scale", np.ones(sizes), "scale")
        self._rank = len(input_shape)
        self.built = True

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        _drop_mask(self, mask)
        xp = _backend.array_module(x)
        axes = _feature_axes(self, x.ndim)
        rrms = 1 / xp.sqrt(xp.mean(x * x, axis=axes, keepdims=True)
                           + x.dtype.type(self.epsilon))
        return x * rrms * _param(self, "scale", x), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(axis=self._axis_given, epsilon=self.epsilon)
        return config


class GroupNormalization(_Normalization):
    """Keras ``GroupNormalization``: the channels on ``axis`` split into ``groups`` groups;
    each sample normalized per group over the group's channels and every other non-batch
    axis, then ``* gamma + beta`` per channel (``groups=-1``: a group per channel). Weights:
    gamma, beta (channels,). The mask passes through."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        if isinstance(axis, (list, tuple)):
            raise ValueError(f"GroupNormalization: `axis` must be one integer; got {axis!r}")
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         **kwargs)
        if isinstance(groups, (bool, np.bool_)) or not isinstance(groups, numbers.Integral) or (
                groups < 1 and groups != -1):
            raise ValueError(f"GroupNormalization: `groups` must be a positive integer or -1; "
                             f"got {groups!r}")
        self.groups = int(groups)
        self.supports_masking = True

    def _check_input_shape(self, shape) -> None:
        super()._check_input_shape(shape)
        channels = shape[self._resolved_axes(len(shape))[0]]
        groups = channels if self.groups == -1 else self.groups
        if channels is not None and (channels < groups or channels % groups):
            raise ValueError(f"GroupNormalization layer {self.name!r}: its {channels} channels "
                             f"(axis {self.axis[0]}) cannot be split into {groups} groups of "
                             f"equal size; got input shape {tuple(shape)}")

    def build(self, input_shape) -> None:
        shape, _ = self._add_affine(input_shape)
        if self.groups == -1:  # as Keras: the group count is fixed at build
            self.groups = shape[0]
        self._rank = len(input_shape)
        self.built = True

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._prepare_input(inputs)
        xp = _backend.array_module(x)
        axis = self._resolved_axes(x.ndim)[0]
        shape = x.shape
        grouped = shape[:axis] + (self.groups, shape[axis] // self.groups) + shape[axis + 1:]
        g = x.reshape(grouped)
        axes = tuple(a for a in range(1, g.ndim) if a != axis)
        mean = xp.mean(g, axis=axes, keepdims=True)
        variance = xp.mean((g - mean) ** 2, axis=axes, keepdims=True)
        inv = 1 / xp.sqrt(variance + x.dtype.type(self.epsilon))
        per_channel = [1] * g.ndim
        per_channel[axis], per_channel[axis + 1] = self.groups, shape[axis] // self.groups
        if self.scale:
            inv = inv * _param(self, "gamma", x).reshape(per_channel)
        shift = -mean * inv  # Keras's order of operations
        if self.center:
            shift = shift + _param(self, "beta", x).reshape(per_channel)
        return (g * inv + shift).reshape(shape), mask

    def get_config(self) -> dict:
        config = super().get_config()
        config = {"name": config["name"], "trainable": config["trainable"],
                  "dtype": config["dtype"], "groups": self.groups, **{
                      k: config[k] for k in ("axis", "epsilon", "center", "scale")}}
        return config


class SpectralNormalization(Layer):
    """Keras ``SpectralNormalization(layer, power_iterations=1)``: training divides the
    wrapped layer's kernel (or an Embedding's embeddings) by its largest singular value and
    stores the result in that kernel; at inference the wrapper is its layer, run on the
    stored kernel. Its weights are Keras 3's: the kernel, the power iteration's ``vector_u``
    (1, kernel's last dimension; not trainable), then the layer's other weights (Dense's
    bias). A mask given to it is dropped, with Keras's warning. fusedrnn runs inference only:
    ``training=True`` changes nothing. As in Keras, the output takes the input's dtype (integer
    ids into a wrapped Embedding give integer vectors, truncated)."""

    def __init__(self, layer, power_iterations=1, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer type. "
                             f"Please ensure wrapped layer is a valid Keras layer.")
        if isinstance(power_iterations, bool) or not isinstance(power_iterations,
                                                                numbers.Integral):
            raise TypeError(f"SpectralNormalization: power_iterations must be an integer, got "
                            f"{power_iterations!r}")
        if power_iterations <= 0:
            raise ValueError(f"`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        super().__init__(**kwargs)
        self.layer = layer
        self.power_iterations = int(power_iterations)
        if self._batch_input_shape is None and layer._batch_input_shape is not None:
            self._batch_input_shape = layer._batch_input_shape

    def _check_input_shape(self, shape) -> None:
        if len(shape) < 1:
            raise ValueError(f"input of SpectralNormalization layer {self.name!r} must have "
                             f"rank >= 1; got shape {tuple(shape)}")
        self.layer._check_input_shape(shape)

    def _kernel_index(self) -> int:
        """Where the wrapped layer's kernel (or embeddings) is among its weights."""
        from ._conv_lstm import _ConvLSTM
        from ._custom import RNN as UserCellRNN
        from ._rnn import Bidirectional, RNNLayer

        # Keras's recurrent layers keep their kernels in their cells, not as attributes
        if not isinstance(self.layer, (RNNLayer, UserCellRNN, Bidirectional, _ConvLSTM)):
            names = [w.name.rsplit("/", 1)[-1] for w in self.layer.weights]
            # a DepthwiseConv's depthwise_kernel is Keras 3's `kernel` (a SeparableConv,
            # with a pointwise one too, has no `kernel` in Keras either)
            for name in ("kernel", "embeddings", "depthwise_kernel"):
                if name in names and "pointwise_kernel" not in names:
                    return names.index(name)
        raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor "
                         f"'embeddings'")

    def build(self, input_shape) -> None:
        self.layer._ensure_built(tuple(input_shape))
        kernel = self.layer.weights[self._kernel_index()]
        rng = layer_rng(None)
        self._add_weight("vector_u", _truncated_normal((1, kernel.shape[-1]), rng, 0.02),
                         "vector_u", trainable=False)
        self.built = True

    # Keras 3's weights: the kernel, vector_u, then the wrapped layer's others
    def _order(self, inner: list, own: list) -> list:
        k = self._kernel_index()
        return [inner[k], own[0], *inner[:k], *inner[k + 1:]]

    @property
    def weights(self):
        return self._order(self.layer.weights, super().weights) if self.built else []

    def get_weights(self):
        return self._order(self.layer.get_weights(), super().get_weights()) \
            if self.built else []

    def _expected_weight_shapes(self):
        return self._order(self.layer._expected_weight_shapes(),
                           super()._expected_weight_shapes())

    def set_weights(self, weights) -> None:
        if not self.built:
            raise ValueError(f"layer {self.name!r} is not built yet; call it on an input (or "
                             f"give it an input shape) before set_weights()")
        weights = list(weights)
        expected = self._expected_weight_shapes()
        if len(weights) != len(expected):
            raise ValueError(f"layer {self.name!r} expects {len(expected)} weight arrays of "
                             f"shapes {[tuple(s) for s in expected]} (the kernel, vector_u, "
                             f"then the wrapped layer's others), but set_weights received "
                             f"{len(weights)}")
        vector_u = as_float_array(_backend.to_numpy(weights[1]), "weight 1 (vector_u)",
                                  self._compute_dtype)
        if vector_u.shape != tuple(expected[1]):
            raise ValueError(f"layer {self.name!r}: weight 1 (vector_u) has shape "
                             f"{vector_u.shape}, expected {tuple(expected[1])}")
        k = self._kernel_index()
        rest = weights[2:]
        self.layer.set_weights([*rest[:k], weights[0], *rest[k:]])
        self._params["vector_u"] = np.array(vector_u, copy=True)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def _symbolic_output_dtype(self) -> str:
        return self.layer._symbolic_output_dtype()

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        _drop_mask(self, mask)
        if not self.built:
            shape = np.shape(inputs)
            self._check_input_shape(shape)
            self._ensure_built(shape)
        y, _ = self.layer._forward(inputs, training=training)
        dtype = getattr(inputs, "dtype", None)
        if dtype is not None and np.dtype(dtype).kind in "iu":
            # Keras casts the output to its input's dtype: an Embedding's vectors for integer
            # ids come out truncated to integers (a model trained so was trained on them)
            y = y.astype(dtype)
        return y, None

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(layer=serialize_layer(self.layer), power_iterations=self.power_iterations)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        return wrapper_from_config(cls, config, custom_objects)
