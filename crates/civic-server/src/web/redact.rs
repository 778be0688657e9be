//! The Redaction page: upload a document, review each suggested span
//! (accept, reject, add one the detectors missed), then download the
//! redacted file and its log. The final redaction is one decision in the
//! ledger, recorded exactly as `POST /api/v1/redact` records it.
//!
//! The work is `civic-app`'s: [`App::preview_upload`] gives the passages
//! and suggestions, [`App::redact_upload_reviewed`] applies the reviewer's
//! spans in the file's own format. This module only keeps the document
//! between the steps and turns forms into a [`DocumentReview`].
//!
//! # Where the document lives between the steps
//!
//! In this process's memory, in [`Drafts`]: never on disk, in the database
//! or in a log. A draft is reachable only by the user who uploaded it,
//! under an unguessable random id; it lapses [`DRAFT_TTL`] after it was
//! last used and is deleted as soon as both the redacted file and its log
//! have been downloaded. The store is bounded: a few drafts per user and a
//! total size of a few upload limits, so uploads cannot exhaust memory.
//! The cost of this choice: a restart loses drafts in progress (the user
//! uploads again; nothing was recorded), and with several server processes
//! behind a load balancer the balancer must keep a user on one process.
//!
//! [`App::preview_upload`]: civic_app::App::preview_upload
//! [`App::redact_upload_reviewed`]: civic_app::App::redact_upload_reviewed

mod paging;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use civic_app::AppError;
use civic_app::redact::RedactOptions;
use civic_app::redact::document::FileType;
use civic_app::redact::review::{ChosenSpan, DocumentPreview, DocumentReview, ReviewCounts};
use civic_core::{ErrorKind, UserId};
use civic_redact::Label;
use rand::RngCore as _;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::auth::CaseworkerAndAbove;
use crate::web::error::PageError;
use crate::web::pages::{
    Choice, Chrome, FieldError, choices, error_for, form_title, render, render_form,
};
use crate::web::session::{FormFields, SignedIn, WebForm};

/// How long a draft is kept after it was last used.
pub const DRAFT_TTL: Duration = Duration::from_secs(30 * 60);

/// The most drafts one user keeps; a new upload replaces their oldest.
const DRAFTS_PER_USER: usize = 3;

/// The most places a reviewer may add to one document (each is a row on
/// its page and a span in the final review).
const MAX_ADDED: usize = 10_000;

/// The longest "text to redact" a reviewer may add, in characters.
const MAX_FIND_CHARS: usize = 500;

/// The operators a caseworker may choose, with what each does.
const OPERATORS: &[(&str, &str)] = &[
    ("label", "Replace with its label, like [PERSON]"),
    ("mask", "Mask each character, like ***"),
    ("remove", "Remove it"),
    (
        "pseudonym",
        "Replace with a pseudonym, the same one each time (Person A)",
    ),
    (
        "hash",
        "Replace with a keyed hash, for linking without disclosing",
    ),
];

/// Documents between upload and download, each with its review so far.
/// See the module's documentation for why they live here.
#[derive(Debug)]
pub struct Drafts {
    drafts: Mutex<HashMap<String, Draft>>,
    /// The most bytes all drafts together may hold.
    budget: usize,
}

/// One document being redacted.
#[derive(Debug)]
struct Draft {
    owner: UserId,
    expires: Instant,
    /// When it was uploaded, to replace a user's oldest.
    uploaded: Instant,
    name: String,
    bytes: Arc<[u8]>,
    options: RedactOptions,
    preview: Arc<DocumentPreview>,
    /// Where the review's pages start and end.
    layout: Arc<paging::Layout>,
    /// The pages (from 0) the reviewer has opened.
    seen: BTreeSet<usize>,
    /// Suggestions the reviewer unticked, as `(passage, span)`.
    rejected: BTreeSet<(usize, usize)>,
    /// Spans the reviewer added, sorted, never overlapping one another.
    added: Vec<Added>,
    done: Option<Done>,
}

/// A span the reviewer added, offsets in code points within its passage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Added {
    passage: usize,
    start: usize,
    end: usize,
    label: Label,
}

