"""``models.clone_model`` (Keras's): new layers with fresh weights, the same computation; and
the configs of the layers that hold layers (Bidirectional, TimeDistributed, RNN,
StackedRNNCells), which Keras serializes as class name + config and rebuilds in from_config.

Keras's behaviour these tests hold fusedrnn to, read from keras/src/models/cloning.py (3.15)
and tf_keras's cloning.py and checked by running them: layers are rebuilt by
``cls.from_config(layer.get_config())`` unless a clone_function is given; a layer shared in the
graph is cloned once; input_tensors replace the inputs; call_function (functional models only)
makes each call; recursive clones nested models with clone_model.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

from fusedrnn import layers as L
from fusedrnn import models as M

DATA = os.path.join(os.path.dirname(__file__), "data", "keras_files")
sys.path.insert(0, DATA)
from cases import CASES, CUDNN_CASES, KERAS3_ONLY, LAMBDA_CASES, TEXT_CASES  # noqa: E402

h5py = pytest.importorskip("h5py")


def _summary(model) -> str:
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def _flat(out) -> list:
    if isinstance(out, dict):
        return list(out.values())
    return list(out) if isinstance(out, list) else [out]


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _randomize(model, seed=1):
    rng = np.random.default_rng(seed)
    model.set_weights([(rng.standard_normal(w.shape) * 0.5).astype(w.dtype)
                       for w in model.get_weights()])


def _file_cases():
    names = sorted(set(CASES) - LAMBDA_CASES - TEXT_CASES)
    files = [f"{n}.keras" for n in names] + [f"{n}.keras2.h5" for n in names
                                             if n not in KERAS3_ONLY]
    return files + [f"{n}.keras2.h5" for n in sorted(CUDNN_CASES)]


def _inputs(filename):
    stem = filename.split(".")[0]
    npz = os.path.join(DATA, stem + (".keras2.npz" if ".keras2" in filename else ".npz"))
    data = np.load(npz)
    if "x" in data:
        return data["x"]
    return [data[f"x{j}"] for j in range(sum(k.startswith("x") for k in data.files))]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("filename", _file_cases())
def test_clone_of_every_saved_model_computes_the_same(filename):
    """Every saved Keras model (Keras 3 and Keras 2 files: masks by either's rules, nested,
    shared and wrapped layers, operations, several inputs and outputs): its clone is made of
    new layers with weights of its own, prints the same summary and, given the weights,
    predicts bit for bit the same."""
    model = M.load_model(os.path.join(DATA, filename))
    x = _inputs(filename)
    want = _flat(model.predict(x, verbose=0))
    clone = M.clone_model(model)
    assert type(clone) is type(model)
    assert clone.name == model.name
    assert not {id(a) for a in clone.layers} & {id(b) for b in model.layers}
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert _summary(clone) == _summary(model)
    clone.set_weights(model.get_weights())
    for got, w in zip(_flat(clone.predict(x, verbose=0)), want, strict=True):
        np.testing.assert_array_equal(got, w)
    # its weights are its own
    clone.set_weights([w + 1 if w.dtype.kind == "f" else w for w in clone.get_weights()])
    for got, w in zip(_flat(model.predict(x, verbose=0)), want, strict=True):
        np.testing.assert_array_equal(got, w)


def test_clone_has_freshly_initialised_weights():
    model = M.Sequential([L.Input((5, 3)), L.LSTM(4), L.Dense(2)])
    clone = M.clone_model(model)
    for a, b in zip(model.get_weights(), clone.get_weights(), strict=True):
        assert a.shape == b.shape
        if a.ndim == 2:  # the kernels, drawn again
            assert not np.array_equal(a, b)
        else:  # the biases: zeros, and the LSTM's forget-gate ones (unit_forget_bias)
            np.testing.assert_array_equal(a, b)


def test_sequential_clone_keeps_its_input_and_state():
    model = M.Sequential([L.Input((5, 3), name="frames"), L.GRU(3), L.Dense(1)],
                         name="seq", trainable=False)
    clone = M.clone_model(model)
    assert clone.input_names == ["frames"]
    assert clone.input_shape == (None, 5, 3)
    assert [layer.name for layer in clone.layers] == ["gru", "dense"]
    assert clone.name == "seq"
    assert clone.trainable is False
    # Keras 2's input_shape on the first layer
    keras2 = M.Sequential([L.GRU(3, input_shape=(4, 2)), L.Dense(1)])
    assert M.clone_model(keras2).input_shape == (None, 4, 2)
    # a model not yet built clones into one not yet built, which builds on its first call
    unbuilt = M.clone_model(M.Sequential([L.GRU(3), L.Dense(1)]))
    assert not unbuilt.built
    assert unbuilt.predict(_rand((2, 4, 2)), verbose=0).shape == (2, 1)


def test_stateful_clone_starts_from_zero_states():
    model = M.Sequential([L.Input((1, 3), batch_size=2), L.LSTM(4, stateful=True)])
    steps = _rand((3, 2, 1, 3))
    for step in steps:
        model.predict(step, verbose=0)
    clone = M.clone_model(model)
    clone.set_weights(model.get_weights())
    model.reset_states()
    np.testing.assert_array_equal(clone.predict(steps[0], verbose=0),
                                  model.predict(steps[0], verbose=0))


def test_shared_layer_is_cloned_once():
    dense = L.Dense(3)
    x = L.Input((3,))
    model = M.Model(x, dense(dense(x)))
    clone = M.clone_model(model)
    assert len(clone.layers) == 2
    assert len(clone.get_weights()) == 2
    shared = clone.layers[1]
    assert shared is not dense
    assert len(shared._inbound_nodes) == 2
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(_rand((4, 3)), verbose=0),
                                  model.predict(_rand((4, 3)), verbose=0))


def test_input_tensors():
    x = L.Input((None, 3))
    model = M.Model(x, L.Dense(2)(L.LSTM(4, return_sequences=True)(x)))
    clone = M.clone_model(model, input_tensors=L.Input((7, 3), name="new"))
    assert clone.input_shape == (None, 7, 3)
    assert clone.output_shape == (None, 7, 2)
    assert clone.input_names == ["new"]
    assert M.clone_model(model, input_tensors=[L.Input((6, 3))]).input_shape == (None, 6, 3)
    seq = M.Sequential([L.Input((5, 3)), L.GRU(3)])
    assert M.clone_model(seq, input_tensors=L.Input((9, 3))).input_shape == (None, 9, 3)
    # several inputs, and a dict of them
    a, b = L.Input((4,), name="a"), L.Input((4,), name="b")
    two = M.Model({"a": a, "b": b}, L.Add()([a, b]))
    new = {"b": L.Input((4,), name="nb"), "a": L.Input((4,), name="na")}
    cloned = M.clone_model(two, input_tensors=new)
    ones, twos = np.ones((1, 4), np.float32), np.full((1, 4), 2, np.float32)
    np.testing.assert_array_equal(cloned.predict({"a": ones, "b": twos}, verbose=0), ones * 3)
    with pytest.raises(ValueError, match="keys"):
        M.clone_model(two, input_tensors=[L.Input((4,)), L.Input((4,))])
    with pytest.raises(ValueError, match="2 tensors"):
        M.clone_model(M.Model([a, b], L.Add()([a, b])), input_tensors=[L.Input((4,))])
    with pytest.raises(ValueError, match="single tensor"):
        M.clone_model(seq, input_tensors=[L.Input((5, 3)), L.Input((5, 3))])
    with pytest.raises(ValueError, match=r"made by Input"):
        M.clone_model(model, input_tensors=L.Dense(3)(L.Input((5, 3))))
    with pytest.raises(ValueError, match=r"made by Input"):
        M.clone_model(model, input_tensors=np.zeros((1, 5, 3)))


def test_clone_function_replaces_layers():
    """Keras's example: wrap every LSTM in a Bidirectional."""
    model = M.Sequential([L.Input((5, 3)), L.LSTM(4, return_sequences=True), L.LSTM(2)])

    def wrap(layer):
        config = layer.get_config()
        if isinstance(layer, L.LSTM):
            return L.Bidirectional(L.LSTM.from_config(config))
        return layer.__class__.from_config(config)

    clone = M.clone_model(model, clone_function=wrap)
    assert [type(layer).__name__ for layer in clone.layers] == ["Bidirectional"] * 2
    assert clone.output_shape == (None, 4)
    with pytest.raises(TypeError, match="must return a layer"):
        M.clone_model(model, clone_function=lambda layer: None)
    with pytest.raises(ValueError, match="callable"):
        M.clone_model(model, clone_function="copy")


