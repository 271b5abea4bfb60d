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
/// A bureau act's service (`procedure_act` with its 送达回证) is filled by
/// [`super::bureau::service_receipt`] when `pick` names it or is the latest.
pub fn fill(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    if bureau_picked(records, pick) {
        return super::bureau::service_receipt(records, agency, pick);
    }
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
        ("pdf", format!("PDF SHA-256 {}", d.pdf.to_hex())),
        ("basis", d.basis.clone()),
    ]);
    Ok(filled(Kind::ServiceReceipt, r, &opened.case_no, fields))
}

/// Whether `pick` names a service the bureau recorded rather than one at
/// the roadside.
fn bureau_picked(records: &[Signed], pick: Pick) -> bool {
    let is_bureau = |r: &Signed| {
        matches!(&r.payload.body, RecordBody::ProcedureAct(a)
            if matches!(a.paper, Some(fieldcase_shared::procedure::Paper::ServiceReceipt(_))))
    };
    let is_roadside = |r: &Signed| matches!(r.payload.body, RecordBody::DocumentServed(_));
    match pick {
        Pick::Latest => records
            .iter()
            .rev()
            .find(|r| is_bureau(r) || is_roadside(r))
            .is_some_and(is_bureau),
        Pick::Seq(seq) => records.iter().filter(|r| r.payload.seq == seq).any(|r| {
            is_bureau(r)
                && !records
                    .iter()
                    .any(|x| x.payload.seq == seq && is_roadside(x))
        }),
        Pick::Record(d) => records.iter().any(|r| r.digest == d && is_bureau(r)),
    }
}
