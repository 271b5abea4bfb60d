//! The case bundle ("one case, one disc", 一案一盘): a sealed BagIt bag
//! for one closed case, written as a folder or as one or more reproducible
//! ISO 9660 disc images, and its full verification (fixity, seal, record
//! signatures, device chain, evidence, disc sets).
//!
//! Layout of every disc (see `docs/bag.md` and `docs/disc.md`):
//! ```text
//! bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
//! tagmanifest-sha256.txt.minisig      the seal (minisign, device key)
//! README.TXT  index.html              for people; listed in the tag manifest
//! data/case.json                      case summary, original names, custody events
//! data/chain.json                     chain links from the case's first to last record
//! data/device-key.txt                 the device's public key (informational)
//! data/device-key.pub                 the same key in minisign form (informational)
//! data/device-cert.json               the device certificate from enrolment, if any
//! data/records/<seq:08>.dsse.json     every signed record of the case
//! data/evidence/<nnn>-<sha12>.<ext>   evidence bytes exactly as captured
//! data/evidence/….<ext>.<part:03>     parts of a file split across discs
//! data/thumbs/<nnn>-<sha12>.jpg       thumbnails of photos for index.html
//! data/set.json                       only in a set of several discs
//! ```
//!
//! A bundle built at the bureau (`docs/disc.md`, "Discs built at the
//! bureau") has records of several signers and is sealed by the agency key:
//! ```text
//! tagmanifest-sha256.txt.minisig      the seal (minisign, agency key)
//! data/agency-key.txt  data/agency-key.pub   the agency key (informational)
//! data/records/<signer>/<seq:08>.dsse.json   every signer's records
//! data/chains/<signer>.json           each signer's chain around the case
//! data/certs/<signer>.json            the agency's certificate of each signer
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bag::BagError;
use crate::chain::{Head, Link};
use crate::envelope::Envelope;
use crate::hash::Digest;
use crate::keys::{DeviceId, PublicKey};
use crate::model::{CaseOpened, EvidenceItem, SealedDocument};
use crate::record::RecordError;

/// Case summary file.
pub const CASE_FILE: &str = "data/case.json";
/// Chain context file.
pub const CHAIN_FILE: &str = "data/chain.json";
/// Device public key file.
pub const KEY_FILE: &str = "data/device-key.txt";
/// Device public key in minisign form.
pub const MINISIGN_KEY_FILE: &str = "data/device-key.pub";
/// The device certificate from enrolment, when the device has one.
pub const CERT_FILE: &str = "data/device-cert.json";
/// Chains folder of a bureau bundle (one file per signer).
pub const CHAINS_DIR: &str = "data/chains/";
/// Certificates folder of a bureau bundle (one file per signer).
pub const CERTS_DIR: &str = "data/certs/";
/// The sealing agency key of a bureau bundle.
pub const AGENCY_KEY_FILE: &str = "data/agency-key.txt";
/// The same key in minisign form.
pub const AGENCY_MINISIGN_KEY_FILE: &str = "data/agency-key.pub";
/// Disc set description.
pub const SET_FILE: &str = "data/set.json";
/// Records folder.
pub const RECORDS_DIR: &str = "data/records/";
/// Evidence folder.
pub const EVIDENCE_DIR: &str = "data/evidence/";
/// Thumbnails folder.
pub const THUMBS_DIR: &str = "data/thumbs/";
/// The documents the records produce (PDF/A, rendered from them).
pub const DOCUMENTS_DIR: &str = "data/documents/";
/// The seal.
pub const SEAL_FILE: &str = "tagmanifest-sha256.txt.minisig";
/// Plain-text guide at the disc root.
pub const README_FILE: &str = "README.TXT";
/// Offline index page at the disc root.
pub const INDEX_FILE: &str = "index.html";
/// The folder beside the bag holding the programs the seal names (the
/// statically linked verifier): tag files, listed in the tag manifest.
pub const TOOLS_DIR: &str = "tools/";
/// The verifier's name in [`TOOLS_DIR`].
pub const VERIFIER_TOOL: &str = "tools/fieldcase-verify";
/// `format` value of `case.json`.
pub const CASE_FORMAT: &str = "fieldcase-case/1";
/// `format` value of `set.json`.
pub const SET_FORMAT: &str = "fieldcase-set/1";

