"""Record what Keras computes for the image layers that change images at inference
(Resizing, CenterCrop, RandomCrop, AutoContrast, CLAHE) and for Equalization, Solarization and
MaxNumBoundingBoxes at inference: Keras 3 (TensorFlow backend) and Keras 2 (tf_keras); and
keras.ops.image.resize;
for tests/test_resize_layers.py.

NOT run by CI and not collected by pytest. It needs TensorFlow, tf_keras and Keras 3::

    /tmp/tfenv/bin/python tests/golden/generate_resize_golden.py

Writes tests/data/golden/resize_layers.npz: ``index`` (JSON: for each case its name, class,
the config the Keras layer's get_config() gives, and which Keras made it) and per case
``<name>_x`` and ``<name>_y`` (the layer's output at inference).
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "resize_layers.npz")

KERAS3_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")
KERAS2_METHODS = KERAS3_METHODS + ("gaussian", "mitchellcubic")
# (input rows, cols) -> (height, width): up, down, mixed, same, by large factors, to one pixel
SIZES = [((7, 9), (5, 12)), ((8, 8), (3, 3)), ((6, 10), (11, 4)), ((5, 6), (5, 6)),
         ((16, 3), (4, 13)), ((4, 5), (1, 1)), ((13, 17), (4, 5))]


def image(rng, rows, cols, channels=3, batch=2, fmt="channels_last"):
    x = rng.uniform(0, 255, (batch, rows, cols, channels)).astype(np.float32)
    return x if fmt == "channels_last" else np.ascontiguousarray(np.moveaxis(x, -1, 1))


def keras3_cases(rng):
    out = []
    for method in KERAS3_METHODS:
        for antialias in (False, True):
            for (rows, cols), (h, w) in SIZES:
                out.append(("Resizing", {"height": h, "width": w, "interpolation": method,
                                         "antialias": antialias}, image(rng, rows, cols)))
    for (rows, cols), (h, w) in [((7, 12), (5, 5)), ((12, 7), (5, 5)), ((9, 9), (4, 7)),
                                 ((5, 20), (6, 3))]:
        for extra in ({"crop_to_aspect_ratio": True},
                      {"pad_to_aspect_ratio": True, "fill_value": 17.5},
                      {"crop_to_aspect_ratio": True, "interpolation": "bicubic"}):
            out.append(("Resizing", {"height": h, "width": w, **extra}, image(rng, rows, cols)))
        out.append(("Resizing", {"height": h, "width": w, "data_format": "channels_first",
                                 "interpolation": "area", "pad_to_aspect_ratio": True},
                    image(rng, rows, cols, fmt="channels_first")))
    for (rows, cols), (h, w) in [((8, 9), (4, 5)), ((8, 9), (8, 9)), ((5, 9), (7, 4)),
                                 ((5, 5), (6, 6)), ((9, 4), (3, 6))]:
        out.append(("CenterCrop", {"height": h, "width": w}, image(rng, rows, cols)))
        out.append(("CenterCrop", {"height": h, "width": w, "data_format": "channels_first"},
                    image(rng, rows, cols, fmt="channels_first")))
        out.append(("RandomCrop", {"height": h, "width": w, "seed": 3}, image(rng, rows, cols)))
    for value_range in ((0, 255), (0, 1), (-1, 1), (10, 20)):
        lo, hi = value_range
        x = (image(rng, 5, 6) / 255 * (hi - lo) * 0.6 + lo + 0.2 * (hi - lo)).astype(np.float32)
        x[1, :, :, 2] = lo + 0.5 * (hi - lo)  # a constant channel: 0 / 0, kept as it was
        out.append(("AutoContrast", {"value_range": value_range}, x))
    out.append(("Equalization", {"value_range": (0, 255), "bins": 64}, image(rng, 5, 6)))
    out.append(("Solarization", {"addition_factor": 0.3, "threshold_factor": 0.6, "seed": 1},
                image(rng, 5, 6)))
    return out


def keras2_cases(rng):
    out = []
    for method in KERAS2_METHODS:
        for (rows, cols), (h, w) in SIZES[:5]:
            out.append(("Resizing", {"height": h, "width": w, "interpolation": method},
                        image(rng, rows, cols)))
    for (rows, cols), (h, w) in [((7, 12), (5, 5)), ((12, 7), (5, 5)), ((5, 20), (6, 3))]:
        out.append(("Resizing", {"height": h, "width": w, "crop_to_aspect_ratio": True,
                                 "interpolation": "lanczos3"}, image(rng, rows, cols)))
    for (rows, cols), (h, w) in [((8, 9), (4, 5)), ((5, 9), (7, 4)), ((9, 4), (3, 6)),
                                 ((8, 9), (8, 9))]:
        out.append(("CenterCrop", {"height": h, "width": w}, image(rng, rows, cols)))
        out.append(("RandomCrop", {"height": h, "width": w, "seed": 3}, image(rng, rows, cols)))
    return out


def ops_cases(rng):
    """keras.ops.image.resize calls (kwargs), on one image or a batch, either data format."""
    return [
        ({"size": (5, 4), "interpolation": "bicubic"}, image(rng, 7, 9)),
        ({"size": (9, 12), "interpolation": "lanczos5", "antialias": True}, image(rng, 6, 6)[0]),
        ({"size": (3, 3), "interpolation": "area", "crop_to_aspect_ratio": True},
         image(rng, 8, 5)),
        ({"size": (4, 8), "pad_to_aspect_ratio": True, "fill_value": 3.0,
          "data_format": "channels_first"}, image(rng, 6, 6, fmt="channels_first")),
    ]


def clahe_cases(rng):
    """Keras 3's CLAHE: grids that divide the image or need symmetric padding, clip limits
    (0: none), value ranges, channels first; and MaxNumBoundingBoxes on images."""
    out = []
    for grid, limit, value_range, rows, cols in [((8, 8), 4.0, (0, 255), 16, 16),
                                                 ((3, 4), 2.0, (0, 255), 13, 17),
                                                 ((2, 2), 0.0, (0, 255), 7, 9),
                                                 ((4, 3), 40.0, (0, 1), 10, 11),
                                                 ((1, 1), 3.0, (-1, 1), 6, 5)]:
        lo, hi = value_range
        x = (image(rng, rows, cols) / 255 * (hi - lo) + lo).astype(np.float32)
        out.append(("ContrastLimitedAdaptiveHistogramEqualization",
                    {"tile_grid_size": grid, "clip_limit": limit, "value_range": value_range},
                    x))
    out.append(("ContrastLimitedAdaptiveHistogramEqualization",
                {"tile_grid_size": (2, 3), "data_format": "channels_first"},
                image(rng, 9, 10, fmt="channels_first")))
    out.append(("MaxNumBoundingBoxes", {"max_number": 5}, image(rng, 5, 6)))
    return out


def main() -> None:
    import keras
    import tf_keras

    assert keras.__version__.startswith("3."), keras.__version__
    rng = np.random.default_rng(0)
    index, arrays = [], {}
    for keras_name, module, cases in (("keras3", keras, keras3_cases(rng)),
                                      ("keras2", tf_keras, keras2_cases(rng))):
        for class_name, kwargs, x in cases:
            layer = getattr(module.layers, class_name)(**kwargs)
            y = np.asarray(layer(x, training=False))
            name = f"{len(index):03d}"
            config = layer.get_config()
            if keras_name == "keras3":
                config = json.loads(json.dumps(config))
            index.append({"name": name, "class_name": class_name, "keras": keras_name,
                          "config": json.loads(json.dumps(config, default=str))})
            arrays[f"{name}_x"] = x
            arrays[f"{name}_y"] = y
    for kwargs, x in ops_cases(rng):
        name = f"{len(index):03d}"
        index.append({"name": name, "class_name": "ops.image.resize", "keras": "keras3",
                      "config": json.loads(json.dumps(kwargs))})
        arrays[f"{name}_x"] = x
        arrays[f"{name}_y"] = np.asarray(keras.ops.image.resize(x, **kwargs))
    for class_name, kwargs, x in clahe_cases(rng):
        layer = getattr(keras.layers, class_name)(**kwargs)
        name = f"{len(index):03d}"
        index.append({"name": name, "class_name": class_name, "keras": "keras3",
                      "config": json.loads(json.dumps(layer.get_config(), default=str))})
        arrays[f"{name}_x"] = x
        arrays[f"{name}_y"] = np.asarray(layer(x, training=False))
    np.savez_compressed(OUT, index=json.dumps(index), **arrays)
    print(f"{len(index)} cases -> {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
