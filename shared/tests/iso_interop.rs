//! The ISO writer's output read back by the reference tools: `xorriso`,
//! `osirrox` and `isoinfo` (Debian packages `xorriso`, `genisoimage`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::io::Write;
use std::path::Path;

use chrono::DateTime;
use fieldcase_shared::iso::{plan, write_image, IsoFile, VolumeInfo};

mod common;
use common::tool;

fn bytes_for(path: &str, size: usize) -> Vec<u8> {
    path.bytes().cycle().take(size).collect()
}

const FILES: &[(&str, usize)] = &[
    ("bagit.txt", 55),
    ("bag-info.txt", 300),
    ("data/case.json", 9000),
    ("data/evidence/001-0a1b2c3d4e5f.jpg", 70_000),
    ("data/evidence/002-0a1b2c3d4e5f.mp4.001", 4097),
    ("data/records/00000001.dsse.json", 1500),
    (
        "data/a-very-long-name-that-goes-on-and-on-and-on-1234567890abcdefgh",
        3,
    ),
    ("data/x-y", 1),
    ("data/x_y", 2),
    ("readme.txt", 10),
    ("index.html", 2000),
];

fn make(dir: &Path) -> std::path::PathBuf {
    let list: Vec<IsoFile> = FILES
        .iter()
        .map(|(p, s)| IsoFile {
            path: (*p).into(),
            size: *s as u64,
        })
        .collect();
    let vol = VolumeInfo {
        volume_id: "FC_TEST".into(),
        joliet_volume_id: "乌交执〔2026〕00001号".into(),
        application: "fieldcase".into(),
        time: DateTime::parse_from_rfc3339("2026-11-28T10:11:12+08:00").unwrap(),
    };
    let layout = plan(&list, &vol).unwrap();
    let img = dir.join("t.iso");
    let mut f = std::io::BufWriter::new(fs::File::create(&img).unwrap());
    write_image(&layout, &mut f, |i, w| {
        let e = &layout.files()[i];
        w.write_all(&bytes_for(&e.path, e.size as usize))
    })
    .unwrap();
    f.flush().unwrap();
    img
}

#[test]
fn xorriso_osirrox_and_isoinfo_read_our_images() {
    let dir = tempfile::tempdir().unwrap();
    let img = make(dir.path());
    let img_s = img.to_str().unwrap();

    let (ok, text) = tool("xorriso", &["-indev", img_s, "-find", "/", "-exec", "lsdl"]);
    assert!(ok, "{text}");
    assert!(
        !text.contains("FAILURE") && !text.contains("SORRY"),
        "{text}"
    );
    for (p, size) in FILES {
        let line = text
            .lines()
            .find(|l| l.ends_with(&format!("'/{p}'")))
            .unwrap_or_else(|| panic!("xorriso does not list {p}:\n{text}"));
        assert!(line.contains(&format!(" {size} ")), "{line}");
    }

    let (ok, text) = tool("isoinfo", &["-i", img_s, "-l", "-J"]);
    assert!(ok, "{text}");
    for (p, _) in FILES {
        let name = p.rsplit('/').next().unwrap();
        assert!(
            text.contains(name),
            "isoinfo -J does not list {name}:\n{text}"
        );
    }
    let (ok, text) = tool("isoinfo", &["-i", img_s, "-d"]);
    assert!(ok, "{text}");
    assert!(text.contains("Volume id: FC_TEST"), "{text}");
    assert!(text.contains("Joliet"), "{text}");

    let out = dir.path().join("x");
    let (ok, text) = tool(
        "osirrox",
        &["-indev", img_s, "-extract", "/", out.to_str().unwrap()],
    );
    assert!(ok, "{text}");
    let found = common::tree(&out);
    let mut want: Vec<String> = FILES.iter().map(|(p, _)| (*p).to_owned()).collect();
    want.sort();
    assert_eq!(found, want);
    for (p, size) in FILES {
        assert_eq!(fs::read(out.join(p)).unwrap(), bytes_for(p, *size), "{p}");
    }
}
