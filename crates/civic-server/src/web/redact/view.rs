//! The Redaction pages as shown: the upload form with the person's drafts,
//! one page of a review (its text cut into marked segments and the rows of
//! its form), and the downloads. Everything here works on what
//! `civic-app` handed back for one request; no lock is held.

use std::time::SystemTime;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use civic_app::redact::drafts::choices::AddOutcome;
use civic_app::redact::drafts::{DraftPage, DraftResult, DraftSummary};
use civic_app::redact::review::ReviewCounts;
use civic_redact::{Label, OperatorKind};

use crate::AppState;
use crate::auth::CaseworkerAndAbove;
use crate::web::error::PageError;
use crate::web::pages::{
    Choice, Chrome, FieldError, choices, error_for, form_title, render, render_form,
};
use crate::web::session::SignedIn;

/// The operators a caseworker may choose, with what each does.
pub const OPERATORS: &[(OperatorKind, &str)] = &[
    (OperatorKind::Label, "Replace with its label, like [PERSON]"),
    (OperatorKind::Mask, "Mask each character, like ***"),
    (OperatorKind::Remove, "Remove it"),
    (
        OperatorKind::Pseudonym,
        "Replace with a pseudonym, the same one each time (Person A)",
    ),
    (
        OperatorKind::Hash,
        "Replace with a keyed hash, for linking without disclosing",
    ),
];

/// A size for people: "10 MB", or KB below a megabyte.
pub fn megabytes(bytes: usize) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if mb >= 1.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// A time for people, in UTC: "5 December 2026 at 21:30 UTC".
pub fn when(t: SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    let format = time::macros::format_description!(
        "[day padding:none] [month repr:long] [year] at [hour]:[minute] UTC"
    );
    t.format(format).unwrap_or_default()
}

/// A draft in the list on the upload page.
#[derive(Debug)]
pub struct DraftRow {
    id: String,
    name: String,
    expires: String,
    redacted: bool,
}

#[derive(Template)]
#[template(path = "redact_upload.html")]
struct UploadTemplate {
    chrome: Chrome,
    errors: Vec<FieldError>,
    operators: Vec<Choice>,
    limit: String,
    file_error: Option<String>,
    operator_error: Option<String>,
    drafts: Vec<DraftRow>,
}

/// The upload form, with `errors` and the person's `drafts`.
pub fn upload_page(
    state: &AppState,
    user: &SignedIn<CaseworkerAndAbove>,
    operator: &str,
    errors: Vec<FieldError>,
    drafts: Vec<DraftSummary>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let t = UploadTemplate {
        chrome: Chrome::new(
            state,
            Some(&user.session),
            &form_title("Redact a document", &errors),
            "/redact",
        ),
        operators: choices(
            operator,
            OPERATORS
                .iter()
                .map(|(v, t)| (v.as_str().to_owned(), (*t).to_owned())),
        ),
        limit: megabytes(state.app.config().body_limit),
        file_error: error_for(&errors, "file").map(str::to_owned),
        operator_error: error_for(&errors, "operator").map(str::to_owned),
        errors,
        drafts: drafts
            .into_iter()
            .map(|d| DraftRow {
                id: d.id.to_string(),
                name: d.name,
                expires: when(d.expires),
                redacted: d.redacted,
            })
            .collect(),
    };
    Ok((status, render(&t)?).into_response())
}

/// A stretch of a passage: plain, or a span with its number and label.
#[derive(Debug)]
struct Segment {
    text: String,
    tag: String,
    /// `suggested`, `rejected` or `added`, said in words beside the tag.
    state: &'static str,
}

/// A passage as shown.
#[derive(Debug)]
struct PassageView {
    segments: Vec<Segment>,
}

/// A span's row in the review form.
#[derive(Debug)]
struct SpanRow {
    field: String,
    number: usize,
    value: String,
    label: &'static str,
    detail: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "redact_review.html")]
