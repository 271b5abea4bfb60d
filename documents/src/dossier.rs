//! The 卷宗: the case file as one PDF/A, in the archive order — 卷宗封面,
//! 卷内文件目录, every document of the procedure (drawn again from the
//! same templates and records as the separate PDFs), the 证据目录, the
//! 保管与操作记录, and the 卷内备考表 — every page numbered, times in
//! Beijing time, officers by 执法证号 and staff by name and login
//! (docs/disc.md, "The case file").

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use fieldcase_shared::casebag::{action_label, custody_action, human_size};
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::model::Party;
use fieldcase_shared::record::RecordBody;
use krilla::page::PageSettings;
use krilla::Document;

use crate::fill::Signed;
use crate::pdf::{cells, new_document, page_count, render_into, wrap_indent};
use crate::set::{fill_all, SetError};
use crate::{Paper, PdfError, ReportFont};

/// Who signed a record, as the agency's certificate names them.
#[derive(Debug, Clone)]
pub struct SignerName {
    /// A staff member's name, or a terminal's name.
    pub name: String,
    /// Login name of a staff member; empty for a terminal.
    pub login: String,
    /// Roles in words (审核员、档案管理员…); empty for a terminal.
    pub roles: String,
}

/// What the case file is made from.
pub struct Dossier<'a> {
    /// The case's records, in signing order (the sealing record not among
    /// them).
    pub records: &'a [Signed],
    /// 执法机关名称.
    pub agency: &'a str,
    /// Every signer's name, from the certificates.
    pub signers: &'a BTreeMap<DeviceId, SignerName>,
    /// Who files the case (the archivist) and when (the sealing time).
    pub filed: (DeviceId, DateTime<FixedOffset>),
}

/// The kind the sealing record names the case file by.
pub const KIND: &str = "case_file";
/// Its title.
pub const TITLE: &str = "行政处罚案卷（卷宗）";

const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
const MARGIN: f32 = 56.7;

