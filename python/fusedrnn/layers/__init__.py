"""Keras-compatible layers running on fusedrnn's kernels.

``from fusedrnn.layers import LSTM, Dense`` works where ``from keras.layers import ...`` did:
the constructors take Keras 3's arguments and Keras 2's legacy ones (``input_shape``,
``batch_input_shape``, ``input_length`` + ``input_dim``, ``batch_size``). Layers run eagerly
on NumPy (or CuPy) arrays and symbolically on :func:`Input` tensors, for
:mod:`fusedrnn.models`.
"""

from __future__ import annotations

from ._attention import AdditiveAttention, Attention
from ._base import Input, InputLayer, KerasTensor, Layer, Variable
from ._cells import RNN, GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from ._conv import AveragePooling1D, AvgPool1D, Conv1D, MaxPool1D, MaxPooling1D
from ._core import (
    Activation,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    GlobalAvgPool1D,
    GlobalMaxPool1D,
    GlobalMaxPooling1D,
    Masking,
    Permute,
    RepeatVector,
    Reshape,
    SpatialDropout1D,
    TimeDistributed,
)
from ._merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from ._norm import BatchNormalization, LayerNormalization
from ._rnn import GRU, LSTM, Bidirectional, RNNLayer, SimpleRNN

__all__ = [
    "Activation",
    "Add",
    "AdditiveAttention",
    "Attention",
    "Average",
    "AveragePooling1D",
    "AvgPool1D",
    "BatchNormalization",
    "Bidirectional",
    "Concatenate",
    "Conv1D",
    "Dense",
    "Dot",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRU",
    "GRUCell",
    "GlobalAveragePooling1D",
    "GlobalAvgPool1D",
    "GlobalMaxPool1D",
    "GlobalMaxPooling1D",
    "Input",
    "InputLayer",
    "KerasTensor",
    "LSTM",
    "LSTMCell",
    "Layer",
    "LayerNormalization",
    "Masking",
    "MaxPool1D",
    "MaxPooling1D",
    "Maximum",
    "Minimum",
    "Multiply",
    "Permute",
    "RNN",
    "RNNLayer",
    "RepeatVector",
    "Reshape",
    "SimpleRNN",
    "SimpleRNNCell",
    "SpatialDropout1D",
    "StackedRNNCells",
    "Subtract",
    "TimeDistributed",
    "Variable",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
