//! The bureau's random-inspection draws (双随机): each task's signed
//! commitment, its seed (kept until the draw reveals it), the signed
//! draw, and the signer's certificate, as the draw file publishes them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;

/// A task and where its draw stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawRow {
    /// The task.
    pub task_id: Uuid,
    /// Its name.
    pub task: String,
    /// When the seed was committed.
    pub committed_at: DateTime<Utc>,
    /// Who committed (staff login).
    pub by: String,
    /// The signed commitment (DSSE JSON).
    pub commitment: String,
    /// The seed in hex: secret until the draw reveals it.
    pub seed: String,
    /// The signed draw (DSSE JSON; empty until drawn).
    pub draw: String,
    /// The signer's certificate (DSSE JSON).
    pub signer: String,
}

/// The draws' storage.
pub trait DrawStore {
    /// Stores a new task with its commitment.
    fn add_draw(&self, row: &DrawRow) -> Result<(), StoreError>;
    /// Records the signed draw of a task not drawn yet; `false` when the
    /// task is unknown or already drawn.
    fn set_draw(&self, task_id: &Uuid, draw: &str, signer: &str) -> Result<bool, StoreError>;
    /// The newest `limit` tasks.
    fn draws(&self, limit: u32) -> Result<Vec<DrawRow>, StoreError>;
    /// One task.
    fn draw_row(&self, task_id: &Uuid) -> Result<Option<DrawRow>, StoreError>;
}

/// A stored row back.
pub(super) fn row_of(text: [String; 8]) -> Result<DrawRow, StoreError> {
    let [task_id, task, committed_at, by, commitment, seed, draw, signer] = text;
    let bad = |e: String| StoreError::Other(e.into());
    Ok(DrawRow {
        task_id: task_id
            .parse()
            .map_err(|e| bad(format!("task id {task_id}: {e}")))?,
        task,
        committed_at: committed_at
            .parse()
            .map_err(|e| bad(format!("committed at {committed_at}: {e}")))?,
        by,
        commitment,
        seed,
        draw,
        signer,
    })
}

/// The row's columns as stored.
pub(super) fn columns(r: &DrawRow) -> [String; 8] {
    [
        r.task_id.to_string(),
        r.task.clone(),
        r.committed_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        r.by.clone(),
        r.commitment.clone(),
        r.seed.clone(),
        r.draw.clone(),
        r.signer.clone(),
    ]
}
