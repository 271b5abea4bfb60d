//! BagIt 1.0 (RFC 8493) bags: layout rules, problem categories, and checking
//! fixity of a bag read from a folder or a disc image.
//!
//! Layout rules we add on top of the RFC, so that `bagit.py --validate` and
//! `sha256sum -c manifest-sha256.txt` accept every bag: payload path
//! components match `[a-z0-9][a-z0-9._-]{0,63}`; manifest lines are
//! `hex␠␠path\n`, sorted, no duplicates. See `docs/bag.md`.

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::path::PathBuf;

use serde::Serialize;

#[cfg(test)]
use crate::hash::{sha256, Digest};

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
/// Largest payload manifest this code will read (about 70,000 files of
/// our names); the other tag files it reads must be under
/// [`MAX_TAG_FILE_BYTES`]. Bounded so that a hostile bag cannot make the
/// verifier's memory grow (docs/bag.md).
pub const MAX_MANIFEST_BYTES: u64 = 8 * 1024 * 1024;
/// Largest other tag file read (`bagit.txt`, `bag-info.txt`, the tag
/// manifest, the seal): ours are a few KiB.
pub const MAX_TAG_FILE_BYTES: u64 = 1024 * 1024;
/// The BagIt fetch file; our bags never fetch (every byte is on the disc).
pub const FETCH: &str = "fetch.txt";

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
    /// A signer's certificate does not verify under the agency key given.
    CertInvalid,
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
            Category::CertInvalid => "CERT_INVALID",
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

/// Problems listed in full; beyond this many they are only counted, so a
/// hostile bag (a manifest naming a million missing files) cannot make the
/// verifier's memory or output grow without bound.
pub const MAX_LISTED_PROBLEMS: usize = 1000;
/// Most bytes of text kept in one field of a problem (path, expected,
/// found): a problem line stays under 1 KiB.
pub const MAX_FIELD_BYTES: usize = 300;

/// Text from a bag made safe to print on one line: control characters
/// (a newline in a file name could fake a `VALID` line) and bidirectional
/// overrides are escaped, and long text is cut with a marker saying how
/// much was cut.
pub fn printable(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.char_indices() {
        let piece = if c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            c.escape_unicode().to_string()
        } else {
            c.to_string()
        };
        if out.len() + piece.len() > MAX_FIELD_BYTES {
            out.push_str(&format!("…[{} more bytes cut]", text.len() - i));
            break;
        }
        out.push_str(&piece);
    }
    out
}

