"""The parts of ``keras.backend`` that inference code calls."""

from __future__ import annotations

from collections import defaultdict

from ._dtypes import result_type, standardize_dtype
from .utils import clear_session

__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format",
           "is_float_dtype", "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon",
           "set_floatx", "set_image_data_format", "standardize_dtype"]

_UIDS: defaultdict = defaultdict(int)


def get_uid(prefix: str = "") -> int:
    """Keras's ``get_uid``: 1, 2, 3, ... for successive calls with the same prefix (until
    ``clear_session``)."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def is_float_dtype(dtype) -> bool:
    """Whether ``dtype`` (any form ``standardize_dtype`` takes) is a float type."""
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype) -> bool:
    """Whether ``dtype`` is a signed or unsigned integer type."""
    return standardize_dtype(dtype).startswith(("int", "uint"))


def is_keras_tensor(x) -> bool:
    """Whether ``x`` is a symbolic tensor (from ``Input`` or a layer's symbolic call)."""
    from .layers import KerasTensor

    return isinstance(x, KerasTensor)


def set_floatx(value) -> None:
    from .config import set_floatx as setter

    setter(value)


def set_epsilon(value) -> None:
    from .config import set_epsilon as setter

    setter(value)


def set_image_data_format(data_format) -> None:
    from .config import set_image_data_format as setter

    setter(data_format)


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
