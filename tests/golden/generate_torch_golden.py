"""Record what PyTorch modules compute, with their descriptions from
``fusedrnn.torch_compat.torch_spec``, for tests/test_torch_compat.py
(test_torch_modules_convert): RNN/GRU/LSTM stacks (bidirectional, time-major, relu, no bias)
and nn.Sequential models of Linear, Embedding, LayerNorm, BatchNorm1d (eval, with running
statistics), Conv1d (padding 0 / same, stride, dilation, groups) and activations; the
cells (RNNCell, GRUCell, LSTMCell) and MultiheadAttention, called on their several inputs;
TransformerEncoderLayer (norm first or after, relu or gelu) and TransformerEncoder.

NOT run by CI and not collected by pytest. It needs PyTorch (not fusedrnn: torch_compat.py is
loaded on its own)::

    /tmp/torchenv/bin/python tests/golden/generate_torch_golden.py

Writes tests/data/golden/torch_modules.npz: ``index`` (JSON: per case its name, input shape
and dtype, and the description with each weight replaced by its array's key) and the arrays.
"""

from __future__ import annotations

import importlib.util
import json
import os

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(__file__)
OUT = os.path.join(HERE, "..", "data", "golden", "torch_modules.npz")
_spec = importlib.util.spec_from_file_location(
    "torch_compat", os.path.join(HERE, "..", "..", "python", "fusedrnn", "torch_compat.py"))
torch_compat = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(torch_compat)


def cases():
    """(name, module, input shape, dtype) of every case."""
    return [
        ("lstm_bidir_2", nn.LSTM(5, 6, num_layers=2, bidirectional=True, batch_first=True),
         (3, 7, 5), "float32"),
        ("gru_time_major", nn.GRU(4, 5, num_layers=2), (6, 3, 4), "float32"),
        ("rnn_relu_nobias", nn.RNN(3, 4, nonlinearity="relu", bias=False, batch_first=True),
         (2, 5, 3), "float32"),
        ("gru_bidir", nn.GRU(3, 4, bidirectional=True, batch_first=True), (2, 6, 3),
         "float32"),
        ("conv_stack", nn.Sequential(
            nn.Conv1d(4, 6, 3, padding=1), nn.ReLU(),
            nn.Conv1d(6, 6, 5, stride=2, dilation=1, groups=2),
            nn.BatchNorm1d(6), nn.Tanh(),
            nn.Conv1d(6, 5, 3, padding="same", dilation=2, bias=False),
            nn.Flatten(), nn.Linear(5 * 8, 3), nn.Softmax(dim=-1)),
         (2, 4, 20), "float32"),
        ("text_head", nn.Sequential(
            nn.Embedding(30, 6), nn.LayerNorm(6), nn.Linear(6, 4), nn.GELU(),
            nn.Dropout(0.1), nn.Linear(4, 2), nn.LogSoftmax(dim=-1)),
         (3, 9), "int64"),
        ("activations", nn.Sequential(
            nn.Linear(5, 7), nn.LeakyReLU(0.2), nn.Linear(7, 3), nn.ELU(1.5), nn.SiLU(),
            nn.Sigmoid(), nn.Identity(), nn.Softplus(), nn.ReLU6()),
         (4, 5), "float32"),
        ("layernorm_2d", nn.Sequential(nn.LayerNorm([4, 6]), nn.Flatten(), nn.Linear(24, 2)),
         (3, 4, 6), "float32"),
        ("batchnorm_2d", nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5, eps=1e-3),
                                       nn.Softsign()),
         (4, 3), "float32"),
        ("transformer_stack", nn.Sequential(
            nn.Linear(3, 8), nn.TransformerEncoder(
                nn.TransformerEncoderLayer(8, 4, 12, batch_first=True), 2,
                norm=nn.LayerNorm(8), enable_nested_tensor=False), nn.Linear(8, 2)),
         (2, 6, 3), "float32"),
        ("transformer_norm_first_gelu", nn.TransformerEncoderLayer(
            8, 2, 16, batch_first=True, norm_first=True, activation="gelu"),
         (2, 5, 8), "float32"),
    ]


