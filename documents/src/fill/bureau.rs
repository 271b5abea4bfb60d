//! The general procedure's documents made at the bureau, each printed from
//! the `procedure_act` record that carries its content and the case's
//! opening record: 立案登记表 (行政处罚法 art. 54 para 2), 违法行为通知书
//! (art. 44), 听证通知书 (art. 64), 行政处罚决定书 (art. 59),
//! 不予行政处罚决定书 (art. 57 para 1 item 2, art. 33), 结案报告.

use std::collections::BTreeMap;

use fieldcase_shared::model::{CaseOpened, Party};
use fieldcase_shared::procedure::acts::{
    ClosingReport, Decision, Filing, HearingNotice, HearingRecord, LegalOpinion, NoPenalty, Notice,
    ServiceNote,
};
use fieldcase_shared::procedure::{Paper, ProcedureAct, Step};
use fieldcase_shared::record::RecordBody;

use super::{
    common, day_text, filled, opened, or_none, time_text, FillError, Filled, Pick, Signed,
};
use crate::template::Kind;

type Fields = BTreeMap<&'static str, String>;

/// The act `pick` names whose document is `want` (a case's records come
/// from several signers, so a seq names the act of that seq with that
/// document).
fn act<'a, T>(
    records: &'a [Signed],
    pick: Pick,
    zh: &'static str,
    want: impl Fn(&'a Paper) -> Option<&'a T>,
) -> Result<(&'a Signed, &'a ProcedureAct, &'a T), FillError> {
    let record = "procedure_act";
    match pick {
        Pick::Latest => records
            .iter()
            .rev()
            .find_map(|r| pair(r, &want))
            .ok_or(FillError::NoRecord { zh, record }),
        Pick::Seq(seq) => records
            .iter()
            .filter(|r| r.payload.seq == seq)
            .find_map(|r| pair(r, &want))
            .ok_or(FillError::NotThatRecord { seq, record }),
        Pick::Record(digest) => records
            .iter()
            .filter(|r| r.digest == digest)
            .find_map(|r| pair(r, &want))
            .ok_or(FillError::NoRecord { zh, record }),
    }
}

fn pair<'a, T>(
    r: &'a Signed,
    want: &impl Fn(&'a Paper) -> Option<&'a T>,
) -> Option<(&'a Signed, &'a ProcedureAct, &'a T)> {
    match &r.payload.body {
        RecordBody::ProcedureAct(a) => a.paper.as_ref().and_then(want).map(|t| (r, a, t)),
        _ => None,
    }
}

/// Who signed a bureau act and when: staff sign with their own key.
fn signed_by_staff(r: &Signed) -> String {
    format!(
        "本文书内容已由执法机关工作人员于{}以本人密钥电子签名（签名人与记录摘要见二维码）",
        time_text(r.payload.created_at)
    )
}

/// The fields every bureau document has: the common ones, the officers
/// as the act names them (a staff record has no terminal officers), and
/// the party from the opening record.
fn base(r: &Signed, a: &ProcedureAct, o: &CaseOpened, agency: &str) -> Fields {
    let mut f = common(r, &o.case_no, agency);
    f.insert(
        "officers",
        a.taken
            .by
            .iter()
            .map(|c| format!("执法证号 {c}"))
            .collect::<Vec<_>>()
            .join("、"),
    );
    f.insert("signed", signed_by_staff(r));
    f.insert("party_name", or_none(o.party.name()));
    f
}

fn party_id(o: &CaseOpened, f: &mut Fields) {
    let (label, id) = match &o.party {
        Party::Person { id_number, .. } => ("身份证件号码", id_number.clone()),
        Party::Organisation { uscc, .. } => ("统一社会信用代码", uscc.clone()),
    };
    f.insert("party_id_label", label.to_owned());
    f.insert("party_id", id);
}

fn make(
    kind: Kind,
    records: &[Signed],
    r: &Signed,
    a: &ProcedureAct,
    agency: &str,
    own: impl FnOnce(&CaseOpened, &mut Fields),
) -> Result<Filled, FillError> {
    let o = opened(records)?;
    let mut f = base(r, a, o, agency);
    own(o, &mut f);
    Ok(filled(kind, r, &o.case_no, f))
}

