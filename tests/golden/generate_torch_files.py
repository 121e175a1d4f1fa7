"""Write the files torch.save (and safetensors) produce, for tests/test_torch_files.py:
fusedrnn reads them without torch (``torch_compat.load_state_dict``).

NOT run by CI and not collected by pytest. It needs torch (2.14.1 wrote the files) and
safetensors::

    /tmp/torchenv/bin/python tests/golden/generate_torch_files.py

Writes tests/data/torch_files/: state dicts of a token tagger (Embedding, 2-layer
bidirectional GRU, Linear) and of an nn.Sequential MLP, as .pt and .safetensors, with their
torch_spec descriptions (JSON, without weights: built here from the modules' settings as
fusedrnn's torch_spec reads them) and torch's outputs on recorded inputs; a checkpoint dict;
tensors of every dtype, views (transposed, offset into a shared storage), a 0-d and an empty
tensor, a Parameter; and files fusedrnn must refuse: a whole pickled module, the legacy
format, a TorchScript archive. expected.npz holds every tensor as torch gives it (bfloat16
as float32).
"""

from __future__ import annotations

import json
import os

import numpy as np
import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "data", "torch_files")

# the constructor settings fusedrnn's torch_spec records (torch_compat._TORCH_SETTINGS)
SETTINGS = {
    "Linear": ("in_features", "out_features"),
    "Embedding": ("num_embeddings", "embedding_dim", "padding_idx", "max_norm"),
    "GRU": ("input_size", "hidden_size", "num_layers", "bias", "batch_first",
            "bidirectional"),
    "LayerNorm": ("normalized_shape", "eps", "elementwise_affine"),
}


def spec(module) -> dict:
    name = type(module).__name__
    if name == "Sequential":
        return {"class_name": name, "children": [spec(m) for m in module.children()]}
    config = {k: list(v) if isinstance(v, tuple) else v
              for k, v in ((k, getattr(module, k)) for k in SETTINGS.get(name, ()))}
    return {"class_name": name, "config": config}


class Tagger(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(20, 8)
        self.rnn = torch.nn.GRU(8, 6, num_layers=2, bidirectional=True, batch_first=True)
        self.head = torch.nn.Linear(12, 5)

    def forward(self, x):
        return self.head(self.rnn(self.embed(x))[0])


def main() -> None:
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    tagger = Tagger().eval()
    tokens = torch.randint(0, 20, (3, 7))
    with torch.no_grad():
        expected["tagger_x"] = tokens.numpy()
        expected["tagger_y"] = tagger(tokens).numpy()
    torch.save(tagger.state_dict(), os.path.join(OUT, "tagger.pt"))
    save_file(tagger.state_dict(), os.path.join(OUT, "tagger.safetensors"))
    mlp = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.LayerNorm(8),
                              torch.nn.Linear(8, 3)).eval()
    x = torch.randn(4, 6)
    with torch.no_grad():
        expected["mlp_x"], expected["mlp_y"] = x.numpy(), mlp(x).numpy()
    torch.save(mlp.state_dict(), os.path.join(OUT, "mlp.pt"))
    save_file(mlp.state_dict(), os.path.join(OUT, "mlp.safetensors"))
    with open(os.path.join(OUT, "specs.json"), "w") as f:
        json.dump({"embed": spec(tagger.embed), "rnn": spec(tagger.rnn),
                   "head": spec(tagger.head), "mlp": spec(mlp)}, f, indent=1)
    for key, value in tagger.state_dict().items():
        expected[f"tagger.{key}"] = value.numpy()
    torch.save({"model": mlp.state_dict(), "epoch": 7, "lr": 0.01, "history": [0.5, 0.25],
                "flags": {"best": True}, "name": "mlp"}, os.path.join(OUT, "checkpoint.pt"))

    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    tensors = {
        "float16": torch.randn(3, 2).half(), "bfloat16": torch.randn(5).bfloat16(),
        "float64": torch.randn(2, 2, 2).double(), "int64": torch.arange(-3, 4),
        "int32": torch.tensor([1, -2, 3], dtype=torch.int32),
        "int16": torch.tensor([[7, -8]], dtype=torch.int16),
        "int8": torch.tensor([-128, 127], dtype=torch.int8),
        "uint8": torch.tensor([0, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "complex64": torch.randn(3, dtype=torch.complex64),
        "scalar": torch.tensor(2.5), "empty": torch.zeros(0, 3),
        "transposed": base.t(), "offset_view": base[1:3, 2:5], "shared": base,
        "parameter": torch.nn.Parameter(torch.randn(2, 3)),
    }
    torch.save(tensors, os.path.join(OUT, "tensors.pt"))
    save_file({k: v.detach().contiguous() for k, v in tensors.items()
               if k not in ("complex64", "shared")},
              os.path.join(OUT, "tensors.safetensors"))
    for key, value in tensors.items():
        value = value.detach()
        expected[f"tensors.{key}"] = (value.float() if key == "bfloat16" else value).numpy()
    torch.save(mlp, os.path.join(OUT, "whole_module.pt"))
    torch.save(mlp.state_dict(), os.path.join(OUT, "legacy.pt"),
               _use_new_zipfile_serialization=False)
    torch.jit.save(torch.jit.script(mlp), os.path.join(OUT, "scripted.pt"))
    np.savez(os.path.join(OUT, "expected.npz"), **expected)
    print(torch.__version__, sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
