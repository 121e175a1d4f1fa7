"""``keras.random`` in NumPy, for layers written for Keras that draw noise (a VAE's sampling
layer: ``keras.random.normal(shape, seed=self.seed_generator)``).

The distributions and arguments are Keras's; the numbers are NumPy's (no engine draws
TensorFlow's or JAX's streams). ``seed``: an int (the same draws every call, as Keras's
stateless seeds), a :class:`SeedGenerator` (advancing), or None (NumPy's global state, which
``fusedrnn.utils.set_random_seed`` seeds).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform"]


class SeedGenerator:
    """Keras's ``SeedGenerator``: a stream of draws that advances with each use."""

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"SeedGenerator: seed must be an integer or None; got {seed!r}")
        self.seed = seed
        self.name = name
        self._rng = np.random.default_rng(seed)

    def get_config(self) -> dict:
        return {"seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _rng(seed) -> np.random.Generator:
    if isinstance(seed, SeedGenerator):
        return seed._rng
    if seed is None:
        # NumPy's global state, which set_random_seed seeds
        return np.random.default_rng(np.random.randint(0, 2 ** 31 - 1))  # noqa: NPY002
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, a SeedGenerator or None; got {seed!r}")
    return np.random.default_rng(int(seed))


def _shape(shape) -> tuple:
    return tuple(int(d) for d in (shape if isinstance(shape, (list, tuple)) else (shape,)))


def _float(dtype) -> np.dtype:
    dtype = np.dtype(dtype or "float32")
    if dtype.kind != "f":
        raise ValueError(f"a float dtype is needed here; got {dtype}")
    return dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _rng(seed).normal(mean, stddev, _shape(shape)).astype(_float(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return _rng(seed).uniform(minval, maxval, _shape(shape)).astype(_float(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return _rng(seed).integers(minval, maxval, _shape(shape)).astype(dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal draws, those beyond two standard deviations drawn again."""
    rng = _rng(seed)
    out = rng.normal(0.0, 1.0, _shape(shape))
    while True:
        bad = np.abs(out) > 2.0
        if not bad.any():
            break
        out[bad] = rng.normal(0.0, 1.0, int(bad.sum()))
    return (mean + stddev * out).astype(_float(dtype))


def shuffle(x, axis=0, seed=None):
    x = np.asarray(x)
    return np.take(x, _rng(seed).permutation(x.shape[axis]), axis=axis)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeros with probability ``rate``, the rest scaled by 1 / (1 - rate)."""
    x = np.asarray(inputs)
    if not 0 <= rate < 1:
        raise ValueError(f"dropout rate must be in [0, 1); got {rate!r}")
    keep = _rng(seed).random(_shape(noise_shape) if noise_shape is not None else x.shape)
    return np.where(keep >= rate, x / (1.0 - rate), 0.0).astype(x.dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class draws per row of ``logits`` (batch, classes)."""
    logits = np.asarray(logits, np.float64)
    if logits.ndim != 2:
        raise ValueError(f"categorical takes (batch, classes) logits; got shape {logits.shape}")
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    rng = _rng(seed)
    return np.stack([rng.choice(p.shape[1], int(num_samples), p=row) for row in p]).astype(dtype)


def gamma(shape, alpha, dtype=None, seed=None):
    return _rng(seed).gamma(alpha, 1.0, _shape(shape)).astype(_float(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):  # noqa: A002 - Keras's argument name
    return _rng(seed).beta(alpha, beta, _shape(shape)).astype(_float(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    return _rng(seed).binomial(counts, probabilities, _shape(shape)).astype(_float(dtype))
