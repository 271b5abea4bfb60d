//! Staff accounts: Argon2id passwords, the login rule (lock-out after
//! repeated wrong passwords), and sessions.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use fieldcase_shared::hash::sha256;
use fieldcase_shared::staff::Role;
use rand_core::{OsRng, RngCore};

use crate::store::office::{AuditAction, AuditEvent, StaffSession, StaffUser};
use crate::store::{Store, StoreError};

/// Wrong passwords in a row before an account locks.
pub const MAX_FAILURES: u32 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
/// How long a session lasts without logging in again.
pub const SESSION_HOURS: i64 = 8;
/// Shortest password accepted for a new account.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why a login was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown name, wrong password or disabled account: the page does not
    /// say which.
    #[error("wrong user name or password")]
    Wrong,
    /// Locked after too many wrong passwords.
    #[error("locked until {0}")]
    Locked(DateTime<Utc>),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The Argon2id PHC string of a password (default parameters, random salt).
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Other(format!("cannot hash the password: {e}").into()))
}

fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Makes an account. Refuses an empty name, no role or a short password.
pub fn add_user(
    store: &dyn Store,
    name: &str,
    display_name: &str,
    roles: &[Role],
    password: &str,
    now: DateTime<Utc>,
) -> Result<StaffUser, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the user name must be one word without spaces".into());
    }
    if roles.is_empty() {
        return Err("give the account at least one --role".into());
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    let user = StaffUser {
        name: name.to_owned(),
        display_name: if display_name.trim().is_empty() {
            name.to_owned()
        } else {
            display_name.trim().to_owned()
        },
        roles,
        password_hash: hash_password(password).map_err(|e| e.to_string())?,
        created_at: now,
        disabled_at: None,
        failed_logins: 0,
        locked_until: None,
        qualification: String::new(),
    };
    store.add_staff(&user).map_err(|e| e.to_string())?;
    audit(store, now, "", AuditAction::StaffAdded, name, "cli").map_err(|e| e.to_string())?;
    Ok(user)
}

/// Appends an audit event.
pub fn audit(
    store: &dyn Store,
    at: DateTime<Utc>,
    actor: &str,
    action: AuditAction,
    target: &str,
    addr: &str,
) -> Result<u64, StoreError> {
    store.add_audit(&AuditEvent {
        id: 0,
        at,
        actor: actor.to_owned(),
        action,
        target: target.to_owned(),
        addr: addr.to_owned(),
        log_index: None,
    })
}

/// Checks a login and counts wrong passwords; every outcome is audited.
/// The password is hashed even for an unknown name, so timing does not
/// tell which names exist.
pub fn authenticate(
    store: &dyn Store,
    name: &str,
    password: &str,
    addr: &str,
    now: DateTime<Utc>,
) -> Result<StaffUser, LoginError> {
    let Some(user) = store.staff(name)? else {
        let _ = password_matches(dummy_hash(), password);
        audit(
            store,
            now,
            name,
            AuditAction::LoginFailed,
            "unknown account",
            addr,
        )?;
        return Err(LoginError::Wrong);
    };
    if let Some(until) = user.locked_until.filter(|u| *u > now) {
        audit(store, now, name, AuditAction::LoginLocked, name, addr)?;
        return Err(LoginError::Locked(until));
    }
    if user.disabled_at.is_some() || !password_matches(&user.password_hash, password) {
        let failed = user.failed_logins + 1;
        let lock = (failed >= MAX_FAILURES).then(|| now + Duration::minutes(LOCK_MINUTES));
        store.set_login_state(name, if lock.is_some() { 0 } else { failed }, lock)?;
        let why = if user.disabled_at.is_some() {
            "disabled account"
        } else {
            "wrong password"
        };
        audit(store, now, name, AuditAction::LoginFailed, why, addr)?;
        return Err(match lock {
            Some(until) => LoginError::Locked(until),
            None => LoginError::Wrong,
        });
    }
    store.set_login_state(name, 0, None)?;
    audit(store, now, name, AuditAction::Login, name, addr)?;
    Ok(user)
}

/// A hash to verify against when the name is unknown (same cost as a real one).
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// Random 32 bytes, hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Starts a session for `user`; returns the cookie's token (only its hash
/// is stored).
pub fn start_session(
    store: &dyn Store,
    user: &StaffUser,
    key: &fieldcase_shared::keys::DeviceKey,
    addr: &str,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let token = random_token();
    store.add_session(&StaffSession {
        sealed_key: Some(super::staffkeys::seal_for_session(key, &user.name, &token)),
        token_hash: sha256(token.as_bytes()),
        staff: user.name.clone(),
        csrf: random_token(),
        created_at: now,
        expires_at: now + Duration::hours(SESSION_HOURS),
        addr: addr.to_owned(),
    })?;
    Ok(token)
}

/// Records a staff member's 法律职业资格证书编号 (行政处罚法 art. 58 para.
/// 2: a legal reviewer must hold the qualification); audited. False if
/// there is no such account.
pub fn qualify_user(
    store: &dyn Store,
    name: &str,
    qualification: &str,
    now: DateTime<Utc>,
) -> Result<bool, String> {
    let q = qualification.trim();
    if q.is_empty() || q.chars().count() > 64 || q.chars().any(char::is_control) {
        return Err("the qualification number is 1–64 characters on one line".into());
    }
    if !store
        .set_staff_qualification(name, q)
        .map_err(|e| e.to_string())?
    {
        return Ok(false);
    }
    audit(store, now, "", AuditAction::StaffQualified, name, "cli").map_err(|e| e.to_string())?;
    Ok(true)
}

