//! Sync under faults, with the real binaries: connections cut at random
//! byte offsets by a proxy, the same batch sent twice at once, the server
//! killed in the middle of an upload. In every case nothing is lost,
//! nothing is duplicated, and the terminal gets a clear error until it
//! succeeds.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::fs;
use std::path::Path;

use fieldcase_app::core::Terminal;
use fieldcase_e2e::{host_port, run, seeded_terminal, Backend, CutProxy, Server};
use fieldcase_shared::receipt::Receipt;
use fieldcase_shared::wire::{PushRecords, PushResponse};

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A small deterministic random sequence.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn cut_connections_at_random_offsets(backend: Backend) {
    let tmp = tempfile::tempdir().unwrap();
    let term = tmp.path().join("terminal");
    let srv = tmp.path().join("server");
    let d = s(&term);
    let key = seeded_terminal(std::path::Path::new(&d), 3, 3072);
    let server = backend.start_server(&srv, &key);
    let mut rng = Lcg(20261129);
    let mut connections = 0;
    // The first 15 connections are cut at a random byte of their first
    // 2 MB: in request headers, JSON bodies, evidence chunks; later ones
    // are left alone so that the sync can finish.
    let proxy = CutProxy::start(&host_port(&server.url), move || {
        connections += 1;
        (connections <= 15).then(|| rng.next() % 2_000_000)
    });
    let mut failures = 0;
    let mut done = false;
    for _ in 0..80 {
        let out = run(
            "fieldcase",
            &["--data-dir", &d, "sync", "--server", &proxy.url],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        if out.status.success() && err.contains("0 files still without a receipt") {
            done = true;
            break;
        }
        failures += 1;
        assert!(
            err.contains("cannot reach the sync server")
                || err.contains("files still without a receipt"),
            "unclear error: {err}"
        );
    }
    eprintln!(
        "sync completed after {failures} failed runs; {} connections cut",
        proxy.cuts()
    );
    assert!(done, "sync never completed through the proxy");
    assert!(
        proxy.cuts() >= 5,
        "only {} connections were cut: the test proved little",
        proxy.cuts()
    );

    let t = Terminal::open(&term).unwrap();
    assert_eq!(t.store.unsynced_count().unwrap(), 0);
    assert_eq!(t.store.unconfirmed_blob_count().unwrap(), 0);
    let local: Vec<_> = t
        .store
        .all_records()
        .unwrap()
        .iter()
        .map(|r| (r.seq, r.digest))
        .collect();
    let blobs = backend.assert_same_evidence(&term, &srv);
    drop(t);
    let device = key
        .parse::<fieldcase_shared::keys::PublicKey>()
        .unwrap()
        .device_id();
    let store = fieldcase_sync_server::open_store(&srv, &backend.database).unwrap();
    assert_eq!(store.record_digests(&device).unwrap(), local);
    backend.assert_logged_once(&srv, local.len() + blobs);
}

#[test]
fn connections_cut_at_random_offsets_lose_and_duplicate_nothing() {
    cut_connections_at_random_offsets(Backend::files());
}

#[test]
fn the_same_holds_on_postgres_and_s3() {
    let tmp = tempfile::tempdir().unwrap();
    cut_connections_at_random_offsets(Backend::postgres_and_s3(tmp.path()));
}

fn the_same_batch_twice_at_once(backend: &Backend, dir: &Path) {
    let term = dir.join("terminal");
    let srv = dir.join("server");
    let d = s(&term);
    let key = seeded_terminal(std::path::Path::new(&d), 4, 64);
    let server = backend.start_server(&srv, &key);
    let t = Terminal::open(&term).unwrap();
    let envelopes: Vec<_> = t
        .store
        .all_records()
        .unwrap()
        .into_iter()
        .map(|r| r.envelope)
        .collect();
    let n = envelopes.len();
    let url = format!("{}/v1/devices/{}/records", server.url, t.device_id());
    let body = serde_json::to_vec(&PushRecords { envelopes }).unwrap();
    let dk = fieldcase_e2e::terminal_key(&term);
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (url, body) = (url.clone(), body.clone());
            // Each its own signature (nonce): the same batch, two requests.
            let headers = fieldcase_e2e::device_headers(&dk, "POST", &url, Some(&body));
            std::thread::spawn(move || {
                let mut req = ureq::post(&url).header("content-type", "application/json");
                for (k, v) in headers {
                    req = req.header(k, v);
                }
                let mut resp = req.send(&body[..]).unwrap();
                assert_eq!(resp.status().as_u16(), 200);
                resp.body_mut().read_json::<PushResponse>().unwrap()
            })
        })
        .collect();
    let answers: Vec<PushResponse> = threads.into_iter().map(|h| h.join().unwrap()).collect();
    let info: serde_json::Value = ureq::get(format!("{}/v1/info", server.url))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let server_key = info["server_key"].as_str().unwrap().parse().unwrap();
    let receipts: Vec<Receipt> = answers
        .iter()
        .map(|a| Receipt::open(&a.receipt, &server_key).unwrap())
        .collect();
    // One request stored everything, the other found it all held; both
    // name every record at the same log position.
    let new: Vec<usize> = receipts
        .iter()
        .map(|r| r.records.iter().filter(|e| e.new).count())
        .collect();
    assert!(new == [n, 0] || new == [0, n], "{new:?}");
    let pos = |r: &Receipt| {
        r.records
            .iter()
            .map(|e| (e.seq, e.log_index))
            .collect::<Vec<_>>()
    };
    assert_eq!(pos(&receipts[0]), pos(&receipts[1]));
    let store = fieldcase_sync_server::open_store(&srv, &backend.database).unwrap();
    assert_eq!(store.record_digests(&t.device_id()).unwrap().len(), n);
    assert_eq!(store.log_leaves(0).unwrap().len(), n);
}

