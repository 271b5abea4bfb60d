//! HTTP API (see `docs/sync.md`): the routes, and a module per resource —
//! `info`, `records`, `blobs`, `enrol` (enrolment, messages, revocations),
//! `log` — over the plumbing (`state`, `failure`, `extract`). Handlers are
//! thin: check size, verify, one store call, map the error.

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use fieldcase_shared::wire::ErrorCode;

pub(crate) mod blobs;
pub mod enrol;
mod extract;
mod failure;
mod info;
mod log;
pub(crate) mod records;
mod state;

pub(crate) use extract::{blocking, parse_device, ApiQuery};
pub use failure::Failure;
pub use state::{AppState, DEFAULT_LOG_ORIGIN};

/// Most records accepted in one push.
pub const MAX_BATCH_RECORDS: usize = 500;
/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Longest a record batch's body may take to arrive.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// The routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(info::health))
        .route("/v1/info", get(info::info))
        .route("/v1/devices/{device}/records", post(records::push_records))
        .route(
            "/v1/devices/{device}/blobs/{sha256}",
            get(blobs::blob_status).put(blobs::put_chunk),
        )
        .route("/v1/enrol", post(enrol::enrol))
        .route("/v1/devices/{device}/messages", get(enrol::messages))
        .route("/v1/revocations", get(enrol::revocations))
        .route("/v1/log/checkpoint", get(log::log_checkpoint))
        .route("/v1/log/inclusion", get(log::log_inclusion))
        .route("/v1/log/consistency", get(log::log_consistency))
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/office/") }),
        )
        .route("/office/", get(crate::office::pages::login::home))
        .nest("/office", crate::office::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Unknown routes are answered like every other error: JSON.
async fn not_found(uri: axum::http::Uri) -> Failure {
    Failure::new(
        ErrorCode::NotFound,
        format!("no route {}; see docs/sync.md for the routes", uri.path()),
    )
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Failure {
    Failure::new(
        ErrorCode::MethodNotAllowed,
        format!(
            "{method} is not allowed on {}; see docs/sync.md for the routes",
            uri.path()
        ),
    )
}
