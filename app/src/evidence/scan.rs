//! Finding evidence files: where removable media (body cameras, USB
//! sticks) are mounted, the photos, videos and recordings on them, and
//! whether each file's bytes are what its name claims.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Local};

use crate::core::AppError;

/// Files listed at most from one folder.
pub const MAX_FOUND: usize = 2000;

/// Media types of files offered for import, by extension.
pub fn media_type(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "avi" => "video/x-msvideo",
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        _ => return None,
    })
}

/// The media type the first bytes of a file show (None: none of ours).
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    let at = |i: usize, m: &[u8]| head.get(i..i + m.len()) == Some(m);
    Some(if at(0, &[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if at(0, b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if at(4, b"ftyp") {
        // ISO base media: MP4 and QuickTime share the box structure.
        if at(8, b"qt  ") {
            "video/quicktime"
        } else {
            "video/mp4"
        }
    } else if at(0, b"RIFF") && at(8, b"AVI ") {
        "video/x-msvideo"
    } else if at(0, b"RIFF") && at(8, b"WAVE") {
        "audio/wav"
    } else if at(0, b"ID3") || (head.len() > 1 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0) {
        "audio/mpeg"
    } else {
        return None;
    })
}

/// Whether bytes of type `found` may be called `claimed` (MP4 and
/// QuickTime are one container).
fn agrees(claimed: &str, found: &str) -> bool {
    let iso = |t: &str| t == "video/mp4" || t == "video/quicktime";
    claimed == found || (iso(claimed) && iso(found))
}

/// An evidence file found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Path.
    pub path: PathBuf,
    /// Media type its name claims.
    pub claimed: &'static str,
    /// Media type its first bytes show (None: not a known format).
    pub content: Option<&'static str>,
    /// Size.
    pub size: u64,
    /// File time (the camera's clock), local.
    pub modified: Option<DateTime<FixedOffset>>,
}

impl Candidate {
    /// True when the bytes are not the type the name claims.
    pub fn mismatch(&self) -> bool {
        !self.content.is_some_and(|c| agrees(self.claimed, c))
    }

    /// The media type recorded: the claimed type when the bytes agree,
    /// `application/octet-stream` when they do not.
    pub fn media_type(&self) -> &'static str {
        if self.mismatch() {
            "application/octet-stream"
        } else {
            self.claimed
        }
    }
}

fn head_of(path: &Path) -> Vec<u8> {
    let mut buf = [0u8; 16];
    let n = fs::File::open(path)
        .and_then(|mut f| f.read(&mut buf))
        .unwrap_or(0);
    buf[..n].to_vec()
}

/// Photos, videos and recordings in `dir` and its sub-folders (a body
/// camera mounts as storage with `DCIM/…`), oldest first. Unreadable
/// entries are skipped; at most [`MAX_FOUND`] files.
pub fn scan(dir: &Path) -> Result<Vec<Candidate>, AppError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    fs::read_dir(dir).map_err(|source| AppError::Output {
        path: dir.to_owned(),
        source,
    })?;
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for entry in rd.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                if stack.len() < 64 {
                    stack.push(path);
                }
            } else if let Some(claimed) = media_type(&path).filter(|_| meta.is_file()) {
                out.push(Candidate {
                    claimed,
                    content: sniff(&head_of(&path)),
                    size: meta.len(),
                    modified: meta
                        .modified()
                        .ok()
                        .map(|t| DateTime::<Local>::from(t).fixed_offset()),
                    path,
                });
                if out.len() >= MAX_FOUND {
                    break;
                }
            }
        }
    }
    out.sort_by(|a, b| a.modified.cmp(&b.modified).then(a.path.cmp(&b.path)));
    Ok(out)
}

/// A place evidence can be imported from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The folder.
    pub path: PathBuf,
    /// True for a camera's `DCIM` folder.
    pub camera: bool,
}

/// Removable media mounted now (from `/proc/self/mounts` and sysfs), the
/// `DCIM` folder of each that has one first. Fixed disks, network and
/// system mounts are never offered, whatever folder they are mounted on.
pub fn sources() -> Vec<Source> {
    let mounts = fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    sources_from(&mounts, Path::new("/sys/class/block"), &MEDIA_ROOTS)
}

/// Where desktop automounters and officers mount removable media.
pub const MEDIA_ROOTS: [&str; 3] = ["/media/", "/run/media/", "/mnt/"];

