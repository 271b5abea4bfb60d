//! Controller tests of the check workflow on a real SQLite store.

use chrono::NaiveDate;
use fieldcase_shared::check::ItemResult;
use fieldcase_shared::model::OfficerPair;
use fieldcase_shared::record::{RecordBody, RecordPayload};

use super::*;
use crate::cases::{CaseStatus, Correction};
use crate::core::{AppError, Terminal};
use fieldcase_shared::catalog::Procedure;
use fieldcase_shared::check::LocationSource;

fn officers() -> OfficerPair {
    OfficerPair::new("65010023", "65010031").unwrap()
}

fn assets() -> Assets {
    Assets::embedded().unwrap()
}

fn today() -> NaiveDate {
    Terminal::now().date_naive()
}

fn fields(errs: &[FieldError]) -> Vec<&'static str> {
    errs.iter().map(|e| e.field.name()).collect()
}

fn filled() -> Draft {
    let mut d = Draft::new(&officers(), Terminal::now());
    d.plate = "新A12345".into();
    d.vehicle_kind = "freight".into();
    d.transport_cert = "650102012345".into();
    d.id_number = "11010519491231002X".into();
    d.name = "张三".into();
    d.phone = "13912345678".into();
    d.place = "G30 连霍高速 K3480".into();
    d
}

fn payload(t: &Terminal, seq: u64) -> RecordPayload {
    let all = t.store.all_records().unwrap();
    let r = all.iter().find(|r| r.seq == seq).unwrap();
    serde_json::from_slice(&r.envelope.payload).unwrap()
}

#[test]
fn each_step_names_its_bad_fields_in_both_languages() {
    let a = assets();
    let mut d = Draft::new(&officers(), Terminal::now());
    d.plate = "新A1234".into();
    let e = d.errors(step::VEHICLE, today(), &a);
    assert_eq!(fields(&e), ["plate", "vehicle_kind"]);
    assert!(
        e[0].zh.contains("车牌号") && e[0].en.contains("plate"),
        "{e:?}"
    );
    d.id_number = "110105194912310021".into();
    d.phone = "12345".into();
    let e = d.errors(step::PARTY, today(), &a);
    assert_eq!(fields(&e), ["id_number", "name", "phone"]);
    assert!(e[0].zh.contains("校验位"), "{}", e[0].zh);
    d.party_kind = PartyKind::Organisation;
    d.uscc = "91350100M000100Y44".into();
    let e = d.errors(step::PARTY, today(), &a);
    assert_eq!(fields(&e), ["uscc", "name", "legal_rep", "phone"]);
    d.uscc = "914403001922038216".into();
    d.name = "某物流有限公司".into();
    d.legal_rep = "王五".into();
    d.phone = "0991-1234567".into();
    assert!(d.errors(step::PARTY, today(), &a).is_empty());
    assert_eq!(fields(&d.errors(step::PLACE, today(), &a)), ["place"]);
}

