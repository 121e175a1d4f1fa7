"""Layers and models on the CUDA path: ``device="cuda"`` and CuPy inputs, against the same
layers on the CPU.

Each test runs twice:
- ``fake``: CuPy and ``fusedrnn.cuda`` replaced by the CPU stand-ins of fake_cuda.py (a device
  array NumPy will not convert implicitly, an engine that refuses host arrays). This checks the
  Python plumbing (where arrays are converted, which engine runs, what type comes back) on any
  machine; the numbers are the CPU kernels'.
- ``gpu``: the real CuPy and CUDA kernels; skipped without a GPU.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from fake_cuda import FakeCudaEngine, make_cupy

import fusedrnn.cuda as fcuda
from fusedrnn import _backend
from fusedrnn.layers import (
    GRU,
    LSTM,
    RNN,
    Activation,
    Add,
    AveragePooling1D,
    BatchNormalization,
    Bidirectional,
    Concatenate,
    Conv1D,
    CuDNNGRU,
    CuDNNLSTM,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    GlobalMaxPooling1D,
    GRUCell,
    Input,
    LayerNormalization,
    LSTMCell,
    Masking,
    MaxPooling1D,
    Normalization,
    Permute,
    RepeatVector,
    Rescaling,
    Reshape,
    SimpleRNN,
    SimpleRNNCell,
    SpatialDropout1D,
    TimeDistributed,
)
from fusedrnn.models import Model, Sequential
from tolerances import assert_close

GPU_OK = fcuda.is_available()
TOL = (1e-4, 2e-5)  # the GPU's fp32 against the CPU's fp32


class Recorder:
    """An engine (fusedrnn.cuda or the CPU stand-in) with a record of the entry points called."""

    def __init__(self, module):
        self.module = module
        self.calls: list[str] = []

    def __getattr__(self, name):
        fn = getattr(self.module, name)

        def recorded(*args, **kwargs):
            self.calls.append(name)
            return fn(*args, **kwargs)

        return recorded


@dataclass
class Device:
    kind: str
    cp: Any  # the cupy module (or its stand-in)
    engine: Recorder  # what _backend uses as fusedrnn.cuda

    def is_device_array(self, a) -> bool:
        return isinstance(a, self.cp.ndarray)

    def ran(self, entry: str) -> None:
        """The CUDA engine ran ``entry`` since the last check."""
        assert entry in self.engine.calls, f"{entry} not called: {self.engine.calls}"
        self.engine.calls.clear()


@pytest.fixture(params=[
    "fake",
    pytest.param("gpu", marks=[pytest.mark.cuda, pytest.mark.skipif(
        not GPU_OK, reason="needs CuPy and a CUDA GPU (pip install cupy-cuda12x); none here")]),
])
def device(request, monkeypatch):
    if request.param == "gpu":
        import cupy

        cp, engine = cupy, Recorder(fcuda)
    else:
        cp, engine = make_cupy(), Recorder(FakeCudaEngine())
        monkeypatch.setitem(sys.modules, "cupy", cp)
    monkeypatch.setattr(_backend, "_cuda_module", lambda: engine)
    return Device(request.param, cp, engine)


def host(a):
    return a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else a


def twin(make, x_shape, **kwargs):
    """The same layer on the CPU and with device="cuda", with the same weights."""
    cpu = make(**kwargs)
    gpu = make(device="cuda", **kwargs)
    cpu.build(x_shape)
    gpu.build(x_shape)
    gpu.set_weights(cpu.get_weights())
    return cpu, gpu


CELLS = [
    pytest.param(lambda **k: SimpleRNN(5, **k), id="simple_rnn"),
    pytest.param(lambda **k: GRU(5, **k), id="gru"),
    pytest.param(lambda **k: GRU(5, reset_after=False, **k), id="gru_reset_before"),
    pytest.param(lambda **k: LSTM(5, **k), id="lstm"),
]
# Keras 2's cuDNN layers (their own weight layout, converted when packed; no masks)
CUDNN = [
    pytest.param(lambda **k: CuDNNGRU(5, **k), id="cudnn_gru"),
    pytest.param(lambda **k: CuDNNLSTM(5, **k), id="cudnn_lstm"),
]


@pytest.mark.parametrize("make", CELLS + CUDNN)
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_numpy_in_numpy_out(device, make, return_sequences, go_backwards):
    x = np.random.default_rng(0).uniform(-1, 1, (3, 6, 4)).astype(np.float32)
    cpu, gpu = twin(make, x.shape, return_sequences=return_sequences, return_state=True,
                    go_backwards=go_backwards)
    want = cpu(x)
    got = gpu(x)
    device.ran("rnn_forward")
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert type(g) is np.ndarray
        assert_close(g, w, TOL)


@pytest.mark.parametrize("make", CELLS)
def test_device_arrays_in_device_arrays_out(device, make):
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (3, 6, 4)).astype(np.float32)
    mask = rng.random((3, 6)) < 0.7
    cpu = make(return_sequences=True, return_state=True)
    want = cpu(x)
    gpu = make(return_sequences=True, return_state=True)  # device=None: follows the input
    gpu.build(x.shape)
    gpu.set_weights(cpu.get_weights())
    init = [rng.uniform(-1, 1, (3, 5)).astype(np.float32) for _ in want[1:]]
    got = gpu(device.cp.asarray(x), initial_state=[device.cp.asarray(s) for s in init],
              mask=device.cp.asarray(mask))
    device.ran("rnn_forward")
    want = cpu(x, initial_state=init, mask=mask)
    for g, w in zip(got, want):
        assert device.is_device_array(g)
        assert_close(host(g), w, TOL)


@pytest.mark.parametrize("make", CELLS + CUDNN)
def test_stateful_carries_device_states(device, make):
    rng = np.random.default_rng(2)
    xs = [rng.uniform(-1, 1, (2, 3, 4)).astype(np.float32) for _ in range(3)]
    cpu, gpu = twin(make, (2, 3, 4), stateful=True, return_sequences=True)
    for x in xs[:2]:
        got = gpu(device.cp.asarray(x))
        assert device.is_device_array(got)
        assert_close(host(got), cpu(x), TOL)
    device.ran("rnn_forward")
    for g, w in zip(gpu.states, cpu.states):  # the carried states, on the device
        assert device.is_device_array(g)
        assert_close(host(g), w, TOL)
    # a NumPy call after CuPy ones: the device states come along, the result is NumPy
    got = gpu(xs[2])
    assert type(got) is np.ndarray
    assert_close(got, cpu(xs[2]), TOL)
    # set the states from device arrays, then from NumPy ones
    h = rng.uniform(-1, 1, (2, 5)).astype(np.float32)
    states = [h] * len(cpu.states)
    cpu.reset_states(states)
    gpu.reset_states([device.cp.asarray(s) for s in states])
    assert_close(host(gpu(device.cp.asarray(xs[0]))), cpu(xs[0]), TOL)
    gpu.reset_states()
    cpu.reset_states()
    assert_close(gpu(xs[1]), cpu(xs[1]), TOL)


def test_stacked_cells_on_device_inputs(device):
    """RNN([cells]) runs each cell on the device (the mask reversed there for go_backwards);
    the carried states stay device arrays; a cell's one-step call too."""
    rng = np.random.default_rng(21)
    x = rng.uniform(-1, 1, (3, 5, 4)).astype(np.float32)
    mask = rng.random((3, 5)) < 0.7

    def make(**kwargs):
        return RNN([GRUCell(4), LSTMCell(3), SimpleRNNCell(2)], return_sequences=True,
                   return_state=True, go_backwards=True, **kwargs)

    cpu, gpu = twin(make, x.shape)
    want = cpu(x, mask=mask)
    got = gpu(device.cp.asarray(x), mask=device.cp.asarray(mask))
    device.ran("rnn_forward")
    flat_want = [want[0], want[1], *want[2], want[3]]
    flat_got = [got[0], got[1], *got[2], got[3]]
    for g, w in zip(flat_got, flat_want):
        assert device.is_device_array(g)
        assert_close(host(g), w, TOL)
    cpu_s, gpu_s = twin(lambda **k: RNN([GRUCell(4), LSTMCell(3)], stateful=True, **k),
                        x.shape)
    for part in (x[:, :2], x[:, 2:]):
        assert_close(host(gpu_s(device.cp.asarray(part))), cpu_s(part), TOL)
    assert all(device.is_device_array(s) for s in gpu_s.states)
    cell = cpu._cells[1]
    h, (h1, c1) = cell(x[:, 0, :4] @ np.ones((4, 4), np.float32), None)
    dh, (dh1, dc1) = cell(device.cp.asarray(x[:, 0, :4] @ np.ones((4, 4), np.float32)), None)
    for g, w in ((dh, h), (dh1, h1), (dc1, c1)):
        assert device.is_device_array(g)
        assert_close(host(g), w, TOL)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional(device, merge_mode):
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (3, 5, 4)).astype(np.float32)
    mask = rng.random((3, 5)) < 0.7
    cpu = Bidirectional(LSTM(4, return_sequences=True, return_state=True), merge_mode=merge_mode)
    gpu = Bidirectional(LSTM(4, return_sequences=True, return_state=True, device="cuda"),
                        merge_mode=merge_mode)
    cpu.build(x.shape)
    gpu.build(x.shape)
    gpu.set_weights(cpu.get_weights())
    want = cpu(x, mask=mask)
    got = gpu(x, mask=mask)
    device.ran("bidirectional_forward")  # both directions in one call
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert type(g) is np.ndarray
        assert_close(g, w, TOL)
    got = gpu(device.cp.asarray(x), mask=device.cp.asarray(mask))
    for g, w in zip(got, want):
        assert device.is_device_array(g)
        assert_close(host(g), w, TOL)


