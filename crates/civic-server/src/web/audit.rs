//! The audit pages, for auditors and admins: the latest signed checkpoint,
//! verifying the whole ledger in the background, one decision's ledger
//! entries with its inclusion proof checked here, exports of decisions and
//! review events as CSV, and how quality samples turned out per model version.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use civic_app::VerifyJobState;
use civic_app::audit::DecisionAudit;
use civic_app::export::ExportFilter;
use civic_core::{DecisionId, Service, Timestamp, rfc3339};
use futures_util::StreamExt as _;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Audit;
use crate::web::error::PageError;
use crate::web::explain;
use crate::web::pages::{Chrome, CsrfOnly, FieldError, error_for, render};
use crate::web::session::{SignedIn, WebForm};

/// The longest value accepted in a lookup or filter field, in bytes.
const MAX_FIELD: usize = 100;

/// One model version's quality samples, as the tables show them.
#[derive(Debug)]
pub struct QualityRow {
    /// `name version N`.
    pub model: String,
    /// Decisions sampled.
    pub sampled: u64,
    /// Of which reviewed.
    pub reviewed: u64,
    /// Of which overridden.
    pub overridden: u64,
    /// The override rate, or a note that none is reviewed yet.
    pub rate: String,
}

/// The quality-sample table's rows (the overview shows them too).
pub async fn quality_rows(state: &AppState) -> Result<Vec<QualityRow>, PageError> {
    let outcomes = state.app.quality_samples_by_model().await?;
    Ok(outcomes
        .into_iter()
        .map(|o| QualityRow {
            model: format!("{} version {}", o.model.name, o.model.version),
            rate: o
                .override_rate()
                .map(|r| format!("{:.1}%", r * 100.0))
                .unwrap_or_else(|| "none reviewed yet".into()),
            sampled: o.sampled,
            reviewed: o.reviewed,
            overridden: o.overridden,
        })
        .collect())
}

/// The latest verification, as the page shows it.
#[derive(Debug)]
struct VerifyView {
    /// The tag's text.
    tag: &'static str,
    /// The tag's colour class (the text says the same: never colour alone).
    tag_class: &'static str,
    /// What happened, in sentences.
    lines: Vec<String>,
    /// Whether a verification is running (the page offers to refresh).
    running: bool,
}

fn verify_view(state: VerifyJobState) -> VerifyView {
    match state {
        VerifyJobState::NotStarted => VerifyView {
            tag: "Not checked",
            tag_class: "govuk-tag--grey",
            lines: vec!["The ledger has not been verified since the service started.".into()],
            running: false,
        },
        VerifyJobState::Running {
            started_at,
            entries_done,
            ..
        } => VerifyView {
            tag: "Running",
            tag_class: "govuk-tag--blue",
            lines: vec![format!(
                "Started at {}; {entries_done} entries checked so far. Refresh this page to see progress.",
                rfc3339(started_at)
            )],
            running: true,
        },
        VerifyJobState::Finished {
            started_at,
            finished_at,
            outcome,
            ..
        } => {
            let when = format!(
                "Started at {}, finished at {}.",
                rfc3339(started_at),
                rfc3339(finished_at)
            );
            match outcome {
                Ok(Ok(r)) => VerifyView {
                    tag: "Consistent",
                    tag_class: "govuk-tag--green",
                    lines: vec![
                        format!(
                            "All {} entries ({}) match their records, the stored hashes and all {} signed checkpoints.",
                            r.entries,
                            r.records(),
                            r.checkpoints
                        ),
                        format!(
                            "{} entries after the latest checkpoint are not yet covered by a signature.",
                            r.unsigned_tail()
                        ),
                        when,
                    ],
                    running: false,
                },
                Ok(Err(bad)) => VerifyView {
                    tag: "Inconsistent",
                    tag_class: "govuk-tag--red",
                    lines: vec![format!("The first problem found: {bad}."), when],
                    running: false,
                },
                Err(e) => VerifyView {
                    tag: "Could not finish",
                    tag_class: "govuk-tag--yellow",
                    lines: vec![
                        format!("The ledger could not be read to the end: {e}."),
                        when,
                    ],
                    running: false,
                },
            }
        }
    }
}

/// The latest checkpoint, as the page shows it.
#[derive(Debug)]
struct CheckpointView {
    size: u64,
    root: String,
    signed_at: String,
    note: String,
    cosignatures: Vec<CosignatureRow>,
}

/// How many cosigned checkpoints the Audit page lists (the API lists all).
const RECENTLY_COSIGNED: usize = 10;

