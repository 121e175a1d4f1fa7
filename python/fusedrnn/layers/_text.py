"""TextVectorization, StringLookup and IntegerLookup: raw strings (or tokens, or integers) to
indices (or bag-of-words vectors) and back, as Keras 3 makes them, so a model saved with its
text preprocessing serves raw text.

Keras runs the layer with TensorFlow's string ops; these are their rules, in plain Python:

- standardize ``"lower"`` lowercases ASCII letters only (``tf.strings.lower`` without an
  encoding), ``"strip_punctuation"`` deletes the ASCII punctuation ``!"#$%&'()*+,-./:;<=>?@
  [\\]^_`{|}~``, ``"lower_and_strip_punctuation"`` (the default) does both;
- split ``"whitespace"`` splits on runs of the ASCII whitespace `` \\t\\n\\v\\f\\r``
  (``tf.strings.split``), ``"character"`` into code points, ``None`` keeps each string whole;
- a custom ``standardize`` or ``split`` is a Python function (Keras's take TensorFlow string
  tensors; fusedrnn's twin of one takes a 1-D NumPy array of ``str``): ``standardize``
  returns the strings standardized, one per input string; ``split`` returns each string's
  tokens (a list of ``str`` per string, empty tokens kept as ``tf.strings.split(sep=...)``
  keeps them). Note that ``tf.strings.lower`` lowercases ASCII only, ``str.lower`` all of
  Unicode. A saved model names its functions; ``load_model(..., custom_objects={name:
  function})`` gives them;
- ``ngrams`` adds, for each width in order, the space-joined runs of that many tokens;
- the vocabulary, learnt by ``adapt`` (most frequent first, ties in reverse order of the
  terms, ``max_tokens`` counting the special indices) or given, starts with the special
  indices: in ``"int"`` mode the mask token's (0, when there is one: TextVectorization's is
  the empty string) and then the out-of-vocabulary one (``[UNK]``; IntegerLookup's -1); in
  ``"one_hot"``, ``"multi_hot"``, ``"count"`` and ``"tf_idf"`` modes only the latter, and the
  mask token is not counted; tf-idf weights are ``log(1 + documents / (1 + documents with the
  term))``, the out-of-vocabulary index's their mean. A lookup with no out-of-vocabulary index
  (``num_oov_indices=0``) refuses unknown terms, as Keras does.
"""

from __future__ import annotations

import collections
import os
import re
import string

import numpy as np

from .. import _hashing
from ._base import KerasTensor, Layer

__all__ = ["IntegerLookup", "StringLookup", "TextVectorization"]

