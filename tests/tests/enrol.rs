//! Enrolment and revocation with the real binaries: the back office makes a
//! one-time code, the terminal redeems it, gets a signed certificate and
//! syncs; codes are single-use and expire; a revoked terminal's later
//! records are refused and flagged; its certificate travels on its discs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::Path;

use fieldcase_e2e::{run, run_ok, seeded_terminal, Server};
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::keys::PublicKey;
use fieldcase_shared::wire::{Revocations, REVOCATIONS_PAYLOAD_TYPE};

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn code(srv: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "--data-dir",
        &*Box::leak(s(srv).into_boxed_str()),
        "enroll",
        "create",
        "--officer",
        "65010023",
    ];
    args.extend_from_slice(extra);
    run_ok("fieldcase-server", &args).trim().to_owned()
}

#[test]
fn enrol_sync_refuse_reuse_and_revoke() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = tmp.path().join("server");
    let term = tmp.path().join("terminal");
    let d = s(&term);
    let server = Server::start(&srv);
    let c = code(&srv, &["--name", "执法终端 07", "--expires", "1h"]);
    assert_eq!(c.len(), 23, "{c}");
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

    // Unknown code, then the real one (typed in lower case without dashes).
    let out = run(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "--server",
            &server.url,
            "enrol",
            "AAAAA-BBBBB-CCCCC-DDDDD",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not known"));
    let typed = c.to_lowercase().replace('-', "");
    let out = run(
        "fieldcase",
        &["--data-dir", &d, "--server", &server.url, "enrol", &typed],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("执法终端 07") && err.contains("65010023"),
        "{err}"
    );
    let shown = run("fieldcase", &["--data-dir", &d, "key", "show"]);
    assert!(String::from_utf8_lossy(&shown.stderr).contains("enrolled as \"执法终端 07\""));
    // Enrolled means registered: sync works without `device add`.
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );

    // A used code is refused for another terminal; so is an expired one.
    let other = s(&tmp.path().join("other"));
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &other,
            "demo",
            "--cases",
            "1",
            "--video-kib",
            "64",
        ],
    );
    let out = run(
        "fieldcase",
        &["--data-dir", &other, "--server", &server.url, "enrol", &c],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already used"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let c2 = code(&srv, &["--expires", &soon]);
    std::thread::sleep(std::time::Duration::from_secs(3));
    let out = run(
        "fieldcase",
        &["--data-dir", &other, "--server", &server.url, "enrol", &c2],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("expired"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        "fieldcase-server",
        &[
            "--data-dir",
            &s(&srv),
            "enroll",
            "create",
            "--officer",
            "1",
            "--expires",
            "2020-01-01T00:00:00Z",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("in the past"));

    // The enrolled terminal's disc carries its certificate and verifies.
    let cases: serde_json::Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &d, "case", "list", "--json"],
    ))
    .unwrap();
    let case = cases[0]["case_no"].as_str().unwrap().to_owned();
    let bag = tmp.path().join("bag");
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "bag", "export", &case, &s(&bag)],
    );
    assert!(bag.join("data/device-cert.json").is_file());
    let key = run_ok("fieldcase", &["--data-dir", &d, "key", "show"])
        .trim()
        .to_owned();
    let v = run("fieldcase-verify", &[&s(&bag), "--key", &key]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );

    // Revoked: records made from now on are refused and flagged.
    let device = key.parse::<PublicKey>().unwrap().device_id().to_string();
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    run_ok(
        "fieldcase-server",
        &["--data-dir", &s(&srv), "device", "revoke", &device],
    );
    std::thread::sleep(std::time::Duration::from_millis(50));
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
    let out = run(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("revoked_device") && err.contains("was revoked"),
        "{err}"
    );
    let db = rusqlite::Connection::open(srv.join(fieldcase_sync_server::DB_FILE)).unwrap();
    let flagged: i64 = db
        .query_row(
            "SELECT count(*) FROM flags WHERE kind = 'revoked_key'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(flagged > 0);
    // The revocation list is published, signed by the server key.
    let info: serde_json::Value = ureq::get(format!("{}/v1/info", server.url))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let server_key: PublicKey = info["server_key"].as_str().unwrap().parse().unwrap();
    let env: Envelope = ureq::get(format!("{}/v1/revocations", server.url))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(env.payload_type, REVOCATIONS_PAYLOAD_TYPE);
    env.verify(&server_key).unwrap();
    let list: Revocations = serde_json::from_slice(&env.payload).unwrap();
    assert_eq!(list.devices.len(), 1);
    assert_eq!(list.devices[0].0.to_string(), device);
}

