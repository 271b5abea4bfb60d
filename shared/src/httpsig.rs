//! Device-authenticated requests: HTTP Message Signatures (RFC 9421) over
//! the method, path, query and the body's `Content-Digest` (RFC 9530),
//! signed with the device's Ed25519 key, with a creation time and a nonce
//! for the replay window. A device id is printed on every disc, so knowing
//! it grants nothing: only the key holder can sign.
//!
//! The profile accepted (anything else is refused, see `docs/sync.md`):
//!
//! ```text
//! Content-Digest: sha-256=:<base64 SHA-256 of the body>:        (requests with a body)
//! Signature-Input: fc=("@method" "@path" "@query" "content-digest");created=<unix s>;nonce="<hex>";keyid="<device id>";alg="ed25519"
//! Signature: fc=:<base64 Ed25519 signature of the signature base>:
//! ```
//!
//! A request without a body leaves `"content-digest"` out of the list.

use crate::hash::Digest;
use crate::keys::{DeviceId, DeviceKey, PublicKey};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

/// The signature's label in both headers.
pub const LABEL: &str = "fc";
/// Header names.
pub const SIGNATURE_INPUT: &str = "signature-input";
/// The signature header.
pub const SIGNATURE: &str = "signature";
/// The digest header (RFC 9530).
pub const CONTENT_DIGEST: &str = "content-digest";
/// How far a signature's `created` may be from the server clock.
pub const WINDOW_SECS: i64 = 300;

/// Why a request's signature is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// A header is absent.
    #[error("the request has no {0} header: requests for a device must be signed with its key (HTTP Message Signatures, docs/sync.md)")]
    Missing(&'static str),
    /// A header is not in the accepted form.
    #[error("the {0} header is not in the form this server accepts: {1}")]
    Malformed(&'static str, String),
    /// The signature names another device than the path.
    #[error("the signature's keyid {keyid} is not the device {path} the request is for")]
    WrongDevice {
        /// Key id in the signature.
        keyid: String,
        /// Device in the path.
        path: DeviceId,
    },
    /// Too old or too far ahead.
    #[error("the signature was made at {created} (unix time), more than {WINDOW_SECS} s from the server's clock ({now}); set the terminal's clock or sync again")]
    Expired {
        /// Its `created`.
        created: i64,
        /// Server time.
        now: i64,
    },
    /// The nonce was seen before within the window.
    #[error("this signed request was already received (nonce {0}): a replay is refused")]
    Replayed(String),
    /// The signature does not verify.
    #[error("the request signature does not verify with the registered key of device {0}")]
    BadSignature(DeviceId),
    /// The body is not what the signed digest says.
    #[error("the body does not match its signed Content-Digest; nothing was stored")]
    DigestMismatch,
}

/// What a verified signature said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Its creation time (unix seconds).
    pub created: i64,
    /// Its nonce.
    pub nonce: String,
    /// The body digest it covers, when the request has a body.
    pub content_digest: Option<Digest>,
}

/// `sha-256=:<base64>:` for a body with this SHA-256.
pub fn content_digest(sha256: &Digest) -> String {
    format!("sha-256=:{}:", B64.encode(sha256.0))
}

/// The bytes of a one-member structured field `<label>=:<base64>:` of
/// exactly `N` bytes (RFC 8941 byte sequence), or why not.
fn byte_sequence<const N: usize>(
    header: &'static str,
    text: &str,
    label: &str,
) -> Result<[u8; N], AuthError> {
    let bad = |why: String| AuthError::Malformed(header, why);
    let b64 = text
        .trim()
        .strip_prefix(label)
        .and_then(|r| r.strip_prefix("=:"))
        .and_then(|r| r.strip_suffix(':'))
        .ok_or_else(|| bad(format!("expected {label}=:<base64>:")))?;
    let bytes = B64.decode(b64).map_err(|_| bad("not base64".into()))?;
    bytes.try_into().map_err(|_| bad(format!("not {N} bytes")))
}

fn parse_content_digest(text: &str) -> Result<Digest, AuthError> {
    byte_sequence::<32>("Content-Digest", text, "sha-256").map(Digest)
}

fn components(with_body: bool) -> &'static str {
    if with_body {
        "(\"@method\" \"@path\" \"@query\" \"content-digest\")"
    } else {
        "(\"@method\" \"@path\" \"@query\")"
    }
}

/// The signature base (RFC 9421 §2.5) of a request in our profile.
fn base(method: &str, path: &str, query: &str, digest: Option<&str>, params: &str) -> String {
    let mut out = format!(
        "\"@method\": {}\n\"@path\": {path}\n\"@query\": ?{query}\n",
        method.to_ascii_uppercase()
    );
    if let Some(d) = digest {
        out.push_str(&format!("\"content-digest\": {d}\n"));
    }
    out.push_str(&format!("\"@signature-params\": {params}"));
    out
}

