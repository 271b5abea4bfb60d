//! Filling a template from a case's signed records only: the opening
//! record (party, vehicle, place, time), the closing record's findings
//! (decision, statement, signatures) and the record envelopes (officers,
//! signer, digest). Nothing typed at print time reaches the document but
//! the agency's name, which is the terminal's configuration.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use fieldcase_shared::check::{Decision, Findings};
use fieldcase_shared::hash::Digest;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::model::{CaseClosed, CaseOpened, Party};
use fieldcase_shared::record::{RecordBody, RecordPayload};

use crate::template::{fill_text, Kind, Template, When, FIELDS};

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
    /// The record the document is filled from (the decision).
    pub record: Digest,
    /// Who signed it.
    pub signer: DeviceId,
    /// When it was signed (the document's date).
    pub signed_at: DateTime<FixedOffset>,
    /// The penalty is a fine.
    pub fine: bool,
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

fn penalty_text(d: &Decision) -> String {
    let mut s = match d.penalty.as_str() {
        "warning" => "警告".to_owned(),
        _ => format!("罚款人民币{}元", d.amount_yuan),
    };
    for sanction in &d.sanctions {
        s.push('、');
        s.push_str(sanction.zh());
    }
    s
}

/// The receipt line: the document is printed before the party signs for
/// it, so the paper leaves the signature to the pen (and the terminal takes
/// it on screen, in the `document_served` record); a refusal is noted on
/// the paper by the officers (行政处罚法 art. 52 para 1).
const RECEIPT_LINE: &str = "（签名）＿＿＿＿＿＿ 年 月 日。当事人拒绝签收的，由执法人员在此注明。";

/// What the officers confirmed they did in person, as the record says
/// (credentials shown, facts and rights told); a record without it says so
/// rather than the paper claiming it.
fn told_text(f: &Findings) -> String {
    if f.told.is_empty() {
        return "记录未载明执法人员出示执法证件及告知事项。".to_owned();
    }
    let items: Vec<&str> = f.told.iter().map(|t| t.text.as_str()).collect();
    format!("执法人员{}。", items.join("；"))
}

/// Fills `kind`'s template from the case's records. `agency` is the
/// deciding agency's name (the terminal's configuration).
pub fn fill(kind: Kind, records: &[Signed], agency: &str) -> Result<Filled, FillError> {
    let opened = records
        .iter()
        .find_map(|r| match &r.payload.body {
            RecordBody::CaseOpened(o) => Some(o),
            _ => None,
        })
        .ok_or(FillError::NotOpened)?;
    let (closing, closed, findings) = records
        .iter()
        .rev()
        .find_map(|r| match &r.payload.body {
            RecordBody::CaseClosed(
                c @ CaseClosed {
                    findings: Some(f), ..
                },
            ) => Some((r, c, f)),
            _ => None,
        })
        .ok_or(FillError::NoFindings)?;
    let decision = findings
        .decision
        .as_ref()
        .filter(|d| d.penalty != "none")
        .ok_or(FillError::NoDecision)?;
    match kind {
        Kind::OnTheSpotDecision if decision.procedure != "simple" => {
            return Err(FillError::NotSimple)
        }
        Kind::OnTheSpotDecision => {}
    }
    let fields = fields(opened, closing, findings, decision, agency);
    debug_assert!(fields.keys().all(|k| FIELDS.contains(k)));
    Ok(Filled {
        kind,
        case_no: closed.case_no.clone(),
        fields,
        record: closing.digest,
        signer: closing.payload.device,
        signed_at: closing.payload.created_at,
        fine: decision.penalty == "fine",
    })
}

fn fields(
    opened: &CaseOpened,
    closing: &Signed,
    findings: &Findings,
    decision: &Decision,
    agency: &str,
) -> BTreeMap<&'static str, String> {
    let (label, id) = match &opened.party {
        Party::Person { id_number, .. } => ("身份证件号码", id_number.clone()),
        Party::Organisation { uscc, .. } => ("统一社会信用代码", uscc.clone()),
    };
    let or_none = |s: &str| {
        if s.trim().is_empty() {
            "无".to_owned()
        } else {
            s.trim().to_owned()
        }
    };
    let payment = if decision.penalty == "fine" {
        "当事人应当自收到本决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款（《中华人民共和国行政处罚法》第六十七条第三款）。".to_owned()
    } else {
        "本决定为警告，无须缴纳罚款。".to_owned()
    };
    let officers = closing
        .payload
        .officers
        .iter()
        .map(|c| format!("执法证号 {c}"))
        .collect::<Vec<_>>()
        .join("、");
    BTreeMap::from([
        ("case_no", opened.case_no.clone()),
        ("party_name", or_none(opened.party.name())),
        ("party_id_label", label.to_owned()),
        ("party_id", id),
        ("plate", opened.vehicle.plate.clone()),
        ("occurred_at", time_text(opened.occurred_at)),
        ("place", opened.place.clone()),
        ("violation", decision.title.clone()),
        ("basis", decision.basis.clone()),
        ("penalty", penalty_text(decision)),
        ("payment", payment),
        ("statement", or_none(&findings.statement)),
        ("officers", officers),
        ("receipt", RECEIPT_LINE.to_owned()),
        ("told", told_text(findings)),
        ("decided_on", date_text(closing.payload.created_at)),
        ("agency", agency.trim().to_owned()),
    ])
}

/// The printed text of each block, in order (blocks whose condition does
/// not hold left out): what `pdftotext` gives back.
pub fn block_texts(
    template: &Template,
    filled: &Filled,
) -> Vec<(crate::template::BlockKind, String)> {
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
            let text = if b.label.is_empty() {
                text
            } else {
                format!("{}：{text}", fill_text(&b.label, value))
            };
            (b.kind, text)
        })
        .collect()
}
