//! Signed records: the payload (JSON, serialized once), its envelope, and
//! opening a received record (signature, device, chain hash).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::chain;
use crate::check::CaseCorrected;
use crate::envelope::{Envelope, EnvelopeError};
use crate::hash::Digest;
use crate::investigation::Check;
use crate::keys::{DeviceId, DeviceKey, PublicKey};
use crate::model::{CaseClosed, CaseOpened, CaseSealed, DiscRecorded, EvidenceItem};

/// DSSE payload type of a record.
pub const RECORD_PAYLOAD_TYPE: &str = "application/vnd.fieldcase.record+json;version=1";
/// Record format version carried in every payload as `v`.
pub const FORMAT_VERSION: u32 = 1;

/// A record payload. Serialized once with `serde_json::to_vec` when the
/// record is made; those bytes are what is stored, signed and shipped.
/// Field order is part of the format: do not reorder or rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordPayload {
    /// Format version ([`FORMAT_VERSION`]).
    pub v: u32,
    /// Record id (UUID v7, time-ordered).
    pub id: Uuid,
    /// Device that made and signed the record.
    pub device: DeviceId,
    /// Position in the device chain, from 1.
    pub seq: u64,
    /// Chain hash of the previous record (`h_0` for seq 1).
    pub prev: Digest,
    /// Device clock at creation, RFC 3339 with offset.
    pub created_at: DateTime<FixedOffset>,
    /// 执法证号 of the officer pair signed in.
    pub officers: Vec<String>,
    /// Every evidence blob this record refers to.
    pub blobs: Vec<Digest>,
    /// What the record says.
    pub body: RecordBody,
}

impl RecordPayload {
    /// The payload of the record at `seq` after `prev` on `device`: format
    /// version, a fresh UUID v7 and `blobs` are filled in from `body`.
    pub fn new(
        device: DeviceId,
        seq: u64,
        prev: Digest,
        created_at: DateTime<FixedOffset>,
        officers: Vec<String>,
        body: RecordBody,
    ) -> Self {
        RecordPayload {
            v: FORMAT_VERSION,
            id: Uuid::now_v7(),
            device,
            seq,
            prev,
            created_at,
            officers,
            blobs: body.blobs(),
            body,
        }
    }
}

/// The kinds of record. Tag `kind` inside `body`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordBody {
    /// A roadside check / case opened.
    CaseOpened(CaseOpened),
    /// An evidence file added to a case.
    EvidenceAdded(EvidenceItem),
    /// A case closed.
    CaseClosed(CaseClosed),
    /// A closed case's archive bundle sealed.
    CaseSealed(CaseSealed),
    /// Disc images written for a sealed bundle.
    DiscRecorded(DiscRecorded),
    /// A closed case corrected (supersedes one field of an earlier record).
    CaseCorrected(CaseCorrected),
    /// A back-office review step (signed by the staff member's key).
    ReviewRecorded(crate::review::ReviewRecorded),
    /// A document handed to the party, with the receipt or the refusal.
    DocumentServed(crate::served::DocumentServed),
    /// A fine's payment noted at the roadside.
    PaymentNoted(crate::served::PaymentNoted),
    /// A 现场笔录 (行政处罚法 art. 55).
    SiteRecorded(crate::investigation::SiteRecord),
    /// A 询问笔录 (art. 55).
    InterviewRecorded(crate::investigation::Interview),
    /// A 证据登记保存清单 (art. 56).
    EvidenceRegistered(crate::investigation::EvidenceRegister),
    /// A 责令改正违法行为通知书 (art. 28).
    CorrectionOrdered(crate::investigation::CorrectionOrder),
    /// A 行政强制措施决定书 and its 清单 (行政强制法 art. 24).
    MeasureDecided(crate::investigation::MeasureDecision),
    /// A step of the procedure at the bureau, with the document it
    /// produces (立案登记表, 违法行为通知书, 决定书…).
    ProcedureAct(crate::procedure::ProcedureAct),
}

