//! Where a bag is read from: a directory (a copied or mounted disc) or an
//! ISO 9660 image file or block device, read directly without mounting.
//! Files are read in passes chosen by the caller; every byte of a file is
//! read once, hashed as it streams, and kept in memory only when asked.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::{BagError, Category, Problems};
use crate::hash::{Digest, STREAM_BUFFER};
use crate::iso::{IsoError, IsoTree, SECTOR};

/// What was read of one file.
#[derive(Debug, Clone)]
pub struct FileFacts {
    /// SHA-256 of the bytes read.
    pub digest: Digest,
    /// Bytes read.
    pub size: u64,
    /// Size the directory entry declares.
    pub declared: u64,
    /// The bytes, when the pass kept them.
    pub content: Option<Vec<u8>>,
    /// Why reading stopped early, if it did.
    pub error: Option<String>,
}

impl FileFacts {
    /// True when every declared byte was read.
    pub fn complete(&self) -> bool {
        self.error.is_none() && self.size == self.declared
    }
}

enum Inner {
    Dir(PathBuf),
    Iso { file: File, tree: IsoTree },
}

/// An opened bag source.
pub struct BagSource {
    /// The path given.
    pub label: String,
    /// Regular files: path (with `/`) and declared size, sorted.
    pub entries: Vec<(String, u64)>,
    /// Structural problems found while listing.
    pub problems: Problems,
    inner: Inner,
}

impl std::fmt::Debug for BagSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BagSource")
            .field("label", &self.label)
            .field("entries", &self.entries.len())
            .finish()
    }
}

