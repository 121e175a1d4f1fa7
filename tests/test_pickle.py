"""Models and layers pickle and deep-copy: what serving code does to send a model to worker
processes (multiprocessing with spawn, joblib, Ray) or to keep one stateful copy per stream.

A copy holds the configuration, the weights and any carried states; the packed kernels are
rebuilt on its first call.
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import pickle
import sys

import numpy as np
import pytest

from fusedrnn import layers as L
from fusedrnn import models as M

h5py = pytest.importorskip("h5py")

DATA = os.path.join(os.path.dirname(__file__), "data", "keras_files")
sys.path.insert(0, DATA)
from cases import CASES, LAMBDA_CASES  # noqa: E402


def _golden_input(name):
    data = np.load(os.path.join(DATA, f"{name}.npz"))
    return data["x"] if "x" in data else [data[f"x{j}"] for j in range(len(CASES[name][1]))]


def _summary(model) -> str:
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def _round_trip(obj):
    return pickle.loads(pickle.dumps(obj))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", sorted(set(CASES) - LAMBDA_CASES))
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_keras_file_models_copy_and_predict_the_same(name, how):
    model = M.load_model(os.path.join(DATA, f"{name}.keras"))
    x = _golden_input(name)
    want = model.predict(x, verbose=0)  # packed kernels exist now, and are not copied
    text = _summary(model)
    other = _round_trip(model) if how == "pickle" else copy.deepcopy(model)
    assert other is not model
    for a, b in zip(other.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.asarray(other.predict(x, verbose=0)), np.asarray(want))
    assert _summary(other) == text  # the graph (its mask-only operations hidden) is its own
    # The copy owns its weights: changing them leaves the original as it was.
    other.set_weights([w + 1.0 if w.dtype.kind == "f" else w for w in other.get_weights()])
    np.testing.assert_array_equal(np.asarray(model.predict(x, verbose=0)), np.asarray(want))


def test_stateful_copy_continues_the_stream():
    rng = np.random.default_rng(0)
    model = M.Sequential([L.Input((1, 3), batch_size=2), L.GRU(5, stateful=True),
                          L.Dense(2)])
    steps = rng.standard_normal((6, 2, 1, 3)).astype(np.float32)
    for t in range(3):
        model.predict(steps[t], verbose=0)
    pickled, copied = _round_trip(model), copy.deepcopy(model)
    rest = [model.predict(steps[t], verbose=0) for t in range(3, 6)]
    for other in (pickled, copied):
        got = [other.predict(steps[t], verbose=0) for t in range(3, 6)]
        for g, w in zip(got, rest):
            np.testing.assert_array_equal(g, w)
    # and the original's stream was not moved by the copies
    model.reset_states()
    pickled.reset_states()
    np.testing.assert_array_equal(pickled.predict(steps[0], verbose=0),
                                  model.predict(steps[0], verbose=0))


def test_unbuilt_layers_keep_their_initializers():
    """An unbuilt layer pickles with its initializers (classes, not closures) and builds the
    same weights as the original from the same seed (layers without one draw fresh
    weights, as in Keras)."""
    for layer in (L.LSTM(4, seed=3), L.GRU(3, seed=1, kernel_initializer="he_normal",
                                                    bias_initializer="random_normal"),
                  L.SimpleRNN(2, recurrent_initializer="identity", seed=2),
                  L.CuDNNLSTM(3, seed=4)):
        other = _round_trip(layer)
        x = np.ones((1, 4, 6), np.float32)
        layer(x)
        other(x)
        for a, b in zip(other.get_weights(), layer.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)


class _Scale(L.Layer):
    """A layer written by subclassing (at module level, so pickle finds its class)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = L.Dense(units)

    def build(self, input_shape):
        self.gain = self.add_weight(shape=(self.units,), initializer="ones", name="gain")

    def call(self, inputs):
        return self.dense(inputs) * self.gain


class _Tagger(M.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.encoder = L.Bidirectional(L.LSTM(4, return_sequences=True))
        self.head = _Scale(3)

    def call(self, inputs):
        return self.head(self.encoder(inputs))


def test_subclassed_model_pickles():
    rng = np.random.default_rng(1)
    model = _Tagger()
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    model(x)
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32)
                       for w in model.get_weights()])
    want = model.predict(x, verbose=0)
    other = _round_trip(model)
    np.testing.assert_array_equal(other.predict(x, verbose=0), want)
    other.head.gain.assign(np.zeros(3, np.float32))  # its variables are its own
    np.testing.assert_array_equal(model.predict(x, verbose=0), want)
    assert not np.any(other.predict(x, verbose=0))


def test_text_and_cudnn_models_pickle():
    text = M.load_model(os.path.join(DATA, "text.keras"))
    sentences = ["the cat sang", "zebra and the dog"]
    np.testing.assert_array_equal(_round_trip(text).predict(sentences, verbose=0),
                                  text.predict(sentences, verbose=0))
    cudnn = M.load_model(os.path.join(DATA, "cudnn_stack.keras2.h5"))
    x = np.random.default_rng(2).standard_normal((2, 7, 5)).astype(np.float32)
    np.testing.assert_array_equal(_round_trip(cudnn).predict(x, verbose=0),
                                  cudnn.predict(x, verbose=0))


def _predict_in_worker(model, x):
    return model.predict(x, verbose=0)


def test_model_runs_in_a_spawned_worker_process():
    """multiprocessing with "spawn" (the default on macOS and Windows) pickles the model into
    a fresh interpreter, which imports fusedrnn and runs it there."""
    model = M.load_model(os.path.join(DATA, "stack.keras"))
    x = _golden_input("stack")
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        got = pool.apply(_predict_in_worker, (model, x))
    np.testing.assert_array_equal(got, model.predict(x, verbose=0))


def test_pickled_bytes_hold_no_packed_kernels():
    """The pickle is the weights (plus the graph), not also the packed copies of them."""
    model = M.Sequential([L.Input((10, 64)), L.LSTM(256)])
    before = len(pickle.dumps(model))
    model.predict(np.ones((1, 10, 64), np.float32), verbose=0)  # packs the kernels
    after = len(pickle.dumps(model))
    weights = sum(w.nbytes for w in model.get_weights())
    assert weights <= before < 1.2 * weights
    assert abs(after - before) < 0.05 * weights
