"""Serving recurrent layers trained in PyTorch: their parameters in Keras's layout.

A ``torch.nn.RNN`` / ``GRU`` / ``LSTM`` layer computes exactly what fusedrnn's ``SimpleRNN`` /
``GRU(reset_after=True)`` / ``LSTM`` compute with these weights (``SEMANTICS.md``):

- kernel = W_ih.T, recurrent_kernel = W_hh.T;
- RNN and LSTM: bias = b_ih + b_hh (LSTM gates i, f, g, o are Keras's i, f, c, o);
- GRU: torch's gate order r, z, n becomes Keras's z, r, h, and the two biases stay apart:
  bias = [b_ih, b_hh], shape (2, 3 * units).

Only the parameters are converted: ``batch_first=False`` modules take (timesteps, batch,
features) inputs where fusedrnn takes (batch, timesteps, features), and a torch RNN with
``nonlinearity="relu"`` needs ``SimpleRNN(..., activation="relu")``. Neither torch nor any
other package is needed here; tensors are accepted and converted with NumPy.

    import torch, fusedrnn
    from fusedrnn.torch_compat import keras_weights_from_state_dict
    net = torch.nn.LSTM(32, 64, num_layers=2, bidirectional=True, batch_first=True)
    model = fusedrnn.models.Sequential([
        fusedrnn.layers.Input((None, 32)),
        fusedrnn.layers.Bidirectional(fusedrnn.layers.LSTM(64, return_sequences=True)),
        fusedrnn.layers.Bidirectional(fusedrnn.layers.LSTM(64, return_sequences=True)),
    ])
    sd = net.state_dict()
    model.set_weights(keras_weights_from_state_dict(sd, "lstm", layer=0, bidirectional=True)
                      + keras_weights_from_state_dict(sd, "lstm", layer=1, bidirectional=True))

A server needs no torch at all: :func:`load_state_dict` reads the file
``torch.save(net.state_dict(), "net.pt")`` wrote (or a ``.safetensors`` file) as NumPy
arrays, and ``layers_from_torch(spec, state_dict=...)`` builds the layers from it and the
JSON ``torch_spec(net, weights=False)`` gave at training time.
"""

from __future__ import annotations

import collections
import json
import math
import os
import pickle
import zipfile

import numpy as np

__all__ = ["keras_weights_from_state_dict", "keras_weights_from_torch", "layers_from_torch",
           "load_state_dict", "model_from_torch", "torch_spec"]

_GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}


def _array(value, what: str) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor, without importing torch
        value = value.detach().cpu().numpy()
    a = np.asarray(value)
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"{what} must be a numeric array or tensor, got dtype {a.dtype}")
    return a.astype(np.float32)


def _gru_order(a: np.ndarray, units: int) -> np.ndarray:
    """torch r, z, n -> Keras z, r, h along the first axis, and back (it swaps the first two
    blocks, so it is its own inverse)."""
    return np.concatenate([a[units:2 * units], a[:units], a[2 * units:]], axis=0)


