//! Planning a sealed case bundle: every file's bytes and hash
//! are decided before anything is written, so a folder and a disc image of
//! the same case hold the same files, and two builds give the same bytes.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

use super::human;
use super::{
    extension_for, pretty_json, Blobs, CaseExport, CaseFile, CustodyEvent, DocumentEntry,
    EvidenceEntry, ExportError, Medium, RecordEntry, SetFile, SetItem, SetPart, SignerEntry,
    AGENCY_KEY_FILE, AGENCY_MINISIGN_KEY_FILE, CASE_FILE, CASE_FORMAT, CERTS_DIR, CERT_FILE,
    CHAINS_DIR, CHAIN_FILE, DOCUMENTS_DIR, INDEX_FILE, KEY_FILE, MINISIGN_KEY_FILE, README_FILE,
    SEAL_FILE, SET_FILE, SET_FORMAT, VERIFIER_TOOL,
};
use crate::bag::{self, BagError, BAGIT, BAGIT_TXT, BAG_INFO, MANIFEST, TAGMANIFEST};
use crate::cert::DeviceCert;
use crate::envelope::Envelope;
use crate::guomi::Sm2Key;
use crate::hash::{sha256, Digest};
use crate::iso::{self, IsoFile, VolumeInfo, SECTOR};
use crate::keys::DeviceKey;
use crate::keys::{DeviceId, PublicKey};
use crate::model::{CaseSealed, SealedDocument};
use crate::record::VerifiedRecord;
use crate::record::{self, RecordBody, RecordError, RecordPayload};
use crate::seal::{minisign_public_key, minisign_public_key_file, Minisig, SealInfo};

/// Where a file's bytes come from.
#[derive(Debug, Clone)]
pub enum Content {
    /// Bytes made by the planner.
    Bytes(Arc<Vec<u8>>),
    /// A range of an evidence blob (read from the plan's [`Blobs`]).
    Blob {
        /// The whole blob's SHA-256.
        sha256: Digest,
        /// Offset of the range.
        offset: u64,
    },
}

/// One file of a disc.
#[derive(Debug, Clone)]
pub struct DiscFile {
    /// Path in the bag.
    pub path: String,
    /// Size.
    pub size: u64,
    /// SHA-256 of the bytes.
    pub sha256: Digest,
    /// Where they come from.
    pub content: Content,
}

impl DiscFile {
    /// The file as the image writer sees it.
    pub fn iso_file(&self) -> IsoFile {
        IsoFile {
            path: self.path.clone(),
            size: self.size,
        }
    }
}

/// One disc of a bundle: a complete, sealed bag.
#[derive(Debug, Clone)]
pub struct Disc {
    /// Position in the set, from 1.
    pub index: u32,
    /// Discs in the set.
    pub count: u32,
    /// What the seal says.
    pub seal: SealInfo,
    /// Every file, sorted by path.
    pub files: Vec<DiscFile>,
    /// Where evidence bytes are read.
    pub blobs: Blobs,
}

/// Free space kept per disc for tag files that grow with the evidence list.
const SLACK_BASE: u64 = 256 * 1024;
const SLACK_PER_FILE: u64 = 4096;
/// Smallest part a split file leaves on a disc.
const MIN_PART: u64 = 1024 * 1024;

mod beside;
use beside::{guomi_files, place_tools, sm2_of};

fn bytes_file(path: impl Into<String>, bytes: Vec<u8>) -> DiscFile {
    DiscFile {
        path: path.into(),
        size: bytes.len() as u64,
        sha256: sha256(&bytes),
        content: Content::Bytes(Arc::new(bytes)),
    }
}

/// Digits of the case number joined by `-` (`乌交执〔2026〕00001号` →
/// `2026-00001`), for ASCII file and volume names.
pub fn case_slug(case_no: &str) -> String {
    let groups: Vec<String> = case_no
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|g| !g.is_empty())
        .map(|g| g.to_ascii_lowercase())
        .collect();
    if groups.is_empty() {
        "case".into()
    } else {
        groups.join("-")
    }
}

