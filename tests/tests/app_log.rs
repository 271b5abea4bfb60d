//! The terminal's log: in its data folder, one file a day, and never a
//! key, a PIN or an ID number in clear — read from what the real binary
//! wrote while seeding and syncing cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fieldcase_e2e::{run_ok, Server};

fn s(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn the_log_lives_in_the_data_folder_and_holds_no_secrets_or_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    let d = s(&dir);
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "demo",
            "--cases",
            "3",
            "--video-kib",
            "16",
        ],
    );
    let server = Server::start(&tmp.path().join("server"));
    let key = run_ok("fieldcase", &["--data-dir", &d, "key", "show"]);
    server.register(key.trim(), "终端");
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );

    let logs: Vec<_> = std::fs::read_dir(dir.join("logs"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(logs.len(), 1, "one file for today");
    let name = logs[0].file_name().to_string_lossy().into_owned();
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let utc = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(
        name == format!("fieldcase.log.{today}") || name == format!("fieldcase.log.{utc}"),
        "{name}"
    );
    let text = std::fs::read_to_string(logs[0].path()).unwrap();
    assert!(
        text.contains("case opened and signed") && text.contains("synced"),
        "{text}"
    );

    let cases: serde_json::Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &d, "case", "list", "--json"],
    ))
    .unwrap();
    for c in cases.as_array().unwrap() {
        let id = c["party_id"].as_str().unwrap();
        assert!(
            !id.is_empty() && !text.contains(id),
            "party ID {id} in the log"
        );
    }
    for pin in ["246810", "135790"] {
        assert!(!text.contains(pin), "a PIN in the log");
    }
    let secret = std::fs::read(dir.join("device.key")).unwrap();
    assert!(
        !text.contains(&hex::encode(&secret)),
        "the device key in the log"
    );
}
