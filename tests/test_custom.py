"""Layers and models written by subclassing (fusedrnn.layers._custom).

The reference is real Keras: tests/data/keras_files/subclassed.py defines a translator model
(a user layer with its own trainable and non-trainable weights, nested in a user attention
layer; a list of heads; Bidirectional LSTM, GRU with states in and out of ``call``) once for
Keras and for fusedrnn; tests/golden/generate_subclassed.py saved its weights with Keras 3
and Keras 2 and recorded its predictions.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

from fusedrnn import layers, ops
from fusedrnn.models import Model, Sequential, load_model, model_from_json
from tolerances import FP32_SHORT, assert_close

h5py = pytest.importorskip("h5py", reason="h5py is in the test extra")

DATA = os.path.join(os.path.dirname(__file__), "data", "keras_files")
sys.path.insert(0, DATA)
from subclassed import (  # noqa: E402
    ARGS,
    bidirectional_cells,
    cell_model,
    classes,
    serializable_classes,
    serializable_functional,
)

Scale, Attention, Translator = classes(layers, Model, ops)


def _tree(path) -> dict:
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: found.__setitem__(
            name, (obj.shape, obj.dtype.str, obj[()].tobytes())
            if isinstance(obj, h5py.Dataset) else "group"))
    return found


@pytest.mark.parametrize(("weights", "golden"), [
    ("subclassed.weights.h5", "subclassed.npz"),
    ("subclassed.keras2_weights.h5", "subclassed.keras2.npz")], ids=["keras3", "keras2"])
def test_subclassed_model_loads_keras_weights_and_predicts_as_keras(weights, golden):
    data = np.load(os.path.join(DATA, golden))
    model = Translator(*ARGS)
    before = model(data["tokens"])  # builds it
    model.load_weights(os.path.join(DATA, weights))
    assert not np.allclose(before, data["y"], atol=1e-3)
    assert_close(model(data["tokens"]), data["y"], FP32_SHORT, "translator")
    y, state = model(data["tokens"], state=data["state"], return_state=True)
    assert_close(y, data["y_state"], FP32_SHORT, "translator with a state")
    assert_close(state, data["new_state"], FP32_SHORT, "the state it returns")
    np.testing.assert_allclose(model.predict(data["tokens"], batch_size=2, verbose=0),
                               model(data["tokens"]), rtol=1e-6, atol=1e-7)


def test_subclassed_model_tracks_layers_and_weights_as_keras(tmp_path):
    model = Translator(*ARGS)
    model(np.zeros((2, 5), np.int64))
    assert [layer.name for layer in model.layers] == [
        "embedding", "bidirectional", "gru", "attention", "dense_3", "dense_4"]
    attention = model.attention
    assert [la.name for la in (attention.W1, attention.W2, attention.V)] == [
        "dense", "dense_1", "dense_2"]
    # Keras's order: a layer's own trainable weights, its non-trainable ones, its sublayers'
    shapes = [w.shape for w in attention.weights]
    assert shapes == [(8, 4), (4,), (8, 4), (4,), (4, 1), (1,), (8,), (8,)]
    assert [w.trainable for w in attention.scale.weights] == [True, False]
    assert len(model.non_trainable_weights) == 1
    assert model.count_params() == sum(int(np.prod(s)) for s in model._expected_weight_shapes())
    # save_weights writes Keras 3's file for it: every group and dataset, the same bytes
    model.load_weights(os.path.join(DATA, "subclassed.weights.h5"))
    model.save_weights(tmp_path / "t.weights.h5")
    assert _tree(str(tmp_path / "t.weights.h5")) == _tree(
        os.path.join(DATA, "subclassed.weights.h5"))
    # and set_weights/get_weights round-trip in that order
    fresh = Translator(*ARGS)
    fresh(np.zeros((1, 3), np.int64))
    fresh.set_weights(model.get_weights())
    tokens = np.array([[1, 2, 3, 4, 5]])
    np.testing.assert_array_equal(fresh(tokens), model(tokens))
    with pytest.raises(ValueError, match="expects 22 weight arrays"):
        fresh.set_weights(model.get_weights()[:-1])
    with pytest.raises(ValueError, match=r"weight 0 has shape \(2, 6\), expected \(20, 6\)"):
        fresh.set_weights([np.zeros((2, 6))] + model.get_weights()[1:])


def test_user_layers_in_functional_models():
    """Called on Input tensors, a user layer's output shapes come from runs on zero arrays,
    unknown sizes included; the model runs its call."""
    query = layers.Input((8,))
    values = layers.Input((None, 8))
    attention = Attention(4)
    context, weights = attention(query, values)
    assert context.shape == (None, 8)
    assert weights.shape == (None, None, 1)
    model = Model([query, values], [layers.Dense(2)(context), weights])
    rng = np.random.default_rng(1)
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32)
                       for w in model.get_weights()])
    q = rng.standard_normal((3, 8)).astype(np.float32)
    v = rng.standard_normal((3, 6, 8)).astype(np.float32)
    out, w = model.predict([q, v], verbose=0)
    c, w_eager = attention(q, v)
    np.testing.assert_allclose(out, model.layers[-1](c), rtol=1e-6)
    np.testing.assert_allclose(w, w_eager, rtol=1e-6)
    # against plain NumPy, from the weights
    w1, b1, w2, b2, vk, vb, gain, shift = attention.get_weights()
    score = np.tanh((q @ w1 + b1)[:, None, :] + v @ w2 + b2) @ vk + vb
    e = np.exp(score - score.max(axis=1, keepdims=True))
    a = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(c, (a * v).sum(axis=1) * gain + shift, rtol=2e-5, atol=2e-6)
    # its architecture is Python code: saving the model says so
    with pytest.raises(ValueError, match="written by subclassing"):
        model.to_json()


def test_user_layer_output_shape_comes_from_its_call():
    """compute_output_shape of a user layer without its own traces its call, as Keras 3's
    does: TimeDistributed over it (which asks it) gives the call's shape, not the input's."""
    class Project(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 5), name="w")

        def call(self, x):
            return x @ self.w

    project = Project()
    assert project.compute_output_shape((None, 3)) == (None, 5)
    assert not project._inbound_nodes  # the probe leaves no call in a graph
    x = layers.Input((4, 3))
    h = layers.TimeDistributed(Project())(x)
    assert h.shape == (None, 4, 5)
    model = Model(x, layers.GRU(2)(h))
    data = np.random.default_rng(3).standard_normal((2, 4, 3)).astype(np.float32)
    assert model.predict(data, verbose=0).shape == (2, 2)


def test_training_and_mask_reach_call_only_if_it_takes_them():
    seen = {}

    class Plain(layers.Layer):
        def call(self, x):
            return x * 2.0

    class Aware(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, x, training=None, mask=None):
            seen["training"], seen["mask"] = training, mask
            return x + 1.0

    x = np.ones((2, 3, 4), np.float32)
    np.testing.assert_array_equal(Plain()(x, training=True), x * 2)
    aware = Aware()
    aware(x, training=True)
    assert seen == {"training": True, "mask": None}
    inputs = layers.Input((3, 4))
    h = Aware()(layers.Masking()(inputs))
    model = Model(inputs, layers.LSTM(2)(h))
    x[0, 1:] = 0.0
    model.predict(x, verbose=0)
    assert seen["training"] is False
    np.testing.assert_array_equal(seen["mask"], [[True, False, False], [True, True, True]])


def test_subclassed_model_predict_shows_progress_as_a_model_does(capsys):
    class Tiny(Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    model = Tiny()
    x = np.ones((70, 3), np.float32)
    model.predict(x)  # 3 batches: "auto" shows the bar
    assert "3/3 [==============================]" in capsys.readouterr().out
    model.predict(x[:5])  # one batch: quiet
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""
    model.predict(x, verbose=2)
    assert capsys.readouterr().out.count("\n") == 1  # one line at the end
    with pytest.raises(ValueError, match="verbose must be"):
        model.predict(x, verbose=3)


def test_subclassed_model_predict_batches_and_structures():
    class TwoHeads(Model):
        def __init__(self):
            super().__init__(name="two_heads")
            self.rnn = layers.SimpleRNN(3)
            self.out = {"a": layers.Dense(2), "b": layers.Dense(1)}

        def call(self, inputs):
            h = self.rnn(inputs["x"])
            return {"a": self.out["a"](h), "b": self.out["b"](h) + inputs["bias"]}

    model = TwoHeads()
    rng = np.random.default_rng(2)
    x = {"x": rng.standard_normal((5, 4, 2)).astype(np.float32),
         "bias": np.ones((5, 1), np.float32)}
    whole = model(x)
    parts = model.predict(x, batch_size=2, verbose=0)
    assert sorted(parts) == ["a", "b"]
    for key in whole:
        np.testing.assert_allclose(parts[key], whole[key], rtol=1e-5, atol=1e-6)
    assert [la.name for la in model.layers] == ["simple_rnn", "dense", "dense_1"]
    lines = []
    model.summary(print_fn=lines.append)
    assert lines[0] == 'Model: "two_heads"'
    assert any(line.startswith("simple_rnn (SimpleRNN)") and line.endswith("18")
               for line in lines)
    assert "Total params: 30" in lines
    with pytest.raises(ValueError, match="holds layers in a dict"):
        model.save_weights("unused.weights.h5")


def test_unbuilt_and_misused_user_classes_are_named(tmp_path):
    model = Translator(*ARGS)
    with pytest.raises(ValueError, match="not yet been built"):
        model.load_weights(os.path.join(DATA, "subclassed.weights.h5"))
    with pytest.raises(ValueError, match="not built yet"):
        model.set_weights([])

    class Broken(layers.Layer):
        def call(self, x):
            return x @ np.ones((3, 3))

    with pytest.raises(ValueError, match=r"cannot be called on tensors of shapes "
                                          r"\[\(None, 4\)\]"):
        Broken()(layers.Input((4,)))
    wrong = Sequential([layers.Input((5,)), layers.Embedding(20, 6)])
    with pytest.raises(ValueError, match=r"no 'layers' group .* holds \['attention', "
                                         r"'embedding', 'encoder', .*subclassing"):
        wrong.load_weights(os.path.join(DATA, "subclassed.weights.h5"))


def test_weights_compute_like_arrays_in_call():
    class Affine(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="ones")
            self.b = self.add_weight(shape=(2,), initializer="zeros", name="b")

        def call(self, x):
            return ops.matmul(x, self.w) + self.b * 2 - (self.b + self.b) + self.w[0] ** 2

    layer = Affine()
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    layer(x)
    w = np.arange(6, dtype=np.float32).reshape(3, 2)
    layer.set_weights([w, np.array([1.0, -1.0], np.float32)])
    np.testing.assert_allclose(layer(x), x @ w + w[0] ** 2, rtol=1e-6)
    assert [v.name for v in layer.weights] == ["variable_0", "b"]
    assert (-layer.w).shape == (3, 2)
    assert layer.w.ndim == 2


def test_cells_written_by_subclassing_run_as_keras(tmp_path):
    """Keras's MinimalRNNCell going backwards over a masked sequence, then a two-state cell
    with a sublayer returning its states (Keras 3's file and predictions)."""
    data = np.load(os.path.join(DATA, "subclassed_cells.npz"))
    model = cell_model(layers, Model, ops, layers.Input)
    assert [type(la).__name__ for la in model.layers[2:4]] == ["RNN", "RNN"]
    before = model.predict(data["x"], verbose=0)
    model.load_weights(os.path.join(DATA, "subclassed_cells.weights.h5"))
    assert not np.allclose(before, data["y"], atol=1e-3)
    assert_close(model.predict(data["x"], verbose=0), data["y"], FP32_SHORT, "custom cells")
    model.save_weights(tmp_path / "c.weights.h5")
    assert _tree(str(tmp_path / "c.weights.h5")) == _tree(
        os.path.join(DATA, "subclassed_cells.weights.h5"))


def test_custom_cell_states_and_errors():
    class Accumulate(layers.Layer):
        state_size = 2

        def call(self, inputs, states):
            total = states[0] + inputs
            return total, [total]

    x = np.ones((2, 3, 2), np.float32)
    rnn = layers.RNN(Accumulate(), return_sequences=True, return_state=True)
    seq, state = rnn(x, initial_state=[np.full((2, 2), 10.0, np.float32)])
    np.testing.assert_array_equal(seq[:, :, 0], [[11, 12, 13], [11, 12, 13]])
    np.testing.assert_array_equal(state, np.full((2, 2), 13.0))
    stateful = layers.RNN(Accumulate(), stateful=True)
    stateful(x)
    np.testing.assert_array_equal(stateful(x), np.full((2, 2), 6.0))  # carried over
    stateful.reset_states()
    np.testing.assert_array_equal(stateful(x), np.full((2, 2), 3.0))
    # a stateful one in a model: building the graph leaves no state behind
    inputs = layers.Input((3, 2))
    model = Model(inputs, layers.RNN(Accumulate(), stateful=True)(inputs))
    np.testing.assert_array_equal(model(x), np.full((2, 2), 3.0))
    np.testing.assert_array_equal(model(x), np.full((2, 2), 6.0))
    with pytest.raises(ValueError, match="needs 1 initial states"):
        rnn(x, initial_state=[np.zeros((2, 2)), np.zeros((2, 2))])

    class NoState(layers.Layer):
        def call(self, inputs, states):
            return inputs, states

    with pytest.raises(ValueError, match="needs a state_size"):
        layers.RNN(NoState())
    with pytest.raises(ValueError, match="or one cell written by subclassing"):
        layers.RNN([layers.GRUCell(2), Accumulate()])


GatedResidual, Tagger = serializable_classes(layers, Model, ops, lambda cls: cls)
CUSTOM = {"GatedResidual": GatedResidual, "Tagger": Tagger}


@pytest.mark.parametrize("name", ["functional", "tagger"])
def test_keras_files_with_custom_classes_load_with_custom_objects(name, tmp_path):
    """Keras 3 saved a functional model holding a registered custom layer twice, and a
    registered subclassed model (with get_config); load_model rebuilds them from the classes
    given as custom_objects, and saves them back as Keras 3 does."""
    data = np.load(os.path.join(DATA, "subclassed_saved.npz"))
    path = os.path.join(DATA, f"subclassed_{name}.keras")
    model = load_model(path, custom_objects=CUSTOM)
    assert_close(model.predict(data["x"], verbose=0), data[name], FP32_SHORT, name)
    with pytest.raises(ValueError, match="custom_objects=.*'(GatedResidual|Tagger)'"):
        load_model(path)
    model.save(tmp_path / "again.keras")
    again = load_model(tmp_path / "again.keras", custom_objects=CUSTOM)
    np.testing.assert_array_equal(again.predict(data["x"], verbose=0),
                                  model.predict(data["x"], verbose=0))
    fresh = model_from_json(model.to_json(), custom_objects=CUSTOM)
    fresh.set_weights(model.get_weights())
    np.testing.assert_array_equal(fresh.predict(data["x"], verbose=0),
                                  model.predict(data["x"], verbose=0))


def test_custom_layer_in_a_functional_model_built_in_code_loads_keras_weights():
    data = np.load(os.path.join(DATA, "subclassed_saved.npz"))
    model = serializable_functional(layers, Model, layers.Input, GatedResidual)
    model.load_weights(os.path.join(DATA, "subclassed_functional.keras"))
    assert_close(model.predict(data["x"], verbose=0), data["functional"], FP32_SHORT, "built")


def test_saved_config_of_a_custom_class():
    tagger = Tagger(4, 3, name="tagger")
    tagger(np.zeros((2, 5, 3), np.float32))
    entry = json.loads(tagger.to_json())
    assert entry["class_name"] == "Tagger"
    assert entry["registered_name"] == "Custom>Tagger"
    assert entry["config"]["units"] == 4
    assert entry["config"]["tags"] == 3
    assert entry["build_config"] == {"input_shape": [2, 5, 3]}
    again = Tagger.from_config(tagger.get_config())
    assert (again.units, again.tags, again.name) == (4, 3, "tagger")
    with pytest.raises(ValueError, match="has no get_config\\(\\) of its own"):
        Translator(*ARGS).to_json()


def _keras_file_config(path) -> dict:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def _without_registered_names(entry):
    """A config with the registered names (Keras's package prefixes) left out."""
    if isinstance(entry, dict):
        return {k: _without_registered_names(v) for k, v in entry.items()
                if k not in ("registered_name", "shared_object_id")}
    if isinstance(entry, list):
        return [_without_registered_names(v) for v in entry]
    return entry


def test_cells_written_by_subclassing_in_bidirectional_run_as_keras(tmp_path):
    """Keras 3 saved Bidirectional RNNs over cells with get_config (one state, masked,
    concat; two states with a sublayer, sum, returning states): load_model rebuilds each
    direction's cell from its config and predicts Keras's numbers; the model built in code
    loads the weights; both save what Keras saved."""
    data = np.load(os.path.join(DATA, "subclassed_bidir.npz"))
    path = os.path.join(DATA, "subclassed_bidir.keras")
    built, cells = bidirectional_cells(layers, Model, ops, layers.Input, lambda cls: cls)
    loaded = load_model(path, custom_objects=cells)
    bidir = loaded.layers[2]
    assert type(bidir.forward_layer.cell).__name__ == "SerialMinimalCell"
    assert bidir.forward_layer.cell is not bidir.backward_layer.cell
    assert bidir.backward_layer.go_backwards
    assert_close(loaded.predict(data["x"], verbose=0), data["y"], FP32_SHORT, "loaded")
    before = built.predict(data["x"], verbose=0)
    built.load_weights(path)
    assert not np.allclose(before, data["y"], atol=1e-3)
    assert_close(built.predict(data["x"], verbose=0), data["y"], FP32_SHORT, "built")
    assert loaded.count_params() == built.count_params() == 176
    for model, name in ((loaded, "loaded"), (built, "built")):
        model.save_weights(tmp_path / f"{name}.weights.h5")
        model.save(tmp_path / f"{name}.keras")
        import zipfile

        with zipfile.ZipFile(path) as archive:
            (tmp_path / "keras.weights.h5").write_bytes(archive.read("model.weights.h5"))
        assert _tree(str(tmp_path / f"{name}.weights.h5")) == _tree(
            str(tmp_path / "keras.weights.h5"))
        again = load_model(tmp_path / f"{name}.keras", custom_objects=cells)
        np.testing.assert_array_equal(again.predict(data["x"], verbose=0),
                                      model.predict(data["x"], verbose=0))
    ours = _keras_file_config(tmp_path / "loaded.keras")["config"]["layers"]
    theirs = _keras_file_config(path)["config"]["layers"]
    bidirectional = [i for i, entry in enumerate(theirs) if entry["class_name"] ==
                     "Bidirectional"]
    assert len(bidirectional) == 2
    assert [ours[i]["class_name"] for i in bidirectional] == ["Bidirectional"] * 2
    for i in bidirectional:  # their RNNs and cells as Keras writes them
        for key in ("layer", "backward_layer"):
            assert _without_registered_names(ours[i]["config"][key]) == \
                _without_registered_names(theirs[i]["config"][key])
    assert ours[bidirectional[0]]["config"]["layer"]["config"]["cell"]["registered_name"] == \
        "Custom>SerialMinimalCell"


def _numpy_minimal_rnn(x, h, kernel, recurrent, keep, backwards):
    """SerialMinimalCell (tanh) over x in NumPy from state h: outputs in input time order,
    masked steps zero and holding the state, and the last state."""
    batch, steps, _ = x.shape
    out = np.zeros((batch, steps, kernel.shape[1]))
    for t in (range(steps - 1, -1, -1) if backwards else range(steps)):
        new = np.tanh(x[:, t] @ kernel + h @ recurrent)
        h = np.where(keep[:, t, None], new, h)
        out[:, t] = np.where(keep[:, t, None], new, 0.0)
    return out, h


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_bidirectional_user_cell_against_numpy(merge_mode, go_backwards):
    """Each direction's copy of the cell, its own weights, masks, merges, states in and out,
    and a wrapped layer that itself goes backwards (Keras reverses the backward output
    whatever the flags), against a direct NumPy computation."""
    _, cells = bidirectional_cells(layers, Model, ops, layers.Input, lambda cls: cls)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 5, 2)).astype(np.float32)
    keep = np.ones((3, 5), bool)
    keep[0, 3:] = False
    keep[2, :1] = False
    layer = layers.Bidirectional(
        layers.RNN(cells["SerialMinimalCell"](4), return_sequences=True, return_state=True,
                   go_backwards=go_backwards), merge_mode=merge_mode)
    init = [rng.standard_normal((3, 4)).astype(np.float32) * 0.5 for _ in range(2)]
    layer(x, mask=keep, initial_state=init)
    weights = [rng.standard_normal(w.shape).astype(np.float32) * 0.5
               for w in layer.get_weights()]
    layer.set_weights(weights)
    got = layer(x, mask=keep, initial_state=init)
    fw, h_fw = _numpy_minimal_rnn(x, init[0], *weights[:2], keep, go_backwards)
    bw, h_bw = _numpy_minimal_rnn(x, init[1], *weights[2:], keep, not go_backwards)
    if go_backwards:  # outputs in each layer's processing order, then the backward reversed
        fw, bw = fw[:, ::-1], bw[:, ::-1]
    merged = {"concat": [np.concatenate([fw, bw], -1)], "sum": [fw + bw], "mul": [fw * bw],
              "ave": [(fw + bw) / 2], None: [fw, bw]}[merge_mode]
    assert len(got) == len(merged) + 2
    for g, want in zip(got, [*merged, h_fw, h_bw]):
        assert_close(g, want, FP32_SHORT, f"merge {merge_mode}")


