//! HTTP API (see `docs/sync.md`). Handlers are thin: check size, verify,
//! one store call, map the error.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use fieldcase_shared::chain::Head;
use fieldcase_shared::envelope::EnvelopeError;
use fieldcase_shared::keys::{DeviceId, DeviceKey};
use fieldcase_shared::receipt::Receipt;
use fieldcase_shared::record::{self, RecordError};
use fieldcase_shared::wire::{ApiError, ErrorCode, Limits, PushRecords, PushResponse, ServerInfo};
use tracing::instrument;

use crate::store::{IngestError, Store, StoreError};

/// Most records accepted in one push.
pub const MAX_BATCH_RECORDS: usize = 500;
/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    key: Arc<DeviceKey>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key; the public half is enough to tell servers apart.
        f.debug_struct("AppState")
            .field("server_key", &self.key.public())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over a store and the server signing key.
    pub fn new(store: Arc<dyn Store>, key: DeviceKey) -> Self {
        AppState {
            store,
            key: Arc::new(key),
        }
    }

    /// The public key that signs receipts.
    pub fn server_key(&self) -> fieldcase_shared::keys::PublicKey {
        self.key.public()
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

/// The error answer: a status and an [`ApiError`] body.
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    body: ApiError,
}

impl Failure {
    fn new(status: StatusCode, error: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            status,
            body: ApiError {
                error,
                message: message.into(),
                seq: None,
            },
        }
    }

    fn at(mut self, seq: u64) -> Self {
        self.body.seq = Some(seq);
        self
    }

    fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "request failed");
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the server failed; nothing from this request was stored. Try again later",
        )
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// The routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/info", get(info))
        .route("/v1/devices/{device}/records", post(push_records))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn info(State(state): State<AppState>) -> Json<ServerInfo> {
    Json(ServerInfo {
        service: "fieldcase-sync".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        server_key: state.key.public(),
        limits: Limits {
            max_batch_records: MAX_BATCH_RECORDS,
            max_body_bytes: MAX_BODY_BYTES,
        },
    })
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(Failure::internal)
}

#[instrument(skip_all, fields(device = %device))]
async fn push_records(
    State(state): State<AppState>,
    Path(device): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PushResponse>, Failure> {
    let device: DeviceId = device.parse().map_err(|_| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!("{device:?} is not a device id (32 lowercase hex digits)"),
        )
    })?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::TooLarge,
                format!(
                    "request body is over {MAX_BODY_BYTES} bytes; send fewer records per batch"
                ),
            )
        } else {
            Failure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                e.body_text(),
            )
        }
    })?;
    let push: PushRecords = serde_json::from_slice(&body).map_err(|e| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!("body is not a record batch: {e}"),
        )
    })?;
    if push.envelopes.is_empty() {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "the batch holds no records",
        ));
    }
    if push.envelopes.len() > MAX_BATCH_RECORDS {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!(
                "{} records in one batch; at most {MAX_BATCH_RECORDS} are accepted",
                push.envelopes.len()
            ),
        ));
    }
    let store = state.store.clone();
    let registered = blocking(move || store.device(&device))
        .await?
        .map_err(Failure::internal)?
        .ok_or_else(|| {
            Failure::new(
                StatusCode::FORBIDDEN,
                ErrorCode::UnknownDevice,
                format!("device {device} is not registered on this server; ask the back office to register its key"),
            )
        })?;

    // Verify every signature before the store sees anything.
    let key = registered.key;
    let verified = blocking(move || {
        let mut out = Vec::with_capacity(push.envelopes.len());
        for env in push.envelopes {
            let seq = record::parse_header(&env.payload).map(|h| h.seq).ok();
            match record::open(env, &key) {
                Ok(v) => out.push(v),
                Err(e) => {
                    let f = match &e {
                        RecordError::Envelope(EnvelopeError::BadSignature(_)) => Failure::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            ErrorCode::BadSignature,
                            format!("signature does not verify with the registered key of device {}; the record was altered or signed by another key", key.device_id()),
                        ),
                        RecordError::WrongDevice { .. } => Failure::new(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            ErrorCode::BadSignature,
                            e.to_string(),
                        ),
                        _ => Failure::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, e.to_string()),
                    };
                    return Err(match seq {
                        Some(s) => f.at(s),
                        None => f,
                    });
                }
            }
        }
        Ok(out)
    })
    .await??;
    for pair in verified.windows(2) {
        if pair[1].header.seq != pair[0].header.seq + 1 {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                format!(
                    "records must be consecutive in seq order; seq {} follows seq {}",
                    pair[1].header.seq, pair[0].header.seq
                ),
            )
            .at(pair[1].header.seq));
        }
    }

    let store = state.store.clone();
    let received_at = Utc::now();
    let ingested = blocking(move || store.ingest(&device, &verified, received_at))
        .await?
        .map_err(|e| match e {
            IngestError::Fork { seq, .. } => {
                tracing::warn!(seq, "fork refused and kept");
                Failure::new(StatusCode::CONFLICT, ErrorCode::Fork, e.to_string()).at(seq)
            }
            IngestError::Gap { found, .. } => {
                Failure::new(StatusCode::CONFLICT, ErrorCode::ChainGap, e.to_string()).at(found)
            }
            IngestError::ChainBreak { seq } => {
                Failure::new(StatusCode::CONFLICT, ErrorCode::ChainBreak, e.to_string()).at(seq)
            }
            IngestError::Store(StoreError::Conflict(m)) => {
                Failure::new(StatusCode::CONFLICT, ErrorCode::BadRequest, m)
            }
            IngestError::Store(e) => Failure::internal(e),
        })?;
    let receipt = Receipt {
        v: 1,
        server_key: state.key.public(),
        device,
        received_at,
        records: ingested.entries,
        head: Head {
            seq: ingested.head.seq,
            chain: ingested.head.chain,
        },
    };
    tracing::info!(
        records = receipt.records.len(),
        new = receipt.records.iter().filter(|e| e.new).count(),
        head = receipt.head.seq,
        "batch stored"
    );
    Ok(Json(PushResponse {
        receipt: receipt.sign(&state.key),
    }))
}
