//! The simple and the general procedure as a state machine. A case is the
//! list of its steps, each dated and done by named officers or staff;
//! [`CaseProcedure::apply`] adds a step only when the law allows it, and
//! otherwise refuses with the reason and the provision. Every running
//! deadline is computed from the steps taken
//! ([`CaseProcedure::deadlines`]). The compulsory measures of 行政强制法
//! are in [`measures`].

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{limitation_ends, Deadlines, Limitation};
use crate::calendar::{Calendar, CalendarError, Region};
use crate::catalog::{Citation, ProcedureNeeds};

mod measures;
mod payment;
mod step;

pub use step::Step;

/// 行政处罚法, as cited.
pub const XZCFF: &str = "《中华人民共和国行政处罚法》（2021年修订）";

pub(crate) fn qzf(article: u32, paragraph: Option<u32>, item: Option<u32>) -> Citation {
    Citation {
        law: crate::catalog::lawful::QZF.into(),
        ..art(article, paragraph, item)
    }
}

fn art(article: u32, paragraph: Option<u32>, item: Option<u32>) -> Citation {
    Citation {
        law: XZCFF.into(),
        article,
        paragraph,
        item,
    }
}

/// Which procedure the case follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Track {
    /// 简易程序 (当场处罚).
    Simple,
    /// 普通程序.
    General,
}

/// A step as taken: when and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taken {
    /// The step.
    pub step: Step,
    /// The day.
    pub on: NaiveDate,
    /// 执法证号 (or staff login) of each person who did it.
    pub by: Vec<String>,
    /// The moment, where the law counts hours (行政强制法 art. 19): when
    /// the step's record was signed, or for a measure taken at a check,
    /// when the check began. Set by the replay and the signer from the
    /// signed envelopes, never read from a record's body.
    #[serde(skip)]
    pub at: Option<DateTime<FixedOffset>>,
}

impl Taken {
    /// A step on a day, with no moment.
    pub fn on(step: Step, on: NaiveDate, by: Vec<String>) -> Taken {
        Taken {
            step,
            on,
            by,
            at: None,
        }
    }
}

/// A step the law forbids, with the reason and the provision.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{zh}（{}）", basis.text())]
pub struct Refusal {
    /// Why, in Chinese.
    pub zh: String,
    /// Why, in English.
    pub en: String,
    /// The provision.
    pub basis: Citation,
}

impl Refusal {
    pub(crate) fn new(zh: impl Into<String>, en: impl Into<String>, basis: Citation) -> Refusal {
        Refusal {
            zh: zh.into(),
            en: en.into(),
            basis,
        }
    }

    /// Why, in English, with the provision.
    pub fn text_en(&self) -> String {
        format!("{} ({})", self.en, self.basis.text_en())
    }
}

/// A deadline running on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Running {
    /// Deadline id (`assets/procedure/deadlines.json`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The last day, when the calendar holds it.
    pub due: Option<NaiveDate>,
    /// Why the last day cannot be computed (a year the calendar lacks).
    pub problem: Option<String>,
    /// The provision.
    pub basis: Citation,
}

/// A case's procedure: what it is about and the steps taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseProcedure {
    /// Simple or general.
    pub track: Track,
    /// What the decision needs (hearing, legal review), from the catalogue.
    pub needs: ProcedureNeeds,
    /// When the violation occurred or, if continuing, ended (not the
    /// check time).
    pub violation_ended: NaiveDate,
    /// Two or five years.
    pub limitation: Limitation,
    /// The steps taken, in order.
    pub steps: Vec<Taken>,
    /// The decision is 不予行政处罚 (not published). Set by the replay from
    /// the decision's document.
    pub no_penalty: bool,
}

impl CaseProcedure {
    /// A new case with no steps.
    pub fn new(
        track: Track,
        needs: ProcedureNeeds,
        violation_ended: NaiveDate,
        limitation: Limitation,
    ) -> CaseProcedure {
        CaseProcedure {
            track,
            needs,
            violation_ended,
            limitation,
            steps: Vec::new(),
            no_penalty: false,
        }
    }

