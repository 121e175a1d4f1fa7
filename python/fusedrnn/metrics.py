"""Keras 3's metrics, in NumPy, for ``Model.evaluate`` and for code that scores predictions
(``m = keras.metrics.AUC(); m.update_state(y, p); m.result()``).

Each metric accumulates over ``update_state`` calls as Keras's does (a weighted mean of
per-sample values; confusion counts at thresholds for Precision, Recall and AUC), with
``sample_weight`` and the prediction's mask; ``result()`` gives a float.
"""

from __future__ import annotations

import numpy as np

from . import losses as _losses
from ._configurable import Registry
from .layers._base import snake_case
from .losses import as_values, same_rank

__all__ = [
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "BinaryIoU",
    "CategoricalAccuracy", "CategoricalCrossentropy", "CategoricalHinge",
    "ConcordanceCorrelation", "CosineSimilarity", "F1Score", "FBetaScore", "FalseNegatives",
    "FalsePositives", "Hinge", "IoU", "KLDivergence", "LogCoshError", "Mean",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanIoU", "MeanMetricWrapper",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Metric", "OneHotIoU", "OneHotMeanIoU",
    "PearsonCorrelation", "Poisson", "Precision", "PrecisionAtRecall", "R2Score", "Recall",
    "RecallAtPrecision", "RootMeanSquaredError", "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy", "SpecificityAtSensitivity", "SquaredHinge", "Sum",
    "TopKCategoricalAccuracy", "TrueNegatives", "TruePositives", "binary_accuracy",
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_accuracy",
    "categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge",
    "concordance_correlation", "cosine_similarity", "deserialize", "get", "hinge", "huber",
    "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "pearson_correlation", "poisson",
    "serialize", "sparse_categorical_accuracy", "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy", "squared_hinge", "top_k_categorical_accuracy",
]


# --------------------------------------------------------------------------- functions

def accuracy(y_true, y_pred):
    y_true, y_pred = same_rank(as_values(y_true, "y_true"), as_values(y_pred, "y_pred"))
    return (y_true == y_pred).astype(np.float64)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = same_rank(as_values(y_true, "y_true"), as_values(y_pred, "y_pred"))
    return (y_true == (y_pred > threshold)).astype(np.float64)


def categorical_accuracy(y_true, y_pred):
    y_pred = as_values(y_pred, "y_pred")
    labels = np.argmax(as_values(y_true, "y_true"), axis=-1)
    if labels.ndim == y_pred.ndim:  # Keras squeezes a trailing axis of the labels
        labels = labels[..., 0]
    return (labels == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true, y_pred):
    y_pred = as_values(y_pred, "y_pred")
    y_true = as_values(y_true, "y_true")
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    matches = (y_true == np.argmax(y_pred, axis=-1)).astype(np.float64)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches[..., 0]
    return matches


def _in_top_k(labels, scores, k):
    """TensorFlow's in_top_k: the label's score is among the k largest (ties at the
    boundary count as in)."""
    labels = labels.reshape(-1).astype(np.int64)
    scores = scores.reshape(-1, scores.shape[-1])
    if labels.size and (labels.min() < 0 or labels.max() >= scores.shape[-1]):
        raise ValueError(f"labels must be in [0, {scores.shape[-1]})")
    target = np.take_along_axis(scores, labels[:, None], axis=1)
    return (np.sum(scores > target, axis=1) < k).astype(np.float64)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_pred = as_values(y_pred, "y_pred")
    labels = np.argmax(as_values(y_true, "y_true"), axis=-1)
    return _in_top_k(labels, y_pred, k).reshape(labels.shape)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    y_pred = as_values(y_pred, "y_pred")
    y_true = as_values(y_true, "y_true")
    shape = y_true.shape
    if from_sorted_ids:
        ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
        return np.any(ids == y_true.reshape(-1, 1), axis=1).astype(np.float64).reshape(shape)
    return _in_top_k(y_true, y_pred, k).reshape(shape)


