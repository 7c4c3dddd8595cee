//! Grafana contract tests: the request shapes Grafana's InfluxDB datasource (InfluxQL mode) sends,
//! written as data (method, URL parameters, body, headers exactly as Grafana sends them, per
//! clients-and-grafana.md §1) and replayed against the application, asserting the response
//! properties Grafana's parsers depend on (§1.8, §1.9):
//!
//! 1. HTTP 200 with a JSON body (`application/json`), gzip-compressed when asked.
//! 2. `results` is never empty and holds exactly one result per statement, in order, each with its
//!    `statement_id` (old Grafana maps `results[i]` to panel query `i`).
//! 3. Series objects keep the key order `name`, `tags`, `columns`, `values`; tag keys sorted.
//! 4. A `time` column is column 0 and, with `epoch=ms`, every time is a JSON integer.
//! 5. SHOW shapes match InfluxDB (`SHOW TAG VALUES` -> `["key","value"]`, `SHOW RETENTION POLICIES`
//!    ends with the bool `default` column, …).

use std::io::Read;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::support::{App, encode};

/// Milliseconds of the first point; points lie every 10 s for 10 minutes.
const T0_MS: i64 = 1_700_000_000_000;
/// The dashboard range Grafana renders into `$timeFilter` (backend form, ms-precise).
const FROM_MS: i64 = T0_MS - 123;
const TO_MS: i64 = T0_MS + 3_600_000 + 123;

