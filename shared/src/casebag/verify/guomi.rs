//! The 国密 side of a disc (docs/disc.md, "国密"): the SM3 manifests and
//! the agency's SM2 co-signature of the SM3 tag manifest, with the key the
//! archivist's signed sealing record names.

use super::*;
use crate::guomi::{self, MANIFEST_SM3, SM2_KEY_FILE, SM2_SIGNATURE, TAGMANIFEST_SM3};

/// The files of the 国密 option.
pub(super) const FILES: [&str; 4] = [MANIFEST_SM3, TAGMANIFEST_SM3, SM2_SIGNATURE, SM2_KEY_FILE];

/// The most bytes read of a 国密 file (`None`: not one).
pub(super) fn reading_limit(path: &str) -> Option<u64> {
    match path {
        MANIFEST_SM3 => Some(bag::MAX_MANIFEST_BYTES),
        TAGMANIFEST_SM3 | SM2_SIGNATURE | SM2_KEY_FILE => Some(bag::MAX_TAG_FILE_BYTES),
        _ => None,
    }
}

/// Compares what an SM3 manifest lists with the files' SM3.
fn compare(
    name: &str,
    files: &BTreeMap<String, FileFacts>,
    sm3: &BTreeMap<String, Digest>,
    problems: &mut Problems,
) -> BTreeMap<String, Digest> {
    let Some(text) = content(files, name) else {
        problems.add(
            name,
            Category::Missing,
            "an SM3 manifest",
            "no readable file",
        );
        return BTreeMap::new();
    };
    let listed = bag::parse_manifest(name, &String::from_utf8_lossy(text), problems);
    for (path, want) in &listed {
        match (files.get(path), sm3.get(path)) {
            (None, _) => problems.add(
                path.clone(),
                Category::Missing,
                want.to_hex(),
                "no such file",
            ),
            (Some(f), Some(got)) if f.complete() && got != want => problems.add(
                path.clone(),
                Category::Modified,
                format!("SM3 {want}"),
                format!("SM3 {got}"),
            ),
            _ => {}
        }
    }
    listed
}

/// Checks the SM3 manifests and the SM2 co-signature when the sealing
/// record names an SM2 key or the disc carries 国密 files. Returns whether
/// the co-signature verified.
pub(super) fn check(
    files: &BTreeMap<String, FileFacts>,
    sm3: &BTreeMap<String, Digest>,
    named_key: Option<&str>,
    problems: &mut Problems,
) -> bool {
    let named_key = named_key.map(str::trim).filter(|k| !k.is_empty());
    let present: Vec<&str> = FILES
        .into_iter()
        .filter(|f| files.contains_key(*f))
        .collect();
    let Some(named_key) = named_key else {
        for f in present {
            problems.add(
                f,
                Category::Unexpected,
                "国密 files only when the sealing record names an SM2 key",
                "a 国密 file the sealing record does not account for",
            );
        }
        return false;
    };
    let payload = compare(MANIFEST_SM3, files, sm3, problems);
    for p in files.keys().filter(|p| p.starts_with("data/")) {
        if !payload.contains_key(p) {
            problems.add(
                p.clone(),
                Category::Unexpected,
                "not in the bag",
                "a file not listed in manifest-sm3.txt",
            );
        }
    }
    let tags = compare(TAGMANIFEST_SM3, files, sm3, problems);
    for required in [
        MANIFEST_SM3,
        SM2_KEY_FILE,
        bag::MANIFEST,
        bag::BAG_INFO,
        bag::BAGIT,
    ] {
        if files.contains_key(TAGMANIFEST_SM3) && !tags.contains_key(required) {
            problems.add(
                TAGMANIFEST_SM3,
                Category::BadLayout,
                format!("an entry for {required}"),
                "none",
            );
        }
    }
    let key = content(files, SM2_KEY_FILE).map(|b| String::from_utf8_lossy(b).into_owned());
    let key = match key {
        Some(k) if k.trim() == named_key => k,
        Some(_) => {
            problems.add(
                SM2_KEY_FILE,
                Category::SealInvalid,
                "the SM2 key the signed sealing record names",
                "another key",
            );
            return false;
        }
        None => {
            problems.add(
                SM2_KEY_FILE,
                Category::Missing,
                "the agency's SM2 key",
                "no readable file",
            );
            return false;
        }
    };
    let (Some(manifest), Some(signature)) = (
        content(files, TAGMANIFEST_SM3),
        content(files, SM2_SIGNATURE),
    ) else {
        problems.add(
            SM2_SIGNATURE,
            Category::SealInvalid,
            "the agency's SM2 signature of tagmanifest-sm3.txt",
            "no readable signature",
        );
        return false;
    };
    match guomi::verify(&key, manifest, signature) {
        Ok(()) => true,
        Err(e) => {
            problems.add(
                SM2_SIGNATURE,
                Category::SealInvalid,
                "the agency's SM2 signature of tagmanifest-sm3.txt",
                e.to_string(),
            );
            false
        }
    }
}
