//! The violation catalogue (law as data, `assets/catalog/violations.json`,
//! format `fieldcase-catalog/2`): each entry's provisions (条, 款, 项), the
//! parties it applies to, its statutory fine (a range, a serious branch,
//! multiples of illegal gains, or per tonne over the limit), the other
//! sanctions, orders and compulsory measures of its article, and the
//! agency's discretion tiers (裁量基准). Validated when loaded, with errors
//! naming the file and the entry. [`lawful`] computes what may be decided
//! for the facts of a case, and which procedure that needs; every screen
//! and command asks it.

mod citation;
pub mod lawful;
mod load;

use std::collections::BTreeMap;

use pinyin::ToPinyin;
use serde::{Deserialize, Serialize};

pub use citation::{numeral, Citation, PLACEHOLDERS};
pub use lawful::{
    AmountError, Facts, Lawful, LawfulFine, Penalty, Procedure, ProcedureNeeds, Reason,
};

/// `format` of a catalogue file.
pub const CATALOG_FORMAT: &str = "fieldcase-catalog/2";
/// Discretion grades, least to most serious.
pub const GRADES: &[&str] = &["轻微", "一般", "较重", "严重", "特别严重"];

/// An amount range in yuan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// Lowest.
    pub min: u64,
    /// Highest.
    pub max: u64,
}

impl Range {
    /// Whether `n` is inside.
    pub fn contains(&self, n: u64) -> bool {
        (self.min..=self.max).contains(&n)
    }
}

/// Fines as multiples of illegal gains above a threshold (道路运输条例
/// art. 63: gains over the threshold are confiscated and fined 1–5× or
/// 2–10×; below it the fixed range applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GainsRule {
    /// Gains above this (yuan) switch to multiples.
    pub threshold: u64,
    /// Lowest multiple.
    pub multiple_min: u64,
    /// Highest multiple.
    pub multiple_max: u64,
}
/// Fines per unit of excess (overweight vehicles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerExcess {
    /// Unit in kilograms.
    pub unit_kg: u64,
    /// Yuan per started unit.
    pub yuan_per_unit: u64,
    /// Up to this excess a warning only.
    pub warning_up_to_kg: u64,
    /// Cap.
    pub max: u64,
}

/// A discretion tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// One of [`GRADES`].
    pub grade: String,
    /// The grade in English (one English name per grade across the file).
    pub grade_en: String,
    /// Lowest fine.
    pub min: u64,
    /// Highest fine.
    pub max: u64,
    /// A warning instead of a fine.
    #[serde(default)]
    pub warning: bool,
    /// When this tier applies, for the officer.
    pub when: String,
    /// The same in English.
    pub when_en: String,
    /// The tier is the article's 情节严重 branch (its own fine range, or
    /// the revocation the article allows when serious).
    #[serde(default)]
    pub serious: bool,
    /// Key of the 裁量基准 in `discretion_sources` the tier comes from.
    pub source: String,
}

impl Tier {
    /// The grade's name, in English or Chinese.
    pub fn grade_in(&self, english: bool) -> &str {
        if english {
            &self.grade_en
        } else {
            &self.grade
        }
    }

    /// When the tier applies, in English or Chinese.
    pub fn when_in(&self, english: bool) -> &str {
        if english {
            &self.when_en
        } else {
            &self.when
        }
    }
}

/// An entry on the no-penalty list and the conditions that must all hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoPenalty {
    /// Conditions, each answered yes or no by the officer.
    pub conditions: Vec<String>,
    /// The same conditions in English, in the same order.
    pub conditions_en: Vec<String>,
}

/// Who the party is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A natural person.
    Person,
    /// An organisation (法人或者其他组织).
    Organisation,
}

impl PartyKind {
    /// 公民 / 法人或者其他组织.
    pub fn zh(self) -> &'static str {
        match self {
            PartyKind::Person => "公民",
            PartyKind::Organisation => "法人或者其他组织",
        }
    }
}

/// A sanction besides the fine or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SanctionKind {
    /// 没收违法所得 (a penalty, 行政处罚法 art. 9(3)).
    ConfiscateGains,
    /// 收缴有关证件 (the documents are taken back; not 没收).
    CollectDocuments,
    /// 吊销许可证件, by the original licensing authority.
    RevokeLicence,
}

impl SanctionKind {
    /// In Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            SanctionKind::ConfiscateGains => "没收违法所得",
            SanctionKind::CollectDocuments => "收缴有关证件",
            SanctionKind::RevokeLicence => "由原许可机关吊销许可证件",
        }
    }
    /// In English.
    pub fn en(self) -> &'static str {
        match self {
            SanctionKind::ConfiscateGains => "confiscation of illegal gains",
            SanctionKind::CollectDocuments => "the documents taken back",
            SanctionKind::RevokeLicence => "licence revoked by the issuing authority",
        }
    }
}

/// When a sanction applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Always.
    Always,
    /// When there are any illegal gains (有违法所得的).
    AnyGains,
    /// When the gains exceed the article's threshold.
    GainsOverThreshold,
    /// When the circumstances are serious (情节严重的).
    Serious,
}

