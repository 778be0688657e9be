//! The fairness figures must equal fairlearn's `MetricFrame` on the same predictions to four
//! decimal places. The fixtures come from `bench/fairlearn_reference.py`.

use civic_risk::ColumnFairness;
use serde_json::Value;

const PREDICTIONS: &str = include_str!("../fixtures/fairness_predictions.csv");
const FAIRLEARN: &str = include_str!("../fixtures/fairness_fairlearn.json");

fn close(ours: f64, theirs: &Value, what: &str) {
    let theirs = theirs
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number"));
    assert!(
        (ours - theirs).abs() < 5e-5,
        "{what}: ours {ours:.6}, fairlearn {theirs:.6}"
    );
}

#[test]
fn fairness_figures_equal_fairlearn_metricframe_to_four_decimals() {
    let mut reader = csv::Reader::from_reader(PREDICTIONS.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let outcomes: Vec<bool> = records.iter().map(|r| &r[col("y_true")] == "1").collect();
    let flagged: Vec<bool> = records.iter().map(|r| &r[col("y_pred")] == "1").collect();
    let expected: Value = serde_json::from_str(FAIRLEARN).unwrap();
    let columns = expected["columns"].as_object().unwrap();
    assert_eq!(columns.len(), 3);
    for (column, reference) in columns {
        let groups: Vec<String> = records.iter().map(|r| r[col(column)].to_string()).collect();
        let ours = ColumnFairness::compute(column, &groups, &outcomes, &flagged);
        let theirs = reference["groups"].as_object().unwrap();
        assert_eq!(ours.groups.len(), theirs.len(), "{column}: group count");
        for g in &ours.groups {
            let t = &theirs[&g.group];
            let at = |m: &str| format!("{column}/{}/{m}", g.group);
            close(g.count as f64, &t["count"], &at("count"));
            close(
                g.flag_rate.value,
                &t["selection_rate"],
                &at("selection_rate"),
            );
            close(g.precision.value, &t["precision"], &at("precision"));
            close(
                g.false_positive_rate.value,
                &t["false_positive_rate"],
                &at("fpr"),
            );
            close(
                g.false_negative_rate.value,
                &t["false_negative_rate"],
                &at("fnr"),
            );
        }
        // fairlearn's between-groups ratio (min over max) is our smallest ratio to the best.
        let smallest = |f: fn(&civic_risk::GroupFairness) -> f64| {
            ours.groups.iter().map(f).fold(f64::INFINITY, f64::min)
        };
        let ratio = &reference["ratio"];
        close(
            smallest(|g| g.flag_rate_ratio),
            &ratio["selection_rate"],
            &format!("{column}/ratio/selection_rate"),
        );
        close(
            smallest(|g| g.precision_ratio),
            &ratio["precision"],
            &format!("{column}/ratio/precision"),
        );
        close(
            smallest(|g| g.false_positive_rate_ratio),
            &ratio["false_positive_rate"],
            &format!("{column}/ratio/fpr"),
        );
        close(
            smallest(|g| g.false_negative_rate_ratio),
            &ratio["false_negative_rate"],
            &format!("{column}/ratio/fnr"),
        );
    }
}
