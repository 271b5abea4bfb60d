//! 双公示 at the bureau: the entry a case's penalty decision is published
//! as, built from the case's verified records with every field masked
//! (`fieldcase_shared::publication`), and the checks the `published` and
//! `publication_withheld` acts pass before they are signed: a decision of
//! a procedure the rules publish, a party who is not a minor, and a
//! withholding for a minor only when the ID number shows one. The signed
//! entry is what the export lists (`store::publication`).

use std::sync::OnceLock;

use chrono::FixedOffset;
use fieldcase_shared::catalog::Citation;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::procedure::acts::Decision;
use fieldcase_shared::procedure::{CaseProcedure, Paper, ProcedureAct, Refusal, Step, Track};
use fieldcase_shared::publication::{self, PublicationEntry, PublicationRules, WithholdReason};
use fieldcase_shared::record::{RecordBody, RecordPayload};

use super::i18n::Lang;
use crate::store::due::DueRow;
use crate::store::office::CaseRow;
use crate::store::publication::{PubRow, PubStatus};

/// The shipped rules (validated by the tests; a build whose rules do not
/// load does not ship).
pub fn rules() -> &'static PublicationRules {
    static RULES: OnceLock<PublicationRules> = OnceLock::new();
    RULES.get_or_init(|| PublicationRules::shipped().expect("assets/publication/rules.json"))
}

/// A withholding reason's name in `lang`.
pub fn reason_name(reason: WithholdReason, lang: Lang) -> String {
    let w = rules().reason(reason);
    match lang {
        Lang::Zh => w.name.clone(),
        Lang::En => w.name_en.clone(),
    }
}

/// The agency a published entry names.
#[derive(Debug, Clone, Copy)]
pub struct Agency<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its 统一社会信用代码 (may be empty when not configured).
    pub uscc: &'a str,
}

fn refusal(zh: String, en: String, basis: Citation) -> Refusal {
    Refusal { zh, en, basis }
}

fn art48(paragraph: u32) -> Citation {
    Citation {
        law: fieldcase_shared::procedure::machine::XZCFF.into(),
        article: 48,
        paragraph: Some(paragraph),
        item: None,
    }
}

/// The case's penalty decision and its day, from the last `decided` act
/// carrying a 行政处罚决定书.
fn decision(records: &[(Digest, RecordPayload)]) -> Option<(&Decision, chrono::NaiveDate)> {
    records.iter().rev().find_map(|(_, p)| match &p.body {
        RecordBody::ProcedureAct(ProcedureAct {
            taken,
            paper: Some(Paper::Decision(d)),
            ..
        }) if taken.step == Step::Decided => Some((d, taken.on)),
        _ => None,
    })
}

/// Everybody but the party the case file names: the people questioned
/// and those the bureau served.
fn others(records: &[(Digest, RecordPayload)]) -> Vec<String> {
    records
        .iter()
        .filter_map(|(_, p)| match &p.body {
            RecordBody::InterviewRecorded(i) => Some(i.person.name.clone()),
            RecordBody::ProcedureAct(ProcedureAct {
                paper: Some(Paper::ServiceReceipt(n)),
                ..
            }) => Some(n.recipient.clone()),
            _ => None,
        })
        .collect()
}

/// The entry the case's decision is published as, or why it is not: no
/// penalty decision, a procedure the rules do not publish, or a minor
/// party (the refusal cites the provision).
pub fn entry(
    records: &[(Digest, RecordPayload)],
    track: Track,
    agency: Agency<'_>,
) -> Result<PublicationEntry, Refusal> {
    let rules = rules();
    if !rules.tracks.contains(&track) {
        return Err(refusal(
            "按本机关公示规则，当场作出的简易程序决定不列入公示（assets/publication/rules.json）".into(),
            "under the bureau's rules, on-the-spot decisions are not published (assets/publication/rules.json)".into(),
            art48(1),
        ));
    }
    let Some((d, decided_on)) = decision(records) else {
        return Err(refusal(
            "案件没有行政处罚决定书，无可公示".into(),
            "the case has no penalty decision to publish".into(),
            art48(1),
        ));
    };
    let Some(opened) = records.iter().find_map(|(_, p)| match &p.body {
        RecordBody::CaseOpened(o) => Some(o),
        _ => None,
    }) else {
        return Err(refusal(
            "案件缺少立案信息（当事人）".into(),
            "the case's opening record (the party) is missing".into(),
            art48(1),
        ));
    };
    let east8 = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let details = opened.details.clone().unwrap_or_default();
    // The violation the check found, or the one its closing decision names.
    let closing = records.iter().find_map(|(_, p)| match &p.body {
        RecordBody::CaseClosed(c) => c.findings.as_ref()?.decision.as_ref(),
        _ => None,
    });
    let violation = opened
        .violation
        .as_ref()
        .map(|v| v.title.as_str())
        .or(closing.map(|d| d.title.as_str()))
        .unwrap_or("");
    let input = publication::Decided {
        case_no: &opened.case_no,
        party: &opened.party,
        legal_rep: &details.legal_rep,
        phone: &details.phone,
        decision: d,
        violation,
        decided_on,
        occurred_on: opened.occurred_at.with_timezone(&east8).date_naive(),
        others: others(records),
        agency: (agency.name, agency.uscc),
    };
    publication::build(rules, &input).map_err(|reason| {
        let w = rules.reason(reason);
        refusal(
            format!("{}，该决定不予公示", w.name),
            format!("{}: the decision is not published", w.name_en),
            w.basis.clone(),
        )
    })
}

