use std::path::Path;

use super::*;

fn shipped() -> Catalog {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/catalog/violations.json");
    Catalog::load(&path).unwrap()
}

fn shipped_text() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/catalog/violations.json"),
    )
    .unwrap()
}

fn codes(v: &[&Entry]) -> Vec<String> {
    v.iter().map(|e| e.code.clone()).collect()
}

fn person() -> Facts {
    Facts {
        party: Some(PartyKind::Person),
        ..Facts::default()
    }
}

fn org() -> Facts {
    Facts {
        party: Some(PartyKind::Organisation),
        ..Facts::default()
    }
}

#[test]
fn the_shipped_catalogue_loads_and_covers_the_seed_rows() {
    let c = shipped();
    for code in [
        "DLYS-63-1",
        "DLYS-63-2",
        "DLYS-63-3",
        "DLYS-64",
        "DLYS-66",
        "DLYS-68-1",
        "DLYS-68-2",
        "DLYS-69-1",
        "DLYS-69-2",
        "GLAQ-64-C",
        "GLAQ-64-W",
        "GLAQ-64-A",
        "GLAQ-67",
        "GLAQ-69",
        "WYC-34-P",
        "CZC-47-1",
    ] {
        let e = c.get(code).unwrap_or_else(|| panic!("{code} missing"));
        assert!(e.basis_text().starts_with('《'), "{code} cites no law");
    }
    assert!(c.get("GLAQ-69").unwrap().no_penalty.is_some());
}

#[test]
fn citations_are_precise_to_paragraph_and_item() {
    let c = shipped();
    assert_eq!(
        c.get("DLYS-63-1").unwrap().basis_text(),
        "《中华人民共和国道路运输条例》（2023年修订）第六十三条第（一）项"
    );
    assert!(c
        .get("DLYS-68-2")
        .unwrap()
        .basis_text()
        .ends_with("第六十八条第二款"));
    assert!(c
        .get("DLYS-69-2")
        .unwrap()
        .basis_text()
        .ends_with("第六十九条第二款"));
    assert!(c
        .get("GLAQ-67")
        .unwrap()
        .basis_text()
        .ends_with("第六十七条第（二）项"));
    for e in &c.entries {
        let b = e.basis_text();
        assert!(
            PLACEHOLDERS.iter().all(|p| !b.contains(p)),
            "{}: {b}",
            e.code
        );
    }
}

#[test]
fn entries_whose_text_we_do_not_hold_are_uncertain() {
    let c = shipped();
    for code in [
        "CZC-47-1",
        "CZC-47-2",
        "WYC-34-P",
        "WYC-34-V",
        "WYC-34-D",
        "GLAQ-64-W",
    ] {
        assert!(c.get(code).unwrap().uncertain.is_some(), "{code}");
    }
    // Held texts (道路运输条例 2023, 公路安全保护条例 2011) are not.
    for code in ["DLYS-63-1", "DLYS-66", "GLAQ-64-A", "GLAQ-67", "GLAQ-69"] {
        assert!(c.get(code).unwrap().uncertain.is_none(), "{code}");
    }
    let text = shipped_text().replacen(
        r#""law": "《巡游出租汽车经营服务管理规定》""#,
        r#""law": "《巡游出租汽车经营服务管理规定》（待核实）""#,
        1,
    );
    let e = Catalog::parse(&text, "v.json").unwrap_err();
    assert!(e.message.contains("placeholder"), "{e}");
}

#[test]
fn dlys_art_63_item_1_gains_over_10000_are_fined_1_to_5_times_and_confiscated() {
    let c = shipped();
    let e = c.get("DLYS-63-1").unwrap();
    let facts = Facts {
        gains: Some(15_000),
        ..person()
    };
    // With 15,000 of gains the lawful fine is 15,000–75,000, not the fixed range.
    assert!(c.check(e, "一般", Penalty::Fine(3000), &facts).is_err());
    let lawful = c.check(e, "一般", Penalty::Fine(75_000), &facts).unwrap();
    assert_eq!(
        lawful.fine,
        LawfulFine::Gains {
            gains: 15_000,
            range: Range {
                min: 15_000,
                max: 75_000
            }
        }
    );
    assert_eq!(lawful.sanctions, [SanctionKind::ConfiscateGains]);
    assert_eq!(lawful.orders, [Order::StopBusiness]);
    assert!(c.check(e, "一般", Penalty::Fine(75_001), &facts).is_err());
    // At or under the threshold: the fixed range and its tiers, no confiscation.
    let small = Facts {
        gains: Some(10_000),
        ..person()
    };
    let lawful = c.check(e, "轻微", Penalty::Fine(3000), &small).unwrap();
    assert!(lawful.sanctions.is_empty());
    // 情节严重: 10,000–50,000 (the serious tier).
    let l = c
        .check(e, "严重", Penalty::Fine(50_000), &person())
        .unwrap();
    assert_eq!(
        l.fine,
        LawfulFine::Range {
            range: Range {
                min: 10_000,
                max: 50_000
            },
            serious: true
        }
    );
}

