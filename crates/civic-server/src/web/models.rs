//! The models pages: every registered model with its versions, and one
//! model's page with the measures stored in its training report — for
//! triage, macro-F1, per-team precision/recall/F1, calibration and the
//! confusion matrix; for risk, ROC and PR AUC, calibration, the threshold,
//! proxy warnings and the fairness table per protected group with its chart.
//! Admins can make another version active.
//!
//! The measures are read back from the report each service stored when it
//! registered the version (`ModelVersion::metrics`), so the page shows
//! exactly what the person who trained the model saw.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use civic_app::ModelVersion;
use civic_core::Roles;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Admins, Oversight};
use crate::web::error::{PageError, percent_encode};
use crate::web::explain;
use crate::web::pages::{Chrome, render};
use crate::web::session::{FormFields, SignedIn, WebForm};

/// One model in the list.
#[derive(Debug)]
pub struct ModelRow {
    name: String,
    href: String,
    service: String,
    versions: usize,
    active: String,
    latest: String,
}

#[derive(Template)]
#[template(path = "models.html")]
struct ModelsTemplate {
    chrome: Chrome,
    rows: Vec<ModelRow>,
    dismissals: Vec<DismissalRow>,
}

/// Safeguarding flags reviewed and dismissed, for one routing model version.
#[derive(Debug)]
pub struct DismissalRow {
    model: String,
    reviewed: u64,
    dismissed: u64,
    share: String,
}

fn href(name: &str) -> String {
    format!("/models/{}", percent_encode(name))
}

/// `GET /models`.
pub async fn list(
    State(state): State<AppState>,
    user: SignedIn<Oversight>,
) -> Result<Html<String>, PageError> {
    let mut by_name: BTreeMap<String, Vec<ModelVersion>> = BTreeMap::new();
    for v in state.app.list_models().await? {
        by_name.entry(v.name.clone()).or_default().push(v);
    }
    let rows = by_name
        .into_iter()
        .map(|(name, versions)| ModelRow {
            href: href(&name),
            service: versions
                .first()
                .map(|v| v.service.to_string())
                .unwrap_or_default(),
            active: versions
                .iter()
                .find(|v| v.active)
                .map(|v| format!("version {}", v.version))
                .unwrap_or_else(|| "none".into()),
            latest: versions
                .last()
                .map(|v| civic_core::rfc3339(v.created_at))
                .unwrap_or_default(),
            versions: versions.len(),
            name,
        })
        .collect();
    let dismissals = state
        .app
        .safeguarding_dismissals()
        .await?
        .into_iter()
        .map(|d| DismissalRow {
            model: format!("{} version {}", d.model.name, d.model.version),
            share: if d.reviewed > 0 {
                pct(d.dismissed as f64 / d.reviewed as f64)
            } else {
                "–".into()
            },
            reviewed: d.reviewed,
            dismissed: d.dismissed,
        })
        .collect();
    render(&ModelsTemplate {
        chrome: Chrome::new(&state, Some(&user.session), "Models", "/models"),
        rows,
        dismissals,
    })
}

/// A version in the model's version table.
#[derive(Debug)]
pub struct VersionRow {
    version: i64,
    active: bool,
    shown: bool,
    created_at: String,
    created_by: String,
    training_data: String,
    headline: String,
}

/// One figure with a confidence interval, as text.
#[derive(Debug)]
pub struct Rate {
    value: String,
    interval: String,
}

impl Rate {
    fn of(p: &civic_risk::Proportion) -> Self {
        Rate {
            value: pct(p.value),
            interval: format!("{}–{}", pct(p.low), pct(p.high)),
        }
    }
}

/// A row of the fairness table.
#[derive(Debug)]
pub struct GroupRow {
    group: String,
    count: usize,
    positives: usize,
    flagged: usize,
    flag_rate: Rate,
    precision: Rate,
    fpr: Rate,
    fnr: Rate,
    flag_rate_ratio: String,
    precision_ratio: String,
    fpr_ratio: String,
    fnr_ratio: String,
    fails: bool,
    small: bool,
}

/// The fairness table of one protected column.
#[derive(Debug)]
pub struct FairnessTable {
    column: String,
    groups: Vec<GroupRow>,
}

/// A calibration bin.
#[derive(Debug)]
pub struct CalibrationRow {
    range: String,
    count: usize,
    predicted: String,
    observed: String,
}

/// A per-team row.
#[derive(Debug)]
pub struct ClassRow {
    label: String,
    precision: String,
    recall: String,
    f1: String,
    support: usize,
}

/// A row of the confusion matrix.
#[derive(Debug)]
pub struct ConfusionRow {
    label: String,
    counts: Vec<usize>,
}

/// A triage model's measures, laid out.
#[derive(Debug)]
pub struct TriageMeasures {
    examples: usize,
    accuracy: String,
    macro_f1: String,
    ece: String,
    threshold: String,
    coverage: String,
    precision_at_threshold: String,
    per_class: Vec<ClassRow>,
    labels: Vec<String>,
    confusion: Vec<ConfusionRow>,
    calibration: Vec<CalibrationRow>,
    warnings: Vec<String>,
}

