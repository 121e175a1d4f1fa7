"""Keras-compatible models: :class:`Sequential` and the functional :class:`Model`.

``Sequential([...])`` / ``.add()`` and ``Model(inputs, outputs)`` over fusedrnn layers, with
``predict``, direct calls, ``get_weights``/``set_weights``, ``get_layer`` and ``summary()`` in
the Keras 2 text form that Keras tutorials show. Models run inference only: ``compile``
records the loss and metrics that ``evaluate`` reports (as Keras 3 does; see
:mod:`fusedrnn._evaluate`); ``fit`` raises.

A model is also a layer, as in Keras: it can be called on ``Input`` tensors inside another
model (``Model(x, head(encoder(x)))``), added to a Sequential, shared, or wrapped in
``TimeDistributed``. It then counts as one layer of the outer model (its weights are its
layers' weights) and passes masks through: its input's mask reaches its first layers, and its
outputs carry the masks its layers give them.
"""

from __future__ import annotations

import inspect
import math
import sys
import time
from typing import Callable

import numpy as np

from . import _backend
from .layers import _custom
from .layers._base import (
    LAYER_OUTPUTS,
    InputLayer,
    KerasTensor,
    Layer,
    Node,
    flat_keys,
    flat_values,
    flatten,
    has_symbolic,
    set_parts_weights,
    user_classes,
)
from .layers._ops import KerasOperation

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]


# --------------------------------------------------------------------------- graph helpers


def _topological_nodes(input_tensors: list[KerasTensor],
                       outputs: list[KerasTensor]) -> list[Node]:
    """The nodes between the inputs and ``outputs``, each after the nodes it reads. Inputs the
    outputs do not use come first (Keras keeps them in the model too)."""
    order: list[Node] = []
    seen: set[int] = set()
    input_nodes = {id(t._node) for t in input_tensors}

    def visit(node: Node, path: set[int]) -> None:
        if id(node) in seen:
            return
        if id(node) in path:
            raise ValueError("the layer graph has a cycle")
        if isinstance(node.layer, InputLayer) and id(node) not in input_nodes:
            names = [t._node.layer.name for t in input_tensors]
            raise ValueError(
                f"graph disconnected: the outputs depend on input {node.layer.name!r}, which "
                f"is not among the model's inputs {names}"
            )
        path = path | {id(node)}
        for parent in node.parent_tensors:
            visit(parent._node, path)
        seen.add(id(node))
        order.append(node)

    for t in outputs:
        if not isinstance(t, KerasTensor):
            raise TypeError(f"model outputs must be KerasTensors from layer calls, got {t!r}")
        visit(t._node, set())
    unused = [t._node for t in input_tensors if id(t._node) not in seen]
    return unused + order


def _node_depths(nodes: list[Node]) -> tuple[dict[int, int], dict[int, int]]:
    """Keras's depths of a graph's nodes (``nodes`` parents first): a node's is the longest
    way from it to an output, at least that of its layer's other calls (a layer's depth is
    its deepest call's). Returns {node id: depth}, in the order Keras's map_graph first meets
    the nodes walking back from the outputs, and {layer id: depth}."""
    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for node in reversed(nodes):  # nodes are parents-first; walk from the outputs back
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for parent in node.parent_tensors:
            pid = id(parent._node)
            node_depth[pid] = max(depth + 1, node_depth.get(pid, 0))
    return node_depth, layer_depth


def _keras_run_order(nodes: list[Node]) -> list[Node]:
    """The nodes in the order Keras 3 runs them: by decreasing depth, a depth's nodes in the
    order map_graph met them. Results do not depend on it, but for the masks that
    MultiHeadAttention calls take off the tensors they read (see Model._execute)."""
    node_depth, _ = _node_depths(nodes)
    by_id = {id(node): node for node in nodes}
    return [by_id[i] for i in sorted(node_depth, key=lambda i: -node_depth[i])]


