"""Keras's attention layers over RNN outputs: ``Attention`` (Luong, dot-product or "concat"
scores) and ``AdditiveAttention`` (Bahdanau). Plain NumPy (CuPy for CuPy inputs).

Called on ``[query, value]`` or ``[query, value, key]`` (key defaults to value), each
(batch, time, dim): scores (batch, Tq, Tv) from query and key, a softmax over Tv, and the
scores' weighted sum of the values. As in Keras 2 and 3: value steps that are masked, or after
the query step with ``use_causal_mask=True``, get ``score - 1e9`` (so a query whose every value
step is masked averages them all, as Keras's float32 does); query steps that are masked give
zeros; the output carries the query's mask. ``return_attention_scores=True`` returns
``[output, scores after the softmax]``. Dropout applies in training only.
"""

from __future__ import annotations

import numpy as np

from .. import _backend
from ._base import KerasTensor, Layer, _softmax, check_mask, list_inputs
from ._core import _param
from ._initializers import get_initializer

__all__ = ["AdditiveAttention", "Attention"]

# What Keras subtracts from the scores of masked value steps (float32 and float64).
_MASKED_SCORE = 1.0e9


class _BaseAttention(Layer):
    _score_modes = ("dot", "concat")

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, causal=None,
                 **kwargs):
        super().__init__(**kwargs)
        if score_mode not in self._score_modes:
            raise ValueError(f"invalid score_mode {score_mode!r} for {type(self).__name__}; "
                             f"expected one of {list(self._score_modes)}")
        if not 0 <= float(dropout) <= 1:
            raise ValueError(f"dropout must be in [0, 1], got {dropout!r}")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.causal = bool(causal)  # Keras 2's constructor form of use_causal_mask
        self.supports_masking = True

    # ----------------------------------------------------------- shapes
    def _symbolic_input_shape(self, inputs):
        if not isinstance(inputs, (list, tuple)) or not all(
                isinstance(t, KerasTensor) for t in inputs):
            raise TypeError(f"an {type(self).__name__} layer is called on a list of "
                            f"KerasTensors [query, value] or [query, value, key], got "
                            f"{type(inputs).__name__}")
        return [t.shape for t in inputs]

    def _check_input_shape(self, shapes) -> None:
        name = f"{type(self).__name__} layer {self.name!r}"
        if not isinstance(shapes, list) or len(shapes) not in (2, 3):
            raise ValueError(f"{name} must be called on a list of 2 or 3 inputs, [query, "
                             f"value] or [query, value, key]")
        for what, shape in zip(("query", "value", "key"), shapes):
            if len(shape) != 3:
                raise ValueError(f"the {what} of {name} must have rank 3 (batch, time, dim); "
                                 f"got shape {tuple(shape)}")
        query, value = shapes[0], shapes[1]
        key = shapes[2] if len(shapes) > 2 else value

        def clash(a, b):
            return a is not None and b is not None and a != b

        if clash(key[1], value[1]):
            raise ValueError(f"the key and value of {name} need the same number of steps; got "
                             f"shapes {tuple(key)} and {tuple(value)}")
        if clash(query[2], key[2]):
            raise ValueError(f"the query and key of {name} need the same last dimension; got "
                             f"shapes {tuple(query)} and {tuple(key)}")
        batches = {s[0] for s in shapes} - {None}
        if len(batches) > 1:
            raise ValueError(f"the inputs of {name} have different batch sizes; got shapes "
                             f"{[tuple(s) for s in shapes]}")
        if self.built and query[2] is not None and self._dim is not None and (
                query[2] != self._dim):
            raise ValueError(f"{name} was built for inputs of dimension {self._dim}; got "
                             f"query shape {tuple(query)}")

    def build(self, input_shape) -> None:
        self._dim = input_shape[0][-1]
        self._build_weights(self._dim)
        self.built = True

    def compute_output_shape(self, input_shape):
        query, value = input_shape[0], input_shape[1]
        return (*tuple(query)[:-1], value[-1])

    def _symbolic_output_shapes(self, input_shape, mask=None, return_attention_scores=False,
                                use_causal_mask=False, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected call arguments "
                            f"{sorted(kwargs)}")
        out = self.compute_output_shape(input_shape)
        if return_attention_scores:
            key = input_shape[2] if len(input_shape) > 2 else input_shape[1]
            return [out, (*tuple(input_shape[0])[:-1], key[1])]
        return [out]

    def _output_masks(self, mask):
        return None if mask is None else mask[0]

    # ----------------------------------------------------------- running
    def _forward(self, inputs, mask=None, training=False, return_attention_scores=False,
                 use_causal_mask=False, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected call arguments "
                            f"{sorted(kwargs)}")
        xs = list_inputs(self, inputs, "a list [query, value] or [query, value, key]")
        xp = _backend.array_module(xs[0])
        if mask is not None and (not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3)):
            raise ValueError(f"the mask of {type(self).__name__} layer {self.name!r} must be a "
                             f"list [query_mask, value_mask] (None for no mask)")
        query, value = xs[0], xs[1]
        key = xs[2] if len(xs) > 2 else value
        q_mask = v_mask = None
        if mask is not None:
            q_mask = self._mask(mask[0], query, "query")
            v_mask = self._mask(mask[1], value, "value")
        scores = self._scores(query, key, xp)
        allowed = None if v_mask is None else v_mask[:, None, :]
        if use_causal_mask or self.causal:
            tq, tv = scores.shape[1], scores.shape[2]
            causal = xp.arange(tq)[:, None] >= xp.arange(tv)[None, :]
            allowed = causal[None] if allowed is None else allowed & causal[None]
        if allowed is not None:
            scores = xp.where(allowed, scores, scores - scores.dtype.type(_MASKED_SCORE))
        weights = _softmax(scores, axis=-1)
        out = xp.matmul(weights, value)
        if q_mask is not None:
            out = xp.where(q_mask[:, :, None], out, out.dtype.type(0))
        if return_attention_scores:
            return [out, weights], [q_mask, None]
        return out, q_mask

    def _mask(self, m, x, what: str):
        return check_mask(m, x.shape[0], x.shape[1],
                          f"the {what} mask of {type(self).__name__} layer {self.name!r}")

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(use_scale=self.use_scale, score_mode=self.score_mode,
                      dropout=self.dropout, seed=self.seed)
        return config


