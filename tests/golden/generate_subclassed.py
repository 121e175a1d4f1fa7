"""Write tests/data/keras_files/subclassed.* with real Keras: the weights of the subclassed
model in subclassed.py, saved by Keras 3 (``subclassed.weights.h5``) and by Keras 2
(``subclassed.keras2_weights.h5``, tf_keras's HDF5 ``save_weights``), and its predictions.

NOT run by CI and not collected by pytest::

    /tmp/tfenv/bin/python tests/golden/generate_subclassed.py [--keras2]
    /tmp/tfenv/bin/python tests/golden/generate_subclassed.py --bidirectional

(``--bidirectional`` writes only ``subclassed_bidir.*``: cells written by subclassing in
Bidirectional layers, saved as .keras.)
"""

from __future__ import annotations

import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "keras_files")
sys.path.insert(0, OUT)
from subclassed import (  # noqa: E402
    ARGS,
    bidirectional_cells,
    cell_model,
    classes,
    serializable_classes,
    serializable_functional,
)


def _weights_and_masked_input(model, rng) -> np.ndarray:
    """Give ``model`` random weights (scale 0.5) and return an input batch (3, 6, 3) with
    masked steps (all zeros) first in one sequence and last in another."""
    model.set_weights([(rng.standard_normal(w.shape) * 0.5).astype(np.float32)
                       for w in model.get_weights()])
    x = rng.standard_normal((3, 6, 3)).astype(np.float32)
    x[0, :2] = 0.0  # masked steps, first and last
    x[1, -3:] = 0.0
    return x


def bidirectional() -> None:
    import keras

    register = keras.saving.register_keras_serializable(package="fusedrnn_tests")
    model, _ = bidirectional_cells(keras.layers, keras.Model, keras.ops, keras.Input, register)
    x = _weights_and_masked_input(model, np.random.default_rng(11))
    model.save(os.path.join(OUT, "subclassed_bidir.keras"))
    np.savez(os.path.join(OUT, "subclassed_bidir.npz"), x=x, y=model.predict(x, verbose=0),
             keras_version=keras.__version__)
    print("subclassed_bidir", [w.shape for w in model.get_weights()])


def main() -> None:
    if "--bidirectional" in sys.argv:
        bidirectional()
        return
    keras2 = "--keras2" in sys.argv
    import tensorflow as tf

    if keras2:
        import tf_keras as keras

        class _Ops:  # the TensorFlow functions a Keras 2 model calls
            expand_dims = staticmethod(tf.expand_dims)
            tanh = staticmethod(tf.tanh)
            softmax = staticmethod(lambda x, axis=-1: tf.nn.softmax(x, axis=axis))
            sum = staticmethod(lambda x, axis=None: tf.reduce_sum(x, axis=axis))

        ops = _Ops
    else:
        import keras

        ops = keras.ops
    _, _, translator = classes(keras.layers, keras.Model, ops)
    model = translator(*ARGS)
    rng = np.random.default_rng(7)
    tokens = rng.integers(0, ARGS[0], (3, 5))
    model(tokens)  # build
    model.set_weights([(rng.standard_normal(w.shape) * 0.4).astype(np.float32)
                       for w in model.get_weights()])
    state = rng.standard_normal((3, 2 * ARGS[2])).astype(np.float32)
    y = np.asarray(model(tokens))
    given = tf.constant(state) if keras2 else state  # Keras 2 takes tensors only
    y_state, new_state = (np.asarray(t) for t in model(tokens, state=given, return_state=True))
    name = "subclassed.keras2" if keras2 else "subclassed"
    if keras2:
        model.save_weights(os.path.join(OUT, "subclassed.keras2_weights.h5"))
    else:
        model.save_weights(os.path.join(OUT, "subclassed.weights.h5"))
    np.savez(os.path.join(OUT, f"{name}.npz"), tokens=tokens, state=state, y=y,
             y_state=y_state, new_state=new_state, keras_version=keras.__version__)
    print(name, [w.shape for w in model.get_weights()])
    if keras2:
        return
    # the model with cells written by subclassing (Keras 3)
    cells = cell_model(keras.layers, keras.Model, ops, keras.Input)
    x = _weights_and_masked_input(cells, rng)
    cells.save_weights(os.path.join(OUT, "subclassed_cells.weights.h5"))
    np.savez(os.path.join(OUT, "subclassed_cells.npz"), x=x, y=cells.predict(x, verbose=0),
             keras_version=keras.__version__)
    print("subclassed_cells", [w.shape for w in cells.get_weights()])
    # layers and models with get_config, saved as .keras (custom objects)
    register = keras.saving.register_keras_serializable(package="fusedrnn_tests")
    gated, tagger_class = serializable_classes(keras.layers, keras.Model, ops, register)
    x = rng.standard_normal((3, 5, 3)).astype(np.float32)
    outputs = {}
    for label, model in (("functional", serializable_functional(
            keras.layers, keras.Model, keras.Input, gated)), ("tagger", tagger_class(4, 3))):
        model(x)  # build
        model.set_weights([(rng.standard_normal(w.shape) * 0.5).astype(np.float32)
                           for w in model.get_weights()])
        model.save(os.path.join(OUT, f"subclassed_{label}.keras"))
        outputs[label] = np.asarray(model(x))
    np.savez(os.path.join(OUT, "subclassed_saved.npz"), x=x, **outputs,
             keras_version=keras.__version__)
    print("subclassed_saved", {k: v.shape for k, v in outputs.items()})


if __name__ == "__main__":
    main()