/// A recently cosigned checkpoint, as the Audit page lists it.
#[derive(Debug)]
struct CosignedRow {
    size: u64,
    root: String,
    /// Each witness with when it cosigned.
    witnesses: String,
}

/// A witness's cosignature of the latest checkpoint.
#[derive(Debug)]
struct CosignatureRow {
    witness: String,
    cosigned_at: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate {
    chrome: Chrome,
    errors: Vec<FieldError>,
    checkpoint: Option<CheckpointView>,
    /// The latest checkpoints witnesses cosigned, largest first.
    cosigned: Vec<CosignedRow>,
    witnesses_configured: usize,
    verifier_key: String,
    verify: VerifyView,
    lookup: String,
    lookup_error: Option<String>,
    from: String,
    until: String,
    service: String,
    from_error: Option<String>,
    until_error: Option<String>,
    service_error: Option<String>,
    quality: Vec<QualityRow>,
}

/// The values typed into the audit page's forms, to show them again.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// The decision id to look up.
    #[serde(default)]
    id: String,
    /// The first day of an export (`YYYY-MM-DD`).
    #[serde(default)]
    from: String,
    /// The last day of an export (`YYYY-MM-DD`).
    #[serde(default)]
    until: String,
    /// The service of an export.
    #[serde(default)]
    service: String,
}

