//! The terminal's local store: one SQLite database (WAL, `synchronous=FULL`)
//! holding the signed record log and tables derived from it, plus evidence
//! blobs in a content-addressed folder.
//!
//! A record is appended in one transaction that reads the chain head, signs
//! the next record and writes it with its derived rows: it is either fully
//! stored or not at all. Blobs are written to a temporary file, synced and
//! renamed to their SHA-256 name, so a crash never leaves half a blob under
//! a real name.

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Utc};
use fieldcase_shared::chain::{self, Head};
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::{DeviceId, DeviceKey};
use fieldcase_shared::record::{self, RecordBody, RecordPayload, SealedRecord};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

/// Errors from the local store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Database failure.
    #[error("local database: {0}")]
    Db(#[from] rusqlite::Error),
    /// File system failure.
    #[error("{path}: {source}")]
    Io {
        /// Path concerned.
        path: PathBuf,
        /// Cause.
        #[source]
        source: io::Error,
    },
    /// The database was written by a newer version of the app.
    #[error("the local database has schema version {found}, newer than this app knows ({known}); update the app")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Latest known.
        known: i64,
    },
    /// Stored data is damaged.
    #[error("stored record seq {seq} is damaged: {detail}")]
    Damaged {
        /// Seq.
        seq: u64,
        /// What is wrong.
        detail: String,
    },
    /// The data folder holds a terminal whose database is gone or empty:
    /// opening it would start a second chain with the same key.
    #[error("{path} {what}, but this data folder already holds the terminal's key: opening it would restart the records at seq 1 with the same key, and the server would refuse them as a fork. Restore the database from a backup, or copy the data folder and ask the back office; do not delete the key")]
    Lost {
        /// The database file.
        path: PathBuf,
        /// What is wrong with it.
        what: &'static str,
    },
    /// The database holds signed records but the key that signed them is gone.
    #[error("{0} is missing, but this data folder's database holds records it signed: a new key would start a second chain the server refuses. Restore the key from a backup, or copy the data folder and ask the back office")]
    KeyLost(PathBuf),
    /// Not found.
    #[error("{0}")]
    NotFound(String),
    /// A stored value is not what it should be.
    #[error("local database holds a damaged value: {0}")]
    Corrupt(String),
    /// The 案号 range of the year is used up.
    #[error("the case numbers assigned to this terminal for {year} ({start}–{end}) are used up; ask the back office for a new range and set it with `fieldcase case range`")]
    NumbersExhausted {
        /// Year.
        year: i32,
        /// First of the range.
        start: u64,
        /// Last of the range.
        end: u64,
    },
    /// A number range that cannot be used.
    #[error(
        "case number range {start}–{end} is not valid: it must be within 1–99999, first ≤ last"
    )]
    BadRange {
        /// First.
        start: u64,
        /// Last.
        end: u64,
    },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "fieldcase.sqlite3";

/// Whether a case can still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Opened, not yet closed: evidence and steps may be added.
    Open,
    /// Closed and signed: read-only, corrected only by a new record.
    Closed,
    /// Closed, and returned by the back office's review: waiting for the
    /// officers' correction (a new record; nothing signed changes). Stored
    /// as `closed` with the return's reason beside it.
    Returned,
}

impl CaseStatus {
    /// The tag stored in the `cases` table.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Closed => "closed",
            CaseStatus::Returned => "returned",
        }
    }
}

impl rusqlite::types::FromSql for CaseStatus {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        match v.as_str()? {
            "open" => Ok(CaseStatus::Open),
            "closed" => Ok(CaseStatus::Closed),
            other => Err(rusqlite::types::FromSqlError::Other(
                format!("case status {other:?}").into(),
            )),
        }
    }
}

/// A case as listed on screen and by `case list`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaseRow {
    /// Case id.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// When the check took place.
    pub opened_at: DateTime<FixedOffset>,
    /// Plate.
    pub plate: String,
    /// Party id number.
    pub party_id: String,
    /// Party name.
    pub party_name: String,
    /// Place.
    pub place: String,
    /// Open or closed.
    pub status: CaseStatus,
    /// Evidence items.
    pub evidence: u32,
    /// Evidence bytes.
    pub evidence_bytes: u64,
    /// Records of this case not yet acknowledged by the server.
    pub unsynced: u32,
    /// When returned by the back office: its reason and the digest of its
    /// signed return.
    pub returned: Option<Returned>,
    /// Closed and handed over to the agency (移交) for the general
    /// procedure.
    pub handed_over: bool,
}