/// A risk model's measures, laid out.
#[derive(Debug)]
pub struct RiskMeasures {
    rows: String,
    features: String,
    protected: String,
    roc_auc: String,
    pr_auc: String,
    brier: String,
    calibration: Vec<CalibrationRow>,
    threshold: String,
    policy: String,
    flag_rate: String,
    precision: String,
    recall: String,
    proxies: Vec<String>,
    fairness_rows: usize,
    fairness: Vec<FairnessTable>,
    any_failure: bool,
    chart: String,
}

/// What the page can show of a version's report.
#[derive(Debug)]
pub enum Measures {
    /// A triage report.
    Triage(Box<TriageMeasures>),
    /// A risk report.
    Risk(Box<RiskMeasures>),
    /// A report this page does not know, as JSON.
    Other(String),
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn ratio(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "–".into()
    }
}

fn triage_measures(report: civic_triage::TrainReport) -> TriageMeasures {
    let m = report.holdout;
    TriageMeasures {
        examples: m.examples,
        accuracy: pct(m.accuracy),
        macro_f1: format!("{:.3}", m.macro_f1),
        ece: format!("{:.3}", m.ece),
        threshold: format!("{:.2}", m.threshold),
        coverage: pct(m.coverage),
        precision_at_threshold: pct(m.precision_at_threshold),
        per_class: m
            .per_class
            .into_iter()
            .map(|c| ClassRow {
                label: c.label,
                precision: format!("{:.3}", c.precision),
                recall: format!("{:.3}", c.recall),
                f1: format!("{:.3}", c.f1),
                support: c.support,
            })
            .collect(),
        confusion: m
            .confusion
            .labels
            .iter()
            .zip(m.confusion.counts)
            .map(|(label, counts)| ConfusionRow {
                label: label.clone(),
                counts,
            })
            .collect(),
        labels: m.confusion.labels,
        calibration: m
            .reliability
            .into_iter()
            .filter(|b| b.count > 0)
            .map(|b| CalibrationRow {
                range: format!("{:.2}–{:.2}", b.lower, b.upper),
                count: b.count,
                predicted: pct(b.mean_confidence),
                observed: pct(b.accuracy),
            })
            .collect(),
        warnings: report.warnings,
    }
}

fn risk_measures(report: civic_risk::TrainReport) -> RiskMeasures {
    use civic_risk::ThresholdPolicy;
    let t = &report.threshold;
    let chart = report.fairness.to_svg();
    RiskMeasures {
        rows: format!(
            "{} fitted, {} held out; outcome rate {}; {} trees",
            report.rows.fit,
            report.rows.holdout,
            pct(report.outcome_rate),
            report.trees
        ),
        features: report
            .features
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        protected: report.protected_columns.join(", "),
        roc_auc: format!("{:.4}", report.metrics.roc_auc),
        pr_auc: format!("{:.4}", report.metrics.pr_auc),
        brier: format!("{:.4}", report.metrics.brier),
        calibration: report
            .metrics
            .calibration
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| CalibrationRow {
                range: format!("{:.1}–{:.1}", b.lower, b.upper),
                count: b.count,
                predicted: pct(b.mean_predicted),
                observed: pct(b.observed_rate),
            })
            .collect(),
        threshold: format!("{:.4}", t.threshold),
        policy: match t.policy {
            ThresholdPolicy::FlagRate(r) => format!("flag {} of cases", pct(r)),
            ThresholdPolicy::Capacity { per_period, volume } => format!(
                "review capacity {per_period} per period out of {volume} ({})",
                pct(t.target_flag_rate)
            ),
        },
        flag_rate: pct(t.held_out_flag_rate),
        precision: pct(t.expected_precision),
        recall: pct(t.expected_recall),
        proxies: report
            .proxy_warnings()
            .map(|a| {
                format!(
                    "{} may stand in for {} (association {:.2})",
                    a.feature, a.protected_column, a.value
                )
            })
            .collect(),
        fairness_rows: report.fairness.rows,
        any_failure: report.fairness.any_four_fifths_failure(),
        fairness: report
            .fairness
            .columns
            .into_iter()
            .map(|c| FairnessTable {
                column: c.column,
                groups: c
                    .groups
                    .iter()
                    .map(|g| GroupRow {
                        group: g.group.clone(),
                        count: g.count,
                        positives: g.positives,
                        flagged: g.flagged,
                        flag_rate: Rate::of(&g.flag_rate),
                        precision: Rate::of(&g.precision),
                        fpr: Rate::of(&g.false_positive_rate),
                        fnr: Rate::of(&g.false_negative_rate),
                        flag_rate_ratio: ratio(g.flag_rate_ratio),
                        precision_ratio: ratio(g.precision_ratio),
                        fpr_ratio: ratio(g.false_positive_rate_ratio),
                        fnr_ratio: ratio(g.false_negative_rate_ratio),
                        fails: g.fails_four_fifths,
                        small: g.small_group,
                    })
                    .collect(),
            })
            .collect(),
        chart,
    }
}

