"""Keras 3's losses, in NumPy, for ``Model.evaluate`` and for code that computes a loss on
predictions (``keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, p)``).

The formulas, epsilons (1e-7), label conversions and reductions are Keras 3's (TensorFlow
backend): a loss function gives one value per sample (the last axis averaged, or summed for
the crossentropies), and a ``Loss`` object reduces them with ``sample_weight`` and the
prediction's mask: ``"sum_over_batch_size"`` (Keras's default; masked positions are left out of
the mean), ``"sum"``, ``"mean_with_sample_weight"`` or ``"none"``. Computed in float64.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._configurable import Registry
from .layers._base import snake_case

__all__ = [
    "CTC", "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "CategoricalHinge",
    "Circle", "CosineSimilarity", "Dice", "Hinge", "Huber", "KLDivergence", "LogCosh", "Loss",
    "LossFunctionWrapper", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson",
    "SparseCategoricalCrossentropy", "SquaredHinge", "Tversky", "binary_crossentropy",
    "binary_focal_crossentropy", "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy", "categorical_hinge", "circle",
    "cosine_similarity", "ctc", "deserialize", "dice", "get", "hinge", "huber",
    "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "poisson", "serialize",
    "sparse_categorical_crossentropy", "squared_hinge", "tversky",
]

EPSILON = 1e-7  # keras.config.epsilon()
REDUCTIONS = ("sum_over_batch_size", "sum", "none", "mean", "mean_with_sample_weight")


# --------------------------------------------------------------------------- helpers

def as_values(x, what: str) -> np.ndarray:
    """``x`` as a float64 array (labels and predictions are numbers)."""
    try:
        array = np.asarray(x)
    except Exception as exc:  # a ragged list and the like
        raise ValueError(f"{what} is not an array of numbers: {exc}") from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number)
                                     or array.dtype == bool):
        raise TypeError(f"{what} must hold numbers, got dtype {array.dtype}")
    return array.astype(np.float64)


def same_rank(x1: np.ndarray, x2: np.ndarray, expand_rank_1: bool = True):
    """Keras's squeeze_or_expand_to_same_rank: a trailing axis of 1 on one side is dropped
    (or, against a rank-1 other side, the other side gains one)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def _pair(y_true, y_pred, squeeze: bool = True):
    y_pred = as_values(y_pred, "y_pred")
    y_true = as_values(y_true, "y_true")
    if squeeze:
        y_true, y_pred = same_rank(y_true, y_pred)
    try:
        np.broadcast_shapes(y_true.shape, y_pred.shape)
    except ValueError:
        raise ValueError(f"y_true of shape {y_true.shape} does not match y_pred of shape "
                         f"{y_pred.shape}") from None
    return y_true, y_pred


def _same_shape(y_true, y_pred, loss: str) -> None:
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{loss}: y_true and y_pred must have the same shape; got "
                         f"{y_true.shape} and {y_pred.shape}")


def _softplus(x):
    return np.logaddexp(0.0, x)


def _log_softmax(x, axis):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _l2_normalize(x, axis):
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), 1e-12))


def _hinge_labels(y_true):
    """Keras: labels that are all 0/1 become -1/+1."""
    return 2.0 * y_true - 1.0 if np.all((y_true == 0) | (y_true == 1)) else y_true


def _check_axis(axis) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"axis must be an int, got {axis!r}")
    return int(axis)


# --------------------------------------------------------------------------- functions

