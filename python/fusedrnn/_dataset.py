"""Datasets of batches: what Keras's tf.data pipelines hand to ``predict`` and ``evaluate``,
here as plain lists of NumPy batches (``utils.timeseries_dataset_from_array`` makes one)."""

from __future__ import annotations


class Batches:
    """A sequence of batches (arrays, or tuples ``(x, y)`` / ``(x, y, sample_weight)``):
    iterate it, ``len()`` it, ``take(n)``, ``as_numpy_iterator()``; ``model.predict`` and
    ``model.evaluate`` take it as they take a tf.data.Dataset."""

    def __init__(self, batches):
        self._batches = list(batches)

    def __iter__(self):
        return iter(self._batches)

    def __len__(self) -> int:
        return len(self._batches)

    def __getitem__(self, i):
        return self._batches[i]

    def take(self, count: int) -> Batches:
        """The first ``count`` batches (all of them for -1), as tf.data's ``take``."""
        return Batches(self._batches if count < 0 else self._batches[:count])

    def as_numpy_iterator(self):
        return iter(self._batches)

    def __repr__(self) -> str:
        return f"<Batches: {len(self._batches)} batches>"


class PyDataset:
    """Keras 3's ``PyDataset`` (Keras 2's ``Sequence``): subclass it with ``__len__`` (the
    number of batches) and ``__getitem__(index)`` (batch ``index``: ``x``, or ``(x, y)`` /
    ``(x, y, sample_weight)``); ``predict`` and ``evaluate`` take it batch by batch, in
    order. ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are accepted (the
    batches are read in the calling thread)."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    @property
    def num_batches(self) -> int:
        return len(self)

    def on_epoch_end(self) -> None:
        pass

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def is_dataset(x) -> bool:
    """Batches, a PyDataset, or an iterator/generator of batches (not an array, list or
    dict of arrays, which are a model's inputs)."""
    return isinstance(x, (Batches, PyDataset)) or (hasattr(x, "__next__")
                                                    and hasattr(x, "__iter__"))
