//! UI flow driven through Slint's testing backend, the way an officer uses
//! it: find inputs by their visible labels, type, press buttons, read what
//! the screen shows. One test per file: the backend is per process.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use fieldcase_app::core::Terminal;
use fieldcase_app::ui;
use fieldcase_shared::keys::DeviceKey;
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle;

fn input(w: &ui::MainWindow, label: &str) -> ElementHandle {
    ElementHandle::find_by_accessible_label(w, label)
        .find(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
        .unwrap_or_else(|| {
            let found: Vec<_> = ElementHandle::find_by_accessible_label(w, label)
                .map(|e| (e.accessible_role(), e.type_name()))
                .collect();
            panic!("no input labelled {label:?} on screen; found {found:?}")
        })
}

fn button(w: &ui::MainWindow, label: &str) -> ElementHandle {
    ElementHandle::find_by_accessible_label(w, label)
        .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .unwrap_or_else(|| panic!("no button labelled {label:?} on screen"))
}

fn shows(w: &ui::MainWindow, text: &str) -> bool {
    ElementHandle::find_by_accessible_label(w, text)
        .next()
        .is_some()
}

/// Scrolls the form (negative: towards the end), as a finger would; what is
/// scrolled out of view is not found, as an officer would not see it.
fn scroll(w: &ui::MainWindow, dy: f32) {
    let view = ElementHandle::find_by_element_type_name(w, "ScrollView")
        .next()
        .expect("the form scrolls");
    view.scroll(0.0, dy);
}

fn value(w: &ui::MainWindow, label: &str) -> String {
    ElementHandle::find_by_accessible_label(w, label)
        .next()
        .and_then(|e| e.accessible_value())
        .map(|s| s.to_string())
        .unwrap_or_default()
}

fn status(w: &ui::MainWindow) -> String {
    ElementHandle::find_by_accessible_label(w, "状态")
        .next()
        .and_then(|e| e.accessible_value())
        .map(|s| s.to_string())
        .unwrap_or_default()
}

fn unsynced(w: &ui::MainWindow) -> String {
    ElementHandle::find_by_accessible_label(w, "未同步数量")
        .next()
        .and_then(|e| e.accessible_value())
        .map(|s| s.to_string())
        .expect("unsynced count on screen")
}

#[test]
fn officers_sign_in_record_a_check_and_see_it_listed() {
    i_slint_backend_testing::init_no_event_loop();
    let term = Terminal::in_memory(DeviceKey::from_seed([21; 32])).expect("terminal");
    let w = ui::build(term, None, None).expect("window");
    // The handheld's portrait screen.
    w.window().set_size(slint::LogicalSize::new(360.0, 720.0));
    w.show().expect("show");

    // Sign-in refuses the same officer twice, and says why.
    input(&w, "主办人员执法证号").set_accessible_value("65010023");
    input(&w, "协办人员执法证号").set_accessible_value("65010023");
    button(&w, "签到并开始").invoke_accessible_default_action();
    assert!(shows(&w, "两名执法人员不能是同一人（执法证号相同）"));
    assert!(
        !shows(&w, "保存检查记录"),
        "must stay on the sign-in screen"
    );

    input(&w, "协办人员执法证号").set_accessible_value("65010031");
    button(&w, "签到并开始").invoke_accessible_default_action();
    assert!(shows(&w, "保存检查记录"), "check form shown after sign-in");
    assert_eq!(value(&w, "执法人员"), "65010023 / 65010031");
    assert!(shows(&w, "还没有检查记录"));
    assert_eq!(unsynced(&w), "0");

    // Invalid input: each bad field says what is wrong; nothing is saved.
    input(&w, "车牌号").set_accessible_value("新A1234");
    input(&w, "当事人证件号").set_accessible_value("110105194912310021");
    button(&w, "保存检查记录").invoke_accessible_default_action();
    assert!(shows(&w, "车牌号应为 7 或 8 位，当前为 6 位"));
    assert!(shows(
        &w,
        "身份证号校验位应为“X”，输入的是“1”，请核对是否录错"
    ));
    assert!(shows(&w, "请填写地点"));
    assert_eq!(status(&w), "请按红字提示更正后再保存");
    scroll(&w, -5000.0);
    assert!(shows(&w, "还没有检查记录"), "nothing saved");
    scroll(&w, 5000.0);

    // Corrected input is saved, signed and listed; the form clears.
    input(&w, "车牌号").set_accessible_value("新a12345");
    input(&w, "当事人证件号").set_accessible_value("11010519491231002X");
    input(&w, "当事人姓名或名称").set_accessible_value("张三");
    input(&w, "检查地点").set_accessible_value("G30 连霍高速 乌鲁木齐东收费站");
    button(&w, "保存检查记录").invoke_accessible_default_action();
    let s = status(&w);
    assert!(s.starts_with("已保存并签名：乌交执〔"), "{s}");
    let case_no = s.trim_start_matches("已保存并签名：").to_owned();
    scroll(&w, -5000.0);
    assert!(shows(&w, &case_no), "saved case listed");
    assert!(
        shows(&w, "新A12345  张三"),
        "plate normalised and party shown"
    );
    assert!(shows(&w, "未同步"), "listed as not yet synced");
    scroll(&w, 5000.0);
    assert!(
        !shows(&w, "车牌号应为 7 或 8 位，当前为 6 位"),
        "errors cleared"
    );
    assert_eq!(unsynced(&w), "1");
    assert_eq!(
        input(&w, "车牌号").accessible_value().unwrap_or_default(),
        "",
        "form cleared for the next check"
    );

    // A second check gets the next number.
    input(&w, "车牌号").set_accessible_value("新AD12345");
    input(&w, "当事人证件号").set_accessible_value("914403001922038216");
    button(&w, "保存检查记录").invoke_accessible_default_action();
    assert!(status(&w).ends_with("00002号"), "{}", status(&w));
    assert_eq!(unsynced(&w), "2");

    // Sign out returns to the sign-in screen with empty fields.
    button(&w, "签退").invoke_accessible_default_action();
    assert!(shows(&w, "签到并开始"));
    assert_eq!(
        input(&w, "主办人员执法证号")
            .accessible_value()
            .unwrap_or_default(),
        ""
    );
}
