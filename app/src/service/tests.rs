//! Service and payment on a real SQLite store: a document is served only
//! once printed (行政处罚法 art. 52), cash only where art. 68–69 allow it.

use fieldcase_shared::check::Witness;
use fieldcase_shared::served::{CashGround, Payment, Receipt};

use super::*;
use crate::cases::Event;
use crate::testkit::{decided, decision, ink, officers, refused_text};

const TITLE: &str = "当场行政处罚决定书";

/// Puts a print of the decision in the queue, sent to the printer as
/// job 42 when `sent`; returns the PDF bytes.
fn printed(t: &Terminal, row: &CaseRow, sent: bool) -> Vec<u8> {
    let pdf = format!("%PDF-1.7 decision of {}", row.case_no).into_bytes();
    let sha = fieldcase_shared::hash::sha256(&pdf).to_hex();
    let id = t
        .store
        .queue_print(&row.case_id.to_string(), &row.case_no, TITLE, &pdf, &sha)
        .unwrap();
    if sent {
        t.store.print_sent(id, 42).unwrap();
    }
    pdf
}

#[test]
fn xzcff_art_52_a_decision_is_signed_for_only_after_it_is_printed() {
    let (_dir, t, row) = decided(Some(decision(50, "simple")));
    let key = row.case_no.as_str();
    let kind = Kind::OnTheSpotDecision;
    let sign = || ReceiptInput::Signature(ink());
    // Queued but not accepted by the printer: not handed over.
    printed(&t, &row, false);
    let no = t
        .service()
        .serve(&officers(), key, kind, sign())
        .unwrap_err();
    assert!(refused_text(no).contains("第五十二条第一款"));
    let pdf = printed(&t, &row, true);
    let before = t.evidence().list(&row.case_id).unwrap().len();
    let served = t.service().serve(&officers(), key, kind, sign()).unwrap();
    assert_eq!(served.pdf, fieldcase_shared::hash::sha256(&pdf));
    let evidence = t.evidence().list(&row.case_id).unwrap();
    assert_eq!(evidence.len(), before + 2, "the PDF and the signature");
    assert!(evidence
        .iter()
        .any(|e| e.category == "送达" && e.media_type == "application/pdf"));
    assert!(evidence.iter().any(|e| e.category == "签名"));
    let detail = t.cases().detail(&row.case_id).unwrap();
    let d = detail.served().next().unwrap();
    assert_eq!(d.printer_job, Some(42));
    assert!(d.basis.contains("第五十二条第一款"), "{}", d.basis);
    assert!(matches!(d.receipt, Receipt::Signed { .. }));
    let closing = t.store.case_records(&row.case_id).unwrap()[1].digest;
    assert_eq!(d.decision, closing, "names the signed decision");
    assert!(matches!(
        detail.events.last().unwrap().what,
        Event::Served(_)
    ));
    // Served once.
    let again = t
        .service()
        .serve(&officers(), key, kind, sign())
        .unwrap_err();
    assert!(refused_text(again).contains("已送达"));
    assert!(t.verify_chain().unwrap().problems.is_empty());
}