/// The result, kept until both parts are downloaded.
#[derive(Debug)]
struct Done {
    decision: String,
    file_type: FileType,
    file: Vec<u8>,
    log: Vec<u8>,
    counts: ReviewCounts,
    per_label: Vec<(String, u64)>,
    file_taken: bool,
    log_taken: bool,
}

impl Draft {
    /// Roughly the memory it holds, for the store's budget.
    fn size(&self) -> usize {
        let text: usize = self.preview.passages.iter().map(|p| p.text.len()).sum();
        let done = self.done.as_ref().map_or(0, |d| d.file.len() + d.log.len());
        self.bytes.len() + text + done
    }
}

/// Why a draft could not be stored.
#[derive(Debug, PartialEq, Eq)]
enum StoreFull {
    /// Everyone's drafts together fill the store.
    Everyone,
    /// This person's drafts fill their share of it.
    Yours,
}

/// The most of the store's budget one person's drafts may hold together (a
/// first draft excepted): a quarter, so that one or two people redacting
/// several large documents can never fill it for everyone else.
const SHARE_PER_USER: usize = 4;

impl Drafts {
    /// A store holding at most eight uploads' worth (`body_limit` each).
    pub fn for_body_limit(body_limit: usize) -> Self {
        Drafts {
            drafts: Mutex::new(HashMap::new()),
            budget: body_limit.saturating_mul(8),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Draft>> {
        let mut drafts = self.drafts.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        drafts.retain(|_, d| d.expires > now);
        drafts
    }

    /// Stores `draft`, replacing its owner's oldest if they have too many;
    /// returns its id.
    fn insert(&self, draft: Draft) -> Result<String, StoreFull> {
        let mut drafts = self.lock();
        let mine: Vec<(Instant, String)> = drafts
            .iter()
            .filter(|(_, d)| d.owner == draft.owner)
            .map(|(id, d)| (d.uploaded, id.clone()))
            .collect();
        if mine.len() >= DRAFTS_PER_USER
            && let Some((_, oldest)) = mine.into_iter().min()
        {
            drafts.remove(&oldest);
        }
        let size = draft.size();
        let theirs: usize = drafts
            .values()
            .filter(|d| d.owner == draft.owner)
            .map(Draft::size)
            .sum();
        // A person's first draft is limited by the whole budget only, so a
        // single large document can always be redacted; more drafts must
        // fit in their share.
        if theirs > 0 && theirs.saturating_add(size) > self.budget / SHARE_PER_USER {
            return Err(StoreFull::Yours);
        }
        let used: usize = drafts.values().map(Draft::size).sum();
        if used.saturating_add(size) > self.budget {
            return Err(StoreFull::Everyone);
        }
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let id = hex::encode(bytes);
        drafts.insert(id.clone(), draft);
        Ok(id)
    }

    /// Runs `f` on draft `id` if `owner` uploaded it, and keeps it alive.
    fn with<T>(&self, id: &str, owner: UserId, f: impl FnOnce(&mut Draft) -> T) -> Option<T> {
        let mut drafts = self.lock();
        let draft = drafts.get_mut(id).filter(|d| d.owner == owner)?;
        draft.expires = Instant::now() + DRAFT_TTL;
        Some(f(draft))
    }

    fn remove(&self, id: &str) {
        self.lock().remove(id);
    }
}

fn draft_id(id: &str) -> Result<&str, PageError> {
    let ok = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then_some(id).ok_or(PageError::NotFound)
}

/// An error from `civic-app` the user can act on, or `None` for ours.
fn user_error(e: &AppError) -> Option<String> {
    match e.kind() {
        ErrorKind::InvalidInput | ErrorKind::Unprocessable | ErrorKind::TooLarge => {
            Some(e.to_string())
        }
        _ => None,
    }
}

fn megabytes(bytes: usize) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if mb >= 1.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
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
}

fn upload_page(
    state: &AppState,
    user: &SignedIn<CaseworkerAndAbove>,
    operator: &str,
    errors: Vec<FieldError>,
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
                .map(|(v, t)| ((*v).to_owned(), (*t).to_owned())),
        ),
        limit: megabytes(state.app.config().body_limit),
        file_error: error_for(&errors, "file").map(str::to_owned),
        operator_error: error_for(&errors, "operator").map(str::to_owned),
        errors,
    };
    Ok((status, render(&t)?).into_response())
}

