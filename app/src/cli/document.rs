//! `fieldcase document`: a case's document as a PDF/A file.

use std::path::Path;

use fieldcase_documents::fill::Pick;
use fieldcase_documents::{Kind, Paper, ReportFont};

use crate::core::Terminal;
use crate::papers;

/// What to render.
pub struct Request<'a> {
    /// 案号 or case id.
    pub case: &'a str,
    /// Which document.
    pub kind: Kind,
    /// Which record of the kind.
    pub pick: Pick,
    /// Output file.
    pub out: &'a Path,
    /// The 80 mm roll instead of A4.
    pub roll: bool,
    /// The agency's name, if given.
    pub agency: Option<&'a str>,
    /// The font file, if not the default.
    pub font: Option<&'a Path>,
    /// Its face.
    pub font_index: u32,
}

/// The record `--seq` names, or the latest.
pub fn pick(seq: Option<u64>) -> Pick {
    seq.map_or(Pick::Latest, Pick::Seq)
}

/// The font the request names, or the default.
pub fn font(r: &Request<'_>) -> anyhow::Result<ReportFont> {
    let path = r
        .font
        .unwrap_or(Path::new(fieldcase_documents::pdf::DEFAULT_FONT));
    Ok(ReportFont::load(path, r.font_index)?)
}

/// Renders and writes the document.
pub fn run(term: &Terminal, r: &Request<'_>) -> anyhow::Result<()> {
    let agency = papers::agency(term, r.agency)?;
    let font = font(r)?;
    let paper = if r.roll { Paper::Roll80 } else { Paper::A4 };
    let doc = papers::render(term, r.case, (r.kind, r.pick), paper, &agency, &font)?;
    papers::write_whole(r.out, &doc.pdf)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", r.out.display()))?;
    say!("{}", r.out.display());
    eprintln!(
        "{} {}: {} bytes, PDF/A-2u; QR {}",
        doc.title,
        doc.case_no,
        doc.pdf.len(),
        doc.qr
    );
    Ok(())
}
