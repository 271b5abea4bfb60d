//! The pre-review's rule list (`assets/review/case_file.json`).

use serde::Deserialize;

use crate::catalog::Citation;

/// `format` of the file.
pub const RULES_FORMAT: &str = "fieldcase-case-file-review/1";

const SHIPPED: &str = include_str!("../../../assets/review/case_file.json");

/// The rules the pre-review applies (each checked in code; their names,
/// severity, provisions and the documents each procedure needs are data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleId {
    /// A document the procedure taken needs is missing.
    Documents,
    /// A deadline passed without its step, or a step done after it.
    Deadlines,
    /// A record whose step the law did not allow.
    RefusedSteps,
    /// A record whose signature does not verify.
    Signatures,
    /// A decision not served.
    Service,
    /// Evidence recorded but not uploaded.
    Evidence,
    /// A fine outside the discretion tier.
    PenaltyTier,
    /// A basis that names no article (or leaves out the paragraph or item
    /// the catalogue gives).
    BasisPrecise,
}

impl RuleId {
    /// Every rule, in the file's order.
    pub const ALL: [RuleId; 8] = [
        RuleId::Documents,
        RuleId::Deadlines,
        RuleId::RefusedSteps,
        RuleId::Signatures,
        RuleId::Service,
        RuleId::Evidence,
        RuleId::PenaltyTier,
        RuleId::BasisPrecise,
    ];

    /// Its id in files.
    pub fn id(self) -> &'static str {
        match self {
            RuleId::Documents => "documents",
            RuleId::Deadlines => "deadlines",
            RuleId::RefusedSteps => "refused_steps",
            RuleId::Signatures => "signatures",
            RuleId::Service => "service",
            RuleId::Evidence => "evidence",
            RuleId::PenaltyTier => "penalty_tier",
            RuleId::BasisPrecise => "basis_precise",
        }
    }

    /// The rule with the id `id`.
    pub fn parse(id: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|r| r.id() == id)
    }
}

/// When a document is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// A general-procedure case that was filed or decided.
    GeneralFiledOrDecided,
    /// A general-procedure case decided.
    GeneralDecided,
    /// A general-procedure penalty decision.
    GeneralPenalty,
    /// A decision that needed the legal review.
    LegalReviewDecided,
    /// A hearing asked for.
    HearingRequested,
    /// A hearing held.
    HearingHeld,
    /// A general-procedure case closed.
    GeneralClosed,
}

/// A document some procedure needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Needed {
    /// Which (`filing`, `investigation`, `notice`, `legal_opinion`,
    /// `hearing_notice`, `decision`, `service_receipt`, `closing_report`).
    pub form: String,
    /// Its name.
    pub name: String,
    /// When.
    pub when: When,
}

/// The forms a `documents` rule may name.
pub const FORMS: [&str; 9] = [
    "filing",
    "investigation",
    "notice",
    "legal_opinion",
    "hearing_notice",
    "hearing_record",
    "decision",
    "service_receipt",
    "closing_report",
];

/// A rule as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Which.
    pub id: RuleId,
    /// In Chinese.
    pub name: String,
    /// In English.
    pub name_en: String,
    /// `major` or `minor`.
    pub severity: String,
    /// The provision it checks.
    pub basis: Citation,
    /// For `documents`: what each procedure needs.
    #[serde(default)]
    pub documents: Vec<Needed>,
}

/// The loaded list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRules {
    format: String,
    #[allow(dead_code)]
    about: String,
    /// The rules, in [`RuleId::ALL`]'s order.
    pub rules: Vec<Rule>,
}

/// A rules file that does not load.
pub type RulesError = crate::datafile::DataFileError;

impl ReviewRules {
    /// The shipped list.
    pub fn shipped() -> Result<ReviewRules, RulesError> {
        ReviewRules::parse(SHIPPED, "assets/review/case_file.json")
    }

    /// Parses and validates: every rule once in order, names in both
    /// languages, a severity, a well-formed provision; documents only on
    /// the `documents` rule, each a known form.
    pub fn parse(text: &str, file: &str) -> Result<ReviewRules, RulesError> {
        let err = |entry: &str, message: String| RulesError::new(file, entry, message);
        let r: ReviewRules = serde_json::from_str(text)
            .map_err(|e| err("(file)", format!("not a rule list: {e}")))?;
        if r.format != RULES_FORMAT {
            return Err(err("(file)", format!("expected {RULES_FORMAT}")));
        }
        let ids: Vec<RuleId> = r.rules.iter().map(|x| x.id).collect();
        if ids != RuleId::ALL {
            return Err(err(
                "rules",
                format!(
                    "lists {} once each, in that order",
                    RuleId::ALL.map(RuleId::id).join(", ")
                ),
            ));
        }
        for x in &r.rules {
            let id = x.id.id();
            if x.name.trim().is_empty() || x.name_en.trim().is_empty() {
                return Err(err(id, "needs its name in both languages".into()));
            }
            if !matches!(x.severity.as_str(), "major" | "minor") {
                return Err(err(id, "severity is major or minor".into()));
            }
            if let Some(p) = x.basis.problem() {
                return Err(err(id, format!("basis: {p}")));
            }
            if (x.id == RuleId::Documents) == x.documents.is_empty() {
                return Err(err(
                    id,
                    "documents are listed on the documents rule only".into(),
                ));
            }
            if let Some(d) = x
                .documents
                .iter()
                .find(|d| !FORMS.contains(&d.form.as_str()))
            {
                return Err(err(id, format!("unknown document form {:?}", d.form)));
            }
        }
        Ok(r)
    }

    /// The rule `id`.
    pub fn rule(&self, id: RuleId) -> &Rule {
        self.rules
            .iter()
            .find(|r| r.id == id)
            .expect("validated: every rule is listed")
    }
}
