//! The human side of a disc: an offline `index.html` that opens from the
//! disc in any browser (no network, everything inline or relative), reads
//! like the case file and checks the disc itself with its one inline
//! script (`verify_page.js`, docs/disc.md). `README.TXT` is in
//! [`super::readme`].

use super::{CaseFile, SetFile};
use crate::model::Party;
use crate::seal::SealInfo;

/// The violation and decision as the closing record states them (a case
/// closed in the window), else as the opening record names it (the quick
/// form), else "—".
fn violation_text(case: &CaseFile) -> String {
    let decided = case.findings.as_ref().and_then(|f| f.decision.as_ref());
    match (decided, &case.opened.violation) {
        (Some(d), _) => {
            let penalty = match d.penalty.as_str() {
                "fine" => format!("罚款 {} 元", d.amount_yuan),
                "warning" => "警告".to_owned(),
                _ => "不予处罚".to_owned(),
            };
            let procedure = if d.procedure == "general" {
                "一般程序"
            } else {
                "简易程序"
            };
            let measures: Vec<&str> = d.measures.iter().map(|m| m.zh()).collect();
            let measures = if measures.is_empty() {
                String::new()
            } else {
                format!("；行政强制措施：{}", measures.join("、"))
            };
            format!(
                "{} — {}（{}，{penalty}，{procedure}）{measures}",
                d.title, d.basis, d.grade
            )
        }
        (None, Some(v)) => format!("{} — {}", v.title, v.basis),
        (None, None) => "—".into(),
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Shows the first 6 and last 4 characters of an identity number.
fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 10 {
        return id.to_owned();
    }
    let mut out: String = chars[..6].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - 10));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// A size for people: `512 B`, `1.5 KiB`, `4.2 GiB` (binary units).
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A moment as a person reads it: Beijing time to the second, whatever
/// offset the device wrote (the records keep theirs).
fn beijing(t: chrono::DateTime<chrono::FixedOffset>) -> String {
    let bj = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    format!(
        "{}（北京时间）",
        t.with_timezone(&bj).format("%Y-%m-%d %H:%M:%S")
    )
}

/// A custody action's code (`custody.json`) as the page says it.
pub fn action_label(code: &str) -> &'static str {
    match code {
        "open-case" => "登记案件 · case opened",
        "acquire-evidence" => "取得证据 · evidence acquired",
        "close-case" => "现场结案或移交 · closed at the roadside",
        "seal-bundle" => "封存归档包 · bundle sealed",
        "record-disc" => "刻录光盘 · disc recorded",
        "correct-record" => "更正记录 · record corrected",
        "review-case" => "审核 · reviewed",
        "serve-document" => "送达文书 · document served",
        "note-payment" => "记录缴款 · payment noted",
        "record-site" => "制作现场笔录 · site record",
        "record-interview" => "制作询问笔录 · interview record",
        "register-evidence" => "先行登记保存 · evidence preserved",
        "order-correction" => "责令改正 · order to correct",
        "decide-measure" => "行政强制措施决定 · compulsory measure",
        "procedure-act" => "机关办理程序步骤 · procedure step at the bureau",
        _ => "其他 · other",
    }
}

