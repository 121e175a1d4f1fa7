"""Keras 3's adaptive poolings: AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D
(a fixed ``output_size`` whatever the input's size), as Keras's TensorFlow backend pools.

Per spatial axis in turn, output bin i covers the input steps from floor(i * L / n) to
ceil((i + 1) * L / n) (PyTorch's bins), ``small = ceil(L / n)`` or ``small + 1`` of them.
Keras's TensorFlow backend computes both sliding pools and gathers each bin's: it fails where
the larger one is wider than the axis (an output size of 1 among them), which fusedrnn
pools (the whole axis for a size of 1).
"""

from __future__ import annotations

import math

import numpy as np

from ._base import Layer
from ._core import _data_format, _drop_mask

__all__ = ["AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
           "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]


def _bins(length: int, n: int) -> list[tuple[int, int]]:
    """(start, size) of each of the n bins of an axis of ``length`` steps (the bounds in
    float32, as Keras computes them)."""
    out = []
    for i in range(n):
        start = min(math.floor(np.float32(i) * np.float32(length) / np.float32(n)), length - 1)
        end = min(math.ceil(np.float32(i + 1) * np.float32(length) / np.float32(n)), length)
        out.append((start, max(end - start, 1)))
    return out


class _AdaptivePooling(Layer):
    _rank = 1
    _reduce = staticmethod(np.mean)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        n, kind = self._rank, type(self).__name__
        if isinstance(output_size, (int, np.integer)) and not isinstance(output_size, bool):
            size = (int(output_size),) * n
        elif isinstance(output_size, (tuple, list)) and len(output_size) == n:
            size = tuple(int(s) for s in output_size)
        else:
            raise TypeError(f"{kind}: `output_size` must be an integer or a tuple of {n} "
                            f"integers. Received: {output_size!r}")
        if any(s < 1 for s in size):
            raise ValueError(f"{kind}: output_size must be positive; got {output_size!r}")
        self.output_size = size
        self.data_format = _data_format(data_format)

    def _axes(self, ndim: int) -> list[int]:
        first = 1 if self.data_format == "channels_last" else 2
        return list(range(first, first + self._rank))

    def _check_input_shape(self, shape) -> None:
        if len(shape) != self._rank + 2:
            raise ValueError(f"input of {type(self).__name__} layer {self.name!r} must have "
                             f"rank {self._rank + 2} (batch, {self._rank} spatial axes, "
                             f"channels); got shape {tuple(shape)}")

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, n in zip(self._axes(len(shape)), self.output_size):
            shape[axis] = n
        return tuple(shape)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected call arguments "
                            f"{sorted(kwargs)}")
        _drop_mask(self, mask)
        x = self._prepare_input(inputs)
        for axis, n in zip(self._axes(x.ndim), self.output_size):
            if x.shape[axis] == 0:
                raise ValueError(f"{type(self).__name__} layer {self.name!r} cannot pool an "
                                 f"empty axis; got input shape {tuple(x.shape)}")
            parts = [self._reduce(np.take(x, range(s, s + k), axis=axis), axis=axis,
                                  keepdims=True) for s, k in _bins(x.shape[axis], n)]
            x = np.concatenate(parts, axis=axis)
        return x.astype(self._compute_dtype, copy=False), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(output_size=self.output_size, data_format=self.data_format)
        return config


def _pooling(name: str, rank: int, reduce):
    doc = (f"Keras ``{name}``: {'averages' if reduce is np.mean else 'maxima'} over "
           f"``output_size`` adaptive bins of each of the {rank} spatial axes (module "
           f"docstring).")
    cls = type(name, (_AdaptivePooling,), {"_rank": rank, "_reduce": staticmethod(reduce),
                                           "__doc__": doc, "__module__": __name__})
    return cls


AdaptiveAveragePooling1D = _pooling("AdaptiveAveragePooling1D", 1, np.mean)
AdaptiveAveragePooling2D = _pooling("AdaptiveAveragePooling2D", 2, np.mean)
AdaptiveAveragePooling3D = _pooling("AdaptiveAveragePooling3D", 3, np.mean)
AdaptiveMaxPooling1D = _pooling("AdaptiveMaxPooling1D", 1, np.max)
AdaptiveMaxPooling2D = _pooling("AdaptiveMaxPooling2D", 2, np.max)
AdaptiveMaxPooling3D = _pooling("AdaptiveMaxPooling3D", 3, np.max)
