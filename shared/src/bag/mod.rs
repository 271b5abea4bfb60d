//! BagIt 1.0 (RFC 8493) bags: writing, and checking fixity.
//!
//! Layout rules we add on top of the RFC, so that `bagit.py --validate` and
//! `sha256sum -c manifest-sha256.txt` accept every bag: payload path
//! components match `[a-z0-9][a-z0-9._-]{0,63}`; manifest lines are
//! `hex␠␠path\n`, sorted, no duplicates. See `docs/bag.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::hash::{sha256, CopyError, Digest, STREAM_BUFFER};

/// Exact content of `bagit.txt`.
pub const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
/// Declaration file name.
pub const BAGIT: &str = "bagit.txt";
/// Payload manifest file name.
pub const MANIFEST: &str = "manifest-sha256.txt";
/// Tag manifest file name.
pub const TAGMANIFEST: &str = "tagmanifest-sha256.txt";
/// Metadata tag file name.
pub const BAG_INFO: &str = "bag-info.txt";
/// Largest manifest this code will read.
pub const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// Problem categories, shared by every verifier output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum Category {
    /// Content differs from what was recorded.
    Modified,
    /// A file or record that should be there is not.
    Missing,
    /// A file that nothing accounts for.
    Unexpected,
    /// The bag's seal does not verify.
    SealInvalid,
    /// A record signature does not verify.
    SignatureInvalid,
    /// The device chain does not link.
    ChainBreak,
    /// Two different records with the same seq.
    Fork,
    /// Signed by a key the verifier was not given.
    UnknownKey,
    /// The bag's structure is wrong.
    BadLayout,
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Category::Modified => "MODIFIED",
            Category::Missing => "MISSING",
            Category::Unexpected => "UNEXPECTED",
            Category::SealInvalid => "SEAL_INVALID",
            Category::SignatureInvalid => "SIGNATURE_INVALID",
            Category::ChainBreak => "CHAIN_BREAK",
            Category::Fork => "FORK",
            Category::UnknownKey => "UNKNOWN_KEY",
            Category::BadLayout => "BAD_LAYOUT",
        })
    }
}

/// One problem found in a bag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Path relative to the bag root (or a description where no file exists).
    pub path: String,
    /// Category.
    pub category: Category,
    /// What was expected.
    pub expected: String,
    /// What was found.
    pub found: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: expected={} found={}",
            self.path, self.category, self.expected, self.found
        )
    }
}

/// Problems, one per (path, category), in the order found.
#[derive(Debug, Default, Clone)]
pub struct Problems {
    list: Vec<Problem>,
    seen: BTreeSet<(String, Category)>,
}

impl Problems {
    /// Adds a problem unless the same path already has one of this category.
    pub fn add(
        &mut self,
        path: impl Into<String>,
        category: Category,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) {
        let path = path.into();
        if self.seen.insert((path.clone(), category)) {
            self.list.push(Problem {
                path,
                category,
                expected: expected.into(),
                found: found.into(),
            });
        }
    }

    /// True when `path` already has a problem of `category`.
    pub fn has(&self, path: &str, category: Category) -> bool {
        self.seen.contains(&(path.to_owned(), category))
    }

    /// All problems.
    pub fn into_vec(self) -> Vec<Problem> {
        self.list
    }

    /// Number of problems.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Errors writing a bag, or reasons a bag cannot be checked at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BagError {
    /// I/O failure on a path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: io::Error,
    },
    /// The output directory exists and is not empty.
    #[error("{0} already exists and is not empty; choose a new directory")]
    NotEmpty(PathBuf),
    /// A payload path breaks the naming rule.
    #[error("payload path {0:?} is not allowed: each part must match [a-z0-9][a-z0-9._-]{{0,63}}")]
    BadName(String),
    /// The same payload path twice.
    #[error("payload path {0:?} added twice")]
    Duplicate(String),
    /// A copied file changed while being copied.
    #[error("{path} changed while being copied: expected SHA-256 {expected}, read {found}")]
    Changed {
        /// Source.
        path: PathBuf,
        /// Expected digest.
        expected: Digest,
        /// Digest of the bytes read.
        found: Digest,
    },
    /// Not a bag: the check cannot start.
    #[error("{0}")]
    NotABag(String),
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> BagError + '_ {
    move |source| BagError::Io {
        path: path.to_owned(),
        source,
    }
}

