//! Verifying case bundles — a folder, a disc image or a block device, or a
//! whole disc set — trusting only the keys given. Every byte is read once:
//! metadata files into memory, evidence streamed through SHA-256.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::{
    CaseFile, ChainFile, SetFile, AGENCY_KEY_FILE, AGENCY_MINISIGN_KEY_FILE, CASE_FILE, CERTS_DIR,
    CERT_FILE, CHAINS_DIR, CHAIN_FILE, DOCUMENTS_DIR, EVIDENCE_DIR, KEY_FILE, MINISIGN_KEY_FILE,
    RECORDS_DIR, SEAL_FILE, SET_FILE, THUMBS_DIR,
};
use crate::bag::{self, BagError, BagSource, Category, FileFacts, Problem, Problems, TAGMANIFEST};
use crate::chain;
use crate::envelope::{Envelope, EnvelopeError, MAX_ENVELOPE_BYTES};
use crate::hash::Digest;
use crate::keys::{DeviceId, PublicKey};
use crate::record::{self, RecordBody, RecordError, RecordPayload, VerifiedRecord};
use crate::seal::{Minisig, SealError, SealInfo};

/// What a device signed in a verified bag.
#[derive(Debug, Clone, Serialize)]
pub struct Signer {
    /// Device id.
    pub device: DeviceId,
    /// Its key (one of those given).
    pub key: PublicKey,
    /// Records with valid signatures.
    pub records: usize,
    /// First seq.
    pub first_seq: u64,
    /// Last seq.
    pub last_seq: u64,
    /// Creation time of the last record.
    pub last_signed_at: Option<DateTime<FixedOffset>>,
    /// What the agency's certificate says of the signer, when its key is
    /// trusted through one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certified: Option<Certified>,
}

/// A record whose signature verified under a trusted key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordRef {
    /// Its signer.
    pub device: DeviceId,
    /// Its place in the signer's chain.
    pub seq: u64,
    /// Its record digest (what was signed).
    pub digest: Digest,
    /// Its kind (`case_opened`, `case_closed`, …).
    pub kind: String,
}

/// A signer as its certificate names it (verified against an agency key).
#[derive(Debug, Clone, Serialize)]
pub struct Certified {
    /// Name (a device's name, or a staff member's display name).
    pub name: String,
    /// 执法证号, or a staff member's login name.
    pub officer: String,
    /// Back-office roles (empty for a terminal).
    pub roles: Vec<crate::staff::Role>,
    /// The agency key that issued the certificate.
    pub issuer: PublicKey,
}

/// One path given to the verifier.
#[derive(Debug, Clone, Serialize)]
pub struct DiscReport {
    /// The path.
    pub label: String,
    /// `image` or `folder`.
    pub kind: &'static str,
    /// Position in a set (1 when alone).
    pub index: u32,
    /// Discs in the set (1 when alone).
    pub count: u32,
}

/// The outcome of verifying a bundle.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The problems found, up to [`bag::MAX_LISTED_PROBLEMS`].
    pub problems: Vec<Problem>,
    /// Every problem found, listed or not.
    pub problem_count: usize,
    /// Problems beyond the listed ones, counted by category.
    pub not_listed: BTreeMap<Category, u64>,
    /// 案号 from the signed opening record, if found.
    pub case_no: Option<String>,
    /// Who signed the records.
    pub signers: Vec<Signer>,
    /// Every record that verified (not in the JSON output: the signers'
    /// summaries are).
    #[serde(skip)]
    pub records: Vec<RecordRef>,
    /// The sealing key, when it verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sealed_by: Option<PublicKey>,
    /// Who sealed the bundle and when (from a valid seal).
    pub sealed: Option<SealInfo>,
    /// Every disc carries SM3 manifests that match and the agency's SM2
    /// co-signature, which verified (国密 option).
    pub sm2_cosigned: bool,
    /// What was given.
    pub discs: Vec<DiscReport>,
    /// Files checked.
    pub files_checked: usize,
    /// Bytes hashed.
    pub bytes_checked: u64,
}

impl Report {
    /// True when nothing is wrong.
    pub fn is_valid(&self) -> bool {
        self.problem_count == 0
    }
}

/// Largest metadata file kept in memory, and all of them together.
/// (Bounded so that the verifier stays under 64 MB whatever a disc holds.)
const MAX_META_FILE: u64 = 8 << 20;
pub(super) const MAX_META_TOTAL: u64 = 24 << 20;

