//! Evidence blob storage behind a small trait: the file system by default.
//! An upload grows a `.part` file chunk by chunk (a restarted server
//! resumes where the file ends); the blob becomes visible, under its
//! SHA-256, only after the whole file hashes to that name and is synced.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use fieldcase_shared::hash::{sha256_file, Digest};

/// Why a chunk cannot be appended.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The chunk does not start where the held bytes end.
    #[error("the chunk starts at byte {offered}, but {held} bytes are held: continue from {held}")]
    Offset {
        /// Bytes held.
        held: u64,
        /// Offset offered.
        offered: u64,
    },
    /// Storage failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// What finishing an upload found.
#[derive(Debug, PartialEq, Eq)]
pub enum Finished {
    /// Stored under its name; the size.
    Stored(u64),
    /// The bytes hash to something else; the upload was discarded.
    Mismatch(Digest),
}

/// One request's chunk, staged; dropped without commit, it is discarded.
pub trait Staged: Write + Send {
    /// Takes one piece of the body as received (without copying it where
    /// the store can keep it as it is).
    fn push(&mut self, piece: axum::body::Bytes) -> io::Result<()> {
        self.write_all(&piece)
    }
    /// Appends the staged bytes to the upload, which must hold exactly
    /// `offset` bytes; returns the new length. Bytes reach storage even
    /// when the request was cut (what arrived is committed).
    fn commit(self: Box<Self>, offset: u64) -> Result<u64, AppendError>;
}

/// Where evidence bytes live on the server.
pub trait BlobStore: Send + Sync + 'static {
    /// True when the blob is stored complete.
    fn has(&self, sha256: &Digest) -> io::Result<bool>;
    /// Bytes of an unfinished upload held so far (0 if none).
    fn part_len(&self, sha256: &Digest) -> io::Result<u64>;
    /// Appends a chunk that must start at the held length; returns the new length.
    fn append(&self, sha256: &Digest, offset: u64, bytes: &[u8]) -> Result<u64, AppendError> {
        let mut w = self.stage(sha256)?;
        w.write_all(bytes)?;
        w.commit(offset)
    }
    /// A place for one request's chunk, apart from the upload: bytes
    /// streamed into it join the upload only at [`Staged::commit`], so a
    /// slow request holds no lock while it arrives.
    fn stage(&self, sha256: &Digest) -> io::Result<Box<dyn Staged>>;
    /// Drops the bytes of an unfinished upload from `len` on (`len` is
    /// where a chunk started): a chunk whose body did not match its signed
    /// digest is taken back, the chunks before it stay.
    fn truncate(&self, sha256: &Digest, len: u64) -> io::Result<()>;
    /// Checks the upload's hash and, if it matches, makes the blob visible.
    /// `hashed` is the SHA-256 of the upload when the caller computed it
    /// while the chunks arrived; `None` hashes the stored bytes.
    fn finish(&self, sha256: &Digest, hashed: Option<Digest>) -> io::Result<Finished>;
    /// Up to `len` bytes of a stored blob from `offset` (fewer at its end).
    fn read_at(&self, sha256: &Digest, offset: u64, len: usize) -> io::Result<Vec<u8>>;
    /// Bytes `range` of a stored blob as an async stream, read ahead of
    /// the response by at most [`AHEAD`] pieces. By default the pieces of
    /// [`BlobStore::read_range`], read on a blocking thread; must be called
    /// within a Tokio runtime.
    fn stream_range(
        self: std::sync::Arc<Self>,
        sha256: &Digest,
        range: std::ops::Range<u64>,
    ) -> ByteStream {
        let (tx, rx) = tokio::sync::mpsc::channel(AHEAD);
        let sha256 = *sha256;
        tokio::task::spawn_blocking(move || match self.read_range(&sha256, range) {
            Ok(pieces) => {
                for piece in pieces {
                    let stop = piece.is_err();
                    if tx.blocking_send(piece.map(bytes::Bytes::from)).is_err() || stop {
                        break;
                    }
                }
            }
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
            }
        });
        received(rx)
    }
    /// Bytes `range` of a stored blob, in pieces of about [`PIECE`] bytes,
    /// for serving it. A store behind a network answers this with one
    /// request, not one per piece; by default, one [`BlobStore::read_at`]
    /// per piece.
    fn read_range(
        self: std::sync::Arc<Self>,
        sha256: &Digest,
        range: std::ops::Range<u64>,
    ) -> io::Result<Pieces> {
        let sha256 = *sha256;
        let mut at = range.start;
        Ok(Box::new(std::iter::from_fn(move || {
            if at >= range.end {
                return None;
            }
            let n = PIECE.min((range.end - at) as usize);
            let piece = self.read_at(&sha256, at, n);
            at = match &piece {
                Ok(b) if !b.is_empty() => at + b.len() as u64,
                _ => range.end,
            };
            Some(piece)
        })))
    }
}

