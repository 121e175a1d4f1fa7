"""GPU benchmark: fusedrnn.cuda against PyTorch's cuDNN RNN/GRU/LSTM on the same GPU.

Workloads (PERF.md / issue 4): latency (T=100, I=64, H=256), throughput (T=100, I=128, H=256),
large (T=50, I=512, H=1024), each at batch 1, 64 and 256, for SimpleRNN, GRU and LSTM,
float32, return_sequences.  Every timed pair is first checked: fusedrnn's output must match
cuDNN's (same weights, converted per SEMANTICS.md) within 1e-3.

    python benchmarks/bench_cuda.py [--reps 30] [--json out.json] [--quick]

Timing: wall clock around one forward call with a device synchronisation before and after
(what a caller waits for, launch overhead included), median over --reps after 3 warm-ups.
cuDNN is timed twice: in strict fp32 (torch.backends.cudnn.allow_tf32 = False, the fair
comparison) and with PyTorch's default (TF32 tensor-core maths allowed).
Ceilings measured in the same run: device-to-device copy bandwidth and the fp32 cuBLAS GEMM rate.

Under pytest (CI has no GPU) the one test here skips with a reason.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np

WORKLOADS = {
    "latency": (100, 64, 256),
    "throughput": (100, 128, 256),
    "large": (50, 512, 1024),
}
BATCHES = (1, 64, 256)
CELLS = {"simple_rnn": 1, "gru": 3, "lstm": 4}
TORCH_CLASS = {"simple_rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}


def keras_weights_from_torch(cell, mod):
    """Keras-layout (kernel, recurrent_kernel, bias) from a one-layer torch module."""
    w_ih = mod.weight_ih_l0.detach().cpu().numpy()
    w_hh = mod.weight_hh_l0.detach().cpu().numpy()
    b_ih = mod.bias_ih_l0.detach().cpu().numpy()
    b_hh = mod.bias_hh_l0.detach().cpu().numpy()
    if cell == "gru":
        h = w_hh.shape[1]

        def p(a):  # torch gate order r, z, n -> Keras z, r, h
            return np.concatenate([a[h : 2 * h], a[:h], a[2 * h :]], axis=0)

        return p(w_ih).T.copy(), p(w_hh).T.copy(), np.stack([p(b_ih), p(b_hh)])
    return w_ih.T.copy(), w_hh.T.copy(), b_ih + b_hh


def timed(fn, sync, reps):
    for _ in range(3):
        fn()
    sync()
    times = []
    for _ in range(reps):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure_copy_bandwidth(cp, sync):
    """Device-to-device copy rate in bytes/s (read + write); the 2 GiB of buffers are freed
    when this returns, before the GEMM is measured."""
    n = 1 << 28  # 1 GiB of float32
    src = cp.ones(n, cp.float32)
    dst = cp.empty_like(src)

    def copy():
        dst[:] = src

    t = timed(copy, sync, 10)
    return 2 * 4 * n / t


def measure_ceilings(cp):
    sync = cp.cuda.Device().synchronize
    bw = measure_copy_bandwidth(cp, sync)
    m = 8192
    x = cp.random.standard_normal((m, m), dtype=cp.float32)
    y = cp.random.standard_normal((m, m), dtype=cp.float32)
    t = timed(lambda: cp.matmul(x, y), sync, 5)
    return {"copy_bytes_per_s": bw, "fp32_gemm_flops": 2 * m**3 / t}


def run(reps=30, quick=False, units_per_block_sweep=True):
    import cupy as cp
    import torch

    import fusedrnn.cuda as fcuda

    dev = cp.cuda.Device()
    props = cp.cuda.runtime.getDeviceProperties(dev.id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    ceil = measure_ceilings(cp)
    print(
        f"# device: {name}; copy {ceil['copy_bytes_per_s'] / 1e9:.0f} GB/s; "
        f"fp32 GEMM {ceil['fp32_gemm_flops'] / 1e12:.1f} TFLOP/s; torch {torch.__version__}; "
        f"cudnn {torch.backends.cudnn.version()}; cupy {cp.__version__}",
        flush=True,
    )
    sync = dev.synchronize
    rows = []
    workloads = {"latency": WORKLOADS["latency"]} if quick else WORKLOADS
    batches = (1, 64) if quick else BATCHES
    rng = np.random.default_rng(0)
    for wname, (T, input_dim, H) in workloads.items():
        for cell, G in CELLS.items():
            torch.manual_seed(0)
            mod = getattr(torch.nn, TORCH_CLASS[cell])(input_dim, H, batch_first=True).cuda().eval()
            k, r, b = keras_weights_from_torch(cell, mod)
            packed = fcuda.pack_weights(cell, k, r, b)
            for B in batches:
                x_np = rng.uniform(-1, 1, (B, T, input_dim)).astype(np.float32)
                xc = cp.asarray(x_np)
                xt = torch.from_numpy(x_np).cuda()
                with torch.no_grad():
                    torch.backends.cudnn.allow_tf32 = False
                    want = mod(xt)[0].cpu().numpy()
                got, _ = fcuda.rnn_forward(xc, packed)
                err = float(np.abs(cp.asnumpy(got) - want).max())
                ok = err < 1e-3
                plan = fcuda._ops._plan(packed, B, 1, None)
                algo = "persistent" if plan is not None else "stepwise"

                def ours(upb=None, xc=xc, packed=packed):
                    return fcuda.rnn_forward(xc, packed, units_per_block=upb)

                t_ours = timed(ours, sync, reps)
                upb_best = None
                t_bt2 = None
                if plan is not None and B in (64, 256):  # threads taking 2 batch rows each
                    keep = fcuda._ops._BT2_FROM_BATCH[0]
                    fcuda._ops._BT2_FROM_BATCH[0] = 1
                    t_bt2 = timed(ours, sync, reps)
                    fcuda._ops._BT2_FROM_BATCH[0] = keep
                if units_per_block_sweep and plan is not None and B == 1:
                    for upb in (2, 4, 8):
                        if upb <= plan.us or fcuda._ops._plan(packed, B, 1, upb) is None:
                            continue
                        t = timed(lambda u=upb: ours(u), sync, reps)
                        if t < t_ours:
                            t_ours, upb_best = t, upb
                # Device time of the persistent recurrent kernel alone (CUDA events around it).
                kernel_ms = None
                if plan is not None:
                    fcuda._ops._profile = []
                    for _ in range(max(5, reps // 2)):
                        ours(upb_best)
                    sync()
                    kernel_ms = statistics.median(
                        cp.cuda.get_elapsed_time(a, b) for a, b in fcuda._ops._profile)
                    fcuda._ops._profile = None
                t_step = None
                if B == 1:  # the per-step-launch fallback, for comparison
                    t_step = timed(
                        lambda xc=xc, packed=packed: fcuda.rnn_forward(
                            xc, packed, algorithm="stepwise"),
                        sync, max(3, reps // 4))
                with torch.no_grad():
                    torch.backends.cudnn.allow_tf32 = False
                    t_fp32 = timed(lambda mod=mod, xt=xt: mod(xt), torch.cuda.synchronize, reps)
                    torch.backends.cudnn.allow_tf32 = True
                    t_tf32 = timed(lambda mod=mod, xt=xt: mod(xt), torch.cuda.synchronize, reps)
                    torch.backends.cudnn.allow_tf32 = False
                flops = 2 * B * T * G * H * (input_dim + H)
                row = {
                    "workload": wname,
                    "cell": cell,
                    "B": B,
                    "T": T,
                    "I": input_dim,
                    "H": H,
                    "algorithm": algo,
                    "units_per_block": upb_best or (plan.us if plan else None),
                    "max_abs_diff_vs_cudnn": err,
                    "ok": ok,
                    "ours_ms": t_ours * 1e3,
                    "cudnn_fp32_ms": t_fp32 * 1e3,
                    "cudnn_tf32_ms": t_tf32 * 1e3,
                    "stepwise_ms": None if t_step is None else t_step * 1e3,
                    "kernel_ms": kernel_ms,
                    "ours_ms_two_rows_per_thread": None if t_bt2 is None else t_bt2 * 1e3,
                    "kernel_us_per_step": None if kernel_ms is None else kernel_ms * 1e3 / T,
                    "ours_us_per_step": t_ours * 1e6 / T,
                    "speedup_vs_cudnn_fp32": t_fp32 / t_ours,
                    "ours_frac_fp32_peak": flops / t_ours / ceil["fp32_gemm_flops"],
                }
                rows.append(row)
                kstep = row["kernel_us_per_step"]
                print(
                    f"{wname:10s} {cell:10s} B={B:<3d} {algo:10s} "
                    f"upb={row['units_per_block']!s:4s} "
                    f"ours {row['ours_ms']:8.3f} ms ({row['ours_us_per_step']:6.1f} us/step, "
                    f"kernel {'-' if kstep is None else format(kstep, '.2f')} us/step) "
                    f"cudnn fp32 {row['cudnn_fp32_ms']:8.3f} tf32 {row['cudnn_tf32_ms']:8.3f} "
                    f"x{row['speedup_vs_cudnn_fp32']:5.2f} "
                    f"peak {100 * row['ours_frac_fp32_peak']:5.1f}% "
                    f"diff {err:.1e}{'' if ok else ' MISMATCH'}"
                    + ("" if t_step is None else f" stepwise {t_step * 1e3:.3f} ms")
                    + ("" if t_bt2 is None else f" 2rows/thread {t_bt2 * 1e3:.3f} ms"),
                    flush=True,
                )
    return {
        "device": name,
        "ceilings": ceil,
        "rows": rows,
        "launch_mode": fcuda.persistent_launch_mode(),
    }


def _fmt(v, spec):
    return "-" if v is None else format(v, spec)


def markdown_table(result):
    lines = [
        "| workload | cell | B | ours ms | µs/step (call) | µs/step (kernel) | cuDNN fp32 ms "
        "| cuDNN TF32 ms | speed-up vs cuDNN fp32 | % fp32 peak | per-step fallback ms "
        "| max diff |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['workload']} | {r['cell']} | {r['B']} | {r['ours_ms']:.3f} | "
            f"{r['ours_us_per_step']:.1f} | {_fmt(r.get('kernel_us_per_step'), '.2f')} | "
            f"{r['cudnn_fp32_ms']:.3f} | {r['cudnn_tf32_ms']:.3f} | "
            f"{r['speedup_vs_cudnn_fp32']:.2f}x | {100 * r['ours_frac_fp32_peak']:.1f} | "
            f"{_fmt(r.get('stepwise_ms'), '.3f')} | {r['max_abs_diff_vs_cudnn']:.1e} |"
        )
    return "\n".join(lines)


def test_bench_cuda_smoke():
    """Runs a minimal benchmark when a GPU, CuPy and torch with CUDA are present."""
    import pytest

    try:
        import cupy  # noqa: F401
        import torch
    except ImportError as exc:
        pytest.skip(f"needs CuPy and PyTorch ({exc})")
    import fusedrnn.cuda as fcuda

    if not (fcuda.is_available() and torch.cuda.is_available()):
        pytest.skip("needs a CUDA GPU")
    res = run(reps=2, quick=True, units_per_block_sweep=False)
    assert all(r["ok"] for r in res["rows"]), [r for r in res["rows"] if not r["ok"]]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--json", default=None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--table-from", default=None, help="print the table of a saved --json file")
    args = ap.parse_args(argv)
    if args.table_from:
        with open(args.table_from) as f:
            print(markdown_table(json.load(f)))
        return 0
    res = run(reps=args.reps, quick=args.quick)
    print()
    print(markdown_table(res))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    bad = [r for r in res["rows"] if not r["ok"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
