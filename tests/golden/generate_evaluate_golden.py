"""Record what Keras 3's ``Model.evaluate`` reports for the models of evaluate_cases.py, for
tests/test_evaluate.py: each model compiled with its case's loss and metrics, evaluated on
random data (with and without sample weights) and saved as a ``.keras`` file (config,
weights and compile config).

NOT run by CI and not collected by pytest. It needs TensorFlow and Keras 3::

    /tmp/tfenv/bin/python tests/golden/generate_evaluate_golden.py

Writes tests/data/golden/evaluate/<case>.keras, data.npz (x, y, sample weights) and
results.json (the evaluate results as a dict and as the list Keras returns, and what Keras
reports for the model it loads back from the .keras and from the legacy <case>.h5 it also
writes); then each case again with Keras 2 (tf_keras), saved as
<case>.keras2.h5 (with its training config), and its evaluate results.
"""

from __future__ import annotations

import json
import os
import sys
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from evaluate_cases import CASES  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "evaluate")


def _probs(rng, *shape):
    p = rng.random(shape) + 0.05
    return (p / p.sum(axis=-1, keepdims=True)).astype("float32")


def function_cases(rng):
    """(kind, class name, kwargs, y_true, y_pred, sample_weight) for the losses and metrics
    on their own; a metric gets two update_state calls (the data split in half)."""
    n = 12
    binary = rng.integers(0, 2, size=(n, 3)).astype("float32")
    onehot = np.eye(4, dtype="float32")[rng.integers(0, 4, size=n)]
    sparse = rng.integers(0, 4, size=n)
    seq_sparse = rng.integers(0, 4, size=(n, 5))
    reg_true = rng.random((n, 3)).astype("float32") * 2
    reg_pred = rng.normal(size=(n, 3)).astype("float32")
    pos_pred = rng.random((n, 3)).astype("float32") * 3
    probs = rng.random((n, 3)).astype("float32")
    logits = rng.normal(size=(n, 3)).astype("float32") * 3
    sw = rng.random(n).astype("float32")
    seq_sw = rng.random((n, 5)).astype("float32")
    return [
        ("loss", "MeanSquaredError", {}, reg_true, reg_pred, None),
        ("loss", "MeanSquaredError", {"reduction": "sum"}, reg_true, reg_pred, sw),
        ("loss", "MeanAbsoluteError", {"reduction": "none"}, reg_true, reg_pred, sw),
        ("loss", "MeanAbsolutePercentageError", {}, reg_true, reg_pred, sw),
        ("loss", "MeanSquaredLogarithmicError", {"reduction": "mean_with_sample_weight"},
         reg_true, pos_pred, sw),
        ("loss", "CosineSimilarity", {}, reg_true, reg_pred, None),
        ("loss", "Huber", {"delta": 0.7}, reg_true, reg_pred, sw),
        ("loss", "LogCosh", {}, reg_true, reg_pred, None),
        ("loss", "KLDivergence", {}, _probs(rng, n, 4), _probs(rng, n, 4), None),
        ("loss", "Poisson", {}, reg_true, pos_pred, sw),
        ("loss", "Hinge", {}, binary, reg_pred, None),
        ("loss", "Hinge", {}, 2 * binary - 1, reg_pred, None),
        ("loss", "SquaredHinge", {}, binary, reg_pred, sw),
        ("loss", "CategoricalHinge", {}, onehot, rng.normal(size=(n, 4)).astype("float32"),
         None),
        ("loss", "BinaryCrossentropy", {}, binary, probs, sw),
        ("loss", "BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, binary,
         logits, None),
        ("loss", "BinaryCrossentropy", {}, binary[:, :1].reshape(-1), probs[:, :1], None),
        ("loss", "CategoricalCrossentropy", {"label_smoothing": 0.1}, onehot,
         _probs(rng, n, 4), sw),
        ("loss", "CategoricalCrossentropy", {"from_logits": True}, onehot,
         rng.normal(size=(n, 4)).astype("float32") * 2, None),
        ("loss", "SparseCategoricalCrossentropy", {}, sparse, _probs(rng, n, 4), sw),
        ("loss", "SparseCategoricalCrossentropy", {}, sparse[:, None], _probs(rng, n, 4),
         None),
        ("loss", "SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 0},
         seq_sparse, rng.normal(size=(n, 5, 4)).astype("float32"), seq_sw),
        ("loss", "BinaryFocalCrossentropy", {}, binary, probs, sw),
        ("loss", "BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.3,
                                             "gamma": 1.5, "from_logits": True,
                                             "label_smoothing": 0.1}, binary, logits, None),
        ("loss", "CategoricalFocalCrossentropy", {}, onehot, _probs(rng, n, 4), sw),
        ("loss", "CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 3.0,
                                                  "from_logits": True},
         onehot, rng.normal(size=(n, 4)).astype("float32"), None),
        ("metric", "AUC", {}, binary, probs, None),
        ("metric", "AUC", {"num_thresholds": 13, "curve": "PR"}, binary, probs, sw),
        ("metric", "AUC", {"summation_method": "minoring"}, binary, probs, None),
        ("metric", "AUC", {"curve": "PR", "summation_method": "majoring"}, binary, probs, None),
        ("metric", "AUC", {"multi_label": True, "label_weights": [0.2, 0.5, 0.3]}, binary,
         probs, None),
        ("metric", "AUC", {"multi_label": True, "curve": "PR"}, binary, probs, sw),
        ("metric", "AUC", {"from_logits": True}, binary, logits, None),
        ("metric", "AUC", {"thresholds": [0.2, 0.5, 0.9]}, binary, probs, None),
        ("metric", "SensitivityAtSpecificity", {"specificity": 0.5}, binary, probs, sw),
        ("metric", "SpecificityAtSensitivity", {"sensitivity": 0.7, "num_thresholds": 20},
         binary, probs, None),
        ("metric", "PrecisionAtRecall", {"recall": 0.6, "class_id": 1}, binary, probs, None),
        ("metric", "RecallAtPrecision", {"precision": 0.55}, binary, probs, sw),
        ("metric", "RecallAtPrecision", {"precision": 0.99, "num_thresholds": 1}, binary,
         probs, None),
        ("metric", "Precision", {"thresholds": [0.2, 0.5, 0.8]}, binary, probs, sw),
        ("metric", "Precision", {"top_k": 2}, binary, probs, None),
        ("metric", "Recall", {"class_id": 1}, binary, probs, None),
        ("metric", "Recall", {"top_k": 1, "thresholds": 0.3}, binary, probs, None),
        ("metric", "TruePositives", {}, binary, probs, sw),
        ("metric", "FalsePositives", {"thresholds": [0.3, 0.7]}, binary, probs, None),
        ("metric", "TrueNegatives", {}, binary, probs, None),
        ("metric", "FalseNegatives", {}, binary, probs, sw),
        ("metric", "BinaryAccuracy", {"threshold": 0.3}, binary, probs, sw),
        ("metric", "CategoricalAccuracy", {}, onehot, _probs(rng, n, 4), None),
        ("metric", "SparseCategoricalAccuracy", {}, sparse[:, None], _probs(rng, n, 4), sw),
        ("metric", "SparseCategoricalAccuracy", {}, seq_sparse, _probs(rng, n, 5, 4), seq_sw),
        ("metric", "TopKCategoricalAccuracy", {"k": 3}, onehot, _probs(rng, n, 4), None),
        ("metric", "SparseTopKCategoricalAccuracy", {"k": 2}, sparse, _probs(rng, n, 4), sw),
        ("metric", "RootMeanSquaredError", {}, reg_true, reg_pred, sw),
        ("metric", "CosineSimilarity", {}, reg_true, reg_pred, None),
        ("metric", "LogCoshError", {}, reg_true, reg_pred, sw),
        ("metric", "MeanSquaredLogarithmicError", {}, reg_true, pos_pred, None),
        ("metric", "Accuracy", {}, binary, (probs > 0.5).astype("float32"), None),
        ("metric", "Hinge", {}, binary, reg_pred, sw),
        ("metric", "KLDivergence", {}, _probs(rng, n, 4), _probs(rng, n, 4), None),
        ("metric", "Poisson", {}, reg_true, pos_pred, None),
        ("metric", "BinaryCrossentropy", {"from_logits": True}, binary, logits, sw),
        ("metric", "CategoricalCrossentropy", {"label_smoothing": 0.2}, onehot,
         _probs(rng, n, 4), None),
        ("metric", "SparseCategoricalCrossentropy", {}, sparse, _probs(rng, n, 4), sw),
        ("metric", "F1Score", {}, onehot, _probs(rng, n, 4), None),
        ("metric", "F1Score", {"average": "macro"}, onehot, _probs(rng, n, 4), sw),
        ("metric", "F1Score", {"average": "micro", "threshold": 0.3}, binary, probs, None),
        ("metric", "F1Score", {"average": "weighted"}, onehot, _probs(rng, n, 4), None),
        ("metric", "FBetaScore", {"beta": 2.0, "average": "macro", "threshold": 0.5},
         binary, probs, sw),
        ("metric", "R2Score", {}, reg_true, reg_pred, None),
        ("metric", "R2Score", {"class_aggregation": "variance_weighted_average"}, reg_true,
         reg_true + 0.3 * reg_pred, sw),
        ("metric", "R2Score", {"class_aggregation": None, "num_regressors": 2}, reg_true,
         reg_true + 0.5 * reg_pred, None),
    ] + _more_cases(rng, n, binary, onehot, sparse, reg_true, reg_pred, probs, sw)


