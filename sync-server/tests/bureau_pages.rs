//! The publication, pre-review and random-inspection pages over the real
//! router and SQLite store: who may see and act on each; hostile values
//! (a name with markup, a formula for a spreadsheet) escaped or quoted;
//! a draw refused for bad lists with what was typed kept; the draw file
//! only for a drawn task.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod common;

use axum::http::StatusCode;
use chrono::Utc;
use common::{get, hidden_csrf, login, office, post, send, text, PW};
use fieldcase_shared::staff::Role;
use fieldcase_sync_server::office::accounts;
use fieldcase_sync_server::store::findings::FindingRow;
use fieldcase_sync_server::store::publication::{PubRow, PubStatus};

#[tokio::test]
async fn each_page_is_its_roles_and_hostile_values_stay_text() {
    let o = office();
    let store = o.state.store().clone();
    let now = Utc::now();
    for (name, role) in [
        ("cheng", Role::CaseOfficer),
        ("ju", Role::Head),
        ("fa", Role::LegalReviewer),
        ("dang", Role::Archivist),
    ] {
        accounts::add_user(&*store, name, name, &[role], PW, now).unwrap();
    }
    let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    let entry = serde_json::json!({
        "party_name": "=HYPERLINK(\"http://x\")<script>", "party_kind": "organisation",
        "uscc": "91650100MA7ABCDE1X", "legal_rep": "", "id_type": "", "id_number": "",
        "decision_no": "乌交执〔2026〕00007号", "violation": "v", "facts": "f", "basis": "b",
        "kinds": "罚款", "content": "c", "fine_wan": "0.500000", "confiscated_wan": "0.000000",
        "licence": "", "decided_on": "2026-12-01", "publish_until": "2027-12-01",
        "agency": "a", "agency_uscc": "", "source": "a", "source_uscc": "", "note": ""
    });
    store
        .set_publication(
            &o.case_id,
            Some(&PubRow {
                case_id: o.case_id,
                case_no: "乌交执〔2026〕00007号".into(),
                decided_on: day("2026-12-01"),
                status: PubStatus::Published,
                due: None,
                published_on: Some(day("2026-12-02")),
                withdrawn_on: None,
                entry: entry.to_string(),
                note: String::new(),
            }),
        )
        .unwrap();
    store
        .set_findings(
            &o.case_id,
            &[FindingRow {
                case_id: o.case_id,
                case_no: "乌交执〔2026〕00007号".into(),
                rule: "documents".into(),
                detail: "缺少<b>结案报告</b>".into(),
            }],
        )
        .unwrap();

    // Publication: case roles that act, not an archivist.
    let (_, archivist, _) = login(&o, "dang", PW).await;
    for path in [
        "/office/publication",
        "/office/publication/export.csv",
        "/office/file-review",
        "/office/inspections",
    ] {
        let r = send(&o, get(path, &archivist)).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let (_, officer, _) = login(&o, "cheng", PW).await;
    let page = text(send(&o, get("/office/publication", &officer)).await).await;
    assert!(
        page.contains("乌交执〔2026〕00007号") && page.contains("公示中 1"),
        "{page}"
    );
    let csv = text(send(&o, get("/office/publication/export.csv", &officer)).await).await;
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://x\"\")<script>\""),
        "{csv}"
    );
    let json = text(send(&o, get("/office/publication/export.json", &officer)).await).await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["entries"][0]["party_name"],
        "=HYPERLINK(\"http://x\")<script>"
    );
    // Pre-review: not a case officer's report; escaped for the legal reviewer.
    let r = send(&o, get("/office/file-review", &officer)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, reviewer, _) = login(&o, "fa", PW).await;
    let page = text(send(&o, get("/office/file-review?rule=documents", &reviewer)).await).await;
    assert!(
        page.contains("&#60;b&#62;结案报告") && !page.contains("<b>结案报告"),
        "{page}"
    );
    let page = text(send(&o, get("/office/file-review?rule=%3Cx%3E", &reviewer)).await).await;
    assert!(page.contains("缺少"), "an unknown rule lists every rule");

    // Inspections: the head's; a bad list refused with the text kept.
    let r = send(&o, get("/office/inspections", &officer)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, head, _) = login(&o, "ju", PW).await;
    let page = text(send(&o, get("/office/inspections", &head)).await).await;
    let csrf = hidden_csrf(&page);
    let r = send(
        &o,
        post(
            "/office/inspections",
            &head,
            &[("csrf", &csrf), ("task", "2027年<i>抽查</i>")],
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let task = store.draws(10).unwrap().remove(0).task_id;
    let r = send(
        &o,
        get(&format!("/office/inspections/{task}/draw.json"), &head),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "not drawn yet");
    let r = send(
        &o,
        post(
            &format!("/office/inspections/{task}/draw"),
            &head,
            &[
                ("csrf", &csrf),
                ("firms", "9165A,甲\n9165A,乙"),
                ("inspectors", "650100,张\n650101,李"),
                ("count", "1"),
                ("public", ""),
            ],
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(r).await;
    assert!(page.contains("重复") && page.contains("9165A,乙"), "{page}");
    assert!(page.contains("&#60;i&#62;抽查"), "escaped task name");
    // A wrong token draws nothing.
    let r = send(
        &o,
        post(
            &format!("/office/inspections/{task}/draw"),
            &head,
            &[
                ("csrf", "x"),
                ("firms", "1,a\n2,b"),
                ("inspectors", "3,c\n4,d"),
                ("count", "1"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(store.draw_row(&task).unwrap().unwrap().draw.is_empty());
}
