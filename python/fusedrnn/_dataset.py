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


def _text_files(directory: str, follow_links: bool) -> list[str]:
    """The .txt files under ``directory``, as Keras lists them: folder by folder in sorted
    order, each folder's files sorted."""
    found = []
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links),
                                 key=lambda entry: entry[0]):
        found += [os.path.join(root, name) for name in sorted(files)
                  if name.lower().endswith(".txt")]
    return found


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
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError(f"`labels` argument should be a list/tuple of integer labels, of the "
                         f"same size as the number of text files in the target directory, "
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
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split is None) != (subset is None):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in (None, "training", "validation", "both"):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if seed is None:
        seed = np.random.randint(1e6)  # noqa: NPY002 (as Keras draws it)
    paths, indices, class_names = _index_text_files(directory, labels, class_names,
                                                    follow_links)
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

    def part(which):
        if which is None:
            chosen = slice(None)
        elif which == "training":
            chosen = slice(None, len(paths) - num_val)
            if verbose:
                print(f"Using {len(paths) - num_val} files for training.")
        else:
            chosen = slice(len(paths) - num_val, None)
            if verbose:
                print(f"Using {num_val} files for validation.")
        files = paths[chosen]
        if not files:
            raise ValueError(f"No {'' if which is None else which + ' '}text files found in "
                             f"directory {directory}. Allowed format: .txt")
        return _text_batches(files, None if indices is None else indices[chosen],
                             label_mode, len(class_names), max_length, batch_size, class_names)

    if subset == "both":
        return [part("training"), part("validation")]
    return part(subset)


def _index_text_files(directory, labels, class_names, follow_links):
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
            found = _text_files(os.path.join(directory, name), follow_links)
            paths += found
            indices += [i] * len(found)
        return paths, indices, list(subdirs)
    paths = _text_files(directory, follow_links)
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
    if indices is None:
        ys = None
    elif label_mode == "int":
        ys = np.asarray(indices, np.int32)
    elif label_mode == "categorical":
        ys = np.eye(num_classes, dtype=np.float32)[np.asarray(indices)]
    else:
        ys = np.asarray(indices, np.float32)[:, None]
    if batch_size is None:  # the samples one by one, as an unbatched dataset gives them
        batches = texts if ys is None else list(zip(texts, ys))
    else:
        batches = []
        for start in range(0, len(texts), int(batch_size)):
            x = np.array(texts[start:start + int(batch_size)], dtype=object)
            batches.append(x if ys is None else (x, ys[start:start + int(batch_size)]))
    dataset = Batches(batches)
    dataset.class_names = class_names
    dataset.file_paths = list(files)
    return dataset
