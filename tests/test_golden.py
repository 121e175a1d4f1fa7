"""fusedrnn against real Keras: golden outputs recorded with Keras 3 (TensorFlow backend).

The files in tests/data/golden/ were written by tests/golden/generate_golden.py (which needs
TensorFlow and is not run here; its docstring describes the file format). Each holds a model
description in Keras's own class names and constructor kwargs, Keras's weights, inputs and
Keras's outputs. Here the model is rebuilt with fusedrnn.layers / fusedrnn.models, given the
same weights, run, and compared with what Keras computed. TensorFlow is not needed.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

# Keras 3 warns when a layer without mask support (GlobalMaxPooling1D, ...) is handed a mask, and
# so does fusedrnn (tested in test_layers.py); here that warning is expected, not an error.
pytestmark = pytest.mark.filterwarnings("ignore:.*does not support masking:UserWarning")

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
from wiring import (  # noqa: E402
    build_functional,
    build_sequential,
    make_layer,
    stateful_layers,
)

GOLDEN_DIR = Path(__file__).resolve().parent / "data" / "golden"
# The other files there hold other tests' cases (test_image_layers.py: image_layers.npz,
# stft_kernels.npz; test_torch_compat.py: torch_modules.npz; test_resize_layers.py:
# resize_layers.npz)
OTHER_TESTS_FILES = ("image_layers.npz", "stft_kernels.npz", "torch_modules.npz",
                     "resize_layers.npz")
GOLDEN_FILES = sorted(p for p in GOLDEN_DIR.glob("*.npz") if p.name not in OTHER_TESTS_FILES)

# fusedrnn computes in float32; Keras float32 vs Keras float64 differ by < 2e-6 on every case.
RTOL = 1e-5
ATOL = 1e-5


@dataclass
class GoldenCall:
    x: np.ndarray | list[np.ndarray]  # a list for a model with several inputs
    mask: np.ndarray | None
    initial_state: list[np.ndarray] | None
    outputs: list[np.ndarray]
    outputs_f64: list[np.ndarray]


@dataclass
class GoldenCase:
    name: str
    config: dict
    keras_version: str
    weights: list[np.ndarray]
    calls: list[GoldenCall] = field(default_factory=list)
    keras_json: str | None = None  # Keras's model.to_json() (models, not single layers)


def load_case(path: Path) -> GoldenCase:
    with np.load(path, allow_pickle=False) as data:
        config = json.loads(str(data["config"]))
        num_weights = int(data["num_weights"])
        weights = [data[f"weight_{i:03d}"] for i in range(num_weights)]
        calls = []
        for k in range(config["num_calls"]):
            prefix = f"call{k}_"
            states = []
            while f"{prefix}initial_state{len(states)}" in data:
                states.append(data[f"{prefix}initial_state{len(states)}"])
            outputs = [data[f"{prefix}output{i}"] for i in range(config["num_outputs"])]
            outputs_f64 = [data[f"{prefix}output{i}_f64"] for i in range(config["num_outputs"])]
            if "num_inputs" in config:
                x = [data[f"{prefix}x{j}"] for j in range(config["num_inputs"])]
            else:
                x = data[f"{prefix}x"]
            calls.append(GoldenCall(
                x=x,
                mask=data[f"{prefix}mask"] if f"{prefix}mask" in data else None,
                initial_state=states or None,
                outputs=outputs,
                outputs_f64=outputs_f64,
            ))
        extra = {k for k in data.files if k.startswith("call")} - {
            f"call{k}_{suffix}" for k in range(config["num_calls"])
            for suffix in ["x", "mask", *(f"initial_state{j}" for j in range(8)),
                           *(f"x{j}" for j in range(config.get("num_inputs", 0))),
                           *(f"output{i}" for i in range(config["num_outputs"])),
                           *(f"output{i}_f64" for i in range(config["num_outputs"]))]}
        assert not extra, f"{path.name}: unexpected arrays {sorted(extra)}"
        return GoldenCase(name=config["name"], config=config,
                          keras_version=str(data["keras_version"]), weights=weights, calls=calls,
                          keras_json=str(data["keras_json"]) if "keras_json" in data else None)


def case_id(path: Path) -> str:
    return path.stem


# ------------------------------------------------------------------------------------------------
# Rebuilding a model with fusedrnn from the stored description
# ------------------------------------------------------------------------------------------------
def call_kwargs(call: GoldenCall) -> dict:
    kwargs = {}
    if call.mask is not None:
        kwargs["mask"] = call.mask
    if call.initial_state is not None:
        kwargs["initial_state"] = list(call.initial_state)
    return kwargs


def fusedrnn_api():
    from fusedrnn import layers, models

    return SimpleNamespace(layers=layers, Input=layers.Input, Sequential=models.Sequential,
                           Model=models.Model)


def build_model(case: GoldenCase):
    """Build the model (or the single layer) with fusedrnn; weights are not set yet."""
    cfg = case.config
    kind = cfg["kind"]
    if kind == "layer":
        layer = make_layer(fusedrnn_api(), cfg["layer"])
        # Calling a layer on an array builds its weights from the input (as in Keras).
        first = case.calls[0]
        layer(first.x, **call_kwargs(first))
        return layer
    if kind == "sequential":
        return build_sequential(fusedrnn_api(), cfg)
    if kind == "functional":
        return build_functional(fusedrnn_api(), cfg)
    raise AssertionError(f"unknown kind {kind!r}")


def reset_stateful_layers(model) -> None:
    # Each stateful layer of a model (of the models it holds too); a single layer itself.
    for layer in stateful_layers(model):
        layer.reset_states()


def flatten(out) -> list[np.ndarray]:
    if isinstance(out, (list, tuple)):
        return [a for item in out for a in flatten(item)]
    return [np.asarray(out)]


def prepared_model(case: GoldenCase):
    model = build_model(case)
    got_shapes = [tuple(np.shape(w)) for w in model.get_weights()]
    want_shapes = [w.shape for w in case.weights]
    assert got_shapes == want_shapes, (
        f"{case.name}: get_weights() shapes differ from Keras's (order matters)\n"
        f"  fusedrnn: {got_shapes}\n  keras:    {want_shapes}")
    model.set_weights([w.copy() for w in case.weights])
    reset_stateful_layers(model)
    return model


def describe_difference(actual: np.ndarray, expected: np.ndarray) -> str:
    diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    if diff.size == 0:
        return "empty"
    where = np.unravel_index(int(np.nanargmax(diff)) if not np.isnan(diff).all() else 0,
                             diff.shape)
    return (f"max abs diff {np.nanmax(diff):.3g} at {tuple(int(i) for i in where)} "
            f"(fusedrnn {actual[where]!r}, keras {expected[where]!r}); "
            f"{int(np.sum(~np.isclose(actual, expected, rtol=RTOL, atol=ATOL)))} of "
            f"{diff.size} elements outside rtol={RTOL}, atol={ATOL}; nan in fusedrnn: "
            f"{bool(np.isnan(actual).any())}")


def model_input(case: GoldenCase, call: GoldenCall):
    """The call's input as the model takes it: the array, a list for several inputs, a dict
    keyed by input name for a model built from a dict of inputs."""
    if case.config.get("input_struct") == "dict":
        return {spec["input"]["name"]: x for spec, x in zip(case.config["inputs"], call.x)}
    return call.x


def assert_outputs_match(case: GoldenCase, k: int, got, expected: list[np.ndarray]) -> None:
    if isinstance(case.config.get("outputs"), dict):
        keys = list(case.config["outputs"])
        assert isinstance(got, dict), f"{case.name}: outputs {got!r} are not a dict"
        assert list(got) == keys, f"{case.name}: output keys {list(got)}, Keras {keys}"
        got = [got[key] for key in case.config["outputs"]]
    got = flatten(got)
    label = f"{case.name} ({case.config['description']}), call {k}"
    assert len(got) == len(expected), (
        f"{label}: {len(got)} outputs, Keras gives {len(expected)} "
        f"(shapes fusedrnn {[a.shape for a in got]}, keras {[a.shape for a in expected]})")
    for i, (actual, want) in enumerate(zip(got, expected)):
        assert actual.shape == want.shape, (
            f"{label}: output {i} has shape {actual.shape}, Keras {want.shape}")
        if not np.allclose(actual, want, rtol=RTOL, atol=ATOL):
            pytest.fail(f"{label}: output {i} differs from Keras: "
                        f"{describe_difference(actual, want)}")


# ------------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------------
def test_enough_golden_cases():
    assert len(GOLDEN_FILES) >= 30, f"only {len(GOLDEN_FILES)} golden files in {GOLDEN_DIR}"
    index = json.loads((GOLDEN_DIR / "index.json").read_text())
    assert sorted(c["name"] for c in index["cases"]) == sorted(p.stem for p in GOLDEN_FILES)


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=case_id)
def test_golden_file_is_consistent(path):
    """The stored data is complete and self-consistent (no fusedrnn involved)."""
    case = load_case(path)
    cfg = case.config
    assert case.name == path.stem
    assert case.keras_version.startswith("3."), case.keras_version
    assert cfg["kind"] in {"layer", "sequential", "functional"}
    assert cfg["num_calls"] >= 1
    assert cfg["num_outputs"] >= 1
    assert case.weights
    assert all(w.dtype == np.float32 or w.dtype.kind == "i" for w in case.weights)
    for call in case.calls:
        for x in call.x if isinstance(call.x, list) else [call.x]:
            assert x.dtype in (np.float32, np.int32, np.bool_)
            assert x.shape[0] <= 4
            assert x.shape[1] <= 12
        if call.mask is not None:
            assert call.mask.dtype == np.bool_
            assert call.mask.shape == call.x.shape[:2]
        for out, out64 in zip(call.outputs, call.outputs_f64):
            assert out.dtype == np.float32
            assert out.shape == out64.shape
            assert np.all(np.isfinite(out))
            # Keras in float32 and float64 agree: the case is well conditioned for 1e-5.
            np.testing.assert_allclose(out, out64, rtol=0, atol=2e-6)


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=case_id)
def test_call_matches_keras(path):
    """model(x) / layer(x, mask=, initial_state=) gives Keras's outputs, call after call."""
    case = load_case(path)
    model = prepared_model(case)
    for k, call in enumerate(case.calls):
        if k in case.config["reset_states_before"]:
            reset_stateful_layers(model)
        got = model(model_input(case, call), **call_kwargs(call))
        assert_outputs_match(case, k, got, call.outputs)


