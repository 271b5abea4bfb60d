//! Case list and search over many closed cases: milliseconds per query on
//! the real store (SQLite, the indexes of migration 4).
//!
//! `cargo run --release -p fieldcase-app --example list_bench -- 100000`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use fieldcase_app::core::Terminal;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    // One year's 案号 range holds 99,999 numbers: cases beyond that are
    // last year's (as on a terminal in its second year).
    let this_year = n.min(99_999);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("terminal");
    let term = Terminal::open(&dir).unwrap();
    term.store.set_durable(false).unwrap();
    let t = Instant::now();
    let made = fieldcase_app::demo::seed(&term, &dir, this_year, 0, |_, _| {})
        .unwrap()
        .cases;
    for i in this_year..n {
        let when = Terminal::now() - chrono::Duration::days(366);
        fieldcase_app::demo::closed_case_at(&term, when, i as u64).unwrap();
    }
    eprintln!(
        "seeded {n} closed cases in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let some = &made[n / 2];
    let plate = term.cases().find(some).unwrap().plate;
    let queries = [
        ("list (newest 100)", String::new()),
        ("case number", some.clone()),
        ("plate", plate),
        ("plate prefix 新A1", "新A1".to_owned()),
        ("party surname 王", "王".to_owned()),
        ("no match", "ZZZZ9".to_owned()),
    ];
    println!("case list and search over {n} cases (target < 50 ms per query)");
    for (what, q) in queries {
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..15 {
            let t = Instant::now();
            hits = term.cases().list(&q, 100).unwrap().len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "  {what:<20} {hits:>3} shown  median {:>6.2} ms  max {:>6.2} ms",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}
