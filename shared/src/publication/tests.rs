//! Masking attacked: a party's and other people's details written into
//! every field a clerk can type, in the ways people write them.

use chrono::NaiveDate;

use super::entry::{build, wan, Decided, KEYS};
use super::rules::{PublicationRules, WithholdReason};
use super::Masker;
use crate::model::Party;
use crate::procedure::acts::Decision;
use crate::validate::id_card_check_char;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A valid 身份证号 from its first 17 digits.
fn id(first17: &str) -> String {
    format!("{first17}{}", id_card_check_char(first17).unwrap())
}

fn rules() -> PublicationRules {
    PublicationRules::shipped().unwrap()
}

/// Full-width digits, as an IME writes them.
fn wide(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap(),
            c => c,
        })
        .collect()
}

struct Secrets {
    party_id: String,
    witness_id: String,
    phone: &'static str,
    account: &'static str,
    address: &'static str,
    others: Vec<&'static str>,
}

fn secrets() -> Secrets {
    Secrets {
        party_id: id("65010219850312123"),
        witness_id: id("65010419900101442"),
        phone: "13912345678",
        account: "6222021234567890123",
        address: "乌鲁木齐市天山区幸福路12号3单元401室",
        others: vec!["李四", "王小五", "欧阳娜娜"],
    }
}

/// Text with every secret in it, written in several ways.
fn hostile(s: &Secrets) -> String {
    format!(
        "当事人张三丰（身份证号{pid}，住{addr}，电话{phone}）于2026年3月1日驾驶车辆载客，收取车费200元。\
         经询问证人李四（身份证{wid_lower}），乘客王小五称其通过138 0013 8000联系，\
         另一乘客欧阳娜娜用全角{wide_phone}联系，车费转入账户{acct}，亦转入6222 0212 3456 7890 123，\
         驾驶员赵六在场，见证人：钱七签字；固定电话0991-1234567，号码+86 {phone}，证件{wid_wide}。",
        pid = s.party_id,
        addr = s.address,
        phone = s.phone,
        wid_lower = s.witness_id.to_lowercase(),
        wide_phone = wide("13700001111"),
        acct = s.account,
        wid_wide = wide(&s.witness_id),
    )
}

fn decision(text: &str, s: &Secrets) -> Decision {
    Decision {
        address: s.address.into(),
        facts: text.into(),
        evidence: vec!["询问笔录".into()],
        basis: format!("《道路运输条例》第六十三条；当事人身份证号{}", s.party_id),
        penalty: format!("罚款人民币20000元，警告；联系人李四 {}", s.phone),
        fine_yuan: 20_000,
        performance: "十五日内缴纳".into(),
    }
}

fn decided<'a>(party: &'a Party, d: &'a Decision, s: &Secrets) -> Decided<'a> {
    Decided {
        case_no: "乌交执罚〔2026〕000123号",
        party,
        legal_rep: "",
        phone: s.phone,
        decision: d,
        violation: "未取得道路运输经营许可擅自从事道路运输经营（证人李四举报）",
        decided_on: day("2026-04-01"),
        occurred_on: day("2026-03-01"),
        others: s.others.iter().map(|n| (*n).to_owned()).collect(),
        agency: ("乌鲁木齐市交通运输综合行政执法局", "11650100MB0C9F8E7X"),
    }
}

/// Every string that must not appear in any published field.
fn forbidden(s: &Secrets) -> Vec<String> {
    let mut v = vec![
        s.party_id.clone(),
        s.witness_id.clone(),
        s.witness_id.to_lowercase(),
        wide(&s.witness_id),
        s.phone.to_owned(),
        s.account.to_owned(),
        s.address.to_owned(),
        "幸福路".into(),
        "138 0013 8000".into(),
        "13800138000".into(),
        wide("13700001111"),
        "6222 0212 3456 7890 123".into(),
        "1234567".into(),
        "19850312".into(),
    ];
    v.extend(
        ["李四", "王小五", "欧阳娜娜", "赵六", "钱七"]
            .iter()
            .map(|n| (*n).to_owned()),
    );
    v
}

#[test]
fn every_field_of_a_persons_entry_is_masked_against_hostile_text() {
    let s = secrets();
    let party = Party::Person {
        id_number: s.party_id.clone(),
        name: "张三丰".into(),
    };
    let text = hostile(&s);
    let d = decision(&text, &s);
    let e = build(&rules(), &decided(&party, &d, &s)).unwrap();
    for key in KEYS {
        let v = e.field(key);
        for f in forbidden(&s) {
            assert!(!v.contains(&f), "{key} shows {f:?}: {v}");
        }
    }
    // What stays: the party's own name, the amounts, the day, the case
    // number, the surname of each other person.
    assert_eq!(e.party_name, "张三丰");
    assert!(e.facts.contains("当事人张三丰"), "{}", e.facts);
    assert!(e.facts.contains("200元"));
    assert!(e.facts.contains("2026年3月1日"));
    assert!(e.facts.contains("证人李*"), "{}", e.facts);
    assert!(e.facts.contains("乘客王**"), "{}", e.facts);
    assert!(e.facts.contains("欧***"), "{}", e.facts);
    assert!(e.facts.contains("驾驶员赵*"), "{}", e.facts);
    assert!(e.facts.contains("见证人：钱*签字"), "{}", e.facts);
    assert!(e.facts.contains("【地址已屏蔽】"));
    assert!(e.content.contains("20000元"), "{}", e.content);
    assert_eq!(e.decision_no, "乌交执罚〔2026〕000123号");
    assert_eq!(
        e.id_number,
        "650102**********1X".replace("1X", &s.party_id[16..])
    );
    assert_eq!(e.id_type, "身份证");
    assert_eq!(e.fine_wan, "2.000000");
    assert_eq!(e.kinds, "罚款;警告");
    assert_eq!(e.publish_until, day("2027-04-01"));
    assert_eq!(e.party_kind.zh(), "自然人");
    e.check().unwrap();
}