async fn audit_page(
    state: &AppState,
    user: &SignedIn<Audit>,
    typed: AuditQuery,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let checkpoint = match state.app.latest_checkpoint().await? {
        None => None,
        Some(cp) => Some(CheckpointView {
            size: cp.size,
            root: cp.root.to_base64(),
            signed_at: rfc3339(cp.created_at),
            note: state.app.with_cosignatures(&cp)?,
            cosignatures: state
                .app
                .cosignatures(cp.size, &cp.root)
                .into_iter()
                .map(|c| CosignatureRow {
                    cosigned_at: c
                        .cosigned_at()
                        .map_or_else(|| "at an unknown time".into(), rfc3339),
                    witness: c.witness,
                })
                .collect(),
        }),
    };
    let title = if errors.is_empty() {
        "Audit"
    } else {
        "Error: Audit"
    };
    let t = AuditTemplate {
        chrome: Chrome::new(state, Some(&user.session), title, "/audit"),
        checkpoint,
        cosigned: state
            .app
            .recently_cosigned(RECENTLY_COSIGNED)
            .into_iter()
            .map(|c| CosignedRow {
                size: c.size,
                root: c.root.to_base64(),
                witnesses: c
                    .cosignatures
                    .iter()
                    .map(|s| {
                        let at = s
                            .cosigned_at()
                            .map_or_else(|| "at an unknown time".into(), rfc3339);
                        format!("{} ({at})", s.witness)
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        witnesses_configured: state.app.config().witnesses.len(),
        verifier_key: state.app.verifier().verifier_key().to_owned(),
        verify: verify_view(state.app.verification_state()),
        lookup_error: error_for(&errors, "id").map(str::to_owned),
        from_error: error_for(&errors, "from").map(str::to_owned),
        until_error: error_for(&errors, "until").map(str::to_owned),
        service_error: error_for(&errors, "service").map(str::to_owned),
        lookup: typed.id,
        from: typed.from,
        until: typed.until,
        service: typed.service,
        quality: quality_rows(state).await?,
        errors,
    };
    let status = if t.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, render(&t)?).into_response())
}

/// `GET /audit`.
pub async fn show(
    State(state): State<AppState>,
    user: SignedIn<Audit>,
) -> Result<Response, PageError> {
    audit_page(&state, &user, AuditQuery::default(), Vec::new()).await
}

/// `POST /audit/verify`: starts verifying the ledger, unless it is already running.
pub async fn verify(
    State(state): State<AppState>,
    form: WebForm<Audit, CsrfOnly>,
) -> Result<Response, PageError> {
    let user = form.user.session.user.id;
    let started = state.app.start_verification(user);
    tracing::info!(user = %user, started, "ledger verification requested");
    Ok(Redirect::to("/audit#verify").into_response())
}

/// `GET /audit/lookup?id=`: goes to the decision's audit page, or says what is wrong.
pub async fn lookup(
    State(state): State<AppState>,
    user: SignedIn<Audit>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let text = q.id.trim();
    let error = if text.is_empty() {
        Some("Enter a decision id")
    } else if text.len() > MAX_FIELD || text.parse::<DecisionId>().is_err() {
        Some("Enter a decision id like 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
    } else {
        None
    };
    match error {
        None => Ok(Redirect::to(&format!("/audit/decisions/{text}")).into_response()),
        Some(message) => {
            let typed = AuditQuery {
                id: q.id.chars().take(MAX_FIELD).collect(),
                ..AuditQuery::default()
            };
            audit_page(&state, &user, typed, vec![FieldError::new("id", message)]).await
        }
    }
}

/// One ledger entry, as the decision page lists it.
#[derive(Debug)]
struct EntryView {
    index: u64,
    kind: String,
    record_id: String,
    leaf_hash: String,
    json: String,
}

/// One review event, as the decision page lists it.
#[derive(Debug)]
struct ReviewView {
    index: u64,
    action: &'static str,
    reason: String,
    reviewer: String,
    at: String,
}

/// The decision entry's inclusion proof, as checked here.
#[derive(Debug)]
struct ProofView {
    valid: bool,
    problem: String,
    size: u64,
    root: String,
    leaf_hash: String,
    path: Vec<String>,
}

#[derive(Template)]
#[template(path = "audit_decision.html")]
struct DecisionTemplate {
    chrome: Chrome,
    id: String,
    service: String,
    model: String,
    status: String,
    initial_status: String,
    quality_sample: bool,
    created_at: String,
    reference: String,
    confidence: String,
    output_json: String,
    entries: Vec<EntryView>,
    reviews: Vec<ReviewView>,
    proof: ProofView,
}

fn decision_template(
    state: &AppState,
    user: &SignedIn<Audit>,
    a: DecisionAudit,
) -> DecisionTemplate {
    let d = &a.decision;
    let proof = match &a.proof {
        Ok(p) => ProofView {
            valid: true,
            problem: String::new(),
            size: p.checkpoint.size,
            root: p.checkpoint.root.to_base64(),
            leaf_hash: p.leaf_hash.to_base64(),
            path: a
                .bundle
                .inclusion_path
                .iter()
                .map(|h| h.to_base64())
                .collect(),
        },
        Err(e) => ProofView {
            valid: false,
            problem: e.clone(),
            size: 0,
            root: String::new(),
            leaf_hash: String::new(),
            path: a
                .bundle
                .inclusion_path
                .iter()
                .map(|h| h.to_base64())
                .collect(),
        },
    };
    DecisionTemplate {
        chrome: Chrome::new(state, Some(&user.session), "Audit a decision", "/audit"),
        id: d.id.to_string(),
        service: d.service.to_string(),
        model: format!("{} version {}", d.model.name, d.model.version),
        status: d.status.as_str().to_owned(),
        initial_status: d.initial_status.as_str().to_owned(),
        quality_sample: d.quality_sample,
        created_at: rfc3339(d.created_at),
        reference: d.reference.clone().unwrap_or_default(),
        confidence: d
            .confidence
            .map(|c| format!("{:.0}%", c * 100.0))
            .unwrap_or_else(|| "not given".into()),
        output_json: explain::readable_json(&d.output),
        entries: a
            .entries
            .iter()
            .map(|e| EntryView {
                index: e.index,
                kind: e.kind.clone(),
                record_id: e.record_id.clone(),
                leaf_hash: hex::encode(&e.leaf_hash),
                json: String::from_utf8_lossy(&e.entry).into_owned(),
            })
            .collect(),
        reviews: a
            .reviews
            .iter()
            .map(|r| ReviewView {
                index: r.ledger_index,
                action: r.action.name(),
                reason: match &r.action {
                    civic_core::ReviewAction::Override { reason, .. } => reason.as_str().to_owned(),
                    civic_core::ReviewAction::Refer { team } => format!("referred to {team}"),
                    civic_core::ReviewAction::Accept => String::new(),
                },
                reviewer: r.reviewer.to_string(),
                at: rfc3339(r.created_at),
            })
            .collect(),
        proof,
    }
}

fn parse_id(id: &str) -> Result<DecisionId, PageError> {
    id.parse().map_err(|_| PageError::NotFound)
}

/// `GET /audit/decisions/{id}`.
pub async fn decision(
    State(state): State<AppState>,
    Path(id): Path<String>,
    user: SignedIn<Audit>,
) -> Result<Response, PageError> {
    let audit = state.app.decision_audit(parse_id(&id)?).await?;
    Ok(render(&decision_template(&state, &user, audit))?.into_response())
}

/// `GET /audit/decisions/{id}/proof.json`: the proof bundle `civic audit
/// check-proof` reads, as a download.
pub async fn proof(
    State(state): State<AppState>,
    Path(id): Path<String>,
    _user: SignedIn<Audit>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let bundle = state.app.proof(id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"proof-{id}.json\""),
            ),
        ],
        bundle.to_json(),
    )
        .into_response())
}