/// True when `name` is an allowed payload path component.
pub fn valid_component(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'-')
        })
}

fn valid_payload_path(rel: &str) -> bool {
    rel.split('/').all(valid_component)
}

/// What a finished bag holds.
#[derive(Debug, Clone)]
pub struct BagSummary {
    /// Payload files (path under the root, digest, size), sorted by path.
    pub payload: Vec<(String, Digest, u64)>,
    /// Total payload bytes.
    pub payload_bytes: u64,
}

/// Writes a bag into an empty directory.
#[derive(Debug)]
pub struct BagWriter {
    root: PathBuf,
    payload: BTreeMap<String, (Digest, u64)>,
}

impl BagWriter {
    /// Starts a bag at `root`, which must not exist or be an empty directory.
    pub fn create(root: &Path) -> Result<Self, BagError> {
        if root.exists() {
            let mut it = fs::read_dir(root).map_err(io_at(root))?;
            if it.next().is_some() {
                return Err(BagError::NotEmpty(root.to_owned()));
            }
        }
        fs::create_dir_all(root.join("data")).map_err(io_at(root))?;
        Ok(BagWriter {
            root: root.to_owned(),
            payload: BTreeMap::new(),
        })
    }

    fn target(&mut self, rel: &str) -> Result<PathBuf, BagError> {
        if !valid_payload_path(rel) {
            return Err(BagError::BadName(rel.to_owned()));
        }
        if self.payload.contains_key(rel) {
            return Err(BagError::Duplicate(rel.to_owned()));
        }
        let path = self.root.join("data").join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_at(parent))?;
        }
        Ok(path)
    }

    /// Adds a payload file `data/<rel>` with the given bytes.
    pub fn add_bytes(&mut self, rel: &str, bytes: &[u8]) -> Result<Digest, BagError> {
        let path = self.target(rel)?;
        fs::write(&path, bytes).map_err(io_at(&path))?;
        let d = sha256(bytes);
        self.payload.insert(rel.to_owned(), (d, bytes.len() as u64));
        Ok(d)
    }

    /// Copies `src` to `data/<rel>`, hashing while copying in constant
    /// memory; fails if the bytes read do not have digest `expected`.
    pub fn add_file(
        &mut self,
        rel: &str,
        src: &Path,
        expected: &Digest,
        mut progress: impl FnMut(u64),
    ) -> Result<(), BagError> {
        let path = self.target(rel)?;
        let input = File::open(src).map_err(io_at(src))?;
        let out = File::create(&path).map_err(io_at(&path))?;
        let mut out = BufWriter::with_capacity(STREAM_BUFFER, out);
        let (found, total) =
            crate::hash::copy_hashing(input, &mut out, &mut progress).map_err(|e| match e {
                CopyError::Read(e) => io_at(src)(e),
                CopyError::Write(e) => io_at(&path)(e),
            })?;
        out.flush().map_err(io_at(&path))?;
        if found != *expected {
            let _ = fs::remove_file(&path);
            return Err(BagError::Changed {
                path: src.to_owned(),
                expected: *expected,
                found,
            });
        }
        self.payload.insert(rel.to_owned(), (found, total));
        Ok(())
    }

    /// Writes `bagit.txt`, `bag-info.txt` (the given fields, then
    /// `Payload-Oxum`), the payload manifest and the tag manifest.
    pub fn finish(self, info: &[(&str, String)]) -> Result<BagSummary, BagError> {
        let payload_bytes: u64 = self.payload.values().map(|(_, n)| n).sum();
        let mut manifest = String::new();
        for (rel, (d, _)) in &self.payload {
            manifest.push_str(&format!("{d}  data/{rel}\n"));
        }
        let mut bag_info = String::new();
        for (k, v) in info {
            // Values are single-line; a newline would start a new field.
            let v = v.replace(['\n', '\r'], " ");
            bag_info.push_str(&format!("{k}: {v}\n"));
        }
        bag_info.push_str(&format!(
            "Payload-Oxum: {}.{}\n",
            payload_bytes,
            self.payload.len()
        ));
        let tags = [
            (BAG_INFO, bag_info.as_bytes()),
            ("bagit.txt", BAGIT_TXT.as_bytes()),
            (MANIFEST, manifest.as_bytes()),
        ];
        let mut tagmanifest = String::new();
        for (name, bytes) in tags {
            let p = self.root.join(name);
            fs::write(&p, bytes).map_err(io_at(&p))?;
            tagmanifest.push_str(&format!("{}  {name}\n", sha256(bytes)));
        }
        let p = self.root.join(TAGMANIFEST);
        fs::write(&p, tagmanifest).map_err(io_at(&p))?;
        Ok(BagSummary {
            payload: self
                .payload
                .into_iter()
                .map(|(rel, (d, n))| (format!("data/{rel}"), d, n))
                .collect(),
            payload_bytes,
        })
    }
}

