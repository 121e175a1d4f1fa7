"""Layers and models written by subclassing, as Keras's subclassing API writes them.

A class outside fusedrnn that derives from ``Layer`` (or ``Model``) and defines ``call`` is a
user class: ``__init__`` assigns its sublayers to attributes, ``build(input_shape)`` may
create weights with ``add_weight``, and ``call`` computes on arrays with fusedrnn's layers,
``fusedrnn.ops`` or NumPy. As in Keras 3:

- the sublayers are the layers found in its attributes (directly, or in lists, tuples and
  dicts), in the order they were first assigned;
- its weights are its own (trainable ones first, each group in creation order), then each
  sublayer's; ``get_weights``/``set_weights`` use that order;
- it builds on its first call, from the shape of its first argument;
- ``training``/``mask`` reach ``call`` only if its signature takes them.

Called on Input tensors (a functional model), a user layer infers its outputs' shapes by
running ``call`` on zero arrays (unknown sizes given two different values), so it needs no
``compute_output_shape``; tensors are passed positionally. Its outputs carry no mask unless
it sets ``supports_masking = True`` (then its first input's).
"""

from __future__ import annotations

import inspect

import numpy as np

from ._base import (
    KerasTensor,
    Layer,
    Node,
    Variable,
    deserialize_layer,
    flatten,
    has_symbolic,
    serialize_layer,
    user_classes,
    zero_masked_outputs,
)


def is_user_class(cls) -> bool:
    """Whether the first class of ``cls``'s MRO that defines ``call`` is not fusedrnn's."""
    for klass in cls.__mro__:
        if "call" in klass.__dict__:
            return not klass.__module__.startswith("fusedrnn.")
    return False


def tracked(layer) -> list[tuple[str, object]]:
    """(attribute name, value) of each attribute holding layers, in assignment order."""
    from ..models import Model

    internal = _MODEL_INTERNALS if isinstance(layer, Model) else ()
    return [(key, value) for key, value in vars(layer).items()
            if key not in internal and _layers_in(value)]


_MODEL_INTERNALS = frozenset({"_layers", "_summary_rows", "_stack", "_input_layer", "_chain",
                              "_run_order", "_nodes"})


def _layers_in(value) -> list[Layer]:
    if isinstance(value, Layer):
        return [value]
    if isinstance(value, (list, tuple)):
        return [la for v in value for la in _layers_in(v)]
    if isinstance(value, dict):
        return [la for v in value.values() for la in _layers_in(v)]
    return []


def sublayers(layer) -> list[Layer]:
    """The layers a user layer holds, each once, in the order Keras tracks them."""
    found, seen = [], {id(layer)}
    for _, value in tracked(layer):
        for sub in _layers_in(value):
            if id(sub) not in seen:
                seen.add(id(sub))
                found.append(sub)
    return found


# --------------------------------------------------------------------------- files


def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name  # Keras visits private names last


def file_plan(layer, visited=None) -> dict:
    """Where Keras 3's weights files keep a user layer's sublayers: {id(sublayer):
    (sublayer, group path under the layer's group, its own plan or None)}.

    Keras's saving walks a layer's attributes sorted by name (private ones last), a model's
    ``layers`` list among them, depth first, and keeps each object at the first path it
    meets it on: an attribute's name, ``<list attribute>/<class>[_N]``, or for a model's
    layers met first through its ``layers`` list, ``layers/<class>[_N]``."""
    from ..models import Model
    from ..saving import _class_keys

    visited = {id(layer)} if visited is None else visited
    entries = list(tracked(layer))
    if isinstance(layer, Model):
        entries.append(("layers", sublayers(layer)))
    plan = {}
    for name, value in sorted(entries, key=lambda e: _name_key(e[0])):
        if isinstance(value, dict):
            raise ValueError(f"layer {layer.name!r} holds layers in a dict ({name!r}), whose "
                             f"place in Keras's weights files fusedrnn does not know")
        if isinstance(value, Layer):
            placed = [(value, name)]
        else:
            members = _layers_in(value)
            placed = [(m, f"{name}/{key}") for m, key in zip(members, _class_keys(members))]
        for sub, path in placed:
            if id(sub) in visited:
                continue
            visited.add(id(sub))
            inner = file_plan(sub, visited) if sub._user_call else None
            plan[id(sub)] = (sub, path, inner)
    return plan


