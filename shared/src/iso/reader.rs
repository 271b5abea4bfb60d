//! Reading ISO 9660 images without mounting them: volume descriptors, the
//! Joliet tree when present (else the primary one), multi-extent files.
//! Everything read from the image is bounds-checked; a damaged or hostile
//! image gives an error or a list of problems, never a panic.

use std::collections::BTreeSet;
use std::io::{self, Read, Seek, SeekFrom};

use super::{sectors, CD001, FIRST_VD_LBA, SECTOR};

/// Most volume descriptors read before giving up on finding a terminator.
const MAX_DESCRIPTORS: u64 = 64;
/// Largest directory extent read.
const MAX_DIR_BYTES: u64 = 16 << 20;
/// Most entries in a whole tree.
const MAX_ENTRIES: usize = 1_000_000;
/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 16;

/// Why an image cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IsoError {
    /// I/O failure.
    #[error("reading the image: {0}")]
    Io(#[from] io::Error),
    /// Not an ISO 9660 image.
    #[error("not an ISO 9660 image: {0}")]
    NotIso(String),
    /// Structure damaged beyond reading the tree.
    #[error("damaged image: {0}")]
    Damaged(String),
    /// A path the writer cannot store.
    #[error("{0:?} cannot be stored on a disc: each part must be 1–64 printable ASCII characters without / \\ : ; * ?, at most 8 levels, no file and folder of the same name")]
    BadName(String),
    /// More directories than path tables can number.
    #[error("too many directories for an ISO 9660 image")]
    TooManyDirectories,
    /// Too large for 32-bit sector numbers.
    #[error("image of {0} bytes is larger than ISO 9660 can address")]
    TooLarge(u64),
}

/// One file in an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoEntry {
    /// Path with `/` separators.
    pub path: String,
    /// Extents as (byte offset, length), in file order.
    pub extents: Vec<(u64, u64)>,
}

impl IsoEntry {
    /// File size.
    pub fn size(&self) -> u64 {
        self.extents.iter().map(|e| e.1).sum()
    }
}

/// The readable structure of an image.
#[derive(Debug, Clone)]
pub struct IsoTree {
    /// Size the volume descriptor declares.
    pub volume_bytes: u64,
    /// Actual length of the image (file or device).
    pub image_bytes: u64,
    /// Whether the tree read is the Joliet one.
    pub joliet: bool,
    /// Volume label (Joliet when read from Joliet).
    pub volume_id: String,
    /// Regular files, sorted by path.
    pub files: Vec<IsoEntry>,
    /// Structural problems that did not stop the reading: (path, what).
    pub problems: Vec<(String, String)>,
}

fn read_at<R: Read + Seek>(r: &mut R, off: u64, len: usize) -> io::Result<Vec<u8>> {
    r.seek(SeekFrom::Start(off))?;
    let mut buf = Vec::with_capacity(len);
    r.take(len as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

fn le32(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as u64)
        .unwrap_or(0)
}

fn decode_name(id: &[u8], joliet: bool) -> String {
    let s = if joliet {
        let units: Vec<u16> = id
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(id).into_owned()
    };
    let s = match s.rsplit_once(';') {
        Some((n, v)) if v.bytes().all(|b| b.is_ascii_digit()) => n.to_owned(),
        _ => s,
    };
    if !joliet {
        let s = s.strip_suffix('.').unwrap_or(&s);
        return s.to_ascii_lowercase();
    }
    s
}

struct Walker<'a, R> {
    r: &'a mut R,
    joliet: bool,
    seen_dirs: BTreeSet<u64>,
    files: Vec<IsoEntry>,
    problems: Vec<(String, String)>,
    entries: usize,
}

impl<R: Read + Seek> Walker<'_, R> {
    fn walk(&mut self, prefix: &str, lba: u64, size: u64, depth: usize) -> Result<(), IsoError> {
        let here = if prefix.is_empty() { "/" } else { prefix };
        if depth > MAX_DEPTH {
            self.problems
                .push((here.to_owned(), format!("nested deeper than {MAX_DEPTH}")));
            return Ok(());
        }
        if !self.seen_dirs.insert(lba) {
            self.problems
                .push((here.to_owned(), "directory loop".to_owned()));
            return Ok(());
        }
        if size > MAX_DIR_BYTES {
            self.problems
                .push((here.to_owned(), format!("directory of {size} bytes")));
            return Ok(());
        }
        let buf = read_at(self.r, lba * SECTOR, size as usize)?;
        if (buf.len() as u64) < size {
            self.problems.push((
                here.to_owned(),
                "directory extends past the end of the image".to_owned(),
            ));
        }
        let mut off = 0usize;
        let mut pending: Option<IsoEntry> = None;
        let mut subdirs = Vec::new();
        while off < buf.len() {
            let len = buf[off] as usize;
            if len == 0 {
                // Rest of this sector is padding.
                off = (off / SECTOR as usize + 1) * SECTOR as usize;
                continue;
            }
            let rec = match buf.get(off..off + len) {
                Some(r) if len >= 34 && (off % SECTOR as usize) + len <= SECTOR as usize => r,
                _ => {
                    self.problems
                        .push((here.to_owned(), format!("bad directory record at {off}")));
                    off = (off / SECTOR as usize + 1) * SECTOR as usize;
                    continue;
                }
            };
            off += len;
            let id_len = rec[32] as usize;
            let Some(id) = rec.get(33..33 + id_len) else {
                self.problems
                    .push((here.to_owned(), "record name overruns the record".into()));
                continue;
            };
            if id == [0] || id == [1] {
                continue;
            }
            self.entries += 1;
            if self.entries > MAX_ENTRIES {
                return Err(IsoError::Damaged(format!(
                    "more than {MAX_ENTRIES} entries"
                )));
            }
            let name = decode_name(id, self.joliet);
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            if name.is_empty() || name.contains(['/', '\0']) || name == "." || name == ".." {
                self.problems.push((path, "unusable file name".into()));
                continue;
            }
            let ext_lba = le32(rec, 2);
            let ext_len = le32(rec, 10);
            let flags = rec[25];
            if flags & 0x02 != 0 {
                subdirs.push((path, ext_lba, ext_len));
                continue;
            }
            let extent = (ext_lba * SECTOR, ext_len);
            match pending.as_mut() {
                Some(p) if p.path == path => p.extents.push(extent),
                _ => {
                    if let Some(p) = pending.take() {
                        self.problems
                            .push((p.path.clone(), "multi-extent file not finished".into()));
                        self.files.push(p);
                    }
                    pending = Some(IsoEntry {
                        path,
                        extents: vec![extent],
                    });
                }
            }
            if flags & 0x80 == 0 {
                if let Some(p) = pending.take() {
                    self.files.push(p);
                }
            }
        }
        if let Some(p) = pending.take() {
            self.problems
                .push((p.path.clone(), "multi-extent file not finished".into()));
            self.files.push(p);
        }
        for (path, l, s) in subdirs {
            self.walk(&path, l, s, depth + 1)?;
        }
        Ok(())
    }
}

