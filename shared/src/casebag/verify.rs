//! Verifying a case bag: fixity, record signatures, the device chain and
//! evidence references, trusting only the keys given.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use super::{CaseFile, ChainFile, CASE_FILE, CHAIN_FILE, EVIDENCE_DIR, RECORDS_DIR};
use crate::bag::{self, BagError, Category, Problem};
use crate::chain;
use crate::envelope::{Envelope, EnvelopeError};
use crate::hash::Digest;
use crate::keys::{DeviceId, PublicKey};
use crate::record::{self, RecordBody, RecordError, RecordPayload, VerifiedRecord};

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
                .map(|e| (e.item.sha256, e.path.clone()))
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
