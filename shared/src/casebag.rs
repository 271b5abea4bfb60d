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
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bag::{self, BagError, BagSummary, BagWriter, Category, Problem};
use crate::chain::{self, Head, Link};
use crate::envelope::{Envelope, EnvelopeError};
use crate::hash::Digest;
use crate::keys::{DeviceId, PublicKey};
use crate::model::CaseOpened;
use crate::record::{self, RecordBody, RecordError, RecordPayload, VerifiedRecord};

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
    /// SHA-256 of the bytes.
    pub sha256: Digest,
    /// Size.
    pub size: u64,
    /// Media type.
    pub media_type: String,
    /// Original file name (any script).
    pub original_name: String,
    /// Capture time if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<DateTime<FixedOffset>>,
    /// Seq of the record that added it.
    pub record_seq: u64,
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
                sha256: item.sha256,
                size: item.size,
                media_type: item.media_type.clone(),
                original_name: item.original_name.clone(),
                captured_at: item.captured_at,
                record_seq: p.seq,
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

/// What a device signed in a verified bag.
#[derive(Debug, Clone, Serialize)]
pub struct Signer {
    /// Device id.
    pub device: DeviceId,
    /// Its key (one of those given).
    pub key: PublicKey,
    /// Records with valid signatures.
    pub records: usize,
    /// First seq.
    pub first_seq: u64,
    /// Last seq.
    pub last_seq: u64,
    /// Creation time of the last record.
    pub last_signed_at: Option<DateTime<FixedOffset>>,
}

/// The outcome of verifying a case bag.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Every problem found.
    pub problems: Vec<Problem>,
    /// 案号 from the signed opening record, if found.
    pub case_no: Option<String>,
    /// Who signed.
    pub signers: Vec<Signer>,
    /// Payload files checked.
    pub files_checked: usize,
    /// Payload bytes hashed.
    pub bytes_checked: u64,
}

