//! The general procedure's writings at the roadside, as signed records:
//! the 现场笔录 of what the officers saw and did, the 询问笔录 of each
//! person questioned (问/答 with its start and end times), the
//! 证据登记保存清单 of evidence preserved on the agency head's approval, the
//! 责令改正违法行为通知书, and the 行政强制措施决定书 with its 清单 handed over
//! when a vehicle is detained or towed away. Each carries the signature of
//! the person it concerns, or the refusal noted with a witness (行政处罚法
//! art. 55 para 2: 询问或者检查应当制作笔录; art. 56; art. 28 para 1;
//! 行政强制法 art. 24).
//!
//! [`check`] is what the terminal and the server both apply: a writing
//! that says nothing, runs backwards in time or has no signature or noted
//! refusal is refused with what to do.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::MeasureKind;
use crate::hash::Digest;
use crate::served::Receipt;

/// Longest free text kept in one field (a 现场情况 or an answer).
pub const MAX_TEXT: usize = 4000;
/// Longest short field (a name, a place, a unit).
pub const MAX_SHORT: usize = 100;
/// Most 问/答 pairs in one 询问笔录.
pub const MAX_EXCHANGES: usize = 1000;
/// Most items in one 证据登记保存清单.
pub const MAX_ITEMS: usize = 200;

/// Body of a `site_recorded` record: the 现场笔录.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteRecord {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// When the inspection began.
    pub started_at: DateTime<FixedOffset>,
    /// When it ended.
    pub ended_at: DateTime<FixedOffset>,
    /// Where.
    pub place: String,
    /// The person present for the party (当事人或者在场人).
    pub present: String,
    /// What the officers saw and did (现场情况).
    pub observed: String,
    /// The person's signature after reading it, or the refusal noted.
    pub receipt: Receipt,
    /// The provision applied.
    pub basis: String,
}

/// How the person questioned relates to the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// 当事人 (or the party's driver).
    Party,
    /// 证人.
    Witness,
    /// 其他有关人员.
    Other,
}

impl Relation {
    /// As printed.
    pub fn zh(self) -> &'static str {
        match self {
            Relation::Party => "当事人",
            Relation::Witness => "证人",
            Relation::Other => "其他有关人员",
        }
    }

    /// From its tag.
    pub fn parse(tag: &str) -> Option<Relation> {
        match tag {
            "party" => Some(Relation::Party),
            "witness" => Some(Relation::Witness),
            "other" => Some(Relation::Other),
            _ => None,
        }
    }
}

/// The person questioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interviewee {
    /// Name.
    pub name: String,
    /// ID number, when shown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id_number: String,
    /// Relation to the case.
    pub relation: Relation,
}

/// One question and its answer, as written down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// 问.
    pub q: String,
    /// 答.
    pub a: String,
}

/// Body of an `interview_recorded` record: one 询问笔录.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interview {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// When the questioning began.
    pub started_at: DateTime<FixedOffset>,
    /// When it ended.
    pub ended_at: DateTime<FixedOffset>,
    /// Where.
    pub place: String,
    /// Who was questioned.
    pub person: Interviewee,
    /// The questions and answers, in order.
    pub exchanges: Vec<Exchange>,
    /// The person's signature after reading it (以上笔录我看过，与我说的相符),
    /// or the refusal noted.
    pub receipt: Receipt,
    /// The provision applied.
    pub basis: String,
}

/// One item preserved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreservedItem {
    /// 名称.
    pub name: String,
    /// 规格 (may be empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub spec: String,
    /// 数量.
    pub quantity: u32,
    /// Its unit (件, 本, 辆).
    pub unit: String,
}

/// Body of an `evidence_registered` record: the 证据登记保存清单 of
/// 先行登记保存 (art. 56).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRegister {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// The items.
    pub items: Vec<PreservedItem>,
    /// Where they are kept (保存地点).
    pub kept_at: String,
    /// The agency head who approved it (经行政机关负责人批准).
    pub approved_by: String,
    /// The day the agency must decide on them by (7 working days).
    pub decide_by: NaiveDate,
    /// The party's signature, or the refusal noted.
    pub receipt: Receipt,
    /// The provision applied.
    pub basis: String,
}

/// Body of a `correction_ordered` record: the 责令改正违法行为通知书.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionOrder {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// The violation, as found.
    pub violation: String,
    /// What the party must do.
    pub order: String,
    /// By when (`None`: at once, 立即改正).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct_by: Option<NaiveDate>,
    /// The party's signature, or the refusal noted.
    pub receipt: Receipt,
    /// The provision applied.
    pub basis: String,
}

