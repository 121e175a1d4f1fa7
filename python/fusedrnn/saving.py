"""Reading weights saved by Keras, with h5py alone (no TensorFlow).

``fusedrnn.models.load_model(path)`` rebuilds a model saved by Keras (``.keras``, or a legacy
``.h5`` holding ``model_config``) from its config, with fusedrnn's layers, and loads its weights.
``Model.load_weights(path)`` loads weights into a model built in code; it accepts the three
files Keras writes:

- ``.weights.h5`` (Keras 3 ``model.save_weights``): variables at
  ``layers/<snake_case class name>[_N]/.../vars/<i>``, the layers named by class in
  ``model.layers`` order (``lstm``, ``lstm_1``, ...), an RNN's under ``cell``, a
  Bidirectional's under ``forward_layer`` then ``backward_layer``, a nested model's layers
  under ``layers/<sequential|functional>[_N]/layers/...``;
- ``.keras`` (Keras 3 ``model.save``): a zip holding that same ``model.weights.h5``;
- legacy ``.h5`` (``model.save("x.h5")`` or Keras 2 ``save_weights("x.h5")``): group
  ``model_weights`` (or the root) with attribute ``layer_names``, each layer's group listing
  its arrays in attribute ``weight_names``, matched to the model's layers in order (a nested
  model's arrays all in its group: its trainable weights, then the others).

The model must have the architecture the file was saved from; the arrays are checked against
every layer's expected shapes before any is set.

Writing the same formats (``model.save``, ``model.save_weights``, ``model.to_json``) is
:mod:`fusedrnn._save`.
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import io
import json
import os
import warnings
import zipfile

import numpy as np

__all__ = ["CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object", "load_model",
           "load_weights", "register_keras_serializable", "save_model", "save_weights",
           "serialize_keras_object"]

# Children of a layer's group, in the order Keras's get_weights() lists their variables
# (then MultiHeadAttention's projections: Keras 2's .keras files name them with a "_").
_CHILD_ORDER = {"cell": 0, "forward_layer": 1, "backward_layer": 2, "layer": 3,
                **{name: 4 + i for i, part in enumerate(("query", "key", "gate", "value",
                                                          "output"))
                   for name in (f"{part}_dense", f"_{part}_dense")}}


def _h5py():
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "reading Keras weight files needs h5py: pip install h5py (or fusedrnn[h5])"
        ) from exc
    return h5py


def _text(value) -> str:
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def _own_vars(group) -> list[np.ndarray]:
    """The arrays of one object's own ``vars`` group (0, 1, 2, ...), in order."""
    if "vars" not in group:
        return []
    names = list(group["vars"])
    if not all(k.isdigit() for k in names):
        raise ValueError(f"the file's group {group.name!r} holds variables named {names}; "
                         f"Keras names a layer's variables 0, 1, 2, ...")
    return [np.asarray(group["vars"][k]) for k in sorted(names, key=int)]


def _collect_vars(group) -> list[np.ndarray]:
    """The arrays under one layer's group, in Keras's get_weights() order."""
    arrays = _own_vars(group)
    children = sorted((k for k in group if k != "vars"), key=lambda k: (_CHILD_ORDER.get(k, 9), k))
    for child in children:
        arrays += _collect_vars(group[child])
    return arrays


def _layers_with_weights(model) -> list:
    return [layer for layer in model._weight_layers() if layer._expected_weight_shapes()]


def _keras3_arrays(model, root, path: str = "") -> list[tuple[object, list[np.ndarray]]]:
    """(layer, its arrays) for each layer with weights of ``model``, from the group ``root``
    (the file's root, or a nested model's group at ``path``)."""
    if "layers" not in root:
        if not path:
            raise ValueError(f"the file has no 'layers' group for the layers of model "
                             f"{model.name!r}: it holds {sorted(root)} (the weights of a model "
                             f"written by subclassing, whose groups are its attributes?), or "
                             f"it is not a Keras weights file")
        raise ValueError(f"the file has no '{path}/layers' for the layers of model "
                         f"{model.name!r} (it holds {sorted(root)})")
    stored = root["layers"]
    where = f"{path}/layers" if path else "layers"
    weighted = {id(layer) for layer in _layers_with_weights(model)}
    pairs = []
    for layer, key in zip(model.layers, _class_keys(model.layers)):
        if id(layer) in weighted:
            if key not in stored:
                raise ValueError(
                    f"the file has no weights for layer {layer.name!r} (looked for "
                    f"'{where}/{key}'; it holds {sorted(stored)})"
                )
            pairs.append((layer, _any_layer_vars(layer, stored[key], f"{where}/{key}")))
    return pairs


def _keras3_pairs(model, root) -> list[tuple[object, list[np.ndarray]]]:
    """(layer, its arrays) from a Keras 3 weights file: per layer of a model built from
    layers, or the whole of a subclassed model (its groups named by its attributes)."""
    if model._user_call:
        return [(model, _user_vars(model, root, ""))]
    return _keras3_arrays(model, root)


def _user_vars(layer, group, path: str, plan=None) -> list[np.ndarray]:
    """The arrays of a layer or model written by subclassing, in its get_weights() order:
    its own (``vars/0``, ``vars/1``, ...), then its sublayers', each from the group Keras 3
    keeps it in (layers/_custom.file_plan)."""
    from .layers import _custom

    plan = _custom.file_plan(layer) if plan is None else plan
    arrays = [np.asarray(group["vars"][k]) for k in sorted(group["vars"], key=int)] \
        if "vars" in group else []
    for sub in _custom.sublayers(layer):
        if id(sub) not in plan:
            continue  # kept at an earlier path (a layer shared with another attribute)
        _, where, inner = plan[id(sub)]
        full = f"{path}/{where}" if path else where
        if where not in group:
            raise ValueError(f"the file has no '{full}' for layer {sub.name!r} of "
                             f"{layer.name!r} (it holds {sorted(group)})")
        if inner is not None:
            arrays += _user_vars(sub, group[where], full, inner)
        else:
            arrays += _layer_vars(sub, group[where], full)
    return arrays


def _any_layer_vars(layer, group, path: str) -> list[np.ndarray]:
    if layer._user_call:
        return _user_vars(layer, group, path)
    return _layer_vars(layer, group, path)