/// `GET /redact`: the upload form.
pub async fn upload_form(
    State(state): State<AppState>,
    user: SignedIn<CaseworkerAndAbove>,
) -> Result<Response, PageError> {
    upload_page(&state, &user, "label", Vec::new(), StatusCode::OK)
}

/// The upload form's fields, read from `multipart/form-data`.
#[derive(Debug, Default)]
struct UploadFields {
    csrf: String,
    operator: String,
    file: Option<(String, Vec<u8>)>,
}

/// Why an upload could not be read.
enum Unreadable {
    /// Over the body limit.
    TooLarge,
    /// Not a form this page sent.
    Broken,
}

async fn read_upload(mut form: Multipart) -> Result<UploadFields, Unreadable> {
    let failed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Unreadable::TooLarge
        } else {
            Unreadable::Broken
        }
    };
    let mut fields = UploadFields::default();
    while let Some(field) = form.next_field().await.map_err(failed)? {
        match field.name().unwrap_or_default() {
            "csrf" => fields.csrf = field.text().await.map_err(failed)?,
            "operator" => fields.operator = field.text().await.map_err(failed)?,
            "file" => {
                // Only the last component: a browser may send a whole path.
                let name = field
                    .file_name()
                    .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_owned())
                    .unwrap_or_default();
                let bytes = field.bytes().await.map_err(failed)?;
                fields.file = Some((name, bytes.to_vec()));
            }
            _ => return Err(Unreadable::Broken),
        }
    }
    Ok(fields)
}

