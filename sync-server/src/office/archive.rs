//! Discs built at the bureau (一案一盘): a case's bundle made from the
//! server's records and blobs — no terminal needed, so it works after the
//! terminal pruned its evidence — through the same writer as the terminal's,
//! with every signer's records (terminal and staff), chains and agency
//! certificates, sealed by the agency key. The archivist's `case_sealed`
//! record names every record of the bundle, and a `disc_recorded` record
//! the images' SHA-256: both signed with the archivist's own key. An image
//! is never stored: a download makes it again, byte for byte, from the
//! records its sealing record names.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use fieldcase_documents::fill::Signed;
use fieldcase_documents::{dossier, set, ReportFont};
use fieldcase_shared::casebag::{
    self, BlobReader, Blobs, CaseDocument, CaseExport, CaseTool, ChainFile, Disc, Medium,
    OtherSigner,
};
use fieldcase_shared::cert::DeviceCert;
use fieldcase_shared::chain::{self, Head, Link};
use fieldcase_shared::envelope::Envelope;
use fieldcase_shared::guomi::Sm2Key;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::{DeviceId, DeviceKey, PublicKey};
use fieldcase_shared::model::{CaseSealed, DiscImage, DiscRecorded, SealedDocument, SealedTool};
use fieldcase_shared::record::{RecordBody, RecordPayload};
use uuid::Uuid;

use crate::blobs::{BlobStore, Finished, Pieces};
use crate::office::staffkeys;
use crate::store::office::CaseState;
use crate::store::Store;

/// Why a disc cannot be built or given.
#[derive(Debug, thiserror::Error)]
pub enum DiscError {
    /// No such case, or no such disc of it.
    #[error("no such case or disc")]
    NotFound,
    /// The case is not yet where it may be archived.
    #[error("案件当前为“{}”，审核通过后才能归档刻盘", .0.zh())]
    NotApproved(CaseState),
    /// A blob a record names is not on the server.
    #[error("证据 {0} 尚未上传到服务器，不能归档；请终端先同步")]
    BlobMissing(Digest),
    /// Anything else (store, signing, the writer).
    #[error("{0}")]
    Failed(String),
}

fn failed(e: impl std::fmt::Display) -> DiscError {
    DiscError::Failed(e.to_string())
}

/// One disc of a bureau bundle, as its `disc_recorded` record states it.
#[derive(Debug, Clone)]
pub struct BuiltDisc {
    /// Bundle id.
    pub bundle_id: Uuid,
    /// Medium name.
    pub medium: String,
    /// Position in the set.
    pub index: u32,
    /// Discs in the set.
    pub count: u32,
    /// SHA-256 of the image.
    pub sha256: Digest,
    /// Image size.
    pub size: u64,
    /// Who built it (the signer's name in the page).
    pub signer: DeviceId,
    /// When.
    pub at: DateTime<Utc>,
}

/// Evidence read from the server's blob store (files or S3): one ranged
/// read per opened range, in pieces.
struct StoreBlobs {
    store: Arc<dyn BlobStore>,
    sizes: BTreeMap<Digest, u64>,
}

impl BlobReader for StoreBlobs {
    fn has(&self, sha256: &Digest) -> bool {
        self.sizes.contains_key(sha256) && self.store.has(sha256).unwrap_or(false)
    }

    fn open_at(&self, sha256: &Digest, offset: u64) -> io::Result<Box<dyn Read + '_>> {
        let size = self.sizes.get(sha256).copied().unwrap_or(0);
        let pieces = self.store.clone().read_range(sha256, offset..size)?;
        Ok(Box::new(PieceReader {
            pieces,
            piece: Vec::new(),
            at: 0,
        }))
    }
}

/// A reader over a blob's pieces.
struct PieceReader {
    pieces: Pieces,
    piece: Vec<u8>,
    at: usize,
}

