//! The roadside check as a step-by-step draft: every field is saved to the
//! local database as it is typed; the case is opened (numbered and signed)
//! when the officers leave the time-and-place step, evidence is signed as
//! it is imported, and closing signs the findings.

use fieldcase_shared::catalog::Catalog;
use fieldcase_shared::check::Checklists;

mod draft;
mod edit;
mod findings;
mod flow;
mod rules;

pub use draft::{Draft, Outcome, PartyKind, PenaltyKind, Signer};
pub use edit::{Edit, Field};
pub use findings::{penalty_text, procedure_text, violation_text};
pub use flow::{Drafts, StepError};
pub use rules::FieldError;

/// The catalogue shipped with the app (`assets/catalog/violations.json`).
const CATALOG: &str = include_str!("../../../assets/catalog/violations.json");
/// The checklists shipped with the app (`assets/checklists/checklists.json`).
const CHECKLISTS: &str = include_str!("../../../assets/checklists/checklists.json");

/// The steps of a check, in order: (Chinese, English) titles.
pub const STEPS: [(&str, &str); 9] = [
    ("车辆", "Vehicle"),
    ("当事人", "Party"),
    ("时间地点", "Time and place"),
    ("检查项目", "Checklist"),
    ("检查结论", "Outcome"),
    ("违法与处罚", "Violation and penalty"),
    ("证据", "Evidence"),
    ("陈述与签名", "Statement, signing"),
    ("核对结案", "Review and close"),
];
/// Step numbers.
pub mod step {
    /// Vehicle.
    pub const VEHICLE: usize = 0;
    /// Party.
    pub const PARTY: usize = 1;
    /// Time and place (leaving it opens the case).
    pub const PLACE: usize = 2;
    /// Checklist.
    pub const CHECKLIST: usize = 3;
    /// Outcome.
    pub const OUTCOME: usize = 4;
    /// Violation and penalty (only with a violation).
    pub const VIOLATION: usize = 5;
    /// Evidence.
    pub const EVIDENCE: usize = 6;
    /// Statement and signatures.
    pub const STATEMENT: usize = 7;
    /// Review and close.
    pub const REVIEW: usize = 8;
}

/// The law as data, loaded and validated.
#[derive(Debug, Clone)]
pub struct Assets {
    /// Violations.
    pub catalog: Catalog,
    /// Checklists per vehicle type.
    pub checklists: Checklists,
    /// What the officers must do in person and confirm.
    pub told: fieldcase_shared::procedure::Told,
}

impl Assets {
    /// The files shipped with the app, validated (errors name file and entry).
    pub fn embedded() -> Result<Self, String> {
        Ok(Assets {
            catalog: Catalog::parse(CATALOG, "assets/catalog/violations.json")
                .map_err(|e| e.to_string())?,
            checklists: Checklists::parse(CHECKLISTS, "assets/checklists/checklists.json")
                .map_err(|e| e.to_string())?,
            told: fieldcase_shared::procedure::Told::shipped().map_err(|e| e.to_string())?,
        })
    }
}

#[cfg(test)]
mod tests;
