"""Keras 2's text preprocessing (``keras.preprocessing.text``, kept in ``tf_keras``): the
``Tokenizer`` many text RNNs were trained with, and ``tokenizer_from_json`` to read the one
saved with ``tokenizer.to_json()``, so a server turns raw text into the model's input as
training did, without TensorFlow. Same words, indices, ordering and matrices as Keras's."""

from __future__ import annotations

import collections
import hashlib
import json

import numpy as np

__all__ = ["Tokenizer", "hashing_trick", "one_hot", "text_to_word_sequence",
           "tokenizer_from_json"]

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(input_text, filters=FILTERS, lower=True, split=" "):
    """The words of ``input_text``: lower-cased, each character of ``filters`` made a
    separator, split on ``split``, empty pieces dropped."""
    if not isinstance(input_text, str):
        raise TypeError(f"text_to_word_sequence: input_text must be a str, got "
                        f"{type(input_text).__name__}")
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in input_text.split(split) if word]


def hashing_trick(text, n, hash_function=None, filters=FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Each word's index in ``[1, n)``: ``hash_function(word) % (n - 1) + 1``.
    ``hash_function``: None (Python's ``hash``, which differs between processes unless
    ``PYTHONHASHSEED`` is set, as in Keras), ``"md5"`` (stable) or a function of a str."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"hashing_trick: n must be an int >= 2, got {n!r}")
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(word):
            return int(hashlib.md5(word.encode()).hexdigest(), 16)
    elif not callable(hash_function):
        raise ValueError(f"hashing_trick: hash_function must be None, 'md5' or a function, "
                         f"got {hash_function!r}")
    words = (text_to_word_sequence(text, filters, lower, split) if analyzer is None
             else analyzer(text))
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(input_text, n, filters=FILTERS, lower=True, split=" ", analyzer=None):
    """``hashing_trick`` with Python's ``hash`` (Keras's ``one_hot``: word indices, not
    one-hot vectors)."""
    return hashing_trick(input_text, n, hash, filters, lower, split, analyzer)


class Tokenizer:
    """Keras 2's ``Tokenizer``: words indexed from 1 by falling count (ties in the order first
    seen), ``oov_token`` (if any) at index 1; ``num_words`` keeps indices below it when
    texts are turned into sequences or matrices (the index itself holds every word)."""

    def __init__(self, num_words=None, filters=FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, **kwargs):
        if "nb_words" in kwargs:  # Keras 1's name
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Tokenizer: unexpected arguments {sorted(kwargs)}")
        if num_words is not None and (isinstance(num_words, bool)
                                      or not isinstance(num_words, (int, np.integer))
                                      or num_words < 0):
            raise ValueError(f"Tokenizer: num_words must be a whole number or None, got "
                             f"{num_words!r}")
        if not isinstance(split, str) or not split:
            raise ValueError(f"Tokenizer: split must be a non-empty str, got {split!r}")
        if analyzer is not None and not callable(analyzer):
            raise TypeError(f"Tokenizer: analyzer must be a function of a text, got "
                            f"{type(analyzer).__name__}")
        self.num_words = None if num_words is None else int(num_words)
        self.filters = filters
        self.lower = lower
        self.split = split
        self.char_level = char_level
        self.oov_token = oov_token
        self.analyzer = analyzer
        self.document_count = document_count
        self.word_counts: dict = collections.OrderedDict()
        self.word_docs: dict = collections.defaultdict(int)
        self.index_docs: dict = collections.defaultdict(int)
        self.word_index: dict = {}
        self.index_word: dict = {}

    def _words(self, text) -> list:
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer: each text must be a str (or a list of words), got "
                            f"{type(text).__name__}")
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts) -> None:
        """Count the words of ``texts`` (strs, or lists of words) and re-index them all."""
        if isinstance(texts, str):
            raise TypeError("Tokenizer.fit_on_texts takes a list of texts, got one str")
        for text in texts:
            self.document_count += 1
            words = self._words(text)
            for word in words:
                self.word_counts[word] = self.word_counts.get(word, 0) + 1
            for word in set(words):
                self.word_docs[word] = self.word_docs.get(word, 0) + 1
        counts = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token])
        vocabulary += [word for word, _ in counts]
        self.word_index = {word: i for i, word in enumerate(vocabulary, start=1)}
        self.index_word = {i: word for word, i in self.word_index.items()}
        for word, docs in list(self.word_docs.items()):
            self.index_docs[self.word_index[word]] = docs

    def fit_on_sequences(self, sequences) -> None:
        """Count documents per index (what tfidf needs) from sequences of indices."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] = self.index_docs.get(i, 0) + 1

    def _oov_index(self):
        return self.word_index.get(self.oov_token)

    def texts_to_sequences_generator(self, texts):
        if isinstance(texts, str):
            raise TypeError("Tokenizer.texts_to_sequences takes a list of texts, got one str")
        limit, oov = self.num_words, self._oov_index()
        for text in texts:
            seq = []
            for word in self._words(text):
                i = self.word_index.get(word)
                if i is not None and not (limit and i >= limit):
                    seq.append(i)
                elif oov is not None:
                    seq.append(oov)
            yield seq

    def texts_to_sequences(self, texts) -> list:
        """Each text as the list of its words' indices (words outside the index, or at
        ``num_words`` and above, become ``oov_token``'s index, or are dropped without one)."""
        return list(self.texts_to_sequences_generator(texts))

    def sequences_to_texts_generator(self, sequences):
        limit, oov = self.num_words, self._oov_index()
        for seq in sequences:
            words = []
            for i in seq:
                word = self.index_word.get(i)
                if word is not None and not (limit and i >= limit):
                    words.append(word)
                elif oov is not None:
                    words.append(self.index_word[oov])
            yield " ".join(words)

    def sequences_to_texts(self, sequences) -> list:
        """The inverse of ``texts_to_sequences``: each sequence as its words joined by spaces."""
        return list(self.sequences_to_texts_generator(sequences))

    def texts_to_matrix(self, texts, mode="binary") -> np.ndarray:
        """``sequences_to_matrix(texts_to_sequences(texts), mode)``."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary") -> np.ndarray:
        """A (len(sequences), num_words) float64 matrix: per index ``"binary"`` 1,
        ``"count"`` its count, ``"freq"`` count / sequence length, ``"tfidf"`` (1 + log count)
        * log(1 + documents / (1 + documents with it)). Indices >= num_words are left out."""
        if mode not in _MODES:
            raise ValueError(f"Tokenizer: unknown vectorization mode {mode!r}; expected one "
                             f"of {', '.join(_MODES)}")
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("Tokenizer: give num_words, or fit the tokenizer on some texts "
                             "first")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Tokenizer: fit the tokenizer on some data before using tfidf "
                             "mode")
        out = np.zeros((len(sequences), width))
        for row, seq in enumerate(sequences):
            if not len(seq):
                continue
            counts = collections.Counter(int(i) for i in seq if i < width)
            for i, count in counts.items():
                if mode == "count":
                    out[row, i] = count
                elif mode == "freq":
                    out[row, i] = count / len(seq)
                elif mode == "binary":
                    out[row, i] = 1
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(i, 0)))
                    out[row, i] = (1 + np.log(count)) * idf
        return out

    def get_config(self) -> dict:
        """Keras's config: the settings, and the counts and indices as JSON strings."""
        return {
            "num_words": self.num_words, "filters": self.filters, "lower": self.lower,
            "split": self.split, "char_level": self.char_level, "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs) -> str:
        """What Keras's ``tokenizer.to_json()`` writes; ``tokenizer_from_json`` (Keras's or
        fusedrnn's) reads it back. ``kwargs`` go to ``json.dumps``."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


_STATE = ("word_counts", "word_docs", "index_docs", "index_word", "word_index")


def tokenizer_from_json(json_string) -> Tokenizer:
    """The ``Tokenizer`` that Keras's (or fusedrnn's) ``tokenizer.to_json()`` wrote."""
    try:
        saved = json.loads(json_string)
        config = dict(saved["config"])
        state = {key: json.loads(config.pop(key)) for key in _STATE}
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"tokenizer_from_json: not a saved Tokenizer ({exc!r})") from None
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = collections.OrderedDict(state["word_counts"])
    tokenizer.word_docs = collections.defaultdict(int, state["word_docs"])
    tokenizer.index_docs = collections.defaultdict(
        int, {int(k): v for k, v in state["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in state["index_word"].items()}
    tokenizer.word_index = dict(state["word_index"])
    return tokenizer
