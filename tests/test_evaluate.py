"""Model.compile / evaluate against Keras 3 (tests/data/golden/evaluate/, written by
tests/golden/generate_evaluate_golden.py with Keras 3.15.1): the models of
tests/golden/evaluate_cases.py, loaded from the .keras files Keras saved (their compile
config restored by load_model) and compiled again in code with fusedrnn's losses, metrics and
optimizers, give Keras's loss and metrics, as a dict and as Keras's list, with and without
sample weights. Then the losses and metrics on their own, and the errors."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

import fusedrnn
from fusedrnn import losses, metrics, optimizers, utils
from fusedrnn.models import Sequential, load_model

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "golden"))
from evaluate_cases import CASES  # noqa: E402

HERE = os.path.join(os.path.dirname(__file__), "data", "golden", "evaluate")
with open(os.path.join(HERE, "results.json")) as _f:
    RESULTS = json.load(_f)
DATA = np.load(os.path.join(HERE, "data.npz"))
# Keras computes in float32, fusedrnn's losses and metrics in float64 (on the same float32
# predictions); the models' outputs agree to ~1e-6.
RTOL, ATOL = 2e-5, 2e-6


def _data(name):
    want = RESULTS[name]
    ys = [DATA[f"{name}_y{i}"] for i in range(want["outputs"])]
    sw = DATA[f"{name}_sw"] if f"{name}_sw" in DATA else None
    if want.get("y_keys"):  # targets by output key
        return DATA[f"{name}_x"], dict(zip(want["y_keys"], ys)), sw
    return DATA[f"{name}_x"], (ys if len(ys) > 1 else ys[0]), sw


def _close(got, want, where):
    if isinstance(want, dict):
        assert sorted(got) == sorted(want), (where, sorted(got), sorted(want))
        for key in want:
            _close(got[key], want[key], f"{where}[{key}]")
    elif isinstance(want, list):
        assert isinstance(got, list), where
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            _close(g, w, f"{where}[{i}]")
    else:
        assert isinstance(got, float), f"{where}: {type(got).__name__}"
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=where)


def _check(model, name):
    x, y, sw = _data(name)
    want = RESULTS[name]
    kwargs = want["kwargs"]
    for label, weights in (("plain", None), ("weighted", sw)):
        if label not in want:
            continue
        _close(model.evaluate(x, y, sample_weight=weights, verbose=0, return_dict=True,
                              **kwargs), want[label]["dict"], f"{name} {label} dict")
        _close(model.evaluate(x, y, sample_weight=weights, verbose=0, **kwargs),
               want[label]["list"], f"{name} {label} list")


@pytest.mark.parametrize("name", sorted(CASES))
def test_loaded_model_evaluates_as_keras(name):
    """load_model restores the compile config Keras saved."""
    utils.clear_session()
    model = load_model(os.path.join(HERE, f"{name}.keras"))
    x, y, _ = _data(name)
    _close(model.evaluate(x, y, verbose=0, return_dict=True, **RESULTS[name]["kwargs"]),
           RESULTS[name]["loaded"], f"{name} loaded")
    if name != "regression":  # Keras does not save Huber's delta (0.5 there)
        _check(model, name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled_in_code_evaluates_as_keras(name):
    utils.clear_session()
    loaded = load_model(os.path.join(HERE, f"{name}.keras"), compile=False)
    assert not loaded.compiled
    with pytest.raises(RuntimeError, match="compile"):
        loaded.evaluate(*_data(name)[:2])
    model, compile_args, _, _ = CASES[name](fusedrnn)
    model.set_weights(loaded.get_weights())
    model.compile(**compile_args)
    _check(model, name)


KERAS2 = sorted(name for name in CASES if "keras2" in RESULTS[name])


@pytest.mark.parametrize("name", KERAS2)
def test_keras2_file_evaluates_as_keras2(name):
    """Keras 2's .h5 keeps the compile arguments as its training_config (metrics listed per
    output, functions as MeanMetricWrapper): load_model restores them."""
    utils.clear_session()
    model = load_model(os.path.join(HERE, f"{name}.keras2.h5"))
    x, y, _ = _data(name)
    _close(model.evaluate(x, y, verbose=0, return_dict=True, **RESULTS[name]["kwargs"]),
           RESULTS[name]["keras2"], f"{name} keras2")


FUNCTIONS = RESULTS["functions"]


@pytest.mark.parametrize("case", FUNCTIONS,
                         ids=[f"{c['kind']}-{c['class']}-{i}" for i, c in enumerate(FUNCTIONS)])
def test_losses_and_metrics_alone_are_keras(case):
    module = losses if case["kind"] == "loss" else metrics
    obj = getattr(module, case["class"])(**case["kwargs"])
    y_true, y_pred = np.array(case["y_true"]), np.array(case["y_pred"], dtype=np.float32)
    sw = None if case["sample_weight"] is None else np.array(case["sample_weight"])
    if case["kind"] == "loss":
        got = obj(y_true, y_pred, sample_weight=sw)
    else:
        half = len(y_true) // 2
        for part in (slice(0, half), slice(half, None)):
            obj.update_state(y_true[part], y_pred[part],
                             sample_weight=None if sw is None else sw[part])
        got = obj.result()
    np.testing.assert_allclose(got, case["value"], rtol=RTOL, atol=ATOL)


def _tagger(steps=6, batch=6):
    model = Sequential([fusedrnn.Input((steps,)), fusedrnn.layers.Embedding(9, 4, mask_zero=True),
                        fusedrnn.layers.GRU(3, return_sequences=True),
                        fusedrnn.layers.Dense(3, activation="softmax")])
    rng = np.random.default_rng(3)
    x = rng.integers(1, 9, size=(batch, steps))
    x[0, 3:] = 0
    x[2, 1:] = 0
    return model, x, rng.integers(0, 3, size=(batch, steps)), rng.random(batch) + 0.5


def test_per_sample_weights_on_a_sequence_output_weight_every_step():
    """(batch,) weights on a (batch, steps) output weigh each sample's steps (Keras fails
    here, or multiplies along the wrong axis when batch == steps); the padded steps are left
    out, the loss and metrics equal those with the weights repeated per step, and equal a
    direct computation over the real steps."""
    model, x, y, sw = _tagger()
    model.compile(loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    got = model.evaluate(x, y, sample_weight=sw, return_dict=True, verbose=0)
    per_step = np.repeat(sw[:, None], x.shape[1], axis=1)
    assert got == model.evaluate(x, y, sample_weight=per_step, return_dict=True, verbose=0)
    p = model.predict(x, verbose=0)
    real = x != 0
    nll = -np.log(np.take_along_axis(p, y[..., None], axis=-1)[..., 0])
    w = per_step * real
    np.testing.assert_allclose(got["loss"], np.sum(nll * w) / real.sum(), rtol=1e-6)
    hits = (np.argmax(p, axis=-1) == y)
    np.testing.assert_allclose(got["accuracy"], np.sum(hits * w) / np.sum(w), rtol=1e-6)


def test_evaluate_batches_and_forms():
    model, x, y, sw = _tagger(batch=40)
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    whole = model.evaluate(x, y, batch_size=40, return_dict=True, verbose=0)
    # The loss is a batch-size-weighted mean of batch losses; the metrics accumulate.
    parts = [model.evaluate(x[s:s + 16], y[s:s + 16], return_dict=True, verbose=0)
             for s in (0, 16, 32)]
    by_batches = model.evaluate(x, y, batch_size=16, return_dict=True, verbose=0)
    np.testing.assert_allclose(by_batches["loss"],
                               (16 * parts[0]["loss"] + 16 * parts[1]["loss"]
                                + 8 * parts[2]["loss"]) / 40, rtol=1e-6)
    np.testing.assert_allclose(by_batches["accuracy"], whole["accuracy"], rtol=1e-6)
    assert model.test_on_batch(x, y, return_dict=True) == whole
    loss, acc = model.evaluate(x, y, batch_size=40, verbose=0)
    assert (loss, acc) == (whole["loss"], whole["accuracy"])
    assert isinstance(loss, float)
    steps = model.evaluate(x, y, batch_size=16, steps=1, return_dict=True, verbose=0)
    assert steps == parts[0]


def test_custom_loss_and_metric_functions_and_classes():
    def double_mae(y_true, y_pred):
        return 2 * np.mean(np.abs(y_true - y_pred), axis=-1)

    class MaxError(metrics.Metric):
        def __init__(self, name="max_error", **kwargs):
            super().__init__(name=name, **kwargs)

        def reset_state(self):
            self.worst = 0.0

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.worst = max(self.worst, float(np.max(np.abs(y_true - y_pred))))

        def result(self):
            return self.worst

    model = Sequential([fusedrnn.Input((4, 2)), fusedrnn.layers.LSTM(3),
                        fusedrnn.layers.Dense(2)])
    model.compile(loss=double_mae, metrics=[double_mae, MaxError(), "mae"])
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(10, 4, 2)).astype(np.float32), rng.normal(size=(10, 2))
    got = model.evaluate(x, y, return_dict=True, verbose=0)
    p = model.predict(x, verbose=0)
    assert sorted(got) == ["double_mae", "loss", "mae", "max_error"]
    np.testing.assert_allclose(got["loss"], 2 * np.mean(np.abs(y - p)), rtol=1e-6)
    np.testing.assert_allclose(got["double_mae"], got["loss"], rtol=1e-6)  # loss: float32
    np.testing.assert_allclose(got["mae"], got["loss"] / 2, rtol=1e-6)
    np.testing.assert_allclose(got["max_error"], np.max(np.abs(y - p)), rtol=1e-6)


def test_metric_objects_accumulate_and_reset():
    m = metrics.AUC()
    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 2, 40), rng.random(40)
    first = m(y, p)
    assert first == m.result()
    m.reset_state()
    m.update_state(y[:20], p[:20])
    m.update_state(y[20:], p[20:])
    assert m.result() == first
    # ROC AUC is the probability that a positive outranks a negative (ties count half),
    # up to the 200-threshold discretisation.
    pos, neg = p[y == 1], p[y == 0]
    exact = np.mean((pos[:, None] > neg[None]) + 0.5 * (pos[:, None] == neg[None]))
    assert abs(first - exact) < 0.02
    config = m.get_config()
    assert metrics.AUC.from_config(config).get_config() == config
    assert losses.Huber(delta=0.3).get_config() == {"name": "huber_loss",
                                                   "reduction": "sum_over_batch_size",
                                                   "delta": 0.3}
    assert "delta" not in losses.Huber().get_config()  # as Keras's config


def test_unnamed_metrics_are_named_per_session():
    utils.clear_session()
    assert [metrics.AUC().name, metrics.AUC().name, metrics.Precision().name] == [
        "auc", "auc_1", "precision"]
    utils.clear_session()
    assert metrics.AUC().name == "auc"
    assert metrics.AUC(name="mine").name == "mine"


def test_optimizers_keep_their_configuration():
    opt = optimizers.Adam(3e-4, clipnorm=1.0)
    assert opt.learning_rate == 3e-4
    assert opt.get_config()["beta_1"] == 0.9
    assert opt.get_config()["clipnorm"] == 1.0
    assert optimizers.SGD(lr=0.1).learning_rate == 0.1  # Keras 2's name
    assert optimizers.get("rmsprop").get_config()["rho"] == 0.9
    restored = optimizers.deserialize({"class_name": "Adam", "config": opt.get_config()})
    assert restored.get_config() == opt.get_config()
    with pytest.raises(NotImplementedError, match="inference only"):
        opt.apply_gradients([])
    schedule = optimizers.schedules.ExponentialDecay(1e-3, decay_steps=100, decay_rate=0.9)
    assert optimizers.Adam(schedule).learning_rate is schedule


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda m: m.compile(loss="no_such_loss"), ValueError, "unknown loss"),
    (lambda m: m.compile(loss="mse", metrics=["no_such_metric"]), ValueError, "unknown metric"),
    (lambda m: m.compile(loss="mse", metrics="accuracy"), ValueError, "list, tuple or dict"),
    (lambda m: m.compile(loss="mse", metrics=[None]), ValueError, "None"),
    (lambda m: m.compile(optimizer="no_such", loss="mse"), ValueError, "unknown optimizer"),
    (lambda m: m.compile(loss="mse", loss_weights="x"), ValueError, "loss_weights"),
    (lambda m: m.compile(loss="mse", foo=1), TypeError, "foo"),
    (lambda m: m.evaluate(np.zeros((2, 4, 2)), np.zeros((2, 2))), RuntimeError, "compile"),
])
def test_compile_errors(call, error, match):
    model = Sequential([fusedrnn.Input((4, 2)), fusedrnn.layers.GRU(2)])
    with pytest.raises(error, match=match):
        call(model)


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    ((np.zeros((3, 4, 2)), None), {}, "targets y"),
    ((np.zeros((3, 4, 2)), np.zeros((2, 2))), {}, "2 rows; x has 3"),
    ((np.zeros((3, 4, 2)), np.zeros((3, 2))), {"sample_weight": np.ones(4)}, "4 rows"),
    ((np.zeros((3, 4, 2)), np.zeros((3, 5))), {}, "does not match"),
    ((np.zeros((3, 4, 2)), np.zeros((3, 2))), {"batch_size": 0}, "batch_size"),
    ((np.zeros((3, 4, 2)), np.zeros((3, 2))), {"verbose": 3}, "verbose"),
    ((np.zeros((3, 4, 2)), np.zeros((3, 2))), {"foo": 1}, "foo"),
    ((np.zeros((3, 4, 3)), np.zeros((3, 2))), {}, "incompatible"),
])
def test_evaluate_errors(args, kwargs, match):
    model = Sequential([fusedrnn.Input((4, 2)), fusedrnn.layers.GRU(2)])
    model.compile(loss="mse")
    with pytest.raises((ValueError, TypeError), match=match):
        model.evaluate(*args, verbose=0, **kwargs)


def test_two_output_errors():
    inputs = fusedrnn.Input((4, 2))
    h = fusedrnn.layers.GRU(3)(inputs)
    model = fusedrnn.Model(inputs, [fusedrnn.layers.Dense(2, name="a")(h),
                                    fusedrnn.layers.Dense(1, name="b")(h)])
    x, ya, yb = np.zeros((3, 4, 2)), np.zeros((3, 2)), np.zeros((3, 1))
    model.compile(loss={"a": "mse"})
    with pytest.raises(ValueError, match="keys"):
        model.evaluate(x, [ya, yb], verbose=0)
    model.compile(loss=["mse", "mae"], metrics=["mae"])
    with pytest.raises(ValueError, match="one entry per output"):
        model.evaluate(x, [ya, yb], verbose=0)
    model.compile(loss=["mse", "mae"])
    with pytest.raises(ValueError, match="list or a dict of 2"):
        model.evaluate(x, ya, verbose=0)
    with pytest.raises(ValueError, match="no entry for output 'b'"):
        model.evaluate(x, {"a": ya}, verbose=0)
    got = model.evaluate(x, {"a": ya, "b": yb}, verbose=0, return_dict=True)
    assert sorted(got) == ["a_loss", "b_loss", "loss"]


def test_unreadable_compile_config_loads_uncompiled(tmp_path):
    import zipfile

    src = os.path.join(HERE, "loss_only.keras")
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == "config.json":
                config = json.loads(data)
                config["compile_config"]["loss"] = "some_private_loss"
                data = json.dumps(config).encode()
            zout.writestr(item, data)
    with pytest.warns(UserWarning, match="uncompiled"):
        model = load_model(path)
    assert not model.compiled
    x, y, _ = _data("loss_only")
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               load_model(src).predict(x, verbose=0))


@pytest.mark.parametrize("name", sorted(CASES))
def test_saved_compile_config_is_keras(name, tmp_path):
    """model.save writes the compile config Keras wrote for the same compile() (real Keras
    loads these files compiled and reports the numbers above: checked with Keras 3.15.1,
    tests/golden/check_keras_loads_saved.py's way), and fusedrnn reads it back."""
    import zipfile

    def compile_config(path):
        with zipfile.ZipFile(path) as z:
            return json.loads(z.read("config.json"))["compile_config"]

    utils.clear_session()
    src = os.path.join(HERE, f"{name}.keras")
    model = load_model(src)
    path = str(tmp_path / "m.keras")
    model.save(path)
    want, got = compile_config(src), compile_config(path)
    assert got["optimizer"]["class_name"] == want["optimizer"]["class_name"]
    for key in ("learning_rate", "beta_1", "momentum", "rho"):
        if key in want["optimizer"]["config"]:
            np.testing.assert_allclose(got["optimizer"]["config"][key],
                                       want["optimizer"]["config"][key], rtol=1e-7)
    if name == "regression":  # Keras leaves Huber's delta out of its config; fusedrnn
        # writes it when not the default (Keras reads it back)
        assert "delta" not in got["loss"]["config"]  # the file held none: 1.0
    for key in ("loss", "loss_weights", "metrics", "weighted_metrics"):
        assert got[key] == want[key], key
    utils.clear_session()
    x, y, _ = _data(name)
    kwargs = RESULTS[name]["kwargs"]
    assert (load_model(path).evaluate(x, y, verbose=0, return_dict=True, **kwargs)
            == model.evaluate(x, y, verbose=0, return_dict=True, **kwargs))


def test_uncompiled_model_saves_no_compile_config(tmp_path):
    import zipfile

    model = Sequential([fusedrnn.Input((4, 2)), fusedrnn.layers.GRU(2)])
    model.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        assert json.loads(z.read("config.json"))["compile_config"] is None
    assert not load_model(str(tmp_path / "m.keras")).compiled


def test_keras_text_tutorial_runs_with_fusedrnn_as_keras():
    """A Keras text-classification tutorial's serving half, written against `keras` and run
    with `import fusedrnn as keras`: the saved tokenizer, padding, the model, compile and
    evaluate; the reported numbers equal a direct computation on the predictions."""
    import fusedrnn as keras
    from fusedrnn.preprocessing.text import Tokenizer, tokenizer_from_json

    texts = ["a great movie", "the worst film ever", "great acting, great story",
             "boring and bad", "I loved it!", "not good at all", "what a film", "bad bad"]
    labels = np.array([1, 0, 1, 0, 1, 0, 1, 0])
    tokenizer = Tokenizer(num_words=50, oov_token="<OOV>")
    tokenizer.fit_on_texts(texts)
    tokenizer = tokenizer_from_json(tokenizer.to_json())  # as a server loads it
    sequences = keras.utils.pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=6,
                                          padding="post", truncating="post")
    keras.utils.set_random_seed(42)
    model = keras.Sequential([
        keras.Input(shape=(6,)),
        keras.layers.Embedding(50, 8, mask_zero=True),
        keras.layers.Bidirectional(keras.layers.LSTM(4)),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss=keras.losses.BinaryCrossentropy(),
                  metrics=["accuracy", keras.metrics.AUC(name="auc")])
    loss, accuracy, auc = model.evaluate(sequences, labels, verbose=0)
    p = model.predict(sequences, verbose=0)[:, 0].astype(np.float64)
    p = np.clip(p, 1e-7, 1 - 1e-7)
    np.testing.assert_allclose(loss, -np.mean(labels * np.log(p) + (1 - labels)
                                              * np.log(1 - p)), rtol=1e-6)
    assert accuracy == np.mean((p > 0.5) == labels)
    assert 0.0 <= auc <= 1.0


def _training_args(config: dict) -> dict:
    """Every non-default regularizer, constraint and dropout rate in a saved model config, by
    layer path (Keras's object-sharing ids left out)."""
    found = {}

    def walk(obj, path):
        if isinstance(obj, dict):
            layer_config = obj.get("config") if "class_name" in obj else None
            if isinstance(layer_config, dict) and "name" in layer_config:
                path = f"{path}/{layer_config['name']}"
                for key, value in layer_config.items():
                    if ((key.endswith(("_regularizer", "_constraint")) and value is not None)
                            or (key in ("dropout", "recurrent_dropout") and value)):
                        found[f"{path}:{key}"] = (
                            {k: v for k, v in value.items() if k != "shared_object_id"}
                            if isinstance(value, dict) else value)
            for value in obj.values():
                walk(value, path)
        elif isinstance(obj, list):
            for value in obj:
                walk(value, path)

    walk(config, "")
    return found


@pytest.mark.parametrize("name", ["regularized", "attention_regularized"])
def test_regularizers_constraints_and_dropout_survive_saving(name, tmp_path):
    """A model Keras saved with regularizers, constraints and dropout rates is saved again by
    fusedrnn with all of them (they only matter to training and evaluate's loss, but a model
    taken back to Keras keeps training as it did), and so is the model built in code."""
    import zipfile

    def saved(path):
        with zipfile.ZipFile(path) as z:
            return _training_args(json.loads(z.read("config.json"))["config"])

    utils.clear_session()
    src = os.path.join(HERE, f"{name}.keras")
    want = saved(src)
    assert len(want) >= 2
    path = str(tmp_path / "loaded.keras")
    load_model(src).save(path)
    assert saved(path) == want
    model, _, _, _ = CASES[name](fusedrnn)
    model.save(str(tmp_path / "built.keras"))
    got = saved(str(tmp_path / "built.keras"))
    assert {k.split("/")[-1] for k in got} == {k.split("/")[-1] for k in want}


def test_initializer_objects_build_and_save(tmp_path):
    """keras.initializers objects given in code draw the weights of fresh layers (their
    distributions; a seed repeats them) and are saved as Keras saves them."""
    import zipfile

    from fusedrnn import initializers

    dense = fusedrnn.layers.Dense(400, kernel_initializer=initializers.HeNormal(seed=3),
                                  bias_initializer=initializers.Constant(0.5))
    dense.build((None, 300))
    kernel, bias = dense.get_weights()
    np.testing.assert_array_equal(bias, 0.5)
    assert abs(kernel.std() / np.sqrt(2 / 300) - 1) < 0.05  # He: std sqrt(2 / fan_in)
    assert np.abs(kernel).max() <= 2 * np.sqrt(2 / 300) / 0.87962566 + 1e-6  # truncated
    again = fusedrnn.layers.Dense(400, kernel_initializer=initializers.HeNormal(seed=3))
    again.build((None, 300))
    np.testing.assert_array_equal(again.get_weights()[0], kernel)
    lstm = fusedrnn.layers.LSTM(3, recurrent_initializer=initializers.Orthogonal(gain=2.0),
                                kernel_initializer=initializers.HeNormal(3))
    lstm.build((None, 2, 4))
    r = lstm.get_weights()[1]
    np.testing.assert_allclose(r @ r.T, 4 * np.eye(3), atol=1e-5)
    model = Sequential([fusedrnn.Input((2, 4)), lstm])
    model.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        layers_config = json.loads(z.read("config.json"))["config"]["layers"]
    assert layers_config[1]["config"]["recurrent_initializer"] == {
        "module": "keras.initializers", "class_name": "Orthogonal",
        "config": {"gain": 2.0, "seed": None}, "registered_name": None}
    assert layers_config[1]["config"]["kernel_initializer"]["config"] == {"seed": 3}
    assert initializers.get("glorot_uniform") == initializers.GlorotUniform()


def test_metrics_names_follow_the_result_list():
    utils.clear_session()
    model = load_model(os.path.join(HERE, "binary.keras"))
    assert model.metrics_names == ["loss"]
    x, y, _ = _data("binary")
    values = model.evaluate(x, y, verbose=0)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    names = model.metrics_names
    assert len(names) == len(values)
    assert all(logs[n] == v for n, v in zip(names, values))


@pytest.mark.parametrize("regularized", [False, True])
def test_subclassed_model_evaluates(regularized):
    """The layers a subclassed model calls add their activity penalties (Keras applies them
    in every layer call), each over its batch's rows, to the batch-size-weighted loss."""
    r = fusedrnn.regularizers

    class Regressor(fusedrnn.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.rnn = fusedrnn.layers.GRU(
                4, activity_regularizer=r.L1(0.01) if regularized else None)
            self.head = fusedrnn.layers.Dense(
                2, activity_regularizer=r.L2(0.1) if regularized else None)

        def call(self, x):
            return self.head(self.rnn(x))

    model = Regressor()
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(11, 5, 3)).astype(np.float32), rng.normal(size=(11, 2))
    model.compile(loss="mse", metrics=["mae"])
    got = model.evaluate(x, y, batch_size=4, return_dict=True, verbose=0)
    p = model.predict(x, verbose=0)
    h = model.rnn(x)
    want = np.mean((p - y) ** 2)
    if regularized:
        want += sum(0.01 * np.abs(h[b]).sum() + 0.1 * np.square(p[b]).sum()
                    for b in (slice(0, 4), slice(4, 8), slice(8, 11))) / 11
    np.testing.assert_allclose(got["loss"], want, rtol=1e-5)
    np.testing.assert_allclose(got["mae"], np.mean(np.abs(p - y)), rtol=1e-6)


def _saved_compile_config(model, path):
    import zipfile

    model.save(path)
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("config.json"))["compile_config"]


