use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};

use chrono::DateTime;
use proptest::prelude::*;

use super::*;

fn vol() -> VolumeInfo {
    VolumeInfo {
        volume_id: "fc-test".into(),
        joliet_volume_id: "乌交执〔2026〕00001号".into(),
        application: "fieldcase test".into(),
        time: DateTime::parse_from_rfc3339("2026-11-28T10:11:12+08:00").unwrap(),
    }
}

fn content(path: &str, size: u64) -> Vec<u8> {
    let seed = path
        .bytes()
        .fold(7u8, |a, b| a.wrapping_mul(31).wrapping_add(b));
    (0..size).map(|i| seed.wrapping_add(i as u8)).collect()
}

fn build(files: &[(&str, u64)]) -> (IsoLayout, Vec<u8>) {
    let list: Vec<IsoFile> = files
        .iter()
        .map(|(p, s)| IsoFile {
            path: (*p).to_owned(),
            size: *s,
        })
        .collect();
    let layout = plan(&list, &vol()).unwrap();
    let mut out = Vec::new();
    write_image(&layout, &mut out, |i, w| {
        let f = &layout.files()[i];
        w.write_all(&content(&f.path, f.size))
    })
    .unwrap();
    (layout, out)
}

#[test]
fn round_trip_names_sizes_bytes() {
    let files = [
        ("bagit.txt", 55),
        ("data/evidence/001-abc.jpg", 5000),
        ("data/evidence/002-abc.jpg", 0),
        ("data/records/00000001.dsse.json", 2049),
        ("data/case.json", 4096),
        ("README.TXT", 10),
        ("a-b", 1),
        ("a_b", 2),
    ];
    let (layout, img) = build(&files);
    assert_eq!(img.len() as u64, layout.image_bytes());
    let mut r = Cursor::new(&img);
    let tree = IsoTree::read(&mut r).unwrap();
    assert!(tree.joliet);
    assert!(tree.problems.is_empty(), "{:?}", tree.problems);
    assert_eq!(tree.volume_id, "乌交执〔2026〕00001号");
    assert_eq!(tree.volume_bytes, img.len() as u64);
    let mut want: Vec<_> = files.iter().map(|(p, s)| ((*p).to_owned(), *s)).collect();
    want.sort();
    let got: Vec<_> = tree
        .files
        .iter()
        .map(|e| (e.path.clone(), e.size()))
        .collect();
    assert_eq!(got, want);
    let mut bytes = vec![Vec::new(); tree.files.len()];
    tree.read_files(
        &mut r,
        |_| true,
        |i, chunk| bytes[i].extend_from_slice(chunk),
    )
    .unwrap();
    for (e, b) in tree.files.iter().zip(&bytes) {
        assert_eq!(b, &content(&e.path, e.size()), "{}", e.path);
    }
}

#[test]
fn same_input_same_bytes() {
    let files = [("x/y/z.bin", 3000), ("x/a", 1)];
    let (_, a) = build(&files);
    let (_, b) = build(&[files[1], files[0]]);
    assert_eq!(a, b);
}

#[test]
fn rejects_names_it_cannot_store() {
    for bad in ["a/../b", "a//b", "a;1", "名字", "a/b/c/d/e/f/g/h/i"] {
        let r = plan(
            &[IsoFile {
                path: bad.into(),
                size: 1,
            }],
            &vol(),
        );
        assert!(matches!(r, Err(IsoError::BadName(_))), "{bad}");
    }
    let r = plan(
        &[
            IsoFile {
                path: "a".into(),
                size: 1,
            },
            IsoFile {
                path: "a/b".into(),
                size: 1,
            },
        ],
        &vol(),
    );
    assert!(matches!(r, Err(IsoError::BadName(_))));
}

#[test]
fn not_an_iso() {
    let r = IsoTree::read(&mut Cursor::new(vec![0u8; 100_000]));
    assert!(matches!(r, Err(IsoError::NotIso(_))));
    let r = IsoTree::read(&mut Cursor::new(Vec::new()));
    assert!(matches!(r, Err(IsoError::NotIso(_))));
}

