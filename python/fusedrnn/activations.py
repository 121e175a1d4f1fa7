"""Keras's activation functions (``keras.activations`` becomes ``fusedrnn.activations``).

Each takes an array (NumPy, or CuPy) and can be given to a layer in place of its name:
``Dense(3, activation=fusedrnn.activations.relu)`` is ``Dense(3, activation="relu")``. The
recurrent layers' kernels implement tanh, sigmoid, hard_sigmoid, hard_sigmoid_keras2, relu and
linear (a recurrent layer with another of these, but glu and threshold, runs NumPy steps);
Dense and Activation take every function here. ``hard_sigmoid`` is Keras 3's,
clip(x / 6 + 0.5, 0, 1); ``hard_sigmoid_keras2`` is Keras 2's, clip(0.2 x + 0.5, 0, 1), which
``load_model`` uses for the hard_sigmoid of a model Keras 2 saved.
"""

from __future__ import annotations

from collections.abc import Callable

from .layers import _base
from .layers._base import _ACTIVATIONS, activation_name

__all__ = [
    "celu",
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_sigmoid_keras2",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
]


def _named(name: str) -> Callable:
    compute = _ACTIVATIONS[name]

    def activation(x):
        return compute(x)

    activation.__name__ = activation.__qualname__ = name
    activation.__doc__ = f"Keras's {name!r} activation, as ``activation={name!r}``."
    return activation


def _array(x):
    """``x`` as an array (NumPy or CuPy kept): ints and bools as float32, as Keras's."""
    from . import _backend

    x = _backend.array_module(x).asarray(x)
    return x if x.dtype.kind in "fc" else x.astype("float32")


def _with_params(name: str, compute: Callable, signature: Callable) -> Callable:
    """Keras's activation ``name`` with its parameters (``signature`` gives their names and
    defaults; ``compute(x, **params)`` computes it)."""
    import functools

    @functools.wraps(signature)
    def activation(x, *args, **kwargs):
        return compute(_array(x), *args, **kwargs)

    activation.__name__ = activation.__qualname__ = name
    activation.__doc__ = f"Keras's {name!r} activation, as ``activation={name!r}``."
    return activation


exponential = _named("exponential")
hard_sigmoid = _named("hard_sigmoid")
hard_sigmoid_keras2 = _named("hard_sigmoid_keras2")
hard_silu = _named("hard_silu")
hard_swish = _named("hard_swish")
hard_tanh = _named("hard_tanh")
linear = _named("linear")
log_sigmoid = _named("log_sigmoid")
mish = _named("mish")
relu6 = _named("relu6")
selu = _named("selu")
sigmoid = _named("sigmoid")
silu = _named("silu")
softplus = _named("softplus")
softsign = _named("softsign")
sparse_plus = _named("sparse_plus")
sparse_sigmoid = _named("sparse_sigmoid")
swish = _named("swish")
tanh = _named("tanh")
tanh_shrink = _named("tanh_shrink")


def _elu(x, alpha=1.0):
    xp = _base._backend.array_module(x)
    return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0)))


def _gelu(x, approximate=False):
    from .layers._ops import _gelu_op

    return _gelu_op(_base._backend.array_module(x), x, approximate)


def _relu(x, negative_slope=0.0, max_value=None, threshold=0.0):  # noqa: F811
    """Keras's relu with its options: ``negative_slope * (x - threshold)`` below
    ``threshold``, capped at ``max_value``."""
    xp = _base._backend.array_module(x)
    if negative_slope == 0 and max_value is None and threshold == 0:
        return xp.maximum(x, 0)
    out = xp.where(x >= threshold, x, 0 if negative_slope == 0 else negative_slope
                   * (x - threshold)) if threshold != 0 else xp.where(
        x >= 0, x, negative_slope * x)
    if max_value is not None:
        out = xp.minimum(out, max_value)
    return out.astype(x.dtype, copy=False)


def _threshold(x, threshold, default_value):
    xp = _base._backend.array_module(x)
    return xp.where(x > threshold, x, xp.asarray(default_value, x.dtype))


def _signature_celu(x, alpha=1.0): ...
def _signature_elu(x, alpha=1.0): ...
def _signature_gelu(x, approximate=False): ...
def _signature_glu(x, axis=-1): ...
def _signature_shrink(x, threshold=0.5): ...
def _signature_leaky_relu(x, negative_slope=0.2): ...
def _signature_axis(x, axis=-1): ...
def _signature_squareplus(x, b=4): ...
def _signature_relu(x, negative_slope=0.0, max_value=None, threshold=0.0): ...
def _signature_threshold(x, threshold, default_value): ...


celu = _with_params("celu", _base._celu, _signature_celu)
elu = _with_params("elu", _elu, _signature_elu)
gelu = _with_params("gelu", _gelu, _signature_gelu)
glu = _with_params("glu", _base._glu, _signature_glu)
hard_shrink = _with_params("hard_shrink", _base._hard_shrink, _signature_shrink)
leaky_relu = _with_params("leaky_relu", _base._leaky_relu, _signature_leaky_relu)
log_softmax = _with_params("log_softmax", _base._log_softmax, _signature_axis)
relu = _with_params("relu", _relu, _signature_relu)
soft_shrink = _with_params("soft_shrink", _base._soft_shrink, _signature_shrink)
softmax = _with_params("softmax", _base._softmax, _signature_axis)
sparsemax = _with_params("sparsemax", _base._sparsemax, _signature_axis)
squareplus = _with_params("squareplus", _base._squareplus, _signature_squareplus)
threshold = _with_params("threshold", _threshold, _signature_threshold)


def get(identifier) -> Callable:
    """The activation function for a name, None (linear) or one of these functions, as
    ``keras.activations.get``; ValueError for anything else."""
    return globals()[activation_name(identifier, "identifier")]


def serialize(activation) -> str:
    """An activation's saved name, as ``keras.activations.serialize`` gives it."""
    return activation_name(activation, "activation")


def deserialize(name, custom_objects=None) -> Callable:
    """The activation function a saved name (or ``custom_objects`` entry) stands for."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return get(name)
