//! The case list and search, one case read-only, corrections.

use chrono::DateTime;
use fieldcase_shared::record::{RecordBody, RecordPayload};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{
    activity, go, human_size, screen, CasesAdapter, Lang, Line, MainWindow, RecordItem, Shared,
};

/// Cases listed at most (search narrows further).
pub const LIST_LIMIT: usize = 100;

fn status_text(status: &str, lang: Lang) -> String {
    match status {
        "closed" => lang.t("已结案", "closed"),
        _ => lang.t("进行中", "open"),
    }
}

pub(super) fn refresh_list(w: &MainWindow, st: &Shared) {
    let c = w.global::<CasesAdapter>();
    let s = st.borrow();
    let lang = s.lang;
    match s.term.store.cases_matching(&c.get_query(), LIST_LIMIT) {
        Ok(cases) => {
            let items: Vec<RecordItem> = cases
                .iter()
                .map(|r| RecordItem {
                    case_no: r.case_no.clone().into(),
                    plate: r.plate.clone().into(),
                    party: if r.party_name.is_empty() {
                        r.party_id.clone()
                    } else {
                        r.party_name.clone()
                    }
                    .into(),
                    time: DateTime::parse_from_rfc3339(&r.opened_at)
                        .map(|t| t.format("%m-%d %H:%M").to_string())
                        .unwrap_or_else(|_| r.opened_at.clone())
                        .into(),
                    status: status_text(&r.status, lang).into(),
                    synced: r.unsynced == 0,
                })
                .collect();
            c.set_count_text(
                lang.t(
                    format!("显示 {} 件", items.len()),
                    format!("{} shown", items.len()),
                )
                .into(),
            );
            c.set_records(ModelRc::new(VecModel::from(items)));
        }
        Err(e) => c.set_count_text(format!("{e}").into()),
    }
}

fn detail(w: &MainWindow, st: &Shared, case: &str) {
    let c = w.global::<CasesAdapter>();
    let s = st.borrow();
    let lang = s.lang;
    let Ok(Some(row)) = s.term.store.find_case(case) else {
        return;
    };
    let mut lines = Vec::new();
    let mut line = |zh: &str, en: &str, v: String| {
        lines.push(Line {
            label: lang.t(zh, en).into(),
            value: v.into(),
        })
    };
    line("车辆", "Vehicle", row.plate.clone());
    line(
        "当事人",
        "Party",
        format!("{} {}", row.party_name, row.party_id),
    );
    line("地点", "Place", row.place.clone());
    line(
        "证据",
        "Evidence",
        format!("{} · {}", row.evidence, human_size(row.evidence_bytes)),
    );
    for r in s.term.store.case_records(&row.case_id).unwrap_or_default() {
        let Ok(p) = serde_json::from_slice::<RecordPayload>(&r.envelope.payload) else {
            continue;
        };
        let at = p.created_at.format("%m-%d %H:%M").to_string();
        let label = |zh: &str, en: &str| {
            lang.t(
                format!("#{} {zh} {at}", p.seq),
                format!("#{} {en} {at}", p.seq),
            )
        };
        match &p.body {
            RecordBody::CaseOpened(o) => lines.push(Line {
                label: label("立案", "opened").into(),
                value: format!("{} · {}", o.occurred_at.format("%Y-%m-%d %H:%M"), o.place).into(),
            }),
            RecordBody::EvidenceAdded(e) => lines.push(Line {
                label: label("证据", "evidence").into(),
                value: format!(
                    "{} {} · SHA-256 {}",
                    e.category,
                    e.original_name,
                    e.sha256.short(16)
                )
                .into(),
            }),
            RecordBody::CaseClosed(cl) => {
                let v = cl
                    .findings
                    .as_ref()
                    .map(|f| match &f.decision {
                        Some(d) => {
                            format!("{}；{} {} 元；{}", d.title, d.grade, d.amount_yuan, d.basis)
                        }
                        None => lang.t("未发现违法行为", "no violation"),
                    })
                    .unwrap_or_default();
                lines.push(Line {
                    label: label("结案", "closed").into(),
                    value: v.into(),
                });
            }
            RecordBody::CaseCorrected(k) => lines.push(Line {
                label: label("更正", "correction").into(),
                value: lang
                    .t(
                        format!(
                            "取代记录 #{} 的“{}”：{} → {}；理由：{}",
                            k.supersedes_seq, k.field, k.old, k.new, k.reason
                        ),
                        format!(
                            "supersedes “{}” of record #{}: {} → {}; reason: {}",
                            k.field, k.supersedes_seq, k.old, k.new, k.reason
                        ),
                    )
                    .into(),
            }),
            RecordBody::CaseSealed(_) => lines.push(Line {
                label: label("封存", "sealed").into(),
                value: SharedString::new(),
            }),
            RecordBody::DiscRecorded(d) => lines.push(Line {
                label: label("刻录", "disc").into(),
                value: format!("{} × {}", d.medium, d.discs.len()).into(),
            }),
        }
    }
    c.set_case_no(row.case_no.clone().into());
    c.set_closed(row.status == "closed");
    c.set_lines(ModelRc::new(VecModel::from(lines)));
}

pub(super) fn connect(window: &MainWindow, state: Shared) {
    let c = window.global::<CasesAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    c.on_search(move |_| {
        if let Some(w) = weak.upgrade() {
            activity(&w, &st);
            refresh_list(&w, &st);
        }
    });
    let (weak, st) = (window.as_weak(), state.clone());
    c.on_open(move |case| {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        st.borrow_mut().case = Some(case.to_string());
        let c = w.global::<CasesAdapter>();
        c.set_status(SharedString::new());
        c.set_field(SharedString::new());
        c.set_new_value(SharedString::new());
        c.set_reason(SharedString::new());
        detail(&w, &st, &case);
        go(&w, &st, screen::CASE);
    });
    let (weak, st) = (window.as_weak(), state.clone());
    c.on_back(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let to = if w.global::<super::Nav>().get_screen() == screen::CASE {
            screen::CASES
        } else {
            screen::HOME
        };
        go(&w, &st, to);
    });
    let (weak, st) = (window.as_weak(), state);
    c.on_correct(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let c = w.global::<CasesAdapter>();
        let lang = st.borrow().lang;
        let (Some(case), Some(officers)) = (st.borrow().case.clone(), st.borrow().officers.clone())
        else {
            return;
        };
        let r = st.borrow_mut().term.correct(
            &officers,
            &case,
            &c.get_field(),
            "",
            &c.get_new_value(),
            &c.get_reason(),
        );
        match r {
            Ok(seq) => {
                c.set_status_ok(true);
                c.set_status(
                    lang.t(
                        format!("更正已签名（记录 #{seq}）"),
                        format!("Correction signed (record #{seq})"),
                    )
                    .into(),
                );
                c.set_field(SharedString::new());
                c.set_new_value(SharedString::new());
                c.set_reason(SharedString::new());
                detail(&w, &st, &case);
            }
            Err(crate::core::AppError::Refused { zh, en }) => {
                c.set_status_ok(false);
                c.set_status(lang.t(zh, en).into());
            }
            Err(e) => {
                c.set_status_ok(false);
                c.set_status(
                    lang.t(
                        format!("更正未保存：{e}"),
                        format!("Correction not saved: {e}"),
                    )
                    .into(),
                );
            }
        }
    });
}
