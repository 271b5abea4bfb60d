//! A real IPP Everywhere printer for the tests: CUPS's `ippeveprinter` on
//! a loopback port, keeping each job it receives in a spool folder.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{wait_for, Guard};

/// Starts `ippeveprinter` on `port` (PDF, as a portable printer takes
/// it), spooling jobs into `spool`; call [`crate::ensure_avahi`] first.
pub fn printer(port: u16, spool: &Path) -> Guard {
    std::fs::create_dir_all(spool).unwrap_or_else(|e| panic!("{}: {e}", spool.display()));
    let bin = ["/usr/sbin/ippeveprinter", "ippeveprinter"]
        .into_iter()
        .find(|b| !b.starts_with('/') || Path::new(b).exists())
        .unwrap_or("ippeveprinter");
    let child = Command::new(bin)
        .args([
            "-p",
            &port.to_string(),
            "-d",
            &spool.to_string_lossy(),
            "-k",
        ])
        .args(["-f", "application/pdf", "-n", "localhost", "fieldcase-roll"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ippeveprinter (package cups-ipp-utils)");
    wait_for("ippeveprinter", Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    Guard(child)
}

/// The PDF jobs the printer kept, in the order of their file names.
pub fn spooled(spool: &Path) -> Vec<Vec<u8>> {
    let mut files: Vec<_> = std::fs::read_dir(spool)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_else(|_| Vec::new());
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "pdf"));
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read(f).unwrap_or_default())
        .collect()
}

/// The agency name the tests print.
pub const AGENCY: &str = "乌鲁木齐市交通运输综合行政执法支队";

/// A simple-procedure case of the terminal in `term` (demo cases): the
/// first whose 当场行政处罚决定书 renders, written to `out` on the 80 mm
/// roll (the agency name is kept for later prints).
pub fn simple_case(term: &str, out: &Path) -> String {
    let list: serde_json::Value = serde_json::from_str(&crate::run_ok(
        "fieldcase",
        &["--data-dir", term, "case", "list", "--json"],
    ))
    .expect("case list --json is JSON");
    let out = out.to_string_lossy();
    let args = |c: &str| {
        [
            "--data-dir",
            term,
            "document",
            c,
            "on_the_spot_decision",
            "--paper",
            "roll80",
            "--agency",
            AGENCY,
            "--out",
            &out,
        ]
        .map(str::to_owned)
    };
    list.as_array()
        .expect("cases")
        .iter()
        .filter_map(|c| c["case_no"].as_str())
        .find(|c| {
            let a = args(c);
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            crate::run("fieldcase", &a).status.success()
        })
        .expect("a simple-procedure case among the demo cases")
        .to_owned()
}
