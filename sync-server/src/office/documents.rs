//! The case's documents rendered at the bureau: any form of the national
//! set (`assets/documents/`) filled from the records the server holds
//! whose signatures verify — the bureau's own acts (立案登记表, 违法行为通知书,
//! 行政处罚决定书…) and the roadside's writings alike — through the same
//! templates and PDF/A writer as the terminal.

use fieldcase_documents::fill::{fill, Pick, Signed};
use fieldcase_documents::{Kind, Paper, ReportFont};

use super::acts::{find_case, verified_records, ActError};
use crate::store::Store;

/// A rendered document.
pub struct Rendered {
    /// 案号.
    pub case_no: String,
    /// Its title.
    pub title: String,
    /// The QR code's text.
    pub qr: String,
    /// PDF/A bytes.
    pub pdf: Vec<u8>,
}

/// Why a document was not made.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The case.
    #[error(transparent)]
    Case(#[from] ActError),
    /// The records do not hold what the document is made from.
    #[error(transparent)]
    Fill(#[from] fieldcase_documents::FillError),
    /// The template.
    #[error(transparent)]
    Template(#[from] fieldcase_documents::TemplateError),
    /// The PDF.
    #[error(transparent)]
    Pdf(#[from] fieldcase_documents::PdfError),
    /// Storage.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Renders `kind` of `case` (id or exact 案号) from the verified records.
pub fn render(
    store: &dyn Store,
    case: &str,
    (kind, pick): (Kind, Pick),
    paper: Paper,
    agency: &str,
    font: &ReportFont,
) -> Result<Rendered, DocumentError> {
    let row = find_case(store, case)?;
    let mut records: Vec<Signed> = verified_records(store, &row.case_id)?
        .into_iter()
        .map(|(digest, payload)| Signed { payload, digest })
        .collect();
    // Signing order across the terminal's and the staff's chains.
    records.sort_by_key(|r| r.payload.created_at);
    let template = kind.template()?;
    let filled = fill(kind, &records, agency, pick)?;
    let pdf = fieldcase_documents::pdf::render(&template, &filled, paper, font)?;
    Ok(Rendered {
        case_no: filled.case_no.clone(),
        title: template.title,
        qr: fieldcase_documents::qr::payload(&filled),
        pdf,
    })
}
