//! The review step's summary of the whole check.

use fieldcase_shared::validate;

use super::{Lang, Line};
use crate::check::{Draft, SIGNERS};

pub(super) fn summary(
    d: &Draft,
    assets: &crate::check::Assets,
    lang: Lang,
    evidence: usize,
) -> Vec<Line> {
    let line = |zh: &str, en: &str, v: String| Line {
        label: lang.t(zh, en).into(),
        value: v.into(),
    };
    let kind = assets
        .checklists
        .get(&d.vehicle_kind)
        .map(|k| lang.t(k.zh.clone(), k.en.clone()))
        .unwrap_or_default();
    let problems = d.checklist.values().filter(|v| *v == "problem").count();
    let party = if d.organisation() {
        format!("{}（{}），{}", d.name, d.uscc, d.legal_rep)
    } else {
        format!("{}（{}）", d.name, d.id_number)
    };
    let mut out = vec![
        line("案号", "Case number", d.case_no.clone().unwrap_or_default()),
        line(
            "车辆",
            "Vehicle",
            format!(
                "{} {} {}",
                validate::normalise_plate(&d.plate),
                kind,
                d.transport_cert
            ),
        ),
        line("当事人", "Party", party),
        line(
            "时间地点",
            "Time and place",
            format!(
                "{} {}",
                d.place,
                d.location
                    .as_ref()
                    .map(crate::gps::describe)
                    .unwrap_or_default()
            ),
        ),
        line(
            "检查项目",
            "Checklist",
            lang.t(
                format!("{} 项，其中不合格 {} 项", d.checklist.len(), problems),
                format!("{} items, {} with problems", d.checklist.len(), problems),
            ),
        ),
    ];
    let outcome = match d.outcome.as_str() {
        "violation" => lang.t("发现违法行为", "Violation found"),
        _ => lang.t("未发现违法行为", "No violation"),
    };
    out.push(line("检查结论", "Outcome", outcome));
    if d.outcome == "violation" {
        let f = d.findings(assets);
        if let Some(dec) = f.decision {
            out.push(line(
                "违法行为",
                "Violation",
                format!("{}；{}", dec.title, dec.basis),
            ));
            let penalty = match dec.penalty.as_str() {
                "none" => lang.t("不予处罚（免罚清单）", "No penalty (no-penalty list)"),
                "warning" => lang.t(
                    format!("{} 档：警告", dec.grade),
                    format!("Tier {}: warning", dec.grade),
                ),
                _ => lang.t(
                    format!("{} 档：罚款 {} 元", dec.grade, dec.amount_yuan),
                    format!("Tier {}: fine {} yuan", dec.grade, dec.amount_yuan),
                ),
            };
            out.push(line("处罚", "Penalty", penalty));
            let proc = if dec.procedure == "general" {
                lang.t("一般程序", "General procedure")
            } else {
                lang.t("简易程序（当场）", "Simple procedure (on the spot)")
            };
            out.push(line("程序", "Procedure", proc));
        }
    }
    out.push(line("证据", "Evidence", evidence.to_string()));
    out.push(line("陈述申辩", "Statement", d.statement.clone()));
    let sigs = SIGNERS
        .iter()
        .map(|(role, zh, en)| {
            let ok = if *role == "party" && d.party_refused {
                lang.t(
                    format!("拒签（见证人 {}）", d.witness_name),
                    format!("refused (witness {})", d.witness_name),
                )
            } else if d.signatures.contains_key(*role) {
                lang.t("已签", "signed")
            } else {
                lang.t("未签", "missing")
            };
            format!("{} {ok}", lang.t(*zh, *en))
        })
        .collect::<Vec<_>>()
        .join("；");
    out.push(line("签名", "Signatures", sigs));
    out
}
