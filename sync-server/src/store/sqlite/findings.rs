//! The findings table in SQLite.

use rusqlite::params;
use uuid::Uuid;

use super::super::findings::{FindingRow, FindingStore, RuleCount};
use super::super::StoreError;
use super::SqliteStore;

/// Schema (migration 13).
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

impl FindingStore for SqliteStore {
    fn set_findings(&self, case_id: &Uuid, rows: &[FindingRow]) -> Result<(), StoreError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        let id = case_id.to_string();
        tx.execute("DELETE FROM findings WHERE case_id = ?1", [&id])?;
        for (n, r) in rows.iter().enumerate() {
            tx.execute(
                "INSERT INTO findings (case_id, n, case_no, rule, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, n as i64, r.case_no, r.rule, r.detail],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn findings(&self, rule: &str, limit: u32, offset: u32) -> Result<Vec<FindingRow>, StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(
            "SELECT case_id, case_no, rule, detail FROM findings
             WHERE (?1 = '' OR rule = ?1) ORDER BY case_no, n LIMIT ?2 OFFSET ?3",
        )?;
        let rows = st
            .query_map(params![rule, i64::from(limit), i64::from(offset)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, case_no, rule, detail)| {
                Ok(FindingRow {
                    case_id: id
                        .parse()
                        .map_err(|e| StoreError::Other(format!("case id {id}: {e}").into()))?,
                    case_no,
                    rule,
                    detail,
                })
            })
            .collect()
    }

    fn finding_counts(&self) -> Result<(Vec<RuleCount>, u64), StoreError> {
        let conn = self.lock()?;
        let mut st = conn.prepare(
            "SELECT rule, count(DISTINCT case_id), count(*) FROM findings GROUP BY rule ORDER BY rule",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok(RuleCount {
                    rule: r.get(0)?,
                    cases: r.get::<_, i64>(1)? as u64,
                    findings: r.get::<_, i64>(2)? as u64,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let cases: i64 =
            conn.query_row("SELECT count(DISTINCT case_id) FROM findings", [], |r| {
                r.get(0)
            })?;
        Ok((rows, cases as u64))
    }
}
