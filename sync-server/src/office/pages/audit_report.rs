//! The access log as a printable report (the PDF export): who exported
//! it, when, the filter, the log's signed checkpoint, then one line per
//! event with its leaf in the log and the digest the leaf commits to.

use chrono::Utc;

use crate::office::i18n::{beijing, Lang};
use crate::office::pdf::Report;
use crate::office::session::Staff;
use crate::store::office::AuditEvent;

/// Events printed at most; the report says when more matched.
const PRINTED: usize = 10_000;

/// The report of `events` (newest first, as listed).
pub fn report(
    staff: &Staff,
    actor: &str,
    case: &str,
    events: &[AuditEvent],
    checkpoint: &str,
) -> Report {
    let zh = staff.lang == Lang::Zh;
    let t = |a: &str, b: &str| if zh { a.to_owned() } else { b.to_owned() };
    let now = Utc::now();
    let filter = match (actor.trim(), case.trim()) {
        ("", "") => t("全部", "all events"),
        (a, "") => format!("{} {a}", t("人员", "person")),
        (_, c) => format!("{} {c}", t("案件", "case")),
    };
    let mut header = vec![
        format!(
            "{}: {}（{}）  {}: {}",
            t("导出人", "Exported by"),
            staff.user.display_name,
            staff.user.name,
            t("导出时间（北京时间）", "Exported at (Beijing time)"),
            beijing(now)
        ),
        format!(
            "{}: {filter}  {}: {}",
            t("范围", "Filter"),
            t("条数", "Events"),
            events.len().min(PRINTED)
        ),
        t(
            "每条事件的叶哈希均在下列透明日志检查点之内（服务器密钥签名；/v1/log/inclusion 可证明）：",
            "Each event's leaf is in the transparency log of this checkpoint (signed by the server key; /v1/log/inclusion proves it):",
        ),
    ];
    header.extend(checkpoint.lines().map(|l| format!("  {l}")));
    if events.len() > PRINTED {
        header.push(t(
            "匹配的事件多于一万条：此处列出最新的一万条，完整记录请导出 CSV。",
            "More than 10,000 events match: the newest 10,000 are listed; export CSV for all.",
        ));
    }
    header.push(String::new());
    header.push(t(
        "序号 · 时间 · 人员 · 动作 · 对象 · 地址 · 日志叶 · SHA-256",
        "id · time · actor · action · target · address · log leaf · SHA-256",
    ));
    let lines = events
        .iter()
        .take(PRINTED)
        .map(|e| {
            format!(
                "{} · {} · {} · {} · {} · {} · {} · {}",
                e.id,
                beijing(e.at),
                e.actor,
                e.action.as_str(),
                e.target,
                e.addr,
                e.log_index.map(|i| i.to_string()).unwrap_or_default(),
                e.digest().to_hex()
            )
        })
        .collect();
    Report {
        title: t("访问日志", "Access log"),
        header,
        lines,
        made_at: now,
    }
}