def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine of the angle between each sample's y_true and y_pred (the loss's is its
    negative)."""
    return -_losses.cosine_similarity(y_true, y_pred, axis=axis)


# --------------------------------------------------------------------------- base classes

# Keras names a metric made without a name after its class, made unique within the session
# ("auc", "auc_1", ...; keras.utils.clear_session() starts over).
_NAME_UIDS: dict[str, int] = {}


def auto_name(cls_name: str) -> str:
    base = snake_case(cls_name)
    count = _NAME_UIDS.get(base, 0)
    _NAME_UIDS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def clear_names() -> None:
    _NAME_UIDS.clear()


class Metric:
    """Base of the metrics: ``update_state(y_true, y_pred, sample_weight=None)``,
    ``result()``, ``reset_state()``; calling it updates and returns the result."""

    def __init__(self, name=None, dtype=None):
        self.name = name or auto_name(type(self).__name__)
        self.dtype = dtype
        self.reset_state()

    def reset_state(self) -> None:
        raise NotImplementedError

    def update_state(self, *args, **kwargs) -> None:
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype or "float32"}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _samplewise(values, sample_weight):
    """Keras's reduce_to_samplewise_values (with ops.mean): per-sample values and weights."""
    values = np.asarray(values, dtype=np.float64)
    if sample_weight is not None:
        weights = as_values(sample_weight, "sample_weight")
        values, weights = same_rank(values, weights)
        if values.ndim > weights.ndim:
            values = values.mean(axis=tuple(range(weights.ndim, values.ndim)))
        try:
            weights = np.broadcast_to(weights, values.shape)
        except ValueError:
            raise ValueError(f"sample_weight of shape {weights.shape} does not match values "
                             f"of shape {values.shape}") from None
        values = values * weights
        if weights.ndim > 1:
            weights = weights.mean(axis=tuple(range(1, weights.ndim)))
        sample_weight = weights
    if values.ndim > 1:
        values = values.mean(axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Mean(Metric):
    """The weighted mean of the values given to ``update_state(values, sample_weight)``."""

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None) -> None:
        values, weights = _samplewise(values, sample_weight)
        self.total += float(np.sum(values))
        if weights is not None:
            self.count += float(np.sum(weights))
        else:
            self.count += values.shape[0] if values.ndim >= 1 else 1

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0


class Sum(Metric):
    """The weighted sum of the values given to ``update_state(values, sample_weight)``."""

    def reset_state(self) -> None:
        self.total = 0.0

    def update_state(self, values, sample_weight=None) -> None:
        values = np.asarray(values, dtype=np.float64)
        if sample_weight is not None:
            values = values * as_values(sample_weight, "sample_weight")
        self.total += float(np.sum(values))

    def result(self) -> float:
        return self.total


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over samples (masked positions left
    out)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper needs a function, got {fn!r}")
        self._fn = fn
        self._fn_kwargs = kwargs
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None, mask=None) -> None:
        """``mask``: the prediction's mask (Keras reads it off the tensor), or None."""
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, _losses.masked_weights(sample_weight, mask, "sum"))

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}


def _wrapper(fn, default_name: str, fields: tuple = (), unsaved: tuple = ()):
    """A metric class over ``fn``; ``fields``: its arguments with their defaults; ``unsaved``:
    those Keras leaves out of its config (written only when not the default)."""
    params = dict(fields)

    class _Wrapped(MeanMetricWrapper):
        def __init__(self, name=default_name, dtype=None, **kwargs):
            unknown = sorted(set(kwargs) - set(params))
            if unknown:
                raise TypeError(f"{type(self).__name__}: unexpected arguments {unknown}")
            super().__init__(fn, name=name, dtype=dtype, **{**params, **kwargs})

        def get_config(self) -> dict:
            return {k: v for k, v in super().get_config().items()
                    if not (k in unsaved and v == params[k])}

    return _Wrapped


def _named(cls, name):
    cls.__name__ = cls.__qualname__ = name
    cls.__module__ = __name__
    return cls


Accuracy = _named(_wrapper(accuracy, "accuracy"), "Accuracy")
BinaryAccuracy = _named(_wrapper(binary_accuracy, "binary_accuracy", (("threshold", 0.5),)),
                        "BinaryAccuracy")
CategoricalAccuracy = _named(_wrapper(categorical_accuracy, "categorical_accuracy"),
                             "CategoricalAccuracy")
SparseCategoricalAccuracy = _named(
    _wrapper(sparse_categorical_accuracy, "sparse_categorical_accuracy"),
    "SparseCategoricalAccuracy")
TopKCategoricalAccuracy = _named(
    _wrapper(top_k_categorical_accuracy, "top_k_categorical_accuracy", (("k", 5),)),
    "TopKCategoricalAccuracy")
SparseTopKCategoricalAccuracy = _named(
    _wrapper(sparse_top_k_categorical_accuracy, "sparse_top_k_categorical_accuracy",
             (("k", 5), ("from_sorted_ids", False)), ("from_sorted_ids",)),
    "SparseTopKCategoricalAccuracy")
MeanSquaredError = _named(_wrapper(_losses.mean_squared_error, "mean_squared_error"),
                          "MeanSquaredError")
MeanAbsoluteError = _named(_wrapper(_losses.mean_absolute_error, "mean_absolute_error"),
                           "MeanAbsoluteError")