def _layers_by_depth(nodes: list[Node], outputs: list[KerasTensor]) -> list[Layer]:
    """The model's layers in Keras's order: by decreasing depth from the outputs (the input
    first), ties broken by first visit in a depth-first walk from the outputs; an input the
    outputs do not use has depth 0 and comes before the other layers of that depth."""
    layer_index: dict[int, int] = {}

    def visit(node: Node, seen: set[int]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        layer_index.setdefault(id(node.layer), len(layer_index))
        for parent in node.parent_tensors:
            visit(parent._node, seen)

    seen: set[int] = set()
    for t in outputs:
        visit(t._node, seen)
    _, layer_depth = _node_depths(nodes)
    unique: list[Layer] = []
    for node in nodes:
        if node.layer not in unique:
            unique.append(node.layer)
    return sorted(unique, key=lambda la: (-layer_depth[id(la)], layer_index.get(id(la), -1)))


def _assign_names(layers: list[Layer], new: list[Layer]) -> None:
    """Give each auto-named layer in ``new`` Keras's default name, unique within ``layers``
    (``simple_rnn``, ``simple_rnn_1``, ...; inputs ``input_1``, ``input_2``, ...). A name, once
    given, is kept (so layers shared by several models keep theirs). Names are given in the
    order the layers were made, as Keras gives them."""
    taken = {layer.name for layer in layers if layer not in new or not layer._auto_name}
    for layer in sorted(new, key=lambda la: la._creation_index):
        if not layer._auto_name:
            continue
        base = layer._default_name()
        n = 1 if isinstance(layer, InputLayer) else 0
        while True:
            candidate = base if n == 0 else f"{base}_{n}"
            if candidate not in taken:
                break
            n += 1
        layer.name = candidate
        layer._auto_name = False
        if isinstance(layer, InputLayer):
            layer._output_tensor.name = candidate
        taken.add(candidate)


def _chain_of(input_tensors: list[KerasTensor], nodes: list[Node],
              outputs: list[KerasTensor]) -> list[Layer] | None:
    """The layers of a graph that is one chain from its only input to its only output (each
    layer called once with one output, on the previous layer's output, with no other
    arguments), else None. A layer returning states has several outputs, so it ends no chain."""
    if len(input_tensors) != 1:
        return None
    input_tensor = input_tensors[0]
    if (len(outputs) != 1 or len(nodes) < 2 or nodes[0] is not input_tensor._node
            or any(len(node.outputs) != 1 for node in nodes)
            or outputs[0] is not nodes[-1].outputs[0]):
        return None
    for prev, node in zip(nodes, nodes[1:]):
        if node.kwargs or node.inputs is not prev.outputs[0]:
            return None
    return [node.layer for node in nodes[1:]]


def _mask_operations(nodes: list[Node], outputs: list[KerasTensor]) -> set[int]:
    """The ids of the operation nodes that only compute masks: each reader takes their outputs
    as a call argument (``mask=``) or is such a node too. Keras 3 adds them between layers
    (Embedding's ``not_equal``, Masking's ``any``); Keras 2 computes masks inside its layers,
    and its summary has no rows for them."""
    readers: dict[int, list[tuple[Node, bool]]] = {}  # producer node -> (reader, as operand)
    for node in nodes:
        for t in flatten(node.inputs):
            if isinstance(t, KerasTensor):
                readers.setdefault(id(t._node), []).append((node, True))
        for t in flatten(list(node.kwargs.values())):
            if isinstance(t, KerasTensor):
                readers.setdefault(id(t._node), []).append((node, False))
    returned = {id(t._node) for t in outputs}
    hidden: set[int] = set()
    for node in reversed(nodes):  # readers before the nodes they read
        if (isinstance(node.layer, KerasOperation) and id(node) not in returned
                and readers.get(id(node))
                and all(not operand or id(reader) in hidden
                        for reader, operand in readers[id(node)])):
            hidden.add(id(node))
    return hidden


def _layer_parents(node: Node, hidden: set[int]) -> list[KerasTensor]:
    """The tensors a node reads, but those of the mask operations ``hidden``."""
    return [t for t in node.parent_tensors if id(t._node) not in hidden]


def _resolve(obj, values: dict):
    if isinstance(obj, KerasTensor):
        return values[id(obj)][0]
    if isinstance(obj, (list, tuple)):
        return type(obj)(_resolve(o, values) for o in obj)
    return obj


def _shape_text(shape) -> str:
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return str(tuple(shape))


def _print_row(fields, positions, print_fn) -> None:
    # Keras 2's print_row: each field starts at the previous column and is cut at its own.
    line = ""
    for i, field in enumerate(fields):
        if i > 0:
            line = line[:-1] + " "
        line += str(field)
        line = line[: positions[i]]
        line += " " * (positions[i] - len(line))
    print_fn(line.rstrip())


def _check_verbose(verbose) -> None:
    if verbose not in ("auto", 0, 1, 2):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2; got {verbose!r}")


def _predict_batches(starts: list, verbose, run_batch):
    """predict's loop: ``run_batch(start)`` for each batch (its first row, or the batch of a
    dataset), its progress shown (``"auto"``:
    a bar when there are several batches), the results joined. The callers have checked
    ``verbose`` (_check_verbose) before the inputs."""
    if verbose == "auto":
        verbose = 1 if len(starts) > 1 else 0
    bar = _ProgressBar(len(starts), verbose) if verbose else None
    pieces = []
    for i, start in enumerate(starts):
        pieces.append(run_batch(start))
        if bar is not None:
            bar.update(i + 1)
    return _join_batches(pieces)


class _ProgressBar:
    """A Keras 2 style text progress bar: ``4/4 [==============================] - 0s 2ms/step``."""

    def __init__(self, total: int, verbose: int, stream=None):
        self.total = total
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stdout
        self.start = time.perf_counter()
        self.width = 30

    def update(self, done: int, logs: dict | None = None) -> None:
        """Show ``done`` steps; at the end, ``logs`` (name -> value) as Keras prints them."""
        from .config import is_interactive_logging_enabled

        if not is_interactive_logging_enabled():
            return
        elapsed = time.perf_counter() - self.start
        w = len(str(self.total))
        if done < self.total:
            if self.verbose != 1:
                return
            filled = int(self.width * done / self.total)
            bar = "=" * max(filled - 1, 0) + (">" if filled else "") + "." * (self.width - filled)
            eta = elapsed / done * (self.total - done) if done else 0.0
            self.stream.write(f"\r{done:{w}d}/{self.total} [{bar}] - ETA: {eta:.0f}s")
        else:
            per_step = elapsed / max(self.total, 1)
            step = f"{per_step * 1000:.0f}ms/step" if per_step < 1 else f"{per_step:.0f}s/step"
            prefix = "\r" if self.verbose == 1 else ""
            values = "".join(f" - {k}: {v:.4f}" for k, v in (logs or {}).items()
                             if isinstance(v, float))
            self.stream.write(f"{prefix}{done:{w}d}/{self.total} [{'=' * self.width}] - "
                              f"{elapsed:.0f}s {step}{values}\n")
        self.stream.flush()


# --------------------------------------------------------------------------- Model


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


class Model(Layer):
    """A functional model: ``Model(inputs, outputs)``.

    ``inputs``: an ``Input(...)`` tensor, a list of them, or a dict of them (then calls take a
    dict with the same keys). ``outputs``: a tensor, a list or a dict of tensors. ``model(x)``
    and ``model.predict(x)`` return an array for one output, else a list (a dict for dict
    outputs). A model with several inputs takes a list of arrays in the order of ``inputs``
    or a dict keyed by input name.
    """

    def __init__(self, inputs=None, outputs=None, name: str | None = None, trainable=True,
                 dtype=None, **kwargs):
        if kwargs:
            raise TypeError(f"unrecognized keyword arguments passed to Model: {sorted(kwargs)}")
        # Default names as Keras: "model" (Keras 2's name of a functional model), "sequential".
        super().__init__(name=name, trainable=trainable, dtype=dtype)
        self._input_tensors: list[KerasTensor] = []
        # Dict inputs and outputs: the model's flat lists follow Keras's order of their keys
        # (sorted, as tree.flatten); the dicts it returns keep the order they were given in.
        self._input_keys: list | None = None  # the keys of dict inputs, in the flat order
        self._input_order: list | None = None  # and as given
        self._output_tensors: list[KerasTensor] = []
        self._output_keys: list | None = None
        self._output_order: list | None = None
        self._single_output = True
        self._nodes: list[Node] = []
        self._layers: list[Layer] = []
        self._summary_rows: list[Layer] = []  # the layers and the operations the summary shows
        self._chain: list[Layer] | None = None
        self._accepted: tuple | None = None  # the input shape(s) of the last good call
        self._takes_text = False  # an Input of dtype "string"
        self._int_inputs = False  # an Input of an integer dtype
        if type(self) is Model or inputs is not None or outputs is not None:
            self._init_graph(inputs, outputs)

    # ----------------------------------------------------------- construction
    def _init_graph(self, inputs, outputs) -> None:
        if inputs is None or outputs is None:
            raise ValueError("Model needs inputs= (Input tensors) and outputs=")
        keys = order = None
        if isinstance(inputs, dict):
            keys, order = flat_keys(inputs), list(inputs)
            inputs = [inputs[k] for k in keys]
        elif isinstance(inputs, (list, tuple)):
            inputs = list(inputs)  # a list of one counts as that input (Keras 2)
        else:
            inputs = [inputs]
        if not inputs:
            raise ValueError("Model needs at least one input")
        for t in inputs:
            if not isinstance(t, KerasTensor) or not isinstance(t._node.layer, InputLayer):
                raise TypeError(f"Model inputs must be tensors made by Input(...), got {t!r}")
        if len({id(t) for t in inputs}) != len(inputs):
            raise ValueError("Model inputs list the same Input twice")
        self._input_keys, self._input_order = keys, order
        self._output_keys = self._output_order = None
        if isinstance(outputs, dict):
            self._output_keys, self._output_order = flat_keys(outputs), list(outputs)
            outputs = flat_values(outputs)
        self._single_output = isinstance(outputs, KerasTensor)
        outputs = [outputs] if self._single_output else list(flatten(outputs))
        if not outputs:
            raise ValueError("Model needs at least one output")
        self._set_graph(inputs, outputs)

    def _set_graph(self, input_tensors: list[KerasTensor], outputs: list[KerasTensor]) -> None:
        nodes = _topological_nodes(input_tensors, outputs)
        # Keras operations (h[:, -1], ops.mean, the masks between a saved graph's layers) run
        # as nodes but, as in Keras 3, are not the model's layers; the summary shows those
        # that compute more than masks, as Keras 2 shows its TFOpLambda layers.
        hidden = _mask_operations(nodes, outputs)
        graph_layers = _layers_by_depth(nodes, outputs)
        _assign_names(graph_layers, graph_layers)
        names = [layer.name for layer in graph_layers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"all layer names should be unique; duplicated: {dupes}")
        shown = {id(n.layer) for n in nodes if id(n) not in hidden}
        self._input_tensors = list(input_tensors)
        self._takes_text = any(t.dtype == "string" for t in self._input_tensors)
        self._int_inputs = any(_integer_dtype(t.dtype) for t in self._input_tensors)
        self._output_tensors = outputs
        self._nodes = nodes
        self._run_order = (_keras_run_order(nodes) if any(
            node.layer._consumes_input_masks for node in nodes) else nodes)
        self._layers = [layer for layer in graph_layers if not isinstance(layer, KerasOperation)]
        self._summary_rows = [layer for layer in graph_layers if id(layer) in shown]
        self._chain = _chain_of(self._input_tensors, nodes, outputs)
        self._accepted = None

    # ----------------------------------------------------------- properties
    @property
    def built(self) -> bool:
        if self._user_call:  # a subclassed model: built by its first call
            return self.__dict__.get("_user_built", False)
        return bool(self._input_tensors)

    @built.setter
    def built(self, value) -> None:  # a model is built when it has a graph
        if self._user_call:
            self.__dict__["_user_built"] = bool(value)

    @property
    def layers(self) -> list[Layer]:
        if self._user_call:
            return _custom.sublayers(self)
        return list(self._layers)

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._input_tensors)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._output_tensors)

    @property
    def input_names(self) -> list[str]:
        return [t._node.layer.name for t in self._input_tensors]

    @property
    def output_names(self) -> list[str]:
        """The names of the layers making the outputs, in the flat order (Keras 3)."""
        return [t._node.layer.name for t in self._output_tensors]

    def _structured(self, items: list, keys, order=None):
        """``items`` (one per input or output, in the flat order of ``keys``) in the structure
        the model was given: a dict in the ``order`` its keys were given in."""
        if keys is not None:
            by_key = dict(zip(keys, items))
            return {k: by_key[k] for k in (order or keys)}
        return items[0] if len(items) == 1 else list(items)

    def _structured_outputs(self, items: list):
        return self._structured(items, self._output_keys, self._output_order)

    @property
    def input(self):
        self._require_built()
        return self._structured(self._input_tensors, self._input_keys, self._input_order)

    @property
    def output(self):
        self._require_built()
        if self._single_output:
            return self._output_tensors[0]
        if self._output_keys is not None:
            return self._structured_outputs(self._output_tensors)
        return list(self._output_tensors)

    @property
    def input_shape(self):
        """The inputs' shapes in the flat order (Keras 3: a list for dict inputs too)."""
        self._require_built()
        shapes = [t.shape for t in self._input_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        out = self.output
        if isinstance(out, KerasTensor):
            return out.shape
        shapes = [t.shape for t in self._output_tensors]
        return shapes[0] if len(shapes) == 1 else shapes  # outputs=[t]: as Keras, t's shape

    def _require_built(self) -> None:
        if not self.built:
            raise ValueError(
                f"this model ({self.name!r}) has not yet been built; build it by calling "
                "build(input_shape), by calling it on a batch of data, or by giving its first "
                "layer an input shape"
            )

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called ``name`` (or at ``index`` in ``layers``); ValueError if none."""
        if index is not None:
            if name is not None:
                raise ValueError("provide only a layer name or a layer index, not both")
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"was asked to retrieve layer at index {index} but the model only has "
                    f"{len(self.layers)} layers"
                )
            return self.layers[index]
        if name is None:
            raise ValueError("provide either a layer name or a layer index")
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"no such layer: {name!r}; existing layers are: {[la.name for la in self.layers]}"
        )

    # ----------------------------------------------------------- weights
    @property
    def _mask_nodes(self) -> set[int]:
        """The ids of the operation nodes that only compute masks, derived from the graph
        (not stored: a pickled or copied model's nodes have other ids)."""
        return _mask_operations(self._nodes, self._output_tensors)

    def _weight_layers(self) -> list[Layer]:
        if self._user_call:
            return _custom.sublayers(self)
        return [layer for layer in self.layers if not isinstance(layer, InputLayer)]

    @property
    def weights(self):
        if self._user_call:
            return _custom.weights(self)
        return [w for layer in self._weight_layers() for w in layer.weights]

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        if self._user_call:
            return [w for w in self.weights if w.trainable]
        return [w for layer in self._weight_layers() for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        if self._user_call:
            return [w for w in self.weights if not w.trainable]
        return [w for layer in self._weight_layers() for w in layer.non_trainable_weights]

    def get_weights(self) -> list[np.ndarray]:
        """All weights as NumPy copies, layer by layer in ``layers`` order, Keras's layout."""
        if self._user_call:
            return _custom.get_weights(self)
        return [w for layer in self._weight_layers() for w in layer.get_weights()]

    def load_weights(self, filepath) -> None:
        """Load weights saved by Keras: ``.weights.h5`` (``model.save_weights``), ``.keras``
        (``model.save``) or legacy ``.h5``, read with h5py (no TensorFlow). The model must have
        the architecture the file was saved from. See :mod:`fusedrnn.saving`."""
        from . import saving

        saving.load_weights(self, filepath)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Write the weights as Keras 3 does (``.weights.h5``; h5py needed): Keras 3's
        ``load_weights`` and fusedrnn's read them. See :mod:`fusedrnn._save`."""
        from . import _save

        _save.save_weights(self, filepath, overwrite)

    def save(self, filepath, overwrite: bool = True) -> None:
        """Write the model as Keras 3 does (``.keras``: config and weights; h5py needed):
        Keras 3's ``load_model`` and fusedrnn's rebuild it. See :mod:`fusedrnn._save`."""
        from . import _save

        _save.save_model(self, filepath, overwrite)

    def get_config(self) -> dict:
        """Keras 3's config of the model (layers, and a functional model's calls); for a
        model written by subclassing, the base config its own get_config extends."""
        if self._user_call:
            return Layer.get_config(self)
        from . import _save

        return _save.model_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> Model:
        """The model ``get_config()`` (Keras 2's or 3's) describes, with fresh weights; a
        model written by subclassing is ``cls(**config)``."""
        from . import saving

        if cls._user_call:
            return cls(**config)
        kind = "Sequential" if issubclass(cls, Sequential) else "Functional"
        with saving._custom_objects(custom_objects):
            return saving._model_from_config({"class_name": kind, "config": config})

    def to_json(self, **kwargs) -> str:
        """Keras 3's ``to_json()``: the architecture as JSON (``model_from_json`` rebuilds
        it, in fusedrnn or Keras)."""
        from . import _save

        return _save.to_json(self, **kwargs)

    def set_weights(self, weights) -> None:
        """Set all weights (the order of :meth:`get_weights`); ValueError naming the expected
        count and shapes when they do not fit. Nothing changes unless all fit."""
        if self._user_call:
            return _custom.set_weights(self, weights)
        self._require_built()
        weights = list(weights)
        expected = [(layer, tuple(s)) for layer in self._weight_layers()
                    for s in layer._expected_weight_shapes()]
        if len(weights) != len(expected):
            shapes = [s for _, s in expected]
            raise ValueError(
                f"model {self.name!r} expects {len(expected)} weight arrays with shapes "
                f"{shapes}, but set_weights received {len(weights)}"
            )
        for i, (w, (layer, shape)) in enumerate(zip(weights, expected)):
            got = tuple(np.shape(_backend.to_numpy(w)))
            if got != shape:
                raise ValueError(
                    f"model {self.name!r}: weight {i} (of layer {layer.name!r}) has shape "
                    f"{got}, expected {shape}"
                )
        set_parts_weights(self._weight_layers(), weights)

    def count_params(self) -> int:
        if self._user_call:
            return Layer.count_params(self)
        self._require_built()
        return sum(layer.count_params() for layer in self._weight_layers())

    def reset_states(self) -> None:
        """Reset the carried states of every stateful layer."""
        for layer in self.layers:
            if hasattr(layer, "reset_states"):
                layer.reset_states()

    def reset_state(self) -> None:
        self.reset_states()

    # ----------------------------------------------------------- running
    def _run(self, x, training=False, masks=None):
        """Run the graph on checked input(s): one array, or a list in the order of ``inputs``;
        ``masks``: None, or one mask (or None) per input."""
        chain = self._chain
        if chain is not None and masks is None:
            # A plain stack (every Sequential, most functional models): each layer takes the
            # previous one's output and mask, with no graph bookkeeping (~2 us a call saved).
            mask = None
            for layer in chain:
                x, mask = layer._forward(x, training=training, mask=mask)
            return x if self._output_keys is None else self._structured_outputs([x])
        outputs, _ = self._execute(x, masks, training)
        return self._structured_outputs(outputs)

    def _execute(self, x, masks, training) -> tuple[list, list]:
        """Run the graph on checked input(s) with their masks (None, or one per input):
        returns the outputs and their masks, each a list in the order of ``outputs``."""
        self._require_built()
        observe = LAYER_OUTPUTS.get()
        chain = self._chain
        if chain is not None:
            mask = None if masks is None else masks[0]
            for layer in chain:
                x, mask = layer._forward(x, training=training, mask=mask)
                if observe is not None:
                    observe(layer, x)
            return [x], [mask]
        feeds = x if len(self._input_tensors) > 1 else [x]
        masks = [None] * len(feeds) if masks is None else masks
        values: dict[int, tuple] = {
            id(t): (value, m) for t, value, m in zip(self._input_tensors, feeds, masks)}
        # Keras 3's MultiHeadAttention reads the masks of its query, value and key tensors
        # and takes them off (Keras 2's leaves them): a later MultiHeadAttention or
        # GroupQueryAttention call on one of those tensors (they read masks off tensors), or on
        # the output of a call whose query lost its mask, sees none. The layers that take their
        # mask as a call argument still get it (Keras passes it in the graph).
        unmasked: set[int] = set()
        for node in self._run_order:
            layer = node.layer
            if isinstance(layer, InputLayer):
                continue
            if isinstance(node.inputs, (list, tuple)):  # a merge layer's or an operation's
                x_in = _resolve(node.inputs, values)
                mask_in = [values[id(t)][1] if isinstance(t, KerasTensor) else None
                           for t in node.inputs]
            else:
                x_in, mask_in = values[id(node.inputs)]
            kwargs = {k: _resolve(v, values) for k, v in node.kwargs.items()}
            if layer._reads_tensor_masks:
                kwargs["masks_taken"] = [id(t) in unmasked for t in node.inputs]
                if layer._consumes_input_masks and not layer._keras2_masks:
                    if id(node.inputs[0]) in unmasked:
                        unmasked.add(id(node.outputs[0]))
                    unmasked.update(id(t) for t in node.inputs)
                elif id(node.inputs[0]) in unmasked:  # its output carries its query's mask
                    unmasked.add(id(node.outputs[0]))
            if "mask" in kwargs or node.implicit_mask:
                kwargs.setdefault("mask", mask_in)
                outs, out_masks = layer._forward(x_in, training=training, **kwargs)
            else:  # computed without the input's mask, which its outputs carry (Keras 3)
                outs, _ = layer._forward(x_in, training=training, **kwargs)
                out_masks = layer._output_masks(mask_in)
            if observe is not None:
                observe(layer, outs)
            if len(node.outputs) > 1 or layer._multi_output():
                if isinstance(outs, dict):  # a nested model's dict outputs
                    outs, out_masks = flat_values(outs), flat_values(out_masks)
                for t, o, m in zip(node.outputs, outs, out_masks):
                    values[id(t)] = (o, m)
            else:
                values[id(node.outputs[0])] = (outs, out_masks)
        return ([values[id(t)][0] for t in self._output_tensors],
                [values[id(t)][1] for t in self._output_tensors])

    # ----------------------------------------------------------- as a layer of another model
    def _multi_output(self) -> bool:
        return len(self._output_tensors) > 1 or self._output_keys is not None

    def _expected_weight_shapes(self) -> list[tuple[int, ...]]:
        if self._user_call:
            return _custom.expected_shapes(self)
        return [tuple(s) for layer in self._weight_layers()
                for s in layer._expected_weight_shapes()]

    def _input_masks(self, mask) -> list | None:
        """A call's ``mask`` argument as one mask (or None) per input."""
        if mask is None:
            return None
        n = len(self._input_tensors)
        if n == 1:
            if isinstance(mask, (list, tuple)) and len(mask) == 1:
                mask = mask[0]
            return [mask]
        if isinstance(mask, dict):
            return self._from_dict(mask, what="mask")
        if not isinstance(mask, (list, tuple)) or len(mask) != n:
            raise ValueError(
                f"model {self.name!r} has {n} inputs {self.input_names}: its mask argument "
                f"must be a list of {n} masks (None for an input without one)"
            )
        return list(mask)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        """The model as a layer of another model: (outputs, their masks)."""
        if kwargs:
            raise TypeError(f"model {self.name!r} got unexpected call arguments "
                            f"{sorted(kwargs)}")
        x = self._check_input(inputs)
        self._build_for(x)
        self._ensure_input_rank(x)
        outputs, masks = self._execute(x, self._input_masks(mask), training)
        return self._structured_outputs(outputs), self._structured_outputs(masks)

    def _symbolic_inputs(self, inputs) -> list[KerasTensor]:
        """A symbolic call's inputs as a list in the order of ``inputs``."""
        n = len(self._input_tensors) or 1  # an unbuilt Sequential takes one input
        if isinstance(inputs, dict):
            tensors = self._from_dict(inputs) if self.built else list(inputs.values())
        elif isinstance(inputs, (list, tuple)):
            tensors = list(inputs)
        else:
            tensors = [inputs]
        if len(tensors) != n:
            raise ValueError(
                f"model {self.name!r} expects {n} input{'s' if n > 1 else ''}"
                + (f" {self.input_names}" if self.built else "")
                + f", but it was called on {len(tensors)}"
            )
        for t in tensors:
            if not isinstance(t, KerasTensor):
                raise TypeError(
                    f"model {self.name!r} was called on a mix of symbolic tensors and "
                    f"{type(t).__name__}; call it on Input tensors (or layer outputs) only"
                )
        return tensors

    def _symbolic_call(self, inputs, **kwargs):
        kwargs.pop("training", None)
        mask = kwargs.pop("mask", None)  # a saved Keras 3 graph passes masks as tensors
        if kwargs:
            raise TypeError(f"model {self.name!r} got unexpected call arguments "
                            f"{sorted(kwargs)}")
        tensors = self._symbolic_inputs(inputs)
        shapes = [t.shape for t in tensors]
        self._build_for_shape(shapes[0])
        self._check_input_shapes(shapes, symbolic=True)
        out_shapes = self._output_shapes_for(shapes)
        node = Node(self, tensors[0] if len(tensors) == 1 else tensors,
                    {} if mask is None else {"mask": mask}, [])
        if isinstance(inputs, dict):
            node.input_dict = dict(inputs)
        node.outputs = [KerasTensor(s, t.dtype, node, i)
                        for i, (s, t) in enumerate(zip(out_shapes, self._output_tensors))]
        self._inbound_nodes.append(node)
        return self._structured_outputs(node.outputs)

    def _output_shapes_for(self, input_shapes: list[tuple]) -> list[tuple]:
        """The output shapes for inputs of ``input_shapes`` (batch first): the model's own, or,
        where the inputs are more specific than the model's (a time length it left open),
        those of its graph traced again on inputs of those shapes."""
        if all(tuple(s) == t.shape for s, t in zip(input_shapes, self._input_tensors)):
            return [t.shape for t in self._output_tensors]
        layers = {id(node.layer): node.layer for node in self._nodes}
        counts = {key: len(layer._inbound_nodes) for key, layer in layers.items()}
        values: dict[int, KerasTensor] = {
            id(t): KerasTensor(s, t.dtype) for t, s in zip(self._input_tensors, input_shapes)}

        def resolve(obj):
            if isinstance(obj, KerasTensor):
                return values[id(obj)]
            if isinstance(obj, (list, tuple)):
                return type(obj)(resolve(o) for o in obj)
            return obj

        try:  # the traced calls' nodes are dropped again
            for node in self._nodes:
                if isinstance(node.layer, InputLayer):
                    continue
                kwargs = {k: resolve(v) for k, v in node.kwargs.items()}
                if node.layer._positional_inputs:
                    outs = node.layer(*resolve(node.inputs), **kwargs)
                else:
                    outs = node.layer(resolve(node.inputs), **kwargs)
                if isinstance(outs, dict):
                    outs = flat_values(outs)
                for t, o in zip(node.outputs, flatten(outs)):
                    values[id(t)] = o
        finally:
            for key, layer in layers.items():
                del layer._inbound_nodes[counts[key]:]
        return [values[id(t)].shape for t in self._output_tensors]

    def compute_output_shape(self, input_shape):
        several = len(self._input_tensors) > 1
        shapes = [tuple(s) for s in input_shape] if several else [tuple(input_shape)]
        self._build_for_shape(shapes[0])
        out = self._output_shapes_for(shapes)
        return out if self._multi_output() else out[0]

    def _check_input_shape(self, shape) -> None:
        """As a wrapped layer (TimeDistributed): ``shape`` must fit the model's one input."""
        self._build_for_shape(shape)
        self._check_input_shapes([tuple(shape)], symbolic=True)

    def _ensure_built(self, input_shape) -> None:
        self._build_for_shape(input_shape)

    def _build_for_shape(self, input_shape) -> None:
        """Hook for deferred building from an input shape (Sequential)."""

    def _check_array(self, x, what: str, strings: bool = False):
        """``x`` as an array with a batch axis: numeric, or text for a string input."""
        if type(x) is np.ndarray and x.dtype.kind in "biuf" and x.ndim > 0 and not strings:
            return x  # the common case, checked cheaply (streaming calls pay this per step)
        if strings:
            x = np.asarray(x, dtype=object) if not isinstance(x, np.ndarray) else x
            if x.dtype.kind not in "USO":
                raise TypeError(f"{what} must be strings (its Input has dtype 'string'), got "
                                f"an array of dtype {x.dtype}")
        elif not _backend.is_cupy_array(x):
            try:
                x = np.asarray(x)
            except (ValueError, TypeError) as exc:
                raise TypeError(f"{what} must be a numeric array: {exc}") from exc
        if x.dtype.kind not in "biuf" and not strings:
            raise TypeError(f"{what} must be numeric, got an array of dtype {x.dtype}")
        if x.ndim == 0:
            raise ValueError(f"{what} must have a batch dimension; got a scalar")
        return x

    def _string_inputs(self) -> list[bool]:
        """For each input, whether it takes text (an Input of dtype "string")."""
        return [t.dtype == "string" for t in self._input_tensors]

    def _from_dict(self, inputs: dict, what: str = "data") -> list:
        """A dict of input arrays (or tensors, or masks) in the order of ``inputs``: by the
        model's input keys, else by input name (keys that name no input are ignored, as Keras
        does)."""
        keys = self._input_keys or self.input_names
        arrays = []
        for key, name in zip(keys, self.input_names):
            if key in inputs:
                arrays.append(inputs[key])
            elif name in inputs:
                arrays.append(inputs[name])
            else:
                raise ValueError(
                    f"missing {what} for input {key!r} of model {self.name!r}: the dict has "
                    f"keys {list(inputs)}, the model expects {keys}"
                )
        return arrays

    def _check_input(self, inputs):
        """The call's input checked: an array for a one-input model, else a list of arrays in
        the order of ``inputs`` (from a list or tuple, or a dict keyed by input name)."""
        x = inputs
        if (type(x) is np.ndarray and x.dtype.kind in "biuf" and x.ndim > 0
                and len(self._input_tensors) <= 1 and not self._takes_text
                and (not self._int_inputs or x.dtype.kind in "iu") and (
                    not self._input_tensors or x.ndim == len(self._input_tensors[0].shape))):
            return x  # the common case, checked cheaply (streaming calls pay this per step)
        n = len(self._input_tensors)
        if n <= 1:
            if isinstance(x, (list, tuple)) and len(x) == 1 and not np.isscalar(x[0]) and (
                    np.ndim(x[0]) >= 1 or _backend.is_cupy_array(x[0])):
                x = x[0]
            if isinstance(x, dict):
                if n == 0 and len(x) != 1:  # an unbuilt Sequential: one input, no name yet
                    raise ValueError(f"this model takes a single input; got {len(x)} inputs")
                x = x[next(iter(x))] if n == 0 else self._from_dict(x)[0]
            x = self._check_array(x, "model input", self._string_inputs()[:1] == [True])
            return _adjust_rank(x, self._input_tensors[0]) if n else x
        names = self.input_names
        if isinstance(inputs, dict):
            arrays = self._from_dict(inputs)
        elif isinstance(inputs, (list, tuple)):
            if len(inputs) != n:
                raise ValueError(
                    f"model {self.name!r} expects {n} inputs {names}, but it received "
                    f"{len(inputs)} input arrays"
                )
            arrays = list(inputs)
        else:
            raise ValueError(
                f"model {self.name!r} has {n} inputs {names}: pass a list of {n} arrays or a "
                f"dict keyed by input name, not a single {type(inputs).__name__}"
            )
        arrays = [_adjust_rank(self._check_array(x, f"input {name!r} of model {self.name!r}",
                                                 text), t)
                  for x, name, text, t in zip(arrays, names, self._string_inputs(),
                                              self._input_tensors)]
        sizes = [int(x.shape[0]) for x in arrays]
        if len(set(sizes)) > 1:
            raise ValueError(
                f"the inputs of model {self.name!r} have different batch sizes "
                + ", ".join(f"{name!r}: {size}" for name, size in zip(names, sizes))
                + "; every input needs one row per sample"
            )
        return arrays

    def _ensure_input_rank(self, x) -> None:
        """Check the input(s) (as :meth:`_check_input` returns them) against the inputs'
        shapes."""
        several = len(self._input_tensors) > 1
        shapes = tuple([a.shape for a in x]) if several else x.shape
        if self._accepted == shapes:
            return  # the shapes the last call passed with (streaming calls repeat them)
        self._check_input_shapes(shapes if several else [shapes])
        self._accepted = shapes

    def _check_input_shapes(self, shapes, symbolic: bool = False) -> None:
        """ValueError unless each shape (batch first) fits its input's rank and sizes; in a
        symbolic call an unknown size (None) fits any."""
        for i, (t, shape) in enumerate(zip(self._input_tensors, shapes)):
            want = t.shape
            what = (f"input of model {self.name!r}" if len(shapes) == 1 else
                    f"input {i} ({t._node.layer.name!r}) of model {self.name!r}")
            if len(want) != len(shape):
                raise ValueError(
                    f"{what} must have rank {len(want)} (shape {want}); got shape "
                    f"{tuple(shape)}"
                )
            for d, (w, g) in enumerate(zip(want, shape)):
                if d > 0 and w is not None and w != g and not (symbolic and g is None):
                    raise ValueError(
                        f"{what} is incompatible: expected shape {want}, got "
                        f"{tuple(shape)} (dimension {d})"
                    )

    def __call__(self, inputs, *args, training=False, mask=None, **kwargs):
        """Run the model on array(s); on Input tensors, add it to the graph of another model.
        ``mask``: the input's mask (one per input for several), as Keras takes it. A
        subclassed model runs its ``call`` with the arguments given."""
        if self._user_call:
            return _custom.call(self, (inputs, *args),
                                {"training": training, "mask": mask, **kwargs})
        if kwargs:
            raise TypeError(f"model {self.name!r} got an unexpected keyword argument "
                            f"{sorted(kwargs)[0]!r} (a model takes its input(s), training= "
                            f"and mask=)")
        if len(args) > 2:
            raise TypeError(f"model {self.name!r} takes its input(s), training and mask; got "
                            f"{len(args) + 1} positional arguments")
        if args:  # model(x, training[, mask]), positionally as Keras's call takes them
            training = args[0]
            mask = args[1] if len(args) > 1 else mask
        if has_symbolic(inputs) or (isinstance(inputs, dict)
                                    and has_symbolic(list(inputs.values()))):
            return self._symbolic_call(inputs, mask=mask)
        x = self._check_input(inputs)
        self._build_for(x)
        self._ensure_input_rank(x)
        return self._run(x, training=training, masks=self._input_masks(mask))

    def _build_for(self, x) -> None:
        """Hook for deferred building (Sequential)."""

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                **kwargs):
        """Run the model over ``x`` in batches of ``batch_size`` (default 32).

        ``x``: an array, or for a model with several inputs a list of arrays (or a dict keyed
        by input name) with one row per sample each; or a dataset of batches
        (``utils.timeseries_dataset_from_array``'s, or an iterator of batches: each ``x`` or
        ``(x, y, ...)``, whose ``x`` is taken). verbose: ``"auto"`` shows a progress bar
        when there are several batches, ``1`` always, ``2`` one line at the end, ``0``
        nothing. Returns NumPy (CuPy for CuPy input), structured as ``model(x)``.
        """
        if kwargs:
            raise TypeError(f"predict() got unexpected arguments {sorted(kwargs)}")
        from ._dataset import is_dataset

        if is_dataset(x):  # batches (x, or (x, y, ...) whose x is taken), as from tf.data
            _check_verbose(verbose)
            items = [item for i, item in enumerate(x) if steps is None or i < steps]

            def run_item(item):
                xb = item[0] if isinstance(item, tuple) else item
                if self._user_call:
                    return self(xb)
                return self._run(self._batched_input(xb, None, 0)[0])

            return _predict_batches(items, verbose, run_item)
        if self._user_call:
            return _custom.predict(self, x, batch_size, verbose, steps)
        x, batch_size = self._batched_input(x, batch_size, verbose)
        several = len(self._input_tensors) > 1
        starts = _batch_starts((x[0] if several else x).shape[0], batch_size, steps)

        def run_batch(start):
            stop = start + batch_size
            return self._run([a[start:stop] for a in x] if several else x[start:stop])

        return _predict_batches(starts, verbose, run_batch)

    def _batched_input(self, x, batch_size, verbose):
        """predict's and evaluate's checks: ``x`` checked (the model built for it) and the
        batch size (32 by default)."""
        if batch_size is None:
            batch_size = 32
        _check_positive_int("batch_size", batch_size)
        _check_verbose(verbose)
        x = self._check_input(x)
        self._build_for(x)
        self._ensure_input_rank(x)
        return x, batch_size

    def predict_on_batch(self, x):
        return self(x)

    # ----------------------------------------------------------- training stand-ins
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True, **kwargs) -> None:
        """Keras's ``compile``: the loss and metrics that ``evaluate`` reports (names, classes
        or functions of ``fusedrnn.losses`` / ``fusedrnn.metrics``, as Keras takes them; one
        per output, or lists/dicts by output name). fusedrnn does not train: the optimizer
        (a name or ``fusedrnn.optimizers`` object) is kept as configuration."""
        from . import _evaluate

        unknown = sorted(set(kwargs) - set(_evaluate._KERAS2_COMPILE_ARGS))
        if unknown:
            raise TypeError(f"compile() got unexpected arguments {unknown}")
        self._compiled = _evaluate.Compiled(optimizer, loss, loss_weights, metrics,
                                            weighted_metrics)
        self.optimizer = self._compiled.optimizer
        self.loss = loss

    @property
    def compiled(self) -> bool:
        return getattr(self, "_compiled", None) is not None

    @property
    def metrics_names(self) -> list[str]:
        """The names ``evaluate`` reports, in its list's order (Keras 3: known once the
        model has been evaluated; ``["loss"]`` before)."""
        compiled = getattr(self, "_compiled", None)
        if compiled is None:
            return []
        if compiled._built is None:
            return ["loss"]
        return list(compiled.in_order({name: name for name in compiled.results(0.0)}))

    def get_compile_config(self) -> dict | None:
        """What ``compile`` was given (None before it is called)."""
        compiled = getattr(self, "_compiled", None)
        return None if compiled is None else compiled.config()

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics given to ``compile``, on ``x`` and targets ``y``, as Keras 3
        reports them: a float (the loss alone), else a list ``[loss, metric, ...]`` (a dict
        with ``return_dict=True``). Batches of ``batch_size`` (32); ``sample_weight`` per
        sample (or per output); see :mod:`fusedrnn._evaluate`."""
        from . import _evaluate

        if kwargs:
            raise TypeError(f"evaluate() got unexpected arguments {sorted(kwargs)}")
        return _evaluate.evaluate(self, x, y, batch_size, verbose, sample_weight, steps,
                                  return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """``evaluate`` on one batch (all of ``x``)."""
        rows = (next(iter(x.values())) if isinstance(x, dict)
                else x[0] if isinstance(x, (list, tuple)) else x)
        return self.evaluate(x, y, batch_size=max(len(rows), 1), verbose=0,
                             sample_weight=sample_weight, return_dict=return_dict)

    def fit(self, *args, **kwargs):
        raise NotImplementedError(
            "fusedrnn runs inference only; train with Keras and load the weights "
            "(set_weights)"
        )

    def export(self, filepath, format="tf_saved_model", *args, **kwargs):
        """Keras's export to a TensorFlow SavedModel, ONNX or LiteRT artifact needs those
        runtimes; fusedrnn serves the model itself (``model.save("m.keras")`` keeps it)."""
        raise NotImplementedError(
            f"model.export(format={format!r}) writes a TensorFlow/ONNX/LiteRT artifact, "
            f"which fusedrnn does not produce; save the model with model.save('m.keras') "
            f"(Keras and fusedrnn load it) and serve it with fusedrnn"
        )

    # ----------------------------------------------------------- summary
    def _model_nodes(self) -> set[int]:
        return {id(n) for n in self._nodes}

    def _summary_layers(self) -> list[Layer]:
        return self._summary_rows

    def _layer_output_shape(self, layer: Layer) -> str:
        if isinstance(layer, Model):  # Keras 2 shows a nested model's own output shape
            shape = layer.output_shape
            return _shape_text(shape)
        relevant = self._model_nodes()
        shapes = []
        for node in layer._inbound_nodes:
            if id(node) not in relevant:
                continue
            if isinstance(layer, InputLayer):
                shapes.append([node.outputs[0].shape])
            elif len(node.outputs) > 1 or layer._multi_output():
                shapes.append([t.shape for t in node.outputs])
            else:
                shapes.append(node.outputs[0].shape)
        if not shapes:
            return "?"
        if any(s != shapes[0] for s in shapes[1:]):
            return "multiple"
        return _shape_text(shapes[0])

    def _is_sequential_like(self) -> bool:
        """Keras 2's test: a chain of layers, each node fed by one tensor, none shared."""
        if len(self._input_tensors) > 1:
            return False
        readers: dict[int, int] = {}
        hidden = self._mask_nodes
        nodes = [n for n in self._nodes if id(n) not in hidden]
        for node in nodes:
            parents = _layer_parents(node, hidden)
            if len(parents) > 1:
                return False
            for p in parents:
                readers[id(p._node)] = readers.get(id(p._node), 0) + 1
        if any(count > 1 for count in readers.values()):
            return False
        return len({id(n.layer) for n in nodes}) == len(nodes)

    def summary(self, line_length: int | None = None, positions=None,
                print_fn: Callable | None = None, expand_nested=False, show_trainable=False,
                layer_range=None) -> None:
        """Print the Keras 2 summary table (layer, output shape, parameter count, totals)."""
        if self._user_call:
            return self._user_summary(print_fn or print)
        self._require_built()
        if print_fn is None:
            print_fn = print
        sequential_like = isinstance(self, Sequential) or self._is_sequential_like()
        if sequential_like:
            line_length = line_length or 65
            positions = positions or [0.45, 0.85, 1.0]
            headers = ["Layer (type)", "Output Shape", "Param #"]
        else:
            line_length = line_length or 98
            positions = positions or [0.33, 0.55, 0.67, 1.0]
            headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        positions = list(positions)
        if len(positions) != len(headers):
            raise ValueError(
                f"summary: positions must give the right end of each of the {len(headers)} "
                f"columns {headers}, got {positions!r}"
            )
        if positions[-1] <= 1:
            positions = [int(line_length * p) for p in positions]
        print_fn(f'Model: "{self.name}"')
        print_fn("_" * line_length)
        _print_row(headers, positions, print_fn)
        print_fn("=" * line_length)
        layers = self._summary_layers()
        relevant = self._model_nodes()
        hidden = self._mask_nodes
        for i, layer in enumerate(layers):
            fields = [f"{layer.name} ({_type_name(layer)})", self._layer_output_shape(layer),
                      0 if isinstance(layer, InputLayer) else layer.count_params()]
            if sequential_like:
                _print_row(fields, positions, print_fn)
            else:
                connections = []
                for node in layer._inbound_nodes:
                    if id(node) not in relevant:
                        continue
                    for t in _layer_parents(node, hidden):
                        parent, node_index, tensor_index = t._keras_history
                        connections.append(f"{parent.name}[{node_index}][{tensor_index}]")
                _print_row(fields + [connections[0] if connections else ""], positions, print_fn)
                for extra in connections[1:]:
                    _print_row(["", "", "", extra], positions, print_fn)
            print_fn("=" * line_length if i == len(layers) - 1 else "_" * line_length)
        if not layers:
            print_fn("=" * line_length)
        total = self.count_params()
        trainable = sum(math.prod(w.shape) for w in self.trainable_weights)
        print_fn(f"Total params: {total:,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {total - trainable:,}")
        print_fn("_" * line_length)

    def _user_summary(self, print_fn) -> None:
        """A subclassed model's table: its sublayers, no shapes (Keras shows none for a model
        it has not traced), parameter counts."""
        if not self.built:
            raise ValueError(f"this model ({self.name!r}) has not yet been built; call it on "
                             f"a batch of data first")
        rows = _custom.summary_rows(self)
        width = 65
        print_fn(f'Model: "{self.name}"')
        print_fn("_" * width)
        _print_row(["Layer (type)", "Output Shape", "Param #"], [29, 55, 65], print_fn)
        print_fn("=" * width)
        for i, (name, shape, count) in enumerate(rows):
            _print_row([name, shape, str(count)], [29, 55, 65], print_fn)
            print_fn(("=" if i == len(rows) - 1 else "_") * width)
        total = self.count_params()
        trainable = int(sum(int(np.prod(w.shape)) for w in self.trainable_weights))
        print_fn(f"Total params: {total:,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {total - trainable:,}")
        print_fn("_" * width)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _integer_dtype(dtype: str) -> bool:
    return dtype not in ("string", "str") and np.dtype(dtype).kind in "iu"


def _adjust_rank(x, tensor: KerasTensor):
    """An input one rank short of its Input's, whose last size is 1, gets that axis; one with
    an extra last axis of size 1 loses it (Keras 3's Functional._adjust_input_rank): strings
    (batch,) for ``Input((1,), dtype="string")``. Numbers given to an Input of an integer dtype
    are converted to it, as Keras converts each input to its Input's dtype (floats truncate
    toward zero)."""
    if x.dtype.kind in "bf" and _integer_dtype(tensor.dtype):
        x = x.astype(tensor.dtype)
    rank = len(tensor.shape)
    if x.ndim == rank - 1 and tensor.shape[-1] == 1:
        return x[..., None]
    if x.ndim == rank + 1 and x.shape[-1] == 1:
        return x[..., 0]
    return x


def _type_name(layer: Layer) -> str:
    """A layer's type in the summary: a functional model's is "Functional", as in Keras; an
    operation's is its Keras class."""
    if isinstance(layer, KerasOperation):
        return layer.type_name
    return "Functional" if type(layer) is Model else type(layer).__name__


def _concat(pieces):
    xp = _backend.array_module(pieces[0])
    if len(pieces) == 1:
        return pieces[0]
    return xp.concatenate(pieces, axis=0)


def _batch_starts(n: int, batch_size: int, steps) -> list[int]:
    """The first row of each of predict's batches (``steps`` of them at most)."""
    starts = list(range(0, n, batch_size)) or [0]
    if steps is not None:
        _check_positive_int("steps", steps)
        starts = starts[:int(steps)]
    return starts


def _join_batches(pieces: list):
    """predict's per-batch outputs joined along the batch axis, in their structure (an
    array, or dicts, lists and tuples of them)."""
    first = pieces[0]
    if isinstance(first, dict):
        return {k: _join_batches([p[k] for p in pieces]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_join_batches([p[i] for p in pieces]) for i in range(len(first)))
    return _concat([p if hasattr(p, "shape") else np.asarray(p) for p in pieces])


# --------------------------------------------------------------------------- Sequential


class Sequential(Model):
    """A plain stack of layers: ``Sequential([LSTM(8, input_shape=(10, 5)), Dense(1)])`` or
    ``model.add(layer)``. The first layer may be ``Input(shape=...)`` or carry a Keras 2
    ``input_shape``/``batch_input_shape``; otherwise the model builds on its first call."""

    def __init__(self, layers=None, name: str | None = None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._stack: list[Layer] = []
        self._input_layer: InputLayer | None = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)  # Keras: a Sequential's layers exclude its InputLayer

    def _summary_layers(self) -> list[Layer]:
        return self.layers

    def _weight_layers(self) -> list[Layer]:
        if self._user_call:
            return _custom.sublayers(self)
        return list(self._stack)

    def add(self, layer) -> None:
        """Append a layer (or set the input with ``Input(...)`` / ``InputLayer``)."""
        if isinstance(layer, KerasTensor):
            if not isinstance(layer._node.layer, InputLayer):
                raise TypeError("Sequential.add takes layers or an Input(...) tensor")
            layer = layer._node.layer
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("an Input must be the first element of a Sequential model")
            self._input_layer = layer
            _assign_names([layer], [layer])
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"the added layer must be an instance of fusedrnn.layers.Layer; got {layer!r}"
            )
        if layer in self._stack:
            raise ValueError(f"layer {layer.name!r} is already in this model")
        if self._input_layer is None and not self._stack:
            shape = layer._batch_input_shape
            if isinstance(layer, Model) and len(layer._input_tensors) == 1:
                shape = layer._input_tensors[0].shape  # a built model first: built from it
            if shape:
                self._input_layer = InputLayer(batch_shape=shape)
                _assign_names([self._input_layer], [self._input_layer])
        _assign_names(self._stack + [layer], [layer])
        if self._input_layer is not None:
            self._append_traced(layer)
        self._stack.append(layer)

    def pop(self) -> Layer:
        if not self._stack:
            raise TypeError("there are no layers in the model")
        layer = self._stack.pop()
        if self._input_layer is not None and self._stack:
            self._rebuild()
        return layer

    def _append_traced(self, layer: Layer) -> None:
        """Call ``layer`` symbolically on the current output and extend the graph."""
        x = self._output_tensors[0] if self._stack else self._input_layer._output_tensor
        out = layer(x)
        if not isinstance(out, KerasTensor):
            layer._inbound_nodes.pop()
            raise ValueError(
                f"all layers in a Sequential model should have a single output tensor; "
                f"layer {layer.name!r} has several (use the functional Model)"
            )
        self._single_output = True
        self._set_graph([self._input_layer._output_tensor], [out])

    def _rebuild(self) -> None:
        """Trace the whole stack symbolically from the input (shapes, weights, nodes)."""
        stack, self._stack = self._stack, []
        for layer in stack:
            self._append_traced(layer)
            self._stack.append(layer)

    def build(self, input_shape=None) -> None:
        """Build with ``input_shape`` (batch first, e.g. ``(None, 10, 5)``)."""
        if self.built:
            return
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("build() needs an input_shape for a model without an Input")
        elif self._input_layer is None:
            self._input_layer = InputLayer(batch_shape=tuple(input_shape))
            _assign_names([self._input_layer], [self._input_layer])
        if self._stack:
            self._rebuild()

    def _build_for(self, x) -> None:
        if not self.built:
            self._build_for_shape(x.shape)

    def _build_for_shape(self, input_shape) -> None:
        if not self.built:
            if not self._stack:
                raise ValueError(f"the Sequential model {self.name!r} has no layers")
            self.build((None, *tuple(input_shape)[1:]))

    def _require_built(self) -> None:
        if not self.built or not self._stack:
            raise ValueError(
                f"this model ({self.name!r}) has not yet been built; build it by calling "
                "build(input_shape), by calling it on a batch of data, or by giving its first "
                "layer an input shape"
            )


def _clone_layer(layer: Layer) -> Layer:
    """Keras's default ``clone_function``: the layer its config describes (fresh weights)."""
    return layer.__class__.from_config(layer.get_config())


def _clone_operation(op: KerasOperation) -> KerasOperation:
    return KerasOperation(op.class_name, op.get_config(), op.type_name)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive: bool = False, **kwargs):
    """``keras.models.clone_model``: a model computing as ``model`` does, made of new layers
    (each ``clone_function(layer)``, by default the layer its config describes) with newly
    initialised weights; copy them with ``clone.set_weights(model.get_weights())``.

    ``input_tensors``: ``Input(...)`` tensors to build the clone on, in the structure of
    ``model.input`` (one for a Sequential). ``call_function(layer, *args, **kwargs)``
    (functional models only) calls each cloned layer in the graph, e.g. to insert layers.
    ``recursive``: clone the models nested in ``model`` with ``clone_model`` (else with
    ``clone_function``). A layer shared between calls is cloned once and shared in the clone.
    Keras operations in a graph (``h[:, -1]``, ``ops.mean``) have no weights and are copied
    without ``clone_function``. The clone's input layers keep their names (as Keras 2; Keras 3
    names them after its input tensors). A model written by subclassing is
    ``cls.from_config(model.get_config())``."""
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs)}")
    from . import saving

    # The classes written by subclassing that the model holds, for the layers holding them
    # (an RNN's cell, a wrapper's layer) to rebuild them from their configs.
    classes = {**user_classes(model), **(saving._CUSTOM_OBJECTS.get() or {})}
    with saving._custom_objects(classes):
        return _clone_model(model, input_tensors, clone_function, call_function, recursive,
                            {})


