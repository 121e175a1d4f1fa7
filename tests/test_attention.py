"""Attention, AdditiveAttention and MultiHeadAttention against loops written from Keras's
definitions (float64), over their options; real Keras's numbers are in the golden cases
(func_attention_*, func_additive_attention_causal_key, func_mha_*) and the Keras files
(attention, multi_head_attention: test_saving.py)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from fusedrnn import layers as L
from fusedrnn.models import Model
from tolerances import FP32_SHORT, assert_close


def loop_attention(query, value, key, *, kind, score_mode="dot", scale=None, concat_weight=1.0,
                   q_mask=None, v_mask=None, causal=False):
    """One query step at a time: scores, Keras's -1e9 for disallowed value steps, softmax,
    weighted sum; masked query steps give zeros."""
    b, tq, _ = query.shape
    tv = value.shape[1]
    out = np.zeros((b, tq, value.shape[2]))
    weights = np.zeros((b, tq, tv))
    for n, i in itertools.product(range(b), range(tq)):
        q = query[n, i].astype(np.float64)
        scores = np.empty(tv)
        for j in range(tv):
            k = key[n, j].astype(np.float64)
            if kind == "additive":
                s = np.tanh(q + k)
                scores[j] = np.sum(s * (scale if scale is not None else 1.0))
            elif score_mode == "dot":
                scores[j] = q @ k * (scale if scale is not None else 1.0)
            else:  # concat
                scores[j] = concat_weight * np.sum(
                    np.tanh((scale if scale is not None else 1.0) * (q + k)))
            allowed = (v_mask is None or v_mask[n, j]) and (not causal or j <= i)
            if not allowed:
                scores[j] -= 1e9
        w = np.exp(scores - scores.max())
        w /= w.sum()
        weights[n, i] = w
        if q_mask is None or q_mask[n, i]:
            out[n, i] = w @ value[n].astype(np.float64)
    return out, weights


def data(rng, b=3, tq=4, tv=5, dim=3, vdim=3):
    query = rng.uniform(-1, 1, (b, tq, dim)).astype(np.float32)
    value = rng.uniform(-1, 1, (b, tv, vdim)).astype(np.float32)
    key = rng.uniform(-1, 1, (b, tv, dim)).astype(np.float32)
    q_mask = np.ones((b, tq), bool)
    q_mask[1, -1] = False
    q_mask[2, :2] = False
    v_mask = np.ones((b, tv), bool)
    v_mask[0, -2:] = False
    v_mask[2, 1:3] = False  # the first value step stays: no query sees no value at all
    return query, value, key, q_mask, v_mask


OPTIONS = list(itertools.product(
    ["dot", "concat", "additive"], [False, True], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize(("mode", "use_scale", "with_key", "masked", "causal"), OPTIONS)
def test_attention_matches_the_loop(mode, use_scale, with_key, masked, causal):
    rng = np.random.default_rng(hash((mode, use_scale, with_key, masked, causal)) % 2**32)
    query, value, key, q_mask, v_mask = data(rng, vdim=2 if with_key else 3)
    if mode == "additive":
        layer = L.AdditiveAttention(use_scale=use_scale)
    else:
        layer = L.Attention(use_scale=use_scale, score_mode=mode)
    inputs = [query, value, key] if with_key else [query, value]
    mask = [q_mask, v_mask] if masked else None
    layer(inputs)  # build
    weights = [rng.uniform(0.5, 1.5, w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    out, scores = layer(inputs, mask=mask, use_causal_mask=causal, return_attention_scores=True)
    scale = weights[0] if use_scale else None
    concat_weight = weights[-1] if mode == "concat" else 1.0
    want, want_scores = loop_attention(
        query, value, key if with_key else value, kind="additive" if mode == "additive" else "",
        score_mode=mode, scale=scale, concat_weight=concat_weight,
        q_mask=q_mask if masked else None, v_mask=v_mask if masked else None, causal=causal)
    assert_close(out, want, FP32_SHORT, "attention output")
    assert_close(scores, want_scores, FP32_SHORT, "attention weights")
    plain = layer(inputs, mask=mask, use_causal_mask=causal)
    np.testing.assert_array_equal(plain, out)


def test_weights_and_their_shapes():
    rng = np.random.default_rng(1)
    query, value, *_ = data(rng)
    plain, scaled = L.Attention(), L.Attention(use_scale=True, score_mode="concat")
    plain([query, value])
    scaled([query, value])
    assert plain.get_weights() == []
    assert [(w.name, w.shape) for w in scaled.weights] == [("scale", ()),
                                                           ("concat_score_weight", ())]
    additive = L.AdditiveAttention()
    additive([query, value])
    assert [(w.name, w.shape) for w in additive.weights] == [("scale", (3,))]
    limit = math.sqrt(6 / (3 + 3))  # glorot_uniform over (dim,)
    assert np.all(np.abs(additive.get_weights()[0]) <= limit)
    assert L.AdditiveAttention(use_scale=False).get_config()["use_scale"] is False
    assert "score_mode" not in additive.get_config()


def test_float32_averages_a_query_that_sees_no_value_step_as_keras_does():
    # Every value step masked: each score becomes score - 1e9, which float32 rounds to -1e9
    # for all of them, so Keras's softmax weighs the steps alike.
    rng = np.random.default_rng(2)
    query, value, *_ = data(rng)
    v_mask = np.zeros(value.shape[:2], bool)
    out, weights = L.Attention()([query, value], mask=[None, v_mask],
                                 return_attention_scores=True)
    np.testing.assert_allclose(weights, np.full(weights.shape, 1 / value.shape[1]), rtol=1e-6)
    assert_close(out, np.broadcast_to(value.mean(axis=1, keepdims=True), out.shape), FP32_SHORT)


def test_output_mask_is_the_querys_and_keras2_causal_argument():
    rng = np.random.default_rng(3)
    query, value, _, q_mask, v_mask = data(rng)
    layer = L.Attention()
    out, out_mask = layer._forward([query, value], mask=[q_mask, v_mask])
    np.testing.assert_array_equal(out_mask, q_mask)
    assert layer._forward([query, value])[1] is None
    # Keras 2's Attention(causal=True) is use_causal_mask=True on every call.
    np.testing.assert_array_equal(L.Attention(causal=True)([query, value]),
                                  L.Attention()([query, value], use_causal_mask=True))


def test_in_a_functional_model():
    rng = np.random.default_rng(4)
    q_in, v_in = L.Input((4, 3)), L.Input((None, 3))
    k = L.Dense(3)(v_in)
    out, scores = L.Attention()([q_in, v_in, k], return_attention_scores=True)
    assert out.shape == (None, 4, 3)
    assert scores.shape == (None, 4, None)
    model = Model([q_in, v_in], [out, scores])
    query, value, *_ = data(rng)
    got_out, got_scores = model([query, value])
    layer, dense = model.get_layer("attention"), model.get_layer("dense")
    want_out, want_scores = layer([query, value, dense(value)], return_attention_scores=True)
    np.testing.assert_array_equal(got_out, want_out)
    np.testing.assert_array_equal(got_scores, want_scores)
    lines = []
    model.summary(print_fn=lines.append)
    assert any(line.startswith("attention (Attention)") and "[(None, 4, 3), (None"
               in line for line in lines)


def test_bad_calls_are_named():
    rng = np.random.default_rng(5)
    query, value, key, q_mask, v_mask = data(rng)
    with pytest.raises(ValueError, match="invalid score_mode 'general'"):
        L.Attention(score_mode="general")
    layer = L.Attention()
    with pytest.raises(ValueError, match="list of 2 or 3 inputs"):
        layer([query])
    with pytest.raises(TypeError, match=r"called on a list \[query, value\]"):
        layer(query)
    with pytest.raises(ValueError, match="the query of Attention layer .* must have rank 3"):
        layer([query[:, 0], value])
    with pytest.raises(ValueError, match="key and value .* same number of steps"):
        layer([query, value, key[:, :3]])
    with pytest.raises(ValueError, match="query and key .* same last dimension"):
        layer([query, value[..., :2]])  # the value is the key here
    with pytest.raises(ValueError, match="value mask .* must have shape"):
        layer([query, value, key], mask=[q_mask, v_mask[:, :2]])
    with pytest.raises(ValueError, match=r"must be a list \[query_mask, value_mask\]"):
        layer([query, value, key], mask=q_mask)
    with pytest.raises(TypeError, match="unexpected call arguments"):
        layer([query, value, key], causal=True)
    additive = L.AdditiveAttention()
    additive([query, value, key])
    with pytest.raises(ValueError, match="built for inputs of dimension 3"):
        additive([value[..., :2], value[..., :2]])


# ------------------------------------------------------------------------ MultiHeadAttention


def loop_mha(weights, query, value, key, *, heads, use_bias, use_gate, rule, q_mask=None,
             v_mask=None, k_mask=None, causal=False, window=None, attention_mask=None):
    """MultiHeadAttention one batch entry, head and query step at a time, in float64, from
    Keras's definition. ``rule`` says what a query step with nothing to attend to gets:
    "zero" weights (Keras 3's Softmax path) or "even" ones (its fused path)."""
    w = [a.astype(np.float64) for a in weights]
    names = ["query", "key", *(["gate"] if use_gate else []), "value", "output"]
    per = 2 if use_bias else 1
    params = {n: (w[per * i], w[per * i + 1] if use_bias else 0.0) for i, n in enumerate(names)}
    b, tq, tv = query.shape[0], query.shape[1], value.shape[1]
    kd, vd = params["query"][0].shape[2], params["value"][0].shape[2]
    out_kernel, out_bias = params["output"]
    out = np.zeros((b, tq, *out_kernel.shape[2:]))
    scores = np.zeros((b, heads, tq, tv))

    def project(part, x):  # x: (dim,) -> (heads, size)
        kernel, bias = params[part]
        return np.einsum("d,dhs->hs", x.astype(np.float64), kernel) + bias

    for n, i in itertools.product(range(b), range(tq)):
        q = project("query", query[n, i])
        ks = [project("key", key[n, j]) for j in range(tv)]
        vs = [project("value", value[n, j]) for j in range(tv)]
        allowed = np.array([
            (q_mask is None or q_mask[n, i]) and (v_mask is None or v_mask[n, j])
            and (k_mask is None or k_mask[n, j]) and (not causal or j <= i)
            and (window is None or abs(i - j) < window)
            and (attention_mask is None or attention_mask[n, i, j]) for j in range(tv)])
        heads_out = np.zeros((heads, vd))
        for h in range(heads):
            s = np.array([q[h] @ ks[j][h] / math.sqrt(kd) for j in range(tv)])
            if allowed.any():
                e = np.where(allowed, np.exp(s - s[allowed].max()), 0.0)
                p = e / e.sum()
            else:
                p = np.zeros(tv) if rule == "zero" else np.full(tv, 1 / tv)
            scores[n, h, i] = p
            heads_out[h] = sum(p[j] * vs[j][h] for j in range(tv))
        if use_gate:
            heads_out = heads_out / (1 + np.exp(-project("gate", query[n, i])))
        out[n, i] = np.einsum("hv,hv...->...", heads_out, out_kernel) + out_bias
    return out, scores


MHA_OPTIONS = [  # heads, value_dim, use_bias, use_gate, output_shape, with_key, masked, causal,
    # window, attention mask, scores returned
    (1, None, True, False, None, False, False, False, None, False, False),
    (2, None, True, False, None, False, True, False, None, False, False),
    (2, None, True, False, None, False, True, False, None, False, True),
    (3, 4, False, False, 5, True, True, True, None, False, True),
    (2, 2, True, True, None, True, True, False, 2, True, False),
    (2, None, True, True, (2, 3), False, False, True, None, True, True),
    (1, 3, False, True, None, True, True, True, 3, True, False),
    (3, None, True, False, None, True, False, False, 1, False, True),
]


@pytest.mark.parametrize(("heads", "value_dim", "use_bias", "use_gate", "output_shape",
                          "with_key", "masked", "causal", "window", "with_attention_mask",
                          "scores"), MHA_OPTIONS)
def test_multi_head_attention_matches_the_loop(heads, value_dim, use_bias, use_gate,
                                               output_shape, with_key, masked, causal, window,
                                               with_attention_mask, scores):
    rng = np.random.default_rng(len(MHA_OPTIONS) * heads + (value_dim or 0))
    query, value, key, q_mask, v_mask = data(rng, tq=5, tv=5, vdim=4)
    key = key[..., :2] if with_key else value
    v_mask[1] = False  # a batch entry with no value step: every query step sees nothing
    allowed = rng.random((3, 5, 5)) < 0.7
    layer = L.MultiHeadAttention(heads, 2, value_dim=value_dim, use_bias=use_bias,
                                 use_gate=use_gate, output_shape=output_shape,
                                 sliding_window=window)
    masks = dict(query_mask=q_mask, value_mask=v_mask, key_mask=v_mask if with_key else None)
    call = dict(use_causal_mask=causal, return_attention_scores=scores,
                attention_mask=allowed if with_attention_mask else None,
                **(masks if masked else {}))
    layer(query, value, key if with_key else None)  # build
    weights = [rng.uniform(-0.8, 0.8, w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(weights)
    got = layer(query, value, key if with_key else None, **call)
    out, got_scores = got if scores else (got, None)
    want, want_scores = loop_mha(
        weights, query, value, key, heads=heads, use_bias=use_bias, use_gate=use_gate,
        rule="zero" if scores else "even", causal=causal, window=window,
        attention_mask=allowed if with_attention_mask else None,
        **(dict(q_mask=q_mask, v_mask=v_mask, k_mask=v_mask if with_key else None)
           if masked else {}))
    assert out.shape == (3, 5, *(np.atleast_1d(output_shape) if output_shape else (3,)))
    assert_close(out, want, FP32_SHORT, "MultiHeadAttention output")
    if scores:
        assert got_scores.shape == (3, heads, 5, 5)
        assert_close(got_scores, want_scores, FP32_SHORT, "MultiHeadAttention scores")


def test_multi_head_attention_weights_config_and_dtype():
    rng = np.random.default_rng(6)
    query, value, key, *_ = data(rng, vdim=4)
    layer = L.MultiHeadAttention(2, 3, use_gate=True, output_shape=5, name="mha")
    out = layer(query, value, key)
    assert out.shape == (3, 4, 5)
    assert [(w.name, w.shape) for w in layer.weights] == [
        ("query/kernel", (3, 2, 3)), ("query/bias", (2, 3)),
        ("key/kernel", (3, 2, 3)), ("key/bias", (2, 3)),
        ("gate/kernel", (3, 2, 3)), ("gate/bias", (2, 3)),
        ("value/kernel", (4, 2, 3)), ("value/bias", (2, 3)),
        ("attention_output/kernel", (2, 3, 5)), ("attention_output/bias", (5,))]
    assert layer.count_params() == sum(w.size for w in layer.get_weights())
    assert not np.any(layer.get_weights()[1])  # biases start at zero
    config = layer.get_config()
    assert config["num_heads"] == 2
    assert config["value_dim"] == 3
    assert config["output_shape"] == (5,)
    assert config["use_gate"] is True
    again = L.MultiHeadAttention(**config)
    again(query, value, key)
    again.set_weights(layer.get_weights())
    np.testing.assert_array_equal(again(query, value, key), out)
    # float64 computes in float64, from the same weights.
    wide = L.MultiHeadAttention(**{**config, "dtype": "float64"})
    wide(query, value, key)
    wide.set_weights(layer.get_weights())
    got = wide(query.astype(np.float64), value, key)
    assert got.dtype == np.float64
    assert_close(got, out, FP32_SHORT, "float64 MultiHeadAttention")


def test_multi_head_attention_masks_in_a_model_and_eager():
    """In a model the query's and value's masks come from their tensors, and the output
    carries the query's; an eager call takes them as query_mask= and value_mask=."""
    rng = np.random.default_rng(7)
    query, value, _, q_mask, v_mask = data(rng)
    q_in, v_in = L.Input((4, 3)), L.Input((5, 3))
    mha = L.MultiHeadAttention(2, 2)
    attended = mha(L.Masking()(q_in), L.Masking()(v_in))
    pooled = L.GlobalAveragePooling1D()(attended)  # averages the unmasked query steps
    model = Model([q_in, v_in], [attended, pooled])
    got, got_pooled = model([np.where(q_mask[..., None], query, 0),
                             np.where(v_mask[..., None], value, 0)])
    masked_query = np.where(q_mask[..., None], query, 0)
    masked_value = np.where(v_mask[..., None], value, 0)
    want = mha(masked_query, masked_value, query_mask=q_mask, value_mask=v_mask)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    mean = (want * q_mask[..., None]).sum(1) / q_mask.sum(1, keepdims=True)
    assert_close(got_pooled, mean, FP32_SHORT, "pooled over the query's mask")
    # The query mask changes only the masked query steps (each averages all values).
    unmasked_query = mha(masked_query, masked_value, value_mask=v_mask)
    np.testing.assert_allclose(want[q_mask], unmasked_query[q_mask], rtol=1e-6, atol=1e-6)
    assert not np.allclose(want[~q_mask], unmasked_query[~q_mask])
    lines = []
    model.summary(print_fn=lines.append)
    row = next(i for i, line in enumerate(lines) if "multi_head_attention (MultiHead" in line)
    assert "(None, 4, 3)" in lines[row]
    assert "masking[0][0]" in lines[row]
    assert "masking_1[0][0]" in lines[row + 1]


def test_multi_head_attention_keras2_rules():
    """A layer loaded from a Keras 2 file adds -1e9 to masked scores, on every path: in
    float32 a query step with nothing to attend to weighs the values evenly, scores returned
    or not."""
    rng = np.random.default_rng(8)
    query, value, _, q_mask, v_mask = data(rng)
    layer = L.MultiHeadAttention(2, 2)
    layer(query, value)
    layer._keras2_masks = True
    out, scores = layer(query, value, query_mask=q_mask, value_mask=v_mask,
                        return_attention_scores=True)
    nothing = ~np.broadcast_to(q_mask[:, None], scores.shape[:3])
    assert nothing.sum() == 6  # three masked query steps, two heads
    np.testing.assert_allclose(scores[nothing], np.full((6, 5), 0.2), rtol=1e-6)
    np.testing.assert_allclose(layer(query, value, query_mask=q_mask, value_mask=v_mask),
                               out, rtol=1e-6, atol=1e-6)


def test_multi_head_attention_bad_arguments_are_named():
    rng = np.random.default_rng(9)
    query, value, key, q_mask, _ = data(rng)
    for kwargs, match in [
            (dict(num_heads=0, key_dim=2), "`num_heads`, expected a positive integer"),
            (dict(num_heads=2, key_dim="2"), "`key_dim`"),
            (dict(num_heads=2, key_dim=2, value_dim=-1), "`value_dim`"),
            (dict(num_heads=2, key_dim=2, sliding_window=0), "`sliding_window`"),
            (dict(num_heads=2, key_dim=2, output_shape=(3, 0)), "`output_shape`"),
            (dict(num_heads=2, key_dim=2, dropout=1.5), r"dropout must be in \[0, 1\]"),
            (dict(num_heads=2, key_dim=2, attention_axes=(2,)), "attention_axes=.*time axis"),
            (dict(num_heads=2, key_dim=2, flash_attention=True, dropout=0.1),
             "dropout is not supported when flash attention")]:
        with pytest.raises(ValueError, match=match):
            L.MultiHeadAttention(**kwargs)
    assert L.MultiHeadAttention(2, 2, attention_axes=1).attention_axes == (1,)
    layer = L.MultiHeadAttention(2, 2)
    with pytest.raises(TypeError, match="called on a query and a value"):
        layer(query)
    with pytest.raises(ValueError, match="the query of MultiHeadAttention .* rank 3"):
        layer(query[:, 0], value)
    with pytest.raises(ValueError, match="key and value .* same number of steps"):
        layer(query, value, key[:, :3])
    with pytest.raises(ValueError, match="different batch sizes"):
        layer(query, value[:2])
    with pytest.raises(TypeError, match="unexpected call arguments"):
        layer(query, value, causal=True)
    layer(query, value)
    with pytest.raises(ValueError, match=r"built for query, value and key feature sizes "
                                         r"\(3, 3, 3\); got \(2, 3, 3\)"):
        layer(query[..., :2], value)
    with pytest.raises(ValueError, match="the query mask of MultiHeadAttention .* shape"):
        layer(query, value, query_mask=q_mask[:, :2])
    with pytest.raises(ValueError, match=r"attention_mask .* broadcast to \(batch, Tq, Tv\)"):
        layer(query, value, attention_mask=np.ones((3, 5, 4), bool))
    with pytest.raises(TypeError, match="attention_mask .* must be boolean"):
        layer(query, value, attention_mask=np.full((4, 5), "x"))
    with pytest.raises(ValueError, match="attention scores is not supported when flash"):
        L.MultiHeadAttention(2, 2, flash_attention=True)(query, value,
                                                         return_attention_scores=True)
    q_in = L.Input((4, 3))
    with pytest.raises(TypeError, match="the value of MultiHeadAttention .* KerasTensor"):
        layer(q_in, value)
    # A (Tq, Tv) attention mask applies to every batch entry.
    both = np.ones((4, 5), bool)
    both[:, 3:] = False
    np.testing.assert_array_equal(
        layer(query, value, attention_mask=both),
        layer(query, value, value_mask=np.broadcast_to(both[0], (3, 5))))


@pytest.mark.parametrize("kv_heads", [1, 2, 4])
@pytest.mark.parametrize("gate", [False, True])
def test_group_query_attention_is_mha_with_shared_heads(kv_heads, gate):
    """GroupQueryAttention = MultiHeadAttention whose key and value kernels repeat each
    shared head for its group of query heads (consecutively, as Keras's ops.repeat), with
    masks, a causal mask, a sliding window and the scores. Keras's numbers: keras_files case
    grouped_query_attention."""
    rng = np.random.default_rng(9)
    q, v = rng.standard_normal((2, 5, 6)).astype(np.float32), \
        rng.standard_normal((2, 4, 6)).astype(np.float32)
    qmask = np.array([[True] * 5, [False, True, True, True, True]])
    vmask = np.array([[True, True, False, True], [True] * 4])
    gqa = L.GroupQueryAttention(3, 4, kv_heads, use_gate=gate, sliding_window=3)
    gqa(q, v)
    weights = [rng.standard_normal(w.shape).astype(np.float32) * 0.4 for w in gqa.get_weights()]
    gqa.set_weights(weights)
    mha = L.MultiHeadAttention(4, 3, use_gate=gate, sliding_window=3)
    mha(q, v)
    shared = {2, 3, 6, 7} if gate else {2, 3, 4, 5}  # the key's and value's kernel and bias
    widened = [np.repeat(w, 4 // kv_heads, axis=w.ndim - 2) if i in shared else w
               for i, w in enumerate(weights)]
    mha.set_weights(widened)
    for kwargs in ({}, {"query_mask": qmask, "value_mask": vmask},
                   {"use_causal_mask": True, "return_attention_scores": True}):
        got, want = gqa(q, v, **kwargs), mha(q, v, **kwargs)
        for g, w in zip(got if isinstance(got, tuple) else [got],
                        want if isinstance(want, tuple) else [want]):
            assert_close(g, w, FP32_SHORT, f"kv_heads={kv_heads} {sorted(kwargs)}")
    assert gqa.get_config()["num_key_value_heads"] == kv_heads
    assert gqa.name.startswith("grouped_query_attention")


def test_group_query_attention_arguments_are_checked():
    with pytest.raises(ValueError, match=r"num_query_heads \(4\) must be divisible by "
                                         r"num_key_value_heads \(3\)"):
        L.GroupQueryAttention(2, 4, 3)
    with pytest.raises(ValueError, match="the same feature size"):
        L.GroupQueryAttention(2, 2, 1)(np.zeros((1, 3, 4)), np.zeros((1, 3, 5)))
    assert L.GroupedQueryAttention is L.GroupQueryAttention


def test_attention_with_mask_tensors_saves_for_keras3(tmp_path):
    """An attention layer reads its inputs' masks in Keras 2 and 3 alike: a Keras 3 graph
    with masks and an attention_mask tensor saves (it is not Keras 2's RNN-with-states
    rule) and loads back into the same predictions."""
    from fusedrnn.models import load_model

    tokens, allowed = L.Input((4,)), L.Input((4, 4))
    x = L.Embedding(9, 4, mask_zero=True)(tokens)
    y = L.GroupQueryAttention(2, 2, 1)(x, x, attention_mask=allowed)
    z = L.MultiHeadAttention(2, 2)(y, x, attention_mask=allowed)
    model = Model([tokens, allowed], z)
    data = [np.array([[1, 2, 0, 0], [3, 4, 5, 6]], np.float32),
            np.tril(np.ones((2, 4, 4), np.float32))]
    model.save(tmp_path / "m.keras")
    np.testing.assert_array_equal(load_model(tmp_path / "m.keras").predict(data, verbose=0),
                                  model.predict(data, verbose=0))


def test_masked_scores_fill_is_where_bit_for_bit():
    """MultiHeadAttention fills masked scores with a blend where the scores are finite (NumPy's
    where is slower): the same bits as where, zeros' signs included; where otherwise."""
    from fusedrnn.layers._attention import _fill_masked

    rng = np.random.default_rng(3)
    scores = rng.standard_normal((2, 3, 4, 5)).astype(np.float32) * 40
    scores[0, 0, 0, :2] = [0.0, -0.0]
    keep = rng.random((2, 1, 4, 5)) > 0.3
    keep[0, 0, 0, :2] = True
    want = np.where(keep, scores, np.float32(-1e9))
    got = _fill_masked(np, scores, keep, -1e9)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))
    scores[1, 2, 3, 4] = np.inf  # not finite: where itself
    keep[1, 0, 3, 4] = False
    np.testing.assert_array_equal(_fill_masked(np, scores, keep, -1e9),
                                  np.where(keep, scores, np.float32(-1e9)))
