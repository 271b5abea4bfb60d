//! 案卷评查 in the browser: the case page lists its file's findings
//! ([`shown`]); `GET /office/file-review[?rule=ID]` is the bureau-wide
//! report — for each rule of `assets/review/case_file.json` how many cases
//! and findings it has, and the findings themselves (500 a page), from
//! the stored table the procedure keeps.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use fieldcase_shared::file_review::{Finding, RuleId};
use fieldcase_shared::staff::Role;
use serde::Deserialize;

use super::{render, Bar};
use crate::api::AppState;
use crate::office::file_review::rules;
use crate::office::i18n::{Lang, Texts};
use crate::office::session::{store_call, PageError, Visit};

/// Roles that read the bureau-wide report.
pub const FILE_REVIEW_ROLES: &[Role] = &[Role::LegalReviewer, Role::Head, Role::Reviewer];

/// Most findings listed.
const MAX_ROWS: u32 = 500;

/// A finding as shown.
pub struct FindingShown {
    pub rule: &'static str,
    pub name: String,
    pub severity: String,
    pub detail: String,
    pub basis: String,
}

/// The findings of a case as its page shows them.
pub fn shown(lang: Lang, found: &[Finding]) -> Vec<FindingShown> {
    found
        .iter()
        .map(|f| {
            let r = rules().rule(f.rule);
            FindingShown {
                rule: f.rule.id(),
                name: if lang == Lang::Zh {
                    r.name.clone()
                } else {
                    r.name_en.clone()
                },
                severity: r.severity.clone(),
                detail: if lang == Lang::Zh {
                    f.zh.clone()
                } else {
                    f.en.clone()
                },
                basis: if lang == Lang::Zh {
                    r.basis.text()
                } else {
                    r.basis.text_en()
                },
            }
        })
        .collect()
}

/// A rule's line of the report.
pub struct RuleLine {
    pub id: &'static str,
    pub name: String,
    pub basis: String,
    pub cases: u64,
    pub findings: u64,
}

/// A finding of the report.
pub struct Listed {
    pub case_id: String,
    pub case_no: String,
    pub rule: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "file_review.html")]
struct ReportPage {
    t: &'static Texts,
    bar: Option<Bar>,
    lines: Vec<RuleLine>,
    cases: u64,
    rule: String,
    rows: Vec<Listed>,
    more: bool,
}

/// The report's filter.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    rule: String,
}

/// `GET /office/file-review[?rule=ID]`.
pub async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Query(q): Query<ReportQuery>,
) -> Result<Html<String>, PageError> {
    let staff = visit.require(&state, FILE_REVIEW_ROLES).await?;
    let lang = staff.lang;
    // Only a known rule filters; anything else lists every rule.
    let rule = RuleId::parse(q.rule.trim()).map(RuleId::id).unwrap_or("");
    let store = state.store().clone();
    let (counts, cases, rows) = store_call(lang, move || {
        let (counts, cases) = store.finding_counts()?;
        let rows = store.findings(rule, MAX_ROWS + 1, 0)?;
        Ok::<_, crate::store::StoreError>((counts, cases, rows))
    })
    .await?;
    let name = |id: &str| {
        RuleId::parse(id)
            .map(|r| {
                let r = rules().rule(r);
                if lang == Lang::Zh {
                    r.name.clone()
                } else {
                    r.name_en.clone()
                }
            })
            .unwrap_or_else(|| id.to_owned())
    };
    let lines = RuleId::ALL
        .iter()
        .map(|r| {
            let c = counts.iter().find(|c| c.rule == r.id());
            let x = rules().rule(*r);
            RuleLine {
                id: r.id(),
                name: name(r.id()),
                basis: if lang == Lang::Zh {
                    x.basis.text()
                } else {
                    x.basis.text_en()
                },
                cases: c.map_or(0, |c| c.cases),
                findings: c.map_or(0, |c| c.findings),
            }
        })
        .collect();
    let more = rows.len() > MAX_ROWS as usize;
    Ok(render(&ReportPage {
        t: lang.texts(),
        bar: Some(Bar::of(&staff)),
        lines,
        cases,
        rule: rule.to_owned(),
        rows: rows
            .into_iter()
            .take(MAX_ROWS as usize)
            .map(|r| Listed {
                case_id: r.case_id.to_string(),
                case_no: r.case_no,
                rule: name(&r.rule),
                detail: r.detail,
            })
            .collect(),
        more,
    }))
}
