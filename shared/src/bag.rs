//! BagIt 1.0 (RFC 8493) bags: writing, and checking fixity.
//!
//! Layout rules we add on top of the RFC, so that `bagit.py --validate` and
//! `sha256sum -c manifest-sha256.txt` accept every bag: payload path
//! components match `[a-z0-9][a-z0-9._-]{0,63}`; manifest lines are
//! `hex␠␠path\n`, sorted, no duplicates. See `docs/bag.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::hash::{sha256, CopyError, Digest, STREAM_BUFFER};

/// Exact content of `bagit.txt`.
pub const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
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

/// Result of checking a bag's fixity.
#[derive(Debug, Default)]
pub struct BagCheck {
    /// Problems found.
    pub problems: Problems,
    /// Every regular file under `data/` that exists: path → (actual digest, size).
    pub files: BTreeMap<String, (Digest, u64)>,
    /// `bag-info.txt` fields in order.
    pub info: Vec<(String, String)>,
}

/// Parses a manifest: `hex␠␠path` per line. Bad lines are reported as
/// BAD_LAYOUT and skipped.
pub fn parse_manifest(name: &str, text: &str, problems: &mut Problems) -> BTreeMap<String, Digest> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let at = format!("{name} line {}", i + 1);
        let Some((hex, path)) = line.split_once("  ").or_else(|| line.split_once(" *")) else {
            problems.add(
                at,
                Category::BadLayout,
                "`<sha256>  <path>`",
                truncate(line),
            );
            continue;
        };
        let Ok(d) = hex.parse::<Digest>() else {
            problems.add(
                at,
                Category::BadLayout,
                "64 lowercase hex digits",
                truncate(hex),
            );
            continue;
        };
        if path.is_empty()
            || path.starts_with('/')
            || path
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
        {
            problems.add(
                at,
                Category::BadLayout,
                "a relative path inside the bag",
                truncate(path),
            );
            continue;
        }
        if out.insert(path.to_owned(), d).is_some() {
            problems.add(
                at,
                Category::BadLayout,
                "each path listed once",
                format!("{path} listed again"),
            );
        }
    }
    out
}

fn truncate(s: &str) -> String {
    let t: String = s.chars().take(100).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    let f = File::open(path)?;
    let mut buf = Vec::new();
    f.take(MAX_MANIFEST_BYTES + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "file too large for a tag file",
        ));
    }
    Ok(buf)
}

