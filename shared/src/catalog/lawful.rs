//! What may lawfully be decided for the facts of a case, and what
//! procedure that needs. The terminal's screens, the `fieldcase catalog
//! range` command and the bureau all call these functions.

use serde::Serialize;

use super::{Catalog, Citation, Entry, Measure, Order, PartyKind, Range, SanctionKind, When};

/// What the officer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Penalty {
    /// 警告.
    Warning,
    /// A fine in yuan.
    Fine(u64),
}

/// Which procedure a decision needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// 当场处罚 (简易程序) is allowed.
    Simple,
    /// A general-procedure case must be opened.
    General,
}

/// The facts the lawful range depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// Who the party is (`None`: not yet known; the party rule is not checked).
    pub party: Option<PartyKind>,
    /// Illegal gains in yuan, as the officer established them.
    pub gains: Option<u64>,
    /// Kilograms over the limit (overweight entries).
    pub excess_kg: Option<u64>,
    /// The circumstances are serious (情节严重; the chosen tier says so).
    pub serious: bool,
}

/// The lawful fine for the facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LawfulFine {
    /// A range (the fixed one, or the serious branch's); tiers apply.
    Range {
        /// The range.
        range: Range,
        /// It is the 情节严重 branch.
        serious: bool,
    },
    /// Multiples of the illegal gains (above the threshold); tiers do not apply.
    Gains {
        /// The gains.
        gains: u64,
        /// Lowest and highest fine.
        range: Range,
    },
    /// Exactly this, per unit over the limit.
    Exact {
        /// Kilograms over.
        excess_kg: u64,
        /// The penalty.
        penalty: Penalty,
    },
}

/// What may be decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lawful {
    /// Entry code.
    pub code: String,
    /// The fine.
    pub fine: LawfulFine,
    /// The provision allowing a warning, if one does.
    pub warning: Option<Citation>,
    /// Other sanctions that are part of the decision.
    pub sanctions: Vec<SanctionKind>,
    /// Orders.
    pub orders: Vec<Order>,
    /// Compulsory measures the article allows.
    pub measures: Vec<Measure>,
    /// The provisions, as the decision cites them.
    pub articles: Vec<String>,
    /// The entry is not checked against a text we hold (why).
    pub uncertain: Option<String>,
    /// Assumptions the computation made (e.g. no gains entered).
    pub notes: Vec<String>,
}

/// Why a decision is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// The entry does not apply to this party.
    #[error("violation {code} cannot be applied to a {party:?}")]
    PartyNotAllowed {
        /// Entry.
        code: String,
        /// The party.
        party: PartyKind,
    },
    /// The entry fines per unit over the limit and no excess was entered.
    #[error("violation {code} fines by the excess: enter the kilograms over the limit")]
    ExcessNeeded {
        /// Entry.
        code: String,
    },
    /// No such tier.
    #[error("violation {code} has no tier {grade}")]
    NoTier {
        /// Entry.
        code: String,
        /// Grade asked.
        grade: String,
    },
    /// Outside the lawful range.
    #[error("{amount} yuan is outside {what} of {min}–{max} yuan")]
    OutOfRange {
        /// Amount (0 for a warning).
        amount: u64,
        /// What range (the tier's, or the multiples of the gains).
        what: String,
        /// Lowest.
        min: u64,
        /// Highest.
        max: u64,
    },
    /// A warning where the law gives none.
    #[error("the law allows no warning here: {0}")]
    NoWarning(String),
    /// Not the exact per-unit amount.
    #[error("the law fixes the penalty for {excess_kg} kg over at {want}")]
    NotExact {
        /// Kilograms over.
        excess_kg: u64,
        /// The lawful penalty.
        want: String,
    },
}

impl AmountError {
    /// The message in Chinese, for the officer.
    pub fn zh(&self) -> String {
        match self {
            AmountError::PartyNotAllowed { party, .. } => {
                format!("该违法行为不适用于{}", party.zh())
            }
            AmountError::ExcessNeeded { .. } => "请填写超限质量（千克）".into(),
            AmountError::NoTier { grade, .. } => format!("该违法行为没有“{grade}”裁量档次"),
            AmountError::OutOfRange { what, min, max, .. } => {
                format!("{what}的罚款应在 {min}–{max} 元之间")
            }
            AmountError::NoWarning(why) => format!("依法不能只给予警告：{why}"),
            AmountError::NotExact { excess_kg, want } => {
                format!("超限 {excess_kg} 千克，依法应为{want}")
            }
        }
    }
}

fn penalty_zh(p: Penalty) -> String {
    match p {
        Penalty::Warning => "警告".into(),
        Penalty::Fine(n) => format!("罚款 {n} 元"),
    }
}

