"""Keras's activation functions (``keras.activations`` becomes ``fusedrnn.activations``).

Each takes an array (NumPy, or CuPy) and can be given to a layer in place of its name:
``Dense(3, activation=fusedrnn.activations.relu)`` is ``Dense(3, activation="relu")``. The
recurrent layers' kernels implement tanh, sigmoid, hard_sigmoid, hard_sigmoid_keras2, relu and
linear; Dense and Activation take every function here. ``hard_sigmoid`` is Keras 3's,
clip(x / 6 + 0.5, 0, 1); ``hard_sigmoid_keras2`` is Keras 2's, clip(0.2 x + 0.5, 0, 1), which
``load_model`` uses for the hard_sigmoid of a model Keras 2 saved.
"""

from __future__ import annotations

from collections.abc import Callable

from .layers._base import _ACTIVATIONS, activation_name

__all__ = [
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "hard_sigmoid",
    "hard_sigmoid_keras2",
    "linear",
    "log_softmax",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]


def _named(name: str) -> Callable:
    compute = _ACTIVATIONS[name]

    def activation(x):
        return compute(x)

    activation.__name__ = activation.__qualname__ = name
    activation.__doc__ = f"Keras's {name!r} activation, as ``activation={name!r}``."
    return activation


elu = _named("elu")
exponential = _named("exponential")
gelu = _named("gelu")
hard_sigmoid = _named("hard_sigmoid")
hard_sigmoid_keras2 = _named("hard_sigmoid_keras2")
linear = _named("linear")
log_softmax = _named("log_softmax")
relu = _named("relu")
relu6 = _named("relu6")
selu = _named("selu")
sigmoid = _named("sigmoid")
silu = _named("silu")
softmax = _named("softmax")
softplus = _named("softplus")
softsign = _named("softsign")
swish = _named("swish")
tanh = _named("tanh")


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