/// `POST /redact`: reads the upload, suggests spans, keeps the draft and
/// goes to its review.
pub async fn upload(
    State(state): State<AppState>,
    user: SignedIn<CaseworkerAndAbove>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    // A form that is not multipart was not sent by this page.
    let form = form.map_err(|_| PageError::Csrf)?;
    let fields = match read_upload(form).await {
        Ok(f) => f,
        Err(Unreadable::Broken) => return Err(PageError::Csrf),
        Err(Unreadable::TooLarge) => {
            // The token is in the unread part of the body; nothing is done
            // but showing the form again.
            let limit = megabytes(state.app.config().body_limit);
            let errors = vec![FieldError::new(
                "file",
                format!("The selected file must be smaller than {limit}"),
            )];
            return upload_page(
                &state,
                &user,
                "label",
                errors,
                StatusCode::PAYLOAD_TOO_LARGE,
            );
        }
    };
    user.check_csrf(&fields.csrf, "/redact")?;
    let mut errors = Vec::new();
    if !OPERATORS.iter().any(|(v, _)| *v == fields.operator) {
        errors.push(FieldError::new(
            "operator",
            "Select what to replace personal data with",
        ));
    }
    let file = fields
        .file
        .filter(|(name, bytes)| !name.is_empty() || !bytes.is_empty());
    let Some((name, bytes)) = file else {
        errors.push(FieldError::new("file", "Select a file to redact"));
        return upload_page(
            &state,
            &user,
            &fields.operator,
            errors,
            StatusCode::BAD_REQUEST,
        );
    };
    if !errors.is_empty() {
        return upload_page(
            &state,
            &user,
            &fields.operator,
            errors,
            StatusCode::BAD_REQUEST,
        );
    }
    let options = RedactOptions {
        operator: Some(fields.operator.clone()),
        ..RedactOptions::default()
    };
    let bytes: Arc<[u8]> = bytes.into();
    let preview = match state
        .app
        .preview_upload(name.clone(), bytes.clone(), &options, None)
        .await
    {
        Ok(p) => p,
        Err(e) => {
            let Some(message) = user_error(&e) else {
                return Err(e.into());
            };
            let status = if e.kind() == ErrorKind::TooLarge {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let errors = vec![FieldError::new("file", message)];
            return upload_page(&state, &user, &fields.operator, errors, status);
        }
    };
    let preview = Arc::new(preview);
    let laid_out = preview.clone();
    let layout = tokio::task::spawn_blocking(move || {
        paging::Layout::new(&laid_out, paging::PAGE_CHARS, paging::PAGE_SPANS)
    })
    .await
    .map_err(|e| PageError::from(AppError::Internal(format!("page layout: {e}"))))?;
    let now = Instant::now();
    let draft = Draft {
        owner: user.session.user.id,
        expires: now + DRAFT_TTL,
        uploaded: now,
        name,
        bytes,
        options,
        preview,
        layout: Arc::new(layout),
        seen: BTreeSet::new(),
        rejected: BTreeSet::new(),
        added: Vec::new(),
        done: None,
    };
    match state.redactions.insert(draft) {
        Ok(id) => Ok(Redirect::to(&format!("/redact/{id}")).into_response()),
        Err(full) => {
            tracing::warn!(scope = ?full, "redaction drafts are full");
            let message = match full {
                StoreFull::Yours => {
                    "Your documents being redacted already use your share of the space. \
                     Finish or download one of them, or try again in 30 minutes"
                }
                StoreFull::Everyone => {
                    "Too many documents are being redacted at the moment. Try again in a few minutes"
                }
            };
            let errors = vec![FieldError::new("file", message)];
            upload_page(
                &state,
                &user,
                &fields.operator,
                errors,
                StatusCode::SERVICE_UNAVAILABLE,
            )
        }
    }
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
    /// The page script's URL.
    script: String,
}

/// What the form posted, to show again after adding or after an error.
#[derive(Debug, Default)]
struct Entered {
    find_text: String,
    find_label: String,
    notice: String,
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
/// The passage's code points are collected once and sliced for every span:
/// skipping to each span from the start of its passage made the page
/// quadratic in the passage's length (issue 16's probe: 7.6 s of CPU for 2 MB).
fn chars(text: &[char], start: usize, end: usize) -> String {
    let end = end.min(text.len());
    text[start.min(end)..end].iter().collect()
}

/// One page of the review, copied out of the draft so that it is rendered
/// after the drafts' lock is released (and costs the same whatever the
/// document's length: see [`paging`]).
#[derive(Debug)]
struct ReviewData {
    name: String,
    file_type: &'static str,
    operator: String,
    decoding: String,
    /// From 0.
    page: usize,
    pages: usize,
    unseen: Vec<usize>,
    passages: Vec<PassageView>,
    suggestions: Vec<SpanRow>,
    added: Vec<SpanRow>,
}

/// What page `page` (from 0, clamped to the last) of `draft` shows; marks
/// the page as opened.
fn review_data(draft: &mut Draft, page: usize) -> ReviewData {
    let layout = draft.layout.clone();
    let page = page.min(layout.len() - 1);
    draft.seen.insert(page);
    let preview = &draft.preview;
    let pieces = layout.page(page);
    // Spans are numbered through the whole document in reading order, so a
    // number means the same span on every page.
    let mut number = pieces.first().map_or(0, |f| {
        let suggested: usize = preview.passages[..f.passage]
            .iter()
            .map(|p| p.spans.len())
            .sum::<usize>()
            + paging::spans_starting_in(
                preview,
                &paging::Piece {
                    end: f.start,
                    start: 0,
                    ..*f
                },
            )
            .len();
        let added = draft
            .added
            .iter()
            .filter(|a| (a.passage, a.start) < (f.passage, f.start))
            .count();
        suggested + added
    });
    let mut suggestions = Vec::new();
    let mut added_rows = Vec::new();
    let mut passages = Vec::new();
    for piece in pieces {
        let p = piece.passage;
        let passage = &preview.passages[p];
        let text: Vec<char> = passage.text[piece.byte_start..piece.byte_end]
            .chars()
            .collect();
        let local = |at: usize| at.saturating_sub(piece.start).min(text.len());
        // Every span shown on this piece, suggested or added, in order:
        // (start, end, tag, state, row) where row is the form's row, for
        // spans that start here.
        let mut marks: Vec<(usize, usize, &'static str, &'static str, Option<SpanRow>)> =
            Vec::new();
        for i in paging::spans_starting_in(preview, piece) {
            let s = &passage.spans[i];
            let rejected = draft.rejected.contains(&(p, i));
            let row = SpanRow {
                field: format!("keep-{p}-{i}"),
                number: 0,
                value: chars(&text, local(s.start), local(s.end)),
                label: s.label.as_str(),
                detail: format!("score {:.2}; {}", s.score, evidence_text(&s.evidence)),
                checked: !rejected,
            };
            let state = if rejected { "rejected" } else { "suggested" };
            marks.push((s.start, s.end, s.label.as_str(), state, Some(row)));
        }
        for (k, a) in draft.added.iter().enumerate() {
            if a.passage != p || a.end <= piece.start || a.start >= piece.end {
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
    ReviewData {
        name: draft.name.clone(),
        file_type: preview.file_type.as_str(),
        operator: draft.options.operator.clone().unwrap_or_default(),
        decoding: preview
            .decoding
            .as_ref()
            .map(|d| d.describe())
            .unwrap_or_default(),
        page,
        pages: layout.len(),
        unseen: paging::unseen(layout.len(), &draft.seen),
        passages,
        suggestions,
        added: added_rows,
    }
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

fn review_page(
    state: &AppState,
    user: &SignedIn<CaseworkerAndAbove>,
    id: &str,
    data: ReviewData,
    entered: Entered,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let t = ReviewTemplate {
        chrome: Chrome::new(
            state,
            Some(&user.session),
            &form_title("Review the redactions", &errors),
            "/redact",
        ),
        id: id.to_owned(),
        name: data.name,
        file_type: data.file_type,
        operator: data.operator,
        decoding: data.decoding,
        notice: entered.notice,
        page: data.page + 1,
        pages: data.pages,
        unseen: in_words(&data.unseen),
        passages: data.passages,
        suggestions: data.suggestions,
        added: data.added,
        labels: choices(
            &entered.find_label,
            Label::ALL
                .iter()
                .map(|l| (l.as_str().to_owned(), l.as_str().to_owned())),
        ),
        find_text: entered.find_text,
        find_text_error: error_for(&errors, "find-text").map(str::to_owned),
        find_label_error: error_for(&errors, "find-label").map(str::to_owned),
        script: super::assets::REDACT_REVIEW_JS.url(),
        errors,
    };
    render_form(&t, &t.errors)
}

/// `?page=N` (from 1); anything else is the first page.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

/// A page number from a form or a query (from 1), as an index from 0.
fn page_index(page: Option<&str>) -> usize {
    page.and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .saturating_sub(1)
}

/// `GET /redact/{id}`: the review.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    user: SignedIn<CaseworkerAndAbove>,
) -> Result<Response, PageError> {
    let id = draft_id(&id)?;
    let page = page_index(query.page.as_deref());
    let data = state
        .redactions
        .with(id, user.session.user.id, |d| review_data(d, page))
        .ok_or(PageError::NotFound)?;
    review_page(&state, &user, id, data, Entered::default(), Vec::new())
}

/// The review form: the CSRF token, which button, the text to add, and a
/// `keep-P-I` box for each suggestion and an `added-K` box for each added
/// span (a box left unticked is not sent).
#[derive(Debug, Deserialize)]
pub struct ReviewFields {
    #[serde(default)]
    csrf: String,
    /// `add`, `redact`, or `page-N` to save this page's boxes and open
    /// page N (from 1).
    #[serde(default)]
    action: String,
    /// The page (from 1) whose boxes the form holds.
    #[serde(default)]
    page: String,
    #[serde(default)]
    find_text: String,
    #[serde(default)]
    find_label: String,
    #[serde(flatten)]
    boxes: HashMap<String, String>,
}

impl FormFields for ReviewFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Takes the ticked boxes of page `page` (from 0) into the draft; spans on
/// other pages keep their state, as their boxes were not on the form.
fn take_boxes(draft: &mut Draft, page: usize, boxes: &HashMap<String, String>) {
    let layout = draft.layout.clone();
    for piece in layout.page(page) {
        for i in paging::spans_starting_in(&draft.preview, piece) {
            let key = (piece.passage, i);
            if boxes.contains_key(&format!("keep-{}-{i}", piece.passage)) {
                draft.rejected.remove(&key);
            } else {
                draft.rejected.insert(key);
            }
        }
    }
    let added = std::mem::take(&mut draft.added);
    draft.added = added
        .into_iter()
        .enumerate()
        .filter(|(k, a)| {
            !layout.holds(page, a.passage, a.start) || boxes.contains_key(&format!("added-{k}"))
        })
        .map(|(_, a)| a)
        .collect();
}

/// Adds every occurrence of the text to redact; says how many, or what to fix.
fn add_text(draft: &mut Draft, text: &str, label: &str) -> Result<String, Vec<FieldError>> {
    let mut errors = Vec::new();
    let text = text.trim();
    if text.is_empty() {
        errors.push(FieldError::new("find-text", "Enter the text to redact"));
    } else if text.chars().count() > MAX_FIND_CHARS {
        errors.push(FieldError::new(
            "find-text",
            format!("Enter {MAX_FIND_CHARS} characters or fewer"),
        ));
    }
    let label = label.parse::<Label>().ok();
    if label.is_none() {
        errors.push(FieldError::new(
            "find-label",
            "Select what kind of personal data it is",
        ));
    }
    let (Some(label), true) = (label, errors.is_empty()) else {
        return Err(errors);
    };
    let found = draft.preview.occurrences(text);
    if found.is_empty() {
        return Err(vec![FieldError::new(
            "find-text",
            "That text is not in the document; copy it exactly as it appears",
        )]);
    }
    if draft.added.len().saturating_add(found.len()) > MAX_ADDED {
        return Err(vec![FieldError::new(
            "find-text",
            format!(
                "That text appears {} times; you can add at most {MAX_ADDED} places in one document",
                found.len()
            ),
        )]);
    }
    // The spans added before are sorted and never overlap, so a clash is
    // found by search; the new ones (matches of one text) do not overlap
    // one another.
    let before = &draft.added;
    let new: Vec<Added> = found
        .into_iter()
        .filter(|&(passage, start, end)| {
            let i = before.partition_point(|a| (a.passage, a.end) <= (passage, start));
            !before
                .get(i)
                .is_some_and(|a| a.passage == passage && a.start < end)
        })
        .map(|(passage, start, end)| Added {
            passage,
            start,
            end,
            label,
        })
        .collect();
    let pages: BTreeSet<usize> = new
        .iter()
        .map(|a| draft.layout.page_of(a.passage, a.start) + 1)
        .collect();
    let added = new.len();
    draft.added.extend(new);
    draft.added.sort();
    let at = if draft.layout.len() > 1 && added > 0 {
        let pages: Vec<usize> = pages.into_iter().collect();
        let noun = if pages.len() == 1 { "page" } else { "pages" };
        format!(", on {noun} {}", in_words(&pages))
    } else {
        String::new()
    };
    Ok(match added {
        0 => "That text is already added everywhere it appears.".to_owned(),
        1 => format!("Added 1 place to redact{at}."),
        n => format!("Added {n} places to redact{at}."),
    })
}

/// The spans to redact: the suggestions still ticked, except where an
/// added span covers them (the reviewer's own span wins), and the added
/// spans.
fn review_of(draft: &Draft) -> DocumentReview {
    let passages = draft
        .preview
        .passages
        .iter()
        .enumerate()
        .map(|(p, passage)| {
            let added: Vec<&Added> = draft.added.iter().filter(|a| a.passage == p).collect();
            let mut chosen: Vec<ChosenSpan> = passage
                .spans
                .iter()
                .enumerate()
                .filter(|(i, _)| !draft.rejected.contains(&(p, *i)))
                .filter(|(_, s)| !added.iter().any(|a| a.start < s.end && s.start < a.end))
                .map(|(_, s)| ChosenSpan {
                    start: s.start,
                    end: s.end,
                    label: s.label,
                })
                .collect();
            chosen.extend(added.iter().map(|a| ChosenSpan {
                start: a.start,
                end: a.end,
                label: a.label,
            }));
            chosen
        })
        .collect();
    DocumentReview { passages }
}

/// `POST /redact/{id}`: adds a span and shows the review again, or
/// redacts with the review and goes to the downloads.
pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm<CaseworkerAndAbove, ReviewFields>,
) -> Result<Response, PageError> {
    let id = draft_id(&id)?;
    let user = &form.user;
    let f = &form.fields;
    let owner = user.session.user.id;
    let page = page_index(Some(&f.page));
    if let Some(to) = f.action.strip_prefix("page-") {
        state
            .redactions
            .with(id, owner, |d| take_boxes(d, page, &f.boxes))
            .ok_or(PageError::NotFound)?;
        let to = page_index(Some(to)) + 1;
        return Ok(Redirect::to(&format!("/redact/{id}?page={to}")).into_response());
    }
    if f.action == "add" {
        let (data, entered, errors) = state
            .redactions
            .with(id, owner, |d| {
                take_boxes(d, page, &f.boxes);
                let (entered, errors) = match add_text(d, &f.find_text, &f.find_label) {
                    Ok(notice) => (
                        Entered {
                            notice,
                            ..Entered::default()
                        },
                        Vec::new(),
                    ),
                    Err(errors) => (
                        Entered {
                            find_text: f.find_text.clone(),
                            find_label: f.find_label.clone(),
                            notice: String::new(),
                        },
                        errors,
                    ),
                };
                (review_data(d, page), entered, errors)
            })
            .ok_or(PageError::NotFound)?;
        return review_page(&state, user, id, data, entered, errors);
    }
    let taken = state.redactions.with(id, owner, |d| {
        take_boxes(d, page, &f.boxes);
        (
            d.name.clone(),
            d.bytes.clone(),
            d.options.clone(),
            review_of(d),
        )
    });
    let Some((name, bytes, options, review)) = taken else {
        return Err(PageError::NotFound);
    };
    let result = state
        .app
        .redact_upload_reviewed(
            name,
            bytes.to_vec(),
            &options,
            None,
            review,
            None,
            owner.as_principal(),
        )
        .await;
    let (decision, doc, counts) = match result {
        Ok(r) => r,
        Err(e) => {
            let Some(message) = user_error(&e) else {
                return Err(e.into());
            };
            let data = state
                .redactions
                .with(id, owner, |d| review_data(d, page))
                .ok_or(PageError::NotFound)?;
            let errors = vec![FieldError::new("find-text", message)];
            return review_page(&state, user, id, data, Entered::default(), errors);
        }
    };
    tracing::info!(user = %owner, decision = %decision.id, spans = doc.log.len(), "redacted a document on the web page");
    let log = json!({
        "decision_id": decision.id.to_string(),
        "file_type": doc.file_type.as_str(),
        "operator": options.operator,
        "review": counts,
        "redactions": doc.log,
        "attachments_removed": doc.attachments,
        "removed": doc.removed,
        "decoding": doc.decoding,
    });
    let log = serde_json::to_vec_pretty(&log)
        .map_err(|e| PageError::from(AppError::Internal(format!("redaction log: {e}"))))?;
    let done = Done {
        decision: decision.id.to_string(),
        file_type: doc.file_type,
        per_label: doc
            .counts()
            .into_iter()
            .map(|(l, n)| (l.as_str().to_owned(), n))
            .collect(),
        file: doc.bytes,
        log,
        counts,
        file_taken: false,
        log_taken: false,
    };
    state
        .redactions
        .with(id, owner, |d| d.done = Some(done))
        .ok_or(PageError::NotFound)?;
    Ok(Redirect::to(&format!("/redact/{id}/done")).into_response())
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
    minutes: u64,
}

/// `GET /redact/{id}/done`: what was redacted, and the downloads.
pub async fn done(
    State(state): State<AppState>,
    Path(id): Path<String>,
    user: SignedIn<CaseworkerAndAbove>,
) -> Result<Response, PageError> {
    let id = draft_id(&id)?;
    let page = state
        .redactions
        .with(id, user.session.user.id, |d| {
            d.done.as_ref().map(|done| DoneTemplate {
                chrome: Chrome::new(
                    &state,
                    Some(&user.session),
                    "Your redacted document",
                    "/redact",
                ),
                id: id.to_owned(),
                name: d.name.clone(),
                decision: done.decision.clone(),
                file_type: done.file_type.as_str(),
                counts: done.counts,
                per_label: done.per_label.clone(),
                minutes: DRAFT_TTL.as_secs() / 60,
            })
        })
        .flatten();
    match page {
        Some(t) => Ok(render(&t)?.into_response()),
        // Not redacted yet: back to the review.
        None if state
            .redactions
            .with(id, user.session.user.id, |_| ())
            .is_some() =>
        {
            Ok(Redirect::to(&format!("/redact/{id}")).into_response())
        }
        None => Err(PageError::NotFound),
    }
}

/// A file name safe in a `Content-Disposition` header.
fn download_name(name: &str) -> String {
    format!(
        "redacted-{}",
        civic_app::redact::files::safe_file_name(name)
    )
}

fn content_type(t: FileType) -> &'static str {
    match t {
        FileType::Text => "text/plain; charset=utf-8",
        FileType::Csv => "text/csv; charset=utf-8",
        FileType::Eml => "message/rfc822",
        FileType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
}

/// Which download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    File,
    Log,
}

async fn download(
    state: &AppState,
    id: &str,
    user: &SignedIn<CaseworkerAndAbove>,
    part: Part,
) -> Result<Response, PageError> {
    let id = draft_id(id)?;
    let taken = state
        .redactions
        .with(id, user.session.user.id, |d| {
            let name = d.name.clone();
            let done = d.done.as_mut()?;
            let (bytes, name, kind) = match part {
                Part::File => {
                    done.file_taken = true;
                    (
                        done.file.clone(),
                        download_name(&name),
                        content_type(done.file_type),
                    )
                }
                Part::Log => {
                    done.log_taken = true;
                    (
                        done.log.clone(),
                        format!("{}.log.json", download_name(&name)),
                        "application/json",
                    )
                }
            };
            Some((bytes, name, kind, done.file_taken && done.log_taken))
        })
        .flatten();
    let Some((bytes, name, kind, finished)) = taken else {
        return Err(PageError::NotFound);
    };
    if finished {
        // Both parts are with the user: nothing of the document stays here.
        state.redactions.remove(id);
    }
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /redact/{id}/file`: the redacted file, in its own format.
pub async fn download_file(
    State(state): State<AppState>,
    Path(id): Path<String>,
    user: SignedIn<CaseworkerAndAbove>,
) -> Result<Response, PageError> {
    download(&state, &id, &user, Part::File).await
}

/// `GET /redact/{id}/log`: the redaction log, as JSON.
pub async fn download_log(
    State(state): State<AppState>,
    Path(id): Path<String>,
    user: SignedIn<CaseworkerAndAbove>,
) -> Result<Response, PageError> {
    download(&state, &id, &user, Part::Log).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_keep_only_safe_characters() {
        assert_eq!(download_name("letter 1.docx"), "redacted-letter_1.docx");
        assert_eq!(download_name("a\"b;\r\n.txt"), "redacted-a_b___.txt");
    }

    fn draft(owner: UserId, bytes: usize) -> Draft {
        let now = Instant::now();
        Draft {
            owner,
            expires: now + DRAFT_TTL,
            uploaded: now,
            name: "letter.txt".into(),
            bytes: vec![b'x'; bytes].into(),
            options: RedactOptions::default(),
            preview: Arc::new(DocumentPreview {
                file_type: FileType::Text,
                passages: Vec::new(),
                decoding: None,
            }),
            layout: Arc::new(paging::Layout::new(
                &DocumentPreview {
                    file_type: FileType::Text,
                    passages: Vec::new(),
                    decoding: None,
                },
                paging::PAGE_CHARS,
                paging::PAGE_SPANS,
            )),
            seen: BTreeSet::new(),
            rejected: BTreeSet::new(),
            added: Vec::new(),
            done: None,
        }
    }

    #[test]
    fn one_person_cannot_fill_the_drafts_for_everyone() {
        // A store of 8,000 bytes: each person may hold 2,000 of them.
        let drafts = Drafts::for_body_limit(1_000);
        let (a, b) = (UserId::new(), UserId::new());
        assert!(drafts.insert(draft(a, 1_500)).is_ok());
        assert_eq!(drafts.insert(draft(a, 1_000)), Err(StoreFull::Yours));
        // One large document alone fits, whatever the share.
        let c = UserId::new();
        assert!(drafts.insert(draft(c, 3_000)).is_ok());
        drafts.lock().retain(|_, d| d.owner != c);
        for _ in 0..3 {
            assert!(
                drafts.insert(draft(b, 600)).is_ok(),
                "another person still has room"
            );
        }
        // The fourth replaces B's oldest (three drafts each at most).
        assert!(drafts.insert(draft(b, 600)).is_ok());
        assert_eq!(drafts.lock().len(), 4);
    }

    #[test]
    fn only_well_formed_draft_ids_are_looked_up() {
        assert!(draft_id("0123456789abcdef0123456789abcdef").is_ok());
        for bad in [
            "",
            "short",
            "../../etc/passwd",
            "0123456789abcdef0123456789abcdeg",
        ] {
            assert!(draft_id(bad).is_err(), "{bad}");
        }
    }
}
