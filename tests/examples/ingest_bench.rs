//! Ingest rate of signed records over loopback HTTP (the real router, with
//! the SQLite store and with the PostgreSQL store on a server started for
//! the run), next to the raw `ed25519-dalek` `verify_strict` rate of one
//! core on the same records, same run; then two server instances on one
//! PostgreSQL database (each device posting to its own instance) against
//! one instance on a fresh database, same run.
//!
//!   cargo run --release -p fieldcase-e2e --example ingest_bench -- [RECORDS]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use fieldcase_shared::chain;
use fieldcase_shared::envelope::{pae, Envelope};
use fieldcase_shared::keys::DeviceKey;
use fieldcase_shared::model::{CaseOpened, Party, Vehicle};
use fieldcase_shared::record::{self, RecordBody, RecordPayload};
use fieldcase_shared::wire::PushRecords;
use fieldcase_sync_server::blobs::FsBlobStore;
use fieldcase_sync_server::store::{Device, PgStore, SqliteStore, Store};
use fieldcase_sync_server::{serve, AppState};

const DEVICES: usize = 2;
const BATCH: usize = 500;

fn records(key: &DeviceKey, n: usize) -> Vec<Envelope> {
    let dev = key.public().device_id();
    let mut prev = chain::genesis(&dev);
    let at = DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap();
    (1..=n as u64)
        .map(|seq| {
            let p = RecordPayload::new(
                dev,
                seq,
                prev,
                at,
                vec!["65010023".into(), "65010031".into()],
                RecordBody::CaseOpened(CaseOpened {
                    case_id: uuid::Uuid::now_v7(),
                    case_no: format!("乌交执〔2026〕{seq:05}号"),
                    occurred_at: at,
                    place: "乌鲁木齐市 G30 连霍高速 K3480 治超站".into(),
                    vehicle: Vehicle {
                        plate: "新A12345".into(),
                    },
                    party: Party::Person {
                        id_number: "11010519491231002X".into(),
                        name: "张三".into(),
                    },
                    violation: None,
                    note: "车辆超限检查".into(),
                    details: None,
                }),
            );
            let s = record::seal(key, &p);
            prev = s.chain;
            s.envelope
        })
        .collect()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let per = n / DEVICES;
    let keys: Vec<DeviceKey> = (0..DEVICES)
        .map(|i| DeviceKey::from_seed([i as u8 + 1; 32]))
        .collect();
    let logs: Vec<Vec<Envelope>> = keys.iter().map(|k| records(k, per)).collect();

    // Raw: one core, verify_strict over the DSSE PAE of every record.
    let t = Instant::now();
    let mut ok = 0;
    for (k, log) in keys.iter().zip(&logs) {
        let pk = k.public();
        for e in log {
            ok += usize::from(pk.verify_strict(&pae(&e.payload_type, &e.payload), &e.sig));
        }
    }
    let raw = (per * DEVICES) as f64 / t.elapsed().as_secs_f64();
    assert_eq!(ok, per * DEVICES);

    let dir = tempfile::tempdir().unwrap();
    let sqlite: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join("db.sqlite3")).unwrap());
    let with_sqlite = ingest_rate(vec![sqlite], &keys, &logs, dir.path());
    let pg = fieldcase_e2e::Postgres::start(&dir.path().join("pg"));
    let postgres: Arc<dyn Store> = Arc::new(PgStore::connect(&pg.url).unwrap());
    let with_pg = ingest_rate(vec![postgres], &keys, &logs, dir.path());
    let pg2 = fieldcase_e2e::Postgres::start(&dir.path().join("pg2"));
    let two: Vec<Arc<dyn Store>> = (0..2)
        .map(|_| Arc::new(PgStore::connect(&pg2.url).unwrap()) as Arc<dyn Store>)
        .collect();
    let with_two = ingest_rate(two, &keys, &logs, dir.path());

    println!(
        "records: {} ({DEVICES} devices, batches of {BATCH})",
        per * DEVICES
    );
    println!("raw verify_strict, one core: {raw:>9.0} records/s");
    println!("server ingest, SQLite:       {with_sqlite:>9.0} records/s (HTTP + JSON + verify on all cores + store, commit per batch)");
    println!("server ingest, PostgreSQL:   {with_pg:>9.0} records/s");
    println!("two instances, one PostgreSQL: {with_two:>9.0} records/s");
    println!(
        "ratio ingest / raw: SQLite {:.2} (target >= 0.7), PostgreSQL {:.2}; two instances / one: {:.2}",
        with_sqlite / raw,
        with_pg / raw,
        with_two / with_pg
    );
}

/// Records per second ingested over loopback by one server instance per
/// store (all on one database when several: devices are registered once);
/// device `i` posts to instance `i % instances`.
fn ingest_rate(
    stores: Vec<Arc<dyn Store>>,
    keys: &[DeviceKey],
    logs: &[Vec<Envelope>],
    dir: &std::path::Path,
) -> f64 {
    for k in keys {
        stores[0]
            .add_device(&Device {
                id: k.public().device_id(),
                key: k.public(),
                name: "bench".into(),
                added_at: Utc::now(),
            })
            .unwrap();
    }
    let blobs = Arc::new(FsBlobStore::open(dir).unwrap());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let addrs: Vec<_> = stores
        .into_iter()
        .map(|store| {
            let state = AppState::new(store, blobs.clone(), DeviceKey::generate()).unwrap();
            let listener = rt
                .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
                .unwrap();
            let addr = listener.local_addr().unwrap();
            rt.spawn(serve(listener, state, std::future::pending()));
            addr
        })
        .collect();
    let t = Instant::now();
    std::thread::scope(|s| {
        for (i, (k, log)) in keys.iter().zip(logs).enumerate() {
            let addr = addrs[i % addrs.len()];
            let url = format!(
                "http://{addr}/v1/devices/{}/records",
                k.public().device_id()
            );
            s.spawn(move || {
                for batch in log.chunks(BATCH) {
                    let body = serde_json::to_vec(&PushRecords {
                        envelopes: batch.to_vec(),
                    })
                    .unwrap();
                    let mut req = ureq::post(&url).header("content-type", "application/json");
                    for (name, value) in fieldcase_e2e::device_headers(k, "POST", &url, Some(&body))
                    {
                        req = req.header(name, value);
                    }
                    let resp = req.send(&body[..]).unwrap();
                    assert_eq!(resp.status().as_u16(), 200);
                }
            });
        }
    });
    let n: usize = logs.iter().map(Vec::len).sum();
    let rate = n as f64 / t.elapsed().as_secs_f64();
    rt.shutdown_background();
    rate
}
