//! The write routes and their settings.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tsdb::Engine;

use super::error::json_error;
use super::handler::{write_v1, write_v2};

/// Settings of the write endpoints.
#[derive(Clone, Debug)]
pub struct WriteConfig {
    /// Largest accepted body, also applied to the decompressed size of gzip bodies (InfluxDB's
    /// `max-body-size`, default 25 000 000 bytes).
    pub max_body_size: usize,
    /// Accept `<int>u` unsigned integer fields.
    pub allow_unsigned: bool,
}

impl Default for WriteConfig {
    fn default() -> Self {
        WriteConfig {
            max_body_size: 25_000_000,
            allow_unsigned: false,
        }
    }
}

/// What every write handler shares.
#[derive(Clone)]
pub(super) struct WriteState {
    pub engine: Arc<Engine>,
    pub config: WriteConfig,
}

/// The write routes, to be merged into the server's router.
pub fn router(engine: Arc<Engine>, config: WriteConfig) -> Router {
    let state = WriteState { engine, config };
    Router::new()
        .route(
            "/write",
            post(write_v1).options(options).fallback(method_not_allowed),
        )
        .route(
            "/api/v2/write",
            post(write_v2).options(options).fallback(method_not_allowed),
        )
        .with_state(state)
}

async fn options() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// InfluxDB answers other methods with 405 and `Allow: POST, OPTIONS`.
async fn method_not_allowed() -> Response {
    let mut resp = json_error(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed").into_response();
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST, OPTIONS"));
    resp
}
