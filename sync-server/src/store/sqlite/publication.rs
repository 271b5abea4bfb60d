//! The publications table in SQLite.

use rusqlite::params;
use uuid::Uuid;

use super::super::publication::{columns, row_of, PubRow, PubStatus, PublicationStore};
use super::super::StoreError;
use super::SqliteStore;

/// Schema (migration 11).
pub(super) const MIGRATION: &str = "
    CREATE TABLE publications (
        case_id      TEXT PRIMARY KEY,
        case_no      TEXT NOT NULL,
        decided_on   TEXT NOT NULL,
        status       TEXT NOT NULL,
        due          TEXT NOT NULL,
        published_on TEXT NOT NULL,
        withdrawn_on TEXT NOT NULL,
        entry        TEXT NOT NULL,
        note         TEXT NOT NULL
    );
    CREATE INDEX publications_status ON publications(status, decided_on, case_no);";

impl PublicationStore for SqliteStore {
    fn set_publication(&self, case_id: &Uuid, row: Option<&PubRow>) -> Result<(), StoreError> {
        let conn = self.lock()?;
        let id = case_id.to_string();
        match row {
            None => {
                conn.execute("DELETE FROM publications WHERE case_id = ?1", [&id])?;
            }
            Some(r) => {
                let [a, b, c, d, e, f, g, h] = columns(r);
                conn.execute(
                    "INSERT OR REPLACE INTO publications (case_id, case_no, decided_on, status, due,
                         published_on, withdrawn_on, entry, note)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![id, a, b, c, d, e, f, g, h],
                )?;
            }
        }
        Ok(())
    }

    fn publications(
        &self,
        status: PubStatus,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<PubRow>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(
            "SELECT case_id, case_no, decided_on, status, due, published_on, withdrawn_on, entry, note
             FROM publications WHERE status = ?1 ORDER BY decided_on, case_no LIMIT ?2 OFFSET ?3",
        )?;
        let rows = st
            .query_map(
                params![status.code(), i64::from(limit), i64::from(offset)],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        [
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                            r.get(8)?,
                        ],
                    ))
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(|(id, t)| row_of(&id, t)).collect()
    }

    fn publication_counts(&self) -> Result<Vec<(PubStatus, u64)>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare("SELECT status, count(*) FROM publications GROUP BY status")?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|(s, n)| PubStatus::parse(&s).map(|s| (s, n as u64)))
            .collect())
    }
}
