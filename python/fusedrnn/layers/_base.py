"""The Keras-style layer machinery: Layer, symbolic KerasTensor, Input/InputLayer.

A layer called on an array runs eagerly; called on a :class:`KerasTensor` (made by
:func:`Input`) it records a :class:`Node` of the graph that :class:`fusedrnn.models.Model`
runs. Masks travel beside values: ``layer._forward(x, mask=...)`` returns
``(outputs, output_mask)``.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import itertools
import re
import sys
from typing import Callable

import numpy as np

from .. import _backend

__all__ = [
    "Input",
    "InputLayer",
    "KerasTensor",
    "Layer",
    "Variable",
    "get_activation",
]


# --------------------------------------------------------------------------- activations


def _softmax(x, axis=-1):
    """Softmax over ``axis`` (an int or a tuple of axes)."""
    xp = _backend.array_module(x)
    m = xp.max(x, axis=axis, keepdims=True) if x.size else 0
    e = xp.exp(x - m)
    return e / xp.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    xp = _backend.array_module(x)
    m = xp.max(x, axis=axis, keepdims=True) if x.size else 0
    s = x - m
    return s - xp.log(xp.sum(xp.exp(s), axis=axis, keepdims=True))


def _sigmoid(x):
    """1 / (1 + exp(-x)), with x held above the point where exp(-x) would overflow (-88 in
    float32, -708 in float64) and the result zeroed below it (a product with the comparison,
    as TensorFlow's 0 there: x * sigmoid(x) stays 0 for x = -1e38). One pass of each operation
    and no select: NumPy's where took 10x the rest of it."""
    xp = _backend.array_module(x)
    x = xp.asarray(x)
    low = -88.0 if x.dtype == np.float32 else -708.0
    return (x > low) * (1 / (1 + xp.exp(-xp.maximum(x, low))))


def _elu(x):
    xp = _backend.array_module(x)
    return xp.where(x > 0, x, xp.expm1(xp.minimum(x, 0)))


def _softplus(x):
    xp = _backend.array_module(x)
    return xp.logaddexp(x, 0)


def _gelu(x):
    """Keras gelu (approximate=False): x * Phi(x), with the exact error function."""
    import math

    xp = _backend.array_module(x)
    if xp is np:
        from .._special import erf

        return 0.5 * x * (1 + erf(x / math.sqrt(2)).astype(x.dtype))
    import cupyx.scipy.special

    return 0.5 * x * (1 + cupyx.scipy.special.erf(x / math.sqrt(2)))


def _log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), finite for large |x|."""
    return -_softplus(-x)


def _hard_sigmoid(x):
    return _backend.array_module(x).clip((x + 3) / 6, 0, 1)


def _celu(x, alpha=1.0):
    xp = _backend.array_module(x)
    return xp.maximum(x, 0) + alpha * xp.expm1(xp.minimum(x, 0) / alpha)


def _glu(x, axis=-1):
    """The first half of ``axis`` gated by the sigmoid of the second half."""
    if x.shape[axis] % 2:
        raise ValueError(f"axis size must be divisible by 2. Received: x.shape={x.shape} "
                         f"with axis={axis}")
    a, b = _backend.array_module(x).split(x, 2, axis=axis)
    return a * _sigmoid(b)


def _hard_shrink(x, threshold=0.5):
    xp = _backend.array_module(x)
    return xp.where(xp.abs(x) > threshold, x, xp.zeros_like(x))


def _soft_shrink(x, threshold=0.5):
    xp = _backend.array_module(x)
    return xp.where(x > threshold, x - threshold,
                    xp.where(x < -threshold, x + threshold, xp.zeros_like(x)))


def _sparse_plus(x):
    xp = _backend.array_module(x)
    return xp.where(x <= -1, xp.zeros_like(x), xp.where(x < 1, (x + 1) ** 2 / 4, x))


def _sparse_sigmoid(x):
    xp = _backend.array_module(x)
    return xp.where(x <= -1, xp.zeros_like(x), xp.where(x >= 1, xp.ones_like(x), (x + 1) / 2))


def _squareplus(x, b=4):
    xp = _backend.array_module(x)
    return (x + xp.sqrt(x * x + xp.asarray(b, x.dtype))) / 2


def _sparsemax(x, axis=-1):
    """Sparsemax as Keras's TensorFlow backend computes it (sorted cumulative sums)."""
    xp = _backend.array_module(x)
    ordered = -xp.sort(-x, axis=axis)
    cumulative = xp.cumsum(ordered, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    r = xp.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
    support = ordered - (cumulative - 1) / r > 0
    k = xp.sum(support.astype(x.dtype), axis=axis, keepdims=True)
    tau = (xp.sum(xp.where(support, cumulative, 0), axis=axis, keepdims=True) - 1) / k
    return xp.maximum(x - tau, 0).astype(x.dtype, copy=False)


def _leaky_relu(x, negative_slope=0.2):
    return _backend.array_module(x).where(x > 0, x, negative_slope * x)


def _threshold_activation(x):
    raise TypeError("the 'threshold' activation takes the arguments `threshold` and "
                    "`default_value` (keras.activations.threshold(x, threshold, "
                    "default_value)); as a layer's activation name it has none, as in Keras")


_ACTIVATIONS: dict[str, Callable] = {
    "linear": lambda x: x,
    "tanh": lambda x: _backend.array_module(x).tanh(x),
    "sigmoid": _sigmoid,
    "hard_sigmoid": _hard_sigmoid,
    "hard_sigmoid_keras2": lambda x: _backend.array_module(x).clip(0.2 * x + 0.5, 0, 1),
    "relu": lambda x: _backend.array_module(x).maximum(x, 0),
    "relu6": lambda x: _backend.array_module(x).clip(x, 0, 6),
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "elu": _elu,
    "selu": lambda x: 1.0507009873554805 * _backend.array_module(x).where(
        x > 0, x, 1.6732632423543772 * _backend.array_module(x).expm1(
            _backend.array_module(x).minimum(x, 0))),
    "softplus": _softplus,
    "softsign": lambda x: x / (1 + _backend.array_module(x).abs(x)),
    "swish": lambda x: x * _sigmoid(x),
    "silu": lambda x: x * _sigmoid(x),
    "gelu": _gelu,
    "exponential": lambda x: _backend.array_module(x).exp(x),
    "celu": _celu,
    "glu": _glu,
    "hard_shrink": _hard_shrink,
    "hard_silu": lambda x: x * _hard_sigmoid(x),
    "hard_swish": lambda x: x * _hard_sigmoid(x),
    "hard_tanh": lambda x: _backend.array_module(x).clip(x, -1, 1),
    "leaky_relu": _leaky_relu,
    "log_sigmoid": _log_sigmoid,
    "mish": lambda x: x * _backend.array_module(x).tanh(_softplus(x)),
    "soft_shrink": _soft_shrink,
    "sparse_plus": _sparse_plus,
    "sparse_sigmoid": _sparse_sigmoid,
    "sparsemax": _sparsemax,
    "squareplus": _squareplus,
    "tanh_shrink": lambda x: x - _backend.array_module(x).tanh(x),
    "threshold": _threshold_activation,
}

# Activations a recurrent layer takes: every one that keeps the units axis and needs no
# argument (glu halves it, threshold has none of its own). The fused kernels compute
# _backend.KERNEL_ACTIVATIONS; layers with others run NumPy steps (fusedrnn.reference).
RNN_ACTIVATIONS = tuple(name for name in _ACTIVATIONS if name not in ("glu", "threshold"))


# Libraries whose activation functions are taken by name (see activation_name).
_ACTIVATION_LIBRARIES = ("keras", "tf_keras", "tensorflow", "fusedrnn", "torch", "jax", "numpy")


def _from_keras2(module: str) -> bool:
    """Whether a function of this module is Keras 2's (tf_keras; keras or tf.keras before
    Keras 3), whose hard_sigmoid is clip(0.2 x + 0.5, 0, 1), not Keras 3's clip(x / 6 + 0.5)."""
    root = module.split(".")[0]
    if root == "tf_keras" or module.startswith("tensorflow.python.keras"):
        return True
    if root != "keras":
        return False
    major = str(getattr(sys.modules.get("keras"), "__version__", "3")).split(".")[0]
    return major.isdigit() and int(major) < 3


def activation_name(activation, argument: str = "activation",
                    allowed: tuple[str, ...] | None = None) -> str:
    """Normalise a Keras activation argument (name, None, or a named function) to a name.

    Names are Keras 3's; Keras 2's ``hard_sigmoid`` function becomes ``"hard_sigmoid_keras2"``.
    """
    if activation is None:
        name = "linear"
    elif isinstance(activation, str):
        name = activation
    elif callable(activation) and getattr(activation, "__name__", None):
        # A library's own function (keras.activations.relu, tf.nn.tanh, torch.sigmoid, ...)
        # stands for the activation of its name. Any other function is code fusedrnn would not
        # run: taking it by its name alone would silently compute something else.
        name = activation.__name__
        module = getattr(activation, "__module__", None) or ""
        if module.split(".")[0] not in _ACTIVATION_LIBRARIES:
            raise ValueError(
                f"`{argument}`: custom activation functions are not supported (got {name!r} "
                f"from module {module or '?'!r}); pass the name of the built-in activation it "
                f"computes, one of {sorted(allowed if allowed is not None else _ACTIVATIONS)}"
            )
        if name == "hard_sigmoid" and _from_keras2(module):
            name = "hard_sigmoid_keras2"
    else:
        raise TypeError(f"`{argument}` must be an activation name or None, got {activation!r}")
    choices = allowed if allowed is not None else tuple(_ACTIVATIONS)
    if name not in choices:
        raise ValueError(
            f"unknown {argument} {activation!r}; expected one of {sorted(choices)}"
        )
    return name


def get_activation(name: str) -> Callable:
    # a layer's own (checked) name straight from the table: a streaming call asks per step
    found = _ACTIVATIONS.get(name) if type(name) is str else None
    return found if found is not None else _ACTIVATIONS[activation_name(name)]


# --------------------------------------------------------------------------- helpers


def keras_class_name(cls) -> str:
    """The Python class name Keras names a layer and its weights' group after (a class
    Keras exports under another name says so in ``_keras_class_name``)."""
    return cls.__dict__.get("_keras_class_name", cls.__name__)


def snake_case(name: str) -> str:
    """Keras's default layer naming: ``SimpleRNN`` -> ``simple_rnn``."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def as_float_array(x, what: str = "input", dtype=np.float32):
    """``x`` as a float array of ``dtype`` (NumPy or CuPy kept), TypeError if not numeric."""
    if type(x) is np.ndarray and x.dtype == dtype:
        return x
    if isinstance(x, KerasTensor):
        raise TypeError(f"{what} is symbolic here; pass an array")
    xp = _backend.array_module(x)
    try:
        arr = xp.asarray(x)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{what} must be a numeric array, got {type(x).__name__}: {exc}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{what} must be numeric (bool, int or float), got an array of dtype {arr.dtype}"
        )
    return arr.astype(dtype, copy=False)


def list_inputs(layer: Layer, inputs, what: str = "a list of arrays") -> list:
    """The eager inputs of a layer called on a list (merge, attention) as arrays of its dtype,
    checked by its ``_check_input_shape``, the layer built; TypeError when ``inputs`` is not a
    list (``what`` says what the layer takes) or mixes NumPy and CuPy arrays."""
    name = type(layer).__name__
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(f"{name} layer {layer.name!r} is called on {what}, got "
                        f"{type(inputs).__name__}")
    xs = [as_float_array(x, f"input {i} of {name} layer {layer.name!r}",
                         layer._compute_dtype) for i, x in enumerate(inputs)]
    shapes = [tuple(x.shape) for x in xs]
    layer._check_input_shape(shapes)
    layer._ensure_built(shapes)
    if len({_backend.array_module(x) for x in xs}) > 1:
        raise TypeError(f"inputs of {name} layer {layer.name!r} mix NumPy and CuPy arrays")
    return xs


def check_mask(mask, batch: int, timesteps: int, what: str = "mask"):
    """A (batch, timesteps) mask as booleans (None stays None); ValueError/TypeError naming
    ``what`` if not."""
    if mask is None:
        return None
    m = _backend.array_module(mask).asarray(mask)
    if m.shape != (batch, timesteps):
        raise ValueError(
            f"{what} must have shape (batch, timesteps) = {(batch, timesteps)}, got {m.shape}"
        )
    if m.dtype.kind not in "biuf":  # as ops.rnn_forward: booleans, or numbers (nonzero = real)
        raise TypeError(f"{what} must be boolean, got dtype {m.dtype}")
    return m.astype(bool)


def zero_masked_outputs(out, mask, go_backwards: bool, unroll: bool):
    """The outputs of a sequence (batch, steps, units; in the order the layer processed the
    steps, its masked steps repeating the last output) with ``zero_output_for_mask``: zeros at
    the masked steps. Keras's TensorFlow backend (Keras 2 and 3) does it otherwise when the
    layer is unrolled and goes backwards: its unrolled loop repeats the last output at a
    masked step (zeros before the first real one) and then zeroes the outputs, still in
    processing order, where the mask *in input order* is False
    (``keras/src/backend/tensorflow/rnn.py``; its loop for unroll=False, and JAX's backend,
    zero the masked steps themselves). Models trained that way get those outputs here too."""
    xp = _backend.array_module(out)
    m = xp.asarray(mask)
    processed = m[:, ::-1] if go_backwards else m
    out = out * processed[:, :, None].astype(out.dtype)
    if not (unroll and go_backwards):
        return out
    steps = xp.arange(m.shape[1])
    last = xp.maximum.accumulate(xp.where(processed, steps, -1), axis=1)  # last real step
    rows = xp.arange(m.shape[0])[:, None]
    repeated = xp.where((last >= 0)[:, :, None], out[rows, xp.maximum(last, 0)], 0)
    return repeated * m[:, :, None].astype(out.dtype)


def shape_str(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


class _WeightAttribute:
    """A layer's weight as Keras's attribute (``dense.kernel``, ``lstm.recurrent_kernel``):
    the Variable of that name, for layers that have it. A non-data descriptor, so a layer
    written by subclassing that sets ``self.kernel = self.add_weight(...)`` keeps its own
    (and attribute lookups stay at full speed: a ``__getattr__`` on Layer made every layer
    call ~0.5 us slower)."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, layer, owner=None):
        if layer is None:
            return self
        for key, weight in layer.__dict__.get("_param_names") or ():
            if self.name in (weight, key):
                return Variable(layer, key, weight)
        raise AttributeError(f"{type(layer).__name__!r} object has no attribute {self.name!r}"
                             f" (no such weight{'' if layer.built else ' yet: build it'})")


class Variable:
    """A layer weight: a named NumPy array with the few Keras Variable methods tutorials use."""

    def __init__(self, layer: Layer, key: str, name: str):
        self._layer = layer
        self._key = key
        self.name = name

    @property
    def value(self) -> np.ndarray:
        return self._layer._params[self._key]

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def path(self) -> str:
        return f"{self._layer.name}/{self.name}"

    @property
    def trainable(self) -> bool:
        """False for statistics a layer keeps (BatchNormalization's moving mean and variance)."""
        return self._key not in self._layer._non_trainable_keys

    def numpy(self) -> np.ndarray:
        return self.value.copy()

    def __array__(self, dtype=None, copy=None):
        v = self.value
        return v.astype(dtype) if dtype is not None else v.copy()

    def assign(self, value) -> None:
        value = np.asarray(value)
        if value.shape != self.shape:
            raise ValueError(
                f"cannot assign a value of shape {value.shape} to {self.path}: expected shape "
                f"{self.shape}"
            )
        self._layer._params[self._key] = np.array(value, dtype=self.value.dtype)
        self._layer._weights_changed()

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"

    # Arithmetic on its value, as Keras's variables allow in a layer's call (x * self.w + b).
    @property
    def ndim(self) -> int:
        return self.value.ndim

    def __getitem__(self, key):
        return self.value[key]

    def __neg__(self):
        return -self.value


def _variable_operator(name: str):
    def method(self, other):
        if isinstance(other, Variable):
            other = other.value
        return getattr(self.value, name)(other)

    method.__name__ = name
    return method


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__matmul__", "__rmatmul__", "__pow__",
              "__rpow__"):
    setattr(Variable, _name, _variable_operator(_name))