/// 立案登记表.
pub fn filing_form(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let (r, a, p) = act(records, pick, "立案登记表", |p| match p {
        Paper::Filing(x) => Some(x),
        _ => None,
    })?;
    make(Kind::FilingForm, records, r, a, agency, |o, f| {
        party_id(o, f);
        let Filing {
            source,
            facts,
            opinion,
            approval,
        } = p;
        let approved_by = match &a.taken.step {
            Step::Filed { approved_by } => approved_by.trim().to_owned(),
            _ => String::new(),
        };
        f.extend([
            ("plate", or_none(&o.vehicle.plate)),
            ("occurred_at", time_text(o.occurred_at)),
            ("place", o.place.trim().to_owned()),
            ("source", source.trim().to_owned()),
            ("facts", facts.trim().to_owned()),
            ("opinion", opinion.trim().to_owned()),
            ("approval", approval.trim().to_owned()),
            ("approved_by", or_none(&approved_by)),
            ("filed_on", day_text(a.taken.on)),
        ]);
    })
}

/// 违法行为通知书.
pub fn violation_notice(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let (r, a, p) = act(records, pick, "违法行为通知书", |p| match p {
        Paper::Notice(x) => Some(x),
        _ => None,
    })?;
    make(Kind::ViolationNotice, records, r, a, agency, |_, f| {
        let Notice {
            facts,
            basis,
            proposed,
            respond_by,
            hearing_by,
            contact,
        } = p;
        let hearing = match hearing_by {
            Some(d) => format!(
                "你（单位）有权要求举行听证。如要求听证，应当在{}前向本机关提出（《中华人民共和国行政处罚法》第六十三条、第六十四条第（一）项）；逾期未提出的，视为放弃听证权利。",
                day_text(*d)
            ),
            None => "本案拟作出的行政处罚不属于当事人可以要求听证的情形。".to_owned(),
        };
        f.extend([
            ("facts", facts.trim().to_owned()),
            ("basis", basis.trim().to_owned()),
            ("proposed", proposed.trim().to_owned()),
            ("respond_by", day_text(*respond_by)),
            ("hearing", hearing),
            ("contact", contact.trim().to_owned()),
            ("served_on", day_text(a.taken.on)),
        ]);
    })
}

/// 听证通知书.
pub fn hearing_notice(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let (r, a, p) = act(records, pick, "听证通知书", |p| match p {
        Paper::HearingNotice(x) => Some(x),
        _ => None,
    })?;
    make(Kind::HearingNotice, records, r, a, agency, |_, f| {
        let HearingNotice {
            at,
            place,
            host,
            public,
        } = p;
        f.extend([
            ("hearing_at", time_text(*at)),
            ("place", place.trim().to_owned()),
            ("host", host.trim().to_owned()),
            (
                "public",
                if *public {
                    "本次听证公开举行。".to_owned()
                } else {
                    "本次听证涉及国家秘密、商业秘密或者个人隐私，不公开举行。".to_owned()
                },
            ),
            ("served_on", day_text(a.taken.on)),
        ]);
    })
}

/// 听证笔录.
pub fn hearing_record(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let (r, a, p) = act(records, pick, "听证笔录", |p| match p {
        Paper::HearingRecord(x) => Some(x),
        _ => None,
    })?;
    make(Kind::HearingRecord, records, r, a, agency, |_, f| {
        let HearingRecord {
            started_at,
            ended_at,
            place,
            host,
            recorder,
            attendees,
            case_put,
            defence,
            last_word,
        } = p;
        f.extend([
            ("started_at", time_text(*started_at)),
            ("ended_at", time_text(*ended_at)),
            ("place", place.trim().to_owned()),
            ("host", host.trim().to_owned()),
            ("recorder", recorder.trim().to_owned()),
            ("attendees", attendees.trim().to_owned()),
            ("case_put", case_put.trim().to_owned()),
            ("defence", defence.trim().to_owned()),
            ("last_word", last_word.trim().to_owned()),
        ]);
    })
}

/// 行政处罚决定书.
pub fn penalty_decision(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let (r, a, p) = act(records, pick, "行政处罚决定书", |p| match p {
        Paper::Decision(x) => Some(x),
        _ => None,
    })?;
    let mut doc = make(Kind::PenaltyDecision, records, r, a, agency, |o, f| {
        party_id(o, f);
        let Decision {
            address,
            facts,
            evidence,
            basis,
            penalty,
            fine_yuan: _,
            performance,
        } = p;
        let evidence = evidence
            .iter()
            .enumerate()
            .map(|(i, e)| format!("{}. {}", i + 1, e.trim()))
            .collect::<Vec<_>>()
            .join("\n");
        f.extend([
            ("address", address.trim().to_owned()),
            ("facts", facts.trim().to_owned()),
            ("evidence", evidence),
            ("basis", basis.trim().to_owned()),
            ("penalty", penalty.trim().to_owned()),
            ("performance", performance.trim().to_owned()),
            ("decided_on", day_text(a.taken.on)),
        ]);
    })?;
    doc.fine = p.fine_yuan > 0;
    Ok(doc)
}