_LOWER = {ord(c): ord(c.lower()) for c in string.ascii_uppercase}
_PUNCTUATION = {ord(c): None for c in string.punctuation}
_WHITESPACE = re.compile("[ \t\n\v\f\r]+")
_STANDARDIZE = (None, "lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = (None, "whitespace", "character")
_MODES = {"int": "int", "multi_hot": "multi_hot", "binary": "multi_hot", "count": "count",
          "tf_idf": "tf_idf", "tf-idf": "tf_idf"}
OOV_TOKEN = "[UNK]"


class _Lookup(Layer):
    """The vocabulary of Keras's lookup layers (IndexLookup): special indices, adapt, given
    vocabularies, idf weights, and the mapping of tokens to indices and back. Subclasses say
    how inputs become rows of tokens (:meth:`_rows`)."""

    _kind = "lookup"
    _modes = _MODES
    salt = None  # the key of the strong hash of out-of-vocabulary terms (lookups)

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=OOV_TOKEN,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, vocabulary_size=None,
                 vocabulary_dtype=None, **kwargs):
        kwargs.pop("has_input_vocabulary", None)  # Keras 2's config key
        dtype = kwargs.get("dtype")
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        if dtype is not None and "float" not in str(dtype):
            del kwargs["dtype"]  # Keras 2 keeps the indices' dtype (int64) as the layer's
        super().__init__(**kwargs)
        what = self._what()
        if output_mode not in self._modes:
            detail = (" (one_hot is not supported)" if output_mode == "one_hot" else "")
            raise ValueError(f"{what}: unknown output_mode {output_mode!r}{detail}; expected "
                             f"one of {sorted(self._modes)}")
        mode = self._modes[output_mode]
        if max_tokens is not None and (not _is_int(max_tokens) or max_tokens <= 1):
            raise ValueError(f"{what}: max_tokens must be None or an integer above 1; got "
                             f"{max_tokens!r}")
        if not _is_int(num_oov_indices) or num_oov_indices < 0:
            raise ValueError(f"{what}: num_oov_indices must be a non-negative integer; got "
                             f"{num_oov_indices!r}")
        if sparse:
            raise ValueError(f"{what}: sparse outputs are not supported")
        if invert and mode != "int":
            raise ValueError(f"{what}: invert=True needs output_mode='int'")
        if idf_weights is not None and mode != "tf_idf":
            raise ValueError(f"{what}: idf_weights are only for output_mode='tf_idf'")
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = None if mask_token is None else self._token(mask_token)
        self.oov_token = self._token(oov_token)
        self.invert = bool(invert)
        self.output_mode = mode
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self._input_vocabulary = None if vocabulary is None or isinstance(
            vocabulary, (str, os.PathLike)) else [self._token(t) for t in vocabulary]
        self._input_idf = None if idf_weights is None else [float(w) for w in idf_weights]
        self._tokens: list = []
        self._index: dict = {}
        self._idf = None
        self._has_vocabulary = False  # set by adapt() or a vocabulary
        # the size a saved config gives, for the output shape until the vocabulary is loaded
        self._saved_size = vocabulary_size
        self.supports_masking = False
        self.built = True

    def _finish_init(self, vocabulary, idf_weights) -> None:
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        elif self.output_mode == "tf_idf" and idf_weights is not None:
            raise ValueError(f"{self._what()}: idf_weights need a vocabulary")

    def _what(self) -> str:
        return f"{type(self).__name__} layer {self.name!r}"

    def _token(self, value):
        return _text(value, "utf-8")

    # ----------------------------------------------------------- vocabulary
    def _mask_indexed(self) -> bool:
        return self.mask_token is not None and self.output_mode == "int"

    def _specials(self) -> list:
        return ([self.mask_token] if self._mask_indexed() else []) + \
            [self.oov_token] * self.num_oov_indices

    def _token_start(self) -> int:
        return len(self._specials())

    def _oov_index(self, term):
        """The out-of-vocabulary index of ``term``: None without one; with several, the
        bucket Keras hashes it to (see :meth:`_oov_bucket`)."""
        if not self.num_oov_indices:
            return None
        start = 1 if self._mask_indexed() else 0
        if self.num_oov_indices == 1:
            return start
        return start + self._oov_bucket(term, self.num_oov_indices)

    def _oov_bucket(self, term, buckets: int) -> int:
        """Strings: FarmHash64 of their UTF-8 (SipHash with a salt), as
        ``tf.strings.to_hash_bucket_fast`` / ``_strong``."""
        return _hashing.hash_bucket(term, buckets, self.salt)

    def vocabulary_size(self) -> int:
        """The number of indices, the special ones included."""
        return self._token_start() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        return (self._specials() if include_special_tokens else []) + list(self._tokens)

    def _read_vocabulary_file(self, path) -> list:
        if self.output_mode == "tf_idf":
            raise ValueError(f"{self._what()}: output_mode 'tf_idf' does not take a "
                             f"vocabulary file")
        if not os.path.exists(path):
            raise ValueError(f"{self._what()}: vocabulary file {os.fspath(path)!r} does not "
                             f"exist")
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the terms (a list, a 1-D array, or a text file of one term per line), led by
        the special tokens or not; ``idf_weights`` (one per entry of ``vocabulary``) in
        ``"tf_idf"`` mode."""
        what = self._what()
        if isinstance(vocabulary, (str, os.PathLike)):
            vocabulary = self._read_vocabulary_file(vocabulary)
        vocabulary = [self._token(t) for t in np.asarray(vocabulary, object).ravel()]
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
        if (self.mask_token is not None and self.mask_token in tokens) or (
                self.invert and self.oov_token in tokens):
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

    def _set(self, tokens: list, idf) -> None:
        self._tokens = list(tokens)
        start = self._token_start()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        if idf is not None and self.pad_to_max_tokens and self.max_tokens is not None:
            idf = np.concatenate([idf, np.zeros(self.max_tokens - idf.size, np.float32)])
        self._idf = idf
        self._has_vocabulary = True

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary (and in ``"tf_idf"`` mode the idf weights) from ``data`` (an
        array, a list) or an iterable of batches of it; each row is a document."""
        if self._input_vocabulary is not None:
            raise ValueError(f"{self._what()} was given its vocabulary; adapt() has nothing "
                             f"to learn")
        if isinstance(data, (list, tuple, np.ndarray, str, bytes)) or not hasattr(
                data, "__iter__"):
            batches = [data]
        else:
            batches = data if steps is None else (b for i, b in enumerate(data) if i < steps)
        counts: collections.Counter = collections.Counter()
        documents: collections.Counter = collections.Counter()
        n_docs = 0
        for batch in batches:
            for row in self._rows(batch):
                counts.update(row)
                documents.update(set(row))
                n_docs += 1
        for special in (self.mask_token, self.oov_token):
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
    def _rows(self, inputs) -> list[list]:
        """The tokens of each row (document) of ``inputs``."""
        raise NotImplementedError

    def _depth(self):
        if self.pad_to_max_tokens and self.max_tokens is not None:
            return self.max_tokens
        return self.vocabulary_size() if self._has_vocabulary else self._saved_size

    def _check_ready(self) -> None:
        if not self._has_vocabulary:
            raise ValueError(f"{self._what()} has no vocabulary: give it one (vocabulary=, "
                             f"set_vocabulary) or adapt() it first")
        if self.output_mode == "tf_idf" and self._idf is None:
            raise ValueError(f"{self._what()} has no idf weights")

    def _ids(self, tokens) -> list[int]:
        """Indices of ``tokens`` (int mode): the mask token's is 0."""
        ids = []
        for t in tokens:
            if self.mask_token is not None and t == self.mask_token:
                ids.append(0)
                continue
            i = self._index.get(t)
            if i is None:
                i = self._oov_index(t)
            if i is None:
                raise ValueError(f"{self._what()} has no out-of-vocabulary index "
                                 f"(num_oov_indices=0) and got the unknown term {t!r}")
            ids.append(i)
        return ids

    def _counts(self, rows) -> np.ndarray:
        """(rows, depth) counts of each index; the mask token is not counted."""
        out = np.zeros((len(rows), self._depth()), np.int64)
        for r, row in enumerate(rows):
            for t in row:
                if self.mask_token is not None and t == self.mask_token:
                    continue
                i = self._index.get(t)
                if i is None:
                    i = self._oov_index(t)
                if i is None:
                    raise ValueError(f"{self._what()} has no out-of-vocabulary index "
                                     f"(num_oov_indices=0) and got the unknown term {t!r}")
                out[r, i] += 1
        if self.output_mode == "multi_hot":
            out = np.minimum(out, 1)
        elif self.output_mode == "tf_idf":
            out = out.astype(np.float32) * self._idf[:out.shape[1]]
        return out

    def _prepare_input(self, inputs):
        return inputs

    def _symbolic_output_dtype(self) -> str:
        return "float32" if self.output_mode == "tf_idf" else "int64"

    def get_config(self) -> dict:
        config = super().get_config()
        modes = {v: k for k, v in self._modes.items() if "-" not in k and k != "binary"}
        config.update(max_tokens=self.max_tokens, output_mode=modes[self.output_mode],
                      pad_to_max_tokens=self.pad_to_max_tokens, sparse=False,
                      vocabulary=self._input_vocabulary, idf_weights=self._input_idf,
                      vocabulary_size=self.vocabulary_size())
        return config