MeanAbsolutePercentageError = _named(
    _wrapper(_losses.mean_absolute_percentage_error, "mean_absolute_percentage_error"),
    "MeanAbsolutePercentageError")
MeanSquaredLogarithmicError = _named(
    _wrapper(_losses.mean_squared_logarithmic_error, "mean_squared_logarithmic_error"),
    "MeanSquaredLogarithmicError")
LogCoshError = _named(_wrapper(_losses.log_cosh, "logcosh"), "LogCoshError")
KLDivergence = _named(_wrapper(_losses.kl_divergence, "kl_divergence"), "KLDivergence")
Poisson = _named(_wrapper(_losses.poisson, "poisson"), "Poisson")
Hinge = _named(_wrapper(_losses.hinge, "hinge"), "Hinge")
SquaredHinge = _named(_wrapper(_losses.squared_hinge, "squared_hinge"), "SquaredHinge")
CategoricalHinge = _named(_wrapper(_losses.categorical_hinge, "categorical_hinge"),
                          "CategoricalHinge")
CosineSimilarity = _named(_wrapper(cosine_similarity, "cosine_similarity", (("axis", -1),),
                                   ("axis",)), "CosineSimilarity")
BinaryCrossentropy = _named(
    _wrapper(_losses.binary_crossentropy, "binary_crossentropy",
             (("from_logits", False), ("label_smoothing", 0.0))),
    "BinaryCrossentropy")
CategoricalCrossentropy = _named(
    _wrapper(_losses.categorical_crossentropy, "categorical_crossentropy",
             (("from_logits", False), ("label_smoothing", 0.0), ("axis", -1))),
    "CategoricalCrossentropy")
SparseCategoricalCrossentropy = _named(
    _wrapper(_losses.sparse_categorical_crossentropy, "sparse_categorical_crossentropy",
             (("from_logits", False), ("ignore_class", None), ("axis", -1))),
    "SparseCategoricalCrossentropy")


class RootMeanSquaredError(Mean):
    """The square root of the mean squared error over all values."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None, mask=None) -> None:
        y_true, y_pred = same_rank(as_values(y_true, "y_true"), as_values(y_pred, "y_pred"))
        super().update_state(np.square(y_pred - y_true),
                             _losses.masked_weights(sample_weight, mask, "sum"))

    def result(self) -> float:
        return float(np.sqrt(super().result()))


# --------------------------------------------------------------------------- confusion counts

def _thresholds(thresholds, default):
    values = default if thresholds is None else thresholds
    single = np.ndim(values) == 0
    values = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if values.ndim != 1 or not np.all(np.isfinite(values)):
        raise ValueError(f"thresholds must be a number or a list of numbers, got {thresholds}")
    return values, single


class _Confusion(Metric):
    """Counts true/false positives/negatives at thresholds (a prediction above a threshold
    is positive), as Keras's update_confusion_matrix_variables."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None,
                 default=0.5, multi_label=False):
        self._given_thresholds = thresholds
        self.thresholds, self._single = _thresholds(thresholds, default)
        self.top_k = top_k
        self.class_id = class_id
        self.multi_label = multi_label
        self._labels = None
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self.tp = self.fp = self.tn = self.fn = 0.0

    def _inputs(self, y_true, y_pred, sample_weight, mask):
        y_true, y_pred = same_rank(as_values(y_true, "y_true"), as_values(y_pred, "y_pred"))
        if y_true.shape != y_pred.shape:
            raise ValueError(f"y_true of shape {y_true.shape} does not match y_pred of shape "
                             f"{y_pred.shape}")
        weights = _losses.masked_weights(sample_weight, mask, "sum")
        if weights is None:
            weights = np.ones_like(y_pred)
        else:  # per-sample weights apply to every value of the sample
            weights = as_values(weights, "sample_weight")
            weights = weights.reshape(weights.shape + (1,) * (y_pred.ndim - weights.ndim))
            try:
                weights = np.broadcast_to(weights, y_pred.shape)
            except ValueError:
                raise ValueError(f"sample_weight of shape {weights.shape} does not match "
                                 f"y_pred of shape {y_pred.shape}") from None
        if self.top_k is not None:  # Keras: the k largest (ties by position) stay
            top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :self.top_k]
            kept = np.zeros(y_pred.shape, dtype=bool)
            np.put_along_axis(kept, top, True, axis=-1)
            y_pred = np.where(kept, y_pred, -1e10)
        if self.class_id is not None:
            y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
            weights = weights[..., self.class_id]
        return y_true != 0, y_pred, weights

    def update_state(self, y_true, y_pred, sample_weight=None, mask=None) -> None:
        labels, preds, weights = self._inputs(y_true, y_pred, sample_weight, mask)
        # (samples,) or, with multi_label, (samples, labels); counts per threshold (and label)
        shape = (-1, labels.shape[-1]) if self.multi_label and labels.ndim else (-1,)
        labels, preds, weights = (a.reshape(shape) for a in (labels, preds, weights))
        above = preds[None] > self.thresholds.reshape((-1,) + (1,) * preds.ndim)
        pos, neg, w = labels[None], ~labels[None], weights[None]
        self.tp = self.tp + np.where(above & pos, w, 0.0).sum(axis=1)
        self.fp = self.fp + np.where(above & neg, w, 0.0).sum(axis=1)
        self.tn = self.tn + np.where(~above & neg, w, 0.0).sum(axis=1)
        self.fn = self.fn + np.where(~above & pos, w, 0.0).sum(axis=1)

    def _out(self, values):
        values = np.asarray(values, dtype=np.float64)
        return float(values[0]) if self._single else values

    def get_config(self) -> dict:
        given = self._given_thresholds
        return {**super().get_config(),
                "thresholds": given if given is None or np.ndim(given) == 0
                else np.asarray(given, dtype=float).tolist()}