@pytest.mark.parametrize("name", KERAS2)
def test_keras2_compile_config_is_saved_for_keras3(name, tmp_path):
    """Keras 2's MeanMetricWrapper metrics are saved as the metric classes Keras 3 rebuilds
    (Keras 3 cannot rebuild a MeanMetricWrapper, and fails to load such a file), with their
    names; the file evaluates as the Keras 2 one (Keras 3 loads these and reports Keras 2's
    numbers: tests/golden/check_keras_evaluates_saved.py), but for the penalty Keras 3 does
    not count."""
    utils.clear_session()
    model = load_model(os.path.join(HERE, f"{name}.keras2.h5"))
    config = _saved_compile_config(model, str(tmp_path / "m.keras"))
    text = json.dumps(config)
    assert "MeanMetricWrapper" not in text
    assert config["loss"] is not None
    utils.clear_session()
    again = load_model(str(tmp_path / "m.keras"))
    x, y, _ = _data(name)
    kwargs = RESULTS[name]["kwargs"]
    got = again.evaluate(x, y, verbose=0, return_dict=True, **kwargs)
    want = model.evaluate(x, y, verbose=0, return_dict=True, **kwargs)
    if RESULTS[name].get("y_keys"):  # Keras 2 names dict outputs by layer, Keras 3 by key
        for layer_name, key in zip(model.output_names, model._output_keys):
            want = {k.replace(f"{layer_name}_", f"{key}_", 1) if k.startswith(
                f"{layer_name}_") else k: v for k, v in want.items()}
    assert sorted(got) == sorted(want)
    if name == "wrapped_regularized":  # Keras 3 drops the TimeDistributed layer's penalty
        assert got.pop("loss") < want.pop("loss")
    for key in want:
        if not key.endswith("_loss") or RESULTS[name]["outputs"] == 1:
            np.testing.assert_allclose(got[key], want[key], rtol=1e-6)