def keras_weights_from_torch(cell, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """``[kernel, recurrent_kernel(, bias)]`` for fusedrnn's layer equal to one torch layer.

    ``cell``: "simple_rnn" (torch RNN), "gru" (use ``GRU(reset_after=True)``, Keras's default)
    or "lstm". ``weight_ih`` (gates*units, input_dim), ``weight_hh`` (gates*units, units), the
    biases (gates*units,) or both None (torch ``bias=False``: build the layer with
    ``use_bias=False``). Raises ValueError naming the expected shapes.
    """
    if cell not in _GATES:
        raise ValueError(f"unknown cell {cell!r}; expected one of {', '.join(_GATES)}")
    g = _GATES[cell]
    w_ih, w_hh = _array(weight_ih, "weight_ih"), _array(weight_hh, "weight_hh")
    if w_hh.ndim != 2 or w_hh.shape[0] != g * w_hh.shape[1]:
        raise ValueError(
            f"weight_hh of a torch {cell} must have shape ({g} * units, units), got {w_hh.shape}"
        )
    units = w_hh.shape[1]
    if w_ih.ndim != 2 or w_ih.shape[0] != g * units:
        raise ValueError(
            f"weight_ih must have shape ({g * units}, input_dim) for {units} units, got "
            f"{w_ih.shape}"
        )
    if (bias_ih is None) != (bias_hh is None):
        raise ValueError("give both bias_ih and bias_hh, or neither (torch bias=False)")
    biases = []
    if bias_ih is not None:
        b_ih, b_hh = _array(bias_ih, "bias_ih"), _array(bias_hh, "bias_hh")
        for name, b in (("bias_ih", b_ih), ("bias_hh", b_hh)):
            if b.shape != (g * units,):
                raise ValueError(f"{name} must have shape ({g * units},), got {b.shape}")
        biases = [b_ih, b_hh]
    if cell == "gru":
        w_ih, w_hh = _gru_order(w_ih, units), _gru_order(w_hh, units)
        biases = [_gru_order(b, units) for b in biases]
    weights = [np.ascontiguousarray(w_ih.T), np.ascontiguousarray(w_hh.T)]
    if biases:
        if cell == "gru":
            weights.append(np.stack(biases))
        else:
            # torch adds both biases; Keras's one bias is their sum
            weights.append((biases[0].astype(np.float64) + biases[1]).astype(np.float32))
    return weights


def keras_weights_from_state_dict(state_dict, cell, layer=0, bidirectional=False):
    """The Keras-order weights of layer ``layer`` of a torch ``nn.RNN/GRU/LSTM`` from its
    ``state_dict()`` (keys ``weight_ih_l{layer}``, ..., ``*_reverse`` for the backward
    direction): for ``SimpleRNN/GRU/LSTM`` or, with ``bidirectional=True``, for
    ``Bidirectional(...)`` (forward weights, then backward)."""
    if not hasattr(state_dict, "keys") or not hasattr(state_dict, "get"):
        raise TypeError(
            f"state_dict must be a mapping of parameter names to arrays (module.state_dict()), "
            f"got {type(state_dict).__name__}"
        )
    suffixes = ["", "_reverse"] if bidirectional else [""]
    weights = []
    for suffix in suffixes:
        key = f"l{layer}{suffix}"
        for name in ("weight_ih", "weight_hh"):
            if f"{name}_{key}" not in state_dict:
                present = sorted(k for k in state_dict if k.startswith(name + "_"))
                raise ValueError(
                    f"state_dict has no {name}_{key} (it has {present}); check layer= and "
                    f"bidirectional="
                )
        weights += keras_weights_from_torch(
            cell,
            state_dict[f"weight_ih_{key}"],
            state_dict[f"weight_hh_{key}"],
            state_dict.get(f"bias_ih_{key}"),
            state_dict.get(f"bias_hh_{key}"),
        )
    return weights


# --------------------------------------------------------------------------- whole modules

# The constructor settings read from each supported torch module (its attributes).
_TORCH_SETTINGS = {
    "Linear": ("in_features", "out_features"),
    "Embedding": ("num_embeddings", "embedding_dim", "padding_idx", "max_norm"),
    "LayerNorm": ("normalized_shape", "eps", "elementwise_affine"),
    "BatchNorm1d": ("num_features", "eps", "affine", "track_running_stats"),
    "Conv1d": ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
               "groups", "padding_mode"),
    "RNN": ("input_size", "hidden_size", "num_layers", "bias", "batch_first",
            "bidirectional", "nonlinearity"),
    "GRU": ("input_size", "hidden_size", "num_layers", "bias", "batch_first",
            "bidirectional"),
    "LSTM": ("input_size", "hidden_size", "num_layers", "bias", "batch_first",
             "bidirectional", "proj_size"),
    "RNNCell": ("input_size", "hidden_size", "bias", "nonlinearity"),
    "GRUCell": ("input_size", "hidden_size", "bias"),
    "LSTMCell": ("input_size", "hidden_size", "bias"),
    "MultiheadAttention": ("embed_dim", "num_heads", "kdim", "vdim", "batch_first",
                           "add_zero_attn"),
    "Softmax": ("dim",), "LogSoftmax": ("dim",), "LeakyReLU": ("negative_slope",),
    "ELU": ("alpha",), "GELU": ("approximate",), "Flatten": ("start_dim", "end_dim"),
}
_ACTIVATIONS = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid", "SiLU": "silu",
                "Softplus": "softplus", "Softsign": "softsign", "SELU": "selu",
                "ReLU6": "relu6", "Identity": "linear"}
_NO_OP = ("Dropout", "AlphaDropout", "Identity")


