//! Case queries: the list and search, one case, its evidence.

use rusqlite::{params, OptionalExtension};

use super::{CaseRow, Store, StoreError};

/// An evidence item as listed on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRow {
    /// SHA-256.
    pub sha256: fieldcase_shared::hash::Digest,
    /// Size.
    pub size: u64,
    /// Media type.
    pub media_type: String,
    /// Original name.
    pub original_name: String,
    /// Capture time, when known.
    pub captured_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Category.
    pub category: String,
    /// Description.
    pub description: String,
}

impl Store {
    /// Cases, newest first, at most `limit`.
    pub fn cases(&self, limit: usize) -> Result<Vec<CaseRow>, StoreError> {
        self.cases_matching("", limit)
    }

    /// Cases whose 案号, plate, party id or party name contains `query`
    /// (all cases when it is empty), newest first, at most `limit`.
    pub fn cases_matching(&self, query: &str, limit: usize) -> Result<Vec<CaseRow>, StoreError> {
        let q = query.trim().to_uppercase();
        let (clause, pattern) = if q.is_empty() {
            ("WHERE ?2 IS NULL ORDER BY c.opened_seq DESC", None)
        } else {
            // `+` keeps SQLite from walking the opened_seq index row by row:
            // a sequential scan of one column, then a sort of the matches.
            (
                "WHERE instr(c.search, ?2) > 0 ORDER BY +c.opened_seq DESC",
                Some(q),
            )
        };
        self.case_rows(clause, pattern, limit)
    }

    fn case_rows(
        &self,
        clause: &str,
        arg: Option<String>,
        limit: usize,
    ) -> Result<Vec<CaseRow>, StoreError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT c.case_id, c.case_no, c.opened_at, c.plate, c.party_id, c.party_name, c.place,
                    c.status,
                    (SELECT count(*) FROM evidence e WHERE e.case_id = c.case_id),
                    (SELECT coalesce(sum(size), 0) FROM evidence e WHERE e.case_id = c.case_id),
                    (SELECT count(*) FROM records r WHERE r.case_id = c.case_id AND r.synced_at IS NULL),
                    c.return_reason, c.return_record, c.handed_over
             FROM cases c
             WHERE c.case_id IN (SELECT c.case_id FROM cases c {clause} LIMIT ?1)
             ORDER BY c.opened_seq DESC",
        ))?;
        let rows = st.query_map(params![limit as i64, arg], |r| {
            let bad = |i, e: String| {
                rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
            };
            Ok(CaseRow {
                case_id: r
                    .get::<_, String>(0)?
                    .parse()
                    .map_err(|e: uuid::Error| bad(0, e.to_string()))?,
                case_no: r.get(1)?,
                opened_at: chrono::DateTime::parse_from_rfc3339(&r.get::<_, String>(2)?)
                    .map_err(|e| bad(2, e.to_string()))?,
                plate: r.get(3)?,
                party_id: r.get(4)?,
                party_name: r.get(5)?,
                place: r.get(6)?,
                status: r.get(7)?,
                evidence: r.get(8)?,
                evidence_bytes: r.get::<_, i64>(9)? as u64,
                unsynced: r.get(10)?,
                returned: match (
                    r.get::<_, Option<String>>(11)?,
                    r.get::<_, Option<String>>(12)?,
                ) {
                    (Some(reason), Some(record)) => Some(super::Returned {
                        reason,
                        record: record.parse().map_err(|e| bad(12, format!("{e:?}")))?,
                    }),
                    _ => None,
                },
                handed_over: r.get(13)?,
            })
            .map(|mut row: CaseRow| {
                // A return is kept beside the closed status.
                if row.returned.is_some() {
                    row.status = super::CaseStatus::Returned;
                }
                row
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Finds a case by 案号 or case id.
    pub fn find_case(&self, key: &str) -> Result<Option<CaseRow>, StoreError> {
        Ok(self
            .case_rows(
                "WHERE c.case_no = ?2 OR c.case_id = ?2 ORDER BY c.opened_seq DESC",
                Some(key.trim().to_owned()),
                1,
            )?
            .into_iter()
            .next())
    }

    /// Evidence of a case, in the order it was added.
    pub fn evidence_of(&self, case_id: &uuid::Uuid) -> Result<Vec<EvidenceRow>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT sha256, size, media_type, original_name, captured_at, category, description
             FROM evidence WHERE case_id = ?1 ORDER BY seq",
        )?;
        let rows = st.query_map([case_id.to_string()], |r| {
            let sha: String = r.get(0)?;
            let captured: Option<String> = r.get(4)?;
            Ok(EvidenceRow {
                sha256: sha.parse().map_err(|_| {
                    rusqlite::Error::FromSqlConversionFailure(
                        0,
                        rusqlite::types::Type::Text,
                        format!("evidence sha256 {sha:?}").into(),
                    )
                })?,
                size: r.get::<_, i64>(1)? as u64,
                media_type: r.get(2)?,
                original_name: r.get(3)?,
                captured_at: captured.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()),
                category: r.get(5)?,
                description: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Cases closed since `since` (RFC 3339).
    pub fn closed_since(&self, since: &str) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM records WHERE kind = 'case_closed' AND created_at >= ?1",
            [since],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Evidence bytes of the open case holding the most.
    pub fn largest_open_case_bytes(&self) -> Result<u64, StoreError> {
        let n: Option<i64> = self
            .conn
            .query_row(
                "SELECT max(t) FROM (SELECT sum(e.size) AS t FROM evidence e
                   JOIN cases c ON c.case_id = e.case_id WHERE c.status = 'open' GROUP BY e.case_id)",
                [],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(n.unwrap_or(0) as u64)
    }
}
