//! Does an image hold exactly what our writer writes? An ISO image can
//! carry several views of its files — the primary tree, Joliet, Rock Ridge
//! entries, a UDF bridge, a boot image, later sessions — and each reader
//! picks its own. Our images carry the primary and Joliet trees only, so
//! the check is: every structure present is one we write, the primary
//! tree agrees with Joliet file by file, and every sector before the file
//! data is byte for byte what `plan` + `write_image` give for the files
//! the Joliet tree lists. Anything else is reported, naming what was found.

use std::io::{self, Read, Seek};

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::reader::{decode_name, read_at, DescriptorKind, IsoTree};
use super::writer::{plan, IsoFile, Region, VolumeInfo};
use super::{CD001, FIRST_VD_LBA, SECTOR};

/// Sector of a UDF anchor volume descriptor pointer (ECMA-167 3/8.4.2.1).
const UDF_ANCHOR_LBA: u64 = 256;
/// Files named otherwise in the primary tree listed before the rest are
/// counted.
const MAX_RENAMED_LISTED: usize = 3;
/// Region mismatches listed before the rest are summed up.
const MAX_REGION_PROBLEMS: usize = 8;

/// One way the image departs from what fieldcase writes: where, and what.
pub type Departure = (String, String);

/// Everything in `tree`'s image that our writer would not have written.
/// Reads the system area, the sectors after the descriptors, the metadata
/// region and any bytes past the volume; never the file data.
pub fn departures<R: Read + Seek>(r: &mut R, tree: &IsoTree) -> io::Result<Vec<Departure>> {
    let mut out = Vec::new();
    let system_ok = system_area(r, &mut out)?;
    let descriptors_ok = descriptors(tree, &mut out);
    extended_area(r, tree, &mut out)?;
    system_use(tree, &mut out);
    past_the_volume(r, tree, &mut out)?;
    if tree.joliet {
        layout(r, tree, system_ok, descriptors_ok, &mut out)?;
    } else {
        out.push((
            "(volume descriptors)".into(),
            "no Joliet tree: fieldcase writes a primary and a Joliet tree".into(),
        ));
    }
    Ok(out)
}

fn system_area<R: Read + Seek>(r: &mut R, out: &mut Vec<Departure>) -> io::Result<bool> {
    let area = read_at(r, 0, (FIRST_VD_LBA * SECTOR) as usize)?;
    match area.iter().position(|&b| b != 0) {
        None => Ok(true),
        Some(at) => {
            let what = if area.get(510..512) == Some(&[0x55, 0xAA]) {
                "a boot sector / partition table (MBR signature 55 AA)"
            } else {
                "non-zero bytes"
            };
            out.push((
                "(system area)".into(),
                format!(
                    "{what} in sectors 0–15 (first at byte {at}); fieldcase writes zeros there"
                ),
            ));
            Ok(false)
        }
    }
}

fn descriptors(tree: &IsoTree, out: &mut Vec<Departure>) -> bool {
    let want = [
        DescriptorKind::Primary,
        DescriptorKind::Joliet,
        DescriptorKind::Terminator,
    ];
    let mut ok = tree.descriptors.len() == want.len();
    for (i, d) in tree.descriptors.iter().enumerate() {
        if want.get(i) == Some(&d.kind) {
            continue;
        }
        ok = false;
        let what = match &d.kind {
            DescriptorKind::Boot(id) if id.contains("EL TORITO") => {
                format!("an El Torito boot record ({id:?}): the disc can boot a program")
            }
            DescriptorKind::Boot(id) => format!("a boot record ({id:?})"),
            DescriptorKind::Primary => "a second primary volume descriptor".into(),
            DescriptorKind::Joliet => "a Joliet descriptor out of place".into(),
            DescriptorKind::Supplementary => {
                "a supplementary volume descriptor that is not Joliet (another tree)".into()
            }
            DescriptorKind::Partition => "a volume partition descriptor".into(),
            DescriptorKind::Terminator => "the terminator out of place".into(),
            DescriptorKind::Other(t) => format!("a volume descriptor of unknown type {t}"),
        };
        out.push((
            format!("(volume descriptors) sector {}", d.lba),
            format!("{what}; fieldcase writes primary, Joliet, terminator at sectors 16–18"),
        ));
    }
    if !ok && tree.descriptors.len() < want.len() {
        out.push((
            "(volume descriptors)".into(),
            format!(
                "{} descriptors; fieldcase writes primary, Joliet, terminator at sectors 16–18",
                tree.descriptors.len()
            ),
        ));
    }
    ok
}

