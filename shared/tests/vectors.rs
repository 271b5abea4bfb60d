//! Golden test vectors for the record envelope and device chain.
//!
//! Each file in `testdata/records/` starts with header lines (`# comment`,
//! `expect: <outcome>`, `key: <public key>`, optionally `digest: <seq> <hex>`
//! and `chain: <seq> <hex>` pins), then `---`, then one DSSE envelope per
//! line. One test walks the folder: adding a case is adding a file.
//!
//! `FIELDCASE_REGEN_VECTORS=1 cargo test -p fieldcase-shared --test vectors`
//! rewrites the generated files from fixed seeds (review the diff!).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::fs;
use std::path::{Path, PathBuf};

use chrono::DateTime;
use fieldcase_shared::chain;
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::{DeviceKey, PublicKey};
use fieldcase_shared::model::{
    CaseClosed, CaseOpened, CaseSealed, DiscImage, DiscRecorded, EvidenceItem, Party, Vehicle,
};
use fieldcase_shared::record::{self, RecordBody, RecordPayload};
use uuid::Uuid;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/records")
}

struct Vector {
    expect: String,
    key: PublicKey,
    pins: Vec<(String, u64, Digest)>,
    envelopes: Vec<Envelope>,
}

fn parse(text: &str) -> Vector {
    let (head, body) = text.split_once("\n---\n").expect("header, then ---");
    let mut expect = None;
    let mut key = None;
    let mut pins = Vec::new();
    for line in head.lines().filter(|l| !l.starts_with('#')) {
        let (k, v) = line.split_once(": ").expect("`name: value` header line");
        match k {
            "expect" => expect = Some(v.to_owned()),
            "key" => key = Some(v.parse().expect("key")),
            "digest" | "chain" => {
                let (seq, hex) = v.split_once(' ').expect("seq hex");
                pins.push((
                    k.to_owned(),
                    seq.parse().expect("seq"),
                    hex.parse().expect("hex"),
                ));
            }
            other => panic!("unknown header {other}"),
        }
    }
    let envelopes = body
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| Envelope::from_json(l.as_bytes()).expect("envelope line"))
        .collect();
    Vector {
        expect: expect.expect("expect: line"),
        key: key.expect("key: line"),
        pins,
        envelopes,
    }
}

#[test]
fn walk_vectors() {
    if std::env::var_os("FIELDCASE_REGEN_VECTORS").is_some() {
        generate();
    }
    let mut n = 0;
    let mut entries: Vec<_> = fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let text = fs::read_to_string(&path).unwrap();
        let v = parse(&text);
        let check = record::verify_log(&v.key, &v.envelopes);
        let outcome = check.problems.first().map_or("valid", |(_, p)| p.outcome());
        assert_eq!(
            outcome,
            v.expect,
            "{}: {:?}",
            path.display(),
            check.problems
        );
        for (what, seq, want) in &v.pins {
            let env = v
                .envelopes
                .iter()
                .find(|e| record::parse_header(&e.payload).map(|h| h.seq) == Ok(*seq))
                .expect("pinned seq present");
            let opened = record::open(env.clone(), &v.key).unwrap();
            let got = if what == "digest" {
                opened.digest
            } else {
                opened.chain
            };
            assert_eq!(&got, want, "{}: {what} of seq {seq}", path.display());
        }
        n += 1;
    }
    assert!(n >= 14, "expected at least 14 vectors, found {n}");
}

// ---- generator (fixed seeds, so the output only changes with the format) ----

fn payload(key: &DeviceKey, seq: u64, prev: Digest, body: RecordBody) -> RecordPayload {
    let mut p = RecordPayload::new(
        key.public().device_id(),
        seq,
        prev,
        DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap()
            + chrono::Duration::minutes(seq as i64),
        vec!["65010023".into(), "65010031".into()],
        body,
    );
    // Fixed ids, so the generated files only change with the format.
    p.id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + u128::from(seq));
    p
}

