//! Device certificates: what the agency's sync server signs when a terminal
//! redeems a one-time enrolment code — this key belongs to this device,
//! enrolled for this officer, at this time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::envelope::{Envelope, EnvelopeError};
use crate::keys::{DeviceId, DeviceKey, PublicKey};

/// DSSE payload type of a device certificate.
pub const CERT_PAYLOAD_TYPE: &str = "application/vnd.fieldcase.device-cert+json;version=1";

/// A device certificate. Field order is part of the format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceCert {
    /// Format version (1).
    pub v: u32,
    /// The device.
    pub device: DeviceId,
    /// Its public key.
    pub public_key: PublicKey,
    /// Its name in the back office.
    pub name: String,
    /// 执法证号 of the officer the enrolment code was made for.
    pub officer: String,
    /// When the code was redeemed.
    pub issued_at: DateTime<Utc>,
    /// The signing server's key.
    pub issuer: PublicKey,
    /// Back-office roles, when the key is a staff member's rather than a
    /// terminal's (`officer` is then the staff login name). Absent for a
    /// device, so device certificates keep their bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<crate::staff::Role>,
}

/// Why a certificate is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// Envelope problem, including a bad signature.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// Not a certificate.
    #[error("payload type is {0:?}, not a device certificate")]
    WrongType(String),
    /// Unreadable payload.
    #[error("certificate payload is not valid: {0}")]
    BadPayload(String),
    /// Inconsistent fields.
    #[error("{0}")]
    Inconsistent(String),
}

impl DeviceCert {
    /// Signs the certificate with the issuer's key.
    pub fn sign(&self, key: &DeviceKey) -> Envelope {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        Envelope::sign(
            key,
            &key.public().device_id().to_string(),
            CERT_PAYLOAD_TYPE,
            bytes,
        )
    }

    /// Verifies a certificate envelope against the issuer's key.
    pub fn open(env: &Envelope, issuer: &PublicKey) -> Result<Self, CertError> {
        if env.payload_type != CERT_PAYLOAD_TYPE {
            return Err(CertError::WrongType(env.payload_type.clone()));
        }
        env.verify(issuer)?;
        let c: DeviceCert = serde_json::from_slice(&env.payload)
            .map_err(|e| CertError::BadPayload(e.to_string()))?;
        if c.issuer != *issuer {
            return Err(CertError::Inconsistent(format!(
                "certificate names issuer {}, verified with {issuer}",
                c.issuer
            )));
        }
        if c.public_key.device_id() != c.device {
            return Err(CertError::Inconsistent(
                "certificate device id does not match its key".into(),
            ));
        }
        Ok(c)
    }
}

/// What the enrolment QR code carries:
/// `fieldcase-enrol:v1?code=…&key=ed25519:…&url=…` (query string in
/// `application/x-www-form-urlencoded` form). The server key in it reaches
/// the terminal out of band, on paper or a screen: the terminal refuses a
/// server that answers with any other key, before it sends the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentPayload {
    /// The one-time code.
    pub code: String,
    /// The agency server's key.
    pub server_key: PublicKey,
    /// The server address terminals use (may be empty: then it is given
    /// separately).
    pub url: String,
}

/// Start of an enrolment payload.
pub const ENROLMENT_PREFIX: &str = "fieldcase-enrol:v1?";

/// Why an enrolment payload is not readable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a fieldcase enrolment QR payload: {0}; scan the code again, or type the enrolment code and give the server with --server")]
pub struct PayloadError(String);

impl EnrolmentPayload {
    /// True when `text` looks like a payload rather than a bare code.
    pub fn is_payload(text: &str) -> bool {
        text.trim_start().starts_with("fieldcase-enrol:")
    }

