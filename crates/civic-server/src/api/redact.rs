//! `POST /api/v1/redact` and `POST /api/v1/redact/preview`: finding and
//! removing personal data, with a reviewer able to accept, reject and add
//! spans between the preview and the final redaction.
//!
//! `/redact` takes either JSON (a text) or `multipart/form-data` (a
//! document upload); the Content-Type says which. A redacted document comes
//! back base64-encoded inside the JSON response, beside its redaction log,
//! so that a client gets the file and its spans in one well-typed answer;
//! or, when the client accepts `application/zip`, as one ZIP download
//! holding the redacted file and its log, redacted and sent from disk in
//! bounded memory (the way for large documents: a JSON answer holds the
//! file base64-encoded and every log entry at once).

use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use civic_app::redact::RedactOptions;
use civic_app::redact::review::{ChosenSpan, Preview, ReviewCounts, Span};
use civic_core::ErrorKind;
use civic_redact::Label;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Caller, CaseworkerAndAbove};
use crate::error::ApiError;
use crate::json::ApiJson;

/// What to find and what to replace it with.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactOptionsBody {
    /// `label` (default: `[PERSON]`), `mask`, `remove`, `pseudonym` or `hash`.
    pub operator: Option<String>,
    /// The labels to look for [default: all but ORGANISATION].
    pub labels: Option<Vec<String>>,
    /// Values never redacted, e.g. a Subject Access Request's requester.
    #[serde(default)]
    pub keep: Vec<String>,
}

impl TryFrom<RedactOptionsBody> for RedactOptions {
    type Error = civic_app::AppError;

    fn try_from(o: RedactOptionsBody) -> Result<Self, Self::Error> {
        Ok(RedactOptions {
            operator: o
                .operator
                .as_deref()
                .map(civic_app::redact::parse_operator)
                .transpose()?,
            labels: o
                .labels
                .as_ref()
                .map(|names| civic_app::redact::parse_labels(names.iter().map(String::as_str)))
                .transpose()?,
            keep: o.keep,
        })
    }
}

/// A text to preview.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The text.
    pub text: String,
    /// Labels and keep list (the operator is ignored by a preview).
    #[serde(default)]
    pub options: RedactOptionsBody,
}

/// A span a reviewer accepted or added.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpanChoice {
    /// Start, in Unicode code points (as the preview gives it).
    pub start: usize,
    /// End (exclusive), in Unicode code points.
    pub end: usize,
    /// The label, e.g. `PERSON`.
    pub label: String,
}

/// A text to redact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactRequest {
    /// The text.
    pub text: String,
    /// Operator, labels and keep list.
    #[serde(default)]
    pub options: RedactOptionsBody,
    /// The reviewer's spans: when given, exactly these are redacted and the
    /// detectors' other suggestions are not.
    pub spans: Option<Vec<SpanChoice>>,
    /// The caller's own reference, e.g. a case number (at most 200 characters).
    pub reference: Option<String>,
}

/// A document upload (`multipart/form-data`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct RedactUpload {
    /// The document (.txt, .md, .csv, .eml or .docx); its file name's
    /// extension and its content must agree.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// JSON text of the options, e.g. `{"operator": "pseudonym"}`.
    pub options: Option<String>,
    /// TOML text of the CSV column policy, for CSV files.
    pub csv_policy: Option<String>,
    /// The caller's own reference (at most 200 characters).
    pub reference: Option<String>,
}

/// The suggested spans.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewResponse {
    /// What would be redacted: `start`/`end` in code points, `byte_start`/
    /// `byte_end` in UTF-8 bytes, `label`, `score`, `evidence`.
    pub spans: Vec<Span>,
    /// What was found but the keep list protects, with `kept` saying why.
    pub kept: Vec<Span>,
}

/// A redacted text, recorded in the ledger as a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct TextResponse {
    /// The decision's id (for review and proofs).
    pub decision_id: String,
    /// The redacted text.
    pub text: String,
    /// The spans redacted, with offsets in the original text.
    pub spans: Vec<Span>,
    /// The operator used.
    pub operator: String,
    /// When the reviewer's spans were applied: suggestions accepted, spans
    /// added, suggestions rejected.
    pub review: Option<ReviewCounts>,
}

