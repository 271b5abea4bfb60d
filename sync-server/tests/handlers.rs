//! Handler tests: the real router over an in-memory SQLite store, driven
//! with `oneshot` (no socket).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Utc};
use fieldcase_shared::chain;
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::model::{CaseOpened, Party, Vehicle};
use fieldcase_shared::receipt::Receipt;
use fieldcase_shared::record::{self, RecordBody, RecordPayload};
use fieldcase_shared::wire::{ApiError, ErrorCode, PushRecords, PushResponse};
use fieldcase_sync_server::blobs::FsBlobStore;
use fieldcase_sync_server::store::{Device, SqliteStore, Store};
use fieldcase_sync_server::{router, AppState};
use tower::ServiceExt;
use uuid::Uuid;

struct Fixture {
    state: AppState,
    server_key: fieldcase_shared::keys::PublicKey,
    device: DeviceKey,
    blob_dir: Arc<tempfile::TempDir>,
}

fn fixture() -> Fixture {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let device = DeviceKey::from_seed([11; 32]);
    store
        .add_device(&Device {
            id: device.public().device_id(),
            key: device.public(),
            name: "终端01".into(),
            added_at: Utc::now(),
        })
        .unwrap();
    let server = DeviceKey::from_seed([99; 32]);
    let server_key = server.public();
    let blob_dir = Arc::new(tempfile::tempdir().unwrap());
    let blobs = Arc::new(FsBlobStore::open(blob_dir.path()).unwrap());
    Fixture {
        state: AppState::new(store, blobs, server).unwrap(),
        server_key,
        device,
        blob_dir,
    }
}

/// `n` linked records of `key`, starting after `prev` at `first`.
fn records(key: &DeviceKey, first: u64, n: u64, mut prev: Digest, note: &str) -> Vec<Envelope> {
    let mut out = Vec::new();
    for seq in first..first + n {
        let p = RecordPayload::new(
            key.public().device_id(),
            seq,
            prev,
            DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap(),
            vec!["65010023".into(), "65010031".into()],
            RecordBody::CaseOpened(CaseOpened {
                case_id: Uuid::now_v7(),
                case_no: format!("乌交执〔2026〕{seq:05}号"),
                occurred_at: DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap(),
                place: "G30".into(),
                vehicle: Vehicle {
                    plate: "新A12345".into(),
                },
                party: Party::Person {
                    id_number: "11010519491231002X".into(),
                    name: String::new(),
                },
                violation: None,
                note: note.into(),
                details: None,
            }),
        );
        let s = record::seal(key, &p);
        prev = s.chain;
        out.push(s.envelope);
    }
    out
}

async fn push(f: &Fixture, device: &str, envs: Vec<Envelope>) -> (StatusCode, Vec<u8>) {
    let body = serde_json::to_vec(&PushRecords { envelopes: envs }).unwrap();
    push_raw(f, device, body).await
}

/// Adds the device-signature headers (RFC 9421) of `f.device` to a request
/// for `uri` (path with query), as the terminal does.
fn signed(
    f: &Fixture,
    mut req: axum::http::request::Builder,
    method: &str,
    uri: &str,
    body: Option<&[u8]>,
) -> axum::http::request::Builder {
    use fieldcase_shared::httpsig;
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let digest = body.map(fieldcase_shared::hash::sha256);
    for (k, v) in httpsig::sign(
        &f.device,
        method,
        path,
        query,
        digest.as_ref(),
        Utc::now().timestamp(),
        &httpsig::new_nonce(),
    ) {
        req = req.header(k, v);
    }
    req
}

async fn push_raw(f: &Fixture, device: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
    let uri = format!("/v1/devices/{device}/records");
    let req = signed(f, Request::post(&uri), "POST", &uri, Some(&body))
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let resp = router(f.state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

fn error(body: &[u8]) -> ApiError {
    serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "error body is not an ApiError ({e}): {}",
            String::from_utf8_lossy(body)
        )
    })
}

