//! Evidence upload over loopback, release binaries, same run:
//! - throughput of `fieldcase sync` uploading one large video (chunks,
//!   written back to disk as they arrive, hash checked and the blob synced
//!   at the end) as a ratio to `curl -T` of the same file to a minimal HTTP
//!   endpoint that discards it: three interleaved rounds, ratio of medians;
//! - resume cost: the connection is cut by a proxy after 90 % of the video
//!   went through; the next sync continues; the bytes sent twice.
//!
//!   cargo build --release --bins && cargo run --release -p fieldcase-e2e --example upload_bench -- [MIB]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use fieldcase_app::core::Terminal;
use fieldcase_e2e::{host_port, run, run_ok, CutProxy, Server};

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A minimal HTTP endpoint: reads each request body and discards it, or
/// with `store`, writes it to that file (no sync).
fn sink(store: Option<std::path::PathBuf>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/sink", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            let mut r = BufReader::new(c.try_clone().unwrap());
            let mut len = 0u64;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut left = len;
            let mut buf = vec![0u8; 1 << 20];
            let mut out = store.as_ref().map(|p| std::fs::File::create(p).unwrap());
            while left > 0 {
                let n = r.read(&mut buf[..left.min(1 << 20) as usize]).unwrap_or(0);
                if n == 0 {
                    break;
                }
                if let Some(f) = out.as_mut() {
                    f.write_all(&buf[..n]).unwrap();
                }
                left -= n as u64;
            }
            let mut c = c;
            let _ =
                c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    url
}

/// Writes every dirty page to disk (`sync`) and lets the machine settle,
/// so that a measurement does not pay for the writes of the step before it
/// (copying a 1 GiB terminal leaves 1 GiB for the kernel to write back).
fn settle() {
    let ok = Command::new("sync").status().is_ok_and(|s| s.success());
    assert!(ok, "sync failed");
    std::thread::sleep(std::time::Duration::from_secs(1));
}

/// Reads a file through a small buffer so that its pages are cached
/// (without holding it in memory).
fn warm(path: &Path) {
    let mut f = std::fs::File::open(path).unwrap();
    std::io::copy(&mut f, &mut std::io::sink()).unwrap();
}

/// Rounds of the throughput measurement.
const ROUNDS: usize = 3;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn sent_evidence(stderr: &str) -> u64 {
    stderr
        .split("files uploaded (")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"))
}

