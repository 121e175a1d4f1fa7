"""The parts of ``keras.config`` that inference code calls (``import fusedrnn as keras;
keras.config.disable_interactive_logging()``).

fusedrnn computes in float32 with Keras's defaults; the setters accept those and name any
other value they cannot honour. Interactive logging (predict's and evaluate's progress bars)
can be switched off, as in Keras. Unsafe deserialization has nothing to enable: fusedrnn
never runs code from a file (a Lambda's bytecode is refused either way).
"""

from __future__ import annotations

from . import backend as _backend

__all__ = ["backend", "disable_interactive_logging", "disable_traceback_filtering",
           "disable_unsafe_deserialization", "dtype_policy", "enable_interactive_logging",
           "enable_traceback_filtering", "enable_unsafe_deserialization", "epsilon", "floatx",
           "image_data_format", "is_interactive_logging_enabled",
           "is_traceback_filtering_enabled", "set_dtype_policy", "set_epsilon", "set_floatx",
           "set_image_data_format"]

backend = _backend.backend
epsilon = _backend.epsilon
floatx = _backend.floatx
image_data_format = _backend.image_data_format

_STATE = {"interactive_logging": True, "traceback_filtering": True, "dtype_policy": "float32"}


def _only(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"keras.config.{name}({value!r}): fusedrnn supports "
                         f"{' or '.join(repr(a) for a in allowed)} only")


def set_floatx(value) -> None:
    """Only ``"float32"`` (fusedrnn's kernels compute in float32)."""
    _only("set_floatx", value, ("float32",))


def set_epsilon(value) -> None:
    """Only Keras's default, 1e-7 (the losses and metrics use it)."""
    _only("set_epsilon", value, (1e-7,))


def set_image_data_format(data_format) -> None:
    """Only ``"channels_last"``, the default (layers take ``data_format=`` one by one)."""
    _only("set_image_data_format", data_format, ("channels_last",))


def dtype_policy():
    """The global dtype policy (a ``dtype_policies.DTypePolicy``)."""
    from .dtype_policies import DTypePolicy

    return DTypePolicy(_STATE["dtype_policy"])


def set_dtype_policy(policy) -> None:
    """``"float32"``, or Keras's mixed policies ``"mixed_float16"`` and ``"mixed_bfloat16"``,
    which layers compute in float32 here (the weights are float32 in both);
    see :mod:`fusedrnn.dtype_policies`."""
    _only("set_dtype_policy", getattr(policy, "name", policy),
          ("float32", "mixed_float16", "mixed_bfloat16"))
    _STATE["dtype_policy"] = getattr(policy, "name", policy)


def enable_interactive_logging() -> None:
    _STATE["interactive_logging"] = True


def disable_interactive_logging() -> None:
    """predict's and evaluate's progress bars print nothing until enabled again."""
    _STATE["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    return _STATE["interactive_logging"]


def enable_traceback_filtering() -> None:
    _STATE["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    _STATE["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    return _STATE["traceback_filtering"]


def enable_unsafe_deserialization() -> None:
    """Accepted: fusedrnn never deserializes code, so there is nothing to enable."""


def disable_unsafe_deserialization() -> None:
    """Accepted: fusedrnn never deserializes code."""
