//! Bundles built at the bureau: records of a terminal and of staff, each
//! signer certified by the agency key, the bag sealed by it. Trusting the
//! agency key (`--ca`) verifies every signer through its certificate; a
//! seal by any other key, a certificate the agency did not sign and a
//! sealing record by someone who is not an archivist are each reported.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::Path;

use chrono::{DateTime, Utc};
use fieldcase_shared::bag::Category;
use fieldcase_shared::casebag::{self, ChainFile, OtherSigner, Report, Trust};
use fieldcase_shared::cert::DeviceCert;
use fieldcase_shared::chain::{self, Head, Link};
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::model::CaseSealed;
use fieldcase_shared::record::{self, RecordBody, RecordPayload};
use fieldcase_shared::staff::Role;
use uuid::Uuid;

mod common;

fn agency() -> DeviceKey {
    DeviceKey::from_seed([51; 32])
}

fn cert(issuer: &DeviceKey, key: &DeviceKey, officer: &str, roles: &[Role]) -> Vec<u8> {
    let c = DeviceCert {
        v: 1,
        device: key.public().device_id(),
        public_key: key.public(),
        name: officer.to_uppercase(),
        officer: officer.into(),
        issued_at: DateTime::parse_from_rfc3339("2026-11-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
        issuer: issuer.public(),
        roles: roles.to_vec(),
    };
    c.sign(issuer).to_json()
}

/// The terminal's sealed case, archived by a staff member holding `roles`
/// (certified by `issuer`): the staff member's `case_sealed` names every
/// terminal record.
fn bureau_case(dir: &Path, roles: &[Role], issuer: &DeviceKey) -> common::Case {
    let mut case = common::sealed_case(dir, &[("现场照片.jpg", "image/jpeg", common::photo())]);
    let staff = DeviceKey::from_seed([41; 32]);
    let sid = staff.public().device_id();
    let records: Vec<_> = case.export.records.iter().map(|e| e.digest()).collect();
    let p = RecordPayload::new(
        sid,
        1,
        chain::genesis(&sid),
        DateTime::parse_from_rfc3339("2026-12-01T10:00:00+08:00").unwrap(),
        vec![],
        RecordBody::CaseSealed(CaseSealed {
            case_id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0007),
            case_no: common::CASE_NO.into(),
            bundle_id: Uuid::from_u128(0xb0b),
            records,
            documents: vec![],
            agency: String::new(),
            tools: Vec::new(),
            sm2_key: String::new(),
        }),
    );
    let s = record::seal(&staff, &p);
    case.export.records.push(s.envelope);
    case.export.others.push(OtherSigner {
        key: staff.public(),
        chain: ChainFile {
            device: sid,
            start: Head::genesis(&sid),
            links: vec![Link {
                seq: 1,
                digest: s.digest,
                chain: s.chain,
            }],
        },
        certificate: Some(cert(issuer, &staff, "dang", roles)),
    });
    case.export.certificate = Some(cert(issuer, &case.key, "65010023", &[]));
    case
}

fn write(case: &common::Case, sealer: &DeviceKey, out: &Path) {
    let discs = casebag::plan(&case.export, sealer, None, |_| {}).unwrap();
    discs[0].write_dir(out, |_| {}).unwrap();
}

fn verify_ca(bag: &Path) -> Report {
    let trust = Trust {
        keys: vec![],
        agencies: vec![agency().public()],
    };
    casebag::verify_trusting(&[bag], &trust, |_| {}).unwrap()
}

fn has(r: &Report, category: Category, path_part: &str) -> bool {
    r.problems
        .iter()
        .any(|p| p.category == category && p.path.contains(path_part))
}

#[test]
fn a_bureau_bundle_verifies_with_the_agency_key_and_every_signer_is_certified() {
    let tmp = tempfile::tempdir().unwrap();
    let case = bureau_case(tmp.path(), &[Role::Archivist], &agency());
    let bag = tmp.path().join("bag");
    write(&case, &agency(), &bag);
    let r = verify_ca(&bag);
    assert!(r.is_valid(), "{:#?}", r.problems);
    assert_eq!(r.signers.len(), 2);
    assert!(r.signers.iter().all(|s| s.certified.is_some()));
    assert!(bag.join("data/certs").is_dir() && bag.join("data/chains").is_dir());
    assert!(!bag.join("data/chain.json").exists());
    // Every key given as such works too (`--key` for each signer and the seal).
    let keys = [
        case.key.public(),
        DeviceKey::from_seed([41; 32]).public(),
        agency().public(),
    ];
    let r = casebag::verify(&[bag.as_path()], &keys, |_| {}).unwrap();
    assert!(r.is_valid(), "{:#?}", r.problems);
    // The terminal's key alone does not vouch for the archivist's record.
    let r = casebag::verify(&[bag.as_path()], &[case.key.public()], |_| {}).unwrap();
    assert!(
        has(&r, Category::UnknownKey, "data/records/"),
        "{:#?}",
        r.problems
    );
}

#[test]
fn a_bureau_bundle_sealed_by_a_certified_staff_key_is_not_sealed_by_the_agency() {
    let tmp = tempfile::tempdir().unwrap();
    let case = bureau_case(tmp.path(), &[Role::Archivist], &agency());
    let bag = tmp.path().join("bag");
    write(&case, &DeviceKey::from_seed([41; 32]), &bag);
    let r = verify_ca(&bag);
    assert!(
        has(&r, Category::SealInvalid, "minisig"),
        "{:#?}",
        r.problems
    );
    assert!(r.sealed.is_none());
}

#[test]
fn a_certificate_the_agency_did_not_sign_trusts_nobody() {
    let tmp = tempfile::tempdir().unwrap();
    let case = bureau_case(
        tmp.path(),
        &[Role::Archivist],
        &DeviceKey::from_seed([52; 32]),
    );
    let bag = tmp.path().join("bag");
    write(&case, &agency(), &bag);
    let r = verify_ca(&bag);
    assert!(
        has(&r, Category::CertInvalid, "data/certs/"),
        "{:#?}",
        r.problems
    );
    assert!(
        has(&r, Category::UnknownKey, "data/records/"),
        "{:#?}",
        r.problems
    );
    // A certificate copied under another signer's name is refused too.
    let g = tmp.path().join("g");
    std::fs::create_dir(&g).unwrap();
    let good = bureau_case(&g, &[Role::Archivist], &agency());
    let bag = tmp.path().join("bag2");
    write(&good, &agency(), &bag);
    let certs: Vec<_> = std::fs::read_dir(bag.join("data/certs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    std::fs::copy(&certs[0], &certs[1]).unwrap();
    let env = Envelope::from_json(&std::fs::read(&certs[1]).unwrap()).unwrap();
    assert!(DeviceCert::open(&env, &agency().public()).is_ok());
    let r = verify_ca(&bag);
    assert!(
        has(&r, Category::CertInvalid, "data/certs/"),
        "{:#?}",
        r.problems
    );
}

#[test]
fn a_sealing_record_by_a_staff_member_who_is_not_an_archivist_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let case = bureau_case(tmp.path(), &[Role::Reviewer], &agency());
    let bag = tmp.path().join("bag");
    write(&case, &agency(), &bag);
    let r = verify_ca(&bag);
    assert!(
        has(&r, Category::CertInvalid, "data/records/"),
        "{:#?}",
        r.problems
    );
    assert_eq!(r.problem_count, 1, "{:#?}", r.problems);
}
