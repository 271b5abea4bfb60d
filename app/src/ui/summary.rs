//! The review step's summary of the whole check.

use fieldcase_shared::check::ItemResult;
use fieldcase_shared::validate;

use super::Line;
use crate::check::{penalty_text, procedure_text, violation_text, Assets, Draft, Signer};
use crate::core::Lang;

pub(super) fn summary(d: &Draft, assets: &Assets, lang: Lang, evidence: usize) -> Vec<Line> {
    let line = |zh: &str, en: &str, v: String| Line {
        label: lang.t(zh, en).into(),
        value: v.into(),
        code: false,
    };
    let kind = assets
        .checklists
        .get(&d.vehicle_kind)
        .map(|k| lang.t(k.zh.clone(), k.en.clone()))
        .unwrap_or_default();
    let problems = d
        .checklist
        .values()
        .filter(|v| **v == ItemResult::Problem)
        .count();
    let party = if d.organisation() {
        format!("{}（{}），{}", d.name, d.uscc, d.legal_rep)
    } else {
        format!("{}（{}）", d.name, d.id_number)
    };
    let place = d
        .location
        .as_ref()
        .map(crate::gps::describe)
        .unwrap_or_default();
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
            "检查时间",
            "Time of the check",
            super::wizard::check_time(d),
        ),
        line(
            "地点",
            "Place",
            format!("{} {place}", d.place).trim().to_owned(),
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
    let outcome = match d.violation_found() {
        true => lang.t("发现违法行为", "Violation found"),
        false => lang.t("未发现违法行为", "No violation"),
    };
    out.push(line("检查结论", "Outcome", outcome));
    if let Some(dec) = d.findings(assets).decision.filter(|_| d.violation_found()) {
        out.push(line(
            "违法行为",
            "Violation",
            format!("{}；{}", violation_text(&dec, assets).get(lang), dec.basis),
        ));
        out.push(line(
            "处罚",
            "Penalty",
            penalty_text(&dec, assets).get(lang),
        ));
        out.push(line("程序", "Procedure", procedure_text(&dec).get(lang)));
    }
    out.push(line("证据", "Evidence", evidence.to_string()));
    out.push(line("陈述申辩", "Statement", d.statement.clone()));
    let sigs = Signer::ALL
        .iter()
        .map(|who| {
            let ok = if *who == Signer::Party && d.party_refused {
                lang.t(
                    format!("拒签（见证人 {}）", d.witness_name),
                    format!("refused (witness {})", d.witness_name),
                )
            } else if d.signatures.contains_key(who) {
                lang.t("已签", "signed")
            } else {
                lang.t("未签", "missing")
            };
            format!("{} {ok}", lang.t(who.zh(), who.en()))
        })
        .collect::<Vec<_>>()
        .join("；");
    out.push(line("签名", "Signatures", sigs));
    out
}
