//! The sync API's request and response bodies (JSON). Field names are part of
//! the protocol: do not rename. See `docs/sync.md`.

use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;
use crate::hash::Digest;
use crate::keys::PublicKey;

/// Path prefix of the API version described here.
pub const API_PREFIX: &str = "/v1";

/// `GET /v1/info`: who the server is and what it accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// Always "fieldcase-sync".
    pub service: String,
    /// Server software version.
    pub version: String,
    /// Key that signs receipts and log checkpoints.
    pub server_key: PublicKey,
    /// Origin (name) of the server's transparency log.
    pub log_origin: String,
    /// What the server accepts.
    pub limits: Limits,
}

/// Limits a client checks before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Most records in one push.
    pub max_batch_records: usize,
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Largest evidence upload chunk in bytes.
    pub max_chunk_bytes: u64,
    /// Largest evidence blob in bytes.
    pub max_blob_bytes: u64,
}

/// `GET` or `PUT /v1/devices/{device}/blobs/{sha256}` answer: how much of
/// the blob the server holds, and once it holds it all, a signed receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobStatus {
    /// The blob.
    pub sha256: Digest,
    /// True when the whole blob is stored (hash checked).
    pub held: bool,
    /// Bytes held so far: where the next chunk starts.
    pub offset: u64,
    /// Receipt naming the blob, when held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Envelope>,
    /// Inclusion proof of the blob's log leaf in the receipt's checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion: Option<Vec<Digest>>,
}

/// `PUT /v1/devices/{device}/blobs/{sha256}` query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkQuery {
    /// Where this chunk starts in the blob.
    pub offset: u64,
    /// The blob's whole size.
    pub total: u64,
}

/// `POST /v1/devices/{device}/records` body: envelopes in seq order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRecords {
    /// DSSE envelopes of consecutive records.
    pub envelopes: Vec<Envelope>,
}

/// Successful push answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// Receipt envelope signed by the server key.
    pub receipt: Envelope,
    /// For each receipt entry, its inclusion proof in the tree of the
    /// receipt's checkpoint.
    pub inclusion: Vec<Vec<Digest>>,
    /// Records of this batch whose device clock looks wrong.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<RecordFlag>,
}

/// A record stored but flagged: its device clock looks wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFlag {
    /// Seq.
    pub seq: u64,
    /// `clock_ahead` (created after the server received it) or
    /// `clock_backwards` (created before the device's previous record) or
    /// `invalid_writing` (a 笔录 or 清单 that fails
    /// [`crate::investigation::check`]; kept, and shown to the office).
    pub kind: String,
    /// What was seen.
    pub detail: String,
}

/// `GET /v1/log/inclusion` query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionQuery {
    /// Leaf index.
    pub index: u64,
    /// Tree size.
    pub size: u64,
}

/// `GET /v1/log/inclusion` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// Leaf index.
    pub index: u64,
    /// Tree size.
    pub size: u64,
    /// Audit path (RFC 9162 §2.1.3).
    pub proof: Vec<Digest>,
}

/// `GET /v1/log/consistency` query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyQuery {
    /// Earlier tree size.
    pub from: u64,
    /// Later tree size.
    pub to: u64,
}

/// `GET /v1/log/consistency` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// Earlier tree size.
    pub from: u64,
    /// Later tree size.
    pub to: u64,
    /// Consistency proof (RFC 9162 §2.1.4).
    pub proof: Vec<Digest>,
}

