//! The embedded default store: one SQLite file (WAL, synchronous=FULL).

use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use fieldcase_shared::chain::Head;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::record::VerifiedRecord;
use fieldcase_shared::tlog::LogEntry;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

mod draw;
mod due;
mod findings;
mod office;
mod publication;
mod tx;
use tx::{head_of, SqliteTx};

use super::{
    digest, ingest_batch, leaf_kind, parse_time, Device, EnrolError, Enrolment, IngestError,
    Ingested, Outcome, RecordFlag, Store, StoreError,
};

const MIGRATIONS: &[&str] = &[
    // 1: devices, records, forks kept as evidence.
    "CREATE TABLE devices (
        id         TEXT PRIMARY KEY,
        public_key TEXT NOT NULL UNIQUE,
        name       TEXT NOT NULL,
        added_at   TEXT NOT NULL
     );
     CREATE TABLE records (
        device      TEXT NOT NULL REFERENCES devices(id),
        seq         INTEGER NOT NULL,
        digest      BLOB NOT NULL,
        chain       BLOB NOT NULL,
        envelope    BLOB NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (device, seq)
     );
     CREATE TABLE forks (
        id          INTEGER PRIMARY KEY,
        device      TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        held_digest BLOB NOT NULL,
        envelope    BLOB NOT NULL,
        received_at TEXT NOT NULL
     );",
    // 2: the transparency log (docs/sync.md): one leaf per record stored.
    "CREATE TABLE log (
        idx   INTEGER PRIMARY KEY,
        leaf  BLOB NOT NULL,
        kind  TEXT NOT NULL,
        ref   TEXT NOT NULL
     );
     ALTER TABLE records ADD COLUMN log_index INTEGER;
     CREATE UNIQUE INDEX records_log_index ON records(log_index);",
    // 3: evidence blobs, and which records name which blobs.
    "CREATE TABLE record_blobs (
        device TEXT NOT NULL,
        sha256 BLOB NOT NULL,
        seq    INTEGER NOT NULL,
        PRIMARY KEY (device, sha256, seq)
     );
     CREATE TABLE blobs (
        sha256    BLOB PRIMARY KEY,
        size      INTEGER NOT NULL,
        log_index INTEGER NOT NULL UNIQUE,
        device    TEXT NOT NULL,
        stored_at TEXT NOT NULL
     );",
    // 4: records whose device clock disagrees with the server's.
    "CREATE TABLE flags (
        id         INTEGER PRIMARY KEY,
        device     TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        detail     TEXT NOT NULL,
        flagged_at TEXT NOT NULL
     );",
    // 5: one-time enrolment codes (hashed), device revocation.
    "CREATE TABLE enrolments (
        code_hash  TEXT PRIMARY KEY,
        officer    TEXT NOT NULL,
        name       TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at    TEXT,
        device     TEXT
     );
     ALTER TABLE devices ADD COLUMN revoked_at TEXT;",
    // 6: messages from the back office to devices.
    "CREATE TABLE messages (
        id         INTEGER PRIMARY KEY,
        device     TEXT NOT NULL,
        kind       TEXT NOT NULL,
        case_no    TEXT,
        text       TEXT NOT NULL,
        created_at TEXT NOT NULL
     );
     CREATE INDEX messages_device ON messages(device, id);",
    // 7: the back office (staff, sessions, audit) and the case index.
    office::MIGRATION,
    office::MIGRATION_KEYS,
    // 9: the staff member's legal qualification.
    office::MIGRATION_QUALIFICATION,
    // 10: the running deadlines of every case.
    due::MIGRATION,
    // 11: the publication of every decided case (双公示).
    publication::MIGRATION,
    // 12: the random-inspection draws (双随机).
    draw::MIGRATION,
    // 13: the case-file pre-review's findings (案卷评查).
    findings::MIGRATION,
];

/// The embedded default: one SQLite file.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens or creates `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Self::init(conn)
    }

    /// An in-memory store (handler tests).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::Other(
                format!("database schema {version} is newer than this server knows").into(),
            ));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        backfill_log(&mut conn)?;
        backfill_record_blobs(&mut conn)?;
        office::backfill_cases(&mut conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.conn
            .lock()
            .map_err(|_| StoreError::Other("store lock poisoned".into()))
    }
}

