//! Evidence blobs in S3-compatible object storage (`object_store`): a
//! finished blob is the object `blobs/<sha256>`; an upload in progress is a
//! run of part objects `uploads/<sha256>/<offset:020>`, one per chunk, so
//! that what the server holds survives a restart; finishing checks the hash,
//! joins the parts into the final object (multipart upload) and removes them.

use std::io::{self, Write};
use std::sync::Arc;

use fieldcase_shared::hash::Digest;
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload, WriteMultipart};
use sha2::{Digest as _, Sha256};

use crate::blobs::{AppendError, BlobStore, Finished, Staged};

/// Where the S3 store connects.
#[derive(Debug, Clone, Default)]
pub struct S3Config {
    /// Bucket (must exist).
    pub bucket: String,
    /// Endpoint URL for S3-compatible services (empty: AWS).
    pub endpoint: String,
    /// Region (default `us-east-1`).
    pub region: String,
}

/// Blobs in an S3 bucket. Credentials come from the environment
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), never from files.
pub struct S3BlobStore {
    store: Arc<dyn ObjectStore>,
    rt: tokio::runtime::Runtime,
}

impl Drop for S3BlobStore {
    fn drop(&mut self) {
        // May run on the server's runtime at shutdown, where a runtime must
        // not be dropped blocking: hand ours a background shutdown.
        let rt = std::mem::replace(
            &mut self.rt,
            match tokio::runtime::Builder::new_current_thread().build() {
                Ok(r) => r,
                Err(_) => return,
            },
        );
        rt.shutdown_background();
    }
}

impl std::fmt::Debug for S3BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("S3BlobStore")
    }
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("object storage: {e}"))
}

fn blob_path(sha256: &Digest) -> ObjectPath {
    ObjectPath::from(format!("blobs/{}", sha256.to_hex()))
}

fn part_prefix(sha256: &Digest) -> ObjectPath {
    ObjectPath::from(format!("uploads/{}", sha256.to_hex()))
}

