"""Record what Keras 3's ``image_dataset_from_directory`` makes of a small folder of images,
for tests/test_image_dataset.py: unshuffled batches for colour modes, interpolations, crop
and pad to the aspect ratio, label modes and channels first; with shuffling and a split,
which files each subset holds.

NOT run by CI and not collected by pytest. It needs TensorFlow, Keras 3 and Pillow::

    /tmp/tfenv/bin/python tests/golden/generate_image_dataset_golden.py

The folder is made by ``write_tree`` (PNG in several modes, a two-frame GIF, a JPEG in a
class of its own, a file of another format); writes tests/data/golden/image_dataset/
keras.npz (per case its images and labels) and cases.json (the cases and the file order).
"""

from __future__ import annotations

import json
import os
import tempfile

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "image_dataset")

CASES = [
    ("rgb_bilinear", {"image_size": (5, 7)}),
    # TensorFlow decodes GIFs to RGB only and JPEGs to no RGBA: those cases leave them out
    ("grayscale_nearest", {"image_size": (6, 4), "color_mode": "grayscale",
                           "interpolation": "nearest", "label_mode": "categorical",
                           "class_names": ["cats", "dogs", "photos"]}),
    ("rgba_bicubic", {"image_size": (8, 8), "color_mode": "rgba", "interpolation": "bicubic",
                      "class_names": ["dogs", "cats"]}),
    ("area_channels_first", {"image_size": (3, 5), "interpolation": "area",
                             "data_format": "channels_first", "batch_size": 3}),
    ("crop", {"image_size": (6, 6), "crop_to_aspect_ratio": True}),
    ("pad", {"image_size": (7, 4), "pad_to_aspect_ratio": True}),
    ("pad_wide", {"image_size": (3, 9), "pad_to_aspect_ratio": True, "interpolation": "nearest"}),
    ("lanczos3_unbatched", {"image_size": (4, 6), "interpolation": "lanczos3",
                            "batch_size": None}),
    ("no_labels", {"image_size": (4, 4), "labels": None}),
]
SPLIT = ("training", {"image_size": (4, 4), "seed": 5, "validation_split": 0.4,
                      "shuffle": True, "subset": "training"})


def write_tree(root: str) -> str:
    from PIL import Image

    rng = np.random.default_rng(17)

    def pixels(h, w, c):
        return rng.integers(0, 256, (h, w, c), dtype=np.uint8)

    os.makedirs(os.path.join(root, "cats"), exist_ok=True)
    os.makedirs(os.path.join(root, "dogs"), exist_ok=True)
    os.makedirs(os.path.join(root, "photos"), exist_ok=True)
    Image.fromarray(pixels(9, 12, 3), "RGB").save(os.path.join(root, "cats", "a.png"))
    Image.fromarray(pixels(10, 6, 1)[:, :, 0], "L").save(os.path.join(root, "cats", "b.png"))
    Image.fromarray(pixels(7, 7, 4), "RGBA").save(os.path.join(root, "cats", "c.PNG"))
    Image.fromarray(pixels(5, 11, 3), "RGB").save(os.path.join(root, "dogs", "d.png"))
    frames = [Image.fromarray(pixels(8, 9, 3), "RGB").convert("P") for _ in range(2)]
    os.makedirs(os.path.join(root, "gifs"), exist_ok=True)
    frames[0].save(os.path.join(root, "gifs", "e.gif"), save_all=True,
                   append_images=frames[1:])
    Image.fromarray(pixels(6, 6, 3), "RGB").save(os.path.join(root, "dogs", "f.webp"))
    smooth = np.linspace(0, 255, 12 * 15 * 3).reshape(12, 15, 3).astype(np.uint8)
    Image.fromarray(smooth, "RGB").save(os.path.join(root, "photos", "g.jpg"), quality=95)
    return root


def main() -> None:
    import keras

    root = write_tree(tempfile.mkdtemp())
    arrays, cases = {}, []
    for name, kwargs in [*CASES, SPLIT]:
        ds = keras.utils.image_dataset_from_directory(
            root, verbose=False, **({"shuffle": False} | kwargs))
        images, labels = [], []
        for item in ds:
            x, y = item if isinstance(item, tuple) else (item, None)
            images.append(np.asarray(x))
            if y is not None:
                labels.append(np.asarray(y))
        arrays[f"{name}_x"] = np.stack(images) if kwargs.get("batch_size", 32) is None \
            else np.concatenate(images)
        if labels:
            arrays[f"{name}_y"] = np.stack(labels) if kwargs.get("batch_size", 32) is None \
                else np.concatenate(labels)
        cases.append({"name": name, "kwargs": {k: list(v) if isinstance(v, tuple) else v
                                               for k, v in kwargs.items()},
                      "batches": [len(np.atleast_1d(np.asarray(x)[..., 0, 0, 0]))
                                  if kwargs.get("batch_size", 32) is not None else 1
                                  for x in images],
                      "class_names": list(getattr(ds, "class_names", None) or []),
                      "files": [os.path.relpath(p, root) for p in ds.file_paths]
                      if hasattr(ds, "file_paths") else None})
    os.makedirs(OUT, exist_ok=True)
    np.savez(os.path.join(OUT, "keras.npz"), **arrays)
    with open(os.path.join(OUT, "cases.json"), "w", encoding="utf-8") as f:
        json.dump({"keras_version": keras.__version__, "cases": cases}, f)
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