def test_compile_config_keras_cannot_rebuild_is_not_saved(tmp_path):
    def my_loss(y_true, y_pred):
        return np.mean(np.abs(y_true - y_pred), axis=-1)

    model = Sequential([fusedrnn.Input((4, 2)), fusedrnn.layers.GRU(2)])
    model.compile(loss=my_loss)
    with pytest.warns(UserWarning, match="without its compile config"):
        assert _saved_compile_config(model, str(tmp_path / "a.keras")) is None
    model.compile(loss="mse", metrics=[metrics.MeanMetricWrapper(my_loss, name="mine")])
    with pytest.warns(UserWarning, match="without its compile config"):
        assert _saved_compile_config(model, str(tmp_path / "b.keras")) is None
    schedule = optimizers.schedules.CosineDecay(1e-3, 1000, alpha=0.1)
    model.compile(optimizer=optimizers.Adam(schedule), loss=losses.MeanSquaredError(),
                  metrics=[metrics.MeanMetricWrapper(losses.mean_absolute_error, name="m")])
    config = _saved_compile_config(model, str(tmp_path / "c.keras"))
    assert config["optimizer"]["config"]["learning_rate"] == {
        "module": "keras.optimizers.schedules", "class_name": "CosineDecay",
        "config": {"initial_learning_rate": 1e-3, "decay_steps": 1000, "alpha": 0.1,
                   "name": "CosineDecay", "warmup_target": None, "warmup_steps": 0},
        "registered_name": None}
    assert config["metrics"][0]["class_name"] == "MeanAbsoluteError"
    assert config["metrics"][0]["config"]["name"] == "m"
    back = load_model(str(tmp_path / "c.keras"))
    assert back.optimizer.learning_rate.get_config()["alpha"] == 0.1


