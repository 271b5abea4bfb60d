//! The compulsory measures of 行政强制法 on a case: a vehicle detained or
//! towed away at the check by two officers (art. 18 item 2), reported to
//! the agency head and approved within 24 hours (art. 19), written in a
//! 现场笔录 (art. 18 item 7), decided in a 行政强制措施决定书 with its 清单
//! handed over on the spot (art. 24), detained 30 days at most with one
//! extension by the head (art. 25), and ended (art. 28). A measure that
//! lacks any of these blocks the decision and the extension while it runs.

use chrono::{FixedOffset, NaiveDate};

use super::{deadline, qzf, CaseProcedure, Refusal, Running, Step, Taken};
use crate::calendar::{Calendar, Region};
use crate::catalog::MeasureKind;
use crate::procedure::Deadlines;

impl CaseProcedure {
    /// The last measure taken, while it has not ended.
    fn running_measure(&self) -> Option<(usize, &Taken)> {
        let (i, taken) = self
            .steps
            .iter()
            .enumerate()
            .rev()
            .find(|(_, t)| matches!(t.step, Step::MeasureTaken { .. }))?;
        let ended = self.steps[i..]
            .iter()
            .any(|t| matches!(t.step, Step::MeasureEnded));
        (!ended).then_some((i, taken))
    }

    /// A measure taken and not yet ended.
    pub(super) fn measure_running(&self) -> bool {
        self.running_measure().is_some()
    }

    /// The steps since the running measure was taken.
    fn since_measure(&self) -> &[Taken] {
        self.running_measure()
            .map_or(&[], |(i, _)| &self.steps[i + 1..])
    }

    /// The head's answer on the running measure, if given.
    fn approval(&self) -> Option<bool> {
        self.since_measure().iter().find_map(|t| match t.step {
            Step::MeasureApproved { approved } => Some(approved),
            _ => None,
        })
    }

    /// The decision handed over for the running measure, if it was.
    fn measure_decision(&self) -> Option<(&[MeasureKind], Option<NaiveDate>)> {
        self.since_measure().iter().find_map(|t| match &t.step {
            Step::MeasureDecisionServed { measures, until } => Some((measures.as_slice(), *until)),
            _ => None,
        })
    }

    /// The vehicle's detention, if one is running: the day it began.
    fn detention(&self) -> Option<NaiveDate> {
        let (_, t) = self.running_measure()?;
        matches!(&t.step, Step::MeasureTaken { measures } if measures.contains(&MeasureKind::DetainVehicle))
            .then_some(t.on)
    }

    /// The last day of the running detention: the extension's day, else
    /// the day its decision set, else 30 days (行政强制法 art. 25 para. 1).
    pub(super) fn detention_due(
        &self,
        calendar: &Calendar,
        deadlines: &Deadlines,
        region: Region,
    ) -> Option<Result<NaiveDate, Refusal>> {
        let began = self.detention()?;
        let extended = self.since_measure().iter().find_map(|t| match t.step {
            Step::MeasureExtended { until } => Some(until),
            _ => None,
        });
        if let Some(until) = extended.or_else(|| self.measure_decision().and_then(|(_, u)| u)) {
            return Some(Ok(until));
        }
        Some(deadline(deadlines, "seizure").and_then(|d| {
            d.due(calendar, began, region)
                .map_err(|e| Refusal::new(e.to_string(), e.to_string(), qzf(25, Some(1), None)))
        }))
    }

    /// Checks a measure's own steps.
    pub(super) fn check_measure_step(
        &self,
        taken: &Taken,
        officers: usize,
        calendar: &Calendar,
        deadlines: &Deadlines,
        region: Region,
    ) -> Result<(), Refusal> {
        match &taken.step {
            Step::MeasureTaken { measures } => check_taken(measures, officers),
            Step::MeasureApproved { .. } => self.check_approval(taken, deadlines),
            Step::MeasureDecisionServed { measures, until } => {
                self.check_measure_decision(measures, *until)
            }
            Step::MeasureExtended { until } => {
                self.check_measure_lawful()?;
                self.check_extension(taken.on, *until, calendar, deadlines, region)
            }
            Step::MeasureEnded if !self.measure_running() => Err(Refusal::new(
                "没有正在实施的行政强制措施",
                "no compulsory measure is running",
                qzf(28, None, None),
            )),
            _ => Ok(()),
        }
    }

