//! 双随机 in the browser (`docs/inspections.md`): `GET /office/inspections`
//! lists the tasks; `POST /office/inspections` commits a new task's seed;
//! `POST /office/inspections/{task}/draw` draws it from the lists typed
//! or pasted; `GET /office/inspections/{task}/draw.json` is the file
//! anyone re-runs with `fieldcase-verify draw`. A head's work; the file is
//! any case role's to download.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use fieldcase_shared::staff::Role;
use serde::Deserialize;
use uuid::Uuid;

use super::{render, Bar, CASE_ROLES};
use crate::api::AppState;
use crate::office::i18n::{Lang, Texts};
use crate::office::inspections::{self, DrawInput, InspectionError};
use crate::office::session::{store_call, PageError, Staff, Visit};

/// Roles that commit and draw.
pub const INSPECTION_ROLES: &[Role] = &[Role::Head];

/// Most tasks listed.
const MAX_TASKS: u32 = 100;

/// A drawn firm as shown.
pub struct PickShown {
    pub n: usize,
    pub firm: String,
    pub inspectors: String,
}

/// A task as shown.
pub struct TaskShown {
    pub id: String,
    pub task: String,
    pub committed_at: String,
    pub by: String,
    pub commitment: String,
    pub drawn: bool,
    pub drawn_at: String,
    pub public: String,
    pub sizes: String,
    pub picks: Vec<PickShown>,
    /// What the draw form held when it was refused.
    pub firms: String,
    pub inspectors: String,
    pub count: String,
    pub public_typed: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct InspectionsPage {
    t: &'static Texts,
    bar: Option<Bar>,
    csrf: String,
    tasks: Vec<TaskShown>,
    error: String,
}

/// The new task form.
#[derive(Debug, Deserialize)]
pub struct NewTask {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    task: String,
}

/// The draw form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    firms: String,
    #[serde(default)]
    inspectors: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    public: String,
}

fn beijing(t: chrono::DateTime<Utc>) -> String {
    let bj = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    t.with_timezone(&bj).format("%Y-%m-%d %H:%M:%S").to_string()
}