def _layer_vars(layer, group, path: str) -> list[np.ndarray]:
    """One layer's arrays in Keras's get_weights() order. A stack of RNN cells is stored as
    ``cell/cells/<class name>[_N]``, and a nested model's layers as ``layers/<class name>[_N]``,
    which only the list of cells or layers puts in order."""
    from .layers import Bidirectional, Pipeline, SpectralNormalization, TimeDistributed
    from .layers._cells import RNN
    from .models import Model

    def child(g, p, key):
        if key not in g:
            raise ValueError(f"the file has no '{p}/{key}' for layer {layer.name!r} "
                             f"(it holds {sorted(g)})")
        return g[key], f"{p}/{key}"

    if isinstance(layer, (Model, Pipeline)):  # a Pipeline's layers are kept as a model's
        return [a for _, arrays in _keras3_arrays(layer, group, path) for a in arrays]
    if isinstance(layer, TimeDistributed):
        return _any_layer_vars(layer.layer, *child(group, path, "layer"))
    if isinstance(layer, SpectralNormalization):
        # its own vars are the kernel (the wrapped layer's, kept twice) and vector_u
        inner = _any_layer_vars(layer.layer, *child(group, path, "layer"))
        own = _own_vars(group)
        if len(own) != 2:
            raise ValueError(f"the file holds {len(own)} arrays for layer {layer.name!r} "
                             f"itself at '{path}/vars'; SpectralNormalization has 2 (its "
                             f"layer's kernel and vector_u)")
        return layer._order(inner, own[1:])
    if isinstance(layer, Bidirectional):
        return [a for key, sub in (("forward_layer", layer.forward_layer),
                                   ("backward_layer", layer.backward_layer))
                for a in _layer_vars(sub, *child(group, path, key))]
    if isinstance(layer, RNN) and layer._stacked:
        cells, where = child(*child(group, path, "cell"), "cells")
        return [a for key in _class_keys(layer._cells)
                for a in _collect_vars(child(cells, where, key)[0])]
    return _collect_vars(group)


def _class_keys(objects) -> list[str]:
    """Keras 3's names for a list of layers or cells in its files: the snake_case class name,
    then ``_1``, ``_2``, ... for later objects of the same class."""
    from .layers._base import keras_class_name, snake_case
    from .models import Model

    used: dict[str, int] = {}
    keys = []
    for obj in objects:
        # Keras's class of a model built as Model(inputs, outputs) is Functional.
        key = "functional" if type(obj) is Model else snake_case(
            keras_class_name(_keras3_class(obj)))
        n = used.get(key, 0)
        used[key] = n + 1
        keys.append(f"{key}_{n}" if n else key)
    return keys


def _keras3_class(obj) -> type:
    """The class Keras 3 knows an object as: Keras 2's CuDNNLSTM and CuDNNGRU, which Keras 3
    does not have, are saved as the LSTM and the GRU they compute."""
    from .layers._cudnn import is_cudnn

    return obj._plain if is_cudnn(obj) else type(obj)


def _legacy_arrays(model, root) -> list[tuple[object, list[np.ndarray]]]:
    group = root["model_weights"] if "model_weights" in root else root
    names = [_text(n) for n in group.attrs["layer_names"]]
    stored = []
    for name in names:
        weight_names = [_text(w) for w in group[name].attrs.get("weight_names", [])]
        if weight_names:
            stored.append((name, [np.asarray(group[name][w]) for w in weight_names]))
    layers = _layers_with_weights(model)
    if len(stored) != len(layers):
        raise ValueError(
            f"the file holds weights for {len(stored)} layers "
            f"({[n for n, _ in stored]}) but the model has {len(layers)} layers with weights "
            f"({[layer.name for layer in layers]})"
        )
    return [(layer, _from_legacy_order(layer, arrays))
            for layer, (_, arrays) in zip(layers, stored)]


