//! The compulsory measure's decision in the real window (Slint's testing
//! backend, 360×720): on the case screen of a case whose check detained the
//! vehicle, the 行政强制措施决定书 with its 清单 (行政强制法 art. 24), refused
//! without the list, signed with the refusal noted; a case whose check took
//! no measure does not offer it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::ui::*;

use fieldcase_app::cases::Event;
use fieldcase_app::core::Terminal;
use fieldcase_app::ui;
use fieldcase_shared::investigation::Writing;
use slint::ComponentHandle;

/// A vehicle detained at the check: the case screen offers the
/// 行政强制措施决定书 with its 清单 (行政强制法 art. 24), refused without
/// the list, signed with it, its 30 days shown; a case whose check took no
/// measure does not offer it.
#[test]
fn a_detained_vehicles_measure_decision_is_signed_on_the_case_screen() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    let term = Terminal::open(&dir).unwrap();
    fieldcase_app::demo::seed(&term, &dir, 1, 0, |_, _| {}).unwrap();
    let plain = fieldcase_app::demo::handed_over_case(&term).unwrap();
    let case_no = fieldcase_app::demo::detained_case(&term).unwrap();
    let before = term.store.head(&term.device_id()).unwrap().seq;
    let w = ui::build(term, Some(dir.clone()), None).unwrap();
    w.window().set_size(slint::LogicalSize::new(360.0, 720.0));
    w.show().unwrap();
    sign_in(&w);
    press(&w, "案件");
    // Handed over, not closed: the list says so (the case screen too).
    assert!(sees(&w, "已移交"), "the list shows the hand-over");
    press(&w, &plain);
    assert!(sees(&w, "现场笔录与文书（普通程序）"));
    assert!(!sees(&w, "行政强制措施决定书及清单"), "no measure taken");
    press(&w, "返回");
    press(&w, &case_no);
    press(&w, "行政强制措施决定书及清单");
    assert!(sees(&w, "扣留车辆的期限为三十日"));
    type_in(&w, "当事人地址", "乌鲁木齐市天山区解放南路1号");
    type_in(&w, "实施理由", "拒不接受超限检测，强行驶离检测站");
    type_in(&w, "存放地点", "乌鲁木齐市超限检测站停车场");
    type_in(&w, "拒绝签名的情况", "当事人拒绝签名，已当面宣读");
    press(&w, "注明拒绝签名并签署");
    assert!(status(&w).contains("清单"), "{}", status(&w));
    type_in(&w, "物品名称", "货车 新A12345");
    type_in(&w, "单位", "辆");
    press(&w, "列入清单");
    press(&w, "注明拒绝签名并签署");
    assert!(
        status(&w).starts_with("行政强制措施决定书已签署") && status(&w).contains("扣押期限至"),
        "{}",
        status(&w)
    );
    assert_fits(&w, "measure decision signed");

    drop(w);
    let term = Terminal::open(&dir).unwrap();
    let row = term.cases().find(&case_no).unwrap();
    let detail = term.cases().detail(&row.case_id).unwrap();
    let decided: Vec<_> = detail
        .events
        .iter()
        .filter_map(|e| match &e.what {
            Event::Writing(w) => match w.as_ref() {
                Writing::Measure(m) => Some(m.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(decided.len(), 1, "the refused attempt signed nothing");
    assert_eq!(decided[0].items[0].name, "货车 新A12345");
    assert_eq!(decided[0].kept_at, "乌鲁木齐市超限检测站停车场");
    assert!(decided[0].until.is_some());
    assert_eq!(term.store.head(&term.device_id()).unwrap().seq, before + 1);
}
