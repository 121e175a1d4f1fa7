"""Keras's activation layers (ReLU, LeakyReLU, ELU, PReLU, Softmax) and the regularization
layers that are the identity at inference (GaussianNoise, GaussianDropout, AlphaDropout,
ActivityRegularization). Masks pass through. Plain NumPy (CuPy for CuPy inputs)."""

from __future__ import annotations

import numbers

from .. import _backend
from ._base import Layer, _softmax
from ._core import Dropout, _param
from ._initializers import get_initializer, layer_rng

__all__ = ["ELU", "PReLU", "ReLU", "ActivityRegularization", "AlphaDropout",
           "GaussianDropout", "GaussianNoise", "LeakyReLU", "Softmax"]


def _non_negative(layer: str, name: str, value, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
        raise ValueError(f"{name} of a {layer} layer must be a non-negative number, got "
                         f"{value!r}")
    return float(value)


class _Elementwise(Layer):
    def _forward(self, inputs, mask=None, training=False, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected call arguments "
                            f"{sorted(kwargs)}")
        x = self._prepare_input(inputs)
        return self._apply(x, _backend.array_module(x)), mask


class ReLU(_Elementwise):
    """Keras ``ReLU``: ``x`` above ``threshold`` (else 0), clipped at ``max_value``, plus
    ``negative_slope * (x - threshold)`` below the threshold."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = _non_negative("ReLU", "negative_slope", negative_slope)
        self.threshold = _non_negative("ReLU", "threshold", threshold)

    def _apply(self, x, xp):
        zero = x.dtype.type(0)
        y = xp.where(x > self.threshold, x, zero) if self.threshold else xp.maximum(x, zero)
        if self.max_value is not None:
            y = xp.minimum(y, x.dtype.type(self.max_value))
        if self.negative_slope:
            y = y - x.dtype.type(self.negative_slope) * xp.maximum(
                x.dtype.type(self.threshold) - x, zero)
        return y

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope,
                      threshold=self.threshold)
        return config


class LeakyReLU(_Elementwise):
    """Keras ``LeakyReLU``: ``x`` for x >= 0, ``negative_slope * x`` below (Keras 2's
    ``alpha``)."""

    def __init__(self, negative_slope=0.3, alpha=None, **kwargs):
        super().__init__(**kwargs)
        if alpha is not None:
            negative_slope = alpha
        self.negative_slope = _non_negative("LeakyReLU", "negative_slope", negative_slope)

    def _apply(self, x, xp):
        return xp.where(x >= 0, x, x * x.dtype.type(self.negative_slope))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(negative_slope=self.negative_slope)
        return config


class ELU(_Elementwise):
    """Keras ``ELU``: ``x`` for x > 0, ``alpha * (exp(x) - 1)`` below."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
            raise ValueError(f"alpha of an ELU layer must be a number, got {alpha!r}")
        self.alpha = float(alpha)

    def _apply(self, x, xp):
        return xp.where(x > 0, x, x.dtype.type(self.alpha) * xp.expm1(xp.minimum(x, 0)))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(alpha=self.alpha)
        return config


class PReLU(_Elementwise):
    """Keras ``PReLU``: ``relu(x) - alpha * relu(-x)`` with a learned ``alpha`` of the input's
    shape without the batch, size 1 along ``shared_axes``.

    Weights: alpha.
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = alpha_initializer
        self._alpha_init = get_initializer(alpha_initializer, "alpha_initializer")
        if shared_axes is not None and not isinstance(shared_axes, (list, tuple)):
            shared_axes = [shared_axes]
        self.shared_axes = None if shared_axes is None else [int(a) for a in shared_axes]
        self.seed = seed
        self._alpha_shape = None

    def build(self, input_shape) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"shared_axes of PReLU layer {self.name!r} must be axes 1 to "
                                 f"{len(input_shape) - 1} of its input; got {axis}")
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"PReLU layer {self.name!r} needs the input's sizes along the "
                             f"axes it does not share; got input shape {tuple(input_shape)}")
        self._alpha_shape = tuple(shape)
        rng = layer_rng(self.seed)
        self._add_weight("alpha", self._alpha_init(self._alpha_shape, rng), "alpha")
        self.built = True

    def _check_input_shape(self, shape) -> None:
        if len(shape) < 2:
            raise ValueError(f"input of PReLU layer {self.name!r} must have a batch axis and "
                             f"at least one more; got shape {tuple(shape)}")
        if self._alpha_shape is None:
            return
        rest = tuple(shape[1:])
        if len(rest) != len(self._alpha_shape) or any(
                a != 1 and d is not None and d != a for d, a in zip(rest, self._alpha_shape)):
            raise ValueError(f"PReLU layer {self.name!r} was built for inputs of shape "
                             f"(batch, {', '.join(map(str, self._alpha_shape))}) (1: shared); "
                             f"got {tuple(shape)}")

    def _apply(self, x, xp):
        zero = x.dtype.type(0)
        return xp.maximum(x, zero) - _param(self, "alpha", x) * xp.maximum(-x, zero)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(alpha_initializer=self.alpha_initializer, shared_axes=self.shared_axes)
        return config


class Softmax(Layer):
    """Keras ``Softmax`` over ``axis`` (an axis or a list of them). A mask (broadcast to the
    input from its last axes, as Keras 3) gives its positions -1e9 before the softmax and 0
    after."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        if kwargs:
            raise TypeError(f"Softmax got unexpected call arguments {sorted(kwargs)}")
        x = self._prepare_input(inputs)
        xp = _backend.array_module(x)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for axis in axes:
            if not -x.ndim <= axis < x.ndim:
                raise ValueError(f"axis {axis} of Softmax layer {self.name!r} is out of range "
                                 f"for an input of rank {x.ndim}")
        keep = None
        if mask is not None:
            keep = xp.asarray(mask)
            if keep.ndim > x.ndim or any(m != 1 and m != d for m, d in
                                          zip(keep.shape[::-1], x.shape[::-1])):
                raise ValueError(f"the mask of Softmax layer {self.name!r} must broadcast to "
                                 f"its input from the last axes; got mask shape {keep.shape} "
                                 f"for input shape {x.shape}")
            keep = keep > 0.5 if keep.dtype != bool else keep
            x = xp.where(keep, x, x.dtype.type(-1e9))
        y = _softmax(x, axis=axes[0] if len(axes) == 1 else tuple(axes))
        if keep is not None:
            y = xp.where(keep, y, y.dtype.type(0))
        return y, mask

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(axis=self.axis)
        return config


class GaussianNoise(Dropout):
    """Keras ``GaussianNoise``: adds noise in training only; the identity at inference."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(0.0, seed=seed, **kwargs)
        self.stddev = _non_negative("GaussianNoise", "stddev", stddev)

    def get_config(self) -> dict:
        config = Layer.get_config(self)
        config.update(stddev=self.stddev, seed=self.seed)
        return config


class GaussianDropout(Dropout):
    """Keras ``GaussianDropout``: multiplicative noise in training only; the identity at
    inference."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["noise_shape"]
        return config


class AlphaDropout(Dropout):
    """Keras ``AlphaDropout`` (for SELU networks): the identity at inference."""


class ActivityRegularization(Dropout):
    """Keras ``ActivityRegularization``: adds a training loss only; the identity here."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(0.0, **kwargs)
        self.l1 = _non_negative("ActivityRegularization", "l1", l1)
        self.l2 = _non_negative("ActivityRegularization", "l2", l2)

    def get_config(self) -> dict:
        config = Layer.get_config(self)
        config.update(l1=self.l1, l2=self.l2)
        return config
