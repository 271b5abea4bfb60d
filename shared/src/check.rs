//! The roadside check (路检路查) beyond its opening: where the position came
//! from, the checklist per vehicle type (law as data,
//! `assets/checklists.json`), the findings signed when a case is closed,
//! and corrections of closed cases.
//!
//! Field names are part of the record format: do not rename them.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hash::Digest;

/// `format` of a checklist file.
pub const CHECKLIST_FORMAT: &str = "fieldcase-checklists/1";

/// Where the check's position and time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    /// A fix from gpsd (the terminal's GNSS receiver).
    Gpsd,
    /// Typed by the officers; time from the device clock.
    Typed,
}

/// Position of the check, with its source and accuracy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Source.
    pub source: LocationSource,
    /// Latitude, WGS 84 degrees (gpsd only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude, WGS 84 degrees (gpsd only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Estimated horizontal error in metres (gpsd only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
    /// Time of the fix (gpsd only; GNSS time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix_time: Option<DateTime<FixedOffset>>,
}

impl Eq for Location {}

/// What an officer found for one checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemResult {
    /// 合格.
    Ok,
    /// 不合格 / 有问题.
    Problem,
    /// 不适用.
    NotApplicable,
}

impl ItemResult {
    /// Parses `ok`, `problem`, `not_applicable`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(ItemResult::Ok),
            "problem" => Some(ItemResult::Problem),
            "not_applicable" => Some(ItemResult::NotApplicable),
            _ => None,
        }
    }

    /// The tag.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemResult::Ok => "ok",
            ItemResult::Problem => "problem",
            ItemResult::NotApplicable => "not_applicable",
        }
    }
}

/// One answered checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistAnswer {
    /// Item id from the checklist file.
    pub item: String,
    /// The item's text as shown (Chinese), so the record reads alone.
    pub text: String,
    /// The finding.
    pub result: ItemResult,
}

/// The penalty decided for a violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Catalogue code.
    pub code: String,
    /// Title (Chinese).
    pub title: String,
    /// Legal basis.
    pub basis: String,
    /// Discretion grade chosen (轻微, 一般…).
    pub grade: String,
    /// `warning`, `fine` or `none` (no penalty under the no-penalty list).
    pub penalty: String,
    /// Fine in yuan (0 unless `penalty` is `fine`).
    #[serde(default)]
    pub amount_yuan: u64,
    /// `simple` (当场处罚) or `general` (a general-procedure case follows).
    pub procedure: String,
    /// Answers to the no-penalty conditions, when the entry is on the list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub no_penalty_answers: Vec<bool>,
    /// Illegal gains established (yuan), for entries that fine by them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gains_yuan: Option<u64>,
    /// Kilograms over the limit, for entries that fine by the excess.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excess_kg: Option<u64>,
    /// Other sanctions that are part of the decision (没收违法所得…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sanctions: Vec<crate::catalog::SanctionKind>,
    /// Orders made with it (责令改正…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<crate::catalog::Order>,
    /// Compulsory measures taken at the check (扣留车辆, 强制拖离), each one
    /// the article allows (行政强制法 art. 18, 24).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<crate::catalog::MeasureKind>,
    /// The party has the right to a hearing (行政处罚法 art. 63).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hearing_right: bool,
    /// 法制审核 is needed before the decision (行政处罚法 art. 58).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legal_review: bool,
    /// The day the violation occurred or ended, from which the limitation
    /// period runs (行政处罚法 art. 36); not the time of the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<chrono::NaiveDate>,
    /// The violation concerns citizens' life, health or safety, or
    /// financial security, and had harmful consequences: the limitation
    /// period is five years, not two (行政处罚法 art. 36 para. 1).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub life_or_health: bool,
}

/// Someone present who saw the party refuse to sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness {
    /// Name.
    pub name: String,
    /// ID number or other identification.
    pub id: String,
}

/// One signature on the check: its image (stored as evidence), or the
/// party's refusal with a witness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// `party`, `officer_a` or `officer_b`.
    pub role: String,
    /// SHA-256 of the signature PNG (an evidence item of the case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Digest>,
    /// 当事人拒绝签字.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refused: bool,
    /// The witness of a refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
}

/// What the check found, signed in the `case_closed` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Findings {
    /// Vehicle type code the checklist was taken from.
    pub vehicle_kind: String,
    /// Every checklist item with its finding.
    pub checklist: Vec<ChecklistAnswer>,
    /// `no_violation` or `violation`.
    pub outcome: String,
    /// The decision, when a violation was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// The party's statement (陈述申辩), as written down.
    #[serde(default)]
    pub statement: String,
    /// Signatures (party, both officers).
    #[serde(default)]
    pub signatures: Vec<Signature>,
    /// What the officers confirmed they did in person: credentials shown,
    /// facts and rights told (`assets/procedure/told.json`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub told: Vec<crate::procedure::ToldAnswer>,
}

/// Body of a `case_corrected` record: a correction of a closed case. It
/// does not change the old record (nothing signed changes); it supersedes
/// one field of it, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseCorrected {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// Seq of the record corrected.
    pub supersedes_seq: u64,
    /// Digest of the record corrected.
    pub supersedes: Digest,
    /// Which field (e.g. `party.name`, `place`).
    pub field: String,
    /// The value it had.
    pub old: String,
    /// The value it should have had.
    pub new: String,
    /// Why (required).
    pub reason: String,
    /// The back office's return (`review_recorded`, step `return`) this
    /// correction answers, when it answers one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<crate::hash::Digest>,
}