impl Report {
    /// True when nothing is wrong.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

fn read_json_file(root: &Path, rel: &str, max: u64) -> Result<Vec<u8>, String> {
    let f = File::open(root.join(rel)).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    f.take(max + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > max {
        return Err(format!("larger than {max} bytes"));
    }
    Ok(buf)
}

/// Verifies a case bag at `root` trusting only `keys`. Reports every problem.
/// Errs only when the path is not a bag at all (UNVERIFIABLE).
pub fn verify(
    root: &Path,
    keys: &[PublicKey],
    progress: impl FnMut(u64),
) -> Result<Report, BagError> {
    let check = bag::check(root, progress)?;
    let mut problems = check.problems;
    let files = check.files;
    let by_device: BTreeMap<DeviceId, PublicKey> =
        keys.iter().map(|k| (k.device_id(), *k)).collect();

    // case.json (unsigned summary; used to find files, cross-checked below).
    let case: Option<CaseFile> = match read_json_file(root, CASE_FILE, 16 << 20) {
        Ok(b) => match serde_json::from_slice(&b) {
            Ok(c) => Some(c),
            Err(e) => {
                problems.add(
                    CASE_FILE,
                    Category::BadLayout,
                    "a fieldcase case summary",
                    e.to_string(),
                );
                None
            }
        },
        Err(e) => {
            problems.add(CASE_FILE, Category::Missing, "case summary", e);
            None
        }
    };

    // Records.
    let mut verified: BTreeMap<u64, (String, VerifiedRecord)> = BTreeMap::new();
    let mut signers: BTreeMap<DeviceId, Signer> = BTreeMap::new();
    let mut case_no = None;
    let mut closing_list: Vec<Digest> = Vec::new();
    for path in files.keys().filter(|p| p.starts_with(RECORDS_DIR)) {
        let name = &path[RECORDS_DIR.len()..];
        let file_seq = name
            .strip_suffix(".dsse.json")
            .and_then(|s| s.parse::<u64>().ok());
        let bytes = match read_json_file(root, path, crate::envelope::MAX_ENVELOPE_BYTES as u64) {
            Ok(b) => b,
            Err(e) => {
                problems.add(path.clone(), Category::BadLayout, "a signed record", e);
                continue;
            }
        };
        let env = match Envelope::from_json(&bytes) {
            Ok(e) => e,
            Err(e) => {
                problems.add(
                    path.clone(),
                    Category::BadLayout,
                    "a signed record (DSSE JSON)",
                    e.to_string(),
                );
                continue;
            }
        };
        let claimed = env
            .keyid
            .parse::<DeviceId>()
            .ok()
            .or_else(|| record::parse_header(&env.payload).ok().map(|h| h.device));
        let Some(key) = claimed.and_then(|d| by_device.get(&d)) else {
            let given: Vec<String> = keys.iter().map(|k| k.device_id().to_string()).collect();
            problems.add(
                path.clone(),
                Category::UnknownKey,
                format!("a record of device {}", given.join(" or ")),
                format!("signed for device {}", env.keyid),
            );
            continue;
        };
        let v = match record::open(env, key) {
            Ok(v) => v,
            Err(RecordError::Envelope(EnvelopeError::BadSignature(_))) => {
                problems.add(
                    path.clone(),
                    Category::SignatureInvalid,
                    format!("a valid signature by {key}"),
                    "signature does not verify",
                );
                continue;
            }
            Err(e) => {
                problems.add(
                    path.clone(),
                    Category::BadLayout,
                    "a valid record",
                    e.to_string(),
                );
                continue;
            }
        };
        let seq = v.header.seq;
        if file_seq != Some(seq) {
            problems.add(
                path.clone(),
                Category::ChainBreak,
                format!("file named for seq {seq}"),
                format!("file name {name}"),
            );
        }
        let s = signers.entry(v.header.device).or_insert(Signer {
            device: v.header.device,
            key: *key,
            records: 0,
            first_seq: seq,
            last_seq: seq,
            last_signed_at: None,
        });
        s.records += 1;
        s.first_seq = s.first_seq.min(seq);
        if seq >= s.last_seq {
            s.last_seq = seq;
            s.last_signed_at = Some(v.header.created_at);
        }
        if let Ok(p) = serde_json::from_slice::<RecordPayload>(&v.envelope.payload) {
            match p.body {
                RecordBody::CaseOpened(c) => case_no = Some(c.case_no),
                RecordBody::CaseClosed(c) => closing_list = c.records,
                RecordBody::EvidenceAdded(_) => {}
            }
        }
        match verified.get(&seq) {
            Some((other, o)) if o.digest != v.digest => {
                problems.add(
                    path.clone(),
                    Category::Fork,
                    format!("one record at seq {seq} ({other})"),
                    format!("a different record {}", v.digest),
                );
            }
            Some(_) => {}
            None => {
                verified.insert(seq, (path.clone(), v));
            }
        }
    }
    if signers.len() > 1 {
        problems.add(
            RECORDS_DIR,
            Category::BadLayout,
            "records of one device",
            format!("{} devices", signers.len()),
        );
    }

    // Records listed in case.json must be present.
    if let Some(c) = &case {
        for r in &c.records {
            if !files.contains_key(&r.path) && !problems.has(&r.path, Category::Missing) {
                problems.add(
                    r.path.clone(),
                    Category::Missing,
                    format!("record seq {} ({})", r.seq, r.digest),
                    "no such file",
                );
            }
        }
    }

    // Chain.
    let chain_file: Option<ChainFile> = match read_json_file(root, CHAIN_FILE, 64 << 20) {
        Ok(b) => serde_json::from_slice(&b)
            .map_err(|e| {
                problems.add(
                    CHAIN_FILE,
                    Category::BadLayout,
                    "chain links",
                    e.to_string(),
                )
            })
            .ok(),
        Err(e) => {
            problems.add(CHAIN_FILE, Category::Missing, "chain links", e);
            None
        }
    };
    let path_of_seq = |seq: u64| format!("{RECORDS_DIR}{seq:08}.dsse.json");
    if let Some(cf) = &chain_file {
        let mut h = cf.start.chain;
        let mut listed = BTreeSet::new();
        for (expect_seq, l) in (cf.start.seq + 1..).zip(cf.links.iter()) {
            if l.seq != expect_seq {
                problems.add(
                    CHAIN_FILE,
                    Category::ChainBreak,
                    format!("link seq {expect_seq}"),
                    format!("link seq {}", l.seq),
                );
                break;
            }
            listed.insert(l.seq);
            let next = match verified.get(&l.seq) {
                Some((path, v)) => {
                    if v.header.prev != h {
                        problems.add(
                            path.clone(),
                            Category::ChainBreak,
                            format!("prev {h}"),
                            format!("prev {}", v.header.prev),
                        );
                    }
                    if v.digest != l.digest {
                        problems.add(
                            path.clone(),
                            Category::ChainBreak,
                            format!("record {} as linked", l.digest),
                            format!("record {}", v.digest),
                        );
                    }
                    v.chain
                }
                None => chain::link(&cf.device, l.seq, &h, &l.digest),
            };
            if next != l.chain {
                problems.add(
                    CHAIN_FILE,
                    Category::ChainBreak,
                    format!("h_{} = {next}", l.seq),
                    format!("{}", l.chain),
                );
            }
            h = next;
        }
        for (seq, (path, _)) in &verified {
            if !listed.contains(seq) {
                problems.add(
                    path.clone(),
                    Category::ChainBreak,
                    "a record inside the listed chain",
                    format!("seq {seq} not linked"),
                );
            }
        }
        // Records the closing record names must be in the bag.
        for d in &closing_list {
            if !verified.values().any(|(_, v)| v.digest == *d) {
                let p = cf
                    .links
                    .iter()
                    .find(|l| l.digest == *d)
                    .map(|l| path_of_seq(l.seq))
                    .unwrap_or_else(|| format!("record {d}"));
                problems.add(
                    p,
                    Category::Missing,
                    format!("record {d} named by the closing record"),
                    "not in the bag",
                );
            }
        }
    } else {
        // No chain file: at least adjacent records must link.
        let mut prev: Option<&VerifiedRecord> = None;
        for (path, v) in verified.values() {
            if let Some(p) = prev {
                if p.header.seq + 1 == v.header.seq && v.header.prev != p.chain {
                    problems.add(
                        path.clone(),
                        Category::ChainBreak,
                        format!("prev {}", p.chain),
                        format!("prev {}", v.header.prev),
                    );
                }
            }
            prev = Some(v);
        }
    }

    // Evidence: every blob a record names must be present with its bytes.
    let located: BTreeMap<Digest, String> = case
        .as_ref()
        .map(|c| {
            c.evidence
                .iter()
                .map(|e| (e.sha256, e.path.clone()))
                .collect()
        })
        .unwrap_or_default();
    let by_hash: BTreeMap<Digest, &String> = files.iter().map(|(p, (d, _))| (*d, p)).collect();
    let mut referenced = BTreeSet::new();
    for (_, v) in verified.values() {
        for blob in &v.header.blobs {
            if let Some(p) = by_hash.get(blob) {
                referenced.insert((*p).clone());
                continue;
            }
            match located.get(blob) {
                Some(p) => {
                    referenced.insert(p.clone());
                    match files.get(p) {
                        Some((got, _)) => {
                            problems.add(p.clone(), Category::Modified, blob.to_hex(), got.to_hex())
                        }
                        None => problems.add(
                            p.clone(),
                            Category::Missing,
                            blob.to_hex(),
                            "no such file",
                        ),
                    }
                }
                None => problems.add(
                    format!("evidence {blob}"),
                    Category::Missing,
                    format!("named by record seq {}", v.header.seq),
                    "no file with these bytes",
                ),
            }
        }
    }
    // An evidence file no verified record names is unexpected, unless the
    // summary attributes it to a record that is itself missing or
    // unverifiable (that problem is already reported).
    let claimed_seq: BTreeMap<&str, u64> = case
        .as_ref()
        .map(|c| {
            c.evidence
                .iter()
                .map(|e| (e.path.as_str(), e.record_seq))
                .collect()
        })
        .unwrap_or_default();
    for p in files.keys().filter(|p| p.starts_with(EVIDENCE_DIR)) {
        if referenced.contains(p) || problems.has(p, Category::Modified) {
            continue;
        }
        let explained = claimed_seq
            .get(p.as_str())
            .is_some_and(|seq| !verified.contains_key(seq));
        if !explained {
            problems.add(
                p.clone(),
                Category::Unexpected,
                "evidence named by a signed record",
                "a file no record names",
            );
        }
    }

    // The summary must agree with the signed records.
    if let (Some(c), Some(no)) = (&case, &case_no) {
        if &c.case_no != no {
            problems.add(
                CASE_FILE,
                Category::Modified,
                format!("case number {no}"),
                format!("case number {}", c.case_no),
            );
        }
    }
    if verified.is_empty() && !problems.is_empty() {
        // Nothing verified: problems already say why.
    } else if verified.is_empty() {
        problems.add(RECORDS_DIR, Category::Missing, "signed records", "none");
    }

    Ok(Report {
        problems: problems.into_vec(),
        case_no,
        signers: signers.into_values().collect(),
        files_checked: files.len(),
        bytes_checked: files.values().map(|(_, n)| n).sum(),
    })
}

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
