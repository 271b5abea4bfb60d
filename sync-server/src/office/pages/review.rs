//! The review of a case: each step a record signed by the reviewer's own
//! key; a return also goes to the terminal that made the case, which
//! reopens it for a correction on its next sync.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::record::RecordBody;
use fieldcase_shared::review::{ReviewRecorded, ReviewRefusal, ReviewStep};
use fieldcase_shared::staff::Role;
use fieldcase_shared::wire::Message;
use serde::Deserialize;
use uuid::Uuid;

use super::error_page;
use crate::api::AppState;
use crate::office::session::{store_call, PageError, Visit};
use crate::office::staffkeys;
use crate::store::Store;

/// Roles that may take review steps.
pub const REVIEW_ROLES: &[Role] = &[Role::Reviewer];

/// The review form.
#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    reason: String,
}

/// What became of a step.
enum Outcome {
    Done,
    NoCase,
    Refused(ReviewRefusal),
    Invalid(String),
}

/// `POST /office/cases/{case_id}/review`.
pub async fn act(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, PageError> {
    let staff = visit.require(&state, REVIEW_ROLES).await?;
    staff.check_csrf(&form.csrf)?;
    let lang = staff.lang;
    let (Ok(case_id), Some(step)) = (id.parse::<Uuid>(), ReviewStep::parse(&form.step)) else {
        return Err(PageError::BadForm(lang));
    };
    let key = staff.signing_key()?;
    let store = state.store().clone();
    let who = staff.user.name.clone();
    let reason = form.reason.trim().to_owned();
    let outcome = store_call(lang, move || {
        take_step(&*store, &key, &who, case_id, step, reason, Utc::now())
    })
    .await?;
    let t = lang.texts();
    let refused = |message: String| {
        (
            StatusCode::CONFLICT,
            error_page(lang, StatusCode::CONFLICT, &message),
        )
            .into_response()
    };
    Ok(match outcome {
        Outcome::Done => Redirect::to(&format!("/office/cases/{case_id}")).into_response(),
        Outcome::NoCase => return Err(PageError::NotFound(lang)),
        Outcome::Refused(r) => refused(format!(
            "{} {}",
            t.review_refused,
            match lang {
                crate::office::i18n::Lang::Zh => r.zh(),
                crate::office::i18n::Lang::En => r.to_string(),
            }
        )),
        Outcome::Invalid(why) => refused(format!("{} {why}", t.review_refused)),
    })
}

/// Checks the step against the case's state, signs it, stores it, and for
/// a return queues the message for the case's terminal.
fn take_step(
    store: &dyn Store,
    key: &DeviceKey,
    who: &str,
    case_id: Uuid,
    step: ReviewStep,
    reason: String,
    now: DateTime<Utc>,
) -> Result<Outcome, String> {
    let Some(row) = store.case_row(&case_id).map_err(|e| e.to_string())? else {
        return Ok(Outcome::NoCase);
    };
    if let Err(r) = row.state.after(step) {
        return Ok(Outcome::Refused(r));
    }
    let records = store
        .case_records(&case_id)
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|r| Envelope::from_json(&r.envelope).ok())
        .map(|e| e.digest())
        .collect();
    let body = ReviewRecorded {
        case_id,
        case_no: row.case_no.clone(),
        step,
        from: row.state,
        reason: reason.clone(),
        staff: who.to_owned(),
        records,
    };
    if let Err(why) = body.check() {
        return Ok(Outcome::Invalid(why));
    }
    let signed = staffkeys::sign_act(store, key, RecordBody::ReviewRecorded(body), now)
        .map_err(|e| e.to_string())?;
    tracing::info!(case = %row.case_no, staff = who, step = step.as_str(), "review step signed");
    if step == ReviewStep::Return {
        store
            .add_message(
                &row.device,
                &Message {
                    id: 0,
                    kind: "case_returned".into(),
                    case_no: Some(row.case_no),
                    text: reason,
                    created_at: now,
                    case_id: Some(case_id),
                    record: Some(signed.digest),
                },
            )
            .map_err(|e| e.to_string())?;
    }
    Ok(Outcome::Done)
}
