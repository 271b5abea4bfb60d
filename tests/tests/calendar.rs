//! The working-day calendar against an independent table: every day of
//! 2021–2026 as `fieldcase-server calendar workdays` prints it, compared
//! with PyPI `chinesecalendar` (the State Council's notices; it has no
//! regional days, so only the national table is compared). Then the
//! region: Xinjiang's verified years differ from the national table
//! exactly by their 肉孜节 and 古尔邦节 days, and an unverified year is
//! refused (行政处罚法 art. 85: working-day periods need a known calendar).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::collections::BTreeSet;
use std::process::Command;

use fieldcase_e2e::bin;

fn server(args: &[&str]) -> std::process::Output {
    Command::new(bin("fieldcase-server"))
        .args(args)
        .output()
        .expect("run fieldcase-server")
}

fn workdays(from: &str, to: &str, region: Option<&str>) -> BTreeSet<String> {
    let mut args = vec!["calendar", "workdays", "--from", from, "--to", to];
    if let Some(r) = region {
        args.extend(["--region", r]);
    }
    let out = server(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_day_2021_to_2026_agrees_with_chinesecalendar() {
    let script = r#"
import datetime, chinese_calendar
d = datetime.date(2021, 1, 1)
while d.year <= 2026:
    if chinese_calendar.is_workday(d):
        print(d.isoformat())
    d += datetime.timedelta(days=1)
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "chinesecalendar (scripts/test installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let ours = workdays("2021-01-01", "2026-12-31", None);
    assert!(reference.len() > 1400, "{}", reference.len());
    let only_ours: Vec<_> = ours.difference(&reference).collect();
    let only_theirs: Vec<_> = reference.difference(&ours).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "working in ours only: {only_ours:?}; in chinesecalendar only: {only_theirs:?}"
    );
}

#[test]
fn xinjiang_differs_from_the_nation_by_its_own_festival_days() {
    let national = workdays("2025-01-01", "2025-12-31", None);
    let region = workdays("2025-01-01", "2025-12-31", Some("65"));
    let off: Vec<_> = national.difference(&region).cloned().collect();
    // 肉孜节 29–31 March (Mon 31 a weekday), 古尔邦节 6–10 June (Fri 6, Mon 9, Tue 10).
    assert_eq!(
        off,
        ["2025-03-31", "2025-06-06", "2025-06-09", "2025-06-10"]
    );
    assert!(region.is_subset(&national));

    let out = server(&["calendar", "add", "2024-04-08", "3", "--region", "65"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2024") && err.contains("xinjiang.json"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn add_counts_from_the_day_after_and_rolls_over_holidays() {
    // Start Monday 28 Sept 2026; 国庆节 1–7 Oct; Saturday 10 Oct worked.
    let out = server(&["calendar", "add", "2026-09-28", "7"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2026-10-13\n");
    let out = server(&["calendar", "add", "2027-01-04", "1"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a year without data is an error"
    );
    let out = server(&[
        "calendar",
        "workdays",
        "--from",
        "2026-02-01",
        "--to",
        "2026-01-01",
    ]);
    assert_eq!(out.status.code(), Some(1));
}
