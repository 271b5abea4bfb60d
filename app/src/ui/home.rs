//! Home: today's work, sync, drafts, the way to everything else.

use chrono::Local;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::{activity, go, human_size, screen, wizard, DraftItem, HomeAdapter, MainWindow, Shared};
use crate::background::SyncEvent;
use crate::check::STEPS;
use crate::core::Lang;
use crate::overview::HomeFacts;

pub(super) fn connect(window: &MainWindow, state: Shared) {
    let h = window.global::<HomeAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    h.on_new_check(move || {
        if let Some(w) = weak.upgrade() {
            activity(&w, &st);
            wizard::start(&w, &st, None);
        }
    });
    let (weak, st) = (window.as_weak(), state.clone());
    h.on_resume(move |id| {
        if let Some(w) = weak.upgrade() {
            activity(&w, &st);
            if let Ok(id) = id.parse() {
                wizard::start(&w, &st, Some(id));
            }
        }
    });
    let nav = |to: i32| {
        let (weak, st) = (window.as_weak(), state.clone());
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
    let (weak, st) = (window.as_weak(), state.clone());
    h.on_sign_out(move || {
        let Some(w) = weak.upgrade() else { return };
        st.borrow().lock_timer.stop();
        super::put_draft_away(&st);
        let a = w.global::<super::SignInAdapter>();
        a.set_officer_a(SharedString::new());
        a.set_officer_b(SharedString::new());
        a.set_locked(false);
        w.global::<HomeAdapter>().set_status(SharedString::new());
        go(&w, &st, screen::SIGN_IN);
    });
    let (weak, st) = (window.as_weak(), state.clone());
    h.on_refresh(move || {
        if let Some(w) = weak.upgrade() {
            refresh(&w, &st);
        }
    });
    let weak = window.as_weak();
    h.on_sync(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &state);
        sync_now(&w, &state);
    });
}

/// The sync button: wakes the background worker, or runs one sync job.
fn sync_now(w: &MainWindow, st: &Shared) {
    let h = w.global::<HomeAdapter>();
    if let Some(waker) = &st.borrow().waker {
        h.set_syncing(true);
        waker.wake();
        return;
    }
    let (Some(dir), Some(server)) = ({
        let s = st.borrow();
        (s.data_dir.clone(), s.server.clone())
    }) else {
        return;
    };
    h.set_syncing(true);
    let weak = w.as_weak();
    crate::sync::spawn_sync(dir, server, move |outcome| {
        let _ = weak.upgrade_in_event_loop(move |w| show_sync_event(&w, SyncEvent::Done(outcome)));
    });
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
    let f = s.term.overview().home(s.data_dir.as_deref());
    show_facts(&h, &f, lang);
    h.set_drafts(ModelRc::new(VecModel::from(drafts(&f, lang))));
}

fn show_facts(h: &HomeAdapter, f: &HomeFacts, lang: Lang) {
    h.set_unsynced(f.unsynced.map_or(-1, |n| n as i32));
    h.set_last_sync(
        f.last_sync
            .map(|t| t.with_timezone(&Local).format("%m-%d %H:%M").to_string())
            .unwrap_or_else(|| lang.t("从未", "never"))
            .into(),
    );
    h.set_closed_today(f.closed_today as i32);
    h.set_storage_left(
        f.storage_left
            .map(human_size)
            .unwrap_or_else(|| "—".into())
            .into(),
    );
    let (left, medium) = f.disc_left;
    h.set_disc_left(format!("{} / {}", human_size(left), medium.name().to_uppercase()).into());
    h.set_numbers_left(
        f.numbers
            .as_ref()
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
    h.set_unread(f.unread as i32);
}

fn drafts(f: &HomeFacts, lang: Lang) -> Vec<DraftItem> {
    f.drafts
        .iter()
        .map(|d| {
            let (zh, en) = STEPS[d.step.min(STEPS.len() - 1)];
            let plate = if d.plate.is_empty() { "—" } else { &d.plate };
            DraftItem {
                id: d.id.to_string().into(),
                title: format!(
                    "{}  {plate}",
                    d.case_no
                        .clone()
                        .unwrap_or_else(|| lang.t("未立号", "not opened"))
                )
                .into(),
                subtitle: lang
                    .t(
                        format!("第 {}/{} 步 {zh}", d.step + 1, STEPS.len()),
                        format!("Step {}/{} {en}", d.step + 1, STEPS.len()),
                    )
                    .into(),
            }
        })
        .collect()
}

/// Shows a sync event on the home screen.
pub fn show_sync_event(w: &MainWindow, event: SyncEvent) {
    let h = w.global::<HomeAdapter>();
    let lang = Lang::parse(&w.global::<super::SignInAdapter>().get_language()).unwrap_or_default();
    match event {
        SyncEvent::Started => h.set_syncing(true),
        SyncEvent::Progress(line) => h.set_status(line.into()),
        SyncEvent::Waiting(_) => {}
        SyncEvent::Done(outcome) => {
            let (ok, msg) = match outcome {
                Ok(r) => {
                    let mut msg = lang.t(
                        format!(
                            "同步完成：发送 {} 条，服务器新收 {} 条，已有 {} 条；上传证据 {} 个",
                            r.sent, r.new, r.already_held, r.blobs_uploaded
                        ),
                        format!(
                            "Synced: {} sent, {} new on the server, {} already held; {} evidence files uploaded",
                            r.sent, r.new, r.already_held, r.blobs_uploaded
                        ),
                    );
                    if r.messages > 0 {
                        msg.push_str(&lang.t(
                            format!("；收到后台消息 {} 条", r.messages),
                            format!("; {} messages from the back office", r.messages),
                        ));
                    }
                    if !r.clock_flags.is_empty() {
                        msg.push_str(&lang.t(
                            "；服务器发现本机时钟异常，请校准时间",
                            "; the server found this device's clock wrong: set the time",
                        ));
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
