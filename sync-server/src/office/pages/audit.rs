//! The access log, for the 系统管理员.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use super::{render, Bar, AUDIT_ROLES};
use crate::api::AppState;
use crate::office::i18n::{beijing, Texts};
use crate::office::session::{store_call, PageError, Visit};
use crate::store::office::AuditQuery;

/// An event as shown.
struct Shown {
    id: u64,
    at: String,
    actor: String,
    action: &'static str,
    target: String,
    addr: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: &'static Texts,
    bar: Option<Bar>,
    events: Vec<Shown>,
}

/// Most events shown.
const SHOWN: u32 = 500;

/// `GET /office/audit`.
pub async fn show(State(state): State<AppState>, visit: Visit) -> Result<Html<String>, PageError> {
    let staff = visit.require(&state, AUDIT_ROLES).await?;
    let store = state.store().clone();
    let events = store_call(staff.lang, move || {
        store.audit(&AuditQuery {
            limit: SHOWN,
            ..Default::default()
        })
    })
    .await?;
    Ok(render(&AuditPage {
        t: staff.lang.texts(),
        bar: Some(Bar::of(&staff)),
        events: events
            .into_iter()
            .map(|e| Shown {
                id: e.id,
                at: beijing(e.at),
                actor: e.actor,
                action: e.action.as_str(),
                target: e.target,
                addr: e.addr,
            })
            .collect(),
    }))
}