impl RecordBody {
    /// The `kind` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            RecordBody::CaseOpened(_) => "case_opened",
            RecordBody::EvidenceAdded(_) => "evidence_added",
            RecordBody::CaseClosed(_) => "case_closed",
            RecordBody::CaseSealed(_) => "case_sealed",
            RecordBody::DiscRecorded(_) => "disc_recorded",
            RecordBody::CaseCorrected(_) => "case_corrected",
            RecordBody::ReviewRecorded(_) => "review_recorded",
            RecordBody::DocumentServed(_) => "document_served",
            RecordBody::PaymentNoted(_) => "payment_noted",
            RecordBody::SiteRecorded(_) => "site_recorded",
            RecordBody::InterviewRecorded(_) => "interview_recorded",
            RecordBody::EvidenceRegistered(_) => "evidence_registered",
            RecordBody::CorrectionOrdered(_) => "correction_ordered",
            RecordBody::MeasureDecided(_) => "measure_decided",
            RecordBody::ProcedureAct(_) => "procedure_act",
        }
    }

    /// The evidence blobs this body refers to (the payload's `blobs`).
    pub fn blobs(&self) -> Vec<Digest> {
        match self {
            RecordBody::EvidenceAdded(e) => vec![e.sha256],
            RecordBody::DocumentServed(d) => d.blobs(),
            RecordBody::SiteRecorded(w) => w.blobs(),
            RecordBody::InterviewRecorded(w) => w.blobs(),
            RecordBody::EvidenceRegistered(w) => w.blobs(),
            RecordBody::CorrectionOrdered(w) => w.blobs(),
            RecordBody::MeasureDecided(w) => w.blobs(),
            RecordBody::CaseOpened(_)
            | RecordBody::CaseClosed(_)
            | RecordBody::CaseSealed(_)
            | RecordBody::DiscRecorded(_)
            | RecordBody::CaseCorrected(_)
            | RecordBody::ReviewRecorded(_)
            | RecordBody::PaymentNoted(_)
            | RecordBody::ProcedureAct(_) => vec![],
        }
    }

    /// The case this record belongs to.
    pub fn case_id(&self) -> Uuid {
        match self {
            RecordBody::CaseOpened(c) => c.case_id,
            RecordBody::EvidenceAdded(e) => e.case_id,
            RecordBody::CaseClosed(c) => c.case_id,
            RecordBody::CaseSealed(c) => c.case_id,
            RecordBody::DiscRecorded(c) => c.case_id,
            RecordBody::CaseCorrected(c) => c.case_id,
            RecordBody::ReviewRecorded(c) => c.case_id,
            RecordBody::DocumentServed(c) => c.case_id,
            RecordBody::PaymentNoted(c) => c.case_id,
            RecordBody::SiteRecorded(c) => c.case_id,
            RecordBody::InterviewRecorded(c) => c.case_id,
            RecordBody::EvidenceRegistered(c) => c.case_id,
            RecordBody::CorrectionOrdered(c) => c.case_id,
            RecordBody::MeasureDecided(c) => c.case_id,
            RecordBody::ProcedureAct(c) => c.case_id,
        }
    }
}

/// The header of any record, readable whatever its body: what a verifier
/// needs for signatures, the chain and evidence references. Unknown fields
/// are ignored so that newer record kinds still verify.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RecordHeader {
    /// Format version.
    pub v: u32,
    /// Record id.
    pub id: Uuid,
    /// Device.
    pub device: DeviceId,
    /// Seq.
    pub seq: u64,
    /// Previous chain hash.
    pub prev: Digest,
    /// Creation time.
    pub created_at: DateTime<FixedOffset>,
    /// Officers.
    #[serde(default)]
    pub officers: Vec<String>,
    /// Evidence references.
    #[serde(default)]
    pub blobs: Vec<Digest>,
    /// Kind and case of the body.
    pub body: BodyHead,
}

/// The part of a body every kind shares.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BodyHead {
    /// The kind tag.
    pub kind: String,
    /// The case, when the record belongs to one.
    #[serde(default)]
    pub case_id: Option<Uuid>,
}

/// Why a received record cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// Envelope level problem (malformed, bad signature).
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// Not a record envelope.
    #[error("payload type is {0:?}, expected {RECORD_PAYLOAD_TYPE:?}")]
    WrongType(String),
    /// Payload JSON unreadable.
    #[error("record payload is not valid: {0}")]
    BadPayload(String),
    /// Payload names a different device than the signing key's.
    #[error("record claims device {claimed} but is signed for device {key_device}")]
    WrongDevice {
        /// Device in the payload.
        claimed: DeviceId,
        /// Device of the key.
        key_device: DeviceId,
    },
    /// The envelope's key id is not the signing device's id.
    #[error("envelope keyid is {found:?}; it must be the signing device's id {key_device}")]
    WrongKeyId {
        /// The key id found.
        found: String,
        /// Device of the key.
        key_device: DeviceId,
    },
    /// A format version this code does not know.
    #[error(
        "record format version {0} is not supported (this build knows version {FORMAT_VERSION})"
    )]
    Version(u32),
}

