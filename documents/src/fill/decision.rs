//! The 当场行政处罚决定书 (行政处罚法 art. 52), from the closing record's
//! findings.

use std::collections::BTreeMap;

use fieldcase_shared::check::{Decision, Findings};
use fieldcase_shared::model::{CaseClosed, CaseOpened, Party};
use fieldcase_shared::record::RecordBody;

use super::{common, date_text, filled, opened, or_none, time_text, FillError, Filled, Signed};
use crate::template::Kind;

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

/// Fills the decision from the case's records. `agency` is the deciding
/// agency's name (the terminal's configuration).
pub fn fill(records: &[Signed], agency: &str) -> Result<Filled, FillError> {
    let opened = opened(records)?;
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
    if decision.procedure != "simple" {
        return Err(FillError::NotSimple);
    }
    let fields = fields(opened, closing, findings, decision, agency);
    Ok(Filled {
        fine: decision.penalty == "fine",
        ..filled(Kind::OnTheSpotDecision, closing, &closed.case_no, fields)
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
    let payment = if decision.penalty == "fine" {
        "当事人应当自收到本决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款（《中华人民共和国行政处罚法》第六十七条第三款）。".to_owned()
    } else {
        "本决定为警告，无须缴纳罚款。".to_owned()
    };
    let mut out = common(closing, &opened.case_no, agency);
    out.extend([
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
        ("receipt", RECEIPT_LINE.to_owned()),
        ("told", told_text(findings)),
        ("decided_on", date_text(closing.payload.created_at)),
    ]);
    out
}
