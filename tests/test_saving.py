"""Loading weight files written by real Keras (tests/data/keras_files, made by
tests/golden/generate_keras_files.py with Keras 3.15.1 and, ``--keras2``, with tf_keras 2.21):
each architecture rebuilt with fusedrnn, its weights loaded from the .weights.h5, .keras and
legacy .h5 files of Keras 3 and the .h5 and .keras files of Keras 2, must predict what Keras
predicted."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

from fusedrnn import layers, ops
from fusedrnn.models import Model, Sequential
from tolerances import FP32_SHORT, assert_close

h5py = pytest.importorskip("h5py", reason="h5py is in the test extra")

DATA = os.path.join(os.path.dirname(__file__), "data", "keras_files")
sys.path.insert(0, DATA)
from cases import (  # noqa: E402
    CASES,
    KERAS3_ONLY,
    LAMBDA_CASES,
    NO_KERAS3_H5_FILE,
    NO_LEGACY_H5_MODEL,
    OPS_CASES,
)

FORMATS = [".weights.h5", ".keras", ".h5", ".keras2.h5", ".keras2.keras", ".keras2_weights.h5"]
MODEL_FORMATS = [".keras", ".h5", ".keras2.h5", ".keras2.keras"]


def pairs(names, formats, leave_out=()):
    """(case, file format) for each file the generator could write."""
    return [(name, fmt) for name in sorted(names) for fmt in formats
            if not (name in KERAS3_ONLY and "keras2" in fmt) and (name, fmt) not in leave_out
            and not (name in NO_KERAS3_H5_FILE and fmt == ".h5")]


def build(name, fmt=""):
    """The case's model written with fusedrnn; for a Keras 2 file, Keras 2's hard_sigmoid is
    fusedrnn's "hard_sigmoid_keras2" (and the ConvLSTM layers' default gate function)."""
    make, _ = CASES[name]
    if name == "hard_sigmoid" and "keras2" in fmt:
        return make(layers, Sequential, Model, layers.Input, hard="hard_sigmoid_keras2")
    if name in ("conv_lstm", "conv_lstm_1d_3d", "next_frame") and "keras2" in fmt:
        # Keras 2's default gate function
        return make(layers, Sequential, Model, layers.Input, recurrent="hard_sigmoid_keras2")
    if name == "image_preprocessing" and "keras2" in fmt:  # Keras 2's RandomCrop
        return make(layers, Sequential, Model, layers.Input, keras2=True)
    if name in OPS_CASES:
        return make(layers, Sequential, Model, layers.Input, ops=ops)
    return make(layers, Sequential, Model, layers.Input)


# Cases whose Keras 2 and Keras 3 files predict differently from the same weights and inputs,
# because the two versions' mask rules differ: Keras 2 gave an RNN called with initial_state
# its input's mask (seq2seq); its merge layers ignored masks in the values and ANDed them
# (siamese; Keras 3 lets masked steps count as 1 in Multiply and lose in Maximum/Minimum, and
# ORs the masks; nested_shared: the masks of the two calls of its encoder meet in a
# Concatenate).
# multi_head_attention: Keras 2's MultiHeadAttention leaves the masks on the tensors it reads,
# and weighs the values of a query step with nothing to attend to evenly on every path.
MASK_RULES_DIFFER = ("seq2seq", "siamese", "nested_shared", "multi_head_attention")


def golden(name, keras2=False):
    """The case's input (an array, or a list for several inputs) and Keras's prediction."""
    data = np.load(os.path.join(DATA, f"{name}{'.keras2' if keras2 else ''}.npz"))
    x = data["x"] if "x" in data else [data[f"x{j}"] for j in range(len(CASES[name][1]))]
    return x, data["y"]


# Keras 3's warning that a Lambda without mask= drops its input's mask (test_operations.py)
@pytest.mark.filterwarnings("ignore:Layer 'lambda.*destroy the mask:UserWarning")
@pytest.mark.parametrize(("name", "fmt"), pairs(CASES, FORMATS))
def test_keras_files_load_and_predict_like_keras(name, fmt):
    # A model written in Python follows Keras 3's mask rules. Where Keras 2's differ, the
    # weights of Keras 2's file (the same numbers as Keras 3's) give Keras 3's prediction.
    x, y = golden(name, keras2="keras2" in fmt and name not in MASK_RULES_DIFFER)
    model = build(name, fmt)
    before = model.predict(x, verbose=0)
    model.load_weights(os.path.join(DATA, name + fmt))
    got = model.predict(x, verbose=0)
    assert not np.allclose(before, y, atol=1e-3)  # the load is what makes them agree
    assert_close(got, y, FP32_SHORT, f"{name}{fmt} prediction")


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


@pytest.mark.parametrize(("name", "fmt"), pairs(
    set(CASES) - LAMBDA_CASES, MODEL_FORMATS, [(n, ".h5") for n in NO_LEGACY_H5_MODEL]))
def test_load_model_rebuilds_and_predicts_like_keras(name, fmt):
    from fusedrnn.models import load_model

    x, y = golden(name, keras2="keras2" in fmt)
    model = load_model(os.path.join(DATA, name + fmt))
    assert type(model) is type(build(name))
    assert [type(layer).__name__ for layer in model._weight_layers()] == [
        type(layer).__name__ for layer in build(name)._weight_layers()]
    assert_close(model.predict(x, verbose=0), y, FP32_SHORT, f"load_model({name}{fmt})")


@pytest.mark.parametrize(("name", "fmt"), pairs(LAMBDA_CASES, MODEL_FORMATS))
def test_load_model_names_the_lambda_layer_it_cannot_rebuild(name, fmt):
    """Keras saves a Lambda's function as bytecode; load_model says so and what to do (the
    same files' weights load into the model built in code: the test above)."""
    from fusedrnn.models import load_model

    with pytest.raises(ValueError, match=r"Lambda layer \('lambda.*'\).*bytecode.*"
                                         r"fusedrnn.layers.Lambda.*load_weights"):
        load_model(os.path.join(DATA, name + fmt))