def _clone_model(model, input_tensors, clone_function, call_function, recursive,
                 cache: dict):
    if clone_function is not None and not callable(clone_function):
        raise ValueError(
            f"clone_function must be a callable taking a layer; got {clone_function!r}")
    if call_function is not None and not callable(call_function):
        raise ValueError(
            f"call_function must be a callable (layer, *args, **kwargs); got {call_function!r}")
    if not isinstance(model, Layer):
        raise TypeError(f"clone_model takes a model; got {type(model).__name__}")
    make = clone_function or _clone_layer

    def clone(layer: Layer) -> Layer:
        if id(layer) not in cache:
            if recursive and isinstance(layer, Model) and not layer._user_call:
                new = _clone_model(layer, None, clone_function, call_function, True, cache)
            else:
                new = make(layer)
                if not isinstance(new, Layer):
                    raise TypeError(
                        f"clone_function must return a layer; for {layer.name!r} it returned "
                        f"{type(new).__name__}")
            cache[id(layer)] = new
        return cache[id(layer)]

    if not isinstance(model, Model) or model._user_call:
        if clone_function is not None or input_tensors is not None:
            raise ValueError(
                "clone_function and input_tensors are only supported for Sequential and "
                f"functional models; got a {type(model).__name__}")
        if call_function is not None:
            raise ValueError("call_function is only supported for functional models; got a "
                             f"{type(model).__name__}")
        return _clone_layer(model)
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "call_function is not supported with Sequential models: their layers are "
                "listed, not called, when the model is made; use it with functional models")
        return _clone_sequential(model, input_tensors, clone)
    return _clone_functional(model, input_tensors, clone, call_function)


