"""Saving in Keras 3's formats (fusedrnn._save): ``model.save("x.keras")``,
``save_weights("x.weights.h5")``, ``to_json()``, ``get_config()``/``from_config()``.

The files Keras 3.15.1 wrote for tests/data/keras_files are the reference: a model rebuilt
from one of them (or built in code and given its weights) must write the same weights file
(every group, dataset, shape, dtype and byte) and the same config (up to the differences
listed in ``_normalized``), and its saved file must load back into the same predictions.
That real Keras loads these files and predicts Keras's numbers is checked outside CI by
tests/golden/check_keras_loads_saved.py (it needs TensorFlow).
"""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest
from test_saving import (
    CASES,
    DATA,
    LAMBDA_CASES,
    NO_KERAS3_H5_FILE,
    NO_LEGACY_H5_MODEL,
    build,
    golden,
)

from fusedrnn import layers, ops
from fusedrnn.models import Model, Sequential, load_model, model_from_json
from tolerances import FP32_SHORT, assert_close

h5py = pytest.importorskip("h5py", reason="h5py is in the test extra")

SAVABLE = sorted(set(CASES) - LAMBDA_CASES)


def _tree(source) -> dict:
    """Every group and dataset of an h5 file (a path or bytes): dataset -> (shape, dtype,
    bytes), group -> "group"."""
    found = {}
    with h5py.File(io.BytesIO(source) if isinstance(source, bytes) else source, "r") as f:
        f.visititems(lambda name, obj: found.__setitem__(
            name, (obj.shape, obj.dtype.str, obj[()].tobytes())
            if isinstance(obj, h5py.Dataset) else "group"))
    return found


def _zip_member(path, member):
    with zipfile.ZipFile(path) as archive:
        return archive.read(member)


def _loaded_and_built(name):
    """The case's model as load_model rebuilds it from Keras's .keras file, and as built in
    code with Keras's weights."""
    built = build(name)
    built.load_weights(os.path.join(DATA, f"{name}.weights.h5"))
    return {"loaded": load_model(os.path.join(DATA, f"{name}.keras")), "built": built}


@pytest.mark.parametrize("name", SAVABLE)
def test_weights_files_are_keras_own(name, tmp_path):
    keras_zip = _tree(_zip_member(os.path.join(DATA, f"{name}.keras"), "model.weights.h5"))
    keras_weights = _tree(os.path.join(DATA, f"{name}.weights.h5"))
    for kind, model in _loaded_and_built(name).items():
        model.save(tmp_path / f"{kind}.keras")
        model.save_weights(tmp_path / f"{kind}.weights.h5")
        assert _tree(_zip_member(tmp_path / f"{kind}.keras", "model.weights.h5")) == keras_zip
        assert _tree(str(tmp_path / f"{kind}.weights.h5")) == keras_weights


# Where fusedrnn's config may differ from Keras's and Keras 3 reads both alike:
# - keys Keras writes that fusedrnn leaves to Keras's default: training-only ones, and
#   features fusedrnn does not have, at their "off" values;
# - initializers, regularizers and constraints (fusedrnn keeps initializers by name; none has
#   an effect at inference);
# - call arguments Keras writes as False or None (training=False, mask=None): the calls are
#   the same without them;
# - SpatialDropout1D's dtype, which Keras 3.15 writes as a plain string;
# - RandomShear's factors: Keras 3.15 writes [-a, a], which its constructor refuses (Keras
#   cannot load that file); fusedrnn writes a, the same range.
_DEFAULTED = {"renorm": False, "renorm_clipping": None, "synchronized": False,
              "rms_scaling": False, "quantization_config": None, "unroll": False}
_TRAINING_ONLY = ("dropout", "recurrent_dropout", "renorm_momentum", "seed",
                  "activity_regularizer")


