use super::PaymentRules;
use crate::served::{CashGround, Payment};

fn cash(ground: CashGround, reason: &str) -> Payment {
    Payment::Cash {
        ground,
        receipt_no: "No.0012345".into(),
        reason: reason.into(),
    }
}

fn rules() -> PaymentRules {
    PaymentRules::shipped().unwrap()
}

#[test]
fn the_shipped_payment_rules_load_each_citing_its_article() {
    let r = rules();
    for g in [
        CashGround::SmallFine,
        CashGround::HardToCollect,
        CashGround::RemoteArea,
    ] {
        let g = r.ground(g).unwrap();
        assert!(g.basis.text().contains("第六十"), "{:?}", g.id);
    }
    assert!(r.receipt.basis.text().contains("第七十条"));
}

#[test]
fn xzcff_art_68_item_1_cash_for_a_fine_of_100_yuan_or_less() {
    let r = rules();
    let basis = r
        .check(&cash(CashGround::SmallFine, ""), 100, true, false)
        .unwrap();
    assert!(basis.contains("第六十八条第（一）项"), "{basis}");
    assert!(basis.contains("第七十条"), "{basis}");
    let no = r
        .check(&cash(CashGround::SmallFine, ""), 101, true, false)
        .unwrap_err();
    assert!(no.zh.contains("超过100元"), "{}", no.zh);
    assert_eq!(no.basis.article, 68);
}

#[test]
fn xzcff_art_68_cash_only_for_a_simple_procedure_decision() {
    let no = rules()
        .check(&cash(CashGround::SmallFine, ""), 50, false, false)
        .unwrap_err();
    assert!(no.zh.contains("简易程序"), "{}", no.zh);
}

#[test]
fn xzcff_art_68_item_2_hard_to_collect_needs_the_circumstances() {
    let r = rules();
    let no = r
        .check(&cash(CashGround::HardToCollect, " "), 200, true, false)
        .unwrap_err();
    assert!(no.zh.contains("具体情形"), "{}", no.zh);
    let ok = r
        .check(
            &cash(CashGround::HardToCollect, "外省车辆，当事人无固定住所"),
            200,
            true,
            false,
        )
        .unwrap();
    assert!(ok.contains("第六十八条第（二）项"), "{ok}");
}

#[test]
fn xzcff_art_69_remote_area_only_when_the_party_asks() {
    let r = rules();
    let p = cash(CashGround::RemoteArea, "山区，附近无银行网点，无信号");
    let no = r.check(&p, 2000, false, false).unwrap_err();
    assert!(no.zh.contains("当事人提出"), "{}", no.zh);
    assert_eq!(no.basis.article, 69);
    // Art. 69 is not tied to the simple procedure.
    let ok = r.check(&p, 2000, false, true).unwrap();
    assert!(ok.contains("第六十九条"), "{ok}");
}

#[test]
fn xzcff_art_70_cash_needs_the_finance_receipt_number() {
    let p = Payment::Cash {
        ground: CashGround::SmallFine,
        receipt_no: "  ".into(),
        reason: String::new(),
    };
    let no = rules().check(&p, 50, true, false).unwrap_err();
    assert_eq!(no.basis.article, 70);
    let long = Payment::Cash {
        ground: CashGround::SmallFine,
        receipt_no: "9".repeat(41),
        reason: String::new(),
    };
    assert!(rules().check(&long, 50, true, false).is_err());
}

#[test]
fn xzcff_art_67_electronic_payment_needs_its_reference() {
    let r = rules();
    let ok = r
        .check(
            &Payment::Electronic {
                reference: "2026120212345".into(),
            },
            5000,
            false,
            false,
        )
        .unwrap();
    assert!(ok.contains("第六十七条第三款"), "{ok}");
    let no = r
        .check(
            &Payment::Electronic {
                reference: String::new(),
            },
            5000,
            false,
            false,
        )
        .unwrap_err();
    assert_eq!(no.basis.article, 67);
}

#[test]
fn a_payment_rules_file_with_a_repeated_ground_names_it() {
    let text = include_str!("../../../assets/procedure/payment.json")
        .replace("\"id\": \"hard_to_collect\"", "\"id\": \"small_fine\"");
    let e = PaymentRules::parse(&text, "payment.json").unwrap_err();
    assert_eq!(e.file, "payment.json");
    assert_eq!(e.entry, "SmallFine");
    assert!(e.message.contains("repeated"));
}

#[test]
fn a_payment_rules_file_of_another_format_is_refused() {
    let text = include_str!("../../../assets/procedure/payment.json")
        .replace("fieldcase-payment/1", "fieldcase-payment/9");
    assert!(PaymentRules::parse(&text, "p.json").is_err());
}
