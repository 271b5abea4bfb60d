//! What handlers take from a request, refused like every other error:
//! query parameters, a device id in the path; and running blocking store
//! calls off the async threads.

use axum::extract::Query;
use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::wire::ErrorCode;

use super::Failure;

/// Query parameters whose rejection is answered like every other error:
/// JSON with a code and a message saying what was wrong.
pub(crate) struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Failure> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(Failure::new(
                ErrorCode::BadRequest,
                format!(
                    "{} (query {:?}); see docs/sync.md for the parameters",
                    e.body_text(),
                    parts.uri.query().unwrap_or("")
                ),
            )),
        }
    }
}

/// Parses a device id from the path.
pub(crate) fn parse_device(text: &str) -> Result<DeviceId, Failure> {
    text.parse().map_err(|_| {
        Failure::new(
            ErrorCode::BadRequest,
            format!("{text:?} is not a device id (32 lowercase hex digits)"),
        )
    })
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(Failure::internal)
}
