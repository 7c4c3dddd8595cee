//! The HTTP application: the crates' routers merged, plus `/ping`, `/health` and the headers every
//! InfluxDB 1.x response carries.
//!
//! Invariants:
//! 1. Every response, errors included, carries `X-Influxdb-Version` ([`INFLUXDB_VERSION`]),
//!    `X-Influxdb-Build: OSS`, `Request-Id` and `X-Request-Id` (the client's `Request-Id` or
//!    `X-Request-Id` when given, else a fresh random UUID).
//! 2. A response is gzip-compressed when the request's `Accept-Encoding` allows gzip (Grafana's Go
//!    backend always asks; the Python client with `gzip=True` too), as InfluxDB's gzip filter does;
//!    streamed (chunked) bodies stay streamed: compression wraps the body stream.
//! 3. This module only composes: each crate owns its routes (`ingest::http`, `query::http`,
//!    operator endpoints in [`crate::admin`]).

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tsdb::Engine;

/// The InfluxDB version we announce. Clients switch features on it (the Python client needs the
/// header to exist; v2 clients expect 1.8+ to use `/api/v2/write`), so we claim the last 1.x release
/// whose HTTP API we implement.
pub const INFLUXDB_VERSION: &str = "1.8.10";

/// The whole application router over an opened engine.
pub fn router(
    engine: Arc<Engine>,
    write: ingest::http::WriteConfig,
    query: query::http::QueryConfig,
) -> Router {
    let cq = query.continuous_queries.clone();
    // Writes and /internal are guarded by middleware; /query checks in its handler (its
    // credentials may be in a form body); /ping, /health and /metrics stay open (docs/auth.md).
    let auth = query
        .auth
        .clone()
        .unwrap_or_else(|| query::auth::Auth::new(Default::default(), Arc::clone(&engine) as _));
    Router::new()
        .route("/ping", get(ping).head(ping))
        .route("/health", get(health))
        .route("/metrics", get(move || metrics(cq.clone())))
        .merge(ingest::http::router(Arc::clone(&engine), write).layer(
            middleware::from_fn_with_state(Arc::clone(&auth), query::auth::write_guard),
        ))
        .merge(query::http::router(Arc::clone(&engine), query))
        .merge(
            crate::admin::router(engine).layer(middleware::from_fn_with_state(
                auth,
                query::auth::admin_guard,
            )),
        )
        .layer(middleware::from_fn(influxdb_headers))
        .layer(tower_http::compression::CompressionLayer::new())
}

/// `GET /metrics`: Prometheus text exposition of the continuous-query service's registry.
async fn metrics(cq: Option<Arc<query::cq::ContinuousQueryService>>) -> Response {
    let body = cq.map(|s| s.metrics_text()).unwrap_or_default();
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    resp
}

#[derive(serde::Deserialize)]
struct PingParams {
    #[serde(default)]
    verbose: String,
}

/// `GET|HEAD /ping`: 204, or 200 `{"version":…}` with `?verbose` set to anything but `0`/`false`.
async fn ping(params: Result<Query<PingParams>, QueryRejection>) -> Response {
    let verbose = params.map(|Query(p)| p.verbose).unwrap_or_default();
    let mut resp = if verbose.is_empty() || verbose == "0" || verbose == "false" {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (
            StatusCode::OK,
            serde_json::json!({ "version": INFLUXDB_VERSION }).to_string(),
        )
            .into_response()
    };
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// `GET /health` (InfluxDB 1.8): the server is up and the engine opened.
async fn health() -> Response {
    let body = serde_json::json!({
        "checks": [],
        "message": "ready for queries and writes",
        "name": "taildb",
        "status": "pass",
        "version": INFLUXDB_VERSION,
    });
    let mut resp = (StatusCode::OK, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

async fn influxdb_headers(req: Request, next: Next) -> Response {
    let request_id = request_id(req.headers());
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        "X-Influxdb-Version",
        HeaderValue::from_static(INFLUXDB_VERSION),
    );
    h.insert("X-Influxdb-Build", HeaderValue::from_static("OSS"));
    h.insert("Request-Id", request_id.clone());
    h.insert("X-Request-Id", request_id);
    resp
}

/// The client's `Request-Id`, else its `X-Request-Id`, else a new random (version 4) UUID.
fn request_id(headers: &HeaderMap) -> HeaderValue {
    for name in ["Request-Id", "X-Request-Id"] {
        if let Some(v) = headers.get(name)
            && !v.is_empty()
        {
            return v.clone();
        }
    }
    let bits: u128 = rand::random();
    let bits = (bits & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    let id = format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    );
    HeaderValue::from_str(&id)
        .unwrap_or_else(|_| HeaderValue::from_static("00000000-0000-4000-8000-000000000000"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_id_reuses_the_clients() {
        let mut h = HeaderMap::new();
        h.insert("X-Request-Id", HeaderValue::from_static("abc"));
        assert_eq!(request_id(&h), "abc");
        h.insert("Request-Id", HeaderValue::from_static("def"));
        assert_eq!(request_id(&h), "def");
    }

    #[test]
    fn fresh_request_ids_are_v4_uuids() {
        let a = request_id(&HeaderMap::new());
        let b = request_id(&HeaderMap::new());
        assert_ne!(a, b);
        let s = a.to_str().unwrap_or_default();
        let parts: Vec<&str> = s.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            vec![8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'), "{s}");
        assert!(
            matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
            "{s}"
        );
    }
}
