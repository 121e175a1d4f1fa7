"""Generate the files of Keras 2's older forms in tests/data/keras_files/ with tf_keras.

NOT run by CI and not collected by pytest. It needs TensorFlow, tf_keras and h5py::

    /tmp/tfenv/bin/python tests/golden/generate_keras2_legacy.py

1. Keras 2's CuDNNLSTM / CuDNNGRU (``CUDNN_CASES`` in cases.py). TensorFlow runs them only
   on a GPU, so Keras's numbers come from the twin model of LSTM and GRU(reset_after=True)
   into which Keras's legacy loader converts the cuDNN weights (``load_weights`` of the cuDNN
   model's weights file). Per case: ``<case>.keras2.h5`` (the cuDNN model, ``model.save``),
   ``<case>.keras2_weights.h5`` (its ``save_weights``), ``<case>.plain.keras2_weights.h5``
   (the twin's weights, converted by Keras), and ``<case>.keras2.npz`` with an input ``x``,
   the twin's prediction ``y`` and ``back_<i>``: the cuDNN model's weights after it loaded the
   twin's file (Keras's conversion the other way).
2. ``old_sequential.keras2.h5``: a Sequential model saved as Keras 2.0-2.2.2 did, its config a
   bare list of layers whose first one carries ``batch_input_shape`` (no InputLayer). Written
   by tf_keras, then its config rewritten into that form; tf_keras still reads the form
   (``Sequential.from_config``), and the npz holds what tf_keras predicts from the rewritten
   file.
3. ``time_major.keras2.h5``: RNNs with Keras 2's ``time_major=True`` (``--time-major`` writes
   only this one).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "data", "keras_files"))
from cases import CUDNN_CASES  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "keras_files")


def cudnn_cases(keras) -> None:
    from tf_keras.src.layers import CuDNNGRU, CuDNNLSTM

    def gru(units, **kwargs):
        return keras.layers.GRU(units, reset_after=True, recurrent_activation="sigmoid",
                                **kwargs)

    for name, (build, shape) in CUDNN_CASES.items():
        keras.utils.set_random_seed(len(name))
        rng = np.random.default_rng(len(name))
        model = build(keras.layers, keras.Sequential, keras.Model, keras.Input, CuDNNLSTM,
                      CuDNNGRU)
        model.set_weights([(rng.standard_normal(w.shape) * 0.4).astype(np.float32)
                           for w in model.get_weights()])
        twin = build(keras.layers, keras.Sequential, keras.Model, keras.Input,
                     keras.layers.LSTM, gru)
        weights = os.path.join(OUT, f"{name}.keras2_weights.h5")
        model.save_weights(weights)
        model.save(os.path.join(OUT, f"{name}.keras2.h5"))
        twin.load_weights(weights)  # Keras converts the cuDNN weights
        plain = os.path.join(OUT, f"{name}.plain.keras2_weights.h5")
        twin.save_weights(plain)
        back = build(keras.layers, keras.Sequential, keras.Model, keras.Input, CuDNNLSTM,
                     CuDNNGRU)
        back.load_weights(plain)  # and back
        x = rng.standard_normal((3, *shape)).astype(np.float32)
        y = twin.predict(x, verbose=0)
        ys = {f"y{i}": a for i, a in enumerate(y)} if isinstance(y, list) else {"y": y}
        np.savez(os.path.join(OUT, f"{name}.keras2.npz"), x=x, **ys,
                 **{f"back_{i}": w for i, w in enumerate(back.get_weights())},
                 keras_version=keras.__version__)
        print(name, [w.shape for w in model.get_weights()])


def old_sequential(keras) -> None:
    import h5py

    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    model = keras.Sequential([
        keras.layers.LSTM(6, return_sequences=True, input_shape=(5, 4)),
        keras.layers.GRU(3, reset_after=False, recurrent_activation="hard_sigmoid"),
        keras.layers.Dense(2, activation="softmax"),
    ])
    model.set_weights([(rng.standard_normal(w.shape) * 0.4).astype(np.float32)
                       for w in model.get_weights()])
    path = os.path.join(OUT, "old_sequential.keras2.h5")
    model.save(path)
    with h5py.File(path, "r+") as root:
        config = json.loads(root.attrs["model_config"])
        layers = config["config"]["layers"]
        first = layers[0]
        assert first["class_name"] == "InputLayer", first
        layers = layers[1:]
        layers[0]["config"]["batch_input_shape"] = first["config"]["batch_input_shape"]
        config["config"] = layers  # Keras <= 2.2.2: the list of layers alone
        root.attrs["model_config"] = json.dumps(config).encode("utf8")
        root.attrs["keras_version"] = b"2.2.2"
    loaded = keras.models.load_model(path)  # tf_keras reads the old form
    x = rng.standard_normal((3, 5, 4)).astype(np.float32)
    y = loaded.predict(x, verbose=0)
    np.testing.assert_allclose(y, model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)
    np.savez(os.path.join(OUT, "old_sequential.keras2.npz"), x=x, y=y,
             keras_version=keras.__version__)
    print("old_sequential", [w.shape for w in loaded.get_weights()])


def time_major(keras) -> None:
    """``time_major.keras2.h5``: RNNs with Keras 2's time_major=True, (timesteps, batch,
    features) in and out, masked: Masking, Bidirectional LSTM (concat), GRU returning its
    sequence and state, Dense on every step."""
    keras.utils.set_random_seed(11)
    rng = np.random.default_rng(11)
    x = keras.Input((3, 2))  # time-major: (timesteps, batch=3, features=2)
    h = keras.layers.Masking()(x)
    h = keras.layers.Bidirectional(
        keras.layers.LSTM(4, return_sequences=True, time_major=True))(h)
    seq, state = keras.layers.GRU(3, return_sequences=True, return_state=True,
                                  time_major=True)(h)
    model = keras.Model(x, [keras.layers.Dense(2)(seq), state])
    model.set_weights([(rng.standard_normal(w.shape) * 0.5).astype(np.float32)
                       for w in model.get_weights()])
    data = rng.standard_normal((6, 3, 2)).astype(np.float32)
    data[:2, 0] = 0.0  # sequence 0 masked at its first two steps
    data[-3:, 1] = 0.0  # sequence 1 at its last three
    y, h_last = model.predict(data, verbose=0)
    path = os.path.join(OUT, "time_major.keras2.h5")
    model.save(path)
    np.savez(os.path.join(OUT, "time_major.keras2.npz"), x=data, y=y, state=h_last,
             keras_version=keras.__version__)
    print("time_major", y.shape, h_last.shape)


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tf_keras as keras

    if "--time-major" in sys.argv:
        time_major(keras)
        return
    cudnn_cases(keras)
    old_sequential(keras)
    time_major(keras)


if __name__ == "__main__":
    main()
