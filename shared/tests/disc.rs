//! One case, one disc: sealed disc images are reproducible, read by the
//! standard tools (xorriso, osirrox, isoinfo, bagit.py, sha256sum,
//! minisign), and every kind of tampering is caught with its category.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use fieldcase_shared::bag::Category;
use fieldcase_shared::casebag::{self, Medium, Report};
use fieldcase_shared::iso::IsoTree;
use fieldcase_shared::keys::{DeviceKey, PublicKey};
use fieldcase_shared::seal::{minisign_public_key, Minisig};

mod common;
use common::{tool, tree};

fn video(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

fn case_in(dir: &Path, video_len: usize) -> common::Case {
    common::sealed_case(
        dir,
        &[
            ("现场照片1.jpg", "image/jpeg", common::photo()),
            ("执法记录仪.mp4", "video/mp4", video(video_len)),
            (
                "询问笔录.pdf",
                "application/pdf",
                b"%PDF-1.4 statement".to_vec(),
            ),
        ],
    )
}

fn verify(paths: &[&Path], keys: &[PublicKey]) -> Report {
    casebag::verify(paths, keys, |_| {}).unwrap()
}

fn found(r: &Report) -> Vec<(String, Category)> {
    r.problems
        .iter()
        .map(|p| (p.path.clone(), p.category))
        .collect()
}

fn image(case: &common::Case, dir: &Path, name: &str) -> PathBuf {
    let discs = common::discs(case, Some(Medium::Cd));
    assert_eq!(discs.len(), 1);
    let p = dir.join(name);
    discs[0].write_iso(&p, |_| {}).unwrap();
    p
}

#[test]
fn a_clean_disc_passes_every_tool_and_rebuilds_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let case = case_in(tmp.path(), 300_000);
    let a = image(&case, tmp.path(), "a.iso");
    let b = image(&case, tmp.path(), "b.iso");
    assert_eq!(
        fs::read(&a).unwrap(),
        fs::read(&b).unwrap(),
        "two builds differ"
    );

    let r = verify(&[&a], &[case.key.public()]);
    assert!(r.is_valid(), "{:?}", r.problems);
    let sealed = r.sealed.unwrap();
    assert_eq!(sealed.case_no, common::CASE_NO);
    assert_eq!(sealed.signer, case.key.public().device_id());

    let a_s = a.to_str().unwrap();
    let (ok, text) = tool("xorriso", &["-indev", a_s, "-find", "/", "-exec", "lsdl"]);
    assert!(ok && text.contains("'/data/evidence/"), "{text}");
    let (ok, text) = tool("isoinfo", &["-i", a_s, "-l", "-J"]);
    assert!(
        ok && text.contains("tagmanifest-sha256.txt.minisig"),
        "{text}"
    );

    // The extracted tree is exactly the folder export of the same case.
    let ext = tmp.path().join("ext");
    let (ok, text) = tool(
        "osirrox",
        &["-indev", a_s, "-extract", "/", ext.to_str().unwrap()],
    );
    assert!(ok, "{text}");
    let bag = common::write_bag(&case, &tmp.path().join("bag"));
    assert_eq!(tree(&ext), tree(&bag));
    for f in tree(&bag) {
        assert_eq!(
            fs::read(ext.join(&f)).unwrap(),
            fs::read(bag.join(&f)).unwrap(),
            "{f}"
        );
    }

    let (ok, text) = tool("bagit.py", &["--validate", ext.to_str().unwrap()]);
    assert!(ok && text.contains("is valid"), "{text}");
    for m in ["manifest-sha256.txt", "tagmanifest-sha256.txt"] {
        let out = std::process::Command::new("sha256sum")
            .args(["-c", m])
            .current_dir(&ext)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let out = std::process::Command::new("minisign")
        .args([
            "-Vm",
            "tagmanifest-sha256.txt",
            "-P",
            &minisign_public_key(&case.key.public()),
        ])
        .current_dir(&ext)
        .output()
        .expect("minisign is needed for this test (scripts/test installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("Signature and comment signature verified"),
        "{text}"
    );
    assert!(
        text.contains(&format!("case:{}", common::CASE_NO)),
        "{text}"
    );

    // The README and the index say what the disc is.
    let readme = fs::read_to_string(ext.join("README.TXT")).unwrap();
    assert!(readme.contains(common::CASE_NO) && readme.contains("minisign -Vm"));
    let index = fs::read_to_string(ext.join("index.html")).unwrap();
    assert!(index.contains("执法记录仪.mp4") && index.contains("&lt;检查站&gt;"));
    assert!(
        !index.contains("11010519491231002X"),
        "full ID number on the index page"
    );
}

/// The byte offset of `path`'s data in the image.
fn offset_of(img: &Path, path: &str) -> u64 {
    let tree = IsoTree::read(&mut fs::File::open(img).unwrap()).unwrap();
    tree.files.iter().find(|e| e.path == path).unwrap().extents[0].0
}

fn flip(img: &Path, at: u64) {
    let mut b = fs::read(img).unwrap();
    b[at as usize] ^= 0x20;
    fs::write(img, b).unwrap();
}

fn evidence_name(img: &Path, ext: &str) -> String {
    let tree = IsoTree::read(&mut fs::File::open(img).unwrap()).unwrap();
    tree.files
        .iter()
        .find(|e| e.path.starts_with("data/evidence/") && e.path.ends_with(ext))
        .unwrap()
        .path
        .clone()
}

#[test]
fn tampered_images_are_caught_with_their_category() {
    let tmp = tempfile::tempdir().unwrap();
    let case = case_in(tmp.path(), 50_000);
    let key = [case.key.public()];
    let clean = image(&case, tmp.path(), "clean.iso");
    let copy = |name: &str| {
        let p = tmp.path().join(name);
        fs::copy(&clean, &p).unwrap();
        p
    };

    let img = copy("evidence.iso");
    let video = evidence_name(&img, ".mp4");
    flip(&img, offset_of(&img, &video) + 1000);
    assert_eq!(found(&verify(&[&img], &key)), [(video, Category::Modified)]);

    let img = copy("record.iso");
    let rec = "data/records/00000003.dsse.json";
    flip(&img, offset_of(&img, rec) + 40);
    let got = found(&verify(&[&img], &key));
    assert!(got.contains(&(rec.into(), Category::Modified)), "{got:?}");

    let img = copy("manifest.iso");
    flip(&img, offset_of(&img, "manifest-sha256.txt") + 3);
    let got = found(&verify(&[&img], &key));
    assert!(
        got.contains(&("manifest-sha256.txt".into(), Category::Modified)),
        "{got:?}"
    );

    let img = copy("seal.iso");
    let seal_at = offset_of(&img, "tagmanifest-sha256.txt.minisig");
    let text = fs::read(&img).unwrap();
    // A byte inside the base64 signature line.
    let line2 = text[seal_at as usize..]
        .iter()
        .position(|&c| c == b'\n')
        .unwrap() as u64
        + 40;
    flip(&img, seal_at + line2);
    assert_eq!(
        found(&verify(&[&img], &key)),
        [(
            "tagmanifest-sha256.txt.minisig".into(),
            Category::SealInvalid
        )]
    );

    let img = copy("truncated.iso");
    let len = fs::metadata(&img).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&img)
        .unwrap()
        .set_len(len - 40_000)
        .unwrap();
    let got = found(&verify(&[&img], &key));
    assert!(
        got.contains(&("(disc image)".into(), Category::BadLayout)),
        "{got:?}"
    );
    assert!(got.iter().any(|(_, c)| *c == Category::Missing), "{got:?}");

    let other = DeviceKey::from_seed([99; 32]);
    let got = found(&verify(&[&clean], &[other.public()]));
    assert!(
        got.contains(&(
            "tagmanifest-sha256.txt.minisig".into(),
            Category::UnknownKey
        )),
        "{got:?}"
    );

    let junk = tmp.path().join("junk.iso");
    fs::write(&junk, vec![0u8; 100_000]).unwrap();
    assert!(casebag::verify(&[junk.as_path()], &key, |_| {}).is_err());
    assert!(verify(&[&clean], &key).is_valid());
}

