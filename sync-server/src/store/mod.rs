//! Server storage behind a small trait, chosen once at start-up. Records
//! reach the store already verified (signature, device); the store keeps the
//! chain rule: a batch is appended atomically or not at all.

use chrono::{DateTime, Utc};
use fieldcase_shared::chain::{self, Head, Step};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::receipt::ReceiptEntry;
use fieldcase_shared::record::VerifiedRecord;
use fieldcase_shared::tlog::LogEntry;

pub mod draw;
pub mod due;
pub mod findings;
pub mod office;
mod pg;
pub mod publication;
mod sqlite;
pub use office::OfficeStore;
pub use pg::PgStore;
pub use sqlite::SqliteStore;

pub use fieldcase_shared::model::Device;
pub use fieldcase_shared::wire::RecordFlag;

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Something already exists.
    #[error("{0}")]
    Conflict(String),
    /// Backend failure.
    #[error("storage failure: {0}")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Other(Box::new(e))
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        // The database's own message says what went wrong ("db error" alone does not).
        match e.as_db_error() {
            Some(db) => StoreError::Other(
                format!("PostgreSQL: {}: {}", db.code().code(), db.message()).into(),
            ),
            None => StoreError::Other(Box::new(e)),
        }
    }
}

/// A stored digest column back into a digest.
pub(crate) fn digest(bytes: Vec<u8>) -> Result<Digest, StoreError> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| StoreError::Other("stored digest is not 32 bytes".into()))?;
    Ok(Digest(arr))
}

/// Why a verified batch cannot be appended.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Same seq as a held record, different bytes. The offending record was
    /// kept as evidence of the fork.
    #[error("record seq {seq} differs from the record already held at that seq ({held}); the device chain has forked")]
    Fork {
        /// Seq.
        seq: u64,
        /// Digest held.
        held: Digest,
    },
    /// A seq is missing between what is held and the batch.
    #[error("record seq {found} cannot follow: the server holds up to seq {held}, so seq {expected} must come next")]
    Gap {
        /// Expected seq.
        expected: u64,
        /// Seq received.
        found: u64,
        /// Held head seq.
        held: u64,
    },
    /// `prev` does not match the held chain.
    #[error("record seq {seq} does not link to the held record before it (its prev is not the held chain hash)")]
    ChainBreak {
        /// Seq.
        seq: u64,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An enrolment code's use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// 执法证号 the code was made for.
    pub officer: String,
    /// Name the device gets in the back office.
    pub name: String,
}

/// Why an enrolment code cannot be redeemed.
#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    /// No such code.
    #[error("this enrolment code is not known; check it, or ask the back office for a new one")]
    Unknown,
    /// Already redeemed.
    #[error("this enrolment code was already used; ask the back office for a new one")]
    Used,
    /// Past its expiry.
    #[error("this enrolment code expired at {0}; ask the back office for a new one")]
    Expired(DateTime<Utc>),
    /// The key is registered already.
    #[error("this device is already registered")]
    Registered,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How far a record's creation time may lie ahead of the server clock, or
/// behind the device's previous record, before it is flagged.
pub const CLOCK_TOLERANCE_SECS: i64 = 300;

/// What an ingest stored.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// One entry per record of the batch (with its log index).
    pub entries: Vec<ReceiptEntry>,
    /// Head after the batch.
    pub head: Head,
    /// Leaf hashes this batch appended to the log, from index `log_start`.
    pub leaves: Vec<Digest>,
    /// Log index of the first new leaf (the log size before the batch).
    pub log_start: u64,
    /// New records whose device clock looks wrong (stored, and flagged).
    pub flags: Vec<RecordFlag>,
}

/// A record as held: its envelope bytes and when it arrived.
#[derive(Debug, Clone)]
pub struct HeldRecord {
    /// Seq.
    pub seq: u64,
    /// The envelope JSON as received.
    pub envelope: Vec<u8>,
    /// When the server received it.
    pub received_at: DateTime<Utc>,
}

