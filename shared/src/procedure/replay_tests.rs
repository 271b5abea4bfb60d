//! The procedure read from signed records: each test names the article
//! whose rule the replay applies to a record.

use chrono::{DateTime, FixedOffset, NaiveDate};
use uuid::Uuid;

use super::acts::{ClosingReport, Decision as DecisionPaper, Filing, Notice, Paper, ProcedureAct};
use super::machine::{Step, Taken, Track};
use super::*;
use crate::calendar::{Calendar, Region};
use crate::check::{Decision, Findings};
use crate::hash::Digest;
use crate::keys::DeviceKey;
use crate::model::CaseClosed;
use crate::record::{RecordBody, RecordPayload};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn officers() -> Vec<String> {
    vec!["65010023".into(), "65010031".into()]
}

struct Case {
    id: Uuid,
    records: Vec<(Digest, RecordPayload)>,
}

impl Case {
    fn new() -> Case {
        Case {
            id: Uuid::now_v7(),
            records: vec![],
        }
    }

    fn add(&mut self, when: &str, body: RecordBody) -> Digest {
        let device = DeviceKey::generate().public().device_id();
        let seq = self.records.len() as u64 + 1;
        let p = RecordPayload::new(device, seq, Digest([0; 32]), at(when), officers(), body);
        let digest = crate::hash::sha256(&serde_json::to_vec(&p).unwrap());
        self.records.push((digest, p));
        digest
    }

    fn closed(&mut self, when: &str, procedure: &str, hearing: bool) -> Digest {
        self.closed_with(when, procedure, hearing, vec![])
    }

    fn closed_with(
        &mut self,
        when: &str,
        procedure: &str,
        hearing: bool,
        measures: Vec<crate::catalog::MeasureKind>,
    ) -> Digest {
        let decision = Decision {
            code: "DLYS-64".into(),
            title: "未取得道路运输经营许可，擅自从事道路运输经营".into(),
            basis: "《道路运输条例》第六十三条".into(),
            grade: "一般".into(),
            penalty: "fine".into(),
            amount_yuan: if procedure == "simple" { 100 } else { 30_000 },
            procedure: procedure.into(),
            no_penalty_answers: vec![],
            gains_yuan: None,
            excess_kg: None,
            sanctions: vec![],
            orders: vec![],
            measures,
            hearing_right: hearing,
            legal_review: false,
            ended_on: Some(day("2026-11-02")),
            life_or_health: false,
        };
        let findings = Findings {
            vehicle_kind: "passenger".into(),
            checklist: vec![],
            outcome: "violation".into(),
            decision: Some(decision),
            statement: String::new(),
            signatures: vec![],
            told: vec![],
        };
        self.add(
            when,
            RecordBody::CaseClosed(CaseClosed {
                case_id: self.id,
                case_no: "新交执〔2026〕1号".into(),
                evidence_count: 0,
                records: vec![],
                findings: Some(findings),
            }),
        )
    }

    fn act(&mut self, when: &str, on: &str, step: Step, paper: Option<Paper>) -> Digest {
        let basis = step.basis(Track::General);
        self.act_citing(when, on, step, paper, basis)
    }

    fn act_citing(
        &mut self,
        when: &str,
        on: &str,
        step: Step,
        paper: Option<Paper>,
        basis: crate::catalog::Citation,
    ) -> Digest {
        let body = RecordBody::ProcedureAct(ProcedureAct {
            case_id: self.id,
            case_no: "新交执〔2026〕1号".into(),
            taken: Taken::on(step, day(on), officers()),
            basis,
            paper,
        });
        self.add(when, body)
    }

    fn replay(&self) -> Replay {
        let refs: Vec<_> = self.records.iter().map(|(d, p)| (*d, p)).collect();
        replay(
            &refs,
            Calendar::builtin(),
            &Deadlines::shipped().unwrap(),
            Region::National,
        )
    }
}

fn filing() -> Paper {
    Paper::Filing(Filing {
        source: "路检路查".into(),
        facts: "当事人驾驶车辆未取得道路运输经营许可从事旅客运输".into(),
        opinion: "建议立案调查".into(),
        approval: "同意立案".into(),
    })
}

fn notice(hearing_by: Option<&str>) -> Paper {
    Paper::Notice(Notice {
        facts: "经查，当事人未取得道路运输经营许可从事旅客运输".into(),
        basis: "《道路运输条例》第六十三条".into(),
        proposed: "罚款人民币叁万元".into(),
        respond_by: day("2026-11-12"),
        hearing_by: hearing_by.map(day),
        contact: "乌鲁木齐市交通运输综合行政执法支队 0991-0000000".into(),
    })
}

