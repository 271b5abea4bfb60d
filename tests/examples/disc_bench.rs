//! A disc built at the bureau, release binaries, loopback, same run: a
//! terminal syncs a case with a video of MIB MiB to the real server (file
//! store); the archivist's 归档刻盘 (`POST …/discs`: every byte read and
//! the image hashed) and the image's download (made again and checked), each
//! against `openssl dgst -sha256` of the downloaded image (warm: the fastest
//! of three runs) — the least any builder that checks the image must do.
//!
//!   cargo build --release --bins && cargo run --release -p fieldcase-e2e --example disc_bench -- [MIB]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Instant;

use fieldcase_e2e::office::{curl, link_after, post};
use fieldcase_e2e::{office_login, run_ok, seeded_terminal, Server};

const PW: &str = "bench password 1";

fn main() {
    let mib: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("MiB"))
        .unwrap_or(256);
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(&tmp.path().join("server"));
    let term = tmp.path().join("term");
    let key = seeded_terminal(&term, 1, mib * 1024);
    server.register(&key, "执法终端 01");
    let d = term.to_string_lossy().into_owned();
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    server.add_staff("shen", "reviewer", "", PW);
    server.add_staff("dang", "archivist", "", PW);
    let base = server.url.clone();
    let reviewer = office_login(&base, "shen", PW);
    let archivist = office_login(&base, "dang", PW);
    let inbox = curl(&["-H", &reviewer, &format!("{base}/office/cases")]);
    let case = link_after(&inbox, "/office/cases/")
        .trim_start_matches("/office/cases/")
        .to_owned();
    post(&base, &reviewer, &case, "review", &[("step", "start")]);
    post(&base, &reviewer, &case, "review", &[("step", "approve")]);

    let t = Instant::now();
    post(&base, &archivist, &case, "discs", &[("medium", "dvd")]);
    let build = t.elapsed().as_secs_f64();
    let page = curl(&["-H", &archivist, &format!("{base}/office/cases/{case}")]);
    let url = link_after(&page, "/discs/").to_owned();
    let iso = tmp.path().join("disc.iso");
    let t = Instant::now();
    curl(&[
        "-H",
        &archivist,
        "-o",
        &iso.to_string_lossy(),
        &format!("{base}{url}"),
    ]);
    let download = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(&iso).unwrap().len();
    // The reference, warm: the fastest of three runs.
    let mut reference = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let out = Command::new("openssl")
            .args(["dgst", "-sha256"])
            .arg(&iso)
            .output()
            .expect("openssl");
        assert!(out.status.success());
        reference = reference.min(t.elapsed().as_secs_f64());
    }
    let mb = size as f64 / (1024.0 * 1024.0);
    println!(
        "image {mb:.1} MiB; openssl dgst -sha256 of it {reference:.2} s ({:.0} MiB/s)",
        mb / reference
    );
    println!(
        "build (read, lay out, hash, sign) {build:.2} s ({:.0} MiB/s), ratio to openssl {:.2}",
        mb / build,
        build / reference
    );
    println!(
        "download (made again, checked, over loopback) {download:.2} s ({:.0} MiB/s), ratio to openssl {:.2}",
        mb / download,
        download / reference
    );
}
