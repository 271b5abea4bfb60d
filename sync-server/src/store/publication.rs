//! The publication state of every decided case (双公示), kept for the
//! publication page and the export: one row per case whose decision the
//! rules publish, replaced whenever the case's procedure changes, so the
//! export of tens of thousands of entries reads one table instead of
//! replaying every case. The entry is the one the `published` act signed.

use chrono::NaiveDate;
use uuid::Uuid;

use super::StoreError;

/// Where a decision's publication stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PubStatus {
    /// Decided, to be published by `due`.
    Due,
    /// Published (公示中).
    Published,
    /// Not published, for a reason recorded.
    Withheld,
    /// Published and overturned: to be withdrawn by `due`.
    WithdrawDue,
    /// Withdrawn, with the reason made public.
    Withdrawn,
    /// Overturned before it was published: nothing to publish.
    Overturned,
}

impl PubStatus {
    /// Every status, in the page's order.
    pub const ALL: [PubStatus; 6] = [
        PubStatus::WithdrawDue,
        PubStatus::Due,
        PubStatus::Published,
        PubStatus::Withdrawn,
        PubStatus::Withheld,
        PubStatus::Overturned,
    ];

    /// As stored.
    pub fn code(self) -> &'static str {
        match self {
            PubStatus::Due => "due",
            PubStatus::Published => "published",
            PubStatus::Withheld => "withheld",
            PubStatus::WithdrawDue => "withdraw_due",
            PubStatus::Withdrawn => "withdrawn",
            PubStatus::Overturned => "overturned",
        }
    }

    /// From the stored code.
    pub fn parse(code: &str) -> Option<PubStatus> {
        PubStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// In Chinese and English.
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            PubStatus::Due => ("待公示", "to publish"),
            PubStatus::Published => ("公示中", "published"),
            PubStatus::Withheld => ("不予公示", "not published"),
            PubStatus::WithdrawDue => ("待撤回", "to withdraw"),
            PubStatus::Withdrawn => ("已撤回", "withdrawn"),
            PubStatus::Overturned => (
                "决定已变更或撤销（未公示）",
                "overturned before publication",
            ),
        }
    }
}

/// A case's publication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PubRow {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// The day of the decision.
    pub decided_on: NaiveDate,
    /// Where it stands.
    pub status: PubStatus,
    /// The last day to publish or withdraw, when one runs and the calendar
    /// holds it.
    pub due: Option<NaiveDate>,
    /// The day published.
    pub published_on: Option<NaiveDate>,
    /// The day withdrawn.
    pub withdrawn_on: Option<NaiveDate>,
    /// The signed entry (JSON), when published.
    pub entry: String,
    /// Why withheld or withdrawn.
    pub note: String,
}

/// The publications' storage.
pub trait PublicationStore {
    /// Replaces the case's row (`None`: the case has none).
    fn set_publication(&self, case_id: &Uuid, row: Option<&PubRow>) -> Result<(), StoreError>;
    /// The rows with `status`, by decision day then 案号, `limit` from
    /// `offset`.
    fn publications(
        &self,
        status: PubStatus,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<PubRow>, StoreError>;
    /// How many rows each status has.
    fn publication_counts(&self) -> Result<Vec<(PubStatus, u64)>, StoreError>;
}

/// A stored row back (days as `YYYY-MM-DD`, empty when none).
pub(super) fn row_of(case_id: &str, text: [String; 8]) -> Result<PubRow, StoreError> {
    let [case_no, decided_on, status, due, published_on, withdrawn_on, entry, note] = text;
    let bad = |e: String| StoreError::Other(e.into());
    let day = |s: &str| -> Result<Option<NaiveDate>, StoreError> {
        if s.is_empty() {
            Ok(None)
        } else {
            s.parse()
                .map(Some)
                .map_err(|e| bad(format!("publication day {s}: {e}")))
        }
    };
    Ok(PubRow {
        case_id: case_id
            .parse()
            .map_err(|e| bad(format!("case id {case_id}: {e}")))?,
        case_no,
        decided_on: day(&decided_on)?.ok_or_else(|| bad("publication without a day".into()))?,
        status: PubStatus::parse(&status).ok_or_else(|| bad(format!("status {status}")))?,
        due: day(&due)?,
        published_on: day(&published_on)?,
        withdrawn_on: day(&withdrawn_on)?,
        entry,
        note,
    })
}

/// The row's columns as stored, after the case id.
pub(super) fn columns(r: &PubRow) -> [String; 8] {
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    [
        r.case_no.clone(),
        r.decided_on.to_string(),
        r.status.code().to_owned(),
        day(r.due),
        day(r.published_on),
        day(r.withdrawn_on),
        r.entry.clone(),
        r.note.clone(),
    ]
}