def _setting(value):
    """A torch attribute as JSON (tuples as lists)."""
    if isinstance(value, tuple):
        return [_setting(v) for v in value]
    return value


def torch_spec(module, weights: bool = True) -> dict:
    """A torch module described without torch: ``{"class_name", "config", "weights"}`` (its
    class name, the constructor settings fusedrnn needs, its state_dict as float32 arrays),
    ``"children"`` for an ``nn.Sequential``. ``layers_from_torch`` converts the description.
    ``weights=False`` leaves the weights out: the description is then plain JSON, to keep
    beside the file ``torch.save(module.state_dict())`` writes, and a server without torch
    builds the layers from both (``layers_from_torch(spec, state_dict=load_state_dict(f))``)."""
    name = type(module).__name__
    if name == "Sequential":
        return {"class_name": name,
                "children": [torch_spec(m, weights) for m in module.children()]}
    if name == "TransformerEncoder":
        parts = [(f"layers.{i}", m) for i, m in enumerate(module.layers)]
        parts += [("norm", module.norm)] if module.norm is not None else []
        return {"class_name": name, "names": [n for n, _ in parts],
                "children": [torch_spec(m, weights) for _, m in parts]}
    if name == "TransformerEncoderLayer":
        act = module.activation
        config = {"d_model": module.self_attn.embed_dim, "nhead": module.self_attn.num_heads,
                  "dim_feedforward": module.linear1.out_features,
                  "activation": getattr(act, "__name__", type(act).__name__),
                  "approximate": getattr(act, "approximate", "none"),
                  "layer_norm_eps": module.norm1.eps, "norm_first": bool(module.norm_first),
                  "batch_first": bool(module.self_attn.batch_first)}
    else:
        config = {key: _setting(getattr(module, key))
                  for key in _TORCH_SETTINGS.get(name, ())}
    spec = {"class_name": name, "config": config}
    if weights:
        spec["weights"] = {key: _array(value, key) for key, value in module.state_dict().items()
                           if key != "num_batches_tracked"}
    return spec


def _with_weights(spec: dict, state_dict, prefix: str) -> dict:
    """``spec`` with each module's weights taken from ``state_dict`` (keys ``prefix`` +
    the child's index path + the parameter name, as torch names them)."""
    if not isinstance(spec, dict) or "class_name" not in spec:
        raise ValueError("a torch description is a dict with a class_name (torch_spec's)")
    if "children" in spec:  # Sequential (children by index), TransformerEncoder (by name)
        names = spec.get("names") or [str(i) for i in range(len(spec["children"]))]
        return {**spec, "children": [_with_weights(child, state_dict, f"{prefix}{n}.")
                                     for n, child in zip(names, spec["children"])]}
    weights = {key: _array(value, prefix + key) for key, value in _part(state_dict, prefix).items()
               if not key.endswith("num_batches_tracked")}
    return {**spec, "weights": weights}


def _check(condition: bool, name: str, why: str) -> None:
    if not condition:
        raise ValueError(f"cannot convert torch {name}: {why}")


def _rnn_layers(name: str, config: dict, weights: dict) -> list:
    from . import layers

    _check(not config.get("proj_size"), name, "proj_size > 0 (LSTM projections) has no "
                                                "Keras equivalent")
    cell = {"RNN": "simple_rnn", "GRU": "gru", "LSTM": "lstm"}[name]
    cls = {"RNN": layers.SimpleRNN, "GRU": layers.GRU, "LSTM": layers.LSTM}[name]
    kwargs = {"return_sequences": True, "use_bias": bool(config.get("bias", True)),
              "time_major": not config.get("batch_first", False)}
    if name == "RNN":
        kwargs["activation"] = config.get("nonlinearity", "tanh")
    out = []
    for i in range(int(config.get("num_layers", 1))):
        layer = cls(int(config["hidden_size"]), **kwargs)
        if config.get("bidirectional"):
            layer = layers.Bidirectional(layer)
        width = (config["input_size"] if i == 0
                 else config["hidden_size"] * (2 if config.get("bidirectional") else 1))
        layer.build((None, None, int(width)))
        layer.set_weights(keras_weights_from_state_dict(weights, cell, layer=i,
                                                        bidirectional=config.get(
                                                            "bidirectional", False)))
        out.append(layer)
    return out


