use chrono::NaiveDate;

use super::machine::*;
use super::*;
use crate::calendar::{Calendar, Region};
use crate::catalog::{Procedure, ProcedureNeeds};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn needs(procedure: Procedure, hearing: bool, legal_review: bool) -> ProcedureNeeds {
    ProcedureNeeds {
        procedure,
        hearing,
        legal_review,
        compulsory: false,
        reasons: vec![],
    }
}

fn two() -> Vec<String> {
    vec!["65010001".into(), "65010002".into()]
}

struct Case {
    p: CaseProcedure,
    deadlines: Deadlines,
}

impl Case {
    fn general(hearing: bool, review: bool) -> Case {
        Case {
            p: CaseProcedure::new(
                Track::General,
                needs(Procedure::General, hearing, review),
                d("2026-10-20"),
                Limitation::Ordinary,
            ),
            deadlines: Deadlines::shipped().unwrap(),
        }
    }

    fn step(&mut self, step: Step, on: &str) -> Result<(), Refusal> {
        self.step_by(step, on, two())
    }

    fn step_by(&mut self, step: Step, on: &str, by: Vec<String>) -> Result<(), Refusal> {
        self.p.apply(
            Taken::on(step, d(on), by),
            Calendar::builtin(),
            &self.deadlines,
            Region::National,
        )
    }

