//! Forged, truncated, oversized, malformed and mismatched requests against
//! the real server binary, on both pairs of stores (SQLite and files;
//! PostgreSQL and S3 on moto): each gets a clear error and changes nothing;
//! afterwards an honest sync stores every record and evidence file exactly
//! once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::io::{Read, Write};
use std::path::Path;

use fieldcase_app::core::Terminal;
use fieldcase_e2e::{host_port, run, seeded_terminal, Backend};
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::wire::{ApiError, ErrorCode, PushRecords};
use fieldcase_sync_server::api::{MAX_BATCH_RECORDS, MAX_BODY_BYTES};

/// Sends a request; the status and the error the server gave (if any).
fn send(key: &DeviceKey, method: &str, url: &str, body: &[u8]) -> (u16, Option<ApiError>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json");
    let with_body = matches!(method, "POST" | "PUT");
    for (k, v) in fieldcase_e2e::device_headers(key, method, url, with_body.then_some(body)) {
        req = req.header(k, v);
    }
    let req = req.body(body.to_vec()).unwrap();
    let mut resp = agent.run(req).unwrap();
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).ok())
}

/// The signature headers as raw HTTP/1.1 header lines.
fn raw_headers(key: &DeviceKey, method: &str, url: &str, body: &[u8]) -> String {
    fieldcase_e2e::device_headers(key, method, url, Some(body))
        .into_iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect()
}

/// Asserts a refusal with this status and code, and a message a person can act on.
fn refused(got: (u16, Option<ApiError>), status: u16, code: ErrorCode, says: &str) {
    let (st, err) = got;
    let err = err.unwrap_or_else(|| panic!("{st}: no JSON error"));
    assert_eq!((st, err.error), (status, code), "{}", err.message);
    assert!(
        err.message.contains(says),
        "{:?} does not say {says:?}",
        err.message
    );
}

