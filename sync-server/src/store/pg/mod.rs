//! The PostgreSQL store, for a bureau's central server. Same tables and
//! rules as the SQLite store; the chain, log and clock rules are shared
//! (`ingest_batch`). One connection, used in turn: ingests are serialised,
//! as the log's order requires.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use fieldcase_shared::chain::Head;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::record::VerifiedRecord;
use fieldcase_shared::tlog::LogEntry;
use postgres::{Client, NoTls};

mod draw;
mod due;
mod findings;
mod office;
mod publication;
mod tx;
use tx::{head_of, PgTx};

use super::{
    digest, ingest_batch, leaf_kind, parse_time, Device, EnrolError, Enrolment, IngestError,
    IngestTx, Ingested, Outcome, RecordFlag, Store, StoreError,
};

/// Append-only migrations: never edit one that has shipped; add a new one.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE devices (
        id         TEXT PRIMARY KEY,
        public_key TEXT NOT NULL UNIQUE,
        name       TEXT NOT NULL,
        added_at   TEXT NOT NULL
     );
     CREATE TABLE records (
        device      TEXT NOT NULL REFERENCES devices(id),
        seq         BIGINT NOT NULL,
        digest      BYTEA NOT NULL,
        chain       BYTEA NOT NULL,
        envelope    BYTEA NOT NULL,
        received_at TEXT NOT NULL,
        log_index   BIGINT UNIQUE,
        PRIMARY KEY (device, seq)
     );
     CREATE TABLE forks (
        id          BIGSERIAL PRIMARY KEY,
        device      TEXT NOT NULL,
        seq         BIGINT NOT NULL,
        held_digest BYTEA NOT NULL,
        envelope    BYTEA NOT NULL,
        received_at TEXT NOT NULL
     );
     CREATE TABLE log (
        idx  BIGINT PRIMARY KEY,
        leaf BYTEA NOT NULL,
        kind TEXT NOT NULL,
        ref  TEXT NOT NULL
     );
     CREATE TABLE record_blobs (
        device TEXT NOT NULL,
        sha256 BYTEA NOT NULL,
        seq    BIGINT NOT NULL,
        PRIMARY KEY (device, sha256, seq)
     );
     CREATE TABLE blobs (
        sha256    BYTEA PRIMARY KEY,
        size      BIGINT NOT NULL,
        log_index BIGINT NOT NULL UNIQUE,
        device    TEXT NOT NULL,
        stored_at TEXT NOT NULL
     );
     CREATE TABLE flags (
        id         BIGSERIAL PRIMARY KEY,
        device     TEXT NOT NULL,
        seq        BIGINT NOT NULL,
        kind       TEXT NOT NULL,
        detail     TEXT NOT NULL,
        flagged_at TEXT NOT NULL
     );",
    "CREATE TABLE enrolments (
        code_hash  TEXT PRIMARY KEY,
        officer    TEXT NOT NULL,
        name       TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at    TEXT,
        device     TEXT
     );
     ALTER TABLE devices ADD COLUMN revoked_at TEXT;",
    "CREATE TABLE messages (
        id         BIGSERIAL PRIMARY KEY,
        device     TEXT NOT NULL,
        kind       TEXT NOT NULL,
        case_no    TEXT,
        text       TEXT NOT NULL,
        created_at TEXT NOT NULL
     );
     CREATE INDEX messages_device ON messages(device, id);",
    office::MIGRATION,
    office::MIGRATION_KEYS,
    office::MIGRATION_PAIRS,
    office::MIGRATION_QUALIFICATION,
    due::MIGRATION,
    publication::MIGRATION,
    draw::MIGRATION,
    findings::MIGRATION,
];

/// The PostgreSQL store.
pub struct PgStore {
    /// `None` only while being dropped.
    client: Mutex<Option<Client>>,
}

/// The locked connection.
struct ClientGuard<'a>(std::sync::MutexGuard<'a, Option<Client>>);

impl std::ops::Deref for ClientGuard<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        match self.0.as_ref() {
            Some(c) => c,
            None => unreachable!("the connection is only taken when the store is dropped"),
        }
    }
}

