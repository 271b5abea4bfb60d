//! Printing at the roadside against a real IPP Everywhere printer
//! simulator, `ippeveprinter` (CUPS), started on a loopback port with a
//! spool folder it keeps the jobs in: the terminal sends the 当场行政处罚
//! 决定书 and the job the printer keeps is byte for byte our PDF; with the
//! printer off the document stays queued with a clear message, and
//! `printer retry` sends it once the printer is back.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::time::Duration;

use fieldcase_e2e::ipp::{printer, simple_case, spooled};
use fieldcase_e2e::{ensure_avahi, free_port, run, run_ok, seeded_terminal, wait_for};
use serde_json::Value;

#[test]
fn the_decision_reaches_the_printer_and_a_failed_print_stays_queued() {
    ensure_avahi();
    let dir = tempfile::tempdir().unwrap();
    let term = dir.path().join("term");
    // Sixteen demo cases: the demo draws its violations; one must be simple.
    seeded_terminal(&term, 16, 0);
    let t = term.to_string_lossy().into_owned();
    let reference = dir.path().join("reference.pdf");
    let case_no = simple_case(&t, &reference);
    let ours = std::fs::read(&reference).unwrap();

    let port = free_port();
    let spool = dir.path().join("spool");
    let uri = format!("ipp://localhost:{port}/ipp/print");
    let p = printer(port, &spool);
    let out = run_ok("fieldcase", &["--data-dir", &t, "printer", "set", &uri]);
    assert!(out.contains("就绪"), "{out}");
    let out = run_ok(
        "fieldcase",
        &["--data-dir", &t, "print", &case_no, "on_the_spot_decision"],
    );
    assert!(out.contains("sent, printer job"), "{out}");
    wait_for("the spooled job", Duration::from_secs(20), || {
        spooled(&spool).len() == 1
    });
    assert_eq!(spooled(&spool)[0], ours, "the printer's job is our PDF");

    // The printer off: the document stays queued, with the reason.
    drop(p);
    let out = run(
        "fieldcase",
        &["--data-dir", &t, "print", &case_no, "on_the_spot_decision"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not printed"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("文书已留在打印队列"));
    let status: Value = serde_json::from_slice(
        &run(
            "fieldcase",
            &["--data-dir", &t, "printer", "status", "--json"],
        )
        .stdout,
    )
    .unwrap();
    let queued = status["queued"].as_array().unwrap();
    assert_eq!(queued.len(), 1, "{status}");
    assert!(queued[0]["message"]
        .as_str()
        .unwrap()
        .contains("打印机无响应"));
    assert!(status["error"].as_str().is_some());

    // Back on: retry sends it.
    let spool2 = dir.path().join("spool2");
    let _p = printer(port, &spool2);
    let out = run_ok("fieldcase", &["--data-dir", &t, "printer", "retry"]);
    assert!(out.contains("sent, printer job"), "{out}");
    wait_for("the retried job", Duration::from_secs(20), || {
        spooled(&spool2).len() == 1
    });
    assert_eq!(spooled(&spool2)[0], ours);
    let status: Value = serde_json::from_slice(
        &run(
            "fieldcase",
            &["--data-dir", &t, "printer", "status", "--json"],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(status["queued"].as_array().unwrap().len(), 0);
    assert!(status["status"]["pdf"].as_bool().unwrap(), "{status}");
}
