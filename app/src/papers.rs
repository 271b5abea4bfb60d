//! The documents a case hands the party, rendered on the terminal from the
//! case's signed records (`fieldcase-documents`): the controller the CLI
//! and, later, the print screen call.

use std::path::Path;

use fieldcase_documents::fill::{fill, Pick, Signed};
use fieldcase_documents::{Kind, Paper, ReportFont};
use fieldcase_shared::casebag::CaseDocument;
use fieldcase_shared::model::SealedDocument;
use fieldcase_shared::record::RecordPayload;

use crate::core::{AppError, Terminal};
use crate::printer::{PrintError, PRINTER_SETTING};

/// The setting holding the deciding agency's name.
pub const AGENCY_SETTING: &str = "agency_name";

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The case.
    pub case_id: uuid::Uuid,
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

fn refused(e: &dyn std::fmt::Display) -> AppError {
    let text = e.to_string();
    let (zh, en) = text.split_once(" / ").unwrap_or((&text, &text));
    AppError::Refused {
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
}

/// Every document `records` produce, rendered for the case's bag and disc
/// (`docs/bag.md`) naming `agency`; none when no name is set (the
/// documents could not say who decided).
pub fn bundle_documents<'r>(
    records: impl IntoIterator<Item = &'r crate::store::StoredRecord>,
    agency: &str,
) -> Result<Vec<CaseDocument>, AppError> {
    if agency.trim().is_empty() {
        return Ok(Vec::new());
    }
    let signed: Vec<Signed> = records
        .into_iter()
        .filter_map(|r| {
            let payload = serde_json::from_slice::<RecordPayload>(&r.envelope.payload).ok()?;
            Some(Signed {
                payload,
                digest: r.digest,
            })
        })
        .collect();
    let font = default_font()?;
    let made =
        fieldcase_documents::set::render_all(&signed, agency, &font).map_err(|e| refused(&e))?;
    Ok(made
        .into_iter()
        .map(|m| CaseDocument {
            sealed: SealedDocument {
                kind: m.kind.tag().to_owned(),
                title: m.title,
                record: m.record,
                sha256: fieldcase_shared::hash::sha256(&m.pdf),
                size: m.pdf.len() as u64,
            },
            pdf: m.pdf,
        })
        .collect())
}

/// The documents a sealing record names, rendered again from `records`
/// with the agency name it names; refused when they no longer come out
/// the same (the font changed since sealing).
pub fn sealed_documents<'r>(
    records: impl IntoIterator<Item = &'r crate::store::StoredRecord>,
    seal: &fieldcase_shared::model::CaseSealed,
) -> Result<Vec<CaseDocument>, AppError> {
    let sealed = &seal.documents;
    if sealed.is_empty() {
        return Ok(Vec::new());
    }
    let made = bundle_documents(records, &seal.agency)?;
    if made.len() != sealed.len() || made.iter().zip(sealed).any(|(m, s)| m.sealed != *s) {
        return Err(AppError::Refused {
            zh: "文书重新生成后与封存时不一致（封存后文书字体已改变）：请恢复封存时的字体".into(),
            en: "the documents no longer come out as sealed (the font changed since sealing): restore the font used at sealing".into(),
        });
    }
    Ok(made)
}

/// The case's records with their digests, in seq order.
fn signed_records(term: &Terminal, case_id: &uuid::Uuid) -> Result<Vec<Signed>, AppError> {
    Ok(term
        .store
        .case_records(case_id)?
        .into_iter()
        .filter_map(|r| {
            let payload = serde_json::from_slice::<RecordPayload>(&r.envelope.payload).ok()?;
            Some(Signed {
                payload,
                digest: r.digest,
            })
        })
        .collect())
}

/// The agency's name kept on this terminal, if set.
pub fn kept_agency(term: &Terminal) -> Option<String> {
    term.store.setting(AGENCY_SETTING).ok().flatten()
}

/// The printer address kept on this terminal, if set.
pub fn kept_printer(term: &Terminal) -> Option<String> {
    term.store.setting(PRINTER_SETTING).ok().flatten()
}

/// The default document face (Debian's Noto Sans Mono CJK SC).
pub fn default_font() -> Result<ReportFont, AppError> {
    ReportFont::load(
        Path::new(fieldcase_documents::pdf::DEFAULT_FONT),
        fieldcase_documents::pdf::DEFAULT_FONT_INDEX,
    )
    .map_err(|e| AppError::Refused {
        zh: format!("无法读取文书字体：{e}"),
        en: e.to_string(),
    })
}

/// Renders `kind` for the case `key` (案号 or id), from the record `pick`
/// names.
pub fn render(
    term: &Terminal,
    key: &str,
    (kind, pick): (Kind, Pick),
    paper: Paper,
    agency: &str,
    font: &ReportFont,
) -> Result<Rendered, AppError> {
    let row = term.cases().find(key)?;
    let records = signed_records(term, &row.case_id)?;
    let template = kind.template().map_err(|e| refused(&e))?;
    let filled = fill(kind, &records, agency, pick).map_err(|e| refused(&e))?;
    let pdf = fieldcase_documents::pdf::render(&template, &filled, paper, font)
        .map_err(|e| refused(&e))?;
    Ok(Rendered {
        case_id: row.case_id,
        case_no: filled.case_no.clone(),
        title: template.title,
        qr: fieldcase_documents::qr::payload(&filled),
        pdf,
    })
}

