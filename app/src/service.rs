//! After a simple-procedure decision at the roadside: the printed document
//! handed to the party and signed for on the screen, or the refusal noted
//! (行政处罚法 art. 52 para 1); the fine's payment noted where the law lets
//! the officers take it (art. 67–70, `assets/procedure/payment.json`); and
//! the 备案 deadline of the copy filed with the agency (art. 52 para 3),
//! which the next sync meets. The window, the CLI and the tests call here.

use chrono::{DateTime, FixedOffset, NaiveDate};
use fieldcase_documents::Kind;
use fieldcase_shared::calendar::{Calendar, Region};
use fieldcase_shared::check::{Decision, Findings, Witness};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::model::{CaseClosed, OfficerPair};
use fieldcase_shared::procedure::{Deadlines, PaymentRules, Refusal};
use fieldcase_shared::record::RecordBody;
use fieldcase_shared::served::{DocumentServed, Payment, PaymentNoted, Receipt};
use uuid::Uuid;

use crate::cases::{CaseRow, CaseStatus};
use crate::core::{AppError, Terminal};
use crate::evidence::{sniff, EvidenceMeta};

/// Largest side of a signature image, in pixels.
const MAX_SIDE: u32 = 4096;

/// Longest refusal note kept.
const MAX_NOTE: usize = 200;

/// How the party acknowledged the printed document.
#[derive(Debug, Clone)]
pub enum ReceiptInput {
    /// The party's signature, as a PNG (drawn on the screen).
    Signature(Vec<u8>),
    /// The party refused; what the officers noted, and a witness if any.
    Refused {
        /// The note.
        note: String,
        /// Someone present.
        witness: Option<Witness>,
    },
}

/// A document served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// Seq of the `document_served` record.
    pub seq: u64,
    /// SHA-256 of the PDF handed over.
    pub pdf: Digest,
}

/// A payment noted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    /// Seq of the `payment_noted` record.
    pub seq: u64,
    /// The provisions applied.
    pub basis: String,
    /// For cash: the day it must be handed in to the agency (art. 71).
    pub hand_in_by: Option<NaiveDate>,
}

/// Where a decided case stands after the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfterDecision {
    /// The decision document was served.
    pub served: bool,
    /// The fine is paid (or there is no fine).
    pub paid: bool,
    /// The fine, in yuan (0 for a warning).
    pub fine_yuan: u64,
    /// The day the copy must reach the agency (备案, art. 52 para 3).
    pub file_by: Option<NaiveDate>,
    /// Every record of the case is on the server (the copy is filed).
    pub filed: bool,
}

/// The service controller of one terminal.
pub struct Service<'t> {
    term: &'t Terminal,
}

impl Terminal {
    /// The service and payment controller.
    pub fn service(&self) -> Service<'_> {
        Service { term: self }
    }
}

/// The signed decision of a case: the closing record's digest, when it
/// was signed, and the decision.
struct Decided {
    digest: Digest,
    at: DateTime<FixedOffset>,
    decision: Decision,
}

fn refusal(r: Refusal) -> AppError {
    AppError::refused(format!("{}（{}）", r.zh, r.basis.text()), r.text_en())
}

fn calendar_error(e: impl std::fmt::Display) -> AppError {
    AppError::refused(format!("无法计算期限：{e}"), format!("no deadline: {e}"))
}

