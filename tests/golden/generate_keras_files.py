"""Generate the Keras weight files in tests/data/keras_files/ with real Keras (TensorFlow).

NOT run by CI and not collected by pytest. It needs TensorFlow, Keras 3 and h5py::

    /tmp/tfenv/bin/python tests/golden/generate_keras_files.py [--keras2] [case ...]

Each case is a model built by ``build(layers, Sequential, Model, Input)`` in ``cases.py``,
which the test calls again with fusedrnn's classes to make the same architecture. The script
gives the Keras model seeded random weights, saves it three ways (``<case>.weights.h5``,
``<case>.keras``, ``<case>.h5``, the last in the legacy HDF5 format) and writes ``<case>.npz``
with an input batch ``x`` (``x0``, ``x1``, ... for a model with several inputs) and Keras's
prediction ``y`` for it. A case in ``OPS_CASES`` is also given ``ops``: ``keras.ops``, or for
Keras 2 the TensorFlow functions a Keras 2 model calls in their place.

With ``--keras2`` it does the same with Keras 2 (the ``tf_keras`` package, ``pip install
tf-keras``), writing ``<case>.keras2.h5`` (``model.save``, Keras 2's config format),
``<case>.keras2.keras`` (Keras 2's zip format, Keras >= 2.13), ``<case>.keras2_weights.h5``
(``save_weights``) and ``<case>.keras2.npz``. Case names on the command line limit it to those.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "data", "keras_files"))
from cases import (  # noqa: E402  (the architectures, shared with the test)
    CASES,
    NO_KERAS3_H5_FILE,
    OPS_CASES,
    PADDED_CASES,
    TEXT_CASES,
    TEXT_INPUTS,
    TOKEN_CASES,
)

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "keras_files")


def keras2_ops():
    """The TensorFlow functions a Keras 2 model calls where Keras 3's calls keras.ops."""
    from types import SimpleNamespace

    import tensorflow as tf

    return SimpleNamespace(
        softmax=tf.nn.softmax, matmul=tf.matmul, relu=tf.nn.relu, sigmoid=tf.sigmoid,
        tanh=tf.tanh, mean=tf.reduce_mean, max=tf.reduce_max, sum=tf.reduce_sum,
        concatenate=lambda xs, axis=0: tf.concat(xs, axis=axis), stack=tf.stack,
        transpose=lambda x, axes=None: tf.transpose(x, perm=axes), reshape=tf.reshape,
        squeeze=tf.squeeze, expand_dims=tf.expand_dims,
    )


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    keras2 = "--keras2" in sys.argv
    if keras2:
        # tf.keras as tf_keras: Keras 2's SpectralNormalization builds tf.keras's InputSpec
        os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
        import tf_keras as keras
    else:
        import keras

    names = [a for a in sys.argv[1:] if not a.startswith("--")] or list(CASES)
    for name in names:
        build, input_shape = CASES[name]
        if hasattr(keras.utils, "set_random_seed"):
            keras.utils.set_random_seed(len(name))
        extra = {}
        if name in OPS_CASES:
            extra["ops"] = keras2_ops() if keras2 else keras.ops
        model = build(keras.layers, keras.Sequential, keras.Model, keras.Input, **extra)
        rng = np.random.default_rng(len(name))
        model.set_weights([  # variances positive; Normalization's count: Keras's own
            w if w.dtype.kind != "f" else
            (np.abs(rng.standard_normal(w.shape)) + 0.5 if "variance" in v.name
             else rng.standard_normal(w.shape) * 0.4).astype(np.float32)
            for w, v in zip(model.get_weights(), model.weights)])
        for layer in model.layers:  # as loading a file does (Normalization copies its stats)
            if hasattr(layer, "finalize_state"):
                layer.finalize_state()
        several = isinstance(input_shape, list)
        xs = []
        for j, shape in enumerate(input_shape if several else [input_shape]):
            x = rng.standard_normal((3, *shape)).astype(np.float32)
            if name in PADDED_CASES:  # padding where the inputs differ, one all-padding step
                x[0, :2 + j] = 0.0
                x[1, -1 - j:] = 0.0
            if name in TOKEN_CASES:
                x = rng.integers(0, 20, (3, *shape)).astype(np.float32)
                x[0, :2] = 0  # masked by mask_zero
                x[2, -2:] = 0
            if name in TEXT_CASES:
                x = np.array(TEXT_INPUTS)[:, None]
            xs.append(x)
        x = xs if several else xs[0]
        if name in TEXT_CASES:  # Keras takes text as TensorFlow strings
            import tensorflow as tf

            y = model.predict(tf.constant(x), verbose=0)
        else:
            y = model.predict(x, verbose=0)
        arrays = {f"x{j}": a for j, a in enumerate(xs)} if several else {"x": x}
        if keras2:
            model.save(os.path.join(OUT, f"{name}.keras2.h5"))
            model.save(os.path.join(OUT, f"{name}.keras2.keras"))
            model.save_weights(os.path.join(OUT, f"{name}.keras2_weights.h5"))
            np.savez(os.path.join(OUT, f"{name}.keras2.npz"), **arrays, y=y,
                     keras_version=keras.__version__)
            print(name, [w.shape for w in model.get_weights()])
            continue
        model.save_weights(os.path.join(OUT, f"{name}.weights.h5"))
        model.save(os.path.join(OUT, f"{name}.keras"))
        if name not in NO_KERAS3_H5_FILE:
            model.save(os.path.join(OUT, f"{name}.h5"))
        np.savez(os.path.join(OUT, f"{name}.npz"), **arrays, y=y,
                 keras_version=keras.__version__)
        print(name, [w.shape for w in model.get_weights()])


if __name__ == "__main__":
    main()
