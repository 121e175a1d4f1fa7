"""The models, compile arguments and data of the evaluate golden cases, written once for
Keras (generate_evaluate_golden.py) and for fusedrnn (tests/test_evaluate.py). ``api`` is
the keras module or the fusedrnn package (both have ``layers``, ``Input``, ``Sequential``,
``Model``, ``losses``, ``metrics`` and ``optimizers``)."""

from __future__ import annotations

import numpy as np


def _tokens(rng, n, t, vocab, pad=True):
    x = rng.integers(1, vocab, size=(n, t))
    if pad:  # padded at the end, some rows shorter than others
        for row, length in enumerate(rng.integers(1, t + 1, size=n)):
            x[row, length:] = 0
    return x


def binary(api):
    model = api.Sequential([api.Input((12,)), api.layers.Embedding(30, 8, mask_zero=True),
                            api.layers.LSTM(6), api.layers.Dense(1, activation="sigmoid")])
    compile_args = {
        "optimizer": api.optimizers.Adam(1e-3), "loss": "binary_crossentropy",
        "metrics": ["accuracy", api.metrics.AUC(), api.metrics.Precision(),
                    api.metrics.Recall(thresholds=[0.3, 0.6]),
                    api.metrics.AUC(curve="PR", name="pr_auc"), "mse",
                    api.metrics.BinaryAccuracy(threshold=0.7, name="acc70")],
        "weighted_metrics": ["accuracy", api.metrics.AUC(num_thresholds=50)]}

    def data(rng):
        x = _tokens(rng, 50, 12, 30)
        return x, rng.integers(0, 2, size=(50, 1)).astype("float32"), rng.random(50) + 0.5

    return model, compile_args, data, {"batch_size": 16}


def sparse_logits(api):
    model = api.Sequential([api.Input((7, 4)), api.layers.GRU(8), api.layers.Dense(5)])
    compile_args = {
        "optimizer": "rmsprop",
        "loss": api.losses.SparseCategoricalCrossentropy(from_logits=True),
        "metrics": ["accuracy", api.metrics.SparseTopKCategoricalAccuracy(k=2),
                    api.metrics.SparseCategoricalCrossentropy(from_logits=True)]}

    def data(rng):
        return (rng.normal(size=(45, 7, 4)).astype("float32"), rng.integers(0, 5, size=45),
                None)

    return model, compile_args, data, {}


def categorical(api):
    model = api.Sequential([api.Input((6, 3)), api.layers.SimpleRNN(8),
                            api.layers.Dense(4, activation="softmax")])
    compile_args = {
        "optimizer": api.optimizers.SGD(0.01, momentum=0.9),
        "loss": api.losses.CategoricalCrossentropy(label_smoothing=0.1),
        "metrics": ["acc", "top_k_categorical_accuracy",
                    api.metrics.TopKCategoricalAccuracy(k=2, name="top2"),
                    api.metrics.CategoricalCrossentropy(), "categorical_accuracy",
                    api.metrics.KLDivergence(), api.metrics.CategoricalHinge()]}

    def data(rng):
        labels = rng.integers(0, 4, size=40)
        return (rng.normal(size=(40, 6, 3)).astype("float32"),
                np.eye(4, dtype="float32")[labels], rng.random(40))

    return model, compile_args, data, {"batch_size": 7}


def regression(api):
    model = api.Sequential([api.Input((9, 2)), api.layers.LSTM(5),
                            api.layers.Dense(2, activation="softplus")])
    compile_args = {
        "optimizer": "adam", "loss": api.losses.Huber(delta=0.5),
        "metrics": ["mae", "mape", api.metrics.RootMeanSquaredError(), "msle",
                    api.metrics.CosineSimilarity(), api.metrics.LogCoshError(),
                    api.metrics.MeanSquaredError(name="mse_metric"), "poisson"],
        "weighted_metrics": ["mae"]}

    def data(rng):
        return (rng.normal(size=(33, 9, 2)).astype("float32"),
                rng.random((33, 2)).astype("float32") * 2, rng.random(33) * 2)

    return model, compile_args, data, {"batch_size": 10}


