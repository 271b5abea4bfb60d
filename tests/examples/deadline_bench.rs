//! The deadlines page over 100,000 open cases on PostgreSQL (a server
//! started for the run): each case with two running deadlines spread over
//! a year, some overdue, some without a countable day; a case officer's
//! and a head's page requested over loopback from the real server with a
//! logged-in session, p50/p95 of 30 requests, the inbox (which counts the
//! deadlines) likewise, and the same store calls' time on the same
//! database in the same run.
//!
//!   cargo run --release -p fieldcase-e2e --example deadline_bench -- [CASES]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use fieldcase_e2e::bench::{agent, office_server, office_session, pct};
use fieldcase_shared::staff::Role;
use fieldcase_sync_server::office::accounts;
use fieldcase_sync_server::office::pages::deadlines::today_and_soon;
use fieldcase_sync_server::store::due::role_mask;
use fieldcase_sync_server::store::{PgStore, Store};

const RUNS: usize = 30;

fn fill(url: &str, n: u64) {
    let officer = role_mask(&[Role::CaseOfficer]);
    let head = role_mask(&[Role::Head]);
    let decision = role_mask(&[Role::CaseOfficer, Role::Head, Role::LegalReviewer]);
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.batch_execute(&format!(
        "INSERT INTO deadlines (case_id, deadline, case_no, name, due, problem, basis, roles)
         SELECT md5(g::text)::uuid::text, 'decision',
            '乌交执〔2026〕' || lpad(g::text, 7, '0') || '号', '立案后作出行政处罚决定',
            CASE WHEN g % 50 = 0 THEN '' ELSE to_char(date '2026-06-01' + (g % 365), 'YYYY-MM-DD') END,
            CASE WHEN g % 50 = 0 THEN '2027年的节假日安排不在日历数据中' ELSE '' END,
            '《中华人民共和国行政处罚法》（2021年修订）第六十条', {decision}
         FROM generate_series(1, {n}) g;
         INSERT INTO deadlines (case_id, deadline, case_no, name, due, problem, basis, roles)
         SELECT md5(g::text)::uuid::text,
            CASE WHEN g % 7 = 0 THEN 'measure_approval' ELSE 'notice_response' END,
            '乌交执〔2026〕' || lpad(g::text, 7, '0') || '号', '陈述、申辩期限（告知后）',
            to_char(date '2026-11-20' + (g % 40), 'YYYY-MM-DD'), '',
            '《中华人民共和国行政处罚法》（2021年修订）第四十五条',
            CASE WHEN g % 7 = 0 THEN {head} ELSE {officer} END
         FROM generate_series(1, {n}) g;
"
    ))
    .unwrap();
    // What autovacuum does on a live database: the visibility map lets the
    // counts read the (roles, due) index alone.
    c.batch_execute("VACUUM ANALYZE deadlines").unwrap();
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let pg = fieldcase_e2e::Postgres::start(&dir.path().join("pg"));
    let store: Arc<dyn Store> = Arc::new(PgStore::connect(&pg.url).unwrap());
    let t = Instant::now();
    fill(&pg.url, n);
    println!(
        "{n} open cases, {} deadlines inserted in {:.1} s",
        2 * n,
        t.elapsed().as_secs_f64()
    );
    let now = Utc::now();
    for (name, role) in [("officer", Role::CaseOfficer), ("head", Role::Head)] {
        accounts::add_user(&*store, name, "", &[role], "bench password 1", now).unwrap();
    }
    let (rt, base) = office_server(store.clone(), dir.path());
    let agent = agent();
    println!(
        "{:<28} {:>8} {:>8} {:>9} {:>8} {:>7}",
        "page", "p50 ms", "p95 ms", "store p95", "ratio", "KB"
    );
    let mut worst: f64 = 0.0;
    for (name, role) in [("officer", Role::CaseOfficer), ("head", Role::Head)] {
        let cookie = office_session(&base, &agent, name, "bench password 1");
        let mask = role_mask(&[role]);
        for path in ["/office/deadlines", "/office/cases"] {
            let mut times = Vec::new();
            let mut weight = 0;
            for _ in 0..RUNS {
                let t = Instant::now();
                let mut resp = agent
                    .get(format!("{base}{path}"))
                    .header("cookie", &cookie)
                    .call()
                    .unwrap();
                let page = resp.body_mut().read_to_string().unwrap();
                times.push(t.elapsed());
                assert_eq!(resp.status().as_u16(), 200, "{path}");
                assert!(page.contains("due-counts"), "{path}");
                weight = page.len();
            }
            let mut direct = Vec::new();
            for _ in 0..RUNS {
                let (today, soon) = today_and_soon();
                let t = Instant::now();
                if path == "/office/deadlines" {
                    store.deadlines(mask, 501).unwrap();
                }
                store.deadline_counts(mask, today, soon).unwrap();
                direct.push(t.elapsed());
            }
            let (p50, p95, s95) = (pct(times.clone(), 0.5), pct(times, 0.95), pct(direct, 0.95));
            if path == "/office/deadlines" {
                worst = worst.max(p95);
            }
            println!(
                "{:<28} {p50:>8.1} {p95:>8.1} {s95:>9.1} {:>8.2} {:>7.1}",
                format!("{path} ({name})"),
                p95 / s95,
                weight as f64 / 1024.0
            );
        }
    }
    println!(
        "worst deadlines-page p95 {worst:.1} ms (target < 100 ms); ratio = page p95 / the store calls' p95 in the same run"
    );
    rt.shutdown_background();
}