/// The UDF volume recognition sequence follows the ISO descriptors; its
/// anchor sits at sector 256.
fn extended_area<R: Read + Seek>(
    r: &mut R,
    tree: &IsoTree,
    out: &mut Vec<Departure>,
) -> io::Result<()> {
    let after = tree
        .descriptors
        .last()
        .map(|d| d.lba + 1)
        .unwrap_or(FIRST_VD_LBA);
    let mut found = Vec::new();
    for lba in after..after + 16 {
        let s = read_at(r, lba * SECTOR, 8)?;
        if s.len() < 6 {
            break;
        }
        let id = &s[1..6];
        if [b"BEA01", b"NSR02", b"NSR03", b"TEA01", b"BOOT2", b"CDW02"]
            .iter()
            .any(|x| id == *x)
        {
            found.push(String::from_utf8_lossy(id).into_owned());
        } else if id == CD001 {
            found.push(format!("CD001 at sector {lba}"));
        }
    }
    if !found.is_empty() {
        let udf = found.iter().any(|f| f.starts_with("NSR"));
        out.push((
            format!("(volume descriptors) sector {after}"),
            format!(
                "{} ({}): Windows and 7-Zip read that instead of Joliet; fieldcase writes none",
                if udf {
                    "a UDF bridge"
                } else {
                    "an extended volume recognition sequence"
                },
                found.join(" ")
            ),
        ));
    }
    let anchor = read_at(r, UDF_ANCHOR_LBA * SECTOR, 16)?;
    if anchor.len() == 16
        && u16::from_le_bytes([anchor[0], anchor[1]]) == 2
        && u32::from_le_bytes([anchor[12], anchor[13], anchor[14], anchor[15]]) as u64
            == UDF_ANCHOR_LBA
        && tree.volume_bytes > UDF_ANCHOR_LBA * SECTOR
    {
        out.push((
            format!("(disc image) sector {UDF_ANCHOR_LBA}"),
            "a UDF anchor volume descriptor pointer: a UDF file system is present".into(),
        ));
    }
    Ok(())
}

fn system_use(tree: &IsoTree, out: &mut Vec<Departure>) {
    for s in &tree.system_use {
        let rr = s
            .signatures
            .iter()
            .any(|g| ["SP", "RR", "NM", "PX", "SL", "TF", "CE", "PN"].contains(&g.as_str()));
        let link = if s.signatures.iter().any(|g| g == "SL") {
            " including a symbolic link (SL)"
        } else {
            ""
        };
        out.push((
            format!("({} tree) {}", s.tree, s.path),
            format!(
                "System Use entries {}{link}{}; fieldcase writes none",
                s.signatures.join(" "),
                if rr {
                    " (Rock Ridge: Linux and osirrox show its names, links and modes instead of Joliet's)"
                } else {
                    ""
                }
            ),
        ));
    }
}

fn past_the_volume<R: Read + Seek>(
    r: &mut R,
    tree: &IsoTree,
    out: &mut Vec<Departure>,
) -> io::Result<()> {
    if tree.image_bytes <= tree.volume_bytes {
        return Ok(());
    }
    let mut at = tree.volume_bytes;
    let mut buf = vec![0u8; crate::hash::STREAM_BUFFER];
    r.seek(io::SeekFrom::Start(at))?;
    while at < tree.image_bytes {
        let want = (tree.image_bytes - at).min(buf.len() as u64) as usize;
        let n = r.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        if let Some(i) = buf[..n].iter().position(|&b| b != 0) {
            let first = at + i as u64;
            let session = later_session(r, tree.volume_bytes, tree.image_bytes)?;
            out.push((
                "(disc image)".into(),
                match session {
                    Some(lba) => format!(
                        "a later session: volume descriptors at sector {lba}, after the volume's {} sectors (a multi-session reader shows that session)",
                        tree.volume_bytes / SECTOR
                    ),
                    None => format!(
                        "data past the end of the volume ({} bytes declared, non-zero byte at {first})",
                        tree.volume_bytes
                    ),
                },
            ));
            return Ok(());
        }
        at += n as u64;
    }
    Ok(())
}

