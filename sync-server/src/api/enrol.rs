//! Enrolment, revocation and down-sync (see `docs/sync.md`): a terminal
//! redeems a one-time code from the back office and receives a device
//! certificate signed by the server key; a revoked device's later records
//! are refused; messages from the back office wait for the next sync.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use fieldcase_shared::cert::DeviceCert;
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::hash::{sha256, Digest};
use fieldcase_shared::wire::{
    EnrolRequest, EnrolResponse, ErrorCode, Revocations, REVOCATIONS_PAYLOAD_TYPE,
};
use rand_core::{OsRng, RngCore};

use crate::api::{blocking, AppState, Failure};
use crate::store::{Device, EnrolError};

/// Letters and digits that cannot be mistaken for one another.
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a code (about 99 bits).
const CODE_LEN: usize = 20;

/// A new random enrolment code, grouped by five: `ABCDE-FGHJK-…`.
pub fn new_code() -> String {
    let mut out = String::new();
    let mut bytes = [0u8; 64];
    OsRng.fill_bytes(&mut bytes);
    let mut n = 0;
    for b in bytes {
        // Rejection sampling keeps every character equally likely.
        if (b as usize) < 256 - 256 % ALPHABET.len() {
            if n > 0 && n % 5 == 0 {
                out.push('-');
            }
            out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            n += 1;
            if n == CODE_LEN {
                break;
            }
        }
    }
    out
}

/// What is stored of a code: the SHA-256 of its characters, upper case,
/// without separators.
pub fn code_hash(code: &str) -> Digest {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    sha256(norm.as_bytes())
}

/// Parses `24h`, `7d`, `30m` (from now) or an RFC 3339 time.
pub fn parse_expiry(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    let n: i64 = num.parse().map_err(|_| {
        format!("{text:?} is neither a duration like 24h / 7d / 30m nor an RFC 3339 time")
    })?;
    let d = match unit {
        "m" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => return Err(format!("{text:?}: the unit must be m, h or d")),
    };
    if n <= 0 {
        return Err(format!("{text:?}: the duration must be positive"));
    }
    Ok(now + d)
}

/// `POST /v1/enrol`.
pub(crate) async fn enrol(
    State(state): State<AppState>,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    body: Result<Json<EnrolRequest>, JsonRejection>,
) -> Result<Json<EnrolResponse>, Failure> {
    let addr = peer.map(|p| (p.0).0.ip());
    if let Err(wait) = state.enrol_limits.attempt(addr, std::time::Instant::now()) {
        tracing::warn!(addr = ?addr, "enrolment attempts over the limit; refused");
        return Err(Failure::new(
            ErrorCode::RateLimited,
            format!("too many enrolment attempts; wait {wait} seconds and check the code"),
        ));
    }
    let Json(req) = body.map_err(|e| Failure::new(ErrorCode::BadRequest, e.body_text()))?;
    let now = Utc::now();
    let device = Device {
        id: req.public_key.device_id(),
        key: req.public_key,
        name: String::new(),
        added_at: now,
    };
    let hash = code_hash(&req.code);
    let st = state.clone();
    let dev = device.clone();
    let enrolled = blocking(move || st.store.redeem_enrolment(&hash, &dev, now))
        .await?
        .inspect_err(|e| {
            if !matches!(e, EnrolError::Store(_)) {
                state.enrol_limits.failed(std::time::Instant::now());
                tracing::warn!(addr = ?addr, device = %device.id, reason = %e, "enrolment refused");
            }
        })
        .map_err(|e| match e {
            EnrolError::Store(e) => Failure::internal(e),
            EnrolError::Registered => Failure::new(
                ErrorCode::AlreadyEnrolled,
                format!(
                    "device {} is already registered; it does not need a code",
                    device.id
                ),
            ),
            other => Failure::new(ErrorCode::EnrolmentRefused, other.to_string()),
        })?;
    tracing::info!(device = %device.id, officer = %enrolled.officer, "device enrolled");
    let cert = DeviceCert {
        v: 1,
        device: device.id,
        public_key: device.key,
        name: enrolled.name,
        officer: enrolled.officer,
        issued_at: now,
        issuer: state.server_key(),
        roles: vec![],
    };
    Ok(Json(EnrolResponse {
        certificate: cert.sign(state.signing_key()),
        server_key: state.server_key(),
        log_origin: state.log_origin().to_owned(),
    }))
}