def _differences(keras, ours, path="") -> list[str]:
    if isinstance(keras, dict) and isinstance(ours, dict):
        found = []
        for key in sorted(set(keras) | set(ours)):
            where = f"{path}.{key}"
            if key.endswith(("_initializer", "_regularizer", "_constraint")) or key in (
                    "shared_object_id", "compile_config"):
                continue
            if path.endswith("kwargs") and key not in ours and (
                    keras.get(key, True) in (False, None) or key == "training"):
                # fusedrnn records no training argument: Keras records a call's default
                # (True for a Pipeline), which it takes the same without it
                continue
            if key not in ours:
                if key in _TRAINING_ONLY or _DEFAULTED.get(key, ...) == keras[key]:
                    continue
                found.append(f"{where}: only Keras writes {keras[key]!r}")
            elif key not in keras:
                found.append(f"{where}: only fusedrnn writes {ours[key]!r}")
            elif key in ("x_factor", "y_factor") and isinstance(ours[key], float) and (
                    keras[key] == [-ours[key], ours[key]]):
                continue
            elif key == "dtype" and isinstance(keras[key], str) and isinstance(ours[key], dict):
                if ours[key]["config"]["name"] != keras[key]:
                    found.append(f"{where}: Keras {keras[key]!r}, fusedrnn {ours[key]!r}")
            else:
                found += _differences(keras[key], ours[key], where)
        return found
    if isinstance(keras, list) and isinstance(ours, list) and len(keras) == len(ours):
        return [d for i, (k, o) in enumerate(zip(keras, ours))
                for d in _differences(k, o, f"{path}[{i}]")]
    return [] if keras == ours else [f"{path}: Keras {keras!r}, fusedrnn {ours!r}"]


@pytest.mark.parametrize("name", SAVABLE)
def test_loaded_models_save_keras_own_config(name, tmp_path):
    keras_config = json.loads(_zip_member(os.path.join(DATA, f"{name}.keras"), "config.json"))
    model = load_model(os.path.join(DATA, f"{name}.keras"))
    model.save(tmp_path / "m.keras")
    ours = json.loads(_zip_member(tmp_path / "m.keras", "config.json"))
    assert _differences(keras_config, ours) == []
    assert json.loads(model.to_json()) == ours
    assert model.get_config() == ours["config"]
    metadata = json.loads(_zip_member(tmp_path / "m.keras", "metadata.json"))
    assert metadata["keras_version"].startswith("3.")


@pytest.mark.filterwarnings("ignore:Layer 'lambda.*destroy the mask:UserWarning")
@pytest.mark.parametrize("name", SAVABLE)
def test_saved_models_load_back_and_predict_as_before(name, tmp_path):
    x, y = golden(name)
    for kind, model in _loaded_and_built(name).items():
        expected = model.predict(x, verbose=0)
        model.save(tmp_path / f"{kind}.keras")
        again = load_model(tmp_path / f"{kind}.keras")
        np.testing.assert_array_equal(again.predict(x, verbose=0), expected)
        assert_close(again.predict(x, verbose=0), y, FP32_SHORT, f"{name} {kind}")
        assert [layer.name for layer in again.layers] == [layer.name for layer in model.layers]
        # the architecture alone, through JSON and through the config
        for fresh in (model_from_json(model.to_json()),
                      type(model).from_config(model.get_config())):
            fresh.set_weights(model.get_weights())
            for new, old in zip(fresh.layers, model.layers):  # state that is not in a config
                if isinstance(new, layers.TextVectorization):
                    new.set_vocabulary(old.get_vocabulary())
            np.testing.assert_array_equal(fresh.predict(x, verbose=0), expected)