#[test]
fn dlys_art_63_items_2_and_3_gains_over_20000_are_fined_2_to_10_times() {
    let c = shipped();
    for code in ["DLYS-63-2", "DLYS-63-3"] {
        let e = c.get(code).unwrap();
        let facts = Facts {
            gains: Some(30_000),
            ..org()
        };
        let l = c.lawful(e, &facts).unwrap();
        assert_eq!(
            l.fine,
            LawfulFine::Gains {
                gains: 30_000,
                range: Range {
                    min: 60_000,
                    max: 300_000
                }
            },
            "{code}"
        );
        let l = c
            .lawful(
                e,
                &Facts {
                    gains: Some(20_000),
                    ..org()
                },
            )
            .unwrap();
        assert!(
            matches!(l.fine, LawfulFine::Range { serious: false, .. }),
            "{code}"
        );
    }
}

#[test]
fn dlys_art_66_documents_are_collected_and_any_gains_confiscated() {
    let c = shipped();
    let e = c.get("DLYS-66").unwrap();
    let l = c.lawful(e, &person()).unwrap();
    assert_eq!(l.sanctions, [SanctionKind::CollectDocuments]);
    assert_eq!(l.orders, [Order::StopViolation]);
    let l = c
        .lawful(
            e,
            &Facts {
                gains: Some(1),
                ..person()
            },
        )
        .unwrap();
    assert_eq!(
        l.sanctions,
        [
            SanctionKind::CollectDocuments,
            SanctionKind::ConfiscateGains
        ]
    );
    // 收缴 is not a penalty of the simple procedure's kind: general procedure.
    let needs = c.needs(&l, Penalty::Fine(2000), PartyKind::Person, false);
    assert_eq!(needs.procedure, Procedure::General);
}

#[test]
fn dlys_art_68_serious_circumstances_allow_revocation_which_needs_hearing_and_review() {
    let c = shipped();
    let e = c.get("DLYS-68-1").unwrap();
    let l = c.check(e, "严重", Penalty::Fine(2000), &org()).unwrap();
    assert_eq!(l.sanctions, [SanctionKind::RevokeLicence]);
    let needs = c.needs(&l, Penalty::Fine(2000), PartyKind::Organisation, false);
    // A revocation is never simple procedure (行政处罚法 art. 51), gives a
    // hearing right (art. 63 para. 1 item 3) and needs 法制审核 (art. 58).
    assert_eq!(needs.procedure, Procedure::General);
    assert!(needs.hearing && needs.legal_review);
    assert!(needs
        .reasons
        .iter()
        .any(|r| r.basis.article == 63 && r.basis.item == Some(3)));
    let l = c.check(e, "一般", Penalty::Fine(1500), &org()).unwrap();
    assert!(l.sanctions.is_empty());
    let needs = c.needs(&l, Penalty::Fine(1500), PartyKind::Organisation, false);
    assert_eq!(needs.procedure, Procedure::Simple);
    assert!(!needs.hearing && !needs.legal_review);
}

#[test]
fn glaq_art_64_overweight_is_fined_per_started_1000_kg_with_a_warning_up_to_1000() {
    let c = shipped();
    let w = c.get("GLAQ-64-W").unwrap();
    let at = |kg| Facts {
        excess_kg: Some(kg),
        ..person()
    };
    let exact = |kg| match c.lawful(w, &at(kg)).unwrap().fine {
        LawfulFine::Exact { penalty, .. } => penalty,
        other => panic!("{other:?}"),
    };
    assert_eq!(exact(800), Penalty::Warning);
    assert_eq!(exact(1000), Penalty::Warning);
    assert_eq!(exact(1001), Penalty::Fine(1000));
    assert_eq!(exact(3000), Penalty::Fine(1500));
    assert_eq!(exact(100_000), Penalty::Fine(30_000));
    assert!(c.check(w, "轻微", Penalty::Warning, &at(900)).is_ok());
    let e = c
        .check(w, "一般", Penalty::Fine(1000), &at(3000))
        .unwrap_err();
    assert_eq!(e.zh(), "超限 3000 千克，依法应为罚款 1500 元");
    assert!(matches!(
        c.lawful(w, &person()),
        Err(AmountError::ExcessNeeded { .. })
    ));
    // The axle-load entry of the same article: up to 30,000.
    let a = c.get("GLAQ-64-A").unwrap();
    assert_eq!(a.fine.max, 30_000);
    assert!(a.title.contains("轴荷"));
}

