"""Writing models in Keras 3's formats, which Keras 3 and fusedrnn load back.

- ``model.to_json()`` / ``model.get_config()``: the architecture as Keras 3 serializes it (the
  module, class name, config and build config of every layer; a functional model's calls as
  ``inbound_nodes`` whose arguments reference tensors by ``keras_history``);
- ``model.save_weights("x.weights.h5")``: the variables at Keras 3's paths
  (``layers/<snake_case class>[_N]/.../vars/<i>``; an RNN layer's under ``cell``, a
  Bidirectional's under ``forward_layer`` and ``backward_layer``, MultiHeadAttention's under
  ``query_dense``, ...), one group per tracked object, weightless ones included;
- ``model.save("x.keras")``: a zip of ``metadata.json``, ``config.json`` and that
  ``model.weights.h5``.

:mod:`fusedrnn.saving` reads the same layout; the tests check both against files Keras wrote.
What Keras 3 cannot express is refused with the reason: a Lambda (Keras saves its function
as bytecode), Keras 2's ``hard_sigmoid``, and models loaded from Keras 2 files, whose mask
rules differ from Keras 3's.
"""

from __future__ import annotations

import datetime
import inspect
import io
import json
import os
import zipfile

import numpy as np

from . import _backend
from .layers._base import flatten

# The Keras whose file format these writers follow (and whose files the tests compare with).
KERAS_VERSION = "3.15.1"

# Keras 3 layers that keep no build config (their build() does nothing).
_NO_BUILD_CONFIG = frozenset({
    "InputLayer", "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "ActivityRegularization", "Activation", "ReLU", "LeakyReLU", "ELU",
    "Softmax", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "MaxPooling1D",
    "AveragePooling1D", "Reshape", "Identity", "Masking",
    "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
    "MaxPooling3D", "AveragePooling3D", "GlobalAveragePooling3D", "GlobalMaxPooling3D",
    "SpatialDropout2D", "SpatialDropout3D", "UnitNormalization",
})

# Config keys of fusedrnn's own, which Keras's layers do not take.
_FUSEDRNN_ONLY = ("device",)
# Keras 3 layers whose constructor does not take every common key.
_KERAS_REFUSES = {"SpatialDropout1D": ("trainable",), "SpatialDropout2D": ("trainable",),
                  "SpatialDropout3D": ("trainable",),
                  # Keras's config of these lists its own keys only
                  "Discretization": ("trainable",), "CategoryEncoding": ("sparse",)}


def _policy(dtype: str) -> dict:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