    /// 情况紧急当场实施的，二十四小时内向负责人报告并补办批准手续
    /// (行政强制法 art. 19): once, while the measure runs, within the
    /// hours of `measure_approval` from the check (or, when the moments
    /// are unknown, by the next day).
    fn check_approval(&self, taken: &Taken, deadlines: &Deadlines) -> Result<(), Refusal> {
        let basis = qzf(19, None, None);
        let Some((_, measure)) = self.running_measure() else {
            return Err(Refusal::new(
                "没有正在实施、待批准的行政强制措施",
                "no compulsory measure is running and waiting for approval",
                basis,
            ));
        };
        if self.approval().is_some() {
            return Err(Refusal::new(
                "该行政强制措施已办理批准手续",
                "the measure has already been approved or refused",
                basis,
            ));
        }
        let d = deadline(deadlines, "measure_approval")?;
        let late = match (measure.at, taken.at, d.due_at_opt(measure.at)) {
            (Some(began), Some(now), Some(due)) if now > due => Some((
                format!(
                    "措施实施于 {}，应于 {} 前报告负责人并补办批准手续",
                    beijing(began),
                    beijing(due)
                ),
                format!(
                    "the measure was taken at {}; the head's approval was due by {}",
                    beijing(began),
                    beijing(due)
                ),
            )),
            (Some(_), Some(_), _) => None,
            _ => {
                let due = d
                    .due(Calendar::builtin(), measure.on, Region::National)
                    .unwrap_or(measure.on);
                (taken.on > due).then(|| {
                    (
                        format!("措施实施于 {}，最迟应于 {due} 补办批准手续", measure.on),
                        format!(
                            "the measure was taken on {}; the head's approval was due by {due}",
                            measure.on
                        ),
                    )
                })
            }
        };
        match late {
            Some((why, why_en)) => Err(Refusal::new(
                format!("{why}；已逾期，应当立即解除"),
                format!("{why_en}; it is late: the measure must be released at once"),
                basis,
            )),
            None => Ok(()),
        }
    }

    /// 当场交付查封、扣押决定书和清单 (行政强制法 art. 24): for a running
    /// measure, naming only measures taken, a detention with its last day
    /// within 30 days (art. 25 para. 1).
    fn check_measure_decision(
        &self,
        measures: &[MeasureKind],
        until: Option<NaiveDate>,
    ) -> Result<(), Refusal> {
        let basis = qzf(24, None, None);
        let Some((_, t)) = self.running_measure() else {
            return Err(Refusal::new(
                "没有正在实施的行政强制措施",
                "no compulsory measure is running",
                basis,
            ));
        };
        let Step::MeasureTaken { measures: taken } = &t.step else {
            return Err(Refusal::new(
                "没有正在实施的行政强制措施",
                "no compulsory measure is running",
                basis,
            ));
        };
        if self.measure_decision().is_some() {
            return Err(Refusal::new(
                "已交付行政强制措施决定书",
                "the measure decision has already been handed over",
                basis,
            ));
        }
        if let Some(m) = measures.iter().find(|m| !taken.contains(m)) {
            return Err(Refusal::new(
                format!("决定书载明的“{}”未在现场实施、记录", m.zh()),
                format!(
                    "the decision names {} but the check did not record it",
                    m.en()
                ),
                basis,
            ));
        }
        if measures.contains(&MeasureKind::DetainVehicle) {
            let latest = t.on + chrono::Days::new(30);
            match until {
                Some(u) if u > t.on && u <= latest => {}
                _ => {
                    return Err(Refusal::new(
                        format!(
                            "扣押期限不得超过三十日：期限须在 {} 之后、{latest} 之前或当日",
                            t.on
                        ), format!("a detention lasts at most 30 days: its last day must be after {} and no later than {latest}", t.on),
                        qzf(25, Some(1), None),
                    ))
                }
            }
        }
        Ok(())
    }

    /// What a running measure still lacks before the case goes on (a
    /// decision, an extension): the head's approval (art. 19), its
    /// 现场笔录 (art. 18 item 7), for a detention its decision and 清单
    /// handed over (art. 24).
    pub(super) fn check_measure_lawful(&self) -> Result<(), Refusal> {
        let Some((_, t)) = self.running_measure() else {
            return Ok(());
        };
        match self.approval() {
            Some(false) => return Err(Refusal::new(
                "负责人认为不应当采取该行政强制措施，应当立即解除",
                "the agency head found the measure should not have been taken: release it at once",
                qzf(19, None, None),
            )),
            None => {
                return Err(Refusal::new(
                    "当场实施的行政强制措施尚未报经行政机关负责人批准",
                    "the measure taken at the scene has not been approved by the agency head",
                    qzf(19, None, None),
                ))
            }
            Some(true) => {}
        }
        if !self.has(|s| matches!(s, Step::Investigated { site_record: true })) {
            return Err(Refusal::new(
                "实施行政强制措施应当制作现场笔录，本案没有现场笔录",
                "a compulsory measure needs a site record, and the case has none",
                qzf(18, None, Some(7)),
            ));
        }
        let detains = matches!(&t.step, Step::MeasureTaken { measures } if measures.contains(&MeasureKind::DetainVehicle));
        if detains && self.measure_decision().is_none() {
            return Err(Refusal::new(
                "扣押车辆应当当场交付扣押决定书和清单，本案没有交付记录", "a detained vehicle needs its decision and list handed over on the spot, and none is recorded",
                qzf(24, None, None),
            ));
        }
        Ok(())
    }

