//! The pre-review on case files built record by record: a complete one
//! has no finding; each defect a rule names is found, and only by it.

use chrono::{DateTime, FixedOffset, NaiveDate};
use uuid::Uuid;

use super::*;
use crate::check::{Decision, Findings};
use crate::keys::DeviceKey;
use crate::model::CaseClosed;
use crate::procedure::acts::{ClosingReport, Decision as Paper59, Filing, Notice, ProcedureAct};
use crate::procedure::{replay, Taken};
use crate::procedure::{ServiceMethod, ServiceNote};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

struct File {
    id: Uuid,
    records: Vec<(Digest, RecordPayload)>,
}

impl File {
    fn add(&mut self, when: &str, body: RecordBody) {
        let device = DeviceKey::generate().public().device_id();
        let seq = self.records.len() as u64 + 1;
        let officers = vec!["65010023".into(), "65010031".into()];
        let p = RecordPayload::new(device, seq, Digest([0; 32]), at(when), officers, body);
        let digest = crate::hash::sha256(&serde_json::to_vec(&p).unwrap());
        self.records.push((digest, p));
    }

    fn act(&mut self, when: &str, step: Step, paper: Option<Paper>) {
        let on = at(when).date_naive();
        let body = RecordBody::ProcedureAct(ProcedureAct {
            case_id: self.id,
            case_no: "新交执〔2026〕7号".into(),
            basis: step.basis(Track::General),
            taken: Taken::on(step, on, vec!["65010023".into(), "65010031".into()]),
            paper,
        });
        self.add(when, body);
    }

    fn review(&self, today: &str, missing: Vec<Digest>) -> Vec<Finding> {
        let refs: Vec<_> = self.records.iter().map(|(d, p)| (*d, p)).collect();
        let deadlines = Deadlines::shipped().unwrap();
        let r = replay(&refs, Calendar::builtin(), &deadlines, Region::National);
        let catalog = Catalog::parse(
            include_str!("../../../assets/catalog/violations.json"),
            "violations.json",
        )
        .unwrap();
        review(
            &ReviewRules::shipped().unwrap(),
            &CaseFile {
                records: &self.records,
                replay: &r,
                unverified: Vec::new(),
                missing_evidence: missing,
                catalog: &catalog,
                calendar: Calendar::builtin(),
                deadlines: &deadlines,
                region: Region::National,
                today: day(today),
            },
        )
    }
}

/// A handed-over DLYS-66 case (fine 2,000–10,000 yuan, 一般 4,001–6,000).
fn handed_over(with_interview: bool) -> File {
    let mut f = File {
        id: Uuid::now_v7(),
        records: vec![],
    };
    if with_interview {
        let interview: crate::investigation::Interview =
            serde_json::from_value(serde_json::json!({
                "case_id": f.id, "case_no": "新交执〔2026〕7号",
                "started_at": "2026-11-02T10:00:00+08:00", "ended_at": "2026-11-02T10:30:00+08:00",
                "place": "G30 检查站", "person": {"name": "张三", "relation": "party"},
                "exchanges": [{"q": "问", "a": "答"}],
                "receipt": {"by": "signed", "signature": "00".repeat(32)},
                "basis": "《中华人民共和国行政处罚法》（2021年修订）第五十五条"
            }))
            .unwrap_or_else(|e| panic!("{e}"));
        f.add(
            "2026-11-02T10:31:00+08:00",
            RecordBody::InterviewRecorded(interview),
        );
    }
    let decision = Decision {
        code: "DLYS-66".into(),
        title: "t".into(),
        basis: "《道路运输条例》第六十六条".into(),
        grade: "一般".into(),
        penalty: "fine".into(),
        amount_yuan: 5000,
        procedure: "general".into(),
        no_penalty_answers: vec![],
        gains_yuan: None,
        excess_kg: None,
        sanctions: vec![],
        orders: vec![],
        measures: vec![],
        hearing_right: false,
        legal_review: false,
        ended_on: Some(day("2026-11-02")),
        life_or_health: false,
    };
    f.add(
        "2026-11-02T11:00:00+08:00",
        RecordBody::CaseClosed(CaseClosed {
            case_id: f.id,
            case_no: "新交执〔2026〕7号".into(),
            evidence_count: 0,
            records: vec![],
            findings: Some(Findings {
                vehicle_kind: "truck".into(),
                checklist: vec![],
                outcome: "violation".into(),
                decision: Some(decision),
                statement: String::new(),
                signatures: vec![],
                told: vec![],
            }),
        }),
    );
    f
}