def _json_value(value, what: str):
    """A config value as JSON: tuples as lists, NumPy arrays and scalars as numbers."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_json_value(v, what) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v, what) for k, v in value.items()}
    if inspect.isfunction(value):  # by name, as Keras 3 saves a function (custom_objects)
        if value.__name__ == "<lambda>":
            raise ValueError(
                f"cannot save {what}: it holds a lambda, and Keras saves functions by name; "
                f"define it with def (load_model then takes it as custom_objects={{name: "
                f"function}})")
        return {"module": "builtins", "class_name": "function", "config": value.__name__,
                "registered_name": "function"}
    raise ValueError(f"cannot save {what}: its value {value!r} has no Keras form")


def _shape(shape) -> list:
    return [None if d is None else int(d) for d in shape]


def _first_input_shape(layer):
    """The input shape(s) a layer was built with: those of its first call."""
    from .layers._custom import _shape_of

    node = layer._inbound_nodes[0] if layer._inbound_nodes else None
    if node is None:
        return None

    def listed(shapes):  # _shape_of's tuples (one shape) and lists (several), as JSON lists
        if isinstance(shapes, tuple):
            return _shape(shapes)
        if isinstance(shapes, list):
            return [listed(s) for s in shapes]
        return shapes

    inputs = node.inputs
    if layer._positional_inputs and len(inputs) == 1:
        inputs = inputs[0]
    return listed(_shape_of(inputs))


def _build_config(layer, input_shape):
    """Keras 3's build config: the input shape, or the shapes of a build() that takes
    several (MultiHeadAttention's, an RNN's called with initial states)."""
    from .layers import Bidirectional, MultiHeadAttention
    from .layers._rnn import RNNLayer

    if type(layer).__name__ in ("StringLookup", "IntegerLookup"):
        return {}  # Keras 3.15's IndexLookup keeps an empty one
    if input_shape is None or type(layer).__name__ in _NO_BUILD_CONFIG:
        return None
    if isinstance(layer, MultiHeadAttention):
        names = ("query_shape", "value_shape", "key_shape")
        return {"shapes_dict": dict(zip(names, input_shape))}
    states = layer._inbound_nodes[0].kwargs.get("initial_state") if (
        isinstance(layer, (RNNLayer, Bidirectional)) and layer._inbound_nodes) else None
    if states is not None:
        states = [_shape(s.shape) for s in flatten(states) if hasattr(s, "shape")]
        return {"shapes_dict": {"sequences_shape": input_shape,
                                "initial_state_shape": states}}
    return {"input_shape": input_shape}


def _operation(op) -> dict:
    from .layers._ops import OPERATION_MODULES

    return {"module": OPERATION_MODULES[op.class_name],
            "class_name": op.class_name,
            "config": _json_value(op.get_config(), f"the operation {op.name!r}"),
            "registered_name": op.class_name}


def serialize_layer(layer, input_shape=None) -> dict:
    """Keras 3's serialized form of one layer (or operation, or model): module, class name,
    config, and the build config when Keras keeps one. ``input_shape``: what it was built
    for (default: its first call's)."""
    from .layers import Bidirectional, Pipeline, SpectralNormalization, TimeDistributed
    from .layers._cells import RNN, StackedRNNCells, _Cell
    from .layers._custom import RNN as UserCellRNN
    from .layers._ops import KerasOperation, Lambda
    from .models import Model

    if isinstance(layer, KerasOperation):
        return _operation(layer)
    if isinstance(layer, UserCellRNN):
        return _user_cell_rnn_entry(layer, input_shape)
    if layer._user_call:
        return _user_entry(layer, input_shape)
    if isinstance(layer, Model):
        return _model_entry(layer)
    if isinstance(layer, Lambda):
        raise ValueError(
            f"cannot save the Lambda layer {layer.name!r}: Keras saves a Lambda's function as "
            f"Python bytecode, which fusedrnn does not write; save the weights "
            f"(save_weights) and rebuild the model in code")
    if input_shape is None:
        input_shape = _first_input_shape(layer)
    from .saving import _keras3_class

    saved_class = _keras3_class(layer)
    config = layer._keras3_config() if saved_class is not type(layer) else layer.get_config()
    for key in _FUSEDRNN_ONLY + _KERAS_REFUSES.get(type(layer).__name__, ()):
        config.pop(key, None)
    if config.get("seed", 0) is None:
        del config["seed"]  # Keras's default, which some of its layers do not take
    from . import initializers

    for key, value in list(config.items()):
        if isinstance(value, initializers.Initializer):
            config[key] = initializers.serialize(value)
        elif key.endswith("_initializer") and not isinstance(value, (str, dict, type(None))):
            del config[key]  # a function: Keras builds its default (no effect here)
        elif key in ("activation", "recurrent_activation") and value == "hard_sigmoid_keras2":
            raise ValueError(
                f"cannot save layer {layer.name!r} for Keras 3: its {key} is Keras 2's "
                f"hard_sigmoid (clip(0.2x + 0.5, 0, 1)), which Keras 3 does not have")
    if type(layer).__name__ == "RandomCrop" and getattr(layer, "keras2", False):
        raise ValueError(
            f"cannot save layer {layer.name!r} for Keras 3: it is Keras 2's RandomCrop, which "
            f"crops at inference, and Keras 3's RandomCrop passes its input on there; "
            f"rebuild the model with a CenterCrop or Resizing(crop_to_aspect_ratio=True) in "
            f"its place and load the weights")
    if type(layer).__name__ in ("RandomHeight", "RandomWidth"):
        raise ValueError(
            f"cannot save layer {layer.name!r} for Keras 3: Keras 3 has no "
            f"{type(layer).__name__} (a Keras 2 augmentation layer, the identity at "
            f"inference); rebuild the model without it and load the weights")
    if type(layer).__name__ == "RandomShear":
        # Keras 3.15 writes its factors as [-a, a], which its own constructor refuses (so it
        # cannot load its file); the number a means the same range and loads.
        for key in ("x_factor", "y_factor"):
            value = config.get(key)
            if isinstance(value, list) and len(value) == 2 and value[0] == -value[1]:
                config[key] = value[1]
    if config.pop("time_major", False):
        raise ValueError(
            f"cannot save layer {layer.name!r} for Keras 3: it is time-major (Keras 2's "
            f"time_major=True), which Keras 3 does not have; save the weights (save_weights) "
            f"and rebuild it batch-major")
    config["dtype"] = _policy(layer.dtype)
    # The layers a layer holds, serialized in turn with the shapes they were built for.
    if isinstance(layer, Bidirectional):
        config["layer"] = serialize_layer(layer.forward_layer, input_shape)
        config["backward_layer"] = serialize_layer(layer.backward_layer, input_shape)
    elif isinstance(layer, TimeDistributed):
        inner = None if input_shape is None else [input_shape[0], *input_shape[2:]]
        config["layer"] = serialize_layer(layer.layer, inner)
    elif isinstance(layer, SpectralNormalization):
        config["layer"] = serialize_layer(layer.layer, input_shape)
    elif isinstance(layer, Pipeline):  # Keras's config has its layers and name only
        shapes = [None] * len(layer.layers) if input_shape is None else [
            list(s) for s in layer._shapes(input_shape)]
        config = {"layers": [serialize_layer(sub, shape)
                             for sub, shape in zip(layer.layers, shapes)], "name": layer.name}
    elif isinstance(layer, RNN):
        step = None if input_shape is None else [input_shape[0], *input_shape[2:]]
        config["cell"] = serialize_layer(layer.cell, step)
    elif isinstance(layer, StackedRNNCells):
        cells, shape = [], input_shape
        for cell in layer.cells:
            cells.append(serialize_layer(cell, shape))
            shape = None if shape is None else [shape[0], cell.units]
        config["cells"] = cells
    entry = {"module": "keras.layers", "class_name": saved_class.__name__,
             "config": _json_value(config, f"layer {layer.name!r}"), "registered_name": None}
    if isinstance(layer, _Cell) and input_shape is not None:
        entry["build_config"] = {"input_shape": input_shape}
    else:
        build = _build_config(layer, input_shape)
        if build is not None:
            entry["build_config"] = build
    return entry


def _user_cell_rnn_entry(layer, input_shape=None) -> dict:
    """Keras's ``RNN`` over a cell written by subclassing: the cell as a custom class."""
    if input_shape is None:
        input_shape = _first_input_shape(layer)
    config = layer.get_config()
    config["dtype"] = _policy(layer.dtype)
    step = None if input_shape is None else [input_shape[0], *input_shape[2:]]
    config["cell"] = _user_entry(layer.cell, step)
    entry = {"module": "keras.layers", "class_name": "RNN",
             "config": _json_value(config, f"layer {layer.name!r}"), "registered_name": None}
    if input_shape is not None:
        entry["build_config"] = {"input_shape": _json_value(list(input_shape), "a build shape")}
    return entry


def _user_entry(layer, input_shape=None) -> dict:
    """A layer or model written by subclassing, as Keras 3 saves a registered custom class:
    its module, class name and own get_config (``load_model(..., custom_objects=...)``
    rebuilds it; Keras, with the class registered as "Custom>Name", or the name
    ``register_keras_serializable`` gave it)."""
    from . import saving
    from .layers import Layer
    from .models import Model

    cls = type(layer)
    base = Model if isinstance(layer, Model) else Layer
    if cls.get_config is base.get_config or cls.__module__.startswith("fusedrnn."):
        raise ValueError(
            f"cannot save the architecture of {layer.name!r} ({cls.__name__}): it is written "
            f"by subclassing and has no get_config() of its own, so its architecture is its "
            f"Python code; define get_config() (its constructor's arguments), or save its "
            f"weights (save_weights) and rebuild it in code")
    config = layer.get_config()
    config["dtype"] = _policy(layer.dtype)
    entry = {"module": cls.__module__, "class_name": cls.__name__,
             "config": _json_value(config, f"layer {layer.name!r}"),
             "registered_name": saving._REGISTERED_NAMES.get(cls, f"Custom>{cls.__name__}")}
    shape = layer.__dict__.get("_build_input_shape") if input_shape is None else input_shape
    if shape is not None and not isinstance(shape, dict):
        entry["build_config"] = {"input_shape": _json_value(shape, "a build shape")}
    if isinstance(layer, Model):
        entry["compile_config"] = None
    return entry


def _input_entry(layer) -> dict:
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": _shape(layer.batch_shape), "dtype": layer.input_dtype,
                       "sparse": False, "ragged": False, "name": layer.name,
                       "optional": False},
            "registered_name": None}


