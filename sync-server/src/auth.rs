//! Device-authenticated requests (docs/sync.md, "Authentication"): every
//! device route is signed by the device key with HTTP Message Signatures
//! (RFC 9421) over method, path, query and the body's Content-Digest
//! (RFC 9530). The signature is checked before a byte of the body is read;
//! the body is checked against the signed digest once read.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::Method;
use chrono::Utc;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::httpsig::{self, AuthError, Headers};
use fieldcase_shared::keys::{DeviceId, PublicKey};
use fieldcase_shared::wire::ErrorCode;

use crate::api::{parse_device, AppState, Failure};

/// Nonces seen within the replay window (this process; see docs/sync.md).
#[derive(Debug, Default)]
pub struct Nonces {
    seen: Mutex<HashMap<(DeviceId, String), i64>>,
}

/// Nonces remembered before old ones are dropped.
const MAX_NONCES: usize = 200_000;

impl Nonces {
    /// Records a nonce; false when it was seen within the window.
    fn fresh(&self, device: DeviceId, nonce: &str, created: i64, now: i64) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        if seen.len() >= MAX_NONCES {
            seen.retain(|_, c| (now - *c).abs() <= httpsig::WINDOW_SECS);
        }
        seen.insert((device, nonce.to_owned()), created).is_none()
    }
}

/// A request the device signed; the handler's only way to learn its device.
#[derive(Debug, Clone)]
pub struct DeviceAuth {
    /// The device (from the path, proven by its key).
    pub device: DeviceId,
    /// Its registered key.
    pub key: PublicKey,
    /// The signed SHA-256 of the body, when the request has one.
    pub body_digest: Option<Digest>,
}

impl DeviceAuth {
    /// Checks a body read in full against the signed digest.
    pub fn check_body(&self, body: &[u8]) -> Result<(), Failure> {
        match self.body_digest {
            Some(d) if fieldcase_shared::hash::sha256(body) == d => Ok(()),
            _ => Err(unauthenticated(AuthError::DigestMismatch)),
        }
    }
}

pub(crate) fn unauthenticated(e: AuthError) -> Failure {
    tracing::warn!(reason = %e, "unauthenticated device request refused");
    Failure::new(ErrorCode::Unauthenticated, e.to_string())
}

fn header<'a>(parts: &'a Parts, name: &'static str) -> Result<Option<&'a str>, Failure> {
    match parts.headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(Some)
            .map_err(|_| unauthenticated(AuthError::Malformed(name, "not visible ASCII".into()))),
    }
}

impl FromRequestParts<AppState> for DeviceAuth {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let path = parts.uri.path();
        // /v1/devices/{device}/…
        let id = path.split('/').nth(3).unwrap_or_default();
        let device = parse_device(id)?;
        let registered = state.registered(device).await?;
        let with_body = matches!(parts.method, Method::POST | Method::PUT);
        let h = Headers {
            input: header(parts, httpsig::SIGNATURE_INPUT)?,
            signature: header(parts, httpsig::SIGNATURE)?,
            content_digest: header(parts, httpsig::CONTENT_DIGEST)?,
        };
        let now = Utc::now().timestamp();
        let v = httpsig::verify(
            &registered.key,
            &device,
            parts.method.as_str(),
            path,
            parts.uri.query().unwrap_or(""),
            with_body,
            h,
            now,
        )
        .map_err(unauthenticated)?;
        if !state.nonces.fresh(device, &v.nonce, v.created, now) {
            return Err(unauthenticated(AuthError::Replayed(v.nonce)));
        }
        Ok(DeviceAuth {
            device,
            key: registered.key,
            body_digest: v.content_digest,
        })
    }
}