    pub(crate) fn last(&self, pred: impl Fn(&Step) -> bool) -> Option<&Taken> {
        self.steps.iter().rev().find(|t| pred(&t.step))
    }

    pub(crate) fn has(&self, pred: impl Fn(&Step) -> bool) -> bool {
        self.last(pred).is_some()
    }

    /// Adds a step when the law allows it; otherwise the refusal says why
    /// and which provision forbids it.
    pub fn apply(
        &mut self,
        taken: Taken,
        calendar: &Calendar,
        deadlines: &Deadlines,
        region: Region,
    ) -> Result<(), Refusal> {
        self.check(&taken, calendar, deadlines, region)?;
        self.steps.push(taken);
        Ok(())
    }

    fn check(
        &self,
        taken: &Taken,
        calendar: &Calendar,
        deadlines: &Deadlines,
        region: Region,
    ) -> Result<(), Refusal> {
        if self.has(|s| matches!(s, Step::Closed)) && !taken.step.is_publication() {
            return Err(Refusal::new(
                "案件已结案，不能再办理",
                "the case is closed: nothing more can be done on it",
                art(57, None, None),
            ));
        }
        if self.steps.last().is_some_and(|t| taken.on < t.on) {
            return Err(Refusal::new(
                "步骤日期早于上一步骤，不能倒签",
                "the step is dated before the previous one: no backdating",
                art(47, None, None),
            ));
        }
        let officers = taken
            .by
            .iter()
            .filter(|b| !b.trim().is_empty())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let needs_two = matches!(
            taken.step,
            Step::Investigated { .. }
                | Step::Preserved { .. }
                | Step::NoticeServed { .. }
                | Step::Decided
        );
        if needs_two && officers < 2 {
            return Err(Refusal::new(
                "执法人员不得少于两人",
                "at least two officers (two different 执法证号)",
                art(42, None, None),
            ));
        }
        // Investigation and preservation may come before filing: the
        // roadside check finds the violation and gathers its evidence
        // (art. 54 para. 1, 55, 56); everything after needs the case filed.
        let before_filing = matches!(
            taken.step,
            Step::Filed { .. }
                | Step::Investigated { .. }
                | Step::Preserved { .. }
                | Step::PreservationDecided
                | Step::MeasureTaken { .. }
                | Step::MeasureApproved { .. }
                | Step::MeasureDecisionServed { .. }
                | Step::MeasureExtended { .. }
                | Step::MeasureEnded
        );
        if self.track == Track::General
            && !before_filing
            && !self.has(|s| matches!(s, Step::Filed { .. }))
        {
            return Err(Refusal::new(
                "普通程序案件须先立案",
                "a general-procedure case must be filed first",
                art(54, Some(2), None),
            ));
        }
        match &taken.step {
            Step::Filed { approved_by } => self.check_filing(taken.on, approved_by),
            Step::Preserved { approved_by } if approved_by.trim().is_empty() => Err(Refusal::new(
                "先行登记保存须经行政机关负责人批准",
                "preserving evidence needs the agency head's approval",
                art(56, None, None),
            )),
            Step::MeasureTaken { .. }
            | Step::MeasureApproved { .. }
            | Step::MeasureDecisionServed { .. }
            | Step::MeasureExtended { .. }
            | Step::MeasureEnded => {
                self.check_measure_step(taken, officers, calendar, deadlines, region)
            }
            Step::PreservationDecided if !self.has(|s| matches!(s, Step::Preserved { .. })) => {
                Err(Refusal::new(
                    "没有先行登记保存的证据",
                    "no evidence was preserved",
                    art(56, None, None),
                ))
            }
            Step::HearingHeld
            | Step::HearingWaived
            | Step::HearingRequested
            | Step::HearingNoticed { .. }
                if !self.has(|s| {
                    matches!(
                        s,
                        Step::NoticeServed {
                            hearing_offered: true
                        }
                    )
                }) =>
            {
                Err(Refusal::new(
                    "尚未告知当事人要求听证的权利",
                    "the party has not been told of the right to a hearing",
                    art(63, Some(1), None),
                ))
            }
            Step::HearingNoticed { hearing_on } => {
                self.check_hearing_notice(taken.on, *hearing_on, calendar, deadlines, region)
            }
            Step::HearingHeld => match self.last(|s| matches!(s, Step::HearingNoticed { .. })) {
                None => Err(Refusal::new(
                    "举行听证前未向当事人送达听证通知（时间、地点）",
                    "the hearing notice (time and place) was not served before the hearing",
                    art(64, None, Some(2)),
                )),
                Some(Taken {
                    step: Step::HearingNoticed { hearing_on },
                    ..
                }) if taken.on < *hearing_on => Err(Refusal::new(
                    format!("听证通知书定于 {hearing_on} 举行听证，不得提前举行"),
                    format!("the notice set the hearing for {hearing_on}: it is not held earlier"),
                    art(64, None, Some(2)),
                )),
                _ => Ok(()),
            },
            Step::Decided => {
                self.check_measure_lawful()?;
                self.check_decision(taken.on, calendar, deadlines, region)
            }
            Step::Served | Step::Paid | Step::PaymentDeferred { .. }
                if !self.has(|s| matches!(s, Step::Decided)) =>
            {
                Err(Refusal::new(
                    "尚未作出行政处罚决定",
                    "no penalty decision has been made yet",
                    art(61, None, None),
                ))
            }
            Step::PaymentDeferred { until, instalments } => {
                self.check_deferral(taken.on, *until, *instalments)
            }
            Step::Published
            | Step::PublicationWithheld
            | Step::Overturned
            | Step::PublicationWithdrawn => self.check_publication(&taken.step),
            Step::Closed
                if self.track == Track::General
                    && !(self.has(|s| matches!(s, Step::Decided))
                        && self.has(|s| matches!(s, Step::Served))) =>
            {
                Err(Refusal::new(
                    "普通程序案件须作出决定并将决定书送达当事人后才能结案",
                    "a general-procedure case is closed only after its decision is made and served",
                    art(61, Some(1), None),
                ))
            }
            _ => Ok(()),
        }
    }