/// A record whose signature, type and device were checked.
#[derive(Debug, Clone)]
pub struct VerifiedRecord {
    /// The envelope as received.
    pub envelope: Envelope,
    /// Its header.
    pub header: RecordHeader,
    /// Record digest `d_seq`.
    pub digest: Digest,
    /// Chain hash `h_seq` (computed from `prev`, which the signature covers).
    pub chain: Digest,
}

/// Parses a record payload's header (no signature check).
pub fn parse_header(payload: &[u8]) -> Result<RecordHeader, RecordError> {
    let h: RecordHeader =
        serde_json::from_slice(payload).map_err(|e| RecordError::BadPayload(e.to_string()))?;
    if h.v != FORMAT_VERSION {
        return Err(RecordError::Version(h.v));
    }
    Ok(h)
}

/// Checks an envelope as a record of the device holding `key`: payload type,
/// strict signature, version, device id. Computes digest and chain hash.
pub fn open(envelope: Envelope, key: &PublicKey) -> Result<VerifiedRecord, RecordError> {
    if envelope.payload_type != RECORD_PAYLOAD_TYPE {
        return Err(RecordError::WrongType(envelope.payload_type));
    }
    envelope.verify(key)?;
    // The whole payload must follow the rules (docs/records.md §1), the
    // body too: a duplicate member there is refused like one at the top.
    // One parse; when it fails, the header's parse names the reason (a
    // newer format version, say).
    let header = match serde_json::from_slice::<RecordPayload>(&envelope.payload) {
        Ok(p) if p.v == FORMAT_VERSION => RecordHeader {
            v: p.v,
            id: p.id,
            device: p.device,
            seq: p.seq,
            prev: p.prev,
            created_at: p.created_at,
            officers: p.officers,
            blobs: p.blobs,
            body: BodyHead {
                kind: p.body.kind().to_owned(),
                case_id: Some(p.body.case_id()),
            },
        },
        Ok(p) => return Err(RecordError::Version(p.v)),
        Err(e) => {
            parse_header(&envelope.payload)?;
            return Err(RecordError::BadPayload(e.to_string()));
        }
    };
    let key_device = key.device_id();
    if header.device != key_device {
        return Err(RecordError::WrongDevice {
            claimed: header.device,
            key_device,
        });
    }
    // DSSE leaves the key id unsigned; ours must name the signing device,
    // or a verifier choosing the key by it would call the record unknown.
    if envelope.keyid != key_device.to_string() {
        return Err(RecordError::WrongKeyId {
            found: envelope.keyid.chars().take(80).collect(),
            key_device,
        });
    }
    let digest = envelope.digest();
    let chain = chain::link(&header.device, header.seq, &header.prev, &digest);
    Ok(VerifiedRecord {
        envelope,
        header,
        digest,
        chain,
    })
}

/// A record just made on the device.
#[derive(Debug, Clone)]
pub struct SealedRecord {
    /// The signed envelope.
    pub envelope: Envelope,
    /// Record digest.
    pub digest: Digest,
    /// Chain hash after this record.
    pub chain: Digest,
}

/// Serializes `payload` once, signs it with `key` and computes its chain hash.
/// The payload's `device` must be the key's device.
pub fn seal(key: &DeviceKey, payload: &RecordPayload) -> SealedRecord {
    // Serializing this struct to a Vec cannot fail (no maps with non-string keys).
    let bytes = serde_json::to_vec(payload).unwrap_or_default();
    let envelope = Envelope::sign(key, &payload.device.to_string(), RECORD_PAYLOAD_TYPE, bytes);
    let digest = envelope.digest();
    let chain = chain::link(&payload.device, payload.seq, &payload.prev, &digest);
    SealedRecord {
        envelope,
        digest,
        chain,
    }
}

/// What can be wrong in a device log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogProblem {
    /// The envelope or its signature is not acceptable.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// Records are not in ascending seq order.
    #[error("record seq {seq} comes after seq {after}: records are out of order")]
    Reorder {
        /// This record's seq.
        seq: u64,
        /// The seq before it.
        after: u64,
    },
    /// A seq is missing.
    #[error("seq {expected} is missing (next record has seq {found})")]
    Gap {
        /// Seq expected.
        expected: u64,
        /// Seq found.
        found: u64,
    },
    /// Two different records with one seq.
    #[error("two different records with seq {seq}: the chain forked")]
    Fork {
        /// The seq.
        seq: u64,
    },
    /// The same record twice.
    #[error("record seq {seq} appears twice")]
    Duplicate {
        /// The seq.
        seq: u64,
    },
    /// `prev` does not match the previous record's chain hash.
    #[error("record seq {seq} does not link to the record before it (prev {found}, expected {expected})")]
    ChainBreak {
        /// The seq.
        seq: u64,
        /// Expected prev.
        expected: Digest,
        /// Prev in the record.
        found: Digest,
    },
}

