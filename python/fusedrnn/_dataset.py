"""Datasets of batches: what Keras's tf.data pipelines hand to ``predict`` and ``evaluate``,
here as plain lists of NumPy batches (``utils.timeseries_dataset_from_array`` makes one)."""

from __future__ import annotations

import os

import numpy as np


class Batches:
    """A sequence of batches (arrays, or tuples ``(x, y)`` / ``(x, y, sample_weight)``):
    iterate it, ``len()`` it, ``take(n)``, ``as_numpy_iterator()``; ``model.predict`` and
    ``model.evaluate`` take it as they take a tf.data.Dataset."""

    def __init__(self, batches):
        self._batches = list(batches)

    def __iter__(self):
        return iter(self._batches)

    def __len__(self) -> int:
        return len(self._batches)

    def __getitem__(self, i):
        return self._batches[i]

    def take(self, count: int) -> Batches:
        """The first ``count`` batches (all of them for -1), as tf.data's ``take``."""
        return Batches(self._batches if count < 0 else self._batches[:count])

    def as_numpy_iterator(self):
        return iter(self._batches)

    def map(self, function, num_parallel_calls=None, deterministic=None) -> Batches:
        """Each batch through ``function`` (a tuple's parts as its arguments), as tf.data's
        ``map`` (``ds.map(lambda x, y: (vectorize(x), y))``)."""
        return Batches(function(*b) if isinstance(b, tuple) else function(b)
                       for b in self._batches)

    def prefetch(self, buffer_size=None) -> Batches:
        """Itself (the batches are in memory already)."""
        return self

    def cache(self, filename="") -> Batches:
        """Itself (the batches are in memory already)."""
        return self

    def __repr__(self) -> str:
        return f"<Batches: {len(self._batches)} batches>"


class PyDataset:
    """Keras 3's ``PyDataset`` (Keras 2's ``Sequence``): subclass it with ``__len__`` (the
    number of batches) and ``__getitem__(index)`` (batch ``index``: ``x``, or ``(x, y)`` /
    ``(x, y, sample_weight)``); ``predict`` and ``evaluate`` take it batch by batch, in
    order. ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are accepted (the
    batches are read in the calling thread)."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    @property
    def num_batches(self) -> int:
        return len(self)

    def on_epoch_end(self) -> None:
        pass

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def is_dataset(x) -> bool:
    """Batches, a PyDataset, or an iterator/generator of batches (not an array, list or
    dict of arrays, which are a model's inputs)."""
    return isinstance(x, (Batches, PyDataset)) or (hasattr(x, "__next__")
                                                    and hasattr(x, "__iter__"))


def _files(directory: str, follow_links: bool, formats: tuple[str, ...]) -> list[str]:
    """The files of ``formats`` under ``directory``, as Keras lists them: folder by folder in
    sorted order, each folder's files sorted."""
    found = []
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links),
                                 key=lambda entry: entry[0]):
        found += [os.path.join(root, name) for name in sorted(files)
                  if name.lower().endswith(formats)]
    return found


def _check_directory_arguments(labels, label_mode, class_names, validation_split, subset,
                               format) -> None:
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError(f"`labels` argument should be a list/tuple of integer labels, of the "
                         f"same size as the number of files in the target directory, "
                         f'"inferred" or None. Received: labels={labels}')
    if class_names is not None and labels != "inferred":
        raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. Received: '
                         f"labels={labels}, and class_names={class_names}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f'`label_mode` argument must be one of "int", "categorical", '
                         f'"binary", or None. Received: label_mode={label_mode}')
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: '
                         f"format={format}")
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split is None) != (subset is None):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in (None, "training", "validation", "both"):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")


