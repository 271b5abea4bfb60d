//! Slint glue: one `connect_*` per adapter, forwarding to [`Terminal`].
//! No domain logic here; long work (sync) runs on a worker thread and
//! reports back through the event loop.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use chrono::DateTime;
use fieldcase_shared::model::{CheckField, CheckInput, OfficerPair};
use fieldcase_shared::validate::{self, ValidationError};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use crate::core::{AppError, Terminal};

/// The code Slint generates from `app/ui/`.
#[allow(clippy::unwrap_used, missing_docs)]
mod generated {
    slint::include_modules!();
}
pub use generated::*;

/// What the window works on.
struct State {
    term: Terminal,
    officers: Option<OfficerPair>,
    data_dir: Option<PathBuf>,
    server: Option<String>,
    /// The background sync worker, when one runs.
    waker: Option<crate::background::Waker>,
}

/// How the window syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Only when the sync button is pressed.
    OnDemand,
    /// A background worker syncs whenever there is something to send,
    /// with backoff after failures; the button syncs at once.
    Background,
}

/// Builds the main window over `term`. With `data_dir` and `server` the
/// sync button is offered (the worker opens its own connection to the store).
pub fn build(
    term: Terminal,
    data_dir: Option<PathBuf>,
    server: Option<String>,
) -> Result<MainWindow, slint::PlatformError> {
    build_with(term, data_dir, server, SyncMode::OnDemand)
}

/// [`build`] with a choice of [`SyncMode`].
pub fn build_with(
    term: Terminal,
    data_dir: Option<PathBuf>,
    server: Option<String>,
    mode: SyncMode,
) -> Result<MainWindow, slint::PlatformError> {
    let window = MainWindow::new()?;
    window
        .global::<SignInAdapter>()
        .set_device_key(term.public_key().to_string().into());
    let can_sync = data_dir.is_some() && server.is_some();
    window.global::<CheckAdapter>().set_can_sync(can_sync);
    let waker = match (&data_dir, &server, mode) {
        (Some(dir), Some(server), SyncMode::Background) => {
            let (tx, rx) = std::sync::mpsc::channel();
            let weak = window.as_weak();
            crate::background::spawn(
                dir.clone(),
                server.clone(),
                crate::background::Schedule::default(),
                rx,
                move |event| {
                    let _ = weak.upgrade_in_event_loop(move |w| show_sync_event(&w, event));
                },
            );
            Some(crate::background::Waker(tx))
        }
        _ => None,
    };
    let state = Rc::new(RefCell::new(State {
        term,
        officers: None,
        data_dir,
        server,
        waker,
    }));
    connect_sign_in(&window, state.clone());
    connect_check(&window, state);
    Ok(window)
}

fn zh(e: &ValidationError) -> SharedString {
    e.zh().into()
}

fn connect_sign_in(window: &MainWindow, state: Rc<RefCell<State>>) {
    let weak = window.as_weak();
    window.global::<SignInAdapter>().on_sign_in(move || {
        let Some(w) = weak.upgrade() else { return };
        let a = w.global::<SignInAdapter>();
        let ea = validate::cert_no(&a.get_officer_a()).err();
        let eb = validate::cert_no(&a.get_officer_b()).err();
        a.set_error_a(ea.as_ref().map(zh).unwrap_or_default());
        a.set_error_b(eb.as_ref().map(zh).unwrap_or_default());
        a.set_error(SharedString::new());
        if ea.is_some() || eb.is_some() {
            return;
        }
        match OfficerPair::new(&a.get_officer_a(), &a.get_officer_b()) {
            Ok(pair) => {
                w.global::<CheckAdapter>()
                    .set_officers(pair.cert_nos().join(" / ").into());
                state.borrow_mut().officers = Some(pair);
                refresh(&w, &state.borrow());
                w.global::<Nav>().set_screen(1);
            }
            Err(e) => a.set_error(zh(&e)),
        }
    });
}

fn status_zh(status: &str) -> &'static str {
    match status {
        "closed" => "已结案",
        _ => "进行中",
    }
}

fn refresh(w: &MainWindow, state: &State) {
    let c = w.global::<CheckAdapter>();
    match (
        state.term.store.cases(200),
        state.term.store.unsynced_count(),
    ) {
        (Ok(cases), Ok(unsynced)) => {
            let items: Vec<RecordItem> = cases
                .iter()
                .map(|r| RecordItem {
                    case_no: r.case_no.clone().into(),
                    plate: r.plate.clone().into(),
                    party: if r.party_name.is_empty() {
                        r.party_id.clone().into()
                    } else {
                        r.party_name.clone().into()
                    },
                    time: DateTime::parse_from_rfc3339(&r.opened_at)
                        .map(|t| t.format("%m-%d %H:%M").to_string())
                        .unwrap_or_else(|_| r.opened_at.clone())
                        .into(),
                    status: status_zh(&r.status).into(),
                    synced: r.unsynced == 0,
                })
                .collect();
            c.set_records(ModelRc::new(VecModel::from(items)));
            c.set_unsynced(i32::try_from(unsynced).unwrap_or(i32::MAX));
        }
        (Err(e), _) | (_, Err(e)) => {
            c.set_status_ok(false);
            c.set_status(format!("读取本地记录失败：{e}").into());
        }
    }
}

