//! The case list and search, one case read-only with its history,
//! corrections.

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{activity, go, human_size, screen, CasesAdapter, Line, MainWindow, RecordItem, Shared};
use crate::cases::{CaseDetail, CaseRow, CaseStatus, Correction, Event};
use crate::check::{penalty_text, procedure_text, violation_text, Assets};
use crate::core::{AppError, Lang};

/// Cases listed at most (search narrows further).
pub const LIST_LIMIT: usize = 100;

fn status_text(r: &CaseRow, lang: Lang) -> String {
    match r.status {
        CaseStatus::Closed if r.handed_over => lang.t("已移交", "handed over"),
        CaseStatus::Closed => lang.t("已结案", "closed"),
        CaseStatus::Open => lang.t("进行中", "open"),
        CaseStatus::Returned => lang.t("退回补正", "returned"),
    }
}

fn item(r: &CaseRow, lang: Lang) -> RecordItem {
    RecordItem {
        case_no: r.case_no.clone().into(),
        plate: r.plate.clone().into(),
        party: if r.party_name.is_empty() {
            &r.party_id
        } else {
            &r.party_name
        }
        .clone()
        .into(),
        time: r.opened_at.format("%m-%d %H:%M").to_string().into(),
        status: status_text(r, lang).into(),
        synced: r.unsynced == 0,
    }
}

