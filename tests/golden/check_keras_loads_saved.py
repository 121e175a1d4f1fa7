"""Check that real Keras 3 loads the files fusedrnn writes and predicts what Keras predicted.

NOT run by CI and not collected by pytest. Two steps, in two environments::

    python tests/golden/check_keras_loads_saved.py write DIR              # fusedrnn, h5py
    /tmp/tfenv/bin/python tests/golden/check_keras_loads_saved.py check DIR   # Keras 3

``write`` takes every case of tests/data/keras_files (cases.py) twice: the model ``load_model``
rebuilds from Keras's ``<case>.keras`` (its graph holds the mask operations Keras saved) and
the model built in code with fusedrnn's layers, its weights loaded from ``<case>.weights.h5``
(its graph has none); and each Keras 2 cuDNN model (``CUDNN_CASES``,
``<case>.keras2.h5``), which fusedrnn saves as the LSTM and GRU it computes. It writes
``<case>.loaded.keras``, ``<case>.loaded.h5`` (the legacy HDF5 file), ``<case>.built.keras``
and ``<case>.built.weights.h5`` with ``model.save`` / ``model.save_weights``; a model it
refuses to save (a Lambda; a text model as .h5) is reported with the reason.

``check`` loads each ``.keras`` with ``keras.saving.load_model``, and loads each weights file
into the case built in code with Keras's layers, predicts the case's input (``<case>.npz``)
and prints the largest difference from the prediction Keras made when it wrote the case.
It exits with 1 if any file fails to load or differs by more than 1e-4.
"""

from __future__ import annotations

import os
import sys

import numpy as np

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "keras_files")
sys.path.insert(0, DATA)
from cases import CASES, CUDNN_CASES, OPS_CASES, TEXT_CASES  # noqa: E402

TOLERANCE = 1e-4
# Legacy .h5 files Keras 3.15 cannot load back right, its own included (checked with the
# .h5 Keras wrote for the case in tests/data/keras_files where there is one):
KERAS_H5_LIMITS = {
    "attention": "Keras reads the string score_mode 'dot' as its function dot",
    "augmentation_keras3": "Keras builds RMSNormalization over two axes with one axis's "
                           "scale (Keras cannot write this model as .h5 at all)",
    "video_3d": "Keras's own .h5 of it predicts 0.342 away from the model too",
}


def _more_layers(layers, Sequential, Model, Input):
    """The layers the cases do not hold, in one model."""
    a = Input((6, 4))
    b = Input((6, 4))
    h = layers.Masking()(a)
    h = layers.GaussianDropout(0.2)(h)
    h = layers.AlphaDropout(0.2)(h)
    h = layers.ActivityRegularization(l1=0.1)(h)
    h = layers.Activation("swish")(h)
    h = layers.Subtract()([h, b])
    h = layers.Average()([h, b])
    h = layers.Permute((2, 1))(h)
    h = layers.Reshape((6, 4))(h)
    h = layers.AveragePooling1D(2, padding="same")(h)
    h = layers.Conv1D(5, 2, padding="causal", dilation_rate=2)(h)
    h = layers.RNN(layers.SimpleRNNCell(3), return_sequences=True, go_backwards=True)(h)
    h = layers.LSTM(4, return_sequences=True)(h, initial_state=[
        layers.Dense(4)(layers.Flatten()(b)), layers.Dense(4)(layers.Flatten()(b))])
    h = layers.Bidirectional(layers.GRU(2, reset_after=False), merge_mode="ave")(h)
    return Model([a, b], layers.Dense(3, activation="softmax")(h))


def _text_bag(layers, Sequential, Model, Input):
    """tf-idf of ngrams, then Dense: the adapted vocabulary and idf weights saved."""
    from cases import TEXT_CORPUS

    bag = layers.TextVectorization(output_mode="tf_idf", ngrams=2, max_tokens=20)
    bag.adapt(TEXT_CORPUS)
    return Sequential([Input((1,), dtype="string"), bag, layers.Dense(3)])


def _lookups(layers, Sequential, Model, Input):
    """Characters through an adapted StringLookup, an Embedding and a GRU."""
    lookup = layers.StringLookup(mask_token="")
    lookup.adapt([list("hello world"), list("lookup")])
    return Sequential([Input((5,), dtype="string"), lookup, layers.Embedding(16, 3),
                       layers.GRU(2)])


