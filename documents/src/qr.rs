//! The QR text printed on every document (and kept in its PDF metadata as
//! a keyword): [`fieldcase_shared::docref::DocRef`] — the case, the kind,
//! the record the document was filled from and its signer.

use fieldcase_shared::docref::DocRef;

use crate::fill::Filled;

/// The reference of a filled document.
pub fn doc_ref(f: &Filled) -> DocRef {
    DocRef {
        case_no: f.case_no.clone(),
        kind: f.kind.tag().to_owned(),
        record: f.record,
        signer: f.signer,
    }
}

/// Its QR text.
pub fn payload(f: &Filled) -> String {
    doc_ref(f).to_text()
}
