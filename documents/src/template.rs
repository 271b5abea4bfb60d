//! Document templates (`assets/documents/<kind>.json`, format
//! `fieldcase-document/1`): a title, the provision requiring the document,
//! and blocks of text whose `{field}` placeholders name the fields a
//! filler supplies. A placeholder no filler knows is refused at load.

use serde::Deserialize;

use fieldcase_shared::catalog::Citation;

/// `format` of a template file.
pub const TEMPLATE_FORMAT: &str = "fieldcase-document/1";

/// The kinds of document made so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 当场行政处罚决定书 (行政处罚法 art. 52).
    OnTheSpotDecision,
    /// 现场笔录 (art. 55 para 2).
    SiteRecord,
    /// 询问笔录 (art. 55 para 2).
    Interview,
    /// 证据登记保存清单 (art. 56).
    EvidenceRegister,
    /// 责令改正违法行为通知书 (art. 28 para 1).
    CorrectionOrder,
    /// 送达回证 (art. 61, 民事诉讼法 art. 87).
    ServiceReceipt,
    /// 立案登记表 (art. 54 para 2).
    FilingForm,
    /// 违法行为通知书 (art. 44).
    ViolationNotice,
    /// 听证通知书 (art. 64).
    HearingNotice,
    /// 听证笔录 (art. 64 item 8).
    HearingRecord,
    /// 行政处罚决定书 (art. 59).
    PenaltyDecision,
    /// 不予行政处罚决定书 (art. 57 para 1 item 2).
    NoPenaltyDecision,
    /// 结案报告.
    ClosingReport,
    /// 行政强制措施决定书 with its 清单 (行政强制法 art. 24).
    MeasureDecision,
    /// 法制审核意见书 (行政处罚法 art. 58).
    LegalOpinion,
}

