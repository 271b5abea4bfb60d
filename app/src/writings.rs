//! The general procedure's writings at the roadside, signed as records:
//! the 现场笔录 and each 询问笔录 (行政处罚法 art. 55 para 2), the
//! 证据登记保存清单 of 先行登记保存 (art. 56, its 7-working-day decision
//! deadline computed from `assets/procedure/deadlines.json`) and the
//! 责令改正违法行为通知书 (art. 28 para 1). The person concerned reads the
//! writing and signs it on the screen, or the refusal is noted; both
//! officers sign the record. The window, the CLI and the tests call here.

use chrono::{DateTime, FixedOffset, NaiveDate};
use fieldcase_documents::Kind;
use fieldcase_shared::investigation::{
    CorrectionOrder, EvidenceRegister, Exchange, Interview, Interviewee, PreservedItem, SiteRecord,
};
use fieldcase_shared::model::OfficerPair;
use fieldcase_shared::record::RecordBody;
use fieldcase_shared::served::Receipt;

use crate::cases::CaseRow;
use crate::core::{AppError, Terminal};
use crate::service::{take_receipt, ReceiptInput};

/// When a writing's sitting began and ended, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sitting {
    /// Began.
    pub started_at: DateTime<FixedOffset>,
    /// Ended.
    pub ended_at: DateTime<FixedOffset>,
    /// Where.
    pub place: String,
}

/// A writing as the officers drafted it, before it is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Draft {
    /// 现场笔录.
    Site {
        /// When and where.
        sitting: Sitting,
        /// The person present for the party.
        present: String,
        /// What the officers saw and did.
        observed: String,
    },
    /// 询问笔录.
    Interview {
        /// When and where.
        sitting: Sitting,
        /// Who was questioned.
        person: Interviewee,
        /// 问/答, in order.
        exchanges: Vec<Exchange>,
    },
    /// 证据登记保存清单.
    Register {
        /// The items.
        items: Vec<PreservedItem>,
        /// Where they are kept.
        kept_at: String,
        /// The agency head who approved it.
        approved_by: String,
    },
    /// 责令改正违法行为通知书.
    Order {
        /// The violation.
        violation: String,
        /// What to do.
        order: String,
        /// By when (`None`: at once).
        correct_by: Option<NaiveDate>,
    },
}

impl Draft {
    /// The document it prints as.
    pub fn kind(&self) -> Kind {
        match self {
            Draft::Site { .. } => Kind::SiteRecord,
            Draft::Interview { .. } => Kind::Interview,
            Draft::Register { .. } => Kind::EvidenceRegister,
            Draft::Order { .. } => Kind::CorrectionOrder,
        }
    }

    /// When its sitting ended, for the writings that have one.
    fn ended_at(&self) -> Option<DateTime<FixedOffset>> {
        match self {
            Draft::Site { sitting, .. } | Draft::Interview { sitting, .. } => {
                Some(sitting.ended_at)
            }
            Draft::Register { .. } | Draft::Order { .. } => None,
        }
    }

    /// Who signs it for the party, as the evidence names them.
    fn signer(&self) -> &'static str {
        match self {
            Draft::Site { .. } => "当事人（在场人）",
            Draft::Interview { .. } => "被询问人",
            Draft::Register { .. } | Draft::Order { .. } => "当事人",
        }
    }
}

/// A writing signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Seq of its record.
    pub seq: u64,
    /// The document it prints as.
    pub kind: Kind,
    /// For a 证据登记保存清单: the day the agency must decide by.
    pub decide_by: Option<NaiveDate>,
}

/// The writings controller of one terminal.
pub struct Writings<'t> {
    term: &'t Terminal,
}

impl Terminal {
    /// The writings controller.
    pub fn writings(&self) -> Writings<'_> {
        Writings { term: self }
    }
}

fn invalid(e: fieldcase_shared::investigation::Invalid) -> AppError {
    AppError::refused(e.zh, e.en)
}

