//! Reading ISO 9660 images without mounting them: volume descriptors, the
//! primary tree and the Joliet tree when present, multi-extent files, and
//! the System Use areas (Rock Ridge) a reader could prefer.
//! Everything read from the image is bounds-checked; a damaged or hostile
//! image gives an error or a list of problems, never a panic, and never
//! makes the reader read much more than the image holds.

use std::collections::BTreeSet;
use std::io::{self, Read, Seek, SeekFrom};

use super::{sectors, CD001, FIRST_VD_LBA, SECTOR};

/// Most volume descriptors read before giving up on finding a terminator.
const MAX_DESCRIPTORS: u64 = 64;
/// Largest directory extent read.
const MAX_DIR_BYTES: u64 = 16 << 20;
/// Most entries (files and directories) in one tree: the writer's file
/// limit with room for directories and extents.
const MAX_ENTRIES: usize = 100_000;
/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 16;
/// Records with a System Use area remembered (the first of each kind).
const MAX_SYSTEM_USE: usize = 16;

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
    /// More files than a disc may hold.
    #[error("{0} files: a disc holds at most {max}", max = super::MAX_FILES)]
    TooManyFiles(usize),
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

/// What a volume descriptor is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DescriptorKind {
    /// Type 0: a boot record (El Torito names itself in the boot system id).
    Boot(String),
    /// Type 1.
    Primary,
    /// Type 2 with a Joliet escape sequence.
    Joliet,
    /// Type 2 with another escape sequence.
    Supplementary,
    /// Type 3.
    Partition,
    /// Type 255.
    Terminator,
    /// Any other type byte.
    Other(u8),
}

/// One volume descriptor and the sector it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// Sector number.
    pub lba: u64,
    /// Its kind.
    pub kind: DescriptorKind,
}

/// A directory record carrying a System Use area (SUSP, Rock Ridge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemUse {
    /// `primary` or `Joliet`.
    pub tree: &'static str,
    /// Path of the record (`/` for the root's own record).
    pub path: String,
    /// The SUSP entry signatures found (`SP`, `RR`, `NM`, `SL`, `PX`…).
    pub signatures: Vec<String>,
}

/// The readable structure of an image.
#[derive(Debug, Clone)]
pub struct IsoTree {
    /// Size the volume descriptor declares.
    pub volume_bytes: u64,
    /// Actual length of the image (file or device).
    pub image_bytes: u64,
    /// Whether `files` is the Joliet tree.
    pub joliet: bool,
    /// Volume label (Joliet when read from Joliet).
    pub volume_id: String,
    /// Regular files of the tree readers show first (Joliet when present,
    /// else the primary tree), sorted by path.
    pub files: Vec<IsoEntry>,
    /// Regular files of the primary tree, sorted by path (names as a
    /// reader without Joliet shows them: lower case, no `;1`).
    pub primary: Vec<IsoEntry>,
    /// Volume descriptors in order, up to the terminator.
    pub descriptors: Vec<Descriptor>,
    /// The primary volume descriptor's sector.
    pub pvd: Vec<u8>,
    /// The first Joliet descriptor's sector, if any.
    pub svd: Option<Vec<u8>>,
    /// Records with System Use data (the first few found).
    pub system_use: Vec<SystemUse>,
    /// Structural problems that did not stop the reading: (path, what).
    pub problems: Vec<(String, String)>,
}

