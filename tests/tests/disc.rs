//! One case, one disc, with the real binaries: `fieldcase disc build`
//! writes sealed, reproducible images (one, or a set); `fieldcase-verify`
//! reads them directly; the image hashes are signed records the server
//! receives on the next sync; stock tools accept the disc.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::fs;
use std::path::{Path, PathBuf};

use fieldcase_app::core::Terminal;
use fieldcase_e2e::{run, run_ok, tool, Server};
use fieldcase_shared::hash::sha256_file;
use fieldcase_shared::keys::PublicKey;
use fieldcase_shared::model::DiscRecorded;
use fieldcase_shared::record::{RecordBody, RecordPayload};
use fieldcase_sync_server::store::{SqliteStore, Store};

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn disc_records(dir: &Path) -> Vec<DiscRecorded> {
    let t = Terminal::open(dir).unwrap();
    t.store
        .all_records()
        .unwrap()
        .iter()
        .filter_map(
            |r| match serde_json::from_slice::<RecordPayload>(&r.envelope.payload) {
                Ok(RecordPayload {
                    body: RecordBody::DiscRecorded(d),
                    ..
                }) => Some(d),
                _ => None,
            },
        )
        .collect()
}

/// A terminal in `tmp/terminal` with one closed demo case; returns its
/// folder, the case number and the device key.
fn seeded(tmp: &Path, video_kib: u32) -> (PathBuf, String, String) {
    let dir = tmp.join("terminal");
    let d = s(&dir);
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "demo",
            "--cases",
            "1",
            "--video-kib",
            &video_kib.to_string(),
        ],
    );
    let cases: serde_json::Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &d, "case", "list", "--json"],
    ))
    .unwrap();
    let case = cases[0]["case_no"].as_str().unwrap().to_owned();
    let key = run_ok("fieldcase", &["--data-dir", &d, "key", "show"])
        .trim()
        .to_owned();
    (dir, case, key)
}

/// `fieldcase --data-dir D disc build CASE EXTRA… --out OUT`.
fn disc_build(d: &str, case: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let out_dir = s(out);
    let mut args = vec!["--data-dir", d, "disc", "build", case];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--out", &out_dir]);
    run("fieldcase", &args)
}

