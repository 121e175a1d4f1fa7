"""What Keras's small configurable objects (regularizers, constraints, initializers) share:
a base class with ``get_config``/``from_config``, and the module functions ``get``,
``serialize`` and ``deserialize`` over a table of classes (their names, snake_case names and
aliases)."""

from __future__ import annotations

from .layers._base import snake_case


class Configurable:
    """An object rebuilt from its constructor's arguments."""

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    __hash__ = object.__hash__


class Registry:
    """``get`` / ``serialize`` / ``deserialize`` for the classes of one Keras module."""

    def __init__(self, module: str, what: str, classes, aliases=None):
        self.module, self.what = module, what
        self.classes = {cls.__name__: cls for cls in classes}
        self.by_name = {**{snake_case(n): c for n, c in self.classes.items()}, **self.classes,
                        **(aliases or {})}

    def saved_class(self, config: dict, objects: dict):
        """The class of a saved ``{"class_name", "config"}``: the user's (custom_objects, by
        registered or class name), else this module's; None if neither has it."""
        name = config["class_name"]
        return (objects.get(config.get("registered_name")) or objects.get(name)
                or self.classes.get(name))

    def serialize(self, obj) -> dict:
        return {"module": self.module, "class_name": type(obj).__name__,
                "config": obj.get_config(), "registered_name": None}

    def deserialize(self, config, custom_objects=None):
        objects = custom_objects or {}
        if isinstance(config, str):
            found = objects.get(config) or self.by_name.get(config)
            if found is None:
                raise ValueError(f"unknown {self.what} {config!r}; expected one of "
                                 f"{', '.join(sorted(self.by_name))}")
            return found() if isinstance(found, type) else found
        if isinstance(config, dict) and "class_name" in config:
            name = config["class_name"]
            cls = self.saved_class(config, objects)
            if cls is None:
                raise ValueError(f"unknown {self.what} class {name!r}")
            inner = {k: v for k, v in (config.get("config") or {}).items()
                     if k != "shared_object_id"}
            return cls.from_config(inner)
        raise ValueError(f"cannot read a {self.what} from {config!r}")

    def get(self, identifier):
        if identifier is None:
            return None
        if isinstance(identifier, (str, dict)):
            return self.deserialize(identifier)
        if isinstance(identifier, type):
            return identifier()
        if callable(identifier):
            return identifier
        raise ValueError(f"cannot interpret {identifier!r} as a {self.what}")
