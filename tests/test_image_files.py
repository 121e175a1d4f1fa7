"""``utils.load_img`` / ``img_to_array`` / ``array_to_img`` / ``save_img`` against Keras
3.15.1's on the same files (tests/data/golden/image_files, written with Pillow 13 by
tests/golden/generate_image_files_golden.py), and without Pillow."""

from __future__ import annotations

import io
import os
import sys

import numpy as np
import pytest

from fusedrnn import preprocessing, utils

DIR = os.path.join(os.path.dirname(__file__), "data", "golden", "image_files")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "golden"))
from generate_image_files_golden import (  # noqa: E402  (the generator's cases)
    CONVERTS,
    LOADS,
    SAVES,
    arrays,
)

KERAS = np.load(os.path.join(DIR, "keras.npz"))


def _tolerance(name: str, kwargs: dict) -> float:
    """Exact for PNG files read as they are; JPEG decoding and resampling may move by a level
    or two between Pillow builds (the golden files come from Pillow 13.0.0)."""
    return 2.0 if name.endswith(".jpg") or "target_size" in kwargs else 0.0


@pytest.mark.parametrize("i", range(len(LOADS)), ids=[f"{n}-{k}" for n, k, _ in LOADS])
def test_load_img_and_img_to_array_give_keras_arrays(i):
    pytest.importorskip("PIL", reason="Pillow reads image files (pip install pillow)")
    name, kwargs, data_format = LOADS[i]
    got = utils.img_to_array(utils.load_img(os.path.join(DIR, name), **kwargs),
                             data_format=data_format)
    want = KERAS[f"load_{i}"]
    assert got.dtype == np.float32
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=_tolerance(name, kwargs))


def test_array_to_img_and_save_img_give_keras_images():
    pytest.importorskip("PIL", reason="Pillow writes image files (pip install pillow)")
    source = arrays()
    for i, (name, kwargs) in enumerate(CONVERTS):
        got = np.asarray(utils.array_to_img(source[name], **kwargs))
        np.testing.assert_array_equal(got, KERAS[f"convert_{i}"], err_msg=name)
    for i, (name, filename) in enumerate(SAVES):
        stream = io.BytesIO()
        preprocessing.image.save_img(stream, source[name], file_format=filename.split(".")[1])
        stream.seek(0)
        got = np.asarray(preprocessing.image.load_img(stream, color_mode="rgba"))
        np.testing.assert_array_equal(got, KERAS[f"save_{i}"], err_msg=filename)
    with pytest.raises(ValueError, match='color_mode must be "grayscale", "rgb", or "rgba"'):
        utils.load_img(os.path.join(DIR, "rgb.png"), color_mode="cmyk")
    with pytest.raises(ValueError, match="Invalid interpolation method cubic"):
        utils.load_img(os.path.join(DIR, "rgb.png"), target_size=(2, 2), interpolation="cubic")
    with pytest.raises(ValueError, match="Unsupported channel number: 2"):
        utils.array_to_img(np.zeros((2, 2, 2)))


def test_without_pillow_and_bad_arguments(monkeypatch):
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(utils.img_to_array(x), x[:, :, None])  # arrays need no PIL
    assert utils.img_to_array(x, data_format="channels_first").shape == (1, 2, 3)
    with pytest.raises(ValueError, match="Unsupported image shape"):
        utils.img_to_array(np.zeros(4))
    monkeypatch.setitem(sys.modules, "PIL", None)  # as if Pillow were not installed
    with pytest.raises(ImportError, match="The use of `load_img` requires PIL"):
        utils.load_img(os.path.join(DIR, "rgb.png"))
    with pytest.raises(ImportError, match="The use of `array_to_img` requires PIL"):
        utils.array_to_img(np.zeros((2, 2, 3)))
