//! What a disc carries beside the bag's payload, named by the sealing
//! record: the programs (`tools/`) and the 国密 tag files (SM3 manifests,
//! the agency's SM2 key and signature; docs/disc.md).

use std::io::Read as _;

use super::{bytes_file, BagError, Content, DiscFile, ExportError, Planned};
use crate::bag;
use crate::casebag::{CaseExport, TOOLS_DIR};
use crate::guomi::{self, Sm2Key, Sm3Stream};
use crate::hash::{sha256, Digest};
use crate::model::{CaseSealed, SealedTool};
use crate::record::{RecordBody, RecordPayload};

/// The programs the sealing record names, as files beside the bag
/// (`tools/<name>`, listed in the tag manifest): exactly those, each with
/// the bytes it names.
pub(super) fn place_tools(
    export: &CaseExport,
    seal: &CaseSealed,
) -> Result<Vec<DiscFile>, ExportError> {
    let given: Vec<&SealedTool> = export.tools.iter().map(|t| &t.sealed).collect();
    if given.len() != seal.tools.len() || given.iter().zip(&seal.tools).any(|(a, b)| *a != b) {
        return Err(ExportError::Incomplete(format!(
            "the programs given ({}) are not the {} the sealing record names",
            given.len(),
            seal.tools.len()
        )));
    }
    let mut out = Vec::new();
    for t in &export.tools {
        let name = t.sealed.path.strip_prefix(TOOLS_DIR).unwrap_or_default();
        if !bag::valid_component(name) {
            return Err(BagError::BadName(t.sealed.path.clone()).into());
        }
        if sha256(&t.bytes) != t.sealed.sha256 || t.bytes.len() as u64 != t.sealed.size {
            return Err(ExportError::Incomplete(format!(
                "{} is not the program the sealing record names (SHA-256 differs)",
                t.sealed.path
            )));
        }
        out.push(bytes_file(t.sealed.path.clone(), t.bytes.clone()));
    }
    Ok(out)
}

/// The SM2 key to seal with: the one the sealing record names, which the
/// caller must hold.
pub(super) fn sm2_of(
    export: &CaseExport,
    given: Option<&Sm2Key>,
) -> Result<Option<Sm2Key>, ExportError> {
    let named = export
        .records
        .iter()
        .rev()
        .find_map(
            |e| match serde_json::from_slice::<RecordPayload>(&e.payload) {
                Ok(p) => match p.body {
                    RecordBody::CaseSealed(s) => Some(s.sm2_key),
                    _ => None,
                },
                Err(_) => None,
            },
        )
        .unwrap_or_default();
    match given {
        _ if named.is_empty() => Ok(None),
        Some(k) if k.public_pem().trim() == named.trim() => Ok(Some(k.clone())),
        Some(_) => Err(ExportError::Incomplete(
            "the sealing record names another SM2 key than the one given; the agency's SM2 key changed since the case was sealed".into(),
        )),
        None => Err(ExportError::Incomplete(
            "the sealing record names an SM2 key (国密), but none was given".into(),
        )),
    }
}

/// SM3 of a payload file, hashed once per plan; a blob is checked against
/// its SHA-256 as it is read.
fn sm3_of(g: &Planned, f: &DiscFile, progress: &mut dyn FnMut(u64)) -> Result<Digest, ExportError> {
    let at = match &f.content {
        Content::Bytes(b) => return Ok(guomi::sm3(b)),
        Content::Blob { sha256, offset } => (*sha256, *offset, f.size),
    };
    if let Some(d) = g.sm3.borrow().get(&at) {
        return Ok(*d);
    }
    let io_err = |source| BagError::Io {
        path: f.path.clone().into(),
        source,
    };
    let src = g.blobs.0.open_at(&at.0, at.1).map_err(io_err)?;
    let mut out = Sm3Stream::default();
    let (found, n) =
        crate::hash::copy_hashing(src.take(f.size), &mut out, progress).map_err(|e| match e {
            crate::hash::CopyError::Read(e) | crate::hash::CopyError::Write(e) => io_err(e),
        })?;
    if found != f.sha256 || n != f.size {
        return Err(ExportError::Incomplete(format!(
            "evidence {} changed in the store while its SM3 was taken",
            at.0
        )));
    }
    let d = out.finish();
    g.sm3.borrow_mut().insert(at, d);
    Ok(d)
}

/// The 国密 tag files of one disc (docs/disc.md): the SM3 payload
/// manifest, the agency's SM2 key, the SM3 tag manifest over every other
/// tag file, and its SM2 signature. `tags` gains the first two; the last
/// two are returned, for the SHA-256 tag manifest to list.
pub(super) fn guomi_files(
    g: &Planned,
    key: &Sm2Key,
    payload: &[DiscFile],
    tags: &mut Vec<DiscFile>,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<DiscFile>, ExportError> {
    let mut manifest = String::new();
    for f in payload {
        manifest.push_str(&format!("{}  {}\n", sm3_of(g, f, progress)?, f.path));
    }
    tags.push(bytes_file(guomi::MANIFEST_SM3, manifest.into_bytes()));
    tags.push(bytes_file(
        guomi::SM2_KEY_FILE,
        key.public_pem().into_bytes(),
    ));
    tags.sort_by(|a, b| a.path.cmp(&b.path));
    let mut tagmanifest = String::new();
    for t in tags.iter() {
        tagmanifest.push_str(&format!("{}  {}\n", sm3_of(g, t, progress)?, t.path));
    }
    let signature = key.sign(tagmanifest.as_bytes());
    Ok(vec![
        bytes_file(guomi::TAGMANIFEST_SM3, tagmanifest.into_bytes()),
        bytes_file(guomi::SM2_SIGNATURE, signature),
    ])
}