def test_bidirectional_user_cell_states_stateful_and_errors():
    _, cells = bidirectional_cells(layers, Model, ops, layers.Input, lambda cls: cls)
    cell = cells["SerialTwoStateCell"]
    x = np.random.default_rng(4).standard_normal((2, 4, 3)).astype(np.float32)
    bidir = layers.Bidirectional(layers.RNN(cell(3), return_state=True))
    out = bidir(x)
    assert [np.shape(o) for o in out] == [(2, 6)] + [(2, 3)] * 4
    given = [np.full((2, 3), 0.1 * i, np.float32) for i in range(4)]
    started = bidir(x, initial_state=given)
    assert not np.allclose(started[0], out[0])
    with pytest.raises(ValueError, match="expects 4 initial states"):
        bidir(x, initial_state=given[:2])
    with pytest.raises(ValueError, match=r"initial state 1 of RNN layer .* shape \(2, 3\)"):
        bidir(x, initial_state=[given[0], np.zeros((2, 5), np.float32), *given[2:]])
    # stateful: both directions carry their states between calls
    stateful = layers.Bidirectional(layers.RNN(cell(3), stateful=True))
    first = stateful(x)
    stateful.set_weights(bidir.get_weights())
    stateful.reset_states()
    np.testing.assert_array_equal(stateful(x), bidir(x)[0])
    assert not np.allclose(stateful(x), first)
    stateful.reset_states()
    np.testing.assert_array_equal(stateful(x), bidir(x)[0])
    # a symbolic call checks the states too
    inputs = layers.Input((4, 3))
    with pytest.raises(ValueError, match="initial state 0 of RNN layer"):
        bidir(inputs, initial_state=[layers.Input((5,)), *[layers.Input((3,))] * 3])

    class NoConfig(layers.Layer):  # its get_config lacks units: no copy can be made
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.state_size = units

        def call(self, inputs, states):
            return states[0], states

    with pytest.raises(ValueError, match="rebuilds the cell of RNN layer .*get_config"):
        layers.Bidirectional(layers.RNN(NoConfig(2)))
    fw = layers.RNN(cell(3), return_sequences=True)
    with pytest.raises(ValueError, match="different go_backwards"):
        layers.Bidirectional(fw, backward_layer=layers.RNN(cell(3), return_sequences=True))
    back = layers.RNN(cell(3), return_sequences=True, go_backwards=True)
    pair = layers.Bidirectional(fw, backward_layer=back)
    assert pair.backward_layer is back
    assert pair(x).shape == (2, 4, 6)
    with pytest.raises(ValueError, match=r"weight 1 \(forward dense/kernel\) has shape "
                                         r"\(3, 3\), expected \(6, 3\)"):
        pair.set_weights([np.zeros(s) for s in ([(3, 3)] * 6)])