/// One evidence file in `case.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceEntry {
    /// Path in the bag (for a file split across discs, the name its parts
    /// share before `.001`, `.002`, …).
    pub path: String,
    /// Seq of the record that added it.
    pub record_seq: u64,
    /// Thumbnail path, for photos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
    /// What that record says about the file (hash, size, type, original name).
    #[serde(flatten)]
    pub item: EvidenceItem,
}

/// One document in `case.json`: a PDF/A rendered from one record of the
/// case (its QR code names the same record), as the sealing record names
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentEntry {
    /// Path in the bag.
    pub path: String,
    /// The document as the sealing record names it.
    #[serde(flatten)]
    pub document: SealedDocument,
}

/// A document to put in the bundle: one the sealing record names, with
/// its bytes (rendered by the caller, who holds the templates and font).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDocument {
    /// As the sealing record names it.
    pub sealed: SealedDocument,
    /// PDF/A bytes.
    pub pdf: Vec<u8>,
}

/// One record in `case.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordEntry {
    /// Path in the bag.
    pub path: String,
    /// Seq.
    pub seq: u64,
    /// Kind.
    pub kind: String,
    /// Record digest.
    pub digest: Digest,
    /// Signer, in a bureau bundle (records of several signers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<DeviceId>,
}

/// A certified signer in a bureau bundle's `case.json`, as its
/// certificate on the disc states it (for people; the certificate is the truth).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerEntry {
    /// Signer id.
    pub signer: DeviceId,
    /// Its key.
    pub key: PublicKey,
    /// Name (a device's name, or a staff member's display name).
    pub name: String,
    /// 执法证号 of a device's officer, or a staff member's login name.
    pub officer: String,
    /// Back-office roles (empty for a device).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<crate::staff::Role>,
}

/// A custody event, named after CASE/UCO actions: who did what, when,
/// where, with which instrument, to which object. Derived from the signed
/// records; listed for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyEvent {
    /// Action name (`open-case`, `acquire-evidence`, `close-case`, `seal-bundle`).
    pub action: String,
    /// 执法证号 of the officers who performed it.
    pub performer: Vec<String>,
    /// Device that signed it.
    pub instrument: DeviceId,
    /// When.
    pub time: DateTime<FixedOffset>,
    /// Where (the place of the check).
    pub place: String,
    /// What it acted on: the evidence SHA-256, or the record digest.
    pub object: String,
    /// The record that states it.
    pub record_seq: u64,
}

/// `data/case.json`: for people and tools; the signed records are the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseFile {
    /// [`CASE_FORMAT`].
    pub format: String,
    /// Case id.
    pub case_id: Uuid,
    /// 案号.
    pub case_no: String,
    /// Bundle id (from the sealing record).
    pub bundle_id: Uuid,
    /// Device that recorded the case.
    pub device: DeviceId,
    /// Its public key.
    pub device_key: PublicKey,
    /// The opening record's body.
    pub opened: CaseOpened,
    /// When the case was closed.
    pub closed_at: DateTime<FixedOffset>,
    /// What the check found, from the closing record: checklist, outcome,
    /// the decision (violation, basis, penalty), statement, signatures.
    /// A case closed in the window decides its violation here; its opening
    /// record has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<crate::check::Findings>,
    /// When the bundle was sealed.
    pub sealed_at: DateTime<FixedOffset>,
    /// Officers (执法证号) on the records.
    pub officers: Vec<String>,
    /// Records in seq order.
    pub records: Vec<RecordEntry>,
    /// Evidence in record order.
    pub evidence: Vec<EvidenceEntry>,
    /// Custody events in record order.
    pub custody: Vec<CustodyEvent>,
    /// A bureau bundle: the agency key that sealed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_key: Option<PublicKey>,
    /// A bureau bundle: every certified signer of its records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signers: Vec<SignerEntry>,
    /// The documents the records produce, in record order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<DocumentEntry>,
}

/// `data/chain.json`: the device chain around the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainFile {
    /// Device.
    pub device: DeviceId,
    /// Head before the case's first record (seq and chain hash).
    pub start: Head,
    /// Every link from `start.seq + 1` to the case's last record.
    pub links: Vec<Link>,
}