_LOOKUP_MODES = {**_MODES, "one_hot": "one_hot"}


class _IndexLookup(_Lookup):
    """StringLookup and IntegerLookup: each element of the input is a token."""

    _modes = _LOOKUP_MODES
    _integers = False  # IntegerLookup's terms

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=OOV_TOKEN,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, oov_method="floormod", salt=None,
                 **kwargs):
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{type(self).__name__}: oov_method must be 'floormod' or "
                             f"'farmhash'; got {oov_method!r}")
        if salt is not None and self._integers and oov_method != "farmhash":
            raise ValueError(f"{type(self).__name__}: salt can only be used with "
                             f"oov_method='farmhash'; got oov_method={oov_method!r}")
        self.oov_method, self.salt = oov_method, _salt(salt, type(self).__name__)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, **kwargs)
        self._finish_init(vocabulary, idf_weights)

    def _array(self, inputs) -> np.ndarray:
        a = np.asarray(inputs, dtype=object) if not isinstance(inputs, np.ndarray) else inputs
        return a.reshape(1) if a.ndim == 0 else a

    def _rows(self, inputs) -> list[list]:
        if isinstance(inputs, (list, tuple)) and any(isinstance(r, (list, tuple, np.ndarray))
                                                     for r in inputs):
            rows = [np.ravel(np.asarray(r, dtype=object)) for r in inputs]  # ragged rows
        else:  # the last axis is a sample's: a rank-1 input is one sample (Keras's rule)
            a = self._array(inputs)
            rows = a.reshape(a.shape[0], -1) if a.ndim > 1 else a.reshape(1, -1)
        return [[self._token(t) for t in row] for row in rows]

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        self._check_ready()
        a = self._array(inputs)
        if self.invert:
            return self._tokens_of(a), None
        if self.output_mode == "int":
            flat = [self._token(t) for t in a.ravel()]
            return np.array(self._ids(flat), np.int64).reshape(a.shape), None
        if self.output_mode == "one_hot":  # a last axis of 1 is replaced, as Keras's
            flat = [[self._token(t)] for t in a.ravel()]
            out = self._counts(flat)
            shape = a.shape[:-1] if a.ndim > 1 and a.shape[-1] == 1 else a.shape
            return out.reshape(*shape, out.shape[1]), None
        if isinstance(inputs, (list, tuple)) and any(
                isinstance(r, (list, tuple, np.ndarray)) for r in inputs):
            return self._counts(self._rows(inputs)), None  # ragged rows, one sample each
        counts = self._counts(self._rows(a))
        return (counts[0] if a.ndim == 1 else counts), None

    def _tokens_of(self, ids) -> np.ndarray:
        table = self.get_vocabulary()
        flat = np.asarray(ids).ravel()
        out = [table[int(i)] if 0 <= int(i) < len(table) else self.oov_token for i in flat]
        return np.array(out, dtype=self._token_dtype).reshape(np.shape(ids))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if self.output_mode == "one_hot" and len(input_shape) > 1:
            shape = input_shape[:-1] if input_shape[-1] == 1 else input_shape
            return (*shape, self._depth())
        if self.output_mode != "one_hot" and len(input_shape) == 1:
            return (self._depth(),)  # a rank-1 input is one sample, as in Keras
        return (input_shape[0], self._depth())

    def _symbolic_output_dtype(self) -> str:
        if self.invert:
            return self._invert_dtype
        return super()._symbolic_output_dtype()

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(invert=self.invert, num_oov_indices=self.num_oov_indices,
                      oov_token=self.oov_token, mask_token=self.mask_token,
                      vocabulary_dtype=self._vocabulary_dtype, oov_method=self.oov_method,
                      salt=self.salt)
        return config