/// A redacted document, recorded in the ledger as a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentResponse {
    /// The decision's id.
    pub decision_id: String,
    /// The type it was redacted as: `text`, `csv`, `eml` or `docx`.
    pub file_type: String,
    /// The redacted file, base64 (standard alphabet, padded).
    pub content_base64: String,
    /// SHA-256 of the redacted file, hex.
    pub output_sha256: String,
    /// One entry per redaction: label, byte offsets in the decoded text of
    /// the part named by `location`, score, evidence, operator and the
    /// value's SHA-256 (never the value).
    pub redactions: Vec<civic_redact::LogEntry>,
    /// E-mail attachments left out of the output.
    pub attachments_removed: Vec<civic_redact::formats::eml::RemovedAttachment>,
    /// Word content removed besides the personal data, with counts.
    pub removed: std::collections::BTreeMap<String, usize>,
    /// How a text that was not valid UTF-8 was decoded, if it was not.
    pub decoding: Option<civic_redact::document::Decoding>,
}

/// The answer of `/redact`: a text or a document, as sent.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum RedactResponse {
    /// For a JSON request.
    Text(TextResponse),
    /// For a document upload.
    Document(DocumentResponse),
}

fn bad_upload(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorKind::InvalidInput, "invalid_upload", message)
}

/// Suggests the spans to redact, with their evidence, so that a reviewer
/// can accept or reject each. Nothing is recorded.
#[utoipa::path(post, path = "/api/v1/redact/preview", tag = "redact", request_body = PreviewRequest,
    responses((status = 200, body = PreviewResponse), (status = 400, body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn preview(
    State(state): State<AppState>,
    _caller: Caller<CaseworkerAndAbove>,
    ApiJson(body): ApiJson<PreviewRequest>,
) -> Result<Json<PreviewResponse>, ApiError> {
    let Preview { spans, kept } = state
        .app
        .preview_redaction(body.text, &body.options.try_into()?)
        .await?;
    Ok(Json(PreviewResponse { spans, kept }))
}

/// Redacts a text (JSON) or a document (multipart upload) and records one
/// decision in the ledger: digests and counts per label, never the values.
#[utoipa::path(post, path = "/api/v1/redact", tag = "redact",
    request_body(content(
        (RedactRequest = "application/json"),
        (RedactUpload = "multipart/form-data"),
    )),
    responses((status = 200, content(
                  (RedactResponse = "application/json"),
                  (Vec<u8> = "application/zip"),
              ), description = "JSON; or, for an upload sent with `Accept: application/zip`, a ZIP holding `redacted-NAME` and `NAME.redaction.json`, with the decision's id in the `Civic-Decision-Id` header"),
              (status = 400, body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn redact(
    State(state): State<AppState>,
    caller: Caller<CaseworkerAndAbove>,
    request: Request,
) -> Result<Response, ApiError> {
    let zip = accepts_zip(request.headers());
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"));
    if multipart {
        let upload = Multipart::from_request(request, &state)
            .await
            .map_err(|r| bad_upload(r.body_text()))?;
        if zip {
            return redact_document_to_zip(&state, caller, upload).await;
        }
        return Ok(redact_document(&state, caller, upload)
            .await?
            .into_response());
    }
    let ApiJson(body) = ApiJson::<RedactRequest>::from_request(request, &state).await?;
    let chosen = match body.spans {
        None => None,
        Some(spans) => Some(
            spans
                .into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let label = s.label.parse::<Label>().map_err(|e| {
                        ApiError::new(
                            ErrorKind::InvalidInput,
                            "invalid_input",
                            format!("spans[{i}].label: {e}"),
                        )
                    })?;
                    Ok(ChosenSpan {
                        start: s.start,
                        end: s.end,
                        label,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?,
        ),
    };
    let options: RedactOptions = body.options.try_into()?;
    let done = state
        .app
        .redact_text(
            body.text,
            &options,
            chosen,
            body.reference,
            caller.principal(),
        )
        .await?;
    Ok(Json(RedactResponse::Text(TextResponse {
        decision_id: done.decision.id.to_string(),
        operator: done.operator.to_owned(),
        text: done.text,
        spans: done.spans,
        review: done.review,
    }))
    .into_response())
}

/// Whether the client asked for the ZIP answer (`Accept: application/zip`).
fn accepts_zip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/zip"))
        })
}

/// The ZIP answer: the document is redacted to files under the data
/// directory (as `civic redact` does, streaming large ones), packed, and
/// sent a piece at a time; the files are removed once it is sent or the
/// client goes away.
async fn redact_document_to_zip(
    state: &AppState,
    caller: Caller<CaseworkerAndAbove>,
    form: Multipart,
) -> Result<Response, ApiError> {
    let upload = read_upload(form).await?;
    let Some((name, bytes)) = upload.file else {
        return Err(bad_upload(
            "no file field: send the document as the `file` field",
        ));
    };
    let packed = state
        .app
        .redact_upload_packaged(civic_app::redact::files::UploadToFiles {
            name,
            bytes,
            options: upload.options.try_into()?,
            csv_policy: upload.csv_policy,
            reference: upload.reference,
            caller: caller.principal(),
        })
        .await?;
    let file = tokio::fs::File::open(&packed.zip)
        .await
        .map_err(|e| civic_app::AppError::Internal(format!("redacted package: {e}")))?;
    let download = format!(
        "attachment; filename=\"{}.zip\"",
        packed
            .outcome
            .output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "redacted".into())
    );
    let headers = [
        (header::CONTENT_TYPE, "application/zip".to_owned()),
        (header::CONTENT_LENGTH, packed.len.to_string()),
        (header::CONTENT_DISPOSITION, download),
        (
            header::HeaderName::from_static("civic-decision-id"),
            packed.outcome.decision_id.to_string(),
        ),
    ];
    // The body owns the package, so its directory lives until the body
    // is sent or dropped.
    let body = crate::file_body::file_body(file, packed);
    Ok((headers, body).into_response())
}

/// The largest upload answered as JSON (a Word document: by what it
/// unzips to, see [`civic_app::redact::files::work_size`]). A JSON answer holds the whole
/// redacted file (base64) and every log entry at once, so building it takes
/// about 30 times the document's size in memory when it is dense with
/// personal data (a 10 MiB text took the server from 170 to 530 MB, and a
/// 2 MiB text of one long line to 300 MB); a larger document is answered as
/// a ZIP, redacted and sent from disk.
pub const JSON_ANSWER_LIMIT: usize = 1 << 20;

/// The fields of an upload, parsed.
#[derive(Debug, Default)]
struct Upload {
    file: Option<(String, Vec<u8>)>,
    options: RedactOptionsBody,
    csv_policy: Option<String>,
    reference: Option<String>,
}

async fn read_upload(mut form: Multipart) -> Result<Upload, ApiError> {
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                ErrorKind::TooLarge,
                "body_too_large",
                "the upload is larger than the configured limit (body_limit)",
            )
        } else {
            bad_upload(e.body_text())
        }
    };
    let mut upload = Upload::default();
    while let Some(field) = form.next_field().await.map_err(too_large)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                if upload.file.is_some() {
                    return Err(bad_upload("send one file per request"));
                }
                // Only the last component: a client may send a whole path.
                let file_name = field
                    .file_name()
                    .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_owned())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "upload".to_owned());
                let bytes = field.bytes().await.map_err(too_large)?;
                upload.file = Some((file_name, bytes.to_vec()));
            }
            "options" => {
                let text = field.text().await.map_err(too_large)?;
                upload.options = serde_json::from_str(&text).map_err(|e| {
                    ApiError::new(
                        ErrorKind::Unprocessable,
                        "invalid_body",
                        format!("the options field is not valid options JSON: {e}"),
                    )
                })?;
            }
            "csv_policy" => upload.csv_policy = Some(field.text().await.map_err(too_large)?),
            "reference" => upload.reference = Some(field.text().await.map_err(too_large)?),
            other => {
                return Err(bad_upload(format!(
                    "unknown field {other:?}: send file, options, csv_policy and reference"
                )));
            }
        }
    }
    Ok(upload)
}