def _from_legacy_order(layer, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """A layer's arrays as the legacy format lists them (Keras writes a layer's trainable
    weights, then its non-trainable ones: a nested model's BatchNormalization statistics come
    after all of its layers' trainable weights) put in get_weights() order."""
    weights = layer.weights
    position = {(id(w._layer), w._key): i for i, w in enumerate(weights)}
    listed = layer.trainable_weights + layer.non_trainable_weights
    order = [position.get((id(w._layer), w._key)) for w in listed]
    if len(arrays) != len(weights) or sorted(o for o in order if o is not None) != list(
            range(len(weights))):
        return arrays  # a count that does not fit is reported by _check
    placed = [None] * len(arrays)
    for array, i in zip(arrays, order):
        placed[i] = array
    return placed


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
    try:
        pairs = _read_weights(model, filepath, h5py)
        pairs = [(layer, _cudnn_converted(layer, arrays)) for layer, arrays in pairs]
    except (zipfile.BadZipFile, OSError, KeyError, IndexError, TypeError) as exc:
        # a damaged file: a zip member that fails its CRC, HDF5 groups, datasets or
        # attributes missing or unreadable, arrays of impossible ranks
        raise ValueError(f"cannot read the weights of {filepath!r} (a damaged or foreign "
                         f"file?): {type(exc).__name__}: {exc}") from exc
    _check(pairs)
    for layer, arrays in pairs:
        layer.set_weights(arrays)


def _read_weights(model, filepath: str, h5py) -> list[tuple[object, list[np.ndarray]]]:
    """(layer, its arrays) from a weights file of any of Keras's formats."""
    if zipfile.is_zipfile(filepath):
        with zipfile.ZipFile(filepath) as archive:
            if "model.weights.h5" not in archive.namelist():
                raise ValueError(f"{filepath!r} is a zip file without model.weights.h5")
            data = io.BytesIO(archive.read("model.weights.h5"))
        with h5py.File(data, "r") as root:
            return _keras3_pairs(model, root)
    try:
        root = h5py.File(filepath, "r")
    except OSError as exc:
        raise ValueError(f"{filepath!r} is not an HDF5 weights file: {exc}") from exc
    with root:
        if "layer_names" in root.attrs or "model_weights" in root:
            return _legacy_arrays(model, root)
        return _keras3_pairs(model, root)


def _cudnn_converted(layer, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """As Keras 2 loads files: CuDNNLSTM weights into an LSTM and CuDNNGRU weights into a
    GRU(reset_after=True), converted (and the other way), in nested models too."""
    from .layers._cudnn import convert_weights
    from .models import Model

    if not isinstance(layer, Model) or layer._user_call:
        return convert_weights(layer, arrays)
    converted, start = [], 0
    for sub in layer._weight_layers():
        n = len(sub._expected_weight_shapes())
        converted += _cudnn_converted(sub, arrays[start:start + n])
        start += n
    return converted + arrays[start:]


# --------------------------------------------------------------------------- load_model

# Config keys that only matter for training or for building fresh weights: the weights are
# loaded right after. Anything else fusedrnn does not take is an error, not silently dropped.
_TRAINING_ONLY_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
_TRAINING_ONLY = {"activity_regularizer", "seed", "noise_shape"}
# Keras 3 features fusedrnn does not have; their configs carry them as None when unused.
_ABSENT_FEATURES = ("quantization_config", "lora_rank", "lora_alpha")


def _keeps_training_arg(cls, key: str) -> bool:
    """Whether layers of ``cls`` keep the saved training-only argument ``key`` (a
    regularizer or constraint its constructor takes, or the activity regularizer every layer
    takes), so a model saved again holds it as Keras's did."""
    if not key.endswith(("_regularizer", "_constraint")):
        return False
    parameters = inspect.signature(cls.__init__).parameters
    if key in parameters:
        return True
    return key == "activity_regularizer" and any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def _layer_classes():
    from . import layers

    names = ("SimpleRNN", "GRU", "LSTM", "RNN", "SimpleRNNCell", "GRUCell", "LSTMCell",
             "StackedRNNCells", "Bidirectional", "Dense", "Embedding", "Masking",
             "Dropout", "SpatialDropout1D", "TimeDistributed", "Activation", "RepeatVector",
             "Flatten", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "Concatenate", "Add",
             "Subtract", "Average", "Multiply", "Maximum", "Minimum", "Dot", "Conv1D",
             "MaxPooling1D", "AveragePooling1D", "BatchNormalization", "LayerNormalization",
             "Reshape", "Permute", "Attention", "AdditiveAttention", "ReLU", "LeakyReLU",
             "ELU", "PReLU", "Softmax", "GaussianNoise", "GaussianDropout", "AlphaDropout",
             "ActivityRegularization", "UpSampling1D", "ZeroPadding1D", "Cropping1D",
             "MultiHeadAttention", "Normalization", "Rescaling", "Identity",
             "TextVectorization", "StringLookup", "IntegerLookup", "Conv2D", "MaxPooling2D",
             "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "CuDNNLSTM",
             "CuDNNGRU", "Hashing", "CategoryEncoding", "Discretization", "ConvLSTM1D",
             "ConvLSTM2D", "ConvLSTM3D", "Conv3D", "MaxPooling3D", "AveragePooling3D",
             "GlobalAveragePooling3D", "GlobalMaxPooling3D", "GroupQueryAttention",
             "GroupedQueryAttention", "ZeroPadding2D", "ZeroPadding3D", "Cropping2D",
             "Cropping3D", "UpSampling2D", "UpSampling3D", "SpatialDropout2D",
             "SpatialDropout3D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
             "SeparableConv2D", "UnitNormalization", "GroupNormalization", "RMSNormalization",
             "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "MelSpectrogram",
             "STFTSpectrogram", "ReversibleEmbedding", "EinsumDense", "SpectralNormalization",
             "HashedCrossing", "Pipeline",
             *layers._adaptive.__all__,
             *layers._augment.__all__,
             *(n for n in layers._image.__all__ if n[0].isupper()))
    return {name: getattr(layers, name) for name in names}


_MODEL_CLASSES = ("Sequential", "Functional", "Model")


# The classes written by subclassing that load_model / model_from_json were given
# (custom_objects), by class name or Keras's registered name ("package>Name").
_CUSTOM_OBJECTS: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "custom_objects", default=None)


@contextlib.contextmanager
def _custom_objects(objects):
    if objects is not None and not isinstance(objects, dict):
        raise TypeError(f"custom_objects must be a dict of name -> class; got "
                        f"{type(objects).__name__}")
    token = _CUSTOM_OBJECTS.set(dict(objects or {}))
    try:
        yield
    finally:
        _CUSTOM_OBJECTS.reset(token)


# Keras's registry of custom classes: "package>Name" -> class, and back.
_REGISTERED: dict[str, object] = {}
_REGISTERED_NAMES: dict[object, str] = {}
_SCOPE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("custom_object_scope",
                                                                       default=None)


def register_keras_serializable(package="Custom", name=None):
    """Decorator: register a class (or function) under ``"package>name"`` (name: its own by
    default), as Keras does, so ``load_model`` finds it without ``custom_objects`` and
    ``model.save`` writes that name."""
    def decorator(arg):
        registered = f"{package}>{arg.__name__ if name is None else name}"
        if isinstance(arg, type) and not hasattr(arg, "get_config"):
            raise ValueError(f"cannot register {arg.__name__}: it has no get_config()")
        _REGISTERED[registered] = arg
        _REGISTERED_NAMES[arg] = registered
        return arg
    return decorator


def get_custom_objects() -> dict:
    """The registry (a live dict: entries added to it are found by ``load_model``)."""
    return _REGISTERED


def get_registered_name(obj) -> str:
    """The name ``obj`` was registered under, else its own name."""
    return _REGISTERED_NAMES.get(obj, getattr(obj, "__name__", None))


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class registered (or in scope, or in the given dicts) under ``name``, or None."""
    for objects in (_SCOPE.get() or {}, _REGISTERED, custom_objects or {}, module_objects or {}):
        if name in objects:
            return objects[name]
    return None


class CustomObjectScope:
    """``with custom_object_scope({"MyLayer": MyLayer}): load_model(...)``: the classes are
    found while the block runs."""

    def __init__(self, custom_objects):
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise TypeError(f"custom_object_scope takes a dict of name -> class, got "
                            f"{type(custom_objects).__name__}")
        self.custom_objects = dict(custom_objects or {})
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_SCOPE.set({**(_SCOPE.get() or {}), **self.custom_objects}))
        return self

    def __exit__(self, *exc_info):
        _SCOPE.reset(self._tokens.pop())


custom_object_scope = CustomObjectScope


def _custom_class(obj):
    """The class of a saved entry from custom_objects, the custom object scope or the
    registry (the registry first, as Keras merges them), or None."""
    objects = {**(_CUSTOM_OBJECTS.get() or {}), **(_SCOPE.get() or {}), **_REGISTERED}
    registered = str(obj.get("registered_name") or "")
    for key in (registered, registered.split(">")[-1], obj.get("class_name")):
        if key and key in objects:
            return objects[key]
    return None


def _from_custom(cls, obj):
    """A saved layer or model of a class written by subclassing, from its config; a model
    is built for its saved input shape (Keras's build_config)."""
    from .models import Model

    config = dict(obj.get("config", {}))
    try:
        made = cls.from_config(config)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot rebuild the saved {obj.get('class_name')} with "
                         f"{cls.__name__}.from_config: {exc}") from exc
    shape = (obj.get("build_config") or {}).get("input_shape")
    if isinstance(made, Model) and made._user_call and shape is not None:
        made(np.zeros(tuple(1 if d is None else int(d) for d in shape), np.float32))
    return made


def _layer_from_config(obj):
    custom = _custom_class(obj)
    if custom is not None:
        return _from_custom(custom, obj)
    classes = _layer_classes()
    name = obj.get("class_name")
    if name in _MODEL_CLASSES:  # a nested model
        return _model_from_config(obj)
    if name == "Lambda":
        raise ValueError(
            f"the saved model has a Lambda layer ({obj.get('config', {}).get('name')!r}), "
            f"whose function Keras saves as Python bytecode, which fusedrnn does not load: "
            f"build the model in code with fusedrnn.layers.Lambda (its function written with "
            f"fusedrnn.ops or array operators) and load the weights with model.load_weights"
        )
    if name not in classes:
        raise ValueError(
            f"the saved model uses a {name!r} layer, which fusedrnn does not have "
            f"(it has {', '.join(sorted(classes))}, Input, Sequential and Functional); a "
            f"layer written by subclassing is given as custom_objects={{{name!r}: class}}"
        )
    config = {
        k: v for k, v in obj.get("config", {}).items()
        if (not k.endswith(_TRAINING_ONLY_SUFFIXES) and k not in _TRAINING_ONLY)
        or (v is not None and _keeps_training_arg(classes[name], k))
    }
    for key in _ABSENT_FEATURES:  # None: the feature is off, and fusedrnn does without it
        if key in config:
            if config[key] is not None:
                raise ValueError(f"the saved {name} layer uses {key}={config[key]!r}, which "
                                 f"fusedrnn does not support")
            del config[key]
    for key in ("layer", "backward_layer", "cell"):  # wrapped layers, an RNN's cell
        if isinstance(config.get(key), dict):
            config[key] = _layer_from_config(config[key])
    for key in ("cell", "cells"):  # a list of cells (RNN, StackedRNNCells)
        if isinstance(config.get(key), list):
            config[key] = [_layer_from_config(c) for c in config[key]]
    if name == "Pipeline" and isinstance(config.get("layers"), list):
        config["layers"] = [_layer_from_config(c) for c in config["layers"]]
    for key in ("activation", "recurrent_activation"):
        if key in config:
            config[key] = _activation_from_config(config[key])
    if name == "TextVectorization":
        for key in ("standardize", "split"):
            if key in config:
                config[key] = _text_function(config[key], key, config.get("name"))
    try:
        return classes[name](**config)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot rebuild the saved {name} layer: {exc}") from exc


def _text_function(value, key: str, layer):
    """A TextVectorization's saved standardize or split: a mode, or the Python function that
    custom_objects gives for the function Keras saved by name (Keras 3 as {"class_name":
    "function", "config": name}, Keras 2 as the bare name)."""
    from .layers._text import _SPLIT, _STANDARDIZE

    if isinstance(value, dict) and value.get("class_name") == "function":
        name = str(value.get("config"))
    elif isinstance(value, str) and value not in (_STANDARDIZE if key == "standardize"
                                                  else _SPLIT):
        name = value
    else:
        return value
    objects = _CUSTOM_OBJECTS.get() or {}
    short = name.split(">")[-1]
    for candidate in (name, short):
        if candidate in objects:
            if not callable(objects[candidate]):
                raise ValueError(f"custom_objects[{candidate!r}] must be a function (the "
                                 f"{key} of TextVectorization layer {layer!r}); got "
                                 f"{objects[candidate]!r}")
            return objects[candidate]
    raise ValueError(
        f"the saved TextVectorization layer {layer!r} uses a custom {key} function {name!r}, "
        f"which Keras saves by name only: give a Python version of it as "
        f"custom_objects={{{short!r}: function}} (it takes a 1-D NumPy array of str and "
        f"returns " + ("the standardized strings)" if key == "standardize" else
                       "each string's list of tokens)"))


def _input_from_config(obj):
    from .layers import Input

    config = obj.get("config", {})
    shape = config.get("batch_shape", config.get("batch_input_shape"))
    if shape is None:
        raise ValueError("the saved InputLayer has no batch_shape")
    return Input(shape=tuple(shape[1:]), batch_size=shape[0], name=config.get("name"),
                 dtype=config.get("dtype"))


def _history(ref):
    """(layer name, node index, tensor index) of a saved Keras 3 tensor reference."""
    return tuple(ref["config"]["keras_history"])


def _is_tensor_ref(value) -> bool:
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _is_operation(obj) -> bool:
    """Whether a saved graph entry is a Keras 3 operation (keras.ops.*), not a layer. The
    legacy .h5 format drops the module; there an operation's config lacks the "trainable"
    that every layer's has (Concatenate names both an operation and a layer)."""
    from .layers._ops import OPERATION_NAMES

    module = obj.get("module")
    if module is not None:
        return str(module).startswith(("keras.src.ops.", "keras.ops."))
    return "trainable" not in obj.get("config", {}) and obj.get("class_name") in OPERATION_NAMES


# The constants Keras 3 saves in an operation's arguments (keras.saving.serialization_lib):
# an index's slices and ellipsis (h[:, -1], h[..., 0]) and arrays (h @ w).
def _saved_array(config, resolve):
    return np.array(config["value"], dtype=config["dtype"])


_SAVED_CONSTANTS = {
    "__slice__": lambda c, resolve: slice(resolve(c.get("start")), resolve(c.get("stop")),
                                          resolve(c.get("step"))),
    "__ellipsis__": lambda c, resolve: Ellipsis,
    "__numpy__": _saved_array,
    "__tensor__": _saved_array,
}


def _node_refs(node) -> list[tuple]:
    """The (layer name, node index, tensor index) of every tensor a saved call reads."""
    if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        found = []

        def walk(value):
            if _is_tensor_ref(value):
                found.append(_history(value))
            elif isinstance(value, (list, tuple)):
                for v in value:
                    walk(v)
            elif isinstance(value, dict):
                for v in value.values():
                    walk(v)

        walk([node.get("args", []), node.get("kwargs", {})])
        return found
    # Keras 2: [[name, node, tensor, kwargs], ...]; a TFOpLambda's first operand may be a
    # constant, and its other operands are among the kwargs.
    found = [tuple(ref[:3]) for ref in node if ref[0] != _KERAS2_CONSTANT]
    for ref in node:
        if len(ref) > 3:
            found += [tuple(r[:3]) for r in _keras2_refs(ref[3])]
    return found


class _Keras2DictCall(list):
    """A Keras 2 call on a dict of tensors ({input name: reference}; a model with dict
    inputs), as the list of its references, with their keys."""

    def __init__(self, node: dict):
        super().__init__(node.values())
        self.keys = list(node)


def _keras2_node(node):
    """A saved call as a list of its inputs: Keras 2 saves a TFOpLambda's call on one tensor
    as that tensor's reference alone, and a call on a dict as {key: reference}."""
    if isinstance(node, list) and node and isinstance(node[0], str):
        return [node]
    if isinstance(node, dict) and "args" not in node and node and all(
            _is_keras2_ref(v) for v in node.values()):
        return _Keras2DictCall(node)
    return node


_KERAS2_CONSTANT = "_CONSTANT_VALUE"  # a TFOpLambda's constant first operand
_KERAS2_OPERATIONS = ("TFOpLambda", "SlicingOpLambda")


def _is_keras2_ref(value) -> bool:
    """Whether a value in a saved Keras 2 call's arguments is a tensor: [name, node, tensor]
    (as tf_keras tells them apart)."""
    return (isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int)
            and (len(value) == 3 or isinstance(value[3], dict)))