/// Body of a `measure_decided` record: the 行政强制措施决定书 (扣押决定书)
/// and its 清单, handed to the party on the spot (行政强制法 art. 24).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureDecision {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// The measures decided (each one recorded at the check).
    pub measures: Vec<MeasureKind>,
    /// The party's address (art. 24 para. 2 item 1).
    pub address: String,
    /// Why (理由, item 2): the facts that make the measure necessary.
    pub reason: String,
    /// The last day of a detention (期限, item 2; at most 30 days, art. 25);
    /// none when nothing is detained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// The 清单: what is detained (item 3); empty when nothing is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<PreservedItem>,
    /// Where it is kept; empty when nothing is detained.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kept_at: String,
    /// The party's signature on the 清单, or the refusal noted.
    pub receipt: Receipt,
    /// The provisions applied (依据, item 2).
    pub basis: String,
}

/// A writing that cannot be signed, and why (Chinese and English).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{zh} / {en}")]
pub struct Invalid {
    /// In Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
}

pub(crate) fn invalid(zh: impl Into<String>, en: impl Into<String>) -> Invalid {
    Invalid {
        zh: zh.into(),
        en: en.into(),
    }
}

/// `s` is present and not longer than `max` characters.
pub(crate) fn text(zh: &str, en: &str, s: &str, max: usize) -> Result<(), Invalid> {
    let n = s.trim().chars().count();
    if n == 0 {
        return Err(invalid(format!("请填写{zh}"), format!("{en} is required")));
    }
    if n > max || s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(
            format!("{zh}最多 {max} 个字，且不能含控制字符"),
            format!("{en}: at most {max} characters, no control characters"),
        ));
    }
    Ok(())
}

fn times(start: DateTime<FixedOffset>, end: DateTime<FixedOffset>) -> Result<(), Invalid> {
    if end < start {
        return Err(invalid(
            "结束时间早于开始时间，请核对时间",
            "the end time is before the start time",
        ));
    }
    if end - start > chrono::Duration::hours(24) {
        return Err(invalid(
            "一份笔录不能超过 24 小时，请分次制作",
            "one record cannot span more than 24 hours: make one per sitting",
        ));
    }
    Ok(())
}

fn receipt(r: &Receipt) -> Result<(), Invalid> {
    match r {
        Receipt::Signed { .. } => Ok(()),
        Receipt::Refused { note, .. } => text("拒绝签名的情况", "the refusal note", note, 200),
    }
}

/// Checks a writing before it is signed or accepted.
pub trait Check {
    /// What is wrong with it, if anything.
    fn check(&self) -> Result<(), Invalid>;
    /// The evidence blobs it refers to (the signature image).
    fn blobs(&self) -> Vec<Digest>;
}

fn receipt_blobs(r: &Receipt) -> Vec<Digest> {
    match r {
        Receipt::Signed { signature } => vec![*signature],
        Receipt::Refused { .. } => vec![],
    }
}

impl Check for SiteRecord {
    fn check(&self) -> Result<(), Invalid> {
        times(self.started_at, self.ended_at)?;
        text("检查地点", "the place", &self.place, MAX_SHORT)?;
        text("在场人", "the person present", &self.present, MAX_SHORT)?;
        text("现场情况", "what was found", &self.observed, MAX_TEXT)?;
        receipt(&self.receipt)
    }
    fn blobs(&self) -> Vec<Digest> {
        receipt_blobs(&self.receipt)
    }
}

impl Check for Interview {
    fn check(&self) -> Result<(), Invalid> {
        times(self.started_at, self.ended_at)?;
        text("询问地点", "the place", &self.place, MAX_SHORT)?;
        text(
            "被询问人姓名",
            "the name of the person questioned",
            &self.person.name,
            MAX_SHORT,
        )?;
        if self.person.id_number.chars().count() > MAX_SHORT {
            return Err(invalid("证件号码过长", "the ID number is too long"));
        }
        if self.exchanges.is_empty() || self.exchanges.len() > MAX_EXCHANGES {
            return Err(invalid(
                format!("询问笔录须有 1–{MAX_EXCHANGES} 组问答"),
                format!("an interview needs 1–{MAX_EXCHANGES} questions and answers"),
            ));
        }
        for (i, e) in self.exchanges.iter().enumerate() {
            let n = i + 1;
            text(
                &format!("第 {n} 问"),
                &format!("question {n}"),
                &e.q,
                MAX_TEXT,
            )?;
            text(
                &format!("第 {n} 答"),
                &format!("answer {n}"),
                &e.a,
                MAX_TEXT,
            )?;
        }
        receipt(&self.receipt)
    }
    fn blobs(&self) -> Vec<Digest> {
        receipt_blobs(&self.receipt)
    }
}

/// A 清单's items: 1–[`MAX_ITEMS`], each named, counted, with its unit.
fn items(list: &str, items: &[PreservedItem]) -> Result<(), Invalid> {
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(invalid(
            format!("{list}须列明 1–{MAX_ITEMS} 项物品"),
            format!("the list needs 1–{MAX_ITEMS} items"),
        ));
    }
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        text(
            &format!("第 {n} 项名称"),
            &format!("item {n}'s name"),
            &item.name,
            MAX_SHORT,
        )?;
        text(
            &format!("第 {n} 项单位"),
            &format!("item {n}'s unit"),
            &item.unit,
            10,
        )?;
        if item.quantity == 0 || item.spec.chars().count() > MAX_SHORT {
            return Err(invalid(
                    format!("第 {n} 项的数量须大于 0，规格最多 {MAX_SHORT} 字"),
                    format!("item {n}: the quantity must be above 0, the spec at most {MAX_SHORT} characters"),
                ));
        }
    }
    Ok(())
}