/// A sanction and when it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sanction {
    /// What.
    pub kind: SanctionKind,
    /// When.
    pub when: When,
}

/// An order the article makes (not a penalty, 行政处罚法 art. 28).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// 责令改正.
    Correct,
    /// 责令停止经营.
    StopBusiness,
    /// 责令停止违法行为.
    StopViolation,
}

impl Order {
    /// In Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Order::Correct => "责令改正",
            Order::StopBusiness => "责令停止经营",
            Order::StopViolation => "责令停止违法行为",
        }
    }
    /// In English.
    pub fn en(self) -> &'static str {
        match self {
            Order::Correct => "ordered to correct",
            Order::StopBusiness => "ordered to stop operating",
            Order::StopViolation => "ordered to stop the violation",
        }
    }
}

/// A compulsory measure the article allows (行政强制法 art. 18, 24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// 强制拖离.
    TowAway,
    /// 扣留车辆.
    DetainVehicle,
}

impl MeasureKind {
    /// In Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            MeasureKind::TowAway => "强制拖离",
            MeasureKind::DetainVehicle => "扣留车辆",
        }
    }
    /// In English.
    pub fn en(self) -> &'static str {
        match self {
            MeasureKind::TowAway => "towing away",
            MeasureKind::DetainVehicle => "detaining the vehicle",
        }
    }
}

/// A compulsory measure and the provision allowing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// What.
    pub kind: MeasureKind,
    /// The provision.
    pub basis: Citation,
}

/// One violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Stable code.
    pub code: String,
    /// Short name.
    pub short: String,
    /// Short name in English (the English screens).
    pub short_en: String,
    /// Full description.
    pub title: String,
    /// Full description in English.
    pub title_en: String,
    /// Extra search words.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The penalty provisions, the main one first.
    pub basis: Vec<Citation>,
    /// Who can be the party.
    pub parties: Vec<PartyKind>,
    /// The fixed fine range (no gains, or gains up to the threshold).
    pub fine: Range,
    /// The fine range when the circumstances are serious (情节严重的).
    #[serde(default)]
    pub serious: Option<Range>,
    /// Gains-based fines, if any.
    #[serde(default)]
    pub gains: Option<GainsRule>,
    /// Per-excess fines, if any.
    #[serde(default)]
    pub per_excess: Option<PerExcess>,
    /// The provision allowing a warning, where one does.
    #[serde(default)]
    pub warning: Option<Citation>,
    /// Other sanctions.
    #[serde(default)]
    pub sanctions: Vec<Sanction>,
    /// Orders.
    #[serde(default)]
    pub orders: Vec<Order>,
    /// Compulsory measures allowed.
    #[serde(default)]
    pub measures: Vec<Measure>,
    /// On the 包容免罚 list (交法发〔2021〕115号), with its conditions.
    #[serde(default)]
    pub no_penalty: Option<NoPenalty>,
    /// A law or administrative regulation that punishes even without
    /// fault (行政处罚法 art. 33 para. 2, second sentence), if any.
    #[serde(default)]
    pub no_fault_excluded: Option<Citation>,
    /// Why the entry is not checked against a text we hold, if it is not.
    #[serde(default)]
    pub uncertain: Option<String>,
    /// Discretion tiers, least to most serious.
    pub tiers: Vec<Tier>,
    /// Pinyin initials of `short` (computed at load).
    #[serde(skip)]
    pub initials: String,
}

impl Entry {
    /// The short name, in English or Chinese.
    pub fn short_in(&self, english: bool) -> &str {
        if english {
            &self.short_en
        } else {
            &self.short
        }
    }

    /// The full description, in English or Chinese.
    pub fn title_in(&self, english: bool) -> &str {
        if english {
            &self.title_en
        } else {
            &self.title
        }
    }

    /// The penalty provisions as signed records carry them:
    /// 《…》第六十三条第（一）项；《…》第四十三条第（二）项.
    pub fn basis_text(&self) -> String {
        self.basis
            .iter()
            .map(Citation::text)
            .collect::<Vec<_>>()
            .join("；")
    }

    /// Whether the entry applies to this party.
    pub fn applies_to(&self, party: PartyKind) -> bool {
        self.parties.contains(&party)
    }

    /// The tier of a grade.
    pub fn tier(&self, grade: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.grade == grade)
    }

    /// True when the entry is on the no-penalty list and every condition holds.
    pub fn no_penalty_applies(&self, answers: &[bool]) -> bool {
        self.no_penalty
            .as_ref()
            .is_some_and(|np| answers.len() == np.conditions.len() && answers.iter().all(|a| *a))
    }
}

/// Thresholds of the simple procedure (行政处罚法 art. 51).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimpleProcedure {
    /// Highest fine on the spot for a person.
    pub person_max: u64,
    /// Highest fine on the spot for an organisation.
    pub organisation_max: u64,
    /// Legal basis.
    pub basis: Citation,
}

