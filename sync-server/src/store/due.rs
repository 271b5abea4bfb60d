//! The running deadlines of every case, kept for the deadlines page: one
//! row per case and deadline, replaced whenever the case's procedure
//! changes (a record arrives, an act is signed), so the page reads one
//! indexed table instead of replaying every open case.

use chrono::NaiveDate;
use fieldcase_shared::staff::Role;
use uuid::Uuid;

use super::StoreError;

/// A deadline running on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRow {
    /// The case.
    pub case_id: Uuid,
    /// Its 案号.
    pub case_no: String,
    /// The deadline's id (`assets/procedure/deadlines.json`).
    pub deadline: String,
    /// Its name as the procedure gives it.
    pub name: String,
    /// The last day, when the calendar holds it.
    pub due: Option<NaiveDate>,
    /// Why there is no last day (a year the calendar lacks).
    pub problem: String,
    /// The provision.
    pub basis: String,
    /// The roles whose work it is ([`role_mask`]).
    pub roles: u32,
}

/// How many of an account's deadlines are overdue, due soon, and running.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DueCounts {
    /// Last day before today.
    pub overdue: u64,
    /// Last day from today to the "soon" day.
    pub soon: u64,
    /// Every deadline running (with or without a last day), counted up to
    /// [`TOTAL_CAP`] + 1.
    pub total: u64,
}

impl DueCounts {
    /// The running count as shown: `10000+` past the cap.
    pub fn total_text(&self) -> String {
        if self.total > TOTAL_CAP {
            format!("{TOTAL_CAP}+")
        } else {
            self.total.to_string()
        }
    }
}

/// The bit set of `roles` (a bit per role, in [`Role::ALL`]'s order).
pub fn role_mask(roles: &[Role]) -> u32 {
    Role::ALL
        .iter()
        .enumerate()
        .filter(|(_, r)| roles.contains(r))
        .fold(0, |m, (i, _)| m | (1 << i))
}

/// Every role set that shares a role with `mask`: the stored `roles`
/// values a query for `mask` matches, so that it reads the index on
/// (`roles`, `due`) by ranges instead of testing every row's bits.
pub fn masks_meeting(mask: u32) -> Vec<i32> {
    let all = (1u32 << Role::ALL.len()) - 1;
    (1..=all)
        .filter(|m| m & mask != 0)
        .map(|m| m as i32)
        .collect()
}

/// Most deadlines counted as running; more show as this many and "+".
pub const TOTAL_CAP: u64 = 10_000;

/// The deadlines' storage.
pub trait DueStore {
    /// Replaces the case's running deadlines with `rows`.
    fn set_deadlines(&self, case_id: &Uuid, rows: &[DueRow]) -> Result<(), StoreError>;
    /// The first `limit` deadlines of any of the roles in `mask`: those
    /// without a last day first, then by last day.
    fn deadlines(&self, mask: u32, limit: u32) -> Result<Vec<DueRow>, StoreError>;
    /// The counts for the roles in `mask` on `today`, "soon" meaning a
    /// last day on or before `soon`.
    fn deadline_counts(
        &self,
        mask: u32,
        today: NaiveDate,
        soon: NaiveDate,
    ) -> Result<DueCounts, StoreError>;
}

/// A stored row back: the day as text (`YYYY-MM-DD`, empty when none).
pub(super) fn row_of(case_id: &str, text: [String; 6], roles: i64) -> Result<DueRow, StoreError> {
    let [case_no, deadline, name, due, problem, basis] = text;
    let bad = |e: String| StoreError::Other(e.into());
    Ok(DueRow {
        case_id: case_id
            .parse()
            .map_err(|e| bad(format!("case id {case_id}: {e}")))?,
        case_no,
        deadline,
        name,
        due: if due.is_empty() {
            None
        } else {
            Some(
                due.parse()
                    .map_err(|e| bad(format!("deadline day {due}: {e}")))?,
            )
        },
        problem,
        basis,
        roles: roles as u32,
    })
}

/// The day as stored.
pub(super) fn day_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_has_its_own_bit() {
        let all: Vec<u32> = Role::ALL.iter().map(|r| role_mask(&[*r])).collect();
        for (i, m) in all.iter().enumerate() {
            assert_eq!(m.count_ones(), 1);
            assert!(all[i + 1..].iter().all(|o| o != m));
        }
        assert_eq!(role_mask(&[]), 0);
    }
}
