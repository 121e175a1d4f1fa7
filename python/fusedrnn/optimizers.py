"""Keras's optimizers as configuration holders, so ``model.compile(optimizer=
keras.optimizers.Adam(1e-3), ...)`` runs unchanged. fusedrnn runs inference only: an
optimizer keeps its arguments (``get_config``) and refuses to apply gradients."""

from __future__ import annotations

import types

__all__ = ["SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl",
           "Lamb", "Lion", "Nadam", "Optimizer", "RMSprop", "deserialize", "get", "schedules",
           "serialize"]

# Every optimizer's own arguments after learning_rate, with Keras 3's defaults.
_OWN = {
    "SGD": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "RMSprop": {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                "centered": False},
    "Adam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
             "amsgrad": False},
    "AdamW": {"learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999,
              "epsilon": 1e-7, "amsgrad": False},
    "Adamax": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "Nadam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "Adagrad": {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
    "Adadelta": {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7},
    "Adafactor": {"learning_rate": 0.001, "beta_2_decay": -0.8, "epsilon_1": 1e-30,
                  "epsilon_2": 1e-3, "clip_threshold": 1.0, "relative_step": True},
    "Ftrl": {"learning_rate": 0.001, "learning_rate_power": -0.5,
             "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
             "l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0,
             "beta": 0.0},
    "Lamb": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "Lion": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99},
}
# Arguments every Keras 3 optimizer takes.
_COMMON = {"weight_decay": None, "clipnorm": None, "clipvalue": None, "global_clipnorm": None,
           "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
           "loss_scale_factor": None, "gradient_accumulation_steps": None}


class Optimizer:
    """An optimizer's configuration (``learning_rate`` first, positionally too; Keras 2's
    ``lr`` and ``decay`` are read as ``learning_rate`` and kept)."""

    _defaults: dict = {"learning_rate": 0.001}

    def __init__(self, *args, name=None, **kwargs):
        own = list(self._defaults)
        if len(args) > len(own):
            raise TypeError(f"{type(self).__name__} takes at most {len(own)} positional "
                            f"arguments, got {len(args)}")
        if "lr" in kwargs:  # Keras 2
            kwargs.setdefault("learning_rate", kwargs.pop("lr"))
        given = dict(zip(own, args))
        for key, value in kwargs.items():
            if key in given:
                raise TypeError(f"{type(self).__name__}: {key!r} given twice")
            if key not in self._defaults and key not in _COMMON and key != "decay":
                raise TypeError(f"{type(self).__name__}: unexpected argument {key!r}")
            given[key] = value
        self.name = name or type(self).__name__.lower()
        self._config = {**self._defaults, **{k: v for k, v in _COMMON.items()
                                              if k not in self._defaults}, **given}
        self.learning_rate = self._config["learning_rate"]

    def __getattr__(self, key):
        config = self.__dict__.get("_config", {})
        if key in config:
            return config[key]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    def get_config(self) -> dict:
        config = dict(self._config)
        rate = config["learning_rate"]
        if isinstance(rate, LearningRateSchedule):
            config["learning_rate"] = _schedule_entry(rate)
        return {"name": self.name, **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("is_legacy_optimizer", "jit_compile"):  # Keras 2's / Keras 3's extras
            config.pop(key, None)
        rate = config.get("learning_rate")
        if isinstance(rate, dict) and "class_name" in rate:
            config["learning_rate"] = schedules.deserialize(rate)
        return cls(**{k: v for k, v in config.items()
                      if k in cls._defaults or k in _COMMON or k in ("name", "decay")})

    def _refuse(self, *args, **kwargs):
        raise NotImplementedError("fusedrnn runs inference only: optimizers hold their "
                                  "configuration and do not train")

    apply_gradients = apply = minimize = build = _refuse

    def __repr__(self):
        return f"<{type(self).__name__} learning_rate={self.learning_rate!r}>"


def _optimizer(name: str):
    return type(name, (Optimizer,), {"_defaults": _OWN[name], "__module__": __name__,
                                     "__doc__": f"Keras's {name} (configuration only)."})


SGD = _optimizer("SGD")
RMSprop = _optimizer("RMSprop")
Adam = _optimizer("Adam")
AdamW = _optimizer("AdamW")
Adamax = _optimizer("Adamax")
Nadam = _optimizer("Nadam")
Adagrad = _optimizer("Adagrad")
Adadelta = _optimizer("Adadelta")
Adafactor = _optimizer("Adafactor")
Ftrl = _optimizer("Ftrl")
Lamb = _optimizer("Lamb")
Lion = _optimizer("Lion")
_CLASSES = {cls.__name__: cls for cls in (SGD, RMSprop, Adam, AdamW, Adamax, Nadam, Adagrad,
                                          Adadelta, Adafactor, Ftrl, Lamb, Lion)}


_REQUIRED = object()
# Keras's learning-rate schedules: their arguments in order, with defaults.
_SCHEDULE_ARGS = {
    "ExponentialDecay": (("initial_learning_rate", _REQUIRED), ("decay_steps", _REQUIRED),
                         ("decay_rate", _REQUIRED), ("staircase", False),
                         ("name", "ExponentialDecay")),
    "PiecewiseConstantDecay": (("boundaries", _REQUIRED), ("values", _REQUIRED),
                               ("name", "PiecewiseConstant")),
    "PolynomialDecay": (("initial_learning_rate", _REQUIRED), ("decay_steps", _REQUIRED),
                        ("end_learning_rate", 0.0001), ("power", 1.0), ("cycle", False),
                        ("name", "PolynomialDecay")),
    "InverseTimeDecay": (("initial_learning_rate", _REQUIRED), ("decay_steps", _REQUIRED),
                         ("decay_rate", _REQUIRED), ("staircase", False),
                         ("name", "InverseTimeDecay")),
    "CosineDecay": (("initial_learning_rate", _REQUIRED), ("decay_steps", _REQUIRED),
                    ("alpha", 0.0), ("name", "CosineDecay"), ("warmup_target", None),
                    ("warmup_steps", 0)),
    "CosineDecayRestarts": (("initial_learning_rate", _REQUIRED),
                            ("first_decay_steps", _REQUIRED), ("t_mul", 2.0), ("m_mul", 1.0),
                            ("alpha", 0.0), ("name", "SGDRDecay")),
}


class LearningRateSchedule:
    """A learning-rate schedule's configuration (Keras's ``optimizers.schedules``), with
    Keras's arguments; fusedrnn does not train, so it is never evaluated."""

    _args: tuple = ()

    def __init__(self, *args, **kwargs):
        names = [name for name, _ in self._args]
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} arguments")
        given = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names or key in given:
                raise TypeError(f"{type(self).__name__}: unexpected or repeated argument "
                                f"{key!r}")
            given[key] = value
        missing = [n for n, default in self._args if default is _REQUIRED and n not in given]
        if missing:
            raise TypeError(f"{type(self).__name__} needs {missing}")
        self._config = {n: given.get(n, default) for n, default in self._args}

    def get_config(self) -> dict:
        return dict(self._config)

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __call__(self, step):
        raise NotImplementedError("fusedrnn runs inference only: learning-rate schedules "
                                  "are kept as configuration")


