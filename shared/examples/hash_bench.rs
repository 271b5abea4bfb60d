//! Streaming SHA-256 throughput against `openssl dgst -sha256` (and
//! coreutils `sha256sum`) on the same file, in the same run, plus our peak
//! memory. Not a test: run it and read the ratio.
//!
//! `cargo run --release -p fieldcase-shared --example hash_bench -- [MiB]`
#![allow(clippy::unwrap_used, clippy::expect_used)] // a measuring tool

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use fieldcase_shared::hash::sha256_file;

fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(v);
    }
    (best, last.expect("at least one run"))
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn tool_seconds(program: &str, args: &[&str]) -> Option<(f64, String)> {
    let (t, out) = best_of(3, || Command::new(program).args(args).output());
    let out = out.ok()?;
    out.status
        .success()
        .then(|| (t, String::from_utf8_lossy(&out.stdout).into_owned()))
}

fn main() {
    let mib: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1024);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("evidence.bin");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..mib {
            for c in block.chunks_mut(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                c.copy_from_slice(&x.to_le_bytes());
            }
            f.write_all(&block).expect("write");
        }
    }
    let p = path.to_string_lossy().into_owned();
    // Warm the page cache so every contender reads from memory.
    let _ = sha256_file(&path);

    let (ours, (digest, len)) = best_of(3, || sha256_file(&path).expect("hash"));
    let mb = len as f64 / 1e6;
    println!("file: {mib} MiB ({len} bytes), best of 3 runs each");
    println!(
        "fieldcase sha256_file : {ours:>7.3} s  {:>7.0} MB/s",
        mb / ours
    );
    match tool_seconds("openssl", &["dgst", "-sha256", &p]) {
        Some((t, out)) => {
            assert!(out.contains(&digest.to_hex()), "openssl disagrees: {out}");
            println!("openssl dgst -sha256  : {t:>7.3} s  {:>7.0} MB/s", mb / t);
            println!("ratio (our throughput / openssl's): {:.2}", t / ours);
        }
        None => println!("openssl not found: no reference ratio"),
    }
    if let Some((t, out)) = tool_seconds("sha256sum", &[&p]) {
        assert!(
            out.starts_with(&digest.to_hex()),
            "sha256sum disagrees: {out}"
        );
        println!("coreutils sha256sum   : {t:>7.3} s  {:>7.0} MB/s", mb / t);
    }
    println!(
        "peak RSS of this process: {} MiB (the file is {mib} MiB)",
        peak_rss_kib() / 1024
    );
}