class StringLookup(_IndexLookup):
    """Keras ``StringLookup``: strings (any shape) to indices, or ``invert=True`` indices to
    strings; ``output_mode`` int, one_hot, multi_hot, count or tf_idf. See the module
    docstring for the indices. Default: no mask token, one out-of-vocabulary index
    ``[UNK]``."""

    _token_dtype = object
    _invert_dtype = "string"
    _vocabulary_dtype = "string"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=OOV_TOKEN,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", **kwargs):
        if str(encoding).lower().replace("-", "") != "utf8":
            raise ValueError(f"StringLookup: only the utf-8 encoding is supported; got "
                             f"{encoding!r}")
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, **kwargs)

    def _symbolic_input_shape(self, inputs):
        if isinstance(inputs, KerasTensor) and not self.invert and inputs.dtype != "string":
            raise TypeError(f"{self._what()} takes a string input; got dtype {inputs.dtype}")
        return super()._symbolic_input_shape(inputs)

    def get_config(self) -> dict:
        config = super().get_config()
        config["encoding"] = self.encoding
        del config["vocabulary_dtype"]  # Keras's StringLookup sets it itself
        return config


class IntegerLookup(_IndexLookup):
    """Keras ``IntegerLookup``: integers (any shape) to indices, or ``invert=True`` back;
    output modes as StringLookup's. Default: no mask token, one out-of-vocabulary index
    (token -1)."""

    _token_dtype = np.int64
    _invert_dtype = "int64"
    _vocabulary_dtype = "int64"
    _integers = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, **kwargs):
        if np.dtype(vocabulary_dtype).kind not in "iu":
            raise ValueError(f"IntegerLookup: vocabulary_dtype must be an integer type; got "
                             f"{vocabulary_dtype!r}")
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, **kwargs)

    def _oov_bucket(self, term, buckets: int) -> int:
        """Integers: ``term % buckets`` (floor), or with oov_method="farmhash" the hash of
        their decimal text (``tf.strings.as_string``)."""
        if self.oov_method == "floormod":
            return int(term) % buckets
        return _hashing.hash_bucket(int(term), buckets, self.salt)

    def _token(self, value) -> int:
        if isinstance(value, (str, bytes)) and str(value).strip().lstrip("-").isdigit():
            return int(value)  # a line of a vocabulary file
        if isinstance(value, (bool, np.bool_)) or not isinstance(
                value, (int, np.integer, float, np.floating)) or float(value) != int(value):
            raise TypeError(f"IntegerLookup takes integers; got {type(value).__name__} "
                            f"{value!r}")
        return int(value)


