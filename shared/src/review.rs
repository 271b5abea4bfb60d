//! The review of a synced case in the back office (`docs/office.md`):
//! 待审核 → 审核中 → 退回补正 (with a reason) → 已补正 → 审核中 → … → 审核通过.
//!
//! Each step the back office takes is a `review_recorded` record signed by
//! the reviewer's own key; 已补正 follows from the terminal's signed
//! correction answering the return. The rules live here once: the office
//! refuses a step before signing it, and the case index applies the same
//! function when the record is stored.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::hash::Digest;

/// Where a case stands, from the terminal's records and the review's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Opened on the terminal, not yet closed (现场办理中).
    Open,
    /// Closed on the terminal and synced: waiting for review (待审核).
    Closed,
    /// A reviewer has taken it up (审核中).
    InReview,
    /// Sent back to the officers for correction (退回补正).
    Returned,
    /// The officers' correction has arrived (已补正).
    Corrected,
    /// Review passed (审核通过).
    Approved,
}

impl CaseState {
    /// Every state, in the order of the procedure.
    pub const ALL: [CaseState; 6] = [
        CaseState::Open,
        CaseState::Closed,
        CaseState::InReview,
        CaseState::Returned,
        CaseState::Corrected,
        CaseState::Approved,
    ];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::Closed => "closed",
            CaseState::InReview => "in_review",
            CaseState::Returned => "returned",
            CaseState::Corrected => "corrected",
            CaseState::Approved => "approved",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            CaseState::Open => "现场办理中",
            CaseState::Closed => "待审核",
            CaseState::InReview => "审核中",
            CaseState::Returned => "退回补正",
            CaseState::Corrected => "已补正",
            CaseState::Approved => "审核通过",
        }
    }

    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            CaseState::Open => "Open on the terminal",
            CaseState::Closed => "Awaiting review",
            CaseState::InReview => "In review",
            CaseState::Returned => "Returned for correction",
            CaseState::Corrected => "Corrected",
            CaseState::Approved => "Review passed",
        }
    }

    /// The state after a review step, or why the step is not allowed now.
    pub fn after(self, step: ReviewStep) -> Result<CaseState, ReviewRefusal> {
        use CaseState::*;
        match (self, step) {
            (Closed | Corrected, ReviewStep::Start) => Ok(InReview),
            (InReview, ReviewStep::Return) => Ok(Returned),
            (InReview, ReviewStep::Approve) => Ok(Approved),
            (from, step) => Err(ReviewRefusal { from, step }),
        }
    }

    /// The state after the terminal's correction: a returned case is
    /// corrected; any other state keeps (a correction may come unasked).
    pub fn after_correction(self) -> CaseState {
        match self {
            CaseState::Returned => CaseState::Corrected,
            other => other,
        }
    }

    /// The steps allowed from here, in the order a page offers them.
    pub fn steps(self) -> Vec<ReviewStep> {
        ReviewStep::ALL
            .into_iter()
            .filter(|s| self.after(*s).is_ok())
            .collect()
    }
}

/// What a reviewer does to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStep {
    /// Takes the case up (开始审核).
    Start,
    /// Sends it back to the officers for correction, with a reason (退回补正).
    Return,
    /// Passes it (审核通过).
    Approve,
}

impl ReviewStep {
    /// Every step.
    pub const ALL: [ReviewStep; 3] = [ReviewStep::Start, ReviewStep::Return, ReviewStep::Approve];

    /// Form and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStep::Start => "start",
            ReviewStep::Return => "return",
            ReviewStep::Approve => "approve",
        }
    }

    /// From the form name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Chinese name of the act.
    pub fn zh(self) -> &'static str {
        match self {
            ReviewStep::Start => "开始审核",
            ReviewStep::Return => "退回补正",
            ReviewStep::Approve => "审核通过",
        }
    }

    /// English name of the act.
    pub fn en(self) -> &'static str {
        match self {
            ReviewStep::Start => "Start review",
            ReviewStep::Return => "Return for correction",
            ReviewStep::Approve => "Pass review",
        }
    }
}