struct Planned {
    seal: SealInfo,
    closed_at: DateTime<FixedOffset>,
    fixed: Vec<DiscFile>,
    evidence: Vec<EvidenceEntry>,
    case: CaseFile,
    blobs: Blobs,
    /// Sealed at the bureau by the agency key (records of several signers).
    bureau: bool,
    /// The programs beside the bag (`tools/`), on every disc.
    tools: Vec<DiscFile>,
    /// The agency's SM2 key when the seal names one (国密 option).
    guomi: Option<Sm2Key>,
    /// SM3 of each payload file already hashed, by (blob or bytes' SHA-256,
    /// offset, size): the packing may assemble the discs several times.
    sm3: RefCell<BTreeMap<(Digest, u64, u64), Digest>>,
}

/// The signed records of an export, each opened with its signer's key.
fn open_records(export: &CaseExport) -> Result<Vec<(VerifiedRecord, RecordPayload)>, ExportError> {
    let keys: BTreeMap<DeviceId, PublicKey> = std::iter::once(export.device_key)
        .chain(export.others.iter().map(|o| o.key))
        .map(|k| (k.device_id(), k))
        .collect();
    let mut recs = Vec::new();
    for env in &export.records {
        let signer = env
            .keyid
            .parse::<DeviceId>()
            .map_err(|_| RecordError::BadPayload(format!("record key id {:?}", env.keyid)))?;
        let key = keys.get(&signer).ok_or_else(|| {
            ExportError::Incomplete(format!(
                "a record of the case is signed by {signer}, which is not among the bundle's signers"
            ))
        })?;
        let v = record::open(env.clone(), key)?;
        let p: RecordPayload = serde_json::from_slice(&env.payload)
            .map_err(|e| RecordError::BadPayload(e.to_string()))?;
        recs.push((v, p));
    }
    Ok(recs)
}

/// The sealing record of the bundle: a terminal's last `case_sealed`
/// (records after it are not in the bundle); at the bureau, the last record.
fn sealing(
    recs: &mut Vec<(VerifiedRecord, RecordPayload)>,
    bureau: bool,
    case_no: &str,
) -> Result<(CaseSealed, DateTime<FixedOffset>), ExportError> {
    let not_sealed = || ExportError::Incomplete(format!("case {case_no} has not been sealed yet"));
    if bureau {
        return match recs.last() {
            Some((_, p)) => match &p.body {
                RecordBody::CaseSealed(s) => Ok((s.clone(), p.created_at)),
                _ => Err(not_sealed()),
            },
            None => Err(not_sealed()),
        };
    }
    let (seal_seq, seal, sealed_at) = recs
        .iter()
        .rev()
        .find_map(|(_, p)| match &p.body {
            RecordBody::CaseSealed(s) => Some((p.seq, s.clone(), p.created_at)),
            _ => None,
        })
        .ok_or_else(not_sealed)?;
    recs.retain(|(_, p)| p.seq <= seal_seq);
    Ok((seal, sealed_at))
}

/// Places the documents the sealing record names under `data/documents/`:
/// exactly those, each with the bytes it names, each filled from a record
/// of the bundle.
fn place_documents(
    export: &CaseExport,
    seal: &CaseSealed,
    held: &BTreeSet<Digest>,
    fixed: &mut Vec<DiscFile>,
) -> Result<Vec<DocumentEntry>, ExportError> {
    let given: Vec<&SealedDocument> = export.documents.iter().map(|d| &d.sealed).collect();
    if given.len() != seal.documents.len()
        || given.iter().zip(&seal.documents).any(|(a, b)| *a != b)
    {
        return Err(ExportError::Incomplete(format!(
            "the documents given ({}) are not the {} the sealing record names",
            given.len(),
            seal.documents.len()
        )));
    }
    let mut out = Vec::new();
    for (i, d) in export.documents.iter().enumerate() {
        let doc = &d.sealed;
        if !held.contains(&doc.record) {
            return Err(ExportError::Incomplete(format!(
                "document {} names record {}, which is not in the bundle",
                doc.kind, doc.record
            )));
        }
        if sha256(&d.pdf) != doc.sha256 {
            return Err(ExportError::Incomplete(format!(
                "document {} is not the one the sealing record names (SHA-256 differs)",
                doc.kind
            )));
        }
        let path = format!(
            "{DOCUMENTS_DIR}{:02}-{}-{}.pdf",
            i + 1,
            doc.kind,
            doc.record.short(12)
        );
        fixed.push(bytes_file(path.clone(), d.pdf.clone()));
        out.push(DocumentEntry {
            path,
            document: doc.clone(),
        });
    }
    Ok(out)
}