fn connect_check(window: &MainWindow, state: Rc<RefCell<State>>) {
    let weak = window.as_weak();
    let st = state.clone();
    window.global::<CheckAdapter>().on_save(move || {
        let Some(w) = weak.upgrade() else { return };
        let c = w.global::<CheckAdapter>();
        let input = CheckInput {
            plate: c.get_plate().into(),
            party_id: c.get_party_id().into(),
            party_name: c.get_party_name().into(),
            place: c.get_place().into(),
            note: c.get_note().into(),
        };
        for set in [
            CheckAdapter::set_plate_error,
            CheckAdapter::set_party_error,
            CheckAdapter::set_place_error,
            CheckAdapter::set_note_error,
        ] {
            set(&c, SharedString::new());
        }
        let mut s = st.borrow_mut();
        let Some(officers) = s.officers.clone() else {
            w.global::<Nav>().set_screen(0);
            return;
        };
        match s
            .term
            .record_check(&officers, &input, None, Terminal::now())
        {
            Ok(saved) => {
                for set in [
                    CheckAdapter::set_plate,
                    CheckAdapter::set_party_id,
                    CheckAdapter::set_party_name,
                    CheckAdapter::set_note,
                ] {
                    set(&c, SharedString::new());
                }
                c.set_status_ok(true);
                c.set_status(format!("已保存并签名：{}", saved.case_no).into());
            }
            Err(AppError::Invalid(errs)) => {
                for (field, e) in errs {
                    let set = match field {
                        CheckField::Plate => CheckAdapter::set_plate_error,
                        CheckField::PartyId => CheckAdapter::set_party_error,
                        CheckField::Place => CheckAdapter::set_place_error,
                        CheckField::Note => CheckAdapter::set_note_error,
                    };
                    set(&c, zh(&e));
                }
                c.set_status_ok(false);
                c.set_status("请按红字提示更正后再保存".into());
            }
            Err(e) => {
                c.set_status_ok(false);
                c.set_status(format!("保存失败，记录未写入：{e}").into());
            }
        }
        refresh(&w, &s);
    });

    let weak = window.as_weak();
    let st = state.clone();
    window.global::<CheckAdapter>().on_sign_out(move || {
        let Some(w) = weak.upgrade() else { return };
        st.borrow_mut().officers = None;
        let a = w.global::<SignInAdapter>();
        a.set_officer_a(SharedString::new());
        a.set_officer_b(SharedString::new());
        w.global::<CheckAdapter>().set_status(SharedString::new());
        w.global::<Nav>().set_screen(0);
    });

    let weak = window.as_weak();
    let st = state.clone();
    window.global::<CheckAdapter>().on_refresh(move || {
        if let Some(w) = weak.upgrade() {
            refresh(&w, &st.borrow());
        }
    });

    let weak = window.as_weak();
    window.global::<CheckAdapter>().on_sync(move || {
        let Some(w) = weak.upgrade() else { return };
        let c = w.global::<CheckAdapter>();
        if let Some(waker) = &state.borrow().waker {
            c.set_syncing(true);
            waker.wake();
            return;
        }
        let target = {
            let s = state.borrow();
            (s.data_dir.clone(), s.server.clone())
        };
        let (Some(dir), Some(server)) = target else {
            return;
        };
        c.set_syncing(true);
        let weak = w.as_weak();
        std::thread::spawn(move || {
            let outcome = match Terminal::open(&dir) {
                Ok(mut t) => crate::sync::sync(&mut t, &server).map_err(|e| e.zh()),
                Err(e) => Err(format!("无法打开本机数据：{e}")),
            };
            let _ = weak.upgrade_in_event_loop(move |w| {
                show_sync_event(&w, crate::background::SyncEvent::Done(outcome))
            });
        });
    });
}

/// Shows a sync event on the check screen.
fn show_sync_event(w: &MainWindow, event: crate::background::SyncEvent) {
    use crate::background::SyncEvent;
    let c = w.global::<CheckAdapter>();
    match event {
        SyncEvent::Started => c.set_syncing(true),
        SyncEvent::Progress(line) => c.set_status(line.into()),
        SyncEvent::Waiting(_) => {}
        SyncEvent::Done(outcome) => {
            let (ok, msg) = match outcome {
                Ok(r) => {
                    let mut msg = format!(
                        "同步完成：发送 {} 条，服务器新收 {} 条，已有 {} 条；上传证据 {} 个",
                        r.sent, r.new, r.already_held, r.blobs_uploaded
                    );
                    if r.messages > 0 {
                        msg.push_str(&format!("；收到后台消息 {} 条", r.messages));
                    }
                    if !r.clock_flags.is_empty() {
                        msg.push_str("；服务器发现本机时钟异常，请校准时间");
                    }
                    (true, msg)
                }
                Err(e) => (false, format!("同步失败（记录仍保存在本机）：{e}")),
            };
            c.set_syncing(false);
            c.set_status_ok(ok);
            c.set_status(msg.into());
            c.invoke_refresh();
        }
    }
}