# --------------------------------------------------------------------------- symbolic graph


class KerasTensor:
    """A symbolic tensor: the shape (batch first, ``None`` = unknown) and where it came from."""

    def __init__(self, shape, dtype="float32", node: Node | None = None, index: int = 0,
                 name: str | None = None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self._node = node
        self._index = index
        self.name = name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def _keras_history(self):
        layer = self._node.layer
        return layer, layer._inbound_nodes.index(self._node), self._index

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __iter__(self):
        raise TypeError(
            "a KerasTensor cannot be iterated; call a layer with return_state=True to get a list"
        )

    # Operators add Keras operations to the graph, as Keras 3's do (``h[:, -1]``, ``h * 2``);
    # NumPy hands ``array * tensor`` to them instead of looping over the array.
    __array_ufunc__ = None

    def _op(self, class_name: str, *args, **params):
        from ._ops import operation

        return operation(class_name, *args, **params)

    def __getitem__(self, key):
        return self._op("GetItem", self, key)

    def __add__(self, other):
        return self._op("Add", self, other)

    def __radd__(self, other):
        return self._op("Add", other, self)

    def __sub__(self, other):
        return self._op("Subtract", self, other)

    def __rsub__(self, other):
        return self._op("Subtract", other, self)

    def __mul__(self, other):
        return self._op("Multiply", self, other)

    def __rmul__(self, other):
        return self._op("Multiply", other, self)

    def __truediv__(self, other):
        return self._op("TrueDivide", self, other)

    def __rtruediv__(self, other):
        return self._op("TrueDivide", other, self)

    def __floordiv__(self, other):
        return self._op("FloorDivide", self, other)

    def __rfloordiv__(self, other):
        return self._op("FloorDivide", other, self)

    def __mod__(self, other):
        return self._op("Mod", self, other)

    def __rmod__(self, other):
        return self._op("Mod", other, self)

    def __pow__(self, other):
        return self._op("Power", self, other)

    def __rpow__(self, other):
        return self._op("Power", other, self)

    def __matmul__(self, other):
        return self._op("Matmul", self, other)

    def __rmatmul__(self, other):
        return self._op("Matmul", other, self)

    def __neg__(self):
        return self._op("Negative", self)

    def __abs__(self):
        return self._op("Absolute", self)

    def __lt__(self, other):
        return self._op("Less", self, other)

    def __le__(self, other):
        return self._op("LessEqual", self, other)

    def __gt__(self, other):
        return self._op("Greater", self, other)

    def __ge__(self, other):
        return self._op("GreaterEqual", self, other)

    def __and__(self, other):
        return self._op("LogicalAnd", self, other)

    def __rand__(self, other):
        return self._op("LogicalAnd", other, self)

    def __or__(self, other):
        return self._op("LogicalOr", self, other)

    def __ror__(self, other):
        return self._op("LogicalOr", other, self)

    def __ne__(self, other):
        return self._op("NotEqual", self, other)

    def __xor__(self, other):
        return self._op("LogicalXor", self, other)

    def __rxor__(self, other):
        return self._op("LogicalXor", other, self)

    def __invert__(self):
        return self._op("LogicalNot", self)

    def __round__(self, ndigits=None):
        return self._op("Round", self, decimals=ndigits or 0)


class Node:
    """One call of a layer in a graph: its symbolic inputs, keyword arguments and outputs."""

    def __init__(self, layer: Layer, inputs, kwargs: dict, outputs: list[KerasTensor]):
        self.layer = layer
        self.inputs = inputs
        self.kwargs = kwargs
        self.outputs = outputs
        # Keras 3 hands a layer its input's mask only when that input is the call's one tensor
        # argument: an RNN called with initial_state tensors computes without it (its outputs
        # still carry it). Keras 2 handed it over; its saved models set this back to True.
        self.implicit_mask = not has_symbolic(list(kwargs.values()))
        self.input_dict: dict | None = None  # a model called on a dict: the dict as given

    @property
    def parent_tensors(self) -> list[KerasTensor]:
        return [t for t in flatten((self.inputs, list(self.kwargs.values())))
                if isinstance(t, KerasTensor)]


# While set (Model.evaluate), called with each layer and its outputs as a model runs them
# (nested models' layers and the layers wrappers run included): Keras's activity
# regularizers add to the loss there.
LAYER_OUTPUTS: contextvars.ContextVar = contextvars.ContextVar("layer_outputs", default=None)


def observe_outputs(layer: Layer, outputs) -> None:
    """Hands ``layer``'s outputs to the observer set by Model.evaluate, if any."""
    observe = LAYER_OUTPUTS.get()
    if observe is not None:
        observe(layer, outputs)


def flatten(obj) -> list:
    if isinstance(obj, (list, tuple)):
        out = []
        for o in obj:
            out.extend(flatten(o))
        return out
    return [obj]


def flat_keys(d: dict) -> list:
    """A dict's keys in the order Keras flattens it (``tree.flatten``): sorted, or as given
    when they do not sort."""
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def flat_values(d: dict) -> list:
    """A dict's values in Keras's flat order (a model's dict inputs and outputs)."""
    return [d[k] for k in flat_keys(d)]


def has_symbolic(obj) -> bool:
    """Whether ``obj`` (an array, a tensor or nested lists of them) holds a KerasTensor."""
    if type(obj) is np.ndarray:  # the common eager case, answered without the walk
        return False
    return any(isinstance(t, KerasTensor) for t in flatten(obj))


# --------------------------------------------------------------------------- Layer


_CREATION_ORDER = itertools.count()


def _is_training_arg(name: str) -> bool:
    """A constructor argument only training uses: regularizers, constraints, dropout rates."""
    return name.endswith(("_regularizer", "_constraint")) or name in ("dropout",
                                                                      "recurrent_dropout")


def _keep_training_arg(layer, name: str, value) -> None:
    """Keep a training-only argument as given (get_config, saving and clones write it, and
    ``evaluate`` adds regularization penalties); a name is checked (a typo is an error, as in
    Keras); a saved config (a dict, maybe of a user's class) is kept as it is."""
    if isinstance(value, str) and name.endswith(("_regularizer", "_constraint")):
        from .. import constraints, regularizers

        (regularizers if name.endswith("_regularizer") else constraints).get(value)
    layer.__dict__.setdefault("_training_args", {}).setdefault(name, value)


def _keeping_training_args(init, names: list[str]):
    """``init`` that first keeps the training-only arguments it is given (not defaults)."""
    signature = inspect.signature(init)
    defaults = {n: signature.parameters[n].default for n in names}

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        try:
            given = signature.bind(self, *args, **kwargs).arguments
        except TypeError:
            given = {}  # init raises the error
        for name in names:
            value = given.get(name, defaults[name])
            if value is not None and not (isinstance(value, (int, float))
                                          and value == defaults[name]):
                _keep_training_arg(self, name, value)
        init(self, *args, **kwargs)

    return __init__


def training_config(layer) -> dict:
    """The training-only arguments a layer was given, as Keras writes them in its config:
    regularizer and constraint objects serialized, a saved config kept (without Keras's
    object-sharing ids), names and rates as they are; anything else (a Python function) is
    left out."""
    from .. import constraints, initializers, regularizers
    from .._configurable import Configurable

    out = {}
    for name, value in layer.__dict__.get("_training_args", {}).items():
        if isinstance(value, Configurable):
            module = (regularizers if isinstance(value, regularizers.Regularizer)
                      else constraints if isinstance(value, constraints.Constraint)
                      else initializers)
            out[name] = module.serialize(value)
        elif isinstance(value, dict):
            out[name] = {k: v for k, v in value.items() if k != "shared_object_id"}
        elif isinstance(value, (str, int, float)):
            out[name] = value
    return out


class Layer:
    """Base of every fusedrnn layer.

    Common keyword arguments (Keras 3): ``name``, ``dtype`` (default float32; ``"float64"``
    computes recurrent layers with the float64 reference), ``trainable``.
    Keras 2 arguments accepted by every layer: ``input_shape``, ``batch_input_shape``,
    ``batch_size``, ``input_dim`` (and ``input_length`` for recurrent layers), ``weights``
    (initial weights, set once the layer is built).
    """

    # A symbolic call takes its input tensors as positional arguments (a Keras operation's
    # operands; MultiHeadAttention's query, value, key), which its node keeps as a list.
    _positional_inputs = False
    # Its calls in a Keras 3 model take the masks off the tensors they read (Model._execute).
    _consumes_input_masks = False
    # It reads its inputs' masks off the tensors (query_mask=, value_mask= ... filled from
    # them), so it sees none on a tensor an earlier call took them off (Model._execute).
    _reads_tensor_masks = False
    # Loaded from a Keras 2 model, whose mask rules it follows where they differ from Keras 3.
    _keras2_masks = False
    # A class written by a user (Keras's subclassing API: its own ``call``; see _custom).
    _user_call = False
    # Keras's weight attributes (see _WeightAttribute)
    kernel = _WeightAttribute()
    bias = _WeightAttribute()
    recurrent_kernel = _WeightAttribute()
    embeddings = _WeightAttribute()
    reverse_embeddings = _WeightAttribute()
    gamma = _WeightAttribute()
    beta = _WeightAttribute()
    moving_mean = _WeightAttribute()
    moving_variance = _WeightAttribute()
    depthwise_kernel = _WeightAttribute()
    pointwise_kernel = _WeightAttribute()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        from . import _custom

        cls._user_call = _custom.is_user_class(cls)
        if cls._user_call:
            cls._positional_inputs = True
        init = cls.__dict__.get("__init__")
        if init is not None and not cls._user_call:
            names = [n for n in inspect.signature(init).parameters if _is_training_arg(n)]
            if names:
                cls.__init__ = _keeping_training_args(init, names)

    def __init__(self, *, name: str | None = None, dtype=None, trainable: bool = True,
                 input_shape=None, batch_input_shape=None, batch_size=None, input_dim=None,
                 weights=None, autocast: bool = True, activity_regularizer=None, **kwargs):
        if activity_regularizer is not None:  # Keras 3 takes it on every layer
            _keep_training_arg(self, "activity_regularizer", activity_regularizer)
        if kwargs:
            raise TypeError(
                f"unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}"
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string, got {name!r}")
        self._auto_name = name is None
        self._creation_index = next(_CREATION_ORDER)  # Keras names layers in this order
        self.name = name if name is not None else self._default_name()
        if isinstance(dtype, dict):  # a serialized policy
            dtype = dtype.get("config", {}).get("name", "float32")
        dtype = getattr(dtype, "name", dtype)
        if dtype is None or dtype in ("float32", "mixed_float16", "mixed_bfloat16"):
            self._compute_dtype = np.dtype(np.float32)
        else:
            try:
                self._compute_dtype = np.dtype(dtype)
            except TypeError as exc:
                raise ValueError(f"unknown dtype {dtype!r}") from exc
            if self._compute_dtype not in (np.float32, np.float64):
                raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
        self.dtype = self._compute_dtype.name
        self.trainable = trainable
        self.built = False
        self.supports_masking = not self._user_call  # Keras 3: a user layer opts in
        self._params: dict[str, np.ndarray] = {}
        self._param_names: list[tuple[str, str]] = []  # (key, Keras variable name)
        self._non_trainable_keys: set[str] = set()
        self._inbound_nodes: list[Node] = []
        self._initial_weights = weights
        if input_shape is None and input_dim is not None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            self._batch_input_shape = (batch_size, *tuple(input_shape))
        else:
            self._batch_input_shape = None

    # ----------------------------------------------------------- pickling
    def __getstate__(self) -> dict:
        """Pickling and ``copy.deepcopy`` take the configuration, the weights and any carried
        states; not what is derived from the weights (a recurrent layer's packed kernels, its
        cell view), which the next call rebuilds."""
        state = self.__dict__.copy()
        state.pop("_cell_view", None)
        if "_packed" in state:
            state["_packed"] = {}
        return state

    # ----------------------------------------------------------- naming
    @classmethod
    def _base_name(cls) -> str:
        return snake_case(keras_class_name(cls))

    def _default_name(self) -> str:
        return self._base_name()

    # ----------------------------------------------------------- weights
    def _add_weight(self, key: str, value: np.ndarray, name: str | None = None,
                    trainable: bool = True) -> None:
        self._params[key] = np.asarray(value, dtype=self._compute_dtype)
        self._param_names.append((key, name or key))
        if not trainable:
            self._non_trainable_keys.add(key)

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, name=None,
                   **kwargs) -> Variable:
        """Keras's ``add_weight`` for layers written by subclassing (regularizers, constraints
        and the like are accepted and have no effect at inference)."""
        from . import _custom

        return _custom.add_weight(self, shape, initializer, dtype, trainable, name, **kwargs)

    @property
    def weights(self) -> list[Variable]:
        if self._user_call:
            from . import _custom

            return _custom.weights(self)
        return [Variable(self, key, name) for key, name in self._param_names]

    @property
    def trainable_weights(self) -> list[Variable]:
        return [w for w in self.weights if w.trainable] if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return self.weights
        return [w for w in self.weights if not w.trainable]

    @property
    def variables(self) -> list[Variable]:
        return self.weights

    def get_weights(self) -> list[np.ndarray]:
        """The weights as NumPy copies, in Keras's order."""
        if self._user_call:
            from . import _custom

            return _custom.get_weights(self)
        return [self._params[key].copy() for key, _ in self._param_names]

    def _expected_weight_shapes(self) -> list[tuple[int, ...]]:
        if self._user_call:
            from . import _custom

            return _custom.expected_shapes(self)
        return [self._params[key].shape for key, _ in self._param_names]

    def set_weights(self, weights) -> None:
        """Set the weights from arrays in Keras's order (copied). ValueError on a wrong count
        or shape, naming the expected shapes."""
        if self._user_call:
            from . import _custom

            return _custom.set_weights(self, weights)
        if not self.built:
            raise ValueError(
                f"layer {self.name!r} is not built yet; call it on an input (or give it an "
                "input shape) before set_weights()"
            )
        weights = list(weights)
        expected = self._expected_weight_shapes()
        names = [name for _, name in self._param_names]
        if len(weights) != len(expected):
            raise ValueError(
                f"layer {self.name!r} expects {len(expected)} weight arrays "
                f"{_describe(names, expected)}, but set_weights received {len(weights)}"
            )
        arrays = []
        for i, (w, shape, name) in enumerate(zip(weights, expected, names)):
            arr = as_float_array(_backend.to_numpy(w), f"weight {i} ({name})",
                                 self._compute_dtype)
            if arr.shape != tuple(shape):
                raise ValueError(
                    f"layer {self.name!r}: weight {i} ({name}) has shape {arr.shape}, expected "
                    f"{tuple(shape)}; expected shapes {_describe(names, expected)}"
                )
            arrays.append(np.array(arr, copy=True))
        for (key, _), arr in zip(self._param_names, arrays):
            self._params[key] = arr
        self._weights_changed()

    def _weights_changed(self) -> None:
        """Hook: invalidate anything derived from the weights (their device copies here;
        packed kernels in the recurrent layers)."""
        self.__dict__.pop("_device_params", None)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"you tried to call count_params on layer {self.name!r}, but the layer isn't "
                "built; call it on an input or give it an input shape first"
            )
        return int(sum(int(np.prod(s)) for s in self._expected_weight_shapes()))

    # ----------------------------------------------------------- shapes
    def build(self, input_shape) -> None:
        self.built = True

    def _ensure_built(self, input_shape) -> None:
        if not self.built:
            self.build(tuple(input_shape))
            self.built = True
            if self._initial_weights is not None:
                w, self._initial_weights = self._initial_weights, None
                self.set_weights(w)

    def _check_input_shape(self, shape) -> None:
        """Raise ValueError when ``shape`` cannot be this layer's input."""

    def _prepare_input(self, inputs):
        """An eager call's input as an array of the layer's dtype, checked, the layer built."""
        x = as_float_array(inputs, f"input of {type(self).__name__} layer {self.name!r}",
                           self._compute_dtype)
        self._check_input_shape(x.shape)
        self._ensure_built(x.shape)
        return x

    def compute_output_shape(self, input_shape):
        if self._user_call:  # its call decides (Keras 3 traces it): run on probe arrays
            from . import _custom

            return _custom.output_shape(self, input_shape)
        return tuple(input_shape)

    @property
    def input_shape(self):
        return self._node_attr(lambda n: n.inputs.shape, "input_shape")

    @property
    def output_shape(self):
        def out(n):
            shapes = [t.shape for t in n.outputs]
            return shapes if self._multi_output() or len(shapes) > 1 else shapes[0]

        return self._node_attr(out, "output_shape")

    @property
    def input(self):
        return self._node_attr(lambda n: n.inputs, "input")

    @property
    def output(self):
        return self._node_attr(
            lambda n: list(n.outputs) if self._multi_output() or len(n.outputs) > 1
            else n.outputs[0], "output")

    def _multi_output(self) -> bool:
        """Whether every call gives a list of outputs (a call may also ask for several)."""
        return False

    def _node_attr(self, fn, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f"the layer {self.name!r} has never been called on a symbolic input and thus "
                f"has no defined {what}"
            )
        values = [fn(n) for n in self._inbound_nodes]
        if any(v != values[0] for v in values[1:]):
            raise AttributeError(
                f"the layer {self.name!r} has multiple inbound nodes with different {what}s"
            )
        return values[0]

    # ----------------------------------------------------------- calling
    def __call__(self, inputs, *args, **kwargs):
        if self._user_call:
            from . import _custom

            outputs = _custom.call(self, (inputs, *args), kwargs)
            if not has_symbolic(outputs):
                observe_outputs(self, outputs)
            return outputs
        if args:
            raise TypeError(
                f"{type(self).__name__} takes one positional input; pass other arguments by "
                "keyword (initial_state=, mask=, training=)"
            )
        if has_symbolic(inputs) or (kwargs and has_symbolic(list(kwargs.values()))):
            return self._symbolic_call(inputs, **kwargs)
        outputs, _ = self._forward(inputs, **kwargs)
        observe_outputs(self, outputs)  # layers a subclassed model or user layer calls
        return outputs

    def call(self, inputs, mask=None, training=False, **kwargs):
        """Run the layer eagerly on arrays; returns what calling the layer returns."""
        return self._forward(inputs, mask=mask, training=training, **kwargs)[0]

    def compute_mask(self, inputs, mask=None):
        return mask

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        """Eager computation: returns (outputs, output_mask). Subclasses override (a layer
        written by subclassing runs its ``call``)."""
        if self._user_call:
            from . import _custom

            return _custom.forward(self, inputs, mask, training, **kwargs)
        raise NotImplementedError

    def _symbolic_input_shape(self, inputs):
        """The shape a symbolic call's ``inputs`` give the layer's shape hooks."""
        if not isinstance(inputs, KerasTensor):
            raise TypeError(
                f"{type(self).__name__} called on {type(inputs).__name__}; a symbolic call "
                "takes a single KerasTensor (from Input()) as its input"
            )
        return inputs.shape

    def _symbolic_call(self, inputs, **kwargs):
        input_shape = self._symbolic_input_shape(inputs)
        kwargs.pop("training", None)
        self._check_input_shape(input_shape)
        self._ensure_built(input_shape)
        shapes = self._symbolic_output_shapes(input_shape, **kwargs)
        node = Node(self, inputs, kwargs, [])
        dtype = self._symbolic_output_dtype()
        outs = [KerasTensor(s, dtype, node, i) for i, s in enumerate(shapes)]
        node.outputs = outs
        self._inbound_nodes.append(node)
        # Several outputs: a layer that always gives them (return_state), or a call that asked
        # for them (Attention's return_attention_scores).
        return outs if self._multi_output() or len(outs) > 1 else outs[0]

    def _output_masks(self, mask):
        """The masks of the outputs when the input's mask is ``mask`` (the structure
        :meth:`_forward` returns them in). Needed for layers that take tensor arguments
        besides their input (see :attr:`Node.implicit_mask`)."""
        if self._user_call:
            from . import _custom

            first = mask[0] if isinstance(mask, list) else mask
            return _custom.output_masks(self, None, first)
        raise NotImplementedError

    def _symbolic_output_dtype(self) -> str:
        """The dtype of a symbolic call's outputs: the layer's (TextVectorization's ids are
        int64)."""
        return self.dtype

    def _symbolic_output_shapes(self, input_shape, mask=None, **kwargs) -> list[tuple]:
        if kwargs:
            raise TypeError(
                f"{type(self).__name__} got unexpected call arguments {sorted(kwargs)}"
            )
        return [tuple(self.compute_output_shape(input_shape))]

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype,
                **training_config(self)}

    @classmethod
    def from_config(cls, config: dict):
        """The layer ``get_config()`` describes (Keras's default: ``cls(**config)``)."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def serialize_layer(layer: Layer) -> dict:
    """A layer held in another's config (Bidirectional's ``layer``, an RNN's ``cell``) as
    Keras 3 serializes it there: module, class name and config (a model's config is its
    graph's, under Keras's class name for it)."""
    from ..models import Model, Sequential

    cls = type(layer)
    own = cls.__module__.startswith("fusedrnn.")
    name = cls.__name__
    if isinstance(layer, Model) and not layer._user_call:
        name = "Sequential" if isinstance(layer, Sequential) else "Functional"
        own = True
    return {"module": ("keras.layers" if own else cls.__module__), "class_name": name,
            "config": layer.get_config(), "registered_name": None if own else name}


def deserialize_layer(obj, custom_objects=None):
    """The layer that :func:`serialize_layer`'s form (or Keras's) describes, with fresh
    weights; a layer is returned as it is. A class written by subclassing is found in
    ``custom_objects`` or, if its module is imported, there."""
    if isinstance(obj, Layer) or not (isinstance(obj, dict) and "class_name" in obj):
        return obj  # the constructor names what it takes
    from .. import saving

    known = dict(saving._CUSTOM_OBJECTS.get() or {})
    known.update(custom_objects or {})
    name = obj["class_name"]
    module = sys.modules.get(str(obj.get("module")))
    cls = getattr(module, name, None) if module is not None else None
    if name not in known and isinstance(cls, type) and issubclass(cls, Layer) and not (
            cls.__module__.startswith(("fusedrnn.", "keras"))):
        known[name] = cls
    with saving._custom_objects(known):
        return saving._layer_from_config(obj)


def user_classes(obj) -> dict:
    """The classes written by subclassing among ``obj`` and the layers it holds (attributes,
    lists, dicts, deeply), by name: what rebuilding its layers from their configs needs."""
    return {type(layer).__name__: type(layer) for layer in _held_layers(obj, set())
            if not type(layer).__module__.startswith("fusedrnn.")}


def _held_layers(obj, seen: set[int]):
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, Layer):
        yield obj
        items = vars(obj).values()
    elif isinstance(obj, (list, tuple)):
        items = obj
    elif isinstance(obj, dict):
        items = obj.values()
    else:
        return
    for item in items:
        if isinstance(item, (Layer, list, tuple, dict)):
            yield from _held_layers(item, seen)


def check_parts_weights(owner: Layer, names: list[str], parts, weights) -> list:
    """``weights`` as a list, checked against the shapes of ``parts`` (the layers or cells a
    composite layer holds, in order; ``names`` one per array): ValueError naming every expected
    shape when the count or a shape is wrong, before anything is set."""
    if not owner.built:
        raise ValueError(
            f"layer {owner.name!r} is not built yet; call it on an input (or give it an "
            "input shape) before set_weights()"
        )
    weights = list(weights)
    expected = [tuple(s) for part in parts for s in part._expected_weight_shapes()]
    if len(weights) != len(expected):
        raise ValueError(
            f"layer {owner.name!r} expects {len(expected)} weight arrays "
            f"{_describe(names, expected)}, but set_weights received {len(weights)}"
        )
    for i, (w, shape, name) in enumerate(zip(weights, expected, names)):
        got = tuple(np.shape(_backend.to_numpy(w)))
        if got != shape:
            raise ValueError(
                f"layer {owner.name!r}: weight {i} ({name}) has shape {got}, expected "
                f"{shape}; expected shapes {_describe(names, expected)}"
            )
    return weights


def set_parts_weights(parts, weights: list) -> None:
    """Give each part (layers or cells, in order) its share of ``weights``, already checked
    against all of their shapes."""
    start = 0
    for part in parts:
        n = len(part._expected_weight_shapes())
        part.set_weights(weights[start:start + n])
        start += n


def _describe(names, shapes) -> str:
    return "[" + ", ".join(f"{n} {tuple(s)}" for n, s in zip(names, shapes)) + "]"


# --------------------------------------------------------------------------- Input


class InputLayer(Layer):
    """The entry of a functional model; ``Input(...)`` returns its output tensor."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, *, input_shape=None,
                 batch_input_shape=None, ragged=None, **kwargs):
        if sparse or ragged:
            raise ValueError("sparse and ragged inputs are not supported")
        if input_tensor is not None:
            raise ValueError("input_tensor is not supported; pass shape= instead")
        if shape is None:
            shape = input_shape
        if batch_shape is None:
            batch_shape = batch_input_shape
        if batch_shape is None:
            if shape is None:
                raise ValueError("Input needs shape= (without the batch) or batch_shape=")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size, *tuple(shape))
        super().__init__(name=name, **kwargs)
        if dtype is None:
            self.input_dtype = "float32"
        elif dtype in ("string", str, "str"):  # raw text, for TextVectorization
            self.input_dtype = "string"
        else:
            self.input_dtype = np.dtype(dtype).name
        self._batch_shape = _input_shape(batch_shape)
        self.built = True
        node = Node(self, None, {}, [])
        tensor = KerasTensor(self._batch_shape, self.input_dtype, node, 0, name=self.name)
        node.outputs = [tensor]
        self._inbound_nodes.append(node)
        self._output_tensor = tensor

    @classmethod
    def _base_name(cls) -> str:
        return "input"  # Keras 2 numbers inputs from 1: input_1, input_2, ...

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def output_shape(self):
        return [self._batch_shape]  # Keras 2 shows an InputLayer's shape as a list

    def _forward(self, inputs, mask=None, training=False, **kwargs):
        return inputs, mask


def _input_shape(batch_shape) -> tuple:
    """An Input's batch shape: sizes that are non-negative integers, or None (unknown)."""
    try:
        dims = list(batch_shape)
    except TypeError:
        raise ValueError(f"Input shape must be a tuple of sizes; got {batch_shape!r}") from None
    for d in dims:
        if d is not None and (isinstance(d, (bool, np.bool_)) or not isinstance(
                d, (int, np.integer)) or d < 0):
            raise ValueError(f"Input shape sizes must be non-negative integers or None; got "
                             f"{d!r} in the batch shape {tuple(dims)}")
    return tuple(None if d is None else int(d) for d in dims)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, **kwargs) -> KerasTensor:
    """A symbolic input: ``Input(shape=(timesteps, features))`` -> KerasTensor (None, t, f)."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, input_tensor=tensor, optional=optional,
                       name=name, **kwargs)
    return layer._output_tensor
