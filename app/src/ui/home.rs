//! Home: today's work, sync, drafts, the way to everything else.

use chrono::{DateTime, Local, TimeZone};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{
    activity, go, human_size, screen, wizard, DraftItem, HomeAdapter, MainWindow, Shared, MEDIUM,
};
use crate::background::SyncEvent;
use crate::core::Terminal;

pub(super) fn connect(window: &MainWindow, state: Shared) {
    let h = window.global::<HomeAdapter>();
    let weak = window.as_weak();
    let st = state.clone();
    h.on_new_check(move || {
        if let Some(w) = weak.upgrade() {
            activity(&w, &st);
            wizard::start(&w, &st, None);
        }
    });
    let weak = window.as_weak();
    let st = state.clone();
    h.on_resume(move |id| {
        if let Some(w) = weak.upgrade() {
            activity(&w, &st);
            wizard::start(&w, &st, Some(id.to_string()));
        }
    });
    let nav = |to: i32| {
        let weak = window.as_weak();
        let st = state.clone();
        move || {
            if let Some(w) = weak.upgrade() {
                activity(&w, &st);
                go(&w, &st, to);
            }
        }
    };
    h.on_open_cases(nav(screen::CASES));
    h.on_open_settings(nav(screen::SETTINGS));
    h.on_open_messages(nav(screen::MESSAGES));
    let weak = window.as_weak();
    let st = state.clone();
    h.on_sign_out(move || {
        let Some(w) = weak.upgrade() else { return };
        st.borrow().lock_timer.stop();
        let draft = st.borrow_mut().draft.take();
        if let Some(d) = draft {
            let _ = st.borrow().term.save_draft(&d);
        }
        st.borrow_mut().officers = None;
        let a = w.global::<super::SignInAdapter>();
        a.set_officer_a(SharedString::new());
        a.set_officer_b(SharedString::new());
        a.set_locked(false);
        w.global::<HomeAdapter>().set_status(SharedString::new());
        go(&w, &st, screen::SIGN_IN);
    });
    let weak = window.as_weak();
    let st = state.clone();
    h.on_refresh(move || {
        if let Some(w) = weak.upgrade() {
            refresh(&w, &st);
        }
    });
    let weak = window.as_weak();
    h.on_sync(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &state);
        let h = w.global::<HomeAdapter>();
        if let Some(waker) = &state.borrow().waker {
            h.set_syncing(true);
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
        h.set_syncing(true);
        let weak = w.as_weak();
        std::thread::spawn(move || {
            let outcome = match Terminal::open(&dir) {
                Ok(mut t) => crate::sync::sync(&mut t, &server).map_err(|e| e.zh()),
                Err(e) => Err(format!("无法打开本机数据：{e}")),
            };
            let _ =
                weak.upgrade_in_event_loop(move |w| show_sync_event(&w, SyncEvent::Done(outcome)));
        });
    });
}

fn free_space(dir: &std::path::Path) -> Option<u64> {
    let s = rustix::fs::statvfs(dir).ok()?;
    Some(s.f_bavail.saturating_mul(s.f_frsize))
}

/// Capacity in bytes of a disc medium name.
pub(crate) fn medium_capacity(name: &str) -> Option<u64> {
    fieldcase_shared::casebag::Medium::parse(name).map(|m| m.capacity())
}

pub(super) fn refresh(w: &MainWindow, st: &Shared) {
    let h = w.global::<HomeAdapter>();
    let s = st.borrow();
    let lang = s.lang;
    if let Some(o) = &s.officers {
        h.set_officers(
            o.0.iter()
                .map(|o| format!("{} {}", o.name.clone().unwrap_or_default(), o.cert_no))
                .collect::<Vec<_>>()
                .join(" / ")
                .into(),
        );
    }
    let store = &s.term.store;
    h.set_unsynced(store.unsynced_count().map(|n| n as i32).unwrap_or(-1));
    h.set_last_sync(
        store
            .setting(crate::sync::LAST_SYNC)
            .ok()
            .flatten()
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Local).format("%m-%d %H:%M").to_string())
            .unwrap_or_else(|| lang.t("从未", "never"))
            .into(),
    );
    let midnight = Local::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|m| Local.from_local_datetime(&m).single());
    let today = midnight
        .map(|m| m.fixed_offset().to_rfc3339())
        .unwrap_or_default();
    h.set_closed_today(store.closed_since(&today).map(|n| n as i32).unwrap_or(0));
    h.set_storage_left(
        s.data_dir
            .as_deref()
            .and_then(free_space)
            .map(human_size)
            .unwrap_or_else(|| "—".into())
            .into(),
    );
    let medium = store
        .setting(MEDIUM)
        .ok()
        .flatten()
        .unwrap_or_else(|| "dvd".into());
    let disc = medium_capacity(&medium).map(|cap| {
        let used = store.largest_open_case_bytes().unwrap_or(0);
        format!(
            "{} / {}",
            human_size(cap.saturating_sub(used)),
            medium.to_uppercase()
        )
    });
    h.set_disc_left(disc.unwrap_or_else(|| "—".into()).into());
    let year = chrono::Datelike::year(&Local::now());
    h.set_numbers_left(
        store
            .case_numbers(year)
            .map(|n| {
                if n.gaps.is_empty() {
                    n.remaining.to_string()
                } else {
                    lang.t(
                        format!("{}（缺号 {}）", n.remaining, n.gaps.len()),
                        format!("{} ({} gaps)", n.remaining, n.gaps.len()),
                    )
                }
            })
            .unwrap_or_default()
            .into(),
    );
    h.set_unread(store.unread_messages().map(|n| n as i32).unwrap_or(0));
    let drafts: Vec<DraftItem> = s
        .term
        .drafts()
        .unwrap_or_default()
        .into_iter()
        .map(|d| DraftItem {
            id: d.id.clone().into(),
            title: format!(
                "{}  {}",
                d.case_no
                    .clone()
                    .unwrap_or_else(|| lang.t("未立号", "not opened")),
                if d.plate.is_empty() {
                    "—".to_owned()
                } else {
                    d.plate.clone()
                }
            )
            .into(),
            subtitle: lang
                .t(
                    format!(
                        "第 {}/{} 步 {}",
                        d.step + 1,
                        crate::check::STEPS.len(),
                        crate::check::STEPS[d.step.min(8)].0
                    ),
                    format!(
                        "Step {}/{} {}",
                        d.step + 1,
                        crate::check::STEPS.len(),
                        crate::check::STEPS[d.step.min(8)].1
                    ),
                )
                .into(),
        })
        .collect();
    h.set_drafts(ModelRc::new(VecModel::from(drafts)));
}

/// Shows a sync event on the home screen.
pub fn show_sync_event(w: &MainWindow, event: SyncEvent) {
    let h = w.global::<HomeAdapter>();
    match event {
        SyncEvent::Started => h.set_syncing(true),
        SyncEvent::Progress(line) => h.set_status(line.into()),
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
            h.set_syncing(false);
            h.set_status_ok(ok);
            h.set_status(msg.into());
            h.invoke_refresh();
        }
    }
}
