//! Settings (device facts, language, auto-lock, disc medium) and messages.

use chrono::{Datelike, Local};

use crate::core::Terminal;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::{
    activity, go, screen, set_language, Lang, Line, MainWindow, MessageItem, SettingsAdapter,
    Shared, LOCK_MINUTES, MEDIUM,
};

pub(super) fn refresh(w: &MainWindow, st: &Shared) {
    let a = w.global::<SettingsAdapter>();
    let s = st.borrow();
    let lang = s.lang;
    let store = &s.term.store;
    let mut facts = Vec::new();
    let mut fact = |zh: &str, en: &str, v: String| {
        facts.push(Line {
            label: lang.t(zh, en).into(),
            value: v.into(),
        })
    };
    fact("设备 ID", "Device ID", s.term.device_id().to_string());
    fact(
        "设备公钥",
        "Device public key",
        s.term.public_key().to_string(),
    );
    let cert = store.setting(crate::sync::DEVICE_CERT).ok().flatten();
    a.set_enrolled(cert.is_some());
    if a.get_enrol_server().is_empty() {
        if let Some(server) = &s.server {
            a.set_enrol_server(server.into());
        }
    }
    fact(
        "登记状态",
        "Enrolment",
        match cert {
            Some(_) => lang.t(
                "已登记，持有单位签发的设备证书",
                "Enrolled: holds an agency-signed device certificate",
            ),
            None => lang.t(
                "未登记：请向后台申请登记码，在下方输入或扫描二维码后登记",
                "Not enrolled: get an enrolment code from the back office and enter or scan it below",
            ),
        },
    );
    fact(
        "同步服务器",
        "Sync server",
        s.server
            .clone()
            .unwrap_or_else(|| lang.t("未设置", "not set")),
    );
    if let Ok(n) = store.case_numbers(Local::now().year()) {
        fact(
            "案号前缀",
            "Case number prefix",
            format!("{}〔{}〕", n.prefix, n.year),
        );
        fact(
            "案号号段",
            "Number range",
            lang.t(
                format!(
                    "{:05}–{:05}，已用 {}，剩余 {}",
                    n.range.0, n.range.1, n.used, n.remaining
                ),
                format!(
                    "{:05}–{:05}, {} used, {} left",
                    n.range.0, n.range.1, n.used, n.remaining
                ),
            ),
        );
        let gaps = n
            .gaps
            .iter()
            .map(|g| {
                if g.from == g.to {
                    format!("{:05}", g.from)
                } else {
                    format!("{:05}–{:05}", g.from, g.to)
                }
            })
            .collect::<Vec<_>>()
            .join("，");
        fact(
            "缺号",
            "Gaps",
            if gaps.is_empty() {
                lang.t("无", "none")
            } else {
                gaps
            },
        );
    }
    let officers = store
        .officers()
        .unwrap_or_default()
        .into_iter()
        .map(|(c, n)| format!("{n} {c}"))
        .collect::<Vec<_>>()
        .join("，");
    fact("本机执法人员", "Officers on this device", officers);
    fact(
        "软件版本",
        "App version",
        env!("CARGO_PKG_VERSION").to_owned(),
    );
    a.set_facts(ModelRc::new(VecModel::from(facts)));
    a.set_medium(
        store
            .setting(MEDIUM)
            .ok()
            .flatten()
            .unwrap_or_else(|| "dvd".into())
            .into(),
    );
    a.set_lock_minutes(
        store
            .setting(LOCK_MINUTES)
            .ok()
            .flatten()
            .and_then(|m| m.parse().ok())
            .unwrap_or(5),
    );
}

