//! The 送达回证: proof that a document reached the party, printed from the
//! `document_served` record the officers signed when they handed it over
//! (行政处罚法 art. 61: 送达 follows the 民事诉讼法; art. 87 there: the
//! 送达回证 names the document, the recipient, when, and who signed).

use fieldcase_shared::record::RecordBody;
use fieldcase_shared::served::Receipt;

use super::{
    common, filled, opened, or_none, picked, receipt_text, time_text, FillError, Filled, Pick,
    Signed,
};
use crate::template::Kind;

/// The 送达回证 of the `document_served` record `pick` names.
pub fn fill(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let opened = opened(records)?;
    let (r, d) = picked(records, pick, "送达回证", "document_served", |b| match b {
        RecordBody::DocumentServed(d) => Some(d),
        _ => None,
    })?;
    let method = match &d.receipt {
        Receipt::Signed { .. } => "直接送达，受送达人当场签收",
        Receipt::Refused { .. } => "直接送达，受送达人拒绝签收，执法人员注明情况",
    };
    let mut fields = common(r, &opened.case_no, agency);
    fields.extend([
        ("document", d.title.trim().to_owned()),
        ("document_no", d.case_no.clone()),
        ("recipient", or_none(opened.party.name())),
        ("served_at", time_text(r.payload.created_at)),
        ("place", opened.place.trim().to_owned()),
        ("method", method.to_owned()),
        ("receipt", receipt_text(&d.receipt, "受送达人")),
        ("pdf", d.pdf.to_hex()),
        ("basis", d.basis.clone()),
    ]);
    Ok(filled(Kind::ServiceReceipt, r, &opened.case_no, fields))
}
