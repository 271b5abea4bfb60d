//! The programs a disc carries beside the bag (`tools/`): the verifier,
//! linked statically for x86-64 Linux so it runs on any such machine ten
//! years on, with no library and no loader from the machine.

/// Why a file is not a program a disc may carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    /// Not an ELF file for x86-64.
    #[error("not an x86-64 Linux program (ELF, 64-bit, little-endian, machine x86-64): {0}")]
    NotElf(String),
    /// A dynamically linked program: it needs the machine's loader and C
    /// library, which a machine in ten years may not have.
    #[error("dynamically linked (it asks for the loader {0}); build it with `-C target-feature=+crt-static` as docs/disc.md says")]
    Dynamic(String),
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Checks that `bytes` is a statically linked x86-64 Linux executable:
/// an ELF64 little-endian executable (or static PIE) for machine x86-64
/// whose program headers ask for no interpreter (`PT_INTERP`).
pub fn check_static_x86_64(bytes: &[u8]) -> Result<(), ToolError> {
    let bad = |why: &str| ToolError::NotElf(why.to_owned());
    if bytes.get(..4) != Some(b"\x7fELF".as_slice()) {
        return Err(bad("no ELF magic"));
    }
    if bytes.get(4) != Some(&2) || bytes.get(5) != Some(&1) {
        return Err(bad("not 64-bit little-endian"));
    }
    match u16_at(bytes, 16) {
        Some(2 | 3) => {}
        _ => return Err(bad("not an executable")),
    }
    if u16_at(bytes, 18) != Some(0x3e) {
        return Err(bad("not for x86-64"));
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) =
        (u64_at(bytes, 32), u16_at(bytes, 54), u16_at(bytes, 56))
    else {
        return Err(bad("truncated header"));
    };
    if phnum == 0 || phentsize < 56 {
        return Err(bad("no program headers"));
    }
    for i in 0..u64::from(phnum) {
        let at = i
            .checked_mul(u64::from(phentsize))
            .and_then(|o| o.checked_add(phoff))
            .and_then(|o| usize::try_from(o).ok())
            .ok_or_else(|| bad("program headers out of range"))?;
        if bytes.len() < at.saturating_add(usize::from(phentsize)) {
            return Err(bad("program headers out of range"));
        }
        let kind = u32_at(bytes, at).ok_or_else(|| bad("program headers out of range"))?;
        if kind == 3 {
            let (off, size) = (u64_at(bytes, at + 8), u64_at(bytes, at + 32));
            let interp = off
                .zip(size)
                .and_then(|(o, n)| {
                    bytes.get(usize::try_from(o).ok()?..usize::try_from(o.checked_add(n)?).ok()?)
                })
                .map(|b| String::from_utf8_lossy(b).trim_end_matches('\0').to_owned())
                .unwrap_or_else(|| "?".into());
            return Err(ToolError::Dynamic(interp));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ELF64 header with `phdrs` program headers of the given
    /// types (the interpreter's path after them).
    fn elf(machine: u16, phdrs: &[u32]) -> Vec<u8> {
        let mut b = vec![0u8; 64];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[16..18].copy_from_slice(&3u16.to_le_bytes());
        b[18..20].copy_from_slice(&machine.to_le_bytes());
        b[32..40].copy_from_slice(&64u64.to_le_bytes());
        b[54..56].copy_from_slice(&56u16.to_le_bytes());
        b[56..58].copy_from_slice(&(phdrs.len() as u16).to_le_bytes());
        let interp_at = 64 + 56 * phdrs.len() as u64;
        for &t in phdrs {
            let mut p = vec![0u8; 56];
            p[..4].copy_from_slice(&t.to_le_bytes());
            p[8..16].copy_from_slice(&interp_at.to_le_bytes());
            p[32..40].copy_from_slice(&28u64.to_le_bytes());
            b.extend(p);
        }
        b.extend(b"/lib64/ld-linux-x86-64.so.2\0");
        b
    }

    #[test]
    fn only_static_x86_64_programs_go_on_a_disc() {
        assert_eq!(check_static_x86_64(&elf(0x3e, &[6, 1, 2])), Ok(()));
        assert_eq!(
            check_static_x86_64(&elf(0x3e, &[6, 3, 1])),
            Err(ToolError::Dynamic("/lib64/ld-linux-x86-64.so.2".into()))
        );
        assert!(matches!(
            check_static_x86_64(&elf(0xb7, &[1])),
            Err(ToolError::NotElf(_))
        ));
        assert!(check_static_x86_64(b"#!/bin/sh\necho VALID\n").is_err());
        assert!(check_static_x86_64(&elf(0x3e, &[1])[..70]).is_err());
        let mut far = elf(0x3e, &[1, 1, 1]);
        far[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(check_static_x86_64(&far).is_err());
        // A real dynamically linked program of this machine.
        if let Ok(ls) = std::fs::read("/bin/ls") {
            assert!(matches!(
                check_static_x86_64(&ls),
                Err(ToolError::Dynamic(_))
            ));
        }
    }
}
