"""Record what PyTorch modules compute, with their descriptions from
``fusedrnn.torch_compat.torch_spec``, for tests/test_torch_compat.py
(test_torch_modules_convert): RNN/GRU/LSTM stacks (bidirectional, time-major, relu, no bias)
and nn.Sequential models of Linear, Embedding, LayerNorm, BatchNorm1d (eval, with running
statistics), Conv1d (padding 0 / same, stride, dilation, groups) and activations.

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
    np.savez_compressed(OUT, index=json.dumps(index), torch_version=torch.__version__, **arrays)
    print(f"{len(index)} cases written with torch {torch.__version__}")


if __name__ == "__main__":
    main()
