//! Work on a case beyond the form: importing evidence files from a folder
//! or a mounted body camera, signatures drawn on screen, and corrections
//! of closed cases.

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Local};
use fieldcase_shared::check::CaseCorrected;
use fieldcase_shared::hash::Digest;
use fieldcase_shared::model::OfficerPair;
use fieldcase_shared::record::RecordBody;
use uuid::Uuid;

use crate::core::{AppError, EvidenceMeta, Terminal};

/// Media types of files offered for import, by extension.
pub fn media_type(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "avi" => "video/x-msvideo",
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        _ => return None,
    })
}

/// An evidence file found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Path.
    pub path: PathBuf,
    /// Media type.
    pub media_type: &'static str,
    /// Size.
    pub size: u64,
    /// File time (the camera's clock), local.
    pub modified: Option<DateTime<FixedOffset>>,
}

/// Photos, videos and recordings in `dir` and its sub-folders (a body
/// camera mounts as storage with `DCIM/…`), oldest first. Unreadable
/// entries are skipped; at most 2,000 files.
pub fn scan(dir: &Path) -> Result<Vec<Candidate>, AppError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| AppError::Output { path, source }
    };
    fs::read_dir(dir).map_err(io(dir))?;
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for entry in rd.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                if stack.len() < 64 {
                    stack.push(path);
                }
            } else if let Some(mt) = media_type(&path).filter(|_| meta.is_file()) {
                out.push(Candidate {
                    media_type: mt,
                    size: meta.len(),
                    modified: meta
                        .modified()
                        .ok()
                        .map(|t| DateTime::<Local>::from(t).fixed_offset()),
                    path,
                });
                if out.len() >= 2000 {
                    break;
                }
            }
        }
    }
    out.sort_by(|a, b| a.modified.cmp(&b.modified).then(a.path.cmp(&b.path)));
    Ok(out)
}