mod check;
mod source;
pub use check::{check, check_files, is_tag_file, parse_manifest, BagCheck};
pub use source::{BagSource, FileFacts};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn write_sample(root: &Path) {
        let mut w = BagWriter::create(root).unwrap();
        w.add_bytes("a.txt", b"hello").unwrap();
        w.add_bytes("sub/b.bin", &[0u8; 1000]).unwrap();
        w.finish(&[("External-Identifier", "乌交执〔2026〕1号".into())])
            .unwrap();
    }

    #[test]
    fn clean_bag_checks_clean() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bag");
        write_sample(&root);
        let c = check(&root, |_| {}).unwrap();
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.files.len(), 2);
        let manifest = fs::read_to_string(root.join(MANIFEST)).unwrap();
        assert!(manifest.ends_with("  data/sub/b.bin\n"));
    }

    #[test]
    fn tampering_is_categorised() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bag");
        write_sample(&root);
        fs::write(root.join("data/a.txt"), b"hellO").unwrap();
        fs::remove_file(root.join("data/sub/b.bin")).unwrap();
        fs::write(root.join("data/extra"), b"x").unwrap();
        let c = check(&root, |_| {}).unwrap();
        let got: Vec<_> = c
            .problems
            .into_vec()
            .into_iter()
            .map(|p| (p.path, p.category))
            .collect();
        assert!(
            got.contains(&("data/a.txt".into(), Category::Modified)),
            "{got:?}"
        );
        assert!(
            got.contains(&("data/sub/b.bin".into(), Category::Missing)),
            "{got:?}"
        );
        assert!(
            got.contains(&("data/extra".into(), Category::Unexpected)),
            "{got:?}"
        );
    }

    #[test]
    fn names_are_restricted() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = BagWriter::create(&dir.path().join("b")).unwrap();
        assert!(matches!(
            w.add_bytes("照片.jpg", b""),
            Err(BagError::BadName(_))
        ));
        assert!(matches!(
            w.add_bytes("A.jpg", b""),
            Err(BagError::BadName(_))
        ));
        assert!(matches!(
            w.add_bytes("../x", b""),
            Err(BagError::BadName(_))
        ));
        w.add_bytes("x", b"").unwrap();
        assert!(matches!(w.add_bytes("x", b""), Err(BagError::Duplicate(_))));
    }

    #[test]
    fn not_a_bag_is_unverifiable() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            check(dir.path(), |_| {}),
            Err(BagError::NotABag(_))
        ));
    }

    proptest! {
        #[test]
        fn manifest_round_trip(entries in proptest::collection::btree_map("[a-z0-9][a-z0-9._-]{0,20}", any::<[u8; 32]>(), 0..20)) {
            let mut text = String::new();
            for (p, d) in &entries {
                text.push_str(&format!("{}  data/{p}\n", Digest(*d)));
            }
            let mut problems = Problems::default();
            let parsed = parse_manifest(MANIFEST, &text, &mut problems);
            prop_assert!(problems.is_empty());
            let mut again = String::new();
            for (p, d) in &parsed {
                again.push_str(&format!("{d}  {p}\n"));
            }
            prop_assert_eq!(again, text);
        }

        #[test]
        fn manifest_parser_never_panics(text in "\\PC{0,200}") {
            let mut problems = Problems::default();
            let _ = parse_manifest(MANIFEST, &text, &mut problems);
        }
    }
}
