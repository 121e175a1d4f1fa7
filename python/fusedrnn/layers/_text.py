"""TextVectorization: raw strings to token ids (or bag-of-words vectors), as Keras 3 makes
them, so a model saved with its text preprocessing serves raw text.

Keras runs the layer with TensorFlow's string ops; these are their rules, in plain Python:

- standardize ``"lower"`` lowercases ASCII letters only (``tf.strings.lower`` without an
  encoding), ``"strip_punctuation"`` deletes the ASCII punctuation ``!"#$%&'()*+,-./:;<=>?@
  [\\]^_`{|}~``, ``"lower_and_strip_punctuation"`` (the default) does both;
- split ``"whitespace"`` splits on runs of the ASCII whitespace `` \\t\\n\\v\\f\\r``
  (``tf.strings.split``), ``"character"`` into code points, ``None`` keeps each string whole;
- ``ngrams`` adds, for each width in order, the space-joined runs of that many tokens;
- the vocabulary, learnt by ``adapt`` (most frequent first, ties in reverse code-point order,
  ``max_tokens`` counting the special indices) or given: in ``"int"`` mode index 0 is padding
  (the empty token), 1 the out-of-vocabulary token ``[UNK]``, then the terms; in
  ``"multi_hot"``, ``"count"`` and ``"tf_idf"`` modes index 0 is ``[UNK]`` and the empty token
  is not counted; tf-idf weights are ``log(1 + documents / (1 + documents with the term))``,
  ``[UNK]``'s their mean.
"""

from __future__ import annotations

import collections
import os
import re
import string

import numpy as np

from ._base import KerasTensor, Layer

__all__ = ["TextVectorization"]

