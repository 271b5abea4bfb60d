//! The back office over the real router (in-memory SQLite, `oneshot`):
//! login, lock-out, CSRF, roles, the inbox and the case page, the audit
//! log, and hostile input in forms, queries and record fields.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use chrono::Utc;
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::record::{self, RecordBody, RecordPayload};
use fieldcase_shared::staff::Role;
use fieldcase_sync_server::office::accounts;
use fieldcase_sync_server::store::office::{AuditAction, AuditQuery};
use uuid::Uuid;

mod common;
use common::*;

#[tokio::test]
async fn the_cookies_are_secure_and_the_pages_refuse_framing_and_foreign_scripts() {
    let o = office();
    let form = send(&o, get("/office/login", "")).await;
    assert_eq!(form.status(), StatusCode::OK);
    let csp = form.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let c = set_cookie(&form, "fieldcase_login").unwrap();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/office"] {
        assert!(c.contains(attr), "{c}");
    }
    let (status, session, _) = login(&o, "shen", PW).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(!session.is_empty());
    // No page asks for anything outside the server.
    let page = text(send(&o, get("/office/cases", &session)).await).await;
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
    assert!(!page.contains("<script"), "{page}");
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_lock_the_account_and_each_is_audited() {
    let o = office();
    let (status, session, page) = login(&o, "shen", "wrong password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(session.is_empty());
    assert!(page.contains("用户名或密码不正确"), "{page}");
    let (status, _, page) = login(&o, "nobody", "wrong password").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "an unknown name reads like a wrong password"
    );
    assert!(page.contains("用户名或密码不正确"), "{page}");
    for _ in 1..accounts::MAX_FAILURES - 1 {
        login(&o, "shen", "wrong again").await;
    }
    let (status, _, page) = login(&o, "shen", "wrong again").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("账号已锁定至"), "{page}");
    let (status, session, _) = login(&o, "shen", PW).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the right password waits for the lock"
    );
    assert!(session.is_empty());
    let events = o
        .state
        .store()
        .audit(&AuditQuery {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    let count = |a: AuditAction| events.iter().filter(|e| e.action == a).count();
    assert_eq!(count(AuditAction::LoginFailed), 6);
    assert_eq!(count(AuditAction::LoginLocked), 1);
    assert_eq!(count(AuditAction::Login), 0);
}

#[tokio::test]
async fn a_login_without_its_form_token_is_refused() {
    let o = office();
    let resp = send(
        &o,
        post(
            "/office/login",
            "",
            &[("csrf", "x"), ("username", "shen"), ("password", PW)],
        ),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&resp, "fieldcase_session").is_none());
    assert!(text(resp).await.contains("页面已过期"));
}

#[tokio::test]
async fn the_inbox_lists_searches_and_filters_the_synced_case() {
    let o = office();
    let (_, session, _) = login(&o, "shen", PW).await;
    let page = text(send(&o, get("/office/cases", &session)).await).await;
    assert!(
        page.contains("乌交执〔2026〕00007号") && page.contains("新A12345"),
        "{page}"
    );
    assert!(page.contains("2026-11-28 10:00"), "Beijing time: {page}");
    assert!(page.contains("待审核"), "{page}");
    // Hostile markup in a record is shown as text.
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(
        page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"),
        "{page}"
    );
    for (query, found) in [
        ("q=00007", true),
        ("q=%E7%8E%8B%E4%BA%94", true), // 王五
        ("q=%25", false),               // a literal %
        ("q=%27%20OR%201%3D1%20--", false),
        ("state=open", false),
        ("state=closed", true),
        ("officer=65010031", true),
        ("officer=99999999", false),
        ("from=2026-11-28&to=2026-11-28", true),
        ("from=2026-11-29", false),
        ("from=not-a-date", true),
        ("page=4294967295", false),
    ] {
        let resp = send(&o, get(&format!("/office/cases?{query}"), &session)).await;
        assert_eq!(resp.status(), StatusCode::OK, "{query}");
        let page = text(resp).await;
        assert_eq!(page.contains("00007号</a>"), found, "{query}: {page}");
    }
    let resp = send(&o, get("/office/cases?page=-1", &session)).await;
    assert!(resp.status().is_client_error(), "{}", resp.status());
}