def _check_keras3_rules(model) -> None:
    """Refuse a graph that computes by Keras 2's mask rules where they differ from Keras 3's
    (a model loaded from a Keras 2 file, with masks): Keras 3 would run it by its own."""
    if not _makes_masks(model):
        return
    for node in model._nodes:
        # (An RNN called with initial_state tensors that gets its input's mask is Keras 2's;
        # the attention layers read their masks in both.)
        if node.layer._keras2_masks or (node.implicit_mask and node.kwargs
                                        and not node.layer._reads_tensor_masks
                                        and any(hasattr(v, "_node")
                                                for v in flatten(list(node.kwargs.values())))):
            raise ValueError(
                f"cannot save model {model.name!r} for Keras 3: it was loaded from a Keras 2 "
                f"file, and its layer {node.layer.name!r} follows Keras 2's mask rules, which "
                f"Keras 3 does not, so Keras 3 would predict otherwise from the file (its "
                f"weights can still be saved with save_weights)")


def _makes_masks(layer) -> bool:
    """Whether a layer (a model: any of its layers, nested ones too) makes a mask."""
    from .layers import Embedding, Masking

    if isinstance(layer, Masking) or (isinstance(layer, Embedding) and layer.mask_zero):
        return True
    return any(_makes_masks(inner) for inner in getattr(layer, "layers", ()))


