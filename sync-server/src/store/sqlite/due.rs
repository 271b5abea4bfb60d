//! The deadlines table in SQLite.

use chrono::NaiveDate;
use rusqlite::params;
use uuid::Uuid;

use super::super::due::{day_text, masks_meeting, row_of, DueCounts, DueRow, DueStore, TOTAL_CAP};
use super::super::StoreError;
use super::SqliteStore;

/// Schema (migration 10).
pub(super) const MIGRATION: &str = "
    CREATE TABLE deadlines (
        case_id  TEXT NOT NULL,
        deadline TEXT NOT NULL,
        case_no  TEXT NOT NULL,
        name     TEXT NOT NULL,
        due      TEXT NOT NULL,
        problem  TEXT NOT NULL,
        basis    TEXT NOT NULL,
        roles    INTEGER NOT NULL,
        PRIMARY KEY (case_id, deadline)
    );
    CREATE INDEX deadlines_due ON deadlines(due);
    CREATE INDEX deadlines_roles_due ON deadlines(roles, due);";

impl DueStore for SqliteStore {
    fn set_deadlines(&self, case_id: &Uuid, rows: &[DueRow]) -> Result<(), StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM deadlines WHERE case_id = ?1",
            [case_id.to_string()],
        )?;
        for r in rows {
            tx.execute(
                "INSERT OR REPLACE INTO deadlines
                     (case_id, deadline, case_no, name, due, problem, basis, roles)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    case_id.to_string(),
                    r.deadline,
                    r.case_no,
                    r.name,
                    day_text(r.due),
                    r.problem,
                    r.basis,
                    i64::from(r.roles)
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn deadlines(&self, mask: u32, limit: u32) -> Result<Vec<DueRow>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(
            "SELECT case_id, case_no, deadline, name, due, problem, basis, roles FROM deadlines
             WHERE roles & ?1 <> 0 ORDER BY due, case_no LIMIT ?2",
        )?;
        let rows = st
            .query_map(params![i64::from(mask), i64::from(limit)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    [
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ],
                    r.get::<_, i64>(7)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, text, roles)| row_of(&id, text, roles))
            .collect()
    }

    fn deadline_counts(
        &self,
        mask: u32,
        today: NaiveDate,
        soon: NaiveDate,
    ) -> Result<DueCounts, StoreError> {
        let conn = self.lock()?;
        let masks = masks_meeting(mask)
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        // The list is integers made here, never input.
        let (overdue, soon, total): (i64, i64, i64) = conn.query_row(
            &format!(
                "SELECT
                   (SELECT count(*) FROM deadlines WHERE roles IN ({masks}) AND due > '' AND due < ?1),
                   (SELECT count(*) FROM deadlines WHERE roles IN ({masks}) AND due >= ?1 AND due <= ?2),
                   (SELECT count(*) FROM (SELECT 1 FROM deadlines WHERE roles IN ({masks}) LIMIT ?3))"
            ),
            params![today.to_string(), soon.to_string(), (TOTAL_CAP + 1) as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(DueCounts {
            overdue: overdue as u64,
            soon: soon as u64,
            total: total as u64,
        })
    }
}
