//! The walking skeleton end to end, with the real binaries: seed cases on a
//! terminal, sync them to a real server over loopback, export a case as a
//! bag, verify it with our verifier and with standard tools, tamper with it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::fs;
use std::path::Path;

use base64::Engine as _;
use fieldcase_app::core::Terminal;
use fieldcase_e2e::{run, run_ok, tool, Server};
use fieldcase_shared::envelope::{pae, Envelope};
use fieldcase_shared::keys::PublicKey;
use fieldcase_sync_server::store::{SqliteStore, Store};

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn seed_sync_export_verify_and_tamper() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let term_dir = tmp.path().join("terminal");
    let srv_dir = tmp.path().join("server");
    let server = Server::start(&srv_dir);

    // Seed three cases through the app's own code paths.
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &s(&term_dir),
            "demo",
            "--cases",
            "3",
            "--video-kib",
            "1536",
        ],
    );
    let cases: serde_json::Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &s(&term_dir), "case", "list", "--json"],
    ))
    .expect("case list --json is JSON");
    let cases = cases.as_array().expect("array of cases");
    assert_eq!(cases.len(), 3);
    assert!(
        cases
            .iter()
            .all(|c| c["status"] == "closed" && c["evidence"] == 6),
        "two photos, a video and three signatures per case: {cases:?}"
    );
    assert_eq!(
        run_ok(
            "fieldcase",
            &["--data-dir", &s(&term_dir), "chain", "verify"]
        )
        .lines()
        .next()
        .map(|l| l.starts_with("VALID")),
        Some(true)
    );

    // An unregistered terminal is refused, clearly.
    let out = run(
        "fieldcase",
        &["--data-dir", &s(&term_dir), "sync", "--server", &server.url],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown_device") && err.contains("not registered"),
        "{err}"
    );

    // Register the device, sync: the server holds exactly the local records.
    let key = run_ok("fieldcase", &["--data-dir", &s(&term_dir), "key", "show"]);
    let key = key.trim();
    server.register(key, "执法终端 01");
    let out = run_ok(
        "fieldcase",
        &["--data-dir", &s(&term_dir), "sync", "--server", &server.url],
    );
    drop(out);
    let local: Vec<(u64, String)> = {
        let t = Terminal::open(&term_dir).expect("open terminal store");
        assert_eq!(t.store.unsynced_count().expect("count"), 0);
        assert_eq!(t.store.receipt_count().expect("receipts"), 1);
        t.store
            .all_records()
            .expect("records")
            .iter()
            .map(|r| (r.seq, r.digest.to_hex()))
            .collect()
    };
    assert_eq!(
        local.len(),
        3 * 8,
        "open + 3 media + 3 signatures + close per case"
    );
    let device = key.parse::<PublicKey>().expect("key").device_id();
    let held = || -> Vec<(u64, String)> {
        let store = SqliteStore::open(&srv_dir.join(fieldcase_sync_server::DB_FILE))
            .expect("open server store");
        store
            .record_digests(&device)
            .expect("server records")
            .into_iter()
            .map(|(seq, d)| (seq, d.to_hex()))
            .collect()
    };
    assert_eq!(held(), local);

    // Syncing again sends nothing and changes nothing.
    let out = run(
        "fieldcase",
        &["--data-dir", &s(&term_dir), "sync", "--server", &server.url],
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 of 0"));
    assert_eq!(held(), local);

    // Export the first case as a bag and verify it.
    let case_no = cases[2]["case_no"].as_str().expect("case_no").to_owned();
    let bag = tmp.path().join("bag");
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &s(&term_dir),
            "bag",
            "export",
            &case_no,
            &s(&bag),
        ],
    );
    let out = run("fieldcase-verify", &[&s(&bag), "--key", key]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(text.lines().next(), Some("VALID"));
    assert!(text.contains(&format!("case: {case_no}")), "{text}");
    // A demo case (quick form: the violation is on its opening record) shows
    // its violation on the disc, as a case closed in the window shows its
    // decision (app/src/check/tests.rs).
    let index = fs::read_to_string(bag.join("index.html")).expect("index.html");
    assert!(
        !index.contains("违法行为 Violation</th><td>—"),
        "the violation is missing from the disc's page"
    );
    // Times in Beijing time, custody actions in words.
    assert!(index.contains("（北京时间）"), "{index}");
    assert!(index.contains("登记案件 · case opened"), "{index}");
    assert!(index.contains("取得证据 · evidence acquired"), "{index}");
    assert!(
        index.contains("当事人陈述申辩 Party's statement"),
        "{index}"
    );

    // Standard tools accept the clean bag.
    let out = tool("sha256sum", &["-c", "manifest-sha256.txt"], &bag);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = tool("bagit.py", &["--validate", &s(&bag)], tmp.path());
    assert!(
        out.status.success(),
        "bagit.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("is valid"));

    // OpenSSL verifies a record signature over the same DSSE bytes.
    let rec = fs::read(
        bag.join("data/records")
            .read_dir()
            .expect("records")
            .next()
            .expect("a record")
            .expect("entry")
            .path(),
    )
    .expect("read record");
    let env = Envelope::from_json(&rec).expect("envelope");
    fs::write(
        tmp.path().join("msg.bin"),
        pae(&env.payload_type, &env.payload),
    )
    .expect("write");
    fs::write(tmp.path().join("sig.bin"), env.sig).expect("write");
    let raw = key.parse::<PublicKey>().expect("key").to_bytes();
    let mut der = hex::decode("302a300506032b6570032100").expect("hex");
    der.extend_from_slice(&raw);
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(&der)
    );
    fs::write(tmp.path().join("pub.pem"), pem).expect("write");
    let out = tool(
        "openssl",
        &[
            "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "msg.bin",
            "-sigfile", "sig.bin",
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "openssl: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // One byte of a photo changed: INVALID, the file named as MODIFIED.
    let tampered = tmp.path().join("tampered");
    copy_dir(&bag, &tampered);
    let photo = fs::read_dir(tampered.join("data/evidence"))
        .expect("evidence dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "jpg"))
        .expect("a photo");
    let mut bytes = fs::read(&photo).expect("read photo");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    fs::write(&photo, bytes).expect("write photo");
    let out = run("fieldcase-verify", &[&s(&tampered), "--key", key]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(text.lines().next(), Some("INVALID (1 problems)"), "{text}");
    let name = photo
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        text.contains(&format!("data/evidence/{name}: MODIFIED: expected=")),
        "{text}"
    );
    // sha256sum agrees that the photo changed.
    let out = tool("sha256sum", &["-c", "manifest-sha256.txt"], &tampered);
    assert!(!out.status.success());

    // A key the verifier was not given: every record is UNKNOWN_KEY.
    let other = tmp.path().join("other");
    let other_key = run_ok("fieldcase", &["--data-dir", &s(&other), "key", "show"]);
    let out = run("fieldcase-verify", &[&s(&bag), "--key", other_key.trim()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(": UNKNOWN_KEY: "));

    // Not a bag at all: UNVERIFIABLE, exit 2.
    let out = run("fieldcase-verify", &[&s(tmp.path()), "--key", key]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("UNVERIFIABLE ("));
}

#[test]
fn chain_verify_catches_an_edited_record() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("terminal");
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &s(&dir),
            "demo",
            "--cases",
            "1",
            "--video-kib",
            "64",
        ],
    );
    // Edit record seq 1 in the database: change the plate, keep the signature.
    let db = rusqlite::Connection::open(dir.join("fieldcase.sqlite3")).expect("open db");
    let bytes: Vec<u8> = db
        .query_row("SELECT envelope FROM records WHERE seq = 1", [], |r| {
            r.get(0)
        })
        .expect("record 1");
    let mut env = Envelope::from_json(&bytes).expect("envelope");
    let text = String::from_utf8(env.payload.clone()).expect("utf8");
    let plate_at = text.find("\"plate\":\"").expect("plate field") + 9;
    let mut edited = text.into_bytes();
    edited[plate_at + 3] = if edited[plate_at + 3] == b'7' {
        b'8'
    } else {
        b'7'
    };
    env.payload = edited;
    db.execute(
        "UPDATE records SET envelope = ?1 WHERE seq = 1",
        [env.to_json()],
    )
    .expect("update");
    drop(db);
    let out = run("fieldcase", &["--data-dir", &s(&dir), "chain", "verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    // The edited record fails its signature, and the next record's signed
    // link no longer matches it: the chain itself shows the edit.
    assert!(text.starts_with("INVALID (2 problems)"), "{text}");
    assert!(text.contains("record #1: bad-signature"), "{text}");
    assert!(text.contains("record #2: chain-break"), "{text}");
}

#[test]
fn reading_commands_refuse_a_folder_without_terminal_data() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let typo = tmp.path().join("terminl");
    for args in [
        vec!["case", "list"],
        vec!["chain", "verify"],
        vec!["sync", "--server", "http://127.0.0.1:9"],
    ] {
        let mut full = vec!["--data-dir", typo.to_str().expect("utf8 path")];
        full.extend(args.iter().copied());
        let out = run("fieldcase", &full);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("holds no fieldcase terminal data"), "{err}");
    }
    assert!(!typo.exists(), "no new terminal was created by a typo");
}

/// A reader that stops reading (`fieldcase case list | head`) ends the
/// listing quietly with status 141, never a panic.
#[test]
fn a_closed_pipe_ends_a_listing_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    let d = s(tmp.path());
    run_ok("fieldcase", &["--data-dir", &d, "demo", "--cases", "2"]);
    let mut child = std::process::Command::new(fieldcase_e2e::bin("fieldcase"))
        .args(["--data-dir", &d, "case", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for e in fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).expect("copy");
        }
    }
}

