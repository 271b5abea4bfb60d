//! The case inbox: synced cases by state, officer, date, plate and party.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{render, Bar, CASE_ROLES};
use crate::api::AppState;
use crate::office::i18n::{beijing_text, Texts};
use crate::office::session::{store_call, PageError, Visit};
use crate::store::office::{CaseQuery, CaseState, COUNT_CAP};

/// Rows per page.
pub const PAGE_ROWS: u32 = 50;

/// The inbox's query string.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CasesParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub officer: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub page: u32,
}

impl CasesParams {
    /// The store query; a date that is not YYYY-MM-DD does not filter.
    fn query(&self) -> CaseQuery {
        let day = |s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(|d| d.to_string())
                .unwrap_or_default()
        };
        CaseQuery {
            text: self.q.clone(),
            state: CaseState::parse(&self.state),
            officer: self.officer.clone(),
            from: day(&self.from),
            to: day(&self.to),
            limit: PAGE_ROWS,
            offset: self.page.saturating_mul(PAGE_ROWS),
        }
    }

    fn link(&self, page: u32) -> String {
        let mut p = self.clone();
        p.page = page;
        format!(
            "/office/cases?{}",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    }
}

/// A row as shown.
struct Shown {
    case_id: String,
    case_no: String,
    occurred_at: String,
    plate: String,
    party: String,
    violation: String,
    officers: String,
    state: &'static str,
    evidence: u32,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    t: &'static Texts,
    bar: Option<Bar>,
    q: CasesParams,
    rows: Vec<Shown>,
    /// The state filter's choices: (form value, name, selected).
    states: Vec<(&'static str, &'static str, bool)>,
    total: String,
    /// The account's deadlines, when its roles have any.
    due: Option<crate::store::due::DueCounts>,
    prev: Option<String>,
    next: Option<String>,
}

/// `GET /office/cases`.
pub async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Query(params): Query<CasesParams>,
) -> Result<Html<String>, PageError> {
    let staff = visit.require(&state, CASE_ROLES).await?;
    let t = staff.lang.texts();
    let store = state.store().clone();
    let query = params.query();
    let mask = super::deadlines::mask_of(&staff);
    let (today, soon) = super::deadlines::today_and_soon();
    let (rows, total, due) = store_call(staff.lang, move || {
        let (rows, total) = store.cases(&query)?;
        let due = if mask == 0 {
            None
        } else {
            Some(store.deadline_counts(mask, today, soon)?)
        };
        Ok::<_, crate::store::StoreError>((rows, total, due))
    })
    .await?;
    let shown = rows
        .into_iter()
        .map(|r| Shown {
            case_id: r.case_id.to_string(),
            case_no: r.case_no,
            occurred_at: beijing_text(&r.occurred_at),
            plate: r.plate,
            party: r.party,
            violation: super::violation_text(t, r.violation),
            officers: super::officers_text(&r.officers),
            state: staff.lang.state(r.state),
            evidence: r.evidence,
        })
        .collect();
    let states = CaseState::ALL
        .iter()
        .map(|s| (s.as_str(), staff.lang.state(*s), params.state == s.as_str()))
        .collect();
    let more = (u64::from(params.page) + 1) * u64::from(PAGE_ROWS) < total;
    Ok(render(&CasesPage {
        t,
        bar: Some(Bar::of(&staff)),
        due,
        prev: (params.page > 0).then(|| params.link(params.page - 1)),
        next: more.then(|| params.link(params.page + 1)),
        q: params,
        rows: shown,
        states,
        total: if total > COUNT_CAP {
            format!("{COUNT_CAP}+")
        } else {
            total.to_string()
        },
    }))
}
