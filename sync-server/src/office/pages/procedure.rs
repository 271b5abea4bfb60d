//! The case page's procedure section: the case's verified records
//! replayed through the shared state machine — the steps the law allowed,
//! the records whose step it refused (with the reason and the article),
//! and every deadline running, counted on the working-day calendar.

use fieldcase_shared::calendar::{Calendar, Region};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::procedure::{self, Deadlines, Paper, ProcedureAct, Track};
use fieldcase_shared::record::RecordPayload;

use crate::office::i18n::Lang;

/// A step as listed.
pub struct StepRow {
    pub on: String,
    pub name: &'static str,
    pub by: String,
    pub basis: String,
}

/// A record whose step was refused.
pub struct RefusedRow {
    pub name: &'static str,
    pub record: String,
    pub reason: String,
}

/// A deadline running.
pub struct DueRow {
    pub name: String,
    pub due: String,
    pub basis: String,
}

/// The section.
pub struct ProcedureView {
    pub track: &'static str,
    pub handed_over: bool,
    pub steps: Vec<StepRow>,
    pub refused: Vec<RefusedRow>,
    pub running: Vec<DueRow>,
    /// Why deadlines could not be listed (data missing), if so.
    pub problem: String,
    /// 加处罚款 owed today on an unpaid fine past its day (art. 72), if any.
    pub surcharge: String,
}

fn pick(lang: Lang, (zh, en): (&'static str, &'static str)) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

fn citation(lang: Lang, c: &fieldcase_shared::catalog::Citation) -> String {
    if lang == Lang::Zh {
        c.text()
    } else {
        c.text_en()
    }
}

/// The procedure the records tell, or None while the roadside has not
/// closed the check with a violation.
pub fn view(
    lang: Lang,
    records: &[(Digest, RecordPayload)],
    region: Region,
) -> Option<ProcedureView> {
    let deadlines = match Deadlines::shipped() {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "assets/procedure/deadlines.json does not load");
            return None;
        }
    };
    let calendar = Calendar::builtin();
    let refs: Vec<_> = records.iter().map(|(d, p)| (*d, p)).collect();
    let replay = procedure::replay(&refs, calendar, &deadlines, region);
    let p = replay.procedure?;
    let steps = p
        .steps
        .iter()
        .map(|t| StepRow {
            on: t.on.to_string(),
            name: pick(lang, t.step.name()),
            by: t.by.join("、"),
            basis: citation(lang, &t.step.basis(p.track)),
        })
        .collect();
    let refused = replay
        .refused
        .iter()
        .map(|r| RefusedRow {
            name: pick(lang, r.step.name()),
            record: r.record.to_hex()[..12].to_owned(),
            reason: match lang {
                Lang::Zh => format!("{}（{}）", r.refusal.zh, citation(lang, &r.refusal.basis)),
                Lang::En => format!("{} ({})", r.refusal.en, citation(lang, &r.refusal.basis)),
            },
        })
        .collect();
    let (running, problem) = match p.deadlines(calendar, &deadlines, region) {
        Ok(list) => (
            list.into_iter()
                .map(|d| DueRow {
                    name: d.name,
                    due: d
                        .due
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| d.problem.unwrap_or_default()),
                    basis: citation(lang, &d.basis),
                })
                .collect(),
            String::new(),
        ),
        Err(e) => (Vec::new(), e.to_string()),
    };
    let surcharge = surcharge(lang, &p, records, (calendar, &deadlines, region));
    Some(ProcedureView {
        surcharge,
        track: match p.track {
            Track::Simple => pick(
                lang,
                ("简易程序（当场处罚）", "Simple procedure (on the spot)"),
            ),
            Track::General => pick(lang, ("普通程序", "General procedure")),
        },
        handed_over: replay.handed_over,
        steps,
        refused,
        running,
        problem,
    })
}

