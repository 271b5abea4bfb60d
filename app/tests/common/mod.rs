//! A real sync server (the library) on a free loopback port, for app tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod contrast;
pub mod ui;

use std::sync::Arc;
use std::time::Duration;

use fieldcase_shared::keys::DeviceKey;
use fieldcase_sync_server::store::SqliteStore;
use fieldcase_sync_server::AppState;

/// Starts the real server (library) on a free loopback port; returns its URL
/// and its store. The server runs until the test process ends.
pub fn start_server() -> (String, Arc<SqliteStore>) {
    let store = Arc::new(SqliteStore::open_in_memory().expect("store"));
    // The blob folder lives as long as the test process (the server does too).
    let blob_dir = Box::leak(Box::new(tempfile::tempdir().expect("tempdir")));
    let blobs = Arc::new(
        fieldcase_sync_server::blobs::FsBlobStore::open(blob_dir.path()).expect("blob store"),
    );
    let state = AppState::new(store.clone(), blobs, DeviceKey::generate()).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let _ = tx.send(listener.local_addr().expect("addr"));
            let _ = fieldcase_sync_server::serve(listener, state, std::future::pending()).await;
        });
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("server address");
    (format!("http://{addr}"), store)
}
