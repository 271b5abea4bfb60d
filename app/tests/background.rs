//! The background sync worker against a real server on loopback: it backs
//! off while the server refuses, syncs records and evidence as soon as it
//! can, waits when idle, syncs at once when woken, and stops when asked.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::sync::mpsc;
use std::time::Duration;

use chrono::Utc;
use fieldcase_app::background::{self, Schedule, SyncEvent};
use fieldcase_app::core::Terminal;
use fieldcase_sync_server::store::{Device, Store};

mod common;

#[test]
fn backs_off_then_syncs_then_wakes_and_stops() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    let term = Terminal::open(&dir).unwrap();
    fieldcase_app::demo::seed(&term, &dir, 1, 64 * 1024, |_, _| {}).unwrap();
    let key = term.public_key();
    drop(term);
    let (url, store) = common::start_server();

    let (wake_tx, wake_rx) = mpsc::channel();
    let (ev_tx, ev_rx) = mpsc::channel();
    let schedule = Schedule {
        idle: Duration::from_secs(30),
        retry: Duration::from_millis(40),
        max_retry: Duration::from_millis(160),
    };
    let worker = background::spawn(dir.clone(), url, schedule, wake_rx, move |e| {
        let _ = ev_tx.send(e);
    });
    let next = || {
        ev_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("an event")
    };

    // Not registered: failures, each followed by a longer wait, up to the cap.
    let mut waits = Vec::new();
    while waits.len() < 4 {
        match next() {
            SyncEvent::Done(r) => assert!(r.unwrap_err().contains("尚未在后台登记")),
            SyncEvent::Waiting(d) => waits.push(d.as_millis()),
            _ => {}
        }
    }
    assert_eq!(waits, [40, 80, 160, 160]);

    // Registered: the next attempt sends everything, evidence included.
    store
        .add_device(&Device {
            id: key.device_id(),
            key,
            name: "终端".into(),
            added_at: Utc::now(),
        })
        .unwrap();
    let mut progress = Vec::new();
    let report = loop {
        match next() {
            SyncEvent::Progress(line) => progress.push(line),
            SyncEvent::Done(Ok(r)) => break r,
            _ => {}
        }
    };
    assert!(report.sent > 0 && report.blobs_uploaded == 6, "{report:?}");
    assert!(
        progress
            .iter()
            .any(|l| l.starts_with("正在上传证据：") && l.ends_with("100%")),
        "{progress:?}"
    );
    assert!(matches!(next(), SyncEvent::Waiting(d) if d == Duration::from_secs(30)));
    let t = Terminal::open(&dir).unwrap();
    assert_eq!(t.store.unsynced_count().unwrap(), 0);
    assert_eq!(t.store.unconfirmed_blob_count().unwrap(), 0);
    drop(t);

    // Woken (the sync button): it syncs now, not in 30 s.
    wake_tx.send(()).unwrap();
    let started = std::time::Instant::now();
    let again = loop {
        if let SyncEvent::Done(r) = next() {
            break r.unwrap();
        }
    };
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!((again.sent, again.blobs_uploaded), (0, 0));

    // Dropping the waker stops the worker.
    drop(wake_tx);
    worker.join().unwrap();
}
