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

/// The one table from an error code to its HTTP status (`docs/sync.md`).
pub(crate) fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::UnknownDevice | ErrorCode::EnrolmentRefused | ErrorCode::RevokedDevice => {
            StatusCode::FORBIDDEN
        }
        ErrorCode::NotFound | ErrorCode::UnknownBlob => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::Timeout => StatusCode::REQUEST_TIMEOUT,
        ErrorCode::Fork
        | ErrorCode::ChainGap
        | ErrorCode::ChainBreak
        | ErrorCode::OffsetMismatch
        | ErrorCode::Conflict
        | ErrorCode::AlreadyEnrolled => StatusCode::CONFLICT,
        ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::BadSignature | ErrorCode::BlobMismatch => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::ReceiptUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        // The enum is `non_exhaustive`; the test below holds every code
        // to the status its documentation names.
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl Failure {
    pub(crate) fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            status: status_of(error),
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
            ErrorCode::ReceiptUnavailable,
            format!("{what} stored, but the server could not make the receipt; sync again to receive it (sending the same again is harmless)"),
        )
    }

    pub(crate) fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "request failed");
        Failure::new(
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code has the status the wire documentation gives it.
    #[test]
    fn each_code_has_its_documented_status() {
        let doc = include_str!("../../../shared/src/wire.rs");
        let block = doc.split("pub enum ErrorCode").nth(1).expect("ErrorCode");
        let block = block.split("\n}").next().unwrap_or_default();
        let mut n = 0;
        let mut status = None;
        for line in block.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("/// ") {
                if let Some(code) = rest.split(':').next().and_then(|c| c.parse::<u16>().ok()) {
                    status = Some(code);
                }
            } else if let Some(name) = line.strip_suffix(',') {
                let code: ErrorCode = serde_json::from_value(serde_json::Value::String(
                    name.chars()
                        .enumerate()
                        .flat_map(|(i, c)| {
                            let lower = c.to_ascii_lowercase();
                            if c.is_ascii_uppercase() && i > 0 {
                                vec!['_', lower]
                            } else {
                                vec![lower]
                            }
                        })
                        .collect(),
                ))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(Some(status_of(code).as_u16()), status, "{name}");
                n += 1;
                status = None;
            }
        }
        assert!(n >= 21, "{n} codes read");
    }
}
