//! The 案卷评查 pre-review's findings of every case, kept for the
//! bureau-wide report: replaced whenever the case changes (records or
//! evidence arrive, an act is signed) and by `fieldcase-server deadlines
//! refresh`.

use uuid::Uuid;

use super::StoreError;

/// One finding of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRow {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// The rule's id (`assets/review/case_file.json`).
    pub rule: String,
    /// What is wrong (Chinese).
    pub detail: String,
}

/// How many findings and cases a rule has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCount {
    /// The rule's id.
    pub rule: String,
    /// Cases with at least one finding of it.
    pub cases: u64,
    /// Findings.
    pub findings: u64,
}

/// The findings' storage.
pub trait FindingStore {
    /// Replaces the case's findings.
    fn set_findings(&self, case_id: &Uuid, rows: &[FindingRow]) -> Result<(), StoreError>;
    /// Findings of the rule `rule` (every rule when empty), by 案号, `limit`
    /// from `offset`.
    fn findings(&self, rule: &str, limit: u32, offset: u32) -> Result<Vec<FindingRow>, StoreError>;
    /// The count of each rule that has findings, and of cases with any.
    fn finding_counts(&self) -> Result<(Vec<RuleCount>, u64), StoreError>;
}