    /// A publication step: after a penalty decision; published or
    /// withheld once; withdrawn only once published and overturned (art.
    /// 48).
    fn check_publication(&self, step: &Step) -> Result<(), Refusal> {
        let has = |s: Step| self.has(|x| *x == s);
        let refuse = |zh: &str, en: &str, paragraph| {
            Err(Refusal::new(zh, en, art(48, Some(paragraph), None)))
        };
        if !self.has(|s| matches!(s, Step::Decided)) {
            return refuse(
                "尚未作出行政处罚决定",
                "no penalty decision has been made yet",
                1,
            );
        }
        if self.no_penalty && !matches!(step, Step::Overturned) {
            return refuse(
                "不予行政处罚决定不属于公示的行政处罚决定",
                "a decision not to penalise is not a penalty decision to publish",
                1,
            );
        }
        match step {
            Step::Published | Step::PublicationWithheld if has(Step::Published) => {
                refuse("该决定已公示", "the decision is already published", 1)
            }
            Step::Published | Step::PublicationWithheld if has(Step::PublicationWithheld) => {
                refuse(
                    "已决定该决定不予公示",
                    "the decision is already withheld from publication",
                    1,
                )
            }
            Step::Published if has(Step::Overturned) => refuse(
                "该决定已被变更、撤销或确认违法、无效，不能公示",
                "the decision was overturned: it is not published",
                2,
            ),
            Step::Overturned if has(Step::Overturned) => refuse(
                "已记录该决定被变更、撤销或确认违法、无效",
                "the decision's overturning is already recorded",
                2,
            ),
            Step::PublicationWithdrawn if !has(Step::Published) => {
                refuse("该决定未公示，无需撤回", "the decision was not published", 2)
            }
            Step::PublicationWithdrawn if !has(Step::Overturned) => refuse(
                "公示的决定被依法变更、撤销、确认违法或者确认无效的，才撤回公示；尚未记录",
                "a publication is withdrawn when the decision is changed, revoked, found unlawful or void: none is recorded",
                2,
            ),
            Step::PublicationWithdrawn if has(Step::PublicationWithdrawn) => {
                refuse("公示已撤回", "the publication is already withdrawn", 2)
            }
            _ => Ok(()),
        }
    }

