//! The check, step by step. Every edit goes to the draft and is saved at
//! once; the screen is redrawn from the draft ([`steps`]); opening and
//! closing the case are the drafting controller's.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fieldcase_shared::check::Location;
use slint::{ComponentHandle, SharedString};
use uuid::Uuid;

use super::{activity, go, screen, MainWindow, Shared, WizardAdapter};
use crate::check::{step, Draft, Edit, Field, FieldError, StepError, STEPS};
use crate::core::{Lang, Terminal, Text2};
use crate::evidence::ImportDone;

mod steps;

pub(super) use steps::{check_time, show};

/// Background work finished, waiting for the event loop.
pub(crate) enum Finished {
    /// A GNSS fix, or why there is none.
    Located(Result<Location, Text2>),
    /// An evidence import ended.
    Imported(ImportDone),
}

/// Where workers leave what they finished (the window state is not `Send`).
pub(crate) type Inbox = Arc<Mutex<Vec<Finished>>>;

/// Hands a finished job to the window: into the inbox, then `done()` on
/// the event loop.
pub(crate) fn deliver(w: &MainWindow, inbox: &Inbox) -> impl Fn(Finished) + Send + 'static {
    let (weak, inbox) = (w.as_weak(), inbox.clone());
    move |f| {
        if let Ok(mut q) = inbox.lock() {
            q.push(f);
        }
        let _ = weak.upgrade_in_event_loop(|w| w.global::<WizardAdapter>().invoke_done());
    }
}

/// Opens the check screen on a new draft, or on the draft `id`.
pub(super) fn start(w: &MainWindow, st: &Shared, id: Option<Uuid>) {
    let draft = {
        let s = st.borrow();
        let Some(officers) = s.officers.clone() else {
            return;
        };
        match id {
            Some(id) => s.term.drafts().get(&id).ok().flatten(),
            None => Some(Draft::new(&officers, Terminal::now())),
        }
    };
    let Some(d) = draft else { return };
    let a = w.global::<WizardAdapter>();
    a.set_folder(
        crate::evidence::default_folder()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default()
            .into(),
    );
    {
        let mut s = st.borrow_mut();
        s.draft = Some(d);
        s.shown.clear();
        s.ink.clear();
        s.found.clear();
    }
    save(st);
    a.set_status(SharedString::new());
    a.set_found_text(SharedString::new());
    a.set_signing(SharedString::new());
    a.set_search(SharedString::new());
    a.set_step(-1);
    show(w, st);
    go(w, st, screen::CHECK);
}

/// Shows these errors (and remembers them: they leave once fixed).
fn set_errors(st: &Shared, errs: Vec<FieldError>) {
    st.borrow_mut().shown = errs;
}

pub(super) fn status(a: &WizardAdapter, ok: bool, text: String) {
    a.set_status_ok(ok);
    a.set_status(text.into());
}

pub(super) fn save(st: &Shared) {
    let s = st.borrow();
    if let Some(d) = &s.draft {
        if let Err(e) = s.term.drafts().save(d) {
            tracing::error!(error = %e, draft = %d.id, "draft not saved");
        }
    }
}

fn edit(st: &Shared, e: Edit) {
    if let Some(d) = st.borrow_mut().draft.as_mut() {
        d.apply(e);
    }
    save(st);
}