/// From which fine a hearing must be offered (行政处罚法 art. 63:
/// 较大数额罚款, the amount set by the province).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hearing {
    /// A person's fine from this amount.
    pub person_min: u64,
    /// An organisation's fine from this amount.
    pub organisation_min: u64,
    /// Legal basis.
    pub basis: Citation,
    /// Why the amounts are configuration, not law we hold.
    #[serde(default)]
    pub uncertain: Option<String>,
}

/// What needs 法制审核 before the decision (行政处罚法 art. 58; the
/// agency's list of major decisions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalReview {
    /// A person's fine from this amount.
    pub person_min: u64,
    /// An organisation's fine from this amount.
    pub organisation_min: u64,
    /// Every revocation.
    pub revocation: bool,
    /// Every case with a hearing right (art. 58 para. 1 item 2).
    pub hearing: bool,
    /// Legal basis.
    pub basis: Citation,
    /// Why the triggers are configuration.
    #[serde(default)]
    pub uncertain: Option<String>,
}

/// A ground of 行政处罚法 art. 33 for not punishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ground {
    /// 违法行为轻微并及时改正，没有造成危害后果 (不予).
    Minor,
    /// 初次违法且危害后果轻微并及时改正 (可以不予).
    FirstOffence,
    /// 当事人有证据足以证明没有主观过错 (不予, unless a law says otherwise).
    NoFault,
}

/// Whether a ground forbids the penalty or lets the officer decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// 不予行政处罚.
    MustNot,
    /// 可以不予行政处罚.
    MayNot,
}

/// One art. 33 ground with the conditions that must all hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Art33Ground {
    /// Which.
    pub ground: Ground,
    /// Its effect.
    pub effect: Effect,
    /// The provision.
    pub basis: Citation,
    /// Conditions, each answered yes or no.
    pub conditions: Vec<String>,
    /// The same in English.
    pub conditions_en: Vec<String>,
}

/// A 裁量基准 the tiers come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscretionSource {
    /// Its title (and 文号 once published).
    pub title: String,
    /// Published by the agency (行政处罚法 art. 34: the standard must be
    /// published); an unpublished baseline is shown as such.
    pub published: bool,
    /// A note for whoever maintains the file.
    #[serde(default)]
    pub note: String,
}

/// A loaded, validated catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// [`CATALOG_FORMAT`].
    pub format: String,
    /// What the file is.
    pub about: String,
    /// Simple-procedure thresholds.
    pub simple_procedure: SimpleProcedure,
    /// Hearing thresholds.
    pub hearing: Hearing,
    /// Legal-review triggers.
    pub legal_review: LegalReview,
    /// 行政处罚法 art. 33 grounds, for every entry.
    pub art33: Vec<Art33Ground>,
    /// The duty to educate a party not punished (art. 33 para. 3).
    pub education_basis: Citation,
    /// The 包容免罚 list the entries' `no_penalty` come from.
    pub no_penalty_list: String,
    /// The 裁量基准 the tiers cite, by key.
    pub discretion_sources: BTreeMap<String, DiscretionSource>,
    /// Entries.
    pub entries: Vec<Entry>,
}

/// A catalogue file that cannot be used: which file, which entry, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {entry}: {message}")]
pub struct CatalogError {
    /// File.
    pub file: String,
    /// Entry code (or position), or `(file)`.
    pub entry: String,
    /// What is wrong.
    pub message: String,
}

/// Pinyin initials of the Chinese characters in `text` (others kept as
/// lower-case ASCII letters and digits).
pub fn initials(text: &str) -> String {
    text.chars()
        .zip(text.to_pinyin())
        .filter_map(|(c, p)| match p {
            Some(p) => p.first_letter().chars().next(),
            None if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            None => None,
        })
        .collect()
}

impl Catalog {
    /// Entries matching `query`: Chinese text anywhere in the name, title or
    /// keywords, or pinyin initials (e.g. `ffyy` for 非法营运).
    pub fn search(&self, query: &str) -> Vec<&Entry> {
        let q = query.trim();
        if q.is_empty() {
            return self.entries.iter().collect();
        }
        let ascii = q.chars().all(|c| c.is_ascii_alphanumeric());
        let ql = q.to_ascii_lowercase();
        self.entries
            .iter()
            .filter(|e| {
                if ascii {
                    e.initials.contains(&ql)
                        || initials(&e.title).contains(&ql)
                        || e.code.to_ascii_lowercase().contains(&ql)
                } else {
                    e.short.contains(q)
                        || e.title.contains(q)
                        || e.keywords
                            .iter()
                            .any(|k| k.contains(q) || q.contains(k.as_str()))
                }
            })
            .collect()
    }

    /// The entry with this code.
    pub fn get(&self, code: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.code == code)
    }

    /// The art. 33 ground of this kind.
    pub fn ground(&self, ground: Ground) -> Option<&Art33Ground> {
        self.art33.iter().find(|g| g.ground == ground)
    }
}

#[cfg(test)]
mod tests;
