//! The 国密 (GM/T) option of archive discs (docs/disc.md, "国密"): SM3
//! manifests beside the SHA-256 ones and the agency's SM2 co-signature of
//! the SM3 tag manifest, in the forms OpenSSL reads (`openssl dgst -sm3`;
//! `openssl pkeyutl -verify -rawin -digest sm3` with the default
//! distinguishing identifier, an SPKI PEM public key, a DER signature).

use std::str::FromStr;

use sm2::dsa::{signature::Signer as _, signature::Verifier as _, Signature, SigningKey};
use sm3::{Digest as _, Sm3};

use crate::hash::Digest;
use crate::keys::KeyError;

/// The SM3 payload manifest.
pub const MANIFEST_SM3: &str = "manifest-sm3.txt";
/// The SM3 tag manifest.
pub const TAGMANIFEST_SM3: &str = "tagmanifest-sm3.txt";
/// The agency's SM2 signature of the SM3 tag manifest (DER).
pub const SM2_SIGNATURE: &str = "tagmanifest-sm3.txt.sm2";
/// The agency's SM2 public key (SPKI PEM), a tag file.
pub const SM2_KEY_FILE: &str = "agency-sm2.pem";
/// The signer's distinguishing identifier: GB/T 35276's default (what
/// OpenSSL and most 国密 tools use when none is given).
pub const DIST_ID: &str = "1234567812345678";

/// Why an SM2 key or signature cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GuomiError {
    /// Not an SM2 public key in PEM.
    #[error("not an SM2 public key (SPKI PEM): {0}")]
    BadKey(String),
    /// Not a DER SM2 signature.
    #[error("not an SM2 signature (DER SEQUENCE of two INTEGERs)")]
    BadSignature,
    /// The signature does not verify.
    #[error("the SM2 signature does not verify")]
    Mismatch,
    /// The key file cannot be read, made or used.
    #[error("{0}")]
    KeyFile(String),
}

/// SM3 of `bytes` (32 bytes, shown as 64 hex digits like a SHA-256).
pub fn sm3(bytes: &[u8]) -> Digest {
    Digest(Sm3::digest(bytes).into())
}

/// A streaming SM3.
#[derive(Clone, Default)]
pub struct Sm3Stream(Sm3);

impl Sm3Stream {
    /// Feeds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Digest {
        Digest(self.0.finalize().into())
    }
}

impl std::io::Write for Sm3Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The agency's SM2 signing key.
#[derive(Clone)]
pub struct Sm2Key(SigningKey);

impl std::fmt::Debug for Sm2Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sm2Key")
            .field("public", &self.public_pem())
            .finish_non_exhaustive()
    }
}

impl Sm2Key {
    /// A new random key.
    pub fn generate() -> Self {
        loop {
            let mut secret = [0u8; 32];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut secret);
            if let Some(k) = Self::from_secret(&secret) {
                return k;
            }
        }
    }

    /// The key with this 32-byte secret scalar (`None` outside 1..n-1).
    pub fn from_secret(secret: &[u8; 32]) -> Option<Self> {
        SigningKey::from_bytes(DIST_ID, secret.into())
            .ok()
            .map(Sm2Key)
    }

    /// The secret scalar, to keep in the server's key file.
    pub fn secret(&self) -> [u8; 32] {
        self.0.to_bytes().into()
    }

    /// Loads the key file at `path` (32 bytes, mode 0600), creating it
    /// first if there is none.
    pub fn load_or_create(path: &std::path::Path) -> Result<Self, GuomiError> {
        let file = |e: KeyError| GuomiError::KeyFile(e.to_string());
        if !path.exists() {
            crate::keys::write_secret_file(path, &Self::generate().secret()).map_err(file)?;
        }
        let secret = crate::keys::read_secret_file(path).map_err(file)?;
        Self::from_secret(&secret).ok_or_else(|| {
            GuomiError::KeyFile(format!(
                "{} does not hold an SM2 secret key (a scalar in 1..n-1); restore it from the backup",
                path.display()
            ))
        })
    }

    /// The public key as SPKI PEM (what OpenSSL's `-pubin -inkey` reads).
    pub fn public_pem(&self) -> String {
        sm2::PublicKey::from(self.0.verifying_key()).to_string()
    }

    /// A DER signature of `message` (SM3 with Z_A of [`DIST_ID`];
    /// deterministic, so a disc made again carries the same bytes).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: Signature = self.0.sign(message);
        let bytes = sig.to_bytes();
        der_signature(&bytes[..32], &bytes[32..])
    }
}

