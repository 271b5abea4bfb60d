//! The rest of the bureau's forms, from acts the real `fieldcase-server
//! act` signed after the state machine's checks: the 听证通知书 once the
//! party asked for a hearing, at least seven working days ahead (行政处罚法
//! art. 64 items 1–2, counted on the working-day calendar by the real
//! `fieldcase-server calendar add`); the 不予行政处罚决定书 (art. 33) and the
//! 结案报告. Each is rendered by `fieldcase-server document`, its fonts
//! embedded (`pdffonts`), its fields read back (`pdftotext`) and its QR
//! code decoded from a `pdftoppm` raster (`zbarimg`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use fieldcase_e2e::bureau::{
    act, act_ok, agency_server, document, handed_over_cases, squash, AGENCY,
};
use fieldcase_e2e::{run_ok, seeded_terminal, server_bodies};
use fieldcase_shared::record::RecordBody;
use serde_json::json;

#[test]
fn the_hearing_notice_no_penalty_decision_and_closing_report_come_from_signed_acts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let term = d.join("term");
    // Twenty demo cases: the demo draws their violations, and two of them
    // must need the general procedure.
    let key = seeded_terminal(&term, 20, 0);
    let t = term.to_string_lossy().into_owned();
    let cases = handed_over_cases(&t, d);
    assert!(
        cases.len() >= 2,
        "two general-procedure demo cases: {cases:?}"
    );
    let server = agency_server(&d.join("server"));
    server.register(&key, "terminal");
    run_ok(
        "fieldcase",
        &["--data-dir", &t, "sync", "--server", &server.url],
    );
    server.add_staff(
        "chengban",
        "case_officer",
        "承办人甲",
        fieldcase_e2e::bureau::PASSWORD,
    );
    server.add_staff("wangju", "head", "王局长", fieldcase_e2e::bureau::PASSWORD);
    server.add_staff(
        "fazhi",
        "legal_reviewer",
        "法制审核员乙",
        fieldcase_e2e::bureau::PASSWORD,
    );
    server.qualify("fazhi", "A20221100000456");
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    let later = |days: u64| (today + chrono::Days::new(days)).to_string();
    let filed = json!({
        "step": {"step": "filed", "approved_by": ""},
        "paper": {"form": "filing", "source": "路检路查", "facts": "现场检查发现违法行为",
                  "opinion": "建议立案调查", "approval": "同意立案"}
    });
    let notice = |offered: bool| {
        json!({
            "step": {"step": "notice_served", "hearing_offered": offered},
            "paper": {"form": "notice", "facts": "当事人存在违法行为", "basis": "有关规定",
                      "proposed": "罚款人民币伍仟元", "respond_by": later(5),
                      "hearing_by": offered.then(|| later(5)), "contact": "0991-1234567"}
        })
    };

    // A: the party asks for a hearing; the notice must come seven working
    // days before it (art. 64 item 2).
    let a = &cases[0];
    act_ok(&server, a, "wangju", &filed, d);
    act_ok(&server, a, "chengban", &notice(true), d);
    act_ok(
        &server,
        a,
        "chengban",
        &json!({"step": {"step": "hearing_requested"}}),
        d,
    );
    let workdays = |n: &str| {
        run_ok(
            "fieldcase-server",
            &["calendar", "add", &today.to_string(), n],
        )
        .trim()
        .to_owned()
    };
    let hearing = |on: &str| {
        json!({
            "step": {"step": "hearing_noticed", "hearing_on": on},
            "paper": {"form": "hearing_notice", "at": format!("{on}T10:00:00+08:00"),
                      "place": "本机关三楼听证室", "host": "法制科赵主持", "public": true}
        })
    };
    let soon = workdays("6");
    let (ok, _, err) = act(&server, a, "chengban", &hearing(&soon), d);
    assert!(
        !ok && err.contains("第六十四条"),
        "six working days ahead: {err}"
    );
    let on = workdays("7");
    let digest = act_ok(&server, a, "chengban", &hearing(&on), d);
    let (text, qr) = document(&server, a, "hearing_notice", d);
    let (y, m, dd) = (&on[..4], &on[5..7], &on[8..10]);
    let flat = squash(&text);
    for want in [
        format!("本机关定于{y}年{m}月{dd}日10时00分在本机关三楼听证室举行听证"),
        "听证主持人为法制科赵主持".to_owned(),
        a.clone(),
        AGENCY.to_owned(),
    ] {
        assert!(flat.contains(&want), "{want:?} not in:\n{text}");
    }
    assert_eq!(
        (qr.kind.as_str(), qr.record.to_hex()),
        ("hearing_notice", digest)
    );
    // The hearing is held with its 听证笔录 (art. 64 item 8), and not before
    // the day the notice set (item 2).
    let (ok, _, err) = act(
        &server,
        a,
        "chengban",
        &json!({"step": {"step": "hearing_held"}}),
        d,
    );
    assert!(!ok && err.contains("听证笔录"), "{err}");
    let record = json!({"step": {"step": "hearing_held"},
        "paper": {"form": "hearing_record", "started_at": format!("{today}T09:00:00+08:00"),
                  "ended_at": format!("{today}T10:30:00+08:00"), "place": "本机关三楼听证室",
                  "host": "法制科赵主持", "recorder": "书记员钱", "attendees": "当事人及其代理人孙律师",
                  "case_put": "调查人员出示现场笔录和照片，建议罚款伍仟元", "defence": "当事人称初次违法",
                  "last_word": "请求从轻处罚"}});
    let (ok, _, err) = act(&server, a, "chengban", &record, d);
    assert!(
        !ok && err.contains("不得提前举行") && err.contains("第六十四条"),
        "{err}"
    );

    // B: no penalty (art. 33), then closed with its report.
    let b = &cases[1];
    let needs = server_bodies(&server, &key)
        .into_iter()
        .find_map(|body| match body {
            RecordBody::CaseClosed(c) if &c.case_no == b => c.findings.and_then(|f| f.decision),
            _ => None,
        })
        .unwrap();
    act_ok(&server, b, "wangju", &filed, d);
    act_ok(&server, b, "chengban", &notice(needs.hearing_right), d);
    act_ok(
        &server,
        b,
        "chengban",
        &json!({"step": {"step": "statement_heard", "closed": true}}),
        d,
    );
    if needs.hearing_right {
        act_ok(
            &server,
            b,
            "chengban",
            &json!({"step": {"step": "hearing_waived"}}),
            d,
        );
    }
    if needs.legal_review {
        act_ok(
            &server,
            b,
            "fazhi",
            &fieldcase_e2e::bureau::legal_review(&[]),
            d,
        );
    }
    let decided = json!({
        "step": {"step": "decided"},
        "paper": {"form": "no_penalty", "address": "乌鲁木齐市天山区解放北路1号",
                  "facts": "当事人初次违法且危害后果轻微，已当场改正",
                  "reason": "当事人初次违法且危害后果轻微并及时改正，",
                  "basis": "《中华人民共和国行政处罚法》第三十三条第一款"}
    });
    act_ok(&server, b, "chengban", &decided, d);
    let (text, qr) = document(&server, b, "no_penalty_decision", d);
    let flat = squash(&text);
    for want in [
        "乌鲁木齐市天山区解放北路1号",
        "经查，当事人初次违法且危害后果轻微，已当场改正",
        "依据《中华人民共和国行政处罚法》第三十三条第一款的规定，本机关决定对你（单位）不予行政处罚",
        "六十日内",
        "六个月内",
    ] {
        assert!(flat.contains(want), "{want:?} not in:\n{text}");
    }
    assert_eq!(qr.kind, "no_penalty_decision");
    let closed = json!({
        "step": {"step": "closed"},
        "paper": {"form": "closing_report", "outcome": "不予行政处罚", "execution": "已对当事人进行教育，无须执行"}
    });
    // Not before the decision is served (art. 61 para. 1).
    let (ok, _, err) = act(&server, b, "chengban", &closed, d);
    assert!(!ok && err.contains("第六十一条"), "{err}");
    act_ok(
        &server,
        b,
        "chengban",
        &fieldcase_e2e::bureau::served_in_person(),
        d,
    );
    act_ok(&server, b, "chengban", &closed, d);
    let (text, qr) = document(&server, b, "closing_report", d);
    let flat = squash(&text);
    for want in ["不予行政处罚", "已对当事人进行教育，无须执行", b.as_str()] {
        assert!(flat.contains(want), "{want:?} not in:\n{text}");
    }
    assert_eq!(qr.kind, "closing_report");
    // After 结案 nothing more is signed (art. 57).
    let (ok, _, err) = act(&server, b, "chengban", &closed, d);
    assert!(!ok && err.contains("已结案"), "{err}");
}