def _ratio(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.divide(a, b, out=np.zeros(np.broadcast_shapes(a.shape, b.shape)), where=b != 0)


class Precision(_Confusion):
    """tp / (tp + fp) at ``thresholds`` (default 0.5); ``top_k``, ``class_id`` as Keras."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        # Keras: with top_k, every one of the top k predictions counts as positive.
        super().__init__(thresholds, top_k, class_id, name, dtype,
                         default=0.5 if top_k is None else -1e10)

    def result(self):
        return self._out(_ratio(self.tp, np.add(self.tp, self.fp)))

    def get_config(self) -> dict:
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class Recall(Precision):
    """tp / (tp + fn) at ``thresholds`` (default 0.5); ``top_k``, ``class_id`` as Keras."""

    def result(self):
        return self._out(_ratio(self.tp, np.add(self.tp, self.fn)))


def _count_class(field: str, class_name: str):
    class _Count(_Confusion):
        def __init__(self, thresholds=None, name=None, dtype=None):
            super().__init__(thresholds, name=name, dtype=dtype)

        def result(self):
            return self._out(getattr(self, field))

    return _named(_Count, class_name)


TruePositives = _count_class("tp", "TruePositives")
FalsePositives = _count_class("fp", "FalsePositives")
TrueNegatives = _count_class("tn", "TrueNegatives")
FalseNegatives = _count_class("fn", "FalseNegatives")


class AUC(_Confusion):
    """Keras's AUC: the area under the ROC (or precision-recall, ``curve="PR"``) curve from
    confusion counts at ``num_thresholds`` thresholds evenly spaced in [0, 1] (the ends
    nudged by 1e-7) or the given ``thresholds``; ``summation_method`` ``"interpolation"``
    (trapezoids; for PR, Davis & Goadrich's interpolation), ``"minoring"`` or ``"majoring"``;
    ``multi_label`` averages the per-label areas (weighted by ``label_weights``)."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}")
        summation_method = str(summation_method).lower()
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: summation_method must be 'interpolation', 'minoring' or "
                             f"'majoring', got {summation_method!r}")
        if thresholds is not None:
            given = np.sort(np.asarray(thresholds, dtype=np.float64).reshape(-1))
            num_thresholds = len(given) + 2
            inner = list(given)
        else:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be > 1, got {num_thresholds}")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.num_thresholds = num_thresholds
        self.curve = curve
        self.summation_method = summation_method
        self.from_logits = bool(from_logits)
        self.label_weights = (None if label_weights is None
                              else np.asarray(label_weights, dtype=np.float64))
        self.num_labels = num_labels
        super().__init__([-1e-7, *inner, 1 + 1e-7], name=name, dtype=dtype,
                         multi_label=multi_label)
        self._given = None if thresholds is None else list(inner)

    def update_state(self, y_true, y_pred, sample_weight=None, mask=None) -> None:
        if self.from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-as_values(y_pred, "y_pred")))
        super().update_state(y_true, y_pred, sample_weight, mask)

    def result(self) -> float:
        tp, fp, tn, fn = (np.asarray(v, dtype=np.float64) * np.ones_like(self.thresholds)
                          if np.ndim(v) == 0 else np.asarray(v, dtype=np.float64)
                          for v in (self.tp, self.fp, self.tn, self.fn))
        if self.curve == "PR" and self.summation_method == "interpolation":
            areas = self._interpolated_pr(tp, fp, fn)
        else:
            recall = _ratio(tp, tp + fn)
            if self.curve == "ROC":
                x, y = _ratio(fp, fp + tn), recall
            else:
                x, y = recall, _ratio(tp, tp + fp)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) / 2.0
            elif self.summation_method == "minoring":
                heights = np.minimum(y[:-1], y[1:])
            else:
                heights = np.maximum(y[:-1], y[1:])
            areas = np.sum((x[:-1] - x[1:]) * heights, axis=0)
        if not self.multi_label:
            return float(areas)
        if self.label_weights is None:
            return float(np.mean(areas))
        return float(_ratio(np.sum(areas * self.label_weights), np.sum(self.label_weights)))

    @staticmethod
    def _interpolated_pr(tp, fp, fn):
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _ratio(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _ratio(p[:-1], np.maximum(p[1:], 0)), 1.0)
        with np.errstate(divide="ignore"):
            logs = np.log(np.where(ratio > 0, ratio, 1.0))
        increments = _ratio(slope * (dtp + intercept * logs), np.maximum(tp[1:] + fn[1:], 0))
        return np.sum(increments, axis=0)

    def get_config(self) -> dict:
        config = {"name": self.name, "dtype": self.dtype or "float32",
                  "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels, "from_logits": self.from_logits,
                  "label_weights": (None if self.label_weights is None
                                    else self.label_weights.tolist())}
        if self._given is not None:
            config["thresholds"] = self._given
        return config


