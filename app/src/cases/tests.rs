//! The case archive on a real SQLite store: one way to open, close and
//! correct; numbers never reused; history decoded.

use fieldcase_shared::check::Findings;
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::model::{CheckDetails, OfficerPair, Party, Vehicle};

use super::*;

fn officers() -> OfficerPair {
    OfficerPair::new("65010023", "65010031").unwrap()
}

fn opening() -> OpenCase {
    OpenCase {
        occurred_at: Terminal::now(),
        place: "G30 连霍高速 K3480".into(),
        vehicle: Vehicle {
            plate: "新A12345".into(),
        },
        party: Party::Person {
            id_number: "11010519491231002X".into(),
            name: "张三".into(),
        },
        details: CheckDetails::default(),
    }
}

fn findings() -> Findings {
    Findings {
        told: vec![],
        vehicle_kind: "freight".into(),
        checklist: vec![],
        outcome: "no_violation".into(),
        decision: None,
        statement: String::new(),
        signatures: vec![],
    }
}

#[test]
fn opening_allocates_numbers_and_chains() {
    let t = Terminal::in_memory(DeviceKey::from_seed([5; 32])).unwrap();
    let a = t
        .cases()
        .open(&officers(), opening(), Terminal::now())
        .unwrap();
    let b = t
        .cases()
        .open(&officers(), opening(), Terminal::now())
        .unwrap();
    assert_ne!(a.case_no, b.case_no);
    assert!(a.case_no.ends_with("00001号"), "{}", a.case_no);
    assert_eq!((a.seq, b.seq), (1, 2));
    let check = t.verify_chain().unwrap();
    assert!(check.problems.is_empty());
    assert_eq!(check.head.seq, 2);
    assert_eq!(t.store.unsynced_count().unwrap(), 2);
    let cases = t.cases().list("", 10).unwrap();
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0].case_no, b.case_no, "newest first");
    assert_eq!(cases[0].status, CaseStatus::Open);
    assert_eq!(t.cases().get(&a.case_id).unwrap().case_no, a.case_no);
}

#[test]
fn a_closed_case_is_read_only_and_its_history_is_typed() {
    let t = Terminal::in_memory(DeviceKey::from_seed([5; 32])).unwrap();
    let a = t
        .cases()
        .open(&officers(), opening(), Terminal::now())
        .unwrap();
    t.cases()
        .close(&officers(), &a.case_id, findings())
        .unwrap();
    let e = t
        .cases()
        .close(&officers(), &a.case_id, findings())
        .unwrap_err();
    assert!(matches!(e, AppError::Closed(_)));
    assert!(matches!(
        t.cases().require_open(&a.case_id),
        Err(AppError::Closed(_))
    ));
    let fix = Correction {
        field: "party.name".into(),
        old: "张三".into(),
        new: "张叁".into(),
        reason: "证件为“叁”".into(),
    };
    t.cases().correct(&officers(), &a.case_id, &fix).unwrap();
    let d = t.cases().detail(&a.case_id).unwrap();
    assert!(matches!(d.events[0].what, Event::Opened(_)));
    assert!(matches!(d.events[1].what, Event::Closed(Some(_))));
    assert_eq!(d.findings().unwrap().outcome, "no_violation");
    assert_eq!(d.corrections().next().unwrap().new, "张叁");
    assert!(matches!(
        t.cases().find("乌交执〔1999〕00001号"),
        Err(AppError::NoCase(_))
    ));
}

#[test]
fn a_return_from_the_review_reopens_a_closed_case_until_its_correction() {
    let t = Terminal::in_memory(DeviceKey::from_seed([5; 32])).unwrap();
    let open = t
        .cases()
        .open(&officers(), opening(), Terminal::now())
        .unwrap();
    let other = t
        .cases()
        .open(&officers(), opening(), Terminal::now())
        .unwrap();
    t.cases()
        .close(&officers(), &open.case_id, findings())
        .unwrap();
    let returned = fieldcase_shared::hash::sha256(b"the reviewer's signed return");
    let message = |id: u64, case_id: uuid::Uuid| fieldcase_shared::wire::Message {
        id,
        kind: "case_returned".into(),
        case_no: None,
        text: "当事人姓名有误".into(),
        created_at: chrono::Utc::now(),
        case_id: Some(case_id),
        record: Some(returned),
    };
    // A return of a case still open on the terminal changes nothing.
    t.store
        .store_messages(&[message(1, open.case_id), message(2, other.case_id)])
        .unwrap();
    let row = t.cases().get(&open.case_id).unwrap();
    assert_eq!(row.status, CaseStatus::Returned);
    assert_eq!(row.returned.as_ref().unwrap().reason, "当事人姓名有误");
    assert_eq!(
        t.cases().get(&other.case_id).unwrap().status,
        CaseStatus::Open
    );
    // Still read-only: only a correction answers it.
    assert!(matches!(
        t.cases().require_open(&open.case_id),
        Err(AppError::Closed(_))
    ));
    let fix = Correction {
        field: "party.name".into(),
        old: "张三".into(),
        new: "张叁".into(),
        reason: "核对证件".into(),
    };
    t.cases().correct(&officers(), &open.case_id, &fix).unwrap();
    let d = t.cases().detail(&open.case_id).unwrap();
    assert_eq!(d.corrections().next().unwrap().in_reply_to, Some(returned));
    assert_eq!(d.row.status, CaseStatus::Closed);
    assert!(d.row.returned.is_none());
    // The same message again (a repeated answer) does not reopen it.
    t.store.store_messages(&[message(1, open.case_id)]).unwrap();
    assert_eq!(
        t.cases().get(&open.case_id).unwrap().status,
        CaseStatus::Closed
    );
}

#[test]
fn the_bag_carries_the_documents_the_seal_names_the_same_after_the_agency_changes() {
    let (dir, t, row) = crate::testkit::decided(Some(crate::testkit::decision(50, "simple")));
    let agency = "乌鲁木齐市交通运输综合行政执法支队";
    t.store
        .set_setting(crate::papers::AGENCY_SETTING, agency)
        .unwrap();
    let bag = dir.path().join("bag");
    t.cases().export_bag(&row.case_no, &bag, |_| {}).unwrap();
    let case: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bag.join("data/case.json")).unwrap()).unwrap();
    let docs = case["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 1, "{case:#}");
    assert_eq!(docs[0]["kind"], "on_the_spot_decision");
    let closing = t.store.case_records(&row.case_id).unwrap()[1].digest;
    assert_eq!(
        docs[0]["record"],
        closing.to_hex(),
        "filled from the decision"
    );
    let path = docs[0]["path"].as_str().unwrap();
    let first = std::fs::read(bag.join(path)).unwrap();
    assert!(first.starts_with(b"%PDF-"));
    let report =
        fieldcase_shared::casebag::verify(&[bag.as_path()], &[t.public_key()], |_| {}).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    // The seal keeps the name the documents were made with.
    t.store
        .set_setting(crate::papers::AGENCY_SETTING, "另一个执法机关")
        .unwrap();
    let again = dir.path().join("bag2");
    t.cases().export_bag(&row.case_no, &again, |_| {}).unwrap();
    assert_eq!(std::fs::read(again.join(path)).unwrap(), first);
}
