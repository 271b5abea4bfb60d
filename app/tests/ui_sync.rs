//! The sync button, against a real sync server on loopback: the sync runs on
//! a worker thread while the window's event loop keeps going, and the screen
//! then shows the outcome and the unsynced count drops to zero.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::time::{Duration, Instant};

use chrono::Utc;
use fieldcase_app::core::Terminal;
use fieldcase_app::ui;
use fieldcase_sync_server::store::{Device, Store};

mod common;
use common::start_server;
use common::ui::{find, shows_prefix, value as value_of};
use i_slint_backend_testing::AccessibleRole;
use slint::ComponentHandle;

/// Presses the sync button and runs the event loop until the worker reports back.
fn element(
    w: &ui::MainWindow,
    label: &str,
    role: AccessibleRole,
) -> i_slint_backend_testing::ElementHandle {
    find(w, label, role).unwrap_or_else(|| panic!("no {role:?} labelled {label:?} on screen"))
}

fn sync_and_wait(w: &ui::MainWindow) {
    element(w, "立即同步", AccessibleRole::Button).invoke_accessible_default_action();
    // The window is not blocked: the button says it is working.
    assert!(shows_prefix(w, "同步中"), "button shows sync in progress");
    let weak = w.as_weak();
    let started = Instant::now();
    let timer = slint::Timer::default();
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(50),
        move || {
            let done = weak
                .upgrade()
                .is_some_and(|w| !w.global::<ui::HomeAdapter>().get_syncing());
            if done || started.elapsed() > Duration::from_secs(30) {
                let _ = slint::quit_event_loop();
            }
        },
    );
    slint::run_event_loop().expect("event loop");
}

#[test]
fn sync_button_pushes_records_without_blocking_the_window() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("terminal");
    let term = Terminal::open(&dir).expect("terminal");
    term.officers().add("65010023", "王军", "246810").unwrap();
    term.officers().add("65010031", "李娜", "135790").unwrap();
    fieldcase_app::demo::opened_case(&term).unwrap();
    let key = term.public_key();
    let (url, store) = start_server();
    let w = ui::build(term, Some(dir.clone()), Some(url)).expect("window");
    w.window().set_size(slint::LogicalSize::new(360.0, 720.0));
    w.show().expect("show");

    // The key the back office needs is on the sign-in screen.
    assert_eq!(value_of(&w, "设备公钥"), key.to_string());
    element(&w, "主办人员执法证号", AccessibleRole::TextInput).set_accessible_value("65010023");
    element(&w, "主办人员 PIN", AccessibleRole::TextInput).set_accessible_value("246810");
    element(&w, "协办人员执法证号", AccessibleRole::TextInput).set_accessible_value("65010031");
    element(&w, "协办人员 PIN", AccessibleRole::TextInput).set_accessible_value("135790");
    element(&w, "签到并开始", AccessibleRole::Button).invoke_accessible_default_action();
    assert_eq!(value_of(&w, "未同步数量"), "1");
    assert_eq!(value_of(&w, "上次同步"), "从未");

    // Not registered yet: the officers are told, in Chinese, what to do.
    sync_and_wait(&w);
    let status = value_of(&w, "状态");
    assert!(
        status.contains("本终端尚未在后台登记"),
        "unregistered device explained: {status:?}"
    );
    assert_eq!(value_of(&w, "未同步数量"), "1", "nothing lost");

    // The back office registers the key shown on the sign-in screen.
    store
        .add_device(&Device {
            id: key.device_id(),
            key,
            name: "测试终端".into(),
            added_at: Utc::now(),
        })
        .expect("register");
    sync_and_wait(&w);
    let status = value_of(&w, "状态");
    assert!(
        status.starts_with("同步完成：发送 1 条，服务器新收 1 条"),
        "sync outcome shown: {status:?}"
    );
    assert_eq!(value_of(&w, "未同步数量"), "0");
    assert_ne!(value_of(&w, "上次同步"), "从未", "last sync time shown");
}
