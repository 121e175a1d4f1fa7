"""Keras's data preprocessing utilities for serving: ``sequence.pad_sequences`` (Keras 2 and
3), the Keras 2 ``text.Tokenizer`` with ``tokenizer_from_json``, so the tokenizer a model
was trained with turns raw text into its input without TensorFlow, and ``image``'s file
utilities."""

from __future__ import annotations

from . import image, sequence, text
from .sequence import pad_sequences


def timeseries_dataset_from_array(*args, **kwargs):
    """``fusedrnn.utils.timeseries_dataset_from_array`` (Keras exports it here too)."""
    from ..utils import timeseries_dataset_from_array as make

    return make(*args, **kwargs)


def image_dataset_from_directory(*args, **kwargs):
    """``fusedrnn.utils.image_dataset_from_directory`` (Keras exports it here too)."""
    from ..utils import image_dataset_from_directory as make

    return make(*args, **kwargs)


def text_dataset_from_directory(*args, **kwargs):
    """``fusedrnn.utils.text_dataset_from_directory`` (Keras exports it here too)."""
    from ..utils import text_dataset_from_directory as make

    return make(*args, **kwargs)


__all__ = ["image", "image_dataset_from_directory", "pad_sequences", "sequence", "text",
           "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