def test_a_model_built_in_code_round_trips_its_graph(tmp_path):
    """Shared layers, dict inputs and outputs, nested models, operations with saved
    constants (slices, an ellipsis, a NumPy array), call arguments (initial_state,
    MultiHeadAttention's key and causal mask) and several dtypes."""
    rng = np.random.default_rng(3)
    tokens = layers.Input((7,), name="tokens", dtype="int32")
    feats = layers.Input((7, 4), name="feats")
    embed = layers.Embedding(11, 4, mask_zero=True)(tokens)
    shared = layers.Dense(4, activation="tanh")
    a, b = shared(embed), shared(feats)
    h, state = layers.GRU(5, return_sequences=True, return_state=True)(a)
    g = layers.LSTM(5, return_sequences=True)(b, initial_state=[state, state])
    attn = layers.MultiHeadAttention(2, 3)(h, g, g, use_causal_mask=True)
    weight = rng.standard_normal((5, 5)).astype(np.float32)
    mixed = ops.matmul(attn, weight) + h[..., ::-1] * 0.5
    inner = Sequential([layers.Input((5,)), layers.Dense(3)], name="head")
    outputs = {"last": inner(mixed[:, -1, :]), "mean": ops.mean(g, axis=1)}
    model = Model({"tokens": tokens, "feats": feats}, outputs, name="graph")
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.5
                       for w in model.get_weights()])
    x = {"tokens": rng.integers(0, 11, (3, 7)).astype(np.int32),
         "feats": rng.standard_normal((3, 7, 4)).astype(np.float32)}
    x["tokens"][0, :3] = 0
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "graph.keras")
    again = load_model(tmp_path / "graph.keras")
    got = again.predict(x, verbose=0)
    assert sorted(got) == ["last", "mean"]
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key])
    config = model.get_config()
    assert config["input_layers"] == {"tokens": ["tokens", 0, 0], "feats": ["feats", 0, 0]}
    calls = {entry["name"]: entry["inbound_nodes"] for entry in config["layers"]}
    assert len(calls[shared.name]) == 2  # a shared layer: both calls, indexed 0 and 1
    constants = json.dumps(config)
    for saved in ("__slice__", "__ellipsis__", "__numpy__"):
        assert saved in constants


def test_sequential_saves_its_input_and_build_shape(tmp_path):
    model = Sequential([layers.LSTM(4, input_shape=(6, 3), return_sequences=True),
                        layers.GlobalAveragePooling1D(), layers.Dense(2)])
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert config["layers"][0]["config"]["batch_shape"] == [None, 6, 3]
    assert config["build_input_shape"] == [None, 6, 3]
    assert config["layers"][1]["build_config"] == {"input_shape": [None, 6, 3]}
    assert "build_config" not in config["layers"][2]  # Keras keeps none for pooling
    x = np.random.default_rng(0).standard_normal((2, 6, 3)).astype(np.float32)
    model.save(tmp_path / "s.keras")
    np.testing.assert_array_equal(load_model(tmp_path / "s.keras").predict(x, verbose=0),
                                  model.predict(x, verbose=0))
    model.save_weights(tmp_path / "s.weights.h5")
    fresh = Sequential([layers.LSTM(4, input_shape=(6, 3), return_sequences=True),
                        layers.GlobalAveragePooling1D(), layers.Dense(2)])
    fresh.load_weights(tmp_path / "s.weights.h5")
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_float64_models_save_their_dtype(tmp_path):
    model = Sequential([layers.Input((4, 2)), layers.GRU(3, dtype="float64")])
    model.save(tmp_path / "f.keras")
    config = json.loads(_zip_member(tmp_path / "f.keras", "config.json"))
    assert config["config"]["layers"][1]["config"]["dtype"]["config"]["name"] == "float64"
    assert _tree(_zip_member(tmp_path / "f.keras", "model.weights.h5"))[
        "layers/gru/cell/vars/0"][1] == "<f8"
    again = load_model(tmp_path / "f.keras")
    x = np.random.default_rng(1).standard_normal((2, 4, 2))
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras2_models_save_unless_keras2_rules_decide_their_numbers(tmp_path):
    # No mask: Keras 2's rules change nothing, and the Keras 3 file predicts the same.
    x, y = golden("merge", keras2=True)
    model = load_model(os.path.join(DATA, "merge.keras2.keras"))
    model.save(tmp_path / "merge.keras")
    np.testing.assert_array_equal(load_model(tmp_path / "merge.keras").predict(x, verbose=0),
                                  model.predict(x, verbose=0))
    # Masks meet in a Keras 2 merge (siamese), an RNN with initial_state (seq2seq):
    for name in ("siamese", "seq2seq", "multi_head_attention"):
        model = load_model(os.path.join(DATA, f"{name}.keras2.keras"))
        with pytest.raises(ValueError, match="Keras 2's mask rules"):
            model.save(tmp_path / f"{name}.keras")
        model.save_weights(tmp_path / f"{name}.weights.h5")  # the weights still save
        fresh = build(name)
        fresh.load_weights(tmp_path / f"{name}.weights.h5")
        np.testing.assert_array_equal(
            np.concatenate([w.ravel() for w in fresh.get_weights()]),
            np.concatenate([w.ravel() for w in model.get_weights()]))