def test_evaluate_progress_line_shows_the_results(capsys):
    model, x, y, _ = _tagger(batch=40)
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    logs = model.evaluate(x, y, batch_size=16, verbose=2, return_dict=True)
    line = capsys.readouterr().out.strip()
    assert line.startswith("3/3 [")
    assert line.endswith(f" - loss: {logs['loss']:.4f} - accuracy: {logs['accuracy']:.4f}")
    model.evaluate(x, y, batch_size=16, verbose=0)
    assert capsys.readouterr().out == ""


LEGACY_H5 = sorted(name for name in CASES if "loaded_h5" in RESULTS[name])


@pytest.mark.parametrize("name", LEGACY_H5)
def test_keras3_legacy_h5_evaluates_as_keras_reads_it(name):
    """Keras 3's legacy .h5 of a compiled model (training_config): fusedrnn reports what
    Keras reports when it loads that file (metric aliases named in full, "mse" ->
    "mean_squared_error"; Keras 3's own averaging rules)."""
    utils.clear_session()
    model = load_model(os.path.join(HERE, f"{name}.h5"))
    x, y, _ = _data(name)
    _close(model.evaluate(x, y, verbose=0, return_dict=True, **RESULTS[name]["kwargs"]),
           RESULTS[name]["loaded_h5"], f"{name} loaded .h5")


