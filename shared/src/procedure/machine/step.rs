//! The steps of a case, each with its name and the provision it applies.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{art, qzf, Track};
use crate::catalog::{Citation, MeasureKind};

/// One step of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum Step {
    /// 立案, approved by the agency head.
    Filed {
        /// Who approved (负责人).
        approved_by: String,
    },
    /// An investigation record (询问笔录, 现场笔录, 勘验笔录).
    Investigated {
        /// It is a 现场笔录 signed at the scene (行政强制法 art. 18 item 7
        /// wants one for a compulsory measure). Set only from the writing
        /// itself, never from a bureau act.
        #[serde(skip)]
        site_record: bool,
    },
    /// 先行登记保存, approved by the agency head (art. 56).
    Preserved {
        /// Who approved.
        approved_by: String,
    },
    /// The decision on what was preserved (art. 56, within 7 working days).
    PreservationDecided,
    /// 行政强制措施 taken at the check (扣留车辆, 强制拖离: 行政强制法 art. 18,
    /// 24), by two officers at least.
    MeasureTaken {
        /// What was done.
        measures: Vec<MeasureKind>,
    },
    /// The agency head's approval of a measure taken at the scene, reported
    /// within 24 hours (行政强制法 art. 19); `approved: false` when the head
    /// finds it should not have been taken: it must end at once.
    MeasureApproved {
        /// The head approved it.
        approved: bool,
    },
    /// 行政强制措施决定书 and its 清单 handed to the party on the spot
    /// (行政强制法 art. 24), from the terminal's signed `measure_decided`.
    MeasureDecisionServed {
        /// The measures it decides.
        measures: Vec<MeasureKind>,
        /// The detention's last day, when a vehicle is detained.
        until: Option<NaiveDate>,
    },
    /// The detention extended on the head's approval, by at most 30 days
    /// (行政强制法 art. 25 para. 1).
    MeasureExtended {
        /// The new last day.
        until: NaiveDate,
    },
    /// The measure ended: the vehicle released or dealt with (行政强制法
    /// art. 27, 28).
    MeasureEnded,
    /// 违法行为通知书 served (art. 44): the proposed penalty, facts, basis
    /// and rights; whether a hearing was offered.
    NoticeServed {
        /// The party was told of the right to a hearing.
        hearing_offered: bool,
    },
    /// 陈述、申辩 heard (art. 45); `closed` when the party says it has
    /// nothing more, or waives the right.
    StatementHeard {
        /// The party has said all it will.
        closed: bool,
    },
    /// The party asked for a hearing (art. 64 item 1).
    HearingRequested,
    /// The party gave up the hearing.
    HearingWaived,
    /// 听证通知书 served: the day of the hearing (art. 64 item 2: at least
    /// seven days before it).
    HearingNoticed {
        /// The day the hearing is held.
        hearing_on: NaiveDate,
    },
    /// The hearing was held (art. 64, 65).
    HearingHeld,
    /// 法制审核 (art. 58) with its conclusion.
    LegalReviewed {
        /// The reviewer agreed.
        passed: bool,
    },
    /// 集体讨论 (art. 57 para. 2).
    CollectivelyDiscussed,
    /// The 90-day period extended, with the approval recorded (art. 60).
    Extended {
        /// The new last day.
        until: NaiveDate,
    },
    /// 决定 (art. 57; for the simple procedure art. 51–52).
    Decided,
    /// 送达 (art. 61).
    Served,
    /// 暂缓或者分期缴纳 approved on the party's application, for a party
    /// in real financial difficulty (art. 66 para. 2): the last day of the
    /// fine (of its last instalment) becomes `until`.
    PaymentDeferred {
        /// The last day approved.
        until: NaiveDate,
        /// 1: one deferred payment (延期); more: that many instalments (分期).
        instalments: u32,
    },
    /// Payment recorded.
    Paid,
    /// 结案.
    Closed,
    /// The decision published (双公示, 行政处罚法 art. 48 para. 1), with the
    /// masked entry as published. May follow 结案.
    Published,
    /// The decision not published: it concerns state or commercial
    /// secrets or privacy (政府信息公开条例 art. 14, 15), approved by the
    /// head. May follow 结案.
    PublicationWithheld,
    /// The decision changed, revoked, found unlawful or void on review or
    /// in court (art. 48 para. 2). May follow 结案.
    Overturned,
    /// The published decision withdrawn, with the reason made public,
    /// within three working days of its overturning (art. 48 para. 2,
    /// 85). May follow 结案.
    PublicationWithdrawn,
}

