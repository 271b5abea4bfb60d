//! Two `fieldcase-server` instances on one PostgreSQL database and one S3
//! bucket (a real PostgreSQL and a real S3-protocol server on loopback)
//! serve terminals at the same time, one of them through connections that
//! are cut: every record and every evidence file enters the transparency
//! log exactly once, and either instance gives the same checkpoint and
//! proofs for the one log.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::collections::HashSet;
use std::path::Path;

use fieldcase_app::core::Terminal;
use fieldcase_e2e::{host_port, run, run_ok, seeded_terminal, CutProxy, Moto, Postgres, Server};
use fieldcase_shared::hash::Digest;
use fieldcase_sync_server::store::{PgStore, Store};

fn credentials() {
    // moto accepts any credentials; the store reads them from the environment.
    std::env::set_var("AWS_ACCESS_KEY_ID", "fieldcase-test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "fieldcase-test-secret");
}

/// Syncs until nothing is left (a cut connection fails a run; the next
/// resumes).
fn sync_until_done(dir: &str, url: &str) {
    for _ in 0..30 {
        let out = run("fieldcase", &["--data-dir", dir, "sync", "--server", url]);
        if out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("0 files still without a receipt")
        {
            return;
        }
    }
    panic!("the terminal in {dir} never finished syncing to {url}");
}

fn checkpoint(url: &str) -> String {
    ureq::get(format!("{url}/v1/log/checkpoint"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

/// Records and distinct evidence files a terminal holds.
fn held(dir: &str) -> (usize, HashSet<Digest>) {
    let t = Terminal::open(Path::new(dir)).unwrap();
    let records = t.store.all_records().unwrap();
    let blobs = records
        .iter()
        .flat_map(|r| {
            fieldcase_shared::record::parse_header(&r.envelope.payload)
                .unwrap()
                .blobs
        })
        .collect();
    assert_eq!(t.store.unsynced_count().unwrap(), 0, "{dir}");
    assert_eq!(t.store.unconfirmed_blob_count().unwrap(), 0, "{dir}");
    (records.len(), blobs)
}

#[test]
fn two_servers_on_one_database_keep_one_log() {
    credentials();
    let tmp = tempfile::tempdir().unwrap();
    let pg = Postgres::start(&tmp.path().join("pg"));
    let moto = Moto::start();
    moto.create_bucket("evidence");
    let srv = tmp.path().join("server");
    let args = [
        "--database",
        &pg.url,
        "--s3-bucket",
        "evidence",
        "--s3-endpoint",
        &moto.endpoint,
    ];
    // One data folder: both instances sign with the same server key.
    let a = Server::start_with(&srv, &args);
    let b = Server::start_with(&srv, &args);
    let terms: Vec<String> = (0..3)
        .map(|i| {
            let d = tmp.path().join(format!("term{i}"));
            let key = seeded_terminal(&d, 2, 512);
            let mut add = vec!["--data-dir", srv.to_str().unwrap()];
            add.extend_from_slice(&args);
            add.extend_from_slice(&["device", "add", &key, "--name", "终端"]);
            run_ok("fieldcase-server", &add);
            d.to_string_lossy().into_owned()
        })
        .collect();
    // The third terminal's connections to A are cut a few times.
    let mut cuts = 0;
    let proxy = CutProxy::start(&host_port(&a.url), move || {
        cuts += 1;
        (cuts <= 3).then_some(300_000 * cuts)
    });
    let targets = [a.url.clone(), b.url.clone(), proxy.url.clone()];
    std::thread::scope(|s| {
        for (dir, url) in terms.iter().zip(&targets) {
            s.spawn(move || sync_until_done(dir, url));
        }
    });
    assert!(proxy.cuts() >= 1);
    // Crossing over changes nothing: the other instance holds it all.
    sync_until_done(&terms[0], &b.url);
    sync_until_done(&terms[1], &a.url);

    let store = PgStore::connect(&pg.url).unwrap();
    let mut records = 0;
    let mut blobs = HashSet::new();
    for d in &terms {
        let (n, b) = held(d);
        records += n;
        blobs.extend(b);
    }
    let leaves = store.log_leaves(0).unwrap();
    assert_eq!(
        leaves.len(),
        records + blobs.len(),
        "each record and each file once in the log"
    );
    assert_eq!(
        leaves.iter().collect::<HashSet<_>>().len(),
        leaves.len(),
        "no leaf twice"
    );
    for blob in &blobs {
        assert!(store.blob(blob).unwrap().is_some(), "{blob}");
    }
    // Either instance answers for the one log.
    let (ca, cb) = (checkpoint(&a.url), checkpoint(&b.url));
    let body = |c: &str| c.split("\n\n").next().unwrap().to_owned();
    assert_eq!(body(&ca), body(&cb));
    assert!(body(&ca).contains(&format!("\n{}\n", leaves.len())), "{ca}");
    let n = leaves.len();
    for url in [&a.url, &b.url] {
        let proof: serde_json::Value = ureq::get(format!("{url}/v1/log/consistency?from=1&to={n}"))
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap();
        assert_eq!(proof["to"], n as u64, "{proof}");
    }
}
