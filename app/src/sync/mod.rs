//! The sync client: pushes unsynced records to the server in batches and
//! keeps each verified, signed receipt. A record counts as synced only when
//! a receipt signed by the pinned server key names its seq and digest.

use std::time::Duration;

use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::PublicKey;
use fieldcase_shared::receipt::Receipt;
use fieldcase_shared::tlog::{self, Checkpoint, LogEntry};
use fieldcase_shared::wire::{
    ApiError, ConsistencyProof, PushRecords, PushResponse, ServerInfo, API_PREFIX,
};

use crate::core::Terminal;
use crate::store::StoreError;

mod auth;
mod jobs;
mod upload;
pub use jobs::{spawn_enrol, spawn_sync, Enrolled};
use upload::upload_blobs;

/// Most records sent in one request, whatever the server allows.
pub const CLIENT_MAX_BATCH: usize = 200;

/// Sync failures, each saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Network or HTTP failure.
    #[error("cannot reach the sync server at {url}: {detail}. Check the address and the network; nothing was lost, sync again later")]
    Unreachable {
        /// Server URL.
        url: String,
        /// Cause.
        detail: String,
    },
    /// The server refused the batch.
    #[error("the server refused the records ({status} {code}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Error code.
        code: String,
        /// Server's message.
        message: String,
    },
    /// The server's key differs from the one pinned at first sync.
    #[error("the sync server's key changed (pinned {pinned}, now {offered}); do not sync until the agency confirms the new key")]
    KeyChanged {
        /// Pinned key.
        pinned: String,
        /// Offered key.
        offered: String,
    },
    /// At enrolment, the server's key is not the one in the QR code.
    #[error("the server's key {offered} is not the key {expected} in the enrolment QR code; this may not be the agency's server: do not enrol, and tell the back office")]
    NotEnrolmentKey {
        /// Key in the QR payload.
        expected: String,
        /// Key the server showed.
        offered: String,
    },
    /// The receipt is not acceptable.
    #[error("the server's receipt is not acceptable: {0}; the records stay unsynced")]
    BadReceipt(String),
    /// The server's transparency log does not extend the one seen before,
    /// or does not contain what the receipt says.
    #[error("the server's tamper-evident log is not consistent with what this terminal saw before: {0}. Sync stopped; report it to the back office; the records stay unsynced")]
    LogInconsistent(String),
    /// The agency CA given for HTTPS is not usable.
    #[error(
        "the agency CA certificate is not usable: {0}; give the PEM file the back office provides"
    )]
    BadCa(String),
    /// Local store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Records were stored and confirmed; a later step of the same sync
    /// failed. Says both, so nobody believes nothing was stored.
    #[error("{records} records were stored on the server and confirmed by its receipts, and {files} evidence files are confirmed; then: {source}")]
    AfterRecords {
        /// Records confirmed in this sync.
        records: usize,
        /// Evidence files confirmed in this sync.
        files: usize,
        /// What failed.
        source: Box<SyncError>,
    },
}

