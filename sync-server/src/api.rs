//! HTTP API (see `docs/sync.md`). Handlers are thin: check size, verify,
//! one store call, map the error.

use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use fieldcase_shared::chain::Head;
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::keys::{DeviceId, DeviceKey};
use fieldcase_shared::receipt::{BlobEntry, Receipt, ReceiptEntry};
use fieldcase_shared::tlog::{self, Checkpoint, Tree};
use fieldcase_shared::wire::{
    ApiError, ConsistencyProof, ConsistencyQuery, ErrorCode, InclusionProof, InclusionQuery,
    Limits, ServerInfo,
};

use crate::blobs::BlobStore;
use crate::store::{Store, StoreError};
use fieldcase_shared::hash::Digest;

/// Most records accepted in one push.
pub const MAX_BATCH_RECORDS: usize = 500;
/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Arc<dyn Store>,
    key: Arc<DeviceKey>,
    /// The transparency log's tree, mirrored from the store. Held locked
    /// across an ingest so that leaves enter it in log order.
    log: Arc<Mutex<Tree>>,
    origin: Arc<str>,
    /// Evidence bytes.
    pub(crate) blobs: Arc<dyn BlobStore>,
    /// One entry per blob being uploaded: chunks of one blob append in
    /// turn, and are hashed as they arrive.
    pub(crate) uploads:
        Arc<Mutex<std::collections::HashMap<Digest, Arc<Mutex<crate::upload::Upload>>>>>,
    /// Enrolment attempts, per address and overall.
    pub(crate) enrol_limits: Arc<crate::ratelimit::EnrolLimiter>,
    /// Request nonces seen within the replay window.
    pub(crate) nonces: Arc<crate::auth::Nonces>,
    /// Body-carrying requests under way, per device and in all.
    pub(crate) busy: Arc<crate::busy::Busy>,
}

/// Default log origin (the name in checkpoints and on their signature line).
pub const DEFAULT_LOG_ORIGIN: &str = "fieldcase-sync";

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
    /// State over `store`, signing with `key`; loads the log's tree.
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        key: DeviceKey,
    ) -> Result<Self, StoreError> {
        Self::with_origin(store, blobs, key, DEFAULT_LOG_ORIGIN)
    }

    /// Like [`AppState::new`] with a log origin of the operator's choice.
    pub fn with_origin(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        key: DeviceKey,
        origin: &str,
    ) -> Result<Self, StoreError> {
        let mut tree = Tree::new();
        for leaf in store.log_leaves(0)? {
            tree.push(leaf);
        }
        Ok(AppState {
            store,
            key: Arc::new(key),
            log: Arc::new(Mutex::new(tree)),
            origin: origin.into(),
            blobs,
            uploads: Arc::default(),
            enrol_limits: Arc::default(),
            nonces: Arc::default(),
            busy: Arc::default(),
        })
    }

    /// The signed checkpoint of the log at its current size.
    fn checkpoint(&self, tree: &Tree) -> Result<String, Failure> {
        let size = tree.size();
        let cp = Checkpoint {
            origin: self.origin.to_string(),
            size,
            root: tree.root(size).map_err(Failure::internal)?,
        };
        tlog::sign_note(&cp.to_text(), &self.origin, &self.key).map_err(Failure::internal)
    }

    /// The public key that signs receipts.
    pub fn server_key(&self) -> fieldcase_shared::keys::PublicKey {
        self.key.public()
    }

    pub(crate) fn signing_key(&self) -> &DeviceKey {
        &self.key
    }

    pub(crate) fn log_origin(&self) -> &str {
        &self.origin
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

/// Query parameters whose rejection is answered like every other error:
/// JSON with a code and a message saying what was wrong.
pub(crate) struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Failure> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(Failure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                format!(
                    "{} (query {:?}); see docs/sync.md for the parameters",
                    e.body_text(),
                    parts.uri.query().unwrap_or("")
                ),
            )),
        }
    }
}

