"""Check that real Keras 3 loads the compiled models fusedrnn saves, compiled, and evaluates
them as Keras evaluated the originals.

NOT run by CI and not collected by pytest. Two steps, in two environments::

    python tests/golden/check_keras_evaluates_saved.py write DIR              # fusedrnn
    /tmp/tfenv/bin/python tests/golden/check_keras_evaluates_saved.py check DIR   # Keras 3

``write`` builds each model of evaluate_cases.py with fusedrnn, gives it the weights of the
``.keras`` file Keras saved (tests/data/golden/evaluate), compiles it in code with the case's
fusedrnn losses, metrics and optimizer and saves ``DIR/<case>.keras`` and ``DIR/<case>.h5``
(the legacy HDF5 file, its training_config). ``check`` loads each
with ``keras.saving.load_model``, evaluates the case's data and compares every reported value
with what Keras reported for its own model (results.json, the Huber delta of the regression
case included, which Keras's own file loses). ``write`` also saves each Keras 2 file of the
cases (``<case>.keras2.h5``, compiled by its training_config) as ``<case>.keras2.keras``, with
what fusedrnn reports for that file (``<case>.keras2.json``: Keras 2's numbers but where
Keras 3 evaluates differently, each output's own loss and a TimeDistributed layer's activity
penalty; tests/test_evaluate.py checks the rest equal Keras 2's), which Keras 3 must load
compiled and report. It exits with 1 on any difference over 1e-5.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(__file__)
GOLDEN = os.path.join(HERE, "..", "data", "golden", "evaluate")
sys.path.insert(0, HERE)
from evaluate_cases import CASES  # noqa: E402

# Keras 3.15 cannot load the legacy .h5 of a model compiled with loss="crossentropy" (its
# own included: its legacy loader reads the name as a config)
KERAS_LIMITS = {"crossentropy_auto.h5": "cannot read loss='crossentropy' from a legacy .h5"}


_FULL = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
         "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error"}


def _in_full(key: str) -> str:
    """A metric's log key with its alias named in full (weighted_mae ->
    weighted_mean_absolute_error)."""
    for alias, name in _FULL.items():
        if key == alias or key.endswith(f"_{alias}"):
            return key[:len(key) - len(alias)] + name
    return key


def write(out: str) -> int:
    import fusedrnn
    from fusedrnn import utils
    from fusedrnn.models import load_model

    os.makedirs(out, exist_ok=True)
    results, data = _golden()
    for name, case in CASES.items():
        utils.clear_session()
        loaded = load_model(os.path.join(GOLDEN, f"{name}.keras"), compile=False)
        model, compile_args, _, _ = case(fusedrnn)
        model.set_weights(loaded.get_weights())
        model.compile(**compile_args)
        model.save(os.path.join(out, f"{name}.keras"))
        model.save(os.path.join(out, f"{name}.h5"))  # the legacy HDF5 file, compiled too
        keras2 = os.path.join(GOLDEN, f"{name}.keras2.h5")
        if os.path.exists(keras2):  # Keras 2's file (training_config), saved for Keras 3
            utils.clear_session()
            resaved = os.path.join(out, f"{name}.keras2.keras")
            load_model(keras2).save(resaved)
            utils.clear_session()
            with open(os.path.join(out, f"{name}.keras2.json"), "w") as f:
                json.dump(_evaluated(load_model(resaved), name, results, data), f)
        print("wrote", name)
    return 0


def _golden():
    """What Keras reported (results.json) and the cases' data (data.npz), read once."""
    with open(os.path.join(GOLDEN, "results.json")) as f:
        results = json.load(f)
    return results, np.load(os.path.join(GOLDEN, "data.npz"))


def _evaluated(model, name: str, results: dict, data) -> dict:
    """What ``model`` reports on the case's data (Keras's or fusedrnn's evaluate)."""
    want = results[name]
    ys = [data[f"{name}_y{i}"] for i in range(want["outputs"])]
    keys = want.get("y_keys")
    y = dict(zip(keys, ys)) if keys else ys if len(ys) > 1 else ys[0]
    got = model.evaluate(data[f"{name}_x"], y, verbose=0, return_dict=True, **want["kwargs"])
    return {k: np.asarray(v).tolist() for k, v in got.items()}


def check(out: str) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    results, data = _golden()
    failed = 0
    runs = [(name, f"{name}.{ext}", "plain") for name in CASES for ext in ("keras", "h5")]
    runs += [(name, f"{name}.keras2.keras", "keras2") for name in CASES
             if os.path.exists(os.path.join(out, f"{name}.keras2.keras"))]
    for name, file, label in runs:
        keras.utils.clear_session()
        try:
            model = keras.saving.load_model(os.path.join(out, file))
        except Exception as exc:  # noqa: BLE001 - reported, then counted
            if file in KERAS_LIMITS:
                print(file, "keras:", KERAS_LIMITS[file])
                continue
            failed += 1
            print(file, "FAILS to load:", f"{type(exc).__name__}: {exc}"[:200])
            continue
        got = _evaluated(model, name, results, data)
        if label == "keras2":
            with open(os.path.join(out, f"{name}.keras2.json")) as f:
                expected = json.load(f)
        else:
            expected = results[name][label]["dict"]
        bad = sorted(k for k in set(got) | set(expected)
                     if k not in got or k not in expected
                     or not np.allclose(got[k], expected[k], rtol=1e-5, atol=1e-6))
        if file.endswith(".h5"):  # Keras reading a legacy .h5 names "mse" in full
            expected = {_in_full(k): v for k, v in expected.items()}
            bad = sorted(k for k in set(got) | set(expected)
                         if k not in got or k not in expected
                         or not np.allclose(got[k], expected[k], rtol=1e-5, atol=1e-6))
        failed += bool(bad)
        print(file, "ok" if not bad else f"DIFFERS in {bad}")
    print(f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        sys.exit(__doc__)
    sys.exit(write(sys.argv[2]) if sys.argv[1] == "write" else check(sys.argv[2]))