def _keras2_refs(value) -> list:
    if _is_keras2_ref(value):
        return [value]
    if isinstance(value, list):
        return [r for v in value for r in _keras2_refs(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _keras2_refs(v)]
    return []


def _functional_from_config(config):
    from .layers import Bidirectional, MultiHeadAttention
    from .layers._base import flat_values, flatten
    from .layers._merge import _Merge
    from .layers._ops import KerasOperation, from_keras2
    from .layers._rnn import RNNLayer
    from .models import Model

    tensors = {}  # (layer name, node index, tensor index) -> KerasTensor

    def resolve(value):
        if _is_tensor_ref(value):
            return tensors[_history(value)]
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict) and value.get("class_name") in _SAVED_CONSTANTS:
            return _SAVED_CONSTANTS[value["class_name"]](value.get("config") or {}, resolve)
        if isinstance(value, dict) and "class_name" not in value:  # e.g. a model's dict input
            return {k: resolve(v) for k, v in value.items()}
        return value

    def keras2_value(v):
        """A Keras 2 call argument, its tensor references [name, node, tensor] resolved."""
        if _is_keras2_ref(v):
            return tensors[tuple(v[:3])]
        if isinstance(v, list):
            return [keras2_value(x) for x in v]
        return v

    made: dict[str, KerasOperation] = {}  # TFOpLambda name -> its operation

    def keras2_operation(name, obj, refs, call_kwargs):
        kwargs = {k: keras2_value(v) for k, v in call_kwargs.items()}
        first = refs[0] if len(refs) == 1 else refs
        function = obj.get("config", {}).get("function")
        operation, operands, params = from_keras2(str(function), first, kwargs)
        op = made.get(name)
        if op is None or op.class_name != operation or op._op_params != params:
            if op is not None:
                raise ValueError(f"the saved TFOpLambda layer {name!r} is called with "
                                 f"different arguments; fusedrnn runs one set per layer")
            op = KerasOperation(operation, {"name": name, **params},
                                type_name=obj.get("class_name"))
            made[name] = op
        return op, operands

    def call(name, layer, index, node):
        if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
            args = [resolve(a) for a in node.get("args", [])]
            kwargs = {k: resolve(v) for k, v in node.get("kwargs", {}).items()
                      if k != "training" and v is not None}
        else:  # Keras 2: [[layer name, node index, tensor index, call kwargs], ...]
            refs = [ref[2] if ref[0] == _KERAS2_CONSTANT else tensors[tuple(ref[:3])]
                    for ref in node]
            call_kwargs = node[0][3] if len(node[0]) > 3 else {}
            if isinstance(layer, dict):  # a TFOpLambda: its operation, made for this call
                layer, args = keras2_operation(name, layer, refs, call_kwargs)
                kwargs = {}
            else:  # (MultiHeadAttention's value, key and attention_mask are among them)
                kwargs = {k: keras2_value(v) for k, v in call_kwargs.items()
                          if k != "training" and v is not None}
                if isinstance(node, _Keras2DictCall):
                    args = [dict(zip(node.keys, refs))]
                elif len(refs) > 1 and isinstance(layer, (RNNLayer, Bidirectional)):
                    # Keras 2 stores an RNN's initial_state as inputs after the sequence.
                    args = [refs[0]]
                    kwargs["initial_state"] = refs[1:]
                else:
                    args = [refs[0] if len(refs) == 1 else refs]
        outputs = layer(*args, **kwargs)
        if not isinstance(node, dict):  # Keras 2's mask rules
            layer._inbound_nodes[-1].implicit_mask = True  # every call got its input's mask
            if isinstance(layer, (_Merge, MultiHeadAttention)):
                layer._keras2_masks = True
            index += _keras2_first_node(obj_of[name])
        if isinstance(outputs, dict):  # a nested model's dict outputs, in Keras's flat order
            outputs = flat_values(outputs)
        for i, t in enumerate(flatten(outputs)):  # saved indices count nested outputs flat
            tensors[(name, index, i)] = t

    # Every call of every layer, made once the tensors it reads exist: a shared layer's later
    # calls may read layers saved after it. A layer's calls keep their order.
    pending = []
    obj_of = {}
    for obj in config["layers"]:
        name = obj.get("name", obj.get("config", {}).get("name"))
        obj_of[name] = obj
        if obj.get("class_name") == "InputLayer":
            tensors[(name, 0, 0)] = _input_from_config(obj)
            continue
        if _is_operation(obj):
            layer = KerasOperation(obj.get("class_name"), obj.get("config", {}))
        elif obj.get("class_name") in _KERAS2_OPERATIONS:
            layer = obj  # made into an operation by its call (the call holds its arguments)
        else:
            layer = _layer_from_config(obj)
        pending += [(name, layer, k, _keras2_node(node))
                    for k, node in enumerate(obj.get("inbound_nodes", []))]
    while pending:
        waiting, blocked = [], set()
        for name, layer, k, node in pending:
            if name in blocked or any(ref not in tensors for ref in _node_refs(node)):
                waiting.append((name, layer, k, node))
                blocked.add(name)
            else:
                call(name, layer, k, node)
        if len(waiting) == len(pending):
            missing = sorted({ref for _, _, _, node in waiting for ref in _node_refs(node)
                              if ref not in tensors})
            raise ValueError(f"the saved model's layers {sorted(blocked)} read tensors that no "
                             f"saved layer makes: {missing}")
        pending = waiting

    def endpoints(refs):
        """The saved tensors: one (a flat reference), a list, or a dict of them. Keras 3
        counts a nested functional model's node here from its own first node (the one
        linking its inputs to its outputs), as Keras 2 does everywhere, and does not count
        it in inbound_nodes."""
        if isinstance(refs, dict):
            return {key: endpoints(ref) for key, ref in refs.items()}
        if refs and not isinstance(refs[0], list):
            name, index = refs[0], refs[1]
            obj = obj_of.get(name, {})
            if obj.get("class_name") == "Functional" and all(
                    isinstance(n, dict) for n in obj.get("inbound_nodes", [])):
                index -= 1
            return tensors[(name, index, refs[2])]
        return [endpoints(r) for r in refs]

    outputs = config["output_layers"]
    keras2 = any(not isinstance(node, dict) for obj in config["layers"]
                 for node in obj.get("inbound_nodes", []))
    if keras2 and isinstance(outputs, list) and len(outputs) == 1 and \
            isinstance(outputs[0], list):
        outputs = outputs[0]  # Keras 2 lists even one output: it is the model's only one
    return Model(endpoints(config["input_layers"]), endpoints(outputs),
                 name=config.get("name"))


