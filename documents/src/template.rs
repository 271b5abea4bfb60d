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
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 1] = [Kind::OnTheSpotDecision];

    /// The tag used in files, commands and QR codes.
    pub fn tag(self) -> &'static str {
        match self {
            Kind::OnTheSpotDecision => "on_the_spot_decision",
        }
    }

    /// From its tag.
    pub fn parse(tag: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.tag() == tag)
    }

    /// The shipped template.
    pub fn template(self) -> Result<Template, TemplateError> {
        let (text, file) = match self {
            Kind::OnTheSpotDecision => (
                include_str!("../../assets/documents/on_the_spot_decision.json"),
                "assets/documents/on_the_spot_decision.json",
            ),
        };
        Template::parse(text, file)
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

/// The fields a filler supplies.
pub const FIELDS: &[&str] = &[
    "case_no",
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
    "officers",
    "receipt",
    "told",
    "decided_on",
    "agency",
];

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
                    if !FIELDS.contains(&name) {
                        return Err(err(
                            &entry,
                            format!("unknown field {{{name}}} (known: {})", FIELDS.join(", ")),
                        ));
                    }
                }
            }
            let needs_text = !matches!(b.kind, BlockKind::Qr);
            if needs_text && b.text.trim().is_empty() {
                return Err(err(&entry, "a block without text".into()));
            }
            if b.kind == BlockKind::Field && b.label.trim().is_empty() {
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
    fn placeholders_are_filled_and_values_are_not_rescanned() {
        let s = fill_text(
            "a{x}b{y}",
            |n| if n == "x" { "{y}".into() } else { "2".into() },
        );
        assert_eq!(s, "a{y}b2");
    }
}
