//! `GET /office/deadlines`: every deadline running that is the work of the
//! account's roles (`office::deadlines::roles_of`), from the stored table
//! the procedure keeps: those the calendar cannot count first, then by
//! last day; overdue and soon-due ones marked; the days left counted
//! plainly to the last day (the last day itself is counted on the
//! working-day calendar when it is stored). The inbox shows the counts.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use chrono::NaiveDate;
use fieldcase_shared::staff::Role;

use super::{render, Bar, CASE_ROLES};
use crate::api::AppState;
use crate::office::i18n::{Lang, Texts};
use crate::office::session::{store_call, PageError, Staff, Visit};
use crate::store::due::{role_mask, DueCounts};

/// Natural days ahead within which a last day is "soon".
pub const SOON_DAYS: u64 = 3;

/// Most rows the page lists.
pub const MAX_ROWS: u32 = 500;

/// Roles whose work has deadlines.
pub const DUE_ROLES: &[Role] = &[Role::CaseOfficer, Role::Head, Role::LegalReviewer];

/// A row as shown.
pub struct DueShown {
    pub case_id: String,
    pub case_no: String,
    pub name: String,
    pub due: String,
    pub left: String,
    /// `overdue`, `soon`, `later` or `unknown`.
    pub class: &'static str,
    pub basis: String,
}

#[derive(Template)]
#[template(path = "deadlines.html")]
struct DeadlinesPage {
    t: &'static Texts,
    bar: Option<Bar>,
    counts: DueCounts,
    rows: Vec<DueShown>,
    today: String,
    more: bool,
}

/// Today in Beijing and the last "soon" day.
pub fn today_and_soon() -> (NaiveDate, NaiveDate) {
    let bj = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    let today = chrono::Utc::now().with_timezone(&bj).date_naive();
    (today, today + chrono::Days::new(SOON_DAYS))
}

/// The role mask of the account's roles that have deadlines (0: none).
pub fn mask_of(staff: &Staff) -> u32 {
    let roles: Vec<Role> = DUE_ROLES
        .iter()
        .copied()
        .filter(|r| staff.user.has(*r))
        .collect();
    role_mask(&roles)
}

fn left_text(lang: Lang, today: NaiveDate, due: NaiveDate) -> (String, &'static str) {
    let days = (due - today).num_days();
    let class = if days < 0 {
        "overdue"
    } else if days <= SOON_DAYS as i64 {
        "soon"
    } else {
        "later"
    };
    let text = match (lang, days) {
        (Lang::Zh, d) if d < 0 => format!("已逾期 {} 天", -d),
        (Lang::Zh, 0) => "今日届满".to_owned(),
        (Lang::Zh, d) => format!("剩余 {d} 天"),
        (Lang::En, d) if d < 0 => format!("{} day(s) overdue", -d),
        (Lang::En, 0) => "ends today".to_owned(),
        (Lang::En, d) => format!("{d} day(s) left"),
    };
    (text, class)
}

/// `GET /office/deadlines`.
pub async fn show(State(state): State<AppState>, visit: Visit) -> Result<Html<String>, PageError> {
    let staff = visit.require(&state, CASE_ROLES).await?;
    let lang = staff.lang;
    let mask = mask_of(&staff);
    let (today, soon) = today_and_soon();
    let store = state.store().clone();
    let (rows, counts) = store_call(lang, move || {
        if mask == 0 {
            return Ok((Vec::new(), DueCounts::default()));
        }
        Ok::<_, crate::store::StoreError>((
            store.deadlines(mask, MAX_ROWS + 1)?,
            store.deadline_counts(mask, today, soon)?,
        ))
    })
    .await?;
    let more = rows.len() > MAX_ROWS as usize;
    let rows = rows
        .into_iter()
        .take(MAX_ROWS as usize)
        .map(|r| {
            let (left, class) = match r.due {
                Some(d) => left_text(lang, today, d),
                None => (r.problem.clone(), "unknown"),
            };
            DueShown {
                case_id: r.case_id.to_string(),
                case_no: r.case_no,
                name: r.name,
                due: r.due.map(|d| d.to_string()).unwrap_or_default(),
                left,
                class,
                basis: r.basis,
            }
        })
        .collect();
    Ok(render(&DeadlinesPage {
        t: lang.texts(),
        bar: Some(Bar::of(&staff)),
        counts,
        rows,
        today: today.to_string(),
        more,
    }))
}
