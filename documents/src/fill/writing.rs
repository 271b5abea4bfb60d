//! The general procedure's writings at the roadside, each printed from its
//! own signed record: 现场笔录 and 询问笔录 (行政处罚法 art. 55 para 2),
//! 证据登记保存清单 (art. 56), 责令改正违法行为通知书 (art. 28 para 1), and
//! the 行政强制措施决定书 with its 清单 (行政强制法 art. 24).

use std::collections::BTreeMap;

use fieldcase_shared::investigation::{
    CorrectionOrder, EvidenceRegister, Interview, MeasureDecision, PreservedItem, SiteRecord,
};
use fieldcase_shared::model::CaseOpened;
use fieldcase_shared::record::RecordBody;

use super::{
    common, date_text, day_text, filled, opened, or_none, picked, receipt_text, time_text,
    FillError, Filled, Pick, Signed,
};
use crate::template::Kind;

type Fields = BTreeMap<&'static str, String>;

/// The 现场笔录.
pub fn site_record(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let (r, w) = picked(records, pick, "现场笔录", "site_recorded", |b| match b {
        RecordBody::SiteRecorded(w) => Some(w),
        _ => None,
    })?;
    make(Kind::SiteRecord, records, r, agency, |o| {
        let mut f = site(w);
        f.insert("party_name", or_none(o.party.name()));
        f.insert("plate", or_none(&o.vehicle.plate));
        f
    })
}

/// A 询问笔录.
pub fn interview_record(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let (r, w) = picked(
        records,
        pick,
        "询问笔录",
        "interview_recorded",
        |b| match b {
            RecordBody::InterviewRecorded(w) => Some(w),
            _ => None,
        },
    )?;
    make(Kind::Interview, records, r, agency, |_| interview(w))
}

/// The 证据登记保存清单.
pub fn evidence_register(
    records: &[Signed],
    agency: &str,
    pick: Pick,
) -> Result<Filled, FillError> {
    let (r, w) = picked(
        records,
        pick,
        "证据登记保存清单",
        "evidence_registered",
        |b| match b {
            RecordBody::EvidenceRegistered(w) => Some(w),
            _ => None,
        },
    )?;
    make(Kind::EvidenceRegister, records, r, agency, |o| {
        let mut f = register(w);
        f.insert("party_name", or_none(o.party.name()));
        f.insert("made_on", date_text(r.payload.created_at));
        f
    })
}

/// The 责令改正违法行为通知书.
pub fn correction_order(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let (r, w) = picked(
        records,
        pick,
        "责令改正违法行为通知书",
        "correction_ordered",
        |b| match b {
            RecordBody::CorrectionOrdered(w) => Some(w),
            _ => None,
        },
    )?;
    make(Kind::CorrectionOrder, records, r, agency, |o| {
        let mut f = order(w);
        f.insert("party_name", or_none(o.party.name()));
        f.insert("made_on", date_text(r.payload.created_at));
        f
    })
}

/// The 行政强制措施决定书 and its 清单.
pub fn measure_decision(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let (r, w) = picked(
        records,
        pick,
        "行政强制措施决定书",
        "measure_decided",
        |b| match b {
            RecordBody::MeasureDecided(w) => Some(w),
            _ => None,
        },
    )?;
    make(Kind::MeasureDecision, records, r, agency, |o| {
        let mut f = measure(w);
        f.insert("party_name", or_none(o.party.name()));
        f.insert("party_id", or_none(o.party.id()));
        f.insert("plate", or_none(&o.vehicle.plate));
        f.insert("made_on", date_text(r.payload.created_at));
        f
    })
}

/// The document of `kind` made from record `r`, its own fields from `own`.
fn make(
    kind: Kind,
    records: &[Signed],
    r: &Signed,
    agency: &str,
    own: impl FnOnce(&CaseOpened) -> Fields,
) -> Result<Filled, FillError> {
    let opened = opened(records)?;
    let mut fields = common(r, &opened.case_no, agency);
    fields.extend(own(opened));
    Ok(filled(kind, r, &opened.case_no, fields))
}

fn site(w: &SiteRecord) -> Fields {
    BTreeMap::from([
        ("started_at", time_text(w.started_at)),
        ("ended_at", time_text(w.ended_at)),
        ("place", w.place.trim().to_owned()),
        ("present", w.present.trim().to_owned()),
        ("observed", w.observed.trim().to_owned()),
        ("receipt", receipt_text(&w.receipt, "当事人（在场人）")),
        ("basis", w.basis.clone()),
    ])
}

fn interview(w: &Interview) -> Fields {
    let exchanges = w
        .exchanges
        .iter()
        .flat_map(|e| [format!("问：{}", e.q.trim()), format!("答：{}", e.a.trim())])
        .collect::<Vec<_>>()
        .join("\n");
    BTreeMap::from([
        ("started_at", time_text(w.started_at)),
        ("ended_at", time_text(w.ended_at)),
        ("place", w.place.trim().to_owned()),
        ("person_name", w.person.name.trim().to_owned()),
        ("person_id", or_none(&w.person.id_number)),
        ("relation", w.person.relation.zh().to_owned()),
        ("exchanges", exchanges),
        ("receipt", receipt_text(&w.receipt, "被询问人")),
        ("basis", w.basis.clone()),
    ])
}

/// A 清单's items, one numbered line each.
fn item_lines(items: &[PreservedItem]) -> String {
    items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let spec = if it.spec.trim().is_empty() {
                String::new()
            } else {
                format!("，规格：{}", it.spec.trim())
            };
            format!(
                "{}. {}{spec}，数量：{}{}",
                i + 1,
                it.name.trim(),
                it.quantity,
                it.unit.trim()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn register(w: &EvidenceRegister) -> Fields {
    BTreeMap::from([
        ("items", item_lines(&w.items)),
        ("kept_at", w.kept_at.trim().to_owned()),
        ("approved_by", w.approved_by.trim().to_owned()),
        ("decide_by", day_text(w.decide_by)),
        ("receipt", receipt_text(&w.receipt, "当事人")),
        ("basis", w.basis.clone()),
    ])
}

fn order(w: &CorrectionOrder) -> Fields {
    let by = match w.correct_by {
        Some(d) => format!("于{}前", day_text(d)),
        None => "立即".to_owned(),
    };
    BTreeMap::from([
        ("violation", w.violation.trim().to_owned()),
        ("order", w.order.trim().to_owned()),
        ("correct_by", by),
        ("receipt", receipt_text(&w.receipt, "当事人")),
        ("basis", w.basis.clone()),
    ])
}

fn measure(w: &MeasureDecision) -> Fields {
    let measures = w
        .measures
        .iter()
        .map(|m| m.zh())
        .collect::<Vec<_>>()
        .join("、");
    let (period, items, kept_at) = match w.until {
        Some(until) => (
            format!(
                "扣押期限自扣押之日起至{}止（不超过三十日，情况复杂的经本机关负责人批准可以延长，延长期限不超过三十日）",
                day_text(until)
            ),
            item_lines(&w.items),
            w.kept_at.trim().to_owned(),
        ),
        None => (
            "本措施不扣押财物，无期限".to_owned(),
            "无（未扣押财物）".to_owned(),
            "无".to_owned(),
        ),
    };
    BTreeMap::from([
        ("measures", measures),
        ("address", w.address.trim().to_owned()),
        ("reason", w.reason.trim().to_owned()),
        ("period", period),
        ("items", items),
        ("kept_at", kept_at),
        ("receipt", receipt_text(&w.receipt, "当事人")),
        ("basis", w.basis.clone()),
    ])
}