def test_wrapper_subclass_with_input_spec_saves_and_checks_its_inputs(tmp_path):
    """keras.layers.Wrapper and keras.InputSpec, as a wrapper written for Keras uses them:
    the wrapped layer's weights are the wrapper's, the spec's ndim and axes are checked with
    Keras's messages, and the model saves and loads back with the class as custom object."""
    import fusedrnn as keras

    class Scaled(keras.layers.Wrapper):
        def __init__(self, layer, factor=2.0, **kwargs):
            super().__init__(layer, **kwargs)
            self.factor = factor
            self.input_spec = keras.InputSpec(ndim=3, axes={-1: 4})

        def call(self, x):
            return self.layer(x) * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    inputs = keras.Input((5, 4))
    wrapper = Scaled(keras.layers.GRU(3), factor=0.5)
    model = keras.Model(inputs, wrapper(inputs))
    x = np.random.default_rng(0).standard_normal((2, 5, 4)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), 0.5 * wrapper.layer(x), rtol=1e-6)
    assert len(model.get_weights()) == 3
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        wrapper(np.zeros((2, 5, 3), np.float32))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        wrapper(np.zeros((2, 4), np.float32))
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras", custom_objects={"Scaled": Scaled})
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    spec = keras.layers.InputSpec(shape=(None, 3), dtype="float32")
    assert keras.layers.InputSpec.from_config(spec.get_config()).shape == (None, 3)
    with pytest.raises(ValueError, match="Axis 3 is greater than the maximum allowed value: 1"):
        keras.InputSpec(ndim=2, axes={3: 1})
    with pytest.raises(ValueError, match="isn't a supported layer type"):
        keras.layers.Wrapper("gru")


