//! The witness's HTTP edge: C2SP `tlog-witness` `POST /add-checkpoint`.
//!
//! A separate small application from [`crate::router`], served by
//! `civic witness serve` from its own key and state files; the rules are in
//! [`civic_app::witness`]. Each refusal maps to the status the
//! specification gives it, here and only here.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use civic_app::witness::{MAX_REQUEST_BYTES, Refusal, Witness, unix_now};

/// The witness application: one route.
pub fn witness_router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .with_state(witness)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
}

/// Serves the witness on `listener` until `shutdown` completes.
pub async fn serve_witness(
    listener: tokio::net::TcpListener,
    witness: Arc<Witness>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, witness_router(witness))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    // Checking a proof and a signature is quick, but the state file is
    // written and synced before the answer: off the async workers.
    let outcome = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body, unix_now()))
        .await
        .unwrap_or_else(|e| Err(Refusal::Internal(format!("witness task: {e}"))));
    match outcome {
        Ok(lines) => text(StatusCode::OK, "text/plain; charset=utf-8", lines),
        Err(refusal) => refuse(refusal),
    }
}

fn refuse(refusal: Refusal) -> Response {
    let status = match &refusal {
        Refusal::Malformed(_) => StatusCode::BAD_REQUEST,
        Refusal::BadSignature(_) => StatusCode::FORBIDDEN,
        Refusal::UnknownLog(_) => StatusCode::NOT_FOUND,
        Refusal::Conflict { latest } => {
            return text(
                StatusCode::CONFLICT,
                "text/x.tlog.size",
                format!("{latest}\n"),
            );
        }
        Refusal::BadProof(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Refusal::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %refusal, "the witness could not answer");
    } else {
        tracing::info!(status = status.as_u16(), reason = %refusal, "checkpoint refused");
    }
    text(status, "text/plain; charset=utf-8", format!("{refusal}\n"))
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}