def _ctc_labels(rng, n, length, classes):
    """Labels padded with 0 (the blank), 0 to ``length`` of them per sample."""
    labels = rng.integers(1, classes, size=(n, length))
    for row, count in enumerate(rng.integers(0, length + 1, size=n)):
        labels[row, count:] = 0
    return labels


def _more_cases(rng, n, binary, onehot, sparse, reg_true, reg_pred, probs, sw):
    """CTC, Dice, Tversky, generalized crossentropy and circle losses; the IoU and
    correlation metrics (drawn after the cases above, which keep their data)."""
    embeddings = rng.normal(size=(n, 5)).astype("float32")
    embeddings /= np.linalg.norm(embeddings, axis=-1, keepdims=True)
    groups = rng.integers(0, 3, size=n)
    int_sw = rng.integers(0, 3, size=n).astype("float32")
    sparse_pred = rng.integers(0, 4, size=n)
    sparse_pred[:2] = [-1, 5]  # out of range: left out of the confusion matrix
    impossible = _ctc_labels(rng, n, 4, 6)
    impossible[0] = [2, 2, 2, 2]  # needs 7 steps, has 5
    return [
        ("loss", "CTC", {}, _ctc_labels(rng, n, 4, 6),
         rng.normal(size=(n, 10, 6)).astype("float32") * 2, None),
        ("loss", "CTC", {}, _ctc_labels(rng, n, 3, 5),
         rng.normal(size=(n, 7, 5)).astype("float32"), sw),
        ("loss", "CTC", {"reduction": "none"}, impossible,
         rng.normal(size=(n, 5, 6)).astype("float32"), None),
        ("loss", "Dice", {}, binary, probs, None),
        ("loss", "Dice", {"axis": -1}, binary, probs, sw),
        ("loss", "Tversky", {"alpha": 0.7, "beta": 0.3}, binary, probs, None),
        ("loss", "Tversky", {"axis": 1}, binary, probs, sw),
        ("loss", "CategoricalGeneralizedCrossEntropy", {}, sparse, _probs(rng, n, 4), None),
        ("loss", "CategoricalGeneralizedCrossEntropy", {"q": 0.3}, sparse, _probs(rng, n, 4),
         sw),
        ("loss", "Circle", {}, groups, embeddings, None),
        ("loss", "Circle", {"gamma": 30.0, "margin": 0.25, "remove_diagonal": False}, groups,
         embeddings, sw),
        ("metric", "IoU", {"num_classes": 4, "target_class_ids": [0, 2]}, sparse,
         sparse_pred.astype("float32"), None),
        ("metric", "MeanIoU", {"num_classes": 4}, sparse, sparse_pred.astype("float32"),
         int_sw),
        ("metric", "MeanIoU", {"num_classes": 4, "ignore_class": 0, "sparse_y_pred": False},
         sparse, _probs(rng, n, 4), None),
        ("metric", "BinaryIoU", {}, binary, probs, None),
        ("metric", "BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, binary[:, 0],
         probs[:, 0], int_sw),
        ("metric", "OneHotIoU", {"num_classes": 4, "target_class_ids": [1, 3]}, onehot,
         _probs(rng, n, 4), None),
        ("metric", "OneHotMeanIoU", {"num_classes": 4}, onehot, _probs(rng, n, 4), int_sw),
        ("metric", "PearsonCorrelation", {}, reg_true, reg_pred, sw),
        ("metric", "PearsonCorrelation", {"axis": 0}, reg_true, reg_true + reg_pred, None),
        ("metric", "ConcordanceCorrelation", {}, reg_true, reg_true + 0.5 * reg_pred, None),
        ("metric", "ConcordanceCorrelation", {}, reg_true, reg_pred, sw),
    ]


