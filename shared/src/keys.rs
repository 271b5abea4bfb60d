//! Device keys (Ed25519, RFC 8032), their public form and the device id.
//!
//! A device key is made once on the terminal, stored in a file only its owner
//! can read (mode 0600) and never printed: [`DeviceKey`] has no `Display`, and
//! its `Debug` shows only the public half.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::hash::sha256;

/// Prefix of the text form of a public key.
pub const PUBLIC_KEY_PREFIX: &str = "ed25519:";
/// Length of an Ed25519 seed / public key in bytes.
pub const KEY_LEN: usize = 32;
/// Length of a device id in bytes.
pub const DEVICE_ID_LEN: usize = 16;

/// Errors loading, creating or parsing keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key file could not be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The key file is not 32 bytes.
    #[error("key file {path} is {len} bytes; a device key file holds exactly 32 bytes (it may be damaged)")]
    BadLength {
        /// The file.
        path: PathBuf,
        /// Its length.
        len: u64,
    },
    /// Others than the owner may read the key file.
    #[error("key file {path} has mode {mode:o}; others can read it. Run `chmod 600 {path}` and check who copied it")]
    TooOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A key already exists where a new one was to be created.
    #[error("key file {0} already exists; refusing to overwrite a device key")]
    Exists(PathBuf),
    /// The text is not a public key.
    #[error("not an Ed25519 public key: {0}")]
    BadPublicKey(String),
}

/// The device's signing key. Never displayed; `Debug` shows the public key only.
pub struct DeviceKey {
    signing: SigningKey,
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceKey")
            .field("public", &self.public())
            .finish_non_exhaustive()
    }
}

impl DeviceKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        let mut rng = rand_core::OsRng;
        DeviceKey {
            signing: SigningKey::generate(&mut rng),
        }
    }

    /// A key from a 32-byte seed (test vectors and tests only need this).
    pub fn from_seed(seed: [u8; KEY_LEN]) -> Self {
        DeviceKey {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// The 32-byte seed, for sealing the key under another key (a staff
    /// member's key is kept encrypted under their password). Never store
    /// or show it in clear.
    pub fn to_seed(&self) -> [u8; KEY_LEN] {
        self.signing.to_bytes()
    }

    /// Loads the key file at `path`, refusing a file others can read.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        read_secret_file(path).map(Self::from_seed)
    }

    /// Creates a new key file at `path` with mode 0600. Never overwrites.
    /// The file is written under a temporary name, synced, then renamed, so a
    /// crash never leaves a half-written key.
    pub fn create(path: &Path) -> Result<Self, KeyError> {
        if path.exists() {
            return Err(KeyError::Exists(path.to_owned()));
        }
        let key = Self::generate();
        write_secret_file(path, &key.signing.to_bytes())?;
        Ok(key)
    }

    /// Loads the key at `path`, creating it first if there is none.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        if path.exists() {
            Self::load(path)
        } else {
            Self::create(path)
        }
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key())
    }

    /// Signs `message` (Ed25519, deterministic).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

/// Reads a 32-byte secret key file, refusing one others can read.
pub fn read_secret_file(path: &Path) -> Result<[u8; KEY_LEN], KeyError> {
    let io_err = |source| KeyError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::TooOpen {
                path: path.to_owned(),
                mode,
            });
        }
    }
    if meta.len() != KEY_LEN as u64 {
        return Err(KeyError::BadLength {
            path: path.to_owned(),
            len: meta.len(),
        });
    }
    let mut secret = [0u8; KEY_LEN];
    file.read_exact(&mut secret).map_err(io_err)?;
    Ok(secret)
}

