"""CTC decoding and loss on arrays, as Keras's TensorFlow backend computes them
(``fusedrnn.ops.ctc_decode``, ``ctc_loss``; ``fusedrnn.losses.CTC``)."""

from __future__ import annotations

import heapq

import numpy as np

from . import _backend
from .layers._base import has_symbolic


def decode(inputs, sequence_lengths, strategy, beam_width, top_paths, merge_repeated,
           mask_index):
    """``ops.ctc_decode``'s work (its docstring says what it returns), arguments checked."""
    if has_symbolic(inputs):
        raise TypeError("ctc_decode decodes arrays (a model's predictions), not symbolic "
                        "tensors")
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"ctc_decode: invalid strategy {strategy!r}; expected 'greedy' or "
                         f"'beam_search'")
    x = np.asarray(_backend.to_numpy(inputs), dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"ctc_decode takes (batch, steps, classes) scores; got shape "
                         f"{x.shape}")
    batch, steps, classes = x.shape
    lengths = np.asarray(_backend.to_numpy(sequence_lengths)).reshape(-1)
    if lengths.shape != (batch,) or lengths.dtype.kind not in "iu" or (
            lengths.size and (lengths.min() < 0 or lengths.max() > steps)):
        raise ValueError(f"ctc_decode: sequence_lengths must be {batch} integers in [0, "
                         f"{steps}]; got {np.asarray(sequence_lengths).tolist()}")
    blank = classes - 1 if mask_index is None else int(mask_index)
    if not -classes <= blank < classes:
        raise ValueError(f"ctc_decode: mask_index {mask_index} is not a class of "
                         f"{classes}")
    blank %= classes
    if strategy == "beam_search":
        return _beam_search(x, lengths, blank, beam_width, top_paths)
    best = x.argmax(axis=-1)
    decoded = np.full((1, batch, steps), -1, np.int32)
    scores = np.zeros((batch, 1), np.float32)
    for b in range(batch):
        n = int(lengths[b])
        path, previous = [], None
        for c in best[b, :n]:
            if c != blank and not (merge_repeated and c == previous):
                path.append(c)
            previous = c
        decoded[0, b, :len(path)] = path
        scores[b, 0] = -x[b, np.arange(n), best[b, :n]].sum(dtype=np.float32)
    return decoded, scores


def _beam_search(x, lengths, blank: int, beam_width, top_paths):

    for name, value in (("beam_width", beam_width), ("top_paths", top_paths)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"ctc_decode: {name} must be a positive integer; got {value!r}")
    if top_paths > beam_width:
        raise ValueError(f"ctc_decode: top_paths ({top_paths}) must not exceed beam_width "
                         f"({beam_width})")
    batch, steps, classes = x.shape
    # TensorFlow's decoder takes the blank last: the other classes keep their order.
    labels = np.array([c for c in range(classes) if c != blank])
    decoded = np.full((top_paths, batch, steps), -1, np.int32)
    scores = np.zeros((batch, top_paths), np.float32)
    for b in range(batch):
        beams = _BeamSearch(int(beam_width))
        for t in range(int(lengths[b])):
            beams.step(x[b, t, labels], x[b, t, blank])
        if len(beams.leaves) < top_paths:
            raise ValueError(f"ctc_decode: sample {b} keeps {len(beams.leaves)} beam(s) after "
                             f"its {int(lengths[b])} step(s), fewer than top_paths "
                             f"({top_paths}); TensorFlow refuses this too")
        for i, leaf in enumerate(beams.best(top_paths)):
            path = labels[leaf.path()]
            decoded[i, b, :len(path)] = path
            scores[b, i] = leaf.total
    return decoded, scores


_NEG_INF = float("-inf")


def _log_sum_exp(a, b):
    """TensorFlow's float32 LogSumExp (the larger plus log1p(exp(difference)))."""

    if a == _NEG_INF:
        return b
    if b == _NEG_INF:
        return a
    hi, lo = (a, b) if a > b else (b, a)
    return np.float32(hi + np.log1p(np.exp(np.float32(lo - hi))))


class _Beam:
    """A labelling prefix: its parent, last label (an index among the non-blank classes)
    and log-scores ending in a label or a blank, at this step (new) and the last (old)."""

    __slots__ = ("parent", "label", "children", "total", "blank", "last", "old_total",
                 "old_blank")

    def __init__(self, parent, label):
        self.parent, self.label, self.children = parent, label, {}
        self.reset()
        self.old_total = self.old_blank = _NEG_INF

    def reset(self):
        self.total = self.blank = self.last = _NEG_INF

    def forget(self):
        self.reset()
        self.old_total = self.old_blank = _NEG_INF

    def active(self) -> bool:
        return self.total != _NEG_INF

    def child(self, label: int) -> _Beam:
        c = self.children.get(label)
        if c is None:
            c = self.children[label] = _Beam(self, label)
        return c

    def path(self) -> list[int]:
        out, beam = [], self
        while beam.parent is not None:
            out.append(beam.label)
            beam = beam.parent
        return out[::-1]


