//! The published entry of a penalty decision, in the fields of the
//! national 行政处罚 credit-information format (column names in
//! `assets/publication/rules.json`), built with every field masked.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::mask::Masker;
use super::rules::{PublicationRules, WithholdReason};
use crate::investigation::{invalid, text, Invalid, MAX_SHORT, MAX_TEXT};
use crate::model::Party;
use crate::procedure::acts::Decision;

/// The entry's fields, in the export's order.
pub const KEYS: [&str; 25] = [
    "party_name",
    "party_kind",
    "uscc",
    "legal_rep",
    "id_type",
    "id_number",
    "decision_no",
    "violation",
    "facts",
    "basis",
    "kinds",
    "content",
    "fine_wan",
    "confiscated_wan",
    "licence",
    "decided_on",
    "publish_until",
    "agency",
    "agency_uscc",
    "source",
    "source_uscc",
    "status",
    "withdrawn_on",
    "withdrawal_reason",
    "note",
];

/// 行政相对人类别.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// 自然人.
    Person,
    /// 法人及非法人组织.
    Organisation,
}

impl PartyKind {
    /// As the format writes it.
    pub fn zh(self) -> &'static str {
        match self {
            PartyKind::Person => "自然人",
            PartyKind::Organisation => "法人及非法人组织",
        }
    }
}

/// One decision as published (and as the `published` act signs it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationEntry {
    /// 行政相对人名称.
    pub party_name: String,
    /// 行政相对人类别.
    pub party_kind: PartyKind,
    /// 统一社会信用代码 (organisations).
    pub uscc: String,
    /// 法定代表人 (organisations).
    pub legal_rep: String,
    /// 证件类型 (persons).
    pub id_type: String,
    /// 证件号码, masked (persons).
    pub id_number: String,
    /// 行政处罚决定书文号.
    pub decision_no: String,
    /// 违法行为类型.
    pub violation: String,
    /// 违法事实, masked.
    pub facts: String,
    /// 处罚依据, masked.
    pub basis: String,
    /// 处罚类别 (行政处罚法 art. 9), `;`-separated.
    pub kinds: String,
    /// 处罚内容, masked.
    pub content: String,
    /// 罚款金额（万元）, six decimals.
    pub fine_wan: String,
    /// 没收违法所得、没收非法财物的金额（万元）.
    pub confiscated_wan: String,
    /// 暂扣或吊销证照名称及编号, masked.
    pub licence: String,
    /// 处罚决定日期.
    pub decided_on: NaiveDate,
    /// 公示截止期.
    pub publish_until: NaiveDate,
    /// 处罚机关.
    pub agency: String,
    /// 处罚机关统一社会信用代码.
    pub agency_uscc: String,
    /// 数据来源单位.
    pub source: String,
    /// 数据来源单位统一社会信用代码.
    pub source_uscc: String,
    /// 备注.
    pub note: String,
}

impl PublicationEntry {
    /// What is wrong with an entry as signed, if anything.
    pub fn check(&self) -> Result<(), Invalid> {
        text("行政相对人名称", "the party", &self.party_name, MAX_SHORT)?;
        text(
            "决定书文号",
            "the decision number",
            &self.decision_no,
            MAX_SHORT,
        )?;
        text("违法事实", "the facts", &self.facts, MAX_TEXT)?;
        text("处罚依据", "the basis", &self.basis, MAX_TEXT)?;
        text("处罚内容", "the penalty", &self.content, MAX_TEXT)?;
        text("处罚机关", "the agency", &self.agency, MAX_SHORT)?;
        if self.publish_until <= self.decided_on {
            return Err(invalid(
                "公示截止期应晚于处罚决定日期",
                "the publication ends after the decision's day",
            ));
        }
        Ok(())
    }

    /// The value of the field `key` (one of [`KEYS`]) as the export
    /// writes it; the status and withdrawal columns are the export's.
    pub fn field(&self, key: &str) -> String {
        match key {
            "party_name" => self.party_name.clone(),
            "party_kind" => self.party_kind.zh().into(),
            "uscc" => self.uscc.clone(),
            "legal_rep" => self.legal_rep.clone(),
            "id_type" => self.id_type.clone(),
            "id_number" => self.id_number.clone(),
            "decision_no" => self.decision_no.clone(),
            "violation" => self.violation.clone(),
            "facts" => self.facts.clone(),
            "basis" => self.basis.clone(),
            "kinds" => self.kinds.clone(),
            "content" => self.content.clone(),
            "fine_wan" => self.fine_wan.clone(),
            "confiscated_wan" => self.confiscated_wan.clone(),
            "licence" => self.licence.clone(),
            "decided_on" => self.decided_on.to_string(),
            "publish_until" => self.publish_until.to_string(),
            "agency" => self.agency.clone(),
            "agency_uscc" => self.agency_uscc.clone(),
            "source" => self.source.clone(),
            "source_uscc" => self.source_uscc.clone(),
            "note" => self.note.clone(),
            _ => String::new(),
        }
    }
}