#[test]
fn the_same_batch_sent_twice_at_once_is_stored_once() {
    let tmp = tempfile::tempdir().unwrap();
    the_same_batch_twice_at_once(&Backend::files(), tmp.path());
}

#[test]
fn the_same_batch_sent_twice_at_once_is_stored_once_on_postgres() {
    let tmp = tempfile::tempdir().unwrap();
    the_same_batch_twice_at_once(&Backend::postgres_and_s3(tmp.path()), tmp.path());
}

/// Starts `fieldcase sync` of the terminal at `d` through `url` and returns
/// it once the server's storage holds part of `video`.
fn sync_until_part_held(
    d: &str,
    url: &str,
    backend: &Backend,
    srv: &Path,
    video: &fieldcase_shared::hash::Digest,
) -> std::process::Child {
    let child = std::process::Command::new(fieldcase_e2e::bin("fieldcase"))
        .args(["--data-dir", d, "sync", "--server", url])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while backend.held(srv, video) == 0 {
        assert!(started.elapsed().as_secs() < 60, "the upload never started");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child
}

/// Kills the server (SIGKILL) as soon as part of a 96 MiB video is in its
/// storage, restarts it on the same data, and syncs again.
fn server_killed_mid_upload(backend: Backend) {
    let tmp = tempfile::tempdir().unwrap();
    let term = tmp.path().join("terminal");
    let srv = tmp.path().join("server");
    let d = s(&term);
    let video_kib = 96 * 1024;
    let key = seeded_terminal(&term, 1, video_kib as u32);
    let server = backend.start_server(&srv, &key);
    let proxy = CutProxy::start(&host_port(&server.url), || None);

    let (video, video_size) = fieldcase_e2e::largest_evidence(&term);
    assert_eq!(video_size, video_kib * 1024);
    // Kill the server as soon as part of the video is in its storage.
    let child = sync_until_part_held(&d, &proxy.url, &backend, &srv, &video);
    server.kill();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot reach the sync server") && err.contains("nothing was lost"),
        "{err}"
    );
    let held_after_kill = backend.held(&srv, &video);
    assert!(
        held_after_kill > 0 && held_after_kill < video_size,
        "{held_after_kill}"
    );
    let before_restart = proxy.forwarded();
    eprintln!("server killed holding {held_after_kill} of {video_size} bytes of the video");

    // Restarted on the same data: the terminal continues from the kept bytes.
    let args: Vec<&str> = backend.args.iter().map(String::as_str).collect();
    let server = Server::start_with(&srv, &args);
    let proxy2 = CutProxy::start(&host_port(&server.url), || None);
    let out = run(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &proxy2.url],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let t = Terminal::open(&term).unwrap();
    assert_eq!(t.store.unconfirmed_blob_count().unwrap(), 0);
    let blobs = backend.assert_same_evidence(&term, &srv);
    assert_eq!(blobs, 6, "two photos, a video, three signatures");
    let total_evidence: u64 = t.store.cases(10).unwrap()[0].evidence_bytes;
    let sent = before_restart + proxy2.forwarded();
    let chunk = fieldcase_app::sync::CLIENT_MAX_CHUNK;
    eprintln!("sent {sent} bytes in all for {total_evidence} bytes of evidence");
    // Everything sent, over both attempts, is the evidence once, at most one
    // chunk again, plus the records and HTTP headers (well under 1 MiB).
    assert!(
        sent < total_evidence + chunk + (1 << 20),
        "sent {sent} bytes for {total_evidence} bytes of evidence"
    );
    let records = t.store.all_records().unwrap().len();
    drop(t);
    backend.assert_logged_once(&srv, records + blobs);
}

