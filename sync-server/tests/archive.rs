//! Discs built at the bureau, over the real router: the archivist builds
//! an approved case's disc from the server's records and blobs, downloads
//! the image, and the verifier — trusting only the agency key — finds it
//! valid, every signer certified; the same disc downloads byte for byte
//! again; a case not yet approved, a role without the right and a changed
//! byte are each refused or found.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use axum::http::StatusCode;
use chrono::Utc;
use fieldcase_shared::bag::Category;
use fieldcase_shared::casebag::{self, Trust};
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::staff::Role;
use fieldcase_sync_server::office::accounts;
use fieldcase_sync_server::store::office::AuditQuery;
use uuid::Uuid;

mod common;
use common::*;

async fn page(o: &Office, session: &str) -> String {
    text(send(o, get(&format!("/office/cases/{}", o.case_id), session)).await).await
}

async fn build(o: &Office, session: &str, medium: &str) -> axum::http::Response<axum::body::Body> {
    let csrf = hidden_csrf(&page(o, session).await);
    send(
        o,
        post(
            &format!("/office/cases/{}/discs", o.case_id),
            session,
            &[("csrf", &csrf), ("medium", medium)],
        ),
    )
    .await
}

async fn step(o: &Office, session: &str, step: &str) {
    let csrf = hidden_csrf(&page(o, session).await);
    let resp = send(
        o,
        post(
            &format!("/office/cases/{}/review", o.case_id),
            session,
            &[("csrf", &csrf), ("step", step), ("reason", "")],
        ),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{step}");
}

fn disc_url(page: &str) -> String {
    let at = page.find("/discs/").expect("a disc link");
    let start = page[..at].rfind('"').unwrap() + 1;
    let end = at + page[at..].find('"').unwrap();
    page[start..end].to_owned()
}

#[tokio::test]
async fn the_archivist_builds_the_disc_of_an_approved_case_and_it_verifies_with_the_agency_key() {
    let o = office();
    let store = o.state.store().clone();
    accounts::add_user(
        &*store,
        "dang",
        "档案员丙",
        &[Role::Archivist],
        PW,
        Utc::now(),
    )
    .unwrap();
    let (_, reviewer, _) = login(&o, "shen", PW).await;
    let (_, archivist, _) = login(&o, "dang", PW).await;

    // Not before the review passed: refused with the reason.
    let early = build(&o, &archivist, "cd").await;
    assert_eq!(early.status(), StatusCode::CONFLICT);
    assert!(text(early).await.contains("审核通过后才能归档"));
    step(&o, &reviewer, "start").await;
    step(&o, &reviewer, "approve").await;

    // A medium that is not one: refused, nothing built.
    let odd = build(&o, &archivist, "../../etc").await;
    assert!(odd.status().is_client_error(), "{}", odd.status());
    assert!(!page(&o, &archivist).await.contains("/discs/"));
    let built = build(&o, &archivist, "cd").await;
    assert_eq!(built.status(), StatusCode::SEE_OTHER);
    let shown = page(&o, &archivist).await;
    assert!(shown.contains("光盘 1/1"), "{shown}");
    let url = disc_url(&shown);

    let resp = send(&o, get(&url, &archivist)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let recorded = resp.headers()["x-fieldcase-sha256"]
        .to_str()
        .unwrap()
        .to_owned();
    let image = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap();
    assert_eq!(fieldcase_shared::hash::sha256(&image).to_hex(), recorded);
    assert!(
        shown.contains(&recorded),
        "the page lists the recorded SHA-256"
    );

    let dir = tempfile::tempdir().unwrap();
    let iso = dir.path().join("case.iso");
    std::fs::write(&iso, &image).unwrap();
    let agency = Trust {
        keys: vec![],
        agencies: vec![o.state.server_key()],
    };
    let r = casebag::verify_trusting(&[iso.as_path()], &agency, |_| {}).unwrap();
    assert!(r.is_valid(), "{:#?}", r.problems);
    assert_eq!(r.sealed_by, Some(o.state.server_key()));
    // Three signers: the terminal, the reviewer and the archivist, each
    // trusted through its certificate on the disc.
    let mut names: Vec<(String, Vec<Role>)> = r
        .signers
        .iter()
        .map(|s| {
            let c = s.certified.as_ref().expect("certified");
            (c.officer.clone(), c.roles.clone())
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            (String::new(), vec![]),
            ("dang".into(), vec![Role::Archivist]),
            ("shen".into(), vec![Role::Reviewer]),
        ]
    );
    // The terminal's key alone does not vouch for the staff records.
    let device = DeviceKey::from_seed([5; 32]).public();
    let r = casebag::verify(&[iso.as_path()], &[device], |_| {}).unwrap();
    assert!(r
        .problems
        .iter()
        .any(|p| p.category == Category::UnknownKey));
    // Another agency's key trusts nothing on it.
    let other = Trust {
        keys: vec![],
        agencies: vec![DeviceKey::from_seed([8; 32]).public()],
    };
    let r = casebag::verify_trusting(&[iso.as_path()], &other, |_| {}).unwrap();
    assert!(r
        .problems
        .iter()
        .any(|p| p.category == Category::CertInvalid));
    assert!(r
        .problems
        .iter()
        .any(|p| p.category == Category::UnknownKey));

    // Made again on the next download: the same bytes.
    let again = send(&o, get(&url, &archivist)).await;
    let again = axum::body::to_bytes(again.into_body(), 64 << 20)
        .await
        .unwrap();
    assert!(again == image, "a disc downloads byte for byte the same");

    // A changed evidence byte is found.
    let mut bad = image.to_vec();
    let at = bad
        .windows(PHOTO.len())
        .position(|w| w == PHOTO)
        .expect("the photo on the disc");
    bad[at + 5] ^= 1;
    std::fs::write(&iso, &bad).unwrap();
    let r = casebag::verify_trusting(&[iso.as_path()], &agency, |_| {}).unwrap();
    assert!(r.problems.iter().any(|p| p.category == Category::Modified));

    // A disc that is not there, or a mangled address: not found.
    let base = format!("/office/cases/{}/discs", o.case_id);
    for bad in [
        format!("{base}/{}/1", Uuid::nil()),
        format!("{base}/x/1"),
        format!("{url}9"),
    ] {
        assert_eq!(
            send(&o, get(&bad, &archivist)).await.status(),
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
    // The reviewer may not download it; both acts are audited.
    assert_eq!(
        send(&o, get(&url, &reviewer)).await.status(),
        StatusCode::FORBIDDEN
    );
    let events = store
        .audit(&AuditQuery {
            limit: 100,
            ..AuditQuery::default()
        })
        .unwrap();
    let acts: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert!(
        acts.contains(&"disc_built") && acts.contains(&"disc_downloaded"),
        "{acts:?}"
    );
}
