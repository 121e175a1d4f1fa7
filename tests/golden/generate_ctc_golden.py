"""Record Keras 3's ``keras.ops.ctc_decode`` (greedy and beam search) for tests/test_ctc.py.

NOT run by CI and not collected by pytest. It needs TensorFlow and Keras 3::

    /tmp/tfenv/bin/python tests/golden/generate_ctc_golden.py

Writes tests/data/golden/ctc_decode.json: per case the inputs (per-step class scores, as a
CRNN's softmax gives them, with repeats and blanks), the sequence lengths, the arguments and
Keras's decoded paths and scores.
"""

from __future__ import annotations

import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "golden", "ctc_decode.json")


def main() -> None:
    import keras

    rng = np.random.default_rng(11)
    cases = []
    for i, (batch, steps, classes) in enumerate([(3, 7, 5), (2, 12, 4), (4, 5, 6)]):
        logits = rng.standard_normal((batch, steps, classes)).astype(np.float32) * 2
        # make runs of one class and blanks likely, as real CTC outputs are
        favourite = rng.integers(0, classes, (batch, steps))
        logits[np.arange(batch)[:, None], np.arange(steps)[None, :], favourite] += 3
        probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        lengths = rng.integers(max(steps - 3, 1), steps + 1, batch).astype(np.int32)
        for kwargs in ({"strategy": "greedy"}, {"strategy": "greedy", "merge_repeated": False},
                       {"strategy": "greedy", "mask_index": classes - 1},
                       {"strategy": "beam_search", "beam_width": 4, "top_paths": 2},
                       {"strategy": "beam_search", "beam_width": 8, "top_paths": 1}):
            if i == 2 and kwargs["strategy"] == "greedy" and len(kwargs) == 1:
                kwargs = {**kwargs, "mask_index": None}
            inputs = probs if i != 1 else np.log(probs)  # softmax outputs, or log-probabilities
            try:
                decoded, scores = keras.ops.ctc_decode(inputs, lengths, **kwargs)
                case = {"decoded": np.asarray(decoded).tolist(),
                        "scores": np.asarray(scores).tolist(), "error": None}
            except Exception as exc:
                case = {"error": f"{type(exc).__name__}: {exc}"[:200]}
            case.update(inputs=inputs.tolist(), lengths=lengths.tolist(), kwargs=kwargs)
            cases.append(case)
            print(i, kwargs, case.get("error") or np.asarray(case["decoded"]).shape)
    # beam search over longer sequences and more classes than the beam holds (prefixes
    # dropped and grown again), the blank elsewhere, a beam of one, empty sequences
    for batch, steps, classes, kwargs in (
            (3, 30, 12, {"strategy": "beam_search", "beam_width": 10, "top_paths": 3}),
            (2, 25, 9, {"strategy": "beam_search", "beam_width": 1, "top_paths": 1}),
            (3, 20, 7, {"strategy": "beam_search", "beam_width": 6, "top_paths": 6,
                        "mask_index": 3}),
            (2, 16, 6, {"strategy": "beam_search", "beam_width": 5, "top_paths": 2,
                        "mask_index": None}),
            (3, 40, 20, {"strategy": "beam_search"})):
        logits = rng.standard_normal((batch, steps, classes)).astype(np.float32) * 2
        favourite = rng.integers(0, classes, (batch, steps))
        logits[np.arange(batch)[:, None], np.arange(steps)[None, :], favourite] += 2
        lengths = rng.integers(steps // 2, steps + 1, batch).astype(np.int32)
        if kwargs.get("top_paths", 1) == 1:
            lengths[0] = 0  # only the empty prefix: an empty path of score 0
        decoded, scores = keras.ops.ctc_decode(logits, lengths, **kwargs)
        cases.append({"decoded": np.asarray(decoded).tolist(),
                      "scores": np.asarray(scores).tolist(), "error": None,
                      "inputs": logits.tolist(), "lengths": lengths.tolist(),
                      "kwargs": kwargs})
        print(kwargs, np.asarray(decoded).shape)
    # ops.ctc_loss: label and output lengths per sample, the blank elsewhere, labellings
    # too long for their steps, no labels
    losses = []
    for batch, steps, classes, width, mask_index in ((4, 9, 6, 4, 0), (5, 7, 5, 5, 2),
                                                     (3, 6, 4, 3, -1), (4, 12, 8, 6, 7)):
        logits = rng.standard_normal((batch, steps, classes)).astype(np.float32) * 2
        blank = mask_index % classes
        labels = rng.choice([c for c in range(classes) if c != blank], (batch, width))
        label_length = rng.integers(0, width + 1, batch).astype(np.int32)
        output_length = rng.integers(1, steps + 1, batch).astype(np.int32)
        label_length[0], output_length[0] = width, 2  # cannot fit
        labels[1, :2] = labels[1, 0]  # a repeat needs a blank between
        for row, count in enumerate(label_length):
            labels[row, count:] = 0 if blank else 1  # padding, any class
        loss = keras.ops.ctc_loss(labels, logits, label_length, output_length,
                                  mask_index=mask_index)
        losses.append({"target": labels.tolist(), "output": logits.tolist(),
                       "target_length": label_length.tolist(),
                       "output_length": output_length.tolist(), "mask_index": mask_index,
                       "loss": np.asarray(loss).tolist()})
        print("ctc_loss", mask_index, np.asarray(loss).round(3).tolist())
    with open(OUT, "w") as f:
        json.dump({"keras_version": keras.__version__, "cases": cases, "ctc_loss": losses}, f)


if __name__ == "__main__":
    main()
