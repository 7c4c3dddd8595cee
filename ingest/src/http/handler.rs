//! `POST /write` and `POST /api/v2/write`: InfluxDB 1.8's `serveWriteV1`/`serveWriteV2`/`serveWrite`.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tsdb::{Engine, PointBatch, WriteError};

use crate::line_protocol::{LineError, ParseOptions, parse_lines};

use super::body::{drain_unread, gunzip_limited, is_gzip, read_limited};
use super::error::WriteHttpError;
use super::params::{QueryParams, WriteTarget, check_consistency, target_v1, target_v2};
use super::routes::{WriteConfig, WriteState};

type RawQuery = Result<Query<Vec<(String, String)>>, QueryRejection>;

pub(super) async fn write_v1(
    State(state): State<WriteState>,
    query: RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    write_with(target_v1, state, query, headers, body).await
}

pub(super) async fn write_v2(
    State(state): State<WriteState>,
    query: RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    write_with(target_v2, state, query, headers, body).await
}

/// The two write endpoints differ only in how the target database/policy is read from the URL.
async fn write_with(
    target_of: fn(&QueryParams) -> Result<WriteTarget, WriteHttpError>,
    state: WriteState,
    query: RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let now = now_nanos();
    let result = async {
        let params = query_params(query);
        let (params, target) = match params.and_then(|p| target_of(&p).map(|t| (p, t))) {
            Ok(pt) => pt,
            Err(e) => {
                drain_unread(body).await;
                return Err(e);
            }
        };
        serve_write(
            state,
            target,
            params.get("consistency"),
            &headers,
            body,
            now,
        )
        .await
    }
    .await;
    respond(result)
}

fn respond(result: Result<(), WriteHttpError>) -> Response {
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            if e.status().is_server_error() {
                tracing::error!(error = %e, "write failed");
            } else {
                tracing::debug!(error = %e, "write refused");
            }
            e.into_response()
        }
    }
}

fn query_params(query: RawQuery) -> Result<QueryParams, WriteHttpError> {
    match query {
        Ok(Query(pairs)) => Ok(QueryParams(pairs)),
        Err(e) => Err(WriteHttpError::BodyRead(e.body_text())),
    }
}

/// Server time in nanoseconds, taken once per request.
fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// The checks after the endpoint-specific parameters, in InfluxDB's order.
async fn serve_write(
    state: WriteState,
    target: WriteTarget,
    consistency: &str,
    headers: &HeaderMap,
    body: Body,
    now: i64,
) -> Result<(), WriteHttpError> {
    if target.db.is_empty() {
        drain_unread(body).await;
        return Err(WriteHttpError::DatabaseRequired);
    }
    if !state.engine.database_exists(&target.db) {
        drain_unread(body).await;
        return Err(WriteHttpError::DatabaseNotFound(target.db));
    }
    let raw = read_limited(headers, body, state.config.max_body_size).await?;
    let request = BlockingWrite {
        engine: state.engine,
        config: state.config,
        target,
        consistency: consistency.to_string(),
        gzip: is_gzip(headers),
        raw,
        now,
    };
    tokio::task::spawn_blocking(move || request.run())
        .await
        .map_err(|e| WriteHttpError::Internal(format!("write task failed: {e}")))?
}

/// The CPU- and IO-bound part of a write: gunzip, parse, `Engine::write`.
struct BlockingWrite {
    engine: Arc<Engine>,
    config: WriteConfig,
    target: WriteTarget,
    consistency: String,
    gzip: bool,
    raw: Bytes,
    now: i64,
}

impl BlockingWrite {
    fn run(self) -> Result<(), WriteHttpError> {
        let decoded;
        let data: &[u8] = if self.gzip {
            decoded = gunzip_limited(&self.raw, self.config.max_body_size)?;
            &decoded
        } else {
            &self.raw
        };
        let opts = ParseOptions {
            precision: self.target.precision,
            now: self.now,
            allow_unsigned: self.config.allow_unsigned,
            ..ParseOptions::default()
        };
        let mut batch = PointBatch::new();
        let mut errors = Vec::new();
        parse_lines(data, &opts, &mut batch, &mut errors);
        if batch.is_empty() && !errors.is_empty() {
            return Err(WriteHttpError::Parse(errors));
        }
        check_consistency(&self.consistency)?;
        if batch.is_empty() {
            return Ok(());
        }
        let outcome = self
            .engine
            .write(&self.target.db, self.target.rp.as_deref(), &batch)
            .map_err(|e| match e {
                WriteError::DatabaseNotFound(db) => WriteHttpError::DatabaseNotFound(db),
                WriteError::RetentionPolicyNotFound(rp) => {
                    WriteHttpError::RetentionPolicyNotFound(rp)
                }
                WriteError::Storage(msg) => WriteHttpError::Storage(msg),
            })?;
        if outcome.dropped > 0 {
            let reason = outcome
                .reason
                .unwrap_or_else(|| "points dropped".to_string());
            return Err(WriteHttpError::PartialWrite {
                reason,
                dropped: outcome.dropped,
            });
        }
        if !errors.is_empty() {
            // InfluxDB reports unparsable lines of an otherwise successful write as a partial write
            // with `dropped=0`.
            return Err(WriteHttpError::PartialWrite {
                reason: join_errors(&errors),
                dropped: 0,
            });
        }
        Ok(())
    }
}

fn join_errors(errors: &[LineError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