/// The headers that sign a request: `(name, value)` pairs to add.
/// `query` is the query string without `?` (empty when none); `body` the
/// SHA-256 of the body when it has one.
pub fn sign(
    key: &DeviceKey,
    method: &str,
    path: &str,
    query: &str,
    body: Option<&Digest>,
    created: i64,
    nonce: &str,
) -> Vec<(&'static str, String)> {
    let device = key.public().device_id();
    let params = format!(
        "{};created={created};nonce=\"{nonce}\";keyid=\"{device}\";alg=\"ed25519\"",
        components(body.is_some())
    );
    let digest = body.map(content_digest);
    let b = base(method, path, query, digest.as_deref(), &params);
    let sig = key.sign(b.as_bytes());
    let mut out = Vec::new();
    if let Some(d) = digest {
        out.push((CONTENT_DIGEST, d));
    }
    out.push((SIGNATURE_INPUT, format!("{LABEL}={params}")));
    out.push((SIGNATURE, format!("{LABEL}=:{}:", B64.encode(sig))));
    out
}

/// A fresh nonce: 16 random bytes in hex.
pub fn new_nonce() -> String {
    use rand_core::{OsRng, RngCore};
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// The parameters of a `Signature-Input` in our profile.
struct Params {
    created: i64,
    nonce: String,
    keyid: String,
}

/// Parses `fc=(…);created=…;nonce="…";keyid="…";alg="ed25519"` strictly:
/// the component list must be exactly the one for this request.
fn parse_input(text: &str, with_body: bool) -> Result<(Params, &str), AuthError> {
    let bad = |why: String| AuthError::Malformed("Signature-Input", why);
    let raw = text
        .trim()
        .strip_prefix("fc=")
        .ok_or_else(|| bad("expected one signature labelled fc".into()))?;
    let list = components(with_body);
    let rest = raw
        .strip_prefix(list)
        .ok_or_else(|| bad(format!("the covered components must be exactly {list}")))?;
    let mut created = None;
    let mut nonce = None;
    let mut keyid = None;
    let mut alg = None;
    for param in rest.split(';').skip(1) {
        let (name, value) = param
            .split_once('=')
            .ok_or_else(|| bad(format!("parameter {param:?}")))?;
        let string = || {
            value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .filter(|v| {
                    v.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
                })
                .map(str::to_owned)
                .ok_or_else(|| {
                    bad(format!(
                        "{name} must be a quoted string of letters and digits"
                    ))
                })
        };
        let slot = match name {
            "created" => {
                let n = value
                    .parse::<i64>()
                    .ok()
                    .filter(|_| value.bytes().all(|c| c.is_ascii_digit()))
                    .ok_or_else(|| bad("created must be an integer".into()))?;
                if created.replace(n).is_some() {
                    return Err(bad("created given twice".into()));
                }
                continue;
            }
            "nonce" => &mut nonce,
            "keyid" => &mut keyid,
            "alg" => &mut alg,
            other => return Err(bad(format!("unknown parameter {other:?}"))),
        };
        if slot.replace(string()?).is_some() {
            return Err(bad(format!("{name} given twice")));
        }
    }
    if !rest.is_empty() && !rest.starts_with(';') {
        return Err(bad("parameters must follow the component list".into()));
    }
    if alg.as_deref() != Some("ed25519") {
        return Err(bad("alg must be \"ed25519\"".into()));
    }
    let nonce = nonce.ok_or_else(|| bad("no nonce".into()))?;
    if !(16..=64).contains(&nonce.len()) {
        return Err(bad("the nonce must be 16 to 64 characters".into()));
    }
    Ok((
        Params {
            created: created.ok_or_else(|| bad("no created time".into()))?,
            nonce,
            keyid: keyid.ok_or_else(|| bad("no keyid".into()))?,
        },
        raw,
    ))
}

fn parse_signature(text: &str) -> Result<[u8; 64], AuthError> {
    byte_sequence::<64>("Signature", text, LABEL)
}

/// The signature headers of one request, as received.
#[derive(Debug, Clone, Copy)]
pub struct Headers<'a> {
    /// `Signature-Input`.
    pub input: Option<&'a str>,
    /// `Signature`.
    pub signature: Option<&'a str>,
    /// `Content-Digest`.
    pub content_digest: Option<&'a str>,
}