/// The document's text as it will print (title first, then each block),
/// for the preview screen; fails as [`render`] does.
pub fn preview(
    term: &Terminal,
    key: &str,
    kind: Kind,
    agency: &str,
) -> Result<Vec<String>, AppError> {
    let row = term.cases().find(key)?;
    let records = signed_records(term, &row.case_id)?;
    let template = kind.template().map_err(|e| refused(&e))?;
    let filled = fill(kind, &records, agency, Pick::Latest).map_err(|e| refused(&e))?;
    let mut lines = vec![template.title.clone()];
    lines.extend(
        fieldcase_documents::fill::block_texts(&template, &filled)
            .into_iter()
            .filter(|(k, _)| *k != fieldcase_documents::template::BlockKind::Qr)
            .map(|(_, t)| t),
    );
    Ok(lines)
}

/// Writes `bytes` to `path` whole or not at all (a temporary file renamed).
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("pdf.part");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// What became of a print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printed {
    /// The printer accepted it as its job.
    Sent {
        /// Queue id.
        id: i64,
        /// The printer's job id.
        job: i64,
    },
    /// It stays queued: why.
    Queued {
        /// Queue id.
        id: i64,
        /// The failure, in Chinese.
        zh: String,
        /// The same in English.
        en: String,
    },
}

fn printer_uri(term: &Terminal) -> Result<Result<ipp::prelude::Uri, PrintError>, AppError> {
    Ok(match term.store.setting(PRINTER_SETTING)? {
        None => Err(PrintError::NotSet),
        Some(u) => crate::printer::parse_uri(&u),
    })
}

/// Sends queued print `id` (titled `title` at the printer); its outcome is
/// kept with it.
fn send_one(term: &Terminal, id: i64, title: &str) -> Result<Printed, AppError> {
    let sent = printer_uri(term)?.and_then(|uri| {
        let pdf = term
            .store
            .print_pdf(id)
            .map_err(|e| PrintError::Refused(e.to_string()))?;
        crate::printer::send(&uri, pdf, title, "fieldcase")
    });
    Ok(match sent {
        Ok(n) => {
            term.store.print_sent(id, n)?;
            Printed::Sent { id, job: n }
        }
        Err(e) => {
            term.store.print_failed(id, &e.zh())?;
            Printed::Queued {
                id,
                zh: e.zh(),
                en: e.to_string(),
            }
        }
    })
}

/// Renders a document, queues it for the printer and sends it; a failed
/// send keeps it queued with the reason ([`retry_prints`] sends it later).
pub fn print(
    term: &Terminal,
    key: &str,
    which: (Kind, Pick),
    paper: Paper,
    agency: &str,
    font: &ReportFont,
) -> Result<Printed, AppError> {
    let doc = render(term, key, which, paper, agency, font)?;
    let sha = fieldcase_shared::hash::sha256(&doc.pdf).to_hex();
    let id = term.store.queue_print(
        &doc.case_id.to_string(),
        &doc.case_no,
        &doc.title,
        &doc.pdf,
        &sha,
    )?;
    send_one(term, id, &format!("{} {}", doc.title, doc.case_no))
}

/// Sends every queued print, oldest first; stops at the first failure
/// (the printer is off or out of paper: the rest would fail the same way).
pub fn retry_prints(term: &Terminal) -> Result<Vec<Printed>, AppError> {
    let mut out = Vec::new();
    for job in term.store.queued_prints()? {
        let p = send_one(term, job.id, &format!("{} {}", job.title, job.case_no))?;
        let failed = matches!(p, Printed::Queued { .. });
        out.push(p);
        if failed {
            break;
        }
    }
    Ok(out)
}

/// What the printer check found, for the settings screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterCheck {
    /// The printer answered and takes PDF.
    pub ready: bool,
    /// In Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
}

/// Documents still waiting for the printer.
pub fn queued_count(term: &Terminal) -> usize {
    term.store.queued_prints().map(|q| q.len()).unwrap_or(0)
}

/// Keeps `uri` as the printer (when given and valid) and asks the printer
/// for its state.
pub fn check_printer(term: &Terminal, uri: Option<&str>) -> Result<PrinterCheck, AppError> {
    let uri = match uri.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => {
            let parsed = crate::printer::parse_uri(u).map_err(|e| AppError::Refused {
                zh: e.zh(),
                en: e.to_string(),
            })?;
            term.store.set_setting(PRINTER_SETTING, u)?;
            parsed
        }
        None => match kept_printer(term) {
            Some(u) => crate::printer::parse_uri(&u).map_err(|e| AppError::Refused {
                zh: e.zh(),
                en: e.to_string(),
            })?,
            None => {
                return Err(AppError::Refused {
                    zh: PrintError::NotSet.zh(),
                    en: PrintError::NotSet.to_string(),
                })
            }
        },
    };
    let queued = queued_count(term);
    Ok(match crate::printer::status(&uri) {
        Ok(s) => PrinterCheck {
            ready: s.pdf && s.state != "stopped",
            zh: format!(
                "{}：{}{}；队列中 {queued} 份",
                s.model,
                s.zh(),
                if s.pdf { "" } else { "，不支持 PDF" }
            ),
            en: format!(
                "{}: {}{}; {queued} queued",
                s.model,
                s.state,
                if s.pdf { "" } else { ", does not take PDF" }
            ),
        },
        Err(e) => PrinterCheck {
            ready: false,
            zh: format!("{}；队列中 {queued} 份", e.zh()),
            en: format!("{e}; {queued} queued"),
        },
    })
}