/// A return from the back office's review, waiting for a correction.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Returned {
    /// What the reviewer wrote.
    pub reason: String,
    /// Digest of the reviewer's signed return.
    pub record: fieldcase_shared::hash::Digest,
}

/// A stored record row.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    /// Seq.
    pub seq: u64,
    /// The envelope.
    pub envelope: Envelope,
    /// Digest.
    pub digest: Digest,
    /// Chain hash.
    pub chain: Digest,
}

/// The local store.
pub struct Store {
    conn: Connection,
    blob_dir: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("blob_dir", &self.blob_dir)
            .finish()
    }
}

fn digest_col(seq: u64, bytes: Vec<u8>) -> Result<Digest, StoreError> {
    let arr: [u8; 32] = bytes.try_into().map_err(|_| StoreError::Damaged {
        seq,
        detail: "digest column is not 32 bytes".into(),
    })?;
    Ok(Digest(arr))
}

mod blobs;
mod caseno;
mod cases;
mod drafts;
mod migrations;
mod officers;
mod prints;
mod uploads;
pub use caseno::{CaseNumbers, NumberGap};
pub use cases::EvidenceRow;
pub use drafts::DraftRow;
pub use officers::{PinError, MIN_PIN_LEN};
pub use prints::PrintJob;
pub use uploads::PendingBlob;

use fieldcase_shared::private;

