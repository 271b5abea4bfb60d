use super::*;

fn shipped() -> Catalog {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/catalog/violations.json");
    Catalog::load(&path).unwrap()
}

fn codes(v: &[&Entry]) -> Vec<String> {
    v.iter().map(|e| e.code.clone()).collect()
}

#[test]
fn the_shipped_catalogue_loads_and_covers_the_seed_rows() {
    let c = shipped();
    assert!(c.entries.len() >= 14);
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
        "GLAQ-67",
        "GLAQ-69",
        "WYC-34-P",
        "CZC-47-1",
    ] {
        let e = c.get(code).unwrap_or_else(|| panic!("{code} missing"));
        assert!(e.basis.contains('《'), "{code} cites no law");
    }
    assert!(c.get("GLAQ-69").unwrap().no_penalty.is_some());
    assert!(c.get("CZC-47-1").unwrap().uncertain);
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
    assert_eq!(e.check("一般", Penalty::Fine(700)), Ok(()));
    let err = e.check("一般", Penalty::Fine(2500)).unwrap_err();
    assert_eq!(err.zh(), "“一般”档次的罚款应在 500–1000 元之间");
    assert!(e.check("一般", Penalty::Warning).is_err());
    assert!(matches!(
        e.check("特别严重", Penalty::Fine(1)),
        Err(AmountError::NoTier { .. })
    ));
    let w = c.get("GLAQ-64-W").unwrap();
    assert_eq!(w.check("轻微", Penalty::Warning), Ok(()));
    assert!(w.check("轻微", Penalty::Fine(100)).is_err());
    assert_eq!(w.per_excess_penalty(800), Some(Penalty::Warning));
    assert_eq!(w.per_excess_penalty(1000), Some(Penalty::Warning));
    assert_eq!(w.per_excess_penalty(1001), Some(Penalty::Fine(1000)));
    assert_eq!(w.per_excess_penalty(3000), Some(Penalty::Fine(1500)));
    assert_eq!(w.per_excess_penalty(100_000), Some(Penalty::Fine(30000)));
    assert_eq!(c.get("DLYS-64").unwrap().per_excess_penalty(5000), None);
}

#[test]
fn simple_procedure_only_within_the_thresholds() {
    let c = shipped();
    assert_eq!(c.procedure(Penalty::Warning, false), Procedure::Simple);
    assert_eq!(c.procedure(Penalty::Fine(200), false), Procedure::Simple);
    assert_eq!(c.procedure(Penalty::Fine(201), false), Procedure::General);
    assert_eq!(c.procedure(Penalty::Fine(3000), true), Procedure::Simple);
    assert_eq!(c.procedure(Penalty::Fine(3001), true), Procedure::General);
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
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/catalog/violations.json"),
    )
    .unwrap();
    let broken = good.replacen(
        r#"{"grade": "一般", "grade_en": "Ordinary", "min": 500, "max": 1000"#,
        r#"{"grade": "一般", "grade_en": "Ordinary", "min": 500, "max": 9000"#,
        1,
    );
    let e = Catalog::parse(&broken, "violations.json").unwrap_err();
    assert_eq!(
        (e.file.as_str(), e.entry.as_str()),
        ("violations.json", "DLYS-64")
    );
    assert!(e.message.contains("leaves the statutory range"), "{e}");
    let e = Catalog::parse(&good.replacen("\"轻微\"", "\"很轻\"", 1), "v.json").unwrap_err();
    assert!(e.message.contains("unknown grade"), "{e}");
    // Every entry, tier and condition has its English name, one per grade.
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
        &good.replacen(r#", "No harmful consequences""#, "", 1),
        "v.json",
    )
    .unwrap_err();
    assert!(
        e.entry == "GLAQ-69" && e.message.contains("conditions_en"),
        "{e}"
    );
    let e = Catalog::parse(
        &good.replacen("\"DLYS-63-2\"", "\"DLYS-63-1\"", 1),
        "v.json",
    )
    .unwrap_err();
    assert_eq!(e.entry, "DLYS-63-1");
    let e = Catalog::parse(
        &good.replacen("fieldcase-catalog/1", "other/9", 1),
        "v.json",
    )
    .unwrap_err();
    assert_eq!(e.entry, "(file)");
    assert!(Catalog::parse("{", "v.json").is_err());
    let e = Catalog::load(Path::new("/nonexistent/v.json")).unwrap_err();
    assert!(e.message.contains("cannot read"));
}