PREDICT_FILES = [p for p in GOLDEN_FILES if load_case(p).config["kind"] != "layer"
                 and load_case(p).config["num_calls"] == 1]


@pytest.mark.parametrize("path", PREDICT_FILES, ids=case_id)
def test_predict_matches_keras(path):
    """model.predict(x) gives the same numbers as Keras's model(x)."""
    case = load_case(path)
    model = prepared_model(case)
    call = case.calls[0]
    got = model.predict(model_input(case, call), batch_size=3, verbose=0)
    assert_outputs_match(case, 0, got, call.outputs)


@pytest.mark.parametrize("path", PREDICT_FILES, ids=case_id)
def test_model_from_keras_json_matches_keras(path):
    """The model rebuilt from Keras's own saved config (``model_from_json``, the config of its
    .keras and .h5 files: Keras 3 writes the masks it hands between layers as operation nodes)
    has Keras's layers and weight order and, given Keras's weights, Keras's outputs."""
    from fusedrnn.models import model_from_json

    case = load_case(path)
    assert case.keras_json is not None, f"{case.name}: no keras_json (regenerate the file)"
    model = model_from_json(case.keras_json)
    written = prepared_model(case)
    assert [type(la).__name__ for la in model.layers] == [
        type(la).__name__ for la in written.layers]
    # Its summary has the written model's rows and connections (the operations stay out).
    rows, written_rows = [], []
    model.summary(print_fn=rows.append)
    written.summary(print_fn=written_rows.append)
    assert len(rows) == len(written_rows), "\n".join(rows)
    model.set_weights([w.copy() for w in case.weights])
    call = case.calls[0]
    assert_outputs_match(case, 0, model.predict(model_input(case, call), verbose=0),
                         call.outputs)


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=case_id)
def test_set_weights_round_trip(path):
    """get_weights() after set_weights() returns Keras's weights in Keras's order, as copies."""
    case = load_case(path)
    model = prepared_model(case)
    got = model.get_weights()
    assert len(got) == len(case.weights)
    for i, (a, b) in enumerate(zip(got, case.weights)):
        np.testing.assert_array_equal(np.asarray(a), b, err_msg=f"weight {i}")
    # set_weights copied: changing what was passed in does not change the model.
    passed = [w.copy() for w in case.weights]
    model.set_weights(passed)
    passed[0][...] = 123.0
    np.testing.assert_array_equal(np.asarray(model.get_weights()[0]), case.weights[0])


