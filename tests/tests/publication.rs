//! 双公示 with the real binaries: a general-procedure case decided at the
//! bureau with a decision whose text a clerk filled with other people's
//! names, ID numbers, phones, an account and the party's address; the
//! decision published by `fieldcase-server act` (the entry built by the
//! server, whatever the act file says), withheld for a minor refused for
//! an adult party (未成年人保护法 art. 103), exported by `fieldcase-server
//! publication export` as CSV and JSON with every field masked, then
//! overturned on review and withdrawn with its reason (行政处罚法 art. 48
//! para. 2), after which the export keeps only the number, days and
//! reason.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::Path;

use fieldcase_e2e::bureau::{
    act, act_ok, agency_server, handed_over_cases, legal_review, PASSWORD,
};
use fieldcase_e2e::{run, run_ok, seeded_terminal, server_bodies, Server};
use fieldcase_shared::check::Decision;
use fieldcase_shared::model::Party;
use fieldcase_shared::record::RecordBody;
use fieldcase_shared::validate::id_card_check_char;
use serde_json::{json, Value};

const WITNESS: &str = "李四";
const PHONE: &str = "138 0013 8000";
const ACCOUNT: &str = "6222021234567890123";
const ADDRESS: &str = "乌鲁木齐市天山区解放北路1号";

fn id(first17: &str) -> String {
    format!("{first17}{}", id_card_check_char(first17).unwrap())
}

/// The case through to its decision, the decision's facts written with
/// every kind of personal detail.
fn decide(server: &Server, case: &str, decision: &Decision, party_id: &str, d: &Path) {
    act_ok(
        server,
        case,
        "wangju",
        &json!({"step": {"step": "filed", "approved_by": ""},
                "paper": {"form": "filing", "source": "路检路查", "facts": "未取得许可从事经营",
                          "opinion": "建议立案调查", "approval": "同意立案"}}),
        d,
    );
    let today = chrono::Utc::now().date_naive();
    let hearing_by = decision
        .hearing_right
        .then(|| (today + chrono::Days::new(10)).to_string());
    act_ok(
        server,
        case,
        "chengban",
        &json!({"step": {"step": "notice_served", "hearing_offered": decision.hearing_right},
                "paper": {"form": "notice", "facts": "当事人存在违法行为", "basis": decision.basis,
                          "proposed": "罚款人民币伍仟元", "respond_by": (today + chrono::Days::new(5)).to_string(),
                          "hearing_by": hearing_by, "contact": "0991-1234567"}}),
        d,
    );
    act_ok(
        server,
        case,
        "chengban",
        &json!({"step": {"step": "statement_heard", "closed": true}}),
        d,
    );
    if decision.hearing_right {
        act_ok(
            server,
            case,
            "chengban",
            &json!({"step": {"step": "hearing_waived"}}),
            d,
        );
    }
    if decision.legal_review {
        act_ok(server, case, "fazhi", &legal_review(&[]), d);
    }
    let facts = format!(
        "当事人（身份证号{party_id}，住{ADDRESS}）未取得道路运输经营许可从事经营，经询问证人{WITNESS}\
         （身份证{witness}，电话{PHONE}），乘客王小五称车费转入账户{ACCOUNT}。",
        witness = id("65010419900101442").to_lowercase(),
    );
    act_ok(
        server,
        case,
        "chengban",
        &json!({"step": {"step": "decided"},
                "paper": {"form": "decision", "address": ADDRESS, "facts": facts,
                          "evidence": ["现场检查记录", "询问笔录"], "basis": decision.basis,
                          "penalty": format!("罚款人民币伍仟元（联系人{WITNESS}）"), "fine_yuan": 5000,
                          "performance": "自收到本决定书之日起十五日内缴纳罚款"}}),
        d,
    );
}