def _rnn_cell(name: str, config: dict, weights: dict):
    """A torch RNNCell / GRUCell / LSTMCell as fusedrnn's cell (``h, states = cell(x,
    states)``; torch's ``cell(x, h)`` gives that ``h``, an LSTMCell's ``(h, c)`` the states)."""
    from . import layers

    cell = {"RNNCell": "simple_rnn", "GRUCell": "gru", "LSTMCell": "lstm"}[name]
    kwargs = {"use_bias": bool(config.get("bias", True))}
    if name == "RNNCell":
        kwargs["activation"] = config.get("nonlinearity", "tanh")
    layer = {"RNNCell": layers.SimpleRNNCell, "GRUCell": layers.GRUCell,
             "LSTMCell": layers.LSTMCell}[name](int(config["hidden_size"]), **kwargs)
    layer.build((None, int(config["input_size"])))
    layer.set_weights(keras_weights_from_torch(
        cell, weights["weight_ih"], weights["weight_hh"],
        weights["bias_ih"] if kwargs["use_bias"] else None,
        weights["bias_hh"] if kwargs["use_bias"] else None))
    return layer


def _multihead_attention(config: dict, weights: dict):
    """torch MultiheadAttention as Keras's MultiHeadAttention: per head, the query, key and
    value projections and the output projection, torch's (out, in) matrices transposed
    into Keras's (in, heads, head_dim) kernels."""
    from . import layers

    _check("bias_k" not in weights, "MultiheadAttention", "add_bias_kv=True appends learnt "
           "key and value steps (Keras has no equivalent)")
    _check(not config.get("add_zero_attn"), "MultiheadAttention",
           "add_zero_attn=True appends a zero key and value step")
    dim, heads = int(config["embed_dim"]), int(config["num_heads"])
    head = dim // heads
    kdim, vdim = int(config.get("kdim") or dim), int(config.get("vdim") or dim)
    if "in_proj_weight" in weights:
        q, k, v = np.split(weights["in_proj_weight"], 3)
    else:
        q, k, v = (weights[f"{part}_proj_weight"] for part in ("q", "k", "v"))
    use_bias = "in_proj_bias" in weights
    layer = layers.MultiHeadAttention(heads, head, use_bias=use_bias)
    layer(np.zeros((1, 1, dim), np.float32), np.zeros((1, 1, vdim), np.float32),
          np.zeros((1, 1, kdim), np.float32))  # builds it for these feature sizes
    biases = np.split(weights["in_proj_bias"], 3) if use_bias else (None,) * 3
    out = []
    for w, b, width in zip((q, k, v), biases, (dim, kdim, vdim)):
        out.append(w.T.reshape(width, heads, head))
        if use_bias:
            out.append(b.reshape(heads, head))
    out.append(weights["out_proj.weight"].T.reshape(heads, head, dim))
    if use_bias:
        out.append(weights["out_proj.bias"])
    layer.set_weights(out)
    return layer


def _part(weights, prefix: str) -> dict:
    """The entries of a state dict under ``prefix``, by their names after it."""
    return {k[len(prefix):]: v for k, v in weights.items()
            if isinstance(k, str) and k.startswith(prefix)}


def _transformer_encoder_layer(config: dict, weights: dict):
    """torch TransformerEncoderLayer (eval, no masks) as a small functional model: self
    attention and a two-layer feed-forward block, each with its residual connection and
    LayerNorm (after it, or before with ``norm_first``)."""
    from . import layers
    from .models import Model

    act = config["activation"]
    activation = {"relu": "relu", "ReLU": "relu", "gelu": "gelu", "GELU": "gelu"}.get(act)
    _check(activation is not None, "TransformerEncoderLayer",
           f"activation {act!r} (fusedrnn converts relu and gelu)")
    _check(config.get("approximate", "none") == "none", "TransformerEncoderLayer",
           "a tanh-approximated gelu (fusedrnn's gelu is the exact one)")
    dim, eps = int(config["d_model"]), float(config["layer_norm_eps"])
    attention = _multihead_attention(
        {"embed_dim": dim, "num_heads": int(config["nhead"])}, _part(weights, "self_attn."))

    def dense(name, units, activation=None):
        part = _part(weights, f"{name}.")
        return layers.Dense(units, activation=activation, use_bias="bias" in part,
                            weights=[part["weight"].T] + (
                                [part["bias"]] if "bias" in part else []))

    def norm(name):
        part = _part(weights, f"{name}.")
        return layers.LayerNormalization(epsilon=eps, scale="weight" in part,
                                         center="bias" in part,
                                         weights=[part[k] for k in ("weight", "bias")
                                                  if k in part])

    x = layers.Input((None, dim))
    norm1, norm2 = norm("norm1"), norm("norm2")
    feed = [dense("linear1", int(config["dim_feedforward"]), activation),
            dense("linear2", dim)]

    def block(h):
        for layer in feed:
            h = layer(h)
        return h

    if config.get("norm_first"):
        h = norm1(x)
        h = layers.Add()([x, attention(h, h)])
        out = layers.Add()([h, block(norm2(h))])
    else:
        h = norm1(layers.Add()([x, attention(x, x)]))
        out = norm2(layers.Add()([h, block(h)]))
    return Model(x, out)


