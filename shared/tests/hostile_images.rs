//! Hostile disc images: each shows a reader other than ours (isoinfo
//! without Joliet, osirrox/Linux with Rock Ridge, 7-Zip with UDF, a
//! multi-session reader) tampered content, and each must be INVALID with
//! BAD_LAYOUT naming what was found. Built with the real tools (xorriso,
//! genisoimage) or by patching our own image as a hex editor would.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

use fieldcase_shared::bag::Category;
use fieldcase_shared::casebag::{self, Medium, Report};
use fieldcase_shared::iso::IsoTree;
use fieldcase_shared::keys::PublicKey;

mod common;
use common::tool;

const TAMPERED: &[u8] = b"\xff\xd8\xff\xe0 a different photo, planted later";

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    clean: PathBuf,
    /// The clean image extracted (osirrox), a bag folder.
    ext: PathBuf,
    /// The same folder with the photo's bytes replaced.
    tampered: PathBuf,
    photo: String,
    key: PublicKey,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_owned();
    let case = common::sealed_case(
        &dir,
        &[
            ("现场照片1.jpg", "image/jpeg", common::photo()),
            (
                "询问笔录.pdf",
                "application/pdf",
                b"%PDF-1.4 statement".to_vec(),
            ),
        ],
    );
    let discs = common::discs(&case, Some(Medium::Cd));
    let clean = dir.join("clean.iso");
    discs[0].write_iso(&clean, |_| {}).unwrap();
    let ext = dir.join("ext");
    let (ok, text) = tool("osirrox", &["-indev", s(&clean), "-extract", "/", s(&ext)]);
    assert!(ok, "{text}");
    let photo = common::tree(&ext)
        .into_iter()
        .find(|p| p.starts_with("data/evidence/") && p.ends_with(".jpg"))
        .unwrap();
    let tampered = dir.join("tampered");
    copy_tree(&ext, &tampered);
    fs::write(tampered.join(&photo), TAMPERED).unwrap();
    Fixture {
        _tmp: tmp,
        dir,
        clean,
        ext,
        tampered,
        photo,
        key: case.key.public(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn copy_tree(from: &Path, to: &Path) {
    for f in common::tree(from) {
        let dst = to.join(&f);
        fs::create_dir_all(dst.parent().unwrap()).unwrap();
        fs::copy(from.join(&f), dst).unwrap();
    }
}

fn verify(img: &Path, key: PublicKey) -> Report {
    casebag::verify(&[img], &[key], |_| {}).unwrap()
}

/// Asserts INVALID with a BAD_LAYOUT problem whose text mentions `what`.
fn bad_layout(r: &Report, what: &str) {
    assert!(!r.is_valid());
    assert!(
        r.problems.iter().any(|p| p.category == Category::BadLayout
            && (p.found.contains(what) || p.path.contains(what))),
        "no BAD_LAYOUT mentioning {what:?} in {:#?}",
        r.problems
    );
}

fn xorriso_mkisofs(args: &[&str]) {
    let mut all = vec!["-as", "mkisofs", "-quiet"];
    all.extend_from_slice(args);
    let (ok, text) = tool("xorriso", &all);
    assert!(ok, "{text}");
}

fn extract_osirrox(img: &Path, path: &str, extra: &[&str], out: &Path) -> Vec<u8> {
    let mut args: Vec<&str> = extra.to_vec();
    args.extend_from_slice(&["-indev", s(img), "-extract", path, s(out)]);
    let (ok, text) = tool("osirrox", &args);
    assert!(ok, "{text}");
    fs::read(out).unwrap()
}

fn put32(img: &mut [u8], at: usize, v: u32) {
    img[at..at + 4].copy_from_slice(&v.to_le_bytes());
    img[at + 4..at + 8].copy_from_slice(&v.to_be_bytes());
}

#[test]
fn a_primary_tree_pointing_at_other_data_is_bad_layout() {
    let f = fixture();
    let mut img = fs::read(&f.clean).unwrap();
    let tree = IsoTree::read(&mut fs::File::open(&f.clean).unwrap()).unwrap();
    let j = tree.files.iter().position(|e| e.path == f.photo).unwrap();
    // The primary record names the photo in d-characters: find it.
    let primary = tree
        .primary
        .iter()
        .find(|e| e.extents == tree.files[j].extents)
        .unwrap();
    let id = format!(
        "{};1",
        primary
            .path
            .rsplit('/')
            .next()
            .unwrap()
            .to_ascii_uppercase()
    );
    let at = img
        .windows(id.len())
        .position(|w| w == id.as_bytes())
        .unwrap()
        - 33;
    // Planted bytes appended after the volume; the primary record points there.
    let lba = (img.len() / 2048) as u32;
    let mut planted = TAMPERED.to_vec();
    planted.resize(2048, 0);
    img.extend_from_slice(&planted);
    put32(&mut img, at + 2, lba);
    put32(&mut img, at + 10, TAMPERED.len() as u32);
    let bad = f.dir.join("primary.iso");
    fs::write(&bad, &img).unwrap();

    // isoinfo without -J (the primary tree) shows the planted photo;
    // with -J the original.
    let iso_path = format!("/{};1", primary.path.to_ascii_uppercase());
    let out = std::process::Command::new("isoinfo")
        .args(["-i", s(&bad), "-x", &iso_path])
        .output()
        .unwrap();
    assert_eq!(out.stdout, TAMPERED);
    let out = std::process::Command::new("isoinfo")
        .args(["-i", s(&bad), "-J", "-x", &format!("/{}", f.photo)])
        .output()
        .unwrap();
    assert_eq!(out.stdout, common::photo());

    let r = verify(&bad, f.key);
    bad_layout(&r, "points at other data than the Joliet tree's");
    bad_layout(&r, "data past the end of the volume");
}

#[test]
fn a_file_only_in_the_primary_tree_is_bad_layout() {
    let f = fixture();
    let inf = f.dir.join("autorun.inf");
    fs::write(&inf, "[autorun]\nopen=evil.exe\n").unwrap();
    let bad = f.dir.join("autorun.iso");
    let (ok, text) = tool(
        "xorriso",
        &[
            "-rockridge",
            "off",
            "-indev",
            s(&f.clean),
            "-outdev",
            s(&bad),
            "-joliet",
            "on",
            "-map",
            s(&inf),
            "/autorun.inf",
            "-hide",
            "joliet",
            "/autorun.inf",
            "--",
            "-commit",
        ],
    );
    assert!(ok, "{text}");
    let (_, listing) = tool("isoinfo", &["-i", s(&bad), "-l"]);
    assert!(listing.contains("AUTORUN.INF;1"), "{listing}");
    let (_, joliet) = tool("isoinfo", &["-i", s(&bad), "-l", "-J"]);
    assert!(!joliet.contains("autorun"), "{joliet}");
    bad_layout(&verify(&bad, f.key), "a file only in the primary tree");
}

#[test]
fn rock_ridge_trees_and_links_are_bad_layout() {
    let f = fixture();
    // A Rock Ridge tree over planted content: Linux and osirrox show it.
    let rr = f.dir.join("rr.iso");
    xorriso_mkisofs(&["-R", "-J", "-o", s(&rr), s(&f.tampered)]);
    let got = extract_osirrox(&rr, &format!("/{}", f.photo), &[], &f.dir.join("rr.jpg"));
    assert_eq!(got, TAMPERED);
    bad_layout(&verify(&rr, f.key), "Rock Ridge");

    // A Rock Ridge symbolic link where the photo was.
    let linked = f.dir.join("linked");
    copy_tree(&f.ext, &linked);
    fs::remove_file(linked.join(&f.photo)).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", linked.join(&f.photo)).unwrap();
    let sl = f.dir.join("symlink.iso");
    xorriso_mkisofs(&["-R", "-J", "-o", s(&sl), s(&linked)]);
    let (ok, listing) = tool("bsdtar", &["-tvf", s(&sl)]);
    assert!(ok && listing.contains("-> /etc/passwd"), "{listing}");
    bad_layout(&verify(&sl, f.key), "symbolic link");
}

#[test]
fn a_udf_bridge_is_bad_layout() {
    let f = fixture();
    let udf = f.dir.join("udf.iso");
    let (ok, text) = tool(
        "genisoimage",
        &["-quiet", "-udf", "-J", "-o", s(&udf), s(&f.tampered)],
    );
    assert!(ok, "{text}");
    let (ok, info) = tool("7z", &["l", s(&udf)]);
    assert!(ok && info.contains("Type = Udf"), "{info}");
    let out = std::process::Command::new("7z")
        .args(["x", "-so", s(&udf), &f.photo])
        .output()
        .unwrap();
    assert_eq!(out.stdout, TAMPERED);
    bad_layout(&verify(&udf, f.key), "UDF");
}

#[test]
fn later_sessions_are_bad_layout() {
    let f = fixture();
    // Grown by xorriso on an image file: it rewrites the descriptors at
    // sector 16 to point at the new session.
    let grown = f.dir.join("grown.iso");
    fs::copy(&f.clean, &grown).unwrap();
    let (ok, text) = tool(
        "xorriso",
        &[
            "-dev",
            s(&grown),
            "-map",
            s(&f.tampered.join(&f.photo)),
            &format!("/{}", f.photo),
            "-commit",
        ],
    );
    assert!(ok, "{text}");
    let got = extract_osirrox(&grown, &format!("/{}", f.photo), &[], &f.dir.join("g.jpg"));
    assert_eq!(got, TAMPERED);
    let r = verify(&grown, f.key);
    assert!(!r.is_valid());
    bad_layout(&r, "Rock Ridge");

    // Appended as a real multi-session disc holds it: session 1 still at
    // sector 16, session 2 after the declared volume.
    let start = fs::metadata(&f.clean).unwrap().len() / 2048;
    let s2 = f.dir.join("session2.bin");
    xorriso_mkisofs(&[
        "-R",
        "-J",
        "-M",
        s(&f.clean),
        "-C",
        &format!("0,{start}"),
        "-o",
        s(&s2),
        s(&f.tampered),
    ]);
    let multi = f.dir.join("multi.iso");
    let mut bytes = fs::read(&f.clean).unwrap();
    bytes.extend(fs::read(&s2).unwrap());
    fs::write(&multi, bytes).unwrap();
    let sb = start.to_string();
    let got = extract_osirrox(
        &multi,
        &format!("/{}", f.photo),
        &["-load", "sbsector", &sb],
        &f.dir.join("m.jpg"),
    );
    assert_eq!(got, TAMPERED);
    bad_layout(&verify(&multi, f.key), "a later session");
}

#[test]
fn boot_records_system_areas_and_trailing_data_are_bad_layout() {
    let f = fixture();
    let with_boot = f.dir.join("with-boot");
    copy_tree(&f.ext, &with_boot);
    fs::write(with_boot.join("boot.img"), vec![0x90u8; 4096]).unwrap();
    let boot = f.dir.join("boot.iso");
    xorriso_mkisofs(&[
        "-J",
        "-b",
        "boot.img",
        "-no-emul-boot",
        "-o",
        s(&boot),
        s(&with_boot),
    ]);
    let (_, info) = tool("isoinfo", &["-d", "-i", s(&boot)]);
    assert!(info.contains("El Torito"), "{info}");
    bad_layout(&verify(&boot, f.key), "El Torito");

    let sys = f.dir.join("sysarea.iso");
    let mut img = fs::read(&f.clean).unwrap();
    img[0..3].copy_from_slice(&[0xEB, 0x63, 0x90]);
    img[510] = 0x55;
    img[511] = 0xAA;
    fs::write(&sys, &img).unwrap();
    let r = verify(&sys, f.key);
    bad_layout(&r, "MBR signature");
    assert_eq!(r.problem_count, 1, "{:?}", r.problems);

    let tail = f.dir.join("tail.iso");
    let mut img = fs::read(&f.clean).unwrap();
    img.extend_from_slice(&[0x41; 5000]);
    fs::write(&tail, &img).unwrap();
    bad_layout(&verify(&tail, f.key), "data past the end of the volume");

    // Zeros after the volume (a burner's padding, read back from a disc)
    // are not data.
    let padded = f.dir.join("padded.iso");
    let mut img = fs::read(&f.clean).unwrap();
    img.extend_from_slice(&[0; 300 * 1024]);
    fs::write(&padded, &img).unwrap();
    assert!(verify(&padded, f.key).is_valid());
    assert!(verify(&f.clean, f.key).is_valid());
}

#[test]
fn hidden_bytes_after_a_file_are_bad_layout() {
    let f = fixture();
    let tree = IsoTree::read(&mut fs::File::open(&f.clean).unwrap()).unwrap();
    let e = tree.files.iter().find(|e| e.path == f.photo).unwrap();
    let (off, len) = e.extents[0];
    let mut img = fs::read(&f.clean).unwrap();
    img[(off + len) as usize + 10] = b'!';
    let bad = f.dir.join("hidden.iso");
    fs::write(&bad, &img).unwrap();
    bad_layout(&verify(&bad, f.key), "hidden non-zero bytes");
}
