"""Files and layers of Keras 2's older days: CuDNNLSTM / CuDNNGRU models (which TensorFlow
runs only on a GPU), a Sequential config saved as a bare list of layers (Keras <= 2.2.2) and
RNNs with time_major=True.

The files were written by tf_keras 2.21 (tests/golden/generate_keras2_legacy.py); Keras's
numbers for a cuDNN model are its twin's (LSTM / GRU(reset_after=True)) after Keras's legacy
loader converted the cuDNN weights into it. The cuDNN layout itself is also checked against a
direct implementation of cuDNN's equations over the weights as cuDNN reads them.
"""

from __future__ import annotations

import json
import os
import sys
import zipfile

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from fusedrnn import layers as L  # noqa: E402
from fusedrnn import models as M  # noqa: E402
from fusedrnn.models import load_model, model_from_json  # noqa: E402
from tolerances import FP32_KERAS, FP32_SHORT, assert_close  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data", "keras_files")
sys.path.insert(0, DATA)
from cases import CUDNN_CASES  # noqa: E402


def _gru(units, **kwargs):
    return L.GRU(units, reset_after=True, **kwargs)


def _build(name, cudnn=True):
    build, _ = CUDNN_CASES[name]
    lstm, gru = (L.CuDNNLSTM, L.CuDNNGRU) if cudnn else (L.LSTM, _gru)
    return build(L, M.Sequential, M.Model, L.Input, lstm, gru)


def _golden(name):
    data = np.load(os.path.join(DATA, f"{name}.keras2.npz"))
    ys = [data[k] for k in sorted(k for k in data.files if k.startswith("y"))]
    back = [data[f"back_{i}"] for i in range(sum(k.startswith("back_") for k in data.files))]
    return data["x"], ys, back


def _outputs(model, x):
    out = model.predict(x, verbose=0)
    return out if isinstance(out, list) else [out]


def _file_arrays(path):
    """Every weight array of a legacy .h5 file, in its layers' order."""
    with h5py.File(path, "r") as root:
        group = root["model_weights"] if "model_weights" in root else root
        arrays = []
        for name in group.attrs["layer_names"]:
            layer = group[name]
            arrays += [np.asarray(layer[w]) for w in layer.attrs.get("weight_names", [])]
    return arrays


# --------------------------------------------------------------------------- cuDNN files


@pytest.mark.parametrize("name", sorted(CUDNN_CASES))
def test_cudnn_model_file_loads_and_predicts_like_keras(name):
    x, ys, _ = _golden(name)
    model = load_model(os.path.join(DATA, f"{name}.keras2.h5"))
    kinds = {type(layer).__name__ for layer in model.layers}
    kinds |= {type(layer.forward_layer).__name__ for layer in model.layers
              if isinstance(layer, L.Bidirectional)}
    assert {"CuDNNLSTM", "CuDNNGRU"} <= kinds
    # The weights are kept as the file holds them (the cuDNN layout), as Keras 2 keeps them.
    stored = _file_arrays(os.path.join(DATA, f"{name}.keras2.h5"))
    got = model.get_weights()
    assert [w.shape for w in got] == [w.shape for w in stored]
    for g, w in zip(got, stored):
        np.testing.assert_array_equal(g, w)
    assert model.count_params() == sum(w.size for w in stored)
    for out, y in zip(_outputs(model, x), ys, strict=True):
        assert_close(out, y, FP32_KERAS, f"{name} prediction")


@pytest.mark.parametrize("name", sorted(CUDNN_CASES))
def test_lstm_and_gru_load_cudnn_weights_as_keras_2_does(name):
    """An LSTM / GRU(reset_after=True) model built in code loads the cuDNN model's
    save_weights file, converted as Keras 2's legacy loader converts it."""
    x, ys, _ = _golden(name)
    model = _build(name, cudnn=False)
    before = _outputs(model, x)
    model.load_weights(os.path.join(DATA, f"{name}.keras2_weights.h5"))
    for b, out, y in zip(before, _outputs(model, x), ys, strict=True):
        assert not np.allclose(b, y, atol=1e-3)
        assert_close(out, y, FP32_KERAS, f"{name} twin prediction")


@pytest.mark.parametrize("name", sorted(CUDNN_CASES))
def test_cudnn_layers_load_lstm_weights_as_keras_2_does(name):
    """The other way: the cuDNN model loads its twin's weights into the exact arrays Keras 2
    gives it, and predicts the same."""
    x, ys, back = _golden(name)
    model = _build(name)
    model.load_weights(os.path.join(DATA, f"{name}.plain.keras2_weights.h5"))
    got = model.get_weights()
    assert len(got) == len(back)
    for g, w in zip(got, back):
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-7)  # Keras halves the LSTM bias
    for out, y in zip(_outputs(model, x), ys, strict=True):
        assert_close(out, y, FP32_KERAS, f"{name} prediction")