#[test]
fn a_server_killed_mid_upload_resumes_from_what_it_kept() {
    server_killed_mid_upload(Backend::files());
}

#[test]
fn a_server_killed_mid_upload_resumes_on_postgres_and_s3() {
    let tmp = tempfile::tempdir().unwrap();
    server_killed_mid_upload(Backend::postgres_and_s3(tmp.path()));
}

#[test]
fn a_terminal_killed_mid_upload_resumes_in_the_window_background_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let term = tmp.path().join("terminal");
    let srv = tmp.path().join("server");
    let d = s(&term);
    let video_kib: u64 = 96 * 1024;
    let key = seeded_terminal(&term, 1, video_kib as u32);
    let backend = Backend::files();
    let _server = backend.start_server(&srv, &key);
    let proxy = CutProxy::start(&host_port(&_server.url), || None);
    let (video, _) = fieldcase_e2e::largest_evidence(&term);
    let evidence: u64 = Terminal::open(&term).unwrap().store.cases(1).unwrap()[0].evidence_bytes;

    // The terminal is killed (SIGKILL) while the video is on its way.
    let mut child = sync_until_part_held(&d, &proxy.url, &backend, &srv, &video);
    child.kill().unwrap();
    child.wait().unwrap();
    let held = backend.held(&srv, &video);
    assert!(held > 0 && held < video_kib * 1024, "{held}");

    // The app's window starts; its background sync finishes the upload
    // from what the server holds, without anyone signing in.
    let x = fieldcase_e2e::Xvfb::start();
    let mut app = x.app(&["--data-dir", &d, "--server", &proxy.url]);
    fieldcase_e2e::wait_for(
        "the background sync to confirm every evidence file",
        std::time::Duration::from_secs(120),
        || {
            if let Ok(Some(status)) = app.0.try_wait() {
                panic!("the app exited with {status}");
            }
            Terminal::open(&term)
                .and_then(|t| Ok(t.store.unconfirmed_blob_count()? == 0))
                .unwrap_or(false)
        },
    );
    drop(app);
    assert_eq!(
        backend.blob(&srv, &video),
        fs::read(
            Terminal::open(&term)
                .unwrap()
                .store
                .blob_path(&video)
                .unwrap()
        )
        .unwrap()
    );
    let sent = proxy.forwarded();
    eprintln!(
        "killed holding {held} bytes; {sent} bytes sent in all for {evidence} bytes of evidence"
    );
    assert!(
        sent < evidence + fieldcase_app::sync::CLIENT_MAX_CHUNK + (1 << 20),
        "sent {sent} bytes for {evidence} bytes of evidence: the upload restarted"
    );
    let t = Terminal::open(&term).unwrap();
    let records = t.store.all_records().unwrap().len();
    assert_eq!(t.store.unsynced_count().unwrap(), 0);
    drop(t);
    backend.assert_logged_once(&srv, records + 6);
}
