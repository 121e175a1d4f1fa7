"""torch_compat.load_state_dict reads what torch.save and safetensors wrote without torch
(tests/data/torch_files, written by tests/golden/generate_torch_files.py with torch 2.14.1):
every tensor equal to torch's, checkpoints' other values kept, and the layers built from a
torch_spec description and the file compute what the torch modules computed. Files that
would need code to load are refused, naming what they hold."""

from __future__ import annotations

import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from fusedrnn import layers
from fusedrnn.models import Sequential
from fusedrnn.torch_compat import layers_from_torch, load_state_dict, model_from_torch

HERE = os.path.join(os.path.dirname(__file__), "data", "torch_files")
EXPECTED = np.load(os.path.join(HERE, "expected.npz"))
with open(os.path.join(HERE, "specs.json")) as _f:
    SPECS = json.load(_f)


def _path(name):
    return os.path.join(HERE, name)


@pytest.mark.parametrize("name", ["tensors.pt", "tensors.safetensors"])
def test_every_dtype_and_view_is_torch_own(name):
    got = load_state_dict(_path(name))
    want = {k[len("tensors."):]: EXPECTED[k] for k in EXPECTED.files
            if k.startswith("tensors.")}
    if name.endswith(".safetensors"):  # no complex numbers there; views saved contiguous
        want = {k: v for k, v in want.items() if k not in ("complex64", "shared")}
    assert sorted(got) == sorted(want)
    for key, value in want.items():
        assert got[key].dtype == value.dtype, key
        assert got[key].shape == value.shape, key
        np.testing.assert_array_equal(got[key], value, err_msg=key)
        assert got[key].flags.writeable, key  # a copy, not a view of the file's bytes


def test_views_of_one_storage_are_independent_copies():
    got = load_state_dict(_path("tensors.pt"))
    np.testing.assert_array_equal(got["transposed"], got["shared"].T)
    np.testing.assert_array_equal(got["offset_view"], got["shared"][1:3, 2:5])
    got["shared"][0, 0] = -1.0
    assert got["transposed"][0, 0] == 0.0


def test_a_checkpoint_keeps_its_other_values():
    got = load_state_dict(_path("checkpoint.pt"))
    assert {k: got[k] for k in ("epoch", "lr", "history", "flags", "name")} == {
        "epoch": 7, "lr": 0.01, "history": [0.5, 0.25], "flags": {"best": True},
        "name": "mlp"}
    assert list(got["model"]) == ["0.weight", "0.bias", "2.weight", "2.bias", "3.weight",
                                  "3.bias"]


