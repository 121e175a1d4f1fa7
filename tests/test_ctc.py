"""ops.ctc_decode against Keras 3 (tests/data/golden/ctc_decode.json, written by
tests/golden/generate_ctc_golden.py with Keras 3.15.1 on TensorFlow 2.21): greedy decoding of
softmax outputs and log-probabilities, with and without merged repeats, the blank at 0, at
the last class or given as None; beam search (TensorFlow's decoder) with narrow and wide
beams, a beam of one, the blank elsewhere, empty sequences; and beam search against a plain
transcription of TensorFlow's algorithm on random inputs."""

from __future__ import annotations

import itertools
import json
import os

import numpy as np
import pytest

from fusedrnn import losses, ops

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "ctc_decode.json")
with open(GOLDEN) as _f:
    CASES = json.load(_f)["cases"]


@pytest.mark.parametrize("case", CASES, ids=[
    f"{i}-{'-'.join(f'{k}={v}' for k, v in c['kwargs'].items())}" for i, c in enumerate(CASES)])
def test_ctc_decode_is_keras(case):
    inputs = np.asarray(case["inputs"], np.float32)
    decoded, scores = ops.ctc_decode(inputs, np.asarray(case["lengths"]), **case["kwargs"])
    assert decoded.dtype == np.int32
    assert scores.dtype == np.float32
    np.testing.assert_array_equal(decoded, case["decoded"])
    np.testing.assert_allclose(scores, case["scores"], rtol=1e-6, atol=1e-6)


NEG_INF = float("-inf")


def _log_sum_exp(a, b):
    if a == NEG_INF or b == NEG_INF:
        return b if a == NEG_INF else a
    return np.float32(max(a, b) + np.log1p(np.exp(np.float32(min(a, b) - max(a, b)))))


class _Prefix:
    def __init__(self, parent, label):
        self.parent, self.label, self.children = parent, label, {}
        self.total = self.blank = self.last = self.old_total = self.old_blank = NEG_INF

    def labels(self):
        return [] if self.parent is None else self.parent.labels() + [self.label]


def beam_search_by_the_letter(logits, blank, width):
    """TensorFlow's CTCBeamSearchDecoder::Step, line by line: the leaves a plain list, the
    bottom found by a scan, every label of every branch looked at."""
    labels = [c for c in range(logits.shape[-1]) if c != blank]
    root = _Prefix(None, -1)
    root.total = root.blank = np.float32(0.0)
    leaves = [root]

    def bottom():
        return min(leaves, key=lambda p: p.total)

    def candidate(total):
        return total > NEG_INF and (len(leaves) < width or total > bottom().total)

    for step in logits:
        norm = np.float32(np.log(np.exp(step - step.max()).sum()) + step.max())
        scores = (step[labels] - norm).astype(np.float32)
        blank_score = np.float32(step[blank] - norm)
        branches = sorted(leaves, key=lambda p: p.total, reverse=True)
        for p in branches:
            p.old_total, p.old_blank = p.total, p.blank
        for p in branches:
            if p.parent is not None:
                if p.parent.total != NEG_INF:
                    q = p.parent
                    p.last = _log_sum_exp(p.last, q.old_blank if p.label == q.label
                                          else q.old_total)
                p.last = np.float32(p.last + scores[p.label])
            p.blank = np.float32(p.old_total + blank_score)
            p.total = _log_sum_exp(p.blank, p.last)
        leaves = list(branches)
        for p in branches:
            if not candidate(p.old_total):
                continue
            for label in range(len(labels)):
                c = p.children.setdefault(label, _Prefix(p, label))
                if c.total != NEG_INF:
                    continue
                c.blank = NEG_INF
                c.last = c.total = np.float32(
                    scores[label] + (p.old_blank if label == p.label else p.old_total))
                if candidate(c.total):
                    if len(leaves) == width:
                        worst = bottom()
                        worst.total = worst.blank = worst.last = NEG_INF
                        leaves.remove(worst)
                    leaves.append(c)
                else:
                    c.total = c.blank = c.last = c.old_total = c.old_blank = NEG_INF
    best = sorted(leaves, key=lambda p: p.total, reverse=True)
    return [[labels[i] for i in p.labels()] for p in best], [p.total for p in best]


