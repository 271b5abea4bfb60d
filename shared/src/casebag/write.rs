//! Writing a planned disc: as a folder, or as an ISO image whose SHA-256
//! is computed while it is written. Evidence bytes are checked against
//! their recorded hash as they are copied.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::build::{case_slug, volume, Content, Disc, DiscFile};
use super::ExportError;
use crate::bag::BagError;
use crate::hash::{Digest, STREAM_BUFFER};
use crate::iso::{self, IsoFile, IsoLayout, VolumeInfo};

/// Passes everything written to `inner` and, in 1 MiB batches, to a
/// hashing thread: the image's SHA-256 is computed on the second core while
/// this one copies (and hashes) the evidence.
/// A third thread starts writing the image back to disk every
/// [`SYNC_EVERY`] bytes, so the final `fsync` has little left to do.
struct HashingWriter<W> {
    inner: W,
    batch: Vec<u8>,
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    hasher: Option<std::thread::JoinHandle<Digest>>,
    sync_tx: Option<std::sync::mpsc::SyncSender<()>>,
    syncer: Option<std::thread::JoinHandle<()>>,
    n: u64,
}

const HASH_BATCH: usize = 1 << 20;
const SYNC_EVERY: u64 = 64 << 20;

impl<W: Write> HashingWriter<W> {
    fn new(inner: W, sync: Option<File>) -> Self {
        let (sync_tx, syncer) = match sync {
            Some(file) => {
                let (stx, srx) = std::sync::mpsc::sync_channel::<()>(1);
                let h = std::thread::spawn(move || {
                    for () in srx {
                        // Best effort: the final sync on the writer's side
                        // reports errors.
                        let _ = file.sync_data();
                    }
                });
                (Some(stx), Some(h))
            }
            None => (None, None),
        };
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(8);
        let hasher = std::thread::spawn(move || {
            let mut h = Sha256::new();
            for chunk in rx {
                h.update(&chunk);
            }
            Digest(h.finalize().into())
        });
        HashingWriter {
            inner,
            batch: Vec::with_capacity(HASH_BATCH),
            tx: Some(tx),
            hasher: Some(hasher),
            sync_tx,
            syncer,
            n: 0,
        }
    }

