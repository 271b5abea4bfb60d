//! The findings table in PostgreSQL.

use uuid::Uuid;

use super::super::findings::{FindingRow, FindingStore, RuleCount};
use super::super::StoreError;
use super::PgStore;

/// Schema (migration 11).
pub(super) const MIGRATION: &str = "
    CREATE TABLE findings (
        case_id TEXT NOT NULL,
        n       INTEGER NOT NULL,
        case_no TEXT NOT NULL,
        rule    TEXT NOT NULL,
        detail  TEXT NOT NULL,
        PRIMARY KEY (case_id, n)
    );
    CREATE INDEX findings_rule ON findings(rule, case_no);
    CREATE INDEX findings_case_no ON findings(case_no);";

impl FindingStore for PgStore {
    fn set_findings(&self, case_id: &Uuid, rows: &[FindingRow]) -> Result<(), StoreError> {
        let mut c = self.lock()?;
        let mut tx = c.transaction()?;
        let id = case_id.to_string();
        tx.execute("DELETE FROM findings WHERE case_id = $1", &[&id])?;
        for (n, r) in rows.iter().enumerate() {
            tx.execute(
                "INSERT INTO findings (case_id, n, case_no, rule, detail) VALUES ($1, $2, $3, $4, $5)",
                &[&id, &(n as i32), &r.case_no, &r.rule, &r.detail],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn findings(&self, rule: &str, limit: u32, offset: u32) -> Result<Vec<FindingRow>, StoreError> {
        let rows = self.lock()?.query(
            "SELECT case_id, case_no, rule, detail FROM findings
             WHERE ($1 = '' OR rule = $1) ORDER BY case_no, n LIMIT $2 OFFSET $3",
            &[&rule, &i64::from(limit), &i64::from(offset)],
        )?;
        rows.iter()
            .map(|r| {
                let id: &str = r.get(0);
                Ok(FindingRow {
                    case_id: id
                        .parse()
                        .map_err(|e| StoreError::Other(format!("case id {id}: {e}").into()))?,
                    case_no: r.get(1),
                    rule: r.get(2),
                    detail: r.get(3),
                })
            })
            .collect()
    }

    fn finding_counts(&self) -> Result<(Vec<RuleCount>, u64), StoreError> {
        let mut c = self.lock()?;
        let rows = c.query(
            "SELECT rule, count(DISTINCT case_id), count(*) FROM findings GROUP BY rule ORDER BY rule",
            &[],
        )?;
        let counts = rows
            .iter()
            .map(|r| RuleCount {
                rule: r.get(0),
                cases: r.get::<_, i64>(1) as u64,
                findings: r.get::<_, i64>(2) as u64,
            })
            .collect();
        let cases: i64 = c
            .query_one("SELECT count(DISTINCT case_id) FROM findings", &[])?
            .get(0);
        Ok((counts, cases as u64))
    }
}