@pytest.mark.parametrize("seed", range(64))
def test_beam_search_follows_tensorflow_algorithm(seed):
    """Random logits (peaked, as a trained model's), beams narrower than the prefixes they
    could hold (prefixes dropped, then grown again or forgotten): every path and score is
    the plain transcription's."""
    rng = np.random.default_rng(seed)
    batch, steps, classes = 2, int(rng.integers(5, 25)), int(rng.integers(3, 9))
    width = int(rng.integers(1, 12))
    top = int(rng.integers(1, width + 1))
    blank = int(rng.integers(0, classes))
    logits = rng.standard_normal((batch, steps, classes)).astype(np.float32) * 2
    logits[..., rng.integers(0, classes)] += 1.5
    lengths = rng.integers(steps // 2, steps + 1, batch)
    decoded, scores = ops.ctc_decode(logits, lengths, strategy="beam_search",
                                     beam_width=width, top_paths=top, mask_index=blank)
    for b in range(batch):
        paths, totals = beam_search_by_the_letter(logits[b, :lengths[b]], blank, width)
        for i in range(top):
            got = decoded[i, b]
            assert got[len(paths[i]):].tolist() == [-1] * (steps - len(paths[i]))
            assert got[:len(paths[i])].tolist() == paths[i]
            np.testing.assert_allclose(scores[b, i], totals[i], rtol=1e-6)


def test_ctc_decode_checks_its_arguments():
    x = np.zeros((2, 4, 3), np.float32)
    with pytest.raises(ValueError, match="takes \\(batch, steps, classes\\)"):
        ops.ctc_decode(x[0], [4])
    with pytest.raises(ValueError, match="sequence_lengths must be 2 integers in \\[0, 4\\]"):
        ops.ctc_decode(x, [4, 5])
    with pytest.raises(ValueError, match="mask_index 3 is not a class of 3"):
        ops.ctc_decode(x, [4, 4], mask_index=3)
    with pytest.raises(ValueError, match="invalid strategy 'beam'"):
        ops.ctc_decode(x, [4, 4], strategy="beam")
    with pytest.raises(ValueError, match="beam_width must be a positive integer; got 0"):
        ops.ctc_decode(x, [4, 4], strategy="beam_search", beam_width=0)
    with pytest.raises(ValueError, match="top_paths \\(3\\) must not exceed beam_width \\(2\\)"):
        ops.ctc_decode(x, [4, 4], strategy="beam_search", beam_width=2, top_paths=3)
    with pytest.raises(ValueError, match="sample 1 keeps 1 beam\\(s\\) after its 0 step"):
        ops.ctc_decode(x, [4, 0], strategy="beam_search", top_paths=2)
    from fusedrnn import layers

    with pytest.raises(TypeError, match="decodes arrays"):
        ops.ctc_decode(layers.Input((4, 3)), [4])


def test_ocr_pipeline_decodes_what_keras_predicted():
    """Keras's OCR tutorial at inference: the CRNN (keras_files case crnn, loaded from
    Keras's file) predicts per-step class probabilities, ctc_decode reads them, and an
    inverted StringLookup turns the labels into characters."""
    from fusedrnn import layers
    from fusedrnn.models import load_model

    pytest.importorskip("h5py", reason="h5py is in the test extra")
    folder = os.path.join(os.path.dirname(__file__), "data", "keras_files")
    data = np.load(os.path.join(folder, "crnn.npz"))
    model = load_model(os.path.join(folder, "crnn.keras"))
    probs = model.predict(data["x"], verbose=0)
    lengths = np.full(len(probs), probs.shape[1])
    ours, _ = ops.ctc_decode(probs, lengths)
    theirs, _ = ops.ctc_decode(data["y"], lengths)
    np.testing.assert_array_equal(ours, theirs)
    to_chars = layers.StringLookup(vocabulary=list("abcde"), mask_token=None, invert=True)
    texts = ["".join(to_chars(row[row >= 0]).tolist()) for row in ours[0]]
    assert len(texts) == len(probs)
    assert all(set(t) <= set("abcde[UNK]") for t in texts)


with open(GOLDEN) as _f:
    LOSS_CASES = json.load(_f)["ctc_loss"]


@pytest.mark.parametrize("case", LOSS_CASES, ids=[f"mask{c['mask_index']}" for c in LOSS_CASES])
def test_ctc_loss_is_keras(case):
    """Per-sample label and output lengths, the blank at 0, in the middle, last (-1) and as
    the last class by index; labellings that cannot fit their steps (TensorFlow's finite
    ~707 + the likeliest prefix's loss), repeats, no labels."""
    got = ops.ctc_loss(np.array(case["target"]), np.array(case["output"], np.float32),
                       np.array(case["target_length"]), np.array(case["output_length"]),
                       mask_index=case["mask_index"])
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, case["loss"], rtol=2e-6)