def call_cases(rng):
    """(name, module, inputs, kind) of the modules called with several inputs: the cells
    (one step from given states) and MultiheadAttention (query, key, value and a key
    padding mask; batch first)."""
    def normal(*shape):
        return rng.normal(size=shape).astype(np.float32)

    padding = np.zeros((2, 6), bool)
    padding[0, 4:] = True
    return [
        ("gru_cell", nn.GRUCell(3, 5), [normal(4, 3), normal(4, 5)], "cell"),
        ("rnn_cell_relu_nobias", nn.RNNCell(3, 4, bias=False, nonlinearity="relu"),
         [normal(2, 3), normal(2, 4)], "cell"),
        ("lstm_cell", nn.LSTMCell(4, 3), [normal(3, 4), normal(3, 3), normal(3, 3)],
         "lstm_cell"),
        ("mha_self", nn.MultiheadAttention(8, 2, batch_first=True),
         [normal(2, 5, 8), normal(2, 5, 8), normal(2, 5, 8), None], "attention"),
        ("mha_kdim_vdim_masked", nn.MultiheadAttention(6, 3, kdim=4, vdim=5, batch_first=True),
         [normal(2, 3, 6), normal(2, 6, 4), normal(2, 6, 5), padding], "attention"),
        ("mha_nobias", nn.MultiheadAttention(4, 1, bias=False, batch_first=True),
         [normal(1, 2, 4), normal(1, 3, 4), normal(1, 3, 4), None], "attention"),
    ]


def _arrays_apart(spec: dict, path: str, arrays: dict) -> dict:
    """The description with each weight replaced by the key its array is stored under."""
    spec = dict(spec)
    if "children" in spec:
        spec["children"] = [_arrays_apart(c, f"{path}.{i}", arrays)
                            for i, c in enumerate(spec["children"])]
    if "weights" in spec:
        for key, value in list(spec["weights"].items()):
            arrays[f"{path}.{key}"] = value
            spec["weights"] = {**spec["weights"], key: f"{path}.{key}"}
    return spec


def main():
    torch.manual_seed(20261207)
    rng = np.random.default_rng(20261207)
    index, arrays = [], {}
    for name, module, shape, dtype in cases():
        for p in module.parameters():
            nn.init.normal_(p, std=0.5)
        for m in module.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.normal_(0, 0.3)
                m.running_var.uniform_(0.5, 2.0)
        module.eval()
        x = (rng.integers(0, 30, size=shape) if dtype == "int64"
             else rng.normal(size=shape).astype(np.float32))
        with torch.no_grad():
            y = module(torch.from_numpy(x))
        y = (y[0] if isinstance(y, tuple) else y).numpy()
        spec = _arrays_apart(torch_compat.torch_spec(module), name, arrays)
        index.append({"name": name, "dtype": dtype, "spec": spec})
        arrays[f"{name}_x"] = x
        arrays[f"{name}_y"] = y
    for name, module, inputs, kind in call_cases(rng):
        for p in module.parameters():
            nn.init.normal_(p, std=0.5)
        module.eval()
        with torch.no_grad():
            if kind == "attention":
                q, k, v, mask = inputs
                out, weights = module(torch.from_numpy(q), torch.from_numpy(k),
                                      torch.from_numpy(v), need_weights=True,
                                      average_attn_weights=False,
                                      key_padding_mask=None if mask is None
                                      else torch.from_numpy(mask))
                outputs = [out.numpy(), weights.numpy()]
            elif kind == "lstm_cell":
                x, h, c = inputs
                outputs = [t.numpy() for t in module(torch.from_numpy(x),
                                                     (torch.from_numpy(h), torch.from_numpy(c)))]
            else:
                x, h = inputs
                outputs = [module(torch.from_numpy(x), torch.from_numpy(h)).numpy()]
        spec = _arrays_apart(torch_compat.torch_spec(module), name, arrays)
        index.append({"name": name, "call": kind, "spec": spec,
                      "inputs": len(inputs), "outputs": len(outputs),
                      "masked": kind == "attention" and inputs[3] is not None})
        for i, a in enumerate(inputs):
            if a is not None:
                arrays[f"{name}_in{i}"] = a
        for i, a in enumerate(outputs):
            arrays[f"{name}_out{i}"] = a
    np.savez_compressed(OUT, index=json.dumps(index), torch_version=torch.__version__, **arrays)
    print(f"{len(index)} cases written with torch {torch.__version__}")


if __name__ == "__main__":
    main()