def test_masked_model(device):
    """Embedding(mask_zero) -> GRU on the GPU -> Dense: predict with NumPy and with CuPy."""
    rng = np.random.default_rng(4)
    tokens = rng.integers(1, 20, (7, 6))
    tokens[:, 4:] = 0  # padding: masked steps
    tokens[2, :] = 0  # a row with no real step

    def build(dev):
        return Sequential([
            Input(shape=(6,), dtype="int32"),
            Embedding(20, 8, mask_zero=True),
            GRU(5, return_sequences=True, device=dev),
            LSTM(3, device=dev),
            Dense(2, activation="softmax"),
        ])

    cpu, gpu = build(None), build("cuda")
    gpu.set_weights(cpu.get_weights())
    want = cpu.predict(tokens, batch_size=3, verbose=0)
    got = gpu.predict(tokens, batch_size=3, verbose=0)
    device.ran("rnn_forward")
    assert type(got) is np.ndarray
    assert_close(got, want, TOL)
    got = gpu.predict(device.cp.asarray(tokens), batch_size=3, verbose=0)
    assert device.is_device_array(got)
    assert_close(host(got), want, TOL)
    got = gpu(device.cp.asarray(tokens))
    assert device.is_device_array(got)
    assert_close(host(got), want, TOL)


def test_masking_layer_and_device_inputs(device):
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (4, 6, 3)).astype(np.float32)
    x[1, 3:] = 0.0
    x[3, :] = 0.0

    def build():
        return Sequential([Input(shape=(6, 3)), Masking(0.0),
                           SimpleRNN(4, return_sequences=True), Dropout(0.5),
                           TimeDistributed(Dense(3)), Activation("relu"), Dense(2)])

    cpu, gpu = build(), build()
    gpu.set_weights(cpu.get_weights())
    want = cpu(x)
    got = gpu(device.cp.asarray(x))  # device=None everywhere: the CuPy input decides
    device.ran("rnn_forward")
    assert device.is_device_array(got)
    assert_close(host(got), want, TOL)


