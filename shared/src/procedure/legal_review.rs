//! 法制审核 (行政处罚法 art. 58): the review list the reviewer answers
//! point by point (law as data, `assets/procedure/legal_review.json`,
//! validated at load), and the signed opinion: each aspect agreed or not
//! with its reason, the conclusion, and the reviewer's 法律职业资格 (art. 58
//! para. 2), which the signer takes from the account, never from a form.

use serde::{Deserialize, Serialize};

use crate::catalog::Citation;
use crate::investigation::{invalid, text, Invalid, MAX_SHORT, MAX_TEXT};

/// `format` of the file.
pub const LEGAL_REVIEW_FORMAT: &str = "fieldcase-legal-review/1";

const SHIPPED: &str = include_str!("../../../assets/procedure/legal_review.json");

/// One aspect of the review list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    /// 主体.
    Subject,
    /// 权限.
    Authority,
    /// 事实.
    Facts,
    /// 证据.
    Evidence,
    /// 依据.
    Basis,
    /// 程序.
    Procedure,
    /// 裁量.
    Discretion,
}

impl Aspect {
    /// Every aspect, in the order of the review list.
    pub const ALL: [Aspect; 7] = [
        Aspect::Subject,
        Aspect::Authority,
        Aspect::Facts,
        Aspect::Evidence,
        Aspect::Basis,
        Aspect::Procedure,
        Aspect::Discretion,
    ];

    /// Its short name, in Chinese and English.
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            Aspect::Subject => ("主体", "Subject"),
            Aspect::Authority => ("权限", "Authority"),
            Aspect::Facts => ("事实", "Facts"),
            Aspect::Evidence => ("证据", "Evidence"),
            Aspect::Basis => ("依据", "Basis"),
            Aspect::Procedure => ("程序", "Procedure"),
            Aspect::Discretion => ("裁量", "Discretion"),
        }
    }

    /// Its id in forms and files (`subject`, …).
    pub fn id(self) -> &'static str {
        match self {
            Aspect::Subject => "subject",
            Aspect::Authority => "authority",
            Aspect::Facts => "facts",
            Aspect::Evidence => "evidence",
            Aspect::Basis => "basis",
            Aspect::Procedure => "procedure",
            Aspect::Discretion => "discretion",
        }
    }
}

/// An aspect as the list asks it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListedAspect {
    /// Which.
    pub id: Aspect,
    /// The question, in Chinese.
    pub text: String,
    /// In English.
    pub text_en: String,
    /// The provision it checks.
    pub basis: Citation,
}

/// The loaded review list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewList {
    format: String,
    #[allow(dead_code)]
    about: String,
    /// The aspects, in [`Aspect::ALL`]'s order.
    pub aspects: Vec<ListedAspect>,
}

/// A review list that does not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {entry}: {message}")]
pub struct ReviewListError {
    /// File.
    pub file: String,
    /// Entry.
    pub entry: String,
    /// What is wrong.
    pub message: String,
}

impl ReviewList {
    /// The shipped list.
    pub fn shipped() -> Result<ReviewList, ReviewListError> {
        ReviewList::parse(SHIPPED, "assets/procedure/legal_review.json")
    }

    /// Parses and validates a file: every aspect once, in order, with its
    /// texts and a well-formed provision.
    pub fn parse(text: &str, file: &str) -> Result<ReviewList, ReviewListError> {
        let err = |entry: &str, message: String| ReviewListError {
            file: file.to_owned(),
            entry: entry.to_owned(),
            message,
        };
        let l: ReviewList = serde_json::from_str(text)
            .map_err(|e| err("(file)", format!("not a review list: {e}")))?;
        if l.format != LEGAL_REVIEW_FORMAT {
            return Err(err("(file)", format!("expected {LEGAL_REVIEW_FORMAT}")));
        }
        let ids: Vec<Aspect> = l.aspects.iter().map(|a| a.id).collect();
        if ids != Aspect::ALL {
            return Err(err(
                "aspects",
                "lists subject, authority, facts, evidence, basis, procedure, discretion, once each, in that order".into(),
            ));
        }
        for a in &l.aspects {
            if a.text.trim().is_empty() || a.text_en.trim().is_empty() {
                return Err(err(a.id.id(), "needs text and text_en".into()));
            }
            if let Some(p) = a.basis.problem() {
                return Err(err(a.id.id(), p));
            }
        }
        Ok(l)
    }