pub(super) fn refresh_messages(w: &MainWindow, st: &Shared) {
    let a = w.global::<SettingsAdapter>();
    let s = st.borrow();
    let lang = s.lang;
    let unread = s.term.store.mark_messages_read().unwrap_or_default();
    let items: Vec<MessageItem> = s
        .term
        .store
        .messages()
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            let kind = match m.kind.as_str() {
                "case_returned" => lang.t("退回案件", "Case returned"),
                "task" => lang.t("任务", "Task"),
                _ => lang.t("通知", "Notice"),
            };
            MessageItem {
                title: format!("{kind} {}", m.case_no.clone().unwrap_or_default())
                    .trim()
                    .to_owned()
                    .into(),
                text: m.text.clone().into(),
                time: m
                    .created_at
                    .with_timezone(&Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
                    .into(),
                unread: unread.contains(&m.id),
            }
        })
        .collect();
    a.set_messages(ModelRc::new(VecModel::from(items)));
}

pub(super) fn connect(window: &MainWindow, state: Shared) {
    let a = window.global::<SettingsAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_set_language(move |code| {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        if let Some(lang) = Lang::parse(&code) {
            set_language(&w, &st, lang);
            refresh(&w, &st);
        }
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_set_medium(move |m| {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let _ = st.borrow().term.store.set_setting(MEDIUM, &m);
        refresh(&w, &st);
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_set_lock(move |m| {
        let Some(w) = weak.upgrade() else { return };
        let _ = st
            .borrow()
            .term
            .store
            .set_setting(LOCK_MINUTES, &m.to_string());
        activity(&w, &st);
        refresh(&w, &st);
    });
    connect_enrol(window, &state);
    let (weak, st) = (window.as_weak(), state);
    a.on_back(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        go(&w, &st, screen::HOME);
    });
}

/// Enrolment from the window: the code (or scanned QR payload) is redeemed
/// on a worker thread, so a slow network never blocks the screen.
fn connect_enrol(window: &MainWindow, state: &Shared) {
    let a = window.global::<SettingsAdapter>();
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_enrol(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let a = w.global::<SettingsAdapter>();
        let lang = st.borrow().lang;
        let code = a.get_enrol_code().trim().to_owned();
        let server = a.get_enrol_server().trim().to_owned();
        if code.is_empty() {
            a.set_enrol_error(
                lang.t(
                    "请输入登记码，或扫描后台给出的二维码",
                    "Enter the enrolment code, or scan the back office's QR code",
                )
                .into(),
            );
            return;
        }
        let Some(dir) = st.borrow().data_dir.clone() else {
            a.set_enrol_error(lang.t("此窗口不能登记", "This window cannot enrol").into());
            return;
        };
        a.set_enrol_error("".into());
        a.set_enrolling(true);
        let weak = w.as_weak();
        std::thread::spawn(move || {
            let outcome = Terminal::open(&dir)
                .map_err(|e| (format!("本机存储无法打开：{e}"), e.to_string()))
                .and_then(|mut t| {
                    crate::sync::enrol_input(&mut t, &code, Some(&server), None)
                        .map_err(|e| (e.zh(), e.to_string()))
                });
            let (ok, zh, en, server) = match outcome {
                Ok((cert, server)) => (
                    true,
                    format!(
                        "登记成功：本终端为“{}”（执法证号 {}），服务器密钥已固定",
                        cert.name, cert.officer
                    ),
                    format!(
                        "Enrolled as \"{}\" (officer {}); the server key is pinned",
                        cert.name, cert.officer
                    ),
                    server,
                ),
                Err((zh, en)) => (false, zh, en, String::new()),
            };
            let _ = weak.upgrade_in_event_loop(move |w| {
                w.global::<SettingsAdapter>().invoke_enrol_done(
                    ok,
                    zh.into(),
                    en.into(),
                    server.into(),
                )
            });
        });
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_enrol_done(move |ok, zh, en, server| {
        let Some(w) = weak.upgrade() else { return };
        let a = w.global::<SettingsAdapter>();
        a.set_enrolling(false);
        let text = st.borrow().lang.t(zh.as_str(), en.as_str());
        if ok {
            a.set_enrol_code("".into());
            a.set_status(text.into());
            a.set_status_ok(true);
            super::use_server(&w, &st, server.to_string());
        } else {
            a.set_enrol_error(text.into());
        }
        refresh(&w, &st);
    });
}
