//! Evidence of a case: files imported from a folder or a mounted body
//! camera (streamed SHA-256, the original only read, signed on import),
//! signatures drawn on screen, thumbnails, and the import as background
//! work with progress for the window.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::model::{EvidenceItem, OfficerPair};
use fieldcase_shared::record::RecordBody;
use image::ImageDecoder;
use uuid::Uuid;

use crate::cases::{CaseRow, EvidenceRow};
use crate::check::Signer;
use crate::core::{AppError, Terminal, Text2};

mod import;
mod scan;
mod signature;

pub use import::{spawn_import, Import, ImportDone};
pub use scan::{media_type, scan, sniff, sources, sources_from, Candidate, Source, MAX_FOUND};
pub use signature::{signature_png, strokes_path, PAD};

/// 音像记录 categories offered for evidence: (Chinese, English).
pub const CATEGORIES: [(&str, &str); 8] = [
    ("现场检查", "On-site check"),
    ("询问", "Questioning"),
    ("先行登记保存", "Registered preservation"),
    ("扣押", "Seizure"),
    ("送达", "Service of documents"),
    ("当场处罚", "On-the-spot penalty"),
    ("签名", "Signature"),
    ("其他", "Other"),
];

/// Largest file kept from memory ([`Evidence::add_bytes`]).
const MAX_KEPT: usize = 16 << 20;

/// Longest side of a thumbnail in pixels.
const THUMB_PX: u32 = 256;

/// What is known about an evidence file besides its bytes.
#[derive(Debug, Clone, Default)]
pub struct EvidenceMeta {
    /// Media type, e.g. `image/jpeg`.
    pub media_type: String,
    /// File name as captured.
    pub original_name: String,
    /// Capture time, when known.
    pub captured_at: Option<DateTime<FixedOffset>>,
    /// 音像记录 category.
    pub category: String,
    /// Description.
    pub description: String,
}

/// The evidence controller of one terminal.
pub struct Evidence<'t> {
    term: &'t Terminal,
}

impl Terminal {
    /// The evidence controller.
    pub fn evidence(&self) -> Evidence<'_> {
        Evidence { term: self }
    }
}

