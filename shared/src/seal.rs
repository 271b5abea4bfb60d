//! The disc seal: a minisign-compatible signature (algorithm `ED`: Ed25519
//! over the BLAKE2b-512 of the file) of a bag's `tagmanifest-sha256.txt`,
//! made with the device key, so that stock `minisign -Vm FILE -P KEY`
//! accepts it. See `docs/bag.md`.
//!
//! ```text
//! untrusted comment: <free text>
//! base64("ED" ‖ key id (8 bytes) ‖ Ed25519(BLAKE2b-512(file)))
//! trusted comment: <text>
//! base64(Ed25519(signature ‖ trusted comment text))
//! ```
//! The key id is the first 8 bytes of the device id; minisign shows it as a
//! little-endian 64-bit number in upper-case hex.

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use blake2::{Blake2b512, Digest as _};
use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

use crate::keys::{DeviceId, DeviceKey, PublicKey};

/// Signature algorithm tag of prehashed signatures.
const ALG_PREHASHED: &[u8; 2] = b"ED";
/// Algorithm tag of minisign public keys.
const ALG_KEY: &[u8; 2] = b"Ed";
/// Largest `.minisig` file this code reads.
pub const MAX_SEAL_BYTES: usize = 4096;

/// A minisign key id (8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    /// The key id we give a device key: the first 8 bytes of its device id.
    pub fn of(key: &PublicKey) -> Self {
        let d = key.device_id();
        let mut id = [0u8; 8];
        id.copy_from_slice(&d.0[..8]);
        KeyId(id)
    }
}

impl fmt::Display for KeyId {
    /// As minisign prints it: little-endian u64, upper-case hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016X}", u64::from_le_bytes(self.0))
    }
}

/// The public key in minisign's form: the base64 line `minisign -P` takes.
pub fn minisign_public_key(key: &PublicKey) -> String {
    let mut raw = Vec::with_capacity(42);
    raw.extend_from_slice(ALG_KEY);
    raw.extend_from_slice(&KeyId::of(key).0);
    raw.extend_from_slice(&key.to_bytes());
    B64.encode(raw)
}

/// The public key as a minisign `.pub` file (two lines).
pub fn minisign_public_key_file(key: &PublicKey) -> String {
    format!(
        "untrusted comment: minisign public key {}\n{}\n",
        KeyId::of(key),
        minisign_public_key(key)
    )
}

/// What the trusted comment of a fieldcase seal says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SealInfo {
    /// 案号.
    pub case_no: String,
    /// Bundle id.
    pub bundle: Uuid,
    /// Sealing time.
    pub sealed_at: DateTime<FixedOffset>,
    /// Signing device.
    pub signer: DeviceId,
}

impl SealInfo {
    /// The trusted comment: tab-separated `key:value` fields, one line.
    pub fn trusted_comment(&self) -> String {
        format!(
            "case:{}\tbundle:{}\tsealed:{}\tsigner:{}",
            self.case_no.replace(['\t', '\n', '\r'], " "),
            self.bundle,
            self.sealed_at.to_rfc3339(),
            self.signer
        )
    }

    /// Parses a trusted comment written by [`SealInfo::trusted_comment`].
    pub fn parse(comment: &str) -> Result<Self, SealError> {
        let mut case_no = None;
        let mut bundle = None;
        let mut sealed_at = None;
        let mut signer = None;
        for field in comment.split('\t') {
            let (k, v) = field.split_once(':').unwrap_or((field, ""));
            match k {
                "case" => case_no = Some(v.to_owned()),
                "bundle" => bundle = v.parse().ok(),
                "sealed" => sealed_at = DateTime::parse_from_rfc3339(v).ok(),
                "signer" => signer = v.parse().ok(),
                _ => {}
            }
        }
        match (case_no, bundle, sealed_at, signer) {
            (Some(case_no), Some(bundle), Some(sealed_at), Some(signer)) => Ok(SealInfo {
                case_no,
                bundle,
                sealed_at,
                signer,
            }),
            _ => Err(SealError::Malformed(
                "trusted comment lacks case, bundle, sealed or signer".into(),
            )),
        }
    }
}

/// Why a seal does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The `.minisig` text is not in minisign's form.
    #[error("not a minisign signature: {0}")]
    Malformed(String),
    /// Signed by a key id none of the given keys has.
    #[error("sealed with key id {0}, which is not among the trusted keys")]
    UnknownKey(KeyId),
    /// The signature over the file does not verify.
    #[error("the signature over the file does not verify (the file or the seal was changed)")]
    BadSignature,
    /// The signature over the trusted comment does not verify.
    #[error("the signature over the trusted comment does not verify (the comment was changed)")]
    BadCommentSignature,
}

/// A parsed `.minisig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minisig {
    /// Untrusted comment.
    pub untrusted: String,
    /// Key id.
    pub key_id: KeyId,
    /// Signature over BLAKE2b-512(file).
    pub signature: [u8; 64],
    /// Trusted comment text.
    pub trusted: String,
    /// Signature over `signature ‖ trusted`.
    pub global: [u8; 64],
}

fn b2(bytes: &[u8]) -> [u8; 64] {
    Blake2b512::digest(bytes).into()
}

