//! PDF/A-2u output (ISO 19005-2 level U, which includes level B: every
//! glyph maps to Unicode, so the text can be searched and copied years
//! later), made with krilla, which checks the PDF/A rules as it writes and
//! embeds the CJK face as a subset. One monospaced CJK face (a Chinese
//! character two cells wide, a Latin one) so lines wrap by display width
//! exactly. A4 portrait for the office; an 80 mm roll for the portable
//! printer, one page as long as the document.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use unicode_width::UnicodeWidthChar;

use crate::fill::{block_texts, Filled};
use crate::template::{BlockKind, Template};

/// Where the face is looked for when none is configured: Debian's
/// `fonts-noto-cjk`, face 7 of the collection (Noto Sans Mono CJK SC).
pub const DEFAULT_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// The face of [`DEFAULT_FONT`] used.
pub const DEFAULT_FONT_INDEX: u32 = 7;

/// Why a PDF cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The font file is missing or unreadable.
    #[error("cannot read the font {path}: {source}; install fonts-noto-cjk or configure the font")]
    Font {
        /// Its path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a font krilla can embed.
    #[error("{0} face {1} is not a usable OpenType font")]
    NotAFont(PathBuf, u32),
    /// krilla refused the document (a PDF/A rule).
    #[error("the PDF could not be written: {0}")]
    Write(String),
    /// The QR text does not fit a QR symbol.
    #[error("the QR code cannot hold {0} bytes")]
    Qr(usize),
}

/// The face, read once.
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

    /// Draws `text` with its baseline at `(x, y)`.
    pub fn draw(&self, s: &mut Surface<'_>, x: f32, y: f32, size: f32, text: &str) {
        if !text.is_empty() {
            s.draw_text(
                Point::from_xy(x, y),
                self.font.clone(),
                size,
                text,
                false,
                TextDirection::Auto,
            );
        }
    }
}

/// Display cells of `text` (a CJK character two, others one).
pub fn cells(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(1).max(1)).sum()
}

/// Splits `line` into pieces of at most `cells` display cells, the
/// continuation lines indented by `indent` cells.
pub fn wrap_indent(line: &str, cells: usize, indent: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut used = 0;
    for c in line.chars() {
        // Control characters would print as nothing, or break a reader.
        let c = if c.is_control() { '\u{FFFD}' } else { c };
        let w = c.width().unwrap_or(1).max(1);
        // Closing punctuation never starts a line (避头): it hangs in the margin.
        let hangs = NO_LINE_START.contains(c) && used <= cells;
        if used + w > cells && used > indent && !hangs {
            out.push(std::mem::take(&mut cur));
            cur.push_str(&" ".repeat(indent));
            used = indent;
        }
        cur.push(c);
        used += w;
    }
    out.push(cur);
    out
}

/// Punctuation that may not begin a line in Chinese typesetting.
const NO_LINE_START: &str = "，。、；：？！）》〕」』”’,.;:?!)";

/// [`wrap_indent`] with continuation lines indented by two cells.
pub fn wrap(line: &str, cells: usize) -> Vec<String> {
    wrap_indent(line, cells, 2)
}

/// A time as PDF metadata, in Beijing time.
pub fn pdf_date(t: DateTime<FixedOffset>) -> krilla::metadata::DateTime {
    let bj = t.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8"));
    krilla::metadata::DateTime::new(bj.year() as u16)
        .month(bj.month() as u8)
        .day(bj.day() as u8)
        .hour(bj.hour() as u8)
        .minute(bj.minute() as u8)
        .second(bj.second() as u8)
        .utc_offset_hour(8)
}

/// A new PDF/A-2u document with its metadata.
pub fn new_document(
    title: &str,
    made_at: DateTime<FixedOffset>,
    producer: &str,
    keywords: Vec<String>,
) -> Result<Document, PdfError> {
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
            .title(title.to_owned())
            .language("zh-CN".into())
            .producer(producer.to_owned())
            .keywords(keywords)
            .creation_date(pdf_date(made_at)),
    );
    Ok(doc)
}

