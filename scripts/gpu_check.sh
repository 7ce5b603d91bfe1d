#!/usr/bin/env bash
# The GPU check, one script for a machine with a CUDA GPU (the device runs of issue #28):
#   bash scripts/gpu_check.sh            results under $OUT (default gpu-check/)
# 1. installs the gpu extra (CuPy) into .venv (scripts/install.sh first when there is none);
# 2. runs every GPU test (pytest -m gpu: CuPy against numpy on every simulator, the device paths);
# 3. times every benchmark case at both sizes with the cupy column and the whole runs per backend
#    (python -m benchmarks), writing the tables that go into benchmarks/RESULTS.md.
# Each step's log is kept; the script stops at the first failing step and says which.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-check}
mkdir -p "$OUT"
[ -x .venv/bin/python ] || bash scripts/install.sh
.venv/bin/python -m pip install --quiet -e ".[gpu,test]" 2>&1 | tee "$OUT/install.log"
.venv/bin/python -c "from sims.backend import cupy_available; import sys; \
sys.exit(0 if cupy_available() else 'CuPy does not see a CUDA device: nothing to check')"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.csv" || true
.venv/bin/python -m pytest -m gpu -q -p no:cacheprovider 2>&1 | tee "$OUT/pytest-gpu.log"
.venv/bin/python -m benchmarks --size both --repeats 3 --markdown "$OUT/benchmarks.md" \
    --json "$OUT/benchmarks.json" 2>&1 | tee "$OUT/benchmarks.log"
echo "GPU check done: $OUT/"
