"""Keras 3 operations in saved functional graphs.

When a Keras 3 layer hands its mask to the next layer in a functional model, the mask is
computed by ``keras.ops`` calls (``not_equal`` for Embedding's ``mask_zero``, ``any`` for
Masking, ``logical_or``/``concatenate``/... for the merge layers), and a saved model holds
them as graph nodes that feed the next layer's ``mask`` argument. :class:`KerasOperation`
runs such a node with NumPy (or CuPy) so that ``load_model`` can rebuild the graph as saved.
They are not layers of the model: ``model.layers``, weights and the summary leave them out.
"""

from __future__ import annotations

import numpy as np

from .. import _backend
from ._base import KerasTensor, Layer, Node

# Keras op class -> (array-module function, its config parameters besides "name").
_OPERATIONS = {
    "NotEqual": ("not_equal", ()),
    "Equal": ("equal", ()),
    "Greater": ("greater", ()),
    "GreaterEqual": ("greater_equal", ()),
    "Less": ("less", ()),
    "LessEqual": ("less_equal", ()),
    "LogicalAnd": ("logical_and", ()),
    "LogicalOr": ("logical_or", ()),
    "LogicalNot": ("logical_not", ()),
    "Any": ("any", ("axis", "keepdims")),
    "All": ("all", ("axis", "keepdims")),
    "ExpandDims": ("expand_dims", ("axis",)),
    "Squeeze": ("squeeze", ("axis",)),
    "ZerosLike": ("zeros_like", ("dtype",)),
    "OnesLike": ("ones_like", ("dtype",)),
    "Concatenate": ("concatenate", ("axis",)),
    # Attention hands on its query's mask through convert_to_tensor.
    "ConvertToTensor": ("convert_to_tensor", ("dtype", "sparse", "ragged")),
}


def _convert_to_tensor(xp, x, dtype=None, sparse=None, ragged=None):
    return xp.asarray(x, dtype=dtype)


# Operations that are not one array-module function of the same arguments.
_OWN_FUNCTIONS = {"convert_to_tensor": _convert_to_tensor}

OPERATION_NAMES = frozenset(_OPERATIONS)


def _zeros_for(value):
    """A zero-size stand-in for a symbolic operand (unknown sizes become 0)."""
    if isinstance(value, KerasTensor):
        dtype = "bool" if value.dtype == "bool" else "float32"
        return np.zeros(tuple(0 if d is None else d for d in value.shape), dtype=dtype)
    if isinstance(value, (list, tuple)):
        return type(value)(_zeros_for(v) for v in value)
    return value


def _first_array(value):
    if isinstance(value, (list, tuple)):
        for v in value:
            found = _first_array(v)
            if found is not None:
                return found
        return None
    return value if hasattr(value, "shape") else None


class KerasOperation(Layer):
    """One ``keras.ops`` call of a saved Keras 3 graph (see the module docstring)."""

    def __init__(self, class_name: str, config: dict):
        if class_name not in _OPERATIONS:
            raise ValueError(
                f"the saved model computes with the Keras operation {class_name!r}, which "
                f"fusedrnn does not run (it runs {', '.join(sorted(_OPERATIONS))})"
            )
        function, parameters = _OPERATIONS[class_name]
        params = {k: v for k, v in config.items() if k != "name"}
        unknown = sorted(set(params) - set(parameters))
        if unknown:
            raise ValueError(
                f"the saved Keras operation {class_name} has parameters {unknown}, which "
                f"fusedrnn does not know"
            )
        if params.get("sparse") or params.get("ragged"):
            raise ValueError(f"the saved Keras operation {class_name} makes sparse or ragged "
                             f"tensors, which fusedrnn does not have")
        super().__init__(name=config.get("name"))
        self.class_name = class_name
        self._function = function
        self._op_params = params
        self.built = True
        self.supports_masking = False

    def _apply(self, args, kwargs):
        first = _first_array(args)
        xp = np if first is None else _backend.array_module(first)
        if self._function in _OWN_FUNCTIONS:
            return _OWN_FUNCTIONS[self._function](xp, *args, **self._op_params, **kwargs)
        return getattr(xp, self._function)(*args, **self._op_params, **kwargs)

    def __call__(self, *args, **kwargs):
        """A symbolic call (the loader's): the operands may be tensors, lists of them, or
        constants."""
        kwargs.pop("training", None)
        sample = np.asarray(self._apply(_zeros_for(list(args)), kwargs))
        shape = tuple(None if d == 0 else d for d in sample.shape)
        if shape:
            shape = (None, *shape[1:])
        node = Node(self, list(args), kwargs, [])
        node.outputs = [KerasTensor(shape, sample.dtype.name, node, 0)]
        self._inbound_nodes.append(node)
        return node.outputs[0]

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        return self._apply(list(inputs), kwargs), None

    def count_params(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"<KerasOperation {self.class_name} name={self.name}>"
