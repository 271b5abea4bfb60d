//! `fieldcase catalog`: what the law allows for a violation, from the same
//! functions the screens call (`Catalog::lawful`, `Catalog::needs`).

use std::process::ExitCode;

use fieldcase_shared::catalog::{
    Catalog, Effect, Entry, Facts, Lawful, LawfulFine, PartyKind, Penalty, ProcedureNeeds,
};
use serde::Serialize;

use super::args::CatalogCommand;
use crate::check::Assets;

/// Runs a `catalog` subcommand.
pub fn run(command: CatalogCommand) -> anyhow::Result<ExitCode> {
    let assets = Assets::embedded().map_err(anyhow::Error::msg)?;
    let catalog = &assets.catalog;
    match command {
        CatalogCommand::List => {
            for e in &catalog.entries {
                say!("{}\t{}\t{}", e.code, e.short, e.basis_text());
            }
        }
        CatalogCommand::Range {
            entry,
            party,
            gains,
            excess_kg,
            serious,
            json,
        } => {
            let Some(e) = catalog.get(entry.trim()) else {
                anyhow::bail!(
                    "no catalogue entry {entry:?}; `fieldcase catalog list` shows the codes"
                );
            };
            let party = if party == "org" {
                PartyKind::Organisation
            } else {
                PartyKind::Person
            };
            let facts = Facts {
                party: Some(party),
                gains,
                excess_kg,
                serious,
            };
            let lawful = catalog
                .lawful(e, &facts)
                .map_err(|err| anyhow::anyhow!("{} / {err}", err.zh()))?;
            let (low, high) = bounds(&lawful.fine);
            let at_min = catalog.needs(&lawful, low, party, false);
            let at_max = catalog.needs(&lawful, high, party, false);
            if json {
                let out = RangeJson {
                    code: &e.code,
                    party,
                    lawful: &lawful,
                    at_min: &at_min,
                    at_max: &at_max,
                };
                say!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                print_range(
                    catalog,
                    e,
                    party,
                    &lawful,
                    [(low, &at_min), (high, &at_max)],
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct RangeJson<'a> {
    code: &'a str,
    party: PartyKind,
    lawful: &'a Lawful,
    at_min: &'a ProcedureNeeds,
    at_max: &'a ProcedureNeeds,
}

/// The least and the most the lawful fine allows.
fn bounds(fine: &LawfulFine) -> (Penalty, Penalty) {
    match *fine {
        LawfulFine::Range { range, .. } | LawfulFine::Gains { range, .. } => {
            (Penalty::Fine(range.min), Penalty::Fine(range.max))
        }
        LawfulFine::Exact { penalty, .. } => (penalty, penalty),
    }
}

fn penalty_text(p: Penalty) -> String {
    match p {
        Penalty::Warning => "警告".into(),
        Penalty::Fine(n) => format!("罚款 {n} 元"),
    }
}

fn print_range(
    catalog: &Catalog,
    e: &Entry,
    party: PartyKind,
    lawful: &Lawful,
    ends: [(Penalty, &ProcedureNeeds); 2],
) {
    say!("{} {}", e.code, e.short);
    say!("当事人：{}", party.zh());
    if let Some(why) = &lawful.uncertain {
        say!("⚠ 依据未经核对：{why}");
    }
    say!("法定处罚：{}", lawful.fine.zh());
    if let (Some(s), LawfulFine::Range { serious: false, .. }) = (e.serious, lawful.fine) {
        say!("情节严重的：{}–{} 元（--serious）", s.min, s.max);
    }
    if let Some(w) = &lawful.warning {
        say!("警告：{} 允许", w.text());
    }
    for s in &lawful.sanctions {
        say!("并处：{}", s.zh());
    }
    for s in e
        .sanctions
        .iter()
        .filter(|s| !lawful.sanctions.contains(&s.kind))
    {
        say!("另可（条件：{:?}）：{}", s.when, s.kind.zh());
    }
    for o in &lawful.orders {
        say!("责令：{}", o.zh());
    }
    for m in &lawful.measures {
        say!(
            "行政强制措施：{}（{}；依行政强制法第十八条、第二十四条实施）",
            m.kind.zh(),
            m.basis.text()
        );
    }
    for (penalty, needs) in ends {
        say!(
            "程序（{}）：{}{}{}",
            penalty_text(penalty),
            match needs.procedure {
                fieldcase_shared::catalog::Procedure::Simple => "简易程序（可当场处罚）",
                fieldcase_shared::catalog::Procedure::General => "普通程序",
            },
            if needs.hearing { "，有听证权" } else { "" },
            if needs.legal_review {
                "，须法制审核"
            } else {
                ""
            },
        );
        for r in &needs.reasons {
            say!("  - {}（{}）", r.zh, r.basis.text());
        }
    }
    if matches!(lawful.fine, LawfulFine::Range { .. }) {
        say!("裁量档次：");
        for t in &e.tiers {
            let source = catalog
                .discretion_sources
                .get(&t.source)
                .map_or(t.source.as_str(), |s| s.title.as_str());
            let range = if t.warning {
                "警告".to_owned()
            } else {
                format!("{}–{} 元", t.min, t.max)
            };
            say!("  {} {range}：{}（{source}）", t.grade, t.when);
        }
    }
    say!("不予处罚：");
    for g in &catalog.art33 {
        let effect = match g.effect {
            Effect::MustNot => "不予行政处罚",
            Effect::MayNot => "可以不予行政处罚",
        };
        say!(
            "  {}：{effect}（{}）",
            g.conditions.join("、"),
            g.basis.text()
        );
    }
    if let Some(np) = &e.no_penalty {
        say!(
            "  包容免罚清单：{}（{}）",
            np.conditions.join("、"),
            catalog.no_penalty_list
        );
    }
    say!(
        "  不予处罚的，应当对当事人进行教育（{}）",
        catalog.education_basis.text()
    );
    say!("依据：");
    for a in &lawful.articles {
        say!("  {a}");
    }
    for n in &lawful.notes {
        say!("注：{n}");
    }
}