/// A JSON value that keeps object keys in document order (serde_json's `Value` sorts them).
#[derive(Debug, Clone)]
enum Ordered {
    Obj(Vec<(String, Ordered)>),
    Arr(Vec<Ordered>),
    Int(i64),
    Float(f64),
    Str(String),
    #[allow(dead_code)] // (read only through Debug, in failure messages)
    Bool(bool),
    Null,
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ordered, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Ordered, E> {
                Ok(Ordered::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Ordered, E> {
                Ok(Ordered::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Ordered, E> {
                i64::try_from(v)
                    .map(Ordered::Int)
                    .map_err(|_| E::custom("integer above i64"))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Ordered, E> {
                Ok(Ordered::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Ordered, E> {
                Ok(Ordered::Str(v.to_owned()))
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Ordered, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    v.push(x);
                }
                Ok(Ordered::Arr(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Ordered, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = a.next_entry()? {
                    v.push((k, x));
                }
                Ok(Ordered::Obj(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl Ordered {
    fn get(&self, key: &str) -> Option<&Ordered> {
        match self {
            Ordered::Obj(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn keys(&self) -> Vec<&str> {
        match self {
            Ordered::Obj(kv) => kv.iter().map(|(k, _)| k.as_str()).collect(),
            _ => Vec::new(),
        }
    }
    fn arr(&self) -> &[Ordered] {
        match self {
            Ordered::Arr(v) => v,
            _ => &[],
        }
    }
    fn str(&self) -> Option<&str> {
        match self {
            Ordered::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// What a case expects beyond the common contract.
#[derive(Clone, Copy)]
enum Expect {
    /// Only the common contract (statement count, shapes).
    Any,
    /// The first result has series whose columns are exactly these.
    Columns(&'static [&'static str]),
    /// The first result has at least one series, with a time column.
    TimeSeries,
    /// Every result has series (for the batched forms).
    AllSeries,
    /// The first result carries this error text (HTTP 200).
    StatementError(&'static str),
}

/// One request as Grafana sends it.
struct Case {
    what: &'static str,
    method: Method,
    /// URL parameters in Go's `url.Values.Encode()` order (alphabetical), `q` included for GET.
    params: Vec<(&'static str, String)>,
    /// `q` for a POST form body (`Content-type: application/x-www-form-urlencoded`).
    body_q: Option<String>,
    headers: Vec<(&'static str, &'static str)>,
    statements: usize,
    epoch_ms: bool,
    expect: Expect,
}

/// `$timeFilter` as the 9.x+ backend renders it.
fn time_filter() -> String {
    format!("time >= {FROM_MS}ms and time <= {TO_MS}ms")
}

/// Headers of Grafana's Go backend (no basic auth configured: Grafana's proxy still sends `Og==`).
const BACKEND: &[(&str, &str)] = &[
    ("User-Agent", "Grafana/10.4.1"),
    ("Accept-Encoding", "gzip"),
    ("Authorization", "Basic Og=="),
];

fn get(what: &'static str, q: &str, statements: usize, expect: Expect) -> Case {
    Case {
        what,
        method: Method::GET,
        params: vec![
            ("db", "db".to_owned()),
            ("epoch", "ms".to_owned()),
            ("q", q.to_owned()),
        ],
        body_q: None,
        headers: BACKEND.to_vec(),
        statements,
        epoch_ms: true,
        expect,
    }
}

fn post(what: &'static str, q: &str, statements: usize, expect: Expect) -> Case {
    Case {
        what,
        method: Method::POST,
        params: vec![("db", "db".to_owned()), ("epoch", "ms".to_owned())],
        body_q: Some(q.to_owned()),
        headers: [
            BACKEND,
            &[("Content-type", "application/x-www-form-urlencoded")],
        ]
        .concat(),
        statements,
        epoch_ms: true,
        expect,
    }
}

/// Every recorded request form of clients-and-grafana.md §1.
fn cases() -> Vec<Case> {
    let tf = time_filter();
    let panel = |by: &str| {
        format!(
            "SELECT mean(\"latency_ms\") FROM \"email_latency\" WHERE {tf} GROUP BY time(1m), \"{by}\" fill(null)"
        )
    };
    let mut v = vec![
        // §1.3 health checks.
        get(
            "9.x+ health check",
            "SHOW measurements",
            1,
            Expect::Columns(&["name"]),
        ),
        get(
            "<=8.4 health check / RP picker",
            "SHOW RETENTION POLICIES on \"db\"",
            1,
            Expect::Columns(&[
                "name",
                "duration",
                "shardGroupDuration",
                "replicaN",
                "default",
            ]),
        ),
        // §1.5 builder queries, GET and POST.
        get("builder panel GET", &panel("host"), 1, Expect::TimeSeries),
        post("builder panel POST", &panel("dc"), 1, Expect::TimeSeries),
        get(
            "default new query",
            &format!(
                "SELECT mean(\"latency_ms\") FROM \"email_latency\" WHERE {tf} GROUP BY time(20s) fill(null)"
            ),
            1,
            Expect::TimeSeries,
        ),
        get(
            "builder tag conditions (parens when >1) and regex",
            &format!(
                "SELECT percentile(\"latency_ms\", 99) AS \"p99\" FROM \"email_latency\" WHERE (\"direction\" = 'out' AND \"dc\" =~ /^(ams1|fra2)$/) AND {tf} GROUP BY time(5m), \"customer\" fill(none)"
            ),
            1,
            Expect::TimeSeries,
        ),
        get(
            "classic frontend where (always parens) and relative time filter",
            "SELECT max(\"latency_ms\") FROM \"email_latency\" WHERE (\"dc\" = 'ams1') AND time >= now() - 6h and time <= now() GROUP BY time(20s) fill(null)",
            1,
            Expect::Any,
        ),
        get(
            "interval rendered as 1y (grafana#4024)",
            &format!(
                "SELECT count(\"latency_ms\") FROM \"email_latency\" WHERE {tf} GROUP BY time(1y) fill(none)"
            ),
            1,
            Expect::TimeSeries,
        ),
        get(
            "interval with offset and previous fill",
            &format!(
                "SELECT last(\"latency_ms\") FROM \"email_latency\" WHERE {tf} GROUP BY time(1d, -1h) fill(previous)"
            ),
            1,
            Expect::TimeSeries,
        ),
        get(
            "tz() and lower-case limit/slimit (backend renderer)",
            &format!(
                "SELECT mean(\"latency_ms\") FROM \"email_latency\" WHERE {tf} GROUP BY time(10m), \"host\" fill(null) limit 10 slimit 5 tz('Europe/Amsterdam')"
            ),
            1,
            Expect::TimeSeries,
        ),
        get(
            "math on aggregates, ::field, top by tag",
            &format!(
                "SELECT mean(\"latency_ms\"::field) / 1000 AS \"s\" FROM \"email_latency\" WHERE {tf} GROUP BY time(10m) fill(0); SELECT top(\"latency_ms\", \"customer\", 3) FROM \"email_latency\" WHERE {tf}"
            ),
            2,
            Expect::AllSeries,
        ),
        get(
            "multi-value variable escaped by escapeRegex (\\/ and \\.)",
            &format!(
                "SELECT mean(\"latency_ms\") FROM \"email_latency\" WHERE \"customer\" =~ /^(acme\\/eu|beta\\.corp)$/ AND {tf} GROUP BY time(1m), \"customer\" fill(null)"
            ),
            1,
            Expect::TimeSeries,
        ),
        get(
            "table panel, ORDER BY time DESC",
            &format!(
                "SELECT \"latency_ms\", \"host\" FROM \"email_latency\" WHERE {tf} ORDER BY time DESC limit 5"
            ),
            1,
            Expect::TimeSeries,
        ),
        get(
            "subquery (worst host p99 over the range)",
            &format!(
                "SELECT max(\"p99\") FROM (SELECT percentile(\"latency_ms\", 99) AS \"p99\" FROM \"email_latency\" WHERE {tf} GROUP BY time(1m), \"host\") GROUP BY \"host\""
            ),
            1,
            Expect::TimeSeries,
        ),
        // §1.8 annotations: a raw query converted to a table.
        get(
            "annotation query",
            &format!(
                "SELECT \"latency_ms\", \"host\", \"status\" FROM \"email_latency\" WHERE \"status\" = 'bounced' AND {tf}"
            ),
            1,
            Expect::TimeSeries,
        ),
        // §1.7 metadata queries of the editor, variables and ad-hoc filters.
        get(
            "measurement picker",
            "SHOW MEASUREMENTS WITH MEASUREMENT =~ /(?i)EMAIL/ LIMIT 100",
            1,
            Expect::Columns(&["name"]),
        ),
        get(
            "field keys",
            "SHOW FIELD KEYS FROM \"email_latency\"",
            1,
            Expect::Columns(&["fieldKey", "fieldType"]),
        ),
        get(
            "bare field keys",
            "SHOW FIELD KEYS",
            1,
            Expect::Columns(&["fieldKey", "fieldType"]),
        ),
        get(
            "tag keys",
            "SHOW TAG KEYS FROM \"email_latency\"",
            1,
            Expect::Columns(&["tagKey"]),
        ),
        get(
            "ad-hoc tag keys",
            "SHOW TAG KEYS",
            1,
            Expect::Columns(&["tagKey"]),
        ),
        get(
            "tag values for the host picker",
            "SHOW TAG VALUES FROM \"email_latency\" WITH KEY = \"host\"",
            1,
            Expect::Columns(&["key", "value"]),
        ),
        get(
            "variable query chained on another variable",
            "SHOW TAG VALUES WITH KEY = \"host\" WHERE \"dc\" =~ /^(ams1|fra2)$/",
            1,
            Expect::Columns(&["key", "value"]),
        ),
        get(
            "tag values with IN",
            "SHOW TAG VALUES FROM \"email_latency\" WITH KEY IN (\"dc\", \"direction\")",
            1,
            Expect::Columns(&["key", "value"]),
        ),
        get(
            "tag values with the show-tag-time option",
            "SHOW TAG VALUES WITH KEY = \"customer\" WHERE time > now() - 100000d",
            1,
            Expect::Columns(&["key", "value"]),
        ),
        get("databases", "SHOW DATABASES", 1, Expect::Columns(&["name"])),
        // §1.1 batched multi-query panels.
        get(
            "classic frontend batch (two targets)",
            &format!("{};{}", panel("host"), panel("customer")),
            2,
            Expect::AllSeries,
        ),
        get(
            "8.5-9.4 backend batch (trailing ;)",
            &format!("{};{};", panel("host"), panel("direction")),
            2,
            Expect::AllSeries,
        ),
        get(
            "hidden first target (leading ;) and doubled ;;",
            &format!(";{};;{}", panel("dc"), panel("host")),
            2,
            Expect::AllSeries,
        ),
        post(
            "batched POST with one empty result in the middle",
            &format!(
                "{};SELECT mean(\"latency_ms\") FROM \"email_latency\" WHERE \"dc\" = 'nowhere' AND {tf};{}",
                panel("host"),
                panel("dc")
            ),
            3,
            Expect::Any,
        ),
        // Statement errors stay per statement (HTTP 200).
        get(
            "unknown measurement is an empty result",
            &format!("SELECT mean(\"v\") FROM \"nope\" WHERE {tf}"),
            1,
            Expect::Any,
        ),
    ];
    // Lower-case keywords everywhere (hand-written raw queries).
    v.push(get(
        "lower-case raw query",
        &format!("select mean(\"latency_ms\") from \"email_latency\" where {tf} group by time(1m) fill(null) order by time asc"),
        1,
        Expect::TimeSeries,
    ));
    // Python v1 style: POST, JSON content type, empty body, q in the URL.
    v.push(Case {
        what: "q in the URL of a POST with application/json",
        method: Method::POST,
        params: vec![
            ("db", "db".to_owned()),
            ("epoch", "ms".to_owned()),
            ("q", "SHOW measurements".to_owned()),
        ],
        body_q: None,
        headers: vec![
            ("Content-Type", "application/json"),
            ("Accept", "application/x-msgpack"),
        ],
        statements: 1,
        epoch_ms: true,
        expect: Expect::Columns(&["name"]),
    });
    // The datasource's database does not exist: a statement error, not a failed request.
    v.push(Case {
        what: "database of the datasource missing",
        method: Method::GET,
        params: vec![
            ("db", "missing".to_owned()),
            ("epoch", "ms".to_owned()),
            (
                "q",
                format!("SELECT mean(\"latency_ms\") FROM \"email_latency\" WHERE {tf}"),
            ),
        ],
        body_q: None,
        headers: BACKEND.to_vec(),
        statements: 1,
        epoch_ms: true,
        expect: Expect::StatementError("database not found: missing"),
    });
    v
}

/// Writes the latency data the cases query: 2 dcs, 2 directions, 3 hosts, 3 customers, every 10 s.
async fn fill(app: &App) {
    let mut body = String::new();
    let customers = ["acme/eu", "beta.corp", "gamma"];
    for i in 0..60i64 {
        let t = (T0_MS + i * 10_000) * 1_000_000;
        let dc = ["ams1", "fra2"][(i % 2) as usize];
        let dir = ["in", "out"][((i / 2) % 2) as usize];
        let host = ["mx01", "mx02", "mx03"][(i % 3) as usize];
        let cust = customers[((i / 3) % 3) as usize].replace(' ', "\\ ");
        let status = if i % 7 == 0 { "bounced" } else { "ok" };
        body.push_str(&format!(
            "email_latency,customer={cust},dc={dc},direction={dir},host={host},status={status} latency_ms={}.5 {t}\n",
            100 + i * 3
        ));
    }
    let resp = app.write("db=db", &body).await;
    resp.assert_no_content();
}

fn request(case: &Case) -> Request<Body> {
    let query: Vec<String> = case
        .params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    let mut req = Request::builder()
        .method(case.method.clone())
        .uri(format!("/query?{}", query.join("&")));
    for (k, v) in &case.headers {
        req = req.header(*k, *v);
    }
    let body = match &case.body_q {
        Some(q) => Body::from(format!("q={}", encode(q))),
        None => Body::empty(),
    };
    req.body(body).expect("request")
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .expect("gzip body decodes");
    out
}

/// Checks the common contract and the case's expectation; returns the parsed body.
fn check(case: &Case, status: StatusCode, headers: &axum::http::HeaderMap, raw: &[u8]) -> Ordered {
    let what = case.what;
    let gz = case
        .headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("accept-encoding") && v.contains("gzip"));
    let encoding = headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let text = if encoding == "gzip" {
        gunzip(raw)
    } else {
        String::from_utf8_lossy(raw).into_owned()
    };
    assert_eq!(status, StatusCode::OK, "{what}: {text}");
    if gz {
        assert_eq!(encoding, "gzip", "{what}: Grafana asked for gzip");
    }
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{what}"
    );
    let doc: Ordered =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}: {text}"));
    let results = doc.get("results").map(Ordered::arr).unwrap_or_default();
    assert_eq!(
        results.len(),
        case.statements,
        "{what}: one result per statement: {text}"
    );
    for (i, r) in results.iter().enumerate() {
        assert_eq!(
            r.keys().first().copied(),
            Some("statement_id"),
            "{what}: result {i} starts with statement_id: {text}"
        );
        assert!(
            matches!(r.get("statement_id"), Some(Ordered::Int(n)) if *n == i as i64),
            "{what}: statement_id {i}: {text}"
        );
        for s in r.get("series").map(Ordered::arr).unwrap_or_default() {
            let keys: Vec<&str> = s.keys().into_iter().filter(|k| *k != "partial").collect();
            let want: Vec<&str> = ["name", "tags", "columns", "values"]
                .into_iter()
                .filter(|k| s.get(k).is_some())
                .collect();
            assert_eq!(keys, want, "{what}: series key order: {text}");
            assert!(
                s.get("columns").is_some(),
                "{what}: series without columns: {text}"
            );
            let tag_keys = s.get("tags").map(Ordered::keys).unwrap_or_default();
            let mut sorted = tag_keys.clone();
            sorted.sort_unstable();
            assert_eq!(tag_keys, sorted, "{what}: tag keys sorted: {text}");
            let cols: Vec<&str> = s
                .get("columns")
                .map(Ordered::arr)
                .unwrap_or_default()
                .iter()
                .filter_map(Ordered::str)
                .collect();
            if let Some(p) = cols.iter().position(|c| *c == "time") {
                assert_eq!(p, 0, "{what}: time is column 0: {text}");
                for row in s.get("values").map(Ordered::arr).unwrap_or_default() {
                    let t = row.arr().first();
                    if case.epoch_ms {
                        assert!(
                            matches!(t, Some(Ordered::Int(_))),
                            "{what}: integer time: {text}"
                        );
                    }
                    for v in row.arr() {
                        assert!(
                            !matches!(v, Ordered::Float(f) if !f.is_finite()),
                            "{what}: non-finite number"
                        );
                    }
                }
            }
        }
    }
    let first = results.first().cloned().unwrap_or(Ordered::Null);
    let first_series = first
        .get("series")
        .map(Ordered::arr)
        .unwrap_or_default()
        .to_vec();
    match case.expect {
        Expect::Any => {
            assert!(first.get("error").is_none(), "{what}: {text}");
        }
        Expect::Columns(cols) => {
            assert!(first.get("error").is_none(), "{what}: {text}");
            assert!(!first_series.is_empty(), "{what}: series expected: {text}");
            for s in &first_series {
                let got: Vec<&str> = s
                    .get("columns")
                    .map(Ordered::arr)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Ordered::str)
                    .collect();
                assert_eq!(got, cols, "{what}: {text}");
            }
        }
        Expect::TimeSeries => {
            assert!(first.get("error").is_none(), "{what}: {text}");
            assert!(!first_series.is_empty(), "{what}: series expected: {text}");
            let c0 = first_series[0]
                .get("columns")
                .map(Ordered::arr)
                .unwrap_or_default();
            assert_eq!(
                c0.first().and_then(Ordered::str),
                Some("time"),
                "{what}: {text}"
            );
        }
        Expect::AllSeries => {
            for (i, r) in results.iter().enumerate() {
                assert!(r.get("error").is_none(), "{what}: result {i}: {text}");
                assert!(
                    !r.get("series")
                        .map(Ordered::arr)
                        .unwrap_or_default()
                        .is_empty(),
                    "{what}: result {i} has series: {text}"
                );
            }
        }
        Expect::StatementError(msg) => {
            assert_eq!(
                first.get("error").and_then(Ordered::str),
                Some(msg),
                "{what}: {text}"
            );
        }
    }
    doc
}

#[tokio::test]
async fn every_recorded_grafana_request_gets_a_response_grafana_can_parse() {
    let app = App::new();
    fill(&app).await;
    let mut failures = Vec::new();
    for case in cases() {
        let (status, headers, raw) = app.send_bytes(request(&case)).await;
        let what = case.what;
        let outcome = std::panic::AssertUnwindSafe(|| check(&case, status, &headers, &raw));
        if let Err(e) = std::panic::catch_unwind(outcome) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(format!("{what}: {msg}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Health check on a database without measurements: `results` still holds one result (the
/// buffered parser indexes `results[0]`), "0 measurements found".
#[tokio::test]
async fn health_check_on_an_empty_database_answers_one_empty_result() {
    let app = App::new();
    let case = get("empty health check", "SHOW measurements", 1, Expect::Any);
    let (status, headers, raw) = app.send_bytes(request(&case)).await;
    let doc = check(&case, status, &headers, &raw);
    let r0 = &doc.get("results").map(Ordered::arr).unwrap_or_default()[0];
    assert_eq!(r0.keys(), vec!["statement_id"]);
}

/// Specific values: `epoch=ms` times are the bucket starts in ms; `1y` buckets are 365 days.
#[tokio::test]
async fn epoch_ms_times_and_year_buckets_have_the_right_values() {
    let app = App::new();
    fill(&app).await;
    let tf = time_filter();
    let q = format!(
        "SELECT count(\"latency_ms\") FROM \"email_latency\" WHERE {tf} GROUP BY time(1y); SELECT count(\"latency_ms\") FROM \"email_latency\" WHERE {tf} GROUP BY time(365d)"
    );
    let case = get("1y vs 365d", &q, 2, Expect::AllSeries);
    let (status, headers, raw) = app.send_bytes(request(&case)).await;
    let doc = check(&case, status, &headers, &raw);
    let results = doc.get("results").map(Ordered::arr).unwrap_or_default();
    let values = |r: &Ordered| {
        format!(
            "{:?}",
            r.get("series").map(Ordered::arr).unwrap_or_default()[0].get("values")
        )
    };
    assert_eq!(values(&results[0]), values(&results[1]));
    let year_ms = 365 * 86_400_000i64;
    let bucket = FROM_MS.div_euclid(year_ms) * year_ms;
    let s = results[0]
        .get("series")
        .map(Ordered::arr)
        .unwrap_or_default()[0]
        .clone();
    let row = s.get("values").map(Ordered::arr).unwrap_or_default()[0].clone();
    // Buckets are aligned to multiples of 365 days since the epoch, like any fixed interval.
    assert!(
        matches!(row.arr()[0], Ordered::Int(t) if t == bucket),
        "{row:?}"
    );
    assert!(matches!(row.arr()[1], Ordered::Int(60)), "{row:?}");
}

/// Without `Accept-Encoding` the body is plain; with it, JSON, CSV and chunked bodies are gzip.
#[tokio::test]
async fn responses_are_gzip_only_when_asked() {
    let app = App::new();
    fill(&app).await;
    let q = encode("SELECT \"latency_ms\" FROM \"email_latency\"");
    for (accept, chunked) in [
        ("application/json", false),
        ("application/csv", false),
        ("application/json", true),
    ] {
        for gz in [false, true] {
            let mut req = Request::builder()
                .uri(format!(
                    "/query?db=db&epoch=ms&chunked={chunked}&chunk_size=7&q={q}"
                ))
                .header("Accept", accept);
            if gz {
                req = req.header("Accept-Encoding", "gzip, deflate");
            }
            let (status, headers, raw) =
                app.send_bytes(req.body(Body::empty()).expect("req")).await;
            assert_eq!(status, StatusCode::OK);
            let enc = headers
                .get("content-encoding")
                .and_then(|v| v.to_str().ok());
            let text = if gz {
                assert_eq!(enc, Some("gzip"), "{accept} chunked={chunked}");
                gunzip(&raw)
            } else {
                assert_eq!(enc, None, "{accept} chunked={chunked}");
                String::from_utf8(raw).expect("utf-8")
            };
            if accept == "application/csv" {
                assert!(text.starts_with("name,tags,time,latency_ms\n"), "{text}");
                assert_eq!(text.lines().count(), 61, "{text}");
            } else if chunked {
                assert_eq!(text.lines().count(), 9, "60 rows in chunks of 7: {text}");
                for line in text.lines() {
                    serde_json::from_str::<serde_json::Value>(line)
                        .expect("one JSON object per line");
                }
            } else {
                let v: serde_json::Value = serde_json::from_str(&text).expect("json");
                assert_eq!(
                    v["results"][0]["series"][0]["values"]
                        .as_array()
                        .map(Vec::len),
                    Some(60)
                );
            }
        }
    }
}

/// The dashboard of docs/grafana.md: every panel target, annotation and template-variable query,
/// rendered as Grafana renders it (`$timeFilter`, `$__interval`, `$__interval_ms`, "All" = `.*`,
/// a multi-value selection as an escaped alternation) runs on loadgen-shaped data (tags
/// customer, dc, direction, host; fields latency_ms and the string status) without an error, and
/// every panel gets series.
#[tokio::test]
async fn the_documented_dashboard_queries_run_and_return_series() {
    let dash: serde_json::Value = serde_json::from_str(include_str!(
        "../../docs/grafana/email-latency-dashboard.json"
    ))
    .expect("the dashboard JSON parses");
    let app = App::new();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let statuses = ["delivered", "bounced", "rejected", "deferred"];
    let mut body = String::new();
    for i in 0..240i64 {
        let t = (now_ms - 60_000 - i * 30_000) * 1_000_000;
        body.push_str(&format!(
            "email_latency,customer=cust{:06},dc={},direction={},host=mx-{:03} latency_ms={}.25,size_bytes=2000i,attempts=1i,status=\"{}\" {t}\n",
            i % 5,
            ["ams1", "fra1"][(i % 2) as usize],
            ["inbound", "outbound"][((i / 2) % 2) as usize],
            i % 6,
            50 + i,
            statuses[(i % 4) as usize],
        ));
    }
    app.write("db=db", &body).await.assert_no_content();

    let from = now_ms - 6 * 3_600_000;
    let render = |q: &str, vars: &str| {
        q.replace(
            "$timeFilter",
            &format!("time >= {from}ms and time <= {now_ms}ms"),
        )
        .replace("$__interval_ms", "20000")
        .replace("$__interval", "20s")
        .replace("$dc", vars)
        .replace("$direction", ".*")
        .replace("$host", ".*")
        .replace(
            "$customer",
            if vars == ".*" {
                ".*"
            } else {
                "(cust000001|cust000003)"
            },
        )
    };
    let mut queries: Vec<(String, bool)> = Vec::new();
    for p in dash["panels"].as_array().expect("panels") {
        let targets = p["targets"].as_array().expect("targets");
        assert!(!targets.is_empty());
        for t in targets {
            let q = t["query"].as_str().expect("query");
            queries.push((render(q, ".*"), true));
            queries.push((render(q, "(ams1|fra1)"), true));
        }
    }
    for v in dash["templating"]["list"].as_array().expect("variables") {
        queries.push((render(v["query"].as_str().expect("query"), ".*"), true));
    }
    for a in dash["annotations"]["list"].as_array().expect("annotations") {
        queries.push((
            render(a["target"]["query"].as_str().expect("query"), ".*"),
            true,
        ));
    }
    let by = ["direction", "dc", "host", "customer"];
    for tag in by {
        assert!(
            queries
                .iter()
                .any(|(q, _)| q.contains(&format!("\"{tag}\" fill"))),
            "a panel cuts latency by {tag}"
        );
    }
    for (q, want_series) in queries {
        let case = get("dashboard query", &q, 1, Expect::Any);
        let (status, headers, raw) = app.send_bytes(request(&case)).await;
        let doc = check(&case, status, &headers, &raw);
        let r0 = &doc.get("results").map(Ordered::arr).unwrap_or_default()[0];
        if want_series {
            assert!(
                !r0.get("series")
                    .map(Ordered::arr)
                    .unwrap_or_default()
                    .is_empty(),
                "no series for {q}: {r0:?}"
            );
        }
    }
}
