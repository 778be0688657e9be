use civic_risk::{Explain, RiskError, Row, Table, TrainOptions, train};
use serde_json::json;

use crate::{claim_options, claims, trained};

fn small(columns: &[&str], rows: Vec<Vec<serde_json::Value>>) -> Table {
    let rows = rows
        .into_iter()
        .enumerate()
        .map(|(i, c)| Row::new(i as u64 + 2, c))
        .collect();
    Table::new(columns.iter().map(|c| c.to_string()).collect(), rows).unwrap()
}

/// The claims table with one row's cells replaced.
fn claims_with(line_index: usize, column: &str, value: serde_json::Value) -> Table {
    let t = claims();
    let col = t.column_index(column).unwrap();
    let mut rows = t.rows()[..50].to_vec();
    rows[line_index].cells[col] = value;
    Table::new(t.columns().to_vec(), rows).unwrap()
}

#[test]
fn empty_table_is_an_error() {
    let t = small(&["x", "y"], vec![]);
    let err = train(&t, &TrainOptions::new("y"), &mut |_| {}).unwrap_err();
    assert_eq!(err, RiskError::EmptyTable);
    let (model, _) = trained();
    let empty = Table::new(claims().columns().to_vec(), vec![]).unwrap();
    assert_eq!(
        model.score_batch(&empty, Explain::None).unwrap_err(),
        RiskError::EmptyTable
    );
}

#[test]
fn one_class_label_is_an_error() {
    let t = small(
        &["x", "y"],
        (0..50).map(|i| vec![json!(i), json!("no")]).collect(),
    );
    let err = train(&t, &TrainOptions::new("y"), &mut |_| {}).unwrap_err();
    assert_eq!(
        err,
        RiskError::SingleClass {
            column: "y".into(),
            class: 0
        }
    );
    assert_eq!(err.code(), "risk.single_class");
}

#[test]
fn bad_label_names_its_line() {
    let t = claims_with(7, "error_found", json!("perhaps"));
    let err = train(&t, &claim_options(), &mut |_| {}).unwrap_err();
    assert_eq!(
        err,
        RiskError::InvalidLabel {
            line: 9,
            column: "error_found".into(),
            value: "perhaps".into()
        }
    );
}

#[test]
fn unknown_and_missing_columns_are_named() {
    let (model, _) = trained();
    let t = claims();
    let mut columns = t.columns().to_vec();
    let amount = t.column_index("claim_amount").unwrap();
    columns[amount] = "claim_amount_gbp".into();
    let renamed = Table::new(columns, t.rows()[..5].to_vec()).unwrap();
    assert_eq!(
        model.score_batch(&renamed, Explain::None).unwrap_err(),
        RiskError::UnknownColumns {
            columns: vec!["claim_amount_gbp".into()]
        }
    );
    let kept: Vec<usize> = (0..t.columns().len()).filter(|&i| i != amount).collect();
    let dropped = Table::new(
        kept.iter().map(|&i| t.columns()[i].clone()).collect(),
        t.rows()[..5]
            .iter()
            .map(|r| Row::new(r.line, kept.iter().map(|&i| r.cells[i].clone()).collect()))
            .collect(),
    )
    .unwrap();
    assert_eq!(
        model.score_batch(&dropped, Explain::None).unwrap_err(),
        RiskError::MissingColumns {
            columns: vec!["claim_amount".into()]
        }
    );
}

#[test]
fn text_in_a_numeric_column_names_row_and_column() {
    let (model, _) = trained();
    let t = claims_with(3, "claim_amount", json!("about £300"));
    assert_eq!(
        model.score_batch(&t, Explain::None).unwrap_err(),
        RiskError::NotANumber {
            line: 5,
            column: "claim_amount".into(),
            value: "about £300".into()
        }
    );
    // The same stray word in training data is reported too, not turned into a category.
    let mut rows = claims().rows()[..1000].to_vec();
    let col = claims().column_index("household_size").unwrap();
    rows[10].cells[col] = json!("three");
    let t = Table::new(claims().columns().to_vec(), rows).unwrap();
    let err = train(&t, &claim_options(), &mut |_| {}).unwrap_err();
    assert_eq!(
        err,
        RiskError::NotANumber {
            line: 12,
            column: "household_size".into(),
            value: "three".into()
        }
    );
}

#[test]
fn unseen_category_is_scored_as_missing_and_reported() {
    let (model, _) = trained();
    let t = claims_with(0, "channel", json!("carrier pigeon"));
    let scores = model.score_batch(&t, Explain::All).unwrap();
    assert_eq!(
        scores[0].unseen_categories,
        vec![civic_risk::UnseenCategory {
            column: "channel".into(),
            value: "carrier pigeon".into()
        }]
    );
    assert!(scores[1..].iter().all(|s| s.unseen_categories.is_empty()));
    let mut missing = t.clone();
    let col = t.column_index("channel").unwrap();
    let mut rows = missing.rows().to_vec();
    rows[0].cells[col] = json!(null);
    missing = Table::new(t.columns().to_vec(), rows).unwrap();
    let as_missing = model.score_batch(&missing, Explain::None).unwrap();
    assert_eq!(scores[0].risk_score, as_missing[0].risk_score);
}

#[test]
fn option_columns_must_exist() {
    let mut options = claim_options();
    options.protected_columns.push("religion".into());
    let err = train(claims(), &options, &mut |_| {}).unwrap_err();
    assert_eq!(
        err,
        RiskError::UnknownOptionColumn {
            column: "religion".into(),
            role: "protected column"
        }
    );
    let mut options = claim_options();
    options.holdout = 0.9;
    assert_eq!(
        train(claims(), &options, &mut |_| {}).unwrap_err().code(),
        "risk.invalid_option"
    );
}