pub(super) fn read_at<R: Read + Seek>(r: &mut R, off: u64, len: usize) -> io::Result<Vec<u8>> {
    match r.seek(SeekFrom::Start(off)) {
        Ok(_) => {}
        // A block device refuses a seek past its end: nothing is there.
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => return Ok(Vec::new()),
        Err(e) => return Err(e),
    }
    let mut buf = Vec::with_capacity(len);
    r.take(len as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

fn le32(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as u64)
        .unwrap_or(0)
}

pub(super) fn decode_name(id: &[u8], joliet: bool) -> String {
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

/// The SUSP signatures of a System Use area (two letters, length byte).
fn susp_signatures(area: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 4 <= area.len() && out.len() < 16 {
        let len = area[at + 2] as usize;
        let sig = &area[at..at + 2];
        if len < 4 || !sig.iter().all(|c| c.is_ascii_uppercase()) {
            out.push(format!("unparsed bytes {:02x}{:02x}", sig[0], sig[1]));
            break;
        }
        out.push(String::from_utf8_lossy(sig).into_owned());
        at += len;
    }
    out
}

struct Walker<'a, R> {
    r: &'a mut R,
    joliet: bool,
    tree: &'static str,
    seen_dirs: BTreeSet<u64>,
    files: Vec<IsoEntry>,
    problems: Vec<(String, String)>,
    system_use: Vec<SystemUse>,
    entries: usize,
    /// Directory bytes read so far; never more than the image holds.
    dir_bytes: u64,
    image_bytes: u64,
}

impl<R: Read + Seek> Walker<'_, R> {
    fn problem(&mut self, path: &str, what: impl Into<String>) {
        self.problems
            .push((format!("({} tree) {path}", self.tree), what.into()));
    }

    fn note_system_use(&mut self, path: &str, rec: &[u8], id_len: usize) {
        let start = 33 + id_len + usize::from(id_len % 2 == 0);
        if rec.len() <= start || self.system_use.len() >= MAX_SYSTEM_USE {
            return;
        }
        let signatures = susp_signatures(&rec[start..]);
        // One record per kind of System Use content is enough to name it.
        if self.system_use.iter().any(|s| s.signatures == signatures) {
            return;
        }
        self.system_use.push(SystemUse {
            tree: self.tree,
            path: path.to_owned(),
            signatures,
        });
    }

    fn walk(&mut self, prefix: &str, lba: u64, size: u64, depth: usize) -> Result<(), IsoError> {
        let here = if prefix.is_empty() { "/" } else { prefix }.to_owned();
        if depth > MAX_DEPTH {
            self.problem(&here, format!("nested deeper than {MAX_DEPTH}"));
            return Ok(());
        }
        if !self.seen_dirs.insert(lba) {
            self.problem(&here, "directory loop");
            return Ok(());
        }
        if size > MAX_DIR_BYTES {
            self.problem(&here, format!("directory of {size} bytes"));
            return Ok(());
        }
        self.dir_bytes += size;
        if self.dir_bytes > self.image_bytes {
            self.problem(
                &here,
                "directories add up to more bytes than the image holds (overlapping directories)",
            );
            return Ok(());
        }
        let buf = read_at(self.r, lba * SECTOR, size as usize)?;
        if (buf.len() as u64) < size {
            self.problem(&here, "directory extends past the end of the image");
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
                    self.problem(&here, format!("bad directory record at {off}"));
                    off = (off / SECTOR as usize + 1) * SECTOR as usize;
                    continue;
                }
            };
            off += len;
            let id_len = rec[32] as usize;
            let Some(id) = rec.get(33..33 + id_len) else {
                self.problem(&here, "record name overruns the record");
                continue;
            };
            if id == [0] || id == [1] {
                if id == [0] {
                    self.note_system_use(&here, rec, id_len);
                }
                continue;
            }
            self.entries += 1;
            if self.entries > MAX_ENTRIES {
                return Err(IsoError::Damaged(format!(
                    "more than {MAX_ENTRIES} entries in the {} tree",
                    self.tree
                )));
            }
            let name = decode_name(id, self.joliet);
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            self.note_system_use(&path, rec, id_len);
            if name.is_empty() || name.contains(['/', '\0']) || name == "." || name == ".." {
                self.problem(&path, "unusable file name");
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
                        self.problem(&p.path, "multi-extent file not finished");
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
            self.problem(&p.path, "multi-extent file not finished");
            self.files.push(p);
        }
        for (path, l, s) in subdirs {
            self.walk(&path, l, s, depth + 1)?;
        }
        Ok(())
    }
}

/// The walked tree of one volume descriptor.
struct Walked {
    files: Vec<IsoEntry>,
    problems: Vec<(String, String)>,
    system_use: Vec<SystemUse>,
}

fn walk_tree<R: Read + Seek>(
    r: &mut R,
    vd: &[u8],
    joliet: bool,
    image_bytes: u64,
) -> Result<Walked, IsoError> {
    let tree = if joliet { "Joliet" } else { "primary" };
    let root = &vd[156..190];
    if root[0] != 34 || root[25] & 0x02 == 0 {
        return Err(IsoError::Damaged(format!(
            "root directory record of the {tree} tree"
        )));
    }
    let mut w = Walker {
        r,
        joliet,
        tree,
        seen_dirs: BTreeSet::new(),
        files: Vec::new(),
        problems: Vec::new(),
        system_use: Vec::new(),
        entries: 0,
        dir_bytes: 0,
        image_bytes,
    };
    w.walk("", le32(root, 2), le32(root, 10), 0)?;
    let mut files = w.files;
    let mut problems = w.problems;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for pair in files.windows(2) {
        if pair[0].path == pair[1].path {
            problems.push((
                format!("({tree} tree) {}", pair[1].path),
                "listed twice".into(),
            ));
        }
    }
    files.dedup_by(|a, b| a.path == b.path);
    drop_overlapping(&mut files, tree, &mut problems);
    Ok(Walked {
        files,
        problems,
        system_use: w.system_use,
    })
}