impl Service<'_> {
    fn decided(&self, row: &CaseRow) -> Result<Decided, AppError> {
        if row.status == CaseStatus::Open {
            return Err(AppError::refused(
                format!(
                    "案件 {} 尚未作出决定：先在检查中作出处罚决定并签名",
                    row.case_no
                ),
                format!(
                    "case {} has no decision yet: decide and sign the check first",
                    row.case_no
                ),
            ));
        }
        let records = self.term.store.case_records(&row.case_id)?;
        records
            .iter()
            .rev()
            .find_map(|r| {
                let p = crate::cases::payload(r)?;
                match p.body {
                    RecordBody::CaseClosed(CaseClosed {
                        findings:
                            Some(Findings {
                                decision: Some(d), ..
                            }),
                        ..
                    }) if d.penalty != "none" => Some(Decided {
                        digest: r.digest,
                        at: p.created_at,
                        decision: d,
                    }),
                    _ => None,
                }
            })
            .ok_or_else(|| {
                AppError::refused(
                    format!("案件 {} 没有行政处罚决定，无须送达或缴款", row.case_no),
                    format!(
                        "case {} has no penalty decision to serve or pay",
                        row.case_no
                    ),
                )
            })
            .and_then(|d| {
                // A general-procedure case was handed over: the bureau
                // decides, serves and collects (行政处罚法 art. 51, 57).
                if d.decision.procedure == "general" {
                    return Err(AppError::refused(
                        format!(
                            "案件 {} 适用普通程序，已移交执法机关，由机关作出决定并送达；现场不送达、不收缴罚款（行政处罚法第五十一条）",
                            row.case_no
                        ),
                        format!(
                            "case {} follows the general procedure and was handed over: the agency decides and serves it, nothing is served or paid at the roadside (art. 51)",
                            row.case_no
                        ),
                    ));
                }
                Ok(d)
            })
    }

    /// Serves the printed `kind` of the case `key` (案号 or id): the PDF
    /// the printer accepted becomes evidence of the case (category 送达),
    /// the signature too (签名), then a `document_served` record names
    /// both. Refused before the document is printed, and twice.
    pub fn serve(
        &self,
        officers: &OfficerPair,
        key: &str,
        kind: Kind,
        receipt: ReceiptInput,
    ) -> Result<Served, AppError> {
        if kind != Kind::OnTheSpotDecision {
            return Err(AppError::refused(
                "只有当场行政处罚决定书以此方式签收；笔录、清单和通知书的签名随其记录一并签署",
                "only the on-the-spot decision is served this way: the writings carry the person's signature in their own record",
            ));
        }
        let row = self.term.cases().find(key)?;
        let decided = self.decided(&row)?;
        let template = kind
            .template()
            .map_err(|e| AppError::refused(e.to_string(), e.to_string()))?;
        if self
            .served(&row.case_id)?
            .iter()
            .any(|d| d.document == kind.tag())
        {
            return Err(AppError::refused(
                format!("{}已送达，不能重复签收", template.title),
                format!("{} was already served", template.title_en),
            ));
        }
        let receipt = check_receipt(receipt)?;
        let case_id = row.case_id.to_string();
        let job = self
            .term
            .store
            .sent_print(&case_id, &template.title)?
            .ok_or_else(|| {
                AppError::refused(
                    format!(
                        "{}尚未打印：先打印并交付当事人，再签收（{}）",
                        template.title,
                        template.served.text()
                    ),
                    format!(
                        "{} is not printed yet: print it and hand it over first",
                        template.title_en
                    ),
                )
            })?;
        let pdf = self.term.store.print_pdf(job.id)?;
        if fieldcase_shared::hash::sha256(&pdf).to_hex() != job.sha256 {
            return Err(AppError::refused(
                "打印队列中的文书与打印时不一致，请重新打印",
                "the queued document changed since it was printed: print it again",
            ));
        }
        let evidence = self.term.evidence();
        let pdf = evidence.add_bytes(
            officers,
            &row,
            pdf,
            EvidenceMeta {
                media_type: "application/pdf".into(),
                original_name: format!("{}-{}.pdf", kind.tag(), job.id),
                captured_at: Some(Terminal::now()),
                category: "送达".into(),
                description: format!("{}（交付当事人）", template.title),
            },
        )?;
        let receipt = take_receipt(
            self.term,
            officers,
            &row,
            receipt,
            (
                &format!("receipt-{}.png", kind.tag()),
                &format!("当事人签收{}", template.title),
            ),
        )?;
        let body = DocumentServed {
            case_id: row.case_id,
            case_no: row.case_no.clone(),
            document: kind.tag().to_owned(),
            title: template.title.clone(),
            decision: decided.digest,
            pdf,
            printer_job: job.printer_job,
            receipt,
            basis: template.served.text(),
        };
        let (p, _) =
            self.term
                .store
                .append(&self.term.key, officers.cert_nos(), Terminal::now(), |_| {
                    Ok(RecordBody::DocumentServed(body))
                })?;
        tracing::info!(case = %row.case_no, seq = p.seq, document = kind.tag(), "document served and signed");
        Ok(Served { seq: p.seq, pdf })
    }

    /// Notes the fine's payment: cash only where art. 68–69 allow it, with
    /// the finance receipt's number (art. 70); returns the day cash must
    /// be handed in (art. 71).
    pub fn pay(
        &self,
        officers: &OfficerPair,
        key: &str,
        payment: Payment,
        party_asked: bool,
    ) -> Result<Paid, AppError> {
        let row = self.term.cases().find(key)?;
        let decided = self.decided(&row)?;
        let d = &decided.decision;
        if d.penalty != "fine" || d.amount_yuan == 0 {
            return Err(AppError::refused(
                "该决定没有罚款，无须缴款",
                "the decision has no fine to pay",
            ));
        }
        if self.term.cases().detail(&row.case_id)?.payment().is_some() {
            return Err(AppError::refused(
                "该案罚款已记录缴纳，不能重复记录",
                "the fine's payment is already noted",
            ));
        }
        let rules = PaymentRules::shipped().map_err(calendar_error)?;
        let payment = trimmed(payment);
        let basis = rules
            .check(
                &payment,
                d.amount_yuan,
                d.procedure == "simple",
                party_asked,
            )
            .map_err(refusal)?;
        let cash = matches!(payment, Payment::Cash { .. });
        let body = PaymentNoted {
            case_id: row.case_id,
            case_no: row.case_no.clone(),
            decision: decided.digest,
            amount_yuan: d.amount_yuan,
            payment,
            basis: basis.clone(),
        };
        let now = Terminal::now();
        let (p, _) = self
            .term
            .store
            .append(&self.term.key, officers.cert_nos(), now, |_| {
                Ok(RecordBody::PaymentNoted(body))
            })?;
        tracing::info!(case = %row.case_no, seq = p.seq, cash, "payment noted and signed");
        let hand_in_by = if cash {
            Some(due("cash_handover", beijing_day(now))?)
        } else {
            None
        };
        Ok(Paid {
            seq: p.seq,
            basis,
            hand_in_by,
        })
    }

    /// What is done and due after the decision of the case `id`; `None`
    /// for a case with no penalty decision.
    pub fn after_decision(&self, id: &Uuid) -> Result<Option<AfterDecision>, AppError> {
        let row = self.term.cases().get(id)?;
        let Ok(decided) = self.decided(&row) else {
            return Ok(None);
        };
        let detail = self.term.cases().detail(id)?;
        let simple = decided.decision.procedure == "simple";
        let fine_yuan = if decided.decision.penalty == "fine" {
            decided.decision.amount_yuan
        } else {
            0
        };
        let served = detail.served().next().is_some();
        let paid = fine_yuan == 0 || detail.payment().is_some();
        Ok(Some(AfterDecision {
            served,
            paid,
            fine_yuan,
            file_by: if simple {
                Some(due("simple_filing", beijing_day(decided.at))?)
            } else {
                None
            },
            filed: row.unsynced == 0,
        }))
    }

    fn served(&self, id: &Uuid) -> Result<Vec<DocumentServed>, AppError> {
        Ok(self.term.cases().detail(id)?.served().cloned().collect())
    }
}