impl SyncError {
    /// The message in Simplified Chinese, for the officers' screen.
    pub fn zh(&self) -> String {
        match self {
            SyncError::Unreachable { url, .. } => format!(
                "无法连接同步服务器（{url}）。请检查网络或服务器地址后再同步，本机记录不会丢失。"
            ),
            SyncError::Refused { code, message, .. } => match code.as_str() {
                "unknown_device" => {
                    "本终端尚未在后台登记。请将签到页底部的设备公钥交后台登记后再同步。".into()
                }
                "fork" => {
                    "服务器发现本机记录链出现分叉，已拒收并留存。请立即联系后台，不要删除本机数据。"
                        .into()
                }
                "bad_signature" => {
                    "服务器验签失败，记录可能被改动。请联系后台，不要删除本机数据。".into()
                }
                "chain_gap" | "chain_break" => {
                    format!("服务器与本机的记录链不连续（{code}）。请联系后台。")
                }
                "internal" => format!(
                    "同步服务器内部出错，本次请求未保存任何内容：{message}。本机记录不会丢失，稍后可重试。"
                ),
                "receipt_unavailable" => {
                    "服务器已保存，但暂时无法出具回执。请稍后再同步以取得回执；本机记录不会丢失。".into()
                }
                "unauthenticated" => format!(
                    "服务器未能验证本终端的签名：{message}。请检查本机时间后重试；如仍失败请联系后台。"
                ),
                "rate_limited" => format!("服务器繁忙：{message}"),
                "timeout" => "网络太慢，服务器未收完本批记录，未保存任何内容。请稍后再同步。".into(),
                "conflict" => format!("服务器拒收：与已保存的内容冲突（{message}）。请联系后台。"),
                "already_enrolled" => "本终端已登记，无需登记码。".into(),
                _ => format!("服务器拒绝了请求（{code}）：{message}"),
            },
            SyncError::KeyChanged { .. } => {
                "同步服务器的密钥与首次同步时不同，为安全起见已停止同步。请联系后台确认。".into()
            }
            SyncError::NotEnrolmentKey { .. } => {
                "服务器的密钥与登记二维码中的不一致，可能不是本单位的服务器。请勿登记，并告知后台。"
                    .into()
            }
            SyncError::BadReceipt(_) => "服务器回执无效，记录仍标为未同步，稍后可重试。".into(),
            SyncError::LogInconsistent(_) => {
                "服务器的防篡改日志与上次同步时不一致，可能被改动。已停止同步，请立即联系后台；本机记录不会丢失。"
                    .into()
            }
            SyncError::BadCa(_) => "后台提供的 CA 证书无法使用，请向后台重新索取。".into(),
            SyncError::Store(e) => format!("本机存储出错：{e}"),
            SyncError::AfterRecords {
                records,
                files,
                source,
            } => format!(
                "已有 {records} 条记录存入服务器并取得回执（证据文件 {files} 个已确认）；随后出错：{}",
                source.zh()
            ),
        }
    }
}

/// What a sync did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// Records sent.
    pub sent: usize,
    /// Records the server stored for the first time.
    pub new: usize,
    /// Records the server already held (acknowledged again).
    pub already_held: usize,
    /// Receipts stored.
    pub receipts: usize,
    /// Evidence files uploaded (completed by this sync).
    pub blobs_uploaded: usize,
    /// Evidence files the server already held (confirmed, not sent again).
    pub blobs_already_held: usize,
    /// Evidence bytes sent.
    pub blob_bytes_sent: u64,
    /// Records the server stored but flagged because this device's clock
    /// looked wrong when they were made.
    pub clock_flags: Vec<fieldcase_shared::wire::RecordFlag>,
    /// New messages from the back office.
    pub messages: usize,
}

/// Progress of a sync, for a bar or the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncProgress {
    /// Records sent so far of those pending at the start.
    Records {
        /// Sent.
        sent: usize,
        /// Pending at the start.
        total: usize,
    },
    /// One evidence file: bytes the server holds of it.
    Blob {
        /// Its case.
        case_no: String,
        /// The file.
        sha256: Digest,
        /// Bytes held by the server.
        done: u64,
        /// Its size.
        size: u64,
    },
}

/// Largest evidence chunk this client sends, whatever the server allows.
pub const CLIENT_MAX_CHUNK: u64 = 8 * 1024 * 1024;

/// Setting holding the agency CA (PEM) the terminal pinned at enrolment.
pub const TLS_CA: &str = "tls_ca";

/// An HTTP client; with `ca_pem`, HTTPS trusts only that CA (the agency's,
/// pinned at enrolment), not the public web's.
fn agent_with(ca_pem: Option<&str>) -> Result<ureq::Agent, SyncError> {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)));
    if let Some(pem) = ca_pem {
        let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(pem.as_bytes())
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<_, _>>()
            .map_err(|e| SyncError::BadCa(e.to_string()))?;
        if certs.is_empty() {
            return Err(SyncError::BadCa("no certificate in it".into()));
        }
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
                .build(),
        );
    }
    Ok(config.build().into())
}

/// The client for `term`: pinned CA if it has one.
fn agent(term: &Terminal) -> Result<ureq::Agent, SyncError> {
    agent_with(term.store.setting(TLS_CA)?.as_deref())
}

fn unreachable(url: &str, e: impl std::fmt::Display) -> SyncError {
    SyncError::Unreachable {
        url: url.to_owned(),
        detail: e.to_string(),
    }
}

/// Setting holding the latest log checkpoint this terminal verified.
pub const LOG_CHECKPOINT: &str = "log_checkpoint";