    fn ok(&mut self, step: Step, on: &str) {
        self.step(step, on).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn article(r: Refusal) -> (u32, Option<u32>, Option<u32>) {
    (r.basis.article, r.basis.paragraph, r.basis.item)
}

fn filed(hearing: bool, review: bool) -> Case {
    let mut c = Case::general(hearing, review);
    c.ok(
        Step::Filed {
            approved_by: "head".into(),
        },
        "2026-11-02",
    );
    c
}

#[test]
fn xzcff_art_62_no_decision_before_the_notice_and_its_response_period() {
    let mut c = filled_notice(false, false, true);
    // Notice served Monday 9 Nov: 3 working days, to Thursday 12 Nov.
    let r = c.step(Step::Decided, "2026-11-12").unwrap_err();
    assert_eq!(article(r.clone()), (62, None, None));
    assert!(r.zh.contains("2026-11-12"), "{}", r.zh);
    c.ok(Step::Decided, "2026-11-13");

    let mut c = filed(false, false);
    let r = c.step(Step::Decided, "2026-11-20").unwrap_err();
    assert_eq!(article(r), (62, None, None));

    // The party closing its statement ends the period early.
    let mut c = filled_notice(false, false, true);
    c.ok(Step::StatementHeard { closed: true }, "2026-11-10");
    c.ok(Step::Decided, "2026-11-10");
}

fn filled_notice(hearing: bool, review: bool, offered: bool) -> Case {
    let mut c = filed(hearing, review);
    c.ok(Step::Investigated { site_record: false }, "2026-11-03");
    c.ok(
        Step::NoticeServed {
            hearing_offered: offered,
        },
        "2026-11-09",
    );
    c
}

#[test]
fn xzcff_art_63_a_hearing_right_must_be_offered_and_its_period_run_or_the_hearing_held() {
    let mut c = filled_notice(true, false, false);
    let r = c.step(Step::Decided, "2026-12-01").unwrap_err();
    assert_eq!(article(r), (63, Some(1), None));

    let mut c = filled_notice(true, false, true);
    c.ok(Step::StatementHeard { closed: true }, "2026-11-10");
    // 5 working days from 9 Nov: to 16 Nov.
    let r = c.step(Step::Decided, "2026-11-16").unwrap_err();
    assert_eq!(article(r), (64, None, Some(1)));
    c.ok(Step::Decided, "2026-11-17");

    let mut c = filled_notice(true, false, true);
    c.ok(Step::HearingRequested, "2026-11-11");
    let r = c.step(Step::Decided, "2026-12-01").unwrap_err();
    assert_eq!(article(r), (65, None, None));
    let r = c.step(Step::HearingHeld, "2026-11-24").unwrap_err();
    assert_eq!(article(r), (64, None, Some(2)), "held without its notice");
    c.ok(
        Step::HearingNoticed {
            hearing_on: d("2026-11-24"),
        },
        "2026-11-12",
    );
    let r = c.step(Step::HearingHeld, "2026-11-23").unwrap_err();
    assert_eq!(
        article(r),
        (64, None, Some(2)),
        "held before the day noticed"
    );
    c.ok(Step::HearingHeld, "2026-11-24");
    c.ok(Step::Decided, "2026-12-01");
}

#[test]
fn xzcff_art_64_item_2_the_hearing_is_notified_seven_days_ahead() {
    let mut c = filled_notice(true, false, true);
    let r = c
        .step(
            Step::HearingNoticed {
                hearing_on: d("2026-11-24"),
            },
            "2026-11-10",
        )
        .unwrap_err();
    assert_eq!(article(r), (64, None, Some(1)), "no hearing was asked for");
    c.ok(Step::HearingRequested, "2026-11-10");
    // A hearing on Tuesday 24 November: notified by Friday 13 November.
    let r = c
        .step(
            Step::HearingNoticed {
                hearing_on: d("2026-11-24"),
            },
            "2026-11-16",
        )
        .unwrap_err();
    assert_eq!(article(r.clone()), (64, None, Some(2)));
    assert!(r.zh.contains("2026-11-13"), "{}", r.zh);
    c.ok(
        Step::HearingNoticed {
            hearing_on: d("2026-11-24"),
        },
        "2026-11-13",
    );
}

#[test]
fn xzcff_art_58_a_major_decision_needs_a_passed_legal_review() {
    let mut c = filled_notice(false, true, true);
    let r = c.step(Step::Decided, "2026-11-20").unwrap_err();
    assert_eq!(article(r), (58, Some(1), None));
    c.ok(Step::LegalReviewed { passed: false }, "2026-11-18");
    let r = c.step(Step::Decided, "2026-11-20").unwrap_err();
    assert!(r.zh.contains("未通过"));
    // Against a negative opinion only after 集体讨论 (art. 57 para. 2).
    c.ok(Step::CollectivelyDiscussed, "2026-11-19");
    c.ok(Step::Decided, "2026-11-20");
}

#[test]
fn xzcff_art_42_one_officer_alone_is_refused() {
    let mut c = filed(false, false);
    let r = c
        .step_by(
            Step::Investigated { site_record: false },
            "2026-11-03",
            vec!["65010001".into()],
        )
        .unwrap_err();
    assert_eq!(article(r), (42, None, None));
    let same_twice = vec!["65010001".into(), "65010001".into()];
    assert!(c
        .step_by(
            Step::Investigated { site_record: false },
            "2026-11-03",
            same_twice
        )
        .is_err());
}

#[test]
fn xzcff_art_36_a_case_past_the_limitation_period_cannot_be_filed() {
    let mut c = Case::general(false, false);
    c.p.violation_ended = d("2024-11-01");
    let r = c
        .step(
            Step::Filed {
                approved_by: "head".into(),
            },
            "2026-11-02",
        )
        .unwrap_err();
    assert_eq!(article(r), (36, None, None));
    c.p.limitation = Limitation::LifeOrHealth;
    c.ok(
        Step::Filed {
            approved_by: "head".into(),
        },
        "2026-11-02",
    );
}

#[test]
fn xzcff_art_60_decision_within_90_days_of_filing_unless_extended() {
    let mut c = filled_notice(false, false, true);
    // Filed 2 Nov 2026: 90 days to 31 Jan 2027 — a Sunday, rolled over in
    // a year the calendar does not hold: an error, never a guess. On or
    // before 31 Jan no calendar is needed.
    let r = c.step(Step::Decided, "2027-02-01").unwrap_err();
    assert_eq!(article(r), (85, None, None));
    c.ok(Step::Decided, "2027-01-31");
    let mut c = Case::general(false, false);
    c.ok(
        Step::Filed {
            approved_by: "head".into(),
        },
        "2026-06-01",
    );
    c.ok(
        Step::NoticeServed {
            hearing_offered: false,
        },
        "2026-08-03",
    );
    // 90 days from 1 June: 30 August (Sunday) → Monday 31 August.
    let r = c.step(Step::Decided, "2026-09-01").unwrap_err();
    assert_eq!(article(r), (60, None, None));
    c.ok(
        Step::Extended {
            until: d("2026-09-30"),
        },
        "2026-08-20",
    );
    c.ok(Step::Decided, "2026-09-01");
}

#[test]
fn xzcff_art_54_and_56_filing_and_preservation_need_the_heads_approval() {
    let mut c = Case::general(false, false);
    let r = c
        .step(
            Step::Filed {
                approved_by: " ".into(),
            },
            "2026-11-02",
        )
        .unwrap_err();
    assert_eq!(article(r), (54, Some(2), None));
    // Investigation comes before filing at the roadside (art. 54 para. 1);
    // the notice does not.
    c.ok(Step::Investigated { site_record: false }, "2026-11-02");
    let r = c
        .step(
            Step::NoticeServed {
                hearing_offered: false,
            },
            "2026-11-02",
        )
        .unwrap_err();
    assert_eq!(article(r), (54, Some(2), None), "not filed");
    let mut c = filed(false, false);
    let r = c
        .step(
            Step::Preserved {
                approved_by: String::new(),
            },
            "2026-11-03",
        )
        .unwrap_err();
    assert_eq!(article(r), (56, None, None));
}

#[test]
fn xzcff_art_51_the_simple_procedure_only_for_what_it_allows() {
    let deadlines = Deadlines::shipped().unwrap();
    let mut p = CaseProcedure::new(
        Track::Simple,
        needs(Procedure::General, false, false),
        d("2026-11-02"),
        Limitation::Ordinary,
    );
    let taken = Taken::on(Step::Decided, d("2026-11-02"), two());
    let r = p
        .apply(
            taken.clone(),
            Calendar::builtin(),
            &deadlines,
            Region::National,
        )
        .unwrap_err();
    assert_eq!(article(r), (51, None, None));
    p.needs.procedure = Procedure::Simple;
    p.apply(taken, Calendar::builtin(), &deadlines, Region::National)
        .unwrap();
}

#[test]
fn every_running_deadline_is_computed_and_ends_when_its_step_is_done() {
    let mut c = Case::general(true, false);
    c.ok(
        Step::Filed {
            approved_by: "head".into(),
        },
        "2026-11-02",
    );
    c.ok(
        Step::Preserved {
            approved_by: "head".into(),
        },
        "2026-11-13",
    );
    c.ok(
        Step::NoticeServed {
            hearing_offered: true,
        },
        "2026-11-16",
    );
    let all = |c: &Case| {
        c.p.deadlines(Calendar::builtin(), &c.deadlines, Region::National)
            .unwrap()
    };
    let running = |c: &Case| -> Vec<(String, NaiveDate)> {
        all(c)
            .into_iter()
            .filter_map(|r| Some((r.id, r.due?)))
            .collect()
    };
    let ids = |v: &[Running]| v.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    let list = all(&c);
    assert_eq!(
        ids(&list),
        [
            "decision",
            "preservation_decision",
            "notice_response",
            "hearing_request"
        ]
    );
    // 90 days from 2 Nov 2026 end in 2027, a year the calendar does not hold yet.
    assert_eq!(list[0].due, None);
    assert!(list[0].problem.as_ref().unwrap().contains("2027"));
    let now = running(&c);
    assert!(now.contains(&("preservation_decision".into(), d("2026-11-24"))));
    assert!(now.contains(&("hearing_request".into(), d("2026-11-23"))));
    c.ok(Step::PreservationDecided, "2026-11-20");
    c.ok(Step::HearingWaived, "2026-11-20");
    c.ok(Step::StatementHeard { closed: true }, "2026-11-20");
    assert_eq!(ids(&all(&c)), ["decision"]);
    c.ok(Step::Decided, "2026-11-23");
    // 7 working days to publish (art. 48 para. 1, the bureau's rule).
    let publish = ("publication".to_owned(), d("2026-12-02"));
    assert_eq!(
        running(&c),
        [publish.clone(), ("service".into(), d("2026-12-02"))]
    );
    c.ok(Step::Served, "2026-11-24");
    assert_eq!(
        running(&c),
        [publish.clone(), ("payment".into(), d("2026-12-09"))]
    );
    c.ok(Step::Paid, "2026-12-01");
    assert_eq!(running(&c), [publish]);
    c.ok(Step::Closed, "2026-12-01");
    assert!(c.step(Step::Paid, "2026-12-02").is_err(), "closed");
    // Publication follows 结案.
    c.ok(Step::Published, "2026-12-02");
    assert!(running(&c).is_empty());
}

#[test]
fn a_step_dated_before_the_last_one_is_refused() {
    let mut c = filed(false, false);
    assert!(c
        .step(Step::Investigated { site_record: false }, "2026-11-01")
        .is_err());
}

#[test]
fn xzcff_art_66_para_2_deferral_after_service_and_art_72_surcharge_counts_from_it() {
    let defer = |until: &str, instalments| Step::PaymentDeferred {
        until: d(until),
        instalments,
    };
    let mut c = filled_notice(false, false, false);
    let r = c.step(defer("2026-12-31", 1), "2026-11-13").unwrap_err();
    assert_eq!(article(r), (61, None, None), "nothing decided yet");
    c.ok(Step::Decided, "2026-11-13");
    let r = c.step(defer("2026-12-31", 1), "2026-11-13").unwrap_err();
    assert_eq!(article(r), (66, Some(2), None), "not served yet");
    c.ok(Step::Served, "2026-11-16");
    let ctx = (Calendar::builtin(), &c.deadlines, Region::National);
    // 15 days from service (art. 67 para. 3), then 3 % a day (art. 72).
    assert_eq!(c.p.payment_due(ctx.0, ctx.1, ctx.2), Some(d("2026-12-01")));
    assert_eq!(c.p.surcharge_fen(1000, d("2026-12-01"), ctx), 0);
    assert_eq!(c.p.surcharge_fen(1000, d("2026-12-03"), ctx), 6_000);
    assert_eq!(c.p.surcharge_fen(1000, d("2026-12-31"), ctx), 90_000);
    assert_eq!(
        c.p.surcharge_fen(1000, d("2027-01-31"), ctx),
        100_000,
        "capped"
    );
    for (bad, on) in [
        (defer("2026-11-20", 1), "2026-11-20"),
        (defer("2026-12-31", 0), "2026-11-20"),
    ] {
        let r = c.step(bad, on).unwrap_err();
        assert_eq!(article(r), (66, Some(2), None));
    }
    c.ok(defer("2026-12-31", 3), "2026-11-20");
    assert_eq!(c.p.steps.last().unwrap().step.name().0, "分期缴纳罚款");
    assert_eq!(defer("2026-12-31", 1).name().0, "延期缴纳罚款");
    let ctx = (Calendar::builtin(), &c.deadlines, Region::National);
    let running: Vec<_> =
        c.p.deadlines(ctx.0, ctx.1, ctx.2)
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.due))
            .collect();
    assert_eq!(
        running,
        [
            ("publication".into(), Some(d("2026-11-24"))),
            ("payment_deferred".into(), Some(d("2026-12-31")))
        ]
    );
    assert_eq!(c.p.surcharge_fen(1000, d("2026-12-03"), ctx), 0);
    assert_eq!(c.p.surcharge_fen(1000, d("2027-01-02"), ctx), 6_000);
    c.ok(Step::Paid, "2026-12-20");
    let r = c.step(defer("2027-01-31", 1), "2026-12-21").unwrap_err();
    assert_eq!(article(r), (66, Some(2), None), "already paid");
}

