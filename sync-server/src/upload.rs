//! Evidence upload (see `docs/sync.md`): content-addressed by SHA-256,
//! chunked and resumable. A blob is accepted only when a record the device
//! already synced names it; it becomes visible only after its bytes hash to
//! its name; a blob the server holds is never taken again.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::receipt::BlobEntry;
use fieldcase_shared::tlog::LogEntry;
use fieldcase_shared::wire::{BlobStatus, ChunkQuery, ErrorCode};
use futures_util::StreamExt;
use sha2::{Digest as _, Sha256};

use crate::api::{blocking, ApiQuery, AppState, Failure};
use crate::blobs::{AppendError, Finished};
use std::io::Write;

/// Largest chunk accepted in one request.
pub const MAX_CHUNK_BYTES: u64 = 8 * 1024 * 1024;
/// Largest evidence file accepted.
pub const MAX_BLOB_BYTES: u64 = 64 * 1024 * 1024 * 1024;

/// An upload in progress: the SHA-256 of the bytes appended so far, while
/// they were appended in order by this process.
#[derive(Default)]
pub(crate) struct Upload {
    hasher: Sha256,
    hashed: u64,
    /// False once bytes were appended that this hasher did not see (the
    /// part file predates this process): the end then hashes the file.
    in_step: bool,
}

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

    fn upload_state(&self, sha256: Digest) -> Result<Arc<Mutex<Upload>>, Failure> {
        let mut map = self
            .uploads
            .lock()
            .map_err(|_| Failure::internal("upload lock poisoned"))?;
        Ok(map
            .entry(sha256)
            .or_insert_with(|| {
                Arc::new(Mutex::new(Upload {
                    in_step: true,
                    ..Upload::default()
                }))
            })
            .clone())
    }

    fn forget_upload(&self, sha256: &Digest) {
        if let Ok(mut map) = self.uploads.lock() {
            map.remove(sha256);
        }
    }

    /// Appends a chunk, streamed in as `next()` yields its pieces, hashing
    /// it as it is written; with the last byte, checks and stores the blob.
    fn append_chunk(
        &self,
        device: DeviceId,
        sha256: Digest,
        q: ChunkQuery,
        signed: Option<Digest>,
        mut next: impl FnMut() -> Option<Result<Bytes, ()>>,
    ) -> Result<BlobStatus, Failure> {
        let state = self.upload_state(sha256)?;
        let mut up = state
            .lock()
            .map_err(|_| Failure::internal("upload lock poisoned"))?;
        let status = self.blob_status(device, sha256)?;
        if status.held {
            return Ok(status);
        }
        if q.offset > q.total {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                format!(
                    "offset {} is after the blob's total of {} bytes",
                    q.offset, q.total
                ),
            ));
        }
        let mut w = match self.blobs.appender(&sha256, q.offset) {
            Ok(w) => w,
            Err(AppendError::Offset { held, offered }) => {
                return Err(Failure::new(
                    StatusCode::CONFLICT,
                    ErrorCode::OffsetMismatch,
                    format!("the chunk starts at byte {offered}, but {held} bytes are held; continue from byte {held}"),
                ))
            }
            Err(AppendError::Io(e)) => return Err(Failure::internal(e)),
        };
        let room = MAX_CHUNK_BYTES.min(q.total - q.offset);
        let in_step = up.in_step && up.hashed == q.offset;
        // Until this chunk is hashed and written in full, the running hash
        // is not to be trusted.
        up.in_step = false;
        let mut hasher = std::mem::take(&mut up.hasher);
        let mut written = 0u64;
        let mut overflow = false;
        // The request was cut before its body ended: its digest cannot be
        // checked; the bytes that arrived stay (the upload resumes from
        // them, and the whole blob's hash is checked at the end).
        let mut cut = false;
        // The pieces are hashed on a second thread while this one writes:
        // into the blob's running hash, and into the chunk's own, which
        // must be the signed Content-Digest.
        let mut chunk_hasher = sha2::Sha256::new();
        let outcome = std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Bytes>(16);
            let h = &mut hasher;
            let c = &mut chunk_hasher;
            let hashing = Some(scope.spawn(move || {
                for piece in rx {
                    if in_step {
                        h.update(&piece);
                    }
                    c.update(&piece);
                }
            }));
            let mut result = Ok(());
            while let Some(piece) = next() {
                let Ok(piece) = piece else {
                    cut = true;
                    break;
                };
                if written + piece.len() as u64 > room {
                    overflow = true;
                    break;
                }
                if let Err(e) = w.write_all(&piece) {
                    result = Err(e);
                    break;
                }
                written += piece.len() as u64;
                if hashing.is_some() && tx.send(piece).is_err() {
                    result = Err(std::io::Error::other("the hashing thread stopped"));
                    break;
                }
            }
            drop(tx);
            let joined = hashing.is_none_or(|h| h.join().is_ok());
            result.and_then(|()| {
                if joined {
                    Ok(())
                } else {
                    Err(std::io::Error::other("the hashing thread failed"))
                }
            })
        });
        outcome.map_err(Failure::internal)?;
        w.flush().map_err(Failure::internal)?;
        drop(w);
        let chunk_digest = Digest(chunk_hasher.finalize().into());
        if overflow || (!cut && signed != Some(chunk_digest)) {
            // Too long, or not the body the device signed: take the bytes
            // back (the running hash is no longer in step either).
            self.blobs
                .truncate(&sha256, q.offset)
                .map_err(Failure::internal)?;
            up.in_step = false;
            if overflow {
                return Err(Failure::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::TooLarge,
                    format!(
                        "the chunk goes past byte {} (the blob's total, or {MAX_CHUNK_BYTES} bytes per chunk); {} bytes are held, continue from there",
                        q.offset + room,
                        q.offset
                    ),
                ));
            }
            return Err(crate::auth::unauthenticated(
                fieldcase_shared::httpsig::AuthError::DigestMismatch,
            ));
        }
        up.hasher = hasher;
        up.in_step = in_step;
        let held = q.offset + written;
        if in_step {
            up.hashed = held;
        }
        if written == 0 && held < q.total {
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                format!("empty chunk at byte {} of {}", q.offset, q.total),
            ));
        }
        if held < q.total {
            return Ok(BlobStatus {
                sha256,
                held: false,
                offset: held,
                receipt: None,
                inclusion: None,
            });
        }
        let hashed = (up.in_step && up.hashed == held)
            .then(|| Digest(std::mem::take(&mut up.hasher).finalize().into()));
        drop(up);
        self.forget_upload(&sha256);
        match self
            .blobs
            .finish(&sha256, hashed)
            .map_err(Failure::internal)?
        {
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
    auth: crate::auth::DeviceAuth,
    Path((_, sha)): Path<(String, String)>,
) -> Result<Json<BlobStatus>, Failure> {
    let device = auth.device;
    let sha256 = parse_sha(&sha)?;
    let st = state.clone();
    Ok(Json(
        blocking(move || st.blob_status(device, sha256)).await??,
    ))
}

/// `PUT /v1/devices/{device}/blobs/{sha256}?offset=N&total=T`, body: the
/// chunk, written to storage as it arrives.
pub(crate) async fn put_chunk(
    State(state): State<AppState>,
    auth: crate::auth::DeviceAuth,
    Path((_, sha)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ChunkQuery>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> Result<Json<BlobStatus>, Failure> {
    let device = auth.device;
    let sha256 = parse_sha(&sha)?;
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_CHUNK_BYTES) {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!(
                "chunk of {} bytes; at most {MAX_CHUNK_BYTES} per request",
                declared.unwrap_or(0)
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
    let signed = auth.body_digest;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, ()>>(16);
    let st = state.clone();
    let worker = tokio::task::spawn_blocking(move || {
        st.append_chunk(device, sha256, q, signed, || rx.blocking_recv())
    });
    let mut stream = body.into_data_stream();
    while let Some(piece) = stream.next().await {
        // A cut request ends here; what arrived stays appended.
        let cut = piece.is_err();
        if tx.send(piece.map_err(|_| ())).await.is_err() || cut {
            break;
        }
    }
    drop(tx);
    Ok(Json(worker.await.map_err(Failure::internal)??))
}