struct ReviewTemplate {
    chrome: Chrome,
    errors: Vec<FieldError>,
    id: String,
    name: String,
    file_type: &'static str,
    operator: String,
    decoding: String,
    notice: String,
    /// This page, from 1.
    page: usize,
    pages: usize,
    /// The pages, from 1, the reviewer has not opened yet.
    unseen: String,
    passages: Vec<PassageView>,
    suggestions: Vec<SpanRow>,
    added: Vec<SpanRow>,
    labels: Vec<Choice>,
    find_text: String,
    find_text_error: Option<String>,
    find_label_error: Option<String>,
    /// When the draft is removed unless used again.
    expires: String,
    hours: u64,
    /// The page script's URL.
    script: String,
}

/// What the form posted, to show again after adding or after an error.
#[derive(Debug, Default)]
pub struct Entered {
    pub find_text: String,
    pub find_label: String,
    pub notice: String,
}

impl Entered {
    /// After a text was added: the form empty, and what was done.
    pub fn added(outcome: &AddOutcome, pages: usize) -> Self {
        let at = if pages > 1 && outcome.added > 0 {
            let noun = if outcome.pages.len() == 1 {
                "page"
            } else {
                "pages"
            };
            format!(", on {noun} {}", in_words(&outcome.pages))
        } else {
            String::new()
        };
        let notice = match outcome.added {
            0 => "That text is already added everywhere it appears.".to_owned(),
            1 => format!("Added 1 place to redact{at}."),
            n => format!("Added {n} places to redact{at}."),
        };
        Entered {
            notice,
            ..Entered::default()
        }
    }
}

fn evidence_text(e: &civic_redact::Evidence) -> String {
    let mut parts = vec![e.pattern.to_string()];
    if let Some(c) = &e.check {
        parts.push(c.to_string());
    }
    if let Some(c) = &e.context {
        parts.push(format!("context “{c}”"));
    }
    parts.join("; ")
}

/// The code points of `text` from `start` to `end` (clamped to the text).
/// The stretch's code points are collected once and sliced for every span:
/// skipping to each span from the start of its passage made the page
/// quadratic in the passage's length (issue 16's probe: 7.6 s of CPU for 2 MB).
fn chars(text: &[char], start: usize, end: usize) -> String {
    let end = end.min(text.len());
    text[start.min(end)..end].iter().collect()
}

/// A span shown on a stretch: `(start, end, label, state, row)`, where the
/// row is the form's, for spans that start there.
type Mark = (usize, usize, &'static str, &'static str, Option<SpanRow>);

/// The passages and form rows of one page of a review.
fn page_view(draft: &DraftPage) -> (Vec<PassageView>, Vec<SpanRow>, Vec<SpanRow>) {
    let mut number = draft.numbered_before;
    let mut suggestions = Vec::new();
    let mut added_rows = Vec::new();
    let mut passages = Vec::new();
    for piece in &draft.text {
        let text: Vec<char> = piece.text.chars().collect();
        let local = |at: usize| at.saturating_sub(piece.start).min(text.len());
        let mut marks: Vec<Mark> = Vec::new();
        for s in &piece.suggestions {
            let rejected = draft.rejected.contains(&(piece.passage, s.index));
            let row = SpanRow {
                field: format!("keep-{}-{}", piece.passage, s.index),
                number: 0,
                value: chars(&text, local(s.start), local(s.end)),
                label: s.label.as_str(),
                detail: match draft.evidence.get(s.evidence) {
                    Some(e) => format!("score {:.2}; {}", s.score, evidence_text(e)),
                    None => format!("score {:.2}", s.score),
                },
                checked: !rejected,
            };
            let state = if rejected { "rejected" } else { "suggested" };
            marks.push((s.start, s.end, s.label.as_str(), state, Some(row)));
        }
        for (k, a) in &draft.added {
            if a.passage != piece.passage || a.end <= piece.start || a.start >= piece.end {
                continue;
            }
            // An added span that began on the page before is marked, not
            // listed again.
            let row = (a.start >= piece.start).then(|| SpanRow {
                field: format!("added-{k}"),
                number: 0,
                value: chars(&text, local(a.start), local(a.end)),
                label: a.label.as_str(),
                detail: "added by you".to_owned(),
                checked: true,
            });
            marks.push((a.start, a.end, a.label.as_str(), "added", row));
        }
        if marks.is_empty() && text.iter().all(|c| c.is_whitespace()) {
            continue;
        }
        // An added span may overlap a suggestion: it then replaces it, so
        // marks are cut where an earlier one has not ended.
        marks.sort_by_key(|m| (m.0, m.1));
        let mut segments = Vec::new();
        let mut at = 0;
        for (start, end, label, state, row) in marks {
            let tag = match row {
                Some(mut row) => {
                    number += 1;
                    row.number = number;
                    if state == "added" {
                        added_rows.push(row);
                    } else {
                        suggestions.push(row);
                    }
                    format!("{number} {label}")
                }
                None => format!("{label} (continued)"),
            };
            let (start, end) = (local(start).max(at), local(end));
            if start >= end {
                continue;
            }
            if start > at {
                segments.push(Segment {
                    text: text[at..start].iter().collect(),
                    tag: String::new(),
                    state: "",
                });
            }
            segments.push(Segment {
                text: text[start..end].iter().collect(),
                tag,
                state,
            });
            at = end;
        }
        if at < text.len() {
            segments.push(Segment {
                text: text[at..].iter().collect(),
                tag: String::new(),
                state: "",
            });
        }
        passages.push(PassageView { segments });
    }
    (passages, suggestions, added_rows)
}

