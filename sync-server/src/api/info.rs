//! `GET /health` and `GET /v1/info`.

use axum::extract::State;
use axum::Json;
use fieldcase_shared::wire::{Limits, ServerInfo};

use super::{AppState, MAX_BATCH_RECORDS, MAX_BODY_BYTES};

pub(super) async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

pub(super) async fn info(State(state): State<AppState>) -> Json<ServerInfo> {
    Json(ServerInfo {
        service: "fieldcase-sync".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        server_key: state.server_key(),
        log_origin: state.log_origin().to_owned(),
        limits: Limits {
            max_batch_records: MAX_BATCH_RECORDS,
            max_body_bytes: MAX_BODY_BYTES,
            max_chunk_bytes: crate::api::blobs::MAX_CHUNK_BYTES,
            max_blob_bytes: crate::api::blobs::MAX_BLOB_BYTES,
        },
    })
}