impl LogProblem {
    /// Short outcome name used by test vectors and the CLI.
    pub fn outcome(&self) -> &'static str {
        match self {
            LogProblem::Record(RecordError::Envelope(EnvelopeError::BadSignature(_))) => {
                "bad-signature"
            }
            LogProblem::Record(RecordError::WrongDevice { .. }) => "wrong-device",
            LogProblem::Record(RecordError::WrongType(_)) => "wrong-type",
            LogProblem::Record(_) => "malformed",
            LogProblem::Reorder { .. } => "reorder",
            LogProblem::Gap { .. } => "gap",
            LogProblem::Fork { .. } => "fork",
            LogProblem::Duplicate { .. } => "duplicate",
            LogProblem::ChainBreak { .. } => "chain-break",
        }
    }
}

/// Result of checking a whole device log.
#[derive(Debug, Clone)]
pub struct LogCheck {
    /// Head reached by the records that link.
    pub head: chain::Head,
    /// Records that verified and linked.
    pub good: usize,
    /// Every problem, with the index of the record in the input.
    pub problems: Vec<(usize, LogProblem)>,
}

/// Checks a device's whole log from seq 1: each signature (strict), the
/// device, and the chain. Reports every problem, not only the first.
pub fn verify_log<'a>(
    key: &PublicKey,
    envelopes: impl IntoIterator<Item = &'a Envelope>,
) -> LogCheck {
    /// A record placed in the chain: its seq, prev, digest and chain hash,
    /// and whether its signature verified.
    struct Placed {
        index: usize,
        seq: u64,
        prev: Digest,
        digest: Digest,
        chain: Digest,
        verified: bool,
    }
    let device = key.device_id();
    let mut problems = Vec::new();
    let mut placed = Vec::new();
    let mut last_seq = 0;
    let mut reordered = false;
    for (i, env) in envelopes.into_iter().enumerate() {
        let (header, verified) = match open(env.clone(), key) {
            Ok(v) => (v.header, true),
            Err(e) => {
                problems.push((i, e.into()));
                // A record whose signature fails still holds its place in the
                // chain when its header is readable, so that one bad record
                // is reported once and not again as a gap after it.
                match parse_header(&env.payload) {
                    Ok(h) if h.device == device => (h, false),
                    _ => continue,
                }
            }
        };
        if header.seq < last_seq && !reordered {
            reordered = true;
            problems.push((
                i,
                LogProblem::Reorder {
                    seq: header.seq,
                    after: last_seq,
                },
            ));
        }
        last_seq = last_seq.max(header.seq);
        let digest = env.digest();
        placed.push(Placed {
            index: i,
            seq: header.seq,
            prev: header.prev,
            digest,
            chain: chain::link(&device, header.seq, &header.prev, &digest),
            verified,
        });
    }
    placed.sort_by_key(|p| p.seq);
    let mut head = chain::Head::genesis(&device);
    let mut held: std::collections::BTreeMap<u64, Digest> = Default::default();
    let mut good = 0;
    for p in placed {
        let step = chain::classify(&head, held.get(&p.seq).copied(), p.seq, &p.prev, &p.digest);
        let problem = match step {
            chain::Step::Next => None,
            chain::Step::Replay => Some(LogProblem::Duplicate { seq: p.seq }),
            chain::Step::Fork { .. } => Some(LogProblem::Fork { seq: p.seq }),
            chain::Step::Gap { expected } => Some(LogProblem::Gap {
                expected,
                found: p.seq,
            }),
            chain::Step::BadPrev { expected } => Some(LogProblem::ChainBreak {
                seq: p.seq,
                expected,
                found: p.prev,
            }),
            chain::Step::ZeroSeq => Some(LogProblem::Gap {
                expected: head.seq + 1,
                found: 0,
            }),
        };
        let advance = matches!(
            step,
            chain::Step::Next | chain::Step::Gap { .. } | chain::Step::BadPrev { .. }
        );
        if let Some(problem) = problem {
            problems.push((p.index, problem));
        } else if p.verified {
            good += 1;
        }
        if advance {
            // Continue from here so later records are still checked.
            head = chain::Head {
                seq: p.seq,
                chain: p.chain,
            };
            held.insert(p.seq, p.digest);
        }
    }
    problems.sort_by_key(|(i, _)| *i);
    LogCheck {
        head,
        good,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Party, Vehicle};
    use proptest::prelude::*;

    fn payload(key: &DeviceKey, seq: u64, prev: Digest, note: String) -> RecordPayload {
        let device = key.public().device_id();
        RecordPayload {
            v: FORMAT_VERSION,
            id: Uuid::from_u128(u128::from(seq)),
            device,
            seq,
            prev,
            created_at: DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap(),
            officers: vec!["65010023".into(), "65010031".into()],
            blobs: vec![],
            body: RecordBody::CaseOpened(CaseOpened {
                case_id: Uuid::from_u128(1),
                case_no: "乌交执〔2026〕1号".into(),
                occurred_at: DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap(),
                place: "G30 连霍高速 乌鲁木齐收费站".into(),
                vehicle: Vehicle {
                    plate: "新A12345".into(),
                },
                party: Party::Person {
                    id_number: "11010519491231002X".into(),
                    name: "张三".into(),
                },
                violation: None,
                note,
                details: None,
            }),
        }
    }

    #[test]
    fn wrong_device_is_refused() {
        let a = DeviceKey::from_seed([1; 32]);
        let b = DeviceKey::from_seed([2; 32]);
        let mut p = payload(
            &a,
            1,
            chain::genesis(&a.public().device_id()),
            String::new(),
        );
        p.device = b.public().device_id();
        let s = seal(&a, &p);
        assert!(matches!(
            open(s.envelope, &a.public()),
            Err(RecordError::WrongDevice { .. })
        ));
    }

    /// The payload rules of docs/records.md §1: duplicate member names
    /// (at the top and inside the body), a byte order mark, fractions and
    /// negative numbers are refused.
    #[test]
    fn payload_bytes_that_break_the_rules_are_refused() {
        let a = DeviceKey::from_seed([1; 32]);
        let p = payload(
            &a,
            1,
            chain::genesis(&a.public().device_id()),
            String::new(),
        );
        let good = serde_json::to_vec(&p).unwrap();
        let text = String::from_utf8(good.clone()).unwrap();
        assert!(parse_header(&good).is_ok());
        assert!(serde_json::from_slice::<RecordPayload>(&good).is_ok());
        let dup_top = text.replacen("{\"v\":1,", "{\"v\":1,\"seq\":9,", 1);
        let dup_body = text.replacen("\"place\":", "\"place\":\"elsewhere\",\"place\":", 1);
        let bom = format!("\u{feff}{text}");
        let frac = text.replacen("\"seq\":1,", "\"seq\":1.5,", 1);
        let neg = text.replacen("\"seq\":1,", "\"seq\":-1,", 1);
        for (what, bad) in [
            ("dup top", &dup_top),
            ("bom", &bom),
            ("fraction", &frac),
            ("negative", &neg),
        ] {
            assert_ne!(bad, &text, "{what}: the test did not change the bytes");
            assert!(parse_header(bad.as_bytes()).is_err(), "{what} accepted");
        }
        assert_ne!(dup_body, text);
        assert!(
            serde_json::from_slice::<RecordPayload>(dup_body.as_bytes()).is_err(),
            "duplicate body member accepted"
        );
    }

    #[test]
    fn a_key_id_other_than_the_device_is_refused() {
        let a = DeviceKey::from_seed([1; 32]);
        let p = payload(
            &a,
            1,
            chain::genesis(&a.public().device_id()),
            String::new(),
        );
        let mut env = seal(&a, &p).envelope;
        env.keyid = "0".repeat(32);
        assert!(matches!(
            open(env, &a.public()),
            Err(RecordError::WrongKeyId { .. })
        ));
    }

    proptest! {
        #[test]
        fn seal_open_round_trip(seed in any::<[u8; 32]>(), seq in 1u64..1_000_000, note in "\\PC{0,40}") {
            let k = DeviceKey::from_seed(seed);
            let prev = chain::genesis(&k.public().device_id());
            let p = payload(&k, seq, prev, note);
            let s = seal(&k, &p);
            let json = s.envelope.to_json();
            let env = Envelope::from_json(&json).unwrap();
            let v = open(env, &k.public()).unwrap();
            prop_assert_eq!(v.digest, s.digest);
            prop_assert_eq!(v.chain, s.chain);
            prop_assert_eq!(v.header.seq, seq);
            let back: RecordPayload = serde_json::from_slice(&v.envelope.payload).unwrap();
            prop_assert_eq!(&back, &p);
            // Re-serializing the parsed payload gives the same bytes.
            prop_assert_eq!(serde_json::to_vec(&back).unwrap(), v.envelope.payload);
        }
    }
}
