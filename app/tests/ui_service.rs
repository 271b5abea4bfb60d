//! After the decision, in the real window (Slint's testing backend,
//! 360×720): the party signs for the printed 当场行政处罚决定书 on the case
//! screen's pad (行政处罚法 art. 52 para 1), the payment is noted (art. 67),
//! and the 备案 date is shown (art. 52 para 3); every step a signed record.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::ui::*;

use fieldcase_app::cases::Event;
use fieldcase_app::core::Terminal;
use fieldcase_app::demo::{DEMO_AGENCY, DEMO_OFFICERS};
use fieldcase_app::{papers, ui};
use fieldcase_documents::fill::Pick;
use fieldcase_documents::{Kind, Paper};
use slint::ComponentHandle;

/// Seeds demo cases until one is a simple-procedure penalty; puts its
/// decision in the print queue as printed (the printer's job 7).
fn printed_simple_case(term: &Terminal, dir: &std::path::Path) -> String {
    // The demo draws its violations (about a third are fined on the
    // spot): ten more cases until one is, at most sixty in all.
    let fined_on_the_spot = |no: &String| {
        let row = term.cases().find(no).unwrap();
        let after = term.service().after_decision(&row.case_id).unwrap();
        after.is_some_and(|a| a.file_by.is_some() && a.fine_yuan > 0)
    };
    let case_no = (0..6)
        .find_map(|_| {
            let seeded = fieldcase_app::demo::seed(term, dir, 10, 0, |_, _| {}).unwrap();
            seeded.cases.into_iter().find(fined_on_the_spot)
        })
        .expect("a simple-procedure case fined on the spot among sixty demo cases");
    let font = papers::default_font().unwrap();
    let doc = papers::render(
        term,
        &case_no,
        (Kind::OnTheSpotDecision, Pick::Latest),
        Paper::Roll80,
        DEMO_AGENCY,
        &font,
    )
    .unwrap();
    let sha = fieldcase_shared::hash::sha256(&doc.pdf).to_hex();
    let id = term
        .store
        .queue_print(
            &doc.case_id.to_string(),
            &doc.case_no,
            &doc.title,
            &doc.pdf,
            &sha,
        )
        .unwrap();
    term.store.print_sent(id, 7).unwrap();
    case_no
}

#[test]
fn the_party_signs_for_the_decision_and_the_payment_is_noted_on_the_case_screen() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    let term = Terminal::open(&dir).unwrap();
    let case_no = printed_simple_case(&term, &dir);
    let w = ui::build(term, Some(dir.clone()), None).unwrap();
    w.window().set_size(slint::LogicalSize::new(360.0, 720.0));
    w.show().unwrap();
    type_in(&w, "主办人员执法证号", DEMO_OFFICERS[0].0);
    type_in(&w, "主办人员 PIN", DEMO_OFFICERS[0].2);
    type_in(&w, "协办人员执法证号", DEMO_OFFICERS[1].0);
    type_in(&w, "协办人员 PIN", DEMO_OFFICERS[1].2);
    press(&w, "签到并开始");
    press(&w, "案件");
    press(&w, &case_no);
    assert!(sees(&w, "决定书尚未送达"), "{}", status(&w));
    assert!(sees(&w, "前报所属机关备案"));

    // No ink: nothing signed.
    press(&w, "当事人签收");
    assert!(status(&w).contains("签名为空"), "{}", status(&w));
    // A refusal needs its note.
    press(&w, "注明拒绝签收");
    assert!(status(&w).contains("须注明"), "{}", status(&w));
    scroll_top(&w);
    seek(&w, |w| {
        find(w, "签名板", i_slint_backend_testing::AccessibleRole::Image)
    });
    sign(&w);
    press(&w, "当事人签收");
    assert!(status(&w).starts_with("送达已签名"), "{}", status(&w));
    assert!(sees(&w, "决定书已送达"));
    assert_fits(&w, "served");

    // Payment: a reference is needed.
    press(&w, "当事人通过电子支付系统缴纳");
    press(&w, "签名记录缴款");
    assert!(status(&w).contains("须填写"), "{}", status(&w));
    type_in(&w, "电子缴款凭证号", "E20261202000123");
    press(&w, "签名记录缴款");
    assert!(status(&w).starts_with("缴款已签名"), "{}", status(&w));
    assert!(sees(&w, "罚款已缴纳"));
    assert_fits(&w, "paid");

    drop(w);
    let term = Terminal::open(&dir).unwrap();
    assert!(term.verify_chain().unwrap().problems.is_empty());
    let row = term.cases().find(&case_no).unwrap();
    let detail = term.cases().detail(&row.case_id).unwrap();
    let served = detail.served().next().expect("a document_served record");
    assert_eq!(served.printer_job, Some(7));
    assert!(detail
        .events
        .iter()
        .any(|e| matches!(e.what, Event::Paid(_))));
}
