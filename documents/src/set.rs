//! Every document a case's records produce, rendered for the case's
//! archive bag and disc: the on-the-spot decision, each writing, each
//! 送达回证 and each document of a bureau act, A4, from its own record.

use fieldcase_shared::hash::Digest;
use fieldcase_shared::procedure::Paper as Form;
use fieldcase_shared::record::RecordBody;

use crate::fill::{fill, Filled, Pick, Signed};
use crate::template::Template;
use crate::{Kind, Paper, PdfError, ReportFont, TemplateError};

/// One document made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    /// Which.
    pub kind: Kind,
    /// Its title.
    pub title: String,
    /// The record it was filled from.
    pub record: Digest,
    /// PDF/A bytes.
    pub pdf: Vec<u8>,
}

/// Why the set could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// A template does not load.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// A PDF could not be written.
    #[error(transparent)]
    Pdf(#[from] PdfError),
}

/// The document kind a record is the source of, if any.
pub fn kind_of(body: &RecordBody) -> Option<Kind> {
    Some(match body {
        RecordBody::SiteRecorded(_) => Kind::SiteRecord,
        RecordBody::InterviewRecorded(_) => Kind::Interview,
        RecordBody::EvidenceRegistered(_) => Kind::EvidenceRegister,
        RecordBody::CorrectionOrdered(_) => Kind::CorrectionOrder,
        RecordBody::MeasureDecided(_) => Kind::MeasureDecision,
        RecordBody::DocumentServed(_) => Kind::ServiceReceipt,
        RecordBody::ProcedureAct(a) => match a.paper.as_ref()? {
            Form::Filing(_) => Kind::FilingForm,
            Form::Notice(_) => Kind::ViolationNotice,
            Form::HearingNotice(_) => Kind::HearingNotice,
            Form::HearingRecord(_) => Kind::HearingRecord,
            Form::Decision(_) => Kind::PenaltyDecision,
            Form::NoPenalty(_) => Kind::NoPenaltyDecision,
            Form::ClosingReport(_) => Kind::ClosingReport,
            Form::LegalOpinion(_) => Kind::LegalOpinion,
            Form::ServiceReceipt(_) => Kind::ServiceReceipt,
            // Publication acts print nothing: the entry is exported.
            Form::Publication(_)
            | Form::Withholding(_)
            | Form::Overturning(_)
            | Form::Withdrawal(_) => return None,
        },
        _ => return None,
    })
}

/// Fills every document `records` (in signing order) produce, in that
/// order: the on-the-spot decision of a simple-procedure case at its
/// closing record, then one per writing, service and bureau act. A record
/// its document cannot be filled from (a case without a decision, a
/// general-procedure case's closing) gives none.
pub fn fill_all(records: &[Signed], agency: &str) -> Result<Vec<(Template, Filled)>, SetError> {
    let decision = fill(Kind::OnTheSpotDecision, records, agency, Pick::Latest).ok();
    let mut out = Vec::new();
    for r in records {
        let filled = match (&r.payload.body, &decision) {
            (RecordBody::CaseClosed(_), Some(d)) if d.record == r.digest => Some(d.clone()),
            (body, _) => {
                kind_of(body).and_then(|k| fill(k, records, agency, Pick::Record(r.digest)).ok())
            }
        };
        let Some(filled) = filled else { continue };
        out.push((filled.kind.template()?, filled));
    }
    Ok(out)
}

/// Renders every document [`fill_all`] fills, A4, in its order.
pub fn render_all(
    records: &[Signed],
    agency: &str,
    font: &ReportFont,
) -> Result<Vec<Made>, SetError> {
    let mut out = Vec::new();
    for (template, filled) in fill_all(records, agency)? {
        let pdf = crate::pdf::render(&template, &filled, Paper::A4, font)?;
        out.push(Made {
            kind: filled.kind,
            title: template.title,
            record: filled.record,
            pdf,
        });
    }
    Ok(out)
}
