//! The case inbox over 1,000,000 cases on PostgreSQL (a server started for
//! the run): each filter of the page, requested over loopback from the real
//! server with a logged-in session, p50/p95 of 30 requests, the page's
//! weight, and the same query's raw SQL time on the same database, same run.
//!
//!   cargo run --release -p fieldcase-e2e --example inbox_bench -- [CASES]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use fieldcase_e2e::bench::{agent, office_server, office_session, pct};
use fieldcase_shared::staff::Role;
use fieldcase_sync_server::office::accounts;
use fieldcase_sync_server::store::office::{CaseQuery, CaseState};
use fieldcase_sync_server::store::{PgStore, Store};

const RUNS: usize = 30;

fn fill(url: &str, n: u64) {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.batch_execute(&format!(
        "INSERT INTO cases (case_id, device, case_no, occurred_at, place, plate, party, officers,
            violation, state, evidence, corrections)
         SELECT md5(g::text)::uuid::text, '0123456789abcdef0123456789abcdef',
            '乌交执〔' || (2020 + g % 6) || '〕' || lpad(g::text, 7, '0') || '号',
            to_char(timestamp '2020-01-01' + g * interval '150 seconds', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+08:00',
            'G30 K' || (g % 4000), '新A' || upper(substr(md5(g::text), 1, 5)),
            (array['王','李','张','刘','马','阿不都'])[1 + g % 6] || (array['军','娜','伟','芳','丽','海军'])[1 + (g / 6) % 6],
            '650100' || lpad((g % 97)::text, 2, '0') || ',650101' || lpad(((g + 7) % 89)::text, 2, '0'),
            CASE WHEN g % 3 = 0 THEN '未按规定携带道路运输证' ELSE '' END,
            CASE WHEN g % 10 = 0 THEN 'open' ELSE 'closed' END, g % 5, 0
         FROM generate_series(1, {n}) g;
         ANALYZE cases;"
    ))
    .unwrap();
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let pg = fieldcase_e2e::Postgres::start(&dir.path().join("pg"));
    let store: Arc<dyn Store> = Arc::new(PgStore::connect(&pg.url).unwrap());
    let t = Instant::now();
    fill(&pg.url, n);
    println!("{n} cases inserted in {:.1} s", t.elapsed().as_secs_f64());
    accounts::add_user(
        &*store,
        "bench",
        "",
        &[Role::Reviewer],
        "bench password 1",
        Utc::now(),
    )
    .unwrap();
    let (rt, base) = office_server(store.clone(), dir.path());
    let agent = agent();
    let cookie = office_session(&base, &agent, "bench", "bench password 1");
    let cases: &[(&str, CaseQuery)] = &[
        ("", CaseQuery::default()),
        (
            "q=A1B2",
            CaseQuery {
                text: "A1B2".into(),
                ..Default::default()
            },
        ),
        (
            "q=0123456",
            CaseQuery {
                text: "0123456".into(),
                ..Default::default()
            },
        ),
        (
            "q=%E9%A9%AC%E6%B5%B7%E5%86%9B",
            CaseQuery {
                text: "马海军".into(),
                ..Default::default()
            },
        ),
        (
            "state=open",
            CaseQuery {
                state: Some(CaseState::Open),
                ..Default::default()
            },
        ),
        (
            "officer=65010042",
            CaseQuery {
                officer: "65010042".into(),
                ..Default::default()
            },
        ),
        (
            "from=2022-06-01&to=2022-06-30",
            CaseQuery {
                from: "2022-06-01".into(),
                to: "2022-06-30".into(),
                ..Default::default()
            },
        ),
        (
            "q=A1&state=open&officer=6501004",
            CaseQuery {
                text: "A1".into(),
                state: Some(CaseState::Open),
                officer: "6501004".into(),
                ..Default::default()
            },
        ),
        (
            "page=150",
            CaseQuery {
                offset: 7500,
                ..Default::default()
            },
        ),
    ];
    println!(
        "{:<40} {:>8} {:>8} {:>9} {:>8} {:>7}",
        "inbox filter", "p50 ms", "p95 ms", "SQL p95", "ratio", "KB"
    );
    let mut worst: f64 = 0.0;
    for (qs, q) in cases {
        let url = format!("{base}/office/cases?{qs}");
        let mut times = Vec::new();
        let mut weight = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let mut resp = agent.get(&url).header("cookie", &cookie).call().unwrap();
            let page = resp.body_mut().read_to_string().unwrap();
            times.push(t.elapsed());
            assert_eq!(resp.status().as_u16(), 200, "{qs}");
            weight = page.len();
        }
        let mut sql = Vec::new();
        let q = CaseQuery {
            limit: 50,
            ..q.clone()
        };
        for _ in 0..RUNS {
            let t = Instant::now();
            store.cases(&q).unwrap();
            sql.push(t.elapsed());
        }
        let (p50, p95, s95) = (pct(times.clone(), 0.5), pct(times, 0.95), pct(sql, 0.95));
        worst = worst.max(p95);
        println!(
            "{:<40} {p50:>8.1} {p95:>8.1} {s95:>9.1} {:>8.2} {:>7.1}",
            if qs.is_empty() { "(none)" } else { qs },
            p95 / s95,
            weight as f64 / 1024.0
        );
    }
    println!("worst p95 {worst:.1} ms (target < 100 ms); ratio = page p95 / store query p95 in the same run");
    rt.shutdown_background();
}
