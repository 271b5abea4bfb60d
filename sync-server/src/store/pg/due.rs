//! The deadlines table in PostgreSQL.

use chrono::NaiveDate;
use uuid::Uuid;

use super::super::due::{day_text, masks_meeting, row_of, DueCounts, DueRow, DueStore, TOTAL_CAP};
use super::super::StoreError;
use super::PgStore;

/// Schema (migration 8).
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
    CREATE INDEX deadlines_due ON deadlines(due, case_no);
    CREATE INDEX deadlines_roles_due ON deadlines(roles, due);";

impl DueStore for PgStore {
    fn set_deadlines(&self, case_id: &Uuid, rows: &[DueRow]) -> Result<(), StoreError> {
        let mut c = self.lock()?;
        let mut tx = c.transaction()?;
        let id = case_id.to_string();
        tx.execute("DELETE FROM deadlines WHERE case_id = $1", &[&id])?;
        for r in rows {
            tx.execute(
                "INSERT INTO deadlines (case_id, deadline, case_no, name, due, problem, basis, roles)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (case_id, deadline) DO UPDATE SET due = EXCLUDED.due",
                &[
                    &id,
                    &r.deadline,
                    &r.case_no,
                    &r.name,
                    &day_text(r.due),
                    &r.problem,
                    &r.basis,
                    &(r.roles as i32),
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn deadlines(&self, mask: u32, limit: u32) -> Result<Vec<DueRow>, StoreError> {
        let rows = self.lock()?.query(
            "SELECT case_id, case_no, deadline, name, due, problem, basis, roles FROM deadlines
             WHERE roles = ANY($1) ORDER BY due, case_no LIMIT $2",
            &[&masks_meeting(mask), &i64::from(limit)],
        )?;
        rows.iter()
            .map(|r| {
                row_of(
                    r.get::<_, &str>(0),
                    [r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)],
                    i64::from(r.get::<_, i32>(7)),
                )
            })
            .collect()
    }

    fn deadline_counts(
        &self,
        mask: u32,
        today: NaiveDate,
        soon: NaiveDate,
    ) -> Result<DueCounts, StoreError> {
        let r = self.lock()?.query_one(
            "SELECT
               (SELECT count(*) FROM deadlines WHERE roles = ANY($1) AND due > '' AND due < $2),
               (SELECT count(*) FROM deadlines WHERE roles = ANY($1) AND due >= $2 AND due <= $3),
               (SELECT count(*) FROM (SELECT 1 FROM deadlines WHERE roles = ANY($1) LIMIT $4) s)",
            &[
                &masks_meeting(mask),
                &today.to_string(),
                &soon.to_string(),
                &((TOTAL_CAP + 1) as i64),
            ],
        )?;
        Ok(DueCounts {
            overdue: r.get::<_, i64>(0) as u64,
            soon: r.get::<_, i64>(1) as u64,
            total: r.get::<_, i64>(2) as u64,
        })
    }
}
