//! Operator endpoints outside the InfluxDB API, named after VictoriaMetrics' equivalents so
//! operators and scripts find them where they expect:
//!
//! - `POST /internal/force_flush`: flush every memtable to segments and truncate the WAL.
//! - `POST /internal/force_merge`: flush, then merge every measurement's segments of every shard as
//!   far as the compaction row budget allows (benchmarks measure compacted size with it).
//!
//! Both answer 204 when done, or 500 with InfluxDB's JSON error body. The work runs on a blocking
//! thread, never on the async executor. `GET` is refused with 405 so a crawler or a browser cannot
//! start a full compaction by accident.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tsdb::{Engine, EngineError};

/// The admin routes over an opened engine.
pub fn router(engine: Arc<Engine>) -> Router {
    Router::new()
        .route("/internal/force_flush", post(force_flush))
        .route("/internal/force_merge", post(force_merge))
        .with_state(engine)
}

async fn force_flush(State(engine): State<Arc<Engine>>) -> Response {
    run(engine, "force_flush", |e| e.flush().map(|()| 0)).await
}

async fn force_merge(State(engine): State<Arc<Engine>>) -> Response {
    run(engine, "force_merge", |e| e.compact_full()).await
}

async fn run(
    engine: Arc<Engine>,
    what: &'static str,
    job: fn(&Engine) -> Result<usize, EngineError>,
) -> Response {
    let started = std::time::Instant::now();
    let result = tokio::task::spawn_blocking(move || job(&engine)).await;
    match result {
        Ok(Ok(merges)) => {
            tracing::info!(
                what,
                merges,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "done"
            );
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(Err(e)) => {
            tracing::error!(what, error = %e, "failed");
            error(&e.to_string())
        }
        Err(e) => error(&format!("{what}: {e}")),
    }
}

fn error(msg: &str) -> Response {
    let body = serde_json::json!({ "error": msg }).to_string();
    let mut resp = (StatusCode::INTERNAL_SERVER_ERROR, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(msg) {
        resp.headers_mut().insert("X-Influxdb-Error", v);
    }
    resp
}
