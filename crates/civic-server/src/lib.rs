//! Civic's HTTP server.
//!
//! [`router`] builds the whole application from an [`AppState`]; tests drive
//! it in-process or through [`serve`] on a real port. Handlers parse requests
//! into domain types, call a use case in `civic-app`, and turn the result (or
//! the error, through the one mapping in [`error`]) into a response. The
//! server never logs request bodies: they may hold personal data.
//!
//! [`api`] is the JSON API under `/api/v1` (bearer API keys); [`web`] is
//! the server-rendered web interface (session cookies). Both use the same
//! role policies from [`auth`].

pub mod api;
pub mod auth;
pub mod error;
pub mod file_body;
pub mod json;
pub mod json_check;
pub mod security;
pub mod web;
pub mod witness;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use civic_app::App;
use civic_core::ErrorKind;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::error::ApiError;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The open Civic instance.
    pub app: App,
}

impl AppState {
    /// The state for `app`.
    pub fn new(app: App) -> Self {
        AppState { app }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let body_limit = state.app.config().body_limit;
    let json_body_limit = state.app.config().json_body_limit;
    Router::new()
        .nest("/api/v1", api::routes(json_body_limit))
        .merge(web::routes().layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::error::render_errors,
        )))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    // Method and path only: never the query string or body.
                    tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
                })
                .on_response(|res: &Response, latency: Duration, _span: &tracing::Span| {
                    tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_millis() as u64, "response");
                }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Nothing is routed here: a JSON error under `/api`, the "page not found"
/// page everywhere else (people follow links; programs call the API).
async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        let mut r = ApiError::new(
            ErrorKind::NotFound,
            "not_found",
            "there is nothing at this address",
        )
        .into_response();
        *r.status_mut() = StatusCode::NOT_FOUND;
        return r;
    }
    let secure = web::session::secure(&state, req.headers());
    web::error::error_page(
        &state,
        secure,
        StatusCode::NOT_FOUND,
        web::error::PageError::NotFound,
    )
}

/// Serves `state` on `listener` until `shutdown` completes, then drains
/// in-flight requests. Also runs the app's housekeeping (the hourly purge
/// of lapsed raw inputs and expired sessions, [`civic_app::App::run_housekeeping`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Witnesses, if configured, are sent each new checkpoint in the
    // background: a slow or absent witness never holds up a write.
    let witnessing = state.app.spawn_witnessing();
    let purge = tokio::spawn(state.app.clone().run_housekeeping());
    // Each connection's peer address reaches handlers (sign-in throttling).
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    purge.abort();
    if let Some(task) = witnessing {
        task.abort();
    }
    result
}
