//! The publications table in PostgreSQL.

use uuid::Uuid;

use super::super::publication::{columns, row_of, PubRow, PubStatus, PublicationStore};
use super::super::StoreError;
use super::PgStore;

/// Schema (migration 9).
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

impl PublicationStore for PgStore {
    fn set_publication(&self, case_id: &Uuid, row: Option<&PubRow>) -> Result<(), StoreError> {
        let mut c = self.lock()?;
        let id = case_id.to_string();
        match row {
            None => {
                c.execute("DELETE FROM publications WHERE case_id = $1", &[&id])?;
            }
            Some(r) => {
                let [a, b, cc, d, e, f, g, h] = columns(r);
                c.execute(
                    "INSERT INTO publications (case_id, case_no, decided_on, status, due,
                         published_on, withdrawn_on, entry, note)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (case_id) DO UPDATE SET case_no = EXCLUDED.case_no,
                         decided_on = EXCLUDED.decided_on, status = EXCLUDED.status,
                         due = EXCLUDED.due, published_on = EXCLUDED.published_on,
                         withdrawn_on = EXCLUDED.withdrawn_on, entry = EXCLUDED.entry,
                         note = EXCLUDED.note",
                    &[&id, &a, &b, &cc, &d, &e, &f, &g, &h],
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
        let rows = self.lock()?.query(
            "SELECT case_id, case_no, decided_on, status, due, published_on, withdrawn_on, entry, note
             FROM publications WHERE status = $1 ORDER BY decided_on, case_no LIMIT $2 OFFSET $3",
            &[&status.code(), &i64::from(limit), &i64::from(offset)],
        )?;
        rows.iter()
            .map(|r| {
                row_of(
                    r.get::<_, &str>(0),
                    [
                        r.get(1),
                        r.get(2),
                        r.get(3),
                        r.get(4),
                        r.get(5),
                        r.get(6),
                        r.get(7),
                        r.get(8),
                    ],
                )
            })
            .collect()
    }

    fn publication_counts(&self) -> Result<Vec<(PubStatus, u64)>, StoreError> {
        let rows = self.lock()?.query(
            "SELECT status, count(*) FROM publications GROUP BY status",
            &[],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                PubStatus::parse(r.get::<_, &str>(0)).map(|s| (s, r.get::<_, i64>(1) as u64))
            })
            .collect())
    }
}
