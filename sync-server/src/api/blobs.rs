//! Evidence upload (see `docs/sync.md`): content-addressed by SHA-256,
//! chunked and resumable. A blob is accepted only when a record the device
//! already synced names it; it becomes visible only after its bytes hash to
//! its name; a blob the server holds is never taken again.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
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

/// Largest chunk accepted in one request.
pub const MAX_CHUNK_BYTES: u64 = 8 * 1024 * 1024;
/// Longest a request body may send nothing before it is cut.
pub const BODY_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// Longest one chunk request may take in all (8 MiB at 120 kbit/s).
pub const CHUNK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);
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
    /// The size the device's evidence record names (looked up once).
    named_size: Option<u64>,
}

fn parse_sha(text: &str) -> Result<Digest, Failure> {
    text.parse().map_err(|_| {
        Failure::new(
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
            // Another server may have stored it: the tree must hold its leaf.
            let tree = self.current_log()?;
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
            return Err(Failure::new(ErrorCode::UnknownBlob,
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

    /// The cases whose records name a blob just stored have their
    /// derived tables (the pre-review's "evidence not uploaded") counted
    /// again; a failure is logged, and the next change of the case or
    /// `fieldcase-server deadlines refresh` counts them.
    fn refresh_cases_naming(&self, device: &DeviceId, sha256: &Digest) {
        let cases: std::collections::BTreeSet<uuid::Uuid> = self
            .store
            .records_naming(device, sha256)
            .unwrap_or_default()
            .iter()
            .filter_map(|e| fieldcase_shared::envelope::Envelope::from_json(e).ok())
            .filter_map(|e| {
                serde_json::from_slice::<fieldcase_shared::record::RecordPayload>(&e.payload).ok()
            })
            .map(|p| p.body.case_id())
            .collect();
        for case in cases {
            if let Err(e) = crate::office::deadlines::refresh(&*self.store, &case, self.region) {
                tracing::warn!(%case, error = %e, "case not counted again after its evidence arrived");
            }
        }
    }

    fn forget_upload(&self, sha256: &Digest) {
        if let Ok(mut map) = self.uploads.lock() {
            map.remove(sha256);
        }
    }

    /// Appends a chunk, streamed in as `next()` yields its pieces, to a
    /// staged part of its own (no lock is held while it arrives), hashing
    /// it as it comes; then, under the blob's lock, checks it is the signed
    /// body and still continues the upload, and commits it. With the last
    /// byte, checks and stores the blob.
    fn append_chunk(
        &self,
        device: DeviceId,
        sha256: Digest,
        q: ChunkQuery,
        signed: Option<Digest>,
        mut next: impl FnMut() -> Option<Feed>,
    ) -> Result<BlobStatus, Failure> {
        let state = self.upload_state(sha256)?;
        // A short look under the lock: where the upload stands.
        let (running, named) = {
            let up = state
                .lock()
                .map_err(|_| Failure::internal("upload lock poisoned"))?;
            let status = self.blob_status(device, sha256)?;
            if status.held {
                return Ok(status);
            }
            if status.offset != q.offset {
                return Err(offset_mismatch(status.offset, q.offset));
            }
            let running = (up.in_step && up.hashed == q.offset).then(|| up.hasher.clone());
            (running, up.named_size)
        };
        let named = match named {
            Some(n) => n,
            None => {
                let n = self.named_size(&device, &sha256)?;
                if let Ok(mut up) = state.lock() {
                    up.named_size = Some(n);
                }
                n
            }
        };
        if q.total != named || q.offset > q.total {
            return Err(Failure::new(ErrorCode::BadRequest,
                format!(
                    "the record names blob {sha256} with {named} bytes; this chunk says total={} offset={}",
                    q.total, q.offset
                ),
            ));
        }
        let room = MAX_CHUNK_BYTES.min(q.total - q.offset);
        let mut staged = self.blobs.stage(&sha256).map_err(Failure::internal)?;
        let streamed =
            stream_into(&mut *staged, running, room, &mut next).map_err(Failure::internal)?;
        refuse_streamed(&streamed, &q, room, signed)?;
        let running = streamed.running;
        // Commit under the lock: a short step, whatever the client's speed.
        let mut up = state
            .lock()
            .map_err(|_| Failure::internal("upload lock poisoned"))?;
        let held = match staged.commit(q.offset) {
            Ok(n) => n,
            Err(AppendError::Offset { held, offered }) => {
                return Err(offset_mismatch(held, offered))
            }
            Err(AppendError::Io(e)) => return Err(Failure::internal(e)),
        };
        match running {
            Some(h) if up.in_step && up.hashed == q.offset => {
                up.hasher = h;
                up.hashed = held;
            }
            _ => up.in_step = false,
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
        self.finish_blob(device, sha256, hashed)
    }

    /// The size the device's records give the blob.
    fn named_size(&self, device: &DeviceId, sha256: &Digest) -> Result<u64, Failure> {
        use fieldcase_shared::record::{RecordBody, RecordPayload};
        let naming = self
            .store
            .records_naming(device, sha256)
            .map_err(Failure::internal)?;
        for envelope in naming {
            let Ok(env) = fieldcase_shared::envelope::Envelope::from_json(&envelope) else {
                continue;
            };
            if let Ok(RecordPayload {
                body: RecordBody::EvidenceAdded(item),
                ..
            }) = serde_json::from_slice::<RecordPayload>(&env.payload)
            {
                if item.sha256 == *sha256 {
                    return Ok(item.size);
                }
            }
        }
        Err(Failure::new(ErrorCode::UnknownBlob,
            format!("no evidence record of device {device} held here names blob {sha256} with its size; sync the records first"),
        ))
    }

    /// The last byte is in: hash, store, log, answer with a receipt.
    fn finish_blob(
        &self,
        device: DeviceId,
        sha256: Digest,
        hashed: Option<Digest>,
    ) -> Result<BlobStatus, Failure> {
        match self
            .blobs
            .finish(&sha256, hashed)
            .map_err(Failure::internal)?
        {
            Finished::Mismatch(found) => {
                tracing::warn!(%sha256, %found, "uploaded bytes do not match their name");
                Err(Failure::new(ErrorCode::BlobMismatch,
                    format!("the uploaded bytes hash to {found}, not {sha256}; the upload was discarded; send the file again from byte 0"),
                ))
            }
            Finished::Stored(size) => {
                // The bytes are stored under their name: an error from here
                // on must say so (the next request is answered from them).
                let stored =
                    |e: String| Failure::after_commit(&format!("evidence {sha256} was"), e);
                let mut tree = self.lock_log().map_err(|e| stored(format!("{e:?}")))?;
                let (index, leaf, new) = self
                    .store
                    .add_blob(&device, &sha256, size, Utc::now())
                    .map_err(|e| stored(e.to_string()))?;
                let from = tree.size();
                let fetched = super::state::catch_up(&*self.store, &mut tree)
                    .map_err(|e| stored(e.to_string()))?;
                if new {
                    debug_assert_eq!(leaf, LogEntry::Blob { sha256, size }.leaf_hash());
                    super::state::placed(from, &fetched, index, &[leaf]).map_err(stored)?;
                }
                drop(tree);
                tracing::info!(%sha256, size, "blob stored");
                if new {
                    self.refresh_cases_naming(&device, &sha256);
                }
                self.blob_status(device, sha256)
                    .map_err(|e| stored(format!("{e:?}")))
            }
        }
    }
}

/// What a finished stream must be before it may join the upload: within
/// the chunk's room, the signed body (unless it was cut), not empty.
fn refuse_streamed(
    s: &Streamed,
    q: &ChunkQuery,
    room: u64,
    signed: Option<Digest>,
) -> Result<(), Failure> {
    if s.overflow {
        return Err(Failure::new(ErrorCode::TooLarge,
            format!(
                "the chunk goes past byte {} (the blob's total, or {MAX_CHUNK_BYTES} bytes per chunk); {} bytes are held, continue from there",
                q.offset + room,
                q.offset
            ),
        ));
    }
    // A chunk cut off before its end cannot be checked against its
    // digest: what arrived is kept (the whole blob is hashed at the end).
    if !s.cut && signed != Some(s.chunk_digest) {
        return Err(crate::auth::unauthenticated(
            fieldcase_shared::httpsig::AuthError::DigestMismatch,
        ));
    }
    if s.written == 0 && q.offset < q.total {
        return Err(Failure::new(
            ErrorCode::BadRequest,
            format!("empty chunk at byte {} of {}", q.offset, q.total),
        ));
    }
    Ok(())
}

fn offset_mismatch(held: u64, offered: u64) -> Failure {
    Failure::new(ErrorCode::OffsetMismatch,
        format!("the chunk starts at byte {offered}, but {held} bytes are held; continue from byte {held}"),
    )
}

/// What a request body fed the upload.
pub(crate) enum Feed {
    /// Some bytes.
    Piece(Bytes),
    /// The body ended whole. (The feed closing without `End` is a cut.)
    End,
}

struct Streamed {
    written: u64,
    overflow: bool,
    cut: bool,
    chunk_digest: Digest,
    running: Option<Sha256>,
}

/// Writes the pieces into `out` while a second thread hashes them: the
/// chunk's own SHA-256, and the blob's running hash when it is in step.
fn stream_into(
    out: &mut dyn crate::blobs::Staged,
    mut running: Option<Sha256>,
    room: u64,
    next: &mut dyn FnMut() -> Option<Feed>,
) -> std::io::Result<Streamed> {
    let mut chunk = Sha256::new();
    let mut written = 0u64;
    let mut overflow = false;
    let mut cut = true;
    std::thread::scope(|scope| {
        // Two hashing threads, so the two hashes run side by side.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Bytes>(16);
        let (rtx, rrx) = std::sync::mpsc::sync_channel::<Bytes>(16);
        let (c, r) = (&mut chunk, &mut running);
        let in_step = r.is_some();
        let running_thread = scope.spawn(move || {
            for piece in rrx {
                if let Some(h) = r.as_mut() {
                    h.update(&piece);
                }
            }
        });
        let hashing = scope.spawn(move || {
            for piece in rx {
                if in_step && rtx.send(piece.clone()).is_err() {
                    break;
                }
                c.update(&piece);
            }
            drop(rtx);
            running_thread.join().is_ok()
        });
        let mut result = Ok(());
        while let Some(feed) = next() {
            let piece = match feed {
                Feed::End => {
                    cut = false;
                    break;
                }
                Feed::Piece(p) => p,
            };
            if written + piece.len() as u64 > room {
                overflow = true;
                break;
            }
            if let Err(e) = out.push(piece.clone()) {
                result = Err(e);
                break;
            }
            written += piece.len() as u64;
            if tx.send(piece).is_err() {
                result = Err(std::io::Error::other("the hashing thread stopped"));
                break;
            }
        }
        drop(tx);
        let joined = hashing.join().unwrap_or(false);
        result.and_then(|()| {
            if joined {
                Ok(())
            } else {
                Err(std::io::Error::other("the hashing thread failed"))
            }
        })
    })?;
    out.flush()?;
    Ok(Streamed {
        written,
        overflow,
        cut,
        chunk_digest: Digest(chunk.finalize().into()),
        running,
    })
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
            ErrorCode::TooLarge,
            format!(
                "chunk of {} bytes; at most {MAX_CHUNK_BYTES} per request",
                declared.unwrap_or(0)
            ),
        ));
    }
    if q.total > MAX_BLOB_BYTES {
        return Err(Failure::new(
            ErrorCode::TooLarge,
            format!("blob of {} bytes; at most {MAX_BLOB_BYTES}", q.total),
        ));
    }
    let _slot = state.busy.enter(device)?;
    let signed = auth.body_digest;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Feed>(16);
    let st = state.clone();
    let worker = tokio::task::spawn_blocking(move || {
        st.append_chunk(device, sha256, q, signed, || rx.blocking_recv())
    });
    let mut stream = body.into_data_stream();
    let deadline = tokio::time::Instant::now() + CHUNK_TIMEOUT;
    loop {
        // A body that stalls longer than the idle timeout, or takes longer
        // than the whole-request timeout, is cut; a cut request ends here
        // and what arrived is kept.
        let wait =
            BODY_IDLE_TIMEOUT.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        match tokio::time::timeout(wait, stream.next()).await {
            Ok(Some(Ok(piece))) => {
                if tx.send(Feed::Piece(piece)).await.is_err() {
                    break;
                }
            }
            Ok(None) => {
                let _ = tx.send(Feed::End).await;
                break;
            }
            Ok(Some(Err(_))) => break,
            Err(_) => {
                tracing::warn!(%device, "upload body idle for {wait:?} or past {CHUNK_TIMEOUT:?}: cut");
                break;
            }
        }
    }
    drop(tx);
    Ok(Json(worker.await.map_err(Failure::internal)??))
}
