//! 案卷评查 pre-review: a case file checked against the rule list kept
//! under `assets/review/case_file.json` — documents the procedure taken
//! needs, deadlines passed, steps the law did not allow, signatures that
//! do not verify, decisions not served, evidence not uploaded, fines
//! outside the discretion tier, a basis that names no article. Each
//! finding names its rule and says what is wrong; the reviewer confirms.

use chrono::NaiveDate;

use crate::calendar::{Calendar, Region};
use crate::catalog::Catalog;
use crate::hash::Digest;
use crate::procedure::replay::Replay;
use crate::procedure::{CaseProcedure, Deadlines, Paper, Step, Track};
use crate::record::{RecordBody, RecordPayload};

pub mod rules;

#[cfg(test)]
mod tests;

pub use rules::{ReviewRules, RuleId, When};

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub rule: RuleId,
    /// What is wrong, in Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
}

/// What the pre-review reads of a case.
pub struct CaseFile<'a> {
    /// The records whose signature verifies.
    pub records: &'a [(Digest, RecordPayload)],
    /// The procedure they tell.
    pub replay: &'a Replay,
    /// The records whose signature does not verify, described.
    pub unverified: Vec<String>,
    /// Evidence recorded whose file is not held.
    pub missing_evidence: Vec<Digest>,
    /// The violation catalogue.
    pub catalog: &'a Catalog,
    /// The working-day calendar, the deadlines and the region.
    pub calendar: &'a Calendar,
    /// The deadlines.
    pub deadlines: &'a Deadlines,
    /// Whose working days.
    pub region: Region,
    /// Today (Beijing).
    pub today: NaiveDate,
}

fn found(rule: RuleId, zh: String, en: String) -> Finding {
    Finding { rule, zh, en }
}

/// Every finding, in the rules' order.
pub fn review(rules: &ReviewRules, file: &CaseFile<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(p) = &file.replay.procedure {
        documents(rules, file, p, &mut out);
        deadlines(file, p, &mut out);
    }
    for r in &file.replay.refused {
        let (zh, en) = r.step.name();
        out.push(found(
            RuleId::RefusedSteps,
            format!("{zh}：{}", r.refusal),
            format!("{en}: {}", r.refusal.text_en()),
        ));
    }
    for u in &file.unverified {
        out.push(found(
            RuleId::Signatures,
            format!("记录签名无法验证：{u}"),
            format!("a record's signature does not verify: {u}"),
        ));
    }
    if let Some(p) = &file.replay.procedure {
        service(file, p, &mut out);
    }
    for d in &file.missing_evidence {
        out.push(found(
            RuleId::Evidence,
            format!("证据 {} 已登记但文件未上传", d.short(12)),
            format!(
                "evidence {} is recorded but its file was not uploaded",
                d.short(12)
            ),
        ));
    }
    penalty(file, &mut out);
    out.sort_by_key(|f| RuleId::ALL.iter().position(|r| *r == f.rule));
    out
}

fn has(p: &CaseProcedure, step: &Step) -> bool {
    p.steps.iter().any(|t| t.step == *step)
}

fn documents(rules: &ReviewRules, file: &CaseFile<'_>, p: &CaseProcedure, out: &mut Vec<Finding>) {
    let general = p.track == Track::General;
    let decided = has(p, &Step::Decided);
    let refused: Vec<Digest> = file.replay.refused.iter().map(|r| r.record).collect();
    let present = |form: &str| {
        file.records
            .iter()
            .filter(|(d, _)| !refused.contains(d))
            .any(|(_, r)| match (&r.body, form) {
                (
                    RecordBody::InterviewRecorded(_) | RecordBody::SiteRecorded(_),
                    "investigation",
                ) => true,
                (RecordBody::DocumentServed(_), "service_receipt") => true,
                (RecordBody::ProcedureAct(a), _) => matches!(
                    (&a.paper, form),
                    (Some(Paper::Filing(_)), "filing")
                        | (Some(Paper::Notice(_)), "notice")
                        | (Some(Paper::LegalOpinion(_)), "legal_opinion")
                        | (Some(Paper::HearingNotice(_)), "hearing_notice")
                        | (Some(Paper::HearingRecord(_)), "hearing_record")
                        | (Some(Paper::Decision(_) | Paper::NoPenalty(_)), "decision")
                        | (Some(Paper::ServiceReceipt(_)), "service_receipt")
                        | (Some(Paper::ClosingReport(_)), "closing_report")
                ),
                _ => false,
            })
    };
    for n in &rules.rule(RuleId::Documents).documents {
        let needed = match n.when {
            When::GeneralFiledOrDecided => {
                general && (decided || p.steps.iter().any(|t| matches!(t.step, Step::Filed { .. })))
            }
            When::GeneralDecided => general && decided,
            When::GeneralPenalty => general && decided && !p.no_penalty,
            When::LegalReviewDecided => p.needs.legal_review && decided,
            When::HearingRequested => has(p, &Step::HearingRequested),
            When::HearingHeld => has(p, &Step::HearingHeld),
            When::GeneralClosed => general && has(p, &Step::Closed),
        };
        if needed && !present(&n.form) {
            out.push(found(
                RuleId::Documents,
                format!("缺少{}", n.name),
                format!("no {} ({})", n.form.replace('_', " "), n.name),
            ));
        }
    }
}

