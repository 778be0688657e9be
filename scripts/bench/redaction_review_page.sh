#!/usr/bin/env bash
# Server CPU and page size of the web redaction review page for a text
# document of SIZE bytes (the probe's 2 MB and 9.25 MB). Usage: scripts/bench/redaction_review_page.sh BINARY SIZE PORT
set -euo pipefail
bin=$1; size=$2; port=$3
d=$(mktemp -d /tmp/revpage.XXXX)
$bin --data-dir "$d" init >/dev/null
pw=$($bin --data-dir "$d" user add cw@example.gov.uk --role caseworker 2>&1 | tail -1 | tr -d ' ')
python3 "$(dirname "$0")/case_notes.py" "$d/doc.txt" "$size"
$bin --data-dir "$d" serve --bind 127.0.0.1:$port >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$port/api/v1/health && break; sleep 0.2; done
jar=$d/jar; base=http://127.0.0.1:$port
csrf() { grep -oE 'name="csrf" value="[^"]+"' | head -1 | sed 's/.*value="//;s/"$//'; }
c=$(curl -s -c $jar -b $jar $base/sign-in | csrf)
curl -s -o /dev/null -c $jar -b $jar --data-urlencode "email=cw@example.gov.uk" --data-urlencode "password=$pw" --data-urlencode "csrf=$c" $base/sign-in
c=$(curl -s -c $jar -b $jar $base/redact | csrf)
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -c $jar -b $jar -F csrf=$c -F operator=label -F file=@"$d/doc.txt" $base/redact)
[ -n "$loc" ] || { echo "upload failed"; kill $pid; exit 1; }
for q in "" "?page=50"; do
  t0=$(awk '{print $14+$15}' /proc/$pid/stat)
  for i in 1 2 3 4 5; do curl -s -o $d/page -b $jar "$loc$q"; done
  t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  echo "size $size view '$q': $(wc -c < $d/page) bytes/page; server CPU $(( (t1-t0)*10/5 )) ms/view; $(grep -oE 'Page [0-9]+ of [0-9]+' $d/page | head -1)"
done
grep VmHWM /proc/$pid/status
kill $pid; wait $pid 2>/dev/null || true
rm -rf "$d"