fn chain3(key: &DeviceKey) -> Vec<(RecordPayload, record::SealedRecord)> {
    let case_id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00ff);
    let at = DateTime::parse_from_rfc3339("2026-11-28T09:58:00+08:00").unwrap();
    let photo = fieldcase_shared::hash::sha256(b"photo bytes");
    let bodies = vec![
        RecordBody::CaseOpened(CaseOpened {
            case_id,
            case_no: "乌交执〔2026〕0001号".into(),
            occurred_at: at,
            place: "乌鲁木齐市 G30 连霍高速 K3480 治超站".into(),
            vehicle: Vehicle {
                plate: "新A12345".into(),
            },
            party: Party::Person {
                id_number: "11010519491231002X".into(),
                name: "张三".into(),
            },
            violation: None,
            note: "车辆超限检查".into(),
            details: None,
        }),
        RecordBody::EvidenceAdded(EvidenceItem {
            case_id,
            sha256: photo,
            size: 11,
            media_type: "image/jpeg".into(),
            original_name: "现场照片1.jpg".into(),
            captured_at: Some(at),
            category: String::new(),
            description: String::new(),
        }),
    ];
    let mut out = Vec::new();
    let mut prev = chain::genesis(&key.public().device_id());
    let mut digests = Vec::new();
    for (i, body) in bodies.into_iter().enumerate() {
        let p = payload(key, i as u64 + 1, prev, body);
        let s = record::seal(key, &p);
        prev = s.chain;
        digests.push(s.digest);
        out.push((p, s));
    }
    let p = payload(
        key,
        3,
        prev,
        RecordBody::CaseClosed(CaseClosed {
            case_id,
            case_no: "乌交执〔2026〕0001号".into(),
            evidence_count: 1,
            records: digests,
            findings: None,
        }),
    );
    let s = record::seal(key, &p);
    out.push((p, s));
    out
}

fn write(
    name: &str,
    comment: &str,
    expect: &str,
    key: &PublicKey,
    pins: &[(&str, u64, Digest)],
    envs: &[Envelope],
) {
    let mut text = format!("# {comment}\nexpect: {expect}\nkey: {key}\n");
    for (what, seq, d) in pins {
        text.push_str(&format!("{what}: {seq} {d}\n"));
    }
    text.push_str("---\n");
    for e in envs {
        text.push_str(std::str::from_utf8(&e.to_json()).unwrap());
        text.push('\n');
    }
    fs::write(dir().join(name), text).unwrap();
}

