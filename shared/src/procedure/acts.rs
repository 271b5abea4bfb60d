//! The bureau's steps of a case as signed records: a `procedure_act` is
//! one step of the state machine ([`Step`]), dated, done by named people,
//! citing the provision it applies, and — for the steps that produce a
//! document of the national set — the document's content (立案登记表,
//! 违法行为通知书, 听证通知书, 行政处罚决定书, 不予行政处罚决定书,
//! 结案报告). The documents are printed from these records only.
//!
//! [`ProcedureAct::check`] is what a signer applies before signing and a
//! reader on receipt: the content is present, bounded, and the one the
//! step produces. Whether the law allows the step at that point of the
//! case is the state machine's question ([`super::replay`]).

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use super::legal_review::{LegalOpinion, ReviewPoint};
use super::machine::{Step, Taken};
pub use super::service::{ServiceMethod, ServiceNote};
use crate::catalog::Citation;
use crate::investigation::{invalid, text, Invalid, MAX_SHORT, MAX_TEXT};
use crate::publication::{PublicationEntry, WithholdReason};

/// Most people an act names as having done it.
pub const MAX_BY: usize = 20;

/// Most evidence lines a decision lists.
pub const MAX_EVIDENCE: usize = 200;

/// Body of a `procedure_act` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcedureAct {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// The step, its day and who did it (执法证号 or staff login).
    pub taken: Taken,
    /// The provision the step applies ([`Step::basis`]).
    pub basis: Citation,
    /// The document the step produces, when it produces one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper: Option<Paper>,
}

/// The content of the document a step produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum Paper {
    /// 立案登记表 (with [`Step::Filed`]).
    Filing(Filing),
    /// 违法行为通知书 (with [`Step::NoticeServed`]).
    Notice(Notice),
    /// 听证通知书 (with [`Step::HearingNoticed`]).
    HearingNotice(HearingNotice),
    /// 听证笔录 (with [`Step::HearingHeld`], art. 64 item 8).
    HearingRecord(HearingRecord),
    /// 行政处罚决定书 (with [`Step::Decided`]).
    Decision(Decision),
    /// 不予行政处罚决定书 (with [`Step::Decided`]).
    NoPenalty(NoPenalty),
    /// 结案报告 (with [`Step::Closed`]).
    ClosingReport(ClosingReport),
    /// 法制审核意见书 (with [`Step::LegalReviewed`]).
    LegalOpinion(LegalOpinion),
    /// 送达回证 of a service by the bureau (with [`Step::Served`]).
    ServiceReceipt(ServiceNote),
    /// The entry as published, masked (with [`Step::Published`]).
    Publication(Box<PublicationEntry>),
    /// Why the decision is not published (with
    /// [`Step::PublicationWithheld`]).
    Withholding(Withholding),
    /// How and by whom the decision was overturned (with
    /// [`Step::Overturned`]).
    Overturning(Overturning),
    /// The reason made public with the withdrawal (with
    /// [`Step::PublicationWithdrawn`]).
    Withdrawal(Withdrawal),
}

/// 不予公示: the reason, from the rules' list, and the head's note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withholding {
    /// Which reason.
    pub reason: WithholdReason,
    /// What in the decision it concerns.
    pub note: String,
}

/// How a decision was overturned (行政处罚法 art. 48 para. 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverturnKind {
    /// 变更.
    Changed,
    /// 撤销.
    Revoked,
    /// 确认违法.
    Unlawful,
    /// 确认无效.
    Void,
}

impl OverturnKind {
    /// Every kind.
    pub const ALL: [OverturnKind; 4] = [
        OverturnKind::Changed,
        OverturnKind::Revoked,
        OverturnKind::Unlawful,
        OverturnKind::Void,
    ];

    /// Its id in forms.
    pub fn id(self) -> &'static str {
        match self {
            OverturnKind::Changed => "changed",
            OverturnKind::Revoked => "revoked",
            OverturnKind::Unlawful => "unlawful",
            OverturnKind::Void => "void",
        }
    }

    /// In Chinese and English.
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            OverturnKind::Changed => ("变更", "changed"),
            OverturnKind::Revoked => ("撤销", "revoked"),
            OverturnKind::Unlawful => ("确认违法", "found unlawful"),
            OverturnKind::Void => ("确认无效", "found void"),
        }
    }

    /// The kind with the id `id`.
    pub fn parse(id: &str) -> Option<OverturnKind> {
        OverturnKind::ALL.into_iter().find(|k| k.id() == id)
    }
}

