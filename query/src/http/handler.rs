//! `/query` handler.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tsdb::Engine;

use crate::ast::Statement;
use crate::exec::{
    ExecContext, ManagerConfig, QueryLimits, QueryManager, Store, execute, execute_each,
};
use crate::parser::{self, parse_params, parse_query_with_params};
use crate::response::StatementResult;
use crate::response::{
    CsvWriter, QueryResponse, TimeFormat, chunk_size_param, write_chunks, write_csv_error,
    write_error_body, write_line_protocol, write_line_protocol_error, write_response,
};

/// The body format the client asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    /// `application/x-influxdb-line-protocol`: rows as points (an export; `response::line_protocol`).
    LineProtocol,
}

/// The mime type of line-protocol bodies (request `Accept` and response `Content-Type`).
pub const LINE_PROTOCOL_MIME: &str = "application/x-influxdb-line-protocol";

impl Format {
    /// `Accept: application/csv` or `text/csv` → CSV, `application/x-influxdb-line-protocol` →
    /// line protocol (first acceptable entry wins); else JSON.
    fn from_headers(headers: &HeaderMap) -> Format {
        for v in headers.get_all(header::ACCEPT) {
            let Ok(v) = v.to_str() else { continue };
            for entry in v.split(',') {
                let mime = entry.split(';').next().unwrap_or("").trim();
                match mime.to_ascii_lowercase().as_str() {
                    "application/csv" | "text/csv" => return Format::Csv,
                    LINE_PROTOCOL_MIME => return Format::LineProtocol,
                    "application/json" => return Format::Json,
                    _ => {}
                }
            }
        }
        Format::Json
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv",
            Format::LineProtocol => LINE_PROTOCOL_MIME,
        }
    }
}

/// Query management settings (`[coordinator]`).
#[derive(Clone, Debug, Default)]
pub struct QueryConfig {
    pub manager: ManagerConfig,
    pub limits: QueryLimits,
    /// The continuous-query service statements reach through `ExecContext`.
    pub continuous_queries: Option<Arc<crate::cq::ContinuousQueryService>>,
    /// Authentication (`None`: off).
    pub auth: Option<Arc<crate::auth::Auth>>,
}

#[derive(Clone)]
struct AppState {
    store: Arc<dyn Store>,
    limits: QueryLimits,
    manager: QueryManager,
    continuous_queries: Option<Arc<crate::cq::ContinuousQueryService>>,
    auth: Option<Arc<crate::auth::Auth>>,
}

/// The query routes, to be merged into the server's router.
pub fn router(engine: Arc<Engine>, config: QueryConfig) -> Router {
    router_with_store(engine, config)
}

/// The query routes over any [`Store`] (tests use [`crate::exec::MemStore`]).
pub fn router_with_store(store: Arc<dyn Store>, config: QueryConfig) -> Router {
    Router::new()
        .route("/query", get(query).post(query))
        .with_state(AppState {
            store,
            limits: config.limits,
            manager: QueryManager::new(config.manager),
            continuous_queries: config.continuous_queries,
            auth: config.auth,
        })
}

/// Request parameters in lookup order (body form first, then URL).
struct Params(Vec<(String, String)>);