/// The day of `t` in Beijing, from which the law's periods run.
pub(crate) fn beijing_day(t: DateTime<FixedOffset>) -> NaiveDate {
    let east8 = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    t.with_timezone(&east8).date_naive()
}

pub(crate) fn due(id: &str, from: NaiveDate) -> Result<NaiveDate, AppError> {
    let all = Deadlines::shipped().map_err(calendar_error)?;
    let d = all.get(id).ok_or_else(|| calendar_error(id))?;
    d.due(Calendar::builtin(), from, Region::National)
        .map_err(calendar_error)
}

fn trimmed(p: Payment) -> Payment {
    match p {
        Payment::Cash {
            ground,
            receipt_no,
            reason,
        } => Payment::Cash {
            ground,
            receipt_no: receipt_no.trim().to_owned(),
            reason: reason.trim().to_owned(),
        },
        Payment::Electronic { reference } => Payment::Electronic {
            reference: reference.trim().to_owned(),
        },
    }
}

/// The receipt as signed in a record: the signature, checked, kept as
/// evidence of the case (category 签名, named and described by `file`
/// and `what`), or the refusal as noted.
pub(crate) fn take_receipt(
    term: &Terminal,
    officers: &OfficerPair,
    row: &CaseRow,
    receipt: ReceiptInput,
    (file, what): (&str, &str),
) -> Result<Receipt, AppError> {
    Ok(match check_receipt(receipt)? {
        ReceiptInput::Signature(png) => Receipt::Signed {
            signature: term.evidence().add_bytes(
                officers,
                row,
                png,
                EvidenceMeta {
                    media_type: "image/png".into(),
                    original_name: file.to_owned(),
                    captured_at: Some(Terminal::now()),
                    category: "签名".into(),
                    description: what.to_owned(),
                },
            )?,
        },
        ReceiptInput::Refused { note, witness } => Receipt::Refused { note, witness },
    })
}

/// A receipt as given, checked: a signature is a PNG that decodes; a
/// refusal says what happened.
pub(crate) fn check_receipt(r: ReceiptInput) -> Result<ReceiptInput, AppError> {
    match r {
        ReceiptInput::Signature(png) => {
            // The header only: a hostile PNG may declare any size.
            let decodes = sniff(&png) == Some("image/png")
                && image::codecs::png::PngDecoder::new(std::io::Cursor::new(&png))
                    .map(|d| {
                        let (w, h) = image::ImageDecoder::dimensions(&d);
                        (1..=MAX_SIDE).contains(&w) && (1..=MAX_SIDE).contains(&h)
                    })
                    .unwrap_or(false);
            if !decodes {
                return Err(AppError::refused(
                    "签名不是可读的 PNG 图像，请重新签名",
                    "the signature is not a readable PNG image: sign again",
                ));
            }
            Ok(ReceiptInput::Signature(png))
        }
        ReceiptInput::Refused { note, witness } => {
            let note = note.trim().to_owned();
            if note.is_empty() || note.chars().count() > MAX_NOTE {
                return Err(AppError::refused(
                    format!("当事人拒绝签收的，须注明情况（1–{MAX_NOTE} 字，行政处罚法第五十二条第一款）"),
                    format!("a refusal needs a note of what happened (1–{MAX_NOTE} characters, art. 52 para 1)"),
                ));
            }
            let witness = witness.filter(|w| !w.name.trim().is_empty());
            Ok(ReceiptInput::Refused { note, witness })
        }
    }
}

#[cfg(test)]
mod tests;
