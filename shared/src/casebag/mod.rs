//! The case bag: one closed case as a BagIt bag, and its full verification
//! (fixity, record signatures, device chain, evidence references).
//!
//! Layout (see `docs/bag.md`):
//! ```text
//! bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
//! data/case.json                      case summary, original file names
//! data/chain.json                     chain links from the case's first to last record
//! data/device-key.txt                 the signing device's public key (informational)
//! data/records/<seq:08>.dsse.json     every signed record of the case
//! data/evidence/<nnn>-<sha12>.<ext>   evidence bytes exactly as captured
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bag::{BagError, BagSummary, BagWriter};
use crate::chain::{Head, Link};
use crate::envelope::Envelope;
use crate::hash::Digest;
use crate::keys::{DeviceId, PublicKey};
use crate::model::{CaseOpened, EvidenceItem};
use crate::record::{self, RecordBody, RecordError, RecordPayload};

/// Case summary file.
pub const CASE_FILE: &str = "data/case.json";
/// Chain context file.
pub const CHAIN_FILE: &str = "data/chain.json";
/// Device public key file.
pub const KEY_FILE: &str = "data/device-key.txt";
/// Records folder.
pub const RECORDS_DIR: &str = "data/records/";
/// Evidence folder.
pub const EVIDENCE_DIR: &str = "data/evidence/";
/// `format` value of `case.json`.
pub const CASE_FORMAT: &str = "fieldcase-case/1";

/// One evidence file in `case.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceEntry {
    /// Path in the bag.
    pub path: String,
    /// Seq of the record that added it.
    pub record_seq: u64,
    /// What that record says about the file (hash, size, type, original name).
    #[serde(flatten)]
    pub item: EvidenceItem,
}

/// One record in `case.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordEntry {
    /// Path in the bag.
    pub path: String,
    /// Seq.
    pub seq: u64,
    /// Kind.
    pub kind: String,
    /// Record digest.
    pub digest: Digest,
}

/// `data/case.json`: for people and tools; the signed records are the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseFile {
    /// [`CASE_FORMAT`].
    pub format: String,
    /// Case id.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// Device that recorded the case.
    pub device: DeviceId,
    /// Its public key.
    pub device_key: PublicKey,
    /// The opening record's body.
    pub opened: CaseOpened,
    /// When the case was closed.
    pub closed_at: DateTime<FixedOffset>,
    /// Officers (执法证号) on the records.
    pub officers: Vec<String>,
    /// Records in seq order.
    pub records: Vec<RecordEntry>,
    /// Evidence in record order.
    pub evidence: Vec<EvidenceEntry>,
}

/// `data/chain.json`: the device chain around the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainFile {
    /// Device.
    pub device: DeviceId,
    /// Head before the case's first record (seq and chain hash).
    pub start: Head,
    /// Every link from `start.seq + 1` to the case's last record.
    pub links: Vec<Link>,
}

/// Everything needed to write a case bag.
#[derive(Debug, Clone)]
pub struct CaseExport {
    /// Device key.
    pub device_key: PublicKey,
    /// The case's records (envelopes as stored), in seq order.
    pub records: Vec<Envelope>,
    /// Chain links from just before the first to the last case record.
    pub chain: ChainFile,
    /// Where each evidence blob can be read, by digest.
    pub blobs: BTreeMap<Digest, PathBuf>,
}

/// Why a case cannot be exported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Bag writing failed.
    #[error(transparent)]
    Bag(#[from] BagError),
    /// A stored record is not readable.
    #[error("stored record is damaged: {0}")]
    Record(#[from] RecordError),
    /// The case has no opening or no closing record.
    #[error("{0}")]
    Incomplete(String),
    /// A blob the records name is not in the store.
    #[error("evidence {0} is named by a record but is not in the local store")]
    BlobMissing(Digest),
}

fn extension_for(media_type: &str, original: &str) -> String {
    let from_type = match media_type {
        "image/jpeg" => Some("jpg"),
        "image/png" => Some("png"),
        "video/mp4" => Some("mp4"),
        "audio/mpeg" => Some("mp3"),
        "application/pdf" => Some("pdf"),
        _ => None,
    };
    if let Some(e) = from_type {
        return e.to_owned();
    }
    original
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "bin".to_owned())
}