def model_config(model) -> dict:
    """The ``config`` of Keras 3's serialized model (what ``get_config()`` returns)."""
    from .models import Model, Sequential, _layers_by_depth

    if model._user_call:
        return model.get_config()
    if isinstance(model, Sequential):
        layers = [] if model._input_layer is None else [_input_entry(model._input_layer)]
        layers += [serialize_layer(layer) for layer in model._stack]
        config = {"name": model.name, "trainable": model.trainable,
                  "dtype": _policy(model.dtype), "layers": layers}
        if model._input_layer is not None:
            config["build_input_shape"] = _shape(model._input_layer.batch_shape)
        return config
    if not isinstance(model, Model) or not model.built:
        raise ValueError(f"model {model.name!r} has no graph to save")
    _check_keras3_rules(model)
    in_model = {id(node) for node in model._nodes}
    index = {}  # node id -> its index among its layer's calls in this model
    for layer in {id(n.layer): n.layer for n in model._nodes}.values():
        kept = [n for n in layer._inbound_nodes if id(n) in in_model]
        index.update((id(n), i) for i, n in enumerate(kept))

    def history(t):
        return [t._node.layer.name, index[id(t._node)], t._index]

    def arg(value):
        if hasattr(value, "_node") and hasattr(value, "shape"):  # a KerasTensor
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": _shape(value.shape), "dtype": value.dtype,
                               "keras_history": history(value)}}
        if isinstance(value, (list, tuple)):
            return [arg(v) for v in value]
        if isinstance(value, dict):
            return {str(k): arg(v) for k, v in value.items()}
        if isinstance(value, slice):
            return {"class_name": "__slice__",
                    "config": {"start": arg(value.start), "stop": arg(value.stop),
                               "step": arg(value.step)}}
        if value is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        if isinstance(value, np.ndarray):
            return {"class_name": "__numpy__",
                    "config": {"value": value.tolist(), "dtype": value.dtype.name}}
        if _backend.is_cupy_array(value):
            return arg(_backend.to_numpy(value))
        return _json_value(value, "a call argument")

    layers = []
    for layer in _layers_by_depth(model._nodes, model._output_tensors):
        from .layers._base import InputLayer

        if isinstance(layer, InputLayer):
            entry = _input_entry(layer)
            nodes = []
        else:
            entry = serialize_layer(layer)
            calls = [n for n in layer._inbound_nodes if id(n) in in_model]
            nodes = [{"args": arg([n.input_dict] if n.input_dict is not None else
                                  n.inputs if layer._positional_inputs else [n.inputs]),
                      "kwargs": arg(n.kwargs)} for n in calls]
        entry["name"] = layer.name
        entry["inbound_nodes"] = nodes
        layers.append(entry)

    def endpoint(t):
        """Keras 3 counts a nested functional model's node here from its own first node
        (linking its inputs to its outputs), which inbound_nodes do not count."""
        ref = history(t)
        layer = t._node.layer
        if isinstance(layer, Model) and not isinstance(layer, Sequential) and \
                not layer._user_call:
            ref[1] += 1
        return ref

    def endpoints(tensors, keys, order, single):
        if keys is not None:  # the dict as the model was given it
            return {k: endpoint(t) for k, t in model._structured(tensors, keys, order).items()}
        if single:
            return endpoint(tensors[0])
        return [endpoint(t) for t in tensors]

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": endpoints(model._input_tensors, model._input_keys,
                                      model._input_order, len(model._input_tensors) == 1),
            "output_layers": endpoints(model._output_tensors, model._output_keys,
                                       model._output_order, model._single_output)}