fn decided(f: &mut File, fine: u64, basis: &str) {
    f.act(
        "2026-11-03T09:00:00+08:00",
        Step::Filed {
            approved_by: "王局长".into(),
        },
        Some(Paper::Filing(Filing {
            source: "路检路查".into(),
            facts: "f".into(),
            opinion: "o".into(),
            approval: "同意".into(),
        })),
    );
    f.act(
        "2026-11-04T09:00:00+08:00",
        Step::NoticeServed {
            hearing_offered: false,
        },
        Some(Paper::Notice(Notice {
            facts: "f".into(),
            basis: basis.into(),
            proposed: "罚款".into(),
            respond_by: day("2026-11-09"),
            hearing_by: None,
            contact: "c".into(),
        })),
    );
    f.act(
        "2026-11-04T10:00:00+08:00",
        Step::StatementHeard { closed: true },
        None,
    );
    f.act(
        "2026-11-05T09:00:00+08:00",
        Step::Decided,
        Some(Paper::Decision(Paper59 {
            address: "a".into(),
            facts: "f".into(),
            evidence: vec!["e".into()],
            basis: basis.into(),
            penalty: format!("罚款{fine}元"),
            fine_yuan: fine,
            performance: "p".into(),
        })),
    );
}

fn served_and_closed(f: &mut File, served: &str) {
    f.act(
        served,
        Step::Served,
        Some(Paper::ServiceReceipt(ServiceNote {
            document: "行政处罚决定书".into(),
            method: ServiceMethod::Direct,
            recipient: "张三".into(),
            served_at: at(served),
            place: "p".into(),
            detail: "当场签收".into(),
        })),
    );
    f.act("2026-11-20T09:00:00+08:00", Step::Paid, None);
    f.act(
        "2026-11-20T10:00:00+08:00",
        Step::Closed,
        Some(Paper::ClosingReport(ClosingReport {
            outcome: "o".into(),
            execution: "e".into(),
        })),
    );
    f.act(
        "2026-11-09T11:00:00+08:00",
        Step::PublicationWithheld,
        Some(Paper::Withholding(crate::procedure::acts::Withholding {
            reason: crate::publication::WithholdReason::Privacy,
            note: "涉及个人隐私".into(),
        })),
    );
}

fn rules_of(found: &[Finding]) -> Vec<&'static str> {
    found.iter().map(|f| f.rule.id()).collect()
}

#[test]
fn a_complete_file_has_no_finding() {
    let mut f = handed_over(true);
    decided(&mut f, 5000, "《道路运输条例》第六十六条");
    served_and_closed(&mut f, "2026-11-06T09:00:00+08:00");
    let found = f.review("2026-12-07", vec![]);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn each_defect_is_named_by_its_rule() {
    // No interview, a fine above the tier chosen, a basis without its
    // article, served after the 7 days (art. 61), evidence not uploaded.
    let mut f = handed_over(false);
    decided(&mut f, 7000, "《道路运输条例》");
    served_and_closed(&mut f, "2026-11-20T08:00:00+08:00");
    let found = f.review("2026-12-07", vec![Digest([7; 32])]);
    let rules = rules_of(&found);
    for want in [
        "documents",
        "deadlines",
        "evidence",
        "penalty_tier",
        "basis_precise",
    ] {
        assert!(rules.contains(&want), "{want}: {found:#?}");
    }
    let doc = found.iter().find(|x| x.rule == RuleId::Documents).unwrap();
    assert!(doc.zh.contains("询问笔录或现场笔录"), "{}", doc.zh);
    let tier = found
        .iter()
        .find(|x| x.rule == RuleId::PenaltyTier)
        .unwrap();
    assert!(tier.zh.contains("4001–6000"), "{}", tier.zh);
    assert!(
        found.iter().any(|x| x.rule == RuleId::Deadlines
            && x.zh.contains("送达")
            && x.zh.contains("实际 2026-11-20")),
        "{found:#?}"
    );
}

#[test]
fn a_decision_left_unserved_past_its_period_is_found_and_not_before() {
    let mut f = handed_over(true);
    decided(&mut f, 5000, "《道路运输条例》第六十六条");
    // Decided Thursday 5 Nov: 7 working days to Monday 16 Nov.
    assert!(!rules_of(&f.review("2026-11-10", vec![])).contains(&"service"));
    let found = f.review("2026-12-07", vec![]);
    assert!(rules_of(&found).contains(&"service"), "{found:?}");
    assert!(rules_of(&found).contains(&"deadlines"), "{found:?}");
}

#[test]
fn the_shipped_rules_load_and_bad_ones_are_named() {
    let r = ReviewRules::shipped().unwrap();
    assert_eq!(r.rules.len(), RuleId::ALL.len());
    let shipped = include_str!("../../../assets/review/case_file.json");
    for (from, to, entry) in [
        (
            "\"severity\": \"minor\"",
            "\"severity\": \"low\"",
            "basis_precise",
        ),
        ("\"form\": \"filing\"", "\"form\": \"filling\"", "documents"),
        ("{\"id\": \"evidence\"", "{\"id\": \"service\"", "rules"),
        ("\"article\": 34", "\"article\": 0", "penalty_tier"),
    ] {
        assert!(shipped.contains(from), "{from}");
        let e = ReviewRules::parse(&shipped.replacen(from, to, 1), "f.json").unwrap_err();
        assert_eq!(e.entry, entry, "{from}: {e}");
    }
}
