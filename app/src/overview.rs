//! What the home and settings screens show about the terminal: work
//! waiting, space left, 案号 left, enrolment, the officers; and the
//! messages from the back office.

use std::path::Path;

use chrono::{DateTime, Datelike, FixedOffset, Local, TimeZone};
use fieldcase_shared::casebag::Medium;
use fieldcase_shared::wire::Message;

use crate::check::Draft;
use crate::core::{AppError, Terminal};
use crate::store::CaseNumbers;

/// The home screen's facts.
#[derive(Debug, Clone)]
pub struct HomeFacts {
    /// Records not yet acknowledged by the server (None: unreadable).
    pub unsynced: Option<u64>,
    /// Last successful sync.
    pub last_sync: Option<DateTime<FixedOffset>>,
    /// Cases closed since local midnight.
    pub closed_today: u64,
    /// Free bytes in the data folder.
    pub storage_left: Option<u64>,
    /// Room left on one disc for the largest open case, and the medium.
    pub disc_left: (u64, Medium),
    /// 案号 of this year.
    pub numbers: Option<CaseNumbers>,
    /// Unread messages.
    pub unread: u64,
    /// Drafts in progress.
    pub drafts: Vec<Draft>,
}

/// The settings screen's facts.
#[derive(Debug, Clone)]
pub struct DeviceFacts {
    /// Device id.
    pub device_id: String,
    /// Public key.
    pub public_key: String,
    /// Holds a device certificate from the bureau.
    pub enrolled: bool,
    /// The sync server remembered.
    pub server: Option<String>,
    /// 案号 of this year.
    pub numbers: Option<CaseNumbers>,
    /// Registered officers: (执法证号, name).
    pub officers: Vec<(String, String)>,
}

fn free_space(dir: &Path) -> Option<u64> {
    let s = rustix::fs::statvfs(dir).ok()?;
    Some(s.f_bavail.saturating_mul(s.f_frsize))
}

fn local_midnight() -> Option<DateTime<FixedOffset>> {
    let m = Local::now().date_naive().and_hms_opt(0, 0, 0)?;
    Local
        .from_local_datetime(&m)
        .single()
        .map(|t| t.fixed_offset())
}

/// The overview controller.
pub struct Overview<'t> {
    term: &'t Terminal,
}

impl Terminal {
    /// The overview controller.
    pub fn overview(&self) -> Overview<'_> {
        Overview { term: self }
    }
}

impl Overview<'_> {
    /// The home screen's facts; `data_dir` for the free space.
    pub fn home(&self, data_dir: Option<&Path>) -> HomeFacts {
        let store = &self.term.store;
        let medium = self.term.settings().medium();
        let used = store.largest_open_case_bytes().unwrap_or(0);
        let today = local_midnight().map(|m| m.to_rfc3339()).unwrap_or_default();
        HomeFacts {
            unsynced: store.unsynced_count().ok(),
            last_sync: store
                .setting(crate::sync::LAST_SYNC)
                .ok()
                .flatten()
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok()),
            closed_today: store.closed_since(&today).unwrap_or(0),
            storage_left: data_dir.and_then(free_space),
            disc_left: (medium.capacity().saturating_sub(used), medium),
            numbers: store.case_numbers(Local::now().year()).ok(),
            unread: store.unread_messages().unwrap_or(0),
            drafts: self.term.drafts().list().unwrap_or_default(),
        }
    }

    /// The settings screen's facts.
    pub fn device(&self, server: Option<&str>) -> DeviceFacts {
        let store = &self.term.store;
        DeviceFacts {
            device_id: self.term.device_id().to_string(),
            public_key: self.term.public_key().to_string(),
            enrolled: store
                .setting(crate::sync::DEVICE_CERT)
                .ok()
                .flatten()
                .is_some(),
            server: server
                .map(str::to_owned)
                .or_else(|| store.setting(crate::sync::SYNC_SERVER).ok().flatten()),
            numbers: store.case_numbers(Local::now().year()).ok(),
            officers: store.officers().unwrap_or_default(),
        }
    }

    /// Messages from the back office, newest first, with the ids that were
    /// unread until now (they are marked read).
    pub fn read_messages(&self) -> Result<(Vec<Message>, Vec<u64>), AppError> {
        let unread = self.term.store.mark_messages_read()?;
        Ok((self.term.store.messages()?, unread))
    }
}