class _AtConstraint(_Confusion):
    """Keras's SensitivitySpecificityBase: confusion counts at ``num_thresholds`` thresholds
    (0, evenly spaced, 1; 0.5 alone for one); the result is the largest value of one rate
    among the thresholds where another rate reaches ``value`` (0 where none does)."""

    _value_name = ""
    _rates: tuple = ()  # (constrained rate, maximized rate)

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if not 0 <= value <= 1:
            raise ValueError(f"{type(self).__name__}: {self._value_name} must be in [0, 1], "
                             f"got {value}")
        if isinstance(num_thresholds, bool) or num_thresholds < 1:
            raise ValueError(f"{type(self).__name__}: num_thresholds must be an int > 0, got "
                             f"{num_thresholds}")
        self.value, self.num_thresholds = value, int(num_thresholds)
        thresholds = ([0.5] if num_thresholds == 1 else
                      [0.0, *((i + 1) / (num_thresholds - 1)
                              for i in range(num_thresholds - 2)), 1.0])
        super().__init__(thresholds, class_id=class_id, name=name, dtype=dtype)

    def _rate(self, which: str):
        tp, fp, tn, fn = (np.asarray(v, dtype=np.float64) for v in (self.tp, self.fp,
                                                                      self.tn, self.fn))
        if which in ("sensitivity", "recall"):
            return _ratio(tp, tp + fn)
        if which == "specificity":
            return _ratio(tn, tn + fp)
        return _ratio(tp, tp + fp)  # precision

    def result(self) -> float:
        constrained, maximized = (self._rate(r) for r in self._rates)
        feasible = constrained >= self.value
        return float(np.max(maximized[feasible], initial=0.0)) if feasible.any() else 0.0

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype or "float32", "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


class SensitivityAtSpecificity(_AtConstraint):
    """The largest sensitivity at a threshold where specificity >= ``specificity``."""

    _value_name, _rates = "specificity", ("specificity", "sensitivity")

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtConstraint):
    """The largest specificity at a threshold where sensitivity >= ``sensitivity``."""

    _value_name, _rates = "sensitivity", ("sensitivity", "specificity")

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_AtConstraint):
    """The largest precision at a threshold where recall >= ``recall``."""

    _value_name, _rates = "recall", ("recall", "precision")

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtConstraint):
    """The largest recall at a threshold where precision >= ``precision``."""

    _value_name, _rates = "precision", ("precision", "recall")

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


# --------------------------------------------------------------------------- F-scores, R2

_EPS = 1e-7