    fn check_filing(&self, on: NaiveDate, approved_by: &str) -> Result<(), Refusal> {
        if self.track == Track::Simple {
            return Err(Refusal::new(
                "简易程序当场作出决定，不立案",
                "the simple procedure decides on the spot: there is no filing",
                art(51, None, None),
            ));
        }
        if approved_by.trim().is_empty() {
            return Err(Refusal::new(
                "立案须经行政机关负责人批准",
                "filing needs the agency head's approval",
                art(54, Some(2), None),
            ));
        }
        let ends = limitation_ends(self.violation_ended, self.limitation);
        if on > ends {
            return Err(Refusal::new(
                format!(
                    "违法行为终了于 {}，至 {ends} 未被发现，已过追责期限，不再给予行政处罚",
                    self.violation_ended
                ), format!("the violation ended on {}; not found by {ends}, it is past the limitation period and is not punished", self.violation_ended),
                art(36, None, None),
            ));
        }
        Ok(())
    }

    fn check_decision(
        &self,
        on: NaiveDate,
        calendar: &Calendar,
        deadlines: &Deadlines,
        region: Region,
    ) -> Result<(), Refusal> {
        let calendar_err =
            |e: CalendarError| Refusal::new(e.to_string(), e.to_string(), art(85, None, None));
        if self.has(|s| matches!(s, Step::Decided)) {
            return Err(Refusal::new(
                "已作出决定",
                "the decision has already been made",
                art(57, None, None),
            ));
        }
        if self.track == Track::Simple {
            if self.needs.procedure != crate::catalog::Procedure::Simple {
                return Err(Refusal::new(
                    "该处罚不属于可以当场作出的警告或小额罚款，应适用普通程序", "this penalty is not a warning or small fine decided on the spot: the general procedure applies",
                    art(51, None, None),
                ));
            }
            return Ok(());
        }
        let Some(notice) = self.last(|s| matches!(s, Step::NoticeServed { .. })) else {
            return Err(Refusal::new(
                "作出决定前未告知拟作出的行政处罚内容及事实、理由、依据", "the party was not told of the proposed penalty, its facts, reasons and basis before the decision",
                art(62, None, None),
            ));
        };
        let statement_closed = self.has(|s| matches!(s, Step::StatementHeard { closed: true }));
        if !statement_closed {
            let d = deadline(deadlines, "notice_response")?;
            let ends = d.due(calendar, notice.on, region).map_err(calendar_err)?;
            if on <= ends {
                return Err(Refusal::new(
                    format!("陈述、申辩期限至 {ends} 届满，届满前不得作出决定"), format!("the period for statement and defence runs until {ends}: no decision before it ends"),
                    art(62, None, None),
                ));
            }
        }
        if self.needs.hearing {
            self.check_hearing(notice, on, calendar, deadlines, region)?;
        }
        if self.needs.legal_review {
            match self.last(|s| matches!(s, Step::LegalReviewed { .. })) {
                None => {
                    return Err(Refusal::new(
                        "重大执法决定未经法制审核，不得作出决定",
                        "a major decision needs the legal review first",
                        art(58, Some(1), None),
                    ))
                }
                Some(Taken {
                    step: Step::LegalReviewed { passed: false },
                    ..
                }) if !self.has(|s| matches!(s, Step::CollectivelyDiscussed)) => {
                    return Err(Refusal::new(
                        "法制审核未通过，不得作出决定",
                        "the legal review did not pass: no decision",
                        art(58, Some(1), None),
                    ))
                }
                _ => {}
            }
        }
        let filed = self
            .last(|s| matches!(s, Step::Filed { .. }))
            .map(|t| t.on)
            .ok_or_else(|| {
                Refusal::new(
                    "普通程序案件须先立案",
                    "a general-procedure case must be filed first",
                    art(54, Some(2), None),
                )
            })?;
        let d = deadline(deadlines, "decision")?;
        let extended = match self.last(|s| matches!(s, Step::Extended { .. })) {
            Some(Taken {
                step: Step::Extended { until },
                ..
            }) => Some(*until),
            _ => None,
        };
        // A natural-day period only grows when its end rolls past a rest
        // day: a decision on or before the plain end needs no calendar
        // (which may not hold next year yet).
        let plain_end = filed + chrono::Days::new(u64::from(d.days));
        if on <= plain_end || extended.is_some_and(|u| on <= u) {
            return Ok(());
        }
        let mut last_day = d.due(calendar, filed, region).map_err(calendar_err)?;
        if let Some(until) = extended {
            last_day = last_day.max(until);
        }
        if on > last_day {
            return Err(Refusal::new(
                format!("自立案之日起九十日内（至 {last_day}）应当作出决定，且未记录延期"), format!("the decision was due within 90 days of filing (by {last_day}) and no extension is recorded"),
                art(60, None, None),
            ));
        }
        Ok(())
    }