impl Check for EvidenceRegister {
    fn check(&self) -> Result<(), Invalid> {
        items("证据登记保存清单", &self.items)?;
        text("保存地点", "where it is kept", &self.kept_at, MAX_SHORT)?;
        text(
            "批准的行政机关负责人（行政处罚法第五十六条）",
            "the agency head who approved it (art. 56)",
            &self.approved_by,
            MAX_SHORT,
        )?;
        receipt(&self.receipt)
    }
    fn blobs(&self) -> Vec<Digest> {
        receipt_blobs(&self.receipt)
    }
}

impl Check for CorrectionOrder {
    fn check(&self) -> Result<(), Invalid> {
        text("违法行为", "the violation", &self.violation, MAX_TEXT)?;
        text("改正要求", "what to correct", &self.order, MAX_TEXT)?;
        receipt(&self.receipt)
    }
    fn blobs(&self) -> Vec<Digest> {
        receipt_blobs(&self.receipt)
    }
}

impl Check for MeasureDecision {
    fn check(&self) -> Result<(), Invalid> {
        if self.measures.is_empty() {
            return Err(invalid(
                "请写明决定实施的行政强制措施（行政强制法第二十四条）",
                "name the compulsory measure decided (QZF art. 24)",
            ));
        }
        text(
            "当事人地址",
            "the party's address",
            &self.address,
            MAX_SHORT,
        )?;
        text("实施理由", "the reason", &self.reason, MAX_TEXT)?;
        let detains = self.measures.contains(&MeasureKind::DetainVehicle);
        if detains {
            if self.until.is_none() {
                return Err(invalid(
                    "扣押须写明期限（行政强制法第二十四条、第二十五条）",
                    "a detention states its last day (QZF art. 24, 25)",
                ));
            }
            items("查封、扣押清单", &self.items)?;
            text("存放地点", "where it is kept", &self.kept_at, MAX_SHORT)?;
        } else if self.until.is_some() || !self.items.is_empty() || !self.kept_at.is_empty() {
            return Err(invalid(
                "未扣押财物时不写期限、清单和存放地点",
                "without a detention there is no period, list or place",
            ));
        }
        receipt(&self.receipt)
    }
    fn blobs(&self) -> Vec<Digest> {
        receipt_blobs(&self.receipt)
    }
}

/// One of these writings, as a case's history shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writing {
    /// 现场笔录.
    Site(SiteRecord),
    /// 询问笔录.
    Interview(Interview),
    /// 证据登记保存清单.
    Register(EvidenceRegister),
    /// 责令改正违法行为通知书.
    Order(CorrectionOrder),
    /// 行政强制措施决定书 and its 清单.
    Measure(MeasureDecision),
}

impl Writing {
    /// The writing a record body carries, if it is one.
    pub fn of(body: crate::record::RecordBody) -> Option<Writing> {
        use crate::record::RecordBody as B;
        match body {
            B::SiteRecorded(w) => Some(Writing::Site(w)),
            B::InterviewRecorded(w) => Some(Writing::Interview(w)),
            B::EvidenceRegistered(w) => Some(Writing::Register(w)),
            B::CorrectionOrdered(w) => Some(Writing::Order(w)),
            B::MeasureDecided(w) => Some(Writing::Measure(w)),
            _ => None,
        }
    }

    /// Its title, in Chinese and English.
    pub fn title(&self) -> (&'static str, &'static str) {
        match self {
            Writing::Site(_) => ("现场笔录", "site record"),
            Writing::Interview(_) => ("询问笔录", "interview record"),
            Writing::Register(_) => ("证据登记保存清单", "evidence preserved"),
            Writing::Order(_) => ("责令改正违法行为通知书", "order to correct"),
            Writing::Measure(_) => ("行政强制措施决定书", "compulsory measure decision"),
        }
    }

    /// How the person acknowledged it.
    pub fn receipt(&self) -> &Receipt {
        match self {
            Writing::Site(w) => &w.receipt,
            Writing::Interview(w) => &w.receipt,
            Writing::Register(w) => &w.receipt,
            Writing::Order(w) => &w.receipt,
            Writing::Measure(w) => &w.receipt,
        }
    }
}

/// Checks `body`, when it is one of these writings.
pub fn check(body: &crate::record::RecordBody) -> Result<(), Invalid> {
    use crate::record::RecordBody as B;
    match body {
        B::SiteRecorded(w) => w.check(),
        B::InterviewRecorded(w) => w.check(),
        B::EvidenceRegistered(w) => w.check(),
        B::CorrectionOrdered(w) => w.check(),
        B::MeasureDecided(w) => w.check(),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
