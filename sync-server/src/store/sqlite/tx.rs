//! The SQLite side of an ingest transaction, and the head query both the
//! transaction and the store use.

use fieldcase_shared::chain::Head;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::record::VerifiedRecord;
use rusqlite::{params, Connection, OptionalExtension};

use super::super::{digest, IngestTx, RecordFlag, StoreError};

/// The SQLite side of one ingest transaction.
pub(super) struct SqliteTx<'a>(pub(super) &'a rusqlite::Transaction<'a>);

impl IngestTx for SqliteTx<'_> {
    fn head(&mut self, device: &DeviceId) -> Result<Head, StoreError> {
        head_of(self.0, device)
    }

    fn held(&mut self, device: &DeviceId, seq: u64) -> Result<Option<(Digest, u64)>, StoreError> {
        let row: Option<(Vec<u8>, Option<i64>)> = self
            .0
            .query_row(
                "SELECT digest, log_index FROM records WHERE device = ?1 AND seq = ?2",
                params![device.to_string(), seq as i64],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(d, i)| Ok((digest(d)?, i.unwrap_or(0) as u64)))
            .transpose()
    }

    fn envelope(&mut self, device: &DeviceId, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .0
            .query_row(
                "SELECT envelope FROM records WHERE device = ?1 AND seq = ?2",
                params![device.to_string(), seq as i64],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn log_size(&mut self) -> Result<u64, StoreError> {
        let n: i64 = self
            .0
            .query_row("SELECT coalesce(max(idx) + 1, 0) FROM log", [], |r| {
                r.get(0)
            })?;
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
            "INSERT INTO log (idx, leaf, kind, ref) VALUES (?1, ?2, ?3, ?4)",
            params![idx as i64, leaf.0.to_vec(), kind, reference],
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
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                device.to_string(),
                r.header.seq as i64,
                r.digest.0.to_vec(),
                r.chain.0.to_vec(),
                r.envelope.to_json(),
                received_at,
                log_index as i64
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
            "INSERT OR IGNORE INTO record_blobs (device, sha256, seq) VALUES (?1, ?2, ?3)",
            params![device.to_string(), sha256.0.to_vec(), seq as i64],
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
            "INSERT INTO flags (device, seq, kind, detail, flagged_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                device.to_string(),
                flag.seq as i64,
                flag.kind,
                flag.detail,
                at
            ],
        )?;
        Ok(())
    }

    fn index_case(
        &mut self,
        device: &DeviceId,
        seq: u64,
        update: &crate::store::office::CaseUpdate,
    ) -> Result<(), StoreError> {
        super::office::index_case(self.0, device, seq, update)
    }
}

pub(super) fn head_of(conn: &Connection, device: &DeviceId) -> Result<Head, StoreError> {
    let row: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, chain FROM records WHERE device = ?1 ORDER BY seq DESC LIMIT 1",
            [device.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        None => Head::genesis(device),
        Some((seq, c)) => Head {
            seq: seq as u64,
            chain: digest(c)?,
        },
    })
}
