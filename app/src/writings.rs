//! The general procedure's writings at the roadside, signed as records:
//! the 现场笔录 and each 询问笔录 (行政处罚法 art. 55 para 2), the
//! 证据登记保存清单 of 先行登记保存 (art. 56, its 7-working-day decision
//! deadline computed from `assets/procedure/deadlines.json`) and the
//! 责令改正违法行为通知书 (art. 28 para 1), and the 行政强制措施决定书 with its
//! 清单 when the check took a compulsory measure (行政强制法 art. 24: the
//! measures the check recorded, the provisions allowing them from the
//! catalogue, a detention's 30 days). The person concerned reads the
//! writing and signs it on the screen, or the refusal is noted; both
//! officers sign the record. The window, the CLI and the tests call here.

use chrono::{DateTime, FixedOffset, NaiveDate};
use fieldcase_documents::Kind;
use fieldcase_shared::catalog::MeasureKind;
use fieldcase_shared::investigation::{
    CorrectionOrder, EvidenceRegister, Exchange, Interview, Interviewee, MeasureDecision,
    PreservedItem, SiteRecord,
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
    /// 行政强制措施决定书 and its 清单, for the measures the check took.
    Measure {
        /// The party's address.
        address: String,
        /// Why the measure was needed.
        reason: String,
        /// What is detained (empty unless a vehicle is).
        items: Vec<PreservedItem>,
        /// Where it is kept.
        kept_at: String,
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
            Draft::Measure { .. } => Kind::MeasureDecision,
        }
    }

    /// When its sitting ended, for the writings that have one.
    fn ended_at(&self) -> Option<DateTime<FixedOffset>> {
        match self {
            Draft::Site { sitting, .. } | Draft::Interview { sitting, .. } => {
                Some(sitting.ended_at)
            }
            Draft::Register { .. } | Draft::Order { .. } | Draft::Measure { .. } => None,
        }
    }

    /// Who signs it for the party, as the evidence names them.
    fn signer(&self) -> &'static str {
        match self {
            Draft::Site { .. } => "当事人（在场人）",
            Draft::Interview { .. } => "被询问人",
            Draft::Register { .. } | Draft::Order { .. } | Draft::Measure { .. } => "当事人",
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
    /// For a 证据登记保存清单: the day the agency must decide by; for a
    /// detention: its last day.
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
        let taken = match draft {
            Draft::Measure { .. } => Some(self.measures_taken(&row)?),
            _ => None,
        };
        let (body, decide_by) = body(&row, draft, planned.clone(), basis, taken)?;
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

/// The compulsory measures a case's check took: what, on which day, and
/// the provisions allowing them.
struct Taken {
    kinds: Vec<MeasureKind>,
    on: NaiveDate,
    basis: String,
}

impl Writings<'_> {
    /// What the check of `row` recorded in its decision, with the
    /// catalogue's provisions for each measure (行政强制法 art. 24 item 2).
    /// A detention runs at most 30 days from the check (art. 25 para. 1),
    /// counted plainly: the decision never promises more.
    fn measures_taken(&self, row: &CaseRow) -> Result<Taken, AppError> {
        let detail = self.term.cases().detail(&row.case_id)?;
        let none = || {
            AppError::refused(
                "该案现场检查未实施行政强制措施，不需要行政强制措施决定书",
                "the check took no compulsory measure: there is no measure decision to make",
            )
        };
        let decision = detail
            .findings()
            .and_then(|f| f.decision.as_ref())
            .filter(|d| !d.measures.is_empty())
            .ok_or_else(none)?;
        let assets =
            crate::check::Assets::embedded().map_err(|e| AppError::refused(e.clone(), e))?;
        let mut basis: Vec<String> = assets
            .catalog
            .get(&decision.code)
            .map(|e| {
                e.measures
                    .iter()
                    .filter(|m| decision.measures.contains(&m.kind))
                    .map(|m| m.basis.text())
                    .collect()
            })
            .unwrap_or_default();
        basis.dedup();
        if basis.is_empty() {
            return Err(AppError::refused(
                format!("目录条目 {} 没有允许该措施的依据", decision.code),
                format!(
                    "catalogue entry {} gives no provision for the measure",
                    decision.code
                ),
            ));
        }
        Ok(Taken {
            kinds: decision.measures.clone(),
            on: crate::service::beijing_day(row.opened_at),
            basis: basis.join("、"),
        })
    }
}

/// The record body of `draft` for `row`, and the 先行登记保存 decision day
/// or the detention's last day; a measure decision is made of the
/// measures `taken` at the check.
fn body(
    row: &CaseRow,
    draft: Draft,
    receipt: Receipt,
    basis: String,
    taken: Option<Taken>,
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
        Draft::Measure {
            address,
            reason,
            items,
            kept_at,
        } => {
            let m = taken.ok_or_else(|| {
                AppError::refused(
                    "该案现场检查未实施行政强制措施",
                    "the check took no measure",
                )
            })?;
            let until = m
                .kinds
                .contains(&MeasureKind::DetainVehicle)
                .then(|| m.on + chrono::Days::new(30));
            (
                RecordBody::MeasureDecided(MeasureDecision {
                    case_id,
                    case_no,
                    measures: m.kinds,
                    address: trim(address),
                    reason: trim(reason),
                    until,
                    items,
                    kept_at: trim(kept_at),
                    receipt,
                    basis: m.basis,
                }),
                until,
            )
        }
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
