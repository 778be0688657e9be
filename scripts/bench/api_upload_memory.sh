#!/usr/bin/env bash
# Peak RSS and CPU of `civic serve` (docs/benchmarks/redaction.md) answering one 9 MB text upload through
# POST /api/v1/redact, as JSON and (new build) as a ZIP. Usage: scripts/bench/api_upload_memory.sh BINARY MODE(json|zip) PORT
set -euo pipefail
bin=$1; mode=$2; port=$3
d=$(mktemp -d /tmp/upmem.XXXX)
$bin --data-dir "$d" init >/dev/null
tok=$($bin --data-dir "$d" key create --role caseworker --name m | grep -oE 'civic_[A-Za-z0-9_-]+' | head -1)
[ -n "$tok" ] || { echo "no token"; $bin --data-dir "$d" key create --role caseworker --name m2; exit 1; }
python3 - "$d/doc.txt" <<'PY'
import sys, random
r = random.Random(7)
names = ["John Smith","Priya Patel","Kwame Mensah","Sarah Thompson","Ahmed Khan"]
with open(sys.argv[1], "w") as f:
    size = 0; i = 0
    while size < 9_250_000:
        line = f"Case {i}: spoke to {r.choice(names)} on 020 7946 {r.randrange(10000):04d} about the repairs at the flat; e-mail jo{i}@example.com.\n"
        f.write(line); size += len(line); i += 1
PY
$bin --data-dir "$d" serve --bind 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$port/api/v1/health && break; sleep 0.2; done
t0=$(awk '{print $14+$15}' /proc/$pid/stat)
if [ "$mode" = zip ]; then acc="application/zip"; else acc="application/json"; fi
curl -s -o "$d/answer" -w "%{http_code} %{size_download} bytes %{time_total}s\n" -H "Authorization: Bearer $tok" -H "Accept: $acc" -F file=@"$d/doc.txt" http://127.0.0.1:$port/api/v1/redact
t1=$(awk '{print $14+$15}' /proc/$pid/stat)
hwm=$(grep VmHWM /proc/$pid/status)
echo "$mode: $hwm; server CPU $(( (t1-t0) ))0 ms (clock ticks x10)"
kill $pid; wait $pid 2>/dev/null || true
rm -rf "$d"