def _conv1d(config: dict, weights: dict):
    from . import layers

    k, s, d = (int(config[key][0]) for key in ("kernel_size", "stride", "dilation"))
    padding = config["padding"]
    padding = padding[0] if isinstance(padding, list) else padding
    _check(config.get("padding_mode", "zeros") == "zeros", "Conv1d",
           f"padding_mode={config.get('padding_mode')!r} (Keras pads with zeros)")
    if padding == 0:
        padding = "valid"
    elif padding != "same" and not (s == 1 and 2 * padding == d * (k - 1)):
        raise ValueError(f"cannot convert torch Conv1d: padding={padding} with kernel_size "
                         f"{k}, stride {s}, dilation {d} is neither valid (0) nor Keras's "
                         f"'same'")
    else:
        padding = "same"
    use_bias = "bias" in weights
    layer = layers.Conv1D(int(config["out_channels"]), k, strides=s, dilation_rate=d,
                          padding=padding, groups=int(config["groups"]), use_bias=use_bias,
                          data_format="channels_first")
    layer.build((None, int(config["in_channels"]), None))
    kernel = np.transpose(weights["weight"], (2, 1, 0))  # (out, in/groups, k) -> (k, in/g, out)
    layer.set_weights([kernel] + ([weights["bias"]] if use_bias else []))
    return layer


def _layers_of(spec: dict) -> list:
    name = spec["class_name"]
    if name in ("Sequential", "TransformerEncoder"):
        return [layer for child in spec["children"] for layer in _layers_of(child)]
    try:
        return _module_layers(spec)
    except KeyError as exc:
        if "weights" not in spec:
            raise ValueError(f"the description of torch {name} has no weights: give "
                             f"layers_from_torch a state_dict") from None
        raise ValueError(f"the weights of torch {name} have no {exc.args[0]!r} (its "
                         f"state_dict names: {sorted(spec['weights'])})") from None