def test_reversible_embedding_reverse_call():
    """Forward: Embedding's lookup and mask; reverse: h @ table.T (tied) or h @ its own
    reverse weights, tanh-capped, unmasked; the arguments it refuses."""
    from fusedrnn import layers

    tied = layers.ReversibleEmbedding(10, 4, mask_zero=True)
    ids = np.array([[3, 0, 7]])
    emb = tied(ids)
    table = tied.get_weights()[0]
    np.testing.assert_array_equal(emb, table[ids])
    h = np.random.default_rng(1).standard_normal((1, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(tied(h, reverse=True), h @ table.T, rtol=1e-6)
    capped = layers.ReversibleEmbedding(10, 4, tie_weights=False, logit_soft_cap=1.5)
    capped(ids)
    table, reverse = capped.get_weights()
    assert reverse.shape == (4, 10)
    np.testing.assert_allclose(capped(h, reverse=True), np.tanh(h @ reverse / 1.5) * 1.5,
                               rtol=1e-6)
    with pytest.raises(ValueError, match="must end with 4 features"):
        tied(np.zeros((1, 3, 5), np.float32), reverse=True)
    with pytest.raises(ValueError, match="reverse_dtype 'bfloat16' is not supported"):
        layers.ReversibleEmbedding(10, 4, reverse_dtype="bfloat16")
    with pytest.raises(ValueError, match="logit_soft_cap must be positive"):
        layers.ReversibleEmbedding(10, 4, logit_soft_cap=0)