    fn check_hearing_notice(
        &self,
        on: NaiveDate,
        hearing_on: NaiveDate,
        calendar: &Calendar,
        deadlines: &Deadlines,
        region: Region,
    ) -> Result<(), Refusal> {
        if !self.has(|s| matches!(s, Step::HearingRequested)) {
            return Err(Refusal::new(
                "当事人未要求听证",
                "the party did not ask for a hearing",
                art(64, None, Some(1)),
            ));
        }
        let d = deadline(deadlines, "hearing_notice")?;
        let latest = d
            .due(calendar, hearing_on, region)
            .map_err(|e| Refusal::new(e.to_string(), e.to_string(), art(85, None, None)))?;
        if on > latest {
            return Err(Refusal::new(
                format!(
                    "应当在举行听证的七日前通知当事人：{hearing_on} 的听证最迟于 {latest} 通知"
                ), format!("the party is notified seven days before the hearing: the hearing on {hearing_on} must be notified by {latest}"),
                art(64, None, Some(2)),
            ));
        }
        Ok(())
    }

    fn check_hearing(
        &self,
        notice: &Taken,
        on: NaiveDate,
        calendar: &Calendar,
        deadlines: &Deadlines,
        region: Region,
    ) -> Result<(), Refusal> {
        if !matches!(
            notice.step,
            Step::NoticeServed {
                hearing_offered: true
            }
        ) {
            return Err(Refusal::new(
                "拟作出的处罚应当告知当事人有要求听证的权利，告知中未载明", "the notice must tell the party of the right to a hearing for this penalty, and it does not",
                art(63, Some(1), None),
            ));
        }
        let requested = self.has(|s| matches!(s, Step::HearingRequested));
        let held = self.has(|s| matches!(s, Step::HearingHeld));
        let waived = self.has(|s| matches!(s, Step::HearingWaived));
        if requested && !held && !waived {
            return Err(Refusal::new(
                "当事人要求听证，应当组织听证后再作出决定",
                "the party asked for a hearing: hold it before deciding",
                art(65, None, None),
            ));
        }
        if !requested && !waived {
            let d = deadline(deadlines, "hearing_request")?;
            let ends = d
                .due(calendar, notice.on, region)
                .map_err(|e| Refusal::new(e.to_string(), e.to_string(), art(85, None, None)))?;
            if on <= ends {
                return Err(Refusal::new(
                    format!("要求听证的期限至 {ends} 届满，届满前不得作出决定"), format!("the period to ask for a hearing runs until {ends}: no decision before it ends"),
                    art(64, None, Some(1)),
                ));
            }
        }
        Ok(())
    }