/// A withholding for a minor party stands only when the ID number shows
/// one: the reason is checked, not taken on trust.
pub fn check_withholding(
    records: &[(Digest, RecordPayload)],
    track: Track,
    reason: WithholdReason,
    agency: Agency<'_>,
) -> Result<(), Refusal> {
    if reason != WithholdReason::Minor {
        return Ok(());
    }
    match entry(records, track, agency) {
        Err(r) if r.basis == rules().reason(WithholdReason::Minor).basis => Ok(()),
        _ => Err(refusal(
            "当事人身份证件号码显示其在违法行为发生时已满十八周岁，不能以未成年人为由不予公示"
                .into(),
            "the party's ID number shows an adult on the day of the violation: the minor's reason does not apply".into(),
            rules().reason(WithholdReason::Minor).basis.clone(),
        )),
    }
}

/// The case's publication as the procedure stands: none for a case not
/// decided, decided not to penalise, or of a procedure the rules do not
/// publish; otherwise its status, the day it runs to (from the running
/// deadlines `dues`), and the entry as signed.
pub fn row(
    case: &CaseRow,
    records: &[(Digest, RecordPayload)],
    proc: &CaseProcedure,
    dues: &[DueRow],
) -> Option<PubRow> {
    let decided_on = proc
        .steps
        .iter()
        .rev()
        .find(|t| t.step == Step::Decided)?
        .on;
    if proc.no_penalty || !rules().tracks.contains(&proc.track) {
        return None;
    }
    let act = |step: Step| {
        records.iter().rev().find_map(|(_, p)| match &p.body {
            RecordBody::ProcedureAct(a) if a.taken.step == step => Some(a),
            _ => None,
        })
    };
    // Only the steps the state machine accepted count.
    let taken = |step: Step| proc.steps.iter().any(|t| t.step == step);
    let due = |id: &str| dues.iter().find(|d| d.deadline == id).and_then(|d| d.due);
    let published = taken(Step::Published)
        .then(|| act(Step::Published))
        .flatten();
    let withdrawn = taken(Step::PublicationWithdrawn)
        .then(|| act(Step::PublicationWithdrawn))
        .flatten();
    let withheld = taken(Step::PublicationWithheld)
        .then(|| act(Step::PublicationWithheld))
        .flatten();
    let mut row = PubRow {
        case_id: case.case_id,
        case_no: case.case_no.clone(),
        decided_on,
        status: PubStatus::Due,
        due: None,
        published_on: published.map(|a| a.taken.on),
        withdrawn_on: withdrawn.map(|a| a.taken.on),
        entry: match published.and_then(|a| a.paper.as_ref()) {
            Some(Paper::Publication(e)) => serde_json::to_string(e).unwrap_or_default(),
            _ => String::new(),
        },
        note: String::new(),
    };
    if let Some(a) = withdrawn {
        row.status = PubStatus::Withdrawn;
        if let Some(Paper::Withdrawal(w)) = &a.paper {
            row.note.clone_from(&w.reason);
        }
    } else if published.is_some() && taken(Step::Overturned) {
        row.status = PubStatus::WithdrawDue;
        row.due = due("publication_withdrawal");
    } else if published.is_some() {
        row.status = PubStatus::Published;
    } else if let Some(a) = withheld {
        row.status = PubStatus::Withheld;
        if let Some(Paper::Withholding(w)) = &a.paper {
            row.note = format!("{}：{}", reason_name(w.reason, Lang::Zh), w.note);
        }
    } else if taken(Step::Overturned) {
        row.status = PubStatus::Overturned;
    } else {
        row.due = due("publication");
    }
    Some(row)
}
