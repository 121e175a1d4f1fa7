"""Keras's merge layers, for functional models: Concatenate, Add, Subtract and Average (and
their functional forms ``concatenate``, ``add``, ``subtract``, ``average``). A merge layer is
called on a list of tensors; masks combine as in Keras 3."""

from __future__ import annotations

from .. import _backend
from ._base import KerasTensor, Layer, as_float_array

__all__ = ["Add", "Average", "Concatenate", "Subtract", "add", "average", "concatenate",
           "subtract"]


class _Merge(Layer):
    """Elementwise merge of a list of tensors (Keras's ``Merge``): shapes broadcast as NumPy's
    after the batch axis; an input of lower rank gets axes inserted after its batch axis. The
    output mask is the OR of the inputs' masks when every input has one, else none."""

    _arity: int | None = None  # an exact number of inputs, when the operation has one

    def _symbolic_input_shape(self, inputs):
        if not isinstance(inputs, (list, tuple)) or not all(
                isinstance(t, KerasTensor) for t in inputs):
            raise TypeError(
                f"a {type(self).__name__} layer is called on a list of KerasTensors, got "
                f"{type(inputs).__name__}"
            )
        return [t.shape for t in inputs]

    def _check_input_shape(self, shapes) -> None:
        if not isinstance(shapes, list) or not shapes or not all(
                isinstance(s, tuple) for s in shapes):
            raise ValueError(f"a {type(self).__name__} layer must be called on a list of at "
                             f"least one input")
        if self._arity is not None and len(shapes) != self._arity:
            raise ValueError(f"a {type(self).__name__} layer must be called on exactly "
                             f"{self._arity} inputs, got {len(shapes)}")
        if any(len(s) < 1 for s in shapes):
            raise ValueError(f"inputs of {type(self).__name__} layer {self.name!r} need a batch "
                             f"axis; got shapes {shapes}")
        batches = {s[0] for s in shapes} - {None}
        if len(batches) > 1:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} cannot merge tensors "
                             f"with different batch sizes; got shapes {shapes}")
        self.compute_output_shape(shapes)

    def compute_output_shape(self, shapes):
        out: tuple = ()
        for shape in shapes:
            rest = tuple(shape[1:])
            longer, shorter = (out, rest) if len(out) >= len(rest) else (rest, out)
            merged = list(longer[:len(longer) - len(shorter)])
            for i, j in zip(longer[len(longer) - len(shorter):], shorter):
                if i is None or j is None:
                    merged.append(None)
                elif i == 1 or j == 1 or i == j:
                    merged.append(j if i == 1 else i)
                else:
                    raise ValueError(f"{type(self).__name__} layer {self.name!r}: inputs have "
                                     f"incompatible shapes {shapes}")
            out = tuple(merged)
        batches = {s[0] for s in shapes} - {None}
        return (batches.pop() if len(batches) == 1 else None, *out)

    def _inputs(self, inputs) -> list:
        if not isinstance(inputs, (list, tuple)):
            raise TypeError(f"a {type(self).__name__} layer is called on a list of arrays, got "
                            f"{type(inputs).__name__}")
        xs = [as_float_array(x, f"input {i} of {type(self).__name__} layer {self.name!r}",
                             self._compute_dtype) for i, x in enumerate(inputs)]
        shapes = [tuple(x.shape) for x in xs]
        self._check_input_shape(shapes)
        self._ensure_built(shapes)
        if len({_backend.array_module(x) for x in xs}) > 1:
            raise TypeError(f"inputs of {type(self).__name__} layer {self.name!r} mix NumPy and "
                            f"CuPy arrays")
        return xs

    def _masks(self, mask, n: int) -> list:
        if mask is None:
            return [None] * n
        if not isinstance(mask, (list, tuple)) or len(mask) != n:
            raise ValueError(f"mask of {type(self).__name__} layer {self.name!r} must be a list "
                             f"of {n} masks (or None), one per input")
        return list(mask)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        xs = self._inputs(inputs)
        masks = self._masks(mask, len(xs))
        rank = max(x.ndim for x in xs)
        xs = [x.reshape((x.shape[0], *(1,) * (rank - x.ndim), *x.shape[1:])) for x in xs]
        out_mask = None
        if all(m is not None for m in masks):
            xp = _backend.array_module(xs[0])
            out_mask = xp.asarray(masks[0]).astype(bool)
            for m in masks[1:]:
                out_mask = out_mask | xp.asarray(m).astype(bool)
        return self._merge(xs), out_mask


def _sum(xs):
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out


class Add(_Merge):
    """Keras ``Add``: the elementwise sum of the inputs."""

    def _merge(self, xs):
        return _sum(xs)


class Subtract(_Merge):
    """Keras ``Subtract``: the first input minus the second."""

    _arity = 2

    def _merge(self, xs):
        return xs[0] - xs[1]


class Average(_Merge):
    """Keras ``Average``: the elementwise mean of the inputs."""

    def _merge(self, xs):
        return _sum(xs) / len(xs)


class Concatenate(_Merge):
    """Keras ``Concatenate``: the inputs joined along ``axis`` (default the last). With masks,
    the output mask is true where any input's is (an input without a mask counts as all
    true); along the time axis, the masks are joined as the steps are."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"Concatenate: axis must be an integer, got {axis!r}")
        self.axis = axis

    def compute_output_shape(self, shapes):
        rank = len(shapes[0])
        axis = self.axis % rank if -rank <= self.axis < rank else None
        if axis is None or axis == 0 or any(len(s) != rank for s in shapes):
            raise ValueError(
                f"Concatenate layer {self.name!r} (axis={self.axis}) needs inputs of one rank "
                f"with a non-batch axis {self.axis}; got shapes {shapes}"
            )
        out = list(shapes[0])
        for shape in shapes[1:]:
            for i, (a, b) in enumerate(zip(out, shape)):
                if i != axis and i > 0 and a is not None and b is not None and a != b:
                    raise ValueError(
                        f"Concatenate layer {self.name!r} needs inputs with matching shapes "
                        f"except on the concatenation axis {self.axis}; got shapes {shapes}"
                    )
            out[axis] = None if out[axis] is None or shape[axis] is None else (
                out[axis] + shape[axis])
        return tuple(out)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        xs = self._inputs(inputs)
        masks = self._masks(mask, len(xs))
        xp = _backend.array_module(xs[0])
        out = xp.concatenate(xs, axis=self.axis)
        if all(m is None for m in masks):
            return out, None
        full = []
        for x, m in zip(xs, masks):
            if m is None:
                full.append(xp.ones(x.shape, dtype=bool))
                continue
            m = xp.asarray(m).astype(bool)
            full.append(xp.broadcast_to(m.reshape(m.shape + (1,) * (x.ndim - m.ndim)), x.shape))
        return out, xp.concatenate(full, axis=self.axis).any(axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(axis=self.axis)
        return config


def concatenate(inputs, axis=-1, **kwargs):
    """``keras.layers.concatenate``: ``Concatenate(axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def add(inputs, **kwargs):
    """``keras.layers.add``: ``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``keras.layers.subtract``: ``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``keras.layers.average``: ``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)
