//! A case's procedure, read from its signed records: the roadside's
//! writings are its investigation and preservation, the closing record
//! says which track it follows (an on-the-spot decision, or 移交 to the
//! bureau for the general procedure), the documents served and payments
//! noted follow the decision, and each `procedure_act` signed at the
//! bureau is one more step. Every step goes through
//! [`CaseProcedure::apply`]: a record whose step the law does not allow
//! at that point is kept (it is signed evidence) and listed as refused,
//! with the reason and the provision.

use chrono::{FixedOffset, NaiveDate};

use super::acts::{Paper, ProcedureAct};
use super::machine::{CaseProcedure, Refusal, Step, Taken, Track, XZCFF};
use super::{Deadlines, Limitation};
use crate::calendar::{Calendar, Region};
use crate::catalog::{Citation, Procedure, ProcedureNeeds};
use crate::check::Decision;
use crate::hash::Digest;
use crate::record::{RecordBody, RecordPayload};

/// A record whose step the law refused at its point in the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The record.
    pub record: Digest,
    /// The step it records.
    pub step: Step,
    /// Why.
    pub refusal: Refusal,
}

/// The procedure as the records tell it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Replay {
    /// The steps the law allowed, once the closing record gave the track
    /// (none before the roadside check is closed, or without a violation).
    pub procedure: Option<CaseProcedure>,
    /// The roadside handed the case over to the bureau (移交): a
    /// violation whose penalty the simple procedure does not allow.
    pub handed_over: bool,
    /// Records whose step was refused, in order.
    pub refused: Vec<Refused>,
}

fn beijing_day(p: &RecordPayload) -> NaiveDate {
    let east8 = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    p.created_at.with_timezone(&east8).date_naive()
}

/// The step a record of the case stands for, if it stands for one.
fn step_of(p: &RecordPayload, decision_record: Option<Digest>) -> Option<Result<Taken, Refusal>> {
    let taken = |step| Some(Ok(signed_step(step, p)));
    match &p.body {
        RecordBody::SiteRecorded(_) => taken(Step::Investigated { site_record: true }),
        RecordBody::InterviewRecorded(_) => taken(Step::Investigated { site_record: false }),
        RecordBody::MeasureDecided(w) => taken(Step::MeasureDecisionServed {
            measures: w.measures.clone(),
            until: w.until,
        }),
        RecordBody::EvidenceRegistered(w) => taken(Step::Preserved {
            approved_by: w.approved_by.clone(),
        }),
        RecordBody::DocumentServed(d) if Some(d.decision) == decision_record => taken(Step::Served),
        RecordBody::PaymentNoted(_) => taken(Step::Paid),
        RecordBody::ProcedureAct(a) => Some(act_step(a, p)),
        _ => None,
    }
}

/// `step` as the record `p` takes it: on the day it was signed, by its
/// officers, at the moment it was signed.
fn signed_step(step: Step, p: &RecordPayload) -> Taken {
    Taken {
        step,
        on: beijing_day(p),
        by: p.officers.clone(),
        at: Some(p.created_at),
    }
}

/// A bureau act's step, once its own content is sound: complete, citing
/// the provision its step applies, not dated after it was signed.
fn act_step(a: &ProcedureAct, p: &RecordPayload) -> Result<Taken, Refusal> {
    let art = |article, paragraph| Citation {
        law: XZCFF.into(),
        article,
        paragraph,
        item: None,
    };
    a.check()
        .map_err(|e| Refusal::new(e.zh, e.en, a.taken.step.basis(Track::General)))?;
    let cites = [Track::Simple, Track::General].map(|t| a.taken.step.basis(t));
    if !cites.contains(&a.basis) {
        return Err(Refusal::new(
            format!(
                "记录引用 {}，该步骤适用 {}",
                a.basis.text(),
                cites[1].text()
            ),
            format!(
                "the record cites {}, the step applies {}",
                a.basis.text_en(),
                cites[1].text_en()
            ),
            cites[1].clone(),
        ));
    }
    if a.taken.on > beijing_day(p) {
        return Err(Refusal::new(
            format!(
                "步骤日期 {} 晚于签名日期 {}，不能预先签署",
                a.taken.on,
                beijing_day(p)
            ),
            format!(
                "the step is dated {}, after it was signed on {}: no signing ahead",
                a.taken.on,
                beijing_day(p)
            ),
            art(47, None),
        ));
    }
    Ok(Taken {
        at: Some(p.created_at),
        ..a.taken.clone()
    })
}

