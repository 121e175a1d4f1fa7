"""The Keras tutorial examples of issue 3: summary() output shapes and Param #, and the
from-scratch NumPy loop equal to SimpleRNN."""

from __future__ import annotations

import numpy as np
import pytest

from fusedrnn.layers import GRU, Bidirectional, SimpleRNN
from fusedrnn.models import Sequential


def summary_rows(model):
    lines = []
    model.summary(print_fn=lines.append)
    rows = []
    for line in lines:
        if "(" in line and ")" in line and not line.startswith(("Layer", "Model")):
            rows.append((line[29:55].strip(), line[55:].strip()))
    total = next(line for line in lines if line.startswith("Total params:"))
    return rows, total.split(": ")[1]


def bidi_stack():
    return [Bidirectional(SimpleRNN(8, return_sequences=True), input_shape=(10, 5))] + [
        Bidirectional(SimpleRNN(8, return_sequences=True)) for _ in range(3)]


TABLE = [
    (lambda: [SimpleRNN(3, input_shape=(2, 10))], [("(None, 3)", "42")], "42"),
    (lambda: [SimpleRNN(3, input_length=2, input_dim=10)], [("(None, 3)", "42")], "42"),
    (lambda: [SimpleRNN(3, batch_input_shape=(8, 2, 10))], [("(8, 3)", "42")], "42"),
    (lambda: [SimpleRNN(3, batch_input_shape=(8, 2, 10), return_sequences=True)],
     [("(8, 2, 3)", "42")], "42"),
    (lambda: [SimpleRNN(8, input_length=10, input_dim=5, return_sequences=True),
              SimpleRNN(8, return_sequences=True)],
     [("(None, 10, 8)", "112"), ("(None, 10, 8)", "136")], "248"),
    (lambda: bidi_stack()[:1], [("(None, 10, 16)", "224")], "224"),
    (bidi_stack, [("(None, 10, 16)", "224")] + [("(None, 10, 16)", "400")] * 3, "1,424"),
    (lambda: [GRU(8, input_shape=(10, 5))], [("(None, 8)", "360")], "360"),
]


@pytest.mark.parametrize(("build", "rows", "total"), TABLE)
@pytest.mark.parametrize("style", ["list", "add"])
def test_tutorial_summary(build, rows, total, style):
    if style == "list":
        model = Sequential(build())
    else:
        model = Sequential()
        for layer in build():
            model.add(layer)
    got_rows, got_total = summary_rows(model)
    assert got_rows == rows
    assert got_total == total


def test_numpy_loop_equals_simple_rnn():
    rng = np.random.default_rng(0)
    timesteps, input_dim, units = 7, 4, 5
    wx = rng.standard_normal((units, input_dim)) * 0.5
    wh = rng.standard_normal((units, units)) * 0.5
    b = rng.standard_normal(units) * 0.5
    x = rng.standard_normal((timesteps, input_dim))
    h = np.zeros(units)
    states = []
    for t in range(timesteps):
        h = np.tanh(wx @ x[t] + wh @ h + b)
        states.append(h)
    layer = SimpleRNN(units, return_sequences=True, input_shape=(timesteps, input_dim))
    model = Sequential([layer])
    layer.set_weights([wx.T, wh.T, b])
    out = model.predict(x[None].astype(np.float32), verbose=0)[0]
    np.testing.assert_allclose(out, np.array(states), rtol=1e-4, atol=1e-5)