fn log_error(e: impl std::fmt::Display) -> SyncError {
    SyncError::LogInconsistent(e.to_string())
}

/// Opens a checkpoint note signed by the pinned server key.
fn open_checkpoint(note: &str, origin: &str, key: &PublicKey) -> Result<Checkpoint, SyncError> {
    let text = tlog::open_note(note, origin, key).map_err(log_error)?;
    Checkpoint::parse(text).map_err(log_error)
}

/// Checks that `cp` extends the last checkpoint this terminal verified (a
/// consistency proof from the server), then keeps `note` as the latest.
fn extend_log(
    agent: &ureq::Agent,
    base: &str,
    term: &Terminal,
    cp: &Checkpoint,
    note: &str,
) -> Result<(), SyncError> {
    if let Some(prev_note) = term.store.setting(LOG_CHECKPOINT)? {
        let prev_text = prev_note.split("\n\n").next().unwrap_or_default();
        let prev = Checkpoint::parse(&format!("{prev_text}\n")).map_err(log_error)?;
        if prev.origin != cp.origin || prev.size > cp.size {
            return Err(log_error(format!(
                "saw {} at size {}, now {} at size {}",
                prev.origin, prev.size, cp.origin, cp.size
            )));
        }
        let mut resp = agent
            .get(format!(
                "{base}{API_PREFIX}/log/consistency?from={}&to={}",
                prev.size, cp.size
            ))
            .call()
            .map_err(|e| unreachable(base, e))?;
        if resp.status().as_u16() != 200 {
            return Err(log_error(format!(
                "consistency proof refused ({})",
                resp.status()
            )));
        }
        let p: ConsistencyProof = resp.body_mut().read_json().map_err(log_error)?;
        tlog::verify_consistency(prev.size, cp.size, &p.proof, &prev.root, &cp.root)
            .map_err(log_error)?;
    }
    term.store.set_setting(LOG_CHECKPOINT, note)?;
    Ok(())
}

/// Checks that every record a receipt names is in its checkpoint's tree.
fn check_inclusion(
    receipt: &Receipt,
    push: &PushResponse,
    cp: &Checkpoint,
) -> Result<(), SyncError> {
    if push.inclusion.len() != receipt.records.len() {
        return Err(log_error("the answer lacks inclusion proofs"));
    }
    for (e, proof) in receipt.records.iter().zip(&push.inclusion) {
        let leaf = LogEntry::Record {
            device: receipt.device,
            seq: e.seq,
            digest: e.digest,
        }
        .leaf_hash();
        tlog::verify_inclusion(&leaf, e.log_index, cp.size, proof, &cp.root)
            .map_err(|err| log_error(format!("record seq {}: {err}", e.seq)))?;
    }
    Ok(())
}

/// The server's key, log origin and limits (`GET /v1/info`), and its
/// clock minus ours in seconds (from the `Date` header).
fn server_info(agent: &ureq::Agent, base: &str) -> Result<(ServerInfo, i64), SyncError> {
    let mut resp = agent
        .get(format!("{base}{API_PREFIX}/info"))
        .call()
        .map_err(|e| unreachable(base, e))?;
    if resp.status().as_u16() != 200 {
        return Err(unreachable(
            base,
            format!("GET /v1/info answered {}", resp.status()),
        ));
    }
    let skew = auth::skew_from(&resp);
    let info = resp
        .body_mut()
        .read_json()
        .map_err(|e| unreachable(base, format!("not a fieldcase sync server: {e}")))?;
    Ok((info, skew))
}

/// Pushes every unsynced record to `server` (e.g. `http://127.0.0.1:8470`),
/// then every evidence file the server does not yet hold.
pub fn sync(term: &mut Terminal, server: &str) -> Result<SyncReport, SyncError> {
    sync_with(term, server, &mut |_| {})
}

