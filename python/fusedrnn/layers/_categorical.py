"""Hashing, HashedCrossing, CategoryEncoding and Discretization: Keras 3's categorical
preprocessing layers,
so a model that buckets ids or numbers before its Embedding and RNN (session models over item
ids, sequence models with binned features) serves from its saved file.

As Keras 3 (TensorFlow backend) computes them:

- ``Hashing`` hashes each value's bytes (strings as UTF-8, integers as decimal text, floats
  cast to int64 first) with FarmHash64, or SipHash-2-4 keyed by ``salt``, modulo ``num_bins``;
  with ``mask_value`` that value gets bin 0 and the others hash into ``num_bins - 1`` bins
  shifted by one. Bins are int64.
- ``HashedCrossing`` crosses two or more features, as ``tf.sparse.cross_hashed``: the hash
  key folded with each value's hash (a string's FarmHash64, an integer itself) by
  TensorFlow's ``FingerprintCat64``, modulo ``num_bins``.
- ``Discretization`` gives each value the index of its bin: ``i`` where ``boundaries[i - 1] <=
  x < boundaries[i]`` (``np.digitize``), int32 in ``"int"`` mode.
- The encodings of these layers and ``CategoryEncoding`` (float32): ``"one_hot"`` adds an axis
  of size ``depth`` (replacing a last axis of 1), an index outside ``[0, depth)`` giving
  zeros; ``"multi_hot"`` and ``"count"`` encode the last axis of a rank-1 or rank-2 input
  (a rank-1 input is one sample), ignoring indices ``>= depth`` and refusing negative ones,
  as TensorFlow's bincount; ``count_weights`` weight the counts.
"""

from __future__ import annotations

import numpy as np

from .. import _backend, _hashing
from ._base import KerasTensor, Layer

__all__ = ["CategoryEncoding", "Discretization", "HashedCrossing", "Hashing"]

_ENCODINGS = ("one_hot", "multi_hot", "count")


def _encode(indices: np.ndarray, mode: str, depth: int, what: str,
            count_weights=None) -> np.ndarray:
    """Keras's ``encode_categorical_inputs`` for the modes other than ``"int"``."""
    x = np.asarray(indices, np.int64)
    if x.ndim == 0:
        x = x.reshape(1)
    if mode == "one_hot":
        if x.ndim > 1 and x.shape[-1] == 1:
            x = x[..., 0]
        return (x[..., None] == np.arange(depth)).astype(np.float32)
    if x.ndim > 2:
        raise ValueError(f"{what}: output_mode {mode!r} encodes inputs of rank 1 or 2 (Keras "
                         f"counts rank-3 inputs along another axis than it shapes them); got "
                         f"shape {x.shape}")
    if np.any(x < 0):
        raise ValueError(f"{what}: output_mode {mode!r} takes non-negative indices; got "
                         f"{int(x.min())}")
    hits = x[..., None] == np.arange(depth)
    if mode == "multi_hot":
        return hits.any(axis=-2).astype(np.float32)
    if count_weights is None:
        return hits.sum(axis=-2).astype(np.float32)
    w = np.asarray(count_weights, np.float32)
    if w.shape != x.shape:
        raise ValueError(f"{what}: count_weights must have the input's shape {x.shape}; got "
                         f"{w.shape}")
    return (hits * w[..., None]).sum(axis=-2).astype(np.float32)


def _encoded_shape(input_shape, mode: str, depth: int) -> tuple:
    shape = tuple(input_shape)
    if mode == "int":
        return shape
    if not shape:
        return (depth,)
    if mode == "one_hot":
        return (*shape[:-1], depth) if len(shape) > 1 and shape[-1] == 1 else (*shape, depth)
    return (*shape[:-1], depth)


def _check_mode(mode, modes, what: str) -> str:
    if mode == "binary":  # Keras's old name
        mode = "multi_hot"
    if mode not in modes:
        raise ValueError(f"{what}: unknown output_mode {mode!r}; expected one of {modes}")
    return mode