def tagging(api):
    """A masked sequence output: the loss and metrics leave the padded steps out."""
    inputs = api.Input((10,))
    h = api.layers.Embedding(20, 6, mask_zero=True)(inputs)
    h = api.layers.Bidirectional(api.layers.GRU(5, return_sequences=True))(h)
    outputs = api.layers.Dense(4, activation="softmax")(h)
    model = api.Model(inputs, outputs)
    # Per-step weights: Keras 3.15 fails on per-sample ones with a masked sequence output (its
    # apply_mask multiplies (batch,) weights by the (batch, steps) mask).
    compile_args = {"optimizer": "adam", "loss": "sparse_categorical_crossentropy",
                    "metrics": ["accuracy", "sparse_top_k_categorical_accuracy"],
                    "weighted_metrics": ["accuracy"]}

    def data(rng):
        x = _tokens(rng, 30, 10, 20)
        return x, rng.integers(0, 4, size=(30, 10)), rng.random((30, 10)) + 0.5

    return model, compile_args, data, {"batch_size": 8}


def two_outputs(api):
    inputs = api.Input((8, 3))
    h = api.layers.LSTM(6)(inputs)
    cls = api.layers.Dense(3, activation="softmax", name="cls")(h)
    reg = api.layers.Dense(1, name="reg")(h)
    model = api.Model(inputs, [cls, reg])
    compile_args = {
        "optimizer": "adam", "loss": {"cls": "sparse_categorical_crossentropy", "reg": "mse"},
        "loss_weights": {"cls": 1.0, "reg": 0.5},
        "metrics": {"cls": ["accuracy"], "reg": ["mae", api.metrics.RootMeanSquaredError()]}}

    def data(rng):
        return (rng.normal(size=(26, 8, 3)).astype("float32"),
                [rng.integers(0, 3, size=26), rng.normal(size=(26, 1)).astype("float32")],
                None)

    return model, compile_args, data, {"batch_size": 9}


def dict_outputs(api):
    """Outputs given as a dict (keys other than the layers' names), one loss for all, metrics
    by key, per-sample weights for both."""
    inputs = api.Input((6, 2))
    h = api.layers.GRU(5)(inputs)
    model = api.Model(inputs, {"score": api.layers.Dense(1, name="score_head")(h),
                               "label": api.layers.Dense(3, activation="softmax",
                                                         name="label_head")(h)})
    compile_args = {"optimizer": "adam",
                    "loss": {"score": "mae", "label": "sparse_categorical_crossentropy"},
                    "loss_weights": {"score": 2.0, "label": 1.0},
                    "metrics": {"label": ["accuracy"], "score": ["mse"]}}

    def data(rng):
        return (rng.normal(size=(15, 6, 2)).astype("float32"),
                {"score": rng.normal(size=(15, 1)).astype("float32"),
                 "label": rng.integers(0, 3, size=15)}, None)

    return model, compile_args, data, {"batch_size": 4}


def hinge_and_friends(api):
    model = api.Sequential([api.Input((5, 3)), api.layers.GRU(4, reset_after=False),
                            api.layers.Dense(3, activation="tanh")])
    compile_args = {"optimizer": "sgd", "loss": "squared_hinge",
                    "metrics": ["hinge", api.metrics.SquaredHinge(), "binary_accuracy",
                                api.metrics.Accuracy()]}

    def data(rng):
        return (rng.normal(size=(21, 5, 3)).astype("float32"),
                rng.integers(0, 2, size=(21, 3)).astype("float32"), None)

    return model, compile_args, data, {"batch_size": 5}


def loss_only(api):
    model = api.Sequential([api.Input((4, 2)), api.layers.SimpleRNN(3),
                            api.layers.Dense(2, activation="softmax")])
    compile_args = {"optimizer": "adam", "loss": "kld"}

    def data(rng):
        p = rng.random((17, 2)) + 0.1
        return (rng.normal(size=(17, 4, 2)).astype("float32"),
                (p / p.sum(axis=1, keepdims=True)).astype("float32"), None)

    return model, compile_args, data, {}


def crossentropy_auto(api):
    model = api.Sequential([api.Input((4, 2)), api.layers.LSTM(3),
                            api.layers.Dense(3, activation="softmax")])
    compile_args = {"optimizer": "adam", "loss": "crossentropy",
                    "metrics": ["accuracy", api.metrics.Precision(top_k=1, class_id=2),
                                api.metrics.Recall(class_id=0)]}

    def data(rng):
        return (rng.normal(size=(19, 4, 2)).astype("float32"),
                np.eye(3, dtype="float32")[rng.integers(0, 3, size=19)], None)

    return model, compile_args, data, {"batch_size": 4}


