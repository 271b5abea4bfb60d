//! The publication rules file (`assets/publication/rules.json`).

use serde::{Deserialize, Serialize};

use crate::catalog::Citation;
use crate::procedure::Track;

/// `format` of the file.
pub const PUBLICATION_FORMAT: &str = "fieldcase-publication/1";

const SHIPPED: &str = include_str!("../../../assets/publication/rules.json");

/// Why a decision is not published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithholdReason {
    /// The party is under 18 (found from the ID number; never chosen).
    Minor,
    /// 国家秘密.
    StateSecret,
    /// 商业秘密.
    CommercialSecret,
    /// 个人隐私.
    Privacy,
}

impl WithholdReason {
    /// Every reason, in the file's order.
    pub const ALL: [WithholdReason; 4] = [
        WithholdReason::Minor,
        WithholdReason::StateSecret,
        WithholdReason::CommercialSecret,
        WithholdReason::Privacy,
    ];

    /// Its id in files and forms.
    pub fn id(self) -> &'static str {
        match self {
            WithholdReason::Minor => "minor",
            WithholdReason::StateSecret => "state_secret",
            WithholdReason::CommercialSecret => "commercial_secret",
            WithholdReason::Privacy => "privacy",
        }
    }

    /// The reason with the id `id`.
    pub fn parse(id: &str) -> Option<WithholdReason> {
        WithholdReason::ALL.into_iter().find(|r| r.id() == id)
    }
}

/// A reason as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withheld {
    /// Which.
    pub id: WithholdReason,
    /// In Chinese.
    pub name: String,
    /// In English.
    pub name_en: String,
    /// The provision.
    pub basis: Citation,
}

/// How a natural person's details are masked.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskRules {
    /// Characters of an ID number left at the start.
    pub id_keep_start: usize,
    /// And at the end.
    pub id_keep_end: usize,
    /// Digits of a phone number left at the start.
    pub phone_keep_start: usize,
    /// And at the end.
    pub phone_keep_end: usize,
    /// Digits of a bank account left at the end.
    pub account_keep_end: usize,
    /// Characters of another person's name left (the surname).
    pub name_keep_start: usize,
    /// What an address is replaced with.
    pub address: String,
    /// Words after which a name follows (证人, 乘客…).
    pub name_markers: Vec<String>,
    #[allow(dead_code)]
    note: String,
}

/// A column of the export.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The entry's field (`party_name`…).
    pub key: String,
    /// The national format's column name.
    pub header: String,
    /// In English.
    pub header_en: String,
}

/// The loaded rules.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationRules {
    format: String,
    #[allow(dead_code)]
    about: String,
    /// The procedures whose decisions are published.
    pub tracks: Vec<Track>,
    #[allow(dead_code)]
    tracks_note: String,
    /// Months from the decision to 公示截止期.
    pub period_months: u32,
    #[allow(dead_code)]
    period_note: String,
    /// When a decision is not published.
    pub withheld: Vec<Withheld>,
    /// Masking.
    pub mask: MaskRules,
    /// The export's columns, in order.
    pub fields: Vec<Column>,
}

/// A rules file that does not load.
pub type RulesError = crate::datafile::DataFileError;

impl PublicationRules {
    /// The shipped rules.
    pub fn shipped() -> Result<PublicationRules, RulesError> {
        PublicationRules::parse(SHIPPED, "assets/publication/rules.json")
    }

    /// Parses and validates a file: every withholding reason once with
    /// its provision, a period of 1–60 months, masks that hide something,
    /// and exactly the entry's fields as columns, once each.
    pub fn parse(text: &str, file: &str) -> Result<PublicationRules, RulesError> {
        let err = |entry: &str, message: String| RulesError::new(file, entry, message);
        let r: PublicationRules = serde_json::from_str(text)
            .map_err(|e| err("(file)", format!("not publication rules: {e}")))?;
        if r.format != PUBLICATION_FORMAT {
            return Err(err("(file)", format!("expected {PUBLICATION_FORMAT}")));
        }
        if r.tracks.is_empty() {
            return Err(err("tracks", "names at least one procedure".into()));
        }
        if !(1..=60).contains(&r.period_months) {
            return Err(err("period_months", "is 1–60 months".into()));
        }
        let ids: Vec<WithholdReason> = r.withheld.iter().map(|w| w.id).collect();
        if ids != WithholdReason::ALL {
            return Err(err(
                "withheld",
                "lists minor, state_secret, commercial_secret, privacy, once each, in that order"
                    .into(),
            ));
        }
        for w in &r.withheld {
            if w.name.trim().is_empty() || w.name_en.trim().is_empty() {
                return Err(err(w.id.id(), "needs its name in both languages".into()));
            }
            if let Some(problem) = w.basis.problem() {
                return Err(err(w.id.id(), format!("basis: {problem}")));
            }
        }
        let m = &r.mask;
        if m.id_keep_start + m.id_keep_end > 10
            || m.phone_keep_start + m.phone_keep_end > 6
            || m.account_keep_end > 6
            || m.name_keep_start > 1
        {
            return Err(err(
                "mask",
                "leaves too much visible (ID ≤ 10 characters, phone ≤ 6 digits, account ≤ 6, name ≤ 1)".into(),
            ));
        }
        if m.address.trim().is_empty() || m.name_markers.iter().any(|n| n.trim().is_empty()) {
            return Err(err(
                "mask",
                "address placeholder and markers are non-empty".into(),
            ));
        }
        let keys: Vec<&str> = r.fields.iter().map(|c| c.key.as_str()).collect();
        if keys != crate::publication::entry::KEYS {
            return Err(err(
                "fields",
                format!(
                    "lists the entry's fields once each, in order: {}",
                    crate::publication::entry::KEYS.join(", ")
                ),
            ));
        }
        if r.fields
            .iter()
            .any(|c| c.header.trim().is_empty() || c.header_en.trim().is_empty())
        {
            return Err(err(
                "fields",
                "every column has a header in both languages".into(),
            ));
        }
        Ok(r)
    }

    /// The file's entry for `reason`.
    pub fn reason(&self, reason: WithholdReason) -> &Withheld {
        self.withheld
            .iter()
            .find(|w| w.id == reason)
            .expect("validated: every reason is listed")
    }
}
