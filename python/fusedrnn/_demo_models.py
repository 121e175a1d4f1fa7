"""The Keras tutorial models of ``python -m fusedrnn demo``: build, summarise, run, check.

Each model is built exactly as the tutorial writes it (Keras 2 arguments included), its
``summary()`` printed, run on random data, and its output compared with
:mod:`fusedrnn.reference` computed layer by layer from the model's own weights.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["TUTORIAL_MODELS", "run_model_demo"]


def _tutorial_models():
    from .layers import GRU, Bidirectional, SimpleRNN
    from .models import Sequential

    def seq(*layers):
        model = Sequential()
        for layer in layers:
            model.add(layer)
        return model

    return [
        ("SimpleRNN(3, input_shape=(2, 10))",
         lambda: seq(SimpleRNN(3, input_shape=(2, 10))), (4, 2, 10)),
        ("SimpleRNN(3, input_length=2, input_dim=10)",
         lambda: seq(SimpleRNN(3, input_length=2, input_dim=10)), (4, 2, 10)),
        ("SimpleRNN(3, batch_input_shape=(8, 2, 10))",
         lambda: seq(SimpleRNN(3, batch_input_shape=(8, 2, 10))), (8, 2, 10)),
        ("SimpleRNN(3, batch_input_shape=(8, 2, 10), return_sequences=True)",
         lambda: seq(SimpleRNN(3, batch_input_shape=(8, 2, 10), return_sequences=True)),
         (8, 2, 10)),
        ("SimpleRNN(8, input_length=10, input_dim=5, return_sequences=True), "
         "SimpleRNN(8, return_sequences=True)",
         lambda: seq(SimpleRNN(8, input_length=10, input_dim=5, return_sequences=True),
                     SimpleRNN(8, return_sequences=True)), (5, 10, 5)),
        ("Bidirectional(SimpleRNN(8, return_sequences=True), input_shape=(10, 5))",
         lambda: seq(Bidirectional(SimpleRNN(8, return_sequences=True), input_shape=(10, 5))),
         (5, 10, 5)),
        ("Bidirectional(SimpleRNN(8, return_sequences=True), input_shape=(10, 5)) "
         "+ 3 x Bidirectional(SimpleRNN(8, return_sequences=True))",
         lambda: seq(Bidirectional(SimpleRNN(8, return_sequences=True), input_shape=(10, 5)),
                     *(Bidirectional(SimpleRNN(8, return_sequences=True)) for _ in range(3))),
         (5, 10, 5)),
        ("GRU(8, input_shape=(10, 5))", lambda: seq(GRU(8, input_shape=(10, 5))), (5, 10, 5)),
    ]


TUTORIAL_MODELS = _tutorial_models  # a function, so importing this module stays light


def _reference_layer(layer, x: np.ndarray) -> np.ndarray:
    """One Sequential layer computed by fusedrnn.reference from the layer's weights."""
    from . import reference
    from .layers import Bidirectional, RNNLayer

    def run(rnn: RNNLayer, inputs):
        weights = rnn.get_weights()
        bias = weights[2] if rnn.use_bias else None
        options = {"activation": rnn.activation}
        if rnn._cell != "simple_rnn":
            options["recurrent_activation"] = rnn.recurrent_activation
        if rnn._cell == "gru":
            options["reset_after"] = rnn.reset_after
        out, _ = reference.rnn(rnn._cell, inputs, weights[0], weights[1], bias,
                               go_backwards=rnn.go_backwards,
                               return_sequences=rnn.return_sequences, **options)
        return out

    if isinstance(layer, Bidirectional):
        fw = run(layer.forward_layer, x)
        bw = run(layer.backward_layer, x)
        if layer.return_sequences:
            bw = bw[:, ::-1]
        return np.concatenate([fw, bw], axis=-1)
    if isinstance(layer, RNNLayer):
        return run(layer, x)
    raise TypeError(f"the demo has no reference for {type(layer).__name__}")


def run_model_demo(print_fn: Callable = print) -> bool:
    """Build the tutorial models, print their summaries, run them on random data and check
    the outputs against fusedrnn.reference. Returns True when every model matches."""
    from . import _backend

    rng = np.random.default_rng(0)
    all_ok = True
    print_fn(f"RNN engine for float32 CPU work: fusedrnn.{_backend.cpu_engine_name()}")
    for code, build, input_shape in _tutorial_models():
        print_fn("")
        print_fn(f">>> {code}")
        model = build()
        model.summary(print_fn=print_fn)
        x = rng.standard_normal(input_shape).astype(np.float32)
        got = model.predict(x, verbose=0)
        want = x
        for layer in model.layers:
            want = _reference_layer(layer, want)
        ok = got.shape == want.shape and bool(np.allclose(got, want, rtol=1e-5, atol=1e-5))
        diff = float(np.max(np.abs(got - want))) if got.shape == want.shape else float("nan")
        print_fn(f"output {got.shape}: {'matches' if ok else 'DIFFERS FROM'} the reference "
                 f"(max abs diff {diff:.2e})")
        all_ok &= ok
    return all_ok