impl Minisig {
    /// Signs `file` with `key` (deterministic: the same inputs give the
    /// same bytes).
    pub fn sign(key: &DeviceKey, file: &[u8], untrusted: &str, trusted: &str) -> Self {
        let signature = key.sign(&b2(file));
        let mut global_msg = signature.to_vec();
        global_msg.extend_from_slice(trusted.as_bytes());
        Minisig {
            untrusted: untrusted.replace(['\n', '\r'], " "),
            key_id: KeyId::of(&key.public()),
            signature,
            trusted: trusted.replace(['\n', '\r'], " "),
            global: key.sign(&global_msg),
        }
    }

    /// The `.minisig` file text.
    pub fn to_text(&self) -> String {
        let mut raw = Vec::with_capacity(74);
        raw.extend_from_slice(ALG_PREHASHED);
        raw.extend_from_slice(&self.key_id.0);
        raw.extend_from_slice(&self.signature);
        format!(
            "untrusted comment: {}\n{}\ntrusted comment: {}\n{}\n",
            self.untrusted,
            B64.encode(raw),
            self.trusted,
            B64.encode(self.global)
        )
    }

    /// Parses `.minisig` text.
    pub fn parse(text: &[u8]) -> Result<Self, SealError> {
        if text.len() > MAX_SEAL_BYTES {
            return Err(SealError::Malformed(format!(
                "{} bytes, more than a signature file holds",
                text.len()
            )));
        }
        let text =
            std::str::from_utf8(text).map_err(|_| SealError::Malformed("not UTF-8 text".into()))?;
        let mut lines = text.lines();
        let mut next = |what: &str| {
            lines
                .next()
                .ok_or_else(|| SealError::Malformed(format!("missing {what} line")))
        };
        let untrusted = next("untrusted comment")?
            .strip_prefix("untrusted comment: ")
            .ok_or_else(|| SealError::Malformed("first line is not an untrusted comment".into()))?
            .to_owned();
        let sig = B64
            .decode(next("signature")?.trim())
            .map_err(|_| SealError::Malformed("signature line is not base64".into()))?;
        if sig.len() != 74 {
            return Err(SealError::Malformed(format!(
                "signature is {} bytes, expected 74",
                sig.len()
            )));
        }
        if &sig[..2] != ALG_PREHASHED {
            return Err(SealError::Malformed(format!(
                "algorithm {:?}, expected ED (prehashed Ed25519)",
                String::from_utf8_lossy(&sig[..2])
            )));
        }
        let trusted = next("trusted comment")?
            .strip_prefix("trusted comment: ")
            .ok_or_else(|| SealError::Malformed("third line is not a trusted comment".into()))?
            .to_owned();
        let global = B64
            .decode(next("comment signature")?.trim())
            .map_err(|_| SealError::Malformed("comment signature is not base64".into()))?;
        let global: [u8; 64] = global
            .try_into()
            .map_err(|_| SealError::Malformed("comment signature is not 64 bytes".into()))?;
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&sig[2..10]);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&sig[10..74]);
        Ok(Minisig {
            untrusted,
            key_id: KeyId(key_id),
            signature,
            trusted,
            global,
        })
    }

    /// Verifies against the trusted keys; returns the key that sealed.
    pub fn verify(&self, file: &[u8], keys: &[PublicKey]) -> Result<PublicKey, SealError> {
        let key = keys
            .iter()
            .find(|k| KeyId::of(k) == self.key_id)
            .ok_or(SealError::UnknownKey(self.key_id))?;
        if !key.verify_strict(&b2(file), &self.signature) {
            return Err(SealError::BadSignature);
        }
        let mut global_msg = self.signature.to_vec();
        global_msg.extend_from_slice(self.trusted.as_bytes());
        if !key.verify_strict(&global_msg, &self.global) {
            return Err(SealError::BadCommentSignature);
        }
        Ok(*key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn info(key: &DeviceKey) -> SealInfo {
        SealInfo {
            case_no: "乌交执〔2026〕00001号".into(),
            bundle: Uuid::nil(),
            sealed_at: DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap(),
            signer: key.public().device_id(),
        }
    }

    #[test]
    fn sign_parse_verify() {
        let key = DeviceKey::from_seed([7; 32]);
        let tc = info(&key).trusted_comment();
        let s = Minisig::sign(&key, b"file bytes", "fieldcase seal", &tc);
        let text = s.to_text();
        let back = Minisig::parse(text.as_bytes()).unwrap();
        assert_eq!(back, s);
        assert_eq!(
            back.verify(b"file bytes", &[key.public()]),
            Ok(key.public())
        );
        assert_eq!(SealInfo::parse(&back.trusted).unwrap(), info(&key));
        assert_eq!(
            back.verify(b"file bytez", &[key.public()]),
            Err(SealError::BadSignature)
        );
        let other = DeviceKey::from_seed([8; 32]).public();
        assert!(matches!(
            back.verify(b"file bytes", &[other]),
            Err(SealError::UnknownKey(_))
        ));
        let changed = text.replace("case:乌", "case:新");
        assert_eq!(
            Minisig::parse(changed.as_bytes())
                .unwrap()
                .verify(b"file bytes", &[key.public()]),
            Err(SealError::BadCommentSignature)
        );
    }

    #[test]
    fn key_id_display_is_little_endian() {
        let id = KeyId([0x43, 0xF5, 0x4E, 0xA4, 0x8A, 0x52, 0x21, 0xD7]);
        assert_eq!(id.to_string(), "D721528AA44EF543");
    }

    proptest! {
        #[test]
        fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = Minisig::parse(&bytes);
        }
    }
}
