//! Deadlines as data: how many days, from which event, counted how, and
//! the provision. Validated at load with errors naming the file and the
//! deadline.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Deserialize;

use crate::calendar::{Calendar, CalendarError, DayCount, Region};
use crate::catalog::Citation;

/// `format` of the deadlines file.
pub const DEADLINES_FORMAT: &str = "fieldcase-deadlines/1";

const SHIPPED: &str = include_str!("../../../assets/procedure/deadlines.json");

/// Which law's counting rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Law {
    /// 行政处罚法 (art. 85).
    Xzcff,
    /// 行政强制法 (art. 69).
    Qzf,
}

/// The event a deadline runs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// 立案.
    Filing,
    /// 先行登记保存.
    Preservation,
    /// 扣押.
    Seizure,
    /// 违法行为通知书 served.
    NoticeServed,
    /// The hearing (a deadline before it).
    Hearing,
    /// 行政处罚决定.
    Decision,
    /// 送达 of the decision.
    Service,
    /// Cash collected on the spot.
    CashCollected,
    /// The decision overturned (变更、撤销、确认违法或者确认无效).
    Overturned,
}

/// One deadline.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// Stable id.
    pub id: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// How many days (0 for a period in hours).
    #[serde(default)]
    pub days: u32,
    /// A period in hours instead (行政强制法 art. 19: 24 hours), counted
    /// from the moment of the event.
    #[serde(default)]
    pub hours: Option<u32>,
    /// Whose counting rule.
    pub law: Law,
    /// From which event.
    pub from: Event,
    /// The deadline falls this many days *before* the event (听证通知).
    #[serde(default)]
    pub before: bool,
    /// Set by the agency where the law gives no number: the count is then
    /// stated, and why.
    #[serde(default)]
    pub count: Option<DayCount>,
    /// Why the number is configuration.
    #[serde(default)]
    pub configurable: Option<String>,
    /// The provision.
    pub basis: Citation,
}

impl Deadline {
    /// Working or natural days: as the law's article says for this many
    /// days, unless the agency set it.
    pub fn day_count(&self) -> DayCount {
        self.count.unwrap_or(match self.law {
            Law::Xzcff => DayCount::penalty_law(self.days),
            Law::Qzf => DayCount::compulsion_law(self.days),
        })
    }

    /// The last moment of a period in hours, the event at `event`; none
    /// for a period in days.
    pub fn due_at(&self, event: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        self.hours
            .map(|h| event + chrono::Duration::hours(i64::from(h)))
    }

    /// The last day for the act, the event being on `event`: for a
    /// deadline before the event, the last working day from which `days`
    /// days still run before it. A period in hours gives the day its last
    /// moment falls on, counted from the start of `event`'s day (use
    /// [`Deadline::due_at`] when the moment is known).
    pub fn due(
        &self,
        calendar: &Calendar,
        event: NaiveDate,
        region: Region,
    ) -> Result<NaiveDate, CalendarError> {
        if let Some(h) = self.hours {
            return Ok(event + chrono::Days::new(u64::from(h.div_ceil(24))));
        }
        let count = self.day_count();
        if !self.before {
            return calendar.period_end(event, self.days, count, region);
        }
        let mut day = event;
        for _ in 0..400 {
            day = day
                .pred_opt()
                .ok_or(CalendarError::MissingYear { year: i32::MIN })?;
            let end = match count {
                DayCount::Working => calendar.add_working_days(day, self.days, region)?,
                DayCount::Natural => day + chrono::Days::new(u64::from(self.days)),
            };
            if end <= event {
                // The office acts on a working day: the latest one.
                while !calendar.is_working_day(day, region)? {
                    day = day
                        .pred_opt()
                        .ok_or(CalendarError::MissingYear { year: i32::MIN })?;
                }
                return Ok(day);
            }
        }
        Err(CalendarError::MissingYear {
            year: chrono::Datelike::year(&event),
        })
    }
}

/// A deadlines file that does not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {entry}: {message}")]
pub struct DeadlineError {
    /// File.
    pub file: String,
    /// Deadline id, or `(file)`.
    pub entry: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: String,
    #[allow(dead_code)]
    about: String,
    deadlines: Vec<Deadline>,
}

/// The loaded deadlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadlines(Vec<Deadline>);

impl Deadlines {
    /// The shipped file.
    pub fn shipped() -> Result<Deadlines, DeadlineError> {
        Deadlines::parse(SHIPPED, "assets/procedure/deadlines.json")
    }

    /// Parses and validates a deadlines file.
    pub fn parse(text: &str, file: &str) -> Result<Deadlines, DeadlineError> {
        let err = |entry: &str, message: String| DeadlineError {
            file: file.to_owned(),
            entry: entry.to_owned(),
            message,
        };
        let f: File = serde_json::from_str(text)
            .map_err(|e| err("(file)", format!("not a deadlines file: {e}")))?;
        if f.format != DEADLINES_FORMAT {
            return Err(err("(file)", format!("expected {DEADLINES_FORMAT}")));
        }
        let mut ids = std::collections::BTreeSet::new();
        for d in &f.deadlines {
            if d.id.is_empty() || !ids.insert(d.id.clone()) {
                return Err(err(&d.id, "missing or repeated id".into()));
            }
            if d.name.trim().is_empty() || d.name_en.trim().is_empty() {
                return Err(err(&d.id, "needs name and name_en".into()));
            }
            match d.hours {
                Some(h) if d.days != 0 || h == 0 || h > 240 || d.before => {
                    return Err(err(
                        &d.id,
                        "a period in hours gives 1–240 hours, no days, and runs after its event"
                            .into(),
                    ))
                }
                Some(_) => {}
                None if d.days == 0 || d.days > 3660 => {
                    return Err(err(&d.id, format!("{} days is not a period", d.days)));
                }
                None => {}
            }
            if let Some(p) = d.basis.problem() {
                return Err(err(&d.id, p));
            }
            if d.count.is_some() != d.configurable.is_some() {
                return Err(err(
                    &d.id,
                    "count is set only for a configurable period, and a configurable period states its count".into(),
                ));
            }
        }
        Ok(Deadlines(f.deadlines))
    }

    /// The deadline with this id.
    pub fn get(&self, id: &str) -> Option<&Deadline> {
        self.0.iter().find(|d| d.id == id)
    }

    /// Every deadline.
    pub fn all(&self) -> &[Deadline] {
        &self.0
    }
}
