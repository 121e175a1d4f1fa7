"""Issue 3's tutorial table: Keras tutorial snippets, with `keras` replaced by `fusedrnn`, print
Keras's summary (output shape and Param # of each layer, the totals)."""

from __future__ import annotations

import numpy as np
import pytest

from fusedrnn import reference
from fusedrnn.layers import GRU, Bidirectional, SimpleRNN
from fusedrnn.models import Sequential


def summary_rows(model) -> tuple[list[tuple[str, str, str]], str]:
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    rows = []
    for line in text.splitlines():
        if "(" in line and line[:1].isalpha() and not line.startswith(("Model", "Layer")):
            # columns at 29/55/65 (Keras 2 text form)
            rows.append((line[:29].strip(), line[29:55].strip(), line[55:].strip()))
    return rows, text


def total_params(text: str) -> str:
    return next(line.split(":")[1].strip() for line in text.splitlines()
                if line.startswith("Total params"))


@pytest.mark.parametrize(
    ("build", "shapes", "params", "total"),
    [
        (lambda: [SimpleRNN(3, input_shape=(2, 10))], ["(None, 3)"], ["42"], "42"),
        (lambda: [SimpleRNN(3, input_length=2, input_dim=10)], ["(None, 3)"], ["42"], "42"),
        (lambda: [SimpleRNN(3, batch_input_shape=(8, 2, 10))], ["(8, 3)"], ["42"], "42"),
        (lambda: [SimpleRNN(3, batch_input_shape=(8, 2, 10), return_sequences=True)],
         ["(8, 2, 3)"], ["42"], "42"),
        (lambda: [SimpleRNN(8, input_length=10, input_dim=5, return_sequences=True),
                  SimpleRNN(8, return_sequences=True)],
         ["(None, 10, 8)", "(None, 10, 8)"], ["112", "136"], "248"),
        (lambda: [Bidirectional(SimpleRNN(8, return_sequences=True), input_shape=(10, 5))],
         ["(None, 10, 16)"], ["224"], "224"),
        (lambda: [Bidirectional(SimpleRNN(8, return_sequences=True), input_shape=(10, 5))]
         + [Bidirectional(SimpleRNN(8, return_sequences=True)) for _ in range(3)],
         ["(None, 10, 16)"] * 4, ["224", "400", "400", "400"], "1,424"),
        (lambda: [GRU(8, input_shape=(10, 5))], ["(None, 8)"], ["360"], "360"),
    ],
    ids=["input_shape", "input_length", "batch_input_shape", "batch_seq", "stacked",
         "bidirectional", "four_bidirectional", "gru"],
)
def test_tutorial_summaries(build, shapes, params, total):
    model = Sequential(build())
    rows, text = summary_rows(model)
    assert [r[1] for r in rows] == shapes, text
    assert [r[2] for r in rows] == params, text
    assert total_params(text) == total, text


def test_from_scratch_numpy_loop_equals_simple_rnn():
    """The tutorial's loop h_t = tanh(Wx @ x_t + Wh @ h_{t-1} + b) equals SimpleRNN given
    set_weights([Wx.T, Wh.T, b])."""
    rng = np.random.default_rng(0)
    units, timesteps, features = 4, 7, 3
    wx = rng.standard_normal((units, features))
    wh = rng.standard_normal((units, units)) * 0.5
    b = rng.standard_normal(units)
    x = rng.standard_normal((timesteps, features))
    h = np.zeros(units)
    loop = []
    for t in range(timesteps):
        h = np.tanh(wx @ x[t] + wh @ h + b)
        loop.append(h)
    layer = SimpleRNN(units, return_sequences=True)
    layer(x[None].astype(np.float32))  # builds the weights from the input
    layer.set_weights([wx.T, wh.T, b])
    out = layer(x[None].astype(np.float32))
    np.testing.assert_allclose(np.asarray(out)[0], np.array(loop), rtol=1e-5, atol=1e-5)
    # and the reference agrees with the loop too (the oracle is independent of the layer)
    ref_out, _ = reference.simple_rnn(x[None], wx.T, wh.T, b)
    np.testing.assert_allclose(ref_out[0], np.array(loop), rtol=1e-12)