def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return np.mean(np.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return np.mean(np.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    return 100.0 * np.mean(np.abs((y_true - y_pred) / np.maximum(np.abs(y_true), EPSILON)),
                           axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    first = np.log(np.maximum(y_pred, EPSILON) + 1.0)
    second = np.log(np.maximum(y_true, EPSILON) + 1.0)
    return np.mean(np.square(first - second), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    axis = _check_axis(axis)
    y_true, y_pred = _pair(y_true, y_pred)
    return -np.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def huber(y_true, y_pred, delta=1.0):
    y_true, y_pred = _pair(y_true, y_pred)
    error = y_pred - y_true
    small = np.abs(error) <= delta
    return np.mean(np.where(small, 0.5 * error * error,
                            delta * np.abs(error) - 0.5 * delta * delta), axis=-1)


def log_cosh(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return np.mean(x + _softplus(-2.0 * x) - np.log(2.0), axis=-1)


def kl_divergence(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred, squeeze=False)
    y_true = np.clip(y_true, EPSILON, 1)
    y_pred = np.clip(y_pred, EPSILON, 1)
    return np.sum(y_true * np.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred, squeeze=False)
    return np.mean(y_pred - y_true * np.log(y_pred + EPSILON), axis=-1)


def hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred, squeeze=False)
    return np.mean(np.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred, squeeze=False)
    return np.mean(np.square(np.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    y_true, y_pred = _pair(y_true, y_pred, squeeze=False)
    pos = np.sum(y_true * y_pred, axis=-1)
    neg = np.max((1.0 - y_true) * y_pred, axis=-1)
    return np.maximum(neg - pos + 1.0, 0.0)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """One-hot (or soft) labels; ``y_pred`` probabilities (renormalised along ``axis``,
    clipped to [1e-7, 1 - 1e-7]) or, ``from_logits``, logits."""
    axis = _check_axis(axis)
    y_true, y_pred = _pair(y_true, y_pred, squeeze=False)
    _same_shape(y_true, y_pred, "categorical_crossentropy")
    if y_pred.ndim < 1:
        raise ValueError("categorical_crossentropy: y_true and y_pred must be at least rank 1")
    if y_pred.shape[-1] == 1:
        warnings.warn(f"categorical_crossentropy expects y_pred of shape (batch_size, "
                      f"num_classes) with num_classes > 1; got {y_pred.shape}. Consider "
                      f"binary_crossentropy for two classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        return -np.sum(y_true * _log_softmax(y_pred, axis), axis=axis)
    y_pred = y_pred / np.sum(y_pred, axis=axis, keepdims=True)
    y_pred = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
    return -np.sum(y_true * np.log(y_pred), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Integer labels (a trailing axis of 1 allowed); ``ignore_class``: a label whose
    positions count as masked (zero loss, left out of the mean)."""
    return _sparse_crossentropy(y_true, y_pred, from_logits, ignore_class, axis)[0]


def _sparse_crossentropy(y_true, y_pred, from_logits, ignore_class, axis):
    """The per-position losses and the mask ``ignore_class`` makes (or None)."""
    axis = _check_axis(axis)
    y_pred = as_values(y_pred, "y_pred")
    y_true = as_values(y_true, "y_true")
    if y_pred.ndim < 1:
        raise ValueError("sparse_categorical_crossentropy: y_pred must be at least rank 1")
    if axis not in (-1, y_pred.ndim - 1):
        raise ValueError(f"sparse_categorical_crossentropy: only axis=-1 is supported, got "
                         f"{axis}")
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(f"sparse_categorical_crossentropy: y_true of shape {y_true.shape} "
                         f"does not match y_pred of shape {y_pred.shape} (labels: y_pred's "
                         f"shape without its last axis)")
    valid = None
    if ignore_class is not None:
        valid = y_true != ignore_class
        y_true = np.where(valid, y_true, 0)
        y_pred = np.where(valid[..., None], y_pred, 0.0)
    labels = y_true.astype(np.int64)
    if not np.array_equal(labels, y_true):
        raise ValueError("sparse_categorical_crossentropy: y_true must hold integer class "
                         "labels")
    classes = y_pred.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"sparse_categorical_crossentropy: labels must be in [0, {classes}) "
                         f"(y_pred has {classes} classes); got {int(labels.min())}.."
                         f"{int(labels.max())}")
    logits = y_pred if from_logits else np.log(np.clip(y_pred, EPSILON, 1 - EPSILON))
    log_probs = _log_softmax(logits, -1)
    losses = -np.take_along_axis(log_probs, labels[..., None], axis=-1)[..., 0]
    if valid is not None:
        losses = np.where(valid, losses, 0.0)
    return losses, valid


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Labels in [0, 1]; ``y_pred`` probabilities (clipped to [1e-7, 1 - 1e-7]) or, with
    ``from_logits``, logits; averaged over ``axis``."""
    axis = _check_axis(axis)
    y_true, y_pred = _pair(y_true, y_pred, squeeze=False)
    _same_shape(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = np.maximum(y_pred, 0) - y_pred * y_true + np.log1p(np.exp(-np.abs(y_pred)))
    else:
        p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
        bce = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    return np.mean(bce, axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy times (1 - p_t) ** gamma (p_t: the probability given to the true
    label); with ``apply_class_balancing``, times alpha for positives, 1 - alpha for
    negatives."""
    axis = _check_axis(axis)
    y_true, y_pred = _pair(y_true, y_pred, squeeze=False)
    _same_shape(y_true, y_pred, "binary_focal_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = 1.0 / (1.0 + np.exp(-y_pred))
    p = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
    bce = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal = (1.0 - p_t) ** gamma * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return np.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical crossentropy with each class's term times alpha (1 - p) ** gamma."""
    axis = _check_axis(axis)
    y_true, y_pred = _pair(y_true, y_pred, squeeze=False)
    _same_shape(y_true, y_pred, "categorical_focal_crossentropy")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = np.exp(_log_softmax(y_pred, axis))
    out = np.clip(y_pred / np.sum(y_pred, axis=axis, keepdims=True), EPSILON, 1.0 - EPSILON)
    return np.sum(alpha * (1.0 - out) ** gamma * -y_true * np.log(out), axis=axis)


def ctc(y_true, y_pred):
    """Keras's CTC loss: ``y_true`` (batch, max_length) labels padded with 0 (the blank;
    the label count is the number of nonzero labels), ``y_pred`` (batch, steps, classes)
    logits over all their steps."""
    from . import _ctc

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 2:
        raise ValueError(f"ctc: y_true must be (batch_size, max_length) integer labels; got "
                         f"shape {y_true.shape}")
    if y_pred.ndim != 3:
        raise ValueError(f"ctc: y_pred must be (batch_size, max_length, num_classes) logits; "
                         f"got shape {y_pred.shape}")
    batch, steps = y_pred.shape[:2]
    return _ctc.loss(y_true.astype(np.int64), y_pred, (y_true != 0).sum(axis=-1),
                     np.full(batch, steps), mask_index=0).astype(np.float64)


def _axis_or_all(axis):
    return None if axis is None else (tuple(axis) if isinstance(axis, (list, tuple))
                                      else int(axis))


def dice(y_true, y_pred, axis=None):
    """1 - 2 |y_true y_pred| / (|y_true| + |y_pred|), summed over ``axis`` (None: the whole
    batch, one value)."""
    axis = _axis_or_all(axis)
    y_true, y_pred = _pair(y_true, y_pred, squeeze=False)
    both = np.sum(y_true * y_pred, axis=axis)
    return 1.0 - 2.0 * both / (np.sum(y_true, axis=axis) + np.sum(y_pred, axis=axis)
                               + EPSILON)


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha FP + beta FN), the sums over ``axis`` (None: the whole batch).
    As Keras: FP sums (1 - y_pred) y_true and FN y_pred (1 - y_true)."""
    axis = _axis_or_all(axis)
    y_true, y_pred = _pair(y_true, y_pred, squeeze=False)
    tp = np.sum(y_true * y_pred, axis=axis)
    fp = np.sum((1.0 - y_pred) * y_true, axis=axis)
    fn = np.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - tp / (tp + fp * alpha + fn * beta + EPSILON)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p ** q) / q, p the predicted probability of the integer label ``y_true``."""
    y_true, y_pred = as_values(y_true, "y_true"), as_values(y_pred, "y_pred")
    classes = y_pred.shape[-1]
    labels = y_true.astype(np.int64)
    onehot = (labels[..., None] == np.arange(classes)).astype(np.float64)
    p = np.sum(y_pred * onehot, axis=-1)
    return (1.0 - p ** q) / q


def _circle(y_true, y_pred, gamma=80.0, margin=0.4, remove_diagonal=True):
    """Circle loss of each embedding (rows of ``y_pred``) against the batch's others, by
    their labels ``y_true``; the mask of the positive ones (Keras's output mask)."""
    y_true = np.asarray(y_true).astype(np.int32).reshape(-1, 1)
    y_pred = np.asarray(y_pred, np.float64)
    if y_pred.ndim != 2:
        raise ValueError(f"circle: y_pred must be (batch, dims) embeddings; got shape "
                         f"{y_pred.shape}")
    distances = np.maximum(1.0 - y_pred @ y_pred.T, 0.0)
    positive = y_true == y_true.T
    negative = ~positive
    if remove_diagonal:
        positive &= ~np.eye(len(y_true), len(y_pred), dtype=bool)
    pos_weights = np.maximum((margin + distances) * positive, 0.0)
    neg_weights = np.maximum((1.0 + margin - distances) * negative, 0.0)
    pos = -gamma * pos_weights * (margin - distances)
    neg = gamma * neg_weights * (1.0 - margin - distances)

    def log_sum_exp(values, where):
        values = np.where(where, values, -np.inf)
        top = values.max(axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        with np.errstate(divide="ignore"):
            return (top + np.log(np.exp(values - top).sum(axis=1, keepdims=True)))[:, 0]

    loss = _softplus(log_sum_exp(pos, positive) + log_sum_exp(neg, negative))
    return loss, loss > 0


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """Keras's circle loss (its reference labels and embeddings default to the batch)."""
    if ref_labels is not None or ref_embeddings is not None:
        raise ValueError("circle: ref_labels and ref_embeddings other than the batch's own "
                         "are not supported")
    return _circle(y_true, y_pred, gamma, margin, remove_diagonal)[0]


# --------------------------------------------------------------------------- reduction

def _apply(weights: np.ndarray, values: np.ndarray, what: str) -> np.ndarray:
    """``values * weights`` after Keras's rank matching, per-sample weights (fewer axes)
    applying to every value of their sample. (Keras multiplies (batch,) weights by (batch,
    steps) values as they are: an error, or when batch == steps a product along the wrong
    axis.)"""
    values, weights = same_rank(values, weights)
    if weights.ndim < values.ndim:
        weights = weights.reshape(weights.shape + (1,) * (values.ndim - weights.ndim))
    try:
        return values * weights
    except ValueError:
        raise ValueError(f"{what} of shape {weights.shape} does not match the values of "
                         f"shape {values.shape}") from None


def masked_weights(sample_weight, mask, reduction: str):
    """Keras's apply_mask: a mask becomes weights (scaled by all / valid positions for the
    mean reductions, so the mean runs over the valid ones), times any sample weights."""
    if mask is None:
        return sample_weight
    mask = np.asarray(mask, dtype=bool)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = mask.sum()
        weights = np.where(mask, mask.size / valid if valid else 0.0, 0.0)
    else:
        weights = mask.astype(np.float64)
    if sample_weight is None:
        return weights
    return _apply(as_values(sample_weight, "sample_weight"), weights, "sample_weight")


def reduce_weighted(values, sample_weight=None, mask=None,
                    reduction: str = "sum_over_batch_size"):
    """Keras's reduce_weighted_values."""
    values = np.asarray(values, dtype=np.float64)
    weights = masked_weights(sample_weight, mask, reduction)
    if weights is not None:
        weights = as_values(weights, "sample_weight")
        values = _apply(weights, values, "sample_weight")
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    divisor = (weights.sum() if reduction == "mean_with_sample_weight" and weights is not None
               else values.size)
    return total / divisor if divisor else 0.0


# --------------------------------------------------------------------------- classes

def _check_reduction(reduction):
    if reduction not in REDUCTIONS and reduction is not None:
        raise ValueError(f"unknown loss reduction {reduction!r}; expected one of "
                         f"{', '.join(REDUCTIONS)} or None")
    return reduction


class Loss:
    """Base of the loss classes: ``loss(y_true, y_pred, sample_weight=None)`` gives the
    reduced loss. Subclasses implement ``call(y_true, y_pred)`` (one value per sample)."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or snake_case(type(self).__name__)
        self.reduction = _check_reduction(reduction)
        self.dtype = dtype

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def _losses(self, y_true, y_pred):
        """The per-sample losses and the mask they carry (sparse crossentropy's
        ``ignore_class``), or None."""
        return self.call(y_true, y_pred), None

    def __call__(self, y_true, y_pred, sample_weight=None, mask=None):
        """``mask``: the prediction's mask (Keras reads it off the tensor), or None."""
        values, own = self._losses(y_true, y_pred)
        if own is not None:
            mask = own if mask is None else np.logical_and(mask, own)
        value = reduce_weighted(values, sample_weight, mask, self.reduction)
        return np.float32(value) if np.ndim(value) == 0 else value.astype(np.float32)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


class LossFunctionWrapper(Loss):
    """A loss function (``fn(y_true, y_pred, **kwargs)``) as a ``Loss``."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper needs a function, got {fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = same_rank(as_values(y_true, "y_true"), as_values(y_pred, "y_pred"))
        return np.asarray(self.fn(y_true, y_pred, **self._fn_kwargs), dtype=np.float64)

    def get_config(self) -> dict:
        return {**super().get_config(), "fn": getattr(self.fn, "__name__", repr(self.fn)),
                **self._fn_kwargs}


def _wrapper(fn, default_name: str, fields: tuple = (), unsaved: tuple = ()):
    """A Keras loss class over ``fn``; ``fields``: its keyword arguments (with defaults);
    ``unsaved``: those Keras leaves out of its config (written only when not the default,
    so Keras reads them back)."""
    params = dict(fields)

    class _Wrapped(LossFunctionWrapper):
        def __init__(self, *args, reduction="sum_over_batch_size", name=default_name,
                     dtype=None, **kwargs):
            if len(args) > len(params):
                raise TypeError(f"{type(self).__name__} takes at most {len(params)} "
                                f"positional arguments, got {len(args)}")
            values = dict(zip(params, args))
            for key in kwargs:
                if key not in params:
                    raise TypeError(f"{type(self).__name__}: unexpected argument {key!r}")
                if key in values:
                    raise TypeError(f"{type(self).__name__}: {key!r} given twice")
            values.update(kwargs)
            values = {**params, **values}
            super().__init__(fn, reduction=reduction, name=name, dtype=dtype, **values)

        def get_config(self) -> dict:
            return {"name": self.name, "reduction": self.reduction,
                    **{k: v for k, v in self._fn_kwargs.items()
                       if not (k in unsaved and v == params[k])}}

    return _Wrapped


def _named(cls, name):
    cls.__name__ = cls.__qualname__ = name
    return cls


MeanSquaredError = _named(_wrapper(mean_squared_error, "mean_squared_error"),
                          "MeanSquaredError")
MeanAbsoluteError = _named(_wrapper(mean_absolute_error, "mean_absolute_error"),
                           "MeanAbsoluteError")
MeanAbsolutePercentageError = _named(
    _wrapper(mean_absolute_percentage_error, "mean_absolute_percentage_error"),
    "MeanAbsolutePercentageError")
MeanSquaredLogarithmicError = _named(
    _wrapper(mean_squared_logarithmic_error, "mean_squared_logarithmic_error"),
    "MeanSquaredLogarithmicError")
CosineSimilarity = _named(_wrapper(cosine_similarity, "cosine_similarity", (("axis", -1),),
                                   ("axis",)), "CosineSimilarity")
Huber = _named(_wrapper(huber, "huber_loss", (("delta", 1.0),), ("delta",)), "Huber")
LogCosh = _named(_wrapper(log_cosh, "log_cosh"), "LogCosh")
KLDivergence = _named(_wrapper(kl_divergence, "kl_divergence"), "KLDivergence")
Poisson = _named(_wrapper(poisson, "poisson"), "Poisson")
Hinge = _named(_wrapper(hinge, "hinge"), "Hinge")
SquaredHinge = _named(_wrapper(squared_hinge, "squared_hinge"), "SquaredHinge")
CategoricalHinge = _named(_wrapper(categorical_hinge, "categorical_hinge"), "CategoricalHinge")
BinaryCrossentropy = _named(
    _wrapper(binary_crossentropy, "binary_crossentropy",
             (("from_logits", False), ("label_smoothing", 0.0), ("axis", -1))),
    "BinaryCrossentropy")
CategoricalCrossentropy = _named(
    _wrapper(categorical_crossentropy, "categorical_crossentropy",
             (("from_logits", False), ("label_smoothing", 0.0), ("axis", -1))),
    "CategoricalCrossentropy")
BinaryFocalCrossentropy = _named(
    _wrapper(binary_focal_crossentropy, "binary_focal_crossentropy",
             (("apply_class_balancing", False), ("alpha", 0.25), ("gamma", 2.0),
              ("from_logits", False), ("label_smoothing", 0.0), ("axis", -1))),
    "BinaryFocalCrossentropy")
CategoricalFocalCrossentropy = _named(
    _wrapper(categorical_focal_crossentropy, "categorical_focal_crossentropy",
             (("alpha", 0.25), ("gamma", 2.0), ("from_logits", False),
              ("label_smoothing", 0.0), ("axis", -1))),
    "CategoricalFocalCrossentropy")
_CTCBase = _wrapper(ctc, "ctc")
_DiceBase = _wrapper(dice, "dice", (("axis", None),))


class CTC(_CTCBase):
    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Dice(_DiceBase):
    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(axis=axis, reduction=reduction, name=name, dtype=dtype)


Tversky = _named(_wrapper(tversky, "tversky", (("alpha", 0.5), ("beta", 0.5), ("axis", None))),
                 "Tversky")
_GeneralizedBase = _wrapper(categorical_generalized_cross_entropy,
                            "categorical_generalized_cross_entropy", (("q", 0.5),))


class CategoricalGeneralizedCrossEntropy(_GeneralizedBase):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not 0 < self._fn_kwargs["q"] < 1:
            raise ValueError("q must be in the interval (0, 1)")


_CircleBase = _wrapper(circle, "circle", (("gamma", 80.0), ("margin", 0.4),
                                          ("remove_diagonal", True)))


class Circle(_CircleBase):
    def _losses(self, y_true, y_pred):
        return _circle(y_true, y_pred, **self._fn_kwargs)

_SparseBase = _wrapper(sparse_categorical_crossentropy, "sparse_categorical_crossentropy",
                       (("from_logits", False), ("ignore_class", None)))


class SparseCategoricalCrossentropy(_SparseBase):
    def _losses(self, y_true, y_pred):
        kw = self._fn_kwargs
        y_true, y_pred = same_rank(as_values(y_true, "y_true"), as_values(y_pred, "y_pred"))
        return _sparse_crossentropy(y_true, y_pred, kw["from_logits"], kw["ignore_class"], -1)


for _cls in (MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
             MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh, KLDivergence,
             Poisson, Hinge, SquaredHinge, CategoricalHinge, BinaryCrossentropy,
             CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryFocalCrossentropy,
             CategoricalFocalCrossentropy, CTC, Dice, Tversky, CategoricalGeneralizedCrossEntropy,
             Circle):
    _cls.__module__ = __name__

_CLASSES = {cls.__name__: cls for cls in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh,
    KLDivergence, Poisson, Hinge, SquaredHinge, CategoricalHinge, BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy, CTC, Dice, Tversky, CategoricalGeneralizedCrossEntropy,
    Circle)}
_FUNCTIONS = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh, kl_divergence, poisson,
    hinge, squared_hinge, categorical_hinge, binary_crossentropy, categorical_crossentropy,
    sparse_categorical_crossentropy, binary_focal_crossentropy,
    categorical_focal_crossentropy, ctc, dice, tversky, categorical_generalized_cross_entropy,
    circle)}
_REGISTRY = Registry("keras.losses", "loss", _CLASSES.values())
_ALIASES = {"mse": mean_squared_error, "mae": mean_absolute_error,
            "mape": mean_absolute_percentage_error, "msle": mean_squared_logarithmic_error,
            "kld": kl_divergence, "bce": binary_crossentropy,
            # Keras 2's names
            "kullback_leibler_divergence": kl_divergence, "logcosh": log_cosh,
            "huber_loss": huber}
_ALIASES.update({key.upper(): fn for key, fn in list(_ALIASES.items()) if len(key) <= 4})


def _config_args(config: dict) -> dict:
    config = dict(config)
    if config.get("reduction") in ("auto", "sum_over_batch_size"):  # Keras 2's "auto"
        config["reduction"] = "sum_over_batch_size"
    config.pop("fn", None)
    return config


def deserialize(config, custom_objects=None):
    """A loss from its saved form: a name, or Keras's ``{"class_name", "config"}`` (Keras 2
    or 3)."""
    objects = custom_objects or {}
    if isinstance(config, str):
        if config in objects:
            return objects[config]
        found = _FUNCTIONS.get(config) or _ALIASES.get(config) or _CLASSES.get(config)
        if found is None:
            known = ", ".join(sorted([*_FUNCTIONS, *_ALIASES, *_CLASSES]))
            raise ValueError(f"unknown loss {config!r}; fusedrnn has {known}")
        return found() if isinstance(found, type) else found
    if isinstance(config, dict) and "class_name" in config:
        name = config["class_name"]
        inner = config.get("config")
        if name == "function" or (isinstance(inner, str) and name != "LossFunctionWrapper"):
            return deserialize(inner if isinstance(inner, str) else name, custom_objects)
        cls = _REGISTRY.saved_class(config, objects)
        if cls is None:
            raise ValueError(f"unknown loss class {name!r}")
        if cls is LossFunctionWrapper:
            inner = dict(inner or {})
            fn = deserialize(inner.pop("fn"), custom_objects)
            return LossFunctionWrapper(fn, **_config_args(inner))
        return cls.from_config(_config_args(inner or {}))
    raise ValueError(f"cannot read a loss from {config!r}")


def serialize(loss) -> dict | str:
    """Keras 3's saved form of a loss (a function by its name)."""
    return _REGISTRY.serialize(loss) if isinstance(loss, Loss) else getattr(loss, "__name__",
                                                                             loss)


def get(identifier):
    """A loss from a name, a saved config, a ``Loss`` or a function (None stays None)."""
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"cannot interpret {identifier!r} as a loss")