class _BeamSearch:
    """TensorFlow's CTC beam search (CTCBeamSearchDecoder without a scorer or label
    selection): the ``width`` best prefixes by total log-score; each step extends every
    prefix that could still enter the beam by every label, in label order, the beam's
    worst prefix dropped (and forgotten) when a better one comes. The beam is a heap of
    (total, arrival, prefix): a prefix's total does not change while it is in the beam."""

    def __init__(self, width: int):
        self.width = width
        root = _Beam(None, -1)
        root.total = root.blank = np.float32(0.0)
        self.heap = [(root.total, 0, root)]
        self.arrivals = 1

    @property
    def leaves(self) -> list[_Beam]:
        return [entry[2] for entry in self.heap]

    def best(self, n: int) -> list[_Beam]:
        return sorted(self.leaves, key=lambda beam: beam.total, reverse=True)[:n]

    def _threshold(self) -> float:
        """What a prefix must exceed to enter the beam now."""
        return self.heap[0][0] if len(self.heap) == self.width else _NEG_INF

    def _push(self, beam: _Beam) -> None:
        if len(self.heap) == self.width:
            heapq.heappop(self.heap)[2].reset()
        heapq.heappush(self.heap, (beam.total, self.arrivals, beam))
        self.arrivals += 1

    def step(self, scores, blank_score):
        # log-softmax over the step's classes
        top = np.float32(max(scores.max(initial=_NEG_INF), blank_score))
        norm = top + np.log(np.exp(scores - top).sum(dtype=np.float32)
                            + np.exp(np.float32(blank_score - top)), dtype=np.float32)
        scores = (scores - norm).astype(np.float32)
        blank_score = np.float32(blank_score - norm)
        branches = self.best(len(self.heap))
        for beam in branches:
            beam.old_total, beam.old_blank = beam.total, beam.blank
        for beam in branches:  # the prefixes kept: ending in their label, or in a blank
            if beam.parent is not None:
                if beam.parent.active():
                    parent = beam.parent
                    previous = parent.old_blank if beam.label == parent.label \
                        else parent.old_total
                    beam.last = _log_sum_exp(beam.last, previous)
                beam.last = np.float32(beam.last + scores[beam.label])
            beam.blank = np.float32(beam.old_total + blank_score)
            beam.total = _log_sum_exp(beam.blank, beam.last)
        self.heap = [(beam.total, i, beam) for i, beam in enumerate(branches)]
        heapq.heapify(self.heap)
        self.arrivals = len(branches)
        for beam in branches:  # grown by one label
            if not (beam.old_total > _NEG_INF and beam.old_total > self._threshold()):
                continue
            totals = scores + beam.old_total
            if beam.label >= 0:  # a repeat needs a blank between
                totals[beam.label] = scores[beam.label] + beam.old_blank
            # Totals at or under the threshold never enter (it only rises). A prefix that
            # stays out is forgotten, its last step's scores too: one dropped from the beam
            # earlier in this step does not grow as a branch after this (as TensorFlow).
            entering = totals > self._threshold()
            for label in sorted({*np.flatnonzero(entering).tolist(), *beam.children}):
                if not entering[label]:
                    c = beam.children[label]
                    if not c.active():
                        c.forget()
                    continue
                c = beam.child(label)
                if c.active():
                    continue
                total = totals[label]
                if total > self._threshold():
                    c.blank = _NEG_INF
                    c.last = c.total = total
                    self._push(c)
                else:
                    c.forget()


# TensorFlow's dense CTC loss scores the states a path cannot end in with this float32
# log(1e-307), not -inf: a labelling too long for its steps gets a large finite loss.
_LOG_0 = float(np.float32(np.log(1e-307)))