/// Writes a new 32-byte secret key file with mode 0600, never over an
/// existing one: under a temporary name, synced, then linked into place,
/// so a crash never leaves a half-written key.
pub fn write_secret_file(path: &Path, secret: &[u8; KEY_LEN]) -> Result<(), KeyError> {
    let tmp = path.with_extension("tmp");
    let io_err = |source| KeyError::Io {
        path: path.to_owned(),
        source,
    };
    let _ = fs::remove_file(&tmp);
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(io_err)?;
    f.write_all(secret).map_err(io_err)?;
    f.sync_all().map_err(io_err)?;
    drop(f);
    fs::hard_link(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        if e.kind() == io::ErrorKind::AlreadyExists {
            KeyError::Exists(path.to_owned())
        } else {
            io_err(e)
        }
    })?;
    fs::remove_file(&tmp).map_err(io_err)?;
    if let Some(dir) = path.parent() {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// An Ed25519 public key. Text form: `ed25519:` followed by 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub VerifyingKey);

impl PublicKey {
    /// The raw 32 bytes.
    pub fn to_bytes(&self) -> [u8; KEY_LEN] {
        self.0.to_bytes()
    }

    /// Parses 32 raw bytes, rejecting bytes that are not a curve point.
    pub fn from_bytes(bytes: &[u8; KEY_LEN]) -> Result<Self, KeyError> {
        VerifyingKey::from_bytes(bytes)
            .map(PublicKey)
            .map_err(|_| KeyError::BadPublicKey("not a valid curve point".into()))
    }

    /// The device id derived from this key.
    pub fn device_id(&self) -> DeviceId {
        DeviceId::from_public_key(self)
    }

    /// The fingerprint printed on a disc label (docs/disc.md): the first
    /// 16 bytes of SHA-256(key) — the key's device id — as eight groups of
    /// four hex digits, which a reader types into the disc's page.
    pub fn fingerprint(&self) -> String {
        let id = self.device_id().to_string();
        let groups: Vec<&str> = (0..8).map(|i| &id[4 * i..4 * i + 4]).collect();
        groups.join(" ")
    }

    /// Strict Ed25519 verification (rejects small-order keys and
    /// non-canonical signatures).
    pub fn verify_strict(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let sig = Signature::from_bytes(signature);
        self.0.verify_strict(message, &sig).is_ok()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PUBLIC_KEY_PREFIX}{}", hex::encode(self.to_bytes()))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;

    /// Accepts `ed25519:<64 hex>` or the 64 hex digits alone.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let h = t.strip_prefix(PUBLIC_KEY_PREFIX).unwrap_or(t);
        let mut b = [0u8; KEY_LEN];
        if h.len() != 2 * KEY_LEN || hex::decode_to_slice(h, &mut b).is_err() {
            return Err(KeyError::BadPublicKey(format!(
                "expected `ed25519:` and 64 hex digits (as printed by `fieldcase key show`), got {:?}",
                t.chars().take(80).collect::<String>()
            )));
        }
        Self::from_bytes(&b)
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A device id: the first 16 bytes of SHA-256 of the device's public key,
/// shown as 32 lowercase hex digits. Binding the id to the key means a record
/// cannot claim another device's chain.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId(pub [u8; DEVICE_ID_LEN]);

impl DeviceId {
    /// The id of the device holding `key`.
    pub fn from_public_key(key: &PublicKey) -> Self {
        let d = sha256(&key.to_bytes());
        let mut id = [0u8; DEVICE_ID_LEN];
        id.copy_from_slice(&d.0[..DEVICE_ID_LEN]);
        DeviceId(id)
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({self})")
    }
}

impl FromStr for DeviceId {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut b = [0u8; DEVICE_ID_LEN];
        if s.len() != 2 * DEVICE_ID_LEN
            || s.bytes().any(|c| c.is_ascii_uppercase())
            || hex::decode_to_slice(s, &mut b).is_err()
        {
            return Err(KeyError::BadPublicKey(format!(
                "device id must be 32 lowercase hex digits, got {:?}",
                s.chars().take(80).collect::<String>()
            )));
        }
        Ok(DeviceId(b))
    }
}

impl Serialize for DeviceId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DeviceId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn key_file_is_private_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        let k = DeviceKey::create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let again = DeviceKey::load(&path).unwrap();
        assert_eq!(k.public(), again.public());
        assert!(matches!(DeviceKey::create(&path), Err(KeyError::Exists(_))));
        // Debug never shows the secret seed.
        let dbg = format!("{k:?}");
        let seed_hex = hex::encode(fs::read(&path).unwrap());
        assert!(!dbg.contains(&seed_hex));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_readable_key_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        DeviceKey::create(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = DeviceKey::load(&path).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn refuses_truncated_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("device.key");
        DeviceKey::create(&path).unwrap();
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..10]).unwrap();
        assert!(matches!(
            DeviceKey::load(&path),
            Err(KeyError::BadLength { len: 10, .. })
        ));
    }

    proptest! {
        #[test]
        fn public_key_text_round_trip(seed in any::<[u8; 32]>()) {
            let pk = DeviceKey::from_seed(seed).public();
            let back: PublicKey = pk.to_string().parse().unwrap();
            prop_assert_eq!(back, pk);
            let id = pk.device_id();
            let back: DeviceId = id.to_string().parse().unwrap();
            prop_assert_eq!(back, id);
        }
    }

    #[test]
    fn public_key_parse_errors_are_clear() {
        let e = "ed25519:xyz".parse::<PublicKey>().unwrap_err();
        assert!(e.to_string().contains("64 hex digits"));
    }
}