/// Problems, one per (path, category), in the order found; the first
/// [`MAX_LISTED_PROBLEMS`] are kept, the rest counted by category.
#[derive(Debug, Default, Clone)]
pub struct Problems {
    list: Vec<Problem>,
    seen: BTreeSet<(String, Category)>,
    not_listed: std::collections::BTreeMap<Category, u64>,
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
        let path = printable(&path.into());
        if self.seen.contains(&(path.clone(), category)) {
            return;
        }
        if self.list.len() >= MAX_LISTED_PROBLEMS {
            *self.not_listed.entry(category).or_default() += 1;
            return;
        }
        self.seen.insert((path.clone(), category));
        self.list.push(Problem {
            path,
            category,
            expected: printable(&expected.into()),
            found: printable(&found.into()),
        });
    }

    /// Takes over every problem of `other`, each path prefixed.
    pub fn absorb(&mut self, other: Problems, prefix: &str) {
        for (c, n) in other.not_listed {
            *self.not_listed.entry(c).or_default() += n;
        }
        for p in other.list {
            self.add(
                format!("{prefix}{}", p.path),
                p.category,
                p.expected,
                p.found,
            );
        }
    }

    /// True when `path` already has a problem of `category`.
    pub fn has(&self, path: &str, category: Category) -> bool {
        self.seen.contains(&(path.to_owned(), category))
    }

    /// The problems listed.
    pub fn into_vec(self) -> Vec<Problem> {
        self.list
    }

    /// The problems listed, and the count of those only counted.
    pub fn into_parts(self) -> (Vec<Problem>, std::collections::BTreeMap<Category, u64>) {
        (self.list, self.not_listed)
    }

    /// Number of problems, listed or not.
    pub fn len(&self) -> usize {
        self.list.len() + self.not_listed.values().sum::<u64>() as usize
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    /// Not a bag: the check cannot start.
    #[error("{0}")]
    NotABag(String),
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

mod check;
mod source;
pub use check::{check_files, is_tag_file, parse_manifest, BagCheck};
pub use source::{BagSource, FileFacts};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn facts(bytes: &[u8]) -> FileFacts {
        FileFacts {
            digest: sha256(bytes),
            size: bytes.len() as u64,
            declared: bytes.len() as u64,
            content: Some(bytes.to_vec()),
            error: None,
        }
    }

    /// A small bag as read from a disc: two payload files and tag files.
    fn sample() -> BTreeMap<String, FileFacts> {
        let payload: [(&str, &[u8]); 2] =
            [("data/a.txt", b"hello"), ("data/sub/b.bin", &[0u8; 1000])];
        let mut files = BTreeMap::new();
        let mut manifest = String::new();
        for (p, b) in payload {
            manifest.push_str(&format!("{}  {p}\n", sha256(b)));
            files.insert(p.to_owned(), facts(b));
        }
        let info = "External-Identifier: 乌交执〔2026〕1号\nPayload-Oxum: 1005.2\n";
        let mut tags = String::new();
        for (name, b) in [
            (BAG_INFO, info.as_bytes()),
            (BAGIT, BAGIT_TXT.as_bytes()),
            (MANIFEST, manifest.as_bytes()),
        ] {
            tags.push_str(&format!("{}  {name}\n", sha256(b)));
            files.insert(name.to_owned(), facts(b));
        }
        files.insert(TAGMANIFEST.to_owned(), facts(tags.as_bytes()));
        files
    }

    fn found(files: &BTreeMap<String, FileFacts>) -> Vec<(String, Category)> {
        check_files(files, Problems::default(), &[])
            .problems
            .into_vec()
            .into_iter()
            .map(|p| (p.path, p.category))
            .collect()
    }

    #[test]
    fn clean_bag_checks_clean() {
        let c = check_files(&sample(), Problems::default(), &[]);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.files.len(), 2);
        assert_eq!(
            c.info[0],
            ("External-Identifier".into(), "乌交执〔2026〕1号".into())
        );
    }

    #[test]
    fn tampering_is_categorised() {
        let mut files = sample();
        files.insert("data/a.txt".into(), facts(b"hellO"));
        files.remove("data/sub/b.bin");
        files.insert("data/extra".into(), facts(b"x"));
        files.insert("autorun.inf".into(), facts(b"x"));
        let got = found(&files);
        for want in [
            ("data/a.txt", Category::Modified),
            ("data/sub/b.bin", Category::Missing),
            ("data/extra", Category::Unexpected),
            ("autorun.inf", Category::Unexpected),
        ] {
            assert!(
                got.contains(&(want.0.into(), want.1)),
                "{want:?} not in {got:?}"
            );
        }
    }

    #[test]
    fn a_truncated_file_is_missing_bytes() {
        let mut files = sample();
        let f = files.get_mut("data/sub/b.bin").unwrap();
        f.size = 10;
        f.error = Some("the image ends before this file does".into());
        assert_eq!(
            found(&files),
            [("data/sub/b.bin".into(), Category::Missing)]
        );
    }

    #[test]
    fn names_are_restricted() {
        for bad in ["照片.jpg", "A.jpg", "..", "", ".x", &"a".repeat(65)] {
            assert!(!valid_component(bad), "{bad:?}");
        }
        for good in ["x", "001-abc.jpg", "a_b-c.d", &"a".repeat(64)] {
            assert!(valid_component(good), "{good:?}");
        }
    }

    #[test]
    fn printed_text_is_one_short_line() {
        assert_eq!(printable("data/a.jpg"), "data/a.jpg");
        assert_eq!(printable("a\nVALID"), "a\\u{a}VALID");
        assert_eq!(printable("x\u{202e}gpj.exe"), "x\\u{202e}gpj.exe");
        let long = printable(&"照".repeat(1000));
        assert!(long.len() < MAX_FIELD_BYTES + 40, "{}", long.len());
        assert!(long.ends_with("more bytes cut]"), "{long}");
    }

    #[test]
    fn problems_beyond_the_limit_are_counted() {
        let mut p = Problems::default();
        for i in 0..MAX_LISTED_PROBLEMS + 500 {
            p.add(format!("data/{i}"), Category::Missing, "x", "y");
        }
        p.add("data/0", Category::Missing, "x", "y");
        assert_eq!(p.len(), MAX_LISTED_PROBLEMS + 500);
        let (list, rest) = p.into_parts();
        assert_eq!(list.len(), MAX_LISTED_PROBLEMS);
        assert_eq!(rest[&Category::Missing], 500);
    }

    #[test]
    fn not_a_bag_is_unverifiable() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            BagSource::open(dir.path()),
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
