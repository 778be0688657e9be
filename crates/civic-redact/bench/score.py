"""Scores span predictions against the gold evaluation set.

For each system: per-label and micro precision, recall and F1, for exact
matching (same label, same start and end) and overlap matching (same
label, spans overlap; each gold and each predicted span is matched at
most once); and label-blind redaction recall: the share of gold
personal-data characters that some predicted span covers, whatever its
label, and the share of gold spans covered completely.

Predictions scoring below --threshold are ignored (Presidio's own default
is 0; Civic reports only what passes its threshold).

    python score.py eval.jsonl civic=civic.jsonl presidio=presidio.jsonl
"""

import argparse
import json
from collections import defaultdict

LABELS = ["PERSON", "EMAIL", "PHONE", "ADDRESS", "POSTCODE", "DATE_OF_BIRTH", "NINO", "NHS_NUMBER", "CARD_NUMBER",
          "SORT_CODE", "ACCOUNT_NUMBER", "IBAN", "PASSPORT", "DRIVING_LICENCE", "VEHICLE_REG", "IP_ADDRESS", "URL"]
VALIDATED = ["NINO", "NHS_NUMBER", "CARD_NUMBER", "IBAN", "SORT_CODE", "ACCOUNT_NUMBER", "PASSPORT",
             "DRIVING_LICENCE", "VEHICLE_REG", "POSTCODE", "PHONE", "EMAIL", "IP_ADDRESS", "URL", "DATE_OF_BIRTH"]


def load(path):
    with open(path, encoding="utf-8") as f:
        return {d["id"]: d for d in map(json.loads, f)}


def match(gold, pred, exact):
    """Greedy one-to-one matching; returns the number of matched pairs per label."""
    tp = defaultdict(int)
    used = set()
    for g in gold:
        for j, p in enumerate(pred):
            if j in used or p["label"] != g["label"]:
                continue
            ok = (p["start"] == g["start"] and p["end"] == g["end"]) if exact else (
                p["start"] < g["end"] and g["start"] < p["end"])
            if ok:
                used.add(j)
                tp[g["label"]] += 1
                break
    return tp


def prf(tp, n_pred, n_gold):
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(gold_docs, pred_docs, threshold):
    res = {}
    for exact in (True, False):
        tp, npred, ngold = defaultdict(int), defaultdict(int), defaultdict(int)
        for doc_id, g in gold_docs.items():
            preds = [p for p in pred_docs.get(doc_id, {"spans": []})["spans"] if p.get("score", 1) >= threshold]
            for s in g["spans"]:
                ngold[s["label"]] += 1
            for s in preds:
                npred[s["label"]] += 1
            for label, n in match(g["spans"], preds, exact).items():
                tp[label] += n
        per = {l: prf(tp[l], npred[l], ngold[l]) + (ngold[l], npred[l]) for l in set(ngold) | set(npred)}
        micro = prf(sum(tp.values()), sum(npred.values()), sum(ngold.values()))
        vt = sum(tp[l] for l in VALIDATED)
        valid = prf(vt, sum(npred[l] for l in VALIDATED), sum(ngold[l] for l in VALIDATED))
        res["exact" if exact else "overlap"] = {"per_label": per, "micro": micro, "validated_micro": valid}
    covered = total = full = nspans = 0
    for doc_id, g in gold_docs.items():
        preds = [p for p in pred_docs.get(doc_id, {"spans": []})["spans"] if p.get("score", 1) >= threshold]
        mask = set()
        for p in preds:
            mask.update(range(p["start"], p["end"]))
        for s in g["spans"]:
            chars = set(range(s["start"], s["end"]))
            total += len(chars)
            covered += len(chars & mask)
            nspans += 1
            full += chars <= mask
    res["blind_char_recall"] = covered / total if total else 0.0
    res["blind_span_recall"] = full / nspans if nspans else 0.0
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gold")
    ap.add_argument("systems", nargs="+", help="name=predictions.jsonl")
    ap.add_argument("--threshold", type=float, default=0.0)
    ap.add_argument("--json", help="also write all figures here")
    args = ap.parse_args()
    gold = load(args.gold)
    systems = [s.split("=", 1) for s in args.systems]
    results = {name: score(gold, load(path), args.threshold) for name, path in systems}
    names = [n for n, _ in systems]
    print(f"documents: {len(gold)}, gold spans: {sum(len(d['spans']) for d in gold.values())}\n")
    for mode in ("exact", "overlap"):
        print(f"### {mode} match\n")
        head = "| label | gold | " + " | ".join(f"{n} P | {n} R | {n} F1" for n in names) + " |"
        print(head)
        print("|" + "---|" * (2 + 3 * len(names)))
        for label in LABELS:
            row = [label, str(results[names[0]][mode]["per_label"].get(label, (0, 0, 0, 0, 0))[3])]
            for n in names:
                p, r, f, ng, npred = results[n][mode]["per_label"].get(label, (0, 0, 0, 0, 0))
                row += [f"{p:.3f}", f"{r:.3f}", f"{f:.3f}"] if npred else ["–", f"{r:.3f}", "–"]
            print("| " + " | ".join(row) + " |")
        for key, title in (("validated_micro", "micro (validated identifiers)"), ("micro", "micro (all labels)")):
            row = [f"**{title}**", ""]
            for n in names:
                row += [f"{x:.3f}" for x in results[n][mode][key]]
            print("| " + " | ".join(row) + " |")
        print()
    print("### label-blind redaction recall\n")
    print("| system | characters covered | spans fully covered |\n|---|---|---|")
    for n in names:
        print(f"| {n} | {results[n]['blind_char_recall']:.3f} | {results[n]['blind_span_recall']:.3f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
