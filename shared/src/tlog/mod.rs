//! The server's transparency log: an RFC 6962 / RFC 9162 Merkle tree over
//! everything it ingests, checkpoints in the C2SP `tlog-checkpoint` form
//! signed as a C2SP `signed-note`, and inclusion and consistency proofs
//! that anyone can check with this module alone. See `docs/sync.md`.
//!
//! - leaf hash = SHA-256(0x00 ‖ entry), node hash = SHA-256(0x01 ‖ left ‖ right);
//! - entry = `fieldcase-record\0` ‖ device (16) ‖ seq (u64 BE) ‖ record digest (32),
//!   or `fieldcase-blob\0` ‖ SHA-256 (32) ‖ size (u64 BE);
//! - checkpoint text = `<origin>\n<size>\n<base64 root>\n`; signature line
//!   `— <name> <base64(key hash (4) ‖ Ed25519 signature (64))>`, key hash =
//!   first 4 bytes of SHA-256(name ‖ `\n` ‖ 0x01 ‖ public key).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest as _, Sha256};

use crate::hash::Digest;
use crate::keys::{DeviceId, DeviceKey, PublicKey};

/// Why a proof, checkpoint or note is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// A size or index outside the tree.
    #[error("{0}")]
    OutOfRange(String),
    /// The proof does not lead to the root.
    #[error("the proof does not match the tree root")]
    BadProof,
    /// Malformed checkpoint or note text.
    #[error("malformed: {0}")]
    Malformed(String),
    /// No signature by the expected key, or it does not verify.
    #[error("no valid signature by {0}")]
    BadSignature(String),
}

/// One thing the log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogEntry {
    /// A signed record the server accepted.
    Record {
        /// Device.
        device: DeviceId,
        /// Seq.
        seq: u64,
        /// Record digest.
        digest: Digest,
    },
    /// An evidence blob the server stored.
    Blob {
        /// SHA-256 of its bytes.
        sha256: Digest,
        /// Size.
        size: u64,
    },
    /// A back-office audit event (who saw or did what, `docs/office.md`).
    Audit {
        /// Its id in the audit log.
        id: u64,
        /// SHA-256 of its canonical form.
        digest: Digest,
    },
}

impl LogEntry {
    /// The entry bytes hashed into the leaf.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(80);
        match self {
            LogEntry::Record {
                device,
                seq,
                digest,
            } => {
                out.extend_from_slice(b"fieldcase-record\0");
                out.extend_from_slice(&device.0);
                out.extend_from_slice(&seq.to_be_bytes());
                out.extend_from_slice(digest.as_bytes());
            }
            LogEntry::Blob { sha256, size } => {
                out.extend_from_slice(b"fieldcase-blob\0");
                out.extend_from_slice(sha256.as_bytes());
                out.extend_from_slice(&size.to_be_bytes());
            }
            LogEntry::Audit { id, digest } => {
                out.extend_from_slice(b"fieldcase-audit\0");
                out.extend_from_slice(&id.to_be_bytes());
                out.extend_from_slice(digest.as_bytes());
            }
        }
        out
    }

    /// Its leaf hash.
    pub fn leaf_hash(&self) -> Digest {
        leaf_hash(&self.bytes())
    }
}

/// RFC 6962 leaf hash.
pub fn leaf_hash(data: &[u8]) -> Digest {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    Digest(h.finalize().into())
}

/// RFC 6962 interior node hash.
pub fn node_hash(left: &Digest, right: &Digest) -> Digest {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left.as_bytes());
    h.update(right.as_bytes());
    Digest(h.finalize().into())
}

/// Root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Digest {
    Digest(Sha256::digest([]).into())
}

/// Largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// An append-only Merkle tree kept as the hashes of its perfect subtrees:
/// `levels[h][i]` covers leaves `[i·2^h, (i+1)·2^h)`. Roots and proofs for
/// any earlier size take O(log² n) hashes.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    levels: Vec<Vec<Digest>>,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Tree {
            levels: vec![Vec::new()],
        }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash; returns its index.
    pub fn push(&mut self, leaf: Digest) -> u64 {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let index = self.levels[0].len() as u64 - 1;
        let mut h = 0;
        while self.levels[h].len() % 2 == 0 {
            let n = self.levels[h].len();
            let node = node_hash(&self.levels[h][n - 2], &self.levels[h][n - 1]);
            if self.levels.len() == h + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[h + 1].push(node);
            h += 1;
        }
        index
    }

    /// MTH of leaves `[start, start + len)`, len ≥ 1, inside the tree.
    fn subtree(&self, start: u64, len: u64) -> Digest {
        if len.is_power_of_two() && start % len == 0 {
            let h = len.trailing_zeros() as usize;
            return self.levels[h][(start / len) as usize];
        }
        let k = split(len);
        node_hash(&self.subtree(start, k), &self.subtree(start + k, len - k))
    }

    fn check_size(&self, n: u64) -> Result<(), LogError> {
        if n > self.size() {
            return Err(LogError::OutOfRange(format!(
                "tree size {n} is larger than the log ({})",
                self.size()
            )));
        }
        Ok(())
    }

    /// Root hash of the tree's first `n` leaves.
    pub fn root(&self, n: u64) -> Result<Digest, LogError> {
        self.check_size(n)?;
        Ok(if n == 0 {
            empty_root()
        } else {
            self.subtree(0, n)
        })
    }

    /// Inclusion proof (audit path) of leaf `index` in the tree of size `n`.
    pub fn inclusion_proof(&self, index: u64, n: u64) -> Result<Vec<Digest>, LogError> {
        self.check_size(n)?;
        if index >= n {
            return Err(LogError::OutOfRange(format!(
                "leaf {index} is not in a tree of {n} leaves"
            )));
        }
        let mut out = Vec::new();
        self.path(index, 0, n, &mut out);
        Ok(out)
    }

    fn path(&self, m: u64, start: u64, n: u64, out: &mut Vec<Digest>) {
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, start, k, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.path(m - k, start + k, n - k, out);
            out.push(self.subtree(start, k));
        }
    }

    /// Consistency proof between sizes `m` ≤ `n`.
    pub fn consistency_proof(&self, m: u64, n: u64) -> Result<Vec<Digest>, LogError> {
        self.check_size(n)?;
        if m > n {
            return Err(LogError::OutOfRange(format!("size {m} is after size {n}")));
        }
        let mut out = Vec::new();
        if m > 0 && m < n {
            self.subproof(m, 0, n, true, &mut out);
        }
        Ok(out)
    }

    fn subproof(&self, m: u64, start: u64, n: u64, complete: bool, out: &mut Vec<Digest>) {
        if m == n {
            if !complete {
                out.push(self.subtree(start, n));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, k, complete, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.subproof(m - k, start + k, n - k, false, out);
            out.push(self.subtree(start, k));
        }
    }
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Digest,
    index: u64,
    size: u64,
    proof: &[Digest],
    root: &Digest,
) -> Result<(), LogError> {
    if index >= size {
        return Err(LogError::OutOfRange(format!(
            "leaf {index} is not in a tree of {size} leaves"
        )));
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(LogError::BadProof);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && r == *root {
        Ok(())
    } else {
        Err(LogError::BadProof)
    }
}

/// Checks a consistency proof between two roots (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Digest],
    root1: &Digest,
    root2: &Digest,
) -> Result<(), LogError> {
    if size1 > size2 {
        return Err(LogError::OutOfRange(format!(
            "size {size1} is after size {size2}"
        )));
    }
    if size1 == size2 || size1 == 0 {
        let ok = proof.is_empty() && (size1 == 0 || root1 == root2);
        return if ok { Ok(()) } else { Err(LogError::BadProof) };
    }
    let mut path: Vec<Digest> = Vec::with_capacity(proof.len() + 1);
    if size1.is_power_of_two() {
        path.push(*root1);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return Err(LogError::BadProof);
    };
    let (mut fnode, mut snode) = (size1 - 1, size2 - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if snode == 0 {
            return Err(LogError::BadProof);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if fr == *root1 && sr == *root2 && snode == 0 {
        Ok(())
    } else {
        Err(LogError::BadProof)
    }
}

/// A C2SP tlog checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Log origin (its name).
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Digest,
}

impl Checkpoint {
    /// The checkpoint body: `<origin>\n<size>\n<base64 root>\n`.
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root.0)
        )
    }

    /// Parses a checkpoint body (extension lines after the root are ignored).
    pub fn parse(text: &str) -> Result<Checkpoint, LogError> {
        let mut lines = text.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(LogError::Malformed("checkpoint has no origin line".into()));
        }
        let size_text = lines.next().unwrap_or_default();
        let size = size_text
            .parse::<u64>()
            .ok()
            .filter(|_| size_text == "0" || !size_text.starts_with('0'))
            .ok_or_else(|| LogError::Malformed(format!("tree size {size_text:?}")))?;
        let root: [u8; 32] = B64
            .decode(lines.next().unwrap_or_default())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| LogError::Malformed("root hash is not 32 bytes of base64".into()))?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root: Digest(root),
        })
    }
}

