//! The PostgreSQL side of an ingest transaction: reads go to the database,
//! writes are buffered and sent as one multi-row insert per table.

use fieldcase_shared::chain::Head;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::record::VerifiedRecord;
use postgres::Transaction;

use super::super::{digest, IngestTx, RecordFlag, StoreError};

pub(super) fn head_of(
    c: &mut impl postgres::GenericClient,
    device: &DeviceId,
) -> Result<Head, StoreError> {
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

pub(super) struct PgTx<'a, 'b> {
    tx: &'a mut Transaction<'b>,
    records: RecordRows,
    leaves: Vec<(i64, Vec<u8>, String, String)>,
    record_blobs: Vec<(String, Vec<u8>, i64)>,
    flags: Vec<(String, i64, String, String, String)>,
    cases: Vec<(String, i64, crate::store::office::CaseUpdate)>,
}

impl<'a, 'b> PgTx<'a, 'b> {
    pub(super) fn new(tx: &'a mut Transaction<'b>) -> Self {
        PgTx {
            tx,
            records: RecordRows::default(),
            leaves: Vec::new(),
            record_blobs: Vec::new(),
            flags: Vec::new(),
            cases: Vec::new(),
        }
    }

    /// Sends the buffered rows.
    pub(super) fn flush(&mut self) -> Result<(), StoreError> {
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
        super::office::flush_cases(self.tx, std::mem::take(&mut self.cases))?;
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

    fn index_case(
        &mut self,
        device: &DeviceId,
        seq: u64,
        update: &crate::store::office::CaseUpdate,
    ) -> Result<(), StoreError> {
        self.cases
            .push((device.to_string(), seq as i64, update.clone()));
        Ok(())
    }
}