@pytest.mark.parametrize("name", MASK_RULES_DIFFER)
def test_keras2_and_keras3_files_differ_where_their_mask_rules_do(name):
    """These files of the two Keras versions hold the same weights and inputs but different
    predictions (MASK_RULES_DIFFER), so each load_model test above checks its version's
    rules. Without padding (no mask anywhere) the two agree."""
    from fusedrnn.models import load_model

    (x3, y3), (x2, y2) = golden(name), golden(name, keras2=True)
    for a, b in zip(x3, x2):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(y3, y2, atol=1e-2)
    m3 = load_model(os.path.join(DATA, f"{name}.keras"))
    m2 = load_model(os.path.join(DATA, f"{name}.keras2.h5"))
    for a, b in zip(m3.get_weights(), m2.get_weights()):
        np.testing.assert_array_equal(a, b)
    # Both versions agree on unpadded inputs (no mask anywhere).
    full = [np.where(a == 0, 1.0, a) for a in x3]
    np.testing.assert_allclose(m3.predict(full, verbose=0), m2.predict(full, verbose=0),
                               rtol=1e-6, atol=1e-6)


def _rewrite_zip_member(src, dst, member, edit):
    """Copy the zip ``src`` to ``dst`` with the JSON ``member`` replaced by ``edit(json)``."""
    import json
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == member:
                data = json.dumps(edit(json.loads(data))).encode()
            zout.writestr(item, data)


def _rewrite_keras_config(src, dst, edit):
    """Copy the .keras file ``src`` to ``dst`` with its config edited in place by ``edit``."""
    _rewrite_zip_member(src, dst, "config.json", lambda config: edit(config) or config)


def test_load_model_rejects_what_it_cannot_rebuild(tmp_path):
    from fusedrnn.models import load_model

    with pytest.raises(ValueError, match="holds no model config"):
        load_model(os.path.join(DATA, "stack.weights.h5"))
    with pytest.raises(ValueError, match="holds no model config"):
        load_model(os.path.join(DATA, "stack.keras2_weights.h5"))

    def unknown_layer(config):
        config["config"]["layers"][2]["class_name"] = "TFSMLayer"

    path = tmp_path / "unknown.keras"
    _rewrite_keras_config(os.path.join(DATA, "stack.keras"), path, unknown_layer)
    with pytest.raises(ValueError,
                       match="'TFSMLayer' layer, which fusedrnn does not have"):
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


def _hard_sigmoids(model):
    """The activations of the hard_sigmoid case's layers that the files set to hard_sigmoid."""
    simple, gru, bidir, dense = model._weight_layers()
    return {simple.activation, gru.recurrent_activation, bidir.forward_layer.recurrent_activation,
            bidir.backward_layer.recurrent_activation, dense.activation}


