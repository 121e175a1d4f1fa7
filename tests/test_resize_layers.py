"""Resizing, CenterCrop, RandomCrop, AutoContrast and CLAHE (and Equalization, Solarization and
MaxNumBoundingBoxes at inference) against what Keras 3 and Keras 2 computed
(tests/golden/generate_resize_golden.py; the keras_files cases image_preprocessing and
image_preprocessing_keras3 load them from Keras's files), against definitions that need no
TensorFlow, and bad input."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from fusedrnn import layers, ops
from fusedrnn.layers._image import INTERPOLATIONS, resize_images
from fusedrnn.models import Sequential, load_model
from tolerances import FP32_KERAS, assert_close

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "resize_layers.npz")
with np.load(GOLDEN) as _data:
    CASES = json.loads(str(_data["index"]))


def _case_id(case):
    config = case["config"]
    detail = config.get("interpolation", "")
    if config.get("antialias"):
        detail += "-aa"
    return f"{case['name']}-{case['keras']}-{case['class_name']}-{detail}".rstrip("-")


LAYER_CASES = [c for c in CASES if c["class_name"] != "ops.image.resize"]
OPS_CASES = [c for c in CASES if c["class_name"] == "ops.image.resize"]


@pytest.mark.parametrize("case", OPS_CASES, ids=[c["name"] for c in OPS_CASES])
def test_ops_image_resize_gives_keras_outputs(case):
    with np.load(GOLDEN) as data:
        x, y = data[f"{case['name']}_x"], data[f"{case['name']}_y"]
    kwargs = dict(case["config"])
    kwargs["size"] = tuple(kwargs["size"])
    got = ops.image.resize(x, **kwargs)
    assert got.shape == y.shape
    assert_close(got, y, FP32_KERAS)


def test_ops_image_resize_bad_input():
    with pytest.raises(ValueError, match="size"):
        ops.image.resize(np.zeros((4, 4, 1), np.float32), (2, 2, 2))
    with pytest.raises(ValueError, match="rank"):
        ops.image.resize(np.zeros((4, 4), np.float32), (2, 2))
    assert "image" in dir(ops)


@pytest.mark.parametrize("case", LAYER_CASES, ids=[_case_id(c) for c in LAYER_CASES])
def test_layers_give_keras_outputs(case):
    """Every configuration as Keras's get_config() gave it, on the same images."""
    with np.load(GOLDEN) as data:
        x, y = data[f"{case['name']}_x"], data[f"{case['name']}_y"]
    config = dict(case["config"])
    if case["class_name"] == "RandomCrop" and case["keras"] == "keras2":
        config["keras2"] = True  # as load_model gives it for the files Keras 2 wrote
    layer = getattr(layers, case["class_name"]).from_config(config)
    got = layer(x)
    assert got.dtype == np.float32
    assert got.shape == y.shape
    if case["class_name"] == "RandomCrop" and case["keras"] == "keras3":
        # the identity at inference, its output shape (height, width) all the same
        assert layer.compute_output_shape((None, *x.shape[1:]))[1:3] == (
            case["config"]["height"], case["config"]["width"])
    else:
        assert layer.compute_output_shape((None, *x.shape[1:])) == (None, *y.shape[1:])
    assert_close(got, y, FP32_KERAS)


def _images(shape, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, shape).astype(np.float32)


# ----------------------------------------------------------------------------- definitions
@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_resizing_to_the_same_size_keeps_the_image(interpolation):
    x = _images((2, 5, 7, 3))
    tol = (1e-6, 1e-4) if interpolation in ("bilinear", "nearest", "area", "bicubic") else (
        1e-5, 1e-3)
    if interpolation in ("gaussian", "mitchellcubic"):  # smoothing kernels: not interpolating
        assert not np.allclose(resize_images(x, 5, 7, interpolation), x, atol=1e-2)
        return
    assert_close(resize_images(x, 5, 7, interpolation), x, tol)


def test_integer_upscales_by_definition():
    x = _images((1, 3, 4, 2), seed=1)
    # nearest: each pixel repeated
    np.testing.assert_array_equal(resize_images(x, 6, 12, "nearest"),
                                  np.repeat(np.repeat(x, 2, axis=1), 3, axis=2))
    # bilinear by 2: the same as UpSampling2D's bilinear (its own code)
    want = layers.UpSampling2D(2, interpolation="bilinear")(x)
    assert_close(resize_images(x, 6, 8, "bilinear"), want, (1e-6, 1e-4))


