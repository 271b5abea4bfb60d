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
use fieldcase_shared::envelope::EnvelopeError;
use fieldcase_shared::keys::{DeviceId, DeviceKey};
use fieldcase_shared::receipt::{BlobEntry, Receipt, ReceiptEntry};
use fieldcase_shared::record::{self, RecordError};
use fieldcase_shared::tlog::{self, Checkpoint, Tree};
use fieldcase_shared::wire::{
    ApiError, ConsistencyProof, ConsistencyQuery, ErrorCode, InclusionProof, InclusionQuery,
    Limits, PushRecords, PushResponse, ServerInfo,
};
use tracing::instrument;

use crate::blobs::BlobStore;
use crate::store::{IngestError, Store, StoreError};
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

    fn at(mut self, seq: u64) -> Self {
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
        .route("/v1/devices/{device}/records", post(push_records))
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

/// A record batch's body: refused from its `Content-Length` when over the
/// limit, read within [`BODY_READ_TIMEOUT`], holding one of the device's
/// places for body-carrying requests (kept as long as the request runs).
async fn read_batch(
    state: &AppState,
    device: fieldcase_shared::keys::DeviceId,
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<(crate::busy::Slot, axum::body::Bytes), Failure> {
    let too_large = || {
        Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("request body is over {MAX_BODY_BYTES} bytes; send fewer records per batch"),
        )
    };
    // Refused from the header, before a byte of the body is read.
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let slot = state.busy.enter(device)?;
    let read = axum::body::to_bytes(body, MAX_BODY_BYTES);
    let body = match tokio::time::timeout(BODY_READ_TIMEOUT, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => {
            let limit = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            return Err(if limit {
                too_large()
            } else {
                Failure::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::BadRequest,
                    format!("the body could not be read ({e}); nothing was stored, send the batch again"),
                )
            });
        }
        Err(_) => {
            return Err(Failure::new(
                StatusCode::REQUEST_TIMEOUT,
                ErrorCode::BadRequest,
                format!("the body did not arrive within {BODY_READ_TIMEOUT:?}; nothing was stored, send the batch again"),
            ))
        }
    };
    Ok((slot, body))
}

/// A revoked key's records are refused and flagged, judged by the
/// server's clock (docs/sync.md, "Enrolment and revocation").
async fn refuse_if_revoked(
    state: &AppState,
    device: fieldcase_shared::keys::DeviceId,
    verified: &[record::VerifiedRecord],
) -> Result<(), Failure> {
    // A revoked key's records made after the revocation are refused and flagged.
    let st = state.clone();
    let revoked = blocking(move || crate::store::revoked_at(st.store.as_ref(), &device))
        .await?
        .map_err(Failure::internal)?;
    // Judged by the server's clock: after the revocation nothing is
    // accepted, whatever `created_at` says (a thief can back-date it);
    // before it, records dated after it are refused too.
    if let Some(at) = revoked {
        let arrived_late = Utc::now() >= at;
        let late: Vec<u64> = verified
            .iter()
            .filter(|v| arrived_late || v.header.created_at.with_timezone(&Utc) >= at)
            .map(|v| v.header.seq)
            .collect();
        if let Some(first) = late.first().copied() {
            let st = state.clone();
            let flags: Vec<_> = late
                .iter()
                .map(|seq| fieldcase_shared::wire::RecordFlag {
                    seq: *seq,
                    kind: "revoked_key".into(),
                    detail: if arrived_late {
                        format!(
                            "sent by device {device} after its revocation at {} (the record says it was made {})",
                            at.to_rfc3339(),
                            verified.iter().find(|v| v.header.seq == *seq).map(|v| v.header.created_at.to_rfc3339()).unwrap_or_default()
                        )
                    } else {
                        format!(
                            "signed by device {device} after its revocation at {}",
                            at.to_rfc3339()
                        )
                    },
                })
                .collect();
            blocking(move || {
                for f in &flags {
                    st.store.add_flag(&device, f, Utc::now())?;
                }
                Ok::<_, StoreError>(())
            })
            .await?
            .map_err(Failure::internal)?;
            tracing::warn!(%device, seq = first, "records signed after revocation refused");
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                ErrorCode::RevokedDevice,
                format!("device {device} was revoked at {}; records it sends from then on, or made from then on, are refused. Contact the back office", at.to_rfc3339()),
            )
            .at(first));
        }
    }
    Ok(())
}

