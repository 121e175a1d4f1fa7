"""``keras.utils`` for inference code: ``pad_sequences``, ``to_categorical``, ``normalize``,
``smart_resize``, ``set_random_seed``, and the custom-object registry of ``keras.saving``."""

from __future__ import annotations

import os
import random
import sys

import numpy as np

from ._dataset import (
    Batches,
    PyDataset,
    image_dataset_from_directory,
    text_dataset_from_directory,
)
from ._dtypes import standardize_dtype
from ._image_files import array_to_img, img_to_array, load_img, save_img
from .layers._initializers import set_global_seed
from .preprocessing.sequence import pad_sequences
from .saving import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)

__all__ = ["Batches", "CustomObjectScope", "PyDataset", "Sequence", "array_to_img",
           "clear_session", "img_to_array", "load_img", "save_img",
           "custom_object_scope", "deserialize_keras_object", "disable_interactive_logging",
           "enable_interactive_logging", "get_custom_objects", "get_file",
           "get_registered_name", "get_registered_object", "get_source_inputs",
           "image_dataset_from_directory",
           "is_interactive_logging_enabled", "is_keras_tensor", "normalize",
           "pack_x_y_sample_weight", "pad_sequences", "plot_model",
           "register_keras_serializable", "serialize_keras_object", "set_random_seed",
           "smart_resize", "standardize_dtype", "text_dataset_from_directory",
           "timeseries_dataset_from_array",
           "to_categorical", "unpack_x_y_sample_weight"]


Sequence = PyDataset  # Keras 2's name (Keras 3 keeps it as an alias)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Keras's sliding windows over a series, batched: window ``i`` holds
    ``data[s + i*stride : s + i*stride + sequence_length*sampling_rate : sampling_rate]``
    (``s`` = start_index) and, with ``targets``, is paired with ``targets[s + i*stride]``.
    Returns :class:`Batches` (of ``x`` or ``(x, y)``; single windows for ``batch_size=None``),
    which ``model.predict`` and ``model.evaluate`` take. ``shuffle`` shuffles the windows
    with NumPy's generator seeded by ``seed`` (not in Keras's order: Keras shuffles with
    TensorFlow's)."""
    n = len(data)
    start = start_index or 0
    end = n if end_index is None else end_index
    for name, value in (("sequence_length", sequence_length),
                        ("sequence_stride", sequence_stride), ("sampling_rate", sampling_rate)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"timeseries_dataset_from_array: {name} must be a positive int, "
                             f"got {value!r}")
    if not 0 <= start < n:
        raise ValueError(f"timeseries_dataset_from_array: start_index must be in [0, {n}), "
                         f"got {start_index}")
    if end_index is not None and not (start < end_index < n):
        raise ValueError(f"timeseries_dataset_from_array: end_index must be above "
                         f"start_index and below the data's length {n}, got {end_index}")
    if sampling_rate >= n or sequence_stride >= n:
        raise ValueError(f"timeseries_dataset_from_array: sampling_rate and sequence_stride "
                         f"must be below the data's length {n}")
    if batch_size is not None and (isinstance(batch_size, bool) or batch_size < 1):
        raise ValueError(f"timeseries_dataset_from_array: batch_size must be a positive int "
                         f"or None, got {batch_size!r}")
    data = np.asarray(data)
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets))
    positions = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        np.random.default_rng(seed).shuffle(positions)
    windows = start + positions[:, None] + np.arange(sequence_length) * sampling_rate
    x = data[windows]
    y = None if targets is None else targets[start + positions]
    if batch_size is None:
        return Batches(zip(x, y) if y is not None else x)
    cuts = range(0, len(x), batch_size)
    return Batches([(x[i:i + batch_size], y[i:i + batch_size]) if y is not None
                    else x[i:i + batch_size] for i in cuts])


def to_categorical(x, num_classes=None) -> np.ndarray:
    """One-hot rows (float64) for integer class labels ``x`` (any shape; a trailing axis of 1
    is dropped first, as Keras does), with ``num_classes`` columns (default ``max(x) + 1``)."""
    labels = np.asarray(x)
    if labels.dtype == object or not (np.issubdtype(labels.dtype, np.integer)
                                      or np.issubdtype(labels.dtype, np.floating)
                                      or labels.dtype == bool):
        raise ValueError(f"to_categorical: x must hold integer class labels, got dtype "
                         f"{labels.dtype}")
    if labels.size and np.issubdtype(labels.dtype, np.floating) and not np.array_equal(
            labels, np.floor(labels)):
        raise ValueError("to_categorical: x must hold whole-number class labels; got "
                         "fractions")
    labels = labels.astype(np.int64)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1)
    if num_classes is None or num_classes == 0:  # Keras: `if not num_classes`
        num_classes = int(flat.max()) + 1 if flat.size else 0
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
            or num_classes < 0:
        raise ValueError(f"to_categorical: num_classes must be a positive int, got "
                         f"{num_classes!r}")
    if flat.size and (flat.min() < 0 or flat.max() >= num_classes):
        bad = flat[(flat < 0) | (flat >= num_classes)][0]
        raise ValueError(f"to_categorical: label {bad} is outside [0, {num_classes})")
    out = np.zeros((flat.size, int(num_classes)))
    out[np.arange(flat.size), flat] = 1
    return out.reshape(*shape, int(num_classes))


