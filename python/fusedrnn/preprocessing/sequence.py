"""``pad_sequences``: Keras's rule for making a batch of variable-length sequences."""

from __future__ import annotations

import numpy as np

__all__ = ["pad_sequences"]


def _check_side(name: str, value) -> None:
    if value not in ("pre", "post"):
        raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post', got {value!r}")


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (or cut) each sequence to ``maxlen`` steps (default: the longest) and stack them in
    one array of shape ``(len(sequences), maxlen, *step_shape)``, as Keras does.

    ``padding`` / ``truncating``: ``"pre"`` (default) pads or cuts at the start, ``"post"`` at
    the end; ``value`` fills the padding; ``dtype`` is the result's type (``object`` for
    variable-length strings). A sequence's steps may be arrays (all of one shape, that of the
    first non-empty sequence's steps).
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: sequences must be a list (or array) of sequences, "
                         f"got {type(sequences).__name__}")
    _check_side("padding", padding)
    _check_side("truncating", truncating)
    lengths = []
    step_shape = None
    for position, seq in enumerate(sequences):
        try:
            lengths.append(len(seq))
        except TypeError:
            raise ValueError(f"pad_sequences: sequences must be a list of sequences; the one "
                             f"at position {position} is {seq!r}") from None
        if step_shape is None and len(seq):
            step_shape = np.asarray(seq).shape[1:]
    step_shape = step_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"pad_sequences: maxlen must be a whole number >= 0 or None, got "
                         f"{maxlen!r}")
    maxlen = int(maxlen)
    text = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not text:
        raise ValueError(f"pad_sequences: dtype {dtype} cannot hold the padding value "
                         f"{value!r}; use dtype=object for variable-length strings")
    out = np.full((len(lengths), maxlen, *step_shape), value, dtype=dtype)
    if maxlen == 0:
        return out
    for position, seq in enumerate(sequences):
        if not len(seq):
            continue
        kept = np.asarray(seq[-maxlen:] if truncating == "pre" else seq[:maxlen], dtype=dtype)
        if kept.shape[1:] != step_shape:
            raise ValueError(f"pad_sequences: the steps of the sequence at position "
                             f"{position} have shape {kept.shape[1:]}, the first sequence's "
                             f"have {step_shape}")
        if padding == "post":
            out[position, :len(kept)] = kept
        else:
            out[position, maxlen - len(kept):] = kept
    return out
