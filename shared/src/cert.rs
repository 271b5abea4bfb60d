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
    }
}