def _endpoint_forms(entry) -> list:
    """The form of input_layers and output_layers (a reference, a list or a dict of them)
    of every functional model in a saved config, outermost first."""
    def form(refs):
        if isinstance(refs, dict):
            return {k: form(v) for k, v in refs.items()}
        return "ref" if refs and not isinstance(refs[0], list) else [form(r) for r in refs]

    found = []
    if isinstance(entry, dict):
        if entry.get("class_name") == "Functional" and isinstance(entry.get("config"), dict):
            found.append((form(entry["config"]["input_layers"]),
                          form(entry["config"]["output_layers"])))
        for value in entry.values():
            found += _endpoint_forms(value)
    elif isinstance(entry, list):
        for value in entry:
            found += _endpoint_forms(value)
    return found


def test_keras2_models_save_the_endpoints_keras3_writes(tmp_path):
    """A model loaded from a Keras 2 file (which lists even a single input or output) saves
    its functional models' inputs and outputs in the form Keras 3 writes for the same
    architecture: one output as a bare reference (Keras 3 would read a list of one as a list,
    which a TimeDistributed around the model cannot take)."""
    compared, refused = [], []
    for name in SAVABLE:
        path = os.path.join(DATA, f"{name}.keras2.h5")
        if not os.path.exists(path):
            continue
        model = load_model(path)
        try:
            model.save(tmp_path / f"{name}.keras")
        except ValueError as exc:  # Keras 2's mask rules, Keras 2's hard_sigmoid
            refused.append(str(exc))
            continue
        ours = json.loads(_zip_member(tmp_path / f"{name}.keras", "config.json"))
        keras3 = json.loads(_zip_member(os.path.join(DATA, f"{name}.keras"), "config.json"))
        assert _endpoint_forms(ours) == _endpoint_forms(keras3), name
        compared.append(name)
    assert "time_distributed_functional" in compared
    assert len(compared) >= 20
    assert all("Keras 2" in message for message in refused)


def test_what_keras3_cannot_hold_is_refused_with_the_reason(tmp_path):
    x = layers.Input((5, 3))
    with_lambda = Model(x, layers.Lambda(lambda t: t * 2.0)(x))
    with pytest.raises(ValueError, match="Lambda layer 'lambda.*bytecode"):
        with_lambda.save(tmp_path / "l.keras")
    with pytest.raises(ValueError, match="Lambda"):
        with_lambda.to_json()
    assert not (tmp_path / "l.keras").exists()
    hard = Sequential([layers.Input((5, 3)),
                       layers.GRU(2, recurrent_activation="hard_sigmoid_keras2")])
    with pytest.raises(ValueError, match="recurrent_activation is Keras 2's hard_sigmoid"):
        hard.save(tmp_path / "h.keras")