class _Categorical(Layer):
    """Input handling shared by the three layers: any array of values, no mask."""

    def __init__(self, sparse=False, **kwargs):
        super().__init__(**kwargs)
        if sparse:
            raise ValueError(f"{self._what()}: sparse outputs are not supported")
        self.supports_masking = False
        self.built = True

    def _what(self) -> str:
        return f"{type(self).__name__} layer {self.name!r}"

    def _set_bins(self, num_bins, dtype, output_mode) -> None:
        """``num_bins`` checked and the outputs' dtype (a policy, a serialized policy or a
        name; Keras's default: int64 bins, float32 encodings)."""
        if isinstance(dtype, dict):  # a serialized policy
            dtype = dtype.get("config", {}).get("name")
        dtype = getattr(dtype, "name", dtype)
        if dtype is None:
            dtype = "int64" if output_mode == "int" else "float32"
        if output_mode == "int" and dtype not in ("int32", "int64"):
            raise ValueError(f"{self._what()}: with output_mode='int' the dtype must be int32 "
                             f"or int64; got {dtype!r}")
        self.dtype = str(np.dtype(dtype))  # the outputs' (Keras's policy); no weights
        if isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)) or \
                num_bins <= 0:
            raise ValueError(f"{self._what()}: num_bins must be a positive integer; got "
                             f"{num_bins!r}")
        self.num_bins = int(num_bins)

    def _prepare_input(self, inputs):
        return inputs

    def _symbolic_input_shape(self, inputs):
        if not isinstance(inputs, KerasTensor):
            return super()._symbolic_input_shape(inputs)
        return inputs.shape


class Hashing(_Categorical):
    """Keras ``Hashing``: each value (string, integer, or float cast to an integer) to one of
    ``num_bins`` bins by FarmHash64 (``salt``: SipHash-2-4 with that key, an integer or a
    pair); ``mask_value`` reserves bin 0; ``output_mode`` int (int64 bins), one_hot,
    multi_hot or count."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        dtype = kwargs.pop("dtype", None)
        super().__init__(sparse=sparse, **kwargs)
        what = self._what()
        self._set_bins(num_bins, dtype, output_mode)
        self.mask_value = mask_value
        self.output_mode = _check_mode(output_mode, ("int", *_ENCODINGS), what)
        self.salt = None
        if salt is not None:
            from ._text import _salt

            self.salt = _salt(salt, what)

    def _bins(self, values) -> np.ndarray:
        a = np.asarray(values)
        if a.dtype.kind == "f":
            a = a.astype(np.int64)  # TensorFlow casts floats toward zero first
        elif a.dtype.kind not in "iuUSO":
            raise TypeError(f"{self._what()} takes strings or numbers; got dtype {a.dtype}")
        bins = self.num_bins
        masked = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            masked = np.vectorize(lambda v: v == self.mask_value, otypes=[bool])(a) \
                if a.size else np.zeros(a.shape, bool)
        flat = [_hashing.hash_bucket(v if isinstance(v, (str, bytes)) else int(v), bins,
                                     self.salt) for v in a.ravel().tolist()]
        out = np.array(flat, np.int64).reshape(a.shape)
        if masked is not None:
            out = np.where(masked, 0, out + 1)
        return out

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        if kwargs:
            raise TypeError(f"Hashing got unexpected call arguments {sorted(kwargs)}")
        bins = self._bins(inputs)
        if self.output_mode == "int":
            return bins.astype(self.dtype), None
        out = _encode(bins, self.output_mode, self.num_bins, self._what())
        return out.astype(self.dtype), None

    def compute_output_shape(self, input_shape):
        return _encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(num_bins=self.num_bins, salt=self.salt, mask_value=self.mask_value,
                      output_mode=self.output_mode, sparse=False)
        return config


class HashedCrossing(_Categorical):
    """Keras ``HashedCrossing``: the cross of two or more categorical features (strings or
    integers, all of shape ``()``, ``(batch,)`` or ``(batch, 1)``) hashed into ``num_bins``
    bins; ``output_mode`` int (int64 bins of the inputs' shape) or one_hot."""

    def __init__(self, num_bins, output_mode="int", sparse=False, **kwargs):
        dtype = kwargs.pop("dtype", None)
        super().__init__(sparse=sparse, **kwargs)
        if output_mode not in ("int", "one_hot"):
            raise ValueError(f"{self._what()}: unknown output_mode {output_mode!r}; expected "
                             f"one of ('int', 'one_hot')")
        self._set_bins(num_bins, dtype, output_mode)
        self.output_mode = output_mode

    def _symbolic_input_shape(self, inputs):
        if not isinstance(inputs, (list, tuple)) or not all(
                isinstance(t, KerasTensor) for t in inputs):
            raise TypeError(f"{self._what()} is called on a list of KerasTensors, got "
                            f"{type(inputs).__name__}")
        for t in inputs:
            if t.dtype != "string" and np.dtype(t.dtype).kind not in "iu":
                raise ValueError(f"All `HashedCrossing` inputs should have an integer or "
                                 f"string dtype; got {t.dtype}")
        return [tuple(t.shape) for t in inputs]

    def _check_input_shape(self, shapes) -> None:
        if not isinstance(shapes, list) or len(shapes) < 2:
            raise ValueError(f"`HashedCrossing` should be called on a list of at least two "
                             f"inputs; got {shapes if isinstance(shapes, list) else 'one'}")
        first = shapes[0]
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError(f"All `HashedCrossing` inputs should have shape `()`, "
                             f"`(batch_size)` or `(batch_size, 1)`; got shapes {shapes}")
        if any(tuple(s) != tuple(first) for s in shapes[1:]):
            raise ValueError(f"All `HashedCrossing` inputs should have equal shape; got "
                             f"shapes {shapes}")

    def _values(self, inputs) -> list[np.ndarray]:
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"`HashedCrossing` should be called on a list or tuple of inputs; "
                             f"got {type(inputs).__name__}")
        arrays = [np.asarray(_backend.to_numpy(x)) for x in inputs]
        for a in arrays:
            if a.dtype.kind not in "iuUSO":
                raise ValueError(f"All `HashedCrossing` inputs should have an integer or string "
                                 f"dtype; got {a.dtype}")
        self._check_input_shape([a.shape for a in arrays])
        return arrays

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        if kwargs:
            raise TypeError(f"HashedCrossing got unexpected call arguments {sorted(kwargs)}")
        arrays = self._values(inputs)
        columns = [a.ravel().tolist() for a in arrays]
        for column in columns:  # object arrays: each value a string or an integer
            for v in column:
                if not isinstance(v, (str, bytes, int)) or isinstance(v, bool):
                    raise ValueError(f"All `HashedCrossing` inputs should have an integer or "
                                     f"string dtype; got the value {v!r}")
        bins = np.array([_hashing.cross_hash(values, self.num_bins)
                         for values in zip(*columns)], np.int64).reshape(arrays[0].shape)
        if self.output_mode == "int":
            return bins.astype(self.dtype), None
        out = _encode(bins, "one_hot", self.num_bins, self._what())
        return out.astype(self.dtype), None

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[0])
        if not shape and self.output_mode == "one_hot":
            return (1, self.num_bins)  # what Keras's call gives (its shape function says (n,))
        return _encoded_shape(shape, self.output_mode, self.num_bins)

    def get_config(self) -> dict:
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": False,
                "name": self.name, "dtype": self.dtype}