#[test]
fn back_office_messages_arrive_on_the_next_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = tmp.path().join("server");
    let d = s(&tmp.path().join("terminal"));
    let server = Server::start(&srv);
    let key = seeded_terminal(std::path::Path::new(&d), 1, 64);
    server.register(&key, "终端");
    let device = key.parse::<PublicKey>().unwrap().device_id().to_string();
    let cases: serde_json::Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &d, "case", "list", "--json"],
    ))
    .unwrap();
    let case = cases[0]["case_no"].as_str().unwrap().to_owned();
    let srv_s = s(&srv);
    run_ok(
        "fieldcase-server",
        &[
            "--data-dir",
            &srv_s,
            "message",
            "send",
            &device,
            "--kind",
            "case_returned",
            "--case",
            &case,
            "--text",
            "证据不足，请补充询问笔录",
        ],
    );
    run_ok(
        "fieldcase-server",
        &[
            "--data-dir",
            &srv_s,
            "message",
            "send",
            &device,
            "--kind",
            "task",
            "--text",
            "明日 G30 K3480 联合检查",
        ],
    );
    let bad = run(
        "fieldcase-server",
        &[
            "--data-dir",
            &srv_s,
            "message",
            "send",
            &device,
            "--kind",
            "gossip",
            "--text",
            "x",
        ],
    );
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("case_returned, case_progress, task, notice")
    );
    let nobody = fieldcase_shared::keys::DeviceKey::from_seed([77; 32])
        .public()
        .device_id()
        .to_string();
    let bad = run(
        "fieldcase-server",
        &[
            "--data-dir",
            &srv_s,
            "message",
            "send",
            &nobody,
            "--text",
            "x",
        ],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is registered"));

    let out = run(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && err.contains("2 new messages"),
        "{err}"
    );
    let list: serde_json::Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &d, "messages", "--json"],
    ))
    .unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["kind"], "case_returned");
    assert_eq!(list[1]["case_no"], case.as_str());
    assert_eq!(list[1]["text"], "证据不足，请补充询问笔录");
    let text = run_ok("fieldcase", &["--data-dir", &d, "messages"]);
    assert!(text.contains("退回案件") && text.contains("任务"), "{text}");
    // Delivered once.
    let out = run(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("new messages"));
}

/// The QR symbol `enroll create` draws in the terminal, as a PGM image
/// (light modules white, as the terminal shows them), 4 pixels per module.
fn terminal_qr_as_pgm(stderr: &str) -> String {
    let rows: Vec<Vec<char>> = stderr
        .lines()
        .filter(|l| !l.is_empty() && l.chars().all(|c| matches!(c, '█' | '▀' | '▄' | ' ')))
        .map(|l| l.chars().collect())
        .collect();
    assert!(rows.len() > 10, "no QR code drawn: {stderr}");
    let width = rows.iter().map(Vec::len).max().unwrap();
    let mut modules: Vec<Vec<bool>> = Vec::new(); // true: light
    for r in &rows {
        let top = (0..width)
            .map(|x| matches!(r.get(x), Some('█' | '▀')))
            .collect();
        let bottom = (0..width)
            .map(|x| matches!(r.get(x), Some('█' | '▄')))
            .collect();
        modules.push(top);
        modules.push(bottom);
    }
    // A white border round it, as a screen around a terminal window.
    let scale = 4;
    let (w, h) = ((width + 8) * scale, (modules.len() + 8) * scale);
    let mut out = format!("P2\n{w} {h}\n255\n");
    for y in 0..h {
        for x in 0..w {
            let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
            let light = modules
                .get(my)
                .and_then(|r| r.get(mx))
                .copied()
                .unwrap_or(true);
            out.push_str(if light { "255 " } else { "0 " });
        }
        out.push('\n');
    }
    out
}

#[test]
fn the_qr_code_scans_and_pins_the_key_it_carries() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = tmp.path().join("server");
    let term = tmp.path().join("terminal");
    let d = s(&term);
    let server = Server::start(&srv);
    let png = tmp.path().join("enrol-qr.png");
    let out = run(
        "fieldcase-server",
        &[
            "--data-dir",
            &s(&srv),
            "enroll",
            "create",
            "--officer",
            "65010031",
            "--name",
            "执法终端 09",
            "--url",
            &server.url,
            "--qr-png",
            &s(&png),
        ],
    );
    assert!(out.status.success());
    let code = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();

    // The printed PNG and the symbol drawn in the terminal both scan (zbar,
    // a standard decoder) to the payload, which carries code, key and URL.
    let scan = |image: &Path| {
        // QR symbols only: with every symbology on, zbar sometimes also
        // "finds" a DataBar code in the pattern of a random payload.
        let o = fieldcase_e2e::tool(
            "zbarimg",
            &["--raw", "-q", "-Sdisable", "-Sqrcode.enable", &s(image)],
            tmp.path(),
        );
        assert!(
            o.status.success(),
            "zbarimg could not read {}",
            image.display()
        );
        String::from_utf8_lossy(&o.stdout).trim().to_owned()
    };
    let payload = scan(&png);
    let pgm = tmp.path().join("terminal-qr.pgm");
    std::fs::write(&pgm, terminal_qr_as_pgm(&err)).unwrap();
    assert_eq!(scan(&pgm), payload);
    assert!(err.contains(&format!("QR payload: {payload}")), "{err}");
    let p = fieldcase_shared::cert::EnrolmentPayload::parse(&payload).unwrap();
    assert_eq!(
        (p.code.as_str(), p.url.as_str()),
        (code.as_str(), server.url.as_str())
    );

    seeded_terminal(&term, 1, 64);
    // Another server (another key) at the address: refused before the code
    // is sent, and the terminal stays unenrolled.
    let impostor = Server::start(&tmp.path().join("impostor"));
    let out = run(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "--server",
            &impostor.url,
            "enrol",
            &payload,
        ],
    );
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{e}");
    assert!(
        e.contains("is not the key") && e.contains("do not enrol"),
        "{e}"
    );
    let shown = run("fieldcase", &["--data-dir", &d, "key", "show"]);
    assert!(String::from_utf8_lossy(&shown.stderr).contains("not enrolled"));
    // A damaged payload: a clear error.
    let out = run(
        "fieldcase",
        &["--data-dir", &d, "enrol", &payload.replace("key=", "kex=")],
    );
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("no server key") && e.contains("scan the code again"),
        "{e}"
    );

    // The scanned payload alone: address and key come from it.
    let out = run("fieldcase", &["--data-dir", &d, "enrol", &payload]);
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{e}");
    assert!(e.contains("执法终端 09") && e.contains("65010031"), "{e}");
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
}
