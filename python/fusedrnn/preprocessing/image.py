"""``keras.preprocessing.image``: the image file utilities (``load_img``, ``img_to_array``,
``array_to_img``, ``save_img``; Pillow optional) and ``smart_resize``."""

from __future__ import annotations

from .._image_files import array_to_img, img_to_array, load_img, save_img


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """``fusedrnn.utils.smart_resize`` (Keras exports it here too)."""
    from ..utils import smart_resize as resize

    return resize(x, size, interpolation=interpolation, data_format=data_format)


__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