def _model_config(obj) -> dict:
    """A saved model's config; Keras 2.0-2.2.2 saved a Sequential's as the bare list of its
    layers (the first carrying batch_input_shape), which Keras 2 still reads."""
    config = obj.get("config", {})
    if obj.get("class_name") == "Sequential" and isinstance(config, list):
        return {"layers": config}
    if not isinstance(config, dict):
        raise ValueError(f"the saved {obj.get('class_name')} has a config that is a JSON "
                         f"{type(config).__name__}, not an object")
    return config


def _keras2_first_node(obj) -> int:
    """The index Keras 2 gives a layer's first call in a saved graph: 1 for a nested model
    built on inputs (its own node, linking its inputs to its outputs, is node 0), else 0."""
    kind, config = obj.get("class_name"), _model_config(obj)
    if kind in ("Functional", "Model"):
        return 1
    if kind == "Sequential":
        saved = config.get("layers", [])
        return int(bool(saved) and saved[0].get("class_name") == "InputLayer")
    return 0


def _model_from_config(obj):
    from .models import Sequential

    kind = obj.get("class_name")
    custom = _custom_class(obj)
    if custom is not None:
        return _from_custom(custom, obj)
    config = _model_config(obj)
    if kind == "Sequential":
        saved = config.get("layers", [])
        stack = []
        if saved and saved[0].get("class_name") == "InputLayer":
            stack.append(_input_from_config(saved[0]))
            saved = saved[1:]
        elif config.get("build_input_shape"):
            from .layers import Input

            shape = config["build_input_shape"]
            stack.append(Input(shape=tuple(shape[1:]), batch_size=shape[0]))
        stack += [_layer_from_config(layer) for layer in saved]
        model = Sequential(stack, name=config.get("name"))
    elif kind in ("Functional", "Model"):
        model = _functional_from_config(config)
    else:
        raise ValueError(f"cannot rebuild a saved {kind!r} (a model written by subclassing is "
                         f"given as custom_objects={{{kind!r}: class}}): fusedrnn rebuilds "
                         f"Sequential and "
                         f"functional models")
    model.trainable = bool(config.get("trainable", True))
    return model


