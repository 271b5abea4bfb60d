//! Settings (device facts, language, auto-lock, disc medium, enrolment)
//! and the messages from the back office.

use chrono::Local;
use slint::{ComponentHandle, ModelRc, VecModel};

use super::{
    activity, go, screen, set_language, Line, MainWindow, MessageItem, SettingsAdapter, Shared,
};
use crate::core::{Lang, Text2};
use crate::overview::DeviceFacts;

fn facts(f: &DeviceFacts, lang: Lang) -> Vec<Line> {
    let mut out = Vec::new();
    let code = |zh: &str, en: &str, v: &str| Line {
        label: lang.t(zh, en).into(),
        value: v.into(),
        code: true,
    };
    out.push(code("设备 ID", "Device ID", &f.device_id));
    out.push(code("设备公钥", "Device public key", &f.public_key));
    let mut fact = |zh: &str, en: &str, v: String| {
        out.push(Line {
            label: lang.t(zh, en).into(),
            value: v.into(),
            code: false,
        })
    };
    fact(
        "登记状态",
        "Enrolment",
        if f.enrolled {
            lang.t(
                "已登记，持有单位签发的设备证书",
                "Enrolled: holds an agency-signed device certificate",
            )
        } else {
            lang.t(
                "未登记：请向后台申请登记码，在下方输入或扫描二维码后登记",
                "Not enrolled: get an enrolment code from the back office and enter or scan it below",
            )
        },
    );
    fact(
        "同步服务器",
        "Sync server",
        f.server
            .clone()
            .unwrap_or_else(|| lang.t("未设置", "not set")),
    );
    if let Some(n) = &f.numbers {
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
        let gaps: Vec<String> = n
            .gaps
            .iter()
            .map(|g| match g.from == g.to {
                true => format!("{:05}", g.from),
                false => format!("{:05}–{:05}", g.from, g.to),
            })
            .collect();
        fact(
            "缺号",
            "Gaps",
            if gaps.is_empty() {
                lang.t("无", "none")
            } else {
                gaps.join("，")
            },
        );
    }
    let officers: Vec<String> = f.officers.iter().map(|(c, n)| format!("{n} {c}")).collect();
    fact(
        "本机执法人员",
        "Officers on this device",
        officers.join("，"),
    );
    fact(
        "软件版本",
        "App version",
        env!("CARGO_PKG_VERSION").to_owned(),
    );
    out
}

pub(super) fn refresh(w: &MainWindow, st: &Shared) {
    let a = w.global::<SettingsAdapter>();
    let s = st.borrow();
    let f = s.term.overview().device(s.server.as_deref());
    a.set_enrolled(f.enrolled);
    if a.get_enrol_server().is_empty() {
        if let Some(server) = &f.server {
            a.set_enrol_server(server.into());
        }
    }
    a.set_facts(ModelRc::new(VecModel::from(facts(&f, s.lang))));
    let settings = s.term.settings();
    a.set_medium(settings.medium().name().into());
    a.set_lock_minutes(settings.lock_minutes() as i32);
    if a.get_printer_uri().is_empty() {
        if let Some(p) = crate::papers::kept_printer(&s.term) {
            a.set_printer_uri(p.into());
        }
    }
    if a.get_printer_state().is_empty() {
        let queued = crate::papers::queued_count(&s.term);
        if queued > 0 {
            a.set_printer_ready(false);
            a.set_printer_state(
                s.lang
                    .t(
                        format!("队列中 {queued} 份文书等待打印"),
                        format!("{queued} documents waiting to print"),
                    )
                    .into(),
            );
        }
    }
}

pub(super) fn refresh_messages(w: &MainWindow, st: &Shared) {
    let a = w.global::<SettingsAdapter>();
    let s = st.borrow();
    let lang = s.lang;
    let (list, unread) = s.term.overview().read_messages().unwrap_or_default();
    let items: Vec<MessageItem> = list
        .into_iter()
        .map(|m| {
            let kind = match m.kind.as_str() {
                "case_returned" => lang.t("退回案件", "Case returned"),
                "task" => lang.t("任务", "Task"),
                _ => lang.t("通知", "Notice"),
            };
            let case_no = m.case_no.clone().unwrap_or_default();
            MessageItem {
                title: format!("{kind} {case_no}").trim().to_owned().into(),
                text: m.text.clone().into(),
                time: m
                    .created_at
                    .with_timezone(&Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
                    .into(),
                unread: unread.contains(&m.id),
                case_no: case_no.into(),
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
        let saved = st.borrow().term.settings().set_medium(&m);
        if let Err(e) = saved {
            status(
                &w,
                false,
                Text2::new(e.to_string(), e.to_string()),
                st.borrow().lang,
            );
        }
        refresh(&w, &st);
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_set_lock(move |m| {
        let Some(w) = weak.upgrade() else { return };
        if let Err(e) = st
            .borrow()
            .term
            .settings()
            .set_lock_minutes(m.max(1) as u64)
        {
            tracing::warn!(error = %e, "auto-lock not saved");
        }
        activity(&w, &st);
        refresh(&w, &st);
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_open_case(move |case_no| {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        super::cases::open_by_number(&w, &st, &case_no);
    });
    let (weak, st) = (window.as_weak(), state.clone());
    a.on_check_printer(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        let a = w.global::<SettingsAdapter>();
        let lang = st.borrow().lang;
        let uri = a.get_printer_uri().to_string();
        match crate::papers::check_printer(&st.borrow().term, Some(&uri)) {
            Ok(c) => {
                a.set_printer_ready(c.ready);
                a.set_printer_state(lang.t(c.zh, c.en).into());
            }
            Err(crate::core::AppError::Refused { zh, en }) => {
                a.set_printer_ready(false);
                a.set_printer_state(lang.t(zh, en).into());
            }
            Err(e) => {
                a.set_printer_ready(false);
                a.set_printer_state(e.to_string().into());
            }
        }
    });
    connect_enrol(window, &state);
    let (weak, st) = (window.as_weak(), state);
    a.on_back(move || {
        let Some(w) = weak.upgrade() else { return };
        activity(&w, &st);
        go(&w, &st, screen::HOME);
    });
}

fn status(w: &MainWindow, ok: bool, t: Text2, lang: Lang) {
    let a = w.global::<SettingsAdapter>();
    a.set_status_ok(ok);
    a.set_status(t.get(lang).into());
}

/// Enrolment from the window: the code (or scanned QR payload) is redeemed
/// by the sync controller's background job.
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
        crate::sync::spawn_enrol(dir, code, server, move |outcome| {
            let (ok, t, server) = match outcome {
                Ok(e) => (true, e.message, e.server),
                Err(t) => (false, t, String::new()),
            };
            let _ = weak.upgrade_in_event_loop(move |w| {
                w.global::<SettingsAdapter>().invoke_enrol_done(
                    ok,
                    t.zh.into(),
                    t.en.into(),
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