async fn redact_document(
    state: &AppState,
    caller: Caller<CaseworkerAndAbove>,
    form: Multipart,
) -> Result<Json<RedactResponse>, ApiError> {
    let upload = read_upload(form).await?;
    let Some((name, bytes)) = upload.file else {
        return Err(bad_upload(
            "no file field: send the document as the `file` field",
        ));
    };
    if civic_app::redact::files::work_size(&bytes) > JSON_ANSWER_LIMIT as u64 {
        return Err(ApiError::new(
            ErrorKind::TooLarge,
            "answer_too_large",
            format!(
                "a document over {} MiB (for a Word document, its unzipped size) is answered as a ZIP file, not JSON: send the upload again with `Accept: application/zip`",
                JSON_ANSWER_LIMIT >> 20
            ),
        ));
    }
    let (decision, doc) = state
        .app
        .redact_upload(
            name,
            bytes,
            &upload.options.try_into()?,
            upload.csv_policy,
            upload.reference,
            caller.principal(),
        )
        .await?;
    Ok(Json(RedactResponse::Document(DocumentResponse {
        decision_id: decision.id.to_string(),
        file_type: doc.file_type.as_str().to_owned(),
        content_base64: base64::engine::general_purpose::STANDARD.encode(&doc.bytes),
        output_sha256: civic_core::Digest::of(&doc.bytes).to_hex(),
        redactions: doc.log,
        attachments_removed: doc.attachments,
        removed: doc.removed,
        decoding: doc.decoding,
    })))
}
