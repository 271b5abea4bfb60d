//! `--report FILE.pdf`: the 四性检测 (DA/T 70: authenticity, integrity,
//! usability, security) report of the discs just verified, as PDF/A, with
//! a minisign signature beside it (`FILE.pdf.minisig`) by the custodian's
//! key (docs/disc.md, "The 四性 report").

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use fieldcase_documents::pdf::{new_document, wrap_indent, ReportFont};
use fieldcase_shared::bag::Category;
use fieldcase_shared::casebag::{Report, Trust};
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::seal::{minisign_public_key, Minisig};
use krilla::page::PageSettings;

/// One line of a section: what was checked, and whether it held.
struct Item {
    what: &'static str,
    pass: bool,
    detail: String,
}

/// One of the four properties.
struct Section {
    title: &'static str,
    items: Vec<Item>,
}

fn count(report: &Report, categories: &[Category]) -> usize {
    report
        .problems
        .iter()
        .filter(|p| categories.contains(&p.category))
        .count()
        + report
            .not_listed
            .iter()
            .filter(|(c, _)| categories.contains(c))
            .map(|(_, n)| *n as usize)
            .sum::<usize>()
}

fn item(report: &Report, what: &'static str, categories: &[Category], ok: &str) -> Item {
    let n = count(report, categories);
    Item {
        what,
        pass: n == 0,
        detail: if n == 0 {
            ok.to_owned()
        } else {
            let names: Vec<String> = categories.iter().map(|c| c.to_string()).collect();
            format!("{n} 个问题（{}）", names.join("、"))
        },
    }
}

fn under(report: &Report, prefix: &str) -> usize {
    report
        .problems
        .iter()
        .filter(|p| p.path.starts_with(prefix))
        .count()
}

/// The four properties, each item mapped to the verifier's categories.
fn sections(report: &Report, trust: &Trust) -> Vec<Section> {
    use Category::*;
    let sealed = report.sealed.is_some();
    let mut authenticity = vec![
        Item {
            what: "封签（Ed25519，信任的机关或设备公钥）",
            pass: sealed && count(report, &[SealInvalid]) == 0,
            detail: match &report.sealed {
                Some(s) => format!(
                    "由 {} 封签于 {}",
                    report
                        .sealed_by
                        .map(|k| k.fingerprint())
                        .unwrap_or_default(),
                    beijing(s.sealed_at)
                ),
                None => "封签未通过核验".into(),
            },
        },
        if trust.agencies.is_empty() {
            Item {
                what: "签名人证书（机关签发）",
                pass: true,
                detail: "不适用：未给出机关公钥，直接信任所给设备公钥".into(),
            }
        } else {
            item(report, "签名人证书（机关签发）", &[CertInvalid], "全部有效")
        },
        item(
            report,
            "每条记录的电子签名",
            &[SignatureInvalid, UnknownKey],
            "全部有效",
        ),
        item(report, "记录哈希链", &[ChainBreak, Fork], "连续、无分叉"),
    ];
    if report.sm2_cosigned {
        authenticity.push(Item {
            what: "国密 SM2 副签名与 SM3 清单",
            pass: true,
            detail: "有效".into(),
        });
    }
    vec![
        Section {
            title: "一、真实性",
            items: authenticity,
        },
        Section {
            title: "二、完整性",
            items: vec![
                item(report, "文件内容与校验清单一致", &[Modified], "一致"),
                item(report, "应有文件与记录齐全", &[Missing], "齐全"),
                item(report, "无清单外文件、无未列记录", &[Unexpected], "无"),
                Item {
                    what: "核验的文件数与数据量",
                    pass: true,
                    detail: format!(
                        "{} 个文件，{} 字节",
                        report.files_checked, report.bytes_checked
                    ),
                },
            ],
        },
        Section {
            title: "三、可用性",
            items: vec![
                Item {
                    what: "归档包结构可读（BagIt 1.0、记录与摘要可解析）",
                    pass: under(report, "data/") == 0 || count(report, &[BadLayout]) == 0,
                    detail: format!("结构问题 {} 个", count(report, &[BadLayout])),
                },
                Item {
                    what: "说明文件与自检网页（README.TXT、index.html）",
                    pass: under(report, "README.TXT") + under(report, "index.html") == 0,
                    detail: "在校验清单内且一致".into(),
                },
            ],
        },
        Section {
            title: "四、安全性",
            items: vec![
                item(
                    report,
                    "载体结构（无引导区、隐藏会话、符号链接、多余数据）",
                    &[BadLayout],
                    "符合",
                ),
                Item {
                    what: "可执行内容仅为封签记录所列程序（tools/）",
                    pass: under(report, "tools/") == 0,
                    detail: "符合".into(),
                },
                Item {
                    what: "信任来源（只信任核验时给出的公钥）",
                    pass: !(trust.agencies.is_empty() && trust.keys.is_empty()),
                    detail: trust
                        .agencies
                        .iter()
                        .map(|k| format!("机关 {}", k.fingerprint()))
                        .chain(
                            trust
                                .keys
                                .iter()
                                .map(|k| format!("设备 {}", k.fingerprint())),
                        )
                        .collect::<Vec<_>>()
                        .join("；"),
                },
            ],
        },
    ]
}