# --------------------------------------------------------------------------- weights


def own_keys(layer) -> list[str]:
    """The keys of a user layer's own weights: trainable ones, then the others."""
    keys = [key for key, _ in layer._param_names]
    return ([k for k in keys if k not in layer._non_trainable_keys]
            + [k for k in keys if k in layer._non_trainable_keys])


def weights(layer) -> list[Variable]:
    names = dict(layer._param_names)
    return ([Variable(layer, key, names[key]) for key in own_keys(layer)]
            + [w for sub in sublayers(layer) for w in sub.weights])


def get_weights(layer) -> list[np.ndarray]:
    return ([layer._params[key].copy() for key in own_keys(layer)]
            + [w for sub in sublayers(layer) for w in sub.get_weights()])


def expected_shapes(layer) -> list[tuple]:
    return ([layer._params[key].shape for key in own_keys(layer)]
            + [tuple(s) for sub in sublayers(layer) for s in sub._expected_weight_shapes()])


def set_weights(layer, values) -> None:
    if not layer.built:
        raise ValueError(f"layer {layer.name!r} is not built yet; call it on an input "
                         f"before set_weights()")
    values = list(values)
    expected = expected_shapes(layer)
    if len(values) != len(expected):
        raise ValueError(f"layer {layer.name!r} expects {len(expected)} weight arrays of "
                         f"shapes {expected}, but set_weights received {len(values)}")
    for i, (v, shape) in enumerate(zip(values, expected)):
        if tuple(np.shape(v)) != tuple(shape):
            raise ValueError(f"layer {layer.name!r}: weight {i} has shape {np.shape(v)}, "
                             f"expected {tuple(shape)}; expected shapes {expected}")
    keys = own_keys(layer)
    for key, v in zip(keys, values):
        layer._params[key] = np.array(v, dtype=layer._params[key].dtype)
    start = len(keys)
    for sub in sublayers(layer):
        n = len(sub._expected_weight_shapes())
        if n:
            sub.set_weights(values[start:start + n])
        start += n
    layer._weights_changed()


def add_weight(layer, shape=None, initializer=None, dtype=None, trainable=True, name=None,
               **ignored) -> Variable:
    """Keras's ``add_weight``: a new weight of ``layer``, initialized (glorot_uniform by
    default), returned as a Variable (usable as an array in ``call``)."""
    from ._initializers import get_initializer, layer_rng

    shape = () if shape is None else tuple(int(d) for d in shape)
    init = get_initializer("glorot_uniform" if initializer is None else initializer,
                           "initializer")
    value = np.asarray(init(shape, layer_rng()),
                       dtype=layer._compute_dtype if dtype is None else np.dtype(dtype))
    base = name or f"variable_{len(layer._param_names)}"
    key, n = base, 1
    while key in layer._params:
        key, n = f"{base}_{n}", n + 1
    layer._params[key] = value
    layer._param_names.append((key, base))
    if not trainable:
        layer._non_trainable_keys.add(key)
    return Variable(layer, key, base)


# --------------------------------------------------------------------------- calling


