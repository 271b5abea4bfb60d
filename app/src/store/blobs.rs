//! The evidence blob store: files named by their SHA-256 under
//! `<data-dir>/blobs/ab/abcd…`, written to `tmp/`, synced, then renamed.

use std::fs::{self, File};
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};

use fieldcase_shared::hash::{copy_hashing, CopyError, Digest, STREAM_BUFFER};
use uuid::Uuid;

use super::{io_at, Store, StoreError};

/// A `.part` file untouched for this long was left by an import that
/// crashed (an import in progress writes to it continuously).
pub(super) const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes `.part` files in `tmp` not modified for `age`. They never hold a
/// record: a blob only counts once renamed to its hash and named by a record.
pub(super) fn remove_abandoned_parts(tmp: &Path, age: std::time::Duration) {
    let Ok(entries) = fs::read_dir(tmp) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let stale = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|elapsed| elapsed >= age);
        if stale && p.extension().is_some_and(|x| x == "part") {
            let _ = fs::remove_file(p);
        }
    }
}

impl Store {
    /// Path of the stored blob with this digest, if present.
    pub fn blob_path(&self, digest: &Digest) -> Option<PathBuf> {
        let dir = self.blob_dir.as_ref()?;
        let hex = digest.to_hex();
        let p = dir.join(&hex[..2]).join(&hex);
        p.is_file().then_some(p)
    }

    /// Copies the file at `src` into the blob store, hashing while copying
    /// in constant memory; returns its digest and size. The original is only
    /// read. `progress` receives the length of each chunk copied.
    pub fn put_blob(
        &self,
        src: &Path,
        progress: impl FnMut(u64),
    ) -> Result<(Digest, u64), StoreError> {
        let input = File::open(src).map_err(io_at(src))?;
        self.put_blob_reader(input, src, progress)
    }

    /// Stores bytes from a reader as a blob (see [`Store::put_blob`]).
    pub fn put_blob_reader(
        &self,
        input: impl Read,
        source: &Path,
        progress: impl FnMut(u64),
    ) -> Result<(Digest, u64), StoreError> {
        let Some(dir) = &self.blob_dir else {
            return Err(StoreError::NotFound(
                "this store has no blob folder (in-memory store)".into(),
            ));
        };
        let tmp_dir = dir.with_file_name("tmp");
        let tmp = tmp_dir.join(format!("{}.part", Uuid::now_v7()));
        let file = File::create(&tmp).map_err(io_at(&tmp))?;
        let mut out = BufWriter::with_capacity(STREAM_BUFFER, file);
        let result = copy_hashing(input, &mut out, progress)
            .map_err(|e| match e {
                CopyError::Read(e) => io_at(source)(e),
                CopyError::Write(e) => io_at(&tmp)(e),
            })
            .and_then(|(digest, total)| {
                let file = out.into_inner().map_err(|e| io_at(&tmp)(e.into_error()))?;
                file.sync_all().map_err(io_at(&tmp))?;
                Ok((digest, total))
            });
        let (digest, total) = match result {
            Ok(v) => v,
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let hex = digest.to_hex();
        let sub = dir.join(&hex[..2]);
        fs::create_dir_all(&sub).map_err(io_at(&sub))?;
        let dest = sub.join(&hex);
        if dest.is_file() {
            // Already held (same bytes): keep the existing file.
            let _ = fs::remove_file(&tmp);
        } else {
            fs::rename(&tmp, &dest).map_err(io_at(&dest))?;
            if let Ok(d) = File::open(&sub) {
                d.sync_all().map_err(io_at(&sub))?;
            }
        }
        Ok((digest, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn blobs_are_content_addressed_and_leave_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let (a, n) = s
            .put_blob_reader(&b"evidence bytes"[..], Path::new("test"), |_| {})
            .unwrap();
        let (b, _) = s
            .put_blob_reader(&b"evidence bytes"[..], Path::new("test"), |_| {})
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(n, 14);
        assert_eq!(a, fieldcase_shared::hash::sha256(b"evidence bytes"));
        let path = s.blob_path(&a).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"evidence bytes");
        assert!(path.ends_with(format!("{}/{}", &a.to_hex()[..2], a.to_hex())));

        // A source that fails half-way stores nothing and leaves no temp file.
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("card removed"));
                }
                self.0 -= 1;
                buf[0] = 7;
                Ok(1)
            }
        }
        assert!(s
            .put_blob_reader(Failing(3), Path::new("card"), |_| {})
            .is_err());
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }

    #[test]
    fn abandoned_part_files_are_removed_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("a.part");
        let fresh = dir.path().join("b.part");
        let other = dir.path().join("keep.txt");
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        for p in [&old, &fresh, &other] {
            fs::write(p, b"x").unwrap();
        }
        for p in [&old, &other] {
            let f = File::options().write(true).open(p).unwrap();
            f.set_modified(two_hours_ago).unwrap();
        }
        remove_abandoned_parts(dir.path(), ABANDONED_AFTER);
        assert!(!old.exists(), "an abandoned import is removed");
        assert!(fresh.exists(), "an import in progress is left alone");
        assert!(other.exists(), "only .part files are touched");
    }
}
