//! What must hold before a step may be left: each step's fields checked,
//! every error naming its field in both languages.

use chrono::NaiveDate;
use fieldcase_shared::catalog::{
    AmountError, Entry, Facts, Lawful, PartyKind as Who, Penalty, Procedure, ProcedureNeeds,
};
use fieldcase_shared::model::{MAX_NAME_CHARS, MAX_PLACE_CHARS};
use fieldcase_shared::validate::{self, ValidationError};

use super::{step, Assets, Draft, Field, PenaltyKind, Signer};

/// An error against one field, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field name (the draft field it belongs to).
    pub field: Field,
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl FieldError {
    pub(crate) fn new(field: Field, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldError {
            field,
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub(crate) fn from_validation(field: Field, e: &ValidationError) -> Self {
        FieldError::new(field, e.zh(), e.to_string())
    }
}

fn phone_ok(p: &str) -> bool {
    let digits: String = p.chars().filter(|c| *c != '-' && *c != ' ').collect();
    let all_digits = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
    let mobile =
        digits.len() == 11 && digits.starts_with('1') && !digits[1..2].contains(['0', '1', '2']);
    let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
    all_digits && (mobile || landline)
}

fn cert_text_ok(s: &str) -> bool {
    let n = s.chars().count();
    (6..=40).contains(&n)
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || ('\u{4e00}'..='\u{9fff}').contains(&c)
                || "-（）()".contains(c)
        })
}