def test_keras2_hard_sigmoid_is_keras2s(tmp_path):
    """Keras 2's hard_sigmoid is clip(0.2 x + 0.5), Keras 3's clip(x / 6 + 0.5): a model saved
    by Keras 2 (.h5, or the .keras zip of Keras >= 2.13) loads with "hard_sigmoid_keras2" in
    every place its config says hard_sigmoid, one saved by Keras 3 with "hard_sigmoid". The
    file's Keras version decides: the Keras 3 files, relabelled as Keras 2's, predict what
    Keras 2 predicted from the same weights."""
    import shutil

    from fusedrnn.models import load_model

    k2 = np.load(os.path.join(DATA, "hard_sigmoid.keras2.npz"))
    k3 = np.load(os.path.join(DATA, "hard_sigmoid.npz"))
    np.testing.assert_array_equal(k2["x"], k3["x"])  # same seeds: same input and weights
    assert np.abs(k2["y"] - k3["y"]).max() > 1e-3  # the two Keras really differ here
    for fmt in (".keras2.h5", ".keras2.keras"):
        assert _hard_sigmoids(load_model(os.path.join(DATA, "hard_sigmoid" + fmt))) == {
            "hard_sigmoid_keras2"}
    for fmt in (".h5", ".keras"):
        assert _hard_sigmoids(load_model(os.path.join(DATA, "hard_sigmoid" + fmt))) == {
            "hard_sigmoid"}

    relabelled = tmp_path / "relabelled.keras"
    _rewrite_zip_member(os.path.join(DATA, "hard_sigmoid.keras"), relabelled, "metadata.json",
                        lambda meta: {**meta, "keras_version": "2.15.0"})
    relabelled_h5 = tmp_path / "relabelled.h5"
    shutil.copy(os.path.join(DATA, "hard_sigmoid.h5"), relabelled_h5)
    with h5py.File(relabelled_h5, "r+") as root:
        root.attrs["keras_version"] = "2.15.0"
    for path in (relabelled, relabelled_h5):
        model = load_model(path)
        assert _hard_sigmoids(model) == {"hard_sigmoid_keras2"}
        assert_close(model.predict(k3["x"], verbose=0), k2["y"], FP32_SHORT, str(path))


def test_saved_activation_functions_are_read_by_name(tmp_path):
    """An activation saved as a serialized function ({"config": name}) is read by its name, and
    a Keras 2 hard_sigmoid in that form still becomes Keras 2's."""
    from fusedrnn.models import load_model

    def as_functions(config):
        for layer in config["config"]["layers"]:
            for key in ("activation", "recurrent_activation"):
                if key in layer["config"]:
                    layer["config"][key] = {"module": "keras.activations", "class_name":
                                            "function", "config": layer["config"][key],
                                            "registered_name": "function"}
        return config

    for fmt, want in ((".keras2.keras", "hard_sigmoid_keras2"), (".keras", "hard_sigmoid")):
        path = tmp_path / f"functions{fmt}"
        _rewrite_zip_member(os.path.join(DATA, "hard_sigmoid" + fmt), path, "config.json",
                            as_functions)
        model = load_model(path)
        simple, gru = model._weight_layers()[:2]
        assert (simple.activation, gru.activation, gru.recurrent_activation) == (
            want, "tanh", want)


def test_load_model_names_a_bad_metadata_file(tmp_path):
    from fusedrnn.models import load_model

    path = tmp_path / "bad_meta.keras"
    _rewrite_zip_member(os.path.join(DATA, "stack.keras"), path, "metadata.json",
                        lambda meta: [meta])
    with pytest.raises(ValueError, match=r"bad_meta\.keras'?: its metadata.json is a JSON list"):
        load_model(path)


def test_load_model_names_the_file_when_its_config_is_not_a_json_object(tmp_path):
    import zipfile

    from fusedrnn.models import load_model

    for text, match in (("{not json", "is not valid JSON"), ("[1, 2]", "is a JSON list")):
        path = tmp_path / "bad.keras"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", text)
        with pytest.raises(ValueError, match=rf"bad\.keras'?: the saved model config {match}"):
            load_model(path)


def _keras_json(name, keras2=False):
    """What Keras's model.to_json() gives for a case: the config its files hold (Keras 2's
    to_json also writes its version beside the model)."""
    import json
    import zipfile

    if not keras2:
        with zipfile.ZipFile(os.path.join(DATA, f"{name}.keras")) as archive:
            return archive.read("config.json").decode()
    with h5py.File(os.path.join(DATA, f"{name}.keras2.h5"), "r") as root:
        config = json.loads(root.attrs["model_config"])
        version = root.attrs["keras_version"]
    config["keras_version"] = version.decode() if isinstance(version, bytes) else version
    return json.dumps(config)


@pytest.mark.parametrize("name", ["seq2seq", "hard_sigmoid", "embedding_pooling"])
@pytest.mark.parametrize("keras2", [False, True], ids=["keras3", "keras2"])
def test_model_from_json_then_load_weights(name, keras2):
    """The tutorials' two-file form: architecture from to_json(), weights from save_weights.
    Keras 2's JSON keeps Keras 2's hard_sigmoid and its mask rule for RNNs called with
    initial_state."""
    from fusedrnn.models import model_from_json

    x, y = golden(name, keras2=keras2)
    model = model_from_json(_keras_json(name, keras2))
    before = model.predict(x, verbose=0)
    model.load_weights(os.path.join(DATA, name + (".keras2_weights.h5" if keras2
                                                  else ".weights.h5")))
    assert not np.allclose(before, y, atol=1e-3)
    assert_close(model.predict(x, verbose=0), y, FP32_SHORT, f"model_from_json({name})")


