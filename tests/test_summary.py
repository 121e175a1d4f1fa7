"""model.summary() in the Keras 2 text form (SEMANTICS.md), written out by hand."""

from __future__ import annotations

import pytest

from fusedrnn.layers import GRU, LSTM, Dense, Input, SimpleRNN
from fusedrnn.models import Model, Sequential

EXPECTED = """\
Model: "sequential"
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
simple_rnn (SimpleRNN)       (None, 3)                 42
_________________________________________________________________
dense (Dense)                (None, 3)                 12
=================================================================
Total params: 54
Trainable params: 54
Non-trainable params: 0
_________________________________________________________________"""


def lines_of(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def test_summary_exact_text():
    model = Sequential([SimpleRNN(3, input_shape=(2, 10)), Dense(3)])
    assert "\n".join(lines_of(model)) == EXPECTED


def test_summary_prints_by_default(capsys):
    Sequential([SimpleRNN(3, input_shape=(2, 10)), Dense(3)]).summary()
    assert capsys.readouterr().out.rstrip("\n") == EXPECTED


def test_summary_line_length():
    lines = lines_of(Sequential([GRU(8, input_shape=(10, 5))]), line_length=80)
    assert lines[1] == "_" * 80
    assert lines[4].startswith("gru (GRU)" + " " * 27 + "(None, 8)")


def test_summary_positions_must_match_the_columns():
    model = Sequential([GRU(8, input_shape=(10, 5))])
    with pytest.raises(ValueError, match="positions must give the right end of each of the 3"):
        model.summary(positions=[0.5])  # was IndexError
    lines = lines_of(model, positions=[30, 50, 65])
    assert lines[4].startswith("gru (GRU)" + " " * 21 + "(None, 8)")


def test_functional_summary_has_input_layer_and_thousands():
    inputs = Input(shape=(10, 5))
    model = Model(inputs, Dense(1)(LSTM(32)(inputs)))
    lines = lines_of(model)
    assert lines[0] == 'Model: "model"'
    assert lines[4] == "input_1 (InputLayer)         [(None, 10, 5)]           0"
    assert "Total params: 4,897" in lines


def test_unbuilt_summary_raises():
    with pytest.raises(ValueError, match="not yet been built"):
        Sequential([LSTM(3)]).summary()
