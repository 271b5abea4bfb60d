//! 案号 allocation: `{prefix}〔{year}〕{n:05}号`, with `n` taken from the
//! number range the bureau assigned to this terminal for the year. A number
//! is taken in the same transaction as the record that uses it, so it is
//! never reused and never lost; numbers of an assigned range that were
//! skipped (a range replaced before it was used up) are reported as gaps.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};

use super::{set_setting_in, setting_in, Allocator, Store, StoreError};

/// Highest number the five-digit format holds.
pub const MAX_NUMBER: u64 = 99_999;

/// Numbers skipped inside an assigned range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct NumberGap {
    /// First missing.
    pub from: u64,
    /// Last missing.
    pub to: u64,
}

/// The state of numbering for one year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaseNumbers {
    /// Year.
    pub year: i32,
    /// Prefix.
    pub prefix: String,
    /// Current range (first, last).
    pub range: (u64, u64),
    /// Numbers used this year.
    pub used: u64,
    /// Numbers left in the current range.
    pub remaining: u64,
    /// Skipped numbers.
    pub gaps: Vec<NumberGap>,
}

fn ranges(conn: &Connection, year: i32) -> Result<Vec<(u64, u64)>, StoreError> {
    let mut st = conn.prepare("SELECT start, end FROM case_ranges WHERE year = ?1 ORDER BY id")?;
    let rows = st.query_map([year], |r| {
        Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
    })?;
    let mut out: Vec<(u64, u64)> = rows.collect::<Result<_, _>>()?;
    if out.is_empty() {
        out.push((1, MAX_NUMBER));
    }
    Ok(out)
}

fn last_taken(conn: &Connection, year: i32) -> Result<u64, StoreError> {
    let counter = setting_in(conn, &format!("counter:case_no:{year}"))?
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let rows: Option<i64> = conn
        .query_row(
            "SELECT max(n) FROM case_numbers WHERE year = ?1",
            [year],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(counter.max(rows.unwrap_or(0) as u64))
}

impl Allocator<'_> {
    /// Takes the next 案号 of `year` for `case_id`.
    pub fn case_number(&self, year: i32, case_id: &str) -> Result<String, StoreError> {
        let prefix = self
            .setting("case_prefix")?
            .unwrap_or_else(|| crate::core::DEFAULT_CASE_PREFIX.to_owned());
        let (start, end) = *ranges(self.conn, year)?.last().unwrap_or(&(1, MAX_NUMBER));
        let n = (last_taken(self.conn, year)? + 1).max(start);
        if n > end {
            return Err(StoreError::NumbersExhausted { year, start, end });
        }
        let case_no = format!("{prefix}〔{year}〕{n:05}号");
        self.conn.execute(
            "INSERT INTO case_numbers (year, n, case_no, case_id, allocated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![year, n as i64, case_no, case_id, Utc::now().to_rfc3339()],
        )?;
        set_setting_in(
            self.conn,
            &format!("counter:case_no:{year}"),
            &n.to_string(),
        )?;
        Ok(case_no)
    }
}

impl Store {
    /// Assigns the number range of a year (from the bureau). Numbers already
    /// taken are never given again, whatever the range says.
    pub fn set_case_range(&self, year: i32, start: u64, end: u64) -> Result<(), StoreError> {
        if start == 0 || start > end || end > MAX_NUMBER {
            return Err(StoreError::BadRange { start, end });
        }
        self.conn.execute(
            "INSERT INTO case_ranges (year, start, end, set_at) VALUES (?1, ?2, ?3, ?4)",
            params![year, start as i64, end as i64, Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    /// Numbering state of `year`: range, used, remaining, gaps.
    pub fn case_numbers(&self, year: i32) -> Result<CaseNumbers, StoreError> {
        let prefix = self
            .setting("case_prefix")?
            .unwrap_or_else(|| crate::core::DEFAULT_CASE_PREFIX.to_owned());
        let ranges = ranges(&self.conn, year)?;
        let last = last_taken(&self.conn, year)?;
        let mut st = self
            .conn
            .prepare("SELECT n FROM case_numbers WHERE year = ?1 ORDER BY n")?;
        let used: Vec<u64> = st
            .query_map([year], |r| Ok(r.get::<_, i64>(0)? as u64))?
            .collect::<Result<_, _>>()?;
        let mut gaps = Vec::new();
        for &(start, end) in &ranges {
            let mut run: Option<(u64, u64)> = None;
            for n in start..=end.min(last) {
                if used.binary_search(&n).is_ok() {
                    gaps.extend(run.take().map(|(from, to)| NumberGap { from, to }));
                } else {
                    run = Some((run.map_or(n, |r| r.0), n));
                }
            }
            gaps.extend(run.map(|(from, to)| NumberGap { from, to }));
        }
        let (start, end) = *ranges.last().unwrap_or(&(1, MAX_NUMBER));
        let next = (last + 1).max(start);
        Ok(CaseNumbers {
            year,
            prefix,
            range: (start, end),
            used: used.len() as u64,
            remaining: (end + 1).saturating_sub(next),
            gaps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(s: &mut Store, year: i32) -> Result<String, StoreError> {
        let tx = s.conn.transaction()?;
        let n = Allocator { conn: &tx }.case_number(year, &uuid::Uuid::now_v7().to_string())?;
        tx.commit()?;
        Ok(n)
    }

    #[test]
    fn numbers_come_from_the_range_and_skips_are_gaps() {
        let mut s = Store::open_in_memory().unwrap();
        s.set_setting("case_prefix", "乌交执").unwrap();
        s.set_case_range(2026, 101, 103).unwrap();
        assert_eq!(take(&mut s, 2026).unwrap(), "乌交执〔2026〕00101号");
        assert_eq!(take(&mut s, 2026).unwrap(), "乌交执〔2026〕00102号");
        let state = s.case_numbers(2026).unwrap();
        assert_eq!((state.used, state.remaining, state.gaps.len()), (2, 1, 0));
        // The bureau assigns a new range before 103 was used: 103 is a gap.
        s.set_case_range(2026, 500, 501).unwrap();
        assert_eq!(take(&mut s, 2026).unwrap(), "乌交执〔2026〕00500号");
        assert_eq!(take(&mut s, 2026).unwrap(), "乌交执〔2026〕00501号");
        let e = take(&mut s, 2026).unwrap_err();
        assert!(e.to_string().contains("500–501"), "{e}");
        let state = s.case_numbers(2026).unwrap();
        assert_eq!(state.gaps, [NumberGap { from: 103, to: 103 }]);
        assert_eq!(state.remaining, 0);
        // A range going back never reuses a number.
        s.set_case_range(2026, 101, 600).unwrap();
        assert_eq!(take(&mut s, 2026).unwrap(), "乌交执〔2026〕00502号");
        assert!(s.set_case_range(2026, 5, 4).is_err());
    }
}