_SCHEDULES = {name: type(name, (LearningRateSchedule,), {"__module__": __name__,
                                                        "_args": args})
              for name, args in _SCHEDULE_ARGS.items()}


def _schedule_entry(schedule) -> dict:
    return {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def _schedule_from_config(config):
    cls = _SCHEDULES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"unknown learning-rate schedule {config.get('class_name')!r}")
    return cls.from_config(config.get("config") or {})


schedules = types.SimpleNamespace(**_SCHEDULES, LearningRateSchedule=LearningRateSchedule,
                                  serialize=_schedule_entry, deserialize=_schedule_from_config)


def deserialize(config, custom_objects=None):
    """An optimizer from its saved form: a name (``"adam"``) or ``{"class_name", "config"}``
    (Keras 2 or 3)."""
    objects = custom_objects or {}
    if isinstance(config, str):
        cls = objects.get(config) or {k.lower(): v for k, v in _CLASSES.items()}.get(
            config.lower())
        if cls is None:
            raise ValueError(f"unknown optimizer {config!r}; fusedrnn has "
                             f"{', '.join(sorted(_CLASSES))}")
        return cls()
    if isinstance(config, dict) and "class_name" in config:
        name = str(config["class_name"]).split(">")[-1]
        cls = (objects.get(config.get("registered_name")) or objects.get(name)
               or _CLASSES.get(name) or _CLASSES.get(name.replace("Legacy", "")))
        if cls is None:
            raise ValueError(f"unknown optimizer class {config['class_name']!r}")
        return cls.from_config(config.get("config") or {})
    raise ValueError(f"cannot read an optimizer from {config!r}")


def serialize(optimizer) -> dict:
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def get(identifier):
    """An optimizer from a name, a saved config or an optimizer."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    return deserialize(identifier)