/// Gives records stored before the log existed their leaves, in the order
/// they were received.
fn backfill_log(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let rows: Vec<(String, i64, Vec<u8>)> = {
        let mut st = tx.prepare(
            "SELECT device, seq, digest FROM records WHERE log_index IS NULL
             ORDER BY received_at, device, seq",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let start: i64 = tx.query_row("SELECT coalesce(max(idx) + 1, 0) FROM log", [], |r| {
        r.get(0)
    })?;
    for (next, (dev, seq, d)) in (start..).zip(rows) {
        let device: DeviceId = dev.parse().map_err(|e| StoreError::Other(Box::new(e)))?;
        let entry = LogEntry::Record {
            device,
            seq: seq as u64,
            digest: digest(d)?,
        };
        append_leaf(&tx, next, &entry, &format!("{dev}/{seq}"))?;
        tx.execute(
            "UPDATE records SET log_index = ?1 WHERE device = ?2 AND seq = ?3",
            params![next, dev, seq],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Indexes the blobs named by records stored before `record_blobs` existed.
fn backfill_record_blobs(conn: &mut Connection) -> Result<(), StoreError> {
    let indexed: i64 = conn.query_row("SELECT count(*) FROM record_blobs", [], |r| r.get(0))?;
    if indexed > 0 {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let rows: Vec<(String, i64, Vec<u8>)> = {
        let mut st = tx.prepare("SELECT device, seq, envelope FROM records")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (dev, seq, env) in rows {
        let Ok(env) = fieldcase_shared::envelope::Envelope::from_json(&env) else {
            continue;
        };
        let Ok(h) = fieldcase_shared::record::parse_header(&env.payload) else {
            continue;
        };
        for b in h.blobs {
            tx.execute(
                "INSERT OR IGNORE INTO record_blobs (device, sha256, seq) VALUES (?1, ?2, ?3)",
                params![dev, b.0.to_vec(), seq],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

pub(super) fn append_leaf(
    tx: &Connection,
    idx: i64,
    entry: &LogEntry,
    reference: &str,
) -> Result<Digest, StoreError> {
    let leaf = entry.leaf_hash();
    let kind = leaf_kind(entry);
    tx.execute(
        "INSERT INTO log (idx, leaf, kind, ref) VALUES (?1, ?2, ?3, ?4)",
        params![idx, leaf.0.to_vec(), kind, reference],
    )?;
    Ok(leaf)
}

impl Store for SqliteStore {
    fn add_device(&self, d: &Device) -> Result<(), StoreError> {
        let conn = self.lock()?;
        let n = conn.execute(
            "INSERT OR IGNORE INTO devices (id, public_key, name, added_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                d.id.to_string(),
                d.key.to_string(),
                d.name,
                d.added_at.to_rfc3339()
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "device {} (key {}) is already registered",
                d.id, d.key
            )));
        }
        Ok(())
    }

    fn device(&self, id: &DeviceId) -> Result<Option<Device>, StoreError> {
        let conn = self.lock()?;
        let row: Option<(String, String, String)> = conn
            .query_row(
                "SELECT public_key, name, added_at FROM devices WHERE id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((key, name, added_at)) = row else {
            return Ok(None);
        };
        Ok(Some(Device {
            id: *id,
            key: key.parse().map_err(|e| StoreError::Other(Box::new(e)))?,
            name,
            added_at: DateTime::parse_from_rfc3339(&added_at)
                .map_err(|e| StoreError::Other(Box::new(e)))?
                .with_timezone(&Utc),
        }))
    }

    fn enrolment_of(&self, id: &DeviceId) -> Result<Option<Enrolment>, StoreError> {
        let conn = self.lock()?;
        Ok(conn
            .query_row(
                "SELECT officer, name FROM enrolments WHERE device = ?1 ORDER BY used_at LIMIT 1",
                [id.to_string()],
                |r| {
                    Ok(Enrolment {
                        officer: r.get(0)?,
                        name: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    fn ingest(
        &self,
        device: &DeviceId,
        records: &[VerifiedRecord],
        received_at: DateTime<Utc>,
    ) -> Result<Ingested, IngestError> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        match ingest_batch(&mut SqliteTx(&tx), device, records, received_at)? {
            Outcome::Stored(done) => {
                tx.commit().map_err(StoreError::from)?;
                Ok(done)
            }
            Outcome::Fork {
                seq,
                held,
                envelope,
            } => {
                // Refuse the whole batch, but keep the forked record as evidence.
                drop(tx);
                conn.execute(
                    "INSERT INTO forks (device, seq, held_digest, envelope, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        device.to_string(),
                        seq as i64,
                        held.0.to_vec(),
                        envelope,
                        received_at.to_rfc3339()
                    ],
                )
                .map_err(StoreError::from)?;
                Err(IngestError::Fork { seq, held })
            }
        }
    }

    fn record_digests(&self, device: &DeviceId) -> Result<Vec<(u64, Digest)>, StoreError> {
        let conn = self.lock()?;
        let mut st =
            conn.prepare("SELECT seq, digest FROM records WHERE device = ?1 ORDER BY seq")?;
        let rows = st.query_map([device.to_string()], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, d) = row?;
            out.push((seq as u64, digest(d)?));
        }
        Ok(out)
    }

    fn held_records(
        &self,
        device: &DeviceId,
        from_seq: u64,
    ) -> Result<Vec<super::HeldRecord>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(
            "SELECT seq, envelope, received_at FROM records WHERE device = ?1 AND seq >= ?2 ORDER BY seq",
        )?;
        let rows = st.query_map(params![device.to_string(), from_seq as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, env, at) = row?;
            out.push(super::HeldRecord {
                seq: seq as u64,
                envelope: env,
                received_at: parse_time(&at)?,
            });
        }
        Ok(out)
    }

    fn log_leaves(&self, from: u64) -> Result<Vec<Digest>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare("SELECT leaf FROM log WHERE idx >= ?1 ORDER BY idx")?;
        let rows = st.query_map([from as i64], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(digest(row?)?);
        }
        Ok(out)
    }

    fn device_head(&self, device: &DeviceId) -> Result<Head, StoreError> {
        head_of(&*self.lock()?, device)
    }

    fn blob_named(&self, device: &DeviceId, sha256: &Digest) -> Result<bool, StoreError> {
        let conn = self.lock()?;
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM record_blobs WHERE device = ?1 AND sha256 = ?2",
            params![device.to_string(), sha256.0.to_vec()],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    fn records_naming(
        &self,
        device: &DeviceId,
        sha256: &Digest,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(
            "SELECT r.envelope FROM record_blobs b JOIN records r ON r.device = b.device AND r.seq = b.seq
             WHERE b.device = ?1 AND b.sha256 = ?2 ORDER BY b.seq",
        )?;
        let rows = st.query_map(params![device.to_string(), sha256.0.to_vec()], |r| {
            r.get::<_, Vec<u8>>(0)
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn blob(&self, sha256: &Digest) -> Result<Option<(u64, u64)>, StoreError> {
        let conn = self.lock()?;
        let row: Option<(i64, i64)> = conn
            .query_row(
                "SELECT size, log_index FROM blobs WHERE sha256 = ?1",
                [sha256.0.to_vec()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(s, i)| (s as u64, i as u64)))
    }

    fn add_blob(
        &self,
        device: &DeviceId,
        sha256: &Digest,
        size: u64,
        stored_at: DateTime<Utc>,
    ) -> Result<(u64, Digest, bool), StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let held: Option<i64> = tx
            .query_row(
                "SELECT log_index FROM blobs WHERE sha256 = ?1",
                [sha256.0.to_vec()],
                |r| r.get(0),
            )
            .optional()?;
        let entry = LogEntry::Blob {
            sha256: *sha256,
            size,
        };
        if let Some(i) = held {
            return Ok((i as u64, entry.leaf_hash(), false));
        }
        let idx: i64 = tx.query_row("SELECT coalesce(max(idx) + 1, 0) FROM log", [], |r| {
            r.get(0)
        })?;
        let leaf = append_leaf(&tx, idx, &entry, &sha256.to_hex())?;
        tx.execute(
            "INSERT INTO blobs (sha256, size, log_index, device, stored_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                sha256.0.to_vec(),
                size as i64,
                idx,
                device.to_string(),
                stored_at.to_rfc3339()
            ],
        )?;
        tx.commit()?;
        Ok((idx as u64, leaf, true))
    }

    fn add_enrolment(
        &self,
        code_hash: &Digest,
        officer: &str,
        name: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.lock()?.execute(
            "INSERT INTO enrolments (code_hash, officer, name, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![code_hash.to_hex(), officer, name, expires_at.to_rfc3339()],
        )?;
        Ok(())
    }

    fn redeem_enrolment(
        &self,
        code_hash: &Digest,
        device: &Device,
        now: DateTime<Utc>,
    ) -> Result<Enrolment, EnrolError> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let row: Option<(String, String, String, Option<String>)> = tx
            .query_row(
                "SELECT officer, name, expires_at, used_at FROM enrolments WHERE code_hash = ?1",
                [code_hash.to_hex()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(StoreError::from)?;
        let Some((officer, name, expires, used)) = row else {
            return Err(EnrolError::Unknown);
        };
        if used.is_some() {
            return Err(EnrolError::Used);
        }
        let expires = parse_time(&expires)?;
        if now > expires {
            return Err(EnrolError::Expired(expires));
        }
        let n = tx
            .execute(
                "INSERT OR IGNORE INTO devices (id, public_key, name, added_at) VALUES (?1, ?2, ?3, ?4)",
                params![device.id.to_string(), device.key.to_string(), name, now.to_rfc3339()],
            )
            .map_err(StoreError::from)?;
        if n == 0 {
            return Err(EnrolError::Registered);
        }
        tx.execute(
            "UPDATE enrolments SET used_at = ?1, device = ?2 WHERE code_hash = ?3",
            params![now.to_rfc3339(), device.id.to_string(), code_hash.to_hex()],
        )
        .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(Enrolment { officer, name })
    }

    fn add_message(
        &self,
        device: &DeviceId,
        m: &fieldcase_shared::wire::Message,
    ) -> Result<u64, StoreError> {
        let conn = self.lock()?;
        conn.execute(
            "INSERT INTO messages (device, kind, case_no, text, created_at, case_id, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                device.to_string(),
                m.kind,
                m.case_no,
                m.text,
                m.created_at.to_rfc3339(),
                m.case_id.map(|c| c.to_string()),
                m.record.map(|d| d.0.to_vec())
            ],
        )?;
        Ok(conn.last_insert_rowid() as u64)
    }

    fn messages_after(
        &self,
        device: &DeviceId,
        after: u64,
    ) -> Result<Vec<fieldcase_shared::wire::Message>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(
            "SELECT id, kind, case_no, text, created_at, case_id, record FROM messages
             WHERE device = ?1 AND id > ?2 ORDER BY id",
        )?;
        let rows = st.query_map(params![device.to_string(), after as i64], |r| {
            Ok((
                (
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ),
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<Vec<u8>>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let ((id, kind, case_no, text, at), case_id, record) = row?;
            out.push(fieldcase_shared::wire::Message {
                id: id as u64,
                kind,
                case_no,
                text,
                created_at: parse_time(&at)?,
                case_id: super::message_case(case_id)?,
                record: record.map(digest).transpose()?,
            });
        }
        Ok(out)
    }

    fn revoke_device(&self, id: &DeviceId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let n = self.lock()?.execute(
            "UPDATE devices SET revoked_at = ?1 WHERE id = ?2",
            params![at.to_rfc3339(), id.to_string()],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "no device {id} is registered"
            )));
        }
        Ok(())
    }

    fn revocations(&self) -> Result<Vec<(DeviceId, DateTime<Utc>)>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(
            "SELECT id, revoked_at FROM devices WHERE revoked_at IS NOT NULL ORDER BY id",
        )?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, at) = row?;
            out.push((
                id.parse().map_err(|e| StoreError::Other(Box::new(e)))?,
                parse_time(&at)?,
            ));
        }
        Ok(out)
    }

    fn add_flag(
        &self,
        device: &DeviceId,
        flag: &RecordFlag,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.lock()?.execute(
            "INSERT INTO flags (device, seq, kind, detail, flagged_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                device.to_string(),
                flag.seq as i64,
                flag.kind,
                flag.detail,
                at.to_rfc3339()
            ],
        )?;
        Ok(())
    }

    fn fork_count(&self, device: &DeviceId) -> Result<u64, StoreError> {
        let conn = self.lock()?;
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM forks WHERE device = ?1",
            [device.to_string()],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use fieldcase_shared::hash::sha256;

    /// A database written before the log existed gets a leaf for every
    /// record, in the order they were received.
    #[test]
    fn records_from_before_the_log_are_backfilled() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        let dev = DeviceId([7; 16]);
        conn.execute(
            "INSERT INTO devices VALUES (?1, 'ed25519:00', 'old', '2026-01-01T00:00:00Z')",
            [dev.to_string()],
        )
        .unwrap();
        for seq in 1..=3i64 {
            conn.execute(
                "INSERT INTO records VALUES (?1, ?2, ?3, ?4, x'00', ?5)",
                params![
                    dev.to_string(),
                    seq,
                    sha256(&seq.to_be_bytes()).0.to_vec(),
                    sha256(b"c").0.to_vec(),
                    format!("2026-01-0{seq}T00:00:00Z")
                ],
            )
            .unwrap();
        }
        let store = SqliteStore::init(conn).unwrap();
        let leaves = store.log_leaves(0).unwrap();
        let want: Vec<Digest> = (1..=3u64)
            .map(|seq| {
                LogEntry::Record {
                    device: dev,
                    seq,
                    digest: sha256(&(seq as i64).to_be_bytes()),
                }
                .leaf_hash()
            })
            .collect();
        assert_eq!(leaves, want);
        // Opening again adds nothing.
        let conn = store.conn.into_inner().unwrap();
        let store = SqliteStore::init(conn).unwrap();
        assert_eq!(store.log_leaves(0).unwrap().len(), 3);
    }
}
