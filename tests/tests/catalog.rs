//! `fieldcase catalog range` end to end: the real binary prints what the
//! law allows for the facts given, from the code the screens use.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::process::Command;

use fieldcase_e2e::bin;
use serde_json::Value;

fn range(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(bin("fieldcase"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["catalog", "range"])
        .args(args)
        .output()
        .unwrap()
}

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = range(&all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn dlys_art_63_gains_set_the_range_confiscation_and_a_hearing() {
    let v = json(&["DLYS-63-1", "--gains", "15000"]);
    assert_eq!(v["lawful"]["fine"]["kind"], "gains");
    assert_eq!(v["lawful"]["fine"]["range"]["min"], 15000);
    assert_eq!(v["lawful"]["fine"]["range"]["max"], 75000);
    assert_eq!(v["lawful"]["sanctions"][0], "confiscate_gains");
    assert_eq!(v["lawful"]["orders"][0], "stop_business");
    assert_eq!(v["at_max"]["procedure"], "general");
    assert_eq!(v["at_max"]["hearing"], true);
    let text = String::from_utf8(range(&["DLYS-63-1", "--gains", "15000"]).stdout).unwrap();
    assert!(text.contains("15000–75000"), "{text}");
    assert!(text.contains("第六十三条第（一）项"), "{text}");
    // Without gains: the fixed range, simple procedure impossible above 200 for a person.
    let v = json(&["DLYS-63-1"]);
    assert_eq!(v["lawful"]["fine"]["range"]["max"], 10000);
}

#[test]
fn overweight_by_the_excess_and_revocation_when_serious() {
    let v = json(&["GLAQ-64-W", "--excess-kg", "800"]);
    assert_eq!(v["lawful"]["fine"]["penalty"], "warning");
    assert_eq!(v["at_min"]["procedure"], "simple");
    let v = json(&["GLAQ-64-W", "--excess-kg", "2500", "--party", "org"]);
    assert_eq!(v["lawful"]["fine"]["penalty"]["fine"], 1500);
    let v = json(&["DLYS-68-1", "--serious", "--party", "org"]);
    assert_eq!(v["lawful"]["sanctions"][0], "revoke_licence");
    assert_eq!(v["at_min"]["procedure"], "general");
    assert_eq!(v["at_min"]["legal_review"], true);
    let v = json(&["GLAQ-67"]);
    assert_eq!(v["lawful"]["measures"][1]["kind"], "detain_vehicle");
}

#[test]
fn a_party_the_entry_does_not_apply_to_and_unknown_entries_are_refused() {
    let out = range(&["WYC-34-P", "--party", "person"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("不适用于公民"));
    let out = range(&["NOPE-1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("catalog list"));
    let out = range(&["GLAQ-64-W"]);
    assert_eq!(out.status.code(), Some(1), "the excess is needed");
    let text = String::from_utf8(range(&["CZC-47-1"]).stdout).unwrap();
    assert!(text.contains("⚠ 依据未经核对"), "{text}");
    assert!(!text.contains("待核实"), "{text}");
}