/// Lays out a version's stored report; a report that does not parse as its
/// service's is shown as JSON rather than failing the page.
pub fn measures(v: &ModelVersion) -> Measures {
    let parsed = match v.service.as_str() {
        civic_app::triage::SERVICE => {
            serde_json::from_value::<civic_triage::TrainReport>(v.metrics.clone())
                .ok()
                .map(|r| Measures::Triage(Box::new(triage_measures(r))))
        }
        civic_app::risk::SERVICE => {
            serde_json::from_value::<civic_risk::TrainReport>(v.metrics.clone())
                .ok()
                .map(|r| Measures::Risk(Box::new(risk_measures(r))))
        }
        _ => None,
    };
    parsed.unwrap_or_else(|| Measures::Other(explain::readable_json(&v.metrics)))
}

fn headline(v: &ModelVersion) -> String {
    let m = &v.metrics;
    if let Some(f1) = m.pointer("/holdout/macro_f1").and_then(|x| x.as_f64()) {
        return format!("macro-F1 {f1:.3}");
    }
    if let Some(auc) = m.pointer("/metrics/roc_auc").and_then(|x| x.as_f64()) {
        return format!("ROC AUC {auc:.4}");
    }
    String::new()
}

#[derive(Template)]
#[template(path = "model.html")]
struct ModelTemplate {
    chrome: Chrome,
    name: String,
    href: String,
    service: String,
    versions: Vec<VersionRow>,
    shown: i64,
    shown_active: bool,
    activated: String,
    can_activate: bool,
    measures: Measures,
}

/// `?version=N` and `?activated=N` on a model's page.
#[derive(Debug, Default, Deserialize)]
pub struct ModelQuery {
    #[serde(default)]
    version: String,
    #[serde(default)]
    activated: String,
}

/// `GET /models/{name}`: the model's versions and the measures of the
/// active version (or of `?version=N`).
pub async fn show(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<ModelQuery>,
    user: SignedIn<Oversight>,
) -> Result<Html<String>, PageError> {
    let versions: Vec<ModelVersion> = state
        .app
        .list_models()
        .await?
        .into_iter()
        .filter(|v| v.name == name)
        .collect();
    let wanted: Option<i64> = q.version.parse().ok();
    let shown = match wanted {
        Some(n) => versions.iter().find(|v| v.version == n),
        None => versions
            .iter()
            .find(|v| v.active)
            .or_else(|| versions.last()),
    }
    .ok_or(PageError::NotFound)?;
    let rows = versions
        .iter()
        .map(|v| VersionRow {
            version: v.version,
            active: v.active,
            shown: v.version == shown.version,
            created_at: civic_core::rfc3339(v.created_at),
            created_by: v.created_by.clone(),
            training_data: v.training_data_sha256.chars().take(12).collect(),
            headline: headline(v),
        })
        .collect();
    let t = ModelTemplate {
        chrome: Chrome::new(&state, Some(&user.session), &name, "/models"),
        href: href(&name),
        service: shown.service.to_string(),
        shown: shown.version,
        shown_active: shown.active,
        activated: q
            .activated
            .parse::<i64>()
            .map(|n| n.to_string())
            .unwrap_or_default(),
        can_activate: Roles::ADMINS.allows(user.session.user.role),
        measures: measures(shown),
        versions: rows,
        name,
    };
    render(&t)
}

/// The activation form.
#[derive(Debug, Deserialize)]
pub struct ActivateFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
}

impl FormFields for ActivateFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /models/{name}/activate`: an admin makes another version active.
pub async fn activate(
    State(state): State<AppState>,
    Path(name): Path<String>,
    form: WebForm<Admins, ActivateFields>,
) -> Result<Redirect, PageError> {
    let version: i64 = form
        .fields
        .version
        .parse()
        .map_err(|_| PageError::NotFound)?;
    let v = state
        .app
        .activate_model(&name, version, form.user.session.user.id.as_principal())
        .await?;
    tracing::info!(user = %form.user.session.user.id, model = %v.name, version = v.version, "activated a model version");
    Ok(Redirect::to(&format!(
        "{}?activated={}",
        href(&v.name),
        v.version
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_and_percentages_read_well() {
        assert_eq!(pct(0.1234), "12.3%");
        assert_eq!(ratio(0.8), "0.80");
        assert_eq!(ratio(f64::INFINITY), "–");
    }

    #[test]
    fn an_unknown_report_is_shown_as_json() {
        let v = ModelVersion {
            name: "m".into(),
            version: 1,
            service: civic_core::Service::parse("triage").expect("service"),
            active: true,
            training_data_sha256: "ab".into(),
            metrics: serde_json::json!({"note": "old format"}),
            created_by: "cli".into(),
            created_at: civic_core::now_millis(),
        };
        assert!(matches!(measures(&v), Measures::Other(j) if j.contains("old format")));
        assert_eq!(headline(&v), "");
    }
}