/// 不予行政处罚决定书.
pub fn no_penalty_decision(
    records: &[Signed],
    agency: &str,
    pick: Pick,
) -> Result<Filled, FillError> {
    let (r, a, p) = act(records, pick, "不予行政处罚决定书", |p| match p {
        Paper::NoPenalty(x) => Some(x),
        _ => None,
    })?;
    make(Kind::NoPenaltyDecision, records, r, a, agency, |o, f| {
        party_id(o, f);
        let NoPenalty {
            address,
            facts,
            reason,
            basis,
        } = p;
        f.extend([
            ("address", address.trim().to_owned()),
            ("facts", facts.trim().to_owned()),
            ("reason", reason.trim().to_owned()),
            ("basis", basis.trim().to_owned()),
            ("decided_on", day_text(a.taken.on)),
        ]);
    })
}

fn violation_of(o: &CaseOpened) -> String {
    or_none(
        &o.violation
            .as_ref()
            .map(|v| v.title.clone())
            .unwrap_or_default(),
    )
}

/// 法制审核意见书: each aspect of the review list with the reviewer's
/// answer and reason, the conclusion, the result and the reviewer's
/// qualification.
pub fn legal_opinion(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let (r, a, p) = act(records, pick, "法制审核意见书", |p| match p {
        Paper::LegalOpinion(x) => Some(x),
        _ => None,
    })?;
    make(Kind::LegalOpinion, records, r, a, agency, |o, f| {
        let LegalOpinion {
            points,
            conclusion,
            qualification,
        } = p;
        let points = points
            .iter()
            .map(|pt| {
                let answer = if pt.agreed { "同意" } else { "不同意" };
                format!("{}：{answer}。{}", pt.aspect.name().0, pt.reason.trim())
            })
            .collect::<Vec<_>>()
            .join("\n");
        let result = if p.agreed() {
            "审核通过"
        } else {
            "审核未通过：未经集体讨论决定，不得作出行政处罚决定（行政处罚法第五十八条第一款、第五十七条第二款）"
        };
        f.extend([
            ("violation", violation_of(o)),
            ("points", points),
            ("conclusion", conclusion.trim().to_owned()),
            ("result", result.to_owned()),
            ("qualification", qualification.trim().to_owned()),
            ("reviewed_on", day_text(a.taken.on)),
        ]);
    })
}

/// The 送达回证 of a service the bureau recorded: the method from the code
/// list and what it needs said; the document is named by the record of the
/// latest decision signed before the service.
pub fn service_receipt(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let (r, a, p) = act(records, pick, "送达回证", |p| match p {
        Paper::ServiceReceipt(x) => Some(x),
        _ => None,
    })?;
    let decision = records
        .iter()
        .take_while(|x| x.digest != r.digest)
        .filter(|x| {
            matches!(&x.payload.body, RecordBody::ProcedureAct(d) if d.taken.step == Step::Decided)
        })
        .last()
        .map(|x| format!("决定记录摘要 {}", x.digest.to_hex()))
        .unwrap_or_else(|| "无".to_owned());
    make(Kind::ServiceReceipt, records, r, a, agency, |o, f| {
        let ServiceNote {
            document,
            method,
            recipient,
            served_at,
            place,
            detail,
        } = p;
        // The recipient is named by the note, not the opening record.
        f.remove("party_name");
        f.extend([
            ("document", document.trim().to_owned()),
            ("document_no", o.case_no.clone()),
            ("pdf", decision),
            ("recipient", recipient.trim().to_owned()),
            ("served_at", time_text(*served_at)),
            ("place", place.trim().to_owned()),
            ("method", method.name().0.to_owned()),
            ("receipt", detail.trim().to_owned()),
            ("basis", a.basis.text()),
        ]);
    })
}

