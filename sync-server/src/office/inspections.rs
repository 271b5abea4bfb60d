//! 双随机 at the bureau: a head commits a task's seed (a fresh random 32
//! bytes, its SHA-256 signed as a commitment with the head's own key and
//! logged in the transparency log through the audit event), then, once
//! the lists of firms and inspectors are final, draws: the seed is
//! revealed in the signed draw with the lists, the public value and the
//! result (`fieldcase_shared::draw`). The draw file anyone re-runs with
//! `fieldcase-verify draw` holds both signed records and the head's
//! certificate.

use chrono::{DateTime, Utc};
use fieldcase_shared::draw::{
    self, commit, run, sorted_firms, sorted_inspectors, Commitment, Draw, DrawFile, Firm,
    Inspector, COMMITMENT_TYPE, DRAW_FILE_FORMAT, DRAW_TYPE, MAX_LIST,
};
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::keys::DeviceKey;
use rand_core::{OsRng, RngCore};
use uuid::Uuid;

use crate::store::draw::DrawRow;
use crate::store::office::{AuditAction, StaffUser};
use crate::store::{Store, StoreError};

/// Longest task name or public value.
const MAX_TEXT: usize = 200;

/// Why a task was not committed or drawn.
#[derive(Debug, thiserror::Error)]
pub enum InspectionError {
    /// What was typed.
    #[error("{0}")]
    Input(String),
    /// The lists or counts.
    #[error(transparent)]
    Draw(#[from] draw::DrawError),
    /// No such task, or drawn already.
    #[error("没有该抽查任务，或已经抽取 / no such task, or it was drawn already")]
    NotOpen,
    /// The staff member has no certified key yet.
    #[error("签名密钥尚未签发证书 / the signing key has no certificate yet")]
    NoCertificate,
    /// Storage.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn signed<T: serde::Serialize>(key: &DeviceKey, kind: &str, body: &T) -> String {
    let id = key.public().device_id().to_string();
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    String::from_utf8(Envelope::sign(key, &id, kind, bytes).to_json()).unwrap_or_default()
}

fn text(what: &str, v: &str) -> Result<String, InspectionError> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > MAX_TEXT || v.chars().any(char::is_control) {
        return Err(InspectionError::Input(format!(
            "“{what}”应为 1–{MAX_TEXT} 个字符的一行文字 / “{what}” is one line of 1–{MAX_TEXT} characters"
        )));
    }
    Ok(v.to_owned())
}

/// Commits a new task's seed; returns the task.
pub fn commit_task(
    store: &dyn Store,
    key: &DeviceKey,
    user: &StaffUser,
    task: &str,
    addr: &str,
    now: DateTime<Utc>,
) -> Result<DrawRow, InspectionError> {
    let task = text("任务名称", task)?;
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    let c = Commitment {
        v: 1,
        task_id: Uuid::now_v7(),
        task,
        commitment: commit(&seed),
        committed_at: now,
        by: user.name.clone(),
    };
    let row = DrawRow {
        task_id: c.task_id,
        task: c.task.clone(),
        committed_at: now,
        by: user.name.clone(),
        commitment: signed(key, COMMITMENT_TYPE, &c),
        seed: hex::encode(seed),
        draw: String::new(),
        signer: String::new(),
    };
    store.add_draw(&row)?;
    super::accounts::audit(
        store,
        now,
        &user.name,
        AuditAction::DrawCommitted,
        &format!("{} {}", c.task_id, c.commitment.to_hex()),
        addr,
    )?;
    Ok(row)
}

