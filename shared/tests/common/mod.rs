//! A sealed case built from real signed records, for bundle tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::DateTime;
use fieldcase_shared::casebag::{self, CaseDocument, CaseExport, ChainFile, Disc};
use fieldcase_shared::chain::{self, Head, Link};
use fieldcase_shared::hash::{sha256, sha256_file, Digest};
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::model::{
    CaseClosed, CaseOpened, CaseSealed, EvidenceItem, Party, SealedDocument, Vehicle,
};
use fieldcase_shared::record::{self, RecordBody, RecordPayload};
use uuid::Uuid;

pub const CASE_NO: &str = "乌交执〔2026〕00007号";

pub struct Case {
    pub export: CaseExport,
    pub key: DeviceKey,
}

fn payload(key: &DeviceKey, seq: u64, prev: Digest, body: RecordBody) -> RecordPayload {
    RecordPayload::new(
        key.public().device_id(),
        seq,
        prev,
        DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap()
            + chrono::Duration::seconds(seq as i64),
        vec!["65010023".into(), "65010031".into()],
        body,
    )
}

/// A device log where another case's record (seq 2) sits between this
/// case's records; the case has the given evidence files (written under
/// `dir`), is closed, then sealed.
pub fn sealed_case(dir: &Path, evidence: &[(&str, &str, Vec<u8>)]) -> Case {
    sealed_case_with_documents(dir, evidence, &[])
}

/// [`sealed_case`] whose seal names `documents` (kind, bytes), each
/// filled from the closing record.
pub fn sealed_case_with_documents(
    dir: &Path,
    evidence: &[(&str, &str, Vec<u8>)],
    documents: &[(&str, Vec<u8>)],
) -> Case {
    let key = DeviceKey::from_seed([31; 32]);
    let device = key.public().device_id();
    let case_id = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0007);
    let at = DateTime::parse_from_rfc3339("2026-11-28T09:50:00+08:00").unwrap();
    let opened = CaseOpened {
        case_id,
        case_no: CASE_NO.into(),
        occurred_at: at,
        place: "G30 连霍高速 K3012 <检查站>".into(),
        vehicle: Vehicle {
            plate: "新A12345".into(),
        },
        party: Party::Person {
            id_number: "11010519491231002X".into(),
            name: "张三".into(),
        },
        violation: None,
        note: String::new(),
        details: None,
    };
    let mut other = opened.clone();
    other.case_id = Uuid::from_u128(8);
    other.case_no = "乌交执〔2026〕00008号".into();
    let mut bodies = vec![
        RecordBody::CaseOpened(opened),
        RecordBody::CaseOpened(other),
    ];
    let mut blobs = BTreeMap::new();
    let mut thumbnails = BTreeMap::new();
    for (i, (name, media, bytes)) in evidence.iter().enumerate() {
        let p = dir.join(format!("blob{i}"));
        fs::write(&p, bytes).unwrap();
        let (d, n) = sha256_file(&p).unwrap();
        blobs.insert(d, p);
        if media.starts_with("image/") {
            thumbnails.insert(d, format!("thumbnail of {name}").into_bytes());
        }
        bodies.push(RecordBody::EvidenceAdded(EvidenceItem {
            case_id,
            sha256: d,
            size: n,
            media_type: (*media).into(),
            original_name: (*name).into(),
            captured_at: Some(at),
            category: String::new(),
            description: String::new(),
        }));
    }
    let mut prev = chain::genesis(&device);
    let mut links = Vec::new();
    let mut records = Vec::new();
    let mut digests = Vec::new();
    let mut seq = 0;
    let mut push = |body: RecordBody, links: &mut Vec<Link>, prev: &mut Digest| {
        seq += 1;
        let mine = body.case_id() == case_id;
        let s = record::seal(&key, &payload(&key, seq, *prev, body));
        links.push(Link {
            seq,
            digest: s.digest,
            chain: s.chain,
        });
        *prev = s.chain;
        (mine, s)
    };
    for body in bodies {
        let (mine, s) = push(body, &mut links, &mut prev);
        if mine {
            digests.push(s.digest);
            records.push(s.envelope);
        }
    }
    let close = RecordBody::CaseClosed(CaseClosed {
        case_id,
        case_no: CASE_NO.into(),
        evidence_count: evidence.len() as u32,
        records: digests.clone(),
        findings: None,
    });
    let (_, s) = push(close, &mut links, &mut prev);
    digests.push(s.digest);
    let closing = s.digest;
    records.push(s.envelope);
    let documents: Vec<CaseDocument> = documents
        .iter()
        .map(|(kind, pdf)| CaseDocument {
            sealed: SealedDocument {
                kind: (*kind).into(),
                title: format!("《{kind}》"),
                record: closing,
                sha256: sha256(pdf),
                size: pdf.len() as u64,
            },
            pdf: pdf.clone(),
        })
        .collect();
    let seal = RecordBody::CaseSealed(CaseSealed {
        case_id,
        case_no: CASE_NO.into(),
        bundle_id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_00b0),
        records: digests,
        documents: documents.iter().map(|d| d.sealed.clone()).collect(),
        agency: String::new(),
        tools: Vec::new(),
        sm2_key: String::new(),
    });
    let (_, s) = push(seal, &mut links, &mut prev);
    records.push(s.envelope);
    let export = CaseExport {
        device_key: key.public(),
        records,
        chain: ChainFile {
            device,
            start: Head::genesis(&device),
            links,
        },
        others: Vec::new(),
        blobs: casebag::Blobs(std::sync::Arc::new(blobs)),
        thumbnails,
        certificate: None,
        documents,
        tools: Vec::new(),
    };
    Case { export, key }
}

pub fn photo() -> Vec<u8> {
    b"\xff\xd8\xff\xe0 not really a jpeg, but bytes are bytes".to_vec()
}

pub fn discs(case: &Case, medium: Option<casebag::Medium>) -> Vec<Disc> {
    casebag::plan(&case.export, &case.key, medium, |_| {}).unwrap()
}

pub fn write_bag(case: &Case, out: &Path) -> PathBuf {
    let d = discs(case, None);
    assert_eq!(d.len(), 1);
    d[0].write_dir(out, |_| {}).unwrap();
    out.to_owned()
}

/// Runs a reference tool; panics with a clear message when it is missing.
pub fn tool(name: &str, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{name} is needed for this test (scripts/test installs it): {e}")
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Every regular file under `root`, relative, sorted.
pub fn tree(root: &Path) -> Vec<String> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}