def _module_layers(spec: dict) -> list:
    from . import layers

    name, config, weights = spec["class_name"], spec.get("config", {}), spec.get("weights", {})
    if name in _NO_OP:
        return []
    if name in _ACTIVATIONS:
        return [layers.Activation(_ACTIVATIONS[name])]
    if name in ("RNN", "GRU", "LSTM"):
        return _rnn_layers(name, config, weights)
    if name == "Conv1d":
        return [_conv1d(config, weights)]
    if name in ("RNNCell", "GRUCell", "LSTMCell"):
        return [_rnn_cell(name, config, weights)]
    if name == "MultiheadAttention":
        return [_multihead_attention(config, weights)]
    if name == "TransformerEncoderLayer":
        return [_transformer_encoder_layer(config, weights)]
    # (These layers take inputs of any rank: their weights are set when they are built.)
    if name == "Linear":
        return [layers.Dense(int(config["out_features"]), use_bias="bias" in weights,
                             weights=[weights["weight"].T] + (
                                 [weights["bias"]] if "bias" in weights else []))]
    if name == "Embedding":
        _check(config.get("max_norm") is None, name, "max_norm renormalizes rows at lookup")
        return [layers.Embedding(int(config["num_embeddings"]), int(config["embedding_dim"]),
                                 weights=[weights["weight"]])]
    if name == "LayerNorm":
        dims = len(config["normalized_shape"])
        affine = bool(config.get("elementwise_affine", True))
        return [layers.LayerNormalization(
            axis=list(range(-dims, 0)) if dims > 1 else -1, epsilon=float(config["eps"]),
            scale=affine, center=affine and "bias" in weights,
            weights=[weights[k] for k in ("weight", "bias") if k in weights])]
    if name == "BatchNorm1d":
        _check(bool(config.get("track_running_stats", True)), name,
               "without running statistics it normalizes with each batch's own")
        affine = bool(config.get("affine", True))
        return [layers.BatchNormalization(
            axis=1, epsilon=float(config["eps"]), center=affine, scale=affine,
            weights=[weights[k] for k in ("weight", "bias", "running_mean", "running_var")
                     if k in weights])]
    if name in ("Softmax", "LogSoftmax"):
        dim = config.get("dim")
        _check(dim is not None, name, "dim=None (give the axis)")
        if name == "Softmax":
            return [layers.Softmax(axis=dim)]
        _check(dim == -1, name, "only over the last axis (dim=-1)")
        return [layers.Activation("log_softmax")]
    if name == "LeakyReLU":
        return [layers.LeakyReLU(negative_slope=float(config["negative_slope"]))]
    if name == "ELU":
        return [layers.ELU(alpha=float(config["alpha"]))]
    if name == "GELU":
        _check(config.get("approximate", "none") == "none", name,
               "approximate='tanh' (fusedrnn's gelu is the exact one)")
        return [layers.Activation("gelu")]
    if name == "Flatten":
        _check(config.get("start_dim", 1) == 1 and config.get("end_dim", -1) == -1, name,
               "only start_dim=1, end_dim=-1 (Keras's Flatten)")
        return [layers.Flatten()]
    raise ValueError(f"cannot convert torch {name}: fusedrnn converts "
                     f"{', '.join(sorted({*_TORCH_SETTINGS, *_ACTIVATIONS, *_NO_OP}))} "
                     f"and nn.Sequential of them")


def layers_from_torch(module, state_dict=None, prefix: str = "") -> list:
    """fusedrnn layers, their weights set, that compute what a torch module computes in
    eval mode (a module, an ``nn.Sequential``, or a ``torch_spec`` description of one):

    - ``Linear`` -> Dense; ``Embedding`` -> Embedding; ``LayerNorm`` -> LayerNormalization;
      ``BatchNorm1d`` -> BatchNormalization (axis 1, torch's channels); ``Conv1d`` -> Conv1D
      with ``data_format="channels_first"`` (torch's (batch, channels, time)), padding 0 or
      Keras's "same";
    - ``RNN`` / ``GRU`` / ``LSTM`` -> one SimpleRNN / GRU / LSTM per torch layer, with
      ``return_sequences=True`` (torch's output), in ``Bidirectional`` for a bidirectional
      module, time-major (``time_major=True``: (timesteps, batch, features)) unless
      ``batch_first``; the final states are the layers' ``return_state``, if needed;
    - ``RNNCell`` / ``GRUCell`` / ``LSTMCell`` -> SimpleRNNCell / GRUCell / LSTMCell (one
      step: ``h, states = cell(x, states)``, the states ``[h]`` or ``[h, c]``);
    - ``MultiheadAttention`` -> MultiHeadAttention (``mha(query, value, key)``, Keras's order;
      (batch, time, features) inputs: transpose a ``batch_first=False`` module's; where
      torch's ``key_padding_mask`` is True, Keras's ``attention_mask`` is False;
      ``return_attention_scores=True`` gives torch's ``average_attn_weights=False``
      weights);
    - ``TransformerEncoderLayer`` -> a small model (self attention, feed-forward, their
      residual connections and LayerNorms, ``norm_first`` or not; relu or gelu), and
      ``TransformerEncoder`` -> one per layer, then its norm; on (batch, time, features)
      inputs, without masks;
    - activations (ReLU, Tanh, Sigmoid, SiLU, GELU, Softmax, LeakyReLU, ELU, ...), Flatten;
      Dropout and Identity give no layer.

    What torch computes differently (an LSTM ``proj_size``, ``Embedding(max_norm=...)``, a
    padding Keras does not have) raises ValueError naming it. torch itself is not needed
    for a description.

    ``state_dict`` (a mapping, e.g. :func:`load_state_dict`'s): the weights, by torch's
    names, instead of the module's own or the description's; ``prefix``: what the names
    start with when the module is part of a larger one (``"encoder."``)."""
    spec = module if isinstance(module, dict) else torch_spec(module, state_dict is None)
    if state_dict is not None:
        if not hasattr(state_dict, "items"):
            raise TypeError(f"state_dict must be a mapping of names to tensors, got "
                            f"{type(state_dict).__name__}")
        spec = _with_weights(spec, state_dict, prefix)
    return _layers_of(spec)