/// The custody event a record is (`custody.json`): its action code and the
/// object it acts on.
pub fn custody_action(body: &RecordBody) -> (&'static str, String) {
    match body {
        RecordBody::CaseOpened(c) => ("open-case", format!("case:{}", c.case_no)),
        RecordBody::EvidenceAdded(e) => ("acquire-evidence", format!("sha256:{}", e.sha256)),
        RecordBody::CaseClosed(c) => ("close-case", format!("case:{}", c.case_no)),
        RecordBody::CaseSealed(s) => ("seal-bundle", format!("bundle:{}", s.bundle_id)),
        RecordBody::DiscRecorded(d) => ("record-disc", format!("bundle:{}", d.bundle_id)),
        RecordBody::CaseCorrected(c) => ("correct-record", format!("record:{}", c.supersedes)),
        RecordBody::ReviewRecorded(r) => ("review-case", format!("case:{}", r.case_no)),
        RecordBody::DocumentServed(d) => ("serve-document", format!("sha256:{}", d.pdf)),
        RecordBody::PaymentNoted(p) => ("note-payment", format!("case:{}", p.case_no)),
        RecordBody::SiteRecorded(w) => ("record-site", format!("case:{}", w.case_no)),
        RecordBody::InterviewRecorded(w) => ("record-interview", format!("case:{}", w.case_no)),
        RecordBody::EvidenceRegistered(w) => ("register-evidence", format!("case:{}", w.case_no)),
        RecordBody::CorrectionOrdered(w) => ("order-correction", format!("case:{}", w.case_no)),
        RecordBody::MeasureDecided(w) => ("decide-measure", format!("case:{}", w.case_no)),
        RecordBody::ProcedureAct(a) => ("procedure-act", format!("case:{}", a.case_no)),
    }
}

/// What a certificate on the disc says of its signer (not verified here:
/// the verifier checks it against the agency key it is given).
fn signer_entry(cert: &[u8]) -> Option<SignerEntry> {
    let env = Envelope::from_json(cert).ok()?;
    let c: DeviceCert = serde_json::from_slice(&env.payload).ok()?;
    Some(SignerEntry {
        signer: c.device,
        key: c.public_key,
        name: c.name,
        officer: c.officer,
        roles: c.roles,
    })
}

/// The chain, key and certificate files of every signer.
fn signer_files(export: &CaseExport, sealer: &PublicKey, bureau: bool) -> Vec<DiscFile> {
    let device = export.device_key.device_id();
    let mut fixed = vec![
        bytes_file(KEY_FILE, format!("{}\n", export.device_key).into_bytes()),
        bytes_file(
            MINISIGN_KEY_FILE,
            minisign_public_key_file(&export.device_key).into_bytes(),
        ),
    ];
    if !bureau {
        fixed.push(bytes_file(CHAIN_FILE, pretty_json(&export.chain)));
        if let Some(cert) = &export.certificate {
            fixed.push(bytes_file(CERT_FILE, cert.clone()));
        }
        return fixed;
    }
    fixed.push(bytes_file(
        AGENCY_KEY_FILE,
        format!("{sealer}\n").into_bytes(),
    ));
    fixed.push(bytes_file(
        AGENCY_MINISIGN_KEY_FILE,
        minisign_public_key_file(sealer).into_bytes(),
    ));
    let signers = std::iter::once((device, &export.chain, &export.certificate)).chain(
        export
            .others
            .iter()
            .map(|o| (o.key.device_id(), &o.chain, &o.certificate)),
    );
    for (id, chain, cert) in signers {
        fixed.push(bytes_file(
            format!("{CHAINS_DIR}{id}.json"),
            pretty_json(chain),
        ));
        if let Some(cert) = cert {
            fixed.push(bytes_file(format!("{CERTS_DIR}{id}.json"), cert.clone()));
        }
    }
    fixed
}

