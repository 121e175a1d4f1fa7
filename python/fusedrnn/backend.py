"""The parts of ``keras.backend`` that inference code calls."""

from __future__ import annotations

from .utils import clear_session

__all__ = ["backend", "clear_session", "epsilon", "floatx", "image_data_format"]


def backend() -> str:
    """The name of the engine: ``"fusedrnn"``."""
    return "fusedrnn"


def epsilon() -> float:
    """Keras's fuzz factor, 1e-7 (what the losses and metrics use)."""
    return 1e-7


def floatx() -> str:
    """The float type layers compute in by default."""
    return "float32"


def image_data_format() -> str:
    """The default ``data_format`` of the convolution and pooling layers."""
    return "channels_last"
