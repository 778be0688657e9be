//! `civic risk …` end to end on small synthetic claims.

use std::path::Path;

use serde_json::Value;

use crate::support::{civic, init, stdout, tempdir};

/// Writes `rows` synthetic claims as CSV, leaving out `drop` columns.
fn write_claims_csv(path: &Path, rows: usize, seed: u64, drop: &[&str]) {
    let table = civic_risk::demo::synthetic_claims(rows, seed);
    let keep: Vec<usize> = (0..table.columns().len())
        .filter(|&i| !drop.contains(&table.columns()[i].as_str()))
        .collect();
    let mut text = keep
        .iter()
        .map(|&i| table.columns()[i].clone())
        .collect::<Vec<_>>()
        .join(",");
    text.push('\n');
    for row in table.rows() {
        let cells: Vec<String> = keep
            .iter()
            .map(|&i| match &row.cells[i] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    std::fs::write(path, text).expect("write claims");
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn train_args<'a>(data: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "risk",
        "train",
        "--data",
        data,
        "--label-column",
        "error_found",
        "--protected-columns",
        "age_band,sex,disability,ethnicity",
        "--exclude-columns",
        "claim_id",
        "--name",
        "claims-risk",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_risk_model_is_trained_scored_explained_and_audited_for_fairness() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let data = tmp.path().join("claims.csv");
    write_claims_csv(&data, 2_000, 3, &[]);
    let data = data.to_str().expect("utf8");
    let out = civic(
        &dir,
        None,
        &train_args(
            data,
            &["--capacity", "100", "--per", "week", "--volume", "2000"],
        ),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    for expected in [
        "ROC AUC",
        "PR AUC",
        "Calibration (held out)",
        "review capacity 100 per period out of 2000 (5.0%)",
        "precision",
        "recall",
        "WARNING: `preferred_language` may be a proxy for `ethnicity`",
        "ethnicity",
        "(capacity and volume are per week)",
        "Registered claims-risk version 1 and made it active.",
    ] {
        assert!(report.contains(expected), "{expected:?} in {report}");
    }

    let list = stdout(&civic(&dir, None, &["model", "list"]));
    let line = list
        .lines()
        .find(|l| l.starts_with("claims-risk"))
        .expect("listed");
    assert!(line.contains("risk") && line.contains("yes"), "{line}");

    // Scoring: new claims without the outcome; every row gets three columns.
    let input = tmp.path().join("new.csv");
    write_claims_csv(&input, 300, 8, &["error_found"]);
    let output = tmp.path().join("scored.csv");
    let score = |extra: &[&str]| {
        let mut args = vec![
            "risk",
            "score",
            "--model",
            "claims-risk@1",
            input.to_str().expect("utf8"),
            "--output",
            output.to_str().expect("utf8"),
        ];
        args.extend_from_slice(extra);
        civic(&dir, None, &args)
    };
    let out = score(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Scored 300 claims"),
        "{}",
        stdout(&out)
    );
    let written = std::fs::read_to_string(&output).expect("output");
    let header = written.lines().next().expect("header");
    assert!(
        header.ends_with(",risk_score,flagged,top_factors"),
        "{header}"
    );
    assert_eq!(written.lines().count(), 301);
    assert!(
        written.contains("claim_amount="),
        "top factors name features"
    );

    // An existing output is kept unless --overwrite is given.
    let again = score(&[]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read_to_string(&output).expect("output"), written);
    assert!(score(&["--overwrite"]).status.success());

    // Fairness on new labelled outcomes, with the SVG chart.
    let labelled = tmp.path().join("outcomes.csv");
    write_claims_csv(&labelled, 600, 9, &[]);
    let reports = tmp.path().join("fairness");
    let out = civic(
        &dir,
        None,
        &[
            "risk",
            "fairness",
            "--model",
            "claims-risk",
            "--data",
            labelled.to_str().expect("utf8"),
            "--label-column",
            "error_found",
            "--report-dir",
            reports.to_str().expect("utf8"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("600 rows") && text.contains("age_band"),
        "{text}"
    );
    let svg = std::fs::read_to_string(reports.join("fairness.svg")).expect("svg");
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{svg}");
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(reports.join("fairness.json")).expect("json"),
    )
    .expect("json");
    assert_eq!(json["rows"], 600);

    // Explaining one claim, with an unseen category reported.
    let out = civic(
        &dir,
        None,
        &[
            "risk",
            "explain",
            "--model",
            "claims-risk",
            "--row",
            r#"{"claim_amount": 420, "household_size": 2, "changes_of_circumstance_12m": 3,
                "days_since_last_claim": 20, "channel": "fax", "region": "wales",
                "employment_status": "employed", "bank_details_changed": true,
                "previous_overpayment": false, "preferred_language": "english"}"#,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Risk score:") && text.contains("bank_details_changed"),
        "{text}"
    );
    assert!(
        text.contains("channel = \"fax\" was never seen in training"),
        "{text}"
    );
}

/// 40 claims, a quarter with errors, and a word in the amount on line 27.
fn numeric_rows_with_text_on_line_27() -> String {
    (0..40)
        .map(|i| {
            let amount = if i == 25 {
                "lots".to_owned()
            } else {
                format!("{}", 10 + i)
            };
            let channel = if i % 2 == 0 { "post" } else { "web" };
            format!("c{i},{amount},{channel},{}\n", u8::from(i % 4 == 0))
        })
        .collect()
}

#[test]
fn bad_risk_data_is_refused_with_the_file_line_and_column() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let header = "claim_id,claim_amount,channel,error_found\n";
    let cases: [(&str, String, &[&str]); 3] = [
        (
            "one-class.csv",
            format!("{header}{}", "c1,10,post,0\n".repeat(50)),
            &["only one outcome", "error_found"],
        ),
        (
            "text.csv",
            format!("{header}{}", numeric_rows_with_text_on_line_27()),
            &["text.csv", "line 27", "claim_amount", "lots"],
        ),
        ("empty.csv", header.to_owned(), &["empty.csv", "no records"]),
    ];
    for (name, body, expected) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, body).expect("write");
        let out = civic(
            &dir,
            None,
            &[
                "risk",
                "train",
                "--data",
                path.to_str().expect("utf8"),
                "--label-column",
                "error_found",
                "--exclude-columns",
                "claim_id",
                "--name",
                "bad",
            ],
        );
        assert!(!out.status.success(), "{name}");
        let err = stderr(&out);
        for e in expected {
            assert!(err.contains(e), "{name}: {e:?} in {err}");
        }
    }
    let list = stdout(&civic(&dir, None, &["model", "list"]));
    assert!(!list.contains("bad"), "{list}");
}

#[test]
fn scoring_a_file_with_a_missing_column_names_it_and_writes_nothing() {
    let (tmp, dir) = tempdir();
    init(&dir, None);
    let data = tmp.path().join("claims.csv");
    write_claims_csv(&data, 1_500, 4, &[]);
    let out = civic(&dir, None, &train_args(data.to_str().expect("utf8"), &[]));
    assert!(out.status.success(), "{}", stderr(&out));
    let input = tmp.path().join("new.csv");
    write_claims_csv(&input, 50, 5, &["error_found", "channel"]);
    let output = tmp.path().join("scored.csv");
    let out = civic(
        &dir,
        None,
        &[
            "risk",
            "score",
            "--model",
            "claims-risk",
            input.to_str().expect("utf8"),
            "-o",
            output.to_str().expect("utf8"),
        ],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("missing columns") && err.contains("channel"),
        "{err}"
    );
    assert!(!output.exists());
}
