"""Keras weight initializers, NumPy-only, seeded by a ``numpy.random.Generator``.

Same distributions and fan rules as Keras (the numbers differ: Keras uses its own RNG).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

__all__ = ["get_initializer"]


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class _VarianceScaling:
    """Keras's VarianceScaling family (glorot_*, he_*, lecun_*). Initializers are small
    classes, not closures, so that layers holding them pickle (and deep-copy)."""

    def __init__(self, scale: float, mode: str, distribution: str):
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, size=shape)
        stddev = math.sqrt(variance)
        if self.distribution == "truncated_normal":
            # Keras: truncated at two standard deviations, std corrected by .87962566
            return _truncated_normal(shape, rng, stddev / 0.87962566103423978)
        return rng.normal(0.0, stddev, size=shape)


def _truncated_normal(shape, rng, stddev):
    out = rng.normal(0.0, stddev, size=shape)
    bad = np.abs(out) > 2 * stddev
    while np.any(bad):
        out[bad] = rng.normal(0.0, stddev, size=int(bad.sum()))
        bad = np.abs(out) > 2 * stddev
    return out


class _Orthogonal:
    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape, rng):
        if len(shape) < 2:
            raise ValueError(f"the orthogonal initializer needs a shape of rank >= 2, got {shape}")
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        a = rng.normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)


class _Random:
    """Keras's RandomUniform(-0.05, 0.05), RandomNormal(0, 0.05), TruncatedNormal(0, 0.05)."""

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, shape, rng):
        if self.kind == "uniform":
            return rng.uniform(-0.05, 0.05, size=shape)
        if self.kind == "normal":
            return rng.normal(0.0, 0.05, size=shape)
        return _truncated_normal(shape, rng, 0.05)


class _UserInitializer:
    """A callable given as an initializer, called as Keras calls one."""

    def __init__(self, spec):
        self.spec = spec

    def __call__(self, shape, rng):
        return np.asarray(self.spec(shape, dtype="float32"))


def _zeros(shape, rng):
    return np.zeros(shape)


def _ones(shape, rng):
    return np.ones(shape)


def _identity(shape, rng):
    if len(shape) != 2:
        raise ValueError(f"the identity initializer needs a 2-D shape, got {shape}")
    return np.eye(*shape)


_INITIALIZERS: dict[str, Callable] = {
    "zeros": _zeros,
    "ones": _ones,
    "glorot_uniform": _VarianceScaling(1.0, "fan_avg", "uniform"),
    "glorot_normal": _VarianceScaling(1.0, "fan_avg", "truncated_normal"),
    "he_uniform": _VarianceScaling(2.0, "fan_in", "uniform"),
    "he_normal": _VarianceScaling(2.0, "fan_in", "truncated_normal"),
    "lecun_uniform": _VarianceScaling(1.0, "fan_in", "uniform"),
    "lecun_normal": _VarianceScaling(1.0, "fan_in", "truncated_normal"),
    "orthogonal": _Orthogonal(),
    "identity": _identity,
    "uniform": _Random("uniform"),
    "random_uniform": _Random("uniform"),
    "normal": _Random("normal"),
    "random_normal": _Random("normal"),
    "truncated_normal": _Random("truncated_normal"),
}
_ALIASES = {
    "Zeros": "zeros", "Ones": "ones", "GlorotUniform": "glorot_uniform",
    "GlorotNormal": "glorot_normal", "HeUniform": "he_uniform", "HeNormal": "he_normal",
    "LecunUniform": "lecun_uniform", "LecunNormal": "lecun_normal",
    "Orthogonal": "orthogonal", "Identity": "identity", "RandomUniform": "random_uniform",
    "RandomNormal": "random_normal", "TruncatedNormal": "truncated_normal",
}


def get_initializer(spec, argument: str) -> Callable:
    """Return ``init(shape, rng) -> ndarray`` for a Keras initializer name or a callable.

    A callable is called as Keras calls initializers: ``spec(shape, dtype="float32")``.
    """
    if spec is None:
        spec = "zeros"
    if isinstance(spec, str):
        key = _ALIASES.get(spec, spec)
        if key not in _INITIALIZERS:
            raise ValueError(
                f"unknown initializer {spec!r} for `{argument}`; "
                f"expected one of {sorted(_INITIALIZERS)} or a callable"
            )
        return _INITIALIZERS[key]
    if callable(spec):
        return _UserInitializer(spec)
    raise TypeError(f"`{argument}` must be an initializer name or a callable, got {spec!r}")


# Where layers built without a seed draw theirs: fresh entropy, or after
# ``fusedrnn.utils.set_random_seed(n)`` a generator seeded with n (so a program that sets a
# seed builds the same weights every run).
_GLOBAL_SEEDS: np.random.Generator | None = None


def set_global_seed(seed: int) -> None:
    global _GLOBAL_SEEDS
    _GLOBAL_SEEDS = np.random.default_rng(seed)


def layer_rng(seed=None) -> np.random.Generator:
    """The generator a layer's initializers draw from: its own ``seed``, else the global one."""
    if seed is None and _GLOBAL_SEEDS is not None:
        seed = int(_GLOBAL_SEEDS.integers(2**63))
    return np.random.default_rng(seed)
