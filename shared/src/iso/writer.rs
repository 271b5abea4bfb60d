//! Writing ISO 9660 + Joliet images: plan the layout first (exact size
//! known before a byte is written), then stream the file data in order.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use chrono::{DateTime, Datelike, FixedOffset, Timelike};

use super::{both16, both32, sectors, IsoError, CD001, FIRST_VD_LBA, MAX_EXTENT, SECTOR};

/// One file to put in the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoFile {
    /// Path with `/` separators, no leading `/`; each part 1–64 ASCII
    /// characters without `/ \ : ; * ?`.
    pub path: String,
    /// Exact size in bytes.
    pub size: u64,
}

/// Volume labels and the one time every date in the image is set to.
#[derive(Debug, Clone)]
pub struct VolumeInfo {
    /// Primary volume id (mapped to `A–Z 0–9 _`, at most 32).
    pub volume_id: String,
    /// Joliet volume id (any text; cut to 16 UCS-2 characters).
    pub joliet_volume_id: String,
    /// Application id.
    pub application: String,
    /// Every date in the image.
    pub time: DateTime<FixedOffset>,
}

const PRIMARY: usize = 0;
const JOLIET: usize = 1;

#[derive(Debug, Clone)]
enum Child {
    Dir(usize),
    File(usize),
}

#[derive(Debug, Clone, Default)]
struct DirNode {
    parent: usize,
    subdirs: BTreeMap<String, usize>,
    files: BTreeMap<String, usize>,
}

/// Per tree (primary or Joliet): identifiers, order, numbering, extents.
#[derive(Debug, Clone, Default)]
struct Flavour {
    dir_ids: Vec<Vec<u8>>,
    file_ids: Vec<Vec<u8>>,
    /// Children of each directory in on-disc order.
    children: Vec<Vec<Child>>,
    /// Directories in path-table order.
    order: Vec<usize>,
    /// Path-table number (1-based) of each directory.
    number: Vec<u16>,
    dir_lba: Vec<u64>,
    dir_size: Vec<u64>,
    path_table: u64,
    l_table_lba: u64,
    m_table_lba: u64,
}

/// The full layout of an image, computed before writing.
#[derive(Debug, Clone)]
pub struct IsoLayout {
    files: Vec<IsoFile>,
    file_lba: Vec<u64>,
    dirs: Vec<DirNode>,
    trees: [Flavour; 2],
    total_sectors: u64,
    vol: VolumeInfo,
}

impl IsoLayout {
    /// Image size in bytes.
    pub fn image_bytes(&self) -> u64 {
        self.total_sectors * SECTOR
    }

    /// Files in data order (the order `write_image` asks for them).
    pub fn files(&self) -> &[IsoFile] {
        &self.files
    }
}

fn check_name(path: &str, part: &str) -> Result<(), IsoError> {
    let ok = !part.is_empty()
        && part.len() <= 64
        && part != "."
        && part != ".."
        && part
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"/\\:;*?".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(IsoError::BadName(path.to_owned()))
    }
}

fn d_chars(s: &str, keep_dot: bool) -> String {
    s.chars()
        .map(|c| {
            let u = c.to_ascii_uppercase();
            if u.is_ascii_uppercase() || u.is_ascii_digit() || (keep_dot && u == '.') {
                u
            } else {
                '_'
            }
        })
        .collect()
}

fn truncate_with(base: &str, max: usize, suffix: &str) -> String {
    let keep = max.saturating_sub(suffix.len());
    format!("{}{suffix}", &base[..base.len().min(keep)])
}

/// ECMA-119 name for a file, unique among `used`: `NAME.EXT;1`, at most
/// 30 characters before the version.
fn primary_file_id(name: &str, used: &mut BTreeSet<String>) -> String {
    let (base, ext) = match name.rsplit_once('.') {
        Some((b, e)) if !b.is_empty() => (d_chars(b, false), d_chars(e, false)),
        _ => (d_chars(name, false), String::new()),
    };
    let ext: String = ext.chars().take(8).collect();
    let room = 30 - 1 - ext.len();
    for n in 0u32.. {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!("_{n}")
        };
        let id = format!("{}.{ext}", truncate_with(&base, room, &suffix));
        if used.insert(id.clone()) {
            return format!("{id};1");
        }
    }
    unreachable!("an unused name always exists")
}