/// The first sector after the volume that starts with a volume descriptor.
fn later_session<R: Read + Seek>(r: &mut R, from: u64, to: u64) -> io::Result<Option<u64>> {
    let mut lba = from / SECTOR;
    // Sessions start on a sector; look at every sector's head, bounded by
    // the image size, in reads of whole sectors.
    let mut buf = vec![0u8; 64 * SECTOR as usize];
    r.seek(io::SeekFrom::Start(lba * SECTOR))?;
    while lba * SECTOR < to {
        let n = r.read(&mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        for (k, s) in buf[..n].chunks(SECTOR as usize).enumerate() {
            if s.len() >= 6 && &s[1..6] == CD001 && s[0] == 1 {
                return Ok(Some(lba + k as u64));
            }
        }
        lba += (n as u64).div_ceil(SECTOR);
    }
    Ok(None)
}

fn trimmed_text(field: &[u8], joliet: bool) -> String {
    decode_name(field, joliet)
        .trim_end_matches([' ', '\0'])
        .to_owned()
}

/// A descriptor's volume label. The writer puts it twice: in the volume
/// identifier (32 bytes, what readers show; cut when longer) and in the
/// volume set identifier (128 bytes). When the short copy is not full it
/// holds the whole label, and the long copy must say exactly the same —
/// else a changed byte in the long copy would read as another label.
fn label(vd: &[u8], joliet: bool) -> Result<String, String> {
    let (short, long) = if joliet {
        (
            trimmed_text(&vd[40..72], true),
            trimmed_text(&vd[190..318], true),
        )
    } else {
        let text = |b: &[u8]| String::from_utf8_lossy(b).trim_end_matches(' ').to_owned();
        (text(&vd[40..72]), text(&vd[190..318]))
    };
    let capacity = if joliet { 16 } else { 32 };
    if short.chars().count() < capacity && short != long {
        return Err(format!(
            "the volume set identifier ({long:?}) is not the volume label ({short:?})"
        ));
    }
    Ok(long)
}

/// The application identifier, from the Joliet copy. The primary copy
/// maps every character that is not a letter or digit to `_`, so it cannot
/// tell such characters apart: fieldcase writes printable ASCII there, and
/// anything else is a departure.
fn application(svd: &[u8]) -> Result<String, String> {
    let text = trimmed_text(&svd[574..702], true);
    if text.chars().all(|c| matches!(c, ' '..='~')) {
        Ok(text)
    } else {
        Err(format!(
            "the application identifier {text:?} is not printable ASCII"
        ))
    }
}

/// The volume labels and time the writer was given, read back from the
/// descriptors (the longest copy of each label the descriptors hold).
fn volume_info(pvd: &[u8], svd: &[u8]) -> Result<VolumeInfo, String> {
    let date = &pvd[813..830];
    let text = std::str::from_utf8(&date[..14]).map_err(|_| "creation date not digits")?;
    let num = |a: usize, b: usize| text[a..b].parse::<u32>().map_err(|_| "creation date");
    let day = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(4, 6)?, num(6, 8)?)
        .and_then(|d| d.and_hms_opt(num(8, 10).ok()?, num(10, 12).ok()?, num(12, 14).ok()?))
        .ok_or("creation date out of range")?;
    let offset = FixedOffset::east_opt(i32::from(date[16] as i8) * 900).ok_or("time zone")?;
    let time: DateTime<FixedOffset> = day
        .and_local_timezone(offset)
        .single()
        .ok_or("creation date")?;
    Ok(VolumeInfo {
        volume_id: label(pvd, false)?,
        joliet_volume_id: label(svd, true)?,
        // Joliet keeps the application text as given; the primary copy is
        // mapped to d-characters.
        application: application(svd)?,
        time,
    })
}

