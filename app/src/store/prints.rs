//! The print queue: each document sent to the portable printer is kept
//! until the printer accepted it; a failed attempt keeps its message.

use chrono::Utc;
use rusqlite::params;

use super::{Store, StoreError};

/// A queued or sent print.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PrintJob {
    /// Queue id.
    pub id: i64,
    /// The case.
    pub case_id: String,
    /// 案号.
    pub case_no: String,
    /// The document's title.
    pub title: String,
    /// SHA-256 of the PDF (hex).
    pub sha256: String,
    /// When queued (RFC 3339).
    pub queued_at: String,
    /// Attempts so far.
    pub attempts: i64,
    /// The last failure, if any.
    pub message: String,
    /// The printer's job id, once sent.
    pub printer_job: Option<i64>,
    /// When the printer accepted it.
    pub sent_at: Option<String>,
}

const COLUMNS: &str =
    "id, case_id, case_no, title, sha256, queued_at, attempts, message, printer_job, sent_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PrintJob> {
    Ok(PrintJob {
        id: r.get(0)?,
        case_id: r.get(1)?,
        case_no: r.get(2)?,
        title: r.get(3)?,
        sha256: r.get(4)?,
        queued_at: r.get(5)?,
        attempts: r.get(6)?,
        message: r.get(7)?,
        printer_job: r.get(8)?,
        sent_at: r.get(9)?,
    })
}

impl Store {
    /// Queues a document; returns its queue id.
    pub fn queue_print(
        &self,
        case_id: &str,
        case_no: &str,
        title: &str,
        pdf: &[u8],
        sha256: &str,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO print_jobs (case_id, case_no, title, pdf, sha256, queued_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                case_id,
                case_no,
                title,
                pdf,
                sha256,
                Utc::now().to_rfc3339()
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Prints not yet accepted by the printer, oldest first.
    pub fn queued_prints(&self) -> Result<Vec<PrintJob>, StoreError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM print_jobs WHERE sent_at IS NULL ORDER BY id"
        ))?;
        let rows = st.query_map([], row)?.collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Every print, newest first, at most `limit`.
    pub fn prints(&self, limit: usize) -> Result<Vec<PrintJob>, StoreError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM print_jobs ORDER BY id DESC LIMIT ?1"
        ))?;
        let rows = st
            .query_map(params![limit as i64], row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The last print of the case's document `title` the printer
    /// accepted, if any.
    pub fn sent_print(&self, case_id: &str, title: &str) -> Result<Option<PrintJob>, StoreError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM print_jobs
             WHERE case_id = ?1 AND title = ?2 AND sent_at IS NOT NULL
             ORDER BY id DESC LIMIT 1"
        ))?;
        let mut rows = st.query_map(params![case_id, title], row)?;
        Ok(rows.next().transpose()?)
    }

    /// The PDF of a queued print.
    pub fn print_pdf(&self, id: i64) -> Result<Vec<u8>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT pdf FROM print_jobs WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )?)
    }

    /// Records a failed attempt and its message.
    pub fn print_failed(&self, id: i64, message: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE print_jobs SET attempts = attempts + 1, message = ?2 WHERE id = ?1",
            params![id, message],
        )?;
        Ok(())
    }

    /// Records that the printer accepted the print as its job `job`.
    pub fn print_sent(&self, id: i64, job: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE print_jobs SET attempts = attempts + 1, message = '', printer_job = ?2,
             sent_at = ?3 WHERE id = ?1",
            params![id, job, Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }
}
