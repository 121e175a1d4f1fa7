"""``keras.dtype_policies``: the float policies a layer's ``dtype=`` takes.

fusedrnn computes in float32 (or float64 where a layer is given ``dtype="float64"``). The
mixed policies of Keras (``"mixed_float16"``, ``"mixed_bfloat16"``: float16/bfloat16
computation over float32 weights) are accepted by name and compute in float32 here, with the
same float32 weights: their outputs are the float32 ones, without the half-precision rounding
Keras's would have. Quantized policies (int8, int4, float8, GPTQ, AWQ) are not supported.
"""

from __future__ import annotations

__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]

_NAMES = {"float32": ("float32", "float32"), "float64": ("float64", "float64"),
          "mixed_float16": ("float16", "float32"), "mixed_bfloat16": ("bfloat16", "float32")}


class DTypePolicy:
    """A named dtype policy: ``compute_dtype`` and ``variable_dtype`` as Keras gives them
    (what fusedrnn computes in is described in the module's docstring)."""

    def __init__(self, name=None):
        from . import config

        if name is None:
            name = config.dtype_policy().name
        if isinstance(name, DTypePolicy):
            name = name.name
        if not isinstance(name, str) or name not in _NAMES:
            raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy: "
                             f"fusedrnn has the policies {sorted(_NAMES)}")
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return _NAMES[self._name][0]

    @property
    def variable_dtype(self) -> str:
        return _NAMES[self._name][1]

    @property
    def quantization_mode(self):
        return None

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


FloatDTypePolicy = DTypePolicy  # Keras's older name


def serialize(policy) -> dict:
    """As ``keras.dtype_policies.serialize``: module, class name and config."""
    if not isinstance(policy, DTypePolicy):
        raise ValueError(f"serialize takes a DTypePolicy; got {policy!r}")
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None) -> DTypePolicy:
    """A policy from ``serialize``'s dict (or a name)."""
    return get(config)


def get(identifier) -> DTypePolicy:
    """A policy from a name, a serialized dict, or a policy."""
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        if name not in ("DTypePolicy", "FloatDTypePolicy"):
            raise ValueError(f"fusedrnn has no dtype policy class {name!r}")
        return DTypePolicy.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    raise ValueError(f"Cannot interpret `dtype` argument. Expected a string or an instance of "
                     f"DTypePolicy. Received: identifier={identifier!r}")
