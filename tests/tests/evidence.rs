//! Evidence upload with the real binaries: sync sends every evidence file
//! after the records; an interrupted upload resumes from the bytes the
//! server holds; files the server holds are never sent again; local copies
//! are freed only after a receipt names them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::fs;
use std::path::Path;

use fieldcase_app::core::Terminal;
use fieldcase_e2e::{run_ok, seeded_terminal, Server};
use fieldcase_shared::hash::sha256_file;

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn stderr_of(args: &[&str]) -> String {
    let out = fieldcase_e2e::run("fieldcase", args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn evidence_uploads_resume_and_local_copies_go_only_after_a_receipt() {
    let tmp = tempfile::tempdir().unwrap();
    let term = tmp.path().join("terminal");
    let srv = tmp.path().join("server");
    let d = s(&term);
    let key = seeded_terminal(std::path::Path::new(&d), 2, 6144);
    let server = Server::start(&srv);
    server.register(&key, "终端");

    // Half of one video already reached the server before a cut.
    let (video, size) = {
        let t = Terminal::open(&term).unwrap();
        let mut biggest = None;
        for c in t.store.cases(10).unwrap() {
            for r in t.store.case_records(&c.case_id).unwrap() {
                let h = fieldcase_shared::record::parse_header(&r.envelope.payload).unwrap();
                for b in h.blobs {
                    let p = t.store.blob_path(&b).unwrap();
                    let n = fs::metadata(&p).unwrap().len();
                    if biggest.as_ref().is_none_or(|(_, m): &(_, u64)| n > *m) {
                        biggest = Some((b, n));
                    }
                }
            }
        }
        biggest.unwrap()
    };
    // A cut left the first 2.5 MB of the video on the server (as an
    // unfinished upload): the sync continues from there.
    let partial = 2_500_000usize;
    let bytes = {
        let t = Terminal::open(&term).unwrap();
        fs::read(t.store.blob_path(&video).unwrap()).unwrap()
    };
    fs::create_dir_all(srv.join("uploads")).unwrap();
    fs::write(
        srv.join("uploads").join(format!("{}.part", video.to_hex())),
        &bytes[..partial],
    )
    .unwrap();
    let out = stderr_of(&["--data-dir", &d, "sync", "--server", &server.url]);
    let total: u64 = {
        let t = Terminal::open(&term).unwrap();
        t.store
            .cases(10)
            .unwrap()
            .iter()
            .map(|c| c.evidence_bytes)
            .sum()
    };
    let sent: u64 = out
        .split("files uploaded (")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(sent, total - partial as u64, "{out}");
    assert!(out.contains("12 files uploaded"), "{out}");
    let held = srv
        .join("blobs")
        .join(&video.to_hex()[..2])
        .join(video.to_hex());
    assert_eq!(sha256_file(&held).unwrap(), (video, size));

    // Nothing left to send: a new sync sends no evidence bytes.
    let out = stderr_of(&["--data-dir", &d, "sync", "--server", &server.url]);
    assert!(out.contains("0 files uploaded (0 bytes sent)"), "{out}");

    // Pruning with the retention not yet passed keeps everything; with no
    // retention it frees every confirmed file, and only those.
    let out = stderr_of(&["--data-dir", &d, "evidence", "prune"]);
    assert!(out.contains("freed 0 evidence files"), "{out}");
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
    let out = stderr_of(&["--data-dir", &d, "evidence", "prune", "--keep-days", "0"]);
    assert!(
        out.contains("6 files have no receipt yet and were kept"),
        "{out}"
    );
    let t = Terminal::open(&term).unwrap();
    assert!(t.store.blob_path(&video).is_none());
    assert_eq!(t.store.unconfirmed_blob_count().unwrap(), 6);
}
