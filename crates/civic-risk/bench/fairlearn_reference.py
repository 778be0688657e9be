"""Reference fairness figures from fairlearn's MetricFrame, for civic-risk's tests.

Writes two committed fixtures under crates/civic-risk/tests/fixtures/:

- fairness_predictions.csv: 400 rows of (y_true, y_pred, sex, age_band, ethnicity), drawn
  with a fixed seed. Group sizes and rates are uneven on purpose, and two groups exercise
  the edge cases: "other" in ethnicity is never flagged (precision has no denominator) and
  "75+" in age_band has no positive outcome (the false-negative rate has no denominator).
- fairness_fairlearn.json: for each protected column, fairlearn's per-group count,
  selection_rate, precision (zero_division=0), false_positive_rate and false_negative_rate,
  and MetricFrame.ratio() (min over max between groups).

Run from the repository root, with a virtualenv outside the repository:

    python3 -m venv /work/venv-risk
    /work/venv-risk/bin/pip install fairlearn pandas scikit-learn
    /work/venv-risk/bin/python crates/civic-risk/bench/fairlearn_reference.py
"""

import json
import pathlib

import fairlearn
import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
)
from sklearn.metrics import precision_score

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"
PROTECTED = ["sex", "age_band", "ethnicity"]


def make_fixture(n=400, seed=20261124):
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], size=n, p=[0.52, 0.48])
    age = rng.choice(["18-34", "35-54", "55-74", "75+"], size=n, p=[0.3, 0.35, 0.27, 0.08])
    eth = rng.choice(["white", "asian", "black", "mixed", "other"], size=n, p=[0.7, 0.12, 0.08, 0.06, 0.04])
    y_true = (rng.random(n) < 0.12).astype(int)
    y_true[age == "75+"] = 0
    # Flags: better than chance, more often for some groups, never for "other".
    p_flag = np.where(y_true == 1, 0.55, 0.08) * np.where(eth == "asian", 1.8, 1.0)
    p_flag = p_flag * np.where(sex == "male", 1.3, 1.0)
    y_pred = (rng.random(n) < np.clip(p_flag, 0, 1)).astype(int)
    y_pred[eth == "other"] = 0
    return pd.DataFrame(
        {"y_true": y_true, "y_pred": y_pred, "sex": sex, "age_band": age, "ethnicity": eth}
    )


def precision(y_true, y_pred):
    return precision_score(y_true, y_pred, zero_division=0)


def main():
    df = make_fixture()
    OUT.mkdir(parents=True, exist_ok=True)
    df.to_csv(OUT / "fairness_predictions.csv", index=False)
    metrics = {
        "count": count,
        "selection_rate": selection_rate,
        "precision": precision,
        "false_positive_rate": false_positive_rate,
        "false_negative_rate": false_negative_rate,
    }
    result = {"fairlearn_version": fairlearn.__version__, "columns": {}}
    for column in PROTECTED:
        mf = MetricFrame(
            metrics=metrics,
            y_true=df["y_true"],
            y_pred=df["y_pred"],
            sensitive_features=df[column],
        )
        groups = {
            str(group): {name: float(value) for name, value in row.items()}
            for group, row in mf.by_group.iterrows()
        }
        ratio = {name: float(v) for name, v in mf.ratio().items() if name != "count"}
        result["columns"][column] = {"groups": groups, "ratio": ratio}
    with open(OUT / "fairness_fairlearn.json", "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
