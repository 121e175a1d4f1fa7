"""``keras.ops.image`` (as ``fusedrnn.ops.image``) on arrays: ``resize``, as Keras 3 computes
it with the TensorFlow backend (the Resizing layer's computation, see layers/_image.py)."""

from __future__ import annotations

import numpy as np

__all__ = ["resize"]


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """``keras.ops.image.resize``: one image (rank 3) or a batch (rank 4) to ``size``
    (height, width); float32 out."""
    from .layers._image import Resizing

    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError(f"ops.image.resize: `size` must be a tuple of two elements "
                         f"(height, width); got size={size!r}")
    x = np.asarray(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"ops.image.resize: invalid images rank: expected rank 3 (single "
                         f"image) or rank 4 (batch of images); got shape {x.shape}")
    layer = Resizing(int(size[0]), int(size[1]), interpolation=interpolation,
                     crop_to_aspect_ratio=crop_to_aspect_ratio,
                     pad_to_aspect_ratio=pad_to_aspect_ratio, fill_mode=fill_mode,
                     fill_value=fill_value, antialias=antialias, data_format=data_format)
    return layer(x.astype(np.float32, copy=False))
