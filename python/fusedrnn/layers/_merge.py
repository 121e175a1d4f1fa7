"""Keras's merge layers, for functional models: Concatenate, Add, Subtract, Average, Multiply,
Maximum, Minimum and Dot (and their functional forms ``concatenate``, ``add``, ...). A merge
layer is called on a list of tensors; masks combine as in Keras 3."""

from __future__ import annotations

import functools
import operator

from .. import _backend
from ._base import KerasTensor, Layer, list_inputs

__all__ = ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract",
           "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply",
           "subtract"]


class _Merge(Layer):
    """Elementwise merge of a list of tensors (Keras's ``Merge``): shapes broadcast as NumPy's
    after the batch axis; an input of lower rank gets axes inserted after its batch axis. The
    output mask is the OR of the inputs' masks when every input has one, else none."""

    _arity: int | None = None  # an exact number of inputs, when the operation has one
    # With Keras 2's mask rules (Layer._keras2_masks) the values merge without the masks, and
    # the output mask is the AND of the masks there are.

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

    def _masks(self, mask, n: int) -> list:
        if mask is None:
            return [None] * n
        if not isinstance(mask, (list, tuple)) or len(mask) != n:
            raise ValueError(f"mask of {type(self).__name__} layer {self.name!r} must be a list "
                             f"of {n} masks (or None), one per input")
        return list(mask)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        xs = list_inputs(self, inputs)
        masks = self._masks(mask, len(xs))
        rank = max(x.ndim for x in xs)
        xs = [x.reshape((x.shape[0], *(1,) * (rank - x.ndim), *x.shape[1:])) for x in xs]
        xp = _backend.array_module(xs[0])
        present = [xp.asarray(m).astype(bool) for m in masks if m is not None]
        if self._keras2_masks:
            out_mask = functools.reduce(operator.and_, present) if present else None
            return self._merge(xs, [None] * len(xs)), out_mask
        out_mask = None
        if present and len(present) == len(masks):
            out_mask = functools.reduce(operator.or_, present)
        return self._merge(xs, masks), out_mask


def _mask_like(xp, mask, x):
    """A merge input's mask as Keras 3 spreads it over the input: a new last axis, broadcast to
    the input's shape."""
    m = xp.asarray(mask).astype(bool)[..., None]
    try:
        return xp.broadcast_to(m, x.shape)
    except ValueError as exc:
        raise ValueError(f"a mask of shape {tuple(mask.shape)} does not fit a merge input of "
                         f"shape {tuple(x.shape)}") from exc


def _sum(xs):
    return functools.reduce(operator.add, xs)


class Add(_Merge):
    """Keras ``Add``: the elementwise sum of the inputs."""

    def _merge(self, xs, masks):
        return _sum(xs)


class Subtract(_Merge):
    """Keras ``Subtract``: the first input minus the second."""

    _arity = 2

    def _merge(self, xs, masks):
        return xs[0] - xs[1]


class Average(_Merge):
    """Keras ``Average``: the elementwise mean of the inputs."""

    def _merge(self, xs, masks):
        return _sum(xs) / len(xs)


class Multiply(_Merge):
    """Keras ``Multiply``: the elementwise product. As in Keras 3, a masked step of an input
    counts as 1; where every input is masked (all inputs having masks) the output is 0."""

    def _merge(self, xs, masks):
        xp = _backend.array_module(xs[0])
        every = all(m is not None for m in masks)
        out = out_mask = None
        for x, m in zip(xs, masks):
            if m is not None:
                m = _mask_like(xp, m, x)
                x = xp.where(m, x, x.dtype.type(1))
                if every:
                    out_mask = m if out_mask is None else out_mask | m
            out = x if out is None else out * x
        if every:
            out = xp.where(out_mask, out, out.dtype.type(0))
        return out


class _Extremum(_Merge):
    """Maximum / Minimum with Keras 3's masks: a masked step of an input takes the running
    result's value there, and a masked step of the running result takes the input's, so that
    masked values do not win."""

    def _merge(self, xs, masks):
        xp = _backend.array_module(xs[0])
        out = out_mask = None
        for x, m in zip(xs, masks):
            if m is not None:
                m = _mask_like(xp, m, x)
            if out is None:
                out, out_mask = x, m
                continue
            if m is not None:
                x = xp.where(m, x, out)
            if out_mask is not None:
                out = xp.where(out_mask, out, x)
            out_mask = out_mask | m if m is not None and out_mask is not None else None
            out = self._pick(xp, out, x)
        return out