/// [`sync`] reporting progress.
pub fn sync_with(
    term: &mut Terminal,
    server: &str,
    progress: &mut dyn FnMut(&SyncProgress),
) -> Result<SyncReport, SyncError> {
    let base = server.trim_end_matches('/');
    let agent = agent(term)?;
    let (info, skew) = server_info(&agent, base)?;
    let pinned = pinned_key(term, &info.server_key)?;
    let ctx = Ctx {
        agent: &agent,
        base,
        key: &pinned,
        info: &info,
        signer: auth::Signer {
            key: &term.key,
            skew,
        },
    };
    let mut report = SyncReport::default();
    push_records(&ctx, term, &mut report, progress)?;
    if report.receipts == 0 {
        // Nothing to send: still check the log has only grown.
        let mut resp = agent
            .get(format!("{base}{API_PREFIX}/log/checkpoint"))
            .call()
            .map_err(|e| unreachable(base, e))?;
        let note = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| unreachable(base, e))?;
        let cp = open_checkpoint(&note, &info.log_origin, &pinned)?;
        extend_log(&agent, base, term, &cp, &note)?;
    }
    let rest =
        upload_blobs(&ctx, term, &mut report, progress).and_then(|()| fetch_messages(&ctx, term));
    match rest {
        Ok(n) => report.messages = n,
        Err(e) if report.sent > 0 || report.blobs_uploaded + report.blobs_already_held > 0 => {
            return Err(SyncError::AfterRecords {
                records: report.sent,
                files: report.blobs_uploaded + report.blobs_already_held,
                source: Box::new(e),
            })
        }
        Err(e) => return Err(e),
    }
    term.store
        .set_setting(LAST_SYNC, &chrono::Utc::now().to_rfc3339())?;
    tracing::info!(
        server = base,
        sent = report.sent,
        new = report.new,
        blobs = report.blobs_uploaded,
        messages = report.messages,
        "synced"
    );
    Ok(report)
}

/// The server key pinned on first contact; a different one is refused.
fn pinned_key(term: &Terminal, offered: &PublicKey) -> Result<PublicKey, SyncError> {
    let pinned = match term.store.setting("server_key")? {
        Some(k) => k
            .parse::<PublicKey>()
            .map_err(|e| SyncError::BadReceipt(e.to_string()))?,
        None => {
            term.store.set_setting("server_key", &offered.to_string())?;
            *offered
        }
    };
    if pinned != *offered {
        return Err(SyncError::KeyChanged {
            pinned: pinned.to_string(),
            offered: offered.to_string(),
        });
    }
    Ok(pinned)
}

/// Pushes every unsynced record, a batch at a time, each answered by a
/// receipt that must name every record sent and prove it is in the log.
fn push_records(
    ctx: &Ctx,
    term: &Terminal,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(&SyncProgress),
) -> Result<(), SyncError> {
    let batch = ctx.info.limits.max_batch_records.clamp(1, CLIENT_MAX_BATCH);
    let pending = term.store.unsynced_count()? as usize;
    loop {
        let records = term.store.unsynced(batch)?;
        if records.is_empty() {
            return Ok(());
        }
        push_batch(ctx, term, records, report)?;
        progress(&SyncProgress::Records {
            sent: report.sent,
            total: pending,
        });
    }
}

fn push_batch(
    ctx: &Ctx,
    term: &Terminal,
    records: Vec<crate::store::StoredRecord>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let (base, device) = (ctx.base, term.device_id());
    let url = format!("{base}{API_PREFIX}/devices/{device}/records");
    let sent: Vec<(u64, Digest)> = records.iter().map(|r| (r.seq, r.digest)).collect();
    let body = serde_json::to_vec(&PushRecords {
        envelopes: records.into_iter().map(|r| r.envelope).collect(),
    })
    .map_err(|e| SyncError::BadReceipt(e.to_string()))?;
    let digest = fieldcase_shared::hash::sha256(&body);
    let mut resp = ctx
        .signer
        .send(ctx.agent, "POST", &url, "application/json", &body, &digest)
        .map_err(|e| unreachable(base, e))?;
    let status = resp.status().as_u16();
    if status != 200 {
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        return Err(refused(status, &text));
    }
    let push: PushResponse = resp
        .body_mut()
        .read_json()
        .map_err(|e| SyncError::BadReceipt(e.to_string()))?;
    let receipt =
        Receipt::open(&push.receipt, ctx.key).map_err(|e| SyncError::BadReceipt(e.to_string()))?;
    if receipt.device != device {
        return Err(SyncError::BadReceipt(format!(
            "it is for device {}, not this one",
            receipt.device
        )));
    }
    let named: Vec<(u64, Digest)> = receipt.records.iter().map(|e| (e.seq, e.digest)).collect();
    if let Some((seq, _)) = sent.iter().find(|s| !named.contains(s)) {
        return Err(SyncError::BadReceipt(format!(
            "it does not name record seq {seq}"
        )));
    }
    let cp = open_checkpoint(&receipt.checkpoint, &ctx.info.log_origin, ctx.key)?;
    check_inclusion(&receipt, &push, &cp)?;
    extend_log(ctx.agent, base, term, &cp, &receipt.checkpoint)?;
    term.store.store_receipt(base, &push.receipt, &named)?;
    report.sent += sent.len();
    report.new += receipt.records.iter().filter(|e| e.new).count();
    report.already_held += receipt.records.iter().filter(|e| !e.new).count();
    report.receipts += 1;
    report.clock_flags.extend(push.flags.iter().cloned());
    Ok(())
}