fn bad_requests_change_nothing(backend: &Backend, dir: &Path) {
    let term = dir.join("terminal");
    let srv = dir.join("server");
    let key = seeded_terminal(&term, 2, 300);
    let server = backend.start_server(&srv, &key);
    let t = Terminal::open(&term).unwrap();
    let dk = fieldcase_e2e::terminal_key(&term);
    let device = t.device_id();
    let records = t.store.all_records().unwrap();
    let local: Vec<_> = records.iter().map(|r| (r.seq, r.digest)).collect();
    let envelopes: Vec<_> = records.into_iter().map(|r| r.envelope).collect();
    let url = format!("{}/v1/devices/{device}/records", server.url);
    let body = |envs: Vec<_>| serde_json::to_vec(&PushRecords { envelopes: envs }).unwrap();
    let held = || {
        let store = fieldcase_sync_server::open_store(&srv, &backend.database).unwrap();
        (
            store.record_digests(&device).unwrap().len(),
            store.log_leaves(0).unwrap().len(),
        )
    };

    // Records: a forged signature, a truncated body, malformed JSON, a
    // body over the limit, too many records, an unknown device.
    let mut forged = envelopes.clone();
    forged[1].sig[0] ^= 1;
    refused(
        send(&dk, "POST", &url, &body(forged)),
        422,
        ErrorCode::BadSignature,
        "signature",
    );
    let whole = body(envelopes.clone());
    refused(
        send(&dk, "POST", &url, &whole[..whole.len() / 2]),
        400,
        ErrorCode::BadRequest,
        "JSON",
    );
    refused(
        send(&dk, "POST", &url, br#"{"envelopes": 5}"#),
        400,
        ErrorCode::BadRequest,
        "envelopes",
    );
    // Over the limit: refused from the header, before the body is read
    // (the answer comes while the client waits on `Expect: 100-continue`).
    let big = vec![b' '; MAX_BODY_BYTES + 10];
    let answer = {
        let mut c = std::net::TcpStream::connect(host_port(&server.url)).unwrap();
        let signed = raw_headers(&dk, "POST", &url, &big);
        write!(
            c,
            "POST /v1/devices/{device}/records HTTP/1.1\r\nHost: x\r\n{signed}Content-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
            big.len()
        )
        .unwrap();
        let mut text = String::new();
        let _ = c.read_to_string(&mut text);
        text
    };
    let (head, json) = answer.split_once("\r\n\r\n").unwrap_or_default();
    assert!(head.starts_with("HTTP/1.1 413"), "{answer}");
    refused(
        (413, serde_json::from_str(json).ok()),
        413,
        ErrorCode::TooLarge,
        "fewer records",
    );
    let many = vec![envelopes[0].clone(); MAX_BATCH_RECORDS + 1];
    refused(
        send(&dk, "POST", &url, &body(many)),
        413,
        ErrorCode::TooLarge,
        "at most",
    );
    let stranger = "0".repeat(32);
    refused(
        send(
            &dk,
            "POST",
            &url.replace(&device.to_string(), &stranger),
            &whole,
        ),
        403,
        ErrorCode::UnknownDevice,
        "",
    );
    assert_eq!(held(), (0, 0), "a refused request stored something");

    // Evidence: only after the records that name it.
    let blob = {
        let c = &t.store.cases(10).unwrap()[0];
        t.store
            .case_records(&c.case_id)
            .unwrap()
            .iter()
            .flat_map(|r| {
                fieldcase_shared::record::parse_header(&r.envelope.payload)
                    .unwrap()
                    .blobs
            })
            .next()
            .unwrap()
    };
    let bytes = std::fs::read(t.store.blob_path(&blob).unwrap()).unwrap();
    let total = bytes.len();
    let blob_url = format!("{}/v1/devices/{device}/blobs/{blob}", server.url);
    // (A short chunk: the refusal comes before the body is read, and a
    // server that answers early may close while a long body is still being
    // sent — the client then sees a broken pipe, not the answer.)
    refused(
        send(
            &dk,
            "PUT",
            &format!("{blob_url}?offset=0&total={total}"),
            &bytes[..1024.min(total)],
        ),
        404,
        ErrorCode::UnknownBlob,
        "sync the records first",
    );
    assert_eq!(send(&dk, "POST", &url, &whole).0, 200);
    let after_records = held();
    assert_eq!(after_records, (local.len(), local.len()));

    // Bytes that do not hash to the name: refused, never visible.
    let mut wrong = bytes.clone();
    wrong[total / 2] ^= 0xff;
    refused(
        send(
            &dk,
            "PUT",
            &format!("{blob_url}?offset=0&total={total}"),
            &wrong,
        ),
        422,
        ErrorCode::BlobMismatch,
        "send the file again from byte 0",
    );
    // A chunk at the wrong offset; one over the chunk limit; a total over
    // what was declared.
    refused(
        send(
            &dk,
            "PUT",
            &format!("{blob_url}?offset=5&total={total}"),
            &bytes[5..],
        ),
        409,
        ErrorCode::OffsetMismatch,
        "continue from byte 0",
    );
    let info: serde_json::Value = serde_json::from_slice(
        &ureq::get(format!("{}/v1/info", server.url))
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap(),
    )
    .unwrap();
    let max_chunk = info["limits"]["max_chunk_bytes"].as_u64().unwrap() as usize;
    // Declared too large: refused from the headers, before any body byte
    // (as `Expect: 100-continue` clients rely on).
    let answer = {
        let mut c = std::net::TcpStream::connect(host_port(&server.url)).unwrap();
        let url = format!("{blob_url}?offset=0&total={total}");
        let signed = raw_headers(&dk, "PUT", &url, &vec![0u8; max_chunk + 1]);
        write!(
            c,
            "PUT /v1/devices/{device}/blobs/{blob}?offset=0&total={total} HTTP/1.1\r\nHost: x\r\n{signed}Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
            max_chunk + 1
        )
        .unwrap();
        let mut text = String::new();
        let _ = c.read_to_string(&mut text);
        text
    };
    let (head, json) = answer.split_once("\r\n\r\n").unwrap_or_default();
    assert!(head.starts_with("HTTP/1.1 413"), "{answer}");
    refused(
        (413, serde_json::from_str(json).ok()),
        413,
        ErrorCode::TooLarge,
        "per request",
    );
    refused(
        send(
            &dk,
            "PUT",
            &format!("{blob_url}?offset=0&total={total}"),
            &[&bytes[..], b"extra"].concat(),
        ),
        413,
        ErrorCode::TooLarge,
        "continue from there",
    );
    refused(
        send(
            &dk,
            "PUT",
            &format!("{blob_url}?offset=x&total={total}"),
            &bytes,
        ),
        400,
        ErrorCode::BadRequest,
        "",
    );
    // A chunk cut short: the server keeps what arrived, no more.
    let half = total / 2;
    {
        let mut c = std::net::TcpStream::connect(host_port(&server.url)).unwrap();
        let signed = raw_headers(
            &dk,
            "PUT",
            &format!("{blob_url}?offset=0&total={total}"),
            &bytes,
        );
        write!(
            c,
            "PUT /v1/devices/{device}/blobs/{blob}?offset=0&total={total} HTTP/1.1\r\nHost: x\r\n{signed}Content-Length: {total}\r\n\r\n"
        )
        .unwrap();
        c.write_all(&bytes[..half]).unwrap();
        c.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        c.shutdown(std::net::Shutdown::Both).unwrap();
        let _ = c.read(&mut [0u8; 64]);
    }
    let mut offset = 0;
    for _ in 0..50 {
        let (st, _) = send(&dk, "GET", &blob_url, b"");
        assert_eq!(st, 200);
        let mut get = ureq::get(&blob_url);
        for (k, v) in fieldcase_e2e::device_headers(&dk, "GET", &blob_url, None) {
            get = get.header(k, v);
        }
        let status: serde_json::Value =
            serde_json::from_slice(&get.call().unwrap().body_mut().read_to_vec().unwrap()).unwrap();
        assert_eq!(status["held"], false);
        offset = status["offset"].as_u64().unwrap() as usize;
        if offset == half {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        offset, half,
        "the server should hold exactly the bytes that arrived"
    );
    assert_eq!(held(), after_records, "nothing entered the log");

    // Someone who knows only the device id (printed on every disc): cannot
    // append to the pending upload, read its status, or read the messages.
    let thief = DeviceKey::from_seed([77; 32]);
    refused(
        send(
            &thief,
            "PUT",
            &format!("{blob_url}?offset={half}&total={total}"),
            &vec![0u8; total - half],
        ),
        401,
        ErrorCode::Unauthenticated,
        "is not the device",
    );
    refused(
        send(&thief, "GET", &blob_url, b""),
        401,
        ErrorCode::Unauthenticated,
        "",
    );
    refused(
        send(
            &thief,
            "GET",
            &format!("{}/v1/devices/{device}/messages?after=0", server.url),
            b"",
        ),
        401,
        ErrorCode::Unauthenticated,
        "",
    );

    // Now the honest terminal: everything once, the cut chunk continued.
    drop(t);
    let out = run(
        "fieldcase",
        &[
            "--data-dir",
            &term.to_string_lossy(),
            "sync",
            "--server",
            &server.url,
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let t = Terminal::open(&term).unwrap();
    assert_eq!(t.store.unconfirmed_blob_count().unwrap(), 0);
    let blobs = backend.assert_same_evidence(&term, &srv);
    let store = fieldcase_sync_server::open_store(&srv, &backend.database).unwrap();
    assert_eq!(store.record_digests(&device).unwrap(), local);
    backend.assert_logged_once(&srv, local.len() + blobs);
}

#[test]
fn bad_requests_change_nothing_on_sqlite_and_files() {
    let tmp = tempfile::tempdir().unwrap();
    bad_requests_change_nothing(&Backend::files(), tmp.path());
}

#[test]
fn bad_requests_change_nothing_on_postgres_and_s3() {
    let tmp = tempfile::tempdir().unwrap();
    let backend = Backend::postgres_and_s3(tmp.path());
    bad_requests_change_nothing(&backend, tmp.path());
}

/// Guessing enrolment codes is limited per address (10 a minute) on the
/// real server; an unknown route answers JSON like every other error.
#[test]
fn enrolment_guessing_is_rate_limited() {
    let tmp = tempfile::tempdir().unwrap();
    let server = fieldcase_e2e::Server::start(&tmp.path().join("srv"));
    let key = fieldcase_shared::keys::DeviceKey::from_seed([5; 32]).public();
    let url = format!("{}/v1/enrol", server.url);
    let dk = fieldcase_shared::keys::DeviceKey::from_seed([6; 32]);
    let mut codes = Vec::new();
    for i in 0..12 {
        let body =
            serde_json::json!({ "code": format!("WRONG-{i:05}-XXXXX-YYYYY"), "public_key": key });
        codes.push(send(&dk, "POST", &url, body.to_string().as_bytes()));
    }
    for got in &codes[..10] {
        assert_eq!(got.0, 403, "{:?}", got.1);
    }
    refused(codes[11].clone(), 429, ErrorCode::RateLimited, "wait");
    refused(
        send(&dk, "GET", &format!("{}/v2/nothing", server.url), b""),
        404,
        ErrorCode::NotFound,
        "no route",
    );
}
