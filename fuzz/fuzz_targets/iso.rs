//! ISO 9660 reader on damaged and hostile images: never panics, never
//! loops, never reads outside the image. Input bytes are patches
//! `(offset u16 LE in sectors 16–40, value)` applied to a valid image with a
//! Joliet tree, nested folders and a multi-sector file, so the fuzzer
//! reaches the directory parser instead of stopping at "not an ISO".
#![no_main]
use std::io::Cursor;
use std::sync::OnceLock;

use fieldcase_shared::iso::{plan, write_image, IsoFile, IsoTree, VolumeInfo};
use libfuzzer_sys::fuzz_target;

fn base() -> &'static Vec<u8> {
    static BASE: OnceLock<Vec<u8>> = OnceLock::new();
    BASE.get_or_init(|| {
        let files: Vec<IsoFile> = [
            ("bagit.txt", 55u64),
            ("data/case.json", 3000),
            ("data/evidence/001-abc.jpg", 5000),
            ("data/records/00000001.dsse.json", 700),
            ("data/thumbs/001-abc.jpg", 10),
            ("manifest-sha256.txt", 200),
        ]
        .iter()
        .map(|(p, s)| IsoFile { path: (*p).into(), size: *s })
        .collect();
        let vol = VolumeInfo {
            volume_id: "FUZZ".into(),
            joliet_volume_id: "案号".into(),
            application: "fuzz".into(),
            time: chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap(),
        };
        let layout = plan(&files, &vol).unwrap();
        let mut out = Vec::new();
        write_image(&layout, &mut out, |i, w| {
            w.write_all(&vec![b'x'; layout.files()[i].size as usize])
        })
        .unwrap();
        out
    })
}

fuzz_target!(|data: &[u8]| {
    let mut img = base().clone();
    if data.first() == Some(&0xFF) {
        // Raw mode: the input is the whole image.
        img = data[1..].to_vec();
    } else {
        for p in data.chunks_exact(3) {
            let off = 16 * 2048 + u16::from_le_bytes([p[0], p[1]]) as usize * 8;
            if off < img.len() {
                img[off] = p[2];
            }
        }
        if let Some(&cut) = data.last() {
            if cut == 0xFE {
                img.truncate(img.len() / 2);
            }
        }
    }
    let mut r = Cursor::new(&img);
    if let Ok(tree) = IsoTree::read(&mut r) {
        let mut total = 0u64;
        let _ = tree.read_files(&mut r, |_| true, |_, c| total += c.len() as u64);
        assert!(total <= img.len() as u64 * 64, "read far more than the image holds");
    }
});