fn beijing(t: DateTime<FixedOffset>) -> String {
    let bj = FixedOffset::east_opt(8 * 3600).map(|o| t.with_timezone(&o));
    bj.map(|t| t.format("%Y-%m-%d %H:%M:%S（北京时间）").to_string())
        .unwrap_or_default()
}

/// The report's lines: (size, indent in cells, text).
fn lines(
    report: &Report,
    trust: &Trust,
    (labels, signer): (&[String], &str),
    now: DateTime<Utc>,
) -> Vec<(f32, String)> {
    let mut out = vec![(16.0, "电子档案四性检测报告".to_owned())];
    out.push((
        9.0,
        "依据 DA/T 70《文书类电子档案检测一般要求》：真实性、完整性、可用性、安全性".into(),
    ));
    out.push((9.0, String::new()));
    let verdict = if report.is_valid() {
        "通过（VALID）"
    } else {
        "不通过（INVALID）"
    };
    for (k, v) in [
        ("案号", report.case_no.clone().unwrap_or_else(|| "—".into())),
        ("检测对象", labels.join("；")),
        (
            "归档包",
            report
                .sealed
                .as_ref()
                .map(|s| s.bundle.to_string())
                .unwrap_or_else(|| "—".into()),
        ),
        ("检测时间", beijing(now.fixed_offset())),
        (
            "检测工具",
            format!("fieldcase-verify {}", env!("CARGO_PKG_VERSION")),
        ),
        ("检测结论", verdict.to_owned()),
        ("检测人签名公钥", signer.to_owned()),
    ] {
        out.push((10.5, format!("{k}：{v}")));
    }
    for s in sections(report, trust) {
        out.push((10.5, String::new()));
        out.push((12.0, s.title.to_owned()));
        for i in s.items {
            let mark = if i.pass { "通过" } else { "不通过" };
            out.push((10.5, format!("【{mark}】{}：{}", i.what, i.detail)));
        }
    }
    if !report.problems.is_empty() {
        out.push((10.5, String::new()));
        out.push((
            12.0,
            format!("五、问题清单（共 {} 个）", report.problem_count),
        ));
        for p in report.problems.iter().take(200) {
            out.push((9.0, p.to_string()));
        }
    }
    out.push((10.5, String::new()));
    out.push((
        9.0,
        "本报告由检测人密钥签名，签名文件与本报告同名加 .minisig，可用 minisign -Vm 核对。".into(),
    ));
    out
}

/// Writes the report PDF/A to `out` and its minisign signature by `key`
/// to `out.minisig`. Returns the SHA-256 of the PDF.
pub fn write(
    report: &Report,
    trust: &Trust,
    labels: &[String],
    (out, key, font): (&Path, &DeviceKey, &ReportFont),
) -> Result<String, String> {
    let now = Utc::now();
    let (width, height, margin) = (595.28f32, 841.89f32, 56.7f32);
    let mut doc = new_document(
        "电子档案四性检测报告",
        now.fixed_offset(),
        "fieldcase-verify",
        vec![report.case_no.clone().unwrap_or_default()],
    )
    .map_err(|e| e.to_string())?;
    let settings = PageSettings::from_wh(width, height).ok_or("page size")?;
    let mut page = doc.start_page_with(settings.clone());
    let mut s = page.surface();
    let mut y = margin;
    let signer = key.public().fingerprint();
    for (size, text) in lines(report, trust, (labels, &signer), now) {
        let cells = ((width - 2.0 * margin) / (size / 2.0)) as usize;
        for line in wrap_indent(&text, cells, 4) {
            let lead = size * 1.6;
            if y + lead > height - margin {
                s.finish();
                page.finish();
                page = doc.start_page_with(settings.clone());
                s = page.surface();
                y = margin;
            }
            font.draw(&mut s, margin, y + size, size, &line);
            y += lead;
        }
    }
    s.finish();
    page.finish();
    let pdf = doc.finish().map_err(|e| format!("{e:?}"))?;
    let sha = fieldcase_shared::hash::sha256(&pdf).to_hex();
    std::fs::write(out, &pdf).map_err(|e| format!("{}: {e}", out.display()))?;
    let trusted = format!(
        "fieldcase 四性检测报告\tcase:{}\tresult:{}\tsha256:{sha}",
        report
            .case_no
            .clone()
            .unwrap_or_default()
            .replace(['\t', '\n', '\r'], " "),
        if report.is_valid() {
            "VALID"
        } else {
            "INVALID"
        },
    );
    let sig = Minisig::sign(
        key,
        &pdf,
        &format!(
            "fieldcase 四性检测报告; check: minisign -Vm {} -P {}",
            out.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            minisign_public_key(&key.public())
        ),
        &trusted,
    );
    let sig_path = format!("{}.minisig", out.display());
    std::fs::write(&sig_path, sig.to_text()).map_err(|e| format!("{sig_path}: {e}"))?;
    Ok(sha)
}