_LOWER = {ord(c): ord(c.lower()) for c in string.ascii_uppercase}
_PUNCTUATION = {ord(c): None for c in string.punctuation}
_WHITESPACE = re.compile("[ \t\n\v\f\r]+")
_STANDARDIZE = (None, "lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = (None, "whitespace", "character")
_MODES = {"int": "int", "multi_hot": "multi_hot", "binary": "multi_hot", "count": "count",
          "tf_idf": "tf_idf", "tf-idf": "tf_idf"}
OOV_TOKEN = "[UNK]"


class TextVectorization(Layer):
    """Keras ``TextVectorization`` (see the module docstring for its rules).

    Takes strings, shape ``(batch,)`` or ``(batch, 1)`` (NumPy ``str``/``bytes``/object arrays
    or lists), and gives int64 ids ``(batch, length)`` in ``"int"`` mode (padded with 0 to the
    longest row, or cut or padded to ``output_sequence_length``; unsplit strings give one id
    each, in the input's shape); ``(batch, vocabulary size)`` otherwise (int64 counts,
    float32 tf-idf). Custom standardize/split functions, ``"one_hot"``, sparse and ragged
    outputs are not supported.
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 vocabulary_size=None, **kwargs):
        kwargs.pop("has_input_vocabulary", None)  # Keras 2's config key
        super().__init__(name=name, **kwargs)
        what = f"TextVectorization layer {self.name!r}"
        if callable(standardize) or callable(split):
            raise ValueError(f"{what}: custom standardize/split functions are not supported "
                             f"(fusedrnn has {_STANDARDIZE[1:]} and {_SPLIT[1:]})")
        if standardize not in _STANDARDIZE:
            raise ValueError(f"{what}: unknown standardize {standardize!r}; expected one of "
                             f"{_STANDARDIZE}")
        if split not in _SPLIT:
            raise ValueError(f"{what}: unknown split {split!r}; expected one of {_SPLIT}")
        if output_mode not in _MODES:
            detail = (" (one_hot is not supported)" if output_mode == "one_hot" else "")
            raise ValueError(f"{what}: unknown output_mode {output_mode!r}{detail}; expected "
                             f"one of {sorted(_MODES)}")
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or _is_int(ngrams) or (
                isinstance(ngrams, tuple) and ngrams and all(_is_int(n) for n in ngrams))):
            raise ValueError(f"{what}: ngrams must be None, an integer or a tuple of "
                             f"integers; got {ngrams!r}")
        if ngrams is not None and min((ngrams,) if _is_int(ngrams) else ngrams) < 1:
            raise ValueError(f"{what}: ngram widths must be at least 1; got {ngrams!r}")
        mode = _MODES[output_mode]
        if output_sequence_length is not None and (
                mode != "int" or not _is_int(output_sequence_length)
                or output_sequence_length < 0):
            raise ValueError(f"{what}: output_sequence_length must be None or a non-negative "
                             f"integer, and only in 'int' mode; got {output_sequence_length!r} "
                             f"with output_mode={output_mode!r}")
        if max_tokens is not None and (not _is_int(max_tokens) or max_tokens <= 1):
            raise ValueError(f"{what}: max_tokens must be None or an integer above 1; got "
                             f"{max_tokens!r}")
        if sparse or ragged:
            raise ValueError(f"{what}: sparse and ragged outputs are not supported")
        if idf_weights is not None and mode != "tf_idf":
            raise ValueError(f"{what}: idf_weights are only for output_mode='tf_idf'")
        if str(encoding).lower().replace("-", "") != "utf8":
            raise ValueError(f"{what}: only the utf-8 encoding is supported; got {encoding!r}")
        self.max_tokens = max_tokens
        self.standardize = standardize
        self.split = split
        self.ngrams = ngrams
        self._widths = tuple(range(1, ngrams + 1)) if _is_int(ngrams) else ngrams
        self.output_mode = mode
        self.output_sequence_length = output_sequence_length
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.encoding = encoding
        self._input_vocabulary = None if vocabulary is None or isinstance(vocabulary, str) \
            else [str(t) for t in vocabulary]
        self._input_idf = None if idf_weights is None else [float(w) for w in idf_weights]
        self._tokens: list[str] = []
        self._index: dict[str, int] = {}
        self._idf = None
        self._has_vocabulary = False  # set by adapt() or a vocabulary
        # the size a saved config gives, for the output shape until the vocabulary is loaded
        self._saved_size = vocabulary_size
        self.supports_masking = False
        self.built = True
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        elif mode == "tf_idf" and idf_weights is not None:
            raise ValueError(f"{what}: idf_weights need a vocabulary")

    # ----------------------------------------------------------- vocabulary
    def _token_start(self) -> int:
        return 2 if self.output_mode == "int" else 1

    def _specials(self) -> list[str]:
        return ["", OOV_TOKEN] if self.output_mode == "int" else [OOV_TOKEN]

    def vocabulary_size(self) -> int:
        """The number of indices, the special ones included."""
        return self._token_start() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        return (self._specials() if include_special_tokens else []) + list(self._tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the terms (a list, a 1-D array, or a text file of one term per line), led by
        the special tokens or not; ``idf_weights`` (one per entry of ``vocabulary``) in
        ``"tf_idf"`` mode."""
        what = f"TextVectorization layer {self.name!r}"
        if isinstance(vocabulary, (str, os.PathLike)):
            if self.output_mode == "tf_idf":
                raise ValueError(f"{what}: output_mode 'tf_idf' does not take a vocabulary "
                                 f"file")
            if not os.path.exists(vocabulary):
                raise ValueError(f"{what}: vocabulary file {os.fspath(vocabulary)!r} does not "
                                 f"exist")
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = f.read().splitlines()
        vocabulary = [_text(t, self.encoding) for t in np.asarray(vocabulary, object).ravel()]
        if not vocabulary:
            raise ValueError(f"{what}: cannot set an empty vocabulary")
        if (self.output_mode == "tf_idf") != (idf_weights is not None):
            raise ValueError(f"{what}: idf_weights must be given with the vocabulary in "
                             f"'tf_idf' mode, and only then")
        specials = self._specials()
        found = vocabulary[:len(specials)] == specials
        tokens = vocabulary[len(specials):] if found else vocabulary
        repeated = sorted(t for t, n in collections.Counter(tokens).items() if n > 1)
        if repeated:
            raise ValueError(f"{what}: the vocabulary repeats the terms {repeated[:10]}")
        if "" in tokens or (OOV_TOKEN in tokens and self.output_mode != "int"):
            raise ValueError(f"{what}: the special tokens {specials} may only lead the "
                             f"vocabulary, in that order")
        if self.max_tokens is not None and len(specials) + len(tokens) > self.max_tokens:
            raise ValueError(f"{what}: a vocabulary of {len(specials) + len(tokens)} entries "
                             f"is larger than max_tokens={self.max_tokens}")
        idf = None
        if idf_weights is not None:
            weights = np.asarray(idf_weights, np.float32).ravel()
            if weights.size != len(vocabulary):
                raise ValueError(f"{what}: {weights.size} idf_weights for a vocabulary of "
                                 f"{len(vocabulary)} entries")
            if not found:
                weights = np.concatenate([np.full(len(specials), np.mean(weights),
                                                  np.float32), weights])
            idf = weights
        self._set(tokens, idf)

    def _set(self, tokens: list[str], idf) -> None:
        self._tokens = list(tokens)
        start = self._token_start()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        if idf is not None and self.pad_to_max_tokens and self.max_tokens is not None:
            idf = np.concatenate([idf, np.zeros(self.max_tokens - idf.size, np.float32)])
        self._idf = idf
        self._has_vocabulary = True

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary (and in ``"tf_idf"`` mode the idf weights) from ``data``:
        strings (a list, an array) or an iterable of batches of them."""
        if self._input_vocabulary is not None:
            raise ValueError(f"TextVectorization layer {self.name!r} was given its "
                             f"vocabulary; adapt() has nothing to learn")
        if isinstance(data, (list, tuple, np.ndarray, str, bytes)) or not hasattr(
                data, "__iter__"):
            batches = [data]
        else:
            batches = data if steps is None else (b for i, b in enumerate(data) if i < steps)
        counts: collections.Counter = collections.Counter()
        documents: collections.Counter = collections.Counter()
        n_docs = 0
        for batch in batches:
            for row in self._tokenize(batch):
                counts.update(row)
                documents.update(set(row))
                n_docs += 1
        for special in ("", OOV_TOKEN):
            counts.pop(special, None)
        # most frequent first, ties broken by the terms in reverse order (Keras's lexsort)
        tokens = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens is not None:
            tokens = tokens[:self.max_tokens - self._token_start()]
        idf = None
        if self.output_mode == "tf_idf":
            in_docs = np.array([documents[t] for t in tokens], np.float64)
            weights = np.log(1 + n_docs / (1 + in_docs)).astype(np.float32)
            mean = np.float32(weights.mean(dtype=np.float32)) if weights.size else \
                np.float32(np.nan)
            idf = np.concatenate([np.full(self._token_start(), mean, np.float32), weights])
        self._set(tokens, idf)

    # ----------------------------------------------------------- computing
    def _strings(self, inputs) -> list[str]:
        """The input strings, one per batch row."""
        a = np.asarray(inputs, dtype=object) if not isinstance(inputs, np.ndarray) else inputs
        if a.ndim == 0:
            a = a.reshape(1)
        if a.ndim == 2 and a.shape[1] == 1:
            a = a[:, 0]
        if a.ndim != 1:
            raise ValueError(f"TextVectorization layer {self.name!r} takes strings of shape "
                             f"(batch,) or (batch, 1); got shape {a.shape}")
        return [_text(s, self.encoding) for s in a]

    def _tokenize(self, inputs) -> list[list[str]]:
        rows = []
        for s in self._strings(inputs):
            if self.standardize in ("lower", "lower_and_strip_punctuation"):
                s = s.translate(_LOWER)
            if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
                s = s.translate(_PUNCTUATION)
            if self.split == "whitespace":
                tokens = [t for t in _WHITESPACE.split(s) if t]
            elif self.split == "character":
                tokens = list(s)
            else:
                tokens = [s]
            if self._widths is not None:
                tokens = [" ".join(tokens[i:i + w]) for w in self._widths
                          for i in range(len(tokens) - w + 1)]
            rows.append(tokens)
        return rows

    def _depth(self):
        if self.pad_to_max_tokens and self.max_tokens is not None:
            return self.max_tokens
        return self.vocabulary_size() if self._has_vocabulary else self._saved_size

    def _check_ready(self) -> None:
        if not self._has_vocabulary:
            raise ValueError(f"TextVectorization layer {self.name!r} has no vocabulary: give "
                             f"it one (vocabulary=, set_vocabulary) or adapt() it first")
        if self.output_mode == "tf_idf" and self._idf is None:
            raise ValueError(f"TextVectorization layer {self.name!r} has no idf weights")

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        self._check_ready()
        rows = self._tokenize(inputs)
        if self.output_mode == "int":
            ids = [[0 if t == "" else self._index.get(t, 1) for t in row] for row in rows]
            if self.split is None and self.output_sequence_length is None:
                column = np.ndim(inputs) == 2  # one id per string, in the input's shape
                flat = np.array([r[0] for r in ids], np.int64)
                return (flat[:, None] if column else flat), None
            length = self.output_sequence_length
            if length is None:
                length = max((len(r) for r in ids), default=0)
            out = np.zeros((len(ids), length), np.int64)
            for i, r in enumerate(ids):
                r = r[:length]
                out[i, :len(r)] = r
            return out, None
        # Keras's counts are integers (its multi_hot and count outputs are int64)
        out = np.zeros((len(rows), self._depth()), np.int64)
        for i, row in enumerate(rows):
            for t in row:
                if t != "":  # the mask token is not counted
                    out[i, self._index.get(t, 0)] += 1
        if self.output_mode == "multi_hot":
            out = np.minimum(out, 1)
        elif self.output_mode == "tf_idf":
            out = out.astype(np.float32) * self._idf[:out.shape[1]]
        return out, None

    # ----------------------------------------------------------- symbolic use
    def _symbolic_input_shape(self, inputs):
        if not isinstance(inputs, KerasTensor):
            return super()._symbolic_input_shape(inputs)
        if inputs.dtype != "string":
            raise TypeError(f"TextVectorization layer {self.name!r} takes a string input "
                            f"(Input(shape=(1,), dtype='string')); got dtype {inputs.dtype}")
        return inputs.shape

    def _check_input_shape(self, shape) -> None:
        if not (len(shape) == 1 or (len(shape) == 2 and shape[1] in (1, None))):
            raise ValueError(f"TextVectorization layer {self.name!r} takes strings of shape "
                             f"(batch,) or (batch, 1); got {tuple(shape)}")

    def _symbolic_output_dtype(self) -> str:
        return "float32" if self.output_mode == "tf_idf" else "int64"

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            if self.split is None and self.output_sequence_length is None:
                return tuple(input_shape)  # one id per string
            return (input_shape[0], self.output_sequence_length)
        return (input_shape[0], self._depth())

    def _prepare_input(self, inputs):
        return inputs

    def get_config(self) -> dict:
        config = super().get_config()
        modes = {v: k for k, v in _MODES.items() if "-" not in k and k != "binary"}
        config.update(
            max_tokens=self.max_tokens, standardize=self.standardize, split=self.split,
            ngrams=self.ngrams, output_mode=modes[self.output_mode],
            output_sequence_length=self.output_sequence_length,
            pad_to_max_tokens=self.pad_to_max_tokens, sparse=False, ragged=False,
            vocabulary=self._input_vocabulary, idf_weights=self._input_idf,
            encoding=self.encoding, vocabulary_size=self.vocabulary_size())
        return config


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _text(value, encoding: str) -> str:
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode(encoding)
        except UnicodeDecodeError as exc:
            raise ValueError(f"a string is not valid {encoding}: {exc}") from exc
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"TextVectorization takes strings; got {type(value).__name__} {value!r}")
