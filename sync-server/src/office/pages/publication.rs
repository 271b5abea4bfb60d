//! 双公示 in the browser: `GET /office/publication` lists every decided
//! case by where its publication stands — to withdraw (overturned), to
//! publish (with the days left to the 7-working-day limit), published,
//! withdrawn, withheld — and links the export; `GET
//! /office/publication/export.{csv,json}` downloads it (audited). The
//! case page shows the entry as it is or will be published, masked
//! ([`preview`]).

use askama::Template;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::procedure::{CaseProcedure, Paper, Step};
use fieldcase_shared::publication::PublicationEntry;
use fieldcase_shared::record::{RecordBody, RecordPayload};
use fieldcase_shared::staff::Role;

use super::deadlines::today_and_soon;
use super::{render, Bar};
use crate::api::AppState;
use crate::office::i18n::{Lang, Texts};
use crate::office::publication::{entry, rules, Agency};
use crate::office::publication_export::{self, Format};
use crate::office::session::{store_call, PageError, Visit};
use crate::store::office::AuditAction;
use crate::store::publication::PubStatus;

/// Roles that see the publication page and export.
pub const PUBLICATION_ROLES: &[Role] = &[Role::CaseOfficer, Role::Head, Role::LegalReviewer];

/// Most rows listed per status.
pub const MAX_ROWS: u32 = 200;

/// A case's publication as its page shows it.
pub struct Preview {
    /// Where it stands, in words.
    pub status: String,
    /// Why it cannot be published, with the provision.
    pub refusal: String,
    /// (column, value) of the entry, masked; empty when there is none.
    pub fields: Vec<(String, String)>,
}

fn pick(lang: Lang, (zh, en): (&'static str, &'static str)) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

fn columns(lang: Lang, e: &PublicationEntry) -> Vec<(String, String)> {
    rules()
        .fields
        .iter()
        .filter_map(|c| {
            let v = e.field(&c.key);
            let header = if lang == Lang::Zh {
                &c.header
            } else {
                &c.header_en
            };
            (!v.is_empty()).then(|| (header.clone(), v))
        })
        .collect()
}

/// The case's publication for its page, once a decision is made: the
/// signed entry when published; otherwise the entry the server would sign
/// now, or why none.
pub fn preview(
    lang: Lang,
    records: &[(Digest, RecordPayload)],
    proc: &CaseProcedure,
    agency: Agency<'_>,
) -> Option<Preview> {
    let taken = |s: Step| proc.steps.iter().any(|t| t.step == s);
    if !taken(Step::Decided) || proc.no_penalty {
        return None;
    }
    let signed = records.iter().rev().find_map(|(_, p)| match &p.body {
        RecordBody::ProcedureAct(a) if a.taken.step == Step::Published => match &a.paper {
            Some(Paper::Publication(e)) => Some((**e).clone()),
            _ => None,
        },
        _ => None,
    });
    let status = if taken(Step::PublicationWithdrawn) {
        PubStatus::Withdrawn
    } else if signed.is_some() && taken(Step::Overturned) {
        PubStatus::WithdrawDue
    } else if signed.is_some() {
        PubStatus::Published
    } else if taken(Step::PublicationWithheld) {
        PubStatus::Withheld
    } else if taken(Step::Overturned) {
        PubStatus::Overturned
    } else {
        PubStatus::Due
    };
    let status_text = pick(lang, status.name()).to_owned();
    if let Some(e) = signed {
        return Some(Preview {
            status: status_text,
            refusal: String::new(),
            fields: columns(lang, &e),
        });
    }
    if status != PubStatus::Due {
        return Some(Preview {
            status: status_text,
            refusal: String::new(),
            fields: Vec::new(),
        });
    }
    Some(match entry(records, proc.track, agency) {
        Ok(e) => Preview {
            status: status_text,
            refusal: String::new(),
            fields: columns(lang, &e),
        },
        Err(r) => Preview {
            status: status_text,
            refusal: match lang {
                Lang::Zh => r.to_string(),
                Lang::En => r.text_en(),
            },
            fields: Vec::new(),
        },
    })
}

/// A row of the page.
pub struct Listed {
    pub case_id: String,
    pub case_no: String,
    pub decided_on: String,
    pub due: String,
    /// `overdue`, `soon`, `later` or empty.
    pub class: &'static str,
    pub on: String,
    pub note: String,
}

/// The rows of one status.
pub struct Group {
    pub code: &'static str,
    pub name: &'static str,
    pub count: u64,
    pub rows: Vec<Listed>,
}

#[derive(Template)]
#[template(path = "publication.html")]
struct PublicationPage {
    t: &'static Texts,
    bar: Option<Bar>,
    groups: Vec<Group>,
    today: String,
}

/// `GET /office/publication`.
pub async fn show(State(state): State<AppState>, visit: Visit) -> Result<Html<String>, PageError> {
    let staff = visit.require(&state, PUBLICATION_ROLES).await?;
    let lang = staff.lang;
    let (today, soon) = today_and_soon();
    let store = state.store().clone();
    let found = store_call(lang, move || {
        let counts = store.publication_counts()?;
        let mut out = Vec::new();
        for s in PubStatus::ALL {
            let n = counts.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n);
            out.push((s, n, store.publications(s, MAX_ROWS, 0)?));
        }
        Ok::<_, crate::store::StoreError>(out)
    })
    .await?;
    let groups = found
        .into_iter()
        .map(|(s, count, rows)| Group {
            code: s.code(),
            name: pick(lang, s.name()),
            count,
            rows: rows
                .into_iter()
                .map(|r| Listed {
                    case_id: r.case_id.to_string(),
                    case_no: r.case_no,
                    decided_on: r.decided_on.to_string(),
                    due: r.due.map(|d| d.to_string()).unwrap_or_default(),
                    class: match r.due {
                        Some(d) if d < today => "overdue",
                        Some(d) if d <= soon => "soon",
                        Some(_) => "later",
                        None => "",
                    },
                    on: r
                        .withdrawn_on
                        .or(r.published_on)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    note: r.note,
                })
                .collect(),
        })
        .collect();
    Ok(render(&PublicationPage {
        t: lang.texts(),
        bar: Some(Bar::of(&staff)),
        groups,
        today: today.to_string(),
    }))
}

async fn export(state: AppState, visit: Visit, format: Format) -> Result<Response, PageError> {
    let staff = visit.require(&state, PUBLICATION_ROLES).await?;
    let lang = staff.lang;
    let bj = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let now = Utc::now().with_timezone(&bj);
    let store = state.store().clone();
    let (body, n) = store_call(lang, move || {
        let mut body = Vec::new();
        let n = publication_export::write(&*store, format, now, &mut body)
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((body, n))
    })
    .await?;
    let (ext, media) = match format {
        Format::Csv => ("csv", "text/csv; charset=utf-8"),
        Format::Json => ("json", "application/json"),
    };
    super::evidence::audit_access(
        &state,
        &staff,
        AuditAction::PublicationExported,
        format!("{ext}: {n}"),
    )
    .await?;
    let name = format!("publication-{}.{ext}", now.format("%Y%m%d-%H%M%S"));
    Ok((
        [
            (CONTENT_TYPE, media.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// `GET /office/publication/export.csv`.
pub async fn export_csv(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Response, PageError> {
    export(state, visit, Format::Csv).await
}

/// `GET /office/publication/export.json`.
pub async fn export_json(
    State(state): State<AppState>,
    visit: Visit,
) -> Result<Response, PageError> {
    export(state, visit, Format::Json).await
}