#[tokio::test]
async fn the_case_page_verifies_each_record_and_the_view_is_audited() {
    let o = office();
    let (_, session, _) = login(&o, "shen", PW).await;
    let resp = send(&o, get(&format!("/office/cases/{}", o.case_id), &session)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = text(resp).await;
    assert_eq!(page.matches("签名有效").count(), 3, "{page}");
    assert!(
        page.contains(&photo_digest().to_hex()),
        "evidence hash shown: {page}"
    );
    assert!(
        page.contains(&format!(
            "<img class=\"evidence\" src=\"/office/cases/{}/evidence/{}\"",
            o.case_id,
            photo_digest().to_hex()
        )),
        "{page}"
    );
    assert!(page.contains("65010023、65010031"), "{page}");
    let events = o
        .state
        .store()
        .audit(&AuditQuery {
            actor: Some("shen".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(events[0].action, AuditAction::CaseViewed);
    assert_eq!(events[0].target, o.case_id.to_string());
    for bad in [
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        "..%2F..%2Fetc%2Fpasswd",
    ] {
        let resp = send(&o, get(&format!("/office/cases/{bad}"), &session)).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{bad}");
        assert!(text(resp).await.contains("未找到该案件"));
    }
}

#[tokio::test]
async fn each_role_sees_only_its_pages_and_refusals_are_audited() {
    let o = office();
    let resp = send(&o, get("/office/cases", "")).await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "not logged in: to the login page"
    );
    assert_eq!(resp.headers()[header::LOCATION], "/office/login");
    let resp = send(&o, get("/office/cases", "fieldcase_session=forged")).await;
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "a forged token is no session"
    );
    let (_, reviewer, _) = login(&o, "shen", PW).await;
    let (_, admin, _) = login(&o, "admin", PW).await;
    let resp = send(&o, get("/office/audit", &reviewer)).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(text(resp).await.contains("系统管理员"));
    let resp = send(&o, get(&format!("/office/cases/{}", o.case_id), &admin)).await;
    assert_eq!(
        resp.status(),
        StatusCode::FORBIDDEN,
        "the administrator reads no case"
    );
    let resp = send(&o, get("/office/audit", &admin)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let page = text(resp).await;
    assert!(
        page.contains("refused") && page.contains("login") && page.contains("shen"),
        "{page}"
    );
}

#[tokio::test]
async fn logout_needs_the_session_token_and_ends_the_session() {
    let o = office();
    let (_, session, _) = login(&o, "shen", PW).await;
    let page = text(send(&o, get("/office/cases", &session)).await).await;
    let csrf = hidden_csrf(&page);
    let resp = send(&o, post("/office/logout", &session, &[("csrf", "forged")])).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        send(&o, get("/office/cases", &session)).await.status(),
        StatusCode::OK
    );
    let resp = send(&o, post("/office/logout", &session, &[("csrf", &csrf)])).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        send(&o, get("/office/cases", &session)).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn english_is_a_cookie_away() {
    let o = office();
    let resp = send(&o, get("/office/lang/en", "")).await;
    let lang = set_cookie(&resp, "fieldcase_lang").unwrap();
    let (_, session, _) = login(&o, "shen", PW).await;
    let cookies = format!("{session}; fieldcase_lang={}", value(&lang));
    let page = text(send(&o, get("/office/cases", &cookies)).await).await;
    assert!(
        page.contains("<html lang=\"en\">") && page.contains("Awaiting review"),
        "{page}"
    );
    assert!(!page.contains("待审核"), "{page}");
}

async fn body(resp: Response<Body>) -> Vec<u8> {
    axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap()
        .to_vec()
}

fn ranged(path: &str, cookies: &str, range: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookies)
        .header(header::RANGE, range)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn evidence_is_served_whole_in_ranges_and_as_a_download_and_each_is_audited() {
    let o = office();
    let (_, session, _) = login(&o, "shen", PW).await;
    let url = format!(
        "/office/cases/{}/evidence/{}",
        o.case_id,
        photo_digest().to_hex()
    );
    let resp = send(&o, get(&url, &session)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(resp.headers()[header::ACCEPT_RANGES], "bytes");
    assert!(resp.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("inline; filename*=UTF-8''%E7%85%A7%E7%89%87.jpg"));
    assert_eq!(body(resp).await, PHOTO);
    let resp = send(&o, ranged(&url, &session, "bytes=4-11")).await;
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        resp.headers()[header::CONTENT_RANGE],
        format!("bytes 4-11/{}", PHOTO.len())
    );
    assert_eq!(body(resp).await, &PHOTO[4..12]);
    let resp = send(&o, ranged(&url, &session, "bytes=-5")).await;
    assert_eq!(body(resp).await, &PHOTO[PHOTO.len() - 5..]);
    let resp = send(&o, ranged(&url, &session, "bytes=9999-")).await;
    assert_eq!(resp.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        resp.headers()[header::CONTENT_RANGE],
        format!("bytes */{}", PHOTO.len())
    );
    let resp = send(&o, get(&format!("{url}?download=1"), &session)).await;
    assert!(resp.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(body(resp).await, PHOTO);
    let events = o
        .state
        .store()
        .audit(&AuditQuery {
            actor: Some("shen".into()),
            limit: 20,
            ..Default::default()
        })
        .unwrap();
    let target = format!("{}/{}", o.case_id, photo_digest().to_hex());
    let of = |a: AuditAction| {
        events
            .iter()
            .filter(|e| e.action == a && e.target == target)
            .count()
    };
    assert_eq!(of(AuditAction::EvidenceDownloaded), 1);
    assert_eq!(
        of(AuditAction::EvidenceViewed),
        1,
        "the whole item once; ranges after the first byte are not views"
    );
}

#[tokio::test]
async fn evidence_is_only_served_through_its_own_case_and_to_case_roles() {
    let o = office();
    let (_, session, _) = login(&o, "shen", PW).await;
    let (_, admin, _) = login(&o, "admin", PW).await;
    let sha = photo_digest().to_hex();
    for path in [
        format!("/office/cases/{}/evidence/{}", Uuid::now_v7(), sha),
        format!("/office/cases/{}/evidence/{}", o.case_id, "0".repeat(64)),
        format!("/office/cases/{}/evidence/{}", o.case_id, "not-a-digest"),
        format!("/office/cases/{}/evidence/..%2F..%2Fserver.key", o.case_id),
    ] {
        let resp = send(&o, get(&path, &session)).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let url = format!("/office/cases/{}/evidence/{sha}", o.case_id);
    assert_eq!(
        send(&o, get(&url, &admin)).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&o, get(&url, "")).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_access_log_exports_as_csv_and_each_event_is_in_the_transparency_log() {
    let o = office();
    let (_, session, _) = login(&o, "shen", PW).await;
    send(&o, get(&format!("/office/cases/{}", o.case_id), &session)).await;
    let url = format!(
        "/office/cases/{}/evidence/{}",
        o.case_id,
        photo_digest().to_hex()
    );
    send(&o, get(&url, &session)).await;
    // A login name made to look like a spreadsheet formula.
    login(&o, "=HYPERLINK(\"http://x\")", "nothing").await;
    let (_, admin, _) = login(&o, "admin", PW).await;

    let resp = send(
        &o,
        get(
            &format!("/office/audit/export.csv?case={}", o.case_id),
            &admin,
        ),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let csv = text(resp).await;
    assert!(
        csv.starts_with('\u{feff}'),
        "a BOM for spreadsheet programs"
    );
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "the case view and the photo view: {csv}");
    assert!(
        rows.iter().any(|r| r.contains(",case_viewed,"))
            && rows.iter().any(|r| r.contains(",evidence_viewed,")),
        "{csv}"
    );
    let all = text(send(&o, get("/office/audit/export.csv", &admin)).await).await;
    assert!(
        all.contains("\"'=HYPERLINK(\"\"http://x\"\")\""),
        "a formula is defused: {all}"
    );
    let mine = text(send(&o, get("/office/audit/export.csv?actor=shen", &admin)).await).await;
    assert!(mine.lines().skip(1).all(|l| l.contains(",shen,")), "{mine}");
    assert_eq!(
        send(&o, get("/office/audit/export.csv?case=%25", &admin))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&o, get("/office/audit/export.csv", &session))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // Every event's leaf is in the log the terminals check.
    let events = o
        .state
        .store()
        .audit(&AuditQuery {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    let checkpoint = text(send(&o, get("/v1/log/checkpoint", "")).await).await;
    let cp = fieldcase_shared::tlog::Checkpoint::parse(checkpoint.split("\n\n").next().unwrap())
        .unwrap();
    for e in &events {
        let index = e.log_index.expect("anchored");
        let resp = send(
            &o,
            get(
                &format!("/v1/log/inclusion?index={index}&size={}", cp.size),
                "",
            ),
        )
        .await;
        let proof: fieldcase_shared::wire::InclusionProof =
            serde_json::from_str(&text(resp).await).unwrap();
        fieldcase_shared::tlog::verify_inclusion(
            &e.log_entry().leaf_hash(),
            index,
            cp.size,
            &proof.proof,
            &cp.root,
        )
        .unwrap_or_else(|err| panic!("event {} not in the log: {err}", e.id));
    }
    let mut changed = events[0].clone();
    changed.target = "another case".into();
    assert_ne!(
        changed.log_entry().leaf_hash(),
        events[0].log_entry().leaf_hash()
    );
}

#[tokio::test]
async fn plain_http_from_another_machine_says_that_login_needs_https() {
    let o = office();
    let page = |host: &str, proto: Option<&str>| {
        let mut r = Request::get("/office/login")
            .header(header::HOST, host)
            .extension(fieldcase_sync_server::serve::Encrypted(false));
        if let Some(p) = proto {
            r = r.header("x-forwarded-proto", p);
        }
        r.body(Body::empty()).unwrap()
    };
    let lan = text(send(&o, page("10.20.30.40:8470", None)).await).await;
    assert!(
        lan.contains("id=\"https-needed\"") && lan.contains("HTTPS"),
        "{lan}"
    );
    for (host, proto) in [
        ("127.0.0.1:8470", None),
        ("localhost", None),
        ("10.20.30.40", Some("https")),
    ] {
        let p = text(send(&o, page(host, proto)).await).await;
        assert!(!p.contains("https-needed"), "{host} {proto:?}");
    }
}

/// A review step posted with the session's form token.
async fn review(o: &Office, session: &str, step: &str, reason: &str) -> Response<Body> {
    let path = format!("/office/cases/{}", o.case_id);
    let page = text(send(o, get(&path, session)).await).await;
    let csrf = hidden_csrf(&page);
    send(
        o,
        post(
            &format!("{path}/review"),
            session,
            &[("csrf", &csrf), ("step", step), ("reason", reason)],
        ),
    )
    .await
}

#[tokio::test]
async fn each_review_step_is_a_record_signed_by_the_reviewers_certified_key() {
    let o = office();
    let store = o.state.store().clone();
    let (_, session, _) = login(&o, "shen", PW).await;
    // The first login made the key and its certificate under the agency key.
    let cert = fieldcase_sync_server::office::staffkeys::certificate(&*store, "shen")
        .unwrap()
        .expect("a certificate");
    let c = fieldcase_shared::cert::DeviceCert::open(&cert, &o.state.server_key()).unwrap();
    assert_eq!(
        (c.officer.as_str(), c.roles.as_slice()),
        ("shen", &[Role::Reviewer][..])
    );
    // The key is kept sealed: its seed is nowhere in the store's rows.
    let held = store.staff_key("shen").unwrap().unwrap();
    assert!(held.sealed.starts_with(b"FCK1") && held.sealed.len() == 4 + 16 + 12 + 48);
    // A second first login cannot replace the key.
    let other = fieldcase_sync_server::store::office::StaffKey {
        signer: DeviceKey::from_seed([6; 32]).public().device_id(),
        ..held.clone()
    };
    assert!(!store.set_staff_key("shen", &other).unwrap());
    assert_eq!(store.staff_key("shen").unwrap().unwrap(), held);

    assert_eq!(
        review(&o, &session, "start", "").await.status(),
        StatusCode::SEE_OTHER
    );
    let back = review(&o, &session, "return", "当事人姓名有误").await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let row = store.case_row(&o.case_id).unwrap().unwrap();
    assert_eq!(row.state, fieldcase_shared::review::CaseState::Returned);

    // Two records on the reviewer's own chain, each verifying with the
    // certified key and naming the state it came from.
    let held = store.held_records(&c.device, 1).unwrap();
    assert_eq!(held.len(), 2);
    let bodies: Vec<_> = held
        .iter()
        .map(|h| {
            let env = fieldcase_shared::envelope::Envelope::from_json(&h.envelope).unwrap();
            let v = record::open(env, &c.public_key).unwrap();
            let p: RecordPayload = serde_json::from_slice(&v.envelope.payload).unwrap();
            match p.body {
                RecordBody::ReviewRecorded(r) => (r.step, r.from, r.reason, r.staff),
                other => panic!("{other:?}"),
            }
        })
        .collect();
    use fieldcase_shared::review::{CaseState, ReviewStep};
    assert_eq!(bodies[0].0, ReviewStep::Start);
    assert_eq!(
        bodies[1],
        (
            ReviewStep::Return,
            CaseState::InReview,
            "当事人姓名有误".into(),
            "shen".into()
        )
    );
    // The return waits for the case's terminal, naming the signed record.
    let dev = DeviceKey::from_seed([5; 32]).public().device_id();
    let msgs = store.messages_after(&dev, 0).unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].case_id, Some(o.case_id));
    assert_eq!(msgs[0].kind, "case_returned");
    assert_eq!(msgs[0].text, "当事人姓名有误");
    // The case page shows the steps and who signed them.
    let page = text(send(&o, get(&format!("/office/cases/{}", o.case_id), &session)).await).await;
    assert!(
        page.contains("退回补正") && page.contains("审核员甲（shen）"),
        "{page}"
    );

    // Disabling the account revokes its key.
    accounts::disable_user(&*store, "shen", Utc::now()).unwrap();
    assert!(store
        .revocations()
        .unwrap()
        .iter()
        .any(|(d, _)| *d == c.device));
}

#[tokio::test]
async fn review_steps_out_of_order_without_reason_role_or_token_are_refused() {
    let o = office();
    let store = o.state.store().clone();
    let (_, session, _) = login(&o, "shen", PW).await;
    // Passing a case nobody has taken up: refused with the state.
    let resp = review(&o, &session, "approve", "").await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let page = text(resp).await;
    assert!(
        page.contains("待审核") && page.contains("审核通过"),
        "{page}"
    );
    review(&o, &session, "start", "").await;
    // A return without a reason.
    let resp = review(&o, &session, "return", "   ").await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(text(resp).await.contains("须写明理由"));
    // A step that does not exist, and a form without its token.
    assert_eq!(
        review(&o, &session, "delete", "").await.status(),
        StatusCode::FORBIDDEN
    );
    let path = format!("/office/cases/{}/review", o.case_id);
    let resp = send(&o, post(&path, &session, &[("step", "approve")])).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The administrator reviews nothing.
    let (_, admin, _) = login(&o, "admin", PW).await;
    let resp = send(
        &o,
        post(&path, &admin, &[("csrf", "x"), ("step", "approve")]),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Nothing of that was signed: still in review, one record.
    let row = store.case_row(&o.case_id).unwrap().unwrap();
    assert_eq!(row.state, fieldcase_shared::review::CaseState::InReview);
    let signer = store.staff_key("shen").unwrap().unwrap().signer;
    assert_eq!(store.held_records(&signer, 1).unwrap().len(), 1);
    // A stolen session row without the cookie's token opens no key.
    let sealed = store
        .session(&fieldcase_shared::hash::sha256(value(&session).as_bytes()))
        .unwrap()
        .unwrap()
        .sealed_key
        .unwrap();
    assert!(
        fieldcase_sync_server::office::staffkeys::open_for_session(&sealed, "shen", "guess")
            .is_err()
    );
}

#[tokio::test]
async fn the_access_log_exports_as_a_pdf_a_with_its_chinese_text_and_embedded_font() {
    let o = office();
    let (_, shen, _) = login(&o, "shen", PW).await;
    send(&o, get(&format!("/office/cases/{}", o.case_id), &shen)).await;
    // Not the reviewer's.
    let resp = send(&o, get("/office/audit/export.pdf", &shen)).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let (_, admin, _) = login(&o, "admin", PW).await;
    let path = format!("/office/audit/export.pdf?case={}", o.case_id);
    let resp = send(&o, get(&path, &admin)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/pdf");
    assert!(resp.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains(&format!("audit-case-{}.pdf", o.case_id)));
    let pdf = axum::body::to_bytes(resp.into_body(), 1 << 26)
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // PDF/A-2u, as the XMP metadata declares it.
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains("pdfaid:part") && raw.contains("pdfaid:conformance"),
        "no PDF/A identification"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit.pdf");
    std::fs::write(&file, &pdf).unwrap();
    if let Some(keep) = std::env::var_os("OFFICE_PDF") {
        std::fs::write(keep, &pdf).unwrap();
    }
    let run = |tool: &str, args: &[&str]| {
        let out = std::process::Command::new(tool)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{tool} (poppler-utils, installed by ./scripts/test): {e}"));
        assert!(
            out.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let f = file.to_string_lossy();
    let text = run("pdftotext", &["-layout", &f, "-"]);
    for want in [
        "访问日志",
        "导出人: 管理员（admin）",
        "case_viewed",
        "shen",
        "fieldcase-sync",
    ] {
        assert!(text.contains(want), "{want:?} not in the PDF text:\n{text}");
    }
    assert!(text.contains(&o.case_id.to_string()), "{text}");
    // The event's digest is printed, as the CSV has it.
    let event = o
        .state
        .store()
        .audit(&AuditQuery {
            target: Some(o.case_id.to_string()),
            limit: 1,
            ..Default::default()
        })
        .unwrap()
        .remove(0);
    let digest = event.digest().to_hex();
    assert!(
        text.replace(char::is_whitespace, "").contains(&digest),
        "{text}"
    );
    let fonts = run("pdffonts", &[&f]);
    let face = fonts
        .lines()
        .find(|l| l.contains("NotoSansMonoCJK"))
        .unwrap_or_else(|| panic!("{fonts}"));
    // name type encoding emb sub uni object-id
    let cols: Vec<&str> = face.split_whitespace().collect();
    assert!(
        cols[cols.len() - 5..cols.len() - 2] == ["yes", "yes", "yes"],
        "embedded, subset, with Unicode map: {face}"
    );
}