#[test]
fn glaq_art_67_allows_towing_and_detention_which_follow_qzf_art_18_and_24() {
    let c = shipped();
    let e = c.get("GLAQ-67").unwrap();
    let l = c.lawful(e, &person()).unwrap();
    let kinds: Vec<_> = l.measures.iter().map(|m| m.kind).collect();
    assert_eq!(kinds, [MeasureKind::TowAway, MeasureKind::DetainVehicle]);
    let needs = c.needs(&l, Penalty::Fine(100), PartyKind::Person, true);
    assert_eq!(needs.procedure, Procedure::General);
    let cited: Vec<u32> = needs
        .reasons
        .iter()
        .filter(|r| r.basis.law.contains("行政强制法"))
        .map(|r| r.basis.article)
        .collect();
    assert_eq!(cited, [18, 24]);
}

#[test]
fn party_restrictions_are_enforced() {
    let c = shipped();
    let platform = c.get("WYC-34-P").unwrap();
    let e = c.lawful(platform, &person()).unwrap_err();
    assert!(matches!(e, AmountError::PartyNotAllowed { .. }));
    assert_eq!(e.zh(), "该违法行为不适用于公民");
    assert!(c.lawful(platform, &org()).is_ok());
    assert!(c.lawful(c.get("DLYS-64").unwrap(), &org()).is_err());
}

#[test]
fn xzcff_art_51_simple_procedure_only_within_the_thresholds() {
    let c = shipped();
    let e = c.get("DLYS-64").unwrap();
    let l = c.lawful(e, &person()).unwrap();
    let p = |amount, party| c.needs(&l, Penalty::Fine(amount), party, false).procedure;
    assert_eq!(p(200, PartyKind::Person), Procedure::Simple);
    assert_eq!(p(201, PartyKind::Person), Procedure::General);
    assert_eq!(p(3000, PartyKind::Organisation), Procedure::Simple);
    assert_eq!(p(3001, PartyKind::Organisation), Procedure::General);
    assert_eq!(
        c.needs(&l, Penalty::Warning, PartyKind::Person, false)
            .procedure,
        Procedure::Simple
    );
}

#[test]
fn xzcff_art_63_large_fines_give_a_hearing_right_and_art_58_a_legal_review() {
    let c = shipped();
    let e = c.get("DLYS-63-2").unwrap();
    let l = c.lawful(e, &person()).unwrap();
    let needs = c.needs(
        &l,
        Penalty::Fine(c.hearing.person_min),
        PartyKind::Person,
        false,
    );
    assert!(needs.hearing, "art. 63");
    assert!(needs.legal_review, "art. 58 (hearing cases)");
    let needs = c.needs(
        &l,
        Penalty::Fine(c.hearing.person_min - 1),
        PartyKind::Person,
        false,
    );
    assert!(!needs.hearing);
}

