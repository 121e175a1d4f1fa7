"""Adaptive poolings against their definition (each output bin pools input steps
floor(i L / n) to ceil((i + 1) L / n), per spatial axis), beyond the Keras-made keras_files
case adaptive_pooling: sizes of 1 (the whole axis; Keras's TensorFlow backend fails there),
more bins than steps, channels first, the errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from fusedrnn import layers


def by_definition(x, sizes, reduce, channels_last=True):
    spatial = x.shape[1:-1] if channels_last else x.shape[2:]
    out = np.empty((x.shape[0], *sizes, x.shape[-1]) if channels_last
                   else (x.shape[0], x.shape[1], *sizes), np.float64)
    for bins in itertools.product(*(range(n) for n in sizes)):
        window = tuple(slice(math.floor(i * length / n), math.ceil((i + 1) * length / n))
                       for i, n, length in zip(bins, sizes, spatial))
        if channels_last:
            out[(slice(None), *bins)] = reduce(x[(slice(None), *window)],
                                               axis=tuple(range(1, 1 + len(sizes))))
        else:
            out[(slice(None), slice(None), *bins)] = reduce(
                x[(slice(None), slice(None), *window)], axis=tuple(range(2, 2 + len(sizes))))
    return out


@pytest.mark.parametrize("kind", ["Average", "Max"])
@pytest.mark.parametrize(("rank", "shape", "sizes"), [
    (1, (2, 11, 3), (1,)), (1, (2, 4, 3), (7,)), (1, (1, 10, 2), (6,)),
    (2, (2, 9, 5, 2), (4, 1)), (2, (1, 3, 8, 1), (5, 3)),
    (3, (1, 5, 4, 6, 2), (3, 2, 4)),
])
@pytest.mark.parametrize("channels_last", [True, False])
def test_adaptive_pooling_is_its_definition(kind, rank, shape, sizes, channels_last):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape).astype(np.float32)
    if not channels_last:
        x = np.moveaxis(x, -1, 1).copy()
    cls = getattr(layers, f"Adaptive{kind}Pooling{rank}D")
    layer = cls(sizes if len(set(sizes)) > 1 else sizes[0],
                data_format="channels_last" if channels_last else "channels_first")
    got = layer(x)
    want = by_definition(x.astype(np.float64), sizes, np.mean if kind == "Average" else np.max,
                         channels_last)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert layer.compute_output_shape(x.shape) == got.shape


def test_adaptive_pooling_errors():
    with pytest.raises(TypeError, match="must be an integer or a tuple of 2 integers"):
        layers.AdaptiveAveragePooling2D((2, 3, 4))
    with pytest.raises(ValueError, match="output_size must be positive"):
        layers.AdaptiveMaxPooling1D(0)
    with pytest.raises(ValueError, match="must have rank 3"):
        layers.AdaptiveMaxPooling1D(2)(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="cannot pool an empty axis"):
        layers.AdaptiveAveragePooling1D(2)(np.zeros((2, 0, 3), np.float32))