fn beijing(t: DateTime<FixedOffset>) -> String {
    FixedOffset::east_opt(8 * 3600)
        .map(|o| t.with_timezone(&o).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn day(t: DateTime<FixedOffset>) -> String {
    FixedOffset::east_opt(8 * 3600)
        .map(|o| t.with_timezone(&o).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Pads `text` with spaces to `width` display cells.
fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(cells(text))))
}

/// A section of lines (size, text), laid out into pages.
struct Section {
    lines: Vec<(f32, String)>,
}

impl Section {
    fn pages(&self) -> Vec<Vec<(f32, String)>> {
        let mut pages = vec![Vec::new()];
        let mut y = MARGIN;
        for (size, text) in &self.lines {
            let per_line = ((WIDTH - 2.0 * MARGIN) / (size / 2.0)) as usize;
            for line in wrap_indent(text, per_line, 4) {
                let lead = size * 1.7;
                if y + lead > HEIGHT - MARGIN {
                    pages.push(Vec::new());
                    y = MARGIN;
                }
                if let Some(p) = pages.last_mut() {
                    p.push((*size, line));
                }
                y += lead;
            }
        }
        pages
    }

    fn draw(&self, doc: &mut Document, font: &ReportFont, first: usize) -> Result<usize, PdfError> {
        let settings = PageSettings::from_wh(WIDTH, HEIGHT)
            .ok_or_else(|| PdfError::Write("page size".into()))?;
        let pages = self.pages();
        for (k, lines) in pages.iter().enumerate() {
            let mut page = doc.start_page_with(settings.clone());
            let mut s = page.surface();
            let mut y = MARGIN;
            for (size, text) in lines {
                let x = if *size > 14.0 {
                    (WIDTH - cells(text) as f32 * size / 2.0) / 2.0
                } else {
                    MARGIN
                };
                font.draw(&mut s, x, y + size, *size, text);
                y += size * 1.7;
            }
            let n = format!("第 {} 页", first + k);
            font.draw(
                &mut s,
                (WIDTH - cells(&n) as f32 * 4.5) / 2.0,
                HEIGHT - MARGIN / 2.0,
                9.0,
                &n,
            );
            s.finish();
            page.finish();
        }
        Ok(pages.len())
    }
}

fn signer_name(d: &Dossier<'_>, r: &Signed) -> String {
    match d.signers.get(&r.payload.device) {
        Some(s) if !s.login.is_empty() => format!("{}（{}，{}）", s.name, s.roles, s.login),
        _ if !r.payload.officers.is_empty() => {
            format!("执法人员 执法证号 {}", r.payload.officers.join("、"))
        }
        Some(s) => s.name.clone(),
        None => format!("签名设备 {}", r.payload.device),
    }
}

fn cover(d: &Dossier<'_>, pieces: usize, pages: usize) -> Section {
    let opened = d.records.iter().find_map(|r| match &r.payload.body {
        RecordBody::CaseOpened(c) => Some(c),
        _ => None,
    });
    let closed = d
        .records
        .iter()
        .rev()
        .find(|r| matches!(r.payload.body, RecordBody::CaseClosed(_)));
    let mut lines = vec![
        (22.0, "行政处罚案卷".to_owned()),
        (11.0, String::new()),
        (12.0, format!("执法机关：{}", d.agency)),
    ];
    if let Some(o) = opened {
        let party = match &o.party {
            Party::Person { name, .. } => name.clone(),
            Party::Organisation { name, uscc } => format!("{name}（{uscc}）"),
        };
        let cause = o
            .violation
            .as_ref()
            .map(|v| v.title.clone())
            .unwrap_or_else(|| "—".into());
        lines.extend([
            (12.0, format!("案号：{}", o.case_no)),
            (12.0, format!("案由：{cause}")),
            (12.0, format!("当事人：{party}")),
            (12.0, format!("车辆：{}", o.vehicle.plate)),
            (
                12.0,
                format!("检查时间：{}（北京时间）", beijing(o.occurred_at)),
            ),
            (12.0, format!("检查地点：{}", o.place)),
        ]);
    }
    if let Some(c) = closed {
        lines.push((12.0, format!("结案日期：{}", day(c.payload.created_at))));
    }
    let filer = d
        .signers
        .get(&d.filed.0)
        .map(|s| format!("{}（{}）", s.name, s.login))
        .unwrap_or_else(|| d.filed.0.to_string());
    lines.extend([
        (12.0, format!("本卷共 {pieces} 件，{pages} 页")),
        (12.0, format!("立卷人：{filer}")),
        (12.0, format!("立卷日期：{}", day(d.filed.1))),
        (12.0, "保管期限：按本机关档案保管期限表".to_owned()),
    ]);
    Section { lines }
}

fn evidence(d: &Dossier<'_>) -> Section {
    let mut lines = vec![(18.0, "证据目录".to_owned()), (10.0, String::new())];
    let mut n = 0;
    for r in d.records {
        if let RecordBody::EvidenceAdded(e) = &r.payload.body {
            n += 1;
            let taken = e
                .captured_at
                .map(|t| format!("，拍摄 {}", beijing(t)))
                .unwrap_or_default();
            lines.push((
                10.5,
                format!(
                    "{n}. {}（{}，{}{taken}）",
                    e.original_name,
                    e.media_type,
                    human_size(e.size)
                ),
            ));
            lines.push((8.0, format!("    SHA-256 {}", e.sha256)));
        }
    }
    if n == 0 {
        lines.push((10.5, "本案无电子证据文件。".into()));
    } else {
        lines.push((10.5, String::new()));
        lines.push((
            9.0,
            "证据文件原样存于本光盘 data/evidence/，以 SHA-256 识别；核验方法见 README.TXT。"
                .into(),
        ));
    }
    Section { lines }
}

fn custody(d: &Dossier<'_>) -> Section {
    let mut lines = vec![(18.0, "保管与操作记录".to_owned()), (10.0, String::new())];
    for r in d.records {
        let (code, _) = custody_action(&r.payload.body);
        lines.push((
            9.5,
            format!(
                "{}  {}  {}  （记录 {}）",
                beijing(r.payload.created_at),
                pad(
                    action_label(code).split(" · ").next().unwrap_or_default(),
                    12
                ),
                signer_name(d, r),
                r.digest.short(12)
            ),
        ));
    }
    Section { lines }
}

fn remarks(d: &Dossier<'_>, pieces: usize, pages: usize) -> Section {
    let filer = d
        .signers
        .get(&d.filed.0)
        .map(|s| format!("{}（{}）", s.name, s.login))
        .unwrap_or_default();
    let reviewers: Vec<String> = d
        .signers
        .values()
        .filter(|s| s.roles.contains("审核"))
        .map(|s| format!("{}（{}）", s.name, s.login))
        .collect();
    Section {
        lines: vec![
            (18.0, "卷内备考表".to_owned()),
            (10.0, String::new()),
            (11.0, format!("本卷情况说明：本卷共 {pieces} 件，{pages} 页。文书由签名记录生成，每份文书的二维码可与本光盘核对；电子证据原样存于光盘，以 SHA-256 识别；全部记录与文件由机关密钥封签。")),
            (11.0, String::new()),
            (11.0, format!("立卷人：{filer}")),
            (11.0, format!("检查人：{}", if reviewers.is_empty() { "—".to_owned() } else { reviewers.join("、") })),
            (11.0, format!("立卷时间：{}（北京时间）", beijing(d.filed.1))),
        ],
    }
}

type Docs = [(crate::Template, crate::Filled)];

/// The 卷内文件目录 when it takes `contents_pages` pages: the section,
/// the entries it lists, and the last page of the file.
fn contents_of(
    d: &Dossier<'_>,
    docs: &Docs,
    (evidence, custody): (&Section, &Section),
    contents_pages: usize,
) -> (Section, usize, usize) {
    let mut at = 2 + contents_pages;
    let mut rows = Vec::new();
    for (template, filled) in docs {
        rows.push((template.title.clone(), day(filled.signed_at), at));
        at += page_count(template, filled);
    }
    for (title, section) in [("证据目录", evidence), ("保管与操作记录", custody)] {
        rows.push((title.to_owned(), day(d.filed.1), at));
        at += section.pages().len();
    }
    rows.push(("卷内备考表".into(), day(d.filed.1), at));
    let mut lines = vec![(18.0, "卷内文件目录".to_owned()), (10.0, String::new())];
    lines.push((
        9.5,
        format!(
            "{}{}{}页号",
            pad("序号", 6),
            pad("文书名称", 34),
            pad("日期", 12)
        ),
    ));
    for (n, (title, date, page)) in rows.iter().enumerate() {
        lines.push((
            9.5,
            format!(
                "{}{}{}{page}",
                pad(&(n + 1).to_string(), 6),
                pad(title, 34),
                pad(date, 12)
            ),
        ));
    }
    (Section { lines }, rows.len(), at)
}

/// The case file as PDF/A bytes.
pub fn render(d: &Dossier<'_>, font: &ReportFont) -> Result<Vec<u8>, SetError> {
    let docs = fill_all(d.records, d.agency)?;
    let evidence = evidence(d);
    let custody = custody(d);
    // Pages: cover, contents, documents, evidence, custody, remarks; the
    // contents' own length moves every page number after it.
    let mut contents_pages = 1;
    let (contents, rows, total) = loop {
        let (c, rows, total) = contents_of(d, &docs, (&evidence, &custody), contents_pages);
        let len = c.pages().len();
        if len == contents_pages {
            break (c, rows, total);
        }
        contents_pages = len;
    };
    let pieces = rows;
    let opened_no = d
        .records
        .iter()
        .find_map(|r| match &r.payload.body {
            RecordBody::CaseOpened(c) => Some(c.case_no.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let mut doc = new_document(
        &format!("行政处罚案卷 {opened_no}"),
        d.filed.1,
        "fieldcase",
        vec![opened_no.clone()],
    )?;
    let mut page = 1;
    page += cover(d, pieces, total).draw(&mut doc, font, page)?;
    page += contents.draw(&mut doc, font, page)?;
    for (template, filled) in &docs {
        page += render_into(&mut doc, (template, filled), Paper::A4, font, Some(page))?;
    }
    page += evidence.draw(&mut doc, font, page)?;
    page += custody.draw(&mut doc, font, page)?;
    remarks(d, pieces, total).draw(&mut doc, font, page)?;
    Ok(doc
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))?)
}