/// Folders where removable media (body cameras, USB sticks) appear.
pub fn removable_roots() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for base in ["/media", "/run/media", "/mnt"] {
        let Ok(rd) = fs::read_dir(base) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                // /media/USER/LABEL or /media/LABEL
                let inner: Vec<PathBuf> = fs::read_dir(&p)
                    .map(|r| {
                        r.flatten()
                            .map(|e| e.path())
                            .filter(|p| p.is_dir())
                            .collect()
                    })
                    .unwrap_or_default();
                if base != "/mnt"
                    && inner.iter().all(|i| !i.join("DCIM").exists())
                    && !p.join("DCIM").exists()
                {
                    out.extend(inner);
                } else {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// Width and height of the signature pad in logical pixels.
pub const PAD: (f32, f32) = (328.0, 160.0);

/// Renders pen strokes (pad coordinates) as a black-on-white PNG at twice
/// the pad's resolution. The same strokes give the same bytes.
pub fn signature_png(strokes: &[Vec<(f32, f32)>]) -> Vec<u8> {
    let scale = 2.0;
    let (w, h) = ((PAD.0 * scale) as u32, (PAD.1 * scale) as u32);
    let mut img = image::GrayImage::from_pixel(w, h, image::Luma([255]));
    let radius = 2.5 * scale;
    let mut dot = |x: f32, y: f32| {
        let r = radius.ceil() as i64;
        for dy in -r..=r {
            for dx in -r..=r {
                if ((dx * dx + dy * dy) as f32) <= radius * radius {
                    let (px, py) = (x as i64 + dx, y as i64 + dy);
                    if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                        img.put_pixel(px as u32, py as u32, image::Luma([0]));
                    }
                }
            }
        }
    };
    for stroke in strokes {
        let pts: Vec<(f32, f32)> = stroke.iter().map(|(x, y)| (x * scale, y * scale)).collect();
        if let [only] = pts.as_slice() {
            dot(only.0, only.1);
        }
        for seg in pts.windows(2) {
            let ((x0, y0), (x1, y1)) = (seg[0], seg[1]);
            let steps = ((x1 - x0).abs().max((y1 - y0).abs()) / 1.5).ceil().max(1.0) as u32;
            for i in 0..=steps {
                let t = i as f32 / steps as f32;
                dot(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
            }
        }
    }
    let mut out = Cursor::new(Vec::new());
    // Writing PNG into memory cannot fail for a valid grey image.
    let _ = img.write_to(&mut out, image::ImageFormat::Png);
    out.into_inner()
}

/// Pen strokes as an SVG path (what the pad shows while drawing).
pub fn strokes_path(strokes: &[Vec<(f32, f32)>]) -> String {
    let mut s = String::new();
    for stroke in strokes {
        for (i, (x, y)) in stroke.iter().enumerate() {
            s.push_str(if i == 0 { "M " } else { " L " });
            s.push_str(&format!("{x:.1} {y:.1}"));
        }
        if stroke.len() == 1 {
            s.push_str(" l 0.5 0.5");
        }
        s.push(' ');
    }
    s
}

impl Terminal {
    /// Stores a drawn signature as an evidence item (PNG, category 签名) of
    /// the case; returns its SHA-256.
    pub fn add_signature(
        &mut self,
        officers: &OfficerPair,
        case: &str,
        who: &str,
        strokes: &[Vec<(f32, f32)>],
    ) -> Result<Digest, AppError> {
        if strokes.iter().map(Vec::len).sum::<usize>() < 2 {
            return Err(AppError::refused(
                "签名为空，请在签名框内书写后再保存",
                "The signature is empty: write in the box, then save",
            ));
        }
        self.open_case(case)?;
        let png = signature_png(strokes);
        let stored =
            self.store
                .put_blob_reader(Cursor::new(png), Path::new("signature.png"), |_| {})?;
        self.record_evidence(
            officers,
            case,
            stored,
            EvidenceMeta {
                media_type: "image/png".into(),
                original_name: format!("signature-{who}.png"),
                captured_at: Some(Self::now()),
                category: "签名".into(),
                description: format!("{who} 签名"),
            },
        )
    }

    /// Corrects one field of a case: a `case_corrected` record that
    /// supersedes the field of the record at `seq` (the case's opening
    /// record by default). Nothing signed earlier changes.
    pub fn correct(
        &mut self,
        officers: &OfficerPair,
        case: &str,
        field: &str,
        old: &str,
        new: &str,
        reason: &str,
    ) -> Result<u64, AppError> {
        let row = self
            .store
            .find_case(case)?
            .ok_or_else(|| AppError::NoCase(case.to_owned()))?;
        let reason = reason.trim();
        if reason.is_empty() || field.trim().is_empty() || new.trim().is_empty() {
            return Err(AppError::refused(
                "更正须填写更正项目、更正后的内容和更正理由",
                "A correction needs the field, the new value and the reason",
            ));
        }
        let records = self.store.case_records(&row.case_id)?;
        let first = records
            .first()
            .ok_or_else(|| AppError::NoCase(case.to_owned()))?;
        let case_id: Uuid = row
            .case_id
            .parse()
            .map_err(|_| AppError::NoCase(row.case_id.clone()))?;
        let (p, _) = self
            .store
            .append(&self.key, officers.cert_nos(), Self::now(), |_| {
                Ok(RecordBody::CaseCorrected(CaseCorrected {
                    case_id,
                    case_no: row.case_no.clone(),
                    supersedes_seq: first.seq,
                    supersedes: first.digest,
                    field: field.trim().to_owned(),
                    old: old.trim().to_owned(),
                    new: new.trim().to_owned(),
                    reason: reason.to_owned(),
                }))
            })?;
        Ok(p.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_render_the_same_bytes_and_show_ink() {
        let strokes = vec![
            vec![(10.0, 10.0), (100.0, 80.0), (200.0, 20.0)],
            vec![(50.0, 120.0)],
        ];
        let a = signature_png(&strokes);
        assert_eq!(a, signature_png(&strokes));
        let img = image::load_from_memory(&a).unwrap().to_luma8();
        assert_eq!(img.dimensions(), (656, 320));
        let ink = img.pixels().filter(|p| p.0[0] == 0).count();
        assert!(ink > 1000, "{ink} black pixels");
        assert!(strokes_path(&strokes).starts_with("M 10.0 10.0 L 100.0 80.0"));
    }

    #[test]
    fn scan_finds_media_in_subfolders_only() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("DCIM/100CAM")).unwrap();
        fs::write(d.path().join("DCIM/100CAM/a.JPG"), b"x").unwrap();
        fs::write(d.path().join("DCIM/100CAM/b.mp4"), b"yy").unwrap();
        fs::write(d.path().join("notes.txt"), b"z").unwrap();
        let found = scan(d.path()).unwrap();
        let names: Vec<_> = found.iter().map(|c| c.media_type).collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(names.contains(&"image/jpeg") && names.contains(&"video/mp4"));
        assert!(scan(&d.path().join("missing")).is_err());
    }
}