/// `index.html`: case summary and evidence list with thumbnails and hashes.
pub(super) fn index_html(
    case: &CaseFile,
    seal: &SealInfo,
    index: u32,
    count: u32,
    set: Option<&SetFile>,
    on_disc: &dyn Fn(&str) -> bool,
) -> String {
    let o = &case.opened;
    let party = match &o.party {
        Party::Person { id_number, name } => format!("{} （身份证号 {}）", name, mask(id_number)),
        Party::Organisation { uscc, name } => format!("{name} （统一社会信用代码 {uscc}）"),
    };
    let violation = violation_text(case);
    let mut rows = String::new();
    for (i, e) in case.evidence.iter().enumerate() {
        let thumb = match &e.thumbnail {
            Some(t) if on_disc(t) => format!("<img src=\"{}\" alt=\"\" width=\"96\">", esc(t)),
            _ => String::new(),
        };
        let name = if on_disc(&e.path) {
            format!(
                "<a href=\"{0}\">{1}</a>",
                esc(&e.path),
                esc(&e.item.original_name)
            )
        } else {
            let where_ = set
                .and_then(|s| s.items.iter().find(|it| it.path == e.path))
                .map(|it| {
                    let discs: Vec<String> = it.parts.iter().map(|p| p.disc.to_string()).collect();
                    format!(
                        "（在第 {} 张光盘 / on disc {}）",
                        discs.join("、"),
                        discs.join(", ")
                    )
                })
                .unwrap_or_default();
            format!(
                "{}<br><small>{}</small>",
                esc(&e.item.original_name),
                esc(&where_)
            )
        };
        let captured = e
            .item
            .captured_at
            .map(beijing)
            .unwrap_or_else(|| "—".into());
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{thumb}</td><td>{name}<br><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
            i + 1,
            esc(&e.path),
            esc(&e.item.media_type),
            human_size(e.item.size),
            esc(&captured),
            e.item.sha256,
        ));
    }
    let mut custody = String::new();
    for c in &case.custody {
        custody.push_str(&format!(
            "<tr><td>{}</td><td title=\"{}\">{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
            esc(&beijing(c.time)),
            esc(&c.action),
            esc(action_label(&c.action)),
            esc(&c.performer.join("、")),
            esc(&c.object),
        ));
    }
    let set_line = if count > 1 {
        format!("<p class=\"set\">第 {index} 张，共 {count} 张 · Disc {index} of {count}</p>")
    } else {
        String::new()
    };
    format!(
        "<!DOCTYPE html>
<html lang=\"zh-CN\">
<head>
<meta charset=\"utf-8\">
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src '{script_hash}'; style-src 'unsafe-inline'; img-src file: data:; media-src file:\">
<title>{no} · 电子证据光盘</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; color: #111; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
td, th {{ border: 1px solid #999; padding: 4px 8px; vertical-align: top; text-align: left; }}
code {{ font-size: 85%; word-break: break-all; }}
.set {{ font-weight: bold; color: #a00; }}
#fc-verify {{ border: 2px solid #333; padding: 0.8em 1em; margin-bottom: 1.5em; max-width: 60em; }}
#fc-verify input[type=text] {{ font-family: monospace; font-size: 110%; width: 26em; max-width: 100%; }}
#fc-verdict.good {{ color: #060; font-weight: bold; }}
#fc-verdict.bad {{ color: #a00; font-weight: bold; }}
</style>
</head>
<body>
<h1>{no}</h1>
{set_line}
<p>一案一盘 · Evidence disc — 封存时间 Sealed {sealed} · 归档包 Bundle <code>{bundle}</code></p>
<form id=\"fc-verify\">
<h2>光盘自检 · Check this disc</h2>
<p>无需安装、无需联网：本页在浏览器中逐一核对每个文件的 SHA-256、封存签名、每条记录的签名与哈希链。
只信任您输入的公钥：请照光盘标签上印的“机关公钥指纹”输入，不要使用光盘里的文件。<br>
Nothing to install, no network: this page checks every file's SHA-256, the seal, and every record's signature and chain link.
It trusts only the key you type: copy the key fingerprint printed on the disc label, never one from the disc.</p>
<p><label>① 光盘根目录 Disc folder: <input type=\"file\" id=\"fc-disc\" webkitdirectory multiple></label> （或把光盘目录拖到此框 · or drop the folder here）</p>
<p><label>② 公钥指纹 Key fingerprint: <input type=\"text\" id=\"fc-pin\" autocomplete=\"off\" spellcheck=\"false\" placeholder=\"xxxx xxxx xxxx xxxx xxxx xxxx xxxx xxxx\"></label></p>
<p><button type=\"submit\" id=\"fc-run\">③ 开始核验 Verify</button> <progress id=\"fc-progress\" value=\"0\" max=\"1\"></progress> <span id=\"fc-status\"></span></p>
<p id=\"fc-verdict\"></p>
<table id=\"fc-problems\"></table>
<noscript>本浏览器未运行脚本，无法自检；请用 README.TXT 所述的方法核验。 Scripts are off: verify as README.TXT says.</noscript>
</form>
<h2>案件摘要 · Case</h2>
<table>
<tr><th>案号 Case number</th><td>{no}</td></tr>
<tr><th>检查时间 Time</th><td>{occurred}</td></tr>
<tr><th>地点 Place</th><td>{place}</td></tr>
<tr><th>车辆 Vehicle</th><td>{plate}</td></tr>
<tr><th>当事人 Party</th><td>{party}</td></tr>
<tr><th>违法行为 Violation</th><td>{violation}</td></tr>
<tr><th>执法人员 Officers</th><td>{officers}</td></tr>
<tr><th>结案时间 Closed</th><td>{closed}</td></tr>
<tr><th>签名设备 Device</th><td><code>{device}</code><br><code>{key}</code></td></tr>
{agency}</table>
{signers}
{check}<h2>证据清单 · Evidence ({n})</h2>
<table>
<tr><th>#</th><th>缩略图</th><th>原始文件名 Original name</th><th>类型 Type</th><th>大小 Size</th><th>拍摄时间 Captured</th><th>SHA-256</th></tr>
{rows}</table>
{documents}<h2>保管记录 · Custody</h2>
<table>
<tr><th>时间 Time</th><th>动作 Action</th><th>执行人 Performer</th><th>对象 Object</th></tr>
{custody}</table>
<p>核验方法见 README.TXT · How to verify: see README.TXT.</p>
<script>{script}</script>
</body>
</html>
",
        no = esc(&case.case_no),
        sealed = esc(&beijing(seal.sealed_at)),
        bundle = seal.bundle,
        occurred = esc(&beijing(o.occurred_at)),
        place = esc(&o.place),
        plate = esc(&o.vehicle.plate),
        party = esc(&party),
        violation = esc(&violation),
        officers = esc(&case.officers.join("、")),
        closed = esc(&beijing(case.closed_at)),
        device = case.device,
        key = case.device_key,
        agency = agency_row(case),
        signers = signers_table(case),
        check = findings_section(case),
        documents = documents_table(case),
        n = case.evidence.len(),
        script = VERIFY_SCRIPT,
        script_hash = script_hash(),
    )
}

/// The page's one script: it checks the disc in the browser.
pub const VERIFY_SCRIPT: &str = include_str!("verify_page.js");

/// The Content-Security-Policy source that allows exactly that script.
fn script_hash() -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let d = sha2::Sha256::digest(VERIFY_SCRIPT.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(d)
    )
}

/// What the check found: the checklist with each finding, and the
/// party's statement as written down.
fn findings_section(case: &CaseFile) -> String {
    let Some(f) = &case.findings else {
        return String::new();
    };
    let mut rows = String::new();
    for (i, a) in f.checklist.iter().enumerate() {
        let result = match a.result {
            crate::check::ItemResult::Ok => "合格 · ok",
            crate::check::ItemResult::Problem => "有问题 · problem",
            crate::check::ItemResult::NotApplicable => "不适用 · n/a",
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{result}</td></tr>\n",
            i + 1,
            esc(&a.text)
        ));
    }
    let statement = if f.statement.trim().is_empty() {
        "—".to_owned()
    } else {
        esc(&f.statement)
    };
    format!(
        "<h2>现场检查 · The check</h2>
<table class=\"checklist\">
<tr><th>#</th><th>检查项目 Item</th><th>结果 Finding</th></tr>
{rows}</table>
<table>
<tr><th>当事人陈述申辩 Party's statement</th><td class=\"statement\">{statement}</td></tr>
</table>
"
    )
}

fn agency_row(case: &CaseFile) -> String {
    case.agency_key
        .map(|k| format!("<tr><th>封签机关 Sealed by agency</th><td><code>{k}</code></td></tr>\n"))
        .unwrap_or_default()
}

/// The documents of the case, each linked, with the record it was filled
/// from and its SHA-256.
fn documents_table(case: &CaseFile) -> String {
    if case.documents.is_empty() {
        return String::new();
    }
    let mut rows = String::new();
    for (i, e) in case.documents.iter().enumerate() {
        let d = &e.document;
        rows.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"{}\">{}</a></td><td><code>{}</code></td><td><code>{}</code></td></tr>\n",
            i + 1,
            esc(&e.path),
            esc(&d.title),
            d.record,
            d.sha256,
        ));
    }
    format!(
        "<h2>执法文书 · Documents ({n})</h2>
<table>
<tr><th>#</th><th>文书 Document</th><th>所据记录 From record</th><th>SHA-256</th></tr>
{rows}</table>
",
        n = case.documents.len()
    )
}