#[test]
fn xzcff_art_52_a_refusal_to_sign_is_noted_with_its_witness() {
    let (_dir, t, row) = decided(Some(decision(50, "simple")));
    printed(&t, &row, true);
    let kind = Kind::OnTheSpotDecision;
    let blank = ReceiptInput::Refused {
        note: "  ".into(),
        witness: None,
    };
    let no = t
        .service()
        .serve(&officers(), &row.case_no, kind, blank)
        .unwrap_err();
    assert!(refused_text(no).contains("须注明"));
    let before = t.evidence().list(&row.case_id).unwrap().len();
    let noted = ReceiptInput::Refused {
        note: "当事人拒绝签名，决定书已当面交付".into(),
        witness: Some(Witness {
            name: "李四".into(),
            id: "110101199003078515".into(),
        }),
    };
    t.service()
        .serve(&officers(), &row.case_no, kind, noted)
        .unwrap();
    assert_eq!(
        t.evidence().list(&row.case_id).unwrap().len(),
        before + 1,
        "only the PDF"
    );
    let detail = t.cases().detail(&row.case_id).unwrap();
    let receipt = detail.served().next().unwrap().receipt.clone();
    match receipt {
        Receipt::Refused { note, witness } => {
            assert!(note.starts_with("当事人拒绝签名"));
            assert_eq!(witness.unwrap().name, "李四");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_signature_that_is_not_a_sane_png_is_refused() {
    let (_dir, t, row) = decided(Some(decision(50, "simple")));
    printed(&t, &row, true);
    let kind = Kind::OnTheSpotDecision;
    // A JPEG, and a PNG header declaring 100000 × 100000 pixels.
    let mut huge = ink();
    huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    for bad in [vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0], huge, Vec::new()] {
        let e = t
            .service()
            .serve(
                &officers(),
                &row.case_no,
                kind,
                ReceiptInput::Signature(bad),
            )
            .unwrap_err();
        assert!(refused_text(e).contains("PNG"));
    }
    assert!(t
        .cases()
        .detail(&row.case_id)
        .unwrap()
        .served()
        .next()
        .is_none());
}

#[test]
fn nothing_is_served_for_an_open_or_undecided_case() {
    let (_dir, t, row) = decided(None);
    printed(&t, &row, true);
    let e = t
        .service()
        .serve(
            &officers(),
            &row.case_no,
            Kind::OnTheSpotDecision,
            ReceiptInput::Signature(ink()),
        )
        .unwrap_err();
    assert!(refused_text(e).contains("没有行政处罚决定"));
    assert_eq!(t.service().after_decision(&row.case_id).unwrap(), None);
}

#[test]
fn xzcff_art_68_70_71_cash_is_noted_with_its_receipt_and_handed_in_in_2_days() {
    let (_dir, t, row) = decided(Some(decision(50, "simple")));
    let cash = |receipt_no: &str| Payment::Cash {
        ground: CashGround::SmallFine,
        receipt_no: receipt_no.into(),
        reason: String::new(),
    };
    let no = t
        .service()
        .pay(&officers(), &row.case_no, cash(""), false)
        .unwrap_err();
    assert!(refused_text(no).contains("第七十条"));
    let paid = t
        .service()
        .pay(&officers(), &row.case_no, cash(" 0012345 "), false)
        .unwrap();
    assert!(
        paid.basis.contains("第六十八条第（一）项"),
        "{}",
        paid.basis
    );
    let today = beijing_day(Terminal::now());
    let by = paid.hand_in_by.unwrap();
    assert!(by > today && by <= today + chrono::Days::new(12), "{by}");
    let detail = t.cases().detail(&row.case_id).unwrap();
    let noted = detail.payment().unwrap();
    assert_eq!(noted.amount_yuan, 50);
    match &noted.payment {
        Payment::Cash { receipt_no, .. } => assert_eq!(receipt_no, "0012345"),
        other => panic!("{other:?}"),
    }
    let twice = t
        .service()
        .pay(&officers(), &row.case_no, cash("0012346"), false)
        .unwrap_err();
    assert!(refused_text(twice).contains("重复"));
}

#[test]
fn xzcff_art_68_no_cash_for_200_yuan_but_electronic_payment_is_noted() {
    let (_dir, t, row) = decided(Some(decision(200, "simple")));
    let cash = Payment::Cash {
        ground: CashGround::SmallFine,
        receipt_no: "0012345".into(),
        reason: String::new(),
    };
    let no = t
        .service()
        .pay(&officers(), &row.case_no, cash, false)
        .unwrap_err();
    let text = refused_text(no);
    assert!(
        text.contains("超过100元") && text.contains("第六十八条"),
        "{text}"
    );
    let paid = t
        .service()
        .pay(
            &officers(),
            &row.case_no,
            Payment::Electronic {
                reference: "E202612020001".into(),
            },
            false,
        )
        .unwrap();
    assert_eq!(paid.hand_in_by, None);
    let after = t.service().after_decision(&row.case_id).unwrap().unwrap();
    assert!(after.paid && !after.served);
}

#[test]
fn a_warning_has_nothing_to_pay() {
    let (_dir, t, row) = decided(Some(decision(0, "simple")));
    let e = t
        .service()
        .pay(
            &officers(),
            &row.case_no,
            Payment::Electronic {
                reference: "x".into(),
            },
            false,
        )
        .unwrap_err();
    assert!(refused_text(e).contains("没有罚款"));
    assert!(
        t.service()
            .after_decision(&row.case_id)
            .unwrap()
            .unwrap()
            .paid
    );
}

#[test]
fn xzcff_art_52_para_3_the_copy_is_due_at_the_agency_5_days_after_the_decision() {
    let (_dir, t, row) = decided(Some(decision(50, "simple")));
    let after = t.service().after_decision(&row.case_id).unwrap().unwrap();
    let today = beijing_day(Terminal::now());
    let by = after.file_by.unwrap();
    // Five natural days, later only when the fifth is a holiday.
    assert!(by >= today + chrono::Days::new(5), "{by}");
    assert!(by <= today + chrono::Days::new(12), "{by}");
    assert!(!after.filed, "not synced yet");
    assert_eq!(after.fine_yuan, 50);
    // A general-procedure case is handed over: the bureau decides, files,
    // serves and collects (art. 51), so nothing follows at the roadside.
    let (_dir, t, row) = decided(Some(decision(5000, "general")));
    assert!(t.service().after_decision(&row.case_id).unwrap().is_none());
    let officers = crate::testkit::officers();
    let err = t
        .service()
        .pay(
            &officers,
            &row.case_no,
            fieldcase_shared::served::Payment::Electronic {
                reference: "E1".into(),
            },
            false,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("第五十一条") || format!("{err:?}").contains("第五十一条"),
        "{err:?}"
    );
}
