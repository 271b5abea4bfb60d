//! The signed envelope: a DSSE v1 envelope (in-toto's Dead Simple Signing
//! Envelope) carrying one Ed25519 signature.
//!
//! The payload bytes are produced once and kept verbatim; the signature covers
//! the DSSE pre-authentication encoding
//! `"DSSEv1" SP len(type) SP type SP len(payload) SP payload` (lengths as ASCII
//! decimal), so the payload type separates the domains of record, receipt and
//! any later statement. The JSON form is the standard DSSE JSON envelope.
//! See `docs/records.md` for the byte layout.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::hash::{sha256, Digest};
use crate::keys::{DeviceKey, PublicKey};

/// Largest envelope (JSON) this crate will parse: a record is a few kB.
pub const MAX_ENVELOPE_BYTES: usize = 1024 * 1024;

/// Errors opening an envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// Not a DSSE JSON envelope.
    #[error("not a signed envelope: {0}")]
    Malformed(String),
    /// Larger than [`MAX_ENVELOPE_BYTES`].
    #[error("envelope is {0} bytes; at most {MAX_ENVELOPE_BYTES} are accepted")]
    TooLarge(usize),
    /// The signature does not verify under the given key.
    #[error("signature does not verify with key {0}")]
    BadSignature(String),
}

/// A DSSE envelope with exactly one signature.
///
/// Wire form (do not reorder or rename fields):
/// `{"payloadType":…,"payload":<base64>,"signatures":[{"keyid":…,"sig":<base64>}]}`
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Envelope {
    /// Media type of the payload, e.g. [`crate::record::RECORD_PAYLOAD_TYPE`].
    pub payload_type: String,
    /// The payload bytes, exactly as signed.
    pub payload: Vec<u8>,
    /// Key id of the signer (the device id for records).
    pub keyid: String,
    /// The Ed25519 signature over [`pae`]`(payload_type, payload)`.
    pub sig: [u8; 64],
}

/// DSSE v1 pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let t = payload_type.as_bytes();
    let mut out = Vec::with_capacity(32 + t.len() + payload.len());
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(t.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(t);
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSig {
    keyid: String,
    sig: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(rename = "payloadType")]
    payload_type: String,
    payload: String,
    signatures: Vec<WireSig>,
}

impl Envelope {
    /// Signs `payload` under `payload_type` with `key`.
    pub fn sign(key: &DeviceKey, keyid: &str, payload_type: &str, payload: Vec<u8>) -> Self {
        let sig = key.sign(&pae(payload_type, &payload));
        Envelope {
            payload_type: payload_type.to_owned(),
            payload,
            keyid: keyid.to_owned(),
            sig,
        }
    }

    /// The record digest: SHA-256 of the pre-authentication encoding, i.e. of
    /// exactly what was signed. Two envelopes with the same digest say the same.
    pub fn digest(&self) -> Digest {
        sha256(&pae(&self.payload_type, &self.payload))
    }

    /// Strict Ed25519 verification under `key`.
    pub fn verify(&self, key: &PublicKey) -> Result<(), EnvelopeError> {
        if key.verify_strict(&pae(&self.payload_type, &self.payload), &self.sig) {
            Ok(())
        } else {
            Err(EnvelopeError::BadSignature(key.to_string()))
        }
    }

    /// The DSSE JSON form (fields in the fixed order above, no whitespace).
    pub fn to_json(&self) -> Vec<u8> {
        let wire = Wire {
            payload_type: self.payload_type.clone(),
            payload: B64.encode(&self.payload),
            signatures: vec![WireSig {
                keyid: self.keyid.clone(),
                sig: B64.encode(self.sig),
            }],
        };
        // Serializing plain strings into a Vec cannot fail.
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Parses the DSSE JSON form. Exactly one signature is accepted.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(EnvelopeError::TooLarge(bytes.len()));
        }
        let wire: Wire = serde_json::from_slice(bytes)
            .map_err(|e| EnvelopeError::Malformed(format!("invalid JSON envelope: {e}")))?;
        Self::from_wire(wire)
    }

    fn from_wire(wire: Wire) -> Result<Self, EnvelopeError> {
        let payload = B64
            .decode(wire.payload.as_bytes())
            .map_err(|e| EnvelopeError::Malformed(format!("payload is not base64: {e}")))?;
        let [s] = <[WireSig; 1]>::try_from(wire.signatures).map_err(|v| {
            EnvelopeError::Malformed(format!("expected exactly 1 signature, found {}", v.len()))
        })?;
        let raw = B64
            .decode(s.sig.as_bytes())
            .map_err(|e| EnvelopeError::Malformed(format!("signature is not base64: {e}")))?;
        let sig: [u8; 64] = raw.as_slice().try_into().map_err(|_| {
            EnvelopeError::Malformed(format!(
                "signature is {} bytes, an Ed25519 signature is 64",
                raw.len()
            ))
        })?;
        if wire.payload_type.is_empty() {
            return Err(EnvelopeError::Malformed("payloadType is empty".into()));
        }
        Ok(Envelope {
            payload_type: wire.payload_type,
            payload,
            keyid: s.keyid,
            sig,
        })
    }
}

impl Serialize for Envelope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            payload_type: self.payload_type.clone(),
            payload: B64.encode(&self.payload),
            signatures: vec![WireSig {
                keyid: self.keyid.clone(),
                sig: B64.encode(self.sig),
            }],
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(d)?;
        Self::from_wire(wire).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pae_layout() {
        assert_eq!(pae("t", b"hello"), b"DSSEv1 1 t 5 hello".to_vec());
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn type_is_part_of_what_is_signed() {
        let k = DeviceKey::from_seed([7; 32]);
        let mut e = Envelope::sign(&k, "k", "a/b", b"{}".to_vec());
        assert!(e.verify(&k.public()).is_ok());
        e.payload_type = "a/c".into();
        assert!(e.verify(&k.public()).is_err());
    }

    #[test]
    fn rejects_two_signatures() {
        let j = br#"{"payloadType":"t","payload":"","signatures":[{"keyid":"a","sig":""},{"keyid":"b","sig":""}]}"#;
        let e = Envelope::from_json(j).unwrap_err();
        assert!(e.to_string().contains("exactly 1 signature"), "{e}");
    }

    proptest! {
        #[test]
        fn json_round_trip(seed in any::<[u8; 32]>(), ty in "[a-z/+.]{1,40}", payload in proptest::collection::vec(any::<u8>(), 0..512)) {
            let k = DeviceKey::from_seed(seed);
            let e = Envelope::sign(&k, "kid", &ty, payload);
            let j = e.to_json();
            let back = Envelope::from_json(&j).unwrap();
            prop_assert_eq!(&back, &e);
            prop_assert_eq!(back.to_json(), j);
            prop_assert!(back.verify(&k.public()).is_ok());
        }

        #[test]
        fn parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Envelope::from_json(&bytes);
        }
    }
}
