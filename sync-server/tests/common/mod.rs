//! What the back office's router tests share: a store with one synced
//! case and staff, requests over the real router, logins.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test code

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use chrono::{DateTime, Utc};
use fieldcase_shared::chain;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::model::{CaseClosed, CaseOpened, EvidenceItem, Party, Vehicle};
use fieldcase_shared::record::{self, RecordBody, RecordPayload, VerifiedRecord};
use fieldcase_shared::staff::Role;
use fieldcase_sync_server::blobs::FsBlobStore;
use fieldcase_sync_server::office::accounts;
use fieldcase_sync_server::store::{Device, SqliteStore, Store};
use fieldcase_sync_server::{router, AppState};
use tower::ServiceExt;
use uuid::Uuid;

pub const PW: &str = "a long password 1";

pub struct Office {
    pub state: AppState,
    pub _blobs: tempfile::TempDir,
    pub case_id: Uuid,
}

/// The photo's bytes (stored on the server) and its digest.
pub const PHOTO: &[u8] = b"\xff\xd8\xff\xe0 not really a jpeg, but its bytes";

pub fn photo_digest() -> Digest {
    fieldcase_shared::hash::sha256(PHOTO)
}

pub fn sealed(key: &DeviceKey, seq: u64, prev: Digest, body: RecordBody) -> VerifiedRecord {
    let t = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap();
    let p = RecordPayload::new(
        key.public().device_id(),
        seq,
        prev,
        t,
        vec!["65010023".into(), "65010031".into()],
        body,
    );
    record::open(record::seal(key, &p).envelope, &key.public()).unwrap()
}

/// A store with one device, one case (opened, a photo, closed) whose party
/// name is hostile markup, and staff of several roles.
pub fn office() -> Office {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let key = DeviceKey::from_seed([5; 32]);
    let dev = key.public().device_id();
    store
        .add_device(&Device {
            id: dev,
            key: key.public(),
            name: "终端".into(),
            added_at: Utc::now(),
        })
        .unwrap();
    let case_id = Uuid::now_v7();
    let opened = sealed(
        &key,
        1,
        chain::genesis(&dev),
        RecordBody::CaseOpened(CaseOpened {
            case_id,
            case_no: "乌交执〔2026〕00007号".into(),
            occurred_at: DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap(),
            place: "G30 K3571".into(),
            vehicle: Vehicle {
                plate: "新A12345".into(),
            },
            party: Party::Person {
                id_number: "11010519491231002X".into(),
                name: "<script>alert(1)</script>王五".into(),
            },
            violation: None,
            note: String::new(),
            details: None,
        }),
    );
    let photo = sealed(
        &key,
        2,
        opened.chain,
        RecordBody::EvidenceAdded(EvidenceItem {
            case_id,
            sha256: photo_digest(),
            size: PHOTO.len() as u64,
            media_type: "image/jpeg".into(),
            original_name: "照片.jpg".into(),
            captured_at: None,
            category: "现场检查".into(),
            description: "车头".into(),
        }),
    );
    let closed = sealed(
        &key,
        3,
        photo.chain,
        RecordBody::CaseClosed(CaseClosed {
            case_id,
            case_no: "乌交执〔2026〕00007号".into(),
            evidence_count: 1,
            records: vec![opened.digest, photo.digest],
            findings: None,
        }),
    );
    store
        .ingest(&dev, &[opened, photo, closed], Utc::now())
        .unwrap();
    let now = Utc::now();
    accounts::add_user(&*store, "shen", "审核员甲", &[Role::Reviewer], PW, now).unwrap();
    accounts::add_user(&*store, "admin", "管理员", &[Role::Admin], PW, now).unwrap();
    let blobs = tempfile::tempdir().unwrap();
    let files = Arc::new(FsBlobStore::open(blobs.path()).unwrap());
    {
        use fieldcase_sync_server::blobs::BlobStore;
        files.append(&photo_digest(), 0, PHOTO).unwrap();
        files.finish(&photo_digest(), None).unwrap();
    }
    store
        .add_blob(&dev, &photo_digest(), PHOTO.len() as u64, now)
        .unwrap();
    let state = AppState::new(store, files, DeviceKey::from_seed([9; 32])).unwrap();
    Office {
        state,
        _blobs: blobs,
        case_id,
    }
}

pub async fn send(o: &Office, req: Request<Body>) -> Response<Body> {
    router(o.state.clone()).oneshot(req).await.unwrap()
}

pub async fn text(resp: Response<Body>) -> String {
    let b = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap();
    String::from_utf8(b.to_vec()).unwrap()
}

pub fn get(path: &str, cookies: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookies)
        .body(Body::empty())
        .unwrap()
}

pub fn post(path: &str, cookies: &str, form: &[(&str, &str)]) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookies)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
        .unwrap()
}

pub fn set_cookie(resp: &Response<Body>, name: &str) -> Option<String> {
    resp.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with(&format!("{name}=")))
}

pub fn value(cookie: &str) -> String {
    cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

pub fn hidden_csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

/// Logs in; returns the Cookie header of the session.
pub async fn login(o: &Office, name: &str, password: &str) -> (StatusCode, String, String) {
    let form = send(o, get("/office/login", "")).await;
    let c = set_cookie(&form, "fieldcase_login").expect("login cookie");
    let token = value(&c);
    let resp = send(
        o,
        post(
            "/office/login",
            &format!("fieldcase_login={token}"),
            &[("csrf", &token), ("username", name), ("password", password)],
        ),
    )
    .await;
    let status = resp.status();
    let session =
        set_cookie(&resp, "fieldcase_session").map(|c| format!("fieldcase_session={}", value(&c)));
    (status, session.unwrap_or_default(), text(resp).await)
}