def _shape_of(value):
    if isinstance(value, dict):
        return {k: _shape_of(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_shape_of(v) for v in value]
    shape = getattr(value, "shape", None)
    return None if shape is None else tuple(shape)


def build(layer, args) -> None:
    """Build a user layer for its first call's first argument; a model's layers get their
    names, unique as Keras gives them (dense, dense_1, ...)."""
    if layer.built:
        return
    if args:
        layer._build_input_shape = _shape_of(args[0])  # Keras's build_config
    if args and type(layer).build is not Layer.build and not _is_model_build(layer):
        layer.build(layer._build_input_shape)
    layer.built = True
    from ..models import Model, _assign_names

    if isinstance(layer, Model):
        every = _all_sublayers(layer)
        _assign_names(every, every)


def _all_sublayers(layer, seen=None) -> list[Layer]:
    seen = {id(layer)} if seen is None else seen
    found = []
    for sub in sublayers(layer):
        if id(sub) not in seen:
            seen.add(id(sub))
            found.append(sub)
            if sub._user_call:
                found += _all_sublayers(sub, seen)
    return found


def _is_model_build(layer) -> bool:
    from ..models import Model

    return isinstance(layer, Model) and type(layer).build is Model.build


def _call_arguments(layer, kwargs: dict) -> dict:
    """``kwargs`` without the training/mask arguments ``call`` does not take."""
    parameters = inspect.signature(layer.call).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    return {k: v for k, v in kwargs.items()
            if k not in ("training", "mask") or k in parameters or takes_any}


def call(layer, args, kwargs):
    """A user layer called: on arrays it computes, on Input tensors it joins the graph."""
    check_input_spec(layer, args[0] if len(args) == 1 else list(args))
    if has_symbolic(args) or has_symbolic(list(kwargs.values())):
        return _symbolic_call(layer, args, kwargs)
    build(layer, args)
    return layer.call(*args, **_call_arguments(layer, kwargs))


def forward(layer, inputs, mask=None, training=False, **kwargs):
    """A user layer's call in a graph (Model._execute): (outputs, their masks)."""
    args = list(inputs) if isinstance(inputs, list) and layer._positional_inputs else [inputs]
    masks = mask if isinstance(mask, list) else [mask]
    first_mask = masks[0] if masks else None
    extra = {"training": training}
    if first_mask is not None:
        extra["mask"] = first_mask if len(args) == 1 else masks
    outs = layer.call(*args, **_call_arguments(layer, {**kwargs, **extra}))
    masks_out = output_masks(layer, args[0] if len(args) == 1 else args, first_mask)
    if isinstance(outs, (list, tuple)):
        if not isinstance(masks_out, (list, tuple)):
            masks_out = [masks_out] * len(outs)
        return list(outs), list(masks_out)
    return outs, masks_out


def output_masks(layer, inputs, mask):
    """The outputs' mask(s): the layer's own ``compute_mask`` if it has one (Keras's API),
    else its input's mask when it ``supports_masking``, else none."""
    if mask is None:
        return None
    if type(layer).compute_mask is not Layer.compute_mask:
        return layer.compute_mask(inputs, mask)
    return mask if layer.supports_masking else None


def _symbolic_call(layer, args, kwargs):
    from ._ops import _PROBE_SIZES, _probe

    kwargs = {k: v for k, v in kwargs.items() if k != "training"}
    build(layer, args)
    runs = []
    carried = layer.__dict__.get("_states")  # a stateful RNN's: the probes neither use nor keep
    with np.errstate(all="ignore"):
        for sizes in _PROBE_SIZES:
            if "_states" in layer.__dict__:
                layer._states = None
            try:
                probes = {k: _probe(v, sizes) for k, v in kwargs.items()}
                out = layer.call(*_probe(list(args), sizes), **_call_arguments(layer, probes))
            except Exception as exc:  # the user's code: any error means it cannot run so
                shapes = [t.shape for t in flatten(list(args)) if isinstance(t, KerasTensor)]
                raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) cannot be "
                                 f"called on tensors of shapes {shapes}: "
                                 f"{type(exc).__name__}: {exc}") from exc
            runs.append(out)
    if "_states" in layer.__dict__:
        layer._states = carried
    several = isinstance(runs[0], (list, tuple))
    firsts = list(runs[0]) if several else [runs[0]]
    seconds = list(runs[1]) if several else [runs[1]]
    node = Node(layer, list(args), kwargs, [])
    outs = []
    for i, (a, b) in enumerate(zip(firsts, seconds)):
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim != b.ndim:
            raise ValueError(f"layer {layer.name!r} gives an output whose rank depends on the "
                             f"unknown sizes of its inputs")
        shape = tuple(x if x == y else None for x, y in zip(a.shape, b.shape))
        outs.append(KerasTensor(shape, a.dtype.name, node, i))
    node.outputs = outs
    layer._inbound_nodes.append(node)
    return outs if several else outs[0]


