//! The violation catalogue (law as data, `assets/catalog/violations.json`):
//! each entry's legal basis, statutory range, discretion tiers (裁量基准)
//! with sub-ranges, and whether it is on the no-penalty list. Validated
//! when loaded, with errors naming the file and the entry. Searched by
//! Chinese keyword or by pinyin initials; an amount outside the chosen
//! tier's range is refused; the simple procedure (当场处罚) is allowed only
//! within the thresholds the file states.

use std::path::Path;

use pinyin::ToPinyin;
use serde::{Deserialize, Serialize};

/// `format` of a catalogue file.
pub const CATALOG_FORMAT: &str = "fieldcase-catalog/1";
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

/// Fines as multiples of illegal gains above a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GainsRule {
    /// Gains above this (yuan) switch to multiples.
    pub threshold: u64,
    /// Lowest multiple.
    pub multiple_min: u64,
    /// Highest multiple.
    pub multiple_max: u64,
    /// Gains are confiscated as well.
    pub confiscate: bool,
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

/// Who can commit the violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A natural person.
    Person,
    /// An organisation.
    Organisation,
    /// Either.
    Any,
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
    /// Legal basis (law and article).
    pub basis: String,
    /// Who can commit it.
    pub party: PartyKind,
    /// The statutory range.
    pub statutory: Range,
    /// Gains-based fines, if any.
    #[serde(default)]
    pub gains: Option<GainsRule>,
    /// Per-excess fines, if any.
    #[serde(default)]
    pub per_excess: Option<PerExcess>,
    /// Confiscation as well.
    #[serde(default)]
    pub confiscate: bool,
    /// On the no-penalty list.
    #[serde(default)]
    pub no_penalty: Option<NoPenalty>,
    /// The cited article still needs checking against the current text.
    #[serde(default)]
    pub uncertain: bool,
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
}

/// Thresholds of the simple procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimpleProcedure {
    /// Highest fine on the spot for a person.
    pub person_max: u64,
    /// Highest fine on the spot for an organisation.
    pub organisation_max: u64,
    /// Legal basis.
    pub basis: String,
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
    /// Basis of the no-penalty list.
    pub no_penalty_basis: String,
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

/// What the officer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Penalty {
    /// 警告.
    Warning,
    /// A fine in yuan.
    Fine(u64),
}

/// Which procedure a penalty needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Procedure {
    /// 当场处罚 (简易程序) is allowed.
    Simple,
    /// A general-procedure case must be opened.
    General,
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
    /// Reads and validates a catalogue file.
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| CatalogError {
            file: name.clone(),
            entry: "(file)".into(),
            message: format!("cannot read: {e}"),
        })?;
        Self::parse(&text, &name)
    }

    /// Parses and validates catalogue text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Catalog, CatalogError> {
        let err = |entry: &str, message: String| CatalogError {
            file: file.to_owned(),
            entry: entry.to_owned(),
            message,
        };
        let mut c: Catalog = serde_json::from_str(text)
            .map_err(|e| err("(file)", format!("not a catalogue: {e}")))?;
        if c.format != CATALOG_FORMAT {
            return Err(err(
                "(file)",
                format!("format {:?}, expected {CATALOG_FORMAT}", c.format),
            ));
        }
        if c.simple_procedure.basis.trim().is_empty() {
            return Err(err("simple_procedure", "no legal basis".into()));
        }
        let mut codes = std::collections::BTreeSet::new();
        let mut grade_names = std::collections::HashMap::new();
        for (i, e) in c.entries.iter_mut().enumerate() {
            let id = if e.code.is_empty() {
                format!("entry {}", i + 1)
            } else {
                e.code.clone()
            };
            if e.code.is_empty() || !codes.insert(e.code.clone()) {
                return Err(err(&id, "missing or repeated code".into()));
            }
            for (what, v) in [
                ("short", &e.short),
                ("short_en", &e.short_en),
                ("title", &e.title),
                ("title_en", &e.title_en),
                ("basis", &e.basis),
            ] {
                if v.trim().is_empty() {
                    return Err(err(&id, format!("{what} is empty")));
                }
            }
            let s = e.statutory;
            if s.min > s.max {
                return Err(err(
                    &id,
                    format!("statutory range {}–{} is reversed", s.min, s.max),
                ));
            }
            if e.tiers.is_empty() {
                return Err(err(&id, "no discretion tiers".into()));
            }
            let mut last_rank = None;
            for t in &e.tiers {
                let Some(rank) = GRADES.iter().position(|g| *g == t.grade) else {
                    return Err(err(
                        &id,
                        format!("unknown grade {:?} (use {})", t.grade, GRADES.join("、")),
                    ));
                };
                if last_rank.is_some_and(|r| rank <= r) {
                    return Err(err(&id, format!("tier {} is out of order", t.grade)));
                }
                last_rank = Some(rank);
                if t.grade_en.trim().is_empty()
                    || t.when.trim().is_empty()
                    || t.when_en.trim().is_empty()
                {
                    return Err(err(
                        &id,
                        format!("tier {} needs grade_en, when and when_en", t.grade),
                    ));
                }
                match grade_names.get(&t.grade) {
                    Some(en) if *en != t.grade_en => {
                        return Err(err(
                            &id,
                            format!(
                                "tier {} is called {:?} here but {en:?} elsewhere",
                                t.grade, t.grade_en
                            ),
                        ))
                    }
                    _ => {
                        grade_names.insert(t.grade.clone(), t.grade_en.clone());
                    }
                }
                if t.min > t.max {
                    return Err(err(
                        &id,
                        format!("tier {} range {}–{} is reversed", t.grade, t.min, t.max),
                    ));
                }
                if !t.warning && (t.min < s.min || t.max > s.max) {
                    return Err(err(
                        &id,
                        format!(
                            "tier {} range {}–{} leaves the statutory range {}–{}",
                            t.grade, t.min, t.max, s.min, s.max
                        ),
                    ));
                }
            }
            if let Some(np) = &e.no_penalty {
                if np.conditions.is_empty() {
                    return Err(err(&id, "no-penalty entry without conditions".into()));
                }
                if np.conditions_en.len() != np.conditions.len()
                    || np.conditions_en.iter().any(|c| c.trim().is_empty())
                {
                    return Err(err(
                        &id,
                        "conditions_en must give every condition in English, in order".into(),
                    ));
                }
            }
            e.initials = initials(&e.short);
        }
        Ok(c)
    }

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

    /// Whether a penalty may be decided on the spot for this party
    /// (行政处罚法第五十一条: a warning, or a fine up to the thresholds).
    pub fn procedure(&self, penalty: Penalty, organisation: bool) -> Procedure {
        let max = if organisation {
            self.simple_procedure.organisation_max
        } else {
            self.simple_procedure.person_max
        };
        match penalty {
            Penalty::Warning => Procedure::Simple,
            Penalty::Fine(n) if n <= max => Procedure::Simple,
            Penalty::Fine(_) => Procedure::General,
        }
    }
}

