//! The writings on the case screen of a handed-over case (glue only: the
//! rules and the signing are in [`crate::writings`]). The sitting of a
//! 现场笔录 or 询问笔录 begins when the officers choose it and ends when the
//! person signs; 问/答 and the items preserved are listed as they are noted.

use chrono::{DateTime, FixedOffset, NaiveDate};
use fieldcase_shared::investigation::{Exchange, Interviewee, PreservedItem, Relation};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{activity, CasesAdapter, MainWindow, Shared, WritingsAdapter};
use crate::core::{AppError, Lang, Terminal};
use crate::evidence::{signature_png, strokes_path, PAD};
use crate::service::ReceiptInput;
use crate::writings::{Draft, Sitting};

/// What the writing form holds between taps.
#[derive(Debug, Default)]
pub(crate) struct Form {
    /// When the sitting began.
    pub started: Option<DateTime<FixedOffset>>,
    /// 问/答 noted.
    pub exchanges: Vec<Exchange>,
    /// Items listed.
    pub items: Vec<PreservedItem>,
    /// The person's pen strokes.
    pub ink: Vec<Vec<(f32, f32)>>,
}

fn started_text(t: DateTime<FixedOffset>, lang: Lang) -> String {
    let t = t.format("%Y-%m-%d %H:%M");
    lang.t(
        format!("开始时间 {t}；签名时记为结束时间"),
        format!("Began {t}; it ends when the person signs"),
    )
}

fn show_lists(w: &MainWindow, st: &Shared) {
    let a = w.global::<WritingsAdapter>();
    let s = st.borrow();
    let lang = s.lang;
    let ex: Vec<SharedString> = s
        .writing
        .exchanges
        .iter()
        .map(|e| {
            lang.t(
                format!("问：{}\n答：{}", e.q, e.a),
                format!("Q: {}\nA: {}", e.q, e.a),
            )
            .into()
        })
        .collect();
    let items: Vec<SharedString> = s
        .writing
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            format!(
                "{}. {} {} {}{}",
                i + 1,
                it.name,
                it.spec,
                it.quantity,
                it.unit
            )
            .into()
        })
        .collect();
    a.set_exchanges(ModelRc::new(VecModel::from(ex)));
    a.set_items(ModelRc::new(VecModel::from(items)));
    match s.writing.started {
        Some(t) => a.set_started(started_text(t, lang).into()),
        None => a.set_started(SharedString::new()),
    }
}

/// Offers the section for the case shown: on a handed-over case, with the
/// measure decision when its check took a compulsory measure.
pub(super) fn offer(w: &MainWindow, st: &Shared, handed_over: bool, measured: bool, place: &str) {
    let a = w.global::<WritingsAdapter>();
    a.set_shown(handed_over);
    a.set_measured(measured);
    if !measured && a.get_kind() == "measure" {
        a.set_kind("site".into());
    }
    if a.get_place().is_empty() {
        a.set_place(place.into());
    }
    show_lists(w, st);
}

/// Clears the form (a new case, or a writing signed).
pub(super) fn reset(w: &MainWindow, st: &Shared) {
    let a = w.global::<WritingsAdapter>();
    st.borrow_mut().writing = Form::default();
    for set in [
        WritingsAdapter::set_place,
        WritingsAdapter::set_present,
        WritingsAdapter::set_observed,
        WritingsAdapter::set_person_name,
        WritingsAdapter::set_person_id,
        WritingsAdapter::set_question,
        WritingsAdapter::set_answer,
        WritingsAdapter::set_item_name,
        WritingsAdapter::set_item_spec,
        WritingsAdapter::set_item_unit,
        WritingsAdapter::set_kept_at,
        WritingsAdapter::set_approved_by,
        WritingsAdapter::set_violation,
        WritingsAdapter::set_order,
        WritingsAdapter::set_correct_by,
        WritingsAdapter::set_address,
        WritingsAdapter::set_reason,
        WritingsAdapter::set_ink,
        WritingsAdapter::set_refusal,
    ] {
        set(&a, SharedString::new());
    }
    a.set_item_qty("1".into());
    a.set_relation("party".into());
    show_lists(w, st);
}

