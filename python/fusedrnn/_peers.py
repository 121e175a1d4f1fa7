"""Peer engines (PyTorch, ONNX Runtime) for the benchmarks, fed the same Keras weights.

Both are optional and imported lazily: :func:`available` says which are installed, and
building a runner for a missing one raises :class:`PeerUnavailable`. Only the default
activations exist in the peers (tanh / sigmoid), and only ``reset_after=True`` GRUs,
which is what the standard workloads use.

Every runner is built from Keras-layout weights (``kernel (I, G*H)``,
``recurrent_kernel (H, G*H)``, ``bias``: SimpleRNN ``(H,)``, GRU ``(2, 3H)``, LSTM
``(4H,)``) using the conversions in ``SEMANTICS.md``:

* PyTorch GRU gates are r, z, n; Keras z, r, h: ``P(a) = concat(a[H:2H], a[:H], a[2H:])``
  (its own inverse), ``W_ih = P(kernel.T)``, ``W_hh = P(recurrent_kernel.T)``,
  ``b_ih = P(bias[0])``, ``b_hh = P(bias[1])``. RNN and LSTM (i, f, g, o = Keras i, f, c, o):
  ``W_ih = kernel.T``, ``W_hh = recurrent_kernel.T``, ``b_ih = bias``, ``b_hh = 0``.
* ONNX GRU gates are z, r, h (as Keras) and ``linear_before_reset=1`` is Keras
  ``reset_after=True``; ONNX LSTM gates are i, o, f, c. ``W = kernel.T``,
  ``R = recurrent_kernel.T``, ``B = concat(input bias, recurrent bias)``.

A runner exposes ``forward(x) -> output`` (``x (B, T, I)`` float32, output
``(B, T, H)``) and ``step(x_t, states) -> (output (B, H), states)`` for streaming, where
``states`` is a tuple of ``(B, H)`` arrays (``(h,)`` or ``(h, c)``) or ``None`` for zeros.
"""

from __future__ import annotations

import importlib.util

import numpy as np

__all__ = ["PEERS", "PeerUnavailable", "available", "make_runner"]

PEERS = ("torch", "onnxruntime")

_GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}


class PeerUnavailable(RuntimeError):
    """The peer engine is not installed (or cannot run this configuration)."""


def available(name: str) -> bool:
    """True when the peer ``name`` ("torch" or "onnxruntime") can be imported."""
    if name == "torch":
        return importlib.util.find_spec("torch") is not None
    if name == "onnxruntime":
        return (
            importlib.util.find_spec("onnxruntime") is not None
            and importlib.util.find_spec("onnx") is not None
        )
    raise ValueError(f"unknown peer {name!r}; expected one of {PEERS}")


def make_runner(name: str, cell: str, kernel, recurrent_kernel, bias, *, num_threads: int = 1):
    """Build the runner for peer ``name`` with the given Keras weights and thread count."""
    if cell not in _GATES:
        raise ValueError(f"unknown cell {cell!r}; expected one of {sorted(_GATES)}")
    if not available(name):
        raise PeerUnavailable(f"{name} is not installed")
    if not isinstance(num_threads, int) or num_threads < 1:
        raise ValueError(f"num_threads must be a positive int, got {num_threads!r}")
    kernel = np.ascontiguousarray(kernel, dtype=np.float32)
    recurrent_kernel = np.ascontiguousarray(recurrent_kernel, dtype=np.float32)
    units = recurrent_kernel.shape[0]
    g = _GATES[cell]
    if kernel.ndim != 2 or kernel.shape[1] != g * units:
        raise ValueError(f"kernel must be (input_dim, {g * units}), got {kernel.shape}")
    if recurrent_kernel.shape != (units, g * units):
        raise ValueError(
            f"recurrent_kernel must be ({units}, {g * units}), got {recurrent_kernel.shape}"
        )
    b_in, b_rec = _split_bias(cell, bias, units)
    if name == "torch":
        return _TorchRunner(cell, kernel, recurrent_kernel, b_in, b_rec, num_threads)
    return _OrtRunner(cell, kernel, recurrent_kernel, b_in, b_rec, num_threads)