#[test]
fn an_organisation_keeps_its_name_code_and_representative() {
    let s = secrets();
    let party = Party::Organisation {
        uscc: "91650100MA7ABCDE1X".into(),
        name: "乌鲁木齐李四运输有限公司".into(),
    };
    let text = hostile(&s);
    let d = decision(&text, &s);
    let mut x = decided(&party, &d, &s);
    x.legal_rep = "孙八";
    let e = build(&rules(), &x).unwrap();
    assert_eq!(e.party_name, "乌鲁木齐李四运输有限公司");
    assert_eq!(e.uscc, "91650100MA7ABCDE1X");
    assert_eq!(e.legal_rep, "孙八");
    assert_eq!(e.party_kind.zh(), "法人及非法人组织");
    assert!(e.id_number.is_empty() && e.id_type.is_empty());
    for key in ["facts", "basis", "content", "violation"] {
        let v = e.field(key);
        for f in forbidden(&s) {
            assert!(!v.contains(&f), "{key} shows {f:?}: {v}");
        }
    }
}

#[test]
fn a_minor_party_is_not_published_and_an_adult_of_that_day_is() {
    let s = secrets();
    let d = decision("未取得许可从事经营", &s);
    // Born 2008-03-02: 17 on 2026-03-01, the day of the violation.
    let minor = Party::Person {
        id_number: id("65010220080302123"),
        name: "小明".into(),
    };
    assert_eq!(
        build(&rules(), &decided(&minor, &d, &s)),
        Err(WithholdReason::Minor)
    );
    // Born 2008-03-01: 18 that day.
    let adult = Party::Person {
        id_number: id("65010220080301123"),
        name: "小明".into(),
    };
    assert!(build(&rules(), &decided(&adult, &d, &s)).is_ok());
    let r = rules();
    let w = r.reason(WithholdReason::Minor);
    assert_eq!(w.basis.article, 103);
    assert!(w.basis.law.contains("未成年人保护法"));
}

#[test]
fn numbers_that_are_not_personal_stay() {
    let r = rules();
    let m = Masker::new(&r.mask, None, Vec::new(), Vec::new());
    for plain in [
        "罚款20000元",
        "2026-03-01",
        "第六十三条",
        "核载 7 人实载 12 人",
        "车牌新A12345",
        "超限 3500 公斤",
    ] {
        assert_eq!(m.text(plain), plain);
    }
    // An amount written next to a phone number stays; the phone does not.
    assert_eq!(m.text("2000 13912345678"), "2000 139******78");
    // An 18-digit number that is not an ID number is masked as an account.
    assert_eq!(m.text("123456789012345678"), "**************5678");
    assert_eq!(m.name("欧阳娜娜"), "欧***");
}

#[test]
fn a_name_that_is_part_of_the_partys_name_leaves_the_party_alone() {
    let r = rules();
    let m = Masker::new(
        &r.mask,
        Some("张三丰"),
        vec!["张三".to_owned(), "张三丰".to_owned(), "李".to_owned()],
        Vec::new(),
    );
    assert_eq!(
        m.text("张三丰与张三同行，李某在场"),
        "张三丰与张*同行，李某在场"
    );
    // The placeholder character is never taken from the input.
    assert_eq!(m.text("\u{E000}张三"), "张*");
}

#[test]
fn amounts_in_wan() {
    assert_eq!(wan(0), "0.000000");
    assert_eq!(wan(200), "0.020000");
    assert_eq!(wan(12_345), "1.234500");
    assert_eq!(wan(100_000_000), "10000.000000");
}

#[test]
fn the_shipped_rules_load_and_bad_ones_are_named() {
    let r = rules();
    assert_eq!(r.fields.len(), KEYS.len());
    assert_eq!(r.fields[0].header, "行政相对人名称");
    let shipped = include_str!("../../../assets/publication/rules.json");
    let cases = [
        ("\"id_keep_start\": 6", "\"id_keep_start\": 16", "mask"),
        (
            "\"period_months\": 12",
            "\"period_months\": 0",
            "period_months",
        ),
        ("{\"id\": \"privacy\"", "{\"id\": \"minor\"", "withheld"),
        ("\"key\": \"facts\"", "\"key\": \"fact\"", "fields"),
        ("\"article\": 103", "\"article\": 0", "minor"),
        (
            "fieldcase-publication/1",
            "fieldcase-publication/9",
            "(file)",
        ),
    ];
    for (from, to, entry) in cases {
        assert!(shipped.contains(from), "{from}");
        let e = PublicationRules::parse(&shipped.replacen(from, to, 1), "rules.json").unwrap_err();
        assert_eq!(e.entry, entry, "{from} → {to}: {e}");
    }
}