class CategoryEncoding(_Categorical):
    """Keras ``CategoryEncoding``: integer indices in ``[0, num_tokens)`` to ``one_hot``,
    ``multi_hot`` (the default) or ``count`` vectors (float32); ``count_weights`` at call
    weight the counts."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(sparse=sparse, **kwargs)
        what = self._what()
        if num_tokens is None or isinstance(num_tokens, bool) or not isinstance(
                num_tokens, (int, np.integer)) or num_tokens < 1:
            raise ValueError(f"{what}: num_tokens must be an integer >= 1; got "
                             f"{num_tokens!r}")
        self.num_tokens = int(num_tokens)
        self.output_mode = _check_mode(output_mode, _ENCODINGS, what)

    def _forward(self, inputs, mask=None, training=False, count_weights=None, **kwargs):
        if kwargs:
            raise TypeError(f"CategoryEncoding got unexpected call arguments {sorted(kwargs)}")
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(f"{self._what()}: count_weights are only for output_mode "
                             f"'count'")
        x = np.asarray(inputs)
        if x.dtype.kind == "f":
            if np.any(x != np.round(x)):
                raise ValueError(f"{self._what()} takes integer indices; got non-integer "
                                 f"values")
        elif x.dtype.kind not in "iub":
            raise TypeError(f"{self._what()} takes integer indices; got dtype {x.dtype}")
        return _encode(x, self.output_mode, self.num_tokens, self._what(), count_weights), None

    def compute_output_shape(self, input_shape):
        return _encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def _symbolic_output_dtype(self) -> str:
        return "float32"

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(num_tokens=self.num_tokens, output_mode=self.output_mode, sparse=False)
        return config


def _summary(values, epsilon: float) -> np.ndarray:
    """(2, k): every step-th of the sorted values (step = their count / (1 / epsilon), at
    least 1, from index step - 1) and the weight (step) each stands for."""
    v = np.sort(np.asarray(values, np.float32).ravel())
    step = max(v.size / (1.0 / epsilon), 1)
    picked = v[int(step - 1)::int(step)]
    return np.stack([picked, np.full_like(picked, step)])


def _merged(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Stable: Keras's unstable argsort orders tied values of unequal weights as the NumPy
    # version happens to (2.3 and 2.4 differ), which moves the boundaries; this does not.
    both = np.concatenate((a, b), axis=1)
    return np.take(both, np.argsort(both[0], kind="stable"), axis=1)


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """At most 1 / epsilon points: values and weights interpolated at the cumulative-weight
    fractions epsilon, 2 epsilon, ..., 1."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    at = cumulative / cumulative[-1]
    values = np.interp(fractions, at, summary[0])
    cumulative = np.interp(fractions, at, cumulative)
    weights = np.diff(cumulative, prepend=0.0)
    return np.stack((values, weights)).astype(np.float32)


