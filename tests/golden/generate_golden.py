"""Generate the golden test files in tests/data/golden/ with real Keras (TensorFlow backend).

NOT run by CI and not collected by pytest. It needs TensorFlow and Keras 3::

    python -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow numpy
    /tmp/tfenv/bin/python tests/golden/generate_golden.py            # all cases
    /tmp/tfenv/bin/python tests/golden/generate_golden.py lstm_basic # some cases

Each case is a small model with seeded random weights and inputs. The script builds it with
Keras, runs it, and writes ``tests/data/golden/<case>.npz`` holding

``config``            JSON (see below) describing how to rebuild the model with fusedrnn's
                      Keras-compatible API: layer class names and constructor kwargs exactly as
                      Keras takes them, and the model structure;
``keras_version``, ``tensorflow_version``, ``backend``;
``weight_000`` ...    ``model.get_weights()`` in order (``num_weights`` of them);
``call0_x``           the input of call 0 (stateful cases make several calls: ``call1_x`` ...);
                      a functional case with several inputs stores ``call0_x0``, ``call0_x1``
                      ... in the order of its ``inputs`` instead (``num_inputs`` of them);
``call0_mask``        an explicit boolean mask passed to the layer (``kind == "layer"`` only);
``call0_initial_state0`` ... the initial states passed to the layer (``kind == "layer"`` only);
``call0_output0`` ... Keras's outputs (float32), flattened in Keras's order (for return_state:
                      output, then states; for Bidirectional: merged, fw states, bw states);
``call0_output0_f64`` the same model run by Keras in float64, to tell float32 rounding apart
                      from real differences;
``keras_json``        ``model.to_json()`` (sequential and functional cases), the config Keras
                      saves in its files.

The JSON config:

``{"name", "description", "kind": "layer" | "sequential" | "functional",
   "num_calls", "reset_states_before": [call indices], "num_outputs",
   "layer": SPEC                                      (kind "layer": called eagerly on call<k>_x)
   "input": {"shape": [...], "batch_size": n|null, "dtype": str} | null
   "layers": [SPEC, ...], "build": "list" | "add"    (kind "sequential")
   "nodes": [{"id", "layer": SPEC | "shared": id, "inputs": REF,
              "initial_state": [REF, ...]?, "call": {kwargs}?,
              "call_tensors": {kwarg: REF}?, "positional": bool?}, ...],
   "outputs": [REF, ...] | {key: REF}                 (kind "functional")
   "inputs": [{"id", "input": {Input kwargs}, "x_kind", "timesteps"?, "vocab"?,
               "flip_padding"?}, ...],
   "input_struct": "list" | "dict", "num_inputs"      (functional, several inputs)
   "f32_vs_f64_max_abs": float}``

``SPEC = {"class_name": "LSTM", "config": {kwargs}, "layer": SPEC?, "backward_layer": SPEC?,
"cell": SPEC | [SPEC, ...]?}`` (``layer`` and ``backward_layer`` are the wrapped layers of
Bidirectional / TimeDistributed, ``cell`` an RNN's cell or list of cells).
``REF`` is ``"input"``, a node id, or ``"<id>:<k>"`` for the k-th element of a node's list output
(a merge layer's ``inputs`` is a list of them; with ``positional`` they are the call's
positional arguments, as MultiHeadAttention's query, value and key).
In a sequential model the ``input`` entry is an ``Input(**input)`` placed first (``null`` when
the first layer carries the legacy ``input_shape=`` kwarg instead). A functional model has one
``input`` (REF ``"input"``) or several ``inputs`` (REF: their ids), given to ``Model`` as a list
or, with ``input_struct`` ``"dict"``, as a dict keyed by input name; dict ``outputs`` are stored
flattened in the order of their keys.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wiring import (  # noqa: E402
    build_functional,
    build_sequential,
    make_layer,
    stateful_layers,
)

OUT_DIR = Path(__file__).resolve().parents[1] / "data" / "golden"

# Float32 Keras vs float64 Keras must agree this well, or the case is badly conditioned
# for a 1e-5 comparison and the script refuses to write it.
CONDITIONING_LIMIT = 2e-6


# ----------------------------------------------------------------------------------------------
# Case description helpers
# ----------------------------------------------------------------------------------------------
def L(class_name: str, layer: dict | None = None, backward_layer: dict | None = None,
      cell: dict | list | None = None, **config):
    spec = {"class_name": class_name, "config": config}
    if layer is not None:
        spec["layer"] = layer
    if backward_layer is not None:
        spec["backward_layer"] = backward_layer
    if cell is not None:
        spec["cell"] = cell
    return spec


def nested(kind: str, **model):
    """A model used as a layer: a Sequential (``layers``, ``input``) or a functional Model
    (``nodes``, ``outputs``, ``input``/``inputs``), as the case's own structure is written;
    ``name`` and ``trainable`` optional."""
    return {"class_name": "Sequential" if kind == "sequential" else "Model", "config": {},
            "model": model}


def inp(shape, batch_size=None, dtype="float32", name=None):
    spec = {"shape": list(shape), "batch_size": batch_size, "dtype": dtype}
    if name is not None:
        spec["name"] = name
    return spec


def model_input(id_, shape, *, name=None, x_kind="normal", timesteps=None, vocab=None,
                flip_padding=False, keep_first=False):
    """One input of a functional model with several: ``shape`` without the batch (``None`` for
    a variable length, filled with ``timesteps`` in the data); x_kind as in case() (masked
    steps are 0.0), or "bool" for random booleans (an attention_mask); flip_padding: padding
    by mask_pattern reversed in time (masks unlike another input's); keep_first: the first
    step never padded (attention over a sequence with no real step scores all steps alike in
    float32 but not in float64)."""
    dtype = {"tokens": "int32", "bool": "bool"}.get(x_kind, "float32")
    spec = {"id": id_, "input": inp(shape, dtype=dtype, name=name or id_), "x_kind": x_kind}
    if flip_padding:
        spec["flip_padding"] = True
    if keep_first:
        spec["keep_first"] = True
    if timesteps is not None:
        spec["timesteps"] = timesteps
    if vocab is not None:
        spec["vocab"] = vocab
    return spec


# Mask patterns for batch 4: full, leading masked steps, fully masked sample, trailing + middle.
def mask_pattern(batch: int, timesteps: int) -> np.ndarray:
    m = np.ones((batch, timesteps), dtype=bool)
    if batch > 1:
        m[1, :3] = False  # leading masked steps
    if batch > 2:
        m[2, :] = False  # fully masked sample
    if batch > 3:
        m[3, -2:] = False  # trailing masked steps
        m[3, timesteps // 2] = False  # one in the middle
    return m


CASES: list[dict] = []


def case(name, description, kind, *, batch=4, timesteps=7, features=3, calls=1, reset_before=(),
         x_kind="normal", mask=None, mask_value=0.0, initial_state=None, vocab=None,
         weight_scale=0.6, **structure):
    """Register a case.

    x_kind: "normal" float input; "masked" float input with steps set to mask_value per
    mask_pattern; "tokens" int input in [1, vocab) with 0 padding per mask_pattern.
    mask: "kwarg" passes mask_pattern as the layer's mask= (kind "layer").
    initial_state: number of state arrays to pass (kind "layer"), each (batch, units_j);
    given as a list of widths.
    """
    given = structure.get("input")
    if "inputs" in structure:
        structure["num_inputs"] = len(structure["inputs"])
        structure.setdefault("input_struct", "list")
    if given is not None:
        assert given["shape"][0] == timesteps, f"{name}: Input shape and timesteps differ"
    CASES.append(dict(name=name, description=description, kind=kind, batch=batch,
                      timesteps=timesteps, features=features, calls=calls,
                      reset_before=list(reset_before), x_kind=x_kind, mask=mask,
                      mask_value=mask_value, initial_state=initial_state, vocab=vocab,
                      weight_scale=weight_scale, structure=structure))


# ---- single layers, called eagerly ---------------------------------------------------------
case("simple_rnn_seq", "SimpleRNN return_sequences", "layer",
     layer=L("SimpleRNN", units=5, return_sequences=True))
case("simple_rnn_last_relu", "SimpleRNN relu, last output", "layer", weight_scale=0.4,
     layer=L("SimpleRNN", units=6, activation="relu"))
case("simple_rnn_linear_nobias_backwards", "SimpleRNN linear, no bias, go_backwards", "layer",
     weight_scale=0.4,
     layer=L("SimpleRNN", units=4, activation="linear", use_bias=False, go_backwards=True,
             return_sequences=True))
case("simple_rnn_sigmoid_state_init", "SimpleRNN sigmoid, return_state, initial_state", "layer",
     initial_state=[5],
     layer=L("SimpleRNN", units=5, activation="sigmoid", return_sequences=True,
             return_state=True))
case("simple_rnn_hard_sigmoid", "SimpleRNN hard_sigmoid activation", "layer",
     layer=L("SimpleRNN", units=4, activation="hard_sigmoid", return_sequences=True))
case("simple_rnn_mask_backwards", "SimpleRNN go_backwards with an explicit mask", "layer",
     mask="kwarg",
     layer=L("SimpleRNN", units=4, go_backwards=True, return_sequences=True, return_state=True))
case("gru_default", "GRU defaults (reset_after=True)", "layer",
     layer=L("GRU", units=7))
case("gru_reset_after_false_seq", "GRU reset_after=False, sequences", "layer",
     layer=L("GRU", units=6, reset_after=False, return_sequences=True))
case("gru_hard_sigmoid_backwards_state", "GRU hard_sigmoid, go_backwards, return_state", "layer",
     layer=L("GRU", units=5, recurrent_activation="hard_sigmoid", go_backwards=True,
             return_sequences=True, return_state=True))
case("gru_nobias_reset_after_true", "GRU use_bias=False, reset_after=True", "layer",
     layer=L("GRU", units=4, use_bias=False, return_sequences=True))
case("gru_nobias_reset_after_false", "GRU use_bias=False, reset_after=False", "layer",
     layer=L("GRU", units=4, use_bias=False, reset_after=False))
case("gru_initial_state_return_state", "GRU initial_state + return_state", "layer",
     initial_state=[8], features=5,
     layer=L("GRU", units=8, return_state=True))
case("gru_relu_tanh", "GRU relu activation, tanh recurrent_activation", "layer",
     weight_scale=0.4,
     layer=L("GRU", units=6, activation="relu", recurrent_activation="tanh",
             return_sequences=True))
case("gru_reset_false_sigmoid_linear", "GRU reset_after=False, sigmoid act, linear rec act",
     "layer", weight_scale=0.3,
     layer=L("GRU", units=5, reset_after=False, activation="sigmoid",
             recurrent_activation="linear", return_sequences=True))
case("gru_mask_initial_state", "GRU explicit mask + initial_state + return_state (fully masked "
     "sample keeps its initial state)", "layer", mask="kwarg", initial_state=[5],
     layer=L("GRU", units=5, return_state=True))
case("lstm_default", "LSTM defaults", "layer", features=4,
     layer=L("LSTM", units=8))
case("lstm_seq_state", "LSTM return_sequences + return_state ([seq, h, c])", "layer",
     layer=L("LSTM", units=6, return_sequences=True, return_state=True))
case("lstm_initial_state_backwards", "LSTM go_backwards, initial_state [h, c], return_state",
     "layer", initial_state=[5, 5],
     layer=L("LSTM", units=5, go_backwards=True, return_state=True))
case("lstm_relu_hard_sigmoid", "LSTM relu activation, hard_sigmoid recurrent", "layer",
     weight_scale=0.4,
     layer=L("LSTM", units=6, activation="relu", recurrent_activation="hard_sigmoid",
             return_sequences=True))
case("lstm_nobias_linear", "LSTM use_bias=False, linear activation", "layer", weight_scale=0.4,
     layer=L("LSTM", units=4, use_bias=False, activation="linear"))
case("lstm_mask_seq", "LSTM explicit mask, return_sequences (masked steps repeat the previous "
     "output, zeros before the first real step)", "layer", mask="kwarg", timesteps=8,
     layer=L("LSTM", units=5, return_sequences=True, return_state=True))
case("lstm_stateful_layer", "stateful LSTM layer: two calls, reset_states(), third call",
     "layer", calls=3, reset_before=[2], batch=3,
     layer=L("LSTM", units=5, stateful=True, return_sequences=True))
case("bidir_lstm_concat_seq", "Bidirectional(LSTM) concat, sequences", "layer",
     layer=L("Bidirectional", layer=L("LSTM", units=5, return_sequences=True)))
case("bidir_gru_sum_last", "Bidirectional(GRU) sum, last output", "layer",
     layer=L("Bidirectional", merge_mode="sum", layer=L("GRU", units=4)))
case("bidir_simple_rnn_mul_seq", "Bidirectional(SimpleRNN) mul, sequences", "layer",
     layer=L("Bidirectional", merge_mode="mul",
             layer=L("SimpleRNN", units=4, return_sequences=True)))
case("bidir_lstm_ave_state", "Bidirectional(LSTM) ave, sequences + return_state", "layer",
     layer=L("Bidirectional", merge_mode="ave",
             layer=L("LSTM", units=4, return_sequences=True, return_state=True)))
case("bidir_gru_none_seq", "Bidirectional(GRU) merge_mode=None (list [fw, bw])", "layer",
     layer=L("Bidirectional", merge_mode=None,
             layer=L("GRU", units=4, reset_after=False, return_sequences=True)))
case("bidir_lstm_none_state", "Bidirectional(LSTM) merge_mode=None + return_state, last output",
     "layer",
     layer=L("Bidirectional", merge_mode=None, layer=L("LSTM", units=3, return_state=True)))
case("bidir_lstm_initial_state", "Bidirectional(LSTM) initial_state [fh, fc, bh, bc]", "layer",
     initial_state=[4, 4, 4, 4],
     layer=L("Bidirectional", layer=L("LSTM", units=4, return_sequences=True)))
case("bidir_gru_initial_state_state", "Bidirectional(GRU) initial_state [fh, bh], return_state",
     "layer", initial_state=[3, 3],
     layer=L("Bidirectional", merge_mode="sum",
             layer=L("GRU", units=3, return_state=True)))
case("bidir_backward_layer", "Bidirectional with an explicit, different backward_layer",
     "layer",
     layer=L("Bidirectional",
             layer=L("GRU", units=4, return_sequences=True),
             backward_layer=L("GRU", units=3, return_sequences=True, go_backwards=True,
                              activation="relu", reset_after=False)))
case("bidir_lstm_mask_seq", "Bidirectional(LSTM) with an explicit mask, sequences (masked "
     "steps are zeros)", "layer", mask="kwarg", timesteps=8,
     layer=L("Bidirectional", layer=L("LSTM", units=4, return_sequences=True)))
case("bidir_simple_rnn_mask_last_state", "Bidirectional(SimpleRNN) mask, last output, "
     "return_state", "layer", mask="kwarg",
     layer=L("Bidirectional", layer=L("SimpleRNN", units=3, return_state=True)))

case("rnn_lstm_cell_mask_state", "RNN(LSTMCell) = LSTM: explicit mask, initial_state [h, c], "
     "sequences + return_state", "layer", mask="kwarg", initial_state=[5, 5], timesteps=8,
     layer=L("RNN", cell=L("LSTMCell", units=5), return_sequences=True, return_state=True))
case("rnn_stacked_cells_backwards_mask", "RNN([GRUCell, LSTMCell, SimpleRNNCell]) go_backwards, "
     "explicit mask, zero_output_for_mask, sequences + return_state (states nested per cell)",
     "layer", mask="kwarg", timesteps=8,
     layer=L("RNN", cell=[L("GRUCell", units=4), L("LSTMCell", units=3),
                          L("SimpleRNNCell", units=2)],
             return_sequences=True, return_state=True, go_backwards=True,
             zero_output_for_mask=True))
case("rnn_stacked_cells_initial_state", "RNN([GRUCell reset_after=False, SimpleRNNCell relu]) "
     "initial_state [h0, h1], return_state", "layer", initial_state=[4, 3], weight_scale=0.4,
     layer=L("RNN", cell=[L("GRUCell", units=4, reset_after=False),
                          L("SimpleRNNCell", units=3, activation="relu")],
             return_state=True))
case("rnn_stacked_cells_stateful", "stateful RNN([LSTMCell, GRUCell]): three calls carrying "
     "the states (Keras 3.15's reset_states() fails on a stateful stack of cells)", "layer",
     calls=3, batch=3,
     layer=L("RNN", cell=[L("LSTMCell", units=4), L("GRUCell", units=3)], stateful=True,
             return_sequences=True))
case("bidir_rnn_stacked_cells_mask", "Bidirectional(RNN([LSTMCell, GRUCell])) with an explicit "
     "mask, sequences", "layer", mask="kwarg",
     layer=L("Bidirectional", layer=L("RNN", cell=[L("LSTMCell", units=3), L("GRUCell", units=2)],
                                      return_sequences=True)))
case("bidir_rnn_gru_cell_state", "Bidirectional(RNN(GRUCell)) sum, initial_state, return_state",
     "layer", initial_state=[3, 3],
     layer=L("Bidirectional", merge_mode="sum",
             layer=L("RNN", cell=L("GRUCell", units=3), return_state=True)))

# ---- Sequential models -----------------------------------------------------------------------
case("seq_masking_lstm_dense", "Masking -> LSTM -> Dense", "sequential", x_kind="masked",
     timesteps=8, input=inp((8, 3)),
     layers=[L("Masking", mask_value=0.0), L("LSTM", units=6), L("Dense", units=3)])
case("seq_masking_stack_timedistributed", "Masking(-1) -> GRU seq -> SimpleRNN seq -> "
     "TimeDistributed(Dense)", "sequential", x_kind="masked", mask_value=-1.0, timesteps=8,
     input=inp((8, 3)),
     layers=[L("Masking", mask_value=-1.0), L("GRU", units=6, return_sequences=True),
             L("SimpleRNN", units=4, return_sequences=True),
             L("TimeDistributed", layer=L("Dense", units=2))])
case("seq_masking_bidir_stack", "Masking -> Bidirectional(LSTM seq) -> Bidirectional(GRU) -> "
     "Dense softmax", "sequential", x_kind="masked", timesteps=8, input=inp((8, 3)),
     layers=[L("Masking", mask_value=0.0),
             L("Bidirectional", layer=L("LSTM", units=4, return_sequences=True)),
             L("Bidirectional", layer=L("GRU", units=3)),
             L("Dense", units=2, activation="softmax")])
case("seq_masking_bidir_sum_seq", "Masking -> Bidirectional(SimpleRNN) sum, sequences",
     "sequential", x_kind="masked", timesteps=8, input=inp((8, 3)),
     layers=[L("Masking", mask_value=0.0),
             L("Bidirectional", merge_mode="sum",
               layer=L("SimpleRNN", units=4, return_sequences=True))])
case("seq_masking_bidir_ave_mul", "Masking -> Bidirectional(GRU) ave -> Bidirectional(LSTM) mul",
     "sequential", x_kind="masked", mask_value=2.5, timesteps=8, input=inp((8, 3)),
     layers=[L("Masking", mask_value=2.5),
             L("Bidirectional", merge_mode="ave",
               layer=L("GRU", units=4, return_sequences=True)),
             L("Bidirectional", merge_mode="mul",
               layer=L("LSTM", units=3, return_sequences=True))])
case("seq_masking_lstm_backwards", "Masking -> LSTM go_backwards sequences", "sequential",
     x_kind="masked", timesteps=8, input=inp((8, 3)),
     layers=[L("Masking"), L("LSTM", units=4, go_backwards=True, return_sequences=True)])
case("seq_embedding_lstm", "Embedding(mask_zero) -> LSTM -> Dense sigmoid", "sequential",
     x_kind="tokens", vocab=20, timesteps=9, input=inp((9,), dtype="int32"),
     layers=[L("Embedding", input_dim=20, output_dim=6, mask_zero=True),
             L("LSTM", units=5), L("Dense", units=1, activation="sigmoid")])
case("seq_embedding_bidir_gru_td", "Embedding(mask_zero) -> Bidirectional(GRU seq) -> "
     "TimeDistributed(Dense)", "sequential", x_kind="tokens", vocab=15, timesteps=9,
     input=inp((9,), dtype="int32"),
     layers=[L("Embedding", input_dim=15, output_dim=5, mask_zero=True),
             L("Bidirectional", layer=L("GRU", units=4, return_sequences=True)),
             L("TimeDistributed", layer=L("Dense", units=3))])
case("seq_embedding_no_mask_simple_rnn", "Embedding without mask_zero -> SimpleRNN",
     "sequential", x_kind="tokens", vocab=12, timesteps=6, input=inp((6,), dtype="int32"),
     layers=[L("Embedding", input_dim=12, output_dim=4), L("SimpleRNN", units=5)])
case("seq_tutorial_simple_rnn_stack", "tutorial: SimpleRNN(8, input_shape=(10, 5)) seq x2",
     "sequential", timesteps=10, features=5, input=None,
     layers=[L("SimpleRNN", units=8, return_sequences=True, input_shape=[10, 5]),
             L("SimpleRNN", units=8, return_sequences=True)])
case("seq_tutorial_bidir_stack", "tutorial: four Bidirectional(SimpleRNN(8, seq))",
     "sequential", timesteps=10, features=5, batch=2, input=inp((10, 5)), weight_scale=0.4,
     layers=[L("Bidirectional", layer=L("SimpleRNN", units=8, return_sequences=True))
             for _ in range(4)])
case("seq_tutorial_gru", "tutorial: GRU(8, input_shape=(10, 5))", "sequential",
     timesteps=10, features=5, input=None, layers=[L("GRU", units=8, input_shape=[10, 5])])
case("seq_dropout_activation", "LSTM seq (dropout args) -> Dropout -> Dense -> Activation relu",
     "sequential", input=inp((7, 3)), build="add",
     layers=[L("LSTM", units=6, return_sequences=True, dropout=0.3, recurrent_dropout=0.2),
             L("Dropout", rate=0.5), L("Dense", units=4), L("Activation", activation="relu")])
case("seq_gru_stack_dense3d", "GRU reset_after=False seq -> LSTM seq -> Dense on 3-D",
     "sequential", input=inp((7, 3)),
     layers=[L("GRU", units=6, reset_after=False, return_sequences=True),
             L("LSTM", units=5, return_sequences=True), L("Dense", units=2, use_bias=False)])
case("seq_stateful_gru", "stateful GRU in a Sequential (Input batch_size): two calls",
     "sequential", calls=2, batch=2, timesteps=6, input=inp((6, 3), batch_size=2),
     layers=[L("GRU", units=5, stateful=True, return_sequences=True), L("Dense", units=2)])
case("seq_stateful_simple_rnn_lstm", "stateful SimpleRNN -> stateful LSTM: two calls, reset, "
     "third call", "sequential", calls=3, reset_before=[2], batch=3, timesteps=5,
     input=inp((5, 3), batch_size=3),
     layers=[L("SimpleRNN", units=4, stateful=True, return_sequences=True),
             L("LSTM", units=3, stateful=True)])

case("seq_tutorial_lstm_autoencoder", "tutorial: LSTM(6, input_shape) -> RepeatVector(7) -> "
     "LSTM seq -> TimeDistributed(Dense(1))", "sequential", input=None,
     layers=[L("LSTM", units=6, input_shape=[7, 3]), L("RepeatVector", n=7),
             L("LSTM", units=5, return_sequences=True),
             L("TimeDistributed", layer=L("Dense", units=1))])
case("seq_embedding_spatial_dropout_avg_pool", "Embedding(mask_zero) -> SpatialDropout1D -> "
     "Bidirectional(LSTM seq) -> GlobalAveragePooling1D (masked mean) -> Dense softmax",
     "sequential", x_kind="tokens", vocab=20, timesteps=9, batch=2,
     input=inp((9,), dtype="int32"),
     layers=[L("Embedding", input_dim=20, output_dim=6, mask_zero=True),
             L("SpatialDropout1D", rate=0.2),
             L("Bidirectional", layer=L("LSTM", units=4, return_sequences=True)),
             L("GlobalAveragePooling1D"), L("Dense", units=2, activation="softmax")])
case("seq_masking_gru_avg_pool_keepdims", "Masking -> GRU seq -> GlobalAveragePooling1D "
     "keepdims (masked mean) -> Flatten -> Dense", "sequential", x_kind="masked", batch=2,
     timesteps=8, input=inp((8, 3)),
     layers=[L("Masking", mask_value=0.0), L("GRU", units=5, return_sequences=True),
             L("GlobalAveragePooling1D", keepdims=True), L("Flatten"), L("Dense", units=2)])
case("seq_embedding_lstm_max_pool", "Embedding -> LSTM seq -> GlobalMaxPooling1D -> Dense",
     "sequential", x_kind="tokens", vocab=12, timesteps=6, input=inp((6,), dtype="int32"),
     layers=[L("Embedding", input_dim=12, output_dim=4), L("LSTM", units=5, return_sequences=True),
             L("GlobalMaxPooling1D"), L("Dense", units=3)])
case("seq_flatten_dense", "SimpleRNN seq (input_shape) -> Flatten -> Dense", "sequential",
     input=None,
     layers=[L("SimpleRNN", units=4, return_sequences=True, input_shape=[7, 3]), L("Flatten"),
             L("Dense", units=2, activation="sigmoid")])
case("seq_channels_first_pooling", "GRU seq -> GlobalMaxPooling1D channels_first keepdims -> "
     "GlobalAveragePooling1D channels_first -> RepeatVector -> Flatten channels_first",
     "sequential", input=inp((7, 3)),
     layers=[L("GRU", units=5, return_sequences=True),
             L("GlobalMaxPooling1D", data_format="channels_first", keepdims=True),
             L("GlobalAveragePooling1D", data_format="channels_first", keepdims=True),
             L("Flatten", data_format="channels_first"), L("RepeatVector", n=2),
             L("Flatten", data_format="channels_first")])

case("seq_masking_rnn_cells", "Masking -> RNN(LSTMCell) seq -> RNN([GRUCell, SimpleRNNCell]) "
     "-> Dense", "sequential", x_kind="masked", timesteps=8, input=inp((8, 3)),
     layers=[L("Masking"), L("RNN", cell=L("LSTMCell", units=5), return_sequences=True),
             L("RNN", cell=[L("GRUCell", units=4), L("SimpleRNNCell", units=3)]),
             L("Dense", units=2)])

case("seq_cnn_lstm_tokens", "CNN-LSTM text classifier: Embedding -> Conv1D(same, relu) -> "
     "MaxPooling1D -> LSTM -> Dense sigmoid", "sequential", x_kind="tokens", vocab=20,
     timesteps=10, input=inp((10,), dtype="int32"),
     layers=[L("Embedding", input_dim=20, output_dim=6),
             L("Conv1D", filters=8, kernel_size=3, padding="same", activation="relu"),
             L("MaxPooling1D", pool_size=2), L("LSTM", units=5),
             L("Dense", units=1, activation="sigmoid")])
case("seq_conv_pool_variants", "Conv1D strides 2 'same' (even kernel) -> AveragePooling1D 'same' "
     "(3, strides 2) -> Conv1D causal, dilation 2, groups 2 -> MaxPooling1D 'same' -> Conv1D "
     "valid -> GRU", "sequential", timesteps=12, input=inp((12, 3)),
     layers=[L("Conv1D", filters=4, kernel_size=4, strides=2, padding="same"),
             L("AveragePooling1D", pool_size=3, strides=2, padding="same"),
             L("Conv1D", filters=6, kernel_size=2, dilation_rate=2, padding="causal", groups=2,
               activation="tanh"),
             L("MaxPooling1D", pool_size=2, padding="same"),
             L("Conv1D", filters=3, kernel_size=1, use_bias=False),
             L("GRU", units=4)])
case("seq_masked_norms", "Masking -> LSTM seq -> BatchNormalization -> LayerNormalization "
     "(masks pass through both) -> GRU -> BatchNormalization(center=False) -> "
     "LayerNormalization(scale=False) -> Dense", "sequential", x_kind="masked", timesteps=8,
     input=inp((8, 3)),
     layers=[L("Masking"), L("LSTM", units=6, return_sequences=True),
             L("BatchNormalization"), L("LayerNormalization", epsilon=1e-2),
             L("GRU", units=4), L("BatchNormalization", center=False, epsilon=1e-2),
             L("LayerNormalization", scale=False), L("Dense", units=2)])
case("seq_embedding_mask_conv_drops", "Embedding(mask_zero) -> Conv1D causal (drops the mask, "
     "with Keras's warning) -> LSTM unmasked -> Dense", "sequential", x_kind="tokens",
     vocab=15, timesteps=9, input=inp((9,), dtype="int32"),
     layers=[L("Embedding", input_dim=15, output_dim=4, mask_zero=True),
             L("Conv1D", filters=5, kernel_size=3, padding="causal"),
             L("LSTM", units=4), L("Dense", units=2)])
case("seq_reshape_permute", "Reshape((12, 2)) -> LSTM seq -> Permute((2, 1)) -> Dense on the "
     "steps -> Reshape((-1,)) -> Dense", "sequential", timesteps=6, features=4,
     input=inp((6, 4)),
     layers=[L("Reshape", target_shape=[12, 2]), L("LSTM", units=3, return_sequences=True),
             L("Permute", dims=[2, 1]), L("Dense", units=2), L("Reshape", target_shape=[-1]),
             L("Dense", units=1)])

# ---- functional models -------------------------------------------------------------------------
case("func_two_outputs_masked", "Input -> Masking -> {LSTM seq -> TimeDistributed(Dense), "
     "GRU -> Dense}", "functional", x_kind="masked", timesteps=8, input=inp((8, 3)),
     nodes=[{"id": "mask", "layer": L("Masking", mask_value=0.0), "inputs": "input"},
            {"id": "lstm", "layer": L("LSTM", units=5, return_sequences=True),
             "inputs": "mask"},
            {"id": "td", "layer": L("TimeDistributed", layer=L("Dense", units=2)),
             "inputs": "lstm"},
            {"id": "gru", "layer": L("GRU", units=4), "inputs": "mask"},
            {"id": "dense", "layer": L("Dense", units=3, activation="tanh"), "inputs": "gru"}],
     outputs=["td", "dense"])
case("func_return_state_outputs", "LSTM return_state: outputs [output, h, c, Dense(h)]",
     "functional", input=inp((7, 3)),
     nodes=[{"id": "lstm", "layer": L("LSTM", units=5, return_state=True), "inputs": "input"},
            {"id": "dense", "layer": L("Dense", units=2), "inputs": "lstm:1"}],
     outputs=["lstm:0", "lstm:1", "lstm:2", "dense"])
case("func_encoder_decoder", "encoder LSTM states -> decoder LSTM initial_state -> "
     "TimeDistributed(Dense)", "functional", input=inp((7, 3)),
     nodes=[{"id": "enc", "layer": L("LSTM", units=4, return_state=True), "inputs": "input"},
            {"id": "dec", "layer": L("LSTM", units=4, return_sequences=True), "inputs": "input",
             "initial_state": ["enc:1", "enc:2"]},
            {"id": "td", "layer": L("TimeDistributed", layer=L("Dense", units=3)),
             "inputs": "dec"}],
     outputs=["td"])
case("func_bidir_state_masked", "Masking -> Bidirectional(GRU seq, return_state) -> outputs "
     "[merged, fw_h, bw_h]", "functional", x_kind="masked", timesteps=8, input=inp((8, 3)),
     nodes=[{"id": "mask", "layer": L("Masking"), "inputs": "input"},
            {"id": "bi", "layer": L("Bidirectional", layer=L("GRU", units=3,
                                                              return_sequences=True,
                                                              return_state=True)),
             "inputs": "mask"}],
     outputs=["bi:0", "bi:1", "bi:2"])
case("func_embedding_two_heads", "Embedding(mask_zero) -> SimpleRNN seq -> {LSTM -> Dense, "
     "Bidirectional(GRU) concat}", "functional", x_kind="tokens", vocab=10, timesteps=8,
     input=inp((8,), dtype="int32"),
     nodes=[{"id": "emb", "layer": L("Embedding", input_dim=10, output_dim=4, mask_zero=True),
             "inputs": "input"},
            {"id": "rnn", "layer": L("SimpleRNN", units=5, return_sequences=True),
             "inputs": "emb"},
            {"id": "lstm", "layer": L("LSTM", units=3), "inputs": "rnn"},
            {"id": "dense", "layer": L("Dense", units=2), "inputs": "lstm"},
            {"id": "bi", "layer": L("Bidirectional", layer=L("GRU", units=2)),
             "inputs": "rnn"}],
     outputs=["dense", "bi"])
case("func_concat_pools", "text classifier: Embedding(mask_zero) -> Bidirectional(GRU seq) -> "
     "concatenate([GlobalAveragePooling1D (masked), GlobalMaxPooling1D]) -> Dense softmax",
     "functional", x_kind="tokens", vocab=20, timesteps=9, batch=2,
     input=inp((9,), dtype="int32"),
     nodes=[{"id": "emb", "layer": L("Embedding", input_dim=20, output_dim=6, mask_zero=True),
             "inputs": "input"},
            {"id": "bi", "layer": L("Bidirectional", layer=L("GRU", units=4,
                                                              return_sequences=True)),
             "inputs": "emb"},
            {"id": "avg", "layer": L("GlobalAveragePooling1D"), "inputs": "bi"},
            {"id": "max", "layer": L("GlobalMaxPooling1D"), "inputs": "bi"},
            {"id": "cat", "layer": L("Concatenate"), "inputs": ["avg", "max"]},
            {"id": "dense", "layer": L("Dense", units=3, activation="softmax"),
             "inputs": "cat"}],
     outputs=["dense"])
case("func_concat_masks", "Masking -> LSTM seq (masked) and GRU seq on the raw input (no mask) "
     "-> Concatenate on features (mask: OR, a missing mask counts as all true) -> LSTM; "
     "Concatenate on time (masks joined) -> GRU", "functional", x_kind="masked", timesteps=6,
     input=inp((6, 3)),
     nodes=[{"id": "mask", "layer": L("Masking", mask_value=0.0), "inputs": "input"},
            {"id": "a", "layer": L("LSTM", units=4, return_sequences=True), "inputs": "mask"},
            {"id": "b", "layer": L("GRU", units=4, return_sequences=True), "inputs": "input"},
            {"id": "cat", "layer": L("Concatenate"), "inputs": ["a", "b"]},
            {"id": "r1", "layer": L("LSTM", units=3), "inputs": "cat"},
            {"id": "time", "layer": L("Concatenate", axis=1), "inputs": ["a", "b"]},
            {"id": "r2", "layer": L("GRU", units=3), "inputs": "time"}],
     outputs=["r1", "r2"])
case("func_merge_elementwise", "Masking -> LSTM seq + GRU seq (Add, mask OR) -> SimpleRNN; "
     "Average of the sum and a GRU's last output (rank broadcast, no mask) -> Subtract -> "
     "SimpleRNN", "functional", x_kind="masked", timesteps=6, input=inp((6, 3)),
     nodes=[{"id": "mask", "layer": L("Masking", mask_value=0.0), "inputs": "input"},
            {"id": "a", "layer": L("LSTM", units=4, return_sequences=True), "inputs": "mask"},
            {"id": "b", "layer": L("GRU", units=4, return_sequences=True), "inputs": "mask"},
            {"id": "sum", "layer": L("Add"), "inputs": ["a", "b"]},
            {"id": "last", "layer": L("GRU", units=4), "inputs": "mask"},
            {"id": "avg", "layer": L("Average"), "inputs": ["sum", "last"]},
            {"id": "diff", "layer": L("Subtract"), "inputs": ["sum", "avg"]},
            {"id": "r1", "layer": L("SimpleRNN", units=3, return_sequences=True),
             "inputs": "sum"},
            {"id": "r2", "layer": L("SimpleRNN", units=3), "inputs": "diff"}],
     outputs=["r1", "r2", "avg"])

# ---- functional models with several inputs ------------------------------------------------
case("func_seq2seq_lstm", "keras.io character-level seq2seq, training model: encoder LSTM "
     "return_state -> decoder LSTM seq + state (initial_state = encoder [h, c]) -> Dense softmax; "
     "inputs [encoder_inputs, decoder_inputs] of different lengths", "functional",
     inputs=[model_input("encoder_inputs", (None, 5), timesteps=7),
             model_input("decoder_inputs", (None, 4), timesteps=5)],
     nodes=[{"id": "enc", "layer": L("LSTM", units=6, return_state=True),
             "inputs": "encoder_inputs"},
            {"id": "dec", "layer": L("LSTM", units=6, return_sequences=True, return_state=True),
             "inputs": "decoder_inputs", "initial_state": ["enc:1", "enc:2"]},
            {"id": "dense", "layer": L("Dense", units=4, activation="softmax"),
             "inputs": "dec:0"}],
     outputs=["dense"])
case("func_seq2seq_decoder_step", "seq2seq inference decoder: inputs [decoder_inputs, h, c] -> "
     "LSTM(initial_state=[h, c]) -> outputs [Dense softmax, h, c]", "functional",
     inputs=[model_input("decoder_inputs", (None, 4), timesteps=1),
             model_input("decoder_state_input_h", (6,)),
             model_input("decoder_state_input_c", (6,))],
     nodes=[{"id": "dec", "layer": L("LSTM", units=6, return_sequences=True, return_state=True),
             "inputs": "decoder_inputs",
             "initial_state": ["decoder_state_input_h", "decoder_state_input_c"]},
            {"id": "dense", "layer": L("Dense", units=4, activation="softmax"),
             "inputs": "dec:0"}],
     outputs=["dense", "dec:1", "dec:2"])
case("func_multi_input_multi_output", "Keras functional API guide: title and body token "
     "sequences and a tags vector -> Embedding and LSTM per sequence -> concatenate with the tags "
     "-> Dense heads 'priority' and 'department'", "functional", batch=3,
     inputs=[model_input("title", (None,), x_kind="tokens", timesteps=6, vocab=30),
             model_input("body", (None,), x_kind="tokens", timesteps=10, vocab=30),
             model_input("tags", (5,))],
     nodes=[{"id": "te", "layer": L("Embedding", input_dim=30, output_dim=6),
             "inputs": "title"},
            {"id": "be", "layer": L("Embedding", input_dim=30, output_dim=6), "inputs": "body"},
            {"id": "tl", "layer": L("LSTM", units=8), "inputs": "te"},
            {"id": "bl", "layer": L("LSTM", units=4), "inputs": "be"},
            {"id": "cat", "layer": L("Concatenate"), "inputs": ["tl", "bl", "tags"]},
            {"id": "priority", "layer": L("Dense", units=1, name="priority"), "inputs": "cat"},
            {"id": "department", "layer": L("Dense", units=3, name="department"),
             "inputs": "cat"}],
     outputs=["priority", "department"])
case("func_gru_seq2seq_masked_dict", "dict inputs {encoder, decoder}: padded token sequences -> "
     "Embedding(mask_zero) -> encoder GRU return_state; decoder GRU seq (masked, initial_state = "
     "encoder h) -> Dense softmax; dict output {'logits'}", "functional", input_struct="dict",
     inputs=[model_input("encoder", (None,), x_kind="tokens", timesteps=8, vocab=12),
             model_input("decoder", (None,), x_kind="tokens", timesteps=6, vocab=9)],
     nodes=[{"id": "ee", "layer": L("Embedding", input_dim=12, output_dim=4, mask_zero=True),
             "inputs": "encoder"},
            {"id": "enc", "layer": L("GRU", units=5, return_state=True), "inputs": "ee"},
            {"id": "de", "layer": L("Embedding", input_dim=9, output_dim=4, mask_zero=True),
             "inputs": "decoder"},
            {"id": "dec", "layer": L("GRU", units=5, return_sequences=True), "inputs": "de",
             "initial_state": ["enc:1"]},
            {"id": "out", "layer": L("Dense", units=9, activation="softmax"), "inputs": "dec"}],
     outputs={"logits": "out"})
case("func_merge_masked_values", "Multiply / Maximum / Minimum with Keras 3's masks: two token "
     "inputs with different padding -> Embedding(mask_zero) -> LSTM / GRU seq, and an unmasked "
     "GRU seq; masked steps count as 1 (Multiply) or lose (Maximum, Minimum); masks OR into a "
     "SimpleRNN and a GRU", "functional",
     inputs=[model_input("t1", (6,), x_kind="tokens", vocab=12),
             model_input("t2", (6,), x_kind="tokens", vocab=12, flip_padding=True)],
     nodes=[{"id": "e1", "layer": L("Embedding", input_dim=12, output_dim=4, mask_zero=True),
             "inputs": "t1"},
            {"id": "e2", "layer": L("Embedding", input_dim=12, output_dim=4, mask_zero=True),
             "inputs": "t2"},
            {"id": "e3", "layer": L("Embedding", input_dim=12, output_dim=4), "inputs": "t2"},
            {"id": "a", "layer": L("LSTM", units=4, return_sequences=True), "inputs": "e1"},
            {"id": "b", "layer": L("GRU", units=4, return_sequences=True), "inputs": "e2"},
            {"id": "c", "layer": L("GRU", units=4, return_sequences=True), "inputs": "e3"},
            {"id": "mul_all", "layer": L("Multiply"), "inputs": ["a", "b"]},
            {"id": "mul_mixed", "layer": L("Multiply"), "inputs": ["a", "c"]},
            {"id": "mx", "layer": L("Maximum"), "inputs": ["a", "b"]},
            {"id": "mn", "layer": L("Minimum"), "inputs": ["a", "c"]},
            {"id": "mx3", "layer": L("Maximum"), "inputs": ["c", "a", "b"]},
            {"id": "r1", "layer": L("SimpleRNN", units=3), "inputs": "mul_all"},
            {"id": "r2", "layer": L("GRU", units=3, return_sequences=True), "inputs": "mx"}],
     outputs=["mul_all", "mul_mixed", "mx", "mn", "mx3", "r1", "r2"])
case("func_luong_attention", "Keras 2 era attention seq2seq: encoder LSTM seq + state, decoder "
     "LSTM from its state; scores Dot(axes=[2, 2]) -> softmax -> context Dot(axes=[2, 1]) -> "
     "concatenate with the decoder -> TimeDistributed Dense tanh, softmax; and a cosine "
     "Dot(axes=1, normalize=True) of the encoder's h and c", "functional",
     inputs=[model_input("encoder_inputs", (7, 3)), model_input("decoder_inputs", (5, 2))],
     nodes=[{"id": "enc", "layer": L("LSTM", units=4, return_sequences=True, return_state=True),
             "inputs": "encoder_inputs"},
            {"id": "dec", "layer": L("LSTM", units=4, return_sequences=True),
             "inputs": "decoder_inputs", "initial_state": ["enc:1", "enc:2"]},
            {"id": "scores", "layer": L("Dot", axes=[2, 2]), "inputs": ["dec", "enc:0"]},
            {"id": "attention", "layer": L("Activation", activation="softmax"),
             "inputs": "scores"},
            {"id": "context", "layer": L("Dot", axes=[2, 1]),
             "inputs": ["attention", "enc:0"]},
            {"id": "combined", "layer": L("Concatenate"), "inputs": ["context", "dec"]},
            {"id": "hidden", "layer": L("TimeDistributed",
                                        layer=L("Dense", units=4, activation="tanh")),
             "inputs": "combined"},
            {"id": "out", "layer": L("TimeDistributed",
                                     layer=L("Dense", units=3, activation="softmax")),
             "inputs": "hidden"},
            {"id": "cos", "layer": L("Dot", axes=1, normalize=True),
             "inputs": ["enc:1", "enc:2"]}],
     outputs=["out", "attention", "cos"])
case("func_siamese_shared", "Siamese: one Masking and one Bidirectional(GRU) shared by two "
     "inputs -> GlobalAveragePooling1D (masked) each -> cosine Dot(normalize=True), Subtract "
     "-> Dense (batch 2: no fully masked sample, whose mean is NaN)", "functional", batch=2,
     inputs=[model_input("left", (6, 3), x_kind="masked"),
             model_input("right", (6, 3), x_kind="masked", flip_padding=True)],
     nodes=[{"id": "m_left", "layer": L("Masking"), "inputs": "left"},
            {"id": "m_right", "shared": "m_left", "inputs": "right"},
            {"id": "enc_left", "layer": L("Bidirectional", layer=L("GRU", units=3,
                                                                    return_sequences=True)),
             "inputs": "m_left"},
            {"id": "enc_right", "shared": "enc_left", "inputs": "m_right"},
            {"id": "p_left", "layer": L("GlobalAveragePooling1D"), "inputs": "enc_left"},
            {"id": "p_right", "shared": "p_left", "inputs": "enc_right"},
            {"id": "cos", "layer": L("Dot", axes=1, normalize=True),
             "inputs": ["p_left", "p_right"]},
            {"id": "diff", "layer": L("Subtract"), "inputs": ["p_left", "p_right"]},
            {"id": "merged", "layer": L("Concatenate"), "inputs": ["cos", "diff"]},
            {"id": "out", "layer": L("Dense", units=2, activation="softmax"),
             "inputs": "merged"}],
     outputs=["out", "cos"])

case("func_stacked_cells_seq2seq", "seq2seq with stacked cells: encoder RNN([LSTMCell, "
     "LSTMCell]) return_state (states [h, c] per cell) -> decoder RNN([LSTMCell, LSTMCell]) seq "
     "with initial_state [[h1, c1], [h2, c2]] -> Dense softmax; and the encoder's top h",
     "functional",
     inputs=[model_input("encoder_inputs", (7, 3)), model_input("decoder_inputs", (5, 2))],
     nodes=[{"id": "enc", "layer": L("RNN", cell=[L("LSTMCell", units=4),
                                                  L("LSTMCell", units=3)], return_state=True),
             "inputs": "encoder_inputs"},
            {"id": "dec", "layer": L("RNN", cell=[L("LSTMCell", units=4),
                                                  L("LSTMCell", units=3)],
                                     return_sequences=True),
             "inputs": "decoder_inputs", "initial_state": ["enc:1", "enc:2"]},
            {"id": "out", "layer": L("Dense", units=3, activation="softmax"), "inputs": "dec"},
            {"id": "top", "layer": L("Dense", units=2), "inputs": "enc:0"}],
     outputs=["out", "top"])

case("seq_nested_stateful", "stateful layers in a Sequential inside a Sequential (built with "
     "the outer one): three calls, each stateful layer reset before the third", "sequential",
     calls=3, reset_before=[2], batch=3, timesteps=5, input=inp((5, 3), batch_size=3),
     layers=[nested("sequential", name="inner", input=None,
                    layers=[L("LSTM", units=4, stateful=True, return_sequences=True),
                            L("Dense", units=3)]),
             L("GRU", units=3, stateful=True), L("Dense", units=2)])
case("func_nested_encoder_decoder", "seq2seq of nested models: an encoder Model (Embedding "
     "mask_zero -> LSTM seq + states) on the source tokens, its mask passed out with its "
     "sequence (to a GRU) and its states starting the decoder LSTM; a frozen "
     "Sequential head on the decoder's output", "functional",
     inputs=[model_input("source", (6,), x_kind="tokens", vocab=12),
             model_input("target", (5,), x_kind="tokens", vocab=12, flip_padding=True)],
     nodes=[{"id": "enc", "inputs": "source",
             "layer": nested("functional", name="encoder", input=inp((None,), dtype="int32"),
                             nodes=[{"id": "emb", "inputs": "input",
                                     "layer": L("Embedding", input_dim=12, output_dim=4,
                                                mask_zero=True)},
                                    {"id": "lstm", "inputs": "emb",
                                     "layer": L("LSTM", units=5, return_sequences=True,
                                                return_state=True)}],
                             outputs=["lstm:0", "lstm:1", "lstm:2"])},
            {"id": "pool", "layer": L("GRU", units=3), "inputs": "enc:0"},
            {"id": "temb", "layer": L("Embedding", input_dim=12, output_dim=4, mask_zero=True),
             "inputs": "target"},
            {"id": "dec", "layer": L("LSTM", units=5, return_sequences=True), "inputs": "temb",
             "initial_state": ["enc:1", "enc:2"]},
            {"id": "head", "inputs": "dec",
             "layer": nested("sequential", name="head", trainable=False, input=inp((5, 5)),
                             layers=[L("Dense", units=3, activation="tanh"),
                                     L("Dense", units=2)])},
            {"id": "score", "layer": L("Dense", units=1), "inputs": "pool"}],
     outputs=["head", "score"])

case("func_attention_self_masked", "LSTM + self-attention text classifier: Embedding "
     "mask_zero -> LSTM seq -> Attention(use_scale)([h, h]) (value steps masked, masked query "
     "steps zero) -> Concatenate -> GRU -> Dense", "functional",
     inputs=[model_input("tokens", (7,), x_kind="tokens", vocab=15)],
     nodes=[{"id": "emb", "layer": L("Embedding", input_dim=15, output_dim=4, mask_zero=True),
             "inputs": "tokens"},
            {"id": "h", "layer": L("LSTM", units=5, return_sequences=True), "inputs": "emb"},
            {"id": "att", "layer": L("Attention", use_scale=True), "inputs": ["h", "h"]},
            {"id": "cat", "layer": L("Concatenate"), "inputs": ["att", "h"]},
            {"id": "gru", "layer": L("GRU", units=3), "inputs": "cat"},
            {"id": "out", "layer": L("Dense", units=2), "inputs": "gru"}],
     outputs=["out"])
case("func_attention_seq2seq_concat", "Luong seq2seq: encoder LSTM seq + states, decoder LSTM "
     "from them, Attention(score_mode='concat', use_scale)([decoder, encoder], "
     "return_attention_scores) -> Concatenate -> Dense softmax; outputs and attention weights",
     "functional",
     inputs=[model_input("source", (6,), x_kind="tokens", vocab=12, keep_first=True),
             model_input("target", (5,), x_kind="tokens", vocab=12, flip_padding=True,
                         keep_first=True)],
     nodes=[{"id": "semb", "layer": L("Embedding", input_dim=12, output_dim=4, mask_zero=True),
             "inputs": "source"},
            {"id": "enc", "layer": L("LSTM", units=5, return_sequences=True, return_state=True),
             "inputs": "semb"},
            {"id": "temb", "layer": L("Embedding", input_dim=12, output_dim=4, mask_zero=True),
             "inputs": "target"},
            {"id": "dec", "layer": L("LSTM", units=5, return_sequences=True), "inputs": "temb",
             "initial_state": ["enc:1", "enc:2"]},
            {"id": "att", "layer": L("Attention", score_mode="concat", use_scale=True),
             "inputs": ["dec", "enc:0"], "call": {"return_attention_scores": True}},
            {"id": "cat", "layer": L("Concatenate"), "inputs": ["att:0", "dec"]},
            {"id": "out", "layer": L("Dense", units=4, activation="softmax"), "inputs": "cat"}],
     outputs=["out", "att:1"])
case("func_additive_attention_causal_key", "Bahdanau: AdditiveAttention([query, value, key]) "
     "with a separate key, use_causal_mask, a masked value (Masking) and a masked query",
     "functional",
     inputs=[model_input("query", (5, 3), x_kind="masked", flip_padding=True),
             model_input("value", (6, 4), x_kind="masked", keep_first=True),
             model_input("key", (6, 3))],
     nodes=[{"id": "q", "layer": L("Masking"), "inputs": "query"},
            {"id": "v", "layer": L("Masking"), "inputs": "value"},
            {"id": "att", "layer": L("AdditiveAttention"), "inputs": ["q", "v", "key"],
             "call": {"use_causal_mask": True, "return_attention_scores": True}},
            {"id": "out", "layer": L("LSTM", units=3), "inputs": "att:0"}],
     outputs=["out", "att:1"])

case("func_mha_self_attention_masked", "Transformer-style block over an LSTM: Embedding "
     "mask_zero -> LSTM seq -> MultiHeadAttention(h, h) (Keras 3's fused path: a masked query "
     "step, and every step of the fully masked sample, averages all values) -> Add -> "
     "LayerNormalization -> GRU -> Dense; the attention output too", "functional",
     inputs=[model_input("tokens", (7,), x_kind="tokens", vocab=15)],
     nodes=[{"id": "emb", "layer": L("Embedding", input_dim=15, output_dim=6, mask_zero=True),
             "inputs": "tokens"},
            {"id": "h", "layer": L("LSTM", units=6, return_sequences=True), "inputs": "emb"},
            {"id": "att", "layer": L("MultiHeadAttention", num_heads=2, key_dim=3),
             "inputs": ["h", "h"], "positional": True},
            {"id": "res", "layer": L("Add"), "inputs": ["h", "att"]},
            {"id": "norm", "layer": L("LayerNormalization"), "inputs": "res"},
            {"id": "gru", "layer": L("GRU", units=3), "inputs": "norm"},
            {"id": "out", "layer": L("Dense", units=2), "inputs": "gru"}],
     outputs=["out", "att"])
case("func_mha_cross_gate_scores", "Cross-attention of a decoder over an encoder: "
     "MultiHeadAttention(value_dim, use_gate, output_shape)(dec, enc, "
     "return_attention_scores=True) (Keras 3's Softmax path: masked query steps and the fully "
     "masked source get zero weights) -> Concatenate -> Dense; output and scores",
     "functional",
     inputs=[model_input("source", (6,), x_kind="tokens", vocab=12),
             model_input("target", (5,), x_kind="tokens", vocab=12, flip_padding=True)],
     nodes=[{"id": "semb", "layer": L("Embedding", input_dim=12, output_dim=4, mask_zero=True),
             "inputs": "source"},
            {"id": "enc", "layer": L("LSTM", units=5, return_sequences=True), "inputs": "semb"},
            {"id": "temb", "layer": L("Embedding", input_dim=12, output_dim=4, mask_zero=True),
             "inputs": "target"},
            {"id": "dec", "layer": L("GRU", units=5, return_sequences=True), "inputs": "temb"},
            {"id": "att", "layer": L("MultiHeadAttention", num_heads=2, key_dim=3, value_dim=4,
                                     use_gate=True, output_shape=6),
             "inputs": ["dec", "enc"], "positional": True,
             "call": {"return_attention_scores": True}},
            {"id": "cat", "layer": L("Concatenate"), "inputs": ["att:0", "dec"]},
            {"id": "out", "layer": L("Dense", units=3), "inputs": "cat"}],
     outputs=["out", "att:0", "att:1"])
case("func_mha_key_causal_window_attention_mask", "MultiHeadAttention(query, value, key, "
     "attention_mask=<bool input>, use_causal_mask=True) with sliding_window, no bias and "
     "dropout (so Keras 3's Softmax path), a masked query and value (Masking) -> LSTM",
     "functional",
     inputs=[model_input("query", (6, 4), x_kind="masked", flip_padding=True),
             model_input("value", (6, 5), x_kind="masked"),
             model_input("key", (6, 3)),
             model_input("allowed", (6, 6), x_kind="bool")],
     nodes=[{"id": "q", "layer": L("Masking"), "inputs": "query"},
            {"id": "v", "layer": L("Masking"), "inputs": "value"},
            {"id": "att", "layer": L("MultiHeadAttention", num_heads=3, key_dim=2,
                                     use_bias=False, sliding_window=3, dropout=0.1),
             "inputs": ["q", "v", "key"], "positional": True,
             "call": {"use_causal_mask": True}, "call_tensors": {"attention_mask": "allowed"}},
            {"id": "out", "layer": L("LSTM", units=3), "inputs": "att"}],
     outputs=["out", "att"])
case("func_mha_masks_taken_by_earlier_calls", "Keras 3's MultiHeadAttention takes the masks off "
     "the tensors it reads: a decoder's two cross-attentions over one encoder (the second sees "
     "no encoder mask) and a causal self-attention on the decoder (run after the first "
     "cross-attention took the decoder's mask: unmasked, so Keras's causal-only path)",
     "functional",
     inputs=[model_input("source", (6,), x_kind="tokens", vocab=12),
             model_input("target", (5,), x_kind="tokens", vocab=12, flip_padding=True)],
     nodes=[{"id": "semb", "layer": L("Embedding", input_dim=12, output_dim=4, mask_zero=True),
             "inputs": "source"},
            {"id": "enc", "layer": L("LSTM", units=4, return_sequences=True), "inputs": "semb"},
            {"id": "temb", "layer": L("Embedding", input_dim=12, output_dim=4, mask_zero=True),
             "inputs": "target"},
            {"id": "dec", "layer": L("LSTM", units=4, return_sequences=True), "inputs": "temb"},
            {"id": "x1", "layer": L("MultiHeadAttention", num_heads=2, key_dim=2),
             "inputs": ["dec", "enc"], "positional": True},
            {"id": "x2", "layer": L("MultiHeadAttention", num_heads=2, key_dim=2),
             "inputs": ["x1", "enc"], "positional": True},
            {"id": "self", "layer": L("MultiHeadAttention", num_heads=1, key_dim=3),
             "inputs": ["dec", "dec"], "positional": True, "call": {"use_causal_mask": True}},
            {"id": "cat", "layer": L("Concatenate"), "inputs": ["x2", "self"]},
            {"id": "out", "layer": L("GRU", units=3), "inputs": "cat"}],
     outputs=["out", "x1", "x2", "self"])
case("func_mha_sibling_calls_run_order", "Two MultiHeadAttention calls on the same masked "
     "query and value, neither reading the other: Keras 3 runs the one its outputs list last "
     "first, which takes the masks off the tensors, so the first output's call sees none",
     "functional",
     inputs=[model_input("query", (5, 3), x_kind="masked"),
             model_input("value", (6, 3), x_kind="masked", flip_padding=True)],
     nodes=[{"id": "q", "layer": L("Masking"), "inputs": "query"},
            {"id": "v", "layer": L("Masking"), "inputs": "value"},
            {"id": "a", "layer": L("MultiHeadAttention", num_heads=2, key_dim=2),
             "inputs": ["q", "v"], "positional": True},
            {"id": "b", "layer": L("MultiHeadAttention", num_heads=1, key_dim=3),
             "inputs": ["q", "v"], "positional": True}],
     outputs=["a", "b"])
case("func_mha_causal_gate_pooled", "Decoder-only: Dense -> MultiHeadAttention(use_gate)(h, h, "
     "use_causal_mask=True) (no masks: Keras 3's causal kernel) -> GlobalAveragePooling1D -> "
     "Dense", "functional", input=inp((7, 3)),
     nodes=[{"id": "h", "layer": L("Dense", units=4), "inputs": "input"},
            {"id": "att", "layer": L("MultiHeadAttention", num_heads=2, key_dim=2,
                                     use_gate=True),
             "inputs": ["h", "h"], "positional": True, "call": {"use_causal_mask": True}},
            {"id": "pool", "layer": L("GlobalAveragePooling1D"), "inputs": "att"},
            {"id": "out", "layer": L("Dense", units=2), "inputs": "pool"}],
     outputs=["out"])

case("seq_normalization_rescaling_identity", "Preprocessing in the model: Normalization "
     "(its mean and variance weights) -> Rescaling(scale, offset per feature) -> Identity -> "
     "Masking -> LSTM -> Dense", "sequential", x_kind="masked", input=inp((7, 3)),
     layers=[L("Normalization"), L("Rescaling", scale=0.5, offset=[0.1, 0.0, -0.2]),
             L("Identity"), L("Masking", mask_value=0.1), L("LSTM", units=4),
             L("Dense", units=2)])
case("func_normalization_axes_constants_invert", "Normalization over the time and feature "
     "axes (weights (7, 3)), over all values (axis=None), with constant mean/variance, and "
     "invert=True -> Concatenate -> GRU", "functional", input=inp((7, 3)),
     nodes=[{"id": "both", "layer": L("Normalization", axis=[1, 2]), "inputs": "input"},
            {"id": "all", "layer": L("Normalization", axis=None), "inputs": "input"},
            {"id": "given", "layer": L("Normalization", mean=[0.5, -1.0, 2.0],
                                       variance=[4.0, 0.25, 1.0]), "inputs": "input"},
            {"id": "back", "layer": L("Normalization", mean=1.5, variance=2.0, invert=True),
             "inputs": "given"},
            {"id": "cat", "layer": L("Concatenate"), "inputs": ["both", "all", "back"]},
            {"id": "out", "layer": L("GRU", units=3), "inputs": "cat"}],
     outputs=["out", "back"])

case("seq_activation_and_noise_layers", "Masking -> LSTM seq -> ReLU(max_value, "
     "negative_slope, threshold) -> GaussianNoise -> LeakyReLU -> PReLU(shared time axis) -> "
     "ELU -> GaussianDropout -> AlphaDropout -> ActivityRegularization -> GRU (the mask passes "
     "through them all) -> Dense -> Softmax", "sequential", x_kind="masked",
     input=inp((7, 3)),
     layers=[L("Masking"), L("LSTM", units=6, return_sequences=True),
             L("ReLU", max_value=0.6, negative_slope=0.1, threshold=0.05),
             L("GaussianNoise", stddev=0.3), L("LeakyReLU", negative_slope=0.2),
             L("PReLU", shared_axes=[1]), L("ELU", alpha=0.7), L("GaussianDropout", rate=0.2),
             L("AlphaDropout", rate=0.1), L("ActivityRegularization", l1=0.01),
             L("GRU", units=4), L("Dense", units=3), L("Softmax")])

case("seq_conv_autoencoder_lstm", "1-D convolutional autoencoder front end: Conv1D same relu "
     "-> MaxPooling1D -> ZeroPadding1D((2, 1)) -> Cropping1D((1, 2)) -> UpSampling1D(3) -> "
     "Conv1D -> LSTM -> Dense", "sequential", timesteps=8,
     input=inp((8, 3)),
     layers=[L("Conv1D", filters=4, kernel_size=3, padding="same", activation="relu"),
             L("MaxPooling1D", pool_size=2), L("ZeroPadding1D", padding=[2, 1]),
             L("Cropping1D", cropping=[1, 2]), L("UpSampling1D", size=3),
             L("Conv1D", filters=3, kernel_size=2), L("LSTM", units=4), L("Dense", units=2)])

case("func_timedistributed_cnn_lstm", "time-series CNN-LSTM: (batch, subsequences, steps, "
     "features) -> TimeDistributed(Conv1D relu) -> TimeDistributed(MaxPooling1D same) -> "
     "TimeDistributed(Flatten) -> LSTM -> Dense", "functional",
     inputs=[model_input("series", (3, 4, 2))],
     nodes=[{"id": "conv", "layer": L("TimeDistributed", layer=L("Conv1D", filters=5,
                                                                  kernel_size=2,
                                                                  activation="relu")),
             "inputs": "series"},
            {"id": "pool", "layer": L("TimeDistributed",
                                      layer=L("MaxPooling1D", pool_size=2, padding="same")),
             "inputs": "conv"},
            {"id": "flat", "layer": L("TimeDistributed", layer=L("Flatten")), "inputs": "pool"},
            {"id": "lstm", "layer": L("LSTM", units=4), "inputs": "flat"},
            {"id": "out", "layer": L("Dense", units=1), "inputs": "lstm"}],
     outputs=["out"])


# ----------------------------------------------------------------------------------------------
# Keras side
# ----------------------------------------------------------------------------------------------
def build_model(keras, cfg: dict, batch: int, input_shape: tuple):
    kind = cfg["kind"]
    if kind == "layer":
        layer = make_layer(keras, cfg["layer"])
        layer.build((batch, *input_shape))
        return layer
    if kind == "sequential":
        return build_sequential(keras, cfg)
    if kind == "functional":
        return build_functional(keras, cfg)
    raise ValueError(kind)


def flatten(out) -> list[np.ndarray]:
    if isinstance(out, dict):  # dict outputs: in the order of the case's keys
        return [a for item in out.values() for a in flatten(item)]
    if isinstance(out, (list, tuple)):
        return [a for item in out for a in flatten(item)]
    return [np.asarray(out)]


def finalize(model):
    """What loading weights from a file does after setting them, and set_weights does not:
    Keras's Normalization computes with copies of its mean and variance made then."""
    for layer in getattr(model, "layers", [model]):
        if hasattr(layer, "finalize_state"):
            layer.finalize_state()


def reset_states(model):
    for layer in stateful_layers(model):
        layer.reset_states()


def run_case(keras, c: dict, floatx: str, weights, calls):
    keras.config.set_floatx(floatx)
    keras.utils.clear_session()
    cfg = c["cfg"]
    input_shape = (c["timesteps"],) if c["x_kind"] == "tokens" else (c["timesteps"],
                                                                      c["features"])
    model = build_model(keras, cfg, c["batch"], input_shape)
    if weights is None:
        rng = np.random.default_rng(c["seed"] + 1)
        weights = []
        for w, v in zip(model.get_weights(), model.weights):
            a = c["weight_scale"]
            if w.dtype.kind != "f":  # Normalization's count: Keras's own (unused)
                weights.append(w)
            elif "variance" in v.name:  # BatchNormalization's, Normalization's: positive
                weights.append(rng.uniform(0.5, 1.5, size=w.shape).astype(np.float32))
            else:
                weights.append(rng.uniform(-a, a, size=w.shape).astype(np.float32))
    model.set_weights([w.astype(floatx) if w.dtype.kind == "f" else w for w in weights])
    finalize(model)
    outs = []
    for k, call in enumerate(calls):
        if k in cfg["reset_states_before"]:
            reset_states(model)
        def cast(a):
            return a if a.dtype.kind in "ib" else a.astype(floatx)

        if "xs" in call:
            x = [cast(a) for a in call["xs"]]
            if cfg["input_struct"] == "dict":
                x = {spec["input"]["name"]: a for spec, a in zip(cfg["inputs"], x)}
        else:
            x = cast(call["x"])
        kwargs = {}
        if "mask" in call:
            kwargs["mask"] = call["mask"]
        if "initial_state" in call:
            kwargs["initial_state"] = [s.astype(floatx) for s in call["initial_state"]]
        out = model(x, **kwargs)
        if isinstance(out, dict):
            out = [out[k] for k in cfg["outputs"]]
        outs.append(flatten(out))
    return weights, outs, (model.to_json() if cfg["kind"] != "layer" else None)


def make_calls(c: dict) -> list[dict]:
    rng = np.random.default_rng(c["seed"])
    b, t, f = c["batch"], c["timesteps"], c["features"]
    calls = []
    if "inputs" in c["structure"]:
        for _ in range(c["calls"]):
            xs = []
            for spec in c["structure"]["inputs"]:
                shape = [spec.get("timesteps") if d is None else d
                         for d in spec["input"]["shape"]]
                pattern = mask_pattern(b, shape[0])
                if spec.get("flip_padding"):
                    pattern = pattern[:, ::-1]
                if spec.get("keep_first"):  # no sample fully masked, nor its first step
                    pattern = pattern.copy()
                    pattern[:, 0] = True
                if spec["x_kind"] == "tokens":
                    x = rng.integers(1, spec["vocab"], size=(b, *shape)).astype(np.int32)
                    x[~pattern] = 0
                elif spec["x_kind"] == "bool":
                    x = rng.random(size=(b, *shape)) < 0.7
                else:
                    x = rng.normal(size=(b, *shape)).astype(np.float32)
                    if spec["x_kind"] == "masked":
                        x[~pattern] = 0.0
                xs.append(x)
            calls.append({"xs": xs})
        return calls
    for _ in range(c["calls"]):
        call = {}
        if c["x_kind"] == "tokens":
            x = rng.integers(1, c["vocab"], size=(b, t)).astype(np.int32)
            x[~mask_pattern(b, t)] = 0
        else:
            x = rng.normal(size=(b, t, f)).astype(np.float32)
            if c["x_kind"] == "masked":
                x[~mask_pattern(b, t)] = c["mask_value"]
        call["x"] = x
        if c["mask"] == "kwarg":
            call["mask"] = mask_pattern(b, t)
        if c["initial_state"]:
            call["initial_state"] = [rng.normal(scale=0.5, size=(b, u)).astype(np.float32)
                                     for u in c["initial_state"]]
        calls.append(call)
    return calls


def main(argv: list[str]) -> int:
    import keras
    import tensorflow as tf

    names = [c["name"] for c in CASES]
    assert len(set(names)) == len(names), "duplicate case names"
    wanted = set(argv) or set(names)
    unknown = wanted - set(names)
    if unknown:
        print(f"unknown cases: {sorted(unknown)}", file=sys.stderr)
        return 2
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    index = []
    for seed, c in enumerate(CASES):
        cfg = {"name": c["name"], "description": c["description"], "kind": c["kind"],
               "num_calls": c["calls"], "reset_states_before": c["reset_before"]}
        cfg.update(c["structure"])
        c["cfg"] = cfg
        c["seed"] = 1000 + seed
        if c["name"] not in wanted:
            continue
        calls = make_calls(c)
        weights, outs32, keras_json = run_case(keras, c, "float32", None, calls)
        _, outs64, _ = run_case(keras, c, "float64", weights, calls)
        keras.config.set_floatx("float32")
        diff = max(float(np.max(np.abs(a.astype(np.float64) - b), initial=0.0))
                   for o32, o64 in zip(outs32, outs64) for a, b in zip(o32, o64))
        if not diff <= CONDITIONING_LIMIT:  # NaN fails too
            raise RuntimeError(f"{c['name']}: float32 vs float64 Keras differ by {diff:.3g}")
        cfg["num_outputs"] = len(outs32[0])
        cfg["f32_vs_f64_max_abs"] = diff
        data = {"config": np.array(json.dumps(cfg, sort_keys=True)),
                "keras_version": np.array(keras.__version__),
                "tensorflow_version": np.array(tf.__version__),
                "backend": np.array(keras.backend.backend()),
                "num_weights": np.array(len(weights))}
        if keras_json is not None:
            data["keras_json"] = np.array(keras_json)
        for i, w in enumerate(weights):
            data[f"weight_{i:03d}"] = w
        for k, call in enumerate(calls):
            if "xs" in call:
                for j, x in enumerate(call["xs"]):
                    data[f"call{k}_x{j}"] = x
            else:
                data[f"call{k}_x"] = call["x"]
            if "mask" in call:
                data[f"call{k}_mask"] = call["mask"]
            for j, s in enumerate(call.get("initial_state", [])):
                data[f"call{k}_initial_state{j}"] = s
            for i, (o32, o64) in enumerate(zip(outs32[k], outs64[k])):
                data[f"call{k}_output{i}"] = o32.astype(np.float32)
                data[f"call{k}_output{i}_f64"] = o64.astype(np.float64)
        path = OUT_DIR / f"{c['name']}.npz"
        np.savez_compressed(path, **data)
        shapes = [list(o.shape) for o in outs32[0]]
        index.append({"name": c["name"], "description": c["description"], "kind": c["kind"],
                      "output_shapes": shapes})
        print(f"{c['name']:40s} outputs {shapes}  f32-f64 {diff:.1e}")
    index_path = OUT_DIR / "index.json"
    if wanted != set(names) and index_path.exists():  # some cases: update their entries
        entries = {e["name"]: e for e in json.loads(index_path.read_text())["cases"]}
        entries.update((e["name"], e) for e in index)
        index = [entries[n] for n in names if n in entries]
    index_path.write_text(json.dumps({"keras_version": keras.__version__,
                                      "tensorflow_version": tf.__version__,
                                      "cases": index}, indent=1) + "\n")
    print(f"wrote {len(wanted)} cases to {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