/// The decision overturned: how, by which authority and document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overturning {
    /// How.
    pub how: OverturnKind,
    /// The authority and its document (复议决定书、判决书 and number).
    pub by: String,
}

/// The public reason for withdrawing a published decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// 说明理由.
    pub reason: String,
}

/// 立案登记表.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filing {
    /// 案件来源 (路检路查, 投诉举报, 上级交办…).
    pub source: String,
    /// 简要案情.
    pub facts: String,
    /// 承办人意见.
    pub opinion: String,
    /// 负责人审批意见.
    pub approval: String,
}

/// 违法行为通知书 (行政处罚法 art. 44, 45, 63).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// The facts found.
    pub facts: String,
    /// The provisions violated and applied.
    pub basis: String,
    /// The penalty proposed.
    pub proposed: String,
    /// The last day for 陈述、申辩.
    pub respond_by: NaiveDate,
    /// The last day to ask for a hearing, when a hearing is offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hearing_by: Option<NaiveDate>,
    /// Where and how to reach the agency.
    pub contact: String,
}

/// 听证通知书 (art. 64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HearingNotice {
    /// When the hearing begins.
    pub at: DateTime<FixedOffset>,
    /// Where.
    pub place: String,
    /// 听证主持人 (not one of the investigating officers, art. 64 item 4).
    pub host: String,
    /// Held in public (art. 64 item 3: unless secrets or privacy).
    pub public: bool,
}

/// 听证笔录 (art. 64 item 8): the hearing as it went, which the party
/// reads and signs on paper (or the refusal is noted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HearingRecord {
    /// When it began.
    pub started_at: DateTime<FixedOffset>,
    /// When it ended.
    pub ended_at: DateTime<FixedOffset>,
    /// Where.
    pub place: String,
    /// 听证主持人.
    pub host: String,
    /// 记录员.
    pub recorder: String,
    /// Who attended for the party (the party, its agents).
    pub attendees: String,
    /// 调查人员提出的违法事实、证据和处罚建议.
    pub case_put: String,
    /// 当事人的陈述、申辩和质证.
    pub defence: String,
    /// 最后陈述.
    pub last_word: String,
}

/// 行政处罚决定书 (art. 59).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The party's address (art. 59 item 1).
    pub address: String,
    /// The facts and the evidence's conclusion.
    pub facts: String,
    /// The evidence, one line each.
    pub evidence: Vec<String>,
    /// The provisions applied.
    pub basis: String,
    /// The penalty and its kind (罚款, 没收违法所得, 吊销…).
    pub penalty: String,
    /// The fine in yuan (0 without a fine).
    pub fine_yuan: u64,
    /// How and by when to perform it (履行方式和期限).
    pub performance: String,
}

/// 不予行政处罚决定书 (art. 33).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoPenalty {
    /// The party's address.
    pub address: String,
    /// The facts found.
    pub facts: String,
    /// Why no penalty (轻微并及时改正，没有造成危害后果…).
    pub reason: String,
    /// The provision (第三十三条第一款…).
    pub basis: String,
}

/// 结案报告.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosingReport {
    /// 处理结果.
    pub outcome: String,
    /// 执行情况.
    pub execution: String,
}