/// Lists regular files under `dir` (relative to `root`), reporting
/// symlinks and other special files as UNEXPECTED.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>, problems: &mut Problems) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let rel = p
            .strip_prefix(root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let ft = e.file_type()?;
        if ft.is_dir() {
            walk(root, &p, out, problems)?;
        } else if ft.is_file() {
            out.push(rel);
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

/// Checks a bag's fixity: `bagit.txt`, payload manifest against every file
/// under `data/` (each read once), tag manifest, `Payload-Oxum`.
/// `progress` gets the byte count of each chunk hashed.
pub fn check(root: &Path, mut progress: impl FnMut(u64)) -> Result<BagCheck, BagError> {
    let bagit = root.join("bagit.txt");
    if !root.is_dir() {
        return Err(BagError::NotABag(format!(
            "{} is not a directory",
            root.display()
        )));
    }
    if !bagit.is_file() {
        return Err(BagError::NotABag(format!(
            "{} has no bagit.txt: not a BagIt bag (give the folder that holds bagit.txt)",
            root.display()
        )));
    }
    let mut c = BagCheck::default();
    match read_small(&bagit) {
        Ok(b) if b == BAGIT_TXT.as_bytes() => {}
        Ok(b) => c.problems.add(
            "bagit.txt",
            Category::BadLayout,
            "BagIt-Version: 1.0, UTF-8",
            truncate(&String::from_utf8_lossy(&b)),
        ),
        Err(e) => c
            .problems
            .add("bagit.txt", Category::BadLayout, "readable", e.to_string()),
    }
    // Payload files on disk.
    let mut present = Vec::new();
    let data = root.join("data");
    if data.is_dir() {
        walk(root, &data, &mut present, &mut c.problems).map_err(io_at(&data))?;
    } else {
        c.problems
            .add("data", Category::Missing, "payload directory", "none");
    }
    for rel in &present {
        let p = root.join(rel);
        match File::open(&p).and_then(|f| crate::hash::sha256_reader(f, |_| {})) {
            Ok((d, n)) => {
                progress(n);
                c.files.insert(rel.clone(), (d, n));
            }
            Err(e) => c
                .problems
                .add(rel.clone(), Category::Modified, "readable", e.to_string()),
        }
    }
    // Payload manifest.
    let manifest = match read_small(&root.join(MANIFEST)) {
        Ok(b) => parse_manifest(MANIFEST, &String::from_utf8_lossy(&b), &mut c.problems),
        Err(e) => {
            c.problems.add(
                MANIFEST,
                Category::Missing,
                "payload manifest",
                e.to_string(),
            );
            BTreeMap::new()
        }
    };
    for (path, want) in &manifest {
        if !path.starts_with("data/") {
            c.problems.add(
                path.clone(),
                Category::BadLayout,
                "payload under data/",
                "listed in the payload manifest",
            );
            continue;
        }
        match c.files.get(path) {
            None if c.problems.has(path, Category::Modified) => {}
            None => c.problems.add(
                path.clone(),
                Category::Missing,
                want.to_hex(),
                "no such file",
            ),
            Some((got, _)) if got != want => c.problems.add(
                path.clone(),
                Category::Modified,
                want.to_hex(),
                got.to_hex(),
            ),
            Some(_) => {}
        }
    }
    for path in c.files.keys() {
        if !manifest.contains_key(path) {
            c.problems.add(
                path.clone(),
                Category::Unexpected,
                "not in the bag",
                "a file not listed in manifest-sha256.txt",
            );
        }
    }
    // Tag manifest.
    match read_small(&root.join(TAGMANIFEST)) {
        Ok(b) => {
            let tags = parse_manifest(TAGMANIFEST, &String::from_utf8_lossy(&b), &mut c.problems);
            for (path, want) in &tags {
                match read_small(&root.join(path)) {
                    Ok(bytes) => {
                        let got = sha256(&bytes);
                        if got != *want {
                            c.problems.add(
                                path.clone(),
                                Category::Modified,
                                want.to_hex(),
                                got.to_hex(),
                            );
                        }
                    }
                    Err(_) => c.problems.add(
                        path.clone(),
                        Category::Missing,
                        want.to_hex(),
                        "no such file",
                    ),
                }
            }
            for required in [MANIFEST, BAG_INFO, "bagit.txt"] {
                if !tags.contains_key(required) {
                    c.problems.add(
                        TAGMANIFEST,
                        Category::BadLayout,
                        format!("an entry for {required}"),
                        "none",
                    );
                }
            }
        }
        Err(e) => c.problems.add(
            TAGMANIFEST,
            Category::Missing,
            "tag manifest",
            e.to_string(),
        ),
    }
    // bag-info.txt and Payload-Oxum.
    match read_small(&root.join(BAG_INFO)) {
        Ok(b) => {
            for line in String::from_utf8_lossy(&b).lines() {
                if let Some((k, v)) = line.split_once(": ") {
                    c.info.push((k.to_owned(), v.to_owned()));
                }
            }
        }
        Err(e) => c
            .problems
            .add(BAG_INFO, Category::Missing, "bag-info.txt", e.to_string()),
    }
    let oxum = format!(
        "{}.{}",
        c.files.values().map(|(_, n)| n).sum::<u64>(),
        c.files.len()
    );
    let said = c
        .info
        .iter()
        .find(|(k, _)| k == "Payload-Oxum")
        .map(|(_, v)| v.clone());
    let explained = !c.problems.is_empty();
    match said {
        Some(v) if v == oxum => {}
        Some(v) if !explained => c.problems.add(
            BAG_INFO,
            Category::Modified,
            format!("Payload-Oxum {oxum}"),
            format!("Payload-Oxum {v}"),
        ),
        Some(_) => {}
        None => c.problems.add(
            BAG_INFO,
            Category::BadLayout,
            "a Payload-Oxum field",
            "none",
        ),
    }
    Ok(c)
}

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