# ------------------------------------------------------------------------------------------------
# The NumPy oracle against Keras: single-layer cases, composed from fusedrnn.reference
# ------------------------------------------------------------------------------------------------
RNN_CELLS = {"SimpleRNN": "simple_rnn", "GRU": "gru", "LSTM": "lstm"}


def reference_rnn(spec: dict, weights: list[np.ndarray], x, mask, initial_state, *,
                  go_backwards_flip: bool = False):
    """Run one Keras RNN layer spec with fusedrnn.reference; returns (output, states, rest)."""
    from fusedrnn import reference

    cfg = spec["config"]
    cell = RNN_CELLS[spec["class_name"]]
    n = 3 if cfg.get("use_bias", True) else 2
    kernel, recurrent_kernel = weights[0], weights[1]
    bias = weights[2] if n == 3 else None
    options = {"activation": cfg.get("activation", "tanh"),
               "initial_state": initial_state, "mask": mask,
               "go_backwards": cfg.get("go_backwards", False) != go_backwards_flip,
               "return_sequences": cfg.get("return_sequences", False)}
    if cell != "simple_rnn":
        options["recurrent_activation"] = cfg.get("recurrent_activation", "sigmoid")
    if cell == "gru":
        options["reset_after"] = cfg.get("reset_after", True)
    output, states = reference.rnn(cell, x, kernel, recurrent_kernel, bias, **options)
    return output, list(states), weights[n:]