def _split_bias(cell, bias, units):
    """Keras bias -> (input bias (G*H,), recurrent bias (G*H,)) in Keras gate order."""
    gh = _GATES[cell] * units
    zeros = np.zeros(gh, np.float32)
    if bias is None:
        return zeros, zeros.copy()
    bias = np.asarray(bias, dtype=np.float32)
    if cell == "gru":
        if bias.shape != (2, gh):
            raise ValueError(
                f"GRU bias must be (2, {gh}) (reset_after=True; peers support only that), "
                f"got {bias.shape}"
            )
        return bias[0].copy(), bias[1].copy()
    if bias.shape != (gh,):
        raise ValueError(f"{cell} bias must be ({gh},), got {bias.shape}")
    return bias.copy(), zeros


def _torch_gate_order(cell, a, units):
    """Keras gate order -> PyTorch's along axis 0 (only GRU differs: swap z and r)."""
    from .torch_compat import _gru_order

    return _gru_order(a, units) if cell == "gru" else a


class _TorchRunner:
    name = "torch"

    def __init__(self, cell, kernel, recurrent_kernel, b_in, b_rec, num_threads):
        import torch

        self._torch = torch
        self.cell = cell
        self.num_threads = num_threads
        units = recurrent_kernel.shape[0]
        input_dim = kernel.shape[0]
        cls = {"simple_rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell]
        self.module = cls(input_dim, units, batch_first=True)
        self.module.eval()
        params = {
            "weight_ih_l0": _torch_gate_order(cell, kernel.T, units),
            "weight_hh_l0": _torch_gate_order(cell, recurrent_kernel.T, units),
            "bias_ih_l0": _torch_gate_order(cell, b_in, units),
            "bias_hh_l0": _torch_gate_order(cell, b_rec, units),
        }
        with torch.no_grad():
            for pname, value in params.items():
                getattr(self.module, pname).copy_(torch.from_numpy(np.ascontiguousarray(value)))
        for p in self.module.parameters():
            p.requires_grad_(False)

    def activate(self):
        """Apply this runner's thread count (torch's setting is process-wide)."""
        self._torch.set_num_threads(self.num_threads)

    def forward(self, x):
        torch = self._torch
        with torch.inference_mode():
            out, _ = self.module(torch.from_numpy(x))
        return out.numpy()

    def step(self, x_t, states=None):
        """One step: ``x_t (B, 1, I)``; returns ``(output (B, H), states)``."""
        torch = self._torch
        with torch.inference_mode():
            if states is None:
                hx = None
            elif self.cell == "lstm":
                hx = (torch.from_numpy(states[0])[None], torch.from_numpy(states[1])[None])
            else:
                hx = torch.from_numpy(states[0])[None]
            out, hn = self.module(torch.from_numpy(x_t), hx)
        if self.cell == "lstm":
            new = (hn[0][0].numpy(), hn[1][0].numpy())
        else:
            new = (hn[0].numpy(),)
        return out[:, -1].numpy(), new


def _onnx_model(cell, kernel, recurrent_kernel, b_in, b_rec):
    """An ONNX graph: X (B, T, I) -> Y (B, T, H), Y_h (B, H)[, Y_c (B, H)]; layout 0 inside."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    units = recurrent_kernel.shape[0]
    input_dim = kernel.shape[0]
    if cell == "lstm":  # Keras i, f, c, o -> ONNX i, o, f, c (columns)
        h = units
        order = np.concatenate(
            [np.arange(0, h), np.arange(3 * h, 4 * h), np.arange(h, 2 * h), np.arange(2 * h, 3 * h)]
        )
        kernel, recurrent_kernel = kernel[:, order], recurrent_kernel[:, order]
        b_in, b_rec = b_in[order], b_rec[order]
    w = np.ascontiguousarray(kernel.T[None], dtype=np.float32)  # (1, G*H, I)
    r = np.ascontiguousarray(recurrent_kernel.T[None], dtype=np.float32)  # (1, G*H, H)
    b = np.concatenate([b_in, b_rec])[None].astype(np.float32)  # (1, 2*G*H)
    op = {"simple_rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}[cell]
    attrs = {"hidden_size": units}
    if cell == "gru":
        attrs["linear_before_reset"] = 1
    has_c = cell == "lstm"
    rnn_inputs = ["X_t", "W", "R", "B", "", "initial_h"] + (["initial_c"] if has_c else [])
    rnn_outputs = ["Y_4d", "Y_h_3d"] + (["Y_c_3d"] if has_c else [])
    axes0 = numpy_helper.from_array(np.array([0], np.int64), "axes0")
    axes1 = numpy_helper.from_array(np.array([1], np.int64), "axes1")
    nodes = [
        helper.make_node("Transpose", ["X"], ["X_t"], perm=[1, 0, 2]),
        helper.make_node("Unsqueeze", ["h0", "axes0"], ["initial_h"]),
        helper.make_node(op, rnn_inputs, rnn_outputs, **attrs),
        helper.make_node("Squeeze", ["Y_4d", "axes1"], ["Y_3d"]),  # (T, B, H)
        helper.make_node("Transpose", ["Y_3d"], ["Y"], perm=[1, 0, 2]),
        helper.make_node("Squeeze", ["Y_h_3d", "axes0"], ["Y_h"]),
    ]
    if has_c:
        nodes.insert(2, helper.make_node("Unsqueeze", ["c0", "axes0"], ["initial_c"]))
        nodes.append(helper.make_node("Squeeze", ["Y_c_3d", "axes0"], ["Y_c"]))
    f32 = TensorProto.FLOAT
    inputs = [
        helper.make_tensor_value_info("X", f32, ["B", "T", input_dim]),
        helper.make_tensor_value_info("h0", f32, ["B", units]),
    ]
    outputs = [
        helper.make_tensor_value_info("Y", f32, ["B", "T", units]),
        helper.make_tensor_value_info("Y_h", f32, ["B", units]),
    ]
    if has_c:
        inputs.append(helper.make_tensor_value_info("c0", f32, ["B", units]))
        outputs.append(helper.make_tensor_value_info("Y_c", f32, ["B", units]))
    inits = [
        numpy_helper.from_array(w, "W"),
        numpy_helper.from_array(r, "R"),
        numpy_helper.from_array(b, "B"),
        axes0,
        axes1,
    ]
    graph = helper.make_graph(nodes, f"fusedrnn_bench_{cell}", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


class _OrtRunner:
    name = "onnxruntime"

    def __init__(self, cell, kernel, recurrent_kernel, b_in, b_rec, num_threads):
        import onnxruntime as ort

        self.cell = cell
        self.units = recurrent_kernel.shape[0]
        self.num_threads = num_threads
        model = _onnx_model(cell, kernel, recurrent_kernel, b_in, b_rec)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = num_threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(
            model.SerializeToString(), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        self._zeros = {}

    def activate(self):
        """Nothing to do: the thread count is a property of the session."""

    def _zero(self, batch):
        z = self._zeros.get(batch)
        if z is None:
            z = self._zeros[batch] = np.zeros((batch, self.units), np.float32)
        return z

    def _feeds(self, x, states):
        batch = x.shape[0]
        if states is None:
            states = (self._zero(batch),) * (2 if self.cell == "lstm" else 1)
        feeds = {"X": x, "h0": states[0]}
        if self.cell == "lstm":
            feeds["c0"] = states[1]
        return feeds

    def forward(self, x):
        return self.session.run(["Y"], self._feeds(x, None))[0]

    def step(self, x_t, states=None):
        """One step: ``x_t (B, 1, I)``; returns ``(output (B, H), states)``."""
        names = ["Y_h", "Y_c"] if self.cell == "lstm" else ["Y_h"]
        new = tuple(self.session.run(names, self._feeds(x_t, states)))
        return new[0], new
