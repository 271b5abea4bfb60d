//! 双随机 random inspections: a draw of firms from a list and of
//! inspectors for each firm that anyone can re-run.
//!
//! The bureau commits to a secret seed before the lists are final (a
//! signed [`Commitment`] carrying the seed's SHA-256); the signed
//! [`Draw`] then reveals the seed with the final lists, optionally mixed
//! with a value published after the lists were fixed (a lottery result,
//! as RFC 3797 does), and the result. The result is a documented
//! deterministic function of the seed, the public value and the sorted
//! lists ([`run`], `docs/inspections.md`); [`verify`] checks the
//! signatures, the commitment and the result.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::hash::Digest;

mod verify;
pub use verify::{verify, DrawFile, DrawReport, DRAW_FILE_FORMAT};

#[cfg(test)]
mod tests;

/// DSSE payload type of a commitment.
pub const COMMITMENT_TYPE: &str = "application/vnd.fieldcase.draw-commitment+json;version=1";
/// DSSE payload type of a draw.
pub const DRAW_TYPE: &str = "application/vnd.fieldcase.draw+json;version=1";
/// The domain separator the key derivation starts with.
pub const DOMAIN: &[u8] = b"fieldcase-draw/1";

/// Most firms or inspectors on a list.
pub const MAX_LIST: usize = 100_000;

/// A firm that may be inspected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Firm {
    /// 统一社会信用代码 (or another code unique on the list).
    pub code: String,
    /// Its name.
    pub name: String,
}

/// An inspector who may be drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inspector {
    /// 执法证号.
    pub cert_no: String,
    /// Name.
    pub name: String,
}

/// The seed committed to before the lists are final.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    /// Format version (1).
    pub v: u32,
    /// The inspection task.
    pub task_id: Uuid,
    /// Its name (e.g. 2027年第一季度道路货运企业双随机抽查).
    pub task: String,
    /// SHA-256 of the 32 seed bytes.
    pub commitment: Digest,
    /// When committed.
    pub committed_at: DateTime<Utc>,
    /// Who committed (staff login).
    pub by: String,
}

/// One firm drawn and its inspectors, in draw order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pick {
    /// The firm's code.
    pub firm: String,
    /// The inspectors' 执法证号, in draw order.
    pub inspectors: Vec<String>,
}

/// The draw: the seed revealed, the final lists, and the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draw {
    /// Format version (1).
    pub v: u32,
    /// The task.
    pub task_id: Uuid,
    /// Its name.
    pub task: String,
    /// The commitment this draw reveals.
    pub commitment: Digest,
    /// The seed, 64 lower-case hex digits.
    pub seed: String,
    /// A value published after the lists were final (may be empty), and
    /// where it was published.
    pub public: String,
    /// The firms, sorted by code.
    pub firms: Vec<Firm>,
    /// The inspectors, sorted by 执法证号.
    pub inspectors: Vec<Inspector>,
    /// How many firms are drawn.
    pub firm_count: u32,
    /// How many inspectors each firm gets.
    pub per_firm: u32,
    /// The result.
    pub picks: Vec<Pick>,
    /// When drawn.
    pub drawn_at: DateTime<Utc>,
    /// Who drew (staff login).
    pub by: String,
}

/// Why lists cannot be drawn from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    /// A list is empty, too long, unsorted or repeats a code.
    #[error("{0}")]
    List(String),
    /// More drawn than listed.
    #[error("{0}")]
    Count(String),
    /// The seed is not 64 hex digits.
    #[error("the seed is not 64 hex digits")]
    Seed,
}

/// The seed's bytes from its hex text.
pub fn seed_bytes(seed: &str) -> Result<[u8; 32], DrawError> {
    let v = hex::decode(seed).map_err(|_| DrawError::Seed)?;
    if seed.len() != 64 || seed.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(DrawError::Seed);
    }
    v.try_into().map_err(|_| DrawError::Seed)
}

/// SHA-256 of the seed's bytes: the commitment.
pub fn commit(seed: &[u8; 32]) -> Digest {
    crate::hash::sha256(seed)
}

/// The deterministic stream of 64-bit numbers a draw takes: block `i` is
/// SHA-256(key ‖ i as 8 bytes big-endian) for i = 0, 1, …, read as four
/// big-endian u64s, where key = SHA-256("fieldcase-draw/1" ‖ 0x00 ‖
/// seed ‖ 0x00 ‖ public as UTF-8).
struct Stream {
    key: [u8; 32],
    block: u64,
    buf: Vec<u64>,
}