impl Paper {
    /// The document's name.
    pub fn zh(&self) -> &'static str {
        match self {
            Paper::Filing(_) => "立案登记表",
            Paper::Notice(_) => "违法行为通知书",
            Paper::HearingNotice(_) => "听证通知书",
            Paper::HearingRecord(_) => "听证笔录",
            Paper::Decision(_) => "行政处罚决定书",
            Paper::NoPenalty(_) => "不予行政处罚决定书",
            Paper::ClosingReport(_) => "结案报告",
            Paper::LegalOpinion(_) => "法制审核意见书",
            Paper::ServiceReceipt(_) => "送达回证",
            Paper::Publication(_) => "行政处罚信息公示",
            Paper::Withholding(_) => "不予公示审批",
            Paper::Overturning(_) => "决定变更撤销记录",
            Paper::Withdrawal(_) => "撤回公示说明",
        }
    }

    fn check(&self) -> Result<(), Invalid> {
        match self {
            Paper::Filing(f) => {
                text("案件来源", "the source of the case", &f.source, MAX_SHORT)?;
                text("简要案情", "the facts", &f.facts, MAX_TEXT)?;
                text("承办人意见", "the officers' opinion", &f.opinion, MAX_TEXT)?;
                text(
                    "负责人审批意见",
                    "the head's approval",
                    &f.approval,
                    MAX_TEXT,
                )
            }
            Paper::Notice(n) => {
                text("违法事实", "the facts", &n.facts, MAX_TEXT)?;
                text("依据", "the basis", &n.basis, MAX_TEXT)?;
                text(
                    "拟作出的行政处罚",
                    "the penalty proposed",
                    &n.proposed,
                    MAX_TEXT,
                )?;
                text("联系方式", "the contact", &n.contact, MAX_SHORT)
            }
            Paper::HearingNotice(h) => {
                text("听证地点", "the place", &h.place, MAX_SHORT)?;
                text("听证主持人", "the host", &h.host, MAX_SHORT)
            }
            Paper::HearingRecord(h) => {
                for (zh, en, v, max) in [
                    ("听证地点", "the place", &h.place, MAX_SHORT),
                    ("听证主持人", "the host", &h.host, MAX_SHORT),
                    ("记录员", "the recorder", &h.recorder, MAX_SHORT),
                    ("参加人", "who attended", &h.attendees, MAX_TEXT),
                    ("调查人员意见", "the case put", &h.case_put, MAX_TEXT),
                    ("陈述申辩和质证", "the defence", &h.defence, MAX_TEXT),
                    ("最后陈述", "the last word", &h.last_word, MAX_TEXT),
                ] {
                    text(zh, en, v, max)?;
                }
                if h.ended_at <= h.started_at {
                    return Err(invalid(
                        "听证结束时间应晚于开始时间",
                        "the hearing ends after it begins",
                    ));
                }
                Ok(())
            }
            Paper::Decision(d) => {
                text("当事人地址", "the party's address", &d.address, MAX_SHORT)?;
                text("违法事实", "the facts", &d.facts, MAX_TEXT)?;
                text("依据", "the basis", &d.basis, MAX_TEXT)?;
                text("行政处罚的种类和依据", "the penalty", &d.penalty, MAX_TEXT)?;
                text(
                    "履行方式和期限",
                    "how to perform it",
                    &d.performance,
                    MAX_TEXT,
                )?;
                if d.evidence.is_empty() || d.evidence.len() > MAX_EVIDENCE {
                    return Err(invalid(
                        format!(
                            "行政处罚决定书须列明 1–{MAX_EVIDENCE} 项证据（行政处罚法第五十九条）"
                        ),
                        format!("a decision lists 1–{MAX_EVIDENCE} pieces of evidence (art. 59)"),
                    ));
                }
                for (i, e) in d.evidence.iter().enumerate() {
                    let n = i + 1;
                    text(
                        &format!("第 {n} 项证据"),
                        &format!("evidence {n}"),
                        e,
                        MAX_TEXT,
                    )?;
                }
                Ok(())
            }
            Paper::NoPenalty(n) => {
                text("当事人地址", "the party's address", &n.address, MAX_SHORT)?;
                text("违法事实", "the facts", &n.facts, MAX_TEXT)?;
                text("不予处罚的理由", "why no penalty", &n.reason, MAX_TEXT)?;
                text("依据", "the basis", &n.basis, MAX_TEXT)
            }
            Paper::ClosingReport(c) => {
                text("处理结果", "the outcome", &c.outcome, MAX_TEXT)?;
                text("执行情况", "the execution", &c.execution, MAX_TEXT)
            }
            Paper::LegalOpinion(o) => o.check(),
            Paper::ServiceReceipt(n) => n.check(),
            Paper::Publication(e) => e.check(),
            Paper::Withholding(w) => text("不予公示的说明", "the note", &w.note, MAX_TEXT),
            Paper::Overturning(o) => text(
                "作出机关和文书",
                "the authority and its document",
                &o.by,
                MAX_TEXT,
            ),
            Paper::Withdrawal(w) => text("撤回理由", "the reason", &w.reason, MAX_TEXT),
        }
    }
}