impl S3BlobStore {
    /// Connects to the bucket.
    pub fn open(config: &S3Config) -> anyhow::Result<Self> {
        let mut b = AmazonS3Builder::from_env().with_bucket_name(&config.bucket);
        if !config.endpoint.is_empty() {
            b = b
                .with_endpoint(&config.endpoint)
                .with_allow_http(config.endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        b = b.with_region(if config.region.is_empty() {
            "us-east-1"
        } else {
            &config.region
        });
        let store = b
            .build()
            .map_err(|e| anyhow::anyhow!("S3 bucket {}: {e}", config.bucket))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        Ok(S3BlobStore {
            store: Arc::new(store),
            rt,
        })
    }

    /// The part objects of an upload, contiguous from byte 0: (path, size).
    fn parts(&self, sha256: &Digest) -> io::Result<Vec<(ObjectPath, u64)>> {
        list_parts(&self.store, self.rt.handle(), sha256)
    }

    fn delete_parts(&self, sha256: &Digest) -> io::Result<()> {
        for (path, _) in self.parts(sha256)? {
            self.rt.block_on(self.store.delete(&path)).map_err(other)?;
        }
        Ok(())
    }
}

/// The part objects of an upload, contiguous from byte 0: (path, size).
fn list_parts(
    store: &Arc<dyn ObjectStore>,
    handle: &tokio::runtime::Handle,
    sha256: &Digest,
) -> io::Result<Vec<(ObjectPath, u64)>> {
    let prefix = part_prefix(sha256);
    let mut found: Vec<(u64, ObjectPath, u64)> = handle.block_on(async {
        let mut out = Vec::new();
        let mut list = store.list(Some(&prefix));
        while let Some(meta) = list.next().await {
            let meta = meta.map_err(other)?;
            let offset = meta.location.filename().and_then(|n| n.parse::<u64>().ok());
            if let Some(o) = offset {
                out.push((o, meta.location, meta.size));
            }
        }
        Ok::<_, io::Error>(out)
    })?;
    found.sort_by_key(|p| p.0);
    let mut parts = Vec::new();
    let mut at = 0;
    for (offset, path, size) in found {
        if offset != at {
            break; // a stray part after a gap does not count
        }
        at += size;
        parts.push((path, size));
    }
    Ok(parts)
}

/// One request's chunk, held in memory until committed as a part object.
struct S3Staged {
    store: Arc<dyn ObjectStore>,
    handle: tokio::runtime::Handle,
    sha256: Digest,
    buf: Vec<u8>,
}

impl Write for S3Staged {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Staged for S3Staged {
    fn commit(mut self: Box<Self>, offset: u64) -> Result<u64, AppendError> {
        let held: u64 = list_parts(&self.store, &self.handle, &self.sha256)?
            .iter()
            .map(|p| p.1)
            .sum();
        if held != offset {
            return Err(AppendError::Offset {
                held,
                offered: offset,
            });
        }
        let len = self.buf.len() as u64;
        if len > 0 {
            let path = ObjectPath::from(format!("uploads/{}/{offset:020}", self.sha256.to_hex()));
            let payload = PutPayload::from(std::mem::take(&mut self.buf));
            self.handle
                .block_on(self.store.put(&path, payload))
                .map_err(other)?;
        }
        Ok(offset + len)
    }
}

impl BlobStore for S3BlobStore {
    fn has(&self, sha256: &Digest) -> io::Result<bool> {
        match self.rt.block_on(self.store.head(&blob_path(sha256))) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(other(e)),
        }
    }

    fn part_len(&self, sha256: &Digest) -> io::Result<u64> {
        Ok(self.parts(sha256)?.iter().map(|p| p.1).sum())
    }

    fn read_at(&self, sha256: &Digest, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let path = blob_path(sha256);
        let size = self
            .rt
            .block_on(self.store.head(&path))
            .map_err(other)?
            .size;
        let end = size.min(offset.saturating_add(len as u64));
        if offset >= end {
            return Ok(Vec::new());
        }
        let bytes = self
            .rt
            .block_on(self.store.get_range(&path, offset..end))
            .map_err(other)?;
        Ok(bytes.to_vec())
    }

    fn read_range(
        self: Arc<Self>,
        sha256: &Digest,
        range: std::ops::Range<u64>,
    ) -> io::Result<crate::blobs::Pieces> {
        use object_store::{GetOptions, GetRange};
        if range.start >= range.end {
            return Ok(Box::new(std::iter::empty()));
        }
        // One ranged GET; its body is read as it arrives, in pieces.
        let got = self
            .rt
            .block_on(self.store.get_opts(
                &blob_path(sha256),
                GetOptions {
                    range: Some(GetRange::Bounded(range)),
                    ..GetOptions::default()
                },
            ))
            .map_err(other)?;
        let mut body = got.into_stream();
        let handle = self.rt.handle().clone();
        let mut done = false;
        Ok(Box::new(std::iter::from_fn(move || {
            if done {
                return None;
            }
            let mut piece = Vec::with_capacity(crate::blobs::PIECE);
            while piece.len() < crate::blobs::PIECE {
                match handle.block_on(body.next()) {
                    Some(Ok(b)) => piece.extend_from_slice(&b),
                    Some(Err(e)) => {
                        done = true;
                        return Some(Err(other(e)));
                    }
                    None => {
                        done = true;
                        break;
                    }
                }
            }
            (!piece.is_empty()).then_some(Ok(piece))
        })))
    }

    fn stream_range(
        self: Arc<Self>,
        sha256: &Digest,
        range: std::ops::Range<u64>,
    ) -> crate::blobs::ByteStream {
        use object_store::{GetOptions, GetRange};
        let (tx, rx) = tokio::sync::mpsc::channel(crate::blobs::AHEAD);
        if range.start >= range.end {
            return crate::blobs::received(rx);
        }
        let (store, path) = (self.store.clone(), blob_path(sha256));
        // One ranged GET on the store's own runtime; its body's chunks go
        // to the response as they arrive, without a copy.
        self.rt.spawn(async move {
            let options = GetOptions {
                range: Some(GetRange::Bounded(range)),
                ..GetOptions::default()
            };
            let mut body = match store.get_opts(&path, options).await {
                Ok(got) => got.into_stream(),
                Err(e) => {
                    let _ = tx.send(Err(other(e))).await;
                    return;
                }
            };
            while let Some(chunk) = body.next().await {
                let stop = chunk.is_err();
                if tx.send(chunk.map_err(other)).await.is_err() || stop {
                    break;
                }
            }
        });
        crate::blobs::received(rx)
    }

    fn stage(&self, sha256: &Digest) -> io::Result<Box<dyn Staged>> {
        Ok(Box::new(S3Staged {
            store: self.store.clone(),
            handle: self.rt.handle().clone(),
            sha256: *sha256,
            buf: Vec::new(),
        }))
    }

    fn truncate(&self, sha256: &Digest, len: u64) -> io::Result<()> {
        // Parts are whole chunks: drop every part that starts at or after `len`.
        let mut at = 0u64;
        for (path, size) in self.parts(sha256)? {
            if at >= len {
                self.rt.block_on(self.store.delete(&path)).map_err(other)?;
            }
            at += size;
        }
        Ok(())
    }

    fn finish(&self, sha256: &Digest, hashed: Option<Digest>) -> io::Result<Finished> {
        let parts = self.parts(sha256)?;
        let size: u64 = parts.iter().map(|p| p.1).sum();
        let found = match hashed {
            Some(d) => d,
            None => {
                let mut h = Sha256::new();
                for (path, _) in &parts {
                    let bytes = self
                        .rt
                        .block_on(async { self.store.get(path).await?.bytes().await })
                        .map_err(other)?;
                    h.update(&bytes);
                }
                Digest(h.finalize().into())
            }
        };
        if found != *sha256 {
            self.delete_parts(sha256)?;
            return Ok(Finished::Mismatch(found));
        }
        self.rt.block_on(async {
            let upload = self
                .store
                .put_multipart(&blob_path(sha256))
                .await
                .map_err(other)?;
            let mut w = WriteMultipart::new(upload);
            for (path, _) in &parts {
                let bytes = self
                    .store
                    .get(path)
                    .await
                    .map_err(other)?
                    .bytes()
                    .await
                    .map_err(other)?;
                w.write(&bytes);
            }
            w.finish().await.map_err(other)?;
            Ok::<_, io::Error>(())
        })?;
        self.delete_parts(sha256)?;
        Ok(Finished::Stored(size))
    }
}
