//! The error answer of every route: a status and an `ApiError` body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use fieldcase_shared::wire::{ApiError, ErrorCode};

/// The error answer: a status and an [`ApiError`] body.
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    body: ApiError,
}

impl Failure {
    pub(crate) fn new(status: StatusCode, error: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            status,
            body: ApiError {
                error,
                message: message.into(),
                seq: None,
            },
        }
    }

    pub(crate) fn at(mut self, seq: u64) -> Self {
        self.body.seq = Some(seq);
        self
    }

    /// The request's data are stored, but the answer could not be made:
    /// never a 500 that would say nothing was stored.
    pub(crate) fn after_commit(what: &str, e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "stored, but the receipt failed");
        Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ReceiptUnavailable,
            format!("{what} stored, but the server could not make the receipt; sync again to receive it (sending the same again is harmless)"),
        )
    }

    pub(crate) fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "request failed");
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the server failed before storing anything of this request (its log says why); try again later. What earlier requests stored stays stored",
        )
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