impl Writings<'_> {
    /// Signs `draft` for the case `key` (案号 or id) with the person's
    /// `receipt`: checked first, so nothing is kept of a writing refused.
    pub fn record(
        &self,
        officers: &OfficerPair,
        key: &str,
        draft: Draft,
        receipt: ReceiptInput,
    ) -> Result<Written, AppError> {
        let row = self.term.cases().find(key)?;
        let kind = draft.kind();
        let template = kind
            .template()
            .map_err(|e| AppError::refused(e.to_string(), e.to_string()))?;
        let basis = template.basis.text();
        let receipt = crate::service::check_receipt(receipt)?;
        // The receipt as it will be signed (a signature is kept under its
        // SHA-256), so the whole writing is checked before anything is kept.
        let planned = match &receipt {
            ReceiptInput::Signature(png) => Receipt::Signed {
                signature: fieldcase_shared::hash::sha256(png),
            },
            ReceiptInput::Refused { note, witness } => Receipt::Refused {
                note: note.clone(),
                witness: witness.clone(),
            },
        };
        if let Some(end) = draft.ended_at() {
            not_in_future(end)?;
        }
        let signer = draft.signer();
        let (body, decide_by) = body(&row, draft, planned.clone(), basis)?;
        fieldcase_shared::investigation::check(&body).map_err(invalid)?;
        let kept = take_receipt(
            self.term,
            officers,
            &row,
            receipt,
            (
                &format!("signature-{}.png", kind.tag()),
                &format!("{signer}签名确认{}", template.title),
            ),
        )?;
        debug_assert_eq!(kept, planned);
        let (p, _) =
            self.term
                .store
                .append(&self.term.key, officers.cert_nos(), Terminal::now(), |_| {
                    Ok(body)
                })?;
        tracing::info!(case = %row.case_no, seq = p.seq, writing = kind.tag(), "writing signed");
        Ok(Written {
            seq: p.seq,
            kind,
            decide_by,
        })
    }
}

/// The record body of `draft` for `row`, and the 先行登记保存 decision day.
fn body(
    row: &CaseRow,
    draft: Draft,
    receipt: Receipt,
    basis: String,
) -> Result<(RecordBody, Option<NaiveDate>), AppError> {
    let (case_id, case_no) = (row.case_id, row.case_no.clone());
    let trim = |s: String| s.trim().to_owned();
    Ok(match draft {
        Draft::Site {
            sitting,
            present,
            observed,
        } => (
            RecordBody::SiteRecorded(SiteRecord {
                case_id,
                case_no,
                started_at: sitting.started_at,
                ended_at: sitting.ended_at,
                place: trim(sitting.place),
                present: trim(present),
                observed: trim(observed),
                receipt,
                basis,
            }),
            None,
        ),
        Draft::Interview {
            sitting,
            person,
            exchanges,
        } => (
            RecordBody::InterviewRecorded(Interview {
                case_id,
                case_no,
                started_at: sitting.started_at,
                ended_at: sitting.ended_at,
                place: trim(sitting.place),
                person: Interviewee {
                    name: trim(person.name),
                    id_number: trim(person.id_number),
                    relation: person.relation,
                },
                exchanges,
                receipt,
                basis,
            }),
            None,
        ),
        Draft::Register {
            items,
            kept_at,
            approved_by,
        } => {
            let decide_by = crate::service::due(
                "preservation_decision",
                crate::service::beijing_day(Terminal::now()),
            )?;
            (
                RecordBody::EvidenceRegistered(EvidenceRegister {
                    case_id,
                    case_no,
                    items,
                    kept_at: trim(kept_at),
                    approved_by: trim(approved_by),
                    decide_by,
                    receipt,
                    basis,
                }),
                Some(decide_by),
            )
        }
        Draft::Order {
            violation,
            order,
            correct_by,
        } => (
            RecordBody::CorrectionOrdered(CorrectionOrder {
                case_id,
                case_no,
                violation: trim(violation),
                order: trim(order),
                correct_by,
                receipt,
                basis,
            }),
            None,
        ),
    })
}

/// A sitting cannot end later than now (a few minutes' clock slack).
fn not_in_future(end: DateTime<FixedOffset>) -> Result<(), AppError> {
    if end > Terminal::now() + chrono::Duration::minutes(5) {
        return Err(AppError::refused(
            "结束时间晚于现在，请核对时间",
            "the end time is in the future: check the times",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
