"""``keras.mixed_precision``: the global dtype policy. The mixed policies compute in float32
in fusedrnn (see :mod:`fusedrnn.dtype_policies`); there is no loss scaling at inference."""

from __future__ import annotations

from .config import dtype_policy, set_dtype_policy
from .dtype_policies import DTypePolicy

__all__ = ["DTypePolicy", "Policy", "dtype_policy", "global_policy", "set_dtype_policy",
           "set_global_policy"]

Policy = DTypePolicy  # Keras 2's name
global_policy = dtype_policy
set_global_policy = set_dtype_policy
