"""``keras.datasets`` from Keras's cache: ``imdb``, ``reuters``, ``mnist``, ``fashion_mnist``,
``cifar10``, ``cifar100``, ``boston_housing`` and ``california_housing`` give what Keras's
``load_data`` gives (the same shuffles, index shifts,
cuts and splits), read from the files Keras downloaded into ``~/.keras/datasets`` (or
``$KERAS_HOME``). fusedrnn never downloads: a file not there is a FileNotFoundError naming
where to put it (``utils.get_file``). The ragged sequence files of IMDB and Reuters and the
pickled CIFAR batches are read without running code from them (only NumPy arrays are rebuilt
from their pickle streams)."""

from . import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist",
           "imdb", "mnist", "reuters"]
