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
from ._base import KerasTensor, Layer, _softmax, check_mask, has_symbolic, list_inputs
from ._core import _initializer_args, _param
from ._initializers import get_initializer, layer_rng

__all__ = ["AdditiveAttention", "Attention", "GroupQueryAttention", "GroupedQueryAttention",
           "MultiHeadAttention"]

# What Keras subtracts from the scores of masked value steps (float32 and float64).
_MASKED_SCORE = 1.0e9


def _check_query_value_key(shapes, name: str):
    """The checks every attention layer makes of its [query, value(, key)] shapes: rank 3, a
    key as long as the value, one batch size. Returns (query, value, key) shapes, the key
    being the value when there is none."""
    for what, shape in zip(("query", "value", "key"), shapes):
        if len(shape) != 3:
            raise ValueError(f"the {what} of {name} must have rank 3 (batch, time, features); "
                             f"got shape {tuple(shape)}")
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) > 2 else value
    if key[1] is not None and value[1] is not None and key[1] != value[1]:
        raise ValueError(f"the key and value of {name} need the same number of steps; got "
                         f"shapes {tuple(key)} and {tuple(value)}")
    batches = {s[0] for s in shapes} - {None}
    if len(batches) > 1:
        raise ValueError(f"the inputs of {name} have different batch sizes; got shapes "
                         f"{[tuple(s) for s in shapes]}")
    return query, value, key


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
        query, _, key = _check_query_value_key(shapes, name)
        if query[2] is not None and key[2] is not None and query[2] != key[2]:
            raise ValueError(f"the query and key of {name} need the same last dimension; got "
                             f"shapes {tuple(query)} and {tuple(key)}")
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
            rng = layer_rng(self.seed)
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


# What Keras 3's fused attention (ops.dot_product_attention) puts in masked scores:
# -0.7 * float32's largest value, so a query with no step to attend to averages them all.
_FUSED_MASKED_SCORE = 0.7 * 3.38953e38


def _positive_int(value, what: str, optional: bool = False):
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"received an invalid value for argument `{what}`, expected a "
                         f"positive integer{' or None' if optional else ''}, got {value!r}")
    return int(value)


def _fill_masked(xp, a, keep, value: float):
    """``where(keep, a, value)`` for a negative ``value``: NumPy's where took ~6x the time of
    the same select written as ``a * k + (1 - k) * value`` (k = keep as 0/1), which gives the
    same bits for finite ``a`` (``a + -0.0`` is ``a``); so the blend where ``a`` is finite,
    where otherwise."""
    if xp is np and value < 0 and bool(np.isfinite(a).all()):
        k = keep.astype(a.dtype)
        return a * k + (1 - k) * a.dtype.type(value)
    return xp.where(keep, a, a.dtype.type(value))