/// The procedure a roadside decision opens: its track, what it needs,
/// the day the violation ended and the limitation period.
fn opened_by(d: &Decision, checked: NaiveDate) -> CaseProcedure {
    let general = d.procedure == "general";
    CaseProcedure::new(
        if general {
            Track::General
        } else {
            Track::Simple
        },
        ProcedureNeeds {
            procedure: if general {
                Procedure::General
            } else {
                Procedure::Simple
            },
            hearing: d.hearing_right,
            legal_review: d.legal_review,
            compulsory: !d.measures.is_empty(),
            reasons: vec![],
        },
        d.ended_on.unwrap_or(checked),
        if d.life_or_health {
            Limitation::LifeOrHealth
        } else {
            Limitation::Ordinary
        },
    )
}

/// Replays the case's records (`(digest, payload)`, any order: they are
/// taken in signing order) through the state machine.
pub fn replay(
    records: &[(Digest, &RecordPayload)],
    calendar: &Calendar,
    deadlines: &Deadlines,
    region: Region,
) -> Replay {
    let mut sorted: Vec<_> = records.to_vec();
    sorted.sort_by_key(|(_, p)| (p.created_at, p.seq));
    let mut out = Replay::default();
    let mut waiting: Vec<(Digest, Taken)> = Vec::new();
    let mut decision_record = None;
    // A measure at the check was taken once the check began.
    let check_began = sorted.iter().find_map(|(_, p)| match &p.body {
        RecordBody::CaseOpened(o) => Some(o.occurred_at),
        _ => None,
    });
    for (digest, p) in sorted {
        if let RecordBody::CaseClosed(c) = &p.body {
            let Some(d) = c.findings.as_ref().and_then(|f| f.decision.as_ref()) else {
                continue;
            };
            if d.penalty == "none" && d.procedure != "general" {
                continue;
            }
            let mut proc = opened_by(d, beijing_day(p));
            if !d.measures.is_empty() {
                // Taken during the check, before its decision.
                waiting.push((
                    digest,
                    Taken {
                        step: Step::MeasureTaken {
                            measures: d.measures.clone(),
                        },
                        on: beijing_day(p),
                        by: p.officers.clone(),
                        at: Some(check_began.unwrap_or(p.created_at)),
                    },
                ));
            }
            if proc.track == Track::Simple {
                decision_record = Some(digest);
                waiting.push((digest, signed_step(Step::Decided, p)));
            } else {
                out.handed_over = true;
            }
            for (record, taken) in waiting.drain(..) {
                if let Err(refusal) = proc.apply(taken.clone(), calendar, deadlines, region) {
                    out.refused.push(Refused {
                        record,
                        step: taken.step,
                        refusal,
                    });
                }
            }
            out.procedure = Some(proc);
            continue;
        }
        let Some(step) = step_of(p, decision_record) else {
            continue;
        };
        let taken = match step {
            Ok(t) => t,
            Err(refusal) => {
                out.refused.push(Refused {
                    record: digest,
                    step: match &p.body {
                        RecordBody::ProcedureAct(a) => a.taken.step.clone(),
                        _ => Step::Investigated { site_record: false },
                    },
                    refusal,
                });
                continue;
            }
        };
        match out.procedure.as_mut() {
            None => waiting.push((digest, taken)),
            Some(proc) => match proc.apply(taken.clone(), calendar, deadlines, region) {
                Ok(()) => {
                    if let RecordBody::ProcedureAct(ProcedureAct {
                        paper: Some(Paper::NoPenalty(_)),
                        ..
                    }) = &p.body
                    {
                        proc.no_penalty = true;
                    }
                }
                Err(refusal) => out.refused.push(Refused {
                    record: digest,
                    step: taken.step,
                    refusal,
                }),
            },
        }
    }
    out
}