    /// The payload text.
    pub fn to_uri(&self) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("code", &self.code)
            .append_pair("key", &self.server_key.to_string())
            .append_pair("url", &self.url)
            .finish();
        format!("{ENROLMENT_PREFIX}{query}")
    }

    /// Reads and checks a payload.
    pub fn parse(text: &str) -> Result<Self, PayloadError> {
        let text = text.trim();
        let query = text.strip_prefix(ENROLMENT_PREFIX).ok_or_else(|| {
            PayloadError(format!(
                "it does not start with {ENROLMENT_PREFIX:?} (version 1)"
            ))
        })?;
        let (mut code, mut key, mut url) = (None, None, None);
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*name {
                "code" => &mut code,
                "key" => &mut key,
                "url" => &mut url,
                // Later versions may add fields; a v1 reader ignores them.
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(PayloadError(format!("{name} is given twice")));
            }
        }
        let code = code.ok_or_else(|| PayloadError("it has no code".into()))?;
        if code.is_empty()
            || code.len() > 64
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(PayloadError(format!(
                "code {code:?} is not an enrolment code (letters, digits and dashes)"
            )));
        }
        let key = key.ok_or_else(|| PayloadError("it has no server key".into()))?;
        let server_key = key
            .parse::<PublicKey>()
            .map_err(|e| PayloadError(format!("server key {key:?}: {e}")))?;
        let url = url.unwrap_or_default();
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            return Err(PayloadError(format!(
                "server address {url:?} is not an http:// or https:// URL"
            )));
        }
        Ok(EnrolmentPayload {
            code,
            server_key,
            url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_open_and_refuse() {
        let server = DeviceKey::from_seed([1; 32]);
        let dev = DeviceKey::from_seed([2; 32]).public();
        let c = DeviceCert {
            v: 1,
            device: dev.device_id(),
            public_key: dev,
            name: "执法终端 01".into(),
            officer: "65010023".into(),
            issued_at: DateTime::parse_from_rfc3339("2026-11-29T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            issuer: server.public(),
            roles: vec![],
        };
        let env = Envelope::from_json(&c.sign(&server).to_json()).unwrap();
        assert_eq!(DeviceCert::open(&env, &server.public()).unwrap(), c);
        let other = DeviceKey::from_seed([3; 32]).public();
        assert!(DeviceCert::open(&env, &other).is_err());
        let mut forged = env.clone();
        forged.payload = String::from_utf8(forged.payload)
            .unwrap()
            .replace("65010023", "65019999")
            .into_bytes();
        assert!(DeviceCert::open(&forged, &server.public()).is_err());
        // A device certificate carries no roles field at all.
        assert!(!String::from_utf8_lossy(&env.payload).contains("roles"));
        let staff = DeviceCert {
            roles: vec![crate::staff::Role::Reviewer],
            ..c
        };
        let env = staff.sign(&server);
        assert!(String::from_utf8_lossy(&env.payload).ends_with(r#","roles":["reviewer"]}"#));
        assert_eq!(DeviceCert::open(&env, &server.public()).unwrap(), staff);
    }

    #[test]
    fn enrolment_payload_round_trips_and_refuses_damage() {
        let p = EnrolmentPayload {
            code: "ABCDE-FGHJK-MNPQR-STUVW".into(),
            server_key: DeviceKey::from_seed([4; 32]).public(),
            url: "https://sync.example.gov.cn:8443/a?b=c&d".into(),
        };
        let uri = p.to_uri();
        assert!(uri.starts_with("fieldcase-enrol:v1?code=ABCDE-FGHJK-MNPQR-STUVW&key=ed25519%3A"));
        assert!(EnrolmentPayload::is_payload(&uri));
        assert!(!EnrolmentPayload::is_payload("ABCDE-FGHJK"));
        assert_eq!(EnrolmentPayload::parse(&format!(" {uri}\n")).unwrap(), p);
        // A field from a later version is ignored.
        assert_eq!(EnrolmentPayload::parse(&format!("{uri}&x=1")).unwrap(), p);
        for (bad, why) in [
            (uri.replace("v1", "v2"), "does not start"),
            (uri.replace("code=", "cod="), "no code"),
            (format!("{uri}&code=X"), "twice"),
            (uri.replace("ABCDE-", "AB%20CDE-"), "not an enrolment code"),
            (
                uri.replace("key=ed25519%3A", "key=ed25519%3Aff"),
                "server key",
            ),
            (uri.replace("url=https", "url=ftp"), "not an http"),
        ] {
            let e = EnrolmentPayload::parse(&bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
            assert!(e.contains("scan the code again"), "{e}");
        }
    }
}
