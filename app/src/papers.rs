//! The documents a case hands the party, rendered on the terminal from the
//! case's signed records (`fieldcase-documents`): the controller the CLI
//! and, later, the print screen call.

use std::path::Path;

use fieldcase_documents::fill::{fill, Signed};
use fieldcase_documents::{Kind, Paper, ReportFont};
use fieldcase_shared::record::RecordPayload;

use crate::core::{AppError, Terminal};

/// The setting holding the deciding agency's name.
pub const AGENCY_SETTING: &str = "agency_name";

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// 案号.
    pub case_no: String,
    /// The document's title.
    pub title: String,
    /// The PDF/A bytes.
    pub pdf: Vec<u8>,
    /// The QR text printed on it.
    pub qr: String,
}

/// The agency's name: `given` (then kept), or the one kept earlier.
pub fn agency(term: &Terminal, given: Option<&str>) -> Result<String, AppError> {
    if let Some(name) = given.map(str::trim).filter(|n| !n.is_empty()) {
        if name.chars().count() > 60 {
            return Err(AppError::Refused {
                zh: "执法机关名称最多 60 个字".into(),
                en: "the agency name is at most 60 characters".into(),
            });
        }
        term.store.set_setting(AGENCY_SETTING, name)?;
        return Ok(name.to_owned());
    }
    term.store
        .setting(AGENCY_SETTING)?
        .ok_or_else(|| AppError::Refused {
            zh: "尚未设置执法机关名称：请用 --agency 给出（之后沿用）".into(),
            en: "the agency's name is not set: give it once with --agency".into(),
        })
}

/// Renders `kind` for the case `key` (案号 or id).
pub fn render(
    term: &Terminal,
    key: &str,
    kind: Kind,
    paper: Paper,
    agency: &str,
    font: &ReportFont,
) -> Result<Rendered, AppError> {
    let row = term.cases().find(key)?;
    let records: Vec<Signed> = term
        .store
        .case_records(&row.case_id)?
        .into_iter()
        .filter_map(|r| {
            let payload = serde_json::from_slice::<RecordPayload>(&r.envelope.payload).ok()?;
            Some(Signed {
                payload,
                digest: r.digest,
            })
        })
        .collect();
    let refused = |e: &dyn std::fmt::Display| {
        let text = e.to_string();
        let (zh, en) = text.split_once(" / ").unwrap_or((&text, &text));
        AppError::Refused {
            zh: zh.to_owned(),
            en: en.to_owned(),
        }
    };
    let template = kind.template().map_err(|e| refused(&e))?;
    let filled = fill(kind, &records, agency).map_err(|e| refused(&e))?;
    let pdf = fieldcase_documents::pdf::render(&template, &filled, paper, font)
        .map_err(|e| refused(&e))?;
    Ok(Rendered {
        case_no: filled.case_no.clone(),
        title: template.title,
        qr: fieldcase_documents::qr::payload(&filled),
        pdf,
    })
}

/// Writes `bytes` to `path` whole or not at all (a temporary file renamed).
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("pdf.part");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
