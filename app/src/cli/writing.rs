//! `fieldcase writing site|interview|preserve|order|measure`: the general
//! procedure's writings at the roadside, signed as records.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use fieldcase_shared::investigation::{Exchange, Interviewee, PreservedItem, Relation};

use super::admin::sign_in_both;
use super::args::{SittingArgs, WritingCommand};
use super::service::Given;
use crate::core::Terminal;
use crate::writings::{Draft, Sitting};

/// A time as given: RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` in Beijing time.
pub fn parse_time(text: &str) -> anyhow::Result<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    let east8 = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .and_then(|t| east8.from_local_datetime(&t).single())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{text:?} is not a time: give `2026-12-03 10:05` (Beijing time) or RFC 3339"
            )
        })
}

fn sitting(a: SittingArgs) -> anyhow::Result<Sitting> {
    Ok(Sitting {
        started_at: parse_time(&a.started)?,
        ended_at: match a.ended {
            Some(t) => parse_time(&t)?,
            None => Terminal::now(),
        },
        place: a.place,
    })
}

/// An item as `名称|规格|数量|单位`.
pub fn parse_item(text: &str) -> anyhow::Result<PreservedItem> {
    let bad = || {
        anyhow::anyhow!("--item {text:?}: give 名称|规格|数量|单位, e.g. `道路运输证|粤B·12345|1|本` (规格 may be empty)")
    };
    let parts: Vec<&str> = text.split('|').map(str::trim).collect();
    let [name, spec, quantity, unit] = parts.as_slice() else {
        return Err(bad());
    };
    Ok(PreservedItem {
        name: (*name).to_owned(),
        spec: (*spec).to_owned(),
        quantity: quantity.parse().map_err(|_| bad())?,
        unit: (*unit).to_owned(),
    })
}

/// Pairs each question with its answer.
pub fn exchanges(q: Vec<String>, a: Vec<String>) -> anyhow::Result<Vec<Exchange>> {
    if q.len() != a.len() {
        anyhow::bail!(
            "{} questions (--q) but {} answers (--a): give each question its answer, in order",
            q.len(),
            a.len()
        );
    }
    Ok(q.into_iter()
        .zip(a)
        .map(|(q, a)| Exchange { q, a })
        .collect())
}

/// Runs a `writing` subcommand.
pub fn run(term: &Terminal, command: WritingCommand) -> anyhow::Result<()> {
    let (case, draft, receipt, officers) = match command {
        WritingCommand::Site {
            case,
            sitting: s,
            present,
            observed,
            receipt,
            officers,
        } => (
            case,
            Draft::Site {
                sitting: sitting(s)?,
                present,
                observed,
            },
            receipt,
            officers,
        ),
        WritingCommand::Interview {
            case,
            sitting: s,
            person,
            id_number,
            relation,
            questions,
            answers,
            receipt,
            officers,
        } => (
            case,
            Draft::Interview {
                sitting: sitting(s)?,
                person: Interviewee {
                    name: person,
                    id_number,
                    relation: Relation::parse(&relation).unwrap_or(Relation::Other),
                },
                exchanges: exchanges(questions, answers)?,
            },
            receipt,
            officers,
        ),
        WritingCommand::Preserve {
            case,
            items,
            kept_at,
            approved_by,
            receipt,
            officers,
        } => (
            case,
            Draft::Register {
                items: items
                    .iter()
                    .map(|i| parse_item(i))
                    .collect::<anyhow::Result<_>>()?,
                kept_at,
                approved_by,
            },
            receipt,
            officers,
        ),
        WritingCommand::Order {
            case,
            violation,
            order,
            by,
            receipt,
            officers,
        } => (
            case,
            Draft::Order {
                violation,
                order,
                correct_by: by,
            },
            receipt,
            officers,
        ),
        WritingCommand::Measure {
            case,
            address,
            reason,
            items,
            kept_at,
            receipt,
            officers,
        } => (
            case,
            Draft::Measure {
                address,
                reason,
                items: items
                    .iter()
                    .map(|i| parse_item(i))
                    .collect::<anyhow::Result<_>>()?,
                kept_at,
            },
            receipt,
            officers,
        ),
    };
    let receipt = Given::from(receipt).read()?;
    let pair = sign_in_both(term, &officers, "writing")?;
    let w = term.writings().record(&pair, &case, draft, receipt)?;
    say!(
        "signed: record {} ({}); print it with `fieldcase document {case} {} --seq {}`",
        w.seq,
        w.kind.tag(),
        w.kind.tag(),
        w.seq
    );
    match (w.kind, w.decide_by) {
        (fieldcase_documents::Kind::MeasureDecision, Some(until)) => say!(
            "the detention ends on {until} unless the agency head extends it (行政强制法第二十五条; 30 days)"
        ),
        (_, Some(by)) => say!(
            "the agency must decide on the preserved evidence by {by} (行政处罚法第五十六条; 7 working days)"
        ),
        (_, None) => {}
    }
    Ok(())
}