impl std::ops::DerefMut for ClientGuard<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        match self.0.as_mut() {
            Some(c) => c,
            None => unreachable!("the connection is only taken when the store is dropped"),
        }
    }
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // The client closes its connection on its own runtime, which must
        // not happen on a thread of another runtime (the server's).
        if let Some(client) = self.client.get_mut().ok().and_then(Option::take) {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

impl PgStore {
    /// Connects (`postgres://user@host:port/db`, or key=value form) and
    /// applies the migrations the database lacks.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let mut client = Client::connect(url, NoTls)?;
        client.batch_execute(
            "CREATE TABLE IF NOT EXISTS fieldcase_schema (version INTEGER NOT NULL);",
        )?;
        let mut tx = client.transaction()?;
        tx.batch_execute("LOCK TABLE fieldcase_schema IN EXCLUSIVE MODE")?;
        let version: i32 = tx
            .query_opt("SELECT version FROM fieldcase_schema", &[])?
            .map(|r| r.get(0))
            .unwrap_or(0);
        if version as usize > MIGRATIONS.len() {
            return Err(StoreError::Other(
                format!("database schema {version} is newer than this server knows").into(),
            ));
        }
        for sql in MIGRATIONS.iter().skip(version as usize) {
            tx.batch_execute(sql)?;
        }
        tx.execute("DELETE FROM fieldcase_schema", &[])?;
        tx.execute(
            "INSERT INTO fieldcase_schema (version) VALUES ($1)",
            &[&(MIGRATIONS.len() as i32)],
        )?;
        tx.commit()?;
        office::backfill_cases(&mut client)?;
        Ok(PgStore {
            client: Mutex::new(Some(client)),
        })
    }

    fn lock(&self) -> Result<ClientGuard<'_>, StoreError> {
        let g = self
            .client
            .lock()
            .map_err(|_| StoreError::Other("store lock poisoned".into()))?;
        if g.is_none() {
            return Err(StoreError::Other("the store is closed".into()));
        }
        Ok(ClientGuard(g))
    }
}

/// The transaction-scoped advisory lock that serialises appends to the
/// log across every server on the database (`docs/sync.md`, "More than one
/// server"): the next index is read and written under it, so two servers
/// never give out the same index and the log grows as one.
const LOG_LOCK: i64 = 0x6669_656c_645f_6c67; // "field_lg"

pub(super) fn lock_log(tx: &mut postgres::Transaction<'_>) -> Result<(), StoreError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOG_LOCK])?;
    Ok(())
}

impl PgStore {
    fn redeem(
        &self,
        code_hash: &Digest,
        device: &Device,
        now: DateTime<Utc>,
    ) -> Result<Enrolment, EnrolError> {
        let mut c = self.lock()?;
        let mut tx = c.transaction().map_err(StoreError::from)?;
        let Some(row) = tx
            .query_opt(
                "SELECT officer, name, expires_at, used_at FROM enrolments WHERE code_hash = $1 FOR UPDATE",
                &[&code_hash.to_hex()],
            )
            .map_err(StoreError::from)?
        else {
            return Err(EnrolError::Unknown);
        };
        let used: Option<String> = row.get(3);
        if used.is_some() {
            return Err(EnrolError::Used);
        }
        let expires = parse_time(row.get(2))?;
        if now > expires {
            return Err(EnrolError::Expired(expires));
        }
        let name: String = row.get(1);
        let n = tx
            .execute(
                "INSERT INTO devices (id, public_key, name, added_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[
                    &device.id.to_string(),
                    &device.key.to_string(),
                    &name,
                    &now.to_rfc3339(),
                ],
            )
            .map_err(StoreError::from)?;
        if n == 0 {
            return Err(EnrolError::Registered);
        }
        tx.execute(
            "UPDATE enrolments SET used_at = $1, device = $2 WHERE code_hash = $3",
            &[
                &now.to_rfc3339(),
                &device.id.to_string(),
                &code_hash.to_hex(),
            ],
        )
        .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(Enrolment {
            officer: row.get(0),
            name,
        })
    }
}

impl Store for PgStore {
    fn add_enrolment(
        &self,
        code_hash: &Digest,
        officer: &str,
        name: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.lock()?.execute(
            "INSERT INTO enrolments (code_hash, officer, name, expires_at) VALUES ($1, $2, $3, $4)",
            &[
                &code_hash.to_hex(),
                &officer,
                &name,
                &expires_at.to_rfc3339(),
            ],
        )?;
        Ok(())
    }

    fn redeem_enrolment(
        &self,
        code_hash: &Digest,
        device: &Device,
        now: DateTime<Utc>,
    ) -> Result<Enrolment, EnrolError> {
        self.redeem(code_hash, device, now)
    }