/// Where the bytes of one evidence file are in a disc set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetPart {
    /// Disc number, from 1.
    pub disc: u32,
    /// Path on that disc.
    pub path: String,
    /// Offset of this part in the whole file.
    pub offset: u64,
    /// Part size.
    pub size: u64,
    /// SHA-256 of the part.
    pub sha256: Digest,
}

/// One evidence file of a disc set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetItem {
    /// SHA-256 of the whole file (as its record says).
    pub sha256: Digest,
    /// Whole size.
    pub size: u64,
    /// Its path in `case.json`.
    pub path: String,
    /// Its parts in order (one part when not split).
    pub parts: Vec<SetPart>,
}

/// `data/set.json`: how a case too large for one disc is spread over several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetFile {
    /// [`SET_FORMAT`].
    pub format: String,
    /// `Bag-Group-Identifier` of every disc of the set.
    pub group: String,
    /// Medium name.
    pub medium: String,
    /// Number of discs.
    pub count: u32,
    /// Every evidence file.
    pub items: Vec<SetItem>,
}

/// Disc media and their capacities in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    /// CD-R, 737,280,000 B.
    Cd,
    /// DVD±R, 4,700,372,992 B.
    Dvd,
    /// DVD±R DL, 8,543,666,176 B.
    DvdDl,
    /// BD-R, 25,025,314,816 B.
    Bd,
    /// BD-R DL, 50,050,629,632 B.
    BdDl,
    /// Any other capacity (tests, odd media).
    Custom(u64),
}

impl Medium {
    /// Capacity in bytes.
    pub fn capacity(self) -> u64 {
        match self {
            Medium::Cd => 737_280_000,
            Medium::Dvd => 4_700_372_992,
            Medium::DvdDl => 8_543_666_176,
            Medium::Bd => 25_025_314_816,
            Medium::BdDl => 50_050_629_632,
            Medium::Custom(n) => n,
        }
    }

    /// Name as given on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Medium::Cd => "cd",
            Medium::Dvd => "dvd",
            Medium::DvdDl => "dvd-dl",
            Medium::Bd => "bd",
            Medium::BdDl => "bd-dl",
            Medium::Custom(_) => "custom",
        }
    }

    /// Parses `cd`, `dvd`, `dvd-dl`, `bd`, `bd-dl`.
    pub fn parse(s: &str) -> Option<Medium> {
        Some(match s {
            "cd" => Medium::Cd,
            "dvd" => Medium::Dvd,
            "dvd-dl" => Medium::DvdDl,
            "bd" => Medium::Bd,
            "bd-dl" => Medium::BdDl,
            _ => return None,
        })
    }
}

/// Where the writer reads evidence bytes: files on the terminal, the
/// bureau's blob store (files or S3) on the server.
pub trait BlobReader: Send + Sync {
    /// True when the blob's bytes can be read.
    fn has(&self, sha256: &Digest) -> bool;
    /// The blob's bytes from `offset` to its end.
    fn open_at(&self, sha256: &Digest, offset: u64)
        -> std::io::Result<Box<dyn std::io::Read + '_>>;
}

/// Evidence files by digest (the terminal's store).
impl BlobReader for BTreeMap<Digest, PathBuf> {
    fn has(&self, sha256: &Digest) -> bool {
        self.contains_key(sha256)
    }
    fn open_at(
        &self,
        sha256: &Digest,
        offset: u64,
    ) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        use std::io::{Seek, SeekFrom};
        let path = self.get(sha256).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("evidence {sha256} is not in the local store"),
            )
        })?;
        let mut f = std::fs::File::open(path)?;
        f.seek(SeekFrom::Start(offset))?;
        Ok(Box::new(f))
    }
}

/// The evidence source a plan reads from (shared by its discs).
#[derive(Clone)]
pub struct Blobs(pub std::sync::Arc<dyn BlobReader>);

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Blobs(..)")
    }
}

/// Another signer of a bureau bundle's records (a staff member, or a
/// terminal besides the recording one): its key, its chain around the
/// case and the agency's certificate for it.
#[derive(Debug, Clone)]
pub struct OtherSigner {
    /// Its key.
    pub key: PublicKey,
    /// Its chain links from just before its first to its last record of the case.
    pub chain: ChainFile,
    /// The agency's certificate for the key (DSSE JSON), if any.
    pub certificate: Option<Vec<u8>>,
}