    /// The aspect's entry.
    pub fn get(&self, a: Aspect) -> Option<&ListedAspect> {
        self.aspects.iter().find(|l| l.id == a)
    }
}

/// One aspect answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewPoint {
    /// Which aspect.
    pub aspect: Aspect,
    /// 同意 (true) or 不同意.
    pub agreed: bool,
    /// Why.
    pub reason: String,
}

/// 法制审核意见书: the reviewer's signed opinion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalOpinion {
    /// Every aspect of the list, in its order.
    pub points: Vec<ReviewPoint>,
    /// 审核结论.
    pub conclusion: String,
    /// The reviewer's 法律职业资格证书编号, from the account.
    pub qualification: String,
}

impl LegalOpinion {
    /// Every aspect was agreed.
    pub fn agreed(&self) -> bool {
        self.points.iter().all(|p| p.agreed)
    }

    /// What is wrong with the opinion as written.
    pub fn check(&self) -> Result<(), Invalid> {
        let aspects: Vec<Aspect> = self.points.iter().map(|p| p.aspect).collect();
        if aspects != Aspect::ALL {
            return Err(invalid(
                "法制审核意见须逐项写明主体、权限、事实、证据、依据、程序、裁量的意见（行政处罚法第五十八条）",
                "the opinion answers subject, authority, facts, evidence, basis, procedure and discretion, in order (art. 58)",
            ));
        }
        for p in &self.points {
            let (zh, en) = p.aspect.name();
            text(
                &format!("“{zh}”的审核理由"),
                &format!("the reason on {en}"),
                &p.reason,
                MAX_TEXT,
            )?;
        }
        text("审核结论", "the conclusion", &self.conclusion, MAX_TEXT)?;
        text(
            "法律职业资格证书编号",
            "the reviewer's legal qualification",
            &self.qualification,
            MAX_SHORT,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xzcff_art_58_the_shipped_review_list_loads_with_every_aspect() {
        let l = ReviewList::shipped().unwrap();
        assert_eq!(l.aspects.len(), 7);
        assert!(l.get(Aspect::Discretion).unwrap().text.contains("裁量"));
    }

    #[test]
    fn a_list_missing_or_repeating_an_aspect_is_refused_by_name() {
        let text = SHIPPED.replace("\"id\": \"procedure\"", "\"id\": \"facts\"");
        let e = ReviewList::parse(&text, "x.json").unwrap_err();
        assert_eq!(e.entry, "aspects");
        let text = SHIPPED.replace("\"article\": 34", "\"article\": 0");
        let e = ReviewList::parse(&text, "x.json").unwrap_err();
        assert_eq!(e.entry, "discretion");
    }

    fn opinion() -> LegalOpinion {
        LegalOpinion {
            points: Aspect::ALL
                .iter()
                .map(|a| ReviewPoint {
                    aspect: *a,
                    agreed: true,
                    reason: "符合规定".into(),
                })
                .collect(),
            conclusion: "同意作出处罚决定".into(),
            qualification: "A20221100000001".into(),
        }
    }

    #[test]
    fn xzcff_art_58_an_opinion_answers_every_aspect_with_a_reason() {
        assert!(opinion().check().is_ok());
        let mut o = opinion();
        o.points.remove(3);
        assert!(o.check().unwrap_err().zh.contains("逐项"));
        let mut o = opinion();
        o.points[6].reason = "  ".into();
        assert!(o.check().unwrap_err().zh.contains("裁量"));
        let mut o = opinion();
        o.qualification.clear();
        assert!(o.check().unwrap_err().zh.contains("法律职业资格"));
        let mut o = opinion();
        o.points[2].agreed = false;
        assert!(!o.agreed());
    }
}
