//! The writings on a real SQLite store, printed from their records.

use fieldcase_documents::fill::{fill, Pick, Signed};
use fieldcase_documents::template::BlockKind;
use fieldcase_shared::calendar::{Calendar, Region};
use fieldcase_shared::check::Witness;
use fieldcase_shared::investigation::{Relation, MAX_EXCHANGES};

use super::*;
use crate::cases::Event;
use crate::testkit::{decided, decision, ink, officers, refused_text};

/// `h:m` yesterday, Beijing time.
fn at(h: u32, m: u32) -> DateTime<FixedOffset> {
    let east8 = FixedOffset::east_opt(8 * 3600).unwrap();
    let day = Terminal::now().with_timezone(&east8).date_naive() - chrono::Days::new(1);
    day.and_hms_opt(h, m, 0)
        .unwrap()
        .and_local_timezone(east8)
        .unwrap()
}

fn sitting() -> Sitting {
    Sitting {
        started_at: at(10, 5),
        ended_at: at(10, 40),
        place: "G30 K3480 治超站".into(),
    }
}

fn interview(exchanges: Vec<Exchange>) -> Draft {
    Draft::Interview {
        sitting: sitting(),
        person: Interviewee {
            name: "李四".into(),
            id_number: "650102198001011234".into(),
            relation: Relation::Witness,
        },
        exchanges,
    }
}

fn qa(q: &str, a: &str) -> Exchange {
    Exchange {
        q: q.into(),
        a: a.into(),
    }
}

/// The printed text of the document `kind` of the case (record `pick`).
fn printed(t: &Terminal, row: &CaseRow, kind: Kind, pick: Pick) -> Vec<String> {
    let records: Vec<Signed> = t
        .store
        .case_records(&row.case_id)
        .unwrap()
        .into_iter()
        .map(|r| Signed {
            payload: crate::cases::payload(&r).unwrap(),
            digest: r.digest,
        })
        .collect();
    let filled = fill(kind, &records, "某某交通运输综合行政执法支队", pick).unwrap();
    let template = kind.template().unwrap();
    fieldcase_documents::fill::block_texts(&template, &filled)
        .into_iter()
        .filter(|(k, _)| *k != BlockKind::Qr)
        .map(|(_, t)| t)
        .collect()
}

#[test]
fn xzcff_art_55_an_interview_is_signed_with_its_questions_answers_and_times() {
    let (_dir, t, row) = decided(Some(decision(2000, "general")));
    let w = t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            interview(vec![
                qa("我们是执法人员，这是执法证件，你看清楚了吗？", "看清楚了。"),
                qa("车上装的是什么货？", "钢材，\n约四十吨。"),
            ]),
            ReceiptInput::Signature(ink()),
        )
        .unwrap();
    assert_eq!(w.kind, Kind::Interview);
    let text = printed(&t, &row, Kind::Interview, Pick::Latest).join("\n");
    for want in [
        "询问时间：",
        "10时05分至",
        "10时40分",
        "被询问人：李四（证人）",
        "650102198001011234",
        "问：我们是执法人员，这是执法证件，你看清楚了吗？",
        "答：看清楚了。",
        "问：车上装的是什么货？",
        "答：钢材，\n约四十吨。",
        "被询问人已在执法终端签名确认（签名图像 SHA-256：",
        "执法证号 65010023、执法证号 65010031",
        "第五十五条第二款",
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
    // The signature is evidence of the case, the writing in its history.
    let detail = t.cases().detail(&row.case_id).unwrap();
    assert!(detail
        .events
        .iter()
        .any(|e| matches!(&e.what, Event::Writing(w) if w.title().0 == "询问笔录")));
}

