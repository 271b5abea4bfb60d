//! A check in progress, as typed: every field the screens edit, with the
//! choices as types. Saved as JSON in the `drafts` table on every change;
//! a value an older version saved that no longer parses is dropped (that
//! field is asked again), never the whole draft.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use fieldcase_shared::check::{ItemResult, Location};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::model::OfficerPair;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

/// Who the party is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A natural person (身份证号).
    #[default]
    Person,
    /// An organisation (统一社会信用代码).
    Organisation,
}

/// What the check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 未发现违法行为.
    NoViolation,
    /// 发现违法行为.
    Violation,
}

impl Outcome {
    /// The tag recorded in the findings.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NoViolation => "no_violation",
            Outcome::Violation => "violation",
        }
    }
}

/// The kind of penalty chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PenaltyKind {
    /// 罚款.
    #[default]
    Fine,
    /// 警告.
    Warning,
}

/// Who signs the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signer {
    /// 当事人.
    Party,
    /// 主办执法人员.
    OfficerA,
    /// 协办执法人员.
    OfficerB,
}

impl Signer {
    /// Every signer, in the order they sign.
    pub const ALL: [Signer; 3] = [Signer::Party, Signer::OfficerA, Signer::OfficerB];

    /// The role tag (`party`, `officer_a`, `officer_b`).
    pub fn role(self) -> &'static str {
        match self {
            Signer::Party => "party",
            Signer::OfficerA => "officer_a",
            Signer::OfficerB => "officer_b",
        }
    }

    /// Parses a role tag.
    pub fn parse(s: &str) -> Option<Signer> {
        Signer::ALL.into_iter().find(|r| r.role() == s)
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Signer::Party => "当事人",
            Signer::OfficerA => "主办执法人员",
            Signer::OfficerB => "协办执法人员",
        }
    }

    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            Signer::Party => "Party",
            Signer::OfficerA => "Lead officer",
            Signer::OfficerB => "Second officer",
        }
    }
}

/// A check in progress: what the officers typed, as typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    /// Draft id.
    pub id: Uuid,
    /// Officers' 执法证号.
    pub officers: Vec<String>,
    /// When the draft was started: the time of the check.
    pub started_at: DateTime<FixedOffset>,
    /// Step shown.
    pub step: usize,
    /// Plate.
    pub plate: String,
    /// Vehicle type code.
    pub vehicle_kind: String,
    /// 道路运输证号 / 车辆营运证号.
    pub transport_cert: String,
    /// Person or organisation.
    #[serde(deserialize_with = "or_default")]
    pub party_kind: PartyKind,
    /// Person: 身份证号 (also the driving-licence number).
    pub id_number: String,
    /// Person's name, or organisation's name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// 从业资格证号.
    pub qualification: String,
    /// Organisation: 统一社会信用代码.
    pub uscc: String,
    /// Organisation: legal representative.
    pub legal_rep: String,
    /// Typed place.
    pub place: String,
    /// Position from gpsd, when one was taken.
    #[serde(deserialize_with = "or_default")]
    pub location: Option<Location>,
    /// The case, once opened.
    #[serde(deserialize_with = "or_default")]
    pub case_id: Option<Uuid>,
    /// 案号, once opened.
    pub case_no: Option<String>,
    /// Checklist item id → answer.
    #[serde(deserialize_with = "lenient_map")]
    pub checklist: BTreeMap<String, ItemResult>,
    /// What the check found (None until chosen).
    #[serde(deserialize_with = "or_default")]
    pub outcome: Option<Outcome>,
    /// Catalogue code.
    pub violation: String,
    /// Discretion grade.
    pub grade: String,
    /// Fine or warning.
    #[serde(deserialize_with = "or_default")]
    pub penalty: PenaltyKind,
    /// Fine as typed (yuan).
    pub amount: String,
    /// Illegal gains as typed (yuan), for entries that fine by them.
    pub gains: String,
    /// Kilograms over the limit as typed, for entries that fine by the excess.
    pub excess_kg: String,
    /// Answers to the no-penalty conditions (None: not answered).
    #[serde(deserialize_with = "answers")]
    pub no_penalty: Vec<Option<bool>>,
    /// 陈述申辩.
    pub statement: String,
    /// Signer → SHA-256 of the signature image.
    #[serde(deserialize_with = "lenient_map")]
    pub signatures: BTreeMap<Signer, Digest>,
    /// 当事人拒绝签字.
    pub party_refused: bool,
    /// Witness of a refusal: name.
    pub witness_name: String,
    /// Witness of a refusal: ID.
    pub witness_id: String,
    /// The day the violation occurred or, if it continued, ended, as typed
    /// (`YYYY-MM-DD`; empty: the day of the check).
    pub violation_ended: String,
    /// The violation concerns life, health or safety with harmful
    /// consequences: five years of limitation (行政处罚法 art. 36).
    pub life_or_health: bool,
    /// Items of `assets/procedure/told.json` the officers confirmed.
    pub told: std::collections::BTreeSet<String>,
    /// Compulsory measures the officers took (among those the entry's
    /// article allows; 行政强制法 art. 18, 24).
    pub measures: std::collections::BTreeSet<fieldcase_shared::catalog::MeasureKind>,
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            id: Uuid::nil(),
            officers: Vec::new(),
            started_at: DateTime::UNIX_EPOCH.fixed_offset(),
            step: 0,
            plate: String::new(),
            vehicle_kind: String::new(),
            transport_cert: String::new(),
            party_kind: PartyKind::Person,
            id_number: String::new(),
            name: String::new(),
            phone: String::new(),
            qualification: String::new(),
            uscc: String::new(),
            legal_rep: String::new(),
            place: String::new(),
            location: None,
            case_id: None,
            case_no: None,
            checklist: BTreeMap::new(),
            outcome: None,
            violation: String::new(),
            grade: String::new(),
            penalty: PenaltyKind::Fine,
            amount: String::new(),
            gains: String::new(),
            excess_kg: String::new(),
            no_penalty: Vec::new(),
            statement: String::new(),
            signatures: BTreeMap::new(),
            party_refused: false,
            witness_name: String::new(),
            witness_id: String::new(),
            violation_ended: String::new(),
            life_or_health: false,
            told: std::collections::BTreeSet::new(),
            measures: std::collections::BTreeSet::new(),
        }
    }
}