impl Read for PieceReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.piece.len() {
            match self.pieces.next() {
                None => return Ok(0),
                Some(p) => {
                    self.piece = p?;
                    self.at = 0;
                    if self.piece.is_empty() {
                        return Ok(0);
                    }
                }
            }
        }
        let n = buf.len().min(self.piece.len() - self.at);
        buf[..n].copy_from_slice(&self.piece[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A held record, opened (the store verified it at ingest).
struct Held {
    device: DeviceId,
    envelope: Envelope,
    payload: RecordPayload,
}

fn held(store: &dyn Store, case_id: &Uuid) -> Result<Vec<Held>, DiscError> {
    let mut out = Vec::new();
    for r in store.case_records(case_id).map_err(failed)? {
        let envelope = Envelope::from_json(&r.envelope).map_err(failed)?;
        let payload: RecordPayload = serde_json::from_slice(&envelope.payload).map_err(failed)?;
        out.push(Held {
            device: r.device,
            envelope,
            payload,
        });
    }
    // Signing order; within one signer, chain order.
    out.sort_by_key(|h| (h.payload.created_at, h.device, h.payload.seq));
    Ok(out)
}

/// A signer's chain links around its records `seqs` (from its held digests).
fn chain_around(
    store: &dyn Store,
    device: DeviceId,
    seqs: &BTreeSet<u64>,
) -> Result<ChainFile, DiscError> {
    let (Some(&first), Some(&last)) = (seqs.first(), seqs.last()) else {
        return Err(failed("a signer without records"));
    };
    let mut h = chain::genesis(&device);
    let mut start = Head { seq: 0, chain: h };
    let mut links = Vec::new();
    for (seq, digest) in store.record_digests(&device).map_err(failed)? {
        if seq > last {
            break;
        }
        if seq == first {
            start = Head {
                seq: seq - 1,
                chain: h,
            };
        }
        h = chain::link(&device, seq, &h, &digest);
        if seq >= first {
            links.push(Link {
                seq,
                digest,
                chain: h,
            });
        }
    }
    Ok(ChainFile {
        device,
        start,
        links,
    })
}

/// The agency's certificate of a signer, as the disc carries it: a staff
/// key's certificate from its first login; for a terminal, one issued now
/// from its registration (same fields as its enrolment certificate, so the
/// same bytes every time).
fn certificate(
    store: &dyn Store,
    agency: &DeviceKey,
    staff_certs: &BTreeMap<DeviceId, Vec<u8>>,
    device: DeviceId,
) -> Result<(PublicKey, Vec<u8>), DiscError> {
    if let Some(cert) = staff_certs.get(&device) {
        let env = Envelope::from_json(cert).map_err(failed)?;
        let c = DeviceCert::open(&env, &agency.public()).map_err(failed)?;
        let mut bytes = env.to_json();
        bytes.push(b'\n');
        return Ok((c.public_key, bytes));
    }
    let d = store
        .device(&device)
        .map_err(failed)?
        .ok_or_else(|| failed(format!("signer {device} is not registered")))?;
    let enrolled = store.enrolment_of(&device).map_err(failed)?;
    let cert = DeviceCert {
        v: 1,
        device,
        public_key: d.key,
        name: enrolled
            .as_ref()
            .map(|e| e.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or(d.name),
        officer: enrolled.map(|e| e.officer).unwrap_or_default(),
        issued_at: d.added_at,
        issuer: agency.public(),
        roles: vec![],
    };
    let mut bytes = cert.sign(agency).to_json();
    bytes.push(b'\n');
    Ok((d.key, bytes))
}

/// Every staff member's name, login and roles, from their certificates.
fn signer_names(store: &dyn Store) -> Result<BTreeMap<DeviceId, dossier::SignerName>, DiscError> {
    let mut out = BTreeMap::new();
    for cert in staff_certs(store)?.into_values() {
        let Ok(env) = Envelope::from_json(&cert) else {
            continue;
        };
        if let Ok(c) = serde_json::from_slice::<DeviceCert>(&env.payload) {
            out.insert(
                c.device,
                dossier::SignerName {
                    name: c.name,
                    login: c.officer,
                    roles: c
                        .roles
                        .iter()
                        .map(|r| r.zh())
                        .collect::<Vec<_>>()
                        .join("、"),
                },
            );
        }
    }
    Ok(out)
}

fn staff_certs(store: &dyn Store) -> Result<BTreeMap<DeviceId, Vec<u8>>, DiscError> {
    let mut out = BTreeMap::new();
    for u in store.staff_list().map_err(failed)? {
        if let Some(k) = store.staff_key(&u.name).map_err(failed)? {
            out.insert(k.signer, k.cert);
        }
    }
    Ok(out)
}

/// The export of the bundle `sealing` seals: the records it names, in its
/// order, then itself.
fn export_of(
    store: &dyn Store,
    blobs: Arc<dyn BlobStore>,
    agency: &DeviceKey,
    recording: DeviceId,
    records: &[Held],
    sealing: &Held,
) -> Result<CaseExport, DiscError> {
    let RecordBody::CaseSealed(s) = &sealing.payload.body else {
        return Err(failed("not a sealing record"));
    };
    let by_digest: BTreeMap<Digest, &Held> =
        records.iter().map(|h| (h.envelope.digest(), h)).collect();
    let mut chosen = Vec::new();
    for d in &s.records {
        chosen.push(
            *by_digest
                .get(d)
                .ok_or_else(|| failed(format!("record {d} of the bundle is not held")))?,
        );
    }
    chosen.push(sealing);
    let mut seqs: BTreeMap<DeviceId, BTreeSet<u64>> = BTreeMap::new();
    let mut sizes = BTreeMap::new();
    for h in &chosen {
        seqs.entry(h.device).or_default().insert(h.payload.seq);
        if let RecordBody::EvidenceAdded(e) = &h.payload.body {
            sizes.insert(e.sha256, e.size);
        }
    }
    let certs = staff_certs(store)?;
    let mut others = Vec::new();
    let mut recording_side = None;
    for (device, seqs) in &seqs {
        let chain = chain_around(store, *device, seqs)?;
        let (key, cert) = certificate(store, agency, &certs, *device)?;
        if *device == recording {
            recording_side = Some((key, chain, cert));
        } else {
            others.push(OtherSigner {
                key,
                chain,
                certificate: Some(cert),
            });
        }
    }
    let (device_key, chain, cert) =
        recording_side.ok_or_else(|| failed("the bundle holds no record of the terminal"))?;
    let documents = s
        .documents
        .iter()
        .map(|d| stored_document(blobs.as_ref(), d))
        .collect::<Result<Vec<_>, _>>()?;
    let tools = s
        .tools
        .iter()
        .map(|t| stored_tool(blobs.as_ref(), t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CaseExport {
        documents,
        tools,
        device_key,
        records: chosen.iter().map(|h| h.envelope.clone()).collect(),
        chain,
        others,
        blobs: Blobs(Arc::new(StoreBlobs {
            store: blobs,
            sizes,
        })),
        thumbnails: BTreeMap::new(),
        certificate: Some(cert),
    })
}

/// The deciding agency's name and the font the bundle's documents are
/// rendered with.
pub struct Papers<'a> {
    /// 执法机关名称 (empty: the bundle carries no documents).
    pub agency: &'a str,
    /// The CJK font.
    pub font: &'a ReportFont,
    /// The statically linked verifier every disc carries (none: no
    /// `tools/`).
    pub verifier: Option<&'a [u8]>,
}

/// The agency's keys that seal a bundle: Ed25519 always; SM2 as well
/// with the 国密 option (docs/disc.md).
#[derive(Clone)]
pub struct AgencyKeys {
    /// The agency key (the server key).
    pub ed25519: Arc<DeviceKey>,
    /// The agency's SM2 key, when the bureau seals with 国密 too.
    pub sm2: Option<Arc<Sm2Key>>,
}

/// Keeps `bytes` in the blob store under their SHA-256 (if not there yet).
fn keep_blob(blobs: &dyn BlobStore, bytes: &[u8], what: &str) -> Result<Digest, DiscError> {
    let sha256 = fieldcase_shared::hash::sha256(bytes);
    if !blobs.has(&sha256).map_err(failed)? {
        blobs.truncate(&sha256, 0).map_err(failed)?;
        blobs.append(&sha256, 0, bytes).map_err(failed)?;
        match blobs.finish(&sha256, Some(sha256)).map_err(failed)? {
            Finished::Stored(_) => {}
            Finished::Mismatch(d) => return Err(failed(format!("{what} stored as {d}"))),
        }
    }
    Ok(sha256)
}

/// Keeps the verifier in the blob store (where every later download finds
/// the same bytes again); returns what the seal names.
fn keep_tools(blobs: &dyn BlobStore, papers: &Papers<'_>) -> Result<Vec<SealedTool>, DiscError> {
    let Some(bytes) = papers.verifier else {
        return Ok(Vec::new());
    };
    Ok(vec![SealedTool {
        path: casebag::VERIFIER_TOOL.into(),
        sha256: keep_blob(blobs, bytes, "the verifier")?,
        size: bytes.len() as u64,
    }])
}

/// A sealed program's bytes from the blob store, checked against the seal.
fn stored_tool(blobs: &dyn BlobStore, t: &SealedTool) -> Result<CaseTool, DiscError> {
    let bytes = blobs
        .read_at(&t.sha256, 0, t.size as usize)
        .map_err(|e| failed(format!("{} ({}): {e}", t.path, t.sha256)))?;
    if fieldcase_shared::hash::sha256(&bytes) != t.sha256 {
        return Err(failed(format!(
            "{} in the blob store is not the one sealed",
            t.path
        )));
    }
    Ok(CaseTool {
        sealed: t.clone(),
        bytes,
    })
}

/// Renders every document the records produce and keeps each PDF in the
/// blob store under its SHA-256 (where the sealing record's list finds it
/// again for every later download); returns the list the seal names.
fn keep_documents(
    (store, blobs): (&dyn Store, &dyn BlobStore),
    records: &[Held],
    papers: &Papers<'_>,
    filed: (DeviceId, DateTime<Utc>),
) -> Result<Vec<SealedDocument>, DiscError> {
    if papers.agency.trim().is_empty() {
        tracing::warn!("agency_name is not set: the disc carries no documents");
        return Ok(Vec::new());
    }
    let signed: Vec<Signed> = records
        .iter()
        .map(|h| Signed {
            payload: h.payload.clone(),
            digest: h.envelope.digest(),
        })
        .collect();
    let made = set::render_all(&signed, papers.agency, papers.font).map_err(failed)?;
    let mut out = Vec::new();
    // The 卷宗 first: the whole file in archive order, the documents in it.
    if let Some(last) = signed.last() {
        let names = signer_names(store)?;
        let pdf = dossier::render(
            &dossier::Dossier {
                records: &signed,
                agency: papers.agency,
                signers: &names,
                filed: (filed.0, filed.1.fixed_offset()),
            },
            papers.font,
        )
        .map_err(failed)?;
        out.push(SealedDocument {
            kind: dossier::KIND.to_owned(),
            title: dossier::TITLE.to_owned(),
            record: last.digest,
            sha256: keep_blob(blobs, &pdf, "case file")?,
            size: pdf.len() as u64,
        });
    }
    for m in made {
        let sha256 = keep_blob(blobs, &m.pdf, "document")?;
        out.push(SealedDocument {
            kind: m.kind.tag().to_owned(),
            title: m.title,
            record: m.record,
            sha256,
            size: m.pdf.len() as u64,
        });
    }
    Ok(out)
}

/// A sealed document's bytes from the blob store, checked against the seal.
fn stored_document(blobs: &dyn BlobStore, d: &SealedDocument) -> Result<CaseDocument, DiscError> {
    let pdf = blobs
        .read_at(&d.sha256, 0, d.size as usize)
        .map_err(|e| failed(format!("document {} ({}): {e}", d.title, d.sha256)))?;
    if fieldcase_shared::hash::sha256(&pdf) != d.sha256 {
        return Err(failed(format!(
            "document {} in the blob store is not the one sealed",
            d.title
        )));
    }
    Ok(CaseDocument {
        sealed: d.clone(),
        pdf,
    })
}

/// Builds a new bureau bundle of an approved case: the archivist signs
/// its sealing record, the discs are laid out on `medium` and hashed, and
/// the archivist signs their `disc_recorded` record. Returns the discs.
pub fn build(
    store: &dyn Store,
    blobs: Arc<dyn BlobStore>,
    keys: &AgencyKeys,
    (archivist, papers): (&DeviceKey, &Papers<'_>),
    case_id: Uuid,
    medium: Medium,
    now: DateTime<Utc>,
) -> Result<Vec<BuiltDisc>, DiscError> {
    let row = store
        .case_row(&case_id)
        .map_err(failed)?
        .ok_or(DiscError::NotFound)?;
    if row.state != CaseState::Approved {
        return Err(DiscError::NotApproved(row.state));
    }
    let records = held(store, &case_id)?;
    for h in &records {
        if let RecordBody::EvidenceAdded(e) = &h.payload.body {
            if !matches!(blobs.has(&e.sha256), Ok(true)) {
                return Err(DiscError::BlobMissing(e.sha256));
            }
        }
    }
    let documents = keep_documents(
        (store, blobs.as_ref()),
        &records,
        papers,
        (archivist.public().device_id(), now),
    )?;
    let tools = keep_tools(blobs.as_ref(), papers)?;
    let body = RecordBody::CaseSealed(CaseSealed {
        case_id,
        case_no: row.case_no.clone(),
        bundle_id: casebag::new_bundle_id(),
        records: records.iter().map(|h| h.envelope.digest()).collect(),
        documents,
        agency: papers.agency.trim().to_owned(),
        tools,
        sm2_key: keys
            .sm2
            .as_ref()
            .map(|k| k.public_pem())
            .unwrap_or_default(),
    });
    let sealed = staffkeys::sign_act(store, archivist, body, now).map_err(failed)?;
    let sealing = Held {
        device: sealed.header.device,
        payload: serde_json::from_slice(&sealed.envelope.payload).map_err(failed)?,
        envelope: sealed.envelope,
    };
    let agency = keys.ed25519.as_ref();
    let export = export_of(store, blobs, agency, row.device, &records, &sealing)?;
    let discs = casebag::plan_with(&export, (agency, keys.sm2.as_deref()), Some(medium), |_| {})
        .map_err(failed)?;
    let mut images = Vec::new();
    for d in &discs {
        let (sha256, size) = d.image_digest(|_| {}).map_err(failed)?;
        images.push(DiscImage {
            index: d.index,
            sha256,
            size,
        });
    }
    let RecordBody::CaseSealed(s) = &sealing.payload.body else {
        return Err(failed("not a sealing record"));
    };
    let recorded = DiscRecorded {
        case_id,
        bundle_id: s.bundle_id,
        medium: medium.name().into(),
        discs: images,
    };
    let signer = archivist.public().device_id();
    let built = built_of(&recorded, signer, now, discs.len() as u32);
    staffkeys::sign_act(store, archivist, RecordBody::DiscRecorded(recorded), now)
        .map_err(failed)?;
    tracing::info!(case = %row.case_no, bundle = %s.bundle_id, discs = built.len(), "bureau disc built");
    Ok(built)
}

fn built_of(r: &DiscRecorded, signer: DeviceId, at: DateTime<Utc>, count: u32) -> Vec<BuiltDisc> {
    r.discs
        .iter()
        .map(|d| BuiltDisc {
            bundle_id: r.bundle_id,
            medium: r.medium.clone(),
            index: d.index,
            count,
            sha256: d.sha256,
            size: d.size,
            signer,
            at,
        })
        .collect()
}

/// The discs built at the bureau for a case, from its `disc_recorded`
/// records signed by staff keys.
pub fn discs(store: &dyn Store, case_id: &Uuid) -> Result<Vec<BuiltDisc>, DiscError> {
    let staff: BTreeSet<DeviceId> = staff_certs(store)?.into_keys().collect();
    let mut out = Vec::new();
    for h in held(store, case_id)? {
        if let RecordBody::DiscRecorded(r) = &h.payload.body {
            if staff.contains(&h.device) {
                let at = h.payload.created_at.with_timezone(&Utc);
                out.extend(built_of(r, h.device, at, r.discs.len() as u32));
            }
        }
    }
    Ok(out)
}

/// Disc `index` of bundle `bundle_id` of a case, planned again from the
/// records its sealing record names, with the SHA-256 and size recorded
/// for it.
pub fn disc(
    store: &dyn Store,
    blobs: Arc<dyn BlobStore>,
    keys: &AgencyKeys,
    case_id: &Uuid,
    bundle_id: Uuid,
    index: u32,
) -> Result<(Disc, BuiltDisc), DiscError> {
    let row = store
        .case_row(case_id)
        .map_err(failed)?
        .ok_or(DiscError::NotFound)?;
    let built = discs(store, case_id)?
        .into_iter()
        .find(|d| d.bundle_id == bundle_id && d.index == index)
        .ok_or(DiscError::NotFound)?;
    let medium = Medium::parse(&built.medium).ok_or(DiscError::NotFound)?;
    let records = held(store, case_id)?;
    let sealing = records
        .iter()
        .find(|h| {
            h.device == built.signer
                && matches!(&h.payload.body, RecordBody::CaseSealed(s) if s.bundle_id == bundle_id)
        })
        .ok_or(DiscError::NotFound)?;
    let agency = keys.ed25519.as_ref();
    let export = export_of(store, blobs, agency, row.device, &records, sealing)?;
    let mut discs =
        casebag::plan_with(&export, (agency, keys.sm2.as_deref()), Some(medium), |_| {})
            .map_err(failed)?;
    let k = discs
        .iter()
        .position(|d| d.index == index)
        .ok_or(DiscError::NotFound)?;
    Ok((discs.swap_remove(k), built))
}