#[test]
fn xzcff_art_33_lists_its_three_grounds_and_the_duty_to_educate() {
    let c = shipped();
    assert_eq!(c.ground(Ground::Minor).unwrap().effect, Effect::MustNot);
    assert_eq!(
        c.ground(Ground::FirstOffence).unwrap().effect,
        Effect::MayNot
    );
    let nf = c.ground(Ground::NoFault).unwrap();
    assert_eq!((nf.effect, nf.basis.paragraph), (Effect::MustNot, Some(2)));
    assert_eq!(c.education_basis.provision(), "第三十三条第三款");
    let e = Catalog::parse(
        &shipped_text().replacen(r#""ground": "no_fault""#, r#""ground": "minor""#, 1),
        "v.json",
    )
    .unwrap_err();
    assert_eq!(e.entry, "art33");
}

#[test]
fn xzcff_art_34_tiers_do_not_overlap_and_cite_their_discretion_source() {
    let c = shipped();
    for e in &c.entries {
        for pair in e.tiers.windows(2) {
            assert!(pair[0].warning || pair[0].max < pair[1].min, "{}", e.code);
        }
        for t in &e.tiers {
            assert!(c.discretion_sources.contains_key(&t.source));
        }
    }
    let overlapping = shipped_text().replacen(
        r#""min": 501, "max": 1000"#,
        r#""min": 500, "max": 1000"#,
        1,
    );
    assert_ne!(
        overlapping,
        shipped_text(),
        "the fixture text must match the file"
    );
    let e = Catalog::parse(&overlapping, "v.json").unwrap_err();
    assert!(e.message.contains("overlaps"), "{e}");
    let unsourced = shipped_text().replacen(r#""source": "baseline""#, r#""source": "nowhere""#, 1);
    assert!(Catalog::parse(&unsourced, "v.json")
        .unwrap_err()
        .message
        .contains("discretion_sources"));
}

#[test]
fn a_warning_tier_only_where_the_article_allows_a_warning() {
    let text = shipped_text();
    let start = text.find(r#""code": "GLAQ-64-W""#).unwrap();
    let warning_at = start + text[start..].find(r#""warning": {"#).unwrap();
    let end = warning_at + text[warning_at..].find('}').unwrap() + 1;
    let without = format!("{}\"warning\": null{}", &text[..warning_at], &text[end..]);
    let e = Catalog::parse(&without, "v.json").unwrap_err();
    assert_eq!(e.entry, "GLAQ-64-W");
    assert!(e.message.contains("allows no warning"), "{e}");
    let c = shipped();
    let e = c.get("DLYS-64").unwrap();
    assert!(matches!(
        c.check(e, "一般", Penalty::Warning, &person()),
        Err(AmountError::NoWarning(_))
    ));
}

#[test]
fn search_by_chinese_keyword_and_by_pinyin_initials() {
    let c = shipped();
    assert_eq!(initials("非法营运（货运）"), "ffyyhy");
    let found = codes(&c.search("ffyy"));
    assert!(
        found.contains(&"DLYS-63-1".into()) && found.contains(&"DLYS-63-2".into()),
        "{found:?}"
    );
    let found = codes(&c.search("超限"));
    assert!(
        found.contains(&"GLAQ-64-C".into()) && found.contains(&"GLAQ-64-W".into()),
        "{found:?}"
    );
    assert_eq!(codes(&c.search("黑车")), ["DLYS-63-2"]);
    let wyc = codes(&c.search("WYC"));
    assert!(
        wyc.iter().all(|c| c.starts_with("WYC")) && wyc.len() == 3,
        "{wyc:?}"
    );
    assert_eq!(c.search("  ").len(), c.entries.len());
    assert!(c.search("不存在的违法行为").is_empty());
}

#[test]
fn amounts_outside_the_tier_are_refused() {
    let c = shipped();
    let e = c.get("DLYS-64").unwrap();
    assert!(c.check(e, "一般", Penalty::Fine(700), &person()).is_ok());
    let err = c
        .check(e, "一般", Penalty::Fine(2500), &person())
        .unwrap_err();
    assert_eq!(err.zh(), "“一般”档次的罚款应在 501–1000 元之间");
    assert!(matches!(
        c.check(e, "特别严重", Penalty::Fine(1), &person()),
        Err(AmountError::NoTier { .. })
    ));
}

#[test]
fn no_penalty_needs_every_condition() {
    let c = shipped();
    let e = c.get("GLAQ-69").unwrap();
    assert!(e.no_penalty_applies(&[true, true, true, true]));
    assert!(!e.no_penalty_applies(&[true, false, true, true]));
    assert!(!e.no_penalty_applies(&[true]));
    assert!(!c.get("DLYS-64").unwrap().no_penalty_applies(&[]));
}

#[test]
fn bad_files_are_refused_naming_file_and_entry() {
    let good = shipped_text();
    let broken = good.replacen(r#""max": 2000"#, r#""max": 1999"#, 1);
    assert_ne!(broken, good);
    let e = Catalog::parse(&broken, "violations.json").unwrap_err();
    assert_eq!(e.file, "violations.json");
    assert!(e.message.contains("leaves the statutory range"), "{e}");
    let e = Catalog::parse(&good.replacen("\"轻微\"", "\"很轻\"", 1), "v.json").unwrap_err();
    assert!(e.message.contains("unknown grade"), "{e}");
    let e = Catalog::parse(
        &good.replacen(
            r#""short_en": "Unlicensed freight operation""#,
            r#""short_en": " ""#,
            1,
        ),
        "v.json",
    )
    .unwrap_err();
    assert!(
        e.entry == "DLYS-63-1" && e.message.contains("short_en is empty"),
        "{e}"
    );
    let e = Catalog::parse(
        &good.replacen(r#""grade_en": "Ordinary""#, r#""grade_en": "Usual""#, 3),
        "v.json",
    )
    .unwrap_err();
    assert!(e.message.contains("elsewhere"), "{e}");
    let e = Catalog::parse(
        &good.replacen("\"DLYS-63-2\"", "\"DLYS-63-1\"", 1),
        "v.json",
    )
    .unwrap_err();
    assert_eq!(e.entry, "DLYS-63-1");
    let e = Catalog::parse(
        &good.replacen("fieldcase-catalog/2", "other/9", 1),
        "v.json",
    )
    .unwrap_err();
    assert_eq!(e.entry, "(file)");
    let e = Catalog::parse(
        &good.replacen(r#""parties": ["person"]"#, r#""parties": []"#, 1),
        "v.json",
    )
    .unwrap_err();
    assert_eq!(e.entry, "DLYS-64");
    assert!(Catalog::parse("{", "v.json").is_err());
    let e = Catalog::load(Path::new("/nonexistent/v.json")).unwrap_err();
    assert!(e.message.contains("cannot read"));
}
