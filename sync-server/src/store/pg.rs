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
use postgres::{Client, NoTls, Transaction};

use super::{
    digest, ingest_batch, leaf_kind, Device, IngestError, IngestTx, Ingested, Outcome, RecordFlag,
    Store, StoreError,
};

/// Append-only migrations: never edit one that has shipped; add a new one.
const MIGRATIONS: &[&str] = &["CREATE TABLE devices (
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
     );"];

/// The PostgreSQL store.
pub struct PgStore {
    client: Mutex<Client>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
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
        Ok(PgStore {
            client: Mutex::new(client),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Client>, StoreError> {
        self.client
            .lock()
            .map_err(|_| StoreError::Other("store lock poisoned".into()))
    }
}

fn head_of(c: &mut impl postgres::GenericClient, device: &DeviceId) -> Result<Head, StoreError> {
    let row = c.query_opt(
        "SELECT seq, chain FROM records WHERE device = $1 ORDER BY seq DESC LIMIT 1",
        &[&device.to_string()],
    )?;
    Ok(match row {
        None => Head::genesis(device),
        Some(r) => Head {
            seq: r.get::<_, i64>(0) as u64,
            chain: digest(r.get(1))?,
        },
    })
}

/// The PostgreSQL side of one ingest transaction.
struct PgTx<'a, 'b>(&'a mut Transaction<'b>);

impl IngestTx for PgTx<'_, '_> {
    fn head(&mut self, device: &DeviceId) -> Result<Head, StoreError> {
        head_of(self.0, device)
    }

    fn held(&mut self, device: &DeviceId, seq: u64) -> Result<Option<(Digest, u64)>, StoreError> {
        let row = self.0.query_opt(
            "SELECT digest, log_index FROM records WHERE device = $1 AND seq = $2",
            &[&device.to_string(), &(seq as i64)],
        )?;
        row.map(|r| {
            let i: Option<i64> = r.get(1);
            Ok((digest(r.get(0))?, i.unwrap_or(0) as u64))
        })
        .transpose()
    }

    fn envelope(&mut self, device: &DeviceId, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .0
            .query_opt(
                "SELECT envelope FROM records WHERE device = $1 AND seq = $2",
                &[&device.to_string(), &(seq as i64)],
            )?
            .map(|r| r.get(0)))
    }

    fn log_size(&mut self) -> Result<u64, StoreError> {
        let n: i64 = self
            .0
            .query_one("SELECT coalesce(max(idx) + 1, 0) FROM log", &[])?
            .get(0);
        Ok(n as u64)
    }

    fn append_leaf(
        &mut self,
        idx: u64,
        leaf: &Digest,
        kind: &str,
        reference: &str,
    ) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO log (idx, leaf, kind, ref) VALUES ($1, $2, $3, $4)",
            &[&(idx as i64), &leaf.0.as_slice(), &kind, &reference],
        )?;
        Ok(())
    }

    fn insert_record(
        &mut self,
        device: &DeviceId,
        r: &VerifiedRecord,
        received_at: &str,
        log_index: u64,
    ) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO records (device, seq, digest, chain, envelope, received_at, log_index)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &device.to_string(),
                &(r.header.seq as i64),
                &r.digest.0.as_slice(),
                &r.chain.0.as_slice(),
                &r.envelope.to_json(),
                &received_at,
                &(log_index as i64),
            ],
        )?;
        Ok(())
    }

    fn insert_record_blob(
        &mut self,
        device: &DeviceId,
        sha256: &Digest,
        seq: u64,
    ) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO record_blobs (device, sha256, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&device.to_string(), &sha256.0.as_slice(), &(seq as i64)],
        )?;
        Ok(())
    }

    fn insert_flag(
        &mut self,
        device: &DeviceId,
        flag: &RecordFlag,
        at: &str,
    ) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO flags (device, seq, kind, detail, flagged_at) VALUES ($1, $2, $3, $4, $5)",
            &[
                &device.to_string(),
                &(flag.seq as i64),
                &flag.kind,
                &flag.detail,
                &at,
            ],
        )?;
        Ok(())
    }
}

impl Store for PgStore {
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

    fn ingest(
        &self,
        device: &DeviceId,
        records: &[VerifiedRecord],
        received_at: DateTime<Utc>,
    ) -> Result<Ingested, IngestError> {
        let mut c = self.lock()?;
        let mut tx = c.transaction().map_err(StoreError::from)?;
        match ingest_batch(&mut PgTx(&mut tx), device, records, received_at)? {
            Outcome::Stored(done) => {
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
        let mut ptx = PgTx(&mut tx);
        let idx = ptx.log_size()?;
        let leaf = entry.leaf_hash();
        ptx.append_leaf(idx, &leaf, leaf_kind(&entry), &sha256.to_hex())?;
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
