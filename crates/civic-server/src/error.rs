//! The one error shape of the API, `{"error":{"code","message","details"}}`,
//! and the one mapping from error kinds to HTTP statuses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use civic_core::ErrorKind;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// An error as the API returns it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<Value>,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code, e.g. `not_found`.
    pub code: String,
    /// A plain-English message saying what to do.
    pub message: String,
    /// Extra structured information, when there is any.
    #[schema(value_type = Object)]
    pub details: Option<Value>,
}

/// The HTTP status for each kind of error: the only place this mapping lives.
pub fn status_for(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
        ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    /// An error of `kind` with a code and message.
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: status_for(kind),
            code,
            message: message.into(),
            details: None,
        }
    }

    /// Adds structured details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Overrides the status where a kind's default does not fit (e.g. 415).
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<civic_app::AppError> for ApiError {
    fn from(e: civic_app::AppError) -> Self {
        let kind = e.kind();
        if kind == ErrorKind::Internal {
            // Internals are logged, not returned.
            tracing::error!(error = %e, code = e.code(), "internal error");
            return ApiError::new(
                kind,
                "internal",
                "something went wrong on our side; it has been logged",
            );
        }
        if kind == ErrorKind::Unavailable && e.code() != "ledger_forked" {
            tracing::warn!(error = %e, code = e.code(), "dependency unavailable");
            return ApiError::new(
                kind,
                e.code(),
                "the database is unavailable; nothing was written; try again shortly",
            );
        }
        let field = match &e {
            civic_app::AppError::Invalid { field, .. }
            | civic_app::AppError::Unprocessable { field, .. } => Some(*field),
            _ => None,
        };
        let error = ApiError::new(kind, e.code(), e.to_string());
        match field {
            Some(f) => error.with_details(serde_json::json!({ "field": f })),
            None => error,
        }
    }
}

impl From<civic_core::ParseError> for ApiError {
    fn from(e: civic_core::ParseError) -> Self {
        ApiError::new(ErrorKind::InvalidInput, "invalid_input", e.to_string())
            .with_details(serde_json::json!({ "field": e.field }))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                details: self.details,
            },
        };
        (self.status, Json(body)).into_response()
    }
}