/// `GET /v1/revocations`: the signed list of revoked devices.
pub(crate) async fn revocations(State(state): State<AppState>) -> Result<Json<Envelope>, Failure> {
    let st = state.clone();
    let devices = blocking(move || st.store.revocations())
        .await?
        .map_err(Failure::internal)?;
    let payload = serde_json::to_vec(&Revocations { devices }).map_err(Failure::internal)?;
    let key = state.signing_key();
    Ok(Json(Envelope::sign(
        key,
        &key.public().device_id().to_string(),
        REVOCATIONS_PAYLOAD_TYPE,
        payload,
    )))
}

/// `GET /v1/devices/{device}/messages?after=N` query.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct AfterQuery {
    #[serde(default)]
    after: u64,
}

/// `GET /v1/devices/{device}/messages?after=N`: the device's messages
/// above `after`, signed by the server key.
pub(crate) async fn messages(
    State(state): State<AppState>,
    auth: crate::auth::DeviceAuth,
    crate::api::ApiQuery(q): crate::api::ApiQuery<AfterQuery>,
) -> Result<Json<Envelope>, Failure> {
    let device = auth.device;
    let st = state.clone();
    let messages = blocking(move || st.store.messages_after(&device, q.after))
        .await?
        .map_err(Failure::internal)?;
    let payload = serde_json::to_vec(&fieldcase_shared::wire::Messages { device, messages })
        .map_err(Failure::internal)?;
    let key = state.signing_key();
    Ok(Json(Envelope::sign(
        key,
        &key.public().device_id().to_string(),
        fieldcase_shared::wire::MESSAGES_PAYLOAD_TYPE,
        payload,
    )))
}

/// The enrolment payload as a QR symbol: a PNG for printing (`scale`
/// pixels per module, with the standard four-module quiet zone).
pub fn qr_png(payload: &str, scale: u32, path: &std::path::Path) -> anyhow::Result<()> {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M)?;
    let width = code.width() as u32;
    let colors = code.to_colors();
    let quiet = 4;
    let side = (width + 2 * quiet) * scale;
    let img = image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let dark = mx >= quiet
            && my >= quiet
            && mx < width + quiet
            && my < width + quiet
            && colors[((my - quiet) * width + (mx - quiet)) as usize] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    img.save_with_format(path, image::ImageFormat::Png)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The enrolment payload as a QR symbol in text, two modules per line, for
/// a terminal with light text on a dark background (as `qrencode -t UTF8`
/// draws it): scanned from the screen by the terminal's camera.
pub fn qr_text(payload: &str) -> anyhow::Result<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M)?;
    Ok(code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn codes_are_random_grouped_and_forgiving_to_type() {
        let a = new_code();
        assert_eq!(a.len(), CODE_LEN + CODE_LEN / 5 - 1);
        assert_ne!(a, new_code());
        assert!(a
            .split('-')
            .all(|g| g.len() == 5 && g.bytes().all(|b| ALPHABET.contains(&b))));
        assert_eq!(
            code_hash(&a),
            code_hash(&a.to_lowercase().replace('-', " "))
        );
    }

    #[test]
    fn expiry_forms() {
        let now = DateTime::parse_from_rfc3339("2026-11-29T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_expiry("24h", now).unwrap(), now + Duration::hours(24));
        assert_eq!(parse_expiry("7d", now).unwrap(), now + Duration::days(7));
        assert_eq!(
            parse_expiry("2026-12-01T08:00:00+08:00", now).unwrap(),
            DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc)
        );
        assert!(parse_expiry("soon", now).is_err());
        assert!(parse_expiry("-1h", now).is_err());
        assert!(parse_expiry("3w", now).is_err());
    }
}
