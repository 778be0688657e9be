#!/usr/bin/env bash
# Civic redaction against Presidio on the same generated UK evaluation set.
#
#   bash crates/civic-redact/bench/run.sh
#
# Generates the set (deterministic seed), runs Civic's `detect` example and
# Presidio on it, each pinned to one core, and prints per-label and micro
# precision/recall/F1 plus label-blind redaction recall. Needs Python 3.11
# and network access to PyPI the first time (to fill the virtualenv).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
venv=${VENV:-/work/venv-redact}
out=${OUT:-$root/target/redact-bench}
seed=${SEED:-20261124}
count=${COUNT:-2400}
mkdir -p "$out"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$here/requirements.txt"
fi
pin() { if command -v taskset >/dev/null; then taskset -c 0 "$@"; else "$@"; fi; }

"$venv/bin/python" "$here/generate.py" --seed "$seed" --count "$count" --out "$out/eval.jsonl"
(cd "$root" && cargo build -q --release -p civic-redact --example detect)
pin "$root/target/release/examples/detect" "$out/eval.jsonl" > "$out/civic.jsonl"
OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    pin "$venv/bin/python" "$here/presidio_detect.py" "$out/eval.jsonl" > "$out/presidio.jsonl"
"$venv/bin/python" "$here/score.py" "$out/eval.jsonl" civic="$out/civic.jsonl" presidio="$out/presidio.jsonl" \
    --json "$out/scores.json"