/// `fieldcase-server publication export --format F`: the file's text.
fn export(server: &Server, format: &str, d: &Path) -> String {
    let out = d.join(format!("export.{format}"));
    run_ok(
        "fieldcase-server",
        &[
            "--data-dir",
            &server.dir.to_string_lossy(),
            "publication",
            "export",
            "--format",
            format,
            "--out",
            &out.to_string_lossy(),
        ],
    );
    std::fs::read_to_string(out).unwrap()
}

/// The CSV's rows as (header → value) maps.
fn rows(csv_text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = csv_text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

#[test]
fn a_decision_is_published_masked_exported_and_withdrawn_when_overturned() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let term = d.join("term");
    let key = seeded_terminal(&term, 16, 0);
    let t = term.to_string_lossy().into_owned();
    let case = handed_over_cases(&t, d)
        .into_iter()
        .next()
        .expect("a general-procedure case among the demo cases");
    let server = agency_server(&d.join("server"));
    server.register(&key, "terminal");
    run_ok(
        "fieldcase",
        &["--data-dir", &t, "sync", "--server", &server.url],
    );
    let bodies = server_bodies(&server, &key);
    let decision = bodies
        .iter()
        .find_map(|b| match b {
            RecordBody::CaseClosed(c) if c.case_no == case => {
                c.findings.clone().and_then(|f| f.decision)
            }
            _ => None,
        })
        .unwrap();
    let party = bodies
        .iter()
        .find_map(|b| match b {
            RecordBody::CaseOpened(o) if o.case_no == case => Some(o.party.clone()),
            _ => None,
        })
        .unwrap();
    let (party_id, party_name) = match &party {
        Party::Person { id_number, name } => (id_number.clone(), name.clone()),
        Party::Organisation { uscc, name } => (uscc.clone(), name.clone()),
    };
    server.add_staff("chengban", "case_officer", "承办人甲", PASSWORD);
    server.add_staff("wangju", "head", "王局长", PASSWORD);
    server.add_staff("fazhi", "legal_reviewer", "法制审核员乙", PASSWORD);
    server.add_staff("shen", "reviewer", "审查员", PASSWORD);
    server.qualify("fazhi", "A20221100000123");

    // Nothing to publish before the decision (art. 48 para. 1).
    let published = json!({"step": {"step": "published"}});
    let (ok, _, err) = act(&server, &case, "chengban", &published, d);
    assert!(!ok && err.contains("第四十八条第一款"), "{err}");
    decide(&server, &case, &decision, &party_id, d);
    assert!(
        export(&server, "csv", d).lines().count() == 1,
        "nothing published yet"
    );

    // A reviewer may not publish; a minor's withholding is refused for an
    // adult party; a withdrawal before any overturning is refused.
    let (ok, _, err) = act(&server, &case, "shen", &published, d);
    assert!(!ok && err.contains("角色"), "{err}");
    let minor = json!({"step": {"step": "publication_withheld"},
                       "paper": {"form": "withholding", "reason": "minor", "note": "当事人未成年"}});
    let (ok, _, err) = act(&server, &case, "wangju", &minor, d);
    if matches!(party, Party::Person { .. }) {
        assert!(!ok && err.contains("十八周岁"), "{err}");
    } else {
        assert!(!ok, "an organisation is never a minor: {err}");
    }
    let withdrawn = json!({"step": {"step": "publication_withdrawn"},
                           "paper": {"form": "withdrawal", "reason": "该决定已被行政复议机关撤销"}});
    let (ok, _, err) = act(&server, &case, "chengban", &withdrawn, d);
    assert!(!ok && err.contains("第四十八条第二款"), "{err}");

    // Published with a forged entry in the file: the server's own is signed.
    let mut forged: Value = published.clone();
    forged["paper"] = json!({"form": "publication", "party_name": "别人", "party_kind": "person",
        "uscc": "", "legal_rep": "", "id_type": "身份证", "id_number": party_id, "decision_no": case,
        "violation": "x", "facts": format!("证人{WITNESS}"), "basis": "x", "kinds": "罚款", "content": "x",
        "fine_wan": "9.000000", "confiscated_wan": "0.000000", "licence": "", "decided_on": "2026-01-01",
        "publish_until": "2027-01-01", "agency": "x", "agency_uscc": "", "source": "x", "source_uscc": "", "note": ""});
    act_ok(&server, &case, "fazhi", &forged, d);

    let witness_id = id("65010419900101442");
    let forbidden = [
        party_id.as_str(),
        witness_id.as_str(),
        &witness_id.to_lowercase(),
        PHONE,
        "13800138000",
        ACCOUNT,
        ADDRESS,
        "解放北路",
        WITNESS,
        "王小五",
    ];
    let csv_text = export(&server, "csv", d);
    let listed = rows(&csv_text);
    assert_eq!(listed.len(), 1, "{csv_text}");
    let row = &listed[0];
    assert_eq!(row["行政处罚决定书文号"], case);
    assert_eq!(row["行政相对人名称"], party_name);
    assert_eq!(row["罚款金额（万元）"], "0.500000");
    assert_eq!(row["公示状态"], "公示中");
    assert_eq!(row["处罚机关"], fieldcase_e2e::bureau::AGENCY);
    for (column, value) in row {
        for f in forbidden {
            // An organisation's own code is published; a person's ID never.
            if f == party_id && matches!(party, Party::Organisation { .. }) {
                continue;
            }
            assert!(!value.contains(f), "{column} shows {f:?}: {value}");
        }
    }
    assert!(row["违法事实"].contains("证人李*"), "{}", row["违法事实"]);
    if matches!(party, Party::Person { .. }) {
        assert_eq!(row["证件号码"].chars().filter(|c| *c == '*').count(), 10);
    }
    let json_text = export(&server, "json", d);
    let doc: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(doc["format"], "fieldcase-publication-export/1");
    assert_eq!(doc["columns"].as_array().unwrap().len(), row.len());
    let entry = &doc["entries"][0];
    assert_eq!(entry["decision_no"], case.as_str());
    assert_eq!(entry["facts"].as_str().unwrap(), row["违法事实"]);
    for f in forbidden.iter().skip(1) {
        assert!(!json_text.contains(f), "the JSON shows {f:?}");
    }

    // Overturned on review; withdrawn with its reason within three working
    // days; the export keeps the number, days and reason only.
    act_ok(
        &server,
        &case,
        "wangju",
        &json!({"step": {"step": "overturned"},
                "paper": {"form": "overturning", "how": "revoked", "by": "乌鲁木齐市人民政府行政复议决定书 乌政复决〔2026〕12号"}}),
        d,
    );
    let due = rows(&export(&server, "csv", d));
    assert_eq!(due[0]["公示状态"], "待撤回");
    act_ok(&server, &case, "chengban", &withdrawn, d);
    let gone = rows(&export(&server, "csv", d));
    assert_eq!(gone.len(), 1);
    let g = &gone[0];
    assert_eq!(g["公示状态"], "已撤回");
    assert_eq!(g["撤回理由"], "该决定已被行政复议机关撤销");
    assert_eq!(g["行政处罚决定书文号"], case);
    assert!(!g["撤回日期"].is_empty());
    for column in [
        "行政相对人名称",
        "证件号码",
        "违法事实",
        "处罚内容",
        "罚款金额（万元）",
    ] {
        assert!(
            g[column].is_empty(),
            "{column} after withdrawal: {}",
            g[column]
        );
    }
    let (ok, _, err) = act(&server, &case, "chengban", &published, d);
    assert!(!ok && err.contains("第四十八条"), "{err}");
    // A bad format is refused by name.
    let out = run(
        "fieldcase-server",
        &[
            "--data-dir",
            &server.dir.to_string_lossy(),
            "publication",
            "export",
            "--format",
            "xml",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("xml"));
}