def _alignments_loss(logits, labels, blank):
    """Minus the log of the summed probability of every per-step class sequence that
    collapses (repeats merged, blanks dropped) to ``labels``: CTC's definition."""
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    total = -np.inf
    for path in itertools.product(range(logits.shape[1]), repeat=len(logits)):
        collapsed = [c for i, c in enumerate(path)
                     if c != blank and (i == 0 or c != path[i - 1])]
        if collapsed == list(labels):
            total = np.logaddexp(total, logp[np.arange(len(path)), path].sum())
    return -total


@pytest.mark.parametrize("seed", range(6))
def test_ctc_loss_sums_every_alignment(seed):
    rng = np.random.default_rng(seed)
    steps, classes, blank = int(rng.integers(1, 6)), 4, int(rng.integers(0, 4))
    others = [c for c in range(classes) if c != blank]
    labels = rng.choice(others, (3, 3))
    labels[0, 1] = labels[0, 0]
    lengths = np.array([min(3, steps), int(rng.integers(0, 3)), 1])
    logits = rng.normal(size=(3, steps, classes)).astype(np.float64)
    got = ops.ctc_loss(labels, logits, lengths, np.full(3, steps), mask_index=blank)
    for b in range(3):
        want = _alignments_loss(logits[b], labels[b, :lengths[b]], blank)
        if np.isfinite(want):
            np.testing.assert_allclose(got[b], want, rtol=1e-5)
        else:  # no alignment fits: TensorFlow's log(1e-307) stands in for impossible
            assert got[b] > 700


def test_ctc_loss_checks_its_arguments():
    x = np.zeros((2, 4, 3), np.float32)
    y = np.array([[1, 2], [2, 0]])
    with pytest.raises(ValueError, match="output must be \\(batch, steps, classes\\)"):
        ops.ctc_loss(y, x[0], [2, 1], [4, 4])
    with pytest.raises(ValueError, match="target must be \\(2, max_length\\) integer labels"):
        ops.ctc_loss(y[0], x, [2, 1], [4, 4])
    with pytest.raises(ValueError, match="target_length must be 2 integers in \\[0, 2\\]"):
        ops.ctc_loss(y, x, [3, 1], [4, 4])
    with pytest.raises(ValueError, match="output_length must be 2 integers in \\[0, 4\\]"):
        ops.ctc_loss(y, x, [2, 1], [4, 5])
    with pytest.raises(ValueError, match="the blank 0 only as padding"):
        ops.ctc_loss(np.array([[1, 0], [2, 0]]), x, [2, 1], [4, 4])
    with pytest.raises(ValueError, match="labels must be classes in \\[0, 3\\)"):
        ops.ctc_loss(np.array([[1, 3], [2, 0]]), x, [2, 1], [4, 4])
    with pytest.raises(ValueError, match="ctc: y_true must be \\(batch_size, max_length\\)"):
        losses.CTC()(y[0], x)