fn signers_table(case: &CaseFile) -> String {
    if case.signers.is_empty() {
        return String::new();
    }
    let mut rows = String::new();
    for s in &case.signers {
        let roles: Vec<&str> = s.roles.iter().map(|r| r.zh()).collect();
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
            esc(&s.name),
            esc(&s.officer),
            if roles.is_empty() {
                "执法终端".to_owned()
            } else {
                roles.join("、")
            },
            s.signer
        ));
    }
    format!("<h2>签名人 · Signers</h2>\n<table>\n<tr><th>名称 Name</th><th>执法证号/登录名 Officer/login</th><th>角色 Role</th><th>签名人 Signer</th></tr>\n{rows}</table>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_masks() {
        assert_eq!(
            esc("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(mask("650102199001011234"), "650102********1234");
        assert_eq!(human_size(1536), "1.5 KiB");
    }

    #[test]
    fn times_read_in_beijing_and_actions_in_words() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-12-07T16:05:03.123456789Z").unwrap();
        assert_eq!(beijing(t), "2026-12-08 00:05:03（北京时间）");
        for code in [
            "open-case",
            "acquire-evidence",
            "close-case",
            "seal-bundle",
            "record-disc",
            "correct-record",
            "review-case",
            "serve-document",
            "note-payment",
            "record-site",
            "record-interview",
            "register-evidence",
            "order-correction",
            "decide-measure",
            "procedure-act",
        ] {
            assert_ne!(action_label(code), action_label("?"), "{code}");
        }
    }

    #[test]
    fn the_page_script_is_inline_and_the_only_one_allowed() {
        // The script ends only where the page ends it, and the policy's
        // hash is of exactly its bytes (a browser runs nothing else).
        assert!(!VERIFY_SCRIPT.to_ascii_lowercase().contains("</script"));
        assert!(!VERIFY_SCRIPT.contains("http://") && !VERIFY_SCRIPT.contains("https://"));
        let h = script_hash();
        assert!(h.starts_with("sha256-") && h.len() == 7 + 44, "{h}");
        let key = crate::keys::DeviceKey::from_seed([3; 32]).public();
        let fp = key.fingerprint();
        assert_eq!(fp.len(), 39);
        assert_eq!(fp.replace(' ', ""), key.device_id().to_string());
    }
}