#[test]
fn xzqzf_art_18_25_28_a_compulsory_measure_by_two_its_thirty_days_one_extension() {
    use crate::catalog::MeasureKind;
    let detain = || Step::MeasureTaken {
        measures: vec![MeasureKind::DetainVehicle],
    };
    let qzf = |r: Refusal| {
        (
            r.basis.law.contains("行政强制法"),
            r.basis.article,
            r.basis.paragraph,
            r.basis.item,
        )
    };
    let mut c = Case::general(false, false);
    let r = c
        .step_by(detain(), "2026-11-02", vec!["65010001".into()])
        .unwrap_err();
    assert_eq!(qzf(r), (true, 18, None, Some(2)), "one officer alone");
    let r = c
        .step(Step::MeasureTaken { measures: vec![] }, "2026-11-02")
        .unwrap_err();
    assert_eq!(qzf(r).1, 18);
    let r = c.step(Step::MeasureEnded, "2026-11-02").unwrap_err();
    assert_eq!(qzf(r), (true, 28, None, None), "nothing to end");
    // Taken at the check, before filing (行政处罚法 art. 54 para. 1).
    c.ok(detain(), "2026-11-02");
    let running = |c: &Case| -> Vec<(String, Option<NaiveDate>)> {
        c.p.deadlines(Calendar::builtin(), &c.deadlines, Region::National)
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.due))
            .collect()
    };
    assert_eq!(
        running(&c),
        [
            ("measure_approval".into(), Some(d("2026-11-03"))),
            ("seizure".into(), Some(d("2026-12-02")))
        ]
    );
    let extend = |until: &str| Step::MeasureExtended { until: d(until) };
    let r = c.step(extend("2026-12-20"), "2026-11-20").unwrap_err();
    assert_eq!(qzf(r), (true, 19, None, None), "not approved yet");
    lawful_measure(&mut c, "2026-11-02");
    assert_eq!(running(&c), [("seizure".into(), Some(d("2026-12-02")))]);
    for (until, on) in [
        ("2027-01-02", "2026-11-20"),
        ("2026-12-01", "2026-11-20"),
        ("2026-12-20", "2026-12-03"),
    ] {
        let r = c.step(extend(until), on).unwrap_err();
        assert_eq!(qzf(r), (true, 25, Some(1), None), "{until} on {on}");
    }
    c.ok(extend("2027-01-01"), "2026-11-20");
    assert_eq!(running(&c)[0], ("seizure".into(), Some(d("2027-01-01"))));
    let r = c.step(extend("2027-01-01"), "2026-11-21").unwrap_err();
    assert_eq!(qzf(r).1, 25, "only once");
    c.ok(Step::MeasureEnded, "2026-11-25");
    assert!(running(&c).is_empty(), "released: the period stops");
    let r = c.step(Step::MeasureEnded, "2026-11-25").unwrap_err();
    assert_eq!(qzf(r).1, 28);
    // Towing away is a measure without a detention period.
    let mut c = Case::general(false, false);
    c.ok(
        Step::MeasureTaken {
            measures: vec![MeasureKind::TowAway],
        },
        "2026-11-02",
    );
    let ids: Vec<_> = running(&c).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["measure_approval"], "no seizure period");
    assert_eq!(
        Step::MeasureTaken { measures: vec![] }
            .basis(Track::General)
            .law,
        crate::catalog::lawful::QZF
    );
}