    fn add_message(
        &self,
        device: &DeviceId,
        m: &fieldcase_shared::wire::Message,
    ) -> Result<u64, StoreError> {
        let id: i64 = self
            .lock()?
            .query_one(
                "INSERT INTO messages (device, kind, case_no, text, created_at, case_id, record)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    &device.to_string(),
                    &m.kind,
                    &m.case_no,
                    &m.text,
                    &m.created_at.to_rfc3339(),
                    &m.case_id.map(|c| c.to_string()),
                    &m.record.map(|d| d.0.to_vec()),
                ],
            )?
            .get(0);
        Ok(id as u64)
    }

    fn messages_after(
        &self,
        device: &DeviceId,
        after: u64,
    ) -> Result<Vec<fieldcase_shared::wire::Message>, StoreError> {
        self.lock()?
            .query(
                "SELECT id, kind, case_no, text, created_at, case_id, record FROM messages
                 WHERE device = $1 AND id > $2 ORDER BY id",
                &[&device.to_string(), &(after as i64)],
            )?
            .into_iter()
            .map(|r| {
                Ok(fieldcase_shared::wire::Message {
                    id: r.get::<_, i64>(0) as u64,
                    kind: r.get(1),
                    case_no: r.get(2),
                    text: r.get(3),
                    created_at: parse_time(r.get(4))?,
                    case_id: super::message_case(r.get(5))?,
                    record: r.get::<_, Option<Vec<u8>>>(6).map(digest).transpose()?,
                })
            })
            .collect()
    }

    fn revoke_device(&self, id: &DeviceId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let n = self.lock()?.execute(
            "UPDATE devices SET revoked_at = $1 WHERE id = $2",
            &[&at.to_rfc3339(), &id.to_string()],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "no device {id} is registered"
            )));
        }
        Ok(())
    }

    fn revocations(&self) -> Result<Vec<(DeviceId, DateTime<Utc>)>, StoreError> {
        self.lock()?
            .query(
                "SELECT id, revoked_at FROM devices WHERE revoked_at IS NOT NULL ORDER BY id",
                &[],
            )?
            .into_iter()
            .map(|r| {
                let id: String = r.get(0);
                Ok((
                    id.parse().map_err(|e| StoreError::Other(Box::new(e)))?,
                    parse_time(r.get(1))?,
                ))
            })
            .collect()
    }

    fn add_flag(
        &self,
        device: &DeviceId,
        flag: &RecordFlag,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.lock()?.execute(
            "INSERT INTO flags (device, seq, kind, detail, flagged_at) VALUES ($1, $2, $3, $4, $5)",
            &[
                &device.to_string(),
                &(flag.seq as i64),
                &flag.kind,
                &flag.detail,
                &at.to_rfc3339(),
            ],
        )?;
        Ok(())
    }

    fn add_device(&self, d: &Device) -> Result<(), StoreError> {
        let mut c = self.lock()?;
        let n = c.execute(
            "INSERT INTO devices (id, public_key, name, added_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            &[
                &d.id.to_string(),
                &d.key.to_string(),
                &d.name,
                &d.added_at.to_rfc3339(),
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
        let mut c = self.lock()?;
        let Some(r) = c.query_opt(
            "SELECT public_key, name, added_at FROM devices WHERE id = $1",
            &[&id.to_string()],
        )?
        else {
            return Ok(None);
        };
        let key: String = r.get(0);
        let added_at: String = r.get(2);
        Ok(Some(Device {
            id: *id,
            key: key.parse().map_err(|e| StoreError::Other(Box::new(e)))?,
            name: r.get(1),
            added_at: DateTime::parse_from_rfc3339(&added_at)
                .map_err(|e| StoreError::Other(Box::new(e)))?
                .with_timezone(&Utc),
        }))
    }

    fn enrolment_of(&self, id: &DeviceId) -> Result<Option<Enrolment>, StoreError> {
        let mut c = self.lock()?;
        Ok(c.query_opt(
            "SELECT officer, name FROM enrolments WHERE device = $1 ORDER BY used_at LIMIT 1",
            &[&id.to_string()],
        )?
        .map(|r| Enrolment {
            officer: r.get(0),
            name: r.get(1),
        }))
    }

    fn ingest(
        &self,
        device: &DeviceId,
        records: &[VerifiedRecord],
        received_at: DateTime<Utc>,
    ) -> Result<Ingested, IngestError> {
        let mut c = self.lock()?;
        let mut tx = c.transaction().map_err(StoreError::from)?;
        lock_log(&mut tx)?;
        let mut ptx = PgTx::new(&mut tx);
        match ingest_batch(&mut ptx, device, records, received_at)? {
            Outcome::Stored(done) => {
                ptx.flush()?;
                tx.commit().map_err(StoreError::from)?;
                Ok(done)
            }
            Outcome::Fork {
                seq,
                held,
                envelope,
            } => {
                drop(tx);
                c.execute(
                    "INSERT INTO forks (device, seq, held_digest, envelope, received_at)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[
                        &device.to_string(),
                        &(seq as i64),
                        &held.0.as_slice(),
                        &envelope,
                        &received_at.to_rfc3339(),
                    ],
                )
                .map_err(StoreError::from)?;
                Err(IngestError::Fork { seq, held })
            }
        }
    }

    fn record_digests(&self, device: &DeviceId) -> Result<Vec<(u64, Digest)>, StoreError> {
        let mut c = self.lock()?;
        c.query(
            "SELECT seq, digest FROM records WHERE device = $1 ORDER BY seq",
            &[&device.to_string()],
        )?
        .into_iter()
        .map(|r| Ok((r.get::<_, i64>(0) as u64, digest(r.get(1))?)))
        .collect()
    }

    fn held_records(
        &self,
        device: &DeviceId,
        from_seq: u64,
    ) -> Result<Vec<super::HeldRecord>, StoreError> {
        let mut c = self.lock()?;
        c.query(
            "SELECT seq, envelope, received_at FROM records WHERE device = $1 AND seq >= $2 ORDER BY seq",
            &[&device.to_string(), &(from_seq as i64)],
        )?
        .into_iter()
        .map(|r| {
            Ok(super::HeldRecord {
                seq: r.get::<_, i64>(0) as u64,
                envelope: r.get::<_, Vec<u8>>(1),
                received_at: parse_time(&r.get::<_, String>(2))?,
            })
        })
        .collect()
    }

    fn fork_count(&self, device: &DeviceId) -> Result<u64, StoreError> {
        let mut c = self.lock()?;
        let n: i64 = c
            .query_one(
                "SELECT count(*) FROM forks WHERE device = $1",
                &[&device.to_string()],
            )?
            .get(0);
        Ok(n as u64)
    }

    fn log_leaves(&self, from: u64) -> Result<Vec<Digest>, StoreError> {
        let mut c = self.lock()?;
        c.query(
            "SELECT leaf FROM log WHERE idx >= $1 ORDER BY idx",
            &[&(from as i64)],
        )?
        .into_iter()
        .map(|r| digest(r.get(0)))
        .collect()
    }

    fn device_head(&self, device: &DeviceId) -> Result<Head, StoreError> {
        head_of(&mut *self.lock()?, device)
    }

    fn blob_named(&self, device: &DeviceId, sha256: &Digest) -> Result<bool, StoreError> {
        let mut c = self.lock()?;
        let n: i64 = c
            .query_one(
                "SELECT count(*) FROM record_blobs WHERE device = $1 AND sha256 = $2",
                &[&device.to_string(), &sha256.0.as_slice()],
            )?
            .get(0);
        Ok(n > 0)
    }

    fn records_naming(
        &self,
        device: &DeviceId,
        sha256: &Digest,
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut c = self.lock()?;
        Ok(c.query(
            "SELECT r.envelope FROM record_blobs b JOIN records r ON r.device = b.device AND r.seq = b.seq
             WHERE b.device = $1 AND b.sha256 = $2 ORDER BY b.seq",
            &[&device.to_string(), &sha256.0.as_slice()],
        )?
        .into_iter()
        .map(|r| r.get::<_, Vec<u8>>(0))
        .collect())
    }

    fn blob(&self, sha256: &Digest) -> Result<Option<(u64, u64)>, StoreError> {
        let mut c = self.lock()?;
        Ok(c.query_opt(
            "SELECT size, log_index FROM blobs WHERE sha256 = $1",
            &[&sha256.0.as_slice()],
        )?
        .map(|r| (r.get::<_, i64>(0) as u64, r.get::<_, i64>(1) as u64)))
    }

    fn add_blob(
        &self,
        device: &DeviceId,
        sha256: &Digest,
        size: u64,
        stored_at: DateTime<Utc>,
    ) -> Result<(u64, Digest, bool), StoreError> {
        let mut c = self.lock()?;
        let mut tx = c.transaction()?;
        lock_log(&mut tx)?;
        let entry = LogEntry::Blob {
            sha256: *sha256,
            size,
        };
        if let Some(r) = tx.query_opt(
            "SELECT log_index FROM blobs WHERE sha256 = $1",
            &[&sha256.0.as_slice()],
        )? {
            return Ok((r.get::<_, i64>(0) as u64, entry.leaf_hash(), false));
        }
        let mut ptx = PgTx::new(&mut tx);
        let idx = ptx.log_size()?;
        let leaf = entry.leaf_hash();
        ptx.append_leaf(idx, &leaf, leaf_kind(&entry), &sha256.to_hex())?;
        ptx.flush()?;
        tx.execute(
            "INSERT INTO blobs (sha256, size, log_index, device, stored_at) VALUES ($1, $2, $3, $4, $5)",
            &[
                &sha256.0.as_slice(),
                &(size as i64),
                &(idx as i64),
                &device.to_string(),
                &stored_at.to_rfc3339(),
            ],
        )?;
        tx.commit()?;
        Ok((idx, leaf, true))
    }
}