def model_from_torch(module, input_shape, dtype="float32", state_dict=None, prefix=""):
    """A Sequential model of ``layers_from_torch(module, state_dict, prefix)`` on inputs of
    ``input_shape`` (without the batch axis; ``dtype`` "int32" for token ids into an
    Embedding)."""
    from .layers import Input
    from .models import Sequential

    return Sequential([Input(tuple(input_shape), dtype=dtype),
                       *layers_from_torch(module, state_dict, prefix)])


# --------------------------------------------------------------------------- files


# torch.save's storage classes and the NumPy dtypes of their bytes (bfloat16 is read as the
# upper half of a float32)
_STORAGES = {
    "FloatStorage": "<f4", "DoubleStorage": "<f8", "HalfStorage": "<f2",
    "BFloat16Storage": "<u2", "LongStorage": "<i8", "IntStorage": "<i4",
    "ShortStorage": "<i2", "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "?",
    "ComplexFloatStorage": "<c8", "ComplexDoubleStorage": "<c16",
}
_SAFETENSORS = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8",
                "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?",
                "U16": "<u2", "U32": "<u4", "U64": "<u8"}


class _Storage:
    """A storage of a torch.save file: its elements as a flat NumPy array."""

    def __init__(self, data: np.ndarray, bfloat16: bool):
        self.data, self.bfloat16 = data, bfloat16


def _from_bfloat16(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored):
    """torch._utils._rebuild_tensor_v2 (and _rebuild_tensor): a view of a storage, copied."""
    if not isinstance(storage, _Storage):
        raise ValueError("a tensor in the file does not refer to one of its storages")
    data = storage.data
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    offset = int(storage_offset)
    if any(s < 0 for s in size) or offset < 0:
        raise ValueError(f"a tensor in the file has a negative size or offset: {size}")
    if all(s > 0 for s in size):
        last = offset + sum((s - 1) * st for s, st in zip(size, stride))
        if any(st < 0 for st in stride) or last >= data.size:
            raise ValueError(f"a tensor of size {size} and stride {stride} at offset {offset} "
                             f"reaches past its storage of {data.size} elements")
        view = np.lib.stride_tricks.as_strided(
            data[offset:], shape=size, strides=tuple(st * data.itemsize for st in stride))
    else:
        view = np.zeros(size, data.dtype)
    out = np.array(view)
    return _from_bfloat16(out) if storage.bfloat16 else out


def _rebuild_parameter(data, *_ignored):
    """torch._utils._rebuild_parameter(_with_state): a Parameter is its data."""
    return data


class _TorchUnpickler(pickle.Unpickler):
    """Reads torch.save's data.pkl: containers, numbers, strings and tensors only (as
    torch.load(weights_only=True) does); any other class or function in the file is
    refused, never imported or called."""

    _ALLOWED = {("collections", "OrderedDict"): collections.OrderedDict,
                ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
                ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
                ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
                ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
                ("builtins", "set"): set, ("builtins", "frozenset"): frozenset,
                ("torch", "Size"): tuple}

    def __init__(self, file, archive: zipfile.ZipFile, prefix: str, byteorder: str):
        super().__init__(file)
        self.archive, self.prefix, self.byteorder = archive, prefix, byteorder
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module, name):
        found = self._ALLOWED.get((module, name))
        if found is not None:
            return found
        if module == "torch" and name in _STORAGES:
            return name
        if module.startswith("torch.nn"):
            raise ValueError(f"the file holds a whole torch module ({module}.{name}); "
                             f"fusedrnn reads state dicts: save model.state_dict() instead")
        raise ValueError(f"the file holds {module}.{name}, which is not a tensor or a "
                         f"container: fusedrnn does not run code from a file")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and pid[1] in _STORAGES):
            raise ValueError(f"unknown storage reference in the file: {pid!r}"[:200])
        _, kind, key, _location, numel = pid
        if key not in self.storages:
            try:
                raw = self.archive.read(f"{self.prefix}data/{key}")
            except KeyError:
                raise ValueError(f"the file has no data for storage {key!r}") from None
            dtype = np.dtype(_STORAGES[kind]).newbyteorder(
                "<" if self.byteorder == "little" else ">")
            if len(raw) < int(numel) * dtype.itemsize:
                raise ValueError(f"storage {key!r} holds {len(raw)} bytes, fewer than its "
                                 f"{numel} elements need")
            data = np.frombuffer(raw, dtype, count=int(numel)).astype(dtype.newbyteorder("="))
            self.storages[key] = _Storage(data, kind == "BFloat16Storage")
        return self.storages[key]