/// The head's approval, the 现场笔录 and the decision with its 清单 of a
/// detention taken on `on`, for 30 days.
fn lawful_measure(c: &mut Case, on: &str) {
    use crate::catalog::MeasureKind;
    c.ok(Step::MeasureApproved { approved: true }, on);
    c.ok(Step::Investigated { site_record: true }, on);
    c.ok(
        Step::MeasureDecisionServed {
            measures: vec![MeasureKind::DetainVehicle],
            until: Some(d(on) + chrono::Days::new(30)),
        },
        on,
    );
}

impl Case {
    fn step_at(&mut self, step: Step, at: &str) -> Result<(), Refusal> {
        let at = chrono::DateTime::parse_from_rfc3339(at).unwrap();
        let bj = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        self.p.apply(
            Taken {
                at: Some(at),
                ..Taken::on(step, at.with_timezone(&bj).date_naive(), two())
            },
            Calendar::builtin(),
            &self.deadlines,
            Region::National,
        )
    }
}

fn qzf_article(r: Refusal) -> (bool, u32, Option<u32>, Option<u32>) {
    (
        r.basis.law.contains("行政强制法"),
        r.basis.article,
        r.basis.paragraph,
        r.basis.item,
    )
}

#[test]
fn qzf_art_19_a_measure_taken_at_the_scene_is_approved_by_the_head_within_24_hours() {
    use crate::catalog::MeasureKind;
    let detain = || Step::MeasureTaken {
        measures: vec![MeasureKind::DetainVehicle],
    };
    let approve = |approved| Step::MeasureApproved { approved };
    let mut c = Case::general(false, false);
    let r = c
        .step_at(approve(true), "2026-11-02T12:00:00+08:00")
        .unwrap_err();
    assert_eq!(qzf_article(r), (true, 19, None, None), "nothing to approve");
    c.step_at(detain(), "2026-11-02T10:00:00+08:00").unwrap();
    let due =
        c.p.deadlines(Calendar::builtin(), &c.deadlines, Region::National)
            .unwrap();
    assert_eq!(due[0].id, "measure_approval");
    assert_eq!(due[0].due, Some(d("2026-11-03")));
    assert!(due[0].name.contains("2026-11-03 10:00"), "{}", due[0].name);
    // 24 hours and a minute after the check began: too late.
    let r = c
        .step_at(approve(true), "2026-11-03T10:01:00+08:00")
        .unwrap_err();
    assert_eq!(qzf_article(r.clone()), (true, 19, None, None));
    assert!(r.zh.contains("立即解除"), "{}", r.zh);
    // The English office and window read it in English.
    assert_eq!(
        r.text_en(),
        "the measure was taken at 2026-11-02 10:00; the head's approval was due by \
         2026-11-03 10:00; it is late: the measure must be released at once \
         (《中华人民共和国行政强制法》 art. 19)"
    );
    // A moment given in another offset is the same moment.
    c.step_at(approve(true), "2026-11-03T01:59:00+00:00")
        .unwrap();
    let r = c
        .step_at(approve(true), "2026-11-03T02:00:00+00:00")
        .unwrap_err();
    assert_eq!(qzf_article(r).1, 19, "approved once");

    // The head finds it should not have been taken: it ends at once, and
    // nothing goes on while it runs.
    let mut c = Case::general(false, false);
    c.step_at(detain(), "2026-11-02T10:00:00+08:00").unwrap();
    c.step_at(approve(false), "2026-11-02T15:00:00+08:00")
        .unwrap();
    let due =
        c.p.deadlines(Calendar::builtin(), &c.deadlines, Region::National)
            .unwrap();
    assert_eq!(
        (due[0].id.as_str(), due[0].due),
        ("measure_release", Some(d("2026-11-02")))
    );
    let r = c
        .step(
            Step::MeasureExtended {
                until: d("2026-12-20"),
            },
            "2026-11-03",
        )
        .unwrap_err();
    assert_eq!(qzf_article(r), (true, 19, None, None));
    c.ok(
        Step::Filed {
            approved_by: "head".into(),
        },
        "2026-11-03",
    );
    let r = c.step(Step::Decided, "2026-11-04").unwrap_err();
    assert_eq!(qzf_article(r), (true, 19, None, None), "not lifted");
    c.ok(Step::MeasureEnded, "2026-11-03");
    let r = c.step(Step::Decided, "2026-11-04").unwrap_err();
    assert!(!qzf_article(r).0, "released: the penalty's own rules apply");
}