/// Fields every kind's filler supplies.
const COMMON: &[&str] = &["case_no", "agency", "officers", "signed"];

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 15] = [
        Kind::OnTheSpotDecision,
        Kind::SiteRecord,
        Kind::Interview,
        Kind::EvidenceRegister,
        Kind::CorrectionOrder,
        Kind::ServiceReceipt,
        Kind::FilingForm,
        Kind::ViolationNotice,
        Kind::HearingNotice,
        Kind::PenaltyDecision,
        Kind::NoPenaltyDecision,
        Kind::ClosingReport,
        Kind::MeasureDecision,
        Kind::LegalOpinion,
        Kind::HearingRecord,
    ];

    /// The kinds made at the roadside, from the terminal's own records.
    pub const ROADSIDE: [Kind; 7] = [
        Kind::OnTheSpotDecision,
        Kind::SiteRecord,
        Kind::Interview,
        Kind::EvidenceRegister,
        Kind::CorrectionOrder,
        Kind::MeasureDecision,
        Kind::ServiceReceipt,
    ];

    /// The kinds made at the bureau, from its signed procedure acts.
    pub const BUREAU: [Kind; 9] = [
        Kind::FilingForm,
        Kind::ViolationNotice,
        Kind::HearingNotice,
        Kind::HearingRecord,
        Kind::LegalOpinion,
        Kind::PenaltyDecision,
        Kind::NoPenaltyDecision,
        Kind::ServiceReceipt,
        Kind::ClosingReport,
    ];

    /// The tag used in files, commands and QR codes.
    pub fn tag(self) -> &'static str {
        match self {
            Kind::OnTheSpotDecision => "on_the_spot_decision",
            Kind::SiteRecord => "site_record",
            Kind::Interview => "interview",
            Kind::EvidenceRegister => "evidence_register",
            Kind::CorrectionOrder => "correction_order",
            Kind::ServiceReceipt => "service_receipt",
            Kind::FilingForm => "filing_form",
            Kind::ViolationNotice => "violation_notice",
            Kind::HearingNotice => "hearing_notice",
            Kind::HearingRecord => "hearing_record",
            Kind::PenaltyDecision => "penalty_decision",
            Kind::NoPenaltyDecision => "no_penalty_decision",
            Kind::ClosingReport => "closing_report",
            Kind::MeasureDecision => "measure_decision",
            Kind::LegalOpinion => "legal_opinion",
        }
    }

    /// From its tag.
    pub fn parse(tag: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.tag() == tag)
    }

    /// The fields its filler supplies beyond [`COMMON`] (what its
    /// template may name).
    fn own_fields(self) -> &'static [&'static str] {
        match self {
            Kind::OnTheSpotDecision => &[
                "party_name",
                "party_id_label",
                "party_id",
                "plate",
                "occurred_at",
                "place",
                "violation",
                "basis",
                "penalty",
                "payment",
                "statement",
                "receipt",
                "told",
                "decided_on",
            ],
            Kind::SiteRecord => &[
                "party_name",
                "plate",
                "started_at",
                "ended_at",
                "place",
                "present",
                "observed",
                "receipt",
                "basis",
            ],
            Kind::Interview => &[
                "started_at",
                "ended_at",
                "place",
                "person_name",
                "person_id",
                "relation",
                "exchanges",
                "receipt",
                "basis",
            ],
            Kind::EvidenceRegister => &[
                "party_name",
                "items",
                "kept_at",
                "approved_by",
                "decide_by",
                "receipt",
                "basis",
                "made_on",
            ],
            Kind::CorrectionOrder => &[
                "party_name",
                "violation",
                "order",
                "correct_by",
                "receipt",
                "basis",
                "made_on",
            ],
            Kind::ServiceReceipt => &[
                "document",
                "document_no",
                "recipient",
                "served_at",
                "place",
                "method",
                "receipt",
                "pdf",
                "basis",
            ],
            Kind::FilingForm => &[
                "party_name",
                "party_id_label",
                "party_id",
                "plate",
                "occurred_at",
                "place",
                "source",
                "facts",
                "opinion",
                "approval",
                "approved_by",
                "filed_on",
            ],
            Kind::ViolationNotice => &[
                "party_name",
                "facts",
                "basis",
                "proposed",
                "respond_by",
                "hearing",
                "contact",
                "served_on",
            ],
            Kind::HearingNotice => &[
                "party_name",
                "hearing_at",
                "place",
                "host",
                "public",
                "served_on",
            ],
            Kind::HearingRecord => &[
                "party_name",
                "started_at",
                "ended_at",
                "place",
                "host",
                "recorder",
                "attendees",
                "case_put",
                "defence",
                "last_word",
            ],
            Kind::PenaltyDecision => &[
                "party_name",
                "party_id_label",
                "party_id",
                "address",
                "facts",
                "evidence",
                "basis",
                "penalty",
                "performance",
                "decided_on",
            ],
            Kind::NoPenaltyDecision => &[
                "party_name",
                "party_id_label",
                "party_id",
                "address",
                "facts",
                "reason",
                "basis",
                "decided_on",
            ],
            Kind::ClosingReport => &[
                "party_name",
                "violation",
                "outcome",
                "execution",
                "closed_on",
            ],
            Kind::MeasureDecision => &[
                "party_name",
                "party_id",
                "plate",
                "address",
                "measures",
                "reason",
                "period",
                "items",
                "kept_at",
                "receipt",
                "basis",
                "made_on",
            ],
            Kind::LegalOpinion => &[
                "party_name",
                "violation",
                "points",
                "conclusion",
                "result",
                "qualification",
                "reviewed_on",
            ],
        }
    }

    /// Whether its filler supplies `name`.
    pub fn supplies(self, name: &str) -> bool {
        COMMON.contains(&name) || self.own_fields().contains(&name)
    }

    /// Every field its filler supplies.
    pub fn fields(self) -> Vec<&'static str> {
        COMMON.iter().chain(self.own_fields()).copied().collect()
    }

    /// The shipped template.
    pub fn template(self) -> Result<Template, TemplateError> {
        macro_rules! shipped {
            ($name:literal) => {
                (
                    include_str!(concat!("../../assets/documents/", $name, ".json")),
                    concat!("assets/documents/", $name, ".json"),
                )
            };
        }
        let (text, file) = match self {
            Kind::OnTheSpotDecision => shipped!("on_the_spot_decision"),
            Kind::SiteRecord => shipped!("site_record"),
            Kind::Interview => shipped!("interview"),
            Kind::EvidenceRegister => shipped!("evidence_register"),
            Kind::CorrectionOrder => shipped!("correction_order"),
            Kind::ServiceReceipt => shipped!("service_receipt"),
            Kind::FilingForm => shipped!("filing_form"),
            Kind::ViolationNotice => shipped!("violation_notice"),
            Kind::HearingNotice => shipped!("hearing_notice"),
            Kind::HearingRecord => shipped!("hearing_record"),
            Kind::PenaltyDecision => shipped!("penalty_decision"),
            Kind::NoPenaltyDecision => shipped!("no_penalty_decision"),
            Kind::ClosingReport => shipped!("closing_report"),
            Kind::MeasureDecision => shipped!("measure_decision"),
            Kind::LegalOpinion => shipped!("legal_opinion"),
        };
        let t = Template::parse(text, file)?;
        if t.kind != self {
            return Err(TemplateError {
                file: file.to_owned(),
                entry: "kind".into(),
                message: format!("says {:?}, expected {}", t.kind, self.tag()),
            });
        }
        Ok(t)
    }
}

/// What a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// The document number (案号), centred under the title.
    Number,
    /// `label：text`.
    Field,
    /// A paragraph, its first line indented.
    Paragraph,
    /// `label：` on its own line, then each line of the text (a value
    /// with several lines, such as 问/答 or a list of items) wrapped with
    /// a hanging indent.
    Lines,
    /// The agency and its seal, right-aligned.
    Agency,
    /// The QR code for offline checking.
    Qr,
}

/// When a block is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// The penalty is a fine.
    Fine,
}

/// One block.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Block {
    /// What it is.
    pub kind: BlockKind,
    /// A label (fields).
    #[serde(default)]
    pub label: String,
    /// Its text, with `{field}` placeholders.
    #[serde(default)]
    pub text: String,
    /// Printed only when this holds.
    #[serde(default)]
    pub when: Option<When>,
}

