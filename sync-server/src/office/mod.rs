//! The back office in the browser (`docs/office.md`), served under
//! `/office/` by the same server: server-rendered pages from templates
//! (`templates/`, checked at compile time), one stylesheet, no script, no
//! CDN. Staff log in with a name and an Argon2id password; sessions, the
//! lock-out and the audit log live in the store, so several servers share
//! them.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

use crate::api::AppState;

pub mod accounts;
pub mod acts;
pub mod archive;
pub mod deadlines;
pub mod documents;
pub mod file_review;
pub mod i18n;
pub mod inspections;
pub mod pages;
pub mod pdf;
pub mod publication;
pub mod publication_export;
pub mod session;
pub mod staffkeys;

/// The office's routes, to be nested under `/office`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::login::home))
        .route("/login", get(pages::login::show).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/lang/{code}", get(pages::login::set_lang))
        .route("/cases", get(pages::cases::show))
        .route("/deadlines", get(pages::deadlines::show))
        .route("/publication", get(pages::publication::show))
        .route("/file-review", get(pages::file_review::show))
        .route(
            "/inspections",
            get(pages::inspections::show).post(pages::inspections::create),
        )
        .route("/inspections/{task}/draw", post(pages::inspections::draw))
        .route(
            "/inspections/{task}/draw.json",
            get(pages::inspections::file),
        )
        .route(
            "/publication/export.csv",
            get(pages::publication::export_csv),
        )
        .route(
            "/publication/export.json",
            get(pages::publication::export_json),
        )
        .route("/cases/{case_id}", get(pages::case::show))
        .route("/cases/{case_id}/review", post(pages::review::act))
        .route("/cases/{case_id}/acts", post(pages::act::act))
        .route(
            "/cases/{case_id}/documents/{record}",
            get(pages::document::show),
        )
        .route("/cases/{case_id}/discs", post(pages::disc::build))
        .route(
            "/cases/{case_id}/discs/{bundle}/{index}",
            get(pages::disc::download),
        )
        .route(
            "/cases/{case_id}/evidence/{sha256}",
            get(pages::evidence::serve),
        )
        .route("/audit", get(pages::audit::show))
        .route("/audit/export.csv", get(pages::audit::export))
        .route("/audit/export.pdf", get(pages::audit::export_pdf))
        .route("/static/office.css", get(stylesheet))
        .layer(axum::middleware::map_response(security_headers))
}

/// Every office page: no framing, nothing loaded from elsewhere, no
/// caching of pages that show cases.
async fn security_headers(mut resp: axum::response::Response) -> axum::response::Response {
    use axum::http::HeaderValue;
    let h = resp.headers_mut();
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; media-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.entry(CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("static/office.css"),
    )
}