impl Params {
    fn from_request(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Params {
        let mut v = Vec::new();
        let multipart = headers
            .get(header::CONTENT_TYPE)
            .and_then(|c| c.to_str().ok())
            .is_some_and(|c| c.starts_with("multipart/"));
        if *method == Method::POST && !multipart {
            v.extend(form_urlencoded::parse(body).into_owned());
        }
        if let Some(q) = uri.query() {
            v.extend(form_urlencoded::parse(q.as_bytes()).into_owned());
        }
        Params(v)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn json_response(status: StatusCode, body: Vec<u8>, error: Option<&str>) -> Response {
    body_response(status, body, error, Format::Json)
}

fn body_response(
    status: StatusCode,
    body: Vec<u8>,
    error: Option<&str>,
    format: Format,
) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Some(e) = error {
        // InfluxDB truncates the header to 1024 bytes.
        let mut end = e.len().min(1024);
        while !e.is_char_boundary(end) {
            end -= 1;
        }
        if let Ok(v) = HeaderValue::from_str(&e[..end]) {
            h.insert("X-Influxdb-Error", v);
        }
    }
    resp
}

fn error_response(status: StatusCode, msg: &str, pretty: bool, format: Format) -> Response {
    let mut body = Vec::new();
    match format {
        Format::Json => write_error_body(&mut body, msg, pretty),
        Format::Csv => write_csv_error(&mut body, msg),
        Format::LineProtocol => write_line_protocol_error(&mut body, msg),
    }
    body_response(status, body, Some(msg), format)
}

async fn query(
    State(st): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    body: Bytes,
) -> Response {
    let params = Params::from_request(&method, &uri, &headers, &body);
    let identity = match &st.auth {
        Some(auth) => {
            let peer = crate::auth::peer_ip(&extensions);
            match auth
                .authenticate(peer, params.get("u"), params.get("p"), &headers)
                .await
            {
                Ok(id) => id,
                Err(e) => return e.into_response(),
            }
        }
        None => crate::auth::Identity::Disabled,
    };
    let pretty = params.get("pretty") == Some("true");
    let out_format = Format::from_headers(&headers);
    let q = params.get("q").map(str::trim).unwrap_or("");
    if q.is_empty() {
        return error_response(
            StatusCode::BAD_REQUEST,
            r#"missing required parameter "q""#,
            pretty,
            out_format,
        );
    }
    let bound = match params.get("params").filter(|p| !p.is_empty()) {
        Some(text) => match parse_params(text) {
            Ok(b) => b,
            Err(e) => {
                return error_response(StatusCode::BAD_REQUEST, &e.to_string(), pretty, out_format);
            }
        },
        None => parser::Params::new(),
    };
    let statements = match parse_query_with_params(q, &bound) {
        Ok(s) => s,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                &format!("error parsing query: {e}"),
                pretty,
                out_format,
            );
        }
    };
    let non_empty = |k: &str| params.get(k).filter(|v| !v.is_empty()).map(str::to_owned);
    if let Some(auth) = &st.auth
        && let Err(e) = auth.authorize_query(&identity, &statements, non_empty("db").as_deref())
    {
        return e.into_response();
    }
    let format = TimeFormat::from_epoch_param(params.get("epoch"));
    // Listed in SHOW QUERIES until the handle drops, i.e. until the last statement ran. A query
    // holding a password is listed as its statements print (passwords `[REDACTED]`, as InfluxDB
    // lists every query); others as sent.
    let listed: Cow<'_, str> = if statements.iter().any(Statement::has_password) {
        Cow::Owned(
            statements
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    } else {
        Cow::Borrowed(q)
    };
    let handle = match st.manager.attach(&listed, params.get("db").unwrap_or("")) {
        Ok(h) => h,
        Err(e) => {
            // InfluxDB answers a refused query as a statement error with status 200.
            let mut body = Vec::new();
            let results = vec![StatementResult::error(0, e.to_string())];
            write_response(
                &mut body,
                &QueryResponse {
                    results,
                    error: None,
                },
                format,
                pretty,
            );
            return json_response(StatusCode::OK, body, None);
        }
    };
    let ctx = ExecContext {
        database: non_empty("db"),
        retention_policy: non_empty("rp"),
        now: now_nanos(),
        read_only: method == Method::GET,
        limits: st.limits,
        interrupt: handle.interrupt(),
        manager: Some(st.manager.clone()),
        trace: None,
        write_origin: None,
        continuous_queries: st.continuous_queries.clone(),
        shared_scan: None,
    };
    let store = Arc::clone(&st.store);
    let chunked = params.get("chunked") == Some("true");
    if chunked || out_format != Format::Json {
        let chunk_size = chunk_size_param(params.get("chunk_size"));
        // InfluxDB 1.6.7 ignores `pretty=true` when chunked: each chunk is one compact line.
        return streamed(
            store,
            statements,
            ctx,
            handle,
            out_format,
            format,
            pretty && !chunked,
            chunk_size,
            identity,
        );
    }
    let results = match tokio::task::spawn_blocking(move || {
        let mut results = execute(store.as_ref(), &statements, &ctx);
        for (stmt, r) in statements.iter().zip(results.iter_mut()) {
            crate::auth::filter_result(&identity, stmt, r);
        }
        drop(handle);
        results
    })
    .await
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "query task failed");
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "query execution failed",
                pretty,
                out_format,
            );
        }
    };
    let mut body = Vec::new();
    write_response(
        &mut body,
        &QueryResponse {
            results,
            error: None,
        },
        format,
        pretty,
    );
    json_response(StatusCode::OK, body, None)
}

/// A streamed 200 body: each statement's result is written (as chunk lines, or CSV) as soon as it
/// is done, through a small channel, so at most one statement's result is held at a time.
#[allow(clippy::too_many_arguments)]
fn streamed(
    store: Arc<dyn Store>,
    statements: Vec<Statement>,
    ctx: ExecContext,
    query: crate::exec::QueryHandle,
    out_format: Format,
    time_format: TimeFormat,
    pretty: bool,
    chunk_size: usize,
    identity: crate::auth::Identity,
) -> Response {
    let (mut tx, body) =
        http_body_util::channel::Channel::<Bytes, std::convert::Infallible>::new(4);
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut send = |b: Vec<u8>| -> bool {
            b.is_empty() || runtime.block_on(tx.send_data(Bytes::from(b))).is_ok()
        };
        let mut csv = CsvWriter::new();
        execute_each(store.as_ref(), &statements, &ctx, &mut |stmt, mut r| {
            crate::auth::filter_result(&identity, stmt, &mut r);
            match out_format {
                Format::Csv => {
                    let mut out = Vec::new();
                    csv.write_result(&mut out, &r, time_format);
                    send(out)
                }
                Format::LineProtocol => {
                    let mut out = Vec::new();
                    write_line_protocol(&mut out, &r);
                    send(out)
                }
                Format::Json => {
                    let split = matches!(stmt, Statement::Select(_) | Statement::ShowSeries(_));
                    write_chunks(&r, chunk_size, split, time_format, pretty, &mut send)
                }
            }
        });
        drop(query);
    });
    let mut resp = (
        StatusCode::OK,
        axum::body::Body::new(super::fused::Fused::new(body)),
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(out_format.content_type()),
    );
    resp
}

fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}
