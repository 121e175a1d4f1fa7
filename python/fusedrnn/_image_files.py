"""Keras's image file utilities (``keras.utils.load_img``, ``img_to_array``,
``array_to_img``, ``save_img``) for the image models that sit in front of recurrent layers.

Pillow reads and writes the files, as in Keras; it is optional (``pip install pillow``):
without it these raise Keras's ImportError, except ``img_to_array``, which takes arrays too.
"""

from __future__ import annotations

import io
import os
import pathlib
import warnings

import numpy as np

from .layers._core import _data_format

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]

_COLOR_MODES = {"grayscale": ("L", ("L", "I;16", "I")), "rgb": ("RGB", ("RGB",)),
                "rgba": ("RGBA", ("RGBA",))}


def _pil(function: str):
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"Could not import PIL.Image. The use of `{function}` requires "
                          f"PIL.") from None
    return Image


def _resampling(image_module, interpolation: str):
    methods = {"nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC",
               "hamming": "HAMMING", "box": "BOX", "lanczos": "LANCZOS"}
    if interpolation not in methods:
        raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported "
                         f"methods are {', '.join(methods)}")
    return getattr(getattr(image_module, "Resampling", image_module), methods[interpolation])


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """A PIL image from a file (or a BytesIO), in ``color_mode`` ("grayscale" keeps 16- and
    32-bit grayscale), resized to ``target_size`` (height, width) with ``interpolation``;
    ``keep_aspect_ratio`` first crops the middle of the image to the target's aspect ratio."""
    image_module = _pil("load_img")
    if isinstance(path, io.BytesIO):
        image = image_module.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            image = image_module.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode not in _COLOR_MODES:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    mode, kept = _COLOR_MODES[color_mode]
    if image.mode not in kept:
        image = image.convert(mode)
    if target_size is None:
        return image
    size = (target_size[1], target_size[0])  # PIL's (width, height)
    if image.size == size:
        return image
    resample = _resampling(image_module, interpolation)
    if not keep_aspect_ratio:
        return image.resize(size, resample)
    width, height = image.size
    crop_height = min(height, (width * size[1]) // size[0])
    crop_width = min(width, (height * size[0]) // size[1])
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    return image.resize(size, resample, box=[left, top, left + crop_width, top + crop_height])


def img_to_array(img, data_format=None, dtype=None):
    """An image (PIL, or an array) as a float32 array (height, width, channels); a 2-D one
    gets a channels axis; ``data_format="channels_first"`` puts the channels first."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    if x.ndim != 3:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image from an array (height, width, channels of 1, 3 or 4); ``scale`` maps the
    array's range onto 0..255 first. A grayscale array past 255 becomes a 32-bit image."""
    image_module = _pil("array_to_img")
    data_format = _data_format(data_format)
    x = np.asarray(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x /= top
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return image_module.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:
            return image_module.fromarray(x[:, :, 0].astype("int32"), "I")
        return image_module.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """``array_to_img(x)`` saved to ``path`` (a file name or object) in ``file_format``
    (default: the extension's; "jpg" is "jpeg"; an RGBA image is saved as RGB in JPEG, with
    Keras's warning); ``kwargs`` go to PIL's ``save``."""
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = os.path.splitext(str(path))[1][1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    image = array_to_img(x, data_format=data_format, scale=scale)
    if image.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.",
                      UserWarning, stacklevel=2)
        image = image.convert("RGB")
    image.save(path, format=file_format, **kwargs)