/// The paper a document is printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// A4 portrait (the office).
    A4,
    /// An 80 mm roll (the portable printer): one long page.
    Roll80,
}

struct Geometry {
    width: f32,
    /// Page height (A4), or `None` for a roll cut to length.
    height: Option<f32>,
    margin: f32,
    size: f32,
    title: f32,
    leading: f32,
    qr: f32,
}

impl Paper {
    fn geometry(self) -> Geometry {
        match self {
            Paper::A4 => Geometry {
                width: 595.28,
                height: Some(841.89),
                margin: 56.7,
                size: 10.5,
                title: 18.0,
                leading: 17.0,
                qr: 136.0,
            },
            Paper::Roll80 => Geometry {
                width: 226.77,
                height: None,
                margin: 11.3,
                size: 7.5,
                title: 11.0,
                leading: 11.0,
                qr: 160.0,
            },
        }
    }
}

/// One laid-out item.
enum Item {
    Line { x: f32, size: f32, text: String },
    Qr,
}

/// The document's lines and its QR code, each with the height it takes.
fn layout(template: &Template, filled: &Filled, g: &Geometry) -> Vec<(f32, Item)> {
    let body_cells = ((g.width - 2.0 * g.margin) / (g.size / 2.0)) as usize;
    let centre = |text: &str, size: f32| (g.width - cells(text) as f32 * size / 2.0) / 2.0;
    let mut items: Vec<(f32, Item)> = vec![(
        g.title * 1.6,
        Item::Line {
            x: centre(&template.title, g.title),
            size: g.title,
            text: template.title.clone(),
        },
    )];
    for (kind, text) in block_texts(template, filled) {
        match kind {
            BlockKind::Number => items.push((
                g.leading * 1.5,
                Item::Line {
                    x: centre(&text, g.size),
                    size: g.size,
                    text,
                },
            )),
            BlockKind::Field | BlockKind::Paragraph => {
                let text = if kind == BlockKind::Paragraph {
                    format!("    {text}")
                } else {
                    text
                };
                let indent = if kind == BlockKind::Paragraph { 0 } else { 4 };
                for line in wrap_indent(&text, body_cells, indent) {
                    items.push((
                        g.leading,
                        Item::Line {
                            x: g.margin,
                            size: g.size,
                            text: line,
                        },
                    ));
                }
            }
            BlockKind::Lines => {
                for line in text.split('\n') {
                    for piece in wrap_indent(line, body_cells, 4) {
                        items.push((
                            g.leading,
                            Item::Line {
                                x: g.margin,
                                size: g.size,
                                text: piece,
                            },
                        ));
                    }
                }
            }
            BlockKind::Agency => {
                for line in wrap_indent(&text, body_cells, 0) {
                    let x = g.width - g.margin - cells(&line) as f32 * g.size / 2.0;
                    items.push((
                        g.leading * 1.5,
                        Item::Line {
                            x,
                            size: g.size,
                            text: line,
                        },
                    ));
                }
            }
            BlockKind::Qr => items.push((g.qr + g.leading, Item::Qr)),
        }
    }
    items
}

