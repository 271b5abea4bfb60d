//! The disc checks itself and carries its verifier (issue 16, points 1
//! and 3; docs/disc.md "The page checks the disc", "The verifier on the
//! disc"): a disc built at the real bureau, configured with the statically
//! linked verifier, is extracted with `osirrox`; the verifier is run from
//! the extracted disc; its `index.html` is opened from disk in headless
//! Chromium, the folder is picked and the label's fingerprint typed, and
//! the page's verdict is compared with `fieldcase-verify --ca` on the same
//! folder — clean, with one evidence byte changed, with one record changed,
//! with the verifier on the disc changed, re-sealed by another key, and
//! re-sealed with the disc's agency key replaced.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use fieldcase_e2e::browser::{browser, driver, Engine};
use fieldcase_e2e::disc_page::{verdict_text, verify_cli, verify_page, Verdict};
use fieldcase_e2e::office::bureau_disc;
use fieldcase_e2e::{free_port, static_verifier, tool};
use fieldcase_shared::hash::sha256;
use fieldcase_shared::keys::PublicKey;

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A bureau disc of a seeded case, carrying the static verifier,
/// extracted; the agency key; the fingerprint for the label.
fn extracted_disc(tmp: &Path) -> (PathBuf, String, String) {
    let config = format!(
        "agency_name = \"乌鲁木齐市交通运输综合行政执法支队\"\ndisc_verifier = \"{}\"\n",
        static_verifier().display()
    );
    let d = bureau_disc(tmp, &config, 300);
    (d.dir, d.agency, d.label)
}

/// A writable copy of the clean disc.
fn copy(clean: &Path, name: &str) -> PathBuf {
    let to = clean.with_file_name(name);
    let o = tool("cp", &["-r", &s(clean), &s(&to)], clean.parent().unwrap());
    assert!(o.status.success());
    let o = tool("chmod", &["-R", "u+w", &s(&to)], clean.parent().unwrap());
    assert!(o.status.success());
    to
}

fn first_file(dir: &Path) -> PathBuf {
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    all.sort();
    all.into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("a file in {}", dir.display()))
}