class Maximum(_Extremum):
    """Keras ``Maximum``: the elementwise maximum of the inputs (masks as Keras 3)."""

    @staticmethod
    def _pick(xp, a, b):
        return xp.maximum(a, b)


class Minimum(_Extremum):
    """Keras ``Minimum``: the elementwise minimum of the inputs (masks as Keras 3)."""

    @staticmethod
    def _pick(xp, a, b):
        return xp.minimum(a, b)


class Dot(_Merge):
    """Keras ``Dot``: the batchwise dot product of two inputs over ``axes`` (one axis for both,
    or one per input; never the batch axis), the samples L2-normalized along them first with
    ``normalize=True`` (cosine proximity). The output has the first input's remaining axes,
    then the second's (without its batch axis), at least two in all. Masks stop here."""

    _arity = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2 or not all(isinstance(a, int) and not isinstance(a, bool)
                                         for a in axes):
                raise ValueError(f"Dot: axes must be an integer or two integers, got {axes!r}")
            axes = list(axes)
        elif isinstance(axes, bool) or not isinstance(axes, int):
            raise TypeError(f"Dot: axes must be an integer or two integers, got {axes!r}")
        self.axes = axes
        self.normalize = bool(normalize)

    def _axes(self, ranks) -> list[int]:
        if isinstance(self.axes, int):
            axes = [self.axes % r if self.axes < 0 else self.axes for r in ranks]
        else:
            axes = [a % r if a < 0 else a for a, r in zip(self.axes, ranks)]
        if any(a == 0 or a >= r for a, r in zip(axes, ranks)):
            raise ValueError(f"Dot layer {self.name!r}: axes={self.axes} must name a non-batch "
                             f"axis of each input (ranks {list(ranks)})")
        return axes

    def compute_output_shape(self, shapes):
        if any(len(s) < 2 for s in shapes):
            raise ValueError(f"Dot layer {self.name!r} needs inputs of rank 2 or more; got "
                             f"shapes {shapes}")
        a0, a1 = self._axes([len(s) for s in shapes])
        d0, d1 = shapes[0][a0], shapes[1][a1]
        if d0 is not None and d1 is not None and d0 != d1:
            raise ValueError(f"Dot layer {self.name!r}: axis {a0} of the first input ({d0}) "
                             f"and axis {a1} of the second ({d1}) differ; shapes {shapes}")
        first = [d for i, d in enumerate(shapes[0]) if i != a0]
        second = [d for i, d in enumerate(shapes[1]) if i not in (0, a1)]
        out = first + second
        return tuple(out + [1] if len(out) == 1 else out)

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        x, y = list_inputs(self, inputs)
        self._masks(mask, 2)  # checked, then dropped (Keras: compute_mask gives None)
        xp = _backend.array_module(x)
        a0, a1 = self._axes([x.ndim, y.ndim])
        if self.normalize:
            x, y = _l2_normalize(xp, x, a0), _l2_normalize(xp, y, a1)
        x = xp.moveaxis(x, a0, -1)  # (B, ..., K)
        y = xp.moveaxis(y, a1, 1)  # (B, K, ...)
        batch, k = x.shape[0], x.shape[-1]
        x_mid, y_rest = x.shape[1:-1], y.shape[2:]
        out = xp.matmul(x.reshape(batch, -1, k), y.reshape(batch, k, -1))
        out = out.reshape((batch, *x_mid, *y_rest))
        return (out.reshape(batch, 1) if out.ndim == 1 else out), None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(axes=self.axes, normalize=self.normalize)
        return config


def _l2_normalize(xp, x, axis):
    """Keras 3's ``normalize(x, axis)`` (order 2): x * min(rsqrt(sum(x^2)), 1e7)."""
    square_sum = xp.sum(x * x, axis=axis, keepdims=True)
    return x * (1 / xp.sqrt(xp.maximum(square_sum, x.dtype.type(1e-14))))


class Concatenate(_Merge):
    """Keras ``Concatenate``: the inputs joined along ``axis`` (default the last). With masks,
    the output mask is true where any input's is (an input without a mask counts as all
    true; Keras 2: where every input's is); along the time axis, the masks are joined as the
    steps are."""

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
        xs = list_inputs(self, inputs)
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
        joined = xp.concatenate(full, axis=self.axis)
        return out, joined.all(axis=-1) if self._keras2_masks else joined.any(axis=-1)

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


def multiply(inputs, **kwargs):
    """``keras.layers.multiply``: ``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``keras.layers.maximum``: ``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``keras.layers.minimum``: ``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """``keras.layers.dot``: ``Dot(axes, **kwargs)(inputs)``."""
    return Dot(axes=axes, **kwargs)(inputs)
