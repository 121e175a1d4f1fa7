"""Fast tests of ``python -m fusedrnn bench`` (fusedrnn.bench) and the peer runners.

Tiny workloads only; the standard ones are exercised by ``pytest benchmarks``.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from fusedrnn import bench, reference

TINY = ["--workloads", "2x4x8x16,s1x8x16", "--threads", "1", "--repeat", "2", "--no-peak"]


def _ops_or_skip():
    try:
        bench._fused_modules()
    except ImportError as exc:
        pytest.skip(f"fusedrnn.ops not built: {exc}")


# --------------------------------------------------------------------------- definitions


def test_standard_workloads_match_the_issue():
    w = bench.WORKLOADS
    assert (w["latency"].batch, w["latency"].timesteps, w["latency"].input_dim) == (1, 100, 64)
    assert w["latency"].units == 256
    assert (w["throughput"].batch, w["throughput"].timesteps) == (64, 100)
    assert (w["throughput"].input_dim, w["throughput"].units) == (128, 256)
    assert (w["large"].batch, w["large"].timesteps) == (32, 50)
    assert (w["large"].input_dim, w["large"].units) == (512, 1024)
    s = w["streaming"]
    assert (s.batch, s.timesteps, s.input_dim, s.units, s.streaming) == (1, 1, 64, 256, True)


@pytest.mark.parametrize(
    ("cell", "expected"),
    # 2 * B * T * G * H * (I + H) with B=2, T=3, I=4, H=5, worked by hand
    [("simple_rnn", 540), ("gru", 1620), ("lstm", 2160)],
)
def test_flops_formula(cell, expected):
    assert bench.flops(cell, bench.Workload("w", 2, 3, 4, 5)) == expected


def test_flops_large_lstm():
    # 2 * 32 * 50 * 4 * 1024 * 1536 = 20,132,659,200
    assert bench.flops("lstm", bench.WORKLOADS["large"]) == 20_132_659_200


def test_parse_workload():
    assert bench.parse_workload("latency") is bench.WORKLOADS["latency"]
    w = bench.parse_workload("3x7x8x16")
    assert (w.batch, w.timesteps, w.input_dim, w.units, w.streaming) == (3, 7, 8, 16, False)
    s = bench.parse_workload("s2x8x16")
    assert (s.batch, s.timesteps, s.input_dim, s.units, s.streaming) == (2, 1, 8, 16, True)
    for bad in ("bogus", "1x2x3", "0x1x2x3", "s1x2", "1xax2x3"):
        with pytest.raises(ValueError, match="workload"):
            bench.parse_workload(bad)


@pytest.mark.parametrize("cell", bench.CELLS)
def test_make_weights_layout_and_scale(cell):
    g = {"simple_rnn": 1, "gru": 3, "lstm": 4}[cell]
    k, r, b = bench.make_weights(cell, 5, 16)
    assert k.shape == (5, g * 16)
    assert r.shape == (16, g * 16)
    assert b.shape == ((2, 48) if cell == "gru" else (g * 16,))
    for a in (k, r, b):
        assert a.dtype == np.float32
        assert np.abs(a).max() <= 0.25  # 1 / sqrt(16)
        assert np.abs(a).max() > 0.2  # uniform on [-0.25, 0.25], not all tiny
    k2, _, _ = bench.make_weights(cell, 5, 16)
    np.testing.assert_array_equal(k, k2)  # deterministic


# --------------------------------------------------------------------------- checks


class _Shifted:
    """A runner whose outputs are off by ``delta`` (to prove the checks can fail)."""

    name = "shifted"

    def __init__(self, cell, k, r, b, delta):
        self.cell, self.k, self.r, self.b, self.delta = cell, k, r, b, delta

    def activate(self):
        pass

    def forward(self, x):
        return reference.rnn(self.cell, x, self.k, self.r, self.b)[0] + self.delta

    def step(self, x_t, states=None):
        out, st = reference.rnn(
            self.cell,
            x_t,
            self.k,
            self.r,
            self.b,
            initial_state=None if states is None else list(states),
            return_sequences=False,
        )
        return out + self.delta, tuple(st)


@pytest.mark.parametrize("cell", bench.CELLS)
def test_checks_accept_float32_and_reject_a_wrong_engine(cell):
    w = bench.Workload("t", 2, 5, 3, 8)
    k, r, b = bench.make_weights(cell, 3, 8)
    x = bench.make_input(w)
    want, states = bench.reference_output(cell, k, r, b, x)
    assert want.dtype == np.float64
    assert bench.check_forward(_Shifted(cell, k, r, b, 0.0), x, want) < 1e-5
    assert bench.check_streaming(_Shifted(cell, k, r, b, 0.0), x, want, states) < 1e-5
    with pytest.raises(AssertionError, match="max abs error"):
        bench.check_forward(_Shifted(cell, k, r, b, 1e-2), x, want)
    with pytest.raises(AssertionError, match="max abs error"):
        bench.check_streaming(_Shifted(cell, k, r, b, 1e-2), x, want, states)


def test_time_interleaved_gives_repeat_samples_each():
    calls = {"a": 0, "b": 0}

    def bump(name):
        calls[name] += 1

    fns = {n: (lambda: None, (lambda n=n: bump(n))) for n in calls}
    samples = bench.time_interleaved(fns, 3, target_s=0.0, warmup_s=0.0, settle_s=0.0)
    assert sorted(samples) == ["a", "b"]
    assert all(len(v) == 3 and all(t >= 0 for t in v) for v in samples.values())
    assert calls["a"] >= 7
    assert calls["b"] >= 7


def test_format_table_ratio_gflops_and_peak():
    w = bench.Workload("w", 1, 10, 10, 10)  # gru: 2*1*10*3*10*20 = 12,000 FLOPs
    row = bench.Row("gru", w, 2, bench.flops("gru", w), peak_gflops=0.1)
    row.times = {"fusedrnn": 1e-4, "torch": 3e-4}  # 0.1 ms -> 0.12 GFLOP/s = 120% of 0.1
    text = bench.format_table([row], ["torch"])
    line = text.splitlines()[2]
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells == ["gru", "w", "2", "0.100 ms", "0.1", "120%", "0.300 ms", "3.00x"]


# --------------------------------------------------------------------------- argument errors


@pytest.mark.parametrize(
    "argv",
    [
        ["--cells", "rnn"],
        ["--workloads", "huge"],
        ["--threads", "0"],
        ["--threads", "two"],
        ["--peers", "tensorflow"],
        ["--repeat", "0"],
    ],
)
def test_bad_arguments_exit_2(argv, capsys):
    assert bench.main(argv) == 2
    err = capsys.readouterr().err
    assert "error" in err


# --------------------------------------------------------------------------- plumbing


def _fake_fused(monkeypatch, delta=0.0):
    """Stand in for fusedrnn.ops with the reference (+ delta), to test the CLI plumbing."""
    import types

    class Packed:
        def __init__(self, cell, k, r, b=None, **kw):
            self.cell, self.k, self.r, self.b = cell, k, r, b

    def rnn_forward(x, p, initial_state=None, mask=None, go_backwards=False, return_sequences=True):
        out, st = reference.rnn(
            p.cell, x, p.k, p.r, p.b, initial_state=initial_state, return_sequences=return_sequences
        )
        return out + delta, st

    n = [1]
    ops = types.SimpleNamespace(
        pack_weights=Packed,
        rnn_forward=rnn_forward,
        set_num_threads=lambda k: n.__setitem__(0, k),
        get_num_threads=lambda: n[0],
    )
    monkeypatch.setattr(
        bench, "_fused_modules", lambda: (ops, ops.set_num_threads, ops.get_num_threads)
    )


def test_cli_plumbing_table_and_json(monkeypatch, capsys, tmp_path):
    _fake_fused(monkeypatch)
    out_json = tmp_path / "r.json"
    rc = bench.main(["--cells", "gru,lstm", "--peers", "reference", "--json", str(out_json), *TINY])
    assert rc == 0
    out = capsys.readouterr().out
    table = [ln for ln in out.splitlines() if ln.startswith("| ") and "cell" not in ln]
    assert len(table) == 4  # 2 cells x 2 workloads x 1 thread count
    assert any("s1x8x16" in ln and " us " in ln for ln in table)
    assert "Python->C++ overhead" in out
    data = json.loads(out_json.read_text())
    assert len(data["rows"]) == 4
    for r in data["rows"]:
        assert set(r["median_s"]) == {"fusedrnn", "reference"}
        assert r["max_abs_error"]["fusedrnn"] < 1e-5
        assert r["failures"] == {}


def test_cli_reports_a_mismatch_and_exits_1(monkeypatch, capsys):
    _fake_fused(monkeypatch, delta=0.05)
    rc = bench.main(["--cells", "simple_rnn", "--peers", "none", *TINY])
    assert rc == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out


def test_cli_without_the_extension_says_how_to_build(monkeypatch, capsys):
    def missing():
        raise ImportError("No module named 'fusedrnn._core'")

    monkeypatch.setattr(bench, "_fused_modules", missing)
    assert bench.main(["--peers", "none", *TINY]) == 1
    assert "pip install" in capsys.readouterr().err


def test_plot_without_matplotlib_says_so(monkeypatch, capsys, tmp_path):
    _fake_fused(monkeypatch)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    png = tmp_path / "b.png"
    assert bench.main(["--cells", "gru", "--peers", "none", "--plot", str(png), *TINY]) == 0
    assert "needs matplotlib" in capsys.readouterr().err
    assert not png.exists()


def test_plot_draws_a_png(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    _fake_fused(monkeypatch)
    png = tmp_path / "b.png"
    assert bench.main(["--cells", "gru", "--peers", "none", "--plot", str(png), *TINY]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fma_peak_is_measured():
    gf, method = bench.measure_fma_peak(1)
    assert method
    # Any CPU that runs this suite does more than 0.5 GFLOP/s and (one thread, fp32,
    # at most 16-wide x 2 FMA units x 2 FLOPs x ~6 GHz) less than 400.
    assert 0.5 < gf < 400


# --------------------------------------------------------------------------- real engines


def test_cli_end_to_end_with_fusedrnn(capsys):
    _ops_or_skip()
    rc = bench.main(["--cells", "simple_rnn,gru,lstm", "--peers", "none", *TINY])
    out = capsys.readouterr().out
    assert rc == 0, out
    rows = [ln for ln in out.splitlines() if ln.startswith("| ") and "cell" not in ln]
    assert len(rows) == 6
    assert "MISMATCH" not in out
    assert "rnn_forward(simple_rnn, B=1 T=1 I=8 H=8, state in)" in out


@pytest.mark.parametrize("peer", ["torch", "onnxruntime"])
@pytest.mark.parametrize("cell", bench.CELLS)
def test_peer_runner_matches_reference(peer, cell):
    from fusedrnn import _peers

    if not _peers.available(peer):
        pytest.skip(f"{peer} not installed")
    w = bench.Workload("t", 3, 6, 5, 7)
    k, r, b = bench.make_weights(cell, 5, 7)
    x = bench.make_input(w)
    want, states = bench.reference_output(cell, k, r, b, x)
    runner = _peers.make_runner(peer, cell, k, r, b, num_threads=1)
    runner.activate()
    assert bench.check_forward(runner, x, want) < 1e-5
    assert bench.check_streaming(runner, x, want, states) < 1e-5


def test_peer_bad_input():
    from fusedrnn import _peers

    k, r, b = bench.make_weights("gru", 5, 7)
    with pytest.raises(ValueError, match="peer"):
        _peers.available("tensorflow")
    with pytest.raises(ValueError, match="cell"):
        _peers.make_runner("torch", "rnn", k, r, b)
    if _peers.available("torch"):
        with pytest.raises(ValueError, match="bias"):
            _peers.make_runner("torch", "gru", k, r, b[0])  # reset_after=False bias
        with pytest.raises(ValueError, match="num_threads"):
            _peers.make_runner("torch", "gru", k, r, b, num_threads=0)