/// Machine-readable error codes. Each has its own HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// 403: the device key is not registered on this server.
    UnknownDevice,
    /// 422: a record's signature does not verify with the registered key.
    BadSignature,
    /// 409: a record has the seq of a held record but different bytes.
    Fork,
    /// 409: the batch does not continue the held chain (a seq is missing).
    ChainGap,
    /// 409: right seq, but its `prev` does not match the held chain.
    ChainBreak,
    /// 400: the request is malformed.
    BadRequest,
    /// 413: the request exceeds an advertised limit.
    TooLarge,
    /// 404: no record of this device names the blob, so it is not accepted.
    UnknownBlob,
    /// 409: the chunk does not start where the held bytes end (`offset` in
    /// the message); continue from there.
    OffsetMismatch,
    /// 422: the uploaded bytes do not have the SHA-256 they were sent as;
    /// the partial upload was discarded.
    BlobMismatch,
    /// 403: the enrolment code is unknown, used or expired.
    EnrolmentRefused,
    /// 403: the device's key was revoked: records it sends from the
    /// revocation on, or made from it on, are refused.
    RevokedDevice,
    /// 401: the request is not signed by the device's key, or the
    /// signature is malformed, expired, replayed or does not verify.
    Unauthenticated,
    /// 429: too many attempts from this address (enrolment); wait the
    /// seconds the message names.
    RateLimited,
    /// 404: no such route.
    NotFound,
    /// 405: the route exists, but not for this method.
    MethodNotAllowed,
    /// 503: the request's records or file were stored, but the receipt
    /// could not be made; send the same request again to receive it.
    ReceiptUnavailable,
    /// 500: the server failed before storing anything of this request.
    Internal,
    /// 408: the request's body did not arrive in time; nothing was stored.
    Timeout,
    /// 409: the request conflicts with what the server holds (named in
    /// the message); nothing was stored.
    Conflict,
    /// 409: the device is already enrolled; it needs no code.
    AlreadyEnrolled,
}

/// Error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// What went wrong, for programs.
    pub error: ErrorCode,
    /// What went wrong and what to do, for people.
    pub message: String,
    /// The seq of the record concerned, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// `POST /v1/enrol` body: a terminal redeems a one-time enrolment code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The code the back office gave (dashes and case ignored).
    pub code: String,
    /// The terminal's public key.
    pub public_key: PublicKey,
}

/// `POST /v1/enrol` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolResponse {
    /// The device certificate, signed by the server key
    /// ([`crate::cert::DeviceCert`]).
    pub certificate: Envelope,
    /// The key that signs certificates, receipts and checkpoints: the
    /// terminal pins it.
    pub server_key: PublicKey,
    /// Origin of the server's transparency log.
    pub log_origin: String,
}

/// `GET /v1/revocations` answer, signed as a whole by the server key
/// (payload type [`REVOCATIONS_PAYLOAD_TYPE`]): every revoked device and
/// the time from which its records are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocations {
    /// (device, revoked from).
    pub devices: Vec<(crate::keys::DeviceId, chrono::DateTime<chrono::Utc>)>,
}

/// DSSE payload type of the signed revocation list.
pub const REVOCATIONS_PAYLOAD_TYPE: &str = "application/vnd.fieldcase.revocations+json;version=1";

/// A message from the back office to a device's officers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Server-assigned id, increasing.
    pub id: u64,
    /// `case_returned` (a case sent back, with the reason), `case_progress`
    /// (a step of the procedure the bureau signed), `task`, or `notice`.
    pub kind: String,
    /// The case concerned, if one (案号).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_no: Option<String>,
    /// What the back office says.
    pub text: String,
    /// When it was written.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The case concerned, by id (a `case_returned` from the review names it:
    /// the terminal reopens that case for a correction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<uuid::Uuid>,
    /// Digest of the signed staff record behind the message (the return),
    /// which the terminal's correction names in `in_reply_to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<crate::hash::Digest>,
}

/// `GET /v1/devices/{device}/messages?after=N` payload, signed by the
/// server key (payload type [`MESSAGES_PAYLOAD_TYPE`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Messages {
    /// The device they are for.
    pub device: crate::keys::DeviceId,
    /// Messages with an id above `after`, oldest first.
    pub messages: Vec<Message>,
}

/// DSSE payload type of a message list.
pub const MESSAGES_PAYLOAD_TYPE: &str = "application/vnd.fieldcase.messages+json;version=1";

/// Message kinds the back office can send.
pub const MESSAGE_KINDS: &[&str] = &["case_returned", "case_progress", "task", "notice"];
