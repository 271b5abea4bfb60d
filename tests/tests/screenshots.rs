//! `fieldcase screenshots` with the real binary, headless (no DISPLAY): every
//! screen in both languages, 360×720, with real content; ImageMagick reads
//! the PNGs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use fieldcase_e2e::{run, tool};

fn shots(lang: &str, out: &std::path::Path) -> Vec<std::path::PathBuf> {
    let o = run(
        "fieldcase",
        &[
            "--lang",
            lang,
            "screenshots",
            "--out",
            &out.to_string_lossy(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut files: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_screen_is_rendered_in_both_languages() {
    let tmp = tempfile::tempdir().unwrap();
    let (zh, en) = (tmp.path().join("zh"), tmp.path().join("en"));
    let a = shots("zh", &zh);
    let b = shots("en", &en);
    let names = |v: &[std::path::PathBuf]| -> Vec<String> {
        v.iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names(&a), names(&b));
    let want = [
        "sign-in",
        "home",
        "check-1-vehicle",
        "check-2-party",
        "check-3-place",
        "check-4-checklist",
        "check-5-outcome",
        "check-6-violation",
        "check-7-evidence",
        "check-8-statement",
        "check-9-review",
        "home-after-close",
        "cases",
        "case-detail",
        "case-writing",
        "case-measure",
        "settings",
        "messages",
    ];
    for w in want {
        assert!(
            names(&a).iter().any(|n| n.ends_with(&format!("-{w}.png"))),
            "no {w} screen: {:?}",
            names(&a)
        );
    }
    for (za, eb) in a.iter().zip(&b) {
        for p in [za, eb] {
            let o = tool(
                "identify",
                &["-format", "%w %h %k", &p.to_string_lossy()],
                tmp.path(),
            );
            let info = String::from_utf8_lossy(&o.stdout).to_string();
            let v: Vec<u64> = info
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            assert_eq!(&v[..2], &[360, 720], "{}: {info}", p.display());
            assert!(
                v[2] > 20,
                "{}: only {} colours — an empty screen?",
                p.display(),
                v[2]
            );
        }
        assert_ne!(
            std::fs::read(za).unwrap(),
            std::fs::read(eb).unwrap(),
            "{} is the same in Chinese and English",
            za.display()
        );
    }
}

/// With a terminal's data folder, the screens show that terminal (a copy:
/// the tour signs in, opens and closes a check, and none of it reaches the
/// original).
#[test]
fn screenshots_show_the_given_terminal_without_changing_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    let d = dir.to_string_lossy().into_owned();
    fieldcase_e2e::run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "demo",
            "--cases",
            "2",
            "--video-kib",
            "16",
        ],
    );
    let before = fieldcase_e2e::run_ok("fieldcase", &["--data-dir", &d, "case", "list", "--json"]);
    let out = tmp.path().join("shots");
    let o = run(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "screenshots",
            "--out",
            &out.to_string_lossy(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("showing a copy of the terminal") && err.contains("2 cases"),
        "{err}"
    );
    let after = fieldcase_e2e::run_ok("fieldcase", &["--data-dir", &d, "case", "list", "--json"]);
    assert_eq!(before, after, "the original terminal was changed");
    assert!(std::fs::read_dir(&out).unwrap().count() >= 17);
}