#[test]
fn qzf_art_18_item_7_and_art_24_a_detention_has_its_site_record_and_its_decision_with_the_list() {
    use crate::catalog::MeasureKind;
    let mut c = Case::general(false, false);
    c.ok(
        Step::MeasureTaken {
            measures: vec![MeasureKind::DetainVehicle],
        },
        "2026-11-02",
    );
    c.ok(Step::MeasureApproved { approved: true }, "2026-11-02");
    c.ok(
        Step::Filed {
            approved_by: "head".into(),
        },
        "2026-11-03",
    );
    let r = c.step(Step::Decided, "2026-11-04").unwrap_err();
    assert_eq!(qzf_article(r), (true, 18, None, Some(7)), "no 现场笔录");
    c.ok(Step::Investigated { site_record: false }, "2026-11-03");
    let r = c.step(Step::Decided, "2026-11-04").unwrap_err();
    assert_eq!(qzf_article(r).1, 18, "a 询问笔录 is not the 现场笔录");
    c.ok(Step::Investigated { site_record: true }, "2026-11-03");
    let r = c.step(Step::Decided, "2026-11-04").unwrap_err();
    assert_eq!(
        qzf_article(r),
        (true, 24, None, None),
        "no decision and list"
    );
    let served = |measures: Vec<MeasureKind>, until: Option<&str>| Step::MeasureDecisionServed {
        measures,
        until: until.map(d),
    };
    let r = c
        .step(served(vec![MeasureKind::TowAway], None), "2026-11-03")
        .unwrap_err();
    assert_eq!(qzf_article(r).1, 24, "towing was not done");
    for until in [None, Some("2026-12-03"), Some("2026-11-02")] {
        let r = c
            .step(
                served(vec![MeasureKind::DetainVehicle], until),
                "2026-11-03",
            )
            .unwrap_err();
        assert_eq!(qzf_article(r), (true, 25, Some(1), None), "{until:?}");
    }
    c.ok(
        served(vec![MeasureKind::DetainVehicle], Some("2026-11-20")),
        "2026-11-03",
    );
    let due =
        c.p.deadlines(Calendar::builtin(), &c.deadlines, Region::National)
            .unwrap();
    assert!(
        due.iter()
            .any(|r| r.id == "seizure" && r.due == Some(d("2026-11-20"))),
        "the decision's own period: {due:?}"
    );
    let r = c
        .step(
            served(vec![MeasureKind::DetainVehicle], Some("2026-11-20")),
            "2026-11-03",
        )
        .unwrap_err();
    assert_eq!(qzf_article(r).1, 24, "handed over once");
    let r = c.step(Step::Decided, "2026-11-04").unwrap_err();
    assert!(!qzf_article(r).0, "the measure is lawful: {:?}", c.p.steps);
    // Towing away detains nothing: no decision with a list is needed.
    let mut c = Case::general(false, false);
    c.ok(
        Step::MeasureTaken {
            measures: vec![MeasureKind::TowAway],
        },
        "2026-11-02",
    );
    c.ok(Step::MeasureApproved { approved: true }, "2026-11-02");
    c.ok(Step::Investigated { site_record: true }, "2026-11-02");
    c.ok(
        Step::Filed {
            approved_by: "head".into(),
        },
        "2026-11-03",
    );
    let r = c.step(Step::Decided, "2026-11-04").unwrap_err();
    assert!(!qzf_article(r).0);
}

