//! Signed receipts: what the server says it holds, signed with its key.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::chain::Head;
use crate::envelope::{Envelope, EnvelopeError};
use crate::hash::Digest;
use crate::keys::{DeviceId, DeviceKey, PublicKey};

/// DSSE payload type of a receipt.
pub const RECEIPT_PAYLOAD_TYPE: &str = "application/vnd.fieldcase.receipt+json;version=1";

/// One record named by a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptEntry {
    /// Seq in the device chain.
    pub seq: u64,
    /// Record digest.
    pub digest: Digest,
    /// True when this request stored it; false when it was already held.
    pub new: bool,
    /// Its leaf index in the server's transparency log.
    pub log_index: u64,
}

/// One evidence blob named by a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobEntry {
    /// SHA-256 of its bytes.
    pub sha256: Digest,
    /// Size in bytes.
    pub size: u64,
    /// Its leaf index in the server's transparency log.
    pub log_index: u64,
}

/// A receipt. Field order is part of the format: do not reorder or rename.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Format version (1).
    pub v: u32,
    /// The server's public key.
    pub server_key: PublicKey,
    /// The device whose records these are.
    pub device: DeviceId,
    /// Server clock when the batch was committed.
    pub received_at: DateTime<Utc>,
    /// Every record of the request, in seq order.
    pub records: Vec<ReceiptEntry>,
    /// Evidence blobs the server holds (receipts for uploads; absent on
    /// record receipts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blobs: Vec<BlobEntry>,
    /// The device chain head the server holds after this request.
    pub head: Head,
    /// The log checkpoint after this request, as a signed note
    /// (`crate::tlog`): every entry above is in the tree it names.
    pub checkpoint: String,
}

/// Why a receipt is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// Envelope problem, including a bad signature.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// Not a receipt.
    #[error("payload type is {0:?}, not a receipt")]
    WrongType(String),
    /// Unreadable payload.
    #[error("receipt payload is not valid: {0}")]
    BadPayload(String),
    /// Signed by a key other than the one it names.
    #[error("receipt names server key {named} but the expected key is {expected}")]
    WrongKey {
        /// Key in the receipt.
        named: String,
        /// Pinned key.
        expected: String,
    },
}

impl Receipt {
    /// Signs this receipt with the server key.
    pub fn sign(&self, key: &DeviceKey) -> Envelope {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        Envelope::sign(
            key,
            &key.public().device_id().to_string(),
            RECEIPT_PAYLOAD_TYPE,
            bytes,
        )
    }

    /// Verifies a receipt envelope against the pinned server key.
    pub fn open(env: &Envelope, server_key: &PublicKey) -> Result<Self, ReceiptError> {
        if env.payload_type != RECEIPT_PAYLOAD_TYPE {
            return Err(ReceiptError::WrongType(env.payload_type.clone()));
        }
        env.verify(server_key)?;
        let r: Receipt = serde_json::from_slice(&env.payload)
            .map_err(|e| ReceiptError::BadPayload(e.to_string()))?;
        if r.server_key != *server_key {
            return Err(ReceiptError::WrongKey {
                named: r.server_key.to_string(),
                expected: server_key.to_string(),
            });
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::sha256;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn receipt_round_trip(seed in any::<[u8; 32]>(), dev in any::<[u8; 16]>(), seqs in proptest::collection::vec(1u64..1_000_000, 0..20), secs in 0i64..4_000_000_000) {
            let k = DeviceKey::from_seed(seed);
            let r = Receipt {
                v: 1,
                server_key: k.public(),
                device: DeviceId(dev),
                received_at: DateTime::from_timestamp(secs, 0).unwrap(),
                records: seqs.iter().map(|s| ReceiptEntry { seq: *s, digest: sha256(&s.to_be_bytes()), new: s % 2 == 0, log_index: *s * 3 }).collect(),
                blobs: seqs.iter().take(2).map(|s| BlobEntry { sha256: sha256(&s.to_le_bytes()), size: *s, log_index: *s + 1 }).collect(),
                head: Head { seq: seqs.iter().max().copied().unwrap_or(0), chain: sha256(b"h") },
                checkpoint: format!("fieldcase-sync\n{}\nAAAA\n\n\u{2014} x y\n", seqs.len()),
            };
            let env = Envelope::from_json(&r.sign(&k).to_json()).unwrap();
            let back = Receipt::open(&env, &k.public()).unwrap();
            prop_assert_eq!(&back, &r);
            prop_assert_eq!(serde_json::to_vec(&back).unwrap(), env.payload);
        }
    }

    #[test]
    fn sign_open_and_refuse_other_key() {
        let k = DeviceKey::from_seed([3; 32]);
        let other = DeviceKey::from_seed([4; 32]);
        let r = Receipt {
            v: 1,
            server_key: k.public(),
            device: DeviceId([9; 16]),
            received_at: DateTime::parse_from_rfc3339("2026-11-28T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            records: vec![ReceiptEntry {
                seq: 1,
                digest: sha256(b"x"),
                new: true,
                log_index: 0,
            }],
            blobs: Vec::new(),
            head: Head {
                seq: 1,
                chain: sha256(b"h"),
            },
            checkpoint: String::new(),
        };
        let env = r.sign(&k);
        let env = Envelope::from_json(&env.to_json()).unwrap();
        assert_eq!(Receipt::open(&env, &k.public()).unwrap(), r);
        assert!(Receipt::open(&env, &other.public()).is_err());
    }
}
