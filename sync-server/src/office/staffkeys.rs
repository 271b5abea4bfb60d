//! Staff signing keys (`docs/office.md`, "Staff signatures").
//!
//! Each staff member signs their acts with their own Ed25519 key, made at
//! their first login and certified by the agency key in the device
//! certificate format (with the roles). The key is a signer of its own in
//! the store (a chain, log leaves), like a terminal.
//!
//! The seed is never stored in clear. At rest it is sealed with
//! ChaCha20-Poly1305 under a key derived from the password with Argon2id
//! (its own salt, not the password hash's). At login it is opened and
//! sealed again for the session under SHA-256 of the cookie's token, which
//! only the browser holds (the store keeps the token's hash, a different
//! value): a database reader can sign nothing, and every server sharing
//! the database can sign for a logged-in browser.

use argon2::Argon2;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use chrono::{DateTime, FixedOffset, Utc};
use fieldcase_shared::cert::DeviceCert;
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::hash::sha256;
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::model::Device;
use fieldcase_shared::record::{self, RecordBody, RecordPayload, VerifiedRecord};
use rand_core::{OsRng, RngCore};

use crate::store::office::{StaffKey, StaffUser};
use crate::store::{IngestError, Store, StoreError};

const AT_REST: &[u8; 4] = b"FCK1";
const IN_SESSION: &[u8; 4] = b"FCS1";
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;

/// Why a staff key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The sealed key does not open (wrong password or token, or damaged).
    #[error("the staff signing key does not open: {0}")]
    Sealed(&'static str),
    /// The opened key is not the certified one.
    #[error("the staff signing key does not match its certificate")]
    NotCertified,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The signed act was refused by the store.
    #[error(transparent)]
    Ingest(#[from] IngestError),
}

fn aad(domain: &[u8], user: &str) -> Vec<u8> {
    let mut a = domain.to_vec();
    a.push(0);
    a.extend_from_slice(user.as_bytes());
    a
}

fn seal(kek: &[u8; 32], tag: &[u8; 4], prefix: &[u8], aad: &[u8], seed: &[u8; 32]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let ct = ChaCha20Poly1305::new(Key::from_slice(kek))
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: seed, aad })
        // Encryption of 32 bytes cannot fail.
        .unwrap_or_default();
    [tag.as_slice(), prefix, &nonce, &ct].concat()
}

fn open(kek: &[u8; 32], sealed: &[u8], skip: usize, aad: &[u8]) -> Result<[u8; 32], KeyError> {
    let rest = sealed
        .get(4 + skip..)
        .filter(|r| r.len() > NONCE_LEN)
        .ok_or(KeyError::Sealed("too short"))?;
    let (nonce, ct) = rest.split_at(NONCE_LEN);
    let seed = ChaCha20Poly1305::new(Key::from_slice(kek))
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
        .map_err(|_| KeyError::Sealed("wrong password or token, or damaged"))?;
    seed.try_into().map_err(|_| KeyError::Sealed("not a key"))
}

fn password_kek(password: &str, salt: &[u8]) -> Result<[u8; 32], KeyError> {
    let mut kek = [0u8; 32];
    Argon2::default()
        .hash_password_into(password.as_bytes(), salt, &mut kek)
        .map_err(|_| KeyError::Sealed("cannot derive the key"))?;
    Ok(kek)
}

fn session_kek(token: &str) -> [u8; 32] {
    let mut m = b"fieldcase-session-key\0".to_vec();
    m.extend_from_slice(token.as_bytes());
    sha256(&m).0
}

/// Seals `key` under `password` for `user`.
pub fn seal_with_password(
    key: &DeviceKey,
    user: &str,
    password: &str,
) -> Result<Vec<u8>, KeyError> {
    let mut salt = [0u8; SALT_LEN];
    OsRng.fill_bytes(&mut salt);
    let kek = password_kek(password, &salt)?;
    Ok(seal(
        &kek,
        AT_REST,
        &salt,
        &aad(b"fieldcase-staff-key", user),
        &key.to_seed(),
    ))
}

/// Opens a key sealed by [`seal_with_password`].
pub fn open_with_password(
    sealed: &[u8],
    user: &str,
    password: &str,
) -> Result<DeviceKey, KeyError> {
    if !sealed.starts_with(AT_REST) {
        return Err(KeyError::Sealed("unknown format"));
    }
    let salt = sealed
        .get(4..4 + SALT_LEN)
        .ok_or(KeyError::Sealed("too short"))?;
    let kek = password_kek(password, salt)?;
    let seed = open(&kek, sealed, SALT_LEN, &aad(b"fieldcase-staff-key", user))?;
    Ok(DeviceKey::from_seed(seed))
}

/// Seals `key` for the session whose cookie carries `token`.
pub fn seal_for_session(key: &DeviceKey, user: &str, token: &str) -> Vec<u8> {
    seal(
        &session_kek(token),
        IN_SESSION,
        &[],
        &aad(b"fieldcase-session-key", user),
        &key.to_seed(),
    )
}