#[test]
fn xzcff_art_55_a_writing_that_says_nothing_or_runs_backwards_is_refused_and_nothing_is_kept() {
    let (_dir, t, row) = decided(Some(decision(2000, "general")));
    let before = t.store.case_records(&row.case_id).unwrap().len();
    let e = t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            interview(vec![qa("问题", "  ")]),
            ReceiptInput::Signature(ink()),
        )
        .unwrap_err();
    assert!(refused_text(e).contains("第 1 答"));
    let backwards = Draft::Site {
        sitting: Sitting {
            started_at: at(11, 0),
            ended_at: at(10, 0),
            place: "G30".into(),
        },
        present: "驾驶员王五".into(),
        observed: "车辆停放于检查区".into(),
    };
    let e = t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            backwards,
            ReceiptInput::Signature(ink()),
        )
        .unwrap_err();
    assert!(refused_text(e).contains("结束时间早于开始时间"));
    let future = Draft::Site {
        sitting: Sitting {
            started_at: Terminal::now(),
            ended_at: Terminal::now() + chrono::Duration::hours(2),
            place: "G30".into(),
        },
        present: "驾驶员王五".into(),
        observed: "车辆停放于检查区".into(),
    };
    let e = t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            future,
            ReceiptInput::Signature(ink()),
        )
        .unwrap_err();
    assert!(refused_text(e).contains("晚于现在"));
    let too_many = (0..=MAX_EXCHANGES)
        .map(|i| qa(&format!("问{i}"), "答"))
        .collect();
    assert!(t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            interview(too_many),
            ReceiptInput::Signature(ink())
        )
        .is_err());
    // No record and no signature evidence were kept of any of them.
    assert_eq!(t.store.case_records(&row.case_id).unwrap().len(), before);
}

#[test]
fn xzcff_art_56_preserved_evidence_must_be_decided_within_7_working_days() {
    let (_dir, t, row) = decided(Some(decision(2000, "general")));
    let draft = |approved_by: &str| Draft::Register {
        items: vec![PreservedItem {
            name: "道路运输证".into(),
            spec: "新A12345".into(),
            quantity: 1,
            unit: "本".into(),
        }],
        kept_at: "某某执法支队证据保管室".into(),
        approved_by: approved_by.into(),
    };
    let e = t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            draft(" "),
            ReceiptInput::Signature(ink()),
        )
        .unwrap_err();
    assert!(refused_text(e).contains("第五十六条"));
    let w = t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            draft("王局长"),
            ReceiptInput::Refused {
                note: "当事人拒绝签名".into(),
                witness: Some(Witness {
                    name: "赵六".into(),
                    id: "650102199001011234".into(),
                }),
            },
        )
        .unwrap();
    let today = crate::service::beijing_day(Terminal::now());
    let want = Calendar::builtin()
        .add_working_days(today, 7, Region::National)
        .unwrap();
    assert_eq!(w.decide_by, Some(want));
    let text = printed(&t, &row, Kind::EvidenceRegister, Pick::Latest).join("\n");
    for want in [
        "经王局长批准".to_owned(),
        format!("本机关将于{}前作出处理决定", want.format("%Y年%m月%d日")),
        "不得销毁或者转移证据".to_owned(),
        "1. 道路运输证，规格：新A12345，数量：1本".to_owned(),
        "保存地点：某某执法支队证据保管室".to_owned(),
        "当事人拒绝签名。执法人员注明：当事人拒绝签名；见证人：赵六（650102199001011234）"
            .to_owned(),
    ] {
        assert!(text.contains(&want), "{want:?} not in:\n{text}");
    }
}

#[test]
fn xzcff_art_28_an_order_to_correct_says_by_when_and_several_interviews_are_picked_by_seq() {
    let (_dir, t, row) = decided(Some(decision(2000, "general")));
    let by = chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
    t.writings()
        .record(
            &officers(),
            &row.case_no,
            Draft::Order {
                violation: "未随车携带道路运输证".into(),
                order: "补办并随车携带道路运输证".into(),
                correct_by: Some(by),
            },
            ReceiptInput::Signature(ink()),
        )
        .unwrap();
    let text = printed(&t, &row, Kind::CorrectionOrder, Pick::Latest).join("\n");
    assert!(
        text.contains("责令你（单位）于2026年12月10日前改正上述违法行为：补办并随车携带道路运输证"),
        "{text}"
    );
    assert!(
        text.contains("六十日内") && text.contains("六个月内"),
        "{text}"
    );
    let first = t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            interview(vec![qa("第一次", "答一")]),
            ReceiptInput::Signature(ink()),
        )
        .unwrap();
    t.writings()
        .record(
            &officers(),
            &row.case_no,
            interview(vec![qa("第二次", "答二")]),
            ReceiptInput::Signature(ink()),
        )
        .unwrap();
    let latest = printed(&t, &row, Kind::Interview, Pick::Latest).join("\n");
    assert!(latest.contains("问：第二次") && !latest.contains("第一次"));
    let picked = printed(&t, &row, Kind::Interview, Pick::Seq(first.seq)).join("\n");
    assert!(picked.contains("问：第一次") && !picked.contains("第二次"));
}

