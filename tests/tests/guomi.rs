//! The 国密 option (issue 16, point 4; docs/disc.md "国密"): a bureau
//! configured with `guomi = true` archives a disc carrying SM3 manifests
//! beside the SHA-256 ones and the agency's SM2 signature of the SM3 tag
//! manifest. `fieldcase-verify` checks them; OpenSSL (`openssl dgst -sm3`,
//! `openssl pkeyutl -verify` with SM2) and an independent pure-Python
//! implementation (gmssl) agree; `bagit.py`, which knows no SM3, still
//! validates the disc; and a changed byte or a forged signature is caught.
//! The same discs give the signed 四性检测 report (issue 16, point 5):
//! `fieldcase-verify --report`, read back with `pdftotext` and
//! `pdffonts`, its signature checked with `minisign`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::Path;
use std::time::Duration;

use fieldcase_e2e::browser::{browser, driver, Engine};
use fieldcase_e2e::disc_page::verify_page;
use fieldcase_e2e::office::bureau_disc;
use fieldcase_e2e::{free_port, run, tool};

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Checks every line of both SM3 manifests with gmssl's pure-Python SM3
/// and the SM2 signature with gmssl's SM2 (DER parsed here), and the
/// manifests with hashlib's SM3 too.
const PYTHON: &str = r#"
import base64, hashlib, sys
from gmssl import sm2, sm3, func
root = sys.argv[1]
def sm3_pure(b):
    return sm3.sm3_hash(func.bytes_to_list(b))
checked = 0
for manifest in ("manifest-sm3.txt", "tagmanifest-sm3.txt"):
    for line in open(f"{root}/{manifest}", encoding="utf-8"):
        want, path = line.rstrip("\n").split("  ", 1)
        data = open(f"{root}/{path}", "rb").read()
        assert sm3_pure(data) == want, (manifest, path, "gmssl")
        assert hashlib.new("sm3", data).hexdigest() == want, (manifest, path, "hashlib")
        checked += 1
pem = open(f"{root}/agency-sm2.pem").read()
der = base64.b64decode("".join(l for l in pem.splitlines() if "-----" not in l))
point = der[-65:]
assert point[0] == 4
public = point[1:].hex()
sig = open(f"{root}/tagmanifest-sm3.txt.sm2", "rb").read()
assert sig[0] == 0x30
def integer(b, at):
    assert b[at] == 2
    n = b[at + 1]
    return int.from_bytes(b[at + 2:at + 2 + n], "big"), at + 2 + n
r, at = integer(sig, 2)
s, at = integer(sig, at)
crypt = sm2.CryptSM2(private_key=None, public_key=public)
message = open(f"{root}/tagmanifest-sm3.txt", "rb").read()
ok = crypt.verify_with_sm3("%064x%064x" % (r, s), message)
print("SIGNATURE", "OK" if ok else "BAD", "FILES", checked)
"#;