fn main() {
    let mib: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1024);
    let tmp =
        tempfile::tempdir_in(std::env::var("BENCH_TMP").unwrap_or_else(|_| "/tmp".into())).unwrap();
    let term = tmp.path().join("terminal");
    let d = s(&term);
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "demo",
            "--cases",
            "1",
            "--video-kib",
            &(mib * 1024).to_string(),
        ],
    );
    let key = run_ok("fieldcase", &["--data-dir", &d, "key", "show"])
        .trim()
        .to_owned();
    let (video, size) = {
        let (biggest, size) = fieldcase_e2e::largest_evidence(&term);
        let t = Terminal::open(&term).unwrap();
        (t.store.blob_path(&biggest).unwrap(), size)
    };
    let evidence: u64 = Terminal::open(&term).unwrap().store.cases(1).unwrap()[0].evidence_bytes;

    // Resume cost on a first server: cut once at 90 % of the video.
    let srv = Server::start(&tmp.path().join("server1"));
    srv.register(&key, "bench");
    let mut first = true;
    let cut_at = size * 9 / 10;
    let proxy = CutProxy::start(&host_port(&srv.url), move || {
        let c = first.then_some(cut_at);
        first = false;
        c
    });
    let r1 = run(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &proxy.url],
    );
    assert!(!r1.status.success(), "the cut did not happen");
    let wire1 = proxy.forwarded();
    let r2 = run(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &proxy.url],
    );
    let e2 = String::from_utf8_lossy(&r2.stderr).into_owned();
    assert!(r2.status.success(), "{e2}");
    let resent = (wire1 + sent_evidence(&e2)).saturating_sub(evidence);
    drop(proxy);
    srv.kill();
    let _ = std::fs::remove_dir_all(tmp.path().join("server1"));

    // Throughput: ROUNDS rounds, each measuring, one after the other, curl -T
    // of the video to a minimal endpoint that discards the bytes, to one that
    // writes them to a file (no sync), and `fieldcase sync` of the whole case
    // to a fresh server (a copy of the terminal that has not synced yet, so
    // every byte goes again). Interleaving spreads the machine's changing
    // load over all three; the ratio is taken between medians.
    let discard_url = sink(None);
    let stored = tmp.path().join("curl-stored.bin");
    let file_url = sink(Some(stored.clone()));
    let curl_to = |url: &str| {
        warm(&video);
        settle();
        let t = Instant::now();
        let out = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-T", &s(&video), url])
            .output()
            .unwrap();
        assert!(out.status.success());
        t.elapsed().as_secs_f64()
    };
    let ours_once = |round: usize| {
        let srv = Server::start(&tmp.path().join(format!("server-{round}")));
        srv.register(&key, "bench");
        let fresh = tmp.path().join(format!("terminal-{round}"));
        let status = Command::new("cp")
            .args(["-a", &d, &s(&fresh)])
            .status()
            .unwrap();
        assert!(status.success());
        for f in ["fieldcase.sqlite3-wal", "fieldcase.sqlite3-shm"] {
            let _ = std::fs::remove_file(fresh.join(f));
        }
        {
            let db = rusqlite::Connection::open(fresh.join("fieldcase.sqlite3")).unwrap();
            db.execute_batch(
                "UPDATE records SET synced_at = NULL; DELETE FROM receipts; DELETE FROM blob_receipts;
                 DELETE FROM settings WHERE key IN ('server_key', 'log_checkpoint');",
            )
            .unwrap();
        }
        // The copy's evidence is what is read: warm it, as curl's file is.
        for (_, path) in fieldcase_e2e::terminal_evidence(&fresh) {
            warm(&path);
        }
        settle();
        let t = Instant::now();
        let r = run(
            "fieldcase",
            &["--data-dir", &s(&fresh), "sync", "--server", &srv.url],
        );
        let secs = t.elapsed().as_secs_f64();
        let e = String::from_utf8_lossy(&r.stderr);
        assert!(r.status.success(), "{e}");
        assert_eq!(sent_evidence(&e), evidence);
        srv.kill();
        let _ = std::fs::remove_dir_all(&fresh);
        let _ = std::fs::remove_dir_all(tmp.path().join(format!("server-{round}")));
        secs
    };
    println!("video: {size} bytes; case evidence {evidence} bytes");
    let (mut curl, mut curl_file, mut ours) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        ours.push(ours_once(round));
        curl.push(curl_to(&discard_url));
        curl_file.push(curl_to(&file_url));
        let _ = std::fs::remove_file(&stored);
        println!(
            "round {}: curl -T discarding {:.2} s, curl -T to a file {:.2} s, fieldcase sync {:.2} s",
            round + 1,
            curl[round],
            curl_file[round],
            ours[round]
        );
    }
    let (curl, curl_file, ours) = (median(curl), median(curl_file), median(ours));
    println!(
        "median curl -T, endpoint discards:    {curl:6.2} s  {:7.0} MB/s (video only)",
        size as f64 / curl / 1e6
    );
    println!(
        "median curl -T, endpoint writes file: {curl_file:6.2} s  {:7.0} MB/s (video only)",
        size as f64 / curl_file / 1e6
    );
    println!("median fieldcase sync:                {ours:6.2} s  {:7.0} MB/s (records + all evidence; server writes, hashes, syncs each blob)", evidence as f64 / ours / 1e6);
    println!(
        "throughput ratio ours / curl (discarding endpoint): {:.2} (target >= 0.8)",
        (evidence as f64 / ours) / (size as f64 / curl)
    );
    println!(
        "throughput ratio ours / curl (file-writing endpoint): {:.2}",
        (evidence as f64 / ours) / (size as f64 / curl_file)
    );
    println!(
        "resume: cut after {wire1} bytes on the wire (90 % of the video); the next sync sent {} evidence bytes; sent twice: {resent} bytes ({:.2} of a {} byte chunk; target < 1)",
        sent_evidence(&e2),
        resent as f64 / fieldcase_app::sync::CLIENT_MAX_CHUNK as f64,
        fieldcase_app::sync::CLIENT_MAX_CHUNK
    );
}