/// Why an amount is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// No such tier.
    #[error("violation {code} has no tier {grade}")]
    NoTier {
        /// Entry.
        code: String,
        /// Grade asked.
        grade: String,
    },
    /// Outside the tier's lawful range.
    #[error("{amount} yuan is outside the {grade} range of {min}–{max} yuan")]
    OutOfRange {
        /// Amount.
        amount: u64,
        /// Grade.
        grade: String,
        /// Lowest.
        min: u64,
        /// Highest.
        max: u64,
    },
}

impl AmountError {
    /// The message in Chinese, for the officer.
    pub fn zh(&self) -> String {
        match self {
            AmountError::NoTier { grade, .. } => format!("该违法行为没有“{grade}”裁量档次"),
            AmountError::OutOfRange {
                grade, min, max, ..
            } => {
                format!("“{grade}”档次的罚款应在 {min}–{max} 元之间")
            }
        }
    }
}

impl Entry {
    /// The tier of a grade.
    pub fn tier(&self, grade: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.grade == grade)
    }

    /// Checks a penalty against the tier the officer chose.
    pub fn check(&self, grade: &str, penalty: Penalty) -> Result<(), AmountError> {
        let tier = self.tier(grade).ok_or_else(|| AmountError::NoTier {
            code: self.code.clone(),
            grade: grade.to_owned(),
        })?;
        let out = |amount| AmountError::OutOfRange {
            amount,
            grade: grade.to_owned(),
            min: tier.min,
            max: tier.max,
        };
        match penalty {
            Penalty::Warning if tier.warning => Ok(()),
            Penalty::Warning => Err(out(0)),
            Penalty::Fine(n) if tier.warning || n < tier.min || n > tier.max => Err(out(n)),
            Penalty::Fine(_) => Ok(()),
        }
    }

    /// The fine (or warning) for an overweight excess, when the entry has a
    /// per-excess rule: every started unit costs the same, up to the cap.
    pub fn per_excess_penalty(&self, excess_kg: u64) -> Option<Penalty> {
        let r = self.per_excess?;
        if excess_kg <= r.warning_up_to_kg {
            return Some(Penalty::Warning);
        }
        let units = excess_kg.div_ceil(r.unit_kg.max(1));
        Some(Penalty::Fine((units * r.yuan_per_unit).min(r.max)))
    }

    /// True when the entry is on the no-penalty list and every condition holds.
    pub fn no_penalty_applies(&self, answers: &[bool]) -> bool {
        self.no_penalty
            .as_ref()
            .is_some_and(|np| answers.len() == np.conditions.len() && answers.iter().all(|a| *a))
    }
}

#[cfg(test)]
mod tests;