def test_pooling_and_shape_layers_on_device_inputs(device):
    """SpatialDropout1D, GlobalAveragePooling1D (with the Embedding's device mask),
    RepeatVector, Flatten, GlobalMaxPooling1D, Add and Concatenate on CuPy inputs keep them on
    the device."""
    rng = np.random.default_rng(6)
    tokens = rng.integers(1, 20, (5, 7))
    tokens[1, 3:] = 0
    tokens[3, :2] = 0

    def build(dev):
        inputs = Input(shape=(7,), dtype="int32")
        h = Embedding(20, 6, mask_zero=True)(inputs)
        h = SpatialDropout1D(0.3)(h)
        seq = GRU(4, return_sequences=True, device=dev)(h)
        avg = GlobalAveragePooling1D()(seq)
        h = RepeatVector(3)(avg)
        h = LSTM(3, return_sequences=True, device=dev)(h)
        flat = Flatten()(h)
        merged = Concatenate()([Add()([flat, flat]), GlobalMaxPooling1D()(h)])
        return Model(inputs, [flat, GlobalMaxPooling1D(keepdims=True)(h), merged])

    cpu, gpu = build(None), build("cuda")
    gpu.set_weights(cpu.get_weights())
    want = cpu(tokens)
    got = gpu(device.cp.asarray(tokens))
    device.ran("rnn_forward")
    for g, w in zip(got, want):
        assert device.is_device_array(g)
        assert_close(host(g), w, TOL)
    # a NumPy mask with a device input
    x = device.cp.asarray(rng.standard_normal((2, 5, 3)).astype(np.float32))
    mask = np.array([[1, 1, 0, 0, 1], [0, 1, 1, 1, 1]], bool)
    got = GlobalAveragePooling1D()(x, mask=mask)
    assert device.is_device_array(got)
    assert_close(host(got), GlobalAveragePooling1D()(host(x), mask=mask), TOL)


