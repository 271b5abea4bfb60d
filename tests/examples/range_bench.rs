//! Evidence streamed from the S3 store through the back office, loopback,
//! release binaries, same run:
//! - first bytes of a range request (`Range: bytes=…`, 64 KiB at spread
//!   offsets, the way a video player seeks: the time until those bytes
//!   are all in) through
//!   `/office/cases/{case}/evidence/{sha256}`, against the same range read
//!   straight from the S3-protocol server (moto) by `curl`;
//! - throughput of the whole video through the office, as a ratio to
//!   `curl` of the same object from the S3 server directly: five
//!   interleaved rounds (or the second argument), ratio of medians, and
//!   the CPU seconds per GiB the server and moto spent on the office's.
//!
//!   cargo build --release --bins && cargo run --release -p fieldcase-e2e --example range_bench -- [MIB [ROUNDS]]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use fieldcase_e2e::{
    cpu_seconds, largest_evidence, office_login, run_ok, seeded_terminal, Moto, Server,
};

const PW: &str = "bench password 1";

/// `curl` of `url` with `headers`, body discarded; (total s, bytes/s, bytes).
fn curl(url: &str, headers: &[String]) -> (f64, f64, u64) {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-f", "-o", "/dev/null", "-w"])
        .arg("%{time_total} %{speed_download} %{size_download}");
    for h in headers {
        cmd.args(["-H", h]);
    }
    let out = cmd.arg(url).output().expect("curl");
    assert!(
        out.status.success(),
        "curl {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let v: Vec<f64> = text.split(' ').map(|x| x.parse().unwrap()).collect();
    (v[0], v[1], v[2] as u64)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn p95(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(v.len() * 95 / 100).min(v.len() - 1)]
}

fn main() {
    let mib: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("MiB"))
        .unwrap_or(256);
    std::env::set_var("AWS_ACCESS_KEY_ID", "fieldcase-bench");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "fieldcase-bench-secret");
    let tmp = tempfile::tempdir().unwrap();
    let moto = Moto::start();
    moto.create_bucket("fieldcase");
    let server = Server::start_with(
        &tmp.path().join("server"),
        &["--s3-bucket", "fieldcase", "--s3-endpoint", &moto.endpoint],
    );
    let term = tmp.path().join("term");
    let key = seeded_terminal(&term, 1, mib * 1024);
    server.register(&key, "执法终端 01");
    let d = term.to_string_lossy().into_owned();
    run_ok(
        "fieldcase",
        &["--data-dir", &d, "sync", "--server", &server.url],
    );
    let cases: serde_json::Value = serde_json::from_str(&run_ok(
        "fieldcase",
        &["--data-dir", &d, "case", "list", "--json"],
    ))
    .unwrap();
    let case_id = cases[0]["case_id"].as_str().unwrap().to_owned();
    let (video, size) = largest_evidence(&term);
    server.add_staff("bench", "reviewer", "", PW);
    let session = office_login(&server.url, "bench", PW);
    let office = format!(
        "{}/office/cases/{case_id}/evidence/{}",
        server.url,
        video.to_hex()
    );
    let direct = format!("{}/fieldcase/blobs/{}", moto.endpoint, video.to_hex());
    println!(
        "video {:.1} MiB in the S3 store; office {office}",
        size as f64 / 1048576.0
    );

    // 64 KiB ranges at spread offsets, interleaved.
    const R: u64 = 64 * 1024;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for i in 0..20u64 {
        let start = (size - R) / 19 * i;
        let range = format!("Range: bytes={start}-{}", start + R - 1);
        let (t, _, n) = curl(&office, &[session.clone(), range.clone()]);
        assert_eq!(n, R);
        ours.push(t * 1000.0);
        let (t, _, n) = curl(&direct, &[range]);
        assert_eq!(n, R);
        theirs.push(t * 1000.0);
    }
    println!(
        "64 KiB range, all in (ms)  office p50 {:.1} p95 {:.1}  |  S3 direct p50 {:.1} p95 {:.1}",
        median(ours.clone()),
        p95(ours),
        median(theirs.clone()),
        p95(theirs)
    );

    // Whole object, interleaved rounds (5, or the second argument); the
    // server's and moto's CPU seconds per GiB through the office.
    let rounds: usize = std::env::args()
        .nth(2)
        .map(|a| a.parse().expect("rounds"))
        .unwrap_or(5);
    let (mut ours, mut theirs, mut cpu) = (Vec::new(), Vec::new(), Vec::new());
    for round in 1..=rounds {
        let before = (cpu_seconds(server.pid()), cpu_seconds(moto.pid()));
        let (_, speed, n) = curl(&office, std::slice::from_ref(&session));
        let gib = size as f64 / 1073741824.0;
        cpu.push((
            (cpu_seconds(server.pid()) - before.0) / gib,
            (cpu_seconds(moto.pid()) - before.1) / gib,
        ));
        assert_eq!(n, size);
        ours.push(speed);
        let (_, direct_speed, n) = curl(&direct, &[]);
        assert_eq!(n, size);
        theirs.push(direct_speed);
        println!(
            "round {round}: office {:.0} MiB/s, S3 direct {:.0} MiB/s",
            speed / 1048576.0,
            direct_speed / 1048576.0
        );
    }
    println!(
        "CPU s/GiB through the office: server {:.2}, moto {:.2} (medians)",
        median(cpu.iter().map(|c| c.0).collect()),
        median(cpu.iter().map(|c| c.1).collect())
    );
    let (o, t) = (median(ours), median(theirs));
    println!(
        "streaming: office {:.0} MiB/s, S3 direct (curl) {:.0} MiB/s, ratio {:.2}",
        o / 1048576.0,
        t / 1048576.0,
        o / t
    );
}
