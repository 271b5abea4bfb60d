//! Evidence upload: every file the server does not hold, in chunks, each
//! resumed from the bytes the server says it has; the next chunk is read
//! from disk while the current one is on the wire.

use std::io;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use fieldcase_shared::hash::{sha256, Digest};
use fieldcase_shared::receipt::Receipt;
use fieldcase_shared::tlog::{self, LogEntry};
use fieldcase_shared::wire::{BlobStatus, API_PREFIX};

use super::{
    extend_log, log_error, open_checkpoint, refused, unreachable, Ctx, SyncError, SyncProgress,
    SyncReport, CLIENT_MAX_CHUNK,
};
use crate::core::Terminal;
use crate::store::{PendingBlob, StoreError};

/// Reads a `BlobStatus` answer, or the refusal.
fn blob_answer(
    ctx: &Ctx,
    resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Result<BlobStatus, SyncError>, SyncError> {
    let mut resp = resp.map_err(|e| unreachable(ctx.base, e))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .map_err(|e| unreachable(ctx.base, e))?;
    if status != 200 {
        return Ok(Err(refused(status, &text)));
    }
    serde_json::from_str(&text)
        .map(Ok)
        .map_err(|e| SyncError::BadReceipt(format!("blob status: {e}")))
}

/// Checks a held blob's receipt (signature, device, hash and size, log
/// inclusion and consistency) and keeps it.
fn confirm_blob(
    ctx: &Ctx,
    term: &Terminal,
    blob: &PendingBlob,
    status: &BlobStatus,
) -> Result<(), SyncError> {
    let env = status
        .receipt
        .as_ref()
        .ok_or_else(|| SyncError::BadReceipt("a held blob came without a receipt".into()))?;
    let receipt = Receipt::open(env, ctx.key).map_err(|e| SyncError::BadReceipt(e.to_string()))?;
    if receipt.device != term.device_id() {
        return Err(SyncError::BadReceipt(format!(
            "it is for device {}",
            receipt.device
        )));
    }
    let Some(entry) = receipt
        .blobs
        .iter()
        .find(|b| b.sha256 == blob.sha256 && b.size == blob.size)
    else {
        return Err(SyncError::BadReceipt(format!(
            "it does not name evidence {} of {} bytes",
            blob.sha256, blob.size
        )));
    };
    let cp = open_checkpoint(&receipt.checkpoint, &ctx.info.log_origin, ctx.key)?;
    let leaf = LogEntry::Blob {
        sha256: blob.sha256,
        size: blob.size,
    }
    .leaf_hash();
    let proof = status.inclusion.as_deref().unwrap_or_default();
    tlog::verify_inclusion(&leaf, entry.log_index, cp.size, proof, &cp.root)
        .map_err(|e| log_error(format!("evidence {}: {e}", blob.sha256)))?;
    extend_log(ctx.agent, ctx.base, term, &cp, &receipt.checkpoint)?;
    term.store
        .store_blob_receipt(ctx.base, &blob.sha256, blob.size, entry.log_index, env)?;
    Ok(())
}

/// A chunk's bytes and their SHA-256 (its signed Content-Digest).
type Chunk = (Vec<u8>, Digest);

/// Reads one file's chunks ahead of the upload: while a chunk is on the
/// wire, the next one (where the server will most likely want it) is read
/// on a helper thread. A guess that turns out wrong is simply read again.
struct ChunkReader {
    path: PathBuf,
    chunk: usize,
    ahead: Option<(u64, JoinHandle<io::Result<Chunk>>)>,
    spare: Vec<Vec<u8>>,
}

impl ChunkReader {
    fn new(path: PathBuf, chunk: usize) -> Self {
        ChunkReader {
            path,
            chunk,
            ahead: None,
            spare: Vec::new(),
        }
    }

    fn buffer(&mut self) -> Vec<u8> {
        let mut b = self.spare.pop().unwrap_or_default();
        b.resize(self.chunk, 0);
        b
    }

    /// The chunk starting at `offset` (shorter at the end of the file) with
    /// its SHA-256 (the request's signed Content-Digest), and a read of the
    /// one after it started.
    fn chunk_at(&mut self, offset: u64, size: u64) -> io::Result<Chunk> {
        let got = match self.ahead.take() {
            Some((at, job)) => {
                let read = job
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("the reading thread failed")));
                match read {
                    Ok(b) if at == offset => Some(b),
                    Ok((b, _)) => {
                        self.spare.push(b);
                        None
                    }
                    Err(_) => None,
                }
            }
            None => None,
        };
        let (chunk, digest) = match got {
            Some(b) => b,
            None => {
                let mut b = self.buffer();
                let n = read_at(&self.path, offset, &mut b)?;
                b.truncate(n);
                let d = sha256(&b);
                (b, d)
            }
        };
        let next = offset + chunk.len() as u64;
        if !chunk.is_empty() && next < size {
            let mut b = self.buffer();
            let path = self.path.clone();
            let job = std::thread::spawn(move || {
                let n = read_at(&path, next, &mut b)?;
                b.truncate(n);
                let d = sha256(&b);
                Ok((b, d))
            });
            self.ahead = Some((next, job));
        }
        Ok((chunk, digest))
    }

    /// Gives a sent chunk's buffer back for reuse.
    fn sent(&mut self, b: Vec<u8>) {
        self.spare.push(b);
    }
}

