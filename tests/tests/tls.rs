//! HTTPS between terminal and server: the server presents a certificate
//! from the agency CA; the terminal pins that CA at enrolment and then
//! trusts nothing else. Certificates are made with the openssl tool.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::{Path, PathBuf};

use fieldcase_e2e::{run, run_ok, tool, Server};

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A CA, and a certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem).
fn make_ca_and_cert(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let ca_key = dir.join(format!("{name}-ca.key"));
    let ca = dir.join(format!("{name}-ca.pem"));
    let key = dir.join(format!("{name}-server.key"));
    let csr = dir.join(format!("{name}-server.csr"));
    let cert = dir.join(format!("{name}-server.pem"));
    let ext = dir.join(format!("{name}-ext.cnf"));
    std::fs::write(&ext, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n").unwrap();
    let steps: Vec<Vec<String>> = vec![
        vec![
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "30",
            "-subj",
            &format!("/CN={name} agency CA"),
            "-keyout",
            &s(&ca_key),
            "-out",
            &s(&ca),
        ],
        vec![
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            &s(&key),
            "-out",
            &s(&csr),
        ],
        vec![
            "x509",
            "-req",
            "-in",
            &s(&csr),
            "-CA",
            &s(&ca),
            "-CAkey",
            &s(&ca_key),
            "-CAcreateserial",
            "-days",
            "30",
            "-extfile",
            &s(&ext),
            "-out",
            &s(&cert),
        ],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    for step in steps {
        let args: Vec<&str> = step.iter().map(String::as_str).collect();
        let out = tool("openssl", &args, dir);
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (ca, cert, key)
}

#[test]
fn terminals_pin_the_agency_ca_and_sync_over_https() {
    let tmp = tempfile::tempdir().unwrap();
    let (ca, cert, key) = make_ca_and_cert(tmp.path(), "agency");
    let (other_ca, _, _) = make_ca_and_cert(tmp.path(), "other");
    let srv = tmp.path().join("server");
    let server = Server::start_with(&srv, &["--tls-cert", &s(&cert), "--tls-key", &s(&key)]);
    assert!(server.url.starts_with("https://"), "{}", server.url);
    let code = |officer: &str| {
        run_ok(
            "fieldcase-server",
            &[
                "--data-dir",
                &s(&srv),
                "enroll",
                "create",
                "--officer",
                officer,
            ],
        )
        .trim()
        .to_owned()
    };

    // With the agency CA: enrolled, then every sync is HTTPS to that server.
    let d = s(&tmp.path().join("terminal"));
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "demo",
            "--cases",
            "1",
            "--video-kib",
            "256",
        ],
    );
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "--server",
            &server.url,
            "enrol",
            &code("65010023"),
            "--ca",
            &s(&ca),
        ],
    );
    let out = run(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("6 files uploaded"), "{err}");

    // A terminal that trusts another CA refuses this server.
    let d2 = s(&tmp.path().join("other-terminal"));
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &d2,
            "demo",
            "--cases",
            "1",
            "--video-kib",
            "64",
        ],
    );
    let c2 = code("65010031");
    let out = run(
        "fieldcase",
        &[
            "--data-dir",
            &d2,
            "--server",
            &server.url,
            "enrol",
            &c2,
            "--ca",
            &s(&other_ca),
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot reach the sync server"), "{err}");
    // Nor does the public web's trust store know the agency CA.
    let out = run(
        "fieldcase",
        &["--data-dir", &d2, "--server", &server.url, "enrol", &c2],
    );
    assert_eq!(out.status.code(), Some(1));
    // Plain HTTP to the HTTPS port gets nowhere.
    let plain = server.url.replace("https://", "http://");
    let out = run(
        "fieldcase",
        &["--data-dir", &d2, "--server", &plain, "enrol", &c2],
    );
    assert_eq!(out.status.code(), Some(1));
    // The code was never used: with the right CA it still works.
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &d2,
            "--server",
            &server.url,
            "enrol",
            &c2,
            "--ca",
            &s(&ca),
        ],
    );

    // A broken CA file is refused clearly.
    let junk = tmp.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let out = run(
        "fieldcase",
        &[
            "--data-dir",
            &d2,
            "--server",
            &server.url,
            "enrol",
            &c2,
            "--ca",
            &s(&junk),
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("CA certificate is not usable"));
}
