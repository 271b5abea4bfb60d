//! The step forms' endpoint over the real router: only a case officer, a
//! head or a legal reviewer may post, with the session's token; an
//! unknown form or case is refused; a step on a case the roadside has
//! not handed over or decided is refused with the reason, nothing signed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod common;

use chrono::Utc;
use common::{get, hidden_csrf, login, office, post, send, text, PW};
use fieldcase_shared::staff::Role;
use fieldcase_sync_server::office::accounts;

#[tokio::test]
async fn only_the_procedures_roles_post_a_step_and_a_case_not_handed_over_takes_none() {
    let o = office();
    let store = o.state.store().clone();
    accounts::add_user(
        &*store,
        "cheng",
        "承办人",
        &[Role::CaseOfficer],
        PW,
        Utc::now(),
    )
    .unwrap();
    let path = format!("/office/cases/{}/acts", o.case_id);
    let records = store.case_records(&o.case_id).unwrap().len();

    let (_, cookie, _) = login(&o, "cheng", PW).await;
    let page = text(send(&o, get(&format!("/office/cases/{}", o.case_id), &cookie)).await).await;
    // Closed without a violation: no procedure, so no step is offered.
    assert!(!page.contains("id=\"acts-h\""), "{page}");
    let csrf = hidden_csrf(&page);
    fn form<'a>(csrf: &'a str, key: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("csrf", csrf),
            ("form", key),
            ("outcome", "x"),
            ("execution", "y"),
        ]
    }
    // Without the session's token, or with an unknown form: refused.
    let resp = send(&o, post(&path, &cookie, &(form("forged", "closed")))).await;
    assert_eq!(resp.status(), 403);
    let resp = send(&o, post(&path, &cookie, &(form(&csrf, "sign_anything")))).await;
    assert_eq!(resp.status(), 403);
    // An unknown case.
    let other = format!("/office/cases/{}/acts", uuid::Uuid::now_v7());
    let resp = send(&o, post(&other, &cookie, &(form(&csrf, "closed")))).await;
    assert_eq!(resp.status(), 404);
    // Not handed over: refused with why, the page shown again.
    let resp = send(&o, post(&path, &cookie, &(form(&csrf, "closed")))).await;
    assert_eq!(resp.status(), 409);
    let body = text(resp).await;
    assert!(body.contains("尚未在现场结案或移交"), "{body}");
    // A reviewer may not post a step at all.
    let (_, cookie, _) = login(&o, "shen", PW).await;
    let page = text(send(&o, get(&format!("/office/cases/{}", o.case_id), &cookie)).await).await;
    let resp = send(
        &o,
        post(&path, &cookie, &(form(&hidden_csrf(&page), "closed"))),
    )
    .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(
        store.case_records(&o.case_id).unwrap().len(),
        records,
        "nothing signed"
    );
}