/// Pieces of a blob read for serving (an empty piece: the blob ended early).
pub type Pieces = Box<dyn Iterator<Item = io::Result<Vec<u8>>> + Send>;

/// A blob's bytes as they arrive, for a response body.
pub type ByteStream = futures_util::stream::BoxStream<'static, io::Result<bytes::Bytes>>;

/// Pieces sent ahead of the response at most (the reader waits beyond).
pub const AHEAD: usize = 8;

/// The stream of what a reader sends into `rx`.
pub fn received(rx: tokio::sync::mpsc::Receiver<io::Result<bytes::Bytes>>) -> ByteStream {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|piece| (piece, rx))
    }))
}

/// Size of the pieces [`BlobStore::read_range`] gives.
pub const PIECE: usize = 1024 * 1024;

/// Blobs as files: `<root>/blobs/ab/abcd…`, uploads in `<root>/uploads/`.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
    writeback: WriteBack,
}

/// Early write-back: after each chunk, one background thread asks the
/// kernel to write the upload's bytes to disk while the next chunk
/// arrives, so the sync that must precede a receipt has little left to do.
/// (The kernel would otherwise hold a whole large upload in memory until
/// that sync.) Once written, the pages are released. Durability never
/// depends on it: `finish` still syncs.
#[derive(Debug, Clone)]
struct WriteBack {
    tx: std::sync::mpsc::Sender<File>,
}

