//! The transparency log's routes: checkpoint, inclusion and consistency
//! proofs.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use fieldcase_shared::tlog;
use fieldcase_shared::wire::{
    ConsistencyProof, ConsistencyQuery, ErrorCode, InclusionProof, InclusionQuery,
};

use super::{blocking, ApiQuery, AppState, Failure};

/// `GET /v1/log/checkpoint`: the latest signed checkpoint (text/plain).
pub(super) async fn log_checkpoint(State(state): State<AppState>) -> Result<Response, Failure> {
    let st = state.clone();
    let note = blocking(move || {
        let tree = st.current_log()?;
        st.checkpoint(&tree)
    })
    .await??;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        note,
    )
        .into_response())
}

fn bad_range(e: tlog::LogError) -> Failure {
    Failure::new(ErrorCode::BadRequest, e.to_string())
}

/// `GET /v1/log/inclusion?index=I&size=N`.
pub(super) async fn log_inclusion(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> Result<Json<InclusionProof>, Failure> {
    let proof = blocking(move || {
        let tree = state.current_log()?;
        tree.inclusion_proof(q.index, q.size).map_err(bad_range)
    })
    .await??;
    Ok(Json(InclusionProof {
        index: q.index,
        size: q.size,
        proof,
    }))
}

/// `GET /v1/log/consistency?from=M&to=N`.
pub(super) async fn log_consistency(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> Result<Json<ConsistencyProof>, Failure> {
    let proof = blocking(move || {
        let tree = state.current_log()?;
        tree.consistency_proof(q.from, q.to).map_err(bad_range)
    })
    .await??;
    Ok(Json(ConsistencyProof {
        from: q.from,
        to: q.to,
        proof,
    }))
}
