//! Officers allowed to sign in on this terminal, with their PINs as
//! Argon2id hashes (a stolen terminal does not give the PINs away), and a
//! lock-out after repeated wrong PINs.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};

/// Shortest PIN accepted.
pub const MIN_PIN_LEN: usize = 6;
/// Wrong PINs in a row before the officer is locked out.
pub const MAX_FAILURES: u32 = 5;
/// How long a lock-out lasts.
pub const LOCKOUT_MINUTES: i64 = 5;

/// Why a sign-in or PIN change is refused.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    /// Not registered on this terminal.
    #[error(
        "officer {0} is not registered on this terminal; register with `fieldcase officer add`"
    )]
    Unknown(String),
    /// Wrong PIN.
    #[error("wrong PIN for officer {cert_no} ({left} tries left before a {LOCKOUT_MINUTES}-minute lock)")]
    Wrong {
        /// Officer.
        cert_no: String,
        /// Tries left.
        left: u32,
    },
    /// Locked out.
    #[error("officer {cert_no} is locked after {MAX_FAILURES} wrong PINs until {until}")]
    Locked {
        /// Officer.
        cert_no: String,
        /// Until (local time, HH:MM).
        until: String,
    },
    /// PIN too weak.
    #[error("a PIN must be at least {MIN_PIN_LEN} digits")]
    Weak,
    /// Store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PinError {
    /// The message in Chinese.
    pub fn zh(&self) -> String {
        match self {
            PinError::Unknown(c) => format!("执法证号 {c} 未在本机登记，请联系管理员登记"),
            PinError::Wrong { cert_no, left } => {
                format!("{cert_no} 的 PIN 不正确，还可尝试 {left} 次")
            }
            PinError::Locked { cert_no, until } => {
                format!("{cert_no} 连续输错 PIN，已锁定至 {until}")
            }
            PinError::Weak => format!("PIN 至少 {MIN_PIN_LEN} 位数字"),
            PinError::Store(e) => format!("读取本机数据失败：{e}"),
        }
    }
}

fn hasher() -> Argon2<'static> {
    // Argon2id v19 with the crate's defaults (19 MiB, 2 passes, 1 lane):
    // OWASP's recommended minimum, ~50 ms on this class of device.
    Argon2::default()
}

impl Store {
    /// Registers (or re-registers, with a new PIN) an officer.
    pub fn add_officer(&self, cert_no: &str, name: &str, pin: &str) -> Result<(), PinError> {
        if pin.chars().count() < MIN_PIN_LEN || !pin.chars().all(|c| c.is_ascii_digit()) {
            return Err(PinError::Weak);
        }
        let salt = SaltString::generate(&mut rand_core::OsRng);
        let hash = hasher()
            .hash_password(pin.as_bytes(), &salt)
            .map_err(|e| StoreError::Corrupt(format!("PIN hash: {e}")))?
            .to_string();
        self.conn
            .execute(
                "INSERT INTO officers (cert_no, name, pin_hash, added_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(cert_no) DO UPDATE SET name = excluded.name,
                    pin_hash = excluded.pin_hash, failures = 0, locked_until = NULL",
                params![cert_no, name, hash, Utc::now().to_rfc3339()],
            )
            .map_err(StoreError::from)?;
        Ok(())
    }

    /// Officers registered: (执法证号, name).
    pub fn officers(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT cert_no, name FROM officers ORDER BY cert_no")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Checks an officer's PIN; returns the officer's name. Wrong PINs are
    /// counted; after [`MAX_FAILURES`] the officer is locked out for
    /// [`LOCKOUT_MINUTES`].
    pub fn check_pin(
        &self,
        cert_no: &str,
        pin: &str,
        now: DateTime<Utc>,
    ) -> Result<String, PinError> {
        let row: Option<(String, String, u32, Option<String>)> = self
            .conn
            .query_row(
                "SELECT name, pin_hash, failures, locked_until FROM officers WHERE cert_no = ?1",
                [cert_no],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(StoreError::from)?;
        let Some((name, hash, failures, locked_until)) = row else {
            return Err(PinError::Unknown(cert_no.to_owned()));
        };
        if let Some(until) = locked_until
            .as_deref()
            .and_then(|u| DateTime::parse_from_rfc3339(u).ok())
        {
            if until > now {
                return Err(PinError::Locked {
                    cert_no: cert_no.to_owned(),
                    until: until
                        .with_timezone(&chrono::Local)
                        .format("%H:%M")
                        .to_string(),
                });
            }
        }
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| StoreError::Corrupt(format!("PIN hash of {cert_no}: {e}")))?;
        if hasher().verify_password(pin.as_bytes(), &parsed).is_ok() {
            self.conn
                .execute(
                    "UPDATE officers SET failures = 0, locked_until = NULL WHERE cert_no = ?1",
                    [cert_no],
                )
                .map_err(StoreError::from)?;
            return Ok(name);
        }
        let failures = failures + 1;
        let locked = (failures >= MAX_FAILURES)
            .then(|| (now + Duration::minutes(LOCKOUT_MINUTES)).to_rfc3339());
        self.conn
            .execute(
                "UPDATE officers SET failures = ?2, locked_until = ?3 WHERE cert_no = ?1",
                params![cert_no, if locked.is_some() { 0 } else { failures }, locked],
            )
            .map_err(StoreError::from)?;
        match locked {
            Some(_) => Err(PinError::Locked {
                cert_no: cert_no.to_owned(),
                until: (now + Duration::minutes(LOCKOUT_MINUTES))
                    .with_timezone(&chrono::Local)
                    .format("%H:%M")
                    .to_string(),
            }),
            None => Err(PinError::Wrong {
                cert_no: cert_no.to_owned(),
                left: MAX_FAILURES - failures,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_hashed_checked_and_locked_out() {
        let s = Store::open_in_memory().unwrap();
        assert!(matches!(
            s.add_officer("65010023", "王军", "12345"),
            Err(PinError::Weak)
        ));
        s.add_officer("65010023", "王军", "135790").unwrap();
        let stored: String = s
            .conn
            .query_row("SELECT pin_hash FROM officers", [], |r| r.get(0))
            .unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("135790"));
        let now = Utc::now();
        assert_eq!(s.check_pin("65010023", "135790", now).unwrap(), "王军");
        assert!(matches!(
            s.check_pin("65019999", "135790", now),
            Err(PinError::Unknown(_))
        ));
        for left in (1..MAX_FAILURES).rev() {
            match s.check_pin("65010023", "000000", now) {
                Err(PinError::Wrong { left: l, .. }) => assert_eq!(l, left),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            s.check_pin("65010023", "000000", now),
            Err(PinError::Locked { .. })
        ));
        // Even the right PIN is refused while locked; accepted afterwards.
        assert!(matches!(
            s.check_pin("65010023", "135790", now),
            Err(PinError::Locked { .. })
        ));
        let later = now + Duration::minutes(LOCKOUT_MINUTES + 1);
        assert_eq!(s.check_pin("65010023", "135790", later).unwrap(), "王军");
    }
}
