//! Working days (law as data, `assets/calendar/`): the State Council's
//! yearly holiday table (放假调休) and a region's overlay (新疆: 肉孜节,
//! 古尔邦节), and the period arithmetic of 行政处罚法 art. 85 and 行政强制法
//! art. 69: a period counts from the day after its start; a working-day
//! period skips rest days; a natural-day period that ends on a rest day
//! rolls over to the next working day. A day in a year the tables do not
//! hold is an error naming the year and the notice to add, never a guess.

mod data;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};

pub use data::{CalendarFileError, NATIONAL_FORMAT, OVERLAY_FORMAT};

/// Where a period is counted: nationally, or in a region with an overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Region {
    /// The State Council's table only.
    National,
    /// 新疆维吾尔自治区 (administrative code 65): the national table plus
    /// the region's own days.
    Xinjiang,
}

impl Region {
    /// From the first two digits of an administrative code (`65`), or
    /// `None`/empty for national.
    pub fn from_code(code: Option<&str>) -> Result<Region, CalendarError> {
        match code.map(str::trim) {
            None | Some("") => Ok(Region::National),
            Some("65") => Ok(Region::Xinjiang),
            Some(other) => Err(CalendarError::UnknownRegion(other.to_string())),
        }
    }

    /// The region's code (`65`), or `None` for national.
    pub fn code(self) -> Option<&'static str> {
        match self {
            Region::National => None,
            Region::Xinjiang => Some("65"),
        }
    }
}

/// How a period's days are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayCount {
    /// Working days (工作日, not counting rest days and holidays).
    Working,
    /// Natural days (日), the last one rolled past a rest day.
    Natural,
}

impl DayCount {
    /// The kind of days the law means by a period of `days` days in
    /// 行政处罚法 (art. 85: 2, 3, 5 and 7 days are working days).
    pub fn penalty_law(days: u32) -> DayCount {
        if matches!(days, 2 | 3 | 5 | 7) {
            DayCount::Working
        } else {
            DayCount::Natural
        }
    }

    /// The kind of days the law means in 行政强制法 (art. 69: ten days or
    /// fewer are working days).
    pub fn compulsion_law(days: u32) -> DayCount {
        if days <= 10 {
            DayCount::Working
        } else {
            DayCount::Natural
        }
    }
}

/// Why a day cannot be classified or a period computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The national table has no entry for the year.
    #[error(
        "{year}年的节假日安排不在日历数据中（assets/calendar/national.json）：请按国务院办公厅当年的通知补全后再计算 / the holiday table for {year} is missing: add the State Council's notice for that year"
    )]
    MissingYear {
        /// The year.
        year: i32,
    },
    /// The region's overlay for the year is not verified against a notice.
    #[error(
        "{region}{year}年的少数民族节日放假安排未核实（{notice}）：请据自治区当年的通知补全 assets/calendar/xinjiang.json 后再计算 / the region's holiday notice for {year} has not been verified: add it before computing"
    )]
    UnverifiedRegionYear {
        /// The region's name.
        region: String,
        /// The year.
        year: i32,
        /// What the data says of the missing notice.
        notice: String,
    },
    /// A region code without an overlay.
    #[error("没有行政区划代码为 {0} 的地区日历（可用：65 新疆） / no calendar for region {0} (known: 65)")]
    UnknownRegion(String),
}

/// Days that differ from the weekend rule: days off (放假, including the
/// weekends inside a holiday) and weekend days that are working days
/// (调休上班). A holiday that starts in the previous year (元旦 from
/// 30 December) is held by day, whatever year's notice names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Days {
    rest: BTreeSet<NaiveDate>,
    work: BTreeSet<NaiveDate>,
}

impl Days {
    fn classify(&self, day: NaiveDate, otherwise: bool) -> bool {
        if self.work.contains(&day) {
            true
        } else if self.rest.contains(&day) {
            false
        } else {
            otherwise
        }
    }
}

/// A region's overlay: the days, and per year the notice and whether the
/// year is verified against it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Overlay {
    name: String,
    days: Days,
    years: BTreeMap<i32, (bool, String)>,
}

/// The working-day calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    national: Days,
    /// The notice of each year the national table holds.
    sources: BTreeMap<i32, String>,
    xinjiang: Overlay,
}

impl Calendar {
    /// The tables shipped in `assets/calendar/`.
    pub fn builtin() -> &'static Calendar {
        static BUILTIN: std::sync::OnceLock<Calendar> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            data::parse_builtin().unwrap_or_else(|e| panic!("the shipped calendar is invalid: {e}"))
        })
    }

    /// The years the national table holds.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.sources.keys().copied()
    }

    /// The notice a year's national table comes from.
    pub fn source(&self, year: i32) -> Option<&str> {
        self.sources.get(&year).map(String::as_str)
    }

    /// Whether `day` is a working day in `region`.
    pub fn is_working_day(&self, day: NaiveDate, region: Region) -> Result<bool, CalendarError> {
        let year = day.year();
        if !self.sources.contains_key(&year) {
            return Err(CalendarError::MissingYear { year });
        }
        let mut working = self.national.classify(day, weekday_is_working(day));
        if region == Region::Xinjiang {
            let overlay = &self.xinjiang;
            match overlay.years.get(&year) {
                Some((true, _)) => working = overlay.days.classify(day, working),
                Some((false, source)) => {
                    return Err(CalendarError::UnverifiedRegionYear {
                        region: overlay.name.clone(),
                        year,
                        notice: source.clone(),
                    })
                }
                None => {
                    return Err(CalendarError::UnverifiedRegionYear {
                        region: overlay.name.clone(),
                        year,
                        notice: "数据中没有该年".into(),
                    })
                }
            }
        }
        Ok(working)
    }

    /// Every working day from `from` to `to`, both included.
    pub fn working_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        region: Region,
    ) -> Result<Vec<NaiveDate>, CalendarError> {
        let mut days = Vec::new();
        for day in from.iter_days().take_while(|d| *d <= to) {
            if self.is_working_day(day, region)? {
                days.push(day);
            }
        }
        Ok(days)
    }

    /// The day `n` working days after `start` (the start day not counted).
    /// `n = 0` gives `start` itself.
    pub fn add_working_days(
        &self,
        start: NaiveDate,
        n: u32,
        region: Region,
    ) -> Result<NaiveDate, CalendarError> {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = next_day(day, start)?;
            if self.is_working_day(day, region)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// The last day of a period of `days` days counted as `count` from
    /// `start` (the start day not counted). A natural-day period ending on
    /// a rest day ends on the next working day instead.
    pub fn period_end(
        &self,
        start: NaiveDate,
        days: u32,
        count: DayCount,
        region: Region,
    ) -> Result<NaiveDate, CalendarError> {
        match count {
            DayCount::Working => self.add_working_days(start, days, region),
            DayCount::Natural => {
                let mut end = start
                    .checked_add_days(chrono::Days::new(u64::from(days)))
                    .ok_or(CalendarError::MissingYear { year: i32::MAX })?;
                while !self.is_working_day(end, region)? {
                    end = next_day(end, start)?;
                }
                Ok(end)
            }
        }
    }
}

fn next_day(day: NaiveDate, start: NaiveDate) -> Result<NaiveDate, CalendarError> {
    day.succ_opt().ok_or(CalendarError::MissingYear {
        year: start.year().saturating_add(1),
    })
}

fn weekday_is_working(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}
