//! Filling a template from a case's signed records only: the opening
//! record (party, vehicle, place, time), the record the document stands
//! for (the decision, a 笔录, a 清单, a 送达) and the record envelopes
//! (officers, signer, digest). Nothing typed at print time reaches the
//! document but the agency's name, which is the terminal's configuration.
//!
//! One module per family of documents: [`decision`] (the on-the-spot
//! decision), [`writing`] (the general procedure's writings at the
//! roadside), [`service`] (the 送达回证).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::model::CaseOpened;
use fieldcase_shared::record::{RecordBody, RecordPayload};
use fieldcase_shared::served::Receipt;

use crate::template::{fill_text, BlockKind, Kind, Template, When};

pub mod bureau;
pub mod decision;
pub mod service;
pub mod writing;

/// A record of the case with the digest of its signed envelope.
#[derive(Debug, Clone)]
pub struct Signed {
    /// What it says.
    pub payload: RecordPayload,
    /// Its record digest (what was signed).
    pub digest: Digest,
}

/// A template with every field filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filled {
    /// Which document.
    pub kind: Kind,
    /// 案号.
    pub case_no: String,
    /// The field values.
    pub fields: BTreeMap<&'static str, String>,
    /// The record the document is filled from (the decision, the 笔录…).
    pub record: Digest,
    /// Who signed it.
    pub signer: DeviceId,
    /// When it was signed (the document's date).
    pub signed_at: DateTime<FixedOffset>,
    /// The penalty is a fine.
    pub fine: bool,
}

/// Which record a document is made from, when a case holds several of
/// its kind (several 询问笔录, several 送达).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pick {
    /// The latest.
    #[default]
    Latest,
    /// The record with this seq.
    Seq(u64),
    /// The record with this digest (unique across signers).
    Record(Digest),
}

/// Why a document cannot be made from the records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FillError {
    /// No opening record.
    #[error("该案没有立案（case_opened）记录 / the case has no case_opened record")]
    NotOpened,
    /// Not closed with findings yet.
    #[error("该案尚未结案，没有签名的处理决定 / the case is not closed: no signed decision yet")]
    NoFindings,
    /// No penalty decision.
    #[error("该案没有作出行政处罚决定（未发现违法或不予处罚） / the case has no penalty decision")]
    NoDecision,
    /// A general-procedure case.
    #[error(
        "该案适用普通程序，不能制作当场行政处罚决定书（行政处罚法第五十一条） / a general-procedure case gets no on-the-spot decision (art. 51)"
    )]
    NotSimple,
    /// No record of the kind the document is made from.
    #[error("该案没有可制作{zh}的签名记录（{record}） / the case has no {record} record to make this document from")]
    NoRecord {
        /// The document, in Chinese.
        zh: &'static str,
        /// The record kind it needs.
        record: &'static str,
    },
    /// The seq asked for is not a record of that kind in this case.
    #[error("该案第 {seq} 号记录不是 {record} 记录 / record {seq} of this case is not a {record} record")]
    NotThatRecord {
        /// The seq asked for.
        seq: u64,
        /// The record kind the document needs.
        record: &'static str,
    },
}

fn beijing(t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    t.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
}

/// A time as documents write it, Beijing time: 2026年12月02日12时47分.
pub fn time_text(t: DateTime<FixedOffset>) -> String {
    beijing(t).format("%Y年%m月%d日%H时%M分").to_string()
}

/// A date as documents write it: 2026年12月02日.
pub fn date_text(t: DateTime<FixedOffset>) -> String {
    beijing(t).format("%Y年%m月%d日").to_string()
}

/// A calendar day as documents write it: 2026年12月02日.
pub fn day_text(d: chrono::NaiveDate) -> String {
    d.format("%Y年%m月%d日").to_string()
}

/// `s` trimmed, or 无 when empty.
fn or_none(s: &str) -> String {
    if s.trim().is_empty() {
        "无".to_owned()
    } else {
        s.trim().to_owned()
    }
}

/// The officers of a record, as documents name them.
fn officers_text(r: &Signed) -> String {
    r.payload
        .officers
        .iter()
        .map(|c| format!("执法证号 {c}"))
        .collect::<Vec<_>>()
        .join("、")
}

/// Who signed the record and when: the document's signature line (the
/// device's Ed25519 signature over the record; the QR code names both).
fn signed_text(r: &Signed) -> String {
    format!(
        "执法人员已于{}在执法终端对本记录电子签名（签名设备与记录摘要见二维码）",
        time_text(r.payload.created_at)
    )
}

