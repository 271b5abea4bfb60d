//! Which evidence blobs the server has confirmed, and freeing local copies
//! only after a receipt names them and the retention has passed; messages
//! the back office sent down.

use std::fs;

use chrono::{DateTime, Duration, Utc};
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::hash::Digest;
use rusqlite::params;

use super::{Store, StoreError};

/// An evidence blob the server has not yet confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingBlob {
    /// SHA-256.
    pub sha256: Digest,
    /// Size in bytes.
    pub size: u64,
    /// 案号 of a case it belongs to (for progress messages).
    pub case_no: String,
}

impl Store {
    /// Blobs named by records the server already holds but that no blob
    /// receipt names yet, in record order.
    pub fn pending_blobs(&self) -> Result<Vec<PendingBlob>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT e.sha256, e.size, min(c.case_no)
             FROM evidence e
             JOIN records r ON r.seq = e.seq
             JOIN cases c ON c.case_id = e.case_id
             WHERE r.synced_at IS NOT NULL
               AND e.sha256 NOT IN (SELECT sha256 FROM blob_receipts)
             GROUP BY e.sha256
             ORDER BY min(e.seq)",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (hex, size, case_no) = row?;
            out.push(PendingBlob {
                sha256: hex
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("evidence hash {hex}: {e}")))?,
                size: size as u64,
                case_no,
            });
        }
        Ok(out)
    }

    /// Number of evidence blobs without a server receipt.
    pub fn unconfirmed_blob_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(DISTINCT sha256) FROM evidence
             WHERE sha256 NOT IN (SELECT sha256 FROM blob_receipts)",
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Keeps a verified receipt naming a blob.
    pub fn store_blob_receipt(
        &self,
        server: &str,
        sha256: &Digest,
        size: u64,
        log_index: u64,
        envelope: &Envelope,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO blob_receipts (sha256, size, log_index, server, envelope, confirmed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                sha256.to_hex(),
                size as i64,
                log_index as i64,
                server,
                envelope.to_json(),
                Utc::now().to_rfc3339()
            ],
        )?;
        Ok(())
    }

    /// Deletes local copies of blobs a server receipt named at least
    /// `retention` before `now`. Returns (blobs freed, bytes freed). Blobs
    /// without a receipt are never touched.
    pub fn prune_confirmed(
        &self,
        retention: Duration,
        now: DateTime<Utc>,
    ) -> Result<(u64, u64), StoreError> {
        let cutoff = (now - retention).to_rfc3339();
        let rows: Vec<(String, i64)> = {
            let mut st = self.conn.prepare(
                "SELECT sha256, size FROM blob_receipts
                 WHERE pruned_at IS NULL AND confirmed_at <= ?1",
            )?;
            let rows = st.query_map([&cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let (mut n, mut bytes) = (0, 0);
        for (hex, size) in rows {
            let Ok(d) = hex.parse::<Digest>() else {
                continue;
            };
            if let Some(p) = self.blob_path(&d) {
                fs::remove_file(&p).map_err(super::io_at(&p))?;
                n += 1;
                bytes += size as u64;
            }
            self.conn.execute(
                "UPDATE blob_receipts SET pruned_at = ?1 WHERE sha256 = ?2",
                params![now.to_rfc3339(), hex],
            )?;
        }
        Ok((n, bytes))
    }
}

impl Store {
    /// Highest message id received (0 when none).
    pub fn last_message_id(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT coalesce(max(id), 0) FROM messages", [], |r| {
                r.get(0)
            })?;
        Ok(n as u64)
    }

    /// Keeps messages (an id already held is ignored); returns how many were new.
    pub fn store_messages(
        &self,
        messages: &[fieldcase_shared::wire::Message],
    ) -> Result<usize, StoreError> {
        let now = Utc::now().to_rfc3339();
        let tx = self.conn.unchecked_transaction()?;
        let mut n = 0;
        for m in messages {
            let new = tx.execute(
                "INSERT OR IGNORE INTO messages (id, kind, case_no, text, created_at, received_at,
                    case_id, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    m.id as i64,
                    m.kind,
                    m.case_no,
                    m.text,
                    m.created_at.to_rfc3339(),
                    now,
                    m.case_id.map(|c| c.to_string()),
                    m.record.map(|d| d.to_hex())
                ],
            )?;
            n += new;
            // A return reopens its case for a correction: only a closed
            // case, only once per message.
            if let (1, "case_returned", Some(case), Some(record)) =
                (new, m.kind.as_str(), m.case_id, m.record)
            {
                let reopened = tx.execute(
                    "UPDATE cases SET return_reason = ?2, return_record = ?3
                     WHERE case_id = ?1 AND status = 'closed'",
                    params![case.to_string(), m.text, record.to_hex()],
                )?;
                tracing::info!(case = %case, reopened, "case returned by the back office");
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// Every message, newest first.
    pub fn messages(&self) -> Result<Vec<fieldcase_shared::wire::Message>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, kind, case_no, text, created_at, case_id, record FROM messages ORDER BY id DESC")?;
        let rows = st.query_map([], |r| {
            Ok((
                (
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ),
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
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
                created_at: DateTime::parse_from_rfc3339(&at)
                    .map_err(|e| StoreError::Corrupt(format!("message {id} time: {e}")))?
                    .with_timezone(&Utc),
                case_id: case_id.and_then(|c| c.parse().ok()),
                record: record.and_then(|d| d.parse().ok()),
            });
        }
        Ok(out)
    }

    /// Messages not yet shown on the messages screen.
    pub fn unread_messages(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM messages WHERE read_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Marks every message read (the officers opened the messages screen);
    /// returns the ids that were unread.
    pub fn mark_messages_read(&self) -> Result<Vec<u64>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id FROM messages WHERE read_at IS NULL")?;
        let ids: Vec<u64> = st
            .query_map([], |r| Ok(r.get::<_, i64>(0)? as u64))?
            .collect::<Result<_, _>>()?;
        self.conn.execute(
            "UPDATE messages SET read_at = ?1 WHERE read_at IS NULL",
            [Utc::now().to_rfc3339()],
        )?;
        Ok(ids)
    }
}