fn rewrite(bag: &Path, rel: &str, bytes: &[u8]) {
    fs::write(bag.join(rel), bytes).unwrap();
}

#[test]
fn tampered_folders_are_caught_with_their_category() {
    let tmp = tempfile::tempdir().unwrap();
    let case = case_in(tmp.path(), 10_000);
    let key = [case.key.public()];
    let fresh = |name: &str| common::write_bag(&case, &tmp.path().join(name));

    let bag = fresh("removed");
    let pdf = tree(&bag)
        .into_iter()
        .find(|p| p.ends_with(".pdf"))
        .unwrap();
    fs::remove_file(bag.join(&pdf)).unwrap();
    assert_eq!(found(&verify(&[&bag], &key)), [(pdf, Category::Missing)]);

    let bag = fresh("added");
    rewrite(&bag, "data/evidence/999-planted.jpg", b"planted");
    assert_eq!(
        found(&verify(&[&bag], &key)),
        [("data/evidence/999-planted.jpg".into(), Category::Unexpected)]
    );
    let bag = fresh("added-root");
    rewrite(&bag, "autorun.inf", b"x");
    assert_eq!(
        found(&verify(&[&bag], &key)),
        [("autorun.inf".into(), Category::Unexpected)]
    );

    // Sealed again by another key, after rewriting the bag: the verifier
    // given only the device key does not know the sealer; given both, the
    // seal and the records disagree.
    let bag = fresh("resealed");
    let other = DeviceKey::from_seed([42; 32]);
    let tm = fs::read(bag.join("tagmanifest-sha256.txt")).unwrap();
    let orig =
        Minisig::parse(&fs::read(bag.join("tagmanifest-sha256.txt.minisig")).unwrap()).unwrap();
    let forged = Minisig::sign(&other, &tm, "x", &orig.trusted);
    rewrite(
        &bag,
        "tagmanifest-sha256.txt.minisig",
        forged.to_text().as_bytes(),
    );
    assert_eq!(
        found(&verify(&[&bag], &key)),
        [(
            "tagmanifest-sha256.txt.minisig".into(),
            Category::UnknownKey
        )]
    );
    let got = found(&verify(&[&bag], &[case.key.public(), other.public()]));
    assert!(
        got.contains(&(
            "tagmanifest-sha256.txt.minisig".into(),
            Category::SealInvalid
        )),
        "{got:?}"
    );

    // A record removed from the middle of the chain.
    let bag = fresh("unlinked");
    fs::remove_file(bag.join("data/records/00000004.dsse.json")).unwrap();
    let got = found(&verify(&[&bag], &key));
    assert!(
        got.contains(&("data/records/00000004.dsse.json".into(), Category::Missing)),
        "{got:?}"
    );

    // Records reordered (two record files swapped).
    let bag = fresh("reordered");
    let (a, b) = (
        "data/records/00000003.dsse.json",
        "data/records/00000005.dsse.json",
    );
    let (ba, bb) = (
        fs::read(bag.join(a)).unwrap(),
        fs::read(bag.join(b)).unwrap(),
    );
    rewrite(&bag, a, &bb);
    rewrite(&bag, b, &ba);
    let got = found(&verify(&[&bag], &key));
    assert!(
        got.iter().any(|(_, c)| *c == Category::ChainBreak),
        "{got:?}"
    );
    assert!(got.contains(&(a.into(), Category::Modified)), "{got:?}");
}

