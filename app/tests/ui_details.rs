//! The facts on screen, in the real window (Slint's testing backend,
//! 360×720): the statement stays in view once the party signed it, the
//! signature pad's buttons are never under the bottom bar, the review
//! shows the time of the check, the case screen shows the case before the
//! correction form, and a returned-case message opens its case.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::ui::*;

use fieldcase_app::check::{step, Draft, Edit, Field};
use fieldcase_app::core::Terminal;
use fieldcase_app::demo::{demo_officers, DEMO_OFFICERS};
use fieldcase_app::ui;
use fieldcase_shared::check::ItemResult;
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle;

/// A draft of a check opened and filled up to the statement step.
fn draft_at_statement(term: &Terminal) -> (Draft, String) {
    let assets = fieldcase_app::check::Assets::embedded().unwrap();
    let mut d = Draft::new(
        &demo_officers(),
        Terminal::now() - chrono::Duration::minutes(7),
    );
    for (f, v) in [
        (Field::Plate, "新A12345"),
        (Field::VehicleKind, "freight"),
        (Field::IdNumber, "11010519491231002X"),
        (Field::Name, "张三"),
        (Field::Place, "G30 连霍高速 乌鲁木齐东收费站"),
    ] {
        d.apply(Edit::Text(f, v.into()));
    }
    term.drafts()
        .open(&demo_officers(), &mut d, Terminal::now(), &assets)
        .unwrap();
    for item in &assets.checklists.get("freight").unwrap().items {
        d.apply(Edit::Check(item.id.clone(), ItemResult::Ok));
    }
    d.apply(Edit::Outcome(fieldcase_app::check::Outcome::NoViolation));
    d.step = step::STATEMENT;
    term.drafts().save(&d).unwrap();
    let no = d.case_no.clone().unwrap();
    (d, no)
}

fn top_of(w: &ui::MainWindow, label: &str, role: AccessibleRole) -> f32 {
    ElementHandle::find_by_accessible_label(w, label)
        .find(|e| e.accessible_role() == Some(role))
        .map(|e| e.absolute_position().y)
        .unwrap_or_else(|| panic!("{label:?} not on screen"))
}

#[test]
fn the_facts_on_screen_are_complete_and_in_view() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    let term = Terminal::open(&dir).unwrap();
    for (cert, name, pin) in DEMO_OFFICERS {
        term.officers().add(cert, name, pin).unwrap();
    }
    let (draft, case_no) = draft_at_statement(&term);
    term.store
        .store_messages(&[fieldcase_shared::wire::Message {
            id: 1,
            kind: "case_returned".into(),
            case_no: Some(case_no.clone()),
            text: "当事人住址未填写，请补充。".into(),
            created_at: chrono::Utc::now(),
            case_id: None,
            record: None,
        }])
        .unwrap();
    let w = ui::build(term, Some(dir.clone()), None).unwrap();
    w.window().set_size(slint::LogicalSize::new(360.0, 720.0));
    w.show().unwrap();
    type_in(&w, "主办人员执法证号", DEMO_OFFICERS[0].0);
    type_in(&w, "主办人员 PIN", DEMO_OFFICERS[0].2);
    type_in(&w, "协办人员执法证号", DEMO_OFFICERS[1].0);
    type_in(&w, "协办人员 PIN", DEMO_OFFICERS[1].2);
    press(&w, "签到并开始");
    press(&w, &format!("{case_no}  新A12345"));
    assert_eq!(value(&w, "进度"), "8/9");

    // The party signs: the pad's buttons sit above the bottom bar, and the
    // statement they signed stays on screen, as text.
    type_in(&w, "陈述申辩", "对检查结果无异议，车辆已整改。");
    press(&w, "当事人  点此签名");
    let save = top_of(&w, "保存签名", AccessibleRole::Button);
    let bar = top_of(&w, "下一步", AccessibleRole::Button);
    let save_h = button(&w, "保存签名").size().height;
    assert!(
        save + save_h <= bar,
        "save button at {save}+{save_h} reaches the bottom bar at {bar}"
    );
    sign(&w);
    press(&w, "保存签名");
    assert_eq!(status(&w), "签名已保存为证据并签名");
    assert_eq!(value(&w, "陈述申辩"), "对检查结果无异议，车辆已整改。");
    assert!(
        find(&w, "陈述申辩", AccessibleRole::TextInput).is_none(),
        "what the party signed is no longer editable"
    );
    for role in ["主办执法人员  点此签名", "协办执法人员  点此签名"] {
        press(&w, role);
        sign(&w);
        press(&w, "保存签名");
        assert_eq!(status(&w), "签名已保存为证据并签名");
    }
    assert_fits(&w, "statement signed");
    scroll_top(&w);
    press(&w, "已向当事人出示执法证件");

    // The review shows the time of the check (when it was started).
    press(&w, "下一步");
    assert_eq!(
        value(&w, "检查时间"),
        draft.started_at.format("%Y-%m-%d %H:%M").to_string()
    );
    press(&w, "签名并结案");
    assert_eq!(status(&w), format!("已结案并签名：{case_no}"));

    // The returned-case message opens its case; the case comes before the
    // correction form.
    press(&w, "消息 (1)");
    press(&w, &format!("查看案件 {case_no}"));
    assert!(shows(&w, &case_no), "the message's case is shown");
    // At the top of the screen: the facts are in view; the form, if at all,
    // below them (out of view it is further down the page).
    scroll_top(&w);
    let facts = top_of(&w, "车辆", AccessibleRole::Text);
    let form = ElementHandle::find_by_accessible_label(&w, "更正项目")
        .find(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
        .map(|e| e.absolute_position().y);
    assert!(
        form.is_none_or(|f| facts < f),
        "case facts at {facts}, correction form at {form:?}"
    );
    assert!(
        find(&w, "更正项目", AccessibleRole::TextInput).is_some(),
        "the form is reachable"
    );
    assert_fits(&w, "case from a message");
}