/// 结案报告.
pub fn closing_report(records: &[Signed], agency: &str, pick: Pick) -> Result<Filled, FillError> {
    let (r, a, p) = act(records, pick, "结案报告", |p| match p {
        Paper::ClosingReport(x) => Some(x),
        _ => None,
    })?;
    make(Kind::ClosingReport, records, r, a, agency, |o, f| {
        let ClosingReport { outcome, execution } = p;
        f.extend([
            ("violation", violation_of(o)),
            ("outcome", outcome.trim().to_owned()),
            ("execution", execution.trim().to_owned()),
            ("closed_on", day_text(a.taken.on)),
        ]);
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::DateTime;
    use fieldcase_shared::hash::Digest;
    use fieldcase_shared::keys::DeviceKey;
    use fieldcase_shared::model::{CaseOpened, Party, Vehicle};
    use fieldcase_shared::procedure::{Step, Taken, Track};
    use fieldcase_shared::record::{RecordBody, RecordPayload};

    use super::*;
    use crate::fill::{block_texts, fill};

    fn signed(seq: u64, at: &str, body: RecordBody) -> Signed {
        let device = DeviceKey::generate().public().device_id();
        let at = DateTime::parse_from_rfc3339(at).unwrap();
        let officers = vec!["65010023".into(), "65010031".into()];
        let payload = RecordPayload::new(device, seq, Digest([0; 32]), at, officers, body);
        let digest = fieldcase_shared::hash::sha256(&serde_json::to_vec(&payload).unwrap());
        Signed { payload, digest }
    }

    #[test]
    fn the_hearing_record_prints_from_its_signed_act() {
        let case_id = uuid::Uuid::now_v7();
        let opened = RecordBody::CaseOpened(CaseOpened {
            case_id,
            case_no: "乌交执〔2026〕00009号".into(),
            occurred_at: DateTime::parse_from_rfc3339("2026-11-02T10:00:00+08:00").unwrap(),
            place: "G30".into(),
            vehicle: Vehicle {
                plate: "新A12345".into(),
            },
            party: Party::Person {
                id_number: "650102198503121234".into(),
                name: "张三".into(),
            },
            violation: None,
            note: String::new(),
            details: None,
        });
        let record = HearingRecord {
            started_at: DateTime::parse_from_rfc3339("2026-11-24T09:00:00+08:00").unwrap(),
            ended_at: DateTime::parse_from_rfc3339("2026-11-24T10:30:00+08:00").unwrap(),
            place: "本机关三楼听证室".into(),
            host: "法制科赵主持".into(),
            recorder: "书记员钱".into(),
            attendees: "当事人及其代理人孙律师".into(),
            case_put: "调查人员出示现场笔录和照片，建议罚款伍仟元".into(),
            defence: "当事人称初次违法".into(),
            last_word: "请求从轻处罚".into(),
        };
        let act = RecordBody::ProcedureAct(ProcedureAct {
            case_id,
            case_no: "乌交执〔2026〕00009号".into(),
            basis: Step::HearingHeld.basis(Track::General),
            taken: Taken::on(
                Step::HearingHeld,
                record.started_at.date_naive(),
                vec!["65010023".into(), "65010031".into()],
            ),
            paper: Some(Paper::HearingRecord(record)),
        });
        let records = [
            signed(1, "2026-11-02T10:05:00+08:00", opened),
            signed(1, "2026-11-24T10:40:00+08:00", act),
        ];
        let filled = fill(
            Kind::HearingRecord,
            &records,
            "乌鲁木齐市交通运输综合行政执法支队",
            Pick::Latest,
        )
        .unwrap();
        let template = Kind::HearingRecord.template().unwrap();
        let text: String = block_texts(&template, &filled)
            .into_iter()
            .map(|(_, t)| t + "\n")
            .collect();
        assert_eq!(template.title, "听证笔录");
        for want in [
            "乌交执〔2026〕00009号",
            "张三",
            "2026年11月24日09时00分 至 2026年11月24日10时30分",
            "法制科赵主持",
            "书记员钱",
            "建议罚款伍仟元",
            "请求从轻处罚",
            "拒绝签字的，由主持人注明",
        ] {
            assert!(text.contains(want), "{want:?} not in:\n{text}");
        }
        // Without the record there is nothing to print, and it says so.
        let e = fill(Kind::HearingRecord, &records[..1], "x", Pick::Latest).unwrap_err();
        assert!(e.to_string().contains("听证笔录"), "{e}");
    }
}