impl Stream {
    fn new(seed: &[u8; 32], public: &str) -> Stream {
        let mut h = Sha256::new();
        h.update(DOMAIN);
        h.update([0]);
        h.update(seed);
        h.update([0]);
        h.update(public.as_bytes());
        Stream {
            key: h.finalize().into(),
            block: 0,
            buf: Vec::new(),
        }
    }

    fn next(&mut self) -> u64 {
        if self.buf.is_empty() {
            let mut h = Sha256::new();
            h.update(self.key);
            h.update(self.block.to_be_bytes());
            self.block += 1;
            let b: [u8; 32] = h.finalize().into();
            // Popped from the end: store the four in reverse.
            self.buf = b
                .chunks_exact(8)
                .rev()
                .map(|c| u64::from_be_bytes(c.try_into().expect("8 bytes")))
                .collect();
        }
        self.buf.pop().expect("refilled")
    }

    /// A uniform number below `n` (> 0): numbers at or above the largest
    /// multiple of `n` that fits are rejected and the next one taken.
    fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next();
            if x < zone {
                return x % n;
            }
        }
    }
}

/// The first `k` of `0..n` in the order a Fisher–Yates shuffle from the
/// front puts them: for j = 0..k, swap j with j + below(n − j).
fn shuffle_prefix(s: &mut Stream, n: usize, k: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    for j in 0..k {
        let r = j + s.below((n - j) as u64) as usize;
        v.swap(j, r);
    }
    v.truncate(k);
    v
}

fn check_list<'a>(what: &str, codes: impl Iterator<Item = &'a str>) -> Result<usize, DrawError> {
    let codes: Vec<&str> = codes.collect();
    if codes.is_empty() || codes.len() > MAX_LIST {
        return Err(DrawError::List(format!(
            "the {what} list has {} entries (1–{MAX_LIST})",
            codes.len()
        )));
    }
    for w in codes.windows(2) {
        if w[0] >= w[1] {
            return Err(DrawError::List(format!(
                "the {what} list is not sorted by code without repeats: {:?} then {:?}",
                w[0], w[1]
            )));
        }
    }
    if let Some(c) = codes
        .iter()
        .find(|c| c.trim().is_empty() || c.trim() != **c)
    {
        return Err(DrawError::List(format!(
            "the {what} list has a blank or padded code {c:?}"
        )));
    }
    Ok(codes.len())
}

/// Sorts a list by code and refuses repeats (what the bureau does to its
/// lists before drawing).
pub fn sorted_firms(mut v: Vec<Firm>) -> Vec<Firm> {
    v.sort_by(|a, b| a.code.cmp(&b.code));
    v
}

/// Sorts the inspectors by 执法证号.
pub fn sorted_inspectors(mut v: Vec<Inspector>) -> Vec<Inspector> {
    v.sort_by(|a, b| a.cert_no.cmp(&b.cert_no));
    v
}

/// The draw: `firm_count` firms by a shuffle of the sorted firm list,
/// then for each drawn firm, in that order, `per_firm` inspectors by a
/// fresh shuffle of the sorted inspector list — one stream for all.
pub fn run(
    seed: &[u8; 32],
    public: &str,
    firms: &[Firm],
    inspectors: &[Inspector],
    firm_count: u32,
    per_firm: u32,
) -> Result<Vec<Pick>, DrawError> {
    let nf = check_list("firm", firms.iter().map(|f| f.code.as_str()))?;
    let ni = check_list("inspector", inspectors.iter().map(|i| i.cert_no.as_str()))?;
    let (k, p) = (firm_count as usize, per_firm as usize);
    if k == 0 || k > nf {
        return Err(DrawError::Count(format!(
            "{k} firms drawn from a list of {nf} (1–{nf})"
        )));
    }
    if p < 2 || p > ni {
        return Err(DrawError::Count(format!(
            "{p} inspectors per firm from a list of {ni} (at least two, 行政处罚法第四十二条; at most the list)"
        )));
    }
    let mut s = Stream::new(seed, public);
    let chosen = shuffle_prefix(&mut s, nf, k);
    Ok(chosen
        .into_iter()
        .map(|f| Pick {
            firm: firms[f].code.clone(),
            inspectors: shuffle_prefix(&mut s, ni, p)
                .into_iter()
                .map(|i| inspectors[i].cert_no.clone())
                .collect(),
        })
        .collect())
}
