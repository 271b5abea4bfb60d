//! The real `fieldcase-verify` on inputs built to exhaust it: an image
//! whose records all point at one 4 GiB extent (before: about 9.6 TB
//! read from a small image), manifests of millions of missing files,
//! names far longer than a line. Each run is measured with GNU time:
//! peak memory under 64 MB, every output line under 1 KiB, a verdict of
//! INVALID. (Time is printed, not asserted: the machine is shared.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;
use std::process::Command;

use fieldcase_e2e::bin;
use fieldcase_shared::hash::sha256;
use fieldcase_shared::iso::{plan, write_image, IsoFile, Region, VolumeInfo, SECTOR};
use fieldcase_shared::keys::DeviceKey;

const MAX_RSS_KB: u64 = 64 * 1000;

struct Run {
    code: i32,
    stdout: String,
    max_rss_kb: u64,
    seconds: f64,
}

/// Runs the verifier under GNU time (`/usr/bin/time -v`).
fn verify(path: &Path, json: bool) -> Run {
    let key = DeviceKey::from_seed([7; 32]).public().to_string();
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v")
        .arg(bin("fieldcase-verify"))
        .arg(path)
        .args(["--key", &key]);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().expect(
        "GNU time (/usr/bin/time, Debian package time) is needed: scripts/test installs it",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    let field = |name: &str| {
        err.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {err}"))
            .trim()
            .to_owned()
    };
    let max_rss_kb = field("Maximum resident set size (kbytes):")
        .parse()
        .unwrap();
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):");
    let seconds = wall
        .rsplit(':')
        .next()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(0.0);
    let code = field("Exit status:").parse().unwrap();
    Run {
        code,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        max_rss_kb,
        seconds,
    }
}

fn check_bounded(what: &str, r: &Run) {
    eprintln!(
        "{what}: exit {}, peak RSS {} kB, {:.2} s, {} bytes of output",
        r.code,
        r.max_rss_kb,
        r.seconds,
        r.stdout.len()
    );
    assert_eq!(
        r.code,
        1,
        "{what}: {}",
        &r.stdout[..r.stdout.len().min(3000)]
    );
    assert!(r.stdout.starts_with("INVALID") || r.stdout.contains("\"INVALID\""));
    assert!(r.max_rss_kb < MAX_RSS_KB, "{what}: {} kB", r.max_rss_kb);
    let longest = r.stdout.lines().map(str::len).max().unwrap_or(0);
    assert!(longest <= 1024, "{what}: a line of {longest} bytes");
}

#[test]
fn records_pointing_at_one_huge_extent_are_read_at_most_once() {
    let tmp = tempfile::tempdir().unwrap();
    let files: Vec<IsoFile> = (0..2400)
        .map(|i| IsoFile {
            path: format!("data/evidence/{i:05}.jpg"),
            size: 1,
        })
        .collect();
    let vol = VolumeInfo {
        volume_id: "FC_HOSTILE".into(),
        joliet_volume_id: "hostile".into(),
        application: "FIELDCASE test".into(),
        time: chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap(),
    };
    let layout = plan(&files, &vol).unwrap();
    let mut img = Vec::new();
    write_image(&layout, &mut img, |_, w| std::io::Write::write_all(w, b"x")).unwrap();
    // Every file record of both trees: extent = sector 16, 4 GiB − 2 KiB.
    for (lba, region) in layout.regions() {
        if !matches!(region, Region::Directory(..)) {
            continue;
        }
        let start = (lba * SECTOR) as usize;
        let len = layout.region_bytes(region).len();
        let mut at = start;
        while at < start + len {
            let n = img[at] as usize;
            if n == 0 {
                at = (at / 2048 + 1) * 2048;
                continue;
            }
            if img[at + 25] & 0x02 == 0 {
                img[at + 2..at + 6].copy_from_slice(&16u32.to_le_bytes());
                img[at + 6..at + 10].copy_from_slice(&16u32.to_be_bytes());
                img[at + 10..at + 14].copy_from_slice(&0xFFFF_F800u32.to_le_bytes());
                img[at + 14..at + 18].copy_from_slice(&0xFFFF_F800u32.to_be_bytes());
            }
            at += n;
        }
    }
    let path = tmp.path().join("amplify.iso");
    fs::write(&path, &img).unwrap();
    eprintln!("hostile image: {} bytes", img.len());
    for json in [false, true] {
        let r = verify(&path, json);
        check_bounded(&format!("one huge extent (json {json})"), &r);
        assert!(
            r.stdout.contains("overlaps another file"),
            "{}",
            &r.stdout[..2000]
        );
        assert!(
            r.stdout.contains("not listed") || r.stdout.contains("\"not_listed\""),
            "the problems beyond the list are counted"
        );
    }
}