#[test]
fn penalty_must_be_inside_the_tier_and_the_procedure_follows_the_amount() {
    let a = assets();
    let mut d = filled();
    d.outcome = Some(Outcome::Violation);
    assert_eq!(
        fields(&d.errors(step::VIOLATION, today(), &a)),
        ["violation"]
    );
    d.violation = "DLYS-64".into();
    assert_eq!(fields(&d.errors(step::VIOLATION, today(), &a)), ["grade"]);
    d.grade = "轻微".into();
    d.amount = "600".into();
    let e = d.errors(step::VIOLATION, today(), &a);
    assert_eq!(fields(&e), ["amount"]);
    assert!(e[0].zh.contains("200–500"), "{}", e[0].zh);
    d.amount = "200".into();
    assert!(d.errors(step::VIOLATION, today(), &a).is_empty());
    assert_eq!(d.procedure(&a), Some(Procedure::Simple));
    d.amount = "201".into();
    assert_eq!(
        d.procedure(&a),
        Some(Procedure::General),
        "over 200 yuan for a person"
    );
    // 道路运输条例 art. 64 is about drivers: not an organisation.
    d.party_kind = PartyKind::Organisation;
    assert_eq!(d.procedure(&a), None);
    let e = d.errors(step::VIOLATION, today(), &a);
    assert_eq!(fields(&e), ["violation"]);
    assert!(e[0].zh.contains("不适用于法人或者其他组织"), "{}", e[0].zh);
    // An organisation may be fined up to 3,000 on the spot (行政处罚法 art. 51).
    d.violation = "DLYS-69-1".into();
    d.amount = "2000".into();
    assert!(d.errors(step::VIOLATION, today(), &a).is_empty());
    assert_eq!(d.procedure(&a), Some(Procedure::Simple));
    // No-penalty list: every condition must be answered; all yes → no penalty.
    d.violation = "GLAQ-69".into();
    assert_eq!(
        fields(&d.errors(step::VIOLATION, today(), &a)),
        ["no_penalty"]
    );
    d.no_penalty = vec![Some(true); 4];
    d.grade.clear();
    assert!(d.errors(step::VIOLATION, today(), &a).is_empty());
    assert!(d.no_penalty_applies(&a));
    d.no_penalty[2] = Some(false);
    assert_eq!(fields(&d.errors(step::VIOLATION, today(), &a)), ["grade"]);
}

#[test]
fn xzqzf_art_18_24_a_measure_the_article_allows_is_recorded_in_the_decision() {
    use fieldcase_shared::catalog::MeasureKind;
    let a = assets();
    let mut d = filled();
    d.outcome = Some(Outcome::Violation);
    d.violation = "GLAQ-67".into();
    d.grade = "轻微".into();
    d.amount = "100".into();
    assert!(d.errors(step::VIOLATION, today(), &a).is_empty());
    let needs = d.needs(&a).unwrap();
    assert!(!needs.compulsory);
    assert_eq!(needs.procedure, Procedure::Simple);
    // Detaining the vehicle: the general procedure (行政处罚法 art. 51)
    // and 行政强制法 art. 18 and 24.
    d.apply(Edit::parse("measure:detain_vehicle", "yes").unwrap());
    let needs = d.needs(&a).unwrap();
    assert!(needs.compulsory);
    assert_eq!(needs.procedure, Procedure::General);
    let cited: Vec<u32> = needs
        .reasons
        .iter()
        .filter(|r| r.basis.law.contains("行政强制法"))
        .map(|r| r.basis.article)
        .collect();
    assert_eq!(cited, [18, 24]);
    let dec = d.findings(&a).decision.unwrap();
    assert_eq!(dec.measures, [MeasureKind::DetainVehicle]);
    // Another entry's article allows none: the choice made earlier is not
    // carried into its decision.
    d.violation = "DLYS-64".into();
    d.grade = "一般".into();
    d.amount = "800".into();
    assert!(d.findings(&a).decision.unwrap().measures.is_empty());
    d.violation = "GLAQ-67".into();
    d.apply(Edit::parse("measure:detain_vehicle", "no").unwrap());
    assert!(d.findings(&a).decision.unwrap().measures.is_empty());
    assert!(Edit::parse("measure:confiscate_car", "yes").is_none());
}