impl Step {
    /// A step of the decision's publication (双公示), which may follow
    /// 结案: a decision is overturned, and its publication withdrawn, long
    /// after the case is closed.
    pub fn is_publication(&self) -> bool {
        matches!(
            self,
            Step::Published
                | Step::PublicationWithheld
                | Step::Overturned
                | Step::PublicationWithdrawn
        )
    }

    /// Its name, in Chinese and English.
    pub fn name(&self) -> (&'static str, &'static str) {
        match self {
            Step::Filed { .. } => ("立案", "Filed"),
            Step::Investigated { site_record: true } => ("现场笔录", "Site record"),
            Step::Investigated { .. } => ("调查取证", "Investigated"),
            Step::Preserved { .. } => ("先行登记保存", "Evidence preserved"),
            Step::PreservationDecided => ("登记保存处理决定", "Preservation decided"),
            Step::MeasureTaken { .. } => ("实施行政强制措施", "Compulsory measure taken"),
            Step::MeasureApproved { approved: true } => {
                ("负责人批准强制措施", "Measure approved by the head")
            }
            Step::MeasureApproved { .. } => {
                ("负责人不予批准强制措施", "Measure not approved by the head")
            }
            Step::MeasureDecisionServed { .. } => (
                "交付行政强制措施决定书及清单",
                "Measure decision handed over",
            ),
            Step::MeasureExtended { .. } => ("延长扣押期限", "Detention extended"),
            Step::MeasureEnded => ("解除或处理强制措施", "Compulsory measure ended"),
            Step::NoticeServed { .. } => ("送达违法行为通知书", "Notice served"),
            Step::StatementHeard { .. } => ("陈述申辩", "Statement heard"),
            Step::HearingRequested => ("申请听证", "Hearing requested"),
            Step::HearingWaived => ("放弃听证", "Hearing waived"),
            Step::HearingNoticed { .. } => ("送达听证通知书", "Hearing notified"),
            Step::HearingHeld => ("举行听证", "Hearing held"),
            Step::LegalReviewed { .. } => ("法制审核", "Legal review"),
            Step::CollectivelyDiscussed => ("集体讨论", "Collective discussion"),
            Step::Extended { .. } => ("延长办案期限", "Period extended"),
            Step::Decided => ("作出决定", "Decided"),
            Step::Served => ("送达决定书", "Decision served"),
            Step::PaymentDeferred { instalments: 1, .. } => ("延期缴纳罚款", "Payment deferred"),
            Step::PaymentDeferred { .. } => ("分期缴纳罚款", "Payment in instalments"),
            Step::Paid => ("缴纳罚款", "Fine paid"),
            Step::Closed => ("结案", "Closed"),
            Step::Published => ("公示", "Published"),
            Step::PublicationWithheld => ("不予公示", "Not published"),
            Step::Overturned => ("决定被变更、撤销或确认违法、无效", "Decision overturned"),
            Step::PublicationWithdrawn => ("撤回公示", "Publication withdrawn"),
        }
    }

    /// The provision the step applies.
    pub fn basis(&self, track: Track) -> Citation {
        match self {
            Step::Filed { .. } => art(54, Some(2), None),
            Step::Investigated { .. } => art(55, None, None),
            Step::Preserved { .. } | Step::PreservationDecided => art(56, None, None),
            Step::MeasureTaken { .. } => qzf(18, None, None),
            Step::MeasureApproved { .. } => qzf(19, None, None),
            Step::MeasureDecisionServed { .. } => qzf(24, None, None),
            Step::MeasureExtended { .. } => qzf(25, Some(1), None),
            Step::MeasureEnded => qzf(28, None, None),
            Step::NoticeServed { .. } => art(44, None, None),
            Step::StatementHeard { .. } => art(45, None, None),
            Step::HearingRequested | Step::HearingWaived | Step::HearingHeld => art(64, None, None),
            Step::HearingNoticed { .. } => art(64, None, Some(2)),
            Step::LegalReviewed { .. } => art(58, None, None),
            Step::CollectivelyDiscussed => art(57, Some(2), None),
            Step::Extended { .. } => art(60, None, None),
            Step::Decided => match track {
                Track::Simple => art(51, None, None),
                Track::General => art(57, None, None),
            },
            Step::Served => art(61, None, None),
            Step::PaymentDeferred { .. } => art(66, Some(2), None),
            Step::Paid => art(67, None, None),
            Step::Closed => art(57, None, None),
            Step::Published | Step::PublicationWithheld => art(48, Some(1), None),
            Step::Overturned | Step::PublicationWithdrawn => art(48, Some(2), None),
        }
    }
}
