//! The two downloads of a redacted draft: the file, in its own format, and
//! the redaction log. Once both are taken `civic-app` deletes the draft.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use civic_app::redact::drafts::DraftPart;
use civic_redact::document::FileType;

use super::draft_id;
use crate::AppState;
use crate::auth::CaseworkerAndAbove;
use crate::web::error::PageError;
use crate::web::session::SignedIn;

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

async fn download(
    state: &AppState,
    id: &str,
    user: &SignedIn<CaseworkerAndAbove>,
    part: DraftPart,
) -> Result<Response, PageError> {
    let id = draft_id(id)?;
    let taken = state
        .app
        .take_draft_part(user.session.user.id, id, part)
        .await?;
    let (name, kind) = match part {
        DraftPart::File => (download_name(&taken.name), content_type(taken.file_type)),
        DraftPart::Log => (
            format!("{}.log.json", download_name(&taken.name)),
            "application/json",
        ),
    };
    // Sent from the open file a piece at a time: a long document's log
    // runs to a hundred megabytes and more.
    let body = crate::file_body::file_body(tokio::fs::File::from_std(taken.file), ());
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (header::CONTENT_LENGTH, taken.len.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// `GET /redact/{id}/file`: the redacted file, in its own format.
pub async fn download_file(
    State(state): State<AppState>,
    Path(id): Path<String>,
    user: SignedIn<CaseworkerAndAbove>,
) -> Result<Response, PageError> {
    download(&state, &id, &user, DraftPart::File).await
}

/// `GET /redact/{id}/log`: the redaction log, as JSON.
pub async fn download_log(
    State(state): State<AppState>,
    Path(id): Path<String>,
    user: SignedIn<CaseworkerAndAbove>,
) -> Result<Response, PageError> {
    download(&state, &id, &user, DraftPart::Log).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_keep_only_safe_characters() {
        assert_eq!(download_name("letter 1.docx"), "redacted-letter_1.docx");
        assert_eq!(download_name("a\"b;\r\n.txt"), "redacted-a_b___.txt");
    }
}
