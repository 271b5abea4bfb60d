//! The calendar files: `assets/calendar/national.json` (format
//! `fieldcase-calendar/1`) and `assets/calendar/xinjiang.json`
//! (`fieldcase-calendar-overlay/1`), parsed and validated. An error names
//! the file, the entry (year, holiday or date) and what is wrong.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use super::{Calendar, Days, Overlay};

/// `format` of the national table.
pub const NATIONAL_FORMAT: &str = "fieldcase-calendar/1";
/// `format` of a region's overlay.
pub const OVERLAY_FORMAT: &str = "fieldcase-calendar-overlay/1";

const NATIONAL: &str = include_str!("../../../assets/calendar/national.json");
const XINJIANG: &str = include_str!("../../../assets/calendar/xinjiang.json");

/// A calendar file that does not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {entry}: {message}")]
pub struct CalendarFileError {
    /// The file.
    pub file: String,
    /// The entry (a year, a holiday, a date).
    pub entry: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NationalFile {
    format: String,
    #[allow(dead_code)]
    about: String,
    #[allow(dead_code)]
    rules: BTreeMap<String, String>,
    years: Vec<YearEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlayFile {
    format: String,
    region: String,
    name: String,
    #[allow(dead_code)]
    about: String,
    years: Vec<OverlayEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearEntry {
    year: i32,
    source: String,
    holidays: Vec<Holiday>,
    workdays: Vec<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlayEntry {
    year: i32,
    verified: bool,
    source: String,
    #[serde(default)]
    copy: Option<String>,
    #[serde(default)]
    holidays: Vec<Holiday>,
    #[serde(default)]
    workdays: Vec<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Holiday {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
}

/// The longest holiday a notice grants (days), a bound against typos.
const LONGEST_HOLIDAY: i64 = 10;

pub(super) fn parse_builtin() -> Result<Calendar, CalendarFileError> {
    parse(
        NATIONAL,
        "assets/calendar/national.json",
        XINJIANG,
        "assets/calendar/xinjiang.json",
    )
}

/// Parses and validates a national table and the Xinjiang overlay.
pub(super) fn parse(
    national: &str,
    national_file: &str,
    overlay: &str,
    overlay_file: &str,
) -> Result<Calendar, CalendarFileError> {
    let err = |file: &str, entry: &str, message: String| CalendarFileError {
        file: file.to_string(),
        entry: entry.to_string(),
        message,
    };
    let file: NationalFile = serde_json::from_str(national)
        .map_err(|e| err(national_file, "(file)", format!("not a calendar file: {e}")))?;
    if file.format != NATIONAL_FORMAT {
        return Err(err(
            national_file,
            "format",
            format!("expected {NATIONAL_FORMAT}, found {}", file.format),
        ));
    }
    let mut days = Days::default();
    let mut sources = BTreeMap::new();
    for year in &file.years {
        let entry = year.year.to_string();
        if year.source.trim().is_empty() {
            return Err(err(national_file, &entry, "no source notice".into()));
        }
        if sources.insert(year.year, year.source.clone()).is_some() {
            return Err(err(national_file, &entry, "year listed twice".into()));
        }
        add_year(&mut days, year.year, &year.holidays, &year.workdays)
            .map_err(|(entry, message)| err(national_file, &entry, message))?;
    }
    let xinjiang = parse_overlay(overlay, overlay_file, &sources)?;
    Ok(Calendar {
        national: days,
        sources,
        xinjiang,
    })
}

fn parse_overlay(
    text: &str,
    file_name: &str,
    national: &BTreeMap<i32, String>,
) -> Result<Overlay, CalendarFileError> {
    let err = |entry: &str, message: String| CalendarFileError {
        file: file_name.to_string(),
        entry: entry.to_string(),
        message,
    };
    let file: OverlayFile = serde_json::from_str(text)
        .map_err(|e| err("(file)", format!("not a calendar overlay: {e}")))?;
    if file.format != OVERLAY_FORMAT {
        return Err(err(
            "format",
            format!("expected {OVERLAY_FORMAT}, found {}", file.format),
        ));
    }
    if file.region != "65" || file.name.trim().is_empty() {
        return Err(err(
            "region",
            format!("expected region 65 with its name, found {:?}", file.region),
        ));
    }
    let mut overlay = Overlay {
        name: file.name,
        ..Overlay::default()
    };
    for year in &file.years {
        let entry = year.year.to_string();
        if !national.contains_key(&year.year) {
            return Err(err(&entry, "the national table has no such year".into()));
        }
        if year.source.trim().is_empty() {
            return Err(err(&entry, "no source notice".into()));
        }
        let has_days = !year.holidays.is_empty() || !year.workdays.is_empty();
        if year.verified && (year.holidays.is_empty() || year.copy.is_none()) {
            return Err(err(
                &entry,
                "a verified year needs its holidays and where the notice was read (copy)".into(),
            ));
        }
        if !year.verified && has_days {
            return Err(err(
                &entry,
                "an unverified year must not list days: verify the notice, or leave the days out"
                    .into(),
            ));
        }
        let status = (year.verified, year.source.clone());
        if overlay.years.insert(year.year, status).is_some() {
            return Err(err(&entry, "year listed twice".into()));
        }
        add_year(&mut overlay.days, year.year, &year.holidays, &year.workdays)
            .map_err(|(entry, message)| err(&entry, message))?;
    }
    Ok(overlay)
}

/// Adds one year's holidays and make-up working days, checking each.
fn add_year(
    days: &mut Days,
    year: i32,
    holidays: &[Holiday],
    workdays: &[NaiveDate],
) -> Result<(), (String, String)> {
    for holiday in holidays {
        let entry = format!("{year} {}", holiday.name);
        if holiday.name.trim().is_empty() {
            return Err((entry, "a holiday without a name".into()));
        }
        let length = (holiday.to - holiday.from).num_days() + 1;
        if !(1..=LONGEST_HOLIDAY).contains(&length) {
            return Err((
                entry,
                format!(
                    "{} to {} is not a holiday of 1 to {LONGEST_HOLIDAY} days",
                    holiday.from, holiday.to
                ),
            ));
        }
        if holiday.to.year() != year || !(year - 1..=year).contains(&holiday.from.year()) {
            return Err((
                entry,
                format!("{} to {} is not in {year}", holiday.from, holiday.to),
            ));
        }
        for day in holiday.from.iter_days().take(length as usize) {
            if !days.rest.insert(day) {
                return Err((entry, format!("{day} is already a day off")));
            }
        }
    }
    for &day in workdays {
        let entry = format!("{year} workday {day}");
        if day.year() != year {
            return Err((entry, format!("not in {year}")));
        }
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            return Err((
                entry,
                "a make-up working day must be a Saturday or Sunday".into(),
            ));
        }
        if days.rest.contains(&day) {
            return Err((entry, "the day is also listed as a day off".into()));
        }
        if !days.work.insert(day) {
            return Err((entry, "listed twice".into()));
        }
    }
    Ok(())
}