def output_shape(layer, input_shape):
    """The output shape(s) of ``layer``'s call on an input of ``input_shape`` (a list of shapes
    for a list input), from runs on probe arrays; the call leaves no node behind."""
    several = isinstance(input_shape, list) and all(
        isinstance(s, (list, tuple)) for s in input_shape)
    inputs = ([KerasTensor(s) for s in input_shape] if several
              else KerasTensor(tuple(input_shape)))
    calls = len(layer._inbound_nodes)
    try:
        out = _symbolic_call(layer, [inputs], {})
    finally:
        del layer._inbound_nodes[calls:]
    return [t.shape for t in out] if isinstance(out, list) else out.shape


# --------------------------------------------------------------------------- models


def predict(model, x, batch_size=None, verbose="auto", steps=None):
    """A subclassed model's predict: ``call(batch, training=False)`` over batches."""
    from ..models import _batch_starts, _check_positive_int, _check_verbose, _predict_batches

    if batch_size is None:
        batch_size = 32
    _check_positive_int("batch_size", batch_size)
    _check_verbose(verbose)
    leaves = [a for a in flatten(list(x.values()) if isinstance(x, dict) else x)]
    if not leaves or not all(hasattr(a, "shape") and len(a.shape) for a in leaves):
        raise ValueError("predict() takes arrays with a batch axis (an array, or a list or "
                         "dict of them)")
    starts = _batch_starts(leaves[0].shape[0], batch_size, steps)

    def cut(value, start):
        if isinstance(value, dict):
            return {k: cut(v, start) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(cut(v, start) for v in value)
        return value[start:start + batch_size]

    return _predict_batches(starts, verbose,
                            lambda start: call(model, [cut(x, start)], {"training": False}))


def summary_rows(model) -> list[tuple[str, str, int]]:
    """(name (type), "?", parameters) of each sublayer: Keras shows no shapes for layers of a
    subclassed model it has not traced."""
    return [(f"{layer.name} ({type(layer).__name__})", "?",
             int(sum(int(np.prod(s)) for s in layer._expected_weight_shapes()))
             if layer.built else 0)
            for layer in sublayers(model)]


# --------------------------------------------------------------------------- custom cells


class RNN(Layer):
    """Keras ``RNN(cell)`` for a cell written by subclassing (``layers.RNN`` makes one of these
    when given such a cell): the cell's ``call(inputs, states)`` returns ``(output,
    new_states)`` and it has a ``state_size`` (an int or a list); the steps run in Python,
    one ``call`` per step over the batch. Arguments as Keras's: return_sequences,
    return_state, go_backwards, stateful, zero_output_for_mask; ``initial_state`` and
    ``mask`` at call. A masked step keeps the states and repeats the last output (zeros with
    zero_output_for_mask). The weights are the cell's, saved under ``cell``. Bidirectional
    wraps it as Keras 3 does: its copies rebuild the cell from the cell's ``get_config``."""

    device = None  # the steps run in Python on NumPy arrays
    _one_kernel = False

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        if not hasattr(cell, "state_size"):
            raise ValueError(f"the cell {cell.name!r} ({type(cell).__name__}) of an RNN needs "
                             f"a state_size (an int, or a list of ints)")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.unroll = bool(unroll)  # see zero_masked_outputs
        self.supports_masking = True
        self._states = None  # carried between calls when stateful

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(return_sequences=self.return_sequences, return_state=self.return_state,
                      go_backwards=self.go_backwards, stateful=self.stateful,
                      unroll=self.unroll,
                      zero_output_for_mask=self.zero_output_for_mask,
                      cell=serialize_layer(self.cell))
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        config["cell"] = deserialize_layer(config.get("cell"), custom_objects)
        return cls(**config)

    def _sizes(self) -> list[int]:
        size = self.cell.state_size
        return [int(s) for s in size] if isinstance(size, (list, tuple)) else [int(size)]

    @property
    def _num_states(self) -> int:
        return len(self._sizes())

    def _clone(self, **overrides) -> RNN:
        """A fresh copy with ``overrides`` (Bidirectional's forward and backward layers): the
        cell rebuilt from its config, as Keras 3's Bidirectional rebuilds it."""
        config = {**self.get_config(), **overrides}
        try:
            return type(self).from_config(config, custom_objects=user_classes(self.cell))
        except Exception as exc:
            raise ValueError(
                f"Bidirectional rebuilds the cell of RNN layer {self.name!r} from its config, "
                f"and {type(self.cell).__name__}.from_config(get_config()) failed ({exc}); "
                "give the cell a get_config returning its constructor's arguments"
            ) from exc

    def _check_state_shapes(self, shapes, batch) -> None:
        """Raise ValueError unless ``shapes`` are the states of this layer's cell."""
        sizes = self._sizes()
        if len(shapes) != len(sizes):
            raise ValueError(f"RNN layer {self.name!r} needs {len(sizes)} initial states (its "
                             f"cell's state_size {self.cell.state_size}); got {len(shapes)}")
        for i, (shape, size) in enumerate(zip(shapes, sizes)):
            shape = tuple(shape)
            if len(shape) != 2 or shape[-1] != size or (
                    batch is not None and shape[0] is not None and shape[0] != batch):
                raise ValueError(f"initial state {i} of RNN layer {self.name!r} must have "
                                 f"shape ({batch}, {size}); got {shape}")

    def _initial_state_arrays(self, states, batch):
        """Given initial states as arrays (checked), or None (zeros, or the carried states of
        a stateful layer)."""
        if states is None:
            return None
        states = [np.asarray(s) for s in states]
        self._check_state_shapes([s.shape for s in states], batch)
        return states

    def build(self, input_shape) -> None:
        if not self.cell.built:
            build(self.cell, [np.zeros((1, int(input_shape[-1])), self._compute_dtype)])

    def compute_mask(self, inputs, mask=None):
        """The sequence's mask when it returns the sequence; none for states."""
        out = mask if self.return_sequences else None
        return [out] + [None] * len(self._sizes()) if self.return_state else out

    def reset_states(self, states=None) -> None:
        self._states = None if states is None else [np.asarray(s) for s in states]

    reset_state = reset_states

    def call(self, inputs, initial_state=None, mask=None, training=None):
        x = np.asarray(inputs)
        if x.ndim != 3:
            raise ValueError(f"RNN layer {self.name!r} takes (batch, timesteps, features); got "
                             f"shape {x.shape}")
        states = None
        if initial_state is not None:
            states = self._initial_state_arrays(flatten(initial_state), x.shape[0])
        result, states = self._run(x, mask, states, "cpu", training)
        if self.stateful:
            self._states = states
        return [result, *states] if self.return_state else result

    def _run(self, x, mask, initial_state, device, training=None):
        """(outputs, final states): the outputs in processing order (the last one without
        return_sequences); ``initial_state`` None starts from zeros or the carried states."""
        if device != "cpu":
            raise ValueError(f"RNN layer {self.name!r} runs its cell "
                             f"{type(self.cell).__name__} in Python, on the CPU only")
        batch, steps = x.shape[0], x.shape[1]
        if initial_state is not None:
            states = list(initial_state)
        elif self.stateful and self._states is not None:
            states = list(self._states)
        else:
            states = [np.zeros((batch, n), x.dtype) for n in self._sizes()]
        if len(states) != len(self._sizes()):
            raise ValueError(f"RNN layer {self.name!r} needs {len(self._sizes())} initial "
                             f"states (its cell's state_size {self.cell.state_size}); got "
                             f"{len(states)}")
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        keep = None if mask is None else np.asarray(mask).astype(bool)
        kwargs = _call_arguments(self.cell, {"training": training})
        outputs, last = [], None
        for t in order:
            out, new = self.cell.call(x[:, t], list(states), **kwargs)
            new = list(new) if isinstance(new, (list, tuple)) else [new]
            out = np.asarray(out)
            if keep is not None:
                m = keep[:, t][:, None]
                out = np.where(m, out, np.zeros_like(out) if last is None else last)
                new = [np.where(m, n, s) for n, s in zip(new, states)]
            states, last = new, out
            outputs.append(out)
        if last is None:
            raise ValueError(f"RNN layer {self.name!r} got a sequence of 0 steps")
        if keep is not None and self.zero_output_for_mask:
            last = last * keep[:, order[-1]][:, None].astype(last.dtype)
            if self.return_sequences:
                return zero_masked_outputs(np.stack(outputs, axis=1), keep, self.go_backwards,
                                           self.unroll), states
        return (np.stack(outputs, axis=1) if self.return_sequences else last), states


RNN._user_call = True  # runs as a user layer: its call, its cell's weights
RNN._positional_inputs = True


class InputSpec:
    """Keras's ``InputSpec``: what a layer written by subclassing accepts (``self.input_spec
    = InputSpec(ndim=3, axes={-1: 8})``); its calls check their inputs against it, as
    Keras's do, and name the mismatch."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = None if dtype is None else np.dtype(dtype).name
        if shape is not None:
            self.shape = tuple(None if d is None else int(d) for d in shape)
            self.ndim = len(self.shape)
        else:
            self.shape, self.ndim = None, ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.name, self.optional = name, optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            axes = axes or {}
            self.axes = {int(k): axes[k] for k in axes}
        except (ValueError, TypeError):
            raise TypeError(f"Argument `axes` must be a dict with integer keys. Received: "
                            f"axes={axes}") from None
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            top = (self.ndim if self.ndim else self.max_ndim) - 1
            if max(self.axes) > top:
                raise ValueError(f"Axis {max(self.axes)} is greater than the maximum allowed "
                                 f"value: {top}")

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                          ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                          ("min_ndim", self.min_ndim), ("axes", self.axes))
                 if v]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self) -> dict:
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes,
                "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def check_input_spec(layer, inputs) -> None:
    """Keras's assert_input_compatibility for a subclassed layer's ``input_spec``."""
    spec = layer.__dict__.get("input_spec")
    if not spec:
        return
    specs = flatten(spec) if isinstance(spec, (list, tuple)) else [spec]
    values = flatten(inputs)
    if len(values) != len(specs):
        raise ValueError(f'Layer "{layer.name}" expects {len(specs)} input(s), but it '
                         f"received {len(values)} input tensors")
    for i, (x, s) in enumerate(zip(values, specs)):
        if s is None or (x is None and s.optional):
            continue
        if not hasattr(x, "shape"):
            raise ValueError(f"Inputs to a layer should be tensors. Got {x!r} as input for "
                             f"layer {layer.name!r}")
        shape = tuple(x.shape)
        what = f"Input {i} of layer {layer.name!r} is incompatible with the layer:"
        if s.ndim is not None and not s.allow_last_axis_squeeze and len(shape) != s.ndim:
            raise ValueError(f"{what} expected ndim={s.ndim}, found ndim={len(shape)}. Full "
                             f"shape received: {shape}")
        if s.max_ndim is not None and len(shape) > s.max_ndim:
            raise ValueError(f"{what} expected max_ndim={s.max_ndim}, found ndim={len(shape)}")
        if s.min_ndim is not None and len(shape) < s.min_ndim:
            raise ValueError(f"{what} expected min_ndim={s.min_ndim}, found ndim={len(shape)}. "
                             f"Full shape received: {shape}")
        dtype = getattr(x, "dtype", None)
        if s.dtype is not None and dtype is not None and np.dtype(dtype).name != s.dtype:
            raise ValueError(f"{what} expected dtype={s.dtype}, found dtype="
                             f"{np.dtype(dtype).name}")
        for axis, value in s.axes.items():
            if value is not None and -len(shape) <= axis < len(shape) and shape[axis] not in (
                    value, None):
                raise ValueError(f"{what} expected axis {axis} of input shape to have value "
                                 f"{value}, but received input with shape {shape}")
        if s.shape is not None:
            got = shape[:-1] if (s.allow_last_axis_squeeze and shape and shape[-1] == 1) \
                else shape
            want = s.shape[:-1] if (s.allow_last_axis_squeeze and s.shape
                                    and s.shape[-1] == 1) else s.shape
            if len(got) != len(want) or any(a is not None and b is not None and a != b
                                             for a, b in zip(want, got)):
                raise ValueError(f"{what} expected shape={s.shape}, found shape={shape}")


class Wrapper(Layer):
    """Keras's ``Wrapper``: the base of layers that wrap another (``self.layer``), for
    wrappers written by subclassing (their ``call`` uses ``self.layer``). Its config holds
    the wrapped layer's."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to Wrapper isn't a supported layer type. "
                             f"Please ensure wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None) -> None:
        if not self.layer.built:
            self.layer.build(input_shape)
        self.built = True

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)
