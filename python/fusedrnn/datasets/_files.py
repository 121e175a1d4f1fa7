"""Reading the dataset files Keras caches, and the sequence datasets' shared preparation."""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np

from ..utils import get_file

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def cached(fname: str, *, cache_subdir: str = "datasets") -> str:
    """The path of a file Keras downloaded from its datasets' bucket."""
    if not isinstance(fname, (str, os.PathLike)):
        raise TypeError(f"`path` must be a file name (in Keras's cache) or a path; got "
                        f"{fname!r}")
    fname = os.fspath(fname)
    return get_file(fname, origin=_ORIGIN + os.path.basename(fname), cache_subdir=cache_subdir)


class ArraysOnly(pickle.Unpickler):
    """Rebuilds the NumPy arrays an object array's pickle stream holds, and nothing else: a
    stream that names any other class or function is refused (a tampered file cannot run
    code)."""

    _ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"),
                ("numpy.core.multiarray", "_reconstruct"),
                ("numpy._core.multiarray", "_reconstruct")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"the dataset file names {module}.{name}, which a "
                                         f"NumPy array does not need; refusing to load it")
        return super().find_class(module, name)


def _read_npy(data: bytes) -> np.ndarray:
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version in ((2, 0), (3, 0)):  # 3.0 only encodes the header's text otherwise
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise ValueError(f"unsupported .npy format version {version}")
    if dtype.hasobject:
        return ArraysOnly(stream).load()
    stream.seek(0)
    return np.lib.format.read_array(stream, allow_pickle=False)


def load_npz(path: str, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays ``names`` of an .npz file, object arrays included, as
    ``np.load(allow_pickle=True)`` gives them but without unpickling anything other than
    arrays. A damaged file, or one without those arrays, is a ValueError naming it."""
    try:
        with zipfile.ZipFile(path) as archive:
            arrays = {name[:-4]: _read_npy(archive.read(name))
                      for name in archive.namelist() if name.endswith(".npy")}
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ValueError(f"{path!r} is not a readable .npz file: {exc}") from exc
    missing = [n for n in names if n not in arrays]
    if missing:
        raise ValueError(f"{path!r} has no array {missing[0]!r} (it holds {sorted(arrays)})")
    return arrays


def shifted(xs, start_char, index_from) -> list:
    """Each sequence with ``index_from`` added to its word indices, after ``start_char``."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return [list(x) for x in xs]


def shorter_than(maxlen, xs, labels) -> tuple[list, list]:
    """The sequences shorter than ``maxlen`` (strictly, as Keras keeps them), and their
    labels."""
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def cut_vocabulary(xs, num_words, skip_top, oov_char) -> list:
    """Word indices outside ``[skip_top, num_words)`` replaced by ``oov_char`` (or dropped
    when it is None); ``num_words`` None: the largest index of all."""
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def shuffled(rng: np.random.RandomState, *arrays):
    """The arrays in one random order (Keras's: ``rng.shuffle`` of their indices)."""
    order = np.arange(len(arrays[0]))
    rng.shuffle(order)
    return [a[order] for a in arrays]