# --------------------------------------------------------------------------- cuDNN's math


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def _cudnn_reference(kind, x, kernel, recurrent, bias, h0=None, c0=None):
    """cuDNN's LSTM / GRU over the weights as Keras 2 hands them to cuDNN: per gate, the
    kernel block's bytes are the row-major (units, input_dim) matrix W, the recurrent block
    the (units, units) matrix R, each applied as W @ x; the bias is cuDNN's bW then bR. Gates
    in Keras's order: LSTM i, f, c, o; GRU z, r, h."""
    x = x.astype(np.float64)
    batch, steps, features = x.shape
    gates = 4 if kind == "lstm" else 3
    units = recurrent.shape[0]
    w = [np.ascontiguousarray(k, np.float64).reshape(units, features)
         for k in np.hsplit(kernel, gates)]
    r = [np.ascontiguousarray(k, np.float64).reshape(units, units)
         for k in np.hsplit(recurrent, gates)]
    bw = np.split(bias[:gates * units].astype(np.float64), gates)
    br = np.split(bias[gates * units:].astype(np.float64), gates)
    h = np.zeros((batch, units)) if h0 is None else h0.astype(np.float64)
    c = np.zeros((batch, units)) if c0 is None else c0.astype(np.float64)
    outs = []
    for t in range(steps):
        xt = x[:, t]
        wx = [xt @ w[g].T + bw[g] for g in range(gates)]
        rh = [h @ r[g].T + br[g] for g in range(gates)]
        if kind == "lstm":
            i, f = _sigmoid(wx[0] + rh[0]), _sigmoid(wx[1] + rh[1])
            g, o = np.tanh(wx[2] + rh[2]), _sigmoid(wx[3] + rh[3])
            c = f * c + i * g
            h = o * np.tanh(c)
        else:
            z, rr = _sigmoid(wx[0] + rh[0]), _sigmoid(wx[1] + rh[1])
            n = np.tanh(wx[2] + rr * rh[2])
            h = (1 - z) * n + z * h
        outs.append(h)
    return np.stack(outs, axis=1), h, c


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize(("batch", "steps", "features", "units"),
                         [(1, 1, 1, 1), (2, 7, 5, 3), (3, 4, 9, 16), (4, 12, 3, 33)])
def test_cudnn_layers_compute_cudnns_equations(kind, batch, steps, features, units):
    rng = np.random.default_rng(batch * 100 + units)
    cls = L.CuDNNLSTM if kind == "lstm" else L.CuDNNGRU
    layer = cls(units, return_sequences=True, return_state=True)
    x = rng.standard_normal((batch, steps, features)).astype(np.float32)
    layer(x)
    gates = 4 if kind == "lstm" else 3
    weights = [(rng.standard_normal(s) * 0.5).astype(np.float32)
               for s in [(features, gates * units), (units, gates * units), (2 * gates * units,)]]
    layer.set_weights(weights)
    h0 = rng.standard_normal((batch, units)).astype(np.float32)
    c0 = rng.standard_normal((batch, units)).astype(np.float32)
    init = [h0, c0] if kind == "lstm" else [h0]
    seq, *states = layer(x, initial_state=init)
    want_seq, want_h, want_c = _cudnn_reference(kind, x, *weights, h0=h0, c0=c0)
    assert_close(seq, want_seq, FP32_SHORT, "sequence")
    assert_close(states[0], want_h, FP32_SHORT, "h")
    if kind == "lstm":
        assert_close(states[1], want_c, FP32_SHORT, "c")


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_cudnn_go_backwards_and_streaming(kind):
    rng = np.random.default_rng(3)
    cls = L.CuDNNLSTM if kind == "lstm" else L.CuDNNGRU
    x = rng.standard_normal((2, 6, 4)).astype(np.float32)
    back = cls(5, return_sequences=True, go_backwards=True)
    back(x)
    back.set_weights([w + rng.standard_normal(w.shape).astype(np.float32) * 0.3
                      for w in back.get_weights()])
    want, _, _ = _cudnn_reference(kind, x[:, ::-1], *back.get_weights())
    assert_close(back(x), want, FP32_SHORT, "go_backwards")  # in processing order, as Keras
    stream = cls(5, stateful=True)
    stream(x[:, :1])
    stream.set_weights(back.get_weights())
    stream.reset_states()  # the building call carried a state
    steps = [stream(x[:, t:t + 1]) for t in range(6)]
    _, want_h, _ = _cudnn_reference(kind, x, *back.get_weights())
    assert_close(steps[-1], want_h, FP32_SHORT, "state carried over six calls")


