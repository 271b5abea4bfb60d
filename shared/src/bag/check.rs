//! Checking a bag's fixity: every payload file hashed once and compared
//! with the manifest; tag manifest; `Payload-Oxum`.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

use super::{
    io_at, BagError, Category, Problems, BAGIT_TXT, BAG_INFO, MANIFEST, MAX_MANIFEST_BYTES,
    TAGMANIFEST,
};
use crate::hash::{sha256, Digest};

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
