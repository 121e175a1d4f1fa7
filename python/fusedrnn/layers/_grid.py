"""ZeroPadding2D/3D, Cropping2D/3D, UpSampling2D/3D and SpatialDropout2D/3D: the shape layers
image and video front ends put around their convolutions (a CRNN pads or crops its feature
maps before the recurrent layers read their columns; a model trained with SpatialDropout2D
keeps it, the identity at inference). Inputs (batch, *grid, channels), or channels first, for
a grid of 2 (rows, cols) or 3 (depth, rows, cols) axes. Plain NumPy (CuPy for CuPy inputs).

As in Keras 3, padding, cropping and upsampling drop a mask; spatial dropout passes it on.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _backend
from ._conv import _GRID_AXES, _Grid, _ints
from ._core import Dropout, _check_rank, _data_format, _drop_mask

__all__ = ["Cropping2D", "Cropping3D", "SpatialDropout2D", "SpatialDropout3D", "UpSampling2D",
           "UpSampling3D", "ZeroPadding2D", "ZeroPadding3D"]

def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def _pairs(value, n: int, argument: str, layer: str) -> tuple[tuple[int, int], ...]:
    """Keras's padding/cropping of the N-d layers: one int for every side, a tuple of n ints
    (the same before and after on each axis), or n (before, after) pairs; each >= 0."""
    if _is_int(value):
        pairs = ((value, value),) * n
    elif isinstance(value, (tuple, list)) and len(value) == n and all(_is_int(v) for v in value):
        pairs = tuple((v, v) for v in value)
    elif isinstance(value, (tuple, list)) and len(value) == n and all(
            isinstance(p, (tuple, list)) and len(p) == 2 and all(_is_int(v) for v in p)
            for p in value):
        pairs = tuple(tuple(p) for p in value)
    else:
        pairs = None
    if pairs is None or any(v < 0 for p in pairs for v in p):
        raise ValueError(f"{layer}: `{argument}` must be an integer >= 0, a tuple of {n} of "
                         f"them, or a tuple of {n} (before, after) pairs; got {value!r}")
    return tuple((int(a), int(b)) for a, b in pairs)


class _Resample(_Grid):
    """Shared by padding, cropping and upsampling: the grid's sizes change, the channels
    stay."""

    def compute_output_shape(self, input_shape):
        batch, sizes, channels = self._split(input_shape)
        return self._shape(batch, tuple(None if s is None else self._out_size(axis, s)
                                        for axis, s in enumerate(sizes)), channels)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x = self._channels_last(self._prepare_input(inputs))
        _drop_mask(self, mask)
        return self._restore(self._apply(x)), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(data_format=self.data_format)
        return config


class _ZeroPadding(_Resample):
    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(padding, self._n, "padding", type(self).__name__)

    def _out_size(self, axis, size):
        return size + sum(self.padding[axis])

    def _apply(self, x):
        return _backend.array_module(x).pad(x, ((0, 0), *self.padding, (0, 0)))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(padding=self.padding)
        return config


class ZeroPadding2D(_ZeroPadding):
    """Keras ``ZeroPadding2D``: rows and columns of zeros around the image (``padding``: one
    int, (rows, cols), or ((top, bottom), (left, right)))."""


class ZeroPadding3D(_ZeroPadding):
    """Keras ``ZeroPadding3D``: zeros around the depth, rows and columns (``padding``: one
    int, three, or three (before, after) pairs)."""

    _n = 3


class _Cropping(_Resample):
    def __init__(self, cropping=None, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        if cropping is None:  # Keras's defaults: none in 2-D, one on every side in 3-D
            cropping = ((0, 0), (0, 0)) if self._n == 2 else ((1, 1), (1, 1), (1, 1))
        self.cropping = _pairs(cropping, self._n, "cropping", type(self).__name__)

    def _check_input_shape(self, shape) -> None:
        super()._check_input_shape(shape)
        for size, crop in zip(self._split(shape)[1], self.cropping):
            if size is not None and sum(crop) >= size:
                raise ValueError(f"{type(self).__name__} layer {self.name!r}: cropping "
                                 f"{self.cropping} must leave at least one position on each "
                                 f"axis; got input shape {tuple(shape)}")

    def _out_size(self, axis, size):
        return size - sum(self.cropping[axis])

    def _apply(self, x):
        return x[(slice(None), *(slice(a, n - b) for (a, b), n in
                                 zip(self.cropping, x.shape[1:-1])))]

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(cropping=self.cropping)
        return config


class Cropping2D(_Cropping):
    """Keras ``Cropping2D``: rows and columns cut from the edges (``cropping``: one int,
    (rows, cols), or ((top, bottom), (left, right)))."""


class Cropping3D(_Cropping):
    """Keras ``Cropping3D``: depth, rows and columns cut from the edges."""

    _n = 3


def _linear_taps(size: int, scale: int):
    """TensorFlow's bilinear resize along one axis (half-pixel centers, no antialiasing, as
    ``tf.image.resize``): for each output position its two source positions and the weight of
    the second."""
    centers = (np.arange(size * scale) + 0.5) / scale - 0.5
    floor = np.floor(centers)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(centers), size - 1).astype(np.int64)
    return lower, upper, centers - floor


class _UpSampling(_Resample):
    _interpolations = ("nearest",)

    def __init__(self, size=2, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format, **kwargs)
        name = type(self).__name__
        self.size = _ints(size, self._n, "size", name)
        if interpolation not in self._interpolations:
            raise ValueError(f"{name}: `interpolation` must be one of "
                             f"{list(self._interpolations)} in fusedrnn; got {interpolation!r}")
        self.interpolation = interpolation

    def _out_size(self, axis, size):
        return size * self.size[axis]

    def _apply(self, x):
        xp = _backend.array_module(x)
        for axis, scale in enumerate(self.size, start=1):
            if self.interpolation == "nearest":
                x = xp.repeat(x, scale, axis=axis)
                continue
            lower, upper, frac = _linear_taps(x.shape[axis], scale)
            shape = [1] * x.ndim
            shape[axis] = -1
            frac = xp.asarray(frac.astype(x.dtype)).reshape(shape)
            a = xp.take(x, xp.asarray(lower), axis=axis)
            b = xp.take(x, xp.asarray(upper), axis=axis)
            x = a + (b - a) * frac
        return x

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(size=self.size)
        return config


class UpSampling2D(_UpSampling):
    """Keras ``UpSampling2D``: rows and columns repeated ``size`` times (``"nearest"``), or
    resized bilinearly as ``tf.image.resize`` does (``"bilinear"``)."""

    _interpolations = ("nearest", "bilinear")

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(interpolation=self.interpolation)
        return config


class UpSampling3D(_UpSampling):
    """Keras ``UpSampling3D``: depth, rows and columns repeated ``size`` times."""

    _n = 3

    def __init__(self, size=2, data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)


class _SpatialDropout(Dropout):
    _n = 2

    def __init__(self, rate, seed=None, data_format=None, noise_shape=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)  # Keras 2 saves noise_shape: None
        self.data_format = _data_format(data_format)

    def _check_input_shape(self, shape) -> None:
        order = (f"(batch, {_GRID_AXES[self._n]}, channels)"
                 if self.data_format == "channels_last" else
                 f"(batch, channels, {_GRID_AXES[self._n]})")
        _check_rank(self, shape, self._n + 2, order)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["noise_shape"]
        config.update(data_format=self.data_format)
        return config


class SpatialDropout2D(_SpatialDropout):
    """Keras ``SpatialDropout2D`` (drops whole feature maps): the identity at inference."""


class SpatialDropout3D(_SpatialDropout):
    """Keras ``SpatialDropout3D`` (drops whole feature maps): the identity at inference."""

    _n = 3
