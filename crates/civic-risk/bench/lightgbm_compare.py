"""Side-by-side comparison of civic-risk with LightGBM on the same train/test split.

Datasets (all available offline from package registries):
- claims: civic-risk's synthetic claims (20,000 rows, `examples/gen_claims.rs`, seed 2026);
- breast_cancer: scikit-learn's bundled Wisconsin breast cancer data (569 rows);
- fair: statsmodels' bundled Fair (1978) affairs survey (6,366 rows; outcome affairs > 0).

For each dataset the script writes train.csv and test.csv (a stratified 75/25 split with
a fixed seed) to WORKDIR, trains LightGBM with default parameters and with a tuned
configuration on train.csv, runs `target/release/examples/compare` on the same files, and
prints a Markdown table of test ROC AUC and training time.

    cargo build --release -p civic-risk --example compare --example gen_claims
    /work/venv-risk/bin/pip install lightgbm pandas scikit-learn statsmodels
    /work/venv-risk/bin/python crates/civic-risk/bench/lightgbm_compare.py [WORKDIR]
"""

import json
import os
import pathlib
import subprocess
import sys
import time

import lightgbm as lgb
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

ROOT = pathlib.Path(__file__).resolve().parents[3]
COMPARE = ROOT / "target" / "release" / "examples" / "compare"
GEN_CLAIMS = ROOT / "target" / "release" / "examples" / "gen_claims"
THREADS = 2
# The train/test split's seed; SPLIT_SEED=… runs the comparison on a different split.
SPLIT_SEED = int(os.environ.get("SPLIT_SEED", "2026"))

# The tuned run searches this grid by 5-fold cross-validation on the training split (with
# early stopping inside each fold), then refits on the whole training split with the best
# configuration and its mean best number of rounds.
GRID = [
    dict(num_leaves=leaves, min_child_samples=min_child, learning_rate=0.03,
         feature_fraction=0.8, bagging_fraction=0.8, bagging_freq=1, lambda_l2=1.0)
    for leaves in (7, 15, 31)
    for min_child in (20, 50)
]


def claims(workdir):
    path = workdir / "claims.csv"
    with open(path, "w") as f:
        subprocess.run([str(GEN_CLAIMS), "20000", "2026"], stdout=f, check=True)
    df = pd.read_csv(path)
    return df, "error_found", ["age_band", "sex", "disability", "ethnicity"], ["claim_id"]


def breast_cancer(_workdir):
    data = load_breast_cancer(as_frame=True)
    df = data.frame.rename(columns=lambda c: c.replace(" ", "_"))
    # In scikit-learn's encoding 0 is malignant; make malignant the positive outcome.
    df["malignant"] = 1 - df.pop("target")
    return df, "malignant", [], []


def fair(_workdir):
    import statsmodels.api as sm

    df = sm.datasets.fair.load_pandas().data
    df["had_affair"] = (df.pop("affairs") > 0).astype(int)
    return df, "had_affair", [], []


def lightgbm_auc(train, test, label, drop, tuned):
    features = [c for c in train.columns if c != label and c not in drop]
    xtr, xte = train[features].copy(), test[features].copy()
    for c in features:
        if xtr[c].dtype == object or str(xtr[c].dtype) in ("string", "str"):
            cats = pd.CategoricalDtype(sorted(xtr[c].dropna().astype(str).unique()))
            xtr[c] = xtr[c].astype(str).where(xtr[c].notna()).astype(cats)
            xte[c] = xte[c].astype(str).where(xte[c].notna()).astype(cats)
    started = time.perf_counter()
    if tuned:
        best = None
        for params in GRID:
            full = dict(params, objective="binary", metric="auc", verbose=-1,
                        num_threads=THREADS, seed=0)
            cv = lgb.cv(full, lgb.Dataset(xtr, train[label]), num_boost_round=3000, nfold=5,
                        stratified=True, seed=0,
                        callbacks=[lgb.early_stopping(100, verbose=False)])
            score, rounds = cv["valid auc-mean"][-1], len(cv["valid auc-mean"])
            if best is None or score > best[0]:
                best = (score, rounds, full)
        model = lgb.LGBMClassifier(
            n_estimators=best[1], random_state=0, n_jobs=THREADS, verbose=-1,
            **{k: v for k, v in best[2].items() if k not in ("objective", "metric", "verbose", "num_threads", "seed")},
        )
        model.fit(xtr, train[label])
    else:
        model = lgb.LGBMClassifier(n_jobs=THREADS, random_state=0, verbose=-1)
        model.fit(xtr, train[label])
    seconds = time.perf_counter() - started
    return roc_auc_score(test[label], model.predict_proba(xte)[:, 1]), seconds


def civic(train_csv, test_csv, label, protected, exclude, holdout):
    out = subprocess.run(
        [
            str(COMPARE), "--train", str(train_csv), "--test", str(test_csv), "--label", label,
            "--protected", ",".join(protected), "--exclude", ",".join(exclude),
            "--holdout", str(holdout),
        ],
        capture_output=True, text=True, check=True,
        env={**os.environ, "RAYON_NUM_THREADS": str(THREADS)},
    )
    return json.loads(out.stdout)


def main():
    workdir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/civic-risk-bench")
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, loader in [("claims", claims), ("breast_cancer", breast_cancer), ("fair", fair)]:
        df, label, protected, exclude = loader(workdir)
        train, test = train_test_split(
            df, test_size=0.25, stratify=df[label], random_state=SPLIT_SEED
        )
        train_csv, test_csv = workdir / f"{name}_train.csv", workdir / f"{name}_test.csv"
        train.to_csv(train_csv, index=False)
        test.to_csv(test_csv, index=False)
        drop = protected + exclude
        default_auc, default_s = lightgbm_auc(train, test, label, drop, tuned=False)
        tuned_auc, tuned_s = lightgbm_auc(train, test, label, drop, tuned=True)
        ours = civic(train_csv, test_csv, label, protected, exclude, 0.2)
        ours_small = civic(train_csv, test_csv, label, protected, exclude, 0.05)
        rows.append(
            (name, len(train), len(test), default_auc, default_s, tuned_auc, tuned_s,
             ours["test_roc_auc"], ours["train_seconds"], ours_small["test_roc_auc"],
             ours_small["train_seconds"])
        )
    print("| dataset | train / test rows | LightGBM default AUC (s) | LightGBM tuned AUC (s) "
          "| civic-risk AUC, holdout 0.2 (s) | civic-risk AUC, holdout 0.05 (s) "
          "| gap to best LightGBM (0.2 / 0.05) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        best = max(r[3], r[5])
        print(f"| {r[0]} | {r[1]} / {r[2]} | {r[3]:.4f} ({r[4]:.2f}) | {r[5]:.4f} ({r[6]:.2f}) "
              f"| {r[7]:.4f} ({r[8]:.2f}) | {r[9]:.4f} ({r[10]:.2f}) "
              f"| {r[7] - best:+.4f} / {r[9] - best:+.4f} |")
    print(f"\nlightgbm {lgb.__version__}, pandas {pd.__version__}, threads {THREADS}, "
          f"split seed {SPLIT_SEED}")


if __name__ == "__main__":
    main()
