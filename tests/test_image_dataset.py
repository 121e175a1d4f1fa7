"""``utils.image_dataset_from_directory`` against Keras 3.15.1's on the same folder of images
(tests/data/golden/image_dataset/, written by
tests/golden/generate_image_dataset_golden.py, whose ``write_tree`` makes the folder here):
files, labels and every image (PNG and GIF within float32 rounding of TensorFlow's decoding and
tf.image.resize; a grayscale view of a colour PNG within a level, TensorFlow's conversion
rounding otherwise; the JPEG within 8 levels, TensorFlow's decoder not being Pillow's)."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

from fusedrnn import preprocessing, utils

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "image_dataset")
with open(os.path.join(GOLDEN, "cases.json"), encoding="utf-8") as _f:
    DATA = json.load(_f)
KERAS = np.load(os.path.join(GOLDEN, "keras.npz"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "golden"))
from generate_image_dataset_golden import write_tree  # noqa: E402  (the same folder)

pytest.importorskip("PIL", reason="Pillow decodes the images (pip install pillow)")


def _tolerance(path: str, kwargs: dict) -> float:
    if path.endswith(".jpg"):
        return 8.0
    if kwargs.get("color_mode") == "grayscale":
        return 1.0
    return 1e-4


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["name"] for c in DATA["cases"]])
def test_datasets_hold_keras_images(case, tmp_path):
    root = write_tree(str(tmp_path))
    kwargs = {k: tuple(v) if k == "image_size" else v for k, v in case["kwargs"].items()}
    dataset = utils.image_dataset_from_directory(root, verbose=False,
                                                 **({"shuffle": False} | kwargs))
    files = [os.path.relpath(p, root) for p in dataset.file_paths]
    assert files == case["files"]
    assert list(dataset.class_names) == case["class_names"]
    if kwargs.get("shuffle"):  # tf.data reorders the samples: the files decide
        return
    items = list(dataset)
    unbatched = kwargs.get("batch_size", 32) is None
    xs = [item[0] if isinstance(item, tuple) else item for item in items]
    x = np.stack(xs) if unbatched else np.concatenate(xs)
    assert x.dtype == np.float32
    want = KERAS[f"{case['name']}_x"]
    assert x.shape == want.shape
    for path, got, expected in zip(files, x, want):
        np.testing.assert_allclose(got, expected, rtol=0, atol=_tolerance(path, kwargs),
                                   err_msg=path)
    if f"{case['name']}_y" in KERAS:
        ys = [item[1] for item in items]
        y = np.stack(ys) if unbatched else np.concatenate(ys)
        np.testing.assert_array_equal(y, KERAS[f"{case['name']}_y"])
        assert y.dtype == KERAS[f"{case['name']}_y"].dtype


def test_bad_arguments_are_named(tmp_path):
    root = write_tree(str(tmp_path))
    with pytest.raises(ValueError, match="Only one of `pad_to_aspect_ratio`"):
        preprocessing.image_dataset_from_directory(root, crop_to_aspect_ratio=True,
                                                   pad_to_aspect_ratio=True, verbose=False)
    with pytest.raises(ValueError, match="`color_mode` must be one of"):
        utils.image_dataset_from_directory(root, color_mode="cmyk", verbose=False)
    with pytest.raises(ValueError, match="unknown interpolation 'cubic'"):
        utils.image_dataset_from_directory(root, interpolation="cubic", verbose=False)
    os.makedirs(tmp_path / "none" / "a")
    with pytest.raises(ValueError, match="No image files found in directory"):
        utils.image_dataset_from_directory(str(tmp_path / "none"), verbose=False)
