//! The Redaction page: upload a document, review each suggested span
//! (accept, reject, add one the detectors missed), then download the
//! redacted file and its log. The final redaction is one decision in the
//! ledger, recorded exactly as `POST /api/v1/redact` records it.
//!
//! The work is `civic-app`'s: [`App::start_draft`] suggests spans and keeps
//! the document as a draft on disk, a page of which [`App::draft_page`]
//! gives; [`App::finish_draft`] applies the reviewer's spans in the file's
//! own format (see [`civic_app::redact::drafts`] for where drafts live, how
//! long, and how many). This module reads the forms into a
//! [`PageChoice`] and the words of the pages: handlers here, pages in
//! [`view`], the downloads in [`download`].
//!
//! [`App::start_draft`]: civic_app::App::start_draft
//! [`App::draft_page`]: civic_app::App::draft_page
//! [`App::finish_draft`]: civic_app::App::finish_draft

mod download;
mod view;

use std::collections::{BTreeSet, HashMap};

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use civic_app::AppError;
use civic_app::redact::RedactOptions;
use civic_app::redact::drafts::DraftId;
use civic_app::redact::drafts::choices::{self, AddRefused, MAX_ADDED, MAX_FIND_CHARS, PageChoice};
use civic_core::ErrorKind;
use civic_redact::Label;
use serde::Deserialize;

pub use self::download::{download_file, download_log};
use self::view::{Entered, megabytes, review_page, upload_page};
use crate::AppState;
use crate::auth::CaseworkerAndAbove;
use crate::web::error::PageError;
use crate::web::pages::{CsrfOnly, FieldError};
use crate::web::session::{FormFields, SignedIn, WebForm};

fn draft_id(id: &str) -> Result<DraftId, PageError> {
    DraftId::parse(id).ok_or(PageError::NotFound)
}

/// An error from `civic-app` the user can act on, or `None` for ours.
fn user_error(e: &AppError) -> Option<String> {
    match e.kind() {
        ErrorKind::InvalidInput
        | ErrorKind::Unprocessable
        | ErrorKind::TooLarge
        | ErrorKind::Conflict => Some(e.to_string()),
        _ => None,
    }
}

/// The upload form again, with `errors`, the person's drafts listed.
async fn upload_again(
    state: &AppState,
    user: &SignedIn<CaseworkerAndAbove>,
    operator: &str,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let drafts = state.app.drafts_of(user.session.user.id).await?;
    upload_page(state, user, operator, errors, drafts, status)
}