/// Setting: when the last sync finished without error (RFC 3339).
pub const LAST_SYNC: &str = "last_sync_at";

/// Fetches the back office's messages this terminal has not seen; the list
/// must be signed by the pinned server key and addressed to this device.
fn fetch_messages(ctx: &Ctx, term: &Terminal) -> Result<usize, SyncError> {
    use fieldcase_shared::envelope::Envelope;
    use fieldcase_shared::wire::{Messages, MESSAGES_PAYLOAD_TYPE};
    let device = term.device_id();
    let after = term.store.last_message_id()?;
    let url = format!(
        "{}{API_PREFIX}/devices/{device}/messages?after={after}",
        ctx.base
    );
    let mut resp = ctx
        .signer
        .get(ctx.agent, &url)
        .map_err(|e| unreachable(ctx.base, e))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| unreachable(ctx.base, e))?;
    if status != 200 {
        return Err(refused(status, &text));
    }
    let env = Envelope::from_json(text.as_bytes())
        .map_err(|e| SyncError::BadReceipt(format!("messages: {e}")))?;
    if env.payload_type != MESSAGES_PAYLOAD_TYPE {
        return Err(SyncError::BadReceipt("messages: wrong payload type".into()));
    }
    env.verify(ctx.key)
        .map_err(|e| SyncError::BadReceipt(format!("messages: {e}")))?;
    let list: Messages = serde_json::from_slice(&env.payload)
        .map_err(|e| SyncError::BadReceipt(format!("messages: {e}")))?;
    if list.device != device {
        return Err(SyncError::BadReceipt(format!(
            "messages addressed to device {}",
            list.device
        )));
    }
    Ok(term.store.store_messages(&list.messages)?)
}

/// What the evidence upload needs to know about the server.
struct Ctx<'a> {
    agent: &'a ureq::Agent,
    base: &'a str,
    key: &'a PublicKey,
    info: &'a ServerInfo,
    signer: auth::Signer<'a>,
}

fn refused(status: u16, text: &str) -> SyncError {
    match serde_json::from_str::<ApiError>(text) {
        Ok(e) => SyncError::Refused {
            status,
            code: serde_json::to_value(e.error)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            message: e.message,
        },
        Err(_) => SyncError::Refused {
            status,
            code: "unknown".into(),
            message: text.chars().take(300).collect(),
        },
    }
}

/// Setting: the sync server this terminal enrolled with; used when no
/// server is given on the command line or in `FIELDCASE_SERVER`.
pub const SYNC_SERVER: &str = "sync_server";

