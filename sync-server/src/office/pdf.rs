//! Printable reports as PDF/A-2u (ISO 19005-2, level U: every glyph maps
//! to Unicode, so the text can be searched and copied years later): A4
//! portrait, text in a monospaced CJK face embedded as a subset, lines
//! wrapped by display width (a Chinese character takes two cells). Made
//! with krilla, which checks the PDF/A rules as it writes.

use chrono::{DateTime, Utc};
use krilla::page::PageSettings;

use fieldcase_documents::pdf::new_document;
pub use fieldcase_documents::pdf::{wrap, PdfError, ReportFont, DEFAULT_FONT, DEFAULT_FONT_INDEX};

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

/// The report as PDF/A-2u bytes; pages numbered "page N / M".
pub fn render(report: &Report, font: &ReportFont) -> Result<Vec<u8>, PdfError> {
    let mut doc = new_document(
        &report.title,
        report.made_at.fixed_offset(),
        "fieldcase-server",
        Vec::new(),
    )?;
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
        font.draw(&mut s, MARGIN, y, SIZE, &head);
        y += 2.0 * LEADING;
        for line in lines.iter() {
            font.draw(&mut s, MARGIN, y, SIZE, line);
            y += LEADING;
        }
        s.finish();
        page.finish();
    }
    doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}