#[test]
fn dlys_art_63_gains_are_entered_and_set_the_lawful_fine() {
    let a = assets();
    let mut d = filled();
    d.outcome = Some(Outcome::Violation);
    d.violation = "DLYS-63-1".into();
    d.grade = "一般".into();
    d.amount = "6000".into();
    assert_eq!(fields(&d.errors(step::VIOLATION, today(), &a)), ["gains"]);
    // 15,000 of gains: 1–5 times, 15,000–75,000; 3,000 is refused.
    d.gains = "15000".into();
    d.amount = "3000".into();
    let e = d.errors(step::VIOLATION, today(), &a);
    assert_eq!(fields(&e), ["amount"]);
    assert!(e[0].zh.contains("15000–75000"), "{}", e[0].zh);
    d.amount = "75000".into();
    assert!(d.errors(step::VIOLATION, today(), &a).is_empty());
    let needs = d.needs(&a).unwrap();
    assert_eq!(needs.procedure, Procedure::General);
    let f = d.findings(&a);
    let dec = f.decision.unwrap();
    assert_eq!(dec.gains_yuan, Some(15_000));
    assert_eq!(
        dec.sanctions,
        [fieldcase_shared::catalog::SanctionKind::ConfiscateGains]
    );
    assert!(dec.basis.ends_with("第六十三条第（一）项"), "{}", dec.basis);
    // Overweight: the excess is entered and fixes the penalty.
    d.violation = "GLAQ-64-W".into();
    d.grade = "一般".into();
    d.gains.clear();
    d.amount = "1500".into();
    assert_eq!(
        fields(&d.errors(step::VIOLATION, today(), &a)),
        ["excess_kg"]
    );
    d.excess_kg = "3000".into();
    assert!(d.errors(step::VIOLATION, today(), &a).is_empty());
    d.excess_kg = "5000".into();
    assert_eq!(fields(&d.errors(step::VIOLATION, today(), &a)), ["amount"]);
}

