//! The archive disc of a case, for the 档案管理员: built from the
//! server's records and blobs (`POST /office/cases/{id}/discs`) and
//! downloaded as an ISO image made again on the fly
//! (`GET /office/cases/{id}/discs/{bundle}/{index}`). Both are audit events.

use crate::office::pdf::ReportFont;
use std::io::{self, Write};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use fieldcase_shared::casebag::Medium;
use fieldcase_shared::staff::Role;
use serde::Deserialize;
use uuid::Uuid;

use super::error_page;
use super::evidence::audit_access;
use crate::api::AppState;
use crate::office::archive::{self, DiscError};
use crate::office::i18n::Lang;
use crate::office::session::{PageError, Visit};
use crate::store::office::AuditAction;

/// Roles that build and download discs.
pub const ARCHIVE_ROLES: &[Role] = &[Role::Archivist];

/// Media offered in the form (name, label).
pub const MEDIA: &[(&str, &str)] = &[
    ("dvd", "DVD±R 4.7 GB"),
    ("dvd-dl", "DVD±R DL 8.5 GB"),
    ("bd", "BD-R 25 GB"),
    ("bd-dl", "BD-R DL 50 GB"),
    ("cd", "CD-R 700 MB"),
];

/// The build form.
#[derive(Debug, Deserialize)]
pub struct BuildForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    medium: String,
}

fn refusal(lang: Lang, e: &DiscError) -> Response {
    let t = lang.texts();
    let why = match (e, lang) {
        (DiscError::NotApproved(s), Lang::En) => {
            format!(
                "the case is “{}”; a case is archived once its review passed",
                s.en()
            )
        }
        (DiscError::BlobMissing(d), Lang::En) => {
            format!("evidence {d} is not on the server yet; the terminal must sync first")
        }
        (e, _) => e.to_string(),
    };
    (
        StatusCode::CONFLICT,
        error_page(
            lang,
            StatusCode::CONFLICT,
            &format!("{} {why}", t.archive_refused),
        ),
    )
        .into_response()
}

/// `POST /office/cases/{case_id}/discs`.
pub async fn build(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    Form(form): Form<BuildForm>,
) -> Result<Response, PageError> {
    let staff = visit.require(&state, ARCHIVE_ROLES).await?;
    staff.check_csrf(&form.csrf)?;
    let lang = staff.lang;
    let (Ok(case_id), Some(medium)) = (id.parse::<Uuid>(), Medium::parse(&form.medium)) else {
        return Err(PageError::BadForm(lang));
    };
    let key = staff.signing_key()?;
    let (store, blobs, agency) = (
        state.store().clone(),
        state.blobs.clone(),
        state.agency_keys(),
    );
    let (font, agency_name) = (state.pdf_font.clone(), state.agency_name.clone());
    let verifier = state.disc_verifier.clone();
    let built = tokio::task::spawn_blocking(move || {
        let font =
            ReportFont::load(&font.0, font.1).map_err(|e| DiscError::Failed(e.to_string()))?;
        let papers = archive::Papers {
            agency: &agency_name,
            font: &font,
            verifier: verifier.as_deref().map(|v| v.as_slice()),
        };
        archive::build(
            &*store,
            blobs,
            &agency,
            (&key, &papers),
            case_id,
            medium,
            Utc::now(),
        )
    })
    .await
    .map_err(|e| PageError::internal(lang, e))?;
    match built {
        Ok(discs) => {
            let bundle = discs
                .first()
                .map(|d| d.bundle_id.to_string())
                .unwrap_or_default();
            audit_access(
                &state,
                &staff,
                AuditAction::DiscBuilt,
                format!("{case_id}/{bundle}"),
            )
            .await?;
            Ok(Redirect::to(&format!("/office/cases/{case_id}#archive")).into_response())
        }
        Err(DiscError::NotFound) => Err(PageError::NotFound(lang)),
        Err(DiscError::Failed(e)) => Err(PageError::internal(lang, e)),
        Err(e) => Ok(refusal(lang, &e)),
    }
}

/// Bytes written into a response body as the image is made. The last
/// piece is held back until the whole image's SHA-256 is known: a download
/// whose bytes differ from the recorded image ends in an error instead of
/// completing.
struct Sender {
    tx: tokio::sync::mpsc::Sender<io::Result<bytes::Bytes>>,
    buf: Vec<u8>,
}

const PIECE: usize = 1 << 20;

impl Write for Sender {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        while self.buf.len() > PIECE {
            let rest = self.buf.split_off(PIECE);
            let piece = std::mem::replace(&mut self.buf, rest);
            self.tx.blocking_send(Ok(piece.into())).map_err(|_| {
                io::Error::new(io::ErrorKind::BrokenPipe, "the download was stopped")
            })?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `GET /office/cases/{case_id}/discs/{bundle}/{index}`.
pub async fn download(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, bundle, index)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let staff = visit.require(&state, ARCHIVE_ROLES).await?;
    let lang = staff.lang;
    let (Ok(case_id), Ok(bundle_id), Ok(index)) = (
        id.parse::<Uuid>(),
        bundle.parse::<Uuid>(),
        index.parse::<u32>(),
    ) else {
        return Err(PageError::NotFound(lang));
    };
    let (store, blobs, agency) = (
        state.store().clone(),
        state.blobs.clone(),
        state.agency_keys(),
    );
    let found = tokio::task::spawn_blocking(move || {
        archive::disc(&*store, blobs, &agency, &case_id, bundle_id, index)
    })
    .await
    .map_err(|e| PageError::internal(lang, e))?;
    let (disc, built) = match found {
        Ok(d) => d,
        Err(DiscError::Failed(e)) => return Err(PageError::internal(lang, e)),
        Err(_) => return Err(PageError::NotFound(lang)),
    };
    audit_access(
        &state,
        &staff,
        AuditAction::DiscDownloaded,
        format!("{case_id}/{bundle_id}/{index}"),
    )
    .await?;
    let name = disc.file_name();
    let (tx, rx) = tokio::sync::mpsc::channel(crate::blobs::AHEAD);
    tokio::task::spawn_blocking(move || {
        let mut out = Sender {
            tx,
            buf: Vec::new(),
        };
        let last = match disc.stream_image(&mut out, |_| {}) {
            Ok((sha256, size)) if sha256 == built.sha256 && size == built.size => {
                Ok(std::mem::take(&mut out.buf).into())
            }
            Ok((sha256, _)) => {
                tracing::error!(%case_id, %bundle_id, index, made = %sha256, recorded = %built.sha256, "disc made again differs from the recorded image");
                Err(io::Error::other(
                    "the disc made again differs from the recorded image",
                ))
            }
            Err(e) => {
                tracing::error!(%case_id, %bundle_id, index, error = %e, "disc image failed");
                Err(io::Error::other(e.to_string()))
            }
        };
        let _ = out.tx.blocking_send(last);
    });
    let mut resp = Body::from_stream(crate::blobs::received(rx)).into_response();
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-iso9660-image"),
    );
    h.insert(CONTENT_LENGTH, HeaderValue::from(built.size));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&built.sha256.to_hex()) {
        h.insert("x-fieldcase-sha256", v);
    }
    Ok(resp)
}