def test_cudnn_lstm_initial_weights_as_keras():
    layer = L.CuDNNLSTM(4, bias_initializer="zeros")
    layer(np.zeros((1, 2, 3), np.float32))
    kernel, recurrent, bias = layer.get_weights()
    assert (kernel.shape, recurrent.shape, bias.shape) == ((3, 16), (4, 16), (32,))
    # Keras 2 starts the recurrent half's forget bias at 1 (unit_forget_bias).
    np.testing.assert_array_equal(bias, np.r_[np.zeros(20), np.ones(4), np.zeros(8)])
    plain = L.CuDNNLSTM(4, unit_forget_bias=False, bias_initializer="ones")
    plain(np.zeros((1, 2, 3), np.float32))
    np.testing.assert_array_equal(plain.get_weights()[2], np.ones(32))
    gru = L.CuDNNGRU(4)
    gru(np.zeros((1, 2, 3), np.float32))
    assert [w.shape for w in gru.get_weights()] == [(3, 12), (4, 12), (24,)]
    assert gru.cell.state_size == 4
    assert layer.cell.state_size == (4, 4)


def test_cudnn_refuses_masks_and_wrong_weights():
    inputs = L.Input((5, 3))
    model = M.Model(inputs, L.CuDNNLSTM(4)(L.Masking()(inputs)))
    x = np.ones((2, 5, 3), np.float32)
    with pytest.raises(ValueError, match="masking is not supported for CuDNN"):
        model.predict(x, verbose=0)
    layer = L.CuDNNGRU(4)
    layer(x)
    with pytest.raises(ValueError, match=r"\(24,\)"):
        layer.set_weights([np.zeros((3, 12)), np.zeros((4, 12)), np.zeros((2, 12))])
    time_major = L.CuDNNLSTM(4, time_major=True, return_sequences=True)
    assert time_major(x.swapaxes(0, 1)).shape == (x.shape[1], x.shape[0], 4)
    assert time_major.get_config()["time_major"] is True


def test_gru_without_reset_after_refuses_cudnn_weights():
    model = _build("cudnn_stack", cudnn=False)
    bad = M.Sequential([L.Input((7, 5)), L.LSTM(6, return_sequences=True),
                        L.Bidirectional(L.GRU(4, return_sequences=True, reset_after=False)),
                        L.GRU(5, return_sequences=True, go_backwards=True),
                        L.LSTM(3, go_backwards=True), L.Dense(2)])
    assert len(bad.layers) == len(model.layers)
    with pytest.raises(ValueError, match="CuDNNGRU weights.*reset_after=False"):
        bad.load_weights(os.path.join(DATA, "cudnn_stack.keras2_weights.h5"))


@pytest.mark.parametrize("name", sorted(CUDNN_CASES))
def test_cudnn_model_saves_as_keras_3s_lstm_and_gru(name, tmp_path):
    """Keras 3 has no cuDNN layers: a model with them saves as the LSTM and GRU it computes,
    the weights converted, and loads back predicting the same."""
    x, ys, _ = _golden(name)
    model = load_model(os.path.join(DATA, f"{name}.keras2.h5"))
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        text = archive.read("config.json").decode()
    assert "CuDNN" not in text
    classes = {layer["class_name"] for layer in json.loads(text)["config"]["layers"]}
    assert {"LSTM"} <= classes
    again = load_model(path)
    assert not any("CuDNN" in type(layer).__name__ for layer in again.layers)
    for out, want in zip(_outputs(again, x), _outputs(model, x), strict=True):
        assert_close(out, want, (1e-6, 1e-6), f"{name} saved as .keras")
    # Its weights file is the twin's, and loads back into the cuDNN model too.
    weights = str(tmp_path / "m.weights.h5")
    model.save_weights(weights)
    twin = _build(name, cudnn=False)
    twin.load_weights(weights)
    for out, y in zip(_outputs(twin, x), ys, strict=True):
        assert_close(out, y, FP32_KERAS, f"{name} twin from saved weights")
    fresh = _build(name)
    fresh.load_weights(weights)
    for g, w in zip(fresh.get_weights(), model.get_weights(), strict=True):
        assert g.shape == w.shape
        if g.ndim == 2:  # the kernels come back as they were (an LSTM's bias is re-split)
            np.testing.assert_array_equal(g, w)
    for out, y in zip(_outputs(fresh, x), ys, strict=True):
        assert_close(out, y, FP32_KERAS, f"{name} cuDNN model from saved weights")


def test_cudnn_config_round_trips():
    model = load_model(os.path.join(DATA, "cudnn_stack.keras2.h5"))
    with h5py.File(os.path.join(DATA, "cudnn_stack.keras2.h5"), "r") as root:
        config = json.loads(root.attrs["model_config"])
    again = model_from_json(json.dumps(config))
    assert [type(layer).__name__ for layer in again.layers] == [
        type(layer).__name__ for layer in model.layers]
    first = again.layers[0].get_config()
    for key in ("units", "return_sequences", "go_backwards", "unit_forget_bias", "time_major"):
        assert first[key] == config["config"]["layers"][1]["config"][key], key


