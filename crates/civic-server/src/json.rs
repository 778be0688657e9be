//! A JSON body extractor whose rejections use the API's error shape: 400 with
//! the line and column of malformed JSON, 422 for well-formed JSON of the
//! wrong shape or that cannot be kept exactly (a NUL character, a duplicate
//! key, an integer beyond ±2⁵³: see [`crate::json_check`]), 413 for a body
//! over the limit, 415 without a JSON content type.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use civic_core::ErrorKind;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::json_check::{self, Refusal};

/// `Json<T>` with Civic's error responses.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                ErrorKind::InvalidInput,
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`",
            )
            .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let body = Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    ErrorKind::TooLarge,
                    "body_too_large",
                    "the request body is larger than this endpoint's configured limit (json_body_limit for records, body_limit for texts to redact)",
                )
            } else {
                ApiError::new(ErrorKind::InvalidInput, "bad_request", r.body_text())
            }
        })?;
        parse_body(&body).map(ApiJson)
    }
}

/// Reads a JSON request body into `T` as every endpoint does: first the
/// checks of [`json_check`] (400 for malformed JSON, 422 for a value that
/// cannot be kept exactly), then the request type's own shape (422).
///
/// # Errors
///
/// An [`ApiError`] with the API's error shape, naming the line and column
/// or the JSON Pointer of the problem.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    match json_check::check(body) {
        Ok(()) => {}
        Err(Refusal::Syntax(e)) => {
            return Err(ApiError::new(
                ErrorKind::InvalidInput,
                "malformed_json",
                format!("the request body is not valid JSON: {e}"),
            ));
        }
        Err(Refusal::Problem(p)) => {
            return Err(
                ApiError::new(ErrorKind::Unprocessable, "invalid_body", p.to_string())
                    .with_details(serde_json::json!({ "pointer": p.pointer })),
            );
        }
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            ErrorKind::Unprocessable,
            "invalid_body",
            format!("the request body is not what this endpoint takes: {e}"),
        )
    })
}

/// Whether the request says its body is JSON (`application/json`, or any
/// `+json` type), as axum's own extractor decides.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Some((kind, sub)) = essence.split_once('/') else {
        return false;
    };
    kind == "application" && (sub == "json" || sub.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_are_recognised() {
        let cases = [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/merge-patch+json", true),
            ("text/json", false),
            ("application/jsonx", false),
            ("text/plain", false),
        ];
        for (ct, want) in cases {
            let mut h = axum::http::HeaderMap::new();
            h.insert(header::CONTENT_TYPE, ct.parse().expect("header"));
            assert_eq!(is_json(&h), want, "{ct}");
        }
        assert!(!is_json(&axum::http::HeaderMap::new()));
    }
}
