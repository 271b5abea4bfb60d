//! SHA-256 digests (FIPS 180-4) and streaming hashing in constant memory.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

/// Length of a SHA-256 digest in bytes.
pub const DIGEST_LEN: usize = 32;

/// Buffer size used when hashing a stream: large enough to keep SHA-NI busy,
/// small enough that memory stays flat whatever the file size.
pub const STREAM_BUFFER: usize = 256 * 1024;

/// A SHA-256 digest. Displays and serializes as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(pub [u8; DIGEST_LEN]);

impl Digest {
    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; DIGEST_LEN] {
        &self.0
    }

    /// Lowercase hex, as written in manifests and records.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The first `n` hex digits, for display in lists.
    pub fn short(&self, n: usize) -> String {
        let mut s = self.to_hex();
        s.truncate(n.min(2 * DIGEST_LEN));
        s
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.to_hex())
    }
}

/// Why a string is not a SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a SHA-256 digest: expected 64 lowercase hex digits, got {0:?}")]
pub struct DigestParseError(pub String);

impl FromStr for Digest {
    type Err = DigestParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shown = || DigestParseError(s.chars().take(80).collect());
        if s.len() != 2 * DIGEST_LEN || s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(shown());
        }
        let mut out = [0u8; DIGEST_LEN];
        hex::decode_to_slice(s, &mut out).map_err(|_| shown())?;
        Ok(Digest(out))
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// SHA-256 of a byte slice.
pub fn sha256(bytes: &[u8]) -> Digest {
    Digest(Sha256::digest(bytes).into())
}

/// SHA-256 of the concatenation of several slices, without copying them.
pub fn sha256_parts(parts: &[&[u8]]) -> Digest {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    Digest(h.finalize().into())
}

/// Which side of a hashing copy failed.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// Reading the source failed.
    #[error("reading: {0}")]
    Read(#[source] io::Error),
    /// Writing the destination failed.
    #[error("writing: {0}")]
    Write(#[source] io::Error),
}

/// Copies `reader` to `writer` to its end in constant memory, hashing the
/// bytes on the way; `progress` gets the length of each chunk copied.
/// Returns the digest and the total length. The writer is not flushed.
pub fn copy_hashing<R: Read, W: Write>(
    mut reader: R,
    mut writer: W,
    mut progress: impl FnMut(u64),
) -> Result<(Digest, u64), CopyError> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; STREAM_BUFFER];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        h.update(&buf[..n]);
        writer.write_all(&buf[..n]).map_err(CopyError::Write)?;
        total += n as u64;
        progress(n as u64);
    }
    Ok((Digest(h.finalize().into()), total))
}

/// Hashes a stream to its end in constant memory; `progress` gets the length
/// of each chunk read. Returns the digest and the length.
pub fn sha256_reader<R: Read>(reader: R, progress: impl FnMut(u64)) -> io::Result<(Digest, u64)> {
    copy_hashing(reader, io::sink(), progress).map_err(|e| match e {
        CopyError::Read(e) | CopyError::Write(e) => e,
    })
}

/// Hashes a file in constant memory. Returns the digest and the length.
pub fn sha256_file(path: &Path) -> io::Result<(Digest, u64)> {
    sha256_reader(File::open(path)?, |_| {})
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_answer() {
        // FIPS 180-4 example "abc".
        assert_eq!(
            sha256(b"abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn rejects_bad_hex() {
        assert!("abc".parse::<Digest>().is_err());
        assert!(
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
                .parse::<Digest>()
                .is_err()
        );
        assert!(
            "zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
                .parse::<Digest>()
                .is_err()
        );
    }

    proptest! {
        #[test]
        fn hex_round_trip(bytes in any::<[u8; 32]>()) {
            let d = Digest(bytes);
            let back: Digest = d.to_hex().parse().unwrap();
            prop_assert_eq!(back, d);
            let json = serde_json::to_string(&d).unwrap();
            let back: Digest = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, d);
        }

    }

    proptest! {
        // Few cases: each input spans more than one stream buffer.
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn streaming_equals_one_shot(data in proptest::collection::vec(any::<u8>(), 0..(3 * STREAM_BUFFER / 2))) {
            let mut seen = 0;
            let (d, n) = sha256_reader(&data[..], |chunk| seen += chunk).unwrap();
            prop_assert_eq!(d, sha256(&data));
            prop_assert_eq!(n, data.len() as u64);
            prop_assert_eq!(seen, data.len() as u64);
        }
    }
}