    fn check_extension(
        &self,
        on: NaiveDate,
        until: NaiveDate,
        calendar: &Calendar,
        deadlines: &Deadlines,
        region: Region,
    ) -> Result<(), Refusal> {
        let basis = qzf(25, Some(1), None);
        if self.has(|s| matches!(s, Step::MeasureExtended { .. })) {
            return Err(Refusal::new(
                "扣押期限只能延长一次",
                "a detention can be extended only once",
                basis,
            ));
        }
        let due = match self.detention_due(calendar, deadlines, region) {
            None => {
                return Err(Refusal::new(
                    "没有正在扣押的车辆",
                    "no vehicle is detained",
                    basis,
                ))
            }
            Some(due) => due?,
        };
        if on > due {
            return Err(Refusal::new(
                format!("扣押期限已于 {due} 届满，不能再延长，应当解除扣押（第二十八条）"), format!("the detention ended on {due}: it cannot be extended and must be released (art. 28)"),
                basis,
            ));
        }
        if until <= due || until > due + chrono::Days::new(30) {
            return Err(Refusal::new(
                format!(
                    "延长期限不得超过三十日：新期限须在 {due} 之后、{} 之前或当日",
                    due + chrono::Days::new(30)
                ), format!("an extension is at most 30 days: the new last day must be after {due} and no later than {}", due + chrono::Days::new(30)),
                basis,
            ));
        }
        Ok(())
    }

    /// The measure's running deadlines: the head's approval within 24
    /// hours, an immediate release when the head refused it, and the
    /// detention's period.
    pub(super) fn measure_deadlines(
        &self,
        calendar: &Calendar,
        deadlines: &Deadlines,
        region: Region,
    ) -> Vec<Running> {
        let mut out = Vec::new();
        let Some((_, measure)) = self.running_measure() else {
            return out;
        };
        match self.approval() {
            None => {
                if let Some(d) = deadlines.get("measure_approval") {
                    let due_at = d.due_at_opt(measure.at);
                    out.push(Running {
                        id: d.id.clone(),
                        name: match due_at {
                            Some(at) => format!("{}：至 {}", d.name, beijing(at)),
                            None => d.name.clone(),
                        },
                        due: due_at
                            .map(beijing_day)
                            .or_else(|| d.due(calendar, measure.on, region).ok()),
                        problem: None,
                        basis: d.basis.clone(),
                    });
                }
            }
            Some(false) => out.push(Running {
                id: "measure_release".into(),
                name: "负责人不予批准：立即解除行政强制措施".into(),
                due: self
                    .since_measure()
                    .iter()
                    .find(|t| matches!(t.step, Step::MeasureApproved { .. }))
                    .map(|t| t.on),
                problem: None,
                basis: qzf(19, None, None),
            }),
            Some(true) => {}
        }
        if let Some(due) = self.detention_due(calendar, deadlines, region) {
            out.push(Running {
                id: "seizure".into(),
                name: deadlines
                    .get("seizure")
                    .map_or_else(|| "扣押期限".into(), |d| d.name.clone()),
                due: due.as_ref().ok().copied(),
                problem: due.err().map(|r| r.zh),
                basis: qzf(25, Some(1), None),
            });
        }
        out
    }
}

/// A compulsory measure needs two officers (行政强制法 art. 18 item 2) and
/// says what was done.
fn check_taken(measures: &[MeasureKind], officers: usize) -> Result<(), Refusal> {
    if measures.is_empty() {
        return Err(Refusal::new(
            "请写明实施的行政强制措施",
            "name the compulsory measure taken",
            qzf(18, None, None),
        ));
    }
    if officers < 2 {
        return Err(Refusal::new(
            "行政强制措施应当由两名以上行政执法人员实施",
            "a compulsory measure is taken by at least two officers",
            qzf(18, None, Some(2)),
        ));
    }
    Ok(())
}

fn east8() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// A moment as refusals and deadlines write it, Beijing time.
fn beijing(t: chrono::DateTime<FixedOffset>) -> String {
    t.with_timezone(&east8())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn beijing_day(t: chrono::DateTime<FixedOffset>) -> NaiveDate {
    t.with_timezone(&east8()).date_naive()
}

impl crate::procedure::Deadline {
    /// [`Self::due_at`] of a moment that may be unknown.
    fn due_at_opt(
        &self,
        event: Option<chrono::DateTime<FixedOffset>>,
    ) -> Option<chrono::DateTime<FixedOffset>> {
        event.and_then(|e| self.due_at(e))
    }
}