    /// Every deadline running on the case, from the steps taken. A
    /// deadline whose last day falls in a year the calendar does not hold
    /// has no day and says why.
    pub fn deadlines(
        &self,
        calendar: &Calendar,
        deadlines: &Deadlines,
        region: Region,
    ) -> Result<Vec<Running>, CalendarError> {
        let mut out = Vec::new();
        let done = |pred: &dyn Fn(&Step) -> bool| self.steps.iter().any(|t| pred(&t.step));
        if !self.has(|s| matches!(s, Step::Decided)) {
            out.extend(self.measure_deadlines(calendar, deadlines, region));
        }
        let mut run = |id: &str, from: NaiveDate| -> Result<(), CalendarError> {
            if let Some(d) = deadlines.get(id) {
                let due = d.due(calendar, from, region);
                out.push(Running {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    problem: due.as_ref().err().map(ToString::to_string),
                    due: due.ok(),
                    basis: d.basis.clone(),
                });
            }
            Ok(())
        };
        let decided = self.last(|s| matches!(s, Step::Decided)).map(|t| t.on);
        if let Some(filed) = self.last(|s| matches!(s, Step::Filed { .. })) {
            if decided.is_none() {
                run("decision", filed.on)?;
            }
        }
        if let Some(p) = self.last(|s| matches!(s, Step::Preserved { .. })) {
            if !done(&|s| matches!(s, Step::PreservationDecided)) {
                run("preservation_decision", p.on)?;
            }
        }
        if let Some(n) = self.last(|s| matches!(s, Step::NoticeServed { .. })) {
            if decided.is_none() && !done(&|s| matches!(s, Step::StatementHeard { closed: true })) {
                run("notice_response", n.on)?;
            }
            let offered = matches!(
                n.step,
                Step::NoticeServed {
                    hearing_offered: true
                }
            );
            let answered = done(&|s| matches!(s, Step::HearingRequested | Step::HearingWaived));
            if offered && !answered && decided.is_none() {
                run("hearing_request", n.on)?;
            }
        }
        self.publication_deadlines(&mut run)?;
        if let Some(decided) = decided {
            match self.last(|s| matches!(s, Step::Served)) {
                None => run("service", decided)?,
                Some(served) if !done(&|s| matches!(s, Step::Paid)) => {
                    match self.last(|s| matches!(s, Step::PaymentDeferred { .. })) {
                        Some(Taken {
                            step: Step::PaymentDeferred { until, .. },
                            ..
                        }) => out.push(Running {
                            id: "payment_deferred".into(),
                            name: "暂缓（分期）缴纳罚款的期限".into(),
                            due: Some(*until),
                            problem: None,
                            basis: art(66, Some(2), None),
                        }),
                        _ => run("payment", served.on)?,
                    }
                }
                Some(_) => {}
            }
        }
        Ok(out)
    }
}

impl CaseProcedure {
    /// A general-procedure penalty decision is published within 7 working
    /// days; a published one overturned is withdrawn within 3.
    fn publication_deadlines(
        &self,
        run: &mut impl FnMut(&str, NaiveDate) -> Result<(), CalendarError>,
    ) -> Result<(), CalendarError> {
        let has = |s: Step| self.has(|x| *x == s);
        let decided = self.last(|s| matches!(s, Step::Decided)).map(|t| t.on);
        let overturned = self.last(|s| matches!(s, Step::Overturned)).map(|t| t.on);
        if let Some(decided) = decided {
            let settled = has(Step::Published) || has(Step::PublicationWithheld);
            if self.track == Track::General && !self.no_penalty && !settled && overturned.is_none()
            {
                run("publication", decided)?;
            }
        }
        if let Some(o) = overturned {
            if has(Step::Published) && !has(Step::PublicationWithdrawn) {
                run("publication_withdrawal", o)?;
            }
        }
        Ok(())
    }
}

pub(crate) fn deadline<'a>(
    deadlines: &'a Deadlines,
    id: &str,
) -> Result<&'a super::Deadline, Refusal> {
    deadlines.get(id).ok_or_else(|| {
        Refusal::new(
            format!("期限数据中没有 {id}（assets/procedure/deadlines.json）"),
            format!("the deadlines data has no {id} (assets/procedure/deadlines.json)"),
            art(85, None, None),
        )
    })
}