fn layout<R: Read + Seek>(
    r: &mut R,
    tree: &IsoTree,
    system_ok: bool,
    descriptors_ok: bool,
    out: &mut Vec<Departure>,
) -> io::Result<()> {
    let Some(svd) = &tree.svd else {
        return Ok(());
    };
    let vol = match volume_info(&tree.pvd, svd) {
        Ok(v) => v,
        Err(e) => {
            out.push((
                "(volume descriptors)".into(),
                format!("the volume descriptors are not what fieldcase writes: {e}"),
            ));
            return Ok(());
        }
    };
    let files: Vec<IsoFile> = tree
        .files
        .iter()
        .map(|e| IsoFile {
            path: e.path.clone(),
            size: e.size(),
        })
        .collect();
    let planned = match plan(&files, &vol) {
        Ok(p) => p,
        Err(e) => {
            out.push((
                "(Joliet tree)".into(),
                format!("not a tree fieldcase writes: {e}"),
            ));
            return Ok(());
        }
    };
    agree(tree, &planned.primary_paths(), out);
    let mut mismatched = 0usize;
    for (lba, region) in planned.regions() {
        let skip = match region {
            Region::SystemArea => !system_ok,
            Region::Descriptor(_) | Region::Terminator => !descriptors_ok,
            _ => false,
        };
        if skip {
            continue;
        }
        let want = planned.region_bytes(region);
        let got = read_at(r, lba * SECTOR, want.len())?;
        if got == want {
            continue;
        }
        mismatched += 1;
        if mismatched <= MAX_REGION_PROBLEMS {
            let at = got
                .iter()
                .zip(&want)
                .position(|(a, b)| a != b)
                .unwrap_or(got.len().min(want.len()));
            out.push((
                format!("(disc image) sector {}", lba + at as u64 / SECTOR),
                format!(
                    "{} is not what fieldcase writes for the files listed (first difference at byte {at} of it)",
                    planned.describe(region)
                ),
            ));
        }
    }
    if mismatched > MAX_REGION_PROBLEMS {
        out.push((
            "(disc image)".into(),
            format!(
                "{} more regions differ from what fieldcase writes",
                mismatched - MAX_REGION_PROBLEMS
            ),
        ));
    }
    if planned.image_bytes() != tree.volume_bytes {
        out.push((
            "(volume descriptors)".into(),
            format!(
                "a volume of {} bytes; fieldcase writes {} bytes for the files listed",
                tree.volume_bytes,
                planned.image_bytes()
            ),
        ));
    }
    Ok(())
}

/// The primary tree must list the same files as Joliet, under the names
/// the writer maps them to, at the same bytes.
fn agree(tree: &IsoTree, expected_primary: &[String], out: &mut Vec<Departure>) {
    use std::collections::BTreeMap;
    // `tree.files` is sorted by path, the order `plan` gives `files()`.
    let want: BTreeMap<&str, usize> = expected_primary
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let by_extents: BTreeMap<&[(u64, u64)], usize> = tree
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.extents.as_slice(), i))
        .collect();
    let mut seen = vec![false; tree.files.len()];
    // What a reader of the primary tree would see that Joliet's does not
    // show comes first; a file only named otherwise (another program's
    // name mapping) is listed a few times, then counted.
    let mut renamed = Vec::new();
    for e in &tree.primary {
        let at = format!("(primary tree) {}", e.path);
        match (want.get(e.path.as_str()), by_extents.get(e.extents.as_slice())) {
            (Some(&i), _) if tree.files[i].extents == e.extents => seen[i] = true,
            (Some(&i), _) => {
                seen[i] = true;
                let j = &tree.files[i];
                out.push((
                    at,
                    format!(
                        "points at other data than the Joliet tree's {}: {} vs {}",
                        j.path,
                        spans(&e.extents),
                        spans(&j.extents)
                    ),
                ));
            }
            (None, Some(&i)) if !e.extents.is_empty() => {
                seen[i] = true;
                renamed.push((at, format!("the Joliet tree's {} under a name fieldcase does not give it ({})", tree.files[i].path, expected_primary[i])));
            }
            (None, _) => out.push((
                at,
                "a file only in the primary tree (isoinfo without -J and many embedded readers show it); the Joliet tree does not list it".into(),
            )),
        }
    }
    let n = renamed.len();
    out.extend(renamed.into_iter().take(MAX_RENAMED_LISTED));
    if n > MAX_RENAMED_LISTED {
        out.push((
            "(primary tree)".into(),
            format!(
                "{} more files under names fieldcase does not give them: another program wrote this tree",
                n - MAX_RENAMED_LISTED
            ),
        ));
    }
    for (i, s) in seen.iter().enumerate() {
        if !s {
            out.push((
                format!("(primary tree) {}", expected_primary[i]),
                format!(
                    "missing: a reader of the primary tree does not see {}",
                    tree.files[i].path
                ),
            ));
        }
    }
}

fn spans(ext: &[(u64, u64)]) -> String {
    let list: Vec<String> = ext
        .iter()
        .take(4)
        .map(|(o, l)| format!("bytes {o}+{l}"))
        .collect();
    list.join(", ")
}