#[tokio::test]
async fn stores_batch_and_returns_verifiable_receipt_idempotently() {
    let f = fixture();
    let dev = f.device.public().device_id();
    let envs = records(&f.device, 1, 3, chain::genesis(&dev), "");
    let (status, body) = push(&f, &dev.to_string(), envs.clone()).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let resp: PushResponse = serde_json::from_slice(&body).unwrap();
    let receipt = Receipt::open(&resp.receipt, &f.server_key).unwrap();
    assert_eq!(receipt.device, dev);
    assert_eq!(receipt.records.len(), 3);
    assert!(receipt.records.iter().all(|e| e.new));
    assert_eq!(receipt.head.seq, 3);

    // Replay: acknowledged again, nothing stored twice.
    let (status, body) = push(&f, &dev.to_string(), envs).await;
    assert_eq!(status, StatusCode::OK);
    let resp: PushResponse = serde_json::from_slice(&body).unwrap();
    let again = Receipt::open(&resp.receipt, &f.server_key).unwrap();
    assert!(again.records.iter().all(|e| !e.new));
    assert_eq!(f.state.store().record_digests(&dev).unwrap().len(), 3);
}

#[tokio::test]
async fn forged_signature_is_refused() {
    let f = fixture();
    let dev = f.device.public().device_id();
    let mut envs = records(&f.device, 1, 2, chain::genesis(&dev), "");
    // Change the payload after signing (the plate).
    let text = String::from_utf8(envs[1].payload.clone())
        .unwrap()
        .replace("新A12345", "新A99999");
    envs[1].payload = text.into_bytes();
    let (status, body) = push(&f, &dev.to_string(), envs).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = error(&body);
    assert_eq!(e.error, ErrorCode::BadSignature);
    assert_eq!(e.seq, Some(2));
    assert!(e.message.contains("signature"), "{}", e.message);
    assert_eq!(f.state.store().record_digests(&dev).unwrap().len(), 0);
}

#[tokio::test]
async fn records_signed_by_another_key_are_refused() {
    let f = fixture();
    let dev = f.device.public().device_id();
    let intruder = DeviceKey::from_seed([12; 32]);
    // Intruder signs records that claim to be the registered device's.
    let mut envs = records(&intruder, 1, 1, chain::genesis(&dev), "");
    let mut p: RecordPayload = serde_json::from_slice(&envs[0].payload).unwrap();
    p.device = dev;
    envs[0] = Envelope::sign(
        &intruder,
        &dev.to_string(),
        record::RECORD_PAYLOAD_TYPE,
        serde_json::to_vec(&p).unwrap(),
    );
    let (status, body) = push(&f, &dev.to_string(), envs).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error(&body).error, ErrorCode::BadSignature);
}

#[tokio::test]
async fn unknown_device_is_refused() {
    let f = fixture();
    let stranger = DeviceKey::from_seed([13; 32]);
    let dev = stranger.public().device_id();
    let envs = records(&stranger, 1, 1, chain::genesis(&dev), "");
    let (status, body) = push(&f, &dev.to_string(), envs).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let e = error(&body);
    assert_eq!(e.error, ErrorCode::UnknownDevice);
    assert!(e.message.contains("not registered"), "{}", e.message);
}

#[tokio::test]
async fn fork_is_refused_and_kept() {
    let f = fixture();
    let dev = f.device.public().device_id();
    let envs = records(&f.device, 1, 2, chain::genesis(&dev), "");
    assert_eq!(
        push(&f, &dev.to_string(), envs.clone()).await.0,
        StatusCode::OK
    );
    // A different seq 2 on top of the same seq 1.
    let first = record::open(envs[0].clone(), &f.device.public()).unwrap();
    let other = records(&f.device, 2, 1, first.chain, "另一个版本");
    let (status, body) = push(&f, &dev.to_string(), other).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let e = error(&body);
    assert_eq!(e.error, ErrorCode::Fork);
    assert_eq!(e.seq, Some(2));
    assert!(e.message.contains("forked"), "{}", e.message);
    assert_eq!(f.state.store().fork_count(&dev).unwrap(), 1);
    // The held chain is unchanged.
    let held = f.state.store().record_digests(&dev).unwrap();
    assert_eq!(held.len(), 2);
    assert_eq!(held[1].1, envs[1].digest());
}

