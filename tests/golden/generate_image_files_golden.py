"""Record what Keras 3's image file utilities make of a few small images, for
tests/test_image_files.py: ``load_img`` (colour modes, target sizes, every interpolation,
keep_aspect_ratio) then ``img_to_array`` (both data formats), and ``array_to_img`` /
``save_img`` of arrays (scaled or not; grayscale, RGB, RGBA, 16-bit) read back.

NOT run by CI and not collected by pytest. It needs Keras 3 and Pillow::

    /tmp/tfenv/bin/python tests/golden/generate_image_files_golden.py

Writes the images (PNG, JPEG, 16-bit grayscale PNG) to tests/data/golden/image_files/ and
Keras's arrays to tests/data/golden/image_files/keras.npz (key per case, CASES order).
"""

from __future__ import annotations

import io
import os

import numpy as np

DIR = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "image_files")

# (image file, load_img kwargs, img_to_array data_format)
LOADS = [
    ("rgb.png", {}, None),
    ("rgb.png", {"color_mode": "grayscale"}, None),
    ("rgb.png", {"color_mode": "rgba"}, "channels_first"),
    ("rgba.png", {"color_mode": "rgb"}, None),
    ("photo.jpg", {}, None),
    ("gray16.png", {"color_mode": "grayscale"}, None),
    ("gray16.png", {"color_mode": "rgb"}, None),
    *[("rgb.png", {"target_size": (7, 5), "interpolation": method}, None)
      for method in ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")],
    ("rgb.png", {"target_size": (6, 6), "keep_aspect_ratio": True, "interpolation": "bilinear"},
     None),
    ("photo.jpg", {"target_size": (4, 9), "keep_aspect_ratio": True}, None),
    ("photo.jpg", {"target_size": (10, 12)}, None),
]


def arrays() -> dict:
    """The arrays array_to_img / save_img are given."""
    rng = np.random.default_rng(9)
    return {"float_rgb": rng.standard_normal((5, 6, 3)).astype(np.float32),
            "byte_rgba": rng.integers(0, 256, (4, 5, 4)).astype(np.float32),
            "gray": rng.uniform(-2, 3, (6, 4, 1)).astype(np.float32),
            "gray_wide": rng.integers(0, 4000, (3, 5, 1)).astype(np.float32),
            "channels_first": rng.uniform(0, 1, (3, 4, 5)).astype(np.float32)}


# (array, array_to_img kwargs)
CONVERTS = [("float_rgb", {}), ("byte_rgba", {"scale": False}), ("gray", {}),
            ("gray_wide", {"scale": False}), ("channels_first",
                                              {"data_format": "channels_first"})]
# (array, file format given or the name's extension)
SAVES = [("float_rgb", "x.png"), ("byte_rgba", "x.bmp"), ("gray", "x.png")]


def write_images() -> None:
    from PIL import Image

    rng = np.random.default_rng(4)
    os.makedirs(DIR, exist_ok=True)
    Image.fromarray(rng.integers(0, 256, (9, 12, 3), dtype=np.uint8), "RGB").save(
        os.path.join(DIR, "rgb.png"))
    Image.fromarray(rng.integers(0, 256, (5, 7, 4), dtype=np.uint8), "RGBA").save(
        os.path.join(DIR, "rgba.png"))
    smooth = np.linspace(0, 255, 11 * 14 * 3).reshape(11, 14, 3).astype(np.uint8)
    Image.fromarray(smooth, "RGB").save(os.path.join(DIR, "photo.jpg"), quality=90)
    Image.fromarray(rng.integers(0, 60000, (6, 8)).astype(np.uint16)).save(
        os.path.join(DIR, "gray16.png"))


def main() -> None:
    import keras

    write_images()
    out = {}
    for i, (name, kwargs, data_format) in enumerate(LOADS):
        image = keras.utils.load_img(os.path.join(DIR, name), **kwargs)
        out[f"load_{i}"] = keras.utils.img_to_array(image, data_format=data_format)
    source = arrays()
    for i, (name, kwargs) in enumerate(CONVERTS):
        out[f"convert_{i}"] = np.asarray(keras.utils.array_to_img(source[name], **kwargs))
    for i, (name, filename) in enumerate(SAVES):
        stream = io.BytesIO()
        keras.utils.save_img(stream, source[name], file_format=filename.split(".")[1])
        stream.seek(0)
        out[f"save_{i}"] = np.asarray(keras.utils.load_img(stream, color_mode="rgba"))
    np.savez(os.path.join(DIR, "keras.npz"), **out)
    print(len(out), "arrays")


if __name__ == "__main__":
    main()