def test_compiled_regularized_models_pickle_copy_and_clone():
    """Workers get compiled models by pickling (multiprocessing) or copying: they evaluate as
    the original; clones keep the training-only arguments (not the compile config, as
    Keras's clone_model)."""
    import copy
    import pickle

    model = Sequential([fusedrnn.Input((4, 3)),
                        fusedrnn.layers.LSTM(3, kernel_regularizer=fusedrnn.regularizers.l2(0.1),
                                             recurrent_constraint="max_norm", dropout=0.2),
                        fusedrnn.layers.Dense(2, activity_regularizer="l1")])
    model.compile(loss="mse", optimizer=optimizers.Adam(1e-3), metrics=["mae"])
    rng = np.random.default_rng(6)
    x, y = rng.random((5, 4, 3)).astype(np.float32), rng.random((5, 2))
    want = model.evaluate(x, y, verbose=0)
    for other in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert other.evaluate(x, y, verbose=0) == want
    clone = fusedrnn.models.clone_model(model)
    config = clone.layers[0].get_config()
    assert config["dropout"] == 0.2
    assert config["recurrent_constraint"] == "max_norm"
    assert config["kernel_regularizer"]["config"] == {"l2": 0.1}
    assert not clone.compiled


def test_pydataset_batches_feed_predict_and_evaluate():
    """A keras.utils.PyDataset (Keras 2's Sequence) subclass: predict and evaluate read its
    batches in order, as from a tf.data dataset."""
    model = Sequential([fusedrnn.Input((4, 3)), fusedrnn.layers.GRU(2)])
    model.compile(loss="mse")
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal((10, 4, 3)).astype(np.float32), rng.standard_normal((10, 2))

    class Rows(utils.PyDataset):
        def __init__(self, with_targets, **kwargs):
            super().__init__(**kwargs)
            self.with_targets = with_targets

        def __len__(self):
            return 3

        def __getitem__(self, i):
            part = slice(4 * i, min(4 * i + 4, 10))
            return (x[part], y[part]) if self.with_targets else x[part]

    assert utils.Sequence is utils.PyDataset
    np.testing.assert_allclose(model.predict(Rows(False, workers=2), verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)
    assert model.evaluate(Rows(True), verbose=0) == pytest.approx(
        model.evaluate(x, y, batch_size=4, verbose=0), rel=1e-6)