#[tokio::test]
async fn gap_is_refused_with_its_own_code() {
    let f = fixture();
    let dev = f.device.public().device_id();
    let envs = records(&f.device, 1, 3, chain::genesis(&dev), "");
    let (status, body) = push(&f, &dev.to_string(), vec![envs[2].clone()]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let e = error(&body);
    assert_eq!(e.error, ErrorCode::ChainGap);
    assert!(e.message.contains("seq 1 must come next"), "{}", e.message);
}

#[tokio::test]
async fn malformed_and_oversized_requests_get_clear_errors() {
    let f = fixture();
    let dev = f.device.public().device_id().to_string();
    let (status, body) = push_raw(&f, &dev, b"{not json".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error(&body).error, ErrorCode::BadRequest);

    let (status, body) = push(&f, &dev, vec![]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error(&body).message.contains("no records"));

    let (status, body) = push_raw(&f, "not-a-device", b"{}".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error(&body).message.contains("device id"));

    let big = vec![b' '; fieldcase_sync_server::api::MAX_BODY_BYTES + 10];
    let (status, body) = push_raw(&f, &dev, big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error(&body).error, ErrorCode::TooLarge);
}

#[tokio::test]
async fn health_and_info() {
    let f = fixture();
    let resp = router(f.state.clone())
        .oneshot(Request::get("/health").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = router(f.state.clone())
        .oneshot(Request::get("/v1/info").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let info: fieldcase_shared::wire::ServerInfo = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(info.server_key, f.server_key);
    assert!(info.limits.max_batch_records >= 100);
}

async fn get(f: &Fixture, uri: &str) -> (StatusCode, Vec<u8>) {
    let req = signed(f, Request::get(uri), "GET", uri, None)
        .body(Body::empty())
        .unwrap();
    let resp = router(f.state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

#[tokio::test]
async fn every_stored_record_is_in_the_signed_log_and_the_log_only_grows() {
    use fieldcase_shared::tlog::{self, Checkpoint, LogEntry};
    use fieldcase_shared::wire::{ConsistencyProof, InclusionProof};

    let f = fixture();
    let dev = f.device.public().device_id();
    let origin = fieldcase_sync_server::api::DEFAULT_LOG_ORIGIN;
    let open = |note: &str| {
        let text = tlog::open_note(note, origin, &f.server_key).unwrap();
        Checkpoint::parse(text).unwrap()
    };
    let (_, body) = get(&f, "/v1/log/checkpoint").await;
    let empty = open(&String::from_utf8(body).unwrap());
    assert_eq!(empty.size, 0);

    let envs = records(&f.device, 1, 5, chain::genesis(&dev), "");
    let (status, body) = push(&f, &dev.to_string(), envs[..3].to_vec()).await;
    assert_eq!(status, StatusCode::OK);
    let first: PushResponse = serde_json::from_slice(&body).unwrap();
    let r1 = Receipt::open(&first.receipt, &f.server_key).unwrap();
    let cp1 = open(&r1.checkpoint);
    assert_eq!(cp1.size, 3);
    for (e, proof) in r1.records.iter().zip(&first.inclusion) {
        let leaf = LogEntry::Record {
            device: dev,
            seq: e.seq,
            digest: e.digest,
        }
        .leaf_hash();
        tlog::verify_inclusion(&leaf, e.log_index, cp1.size, proof, &cp1.root).unwrap();
    }

    // Replaying a held record names its original log position.
    let (_, body) = push(&f, &dev.to_string(), envs[2..].to_vec()).await;
    let second: PushResponse = serde_json::from_slice(&body).unwrap();
    let r2 = Receipt::open(&second.receipt, &f.server_key).unwrap();
    assert_eq!(r2.records[0].log_index, r1.records[2].log_index);
    assert!(!r2.records[0].new);
    let cp2 = open(&r2.checkpoint);
    assert_eq!(cp2.size, 5);

    let (status, body) = get(&f, "/v1/log/consistency?from=3&to=5").await;
    assert_eq!(status, StatusCode::OK);
    let c: ConsistencyProof = serde_json::from_slice(&body).unwrap();
    tlog::verify_consistency(3, 5, &c.proof, &cp1.root, &cp2.root).unwrap();
    assert!(tlog::verify_consistency(3, 5, &c.proof, &cp2.root, &cp2.root).is_err());

    let (status, body) = get(&f, "/v1/log/inclusion?index=4&size=5").await;
    assert_eq!(status, StatusCode::OK);
    let p: InclusionProof = serde_json::from_slice(&body).unwrap();
    let leaf = LogEntry::Record {
        device: dev,
        seq: 5,
        digest: r2.records[2].digest,
    }
    .leaf_hash();
    tlog::verify_inclusion(&leaf, 4, 5, &p.proof, &cp2.root).unwrap();

    for bad in [
        "/v1/log/inclusion?index=5&size=5",
        "/v1/log/inclusion?index=0&size=99",
        "/v1/log/consistency?from=4&to=3",
        "/v1/log/consistency?from=x&to=3",
    ] {
        let (status, _) = get(&f, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }

    // A restarted server rebuilds the same tree from its store.
    let blobs = Arc::new(FsBlobStore::open(f.blob_dir.path()).unwrap());
    let again = AppState::new(
        f.state.store().clone(),
        blobs,
        DeviceKey::from_seed([99; 32]),
    )
    .unwrap();
    let g = Fixture {
        blob_dir: f.blob_dir.clone(),
        state: again,
        server_key: f.server_key,
        device: DeviceKey::from_seed([11; 32]),
    };
    let (_, body) = get(&g, "/v1/log/checkpoint").await;
    assert_eq!(open(&String::from_utf8(body).unwrap()), cp2);
}

async fn put_chunk(
    f: &Fixture,
    dev: &str,
    sha: &str,
    offset: u64,
    total: u64,
    chunk: &[u8],
) -> (StatusCode, Vec<u8>) {
    let uri = format!("/v1/devices/{dev}/blobs/{sha}?offset={offset}&total={total}");
    let req = signed(f, Request::put(&uri), "PUT", &uri, Some(chunk))
        .header("content-type", "application/octet-stream")
        .header("content-length", chunk.len())
        .body(Body::from(chunk.to_vec()))
        .unwrap();
    let resp = router(f.state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

#[tokio::test]
async fn evidence_uploads_resume_are_checked_and_are_never_taken_twice() {
    use fieldcase_shared::hash::sha256;
    use fieldcase_shared::model::EvidenceItem;
    use fieldcase_shared::tlog::{self, Checkpoint, LogEntry};
    use fieldcase_shared::wire::BlobStatus;

    let f = fixture();
    let dev = f.device.public().device_id();
    let d = dev.to_string();
    let video: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let sha = sha256(&video);
    let forged_sha = sha256(b"the bytes the record names");

    // Not named by any record yet: refused.
    let (status, body) = get(&f, &format!("/v1/devices/{d}/blobs/{sha}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error(&body).error, ErrorCode::UnknownBlob);

    // Records naming both blobs.
    let mut envs = records(&f.device, 1, 1, chain::genesis(&dev), "");
    let first = record::open(envs[0].clone(), &f.device.public()).unwrap();
    let mut prev = first.chain;
    for (seq, blob, size) in [(2u64, sha, video.len() as u64), (3, forged_sha, 5)] {
        let p = RecordPayload::new(
            dev,
            seq,
            prev,
            DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap(),
            vec!["65010023".into(), "65010031".into()],
            RecordBody::EvidenceAdded(EvidenceItem {
                case_id: Uuid::now_v7(),
                sha256: blob,
                size,
                media_type: "video/mp4".into(),
                original_name: "执法记录仪.mp4".into(),
                captured_at: None,
                category: String::new(),
                description: String::new(),
            }),
        );
        let s = record::seal(&f.device, &p);
        prev = s.chain;
        envs.push(s.envelope);
    }
    let (status, _) = push(&f, &d, envs).await;
    assert_eq!(status, StatusCode::OK);

    let total = video.len() as u64;
    let status_of = |body: &[u8]| serde_json::from_slice::<BlobStatus>(body).unwrap();
    // The size must be the one the record names.
    let (status, body) = put_chunk(&f, &d, &sha.to_hex(), 0, total + 1, &video[..100]).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert!(
        error(&body)
            .message
            .contains(&format!("with {total} bytes")),
        "{}",
        error(&body).message
    );
    let (status, body) = put_chunk(&f, &d, &sha.to_hex(), 0, total, &video[..100_000]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(status_of(&body).offset, 100_000);
    assert!(!status_of(&body).held);
    // A chunk from the wrong place is refused with where to continue.
    let (status, body) = put_chunk(
        &f,
        &d,
        &sha.to_hex(),
        50_000,
        total,
        &video[50_000..150_000],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let e = error(&body);
    assert_eq!(e.error, ErrorCode::OffsetMismatch);
    assert!(
        e.message.contains("continue from byte 100000"),
        "{}",
        e.message
    );
    // The client asks how much is held and continues.
    let (_, body) = get(&f, &format!("/v1/devices/{d}/blobs/{sha}")).await;
    assert_eq!(status_of(&body).offset, 100_000);
    let (status, body) = put_chunk(&f, &d, &sha.to_hex(), 100_000, total, &video[100_000..]).await;
    assert_eq!(status, StatusCode::OK);
    let done = status_of(&body);
    assert!(done.held);
    let receipt = Receipt::open(done.receipt.as_ref().unwrap(), &f.server_key).unwrap();
    assert_eq!(receipt.blobs.len(), 1);
    assert_eq!(
        (receipt.blobs[0].sha256, receipt.blobs[0].size),
        (sha, total)
    );
    let origin = fieldcase_sync_server::api::DEFAULT_LOG_ORIGIN;
    let cp =
        Checkpoint::parse(tlog::open_note(&receipt.checkpoint, origin, &f.server_key).unwrap())
            .unwrap();
    let leaf = LogEntry::Blob {
        sha256: sha,
        size: total,
    }
    .leaf_hash();
    tlog::verify_inclusion(
        &leaf,
        receipt.blobs[0].log_index,
        cp.size,
        done.inclusion.as_ref().unwrap(),
        &cp.root,
    )
    .unwrap();
    assert_eq!(
        std::fs::read(
            f.blob_dir
                .path()
                .join("blobs")
                .join(&sha.to_hex()[..2])
                .join(sha.to_hex())
        )
        .unwrap(),
        video
    );

    // Held: asking again gives a receipt; sending again stores nothing new.
    let (_, body) = get(&f, &format!("/v1/devices/{d}/blobs/{sha}")).await;
    assert!(status_of(&body).held);
    let (status, body) = put_chunk(&f, &d, &sha.to_hex(), 0, total, &video[..10]).await;
    assert_eq!(status, StatusCode::OK);
    let again = Receipt::open(status_of(&body).receipt.as_ref().unwrap(), &f.server_key).unwrap();
    assert_eq!(again.blobs[0].log_index, receipt.blobs[0].log_index);

    // Bytes that do not match their name are discarded, never visible.
    let (status, body) = put_chunk(&f, &d, &forged_sha.to_hex(), 0, 5, b"wrong").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error(&body).error, ErrorCode::BlobMismatch);
    let (_, body) = get(&f, &format!("/v1/devices/{d}/blobs/{forged_sha}")).await;
    assert_eq!((status_of(&body).held, status_of(&body).offset), (false, 0));

    // Oversized and malformed requests.
    let big = vec![0u8; (fieldcase_sync_server::api::MAX_BODY_BYTES / 2) + 1];
    let (status, body) = put_chunk(&f, &d, &sha.to_hex(), 0, big.len() as u64, &big).await;
    assert_eq!(
        status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (status, _) = put_chunk(&f, &d, "not-a-hash", 0, 1, b"x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A chunk running past the blob's total is refused before any byte of
    // it is kept.
    let (status, body) = put_chunk(&f, &d, &forged_sha.to_hex(), 0, 5, b"sixsix").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        error(&body).message.contains("0 bytes are held"),
        "{}",
        error(&body).message
    );
    let other = DeviceKey::from_seed([12; 32]).public().device_id();
    let (status, _) = put_chunk(&f, &other.to_string(), &sha.to_hex(), 0, 1, b"x").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn records_from_a_wrong_clock_are_stored_and_flagged() {
    let f = fixture();
    let dev = f.device.public().device_id();
    let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap();
    let mut prev = chain::genesis(&dev);
    let mut envs = Vec::new();
    // seq 1 far in the future; seq 2 an hour before seq 1; seq 3 normal.
    for (seq, t) in [
        (1u64, "2099-01-01T00:00:00+08:00"),
        (2, "2098-12-31T23:00:00+08:00"),
        (3, "2026-11-28T10:00:00+08:00"),
    ] {
        let mut p = RecordPayload::new(
            dev,
            seq,
            prev,
            at(t),
            vec!["65010023".into(), "65010031".into()],
            RecordBody::CaseOpened(CaseOpened {
                case_id: Uuid::now_v7(),
                case_no: format!("乌交执〔2026〕{seq:05}号"),
                occurred_at: at(t),
                place: "G30".into(),
                vehicle: Vehicle {
                    plate: "新A12345".into(),
                },
                party: Party::Person {
                    id_number: "11010519491231002X".into(),
                    name: String::new(),
                },
                violation: None,
                note: String::new(),
                details: None,
            }),
        );
        p.created_at = at(t);
        let s = record::seal(&f.device, &p);
        prev = s.chain;
        envs.push(s.envelope);
    }
    let (status, body) = push(&f, &dev.to_string(), envs).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let resp: PushResponse = serde_json::from_slice(&body).unwrap();
    let kinds: Vec<(u64, &str)> = resp
        .flags
        .iter()
        .map(|f| (f.seq, f.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (1, "clock_ahead"),
            (2, "clock_ahead"),
            (2, "clock_backwards"),
            (3, "clock_backwards")
        ]
    );
    // Stored all the same: the records are evidence whatever the clock said.
    assert_eq!(f.state.store().record_digests(&dev).unwrap().len(), 3);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let f = fixture();
    for (method, uri, status, code) in [
        (
            "GET",
            "/nowhere",
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
        ),
        (
            "GET",
            "/v1/devices/x/records",
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
        ),
        (
            "DELETE",
            "/health",
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
        ),
    ] {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let resp = router(f.state.clone()).oneshot(req).await.unwrap();
        assert_eq!(resp.status(), status, "{method} {uri}");
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let e = error(&body);
        assert_eq!(e.error, code);
        assert!(e.message.contains("docs/sync.md"), "{}", e.message);
    }
}

/// The revocation is judged by the server's clock: records arriving after
/// it are refused even when back-dated; records held already that were
/// made after a back-dated revocation time are flagged.
#[tokio::test]
async fn revocation_is_judged_by_arrival_not_by_the_claimed_date() {
    let f = fixture();
    let dev = f.device.public().device_id();
    let envs = records(&f.device, 1, 3, chain::genesis(&dev), "");
    assert_eq!(
        push(&f, &dev.to_string(), envs[..2].to_vec()).await.0,
        StatusCode::OK
    );
    // Revoked "since yesterday" (records are dated 2026-11-28 10:00 +08:00).
    let at = DateTime::parse_from_rfc3339("2026-11-28T01:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let flags =
        fieldcase_sync_server::store::revoke(f.state.store().as_ref(), &dev, at, Utc::now())
            .unwrap();
    assert_eq!(flags.iter().map(|f| f.seq).collect::<Vec<_>>(), [1, 2]);
    assert!(flags.iter().all(|f| f.kind == "revoked_key"));

    // Revoked now; the thief's record says it was made long before.
    let f2 = fixture();
    let at = Utc::now() - chrono::Duration::seconds(1);
    fieldcase_sync_server::store::revoke(f2.state.store().as_ref(), &dev, at, Utc::now()).unwrap();
    let (status, body) = push(&f2, &dev.to_string(), envs[..1].to_vec()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let e = error(&body);
    assert_eq!(e.error, ErrorCode::RevokedDevice);
    assert_eq!(f2.state.store().record_digests(&dev).unwrap().len(), 0);
}

async fn send_with(
    f: &Fixture,
    method: &str,
    uri: &str,
    headers: &[(&'static str, String)],
    body: &[u8],
) -> (StatusCode, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = router(f.state.clone())
        .oneshot(req.body(Body::from(body.to_vec())).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

/// Every device route needs the device's signature (RFC 9421): unsigned,
/// another key's, a forged key id, an expired time, a replay and a body
/// other than the signed one are each refused with 401 and stored nothing.
#[tokio::test]
async fn device_routes_need_the_device_signature() {
    use fieldcase_shared::hash::sha256;
    use fieldcase_shared::httpsig::{self, sign};
    let f = fixture();
    let dev = f.device.public().device_id();
    let d = dev.to_string();
    let envs = records(&f.device, 1, 1, chain::genesis(&dev), "");
    let batch = serde_json::to_vec(&PushRecords { envelopes: envs }).unwrap();
    let blob = sha256(b"evidence bytes");
    let routes: Vec<(&str, String, Option<Vec<u8>>)> = vec![
        (
            "POST",
            format!("/v1/devices/{d}/records"),
            Some(batch.clone()),
        ),
        ("GET", format!("/v1/devices/{d}/messages?after=0"), None),
        ("GET", format!("/v1/devices/{d}/blobs/{blob}"), None),
        (
            "PUT",
            format!("/v1/devices/{d}/blobs/{blob}?offset=0&total=14"),
            Some(b"evidence bytes".to_vec()),
        ),
    ];
    let now = Utc::now().timestamp();
    let intruder = DeviceKey::from_seed([66; 32]);
    for (method, uri, body) in &routes {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let digest = body.as_deref().map(sha256);
        let bytes = body.clone().unwrap_or_default();
        let refused = |(status, body): (StatusCode, Vec<u8>), says: &str| {
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {uri}: {}",
                String::from_utf8_lossy(&body)
            );
            let e = error(&body);
            assert_eq!(e.error, ErrorCode::Unauthenticated);
            assert!(e.message.contains(says), "{method} {uri}: {}", e.message);
        };
        // Unsigned (the device id alone, as printed on every disc).
        refused(
            send_with(&f, method, uri, &[], &bytes).await,
            "signed with its key",
        );
        // Signed by another key for its own id.
        let other = sign(
            &intruder,
            method,
            path,
            query,
            digest.as_ref(),
            now,
            &httpsig::new_nonce(),
        );
        refused(
            send_with(&f, method, uri, &other, &bytes).await,
            "is not the device",
        );
        // Another key's signature under this device's key id.
        let forged: Vec<_> = other
            .iter()
            .map(|(k, v)| {
                (
                    *k,
                    v.replace(&intruder.public().device_id().to_string(), &d),
                )
            })
            .collect();
        refused(
            send_with(&f, method, uri, &forged, &bytes).await,
            "does not verify",
        );
        // Made 10 minutes ago.
        let old = sign(
            &f.device,
            method,
            path,
            query,
            digest.as_ref(),
            now - 600,
            &httpsig::new_nonce(),
        );
        refused(
            send_with(&f, method, uri, &old, &bytes).await,
            "server's clock",
        );
        // Signed for another query or path.
        let elsewhere = sign(
            &f.device,
            method,
            path,
            "after=99",
            digest.as_ref(),
            now,
            &httpsig::new_nonce(),
        );
        refused(
            send_with(&f, method, uri, &elsewhere, &bytes).await,
            "does not verify",
        );
        // Good once; the same headers again are a replay.
        let good = sign(
            &f.device,
            method,
            path,
            query,
            digest.as_ref(),
            now,
            &httpsig::new_nonce(),
        );
        let (status, _) = send_with(&f, method, uri, &good, &bytes).await;
        assert_ne!(status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        refused(send_with(&f, method, uri, &good, &bytes).await, "replay");
    }
    // A body other than the signed one: nothing stored or appended.
    let f = fixture();
    let uri = format!("/v1/devices/{d}/records");
    let h = sign(
        &f.device,
        "POST",
        &uri,
        "",
        Some(&sha256(b"{}")),
        now,
        &httpsig::new_nonce(),
    );
    let (status, body) = send_with(&f, "POST", &uri, &h, &batch).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert!(f.state.store().record_digests(&dev).unwrap().is_empty());
    assert_eq!(
        push(&f, &d, records(&f.device, 1, 1, chain::genesis(&dev), ""))
            .await
            .0,
        StatusCode::OK
    );
}

/// Records 1–2 of `f.device`: an opening and the evidence record naming
/// `bytes` (with their size).
async fn push_evidence_record(f: &Fixture, bytes: &[u8]) {
    use fieldcase_shared::model::EvidenceItem;
    let dev = f.device.public().device_id();
    let mut envs = records(&f.device, 1, 1, chain::genesis(&dev), "");
    let first = record::open(envs[0].clone(), &f.device.public()).unwrap();
    let p = RecordPayload::new(
        dev,
        2,
        first.chain,
        DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap(),
        vec!["65010023".into(), "65010031".into()],
        RecordBody::EvidenceAdded(EvidenceItem {
            case_id: Uuid::now_v7(),
            sha256: fieldcase_shared::hash::sha256(bytes),
            size: bytes.len() as u64,
            media_type: "video/mp4".into(),
            original_name: "执法记录仪.mp4".into(),
            captured_at: None,
            category: String::new(),
            description: String::new(),
        }),
    );
    envs.push(record::seal(&f.device, &p).envelope);
    assert_eq!(push(f, &dev.to_string(), envs).await.0, StatusCode::OK);
}

/// A request of the owner that stalls mid-chunk holds no lock: the same
/// chunk sent again on another connection is taken at once, and the
/// stalled one, when it finally ends, adds nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_chunk_holds_up_nothing() {
    use fieldcase_shared::wire::BlobStatus;
    let f = fixture();
    let d = f.device.public().device_id().to_string();
    let video: Vec<u8> = (0..200_000u32).map(|i| (i % 249) as u8).collect();
    let sha = fieldcase_shared::hash::sha256(&video).to_hex();
    push_evidence_record(&f, &video).await;

    let uri = format!("/v1/devices/{d}/blobs/{sha}?offset=0&total={}", video.len());
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(1);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let req = signed(&f, Request::put(&uri), "PUT", &uri, Some(&video))
        .header("content-length", video.len())
        .body(Body::from_stream(stream))
        .unwrap();
    let state = f.state.clone();
    let stalled = tokio::spawn(async move { router(state).oneshot(req).await.unwrap() });
    tx.send(Ok(axum::body::Bytes::from(video[..1000].to_vec())))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let started = std::time::Instant::now();
    let (status, body) = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        put_chunk(&f, &d, &sha, 0, video.len() as u64, &video),
    )
    .await
    .expect("the owner's chunk waited for the stalled one");
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let st: BlobStatus = serde_json::from_slice(&body).unwrap();
    assert!(st.held, "stored in {:?}", started.elapsed());

    drop(tx); // the stalled request is cut
    let resp = stalled.await.unwrap();
    assert_ne!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let (_, body) = get(&f, &format!("/v1/devices/{d}/blobs/{sha}")).await;
    let st: BlobStatus = serde_json::from_slice(&body).unwrap();
    assert!(st.held && st.offset == video.len() as u64);
    let stored = std::fs::read(
        fieldcase_sync_server::blobs::FsBlobStore::open(f.blob_dir.path())
            .unwrap()
            .path(&fieldcase_shared::hash::sha256(&video)),
    )
    .unwrap();
    assert_eq!(stored, video);
}