/// Why an enrolment could not start.
#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    /// The scanned text is not a readable payload.
    #[error(transparent)]
    Payload(#[from] fieldcase_shared::cert::PayloadError),
    /// Neither the payload nor the caller gave a server.
    #[error("no server given: use `fieldcase --server URL enrol CODE`, or scan the QR code, which carries the address")]
    NoServer,
    /// The enrolment itself failed.
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl EnrolError {
    /// The message in Simplified Chinese, for the officers' screen.
    pub fn zh(&self) -> String {
        match self {
            EnrolError::Payload(_) => {
                "二维码内容无法识别。请重新扫描，或手工输入登记码和服务器地址。".into()
            }
            EnrolError::NoServer => "请填写同步服务器地址（扫描二维码可自动带出）。".into(),
            EnrolError::Sync(SyncError::Refused { message, .. }) => {
                format!("后台拒绝登记：{message}。请向后台重新申请登记码。")
            }
            EnrolError::Sync(e) => e.zh(),
        }
    }
}

/// Enrols with what the officer typed or scanned: a bare code (then
/// `server` is needed) or the QR payload, whose address is used unless
/// `server` is given and whose key the server must show. Remembers the
/// server ([`SYNC_SERVER`]).
pub fn enrol_input(
    term: &mut Terminal,
    input: &str,
    server: Option<&str>,
    ca_pem: Option<&str>,
) -> Result<(fieldcase_shared::cert::DeviceCert, String), EnrolError> {
    use fieldcase_shared::cert::EnrolmentPayload;
    let server = server.map(str::trim).filter(|s| !s.is_empty());
    let (code, server, key) = if EnrolmentPayload::is_payload(input) {
        let p = EnrolmentPayload::parse(input)?;
        // A server given explicitly wins over the QR's address (e.g. a
        // different network path); the key does not change with it.
        let server = server
            .map(str::to_owned)
            .or((!p.url.is_empty()).then_some(p.url));
        (p.code, server, Some(p.server_key))
    } else {
        (input.trim().to_owned(), server.map(str::to_owned), None)
    };
    let server = server.ok_or(EnrolError::NoServer)?;
    let cert = enrol(term, &server, &code, ca_pem, key.as_ref())?;
    term.store
        .set_setting(SYNC_SERVER, &server)
        .map_err(SyncError::from)?;
    Ok((cert, server))
}

/// Setting holding this terminal's device certificate (DSSE JSON).
pub const DEVICE_CERT: &str = "device_cert";

/// Redeems a one-time enrolment code at `server`: the server registers this
/// terminal and signs its certificate; the terminal pins the server key.
///
/// With `expected_key` (the server key from the enrolment QR code), the
/// server must show that key before the code is sent, and sign with it.
pub fn enrol(
    term: &mut Terminal,
    server: &str,
    code: &str,
    ca_pem: Option<&str>,
    expected_key: Option<&PublicKey>,
) -> Result<fieldcase_shared::cert::DeviceCert, SyncError> {
    use fieldcase_shared::cert::DeviceCert;
    use fieldcase_shared::wire::{EnrolRequest, EnrolResponse};
    let base = server.trim_end_matches('/');
    let pinned_ca = term.store.setting(TLS_CA)?;
    let ca = ca_pem.map(str::to_owned).or(pinned_ca);
    let agent = agent_with(ca.as_deref())?;
    let not_the_qr_key = |offered: &PublicKey| SyncError::NotEnrolmentKey {
        expected: expected_key.map(ToString::to_string).unwrap_or_default(),
        offered: offered.to_string(),
    };
    if let Some(expected) = expected_key {
        let (info, _) = server_info(&agent, base)?;
        if info.server_key != *expected {
            return Err(not_the_qr_key(&info.server_key));
        }
    }
    let mut resp = agent
        .post(format!("{base}{API_PREFIX}/enrol"))
        .send_json(&EnrolRequest {
            code: code.to_owned(),
            public_key: term.public_key(),
        })
        .map_err(|e| unreachable(base, e))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| unreachable(base, e))?;
    if status != 200 {
        return Err(refused(status, &text));
    }
    let answer: EnrolResponse = serde_json::from_str(&text)
        .map_err(|e| SyncError::BadReceipt(format!("enrolment answer: {e}")))?;
    if expected_key.is_some_and(|k| *k != answer.server_key) {
        return Err(not_the_qr_key(&answer.server_key));
    }
    if let Some(pinned) = term.store.setting("server_key")? {
        if pinned != answer.server_key.to_string() {
            return Err(SyncError::KeyChanged {
                pinned,
                offered: answer.server_key.to_string(),
            });
        }
    }
    let cert = DeviceCert::open(&answer.certificate, &answer.server_key)
        .map_err(|e| SyncError::BadReceipt(format!("device certificate: {e}")))?;
    if cert.public_key != term.public_key() {
        return Err(SyncError::BadReceipt(
            "the certificate is for another key".into(),
        ));
    }
    term.store
        .set_setting("server_key", &answer.server_key.to_string())?;
    if let Some(pem) = ca_pem {
        term.store.set_setting(TLS_CA, pem)?;
    }
    term.store.set_setting(
        DEVICE_CERT,
        &String::from_utf8_lossy(&answer.certificate.to_json()),
    )?;
    Ok(cert)
}
