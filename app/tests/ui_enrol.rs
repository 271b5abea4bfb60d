//! Enrolling from the window, against a real sync server on loopback: a
//! wrong code is refused with the reason in Chinese; the scanned QR payload
//! enrols the terminal on a worker thread; the server is remembered and the
//! sync button appears.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use chrono::Utc;
use fieldcase_app::core::Terminal;
use fieldcase_app::ui;
use fieldcase_shared::cert::EnrolmentPayload;
use fieldcase_sync_server::enrol::{code_hash, new_code};
use fieldcase_sync_server::store::Store;

mod common;
use common::start_server;
use common::ui::{assert_fits, press, run_until, sees, status, type_in, value};
use slint::ComponentHandle;

#[test]
fn an_officer_enrols_the_terminal_from_settings() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    let term = Terminal::open(&dir).unwrap();
    term.store
        .add_officer("65010023", "王军", "246810")
        .unwrap();
    term.store
        .add_officer("65010031", "李娜", "135790")
        .unwrap();
    let (url, store) = start_server();
    let code = new_code();
    store
        .add_enrolment(
            &code_hash(&code),
            "65010023",
            "执法终端 11",
            Utc::now() + chrono::Duration::hours(1),
        )
        .unwrap();
    let info: serde_json::Value = ureq::get(format!("{url}/v1/info"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let payload = EnrolmentPayload {
        code: code.clone(),
        server_key: info["server_key"].as_str().unwrap().parse().unwrap(),
        url: url.clone(),
    }
    .to_uri();

    // No server configured: no sync button until enrolled.
    let w = ui::build(term, Some(dir.clone()), None).unwrap();
    w.window().set_size(slint::LogicalSize::new(360.0, 720.0));
    w.show().unwrap();
    type_in(&w, "主办人员执法证号", "65010023");
    type_in(&w, "主办人员 PIN", "246810");
    type_in(&w, "协办人员执法证号", "65010031");
    type_in(&w, "协办人员 PIN", "135790");
    press(&w, "签到并开始");
    assert!(!w.global::<ui::HomeAdapter>().get_can_sync());
    press(&w, "设置");
    assert!(
        value(&w, "登记状态").starts_with("未登记"),
        "{}",
        value(&w, "登记状态")
    );
    assert_fits(&w, "settings, not enrolled");

    // Nothing typed; then a code the back office never made.
    press(&w, "登记");
    assert!(sees(&w, "请输入登记码"), "{}", status(&w));
    type_in(&w, "登记码或二维码内容", "AAAAA-BBBBB-CCCCC-DDDDD");
    type_in(&w, "同步服务器地址", &url);
    press(&w, "登记");
    let settings = w.global::<ui::SettingsAdapter>();
    assert!(run_until(&w, 30, |w| !w
        .global::<ui::SettingsAdapter>()
        .get_enrolling()));
    assert!(sees(&w, "后台拒绝登记"), "{}", settings.get_enrol_error());
    assert!(!settings.get_enrolled());

    // The scanned QR payload (server address and key come with it).
    type_in(&w, "同步服务器地址", "");
    type_in(&w, "登记码或二维码内容", &payload);
    press(&w, "登记");
    assert!(run_until(&w, 30, |w| !w
        .global::<ui::SettingsAdapter>()
        .get_enrolling()));
    assert_eq!(settings.get_enrol_error(), "");
    assert!(
        status(&w).starts_with("登记成功：本终端为“执法终端 11”（执法证号 65010023）"),
        "{}",
        status(&w)
    );
    assert!(settings.get_enrolled());
    assert!(value(&w, "登记状态").starts_with("已登记"));
    assert_eq!(value(&w, "同步服务器"), url);
    assert!(
        w.global::<ui::HomeAdapter>().get_can_sync(),
        "the sync button appears"
    );
    let t = Terminal::open(&dir).unwrap();
    assert_eq!(
        t.store
            .setting(fieldcase_app::sync::SYNC_SERVER)
            .unwrap()
            .as_deref(),
        Some(url.as_str())
    );
    assert!(t
        .store
        .setting(fieldcase_app::sync::DEVICE_CERT)
        .unwrap()
        .is_some());
}