impl Catalog {
    /// What may be decided for `entry` on these facts.
    pub fn lawful(&self, entry: &Entry, facts: &Facts) -> Result<Lawful, AmountError> {
        if let Some(party) = facts.party {
            if !entry.applies_to(party) {
                return Err(AmountError::PartyNotAllowed {
                    code: entry.code.clone(),
                    party,
                });
            }
        }
        let mut notes = Vec::new();
        let gains = match (entry.gains.is_some(), facts.gains) {
            (_, Some(g)) => g,
            (true, None) => {
                notes.push("未填写违法所得，按没有违法所得计算".to_owned());
                0
            }
            (false, None) => 0,
        };
        let fine = if let Some(rule) = entry.per_excess {
            let excess_kg = facts.excess_kg.ok_or_else(|| AmountError::ExcessNeeded {
                code: entry.code.clone(),
            })?;
            let penalty = if excess_kg <= rule.warning_up_to_kg {
                Penalty::Warning
            } else {
                let units = excess_kg.div_ceil(rule.unit_kg.max(1));
                Penalty::Fine(units.saturating_mul(rule.yuan_per_unit).min(rule.max))
            };
            LawfulFine::Exact { excess_kg, penalty }
        } else if let Some(rule) = entry.gains.filter(|r| gains > r.threshold) {
            LawfulFine::Gains {
                gains,
                range: Range {
                    min: gains.saturating_mul(rule.multiple_min),
                    max: gains.saturating_mul(rule.multiple_max),
                },
            }
        } else {
            match entry.serious.filter(|_| facts.serious) {
                Some(range) => LawfulFine::Range {
                    range,
                    serious: true,
                },
                None => LawfulFine::Range {
                    range: entry.fine,
                    serious: false,
                },
            }
        };
        let over_threshold = entry.gains.is_some_and(|r| gains > r.threshold);
        let sanctions = entry
            .sanctions
            .iter()
            .filter(|s| match s.when {
                When::Always => true,
                When::AnyGains => gains > 0,
                When::GainsOverThreshold => over_threshold,
                When::Serious => facts.serious,
            })
            .map(|s| s.kind)
            .collect();
        let mut articles: Vec<String> = entry.basis.iter().map(Citation::text).collect();
        for m in &entry.measures {
            let t = m.basis.text();
            if !articles.contains(&t) {
                articles.push(t);
            }
        }
        Ok(Lawful {
            code: entry.code.clone(),
            fine,
            warning: entry.warning.clone(),
            sanctions,
            orders: entry.orders.clone(),
            measures: entry.measures.clone(),
            articles,
            uncertain: entry.uncertain.clone(),
            notes,
        })
    }

    /// Checks a decision: the party, the tier the officer chose and the
    /// penalty against the lawful range for the facts (the tier's
    /// `serious` flag sets `facts.serious`). Gives what is lawful.
    pub fn check(
        &self,
        entry: &Entry,
        grade: &str,
        penalty: Penalty,
        facts: &Facts,
    ) -> Result<Lawful, AmountError> {
        let tier = entry.tier(grade).ok_or_else(|| AmountError::NoTier {
            code: entry.code.clone(),
            grade: grade.to_owned(),
        })?;
        let facts = Facts {
            serious: tier.serious,
            ..*facts
        };
        let lawful = self.lawful(entry, &facts)?;
        let amount = match penalty {
            Penalty::Warning => 0,
            Penalty::Fine(n) => n,
        };
        match lawful.fine {
            LawfulFine::Exact {
                excess_kg,
                penalty: want,
            } => {
                if penalty != want {
                    return Err(AmountError::NotExact {
                        excess_kg,
                        want: penalty_zh(want),
                    });
                }
            }
            LawfulFine::Gains { gains, range } => {
                if penalty == Penalty::Warning || !range.contains(amount) {
                    return Err(AmountError::OutOfRange {
                        amount,
                        what: format!("违法所得 {gains} 元的法定倍数"),
                        min: range.min,
                        max: range.max,
                    });
                }
            }
            LawfulFine::Range { .. } => match penalty {
                Penalty::Warning if tier.warning => {}
                Penalty::Warning => {
                    return Err(AmountError::NoWarning(format!(
                        "“{}”档次为罚款",
                        tier.grade
                    )))
                }
                Penalty::Fine(n) if tier.warning || n < tier.min || n > tier.max => {
                    return Err(AmountError::OutOfRange {
                        amount: n,
                        what: format!("“{}”档次", tier.grade),
                        min: tier.min,
                        max: tier.max,
                    })
                }
                Penalty::Fine(_) => {}
            },
        }
        Ok(lawful)
    }

