"""ops.ctc_decode against Keras 3 (tests/data/golden/ctc_decode.json, written by
tests/golden/generate_ctc_golden.py with Keras 3.15.1 on TensorFlow 2.21): greedy decoding of
softmax outputs and log-probabilities, with and without merged repeats, the blank at 0, at
the last class or given as None; Keras's beam search is refused with the reason."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from fusedrnn import ops

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden", "ctc_decode.json")
with open(GOLDEN) as _f:
    CASES = json.load(_f)["cases"]


@pytest.mark.parametrize("case", CASES, ids=[
    f"{i}-{'-'.join(f'{k}={v}' for k, v in c['kwargs'].items())}" for i, c in enumerate(CASES)])
def test_ctc_decode_is_keras(case):
    inputs = np.asarray(case["inputs"], np.float32)
    if case["kwargs"]["strategy"] != "greedy":
        with pytest.raises(ValueError, match="strategy 'beam_search' is not supported"):
            ops.ctc_decode(inputs, case["lengths"], **case["kwargs"])
        return
    decoded, scores = ops.ctc_decode(inputs, np.asarray(case["lengths"]), **case["kwargs"])
    assert decoded.dtype == np.int32
    np.testing.assert_array_equal(decoded, case["decoded"])
    np.testing.assert_allclose(scores, case["scores"], rtol=1e-6)


def test_ctc_decode_checks_its_arguments():
    x = np.zeros((2, 4, 3), np.float32)
    with pytest.raises(ValueError, match="takes \\(batch, steps, classes\\)"):
        ops.ctc_decode(x[0], [4])
    with pytest.raises(ValueError, match="sequence_lengths must be 2 integers in \\[0, 4\\]"):
        ops.ctc_decode(x, [4, 5])
    with pytest.raises(ValueError, match="mask_index 3 is not a class of 3"):
        ops.ctc_decode(x, [4, 4], mask_index=3)
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
