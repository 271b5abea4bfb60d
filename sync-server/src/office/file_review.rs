//! 案卷评查 at the bureau: a case's file checked by the shared
//! pre-review (`fieldcase_shared::file_review`) with what only the server
//! knows — which records' signatures fail and which evidence files are
//! not held — for the case page and, stored, for the bureau-wide report.

use std::sync::OnceLock;

use chrono::NaiveDate;
use fieldcase_shared::calendar::{Calendar, Region};
use fieldcase_shared::catalog::Catalog;
use fieldcase_shared::file_review::{review, CaseFile, Finding, ReviewRules};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::procedure::{Deadlines, Replay};
use fieldcase_shared::record::{RecordBody, RecordPayload};

use crate::store::findings::FindingRow;
use crate::store::office::CaseRow;
use crate::store::{Store, StoreError};

/// The shipped rule list (validated by the tests).
pub fn rules() -> &'static ReviewRules {
    static RULES: OnceLock<ReviewRules> = OnceLock::new();
    RULES.get_or_init(|| ReviewRules::shipped().expect("assets/review/case_file.json"))
}

/// The violation catalogue the tiers come from.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        Catalog::parse(
            include_str!("../../../assets/catalog/violations.json"),
            "assets/catalog/violations.json",
        )
        .expect("assets/catalog/violations.json")
    })
}

/// Today in Beijing.
pub fn today() -> NaiveDate {
    let bj = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    chrono::Utc::now().with_timezone(&bj).date_naive()
}

/// The findings of a case: `held` its verified records, `unverified` a
/// line for each record whose signature fails, `replayed` the procedure
/// they tell.
pub fn findings(
    store: &dyn Store,
    (held, unverified): (&[(Digest, RecordPayload)], Vec<String>),
    replayed: &Replay,
    region: Region,
    today: NaiveDate,
) -> Result<Vec<Finding>, StoreError> {
    let mut missing_evidence = Vec::new();
    for (_, p) in held {
        if let RecordBody::EvidenceAdded(e) = &p.body {
            if store.blob(&e.sha256)?.is_none() {
                missing_evidence.push(e.sha256);
            }
        }
    }
    let deadlines = Deadlines::shipped().map_err(|e| StoreError::Other(Box::new(e)))?;
    Ok(review(
        rules(),
        &CaseFile {
            records: held,
            replay: replayed,
            unverified,
            missing_evidence,
            catalog: catalog(),
            calendar: Calendar::builtin(),
            deadlines: &deadlines,
            region,
            today,
        },
    ))
}

/// The findings as stored.
pub fn rows(row: &CaseRow, found: &[Finding]) -> Vec<FindingRow> {
    found
        .iter()
        .map(|f| FindingRow {
            case_id: row.case_id,
            case_no: row.case_no.clone(),
            rule: f.rule.id().to_owned(),
            detail: f.zh.clone(),
        })
        .collect()
}