/// The most bytes the verifier reads into memory of a file it parses, or
/// `None` for files it only hashes (evidence, index.html, README.TXT).
pub(super) fn reading_limit(path: &str) -> Option<u64> {
    if let Some(limit) = guomi::reading_limit(path) {
        return Some(limit);
    }
    if path.starts_with(RECORDS_DIR) {
        return Some(MAX_ENVELOPE_BYTES as u64);
    }
    if is_signer_meta(path) {
        return Some(MAX_META_FILE);
    }
    bag::is_tag_file(path, 0).then(|| {
        if path == bag::MANIFEST {
            bag::MAX_MANIFEST_BYTES
        } else {
            bag::MAX_TAG_FILE_BYTES
        }
    })
}

fn is_meta(path: &str, size: u64) -> bool {
    if let Some(limit) = guomi::reading_limit(path) {
        return size <= limit;
    }
    if path.starts_with(RECORDS_DIR) {
        return size <= MAX_ENVELOPE_BYTES as u64;
    }
    size <= MAX_META_FILE && (bag::is_tag_file(path, size) || is_signer_meta(path))
}

/// The summary, chain, key and certificate files the verifier parses.
fn is_signer_meta(path: &str) -> bool {
    [
        CASE_FILE,
        CHAIN_FILE,
        SET_FILE,
        KEY_FILE,
        MINISIGN_KEY_FILE,
        CERT_FILE,
        AGENCY_KEY_FILE,
        AGENCY_MINISIGN_KEY_FILE,
    ]
    .contains(&path)
        || [CHAINS_DIR, CERTS_DIR].iter().any(|d| {
            path.strip_prefix(d)
                .is_some_and(|n| !n.contains('/') && n.ends_with(".json"))
        })
}

/// Whom the verifier trusts: keys given as such (`--key`), and agency
/// keys (`--ca`) whose certificates on the disc vouch for signers.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// Trusted signer and seal keys.
    pub keys: Vec<PublicKey>,
    /// Trusted agency keys: they seal bureau discs and certify signers.
    pub agencies: Vec<PublicKey>,
}

impl Trust {
    /// Trusts exactly these keys.
    pub fn keys(keys: &[PublicKey]) -> Self {
        Trust {
            keys: keys.to_vec(),
            agencies: Vec::new(),
        }
    }
}

fn content<'a>(files: &'a BTreeMap<String, FileFacts>, path: &str) -> Option<&'a [u8]> {
    files
        .get(path)
        .filter(|f| f.complete())
        .and_then(|f| f.content.as_deref())
}

fn info_field<'a>(info: &'a [(String, String)], key: &str) -> Option<&'a str> {
    info.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn bag_count(info: &[(String, String)]) -> Option<(u32, u32)> {
    let v = info_field(info, "Bag-Count")?;
    let (k, n) = v.split_once(" of ")?;
    Some((k.trim().parse().ok()?, n.trim().parse().ok()?))
}