def loss(target, output, target_length, output_length, mask_index=0) -> np.ndarray:
    """Keras's ``ops.ctc_loss`` as TensorFlow computes it (its dense CTC loss): per sample,
    minus the log-probability of its first ``target_length`` labels over all alignments to
    its first ``output_length`` steps of ``output`` (logits; each step's log-softmax is
    taken), the blank at ``mask_index``. float32 (batch,). TensorFlow's alignment model:
    a start state, a label and a blank state per label position (padding positions
    included), ending short of the labels scored log(1e-307) instead of impossible (a
    labelling that cannot fit costs ~707 more than the likeliest prefix of it)."""
    if has_symbolic(output) or has_symbolic(target):
        raise TypeError("ctc_loss computes on arrays (a model's predictions), not symbolic "
                        "tensors")
    x = np.asarray(_backend.to_numpy(output))
    labels = np.asarray(_backend.to_numpy(target))
    if x.ndim != 3 or x.dtype.kind not in "iuf":
        raise ValueError(f"ctc_loss: output must be (batch, steps, classes) logits; got shape "
                         f"{x.shape} and dtype {x.dtype}")
    batch, steps, classes = x.shape
    if labels.ndim != 2 or labels.shape[0] != batch or labels.dtype.kind not in "iuf":
        raise ValueError(f"ctc_loss: target must be ({batch}, max_length) integer labels; got "
                         f"shape {labels.shape} and dtype {labels.dtype}")
    labels = labels.astype(np.int64)
    blank = int(mask_index)
    if not -classes <= blank < classes:
        raise ValueError(f"ctc_loss: mask_index {mask_index} is not a class of {classes}")
    blank %= classes
    lengths = {}
    for name, value, limit in (("target_length", target_length, labels.shape[1]),
                               ("output_length", output_length, steps)):
        v = np.asarray(_backend.to_numpy(value)).reshape(-1)
        if v.shape != (batch,) or v.dtype.kind not in "iu" or (
                batch and (v.min() < 0 or v.max() > limit)):
            raise ValueError(f"ctc_loss: {name} must be {batch} integers in [0, {limit}]; got "
                             f"{np.asarray(value).tolist()}")
        lengths[name] = v.astype(np.int64)
    n_labels, n_steps = lengths["target_length"], lengths["output_length"]
    if np.any((labels < 0) | (labels >= classes)) or np.any(
            (np.arange(labels.shape[1]) < n_labels[:, None]) & (labels == blank)):
        raise ValueError(f"ctc_loss: labels must be classes in [0, {classes}), the blank "
                         f"{blank} only as padding after each sample's target_length")
    # TensorFlow moves the blank first, the classes before it one up (padding too).
    order = [blank] + [c for c in range(classes) if c != blank]
    x = x[..., order].astype(np.float64)
    labels = np.where(labels < blank, labels + 1, labels)
    top = x.max(axis=-1, keepdims=True)
    logp = x - top - np.log(np.exp(x - top).sum(axis=-1, keepdims=True))
    n = labels.shape[1]
    rows = np.arange(batch)[:, None]
    # A label state per position (0: the start) and a blank state after each.
    lab, blk = _start(batch, n), np.full((batch, n + 1), -np.inf)
    # Label state k also comes from label state k - 1 unless the two labels repeat.
    from_previous = labels[:, 1:] != labels[:, :-1]
    final = np.where(n_steps == 0, _end(lab, blk, n_labels), -np.inf)
    for t in range(steps):
        new = lab.copy()
        new[:, 1:] = np.logaddexp(new[:, 1:], blk[:, :-1])
        if n:
            new[:, 1] = np.logaddexp(new[:, 1], lab[:, 0])
            new[:, 2:] = np.logaddexp(new[:, 2:],
                                      np.where(from_previous, lab[:, 1:-1], -np.inf))
        blk = np.logaddexp(blk, lab) + logp[:, t, :1]
        lab = new
        lab[:, 0] = -np.inf  # the start state emits nothing
        lab[:, 1:] += logp[rows, t, labels]
        done = n_steps == t + 1
        if done.any():
            final = np.where(done, _end(lab, blk, n_labels), final)
    return (-final).astype(np.float32)


def _start(batch, n):
    """Every path leaves from the start state (the likelihood TensorFlow reads is that
    state's backward score)."""
    lab = np.full((batch, n + 1), -np.inf)
    lab[:, 0] = 0.0
    return lab


def _end(lab, blk, n_labels):
    """log-sum over the states of their score plus the final score (0 for the label and
    blank states at the sample's label count, log(1e-307) elsewhere)."""
    at = np.arange(lab.shape[1]) == n_labels[:, None]
    both = np.concatenate((lab + np.where(at, 0.0, _LOG_0), blk + np.where(at, 0.0, _LOG_0)),
                          axis=1)
    top = both.max(axis=1)
    return top + np.log(np.exp(both - top[:, None]).sum(axis=1))