/// How the person acknowledged a writing or a document, as its record says.
fn receipt_text(r: &Receipt, who: &str) -> String {
    match r {
        Receipt::Signed { signature } => format!(
            "{who}已在执法终端签名确认（签名图像 SHA-256：{}）",
            signature.to_hex()
        ),
        Receipt::Refused { note, witness } => {
            let by = witness
                .as_ref()
                .map(|w| format!("；见证人：{}（{}）", w.name, w.id))
                .unwrap_or_default();
            format!("{who}拒绝签名。执法人员注明：{}{by}", note.trim())
        }
    }
}

/// The case's opening record.
fn opened(records: &[Signed]) -> Result<&CaseOpened, FillError> {
    records
        .iter()
        .find_map(|r| match &r.payload.body {
            RecordBody::CaseOpened(o) => Some(o),
            _ => None,
        })
        .ok_or(FillError::NotOpened)
}

/// The record `pick` names among those `of` accepts (`record` is its
/// kind, `zh` the document, for the error).
fn picked<'a, T>(
    records: &'a [Signed],
    pick: Pick,
    zh: &'static str,
    record: &'static str,
    of: impl Fn(&'a RecordBody) -> Option<&'a T>,
) -> Result<(&'a Signed, &'a T), FillError> {
    match pick {
        Pick::Latest => records
            .iter()
            .rev()
            .find_map(|r| of(&r.payload.body).map(|t| (r, t)))
            .ok_or(FillError::NoRecord { zh, record }),
        Pick::Seq(seq) => records
            .iter()
            .find(|r| r.payload.seq == seq)
            .and_then(|r| of(&r.payload.body).map(|t| (r, t)))
            .ok_or(FillError::NotThatRecord { seq, record }),
        Pick::Record(digest) => records
            .iter()
            .find(|r| r.digest == digest)
            .and_then(|r| of(&r.payload.body).map(|t| (r, t)))
            .ok_or(FillError::NoRecord { zh, record }),
    }
}

/// The fields every document has, for the record `r` it is made from.
fn common(r: &Signed, case_no: &str, agency: &str) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("case_no", case_no.to_owned()),
        ("agency", agency.trim().to_owned()),
        ("officers", officers_text(r)),
        ("signed", signed_text(r)),
    ])
}

/// A document made from record `r`.
fn filled(kind: Kind, r: &Signed, case_no: &str, fields: BTreeMap<&'static str, String>) -> Filled {
    debug_assert!(fields.keys().all(|k| kind.supplies(k)), "{kind:?}");
    Filled {
        kind,
        case_no: case_no.to_owned(),
        fields,
        record: r.digest,
        signer: r.payload.device,
        signed_at: r.payload.created_at,
        fine: false,
    }
}

/// Fills `kind`'s template from the case's records. `agency` is the
/// deciding agency's name (the terminal's configuration); `pick` chooses
/// among several records of the kind.
pub fn fill(kind: Kind, records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    match kind {
        Kind::OnTheSpotDecision => decision::fill(records, agency),
        Kind::SiteRecord => writing::site_record(records, agency, pick),
        Kind::Interview => writing::interview_record(records, agency, pick),
        Kind::EvidenceRegister => writing::evidence_register(records, agency, pick),
        Kind::CorrectionOrder => writing::correction_order(records, agency, pick),
        Kind::ServiceReceipt => service::fill(records, agency, pick),
        Kind::FilingForm => bureau::filing_form(records, agency, pick),
        Kind::ViolationNotice => bureau::violation_notice(records, agency, pick),
        Kind::HearingNotice => bureau::hearing_notice(records, agency, pick),
        Kind::HearingRecord => bureau::hearing_record(records, agency, pick),
        Kind::PenaltyDecision => bureau::penalty_decision(records, agency, pick),
        Kind::NoPenaltyDecision => bureau::no_penalty_decision(records, agency, pick),
        Kind::ClosingReport => bureau::closing_report(records, agency, pick),
        Kind::MeasureDecision => writing::measure_decision(records, agency, pick),
        Kind::LegalOpinion => bureau::legal_opinion(records, agency, pick),
    }
}

/// The printed text of each block, in order (blocks whose condition does
/// not hold left out): what `pdftotext` gives back.
pub fn block_texts(template: &Template, filled: &Filled) -> Vec<(BlockKind, String)> {
    template
        .blocks
        .iter()
        .filter(|b| match b.when {
            Some(When::Fine) => filled.fine,
            None => true,
        })
        .map(|b| {
            let value = |name: &str| filled.fields.get(name).cloned().unwrap_or_default();
            let text = fill_text(&b.text, value);
            let sep = if b.kind == BlockKind::Lines { "\n" } else { "" };
            let text = if b.label.is_empty() {
                text
            } else {
                format!("{}：{sep}{text}", fill_text(&b.label, value))
            };
            (b.kind, text)
        })
        .collect()
}
