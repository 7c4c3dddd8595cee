//! A test application: engine over a temp dir with database `db`, and the composed router.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use tempfile::TempDir;
use tower::ServiceExt;
use tsdb::{Engine, EngineConfig, FieldValue, ReadRequest, SeriesData};

pub struct App {
    pub engine: Arc<Engine>,
    router: Router,
    _dir: TempDir,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    /// The `error` of a JSON error body (empty if none).
    pub fn error(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
            .unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts an InfluxDB error response: status, JSON body, `X-Influxdb-Error`.
    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, msg: &str) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.error(), msg);
        assert_eq!(self.header("content-type"), "application/json");
        let expected_header: String = msg
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        if expected_header.len() <= 1024 {
            assert_eq!(self.header("x-influxdb-error"), expected_header);
        }
    }

    #[track_caller]
    pub fn assert_no_content(&self) {
        assert_eq!(self.status, StatusCode::NO_CONTENT, "body: {}", self.body);
        assert!(self.body.is_empty());
    }
}

impl App {
    pub fn new() -> App {
        App::with_max_body(25_000_000)
    }

    pub fn with_max_body(max_body_size: usize) -> App {
        App::build(max_body_size, tsdb::engine::SeriesLimits::default())
    }

    pub fn with_limits(limits: tsdb::engine::SeriesLimits) -> App {
        App::build(25_000_000, limits)
    }

    fn build(max_body_size: usize, limits: tsdb::engine::SeriesLimits) -> App {
        let app = App::build_empty(max_body_size, limits);
        app.engine.create_database("db", None).expect("create db");
        app
    }

    /// An application over an empty data directory (no database yet).
    pub fn empty() -> App {
        App::build_empty(25_000_000, tsdb::engine::SeriesLimits::default())
    }

    fn build_empty(max_body_size: usize, limits: tsdb::engine::SeriesLimits) -> App {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = EngineConfig::new(dir.path());
        config.background = false;
        config.limits = limits;
        let engine = Engine::open(config).expect("engine opens");
        let write = ingest::http::WriteConfig {
            max_body_size,
            ..Default::default()
        };
        let router = taildb::app::router(
            Arc::clone(&engine),
            write,
            query::http::QueryConfig::default(),
        );
        App {
            engine,
            router,
            _dir: dir,
        }
    }

    /// Sends `req`; the status, headers and the raw (possibly compressed) body bytes.
    pub async fn send_bytes(&self, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        roundtrip(&self.router, req).await
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        Resp::from(roundtrip(&self.router, req).await)
    }

    pub async fn post(&self, uri: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Resp {
        let mut req = Request::builder().method(Method::POST).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req.body(body.into()).expect("request")).await
    }

    /// `POST /write?{query}` with a plain body and its `Content-Length`.
    pub async fn write(&self, query: &str, body: &str) -> Resp {
        self.post_sized(&format!("/write?{query}"), &[], body.as_bytes().to_vec())
            .await
    }

    /// `POST` with a `Content-Length` header, as a client sending a known-size body does.
    pub async fn post_sized(&self, uri: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Resp {
        let len = body.len().to_string();
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        all.push(("Content-Length", &len));
        self.post(uri, &all, body).await
    }

    /// `POST /query` with `q` (URL-encoded by the caller where needed) on database `db`.
    pub async fn query(&self, q: &str) -> serde_json::Value {
        let uri = format!("/query?db=db&q={}", encode(q));
        let resp = self.post(&uri, &[], Body::empty()).await;
        assert_eq!(resp.status, StatusCode::OK, "query {q}: {}", resp.body);
        serde_json::from_str(&resp.body).expect("query answers JSON")
    }

    /// `POST /query` with `q` on database `db`, times as epoch nanoseconds.
    pub async fn query_epoch(&self, q: &str) -> serde_json::Value {
        let uri = format!("/query?db=db&epoch=ns&q={}", encode(q));
        let resp = self.post(&uri, &[], Body::empty()).await;
        assert_eq!(resp.status, StatusCode::OK, "query {q}: {}", resp.body);
        serde_json::from_str(&resp.body).expect("query answers JSON")
    }

    /// Every stored series of `measurement` in `db` (all time).
    pub fn read(&self, measurement: &str) -> Vec<SeriesData> {
        let req = ReadRequest {
            database: "db".into(),
            retention_policy: None,
            measurement: measurement.into(),
            min_time: i64::MIN + 2,
            max_time: i64::MAX - 1,
            predicate: tsdb::TagPredicate::All,
            fields: None,
        };
        self.engine.read(&req).unwrap_or_default()
    }

    /// Stored points of `measurement` in `db`.
    pub fn count(&self, measurement: &str) -> usize {
        self.read(measurement)
            .iter()
            .map(|s| s.timestamps.len())
            .sum()
    }

    /// `(series key, timestamp)` of every stored point of `measurement`.
    pub fn points(&self, measurement: &str) -> Vec<(String, i64)> {
        self.read(measurement)
            .iter()
            .flat_map(|s| s.timestamps.iter().map(|t| (s.key.clone(), *t)))
            .collect()
    }

    /// The values of field `field` of `measurement`, in series then time order (`None` = absent).
    pub fn values(&self, measurement: &str, field: &str) -> Vec<Option<FieldValue<'static>>> {
        let mut out = Vec::new();
        for s in self.read(measurement) {
            for (name, col) in &s.fields {
                if name == field {
                    out.extend((0..col.len()).map(|i| col.get(i).map(FieldValue::into_owned)));
                }
            }
        }
        out
    }
}

/// Minimal URL encoding of a query-string value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

/// The last 100 characters of `s` (for failure messages about huge bodies).
pub fn tail(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(100)..].iter().collect()
}

/// Sends `req` through `router`: the status, headers and the raw body bytes.
pub async fn roundtrip(router: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let resp = router
        .clone()
        .oneshot(req)
        .await
        .expect("router is infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (status, headers, bytes.to_vec())
}

impl From<(StatusCode, HeaderMap, Vec<u8>)> for Resp {
    fn from((status, headers, body): (StatusCode, HeaderMap, Vec<u8>)) -> Resp {
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}
