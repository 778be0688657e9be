#!/usr/bin/env bash
# Issue 16 item 8's scenario on the web Redaction page: two caseworkers
# each upload two text documents of SIZE bytes (kept as drafts, none
# finished), then a third uploads a short letter and opens its review.
# Prints each upload's HTTP status, the server's peak and final resident
# memory (VmHWM, VmRSS), its CPU time, and the disk the drafts take.
# Usage: scripts/bench/redaction_drafts.sh BINARY SIZE PORT
set -euo pipefail
bin=$1; size=$2; port=$3
d=$(mktemp -d /tmp/drafts-bench.XXXX)
$bin --data-dir "$d" init >/dev/null
declare -A pw
for u in cw1 cw2 cw3; do
  pw[$u]=$($bin --data-dir "$d" user add $u@example.gov.uk --role caseworker 2>&1 | tail -1 | tr -d ' ')
done
python3 "$(dirname "$0")/case_notes.py" "$d/doc.txt" "$size"
printf 'Dear Mr John Smith,\nWe will call you on 020 7946 0000.\n' > "$d/letter.txt"
$bin --data-dir "$d" serve --bind 127.0.0.1:$port >"$d/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$d"' EXIT
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$port/api/v1/health && break; sleep 0.2; done
base=http://127.0.0.1:$port
csrf() { grep -oE 'name="csrf" value="[^"]+"' | head -1 | sed 's/.*value="//;s/"$//'; }
sign_in() {
  local jar=$d/$1.jar c
  c=$(curl -s -c $jar -b $jar $base/sign-in | csrf)
  curl -s -o /dev/null -c $jar -b $jar --data-urlencode "email=$1@example.gov.uk" --data-urlencode "password=${pw[$1]}" --data-urlencode "csrf=$c" $base/sign-in
}
# Uploads FILE as USER; prints the status and where it leads.
upload() {
  local jar=$d/$1.jar c
  c=$(curl -s -c $jar -b $jar $base/redact | csrf)
  curl -s -o "$d/answer" -w '%{http_code} %{redirect_url}' -c $jar -b $jar -F csrf=$c -F operator=label -F file=@"$2" $base/redact
}
cpu() { awk '{print $14+$15}' /proc/$pid/stat; }
for u in cw1 cw2 cw3; do sign_in $u; done
t0=$(cpu)
mem() { grep -E 'VmHWM|VmRSS' /proc/$pid/status | awk '{printf "%s %d MB; ", $1, $2/1024}'; }
for u in cw1 cw1 cw2 cw2; do
  s=$(upload $u "$d/doc.txt")
  echo "upload $u $(du -b "$d/doc.txt" | cut -f1) bytes: ${s%% *}; after it: $(mem)"
done
s=$(upload cw3 "$d/letter.txt")
echo "third user's upload: ${s%% *}"
loc=${s#* }
if [ -n "$loc" ]; then
  echo "third user's review: $(curl -s -o /dev/null -w '%{http_code}' -b $d/cw3.jar "$loc")"
fi
t1=$(cpu)
echo "server CPU for the five uploads: $(( (t1-t0)*10 )) ms"
grep -E 'VmHWM|VmRSS' /proc/$pid/status
if [ -d "$d/drafts" ]; then
  echo "drafts on disk: $(du -sb "$d/drafts" | cut -f1) bytes in $(find "$d/drafts" -mindepth 1 -maxdepth 1 | wc -l) drafts"
  one=$(ls -S "$d"/drafts/*/upload | head -1 | xargs dirname)
  echo "the largest: upload $(du -b "$one/upload" | cut -f1) bytes, $(ls "$one" | grep -c '^page-') pages of $(cat "$one"/page-*.json | wc -c) bytes, the rest $(cat "$one"/index.json "$one"/draft.json "$one"/choices.json | wc -c) bytes"
fi
