//! What the officers must do in person and confirm in the record (law as
//! data, `assets/procedure/told.json`): show their credentials at every
//! check (行政处罚法 art. 55 para. 1), and before an on-the-spot decision
//! tell the party the intended penalty, its facts, reasons and basis, and
//! the right to state and defend its case (art. 44; art. 62 forbids the
//! decision otherwise). Validated at load with errors naming the entry.

use serde::{Deserialize, Serialize};

use crate::catalog::Citation;

/// `format` of the file.
pub const TOLD_FORMAT: &str = "fieldcase-told/1";

const SHIPPED: &str = include_str!("../../../assets/procedure/told.json");

/// When an item must be confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// At every check.
    Always,
    /// Before a penalty decided on the spot (simple procedure).
    SimpleDecision,
}

/// One item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToldItem {
    /// Stable id.
    pub id: String,
    /// As confirmed (and printed), in Chinese.
    pub text: String,
    /// In English.
    pub text_en: String,
    /// When it is required.
    pub when: When,
    /// The provision.
    pub basis: Citation,
}

/// An item as the officers confirmed it, in the signed findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToldAnswer {
    /// The item's id.
    pub item: String,
    /// Its text as confirmed.
    pub text: String,
    /// The provision.
    pub basis: String,
}

/// The loaded items.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Told {
    format: String,
    #[allow(dead_code)]
    about: String,
    /// The items, in the order they are confirmed.
    pub items: Vec<ToldItem>,
}

/// A file that does not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {entry}: {message}")]
pub struct ToldError {
    /// File.
    pub file: String,
    /// Entry.
    pub entry: String,
    /// What is wrong.
    pub message: String,
}

impl Told {
    /// The shipped items.
    pub fn shipped() -> Result<Told, ToldError> {
        Told::parse(SHIPPED, "assets/procedure/told.json")
    }

    /// Parses and validates a file.
    pub fn parse(text: &str, file: &str) -> Result<Told, ToldError> {
        let err = |entry: &str, message: String| ToldError {
            file: file.to_owned(),
            entry: entry.to_owned(),
            message,
        };
        let t: Told = serde_json::from_str(text)
            .map_err(|e| err("(file)", format!("not a told file: {e}")))?;
        if t.format != TOLD_FORMAT {
            return Err(err("(file)", format!("expected {TOLD_FORMAT}")));
        }
        let mut seen = std::collections::BTreeSet::new();
        for i in &t.items {
            if i.id.is_empty() || !i.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                return Err(err(
                    &i.id,
                    "the id is lower-case ASCII letters and _".into(),
                ));
            }
            if !seen.insert(i.id.as_str()) {
                return Err(err(&i.id, "repeated id".into()));
            }
            if i.text.trim().is_empty() || i.text_en.trim().is_empty() {
                return Err(err(&i.id, "needs text and text_en".into()));
            }
            if let Some(p) = i.basis.problem() {
                return Err(err(&i.id, p));
            }
        }
        Ok(t)
    }

    /// The items required for a check whose decision is (`simple`) or is
    /// not an on-the-spot penalty.
    pub fn required(&self, simple_decision: bool) -> impl Iterator<Item = &ToldItem> {
        self.items
            .iter()
            .filter(move |i| i.when == When::Always || simple_decision)
    }

    /// The item `id`.
    pub fn get(&self, id: &str) -> Option<&ToldItem> {
        self.items.iter().find(|i| i.id == id)
    }
}

impl ToldItem {
    /// As signed in the findings.
    pub fn answer(&self) -> ToldAnswer {
        ToldAnswer {
            item: self.id.clone(),
            text: self.text.clone(),
            basis: self.basis.text(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xzcff_art_55_credentials_are_shown_at_every_check() {
        let t = Told::shipped().unwrap();
        let always: Vec<_> = t.required(false).collect();
        assert_eq!(always.len(), 1);
        assert_eq!(always[0].id, "credentials");
        assert_eq!(always[0].basis.article, 55);
    }

    #[test]
    fn xzcff_art_44_facts_and_rights_are_told_before_an_on_the_spot_decision() {
        let t = Told::shipped().unwrap();
        let ids: Vec<_> = t.required(true).map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["credentials", "facts", "rights"]);
        for id in ["facts", "rights"] {
            assert_eq!(t.get(id).unwrap().basis.article, 44, "{id}");
        }
        assert!(t
            .get("facts")
            .unwrap()
            .answer()
            .basis
            .contains("第四十四条"));
    }

    #[test]
    fn a_told_file_with_a_repeated_id_names_it() {
        let text = SHIPPED.replace("\"id\": \"rights\"", "\"id\": \"facts\"");
        let e = Told::parse(&text, "told.json").unwrap_err();
        assert_eq!((e.file.as_str(), e.entry.as_str()), ("told.json", "facts"));
    }
}
