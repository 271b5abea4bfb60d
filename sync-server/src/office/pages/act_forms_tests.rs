//! The step forms: labels, parsing, hostile values.
use super::*;

fn values(pairs: &[(&str, &str)]) -> Values {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn every_form_has_a_probe_and_a_title() {
    for f in FORMS {
        assert!(probe(f.key, NaiveDate::default()).is_some(), "{}", f.key);
        assert_ne!(title(f.key, Lang::Zh), "?");
    }
}

#[test]
fn a_missing_field_is_named_by_its_label() {
    let e = input(form("closed").unwrap(), &values(&[("outcome", "罚款")])).unwrap_err();
    assert_eq!(e.zh, "“执行情况”未填写");
    let e = input(
        form("decided").unwrap(),
        &values(&[
            ("address", "a"),
            ("facts", "b"),
            ("evidence", "c"),
            ("basis", "d"),
            ("penalty", "e"),
            ("fine_yuan", "-5"),
            ("performance", "f"),
        ]),
    )
    .unwrap_err();
    assert!(e.zh.contains("罚款金额"), "{}", e.zh);
}

#[test]
fn the_legal_review_form_reads_every_aspect_and_passes_only_when_all_agree() {
    let mut v = values(&[("conclusion", "同意")]);
    for a in Aspect::ALL {
        v.insert(format!("agree_{}", a.id()), "yes".into());
        v.insert(format!("reason_{}", a.id()), "符合".into());
    }
    let i = input(form("legal_reviewed").unwrap(), &v).unwrap();
    assert_eq!(i.step, Step::LegalReviewed { passed: true });
    v.insert("agree_discretion".into(), "no".into());
    let i = input(form("legal_reviewed").unwrap(), &v).unwrap();
    assert_eq!(i.step, Step::LegalReviewed { passed: false });
    v.remove("agree_facts");
    let e = input(form("legal_reviewed").unwrap(), &v).unwrap_err();
    assert!(e.zh.contains("事实"), "{}", e.zh);
}

#[test]
fn hostile_values_are_refused_by_name_not_signed() {
    // A day that is not one, a time in another form, a method not in the
    // code list, a fine past any tier: each named, nothing parsed.
    let e = input(
        form("extended").unwrap(),
        &values(&[("until", "2026-13-40")]),
    )
    .unwrap_err();
    assert!(e.zh.contains("延长至"), "{}", e.zh);
    let e = input(
        form("hearing_noticed").unwrap(),
        &values(&[("at", "next tuesday"), ("place", "x"), ("host", "y")]),
    )
    .unwrap_err();
    assert!(e.zh.contains("听证时间"), "{}", e.zh);
    let mut v = values(&[
        ("document", "决定书"),
        ("method", "carrier pigeon"),
        ("recipient", "张三"),
        ("served_at", "2026-12-07T10:00"),
        ("place", "x"),
    ]);
    let e = input(form("served").unwrap(), &v).unwrap_err();
    assert!(e.zh.contains("代码表"), "{}", e.zh);
    v.insert("method".into(), "post".into());
    assert!(input(form("served").unwrap(), &v).is_ok());
    let e = input(
        form("nonsense").unwrap_or(&FORMS[0]),
        &values(&[("on", "yesterday")]),
    )
    .unwrap_err();
    assert!(!e.zh.is_empty());
}

#[test]
fn the_publication_forms_take_codes_from_their_lists_only() {
    let e = input(
        form("publication_withheld").unwrap(),
        &values(&[("reason", "because"), ("note", "x")]),
    )
    .unwrap_err();
    assert!(e.zh.contains("不予公示的情形"), "{}", e.zh);
    let i = input(
        form("publication_withheld").unwrap(),
        &values(&[("reason", "commercial_secret"), ("note", "涉及经营数据")]),
    )
    .unwrap();
    assert_eq!(i.step, Step::PublicationWithheld);
    let e = input(
        form("overturned").unwrap(),
        &values(&[("how", "vetoed"), ("by", "复议决定书")]),
    )
    .unwrap_err();
    assert!(e.zh.contains("决定被"), "{}", e.zh);
    // The entry is never taken from the form: the signer builds it.
    let i = input(
        form("published").unwrap(),
        &values(&[("party_name", "someone else"), ("facts", "made up")]),
    )
    .unwrap();
    assert_eq!((i.step, i.paper), (Step::Published, None));
}

#[test]
fn a_hearing_notice_takes_its_day_from_the_moment_in_beijing_time() {
    let i = input(
        form("hearing_noticed").unwrap(),
        &values(&[
            ("at", "2026-12-20T09:30"),
            ("place", "第一听证室"),
            ("host", "李主持"),
            ("by", "65010023，65010031"),
        ]),
    )
    .unwrap();
    assert_eq!(
        i.step,
        Step::HearingNoticed {
            hearing_on: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap()
        }
    );
    assert_eq!(i.by, ["65010023", "65010031"]);
}