impl Store {
    /// Opens (creating if needed) the store in `dir`: `fieldcase.sqlite3` and `blobs/`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        // Records and evidence are for the officers and the bureau only.
        for d in [dir.to_owned(), dir.join("blobs"), dir.join("tmp")] {
            private::private_dir(&d).map_err(io_at(&d))?;
        }
        blobs::remove_abandoned_parts(&dir.join("tmp"), blobs::ABANDONED_AFTER);
        let file = dir.join(DB_FILE);
        let conn = Connection::open(&file)?;
        private::private_file(&file).map_err(io_at(&file))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Self::init(conn, Some(dir.to_owned()))
    }

    /// An in-memory store (tests, controller tests). Blobs are not available.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, dir: Option<PathBuf>) -> Result<Self, StoreError> {
        // Every record append must survive power loss once committed.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::run(&mut conn)?;
        Ok(Store {
            conn,
            blob_dir: dir.map(|d| d.join("blobs")),
        })
    }

    /// A setting, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        setting_in(&self.conn, key)
    }

    /// Sets a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        set_setting_in(&self.conn, key, value)
    }

    /// The head of the local chain.
    pub fn head(&self, device: &DeviceId) -> Result<Head, StoreError> {
        head_of(&self.conn, device)
    }

    /// Appends a record: reads the head, builds the payload with the next
    /// seq, signs it, stores it with its derived rows — one transaction.
    /// `make_body` may allocate from settings inside the same transaction
    /// (for example the next 案号).
    pub fn append(
        &self,
        key: &DeviceKey,
        officers: Vec<String>,
        created_at: DateTime<FixedOffset>,
        make_body: impl FnOnce(&Allocator<'_>) -> Result<RecordBody, StoreError>,
    ) -> Result<(RecordPayload, SealedRecord), StoreError> {
        let device = key.public().device_id();
        // `&self`: one connection serves one thread, and nothing here opens
        // another transaction while this one is live.
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let head = head_of(&tx, &device)?;
        let body = make_body(&Allocator { conn: &tx })?;
        let payload =
            RecordPayload::new(device, head.seq + 1, head.chain, created_at, officers, body);
        let sealed = record::seal(key, &payload);
        let case_id = payload.body.case_id().to_string();
        tx.execute(
            "INSERT INTO records (seq, id, kind, case_id, envelope, digest, chain, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                payload.seq as i64,
                payload.id.to_string(),
                payload.body.kind(),
                case_id,
                sealed.envelope.to_json(),
                sealed.digest.0.to_vec(),
                sealed.chain.0.to_vec(),
                payload.created_at.to_rfc3339(),
            ],
        )?;
        match &payload.body {
            RecordBody::CaseOpened(c) => {
                tx.execute(
                    "INSERT INTO cases (case_id, case_no, opened_at, plate, party_id, party_name,
                                        place, status, opened_seq, search)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8,
                             upper(?2 || ' ' || ?4 || ' ' || ?5 || ' ' || ?6))",
                    params![
                        case_id,
                        c.case_no,
                        c.occurred_at.to_rfc3339(),
                        c.vehicle.plate,
                        c.party.id(),
                        match &c.party {
                            fieldcase_shared::model::Party::Person { name, .. }
                            | fieldcase_shared::model::Party::Organisation { name, .. } => name,
                        },
                        c.place,
                        payload.seq as i64
                    ],
                )?;
            }
            RecordBody::EvidenceAdded(e) => {
                tx.execute(
                    "INSERT OR IGNORE INTO evidence (case_id, sha256, size, media_type, original_name,
                                                     seq, category, description, captured_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        case_id,
                        e.sha256.to_hex(),
                        e.size as i64,
                        e.media_type,
                        e.original_name,
                        payload.seq as i64,
                        e.category,
                        e.description,
                        e.captured_at.map(|t| t.to_rfc3339()),
                    ],
                )?;
            }
            RecordBody::CaseClosed(c) => {
                tx.execute(
                    "UPDATE cases SET status = 'closed', closed_seq = ?2, outcome = ?3,
                        handed_over = ?4
                     WHERE case_id = ?1",
                    params![
                        case_id,
                        payload.seq as i64,
                        c.findings.as_ref().map(|f| f.outcome.clone()),
                        migrations::hands_over(c)
                    ],
                )?;
            }
            RecordBody::CaseCorrected(_) => {
                // A returned case is closed again once corrected.
                tx.execute(
                    "UPDATE cases SET corrections = corrections + 1,
                        return_reason = NULL, return_record = NULL
                     WHERE case_id = ?1",
                    params![case_id],
                )?;
            }
            // Kept in `records` (kind, case_id); nothing derived (the
            // case screen reads service, payment and the writings from the
            // history). A
            // terminal never signs a review step or a bureau act.
            RecordBody::CaseSealed(_)
            | RecordBody::DiscRecorded(_)
            | RecordBody::DocumentServed(_)
            | RecordBody::PaymentNoted(_)
            | RecordBody::SiteRecorded(_)
            | RecordBody::InterviewRecorded(_)
            | RecordBody::EvidenceRegistered(_)
            | RecordBody::CorrectionOrdered(_)
            | RecordBody::MeasureDecided(_)
            | RecordBody::ReviewRecorded(_)
            | RecordBody::ProcedureAct(_) => {}
        }
        tx.commit()?;
        Ok((payload, sealed))
    }

    /// True once any record is stored.
    pub fn has_records(&self) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM records)", [], |r| r.get(0))?)
    }

    /// Every record in seq order (for `chain verify`).
    pub fn all_records(&self) -> Result<Vec<StoredRecord>, StoreError> {
        self.records_where("1 = 1", params![])
    }

    /// Records of one case, in seq order.
    pub fn case_records(&self, case_id: &Uuid) -> Result<Vec<StoredRecord>, StoreError> {
        self.records_where("case_id = ?1", params![case_id.to_string()])
    }

    /// Records not yet named by a verified receipt, in seq order, at most `limit`.
    pub fn unsynced(&self, limit: usize) -> Result<Vec<StoredRecord>, StoreError> {
        self.records_where(
            "synced_at IS NULL ORDER BY seq LIMIT ?1",
            params![limit as i64],
        )
    }

    /// Chain links (seq, digest, chain) for `from..=to`.
    pub fn links(&self, from: u64, to: u64) -> Result<Vec<chain::Link>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT seq, digest, chain FROM records WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq",
        )?;
        let rows = st.query_map(params![from as i64, to as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, d, c) = row?;
            let seq = seq as u64;
            out.push(chain::Link {
                seq,
                digest: digest_col(seq, d)?,
                chain: digest_col(seq, c)?,
            });
        }
        Ok(out)
    }

    /// Chain hash stored at `seq` (genesis for 0).
    pub fn chain_at(&self, device: &DeviceId, seq: u64) -> Result<Digest, StoreError> {
        if seq == 0 {
            return Ok(chain::genesis(device));
        }
        let c: Vec<u8> = self.conn.query_row(
            "SELECT chain FROM records WHERE seq = ?1",
            [seq as i64],
            |r| r.get(0),
        )?;
        digest_col(seq, c)
    }

    fn records_where(
        &self,
        clause: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<StoredRecord>, StoreError> {
        let order = if clause.contains("ORDER BY") {
            ""
        } else {
            " ORDER BY seq"
        };
        let sql = format!("SELECT seq, envelope, digest, chain FROM records WHERE {clause}{order}");
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map(args, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, env, d, c) = row?;
            let seq = seq as u64;
            let envelope = Envelope::from_json(&env).map_err(|e| StoreError::Damaged {
                seq,
                detail: e.to_string(),
            })?;
            out.push(StoredRecord {
                seq,
                envelope,
                digest: digest_col(seq, d)?,
                chain: digest_col(seq, c)?,
            });
        }
        Ok(out)
    }

    /// Number of records not yet acknowledged by a verified receipt.
    pub fn unsynced_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM records WHERE synced_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Stores a verified receipt and marks the records it names as synced.
    /// `named` are the (seq, digest) pairs the receipt lists; only rows whose
    /// digest matches are marked.
    pub fn store_receipt(
        &self,
        server: &str,
        envelope: &Envelope,
        named: &[(u64, Digest)],
    ) -> Result<usize, StoreError> {
        // `&self`, as `append`: no other transaction is live on this connection.
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let now = Utc::now().to_rfc3339();
        let first = named.iter().map(|(s, _)| *s).min().unwrap_or(0);
        let last = named.iter().map(|(s, _)| *s).max().unwrap_or(0);
        tx.execute(
            "INSERT INTO receipts (stored_at, server, first_seq, last_seq, envelope)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![now, server, first as i64, last as i64, envelope.to_json()],
        )?;
        let mut marked = 0;
        for (seq, digest) in named {
            marked += tx.execute(
                "UPDATE records SET synced_at = ?1 WHERE seq = ?2 AND digest = ?3 AND synced_at IS NULL",
                params![now, *seq as i64, digest.0.to_vec()],
            )?;
        }
        tx.commit()?;
        Ok(marked)
    }

    /// Receipts stored so far.
    pub fn receipt_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM receipts", [], |r| r.get(0))?;
        Ok(n as u64)
    }
}