def _model_entry(model) -> dict:
    from .models import Sequential

    if model._user_call:
        return _user_entry(model)
    if isinstance(model, Sequential):
        built = model._input_layer is not None
        return {"module": "keras", "class_name": "Sequential", "config": model_config(model),
                "registered_name": None,
                "build_config": {"input_shape": _shape(model._input_layer.batch_shape)
                                 if built else None},
                "compile_config": _compile_entry(model)}
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": model_config(model), "registered_name": "Functional",
            "build_config": {"input_shape": None}, "compile_config": _compile_entry(model)}


class _NotForKeras(Exception):
    """A compile argument Keras could not rebuild from a config."""


def _compile_entry(model) -> dict | None:
    """Keras 3's compile_config of a compiled model (None otherwise): what compile was
    given, losses, metrics and the optimizer serialized as Keras serializes them (a
    function of fusedrnn.losses/metrics by its name, which Keras resolves), so Keras's
    load_model compiles the model again. Keras fails to load a file whose compile config
    names something it cannot rebuild (a user's loss function or metric class), so such a
    model is saved uncompiled, with a warning."""
    import warnings

    from . import losses, metrics, optimizers

    compiled = getattr(model, "_compiled", None)
    if compiled is None:
        return None

    def ours(obj, module) -> bool:
        cls = obj if isinstance(obj, type) else type(obj)
        return cls.__module__ == module.__name__

    def entry(value):
        if value is None or isinstance(value, (str, int, float)):
            return value
        if isinstance(value, dict):
            return {k: entry(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [entry(v) for v in value]
        if isinstance(value, type):
            return entry(value())
        if isinstance(value, losses.LossFunctionWrapper) and type(value) is \
                losses.LossFunctionWrapper:
            return entry(value.fn)
        if isinstance(value, losses.Loss) and ours(value, losses):
            return _json_value(losses.serialize(value), "a loss")
        if isinstance(value, metrics.Metric) and ours(value, metrics) and not (
                type(value) is metrics.MeanMetricWrapper
                and value._fn not in metrics._CLASS_OF):
            return _json_value(metrics.serialize(value), "a metric")
        name = getattr(value, "__name__", None)
        if name is not None and (getattr(losses, name, None) is value
                                 or getattr(metrics, name, None) is value):
            return name
        raise _NotForKeras(value)

    config = compiled.config()
    optimizer = config.pop("optimizer")
    try:
        if optimizer is not None and (not ours(optimizer, optimizers) or (
                isinstance(optimizer.learning_rate, optimizers.LearningRateSchedule)
                and not ours(optimizer.learning_rate, optimizers))):
            raise _NotForKeras(optimizer)
        return {"optimizer": None if optimizer is None else _json_value(
                    optimizers.serialize(optimizer), "the optimizer"),
                **{key: entry(value) for key, value in config.items()},
                "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}
    except _NotForKeras as exc:
        warnings.warn(f"model {model.name!r} is saved without its compile config: Keras "
                      f"could not rebuild {exc.args[0]!r} from a file (and would fail to "
                      f"load it); compile it again after loading", stacklevel=4)
        return None


def to_json(model, **kwargs) -> str:
    """Keras 3's ``model.to_json()``: the serialized model as JSON."""
    return json.dumps(_model_entry(model), **kwargs)


# --------------------------------------------------------------------------- weights


def _tree(name: str, arrays=(), **children) -> dict:
    """One tracked object of Keras's weights file: its variables (a list, stored as 0, 1, ...,
    or a dict of named ones) and its children."""
    named = arrays if isinstance(arrays, dict) else {str(i): a for i, a in enumerate(arrays)}
    return {"name": name, "vars": named, "children": children}


def _container(children: dict) -> dict:
    """A list of tracked objects (a model's ``layers``, a stack's ``cells``): its members'
    groups, keyed by class, and no variables of its own."""
    return {"name": None, "vars": None, "children": children}


def _keyed(objects, tree) -> dict:
    from .saving import _class_keys

    return {key: tree(obj) for obj, key in zip(objects, _class_keys(objects))}


def _layer_tree(layer) -> dict:
    from .layers import (
        Bidirectional,
        MultiHeadAttention,
        Pipeline,
        SpectralNormalization,
        TextVectorization,
        TimeDistributed,
    )
    from .layers._augment import _Augmentation
    from .layers._cells import RNN
    from .layers._conv_lstm import _ConvLSTM
    from .layers._rnn import RNNLayer
    from .layers._text import _Lookup
    from .models import Model

    if layer._user_call:
        return _user_tree(layer)
    if isinstance(layer, (Model, Pipeline)):
        return _tree(layer.name, layers=_container(_keyed(layer.layers, _layer_tree)))
    if isinstance(layer, Bidirectional):
        return _tree(layer.name, forward_layer=_layer_tree(layer.forward_layer),
                     backward_layer=_layer_tree(layer.backward_layer))
    if isinstance(layer, TimeDistributed):
        return _tree(layer.name, layer=_layer_tree(layer.layer))
    if isinstance(layer, SpectralNormalization):  # Keras keeps the kernel twice
        kernel, vector_u = layer.get_weights()[:2]
        return _tree(layer.name, [kernel, vector_u], layer=_layer_tree(layer.layer))
    if isinstance(layer, RNN):
        cell = layer.cell
        if layer._stacked:
            cells = _keyed(cell.cells, lambda c: _tree(c.name, c.get_weights()))
            return _tree(layer.name, cell=_tree(cell.name, cells=_container(cells)))
        return _tree(layer.name, cell=_tree(cell.name, cell.get_weights()))
    if isinstance(layer, _ConvLSTM):
        return _tree(layer.name, cell=_tree("conv_lstm_cell", layer.get_weights()))
    if isinstance(layer, RNNLayer):
        weights = [np.array(w) for w in layer._standard_weights()]  # Keras's layout
        return _tree(layer.name, cell=_tree(f"{layer._cell}_cell", weights))
    if isinstance(layer, _Lookup):  # its vocabulary goes to the assets
        named = {"idf_weights": layer._idf} if layer.output_mode == "tf_idf" else {}
        if isinstance(layer, TextVectorization):
            return _tree(layer.name, named, _lookup_layer=_tree("string_lookup", named))
        return _tree(layer.name, named)
    if isinstance(layer, MultiHeadAttention):
        weights = layer.get_weights()
        per = 2 if layer.use_bias else 1
        parts = layer._parts()
        groups = layer._weight_groups
        names = {"output": "attention_output"}
        children = {groups[p]: _tree(names.get(p, p), weights[per * i:per * (i + 1)])
                    for i, p in enumerate(parts)}
        children["_softmax"] = _tree("softmax")
        children["_dropout_layer"] = _tree("dropout")
        return _tree(layer.name, **children)
    if isinstance(layer, _Augmentation):  # the layers Keras builds inside AugMix, ...
        return _tree(layer.name, **{name: _tree(name) for name in layer._empty_sublayers()})
    return _tree(layer.name, _saved_weights(layer))


def _user_tree(layer, plan=None) -> dict:
    """A layer or model written by subclassing: its own variables, then its sublayers at the
    paths Keras 3 keeps them at (layers/_custom.file_plan)."""
    from .layers import _custom

    plan = _custom.file_plan(layer) if plan is None else plan
    own = [layer._params[key] for key in _custom.own_keys(layer)]
    tree = _tree(layer.name, own)
    for sub, path, inner in plan.values():
        node = tree
        *parents, leaf = path.split("/")
        for part in parents:  # a list's or a model's layers: a group without variables
            node = node["children"].setdefault(part, _container({}))
        node["children"][leaf] = _user_tree(sub, inner) if inner is not None \
            else _layer_tree(sub)
    return tree


def _saved_weights(layer) -> list[np.ndarray]:
    """A layer's arrays, each in the dtype Keras saves it in (its compute dtype, but for the
    few kept as integers: ``_saved_dtypes``)."""
    dtypes = getattr(layer, "_saved_dtypes", {})
    return [w if key not in dtypes else w.astype(dtypes[key])
            for (key, _), w in zip(layer._param_names, layer.get_weights())]


def _write_tree(group, tree) -> None:
    """``tree`` into an h5py group: ``vars`` (named, arrays 0, 1, ...) and the children."""
    for key, child in tree["children"].items():
        _write_tree(group.create_group(key), child)
    if tree["vars"] is None:
        return
    vars_group = group.create_group("vars")
    vars_group.attrs["name"] = tree["name"]
    for key, array in tree["vars"].items():
        vars_group.create_dataset(key, data=np.asarray(_backend.to_numpy(array)))


def _write_weights(model, target) -> None:
    from .saving import _h5py

    h5py = _h5py()
    tree = _layer_tree(model)
    with h5py.File(target, "w") as root:
        _write_tree(root, tree)


def _require_weights(model, what: str) -> None:
    if not model.built:
        raise ValueError(f"cannot {what} model {model.name!r}: it is not built yet (give it "
                         f"an Input, or call it on data, first)")


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Keras 3's ``model.save_weights``: a ``.weights.h5`` file."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"the filename must end in '.weights.h5' (Keras 3's weights file); "
                         f"received {filepath!r}")
    _require_weights(model, "save the weights of")
    _refuse_existing(filepath, overwrite)
    _write_weights(model, filepath)


def save_model(model, filepath, overwrite: bool = True) -> None:
    """Keras 3's ``model.save``: a ``.keras`` zip (metadata, config, weights), or for a name
    ending in ``.h5`` the legacy HDF5 file (save_legacy_h5)."""
    from . import __version__

    filepath = os.fspath(filepath)
    if filepath.endswith((".h5", ".hdf5")):
        return save_legacy_h5(model, filepath, overwrite)
    if not filepath.endswith(".keras"):
        raise ValueError(f"the filename must end in '.keras' (Keras 3's format) or '.h5' (the "
                         f"legacy HDF5 format); received {filepath!r} (for weights alone "
                         f"use save_weights('....weights.h5'))")
    _require_weights(model, "save")
    config = to_json(model)  # before anything is written: it may refuse the model
    _refuse_existing(filepath, overwrite)
    weights = io.BytesIO()
    _write_weights(model, weights)
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "saved_by": f"fusedrnn {__version__}"}
    with zipfile.ZipFile(filepath, "w") as archive:
        archive.writestr("metadata.json", json.dumps(metadata))
        archive.writestr("config.json", config)
        archive.writestr("model.weights.h5", weights.getvalue())
        for path, text in _assets(model):
            archive.writestr(path, text)


