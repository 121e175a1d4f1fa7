"""fusedrnn.torch_compat: PyTorch parameters in Keras's layout. Checked against scalar loops
of PyTorch's equations (tests/test_reference.py, no torch needed), against what torch's own
modules computed (tests/data/golden/torch_modules.npz, written by
tests/golden/generate_torch_golden.py with torch 2.14) and, when torch is installed, against
torch itself."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from fusedrnn import layers
from fusedrnn.models import Sequential
from fusedrnn.torch_compat import (
    keras_weights_from_state_dict,
    keras_weights_from_torch,
    layers_from_torch,
    model_from_torch,
)
from test_reference import (
    random_torch_weights,
    torch_gru_loop,
    torch_lstm_loop,
    torch_rnn_loop,
)
from tolerances import FP32_SHORT, assert_close

LAYERS = {"simple_rnn": layers.SimpleRNN, "gru": layers.GRU, "lstm": layers.LSTM}
GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}


def torch_loop(cell, x, params, h0):
    w_ih, w_hh, b_ih, b_hh = params
    if cell == "simple_rnn":
        return torch_rnn_loop(x, w_ih, w_hh, b_ih, b_hh, h0)[0]
    if cell == "gru":
        return torch_gru_loop(x, w_ih, w_hh, b_ih, b_hh, h0)[0]
    return torch_lstm_loop(x, w_ih, w_hh, b_ih, b_hh, h0, np.zeros_like(h0))[0]


@pytest.mark.parametrize("cell", sorted(GATES))
@pytest.mark.parametrize(("input_dim", "units"), [(3, 5), (7, 16), (4, 33)])
def test_converted_layer_computes_torch_equations(cell, input_dim, units):
    rng = np.random.default_rng(units + GATES[cell])
    params = [p.astype(np.float32).astype(np.float64)
              for p in random_torch_weights(rng, GATES[cell], input_dim, units)]
    x = rng.standard_normal((2, 6, input_dim)).astype(np.float32)
    layer = LAYERS[cell](units, return_sequences=True)
    layer(x)  # build
    layer.set_weights(keras_weights_from_torch(cell, *params))
    want = torch_loop(cell, x.astype(np.float64), params, np.zeros((2, units)))
    assert_close(layer(x), want, FP32_SHORT, f"{cell} from torch parameters")


def test_state_dict_of_two_bidirectional_layers():
    """nn.LSTM(num_layers=2, bidirectional=True) as two Bidirectional(LSTM) layers: each
    direction is the torch loop (the backward one on the reversed sequence), concatenated."""
    rng = np.random.default_rng(5)
    input_dim, units = 4, 6
    state, params = {}, {}
    for layer_index, width in ((0, input_dim), (1, 2 * units)):
        for suffix in ("", "_reverse"):
            p = [a.astype(np.float32) for a in random_torch_weights(rng, 4, width, units)]
            params[(layer_index, suffix)] = p
            for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), p):
                state[f"{name}_l{layer_index}{suffix}"] = value
    model = Sequential([
        layers.Input((5, input_dim)),
        layers.Bidirectional(layers.LSTM(units, return_sequences=True)),
        layers.Bidirectional(layers.LSTM(units, return_sequences=True)),
    ])
    model.set_weights(keras_weights_from_state_dict(state, "lstm", layer=0, bidirectional=True)
                      + keras_weights_from_state_dict(state, "lstm", layer=1, bidirectional=True))
    x = rng.standard_normal((3, 5, input_dim)).astype(np.float32)
    h = x.astype(np.float64)
    for layer_index in (0, 1):
        h0 = np.zeros((3, units))
        fw = torch_loop("lstm", h, [p.astype(np.float64) for p in params[(layer_index, "")]], h0)
        bw = torch_loop("lstm", h[:, ::-1],
                        [p.astype(np.float64) for p in params[(layer_index, "_reverse")]], h0)
        h = np.concatenate([fw, bw[:, ::-1]], axis=-1)
    assert_close(model.predict(x, verbose=0), h, FP32_SHORT, "2-layer bidirectional LSTM")


def test_bias_false_and_bad_shapes():
    rng = np.random.default_rng(0)
    w_ih, w_hh, _, _ = random_torch_weights(rng, 3, 4, 5)
    assert [w.shape for w in keras_weights_from_torch("gru", w_ih, w_hh)] == [(4, 15), (5, 15)]
    with pytest.raises(ValueError, match=r"weight_hh of a torch lstm must have shape \(4 \* units"):
        keras_weights_from_torch("lstm", w_ih, w_hh)
    with pytest.raises(ValueError, match=r"weight_ih must have shape \(15, input_dim\)"):
        keras_weights_from_torch("gru", w_ih[:10], w_hh)
    with pytest.raises(ValueError, match="both bias_ih and bias_hh, or neither"):
        keras_weights_from_torch("gru", w_ih, w_hh, np.zeros(15))
    with pytest.raises(ValueError, match=r"bias_hh must have shape \(15,\)"):
        keras_weights_from_torch("gru", w_ih, w_hh, np.zeros(15), np.zeros(14))
    with pytest.raises(ValueError, match="unknown cell"):
        keras_weights_from_torch("rnn", w_ih, w_hh)
    with pytest.raises(ValueError, match=r"no weight_ih_l1 .*check layer="):
        keras_weights_from_state_dict({"weight_ih_l0": w_ih, "weight_hh_l0": w_hh}, "gru",
                                      layer=1)
    with pytest.raises(ValueError, match=r"no weight_hh_l0 "):  # was a bare KeyError
        keras_weights_from_state_dict({"weight_ih_l0": w_ih}, "gru")
    with pytest.raises(TypeError, match="state_dict must be a mapping"):  # was AttributeError
        keras_weights_from_state_dict([("weight_ih_l0", w_ih), ("weight_hh_l0", w_hh)], "gru")


def test_torch_modules_if_available():
    torch = pytest.importorskip("torch", reason="torch is optional (a peer for comparisons)")
    torch.manual_seed(0)
    x = np.random.default_rng(1).standard_normal((2, 7, 5)).astype(np.float32)
    for cell, module_cls in (("simple_rnn", torch.nn.RNN), ("gru", torch.nn.GRU),
                             ("lstm", torch.nn.LSTM)):
        net = module_cls(5, 8, num_layers=2, bidirectional=True, batch_first=True).eval()
        with torch.no_grad():
            want = net(torch.from_numpy(x))[0].numpy()
        sd = net.state_dict()
        model = Sequential([
            layers.Input((7, 5)),
            layers.Bidirectional(LAYERS[cell](8, return_sequences=True)),
            layers.Bidirectional(LAYERS[cell](8, return_sequences=True)),
        ])
        model.set_weights(keras_weights_from_state_dict(sd, cell, 0, True)
                          + keras_weights_from_state_dict(sd, cell, 1, True))
        assert_close(model.predict(x, verbose=0), want, FP32_SHORT, f"torch {cell}")


GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "torch_modules.npz")
with np.load(GOLDEN) as _data:
    TORCH_CASES = json.loads(str(_data["index"]))


def _spec(spec: dict, data) -> dict:
    """A recorded description with its weights' arrays put back."""
    spec = dict(spec)
    if "children" in spec:
        spec["children"] = [_spec(c, data) for c in spec["children"]]
    if "weights" in spec:
        spec["weights"] = {k: data[v] for k, v in spec["weights"].items()}
    return spec


