//! A vehicle detained at the check, with the real binaries (行政强制法):
//! the terminal signs the 现场笔录 (art. 18 item 7) and the
//! 行政强制措施决定书 with its 清单 (art. 24), printed from its record and
//! read back with `pdffonts`, `pdftotext` and `zbarimg`; both sync to the
//! real server; there only the agency head may approve the measure, once,
//! within 24 hours of the check (art. 19), and the bureau prints the same
//! decision from the records it holds.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use fieldcase_e2e::bureau::{act, act_ok, agency_server, document, squash, AGENCY, PASSWORD};
use fieldcase_e2e::roadside::{pdffonts_all_embedded, writing};
use fieldcase_e2e::{pdf_qr, pdf_text, run_ok, server_bodies};
use fieldcase_shared::docref::DocRef;
use fieldcase_shared::record::RecordBody;
use serde_json::{json, Value};

#[test]
fn a_detention_is_decided_on_the_spot_with_its_list_and_approved_by_the_head_within_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = d.join("term").to_string_lossy().into_owned();
    run_ok(
        "fieldcase",
        &["--data-dir", &t, "demo", "--cases", "0", "--detained"],
    );
    let key = run_ok("fieldcase", &["--data-dir", &t, "key", "show"])
        .trim()
        .to_owned();
    let list: Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &t, "case", "list", "--json"],
    ))
    .unwrap();
    let case_no = list[0]["case_no"].as_str().unwrap().to_owned();
    let plate = list[0]["plate"].as_str().unwrap().to_owned();

    // Items, period and place belong to a detention: a decision without
    // its list is refused, and nothing is signed.
    let measure = |items: &[&str]| {
        let mut args = vec![
            "measure",
            case_no.as_str(),
            "--address",
            "乌鲁木齐市天山区解放南路1号",
            "--reason",
            "当事人驾驶车辆拒不接受超限检测，强行驶离检测站",
            "--kept-at",
            "乌鲁木齐市超限检测站停车场",
            "--refused",
            "--note",
            "当事人拒绝在清单上签名",
        ];
        for i in items {
            args.extend(["--item", i]);
        }
        writing(&t, &args)
    };
    let (ok, _, err) = measure(&[]);
    assert!(!ok && err.contains("查封、扣押清单须列明"), "{err}");
    let item = format!("货车 {plate}|重型半挂牵引车|1|辆");
    let (ok, out, err) = measure(&[&item]);
    assert!(ok, "{err}");
    assert!(out.contains("the detention ends on"), "{out}");
    let (ok, _, err) = writing(
        &t,
        &[
            "site",
            &case_no,
            "--started",
            "2026-12-01 09:50",
            "--ended",
            "2026-12-01 10:10",
            "--place",
            "G30 K3480 治超站",
            "--present",
            "驾驶员王五",
            "--observed",
            "车辆拒不接受超限检测，执法人员依法扣留车辆。",
            "--refused",
            "--note",
            "在场人拒绝签名",
        ],
    );
    assert!(ok, "{err}");

    // The decision as the party gets it.
    let pdf = d.join("measure_decision.pdf");
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &t,
            "document",
            &case_no,
            "measure_decision",
            "--agency",
            AGENCY,
            "--out",
            &pdf.to_string_lossy(),
        ],
    );
    pdffonts_all_embedded(&pdf);
    let text = pdf_text(&pdf);
    let flat = squash(&text);
    for want in [
        case_no.as_str(),
        "行政强制措施决定书",
        "地址：乌鲁木齐市天山区解放南路1号",
        "依据《公路安全保护条例》第六十七条的规定",
        "扣留车辆",
        "扣押清单",
        &squash(&format!("1. 货车 {plate}，规格：重型半挂牵引车，数量：1辆")),
        "存放地点：乌鲁木齐市超限检测站停车场",
        "六十日内",
        "六个月内",
        "当事人拒绝签名。执法人员注明：当事人拒绝在清单上签名",
        AGENCY,
    ] {
        assert!(flat.contains(want), "{want:?} not in:\n{text}");
    }
    let qr = DocRef::parse(&pdf_qr(&pdf, "150", d)).unwrap();
    assert_eq!(
        (qr.case_no.as_str(), qr.kind.as_str()),
        (case_no.as_str(), "measure_decision")
    );

    // Synced: the bureau holds both writings and prints the same decision.
    let server = agency_server(&d.join("server"));
    server.register(&key, "执法终端 01");
    run_ok(
        "fieldcase",
        &["--data-dir", &t, "sync", "--server", &server.url],
    );
    let held = server_bodies(&server, &key);
    let decided = held
        .iter()
        .find_map(|b| match b {
            RecordBody::MeasureDecided(w) => Some(w.clone()),
            _ => None,
        })
        .expect("the measure decision reached the server");
    let until = decided.until.expect("a detention has its last day");
    assert!(flat.contains(&squash(&format!("至{}止", until.format("%Y年%m月%d日")))));
    let (bureau_text, bureau_qr) = document(&server, &case_no, "measure_decision", d);
    assert_eq!(
        squash(&bureau_text),
        flat,
        "the same document at the bureau"
    );
    assert_eq!(bureau_qr.record, qr.record);

    // Only the head approves (art. 19), once.
    server.add_staff("chengban", "case_officer", "承办人甲", PASSWORD);
    server.add_staff("wangju", "head", "王局长", PASSWORD);
    let approve = json!({"step": {"step": "measure_approved", "approved": true}});
    let (ok, _, err) = act(&server, &case_no, "chengban", &approve, d);
    assert!(!ok && err.contains("负责人"), "{err}");
    act_ok(&server, &case_no, "wangju", &approve, d);
    let (ok, _, err) = act(&server, &case_no, "wangju", &approve, d);
    assert!(!ok && err.contains("第十九条"), "approved once: {err}");
    // The decision and list come from the scene, never from the bureau.
    let forged = json!({"step": {"step": "measure_decision_served",
                                 "measures": ["detain_vehicle"], "until": until}});
    let (ok, _, err) = act(&server, &case_no, "chengban", &forged, d);
    assert!(!ok && err.contains("第二十四条"), "{err}");
    // Lawful now: the head may extend the detention once, by 30 days.
    let extend = |days: u64| {
        json!({"step": {"step": "measure_extended",
                        "until": (until + chrono::Days::new(days)).to_string()}})
    };
    let (ok, _, err) = act(&server, &case_no, "wangju", &extend(31), d);
    assert!(!ok && err.contains("第二十五条"), "{err}");
    let extended = act_ok(&server, &case_no, "wangju", &extend(30), d);
    assert_eq!(extended.len(), 64, "the signed act's digest: {extended}");
}
