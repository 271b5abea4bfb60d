//! Export to the ministry over SFTP, against a real OpenSSH server the
//! test starts on a loopback port with host and user keys it generates:
//! the closed cases' packages are sent; an upload interrupted half-way
//! (a `.part` with the first half on the remote) is resumed, not sent
//! again; a second run sends nothing and the remote holds each package
//! once, byte for byte; a changed host key is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use fieldcase_e2e::bureau::{agency_server, AGENCY};
use fieldcase_e2e::{free_port, run, run_ok, seeded_terminal, wait_for, Guard};
use fieldcase_shared::calendar::Region;
use fieldcase_sync_server::ministry::package::{package, Package};
use fieldcase_sync_server::store::office::OfficeStore;
use fieldcase_sync_server::store::SqliteStore;

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// sshd on 127.0.0.1:`port` serving `sftp-server`, logging in the current
/// user with `user.pub`.
fn sshd(d: &Path, port: u16) -> Guard {
    keygen(&d.join("host"));
    keygen(&d.join("user"));
    std::fs::copy(d.join("user.pub"), d.join("authorized_keys")).unwrap();
    // The privilege-separation directory sshd wants when run as root.
    let _ = std::fs::create_dir_all("/run/sshd");
    let config = d.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nAuthorizedKeysFile {auth}\n\
             PidFile {pid}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nSubsystem sftp /usr/lib/openssh/sftp-server\n",
            host = d.join("host").display(),
            auth = d.join("authorized_keys").display(),
            pid = d.join("sshd.pid").display(),
        ),
    )
    .unwrap();
    let log = std::fs::File::create(d.join("sshd.log")).unwrap();
    let child = Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("sshd (Debian package openssh-server)");
    let guard = Guard(child);
    wait_for("sshd", Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let host_key = std::fs::read_to_string(d.join("host.pub")).unwrap();
    let mut parts = host_key.split_whitespace();
    std::fs::write(
        d.join("known_hosts"),
        format!(
            "[127.0.0.1]:{port} {} {}\n",
            parts.next().unwrap(),
            parts.next().unwrap()
        ),
    )
    .unwrap();
    guard
}

fn user() -> String {
    String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_owned()
}

fn send(server_dir: &Path, config: &Path) -> std::process::Output {
    run(
        "fieldcase-server",
        &[
            "--config",
            &config.to_string_lossy(),
            "--data-dir",
            &server_dir.to_string_lossy(),
            "ministry",
            "send",
        ],
    )
}

fn remote_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn closed_cases_go_to_the_ministry_once_resuming_an_interrupted_upload() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let ssh = d.join("ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    let port = free_port();
    let _sshd = sshd(&ssh, port);
    let remote: PathBuf = d.join("remote");
    std::fs::create_dir_all(&remote).unwrap();

    let term = d.join("term");
    let key = seeded_terminal(&term, 6, 0);
    let server = agency_server(&d.join("server"));
    server.register(&key, "terminal");
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &term.to_string_lossy(),
            "sync",
            "--server",
            &server.url,
        ],
    );
    let config = server.dir.with_extension("toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "ministry_host = \"127.0.0.1\"\nministry_port = {port}\nministry_user = \"{}\"\n\
         ministry_dir = \"{}\"\nministry_key = \"{}\"\nministry_known_hosts = \"{}\"\n",
        user(),
        remote.display(),
        ssh.join("user").display(),
        ssh.join("known_hosts").display()
    ));
    std::fs::write(&config, &text).unwrap();

    // The packages the server will make (closed cases only). The demo
    // draws its cases at random, and some are handed over rather than
    // decided: seed more until some are closed.
    let packages_now = || -> Vec<Package> {
        let store = SqliteStore::open(&server.dir.join(fieldcase_sync_server::DB_FILE)).unwrap();
        let (rows, _) = store
            .cases(&fieldcase_sync_server::store::office::CaseQuery {
                limit: 100,
                ..Default::default()
            })
            .unwrap();
        rows.iter()
            .filter_map(|r| package(&store, r, (AGENCY, ""), Region::National).unwrap())
            .collect()
    };
    let mut packages = packages_now();
    for _ in 0..5 {
        if !packages.is_empty() {
            break;
        }
        let t = term.to_string_lossy();
        run_ok(
            "fieldcase",
            &["--data-dir", &t, "demo", "--cases", "6", "--video-kib", "0"],
        );
        run_ok(
            "fieldcase",
            &["--data-dir", &t, "sync", "--server", &server.url],
        );
        packages = packages_now();
    }
    assert!(!packages.is_empty(), "closed demo cases");
    let first = &packages[0];
    let text0 = String::from_utf8(first.bytes.clone()).unwrap();
    assert!(text0.contains("fieldcase-ministry-package/1"), "{text0}");
    // An upload interrupted half-way.
    std::fs::write(
        remote.join(format!("{}.part", first.name)),
        &first.bytes[..first.bytes.len() / 2],
    )
    .unwrap();

    let out = send(&server.dir, &config);
    let said = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{said}{err}{}",
        std::fs::read_to_string(ssh.join("sshd.log")).unwrap_or_default()
    );
    let n = packages.len();
    assert!(
        said.contains(&format!("{} sent, 1 resumed, 0 already there", n - 1)),
        "{said}{err}"
    );
    let mut want: Vec<_> = packages
        .iter()
        .map(|p| (p.name.clone(), p.bytes.clone()))
        .collect();
    want.sort();
    assert_eq!(
        remote_files(&remote),
        want,
        "each package once, byte for byte, no part left"
    );

    // Again: nothing is sent twice.
    let out = send(&server.dir, &config);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        said.contains(&format!("0 sent, 0 resumed, {n} already there")),
        "{said}"
    );
    assert_eq!(remote_files(&remote), want);

    // Another host key on the endpoint: refused, nothing sent.
    keygen(&ssh.join("other"));
    let other = std::fs::read_to_string(ssh.join("other.pub")).unwrap();
    let mut p = other.split_whitespace();
    std::fs::write(
        ssh.join("known_hosts"),
        format!(
            "[127.0.0.1]:{port} {} {}\n",
            p.next().unwrap(),
            p.next().unwrap()
        ),
    )
    .unwrap();
    let out = send(&server.dir, &config);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("sftp to 127.0.0.1"), "{err}");
    assert!(err.contains("run the export again"), "{err}");
}