def test_clone_function_identity_shares_the_layers():
    x = L.Input((5, 3))
    model = M.Model(x, L.GRU(3)(x))
    clone = M.clone_model(model, clone_function=lambda layer: layer)
    assert clone.layers[1] is model.layers[1]
    np.testing.assert_array_equal(clone.predict(_rand((2, 5, 3)), verbose=0),
                                  model.predict(_rand((2, 5, 3)), verbose=0))


def test_call_function_inserts_layers():
    """Keras's example: a layer after every Dense, the layers reused."""
    x = L.Input((6,))
    hidden = L.Dense(4, activation="relu")
    model = M.Model(x, L.Dense(2)(hidden(x)))

    def call(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        if isinstance(layer, L.Dense):
            out = L.Activation("tanh")(out)
        return out

    clone = M.clone_model(model, clone_function=lambda layer: layer, call_function=call)
    assert [type(layer).__name__ for layer in clone.layers] == [
        "InputLayer", "Dense", "Activation", "Dense", "Activation"]
    data = _rand((3, 6))
    kernel, bias = model.layers[2].get_weights()
    want = np.tanh(np.tanh(hidden(data)) @ kernel + bias)
    np.testing.assert_allclose(clone.predict(data, verbose=0), want, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="Sequential"):
        M.clone_model(M.Sequential([L.Input((6,)), L.Dense(2)]), call_function=call)
    with pytest.raises(ValueError, match="callable"):
        M.clone_model(model, call_function=3)


def test_call_function_sees_rnn_call_arguments():
    """An RNN called with initial_state: call_function gets the state tensors as Keras's
    keyword arguments, and the clone computes the same."""
    x, h0 = L.Input((5, 3)), L.Input((4,))
    model = M.Model([x, h0], L.GRU(4)(x, initial_state=h0))
    _randomize(model)
    seen = []

    def call(layer, *args, **kwargs):
        seen.append(sorted(kwargs))
        return layer(*args, **kwargs)

    clone = M.clone_model(model, call_function=call)
    assert seen == [["initial_state"]]
    clone.set_weights(model.get_weights())
    feeds = [_rand((2, 5, 3)), _rand((2, 4), 1)]
    np.testing.assert_array_equal(clone.predict(feeds, verbose=0),
                                  model.predict(feeds, verbose=0))


def _nested():
    inner = M.Sequential([L.Input((5, 3)), L.LSTM(4, return_sequences=True)], name="inner")
    x = L.Input((5, 3))
    return M.Model(x, L.Dense(2)(inner(x)), name="outer")


def test_recursive_clones_nested_models_with_clone_function():
    model = _nested()
    renamed = []

    def clone_function(layer):
        renamed.append(layer.name)
        return layer.__class__.from_config(layer.get_config())

    flat = M.clone_model(model, clone_function=clone_function)
    assert renamed == ["inner", "dense"]  # the nested model is one layer
    renamed.clear()
    deep = M.clone_model(model, clone_function=clone_function, recursive=True)
    assert renamed == ["lstm", "dense"]  # its layers each, the model by clone_model
    for clone in (flat, deep):
        assert clone.get_layer("inner") is not model.get_layer("inner")
        clone.set_weights(model.get_weights())
        np.testing.assert_array_equal(clone.predict(_rand((2, 5, 3)), verbose=0),
                                      model.predict(_rand((2, 5, 3)), verbose=0))


class _Gate(L.Layer):
    """A layer written by subclassing, with a config (module level: found by its module)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")

    def call(self, inputs):
        return inputs @ self.w

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class _MinimalCell(L.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent = self.add_weight(shape=(self.units, self.units), name="recurrent")

    def call(self, inputs, states):
        h = np.tanh(inputs @ self.kernel + states[0] @ self.recurrent)
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_layers_written_by_subclassing_clone_from_their_configs():
    x = L.Input((5, 3))
    h = L.TimeDistributed(_Gate(4))(x)
    model = M.Model(x, _Gate(2)(L.RNN(_MinimalCell(3))(h)))
    _randomize(model)
    clone = M.clone_model(model)
    assert [type(layer).__name__ for layer in clone.layers] == [
        "InputLayer", "TimeDistributed", "RNN", "_Gate"]
    assert type(clone.layers[2].cell) is _MinimalCell
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(_rand((2, 5, 3)), verbose=0),
                                  model.predict(_rand((2, 5, 3)), verbose=0))


class _Tagger(M.Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.rnn = L.GRU(units, return_sequences=True)

    def call(self, inputs):
        return self.rnn(inputs)

    def get_config(self):
        return {"units": self.units, "name": self.name}


def test_subclassed_model_and_plain_layers():
    model = _Tagger(5, name="tagger")
    clone = M.clone_model(model)
    assert type(clone) is _Tagger
    assert clone.units == 5
    assert clone is not model
    with pytest.raises(ValueError, match="clone_function and input_tensors"):
        M.clone_model(model, clone_function=lambda layer: layer)
    with pytest.raises(ValueError, match="call_function"):
        M.clone_model(model, call_function=lambda layer, *a, **k: layer(*a, **k))
    dense = L.Dense(3, activation="relu", name="d")
    copy = M.clone_model(dense)
    assert type(copy) is L.Dense
    assert copy is not dense
    assert copy.get_config() == dense.get_config()
    with pytest.raises(ValueError, match="Unexpected keyword"):
        M.clone_model(dense, shared=True)
    with pytest.raises(TypeError, match="takes a model"):
        M.clone_model("model.keras")


def test_keras2_mask_rules_survive_the_clone():
    """A Keras 2 model whose RNN gets both initial states and a masked input: Keras 2 hands
    the mask to the call, Keras 3 does not; the clone of the loaded model keeps Keras 2's."""
    model = M.load_model(os.path.join(DATA, "seq2seq.keras2.h5"))
    assert any(node.implicit_mask and node.kwargs for node in model._nodes)
    clone = M.clone_model(model)
    flags = [(node.layer.name, node.implicit_mask) for node in model._nodes]
    assert [(node.layer.name, node.implicit_mask) for node in clone._nodes] == flags


# --------------------------------------------------------------------------- wrappers' configs

def _wrappers():
    return [
        (L.Bidirectional(L.LSTM(4, return_sequences=True), merge_mode="ave"), (None, 5, 3)),
        (L.Bidirectional(L.GRU(3), backward_layer=L.GRU(3, go_backwards=True,
                                                       reset_after=False)), (None, 5, 3)),
        (L.TimeDistributed(L.Dense(2, activation="relu")), (None, 5, 3)),
        (L.TimeDistributed(M.Sequential([L.Input((4,)), L.Dense(2)])), (None, 5, 4)),
        (L.RNN([L.GRUCell(3), L.LSTMCell(2)], return_sequences=True), (None, 5, 3)),
        (L.RNN(L.StackedRNNCells([L.SimpleRNNCell(3), L.SimpleRNNCell(2)])), (None, 5, 3)),
        (L.StackedRNNCells([L.LSTMCell(3), L.GRUCell(2)]), None),
    ]


@pytest.mark.parametrize("index", range(len(_wrappers())))
def test_wrapper_configs_rebuild_the_layer(index):
    """``cls.from_config(layer.get_config())`` (what clone_model and Keras users do) rebuilds
    the layers a layer holds, which its config holds as Keras 3 does: class name + config."""
    layer, shape = _wrappers()[index]
    config = layer.get_config()
    for key in ("layer", "backward_layer", "cell"):
        if key in config:
            assert set(config[key]) >= {"class_name", "config"}
    for cell in config.get("cells", []):
        assert set(cell) >= {"class_name", "config"}
    copy = type(layer).from_config(config)
    assert copy.get_config() == config
    if shape is None:
        return
    x = _rand((2, *shape[1:]))
    want = layer(x)
    copy(x)
    copy.set_weights(layer.get_weights())
    for a, b in zip(_flat(copy(x)), _flat(want), strict=True):
        np.testing.assert_array_equal(a, b)


def test_bidirectional_config_is_keras3s():
    """Keras 3.15 (run): {"merge_mode", "layer": {class_name "LSTM", config name
    "forward_lstm"}, "backward_layer": {class_name "LSTM", config name "backward_lstm",
    go_backwards True}}; from_config keeps those names."""
    config = L.Bidirectional(L.LSTM(3, name="lstm")).get_config()
    assert config["layer"]["class_name"] == "LSTM"
    assert config["layer"]["config"]["name"] == "forward_lstm"
    assert config["backward_layer"]["config"]["name"] == "backward_lstm"
    assert config["backward_layer"]["config"]["go_backwards"] is True
    copy = L.Bidirectional.from_config(config)
    assert (copy.forward_layer.name, copy.backward_layer.name) == ("forward_lstm",
                                                                    "backward_lstm")
    # Keras 2's form (class_name and config, no module) is read too
    keras2 = dict(config, layer={"class_name": "LSTM", "config": config["layer"]["config"]})
    del keras2["backward_layer"]
    assert L.Bidirectional.from_config(keras2).backward_layer.go_backwards is True


def test_wrapper_config_of_an_unknown_class_is_refused_clearly():
    config = L.TimeDistributed(L.Dense(2)).get_config()
    config["layer"] = {"module": "nowhere", "class_name": "Mystery", "config": {}}
    with pytest.raises(ValueError, match="Mystery"):
        L.TimeDistributed.from_config(config)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rebuilt = L.TimeDistributed.from_config(
            config | {"layer": {"class_name": "Mystery", "config": {"units": 2}}},
            custom_objects={"Mystery": L.Dense})
    assert type(rebuilt.layer) is L.Dense
