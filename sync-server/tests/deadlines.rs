//! The deadlines page over the real router and SQLite store: an account
//! sees the deadlines of its roles only; overdue, soon-due and uncountable
//! ones are marked with words, not colour alone; the inbox counts them; a
//! deadline's text is escaped; an account without such a role sees none.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod common;

use chrono::Utc;
use common::{get, login, office, send, text, PW};
use fieldcase_shared::staff::Role;
use fieldcase_sync_server::office::accounts;
use fieldcase_sync_server::office::pages::deadlines::today_and_soon;
use fieldcase_sync_server::store::due::{role_mask, DueRow};

fn row(o: &common::Office, deadline: &str, name: &str, days: i64, roles: &[Role]) -> DueRow {
    let (today, _) = today_and_soon();
    DueRow {
        case_id: o.case_id,
        case_no: "乌交执〔2026〕00007号".into(),
        deadline: deadline.into(),
        name: name.into(),
        due: Some(today + chrono::Duration::days(days)),
        problem: String::new(),
        basis: "《中华人民共和国行政处罚法》（2021年修订）第六十二条".into(),
        roles: role_mask(roles),
    }
}

#[tokio::test]
async fn each_role_sees_its_deadlines_marked_and_counted() {
    let o = office();
    let store = o.state.store().clone();
    let now = Utc::now();
    accounts::add_user(&*store, "cheng", "承办人", &[Role::CaseOfficer], PW, now).unwrap();
    accounts::add_user(&*store, "ju", "局长", &[Role::Head], PW, now).unwrap();
    let mut late = row(
        &o,
        "notice_response",
        "陈述、申辩期限<b>x</b>",
        -2,
        &[Role::CaseOfficer],
    );
    late.name = "陈述、申辩期限<b>x</b>".into();
    let soon = row(&o, "payment", "缴纳罚款", 1, &[Role::CaseOfficer]);
    let later = row(
        &o,
        "measure_approval",
        "报告负责人并补办批准手续",
        20,
        &[Role::Head],
    );
    let mut unknown = row(
        &o,
        "decision",
        "立案后作出行政处罚决定",
        0,
        &[Role::CaseOfficer, Role::Head],
    );
    unknown.due = None;
    unknown.problem = "2027年的节假日安排不在日历数据中".into();
    store
        .set_deadlines(&o.case_id, &[late, soon, later, unknown])
        .unwrap();

    let (_, cookie, _) = login(&o, "cheng", PW).await;
    let page = text(send(&o, get("/office/deadlines", &cookie)).await).await;
    assert!(page.contains("已逾期 2 天"), "{page}");
    assert!(page.contains("class=\"overdue\""), "{page}");
    assert!(page.contains("剩余 1 天") && page.contains("class=\"soon\""));
    assert!(page.contains("2027年的节假日安排不在日历数据中"));
    assert!(
        !page.contains("<b>x</b>") && page.contains("&#60;b&#62;x"),
        "escaped"
    );
    assert!(
        !page.contains("报告负责人"),
        "the head's, not a case officer's"
    );
    // Uncountable first, then by last day.
    let at = |s: &str| page.find(s).unwrap();
    assert!(at("2027年的节假日") < at("已逾期 2 天") && at("已逾期 2 天") < at("剩余 1 天"));
    assert!(page.contains("已逾期 1</span>") && page.contains("即将届满 1</span>"));
    let inbox = text(send(&o, get("/office/cases", &cookie)).await).await;
    assert!(inbox.contains("id=\"due-counts\""), "{inbox}");
    assert!(inbox.contains("正在计算 3"), "{inbox}");

    let (_, cookie, _) = login(&o, "ju", PW).await;
    let page = text(send(&o, get("/office/deadlines", &cookie)).await).await;
    assert!(page.contains("报告负责人并补办批准手续") && page.contains("剩余 20 天"));
    assert!(!page.contains("缴纳罚款"), "{page}");

    // A reviewer has no deadlines of its own: no counts, an empty page.
    let (_, cookie, _) = login(&o, "shen", PW).await;
    let inbox = text(send(&o, get("/office/cases", &cookie)).await).await;
    assert!(!inbox.contains("id=\"due-counts\""));
    let page = text(send(&o, get("/office/deadlines", &cookie)).await).await;
    assert!(page.contains("没有正在计算的期限"), "{page}");
    // The administrator may not see it at all.
    let (_, cookie, _) = login(&o, "admin", PW).await;
    let resp = send(&o, get("/office/deadlines", &cookie)).await;
    assert_eq!(resp.status(), 403);
}