def reference_cells(spec: dict, weights, x, mask, initial_state, *,
                    go_backwards_flip: bool = False):
    """A Keras ``RNN(cell)`` / ``RNN([cells])`` spec: each cell as its layer over the whole
    sequence, the next cells reading the first one's output in processing order. Returns
    (output, flat states, rest of the weights)."""
    cells = spec["cell"] if isinstance(spec["cell"], list) else [spec["cell"]]
    cfg = spec["config"]
    backwards = cfg.get("go_backwards", False) != go_backwards_flip
    seq, states, start = x, [], 0
    for i, cell in enumerate(cells):
        layer_class = cell["class_name"].removesuffix("Cell")
        n = 2 if layer_class == "LSTM" else 1
        init = initial_state[start:start + n] if initial_state else None
        start += n
        last = i == len(cells) - 1
        layer_spec = {"class_name": layer_class, "config": {
            **cell["config"], "go_backwards": backwards and i == 0,
            "return_sequences": cfg.get("return_sequences", False) or not last}}
        seq, st, weights = reference_rnn(layer_spec, weights, seq, mask, init)
        if i == 0 and backwards and mask is not None:
            mask = mask[:, ::-1]
        states += st
    if cfg.get("zero_output_for_mask") and cfg.get("return_sequences") and mask is not None:
        seq = np.where(mask[:, :, None], seq, 0)  # the mask is in processing order here
    return seq, states, weights


def reference_recurrent(spec: dict, weights, x, mask, initial_state, *,
                        go_backwards_flip: bool = False):
    """(output, states, rest) of a SimpleRNN/GRU/LSTM or RNN(cell) spec."""
    if spec["class_name"] == "RNN":
        return reference_cells(spec, weights, x, mask, initial_state,
                               go_backwards_flip=go_backwards_flip)
    return reference_rnn(spec, weights, x, mask, initial_state,
                         go_backwards_flip=go_backwards_flip)