fn walk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, u64)>,
    problems: &mut Problems,
) -> io::Result<()> {
    let mut list: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    list.sort_by_key(|e| e.file_name());
    for e in list {
        let p = e.path();
        let rel = p
            .strip_prefix(root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let ft = e.file_type()?;
        if ft.is_dir() {
            walk(root, &p, out, problems)?;
        } else if ft.is_file() {
            out.push((rel, e.metadata()?.len()));
        } else {
            problems.add(
                rel,
                Category::Unexpected,
                "a regular file",
                "a link or special file",
            );
        }
    }
    Ok(())
}

fn is_iso(path: &Path) -> io::Result<bool> {
    let mut f = File::open(path)?;
    let mut head = vec![0u8; 16 * SECTOR as usize + 6];
    let mut got = 0;
    while got < head.len() {
        let n = f.read(&mut head[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(got == head.len() && &head[16 * SECTOR as usize + 1..] == b"CD001")
}

impl BagSource {
    /// Opens a bag directory (the folder holding `bagit.txt`) or an ISO
    /// image (file or block device). Errs when it is neither.
    pub fn open(path: &Path) -> Result<BagSource, BagError> {
        let label = path.display().to_string();
        let meta = fs::metadata(path).map_err(|e| BagError::NotABag(format!("{label}: {e}")))?;
        let mut problems = Problems::default();
        if meta.is_dir() {
            if !path.join("bagit.txt").is_file() {
                return Err(BagError::NotABag(format!(
                    "{label} has no bagit.txt: not a BagIt bag (give the folder that holds bagit.txt, or the disc image)"
                )));
            }
            let mut entries = Vec::new();
            walk(path, path, &mut entries, &mut problems).map_err(|source| BagError::Io {
                path: path.to_owned(),
                source,
            })?;
            return Ok(BagSource {
                label,
                entries,
                problems,
                inner: Inner::Dir(path.to_owned()),
            });
        }
        let iso = is_iso(path).map_err(|e| BagError::NotABag(format!("{label}: {e}")))?;
        if !iso {
            return Err(BagError::NotABag(format!(
                "{label} is neither a bag folder nor an ISO 9660 disc image"
            )));
        }
        let mut file = File::open(path).map_err(|e| BagError::NotABag(format!("{label}: {e}")))?;
        let tree = IsoTree::read(&mut file).map_err(|e| match e {
            IsoError::Io(e) => BagError::NotABag(format!("{label}: {e}")),
            other => BagError::NotABag(format!("{label}: {other}")),
        })?;
        for (p, what) in &tree.problems {
            problems.add(
                p.clone(),
                Category::BadLayout,
                "a readable ISO 9660 entry",
                what.clone(),
            );
        }
        let departures = crate::iso::departures(&mut file, &tree)
            .map_err(|e| BagError::NotABag(format!("{label}: {e}")))?;
        for (p, what) in departures {
            problems.add(
                p,
                Category::BadLayout,
                "only what fieldcase writes (primary and Joliet trees that agree)",
                what,
            );
        }
        if tree.image_bytes < tree.volume_bytes {
            problems.add(
                "(disc image)",
                Category::BadLayout,
                format!("an image of {} bytes", tree.volume_bytes),
                format!("{} bytes: the image is truncated", tree.image_bytes),
            );
        }
        let entries = tree
            .files
            .iter()
            .map(|e| (e.path.clone(), e.size()))
            .collect();
        Ok(BagSource {
            label,
            entries,
            problems,
            inner: Inner::Iso { file, tree },
        })
    }

    /// True when this is a disc image rather than a directory.
    pub fn is_image(&self) -> bool {
        matches!(self.inner, Inner::Iso { .. })
    }

    /// Reads the files `select(path, size)` accepts, each once: hashes it,
    /// keeps its bytes when `keep`, and passes every chunk to
    /// `tap(path, chunk)`; `progress` gets chunk sizes.
    pub fn read(
        &mut self,
        select: impl Fn(&str, u64) -> bool,
        keep: bool,
        mut tap: impl FnMut(&str, &[u8]),
        mut progress: impl FnMut(u64),
    ) -> BTreeMap<String, FileFacts> {
        let mut out = BTreeMap::new();
        let chosen: Vec<usize> = (0..self.entries.len())
            .filter(|&i| select(&self.entries[i].0, self.entries[i].1))
            .collect();
        match &mut self.inner {
            Inner::Dir(root) => {
                let mut buf = vec![0u8; STREAM_BUFFER];
                for i in chosen {
                    let (path, declared) = &self.entries[i];
                    let mut h = Sha256::new();
                    let mut content = keep.then(Vec::new);
                    let mut size = 0u64;
                    let mut error = None;
                    match File::open(root.join(path)) {
                        Ok(mut f) => loop {
                            match f.read(&mut buf) {
                                Ok(0) => break,
                                Ok(n) => {
                                    h.update(&buf[..n]);
                                    tap(path, &buf[..n]);
                                    if let Some(c) = content.as_mut() {
                                        c.extend_from_slice(&buf[..n]);
                                    }
                                    size += n as u64;
                                    progress(n as u64);
                                }
                                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                                Err(e) => {
                                    error = Some(e.to_string());
                                    break;
                                }
                            }
                        },
                        Err(e) => error = Some(e.to_string()),
                    }
                    out.insert(
                        path.clone(),
                        FileFacts {
                            digest: Digest(h.finalize().into()),
                            size,
                            declared: *declared,
                            content,
                            error,
                        },
                    );
                }
            }
            Inner::Iso { file, tree } => {
                let mut state: BTreeMap<usize, (Sha256, u64, Option<Vec<u8>>)> = BTreeMap::new();
                for &i in &chosen {
                    state.insert(i, (Sha256::new(), 0, keep.then(Vec::new)));
                }
                let entries = &self.entries;
                let result = tree.read_files(
                    file,
                    |i| state_contains(&chosen, i),
                    |i, chunk| {
                        if let Some((h, n, c)) = state.get_mut(&i) {
                            h.update(chunk);
                            *n += chunk.len() as u64;
                            if let Some(c) = c.as_mut() {
                                c.extend_from_slice(chunk);
                            }
                            tap(&entries[i].0, chunk);
                            progress(chunk.len() as u64);
                        }
                    },
                );
                let (hidden, err) = match result {
                    Ok(h) => (h, None),
                    Err(e) => (Vec::new(), Some(e.to_string())),
                };
                for i in hidden {
                    self.problems.add(
                        format!("(disc image) after {}", self.entries[i].0),
                        Category::BadLayout,
                        "zeros after the file's end, to the end of its sector",
                        "hidden non-zero bytes",
                    );
                }
                for (i, (h, size, content)) in state {
                    let (path, declared) = &self.entries[i];
                    let error = if size < *declared {
                        Some(
                            err.clone()
                                .unwrap_or_else(|| "the image ends before this file does".into()),
                        )
                    } else {
                        None
                    };
                    out.insert(
                        path.clone(),
                        FileFacts {
                            digest: Digest(h.finalize().into()),
                            size,
                            declared: *declared,
                            content,
                            error,
                        },
                    );
                }
            }
        }
        out
    }
}

fn state_contains(chosen: &[usize], i: usize) -> bool {
    chosen.binary_search(&i).is_ok()
}
