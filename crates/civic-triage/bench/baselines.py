"""Baselines for the triage comparison: scikit-learn and fastText on the same split files.

    python baselines.py TRAIN.csv TEST.csv [--name DATASET]

Prints one JSON line per system: accuracy, macro-F1, training and prediction time.
Systems:
  - sklearn-lr:  TfidfVectorizer(word 1-2 grams, sublinear_tf) + LogisticRegression
  - sklearn-svc: the same features + LinearSVC
  - fasttext:    fastText supervised, wordNgrams=2, 25 epochs, lr 0.5 (lowercased text)
Each system's training time covers feature extraction and fitting, as ours does.
"""
import argparse
import csv
import json
import os
import re
import sys
import tempfile
import time

csv.field_size_limit(sys.maxsize)


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def scores(y_true, y_pred):
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "accuracy": accuracy_score(y_true, y_pred),
        "macro_f1": f1_score(y_true, y_pred, average="macro"),
    }


def run_sklearn(name, clf, xtr, ytr, xte, yte):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1), clf)
    t0 = time.perf_counter()
    pipe.fit(xtr, ytr)
    train_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    pred = pipe.predict(xte)
    predict_s = time.perf_counter() - t1
    return {"system": name, **scores(yte, pred), "train_seconds": train_s, "predict_seconds": predict_s}


def ft_clean(text):
    return re.sub(r"\s+", " ", text.lower()).strip()


def run_fasttext(xtr, ytr, xte, yte):
    import fasttext

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        for x, y in zip(xtr, ytr):
            f.write(f"__label__{y} {ft_clean(x)}\n")
        path = f.name
    t0 = time.perf_counter()
    model = fasttext.train_supervised(path, wordNgrams=2, epoch=25, lr=0.5, verbose=0, seed=0, thread=1)
    train_s = time.perf_counter() - t0
    os.unlink(path)
    t1 = time.perf_counter()
    labels, _ = model.predict([ft_clean(x) for x in xte])
    predict_s = time.perf_counter() - t1
    pred = [l[0][len("__label__"):] for l in labels]
    return {"system": "fasttext", **scores(yte, pred), "train_seconds": train_s, "predict_seconds": predict_s}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--name", default="")
    a = ap.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    xtr, ytr = read(a.train)
    xte, yte = read(a.test)
    results = [
        run_sklearn("sklearn-lr", LogisticRegression(max_iter=1000), xtr, ytr, xte, yte),
        run_sklearn("sklearn-svc", LinearSVC(), xtr, ytr, xte, yte),
        run_fasttext(xtr, ytr, xte, yte),
    ]
    for r in results:
        r.update({"dataset": a.name, "train_examples": len(xtr), "test_examples": len(xte)})
        print(json.dumps(r))


if __name__ == "__main__":
    main()
