"""Keras's weight regularizers. fusedrnn does not train, but keeps a layer's regularizers
(its configuration, saved as Keras saves it) and ``Model.evaluate`` adds their penalties to
the loss, as Keras's does: ``l1 * sum(|w|)``, ``l2 * sum(w**2)``."""

from __future__ import annotations

import math

import numpy as np

from ._configurable import Configurable, Registry

__all__ = ["L1", "L1L2", "L2", "OrthogonalRegularizer", "Regularizer", "deserialize", "get",
           "l1", "l1_l2", "l2", "orthogonal_regularizer", "serialize"]


def _factor(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or \
            not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


class Regularizer(Configurable):
    """Base: ``regularizer(weights)`` is the penalty (a float)."""

    def __call__(self, x) -> float:
        return 0.0


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x) -> float:
        x = np.asarray(x, dtype=np.float64)
        return float(self.l1 * np.abs(x).sum() + self.l2 * np.square(x).sum())

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self) -> dict:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """``factor`` x the mean absolute cosine between distinct rows (or columns) of a 2-D
    weight."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _factor(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(f"mode must be 'rows' or 'columns', got {mode!r}")
        self.mode = mode

    def __call__(self, x) -> float:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer needs a 2-D weight, got shape {x.shape}")
        axis = 1 if self.mode == "rows" else 0
        unit = x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), 1e-12))
        product = unit @ unit.T if self.mode == "rows" else unit.T @ unit
        size = product.shape[0]
        off = np.abs(product * (1.0 - np.eye(size))).sum()
        pairs = size * (size - 1.0) / 2.0
        return float(self.factor * 0.5 * off / pairs) if pairs else 0.0

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer
_REGISTRY = Registry("keras.regularizers", "regularizer",
                     (Regularizer, L1, L2, L1L2, OrthogonalRegularizer))
serialize, deserialize, get = _REGISTRY.serialize, _REGISTRY.deserialize, _REGISTRY.get
