//! Paying a fine at the roadside, as data (`assets/procedure/payment.json`):
//! when officers may collect cash (行政处罚法 art. 68–69), the finance
//! receipt it needs (art. 70), and otherwise the electronic payment system
//! (art. 67). Validated at load with errors naming the file and entry.

use serde::Deserialize;

use super::Refusal;
use crate::catalog::Citation;
use crate::served::{CashGround, Payment};

/// `format` of the payment rules file.
pub const PAYMENT_FORMAT: &str = "fieldcase-payment/1";

const SHIPPED: &str = include_str!("../../../assets/procedure/payment.json");

/// One ground for collecting cash.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ground {
    /// Which.
    pub id: CashGround,
    /// As the law words it.
    pub name: String,
    /// In English.
    pub name_en: String,
    /// Only fines up to this amount.
    #[serde(default)]
    pub max_yuan: Option<u64>,
    /// Only decisions of the simple procedure (art. 68 cites art. 51).
    #[serde(default)]
    pub simple_only: bool,
    /// The officers must write down the circumstances.
    #[serde(default)]
    pub needs_reason: bool,
    /// Only when the party asked for it.
    #[serde(default)]
    pub party_asks: bool,
    /// The provision.
    pub basis: Citation,
}

/// A named provision (the receipt, electronic payment).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    /// Name.
    pub name: String,
    /// In English.
    pub name_en: String,
    /// The provision.
    pub basis: Citation,
}

/// The loaded payment rules.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentRules {
    format: String,
    #[allow(dead_code)]
    about: String,
    /// The grounds for cash.
    pub cash_grounds: Vec<Ground>,
    /// The finance receipt cash needs.
    pub receipt: Named,
    /// Electronic payment.
    pub electronic: Named,
}

/// A payment rules file that does not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {entry}: {message}")]
pub struct PaymentRulesError {
    /// File.
    pub file: String,
    /// Entry.
    pub entry: String,
    /// What is wrong.
    pub message: String,
}

/// Longest receipt number or payment reference accepted.
const MAX_REF: usize = 40;

impl PaymentRules {
    /// The shipped rules.
    pub fn shipped() -> Result<PaymentRules, PaymentRulesError> {
        PaymentRules::parse(SHIPPED, "assets/procedure/payment.json")
    }

    /// Parses and validates a rules file.
    pub fn parse(text: &str, file: &str) -> Result<PaymentRules, PaymentRulesError> {
        let err = |entry: &str, message: String| PaymentRulesError {
            file: file.to_owned(),
            entry: entry.to_owned(),
            message,
        };
        let r: PaymentRules = serde_json::from_str(text)
            .map_err(|e| err("(file)", format!("not a payment rules file: {e}")))?;
        if r.format != PAYMENT_FORMAT {
            return Err(err("(file)", format!("expected {PAYMENT_FORMAT}")));
        }
        let mut seen = std::collections::BTreeSet::new();
        for g in &r.cash_grounds {
            let entry = format!("{:?}", g.id);
            if !seen.insert(g.id) {
                return Err(err(&entry, "repeated ground".into()));
            }
            if g.name.trim().is_empty() || g.name_en.trim().is_empty() {
                return Err(err(&entry, "needs name and name_en".into()));
            }
            if let Some(p) = g.basis.problem() {
                return Err(err(&entry, p));
            }
        }
        for (entry, n) in [("receipt", &r.receipt), ("electronic", &r.electronic)] {
            if let Some(p) = n.basis.problem() {
                return Err(err(entry, p));
            }
        }
        Ok(r)
    }

    /// The ground `id`.
    pub fn ground(&self, id: CashGround) -> Option<&Ground> {
        self.cash_grounds.iter().find(|g| g.id == id)
    }

    /// Checks a payment of a fine of `fine_yuan` decided in the simple
    /// procedure (`simple`), the party having asked for cash or not;
    /// returns the provisions applied, as signed in the record.
    pub fn check(
        &self,
        payment: &Payment,
        fine_yuan: u64,
        simple: bool,
        party_asked: bool,
    ) -> Result<String, Refusal> {
        let (reference, what) = match payment {
            Payment::Cash { receipt_no, .. } => (receipt_no, &self.receipt),
            Payment::Electronic { reference } => (reference, &self.electronic),
        };
        let reference = reference.trim();
        if reference.is_empty() || reference.chars().count() > MAX_REF {
            return Err(Refusal::new(
                format!("须填写{}的号码（1–{MAX_REF} 个字符）", what.name),
                format!(
                    "give the number of the {} (1–{MAX_REF} characters)",
                    what.name
                ),
                what.basis.clone(),
            ));
        }
        let Payment::Cash { ground, reason, .. } = payment else {
            return Ok(self.electronic.basis.text());
        };
        let g = self.ground(*ground).ok_or_else(|| {
            Refusal::new(
                "该情形不在当场收缴罚款的规定之列",
                "this is not a ground for collecting the fine on the spot",
                self.electronic.basis.clone(),
            )
        })?;
        if g.simple_only && !simple {
            return Err(Refusal::new(
                format!("“{}”只适用于简易程序当场作出的决定", g.name),
                format!(
                    "{} applies only to a decision made on the spot (simple procedure)",
                    g.name
                ),
                g.basis.clone(),
            ));
        }
        if let Some(max) = g.max_yuan.filter(|m| fine_yuan > *m) {
            return Err(Refusal::new(
                format!("罚款{fine_yuan}元超过{max}元，不能以“{}”当场收缴", g.name), format!("a fine of {fine_yuan} yuan is above {max} yuan: it cannot be collected on the spot as {}", g.name),
                g.basis.clone(),
            ));
        }
        if g.needs_reason && reason.trim().is_empty() {
            return Err(Refusal::new(
                format!("以“{}”当场收缴，须写明具体情形", g.name),
                format!(
                    "cash on the spot as {} needs the circumstances written",
                    g.name
                ),
                g.basis.clone(),
            ));
        }
        if g.party_asks && !party_asked {
            return Err(Refusal::new(
                format!("“{}”须经当事人提出", g.name),
                format!("{} needs the party to ask for it", g.name),
                g.basis.clone(),
            ));
        }
        Ok(format!(
            "{}、{}",
            g.basis.text(),
            self.receipt.basis.provision()
        ))
    }
}
