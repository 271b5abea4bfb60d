//! ISO 9660 (ECMA-119) images with a Joliet tree: a reproducible writer
//! and a defensive reader, both streaming, for one-case-one-disc images.
//!
//! Layout the writer produces (see `docs/disc.md`):
//! ```text
//! LBA 0–15   system area (zeros)
//! LBA 16     primary volume descriptor
//! LBA 17     Joliet supplementary volume descriptor (escape %/E, UCS-2 BE)
//! LBA 18     volume descriptor set terminator
//! LBA 19…    path tables (primary L, M; Joliet L, M)
//!            directories (primary, then Joliet)
//!            file data in path order, each file one contiguous run;
//!            a file over 4 GiB − 2 KiB spans several extents (level 3)
//! ```
//! Every date is the one given (the sealing time); nothing random is
//! written, so the same files give the same image bytes.

mod conform;
mod reader;
mod writer;

pub use conform::{departures, Departure};
pub use reader::{Descriptor, DescriptorKind, IsoEntry, IsoError, IsoTree, SystemUse};
pub use writer::{plan, write_image, IsoFile, IsoLayout, Region, VolumeInfo};

/// Most files one disc holds (the reader refuses trees much larger, so a
/// hostile image cannot make it hold millions of names in memory).
pub const MAX_FILES: usize = 65_536;

/// Sector size.
pub const SECTOR: u64 = 2048;
/// LBA of the first volume descriptor.
pub const FIRST_VD_LBA: u64 = 16;
/// Largest extent a directory record can describe, a whole number of sectors.
pub const MAX_EXTENT: u64 = 0xFFFF_F800;
/// Standard identifier in every volume descriptor.
const CD001: &[u8; 5] = b"CD001";

fn both16(v: u16) -> [u8; 4] {
    let l = v.to_le_bytes();
    let b = v.to_be_bytes();
    [l[0], l[1], b[0], b[1]]
}

fn both32(v: u32) -> [u8; 8] {
    let l = v.to_le_bytes();
    let b = v.to_be_bytes();
    [l[0], l[1], l[2], l[3], b[0], b[1], b[2], b[3]]
}

/// Sectors needed for `bytes`.
pub fn sectors(bytes: u64) -> u64 {
    bytes.div_ceil(SECTOR)
}

#[cfg(test)]
mod tests;
