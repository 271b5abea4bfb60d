//! 送达 at the bureau (行政处罚法 art. 61): how a decision reached a party
//! who was not there when it was made — the methods of the 民事诉讼法 the
//! article points to, and electronic service only with the party's signed
//! consent (para. 2) — recorded as the content of its 送达回证.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::investigation::{invalid, text, Invalid, MAX_SHORT, MAX_TEXT};

/// How a document was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceMethod {
    /// 直接送达: handed to the recipient, who signs the receipt.
    Direct,
    /// 留置送达: the recipient refused; left at the residence with
    /// witnesses.
    Left,
    /// 委托送达: through another agency.
    Entrusted,
    /// 邮寄送达.
    Post,
    /// 公告送达: when no other method can reach the recipient.
    Announcement,
    /// 电子送达: fax, e-mail… with the party's signed consent (art. 61
    /// para. 2).
    Electronic,
}

impl ServiceMethod {
    /// Every method, in the code list's order.
    pub const ALL: [ServiceMethod; 6] = [
        ServiceMethod::Direct,
        ServiceMethod::Left,
        ServiceMethod::Entrusted,
        ServiceMethod::Post,
        ServiceMethod::Announcement,
        ServiceMethod::Electronic,
    ];

    /// Its code (`direct`, …).
    pub fn code(self) -> &'static str {
        match self {
            ServiceMethod::Direct => "direct",
            ServiceMethod::Left => "left",
            ServiceMethod::Entrusted => "entrusted",
            ServiceMethod::Post => "post",
            ServiceMethod::Announcement => "announcement",
            ServiceMethod::Electronic => "electronic",
        }
    }

    /// The method named by `code`.
    pub fn parse(code: &str) -> Option<ServiceMethod> {
        ServiceMethod::ALL.into_iter().find(|m| m.code() == code)
    }

    /// Its name, in Chinese and English.
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            ServiceMethod::Direct => ("直接送达", "in person"),
            ServiceMethod::Left => ("留置送达", "left at the residence"),
            ServiceMethod::Entrusted => ("委托送达", "through another agency"),
            ServiceMethod::Post => ("邮寄送达", "by post"),
            ServiceMethod::Announcement => ("公告送达", "by public announcement"),
            ServiceMethod::Electronic => ("电子送达", "electronically, with consent"),
        }
    }

    /// What the detail line must say for this method (Chinese, English).
    pub fn detail_wanted(self) -> (&'static str, &'static str) {
        match self {
            ServiceMethod::Direct => ("受送达人签收情况", "how the recipient signed"),
            ServiceMethod::Left => (
                "拒收情况和见证人姓名、身份",
                "the refusal and the witnesses' names",
            ),
            ServiceMethod::Entrusted => {
                ("受委托机关及其回执", "the agency entrusted and its receipt")
            }
            ServiceMethod::Post => (
                "邮件号码和签收情况",
                "the postal item number and its receipt",
            ),
            ServiceMethod::Announcement => (
                "无法以其他方式送达的原因和公告载体",
                "why no other method could reach the party, and where it was announced",
            ),
            ServiceMethod::Electronic => (
                "当事人送达确认书编号和接收地址（传真号码、电子邮箱）",
                "the party's signed consent (its number) and the address used",
            ),
        }
    }
}

/// The content of a 送达回证 made at the bureau.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceNote {
    /// The document served (行政处罚决定书…).
    pub document: String,
    /// How.
    pub method: ServiceMethod,
    /// 受送达人.
    pub recipient: String,
    /// When it reached the recipient.
    pub served_at: DateTime<FixedOffset>,
    /// Where.
    pub place: String,
    /// What the method needs said ([`ServiceMethod::detail_wanted`]).
    pub detail: String,
}

impl ServiceNote {
    /// What is wrong with the note as written.
    pub fn check(&self) -> Result<(), Invalid> {
        text("送达文书", "the document served", &self.document, MAX_SHORT)?;
        text("受送达人", "the recipient", &self.recipient, MAX_SHORT)?;
        text("送达地点", "the place", &self.place, MAX_SHORT)?;
        let (zh, en) = self.method.detail_wanted();
        if self.detail.trim().is_empty() {
            let law = if self.method == ServiceMethod::Electronic {
                "电子送达须经当事人同意并签订确认书（行政处罚法第六十一条第二款）"
            } else {
                "依照民事诉讼法的有关规定送达（行政处罚法第六十一条第一款）"
            };
            let law_en = if self.method == ServiceMethod::Electronic {
                "electronic service needs the party's signed consent (art. 61 para. 2)"
            } else {
                "service follows the Civil Procedure Law (art. 61 para. 1)"
            };
            return Err(invalid(
                format!("{}须写明{zh}；{law}", self.method.name().0),
                format!("{} needs {en}; {law_en}", self.method.name().1),
            ));
        }
        text(zh, en, &self.detail, MAX_TEXT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(method: ServiceMethod, detail: &str) -> ServiceNote {
        ServiceNote {
            document: "行政处罚决定书".into(),
            method,
            recipient: "张三".into(),
            served_at: "2026-12-03T10:00:00+08:00".parse().unwrap(),
            place: "乌鲁木齐市".into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn xzcff_art_61_para_2_electronic_service_names_the_consent() {
        let e = note(ServiceMethod::Electronic, "").check().unwrap_err();
        assert!(e.zh.contains("第六十一条第二款"), "{}", e.zh);
        assert!(e.zh.contains("确认书"));
        assert!(note(
            ServiceMethod::Electronic,
            "确认书 2026-017，zhang@example.cn"
        )
        .check()
        .is_ok());
    }

    #[test]
    fn xzcff_art_61_para_1_every_method_says_what_it_needs() {
        for m in ServiceMethod::ALL {
            let e = note(m, " ").check().unwrap_err();
            assert!(e.zh.contains(m.detail_wanted().0), "{m:?}: {}", e.zh);
            assert!(note(m, "已办理").check().is_ok());
            assert_eq!(ServiceMethod::parse(m.code()), Some(m));
        }
        assert_eq!(ServiceMethod::parse("fax"), None);
    }
}