    fn send_batch(&mut self) -> io::Result<()> {
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(HASH_BATCH));
        match &self.tx {
            Some(tx) => tx
                .send(full)
                .map_err(|_| io::Error::other("the image hashing thread stopped")),
            None => Ok(()),
        }
    }

    /// Flushes, stops the hashing thread and returns the digest and size.
    fn finish(mut self) -> io::Result<(W, Digest, u64)> {
        self.inner.flush()?;
        self.send_batch()?;
        drop(self.tx.take());
        drop(self.sync_tx.take());
        if let Some(s) = self.syncer.take() {
            let _ = s.join();
        }
        let d = self
            .hasher
            .take()
            .and_then(|h| h.join().ok())
            .ok_or_else(|| io::Error::other("the image hashing thread failed"))?;
        Ok((self.inner, d, self.n))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let k = self.inner.write(buf)?;
        let mut rest = &buf[..k];
        while !rest.is_empty() {
            let room = HASH_BATCH - self.batch.len();
            let take = room.min(rest.len());
            self.batch.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.batch.len() == HASH_BATCH {
                self.send_batch()?;
            }
        }
        let before = self.n;
        self.n += k as u64;
        if before / SYNC_EVERY != self.n / SYNC_EVERY {
            if let Some(t) = &self.sync_tx {
                // Skipped when a write-back is still running.
                let _ = t.try_send(());
            }
        }
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Disc {
    /// The image's file name: `case-<digits of the case number>-disc<k>of<n>.iso`.
    pub fn file_name(&self) -> String {
        format!(
            "case-{}-disc{}of{}.iso",
            case_slug(&self.seal.case_no),
            self.index,
            self.count
        )
    }

    /// Volume labels and time of this disc's image.
    pub fn volume(&self) -> VolumeInfo {
        volume(&self.seal, self.index, self.count)
    }

    /// The image layout (exact size before writing).
    pub fn image_layout(&self) -> Result<IsoLayout, iso::IsoError> {
        let files: Vec<IsoFile> = self.files.iter().map(DiscFile::iso_file).collect();
        iso::plan(&files, &self.volume())
    }

    /// Total bytes of all files.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    fn copy(
        &self,
        f: &DiscFile,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64),
    ) -> io::Result<()> {
        match &f.content {
            Content::Bytes(b) => out.write_all(b),
            Content::Blob { sha256, offset } => {
                let src = self.blobs.0.open_at(sha256, *offset)?;
                let (found, n) = crate::hash::copy_hashing(src.take(f.size), out, progress)
                    .map_err(|e| match e {
                        crate::hash::CopyError::Read(e) | crate::hash::CopyError::Write(e) => e,
                    })?;
                if found != f.sha256 || n != f.size {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "evidence {sha256} changed in the store: expected SHA-256 {} ({} bytes) for {}, read {found} ({n} bytes)",
                            f.sha256, f.size, f.path
                        ),
                    ));
                }
                Ok(())
            }
        }
    }

    /// Writes the bag into `out`, which must not exist or be empty.
    pub fn write_dir(&self, out: &Path, mut progress: impl FnMut(u64)) -> Result<(), ExportError> {
        let io_at = |p: &Path| {
            let p = p.to_owned();
            move |source| BagError::Io { path: p, source }
        };
        if out.exists() && fs::read_dir(out).map_err(io_at(out))?.next().is_some() {
            return Err(BagError::NotEmpty(out.to_owned()).into());
        }
        for f in &self.files {
            let path = out.join(&f.path);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io_at(parent))?;
            }
            let mut w =
                BufWriter::with_capacity(STREAM_BUFFER, File::create(&path).map_err(io_at(&path))?);
            self.copy(f, &mut w, &mut progress).map_err(io_at(&path))?;
            w.flush().map_err(io_at(&path))?;
        }
        Ok(())
    }

    /// The SHA-256 and size of the image [`Disc::write_iso`] would write,
    /// computed without writing it (to recognise an image already there).
    pub fn image_digest(&self, progress: impl FnMut(u64)) -> Result<(Digest, u64), ExportError> {
        self.stream_image(io::sink(), progress)
    }

    /// Writes the image's bytes to `out` as they are made (e.g. into a
    /// download); returns their SHA-256 and size.
    pub fn stream_image(
        &self,
        out: impl Write,
        mut progress: impl FnMut(u64),
    ) -> Result<(Digest, u64), ExportError> {
        let layout = self.image_layout()?;
        let mut w = HashingWriter::new(out, None);
        iso::write_image(&layout, &mut w, |i, out| {
            self.copy(&self.files[i], out, &mut progress)
        })
        .and_then(|()| w.finish())
        .map(|(_, d, n)| (d, n))
        .map_err(|source| {
            BagError::Io {
                path: self.file_name().into(),
                source,
            }
            .into()
        })
    }

    /// Writes the disc image to `out` (through `out.part`, renamed when
    /// complete and synced); returns its SHA-256 and size.
    pub fn write_iso(
        &self,
        out: &Path,
        mut progress: impl FnMut(u64),
    ) -> Result<(Digest, u64), ExportError> {
        let layout = self.image_layout()?;
        let tmp = out.with_extension("iso.part");
        let io_at = |p: &Path| {
            let p = p.to_owned();
            move |source| BagError::Io { path: p, source }
        };
        let file = File::create(&tmp).map_err(io_at(&tmp))?;
        let early = file.try_clone().ok();
        let mut w = HashingWriter::new(BufWriter::with_capacity(1 << 20, file), early);
        let result = iso::write_image(&layout, &mut w, |i, out| {
            let f = &self.files[i];
            debug_assert_eq!(f.path, layout.files()[i].path);
            self.copy(f, out, &mut progress)
        })
        .and_then(|()| w.finish())
        .and_then(|(file, d, n)| {
            file.get_ref().sync_all()?;
            Ok((d, n))
        });
        match result {
            Ok((d, n)) => {
                fs::rename(&tmp, out).map_err(io_at(out))?;
                Ok((d, n))
            }
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(io_at(out)(e).into())
            }
        }
    }
}
