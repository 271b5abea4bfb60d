//! Printable reports as PDF/A-2u (ISO 19005-2, level U: every glyph maps
//! to Unicode, so the text can be searched and copied years later): A4
//! portrait, text in a monospaced CJK face embedded as a subset, lines
//! wrapped by display width (a Chinese character takes two cells). Made
//! with krilla, which checks the PDF/A rules as it writes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use unicode_width::UnicodeWidthChar;

/// Where the report face is looked for when none is configured: Debian's
/// `fonts-noto-cjk`, face 7 of the collection (Noto Sans Mono CJK SC).
pub const DEFAULT_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// The face of [`DEFAULT_FONT`] used.
pub const DEFAULT_FONT_INDEX: u32 = 7;

/// Why a report cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The font file is missing or unreadable.
    #[error(
        "cannot read the report font {path}: {source}; install fonts-noto-cjk or set pdf_font"
    )]
    Font {
        /// Its path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a font krilla can embed.
    #[error("{0} face {1} is not a usable OpenType font; set pdf_font and pdf_font_index")]
    NotAFont(PathBuf, u32),
    /// krilla refused the document (a PDF/A rule).
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// The report face, read once.
#[derive(Clone)]
pub struct ReportFont {
    font: Font,
}

impl std::fmt::Debug for ReportFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReportFont")
    }
}

impl ReportFont {
    /// Reads face `index` of the font file at `path`.
    pub fn load(path: &Path, index: u32) -> Result<Self, PdfError> {
        let bytes = std::fs::read(path).map_err(|source| PdfError::Font {
            path: path.to_owned(),
            source,
        })?;
        let font = Font::new(Arc::new(bytes).into(), index)
            .ok_or_else(|| PdfError::NotAFont(path.to_owned(), index))?;
        Ok(ReportFont { font })
    }
}

/// A report: a title, a few header lines, and the body lines.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Title, on every page.
    pub title: String,
    /// Lines under the title on the first page (who, when, what).
    pub header: Vec<String>,
    /// The body, one entry per logical line (wrapped as needed).
    pub lines: Vec<String>,
    /// When it was made (the document's creation date).
    pub made_at: DateTime<Utc>,
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 40.0;
const SIZE: f32 = 8.0;
const LEADING: f32 = 11.0;
/// Half-width cells on a line (a cell is half the font size wide).
pub const CELLS: usize = ((PAGE_W - 2.0 * MARGIN) / (SIZE / 2.0)) as usize;

/// Splits `line` into pieces of at most `cells` display cells, the
/// continuation lines indented by two cells.
pub fn wrap(line: &str, cells: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut used = 0;
    for c in line.chars() {
        // Control characters would print as nothing, or break a reader.
        let c = if c.is_control() { '\u{FFFD}' } else { c };
        let w = c.width().unwrap_or(1).max(1);
        if used + w > cells {
            out.push(std::mem::take(&mut cur));
            cur.push_str("  ");
            used = 2;
        }
        cur.push(c);
        used += w;
    }
    out.push(cur);
    out
}

fn pdf_date(t: DateTime<Utc>) -> krilla::metadata::DateTime {
    let bj = t.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8"));
    krilla::metadata::DateTime::new(bj.year() as u16)
        .month(bj.month() as u8)
        .day(bj.day() as u8)
        .hour(bj.hour() as u8)
        .minute(bj.minute() as u8)
        .second(bj.second() as u8)
        .utc_offset_hour(8)
}

/// The report as PDF/A-2u bytes; pages numbered "page N / M".
pub fn render(report: &Report, font: &ReportFont) -> Result<Vec<u8>, PdfError> {
    let config = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_U)
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))?;
    let mut doc = Document::new_with(SerializeSettings {
        configuration: config,
        ..Default::default()
    });
    doc.set_metadata(
        Metadata::new()
            .title(report.title.clone())
            .language("zh-CN".into())
            .producer("fieldcase-server".into())
            .creation_date(pdf_date(report.made_at)),
    );
    let mut body: Vec<String> = report.header.iter().flat_map(|l| wrap(l, CELLS)).collect();
    body.push(String::new());
    body.extend(report.lines.iter().flat_map(|l| wrap(l, CELLS)));
    let per_page = ((PAGE_H - 2.0 * MARGIN) / LEADING) as usize - 2;
    let pages: Vec<&[String]> = body.chunks(per_page.max(1)).collect();
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| PdfError::Write("page size".into()))?;
    for (n, lines) in pages.iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut s = page.surface();
        let mut y = MARGIN + SIZE;
        let head = format!("{}  —  {} / {}", report.title, n + 1, pages.len());
        s.draw_text(
            Point::from_xy(MARGIN, y),
            font.font.clone(),
            SIZE,
            &head,
            false,
            TextDirection::Auto,
        );
        y += 2.0 * LEADING;
        for line in lines.iter() {
            if !line.is_empty() {
                s.draw_text(
                    Point::from_xy(MARGIN, y),
                    font.font.clone(),
                    SIZE,
                    line,
                    false,
                    TextDirection::Auto,
                );
            }
            y += LEADING;
        }
        s.finish();
        page.finish();
    }
    doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_by_display_width() {
        assert_eq!(wrap("abcdef", 4), vec!["abcd", "  ef"]);
        // Two cells each: three characters fill six cells.
        assert_eq!(wrap("审核员甲乙", 6), vec!["审核员", "  甲乙"]);
        assert_eq!(wrap("a\u{0}b", 10), vec!["a\u{FFFD}b"]);
        assert_eq!(wrap("", 10), vec![""]);
    }
}