class Attention(_BaseAttention):
    """Keras ``Attention`` (Luong): scores ``query @ key.T`` (times ``scale`` with
    ``use_scale=True``), or with ``score_mode="concat"``
    ``concat_score_weight * sum(tanh(scale * (query + key)))`` over the last axis.

    Weights: ``scale`` () with use_scale, ``concat_score_weight`` () with score_mode "concat".
    """

    def _build_weights(self, dim) -> None:
        if self.use_scale:
            self._add_weight("scale", np.ones((), np.float32), "scale")
        if self.score_mode == "concat":
            self._add_weight("concat_score_weight", np.ones((), np.float32),
                             "concat_score_weight")

    def _scores(self, query, key, xp):
        if self.score_mode == "dot":
            scores = xp.matmul(query, xp.swapaxes(key, -2, -1))
            if self.use_scale:
                scores = scores * _param(self, "scale", query)
            return scores
        summed = query[:, :, None, :] + key[:, None, :, :]
        if self.use_scale:
            summed = _param(self, "scale", query) * summed
        return _param(self, "concat_score_weight", query) * xp.tanh(summed).sum(axis=-1)


class AdditiveAttention(_BaseAttention):
    """Keras ``AdditiveAttention`` (Bahdanau): scores ``sum(scale * tanh(query + key))`` over
    the last axis.

    Weights: ``scale`` (dim,) with use_scale (the default).
    """

    _score_modes = ("dot",)  # Keras keeps the argument and ignores it here

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def _build_weights(self, dim) -> None:
        if self.use_scale:
            if dim is None:
                raise ValueError(f"AdditiveAttention layer {self.name!r} needs a known last "
                                 f"input dimension")
            rng = np.random.default_rng(self.seed)
            init = get_initializer("glorot_uniform", "scale initializer")
            self._add_weight("scale", init((int(dim),), rng), "scale")

    def _scores(self, query, key, xp):
        tanh = xp.tanh(query[:, :, None, :] + key[:, None, :, :])
        if self.use_scale:
            tanh = _param(self, "scale", query) * tanh
        return tanh.sum(axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config
