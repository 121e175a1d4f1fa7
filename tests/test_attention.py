"""Attention and AdditiveAttention against a loop written from Keras's definition (float64),
over their options; real Keras's numbers are in the golden cases (func_attention_*,
func_additive_attention_causal_key) and the Keras files (attention, test_saving.py)."""

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
