//! English UI and the auto-lock: the officers switch to English on the
//! sign-in screen, work in English, leave the terminal untouched until it
//! locks, and find their draft again after unlocking.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod common;
use common::ui::*;

use fieldcase_app::core::Terminal;
use fieldcase_app::ui;
use fieldcase_shared::keys::DeviceKey;
use slint::ComponentHandle;

#[test]
fn english_screens_and_auto_lock_keep_the_draft() {
    i_slint_backend_testing::init_integration_test_with_mock_time();
    let term = Terminal::in_memory(DeviceKey::from_seed([31; 32])).unwrap();
    term.store
        .add_officer("65010023", "王军", "246810")
        .unwrap();
    term.store
        .add_officer("65010031", "李娜", "135790")
        .unwrap();
    term.settings().set_lock_minutes(2).unwrap();
    let w = ui::build(term, None, None).unwrap();
    w.window().set_size(slint::LogicalSize::new(360.0, 720.0));
    w.show().unwrap();

    press(&w, "English");
    assert!(shows(&w, "Sign in and start"), "sign-in screen in English");
    assert_fits(&w, "sign-in (en)");
    type_in(&w, "Lead officer certificate no.", "65010023");
    type_in(&w, "Lead officer PIN", "246810");
    type_in(&w, "Second officer certificate no.", "65010031");
    type_in(&w, "Second officer PIN", "1");
    press(&w, "Sign in and start");
    assert!(
        value(&w, "签到错误").starts_with("wrong PIN for officer 65010031"),
        "{}",
        value(&w, "签到错误")
    );
    type_in(&w, "Second officer PIN", "135790");
    press(&w, "Sign in and start");
    assert!(shows(&w, "New check"));
    assert_fits(&w, "home (en)");

    press(&w, "New check");
    assert!(shows(&w, "Vehicle") && shows_prefix(&w, "Step 1 of 9"));
    type_in(&w, "Plate", "新A1234");
    press(&w, "Next");
    assert!(
        sees(&w, "plate must be 7 or 8 characters; 6 were entered"),
        "English validation message"
    );
    assert!(sees(&w, "Choose the vehicle type"));
    press(&w, "Freight vehicle");
    type_in(&w, "Plate", "新A12345");
    assert_fits(&w, "vehicle (en)");

    // Untouched for the lock time: the screen locks; nothing typed is lost.
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_secs(60));
    assert!(
        shows(&w, "New check") || shows(&w, "Vehicle") && shows_prefix(&w, "Step 1 of 9"),
        "not locked after 1 minute"
    );
    i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_secs(61));
    assert!(
        shows(&w, "Unlock"),
        "locked after 2 minutes without a touch"
    );
    assert!(sees(&w, "Locked after inactivity"));
    type_in(&w, "Lead officer PIN", "246810");
    type_in(&w, "Second officer PIN", "135790");
    press(&w, "Unlock");
    assert!(shows(&w, "Drafts (not closed)"));
    assert!(
        sees(&w, "not opened  新A12345"),
        "the draft survived the lock"
    );
    press(&w, "not opened  新A12345");
    assert_eq!(value(&w, "Plate").as_str(), "新A12345");

    // Back to Chinese from the settings screen.
    press(&w, "Exit");
    press(&w, "Settings");
    press(&w, "中文");
    assert!(shows(&w, "设置"));
    assert_fits(&w, "settings");
}