/// Each byte of the image belongs to at most one file: files whose
/// extents overlap another's are reported and not read, so no image can
/// make the reader read more than it holds.
fn drop_overlapping(files: &mut Vec<IsoEntry>, tree: &str, problems: &mut Vec<(String, String)>) {
    let mut spans: Vec<(u64, u64, usize)> = files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| {
            f.extents
                .iter()
                .filter(|e| e.1 > 0)
                .map(move |&(off, len)| (off, off.saturating_add(len), i))
        })
        .collect();
    spans.sort_unstable();
    let mut bad = BTreeSet::new();
    let mut reach: Option<(u64, usize)> = None;
    for &(start, end, i) in &spans {
        if let Some((r_end, r_i)) = reach {
            if start < r_end {
                bad.insert(i);
                bad.insert(r_i);
                if end <= r_end {
                    continue;
                }
            }
        }
        reach = Some((end, i));
    }
    if bad.is_empty() {
        return;
    }
    for &i in &bad {
        problems.push((
            format!("({tree} tree) {}", files[i].path),
            "its data overlaps another file's: not read".into(),
        ));
    }
    let mut i = 0;
    files.retain(|_| {
        let keep = !bad.contains(&i);
        i += 1;
        keep
    });
}

fn descriptor_kind(vd: &[u8]) -> DescriptorKind {
    match vd[0] {
        0 => DescriptorKind::Boot(
            String::from_utf8_lossy(&vd[7..39])
                .trim_end_matches(['\0', ' '])
                .to_owned(),
        ),
        1 => DescriptorKind::Primary,
        2 if matches!(&vd[88..91], b"%/@" | b"%/C" | b"%/E") => DescriptorKind::Joliet,
        2 => DescriptorKind::Supplementary,
        3 => DescriptorKind::Partition,
        255 => DescriptorKind::Terminator,
        t => DescriptorKind::Other(t),
    }
}

impl IsoTree {
    /// Reads the directory structure of an image (no file data): every
    /// volume descriptor, the primary tree, and the Joliet tree if any.
    pub fn read<R: Read + Seek>(r: &mut R) -> Result<IsoTree, IsoError> {
        let image_bytes = r.seek(SeekFrom::End(0))?;
        let mut primary: Option<Vec<u8>> = None;
        let mut joliet: Option<Vec<u8>> = None;
        let mut descriptors = Vec::new();
        for i in 0..MAX_DESCRIPTORS {
            let lba = FIRST_VD_LBA + i;
            let vd = read_at(r, lba * SECTOR, SECTOR as usize)?;
            if vd.len() < SECTOR as usize || &vd[1..6] != CD001 {
                if i == 0 {
                    return Err(IsoError::NotIso(
                        "no CD001 volume descriptor at sector 16".into(),
                    ));
                }
                break;
            }
            let kind = descriptor_kind(&vd);
            match kind {
                DescriptorKind::Primary if primary.is_none() => primary = Some(vd),
                DescriptorKind::Joliet if joliet.is_none() => joliet = Some(vd),
                _ => {}
            }
            let end = kind == DescriptorKind::Terminator;
            descriptors.push(Descriptor { lba, kind });
            if end {
                break;
            }
        }
        let mut problems = Vec::new();
        if descriptors.last().map(|d| &d.kind) != Some(&DescriptorKind::Terminator) {
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
        let prim = walk_tree(r, &pvd, false, image_bytes)?;
        let mut system_use = prim.system_use;
        problems.extend(prim.problems);
        let (files, volume_id) = match &joliet {
            Some(svd) => {
                let j = walk_tree(r, svd, true, image_bytes)?;
                problems.extend(j.problems);
                system_use.extend(j.system_use);
                (j.files, decode_name(&svd[40..72], true))
            }
            None => (prim.files.clone(), decode_name(&pvd[40..72], false)),
        };
        Ok(IsoTree {
            volume_bytes,
            image_bytes,
            joliet: joliet.is_some(),
            volume_id: volume_id.trim().to_owned(),
            files,
            primary: prim.files,
            descriptors,
            pvd,
            svd: joliet,
            system_use,
            problems,
        })
    }

    /// Reads every file's bytes once, in on-disc order, passing each chunk
    /// to `visit(index, chunk)`; only files `select(index)` accepts. Bytes past the end of the image are
    /// simply absent: `visit` sees fewer bytes than the file's size.
    /// Returns the files whose last sector carries bytes after the file's
    /// end (the writer pads with zeros; no reader shows such bytes).
    pub fn read_files<R: Read + Seek>(
        &self,
        r: &mut R,
        select: impl Fn(usize) -> bool,
        mut visit: impl FnMut(usize, &[u8]),
    ) -> io::Result<Vec<usize>> {
        let mut order: Vec<usize> = (0..self.files.len()).filter(|&i| select(i)).collect();
        order.sort_by_key(|&i| self.files[i].extents.first().map(|e| e.0).unwrap_or(0));
        let mut buf = vec![0u8; crate::hash::STREAM_BUFFER];
        let mut hidden = Vec::new();
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
            if let Some(&(off, len)) = self.files[i].extents.last() {
                let end = off.saturating_add(len);
                let pad = (sectors(end) * SECTOR).min(self.image_bytes) - end.min(self.image_bytes);
                if pad > 0 && read_at(r, end, pad as usize)?.iter().any(|&b| b != 0) {
                    hidden.push(i);
                }
            }
        }
        Ok(hidden)
    }

    /// Sectors the volume declares.
    pub fn volume_sectors(&self) -> u64 {
        sectors(self.volume_bytes)
    }
}