def _load_torch_zip(archive: zipfile.ZipFile, path: str):
    names = archive.namelist()
    if any(n.endswith("constants.pkl") or "/code/" in n for n in names):
        raise ValueError(f"{path} is a TorchScript archive (torch.jit.save); fusedrnn reads "
                         f"torch.save(model.state_dict()) files")
    pickles = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
    if len(pickles) != 1:
        raise ValueError(f"{path} is a zip file but not one torch.save wrote (no data.pkl)")
    prefix = pickles[0][:-len("data.pkl")]
    byteorder = "little"
    if f"{prefix}byteorder" in archive.namelist():
        byteorder = archive.read(f"{prefix}byteorder").decode().strip()
        if byteorder not in ("little", "big"):
            raise ValueError(f"{path}: unknown byte order {byteorder!r}")
    with archive.open(pickles[0]) as f:
        return _TorchUnpickler(f, archive, prefix, byteorder).load()


def _load_safetensors(data: bytes, path: str) -> dict:
    if len(data) < 8:
        raise ValueError(f"{path} is too short to be a torch.save or safetensors file")
    size = int.from_bytes(data[:8], "little")
    if not 2 <= size <= len(data) - 8:
        raise ValueError(f"{path} is neither a torch.save zip file nor a safetensors file")
    try:
        header = json.loads(data[8:8 + size])
    except ValueError:
        raise ValueError(f"{path} is neither a torch.save zip file nor a safetensors "
                         f"file") from None
    body = memoryview(data)[8 + size:]
    out = collections.OrderedDict()
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        kind = entry.get("dtype") if isinstance(entry, dict) else None
        if kind not in _SAFETENSORS:
            raise ValueError(f"{path}: tensor {name!r} has dtype {kind!r}, which fusedrnn "
                             f"does not read")
        shape = tuple(int(s) for s in entry["shape"])
        begin, end = (int(v) for v in entry["data_offsets"])
        dtype = np.dtype(_SAFETENSORS[kind])
        if not 0 <= begin <= end <= len(body) or end - begin != math.prod(shape) * dtype.itemsize:
            raise ValueError(f"{path}: tensor {name!r} of shape {shape} does not match its "
                             f"{end - begin} bytes")
        array = np.frombuffer(body[begin:end], dtype).reshape(shape).copy()
        out[name] = _from_bfloat16(array) if kind == "BF16" else array
    return out


def load_state_dict(path):
    """What ``torch.save`` wrote to ``path`` (a state dict, or a checkpoint dict holding one),
    or a ``.safetensors`` file, read without torch: tensors become NumPy arrays (bfloat16
    as float32), containers and numbers stay as they are. As ``torch.load(weights_only=True)``,
    only tensors and plain containers are read: a pickled module or any other code in the
    file is refused (ValueError naming it), never run. Legacy (before PyTorch 1.6, or
    ``_use_new_zipfile_serialization=False``) and TorchScript files are refused too.

        sd = load_state_dict("lstm.pt")
        model.set_weights(keras_weights_from_state_dict(sd, "lstm"))
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(8)
    try:
        if head[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(path) as archive:
                return _load_torch_zip(archive, path)
        if head[:3] == b"\x80\x02\x8a":  # a pickled magic number, then the legacy records
            raise ValueError(f"{path} was written by torch.save's legacy format (PyTorch "
                             f"before 1.6, or _use_new_zipfile_serialization=False); save it "
                             f"again with a current torch.save")
        with open(path, "rb") as f:
            return _load_safetensors(f.read(), path)
    except Exception as exc:  # a damaged file: whatever the zip or pickle reader met
        if type(exc) is ValueError:  # one of this module's, which names the problem
            if path in str(exc):
                raise
            raise ValueError(f"{path}: {exc}") from None
        raise ValueError(f"{path} is damaged or not a torch.save / safetensors file "
                         f"({type(exc).__name__}: {exc})"[:300]) from exc