class TextVectorization(_Lookup):
    """Keras ``TextVectorization`` (see the module docstring for its rules).

    Takes strings, shape ``(batch,)`` or ``(batch, 1)`` (NumPy ``str``/``bytes``/object arrays
    or lists), and gives int64 ids ``(batch, length)`` in ``"int"`` mode (padded with 0 to the
    longest row, or cut or padded to ``output_sequence_length``; unsplit strings give one id
    each, in the input's shape); ``(batch, vocabulary size)`` otherwise (int64 counts,
    float32 tf-idf). ``standardize`` and ``split`` may be Python functions (see the module
    docstring). ``"one_hot"``, sparse and ragged outputs are not supported.
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 vocabulary_size=None, **kwargs):
        super().__init__(max_tokens=max_tokens, num_oov_indices=1, mask_token="",
                         oov_token=OOV_TOKEN, vocabulary=None, idf_weights=idf_weights,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens,
                         sparse=sparse, vocabulary_size=vocabulary_size, name=name, **kwargs)
        what = self._what()
        if not callable(standardize) and standardize not in _STANDARDIZE:
            raise ValueError(f"{what}: unknown standardize {standardize!r}; expected one of "
                             f"{_STANDARDIZE} or a function")
        if not callable(split) and split not in _SPLIT:
            raise ValueError(f"{what}: unknown split {split!r}; expected one of {_SPLIT} or a "
                             f"function")
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or _is_int(ngrams) or (
                isinstance(ngrams, tuple) and ngrams and all(_is_int(n) for n in ngrams))):
            raise ValueError(f"{what}: ngrams must be None, an integer or a tuple of "
                             f"integers; got {ngrams!r}")
        if ngrams is not None and min((ngrams,) if _is_int(ngrams) else ngrams) < 1:
            raise ValueError(f"{what}: ngram widths must be at least 1; got {ngrams!r}")
        if output_sequence_length is not None and (
                self.output_mode != "int" or not _is_int(output_sequence_length)
                or output_sequence_length < 0):
            raise ValueError(f"{what}: output_sequence_length must be None or a non-negative "
                             f"integer, and only in 'int' mode; got {output_sequence_length!r} "
                             f"with output_mode={output_mode!r}")
        if ragged:
            raise ValueError(f"{what}: sparse and ragged outputs are not supported")
        if str(encoding).lower().replace("-", "") != "utf8":
            raise ValueError(f"{what}: only the utf-8 encoding is supported; got {encoding!r}")
        self.standardize = standardize
        self.split = split
        self.ngrams = ngrams
        self._widths = tuple(range(1, ngrams + 1)) if _is_int(ngrams) else ngrams
        self.output_sequence_length = output_sequence_length
        self.encoding = encoding
        self._input_vocabulary = None if vocabulary is None or isinstance(
            vocabulary, (str, os.PathLike)) else [str(t) for t in vocabulary]
        self._finish_init(vocabulary, idf_weights)

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

    def _rows(self, inputs) -> list[list[str]]:
        """Each string standardized, then split (Keras's order), then its ngrams."""
        strings = self._strings(inputs)
        if callable(self.standardize):
            strings = [self._function_string(s, "standardize") for s in
                       self._apply(self.standardize, "standardize", strings)]
        else:
            if self.standardize in ("lower", "lower_and_strip_punctuation"):
                strings = [s.translate(_LOWER) for s in strings]
            if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
                strings = [s.translate(_PUNCTUATION) for s in strings]
        if callable(self.split):
            split = [self._function_tokens(t) for t in self._apply(self.split, "split", strings)]
        rows = []
        for i, s in enumerate(strings):
            if callable(self.split):
                tokens = split[i]
            elif self.split == "whitespace":
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

    def _apply(self, function, key: str, strings: list[str]) -> list:
        """``function`` (the layer's custom standardize or split) on the strings as a 1-D
        NumPy array of str: one result per string, checked."""
        name = getattr(function, "__name__", type(function).__name__)
        out = function(np.array(strings, dtype=str).reshape(len(strings)))
        if isinstance(out, (str, bytes)) or not hasattr(out, "__len__"):
            raise TypeError(f"TextVectorization layer {self.name!r}: its {key} function "
                            f"{name!r} must return one result per string (a list or array); "
                            f"got {type(out).__name__}")
        out = list(out)
        if len(out) != len(strings):
            raise ValueError(f"TextVectorization layer {self.name!r}: its {key} function "
                             f"{name!r} returned {len(out)} results for {len(strings)} "
                             f"strings")
        return out

    def _function_string(self, value, key: str) -> str:
        if isinstance(value, (str, bytes, np.str_, np.bytes_)):
            return _text(value, self.encoding)
        raise TypeError(f"TextVectorization layer {self.name!r}: its {key} function must give "
                        f"strings; got {type(value).__name__} {value!r}")

    def _function_tokens(self, value) -> list[str]:
        if isinstance(value, (str, bytes, np.str_, np.bytes_)) or not hasattr(value, "__iter__"):
            raise TypeError(f"TextVectorization layer {self.name!r}: its split function must "
                            f"give a list of tokens per string; got {type(value).__name__} "
                            f"{value!r}")
        return [self._function_string(t, "split") for t in value]

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        self._check_ready()
        rows = self._rows(inputs)
        if self.output_mode != "int":
            return self._counts(rows), None
        ids = [self._ids(row) for row in rows]
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

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            if self.split is None and self.output_sequence_length is None:
                return tuple(input_shape)  # one id per string
            return (input_shape[0], self.output_sequence_length)
        return (input_shape[0], self._depth())

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(standardize=self.standardize, split=self.split, ngrams=self.ngrams,
                      output_sequence_length=self.output_sequence_length, ragged=False,
                      encoding=self.encoding)
        return config


def _salt(salt, what: str):
    """Keras's salt of a strong hash: None, or [k0, k1] (one integer k means [k, k])."""
    if salt is None:
        return None
    if isinstance(salt, (list, tuple)) and len(salt) == 2 and all(_is_int(k) for k in salt):
        return [int(k) for k in salt]
    if _is_int(salt):
        return [int(salt), int(salt)]
    raise ValueError(f"{what}: salt must be an integer or a pair of integers; got {salt!r}")


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
    raise TypeError(f"a text layer takes strings; got {type(value).__name__} {value!r}")