/// Writes the case bag for `export` into `out` (new or empty directory).
/// `progress` receives byte counts as evidence is copied.
pub fn write(
    out: &Path,
    export: &CaseExport,
    mut progress: impl FnMut(u64),
) -> Result<BagSummary, ExportError> {
    let device = export.device_key.device_id();
    let mut payloads = Vec::new();
    for env in &export.records {
        let v = record::open(env.clone(), &export.device_key)?;
        let p: RecordPayload = serde_json::from_slice(&env.payload)
            .map_err(|e| RecordError::BadPayload(e.to_string()))?;
        payloads.push((v, p));
    }
    let opened = payloads.iter().find_map(|(_, p)| match &p.body {
        RecordBody::CaseOpened(c) => Some(c.clone()),
        _ => None,
    });
    let Some(opened) = opened else {
        return Err(ExportError::Incomplete(
            "the case has no opening record".into(),
        ));
    };
    let Some(closed_at) = payloads.iter().find_map(|(_, p)| match &p.body {
        RecordBody::CaseClosed(_) => Some(p.created_at),
        _ => None,
    }) else {
        return Err(ExportError::Incomplete(format!(
            "case {} is still open; only a closed case can be archived",
            opened.case_no
        )));
    };

    let mut w = BagWriter::create(out)?;
    let mut records = Vec::new();
    let mut evidence = Vec::new();
    let mut officers = BTreeSet::new();
    for (v, p) in &payloads {
        let rel = format!("records/{:08}.dsse.json", p.seq);
        w.add_bytes(&rel, &v.envelope.to_json())?;
        officers.extend(p.officers.iter().cloned());
        records.push(RecordEntry {
            path: format!("data/{rel}"),
            seq: p.seq,
            kind: p.body.kind().to_owned(),
            digest: v.digest,
        });
        if let RecordBody::EvidenceAdded(item) = &p.body {
            let n = evidence.len() + 1;
            let rel = format!(
                "evidence/{n:03}-{}.{}",
                item.sha256.short(12),
                extension_for(&item.media_type, &item.original_name)
            );
            let src = export
                .blobs
                .get(&item.sha256)
                .ok_or(ExportError::BlobMissing(item.sha256))?;
            w.add_file(&rel, src, &item.sha256, &mut progress)?;
            evidence.push(EvidenceEntry {
                path: format!("data/{rel}"),
                record_seq: p.seq,
                item: item.clone(),
            });
        }
    }
    let case = CaseFile {
        format: CASE_FORMAT.into(),
        case_id: opened.case_id,
        case_no: opened.case_no.clone(),
        device,
        device_key: export.device_key,
        opened: opened.clone(),
        closed_at,
        officers: officers.into_iter().collect(),
        records,
        evidence,
    };
    w.add_bytes("case.json", &pretty_json(&case))?;
    w.add_bytes("chain.json", &pretty_json(&export.chain))?;
    w.add_bytes(
        "device-key.txt",
        format!("{}\n", export.device_key).as_bytes(),
    )?;
    let summary = w.finish(&[
        ("Source-Organization", "fieldcase".into()),
        ("Bagging-Date", closed_at.format("%Y-%m-%d").to_string()),
        ("External-Identifier", opened.case_no.clone()),
        (
            "External-Description",
            format!("Case {} recorded on device {device}", opened.case_no),
        ),
        (
            "Bag-Software-Agent",
            format!("fieldcase {}", env!("CARGO_PKG_VERSION")),
        ),
        ("Fieldcase-Case-Id", opened.case_id.to_string()),
        ("Fieldcase-Device", device.to_string()),
        ("Fieldcase-Closed-At", closed_at.to_rfc3339()),
    ])?;
    Ok(summary)
}

/// Pretty JSON with a final newline, for files people open.
fn pretty_json<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

mod verify;
pub use verify::{verify, Report, Signer};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::sha256;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn chain_file_round_trip(seed in any::<[u8; 16]>(), start in 0u64..1000, n in 0usize..20) {
            let device = DeviceId(seed);
            let links: Vec<Link> = (0..n as u64)
                .map(|i| Link {
                    seq: start + 1 + i,
                    digest: sha256(&i.to_be_bytes()),
                    chain: sha256(&(i + 7).to_be_bytes()),
                })
                .collect();
            let cf = ChainFile { device, start: Head { seq: start, chain: sha256(b"s") }, links };
            let bytes = pretty_json(&cf);
            let back: ChainFile = serde_json::from_slice(&bytes).unwrap();
            prop_assert_eq!(&back, &cf);
            prop_assert_eq!(pretty_json(&back), bytes);
        }
    }
}