def _directory_subsets(directory, labels, label_mode, class_names, formats, kind, shuffle,
                       seed, validation_split, subset, follow_links, verbose):
    """Keras's index of a folder of class subfolders: the files (listed, labelled, shuffled
    with ``np.random.RandomState(seed)`` and split as Keras does) of each requested subset,
    as (files, class indices or None) pairs, and the class names."""
    if seed is None:
        seed = np.random.randint(1e6)  # noqa: NPY002 (as Keras draws it)
    paths, indices, class_names = _index_files(directory, labels, class_names, follow_links,
                                               formats)
    if verbose:
        found = f"Found {len(paths)} files"
        print(found + ("." if indices is None else f" belonging to {len(class_names)} "
                                                   f"classes."))
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    if shuffle:
        np.random.RandomState(seed).shuffle(paths)
        if indices is not None:
            np.random.RandomState(seed).shuffle(indices)
    num_val = int(validation_split * len(paths)) if validation_split else 0
    parts = []
    for which in (("training", "validation") if subset == "both" else (subset,)):
        if which is None:
            chosen = slice(None)
        elif which == "training":
            chosen = slice(None, len(paths) - num_val)
        else:
            chosen = slice(len(paths) - num_val, None)
        if verbose and which is not None:
            count = len(paths) - num_val if which == "training" else num_val
            print(f"Using {count} files for {which}.")
        files = paths[chosen]
        if not files:
            raise ValueError(f"No {'' if which is None else which + ' '}{kind} files found in "
                             f"directory {directory}. Allowed formats: {formats}")
        parts.append((files, None if indices is None else indices[chosen]))
    return parts, class_names


def _labels(indices, label_mode, num_classes):
    if indices is None:
        return None
    if label_mode == "int":
        return np.asarray(indices, np.int32)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[np.asarray(indices)]
    return np.asarray(indices, np.float32)[:, None]


def _batched(samples: list, ys, batch_size, stack) -> list:
    """The samples one by one (``batch_size`` None), or batches of them, with their
    labels."""
    if batch_size is None:
        return samples if ys is None else list(zip(samples, ys))
    out = []
    for start in range(0, len(samples), int(batch_size)):
        x = stack(samples[start:start + int(batch_size)])
        out.append(x if ys is None else (x, ys[start:start + int(batch_size)]))
    return out


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None, shuffle=True,
                                seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """Keras's ``text_dataset_from_directory``: the ``.txt`` files of ``directory`` (one
    subfolder per class, in alphanumeric order, or ``class_names``'s), as :class:`Batches` of
    (texts, labels): texts a NumPy array of ``str`` (UTF-8; ``max_length`` keeps that many
    bytes of each), labels int32 (``"int"``), one-hot float32 (``"categorical"``), float32
    (n, 1) (``"binary"``), or none (``label_mode=None`` or ``labels=None``); ``labels`` may
    also list one integer per file. The files are listed and shuffled (``seed``) as Keras
    does and split as Keras splits them (``validation_split``, ``subset`` "training",
    "validation" or "both"), so each subset holds Keras's files; Keras then shuffles the
    samples again with tf.data, whose order fusedrnn does not reproduce. The dataset has
    ``class_names`` and ``file_paths``."""
    _check_directory_arguments(labels, label_mode, class_names, validation_split, subset,
                               format)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    parts, class_names = _directory_subsets(directory, labels, label_mode, class_names,
                                            (".txt",), "text", shuffle, seed,
                                            validation_split, subset, follow_links, verbose)
    datasets = [_text_batches(files, indices, label_mode, len(class_names), max_length,
                              batch_size, class_names) for files, indices in parts]
    return datasets if subset == "both" else datasets[0]


def _index_files(directory, labels, class_names, follow_links, formats):
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(f"The `class_names` passed did not match the names of the "
                                 f"subdirectories of the target directory. Expected: "
                                 f"{subdirs} (or a subset of it), but received: "
                                 f"class_names={class_names}")
            subdirs = list(class_names)
        paths, indices = [], []
        for i, name in enumerate(subdirs):
            found = _files(os.path.join(directory, name), follow_links, formats)
            paths += found
            indices += [i] * len(found)
        return paths, indices, list(subdirs)
    paths = _files(directory, follow_links, formats)
    if labels is None:
        return paths, None, []
    if len(labels) != len(paths):
        raise ValueError(f"Expected the lengths of `labels` to match the number of files in "
                         f"the target directory. len(labels) is {len(labels)} while we found "
                         f"{len(paths)} files in directory {directory}.")
    return paths, list(labels), [str(label) for label in sorted(set(labels))]


