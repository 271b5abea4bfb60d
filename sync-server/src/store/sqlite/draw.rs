//! The draws table in SQLite.

use rusqlite::{params, OptionalExtension};
use uuid::Uuid;

use super::super::draw::{columns, row_of, DrawRow, DrawStore};
use super::super::StoreError;
use super::SqliteStore;

/// Schema (migration 12).
pub(super) const MIGRATION: &str = "
    CREATE TABLE draws (
        task_id      TEXT PRIMARY KEY,
        task         TEXT NOT NULL,
        committed_at TEXT NOT NULL,
        by_user      TEXT NOT NULL,
        commitment   TEXT NOT NULL,
        seed         TEXT NOT NULL,
        draw         TEXT NOT NULL,
        signer       TEXT NOT NULL
    );
    CREATE INDEX draws_committed ON draws(committed_at);";

const COLUMNS: &str = "task_id, task, committed_at, by_user, commitment, seed, draw, signer";

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<[String; 8]> {
    Ok([
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ])
}

impl DrawStore for SqliteStore {
    fn add_draw(&self, row: &DrawRow) -> Result<(), StoreError> {
        let [a, b, c, d, e, f, g, h] = columns(row);
        self.lock()?.execute(
            &format!("INSERT INTO draws ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
            params![a, b, c, d, e, f, g, h],
        )?;
        Ok(())
    }

    fn set_draw(&self, task_id: &Uuid, draw: &str, signer: &str) -> Result<bool, StoreError> {
        let n = self.lock()?.execute(
            "UPDATE draws SET draw = ?2, signer = ?3 WHERE task_id = ?1 AND draw = ''",
            params![task_id.to_string(), draw, signer],
        )?;
        Ok(n == 1)
    }

    fn draws(&self, limit: u32) -> Result<Vec<DrawRow>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM draws ORDER BY committed_at DESC LIMIT ?1"
        ))?;
        let rows = st
            .query_map([i64::from(limit)], read)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(row_of).collect()
    }

    fn draw_row(&self, task_id: &Uuid) -> Result<Option<DrawRow>, StoreError> {
        let conn = self.lock()?;
        let row = conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM draws WHERE task_id = ?1"),
                [task_id.to_string()],
                read,
            )
            .optional()?;
        row.map(row_of).transpose()
    }
}