def functions(keras, rng):
    out = []
    for kind, cls_name, kwargs, y_true, y_pred, sw in function_cases(rng):
        module = keras.losses if kind == "loss" else keras.metrics
        obj = getattr(module, cls_name)(**kwargs)
        if kind == "loss":
            value = obj(y_true, y_pred, sample_weight=sw)
        else:
            half = len(y_true) // 2
            for part in (slice(0, half), slice(half, None)):
                obj.update_state(y_true[part], y_pred[part],
                                 sample_weight=None if sw is None else sw[part])
            value = obj.result()
        out.append({"kind": kind, "class": cls_name, "kwargs": kwargs,
                    "y_true": np.asarray(y_true).tolist(), "y_pred": np.asarray(y_pred).tolist(),
                    "sample_weight": None if sw is None else np.asarray(sw).tolist(),
                    "value": np.asarray(value).tolist()})
    return out


def main():
    import keras

    os.makedirs(OUT, exist_ok=True)
    arrays, results = {}, {}
    for name, case in CASES.items():
        keras.utils.clear_session()  # unnamed metrics are named per session: auc, auc_1, ...
        keras.utils.set_random_seed(zlib.crc32(name.encode()))
        rng = np.random.default_rng(zlib.crc32(name.encode()))
        model, compile_args, data, kwargs = case(keras)
        model.compile(**compile_args)
        x, y, sw = data(rng)
        keys = list(y) if isinstance(y, dict) else None  # targets by output key
        ys = list(y.values()) if keys else y if isinstance(y, list) else [y]
        arrays[f"{name}_x"] = x
        for i, a in enumerate(ys):
            arrays[f"{name}_y{i}"] = a
        if sw is not None:
            arrays[f"{name}_sw"] = sw
        out = {"outputs": len(ys), "kwargs": kwargs, "y_keys": keys}
        for label, weights in (("plain", None), ("weighted", sw)):
            if label == "weighted" and sw is None:
                continue
            out[label] = {
                "dict": model.evaluate(x, y, sample_weight=weights, verbose=0,
                                       return_dict=True, **kwargs),
                "list": model.evaluate(x, y, sample_weight=weights, verbose=0, **kwargs)}
        path = os.path.join(OUT, f"{name}.keras")
        model.save(path)
        # What Keras reports for the model it loads back from the file (the same, except
        # where Keras does not save an argument: Huber's delta).
        keras.utils.clear_session()
        reloaded = keras.saving.load_model(path)
        out["loaded"] = reloaded.evaluate(x, y, verbose=0, return_dict=True, **kwargs)
        # and from the legacy .h5 file (Keras names a metric alias in full there)
        model.save(os.path.join(OUT, f"{name}.h5"))
        keras.utils.clear_session()
        try:
            reloaded = keras.saving.load_model(os.path.join(OUT, f"{name}.h5"))
            out["loaded_h5"] = reloaded.evaluate(x, y, verbose=0, return_dict=True, **kwargs)
        except Exception as exc:  # noqa: BLE001 - loss="crossentropy": Keras cannot
            print(name, ".h5: Keras cannot load it:", type(exc).__name__)
            os.remove(os.path.join(OUT, f"{name}.h5"))
        results[name] = out
        print(name, out["plain"]["dict"])
    for name, case in CASES.items():  # the same with Keras 2 (tf_keras), saved as .h5
        import tf_keras

        tf_keras.backend.clear_session()
        tf_keras.utils.set_random_seed(zlib.crc32(name.encode()))
        try:
            model, compile_args, _, kwargs = case(tf_keras)
        except AttributeError as exc:  # ctc_speech: Keras 2 has no CTC loss class
            print("keras2", name, "cannot be built in Keras 2:", exc)
            continue
        model.compile(**compile_args)
        x = arrays[f"{name}_x"]
        ys = [arrays[f"{name}_y{i}"] for i in range(results[name]["outputs"])]
        keys = results[name]["y_keys"]
        y = dict(zip(keys, ys)) if keys else ys if len(ys) > 1 else ys[0]
        try:
            got = model.evaluate(x, y, verbose=0, return_dict=True, **kwargs)
        except Exception as exc:  # noqa: BLE001 (tagging: Keras 2's accuracy fails there)
            print("keras2", name, "fails in Keras 2:", type(exc).__name__)
            continue
        model.save(os.path.join(OUT, f"{name}.keras2.h5"))
        results[name]["keras2"] = got
        results[name]["keras2_output_names"] = list(model.output_names)  # layer names
        print("keras2", name, got)
    results["functions"] = functions(keras, np.random.default_rng(7))
    np.savez_compressed(os.path.join(OUT, "data.npz"), **arrays)
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=lambda v: np.asarray(v).tolist())


if __name__ == "__main__":
    main()