/// Allocation inside the append transaction (案号 counters and the like).
pub struct Allocator<'a> {
    conn: &'a Connection,
}

impl Allocator<'_> {
    /// A setting, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        setting_in(self.conn, key)
    }
}

fn setting_in(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

fn set_setting_in(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

fn head_of(conn: &Connection, device: &DeviceId) -> Result<Head, StoreError> {
    let row: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, chain FROM records ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Ok(Head::genesis(device)),
        Some((seq, c)) => Ok(Head {
            seq: seq as u64,
            chain: digest_col(seq as u64, c)?,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldcase_shared::model::CaseClosed;

    fn closed_body() -> RecordBody {
        RecordBody::CaseClosed(CaseClosed {
            case_id: uuid::Uuid::nil(),
            case_no: "x".into(),
            evidence_count: 0,
            records: vec![],
            findings: None,
        })
    }

    #[test]
    fn a_failed_append_leaves_nothing_behind() {
        let s = Store::open_in_memory().unwrap();
        let key = DeviceKey::from_seed([1; 32]);
        let now = chrono::Local::now().fixed_offset();
        let r = s.append(&key, vec![], now, |alloc| {
            alloc.case_number(2026, "x")?;
            Err(StoreError::NotFound("simulated failure".into()))
        });
        assert!(r.is_err());
        assert!(s.all_records().unwrap().is_empty());
        assert_eq!(
            s.setting("counter:case_no:2026").unwrap(),
            None,
            "counter rolled back"
        );
        // The next append is seq 1 on the genesis head.
        let (p, _) = s.append(&key, vec![], now, |_| Ok(closed_body())).unwrap();
        assert_eq!(p.seq, 1);
        assert_eq!(p.prev, chain::genesis(&key.public().device_id()));
    }

    #[test]
    fn a_handed_over_case_is_listed_so_and_an_older_store_learns_it_when_migrated() {
        use crate::testkit::{decided, decision};
        let (dir, t, row) = decided(Some(decision(30_000, "general")));
        assert!(t.cases().find(&row.case_no).unwrap().handed_over);
        let (_d2, t2, simple) = decided(Some(decision(100, "simple")));
        assert!(!t2.cases().find(&simple.case_no).unwrap().handed_over);
        // A store from before the column: the migration reads the signed
        // closing records.
        t.store
            .conn
            .execute_batch(&format!(
                "UPDATE cases SET handed_over = 0; PRAGMA user_version = {};",
                migrations::HANDED_OVER_MIGRATION
            ))
            .unwrap();
        t.store
            .conn
            .execute_batch("ALTER TABLE cases DROP COLUMN handed_over;")
            .unwrap();
        drop(t);
        let again = crate::core::Terminal::open(dir.path()).unwrap();
        assert!(again.cases().find(&row.case_no).unwrap().handed_over);
    }
}
