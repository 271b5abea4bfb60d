//! Evidence in the browser: a photo shown, a video played (HTTP range
//! requests, so a player can seek), or either downloaded — from whichever
//! blob store the server uses. Only an item a record of the case names is
//! served through that case, and each view, play and download is an audit
//! event (once per request that starts at the first byte, so a player's
//! seeks do not flood the log).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    ACCEPT_RANGES, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::model::EvidenceItem;
use fieldcase_shared::record::{RecordBody, RecordPayload};
use serde::Deserialize;
use uuid::Uuid;

use super::CASE_ROLES;
use crate::api::AppState;
use crate::office::accounts;
use crate::office::session::{store_call, PageError, Visit};
use crate::store::office::AuditAction;

/// How the item is wanted.
#[derive(Debug, Default, Deserialize)]
pub struct EvidenceParams {
    /// `1`: as a download (attachment).
    #[serde(default)]
    download: u8,
}

/// The media types the browser is given as such; anything else is served
/// as `application/octet-stream` (a record's media type is the terminal's
/// word, not a fact about the bytes).
pub fn safe_media_type(t: &str) -> &'static str {
    const SHOWN: &[&str] = &[
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/heic",
        "video/mp4",
        "video/quicktime",
        "video/webm",
        "audio/mpeg",
        "audio/mp4",
        "audio/wav",
        "application/pdf",
    ];
    SHOWN
        .iter()
        .find(|s| **s == t)
        .copied()
        .unwrap_or("application/octet-stream")
}

/// A `Range` that no byte of the item satisfies (answered `416`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsatisfiable;

/// The one byte range of a `Range` header, within `size`: `Ok(None)` for
/// the whole item (no header, or several ranges, which we need not honour),
/// `Err` when it cannot be satisfied.
pub fn byte_range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, Unsatisfiable> {
    let Some(h) = header else {
        return Ok(None);
    };
    let Some(spec) = h.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(Unsatisfiable)?;
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.is_empty(), b.is_empty()) {
        (true, true) => return Err(Unsatisfiable),
        (true, false) => {
            let n: u64 = b.parse().map_err(|_| Unsatisfiable)?;
            if n == 0 || size == 0 {
                return Err(Unsatisfiable);
            }
            (size.saturating_sub(n), size - 1)
        }
        (false, _) => {
            let start: u64 = a.parse().map_err(|_| Unsatisfiable)?;
            let end: u64 = if b.is_empty() {
                size.saturating_sub(1)
            } else {
                b.parse().map_err(|_| Unsatisfiable)?
            };
            if start >= size || end < start {
                return Err(Unsatisfiable);
            }
            (start, end.min(size - 1))
        }
    };
    Ok(Some(range))
}

/// The evidence item of `case_id` named `sha256`, from the case's records.
fn item_of(records: &[crate::store::office::CaseRecord], sha256: &Digest) -> Option<EvidenceItem> {
    records.iter().find_map(|r| {
        let env = Envelope::from_json(&r.envelope).ok()?;
        match serde_json::from_slice::<RecordPayload>(&env.payload)
            .ok()?
            .body
        {
            RecordBody::EvidenceAdded(e) if e.sha256 == *sha256 => Some(e),
            _ => None,
        }
    })
}

