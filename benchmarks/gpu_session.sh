#!/usr/bin/env bash
# Everything issue 5 needs from a GPU machine, in as few device calls as possible (GPU time is
# lent rarely and briefly, 10 minutes a call; a machine left idle goes back and the next call
# starts a bare one):
#
#   bash benchmarks/gpu_session.sh                 # machine build cuda: first call
#   bash benchmarks/gpu_session.sh build bench     # second call (the build is reused when the
#   bash benchmarks/gpu_session.sh build suite     # machine is still warm, else rebuilt)
#
# Results go under $OUT (the device tool's result folder), or ./gpu-out: a log and, for the
# tests, JUnit XML per step, and a summary line per step at the end of the output. Each step
# has its own time limit, so one that hangs still leaves the others' results.
#   machine  nvidia-smi, Python, NumPy, CuPy, the CPU model
#   build    fusedrnn built from this tree with the packages already installed (no network:
#            --no-build-isolation uses the machine's scikit-build-core, pybind11 and CMake)
#            into a private directory put first on PYTHONPATH; skipped when that directory
#            already holds a build of the same sources
#   cuda     tests/test_cuda.py, test_cuda_compile.py, test_cuda_layers.py: the kernels against
#            the NumPy reference, the Keras-style layers and models on CuPy against the same
#            layers on the CPU
#   suite    the rest of the test suite, on this machine's CPU (another CPU model, more cores)
#   bench    benchmarks/bench_cuda.py: the standard workloads at batch 1, 64 and 256 against
#            cuDNN
# No arguments: machine build cuda. Without a usable GPU the cuda step's GPU tests skip with
# their reason (pytest -rs lists them) and the bench step fails.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/gpu-out}
SITE=${FUSEDRNN_GPU_SITE:-/tmp/fusedrnn-gpu-site}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1

jobs=$(nproc 2>/dev/null || echo 4)
xdist=()
if "$PY" -c "import xdist" 2>/dev/null; then xdist=(-n "$((jobs < 8 ? jobs : 8))"); fi
# -p no:benchmark: pytest-benchmark warns under xdist, and the project's warnings are errors.
pytest_cmd=("$PY" -m pytest -p no:cacheprovider -p no:benchmark -q -rfEs "${xdist[@]}")
cuda_tests=(tests/test_cuda.py tests/test_cuda_compile.py tests/test_cuda_layers.py)

summary=()
run_step() {  # name, time limit in seconds, command...
  local name=$1 limit=$2 t0=$SECONDS rc
  shift 2
  echo "=== $name (limit ${limit} s)"
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$OUT/$name.log"
  rc=${PIPESTATUS[0]}
  summary+=("$name: exit $rc after $((SECONDS - t0)) s")
  return "$rc"
}

machine_info() {
  nvidia-smi || echo "nvidia-smi: not found"
  grep -m1 'model name' /proc/cpuinfo
  echo "cores: $jobs"
  "$PY" - <<'EOF'
import sys
import numpy
print("python", sys.version.split()[0], "numpy", numpy.__version__)
try:
    import cupy
    print("cupy", cupy.__version__, "devices:", cupy.cuda.runtime.getDeviceCount())
except Exception as exc:  # report, do not fail: the cuda step says what is missing
    print("cupy unusable:", type(exc).__name__, exc)
EOF
}

sources_hash() {
  find csrc python CMakeLists.txt pyproject.toml -type f ! -name '*.pyc' -print0 | sort -z \
    | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}

build() {
  local stamp
  stamp=$(sources_hash)
  if [ -f "$SITE/.sources" ] && [ "$(cat "$SITE/.sources")" = "$stamp" ]; then
    echo "reusing the build in $SITE"
    return 0
  fi
  rm -rf "$SITE"
  "$PY" -m pip install --no-build-isolation --no-deps --no-cache-dir --target "$SITE" "$ROOT" \
    && echo "$stamp" > "$SITE/.sources" \
    && PYTHONPATH=$SITE "$PY" - "$SITE" <<'EOF'
import sys
import fusedrnn
where = fusedrnn.__file__
print("built", where, "CPU kernels:", fusedrnn.cpu_isa())
if not where.startswith(sys.argv[1] + "/"):  # e.g. an editable install shadowing PYTHONPATH
    sys.exit(f"fusedrnn imports from {where}, not from the build in {sys.argv[1]}")
EOF
}

steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(machine build cuda)
for step in "${steps[@]}"; do  # all checked before any runs: a typo must not cost a build
  case $step in
    machine | build | cuda | suite | bench) ;;
    *) echo "unknown step '$step' (machine, build, cuda, suite, bench)" >&2; exit 2 ;;
  esac
done
for step in "${steps[@]}"; do
  case $step in
    machine) run_step machine 60 bash -c "$(declare -f machine_info); jobs=$jobs PY=$PY machine_info" ;;
    build) run_step build 240 bash -c "$(declare -f sources_hash build); ROOT=$ROOT SITE=$SITE PY=$PY build" \
      || break ;;
    cuda) PYTHONPATH=$SITE run_step cuda 300 "${pytest_cmd[@]}" --junitxml "$OUT/cuda.xml" \
      "${cuda_tests[@]}" ;;
    suite) PYTHONPATH=$SITE run_step suite 240 "${pytest_cmd[@]}" --junitxml "$OUT/suite.xml" \
      tests "${cuda_tests[@]/#/--ignore=}" ;;
    bench) PYTHONPATH=$SITE run_step bench 360 "$PY" benchmarks/bench_cuda.py --reps 30 \
      --json "$OUT/bench_cuda.json" ;;
  esac
done
echo "=== summary (logs in $OUT)"
printf '%s\n' "${summary[@]}"
