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

/// The PostgreSQL side of one ingest transaction. Reads go to the
/// database; writes are buffered and sent as one multi-row insert per
/// table (`flush`), so a batch of 500 records costs a handful of round
/// trips instead of thousands.
/// Buffered `records` rows, column by column (as `UNNEST` takes them).
#[derive(Default)]
struct RecordRows {
    device: Vec<String>,
    seq: Vec<i64>,
    digest: Vec<Vec<u8>>,
    chain: Vec<Vec<u8>>,
    envelope: Vec<Vec<u8>>,
    received_at: Vec<String>,
    log_index: Vec<i64>,
}

struct PgTx<'a, 'b> {
    tx: &'a mut Transaction<'b>,
    records: RecordRows,
    leaves: Vec<(i64, Vec<u8>, String, String)>,
    record_blobs: Vec<(String, Vec<u8>, i64)>,
    flags: Vec<(String, i64, String, String, String)>,
}

impl<'a, 'b> PgTx<'a, 'b> {
    fn new(tx: &'a mut Transaction<'b>) -> Self {
        PgTx {
            tx,
            records: RecordRows::default(),
            leaves: Vec::new(),
            record_blobs: Vec::new(),
            flags: Vec::new(),
        }
    }

    /// Sends the buffered rows.
    fn flush(&mut self) -> Result<(), StoreError> {
        if !self.leaves.is_empty() {
            let (a, b, c, d) = unzip4(std::mem::take(&mut self.leaves));
            self.tx.execute(
                "INSERT INTO log (idx, leaf, kind, ref)
                 SELECT * FROM UNNEST($1::bigint[], $2::bytea[], $3::text[], $4::text[])",
                &[&a, &b, &c, &d],
            )?;
        }
        if !self.records.seq.is_empty() {
            let r = std::mem::take(&mut self.records);
            self.tx.execute(
                "INSERT INTO records (device, seq, digest, chain, envelope, received_at, log_index)
                 SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bytea[], $4::bytea[], $5::bytea[], $6::text[], $7::bigint[])",
                &[&r.device, &r.seq, &r.digest, &r.chain, &r.envelope, &r.received_at, &r.log_index],
            )?;
        }
        if !self.record_blobs.is_empty() {
            let rows = std::mem::take(&mut self.record_blobs);
            let (mut d, mut h, mut q) = (Vec::new(), Vec::new(), Vec::new());
            for (a, b, c) in rows {
                d.push(a);
                h.push(b);
                q.push(c);
            }
            self.tx.execute(
                "INSERT INTO record_blobs (device, sha256, seq)
                 SELECT * FROM UNNEST($1::text[], $2::bytea[], $3::bigint[]) ON CONFLICT DO NOTHING",
                &[&d, &h, &q],
            )?;
        }
        for (d, s, k, detail, at) in std::mem::take(&mut self.flags) {
            self.tx.execute(
                "INSERT INTO flags (device, seq, kind, detail, flagged_at) VALUES ($1, $2, $3, $4, $5)",
                &[&d, &s, &k, &detail, &at],
            )?;
        }
        Ok(())
    }
}

fn unzip4<A, B, C, D>(rows: Vec<(A, B, C, D)>) -> (Vec<A>, Vec<B>, Vec<C>, Vec<D>) {
    let mut out = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (a, b, c, d) in rows {
        out.0.push(a);
        out.1.push(b);
        out.2.push(c);
        out.3.push(d);
    }
    out
}

impl IngestTx for PgTx<'_, '_> {
    fn head(&mut self, device: &DeviceId) -> Result<Head, StoreError> {
        head_of(&mut *self.tx, device)
    }

    fn held(&mut self, device: &DeviceId, seq: u64) -> Result<Option<(Digest, u64)>, StoreError> {
        let dev = device.to_string();
        let r = &self.records;
        if let Some(i) = (0..r.seq.len()).find(|&i| r.device[i] == dev && r.seq[i] == seq as i64) {
            return Ok(Some((digest(r.digest[i].clone())?, r.log_index[i] as u64)));
        }
        let row = self.tx.query_opt(
            "SELECT digest, log_index FROM records WHERE device = $1 AND seq = $2",
            &[&dev, &(seq as i64)],
        )?;
        row.map(|r| {
            let i: Option<i64> = r.get(1);
            Ok((digest(r.get(0))?, i.unwrap_or(0) as u64))
        })
        .transpose()
    }

    fn envelope(&mut self, device: &DeviceId, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .tx
            .query_opt(
                "SELECT envelope FROM records WHERE device = $1 AND seq = $2",
                &[&device.to_string(), &(seq as i64)],
            )?
            .map(|r| r.get(0)))
    }

    fn log_size(&mut self) -> Result<u64, StoreError> {
        let n: i64 = self
            .tx
            .query_one("SELECT coalesce(max(idx) + 1, 0) FROM log", &[])?
            .get(0);
        Ok(n as u64 + self.leaves.len() as u64)
    }

    fn append_leaf(
        &mut self,
        idx: u64,
        leaf: &Digest,
        kind: &str,
        reference: &str,
    ) -> Result<(), StoreError> {
        self.leaves.push((
            idx as i64,
            leaf.0.to_vec(),
            kind.to_owned(),
            reference.to_owned(),
        ));
        Ok(())
    }

    fn insert_record(
        &mut self,
        device: &DeviceId,
        r: &VerifiedRecord,
        received_at: &str,
        log_index: u64,
    ) -> Result<(), StoreError> {
        let rows = &mut self.records;
        rows.device.push(device.to_string());
        rows.seq.push(r.header.seq as i64);
        rows.digest.push(r.digest.0.to_vec());
        rows.chain.push(r.chain.0.to_vec());
        rows.envelope.push(r.envelope.to_json());
        rows.received_at.push(received_at.to_owned());
        rows.log_index.push(log_index as i64);
        Ok(())
    }

    fn insert_record_blob(
        &mut self,
        device: &DeviceId,
        sha256: &Digest,
        seq: u64,
    ) -> Result<(), StoreError> {
        self.record_blobs
            .push((device.to_string(), sha256.0.to_vec(), seq as i64));
        Ok(())
    }

    fn insert_flag(
        &mut self,
        device: &DeviceId,
        flag: &RecordFlag,
        at: &str,
    ) -> Result<(), StoreError> {
        self.flags.push((
            device.to_string(),
            flag.seq as i64,
            flag.kind.clone(),
            flag.detail.clone(),
            at.to_owned(),
        ));
        Ok(())
    }
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
        kind: &str,
        case_no: Option<&str>,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let id: i64 = self
            .lock()?
            .query_one(
                "INSERT INTO messages (device, kind, case_no, text, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &device.to_string(),
                    &kind,
                    &case_no,
                    &text,
                    &at.to_rfc3339(),
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
                "SELECT id, kind, case_no, text, created_at FROM messages
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

    fn ingest(
        &self,
        device: &DeviceId,
        records: &[VerifiedRecord],
        received_at: DateTime<Utc>,
    ) -> Result<Ingested, IngestError> {
        let mut c = self.lock()?;
        let mut tx = c.transaction().map_err(StoreError::from)?;
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