#[instrument(skip_all, fields(device = %auth.device))]
async fn push_records(
    State(state): State<AppState>,
    auth: crate::auth::DeviceAuth,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Json<PushResponse>, Failure> {
    let device = auth.device;
    let (_slot, body) = read_batch(&state, device, &headers, body).await?;
    auth.check_body(&body)?;
    let push: PushRecords = serde_json::from_slice(&body).map_err(|e| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!("body is not a record batch (JSON {{\"envelopes\": [DSSE envelopes]}}): {e}; nothing was stored, send the batch again whole"),
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
    // Verify every signature before the store sees anything, on every
    // core: strict single verification, so acceptance is exactly that of
    // `verify_strict`.
    let key = auth.key;
    let verified = blocking(move || verify_all(push.envelopes, &key)).await??;
    refuse_if_revoked(&state, device, &verified).await?;
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

    let st = state.clone();
    let received_at = Utc::now();
    let result = blocking(move || {
        let mut tree = st.lock_log()?;
        let ingested = match st.store.ingest(&device, &verified, received_at) {
            Ok(i) => i,
            Err(e) => return Ok(Err(e)),
        };
        // Committed: from here on an error must not say nothing was stored.
        let stored = |e: String| {
            Failure::after_commit(
                &format!("the records through seq {} were", ingested.head.seq),
                e,
            )
        };
        if ingested.log_start != tree.size() {
            return Err(stored(format!(
                "log out of step: store appended at {}, tree holds {}",
                ingested.log_start,
                tree.size()
            )));
        }
        for leaf in &ingested.leaves {
            tree.push(*leaf);
        }
        let size = tree.size();
        let proofs = ingested
            .entries
            .iter()
            .map(|e| tree.inclusion_proof(e.log_index, size))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| stored(e.to_string()))?;
        let receipt = st
            .sign_receipt(
                &tree,
                device,
                received_at,
                ingested.entries.clone(),
                Vec::new(),
                ingested.head,
            )
            .map_err(|e| stored(format!("{e:?}")))?;
        Ok(Ok((ingested, receipt, proofs)))
    })
    .await??;
    let (ingested, receipt, inclusion) = result.map_err(|e| match e {
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
    tracing::info!(
        records = ingested.entries.len(),
        new = ingested.entries.iter().filter(|e| e.new).count(),
        head = ingested.head.seq,
        "batch stored"
    );
    let flags = ingested.flags;
    Ok(Json(PushResponse {
        receipt,
        inclusion,
        flags,
    }))
}

/// Opens every envelope with `key` (strict Ed25519), spread over the
/// machine's cores; the first failure in seq order is the answer.
fn verify_all(
    envelopes: Vec<Envelope>,
    key: &fieldcase_shared::keys::PublicKey,
) -> Result<Vec<record::VerifiedRecord>, Failure> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = envelopes.len().div_ceil(threads).max(32);
    let mut chunks: Vec<Vec<Envelope>> = Vec::new();
    let mut it = envelopes.into_iter().peekable();
    while it.peek().is_some() {
        chunks.push(it.by_ref().take(per).collect());
    }
    let results: Vec<Result<Vec<record::VerifiedRecord>, Failure>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| s.spawn(move || open_chunk(chunk, key)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Failure::internal("verifier thread failed")))
            })
            .collect()
    });
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

fn open_chunk(
    envelopes: Vec<Envelope>,
    key: &fieldcase_shared::keys::PublicKey,
) -> Result<Vec<record::VerifiedRecord>, Failure> {
    let mut out = Vec::with_capacity(envelopes.len());
    for env in envelopes {
        let seq = record::parse_header(&env.payload).map(|h| h.seq).ok();
        match record::open(env, key) {
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
