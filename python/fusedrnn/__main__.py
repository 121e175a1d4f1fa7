"""Command line: `python -m fusedrnn demo` and `python -m fusedrnn bench [options]`."""

from __future__ import annotations

import sys


def _demo() -> int:
    from ._demo import run_cell_demo

    ok = run_cell_demo()
    try:
        from ._demo_models import run_model_demo
    except ImportError:
        run_model_demo = None
    if run_model_demo is not None:
        print()
        ok = run_model_demo() and ok
    print("\nall results match the reference" if ok else "\nMISMATCH against the reference")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m fusedrnn {demo,bench} [options]\n"
              "  demo   run each cell and the tutorial models, check them against the reference\n"
              "  bench  time the standard workloads (see python -m fusedrnn bench --help)")
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "demo":
        return _demo()
    if command == "bench":
        from .bench import main as bench_main

        return int(bench_main(rest) or 0)
    print(f"unknown command {command!r}; expected demo or bench", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