/// A decision to publish, with what the case file says of the people in
/// it.
#[derive(Debug, Clone)]
pub struct Decided<'a> {
    /// 案号 (the decision's number).
    pub case_no: &'a str,
    /// The party.
    pub party: &'a Party,
    /// The organisation's legal representative, when recorded.
    pub legal_rep: &'a str,
    /// The party's phone, when recorded (masked wherever it appears).
    pub phone: &'a str,
    /// The decision.
    pub decision: &'a Decision,
    /// The violation's title (catalogue).
    pub violation: &'a str,
    /// The day of the decision.
    pub decided_on: NaiveDate,
    /// The day of the violation (a minor's age is counted to it).
    pub occurred_on: NaiveDate,
    /// Everybody else the case file names (interviewees, recipients,
    /// witnesses, officers).
    pub others: Vec<String>,
    /// The deciding agency and its credit code.
    pub agency: (&'a str, &'a str),
}

/// The entry to publish, masked; or why the decision is not published
/// (a party under 18 on the day of the violation).
pub fn build(
    rules: &PublicationRules,
    d: &Decided<'_>,
) -> Result<PublicationEntry, WithholdReason> {
    let (kind, name, uscc, id_number) = match d.party {
        Party::Person { id_number, name } => {
            if let Ok(info) = crate::validate::id_card(id_number, d.occurred_on) {
                let adult = info
                    .birth_date
                    .checked_add_months(Months::new(18 * 12))
                    .is_some_and(|d18| d18 <= d.occurred_on);
                if !adult {
                    return Err(WithholdReason::Minor);
                }
            }
            (PartyKind::Person, name.as_str(), "", id_number.as_str())
        }
        Party::Organisation { uscc, name } => {
            (PartyKind::Organisation, name.as_str(), uscc.as_str(), "")
        }
    };
    let person = kind == PartyKind::Person;
    let mut others = d.others.clone();
    others.push(d.legal_rep.to_owned());
    let masker = Masker::new(
        &rules.mask,
        person.then_some(name),
        // An organisation's legal representative is published in its own
        // column, and masked where free text repeats it only for persons.
        others.into_iter().filter(|n| person || n != d.legal_rep),
        [d.decision.address.clone()],
    );
    let phone_masked = |s: &str| {
        if d.phone.trim().chars().count() >= 5 {
            s.replace(d.phone.trim(), &masker.numbers(d.phone.trim()))
        } else {
            s.to_owned()
        }
    };
    let free = |s: &str| masker.text(&phone_masked(s));
    let (agency, agency_uscc) = d.agency;
    Ok(PublicationEntry {
        // A party's own name is published as it is; only numbers typed
        // into it are masked.
        party_name: masker.numbers(name),
        party_kind: kind,
        uscc: uscc.to_owned(),
        legal_rep: if person {
            String::new()
        } else {
            masker.numbers(d.legal_rep)
        },
        id_type: if person {
            "身份证".into()
        } else {
            String::new()
        },
        id_number: if person {
            masker.id_number(id_number)
        } else {
            String::new()
        },
        decision_no: masker.numbers(d.case_no),
        violation: free(d.violation),
        facts: free(&d.decision.facts),
        basis: free(&d.decision.basis),
        kinds: kinds(d.decision).join(";"),
        content: free(&d.decision.penalty),
        fine_wan: wan(d.decision.fine_yuan),
        confiscated_wan: wan(0),
        licence: String::new(),
        decided_on: d.decided_on,
        publish_until: d
            .decided_on
            .checked_add_months(Months::new(rules.period_months))
            .unwrap_or(d.decided_on),
        agency: agency.to_owned(),
        agency_uscc: agency_uscc.to_owned(),
        source: agency.to_owned(),
        source_uscc: agency_uscc.to_owned(),
        note: String::new(),
    })
}

/// Yuan as 万元 with six decimals (exact: 1 yuan = 0.0001 万元).
pub fn wan(yuan: u64) -> String {
    format!("{}.{:04}00", yuan / 10_000, yuan % 10_000)
}

/// The kinds of penalty (行政处罚法 art. 9) the decision imposes.
fn kinds(d: &Decision) -> Vec<&'static str> {
    const WORDS: [(&str, &str); 8] = [
        ("警告", "警告"),
        ("通报批评", "通报批评"),
        ("没收", "没收违法所得、没收非法财物"),
        ("暂扣", "暂扣许可证件"),
        ("降低资质等级", "降低资质等级"),
        ("吊销", "吊销许可证件"),
        ("限制开展生产经营活动", "限制开展生产经营活动"),
        ("责令停产停业", "责令停产停业"),
    ];
    let mut out = Vec::new();
    if d.fine_yuan > 0 {
        out.push("罚款");
    }
    for (word, kind) in WORDS {
        if d.penalty.contains(word) && !out.contains(&kind) {
            out.push(kind);
        }
    }
    if out.is_empty() {
        out.push("其他行政处罚");
    }
    out
}