/// A value that does not parse (e.g. an older version's `""`) is the default.
fn or_default<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(
    d: D,
) -> Result<T, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(v).unwrap_or_default())
}

/// Entries whose key or value does not parse are dropped.
fn lenient_map<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: DeserializeOwned + Ord,
    V: DeserializeOwned,
{
    let m = BTreeMap::<String, serde_json::Value>::deserialize(d)?;
    Ok(m.into_iter()
        .filter_map(|(k, v)| {
            let k = serde_json::from_value(serde_json::Value::String(k)).ok()?;
            Some((k, serde_json::from_value(v).ok()?))
        })
        .collect())
}

/// Answers as `true`/`false`/`null`; an older version's `"yes"`/`"no"`/`""` too.
fn answers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Option<bool>>, D::Error> {
    let v = Vec::<serde_json::Value>::deserialize(d)?;
    Ok(v.into_iter()
        .map(|a| match a {
            serde_json::Value::Bool(b) => Some(b),
            serde_json::Value::String(s) if s == "yes" => Some(true),
            serde_json::Value::String(s) if s == "no" => Some(false),
            _ => None,
        })
        .collect())
}

impl Draft {
    /// A new draft for the officer pair.
    pub fn new(officers: &OfficerPair, now: DateTime<FixedOffset>) -> Self {
        Draft {
            id: Uuid::now_v7(),
            officers: officers.cert_nos(),
            started_at: now,
            ..Draft::default()
        }
    }

    /// True for an organisation party.
    pub fn organisation(&self) -> bool {
        self.party_kind == PartyKind::Organisation
    }

    /// True once the case is opened (steps before the checklist are signed).
    pub fn opened(&self) -> bool {
        self.case_id.is_some()
    }

    /// True when the check found a violation.
    pub fn violation_found(&self) -> bool {
        self.outcome == Some(Outcome::Violation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_drafts_strings_still_load() {
        let old = r#"{"id":"0190a0a0-0000-7000-8000-000000000001","officers":["65010023","65010031"],
            "started_at":"2026-11-30T10:00:00+08:00","step":4,"plate":"新A12345","party_kind":"person",
            "outcome":"","penalty":"fine","no_penalty":["yes","","no"],
            "checklist":{"a":"ok","b":"bogus"},"signatures":{"party":"zz"}}"#;
        let d: Draft = serde_json::from_str(old).unwrap();
        assert_eq!(d.plate, "新A12345");
        assert_eq!(d.outcome, None);
        assert_eq!(d.no_penalty, [Some(true), None, Some(false)]);
        assert_eq!(
            d.checklist.len(),
            1,
            "the unparseable answer is asked again"
        );
        assert!(d.signatures.is_empty());
        let back: Draft = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }
}