/// Parses `YYYY-MM-DD` as midnight UTC of that day.
fn parse_day(text: &str) -> Option<Timestamp> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let month = time::Month::try_from(month).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    Some(date.midnight().assume_utc())
}

/// The export's filter, or the errors to show on the audit page.
fn export_filter(q: &AuditQuery) -> Result<ExportFilter, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut day = |field: &'static str, text: &str, what: &str| {
        if text.trim().is_empty() {
            return None;
        }
        let parsed = (text.len() <= MAX_FIELD).then(|| parse_day(text)).flatten();
        if parsed.is_none() {
            errors.push(FieldError::new(
                field,
                format!("Enter the {what} as a date like 2026-11-24"),
            ));
        }
        parsed
    };
    let from = day("from", &q.from, "first day");
    // The last day is included: the export runs to midnight after it.
    let until = day("until", &q.until, "last day").map(|t| t + time::Duration::days(1));
    if let (Some(f), Some(u)) = (from, until)
        && u <= f
    {
        errors.push(FieldError::new(
            "until",
            "The last day must be the same as or after the first day",
        ));
    }
    let service = match q.service.trim() {
        "" => None,
        s => match Service::parse(s) {
            Ok(s) => Some(s),
            Err(_) => {
                errors.push(FieldError::new(
                    "service",
                    "Enter a service name like triage, or leave it empty for every service",
                ));
                None
            }
        },
    };
    if errors.is_empty() {
        Ok(ExportFilter {
            from,
            until,
            service,
        })
    } else {
        Err(errors)
    }
}

/// What to export.
#[derive(Debug, Clone, Copy)]
enum Export {
    Decisions,
    Reviews,
}

async fn export(
    state: AppState,
    user: SignedIn<Audit>,
    q: AuditQuery,
    what: Export,
) -> Result<Response, PageError> {
    let filter = match export_filter(&q) {
        Ok(f) => f,
        Err(errors) => {
            let typed = AuditQuery {
                id: String::new(),
                from: q.from.chars().take(MAX_FIELD).collect(),
                until: q.until.chars().take(MAX_FIELD).collect(),
                service: q.service.chars().take(MAX_FIELD).collect(),
            };
            return audit_page(&state, &user, typed, errors).await;
        }
    };
    let (stream, name) = match what {
        Export::Decisions => (state.app.export_decisions(filter), "decisions.csv"),
        Export::Reviews => (state.app.export_reviews(filter), "reviews.csv"),
    };
    tracing::info!(user = %user.session.user.id, export = name, "audit export");
    // An error part-way through ends the download early; the client sees an
    // incomplete transfer rather than a short file that looks complete.
    let body = Body::from_stream(stream.inspect(move |chunk| {
        if let Err(e) = chunk {
            tracing::error!(error = %e, export = name, "audit export failed");
        }
    }));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// `GET /audit/export/decisions.csv`.
pub async fn export_decisions(
    State(state): State<AppState>,
    user: SignedIn<Audit>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    export(state, user, q, Export::Decisions).await
}

/// `GET /audit/export/reviews.csv`.
pub async fn export_reviews(
    State(state): State<AppState>,
    user: SignedIn<Audit>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    export(state, user, q, Export::Reviews).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: &str, until: &str, service: &str) -> AuditQuery {
        AuditQuery {
            id: String::new(),
            from: from.into(),
            until: until.into(),
            service: service.into(),
        }
    }

    #[test]
    fn export_filters_parse_days_and_services() {
        let f = export_filter(&query("2026-11-01", "2026-11-30", "triage")).expect("valid");
        assert_eq!(f.from.map(rfc3339).as_deref(), Some("2026-11-01T00:00:00Z"));
        assert_eq!(
            f.until.map(rfc3339).as_deref(),
            Some("2026-12-01T00:00:00Z"),
            "the last day is included"
        );
        assert_eq!(f.service.as_ref().map(Service::as_str), Some("triage"));
        assert_eq!(
            export_filter(&query("", "", "")).expect("valid"),
            ExportFilter::default()
        );
    }

    #[test]
    fn bad_export_filters_name_their_field() {
        for (q, field) in [
            (query("yesterday", "", ""), "from"),
            (query("", "2026-02-30", ""), "until"),
            (query("2026-11-02", "2026-11-01", ""), "until"),
            (query("", "", "Not A Service"), "service"),
        ] {
            let errors = export_filter(&q).expect_err("invalid");
            assert_eq!(errors[0].field, field);
        }
    }
}