pub(super) fn refresh_list(w: &MainWindow, st: &Shared) {
    let c = w.global::<CasesAdapter>();
    let s = st.borrow();
    let lang = s.lang;
    match s.term.cases().list(&c.get_query(), LIST_LIMIT) {
        Ok(cases) => {
            let items: Vec<RecordItem> = cases.iter().map(|r| item(r, lang)).collect();
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

fn lines(d: &CaseDetail, assets: &Assets, lang: Lang) -> Vec<Line> {
    let row = &d.row;
    let mut out = Vec::new();
    let mut line = |label: String, v: String| {
        out.push(Line {
            label: label.into(),
            value: v.into(),
            code: false,
        })
    };
    if let Some(r) = &row.returned {
        line(
            lang.t("退回补正", "Returned"),
            lang.t(
                format!("{}（请填写下方更正并签名）", r.reason),
                format!("{} (correct it below and sign)", r.reason),
            ),
        );
    }
    if d.handed_over() {
        line(
            lang.t("移交", "Handed over"),
            lang.t(
                "适用普通程序：已移交执法机关办理（立案、告知、决定由机关作出）；同步后，机关的审核与退回显示在本案",
                "General procedure: handed over to the agency (it files, notifies and decides); after syncing, its review and returns show on this case",
            ),
        );
    }
    for m in &d.bureau {
        let at = m
            .created_at
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
            .format("%m-%d %H:%M");
        line(
            lang.t(format!("机关办理 {at}"), format!("Agency {at}")),
            m.text.clone(),
        );
    }
    line(lang.t("车辆", "Vehicle"), row.plate.clone());
    line(
        lang.t("当事人", "Party"),
        format!("{} {}", row.party_name, row.party_id),
    );
    line(lang.t("地点", "Place"), row.place.clone());
    line(
        lang.t("证据", "Evidence"),
        format!("{} · {}", row.evidence, human_size(row.evidence_bytes)),
    );
    for e in &d.events {
        let at = e.at.format("%m-%d %H:%M");
        let label = |zh: &str, en: &str| {
            lang.t(
                format!("#{} {zh} {at}", e.seq),
                format!("#{} {en} {at}", e.seq),
            )
        };
        match &e.what {
            Event::Opened(o) => line(
                label("立案", "opened"),
                format!("{} · {}", o.occurred_at.format("%Y-%m-%d %H:%M"), o.place),
            ),
            Event::Evidence(ev) => line(
                label("证据", "evidence"),
                format!(
                    "{} {} · SHA-256 {}",
                    ev.category,
                    ev.original_name,
                    ev.sha256.short(16)
                ),
            ),
            Event::Closed(f) => {
                let v = match f.as_deref().map(|f| f.decision.as_ref()) {
                    Some(Some(dec)) => format!(
                        "{}；{}；{}；{}",
                        violation_text(dec, assets).get(lang),
                        penalty_text(dec, assets).get(lang),
                        procedure_text(dec).get(lang),
                        dec.basis
                    ),
                    Some(None) => lang.t("未发现违法行为", "no violation"),
                    None => String::new(),
                };
                line(label("结案", "closed"), v)
            }
            Event::Corrected(k) => line(
                label("更正", "correction"),
                lang.t(
                    format!(
                        "取代记录 #{} 的“{}”：{} → {}；理由：{}",
                        k.supersedes_seq, k.field, k.old, k.new, k.reason
                    ),
                    format!(
                        "supersedes “{}” of record #{}: {} → {}; reason: {}",
                        k.field, k.supersedes_seq, k.old, k.new, k.reason
                    ),
                ),
            ),
            Event::Sealed => line(label("封存", "sealed"), String::new()),
            Event::Disc(dr) => line(
                label("刻录", "disc"),
                format!("{} × {}", dr.medium, dr.discs.len()),
            ),
            Event::Review(r) => line(label("审核", "review"), r.reason.clone()),
            Event::Served(sv) => line(label("送达", "served"), served_text(sv, lang)),
            Event::Paid(p) => line(label("缴款", "paid"), paid_text(p, lang)),
            Event::Writing(w) => line(label("笔录", "writing"), writing_text(w, lang)),
            Event::Act(a) => {
                let (zh, en) = a.taken.step.name();
                line(
                    label("机关", "agency"),
                    lang.t(
                        format!("{zh} {}", a.taken.on),
                        format!("{en} {}", a.taken.on),
                    ),
                )
            }
        }
    }
    out
}

/// A writing of the general procedure and how the person acknowledged it.
fn writing_text(w: &fieldcase_shared::investigation::Writing, lang: Lang) -> String {
    use fieldcase_shared::served::Receipt;
    let (zh, en) = w.title();
    match w.receipt() {
        Receipt::Signed { .. } => lang.t(format!("{zh}，已签名"), format!("{en}, signed")),
        Receipt::Refused { note, .. } => lang.t(
            format!("{zh}，拒绝签名：{note}"),
            format!("{en}, refused to sign: {note}"),
        ),
    }
}

/// A document handed over and how the party acknowledged it.
fn served_text(d: &fieldcase_shared::served::DocumentServed, lang: Lang) -> String {
    use fieldcase_shared::served::Receipt;
    match &d.receipt {
        Receipt::Signed { .. } => lang.t(
            format!("{}，当事人已签收", d.title),
            format!("{}, signed for by the party", d.title),
        ),
        Receipt::Refused { note, .. } => lang.t(
            format!("{}，当事人拒绝签收：{note}", d.title),
            format!("{}, the party refused to sign: {note}", d.title),
        ),
    }
}

/// A payment noted.
fn paid_text(p: &fieldcase_shared::served::PaymentNoted, lang: Lang) -> String {
    use fieldcase_shared::served::Payment;
    match &p.payment {
        Payment::Cash { receipt_no, .. } => lang.t(
            format!("{} 元，当场收缴，收据 {receipt_no}", p.amount_yuan),
            format!("{} yuan in cash, receipt {receipt_no}", p.amount_yuan),
        ),
        Payment::Electronic { reference } => lang.t(
            format!("{} 元，电子缴款 {reference}", p.amount_yuan),
            format!("{} yuan paid electronically, {reference}", p.amount_yuan),
        ),
    }
}

/// Shows the case's history (again, after a record was signed on it).
pub(super) fn detail(w: &MainWindow, st: &Shared) {
    let c = w.global::<CasesAdapter>();
    let s = st.borrow();
    let Some(id) = s.case else { return };
    let Ok(d) = s.term.cases().detail(&id) else {
        return;
    };
    c.set_case_no(d.row.case_no.clone().into());
    c.set_closed(d.row.status != CaseStatus::Open);
    c.set_returned(d.row.status == CaseStatus::Returned);
    c.set_handed_over(d.handed_over());
    c.set_lines(ModelRc::new(VecModel::from(lines(&d, &s.assets, s.lang))));
    let (handed_over, place) = (d.handed_over(), d.row.place.clone());
    let measured = d
        .findings()
        .and_then(|f| f.decision.as_ref())
        .is_some_and(|dec| !dec.measures.is_empty());
    drop(s);
    super::service::offer(w, st);
    super::writings::offer(w, st, handed_over, measured, &place);
}

/// Shows the case with this 案号 (from the list, or a message about it).
pub(super) fn open_by_number(w: &MainWindow, st: &Shared, case_no: &str) {
    let found = st.borrow().term.cases().find(case_no);
    let c = w.global::<CasesAdapter>();
    c.set_field(SharedString::new());
    c.set_new_value(SharedString::new());
    c.set_reason(SharedString::new());
    match found {
        Ok(row) => {
            {
                let mut s = st.borrow_mut();
                s.case = Some(row.case_id);
                s.receipt_ink.clear();
            }
            c.set_ink(SharedString::new());
            c.set_refusal(SharedString::new());
            c.set_status(SharedString::new());
            super::writings::reset(w, st);
            detail(w, st);
            super::print::offer(w, st, &row.case_no);
            go(w, st, screen::CASE);
        }
        Err(e) => {
            let lang = st.borrow().lang;
            let a = w.global::<super::SettingsAdapter>();
            a.set_status_ok(false);
            a.set_status(
                lang.t(
                    format!("本机没有案件 {case_no}：{e}"),
                    format!("No case {case_no} on this device: {e}"),
                )
                .into(),
            );
        }
    }
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
        open_by_number(&w, &st, &case);
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
        correct(&w, &st);
    });
}

fn correct(w: &MainWindow, st: &Shared) {
    let c = w.global::<CasesAdapter>();
    let lang = st.borrow().lang;
    let (Some(case), Some(officers)) = (st.borrow().case, st.borrow().officers.clone()) else {
        return;
    };
    let correction = Correction {
        field: c.get_field().into(),
        old: String::new(),
        new: c.get_new_value().into(),
        reason: c.get_reason().into(),
    };
    let r = st
        .borrow()
        .term
        .cases()
        .correct(&officers, &case, &correction);
    let (ok, text) = match r {
        Ok(seq) => {
            c.set_field(SharedString::new());
            c.set_new_value(SharedString::new());
            c.set_reason(SharedString::new());
            detail(w, st);
            (
                true,
                lang.t(
                    format!("更正已签名（记录 #{seq}）"),
                    format!("Correction signed (record #{seq})"),
                ),
            )
        }
        Err(AppError::Refused { zh, en }) => (false, lang.t(zh, en)),
        Err(e) => (
            false,
            lang.t(
                format!("更正未保存：{e}"),
                format!("Correction not saved: {e}"),
            ),
        ),
    };
    c.set_status_ok(ok);
    c.set_status(text.into());
}