#[test]
fn a_case_larger_than_the_medium_becomes_a_verifiable_set() {
    let tmp = tempfile::tempdir().unwrap();
    let video_len = 7 * 1024 * 1024 + 123;
    let case = case_in(tmp.path(), video_len);
    let capacity = 3 * 1024 * 1024;
    let discs = common::discs(&case, Some(Medium::Custom(capacity)));
    assert!(discs.len() >= 3, "{} discs", discs.len());
    let mut paths = Vec::new();
    for d in &discs {
        let p = tmp.path().join(d.file_name());
        let (_, size) = d.write_iso(&p, |_| {}).unwrap();
        assert!(size <= capacity, "disc {} is {size} bytes", d.index);
        paths.push(p);
    }
    let all: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let key = [case.key.public()];
    let r = verify(&all, &key);
    assert!(r.is_valid(), "{:?}", r.problems);
    assert_eq!(r.discs.len(), discs.len());

    // Every disc is a complete bag on its own for bagit.py, and the parts
    // put together are the original video.
    let mut joined = Vec::new();
    for (k, p) in paths.iter().enumerate() {
        let ext = tmp.path().join(format!("ext{k}"));
        let (ok, text) = tool(
            "osirrox",
            &[
                "-indev",
                p.to_str().unwrap(),
                "-extract",
                "/",
                ext.to_str().unwrap(),
            ],
        );
        assert!(ok, "{text}");
        let (ok, text) = tool("bagit.py", &["--validate", ext.to_str().unwrap()]);
        assert!(ok, "{text}");
        let info = fs::read_to_string(ext.join("bag-info.txt")).unwrap();
        assert!(
            info.contains(&format!("Bag-Count: {} of {}", k + 1, discs.len())),
            "{info}"
        );
        for f in tree(&ext).iter().filter(|f| f.contains(".mp4")) {
            joined.extend(fs::read(ext.join(f)).unwrap());
        }
    }
    assert_eq!(joined, video(video_len));

    // One disc missing: the verifier says which.
    let without: Vec<&Path> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, p)| *p)
        .collect();
    let got = found(&verify(&without, &key));
    let n = discs.len();
    assert!(
        got.contains(&(format!("[disc 2/{n}]"), Category::Missing)),
        "{got:?}"
    );
}

