//! The roadside check as a step-by-step draft: every field is saved to the
//! local database as it is typed; the case is opened (numbered and signed)
//! when the officers leave the time-and-place step, evidence is signed as
//! it is imported, and closing signs the findings.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use fieldcase_shared::catalog::{Catalog, Entry, Penalty, Procedure};
use fieldcase_shared::check::{
    ChecklistAnswer, Checklists, Decision, Findings, ItemResult, Location, Signature, Witness,
};
use fieldcase_shared::model::{OfficerPair, Party, MAX_NAME_CHARS, MAX_PLACE_CHARS};
use fieldcase_shared::validate::{self, ValidationError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The catalogue shipped with the app (`assets/catalog/violations.json`).
const CATALOG: &str = include_str!("../../../assets/catalog/violations.json");
/// The checklists shipped with the app (`assets/checklists/checklists.json`).
const CHECKLISTS: &str = include_str!("../../../assets/checklists/checklists.json");

/// The steps of a check, in order: (Chinese, English) titles.
pub const STEPS: [(&str, &str); 9] = [
    ("车辆", "Vehicle"),
    ("当事人", "Party"),
    ("时间地点", "Time and place"),
    ("检查项目", "Checklist"),
    ("检查结论", "Outcome"),
    ("违法与处罚", "Violation and penalty"),
    ("证据", "Evidence"),
    ("陈述与签名", "Statement and signatures"),
    ("核对结案", "Review and close"),
];
/// Step numbers.
pub mod step {
    /// Vehicle.
    pub const VEHICLE: usize = 0;
    /// Party.
    pub const PARTY: usize = 1;
    /// Time and place (leaving it opens the case).
    pub const PLACE: usize = 2;
    /// Checklist.
    pub const CHECKLIST: usize = 3;
    /// Outcome.
    pub const OUTCOME: usize = 4;
    /// Violation and penalty (only with a violation).
    pub const VIOLATION: usize = 5;
    /// Evidence.
    pub const EVIDENCE: usize = 6;
    /// Statement and signatures.
    pub const STATEMENT: usize = 7;
    /// Review and close.
    pub const REVIEW: usize = 8;
}

/// 音像记录 categories offered for evidence.
pub const EVIDENCE_CATEGORIES: [(&str, &str); 8] = [
    ("现场检查", "On-site check"),
    ("询问", "Questioning"),
    ("先行登记保存", "Registered preservation"),
    ("扣押", "Seizure"),
    ("送达", "Service of documents"),
    ("当场处罚", "On-the-spot penalty"),
    ("签名", "Signature"),
    ("其他", "Other"),
];

/// The law as data, loaded and validated.
#[derive(Debug, Clone)]
pub struct Assets {
    /// Violations.
    pub catalog: Catalog,
    /// Checklists per vehicle type.
    pub checklists: Checklists,
}

impl Assets {
    /// The files shipped with the app, validated (errors name file and entry).
    pub fn embedded() -> Result<Self, String> {
        Ok(Assets {
            catalog: Catalog::parse(CATALOG, "assets/catalog/violations.json")
                .map_err(|e| e.to_string())?,
            checklists: Checklists::parse(CHECKLISTS, "assets/checklists/checklists.json")
                .map_err(|e| e.to_string())?,
        })
    }
}

/// An error against one field, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Field name (the draft field it belongs to).
    pub field: &'static str,
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl FieldError {
    fn new(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldError {
            field,
            zh: zh.into(),
            en: en.into(),
        }
    }
    fn from_validation(field: &'static str, e: &ValidationError) -> Self {
        FieldError::new(field, e.zh(), e.to_string())
    }
}

/// A check in progress: what the officers typed, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    /// Draft id.
    pub id: String,
    /// Officers' 执法证号.
    pub officers: Vec<String>,
    /// When the draft was started (RFC 3339).
    pub started_at: String,
    /// Step shown.
    pub step: usize,
    /// Plate.
    pub plate: String,
    /// Vehicle type code.
    pub vehicle_kind: String,
    /// 道路运输证号 / 车辆营运证号.
    pub transport_cert: String,
    /// `person` or `organisation`.
    pub party_kind: String,
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
    pub location: Option<Location>,
    /// The case, once opened.
    pub case_id: Option<String>,
    /// 案号, once opened.
    pub case_no: Option<String>,
    /// Checklist item id → `ok` / `problem` / `not_applicable`.
    pub checklist: BTreeMap<String, String>,
    /// `no_violation` or `violation`.
    pub outcome: String,
    /// Catalogue code.
    pub violation: String,
    /// Discretion grade.
    pub grade: String,
    /// `fine` or `warning`.
    pub penalty: String,
    /// Fine as typed (yuan).
    pub amount: String,
    /// Answers to the no-penalty conditions (`yes` / `no` / empty).
    pub no_penalty: Vec<String>,
    /// 陈述申辩.
    pub statement: String,
    /// Role → SHA-256 (hex) of the signature image.
    pub signatures: BTreeMap<String, String>,
    /// 当事人拒绝签字.
    pub party_refused: bool,
    /// Witness of a refusal: name.
    pub witness_name: String,
    /// Witness of a refusal: ID.
    pub witness_id: String,
}