impl ProcedureAct {
    /// What is wrong with the act as written, if anything: its people,
    /// its case number, and the document its step produces (present,
    /// complete and the right one).
    pub fn check(&self) -> Result<(), Invalid> {
        text("案号", "the case number", &self.case_no, MAX_SHORT)?;
        if let Step::MeasureDecisionServed { .. } = self.taken.step {
            // Handed over at the scene with the party's signature: the
            // terminal's `measure_decided` writing, never a bureau act.
            return Err(invalid(
                "行政强制措施决定书和清单应当当场交付，由执法终端记录，不能作为机关步骤签署（行政强制法第二十四条）",
                "the measure decision and its list are handed over at the scene and recorded by the terminal, not signed as a bureau act (QZF art. 24)",
            ));
        }
        if self.taken.by.is_empty() {
            return Err(invalid("请写明办理人", "name who did it"));
        }
        if self.taken.by.len() > MAX_BY {
            return Err(invalid(
                format!("办理人至多 {MAX_BY} 人"),
                format!("at most {MAX_BY} people did it"),
            ));
        }
        for b in &self.taken.by {
            text("办理人", "who did it", b, MAX_SHORT)?;
        }
        let approver = match &self.taken.step {
            Step::Filed { approved_by } | Step::Preserved { approved_by } => Some(approved_by),
            _ => None,
        };
        if let Some(a) = approver {
            if a.chars().count() > MAX_SHORT {
                return Err(invalid("批准人过长", "the approver is too long"));
            }
        }
        if let Some(p) = &self.paper {
            p.check()?;
        }
        let wants = wanted(&self.taken.step);
        let has = self.paper.as_ref().map(Paper::zh);
        let fits = match (&self.taken.step, &self.paper) {
            (Step::Decided, Some(Paper::Decision(_) | Paper::NoPenalty(_))) => true,
            (_, p) => p.as_ref().map(Paper::zh) == wants,
        };
        if !fits {
            let want = wants.unwrap_or("无文书");
            return Err(invalid(
                format!("该步骤的文书应为{want}，记录中为{}", has.unwrap_or("无")),
                format!(
                    "this step produces {want}, the record has {}",
                    has.unwrap_or("none")
                ),
            ));
        }
        match (&self.taken.step, &self.paper) {
            (Step::NoticeServed { hearing_offered }, Some(Paper::Notice(n)))
                if *hearing_offered != n.hearing_by.is_some() =>
            {
                Err(invalid(
                    "告知听证权利时须写明申请听证的期限，未告知时不写",
                    "a notice offering a hearing gives the day to ask by, and only then",
                ))
            }
            (Step::HearingNoticed { hearing_on }, Some(Paper::HearingNotice(h)))
                if h.at.date_naive() != *hearing_on =>
            {
                Err(invalid(
                    "听证通知书的听证日期与步骤不一致",
                    "the hearing notice's day differs from the step's",
                ))
            }
            (Step::LegalReviewed { passed }, Some(Paper::LegalOpinion(o)))
                if *passed != o.agreed() =>
            {
                Err(invalid(
                    "审核通过须每一审核事项均同意；任一事项不同意即审核未通过（行政处罚法第五十八条）",
                    "the review passes only when every aspect is agreed; any disagreement means it did not pass (art. 58)",
                ))
            }
            (Step::HearingHeld, Some(Paper::HearingRecord(h)))
                if h.started_at.date_naive() != self.taken.on =>
            {
                Err(invalid(
                    "听证笔录的听证日期与步骤日期不一致",
                    "the hearing record's day differs from the step's",
                ))
            }
            (Step::Served, Some(Paper::ServiceReceipt(n)))
                if n.served_at.date_naive() != self.taken.on =>
            {
                Err(invalid(
                    "送达回证的送达时间与步骤日期不一致",
                    "the proof of service's day differs from the step's",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// The document a step produces at the bureau (a decision may also be a
/// 不予行政处罚决定书).
fn wanted(step: &Step) -> Option<&'static str> {
    match step {
        Step::Filed { .. } => Some("立案登记表"),
        Step::NoticeServed { .. } => Some("违法行为通知书"),
        Step::HearingNoticed { .. } => Some("听证通知书"),
        Step::HearingHeld => Some("听证笔录"),
        Step::Decided => Some("行政处罚决定书"),
        Step::Closed => Some("结案报告"),
        Step::LegalReviewed { .. } => Some("法制审核意见书"),
        Step::Served => Some("送达回证"),
        Step::Published => Some("行政处罚信息公示"),
        Step::PublicationWithheld => Some("不予公示审批"),
        Step::Overturned => Some("决定变更撤销记录"),
        Step::PublicationWithdrawn => Some("撤回公示说明"),
        _ => None,
    }
}
