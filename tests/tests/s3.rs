//! Evidence in S3-compatible object storage, against a real S3-protocol
//! server (moto) on loopback: uploads resume across server restarts, bytes
//! that do not match their name never become visible, and the whole sync
//! works with the blobs in the bucket.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::io::Write;

use fieldcase_app::core::Terminal;
use fieldcase_e2e::{host_port, run, seeded_terminal, CutProxy, Moto, Server};
use fieldcase_shared::hash::sha256;
use fieldcase_sync_server::blobs::{AppendError, BlobStore, Finished};
use fieldcase_sync_server::s3::{S3BlobStore, S3Config};

fn credentials() {
    // moto accepts any credentials; the store reads them from the environment.
    std::env::set_var("AWS_ACCESS_KEY_ID", "fieldcase-test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "fieldcase-test-secret");
}

#[test]
fn the_s3_store_resumes_checks_and_hides_bad_bytes() {
    credentials();
    let moto = Moto::start();
    moto.create_bucket("evidence");
    let config = S3Config {
        bucket: "evidence".into(),
        endpoint: moto.endpoint.clone(),
        region: String::new(),
    };
    let store = S3BlobStore::open(&config).unwrap();
    let video: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    let d = sha256(&video);
    assert!(!store.has(&d).unwrap());
    assert_eq!(store.append(&d, 0, &video[..1_000_000]).unwrap(), 1_000_000);
    assert!(matches!(
        store.append(&d, 5, b"x"),
        Err(AppendError::Offset {
            held: 1_000_000,
            ..
        })
    ));
    // A restarted server sees the parts it kept.
    let store = S3BlobStore::open(&config).unwrap();
    assert_eq!(store.part_len(&d).unwrap(), 1_000_000);
    // A staged chunk joins the upload only when committed.
    let mut w = store.stage(&d).unwrap();
    w.write_all(&video[1_000_000..]).unwrap();
    assert_eq!(store.part_len(&d).unwrap(), 1_000_000);
    assert_eq!(w.commit(1_000_000).unwrap(), video.len() as u64);
    assert_eq!(
        store.finish(&d, None).unwrap(),
        Finished::Stored(video.len() as u64)
    );
    assert!(store.has(&d).unwrap());
    assert_eq!(store.part_len(&d).unwrap(), 0, "parts removed");
    // The object holds exactly the bytes (read back with plain HTTP).
    let out = std::process::Command::new("curl")
        .args([
            "-sf",
            &format!("{}/evidence/blobs/{}", moto.endpoint, d.to_hex()),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(sha256(&out.stdout), d);
    // Ranges read back (the office streams evidence this way).
    assert_eq!(
        store.read_at(&d, 2_999_990, 100).unwrap(),
        &video[2_999_990..]
    );
    assert_eq!(
        store.read_at(&d, 1_000_000, 7).unwrap(),
        &video[1_000_000..1_000_007]
    );
    assert!(store.read_at(&d, 3_000_000, 10).unwrap().is_empty());

    let wrong = sha256(b"what the record names");
    store.append(&wrong, 0, b"other bytes").unwrap();
    assert_eq!(
        store.finish(&wrong, None).unwrap(),
        Finished::Mismatch(sha256(b"other bytes"))
    );
    assert!(!store.has(&wrong).unwrap());
    assert_eq!(store.part_len(&wrong).unwrap(), 0);

    // Serving reads a range with one request, passed on in pieces.
    let store = std::sync::Arc::new(store);
    let pieces: Vec<Vec<u8>> = store
        .clone()
        .read_range(&d, 5..2_999_000)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(pieces.len() >= 2 && pieces.iter().all(|p| !p.is_empty()));
    assert_eq!(pieces.concat(), &video[5..2_999_000]);
    assert_eq!(store.clone().read_range(&d, 7..7).unwrap().count(), 0);
    // A range past the end is refused by the store (the office checks it first).
    assert!(store.read_range(&d, 3_000_000..3_000_010).is_err());
}

#[test]
fn the_server_keeps_evidence_in_s3() {
    credentials();
    let moto = Moto::start();
    moto.create_bucket("fieldcase");
    let tmp = tempfile::tempdir().unwrap();
    let srv = tmp.path().join("server");
    let d = tmp.path().join("terminal").to_string_lossy().into_owned();
    let key = seeded_terminal(std::path::Path::new(&d), 2, 2048);
    let server = Server::start_with(
        &srv,
        &["--s3-bucket", "fieldcase", "--s3-endpoint", &moto.endpoint],
    );
    server.register(&key, "终端");
    // Connections cut at first, then the sync completes.
    let mut cuts = 0;
    let proxy = CutProxy::start(&host_port(&server.url), move || {
        cuts += 1;
        (cuts <= 4).then_some(700_000 * cuts)
    });
    let mut ok = false;
    for _ in 0..20 {
        let out = run(
            "fieldcase",
            &["--data-dir", &d, "sync", "--server", &proxy.url],
        );
        if out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("0 files still without a receipt")
        {
            ok = true;
            break;
        }
    }
    assert!(ok, "sync did not complete");
    assert!(proxy.cuts() >= 3);
    assert!(
        !srv.join("blobs").exists()
            || std::fs::read_dir(srv.join("blobs"))
                .unwrap()
                .next()
                .is_none(),
        "blobs went to files, not S3"
    );
    let store = S3BlobStore::open(&S3Config {
        bucket: "fieldcase".into(),
        endpoint: moto.endpoint.clone(),
        region: String::new(),
    })
    .unwrap();
    let t = Terminal::open(std::path::Path::new(&d)).unwrap();
    let mut n = 0;
    for c in t.store.cases(10).unwrap() {
        for r in t.store.case_records(&c.case_id).unwrap() {
            for b in fieldcase_shared::record::parse_header(&r.envelope.payload)
                .unwrap()
                .blobs
            {
                assert!(store.has(&b).unwrap(), "evidence {b} not in the bucket");
                assert_eq!(store.part_len(&b).unwrap(), 0);
                n += 1;
            }
        }
    }
    assert_eq!(n, 12, "two cases, six files each");

    // The office streams the video out of the bucket, whole and by ranges.
    server.add_staff("shen", "reviewer", "", "office password 1");
    let session = fieldcase_e2e::office_login(&server.url, "shen", "office password 1");
    let (video, size) = fieldcase_e2e::largest_evidence(std::path::Path::new(&d));
    let case = t
        .store
        .cases(10)
        .unwrap()
        .into_iter()
        .find(|c| {
            t.store.case_records(&c.case_id).unwrap().iter().any(|r| {
                fieldcase_shared::record::parse_header(&r.envelope.payload)
                    .unwrap()
                    .blobs
                    .contains(&video)
            })
        })
        .unwrap();
    let url = format!(
        "{}/office/cases/{}/evidence/{}",
        server.url,
        case.case_id,
        video.to_hex()
    );
    let get = |range: Option<&str>| {
        let mut cmd = std::process::Command::new("curl");
        cmd.args(["-sS", "-f", "-H", &session]);
        if let Some(r) = range {
            cmd.args(["-H", &format!("Range: bytes={r}")]);
        }
        let out = cmd.arg(&url).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let whole = get(None);
    assert_eq!(whole.len() as u64, size);
    assert_eq!(sha256(&whole), video);
    assert_eq!(get(Some("1000-1999")), &whole[1000..2000]);
    let tail = format!("{}-", size - 10);
    assert_eq!(get(Some(&tail)), &whole[size as usize - 10..]);

    // The bureau builds the case's disc from the bucket; it verifies with
    // the agency key alone.
    server.add_staff("dang", "archivist", "", "office password 1");
    let archivist = fieldcase_e2e::office_login(&server.url, "dang", "office password 1");
    let iso = tmp.path().join("disc.iso");
    let case_id = case.case_id.to_string();
    fieldcase_e2e::office::archive_disc(&server.url, &session, &archivist, &case_id, &iso);
    let agency = fieldcase_e2e::office::get_info(&server.url)["server_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let iso_path = iso.to_string_lossy().into_owned();
    let out = run("fieldcase-verify", &[&iso_path, "--ca", &agency]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let image = std::fs::read(&iso).unwrap();
    assert!(
        image.windows(whole.len()).any(|w| w == &whole[..]),
        "the video from the bucket is on the disc"
    );
}

/// An S3 bucket that does not exist: the records are stored (the database
/// works) but every evidence request fails. The terminal must say so —
/// the records were stored and confirmed — never that nothing was stored.
#[test]
fn a_failing_evidence_store_is_reported_truthfully() {
    credentials();
    let moto = Moto::start(); // no bucket made
    let tmp = tempfile::tempdir().unwrap();
    let srv = tmp.path().join("server");
    let d = tmp.path().join("terminal").to_string_lossy().into_owned();
    let key = seeded_terminal(std::path::Path::new(&d), 1, 64);
    let server = Server::start_with(
        &srv,
        &[
            "--s3-bucket",
            "no-such-bucket",
            "--s3-endpoint",
            &moto.endpoint,
        ],
    );
    server.register(&key, "终端");
    let out = run(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("records were stored on the server and confirmed"),
        "{err}"
    );
    assert!(
        !err.contains("nothing from this request was stored"),
        "{err}"
    );
    let t = Terminal::open(std::path::Path::new(&d)).unwrap();
    let held = fieldcase_sync_server::open_store(&srv, "")
        .unwrap()
        .record_digests(&t.device_id())
        .unwrap()
        .len();
    assert!(held > 0);
    assert_eq!(
        t.store.unsynced_count().unwrap(),
        0,
        "the records are marked synced"
    );
}