#[test]
fn the_whole_check_is_saved_as_typed_opened_signed_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    let a = assets();
    let t = Terminal::open(dir.path()).unwrap();
    let mut d = filled();
    d.plate = "新A1234".into();
    t.drafts().save(&d).unwrap();
    // A reopened terminal finds the draft exactly as typed.
    drop(t);
    let t = Terminal::open(dir.path()).unwrap();
    assert_eq!(t.drafts().list().unwrap(), [d.clone()]);
    // Opening refuses the bad plate and names the step.
    match t.drafts().open(&officers(), &mut d, Terminal::now(), &a) {
        Err(StepError::Invalid { step, errs }) => {
            assert_eq!((step, fields(&errs)), (step::VEHICLE, vec!["plate"]))
        }
        other => panic!("{other:?}"),
    }
    assert!(t.store.all_records().unwrap().is_empty());
    d.plate = "新A12345".into();
    t.drafts()
        .open(&officers(), &mut d, Terminal::now(), &a)
        .unwrap();
    let case_no = d.case_no.clone().unwrap();
    assert!(case_no.ends_with("00001号"), "{case_no}");
    let RecordBody::CaseOpened(opened) = payload(&t, 1).body else {
        panic!("not opened")
    };
    let details = opened.details.unwrap();
    assert_eq!(details.vehicle_kind, "freight");
    assert_eq!(details.location.unwrap().source, LocationSource::Typed);
    assert!(
        t.drafts().discard(&d).is_err(),
        "an opened case cannot be discarded"
    );

    // Closing refuses while steps are incomplete.
    match t.drafts().close(&officers(), &d, today(), &a) {
        Err(StepError::Invalid { step, .. }) => assert_eq!(step, step::CHECKLIST),
        other => panic!("{other:?}"),
    }
    for item in &a.checklists.get("freight").unwrap().items {
        d.checklist.insert(item.id.clone(), ItemResult::Ok);
    }
    d.checklist
        .insert("load_limits".into(), ItemResult::Problem);
    d.outcome = Some(Outcome::Violation);
    d.violation = "DLYS-64".into();
    d.grade = "一般".into();
    d.amount = "800".into();
    d.statement = "我对检查结果无异议".into();
    let stroke = vec![vec![(10.0, 10.0), (80.0, 60.0)]];
    let case = d.case_id.unwrap();
    for (i, who) in [Signer::OfficerA, Signer::OfficerB].into_iter().enumerate() {
        let strokes = vec![vec![(10.0, 10.0 + i as f32 * 20.0), (80.0, 60.0)]];
        let sha = t
            .evidence()
            .add_signature(&officers(), &case, who, &strokes)
            .unwrap();
        d.signatures.insert(who, sha);
    }
    assert!(t
        .evidence()
        .add_signature(&officers(), &case, Signer::Party, &[])
        .is_err());
    d.party_refused = true;
    // 行政处罚法 art. 55: the credentials shown is confirmed at every check.
    match t.drafts().close(&officers(), &d, today(), &a) {
        Err(StepError::Invalid { step, errs }) => {
            assert!(errs[0].zh.contains("第五十五条"), "{:?}", errs[0]);
            assert_eq!(
                (step, fields(&errs)),
                (step::STATEMENT, vec!["told", "witness"])
            )
        }
        other => panic!("{other:?}"),
    }
    d.apply(Edit::parse("told:credentials", "yes").unwrap());
    d.witness_name = "李四".into();
    // The witness's 身份证号 is checked like the party's (check digit).
    d.witness_id = "650102199001011234".into();
    match t.drafts().close(&officers(), &d, today(), &a) {
        Err(StepError::Invalid { step, errs }) => {
            assert_eq!((step, fields(&errs)), (step::STATEMENT, vec!["witness"]))
        }
        other => panic!("{other:?}"),
    }
    d.witness_id = "650102199001011239".into();
    t.drafts().save(&d).unwrap();
    let seq = t.drafts().close(&officers(), &d, today(), &a).unwrap();
    let RecordBody::CaseClosed(closed) = payload(&t, seq).body else {
        panic!("not closed")
    };
    let f = closed.findings.unwrap();
    assert_eq!(f.outcome, "violation");
    let dec = f.decision.unwrap();
    assert_eq!((dec.amount_yuan, dec.procedure.as_str()), (800, "general"));
    // A general-procedure case: the 告知 comes later, by notice (art. 44
    // items are not confirmed at the roadside).
    let told: Vec<_> = f.told.iter().map(|t| t.item.as_str()).collect();
    assert_eq!(told, ["credentials"]);
    assert_eq!(
        f.checklist.len(),
        a.checklists.get("freight").unwrap().items.len()
    );
    assert!(f
        .signatures
        .iter()
        .any(|s| s.refused && s.witness.is_some()));
    assert_eq!(closed.evidence_count, 2, "two signature images");
    assert!(
        t.drafts().list().unwrap().is_empty(),
        "draft removed after closing"
    );
    assert_eq!(t.cases().find(&case_no).unwrap().status, CaseStatus::Closed);

    // A closed case is read-only; a correction is a new record.
    let ev = t
        .evidence()
        .add_signature(&officers(), &case, Signer::Party, &stroke);
    assert!(matches!(ev, Err(AppError::Closed(_))));
    let mut fix = Correction {
        field: "party.name".into(),
        old: "张三".into(),
        new: "张叁".into(),
        reason: " ".into(),
    };
    assert!(t.cases().correct(&officers(), &case, &fix).is_err());
    fix.reason = "身份证上为“叁”".into();
    let c = t.cases().correct(&officers(), &case, &fix).unwrap();
    let RecordBody::CaseCorrected(corr) = payload(&t, c).body else {
        panic!("not a correction")
    };
    assert_eq!((corr.supersedes_seq, corr.new.as_str()), (1, "张叁"));
    assert!(t.verify_chain().unwrap().problems.is_empty());

    // The disc keeps the decision made in the window (its opening record
    // names no violation): case.json and index.html state it.
    let bag = dir.path().join("bag");
    t.cases().export_bag(&case_no, &bag, |_| {}).unwrap();
    let case: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bag.join("data/case.json")).unwrap()).unwrap();
    let decision = &case["findings"]["decision"];
    assert_eq!(decision["code"], "DLYS-64", "{case:#}");
    assert_eq!(decision["amount_yuan"], 800);
    let index = std::fs::read_to_string(bag.join("index.html")).unwrap();
    assert!(
        index.contains("无从业资格") || index.contains(decision["title"].as_str().unwrap()),
        "{index}"
    );
    assert!(
        index.contains("罚款 800 元") && !index.contains("违法行为 Violation</th><td>—"),
        "{index}"
    );
    let report =
        fieldcase_shared::casebag::verify(&[bag.as_path()], &[t.public_key()], |_| {}).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
}