def _parse_config(text, filepath: str, what: str = "the saved model config") -> dict:
    try:
        config = json.loads(text)
    except ValueError as exc:  # JSONDecodeError, or bytes that are not UTF-8
        raise ValueError(f"{filepath!r}: {what} is not valid JSON: {exc}") from exc
    if not isinstance(config, dict):
        raise ValueError(f"{filepath!r}: {what} is a JSON {type(config).__name__}, "
                         f"not an object")
    return config


def _activation_from_config(value):
    """An activation's name from its saved form: a name, or a serialized function
    ({"config": name} or {"config": {"name": name}}); anything else as it is, for the layer to
    reject."""
    if isinstance(value, dict):
        inner = value.get("config")
        if isinstance(inner, dict):
            inner = inner.get("name")
        if isinstance(inner, str):
            return inner
    return value


def _keras2_semantics(config, version: str):
    """Keras 2 defined hard_sigmoid as clip(0.2 x + 0.5, 0, 1) (the LSTM/GRU default up to
    Keras 2.2), Keras 3 as clip(x / 6 + 0.5, 0, 1): in a model Keras 2 saved, every layer's
    hard_sigmoid becomes fusedrnn's "hard_sigmoid_keras2". Likewise its RandomCrop layers get
    ``keras2=True`` (Keras 2 crops at inference, Keras 3 does not)."""
    major = version.split(".")[0]
    if not (major.isdigit() and int(major) < 3):
        return config

    def convert(key, node):
        if key in ("activation", "recurrent_activation") and (
                _activation_from_config(node) == "hard_sigmoid"):
            return "hard_sigmoid_keras2"
        if isinstance(node, list):
            return [convert(None, v) for v in node]
        if isinstance(node, dict):
            node = {k: convert(k, v) for k, v in node.items()}
            if node.get("class_name") == "RandomCrop" and isinstance(node.get("config"), dict):
                node["config"] = {**node["config"], "keras2": True}
            return node
        return node

    return convert(None, config)