fn generate() {
    fs::create_dir_all(dir()).unwrap();
    let key = DeviceKey::from_seed([0x42; 32]);
    let other = DeviceKey::from_seed([0x17; 32]);
    let pk = key.public();
    let recs = chain3(&key);
    let envs: Vec<Envelope> = recs.iter().map(|(_, s)| s.envelope.clone()).collect();
    let pins: Vec<(&str, u64, Digest)> = recs
        .iter()
        .flat_map(|(p, s)| [("digest", p.seq, s.digest), ("chain", p.seq, s.chain)])
        .collect();
    write(
        "01-valid-single.txt",
        "one case-opened record, seq 1",
        "valid",
        &pk,
        &pins[..2],
        &envs[..1],
    );
    write(
        "02-valid-chain.txt",
        "open, evidence, close: three linked records",
        "valid",
        &pk,
        &pins,
        &envs,
    );

    let mut bad_sig = envs.clone();
    bad_sig[1].sig[10] ^= 0x01;
    write(
        "03-bad-signature.txt",
        "one bit of the second signature flipped",
        "bad-signature",
        &pk,
        &[],
        &bad_sig,
    );

    let mut changed = envs.clone();
    let text = String::from_utf8(changed[0].payload.clone())
        .unwrap()
        .replace("新A12345", "新A12346");
    changed[0].payload = text.into_bytes();
    write(
        "04-payload-changed.txt",
        "plate in the payload edited after signing",
        "bad-signature",
        &pk,
        &[],
        &changed,
    );

    write(
        "05-wrong-key.txt",
        "valid records checked with another device's key",
        "bad-signature",
        &other.public(),
        &[],
        &envs[..1],
    );

    write(
        "06-gap.txt",
        "record seq 2 removed from the middle",
        "gap",
        &pk,
        &[],
        &[envs[0].clone(), envs[2].clone()],
    );

    write(
        "07-reorder.txt",
        "records 2 and 3 swapped",
        "reorder",
        &pk,
        &[],
        &[envs[0].clone(), envs[2].clone(), envs[1].clone()],
    );

    // Fork: a second, different seq 2, properly signed.
    let (p2, _) = &recs[1];
    let mut p2b = p2.clone();
    p2b.created_at += chrono::Duration::seconds(1);
    let fork = record::seal(&key, &p2b);
    write(
        "08-fork.txt",
        "two different signed records with seq 2",
        "fork",
        &pk,
        &[],
        &[envs[0].clone(), envs[1].clone(), fork.envelope],
    );

    // Chain break: seq 2 signed with a wrong prev.
    let mut p2c = p2.clone();
    p2c.prev = fieldcase_shared::hash::sha256(b"not the previous record");
    let broken = record::seal(&key, &p2c);
    write(
        "09-chain-break.txt",
        "seq 2 signed with prev not equal to h_1",
        "chain-break",
        &pk,
        &[],
        &[envs[0].clone(), broken.envelope],
    );

    // Wrong device: payload names another device, signed by this key.
    let (p1, _) = &recs[0];
    let mut p1d = p1.clone();
    p1d.device = other.public().device_id();
    let wd = record::seal(&key, &p1d);
    write(
        "10-wrong-device.txt",
        "payload claims another device id",
        "wrong-device",
        &pk,
        &[],
        &[wd.envelope],
    );

    let wt = Envelope::sign(
        &key,
        &pk.device_id().to_string(),
        "application/json",
        envs[0].payload.clone(),
    );
    write(
        "11-wrong-type.txt",
        "a record payload signed under another payload type",
        "wrong-type",
        &pk,
        &[],
        &[wt],
    );

    write(
        "12-duplicate.txt",
        "the same record twice",
        "duplicate",
        &pk,
        &[],
        &[envs[0].clone(), envs[0].clone()],
    );

    let mf = Envelope::sign(
        &key,
        &pk.device_id().to_string(),
        record::RECORD_PAYLOAD_TYPE,
        b"not json".to_vec(),
    );
    write(
        "13-malformed-payload.txt",
        "validly signed payload that is not a record",
        "malformed",
        &pk,
        &[],
        &[mf],
    );

    // The archive records: the case sealed (naming every earlier record of
    // the case), then its disc image recorded.
    let (last, _) = recs.last().unwrap();
    let case_id = last.body.case_id();
    let mut prev = recs.last().unwrap().1.chain;
    let mut sealed_recs = Vec::new();
    let bodies = [
        RecordBody::CaseSealed(CaseSealed {
            case_id,
            case_no: "乌交执〔2026〕0001号".into(),
            bundle_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0b0b),
            records: recs.iter().map(|(_, s)| s.digest).collect(),
            documents: vec![],
            agency: String::new(),
            tools: Vec::new(),
            sm2_key: String::new(),
        }),
        RecordBody::DiscRecorded(DiscRecorded {
            case_id,
            bundle_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0b0b),
            medium: "cd".into(),
            discs: vec![DiscImage {
                index: 1,
                sha256: fieldcase_shared::hash::sha256(b"image bytes"),
                size: 2_318_336,
            }],
        }),
    ];
    for (i, body) in bodies.into_iter().enumerate() {
        let p = payload(&key, 4 + i as u64, prev, body);
        let s = record::seal(&key, &p);
        prev = s.chain;
        sealed_recs.push((p, s));
    }
    let all: Vec<Envelope> = envs
        .iter()
        .cloned()
        .chain(sealed_recs.iter().map(|(_, s)| s.envelope.clone()))
        .collect();
    let pins: Vec<(&str, u64, Digest)> = sealed_recs
        .iter()
        .flat_map(|(p, s)| [("digest", p.seq, s.digest), ("chain", p.seq, s.chain)])
        .collect();
    write(
        "14-valid-sealed.txt",
        "open, evidence, close, then case_sealed and disc_recorded",
        "valid",
        &pk,
        &pins,
        &all,
    );
}