fn shown(
    lang: Lang,
    row: &crate::store::draw::DrawRow,
    tried: Option<(&Uuid, &DrawForm, &str)>,
) -> TaskShown {
    let d = inspections::drawn(row);
    let name = |code: &str| {
        d.as_ref()
            .and_then(|d| d.inspectors.iter().find(|i| i.cert_no == code))
            .map(|i| format!("{}（{}）", i.name, i.cert_no))
            .unwrap_or_else(|| code.to_owned())
    };
    let firm = |code: &str| {
        d.as_ref()
            .and_then(|d| d.firms.iter().find(|f| f.code == code))
            .map(|f| format!("{}（{}）", f.name, f.code))
            .unwrap_or_else(|| code.to_owned())
    };
    let tried = tried.filter(|(id, _, _)| **id == row.task_id);
    let commitment = fieldcase_shared::envelope::Envelope::from_json(row.commitment.as_bytes())
        .ok()
        .and_then(|e| serde_json::from_slice::<fieldcase_shared::draw::Commitment>(&e.payload).ok())
        .map(|c| c.commitment.to_hex())
        .unwrap_or_default();
    TaskShown {
        id: row.task_id.to_string(),
        task: row.task.clone(),
        committed_at: beijing(row.committed_at),
        by: row.by.clone(),
        commitment,
        drawn: d.is_some(),
        drawn_at: d.as_ref().map(|d| beijing(d.drawn_at)).unwrap_or_default(),
        public: d.as_ref().map(|d| d.public.clone()).unwrap_or_default(),
        sizes: d
            .as_ref()
            .map(|d| match lang {
                Lang::Zh => format!(
                    "从 {} 户企业中抽取 {} 户，每户从 {} 名执法人员中抽取 {} 名",
                    d.firms.len(),
                    d.firm_count,
                    d.inspectors.len(),
                    d.per_firm
                ),
                Lang::En => format!(
                    "{} of {} firms, {} of {} inspectors each",
                    d.firm_count,
                    d.firms.len(),
                    d.per_firm,
                    d.inspectors.len()
                ),
            })
            .unwrap_or_default(),
        picks: d
            .as_ref()
            .map(|d| {
                d.picks
                    .iter()
                    .enumerate()
                    .map(|(i, p)| PickShown {
                        n: i + 1,
                        firm: firm(&p.firm),
                        inspectors: p
                            .inspectors
                            .iter()
                            .map(|c| name(c))
                            .collect::<Vec<_>>()
                            .join("、"),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        firms: tried.map(|t| t.1.firms.clone()).unwrap_or_default(),
        inspectors: tried.map(|t| t.1.inspectors.clone()).unwrap_or_default(),
        count: tried.map(|t| t.1.count.clone()).unwrap_or_default(),
        public_typed: tried.map(|t| t.1.public.clone()).unwrap_or_default(),
        error: tried.map(|t| t.2.to_owned()).unwrap_or_default(),
    }
}

async fn page(
    state: &AppState,
    staff: &Staff,
    tried: Option<(Uuid, DrawForm, String)>,
    error: String,
) -> Result<Html<String>, PageError> {
    let store = state.store().clone();
    let rows = store_call(staff.lang, move || store.draws(MAX_TASKS)).await?;
    let tasks = rows
        .iter()
        .map(|r| {
            shown(
                staff.lang,
                r,
                tried.as_ref().map(|(id, f, e)| (id, f, e.as_str())),
            )
        })
        .collect();
    Ok(render(&InspectionsPage {
        t: staff.lang.texts(),
        bar: Some(Bar::of(staff)),
        csrf: staff.session.csrf.clone(),
        tasks,
        error,
    }))
}

/// `GET /office/inspections`.
pub async fn show(State(state): State<AppState>, visit: Visit) -> Result<Html<String>, PageError> {
    let staff = visit.require(&state, INSPECTION_ROLES).await?;
    page(&state, &staff, None, String::new()).await
}

fn refused(status: StatusCode, html: Html<String>) -> Response {
    (status, html).into_response()
}

/// `POST /office/inspections`: commits a new task.
pub async fn create(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<NewTask>,
) -> Result<Response, PageError> {
    let staff = visit.require(&state, INSPECTION_ROLES).await?;
    staff.check_csrf(&form.csrf)?;
    let key = staff.signing_key()?;
    let (store, user, addr) = (
        state.store().clone(),
        staff.user.clone(),
        staff.addr.clone(),
    );
    let done = store_call(staff.lang, move || {
        Ok::<_, crate::store::StoreError>(inspections::commit_task(
            &*store,
            &key,
            &user,
            &form.task,
            &addr,
            Utc::now(),
        ))
    })
    .await?;
    match done {
        Ok(row) => {
            Ok(Redirect::to(&format!("/office/inspections#task-{}", row.task_id)).into_response())
        }
        Err(InspectionError::Store(e)) => Err(PageError::internal(staff.lang, e)),
        Err(e) => Ok(refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&state, &staff, None, e.to_string()).await?,
        )),
    }
}

/// `POST /office/inspections/{task}/draw`.
pub async fn draw(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<DrawForm>,
) -> Result<Response, PageError> {
    let staff = visit.require(&state, INSPECTION_ROLES).await?;
    staff.check_csrf(&form.csrf)?;
    let Ok(task_id) = id.parse::<Uuid>() else {
        return Err(PageError::NotFound(staff.lang));
    };
    let key = staff.signing_key()?;
    let (store, user, addr) = (
        state.store().clone(),
        staff.user.clone(),
        staff.addr.clone(),
    );
    let sent = form.clone();
    let done = store_call(staff.lang, move || {
        let count = match sent.count.trim().parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                return Ok(Err(InspectionError::Input(
                    "“抽取企业数”应为整数 / the number of firms is a whole number".into(),
                )))
            }
        };
        let input = DrawInput {
            firms: sent.firms,
            inspectors: sent.inspectors,
            firm_count: count,
            public: sent.public,
        };
        Ok::<_, crate::store::StoreError>(inspections::draw_task(
            &*store,
            &key,
            &user,
            &task_id,
            &input,
            &addr,
            Utc::now(),
        ))
    })
    .await?;
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/office/inspections#task-{task_id}")).into_response()),
        Err(InspectionError::Store(e)) => Err(PageError::internal(staff.lang, e)),
        Err(InspectionError::NotOpen) => Err(PageError::NotFound(staff.lang)),
        Err(e) => {
            let message = e.to_string();
            Ok(refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                page(
                    &state,
                    &staff,
                    Some((task_id, form, message)),
                    String::new(),
                )
                .await?,
            ))
        }
    }
}

/// `GET /office/inspections/{task}/draw.json`.
pub async fn file(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let staff = visit.require(&state, CASE_ROLES).await?;
    let Ok(task_id) = id.parse::<Uuid>() else {
        return Err(PageError::NotFound(staff.lang));
    };
    let store = state.store().clone();
    let row = store_call(staff.lang, move || store.draw_row(&task_id)).await?;
    let Some(f) = row.as_ref().and_then(inspections::file) else {
        return Err(PageError::NotFound(staff.lang));
    };
    let body = serde_json::to_vec_pretty(&f).map_err(|e| PageError::internal(staff.lang, e))?;
    Ok((
        [
            (CONTENT_TYPE, "application/json".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"draw-{task_id}.json\""),
            ),
        ],
        body,
    )
        .into_response())
}