def _zip_keras_version(archive, filepath: str) -> str:
    """The Keras version in a ``.keras`` file's metadata.json ("" if it has none)."""
    if "metadata.json" not in archive.namelist():
        return ""
    metadata = _parse_config(archive.read("metadata.json"), filepath, "its metadata.json")
    return str(metadata.get("keras_version", ""))


def model_from_json(json_string, custom_objects=None):
    """Rebuild the architecture of Keras's ``model.to_json()`` (Keras 2 or 3) with fresh
    weights; load trained ones with ``load_weights``. ``custom_objects``: the classes written
    by subclassing that it holds (name -> class, the class with ``get_config`` and, if
    ``cls(**config)`` is not enough, ``from_config``)."""
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"model_from_json: the model config is not valid JSON: {exc}") from exc
    if not isinstance(config, dict):
        raise ValueError(f"model_from_json: the model config is a JSON "
                         f"{type(config).__name__}, not an object")
    # Keras 2 writes its version beside the model; Keras 3 does not.
    version = str(config.get("keras_version", ""))
    with _custom_objects(custom_objects):
        return _model_from_config(_keras2_semantics(config, version))


def save_model(model, filepath, overwrite=True) -> None:
    """``model.save(filepath)`` (Keras's ``keras.saving.save_model``)."""
    model.save(filepath, overwrite=overwrite)


def save_weights(model, filepath, overwrite=True) -> None:
    """``model.save_weights(filepath)`` (Keras's ``keras.saving.save_weights``)."""
    model.save_weights(filepath, overwrite=overwrite)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Rebuild a model saved by Keras (``.keras``, or legacy ``.h5`` with its config) with
    fusedrnn's layers and load its weights; h5py is needed, TensorFlow is not.
    ``custom_objects``: the classes written by subclassing it holds (see model_from_json);
    ``compile``: restore the loss and metrics the model was compiled with (for ``evaluate``;
    the optimizer is kept as configuration); ``safe_mode`` is accepted for Keras's signature
    (no code is loaded from the file)."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"no such model file: {filepath!r}")
    if zipfile.is_zipfile(filepath):
        try:
            with zipfile.ZipFile(filepath) as archive:
                if "config.json" not in archive.namelist():
                    raise ValueError(f"{filepath!r} is a zip file without config.json")
                config = _parse_config(archive.read("config.json"), filepath)
                version = _zip_keras_version(archive, filepath)
        except (zipfile.BadZipFile, OSError) as exc:  # a member that fails its CRC, ...
            raise ValueError(f"{filepath!r} is a damaged .keras file: {exc}") from exc
        training = config.get("compile_config") if isinstance(config, dict) else None
    else:
        h5py = _h5py()
        try:
            with h5py.File(filepath, "r") as root:
                if "model_config" not in root.attrs:
                    raise ValueError(
                        f"{filepath!r} holds no model config (a weights-only file? build the "
                        f"model in code and call model.load_weights)"
                    )
                config = _parse_config(_text(root.attrs["model_config"]), filepath)
                version = _text(root.attrs.get("keras_version", ""))
                training = (_parse_config(_text(root.attrs["training_config"]), filepath,
                                          "the saved training config")
                            if "training_config" in root.attrs else None)
        except OSError as exc:
            raise ValueError(f"{filepath!r} is not a Keras model file: {exc}") from exc
    with _custom_objects(custom_objects):
        try:
            model = _model_from_config(_keras2_semantics(config, version))
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            # entries of the wrong type or missing: what a damaged or hand-edited config
            # gives (the readers name what they know to be wrong with ValueError)
            raise ValueError(f"cannot rebuild a model from the config in {filepath!r} (is it "
                             f"damaged?): {type(exc).__name__}: {exc}") from exc
    load_weights(model, filepath)
    _load_vocabularies(model, filepath)
    if compile and training is not None and not isinstance(training, dict):
        warnings.warn(f"the model's saved compile config was not restored (it is a "
                      f"{type(training).__name__}, not a dict); the model is not compiled",
                      UserWarning, stacklevel=2)
    elif compile and training:
        with _custom_objects(custom_objects):
            _compile_from_config(model, training, version)
    return model