CALL_CASES = [c for c in TORCH_CASES if "call" in c]
TORCH_CASES = [c for c in TORCH_CASES if "call" not in c]


@pytest.mark.parametrize("case", CALL_CASES, ids=lambda c: c["name"])
def test_torch_cells_and_attention_convert(case):
    """A cell from given states (torch's cell(x, h) / cell(x, (h, c)) against fusedrnn's
    cell(x, [h]) / cell(x, [h, c])), and MultiheadAttention with its attention weights per
    head, a key padding mask as Keras's attention mask."""
    name = case["name"]
    with np.load(GOLDEN) as data:
        spec = _spec(case["spec"], data)
        inputs = [data[f"{name}_in{i}"] if f"{name}_in{i}" in data.files else None
                  for i in range(case["inputs"])]
        want = [data[f"{name}_out{i}"] for i in range(case["outputs"])]
    (layer,) = layers_from_torch(spec)
    if case["call"] == "attention":
        q, k, v, padding = inputs
        mask = None if padding is None else np.broadcast_to(
            ~padding[:, None, :], (q.shape[0], q.shape[1], k.shape[1]))
        got = layer(q, v, k, attention_mask=mask, return_attention_scores=True)
    elif case["call"] == "lstm_cell":
        got = layer(inputs[0], inputs[1:])[1]
    else:
        got = [layer(inputs[0], inputs[1:])[0]]
    for g, w in zip(got, want):
        assert_close(np.asarray(g), w, FP32_SHORT, name)


@pytest.mark.parametrize("case", TORCH_CASES, ids=lambda c: c["name"])
def test_torch_modules_convert(case):
    """Each recorded torch module (an RNN stack, or an nn.Sequential), converted from its
    description, computes what torch computed."""
    with np.load(GOLDEN) as data:
        spec = _spec(case["spec"], data)
        x, want = data[f"{case['name']}_x"], data[f"{case['name']}_y"]
    dtype = "int32" if case["dtype"] == "int64" else "float32"
    model = model_from_torch(spec, x.shape[1:], dtype=dtype)
    got = model.predict(x.astype(dtype), verbose=0)
    assert got.shape == want.shape
    assert_close(got, want, FP32_SHORT, case["name"])