fn python_check(dir: &Path) -> String {
    let o = tool("python3", &["-c", PYTHON, &s(dir)], dir);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

/// The custodian's report key, in minisign form.
fn report_key(tmp: &Path) -> String {
    let key = fieldcase_shared::keys::DeviceKey::load(&tmp.join("custodian.key")).unwrap();
    fieldcase_shared::seal::minisign_public_key(&key.public())
}

/// `fieldcase-verify TARGET --ca AGENCY --report …`: the report's text as
/// `pdftotext` reads it, after checking its fonts are embedded and its
/// signature verifies with the stock `minisign`.
fn four_properties(
    target: &Path,
    agency: &str,
    tmp: &Path,
    name: &str,
) -> (String, std::path::PathBuf) {
    let pdf = tmp.join(format!("{name}-report.pdf"));
    let out = run(
        "fieldcase-verify",
        &[
            &s(target),
            "--ca",
            agency,
            "--report",
            &s(&pdf),
            "--report-key",
            &s(&tmp.join("custodian.key")),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{text}");
    assert!(text.contains("report: "), "{text}");
    let o = tool("minisign", &["-Vm", &s(&pdf), "-P", &report_key(tmp)], tmp);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fonts = tool("pdffonts", &[&s(&pdf)], tmp);
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes ")),
        "{fonts}"
    );
    let o = tool("pdftotext", &[&s(&pdf), "-"], tmp);
    (String::from_utf8_lossy(&o.stdout).into_owned(), pdf)
}

fn openssl_verifies(dir: &Path) -> bool {
    tool(
        "openssl",
        &[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "agency-sm2.pem",
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-in",
            "tagmanifest-sm3.txt",
            "-sigfile",
            "tagmanifest-sm3.txt.sm2",
        ],
        dir,
    )
    .status
    .success()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guomi_disc_carries_sm3_manifests_and_an_sm2_signature_others_can_check() {
    let tmp = tempfile::tempdir().unwrap();
    let d = bureau_disc(
        tmp.path(),
        "agency_name = \"乌鲁木齐市交通运输综合行政执法支队\"\nguomi = true\n",
        200,
    );
    let dir = &d.dir;
    // Our verifier, on the image and on the folder.
    for target in [&d.iso, dir] {
        let out = run("fieldcase-verify", &[&s(target), "--ca", &d.agency]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(text.contains("国密: SM3 manifests match"), "{text}");
    }
    // OpenSSL: every SM3 line, then the SM2 signature.
    for manifest in ["manifest-sm3.txt", "tagmanifest-sm3.txt"] {
        let text = std::fs::read_to_string(dir.join(manifest)).unwrap();
        let paths: Vec<&str> = text.lines().map(|l| &l[66..]).collect();
        let mut args = vec!["dgst", "-sm3", "-r"];
        args.extend(&paths);
        let o = tool("openssl", &args, dir);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let got = String::from_utf8_lossy(&o.stdout).replace(" *", "  ");
        assert_eq!(got, text, "{manifest}: openssl dgst -sm3 disagrees");
        assert!(paths.len() > 3, "{text}");
    }
    let manifest = std::fs::read_to_string(dir.join("manifest-sm3.txt")).unwrap();
    assert!(manifest.contains("  data/evidence/"), "{manifest}");
    let tags = std::fs::read_to_string(dir.join("tagmanifest-sha256.txt")).unwrap();
    for f in [
        "manifest-sm3.txt",
        "tagmanifest-sm3.txt",
        "tagmanifest-sm3.txt.sm2",
        "agency-sm2.pem",
    ] {
        assert!(tags.contains(&format!("  {f}\n")), "{f} sealed: {tags}");
    }
    assert!(openssl_verifies(dir), "openssl pkeyutl -verify (SM2)");
    // An independent implementation, in Python.
    let said = python_check(dir);
    assert!(said.starts_with("SIGNATURE OK FILES "), "{said}");
    // BagIt tools that know no SM3 still validate the disc; so does
    // sha256sum.
    let o = tool("bagit.py", &["--validate", "."], dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for m in ["manifest-sha256.txt", "tagmanifest-sha256.txt"] {
        let o = tool("sha256sum", &["-c", "--strict", m], dir);
        assert!(o.status.success(), "{m}");
    }
    // The 四性 report of the clean image, signed.
    let (said, pdf) = four_properties(&d.iso, &d.agency, tmp.path(), "clean");
    for part in [
        "电子档案四性检测报告",
        "一、真实性",
        "二、完整性",
        "三、可用性",
        "四、安全性",
        "通过（VALID）",
        "【通过】国密SM2副签名与SM3清单",
    ] {
        assert!(
            said.replace(' ', "").contains(&part.replace(' ', "")),
            "{part}: {said}"
        );
    }
    assert!(!said.contains("不通过"), "{said}");
    let mut bytes = std::fs::read(&pdf).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(&pdf, bytes).unwrap();
    let o = tool(
        "minisign",
        &["-Vm", &s(&pdf), "-P", &report_key(tmp.path())],
        tmp.path(),
    );
    assert!(!o.status.success(), "a changed report must not verify");

    // The disc's own page (SHA-256 and Ed25519 only) agrees.
    let port = free_port();
    let _driver = driver(Engine::Chromium, port);
    let c = browser(Engine::Chromium, port, &tmp.path().join("profile")).await;
    let (page, result) = verify_page(&c, dir, &d.label, Duration::from_secs(120)).await;
    assert!(page.valid, "{result}");
    c.close().await.unwrap();

    // A forged SM2 signature (another key's, over the same manifest):
    // OpenSSL, Python and our verifier refuse it.
    let forged = tmp.path().join("forged");
    let o = tool("cp", &["-r", &s(dir), &s(&forged)], tmp.path());
    assert!(o.status.success());
    tool("chmod", &["-R", "u+w", &s(&forged)], tmp.path());
    let o = tool(
        "openssl",
        &["genpkey", "-algorithm", "SM2", "-out", "other.key"],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = tool(
        "openssl",
        &[
            "pkeyutl",
            "-sign",
            "-inkey",
            &s(&tmp.path().join("other.key")),
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-in",
            "tagmanifest-sm3.txt",
            "-out",
            "tagmanifest-sm3.txt.sm2",
        ],
        &forged,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!openssl_verifies(&forged));
    assert!(python_check(&forged).starts_with("SIGNATURE BAD"));
    let out = run("fieldcase-verify", &[&s(&forged), "--ca", &d.agency]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("SEAL_INVALID") && text.contains("tagmanifest-sm3.txt.sm2"),
        "{text}"
    );
    let (said, _) = four_properties(&forged, &d.agency, tmp.path(), "forged");
    assert!(said.contains("不通过（INVALID）"), "{said}");
    assert!(
        said.contains("【不通过】封签") || said.contains("SEAL_INVALID"),
        "{said}"
    );

    // A payload byte changed and the SHA-256 side re-made by a forger who
    // has no agency key: the SM3 manifest still catches the change.
    let changed = tmp.path().join("changed");
    tool("cp", &["-r", &s(dir), &s(&changed)], tmp.path());
    tool("chmod", &["-R", "u+w", &s(&changed)], tmp.path());
    let case = changed.join("data/case.json");
    let text = std::fs::read_to_string(&case).unwrap();
    std::fs::write(&case, text.replacen("执法", "执 法", 1)).unwrap();
    let out = run("fieldcase-verify", &[&s(&changed), "--ca", &d.agency]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("MODIFIED"), "{text}");
    assert!(
        text.contains("SM3 "),
        "the SM3 manifest names the change: {text}"
    );
}