impl IsoTree {
    /// Reads the directory structure of an image (no file data).
    pub fn read<R: Read + Seek>(r: &mut R) -> Result<IsoTree, IsoError> {
        let image_bytes = r.seek(SeekFrom::End(0))?;
        let mut primary: Option<Vec<u8>> = None;
        let mut joliet: Option<Vec<u8>> = None;
        let mut terminated = false;
        for i in 0..MAX_DESCRIPTORS {
            let vd = read_at(r, (FIRST_VD_LBA + i) * SECTOR, SECTOR as usize)?;
            if vd.len() < SECTOR as usize || &vd[1..6] != CD001 {
                if i == 0 {
                    return Err(IsoError::NotIso(
                        "no CD001 volume descriptor at sector 16".into(),
                    ));
                }
                break;
            }
            match vd[0] {
                1 if primary.is_none() => primary = Some(vd),
                2 if joliet.is_none() && matches!(&vd[88..91], b"%/@" | b"%/C" | b"%/E") => {
                    joliet = Some(vd)
                }
                255 => {
                    terminated = true;
                    break;
                }
                _ => {}
            }
        }
        let mut problems = Vec::new();
        if !terminated {
            problems.push(("volume descriptors".to_owned(), "no terminator".to_owned()));
        }
        let Some(pvd) = primary else {
            return Err(IsoError::NotIso("no primary volume descriptor".into()));
        };
        let block = u16::from_le_bytes([pvd[128], pvd[129]]) as u64;
        if block != SECTOR {
            return Err(IsoError::Damaged(format!("logical block size {block}")));
        }
        let volume_bytes = le32(&pvd, 80) * SECTOR;
        let (vd, is_joliet) = match &joliet {
            Some(j) => (j, true),
            None => (&pvd, false),
        };
        let volume_id = decode_name(&vd[40..72], is_joliet).trim().to_owned();
        let root = &vd[156..190];
        if root[0] != 34 || root[25] & 0x02 == 0 {
            return Err(IsoError::Damaged("root directory record".into()));
        }
        let mut w = Walker {
            r,
            joliet: is_joliet,
            seen_dirs: BTreeSet::new(),
            files: Vec::new(),
            problems,
            entries: 0,
        };
        w.walk("", le32(root, 2), le32(root, 10), 0)?;
        let mut files = w.files;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut problems = w.problems;
        for pair in files.windows(2) {
            if pair[0].path == pair[1].path {
                problems.push((pair[1].path.clone(), "listed twice".into()));
            }
        }
        files.dedup_by(|a, b| a.path == b.path);
        Ok(IsoTree {
            volume_bytes,
            image_bytes,
            joliet: is_joliet,
            volume_id,
            files,
            problems,
        })
    }

    /// Reads every file's bytes once, in on-disc order, passing each chunk
    /// to `visit(index, chunk)`; only files `select(index)` accepts. Bytes past the end of the image are
    /// simply absent: `visit` sees fewer bytes than the file's size.
    pub fn read_files<R: Read + Seek>(
        &self,
        r: &mut R,
        select: impl Fn(usize) -> bool,
        mut visit: impl FnMut(usize, &[u8]),
    ) -> io::Result<()> {
        let mut order: Vec<usize> = (0..self.files.len()).filter(|&i| select(i)).collect();
        order.sort_by_key(|&i| self.files[i].extents.first().map(|e| e.0).unwrap_or(0));
        let mut buf = vec![0u8; crate::hash::STREAM_BUFFER];
        for i in order {
            for &(off, len) in &self.files[i].extents {
                if off >= self.image_bytes {
                    continue;
                }
                r.seek(SeekFrom::Start(off))?;
                let mut left = len.min(self.image_bytes - off);
                while left > 0 {
                    let want = left.min(buf.len() as u64) as usize;
                    let n = r.read(&mut buf[..want])?;
                    if n == 0 {
                        break;
                    }
                    visit(i, &buf[..n]);
                    left -= n as u64;
                }
            }
        }
        Ok(())
    }

    /// Sectors the volume declares.
    pub fn volume_sectors(&self) -> u64 {
        sectors(self.volume_bytes)
    }
}