def regularized(api):
    """Weight and activity regularizers (Keras adds their penalties to the loss), constraints
    and dropout (kept in the saved config)."""
    r = api.regularizers
    model = api.Sequential([
        api.Input((8,)),
        api.layers.Embedding(12, 6, embeddings_regularizer=r.l2(1e-3)),
        api.layers.Conv1D(5, 3, padding="same", kernel_regularizer=r.L1(0.002),
                          bias_regularizer="l2", kernel_constraint=api.constraints.MaxNorm(3)),
        api.layers.LayerNormalization(gamma_regularizer=r.L2(0.01)),
        api.layers.Bidirectional(api.layers.LSTM(
            4, return_sequences=True, kernel_regularizer=r.l2(0.01),
            recurrent_regularizer=r.l1(0.001), bias_regularizer=r.L1L2(l1=0.01, l2=0.02),
            recurrent_constraint=api.constraints.UnitNorm(), dropout=0.1,
            recurrent_dropout=0.05)),
        api.layers.GRU(4, activity_regularizer=r.L2(0.05)),
        api.layers.Dense(6, kernel_regularizer=r.OrthogonalRegularizer(0.1, mode="columns"),
                         bias_constraint=api.constraints.NonNeg()),
        api.layers.PReLU(alpha_regularizer=r.l2(0.3)),
        api.layers.ActivityRegularization(l1=0.01, l2=0.001),
        api.layers.Dense(3, activation="softmax", activity_regularizer="l1"),
    ])
    compile_args = {"optimizer": "adam", "loss": "sparse_categorical_crossentropy",
                    "metrics": ["accuracy"]}

    def data(rng):
        return rng.integers(0, 12, size=(23, 8)), rng.integers(0, 3, size=23), None

    return model, compile_args, data, {"batch_size": 6}


def attention_regularized(api):
    """MultiHeadAttention hands its regularizers to each projection (query, key, value,
    output)."""
    inputs = api.Input((6, 4))
    h = api.layers.MultiHeadAttention(2, 3, kernel_regularizer=api.regularizers.l2(0.01),
                                      bias_regularizer=api.regularizers.l1(0.01),
                                      bias_initializer="ones")(inputs, inputs)
    model = api.Model(inputs, api.layers.Dense(1)(api.layers.GlobalAveragePooling1D()(h)))

    def data(rng):
        return (rng.normal(size=(9, 6, 4)).astype("float32"),
                rng.normal(size=(9, 1)).astype("float32"), None)

    return model, {"optimizer": "adam", "loss": "mse"}, data, {}


def wrapped_regularized(api):
    """Activity regularizers of wrapped layers: Keras calls a Bidirectional's two layers as
    layers (their penalties count, states included with return_state); Keras 3 runs a
    TimeDistributed's layer without its regularizer, Keras 2 over batch * timesteps rows."""
    r = api.regularizers
    inputs = api.Input((7, 3))
    h = api.layers.Masking()(inputs)
    h = api.layers.Bidirectional(api.layers.GRU(
        4, return_sequences=True, activity_regularizer=r.L2(0.05)))(h)
    h = api.layers.TimeDistributed(api.layers.Dense(3, activity_regularizer=r.L1(0.02)))(h)
    h, *_ = api.layers.Bidirectional(api.layers.LSTM(
        3, return_state=True, activity_regularizer=r.L1L2(l1=0.01, l2=0.03)),
        merge_mode="sum")(h)
    model = api.Model(inputs, api.layers.Dense(1, activity_regularizer="l2")(h))

    def data(rng):
        x = rng.normal(size=(19, 7, 3)).astype("float32")
        for row, length in enumerate(rng.integers(2, 8, size=19)):
            x[row, length:] = 0.0
        return x, rng.normal(size=(19, 1)).astype("float32"), None

    return model, {"optimizer": "adam", "loss": "mae"}, data, {"batch_size": 8}


def ctc_speech(api):
    """A speech or OCR model's per-step logits scored by Keras's CTC loss (labels padded
    with the blank 0), with a per-sample weight."""
    model = api.Sequential([api.Input((12, 5)), api.layers.Bidirectional(
        api.layers.GRU(6, return_sequences=True)), api.layers.Dense(6)])

    def data(rng):
        labels = rng.integers(1, 6, size=(20, 4))
        for row, count in enumerate(rng.integers(1, 5, size=20)):
            labels[row, count:] = 0
        return (rng.normal(size=(20, 12, 5)).astype("float32"), labels,
                rng.random(20) + 0.5)

    return model, {"optimizer": "adam", "loss": api.losses.CTC()}, data, {"batch_size": 8}


CASES = {f.__name__: f for f in (binary, sparse_logits, categorical, regression, tagging,
                                 two_outputs, hinge_and_friends, loss_only, crossentropy_auto,
                                 regularized, attention_regularized, dict_outputs,
                                 wrapped_regularized, ctc_speech)}
