//! Case-bag verification: a clean bag is VALID; each kind of tampering is
//! reported with its category and path, and nothing else is blamed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::fs;
use std::path::{Path, PathBuf};

use fieldcase_shared::bag::Category;
use fieldcase_shared::casebag::{self, ChainFile, Report};
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::hash::sha256;
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::record::{self, RecordPayload};

mod common;

struct Fixture {
    _tmp: tempfile::TempDir,
    bag: PathBuf,
    key: DeviceKey,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let case = common::sealed_case(
        tmp.path(),
        &[("现场照片.jpg", "image/jpeg", common::photo())],
    );
    let bag = common::write_bag(&case, &tmp.path().join("bag"));
    Fixture {
        _tmp: tmp,
        bag,
        key: case.key,
    }
}

fn verify(f: &Fixture) -> Report {
    casebag::verify(&[f.bag.as_path()], &[f.key.public()], |_| {}).unwrap()
}

fn found(r: &Report) -> Vec<(String, Category)> {
    r.problems
        .iter()
        .map(|p| (p.path.clone(), p.category))
        .collect()
}

fn evidence_path(bag: &Path) -> PathBuf {
    fs::read_dir(bag.join("data/evidence"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
}

#[test]
fn clean_bag_is_valid() {
    let f = fixture();
    let r = verify(&f);
    assert!(r.is_valid(), "{:?}", r.problems);
    assert_eq!(r.case_no.as_deref(), Some("乌交执〔2026〕00007号"));
    assert_eq!(r.signers.len(), 1);
    assert_eq!(r.signers[0].records, 4);
    let sealed = r.sealed.as_ref().expect("a valid seal");
    assert_eq!(sealed.case_no, "乌交执〔2026〕00007号");
    // The other case's record is linked by digest only, never included.
    assert!(!f.bag.join("data/records/00000002.dsse.json").exists());
}

#[test]
fn changed_evidence_byte_is_modified() {
    let f = fixture();
    let p = evidence_path(&f.bag);
    let mut b = fs::read(&p).unwrap();
    b[3] ^= 1;
    fs::write(&p, b).unwrap();
    let rel = format!("data/evidence/{}", p.file_name().unwrap().to_string_lossy());
    assert_eq!(found(&verify(&f)), [(rel, Category::Modified)]);
}

#[test]
fn evidence_changed_and_manifests_rewritten_is_still_caught_by_the_signed_hash() {
    let f = fixture();
    let p = evidence_path(&f.bag);
    fs::write(&p, b"forged bytes").unwrap();
    rewrite_manifests(&f.bag);
    let rel = format!("data/evidence/{}", p.file_name().unwrap().to_string_lossy());
    assert_eq!(
        found(&verify(&f)),
        [
            (
                "tagmanifest-sha256.txt.minisig".into(),
                Category::SealInvalid
            ),
            (rel, Category::Modified)
        ]
    );
}

#[test]
fn removed_record_is_missing_even_with_manifests_rewritten() {
    let f = fixture();
    fs::remove_file(f.bag.join("data/records/00000003.dsse.json")).unwrap();
    rewrite_manifests(&f.bag);
    let r = verify(&f);
    let got = found(&r);
    assert!(
        got.contains(&("data/records/00000003.dsse.json".into(), Category::Missing)),
        "{got:?}"
    );
}

#[test]
fn added_evidence_file_is_unexpected() {
    let f = fixture();
    fs::write(f.bag.join("data/evidence/999-extra.jpg"), b"planted").unwrap();
    assert_eq!(
        found(&verify(&f)),
        [("data/evidence/999-extra.jpg".into(), Category::Unexpected)]
    );
}

#[test]
fn edited_record_fails_its_signature() {
    let f = fixture();
    let p = f.bag.join("data/records/00000001.dsse.json");
    let mut env = Envelope::from_json(&fs::read(&p).unwrap()).unwrap();
    env.payload = String::from_utf8(env.payload)
        .unwrap()
        .replace("新A12345", "新A54321")
        .into_bytes();
    fs::write(&p, env.to_json()).unwrap();
    rewrite_manifests(&f.bag);
    let got = found(&verify(&f));
    assert!(
        got.contains(&(
            "data/records/00000001.dsse.json".into(),
            Category::SignatureInvalid
        )),
        "{got:?}"
    );
}

#[test]
fn a_second_signed_record_with_the_same_seq_is_a_fork() {
    let f = fixture();
    let original =
        Envelope::from_json(&fs::read(f.bag.join("data/records/00000003.dsse.json")).unwrap())
            .unwrap();
    let mut p: RecordPayload = serde_json::from_slice(&original.payload).unwrap();
    p.created_at += chrono::Duration::seconds(5);
    let forked = record::seal(&f.key, &p);
    fs::write(
        f.bag.join("data/records/00000003-b.dsse.json"),
        forked.envelope.to_json(),
    )
    .unwrap();
    rewrite_manifests(&f.bag);
    let got = found(&verify(&f));
    assert!(got.iter().any(|(_, c)| *c == Category::Fork), "{got:?}");
}

#[test]
fn swapped_record_files_break_the_chain() {
    let f = fixture();
    let a = f.bag.join("data/records/00000001.dsse.json");
    let b = f.bag.join("data/records/00000003.dsse.json");
    let (ba, bb) = (fs::read(&a).unwrap(), fs::read(&b).unwrap());
    fs::write(&a, bb).unwrap();
    fs::write(&b, ba).unwrap();
    rewrite_manifests(&f.bag);
    let got = found(&verify(&f));
    assert!(
        got.iter().any(|(_, c)| *c == Category::ChainBreak),
        "{got:?}"
    );
    assert!(!got.iter().any(|(_, c)| *c == Category::SignatureInvalid));
}

#[test]
fn a_changed_chain_link_is_a_chain_break() {
    let f = fixture();
    let p = f.bag.join("data/chain.json");
    let mut cf: ChainFile = serde_json::from_slice(&fs::read(&p).unwrap()).unwrap();
    cf.links[1].digest = sha256(b"some other record");
    fs::write(&p, serde_json::to_vec_pretty(&cf).unwrap()).unwrap();
    rewrite_manifests(&f.bag);
    let got = found(&verify(&f));
    assert!(
        got.iter().any(|(_, c)| *c == Category::ChainBreak),
        "{got:?}"
    );
}

#[test]
fn another_key_is_unknown() {
    let f = fixture();
    let other = DeviceKey::from_seed([32; 32]).public();
    let r = casebag::verify(&[f.bag.as_path()], &[other], |_| {}).unwrap();
    let got = found(&r);
    assert_eq!(
        got.iter()
            .filter(|(_, c)| *c == Category::UnknownKey)
            .count(),
        5,
        "{got:?}"
    );
    assert!(got.contains(&(
        "tagmanifest-sha256.txt.minisig".into(),
        Category::UnknownKey
    )));
}

fn with_documents() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let case = common::sealed_case_with_documents(
        tmp.path(),
        &[("现场照片.jpg", "image/jpeg", common::photo())],
        &[("penalty_decision", b"%PDF-1.7 the decision".to_vec())],
    );
    let bag = common::write_bag(&case, &tmp.path().join("bag"));
    Fixture {
        _tmp: tmp,
        bag,
        key: case.key,
    }
}

fn document_path(bag: &Path) -> (PathBuf, String) {
    let p = fs::read_dir(bag.join("data/documents"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let rel = format!(
        "data/documents/{}",
        p.file_name().unwrap().to_string_lossy()
    );
    (p, rel)
}

#[test]
fn documents_the_seal_names_are_on_the_disc_listed_and_valid() {
    let f = with_documents();
    let r = verify(&f);
    assert!(r.is_valid(), "{:?}", r.problems);
    let (p, rel) = document_path(&f.bag);
    assert!(
        rel.starts_with("data/documents/01-penalty_decision-"),
        "{rel}"
    );
    assert_eq!(fs::read(&p).unwrap(), b"%PDF-1.7 the decision");
    let case = fs::read_to_string(f.bag.join("data/case.json")).unwrap();
    assert!(
        case.contains(&rel) && case.contains("\"kind\": \"penalty_decision\""),
        "{case}"
    );
    let index = fs::read_to_string(f.bag.join("index.html")).unwrap();
    assert!(index.contains(&format!("<a href=\"{rel}\">")), "{index}");
    let manifest = fs::read_to_string(f.bag.join("manifest-sha256.txt")).unwrap();
    assert!(manifest.contains(&rel));
}

#[test]
fn a_document_changed_and_manifests_rewritten_is_caught_by_the_sealing_record() {
    let f = with_documents();
    let (p, rel) = document_path(&f.bag);
    fs::write(&p, b"%PDF-1.7 another decision").unwrap();
    rewrite_manifests(&f.bag);
    let got = found(&verify(&f));
    assert!(got.contains(&(rel, Category::Modified)), "{got:?}");
    assert!(got.contains(&(
        "tagmanifest-sha256.txt.minisig".into(),
        Category::SealInvalid
    )));
}

#[test]
fn a_removed_document_is_missing() {
    let f = with_documents();
    let (p, rel) = document_path(&f.bag);
    fs::remove_file(&p).unwrap();
    let got = found(&verify(&f));
    assert!(got.contains(&(rel, Category::Missing)), "{got:?}");
}

#[test]
fn a_planted_document_is_unexpected() {
    let f = with_documents();
    fs::write(f.bag.join("data/documents/02-forged.pdf"), b"%PDF forged").unwrap();
    assert_eq!(
        found(&verify(&f)),
        [("data/documents/02-forged.pdf".into(), Category::Unexpected)]
    );
}

#[test]
fn documents_other_than_the_sealed_ones_are_refused_when_planning() {
    let tmp = tempfile::tempdir().unwrap();
    let mut case = common::sealed_case_with_documents(
        tmp.path(),
        &[],
        &[("penalty_decision", b"%PDF-1.7 the decision".to_vec())],
    );
    case.export.documents[0].pdf = b"%PDF-1.7 rendered otherwise".to_vec();
    let e = casebag::plan(&case.export, &case.key, None, |_| {}).unwrap_err();
    assert!(
        e.to_string()
            .contains("not the one the sealing record names"),
        "{e}"
    );
    case.export.documents.clear();
    let e = casebag::plan(&case.export, &case.key, None, |_| {}).unwrap_err();
    assert!(
        e.to_string().contains("not the 1 the sealing record names"),
        "{e}"
    );
}

/// Recomputes both manifests, as someone covering their tracks would.
fn rewrite_manifests(bag: &Path) {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut files = Vec::new();
    walk(bag, &bag.join("data"), &mut files);
    files.sort();
    let mut manifest = String::new();
    let mut bytes = 0;
    for f in &files {
        let b = fs::read(bag.join(f)).unwrap();
        bytes += b.len();
        manifest.push_str(&format!("{}  {f}\n", sha256(&b)));
    }
    fs::write(bag.join("manifest-sha256.txt"), &manifest).unwrap();
    let info = fs::read_to_string(bag.join("bag-info.txt")).unwrap();
    let info: String = info
        .lines()
        .map(|l| {
            if l.starts_with("Payload-Oxum:") {
                format!("Payload-Oxum: {bytes}.{}\n", files.len())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    fs::write(bag.join("bag-info.txt"), &info).unwrap();
    let mut tags = String::new();
    for name in [
        "README.TXT",
        "bag-info.txt",
        "bagit.txt",
        "index.html",
        "manifest-sha256.txt",
    ] {
        tags.push_str(&format!(
            "{}  {name}\n",
            sha256(&fs::read(bag.join(name)).unwrap())
        ));
    }
    fs::write(bag.join("tagmanifest-sha256.txt"), tags).unwrap();
}