impl Evidence<'_> {
    /// Imports a file into an open case: streams it into the blob store
    /// (the original is only read), then appends an `evidence_added` record
    /// naming its SHA-256.
    pub fn add_file(
        &self,
        officers: &OfficerPair,
        case: &Uuid,
        src: &Path,
        meta: EvidenceMeta,
        progress: impl FnMut(u64),
    ) -> Result<Digest, AppError> {
        let row = self.term.cases().require_open(case)?;
        let stored = self.term.store.put_blob(src, progress)?;
        self.record(officers, &row, stored, meta)
    }

    /// Imports a candidate found by [`scan`], with the category and
    /// description the officer chose.
    pub fn add_found(
        &self,
        officers: &OfficerPair,
        case: &Uuid,
        c: &Candidate,
        category: &str,
        description: &str,
        progress: impl FnMut(u64),
    ) -> Result<Digest, AppError> {
        let name = c
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let meta = EvidenceMeta {
            media_type: c.media_type().into(),
            original_name: name,
            captured_at: c.modified,
            category: category.into(),
            description: description.into(),
        };
        self.add_file(officers, case, &c.path, meta, progress)
    }

    /// Stores a drawn signature as an evidence item (PNG, category 签名).
    pub fn add_signature(
        &self,
        officers: &OfficerPair,
        case: &Uuid,
        who: Signer,
        strokes: &[Vec<(f32, f32)>],
    ) -> Result<Digest, AppError> {
        if strokes.iter().map(Vec::len).sum::<usize>() < 2 {
            return Err(AppError::refused(
                "签名为空，请在签名框内书写后再保存",
                "The signature is empty: write in the box, then save",
            ));
        }
        let row = self.term.cases().require_open(case)?;
        let png = signature_png(strokes);
        let stored = self.term.store.put_blob_reader(
            Cursor::new(png),
            Path::new("signature.png"),
            |_| {},
        )?;
        self.record(
            officers,
            &row,
            stored,
            EvidenceMeta {
                media_type: "image/png".into(),
                original_name: format!("signature-{}.png", who.role()),
                captured_at: Some(Terminal::now()),
                category: "签名".into(),
                description: format!("{} 签名", who.zh()),
            },
        )
    }

    /// Stores `bytes` (at most [`MAX_KEPT`]) and signs them as evidence of
    /// the case `row`, open or not: for what the law adds to a decided case
    /// (the document handed over, the party's receipt signature).
    pub(crate) fn add_bytes(
        &self,
        officers: &OfficerPair,
        row: &CaseRow,
        bytes: Vec<u8>,
        meta: EvidenceMeta,
    ) -> Result<Digest, AppError> {
        if bytes.len() > MAX_KEPT {
            return Err(AppError::refused(
                format!("文件超过 {} MB", MAX_KEPT >> 20),
                format!("the file is over {} MB", MAX_KEPT >> 20),
            ));
        }
        let name = PathBuf::from(&meta.original_name);
        let stored = self
            .term
            .store
            .put_blob_reader(Cursor::new(bytes), &name, |_| {})?;
        self.record(officers, row, stored, meta)
    }

    fn record(
        &self,
        officers: &OfficerPair,
        row: &CaseRow,
        (sha256, size): (Digest, u64),
        meta: EvidenceMeta,
    ) -> Result<Digest, AppError> {
        let case = &row.case_id;
        self.term
            .store
            .append(&self.term.key, officers.cert_nos(), Terminal::now(), |_| {
                Ok(RecordBody::EvidenceAdded(EvidenceItem {
                    case_id: *case,
                    sha256,
                    size,
                    media_type: meta.media_type,
                    original_name: meta.original_name,
                    captured_at: meta.captured_at,
                    category: meta.category,
                    description: meta.description,
                }))
            })?;
        tracing::info!(case = %row.case_no, sha256 = %sha256.short(16), size, "evidence signed");
        Ok(sha256)
    }

    /// The evidence of a case, in the order it was added.
    pub fn list(&self, case: &Uuid) -> Result<Vec<EvidenceRow>, AppError> {
        self.term.cases().evidence(case)
    }

    /// A thumbnail of a stored image (JPEG), when it decodes as one.
    pub fn thumbnail(&self, sha256: &Digest) -> Option<Vec<u8>> {
        thumbnail(&self.term.store.blob_path(sha256)?)
    }
}

/// A JPEG thumbnail of an image file, upright (EXIF orientation applied);
/// `None` for anything that does not decode as an image.
pub fn thumbnail(path: &Path) -> Option<Vec<u8>> {
    let reader = image::ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?;
    let mut decoder = reader.into_decoder().ok()?;
    let orientation = decoder.orientation().ok()?;
    let mut img = image::DynamicImage::from_decoder(decoder).ok()?;
    img.apply_orientation(orientation);
    let small = img.thumbnail(THUMB_PX, THUMB_PX).to_rgb8();
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&small)
        .ok()?;
    Some(out.into_inner())
}

/// What a folder holds, said to the officer before importing.
pub fn found_summary(found: &[Candidate]) -> Text2 {
    let bytes: u64 = found.iter().map(|c| c.size).sum();
    let size = crate::human_size(bytes);
    let odd = found.iter().filter(|c| c.mismatch()).count();
    let mut t = Text2::new(
        format!("找到 {} 个照片/视频文件，共 {size}", found.len()),
        format!("Found {} photo/video files, {size} in all", found.len()),
    );
    if odd > 0 {
        let names: Vec<String> = found
            .iter()
            .filter(|c| c.mismatch())
            .take(3)
            .filter_map(|c| c.path.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        t.zh.push_str(&format!(
            "；注意：{odd} 个文件的内容与扩展名不符（{}），将按“未知类型”导入",
            names.join("、")
        ));
        t.en.push_str(&format!(
            "; note: {odd} files are not what their names say ({}): they are imported as unknown type",
            names.join(", ")
        ));
    }
    t
}

/// The folder offered first: a camera's DCIM, else removable media, else
/// none (the officer is asked to plug one in).
pub fn default_folder() -> Option<PathBuf> {
    sources().into_iter().next().map(|s| s.path)
}