/// Disables an account: it cannot log in, its sessions end, and its
/// signing key is revoked from now (acts signed later are refused and the
/// revocation list names it). False if there is no such account.
pub fn disable_user(store: &dyn Store, name: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    if !store.disable_staff(name, now)? {
        return Ok(false);
    }
    if let Some(k) = store.staff_key(name)? {
        crate::store::revoke(store, &k.signer, now, now)?;
    }
    audit(store, now, "", AuditAction::StaffDisabled, name, "cli")?;
    Ok(true)
}

/// The live session and account a cookie's token names: none when
/// unknown, expired or the account is disabled.
pub fn session_of(
    store: &dyn Store,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(StaffSession, StaffUser)>, StoreError> {
    let hash = sha256(token.as_bytes());
    let Some(session) = store.session(&hash)? else {
        return Ok(None);
    };
    if session.expires_at <= now {
        store.end_session(&hash)?;
        return Ok(None);
    }
    Ok(store
        .staff(&session.staff)?
        .filter(|u| u.disabled_at.is_none())
        .map(|u| (session, u)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{OfficeStore, SqliteStore};

    fn store_with_user() -> (SqliteStore, DateTime<Utc>) {
        let s = SqliteStore::open_in_memory().expect("store");
        let now = Utc::now();
        add_user(
            &s,
            "zhang",
            "张三",
            &[Role::Reviewer],
            "correct horse battery",
            now,
        )
        .expect("user");
        (s, now)
    }

    #[test]
    fn the_password_is_stored_as_argon2id_and_checked() {
        let (s, now) = store_with_user();
        let u = s.staff("zhang").expect("read").expect("user");
        assert!(
            u.password_hash.starts_with("$argon2id$"),
            "{}",
            u.password_hash
        );
        assert!(!u.password_hash.contains("correct horse"));
        assert!(authenticate(&s, "zhang", "correct horse battery", "a", now).is_ok());
        assert!(matches!(
            authenticate(&s, "zhang", "wrong", "a", now),
            Err(LoginError::Wrong)
        ));
        assert!(matches!(
            authenticate(&s, "nobody", "x", "a", now),
            Err(LoginError::Wrong)
        ));
    }

    #[test]
    fn five_wrong_passwords_lock_the_account_for_fifteen_minutes() {
        let (s, now) = store_with_user();
        for _ in 0..MAX_FAILURES - 1 {
            assert!(matches!(
                authenticate(&s, "zhang", "bad", "a", now),
                Err(LoginError::Wrong)
            ));
        }
        let Err(LoginError::Locked(until)) = authenticate(&s, "zhang", "bad", "a", now) else {
            panic!("not locked after {MAX_FAILURES} wrong passwords");
        };
        assert_eq!(until, now + Duration::minutes(LOCK_MINUTES));
        // Even the right password waits out the lock.
        assert!(matches!(
            authenticate(&s, "zhang", "correct horse battery", "a", now),
            Err(LoginError::Locked(_))
        ));
        let later = until + Duration::seconds(1);
        assert!(authenticate(&s, "zhang", "correct horse battery", "a", later).is_ok());
        let actions: Vec<_> = s
            .audit(&crate::store::office::AuditQuery {
                limit: 100,
                ..Default::default()
            })
            .expect("audit")
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions
                .iter()
                .filter(|a| **a == AuditAction::LoginFailed)
                .count(),
            5
        );
        assert_eq!(
            actions
                .iter()
                .filter(|a| **a == AuditAction::LoginLocked)
                .count(),
            1
        );
        assert_eq!(actions[0], AuditAction::Login);
    }

    #[test]
    fn sessions_end_with_expiry_and_with_the_account() {
        let (s, now) = store_with_user();
        let u = authenticate(&s, "zhang", "correct horse battery", "a", now).expect("login");
        let token = start_session(
            &s,
            &u,
            &fieldcase_shared::keys::DeviceKey::generate(),
            "a",
            now,
        )
        .expect("session");
        assert!(session_of(&s, &token, now).expect("read").is_some());
        assert!(session_of(&s, "not the token", now)
            .expect("read")
            .is_none());
        let late = now + Duration::hours(SESSION_HOURS);
        assert!(session_of(&s, &token, late).expect("read").is_none());
        let token = start_session(
            &s,
            &u,
            &fieldcase_shared::keys::DeviceKey::generate(),
            "a",
            now,
        )
        .expect("session");
        assert!(s.disable_staff("zhang", now).expect("disable"));
        assert!(session_of(&s, &token, now).expect("read").is_none());
        assert!(matches!(
            authenticate(&s, "zhang", "correct horse battery", "a", now),
            Err(LoginError::Wrong)
        ));
    }

    #[test]
    fn weak_accounts_are_refused() {
        let s = SqliteStore::open_in_memory().expect("store");
        let now = Utc::now();
        assert!(add_user(&s, "a b", "", &[Role::Admin], "long enough pw", now).is_err());
        assert!(add_user(&s, "li", "", &[], "long enough pw", now).is_err());
        assert!(add_user(&s, "li", "", &[Role::Admin], "short", now).is_err());
        assert!(add_user(&s, "li", "", &[Role::Admin], "long enough pw", now).is_ok());
        let e = add_user(&s, "li", "", &[Role::Admin], "long enough pw", now).unwrap_err();
        assert!(e.contains("exists"), "{e}");
    }
}