def test_conv_pooling_and_norm_layers_on_device_inputs(device):
    """A CNN-LSTM with BatchNormalization, LayerNormalization, Normalization (weights and
    constants), Rescaling, Reshape and Permute keeps CuPy inputs on the device."""
    rng = np.random.default_rng(22)
    x = rng.standard_normal((3, 10, 4)).astype(np.float32)

    def build(dev):
        return Sequential([
            Input((10, 4)), Conv1D(6, 3, padding="same", activation="relu", groups=2),
            MaxPooling1D(2), BatchNormalization(), Conv1D(4, 2, padding="causal"),
            AveragePooling1D(2, strides=1, padding="same"), LayerNormalization(),
            Normalization(), Rescaling(0.5, offset=[0.0, 1.0, -1.0, 0.5]),
            Normalization(mean=[0.5, 0.0, 0.0, 1.0], variance=[2.0, 1.0, 0.5, 1.0]),
            LSTM(5, return_sequences=True, device=dev), Permute((2, 1)), Reshape((-1,)),
            Dense(2)])

    cpu, gpu = build(None), build("cuda")
    weights = cpu.get_weights()
    weights[5] = np.abs(weights[5]) + 0.5  # a positive moving variance
    weights[10] = weights[10] + 1.0  # Normalization's mean, variance (positive), count
    weights[11] = np.abs(weights[11]) + 0.5
    cpu.set_weights(weights)
    gpu.set_weights(weights)
    got = gpu(device.cp.asarray(x))
    device.ran("rnn_forward")
    assert device.is_device_array(got)
    assert_close(host(got), cpu(x), TOL)


@pytest.mark.parametrize("shape", [(0, 6, 4), (3, 0, 4)], ids=["empty_batch", "no_steps"])
def test_empty_inputs(device, shape):
    cpu, gpu = twin(lambda **k: LSTM(5, **k), (None, None, 4), return_sequences=True,
                    return_state=True)
    x = np.zeros(shape, np.float32)
    want = cpu(x)
    for got in (gpu(x), gpu(device.cp.asarray(x))):
        for g, w in zip(got, want):
            assert g.shape == w.shape
            assert_close(host(g), w, TOL)
    assert all(device.is_device_array(g) for g in gpu(device.cp.asarray(x)))


