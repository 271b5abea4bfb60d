use super::data::parse;
use super::*;

fn d(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn cal() -> &'static Calendar {
    Calendar::builtin()
}

#[test]
fn the_shipped_tables_cover_2021_to_2026_each_citing_its_notice() {
    let years: Vec<i32> = cal().years().collect();
    assert_eq!(years, (2021..=2026).collect::<Vec<_>>());
    for year in years {
        assert!(cal().source(year).unwrap().contains("国务院"), "{year}");
    }
}

#[test]
fn weekends_are_rest_days_unless_a_notice_makes_them_working_days() {
    // 2026-01-03 is a Saturday inside 元旦; 2026-01-04 a Sunday worked (调休).
    assert!(!cal()
        .is_working_day(d("2026-01-03"), Region::National)
        .unwrap());
    assert!(cal()
        .is_working_day(d("2026-01-04"), Region::National)
        .unwrap());
    assert!(!cal()
        .is_working_day(d("2026-02-16"), Region::National)
        .unwrap());
    assert!(cal()
        .is_working_day(d("2026-02-24"), Region::National)
        .unwrap());
    assert!(!cal()
        .is_working_day(d("2026-03-07"), Region::National)
        .unwrap());
}

#[test]
fn a_year_without_data_is_an_error_never_a_guess() {
    let e = cal()
        .is_working_day(d("2027-03-01"), Region::National)
        .unwrap_err();
    assert_eq!(e, CalendarError::MissingYear { year: 2027 });
    assert!(e.to_string().contains("2027"));
    // A period running into the missing year fails too.
    assert!(cal()
        .add_working_days(d("2026-12-28"), 7, Region::National)
        .is_err());
}

#[test]
fn xinjiang_adds_rouzi_and_gurban_days() {
    // 2025: 肉孜节 29–31 March, 古尔邦节 6–10 June (autonomous region's notice).
    let x = Region::Xinjiang;
    assert!(cal()
        .is_working_day(d("2025-03-31"), Region::National)
        .unwrap());
    assert!(!cal().is_working_day(d("2025-03-31"), x).unwrap());
    assert!(!cal().is_working_day(d("2025-06-09"), x).unwrap());
    assert!(!cal().is_working_day(d("2025-06-10"), x).unwrap());
    assert!(cal().is_working_day(d("2025-06-11"), x).unwrap());
    // 2023: 肉孜节 21 April, 古尔邦节 28–30 June.
    assert!(!cal().is_working_day(d("2023-04-21"), x).unwrap());
    assert!(!cal().is_working_day(d("2023-06-28"), x).unwrap());
    // The national make-up working days stand in the region.
    assert!(cal().is_working_day(d("2025-04-27"), x).unwrap());
}