fn parse_info(files: &BTreeMap<String, FileFacts>) -> Vec<(String, String)> {
    content(files, bag::BAG_INFO)
        .map(|b| {
            String::from_utf8_lossy(b)
                .lines()
                .filter_map(|l| l.split_once(": "))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// Opens every path given (folders, images, block devices).
pub fn open_all(paths: &[&Path]) -> Result<Vec<BagSource>, BagError> {
    paths.iter().map(|p| BagSource::open(p)).collect()
}

/// Bytes the verification will read (for a progress bar).
pub fn total_bytes(sources: &[BagSource]) -> u64 {
    sources
        .iter()
        .flat_map(|s| s.entries.iter().map(|e| e.1))
        .sum()
}

/// Joint SHA-256 of a split file's parts, fed in order across discs.
struct Joint {
    parts: Vec<(u32, String)>,
    next: usize,
    current: Option<String>,
    hasher: Sha256,
    broken: bool,
}

/// Verifies a bundle from the opened sources (one per disc of a set, or a
/// single folder or image), trusting only `trust`. Reports every problem.
pub fn verify_sources(
    mut sources: Vec<BagSource>,
    trust: &Trust,
    mut progress: impl FnMut(u64),
) -> Report {
    // Pass 1: metadata into memory.
    let budget = Cell::new(MAX_META_TOTAL);
    let mut metas = Vec::new();
    for s in sources.iter_mut() {
        let m = s.read(
            |p, n| {
                let ok = is_meta(p, n) && n <= budget.get();
                if ok {
                    budget.set(budget.get() - n);
                }
                ok
            },
            true,
            |_, _| {},
            &mut progress,
        );
        metas.push(m);
    }
    let mut order: Vec<usize> = (0..sources.len()).collect();
    order.sort_by_key(|&i| bag_count(&parse_info(&metas[i])).map(|c| c.0).unwrap_or(0));
    let set: Option<SetFile> = order
        .iter()
        .find_map(|&i| content(&metas[i], SET_FILE).and_then(|b| serde_json::from_slice(b).ok()));

    // Pass 2: everything else, streaming; split files hashed across discs.
    let mut joints: BTreeMap<Digest, Joint> = BTreeMap::new();
    if let Some(s) = &set {
        for it in s.items.iter().filter(|it| it.parts.len() > 1) {
            joints.insert(
                it.sha256,
                Joint {
                    parts: it.parts.iter().map(|p| (p.disc, p.path.clone())).collect(),
                    next: 0,
                    current: None,
                    hasher: Sha256::new(),
                    broken: false,
                },
            );
        }
    }
    let part_of: BTreeMap<(u32, String), Digest> = set
        .iter()
        .flat_map(|s| s.items.iter())
        .filter(|it| it.parts.len() > 1)
        .flat_map(|it| {
            it.parts
                .iter()
                .map(move |p| ((p.disc, p.path.clone()), it.sha256))
        })
        .collect();
    // SM3 too, when a disc carries the 国密 manifests.
    let want_sm3 = metas
        .iter()
        .any(|m| guomi::FILES.iter().any(|f| m.contains_key(*f)));
    let mut sm3s: Vec<BTreeMap<String, Digest>> = vec![BTreeMap::new(); sources.len()];
    let mut all_files = vec![BTreeMap::new(); sources.len()];
    for &i in &order {
        let mut streams: BTreeMap<String, crate::guomi::Sm3Stream> = BTreeMap::new();
        let disc = bag_count(&parse_info(&metas[i])).map(|c| c.0).unwrap_or(1);
        let kept: BTreeSet<String> = metas[i].keys().cloned().collect();
        let rest = sources[i].read(
            |p, _| !kept.contains(p),
            false,
            |p, chunk| {
                if want_sm3 {
                    streams.entry(p.to_owned()).or_default().update(chunk);
                }
                let Some(item) = part_of.get(&(disc, p.to_owned())) else {
                    return;
                };
                let Some(j) = joints.get_mut(item) else {
                    return;
                };
                if j.current.as_deref() != Some(p) {
                    if j.parts.get(j.next) == Some(&(disc, p.to_owned())) {
                        j.next += 1;
                        j.current = Some(p.to_owned());
                    } else {
                        j.broken = true;
                    }
                }
                if !j.broken {
                    j.hasher.update(chunk);
                }
            },
            &mut progress,
        );
        let mut files = std::mem::take(&mut metas[i]);
        files.extend(rest);
        if want_sm3 {
            sm3s[i] = streams.into_iter().map(|(p, s)| (p, s.finish())).collect();
            for (p, f) in &files {
                if let Some(c) = &f.content {
                    sm3s[i].insert(p.clone(), crate::guomi::sm3(c));
                }
            }
        }
        all_files[i] = files;
    }

    // Per disc.
    let multi = sources.len() > 1 || set.is_some();
    let mut problems = Problems::default();
    let mut case_no = None;
    let mut signers: BTreeMap<DeviceId, Signer> = BTreeMap::new();
    let mut records: BTreeMap<(DeviceId, u64), RecordRef> = BTreeMap::new();
    let mut sealed = None;
    let mut sealed_by = None;
    let mut sm2_cosigned: Option<bool> = None;
    let mut discs = Vec::new();
    let mut groups = BTreeMap::new();
    let mut set_digests = BTreeSet::new();
    let (mut files_checked, mut bytes_checked) = (0usize, 0u64);
    for &i in &order {
        let files = &all_files[i];
        files_checked += files.len();
        bytes_checked += files.values().map(|f| f.size).sum::<u64>();
        let info = parse_info(files);
        let (index, count) = bag_count(&info).unwrap_or((1, 1));
        let outcome = check_disc(
            (files, &sm3s[i]),
            sources[i].problems.clone(),
            trust,
            set.as_ref(),
            index,
        );
        let prefix = if multi {
            format!("[disc {index}/{count}] ")
        } else {
            String::new()
        };
        problems.absorb(outcome.problems, &prefix);
        case_no = case_no.or(outcome.case_no.map(|c| bag::printable(&c)));
        for s in outcome.signers {
            signers.entry(s.device).or_insert(s);
        }
        for r in outcome.records {
            records.entry((r.device, r.seq)).or_insert(r);
        }
        sm2_cosigned = sm2_cosigned
            .or(Some(true))
            .map(|all| all && outcome.sm2_cosigned);
        if sealed.is_none() {
            sealed_by = outcome.sealed.as_ref().map(|(_, k)| *k);
            sealed = outcome.sealed.map(|(i, _)| i);
        }
        if let Some(d) = files.get(SET_FILE).filter(|f| f.complete()) {
            set_digests.insert(d.digest);
        }
        let group = info_field(&info, "Bag-Group-Identifier")
            .unwrap_or("")
            .to_owned();
        groups
            .entry(group)
            .or_insert_with(Vec::new)
            .push((index, count, sources[i].label.clone()));
        discs.push(DiscReport {
            label: bag::printable(&sources[i].label),
            kind: if sources[i].is_image() {
                "image"
            } else {
                "folder"
            },
            index,
            count,
        });
    }

    // The set as a whole.
    if groups.len() > 1 {
        problems.add(
            "(set)",
            Category::BadLayout,
            "discs of one bundle",
            format!("{} different Bag-Group-Identifier values", groups.len()),
        );
    }
    if set_digests.len() > 1 {
        problems.add(
            SET_FILE,
            Category::Modified,
            "the same set.json on every disc",
            "differing copies",
        );
    }
    if let Some(s) = &set {
        let given: BTreeSet<u32> = discs.iter().map(|d| d.index).collect();
        let mut seen = BTreeSet::new();
        for d in &discs {
            if !seen.insert(d.index) {
                problems.add(
                    format!("[disc {}/{}] {}", d.index, d.count, d.label),
                    Category::BadLayout,
                    "each disc given once",
                    "the same disc number given twice",
                );
            }
        }
        for k in 1..=s.count {
            if !given.contains(&k) {
                problems.add(
                    format!("[disc {k}/{}]", s.count),
                    Category::Missing,
                    format!("disc {k} of {} of set {}", s.count, s.group),
                    "not given",
                );
            }
        }
        for it in &s.items {
            let absent: Vec<u32> = it
                .parts
                .iter()
                .map(|p| p.disc)
                .filter(|d| !given.contains(d))
                .collect();
            if !absent.is_empty() {
                problems.add(
                    it.path.clone(),
                    Category::Missing,
                    format!("{} ({} bytes)", it.sha256, it.size),
                    format!(
                        "on disc {}, not given",
                        absent
                            .iter()
                            .map(|d| d.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            }
            if let Some(j) = joints.remove(&it.sha256) {
                let found = Digest(j.hasher.finalize().into());
                if j.broken || j.next != j.parts.len() {
                    problems.add(
                        it.path.clone(),
                        Category::Missing,
                        "every part, in order",
                        "parts missing or out of order",
                    );
                } else if found != it.sha256 {
                    problems.add(
                        it.path.clone(),
                        Category::Modified,
                        it.sha256.to_hex(),
                        found.to_hex(),
                    );
                }
            }
        }
    }
    let problem_count = problems.len();
    let (problems, not_listed) = problems.into_parts();
    Report {
        problems,
        problem_count,
        not_listed,
        case_no,
        signers: signers.into_values().collect(),
        records: records.into_values().collect(),
        sealed,
        sealed_by,
        sm2_cosigned: sm2_cosigned.unwrap_or(false),
        discs,
        files_checked,
        bytes_checked,
    }
}

/// Verifies the bundle at `paths` trusting exactly `keys` (see
/// [`verify_sources`]). Errs only when a path is neither a bag folder nor a
/// disc image (UNVERIFIABLE).
pub fn verify(
    paths: &[&Path],
    keys: &[PublicKey],
    progress: impl FnMut(u64),
) -> Result<Report, BagError> {
    verify_trusting(paths, &Trust::keys(keys), progress)
}

/// Verifies the bundle at `paths` (see [`verify_sources`]).
pub fn verify_trusting(
    paths: &[&Path],
    trust: &Trust,
    progress: impl FnMut(u64),
) -> Result<Report, BagError> {
    Ok(verify_sources(open_all(paths)?, trust, progress))
}

struct DiscOutcome {
    sm2_cosigned: bool,
    problems: Problems,
    case_no: Option<String>,
    signers: Vec<Signer>,
    records: Vec<RecordRef>,
    sealed: Option<(SealInfo, PublicKey)>,
}

mod disc;
mod guomi;
mod signers;
use disc::check_disc;
