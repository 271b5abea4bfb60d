//! The terminal's controller: every officer action as a plain method,
//! used alike by the UI, the CLI and the demo seeder. No UI types here.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, FixedOffset, Local};
use fieldcase_shared::casebag::ExportError;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::{DeviceId, DeviceKey, KeyError, PublicKey};
use fieldcase_shared::model::{
    CaseClosed, CaseOpened, CheckField, CheckInput, EvidenceItem, OfficerPair, ValidCheck,
    ViolationRef,
};
use fieldcase_shared::record::{self, LogCheck, RecordBody};
use fieldcase_shared::validate::ValidationError;
use uuid::Uuid;

use crate::store::{CaseRow, Store, StoreError};

/// 案号 prefix used until one is configured (setting `case_prefix`).
pub const DEFAULT_CASE_PREFIX: &str = "乌交执";
/// Device key file name inside the data directory.
pub const KEY_FILE: &str = "device.key";

/// Errors of terminal actions.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Key failure.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Form input is invalid (one error per bad field).
    #[error("{}", .0.iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<(CheckField, ValidationError)>),
    /// No such case.
    #[error("no case {0:?} on this terminal; `fieldcase case list` shows the case numbers")]
    NoCase(String),
    /// The case is closed and can no longer change.
    #[error("case {0} is closed; a closed case cannot be changed")]
    Closed(String),
    /// An action the officer must do differently (message in both languages).
    #[error("{en}")]
    Refused {
        /// Chinese.
        zh: String,
        /// English.
        en: String,
    },
    /// Demo data could not be made.
    #[error("demo data: {0}")]
    Demo(String),
    /// Export failed.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// Only a closed case can be archived.
    #[error("case {0} is still open; close it before archiving it")]
    NotClosed(String),
    /// An output file or folder cannot be written.
    #[error("{}: {source}", path.display())]
    Output {
        /// The path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// What is known about an evidence file besides its bytes.
#[derive(Debug, Clone, Default)]
pub struct EvidenceMeta {
    /// Media type, e.g. `image/jpeg`.
    pub media_type: String,
    /// File name as captured.
    pub original_name: String,
    /// Capture time, when known.
    pub captured_at: Option<DateTime<FixedOffset>>,
    /// 音像记录 category.
    pub category: String,
    /// Description.
    pub description: String,
}

impl AppError {
    /// A refusal with a message in both languages.
    pub fn refused(zh: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::Refused {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// A check just saved.
#[derive(Debug, Clone)]
pub struct CheckSaved {
    /// Case id.
    pub case_id: Uuid,
    /// 案号 allocated.
    pub case_no: String,
    /// Seq of the record.
    pub seq: u64,
}

/// The terminal: its key and its store.
#[derive(Debug)]
pub struct Terminal {
    /// The local store.
    pub store: Store,
    pub(crate) key: DeviceKey,
}

/// A new terminal is made only where there is neither key nor database;
/// an empty (0-byte) database, or a key without its database, is refused.
fn check_not_lost(dir: &Path) -> Result<(), StoreError> {
    let db = dir.join(crate::store::DB_FILE);
    let what = match std::fs::metadata(&db) {
        Ok(m) if m.len() == 0 => "is empty (0 bytes)",
        Ok(_) => return Ok(()),
        Err(_) if dir.join(KEY_FILE).exists() => "is missing",
        Err(_) => return Ok(()),
    };
    Err(StoreError::Lost { path: db, what })
}

impl Terminal {
    /// Opens the terminal whose data lives in `dir`, creating the device key
    /// (mode 0600) and database on first use.
    pub fn open(dir: &Path) -> Result<Self, AppError> {
        fieldcase_shared::private::private_dir(dir).map_err(|source| StoreError::Io {
            path: dir.to_owned(),
            source,
        })?;
        check_not_lost(dir)?;
        let key = DeviceKey::load_or_create(&dir.join(KEY_FILE))?;
        let store = Store::open(dir)?;
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

    /// Validates the new-check form and saves it as a signed `case_opened`
    /// record with a freshly allocated 案号.
    pub fn record_check(
        &mut self,
        officers: &OfficerPair,
        input: &CheckInput,
        violation: Option<ViolationRef>,
        now: DateTime<FixedOffset>,
    ) -> Result<CheckSaved, AppError> {
        let ValidCheck {
            vehicle,
            party,
            place,
            note,
        } = input
            .validate(now.date_naive())
            .map_err(AppError::Invalid)?;
        let case_id = Uuid::now_v7();
        let (payload, _) = self
            .store
            .append(&self.key, officers.cert_nos(), now, |alloc| {
                let case_no = alloc.case_number(now.year(), &case_id.to_string())?;
                Ok(RecordBody::CaseOpened(CaseOpened {
                    case_id,
                    case_no,
                    occurred_at: now,
                    place,
                    vehicle,
                    party,
                    violation,
                    note,
                    details: None,
                }))
            })?;
        let case_no = match &payload.body {
            RecordBody::CaseOpened(c) => c.case_no.clone(),
            _ => String::new(),
        };
        Ok(CheckSaved {
            case_id,
            case_no,
            seq: payload.seq,
        })
    }

    pub(crate) fn open_case(&self, key: &str) -> Result<CaseRow, AppError> {
        let case = self
            .store
            .find_case(key)?
            .ok_or_else(|| AppError::NoCase(key.to_owned()))?;
        if case.status == "closed" {
            return Err(AppError::Closed(case.case_no));
        }
        Ok(case)
    }

    /// Imports an evidence file into an open case: streams it into the blob
    /// store (the original is only read), then appends an `evidence_added`
    /// record naming its SHA-256.
    pub fn add_evidence(
        &mut self,
        officers: &OfficerPair,
        case: &str,
        src: &Path,
        meta: EvidenceMeta,
        progress: impl FnMut(u64),
    ) -> Result<Digest, AppError> {
        self.open_case(case)?;
        let stored = self.store.put_blob(src, progress)?;
        self.record_evidence(officers, case, stored, meta)
    }

    /// Appends the `evidence_added` record of a blob already stored.
    pub(crate) fn record_evidence(
        &mut self,
        officers: &OfficerPair,
        case: &str,
        (sha256, size): (Digest, u64),
        meta: EvidenceMeta,
    ) -> Result<Digest, AppError> {
        let row = self.open_case(case)?;
        let case_id: Uuid = row
            .case_id
            .parse()
            .map_err(|_| AppError::NoCase(row.case_id.clone()))?;
        self.store
            .append(&self.key, officers.cert_nos(), Self::now(), |_| {
                Ok(RecordBody::EvidenceAdded(EvidenceItem {
                    case_id,
                    sha256,
                    size,
                    media_type: meta.media_type,
                    original_name: meta.original_name,
                    captured_at: meta.captured_at,
                    category: meta.category,
                    description: meta.description,
                }))
            })?;
        Ok(sha256)
    }

    /// Closes a case: a `case_closed` record naming every earlier record of
    /// the case. After this the case is read-only.
    pub fn close_case(&mut self, officers: &OfficerPair, case: &str) -> Result<u64, AppError> {
        let row = self.open_case(case)?;
        let case_id: Uuid = row
            .case_id
            .parse()
            .map_err(|_| AppError::NoCase(row.case_id.clone()))?;
        let records: Vec<Digest> = self
            .store
            .case_records(&row.case_id)?
            .iter()
            .map(|r| r.digest)
            .collect();
        let (p, _) = self
            .store
            .append(&self.key, officers.cert_nos(), Self::now(), |_| {
                Ok(RecordBody::CaseClosed(CaseClosed {
                    case_id,
                    case_no: row.case_no.clone(),
                    evidence_count: row.evidence,
                    records,
                    findings: None,
                }))
            })?;
        Ok(p.seq)
    }

    /// Verifies every local record's signature and the whole chain.
    pub fn verify_chain(&self) -> Result<LogCheck, AppError> {
        let records = self.store.all_records()?;
        let envs: Vec<_> = records.iter().map(|r| r.envelope.clone()).collect();
        Ok(record::verify_log(&self.public_key(), &envs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn officers() -> OfficerPair {
        OfficerPair::new("65010023", "65010031").unwrap()
    }

    fn input() -> CheckInput {
        CheckInput {
            plate: "新A12345".into(),
            party_id: "11010519491231002X".into(),
            party_name: "张三".into(),
            place: "G30 连霍高速 K3480".into(),
            note: String::new(),
        }
    }

    #[test]
    fn saving_checks_allocates_numbers_and_chains() {
        let mut t = Terminal::in_memory(DeviceKey::from_seed([5; 32])).unwrap();
        let now = Terminal::now();
        let a = t.record_check(&officers(), &input(), None, now).unwrap();
        let b = t.record_check(&officers(), &input(), None, now).unwrap();
        assert_ne!(a.case_no, b.case_no);
        assert!(a.case_no.ends_with("00001号"), "{}", a.case_no);
        assert_eq!((a.seq, b.seq), (1, 2));
        let check = t.verify_chain().unwrap();
        assert!(check.problems.is_empty());
        assert_eq!(check.head.seq, 2);
        assert_eq!(t.store.unsynced_count().unwrap(), 2);
        let cases = t.store.cases(10).unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].case_no, b.case_no, "newest first");
    }

    #[test]
    fn invalid_input_stores_nothing() {
        let mut t = Terminal::in_memory(DeviceKey::from_seed([5; 32])).unwrap();
        let mut bad = input();
        bad.plate = "新A1234".into();
        bad.party_id = "110105194912310021".into();
        let err = t
            .record_check(&officers(), &bad, None, Terminal::now())
            .unwrap_err();
        let AppError::Invalid(errs) = err else {
            panic!("expected invalid input")
        };
        assert_eq!(errs.len(), 2);
        assert_eq!(t.store.all_records().unwrap().len(), 0);
        // Nothing allocated: the next good check still gets number 1.
        let ok = t
            .record_check(&officers(), &input(), None, Terminal::now())
            .unwrap();
        assert!(ok.case_no.ends_with("00001号"));
    }

    #[test]
    fn closed_case_is_read_only() {
        let mut t = Terminal::in_memory(DeviceKey::from_seed([5; 32])).unwrap();
        let a = t
            .record_check(&officers(), &input(), None, Terminal::now())
            .unwrap();
        t.close_case(&officers(), &a.case_no).unwrap();
        let e = t.close_case(&officers(), &a.case_no).unwrap_err();
        assert!(matches!(e, AppError::Closed(_)));
    }
}