def _new_input(tensor: KerasTensor) -> KerasTensor:
    """A new ``Input`` like the one that made ``tensor``."""
    from .layers._base import Input

    return Input(batch_shape=tensor.shape, dtype=tensor.dtype, name=tensor._node.layer.name)


def _check_input_tensor(t) -> KerasTensor:
    if not isinstance(t, KerasTensor) or not isinstance(t._node.layer, InputLayer):
        raise ValueError(
            f"input_tensors must be tensors made by Input(...); got {t!r}")
    return t


def _clone_sequential(model: Sequential, input_tensors, clone) -> Sequential:
    new_layers = [clone(layer) for layer in model.layers]
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError(
                    "input_tensors of a Sequential model must hold a single tensor; got "
                    f"{len(input_tensors)}")
            input_tensors = input_tensors[0]
        new_layers.insert(0, _check_input_tensor(input_tensors))
    elif model._input_layer is not None:
        new_layers.insert(0, _new_input(model._input_layer._output_tensor))
    return Sequential(new_layers, name=model.name, trainable=model.trainable)


def _clone_functional(model: Model, input_tensors, clone, call_function) -> Model:
    model._require_built()
    n = len(model._input_tensors)
    if input_tensors is None:
        inputs = [_new_input(t) for t in model._input_tensors]
    else:
        if model._input_keys is not None:
            if not isinstance(input_tensors, dict) or set(input_tensors) != set(
                    model._input_keys):
                raise ValueError(
                    "input_tensors must have the structure of model.input: a dict with the "
                    f"keys {model._input_keys}; got {input_tensors!r}")
            inputs = [input_tensors[k] for k in model._input_keys]
        elif isinstance(input_tensors, (list, tuple)):
            inputs = list(input_tensors)
        else:
            inputs = [input_tensors]
        if len(inputs) != n:
            raise ValueError(
                f"input_tensors must have the structure of model.input ({n} tensor"
                f"{'s' if n > 1 else ''}); got {len(inputs)}")
        inputs = [_check_input_tensor(t) for t in inputs]
    values: dict[int, KerasTensor] = {
        id(old): new for old, new in zip(model._input_tensors, inputs)}

    def resolve(obj):
        if isinstance(obj, KerasTensor):
            return values[id(obj)]
        if isinstance(obj, (list, tuple)):
            return type(obj)(resolve(o) for o in obj)
        if isinstance(obj, dict):
            return {k: resolve(v) for k, v in obj.items()}
        return obj

    operations: dict[int, KerasOperation] = {}
    for node in model._nodes:
        old = node.layer
        if isinstance(old, InputLayer):
            continue
        if isinstance(old, KerasOperation):  # copied once, shared where the model shares it
            layer = operations.setdefault(id(old), _clone_operation(old))
        else:
            layer = clone(old)
            if old.__dict__.get("_keras2_masks"):  # loaded from a Keras 2 file: its rules
                layer._keras2_masks = True
        args = resolve(node.inputs if node.input_dict is None else node.input_dict)
        args = list(args) if old._positional_inputs else [args]
        kwargs = {k: resolve(v) for k, v in node.kwargs.items()}
        calls = len(layer._inbound_nodes)
        outs = (call_function(layer, *args, **kwargs) if call_function is not None
                else layer(*args, **kwargs))
        if len(layer._inbound_nodes) > calls:  # whether the call gets its input's mask
            layer._inbound_nodes[calls].implicit_mask = node.implicit_mask
        if isinstance(outs, dict):
            outs = flat_values(outs)
        for t, o in zip(node.outputs, flatten(outs)):
            values[id(t)] = o
    outputs = [values[id(t)] for t in model._output_tensors]
    if model._output_keys is not None:
        outputs = model._structured_outputs(outputs)
    elif model._single_output:
        outputs = outputs[0]
    if model._input_keys is not None:
        inputs = model._structured(inputs, model._input_keys, model._input_order)
    elif n == 1:
        inputs = inputs[0]
    # A subclass of Model that keeps Model's constructor is cloned into its own class (Keras).
    cls = type(model)
    if cls is not Model and list(inspect.signature(cls.__init__).parameters)[:3] != [
            "self", "inputs", "outputs"]:
        cls = Model
    return cls(inputs, outputs, name=model.name)


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model from Keras's ``model.to_json()`` with fusedrnn's layers (fresh weights:
    then ``load_weights``). See :mod:`fusedrnn.saving`."""
    from . import saving

    return saving.model_from_json(json_string, custom_objects)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Rebuild a model saved by Keras (``.keras`` or legacy ``.h5``) with fusedrnn's layers and
    load its weights (h5py needed, TensorFlow not); ``custom_objects`` names the classes
    written by subclassing it holds. See :mod:`fusedrnn.saving`."""
    from . import saving

    return saving.load_model(filepath, custom_objects, compile, safe_mode)


def save_model(model, filepath, overwrite: bool = True) -> None:
    """``keras.models.save_model``: ``model.save(filepath)`` (a ``.keras`` file in Keras 3's
    format). See :mod:`fusedrnn._save`."""
    model.save(filepath, overwrite=overwrite)
