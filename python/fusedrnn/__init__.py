"""fusedrnn: fast, Keras-faithful recurrent-network inference.

The public surface:
  fusedrnn.layers / fusedrnn.models  Keras-compatible layers and models
  fusedrnn.ops                       the fused kernels on NumPy arrays
  fusedrnn.reference                 the plain NumPy oracle every kernel is tested against
  fusedrnn.cuda                      the optional CuPy path (imported on first use)
"""

from __future__ import annotations

import operator as _operator
import os as _os

from . import _core

__version__ = "0.1.0"

__all__ = [  # the lazily loaded names below are listed after them (__getattr__)
    "__version__",
    "available_isas",
    "cpu_isa",
    "get_num_threads",
    "set_num_threads",
]


def cpu_isa() -> str:
    """The ISA level the CPU kernels run with: 'generic', 'avx2' or 'avx512'."""
    return _core.cpu_isa()


def available_isas() -> list[str]:
    """The ISA levels this CPU can run (and this build contains), lowest first."""
    return list(_core.available_isas())


def set_num_threads(n: int) -> None:
    """Sets the number of threads the CPU kernels use: n >= 1, at most 256 (larger values use
    256; ``get_num_threads()`` says what is in use)."""
    if isinstance(n, bool):
        raise TypeError("set_num_threads: n must be an int, got bool")
    try:
        n = _operator.index(n)  # int or NumPy integer
    except TypeError:
        raise TypeError(f"set_num_threads: n must be an int, got {type(n).__name__}") from None
    if n < 1:
        raise ValueError(f"set_num_threads: n must be >= 1, got {n}")
    # The core caps n at its limit; only a value a C int can hold reaches it.
    _core.set_num_threads(min(n, 2**31 - 1))


def get_num_threads() -> int:
    """The number of threads the CPU kernels use (default: the cores this process may use)."""
    return _core.get_num_threads()


def _apply_isa_from_environment() -> None:
    name = _os.environ.get("FUSEDRNN_ISA", "").strip().lower()
    if not name:
        return
    if name not in ("generic", "avx2", "avx512"):
        raise ImportError(f"FUSEDRNN_ISA={name!r}: expected one of generic, avx2, avx512")
    if name not in _core.available_isas():
        raise ImportError(
            f"FUSEDRNN_ISA={name!r} is not available on this CPU; available: "
            + ", ".join(_core.available_isas())
        )
    _core.set_isa(name)


_apply_isa_from_environment()


_SUBMODULES = ("activations", "backend", "config", "constraints", "cuda", "datasets",
               "dtype_policies", "initializers", "layers", "losses", "metrics",
               "mixed_precision", "models", "ops", "optimizers", "preprocessing", "random",
               "reference", "regularizers", "saving", "tree", "utils")
# Keras 3's top-level names (``keras.Sequential``, ``keras.Input``, ...), from their modules.
_TOP_LEVEL = {"Sequential": "models", "Model": "models", "Input": "layers", "Layer": "layers",
              "InputSpec": "layers",
              "KerasTensor": "layers", "Variable": "layers", "Loss": "losses",
              "Metric": "metrics", "Optimizer": "optimizers"}


__all__ += [*_SUBMODULES, *_TOP_LEVEL]


def __getattr__(name: str):
    # Submodules load on first use, so `import fusedrnn` stays light; `import fusedrnn as
    # keras` then serves Keras 3's `keras.layers.GRU`, `keras.Sequential`, `keras.utils...`.
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _TOP_LEVEL:
        return getattr(importlib.import_module(f"{__name__}.{_TOP_LEVEL[name]}"), name)
    raise AttributeError(f"module 'fusedrnn' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_SUBMODULES, *_TOP_LEVEL])