/// The document as PDF/A bytes. The same records give the same bytes.
pub fn render(
    template: &Template,
    filled: &Filled,
    paper: Paper,
    font: &ReportFont,
) -> Result<Vec<u8>, PdfError> {
    let qr_text = crate::qr::payload(filled);
    let mut doc = new_document(
        &template.title,
        filled.signed_at,
        "fieldcase",
        vec![qr_text],
    )?;
    render_into(&mut doc, (template, filled), paper, font, None)?;
    doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// The pages an A4 document takes (what [`render_into`] will draw).
pub fn page_count(template: &Template, filled: &Filled) -> usize {
    let g = Paper::A4.geometry();
    let page_h = g.height.unwrap_or(f32::MAX);
    let mut pages = 1;
    let mut y = g.margin;
    for (h, _) in layout(template, filled, &g) {
        if y + h > page_h - g.margin {
            pages += 1;
            y = g.margin;
        }
        y += h;
    }
    pages
}

/// Draws the document's pages into `doc`; with `numbered` = `Some(n)`,
/// each A4 page carries its number in a case file from `n` on (第 n 页).
/// Returns the pages drawn.
pub fn render_into(
    doc: &mut Document,
    (template, filled): (&Template, &Filled),
    paper: Paper,
    font: &ReportFont,
    numbered: Option<usize>,
) -> Result<usize, PdfError> {
    let g = paper.geometry();
    let items = layout(template, filled, &g);
    let qr_text = crate::qr::payload(filled);
    let qr = qrcode::QrCode::with_error_correction_level(qr_text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| PdfError::Qr(qr_text.len()))?;
    let total: f32 = items.iter().map(|(h, _)| h).sum::<f32>() + 2.0 * g.margin;
    // A roll is one page cut to the document's length.
    let page_h = g.height.unwrap_or(total.max(200.0) + g.leading);
    let settings = PageSettings::from_wh(g.width, page_h)
        .ok_or_else(|| PdfError::Write("page size".into()))?;
    let number = |s: &mut Surface<'_>, k: usize| {
        if let Some(first) = numbered {
            let text = format!("第 {} 页", first + k);
            let x = (g.width - cells(&text) as f32 * 4.5) / 2.0;
            font.draw(s, x, page_h - g.margin / 2.0, 9.0, &text);
        }
    };
    let mut pages = 1;
    let mut page = doc.start_page_with(settings.clone());
    let mut s = page.surface();
    number(&mut s, 0);
    let mut y = g.margin;
    for (h, item) in &items {
        if g.height.is_some() && y + h > page_h - g.margin {
            s.finish();
            page.finish();
            page = doc.start_page_with(settings.clone());
            s = page.surface();
            number(&mut s, pages);
            pages += 1;
            y = g.margin;
        }
        match item {
            Item::Line { x, size, text } => font.draw(&mut s, *x, y + size, *size, text),
            Item::Qr => {
                draw_qr(&mut s, &qr, g.margin, y + g.leading * 0.5, g.qr);
                let caption_x = g.margin + g.qr + g.size;
                let caption_cells = ((g.width - caption_x - g.margin) / (g.size / 2.0)) as usize;
                let caption = format!(
                    "扫码核验：案号 {}，记录摘要与签名设备见码内",
                    filled.case_no
                );
                let mut cy = y + g.leading;
                for line in wrap_indent(&caption, caption_cells.max(8), 0) {
                    font.draw(&mut s, caption_x, cy + g.size, g.size, &line);
                    cy += g.leading;
                }
            }
        }
        y += h;
    }
    s.finish();
    page.finish();
    Ok(pages)
}

/// A QR symbol as filled squares with its four-module quiet zone, `side`
/// points wide, its top-left corner at `(x, y)`.
fn draw_qr(s: &mut Surface<'_>, code: &qrcode::QrCode, x: f32, y: f32, side: f32) {
    let n = code.width();
    let module = side / (n + 8) as f32;
    let colors = code.to_colors();
    let mut pb = PathBuilder::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (cx, cy) = ((i % n + 4) as f32, (i / n + 4) as f32);
            if let Some(r) = Rect::from_xywh(x + cx * module, y + cy * module, module, module) {
                pb.push_rect(r);
            }
        }
    }
    if let Some(path) = pb.finish() {
        s.set_fill(Some(krilla::paint::Fill::default()));
        s.draw_path(&path);
    }
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
        assert_eq!(
            wrap_indent("当事人：张三丰", 8, 4),
            vec!["当事人：", "    张三", "    丰"]
        );
        // A full stop hangs at the end of the line instead of starting the next.
        assert_eq!(wrap_indent("甲乙丙。丁", 6, 0), vec!["甲乙丙。", "丁"]);
    }
}