# Models fusedrnn saves with its own random weights; ``write`` stores their inputs and
# fusedrnn's predictions (``<name>.fusedrnn.npz``) for ``check`` to compare with Keras's.
MORE = {"more_layers": (_more_layers, [(6, 4), (6, 4)]), "text_bag": (_text_bag, [(1,)]),
        "lookups": (_lookups, [(5,)])}


def build(name, layers, Sequential, Model, Input, ops):
    make, _ = CASES[name]
    return make(layers, Sequential, Model, Input, **({"ops": ops} if name in OPS_CASES else {}))


def golden(name):
    data = np.load(os.path.join(DATA, f"{name}.npz"))
    x = data["x"] if "x" in data else [data[f"x{j}"] for j in range(len(CASES[name][1]))]
    return x, data["y"]


def write(out: str) -> int:
    from fusedrnn import layers, ops
    from fusedrnn.models import Model, Sequential, load_model

    os.makedirs(out, exist_ok=True)
    for name in sorted(CASES):
        built = build(name, layers, Sequential, Model, layers.Input, ops)
        built.load_weights(os.path.join(DATA, f"{name}.weights.h5"))
        built.save_weights(os.path.join(out, f"{name}.built.weights.h5"))
        for kind, model in (("built", built), ("loaded", None)):
            try:
                if model is None:
                    model = load_model(os.path.join(DATA, f"{name}.keras"))
                model.save(os.path.join(out, f"{name}.{kind}.keras"))
                if kind == "loaded":  # the legacy HDF5 file too
                    model.save(os.path.join(out, f"{name}.loaded.h5"))
            except ValueError as exc:
                print(f"{name}.{kind}: not saved: {exc}")
    for name in sorted(CUDNN_CASES):  # saved as Keras 3's LSTM and GRU
        model = load_model(os.path.join(DATA, f"{name}.keras2.h5"))
        model.save(os.path.join(out, f"{name}.loaded.keras"))
        model.save_weights(os.path.join(out, f"{name}.built.weights.h5"))
    # models holding classes written by subclassing (Keras's files, through fusedrnn)
    from subclassed import bidirectional_cells, serializable_classes

    gated, tagger = serializable_classes(layers, Model, ops, lambda cls: cls)
    for name in ("functional", "tagger"):
        model = load_model(os.path.join(DATA, f"subclassed_{name}.keras"),
                           custom_objects={"GatedResidual": gated, "Tagger": tagger})
        model.save(os.path.join(out, f"subclassed_{name}.built.keras"))
    _, cells = bidirectional_cells(layers, Model, ops, layers.Input, lambda cls: cls)
    model = load_model(os.path.join(DATA, "subclassed_bidir.keras"), custom_objects=cells)
    model.save(os.path.join(out, "subclassed_bidir.built.keras"))
    from text_functions import PYTHON  # custom TextVectorization functions

    model = load_model(os.path.join(DATA, "text_custom.keras"), custom_objects=PYTHON)
    model.save(os.path.join(out, "text_custom.built.keras"))
    rng = np.random.default_rng(0)
    for name, (make, shapes) in MORE.items():
        model = make(layers, Sequential, Model, layers.Input)
        model.set_weights([rng.standard_normal(w.shape).astype(np.float32) * 0.4
                           for w in model.get_weights()])
        if name == "text_bag":
            from cases import TEXT_INPUTS

            xs = [np.array(TEXT_INPUTS)[:, None]]
        elif name == "lookups":
            xs = [np.array([list("hello"), list("xyzoo"), list("look ")])]
        else:
            xs = [rng.standard_normal((3, *shape)).astype(np.float32) for shape in shapes]
            xs[0][0, :2] = 0.0  # masked steps
        np.savez(os.path.join(out, f"{name}.fusedrnn.npz"), y=model.predict(xs, verbose=0),
                 **{f"x{j}": x for j, x in enumerate(xs)})
        model.save(os.path.join(out, f"{name}.built.keras"))
    return 0