/// Everything needed to write a case bundle.
#[derive(Debug, Clone)]
pub struct CaseExport {
    /// The recording device's key.
    pub device_key: PublicKey,
    /// The case's records (envelopes as stored). A terminal's bundle: its
    /// records in seq order, from the opening record through the sealing
    /// record. A bureau bundle: every signer's records, the archivist's
    /// sealing record last.
    pub records: Vec<Envelope>,
    /// The recording device's chain links from just before its first to
    /// its last case record.
    pub chain: ChainFile,
    /// The other signers of a bureau bundle (empty for a terminal's).
    pub others: Vec<OtherSigner>,
    /// Where evidence bytes are read.
    pub blobs: Blobs,
    /// JPEG thumbnails of photos, by evidence digest.
    pub thumbnails: BTreeMap<Digest, Vec<u8>>,
    /// The device certificate (DSSE JSON) from enrolment, if any.
    pub certificate: Option<Vec<u8>>,
    /// The documents the records produce, rendered from them (empty: none).
    pub documents: Vec<CaseDocument>,
    /// The programs the sealing record names, with their bytes (empty:
    /// none).
    pub tools: Vec<CaseTool>,
}

/// A program to put on every disc beside the bag: one the sealing record
/// names, with its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTool {
    /// As the sealing record names it.
    pub sealed: crate::model::SealedTool,
    /// The file.
    pub bytes: Vec<u8>,
}

/// Why a case cannot be exported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Bag writing failed.
    #[error(transparent)]
    Bag(#[from] BagError),
    /// A stored record is not readable.
    #[error("stored record is damaged: {0}")]
    Record(#[from] RecordError),
    /// The case has no opening, closing or sealing record.
    #[error("{0}")]
    Incomplete(String),
    /// A blob the records name is not in the store.
    #[error("evidence {0} is named by a record but is not in the local store")]
    BlobMissing(Digest),
    /// The disc image cannot be laid out.
    #[error("disc image: {0}")]
    Iso(#[from] crate::iso::IsoError),
    /// The chosen medium cannot hold even the case's metadata.
    #[error("the {medium} medium ({capacity} bytes) cannot hold this case's metadata ({needed} bytes); choose a larger medium")]
    MediumTooSmall {
        /// Medium name.
        medium: String,
        /// Its capacity.
        capacity: u64,
        /// Bytes needed on every disc.
        needed: u64,
    },
}

fn extension_for(media_type: &str, original: &str) -> String {
    let from_type = match media_type {
        "image/jpeg" => Some("jpg"),
        "image/png" => Some("png"),
        "video/mp4" => Some("mp4"),
        "audio/mpeg" => Some("mp3"),
        "application/pdf" => Some("pdf"),
        _ => None,
    };
    if let Some(e) = from_type {
        return e.to_owned();
    }
    original
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "bin".to_owned())
}

/// Pretty JSON with a final newline, for files people open.
fn pretty_json<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

mod build;
mod human;
mod readme;
pub mod tool;
pub use build::custody_action;
pub use human::{action_label, human_size};
mod write;
pub use build::{plan, plan_with, Content, Disc, DiscFile};

mod verify;
pub use build::{case_slug, new_bundle_id};
pub use verify::{
    open_all, total_bytes, verify, verify_sources, verify_trusting, Certified, DiscReport,
    RecordRef, Report, Signer, Trust,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::sha256;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn chain_file_round_trip(seed in any::<[u8; 16]>(), start in 0u64..1000, n in 0usize..20) {
            let device = DeviceId(seed);
            let links: Vec<Link> = (0..n as u64)
                .map(|i| Link {
                    seq: start + 1 + i,
                    digest: sha256(&i.to_be_bytes()),
                    chain: sha256(&(i + 7).to_be_bytes()),
                })
                .collect();
            let cf = ChainFile { device, start: Head { seq: start, chain: sha256(b"s") }, links };
            let bytes = pretty_json(&cf);
            let back: ChainFile = serde_json::from_slice(&bytes).unwrap();
            prop_assert_eq!(&back, &cf);
            prop_assert_eq!(pretty_json(&back), bytes);
        }
    }
}