/// The 问/答 being typed, when both are written.
fn typed_exchange(a: &WritingsAdapter<'_>) -> Option<Exchange> {
    let (q, r) = (
        a.get_question().trim().to_owned(),
        a.get_answer().trim().to_owned(),
    );
    (!q.is_empty() && !r.is_empty()).then_some(Exchange { q, a: r })
}

/// The item being typed, when it has a name.
fn typed_item(a: &WritingsAdapter<'_>) -> Result<Option<PreservedItem>, AppError> {
    let name = a.get_item_name().trim().to_owned();
    if name.is_empty() {
        return Ok(None);
    }
    let quantity =
        a.get_item_qty().trim().parse::<u32>().map_err(|_| {
            AppError::refused("数量须为正整数", "the quantity must be a whole number")
        })?;
    Ok(Some(PreservedItem {
        name,
        spec: a.get_item_spec().trim().to_owned(),
        quantity,
        unit: a.get_item_unit().trim().to_owned(),
    }))
}

/// The writing as the form holds it, its sitting ending now.
fn draft(a: &WritingsAdapter<'_>, st: &Shared) -> Result<Draft, AppError> {
    let now = Terminal::now();
    let s = st.borrow();
    let sitting = || Sitting {
        started_at: s.writing.started.unwrap_or(now),
        ended_at: now,
        place: a.get_place().into(),
    };
    let items = || -> Result<Vec<PreservedItem>, AppError> {
        Ok(s.writing
            .items
            .iter()
            .cloned()
            .chain(typed_item(a)?)
            .collect())
    };
    Ok(match a.get_kind().as_str() {
        "site" => Draft::Site {
            sitting: sitting(),
            present: a.get_present().into(),
            observed: a.get_observed().into(),
        },
        "interview" => Draft::Interview {
            sitting: sitting(),
            person: Interviewee {
                name: a.get_person_name().into(),
                id_number: a.get_person_id().trim().to_owned(),
                relation: Relation::parse(&a.get_relation()).unwrap_or(Relation::Party),
            },
            exchanges: s
                .writing
                .exchanges
                .iter()
                .cloned()
                .chain(typed_exchange(a))
                .collect(),
        },
        "preserve" => Draft::Register {
            items: items()?,
            kept_at: a.get_kept_at().into(),
            approved_by: a.get_approved_by().into(),
        },
        "measure" => Draft::Measure {
            address: a.get_address().into(),
            reason: a.get_reason().into(),
            items: items()?,
            kept_at: a.get_kept_at().into(),
        },
        _ => Draft::Order {
            violation: a.get_violation().into(),
            order: a.get_order().into(),
            correct_by: match a.get_correct_by().trim() {
                "" => None,
                t => Some(NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
                    AppError::refused(
                        "改正期限的格式为 2026-12-10（留空为立即改正）",
                        "write the day to correct by as 2026-12-10 (empty: at once)",
                    )
                })?),
            },
        },
    })
}

fn say(w: &MainWindow, ok: bool, text: String) {
    let c = w.global::<CasesAdapter>();
    c.set_status_ok(ok);
    c.set_status(text.into());
}