class Discretization(_Categorical):
    """Keras ``Discretization``: numbers to the index of their bin between
    ``bin_boundaries`` (sorted; or ``num_bins`` learnt by :meth:`adapt` as Keras learns
    them), as ``int`` (int32), ``one_hot``, ``multi_hot`` or ``count``."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "float32"
        super().__init__(sparse=sparse, **kwargs)
        what = self._what()
        self.output_mode = _check_mode(output_mode, ("int", *_ENCODINGS), what)
        if bin_boundaries is None and num_bins is None:
            raise ValueError(f"{what}: give bin_boundaries, or num_bins and adapt() it")
        if bin_boundaries is not None:
            bounds = np.asarray(bin_boundaries, np.float64).ravel()
            if np.any(np.diff(bounds) < 0):
                raise ValueError(f"{what}: bin_boundaries must be sorted; got "
                                 f"{list(bin_boundaries)}")
            bin_boundaries = [float(b) for b in bounds]
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon

    def adapt(self, data, steps=None):
        """Learn ``num_bins`` boundaries from ``data`` (an array, or an iterable of batches,
        ``steps`` of them at most) by Keras's approximate quantiles: each batch is summarized
        by every ``len / (1 / epsilon)``-th sorted value, weighted by that spacing; summaries
        merge and compress to ``epsilon``; the boundaries are the summary compressed to
        ``1 / num_bins`` (its last value dropped)."""
        if self.num_bins is None:
            raise ValueError(f"{self._what()} was given bin_boundaries; adapt() learns them for "
                             f"a layer made with num_bins")
        summary = np.zeros((2, 0), np.float32)
        if isinstance(data, np.ndarray) or not hasattr(data, "__iter__"):
            batches = [data]
        else:
            batches = data
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            summary = _compress(_merged(_summary(batch, self.epsilon), summary), self.epsilon)
        if summary.shape[1] == 0:
            raise ValueError(f"{self._what()}: adapt() got no data")
        self.bin_boundaries = _compress(summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        if kwargs:
            raise TypeError(f"Discretization got unexpected call arguments {sorted(kwargs)}")
        if self.bin_boundaries is None:
            raise ValueError(f"{self._what()} has no bin_boundaries: adapt() it first")
        x = np.asarray(inputs)
        if x.dtype.kind not in "iuf":
            raise TypeError(f"{self._what()} takes numbers; got dtype {x.dtype}")
        bounds = np.asarray(self.bin_boundaries, np.float32)
        indices = np.digitize(x.astype(np.float32), bounds).astype(np.int64)
        if self.output_mode == "int":
            return indices.astype(np.int32), None
        return _encode(indices, self.output_mode, len(bounds) + 1, self._what()), None

    def _depth(self) -> int:
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else \
            int(self.num_bins)

    def compute_output_shape(self, input_shape):
        return _encoded_shape(input_shape, self.output_mode, self._depth())

    def _symbolic_output_dtype(self) -> str:
        return "int32" if self.output_mode == "int" else "float32"

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(bin_boundaries=self.bin_boundaries, num_bins=self.num_bins,
                      epsilon=self.epsilon, output_mode=self.output_mode, sparse=False)
        return config