/// Checks a request's signature: for `device` (the path's), with its
/// registered `key`, made within the window around `now`. `with_body`:
/// the request carries a body, so its digest must be signed. The nonce is
/// returned for the caller's replay check; the body digest for checking
/// the body once read.
#[allow(clippy::too_many_arguments)]
pub fn verify(
    key: &PublicKey,
    device: &DeviceId,
    method: &str,
    path: &str,
    query: &str,
    with_body: bool,
    h: Headers<'_>,
    now: i64,
) -> Result<Verified, AuthError> {
    let input = h.input.ok_or(AuthError::Missing("Signature-Input"))?;
    let sig = h.signature.ok_or(AuthError::Missing("Signature"))?;
    let digest_text = if with_body {
        Some(
            h.content_digest
                .ok_or(AuthError::Missing("Content-Digest"))?,
        )
    } else {
        None
    };
    let content_digest = digest_text.map(parse_content_digest).transpose()?;
    let (params, raw) = parse_input(input, with_body)?;
    if params.keyid != device.to_string() {
        return Err(AuthError::WrongDevice {
            keyid: params.keyid.chars().take(64).collect(),
            path: *device,
        });
    }
    if (params.created - now).abs() > WINDOW_SECS {
        return Err(AuthError::Expired {
            created: params.created,
            now,
        });
    }
    let sig = parse_signature(sig)?;
    let b = base(method, path, query, digest_text.map(str::trim), raw);
    if !key.verify_strict(b.as_bytes(), &sig) {
        return Err(AuthError::BadSignature(*device));
    }
    Ok(Verified {
        created: params.created,
        nonce: params.nonce,
        content_digest,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn headers<'a>(list: &'a [(&'static str, String)]) -> Headers<'a> {
        let get = |n: &str| list.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        Headers {
            input: get(SIGNATURE_INPUT),
            signature: get(SIGNATURE),
            content_digest: get(CONTENT_DIGEST),
        }
    }

    #[test]
    fn signed_requests_verify_and_every_change_is_refused() {
        let key = DeviceKey::from_seed([3; 32]);
        let dev = key.public().device_id();
        let path = format!("/v1/devices/{dev}/blobs/ab");
        let body = crate::hash::sha256(b"chunk");
        let nonce = new_nonce();
        let h = sign(
            &key,
            "PUT",
            &path,
            "offset=0&total=5",
            Some(&body),
            1000,
            &nonce,
        );
        let ok = verify(
            &key.public(),
            &dev,
            "PUT",
            &path,
            "offset=0&total=5",
            true,
            headers(&h),
            1100,
        )
        .unwrap();
        assert_eq!(ok.content_digest, Some(body));
        assert_eq!(ok.nonce, nonce);
        // Another query, method, path, time or key: refused.
        let v = |m: &str, p: &str, q: &str, now: i64, k: &PublicKey| {
            verify(k, &dev, m, p, q, true, headers(&h), now)
        };
        assert!(matches!(
            v("PUT", &path, "offset=5&total=5", 1000, &key.public()),
            Err(AuthError::BadSignature(_))
        ));
        assert!(matches!(
            v("POST", &path, "offset=0&total=5", 1000, &key.public()),
            Err(AuthError::BadSignature(_))
        ));
        assert!(matches!(
            v("PUT", "/v1/x", "offset=0&total=5", 1000, &key.public()),
            Err(AuthError::BadSignature(_))
        ));
        assert!(matches!(
            v(
                "PUT",
                &path,
                "offset=0&total=5",
                1000 + WINDOW_SECS + 1,
                &key.public()
            ),
            Err(AuthError::Expired { .. })
        ));
        let other = DeviceKey::from_seed([4; 32]).public();
        assert!(matches!(
            v("PUT", &path, "offset=0&total=5", 1000, &other),
            Err(AuthError::BadSignature(_))
        ));
        // Another device's path.
        let stranger = other.device_id();
        assert!(matches!(
            verify(
                &key.public(),
                &stranger,
                "PUT",
                &path,
                "offset=0&total=5",
                true,
                headers(&h),
                1000
            ),
            Err(AuthError::WrongDevice { .. })
        ));
        // A changed digest header.
        let mut forged = h.clone();
        forged[0].1 = content_digest(&crate::hash::sha256(b"other"));
        assert!(matches!(
            verify(
                &key.public(),
                &dev,
                "PUT",
                &path,
                "offset=0&total=5",
                true,
                headers(&forged),
                1000
            ),
            Err(AuthError::BadSignature(_))
        ));
        // No signature at all.
        assert!(matches!(
            verify(
                &key.public(),
                &dev,
                "GET",
                &path,
                "",
                false,
                Headers {
                    input: None,
                    signature: None,
                    content_digest: None
                },
                1000
            ),
            Err(AuthError::Missing(_))
        ));
    }

    #[test]
    fn inputs_outside_the_profile_are_refused() {
        let key = DeviceKey::from_seed([3; 32]);
        let dev = key.public().device_id();
        let h = sign(&key, "GET", "/p", "", None, 1000, "0123456789abcdef");
        let input = h
            .iter()
            .find(|(k, _)| *k == SIGNATURE_INPUT)
            .unwrap()
            .1
            .clone();
        for bad in [
            input.replace("fc=", "sig1="),
            input.replace("\"@query\")", ")"),
            input.replace(";alg=\"ed25519\"", ";alg=\"hmac-sha256\""),
            input.clone() + ";expires=2000",
            input.replace("created=1000", "created=1000;created=1001"),
            input.replace("0123456789abcdef", "short"),
        ] {
            let hs = Headers {
                input: Some(&bad),
                signature: Some(&h[1].1),
                content_digest: None,
            };
            assert!(
                matches!(
                    verify(&key.public(), &dev, "GET", "/p", "", false, hs, 1000),
                    Err(AuthError::Malformed(..))
                ),
                "{bad}"
            );
        }
    }
}