def num_states(spec: dict) -> int:
    if spec["class_name"] == "RNN":
        cells = spec["cell"] if isinstance(spec["cell"], list) else [spec["cell"]]
        return sum(2 if c["class_name"] == "LSTMCell" else 1 for c in cells)
    return 2 if spec["class_name"] == "LSTM" else 1


def reference_layer(spec: dict, weights, x, mask, initial_state) -> list[np.ndarray]:
    """Keras's outputs for a SimpleRNN/GRU/LSTM, RNN(cell) or Bidirectional layer, per
    SEMANTICS.md."""
    if spec["class_name"] in RNN_CELLS or spec["class_name"] == "RNN":
        output, states, rest = reference_recurrent(spec, weights, x, mask, initial_state)
        assert not rest
        return [output, *states] if spec["config"].get("return_state") else [output]
    assert spec["class_name"] == "Bidirectional", spec["class_name"]
    forward = spec["layer"]
    backward = spec.get("backward_layer")
    num_states_fw = num_states(forward)
    init_fw = initial_state[:num_states_fw] if initial_state else None
    init_bw = initial_state[num_states_fw:] if initial_state else None
    out_fw, states_fw, rest = reference_recurrent(forward, weights, x, mask, init_fw)
    if backward is None:  # a copy of the forward layer with go_backwards flipped
        out_bw, states_bw, rest = reference_recurrent(forward, rest, x, mask, init_bw,
                                                      go_backwards_flip=True)
    else:
        out_bw, states_bw, rest = reference_recurrent(backward, rest, x, mask, init_bw)
    assert not rest
    if forward["config"].get("return_sequences"):
        out_bw = out_bw[:, ::-1]  # back to input time order
        if mask is not None:  # inside Bidirectional, masked steps output zeros
            out_fw = np.where(mask[:, :, None], out_fw, 0)
            out_bw = np.where(mask[:, :, None], out_bw, 0)
    merge_mode = spec["config"].get("merge_mode", "concat")
    merged = {"concat": lambda: [np.concatenate([out_fw, out_bw], axis=-1)],
              "sum": lambda: [out_fw + out_bw],
              "mul": lambda: [out_fw * out_bw],
              "ave": lambda: [(out_fw + out_bw) / 2],
              None: lambda: [out_fw, out_bw]}[merge_mode]()
    if forward["config"].get("return_state"):
        return [*merged, *states_fw, *states_bw]
    return merged


REFERENCE_FILES = [p for p in GOLDEN_FILES if load_case(p).config["kind"] == "layer"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("path", REFERENCE_FILES, ids=case_id)
def test_reference_matches_keras(path, dtype):
    """fusedrnn.reference (the oracle for the kernels) reproduces Keras on every layer case.

    In float64 it is compared with Keras run in float64 (same float32-valued weights), tightly.
    """
    case = load_case(path)
    spec = case.config["layer"]
    weights = [w.astype(dtype) for w in case.weights]
    states = None
    for k, call in enumerate(case.calls):
        if k in case.config["reset_states_before"]:
            states = None
        initial = call.initial_state if call.initial_state is not None else states
        initial = None if initial is None else [s.astype(dtype) for s in initial]
        got = reference_layer(spec, weights, call.x.astype(dtype), call.mask, initial)
        if spec["config"].get("stateful"):  # carry the final states to the next call
            assert spec["class_name"] != "Bidirectional", "stateful golden cases are RNNs"
            states = reference_recurrent(spec, weights, call.x.astype(dtype), call.mask,
                                         initial)[1]
        expected = call.outputs_f64 if dtype == np.float64 else call.outputs
        tol = {"rtol": 1e-9, "atol": 1e-9} if dtype == np.float64 else {"rtol": RTOL,
                                                                        "atol": ATOL}
        assert len(got) == len(expected)
        for i, (a, b) in enumerate(zip(got, expected)):
            assert a.shape == b.shape, f"call {k} output {i}: {a.shape} vs {b.shape}"
            if not np.allclose(a, b, **tol):
                pytest.fail(f"{case.name} call {k} output {i}: reference vs Keras "
                            f"{describe_difference(np.asarray(a, np.float64), b)}")