impl WriteBack {
    fn start() -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<File>();
        std::thread::Builder::new()
            .name("blob-writeback".into())
            .spawn(move || {
                while let Ok(mut f) = rx.recv() {
                    // Only the newest handle of a burst matters: syncing it
                    // writes every earlier chunk of that file as well.
                    while let Ok(newer) = rx.try_recv() {
                        f = newer;
                    }
                    if let Err(e) = f.sync_data() {
                        tracing::debug!("early write-back: {e}");
                        continue;
                    }
                    // Written evidence is not read again soon: let the
                    // kernel drop its clean pages instead of evicting
                    // something useful to keep them.
                    let _ = rustix::fs::fadvise(&f, 0, None, rustix::fs::Advice::DontNeed);
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| tracing::warn!("no early write-back thread: {e}"));
        WriteBack { tx }
    }
}

/// A chunk staged in memory (a request's pieces as they arrived): no
/// second copy on disk; it is written to the upload in one step at commit.
struct FsStaged {
    pieces: Vec<axum::body::Bytes>,
    part: PathBuf,
    writeback: WriteBack,
}

impl Write for FsStaged {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pieces.push(axum::body::Bytes::copy_from_slice(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Staged for FsStaged {
    fn push(&mut self, piece: axum::body::Bytes) -> io::Result<()> {
        self.pieces.push(piece);
        Ok(())
    }

    fn commit(self: Box<Self>, offset: u64) -> Result<u64, AppendError> {
        let mut part = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.part)?;
        let held = part.metadata()?.len();
        if held != offset {
            return Err(AppendError::Offset {
                held,
                offered: offset,
            });
        }
        let mut len = 0u64;
        for p in &self.pieces {
            part.write_all(p)?;
            len += p.len() as u64;
        }
        // Not synced per chunk: after a crash the part file's length says
        // what survived, and the hash check at the end catches anything
        // else. The chunk starts on its way to disk now.
        let _ = self.writeback.tx.send(part);
        Ok(offset + len)
    }
}

impl FsBlobStore {
    /// Opens (creating) the blob folders under `root`.
    pub fn open(root: &Path) -> io::Result<Self> {
        // Evidence is for the bureau only: 0700 folders.
        fieldcase_shared::private::private_dir(root)?;
        fieldcase_shared::private::private_dir(&root.join("blobs"))?;
        fieldcase_shared::private::private_dir(&root.join("uploads"))?;
        Ok(FsBlobStore {
            root: root.to_owned(),
            writeback: WriteBack::start(),
        })
    }

    /// Path of a stored blob.
    pub fn path(&self, sha256: &Digest) -> PathBuf {
        let hex = sha256.to_hex();
        self.root.join("blobs").join(&hex[..2]).join(hex)
    }

    fn part(&self, sha256: &Digest) -> PathBuf {
        self.root
            .join("uploads")
            .join(format!("{}.part", sha256.to_hex()))
    }
}

impl BlobStore for FsBlobStore {
    fn has(&self, sha256: &Digest) -> io::Result<bool> {
        Ok(self.path(sha256).is_file())
    }

    fn read_at(&self, sha256: &Digest, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = std::fs::File::open(self.path(sha256))?;
        f.seek(SeekFrom::Start(offset))?;
        let mut out = Vec::with_capacity(len);
        f.take(len as u64).read_to_end(&mut out)?;
        Ok(out)
    }

    fn part_len(&self, sha256: &Digest) -> io::Result<u64> {
        match fs::metadata(self.part(sha256)) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }

    fn stage(&self, sha256: &Digest) -> io::Result<Box<dyn Staged>> {
        Ok(Box::new(FsStaged {
            pieces: Vec::new(),
            part: self.part(sha256),
            writeback: self.writeback.clone(),
        }))
    }

    fn truncate(&self, sha256: &Digest, len: u64) -> io::Result<()> {
        match OpenOptions::new().write(true).open(self.part(sha256)) {
            Ok(f) => {
                if f.metadata()?.len() > len {
                    f.set_len(len)?;
                    f.sync_all()?;
                }
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn finish(&self, sha256: &Digest, hashed: Option<Digest>) -> io::Result<Finished> {
        let part = self.part(sha256);
        let (found, size) = match hashed {
            Some(d) => (d, fs::metadata(&part)?.len()),
            None => sha256_file(&part)?,
        };
        if found != *sha256 {
            fs::remove_file(&part)?;
            return Ok(Finished::Mismatch(found));
        }
        let dest = self.path(sha256);
        if let Some(dir) = dest.parent() {
            fs::create_dir_all(dir)?;
        }
        File::open(&part)?.sync_all()?;
        fs::rename(&part, &dest)?;
        if let Some(dir) = dest.parent() {
            File::open(dir)?.sync_all()?;
        }
        Ok(Finished::Stored(size))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use fieldcase_shared::hash::sha256;

    #[test]
    fn chunks_resume_and_the_hash_decides() {
        let dir = tempfile::tempdir().unwrap();
        let s = FsBlobStore::open(dir.path()).unwrap();
        let bytes = b"evidence bytes, in three chunks";
        let d = sha256(bytes);
        assert_eq!(s.append(&d, 0, &bytes[..10]).unwrap(), 10);
        assert!(matches!(
            s.append(&d, 5, &bytes[5..]),
            Err(AppendError::Offset { held: 10, .. })
        ));
        // A restarted server sees what is on disk.
        let s = FsBlobStore::open(dir.path()).unwrap();
        assert_eq!(s.part_len(&d).unwrap(), 10);
        s.append(&d, 10, &bytes[10..]).unwrap();
        assert!(!s.has(&d).unwrap());
        assert_eq!(
            s.finish(&d, None).unwrap(),
            Finished::Stored(bytes.len() as u64)
        );
        assert!(s.has(&d).unwrap());
        assert_eq!(fs::read(s.path(&d)).unwrap(), bytes);

        let wrong = sha256(b"something else");
        s.append(&wrong, 0, bytes).unwrap();
        assert_eq!(s.finish(&wrong, None).unwrap(), Finished::Mismatch(d));
        assert!(!s.has(&wrong).unwrap());
        assert_eq!(s.part_len(&wrong).unwrap(), 0);
    }
}
