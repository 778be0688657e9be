#!/usr/bin/env bash
# Checks that a redacted DOCX opens in LibreOffice and that no redacted
# string survives, in the package or in the rendered PDF.
#
#   apt-get install -y libreoffice-writer-nogui poppler-utils
#   bash crates/civic-redact/bench/docx_libreoffice.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd "$root" && CIVIC_REDACT_DOCX_OUT="$out" cargo test -q -p civic-redact --test it docx_fixture_can_be_written_for_libreoffice)
libreoffice --headless --convert-to pdf --outdir "$out" "$out/redacted.docx" >/dev/null 2>&1
pdftotext "$out/redacted.pdf" "$out/redacted.txt"
mkdir "$out/package" && (cd "$out/package" && unzip -q ../redacted.docx)
status=0
for secret in Sarah Thompson 5919 "JH 12" Wendy Harriet "Comment Author" "Doc Creator" "Last Modifier" \
    "Acme Secret" jo.bloggs 07911 Fiona "Officer Deleter" custom-secret; do
    if grep -rqF "$secret" "$out/package" "$out/redacted.txt"; then
        echo "FOUND: $secret"
        status=1
    fi
done
echo "--- rendered text ---"
cat "$out/redacted.txt"
[ "$status" -eq 0 ] && echo "ok: LibreOffice rendered the document and no redacted string survives"
exit "$status"