@pytest.mark.parametrize(("spec", "match"), [
    ({"class_name": "LSTM", "config": {"input_size": 2, "hidden_size": 3, "num_layers": 1,
                                       "proj_size": 2}, "weights": {}}, "proj_size"),
    ({"class_name": "Embedding", "config": {"num_embeddings": 4, "embedding_dim": 2,
                                            "max_norm": 1.0}, "weights": {}}, "max_norm"),
    ({"class_name": "Conv1d", "config": {"in_channels": 2, "out_channels": 2,
                                         "kernel_size": [3], "stride": [2], "padding": [1],
                                         "dilation": [1], "groups": 1,
                                         "padding_mode": "zeros"}, "weights": {}}, "padding"),
    ({"class_name": "Conv1d", "config": {"in_channels": 2, "out_channels": 2,
                                         "kernel_size": [3], "stride": [1], "padding": [1],
                                         "dilation": [1], "groups": 1,
                                         "padding_mode": "reflect"}, "weights": {}},
     "padding_mode"),
    ({"class_name": "GELU", "config": {"approximate": "tanh"}}, "approximate"),
    ({"class_name": "LogSoftmax", "config": {"dim": 1}}, "last axis"),
    ({"class_name": "Flatten", "config": {"start_dim": 0, "end_dim": -1}}, "start_dim"),
    ({"class_name": "BatchNorm1d", "config": {"num_features": 2, "eps": 1e-5, "affine": True,
                                              "track_running_stats": False}}, "running"),
    ({"class_name": "Transformer", "config": {}}, "converts"),
    ({"class_name": "MultiheadAttention", "config": {"embed_dim": 4, "num_heads": 2},
      "weights": {"bias_k": np.zeros((1, 1, 4))}}, "add_bias_kv"),
    ({"class_name": "MultiheadAttention", "config": {"embed_dim": 4, "num_heads": 2,
                                                     "add_zero_attn": True}, "weights": {}},
     "add_zero_attn"),
    ({"class_name": "TransformerEncoderLayer", "config": {"activation": "silu"},
      "weights": {}}, "activation 'silu'"),
    ({"class_name": "TransformerEncoderLayer",
      "config": {"activation": "GELU", "approximate": "tanh"}, "weights": {}}, "tanh"),
])
def test_torch_modules_fusedrnn_cannot_match_are_refused(spec, match):
    with pytest.raises(ValueError, match=match):
        layers_from_torch(spec)


def test_torch_module_objects_if_available():
    """torch_spec reads real modules (the recordings above were made with it)."""
    torch = pytest.importorskip("torch", reason="torch is optional (a peer for comparisons)")
    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(),
                              torch.nn.LayerNorm(3)).eval()
    x = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    with torch.no_grad():
        want = net(torch.from_numpy(x)).numpy()
    assert_close(model_from_torch(net, (4,)).predict(x, verbose=0), want, FP32_SHORT)


def test_description_and_saved_state_dict_serve_without_the_module_if_available(tmp_path):
    """torch_spec(weights=False) is plain JSON; with the file torch.save wrote it builds what
    the module computes (load_state_dict reads the file without torch)."""
    import json

    from fusedrnn.torch_compat import load_state_dict, torch_spec

    torch = pytest.importorskip("torch", reason="torch is optional (a peer for comparisons)")
    torch.manual_seed(3)
    net = torch.nn.Sequential(torch.nn.Embedding(11, 4), torch.nn.LSTM(
        4, 5, num_layers=2, bidirectional=True, batch_first=True)).eval()
    torch.save(net.state_dict(), tmp_path / "net.pt")
    spec = json.loads(json.dumps(torch_spec(net, weights=False)))
    tokens = np.random.default_rng(4).integers(0, 11, (2, 6))
    with torch.no_grad():
        want = net[1](net[0](torch.from_numpy(tokens)))[0].numpy()
    model = model_from_torch(spec, (6,), dtype="int32",
                             state_dict=load_state_dict(tmp_path / "net.pt"))
    assert_close(model.predict(tokens, verbose=0), want, FP32_SHORT)


def test_converted_transformer_saves_and_loads(tmp_path):
    """The TransformerEncoder case's model (nested functional models for its layers) saved
    as a Keras file and loaded back computes the same."""
    from fusedrnn.models import load_model

    case = next(c for c in TORCH_CASES if c["name"] == "transformer_stack")
    with np.load(GOLDEN) as data:
        spec = _spec(case["spec"], data)
        x, want = data["transformer_stack_x"], data["transformer_stack_y"]
    model = model_from_torch(spec, x.shape[1:])
    model.save(tmp_path / "t.keras")
    got = load_model(tmp_path / "t.keras").predict(x, verbose=0)
    assert_close(got, want, FP32_SHORT, "reloaded")