/// Longest a record batch's body may take to arrive.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// The routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/v1/info", get(info))
        .route(
            "/v1/devices/{device}/records",
            post(crate::push::push_records),
        )
        .route(
            "/v1/devices/{device}/blobs/{sha256}",
            get(crate::upload::blob_status).put(crate::upload::put_chunk),
        )
        .route("/v1/enrol", post(crate::enrol::enrol))
        .route("/v1/devices/{device}/messages", get(crate::enrol::messages))
        .route("/v1/revocations", get(crate::enrol::revocations))
        .route("/v1/log/checkpoint", get(log_checkpoint))
        .route("/v1/log/inclusion", get(log_inclusion))
        .route("/v1/log/consistency", get(log_consistency))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Unknown routes are answered like every other error: JSON.
async fn not_found(uri: axum::http::Uri) -> Failure {
    Failure::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        format!("no route {}; see docs/sync.md for the routes", uri.path()),
    )
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Failure {
    Failure::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        format!(
            "{method} is not allowed on {}; see docs/sync.md for the routes",
            uri.path()
        ),
    )
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn info(State(state): State<AppState>) -> Json<ServerInfo> {
    Json(ServerInfo {
        service: "fieldcase-sync".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        server_key: state.key.public(),
        log_origin: state.origin.to_string(),
        limits: Limits {
            max_batch_records: MAX_BATCH_RECORDS,
            max_body_bytes: MAX_BODY_BYTES,
            max_chunk_bytes: crate::upload::MAX_CHUNK_BYTES,
            max_blob_bytes: crate::upload::MAX_BLOB_BYTES,
        },
    })
}

/// Parses a device id from the path.
pub(crate) fn parse_device(text: &str) -> Result<DeviceId, Failure> {
    text.parse().map_err(|_| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!("{text:?} is not a device id (32 lowercase hex digits)"),
        )
    })
}

impl AppState {
    /// The registered device, or `403 unknown_device`.
    pub(crate) async fn registered(
        &self,
        device: DeviceId,
    ) -> Result<fieldcase_shared::model::Device, Failure> {
        let store = self.store.clone();
        blocking(move || store.device(&device))
            .await?
            .map_err(Failure::internal)?
            .ok_or_else(|| {
                Failure::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::UnknownDevice,
                    format!("device {device} is not registered on this server; ask the back office to register its key"),
                )
            })
    }

    /// A signed receipt with the log's current checkpoint (`tree` is the
    /// locked log).
    pub(crate) fn sign_receipt(
        &self,
        tree: &Tree,
        device: DeviceId,
        received_at: chrono::DateTime<Utc>,
        records: Vec<ReceiptEntry>,
        blobs: Vec<BlobEntry>,
        head: Head,
    ) -> Result<Envelope, Failure> {
        let receipt = Receipt {
            v: 1,
            server_key: self.key.public(),
            device,
            received_at,
            records,
            blobs,
            head,
            checkpoint: self.checkpoint(tree)?,
        };
        Ok(receipt.sign(&self.key))
    }

    /// Locks the log's tree.
    pub(crate) fn lock_log(&self) -> Result<std::sync::MutexGuard<'_, Tree>, Failure> {
        self.log
            .lock()
            .map_err(|_| Failure::internal("log lock poisoned"))
    }
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(Failure::internal)
}

/// `GET /v1/log/checkpoint`: the latest signed checkpoint (text/plain).
async fn log_checkpoint(State(state): State<AppState>) -> Result<Response, Failure> {
    let note = {
        let tree = state.lock_log()?;
        state.checkpoint(&tree)?
    };
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        note,
    )
        .into_response())
}

fn bad_range(e: tlog::LogError) -> Failure {
    Failure::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::BadRequest,
        e.to_string(),
    )
}

/// `GET /v1/log/inclusion?index=I&size=N`.
async fn log_inclusion(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> Result<Json<InclusionProof>, Failure> {
    let tree = state.lock_log()?;
    let proof = tree.inclusion_proof(q.index, q.size).map_err(bad_range)?;
    Ok(Json(InclusionProof {
        index: q.index,
        size: q.size,
        proof,
    }))
}

/// `GET /v1/log/consistency?from=M&to=N`.
async fn log_consistency(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> Result<Json<ConsistencyProof>, Failure> {
    let tree = state.lock_log()?;
    let proof = tree.consistency_proof(q.from, q.to).map_err(bad_range)?;
    Ok(Json(ConsistencyProof {
        from: q.from,
        to: q.to,
        proof,
    }))
}
