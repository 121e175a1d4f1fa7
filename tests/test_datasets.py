"""``fusedrnn.datasets`` against Keras 3.15.1's loaders on the same small synthetic cache files
(tests/data/golden/datasets.json, written by tests/golden/generate_datasets_golden.py, which
also writes the files here): imdb and reuters with their shuffles, shifts and cuts, mnist,
fashion_mnist, boston_housing; a tampered file and a missing one."""

from __future__ import annotations

import io
import json
import os
import pickle
import sys
import zipfile

import numpy as np
import pytest

from fusedrnn import datasets

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "datasets.json")
with open(GOLDEN, encoding="utf-8") as _f:
    DATA = json.load(_f)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "golden"))
from generate_datasets_golden import plain, write_files  # noqa: E402  (the same files)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """The synthetic files, written once (CIFAR-10's six batches of 10,000 rows: 184 MB)."""
    root = tmp_path_factory.mktemp("keras_home")
    write_files(DATA["sources"], str(root))
    return root


@pytest.fixture
def keras_home(cache, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(cache))
    return cache


@pytest.mark.parametrize("case", DATA["cases"],
                         ids=[f"{c['loader']}-{c['kwargs']}" for c in DATA["cases"]])
def test_loaders_give_keras_arrays(case, keras_home):
    got = getattr(datasets, case["loader"]).load_data(**case["kwargs"])
    flat = [got[0][0], got[0][1], got[1][0], got[1][1]]
    for array, want in zip(flat, case["result"]):
        if "object" in want:
            assert array.dtype == object
        # the generator's own record of an array (values, or a large one's SHA-256)
        assert plain(array) == want


def test_word_indices_and_labels(keras_home):
    assert datasets.imdb.get_word_index() == DATA["word_index"]
    assert datasets.reuters.get_word_index() == DATA["word_index"]
    assert list(datasets.reuters.get_label_names()) == DATA["reuters_labels"]


def test_a_tampered_file_runs_no_code_and_a_missing_one_is_named(tmp_path, monkeypatch):
    keras_home = tmp_path
    os.makedirs(keras_home / "datasets")
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    class Gadget:  # a pickle that would call os.getcwd when loaded
        def __reduce__(self):
            return (os.getcwd, ())

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "|O", "fortran_order": False,
                                                  "shape": (1,)})
    pickle.dump(Gadget(), buffer)
    path = keras_home / "datasets" / "imdb.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("x_train", "y_train", "x_test", "y_test"):
            archive.writestr(f"{name}.npy", buffer.getvalue())
    with pytest.raises(pickle.UnpicklingError, match=r"names posix\.getcwd|names nt\.getcwd"):
        datasets.imdb.load_data()
    with pytest.raises(FileNotFoundError, match=r"mnist\.npz is not there"):
        datasets.mnist.load_data()
    with pytest.raises(ValueError, match="Invalid `test_split`"):
        datasets.boston_housing.load_data(test_split=1.0)
    with pytest.raises(ValueError, match="`label_mode` must be one of"):
        datasets.cifar100.load_data(label_mode="medium")


def test_damaged_files_and_bad_paths_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    os.makedirs(tmp_path / "datasets")
    (tmp_path / "datasets" / "imdb.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError, match=r"imdb\.npz' is not a readable \.npz file"):
        datasets.imdb.load_data()
    np.savez(tmp_path / "datasets" / "reuters.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match=r"has no array 'y'"):
        datasets.reuters.load_data()
    with pytest.raises(TypeError, match="`path` must be a file name"):
        datasets.imdb.load_data(path=None)