fn gather(export: &CaseExport, sealer: &PublicKey) -> Result<Planned, ExportError> {
    let device = export.device_key.device_id();
    let bureau = *sealer != export.device_key;
    if !bureau && !export.others.is_empty() {
        return Err(ExportError::Incomplete(
            "records of several signers are sealed by the agency key, not a device's".into(),
        ));
    }
    let mut recs = open_records(export)?;
    let Some(opened) = recs.iter().find_map(|(_, p)| match &p.body {
        RecordBody::CaseOpened(c) => Some(c.clone()),
        _ => None,
    }) else {
        return Err(ExportError::Incomplete(
            "the case has no opening record".into(),
        ));
    };
    let Some((closed_at, findings)) = recs.iter().find_map(|(_, p)| match &p.body {
        RecordBody::CaseClosed(c) => Some((p.created_at, c.findings.clone())),
        _ => None,
    }) else {
        return Err(ExportError::Incomplete(format!(
            "case {} is still open; only a closed case can be archived",
            opened.case_no
        )));
    };
    let (seal, sealed_at) = sealing(&mut recs, bureau, &opened.case_no)?;
    let bundle_id = seal.bundle_id;

    let mut fixed = Vec::new();
    let mut records = Vec::new();
    let mut evidence = Vec::new();
    let mut custody = Vec::new();
    let mut officers = BTreeSet::new();
    for (v, p) in &recs {
        let signer = v.header.device;
        let path = if bureau {
            format!("data/records/{signer}/{:08}.dsse.json", p.seq)
        } else {
            format!("data/records/{:08}.dsse.json", p.seq)
        };
        fixed.push(bytes_file(path.clone(), v.envelope.to_json()));
        if signer == device {
            officers.extend(p.officers.iter().cloned());
        }
        records.push(RecordEntry {
            path,
            seq: p.seq,
            kind: p.body.kind().to_owned(),
            digest: v.digest,
            signer: bureau.then_some(signer),
        });
        let (action, object) = custody_action(&p.body);
        custody.push(CustodyEvent {
            action: action.into(),
            performer: p.officers.clone(),
            instrument: signer,
            time: p.created_at,
            place: if signer == device {
                opened.place.clone()
            } else {
                String::new()
            },
            object,
            record_seq: p.seq,
        });
        if let RecordBody::EvidenceAdded(item) = &p.body {
            let n = evidence.len() + 1;
            let stem = format!("{n:03}-{}", item.sha256.short(12));
            let path = format!(
                "data/evidence/{stem}.{}",
                extension_for(&item.media_type, &item.original_name)
            );
            let thumbnail = export.thumbnails.get(&item.sha256).map(|jpeg| {
                let t = format!("data/thumbs/{stem}.jpg");
                fixed.push(bytes_file(t.clone(), jpeg.clone()));
                t
            });
            if !export.blobs.0.has(&item.sha256) {
                return Err(ExportError::BlobMissing(item.sha256));
            }
            evidence.push(EvidenceEntry {
                path,
                record_seq: p.seq,
                thumbnail,
                item: item.clone(),
            });
        }
    }
    let certs = std::iter::once(&export.certificate)
        .chain(export.others.iter().map(|o| &o.certificate))
        .flatten();
    let held: BTreeSet<Digest> = records.iter().map(|r| r.digest).collect();
    let documents = place_documents(export, &seal, &held, &mut fixed)?;
    let tools = place_tools(export, &seal)?;
    let case = CaseFile {
        format: CASE_FORMAT.into(),
        case_id: opened.case_id,
        case_no: opened.case_no.clone(),
        bundle_id,
        device,
        device_key: export.device_key,
        opened: opened.clone(),
        closed_at,
        findings,
        sealed_at,
        officers: officers.into_iter().collect(),
        records,
        evidence: evidence.clone(),
        custody,
        agency_key: bureau.then_some(*sealer),
        signers: if bureau {
            certs.filter_map(|c| signer_entry(c)).collect()
        } else {
            Vec::new()
        },
        documents,
    };
    fixed.push(bytes_file(CASE_FILE, pretty_json(&case)));
    fixed.extend(signer_files(export, sealer, bureau));
    Ok(Planned {
        seal: SealInfo {
            case_no: opened.case_no,
            bundle: bundle_id,
            sealed_at,
            signer: sealer.device_id(),
        },
        closed_at,
        fixed,
        evidence,
        case,
        blobs: export.blobs.clone(),
        bureau,
        tools,
        guomi: None,
        sm3: RefCell::default(),
    })
}

/// One piece of evidence on one disc.
#[derive(Debug, Clone)]
struct Placement {
    item: usize,
    /// 0 for a whole file, else the part number from 1.
    part: u32,
    offset: u64,
    size: u64,
}

