//! `GET /office/cases/{case_id}/documents/{record}`: the document a
//! record of the case produces (a bureau act's 立案登记表, 违法行为通知书,
//! 法制审核意见书, 决定书, 送达回证…, or a roadside writing), rendered as
//! PDF/A from the verified records through the same templates as the
//! disc. Only a record of that case whose signature verifies gives one.

use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fieldcase_documents::fill::{fill, Pick, Signed};
use fieldcase_documents::{set, Paper, ReportFont};
use fieldcase_shared::hash::Digest;
use uuid::Uuid;

use super::{error_page, CASE_ROLES};
use crate::api::AppState;
use crate::office::acts::verified_records;
use crate::office::session::{store_call, PageError, Visit};

/// The URL of the document `record` of `case_id` produces.
pub fn url(case_id: &Uuid, record: &Digest) -> String {
    format!("/office/cases/{case_id}/documents/{}", record.to_hex())
}

/// `GET /office/cases/{case_id}/documents/{record}`.
pub async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, record)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let staff = visit.require(&state, CASE_ROLES).await?;
    let lang = staff.lang;
    let (Ok(case_id), Ok(record)) = (id.parse::<Uuid>(), record.parse::<Digest>()) else {
        return Err(PageError::NotFound(lang));
    };
    let agency = state.agency_name.clone();
    if agency.trim().is_empty() {
        let message = match lang {
            crate::office::i18n::Lang::Zh => {
                "服务器未配置执法机关名称（agency_name），不能制作文书"
            }
            crate::office::i18n::Lang::En => {
                "agency_name is not set in the server's configuration: no document can be made"
            }
        };
        return Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            error_page(lang, StatusCode::SERVICE_UNAVAILABLE, message),
        )
            .into_response());
    }
    let store = state.store().clone();
    let font = state.pdf_font.clone();
    let made = store_call(lang, move || {
        let mut records: Vec<Signed> = verified_records(&*store, &case_id)?
            .into_iter()
            .map(|(digest, payload)| Signed { payload, digest })
            .collect();
        records.sort_by_key(|r| r.payload.created_at);
        let Some(kind) = records
            .iter()
            .find(|r| r.digest == record)
            .and_then(|r| set::kind_of(&r.payload.body))
        else {
            return Ok(None);
        };
        let other = |e: String| crate::store::StoreError::Other(e.into());
        let filled = fill(kind, &records, &agency, Pick::Record(record))
            .map_err(|e| other(e.to_string()))?;
        let template = kind.template().map_err(|e| other(e.to_string()))?;
        let font = ReportFont::load(&font.0, font.1).map_err(|e| other(e.to_string()))?;
        let pdf = fieldcase_documents::pdf::render(&template, &filled, Paper::A4, &font)
            .map_err(|e| other(e.to_string()))?;
        Ok::<_, crate::store::StoreError>(Some((kind, filled.case_no, pdf)))
    })
    .await?;
    let Some((kind, case_no, pdf)) = made else {
        return Err(PageError::NotFound(lang));
    };
    let digits: String = case_no.chars().filter(char::is_ascii_digit).collect();
    let name = format!("{}-{digits}-{}.pdf", kind.tag(), &record.to_hex()[..12]);
    Ok((
        [
            (CONTENT_TYPE, "application/pdf".to_owned()),
            (CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
        ],
        pdf,
    )
        .into_response())
}