#[test]
fn xzcff_art_44_an_on_the_spot_decision_needs_the_facts_and_rights_told() {
    let a = assets();
    let mut d = filled();
    d.outcome = Some(Outcome::Violation);
    d.violation = "DLYS-64".into();
    d.grade = "轻微".into();
    d.amount = "200".into();
    assert_eq!(d.procedure(&a), Some(Procedure::Simple));
    let ids: Vec<_> = d.told_required(&a).iter().map(|i| i.id.clone()).collect();
    assert_eq!(ids, ["credentials", "facts", "rights"]);
    let told = |d: &Draft| {
        d.errors(step::STATEMENT, today(), &a)
            .into_iter()
            .filter(|e| e.field == Field::Told)
            .map(|e| e.zh)
            .collect::<Vec<_>>()
    };
    let errs = told(&d);
    assert_eq!(errs.len(), 3);
    assert!(errs[1].contains("第四十四条"), "{}", errs[1]);
    for id in ["credentials", "facts", "rights"] {
        d.apply(Edit::parse(&format!("told:{id}"), "yes").unwrap());
    }
    assert!(told(&d).is_empty());
    let f = d.findings(&a);
    assert_eq!(f.told.len(), 3);
    assert!(f.told[1].basis.contains("第四十四条"));
    // Unticked again: required again.
    d.apply(Edit::parse("told:facts", "no").unwrap());
    assert_eq!(told(&d).len(), 1);
}

#[test]
fn xzcff_art_36_no_penalty_for_a_violation_not_discovered_within_two_or_five_years() {
    let a = assets();
    let mut d = filled();
    d.outcome = Some(Outcome::Violation);
    d.violation = "DLYS-64".into();
    d.grade = "轻微".into();
    d.amount = "200".into();
    let ended = |d: &Draft| {
        d.errors(step::VIOLATION, today(), &a)
            .into_iter()
            .filter(|e| e.field == Field::ViolationEnded)
            .map(|e| e.zh)
            .collect::<Vec<_>>()
    };
    // Empty: the day of the check, recorded in the decision.
    assert!(ended(&d).is_empty());
    let check_day = d.violation_ended_on().unwrap();
    let decision = d.findings(&a).decision.unwrap();
    assert_eq!(decision.ended_on, Some(check_day));
    // Two years to the day still counts; a day more does not.
    let two_years = check_day
        .checked_sub_months(chrono::Months::new(24))
        .unwrap();
    d.apply(Edit::parse("violation_ended", &two_years.to_string()).unwrap());
    assert!(ended(&d).is_empty(), "{:?}", ended(&d));
    let older = two_years - chrono::Days::new(1);
    d.apply(Edit::parse("violation_ended", &older.to_string()).unwrap());
    let e = ended(&d);
    assert!(e.len() == 1 && e[0].contains("第三十六条"), "{e:?}");
    // Where life, health or safety is concerned with harm: five years,
    // carried into the signed decision.
    d.apply(Edit::parse("life_or_health", "yes").unwrap());
    assert!(ended(&d).is_empty(), "{:?}", ended(&d));
    assert!(d.findings(&a).decision.unwrap().life_or_health);
    let five = check_day
        .checked_sub_months(chrono::Months::new(60))
        .unwrap()
        - chrono::Days::new(1);
    d.apply(Edit::parse("violation_ended", &five.to_string()).unwrap());
    let e = ended(&d);
    assert!(e.len() == 1 && e[0].contains("五年"), "{e:?}");
    d.apply(Edit::parse("life_or_health", "no").unwrap());
    // Not after the check, and a date.
    let later = check_day + chrono::Days::new(1);
    d.apply(Edit::parse("violation_ended", &later.to_string()).unwrap());
    assert!(ended(&d)[0].contains("不能晚于"));
    d.apply(Edit::parse("violation_ended", "2026/12/01").unwrap());
    assert!(ended(&d)[0].contains("日期格式"));
}