/// Verifies the DER SM2 signature `der` of `message` by the PEM key.
pub fn verify(public_pem: &str, message: &[u8], der: &[u8]) -> Result<(), GuomiError> {
    let key = sm2::PublicKey::from_str(public_pem.trim())
        .map_err(|e| GuomiError::BadKey(e.to_string()))?;
    let key =
        sm2::dsa::VerifyingKey::new(DIST_ID, key).map_err(|e| GuomiError::BadKey(e.to_string()))?;
    let (r, s) = parse_der(der).ok_or(GuomiError::BadSignature)?;
    let sig = Signature::from_scalars(r, s).map_err(|_| GuomiError::BadSignature)?;
    key.verify(message, &sig).map_err(|_| GuomiError::Mismatch)
}

/// One DER INTEGER of a 32-byte big-endian unsigned value.
fn der_integer(v: &[u8], out: &mut Vec<u8>) {
    let mut v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
    if v.is_empty() || v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    out.push(0x02);
    out.push(v.len() as u8);
    out.extend(v);
}

fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(72);
    der_integer(r, &mut body);
    der_integer(s, &mut body);
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

/// (r, s) of a DER signature, each as 32 bytes; strict (minimal lengths,
/// no trailing bytes).
fn parse_der(der: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    let (&tag, rest) = der.split_first()?;
    let (&len, body) = rest.split_first()?;
    if tag != 0x30 || usize::from(len) != body.len() || len >= 0x80 {
        return None;
    }
    let (r, rest) = der_int(body)?;
    let (s, rest) = der_int(rest)?;
    rest.is_empty().then_some((r, s))
}

fn der_int(b: &[u8]) -> Option<([u8; 32], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&len, rest) = rest.split_first()?;
    let len = usize::from(len);
    if tag != 0x02 || len == 0 || len > 33 || rest.len() < len {
        return None;
    }
    let (v, rest) = rest.split_at(len);
    // Minimal: no leading zero unless the next byte's top bit is set.
    if v[0] & 0x80 != 0 || (v.len() > 1 && v[0] == 0 && v[1] & 0x80 == 0) {
        return None;
    }
    let v = if v.len() == 33 { &v[1..] } else { v };
    let mut out = [0u8; 32];
    out[32 - v.len()..].copy_from_slice(v);
    Some((out, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_matches_the_standards_example() {
        // GB/T 32905-2016, example 1: "abc".
        assert_eq!(
            sm3(b"abc").to_hex(),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        let mut s = Sm3Stream::default();
        s.update(b"a");
        s.update(b"bc");
        assert_eq!(s.finish(), sm3(b"abc"));
    }

    #[test]
    fn signatures_verify_and_nothing_else_does() {
        let key = Sm2Key::from_secret(&[7; 32]).unwrap();
        let pem = key.public_pem();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
        let sig = key.sign(b"tag manifest");
        // Deterministic: the same disc, the same bytes.
        assert_eq!(sig, key.sign(b"tag manifest"));
        assert_eq!(verify(&pem, b"tag manifest", &sig), Ok(()));
        assert_eq!(
            verify(&pem, b"tag manifest!", &sig),
            Err(GuomiError::Mismatch)
        );
        let other = Sm2Key::from_secret(&[8; 32]).unwrap().public_pem();
        assert_eq!(
            verify(&other, b"tag manifest", &sig),
            Err(GuomiError::Mismatch)
        );
        let mut bad = sig.clone();
        bad.push(0);
        assert_eq!(
            verify(&pem, b"tag manifest", &bad),
            Err(GuomiError::BadSignature)
        );
        assert!(verify("not a key", b"x", &sig).is_err());
        assert_eq!(
            Sm2Key::from_secret(&key.secret()).unwrap().public_pem(),
            pem
        );
        assert!(Sm2Key::from_secret(&[0; 32]).is_none());
    }

    #[test]
    fn the_key_file_is_made_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agency-sm2.key");
        let a = Sm2Key::load_or_create(&path).unwrap();
        let b = Sm2Key::load_or_create(&path).unwrap();
        assert_eq!(a.public_pem(), b.public_pem());
        std::fs::write(&path, [0u8; 32]).unwrap();
        assert!(Sm2Key::load_or_create(&path).is_err());
    }

    #[test]
    fn der_round_trips_and_is_strict() {
        for (r, s) in [([0x80; 32], [1; 32]), ([0; 32], [0x7f; 32])] {
            let mut r = r;
            r[0] = 0;
            r[31] = 9;
            let der = der_signature(&r, &s);
            assert_eq!(parse_der(&der), Some((r, s)));
        }
        // A needless leading zero is refused.
        assert_eq!(parse_der(&[0x30, 6, 2, 2, 0, 1, 2, 1, 1]), None);
        assert_eq!(parse_der(&[0x30, 3, 2, 1, 1]), None);
        assert_eq!(parse_der(&[]), None);
    }
}
