//! The terminal itself: its device key and its store, opened once and
//! handed to the controllers ([`crate::cases`], [`crate::check`],
//! [`crate::evidence`], [`crate::officers`], [`crate::overview`],
//! [`crate::sync`], [`Settings`]), which are all the window, the CLI, the
//! demo and the benches use. No UI types here.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Local};
use fieldcase_shared::keys::{DeviceId, DeviceKey, PublicKey};
use fieldcase_shared::record::{self, LogCheck};

use crate::store::{Store, StoreError};

mod error;
mod lang;
mod settings;

pub use error::AppError;
pub use lang::{Lang, Text2};
pub use settings::{Setting, Settings, SyncMode, LOCK_CHOICES};

/// 案号 prefix used until one is configured (setting `case_prefix`).
pub const DEFAULT_CASE_PREFIX: &str = "乌交执";
/// Device key file name inside the data directory.
pub const KEY_FILE: &str = "device.key";

/// The terminal: its key and its store.
#[derive(Debug)]
pub struct Terminal {
    /// The local store (for the controllers, the CLI's inspection commands
    /// and tests; the window's glue never touches it).
    pub store: Store,
    pub(crate) key: DeviceKey,
}

/// Beside the device key, an empty (0-byte) or missing database is
/// refused: the key exists only once its database was complete.
fn check_not_lost(dir: &Path) -> Result<(), StoreError> {
    if !dir.join(KEY_FILE).exists() {
        return Ok(());
    }
    let db = dir.join(crate::store::DB_FILE);
    let what = match std::fs::metadata(&db) {
        Ok(m) if m.len() == 0 => "is empty (0 bytes)",
        Ok(_) => return Ok(()),
        Err(_) => "is missing",
    };
    Err(StoreError::Lost { path: db, what })
}

impl Terminal {
    /// Opens the terminal whose data lives in `dir`, creating the database
    /// and then the device key (mode 0600) on first use. The key is made
    /// only once the database is complete: a terminal killed while it is
    /// first set up starts cleanly next time, while a key beside an empty
    /// database can only mean a lost database, and is refused.
    pub fn open(dir: &Path) -> Result<Self, AppError> {
        fieldcase_shared::private::private_dir(dir).map_err(|source| StoreError::Io {
            path: dir.to_owned(),
            source,
        })?;
        check_not_lost(dir)?;
        let store = Store::open(dir)?;
        let key_file = dir.join(KEY_FILE);
        if !key_file.exists() && store.has_records()? {
            return Err(StoreError::KeyLost(key_file).into());
        }
        let key = DeviceKey::load_or_create(&key_file)?;
        Ok(Terminal { store, key })
    }

    /// A terminal on an in-memory database (controller tests).
    pub fn in_memory(key: DeviceKey) -> Result<Self, AppError> {
        Ok(Terminal {
            store: Store::open_in_memory()?,
            key,
        })
    }

    /// The device public key.
    pub fn public_key(&self) -> PublicKey {
        self.key.public()
    }

    /// The device id.
    pub fn device_id(&self) -> DeviceId {
        self.key.public().device_id()
    }

    /// The current time on the device clock, with its offset.
    pub fn now() -> DateTime<FixedOffset> {
        Local::now().fixed_offset()
    }

    /// Verifies every local record's signature and the whole chain.
    pub fn verify_chain(&self) -> Result<LogCheck, AppError> {
        let records = self.store.all_records()?;
        let envs: Vec<_> = records.iter().map(|r| r.envelope.clone()).collect();
        Ok(record::verify_log(&self.public_key(), &envs))
    }
}