fn decision() -> Paper {
    Paper::Decision(DecisionPaper {
        address: "乌鲁木齐市天山区".into(),
        facts: "经查，当事人未取得道路运输经营许可从事旅客运输".into(),
        evidence: vec!["现场笔录一份".into(), "询问笔录一份".into()],
        basis: "《道路运输条例》第六十三条".into(),
        penalty: "罚款人民币叁万元".into(),
        fine_yuan: 30_000,
        performance: "自收到本决定书之日起十五日内缴纳".into(),
    })
}

fn filed(hearing: bool) -> Case {
    let mut c = Case::new();
    c.closed("2026-11-02T10:00:00+08:00", "general", hearing);
    c.act(
        "2026-11-03T09:00:00+08:00",
        "2026-11-03",
        Step::Filed {
            approved_by: "王局长".into(),
        },
        Some(filing()),
    );
    c
}

#[test]
fn a_general_case_handed_over_goes_on_with_the_bureaus_signed_acts() {
    let mut c = filed(false);
    c.act(
        "2026-11-09T09:00:00+08:00",
        "2026-11-09",
        Step::NoticeServed {
            hearing_offered: false,
        },
        Some(notice(None)),
    );
    let r = c.replay();
    assert!(r.handed_over);
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    let p = r.procedure.unwrap();
    assert_eq!(p.track, Track::General);
    assert_eq!(p.steps.len(), 2);
    let running = p
        .deadlines(
            Calendar::builtin(),
            &Deadlines::shipped().unwrap(),
            Region::National,
        )
        .unwrap();
    let ids: Vec<_> = running.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["decision", "notice_response"]);
}

#[test]
fn xzcff_art_62_a_decision_signed_before_the_response_period_ends_is_kept_and_refused() {
    let mut c = filed(false);
    c.act(
        "2026-11-09T09:00:00+08:00",
        "2026-11-09",
        Step::NoticeServed {
            hearing_offered: false,
        },
        Some(notice(None)),
    );
    let early = c.act(
        "2026-11-10T09:00:00+08:00",
        "2026-11-10",
        Step::Decided,
        Some(decision()),
    );
    c.act(
        "2026-11-13T09:00:00+08:00",
        "2026-11-13",
        Step::Decided,
        Some(decision()),
    );
    let r = c.replay();
    assert_eq!(r.refused.len(), 1, "{:?}", r.refused);
    assert_eq!(r.refused[0].record, early);
    assert_eq!(r.refused[0].refusal.basis.article, 62);
    let p = r.procedure.unwrap();
    assert!(matches!(p.steps.last().unwrap().step, Step::Decided));
}

#[test]
fn xzcff_art_63_a_notice_offering_a_hearing_names_the_day_to_ask_by() {
    let mut c = filed(true);
    let bad = c.act(
        "2026-11-09T09:00:00+08:00",
        "2026-11-09",
        Step::NoticeServed {
            hearing_offered: true,
        },
        Some(notice(None)),
    );
    let r = c.replay();
    assert_eq!(r.refused.len(), 1);
    assert_eq!(r.refused[0].record, bad);
    assert!(r.refused[0].refusal.zh.contains("听证"), "{:?}", r.refused);
}

#[test]
fn an_act_must_carry_the_document_its_step_produces_and_cite_its_provision() {
    let mut c = filed(false);
    let wrong_paper = c.act(
        "2026-11-04T09:00:00+08:00",
        "2026-11-04",
        Step::Closed,
        Some(filing()),
    );
    let wrong_basis = c.act_citing(
        "2026-11-04T10:00:00+08:00",
        "2026-11-04",
        Step::Investigated { site_record: false },
        None,
        Step::Paid.basis(Track::General),
    );
    let r = c.replay();
    let refused: Vec<_> = r.refused.iter().map(|x| x.record).collect();
    assert_eq!(refused, [wrong_paper, wrong_basis], "{:?}", r.refused);
    assert!(r.refused[0].refusal.zh.contains("结案报告"));
    assert!(r.refused[1].refusal.zh.contains("第五十五条"));
}

#[test]
fn xzcff_art_47_an_act_dated_after_it_was_signed_is_refused() {
    let mut c = filed(false);
    let ahead = c.act(
        "2026-11-04T09:00:00+08:00",
        "2026-11-20",
        Step::Closed,
        Some(Paper::ClosingReport(ClosingReport {
            outcome: "x".into(),
            execution: "y".into(),
        })),
    );
    let r = c.replay();
    assert_eq!(r.refused.len(), 1);
    assert_eq!(r.refused[0].record, ahead);
    assert_eq!(r.refused[0].refusal.basis.article, 47);
}