/// Signs the writing with the person's signature (or the refusal noted).
fn sign(w: &MainWindow, st: &Shared, refused: bool) {
    let a = w.global::<WritingsAdapter>();
    let lang = st.borrow().lang;
    let Some(officers) = st.borrow().officers.clone() else {
        return;
    };
    let receipt = if refused {
        ReceiptInput::Refused {
            note: a.get_refusal().into(),
            witness: None,
        }
    } else {
        if st.borrow().writing.ink.iter().map(Vec::len).sum::<usize>() < 2 {
            return say(
                w,
                false,
                lang.t(
                    "签名为空，请在签名框内书写",
                    "The signature is empty: sign in the box",
                ),
            );
        }
        ReceiptInput::Signature(signature_png(&st.borrow().writing.ink))
    };
    let case_no: String = w.global::<CasesAdapter>().get_case_no().into();
    let signed = draft(&a, st).and_then(|d| {
        st.borrow()
            .term
            .writings()
            .record(&officers, &case_no, d, receipt)
    });
    match signed {
        Ok(done) => {
            let title = done.kind.template().map(|t| t.title).unwrap_or_default();
            let due = match (done.kind, done.decide_by) {
                (fieldcase_documents::Kind::MeasureDecision, Some(d)) => {
                    lang.t(format!("；扣押期限至 {d}"), format!("; detained until {d}"))
                }
                (_, Some(d)) => lang.t(
                    format!("；须于 {d} 前作出处理决定"),
                    format!("; to be decided by {d}"),
                ),
                (_, None) => String::new(),
            };
            reset(w, st);
            say(
                w,
                true,
                lang.t(
                    format!("{title}已签署（记录 #{}）{due}", done.seq),
                    format!("{title} signed (record #{}){due}", done.seq),
                ),
            );
            super::cases::detail(w, st);
        }
        Err(AppError::Refused { zh, en }) => say(w, false, lang.t(zh, en)),
        Err(e) => say(w, false, e.to_string()),
    }
}

/// Notes the 问/答 or the item typed, so the next can be written.
fn note(w: &MainWindow, st: &Shared, item: bool) {
    let a = w.global::<WritingsAdapter>();
    let lang = st.borrow().lang;
    if item {
        match typed_item(&a) {
            Ok(Some(it)) => {
                st.borrow_mut().writing.items.push(it);
                a.set_item_name(SharedString::new());
                a.set_item_spec(SharedString::new());
                a.set_item_qty("1".into());
            }
            Ok(None) => return say(w, false, lang.t("请填写物品名称", "Name the item")),
            Err(AppError::Refused { zh, en }) => return say(w, false, lang.t(zh, en)),
            Err(e) => return say(w, false, e.to_string()),
        }
    } else {
        let Some(e) = typed_exchange(&a) else {
            return say(
                w,
                false,
                lang.t("请写下问和答", "Write the question and the answer"),
            );
        };
        st.borrow_mut().writing.exchanges.push(e);
        a.set_question(SharedString::new());
        a.set_answer(SharedString::new());
    }
    w.global::<CasesAdapter>().set_status(SharedString::new());
    show_lists(w, st);
}

pub(super) fn connect(window: &MainWindow, state: Shared) {
    let a = window.global::<WritingsAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_choose(move |kind| {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        w.global::<WritingsAdapter>().set_kind(kind);
        // The sitting begins when the officers start writing it.
        st.borrow_mut().writing.started = Some(Terminal::now());
        show_lists(&w, &st);
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_pen(move |kind, x, y| {
        let Some(w) = weak.upgrade() else { return };
        let p = (x.clamp(0.0, PAD.0), y.clamp(0.0, PAD.1));
        let path = {
            let mut s = st.borrow_mut();
            let ink = &mut s.writing.ink;
            match kind.as_str() {
                "down" => ink.push(vec![p]),
                "move" => match ink.last_mut() {
                    Some(stroke) => stroke.push(p),
                    None => ink.push(vec![p]),
                },
                _ => {}
            }
            strokes_path(ink)
        };
        w.global::<WritingsAdapter>().set_ink(path.into());
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_clear(move || {
        let Some(w) = weak.upgrade() else { return };
        st.borrow_mut().writing.ink.clear();
        w.global::<WritingsAdapter>().set_ink(SharedString::new());
    });
    for refused in [false, true] {
        let (weak, st) = (window.as_weak(), state.clone());
        let f = move || {
            let Some(w) = weak.upgrade() else { return };
            activity(&w, &st);
            sign(&w, &st, refused);
        };
        if refused {
            a.on_refuse(f);
        } else {
            a.on_sign(f);
        }
    }
    for item in [false, true] {
        let (weak, st) = (window.as_weak(), state.clone());
        let f = move || {
            let Some(w) = weak.upgrade() else { return };
            activity(&w, &st);
            note(&w, &st, item);
        };
        if item {
            a.on_add_item(f);
        } else {
            a.on_add_exchange(f);
        }
    }
}