#[test]
fn qzf_art_18_item_7_a_bureau_act_cannot_claim_to_be_the_site_record() {
    // The 现场笔录 is the terminal's signed writing: a step read from an
    // act's JSON never is one, whatever the JSON says, and a moment in it
    // is not read either (the signature's moment is the replay's).
    let t: Taken = serde_json::from_str(
        r#"{"step": {"step": "investigated", "site_record": true},
            "on": "2026-11-02", "by": ["65010001", "65010002"],
            "at": "2026-11-02T10:00:00+08:00"}"#,
    )
    .unwrap();
    assert_eq!(t.step, Step::Investigated { site_record: false });
    assert_eq!(t.at, None);
    let written = serde_json::to_string(&Taken {
        at: Some(chrono::DateTime::parse_from_rfc3339("2026-11-02T10:00:00+08:00").unwrap()),
        ..Taken::on(
            Step::Investigated { site_record: true },
            d("2026-11-02"),
            two(),
        )
    })
    .unwrap();
    assert_eq!(
        written,
        r#"{"step":{"step":"investigated"},"on":"2026-11-02","by":["65010001","65010002"]}"#,
        "the signed bytes of an act are what they were"
    );
}

#[test]
fn xzcff_art_61_a_general_case_is_closed_only_after_its_decision_is_served() {
    let mut c = filled_notice(false, false, true);
    let r = c.step(Step::Closed, "2026-11-10").unwrap_err();
    assert_eq!(article(r.clone()), (61, Some(1), None));
    assert!(r.zh.contains("送达"), "{}", r.zh);
    c.ok(Step::StatementHeard { closed: true }, "2026-11-10");
    c.ok(Step::Decided, "2026-11-10");
    let r = c.step(Step::Closed, "2026-11-11").unwrap_err();
    assert_eq!(article(r), (61, Some(1), None));
    c.ok(Step::Served, "2026-11-11");
    c.ok(Step::Closed, "2026-11-12");
}