/// `GET /redact`: the upload form, and the person's documents in progress.
pub async fn upload_form(
    State(state): State<AppState>,
    user: SignedIn<CaseworkerAndAbove>,
) -> Result<Response, PageError> {
    upload_again(&state, &user, "label", Vec::new(), StatusCode::OK).await
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
            return upload_again(
                &state,
                &user,
                "label",
                errors,
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await;
        }
    };
    user.check_csrf(&fields.csrf, "/redact")?;
    let mut errors = Vec::new();
    let operator = civic_app::redact::parse_operator(&fields.operator);
    if operator.is_err() {
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
        return upload_again(
            &state,
            &user,
            &fields.operator,
            errors,
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let Ok(operator) = operator else {
        return upload_again(
            &state,
            &user,
            &fields.operator,
            errors,
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let options = RedactOptions {
        operator: Some(operator),
        ..RedactOptions::default()
    };
    match state
        .app
        .start_draft(user.session.user.id, name, bytes, options)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/redact/{id}")).into_response()),
        Err(e) => {
            let Some(message) = user_error(&e) else {
                return Err(e.into());
            };
            let status = match e.kind() {
                ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                ErrorKind::Conflict => {
                    tracing::info!(user = %user.session.user.id, "redaction drafts over quota");
                    StatusCode::CONFLICT
                }
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let errors = vec![FieldError::new("file", message)];
            upload_again(&state, &user, &fields.operator, errors, status).await
        }
    }
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
    let draft = draft_id(&id)?;
    let page = page_index(query.page.as_deref());
    let data = state
        .app
        .draft_page(user.session.user.id, draft, page)
        .await?;
    review_page(&state, &user, &id, data, Entered::default(), Vec::new())
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

/// The ticked boxes of page `page` (from 0), by what they stand for; a
/// name this page does not write is ignored.
fn page_choice(page: usize, boxes: &HashMap<String, String>) -> PageChoice {
    let mut kept = BTreeSet::new();
    let mut kept_added = BTreeSet::new();
    for name in boxes.keys() {
        if let Some(rest) = name.strip_prefix("keep-")
            && let Some((p, i)) = rest.split_once('-')
            && let (Ok(p), Ok(i)) = (p.parse(), i.parse())
        {
            kept.insert((p, i));
        } else if let Some(k) = name.strip_prefix("added-").and_then(|k| k.parse().ok()) {
            kept_added.insert(k);
        }
    }
    PageChoice {
        page,
        kept,
        kept_added,
    }
}

/// What to tell the reviewer when a text could not be added.
fn add_refused(refused: AddRefused) -> FieldError {
    let message = match refused {
        AddRefused::Empty => "Enter the text to redact".to_owned(),
        AddRefused::TooLong => format!("Enter {MAX_FIND_CHARS} characters or fewer"),
        AddRefused::NotInDocument => {
            "That text is not in the document; copy it exactly as it appears".to_owned()
        }
        AddRefused::TooMany { found } => format!(
            "That text appears {found} times; you can add at most {MAX_ADDED} places in one document"
        ),
    };
    FieldError::new("find-text", message)
}

/// `POST /redact/{id}`: keeps this page's boxes, then opens another page,
/// adds a span and shows the review again, or redacts with the review and
/// goes to the downloads.
pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm<CaseworkerAndAbove, ReviewFields>,
) -> Result<Response, PageError> {
    let draft = draft_id(&id)?;
    let user = &form.user;
    let f = &form.fields;
    let owner = user.session.user.id;
    let page = page_index(Some(&f.page));
    let choice = page_choice(page, &f.boxes);
    if let Some(to) = f.action.strip_prefix("page-") {
        state.app.save_draft_page(owner, draft, choice).await?;
        let to = page_index(Some(to)) + 1;
        return Ok(Redirect::to(&format!("/redact/{id}?page={to}")).into_response());
    }
    if f.action == "add" {
        let mut errors = Vec::new();
        let label = f.find_label.parse::<Label>().ok();
        if label.is_none() {
            errors.push(FieldError::new(
                "find-label",
                "Select what kind of personal data it is",
            ));
        }
        let outcome = match label {
            Some(label) => Some(
                state
                    .app
                    .add_to_draft(owner, draft, choice, f.find_text.clone(), label)
                    .await?,
            ),
            None => {
                state.app.save_draft_page(owner, draft, choice).await?;
                // The text is checked too, so that both errors show at once.
                if let Err(refused) = choices::check_text(&f.find_text) {
                    errors.insert(0, add_refused(refused));
                }
                None
            }
        };
        let data = state.app.draft_page(owner, draft, page).await?;
        let entered = match outcome {
            Some(Ok(outcome)) => Entered::added(&outcome, data.pages),
            refused => {
                if let Some(Err(refused)) = refused {
                    errors.push(add_refused(refused));
                }
                Entered {
                    find_text: f.find_text.clone(),
                    find_label: f.find_label.clone(),
                    notice: String::new(),
                }
            }
        };
        return review_page(&state, user, &id, data, entered, errors);
    }
    match state.app.finish_draft(owner, draft, choice).await {
        Ok(()) => Ok(Redirect::to(&format!("/redact/{id}/done")).into_response()),
        Err(e) => {
            let Some(message) = user_error(&e) else {
                return Err(e.into());
            };
            let data = state.app.draft_page(owner, draft, page).await?;
            let errors = vec![FieldError::new("find-text", message)];
            review_page(&state, user, &id, data, Entered::default(), errors)
        }
    }
}

/// `POST /redact/{id}/discard`: deletes the draft and goes back to the
/// upload form.
pub async fn discard(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm<CaseworkerAndAbove, CsrfOnly>,
) -> Result<Response, PageError> {
    let draft = draft_id(&id)?;
    state
        .app
        .discard_draft(form.user.session.user.id, draft)
        .await?;
    Ok(Redirect::to("/redact").into_response())
}

/// `GET /redact/{id}/done`: what was redacted, and the downloads.
pub async fn done(
    State(state): State<AppState>,
    Path(id): Path<String>,
    user: SignedIn<CaseworkerAndAbove>,
) -> Result<Response, PageError> {
    let draft = draft_id(&id)?;
    match state.app.draft_result(user.session.user.id, draft).await? {
        Some(result) => view::done_page(&state, &user, &id, result),
        // Not redacted yet: back to the review.
        None => Ok(Redirect::to(&format!("/redact/{id}")).into_response()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_pages_boxes_are_read_by_what_they_stand_for() {
        let boxes: HashMap<String, String> = [
            "keep-0-3",
            "keep-12-0",
            "added-7",
            "keep-x-1",
            "keep-1",
            "added-",
            "csrf",
        ]
        .into_iter()
        .map(|k| (k.to_owned(), "yes".to_owned()))
        .collect();
        let choice = page_choice(2, &boxes);
        assert_eq!(choice.page, 2);
        assert_eq!(choice.kept, BTreeSet::from([(0, 3), (12, 0)]));
        assert_eq!(choice.kept_added, BTreeSet::from([7]));
    }
}