def test_area_downscale_is_the_block_mean():
    x = _images((2, 6, 9, 2), seed=2)
    want = x.reshape(2, 3, 2, 3, 3, 2).mean(axis=(2, 4))
    assert_close(resize_images(x, 3, 3, "area"), want, (1e-6, 1e-4))


def test_bilinear_by_its_formula():
    """Half-pixel centres: output i samples the input at (i + 0.5) * n_in / n_out - 0.5,
    linearly between its neighbours, clamped at the edges."""
    x = _images((1, 1, 5, 1), seed=3)
    got = resize_images(x, 1, 8, "bilinear")[0, 0, :, 0]
    pos = np.clip((np.arange(8) + 0.5) * 5 / 8 - 0.5, 0, 4)
    assert_close(got, np.interp(pos, np.arange(5), x[0, 0, :, 0]), (1e-6, 1e-4))


def test_lanczos_weights_sum_to_one():
    """A constant image stays constant under every kernel (weights normalised), antialiased
    or not."""
    x = np.full((1, 9, 7, 1), 42.0, np.float32)
    for interpolation in INTERPOLATIONS:
        for antialias in (False, True):
            for size in ((4, 3), (13, 11), (1, 1)):
                assert_close(resize_images(x, *size, interpolation, antialias),
                             np.full((1, *size, 1), 42.0), (1e-6, 1e-4))


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "area", "lanczos3"])
def test_a_nan_spreads_only_to_the_outputs_that_sample_it(interpolation):
    x = _images((1, 12, 12, 1), seed=4)
    x[0, 0, 0, 0] = np.nan
    y = resize_images(x, 6, 6, interpolation)
    assert np.isnan(y[0, 0, 0, 0])
    assert np.isfinite(y[0, 3:, 3:]).all()


def test_channels_first_and_unbatched_images():
    x = _images((2, 7, 9, 3), seed=5)
    for layer_cl, layer_cf in (
            (layers.Resizing(4, 5, interpolation="bicubic"),
             layers.Resizing(4, 5, interpolation="bicubic", data_format="channels_first")),
            (layers.CenterCrop(5, 5), layers.CenterCrop(5, 5, data_format="channels_first")),
            (layers.CenterCrop(8, 4), layers.CenterCrop(8, 4, data_format="channels_first"))):
        want = layer_cl(x)
        got = layer_cf(np.moveaxis(x, -1, 1))
        np.testing.assert_array_equal(np.moveaxis(got, 1, -1), want)
        np.testing.assert_array_equal(layer_cl(x[1]), want[1])


def test_center_crop_and_smart_resize():
    x = _images((2, 8, 9, 3), seed=6)
    np.testing.assert_array_equal(layers.CenterCrop(4, 5)(x), x[:, 2:6, 2:7])
    np.testing.assert_array_equal(layers.CenterCrop(8, 9)(x), x)
    # taller than the image: the widest window of ratio 10:3 (8 x 2, centred), resized
    got = layers.CenterCrop(10, 3)(x)
    want = resize_images(x[:, :, 3:5], 10, 3, "bilinear")
    np.testing.assert_array_equal(got, want)


def test_random_crop_at_inference():
    x = _images((2, 8, 9, 3), seed=7)
    keras3 = layers.RandomCrop(4, 5, seed=1)
    np.testing.assert_array_equal(keras3(x), x)  # Keras 3: the input, whatever the size
    keras2 = layers.RandomCrop(4, 5, seed=1, keras2=True)
    np.testing.assert_array_equal(keras2(x), layers.Resizing(
        4, 5, crop_to_aspect_ratio=True)(x))  # Keras 2: smart_resize
    again = layers.RandomCrop.from_config(keras2.get_config())
    np.testing.assert_array_equal(again(x), keras2(x))


def test_keras2_random_crop_loads_from_keras2_files_and_is_not_saved_for_keras3(tmp_path):
    data = os.path.join(os.path.dirname(__file__), "data", "keras_files")
    def crops(model):
        return [layer.keras2 for layer in model.layers if isinstance(layer, layers.RandomCrop)]

    model = load_model(os.path.join(data, "image_preprocessing.keras2.h5"))
    assert crops(model) == [True]
    assert crops(load_model(os.path.join(data, "image_preprocessing.keras"))) == [False]
    with pytest.raises(ValueError, match="Keras 2's RandomCrop"):
        model.save(tmp_path / "m.keras")