/// A bag folder whose manifest names `lines` missing files.
fn bag_with_manifest(dir: &Path, lines: usize, name_len: usize) {
    fs::create_dir_all(dir.join("data")).unwrap();
    let mut manifest = String::with_capacity(lines * (70 + name_len));
    for i in 0..lines {
        let name = format!("data/{i:08}{}", "x".repeat(name_len.saturating_sub(8)));
        manifest.push_str(&format!("{}  {name}\n", sha256(name.as_bytes())));
    }
    fs::write(dir.join("manifest-sha256.txt"), &manifest).unwrap();
    let bagit = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
    fs::write(dir.join("bagit.txt"), bagit).unwrap();
    let info = "Payload-Oxum: 0.0\n";
    fs::write(dir.join("bag-info.txt"), info).unwrap();
    let tags = format!(
        "{}  bag-info.txt\n{}  bagit.txt\n{}  manifest-sha256.txt\n",
        sha256(info.as_bytes()),
        sha256(bagit.as_bytes()),
        sha256(manifest.as_bytes())
    );
    fs::write(dir.join("tagmanifest-sha256.txt"), tags).unwrap();
}

#[test]
fn huge_manifests_stay_in_bounded_memory_and_output() {
    let tmp = tempfile::tempdir().unwrap();
    // Just under the 8 MiB manifest limit: read and checked, 94,000
    // missing files, problems listed up to the limit and counted.
    let under = tmp.path().join("under");
    bag_with_manifest(&under, 94_000, 16);
    // 62 MB: refused as too large to read.
    let over = tmp.path().join("over");
    bag_with_manifest(&over, 700_000, 16);
    // Long names: every field is cut with a marker.
    let long = tmp.path().join("long");
    bag_with_manifest(&long, 50, 4000);
    for (what, dir) in [
        ("8 MB manifest", &under),
        ("62 MB manifest", &over),
        ("long names", &long),
    ] {
        let bytes = fs::metadata(dir.join("manifest-sha256.txt")).unwrap().len();
        for json in [false, true] {
            let r = verify(dir, json);
            check_bounded(&format!("{what} ({bytes} bytes, json {json})"), &r);
        }
    }
    let r = verify(&long, false);
    assert!(r.stdout.contains("more bytes cut]"), "{}", r.stdout);
    let r = verify(&under, false);
    assert!(
        r.stdout.contains("more MISSING problems not listed"),
        "{}",
        &r.stdout[..500]
    );
}

/// Every metadata file of a real bag grown to its limit at once — the
/// manifest, case.json and chain.json, each valid JSON or lines the
/// verifier parses — so their sum is at the total limit.
#[test]
fn every_metadata_file_at_its_limit_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let term = tmp.path().join("terminal");
    let d = term.to_string_lossy().into_owned();
    let cmd = |args: &[&str]| fieldcase_e2e::run_ok("fieldcase", args);
    cmd(&[
        "--data-dir",
        &d,
        "demo",
        "--cases",
        "1",
        "--video-kib",
        "16",
    ]);
    let list: serde_json::Value =
        serde_json::from_str(&cmd(&["--data-dir", &d, "case", "list", "--json"])).unwrap();
    let case = list[0]["case_no"].as_str().unwrap().to_owned();
    let bag = tmp.path().join("bag");
    cmd(&[
        "--data-dir",
        &d,
        "bag",
        "export",
        &case,
        &bag.to_string_lossy(),
    ]);
    let grow = |file: &str, array: &str| {
        let p = bag.join(file);
        let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&p).unwrap()).unwrap();
        let one = v[array][0].clone();
        let each = serde_json::to_vec(&one).unwrap().len() + 1;
        let n = (8 << 20) / each - 8;
        v[array] = serde_json::Value::Array(vec![one; n]);
        fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
        n
    };
    let evidence = grow("data/case.json", "evidence");
    let links = grow("data/chain.json", "links");
    let mut manifest = fs::read_to_string(bag.join("manifest-sha256.txt")).unwrap();
    let mut i = 0u64;
    while manifest.len() < (8 << 20) - 200 {
        let name = format!("data/evidence/{i:06}-planted.jpg");
        manifest.push_str(&format!("{}  {name}\n", sha256(name.as_bytes())));
        i += 1;
    }
    fs::write(bag.join("manifest-sha256.txt"), manifest).unwrap();
    eprintln!(
        "case.json with {evidence} evidence entries, chain.json with {links} links, manifest with {i} more lines"
    );
    for json in [false, true] {
        let r = verify(&bag, json);
        check_bounded(&format!("all metadata at its limit (json {json})"), &r);
    }
}
