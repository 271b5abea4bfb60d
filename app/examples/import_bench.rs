//! Evidence import of one large file: hashing throughput of our import
//! (stream copy into the blob store, SHA-256 on the way, fsync, signed
//! record) and of our hashing alone, each as a ratio to `openssl dgst
//! -sha256` on the same file in the same run; peak memory of the process.
//!
//! `cargo run --release -p fieldcase-app --example import_bench -- 1024` (MiB)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use fieldcase_app::core::Terminal;
use fieldcase_app::evidence::EvidenceMeta;
use fieldcase_shared::model::OfficerPair;

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.unwrap())
}

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l[6..].trim().to_owned())
        })
        .unwrap_or_default()
}

fn main() {
    let mib: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1024);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("REC_0001.MP4");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..mib {
            for chunk in block.chunks_mut(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                chunk.copy_from_slice(&x.to_le_bytes());
            }
            f.write_all(&block).unwrap();
        }
    }
    let bytes = mib << 20;
    let (openssl, out) = best(3, || {
        Command::new("openssl")
            .args(["dgst", "-sha256", "-r"])
            .arg(&file)
            .output()
            .unwrap()
    });
    let reference = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_owned();
    let (hash, (digest, _)) = best(3, || fieldcase_shared::hash::sha256_file(&file).unwrap());
    assert_eq!(digest.to_hex(), reference, "same digest as openssl");

    let dir = tmp.path().join("terminal");
    let officers = OfficerPair::new("65010023", "65010031").unwrap();
    let term = Terminal::open(&dir).unwrap();
    let (case, _) = fieldcase_app::demo::opened_case(&term).unwrap();
    let mut runs = 0;
    let (import, sha) = best(3, || {
        runs += 1;
        // A fresh copy each run: the store keeps one blob per hash.
        let blob = term.store.blob_path(&digest);
        if let Some(b) = blob {
            std::fs::remove_file(b).unwrap();
        }
        term.evidence()
            .add_file(
                &officers,
                &case,
                &file,
                EvidenceMeta {
                    media_type: "video/mp4".into(),
                    original_name: format!("REC_{runs}.MP4"),
                    ..Default::default()
                },
                |_| {},
            )
            .unwrap()
    });
    assert_eq!(sha, digest);
    let mbs = |t: f64| bytes as f64 / t / 1e6;
    println!("import of a {mib} MiB file (best of 3, page cache warm)");
    println!(
        "  openssl dgst -sha256     {:>6.2} s  {:>7.0} MB/s",
        openssl,
        mbs(openssl)
    );
    println!(
        "  our SHA-256 of the file  {:>6.2} s  {:>7.0} MB/s  ratio {:.2} (target ≥ 0.9)",
        hash,
        mbs(hash),
        openssl / hash
    );
    println!(
        "  our import (copy+hash+fsync+record) {:>6.2} s  {:>7.0} MB/s  ratio {:.2}",
        import,
        mbs(import),
        openssl / import
    );
    println!("  peak RSS {}", peak_rss());
}