/// One list entry per line: the code, then the name after a comma, a
/// full-width comma, a tab or spaces. Blank lines are skipped; a repeated
/// code is refused with its line.
fn lines(what: &str, text: &str) -> Result<Vec<(String, String)>, InspectionError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (code, name) = line
            .split_once([',', '，', '\t', ' '])
            .map(|(c, n)| (c.trim(), n.trim()))
            .unwrap_or((line, ""));
        if code.chars().count() > 64 || name.chars().count() > MAX_TEXT {
            return Err(InspectionError::Input(format!(
                "{what}第 {} 行过长 / {what} line {} is too long",
                n + 1,
                n + 1
            )));
        }
        if !seen.insert(code.to_owned()) {
            return Err(InspectionError::Input(format!(
                "{what}第 {} 行的代码 {code} 重复 / {what} line {}: code {code} repeats",
                n + 1,
                n + 1
            )));
        }
        out.push((code.to_owned(), name.to_owned()));
        if out.len() > MAX_LIST {
            return Err(InspectionError::Input(format!(
                "{what}超过 {MAX_LIST} 行 / more than {MAX_LIST} lines"
            )));
        }
    }
    Ok(out)
}

/// What a draw is made from.
#[derive(Debug, Clone)]
pub struct DrawInput {
    /// Firms, one per line (`code,name`).
    pub firms: String,
    /// Inspectors, one per line (`执法证号,name`).
    pub inspectors: String,
    /// How many firms.
    pub firm_count: u32,
    /// The public value mixed in (may be empty).
    pub public: String,
}

/// Draws the task: the seed revealed with the final lists and the result,
/// signed with `key`.
pub fn draw_task(
    store: &dyn Store,
    key: &DeviceKey,
    user: &StaffUser,
    task_id: &Uuid,
    input: &DrawInput,
    addr: &str,
    now: DateTime<Utc>,
) -> Result<Draw, InspectionError> {
    let row = store.draw_row(task_id)?.ok_or(InspectionError::NotOpen)?;
    if !row.draw.is_empty() {
        return Err(InspectionError::NotOpen);
    }
    let signer =
        super::staffkeys::certificate(store, &user.name)?.ok_or(InspectionError::NoCertificate)?;
    let firms = sorted_firms(
        lines("企业名单", &input.firms)?
            .into_iter()
            .map(|(code, name)| Firm { code, name })
            .collect(),
    );
    let inspectors = sorted_inspectors(
        lines("执法人员名单", &input.inspectors)?
            .into_iter()
            .map(|(cert_no, name)| Inspector { cert_no, name })
            .collect(),
    );
    let public = if input.public.trim().is_empty() {
        String::new()
    } else {
        text("公开随机数来源", &input.public)?
    };
    let seed = draw::seed_bytes(&row.seed)?;
    let picks = run(&seed, &public, &firms, &inspectors, input.firm_count, 2)?;
    let d = Draw {
        v: 1,
        task_id: row.task_id,
        task: row.task.clone(),
        commitment: commit(&seed),
        seed: row.seed.clone(),
        public,
        firms,
        inspectors,
        firm_count: input.firm_count,
        per_firm: 2,
        picks,
        drawn_at: now,
        by: user.name.clone(),
    };
    let signer = String::from_utf8(signer.to_json()).unwrap_or_default();
    if !store.set_draw(task_id, &signed(key, DRAW_TYPE, &d), &signer)? {
        return Err(InspectionError::NotOpen);
    }
    super::accounts::audit(
        store,
        now,
        &user.name,
        AuditAction::DrawMade,
        &task_id.to_string(),
        addr,
    )?;
    Ok(d)
}

/// The published draw file of a drawn task.
pub fn file(row: &DrawRow) -> Option<DrawFile> {
    if row.draw.is_empty() {
        return None;
    }
    Some(DrawFile {
        format: DRAW_FILE_FORMAT.into(),
        commitment: Envelope::from_json(row.commitment.as_bytes()).ok()?,
        draw: Envelope::from_json(row.draw.as_bytes()).ok()?,
        signer: Envelope::from_json(row.signer.as_bytes()).ok()?,
    })
}

/// The signed draw of a row, read back.
pub fn drawn(row: &DrawRow) -> Option<Draw> {
    let env = Envelope::from_json(row.draw.as_bytes()).ok()?;
    serde_json::from_slice(&env.payload).ok()
}