def test_file_names_and_overwrite(tmp_path):
    model = Sequential([layers.Input((3,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"end in '\.weights\.h5'"):
        model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match=r"end in '\.keras'.* or '\.h5'"):
        model.save(tmp_path / "m.model")
    model.save(tmp_path / "m.h5")
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(tmp_path / "m.h5", overwrite=False)
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(tmp_path / "m.keras", overwrite=False)
    model.save(tmp_path / "m.keras")  # overwrite=True by default
    unbuilt = Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="not built yet"):
        unbuilt.save(tmp_path / "u.keras")
    with pytest.raises(ValueError, match="not built yet"):
        unbuilt.save_weights(tmp_path / "u.weights.h5")


def test_save_model_function_is_model_save(tmp_path):
    from fusedrnn.models import save_model

    model = Sequential([layers.Input((4, 2)), layers.SimpleRNN(3)])
    save_model(model, tmp_path / "a.keras")
    model.save(tmp_path / "b.keras")
    assert (_zip_member(tmp_path / "a.keras", "config.json")
            == _zip_member(tmp_path / "b.keras", "config.json"))
    assert _tree(_zip_member(tmp_path / "a.keras", "model.weights.h5")) == _tree(
        _zip_member(tmp_path / "b.keras", "model.weights.h5"))


LEGACY = sorted(set(SAVABLE) - NO_LEGACY_H5_MODEL - NO_KERAS3_H5_FILE)


def _h5_tree(path) -> tuple[dict, list, list]:
    """A legacy .h5 file's model config, layer names, and each layer's arrays in order."""
    import h5py

    def text(v):
        return v.decode() if isinstance(v, bytes) else str(v)

    with h5py.File(path, "r") as root:
        group = root["model_weights"]
        names = [text(n) for n in group.attrs["layer_names"]]
        arrays = [[np.asarray(group[n][text(w)]) for w in group[n].attrs["weight_names"]]
                  for n in names]
        return json.loads(text(root.attrs["model_config"])), names, arrays


@pytest.mark.filterwarnings("ignore:Layer 'lambda.*destroy the mask:UserWarning")
@pytest.mark.parametrize("name", LEGACY)
def test_legacy_h5_is_keras_own(name, tmp_path):
    """model.save("x.h5") writes what Keras 3's legacy writer wrote for the same model (its
    .h5 in tests/data/keras_files): the model config, the layers, each layer's arrays in
    Keras's order (trainable, then the others); it loads back and predicts the same (real
    Keras 3.15.1 loads these files: tests/golden/check_keras_loads_saved.py)."""
    model = load_model(os.path.join(DATA, f"{name}.keras"))
    model.save(tmp_path / "m.h5")
    keras_config, keras_names, keras_arrays = _h5_tree(os.path.join(DATA, f"{name}.h5"))
    config, names, arrays = _h5_tree(tmp_path / "m.h5")
    # Keras's legacy files drop the module of its operations (NotEqual, ...), and then Keras
    # cannot load them ("Unknown layer"); fusedrnn keeps it
    assert [d for d in _differences(keras_config, config)
            if not ("only fusedrnn writes 'keras.src.ops" in d
                    or (".registered_name: only fusedrnn writes" in d
                        and "None" not in d))] == []
    assert names == keras_names
    assert [[a.shape for a in layer] for layer in arrays] == [
        [a.shape for a in layer] for layer in keras_arrays]
    for ours, theirs in zip(arrays, keras_arrays):
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)
    x, _ = golden(name)
    np.testing.assert_array_equal(load_model(tmp_path / "m.h5").predict(x, verbose=0),
                                  model.predict(x, verbose=0))


def test_legacy_h5_of_text_models_is_refused(tmp_path):
    model = load_model(os.path.join(DATA, "text.keras"))
    with pytest.raises(ValueError, match="vocabular"):
        model.save(tmp_path / "t.h5")
    assert not os.path.exists(tmp_path / "t.h5")
