"""Stratified, seeded 80/20 train/test split of a CSV with `text` and `label` columns.

The same split files feed every system in the comparison (Civic's bench_compare example,
scikit-learn and fastText), so all are measured on exactly the same messages.

    python make_splits.py INPUT.csv OUT_DIR [--test 0.2] [--seed 2025]
"""
import argparse
import csv
import random
import sys
from collections import defaultdict

csv.field_size_limit(sys.maxsize)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("out_dir")
    ap.add_argument("--test", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=2025)
    a = ap.parse_args()
    with open(a.input, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames
        rows = list(reader)
    by_label = defaultdict(list)
    for r in rows:
        by_label[r["label"]].append(r)
    rng = random.Random(a.seed)
    train, test = [], []
    for label in sorted(by_label):
        items = by_label[label]
        rng.shuffle(items)
        k = round(len(items) * a.test)
        test.extend(items[:k])
        train.extend(items[k:])
    rng.shuffle(train)
    rng.shuffle(test)
    for name, part in (("train", train), ("test", test)):
        with open(f"{a.out_dir}/{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(part)
    print(f"train {len(train)} test {len(test)} labels {len(by_label)}")


if __name__ == "__main__":
    main()
