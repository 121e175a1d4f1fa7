"""Reading weights saved by Keras, with h5py alone (no TensorFlow).

``Model.load_weights(path)`` accepts the three files Keras writes:

- ``.weights.h5`` (Keras 3 ``model.save_weights``): variables at
  ``layers/<snake_case class name>[_N]/.../vars/<i>``, the layers named by class in
  ``model.layers`` order (``lstm``, ``lstm_1``, ...), an RNN's under ``cell``, a
  Bidirectional's under ``forward_layer`` then ``backward_layer``;
- ``.keras`` (Keras 3 ``model.save``): a zip holding that same ``model.weights.h5``;
- legacy ``.h5`` (``model.save("x.h5")`` or Keras 2 ``save_weights("x.h5")``): group
  ``model_weights`` (or the root) with attribute ``layer_names``, each layer's group listing
  its arrays in attribute ``weight_names``, matched to the model's layers in order.

The model must have the architecture the file was saved from; the arrays are checked against
every layer's expected shapes before any is set.
"""

from __future__ import annotations

import io
import os
import re
import zipfile

import numpy as np

__all__ = ["load_weights"]

# Children of a layer's group, in the order Keras's get_weights() lists their variables.
_CHILD_ORDER = {"cell": 0, "forward_layer": 1, "backward_layer": 2, "layer": 3}


def _h5py():
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "reading Keras weight files needs h5py: pip install h5py (or fusedrnn[h5])"
        ) from exc
    return h5py


def _snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _text(value) -> str:
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def _collect_vars(group) -> list[np.ndarray]:
    """The arrays under one layer's group, in Keras's get_weights() order."""
    arrays = []
    if "vars" in group:
        arrays += [np.asarray(group["vars"][k]) for k in sorted(group["vars"], key=int)]
    children = sorted((k for k in group if k != "vars"), key=lambda k: (_CHILD_ORDER.get(k, 9), k))
    for child in children:
        arrays += _collect_vars(group[child])
    return arrays


def _keras3_arrays(model, root) -> list[tuple[object, list[np.ndarray]]]:
    if "layers" not in root:
        raise ValueError("not a Keras weights file: it has no 'layers' group")
    stored = root["layers"]
    used: dict[str, int] = {}
    pairs = []
    for layer in model.layers:
        key = _snake_case(type(layer).__name__)
        n = used.get(key, 0)
        used[key] = n + 1
        if n:
            key = f"{key}_{n}"
        if layer in model._weight_layers() and layer._expected_weight_shapes():
            if key not in stored:
                raise ValueError(
                    f"the file has no weights for layer {layer.name!r} (looked for "
                    f"'layers/{key}'; it holds {sorted(stored)})"
                )
            pairs.append((layer, _collect_vars(stored[key])))
    return pairs


def _legacy_arrays(model, root) -> list[tuple[object, list[np.ndarray]]]:
    group = root["model_weights"] if "model_weights" in root else root
    names = [_text(n) for n in group.attrs["layer_names"]]
    stored = []
    for name in names:
        weight_names = [_text(w) for w in group[name].attrs.get("weight_names", [])]
        if weight_names:
            stored.append((name, [np.asarray(group[name][w]) for w in weight_names]))
    layers = [layer for layer in model._weight_layers() if layer._expected_weight_shapes()]
    if len(stored) != len(layers):
        raise ValueError(
            f"the file holds weights for {len(stored)} layers "
            f"({[n for n, _ in stored]}) but the model has {len(layers)} layers with weights "
            f"({[layer.name for layer in layers]})"
        )
    return [(layer, arrays) for layer, (_, arrays) in zip(layers, stored)]


def _check(pairs) -> None:
    for layer, arrays in pairs:
        want = [tuple(s) for s in layer._expected_weight_shapes()]
        got = [tuple(a.shape) for a in arrays]
        if got != want:
            raise ValueError(
                f"layer {layer.name!r} ({type(layer).__name__}) expects weights of shapes "
                f"{want}, the file holds {got}"
            )


def load_weights(model, filepath) -> None:
    """Set ``model``'s weights from a Keras ``.weights.h5``, ``.keras`` or legacy ``.h5``."""
    h5py = _h5py()
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"no such weights file: {filepath!r}")
    model._require_built()
    if zipfile.is_zipfile(filepath):
        with zipfile.ZipFile(filepath) as archive:
            if "model.weights.h5" not in archive.namelist():
                raise ValueError(f"{filepath!r} is a zip file without model.weights.h5")
            data = io.BytesIO(archive.read("model.weights.h5"))
        with h5py.File(data, "r") as root:
            pairs = _keras3_arrays(model, root)
    else:
        try:
            root = h5py.File(filepath, "r")
        except OSError as exc:
            raise ValueError(f"{filepath!r} is not an HDF5 weights file: {exc}") from exc
        with root:
            if "layer_names" in root.attrs or "model_weights" in root:
                pairs = _legacy_arrays(model, root)
            else:
                pairs = _keras3_arrays(model, root)
    _check(pairs)
    for layer, arrays in pairs:
        layer.set_weights(arrays)