fn measure(items: Vec<PreservedItem>, kept_at: &str) -> Draft {
    Draft::Measure {
        address: "乌鲁木齐市天山区解放南路1号".into(),
        reason: "拒不接受超限检测".into(),
        items,
        kept_at: kept_at.into(),
    }
}

fn truck() -> PreservedItem {
    PreservedItem {
        name: "货车 新A12345".into(),
        spec: "重型半挂牵引车".into(),
        quantity: 1,
        unit: "辆".into(),
    }
}

#[test]
fn qzf_art_24_25_the_measure_decision_names_the_measures_the_check_took_and_30_days() {
    use fieldcase_shared::catalog::MeasureKind;
    // A check that took no measure has no measure decision.
    let (_dir, t, row) = decided(Some(decision(2000, "general")));
    let e = t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            measure(vec![truck()], "停车场"),
            ReceiptInput::Signature(ink()),
        )
        .unwrap_err();
    assert!(refused_text(e).contains("未实施行政强制措施"));

    let mut d = decision(2000, "general");
    d.code = "GLAQ-67".into();
    d.basis = "《公路安全保护条例》第六十七条".into();
    d.measures = vec![MeasureKind::DetainVehicle];
    let (_dir, t, row) = decided(Some(d.clone()));
    // A detention lists what is detained and where it is kept.
    let e = t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            measure(vec![], "停车场"),
            ReceiptInput::Signature(ink()),
        )
        .unwrap_err();
    let e = refused_text(e);
    assert!(e.contains("清单"), "{e}");
    let w = t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            measure(vec![truck()], "超限检测站停车场"),
            ReceiptInput::Signature(ink()),
        )
        .unwrap();
    let checked = crate::service::beijing_day(row.opened_at);
    let until = checked + chrono::Days::new(30);
    assert_eq!((w.kind, w.decide_by), (Kind::MeasureDecision, Some(until)));
    let text = printed(&t, &row, Kind::MeasureDecision, Pick::Latest).join("\n");
    for want in [
        "依据《公路安全保护条例》第六十七条的规定".to_owned(),
        "实施以下行政强制措施：扣留车辆".to_owned(),
        format!("至{}止", until.format("%Y年%m月%d日")),
        "1. 货车 新A12345，规格：重型半挂牵引车，数量：1辆".to_owned(),
        "存放地点：超限检测站停车场".to_owned(),
    ] {
        assert!(text.contains(&want), "{want:?} not in:\n{text}");
    }

    // Towing away detains nothing: no list, no period.
    d.measures = vec![MeasureKind::TowAway];
    let (_dir, t, row) = decided(Some(d));
    let e = t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            measure(vec![truck()], "停车场"),
            ReceiptInput::Signature(ink()),
        )
        .unwrap_err();
    let e = refused_text(e);
    assert!(e.contains("未扣押财物"), "{e}");
    let w = t
        .writings()
        .record(
            &officers(),
            &row.case_no,
            measure(vec![], ""),
            ReceiptInput::Signature(ink()),
        )
        .unwrap();
    assert_eq!(w.decide_by, None);
    let text = printed(&t, &row, Kind::MeasureDecision, Pick::Latest).join("\n");
    assert!(
        text.contains("强制拖离") && text.contains("本措施不扣押财物"),
        "{text}"
    );
}
