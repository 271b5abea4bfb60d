//! The per-device hash chain.
//!
//! `h_0 = SHA-256("fieldcase-genesis-v1\0" ‖ device_id)` and
//! `h_i = SHA-256("fieldcase-chain-v1\0" ‖ device_id ‖ u64be(seq_i) ‖ h_{i-1} ‖ d_i)`
//! where `d_i` is the record digest ([`crate::envelope::Envelope::digest`]).
//! Each record's signed payload carries `seq_i` and `prev = h_{i-1}`, so the
//! chain is covered by the signatures: a gap, a fork (same seq, other bytes)
//! or a reordering shows to anyone holding the records and the public key.

use serde::{Deserialize, Serialize};

use crate::hash::{sha256_parts, Digest};
use crate::keys::DeviceId;

/// Domain tag of a chain link.
pub const CHAIN_TAG: &[u8] = b"fieldcase-chain-v1\0";
/// Domain tag of the genesis value.
pub const GENESIS_TAG: &[u8] = b"fieldcase-genesis-v1\0";

/// `h_0` for a device.
pub fn genesis(device: &DeviceId) -> Digest {
    sha256_parts(&[GENESIS_TAG, &device.0])
}

/// `h_i` from its parts.
pub fn link(device: &DeviceId, seq: u64, prev: &Digest, digest: &Digest) -> Digest {
    sha256_parts(&[CHAIN_TAG, &device.0, &seq.to_be_bytes(), &prev.0, &digest.0])
}

/// The head of a device chain: the last seq and its chain hash
/// (seq 0 and `h_0` for an empty chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// Last sequence number (0 when empty).
    pub seq: u64,
    /// Chain hash at `seq`.
    pub chain: Digest,
}

impl Head {
    /// The head of an empty chain.
    pub fn genesis(device: &DeviceId) -> Self {
        Head {
            seq: 0,
            chain: genesis(device),
        }
    }
}

/// One entry of a chain: seq, record digest, chain hash. Bags carry the
/// links between a case's first and last record so the chain can be checked
/// without the other cases' records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Sequence number.
    pub seq: u64,
    /// Record digest `d_seq`.
    pub digest: Digest,
    /// Chain hash `h_seq`.
    pub chain: Digest,
}

/// What appending a record to a chain whose head is known would mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The next record: append it.
    Next,
    /// Already held with the same digest: acknowledge again, store nothing.
    Replay,
    /// Same seq as a held record but different bytes.
    Fork {
        /// Digest of the record already held at that seq.
        held: Digest,
    },
    /// Seq leaves a gap after the head.
    Gap {
        /// The seq that was expected next.
        expected: u64,
    },
    /// Right seq, but `prev` is not the head's chain hash.
    BadPrev {
        /// The head's chain hash.
        expected: Digest,
    },
    /// Seq 0 is never a record.
    ZeroSeq,
}

/// Classifies a record (`seq`, `prev`, `digest`) against `head`.
/// `held` is the digest already held at `seq` when `seq <= head.seq`.
pub fn classify(
    head: &Head,
    held: Option<Digest>,
    seq: u64,
    prev: &Digest,
    digest: &Digest,
) -> Step {
    if seq == 0 {
        return Step::ZeroSeq;
    }
    if seq <= head.seq {
        return match held {
            Some(h) if h == *digest => Step::Replay,
            Some(h) => Step::Fork { held: h },
            // A held seq with no digest means the holder lost data; treat as fork
            // against nothing so the caller must look.
            None => Step::Gap { expected: seq },
        };
    }
    if seq != head.seq + 1 {
        return Step::Gap {
            expected: head.seq + 1,
        };
    }
    if *prev != head.chain {
        return Step::BadPrev {
            expected: head.chain,
        };
    }
    Step::Next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::sha256;

    #[test]
    fn steps() {
        let dev = DeviceId([1; 16]);
        let h0 = Head::genesis(&dev);
        let d1 = sha256(b"one");
        assert_eq!(classify(&h0, None, 1, &h0.chain, &d1), Step::Next);
        let h1 = Head {
            seq: 1,
            chain: link(&dev, 1, &h0.chain, &d1),
        };
        assert_eq!(classify(&h1, Some(d1), 1, &h0.chain, &d1), Step::Replay);
        let other = sha256(b"other");
        assert_eq!(
            classify(&h1, Some(d1), 1, &h0.chain, &other),
            Step::Fork { held: d1 }
        );
        assert_eq!(
            classify(&h1, None, 3, &h1.chain, &other),
            Step::Gap { expected: 2 }
        );
        assert_eq!(
            classify(&h1, None, 2, &h0.chain, &other),
            Step::BadPrev { expected: h1.chain }
        );
        assert_eq!(classify(&h1, None, 0, &h0.chain, &other), Step::ZeroSeq);
    }

    #[test]
    fn link_depends_on_every_part() {
        let dev = DeviceId([1; 16]);
        let p = sha256(b"p");
        let d = sha256(b"d");
        let base = link(&dev, 5, &p, &d);
        assert_ne!(base, link(&DeviceId([2; 16]), 5, &p, &d));
        assert_ne!(base, link(&dev, 6, &p, &d));
        assert_ne!(base, link(&dev, 5, &d, &d));
        assert_ne!(base, link(&dev, 5, &p, &p));
    }
}