def _compile_from_config(model, training: dict, version: str = "") -> None:
    """Compile ``model`` as the saved compile config says (Keras 3's ``compile_config``; a
    legacy .h5 file's ``training_config``: Keras 2's lists metrics per output), so
    ``evaluate`` reports what Keras's would. A config it cannot read leaves the model
    uncompiled, with a warning."""
    from . import losses, metrics, optimizers

    legacy = "optimizer_config" in training  # a legacy .h5 file's training_config
    keras2 = legacy and str(version).startswith("2.")

    objects = _CUSTOM_OBJECTS.get() or {}

    def is_object(value) -> bool:
        return isinstance(value, dict) and "class_name" in value

    def each(value, read):
        """A saved loss or metrics structure (one, a list or a dict by output) read."""
        if value is None:
            return None
        if isinstance(value, list):
            return [each(v, read) for v in value]
        if isinstance(value, dict) and not is_object(value):
            return {k: each(v, read) for k, v in value.items()}
        return read(value)

    def read(module):
        # A name stays a name: compile resolves it and names the metric by it, as Keras.
        return lambda value: (value if isinstance(value, str) and value not in objects
                              else module.deserialize(value, objects))

    def read_metric(value):
        """Keras 3 reading its legacy .h5 turns a metric's alias into its function, named
        in full ("mse" -> "mean_squared_error")."""
        if legacy and not keras2 and isinstance(value, str) and value in losses._ALIASES:
            return losses._ALIASES[value].__name__
        return read(metrics)(value)

    def unprefixed(groups):
        """Keras 2 saves a multi-output model's metrics one list per output, named with the
        output's name in front, which evaluate puts there again."""
        names = model.output_names
        if keras2 and isinstance(groups, list) and len(names) > 1:
            for name, group in zip(names, groups):
                for metric in group if isinstance(group, list) else [group]:
                    if isinstance(metric, metrics.Metric) and metric.name.startswith(
                            f"{name}_"):
                        metric.name = metric.name[len(name) + 1:]
        return groups

    optimizer = training.get("optimizer", training.get("optimizer_config"))
    try:
        model.compile(
            optimizer=None if optimizer is None else optimizers.deserialize(optimizer, objects),
            loss=each(training.get("loss"), read(losses)),
            loss_weights=training.get("loss_weights"),
            metrics=unprefixed(each(training.get("metrics"), read_metric)),
            weighted_metrics=unprefixed(each(training.get("weighted_metrics"), read_metric)))
        # Keras 2 averages each output's loss over batches weighted by their sizes.
        model._compiled.keras2 = keras2
    except (TypeError, ValueError) as exc:
        # As Keras: the model loads, uncompiled (evaluate then asks for compile()).
        warnings.warn(f"the model's saved compile config was not restored ({exc}); the "
                      f"model is loaded uncompiled: call compile() to evaluate it",
                      stacklevel=3)


def _zip_array(archive, member: str, key: str):
    """The dataset ``key`` of the HDF5 file ``member`` of a zip archive, or None."""
    if member not in archive.namelist():
        return None
    with _h5py().File(io.BytesIO(archive.read(member)), "r") as root:
        return np.asarray(root[key]) if key in root else None


def _text_layers(model, path: str = "") -> list[tuple[object, str]]:
    """(lookup layer: TextVectorization, StringLookup, IntegerLookup; its path in Keras 3's
    files) for each in ``model``."""
    from .layers._text import _Lookup
    from .models import Model

    found = []
    for layer, key in zip(model.layers, _class_keys(model.layers)):
        where = f"{path}layers/{key}"
        if isinstance(layer, Model) and not layer._user_call:
            found += _text_layers(layer, where + "/")
        elif isinstance(layer, _Lookup):
            found.append((layer, where))
    return found


def _load_vocabularies(model, filepath: str) -> None:
    """Give each lookup layer (TextVectorization, StringLookup, IntegerLookup) its
    vocabulary: Keras 3 saves an adapted one in the .keras zip
    (``assets/<layer path>/vocabulary.txt``, its tf-idf weights in the weights file); a
    legacy .h5 holds none, and Keras itself cannot run such a file."""
    layers = [(layer, path) for layer, path in _text_layers(model)
              if not layer._has_vocabulary]
    if not layers:
        return
    if not zipfile.is_zipfile(filepath):
        raise ValueError(
            f"{filepath!r} holds no vocabulary for {type(layers[0][0]).__name__} layer "
            f"{layers[0][0].name!r} (Keras saves an adapted vocabulary only in .keras files; "
            f"Keras cannot run this file either): load the .keras file, or set_vocabulary()")
    with zipfile.ZipFile(filepath) as archive:
        names = set(archive.namelist())
        for layer, path in layers:
            asset = f"assets/{path}/vocabulary.txt"
            if asset not in names:
                raise ValueError(f"{filepath!r} has no {asset} for {type(layer).__name__} "
                                 f"layer {layer.name!r}")
            lines = archive.read(asset).decode("utf-8").splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            idf = None
            if layer.output_mode == "tf_idf":  # its idf weights are in the weights file
                key = f"{path}/vars/idf_weights"
                stored = _zip_array(archive, "model.weights.h5", key)
                if stored is None:
                    raise ValueError(f"{filepath!r} has no {key} for "
                                     f"{type(layer).__name__} layer {layer.name!r}")
                idf = stored[:len(lines)]
            layer.set_vocabulary(lines, idf)


# --------------------------------------------------------------------------- objects

# The kinds of object serialize_keras_object handles besides layers: module -> base class
_OBJECT_KINDS = {"losses": "Loss", "metrics": "Metric", "regularizers": "Regularizer",
                 "constraints": "Constraint", "initializers": "Initializer",
                 "optimizers": "Optimizer"}


def serialize_keras_object(obj):
    """Keras 3's saved form of a layer, model, loss, metric, regularizer, constraint,
    initializer or optimizer (what its config holds); plain values as they are."""
    import importlib

    from .layers._base import Layer, serialize_layer

    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, Layer):
        return serialize_layer(obj)
    for name, base in _OBJECT_KINDS.items():
        module = importlib.import_module(f"{__package__}.{name}")
        if isinstance(obj, getattr(module, base)):
            return module.serialize(obj)
    raise TypeError(f"cannot serialize {obj!r}: fusedrnn serializes layers, models, losses, "
                    f"metrics, regularizers, constraints, initializers and optimizers")


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object Keras 3's saved form ``{"module", "class_name", "config", ...}`` describes
    (``module`` picks the kind: keras.layers / keras.models, keras.losses, keras.metrics,
    keras.regularizers, keras.constraints, keras.initializers, keras.optimizers)."""
    import importlib

    from .layers._base import deserialize_layer

    if not isinstance(config, dict) or "class_name" not in config:
        if isinstance(config, (list, tuple)):
            return [deserialize_keras_object(c, custom_objects) for c in config]
        return config
    module = str(config.get("module") or "")
    for name in _OBJECT_KINDS:
        if f".{name}" in module or module == f"keras.{name}":
            kind = importlib.import_module(f"{__package__}.{name}")
            return kind.deserialize(config, custom_objects)
    return deserialize_layer(config, custom_objects)