class MultiHeadAttention(Layer):
    """Keras ``MultiHeadAttention`` over (batch, time, features) sequences.

    ``mha(query, value)``, ``mha(query, value, key)`` (key defaults to value): per head, query,
    key and value projections (``query_dense`` ..., Keras's EinsumDense kernels of shape
    (dim, num_heads, key_dim) and biases (num_heads, key_dim)), scores
    ``q @ k.T / sqrt(key_dim)``, a softmax over the value steps, the weighted values, and the
    output projection (kernel (num_heads, value_dim, *output_shape)) back to the query's
    dimension or ``output_shape``. ``use_gate=True`` multiplies the heads' outputs by
    ``sigmoid(query @ gate_kernel + gate_bias)`` first (Keras 3.15).

    Masks, as in Keras: a query step and a value step may attend to each other when both are
    unmasked (the masks of the query, value and key tensors in a model; ``query_mask=``,
    ``value_mask=``, ``key_mask=`` in an eager call, where arrays carry none), when
    ``attention_mask`` (batch, Tq, Tv) allows it, when ``use_causal_mask=True`` and the value
    step is not after the query step, and within ``sliding_window`` steps. The output carries
    the query's mask. A query step that may attend to nothing (a masked query step, or a
    query whose value steps are all masked) gets, as in the Keras that made the model:

    - Keras 3 with ``return_attention_scores=True`` or ``dropout > 0``: zero attention
      weights, so its output is the output projection's bias;
    - Keras 3 otherwise (its fused ``dot_product_attention``), and Keras 2: the average of all
      the value steps.

    (Keras 2 adds -1e9 to a masked score, or with ``softmax_robust_masking=True`` puts -1e9
    in its place.) ``return_attention_scores=True`` returns ``(output, scores)``, the scores (batch,
    num_heads, Tq, Tv) after the softmax. Dropout applies in training only. As in Keras 3,
    a MultiHeadAttention call in a model takes the masks off the tensors it reads, so another
    MultiHeadAttention call that Keras runs later on the same tensor sees no mask (Keras 2
    leaves them).

    Weights: query kernel and bias, key kernel and bias, (gate kernel and bias,) value kernel
    and bias, output kernel and bias (the biases with ``use_bias``). Regularizers and
    constraints have no effect at inference.
    """

    _positional_inputs = True
    _consumes_input_masks = True
    _reads_tensor_masks = True
    # the groups of Keras 3's weights file holding each projection's kernel and bias
    _weight_groups = {"query": "query_dense", "key": "key_dense", "gate": "_gate_dense",
                      "value": "value_dense", "output": "output_dense"}

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, softmax_robust_masking=False, query_shape=None,
                 key_shape=None, value_shape=None, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = _positive_int(num_heads, "num_heads")
        self.key_dim = _positive_int(key_dim, "key_dim")
        self.value_dim = _positive_int(value_dim, "value_dim", optional=True) or self.key_dim
        if not 0 <= float(dropout) <= 1:
            raise ValueError(f"dropout must be in [0, 1], got {dropout!r}")
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        if output_shape is not None and not isinstance(output_shape, (list, tuple)):
            output_shape = (output_shape,)
        self._output_shape = (None if not output_shape else
                              tuple(_positive_int(d, "output_shape") for d in output_shape))
        if attention_axes is not None:
            axes = (attention_axes,) if isinstance(attention_axes, int) else attention_axes
            if not isinstance(axes, (list, tuple)) or [int(a) for a in axes] not in ([1], [-2]):
                raise ValueError(
                    f"MultiHeadAttention attention_axes={attention_axes!r}: fusedrnn attends "
                    f"over the time axis of (batch, time, features) inputs only (attention_axes "
                    f"None or (1,))")
        self.attention_axes = (1,)
        self.sliding_window = _positive_int(sliding_window, "sliding_window", optional=True)
        self.flash_attention = flash_attention
        if flash_attention and self.dropout > 0:
            raise ValueError("dropout is not supported when flash attention is enabled; set "
                             "dropout to 0.0 to use flash attention")
        self.use_gate = bool(use_gate)
        _initializer_args(self, kernel_initializer, bias_initializer, seed)
        # Keras 2 (tf_keras): its Softmax replaces masked scores by -1e9 instead of adding -1e9
        self.softmax_robust_masking = bool(softmax_robust_masking)
        self.supports_masking = True
        self._dims = None  # (query, value, key) feature sizes, once built

    # ----------------------------------------------------------- shapes and weights
    def _parts(self) -> list[str]:
        return ["query", "key", *(["gate"] if self.use_gate else []), "value", "output"]

    def _check_input_shape(self, shapes) -> None:
        name = f"MultiHeadAttention layer {self.name!r}"
        query, value, key = _check_query_value_key(shapes, name)
        for what, shape in zip(("query", "value", "key"), shapes):
            if shape[2] is None:
                raise ValueError(f"the {what} of {name} needs a known feature size; got shape "
                                 f"{tuple(shape)}")
        dims = (query[2], value[2], key[2])
        if self._dims is not None and dims != self._dims:
            raise ValueError(f"{name} was built for query, value and key feature sizes "
                             f"{self._dims}; got {dims} (shapes {[tuple(s) for s in shapes]})")

    def build(self, input_shape) -> None:
        query, value = input_shape[0], input_shape[1]
        key = input_shape[2] if len(input_shape) > 2 else value
        self._dims = (int(query[2]), int(value[2]), int(key[2]))
        shapes = self._weight_shapes()
        rng = layer_rng(self.seed)
        for part in self._parts():
            kernel, bias = shapes[part]
            self._add_weight(f"{part}_kernel", self._kernel_init(kernel, rng),
                             f"{'attention_output' if part == 'output' else part}/kernel")
            if self.use_bias:
                self._add_weight(f"{part}_bias", self._bias_init(bias, rng),
                                 f"{'attention_output' if part == 'output' else part}/bias")
        self.built = True

    def _weight_shapes(self) -> dict:
        """(kernel, bias) shape of each projection, for the built feature sizes."""
        heads, kd, vd = self.num_heads, self.key_dim, self.value_dim
        out = self._output_shape or (self._dims[0],)
        return {"query": ((self._dims[0], heads, kd), (heads, kd)),
                "key": ((self._dims[2], heads, kd), (heads, kd)),
                "gate": ((self._dims[0], heads, vd), (heads, vd)),
                "value": ((self._dims[1], heads, vd), (heads, vd)),
                "output": ((heads, vd, *out), out)}

    def compute_output_shape(self, input_shape):
        query = tuple(input_shape[0])
        return (*query[:2], *(self._output_shape or query[2:]))

    def _symbolic_input_shape(self, inputs):
        return [t.shape for t in inputs]

    def _symbolic_output_shapes(self, input_shape, mask=None, return_attention_scores=False,
                                **kwargs):
        out = self.compute_output_shape(input_shape)
        if return_attention_scores:  # (Keras 3.15 says Tq where Tv is meant)
            query, value = input_shape[0], input_shape[1]
            return [out, (query[0], self.num_heads, query[1], value[1])]
        return [out]

    # ----------------------------------------------------------- calling
    def __call__(self, query, value=None, key=None, query_mask=None, value_mask=None,
                 key_mask=None, attention_mask=None, return_attention_scores=False,
                 training=None, use_causal_mask=False, **kwargs):
        if kwargs:
            raise TypeError(f"MultiHeadAttention got unexpected call arguments "
                            f"{sorted(kwargs)}")
        if value is None:
            raise TypeError("MultiHeadAttention is called on a query and a value (and "
                            "optionally a key): mha(query, value) or mha(query, value, key)")
        inputs = [query, value] if key is None else [query, value, key]
        call = {name: arg for name, arg in (("query_mask", query_mask),
                                            ("value_mask", value_mask),
                                            ("key_mask", key_mask),
                                            ("attention_mask", attention_mask))
                if arg is not None}
        if return_attention_scores:
            if self.flash_attention:
                raise ValueError("returning attention scores is not supported when flash "
                                 "attention is enabled; disable flash attention to get them")
            call["return_attention_scores"] = True
        if use_causal_mask:
            call["use_causal_mask"] = True
        if has_symbolic(inputs) or has_symbolic(list(call.values())):
            for what, t in zip(("query", "value", "key"), inputs):
                if not isinstance(t, KerasTensor):
                    raise TypeError(f"the {what} of MultiHeadAttention layer {self.name!r} "
                                    f"must be a KerasTensor like the other inputs, got "
                                    f"{type(t).__name__}")
            outs = self._symbolic_call(inputs, **call)
            self._inbound_nodes[-1].implicit_mask = True  # it reads its inputs' masks
            return tuple(outs) if return_attention_scores else outs
        outs, _ = self._forward(inputs, training=bool(training), **call)
        return outs

    def call(self, query, value, key=None, **kwargs):
        return self(query, value, key, **kwargs)

    def _forward(self, inputs, mask=None, training=False, query_mask=None, value_mask=None,
                 key_mask=None, attention_mask=None, return_attention_scores=False,
                 use_causal_mask=False, masks_taken=None, **kwargs):
        """``mask``: the masks of the query, value (and key) tensors; ``masks_taken``: for
        each, whether an earlier call took it off (Keras 3, see models.Model._execute), so
        that this call attends without it. The output carries the query's mask."""
        if kwargs:
            raise TypeError(f"MultiHeadAttention got unexpected call arguments "
                            f"{sorted(kwargs)}")
        xs = list_inputs(self, inputs, "[query, value] or [query, value, key]")
        xp = _backend.array_module(xs[0])
        query, value = xs[0], xs[1]
        key = xs[2] if len(xs) > 2 else value
        batch, tq, tv = query.shape[0], query.shape[1], value.shape[1]
        masks = list(mask) if mask is not None else [None] * len(xs)
        out_mask = masks[0]
        if masks_taken is not None:
            masks = [None if taken else m for m, taken in zip(masks, masks_taken)]
        # An explicit mask argument takes the place of the tensor's own (Keras fills the
        # arguments from the tensors' masks).
        for i, explicit in enumerate((query_mask, value_mask, key_mask)):
            if explicit is not None and i < len(xs):
                masks[i] = explicit
        names = ("query", "value", "key")
        masks = [None if m is None else xp.asarray(self._mask(m, x, names[i]))
                 for i, (m, x) in enumerate(zip(masks, xs))]
        allowed = self._allowed(xp, masks, attention_mask, batch, tq, tv, use_causal_mask)

        q = self._project(query, "query", xp)
        k = self._project(key, "key", xp)
        v = self._project(value, "value", xp)
        fused = not (self._keras2_masks or return_attention_scores or self.dropout > 0)
        qh = xp.swapaxes(q, 1, 2)  # (batch, heads, Tq, key_dim)
        kt = xp.transpose(k, (0, 2, 3, 1))  # (batch, heads, key_dim, Tv)
        scale = q.dtype.type(1.0 / np.sqrt(float(self.key_dim)))
        if fused:  # Keras 3's dot_product_attention: scaled after the product
            scores = xp.matmul(qh, kt) * scale
        else:
            scores = xp.matmul(qh * scale, kt)
        if allowed is not None:
            if self._keras2_masks and not self.softmax_robust_masking:
                # Keras 2's Softmax adds -1e9 to the masked scores
                scores = scores + (~allowed).astype(scores.dtype) * scores.dtype.type(
                    -_MASKED_SCORE)
            else:
                big = _FUSED_MASKED_SCORE if fused else _MASKED_SCORE
                scores = _fill_masked(xp, scores, allowed, -big)
        weights = _softmax(scores, axis=-1)
        if allowed is not None and not fused and not self._keras2_masks:
            weights = xp.where(allowed, weights, weights.dtype.type(0))  # Keras 3's Softmax
        heads = xp.swapaxes(xp.matmul(weights, xp.swapaxes(v, 1, 2)), 1, 2)  # (b, Tq, h, vd)
        if self.use_gate:
            gate = self._project(query, "gate", xp)
            heads = heads * (1.0 / (1.0 + xp.exp(-gate)))
        kernel = _param(self, "output_kernel", query)
        out = heads.reshape(batch, tq, -1) @ kernel.reshape(self.num_heads * self.value_dim, -1)
        out = out.reshape(batch, tq, *kernel.shape[2:])
        if self.use_bias:
            out = out + _param(self, "output_bias", query)
        if return_attention_scores:
            return (out, weights), [out_mask, None]
        return out, out_mask

    def _project(self, x, part: str, xp):
        """``x`` (batch, T, dim) through a projection: (batch, T, heads, size)."""
        kernel = _param(self, f"{part}_kernel", x)
        dim, heads, size = kernel.shape
        y = (x @ kernel.reshape(dim, heads * size)).reshape(*x.shape[:2], heads, size)
        if self.use_bias:
            y = y + _param(self, f"{part}_bias", x)
        return y

    def _mask(self, m, x, what: str):
        return check_mask(m, x.shape[0], x.shape[1],
                          f"the {what} mask of MultiHeadAttention layer {self.name!r}")

    def _allowed(self, xp, masks, attention_mask, batch, tq, tv, causal):
        """Which (query step, value step) pairs may attend: None (all), or booleans
        broadcasting to (batch, heads, Tq, Tv)."""
        allowed = None

        def join(a):
            return a if allowed is None else allowed & a

        if masks[0] is not None:
            allowed = join(masks[0][:, None, :, None])
        for m in masks[1:]:
            if m is not None:
                allowed = join(m[:, None, None, :])
        if causal or self.sliding_window is not None:
            rows, cols = xp.arange(tq)[:, None], xp.arange(tv)[None, :]
            if causal:
                allowed = join((rows >= cols)[None, None])
            if self.sliding_window is not None:
                allowed = join((abs(rows - cols) < self.sliding_window)[None, None])
        if attention_mask is not None:
            a = xp.asarray(attention_mask)
            if a.dtype.kind not in "biuf":
                raise TypeError(f"the attention_mask of MultiHeadAttention layer "
                                f"{self.name!r} must be boolean, got dtype {a.dtype}")
            while a.ndim < 4:  # (Tq, Tv) or (batch, Tq, Tv): broadcast over the heads
                a = a[..., None, :, :]
            if a.ndim > 4 or any(d not in (1, full) for d, full in
                                 zip(a.shape, (batch, self.num_heads, tq, tv))):
                raise ValueError(
                    f"the attention_mask of MultiHeadAttention layer {self.name!r} must "
                    f"broadcast to (batch, Tq, Tv) = {(batch, tq, tv)}; got shape "
                    f"{tuple(xp.asarray(attention_mask).shape)}")
            allowed = join(a.astype(bool))
        return allowed

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(num_heads=self.num_heads, key_dim=self.key_dim,
                      value_dim=self.value_dim, dropout=self.dropout, use_bias=self.use_bias,
                      output_shape=self._output_shape, attention_axes=self.attention_axes,
                      sliding_window=self.sliding_window, use_gate=self.use_gate,
                      seed=self.seed)
        return config


