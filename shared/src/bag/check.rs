//! Checking a bag's fixity: every payload file hashed once and compared
//! with the manifest; tag manifest; `Payload-Oxum`.

use std::collections::BTreeMap;

use super::source::FileFacts;
use super::{
    Category, Problems, BAGIT, BAGIT_TXT, BAG_INFO, MANIFEST, MAX_MANIFEST_BYTES, TAGMANIFEST,
};
use crate::hash::Digest;

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

/// True for files kept in memory to be parsed: the payload manifest up
/// to [`MAX_MANIFEST_BYTES`], and the other tag files read (`bagit.txt`,
/// `bag-info.txt`, the tag manifest, a `.minisig` seal) up to
/// [`super::MAX_TAG_FILE_BYTES`]. Every other root file is only hashed.
pub fn is_tag_file(path: &str, size: u64) -> bool {
    if path == MANIFEST {
        return size <= MAX_MANIFEST_BYTES;
    }
    ([BAGIT, BAG_INFO, TAGMANIFEST].contains(&path) || path.ends_with(".minisig"))
        && !path.contains('/')
        && size <= super::MAX_TAG_FILE_BYTES
}

fn text_of<'a>(files: &'a BTreeMap<String, FileFacts>, name: &str) -> Result<&'a [u8], String> {
    match files.get(name) {
        None => Err("no such file".into()),
        Some(f) if !f.complete() => Err(f.error.clone().unwrap_or_else(|| "unreadable".into())),
        Some(f) => f
            .content
            .as_deref()
            .ok_or_else(|| "too large to read (docs/bag.md: limits)".to_owned()),
    }
}

/// Checks a bag's fixity from files already read: `bagit.txt`, the payload
/// manifest against every file under `data/`, the tag manifest,
/// `Payload-Oxum`, and nothing else at the root except tag files the tag
/// manifest lists and the names in `allowed_root`.
pub fn check_files(
    files: &BTreeMap<String, FileFacts>,
    problems: Problems,
    allowed_root: &[&str],
) -> BagCheck {
    let mut c = BagCheck {
        problems,
        ..BagCheck::default()
    };
    match text_of(files, "bagit.txt") {
        Ok(b) if b == BAGIT_TXT.as_bytes() => {}
        Ok(b) => c.problems.add(
            "bagit.txt",
            Category::BadLayout,
            "BagIt-Version: 1.0, UTF-8",
            truncate(&String::from_utf8_lossy(b)),
        ),
        Err(e) => c
            .problems
            .add("bagit.txt", Category::Missing, "bagit.txt", e),
    }
    if files.contains_key(super::FETCH) {
        c.problems.add(
            super::FETCH,
            Category::BadLayout,
            "no fetch.txt: a fieldcase bag holds every byte itself",
            "a fetch file (BagIt tools would download what it lists)",
        );
    }
    let mut folded: BTreeMap<String, &str> = BTreeMap::new();
    for path in files.keys().filter(|p| p.starts_with("data/")) {
        if !path["data/".len()..].split('/').all(super::valid_component) {
            c.problems.add(
                path.clone(),
                Category::BadLayout,
                "a payload name of parts [a-z0-9][a-z0-9._-]{0,63}",
                "a name outside the naming rule",
            );
        }
        if let Some(other) = folded.insert(path.to_lowercase(), path) {
            c.problems.add(
                path.clone(),
                Category::BadLayout,
                "payload names unique ignoring case",
                format!("the same name as {other} ignoring case"),
            );
        }
    }
    for (path, f) in files.iter().filter(|(p, _)| p.starts_with("data/")) {
        if f.complete() {
            c.files.insert(path.clone(), (f.digest, f.size));
        } else {
            c.problems.add(
                path.clone(),
                Category::Missing,
                format!("{} bytes", f.declared),
                format!(
                    "{} bytes readable ({})",
                    f.size,
                    f.error.as_deref().unwrap_or("unreadable")
                ),
            );
        }
    }
    // Payload manifest.
    let manifest = match text_of(files, MANIFEST) {
        Ok(b) => parse_manifest(MANIFEST, &String::from_utf8_lossy(b), &mut c.problems),
        Err(e) => {
            c.problems
                .add(MANIFEST, Category::Missing, "payload manifest", e);
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
            None if files.contains_key(path) => {}
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
    for path in files.keys().filter(|p| p.starts_with("data/")) {
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
    let mut tags = BTreeMap::new();
    match text_of(files, TAGMANIFEST) {
        Ok(b) => {
            tags = parse_manifest(TAGMANIFEST, &String::from_utf8_lossy(b), &mut c.problems);
            for (path, want) in &tags {
                match files.get(path) {
                    Some(f) if !f.complete() => c.problems.add(
                        path.clone(),
                        Category::Missing,
                        want.to_hex(),
                        f.error.clone().unwrap_or_default(),
                    ),
                    Some(f) if f.digest != *want => c.problems.add(
                        path.clone(),
                        Category::Modified,
                        want.to_hex(),
                        f.digest.to_hex(),
                    ),
                    Some(_) => {}
                    None => c.problems.add(
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
        Err(e) => c
            .problems
            .add(TAGMANIFEST, Category::Missing, "tag manifest", e),
    }
    for path in files.keys().filter(|p| !p.starts_with("data/")) {
        let known = [BAGIT, MANIFEST, TAGMANIFEST].contains(&path.as_str())
            || tags.contains_key(path)
            || allowed_root.contains(&path.as_str());
        if !known {
            c.problems.add(
                path.clone(),
                Category::Unexpected,
                "only tag files outside data/",
                "a file no manifest lists",
            );
        }
    }
    // bag-info.txt and Payload-Oxum.
    match text_of(files, BAG_INFO) {
        Ok(b) => {
            for line in String::from_utf8_lossy(b).lines() {
                if let Some((k, v)) = line.split_once(": ") {
                    c.info.push((k.to_owned(), v.to_owned()));
                }
            }
        }
        Err(e) => c
            .problems
            .add(BAG_INFO, Category::Missing, "bag-info.txt", e),
    }
    let payload: Vec<&FileFacts> = files
        .iter()
        .filter(|(p, _)| p.starts_with("data/"))
        .map(|(_, f)| f)
        .collect();
    let oxum = format!(
        "{}.{}",
        payload.iter().map(|f| f.declared).sum::<u64>(),
        payload.len()
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
    c
}