fn deadlines(file: &CaseFile<'_>, p: &CaseProcedure, out: &mut Vec<Finding>) {
    if let Ok(running) = p.deadlines(file.calendar, file.deadlines, file.region) {
        for r in running {
            if let Some(due) = r.due.filter(|d| *d < file.today) {
                out.push(found(
                    RuleId::Deadlines,
                    format!("{}：{due} 届满，至今未办理（{}）", r.name, r.basis.text()),
                    format!("{}: ended {due}, not done ({})", r.id, r.basis.text_en()),
                ));
            }
        }
    }
    // Steps done after their deadline.
    let day = |s: &dyn Fn(&Step) -> bool| p.steps.iter().find(|t| s(&t.step)).map(|t| t.on);
    let late =
        |id: &str, from: Option<NaiveDate>, done: Option<NaiveDate>, out: &mut Vec<Finding>| {
            let (Some(from), Some(done)) = (from, done) else {
                return;
            };
            let Some(d) = file.deadlines.get(id) else {
                return;
            };
            if let Ok(due) = d.due(file.calendar, from, file.region) {
                if done > due {
                    out.push(found(
                        RuleId::Deadlines,
                        format!(
                            "{}：应于 {due} 前办理，实际 {done}（{}）",
                            d.name,
                            d.basis.text()
                        ),
                        format!(
                            "{}: due by {due}, done {done} ({})",
                            d.id,
                            d.basis.text_en()
                        ),
                    ));
                }
            }
        };
    let decided = day(&|s| matches!(s, Step::Decided));
    if p.track == Track::General {
        late("service", decided, day(&|s| matches!(s, Step::Served)), out);
        late(
            "publication",
            decided,
            day(&|s| matches!(s, Step::Published)),
            out,
        );
    }
    late(
        "publication_withdrawal",
        day(&|s| matches!(s, Step::Overturned)),
        day(&|s| matches!(s, Step::PublicationWithdrawn)),
        out,
    );
}

fn service(file: &CaseFile<'_>, p: &CaseProcedure, out: &mut Vec<Finding>) {
    if !has(p, &Step::Decided) || has(p, &Step::Served) {
        return;
    }
    let overdue = file
        .deadlines
        .get("service")
        .zip(p.steps.iter().find(|t| t.step == Step::Decided))
        .and_then(|(d, t)| d.due(file.calendar, t.on, file.region).ok())
        .is_some_and(|due| due < file.today);
    // An on-the-spot decision is handed over there and then; a general
    // one within its period, and before 结案.
    if p.track == Track::Simple || has(p, &Step::Closed) || overdue {
        out.push(found(
            RuleId::Service,
            "行政处罚决定书未记录送达".into(),
            "the decision's service is not recorded".into(),
        ));
    }
}

fn penalty(file: &CaseFile<'_>, out: &mut Vec<Finding>) {
    let roadside = file.records.iter().find_map(|(_, r)| match &r.body {
        RecordBody::CaseClosed(c) => c.findings.as_ref()?.decision.clone(),
        _ => None,
    });
    let Some(d) = roadside else { return };
    let Some(entry) = file.catalog.get(&d.code) else {
        return;
    };
    let bureau = file.records.iter().rev().find_map(|(_, r)| match &r.body {
        RecordBody::ProcedureAct(a) => match &a.paper {
            Some(Paper::Decision(x)) => Some((x.fine_yuan, x.basis.clone())),
            _ => None,
        },
        _ => None,
    });
    let (fine, basis) = match &bureau {
        Some((fine, basis)) => (*fine, basis.clone()),
        None if d.penalty == "fine" && d.procedure != "general" => (d.amount_yuan, d.basis.clone()),
        None => (0, d.basis.clone()),
    };
    // Fines counted from gains or from the excess weight have no fixed
    // tier to compare with.
    if fine > 0 && entry.gains.is_none() && entry.per_excess.is_none() {
        let tier = entry.tier(&d.grade).filter(|t| !t.warning);
        let within = match tier {
            Some(t) => (t.min..=t.max).contains(&fine),
            None => entry.fine.contains(fine) || entry.serious.is_some_and(|s| s.contains(fine)),
        };
        if !within {
            let (lo, hi) = tier.map_or((entry.fine.min, entry.fine.max), |t| (t.min, t.max));
            out.push(found(
                RuleId::PenaltyTier,
                format!(
                    "罚款 {fine} 元不在“{}”{} 的裁量幅度 {lo}–{hi} 元内",
                    entry.title, d.grade
                ),
                format!(
                    "a fine of {fine} yuan is outside the tier {lo}–{hi} yuan of {} ({})",
                    entry.title_en, d.grade
                ),
            ));
        }
    }
    if !basis.is_empty() {
        let article = basis.contains('第') && basis.contains('条');
        let wants_item = entry.basis.iter().any(|c| c.item.is_some());
        let wants_para = entry.basis.iter().any(|c| c.paragraph.is_some());
        if !article
            || (wants_item && !basis.contains('项'))
            || (wants_para && !basis.contains('款'))
        {
            out.push(found(
                RuleId::BasisPrecise,
                format!("依据“{basis}”未写明到条、款、项（目录：{}）", entry.basis_text()),
                format!("the basis {basis:?} does not name the article, paragraph and item (catalogue: {})", entry.basis_text()),
            ));
        }
    }
}
