//! The draws table in PostgreSQL.

use uuid::Uuid;

use super::super::draw::{columns, row_of, DrawRow, DrawStore};
use super::super::StoreError;
use super::PgStore;

/// Schema (migration 10).
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

fn read(r: &postgres::Row) -> [String; 8] {
    [
        r.get(0),
        r.get(1),
        r.get(2),
        r.get(3),
        r.get(4),
        r.get(5),
        r.get(6),
        r.get(7),
    ]
}

impl DrawStore for PgStore {
    fn add_draw(&self, row: &DrawRow) -> Result<(), StoreError> {
        let [a, b, c, d, e, f, g, h] = columns(row);
        self.lock()?.execute(
            &format!("INSERT INTO draws ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
            &[&a, &b, &c, &d, &e, &f, &g, &h],
        )?;
        Ok(())
    }

    fn set_draw(&self, task_id: &Uuid, draw: &str, signer: &str) -> Result<bool, StoreError> {
        let n = self.lock()?.execute(
            "UPDATE draws SET draw = $2, signer = $3 WHERE task_id = $1 AND draw = ''",
            &[&task_id.to_string(), &draw, &signer],
        )?;
        Ok(n == 1)
    }

    fn draws(&self, limit: u32) -> Result<Vec<DrawRow>, StoreError> {
        let rows = self.lock()?.query(
            &format!("SELECT {COLUMNS} FROM draws ORDER BY committed_at DESC LIMIT $1"),
            &[&i64::from(limit)],
        )?;
        rows.iter().map(|r| row_of(read(r))).collect()
    }

    fn draw_row(&self, task_id: &Uuid) -> Result<Option<DrawRow>, StoreError> {
        let row = self.lock()?.query_opt(
            &format!("SELECT {COLUMNS} FROM draws WHERE task_id = $1"),
            &[&task_id.to_string()],
        )?;
        row.map(|r| row_of(read(&r))).transpose()
    }
}