class FBetaScore(Metric):
    """Keras's F-beta score over (batch, classes) one-hot or multi-label targets: counts per
    class (over everything for ``average="micro"``), predictions positive above
    ``threshold`` or, without one, where they are their row's largest; ``average`` None
    (one score per class), "micro", "macro" or "weighted" (by each class's true count)."""

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score",
                 dtype=None):
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"{type(self).__name__}: average must be None, 'micro', "
                             f"'macro' or 'weighted', got {average!r}")
        if not isinstance(beta, float) or beta <= 0:
            raise ValueError(f"{type(self).__name__}: beta must be a float > 0, got {beta!r}")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError(f"{type(self).__name__}: threshold must be a float in (0, 1], "
                             f"got {threshold!r}")
        self.average, self.beta, self.threshold = average, beta, threshold
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self.tp = self.fp = self.fn = self.support = 0.0

    def update_state(self, y_true, y_pred, sample_weight=None, mask=None) -> None:
        y_true, y_pred = as_values(y_true, "y_true"), as_values(y_pred, "y_pred")
        if y_true.ndim != 2 or y_pred.ndim != 2 or y_true.shape != y_pred.shape:
            raise ValueError(f"{type(self).__name__} expects y_true and y_pred of shape "
                             f"(batch, classes); got {y_true.shape} and {y_pred.shape}")
        if self.threshold is None:
            hits = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            hits = y_pred > self.threshold
        hits = hits.astype(np.float64)
        weights = (np.ones((len(y_true), 1)) if sample_weight is None
                   else as_values(sample_weight, "sample_weight").reshape(-1, 1))
        axis = None if self.average == "micro" else 0
        self.tp = self.tp + np.sum(hits * y_true * weights, axis=axis)
        self.fp = self.fp + np.sum(hits * (1 - y_true) * weights, axis=axis)
        self.fn = self.fn + np.sum((1 - hits) * y_true * weights, axis=axis)
        self.support = self.support + np.sum(y_true * weights, axis=axis)

    def result(self):
        precision = self.tp / (self.tp + self.fp + _EPS)
        recall = self.tp / (self.tp + self.fn + _EPS)
        beta2 = self.beta ** 2
        score = (1 + beta2) * precision * recall / (beta2 * precision + recall + _EPS)
        if self.average == "weighted":
            return float(np.sum(score * self.support / (np.sum(self.support) + _EPS)))
        if self.average is not None:
            return float(np.mean(score))
        return np.asarray(score, dtype=np.float64)

    def get_config(self) -> dict:
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """FBetaScore with beta = 1."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """Keras's coefficient of determination over (batch, outputs): per output
    1 - residual / total sum of squares (an infinite one counts 0), then
    ``class_aggregation`` "uniform_average", "variance_weighted_average" or None; adjusted
    for ``num_regressors`` when there are enough samples."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0,
                 name="r2_score", dtype=None):
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError(f"R2Score: class_aggregation must be None, 'uniform_average' or "
                             f"'variance_weighted_average', got {class_aggregation!r}")
        if num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be >= 0, got {num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self.sum = self.squared_sum = self.residual = self.count = 0.0
        self.num_samples = 0

    def update_state(self, y_true, y_pred, sample_weight=None, mask=None) -> None:
        y_true, y_pred = same_rank(as_values(y_true, "y_true"), as_values(y_pred, "y_pred"))
        if y_true.ndim != 2 or y_pred.ndim != 2:
            raise ValueError(f"R2Score expects y_true and y_pred of shape (batch, outputs); "
                             f"got {y_true.shape} and {y_pred.shape}")
        w = 1.0 if sample_weight is None else as_values(sample_weight, "sample_weight")
        w = np.broadcast_to(w.reshape(-1, 1) if np.ndim(w) == 1 else w, y_true.shape)
        self.sum = self.sum + np.sum(y_true * w, axis=0)
        self.squared_sum = self.squared_sum + np.sum(y_true * y_true * w, axis=0)
        self.residual = self.residual + np.sum((y_true - y_pred) ** 2 * w, axis=0)
        self.count = self.count + np.sum(w, axis=0)
        self.num_samples += y_true.size

    def result(self):
        with np.errstate(divide="ignore", invalid="ignore"):
            total = self.squared_sum - self.sum * (self.sum / self.count)
            raw = 1 - self.residual / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        n, p = self.num_samples, self.num_regressors
        if p and p < n - 1:
            score = 1 - (1 - score) * (n - 1) / (n - p - 1)
        return float(score) if np.ndim(score) == 0 else np.asarray(score)

    def get_config(self) -> dict:
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


# --------------------------------------------------------------------------- correlation

def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's r of each sample's values along ``axis`` (population deviations)."""
    y_true, y_pred = same_rank(as_values(y_true, "y_true"), as_values(y_pred, "y_pred"))
    t = y_true - y_true.mean(axis=axis, keepdims=True)
    p = y_pred - y_pred.mean(axis=axis, keepdims=True)
    t = t / t.std(axis=axis, keepdims=True)
    p = p / p.std(axis=axis, keepdims=True)
    return np.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation as Keras computes it (its covariance term centres
    y_true on y_pred's mean)."""
    y_true, y_pred = same_rank(as_values(y_true, "y_true"), as_values(y_pred, "y_pred"))
    t_mean = y_true.mean(axis=axis, keepdims=True)
    p_mean = y_pred.mean(axis=axis, keepdims=True)
    t_var = (y_true - t_mean).var(axis=axis, keepdims=True)
    p_var = (y_pred - p_mean).var(axis=axis, keepdims=True)
    covar = (y_true - p_mean) * (y_pred - p_mean)
    norm = t_var + p_var + np.square(t_mean - p_mean)
    return np.mean(2.0 * covar / (norm + _losses.EPSILON), axis=axis)


PearsonCorrelation = _named(
    _wrapper(pearson_correlation, "pearson_correlation", (("axis", -1),)),
    "PearsonCorrelation")
ConcordanceCorrelation = _named(
    _wrapper(concordance_correlation, "concordance_correlation", (("axis", -1),)),
    "ConcordanceCorrelation")


# --------------------------------------------------------------------------- IoU

class IoU(Metric):
    """Intersection over union of the classes ``target_class_ids``, from a confusion matrix
    of integer labels (``sparse_y_true``/``sparse_y_pred`` False: argmax along ``axis``),
    as Keras's: labels, predictions and weights taken as integers (Keras's default dtype
    for this metric truncates them), pairs out of [0, num_classes) or of ``ignore_class``
    left out, the mean over the classes that occur."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_true=True, sparse_y_pred=True, axis=-1):
        self.num_classes = int(num_classes)
        if self.num_classes < 1:
            raise ValueError(f"{type(self).__name__}: num_classes must be positive; got "
                             f"{num_classes}")
        ids = [int(i) for i in target_class_ids]
        if not ids or max(ids) >= self.num_classes or min(ids) < 0:
            raise ValueError(f"Target class id {max(ids) if ids else None} is out of range, "
                             f"which is [0, {self.num_classes}).")
        self.target_class_ids = ids
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self.total_cm = np.zeros((self.num_classes, self.num_classes), np.int64)

    def update_state(self, y_true, y_pred, sample_weight=None, mask=None) -> None:
        """``mask`` is not read (Keras's IoU metrics do not read the prediction's mask)."""
        y_true, y_pred = as_values(y_true, "y_true"), as_values(y_pred, "y_pred")
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        y_true = np.trunc(y_true).astype(np.int64).reshape(-1)
        y_pred = np.trunc(y_pred).astype(np.int64).reshape(-1)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{type(self).__name__}: y_true has {y_true.size} labels but "
                             f"y_pred {y_pred.size}")
        weights = (np.ones_like(y_true) if sample_weight is None else
                   np.trunc(as_values(sample_weight, "sample_weight")).astype(np.int64))
        try:
            weights = np.broadcast_to(weights.reshape(-1) if weights.ndim > 1 else weights,
                                      y_true.shape)
        except ValueError:
            raise ValueError(f"sample_weight of shape {np.shape(sample_weight)} does not "
                             f"match {y_true.size} labels") from None
        keep = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (
            y_pred < self.num_classes)
        if self.ignore_class is not None:
            keep &= y_true != int(self.ignore_class)
        np.add.at(self.total_cm, (y_true[keep], y_pred[keep]), weights[keep])

    def result(self) -> float:
        cm = self.total_cm
        tp = np.diag(cm).astype(np.float64)
        denominator = (cm.sum(axis=0) + cm.sum(axis=1)).astype(np.float64) - tp
        tp, denominator = tp[self.target_class_ids], denominator[self.target_class_ids]
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + _losses.EPSILON), 0.0)
        return float(np.float32(iou.sum() / (valid.sum() + _losses.EPSILON)))

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype or "int32",
                "num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of two classes: predictions at or over ``threshold`` are class 1."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        self.threshold = threshold
        super().__init__(2, target_class_ids, name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None, mask=None) -> None:
        y_pred = (as_values(y_pred, "y_pred").astype(np.float32) >= self.threshold)
        super().update_state(y_true, y_pred.astype(np.int64), sample_weight)

    def get_config(self) -> dict:
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, range(int(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["target_class_ids"]
        config["dtype"] = self.dtype
        return config


class OneHotIoU(IoU):
    """IoU of one-hot labels (and, by default, per-class scores)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        config["dtype"] = self.dtype
        return config


class OneHotMeanIoU(MeanIoU):
    """MeanIoU of one-hot labels (and, by default, per-class scores)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


# --------------------------------------------------------------------------- lookup

_CLASSES = {cls.__name__: cls for cls in (
    Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, RootMeanSquaredError, LogCoshError, KLDivergence, Poisson,
    Hinge, SquaredHinge, CategoricalHinge, CosineSimilarity, BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy, Precision, Recall, AUC,
    TruePositives, FalsePositives, TrueNegatives, FalseNegatives, FBetaScore, F1Score,
    R2Score, SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall,
    RecallAtPrecision, PearsonCorrelation, ConcordanceCorrelation, IoU, BinaryIoU, MeanIoU,
    OneHotIoU, OneHotMeanIoU)}
_BY_NAME = {**{snake_case(name): cls for name, cls in _CLASSES.items()}, **_CLASSES,
            "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
            "mse": MeanSquaredError, "MSE": MeanSquaredError,
            "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
            "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
            "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
            "auc": AUC, "a_u_c": AUC, "acc": Accuracy,
            # Keras 2's function names
            "logcosh": LogCoshError, "kullback_leibler_divergence": KLDivergence,
            "cosine_proximity": CosineSimilarity}
for _name in ("Metric", "Mean", "Sum", "MeanMetricWrapper"):
    _BY_NAME.pop(snake_case(_name), None)
    _BY_NAME.pop(_name, None)


_REGISTRY = Registry("keras.metrics", "metric", _CLASSES.values())
_FUNCTIONS = {fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, cosine_similarity,
    pearson_correlation, concordance_correlation)}
# The metric class over each function (a MeanMetricWrapper of one is saved as the class,
# which Keras 3 rebuilds; it cannot rebuild a MeanMetricWrapper from its config).
_CLASS_OF = {cls()._fn: cls for cls in _CLASSES.values()
             if isinstance(cls, type) and issubclass(cls, MeanMetricWrapper)
             and cls is not MeanMetricWrapper}


# Loss functions Keras's metrics module also exports (there is no metric class for them)
_LOSS_METRICS = ("binary_focal_crossentropy", "categorical_focal_crossentropy", "huber",
                 "log_cosh")
# keras.metrics.<loss function>: the losses' functions, under the same names
binary_crossentropy = _losses.binary_crossentropy
binary_focal_crossentropy = _losses.binary_focal_crossentropy
categorical_crossentropy = _losses.categorical_crossentropy
categorical_focal_crossentropy = _losses.categorical_focal_crossentropy
categorical_hinge = _losses.categorical_hinge
hinge = _losses.hinge
huber = _losses.huber
kl_divergence = _losses.kl_divergence
log_cosh = _losses.log_cosh
mean_absolute_error = _losses.mean_absolute_error
mean_absolute_percentage_error = _losses.mean_absolute_percentage_error
mean_squared_error = _losses.mean_squared_error
mean_squared_logarithmic_error = _losses.mean_squared_logarithmic_error
poisson = _losses.poisson
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy
squared_hinge = _losses.squared_hinge


def _function(name, objects):
    """A metric function by name (Keras 2 saves MeanMetricWrapper with its ``fn``)."""
    if not isinstance(name, str):
        raise ValueError(f"cannot read a metric function from {name!r}")
    found = objects.get(name) or _FUNCTIONS.get(name)
    return found if found is not None else _losses.deserialize(name, objects)


def deserialize(config, custom_objects=None):
    """A metric from its saved form: a name, or Keras's ``{"class_name", "config"}``."""
    objects = custom_objects or {}
    if isinstance(config, str):
        if config in objects:
            found = objects[config]
        else:  # Keras's metric classes, and its loss functions it also takes as metrics
            found = (_BY_NAME.get(config) or _FUNCTIONS.get(config)
                     or (_losses._FUNCTIONS.get(config) if config in _LOSS_METRICS else None))
        if found is None:
            raise ValueError(f"unknown metric {config!r}; fusedrnn has "
                             f"{', '.join(sorted(_BY_NAME))}")
        return found() if isinstance(found, type) else found
    if isinstance(config, dict) and "class_name" in config:
        name = config["class_name"]
        inner = config.get("config")
        if name == "function" or isinstance(inner, str):
            return deserialize(inner if isinstance(inner, str) else name, custom_objects)
        cls = _REGISTRY.saved_class(config, objects)
        inner = dict(inner or {})
        if cls is MeanMetricWrapper:
            return MeanMetricWrapper(_function(inner.pop("fn", None), objects), **inner)
        if cls is None or cls in (Metric, Mean, Sum):
            raise ValueError(f"unknown metric class {name!r}")
        inner.pop("fn", None)
        return cls.from_config(inner)
    raise ValueError(f"cannot read a metric from {config!r}")


def serialize(metric) -> dict | str:
    """Keras 3's saved form of a metric (a function by its name; a MeanMetricWrapper of one
    of Keras's functions as that function's class, with its name)."""
    if type(metric) is MeanMetricWrapper and metric._fn in _CLASS_OF:
        metric = _CLASS_OF[metric._fn](name=metric.name, **metric._fn_kwargs)
    return (_REGISTRY.serialize(metric) if isinstance(metric, Metric)
            else getattr(metric, "__name__", metric))


def get(identifier):
    """A metric from a name, a saved config, a ``Metric`` or a function."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, Metric) or callable(identifier):
        return identifier
    raise ValueError(f"cannot interpret {identifier!r} as a metric")
