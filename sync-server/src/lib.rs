//! fieldcase sync server: receives signed records from terminals, verifies
//! them, stores them behind [`store::Store`] and answers with signed receipts.
//!
//! The server is a library first: [`api::router`] builds the routes,
//! [`serve`] runs them on a listener until shutdown; the binary only parses
//! arguments, sets up logging and calls these.
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod blobs;
pub mod busy;
pub mod config;
pub mod ministry;
pub mod office;
pub mod ratelimit;
pub mod s3;
pub mod serve;
pub mod store;
pub mod tls;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use fieldcase_shared::keys::{DeviceKey, KeyError};

pub use api::{enrol, router, AppState};

/// File name of the server's signing key inside the data directory.
pub const SERVER_KEY_FILE: &str = "server.key";
/// The agency's SM2 key file in the data directory (国密 option).
pub const SM2_KEY_FILE: &str = "agency-sm2.key";
/// File name of the SQLite database inside the data directory.
pub const DB_FILE: &str = "fieldcase-server.sqlite3";

/// Opens the state kept in `dir`: the server key (created on first start,
/// mode 0600), the SQLite store and the evidence files (`blobs/`, `uploads/`).
pub fn open_state(dir: &Path) -> anyhow::Result<AppState> {
    open_state_with(dir, "")
}

/// The store the configuration names: PostgreSQL when `database` is set,
/// else the SQLite file in `dir`.
pub fn open_store(dir: &Path, database: &str) -> anyhow::Result<Arc<dyn store::Store>> {
    fieldcase_shared::private::private_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot create data directory {}: {e}", dir.display()))?;
    Ok(if database.trim().is_empty() {
        let file = dir.join(DB_FILE);
        let store = store::SqliteStore::open(&file)?;
        fieldcase_shared::private::private_file(&file).map_err(|e| {
            anyhow::anyhow!("cannot make {} private (mode 0600): {e}", file.display())
        })?;
        Arc::new(store)
    } else {
        Arc::new(store::PgStore::connect(database).map_err(|e| {
            anyhow::anyhow!("cannot open the PostgreSQL database ({e}); check `database` in the configuration and that the server is running")
        })?)
    })
}

/// Like [`open_state`], with the store chosen by `database` (see [`open_store`]).
pub fn open_state_with(dir: &Path, database: &str) -> anyhow::Result<AppState> {
    open_state_config(&config::Config {
        data_dir: dir.to_owned(),
        database: database.to_owned(),
        ..config::Config::default()
    })
}

/// The state a configuration describes: key and (default) blob files in
/// `data_dir`, records in SQLite or PostgreSQL, blobs in files or S3.
pub fn open_state_config(config: &config::Config) -> anyhow::Result<AppState> {
    let dir = &config.data_dir;
    let store = open_store(dir, &config.database)?;
    let key = DeviceKey::load_or_create(&dir.join(SERVER_KEY_FILE))
        .map_err(|e: KeyError| anyhow::anyhow!(e))?;
    let blobs: Arc<dyn blobs::BlobStore> = if config.s3_bucket.trim().is_empty() {
        Arc::new(blobs::FsBlobStore::open(dir).map_err(|e| {
            anyhow::anyhow!("cannot open the evidence store in {}: {e}", dir.display())
        })?)
    } else {
        Arc::new(s3::S3BlobStore::open(&s3::S3Config {
            bucket: config.s3_bucket.trim().to_owned(),
            endpoint: config.s3_endpoint.trim().to_owned(),
            region: config.s3_region.trim().to_owned(),
        })?)
    };
    let font = match config.pdf_font.trim() {
        "" => office::pdf::DEFAULT_FONT,
        f => f,
    };
    let region = fieldcase_shared::calendar::Region::from_code(Some(&config.calendar_region))
        .map_err(|e| anyhow::anyhow!("calendar_region: {e}"))?;
    if !config.agency_uscc.trim().is_empty() {
        fieldcase_shared::validate::uscc(config.agency_uscc.trim())
            .map_err(|e| anyhow::anyhow!("agency_uscc {:?}: {e}", config.agency_uscc))?;
    }
    let state = AppState::new(store, blobs, key)?
        .with_pdf_font(font.into(), config.pdf_font_index)
        .with_region(region)
        .with_agency_name(&config.agency_name)
        .with_agency_uscc(&config.agency_uscc);
    let state = if config.guomi {
        let path = dir.join(SM2_KEY_FILE);
        state.with_guomi(
            fieldcase_shared::guomi::Sm2Key::load_or_create(&path)
                .map_err(|e| anyhow::anyhow!("the agency's SM2 key {}: {e}", path.display()))?,
        )
    } else {
        state
    };
    match config.disc_verifier.trim() {
        "" => Ok(state),
        path => {
            let bytes =
                std::fs::read(path).map_err(|e| anyhow::anyhow!("disc_verifier {path:?}: {e}"))?;
            state
                .with_disc_verifier(bytes)
                .map_err(|e| anyhow::anyhow!("disc_verifier {path:?}: {e}"))
        }
    }
}

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve::run(listener, None, router(state), shutdown).await
}

/// Serves the API over HTTPS on `listener` until `shutdown` completes.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve::run(listener, Some(acceptor), router(state), shutdown).await
}