def test_model_from_json_bad_input():
    from fusedrnn.models import model_from_json

    with pytest.raises(ValueError, match="not valid JSON"):
        model_from_json("{not json")
    with pytest.raises(ValueError, match="is a JSON list, not an object"):
        model_from_json("[1, 2]")
    with pytest.raises(TypeError, match="custom_objects must be a dict"):
        model_from_json(_keras_json("stack"), custom_objects=[object])
    # classes the config does not use change nothing
    assert model_from_json(_keras_json("stack"), custom_objects={"MyLayer": object}).layers


def test_saved_operations_that_fusedrnn_cannot_run_are_named(tmp_path):
    """Keras 3 saves the masks it hands between layers as operation nodes (seq2seq.keras has
    a NotEqual); an operation or an operation parameter fusedrnn does not know is an error
    that names it, not a wrong mask."""
    from fusedrnn.models import load_model

    def op_entry(config):
        return next(layer for layer in config["config"]["layers"]
                    if layer["class_name"] == "NotEqual")

    def unknown_op(config):  # a class name from a later Keras
        op_entry(config)["class_name"] = "FutureOperation"

    def unknown_param(config):
        op_entry(config)["config"]["axis"] = 1

    path = tmp_path / "op.keras"
    _rewrite_keras_config(os.path.join(DATA, "seq2seq.keras"), path, unknown_op)
    with pytest.raises(ValueError,
                       match="Keras operation 'FutureOperation', which fusedrnn does not run"):
        load_model(path)
    _rewrite_keras_config(os.path.join(DATA, "seq2seq.keras"), path, unknown_param)
    with pytest.raises(ValueError, match=r"operation NotEqual has parameters \['axis'\]"):
        load_model(path)


def test_damaged_files_give_value_errors_naming_the_file(tmp_path):
    """What a damaged or hand-edited file gives is a ValueError naming the file, not h5py's
    KeyError or zipfile's BadZipFile (found by fuzzing the loaders)."""
    import io
    import shutil
    import zipfile

    from fusedrnn.models import load_model

    model = Sequential([layers.Input((5, 4)), layers.GRU(3), layers.Dense(2)])
    model.save(tmp_path / "m.keras")
    model.save(tmp_path / "m.h5")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        members = {n: archive.read(n) for n in archive.namelist()}

    def keras_file(name, **replaced):
        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            for member, data in {**members, **replaced}.items():
                archive.writestr(member, data)
        return tmp_path / name

    shutil.copy(tmp_path / "m.h5", tmp_path / "gone.h5")
    with h5py.File(tmp_path / "gone.h5", "a") as f:
        del f["model_weights/gru"]
    with pytest.raises(ValueError, match=r"cannot read the weights of '.*gone\.h5'"):
        load_model(tmp_path / "gone.h5")
    with pytest.raises(ValueError, match=r"cannot read the weights of '.*garbage\.keras'"):
        load_model(keras_file("garbage.keras", **{"model.weights.h5": b"garbage" * 100}))
    data = io.BytesIO(members["model.weights.h5"])
    with h5py.File(data, "a") as f:
        f["layers/gru/cell/vars"].create_dataset("extra", data=np.zeros(3))
    with pytest.raises(ValueError, match=r"variables named \['0', '1', '2', 'extra'\]"):
        load_model(keras_file("extra.keras", **{"model.weights.h5": data.getvalue()}))
    flipped = bytearray((tmp_path / "m.keras").read_bytes())
    flipped[flipped.find(b'"units"') + 3] ^= 1  # the member now fails its CRC
    (tmp_path / "flipped.keras").write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match=r"damaged \.keras file: Bad CRC"):
        load_model(tmp_path / "flipped.keras")
    config = json.loads(members["config.json"])
    config["config"]["layers"][1] = 1.5
    with pytest.raises(ValueError, match=r"cannot rebuild a model from the config in '.*entry"):
        load_model(keras_file("entry.keras", **{"config.json": json.dumps(config)}))
    config = json.loads(members["config.json"])
    config["config"]["layers"][0]["config"]["batch_shape"][2] = -1
    with pytest.raises(ValueError, match="non-negative integers or None; got -1"):
        load_model(keras_file("negative.keras", **{"config.json": json.dumps(config)}))
    config = json.loads(members["config.json"])
    config["compile_config"] = 3
    with pytest.warns(UserWarning, match="compile config was not restored"):
        loaded = load_model(keras_file("compile.keras", **{"config.json": json.dumps(config)}))
    x = np.ones((2, 5, 4), np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
