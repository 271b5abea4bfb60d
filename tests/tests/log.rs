//! The terminal checks the server's transparency log on every sync: a
//! server that comes back with its history rewritten (same key, a log that
//! does not extend the one the terminal saw) is refused, and the records
//! stay unsynced.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::fs;
use std::path::Path;

use fieldcase_app::core::Terminal;
use fieldcase_e2e::{run, run_ok, seeded_terminal, Server};
use fieldcase_shared::wire::PushRecords;

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn a_rewritten_server_log_stops_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let term = tmp.path().join("terminal");
    let srv = tmp.path().join("server");
    let d = s(&term);
    let key = seeded_terminal(std::path::Path::new(&d), 1, 64);

    let server = Server::start(&srv);
    server.register(&key, "终端");
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    // Nothing new: the sync still checks the log against the one it kept.
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    drop(server);

    // The server loses its history but keeps its key.
    for f in fs::read_dir(&srv).unwrap() {
        let p = f.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(fieldcase_sync_server::DB_FILE)
        {
            fs::remove_file(p).unwrap();
        }
    }
    // It rebuilds a different history: another terminal's records first,
    // then this terminal's old records (their chain is intact, their log
    // positions are not).
    let server = Server::start(&srv);
    server.register(&key, "终端");
    let other = tmp.path().join("other");
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &s(&other),
            "demo",
            "--cases",
            "1",
            "--video-kib",
            "64",
        ],
    );
    let other_key = run_ok("fieldcase", &["--data-dir", &s(&other), "key", "show"]);
    server.register(other_key.trim(), "另一终端");
    run_ok(
        "fieldcase",
        &["--data-dir", &s(&other), "sync", "--server", &server.url],
    );
    let old = Terminal::open(&term).unwrap();
    let envelopes: Vec<_> = old
        .store
        .all_records()
        .unwrap()
        .into_iter()
        .map(|r| r.envelope)
        .collect();
    let body = serde_json::to_vec(&PushRecords { envelopes }).unwrap();
    let url = format!("{}/v1/devices/{}/records", server.url, old.device_id());
    drop(old);
    let mut req = ureq::post(&url).header("content-type", "application/json");
    for (k, v) in fieldcase_e2e::device_headers(
        &fieldcase_e2e::terminal_key(&term),
        "POST",
        &url,
        Some(&body),
    ) {
        req = req.header(k, v);
    }
    let resp = req.send(&body[..]).unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "demo",
            "--cases",
            "1",
            "--video-kib",
            "64",
        ],
    );
    let before = Terminal::open(&term)
        .unwrap()
        .store
        .unsynced_count()
        .unwrap();
    assert!(before > 0);
    let out = run(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("tamper-evident log"), "{err}");
    assert_eq!(
        Terminal::open(&term)
            .unwrap()
            .store
            .unsynced_count()
            .unwrap(),
        before
    );
}