#[test]
fn xzcff_art_48_publication_after_the_decision_withdrawn_only_when_overturned_within_3_working_days(
) {
    let mut c = filled_notice(false, false, false);
    // Nothing to publish before the decision (art. 48 para. 1).
    let r = c.step(Step::Published, "2026-11-12").unwrap_err();
    assert_eq!(article(r), (48, Some(1), None));
    c.ok(Step::Decided, "2026-11-13");
    // Not withdrawn while nothing is published, nor before the decision
    // is overturned (art. 48 para. 2).
    let r = c
        .step(Step::PublicationWithdrawn, "2026-11-16")
        .unwrap_err();
    assert_eq!(article(r), (48, Some(2), None));
    c.ok(Step::Served, "2026-11-16");
    c.ok(Step::Paid, "2026-11-20");
    c.ok(Step::Closed, "2026-11-20");
    // After 结案: published once.
    c.ok(Step::Published, "2026-11-23");
    let r = c.step(Step::Published, "2026-11-23").unwrap_err();
    assert_eq!(article(r), (48, Some(1), None));
    let r = c.step(Step::PublicationWithheld, "2026-11-23").unwrap_err();
    assert_eq!(article(r), (48, Some(1), None));
    let r = c
        .step(Step::PublicationWithdrawn, "2026-11-24")
        .unwrap_err();
    assert_eq!(article(r.clone()), (48, Some(2), None));
    assert!(r.zh.contains("变更"), "{}", r.zh);
    // Overturned on review (Friday 4 Dec 2026): withdraw within three
    // working days (art. 48 para. 2, art. 85): by Wednesday 9 Dec.
    c.ok(Step::Overturned, "2026-12-04");
    let running: Vec<_> =
        c.p.deadlines(Calendar::builtin(), &c.deadlines, Region::National)
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.due))
            .collect();
    assert_eq!(
        running,
        [("publication_withdrawal".into(), Some(d("2026-12-09")))]
    );
    let r = c.step(Step::Overturned, "2026-12-04").unwrap_err();
    assert_eq!(article(r), (48, Some(2), None));
    c.ok(Step::PublicationWithdrawn, "2026-12-07");
    assert!(c
        .p
        .deadlines(Calendar::builtin(), &c.deadlines, Region::National)
        .unwrap()
        .is_empty());
    let r = c
        .step(Step::PublicationWithdrawn, "2026-12-07")
        .unwrap_err();
    assert_eq!(article(r), (48, Some(2), None));
    // The other steps stay closed (art. 57).
    assert!(c.step(Step::Paid, "2026-12-07").is_err());
}