class GroupQueryAttention(MultiHeadAttention):
    """Keras 3's ``GroupQueryAttention`` (its class is ``GroupedQueryAttention``, which names
    its layers): attention with ``num_query_heads`` query heads sharing
    ``num_key_value_heads`` key and value heads (each repeated ``num_query_heads //
    num_key_value_heads`` times, consecutively), all of ``head_dim``; the output projection
    goes back to the query's feature size. Masks, ``use_causal_mask``, ``sliding_window``,
    ``use_gate``, ``return_attention_scores`` and dropout as in :class:`MultiHeadAttention`.

    Weights: query kernel (dim, num_query_heads, head_dim) and bias, key and value kernels
    (dim, num_key_value_heads, head_dim) and biases, (gate,) output kernel (num_query_heads,
    head_dim, dim) and bias."""

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        super().__init__(num_query_heads, head_dim, dropout=dropout, use_bias=use_bias,
                         sliding_window=sliding_window, flash_attention=flash_attention,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, use_gate=use_gate, seed=seed,
                         **kwargs)
        self.num_key_value_heads = _positive_int(num_key_value_heads, "num_key_value_heads")
        if self.num_heads % self.num_key_value_heads:
            raise ValueError(f"num_query_heads ({self.num_heads}) must be divisible by "
                             f"num_key_value_heads ({self.num_key_value_heads})")

    _keras_class_name = "GroupedQueryAttention"  # names its layers and their weight groups
    _consumes_input_masks = False  # unlike MultiHeadAttention, it leaves its inputs' masks
    # (but reads them off the tensors, as MultiHeadAttention: _reads_tensor_masks)
    _weight_groups = {part: f"_{part}_dense" for part in MultiHeadAttention._weight_groups}

    @property
    def head_dim(self) -> int:
        return self.key_dim

    @property
    def num_query_heads(self) -> int:
        return self.num_heads

    def _check_input_shape(self, shapes) -> None:
        super()._check_input_shape(shapes)
        if shapes[0][2] != shapes[1][2]:
            raise ValueError(f"GroupedQueryAttention layer {self.name!r}: the query and the "
                             f"value must have the same feature size; got {shapes[0][2]} and "
                             f"{shapes[1][2]}")

    def _weight_shapes(self) -> dict:
        shapes = super()._weight_shapes()
        kv, hd = self.num_key_value_heads, self.key_dim
        shapes["key"] = ((self._dims[2], kv, hd), (kv, hd))
        shapes["value"] = ((self._dims[1], kv, hd), (kv, hd))
        return shapes

    def _project(self, x, part: str, xp):
        y = super()._project(x, part, xp)
        if part in ("key", "value"):  # each shared head serves a group of query heads
            y = xp.repeat(y, self.num_heads // self.num_key_value_heads, axis=2)
        return y

    def get_config(self) -> dict:
        config = Layer.get_config(self)
        config.update(head_dim=self.key_dim, num_query_heads=self.num_heads,
                      num_key_value_heads=self.num_key_value_heads, use_bias=self.use_bias,
                      use_gate=self.use_gate, sliding_window=self.sliding_window,
                      dropout=self.dropout, seed=self.seed)
        return config


GroupedQueryAttention = GroupQueryAttention  # Keras's class name