/// Opens a key sealed by [`seal_for_session`].
pub fn open_for_session(sealed: &[u8], user: &str, token: &str) -> Result<DeviceKey, KeyError> {
    if !sealed.starts_with(IN_SESSION) {
        return Err(KeyError::Sealed("unknown format"));
    }
    let seed = open(
        &session_kek(token),
        sealed,
        0,
        &aad(b"fieldcase-session-key", user),
    )?;
    Ok(DeviceKey::from_seed(seed))
}

/// The name a staff signer has among the store's signers.
pub fn signer_name(user: &StaffUser) -> String {
    let roles: Vec<&str> = user.roles.iter().map(|r| r.zh()).collect();
    format!(
        "{}（{}）· {}",
        user.display_name,
        user.name,
        roles.join("、")
    )
}

/// The staff member's key, opened with the password they just logged in
/// with; made, certified and registered as a signer the first time.
pub fn ensure(
    store: &dyn Store,
    agency: &DeviceKey,
    user: &StaffUser,
    password: &str,
    now: DateTime<Utc>,
) -> Result<DeviceKey, KeyError> {
    if let Some(key) = stored(store, user, password)? {
        return Ok(key);
    }
    let key = DeviceKey::generate();
    let public = key.public();
    let cert = DeviceCert {
        v: 1,
        device: public.device_id(),
        public_key: public,
        name: user.display_name.clone(),
        officer: user.name.clone(),
        issued_at: now,
        issuer: agency.public(),
        roles: user.roles.clone(),
    }
    .sign(agency);
    store.add_device(&Device {
        id: public.device_id(),
        key: public,
        name: signer_name(user),
        added_at: now,
    })?;
    let first = store.set_staff_key(
        &user.name,
        &StaffKey {
            signer: public.device_id(),
            cert: cert.to_json(),
            sealed: seal_with_password(&key, &user.name, password)?,
        },
    )?;
    if !first {
        // Another login made the key in the meantime: that one is theirs
        // (the one made here stays a registered signer that never signs).
        crate::store::revoke(store, &public.device_id(), now, now)?;
        return stored(store, user, password)?.ok_or(KeyError::NotCertified);
    }
    tracing::info!(staff = %user.name, signer = %public.device_id(), "staff signing key made and certified");
    Ok(key)
}

/// The stored key of `user`, opened with `password`, if one was made.
fn stored(
    store: &dyn Store,
    user: &StaffUser,
    password: &str,
) -> Result<Option<DeviceKey>, KeyError> {
    let Some(k) = store.staff_key(&user.name)? else {
        return Ok(None);
    };
    let key = open_with_password(&k.sealed, &user.name, password)?;
    if key.public().device_id() != k.signer {
        return Err(KeyError::NotCertified);
    }
    Ok(Some(key))
}

/// The certificate of a staff member's key, if one was made.
pub fn certificate(store: &dyn Store, user: &str) -> Result<Option<Envelope>, StoreError> {
    Ok(store
        .staff_key(user)?
        .and_then(|k| Envelope::from_json(&k.cert).ok()))
}

/// One signer's acts are made one at a time, so that each follows the
/// last on its chain.
static SIGNING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Signs `body` as the next record of the staff key's chain and stores it
/// (the record and its log leaf, in one transaction).
pub fn sign_act(
    store: &dyn Store,
    key: &DeviceKey,
    body: RecordBody,
    now: DateTime<Utc>,
) -> Result<VerifiedRecord, KeyError> {
    let _one = SIGNING.lock().unwrap_or_else(|p| p.into_inner());
    let signer = key.public().device_id();
    let head = store.device_head(&signer)?;
    let bj = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let payload = RecordPayload::new(
        signer,
        head.seq + 1,
        head.chain,
        now.with_timezone(&bj),
        vec![],
        body,
    );
    let sealed = record::seal(key, &payload);
    let verified =
        record::open(sealed.envelope, &key.public()).map_err(|_| KeyError::NotCertified)?;
    store.ingest(&signer, std::slice::from_ref(&verified), now)?;
    Ok(verified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_with_its_password_user_and_token() {
        let key = DeviceKey::generate();
        let sealed = seal_with_password(&key, "shenhe", "correct horse battery").unwrap();
        assert!(!sealed.windows(32).any(|w| w == key.to_seed().as_slice()));
        let back = open_with_password(&sealed, "shenhe", "correct horse battery").unwrap();
        assert_eq!(back.public(), key.public());
        assert!(open_with_password(&sealed, "shenhe", "wrong").is_err());
        // Sealed for one account, it does not open for another.
        assert!(open_with_password(&sealed, "guanli", "correct horse battery").is_err());
        let mut bent = sealed.clone();
        let last = bent.len() - 1;
        bent[last] ^= 1;
        assert!(open_with_password(&bent, "shenhe", "correct horse battery").is_err());
        assert!(open_with_password(&sealed[..20], "shenhe", "x").is_err());

        let s = seal_for_session(&key, "shenhe", "tok");
        assert_eq!(
            open_for_session(&s, "shenhe", "tok").unwrap().public(),
            key.public()
        );
        assert!(open_for_session(&s, "shenhe", "other").is_err());
        assert!(open_for_session(&sealed, "shenhe", "tok").is_err());
    }
}