def test_functional_model_passes_device_states(device):
    """An encoder's states as the next layer's initial state, through the graph walk."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, (3, 6, 3)).astype(np.float32)

    def build(dev):
        inp = Input(shape=(6, 3))
        seq, h, c = LSTM(4, return_sequences=True, return_state=True, device=dev)(inp)
        y = LSTM(4, device=dev)(seq, initial_state=[h, c])
        return Model(inp, [Dense(2)(y), h])

    cpu, gpu = build(None), build("cuda")
    gpu.set_weights(cpu.get_weights())
    want = cpu(x)
    got = gpu(x)
    device.ran("rnn_forward")
    for g, w in zip(got, want):
        assert type(g) is np.ndarray
        assert_close(g, w, TOL)
    got = gpu.predict(device.cp.asarray(x), batch_size=2, verbose=0)
    for g, w in zip(got, want):
        assert device.is_device_array(g)
        assert_close(host(g), w, TOL)


def test_mask_aware_merges_and_dot_on_device_inputs(device):
    """Multiply, Maximum, Minimum (with device masks) and Dot on CuPy inputs keep them there."""
    from fusedrnn.layers import Dot, Maximum, Minimum, Multiply

    rng = np.random.default_rng(8)
    a, b = (rng.standard_normal((2, 3, 4)).astype(np.float32) for _ in range(2))
    m1 = np.array([[1, 0, 1], [0, 1, 1]], bool)
    m2 = np.array([[0, 1, 1], [1, 1, 0]], bool)
    cp = device.cp
    for layer in (Multiply(), Maximum(), Minimum()):
        want, want_mask = layer._forward([a, b], mask=[m1, m2])
        got, got_mask = layer._forward([cp.asarray(a), cp.asarray(b)],
                                       mask=[cp.asarray(m1), cp.asarray(m2)])
        assert device.is_device_array(got)
        assert_close(host(got), want, TOL)
        np.testing.assert_array_equal(host(got_mask), want_mask)
    for layer in (Dot(axes=2), Dot(axes=(1, 1), normalize=True)):
        got = layer([cp.asarray(a), cp.asarray(b)])
        assert device.is_device_array(got)
        assert_close(host(got), layer([a, b]), TOL)


def test_loaded_keras3_graph_with_mask_operations_and_two_inputs(device):
    """A Keras 3 file with two token inputs whose masks it saved as operation nodes
    (NotEqual) runs on CuPy inputs, stays on the device and predicts what Keras did."""
    pytest.importorskip("h5py", reason="h5py is in the test extra")
    import os

    from fusedrnn.models import load_model

    folder = os.path.join(os.path.dirname(__file__), "data", "keras_files")
    data = np.load(os.path.join(folder, "seq2seq.npz"))
    model = load_model(os.path.join(folder, "seq2seq.keras"))
    got = model.predict([device.cp.asarray(data["x0"]), device.cp.asarray(data["x1"])],
                        verbose=0)
    device.ran("rnn_forward")
    assert device.is_device_array(got)
    assert_close(host(got), data["y"], TOL)


def test_set_weights_reaches_the_device(device):
    rng = np.random.default_rng(6)
    x = rng.uniform(-1, 1, (2, 4, 3)).astype(np.float32)
    cpu = Sequential([Input(shape=(4, 3)), GRU(4, return_sequences=True), Dense(2)])
    gpu = Sequential([Input(shape=(4, 3)), GRU(4, return_sequences=True, device="cuda"),
                      Dense(2)])
    gpu.set_weights(cpu.get_weights())
    assert_close(host(gpu(device.cp.asarray(x))), cpu(x), TOL)
    new = [w + rng.uniform(-0.3, 0.3, w.shape).astype(np.float32) for w in cpu.get_weights()]
    cpu.set_weights(new)
    gpu.set_weights(new)  # the packed CUDA weights and Dense's device copies must follow
    assert_close(host(gpu(device.cp.asarray(x))), cpu(x), TOL)
    assert_close(gpu(x), cpu(x), TOL)


def test_the_stand_ins_fail_where_cupy_and_the_cuda_engine_do():
    """The fake device is only worth its tests if it refuses what CuPy refuses."""
    cp, engine = make_cupy(), FakeCudaEngine()
    a = cp.asarray(np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(a)
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.array(a, copy=True)
    with pytest.raises(TypeError, match="host array mixed"):
        a + np.ones((2, 3), np.float32)
    assert isinstance(a * 2 + np.float32(1), cp.ndarray)
    assert isinstance(np.concatenate([a, a]), cp.ndarray)
    assert isinstance(cp.zeros((2, 2)), cp.ndarray)
    assert _backend.is_cupy_array(a)
    assert not _backend.is_cupy_array(a.get())
    with pytest.raises(AssertionError, match="not a device array"):
        engine.rnn_forward(np.ones((1, 2, 3), np.float32), None)


@pytest.mark.parametrize("name", ["nested", "nested_shared", "nested_time_distributed",
                                  "attention", "operators", "keras_ops",
                                  "multi_head_attention"])
def test_loaded_nested_and_attention_models_on_device_inputs(device, name):
    """Keras files whose models hold models (a masked encoder, one called twice, one in
    TimeDistributed), attention layers over masked sequences, or Keras operations (tensor
    operators, keras.ops functions) run on CuPy inputs, stay on the device and predict what
    Keras did."""
    pytest.importorskip("h5py", reason="h5py is in the test extra")
    import os

    from fusedrnn.models import load_model

    folder = os.path.join(os.path.dirname(__file__), "data", "keras_files")
    data = np.load(os.path.join(folder, f"{name}.npz"))
    model = load_model(os.path.join(folder, f"{name}.keras"))
    x = data["x"] if "x" in data else [data["x0"], data["x1"]]
    got = model.predict([device.cp.asarray(a) for a in x] if isinstance(x, list)
                        else device.cp.asarray(x), verbose=0)
    device.ran("rnn_forward")
    assert device.is_device_array(got)
    assert_close(host(got), data["y"], TOL)


@pytest.mark.parametrize("kind", ["dot", "concat", "additive"])
def test_attention_on_device_inputs(device, kind):
    """Attention's scores, masks (causal too) and weights stay on the device."""
    from fusedrnn.layers import AdditiveAttention, Attention

    rng = np.random.default_rng(31)
    query = rng.uniform(-1, 1, (2, 4, 3)).astype(np.float32)
    value = rng.uniform(-1, 1, (2, 5, 3)).astype(np.float32)
    q_mask, v_mask = rng.random((2, 4)) < 0.7, rng.random((2, 5)) < 0.7
    v_mask[:, 0] = True
    layer = AdditiveAttention() if kind == "additive" else Attention(use_scale=True,
                                                                     score_mode=kind)
    want = layer([query, value], mask=[q_mask, v_mask], use_causal_mask=True,
                 return_attention_scores=True)
    cp = device.cp
    got = layer([cp.asarray(query), cp.asarray(value)], mask=[cp.asarray(q_mask),
                                                              cp.asarray(v_mask)],
                use_causal_mask=True, return_attention_scores=True)
    for g, w in zip(got, want):
        assert device.is_device_array(g)
        assert_close(host(g), w, TOL)