#[test]
fn xzcff_art_51_a_simple_case_is_decided_at_the_roadside_and_never_filed() {
    let mut c = Case::new();
    let decided = c.closed("2026-11-02T10:00:00+08:00", "simple", false);
    c.add(
        "2026-11-02T10:05:00+08:00",
        RecordBody::DocumentServed(crate::served::DocumentServed {
            case_id: c.id,
            case_no: "新交执〔2026〕1号".into(),
            document: "on_the_spot_decision".into(),
            title: "当场行政处罚决定书".into(),
            decision: decided,
            pdf: Digest([0; 32]),
            printer_job: None,
            receipt: crate::served::Receipt::Refused {
                note: "拒签".into(),
                witness: None,
            },
            basis: "行政处罚法第五十二条".into(),
        }),
    );
    let filing_act = c.act(
        "2026-11-03T09:00:00+08:00",
        "2026-11-03",
        Step::Filed {
            approved_by: "王局长".into(),
        },
        Some(filing()),
    );
    let r = c.replay();
    assert!(!r.handed_over);
    let p = r.procedure.unwrap();
    let steps: Vec<_> = p.steps.iter().map(|t| t.step.clone()).collect();
    assert_eq!(steps, [Step::Decided, Step::Served]);
    assert_eq!(r.refused.len(), 1);
    assert_eq!(r.refused[0].record, filing_act);
    assert_eq!(r.refused[0].refusal.basis.article, 51);
}

#[test]
fn xzcff_art_54_the_roadside_writings_are_the_investigation_before_filing() {
    let mut c = Case::new();
    c.add(
        "2026-11-02T09:30:00+08:00",
        RecordBody::SiteRecorded(crate::investigation::SiteRecord {
            case_id: c.id,
            case_no: "新交执〔2026〕1号".into(),
            started_at: at("2026-11-02T09:00:00+08:00"),
            ended_at: at("2026-11-02T09:20:00+08:00"),
            place: "G30".into(),
            present: "张三".into(),
            observed: "车内载客 7 人".into(),
            receipt: crate::served::Receipt::Refused {
                note: "拒签".into(),
                witness: None,
            },
            basis: "行政处罚法第五十五条".into(),
        }),
    );
    c.closed("2026-11-02T10:00:00+08:00", "general", false);
    let r = c.replay();
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    let p = r.procedure.unwrap();
    assert_eq!(p.steps.len(), 1);
    assert_eq!(p.steps[0].step, Step::Investigated { site_record: true });
    assert_eq!(p.steps[0].on, day("2026-11-02"));
}

#[test]
fn xzqzf_art_18_a_vehicle_detained_at_the_check_starts_its_thirty_days() {
    use crate::catalog::MeasureKind;
    let mut c = Case::new();
    c.closed_with(
        "2026-11-02T10:00:00+08:00",
        "general",
        false,
        vec![MeasureKind::DetainVehicle],
    );
    let r = c.replay();
    assert!(r.handed_over && r.refused.is_empty(), "{:?}", r.refused);
    let p = r.procedure.unwrap();
    assert!(p.needs.compulsory);
    assert_eq!(
        p.steps[0].step,
        Step::MeasureTaken {
            measures: vec![MeasureKind::DetainVehicle]
        }
    );
    let running = p
        .deadlines(
            Calendar::builtin(),
            &Deadlines::shipped().unwrap(),
            Region::National,
        )
        .unwrap();
    assert_eq!(running[0].id, "measure_approval");
    assert_eq!(running[0].due, Some(day("2026-11-03")));
    assert_eq!(running[1].id, "seizure");
    assert_eq!(running[1].due, Some(day("2026-12-02")));
    // The head approves it within 24 hours, the officers write the
    // 现场笔录 and hand over the decision with its list; the head extends
    // it at the bureau; then it is released.
    c.act(
        "2026-11-03T09:00:00+08:00",
        "2026-11-03",
        Step::MeasureApproved { approved: true },
        None,
    );
    c.add("2026-11-03T09:30:00+08:00", site_record(c.id));
    c.add(
        "2026-11-03T09:40:00+08:00",
        measure_decided(c.id, Some("2026-12-02")),
    );
    c.act(
        "2026-11-20T09:00:00+08:00",
        "2026-11-20",
        Step::MeasureExtended {
            until: day("2026-12-20"),
        },
        None,
    );
    c.act(
        "2026-11-25T09:00:00+08:00",
        "2026-11-25",
        Step::MeasureEnded,
        None,
    );
    let r = c.replay();
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    let steps: Vec<_> = r
        .procedure
        .unwrap()
        .steps
        .into_iter()
        .map(|t| t.step)
        .collect();
    assert_eq!(steps.len(), 6);
    assert_eq!(
        steps[3],
        Step::MeasureDecisionServed {
            measures: vec![MeasureKind::DetainVehicle],
            until: Some(day("2026-12-02"))
        }
    );
}

