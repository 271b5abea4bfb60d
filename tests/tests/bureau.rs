//! A general-procedure case after the roadside, with the real binaries:
//! the terminal hands the case over (移交) and syncs; at the bureau
//! `fieldcase-server act` signs each step with the staff member's own key
//! after the shared state machine's checks — a decision before filing
//! (行政处罚法 art. 54) or before the notice's response period ends
//! (art. 62) is refused and nothing is signed; `fieldcase-server document`
//! prints the 立案登记表, 违法行为通知书 and 行政处罚决定书 from those signed
//! acts (`pdffonts`, `pdftotext`, `zbarimg`); on its next sync the terminal
//! shows what the bureau did; the case's disc, built at the bureau,
//! carries the acts' documents.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::Path;

use fieldcase_app::core::Terminal;
use fieldcase_e2e::bureau::{
    act, act_ok, agency_server, document, handed_over_cases, legal_review, served_in_person,
    squash, AGENCY, PASSWORD,
};
use fieldcase_e2e::office::{archive_disc, get_info};
use fieldcase_e2e::{
    office_login, run, run_input, run_ok, seeded_terminal, server_bodies, tool, Server,
};
use fieldcase_shared::record::RecordBody;
use serde_json::{json, Value};

#[test]
fn the_bureau_carries_a_handed_over_case_through_signed_acts_and_its_documents() {
    let dir = tempfile::tempdir().unwrap();
    let term = dir.path().join("term");
    // Sixteen: the demo draws its violations, about half need the
    // general procedure.
    let key = seeded_terminal(&term, 16, 0);
    let t = term.to_string_lossy().into_owned();
    let case_no = handed_over_cases(&t, dir.path())
        .into_iter()
        .next()
        .expect("a general-procedure case among the demo cases");
    let server = agency_server(&dir.path().join("server"));
    server.register(&key, "terminal");
    run_ok(
        "fieldcase",
        &["--data-dir", &t, "sync", "--server", &server.url],
    );
    let decision = server_bodies(&server, &key)
        .into_iter()
        .find_map(|b| match b {
            RecordBody::CaseClosed(c) if c.case_no == case_no => {
                c.findings.and_then(|f| f.decision)
            }
            _ => None,
        })
        .expect("the handed-over case's closing record on the server");
    assert_eq!(decision.procedure, "general");
    server.add_staff("chengban", "case_officer", "承办人甲", PASSWORD);
    server.add_staff("wangju", "head", "王局长", PASSWORD);
    server.add_staff("fazhi", "legal_reviewer", "法制审核员乙", PASSWORD);
    let d = dir.path();

    let decided = json!({
        "step": {"step": "decided"},
        "paper": {"form": "decision", "address": "乌鲁木齐市天山区解放北路1号", "facts": "当事人存在违法行为，事实清楚",
                  "evidence": ["现场检查记录", "现场照片", "执法记录仪音像记录"], "basis": decision.basis,
                  "penalty": "罚款人民币伍仟元", "fine_yuan": 5000,
                  "performance": "自收到本决定书之日起十五日内缴纳罚款"}
    });
    // Not filed yet: a decision is refused (art. 54 para. 2), nothing signed.
    let (ok, _, err) = act(&server, &case_no, "chengban", &decided.clone(), d);
    assert!(!ok && err.contains("第五十四条"), "{err}");
    // A decision without its document is refused for what it lacks.
    let (ok, _, err) = act(
        &server,
        &case_no,
        "chengban",
        &json!({"step": {"step": "decided"}}),
        d,
    );
    assert!(!ok && err.contains("行政处罚决定书"), "{err}");
    // A wrong password signs nothing either.
    let wrong = run_input(
        "fieldcase-server",
        &[
            "--data-dir",
            &server.dir.to_string_lossy(),
            "act",
            &case_no,
            "--user",
            "chengban",
            "--file",
            &d.join("act.json").to_string_lossy(),
        ],
        "wrong password\n",
    );
    assert!(!wrong.status.success());

    // 立案 is the head's approval, signed by the head (art. 54 para. 2):
    // a case officer's is refused, and the name typed is not what counts.
    let filed = json!({
        "step": {"step": "filed", "approved_by": "someone else"},
        "paper": {"form": "filing", "source": "路检路查", "facts": "当事人车辆经现场检查发现违法行为，适用普通程序",
                  "opinion": "建议立案调查", "approval": "同意立案"}
    });
    let (ok, _, err) = act(&server, &case_no, "chengban", &filed, d);
    assert!(!ok && err.contains("负责人"), "{err}");
    act_ok(
        &server,
        &case_no,
        "wangju",
        &json!({
            "step": {"step": "filed", "approved_by": "someone else"},
            "paper": {"form": "filing", "source": "路检路查", "facts": "当事人车辆经现场检查发现违法行为，适用普通程序",
                      "opinion": "建议立案调查", "approval": "同意立案"}
        }),
        d,
    );
    // The notice offers a hearing where the penalty gives the right (art. 63).
    let hearing_by = decision
        .hearing_right
        .then(|| (chrono::Utc::now().date_naive() + chrono::Days::new(10)).to_string());
    act_ok(
        &server,
        &case_no,
        "chengban",
        &json!({
            "step": {"step": "notice_served", "hearing_offered": decision.hearing_right},
            "paper": {"form": "notice", "facts": "当事人存在违法行为", "basis": decision.basis,
                      "proposed": "罚款人民币伍仟元", "respond_by": (chrono::Utc::now().date_naive() + chrono::Days::new(5)).to_string(),
                      "hearing_by": hearing_by, "contact": "0991-1234567"}
        }),
        d,
    );
    let (ok, _, err) = act(&server, &case_no, "chengban", &decided.clone(), d);
    assert!(
        !ok && err.contains("第六十二条"),
        "before the response period ends: {err}"
    );
    act_ok(
        &server,
        &case_no,
        "chengban",
        &json!({"step": {"step": "statement_heard", "closed": true}}),
        d,
    );
    if decision.hearing_right {
        act_ok(
            &server,
            &case_no,
            "chengban",
            &json!({"step": {"step": "hearing_waived"}}),
            d,
        );
    }
    if decision.legal_review {
        let (ok, _, err) = act(&server, &case_no, "chengban", &legal_review(&[]), d);
        assert!(
            !ok && err.contains("法制审核"),
            "a case officer is not a legal reviewer: {err}"
        );
        // Art. 58 para. 2: no opinion without the qualification on the
        // account; then the account's number is on the opinion.
        let (ok, _, err) = act(&server, &case_no, "fazhi", &legal_review(&[]), d);
        assert!(!ok && err.contains("第五十八条第二款"), "{err}");
        server.qualify("fazhi", "A20221100000123");
        act_ok(&server, &case_no, "fazhi", &legal_review(&[]), d);
        let (opinion, _) = document(&server, &case_no, "legal_opinion", d);
        let opinion = squash(&opinion);
        assert!(opinion.contains("A20221100000123"), "{opinion}");
        assert!(opinion.contains("裁量：同意"), "{opinion}");
        assert!(!opinion.contains("typed, replaced"), "{opinion}");
    }
    let decision_digest = act_ok(&server, &case_no, "chengban", &decided, d);

    // The acts are on the server, signed by the staff key, not the terminal.
    let store = fieldcase_sync_server::store::SqliteStore::open(
        &server.dir.join(fieldcase_sync_server::DB_FILE),
    )
    .unwrap();
    let case_id = Terminal::open(&term)
        .unwrap()
        .cases()
        .find(&case_no)
        .unwrap()
        .case_id;
    let held = fieldcase_sync_server::office::acts::verified_records(&store, &case_id).unwrap();
    let acts: Vec<_> = held
        .iter()
        .filter(|(_, p)| matches!(p.body, RecordBody::ProcedureAct(_)))
        .collect();
    let expected = 4 + usize::from(decision.hearing_right) + usize::from(decision.legal_review);
    assert_eq!(acts.len(), expected, "refused steps are not signed");
    let terminal_device = key
        .parse::<fieldcase_shared::keys::PublicKey>()
        .unwrap()
        .device_id();
    assert!(acts.iter().all(|(_, p)| p.device != terminal_device));

    // The case page tells the procedure from the records: the steps, and
    // the service deadline now running after the decision (art. 61).
    let cookie = fieldcase_e2e::office_login(&server.url, "chengban", PASSWORD);
    let page = fieldcase_e2e::office::curl(&[
        "-H",
        &cookie,
        &format!("{}/office/cases/{case_id}", server.url),
    ]);
    let section = &page[page
        .find("class=\"procedure\"")
        .expect("the procedure section")..];
    for want in [
        "普通程序",
        "已移交机关办理",
        "立案",
        "送达违法行为通知书",
        "作出决定",
        "行政处罚决定书送达（当事人不在场）",
    ] {
        assert!(
            section.contains(want),
            "{want:?} not in the case page's procedure"
        );
    }

    // The documents, from those acts.
    let (text, qr) = document(&server, &case_no, "penalty_decision", d);
    let flat = squash(&text);
    for want in [
        case_no.as_str(),
        "行政处罚决定书",
        "乌鲁木齐市天山区解放北路1号",
        "当事人存在违法行为，事实清楚",
        "3.执法记录仪音像记录",
        "罚款人民币伍仟元",
        "六十日内",
        "六个月内",
        "每日按罚款数额的百分之三",
        AGENCY,
    ] {
        assert!(flat.contains(&squash(want)), "{want:?} not in:\n{text}");
    }
    assert!(flat.contains(&squash(&decision.basis)), "{text}");
    assert_eq!(qr.kind, "penalty_decision");
    assert_eq!(qr.case_no, case_no);
    assert_eq!(qr.record.to_hex(), decision_digest);
    let (text, qr) = document(&server, &case_no, "filing_form", d);
    assert!(
        squash(&text).contains("王局长") && squash(&text).contains("同意立案"),
        "{text}"
    );
    assert_eq!(qr.kind, "filing_form");
    let (text, _) = document(&server, &case_no, "violation_notice", d);
    assert!(squash(&text).contains("陈述、申辩的权利"), "{text}");
    // Not closed yet: no 结案报告, and a clear error.
    let out = run(
        "fieldcase-server",
        &[
            "--data-dir",
            &server.dir.to_string_lossy(),
            "document",
            &case_no,
            "closing_report",
            "--agency",
            AGENCY,
            "--out",
            &d.join("c.pdf").to_string_lossy(),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("结案报告"));

    // Served, then the head approves three instalments (art. 66 para. 2):
    // a case officer may not; the page shows the approved day as the one
    // the fine is due by.
    act_ok(&server, &case_no, "chengban", &served_in_person(), d);
    let (receipt, _) = document(&server, &case_no, "service_receipt", d);
    let receipt = squash(&receipt);
    assert!(receipt.contains("直接送达"), "{receipt}");
    assert!(receipt.contains(&decision_digest), "{receipt}");
    let until = (chrono::Utc::now().date_naive() + chrono::Days::new(60)).to_string();
    let deferral = json!({"step": {"step": "payment_deferred", "until": until, "instalments": 3}});
    let (ok, _, err) = act(&server, &case_no, "chengban", &deferral.clone(), d);
    assert!(!ok && err.contains("负责人"), "{err}");
    act_ok(&server, &case_no, "wangju", &deferral, d);
    let page = fieldcase_e2e::office::curl(&[
        "-H",
        &cookie,
        &format!("{}/office/cases/{case_id}", server.url),
    ]);
    let section = &page[page.find("class=\"procedure\"").unwrap()..];
    for want in [
        "分期缴纳罚款",
        "暂缓（分期）缴纳罚款的期限",
        until.as_str(),
        "第六十六条第二款",
    ] {
        assert!(
            section.contains(want),
            "{want:?} not in the procedure section"
        );
    }

    // The terminal hears of each step on its next sync.
    run_ok(
        "fieldcase",
        &["--data-dir", &t, "sync", "--server", &server.url],
    );
    let messages: Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &t, "messages", "--json"],
    ))
    .unwrap();
    let progress: Vec<&Value> = messages
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "case_progress" && m["case_no"] == case_no.as_str())
        .collect();
    assert_eq!(progress.len(), expected + 2, "{messages}");
    let terminal = Terminal::open(&term).unwrap();
    let detail = terminal.cases().detail(&case_id).unwrap();
    assert!(detail.handed_over());
    let texts: Vec<&str> = detail.bureau.iter().map(|m| m.text.as_str()).collect();
    let beijing_today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    assert!(texts[0].starts_with("立案"), "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.contains("行政处罚决定书") && t.contains("罚款人民币伍仟元")),
        "{texts:?}"
    );
    assert!(
        texts.last().unwrap().contains(&format!(
            "分期缴纳罚款（{beijing_today}）：至 {until}，共 3 期"
        )),
        "{texts:?}"
    );
    archived_with_its_documents(&server, &case_id.to_string(), &decision_digest, d);
}

