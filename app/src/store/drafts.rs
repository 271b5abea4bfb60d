//! Drafts of checks in progress, saved on every change: a crash or a dead
//! battery loses nothing typed. A draft is local working state, never
//! signed; what it holds is signed when the case opens and when it closes.

use chrono::Utc;
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};

/// A stored draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftRow {
    /// Draft id.
    pub id: String,
    /// Officers (执法证号 joined by `/`).
    pub officers: String,
    /// Started (RFC 3339).
    pub started_at: String,
    /// Last saved (RFC 3339).
    pub updated_at: String,
    /// The case, once opened.
    pub case_id: Option<String>,
    /// The draft's fields (JSON).
    pub body: String,
}

impl Store {
    /// `durable = false` commits without waiting for the disk (seeding
    /// benchmark stores only); the default is `synchronous = FULL`.
    pub fn set_durable(&self, durable: bool) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "synchronous", if durable { "FULL" } else { "OFF" })?;
        Ok(())
    }

    /// Saves a draft (insert or replace), in one small transaction.
    pub fn save_draft(
        &self,
        id: &str,
        officers: &str,
        started_at: &str,
        case_id: Option<&str>,
        body: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO drafts (id, officers, started_at, updated_at, case_id, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at,
                case_id = excluded.case_id, body = excluded.body",
            params![
                id,
                officers,
                started_at,
                Utc::now().to_rfc3339(),
                case_id,
                body
            ],
        )?;
        Ok(())
    }

    /// A draft by id.
    pub fn draft(&self, id: &str) -> Result<Option<DraftRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, officers, started_at, updated_at, case_id, body FROM drafts WHERE id = ?1",
                [id],
                row,
            )
            .optional()?)
    }

    /// Every draft, most recently changed first.
    pub fn drafts(&self) -> Result<Vec<DraftRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT id, officers, started_at, updated_at, case_id, body FROM drafts
             ORDER BY updated_at DESC",
        )?;
        let rows = st.query_map([], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes a draft (after its case closed, or when discarded before a
    /// case was opened).
    pub fn delete_draft(&self, id: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM drafts WHERE id = ?1", [id])?;
        Ok(())
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DraftRow> {
    Ok(DraftRow {
        id: r.get(0)?,
        officers: r.get(1)?,
        started_at: r.get(2)?,
        updated_at: r.get(3)?,
        case_id: r.get(4)?,
        body: r.get(5)?,
    })
}