/// The 4-byte key hash of a signed-note Ed25519 key.
pub fn note_key_hash(name: &str, key: &PublicKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n\x01");
    h.update(key.to_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The verifier key in the signed-note text form: `<name>+<hex key hash>+<base64(0x01 ‖ key)>`.
pub fn note_verifier_key(name: &str, key: &PublicKey) -> String {
    let mut raw = vec![1u8];
    raw.extend_from_slice(&key.to_bytes());
    format!(
        "{name}+{}+{}",
        hex::encode(note_key_hash(name, key)),
        B64.encode(raw)
    )
}

/// Signs `text` (ending in a newline, without blank lines) as a signed note.
pub fn sign_note(text: &str, name: &str, key: &DeviceKey) -> Result<String, LogError> {
    if !text.ends_with('\n') || text.contains("\n\n") || name.contains([' ', '+', '\n']) {
        return Err(LogError::Malformed(
            "note text must end with a newline and have no blank line; names have no space or +"
                .into(),
        ));
    }
    let mut sig = note_key_hash(name, &key.public()).to_vec();
    sig.extend_from_slice(&key.sign(text.as_bytes()));
    Ok(format!("{text}\n\u{2014} {name} {}\n", B64.encode(sig)))
}

/// Opens a signed note: returns its text if a signature line by `name`
/// with `key` verifies. Other signatures are ignored.
pub fn open_note<'a>(note: &'a str, name: &str, key: &PublicKey) -> Result<&'a str, LogError> {
    let Some(at) = note.find("\n\n") else {
        return Err(LogError::Malformed(
            "no blank line before the signatures".into(),
        ));
    };
    let (text, sigs) = (&note[..at + 1], &note[at + 2..]);
    let want = note_key_hash(name, key);
    for line in sigs.lines() {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return Err(LogError::Malformed(format!("signature line {line:?}")));
        };
        let Some((n, b)) = rest.split_once(' ') else {
            return Err(LogError::Malformed(format!("signature line {line:?}")));
        };
        if n != name {
            continue;
        }
        let Ok(raw) = B64.decode(b) else { continue };
        if raw.len() != 68 || raw[..4] != want {
            continue;
        }
        let mut sig = [0u8; 64];
        sig.copy_from_slice(&raw[4..]);
        if key.verify_strict(text.as_bytes(), &sig) {
            return Ok(text);
        }
    }
    Err(LogError::BadSignature(name.to_owned()))
}

#[cfg(test)]
mod tests;
