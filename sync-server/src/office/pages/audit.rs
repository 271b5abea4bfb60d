//! The access log, for the 系统管理员: the newest events, filtered by
//! person or case, and their export as CSV (each row with its leaf in the
//! transparency log and the digest the leaf commits to).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::{render, Bar, AUDIT_ROLES};
use crate::api::AppState;
use crate::office::i18n::{beijing, Texts};
use crate::office::session::{store_call, PageError, Staff, Visit};
use crate::store::office::{AuditEvent, AuditQuery};

/// An event as shown.
struct Shown {
    id: u64,
    at: String,
    actor: String,
    action: &'static str,
    target: String,
    addr: String,
    log_index: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: &'static Texts,
    bar: Option<Bar>,
    events: Vec<Shown>,
    actor: String,
    case: String,
    export: String,
    export_pdf: String,
}

/// Most events shown or exported.
const SHOWN: u32 = 500;
/// Most events in one export.
const EXPORTED: u32 = 100_000;

/// The filters: one person, or one case (its page views and evidence).
#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct AuditParams {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    case: String,
}

impl AuditParams {
    /// The export's file name: `audit`, `audit-NAME` or `audit-case-ID`.
    fn file_name(&self, ext: &str) -> String {
        match (self.actor.trim(), self.case.trim()) {
            ("", "") => format!("audit.{ext}"),
            (a, "") => format!(
                "audit-{}.{ext}",
                a.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            ),
            (_, c) => format!("audit-case-{c}.{ext}"),
        }
    }

    fn query(&self, lang: crate::office::i18n::Lang, limit: u32) -> Result<AuditQuery, PageError> {
        let case = self.case.trim();
        if !case.is_empty() && case.parse::<uuid::Uuid>().is_err() {
            return Err(PageError::NotFound(lang));
        }
        Ok(AuditQuery {
            actor: (!self.actor.trim().is_empty()).then(|| self.actor.trim().to_owned()),
            target: (!case.is_empty()).then(|| case.to_owned()),
            limit,
        })
    }
}

async fn events(
    state: &AppState,
    staff: &Staff,
    q: AuditQuery,
) -> Result<Vec<AuditEvent>, PageError> {
    let store = state.store().clone();
    store_call(staff.lang, move || store.audit(&q)).await
}

/// `GET /office/audit`.
pub async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Query(params): Query<AuditParams>,
) -> Result<Html<String>, PageError> {
    let staff = visit.require(&state, AUDIT_ROLES).await?;
    let list = events(&state, &staff, params.query(staff.lang, SHOWN)?).await?;
    Ok(render(&AuditPage {
        t: staff.lang.texts(),
        bar: Some(Bar::of(&staff)),
        events: list
            .into_iter()
            .map(|e| Shown {
                id: e.id,
                at: beijing(e.at),
                actor: e.actor,
                action: e.action.as_str(),
                target: e.target,
                addr: e.addr,
                log_index: e.log_index.map(|i| i.to_string()).unwrap_or_default(),
            })
            .collect(),
        export: format!(
            "/office/audit/export.csv?{}",
            serde_urlencoded::to_string(&params).unwrap_or_default()
        ),
        export_pdf: format!(
            "/office/audit/export.pdf?{}",
            serde_urlencoded::to_string(&params).unwrap_or_default()
        ),
        actor: params.actor,
        case: params.case,
    }))
}

/// A spreadsheet must not read a field as a formula (CSV injection).
pub(crate) fn cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// The events as CSV (UTF-8 with a byte-order mark, so spreadsheet
/// programs read the Chinese).
pub fn to_csv(events: &[AuditEvent]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record([
        "id",
        "time_beijing",
        "actor",
        "action",
        "target",
        "address",
        "log_index",
        "sha256",
    ])?;
    for e in events {
        w.write_record([
            e.id.to_string(),
            beijing(e.at),
            cell(&e.actor),
            e.action.as_str().to_owned(),
            cell(&e.target),
            cell(&e.addr),
            e.log_index.map(|i| i.to_string()).unwrap_or_default(),
            e.digest().to_hex(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// `GET /office/audit/export.csv[?actor=NAME|case=ID]`.
pub async fn export(
    State(state): State<AppState>,
    visit: Visit,
    Query(params): Query<AuditParams>,
) -> Result<Response, PageError> {
    let staff = visit.require(&state, AUDIT_ROLES).await?;
    let list = events(&state, &staff, params.query(staff.lang, EXPORTED)?).await?;
    let body = to_csv(&list).map_err(|e| PageError::internal(staff.lang, e))?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &params.file_name("csv"),
        body,
    ))
}

fn attachment(media_type: &str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, media_type.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Events read for a PDF export: one more than it prints, so the report
/// can say that more matched.
const PRINTED: u32 = 10_001;

/// `GET /office/audit/export.pdf[?actor=NAME|case=ID]`: the same events as
/// a PDF/A document, headed by who exported it, when, the filter, and the
/// transparency log's signed checkpoint at that moment (every event's leaf
/// is in the log it signs).
pub async fn export_pdf(
    State(state): State<AppState>,
    visit: Visit,
    Query(params): Query<AuditParams>,
) -> Result<Response, PageError> {
    let staff = visit.require(&state, AUDIT_ROLES).await?;
    let lang = staff.lang;
    let list = events(&state, &staff, params.query(lang, PRINTED)?).await?;
    let st = state.clone();
    let checkpoint = store_call(lang, move || {
        let tree = st.current_log().map_err(|e| format!("{e:?}"))?;
        st.checkpoint(&tree).map_err(|e| format!("{e:?}"))
    })
    .await?;
    let report =
        super::audit_report::report(&staff, &params.actor, &params.case, &list, &checkpoint);
    let (path, index) = (*state.pdf_font).clone();
    let pdf = store_call(lang, move || {
        let font = crate::office::pdf::ReportFont::load(&path, index)?;
        crate::office::pdf::render(&report, &font)
    })
    .await?;
    Ok(attachment("application/pdf", &params.file_name("pdf"), pdf))
}