fn pack(sizes: &[u64], avail: u64) -> Vec<Vec<Placement>> {
    let mut discs: Vec<Vec<Placement>> = vec![Vec::new()];
    let mut free = avail;
    let room = |n: u64| iso::sectors(n) * SECTOR;
    for (item, &size) in sizes.iter().enumerate() {
        let need = room(size) + SLACK_PER_FILE;
        if need <= free {
            if let Some(d) = discs.last_mut() {
                d.push(Placement {
                    item,
                    part: 0,
                    offset: 0,
                    size,
                });
            }
            free -= need;
        } else if need <= avail {
            discs.push(vec![Placement {
                item,
                part: 0,
                offset: 0,
                size,
            }]);
            free = avail - need;
        } else {
            let mut offset = 0;
            let mut part = 1;
            while offset < size {
                if free < MIN_PART + SLACK_PER_FILE {
                    discs.push(Vec::new());
                    free = avail;
                }
                let fit = (free - SLACK_PER_FILE) / SECTOR * SECTOR;
                let take = fit.min(size - offset);
                if let Some(d) = discs.last_mut() {
                    d.push(Placement {
                        item,
                        part,
                        offset,
                        size: take,
                    });
                }
                free -= room(take) + SLACK_PER_FILE;
                offset += take;
                part += 1;
            }
        }
    }
    discs.retain(|d| !d.is_empty());
    if discs.is_empty() {
        discs.push(Vec::new());
    }
    discs
}

fn hash_range(
    blobs: &Blobs,
    sha256: &Digest,
    offset: u64,
    size: u64,
    progress: &mut dyn FnMut(u64),
) -> io::Result<Digest> {
    let (d, n) = crate::hash::sha256_reader(blobs.0.open_at(sha256, offset)?.take(size), progress)?;
    if n != size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("evidence {sha256} is shorter than recorded"),
        ));
    }
    Ok(d)
}

/// Plans the discs of a sealed case. `medium` `None` gives one bag with no
/// size limit (a folder export). `progress` gets bytes hashed while
/// planning (only files that must be split are read here).
pub fn plan(
    export: &CaseExport,
    key: &DeviceKey,
    medium: Option<Medium>,
    progress: impl FnMut(u64),
) -> Result<Vec<Disc>, ExportError> {
    plan_with(export, (key, None), medium, progress)
}

/// [`plan`], sealing with the agency's SM2 key too when the sealing record
/// names one (国密 option, docs/disc.md): `guomi` must be that key.
pub fn plan_with(
    export: &CaseExport,
    (key, guomi): (&DeviceKey, Option<&Sm2Key>),
    medium: Option<Medium>,
    mut progress: impl FnMut(u64),
) -> Result<Vec<Disc>, ExportError> {
    let mut g = gather(export, &key.public())?;
    g.guomi = sm2_of(export, guomi)?;
    let sizes: Vec<u64> = g.evidence.iter().map(|e| e.item.size).collect();
    let mut discs_layout = vec![(0..sizes.len())
        .map(|item| Placement {
            item,
            part: 0,
            offset: 0,
            size: sizes[item],
        })
        .collect::<Vec<_>>()];
    let mut avail = u64::MAX;
    if let Some(m) = medium {
        let fixed: Vec<IsoFile> = g.fixed.iter().map(DiscFile::iso_file).collect();
        let base = iso::plan(&fixed, &volume(&g.seal, 1, 1))?.image_bytes();
        let needed = base + SLACK_BASE + SLACK_PER_FILE * (sizes.len() as u64 + 8) * 2;
        if m.capacity() < needed + MIN_PART {
            return Err(ExportError::MediumTooSmall {
                medium: m.name().into(),
                capacity: m.capacity(),
                needed,
            });
        }
        avail = m.capacity() - needed;
    }
    for _attempt in 0..4 {
        if medium.is_some() {
            discs_layout = pack(&sizes, avail);
        }
        let discs = assemble(&g, key, &discs_layout, medium, &mut progress)?;
        for d in &discs {
            within_reading_limits(d)?;
        }
        let Some(m) = medium else { return Ok(discs) };
        let mut worst = 0u64;
        for d in &discs {
            worst = worst.max(d.image_layout()?.image_bytes());
        }
        if worst <= m.capacity() {
            return Ok(discs);
        }
        avail = avail.saturating_sub(worst - m.capacity() + SLACK_BASE);
    }
    Err(ExportError::MediumTooSmall {
        medium: medium.map(|m| m.name()).unwrap_or("").into(),
        capacity: medium.map(|m| m.capacity()).unwrap_or(0),
        needed: 0,
    })
}

