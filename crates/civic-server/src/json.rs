//! A JSON body extractor whose rejections use the API's error shape: 400 with
//! the line and column of malformed JSON, 422 for well-formed JSON of the
//! wrong shape, 413 for a body over the limit, 415 without a JSON content type.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use civic_core::ErrorKind;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

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
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(rejection_to_error(rejection)),
        }
    }
}

fn rejection_to_error(r: JsonRejection) -> ApiError {
    let text = r.body_text();
    match r {
        JsonRejection::JsonSyntaxError(_) => {
            ApiError::new(ErrorKind::InvalidInput, "malformed_json", text)
        }
        JsonRejection::JsonDataError(_) => {
            ApiError::new(ErrorKind::Unprocessable, "invalid_body", text)
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            ErrorKind::InvalidInput,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        )
        .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            ErrorKind::TooLarge,
            "body_too_large",
            "the request body is larger than the configured limit (body_limit)",
        ),
        other => ApiError::new(ErrorKind::InvalidInput, "bad_request", other.body_text()),
    }
}