/// The case's disc, built at the bureau, carries the documents of the
/// acts, named by the archivist's seal; the decision on it matches its
/// signed act (`fieldcase-verify --document`).
fn archived_with_its_documents(server: &Server, case_id: &str, decision: &str, d: &Path) {
    server.add_staff("shen", "reviewer", "审核员甲", PASSWORD);
    server.add_staff("dang", "archivist", "档案员丙", PASSWORD);
    let base = server.url.clone();
    let reviewer = office_login(&base, "shen", PASSWORD);
    let archivist = office_login(&base, "dang", PASSWORD);
    let iso = d.join("disc.iso");
    archive_disc(&base, &reviewer, &archivist, case_id, &iso);
    let ext = d.join("ext");
    let o = tool(
        "osirrox",
        &[
            "-indev",
            &iso.to_string_lossy(),
            "-extract",
            "/",
            &ext.to_string_lossy(),
        ],
        d,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let agency = get_info(&base)["server_key"].as_str().unwrap().to_owned();
    let mut kinds = Vec::new();
    for e in std::fs::read_dir(ext.join("data/documents")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        kinds.push(name.split('-').nth(1).unwrap().to_owned());
        if name.contains("-penalty_decision-") {
            assert!(
                name.ends_with(&format!("-{}.pdf", &decision[..12])),
                "{name}"
            );
            let out = run(
                "fieldcase-verify",
                &[
                    &iso.to_string_lossy(),
                    "--ca",
                    &agency,
                    "--document",
                    &p.to_string_lossy(),
                ],
            );
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && said.contains("MATCHES — record"),
                "{said}"
            );
        }
    }
    for want in ["filing_form", "violation_notice", "penalty_decision"] {
        assert!(kinds.iter().any(|k| k == want), "{want} not in {kinds:?}");
    }
    let out = run(
        "fieldcase-verify",
        &[&iso.to_string_lossy(), "--ca", &agency],
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.starts_with("VALID\n"), "{said}");
}