/// Uploads every evidence file the server does not hold, resuming each from
/// the bytes the server says it has; a file the server holds is confirmed
/// by its receipt, never sent again.
pub(super) fn upload_blobs(
    ctx: &Ctx,
    term: &Terminal,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(&SyncProgress),
) -> Result<(), SyncError> {
    let limits = &ctx.info.limits;
    let chunk_size = limits.max_chunk_bytes.clamp(64 * 1024, CLIENT_MAX_CHUNK) as usize;
    let device = term.device_id();
    for blob in term.store.pending_blobs()? {
        if blob.size > limits.max_blob_bytes {
            return Err(SyncError::Refused {
                status: 413,
                code: "too_large".into(),
                message: format!(
                    "evidence {} of case {} is {} bytes; the server accepts at most {}",
                    blob.sha256, blob.case_no, blob.size, limits.max_blob_bytes
                ),
            });
        }
        let url = format!(
            "{}{API_PREFIX}/devices/{device}/blobs/{}",
            ctx.base, blob.sha256
        );
        let mut status = blob_answer(ctx, ctx.signer.get(ctx.agent, &url))??;
        let mut sent_any = false;
        let mut reader: Option<ChunkReader> = None;
        while !status.held {
            let reader = match reader.as_mut() {
                Some(r) => r,
                None => {
                    let path = term.store.blob_path(&blob.sha256).ok_or_else(|| {
                        SyncError::Store(StoreError::NotFound(format!(
                            "evidence {} of case {} is not on this terminal and the server does not hold it",
                            blob.sha256, blob.case_no
                        )))
                    })?;
                    reader.insert(ChunkReader::new(path, chunk_size))
                }
            };
            progress(&SyncProgress::Blob {
                case_no: blob.case_no.clone(),
                sha256: blob.sha256,
                done: status.offset,
                size: blob.size,
            });
            let (chunk, digest) = reader
                .chunk_at(status.offset, blob.size)
                .map_err(|source| {
                    SyncError::Store(StoreError::Io {
                        path: reader.path.clone(),
                        source,
                    })
                })?;
            if chunk.is_empty() && status.offset < blob.size {
                return Err(SyncError::Store(StoreError::Corrupt(format!(
                    "evidence file {} is shorter than its recorded {} bytes",
                    reader.path.display(),
                    blob.size
                ))));
            }
            let put = ctx.signer.send(
                ctx.agent,
                "PUT",
                &format!("{url}?offset={}&total={}", status.offset, blob.size),
                "application/octet-stream",
                &chunk[..],
                &digest,
            );
            let n = chunk.len() as u64;
            reader.sent(chunk);
            match blob_answer(ctx, put)? {
                Ok(s) => {
                    report.blob_bytes_sent += n;
                    sent_any = true;
                    status = s;
                }
                Err(SyncError::Refused { code, .. }) if code == "offset_mismatch" => {
                    status = blob_answer(ctx, ctx.signer.get(ctx.agent, &url))??;
                }
                Err(e) => return Err(e),
            }
        }
        confirm_blob(ctx, term, &blob, &status)?;
        progress(&SyncProgress::Blob {
            case_no: blob.case_no.clone(),
            sha256: blob.sha256,
            done: blob.size,
            size: blob.size,
        });
        if sent_any {
            report.blobs_uploaded += 1;
        } else {
            report.blobs_already_held += 1;
        }
    }
    Ok(())
}

/// Reads up to `buf.len()` bytes of `path` from `offset`.
fn read_at(path: &Path, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut got = 0;
    while got < buf.len() {
        let n = f.read(&mut buf[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn read_ahead_gives_the_chunk_asked_for_even_after_a_wrong_guess() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("video.bin");
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let size = bytes.len() as u64;
        let mut r = ChunkReader::new(path, 4096);
        // In order: each chunk was read ahead while the one before was sent.
        let mut at = 0u64;
        while at < size {
            let (c, d) = r.chunk_at(at, size).unwrap();
            assert_eq!(d, sha256(&c), "the digest is the chunk's");
            assert_eq!(c[..], bytes[at as usize..(at as usize + c.len())]);
            at += c.len() as u64;
            r.sent(c);
        }
        assert_eq!(at, size);
        // The server held fewer bytes than guessed (a cut chunk): the read
        // ahead is set aside and the asked-for bytes come back.
        let (c, _) = r.chunk_at(0, size).unwrap();
        r.sent(c);
        let (c, d) = r.chunk_at(1000, size).unwrap();
        assert_eq!(d, sha256(&c));
        assert_eq!(c[..], bytes[1000..5096]);
        // Past the end: nothing.
        assert!(r.chunk_at(size, size).unwrap().0.is_empty());
    }
}
