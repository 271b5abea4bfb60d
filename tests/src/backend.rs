//! The two pairs of server stores the fault tests run on.
#![allow(clippy::unwrap_used)] // test support: a panic is the test failing

use std::fs;
use std::path::Path;

use crate::{run_ok, Moto, Postgres, Server};

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Where a server under test keeps its data: SQLite and files, or
/// PostgreSQL and S3 (both started for the test).
pub struct Backend {
    /// Server arguments selecting the stores.
    pub args: Vec<String>,
    /// The PostgreSQL URL (empty: SQLite).
    pub database: String,
    /// (endpoint, bucket) when evidence goes to S3.
    pub s3: Option<(String, String)>,
    _pg: Option<Postgres>,
    _moto: Option<Moto>,
}

impl Backend {
    /// SQLite and the file store (the defaults).
    pub fn files() -> Backend {
        Backend {
            args: Vec::new(),
            database: String::new(),
            s3: None,
            _pg: None,
            _moto: None,
        }
    }

    /// PostgreSQL (initdb under `dir`) and an S3 bucket on moto.
    pub fn postgres_and_s3(dir: &Path) -> Backend {
        std::env::set_var("AWS_ACCESS_KEY_ID", "fieldcase-test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "fieldcase-test-secret");
        let pg = Postgres::start(&dir.join("pg"));
        let moto = Moto::start();
        moto.create_bucket("evidence");
        Backend {
            args: vec![
                "--database".into(),
                pg.url.clone(),
                "--s3-bucket".into(),
                "evidence".into(),
                "--s3-endpoint".into(),
                moto.endpoint.clone(),
            ],
            database: pg.url.clone(),
            s3: Some((moto.endpoint.clone(), "evidence".into())),
            _pg: Some(pg),
            _moto: Some(moto),
        }
    }

    /// The bytes the server holds for a blob.
    pub fn blob(&self, srv: &Path, b: &fieldcase_shared::hash::Digest) -> Vec<u8> {
        match &self.s3 {
            None => fs::read(srv.join("blobs").join(&b.to_hex()[..2]).join(b.to_hex())).unwrap(),
            Some((endpoint, bucket)) => {
                let out = std::process::Command::new("curl")
                    .args(["-sf", &format!("{endpoint}/{bucket}/blobs/{}", b.to_hex())])
                    .output()
                    .unwrap();
                assert!(out.status.success(), "evidence {b} not in the bucket");
                out.stdout
            }
        }
    }

    /// Starts the server on this backend and registers the device key.
    pub fn start_server(&self, srv: &Path, key: &str) -> Server {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let server = Server::start_with(srv, &args);
        let dir = s(srv);
        let mut reg = vec!["--data-dir", dir.as_str()];
        reg.extend_from_slice(&args);
        reg.extend_from_slice(&["device", "add", key, "--name", "终端"]);
        run_ok("fieldcase-server", &reg);
        server
    }

    /// Bytes of an unfinished upload the server's storage holds.
    pub fn held(&self, srv: &Path, b: &fieldcase_shared::hash::Digest) -> u64 {
        match &self.s3 {
            None => fs::metadata(srv.join("uploads").join(format!("{}.part", b.to_hex())))
                .map(|m| m.len())
                .unwrap_or(0),
            Some((endpoint, bucket)) => {
                let out = std::process::Command::new("curl")
                    .args([
                        "-sf",
                        &format!(
                            "{endpoint}/{bucket}?list-type=2&prefix=uploads/{}/",
                            b.to_hex()
                        ),
                    ])
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&out.stdout)
                    .split("<Size>")
                    .skip(1)
                    .filter_map(|t| t.split('<').next()?.parse::<u64>().ok())
                    .sum()
            }
        }
    }

    /// Nothing left half uploaded.
    pub fn no_unfinished_uploads(&self, srv: &Path) -> bool {
        match &self.s3 {
            None => fs::read_dir(srv.join("uploads")).unwrap().next().is_none(),
            Some((endpoint, bucket)) => {
                let out = std::process::Command::new("curl")
                    .args([
                        "-sf",
                        &format!("{endpoint}/{bucket}?list-type=2&prefix=uploads/"),
                    ])
                    .output()
                    .unwrap();
                !String::from_utf8_lossy(&out.stdout).contains("<Key>")
            }
        }
    }

    /// Asserts the server holds every evidence file of the terminal at
    /// `term`, byte for byte; returns how many there are.
    pub fn assert_same_evidence(&self, term: &Path, srv: &Path) -> usize {
        let files = crate::terminal_evidence(term);
        for (b, path) in &files {
            let local = fs::read(path).unwrap();
            assert!(
                local == self.blob(srv, b),
                "evidence {b} differs on the server"
            );
        }
        files.len()
    }

    /// Asserts the server's log holds `entries` leaves (each record and
    /// evidence file once) and no upload is left unfinished.
    pub fn assert_logged_once(&self, srv: &Path, entries: usize) {
        let store = fieldcase_sync_server::open_store(srv, &self.database).unwrap();
        assert_eq!(
            store.log_leaves(0).unwrap().len(),
            entries,
            "a record or blob entered the log twice, or not at all"
        );
        assert!(
            self.no_unfinished_uploads(srv),
            "an upload was left unfinished"
        );
    }
}