/// A loaded template.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// [`TEMPLATE_FORMAT`].
    pub format: String,
    /// Which document.
    pub kind: Kind,
    /// Its title as printed.
    pub title: String,
    /// The title in English.
    pub title_en: String,
    /// The provision requiring it.
    pub basis: Citation,
    /// The provision its service to the party follows (signed in the
    /// `document_served` record).
    pub served: Citation,
    /// What the file is.
    pub about: String,
    /// The blocks, in print order.
    pub blocks: Vec<Block>,
}

/// A template that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {entry}: {message}")]
pub struct TemplateError {
    /// File.
    pub file: String,
    /// Block (`block N`) or `(file)`.
    pub entry: String,
    /// What is wrong.
    pub message: String,
}

/// The `{field}` names in `text`, or the text of a broken placeholder.
pub fn placeholders(text: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed {{ in {text:?}"))?;
        out.push(&after[..close]);
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(format!("stray }} in {text:?}"));
    }
    Ok(out)
}

impl Template {
    /// Parses and validates a template; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Template, TemplateError> {
        let err = |entry: &str, message: String| TemplateError {
            file: file.to_owned(),
            entry: entry.to_owned(),
            message,
        };
        let t: Template = serde_json::from_str(text)
            .map_err(|e| err("(file)", format!("not a document template: {e}")))?;
        if t.format != TEMPLATE_FORMAT {
            return Err(err("(file)", format!("expected {TEMPLATE_FORMAT}")));
        }
        if t.title.trim().is_empty() || t.title_en.trim().is_empty() {
            return Err(err("(file)", "needs title and title_en".into()));
        }
        if let Some(p) = t.basis.problem() {
            return Err(err("basis", p));
        }
        if let Some(p) = t.served.problem() {
            return Err(err("served", p));
        }
        for (i, b) in t.blocks.iter().enumerate() {
            let entry = format!("block {}", i + 1);
            for text in [&b.label, &b.text] {
                for name in placeholders(text).map_err(|m| err(&entry, m))? {
                    if !t.kind.supplies(name) {
                        return Err(err(
                            &entry,
                            format!(
                                "unknown field {{{name}}} (known for {}: {})",
                                t.kind.tag(),
                                t.kind.fields().join(", ")
                            ),
                        ));
                    }
                }
            }
            let needs_text = !matches!(b.kind, BlockKind::Qr);
            if needs_text && b.text.trim().is_empty() {
                return Err(err(&entry, "a block without text".into()));
            }
            if matches!(b.kind, BlockKind::Field | BlockKind::Lines) && b.label.trim().is_empty() {
                return Err(err(&entry, "a field without a label".into()));
            }
        }
        if t.blocks.iter().filter(|b| b.kind == BlockKind::Qr).count() != 1 {
            return Err(err("(file)", "exactly one qr block".into()));
        }
        Ok(t)
    }
}

/// Fills `text`'s placeholders from `value`.
pub fn fill_text(text: &str, value: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push_str(&value(&after[..close]));
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_shipped_templates_load() {
        for k in Kind::ALL {
            let t = k.template().unwrap();
            assert_eq!(t.kind, k);
        }
    }

    #[test]
    fn an_unknown_field_is_refused_naming_the_block() {
        let text = include_str!("../../assets/documents/on_the_spot_decision.json").replacen(
            "{plate}",
            "{plate_number}",
            1,
        );
        let e = Template::parse(&text, "t.json").unwrap_err();
        assert_eq!(e.entry, "block 4");
        assert!(e.message.contains("plate_number"), "{e}");
        let text = include_str!("../../assets/documents/on_the_spot_decision.json")
            .replacen("{plate}", "{plate", 1);
        assert!(Template::parse(&text, "t.json").is_err());
    }

    #[test]
    fn a_field_of_another_kind_is_refused_and_a_template_must_be_its_kind() {
        // {exchanges} belongs to the 询问笔录, not the 现场笔录.
        let text = include_str!("../../assets/documents/site_record.json").replacen(
            "{observed}",
            "{exchanges}",
            1,
        );
        let e = Template::parse(&text, "t.json").unwrap_err();
        assert!(
            e.message.contains("exchanges") && e.message.contains("site_record"),
            "{e}"
        );
        // A lines block needs its label.
        let text = include_str!("../../assets/documents/interview.json").replacen(
            "\"label\": \"询问记录\", ",
            "",
            1,
        );
        assert!(Template::parse(&text, "t.json").is_err());
        for k in Kind::ALL {
            assert!(k.supplies("case_no") && k.supplies("agency"), "{k:?}");
            assert_eq!(Kind::parse(k.tag()), Some(k));
        }
    }

    #[test]
    fn placeholders_are_filled_and_values_are_not_rescanned() {
        let s = fill_text(
            "a{x}b{y}",
            |n| if n == "x" { "{y}".into() } else { "2".into() },
        );
        assert_eq!(s, "a{y}b2");
    }
}
