//! The general procedure's writings in the real window (Slint's testing
//! backend, 360×720), on the case screen of a case handed over (移交): a
//! 询问笔录 of two 问/答 signed on the pad by the person questioned
//! (行政处罚法 art. 55 para 2), a 证据登记保存清单 whose party refused to
//! sign, the refusal noted (art. 56, its 7-working-day decision day shown);
//! each a signed record on the terminal's chain, nothing signed of a
//! writing refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::ui::*;

use fieldcase_app::cases::Event;
use fieldcase_app::core::Terminal;
use fieldcase_app::ui;
use fieldcase_shared::investigation::Writing;
use fieldcase_shared::served::Receipt;
use slint::ComponentHandle;

#[test]
fn writings_are_signed_on_the_case_screen_of_a_handed_over_case() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    let term = Terminal::open(&dir).unwrap();
    fieldcase_app::demo::seed(&term, &dir, 1, 0, |_, _| {}).unwrap();
    let case_no = fieldcase_app::demo::handed_over_case(&term).unwrap();
    let before = term.store.head(&term.device_id()).unwrap().seq;
    let w = ui::build(term, Some(dir.clone()), None).unwrap();
    w.window().set_size(slint::LogicalSize::new(360.0, 720.0));
    w.show().unwrap();
    sign_in(&w);
    press(&w, "案件");
    press(&w, &case_no);
    assert!(sees(&w, "现场笔录与文书（普通程序）"));

    // A 询问笔录: one 问/答 noted, the second typed; nobody signed yet.
    press(&w, "询问笔录");
    assert!(sees(&w, "开始时间"));
    type_in(&w, "被询问人姓名", "张三");
    type_in(&w, "问", "你驾驶的车辆从哪里出发？");
    type_in(&w, "答", "从乌鲁木齐市出发。");
    press(&w, "记下这一问答");
    assert!(sees(&w, "问：你驾驶的车辆从哪里出发？"));
    type_in(&w, "问", "车上乘客是否支付了车费？");
    type_in(&w, "答", "每人一百元。");
    press(&w, "签名并签署");
    assert!(status(&w).contains("签名为空"), "{}", status(&w));
    seek(&w, |w| {
        find(w, "签名板", i_slint_backend_testing::AccessibleRole::Image)
    });
    sign(&w);
    press(&w, "签名并签署");
    assert!(status(&w).starts_with("询问笔录已签署"), "{}", status(&w));
    assert_fits(&w, "interview signed");

    // A 证据登记保存清单: the head's approval is required, the refusal noted.
    press(&w, "证据登记保存清单");
    type_in(&w, "物品名称", "道路运输证");
    type_in(&w, "单位", "本");
    press(&w, "列入清单");
    type_in(
        &w,
        "保存地点",
        "乌鲁木齐市交通运输综合行政执法支队证据保管室",
    );
    type_in(&w, "拒绝签名的情况", "当事人拒绝签名，已当面宣读");
    press(&w, "注明拒绝签名并签署");
    assert!(status(&w).contains("负责人"), "{}", status(&w));
    type_in(&w, "批准的行政机关负责人", "王局长");
    press(&w, "注明拒绝签名并签署");
    assert!(
        status(&w).starts_with("证据登记保存清单已签署") && status(&w).contains("前作出处理决定"),
        "{}",
        status(&w)
    );
    assert_fits(&w, "register signed");

    drop(w);
    let term = Terminal::open(&dir).unwrap();
    assert!(term.verify_chain().unwrap().problems.is_empty());
    let row = term.cases().find(&case_no).unwrap();
    let detail = term.cases().detail(&row.case_id).unwrap();
    let writings: Vec<&Writing> = detail
        .events
        .iter()
        .filter_map(|e| match &e.what {
            Event::Writing(w) => Some(w.as_ref()),
            _ => None,
        })
        .collect();
    assert_eq!(writings.len(), 2, "the refused attempts signed nothing");
    match writings[0] {
        Writing::Interview(i) => {
            assert_eq!(i.person.name, "张三");
            assert_eq!(i.exchanges.len(), 2);
            assert_eq!(i.exchanges[1].a, "每人一百元。");
            assert!(i.ended_at >= i.started_at);
            assert!(matches!(i.receipt, Receipt::Signed { .. }));
        }
        other => panic!("{other:?}"),
    }
    match writings[1] {
        Writing::Register(r) => {
            assert_eq!(r.items.len(), 1);
            assert_eq!(r.approved_by, "王局长");
            assert!(matches!(r.receipt, Receipt::Refused { .. }));
        }
        other => panic!("{other:?}"),
    }
    // Two writings and the interview's signature image: three records.
    assert_eq!(term.store.head(&term.device_id()).unwrap().seq, before + 3);
}
