//! The publication export (双公示): every decision published, and every
//! publication withdrawn, in the columns of the national 行政处罚
//! credit-information format (`assets/publication/rules.json`), as CSV
//! (UTF-8 with a byte-order mark, cells that a spreadsheet would take for
//! a formula quoted) or JSON (`fieldcase-publication-export/1`). The
//! entries are the ones the `published` acts signed, already masked; a
//! withdrawn one keeps only its number, agency, days and the public
//! reason. `docs/publication.md` is the format's description.

use std::io::Write;

use chrono::{DateTime, FixedOffset};
use fieldcase_shared::publication::PublicationEntry;

use super::publication::rules;
use crate::store::publication::{PubRow, PubStatus};
use crate::store::{Store, StoreError};

/// `format` of the JSON export.
pub const EXPORT_FORMAT: &str = "fieldcase-publication-export/1";

/// Rows read from the store at a time.
const PAGE: u32 = 1000;

/// The export's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV with the national column names.
    Csv,
    /// JSON with the entries' keys and a column list.
    Json,
}

/// Why the export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the table.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored entry that is not one (the table is rebuilt from the
    /// signed acts by `fieldcase-server deadlines refresh`).
    #[error("case {case_no}: the stored entry does not read ({error}); run fieldcase-server deadlines refresh")]
    Entry {
        /// 案号.
        case_no: String,
        /// Why.
        error: String,
    },
    /// Writing.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// CSV.
    #[error(transparent)]
    Csv(#[from] csv::Error),
    /// JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// The export's values of one row, in the rules' column order.
fn values(row: &PubRow) -> Result<Vec<String>, ExportError> {
    let withdrawn = row.status == PubStatus::Withdrawn;
    let entry: Option<PublicationEntry> = if row.entry.is_empty() {
        None
    } else {
        Some(
            serde_json::from_str(&row.entry).map_err(|e| ExportError::Entry {
                case_no: row.case_no.clone(),
                error: e.to_string(),
            })?,
        )
    };
    let kept = [
        "decision_no",
        "decided_on",
        "agency",
        "agency_uscc",
        "source",
        "source_uscc",
    ];
    Ok(rules()
        .fields
        .iter()
        .map(|c| match c.key.as_str() {
            "status" => row.status.name().0.to_owned(),
            "withdrawn_on" => row.withdrawn_on.map(|d| d.to_string()).unwrap_or_default(),
            "withdrawal_reason" if withdrawn => row.note.clone(),
            "decision_no" if entry.is_none() => row.case_no.clone(),
            "decided_on" if entry.is_none() => row.decided_on.to_string(),
            // A withdrawn decision no longer shows its party or contents.
            key if withdrawn && !kept.contains(&key) => String::new(),
            key => entry.as_ref().map(|e| e.field(key)).unwrap_or_default(),
        })
        .collect())
}

/// Calls `each` with every published and every withdrawn row, a page at a
/// time, in decision order.
fn each_row(
    store: &dyn Store,
    mut each: impl FnMut(&PubRow) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    let mut n = 0;
    for status in [
        PubStatus::Published,
        PubStatus::WithdrawDue,
        PubStatus::Withdrawn,
    ] {
        let mut offset = 0;
        loop {
            let rows = store.publications(status, PAGE, offset)?;
            for r in &rows {
                each(r)?;
                n += 1;
            }
            if rows.len() < PAGE as usize {
                break;
            }
            offset += PAGE;
        }
    }
    Ok(n)
}

/// Writes the export to `out`; returns how many entries it holds.
pub fn write(
    store: &dyn Store,
    format: Format,
    generated_at: DateTime<FixedOffset>,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    match format {
        Format::Csv => {
            out.write_all(b"\xEF\xBB\xBF")?;
            let mut w = csv::Writer::from_writer(out);
            w.write_record(rules().fields.iter().map(|c| c.header.as_str()))?;
            let n = each_row(store, |r| {
                let v = values(r)?;
                w.write_record(v.iter().map(|s| super::pages::audit::cell(s)))?;
                Ok(())
            })?;
            w.flush()?;
            Ok(n)
        }
        Format::Json => {
            let columns: Vec<serde_json::Value> = rules()
                .fields
                .iter()
                .map(|c| serde_json::json!({"key": c.key, "header": c.header, "header_en": c.header_en}))
                .collect();
            let head = serde_json::json!({
                "format": EXPORT_FORMAT,
                "generated_at": generated_at.to_rfc3339(),
                "columns": columns,
            });
            let head = serde_json::to_string(&head)?;
            // The head without its closing brace, then the entries.
            out.write_all(&head.as_bytes()[..head.len() - 1])?;
            out.write_all(b",\"entries\":[")?;
            let mut first = true;
            let n = each_row(store, |r| {
                let v = values(r)?;
                let obj: serde_json::Map<String, serde_json::Value> = rules()
                    .fields
                    .iter()
                    .zip(v)
                    .map(|(c, v)| (c.key.clone(), serde_json::Value::String(v)))
                    .collect();
                if !first {
                    out.write_all(b",\n")?;
                }
                first = false;
                serde_json::to_writer(&mut *out, &obj)?;
                Ok(())
            })?;
            out.write_all(b"]}\n")?;
            Ok(n)
        }
    }
}
