//! The real server under hostile clients, on loopback: 200 connections
//! trickling header bytes, 60 unauthenticated bodies of 15 MiB that stall,
//! 600 unauthenticated uploads at once on the one pending blob. Meanwhile
//! the owner's terminal syncs (records and a 12 MiB video) and `/health`
//! answers; the server's peak memory stays under 256 MB and the open files
//! come back down once the attackers are cut off.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldcase_app::core::Terminal;
use fieldcase_e2e::{host_port, run, seeded_terminal, Server};

fn proc_status(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// A connection that sends `head` then stays (a byte every 500 ms for
/// `trickle`), and reports whether the server answered or closed it.
fn attacker(
    addr: String,
    head: String,
    trickle: bool,
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
) {
    let Ok(mut c) = TcpStream::connect(&addr) else {
        return;
    };
    let _ = c.set_read_timeout(Some(Duration::from_millis(500)));
    if c.write_all(head.as_bytes()).is_err() {
        answered.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Relaxed) {
        match c.read(&mut buf) {
            Ok(0) => break, // closed by the server
            Ok(_) => break, // answered (401, 408…)
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => break,
        }
        if trickle && c.write_all(b"X").is_err() {
            break;
        }
    }
    answered.fetch_add(1, Ordering::Relaxed);
}

#[test]
fn the_owner_syncs_and_health_answers_while_hostile_clients_attack() {
    let tmp = tempfile::tempdir().unwrap();
    let term = tmp.path().join("terminal");
    let key = seeded_terminal(&term, 1, 12 * 1024);
    let server = Server::start(&tmp.path().join("server"));
    server.register(&key, "执法终端 01");
    let pid = server.pid();
    let addr = host_port(&server.url);
    let (device, blob) = {
        let t = Terminal::open(&term).unwrap();
        let blob = fieldcase_e2e::largest_evidence(&term).0;
        (t.device_id(), blob)
    };
    let files_before = open_files(pid);

    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    let mut spawn = |head: String, trickle: bool| {
        let (a, s, n) = (addr.clone(), stop.clone(), answered.clone());
        threads.push(std::thread::spawn(move || attacker(a, head, trickle, s, n)));
    };
    for _ in 0..200 {
        spawn("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ".into(), true);
    }
    for _ in 0..60 {
        let body_start = " ".repeat(1 << 20);
        spawn(
            format!(
                "POST /v1/devices/{device}/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body_start}",
                15 << 20
            ),
            false,
        );
    }
    for _ in 0..600 {
        spawn(
            format!(
                "PUT /v1/devices/{device}/blobs/{blob}?offset=0&total=12582912 HTTP/1.1\r\nHost: x\r\nContent-Length: 8388608\r\n\r\njunk"
            ),
            false,
        );
    }

    // Meanwhile: /health answers, and the owner syncs everything.
    let health = {
        let url = format!("{}/health", server.url);
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut slowest = Duration::ZERO;
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = ureq::get(&url)
                    .call()
                    .map(|r| r.status().as_u16() == 200)
                    .unwrap_or(false);
                assert!(ok, "/health did not answer during the attack");
                slowest = slowest.max(t.elapsed());
                n += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
            (n, slowest)
        })
    };
    let t = Instant::now();
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
    let sync_time = t.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = Terminal::open(&term).unwrap();
    assert_eq!(
        t.store.unconfirmed_blob_count().unwrap(),
        0,
        "the video is held"
    );
    drop(t);

    // The trickling connections outlast the 10 s header timeout.
    std::thread::sleep(Duration::from_secs(12));
    let cut_off = answered.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    let (polls, slowest) = health.join().unwrap();
    for th in threads {
        th.join().unwrap();
    }
    let peak_kb = proc_status(pid, "VmHWM:");
    let mut files_after = open_files(pid);
    for _ in 0..50 {
        if files_after <= files_before + 16 {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        files_after = open_files(pid);
    }
    eprintln!(
        "owner's sync {sync_time:.1?}; /health {polls} polls, slowest {slowest:.1?}; {cut_off} of 860 attackers answered or cut before the end; server peak RSS {peak_kb} kB; open files {files_before} before, {files_after} after"
    );
    assert!(
        cut_off >= 860,
        "every attacker is answered or cut by the server: {cut_off}"
    );
    assert!(slowest < Duration::from_secs(5), "/health took {slowest:?}");
    assert!(peak_kb < 256 * 1024, "server peak RSS {peak_kb} kB");
    assert!(
        files_after <= files_before + 16,
        "open files {files_before} → {files_after}"
    );
}