/// ECMA-119 name for a directory, unique among `used`, at most 31.
fn primary_dir_id(name: &str, used: &mut BTreeSet<String>) -> String {
    let base = d_chars(name, false);
    for n in 0u32.. {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!("_{n}")
        };
        let id = truncate_with(&base, 31, &suffix);
        if used.insert(id.clone()) {
            return id;
        }
    }
    unreachable!("an unused name always exists")
}

/// ECMA-119 9.3 order: name, then extension, each padded with spaces.
fn primary_order(a: &[u8], b: &[u8]) -> Ordering {
    fn split(id: &[u8]) -> (&[u8], &[u8]) {
        let id = id.split(|&c| c == b';').next().unwrap_or(id);
        match id.iter().position(|&c| c == b'.') {
            Some(i) => (&id[..i], &id[i + 1..]),
            None => (id, &[]),
        }
    }
    fn padded(a: &[u8], b: &[u8]) -> Ordering {
        let n = a.len().max(b.len());
        let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(b' ');
        (0..n)
            .map(|i| at(a, i).cmp(&at(b, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
    let (an, ae) = split(a);
    let (bn, be) = split(b);
    padded(an, bn).then_with(|| padded(ae, be))
}

fn ucs2(s: &str, max_chars: usize) -> Vec<u8> {
    s.encode_utf16()
        .take(max_chars)
        .flat_map(|u| u.to_be_bytes())
        .collect()
}

fn record_len(id_len: usize) -> u64 {
    (33 + id_len + usize::from(id_len % 2 == 0)) as u64
}

/// Number of directory records (extents) a file of `size` bytes needs.
fn extent_count(size: u64) -> u64 {
    size.div_ceil(MAX_EXTENT).max(1)
}

fn dir_bytes(recs: impl Iterator<Item = u64>) -> u64 {
    let mut off = 0u64;
    for len in recs {
        if off % SECTOR + len > SECTOR {
            off = off.div_ceil(SECTOR) * SECTOR;
        }
        off += len;
    }
    sectors(off).max(1) * SECTOR
}

fn path_table_bytes(ids: &[Vec<u8>], order: &[usize]) -> u64 {
    order
        .iter()
        .map(|&d| {
            let n = ids[d].len().max(1);
            (8 + n + n % 2) as u64
        })
        .sum()
}

/// Computes the layout of an image holding `files` (sorted by path here).
pub fn plan(files: &[IsoFile], vol: &VolumeInfo) -> Result<IsoLayout, IsoError> {
    if files.len() > super::MAX_FILES {
        return Err(IsoError::TooManyFiles(files.len()));
    }
    let mut files: Vec<IsoFile> = files.to_vec();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut dirs = vec![DirNode::default()];
    for (fi, f) in files.iter().enumerate() {
        let parts: Vec<&str> = f.path.split('/').collect();
        if parts.len() > 8 {
            return Err(IsoError::BadName(f.path.clone()));
        }
        for p in &parts {
            check_name(&f.path, p)?;
        }
        let mut at = 0usize;
        for p in &parts[..parts.len() - 1] {
            at = match dirs[at].subdirs.get(*p) {
                Some(&d) => d,
                None => {
                    if dirs[at].files.contains_key(*p) {
                        return Err(IsoError::BadName(f.path.clone()));
                    }
                    dirs.push(DirNode {
                        parent: at,
                        ..DirNode::default()
                    });
                    let d = dirs.len() - 1;
                    dirs[at].subdirs.insert((*p).to_owned(), d);
                    d
                }
            };
        }
        let leaf = parts[parts.len() - 1];
        if dirs[at].subdirs.contains_key(leaf)
            || dirs[at].files.insert(leaf.to_owned(), fi).is_some()
        {
            return Err(IsoError::BadName(f.path.clone()));
        }
    }

    let mut trees = [Flavour::default(), Flavour::default()];
    for (flavour, t) in trees.iter_mut().enumerate() {
        t.dir_ids = vec![vec![0u8]; dirs.len()];
        t.file_ids = vec![Vec::new(); files.len()];
        t.children = vec![Vec::new(); dirs.len()];
        for (d, node) in dirs.iter().enumerate() {
            let mut used = BTreeSet::new();
            let mut kids: Vec<(Vec<u8>, Child)> = Vec::new();
            for (name, &sub) in &node.subdirs {
                let id = if flavour == PRIMARY {
                    primary_dir_id(name, &mut used).into_bytes()
                } else {
                    ucs2(name, 64)
                };
                t.dir_ids[sub] = id.clone();
                kids.push((id, Child::Dir(sub)));
            }
            for (name, &fi) in &node.files {
                let id = if flavour == PRIMARY {
                    primary_file_id(name, &mut used).into_bytes()
                } else {
                    ucs2(name, 64)
                };
                t.file_ids[fi] = id.clone();
                kids.push((id, Child::File(fi)));
            }
            if flavour == PRIMARY {
                kids.sort_by(|a, b| primary_order(&a.0, &b.0));
            } else {
                kids.sort_by(|a, b| a.0.cmp(&b.0));
            }
            t.children[d] = kids.into_iter().map(|(_, c)| c).collect();
        }
        // Path-table order: breadth first, children in on-disc order.
        t.order = vec![0];
        let mut i = 0;
        while i < t.order.len() {
            let d = t.order[i];
            for c in &t.children[d] {
                if let Child::Dir(s) = c {
                    t.order.push(*s);
                }
            }
            i += 1;
        }
        t.number = vec![0; dirs.len()];
        for (n, &d) in t.order.iter().enumerate() {
            t.number[d] = u16::try_from(n + 1).map_err(|_| IsoError::TooManyDirectories)?;
        }
        t.dir_size = (0..dirs.len())
            .map(|d| {
                let recs = [34u64, 34]
                    .into_iter()
                    .chain(t.children[d].iter().flat_map(|c| {
                        let (id, n) = match c {
                            Child::Dir(s) => (&t.dir_ids[*s], 1),
                            Child::File(f) => (&t.file_ids[*f], extent_count(files[*f].size)),
                        };
                        std::iter::repeat_n(record_len(id.len()), n as usize)
                    }));
                dir_bytes(recs)
            })
            .collect();
        t.path_table = path_table_bytes(&t.dir_ids, &t.order);
        if t.path_table > u64::from(u32::MAX) {
            return Err(IsoError::TooManyDirectories);
        }
    }

    // Assign sectors.
    let mut lba = FIRST_VD_LBA + 3;
    for t in trees.iter_mut() {
        t.l_table_lba = lba;
        lba += sectors(t.path_table);
        t.m_table_lba = lba;
        lba += sectors(t.path_table);
    }
    for t in trees.iter_mut() {
        t.dir_lba = vec![0; dirs.len()];
        for &d in &t.order {
            t.dir_lba[d] = lba;
            lba += t.dir_size[d] / SECTOR;
        }
    }
    let mut file_lba = Vec::with_capacity(files.len());
    for f in &files {
        file_lba.push(lba);
        lba += sectors(f.size);
    }
    if lba > u64::from(u32::MAX) {
        return Err(IsoError::TooLarge(lba * SECTOR));
    }
    Ok(IsoLayout {
        files,
        file_lba,
        dirs,
        trees,
        total_sectors: lba,
        vol: vol.clone(),
    })
}

fn dir_date(t: &DateTime<FixedOffset>) -> [u8; 7] {
    let year = (t.year() - 1900).clamp(0, 255) as u8;
    let tz = (t.offset().local_minus_utc() / 900).clamp(-48, 52) as i8;
    [
        year,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second().min(59) as u8,
        tz as u8,
    ]
}

fn vd_date(t: Option<&DateTime<FixedOffset>>) -> [u8; 17] {
    let mut out = [b'0'; 17];
    out[16] = 0;
    if let Some(t) = t {
        let s = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}00",
            t.year().clamp(0, 9999),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second().min(59)
        );
        out[..16].copy_from_slice(s.as_bytes());
        out[16] = (t.offset().local_minus_utc() / 900).clamp(-48, 52) as i8 as u8;
    }
    out
}

fn dir_record(id: &[u8], lba: u64, len: u64, flags: u8, date: &[u8; 7]) -> Vec<u8> {
    let total = record_len(id.len()) as usize;
    let mut r = vec![0u8; total];
    r[0] = total as u8;
    r[2..10].copy_from_slice(&both32(lba as u32));
    r[10..18].copy_from_slice(&both32(len as u32));
    r[18..25].copy_from_slice(date);
    r[25] = flags;
    r[28..32].copy_from_slice(&both16(1));
    r[32] = id.len() as u8;
    r[33..33 + id.len()].copy_from_slice(id);
    r
}

/// Encodes an identifier field's text into at most the given bytes.
type TextEncoder = fn(&str, usize) -> Vec<u8>;

fn put_text(buf: &mut [u8], at: usize, len: usize, text: &[u8], pad: &[u8]) {
    for i in 0..len {
        buf[at + i] = pad[i % pad.len()];
    }
    let n = text.len().min(len);
    buf[at..at + n].copy_from_slice(&text[..n]);
}

impl IsoLayout {
    fn volume_descriptor(&self, flavour: usize) -> Vec<u8> {
        let t = &self.trees[flavour];
        let date = dir_date(&self.vol.time);
        let mut s = vec![0u8; SECTOR as usize];
        s[0] = if flavour == PRIMARY { 1 } else { 2 };
        s[1..6].copy_from_slice(CD001);
        s[6] = 1;
        let (pad, text): (&[u8], TextEncoder) = if flavour == PRIMARY {
            (b" ", |v, n| {
                d_chars(v, false).into_bytes().into_iter().take(n).collect()
            })
        } else {
            (&[0, 0x20], |v, n| ucs2(v, n / 2))
        };
        put_text(&mut s, 8, 32, &[], pad);
        let vol_id = if flavour == PRIMARY {
            &self.vol.volume_id
        } else {
            &self.vol.joliet_volume_id
        };
        put_text(&mut s, 40, 32, &text(vol_id, 32), pad);
        s[80..88].copy_from_slice(&both32(self.total_sectors as u32));
        if flavour == JOLIET {
            s[88..91].copy_from_slice(b"%/E");
        }
        s[120..124].copy_from_slice(&both16(1));
        s[124..128].copy_from_slice(&both16(1));
        s[128..132].copy_from_slice(&both16(SECTOR as u16));
        s[132..140].copy_from_slice(&both32(t.path_table as u32));
        s[140..144].copy_from_slice(&(t.l_table_lba as u32).to_le_bytes());
        s[148..152].copy_from_slice(&(t.m_table_lba as u32).to_be_bytes());
        let root = dir_record(&[0], t.dir_lba[0], t.dir_size[0], 2, &date);
        s[156..190].copy_from_slice(&root);
        put_text(&mut s, 190, 128, &text(vol_id, 128), pad);
        put_text(&mut s, 318, 128, &[], pad);
        put_text(&mut s, 446, 128, &[], pad);
        put_text(&mut s, 574, 128, &text(&self.vol.application, 128), pad);
        for (at, len) in [(702, 37), (739, 37), (776, 37)] {
            put_text(&mut s, at, len, &[], pad);
        }
        s[813..830].copy_from_slice(&vd_date(Some(&self.vol.time)));
        s[830..847].copy_from_slice(&vd_date(Some(&self.vol.time)));
        s[847..864].copy_from_slice(&vd_date(None));
        s[864..881].copy_from_slice(&vd_date(None));
        s[881] = 1;
        s
    }

    fn path_table(&self, flavour: usize, big_endian: bool) -> Vec<u8> {
        let t = &self.trees[flavour];
        let mut out = Vec::new();
        for &d in &t.order {
            let id = &t.dir_ids[d];
            out.push(id.len() as u8);
            out.push(0);
            let lba = t.dir_lba[d] as u32;
            let parent = t.number[self.dirs[d].parent];
            if big_endian {
                out.extend_from_slice(&lba.to_be_bytes());
                out.extend_from_slice(&parent.to_be_bytes());
            } else {
                out.extend_from_slice(&lba.to_le_bytes());
                out.extend_from_slice(&parent.to_le_bytes());
            }
            out.extend_from_slice(id);
            if id.len() % 2 == 1 {
                out.push(0);
            }
        }
        pad_to_sector(&mut out);
        out
    }

    fn directory(&self, flavour: usize, d: usize) -> Vec<u8> {
        let t = &self.trees[flavour];
        let date = dir_date(&self.vol.time);
        let parent = self.dirs[d].parent;
        let mut recs = vec![
            dir_record(&[0], t.dir_lba[d], t.dir_size[d], 2, &date),
            dir_record(&[1], t.dir_lba[parent], t.dir_size[parent], 2, &date),
        ];
        for c in &t.children[d] {
            match c {
                Child::Dir(s) => recs.push(dir_record(
                    &t.dir_ids[*s],
                    t.dir_lba[*s],
                    t.dir_size[*s],
                    2,
                    &date,
                )),
                Child::File(f) => {
                    let size = self.files[*f].size;
                    let n = extent_count(size);
                    for i in 0..n {
                        let len = if i + 1 == n {
                            size - i * MAX_EXTENT
                        } else {
                            MAX_EXTENT
                        };
                        let lba = self.file_lba[*f] + i * (MAX_EXTENT / SECTOR);
                        let flags = if i + 1 == n { 0 } else { 0x80 };
                        recs.push(dir_record(&t.file_ids[*f], lba, len, flags, &date));
                    }
                }
            }
        }
        let mut out = Vec::with_capacity(t.dir_size[d] as usize);
        for r in recs {
            if out.len() as u64 % SECTOR + r.len() as u64 > SECTOR {
                pad_to_sector(&mut out);
            }
            out.extend_from_slice(&r);
        }
        pad_to_sector(&mut out);
        out
    }
}

fn pad_to_sector(buf: &mut Vec<u8>) {
    let n = sectors(buf.len() as u64) * SECTOR;
    buf.resize(n as usize, 0);
}

struct Counting<'a, W: Write> {
    inner: &'a mut W,
    n: u64,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// One stretch of the image before the file data, in writing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// Sectors 0–15, zeros.
    SystemArea,
    /// The primary (0) or Joliet (1) volume descriptor.
    Descriptor(usize),
    /// The volume descriptor set terminator.
    Terminator,
    /// A path table: tree, big-endian (M) or not (L).
    PathTable(usize, bool),
    /// A directory: tree, directory number.
    Directory(usize, usize),
}

impl IsoLayout {
    /// Every region before the file data, with its first sector, in the
    /// order `write_image` writes them; together they fill sectors 0 up to
    /// the first file's.
    pub fn regions(&self) -> Vec<(u64, Region)> {
        let mut out = vec![
            (0, Region::SystemArea),
            (FIRST_VD_LBA, Region::Descriptor(PRIMARY)),
            (FIRST_VD_LBA + 1, Region::Descriptor(JOLIET)),
            (FIRST_VD_LBA + 2, Region::Terminator),
        ];
        for flavour in [PRIMARY, JOLIET] {
            let t = &self.trees[flavour];
            out.push((t.l_table_lba, Region::PathTable(flavour, false)));
            out.push((t.m_table_lba, Region::PathTable(flavour, true)));
        }
        for flavour in [PRIMARY, JOLIET] {
            for &d in &self.trees[flavour].order {
                out.push((
                    self.trees[flavour].dir_lba[d],
                    Region::Directory(flavour, d),
                ));
            }
        }
        out
    }

    /// The bytes of one region.
    pub fn region_bytes(&self, region: Region) -> Vec<u8> {
        match region {
            Region::SystemArea => vec![0u8; (FIRST_VD_LBA * SECTOR) as usize],
            Region::Descriptor(f) => self.volume_descriptor(f),
            Region::Terminator => {
                let mut term = vec![0u8; SECTOR as usize];
                term[0] = 255;
                term[1..6].copy_from_slice(CD001);
                term[6] = 1;
                term
            }
            Region::PathTable(f, be) => self.path_table(f, be),
            Region::Directory(f, d) => self.directory(f, d),
        }
    }

    /// What a region is, for a person: "the Joliet directory /data".
    pub fn describe(&self, region: Region) -> String {
        let tree = |f: usize| if f == PRIMARY { "primary" } else { "Joliet" };
        match region {
            Region::SystemArea => "the system area (sectors 0–15)".into(),
            Region::Descriptor(f) => format!("the {} volume descriptor", tree(f)),
            Region::Terminator => "the volume descriptor set terminator".into(),
            Region::PathTable(f, be) => format!(
                "the {} path table ({})",
                tree(f),
                if be { "M" } else { "L" }
            ),
            Region::Directory(f, d) => format!("the {} directory /{}", tree(f), self.dir_path(d)),
        }
    }

    fn dir_path(&self, d: usize) -> String {
        let mut parts = Vec::new();
        let mut at = d;
        while at != 0 {
            let parent = self.dirs[at].parent;
            if let Some((name, _)) = self.dirs[parent].subdirs.iter().find(|(_, &s)| s == at) {
                parts.push(name.clone());
            }
            at = parent;
        }
        parts.reverse();
        parts.join("/")
    }

    /// Each file's path in the primary tree as a reader without Joliet
    /// shows it (lower case, no version), in the order of `files()`.
    pub fn primary_paths(&self) -> Vec<String> {
        let t = &self.trees[PRIMARY];
        let mut dir_paths = vec![String::new(); self.dirs.len()];
        for d in 1..self.dirs.len() {
            let name = super::reader::decode_name(&t.dir_ids[d], false);
            let parent = &dir_paths[self.dirs[d].parent];
            dir_paths[d] = if parent.is_empty() {
                name
            } else {
                format!("{parent}/{name}")
            };
        }
        let mut out = vec![String::new(); self.files.len()];
        for (d, node) in self.dirs.iter().enumerate() {
            for &fi in node.files.values() {
                let name = super::reader::decode_name(&t.file_ids[fi], false);
                out[fi] = if dir_paths[d].is_empty() {
                    name
                } else {
                    format!("{}/{name}", dir_paths[d])
                };
            }
        }
        out
    }

    /// Sector of each file's data, in the order of `files()`.
    pub fn file_lbas(&self) -> &[u64] {
        &self.file_lba
    }
}

/// Writes the image. `fill(i, out)` must write exactly the bytes of
/// `layout.files()[i]`; files are asked for in order.
pub fn write_image<W: Write>(
    layout: &IsoLayout,
    out: &mut W,
    mut fill: impl FnMut(usize, &mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    for (_, region) in layout.regions() {
        out.write_all(&layout.region_bytes(region))?;
    }
    let zeros = vec![0u8; SECTOR as usize];
    for (i, f) in layout.files.iter().enumerate() {
        let mut c = Counting { inner: out, n: 0 };
        fill(i, &mut c)?;
        if c.n != f.size {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {} bytes written, expected {}", f.path, c.n, f.size),
            ));
        }
        let pad = (sectors(f.size) * SECTOR - f.size) as usize;
        out.write_all(&zeros[..pad])?;
    }
    Ok(())
}
