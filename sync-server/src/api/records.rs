//! `POST /v1/devices/{device}/records`: a device's signed batch, read
//! within its limits, every record verified, revocation judged by the
//! server's clock, then ingested in one transaction with a signed receipt
//! (docs/sync.md, "Pushing records").

use axum::extract::State;
use axum::Json;
use chrono::Utc;
use fieldcase_shared::envelope::{Envelope, EnvelopeError};
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::record::{self, RecordError};
use fieldcase_shared::wire::{ErrorCode, PushRecords, PushResponse};
use tracing::instrument;

use crate::api::{
    blocking, AppState, Failure, BODY_READ_TIMEOUT, MAX_BATCH_RECORDS, MAX_BODY_BYTES,
};
use crate::store::{IngestError, StoreError};

/// A record batch's body: refused from its `Content-Length` when over the
/// limit, read within [`BODY_READ_TIMEOUT`], holding one of the device's
/// places for body-carrying requests (kept as long as the request runs).
async fn read_batch(
    state: &AppState,
    device: DeviceId,
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<(crate::busy::Slot, axum::body::Bytes), Failure> {
    let too_large = || {
        Failure::new(
            ErrorCode::TooLarge,
            format!("request body is over {MAX_BODY_BYTES} bytes; send fewer records per batch"),
        )
    };
    // Refused from the header, before a byte of the body is read.
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let slot = state.busy.enter(device)?;
    let read = axum::body::to_bytes(body, MAX_BODY_BYTES);
    let body = match tokio::time::timeout(BODY_READ_TIMEOUT, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => {
            let limit = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            return Err(if limit {
                too_large()
            } else {
                Failure::new(ErrorCode::BadRequest,
                    format!("the body could not be read ({e}); nothing was stored, send the batch again"),
                )
            });
        }
        Err(_) => {
            return Err(Failure::new(ErrorCode::Timeout,
                format!("the body did not arrive within {BODY_READ_TIMEOUT:?}; nothing was stored, send the batch again"),
            ))
        }
    };
    Ok((slot, body))
}

/// A revoked key's records are refused and flagged, judged by the
/// server's clock (docs/sync.md, "Enrolment and revocation").
async fn refuse_if_revoked(
    state: &AppState,
    device: DeviceId,
    verified: &[record::VerifiedRecord],
) -> Result<(), Failure> {
    // A revoked key's records made after the revocation are refused and flagged.
    let st = state.clone();
    let revoked = blocking(move || crate::store::revoked_at(st.store.as_ref(), &device))
        .await?
        .map_err(Failure::internal)?;
    // Judged by the server's clock: after the revocation nothing is
    // accepted, whatever `created_at` says (a thief can back-date it);
    // before it, records dated after it are refused too.
    if let Some(at) = revoked {
        let arrived_late = Utc::now() >= at;
        let late: Vec<u64> = verified
            .iter()
            .filter(|v| arrived_late || v.header.created_at.with_timezone(&Utc) >= at)
            .map(|v| v.header.seq)
            .collect();
        if let Some(first) = late.first().copied() {
            let st = state.clone();
            let flags: Vec<_> = late
                .iter()
                .map(|seq| fieldcase_shared::wire::RecordFlag {
                    seq: *seq,
                    kind: "revoked_key".into(),
                    detail: if arrived_late {
                        format!(
                            "sent by device {device} after its revocation at {} (the record says it was made {})",
                            at.to_rfc3339(),
                            verified.iter().find(|v| v.header.seq == *seq).map(|v| v.header.created_at.to_rfc3339()).unwrap_or_default()
                        )
                    } else {
                        format!(
                            "signed by device {device} after its revocation at {}",
                            at.to_rfc3339()
                        )
                    },
                })
                .collect();
            blocking(move || {
                for f in &flags {
                    st.store.add_flag(&device, f, Utc::now())?;
                }
                Ok::<_, StoreError>(())
            })
            .await?
            .map_err(Failure::internal)?;
            tracing::warn!(%device, seq = first, "records signed after revocation refused");
            return Err(Failure::new(ErrorCode::RevokedDevice,
                format!("device {device} was revoked at {}; records it sends from then on, or made from then on, are refused. Contact the back office", at.to_rfc3339()),
            )
            .at(first));
        }
    }
    Ok(())
}

#[instrument(skip_all, fields(device = %auth.device))]
pub(crate) async fn push_records(
    State(state): State<AppState>,
    auth: crate::auth::DeviceAuth,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Json<PushResponse>, Failure> {
    let device = auth.device;
    let (_slot, body) = read_batch(&state, device, &headers, body).await?;
    auth.check_body(&body)?;
    let push = parse_batch(&body)?;
    // Verify every signature before the store sees anything, on every
    // core: strict single verification, so acceptance is exactly that of
    // `verify_strict`.
    let key = auth.key;
    let verified = blocking(move || verify_all(push.envelopes, &key)).await??;
    refuse_if_revoked(&state, device, &verified).await?;
    check_consecutive(&verified)?;
    let st = state.clone();
    let (ingested, receipt, inclusion) = blocking(move || {
        let stored = store_batch(&st, device, &verified)?;
        refresh_deadlines(&st, &verified);
        Ok::<_, Failure>(stored)
    })
    .await??;
    tracing::info!(
        records = ingested.entries.len(),
        new = ingested.entries.iter().filter(|e| e.new).count(),
        head = ingested.head.seq,
        "batch stored"
    );
    Ok(Json(PushResponse {
        receipt,
        inclusion,
        flags: ingested.flags,
    }))
}

/// Counts again the running deadlines of the cases the batch's records
/// belong to (the deadlines page reads them). The records are stored
/// already: a failure here is logged, and the next change of the case or
/// `fieldcase-server deadlines refresh` counts them again.
fn refresh_deadlines(st: &AppState, verified: &[record::VerifiedRecord]) {
    let cases: std::collections::BTreeSet<uuid::Uuid> = verified
        .iter()
        .filter_map(|v| {
            serde_json::from_slice::<fieldcase_shared::record::RecordPayload>(&v.envelope.payload)
                .ok()
        })
        .map(|p| p.body.case_id())
        .collect();
    for case in cases {
        if let Err(e) = crate::office::deadlines::refresh(&*st.store, &case, st.region) {
            tracing::warn!(%case, error = %e, "deadlines not counted again");
        }
    }
}

/// The batch in the body, within the limits.
fn parse_batch(body: &[u8]) -> Result<PushRecords, Failure> {
    let push: PushRecords = serde_json::from_slice(body).map_err(|e| {
        Failure::new(ErrorCode::BadRequest,
            format!("body is not a record batch (JSON {{\"envelopes\": [DSSE envelopes]}}): {e}; nothing was stored, send the batch again whole"),
        )
    })?;
    if push.envelopes.is_empty() {
        return Err(Failure::new(
            ErrorCode::BadRequest,
            "the batch holds no records",
        ));
    }
    if push.envelopes.len() > MAX_BATCH_RECORDS {
        return Err(Failure::new(
            ErrorCode::TooLarge,
            format!(
                "{} records in one batch; at most {MAX_BATCH_RECORDS} are accepted",
                push.envelopes.len()
            ),
        ));
    }
    Ok(push)
}

fn check_consecutive(verified: &[record::VerifiedRecord]) -> Result<(), Failure> {
    for pair in verified.windows(2) {
        if pair[1].header.seq != pair[0].header.seq + 1 {
            return Err(Failure::new(
                ErrorCode::BadRequest,
                format!(
                    "records must be consecutive in seq order; seq {} follows seq {}",
                    pair[1].header.seq, pair[0].header.seq
                ),
            )
            .at(pair[1].header.seq));
        }
    }
    Ok(())
}

/// Stores a verified batch and makes its receipt and inclusion proofs,
/// holding the log's tree so that leaves enter it in log order.
fn store_batch(
    st: &AppState,
    device: DeviceId,
    verified: &[record::VerifiedRecord],
) -> Result<
    (
        crate::store::Ingested,
        Envelope,
        Vec<Vec<fieldcase_shared::hash::Digest>>,
    ),
    Failure,
> {
    let received_at = Utc::now();
    let mut tree = st.lock_log()?;
    let ingested = st
        .store
        .ingest(&device, verified, received_at)
        .map_err(ingest_failure)?;
    // Committed: from here on an error must not say nothing was stored.
    let stored = |e: String| {
        Failure::after_commit(
            &format!("the records through seq {} were", ingested.head.seq),
            e,
        )
    };
    let from = tree.size();
    let fetched =
        super::state::catch_up(&*st.store, &mut tree).map_err(|e| stored(e.to_string()))?;
    super::state::placed(from, &fetched, ingested.log_start, &ingested.leaves).map_err(stored)?;
    let size = tree.size();
    let proofs = ingested
        .entries
        .iter()
        .map(|e| tree.inclusion_proof(e.log_index, size))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| stored(e.to_string()))?;
    let receipt = st
        .sign_receipt(
            &tree,
            device,
            received_at,
            ingested.entries.clone(),
            Vec::new(),
            ingested.head,
        )
        .map_err(|e| stored(format!("{e:?}")))?;
    Ok((ingested, receipt, proofs))
}

/// The answer to a batch the store refused.
fn ingest_failure(e: IngestError) -> Failure {
    match e {
        IngestError::Fork { seq, .. } => {
            tracing::warn!(seq, "fork refused and kept");
            Failure::new(ErrorCode::Fork, e.to_string()).at(seq)
        }
        IngestError::Gap { found, .. } => {
            Failure::new(ErrorCode::ChainGap, e.to_string()).at(found)
        }
        IngestError::ChainBreak { seq } => {
            Failure::new(ErrorCode::ChainBreak, e.to_string()).at(seq)
        }
        IngestError::Store(StoreError::Conflict(m)) => Failure::new(ErrorCode::Conflict, m),
        IngestError::Store(e) => Failure::internal(e),
    }
}

/// Opens every envelope with `key` (strict Ed25519), spread over the
/// machine's cores; the first failure in seq order is the answer.
fn verify_all(
    envelopes: Vec<Envelope>,
    key: &fieldcase_shared::keys::PublicKey,
) -> Result<Vec<record::VerifiedRecord>, Failure> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = envelopes.len().div_ceil(threads).max(32);
    let mut chunks: Vec<Vec<Envelope>> = Vec::new();
    let mut it = envelopes.into_iter().peekable();
    while it.peek().is_some() {
        chunks.push(it.by_ref().take(per).collect());
    }
    let results: Vec<Result<Vec<record::VerifiedRecord>, Failure>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| s.spawn(move || open_chunk(chunk, key)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Failure::internal("verifier thread failed")))
            })
            .collect()
    });
    let mut out = Vec::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

fn open_chunk(
    envelopes: Vec<Envelope>,
    key: &fieldcase_shared::keys::PublicKey,
) -> Result<Vec<record::VerifiedRecord>, Failure> {
    let mut out = Vec::with_capacity(envelopes.len());
    for env in envelopes {
        let seq = record::parse_header(&env.payload).map(|h| h.seq).ok();
        match record::open(env, key) {
            Ok(v) => out.push(v),
            Err(e) => {
                let f = match &e {
                    RecordError::Envelope(EnvelopeError::BadSignature(_)) => Failure::new(ErrorCode::BadSignature,
                        format!("signature does not verify with the registered key of device {}; the record was altered or signed by another key", key.device_id()),
                    ),
                    RecordError::WrongDevice { .. } => Failure::new(ErrorCode::BadSignature,
                        e.to_string(),
                    ),
                    _ => Failure::new(ErrorCode::BadRequest, e.to_string()),
                };
                return Err(match seq {
                    Some(s) => f.at(s),
                    None => f,
                });
            }
        }
    }
    Ok(out)
}