#[test]
fn a_region_year_whose_notice_is_not_verified_is_refused() {
    let e = cal()
        .is_working_day(d("2026-03-20"), Region::Xinjiang)
        .unwrap_err();
    assert!(
        matches!(e, CalendarError::UnverifiedRegionYear { year: 2026, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("xinjiang.json"));
    // Nationally the same day is known.
    assert!(cal()
        .is_working_day(d("2026-03-20"), Region::National)
        .is_ok());
}

#[test]
fn xzcff_art_85_two_three_five_seven_days_are_working_days() {
    for days in [2, 3, 5, 7] {
        assert_eq!(DayCount::penalty_law(days), DayCount::Working, "{days}");
    }
    for days in [1, 4, 6, 10, 15, 60, 90] {
        assert_eq!(DayCount::penalty_law(days), DayCount::Natural, "{days}");
    }
}

#[test]
fn qzf_art_69_periods_of_ten_days_or_fewer_are_working_days() {
    assert_eq!(DayCount::compulsion_law(10), DayCount::Working);
    assert_eq!(DayCount::compulsion_law(1), DayCount::Working);
    assert_eq!(DayCount::compulsion_law(30), DayCount::Natural);
}

#[test]
fn the_start_day_is_not_counted_and_rest_days_are_skipped() {
    // Friday 2026-09-18 + 3 working days: Sun 20 Sept is worked (调休),
    // so the three days are Sun 20, Mon 21 and Tue 22.
    let end = cal()
        .add_working_days(d("2026-09-18"), 3, Region::National)
        .unwrap();
    assert_eq!(end, d("2026-09-22"));
    // 7 working days from 2026-09-28 (Mon) cross 国庆节 1–7 Oct and the
    // worked Saturday 10 Oct: 29, 30, 8, 9, 10, 12, 13.
    let end = cal()
        .add_working_days(d("2026-09-28"), 7, Region::National)
        .unwrap();
    assert_eq!(end, d("2026-10-13"));
    assert_eq!(
        cal()
            .add_working_days(d("2026-09-28"), 0, Region::National)
            .unwrap(),
        d("2026-09-28")
    );
}

#[test]
fn a_natural_day_period_ending_on_a_rest_day_rolls_to_the_next_working_day() {
    // 15 days (payment, 行政处罚法 art. 67) from 2026-09-16 end on 1 Oct,
    // 国庆节: the period ends on Thursday 8 October.
    let end = cal()
        .period_end(d("2026-09-16"), 15, DayCount::Natural, Region::National)
        .unwrap();
    assert_eq!(end, d("2026-10-08"));
    let end = cal()
        .period_end(d("2026-09-01"), 15, DayCount::Natural, Region::National)
        .unwrap();
    assert_eq!(end, d("2026-09-16"));
}

#[test]
fn working_days_lists_each_day_of_the_range() {
    let days = cal()
        .working_days(d("2026-10-01"), d("2026-10-12"), Region::National)
        .unwrap();
    let want = ["2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12"];
    assert_eq!(days, want.iter().map(|s| d(s)).collect::<Vec<_>>());
}

fn national_with(year_json: &str) -> String {
    format!(r#"{{"format":"fieldcase-calendar/1","about":"t","rules":{{}},"years":[{year_json}]}}"#)
}

const EMPTY_OVERLAY: &str = r#"{"format":"fieldcase-calendar-overlay/1","region":"65","name":"新疆","about":"t","years":[]}"#;

fn load(national: &str) -> Result<Calendar, super::data::CalendarFileError> {
    parse(national, "national.json", EMPTY_OVERLAY, "xinjiang.json")
}

#[test]
fn a_bad_table_names_the_file_and_the_entry() {
    let weekday_workday =
        national_with(r#"{"year":2026,"source":"s","holidays":[],"workdays":["2026-03-02"]}"#);
    let e = load(&weekday_workday).unwrap_err();
    assert_eq!(e.file, "national.json");
    assert!(e.entry.contains("2026-03-02"), "{e}");
    assert!(e.message.contains("Saturday or Sunday"), "{e}");

    let long = national_with(
        r#"{"year":2026,"source":"s","holidays":[{"name":"春节","from":"2026-02-01","to":"2026-03-01"}],"workdays":[]}"#,
    );
    assert!(load(&long).unwrap_err().entry.contains("春节"));

    let no_source = national_with(r#"{"year":2026,"source":" ","holidays":[],"workdays":[]}"#);
    assert!(load(&no_source).unwrap_err().message.contains("source"));

    let wrong_year = national_with(
        r#"{"year":2026,"source":"s","holidays":[{"name":"x","from":"2025-05-01","to":"2025-05-02"}],"workdays":[]}"#,
    );
    assert!(load(&wrong_year)
        .unwrap_err()
        .message
        .contains("not in 2026"));

    let overlay_guess = r#"{"format":"fieldcase-calendar-overlay/1","region":"65","name":"新疆","about":"t","years":[
        {"year":2026,"verified":false,"source":"s","holidays":[{"name":"肉孜节","from":"2026-03-20","to":"2026-03-20"}]}]}"#;
    let ok_national = national_with(r#"{"year":2026,"source":"s","holidays":[],"workdays":[]}"#);
    let e = parse(&ok_national, "n", overlay_guess, "xinjiang.json").unwrap_err();
    assert_eq!(e.file, "xinjiang.json");
    assert!(e.message.contains("unverified"), "{e}");
}