impl Draft {
    /// The catalogue entry picked, if any.
    pub fn entry<'a>(&self, assets: &'a Assets) -> Option<&'a Entry> {
        assets.catalog.get(&self.violation)
    }

    /// Whether a step is part of this check (the violation step only with a violation).
    pub fn step_applies(&self, step: usize) -> bool {
        step != step::VIOLATION || self.violation_found()
    }

    /// The penalty decided, as the catalogue sees it (None when incomplete).
    pub fn penalty(&self) -> Option<Penalty> {
        match self.penalty {
            PenaltyKind::Warning => Some(Penalty::Warning),
            _ => self.amount.trim().parse::<u64>().ok().map(Penalty::Fine),
        }
    }

    /// True when the entry is on the no-penalty list and every condition was answered yes.
    pub fn no_penalty_applies(&self, assets: &Assets) -> bool {
        let answers: Vec<bool> = self.no_penalty.iter().map(|a| *a == Some(true)).collect();
        self.entry(assets)
            .is_some_and(|e| e.no_penalty_applies(&answers))
    }

    /// The facts the lawful range depends on, as typed so far.
    pub fn facts(&self) -> Facts {
        let number = |s: &str| s.trim().parse::<u64>().ok();
        Facts {
            party: Some(if self.organisation() {
                Who::Organisation
            } else {
                Who::Person
            }),
            gains: number(&self.gains),
            excess_kg: number(&self.excess_kg),
            serious: false,
        }
    }

    /// The decision checked against the law for the facts (None while no
    /// entry, tier or penalty is chosen).
    pub fn lawful(&self, assets: &Assets) -> Option<Result<Lawful, AmountError>> {
        let entry = self.entry(assets)?;
        Some(
            assets
                .catalog
                .check(entry, &self.grade, self.penalty()?, &self.facts()),
        )
    }

    /// What the decision needs: procedure, hearing right, legal review.
    pub fn needs(&self, assets: &Assets) -> Option<ProcedureNeeds> {
        let lawful = self.lawful(assets)?.ok()?;
        let party = self.facts().party?;
        let measures = !self.measures_taken(assets).is_empty();
        Some(
            assets
                .catalog
                .needs(&lawful, self.penalty()?, party, measures),
        )
    }

    /// The compulsory measures taken that the entry's article allows.
    pub fn measures_taken(&self, assets: &Assets) -> Vec<fieldcase_shared::catalog::MeasureKind> {
        self.entry(assets)
            .map(|e| {
                e.measures
                    .iter()
                    .map(|m| m.kind)
                    .filter(|k| self.measures.contains(k))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The procedure the decision needs.
    pub fn procedure(&self, assets: &Assets) -> Option<Procedure> {
        if self.no_penalty_applies(assets) {
            return Some(Procedure::Simple);
        }
        self.needs(assets).map(|n| n.procedure)
    }

    /// What is wrong on a step (empty when it may be left).
    pub fn errors(&self, step: usize, today: NaiveDate, assets: &Assets) -> Vec<FieldError> {
        let mut errs = Vec::new();
        match step {
            step::VEHICLE => self.vehicle_errors(assets, &mut errs),
            step::PARTY => self.party_errors(today, &mut errs),
            step::PLACE => self.place_errors(&mut errs),
            step::CHECKLIST => self.checklist_errors(assets, &mut errs),
            step::OUTCOME if self.outcome.is_none() => {
                errs.push(FieldError::new(
                    Field::Outcome,
                    "请选择检查结论",
                    "Choose the outcome",
                ));
            }
            step::VIOLATION if self.violation_found() => self.violation_errors(assets, &mut errs),
            step::STATEMENT => {
                self.told_errors(assets, &mut errs);
                self.statement_errors(today, &mut errs);
            }
            _ => {}
        }
        errs
    }

    fn vehicle_errors(&self, assets: &Assets, errs: &mut Vec<FieldError>) {
        if let Err(e) = validate::plate(&self.plate) {
            errs.push(FieldError::from_validation(Field::Plate, &e));
        }
        match assets.checklists.get(&self.vehicle_kind) {
            None => errs.push(FieldError::new(
                Field::VehicleKind,
                "请选择车辆类型",
                "Choose the vehicle type",
            )),
            Some(t)
                if t.transport_cert
                    && !self.transport_cert.trim().is_empty()
                    && !cert_text_ok(self.transport_cert.trim()) =>
            {
                errs.push(FieldError::new(
                    Field::TransportCert,
                    "道路运输证号应为 6–40 位数字、字母或汉字",
                    "Transport certificate number: 6–40 digits, letters or Chinese characters",
                ))
            }
            Some(_) => {}
        }
    }

    fn party_errors(&self, today: NaiveDate, errs: &mut Vec<FieldError>) {
        if self.organisation() {
            if let Err(e) = validate::uscc(self.uscc.trim()) {
                errs.push(FieldError::from_validation(Field::Uscc, &e));
            }
            if self.name.trim().is_empty() {
                errs.push(FieldError::new(
                    Field::Name,
                    "请填写单位名称",
                    "Enter the organisation's name",
                ));
            }
            if self.legal_rep.trim().is_empty() {
                errs.push(FieldError::new(
                    Field::LegalRep,
                    "请填写法定代表人",
                    "Enter the legal representative",
                ));
            }
        } else {
            if let Err(e) = validate::id_card(self.id_number.trim(), today) {
                errs.push(FieldError::from_validation(Field::IdNumber, &e));
            }
            if self.name.trim().is_empty() {
                errs.push(FieldError::new(
                    Field::Name,
                    "请填写当事人姓名",
                    "Enter the party's name",
                ));
            }
            let q = self.qualification.trim();
            if !q.is_empty() && !cert_text_ok(q) {
                errs.push(FieldError::new(
                    Field::Qualification,
                    "从业资格证号应为 6–40 位数字或字母",
                    "Qualification number: 6–40 digits or letters",
                ));
            }
        }
        if self.name.chars().count() > MAX_NAME_CHARS {
            errs.push(FieldError::new(
                Field::Name,
                format!("名称过长，最多 {MAX_NAME_CHARS} 个字"),
                format!("Name too long: at most {MAX_NAME_CHARS} characters"),
            ));
        }
        if !self.phone.trim().is_empty() && !phone_ok(self.phone.trim()) {
            errs.push(FieldError::new(
                Field::Phone,
                "电话应为 11 位手机号或带区号的固定电话",
                "Phone: an 11-digit mobile number or a landline with area code",
            ));
        }
    }

    fn place_errors(&self, errs: &mut Vec<FieldError>) {
        if let Err(e) = validate::text("place", &self.place, MAX_PLACE_CHARS) {
            errs.push(FieldError::from_validation(Field::Place, &e));
        }
    }

    fn checklist_errors(&self, assets: &Assets, errs: &mut Vec<FieldError>) {
        if let Some(t) = assets.checklists.get(&self.vehicle_kind) {
            let missing = t
                .items
                .iter()
                .filter(|i| !self.checklist.contains_key(&i.id))
                .count();
            if missing > 0 {
                errs.push(FieldError::new(
                    Field::Checklist,
                    format!("还有 {missing} 项未检查"),
                    format!("{missing} items not yet checked"),
                ));
            }
        }
    }

    /// The items of `assets/procedure/told.json` this check needs: the
    /// credentials always (行政处罚法 art. 55), facts and rights before an
    /// on-the-spot decision (art. 44, 62).
    pub fn told_required<'a>(
        &self,
        assets: &'a Assets,
    ) -> Vec<&'a fieldcase_shared::procedure::ToldItem> {
        let simple = on_the_spot(self.findings(assets).decision.as_ref());
        assets.told.required(simple).collect()
    }

    fn told_errors(&self, assets: &Assets, errs: &mut Vec<FieldError>) {
        for item in self.told_required(assets) {
            if !self.told.contains(&item.id) {
                errs.push(FieldError::new(
                    Field::Told,
                    format!("须确认：{}（{}）", item.text, item.basis.provision()),
                    format!("Confirm: {} ({})", item.text_en, item.basis.text_en()),
                ));
            }
        }
    }

    /// Every signature, or the party's refusal with a witness whose 身份证号
    /// is checked like the party's.
    fn statement_errors(&self, today: NaiveDate, errs: &mut Vec<FieldError>) {
        for who in Signer::ALL {
            let refused = who == Signer::Party && self.party_refused;
            if !refused && !self.signatures.contains_key(&who) {
                errs.push(FieldError::new(
                    Field::Signatures,
                    format!("缺少{}签名", who.zh()),
                    format!("{} has not signed", who.en()),
                ));
            }
        }
        if self.party_refused
            && (self.witness_name.trim().is_empty() || self.witness_id.trim().is_empty())
        {
            errs.push(FieldError::new(
                Field::Witness,
                "当事人拒绝签字时须填写见证人姓名和证件号",
                "A refusal to sign needs a witness's name and ID",
            ));
        } else if self.party_refused {
            // The witness's 身份证号 is checked like the party's.
            if let Err(e) = validate::id_card(self.witness_id.trim(), today) {
                errs.push(FieldError::from_validation(Field::Witness, &e));
            }
        }
    }

    /// The day the check took place, in Beijing.
    fn check_day(&self) -> NaiveDate {
        let east8 = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
        self.started_at.with_timezone(&east8).date_naive()
    }

    /// The day the violation occurred or ended: as typed, else the day of
    /// the check; None when what is typed is not a date.
    pub fn violation_ended_on(&self) -> Option<NaiveDate> {
        match self.violation_ended.trim() {
            "" => Some(self.check_day()),
            t => NaiveDate::parse_from_str(t, "%Y-%m-%d").ok(),
        }
    }

    /// 行政处罚法 art. 36: no penalty for a violation not discovered (here:
    /// checked) within two years of the day it occurred or ended.
    fn limitation_errors(&self, errs: &mut Vec<FieldError>) {
        use fieldcase_shared::procedure::{limitation_ends, Limitation};
        let Some(ended) = self.violation_ended_on() else {
            errs.push(FieldError::new(
                Field::ViolationEnded,
                "日期格式为 2026-12-02（留空则为检查当日）",
                "Write the date as 2026-12-02 (empty: the day of the check)",
            ));
            return;
        };
        let checked = self.check_day();
        if ended > checked {
            errs.push(FieldError::new(
                Field::ViolationEnded,
                "违法行为发生或终了日期不能晚于检查当日",
                "The violation cannot have occurred or ended after the check",
            ));
        } else {
            let (kind, zh, en) = if self.life_or_health {
                (Limitation::LifeOrHealth, "五年", "five years")
            } else {
                (Limitation::Ordinary, "二年", "two years")
            };
            if limitation_ends(ended, kind) < checked {
                errs.push(FieldError::new(
                    Field::ViolationEnded,
                    format!(
                        "违法行为自 {ended} 起{zh}内未被发现，不再给予行政处罚（行政处罚法第三十六条）"
                    ),
                    format!(
                        "Not discovered within {en} of {ended}: no penalty may be given (art. 36)"
                    ),
                ));
            }
        }
    }

    fn violation_errors(&self, assets: &Assets, errs: &mut Vec<FieldError>) {
        self.limitation_errors(errs);
        let Some(entry) = self.entry(assets) else {
            errs.push(FieldError::new(
                Field::Violation,
                "请从目录中选择违法行为",
                "Pick the violation from the catalogue",
            ));
            return;
        };
        let facts = self.facts();
        if let Some(party) = facts.party.filter(|p| !entry.applies_to(*p)) {
            let e = AmountError::PartyNotAllowed {
                code: entry.code.clone(),
                party,
            };
            errs.push(FieldError::new(Field::Violation, e.zh(), e.to_string()));
            return;
        }
        if entry.gains.is_some() && facts.gains.is_none() {
            errs.push(FieldError::new(
                Field::Gains,
                "请填写违法所得（元，整数；没有则填 0）",
                "Enter the illegal gains in whole yuan (0 if none)",
            ));
        }
        if entry.per_excess.is_some() && facts.excess_kg.is_none() {
            errs.push(FieldError::new(
                Field::ExcessKg,
                "请填写超限质量（千克，整数）",
                "Enter the kilograms over the limit",
            ));
        }
        let np = entry.no_penalty.as_ref().map_or(0, |n| n.conditions.len());
        if np > 0 && (self.no_penalty.len() != np || self.no_penalty.iter().any(Option::is_none)) {
            errs.push(FieldError::new(
                Field::NoPenalty,
                "请逐项回答是否符合免罚条件",
                "Answer every no-penalty condition",
            ));
            return;
        }
        if self.no_penalty_applies(assets) || !errs.is_empty() {
            return;
        }
        if entry.tier(&self.grade).is_none() {
            errs.push(FieldError::new(
                Field::Grade,
                "请选择裁量档次",
                "Choose the discretion tier",
            ));
            return;
        }
        let Some(penalty) = self.penalty() else {
            errs.push(FieldError::new(
                Field::Amount,
                "请填写罚款金额（元，整数）",
                "Enter the fine in whole yuan",
            ));
            return;
        };
        if let Err(e) = assets.catalog.check(entry, &self.grade, penalty, &facts) {
            errs.push(FieldError::new(Field::Amount, e.zh(), e.to_string()));
        }
    }
}

/// A penalty decided on the spot (simple procedure).
pub(crate) fn on_the_spot(d: Option<&fieldcase_shared::check::Decision>) -> bool {
    d.is_some_and(|d| d.penalty != "none" && d.procedure == "simple")
}