/// Server storage: the records, and what the back office keeps.
pub trait Store:
    OfficeStore
    + due::DueStore
    + publication::PublicationStore
    + draw::DrawStore
    + findings::FindingStore
    + Send
    + Sync
    + 'static
{
    /// Registers a device; `Conflict` if its key is already registered.
    fn add_device(&self, device: &Device) -> Result<(), StoreError>;
    /// A registered device.
    fn device(&self, id: &DeviceId) -> Result<Option<Device>, StoreError>;
    /// The enrolment a device redeemed (officer and name), if it enrolled
    /// with a code.
    fn enrolment_of(&self, id: &DeviceId) -> Result<Option<Enrolment>, StoreError>;
    /// Appends a verified batch (consecutive seqs) atomically. Records held
    /// already with the same digest are acknowledged (`new: false`).
    fn ingest(
        &self,
        device: &DeviceId,
        records: &[VerifiedRecord],
        received_at: DateTime<Utc>,
    ) -> Result<Ingested, IngestError>;
    /// Digests of every record held for a device, in seq order.
    fn record_digests(&self, device: &DeviceId) -> Result<Vec<(u64, Digest)>, StoreError>;
    /// Every record held for a device from `from_seq` on, in seq order.
    fn held_records(&self, device: &DeviceId, from_seq: u64)
        -> Result<Vec<HeldRecord>, StoreError>;
    /// Number of fork records kept for a device.
    fn fork_count(&self, device: &DeviceId) -> Result<u64, StoreError>;
    /// Leaf hashes of the transparency log from index `from`, in order.
    fn log_leaves(&self, from: u64) -> Result<Vec<Digest>, StoreError>;
    /// The chain head held for a device.
    fn device_head(&self, device: &DeviceId) -> Result<Head, StoreError>;
    /// True when a held record of `device` names the blob.
    fn blob_named(&self, device: &DeviceId, sha256: &Digest) -> Result<bool, StoreError>;
    /// The envelopes of the device's held records that name the blob, in
    /// seq order.
    fn records_naming(
        &self,
        device: &DeviceId,
        sha256: &Digest,
    ) -> Result<Vec<Vec<u8>>, StoreError>;
    /// A stored blob: (size, log index).
    fn blob(&self, sha256: &Digest) -> Result<Option<(u64, u64)>, StoreError>;
    /// Records a blob whose bytes are stored and checked; appends its log
    /// leaf. Returns (log index, leaf hash, true when new); a blob already
    /// recorded keeps its first index.
    fn add_blob(
        &self,
        device: &DeviceId,
        sha256: &Digest,
        size: u64,
        stored_at: DateTime<Utc>,
    ) -> Result<(u64, Digest, bool), StoreError>;
    /// Keeps a new one-time enrolment code (only its SHA-256).
    fn add_enrolment(
        &self,
        code_hash: &Digest,
        officer: &str,
        name: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Redeems a code for `device`: registers the device and marks the code
    /// used, in one transaction.
    fn redeem_enrolment(
        &self,
        code_hash: &Digest,
        device: &Device,
        now: DateTime<Utc>,
    ) -> Result<Enrolment, EnrolError>;
    /// Revokes a device's key: its records made from `at` on are refused.
    fn revoke_device(&self, id: &DeviceId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Every revoked device and the time its revocation takes effect.
    fn revocations(&self) -> Result<Vec<(DeviceId, DateTime<Utc>)>, StoreError>;
    /// Queues a message for a device (its `id` is ignored: the store
    /// numbers messages); returns its id.
    fn add_message(
        &self,
        device: &DeviceId,
        message: &fieldcase_shared::wire::Message,
    ) -> Result<u64, StoreError>;
    /// A device's messages with an id above `after`, oldest first.
    fn messages_after(
        &self,
        device: &DeviceId,
        after: u64,
    ) -> Result<Vec<fieldcase_shared::wire::Message>, StoreError>;
    /// Keeps a flag on a record that was not stored (e.g. signed by a revoked key).
    fn add_flag(
        &self,
        device: &DeviceId,
        flag: &RecordFlag,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// Revokes `device` from `at` and flags every record already held that
/// was made or received from `at` on (a revocation dated back to when a
/// terminal was lost). Returns the flags kept.
pub fn revoke(
    store: &dyn Store,
    device: &DeviceId,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<RecordFlag>, StoreError> {
    store.revoke_device(device, at)?;
    let mut flags = Vec::new();
    for HeldRecord {
        seq,
        envelope,
        received_at: received,
    } in store.held_records(device, 1)?
    {
        let created = fieldcase_shared::envelope::Envelope::from_json(&envelope)
            .ok()
            .and_then(|e| fieldcase_shared::record::parse_header(&e.payload).ok())
            .map(|h| h.created_at.with_timezone(&Utc));
        let late_made = created.is_some_and(|c| c >= at);
        if !late_made && received < at {
            continue;
        }
        let flag = RecordFlag {
            seq,
            kind: "revoked_key".into(),
            detail: format!(
                "held before device {device} was revoked, but {} {} (revoked from {})",
                if late_made { "made" } else { "received" },
                if late_made {
                    created.unwrap_or(received)
                } else {
                    received
                }
                .to_rfc3339(),
                at.to_rfc3339()
            ),
        };
        store.add_flag(device, &flag, now)?;
        flags.push(flag);
    }
    Ok(flags)
}

/// The revocation time of `device`, if revoked.
pub fn revoked_at(
    store: &dyn Store,
    device: &DeviceId,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(store
        .revocations()?
        .into_iter()
        .find(|(d, _)| d == device)
        .map(|(_, t)| t))
}

/// A message's stored case id back into an id.
pub(crate) fn message_case(text: Option<String>) -> Result<Option<uuid::Uuid>, StoreError> {
    text.map(|t| {
        t.parse()
            .map_err(|e| StoreError::Other(format!("message case id {t:?}: {e}").into()))
    })
    .transpose()
}

pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Other(Box::new(e)))
}

/// What one ingest transaction needs from a backend. The chain, log and
/// clock rules live once, in [`ingest_batch`]; a backend only reads and
/// writes rows inside its open transaction.
pub(crate) trait IngestTx {
    /// Head held for the device.
    fn head(&mut self, device: &DeviceId) -> Result<Head, StoreError>;
    /// A held record: digest and log index.
    fn held(&mut self, device: &DeviceId, seq: u64) -> Result<Option<(Digest, u64)>, StoreError>;
    /// The envelope bytes of a held record.
    fn envelope(&mut self, device: &DeviceId, seq: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Number of leaves in the log.
    fn log_size(&mut self) -> Result<u64, StoreError>;
    /// Appends a log leaf at `idx`.
    fn append_leaf(
        &mut self,
        idx: u64,
        leaf: &Digest,
        kind: &str,
        reference: &str,
    ) -> Result<(), StoreError>;
    /// Stores a new record with its log index.
    fn insert_record(
        &mut self,
        device: &DeviceId,
        r: &VerifiedRecord,
        received_at: &str,
        log_index: u64,
    ) -> Result<(), StoreError>;
    /// Notes that a record names a blob.
    fn insert_record_blob(
        &mut self,
        device: &DeviceId,
        sha256: &Digest,
        seq: u64,
    ) -> Result<(), StoreError>;
    /// Keeps a clock flag.
    fn insert_flag(
        &mut self,
        device: &DeviceId,
        flag: &RecordFlag,
        at: &str,
    ) -> Result<(), StoreError>;
    /// Links the new record `seq` to its case and updates the case index.
    fn index_case(
        &mut self,
        device: &DeviceId,
        seq: u64,
        update: &office::CaseUpdate,
    ) -> Result<(), StoreError>;
}

/// How a batch ended, before commit.
pub(crate) enum Outcome {
    /// Everything is in place: commit.
    Stored(Ingested),
    /// A fork: roll back, then keep the forked envelope as evidence.
    Fork {
        /// Seq.
        seq: u64,
        /// Digest held at that seq.
        held: Digest,
        /// The forked record's envelope.
        envelope: Vec<u8>,
    },
}

/// A log leaf's kind column.
pub(crate) fn leaf_kind(entry: &LogEntry) -> &'static str {
    match entry {
        LogEntry::Record { .. } => "record",
        LogEntry::Blob { .. } => "blob",
        LogEntry::Audit { .. } => "audit",
    }
}

/// A flag when the record is a general-procedure writing that fails the
/// shared check (a terminal applies the same check before signing, so
/// only an altered or outdated terminal sends one). The record is kept:
/// it is signed evidence, and the office sees the flag.
fn invalid_writing(seq: u64, payload: &[u8]) -> Option<RecordFlag> {
    let p: fieldcase_shared::record::RecordPayload = serde_json::from_slice(payload).ok()?;
    let why = fieldcase_shared::investigation::check(&p.body).err()?;
    Some(RecordFlag {
        seq,
        kind: "invalid_writing".into(),
        detail: format!("{}: {why}", p.body.kind()),
    })
}

/// The chain rule, log appends and clock flags for one batch, inside the
/// backend's transaction.
pub(crate) fn ingest_batch(
    tx: &mut dyn IngestTx,
    device: &DeviceId,
    records: &[VerifiedRecord],
    received_at: DateTime<Utc>,
) -> Result<Outcome, IngestError> {
    let dev = device.to_string();
    let now = received_at.to_rfc3339();
    let mut head = tx.head(device)?;
    let log_start = tx.log_size()?;
    let mut leaves = Vec::new();
    let mut flags = Vec::new();
    let mut entries = Vec::with_capacity(records.len());
    // Creation time of the held head record, to see a clock go back.
    let mut last_created: Option<DateTime<Utc>> = if head.seq > 0 {
        tx.envelope(device, head.seq)?
            .and_then(|e| fieldcase_shared::envelope::Envelope::from_json(&e).ok())
            .and_then(|e| fieldcase_shared::record::parse_header(&e.payload).ok())
            .map(|h| h.created_at.with_timezone(&Utc))
    } else {
        None
    };
    let tolerance = chrono::Duration::seconds(CLOCK_TOLERANCE_SECS);
    for r in records {
        let seq = r.header.seq;
        let held_row = if seq <= head.seq {
            tx.held(device, seq)?
        } else {
            None
        };
        let held = held_row.map(|(d, _)| d);
        match chain::classify(&head, held, seq, &r.header.prev, &r.digest) {
            Step::Next => {
                let idx = log_start + leaves.len() as u64;
                let entry = LogEntry::Record {
                    device: *device,
                    seq,
                    digest: r.digest,
                };
                let leaf = entry.leaf_hash();
                tx.append_leaf(idx, &leaf, leaf_kind(&entry), &format!("{dev}/{seq}"))?;
                leaves.push(leaf);
                tx.insert_record(device, r, &now, idx)?;
                for b in &r.header.blobs {
                    tx.insert_record_blob(device, b, seq)?;
                }
                if let Some(update) = office::CaseUpdate::of(device, &r.envelope.payload) {
                    tx.index_case(device, seq, &update)?;
                }
                let created = r.header.created_at.with_timezone(&Utc);
                let mut found = Vec::new();
                if created > received_at + tolerance {
                    found.push(RecordFlag {
                        seq,
                        kind: "clock_ahead".into(),
                        detail: format!(
                            "created at {} but received at {}: the device clock is ahead",
                            r.header.created_at.to_rfc3339(),
                            received_at.to_rfc3339()
                        ),
                    });
                }
                if let Some(before) = last_created.filter(|b| created < *b - tolerance) {
                    found.push(RecordFlag {
                        seq,
                        kind: "clock_backwards".into(),
                        detail: format!(
                            "created at {}, before the device's previous record ({}): the device clock went back",
                            r.header.created_at.to_rfc3339(),
                            before.to_rfc3339()
                        ),
                    });
                }
                found.extend(invalid_writing(seq, &r.envelope.payload));
                for f in found {
                    tx.insert_flag(device, &f, &now)?;
                    flags.push(f);
                }
                last_created = Some(created);
                head = Head {
                    seq,
                    chain: r.chain,
                };
                entries.push(ReceiptEntry {
                    seq,
                    digest: r.digest,
                    new: true,
                    log_index: idx,
                });
            }
            Step::Replay => entries.push(ReceiptEntry {
                seq,
                digest: r.digest,
                new: false,
                log_index: held_row.map(|(_, i)| i).unwrap_or(0),
            }),
            Step::Fork { held } => {
                return Ok(Outcome::Fork {
                    seq,
                    held,
                    envelope: r.envelope.to_json(),
                });
            }
            Step::Gap { expected } => {
                return Err(IngestError::Gap {
                    expected,
                    found: seq,
                    held: head.seq,
                })
            }
            Step::BadPrev { .. } | Step::ZeroSeq => return Err(IngestError::ChainBreak { seq }),
        }
    }
    for f in &flags {
        tracing::warn!(device = %dev, seq = f.seq, kind = %f.kind, "{}", f.detail);
    }
    Ok(Outcome::Stored(Ingested {
        entries,
        head,
        leaves,
        log_start,
        flags,
    }))
}