def normalize(x, axis=-1, order=2) -> np.ndarray:
    """``x`` divided by its ``order``-norm along ``axis`` (zero norms left as 1), as Keras 2's
    ``normalize`` (Keras 3's NumPy path treats ``axis=0`` as -1)."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Keras's ``smart_resize``: one image (rank 3) or a batch (rank 4) cropped to the largest
    centred window of the target aspect ratio, then resized to ``size`` (height, width) as
    ``tf.image.resize`` does with ``interpolation``; float32."""
    from .layers._image import Resizing

    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"smart_resize: expected an image of shape (height, width, channels) "
                         f"or a batch of them (rank 4); got shape {x.shape}")
    if len(size) != 2:
        raise ValueError(f"smart_resize: `size` must be (height, width); got {size!r}")
    layer = Resizing(int(size[0]), int(size[1]), interpolation=interpolation,
                     crop_to_aspect_ratio=True, data_format=data_format)
    return layer(x.astype(np.float32, copy=False))


def set_random_seed(seed) -> None:
    """Seed Python's ``random``, NumPy's global generator and fusedrnn's weight initializers,
    so freshly built layers get the same weights in every run (as Keras's does for its own
    generators)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"set_random_seed: seed must be an int, got {seed!r} "
                         f"({type(seed).__name__})")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)  # noqa: NPY002 (NumPy's global generator, as Keras)
    set_global_seed(int(seed))


def clear_session(free_memory=True) -> None:
    """Start the names of unnamed metrics over ("auc", then "auc_1", ...) and the counters of
    ``backend.get_uid``, as Keras's does. fusedrnn keeps no graph or session, and names layers
    per model."""
    from .backend import _UIDS
    from .metrics import clear_names

    clear_names()
    _UIDS.clear()


# keras.utils has keras.config's switches of the progress bars too
def enable_interactive_logging() -> None:
    from . import config

    config.enable_interactive_logging()


def disable_interactive_logging() -> None:
    from . import config

    config.disable_interactive_logging()


def is_interactive_logging_enabled() -> bool:
    from . import config

    return config.is_interactive_logging_enabled()


def is_keras_tensor(x) -> bool:
    """Whether ``x`` is a symbolic tensor (from ``Input`` or a layer's symbolic call)."""
    from .backend import is_keras_tensor as check

    return check(x)


def get_source_inputs(tensor) -> list:
    """The ``Input`` tensors a symbolic tensor is computed from, in the order a walk back
    through the layers meets them (an Input itself gives ``[tensor]``)."""
    from .layers import KerasTensor

    if not isinstance(tensor, KerasTensor):
        raise ValueError(f"get_source_inputs takes a KerasTensor; got "
                         f"{type(tensor).__name__}")
    sources: list = []
    seen: set = set()

    def walk(t) -> None:
        if id(t) in seen:
            return
        seen.add(id(t))
        parents = [] if t._node is None else t._node.parent_tensors
        if not parents:
            sources.append(t)
        for parent in parents:
            walk(parent)

    walk(tensor)
    return sources


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Keras's data tuple: ``x`` alone, ``(x, y)`` or ``(x, y, sample_weight)``; an ``x``
    that is itself a list or tuple (several inputs) alone is wrapped, ``(x,)``, so it is not
    taken for ``(x, y)``."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a data tuple of one to three parts, None for those
    missing; anything other than a list or tuple is ``x``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Keras's ``get_file`` for files already in its cache: the path of
    ``<cache_dir>/<cache_subdir>/<fname>`` (``~/.keras/datasets`` by default, or
    ``$KERAS_HOME``), as Keras returns it once it has downloaded the file. fusedrnn never
    downloads (a server has no business fetching at run time): a file not there is a
    FileNotFoundError naming where to put it."""
    if fname is None:
        if origin is None:
            raise ValueError("get_file needs fname or origin")
        fname = os.path.basename(str(origin).split("?")[0])
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    path = os.path.join(os.path.expanduser(cache_dir), cache_subdir, str(fname))
    candidates = [path]
    if untar or extract:  # Keras keeps the extracted folder beside the archive
        base = path[:-len(".tar.gz")] if path.endswith(".tar.gz") else os.path.splitext(path)[0]
        candidates = [base, path + "_extracted", path]
    for candidate in candidates:
        if os.path.exists(candidate) and not force_download:
            return candidate
    raise FileNotFoundError(f"get_file: {path} is not there, and fusedrnn does not download "
                            f"(origin {origin!r}): fetch it once, e.g. with Keras, or copy "
                            f"it there")


def plot_model(model, to_file="model.png", *args, **kwargs):
    """What Keras's ``plot_model`` does without pydot and graphviz: in a notebook, prints
    that it cannot draw and returns None; elsewhere raises ImportError. (fusedrnn does not
    draw models; ``model.summary()`` shows the same structure as text.)"""
    message = ("You must install pydot (`pip install pydot`) for `plot_model` to work; "
               "fusedrnn does not draw models: model.summary() shows the layers as text.")
    if "IPython.core.magics.namespace" in sys.modules:
        print(message)
        return None
    raise ImportError(message)