/// `filename*=` of RFC 6266 / 5987: the original name, percent-encoded.
fn disposition(download: bool, name: &str) -> HeaderValue {
    let mut enc = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    let kind = if download { "attachment" } else { "inline" };
    HeaderValue::from_str(&format!("{kind}; filename*=UTF-8''{enc}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// What a request that starts at the first byte does with the item.
fn access_of(download: bool, media_type: &str) -> AuditAction {
    if download {
        AuditAction::EvidenceDownloaded
    } else if media_type.starts_with("video/") || media_type.starts_with("audio/") {
        AuditAction::EvidencePlayed
    } else {
        AuditAction::EvidenceViewed
    }
}

/// Keeps an audit event of `staff` (their name and address) about `target`.
pub(super) async fn audit_access(
    state: &AppState,
    staff: &crate::office::session::Staff,
    action: AuditAction,
    target: String,
) -> Result<u64, PageError> {
    let store = state.store().clone();
    let (who, addr) = (staff.user.name.clone(), staff.addr.clone());
    store_call(staff.lang, move || {
        accounts::audit(&*store, Utc::now(), &who, action, &target, &addr)
    })
    .await
}

/// Bytes `start..=end` of the blob (`len` of them), as the store gives
/// them (from S3, one ranged request), checked to be exactly that many.
fn stream(
    blobs: std::sync::Arc<dyn crate::blobs::BlobStore>,
    sha256: Digest,
    start: u64,
    end: u64,
    len: u64,
) -> Body {
    if len == 0 {
        return Body::empty();
    }
    let pieces = blobs.stream_range(&sha256, start..end + 1);
    let due = end + 1 - start;
    Body::from_stream(futures_util::stream::unfold(
        Some((pieces, due)),
        move |state| async move {
            use futures_util::StreamExt;
            let (mut pieces, due) = state?;
            let (item, next) = match pieces.next().await {
                Some(Ok(b)) if b.len() as u64 <= due => {
                    let left = due - b.len() as u64;
                    (Ok(b), Some((pieces, left)))
                }
                None if due == 0 => return None,
                Some(Err(e)) => {
                    tracing::error!(error = %e, %sha256, "evidence read failed");
                    (Err(e), None)
                }
                _ => (
                    Err(std::io::Error::other(
                        "evidence shorter or longer than recorded",
                    )),
                    None,
                ),
            };
            Some((item, next))
        },
    ))
}

/// `GET /office/cases/{case_id}/evidence/{sha256}[?download=1]`.
pub async fn serve(
    State(state): State<AppState>,
    visit: Visit,
    Path((case, sha)): Path<(String, String)>,
    Query(params): Query<EvidenceParams>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let staff = visit.require(&state, CASE_ROLES).await?;
    let lang = staff.lang;
    let (Ok(case_id), Ok(sha256)) = (case.parse::<Uuid>(), sha.parse::<Digest>()) else {
        return Err(PageError::NotFound(lang));
    };
    let store = state.store().clone();
    let found = store_call(lang, move || {
        let item = item_of(&store.case_records(&case_id)?, &sha256);
        Ok::<_, crate::store::StoreError>(item.zip(store.blob(&sha256)?))
    })
    .await?;
    let Some((item, (size, _))) = found else {
        return Err(PageError::NotFound(lang));
    };
    let range = match byte_range(headers.get(RANGE).and_then(|v| v.to_str().ok()), size) {
        Ok(r) => r,
        Err(Unsatisfiable) => {
            let mut resp = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                resp.headers_mut().insert(CONTENT_RANGE, v);
            }
            return Ok(resp);
        }
    };
    let (start, end) = range.unwrap_or((0, size.saturating_sub(1)));
    let download = params.download == 1;
    if start == 0 {
        let target = format!("{case_id}/{sha256}");
        audit_access(
            &state,
            &staff,
            access_of(download, &item.media_type),
            target,
        )
        .await?;
    }
    let len = if size == 0 { 0 } else { end - start + 1 };
    let body = stream(state.blobs.clone(), sha256, start, end, len);
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(safe_media_type(&item.media_type)),
    );
    h.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(
        CONTENT_DISPOSITION,
        disposition(download, &item.original_name),
    );
    if range.is_some() {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
            resp.headers_mut().insert(CONTENT_RANGE, v);
        }
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(byte_range(None, 100), Ok(None));
        assert_eq!(byte_range(Some("bytes=0-"), 100), Ok(Some((0, 99))));
        assert_eq!(byte_range(Some("bytes=10-19"), 100), Ok(Some((10, 19))));
        assert_eq!(byte_range(Some("bytes=90-200"), 100), Ok(Some((90, 99))));
        assert_eq!(byte_range(Some("bytes=-10"), 100), Ok(Some((90, 99))));
        assert_eq!(byte_range(Some("bytes=-500"), 100), Ok(Some((0, 99))));
        assert_eq!(byte_range(Some("bytes=0-1,5-6"), 100), Ok(None));
        assert_eq!(byte_range(Some("items=0-1"), 100), Ok(None));
        for bad in [
            "bytes=100-",
            "bytes=20-10",
            "bytes=-0",
            "bytes=-",
            "bytes=x-1",
            "bytes=18446744073709551616-",
        ] {
            assert_eq!(byte_range(Some(bad), 100), Err(Unsatisfiable), "{bad}");
        }
        assert_eq!(byte_range(Some("bytes=0-"), 0), Err(Unsatisfiable));
    }

    #[test]
    fn only_known_media_types_reach_the_browser() {
        assert_eq!(safe_media_type("video/mp4"), "video/mp4");
        assert_eq!(safe_media_type("text/html"), "application/octet-stream");
        assert_eq!(safe_media_type("image/svg+xml"), "application/octet-stream");
    }
}