def _legacy_training_config(model) -> dict | None:
    """Keras 3's legacy training_config: the compile config, its optimizer as
    ``optimizer_config`` ({"class_name", "config"})."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        config = _compile_entry(model)
    for w in caught:  # said once, as the caller's warning
        warnings.warn(str(w.message), w.category, stacklevel=4)
    if config is None:
        return None
    from . import losses

    def full_name(loss):
        """Keras 3.15's legacy loader cannot read its own loss aliases ("mse"): the same
        loss by its full name."""
        if isinstance(loss, dict) and "class_name" not in loss:
            return {k: full_name(v) for k, v in loss.items()}
        if isinstance(loss, list):
            return [full_name(v) for v in loss]
        alias = losses._ALIASES.get(loss) if isinstance(loss, str) else None
        return alias.__name__ if alias is not None else loss

    config["loss"] = full_name(config["loss"])
    optimizer = config.pop("optimizer")
    config["optimizer_config"] = None if optimizer is None else {
        "class_name": optimizer["class_name"], "config": optimizer["config"]}
    return config


# The legacy writer names a layer by its Python class where that differs from its saved name
_LEGACY_CLASS_NAMES = {"GroupQueryAttention": "GroupedQueryAttention"}


def _legacy_entry(item: dict) -> dict:
    """One entry of a "layers" list, as the legacy writer gives it: without module,
    registered_name and build_config, except an operation's module and registered name
    (Keras's own legacy files drop those too, and then Keras cannot load them: "Unknown
    layer: 'NotEqual'"; with them it does)."""
    operation = str(item.get("module", "")).startswith("keras.src.ops")
    dropped = ("build_config",) if operation else ("module", "registered_name",
                                                   "build_config")
    # a Pipeline's list of layers is its own config, which keeps its full form
    pipeline = item.get("class_name") == "Pipeline"
    return {k: _LEGACY_CLASS_NAMES.get(v, v) if k == "class_name" else
            v if pipeline and k == "config" else _legacy_layers(v)
            for k, v in item.items() if k not in dropped}


def _legacy_layers(config):
    """A model config as Keras's legacy writer gives it: the entries of a model's "layers"
    lists are {"class_name", "config", "name", "inbound_nodes"} alone (_legacy_entry);
    what they hold keeps its full form."""
    if isinstance(config, list):
        return [_legacy_layers(v) for v in config]
    if not isinstance(config, dict):
        return config
    out = {}
    for key, value in config.items():
        if key == "layers" and isinstance(value, list):
            value = [_legacy_entry(item) if isinstance(item, dict) else item
                     for item in value]
        out[key] = _legacy_layers(value) if key != "layers" else value
    return out


def save_legacy_h5(model, filepath: str, overwrite: bool = True) -> None:
    """Keras 3's ``model.save("x.h5")``, the legacy HDF5 file: attributes ``model_config``
    (the model's config), ``training_config`` (when compiled), ``keras_version``,
    ``backend``; group ``model_weights`` with ``layer_names`` and, per layer, its arrays with
    their ``weight_names`` (its trainable weights, then the others, as Keras lists them).
    Keras 3's ``load_model`` and fusedrnn's read it. As in Keras's own .h5, a lookup layer's
    vocabulary is not kept there: such a model is refused (save it as .keras)."""
    from .saving import _h5py

    h5py = _h5py()
    _require_weights(model, "save")
    entry = json.loads(to_json(model))
    if _assets(model):
        raise ValueError(f"cannot save model {model.name!r} as .h5: the legacy HDF5 format "
                         f"does not keep its text layers' vocabularies (Keras's .h5 loses "
                         f"them too); save it as '.keras'")
    training = _legacy_training_config(model)
    _refuse_existing(filepath, overwrite)
    from .models import Model

    layers = (model.layers if not model._user_call else [])
    with h5py.File(filepath, "w") as root:
        root.attrs["backend"] = "tensorflow"
        root.attrs["keras_version"] = KERAS_VERSION
        root.attrs["model_config"] = json.dumps(
            {"class_name": entry["class_name"], "config": _legacy_layers(entry["config"])})
        if training is not None:
            root.attrs["training_config"] = json.dumps(training)
        group = root.create_group("model_weights")
        group.attrs["backend"] = "tensorflow"
        group.attrs["keras_version"] = KERAS_VERSION
        group.attrs["layer_names"] = [layer.name.encode("utf8") for layer in layers]
        for layer in layers:
            listed = layer.trainable_weights + layer.non_trainable_weights
            names = []
            for w in listed:
                path = w.path if w.path.startswith(f"{layer.name}/") or isinstance(
                    layer, Model) else f"{layer.name}/{w.path}"
                name = f"{model.name}/{path}"
                while name in names:  # the same path twice (a shared layer inside)
                    name += "_"
                names.append(name)
            layer_group = group.create_group(layer.name)
            layer_group.attrs["weight_names"] = [n.encode("utf8") for n in names]
            for name, w in zip(names, listed):
                layer_group.create_dataset(name, data=np.asarray(w.numpy()))
        group.create_group("top_level_model_weights").attrs["weight_names"] = []


def _assets(model) -> list[tuple[str, str]]:
    """The files Keras 3 keeps beside the weights: each adapted lookup layer's vocabulary
    (one given in its config stays there); TextVectorization's also for its inner lookup."""
    from .layers import TextVectorization
    from .saving import _text_layers

    files = []
    for layer, path in _text_layers(model):
        if layer._input_vocabulary is None and layer._has_vocabulary:
            text = "\n".join(str(t) for t in layer.get_vocabulary())
            if isinstance(layer, TextVectorization):
                files.append((f"assets/{path}/_lookup_layer/vocabulary.txt", text))
            files.append((f"assets/{path}/vocabulary.txt", text))
    return files


def _refuse_existing(filepath: str, overwrite: bool) -> None:
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists and overwrite=False")