/// A step refused in the state the case is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a case that is {} cannot be given the step {:?}", from.en().to_lowercase(), step.en())]
pub struct ReviewRefusal {
    /// The case's state.
    pub from: CaseState,
    /// The step asked for.
    pub step: ReviewStep,
}

impl ReviewRefusal {
    /// The refusal in Chinese.
    pub fn zh(&self) -> String {
        format!("案件当前为“{}”，不能“{}”", self.from.zh(), self.step.zh())
    }
}

/// Body of a `review_recorded` record: one review step, signed by the
/// staff member who took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRecorded {
    /// The case.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// The step.
    pub step: ReviewStep,
    /// The state the case was in when the step was taken.
    pub from: CaseState,
    /// Why: required for a return (it is what the officers read), optional
    /// otherwise.
    pub reason: String,
    /// Login name of the staff member (their certificate's `officer`).
    pub staff: String,
    /// Digests of the case's records the reviewer had before them.
    pub records: Vec<Digest>,
}

/// Most characters a reason may have.
pub const MAX_REASON_CHARS: usize = 2000;

impl ReviewRecorded {
    /// Checks the body on its own: a return gives a reason, no reason is
    /// longer than [`MAX_REASON_CHARS`], and the step is allowed from the
    /// state it names.
    pub fn check(&self) -> Result<(), String> {
        if self.step == ReviewStep::Return && self.reason.trim().is_empty() {
            return Err("a return must say why (退回补正须写明理由)".into());
        }
        if self.reason.chars().count() > MAX_REASON_CHARS {
            return Err(format!(
                "the reason has more than {MAX_REASON_CHARS} characters"
            ));
        }
        self.from
            .after(self.step)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_review_goes_pending_in_review_returned_corrected_approved() {
        let s = CaseState::Closed;
        let s = s.after(ReviewStep::Start).unwrap();
        assert_eq!(s, CaseState::InReview);
        let s = s.after(ReviewStep::Return).unwrap();
        assert_eq!(s, CaseState::Returned);
        let s = s.after_correction();
        assert_eq!(s, CaseState::Corrected);
        let s = s.after(ReviewStep::Start).unwrap();
        assert_eq!(s.after(ReviewStep::Approve).unwrap(), CaseState::Approved);
    }

    #[test]
    fn steps_out_of_order_are_refused_with_the_state() {
        for (from, step) in [
            (CaseState::Open, ReviewStep::Start),
            (CaseState::Closed, ReviewStep::Approve),
            (CaseState::Closed, ReviewStep::Return),
            (CaseState::Returned, ReviewStep::Approve),
            (CaseState::Returned, ReviewStep::Start),
            (CaseState::Approved, ReviewStep::Return),
            (CaseState::InReview, ReviewStep::Start),
        ] {
            let e = from.after(step).unwrap_err();
            assert_eq!(e, ReviewRefusal { from, step });
            assert!(e.zh().contains(from.zh()), "{}", e.zh());
        }
        assert_eq!(CaseState::Open.steps(), vec![]);
        assert_eq!(
            CaseState::InReview.steps(),
            vec![ReviewStep::Return, ReviewStep::Approve]
        );
        // An unasked correction changes nothing.
        assert_eq!(CaseState::Approved.after_correction(), CaseState::Approved);
    }

    #[test]
    fn a_return_needs_a_reason() {
        let mut r = ReviewRecorded {
            case_id: Uuid::from_u128(1),
            case_no: "乌交执〔2026〕1号".into(),
            step: ReviewStep::Return,
            from: CaseState::InReview,
            reason: "  ".into(),
            staff: "shenhe".into(),
            records: vec![],
        };
        assert!(r.check().unwrap_err().contains("退回补正须写明理由"));
        r.reason = "当事人姓名与身份证不符".into();
        assert_eq!(r.check(), Ok(()));
        r.from = CaseState::Closed;
        assert!(r.check().is_err());
    }

    #[test]
    fn names_round_trip() {
        for s in CaseState::ALL {
            assert_eq!(CaseState::parse(s.as_str()), Some(s));
        }
        for s in ReviewStep::ALL {
            assert_eq!(ReviewStep::parse(s.as_str()), Some(s));
        }
        assert_eq!(CaseState::parse("bogus"), None);
    }
}
