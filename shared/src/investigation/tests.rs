#![allow(clippy::unwrap_used)]
use super::*;
use crate::check::Witness;
use crate::record::RecordBody;

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn signed() -> Receipt {
    Receipt::Signed {
        signature: Digest([3; 32]),
    }
}

fn interview() -> Interview {
    Interview {
        case_id: Uuid::nil(),
        case_no: "新交执〔2026〕2号".into(),
        started_at: at("2026-12-02T10:00:00+08:00"),
        ended_at: at("2026-12-02T10:25:00+08:00"),
        place: "G30 连霍高速 3012 km 检查站".into(),
        person: Interviewee {
            name: "张三".into(),
            id_number: String::new(),
            relation: Relation::Party,
        },
        exchanges: vec![Exchange {
            q: "车上货物从何处运往何处？".into(),
            a: "从昌吉运到乌鲁木齐。".into(),
        }],
        receipt: signed(),
        basis: "《中华人民共和国行政处罚法》第五十五条第二款".into(),
    }
}

#[test]
fn xzcff_art_55_an_interview_needs_questions_answers_and_times_in_order() {
    assert!(interview().check().is_ok());
    let mut w = interview();
    w.exchanges.clear();
    assert!(w.check().unwrap_err().zh.contains("问答"));
    let mut w = interview();
    w.exchanges[0].a = "  ".into();
    assert!(w.check().unwrap_err().en.contains("answer 1"));
    let mut w = interview();
    w.ended_at = at("2026-12-02T09:59:00+08:00");
    assert!(w.check().unwrap_err().zh.contains("结束时间"));
    let mut w = interview();
    w.ended_at = at("2026-12-04T10:00:00+08:00");
    assert!(w.check().is_err(), "one sitting, not days");
    let mut w = interview();
    w.exchanges[0].q = "a\u{7}b".into();
    assert!(w.check().is_err(), "control characters are refused");
    let mut w = interview();
    w.exchanges[0].a = "第一行\n第二行".into();
    assert!(w.check().is_ok(), "an answer may run over lines");
}

#[test]
fn xzcff_art_55_a_writing_is_signed_by_the_person_or_the_refusal_is_noted() {
    let mut w = interview();
    w.receipt = Receipt::Refused {
        note: " ".into(),
        witness: None,
    };
    assert!(w.check().unwrap_err().zh.contains("拒绝签名"));
    w.receipt = Receipt::Refused {
        note: "被询问人拒绝签名".into(),
        witness: Some(Witness {
            name: "李四".into(),
            id: String::new(),
        }),
    };
    assert!(w.check().is_ok());
    assert!(w.blobs().is_empty());
    assert_eq!(interview().blobs(), vec![Digest([3; 32])]);
}

#[test]
fn xzcff_art_56_a_preservation_list_names_its_items_and_the_approving_head() {
    let good = EvidenceRegister {
        case_id: Uuid::nil(),
        case_no: "新交执〔2026〕2号".into(),
        items: vec![PreservedItem {
            name: "道路运输证".into(),
            spec: String::new(),
            quantity: 1,
            unit: "本".into(),
        }],
        kept_at: "乌鲁木齐市交通运输综合行政执法支队证物室".into(),
        approved_by: "王五".into(),
        decide_by: NaiveDate::from_ymd_opt(2026, 12, 11).unwrap(),
        receipt: signed(),
        basis: "《中华人民共和国行政处罚法》第五十六条".into(),
    };
    assert!(good.check().is_ok());
    let mut w = good.clone();
    w.approved_by.clear();
    assert!(w.check().unwrap_err().zh.contains("第五十六条"));
    let mut w = good.clone();
    w.items[0].quantity = 0;
    assert!(w.check().is_err());
    let mut w = good;
    w.items.clear();
    assert!(w.check().is_err());
}

#[test]
fn xzcff_art_28_an_order_to_correct_says_what_to_correct() {
    let good = CorrectionOrder {
        case_id: Uuid::nil(),
        case_no: "新交执〔2026〕2号".into(),
        violation: "未取得道路运输经营许可，擅自从事道路货物运输经营".into(),
        order: "立即停止违法经营行为".into(),
        correct_by: None,
        receipt: signed(),
        basis: "《中华人民共和国行政处罚法》第二十八条第一款".into(),
    };
    assert!(good.check().is_ok());
    let mut w = good;
    w.order = String::new();
    assert!(w.check().unwrap_err().en.contains("what to correct"));
}

#[test]
fn the_record_kinds_round_trip_and_are_checked_through_the_body() {
    let body = RecordBody::InterviewRecorded(interview());
    assert_eq!(body.kind(), "interview_recorded");
    let json = serde_json::to_string(&body).unwrap();
    let back: RecordBody = serde_json::from_str(&json).unwrap();
    assert_eq!(back, body);
    assert_eq!(back.blobs(), vec![Digest([3; 32])]);
    let mut w = interview();
    w.place.clear();
    assert!(check(&RecordBody::InterviewRecorded(w)).is_err());
}