def check(out: str) -> int:
    import keras
    import tensorflow as tf

    failed = 0
    for name in sorted(CASES):
        x, y = golden(name)
        if name in TEXT_CASES:  # Keras takes text as TensorFlow strings
            x = tf.constant(x)
        runs = []
        for kind in ("loaded.keras", "built.keras", "loaded.h5"):
            path = os.path.join(out, f"{name}.{kind}")
            if os.path.exists(path):
                runs.append((kind, lambda p=path: keras.saving.load_model(p)))

        def from_weights(name=name):
            model = build(name, keras.layers, keras.Sequential, keras.Model, keras.Input,
                          keras.ops)
            model.load_weights(os.path.join(out, f"{name}.built.weights.h5"))
            return model

        runs.append(("built.weights.h5", from_weights))
        for label, load in runs:
            try:
                got = load().predict(x, verbose=0)
                diff = float(np.max(np.abs(np.asarray(got) - y)))
                ok = diff <= TOLERANCE
            except Exception as exc:  # report every file, then fail
                diff, ok = f"{type(exc).__name__}: {exc}"[:300], False
            if label == "loaded.h5" and name in KERAS_H5_LIMITS and not ok:
                print(f"keras {name}.{label}: {KERAS_H5_LIMITS[name]} ({diff})"[:300])
                continue
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}.{label}: max |diff| {diff}")
    for name, (make, _) in sorted(CUDNN_CASES.items()):
        data = np.load(os.path.join(DATA, f"{name}.keras2.npz"))
        ys = [data[k] for k in sorted(k for k in data.files if k.startswith("y"))]

        def twin(make=make, name=name):
            def gru(units, **kwargs):
                return keras.layers.GRU(units, reset_after=True, **kwargs)

            model = make(keras.layers, keras.Sequential, keras.Model, keras.Input,
                         keras.layers.LSTM, gru)
            model.load_weights(os.path.join(out, f"{name}.built.weights.h5"))
            return model

        for label, load in (("loaded.keras", lambda name=name: keras.saving.load_model(
                os.path.join(out, f"{name}.loaded.keras"))), ("built.weights.h5", twin)):
            try:
                got = load().predict(data["x"], verbose=0)
                got = got if isinstance(got, list) else [got]
                diff = max(float(np.max(np.abs(np.asarray(g) - y))) for g, y in zip(got, ys))
                ok = diff <= TOLERANCE and len(got) == len(ys)
            except Exception as exc:
                diff, ok = f"{type(exc).__name__}: {exc}"[:300], False
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}.{label} (Keras 2's cuDNN model): "
                  f"max |diff| {diff}")
    for name, (_, shapes) in MORE.items():
        data = np.load(os.path.join(out, f"{name}.fusedrnn.npz"))
        try:
            model = keras.saving.load_model(os.path.join(out, f"{name}.built.keras"))
            xs = [data[f"x{j}"] for j in range(len(shapes))]
            xs = [tf.constant(x) if x.dtype.kind == "U" else x for x in xs]
            got = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
            diff = float(np.max(np.abs(got - data["y"])))
            ok = diff <= TOLERANCE
        except Exception as exc:
            diff, ok = f"{type(exc).__name__}: {exc}"[:300], False
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}.built.keras (fusedrnn's prediction): "
              f"max |diff| {diff}")
    from subclassed import bidirectional_cells, serializable_classes

    # registered as Keras's default package names them ("Custom>Name"), as fusedrnn writes
    register = keras.saving.register_keras_serializable(package="Custom")
    serializable_classes(keras.layers, keras.Model, keras.ops, register)
    bidirectional_cells(keras.layers, keras.Model, keras.ops, keras.Input, register)
    saved = dict(np.load(os.path.join(DATA, "subclassed_saved.npz")))
    bidir = np.load(os.path.join(DATA, "subclassed_bidir.npz"))
    for name in ("functional", "tagger", "bidir"):
        x, y = (bidir["x"], bidir["y"]) if name == "bidir" else (saved["x"], saved[name])
        try:
            model = keras.saving.load_model(os.path.join(out, f"subclassed_{name}.built.keras"))
            diff = float(np.max(np.abs(np.asarray(model(x)) - y)))
            ok = diff <= TOLERANCE
        except Exception as exc:
            diff, ok = f"{type(exc).__name__}: {exc}"[:300], False
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} subclassed_{name}.built.keras: max |diff| {diff}")
    from text_functions import keras_functions

    functions = keras_functions(keras, tf)
    text = np.load(os.path.join(DATA, "text_custom.npz"))
    try:
        model = keras.saving.load_model(os.path.join(out, "text_custom.built.keras"),
                                        custom_objects=functions)
        got = model.predict([tf.constant(text["reviews"][:, None]), tf.constant(text["tags"])],
                            verbose=0)
        diff = float(np.max(np.abs(got - text["y"])))
        ok = diff <= TOLERANCE
    except Exception as exc:
        diff, ok = f"{type(exc).__name__}: {exc}"[:300], False
    failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} text_custom.built.keras: max |diff| {diff}")
    print(f"keras {keras.__version__}: {failed} failed")
    return int(failed > 0)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        sys.exit(__doc__)
    sys.exit(write(sys.argv[2]) if sys.argv[1] == "write" else check(sys.argv[2]))
