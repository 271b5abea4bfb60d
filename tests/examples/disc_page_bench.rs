//! The disc's own page against `fieldcase-verify`, same files, same run
//! (issue 16: the page verifies a 1 GiB case in Chromium in under twice
//! `fieldcase-verify`'s time). A terminal syncs a case with a video of MIB
//! MiB (default 1024) to the real server; the archivist builds its DVD
//! image, `osirrox` extracts it; then, warm (the fastest of three runs
//! each), `fieldcase-verify FOLDER --ca AGENCY` and the page in headless
//! Chromium (`index.html` from disk, the folder picked, the label's
//! fingerprint typed) verify the same folder; `openssl dgst -sha256` of
//! every file is the floor both stand on.
//!
//!   cargo build --release --bins && cargo run --release -p fieldcase-e2e --example disc_page_bench -- [MIB]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fieldcase_e2e::browser::{browser, driver, Engine};
use fieldcase_e2e::disc_page::{verify_cli, verify_page};
use fieldcase_e2e::free_port;
use fieldcase_e2e::office::bureau_disc_on;
use fieldcase_shared::keys::PublicKey;

fn files(dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p.to_string_lossy().into_owned());
        }
    }
}

#[tokio::main]
async fn main() {
    let mib: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("MiB"))
        .unwrap_or(1024);
    let tmp = tempfile::tempdir().unwrap();
    let d = bureau_disc_on(tmp.path(), "", mib * 1024, "dvd");
    std::fs::remove_file(&d.iso).unwrap();
    let (dir, agency) = (d.dir, d.agency);
    let mut all = Vec::new();
    files(&dir, &mut all);
    let bytes: u64 = all
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    let mb = bytes as f64 / (1024.0 * 1024.0);

    let mut reference = f64::MAX;
    let mut cli = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let out = Command::new("openssl")
            .args(["dgst", "-sha256"])
            .args(&all)
            .output()
            .expect("openssl");
        assert!(out.status.success());
        reference = reference.min(t.elapsed().as_secs_f64());
        let v = verify_cli(&dir, &["--ca", &agency]);
        assert!(v.valid, "{v:?}");
        cli = cli.min(v.seconds);
    }

    let port = free_port();
    let _driver = driver(Engine::Chromium, port);
    let c = browser(Engine::Chromium, port, &tmp.path().join("profile")).await;
    let fingerprint = agency.parse::<PublicKey>().unwrap().fingerprint();
    let mut page = f64::MAX;
    for _ in 0..3 {
        let (v, result) = verify_page(&c, &dir, &fingerprint, Duration::from_secs(600)).await;
        assert!(v.valid, "{result}");
        page = page.min(v.seconds);
    }
    c.close().await.unwrap();
    println!(
        "case {mb:.1} MiB in {} files; openssl dgst -sha256 of them {reference:.2} s ({:.0} MiB/s)",
        all.len(),
        mb / reference
    );
    println!(
        "fieldcase-verify --ca {cli:.2} s ({:.0} MiB/s), ratio to openssl {:.2}",
        mb / cli,
        cli / reference
    );
    println!(
        "index.html in Chromium {page:.2} s ({:.0} MiB/s), ratio to fieldcase-verify {:.2} (target < 2)",
        mb / page,
        page / cli
    );
}