/// Rewrites a manifest line's hash for `rel` (or adds the line), sorted.
fn set_manifest_line(bag: &Path, manifest: &str, rel: &str, renamed_from: Option<&str>) {
    use fieldcase_shared::hash::sha256;
    let text = fs::read_to_string(bag.join(manifest)).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| {
            let p = l.split_once("  ").map(|x| x.1).unwrap_or("");
            p != rel && Some(p) != renamed_from
        })
        .map(str::to_owned)
        .collect();
    lines.push(format!(
        "{}  {rel}",
        sha256(&fs::read(bag.join(rel)).unwrap())
    ));
    lines.sort_by(|a, b| {
        a.split_once("  ")
            .map(|x| x.1)
            .cmp(&b.split_once("  ").map(|x| x.1))
    });
    fs::write(bag.join(manifest), lines.join("\n") + "\n").unwrap();
}

/// Seals the bag again with the device key itself (as a bureau tool
/// holding it might): the seal verifies, so only the layout rules remain.
fn reseal(bag: &Path, key: &DeviceKey) {
    let tm = fs::read(bag.join("tagmanifest-sha256.txt")).unwrap();
    let orig =
        Minisig::parse(&fs::read(bag.join("tagmanifest-sha256.txt.minisig")).unwrap()).unwrap();
    let again = Minisig::sign(key, &tm, "resealed", &orig.trusted);
    fs::write(bag.join("tagmanifest-sha256.txt.minisig"), again.to_text()).unwrap();
}

#[test]
fn a_fetch_file_or_a_name_outside_the_rule_is_refused_even_resealed() {
    let tmp = tempfile::tempdir().unwrap();
    let case = case_in(tmp.path(), 10_000);
    let key = [case.key.public()];

    // fetch.txt, listed in the tag manifest and sealed by the device key.
    let bag = common::write_bag(&case, &tmp.path().join("fetch"));
    fs::write(
        bag.join("fetch.txt"),
        "http://example.invalid/x 5 data/extra\n",
    )
    .unwrap();
    set_manifest_line(&bag, "tagmanifest-sha256.txt", "fetch.txt", None);
    reseal(&bag, &case.key);
    let got = found(&verify(&[&bag], &key));
    assert!(
        got.contains(&("fetch.txt".into(), Category::BadLayout)),
        "{got:?}"
    );

    // A payload file renamed outside [a-z0-9][a-z0-9._-]{0,63}, manifests
    // and seal made to match.
    let bag = common::write_bag(&case, &tmp.path().join("name"));
    let old = tree(&bag)
        .into_iter()
        .find(|p| p.starts_with("data/evidence/") && p.ends_with(".pdf"))
        .unwrap();
    let new = "data/evidence/Statement Final.pdf";
    fs::rename(bag.join(&old), bag.join(new)).unwrap();
    set_manifest_line(&bag, "manifest-sha256.txt", new, Some(&old));
    set_manifest_line(&bag, "tagmanifest-sha256.txt", "manifest-sha256.txt", None);
    reseal(&bag, &case.key);
    let got = found(&verify(&[&bag], &key));
    assert!(got.contains(&(new.into(), Category::BadLayout)), "{got:?}");
    assert!(
        !got.iter().any(|(_, c)| *c == Category::SealInvalid),
        "the seal itself verifies: {got:?}"
    );
}