@pytest.mark.parametrize("name", ["tagger.pt", "tagger.safetensors"])
def test_tagger_served_without_torch_is_torch(name):
    """Embedding -> 2-layer bidirectional GRU -> Linear, a module with named parts: each
    part's description and the one state dict (its names prefixed by the part's)."""
    sd = load_state_dict(_path(name))
    for key in sd:
        np.testing.assert_array_equal(sd[key], EXPECTED[f"tagger.{key}"])
    parts = [layers_from_torch(SPECS[part], state_dict=sd, prefix=f"{part}.")
             for part in ("embed", "rnn", "head")]
    model = Sequential([layers.Input((7,), dtype="int32")] + [x for p in parts for x in p])
    got = model.predict(EXPECTED["tagger_x"], verbose=0)
    np.testing.assert_allclose(got, EXPECTED["tagger_y"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["mlp.pt", "mlp.safetensors"])
def test_sequential_served_without_torch_is_torch(name):
    model = model_from_torch(SPECS["mlp"], (6,), state_dict=load_state_dict(_path(name)))
    got = model.predict(EXPECTED["mlp_x"], verbose=0)
    np.testing.assert_allclose(got, EXPECTED["mlp_y"], rtol=1e-5, atol=1e-6)


def test_checkpoint_state_dict_builds_the_model():
    ckpt = load_state_dict(_path("checkpoint.pt"))
    model = model_from_torch(SPECS["mlp"], (6,), state_dict=ckpt["model"])
    np.testing.assert_allclose(model.predict(EXPECTED["mlp_x"], verbose=0), EXPECTED["mlp_y"],
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("name", "match"), [
    ("whole_module.pt", "whole torch module \\(torch.nn.modules.container.Sequential\\); "
                        "fusedrnn reads state dicts"),
    ("legacy.pt", "legacy format"),
    ("scripted.pt", "TorchScript archive"),
    ("specs.json", "neither a torch.save zip file nor a safetensors file"),
])
def test_files_that_need_code_are_refused(name, match):
    with pytest.raises(ValueError, match=match):
        load_state_dict(_path(name))


def _rewritten(tmp_path, source, edit):
    """A copy of a torch.save zip file with its data.pkl (or other entries) edited."""
    out = tmp_path / "edited.pt"
    with zipfile.ZipFile(_path(source)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.namelist():
            data = edit(item, zin.read(item))
            if data is not None:
                zout.writestr(item, data)
    return out


def test_code_in_the_pickle_is_refused_not_run(tmp_path):
    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    evil = pickle.dumps({"w": Boom()}, protocol=2)
    path = _rewritten(tmp_path, "mlp.pt",
                      lambda item, data: evil if item.endswith("data.pkl") else data)
    with pytest.raises(ValueError, match="holds posix.system|holds os.system|holds nt.system"):
        load_state_dict(path)


def test_damaged_files_are_refused(tmp_path):
    missing = _rewritten(tmp_path, "mlp.pt",
                         lambda item, data: None if item.endswith("data/0") else data)
    with pytest.raises(ValueError, match="no data for storage '0'"):
        load_state_dict(missing)
    short = tmp_path / "short.pt"
    short = _rewritten(tmp_path, "mlp.pt",
                       lambda item, data: data[:3] if item.endswith("data/0") else data)
    with pytest.raises(ValueError, match="storage '0' holds 3 bytes"):
        load_state_dict(short)
    bad = tmp_path / "bad.safetensors"
    with open(_path("mlp.safetensors"), "rb") as f:
        raw = f.read()
    header = json.loads(raw[8:8 + int.from_bytes(raw[:8], "little")])
    header["0.weight"]["shape"] = [9, 9]
    text = json.dumps(header).encode()
    bad.write_bytes(len(text).to_bytes(8, "little") + text
                    + raw[8 + int.from_bytes(raw[:8], "little"):])
    with pytest.raises(ValueError, match="'0.weight' of shape \\(9, 9\\) does not match"):
        load_state_dict(bad)


def test_a_description_needs_weights():
    with pytest.raises(ValueError, match="description of torch Linear has no weights"):
        layers_from_torch(SPECS["head"])
    sd = load_state_dict(_path("tagger.pt"))
    with pytest.raises(ValueError, match="weights of torch Linear have no 'weight'"):
        layers_from_torch(SPECS["head"], state_dict=sd, prefix="nothing.")
    with pytest.raises(TypeError, match="state_dict must be a mapping"):
        layers_from_torch(SPECS["head"], state_dict=[1, 2])


@pytest.mark.parametrize("name", ["mlp.pt", "mlp.safetensors"])
def test_damaged_bytes_give_a_value_error(name, tmp_path):
    """Random bytes changed or the file cut short: the file reads as before or ValueError
    names it (never another exception, a crash or a hang)."""
    with open(_path(name), "rb") as f:
        raw = f.read()
    rng = np.random.default_rng(5)
    for trial in range(150):
        data = bytearray(raw)
        for _ in range(int(rng.integers(1, 12))):
            data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
        if trial % 3 == 0:
            data = data[:int(rng.integers(1, len(data)))]
        path = tmp_path / name
        path.write_bytes(bytes(data))
        message = str(path)
        try:
            load_state_dict(path)
        except ValueError as exc:
            message = str(exc)
        assert str(path) in message
