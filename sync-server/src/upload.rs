//! Evidence upload (see `docs/sync.md`): content-addressed by SHA-256,
//! chunked and resumable. A blob is accepted only when a record the device
//! already synced names it; it becomes visible only after its bytes hash to
//! its name; a blob the server holds is never taken again.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::receipt::BlobEntry;
use fieldcase_shared::tlog::LogEntry;
use fieldcase_shared::wire::{BlobStatus, ChunkQuery, ErrorCode};

use crate::api::{blocking, parse_device, AppState, Failure};
use crate::blobs::{AppendError, Finished};

/// Largest chunk accepted in one request.
pub const MAX_CHUNK_BYTES: u64 = 8 * 1024 * 1024;
/// Largest evidence file accepted.
pub const MAX_BLOB_BYTES: u64 = 64 * 1024 * 1024 * 1024;

fn parse_sha(text: &str) -> Result<Digest, Failure> {
    text.parse().map_err(|_| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!("{text:?} is not a SHA-256 (64 lowercase hex digits)"),
        )
    })
}

impl AppState {
    /// The status of a blob for `device`; a held blob comes with a signed
    /// receipt and its inclusion proof.
    fn blob_status(&self, device: DeviceId, sha256: Digest) -> Result<BlobStatus, Failure> {
        if let Some((size, log_index)) = self.store.blob(&sha256).map_err(Failure::internal)? {
            let tree = self.lock_log()?;
            let head = self.store.device_head(&device).map_err(Failure::internal)?;
            let entry = BlobEntry {
                sha256,
                size,
                log_index,
            };
            let receipt =
                self.sign_receipt(&tree, device, Utc::now(), Vec::new(), vec![entry], head)?;
            let proof = tree
                .inclusion_proof(log_index, tree.size())
                .map_err(Failure::internal)?;
            return Ok(BlobStatus {
                sha256,
                held: true,
                offset: size,
                receipt: Some(receipt),
                inclusion: Some(proof),
            });
        }
        if !self
            .store
            .blob_named(&device, &sha256)
            .map_err(Failure::internal)?
        {
            return Err(Failure::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownBlob,
                format!("no record of device {device} held here names blob {sha256}; sync the records first"),
            ));
        }
        Ok(BlobStatus {
            sha256,
            held: false,
            offset: self.blobs.part_len(&sha256).map_err(Failure::internal)?,
            receipt: None,
            inclusion: None,
        })
    }

    fn upload_lock(&self, sha256: Digest) -> Result<Arc<Mutex<()>>, Failure> {
        let mut map = self
            .uploads
            .lock()
            .map_err(|_| Failure::internal("upload lock poisoned"))?;
        Ok(map.entry(sha256).or_default().clone())
    }

    /// Appends a chunk and, with the last one, checks and stores the blob.
    fn append_chunk(
        &self,
        device: DeviceId,
        sha256: Digest,
        q: ChunkQuery,
        bytes: &[u8],
    ) -> Result<BlobStatus, Failure> {
        let lock = self.upload_lock(sha256)?;
        let _turn = lock
            .lock()
            .map_err(|_| Failure::internal("upload lock poisoned"))?;
        let status = self.blob_status(device, sha256)?;
        if status.held {
            return Ok(status);
        }
        let end = q.offset.saturating_add(bytes.len() as u64);
        if end > q.total {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                format!(
                    "chunk ends at byte {end}, after the blob's total of {} bytes",
                    q.total
                ),
            ));
        }
        let held = match self.blobs.append(&sha256, q.offset, bytes) {
            Ok(n) => n,
            Err(AppendError::Offset { held, offered }) => {
                return Err(Failure::new(
                    StatusCode::CONFLICT,
                    ErrorCode::OffsetMismatch,
                    format!("the chunk starts at byte {offered}, but {held} bytes are held; continue from byte {held}"),
                ))
            }
            Err(AppendError::Io(e)) => return Err(Failure::internal(e)),
        };
        if held < q.total {
            return Ok(BlobStatus {
                sha256,
                held: false,
                offset: held,
                receipt: None,
                inclusion: None,
            });
        }
        match self.blobs.finish(&sha256).map_err(Failure::internal)? {
            Finished::Mismatch(found) => {
                tracing::warn!(%sha256, %found, "uploaded bytes do not match their name");
                Err(Failure::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::BlobMismatch,
                    format!("the uploaded bytes hash to {found}, not {sha256}; the upload was discarded; send the file again from byte 0"),
                ))
            }
            Finished::Stored(size) => {
                let mut tree = self.lock_log()?;
                let (index, leaf, new) = self
                    .store
                    .add_blob(&device, &sha256, size, Utc::now())
                    .map_err(Failure::internal)?;
                if new {
                    if index != tree.size() {
                        return Err(Failure::internal(format!(
                            "log out of step: blob leaf {index}, tree holds {}",
                            tree.size()
                        )));
                    }
                    debug_assert_eq!(leaf, LogEntry::Blob { sha256, size }.leaf_hash());
                    tree.push(leaf);
                }
                drop(tree);
                tracing::info!(%sha256, size, "blob stored");
                self.blob_status(device, sha256)
            }
        }
    }
}

/// `GET /v1/devices/{device}/blobs/{sha256}`.
pub(crate) async fn blob_status(
    State(state): State<AppState>,
    Path((device, sha)): Path<(String, String)>,
) -> Result<Json<BlobStatus>, Failure> {
    let device = parse_device(&device)?;
    let sha256 = parse_sha(&sha)?;
    state.registered(device).await?;
    let st = state.clone();
    Ok(Json(
        blocking(move || st.blob_status(device, sha256)).await??,
    ))
}

/// `PUT /v1/devices/{device}/blobs/{sha256}?offset=N&total=T`, body: the chunk.
pub(crate) async fn put_chunk(
    State(state): State<AppState>,
    Path((device, sha)): Path<(String, String)>,
    Query(q): Query<ChunkQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<BlobStatus>, Failure> {
    let device = parse_device(&device)?;
    let sha256 = parse_sha(&sha)?;
    let body = body.map_err(|e| Failure::new(e.status(), ErrorCode::TooLarge, e.body_text()))?;
    if body.len() as u64 > MAX_CHUNK_BYTES {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!(
                "chunk of {} bytes; at most {MAX_CHUNK_BYTES} per request",
                body.len()
            ),
        ));
    }
    if q.total > MAX_BLOB_BYTES {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("blob of {} bytes; at most {MAX_BLOB_BYTES}", q.total),
        ));
    }
    // An empty chunk only makes sense at the end: it asks the server to
    // finish an upload whose bytes all arrived before a cut.
    if body.is_empty() && q.offset < q.total {
        return Err(Failure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!("empty chunk at byte {} of {}", q.offset, q.total),
        ));
    }
    state.registered(device).await?;
    let st = state.clone();
    Ok(Json(
        blocking(move || st.append_chunk(device, sha256, q, &body)).await??,
    ))
}