/// One item to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    /// Stable id.
    pub id: String,
    /// Text (Chinese).
    pub zh: String,
    /// Text (English).
    pub en: String,
    /// Legal basis of the requirement.
    pub basis: String,
}

/// A vehicle type with its checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VehicleType {
    /// Stable code.
    pub code: String,
    /// Name (Chinese).
    pub zh: String,
    /// Name (English).
    pub en: String,
    /// A 道路运输证 / 车辆营运证 is required for this type.
    pub transport_cert: bool,
    /// Items to check.
    pub items: Vec<ChecklistItem>,
}

/// The checklists file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklists {
    /// [`CHECKLIST_FORMAT`].
    pub format: String,
    /// What the file is.
    pub about: String,
    /// Vehicle types.
    pub vehicle_types: Vec<VehicleType>,
}

/// A checklist file that cannot be used: which file, which entry, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {entry}: {message}")]
pub struct ChecklistError {
    /// File.
    pub file: String,
    /// Vehicle type or item, or `(file)`.
    pub entry: String,
    /// What is wrong.
    pub message: String,
}

impl Checklists {
    /// Parses and validates a checklists file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, ChecklistError> {
        let err = |entry: &str, message: String| ChecklistError {
            file: file.to_owned(),
            entry: entry.to_owned(),
            message,
        };
        let c: Checklists =
            serde_json::from_str(text).map_err(|e| err("(file)", format!("not valid: {e}")))?;
        if c.format != CHECKLIST_FORMAT {
            return Err(err(
                "(file)",
                format!("format is {:?}, expected {CHECKLIST_FORMAT:?}", c.format),
            ));
        }
        if c.vehicle_types.is_empty() {
            return Err(err("(file)", "no vehicle types".into()));
        }
        let mut codes = std::collections::BTreeSet::new();
        for t in &c.vehicle_types {
            if t.code.is_empty() || !codes.insert(t.code.as_str()) {
                return Err(err(&t.code, "code empty or used twice".into()));
            }
            if t.zh.trim().is_empty() || t.en.trim().is_empty() {
                return Err(err(&t.code, "zh and en names are required".into()));
            }
            if t.items.is_empty() {
                return Err(err(&t.code, "no checklist items".into()));
            }
            let mut ids = std::collections::BTreeSet::new();
            for i in &t.items {
                let at = format!("{}/{}", t.code, i.id);
                if i.id.is_empty() || !ids.insert(i.id.as_str()) {
                    return Err(err(&at, "item id empty or used twice".into()));
                }
                if i.zh.trim().is_empty() || i.en.trim().is_empty() {
                    return Err(err(&at, "zh and en texts are required".into()));
                }
                if !i.basis.contains('《') {
                    return Err(err(
                        &at,
                        "basis must cite a law or rule by its title in 《》".into(),
                    ));
                }
            }
        }
        Ok(c)
    }

    /// A vehicle type by code.
    pub fn get(&self, code: &str) -> Option<&VehicleType> {
        self.vehicle_types.iter().find(|t| t.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"format":"fieldcase-checklists/1","about":"t","vehicle_types":[
        {"code":"truck","zh":"货车","en":"Truck","transport_cert":true,"items":[
          {"id":"cert","zh":"道路运输证","en":"Transport certificate","basis":"《道路运输条例》第三十三条"}]}]}"#;

    #[test]
    fn loads_and_refuses_bad_entries_by_name() {
        let c = Checklists::parse(GOOD, "x.json").unwrap();
        assert_eq!(c.get("truck").unwrap().items.len(), 1);
        let bad = GOOD.replace("《道路运输条例》第三十三条", "somewhere");
        let e = Checklists::parse(&bad, "x.json").unwrap_err();
        assert_eq!(e.entry, "truck/cert");
        assert!(e.to_string().starts_with("x.json: truck/cert:"), "{e}");
        let twice = GOOD.replace(
            r#"}]}]}"#,
            r#"},{"id":"cert","zh":"a","en":"b","basis":"《x》"}]}]}"#,
        );
        assert_eq!(
            Checklists::parse(&twice, "x.json").unwrap_err().entry,
            "truck/cert"
        );
        let e = Checklists::parse("{", "x.json").unwrap_err();
        assert_eq!(e.entry, "(file)");
    }

    #[test]
    fn findings_round_trip_and_omit_empty_fields() {
        let f = Findings {
            vehicle_kind: "truck".into(),
            checklist: vec![ChecklistAnswer {
                item: "cert".into(),
                text: "道路运输证".into(),
                result: ItemResult::Problem,
            }],
            outcome: "no_violation".into(),
            decision: None,
            statement: String::new(),
            told: vec![],
            signatures: vec![Signature {
                role: "party".into(),
                image: None,
                refused: true,
                witness: Some(Witness {
                    name: "李四".into(),
                    id: "x".into(),
                }),
            }],
        };
        let j = serde_json::to_string(&f).unwrap();
        assert!(!j.contains("decision"), "{j}");
        assert!(j.contains(r#""result":"problem""#), "{j}");
        assert_eq!(serde_json::from_str::<Findings>(&j).unwrap(), f);
    }
}