#[test]
fn truncated_image_reads_what_is_there() {
    let (_, mut img) = build(&[("a.bin", 10_000), ("b.bin", 10_000)]);
    img.truncate(img.len() - 5000);
    let mut r = Cursor::new(&img);
    let tree = IsoTree::read(&mut r).unwrap();
    assert!(tree.image_bytes < tree.volume_bytes);
    let mut n = [0u64; 2];
    tree.read_files(&mut r, |_| true, |i, c| n[i] += c.len() as u64)
        .unwrap();
    assert_eq!(n[0], 10_000);
    assert!(n[1] < 10_000);
}

/// Keeps the first `keep` bytes written; reads zeros after them.
struct Sparse {
    head: Vec<u8>,
    len: u64,
    pos: u64,
    keep: usize,
}

impl Write for Sparse {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.keep.saturating_sub(self.head.len());
        self.head.extend_from_slice(&buf[..buf.len().min(room)]);
        self.len += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Read for Sparse {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let n = (buf.len() as u64).min(left) as usize;
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = self.head.get(self.pos as usize + i).copied().unwrap_or(0);
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Sparse {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => self.len.saturating_add_signed(d),
            SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
        };
        Ok(self.pos)
    }
}

#[test]
fn file_over_4_gib_spans_extents() {
    let big = 2 * MAX_EXTENT + 12_345;
    let layout = plan(
        &[
            IsoFile {
                path: "data/big.mp4".into(),
                size: big,
            },
            IsoFile {
                path: "data/small".into(),
                size: 3,
            },
        ],
        &vol(),
    )
    .unwrap();
    let mut sink = Sparse {
        head: Vec::new(),
        len: 0,
        pos: 0,
        keep: 1 << 20,
    };
    let zeros = vec![0u8; 1 << 20];
    write_image(&layout, &mut sink, |i, w| {
        let mut left = layout.files()[i].size;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            w.write_all(&zeros[..n])?;
            left -= n as u64;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(sink.len, layout.image_bytes());
    let tree = IsoTree::read(&mut sink).unwrap();
    assert!(tree.problems.is_empty(), "{:?}", tree.problems);
    let e = &tree.files[0];
    assert_eq!(e.path, "data/big.mp4");
    assert_eq!(e.extents.len(), 3);
    assert_eq!(e.size(), big);
    assert_eq!(e.extents[1].0, e.extents[0].0 + MAX_EXTENT);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn reader_never_panics_on_damage(flips in proptest::collection::vec((0usize..60_000, any::<u8>()), 1..40)) {
        let (_, mut img) = build(&[("a/b.bin", 3000), ("c", 10), ("a/d/e", 7)]);
        for (at, v) in flips {
            let at = at % img.len();
            img[at] = v;
        }
        let mut r = Cursor::new(&img);
        if let Ok(tree) = IsoTree::read(&mut r) {
            let _ = tree.read_files(&mut r, |_| true, |_, _| {});
        }
    }

    #[test]
    fn names_round_trip(names in proptest::collection::btree_set("[a-z0-9][a-z0-9._-]{0,63}", 1..30)) {
        let files: Vec<(&str, u64)> = names.iter().map(|n| (n.as_str(), 1)).collect();
        let (_, img) = build(&files);
        let tree = IsoTree::read(&mut Cursor::new(&img)).unwrap();
        let got: Vec<&str> = tree.files.iter().map(|e| e.path.as_str()).collect();
        let want: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        prop_assert_eq!(got, want);
        prop_assert_eq!(tree.primary.len(), names.len());
        let d = departures(&mut Cursor::new(&img), &tree).unwrap();
        prop_assert!(d.is_empty(), "{:?}", d);
    }

    /// Every byte before the file data is checked: a changed byte there is
    /// a departure, unless it changed the listing itself (a renamed file,
    /// which the bag check then reports).
    #[test]
    fn any_changed_metadata_byte_is_a_departure(at in 0usize..(40 * 2048), v in 1u8..=255) {
        let (layout, mut img) = build(&[("a/b.bin", 3000), ("c", 10), ("a/d/e", 7), ("z", 0)]);
        let first_data = layout.file_lbas()[0] as usize * 2048;
        let at = at % first_data;
        let before = IsoTree::read(&mut Cursor::new(&img)).unwrap();
        img[at] ^= v;
        let mut r = Cursor::new(&img);
        if let Ok(tree) = IsoTree::read(&mut r) {
            let d = departures(&mut r, &tree).unwrap();
            let listing = |t: &IsoTree| t.files.iter().map(|e| (e.path.clone(), e.size())).collect::<Vec<_>>();
            prop_assert!(!d.is_empty() || !tree.problems.is_empty() || listing(&tree) != listing(&before),
                "byte {} changed unnoticed", at);
        }
    }
}

#[test]
fn clean_images_have_no_departures_and_both_trees_agree() {
    let (_, img) = build(&[
        ("bagit.txt", 55),
        ("data/evidence/001-abc.jpg", 5000),
        ("data/evidence/002-abc.jpg", 0),
        ("data/x-y", 1),
        ("data/x_y", 2),
        ("README.TXT", 10),
    ]);
    let mut r = Cursor::new(&img);
    let tree = IsoTree::read(&mut r).unwrap();
    assert_eq!(departures(&mut r, &tree).unwrap(), Vec::<Departure>::new());
    assert_eq!(tree.primary.len(), tree.files.len());
    assert_eq!(
        tree.descriptors
            .iter()
            .map(|d| d.kind.clone())
            .collect::<Vec<_>>(),
        [
            DescriptorKind::Primary,
            DescriptorKind::Joliet,
            DescriptorKind::Terminator
        ]
    );
}

#[test]
fn overlapping_extents_are_not_read() {
    let (layout, mut img) = build(&[("a", 5000), ("b", 5000)]);
    // Point b's Joliet record at a's data (both-endian LBA at offset 2).
    let a_lba = layout.file_lbas()[0] as u32;
    let b_lba = layout.file_lbas()[1] as u32;
    let needle: Vec<u8> = b_lba
        .to_le_bytes()
        .into_iter()
        .chain(b_lba.to_be_bytes())
        .collect();
    let mut patched = 0;
    for at in 0..(b_lba as usize * 2048 - 8) {
        if img[at..at + 8] == needle[..] {
            img[at..at + 4].copy_from_slice(&a_lba.to_le_bytes());
            img[at + 4..at + 8].copy_from_slice(&a_lba.to_be_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "both trees' records of b");
    let mut r = Cursor::new(&img);
    let tree = IsoTree::read(&mut r).unwrap();
    assert!(tree.files.is_empty(), "{:?}", tree.files);
    assert!(
        tree.problems.iter().any(|p| p.1.contains("overlaps")),
        "{:?}",
        tree.problems
    );
}

/// Found by `any_changed_metadata_byte_is_a_departure` in CI: a byte in the
/// padding of the Joliet volume set identifier (sector 17, byte 222) read
/// back as a longer label, and the rebuilt image matched it.
#[test]
fn a_changed_volume_set_identifier_is_a_departure() {
    let (_, clean) = build(&[("a/b.bin", 3000), ("c", 10), ("a/d/e", 7), ("z", 0)]);
    for at in [35038, 16 * 2048 + 250] {
        let mut img = clean.clone();
        img[at] ^= 1;
        let mut r = Cursor::new(&img);
        let tree = IsoTree::read(&mut r).unwrap();
        let d = departures(&mut r, &tree).unwrap();
        assert!(
            d.iter()
                .any(|(_, what)| what.contains("volume set identifier")),
            "byte {at}: {d:?}"
        );
    }
}