/// "3", "3 and 5", "3, 5 and 6".
fn in_words(pages: &[usize]) -> String {
    match pages {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!(
            "{} and {last}",
            rest.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// One page of the review of draft `id`.
pub fn review_page(
    state: &AppState,
    user: &SignedIn<CaseworkerAndAbove>,
    id: &str,
    draft: DraftPage,
    entered: Entered,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let (passages, suggestions, added) = page_view(&draft);
    let t = ReviewTemplate {
        chrome: Chrome::new(
            state,
            Some(&user.session),
            &form_title("Review the redactions", &errors),
            "/redact",
        ),
        id: id.to_owned(),
        name: draft.name,
        file_type: draft.file_type.as_str(),
        operator: draft.operator,
        decoding: draft.decoding.unwrap_or_default(),
        notice: entered.notice,
        page: draft.page + 1,
        pages: draft.pages,
        unseen: in_words(&draft.unseen),
        passages,
        suggestions,
        added,
        labels: choices(
            &entered.find_label,
            Label::ALL
                .iter()
                .map(|l| (l.as_str().to_owned(), l.as_str().to_owned())),
        ),
        find_text: entered.find_text,
        find_text_error: error_for(&errors, "find-text").map(str::to_owned),
        find_label_error: error_for(&errors, "find-label").map(str::to_owned),
        expires: when(draft.expires),
        hours: state.app.config().drafts.ttl.as_secs() / 3600,
        script: crate::web::assets::REDACT_REVIEW_JS.url(),
        errors,
    };
    render_form(&t, &t.errors)
}

#[derive(Template)]
#[template(path = "redact_done.html")]
struct DoneTemplate {
    chrome: Chrome,
    id: String,
    name: String,
    decision: String,
    file_type: &'static str,
    counts: ReviewCounts,
    per_label: Vec<(String, u64)>,
    expires: String,
    hours: u64,
}

/// What was redacted in draft `id`, and the downloads.
pub fn done_page(
    state: &AppState,
    user: &SignedIn<CaseworkerAndAbove>,
    id: &str,
    result: DraftResult,
) -> Result<Response, PageError> {
    let t = DoneTemplate {
        chrome: Chrome::new(
            state,
            Some(&user.session),
            "Your redacted document",
            "/redact",
        ),
        id: id.to_owned(),
        name: result.name,
        decision: result.decision,
        file_type: result.file_type.as_str(),
        counts: result.counts,
        per_label: result.per_label,
        expires: when(result.expires),
        hours: state.app.config().drafts.ttl.as_secs() / 3600,
    };
    Ok(render(&t)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_times_read_naturally() {
        assert_eq!(in_words(&[3]), "3");
        assert_eq!(in_words(&[3, 5]), "3 and 5");
        assert_eq!(in_words(&[3, 5, 6]), "3, 5 and 6");
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_796_505_000);
        assert_eq!(when(t), "5 December 2026 at 21:10 UTC");
        assert_eq!(megabytes(10 * 1024 * 1024), "10 MB");
        assert_eq!(megabytes(1_500), "2 KB");
    }
}