#[test]
fn xzcff_art_48_a_decision_overturned_before_publication_is_not_published_and_no_penalty_never_is()
{
    let mut c = filled_notice(false, false, false);
    c.ok(Step::Decided, "2026-11-13");
    c.ok(Step::Overturned, "2026-11-16");
    let r = c.step(Step::Published, "2026-11-16").unwrap_err();
    assert_eq!(article(r), (48, Some(2), None));
    assert!(c
        .p
        .deadlines(Calendar::builtin(), &c.deadlines, Region::National)
        .unwrap()
        .iter()
        .all(|r| !r.id.starts_with("publication")));
    let mut c = filled_notice(false, false, false);
    c.ok(Step::Decided, "2026-11-13");
    c.p.no_penalty = true;
    let r = c.step(Step::Published, "2026-11-16").unwrap_err();
    assert_eq!(article(r.clone()), (48, Some(1), None));
    assert!(r.zh.contains("不予行政处罚"), "{}", r.zh);
    // Withheld (secrets, privacy) instead of published: no deadline.
    let mut c = filled_notice(false, false, false);
    c.ok(Step::Decided, "2026-11-13");
    c.ok(Step::PublicationWithheld, "2026-11-16");
    assert!(c
        .p
        .deadlines(Calendar::builtin(), &c.deadlines, Region::National)
        .unwrap()
        .iter()
        .all(|r| r.id != "publication"));
}