/// A disc whose metadata a verifier would refuse to read (docs/disc.md,
/// limits) is never written: the case is refused with the reason.
fn within_reading_limits(d: &Disc) -> Result<(), ExportError> {
    let mut total = 0u64;
    for f in &d.files {
        let Some(limit) = super::verify::reading_limit(&f.path) else {
            continue;
        };
        total += f.size;
        if f.size > limit {
            return Err(ExportError::Incomplete(format!(
                "{} would be {} bytes, more than the {limit} a verifier reads; this case holds too many records or files for one bundle",
                f.path, f.size
            )));
        }
    }
    let max = super::verify::MAX_META_TOTAL;
    if total > max {
        return Err(ExportError::Incomplete(format!(
            "the bundle's metadata would be {total} bytes, more than the {max} a verifier reads; this case holds too many records or files for one bundle"
        )));
    }
    Ok(())
}

fn part_path(base: &str, part: u32) -> String {
    if part == 0 {
        base.to_owned()
    } else {
        format!("{base}.{part:03}")
    }
}

fn assemble(
    g: &Planned,
    key: &DeviceKey,
    layout: &[Vec<Placement>],
    medium: Option<Medium>,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<Disc>, ExportError> {
    let count = layout.len() as u32;
    let group = format!(
        "fieldcase:{}:{}",
        g.seal.bundle,
        medium.map(|m| m.name()).unwrap_or("folder")
    );
    // Evidence files per disc, with part hashes.
    let mut per_disc: Vec<Vec<DiscFile>> = vec![Vec::new(); layout.len()];
    let mut items: Vec<SetItem> = g
        .evidence
        .iter()
        .map(|e| SetItem {
            sha256: e.item.sha256,
            size: e.item.size,
            path: e.path.clone(),
            parts: Vec::new(),
        })
        .collect();
    for (k, disc) in layout.iter().enumerate() {
        for p in disc {
            let entry = &g.evidence[p.item];
            let path = part_path(&entry.path, p.part);
            let sha = if p.part == 0 {
                entry.item.sha256
            } else {
                hash_range(&g.blobs, &entry.item.sha256, p.offset, p.size, progress).map_err(
                    |source| BagError::Io {
                        path: entry.path.clone().into(),
                        source,
                    },
                )?
            };
            items[p.item].parts.push(SetPart {
                disc: k as u32 + 1,
                path: path.clone(),
                offset: p.offset,
                size: p.size,
                sha256: sha,
            });
            per_disc[k].push(DiscFile {
                path,
                size: p.size,
                sha256: sha,
                content: Content::Blob {
                    sha256: entry.item.sha256,
                    offset: p.offset,
                },
            });
        }
    }
    let set = (count > 1).then(|| SetFile {
        format: SET_FORMAT.into(),
        group: group.clone(),
        medium: medium.map(|m| m.name()).unwrap_or("folder").into(),
        count,
        items: items.clone(),
    });
    let mut discs = Vec::new();
    for (k, evidence) in per_disc.into_iter().enumerate() {
        let index = k as u32 + 1;
        let mut files: Vec<DiscFile> = g.fixed.clone();
        if let Some(s) = &set {
            files.push(bytes_file(SET_FILE, pretty_json(s)));
        }
        files.extend(evidence);
        for f in &files {
            if !f
                .path
                .strip_prefix("data/")
                .is_some_and(|r| r.split('/').all(bag::valid_component))
            {
                return Err(BagError::BadName(f.path.clone()).into());
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let payload_bytes: u64 = files.iter().map(|f| f.size).sum();
        let mut manifest = String::new();
        for f in &files {
            manifest.push_str(&format!("{}  {}\n", f.sha256, f.path));
        }
        let mut info: Vec<(&str, String)> = vec![
            ("Source-Organization", "fieldcase".into()),
            (
                "Bagging-Date",
                g.seal.sealed_at.format("%Y-%m-%d").to_string(),
            ),
            ("External-Identifier", g.seal.case_no.clone()),
            ("External-Description", description(g)),
            (
                "Bag-Software-Agent",
                format!("fieldcase {}", env!("CARGO_PKG_VERSION")),
            ),
        ];
        if count > 1 {
            info.push(("Bag-Group-Identifier", group.clone()));
            info.push(("Bag-Count", format!("{index} of {count}")));
        }
        info.extend([
            ("Fieldcase-Case-Id", g.case.case_id.to_string()),
            ("Fieldcase-Bundle-Id", g.seal.bundle.to_string()),
            ("Fieldcase-Device", g.case.device.to_string()),
            ("Fieldcase-Closed-At", g.closed_at.to_rfc3339()),
            ("Fieldcase-Sealed-At", g.seal.sealed_at.to_rfc3339()),
            ("Payload-Oxum", format!("{payload_bytes}.{}", files.len())),
        ]);
        let mut bag_info = String::new();
        for (k, v) in &info {
            bag_info.push_str(&format!("{k}: {}\n", v.replace(['\n', '\r'], " ")));
        }
        let on_disc: BTreeMap<&str, &str> = files
            .iter()
            .map(|f| (f.path.as_str(), f.path.as_str()))
            .collect();
        let verifier = g
            .tools
            .iter()
            .map(|t| t.path.as_str())
            .find(|p| *p == VERIFIER_TOOL);
        let readme = super::readme::readme(&g.case, &g.seal, (index, count), verifier);
        let index_html = human::index_html(&g.case, &g.seal, index, count, set.as_ref(), &|p| {
            on_disc.contains_key(p)
        });
        let tags = vec![
            bytes_file(README_FILE, readme.into_bytes()),
            bytes_file(BAG_INFO, bag_info.into_bytes()),
            bytes_file(BAGIT, BAGIT_TXT.as_bytes().to_vec()),
            bytes_file(INDEX_FILE, index_html.into_bytes()),
            bytes_file(MANIFEST, manifest.into_bytes()),
        ]
        .into_iter()
        .chain(g.tools.iter().cloned())
        .collect::<Vec<_>>();
        let mut tags = tags;
        if let Some(key) = &g.guomi {
            let signed = guomi_files(g, key, &files, &mut tags, progress)?;
            tags.extend(signed);
        }
        let mut tagmanifest = String::new();
        let mut sorted: Vec<&DiscFile> = tags.iter().collect();
        sorted.sort_by(|a, b| a.path.cmp(&b.path));
        for t in sorted {
            tagmanifest.push_str(&format!("{}  {}\n", t.sha256, t.path));
        }
        let pubkey = minisign_public_key(&key.public());
        let seal = Minisig::sign(
            key,
            tagmanifest.as_bytes(),
            &format!("fieldcase seal; check: minisign -Vm tagmanifest-sha256.txt -P {pubkey}"),
            &g.seal.trusted_comment(),
        );
        files.extend(tags);
        files.push(bytes_file(TAGMANIFEST, tagmanifest.into_bytes()));
        files.push(bytes_file(SEAL_FILE, seal.to_text().into_bytes()));
        files.sort_by(|a, b| a.path.cmp(&b.path));
        discs.push(Disc {
            index,
            count,
            seal: g.seal.clone(),
            files,
            blobs: g.blobs.clone(),
        });
    }
    Ok(discs)
}

fn description(g: &Planned) -> String {
    if g.bureau {
        format!(
            "Case {} recorded on device {}, archived at the bureau and sealed by agency key {}",
            g.seal.case_no, g.case.device, g.seal.signer
        )
    } else {
        format!(
            "Case {} recorded on device {}",
            g.seal.case_no, g.seal.signer
        )
    }
}

pub(super) fn volume(seal: &SealInfo, index: u32, count: u32) -> VolumeInfo {
    let mut id = format!("FC_{}", case_slug(&seal.case_no));
    if count > 1 {
        id.push_str(&format!("_{index}OF{count}"));
    }
    VolumeInfo {
        volume_id: id.chars().take(32).collect(),
        joliet_volume_id: seal.case_no.clone(),
        application: format!("FIELDCASE {}", env!("CARGO_PKG_VERSION")),
        time: seal.sealed_at,
    }
}

/// A fresh bundle id for a new seal.
pub fn new_bundle_id() -> Uuid {
    Uuid::now_v7()
}