fn site_record(case_id: Uuid) -> RecordBody {
    RecordBody::SiteRecorded(crate::investigation::SiteRecord {
        case_id,
        case_no: "新交执〔2026〕1号".into(),
        started_at: at("2026-11-02T10:00:00+08:00"),
        ended_at: at("2026-11-02T10:30:00+08:00"),
        place: "G30".into(),
        present: "张三".into(),
        observed: "扣留车辆，当事人在场".into(),
        receipt: crate::served::Receipt::Refused {
            note: "拒签".into(),
            witness: None,
        },
        basis: "行政强制法第十八条".into(),
    })
}

fn measure_decided(case_id: Uuid, until: Option<&str>) -> RecordBody {
    RecordBody::MeasureDecided(crate::investigation::MeasureDecision {
        case_id,
        case_no: "新交执〔2026〕1号".into(),
        measures: vec![crate::catalog::MeasureKind::DetainVehicle],
        address: "乌鲁木齐市天山区".into(),
        reason: "逃避超限检测".into(),
        until: until.map(day),
        items: vec![crate::investigation::PreservedItem {
            name: "货车 新A12345".into(),
            spec: "重型半挂牵引车".into(),
            quantity: 1,
            unit: "辆".into(),
        }],
        kept_at: "乌鲁木齐市超限检测站停车场".into(),
        receipt: crate::served::Receipt::Refused {
            note: "拒签".into(),
            witness: None,
        },
        basis: "《公路安全保护条例》第六十七条".into(),
    })
}

fn opened(case_id: Uuid, when: &str) -> RecordBody {
    RecordBody::CaseOpened(crate::model::CaseOpened {
        case_id,
        case_no: "新交执〔2026〕1号".into(),
        occurred_at: at(when),
        place: "G30".into(),
        vehicle: crate::model::Vehicle {
            plate: "新A12345".into(),
        },
        party: crate::model::Party::Person {
            id_number: "11010519491231002X".into(),
            name: "张三".into(),
        },
        violation: None,
        note: String::new(),
        details: None,
    })
}

#[test]
fn qzf_art_19_the_heads_approval_counts_24_hours_from_the_check_to_its_signature() {
    use crate::catalog::MeasureKind;
    let mut c = Case::new();
    c.add(
        "2026-11-02T10:00:00+08:00",
        opened(c.id, "2026-11-02T09:00:00+08:00"),
    );
    c.closed_with(
        "2026-11-02T11:00:00+08:00",
        "general",
        false,
        vec![MeasureKind::DetainVehicle],
    );
    // Dated the day after, but signed 24 hours and 5 minutes after the
    // check began: the signature's moment counts, not the day written.
    let late = c.act(
        "2026-11-03T09:05:00+08:00",
        "2026-11-03",
        Step::MeasureApproved { approved: true },
        None,
    );
    let r = c.replay();
    assert_eq!(r.refused.len(), 1, "{:?}", r.refused);
    assert_eq!(r.refused[0].record, late);
    assert_eq!(r.refused[0].refusal.basis.article, 19);
    assert!(r.refused[0].refusal.zh.contains("2026-11-03 09:00"));
    // The measure still waits for approval and blocks the decision.
    let p = r.procedure.unwrap();
    assert!(p
        .deadlines(
            Calendar::builtin(),
            &Deadlines::shipped().unwrap(),
            Region::National
        )
        .unwrap()
        .iter()
        .any(|d| d.id == "measure_approval"));
}

#[test]
fn qzf_art_24_the_decision_and_list_come_from_the_terminal_not_from_a_bureau_act() {
    use crate::catalog::MeasureKind;
    let mut c = Case::new();
    c.closed_with(
        "2026-11-02T11:00:00+08:00",
        "general",
        false,
        vec![MeasureKind::DetainVehicle],
    );
    let forged = c.act(
        "2026-11-02T12:00:00+08:00",
        "2026-11-02",
        Step::MeasureDecisionServed {
            measures: vec![MeasureKind::DetainVehicle],
            until: Some(day("2026-11-20")),
        },
        None,
    );
    // A detention of 31 days is refused too (art. 25).
    let long = c.add(
        "2026-11-02T12:10:00+08:00",
        measure_decided(c.id, Some("2026-12-03")),
    );
    c.add(
        "2026-11-02T12:20:00+08:00",
        measure_decided(c.id, Some("2026-12-02")),
    );
    let r = c.replay();
    let refused: Vec<_> = r
        .refused
        .iter()
        .map(|f| (f.record, f.refusal.basis.article))
        .collect();
    assert_eq!(refused, [(forged, 24), (long, 25)]);
    let steps = r.procedure.unwrap().steps;
    assert!(matches!(
        steps.last().unwrap().step,
        Step::MeasureDecisionServed { until: Some(u), .. } if u == day("2026-12-02")
    ));
}
