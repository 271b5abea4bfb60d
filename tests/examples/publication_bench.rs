//! The publication export (双公示) of 20,000 penalty decisions: each
//! decision's entry built and masked from a hostile text (a party's and a
//! witness's ID numbers, phones written three ways, a bank account, the
//! party's address, other people's names), the entries stored in the
//! publication table (SQLite), then exported as CSV and as JSON — the
//! whole path `fieldcase-server publication export` takes. Beside it, in
//! the same run, `sed -E` replacing digit runs in the same texts (a
//! reference that masks far less).
//!
//!   cargo run --release -p fieldcase-e2e --example publication_bench -- [DECISIONS]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use chrono::{FixedOffset, NaiveDate, Utc};
use fieldcase_shared::model::Party;
use fieldcase_shared::procedure::acts::Decision;
use fieldcase_shared::publication::{build, Decided, PublicationRules};
use fieldcase_shared::validate::id_card_check_char;
use fieldcase_sync_server::office::publication_export::{write, Format};
use fieldcase_sync_server::store::publication::{PubRow, PubStatus, PublicationStore};
use fieldcase_sync_server::store::{SqliteStore, Store};

fn id(n: u64) -> String {
    let body = format!(
        "650102{:04}{:02}{:02}{:03}",
        1960 + n % 40,
        1 + n % 12,
        1 + n % 28,
        n % 1000
    );
    format!("{body}{}", id_card_check_char(&body).unwrap())
}

fn facts(n: u64, party_id: &str) -> String {
    format!(
        "当事人（身份证号{party_id}，住乌鲁木齐市天山区幸福路{n}号，电话139{:08}）于2026年3月1日驾驶车辆从事道路运输经营，\
         收取车费{}元。经询问证人李四{n}（身份证{}），乘客王小五称通过138 {:04} {:04}联系，车费转入账户6222{:015}，\
         驾驶员赵六在场，见证人：钱七签字，固定电话0991-{:07}。",
        n % 100_000_000,
        100 + n % 900,
        id(n + 7),
        n % 10_000,
        (n * 7) % 10_000,
        n,
        n % 10_000_000,
    )
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .map_or(20_000, |a| a.parse().unwrap());
    let rules = PublicationRules::shipped().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let decided_on = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let texts: Vec<(String, String)> = (0..n).map(|i| (id(i), facts(i, &id(i)))).collect();

    // Masking: every entry built from its decision.
    let t = Instant::now();
    let mut entries = Vec::with_capacity(n as usize);
    for (i, (pid, text)) in texts.iter().enumerate() {
        let party = Party::Person {
            id_number: pid.clone(),
            name: format!("张三{i}"),
        };
        let decision = Decision {
            address: format!("乌鲁木齐市天山区幸福路{i}号"),
            facts: text.clone(),
            evidence: vec!["询问笔录".into()],
            basis: "《道路运输条例》第六十三条".into(),
            penalty: format!("罚款人民币{}元（联系人李四{i}，电话13912345678）", 5000 + i),
            fine_yuan: 5000 + i as u64,
            performance: "十五日内缴纳".into(),
        };
        let d = Decided {
            case_no: &format!("乌交执罚〔2026〕{i:06}号"),
            party: &party,
            legal_rep: "",
            phone: "",
            decision: &decision,
            violation: "未取得道路运输经营许可擅自从事道路运输经营",
            decided_on,
            occurred_on: decided_on,
            others: vec![format!("李四{i}"), "王小五".into()],
            agency: ("乌鲁木齐市交通运输综合行政执法支队", "11650100MB0C9F8E7X"),
        };
        entries.push(build(&rules, &d).unwrap());
    }
    let masking = t.elapsed();
    for (i, e) in entries.iter().enumerate() {
        assert!(
            !e.facts.contains(&format!("6222{i:015}")),
            "unmasked: {}",
            e.facts
        );
    }

    let store = SqliteStore::open(&tmp.path().join("db.sqlite3")).unwrap();
    let t = Instant::now();
    for (i, e) in entries.iter().enumerate() {
        let case_id = uuid::Uuid::from_u128(i as u128 + 1);
        store
            .set_publication(
                &case_id,
                Some(&PubRow {
                    case_id,
                    case_no: e.decision_no.clone(),
                    decided_on,
                    status: PubStatus::Published,
                    due: None,
                    published_on: Some(decided_on),
                    withdrawn_on: None,
                    entry: serde_json::to_string(e).unwrap(),
                    note: String::new(),
                }),
            )
            .unwrap();
    }
    let storing = t.elapsed();

    let now = Utc::now().with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap());
    let mut sizes = Vec::new();
    let mut times = Vec::new();
    for format in [Format::Csv, Format::Json] {
        let t = Instant::now();
        let mut out = Vec::new();
        let count = write(&store as &dyn Store, format, now, &mut out).unwrap();
        times.push(t.elapsed());
        assert_eq!(count, n);
        sizes.push(out.len());
    }

    // The reference: sed replacing runs of 11+ digits in the same texts.
    let file = tmp.path().join("facts.txt");
    let all: String = texts.iter().map(|(_, t)| format!("{t}\n")).collect();
    std::fs::write(&file, &all).unwrap();
    let t = Instant::now();
    let out = std::process::Command::new("sed")
        .args(["-E", "s/[0-9]{11,}/***/g"])
        .arg(&file)
        .output()
        .unwrap();
    let sed = t.elapsed();
    assert!(out.status.success());

    let s = |d: std::time::Duration| d.as_secs_f64();
    println!(
        "decisions: {n}, facts text {:.1} MB",
        all.len() as f64 / 1e6
    );
    println!("masking (entries built): {:.2} s", s(masking));
    println!(
        "stored in the table: {:.2} s (not part of an export)",
        s(storing)
    );
    println!(
        "export CSV: {:.2} s ({:.1} MB); export JSON: {:.2} s ({:.1} MB)",
        s(times[0]),
        sizes[0] as f64 / 1e6,
        s(times[1]),
        sizes[1] as f64 / 1e6
    );
    let total = masking + times[0] + times[1];
    println!("masking + both exports: {:.2} s (target < 10 s)", s(total));
    println!(
        "reference sed -E over the same facts: {:.2} s; our masking / sed: {:.2}",
        s(sed),
        s(masking) / s(sed)
    );
}