/// Signature roles: (role, Chinese, English).
pub const SIGNERS: [(&str, &str, &str); 3] = [
    ("party", "当事人", "Party"),
    ("officer_a", "主办执法人员", "Lead officer"),
    ("officer_b", "协办执法人员", "Second officer"),
];

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
    /// A new draft for the officer pair.
    pub fn new(officers: &OfficerPair, now: DateTime<FixedOffset>) -> Self {
        Draft {
            id: Uuid::now_v7().to_string(),
            officers: officers.cert_nos(),
            started_at: now.to_rfc3339(),
            party_kind: "person".into(),
            penalty: "fine".into(),
            ..Draft::default()
        }
    }

    /// True for an organisation party.
    pub fn organisation(&self) -> bool {
        self.party_kind == "organisation"
    }

    /// True once the case is opened (steps before the checklist are signed).
    pub fn opened(&self) -> bool {
        self.case_id.is_some()
    }

    /// The catalogue entry picked, if any.
    pub fn entry<'a>(&self, assets: &'a Assets) -> Option<&'a Entry> {
        assets.catalog.get(&self.violation)
    }

    /// Whether a step is part of this check (the violation step only with a violation).
    pub fn step_applies(&self, step: usize) -> bool {
        step != step::VIOLATION || self.outcome == "violation"
    }

    /// The penalty decided, as the catalogue sees it (None when incomplete).
    pub fn penalty(&self) -> Option<Penalty> {
        match self.penalty.as_str() {
            "warning" => Some(Penalty::Warning),
            _ => self.amount.trim().parse::<u64>().ok().map(Penalty::Fine),
        }
    }

    /// True when the entry is on the no-penalty list and every condition was answered yes.
    pub fn no_penalty_applies(&self, assets: &Assets) -> bool {
        let answers: Vec<bool> = self.no_penalty.iter().map(|a| a == "yes").collect();
        self.entry(assets)
            .is_some_and(|e| e.no_penalty_applies(&answers))
    }

    /// The procedure the decision needs.
    pub fn procedure(&self, assets: &Assets) -> Option<Procedure> {
        if self.no_penalty_applies(assets) {
            return Some(Procedure::Simple);
        }
        Some(
            assets
                .catalog
                .procedure(self.penalty()?, self.organisation()),
        )
    }

    /// What is wrong on a step (empty when it may be left).
    pub fn errors(&self, step: usize, today: NaiveDate, assets: &Assets) -> Vec<FieldError> {
        let mut errs = Vec::new();
        match step {
            step::VEHICLE => {
                if let Err(e) = validate::plate(&self.plate) {
                    errs.push(FieldError::from_validation("plate", &e));
                }
                match assets.checklists.get(&self.vehicle_kind) {
                    None => errs.push(FieldError::new("vehicle_kind", "请选择车辆类型", "Choose the vehicle type")),
                    Some(t) if t.transport_cert && !self.transport_cert.trim().is_empty() && !cert_text_ok(self.transport_cert.trim()) => {
                        errs.push(FieldError::new(
                            "transport_cert",
                            "道路运输证号应为 6–40 位数字、字母或汉字",
                            "Transport certificate number: 6–40 digits, letters or Chinese characters",
                        ))
                    }
                    Some(_) => {}
                }
            }
            step::PARTY => {
                if self.organisation() {
                    if let Err(e) = validate::uscc(self.uscc.trim()) {
                        errs.push(FieldError::from_validation("uscc", &e));
                    }
                    if self.name.trim().is_empty() {
                        errs.push(FieldError::new(
                            "name",
                            "请填写单位名称",
                            "Enter the organisation's name",
                        ));
                    }
                    if self.legal_rep.trim().is_empty() {
                        errs.push(FieldError::new(
                            "legal_rep",
                            "请填写法定代表人",
                            "Enter the legal representative",
                        ));
                    }
                } else {
                    if let Err(e) = validate::id_card(self.id_number.trim(), today) {
                        errs.push(FieldError::from_validation("id_number", &e));
                    }
                    if self.name.trim().is_empty() {
                        errs.push(FieldError::new(
                            "name",
                            "请填写当事人姓名",
                            "Enter the party's name",
                        ));
                    }
                    let q = self.qualification.trim();
                    if !q.is_empty() && !cert_text_ok(q) {
                        errs.push(FieldError::new(
                            "qualification",
                            "从业资格证号应为 6–40 位数字或字母",
                            "Qualification number: 6–40 digits or letters",
                        ));
                    }
                }
                if self.name.chars().count() > MAX_NAME_CHARS {
                    errs.push(FieldError::new(
                        "name",
                        format!("名称过长，最多 {MAX_NAME_CHARS} 个字"),
                        format!("Name too long: at most {MAX_NAME_CHARS} characters"),
                    ));
                }
                if !self.phone.trim().is_empty() && !phone_ok(self.phone.trim()) {
                    errs.push(FieldError::new(
                        "phone",
                        "电话应为 11 位手机号或带区号的固定电话",
                        "Phone: an 11-digit mobile number or a landline with area code",
                    ));
                }
            }
            step::PLACE => {
                if let Err(e) = validate::text("place", &self.place, MAX_PLACE_CHARS) {
                    errs.push(FieldError::from_validation("place", &e));
                }
            }
            step::CHECKLIST => {
                if let Some(t) = assets.checklists.get(&self.vehicle_kind) {
                    let missing = t
                        .items
                        .iter()
                        .filter(|i| !self.checklist.contains_key(&i.id))
                        .count();
                    if missing > 0 {
                        errs.push(FieldError::new(
                            "checklist",
                            format!("还有 {missing} 项未检查"),
                            format!("{missing} items not yet checked"),
                        ));
                    }
                }
            }
            step::OUTCOME if self.outcome != "violation" && self.outcome != "no_violation" => {
                errs.push(FieldError::new(
                    "outcome",
                    "请选择检查结论",
                    "Choose the outcome",
                ));
            }
            step::VIOLATION if self.outcome == "violation" => {
                self.violation_errors(assets, &mut errs)
            }
            step::STATEMENT => {
                for (role, zh, en) in SIGNERS {
                    let refused = role == "party" && self.party_refused;
                    if !refused && !self.signatures.contains_key(role) {
                        errs.push(FieldError::new(
                            "signatures",
                            format!("缺少{zh}签名"),
                            format!("{en} has not signed"),
                        ));
                    }
                }
                if self.party_refused
                    && (self.witness_name.trim().is_empty() || self.witness_id.trim().is_empty())
                {
                    errs.push(FieldError::new(
                        "witness",
                        "当事人拒绝签字时须填写见证人姓名和证件号",
                        "A refusal to sign needs a witness's name and ID",
                    ));
                } else if self.party_refused {
                    // The witness's 身份证号 is checked like the party's.
                    if let Err(e) = validate::id_card(self.witness_id.trim(), today) {
                        errs.push(FieldError::from_validation("witness", &e));
                    }
                }
            }
            _ => {}
        }
        errs
    }

    fn violation_errors(&self, assets: &Assets, errs: &mut Vec<FieldError>) {
        let Some(entry) = self.entry(assets) else {
            errs.push(FieldError::new(
                "violation",
                "请从目录中选择违法行为",
                "Pick the violation from the catalogue",
            ));
            return;
        };
        let np = entry.no_penalty.as_ref().map_or(0, |n| n.conditions.len());
        if np > 0
            && (self.no_penalty.len() != np
                || self.no_penalty.iter().any(|a| a != "yes" && a != "no"))
        {
            errs.push(FieldError::new(
                "no_penalty",
                "请逐项回答是否符合免罚条件",
                "Answer every no-penalty condition",
            ));
            return;
        }
        if self.no_penalty_applies(assets) {
            return;
        }
        if entry.tier(&self.grade).is_none() {
            errs.push(FieldError::new(
                "grade",
                "请选择裁量档次",
                "Choose the discretion tier",
            ));
            return;
        }
        let Some(penalty) = self.penalty() else {
            errs.push(FieldError::new(
                "amount",
                "请填写罚款金额（元，整数）",
                "Enter the fine in whole yuan",
            ));
            return;
        };
        if let Err(e) = entry.check(&self.grade, penalty) {
            errs.push(FieldError::new("amount", e.zh(), e.to_string()));
        }
    }

    /// The party as recorded.
    fn party(&self, today: NaiveDate) -> Result<Party, ValidationError> {
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
                            .and_then(|r| ItemResult::parse(r))
                            .unwrap_or(ItemResult::NotApplicable),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let decision = (self.outcome == "violation")
            .then(|| self.entry(assets))
            .flatten()
            .map(|e| {
                let none = self.no_penalty_applies(assets);
                let penalty = self.penalty();
                Decision {
                    code: e.code.clone(),
                    title: e.title.clone(),
                    basis: e.basis.clone(),
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
                    no_penalty_answers: self.no_penalty.iter().map(|a| a == "yes").collect(),
                }
            });
        let signatures = SIGNERS
            .iter()
            .map(|(role, _, _)| {
                let refused = *role == "party" && self.party_refused;
                Signature {
                    role: (*role).into(),
                    image: self
                        .signatures
                        .get(*role)
                        .and_then(|h| h.parse().ok())
                        .filter(|_| !refused),
                    refused,
                    witness: refused.then(|| Witness {
                        name: self.witness_name.trim().into(),
                        // Checked on the statement step; `x` written as `X`.
                        id: self.witness_id.trim().to_ascii_uppercase(),
                    }),
                }
            })
            .collect();
        Findings {
            vehicle_kind: self.vehicle_kind.clone(),
            checklist,
            outcome: self.outcome.clone(),
            decision,
            statement: self.statement.trim().to_owned(),
            signatures,
        }
    }
}

mod edit;
mod flow;
pub use flow::StepError;

#[cfg(test)]
mod tests;