def _text_batches(files, indices, label_mode, num_classes, max_length, batch_size,
                  class_names) -> Batches:
    texts = []
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        if max_length is not None:
            data = data[:max_length]
        texts.append(data.decode("utf-8", errors="ignore"))
    dataset = Batches(_batched(texts, _labels(indices, label_mode, num_classes), batch_size,
                               lambda part: np.array(part, dtype=object)))
    dataset.class_names = class_names
    dataset.file_paths = list(files)
    return dataset


IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf",
                                 verbose=True):
    """Keras's ``image_dataset_from_directory``: the .bmp, .gif (first frame), .jpeg, .jpg
    and .png files of ``directory`` as :class:`Batches` of (images, labels): images float32
    (batch, height, width, channels) (``color_mode`` rgb, rgba or grayscale; channels first
    with ``data_format``), each resized to ``image_size`` as ``tf.image.resize`` does with
    ``interpolation`` (``crop_to_aspect_ratio``: the centred window of that ratio first;
    ``pad_to_aspect_ratio``: ``tf.image.resize_with_pad``'s fit and zero padding); labels,
    listing, shuffling and splits as :func:`text_dataset_from_directory`. Pillow decodes the
    files (TensorFlow's JPEG decoder and its grayscale formula for colour files may differ
    by a level)."""
    from ._image_files import _pil
    from .layers._core import _data_format
    from .layers._image import INTERPOLATIONS

    _check_directory_arguments(labels, label_mode, class_names, validation_split, subset,
                               format)
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError(f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. '
                         f"Received: color_mode={color_mode}")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"unknown interpolation {interpolation!r}; expected one of "
                         f"{list(INTERPOLATIONS)}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set "
                         "to `True`.")
    data_format = _data_format(data_format)
    size = tuple(int(d) for d in image_size)
    image_module = _pil("image_dataset_from_directory")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    parts, class_names = _directory_subsets(directory, labels, label_mode, class_names,
                                            IMAGE_FORMATS, "image", shuffle, seed,
                                            validation_split, subset, follow_links, verbose)

    def load(path):
        with image_module.open(path) as image:
            image.seek(0)  # an animation's first frame
            mode = {3: "RGB", 4: "RGBA", 1: "L"}[channels]
            pixels = np.asarray(image.convert(mode) if image.mode != mode else image)
        pixels = pixels.reshape(*pixels.shape[:2], channels).astype(np.float32)
        out = _resized(pixels, size, interpolation, crop_to_aspect_ratio,
                       pad_to_aspect_ratio)
        return out.transpose(2, 0, 1) if data_format == "channels_first" else out

    datasets = []
    for files, indices in parts:
        images = [load(path) for path in files]
        dataset = Batches(_batched(images, _labels(indices, label_mode, len(class_names)),
                                   batch_size, np.stack))
        dataset.class_names = class_names
        dataset.file_paths = list(files)
        datasets.append(dataset)
    return datasets if subset == "both" else datasets[0]


def _resized(pixels, size, interpolation, crop, pad) -> np.ndarray:
    """One image (height, width, channels) resized as Keras's dataset loader does."""
    from .layers._image import resize_images
    from .utils import smart_resize

    if crop:
        return smart_resize(pixels, size, interpolation=interpolation)
    if not pad:
        return resize_images(pixels[None], *size, interpolation=interpolation)[0]
    # tf.image.resize_with_pad: fit inside the target keeping the aspect ratio (float32
    # arithmetic, sizes floored), then zeros around it, the odd pixel after
    f32 = np.float32
    height, width = f32(pixels.shape[0]), f32(pixels.shape[1])
    ratio = max(width / f32(size[1]), height / f32(size[0]))
    fit_height, fit_width = height / ratio, width / ratio
    top = max(0, int(np.floor((f32(size[0]) - fit_height) / f32(2))))
    left = max(0, int(np.floor((f32(size[1]) - fit_width) / f32(2))))
    fitted = resize_images(pixels[None], int(np.floor(fit_height)), int(np.floor(fit_width)),
                           interpolation=interpolation)[0]
    out = np.zeros((*size, pixels.shape[2]), np.float32)
    out[top:top + fitted.shape[0], left:left + fitted.shape[1]] = fitted
    return out