/// Rewrites the line of `manifest` naming `path` with the file's new hash
/// (what a forger re-hashing the bag does).
fn rehash(bag: &Path, manifest: &str, path: &str) {
    let m = bag.join(manifest);
    let text = std::fs::read_to_string(&m).unwrap();
    let digest = sha256(&std::fs::read(bag.join(path)).unwrap()).to_hex();
    let out: String = text
        .lines()
        .map(|l| {
            if l.ends_with(&format!("  {path}")) {
                format!("{digest}  {path}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&m, out).unwrap();
}

/// A forger's minisign key pair in `dir`: the secret key's path and the
/// public key as `ed25519:<hex>`.
fn forger_key(dir: &Path) -> (PathBuf, String) {
    std::fs::create_dir_all(dir).unwrap();
    let (public, secret) = (dir.join("k.pub"), dir.join("k.key"));
    let o = tool(
        "minisign",
        &["-G", "-W", "-p", &s(&public), "-s", &s(&secret)],
        dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // minisign's public key: "Ed" ‖ key id ‖ the Ed25519 key.
    let text = std::fs::read_to_string(&public).unwrap();
    let raw = B64.decode(text.lines().nth(1).unwrap().trim()).unwrap();
    (secret, format!("ed25519:{}", hex::encode(&raw[10..42])))
}

/// Signs the tag manifest again with `secret`, keeping the trusted
/// comment.
fn reseal(bag: &Path, secret: &Path) {
    let sig = std::fs::read_to_string(bag.join("tagmanifest-sha256.txt.minisig")).unwrap();
    let trusted = sig
        .lines()
        .find_map(|l| l.strip_prefix("trusted comment: "))
        .unwrap()
        .to_owned();
    let o = tool(
        "minisign",
        &[
            "-S",
            "-s",
            &s(secret),
            "-m",
            "tagmanifest-sha256.txt",
            "-t",
            &trusted,
        ],
        bag,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn assert_same(what: &str, page: &Verdict, cli: &Verdict) {
    assert_eq!(
        (page.valid, &page.problems),
        (cli.valid, &cli.problems),
        "{what}: the page and fieldcase-verify disagree"
    );
}

/// The verifier on the extracted disc: static (as `file` and `ldd` say),
/// listed in the tag manifest, explained in README.TXT, and it runs from
/// there and finds the disc VALID.
fn run_the_verifier_on_the_disc(clean: &Path, agency: &str) {
    let program = clean.join("tools/fieldcase-verify");
    let o = tool("file", &["-b", &s(&program)], clean);
    let what = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(what.contains("x86-64"), "{what}");
    assert!(
        what.contains("statically linked") || what.contains("static-pie linked"),
        "{what}"
    );
    let o = tool("ldd", &[&s(&program)], clean);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        said.contains("not a dynamic executable") || said.contains("statically linked"),
        "{said}"
    );
    let tags = std::fs::read_to_string(clean.join("tagmanifest-sha256.txt")).unwrap();
    assert!(tags.contains("  tools/fieldcase-verify\n"), "{tags}");
    for m in ["manifest-sha256.txt", "tagmanifest-sha256.txt"] {
        let o = tool("sha256sum", &["-c", "--strict", m], clean);
        assert!(
            o.status.success(),
            "{m}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    let o = tool("bagit.py", &["--validate", "."], clean);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let readme = std::fs::read_to_string(clean.join("README.TXT")).unwrap();
    assert!(
        readme.contains("tools/fieldcase-verify 是静态链接"),
        "{readme}"
    );
    assert!(readme.contains("index.html"), "{readme}");
    // As README.TXT says: copied out, made executable, run.
    let run_dir = clean.with_file_name("run");
    std::fs::create_dir_all(&run_dir).unwrap();
    let copy = run_dir.join("fieldcase-verify");
    std::fs::copy(&program, &copy).unwrap();
    let o = tool("chmod", &["+x", &s(&copy)], &run_dir);
    assert!(o.status.success());
    let o = tool(&s(&copy), &[&s(clean), "--ca", agency], &run_dir);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.starts_with("VALID\n"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_on_the_disc_gives_the_verdict_fieldcase_verify_gives() {
    let tmp = tempfile::tempdir().unwrap();
    let (clean, agency, fingerprint) = extracted_disc(tmp.path());
    let key: PublicKey = agency.parse().unwrap();
    assert_eq!(fingerprint, key.fingerprint());
    let ca = ["--ca", agency.as_str()];
    run_the_verifier_on_the_disc(&clean, &agency);

    // The tampered copies.
    let evidence = copy(&clean, "evidence");
    let video = first_file(&evidence.join("data/evidence"));
    let mut bytes = std::fs::read(&video).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&video, bytes).unwrap();

    let record = copy(&clean, "record");
    let signer = first_file(&record.join("data/chains"));
    let signer = signer.file_stem().unwrap().to_string_lossy().into_owned();
    let rec = first_file(&record.join("data/records").join(&signer));
    let mut env: serde_json::Value = serde_json::from_slice(&std::fs::read(&rec).unwrap()).unwrap();
    let payload = String::from_utf8(B64.decode(env["payload"].as_str().unwrap()).unwrap()).unwrap();
    let changed = payload.replacen("2026", "2025", 1);
    assert_ne!(payload, changed);
    env["payload"] = B64.encode(changed).into();
    std::fs::write(&rec, serde_json::to_vec(&env).unwrap()).unwrap();

    let resealed = copy(&clean, "resealed");
    std::fs::write(resealed.join("README.TXT"), "这张光盘没有问题。\n").unwrap();
    rehash(&resealed, "tagmanifest-sha256.txt", "README.TXT");
    let (secret, forger) = forger_key(&tmp.path().join("forger"));
    reseal(&resealed, &secret);

    // The forger also puts their key on the disc as the agency's.
    let replaced = copy(&clean, "replaced");
    std::fs::write(replaced.join("data/agency-key.txt"), format!("{forger}\n")).unwrap();
    rehash(&replaced, "manifest-sha256.txt", "data/agency-key.txt");
    rehash(&replaced, "tagmanifest-sha256.txt", "manifest-sha256.txt");
    reseal(&replaced, &secret);

    let program = copy(&clean, "program");
    let mut bytes = std::fs::read(program.join("tools/fieldcase-verify")).unwrap();
    let at = bytes.len() - 100;
    bytes[at] ^= 1;
    std::fs::write(program.join("tools/fieldcase-verify"), bytes).unwrap();

    let port = free_port();
    let _driver = driver(Engine::Chromium, port);
    let profile = tmp.path().join("profile");
    let c = browser(Engine::Chromium, port, &profile).await;
    let wait = Duration::from_secs(120);

    // Clean: VALID, as the label's key says; the fingerprint typed with
    // dashes and capitals is the same fingerprint.
    let (page, result) = verify_page(&c, &clean, &fingerprint.to_uppercase(), wait).await;
    let cli = verify_cli(&clean, &ca);
    assert!(cli.valid, "{cli:?}");
    assert_same("clean", &page, &cli);
    assert!(verdict_text(&c).await.starts_with("VALID"), "{result}");
    assert_eq!(result["sealed"]["by"], agency.as_str(), "{result}");
    assert!(result["files"].as_u64().unwrap() > 10, "{result}");

    // The verifier on the disc, changed.
    let (page, _) = verify_page(&c, &program, &fingerprint, wait).await;
    let cli = verify_cli(&program, &ca);
    assert_same("verifier on the disc", &page, &cli);
    assert!(
        page.problems
            .contains(&("tools/fieldcase-verify".to_owned(), "MODIFIED".to_owned())),
        "{page:?}"
    );

    // A changed evidence byte.
    let (page, _) = verify_page(&c, &evidence, &fingerprint, wait).await;
    let cli = verify_cli(&evidence, &ca);
    assert_same("evidence byte", &page, &cli);
    assert!(page.categories().contains("MODIFIED"), "{page:?}");
    assert!(verdict_text(&c).await.starts_with("INVALID"));

    // A changed record: its hash and its signature.
    let (page, _) = verify_page(&c, &record, &fingerprint, wait).await;
    let cli = verify_cli(&record, &ca);
    assert_same("record", &page, &cli);
    assert!(page.categories().contains("SIGNATURE_INVALID"), "{page:?}");

    // Re-sealed by another key after a change: the seal's key is unknown.
    let (page, _) = verify_page(&c, &resealed, &fingerprint, wait).await;
    let cli = verify_cli(&resealed, &ca);
    assert_same("re-sealed", &page, &cli);
    assert!(page.categories().contains("UNKNOWN_KEY"), "{page:?}");
    // Trusting the forger's key instead is what the label prevents: the
    // page never reads a key off the disc without the label's fingerprint.
    let forged = verify_cli(&resealed, &["--ca", &forger]);
    assert!(!forged.valid);

    // The disc's own agency key replaced by the forger's: no key on the
    // disc has the label's fingerprint; both verifiers say INVALID.
    let (page, result) = verify_page(&c, &replaced, &fingerprint, wait).await;
    let cli = verify_cli(&replaced, &ca);
    assert!(!page.valid && !cli.valid, "{result}");
    assert!(
        page.problems
            .contains(&("(key)".to_owned(), "UNKNOWN_KEY".to_owned())),
        "{page:?}"
    );
    assert!(cli.categories().contains("UNKNOWN_KEY"), "{cli:?}");
    let pinned = forger.parse::<PublicKey>().unwrap().fingerprint();
    let (page, _) = verify_page(&c, &replaced, &pinned, wait).await;
    assert!(
        !page.valid,
        "the forger's own fingerprint still finds the certificates unsigned by it: {page:?}"
    );

    // No fingerprint: the page asks for it instead of trusting the disc.
    let (page, result) = verify_page(&c, &clean, "", wait).await;
    assert!(!page.valid);
    assert!(
        result["unverifiable"].as_str().unwrap().contains("指纹"),
        "{result}"
    );
    c.close().await.unwrap();
}
