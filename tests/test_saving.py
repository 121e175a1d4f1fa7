"""Loading weight files written by real Keras (tests/data/keras_files, made by
tests/golden/generate_keras_files.py with Keras 3.15.1 and, ``--keras2``, with tf_keras 2.21):
each architecture rebuilt with fusedrnn, its weights loaded from the .weights.h5, .keras and
legacy .h5 files of Keras 3 and the .h5 files of Keras 2, must predict what Keras predicted."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from fusedrnn import layers
from fusedrnn.models import Model, Sequential
from tolerances import FP32_SHORT, assert_close

h5py = pytest.importorskip("h5py", reason="h5py is in the test extra")

DATA = os.path.join(os.path.dirname(__file__), "data", "keras_files")
sys.path.insert(0, DATA)
from cases import CASES  # noqa: E402

FORMATS = [".weights.h5", ".keras", ".h5", ".keras2.h5", ".keras2_weights.h5"]


def build(name):
    make, _ = CASES[name]
    return make(layers, Sequential, Model, layers.Input)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_keras_files_load_and_predict_like_keras(name, fmt):
    golden = np.load(os.path.join(DATA, f"{name}{'.keras2' if 'keras2' in fmt else ''}.npz"))
    model = build(name)
    before = model.predict(golden["x"], verbose=0)
    model.load_weights(os.path.join(DATA, name + fmt))
    got = model.predict(golden["x"], verbose=0)
    assert not np.allclose(before, golden["y"], atol=1e-3)  # the load is what makes them agree
    assert_close(got, golden["y"], FP32_SHORT, f"{name}{fmt} prediction")


def test_weights_h5_arrays_land_in_keras_order():
    """Every array of the .weights.h5 file ends up in get_weights(), in Keras's order."""
    model = build("stack")
    model.load_weights(os.path.join(DATA, "stack.weights.h5"))
    with h5py.File(os.path.join(DATA, "stack.weights.h5"), "r") as f:
        want = [f["layers/lstm/cell/vars"][k][()] for k in "012"]
        for side in ("forward_layer", "backward_layer"):
            want += [f[f"layers/bidirectional/{side}/cell/vars"][k][()] for k in "012"]
        want += [f["layers/dense/vars"][k][()] for k in "01"]
    got = model.get_weights()
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_architecture_names_the_layer_and_shapes(fmt):
    model = Sequential([
        layers.Input((5, 4)), layers.Masking(), layers.LSTM(7, return_sequences=True),
        layers.Bidirectional(layers.GRU(3)), layers.Dense(2),
    ])
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"'lstm.*\(4, 28\)"):
        model.load_weights(os.path.join(DATA, "stack" + fmt))
    for b, a in zip(before, model.get_weights()):  # nothing was set
        np.testing.assert_array_equal(a, b)


def test_missing_layer_and_bad_files(tmp_path):
    short = Sequential([layers.Input((4, 3)), layers.GRU(5, reset_after=False)])
    with pytest.raises(ValueError, match="2 layers .* 1 layers"):
        short.load_weights(os.path.join(DATA, "options.h5"))
    with pytest.raises(ValueError, match="no weights for layer"):
        Sequential([layers.Input((4, 3)), layers.SimpleRNN(5)]).load_weights(
            os.path.join(DATA, "options.weights.h5"))
    with pytest.raises(FileNotFoundError, match="no such weights file"):
        short.load_weights(tmp_path / "missing.weights.h5")
    junk = tmp_path / "junk.weights.h5"
    junk.write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="not an HDF5 weights file"):
        short.load_weights(junk)


@pytest.mark.parametrize("fmt", [".keras", ".h5", ".keras2.h5"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_load_model_rebuilds_and_predicts_like_keras(name, fmt):
    from fusedrnn.models import load_model

    golden = np.load(os.path.join(DATA, f"{name}{'.keras2' if 'keras2' in fmt else ''}.npz"))
    model = load_model(os.path.join(DATA, name + fmt))
    expected_type = Model if name == "functional" else Sequential
    assert type(model) is expected_type
    assert [type(layer).__name__ for layer in model._weight_layers()] == [
        type(layer).__name__ for layer in build(name)._weight_layers()]
    assert_close(model.predict(golden["x"], verbose=0), golden["y"], FP32_SHORT,
                 f"load_model({name}{fmt})")


def _rewrite_keras_config(src, dst, edit):
    import json
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            zout.writestr(item, data)


def test_load_model_rejects_what_it_cannot_rebuild(tmp_path):
    from fusedrnn.models import load_model

    with pytest.raises(ValueError, match="holds no model config"):
        load_model(os.path.join(DATA, "stack.weights.h5"))
    with pytest.raises(ValueError, match="holds no model config"):
        load_model(os.path.join(DATA, "stack.keras2_weights.h5"))

    def unknown_layer(config):
        config["config"]["layers"][2]["class_name"] = "ConvLSTM1D"

    path = tmp_path / "unknown.keras"
    _rewrite_keras_config(os.path.join(DATA, "stack.keras"), path, unknown_layer)
    with pytest.raises(ValueError, match="'ConvLSTM1D' layer, which fusedrnn does not have"):
        load_model(path)

    def quantized(config):
        config["config"]["layers"][-1]["config"]["quantization_config"] = {"mode": "int8"}

    path = tmp_path / "quantized.keras"
    _rewrite_keras_config(os.path.join(DATA, "stack.keras"), path, quantized)
    with pytest.raises(ValueError, match="quantization_config"):
        load_model(path)

    def unknown_option(config):
        config["config"]["layers"][2]["config"]["dilation"] = 2

    path = tmp_path / "option.keras"
    _rewrite_keras_config(os.path.join(DATA, "stack.keras"), path, unknown_option)
    with pytest.raises(ValueError, match="cannot rebuild the saved LSTM layer.*dilation"):
        load_model(path)


def test_keras2_hard_sigmoid_is_flagged(tmp_path):
    """Keras 2's hard_sigmoid is clip(0.2 x + 0.5), Keras 3's (fusedrnn's) clip(x / 6 + 0.5):
    a Keras 2 model using it loads with a warning saying its outputs will differ."""
    import json
    import shutil
    import warnings

    from fusedrnn.models import load_model

    src = os.path.join(DATA, "stack.keras2.h5")
    load_model(src)  # sigmoid only: no warning (warnings are errors in this suite)
    path = tmp_path / "hard.keras2.h5"
    shutil.copy(src, path)
    with h5py.File(path, "r+") as root:
        config = json.loads(root.attrs["model_config"])
        lstm = next(c for c in config["config"]["layers"] if c["class_name"] == "LSTM")
        lstm["config"]["recurrent_activation"] = "hard_sigmoid"
        root.attrs["model_config"] = json.dumps(config)
    with pytest.warns(UserWarning, match=r"Keras 2\.21\.0 and uses hard_sigmoid"):
        model = load_model(path)
    assert model.layers[1].recurrent_activation == "hard_sigmoid"
    path3 = tmp_path / "hard.h5"  # the same config in a file Keras 3 saved: no warning
    shutil.copy(path, path3)
    with h5py.File(path3, "r+") as root:
        root.attrs["keras_version"] = "3.15.1"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(path3)


def test_load_model_names_the_file_when_its_config_is_not_a_json_object(tmp_path):
    import zipfile

    from fusedrnn.models import load_model

    for text, match in (("{not json", "is not valid JSON"), ("[1, 2]", "is a JSON list")):
        path = tmp_path / "bad.keras"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", text)
        with pytest.raises(ValueError, match=rf"bad\.keras'?: the saved model config {match}"):
            load_model(path)