def test_smart_resize_utility():
    """keras.utils.smart_resize: the Keras 2 RandomCrop's computation, for one image or a
    batch, either data format."""
    from fusedrnn.utils import smart_resize

    x = _images((2, 8, 9, 3), seed=12)
    want = layers.RandomCrop(4, 6, keras2=True)(x)
    np.testing.assert_array_equal(smart_resize(x, (4, 6)), want)
    np.testing.assert_array_equal(smart_resize(x[0], (4, 6)), want[0])
    first = smart_resize(np.moveaxis(x, -1, 1), (4, 6), data_format="channels_first")
    np.testing.assert_array_equal(np.moveaxis(first, 1, -1), want)
    near = smart_resize(x, (4, 6), interpolation="nearest")
    assert near.shape == (2, 4, 6, 3)
    assert np.isin(near, x).all()
    with pytest.raises(ValueError, match="rank 4"):
        smart_resize(x[0, 0], (2, 2))


def test_resizing_pad_to_aspect_ratio():
    x = _images((1, 4, 8, 2), seed=8)
    # to a square: 2 rows of fill above and below, then resized (here to the padded size)
    got = layers.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=-1.0,
                          interpolation="nearest")(x)
    want = np.full((1, 8, 8, 2), -1.0, np.float32)
    want[:, 2:6] = x
    np.testing.assert_array_equal(got, want)


def test_auto_contrast_stretches_each_channel():
    x = (_images((3, 5, 6, 2), seed=9) * 0.5 + 40).astype(np.float32)
    x[2, :, :, 1] = 7.0  # constant: 0 / 0, kept
    y = layers.AutoContrast()(x)
    lo, hi = x.min(axis=(1, 2), keepdims=True), x.max(axis=(1, 2), keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        want = np.clip((x - lo) * (255.0 / (hi - lo)), 0, 255)
    want[2, :, :, 1] = 7.0
    assert_close(y, want, (1e-5, 1e-3))
    z = layers.AutoContrast(value_range=(0, 1))(x / 255)
    assert_close(z, want / 255, (1e-5, 1e-5))


def test_clahe_by_definition():
    """One tile, no clip limit: plain histogram equalization, each value mapped to its CDF
    rescaled to [0, 255] (every pixel sits at the single tile's centre weights)."""
    x = np.floor(_images((1, 4, 4, 1), seed=13))
    got = layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=0.0,
                                                              tile_grid_size=(1, 1))(x)
    values = x.ravel().astype(int)
    cdf = np.cumsum(np.bincount(values, minlength=256))
    want = (cdf - cdf.min()) * 255.0 / (16 - cdf.min())
    assert_close(got.ravel(), want[values], (1e-5, 1e-3))


def test_equalization_and_solarization_are_identities_at_inference():
    x = _images((2, 5, 6, 3), seed=10)
    np.testing.assert_array_equal(layers.MaxNumBoundingBoxes(3)(x), x)
    np.testing.assert_array_equal(layers.Equalization(bins=64)(x), x)
    np.testing.assert_array_equal(layers.Solarization(0.5, 0.5, seed=2)(x), x)
    assert layers.Solarization(0.5).get_config()["addition_factor"] == 0.5


def test_models_save_and_load(tmp_path):
    model = Sequential([layers.Input((10, 12, 3)), layers.Resizing(6, 7, interpolation="lanczos5",
                                                                 antialias=True),
                        layers.AutoContrast(), layers.CenterCrop(5, 5),
                        layers.RandomCrop(5, 5), layers.Flatten(), layers.Dense(2)])
    x = _images((2, 10, 12, 3), seed=11)
    want = model.predict(x, verbose=0)
    assert want.shape == (2, 2)
    for name in ("m.keras", "m.h5"):
        model.save(tmp_path / name)
        np.testing.assert_array_equal(load_model(tmp_path / name).predict(x, verbose=0), want)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("make", "match"), [
    (lambda: layers.Resizing(4, 4, interpolation="cubic"), "interpolation"),
    (lambda: layers.Resizing(4, 4, fill_mode="reflect"), "fill_mode"),
    (lambda: layers.Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     "only one"),
    (lambda: layers.Resizing(0, 4), "height"),
    (lambda: layers.CenterCrop(4, 2.5), "width"),
    (lambda: layers.AutoContrast(value_range=(0, 1, 2)), "value_range"),
    (lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(0, 2)),
     "tile_grid_size"),
    (lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=8),
     "tile_grid_size"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("layer", [layers.Resizing(4, 4), layers.CenterCrop(2, 2),
                                   layers.RandomCrop(2, 2), layers.AutoContrast()])
def test_wrong_rank(layer):
    with pytest.raises(ValueError, match=r"rank 4 .* or rank 3"):
        layer(np.zeros((2, 3), np.float32))
