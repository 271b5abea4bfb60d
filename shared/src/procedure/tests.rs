use chrono::NaiveDate;

use super::*;
use crate::calendar::{Calendar, DayCount, Region};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn due(id: &str, event: &str) -> NaiveDate {
    let all = Deadlines::shipped().unwrap();
    all.get(id)
        .unwrap_or_else(|| panic!("{id}"))
        .due(Calendar::builtin(), d(event), Region::National)
        .unwrap()
}

#[test]
fn the_shipped_deadlines_load_each_citing_its_article() {
    let all = Deadlines::shipped().unwrap();
    for id in [
        "service",
        "payment",
        "preservation_decision",
        "hearing_request",
        "hearing_notice",
        "notice_response",
        "decision",
        "cash_handover",
        "simple_filing",
        "seizure",
    ] {
        let deadline = all.get(id).unwrap_or_else(|| panic!("{id}"));
        assert!(deadline.basis.text().contains("第"), "{id}");
    }
}

#[test]
fn xzcff_art_61_service_within_7_working_days() {
    let all = Deadlines::shipped().unwrap();
    assert_eq!(all.get("service").unwrap().day_count(), DayCount::Working);
    // Decided Monday 28 Sept 2026: 29, 30 Sept, then 国庆节, 8, 9, 10 (Sat, worked), 12, 13 Oct.
    assert_eq!(due("service", "2026-09-28"), d("2026-10-13"));
}

#[test]
fn xzcff_art_67_payment_within_15_natural_days_rolled_past_holidays() {
    let all = Deadlines::shipped().unwrap();
    assert_eq!(all.get("payment").unwrap().day_count(), DayCount::Natural);
    assert_eq!(due("payment", "2026-09-16"), d("2026-10-08"));
    assert_eq!(due("payment", "2026-11-02"), d("2026-11-17"));
}

#[test]
fn xzcff_art_56_preservation_decided_within_7_working_days() {
    // Preserved Friday 13 Nov 2026: 16–20, 23, 24 Nov.
    assert_eq!(due("preservation_decision", "2026-11-13"), d("2026-11-24"));
}

#[test]
fn xzcff_art_64_hearing_asked_within_5_days_and_notified_7_days_before() {
    // Notice served Thursday 30 April 2026: 劳动节 1–5 May, so 6, 7, 8, 9 (Sat, worked), 11 May.
    assert_eq!(due("hearing_request", "2026-04-30"), d("2026-05-11"));
    // Hearing on Tuesday 24 Nov 2026: the last day to notify leaves 7
    // working days before it: from 13 Nov (Fri): 16…20, 23, 24.
    let last = due("hearing_notice", "2026-11-24");
    assert_eq!(last, d("2026-11-13"));
    let cal = Calendar::builtin();
    assert_eq!(
        cal.add_working_days(last, 7, Region::National).unwrap(),
        d("2026-11-24")
    );
}

#[test]
fn xzcff_art_60_decision_within_90_days_of_filing() {
    assert_eq!(due("decision", "2026-03-02"), d("2026-06-01"));
}

#[test]
fn qzf_art_25_seizure_lasts_at_most_30_natural_days() {
    let all = Deadlines::shipped().unwrap();
    assert_eq!(all.get("seizure").unwrap().day_count(), DayCount::Natural);
    assert_eq!(due("seizure", "2026-11-02"), d("2026-12-02"));
}

#[test]
fn the_response_period_to_the_notice_is_configurable_default_3_working_days() {
    let all = Deadlines::shipped().unwrap();
    let r = all.get("notice_response").unwrap();
    assert!(r.configurable.is_some());
    assert_eq!((r.days, r.day_count()), (3, DayCount::Working));
    // A count set without saying why it is configuration is refused.
    let text = include_str!("../../../assets/procedure/deadlines.json").replacen(
        r#""law": "xzcff", "from": "decision","#,
        r#""law": "xzcff", "from": "decision", "count": "natural","#,
        1,
    );
    let e = Deadlines::parse(&text, "deadlines.json").unwrap_err();
    assert_eq!(
        (e.file.as_str(), e.entry.as_str()),
        ("deadlines.json", "service")
    );
}

#[test]
fn xzcff_art_72_surcharge_is_3_percent_a_day_capped_at_the_fine() {
    let due = d("2026-11-17");
    assert_eq!(late_surcharge_fen(200, due, d("2026-11-17")), 0);
    assert_eq!(late_surcharge_fen(200, due, d("2026-11-10")), 0);
    // One day late: 6 yuan on 200.
    assert_eq!(late_surcharge_fen(200, due, d("2026-11-18")), 600);
    // 10 days: 30 % of 1,000 = 300 yuan.
    assert_eq!(late_surcharge_fen(1000, due, d("2026-11-27")), 30_000);
    // 34 days would be 102 %: capped at the fine.
    assert_eq!(late_surcharge_fen(1000, due, d("2026-12-21")), 100_000);
    assert_eq!(late_surcharge_fen(1000, due, d("2030-01-01")), 100_000);
}

#[test]
fn xzcff_art_36_limitation_two_years_five_for_life_and_health() {
    assert_eq!(
        limitation_ends(d("2024-11-30"), Limitation::Ordinary),
        d("2026-11-30")
    );
    assert_eq!(
        limitation_ends(d("2024-02-29"), Limitation::Ordinary),
        d("2026-02-28")
    );
    assert_eq!(
        limitation_ends(d("2021-12-01"), Limitation::LifeOrHealth),
        d("2026-12-01")
    );
}

#[test]
fn xzcff_art_52_para_3_simple_decision_filed_within_5_natural_days() {
    let all = Deadlines::shipped().unwrap();
    let filing = all.get("simple_filing").unwrap();
    assert_eq!(filing.day_count(), DayCount::Natural);
    assert!(filing.configurable.is_some());
    // Decided Wednesday 2 Dec 2026: due Monday 7 Dec.
    assert_eq!(due("simple_filing", "2026-12-02"), d("2026-12-07"));
    // Decided Monday 28 Sept 2026: 3 Oct falls in 国庆节 (1–7 Oct), so the
    // period ends on the first day after it, Thursday 8 Oct.
    assert_eq!(due("simple_filing", "2026-09-28"), d("2026-10-08"));
}
