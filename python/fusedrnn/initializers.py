"""Keras's weight initializers as objects (``keras.initializers.GlorotUniform(seed=42)``),
for layers built in code: same distributions and fan rules as Keras (the numbers differ:
Keras draws from its own generator). A layer given one saves it as Keras saves it.
``init(shape, dtype=None)`` returns the array."""

from __future__ import annotations

import numpy as np

from ._configurable import Configurable, Registry
from .layers import _initializers as _impl

__all__ = ["STFT", "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform",
           "Identity", "IdentityInitializer", "Initializer", "LecunNormal", "LecunUniform", "Ones",
           "Orthogonal", "OrthogonalInitializer", "RandomNormal", "RandomUniform",
           "STFTInitializer", "TruncatedNormal", "VarianceScaling", "Zeros", "constant",
           "deserialize", "get", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
           "identity", "lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal",
           "random_uniform", "serialize", "stft", "truncated_normal", "variance_scaling",
           "zeros"]


class Initializer(Configurable):
    """Base: ``init(shape, dtype=None)`` gives an array of ``shape``."""

    seed = None

    def _draw(self, shape, rng) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, shape, dtype=None):
        shape = tuple(int(d) for d in shape)
        return np.asarray(self._draw(shape, _impl.layer_rng(self.seed)),
                          dtype=dtype or "float32")


class Zeros(Initializer):
    def _draw(self, shape, rng):
        return np.zeros(shape)


class Ones(Initializer):
    def _draw(self, shape, rng):
        return np.ones(shape)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def _draw(self, shape, rng):
        return np.full(shape, self.value, dtype=np.float64)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def _draw(self, shape, rng):
        return rng.normal(self.mean, self.stddev, size=shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """Normal values redrawn beyond two standard deviations."""

    def _draw(self, shape, rng):
        return self.mean + _impl._truncated_normal(shape, rng, self.stddev)


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def _draw(self, shape, rng):
        return rng.uniform(self.minval, self.maxval, size=shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(Initializer):
    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
        distribution = {"normal": "truncated_normal"}.get(distribution, distribution)
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"unknown distribution {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def _draw(self, shape, rng):
        kind = "normal" if self.distribution == "untruncated_normal" else self.distribution
        return _impl._VarianceScaling(self.scale, self.mode, kind)(shape, rng)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _variance(name: str, scale: float, mode: str, distribution: str):
    class _Named(VarianceScaling):
        def __init__(self, seed=None):
            super().__init__(scale, mode, distribution, seed)

        def get_config(self):
            return {"seed": self.seed}

    _Named.__name__ = _Named.__qualname__ = name
    _Named.__module__ = __name__
    return _Named


GlorotUniform = _variance("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _variance("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _variance("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _variance("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _variance("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(Initializer):
    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def _draw(self, shape, rng):
        return _impl._Orthogonal(self.gain)(shape, rng)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def _draw(self, shape, rng):
        return self.gain * _impl._identity(shape, rng)

    def get_config(self):
        return {"gain": self.gain}


class STFT(Initializer):
    """Keras's STFT initializer: the (frame_length, channels, bins) kernels of the
    STFTSpectrogram layer, the cosines (``side="real"``) or sines (``"imag"``) of the DFT
    times the window (a scipy.signal window name, values, or None) over its scaling
    (``"density"``: its L2 norm, ``"spectrum"``: its L1 norm, None)."""

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            from .layers._audio import scipy_window

            scipy_window(window, 1, False)  # names an unknown window
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"Scaling is invalid, it must be `None`, 'density' or "
                             f"'spectrum'. Received scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def _draw(self, shape, rng):
        from .layers._audio import stft_kernel

        if len(shape) != 3:
            raise ValueError(f"the STFT initializer makes kernels of shape (frame_length, "
                             f"channels, bins); got shape {shape}")
        # (frame_length, 1, bins) whatever the channels, as Keras's gives (its layer asks
        # for one channel)
        return stft_kernel(self.side, self.window, self.scaling, self.periodic, shape[0],
                           shape[2])

    def get_config(self):
        window = self.window.tolist() if isinstance(self.window, np.ndarray) else self.window
        return {"side": self.side, "window": window, "scaling": self.scaling,
                "periodic": self.periodic}


# Keras's other names for the classes
IdentityInitializer, OrthogonalInitializer, STFTInitializer = Identity, Orthogonal, STFT
constant, glorot_normal, glorot_uniform = Constant, GlorotNormal, GlorotUniform
he_normal, he_uniform, identity, lecun_normal = HeNormal, HeUniform, Identity, LecunNormal
lecun_uniform, ones, orthogonal, random_normal = LecunUniform, Ones, Orthogonal, RandomNormal
random_uniform, stft, truncated_normal = RandomUniform, STFT, TruncatedNormal
variance_scaling, zeros = VarianceScaling, Zeros

_REGISTRY = Registry(
    "keras.initializers", "initializer",
    (Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
     GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal,
     Identity, STFT),
    {"zero": Zeros, "one": Ones, "normal": RandomNormal, "uniform": RandomUniform,
     "STFTInitializer": STFT, "IdentityInitializer": Identity,
     "OrthogonalInitializer": Orthogonal})
serialize, deserialize, get = _REGISTRY.serialize, _REGISTRY.deserialize, _REGISTRY.get