/// [`sources`] from a mount table, a sysfs block folder and the folders
/// media are mounted under (tests give their own).
pub fn sources_from(mounts: &str, sys_block: &Path, roots: &[&str]) -> Vec<Source> {
    let mut out = Vec::new();
    for line in mounts.lines() {
        let mut f = line.split_whitespace();
        let (Some(dev), Some(dir)) = (f.next(), f.next()) else {
            continue;
        };
        let dir = unescape(dir);
        let under_media = roots.iter().any(|p| dir.starts_with(p));
        let Some(name) = dev.strip_prefix("/dev/") else {
            continue;
        };
        if !under_media || !removable(sys_block, name) {
            continue;
        }
        let dir = PathBuf::from(dir);
        let dcim = dir.join("DCIM");
        if dcim.is_dir() {
            out.push(Source {
                path: dcim,
                camera: true,
            });
        }
        out.push(Source {
            path: dir,
            camera: false,
        });
    }
    out.sort_by_key(|s| !s.camera);
    out
}

/// `/proc/mounts` writes a space in a path as `\040`.
fn unescape(s: &str) -> String {
    s.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\134", "\\")
}

/// A block device (or the disk of a partition) marked removable, or on USB
/// or an SD/MMC card.
fn removable(sys_block: &Path, name: &str) -> bool {
    if name.contains('/') || name.starts_with('.') {
        return false;
    }
    let dev = sys_block.join(name);
    let real = fs::canonicalize(&dev).unwrap_or(dev.clone());
    let flag = |p: &Path| fs::read_to_string(p.join("removable")).is_ok_and(|s| s.trim() == "1");
    let text = real.to_string_lossy();
    flag(&real) || real.parent().is_some_and(flag) || text.contains("/usb") || text.contains("/mmc")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_media_in_subfolders_and_checks_their_bytes() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("DCIM/100CAM")).unwrap();
        fs::write(d.path().join("DCIM/100CAM/a.JPG"), b"\xFF\xD8\xFF\xE0rest").unwrap();
        fs::write(
            d.path().join("DCIM/100CAM/b.mp4"),
            b"\0\0\0\x18ftypisom....",
        )
        .unwrap();
        fs::write(
            d.path().join("DCIM/100CAM/c.mp4"),
            b"random bytes, not a video",
        )
        .unwrap();
        fs::write(d.path().join("notes.txt"), b"z").unwrap();
        let found = scan(d.path()).unwrap();
        assert_eq!(found.len(), 3, "{found:?}");
        let by = |n: &str| found.iter().find(|c| c.path.ends_with(n)).unwrap();
        assert!(!by("a.JPG").mismatch() && by("a.JPG").media_type() == "image/jpeg");
        assert!(!by("b.mp4").mismatch());
        assert!(
            by("c.mp4").mismatch(),
            "a random file named .mp4 is flagged"
        );
        assert_eq!(by("c.mp4").media_type(), "application/octet-stream");
        assert!(scan(&d.path().join("missing")).is_err());
    }

    #[test]
    fn only_removable_media_are_offered_a_cameras_dcim_first() {
        let sys = tempfile::tempdir().unwrap();
        let media = tempfile::tempdir().unwrap();
        // sdb: a USB stick (removable=1); sda: the fixed disk; mmcblk0: SD card.
        for (disk, removable) in [("sda", "0"), ("sdb", "1")] {
            fs::create_dir_all(sys.path().join(disk).join(format!("{disk}1"))).unwrap();
            fs::write(sys.path().join(disk).join("removable"), removable).unwrap();
            std::os::unix::fs::symlink(
                sys.path().join(disk).join(format!("{disk}1")),
                sys.path().join(format!("{disk}1")),
            )
            .unwrap();
        }
        let root = format!("{}/", media.path().display());
        let (cam, stick, disk) = (
            media.path().join("u/CAM"),
            media.path().join("u/USB STICK"),
            media.path().join("u/DATA"),
        );
        fs::create_dir_all(cam.join("DCIM")).unwrap();
        fs::create_dir_all(&stick).unwrap();
        fs::create_dir_all(&disk).unwrap();
        let m = media.path().display();
        let table = format!(
            "/dev/sda1 {m}/u/DATA ext4 rw 0 0\n/dev/sdb1 {m}/u/USB\\040STICK vfat rw 0 0\n\
             tmpfs {m}/u/tmp tmpfs rw 0 0\n/dev/sdb1 /home/x vfat rw 0 0\n\
             /dev/sdb1 {m}/u/CAM vfat rw 0 0\n"
        );
        let found = sources_from(&table, sys.path(), &[&root]);
        assert_eq!(
            found,
            [
                Source { path: cam.join("DCIM"), camera: true },
                Source { path: stick, camera: false },
                Source { path: cam, camera: false },
            ],
            "the camera folder first; fixed disk, tmpfs and a mount outside the media folders never"
        );
        let _ = disk;
    }
}