pub(super) fn connect(window: &MainWindow, state: Shared) {
    let a = window.global::<WizardAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_changed(move |field, value| {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let a = w.global::<WizardAdapter>();
        match field.as_str() {
            "search" | "folder" => {}
            "category" => a.set_category(value.clone()),
            "signing" => {
                st.borrow_mut().ink.clear();
                let same = a.get_signing() == value;
                a.set_signing(if same { SharedString::new() } else { value });
            }
            f => match Edit::parse(f, &value) {
                Some(e) => edit(&st, e),
                None => tracing::warn!(field = f, "the screen sent an edit of no known field"),
            },
        }
        show(&w, &st);
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_next(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        next(&w, &st);
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_back(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        if let Some(d) = st.borrow_mut().draft.as_mut() {
            d.move_step(false);
        }
        save(&st);
        set_errors(&st, Vec::new());
        w.global::<WizardAdapter>().set_status(SharedString::new());
        show(&w, &st);
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_leave(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        save(&st);
        st.borrow_mut().draft = None;
        go(&w, &st, screen::HOME);
    });
    let inbox: Inbox = Arc::default();
    let (weak, st, ib) = (window.as_weak(), state.clone(), inbox.clone());
    a.on_locate(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        w.global::<WizardAdapter>().set_locating(true);
        let addr = st.borrow().term.settings().gpsd();
        let deliver = deliver(&w, &ib);
        crate::gps::spawn_fix(addr, Duration::from_secs(10), move |r| {
            deliver(Finished::Located(r))
        });
    });
    let (weak, st, ib) = (window.as_weak(), state.clone(), inbox.clone());
    a.on_done(move || {
        let Some(w) = weak.upgrade() else { return };
        let finished: Vec<Finished> = ib
            .lock()
            .map(|mut q| q.drain(..).collect())
            .unwrap_or_default();
        for f in finished {
            finish(&w, &st, f);
        }
        show(&w, &st);
    });
    super::evidence::connect(window, &state, &inbox);
    super::evidence::connect_signature(window, &state);
    let (weak, st) = (window.as_weak(), state);
    a.on_close_case(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        close(&w, &st);
    });
}

fn finish(w: &MainWindow, st: &Shared, f: Finished) {
    let a = w.global::<WizardAdapter>();
    let lang = st.borrow().lang;
    match f {
        Finished::Located(Ok(loc)) => {
            a.set_locating(false);
            if let Some(d) = st.borrow_mut().draft.as_mut() {
                d.location = Some(loc);
            }
            save(st);
            status(&a, true, lang.t("已获取卫星定位", "GNSS position taken"));
        }
        Finished::Located(Err(t)) => {
            a.set_locating(false);
            status(&a, false, t.get(lang));
        }
        Finished::Imported(done) => {
            a.set_importing(false);
            status(&a, done.ok, done.message.get(lang));
            if done.ok {
                st.borrow_mut().found.clear();
                a.set_found_text(SharedString::new());
            }
        }
    }
}

/// The next button: the step's errors, or on to the next step (opening
/// the case when leaving time and place).
fn next(w: &MainWindow, st: &Shared) {
    let a = w.global::<WizardAdapter>();
    let (lang, assets) = {
        let s = st.borrow();
        (s.lang, s.assets.clone())
    };
    let Some(mut d) = st.borrow().draft.clone() else {
        return;
    };
    let errs = d.errors(d.step, Terminal::now().date_naive(), &assets);
    if !errs.is_empty() {
        set_errors(st, errs);
        status(
            &a,
            false,
            lang.t(
                "请按红字提示更正后再继续",
                "Correct the fields in red, then continue",
            ),
        );
        show(w, st);
        return;
    }
    set_errors(st, Vec::new());
    a.set_status(SharedString::new());
    if d.step == step::PLACE && !d.opened() {
        let Some(officers) = st.borrow().officers.clone() else {
            return;
        };
        let r = st
            .borrow()
            .term
            .drafts()
            .open(&officers, &mut d, Terminal::now(), &assets);
        match r {
            Ok(()) => {
                let no = d.case_no.clone().unwrap_or_default();
                status(
                    &a,
                    true,
                    lang.t(
                        format!("已立号并签名：{no}"),
                        format!("Case opened and signed: {no}"),
                    ),
                );
            }
            Err(StepError::Invalid { step, errs }) => {
                d.step = step;
                st.borrow_mut().draft = Some(d);
                set_errors(st, errs);
                status(
                    &a,
                    false,
                    lang.t("请按红字提示更正", "Correct the fields in red"),
                );
                save(st);
                show(w, st);
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "case not opened");
                let t = Text2::new(
                    format!("立号失败，草稿已保存：{e}"),
                    format!("Could not open the case; the draft is saved: {e}"),
                );
                status(&a, false, t.get(lang));
                return;
            }
        }
    }
    d.move_step(true);
    st.borrow_mut().draft = Some(d);
    save(st);
    show(w, st);
}

/// The close button: closes and signs the case, or shows the first step
/// that is not complete.
fn close(w: &MainWindow, st: &Shared) {
    let a = w.global::<WizardAdapter>();
    let (lang, assets) = {
        let s = st.borrow();
        (s.lang, s.assets.clone())
    };
    let (Some(d), Some(officers)) = (st.borrow().draft.clone(), st.borrow().officers.clone())
    else {
        return;
    };
    let r = st
        .borrow()
        .term
        .drafts()
        .close(&officers, &d, Terminal::now().date_naive(), &assets);
    match r {
        Ok(_) => {
            let no = d.case_no.clone().unwrap_or_default();
            tracing::info!(case = %no, "case closed");
            st.borrow_mut().draft = None;
            go(w, st, screen::HOME);
            let h = w.global::<super::HomeAdapter>();
            h.set_status_ok(true);
            h.set_status(
                lang.t(
                    format!("已结案并签名：{no}"),
                    format!("Case closed and signed: {no}"),
                )
                .into(),
            );
        }
        Err(StepError::Invalid { step, errs }) => {
            if let Some(d) = st.borrow_mut().draft.as_mut() {
                d.step = step;
            }
            save(st);
            set_errors(st, errs);
            let (zh, en) = STEPS[step];
            status(
                &a,
                false,
                lang.t(
                    format!("“{zh}”一步尚未完成，请按红字提示补充"),
                    format!("Step “{en}” is not complete: see the fields in red"),
                ),
            );
            show(w, st);
        }
        Err(e) => {
            tracing::error!(error = %e, "case not closed");
            status(
                &a,
                false,
                lang.t(
                    format!("结案失败，草稿已保存：{e}"),
                    format!("Could not close; the draft is saved: {e}"),
                ),
            );
        }
    }
}

/// The errors still true of the draft among those shown: an error leaves
/// as soon as its field is valid; no new error appears before the officer
/// presses next.
pub(super) fn still_wrong(st: &Shared) -> Vec<FieldError> {
    let s = st.borrow();
    let Some(d) = &s.draft else { return Vec::new() };
    let now = d.errors(d.step, Terminal::now().date_naive(), &s.assets);
    now.into_iter()
        .filter(|e| s.shown.iter().any(|o| o.field == e.field))
        .collect()
}

/// The error text of one field.
pub(super) fn error_of(errs: &[FieldError], f: Field, lang: Lang) -> SharedString {
    errs.iter()
        .filter(|e| e.field == f)
        .map(|e| lang.t(e.zh.clone(), e.en.clone()))
        .collect::<Vec<_>>()
        .join("；")
        .into()
}