    /// What procedure a decision needs: simple or general (行政处罚法 art.
    /// 51), a hearing right (art. 63), 法制审核 (art. 58), and the
    /// compulsory-measure procedure (行政强制法 art. 18, 24) when one is
    /// taken.
    pub fn needs(
        &self,
        lawful: &Lawful,
        penalty: Penalty,
        party: PartyKind,
        measure_taken: bool,
    ) -> ProcedureNeeds {
        let org = party == PartyKind::Organisation;
        let amount = match penalty {
            Penalty::Warning => 0,
            Penalty::Fine(n) => n,
        };
        let pick = |person, organisation| if org { organisation } else { person };
        let mut reasons = Vec::new();
        let revoke = lawful.sanctions.contains(&SanctionKind::RevokeLicence);
        let confiscate = lawful.sanctions.contains(&SanctionKind::ConfiscateGains);
        let simple_max = pick(
            self.simple_procedure.person_max,
            self.simple_procedure.organisation_max,
        );
        let simple = amount <= simple_max && lawful.sanctions.is_empty() && !measure_taken;
        let art51 = self.simple_procedure.basis.clone();
        reasons.push(Reason {
            zh: if simple {
                format!("警告或{}元以下罚款，可以当场处罚（简易程序）", simple_max)
            } else if amount > simple_max {
                format!("罚款超过{}元，适用普通程序", simple_max)
            } else if measure_taken {
                "采取行政强制措施，适用普通程序".into()
            } else {
                "除警告、罚款外另有其他处罚，适用普通程序".into()
            },
            basis: art51,
        });
        let hearing_min = pick(self.hearing.person_min, self.hearing.organisation_min);
        let gains_large = match lawful.fine {
            LawfulFine::Gains { gains, .. } => confiscate && gains >= hearing_min,
            _ => false,
        };
        let hearing = amount >= hearing_min || revoke || gains_large;
        if hearing {
            let (item, why) = if revoke {
                (3, "吊销许可证件".to_owned())
            } else if amount >= hearing_min {
                (1, format!("较大数额罚款（{hearing_min}元以上）"))
            } else {
                (2, "没收较大数额违法所得".to_owned())
            };
            reasons.push(Reason {
                zh: format!("{why}，应当告知当事人有要求听证的权利"),
                basis: Citation {
                    item: Some(item),
                    ..self.hearing.basis.clone()
                },
            });
        }
        let lr = &self.legal_review;
        let legal_review = amount >= pick(lr.person_min, lr.organisation_min)
            || (revoke && lr.revocation)
            || (hearing && lr.hearing);
        if legal_review {
            reasons.push(Reason {
                zh: "重大执法决定，作出决定前应当进行法制审核".into(),
                basis: lr.basis.clone(),
            });
        }
        if measure_taken {
            for article in [18, 24] {
                reasons.push(Reason {
                    zh: if article == 18 {
                        "实施行政强制措施：报告负责人批准、二名以上执法人员、当场告知、制作现场笔录"
                            .into()
                    } else {
                        "扣押应当制作并当场交付扣押决定书和清单".into()
                    },
                    basis: Citation {
                        law: QZF.into(),
                        article,
                        paragraph: None,
                        item: None,
                    },
                });
            }
        }
        ProcedureNeeds {
            procedure: if simple {
                Procedure::Simple
            } else {
                Procedure::General
            },
            hearing,
            legal_review,
            compulsory: measure_taken,
            reasons,
        }
    }
}

/// 行政强制法, as cited.
pub const QZF: &str = "《中华人民共和国行政强制法》";

/// One reason for a procedural requirement, with its provision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// In Chinese.
    pub zh: String,
    /// The provision.
    pub basis: Citation,
}

/// What a decision needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcedureNeeds {
    /// Simple or general.
    pub procedure: Procedure,
    /// The party must be told of the right to a hearing.
    pub hearing: bool,
    /// 法制审核 before the decision.
    pub legal_review: bool,
    /// A compulsory measure is taken.
    pub compulsory: bool,
    /// Why, each with its provision.
    pub reasons: Vec<Reason>,
}

impl LawfulFine {
    /// The lawful fine in Chinese, as the officer reads it.
    pub fn zh(&self) -> String {
        match *self {
            LawfulFine::Range { range, serious } => format!(
                "{}法定罚款 {}–{} 元",
                if serious { "情节严重，" } else { "" },
                range.min,
                range.max
            ),
            LawfulFine::Gains { gains, range } => format!(
                "违法所得 {gains} 元，法定罚款为其倍数 {}–{} 元",
                range.min, range.max
            ),
            LawfulFine::Exact { excess_kg, penalty } => {
                format!("超限 {excess_kg} 千克，依法{}", penalty_zh(penalty))
            }
        }
    }

    /// The same in English.
    pub fn en(&self) -> String {
        match *self {
            LawfulFine::Range { range, serious } => format!(
                "{}statutory fine {}–{} yuan",
                if serious {
                    "serious circumstances, "
                } else {
                    ""
                },
                range.min,
                range.max
            ),
            LawfulFine::Gains { gains, range } => format!(
                "illegal gains {gains} yuan: fine {}–{} yuan (multiples of the gains)",
                range.min, range.max
            ),
            LawfulFine::Exact { excess_kg, penalty } => match penalty {
                Penalty::Warning => format!("{excess_kg} kg over: a warning"),
                Penalty::Fine(n) => format!("{excess_kg} kg over: a fine of {n} yuan"),
            },
        }
    }
}