# --------------------------------------------------------------------------- old Sequential


def test_sequential_saved_as_a_list_of_layers_loads():
    """Keras 2.0-2.2.2 saved a Sequential's config as the bare list of its layers, the first
    carrying batch_input_shape; tf_keras still reads it and so does fusedrnn."""
    path = os.path.join(DATA, "old_sequential.keras2.h5")
    data = np.load(os.path.join(DATA, "old_sequential.keras2.npz"))
    with h5py.File(path, "r") as root:
        config = json.loads(root.attrs["model_config"])
    assert isinstance(config["config"], list)
    model = load_model(path)
    assert_close(model.predict(data["x"], verbose=0), data["y"], FP32_KERAS, "prediction")
    assert model.input_shape == (None, 5, 4)
    assert model.layers[1].recurrent_activation == "hard_sigmoid_keras2"  # Keras 2's
    rebuilt = M.Sequential.from_config(config["config"])
    assert [type(layer) for layer in rebuilt.layers] == [type(layer) for layer in model.layers]
    rebuilt = model_from_json(json.dumps({**config, "keras_version": "2.2.2"}))  # to_json's
    rebuilt.load_weights(path)
    assert_close(rebuilt.predict(data["x"], verbose=0), data["y"], FP32_KERAS, "from json")


def test_model_config_that_is_not_an_object_is_refused():
    with pytest.raises(ValueError, match="config that is a JSON list"):
        model_from_json(json.dumps({"class_name": "Functional", "config": []}))


def test_time_major_model_loads_and_predicts_like_keras(tmp_path):
    """Keras 2's time_major=True (tests/golden/generate_keras2_legacy.py): (timesteps, batch,
    features) in, masks (timesteps, batch), sequences out time-major, states (batch, units);
    Masking, a Bidirectional LSTM and a GRU returning its state."""
    data = np.load(os.path.join(DATA, "time_major.keras2.npz"))
    model = load_model(os.path.join(DATA, "time_major.keras2.h5"))
    y, state = model.predict(data["x"], verbose=0)
    assert_close(y, data["y"], FP32_KERAS, "time-major sequence")
    assert_close(state, data["state"], FP32_KERAS, "its state")
    assert model.layers[3].compute_output_shape((None, 3, 4)) == [(None, 3, 3), (3, 3)]
    with pytest.raises(ValueError, match="time-major .* which Keras 3 does not have"):
        model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")  # the weights still save
    fresh = load_model(os.path.join(DATA, "time_major.keras2.h5"))
    fresh.set_weights([np.zeros_like(w) for w in fresh.get_weights()])
    fresh.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_array_equal(fresh.predict(data["x"], verbose=0)[0], y)


@pytest.mark.parametrize("kind", ["SimpleRNN", "GRU", "LSTM"])
def test_time_major_is_batch_major_transposed(kind):
    """Each layer and Bidirectional: time-major output = batch-major output of the transposed
    input (and mask), transposed back; states unchanged; stateful carries them."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 2, 3)).astype(np.float32)  # (timesteps, batch, features)
    mask = np.ones((6, 2), bool)
    mask[4:, 1] = False
    cls = getattr(L, kind)
    tm = cls(4, return_sequences=True, return_state=True, time_major=True)
    bm = cls(4, return_sequences=True, return_state=True)
    tm(x)
    bm(x.swapaxes(0, 1))
    bm.set_weights(tm.get_weights())
    got, want = tm(x, mask=mask), bm(x.swapaxes(0, 1), mask=mask.T)
    np.testing.assert_array_equal(got[0], want[0].swapaxes(0, 1))
    for g, w in zip(got[1:], want[1:]):
        np.testing.assert_array_equal(g, w)
    assert tm.get_config()["time_major"] is True
    assert "time_major" not in bm.get_config()
    bi_tm = L.Bidirectional(cls(4, return_sequences=True, time_major=True), merge_mode=None)
    bi_bm = L.Bidirectional(cls(4, return_sequences=True), merge_mode=None)
    bi_tm(x)
    bi_bm(x.swapaxes(0, 1))
    bi_bm.set_weights(bi_tm.get_weights())
    for g, w in zip(bi_tm(x, mask=mask), bi_bm(x.swapaxes(0, 1), mask=mask.T)):
        np.testing.assert_array_equal(g, w.swapaxes(0, 1))
    stateful = cls(4, time_major=True, stateful=True)
    stateful(x[:3])
    stateful.set_weights(tm.get_weights())
    stateful.reset_states()
    stateful(x[:3])
    np.testing.assert_array_equal(stateful(x[3:]), bm(x.swapaxes(0, 1))[1])  # h at the end