/// The late-payment surcharge owed today on the bureau's fine decision
/// while it is unpaid (art. 72 para. 1 item 1), as a line; empty when
/// none is owed.
fn surcharge(
    lang: Lang,
    p: &procedure::CaseProcedure,
    records: &[(Digest, RecordPayload)],
    ctx: (&Calendar, &Deadlines, Region),
) -> String {
    let paid = p
        .steps
        .iter()
        .any(|t| matches!(t.step, procedure::Step::Paid));
    let fine = records.iter().rev().find_map(|(_, r)| match &r.body {
        fieldcase_shared::record::RecordBody::ProcedureAct(ProcedureAct {
            paper: Some(Paper::Decision(d)),
            ..
        }) => Some(d.fine_yuan),
        _ => None,
    });
    let bj = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let today = chrono::Utc::now().with_timezone(&bj).date_naive();
    let fen = match fine {
        Some(fine) if !paid && fine > 0 => p.surcharge_fen(fine, today, ctx),
        _ => 0,
    };
    if fen == 0 {
        return String::new();
    }
    let basis = fieldcase_shared::catalog::Citation {
        law: procedure::machine::XZCFF.into(),
        article: 72,
        paragraph: Some(1),
        item: Some(1),
    };
    let yuan = format!("{}.{:02}", fen / 100, fen % 100);
    match lang {
        Lang::Zh => format!("截至 {today} 应加处罚款 {yuan} 元（{}）", basis.text()),
        Lang::En => format!(
            "Late-payment surcharge owed on {today}: {yuan} yuan ({})",
            basis.text_en()
        ),
    }
}

/// What a `procedure_act` record says, a line per fact.
pub fn act_lines(lang: Lang, a: &ProcedureAct) -> Vec<String> {
    let mut v = vec![format!(
        "{} · {} · {}",
        a.taken.on,
        a.taken.by.join("、"),
        citation(lang, &a.basis)
    )];
    if let procedure::Step::Filed { approved_by } | procedure::Step::Preserved { approved_by } =
        &a.taken.step
    {
        v.push(format!(
            "{}: {approved_by}",
            pick(lang, ("批准", "approved by"))
        ));
    }
    if let procedure::Step::PaymentDeferred { until, instalments } = &a.taken.step {
        v.push(match lang {
            Lang::Zh => format!("至 {until}，共 {instalments} 期"),
            Lang::En => format!("until {until}, {instalments} instalment(s)"),
        });
    }
    if let Some(paper) = &a.paper {
        v.push(paper.zh().to_owned());
        v.push(match paper {
            Paper::Filing(f) => f.facts.clone(),
            Paper::Notice(n) => format!("{} · {}", n.proposed, n.respond_by),
            Paper::HearingNotice(h) => format!("{} · {} · {}", h.at, h.place, h.host),
            Paper::HearingRecord(h) => format!("{} · {} · {}", h.started_at, h.place, h.host),
            Paper::Decision(d) => format!("{} · {} 元", d.penalty, d.fine_yuan),
            Paper::NoPenalty(n) => n.reason.clone(),
            Paper::ClosingReport(c) => c.outcome.clone(),
            Paper::LegalOpinion(o) => o.conclusion.clone(),
            Paper::ServiceReceipt(n) => format!(
                "{} · {} · {}",
                pick(lang, n.method.name()),
                n.recipient,
                n.detail
            ),
            Paper::Publication(e) => {
                format!("{} · {} · {}", e.party_name, e.kinds, e.publish_until)
            }
            Paper::Withholding(w) => format!(
                "{} · {}",
                crate::office::publication::reason_name(w.reason, lang),
                w.note
            ),
            Paper::Overturning(o) => format!("{} · {}", pick(lang, o.how.name()), o.by),
            Paper::Withdrawal(w) => w.reason.clone(),
        });
        if let Paper::LegalOpinion(o) = paper {
            v.extend(o.points.iter().map(|p| {
                let answer = match (lang, p.agreed) {
                    (Lang::Zh, true) => "同意",
                    (Lang::Zh, false) => "不同意",
                    (Lang::En, true) => "agreed",
                    (Lang::En, false) => "not agreed",
                };
                format!("{}: {answer} · {}", pick(lang, p.aspect.name()), p.reason)
            }));
        }
    }
    v
}