def test_multi_head_attention_on_device_inputs(device):
    """MultiHeadAttention's projections, masks (NumPy ones too), causal and sliding-window
    masks, gate and scores stay on the device."""
    from fusedrnn.layers import MultiHeadAttention

    rng = np.random.default_rng(32)
    query = rng.uniform(-1, 1, (2, 4, 3)).astype(np.float32)
    value = rng.uniform(-1, 1, (2, 5, 6)).astype(np.float32)
    key = rng.uniform(-1, 1, (2, 5, 2)).astype(np.float32)
    q_mask, v_mask = rng.random((2, 4)) < 0.7, rng.random((2, 5)) < 0.7
    allowed = rng.random((4, 5)) < 0.8
    layer = MultiHeadAttention(2, 3, value_dim=2, use_gate=True, sliding_window=3,
                               output_shape=(2, 2))
    call = dict(use_causal_mask=True, return_attention_scores=True, attention_mask=allowed,
                value_mask=v_mask)
    want = layer(query, value, key, query_mask=q_mask, **call)
    cp = device.cp
    got = layer(cp.asarray(query), cp.asarray(value), cp.asarray(key),
                query_mask=cp.asarray(q_mask), **call)
    for g, w in zip(got, want):
        assert device.is_device_array(g)
        assert_close(host(g), w, TOL)


def test_lambda_layers_and_keras_ops_on_device_inputs(device):
    """Lambda layers (the keras_files case, weights from Keras's file) and fusedrnn.ops
    functions called on CuPy arrays keep them on the device."""
    pytest.importorskip("h5py", reason="h5py is in the test extra")
    import os
    import warnings

    from fusedrnn import layers, ops

    folder = os.path.join(os.path.dirname(__file__), "data", "keras_files")
    sys.path.insert(0, folder)
    from cases import CASES

    data = np.load(os.path.join(folder, "lambdas.npz"))
    model = CASES["lambdas"][0](layers, Sequential, Model, Input)
    model.load_weights(os.path.join(folder, "lambdas.weights.h5"))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Layer 'lambda", UserWarning)  # mask dropped
        got = model.predict(device.cp.asarray(data["x"]), verbose=0)
    device.ran("rnn_forward")
    assert device.is_device_array(got)
    assert_close(host(got), data["y"], TOL)
    x = np.random.default_rng(3).standard_normal((2, 3, 4)).astype(np.float32)
    for fn in (lambda a: ops.softmax(ops.matmul(a, ops.transpose(a, (0, 2, 1)))),
               lambda a: ops.concatenate([ops.mean(a, axis=1), ops.max(a, axis=1)], axis=-1),
               lambda a: ops.where(a > 0, a, a * np.float32(0.1))[:, ::-1] ** 2,
               lambda a: ops.matmul(np.ones((2, 3), np.float32), a)):  # a NumPy constant
        out = fn(device.cp.asarray(x))
        assert device.is_device_array(out)
        assert_close(host(out), fn(x), TOL)
