//! What is signed when a check closes: the party as recorded and the
//! findings (checklist, outcome, decision, statement, signatures).

use chrono::NaiveDate;
use fieldcase_shared::catalog::{Penalty, Procedure};
use fieldcase_shared::check::{
    ChecklistAnswer, Decision, Findings, ItemResult, Signature, Witness,
};
use fieldcase_shared::model::Party;
use fieldcase_shared::validate::{self, ValidationError};

use super::{Assets, Draft, Signer};
use crate::core::Text2;

impl Draft {
    /// The party as recorded.
    pub(crate) fn party(&self, today: NaiveDate) -> Result<Party, ValidationError> {
        if self.organisation() {
            validate::uscc(self.uscc.trim())?;
            Ok(Party::Organisation {
                uscc: self.uscc.trim().to_ascii_uppercase(),
                name: self.name.trim().to_owned(),
            })
        } else {
            let info = validate::id_card(self.id_number.trim(), today)?;
            Ok(Party::Person {
                id_number: info.number,
                name: self.name.trim().to_owned(),
            })
        }
    }

    /// The findings signed at closing.
    pub fn findings(&self, assets: &Assets) -> Findings {
        let checklist = assets
            .checklists
            .get(&self.vehicle_kind)
            .map(|t| {
                t.items
                    .iter()
                    .map(|i| ChecklistAnswer {
                        item: i.id.clone(),
                        text: i.zh.clone(),
                        result: self
                            .checklist
                            .get(&i.id)
                            .copied()
                            .unwrap_or(ItemResult::NotApplicable),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let decision = self
            .violation_found()
            .then(|| self.entry(assets))
            .flatten()
            .map(|e| {
                let none = self.no_penalty_applies(assets);
                let penalty = self.penalty();
                let facts = self.facts();
                let lawful = self.lawful(assets).and_then(Result::ok).filter(|_| !none);
                let needs = self.needs(assets).filter(|_| !none);
                Decision {
                    code: e.code.clone(),
                    title: e.title.clone(),
                    basis: e.basis_text(),
                    grade: if none {
                        String::new()
                    } else {
                        self.grade.clone()
                    },
                    penalty: match (none, penalty) {
                        (true, _) => "none".into(),
                        (false, Some(Penalty::Warning)) => "warning".into(),
                        _ => "fine".into(),
                    },
                    amount_yuan: match (none, penalty) {
                        (false, Some(Penalty::Fine(n))) => n,
                        _ => 0,
                    },
                    procedure: match self.procedure(assets) {
                        Some(Procedure::General) => "general".into(),
                        _ => "simple".into(),
                    },
                    no_penalty_answers: self.no_penalty.iter().map(|a| *a == Some(true)).collect(),
                    gains_yuan: facts.gains.filter(|_| e.gains.is_some()),
                    excess_kg: facts.excess_kg.filter(|_| e.per_excess.is_some()),
                    sanctions: lawful
                        .as_ref()
                        .map(|l| l.sanctions.clone())
                        .unwrap_or_default(),
                    orders: e.orders.clone(),
                    measures: self.measures_taken(assets),
                    hearing_right: needs.as_ref().is_some_and(|n| n.hearing),
                    legal_review: needs.as_ref().is_some_and(|n| n.legal_review),
                    ended_on: self.violation_ended_on(),
                    life_or_health: self.life_or_health,
                }
            });
        let signatures = Signer::ALL
            .iter()
            .map(|who| {
                let refused = *who == Signer::Party && self.party_refused;
                Signature {
                    role: who.role().into(),
                    image: self.signatures.get(who).copied().filter(|_| !refused),
                    refused,
                    witness: refused.then(|| Witness {
                        name: self.witness_name.trim().into(),
                        // Checked on the statement step; `x` written as `X`.
                        id: self.witness_id.trim().to_ascii_uppercase(),
                    }),
                }
            })
            .collect();
        let told = {
            let simple = super::rules::on_the_spot(decision.as_ref());
            assets
                .told
                .required(simple)
                .filter(|i| self.told.contains(&i.id))
                .map(|i| i.answer())
                .collect()
        };
        Findings {
            told,
            vehicle_kind: self.vehicle_kind.clone(),
            checklist,
            outcome: self
                .outcome
                .map(|o| o.as_str().to_owned())
                .unwrap_or_default(),
            decision,
            statement: self.statement.trim().to_owned(),
            signatures,
        }
    }
}
/// The penalty of a decision as officers read it: never "0 元" for a
/// decision not to punish, no space between the tier and 档, the tier's
/// English name from the catalogue.
pub fn penalty_text(d: &Decision, assets: &Assets) -> Text2 {
    let tier = assets
        .catalog
        .get(&d.code)
        .and_then(|e| e.tier(&d.grade))
        .map_or(d.grade.clone(), |t| t.grade_en.clone());
    let by_gains = d.gains_yuan.filter(|g| {
        assets
            .catalog
            .get(&d.code)
            .and_then(|e| e.gains)
            .is_some_and(|r| *g > r.threshold)
    });
    let zh_more: String = d
        .sanctions
        .iter()
        .map(|s| format!("，并处{}", s.zh()))
        .collect();
    let en_more: String = d
        .sanctions
        .iter()
        .map(|s| format!(", with {}", s.en()))
        .collect();
    match (d.penalty.as_str(), by_gains) {
        ("none", _) => Text2::new("不予处罚（免罚清单）", "No penalty (no-penalty list)"),
        ("warning", _) => Text2::new(
            format!("{}档：警告{zh_more}", d.grade),
            format!("{tier} tier: warning{en_more}"),
        ),
        (_, Some(g)) => Text2::new(
            format!(
                "罚款 {} 元（违法所得 {g} 元的倍数）{zh_more}",
                d.amount_yuan
            ),
            format!(
                "fine {} yuan (a multiple of {g} yuan of illegal gains){en_more}",
                d.amount_yuan
            ),
        ),
        _ => Text2::new(
            format!("{}档：罚款 {} 元{zh_more}", d.grade, d.amount_yuan),
            format!("{tier} tier: fine {} yuan{en_more}", d.amount_yuan),
        ),
    }
}

/// The violation of a decision, in both languages (the catalogue's
/// English name when it still has the entry).
pub fn violation_text(d: &Decision, assets: &Assets) -> Text2 {
    let en = assets
        .catalog
        .get(&d.code)
        .map_or(d.title.clone(), |e| e.title_en.clone());
    Text2::new(d.title.clone(), en)
}

/// The procedure of a decision.
pub fn procedure_text(d: &Decision) -> Text2 {
    if d.procedure == "general" {
        Text2::new("一般程序", "General procedure")
    } else {
        Text2::new("简易程序（当场）", "Simple procedure (on the spot)")
    }
}

#[cfg(test)]
mod text_tests {
    use super::*;

    fn decision(penalty: &str, grade: &str, amount: u64) -> Decision {
        Decision {
            ended_on: None,
            life_or_health: false,
            code: "DLYS-64".into(),
            title: "t".into(),
            basis: "b".into(),
            grade: grade.into(),
            penalty: penalty.into(),
            amount_yuan: amount,
            procedure: "simple".into(),
            no_penalty_answers: vec![],
            gains_yuan: None,
            excess_kg: None,
            sanctions: vec![],
            orders: vec![],
            measures: vec![],
            hearing_right: false,
            legal_review: false,
        }
    }

    #[test]
    fn no_penalty_is_never_zero_yuan_and_tiers_have_no_stray_space() {
        let a = Assets::embedded().unwrap();
        let none = penalty_text(&decision("none", "", 0), &a);
        assert!(
            !none.zh.contains('元') && !none.en.contains("yuan"),
            "{none:?}"
        );
        assert_eq!(
            penalty_text(&decision("fine", "一般", 300), &a).zh,
            "一般档：罚款 300 元"
        );
        assert_eq!(
            penalty_text(&decision("warning", "轻微", 0), &a).zh,
            "轻微档：警告"
        );
        assert_eq!(
            penalty_text(&decision("fine", "一般", 300), &a).en,
            "Ordinary tier: fine 300 yuan"
        );
    }
}