#[test]
fn killing_the_app_mid_write_never_leaves_half_a_record() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("terminal");
    // Kill the seeder at several moments while it writes records and blobs.
    let mut last_count = 0;
    for delay_ms in [40u64, 90, 150, 230, 320] {
        let mut child = std::process::Command::new(fieldcase_e2e::bin("fieldcase"))
            .args([
                "--data-dir",
                &s(&dir),
                "demo",
                "--cases",
                "50",
                "--video-kib",
                "256",
            ])
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start demo");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();

        if !dir.join("fieldcase.sqlite3").exists() {
            continue; // killed before it created anything
        }
        // Every stored record verifies and links; derived tables agree.
        let out = run("fieldcase", &["--data-dir", &s(&dir), "chain", "verify"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "after kill at {delay_ms} ms: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let t = Terminal::open(&dir).expect("reopen");
        let records = t.store.all_records().expect("records");
        let evidence_records = records
            .iter()
            .filter(|r| {
                fieldcase_shared::record::parse_header(&r.envelope.payload)
                    .is_ok_and(|h| h.body.kind == "evidence_added")
            })
            .count();
        let cases = t.store.cases(10_000).expect("cases");
        assert!(
            cases.len() < last_count + 50,
            "the kill at {delay_ms} ms came after the seeder finished; nothing was interrupted"
        );
        last_count = cases.len();
        let listed: u32 = cases.iter().map(|c| c.evidence).sum();
        assert_eq!(
            listed as usize, evidence_records,
            "derived rows match the log"
        );
        // Every blob a record names is stored in full.
        for r in &records {
            let h = fieldcase_shared::record::parse_header(&r.envelope.payload).expect("header");
            for b in h.blobs {
                let p = t.store.blob_path(&b).expect("named blob is stored");
                let (d, _) = fieldcase_shared::hash::sha256_file(&p).expect("read blob");
                assert_eq!(d, b, "blob bytes match their name");
            }
        }
    }
}

#[test]
fn server_reads_its_config_file_and_refuses_a_bad_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("srv");
    let good = tmp.path().join("good.toml");
    fs::write(
        &good,
        format!("data_dir = {:?}\nlisten = \"127.0.0.1:0\"\n", s(&data)),
    )
    .expect("write config");
    let key = run_ok("fieldcase-server", &["--config", &s(&good), "key"]);
    assert!(key.trim().starts_with("ed25519:"), "{key}");
    assert!(
        data.join("server.key").is_file(),
        "data_dir from the file is used"
    );

    let bad = tmp.path().join("bad.toml");
    fs::write(&bad, "data_dri = \"/tmp/x\"\n").expect("write config");
    let out = run("fieldcase-server", &["--config", &s(&bad), "key"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("data_dri"),
        "{err}"
    );
}