/// Stdout of a run that must succeed.
fn ok_stdout(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn images(out: &str) -> Vec<(String, PathBuf)> {
    out.lines()
        .map(|l| {
            let (h, p) = l.split_once("  ").expect("`<sha256>  <path>` lines");
            (h.to_owned(), PathBuf::from(p))
        })
        .collect()
}

/// Killed after the image was finished but before its `disc_recorded`
/// record: the terminal's state then is its state before the build (the
/// case sealed, no disc record) with the image in the folder. A rerun into
/// the same folder recognises the image and records it, once.
#[test]
fn a_build_stopped_before_its_record_resumes_and_records_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, case, _key) = seeded(tmp.path(), 256);
    let d = s(&dir);
    // Sealed first (a bag export seals), then the state copied aside.
    ok_stdout(run(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "bag",
            "export",
            &case,
            &s(&tmp.path().join("bag")),
        ],
    ));
    let before = tmp.path().join("before-record");
    copy_dir(&dir, &before);
    let out = tmp.path().join("discs");
    let built = images(&ok_stdout(disc_build(&d, &case, &out, &["--medium", "cd"])));
    // The terminal as it was when killed: no disc record; the image is there.
    let b = s(&before);
    assert!(disc_records(&before).is_empty());
    let again = images(&ok_stdout(disc_build(&b, &case, &out, &["--medium", "cd"])));
    assert_eq!(again[0].0, built[0].0, "the same image");
    let recs = disc_records(&before);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].discs[0].sha256.to_hex(), built[0].0);
    ok_stdout(disc_build(&b, &case, &out, &["--medium", "cd"]));
    assert_eq!(disc_records(&before).len(), 1, "recorded once");
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn disc_build_verify_rebuild_sync_and_sets() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, case, key) = seeded(tmp.path(), 3072);
    let d = s(&dir);

    // Build on a CD: one image; its hash is what the signed record says.
    let a = tmp.path().join("a");
    let out = ok_stdout(disc_build(&d, &case, &a, &["--medium", "cd"]));
    let first = images(&out);
    assert_eq!(first.len(), 1);
    let (hash, img) = &first[0];
    assert_eq!(&sha256_file(img).unwrap().0.to_hex(), hash);
    let recs = disc_records(&dir);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].medium, "cd");
    assert_eq!(&recs[0].discs[0].sha256.to_hex(), hash);
    assert_eq!(recs[0].discs[0].size, fs::metadata(img).unwrap().len());

    // The verifier reads the image file directly.
    let v = run("fieldcase-verify", &[&s(img), "--key", &key]);
    let text = String::from_utf8_lossy(&v.stdout);
    assert_eq!(v.status.code(), Some(0), "{text}");
    assert!(text.starts_with("VALID\n"), "{text}");
    assert!(
        text.contains("sealed by device") && text.contains(&case),
        "{text}"
    );

    // A rebuild gives the same bytes and no second disc record.
    let b = tmp.path().join("b");
    let again = images(&ok_stdout(disc_build(&d, &case, &b, &["--medium", "cd"])));
    assert_eq!(again[0].0, *hash);
    assert_eq!(fs::read(img).unwrap(), fs::read(&again[0].1).unwrap());
    assert_eq!(disc_records(&dir).len(), 1);
    // Run again into the same folder: the identical image there is taken
    // as it is (a run stopped after writing it and before recording it
    // resumes so), and still only one disc record.
    let out = ok_stdout(disc_build(&d, &case, &b, &["--medium", "cd"]));
    assert_eq!(images(&out)[0].0, *hash);
    assert_eq!(disc_records(&dir).len(), 1);
    // Another file under that name is never written over.
    fs::write(&again[0].1, b"someone else's file").unwrap();
    let out = disc_build(&d, &case, &b, &["--medium", "cd"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not this disc"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(&again[0].1).unwrap(), b"someone else's file");

    // The seal checks with stock minisign and the key `key show --minisign` prints.
    let pubfile = tmp.path().join("device.pub");
    fs::write(
        &pubfile,
        run_ok(
            "fieldcase",
            &["--data-dir", &d, "key", "show", "--minisign"],
        ),
    )
    .unwrap();
    let ext = tmp.path().join("ext");
    let o = tool(
        "osirrox",
        &["-indev", &s(img), "-extract", "/", &s(&ext)],
        tmp.path(),
    );
    assert!(o.status.success());
    let o = tool(
        "minisign",
        &["-Vm", "tagmanifest-sha256.txt", "-p", &s(&pubfile)],
        &ext,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = tool("bagit.py", &["--validate", "."], &ext);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The server learns which disc belongs to which case on the next sync.
    let server = Server::start(&tmp.path().join("server"));
    server.register(&key, "终端");
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    let device = key.parse::<PublicKey>().unwrap().device_id();
    let store = SqliteStore::open(
        &tmp.path()
            .join("server")
            .join(fieldcase_sync_server::DB_FILE),
    )
    .unwrap();
    let held = store.record_digests(&device).unwrap();
    let t = Terminal::open(&dir).unwrap();
    let local: Vec<_> = t
        .store
        .all_records()
        .unwrap()
        .iter()
        .map(|r| (r.seq, r.digest))
        .collect();
    assert_eq!(held, local);
    drop(t);

    // Too large for the medium: a set; each image fits; verified together.
    let set = tmp.path().join("set");
    // Room for the metadata (with the decision's PDF when the demo case
    // has one) and at least a MiB of evidence per disc.
    let capacity = 1_800_000u64;
    let out = ok_stdout(disc_build(
        &d,
        &case,
        &set,
        &["--capacity", &capacity.to_string()],
    ));
    let parts = images(&out);
    assert!(parts.len() >= 3, "{out}");
    for (_, p) in &parts {
        assert!(fs::metadata(p).unwrap().len() <= capacity);
    }
    let mut args: Vec<String> = parts.iter().map(|(_, p)| s(p)).collect();
    args.extend(["--key".into(), key.clone()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let v = run("fieldcase-verify", &argv);
    let text = String::from_utf8_lossy(&v.stdout);
    assert_eq!(v.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("disc 1 of {}", parts.len())),
        "{text}"
    );

    // Without disc 2 the set is INVALID and says which disc is missing.
    let mut argv2: Vec<&str> = argv.clone();
    argv2.remove(1);
    let v = run("fieldcase-verify", &argv2);
    let text = String::from_utf8_lossy(&v.stdout);
    assert_eq!(v.status.code(), Some(1), "{text}");
    assert!(text.starts_with("INVALID ("), "{text}");
    assert!(
        text.contains(&format!("[disc 2/{}]: MISSING", parts.len())),
        "{text}"
    );

    // Bad input: an unknown case, and a file that is not a disc.
    let out = run(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "disc",
            "build",
            "no-such-case",
            "--out",
            &s(&set),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("case list"));
    let junk = tmp.path().join("junk.iso");
    fs::write(&junk, b"not a disc").unwrap();
    let v = run("fieldcase-verify", &[&s(&junk), "--key", &key]);
    assert_eq!(v.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("UNVERIFIABLE ("));
}

/// A disc in a drive is a block device: the verifier reads it like an
/// image file. Needs a loop device (root); where none can be set up the
/// test says so and checks nothing else.
#[test]
fn verify_reads_a_block_device() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, case, key) = seeded(tmp.path(), 256);
    let d = s(&dir);
    let out = tmp.path().join("img");
    let built = images(&run_ok(
        "fieldcase",
        &["--data-dir", &d, "disc", "build", &case, "--out", &s(&out)],
    ));
    let setup = std::process::Command::new("losetup")
        .args(["-f", "--show", "-r", &s(&built[0].1)])
        .output();
    let dev = match setup {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        other => {
            eprintln!("no loop device here ({other:?}); block-device reading not exercised");
            return;
        }
    };
    let v = run("fieldcase-verify", &[&dev, "--key", &key]);
    let _ = std::process::Command::new("losetup")
        .args(["-d", &dev])
        .status();
    let text = String::from_utf8_lossy(&v.stdout);
    assert_eq!(v.status.code(), Some(0), "{text}");
    assert!(text.starts_with("VALID\n"), "{text}");

    // The same disc with a second session after it, as a multi-session
    // disc in a drive reads: session 1 is still at sector 16.
    let multi = tmp.path().join("multi.iso");
    let mut bytes = fs::read(&built[0].1).unwrap();
    let session: Vec<u8> = bytes[..32 * 2048].to_vec();
    bytes.extend_from_slice(&session);
    fs::write(&multi, bytes).unwrap();
    let dev = String::from_utf8_lossy(
        &std::process::Command::new("losetup")
            .args(["-f", "--show", "-r", &s(&multi)])
            .output()
            .unwrap()
            .stdout,
    )
    .trim()
    .to_owned();
    let v = run("fieldcase-verify", &[&dev, "--key", &key]);
    let _ = std::process::Command::new("losetup")
        .args(["-d", &dev])
        .status();
    let text = String::from_utf8_lossy(&v.stdout);
    assert_eq!(v.status.code(), Some(1), "{text}");
    assert!(
        text.contains("BAD_LAYOUT") && text.contains("a later session"),
        "{text}"
    );
}
