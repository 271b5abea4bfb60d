//! A crash or a dead battery loses nothing typed: a real process drives the
//! window (testing backend), types part of a check, and is killed with
//! SIGKILL mid-form; the draft read back from its data folder holds every
//! field as typed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

mod common;
use common::ui::*;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use fieldcase_app::core::Terminal;
use fieldcase_app::ui;
use slint::ComponentHandle;

const CHILD_DIR: &str = "FIELDCASE_KILL_TEST_DIR";

/// Runs only as the child of `typed_fields_survive_kill_9`.
#[test]
fn child_types_part_of_a_check() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    i_slint_backend_testing::init_no_event_loop();
    let term = Terminal::open(std::path::Path::new(&dir)).unwrap();
    let w = ui::build(term, Some(dir.into()), None).unwrap();
    w.window().set_size(slint::LogicalSize::new(360.0, 720.0));
    w.show().unwrap();
    type_in(&w, "主办人员执法证号", "65010023");
    type_in(&w, "主办人员 PIN", "246810");
    type_in(&w, "协办人员执法证号", "65010031");
    type_in(&w, "协办人员 PIN", "135790");
    press(&w, "签到并开始");
    press(&w, "新建检查");
    type_in(&w, "车牌号", "新AD12345");
    press(&w, "普通货运车辆");
    press(&w, "下一步");
    type_in(&w, "身份证号（即驾驶证号）", "11010519491231002X");
    type_in(&w, "姓名", "张三");
    type_in(&w, "联系电话", "1391234");
    println!("TYPED");
    std::io::stdout().flush().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(120));
}

#[test]
fn typed_fields_survive_kill_9() {
    if std::env::var(CHILD_DIR).is_ok() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    {
        let term = Terminal::open(&dir).unwrap();
        term.store
            .add_officer("65010023", "王军", "246810")
            .unwrap();
        term.store
            .add_officer("65010031", "李娜", "135790")
            .unwrap();
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_types_part_of_a_check",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, &dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let typed = out
        .lines()
        .map_while(Result::ok)
        .any(|l| l.trim_end().ends_with("TYPED"));
    child.kill().unwrap(); // SIGKILL: no destructor, no flush, no clean-up runs
    let status = child.wait().unwrap();
    assert!(typed, "the child typed the form (exit {status:?})");
    assert!(!status.success());

    let term = Terminal::open(&dir).unwrap();
    let drafts = term.drafts().list().unwrap();
    assert_eq!(drafts.len(), 1, "{drafts:?}");
    let d = &drafts[0];
    assert_eq!(d.plate, "新AD12345");
    assert_eq!(d.vehicle_kind, "freight");
    assert_eq!(d.id_number, "11010519491231002X");
    assert_eq!(d.name, "张三");
    assert_eq!(
        d.phone, "1391234",
        "even an unfinished field is kept as typed"
    );
    assert_eq!(d.step, 1, "reopens on the step the officers were on");
    assert!(
        term.store.all_records().unwrap().is_empty(),
        "nothing was signed yet"
    );
}
