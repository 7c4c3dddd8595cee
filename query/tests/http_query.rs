//! End-to-end tests of `/query`: the router over a real engine in a temp directory, driven with
//! `oneshot`. Expected bodies are InfluxDB 1.x's (reference §3–§5, observed on 1.6.7).

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use query::exec::{MemStore, Store};
use tower::ServiceExt;
use tsdb::{Engine, EngineConfig, FieldValue, PointBatch};

struct Fixture {
    store: Arc<MemStore>,
}

/// Until the engine's WAL lands on `main` (`Engine::open` still hits a `todo!()` there), the HTTP
/// tests run over the in-memory store; `real_engine_smoke` covers the `tsdb::Engine` binding.
fn engine() -> Fixture {
    Fixture {
        store: Arc::new(MemStore::new()),
    }
}

const T0: i64 = 1_704_067_200_000_000_000; // 2024-01-01T00:00:00Z
const S: i64 = 1_000_000_000;

/// The reference data set `t.lat` (reference appendix).
fn with_lat() -> Fixture {
    let f = engine();
    f.store.create_database("t", None).expect("create db");
    let a_times = [0, 30, 70, 120, 299, 300, 610];
    let a_vals = [0.5, 3.5, 7.5, 12.5, 29.5, 30.5, 61.5];
    for (i, (t, v)) in a_times.iter().zip(a_vals).enumerate() {
        f.store.write(
            "t",
            "lat",
            &[("host", "a"), ("region", "us")],
            vec![
                ("value", FieldValue::Float(v)),
                ("code", FieldValue::Integer(200)),
                ("ok", FieldValue::Boolean(true)),
                ("msg", FieldValue::String(Cow::Owned(format!("m{i}")))),
            ],
            T0 + t * S,
        );
    }
    for (t, v) in [10, 50, 130, 400].iter().zip([2.25, 10.25, 26.25, 80.25]) {
        f.store.write(
            "t",
            "lat",
            &[("host", "b"), ("region", "eu")],
            vec![
                ("value", FieldValue::Float(v)),
                ("code", FieldValue::Integer(500)),
                ("ok", FieldValue::Boolean(false)),
            ],
            T0 + t * S,
        );
    }
    f
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn send(f: &Fixture, req: Request<Body>) -> (StatusCode, Option<String>, String) {
    let app = query::http::router_with_store(f.store.clone(), query::http::QueryConfig::default());
    let resp = app.oneshot(req).await.expect("response");
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(ct.as_deref(), Some("application/json"));
    let err = resp
        .headers()
        .get("x-influxdb-error")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    (status, err, String::from_utf8(body.to_vec()).expect("utf8"))
}

async fn get(f: &Fixture, params: &str) -> (StatusCode, String) {
    let req = Request::get(format!("/query?{params}"))
        .body(Body::empty())
        .expect("request");
    let (s, _, b) = send(f, req).await;
    (s, b)
}

async fn post(f: &Fixture, url_params: &str, q: &str) -> (StatusCode, String) {
    let req = Request::post(format!("/query?{url_params}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("q={}", enc(q))))
        .expect("request");
    let (s, _, b) = send(f, req).await;
    (s, b)
}

async fn select(f: &Fixture, q: &str) -> String {
    let (s, b) = get(f, &format!("db=t&q={}", enc(q))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

#[tokio::test]
async fn create_show_drop_databases() {
    let f = engine();
    let (s, b) = post(
        &f,
        "",
        "CREATE DATABASE db1; CREATE DATABASE db1; CREATE DATABASE db2",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b,
        "{\"results\":[{\"statement_id\":0},{\"statement_id\":1},{\"statement_id\":2}]}\n"
    );
    let (_, b) = post(&f, "", "SHOW DATABASES").await;
    assert_eq!(
        b,
        "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"databases\",\"columns\":[\"name\"],\"values\":[[\"db1\"],[\"db2\"]]}]}]}\n"
    );
    let (_, b) = post(
        &f,
        "",
        "DROP DATABASE db1; DROP DATABASE db1; SHOW DATABASES",
    )
    .await;
    assert_eq!(
        b,
        "{\"results\":[{\"statement_id\":0},{\"statement_id\":1},{\"statement_id\":2,\"series\":[{\"name\":\"databases\",\"columns\":[\"name\"],\"values\":[[\"db2\"]]}]}]}\n"
    );
}

#[tokio::test]
async fn get_with_write_statement_warns() {
    let f = engine();
    let (s, b) = get(&f, &format!("q={}", enc("CREATE DATABASE q1"))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        b,
        "{\"results\":[{\"statement_id\":0,\"messages\":[{\"level\":\"warning\",\"text\":\"deprecated use of 'CREATE DATABASE q1' in a read only context, please use a POST request instead\"}]}]}\n"
    );
    assert!(f.store.database_exists("q1"));
}

#[tokio::test]
async fn request_errors() {
    let f = engine();
    let req = Request::get("/query").body(Body::empty()).expect("request");
    let (s, e, b) = send(&f, req).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e.as_deref(), Some("missing required parameter \"q\""));
    assert_eq!(b, "{\"error\":\"missing required parameter \\\"q\\\"\"}\n");

    let req = Request::get(format!("/query?q={}", enc("SELEC * FROM m")))
        .body(Body::empty())
        .expect("request");
    let (s, e, b) = send(&f, req).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let msg = "error parsing query: found SELEC, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL at line 1, char 1";
    assert_eq!(e.as_deref(), Some(msg));
    assert_eq!(b, format!("{{\"error\":\"{msg}\"}}\n"));

    let (s, b) = get(&f, "q=%3B").await;
    assert_eq!((s, b.as_str()), (StatusCode::OK, "{}\n"));
}

#[tokio::test]
async fn database_errors_and_not_executed() {
    let f = with_lat();
    let (_, b) = get(&f, &format!("q={}", enc("SELECT value FROM lat"))).await;
    assert_eq!(
        b,
        "{\"results\":[{\"statement_id\":0,\"error\":\"database name required\"}]}\n"
    );
    let (_, b) = get(&f, &format!("db=nodb&q={}", enc("SELECT value FROM lat"))).await;
    assert_eq!(
        b,
        "{\"results\":[{\"statement_id\":0,\"error\":\"database not found: nodb\"}]}\n"
    );
    let b = select(
        &f,
        ";SELECT count(value) FROM lat;; SELECT bogus(value) FROM lat; SHOW DATABASES;",
    )
    .await;
    assert_eq!(
        b,
        concat!(
            "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"lat\",\"columns\":[\"time\",\"count\"],",
            "\"values\":[[\"1970-01-01T00:00:00Z\",11]]}]},",
            "{\"statement_id\":1,\"error\":\"undefined function bogus()\"},",
            "{\"statement_id\":2,\"error\":\"not executed\"}]}\n"
        )
    );
    let b = select(&f, "SELECT mean(msg) FROM lat").await;
    assert!(
        b.contains("\"error\":\"unsupported mean iterator type: *query.stringInterruptIterator\""),
        "{b}"
    );
    let b = select(
        &f,
        "SELECT mean(value) FROM lat WHERE time < '2024-01-01T00:12:00Z' \
         GROUP BY time(1d) tz('Europe/Paris')",
    )
    .await;
    assert!(
        b.contains("\"values\":[[\"2024-01-01T00:00:00+01:00\","),
        "{b}"
    );
    // No users yet: InfluxDB's empty SHOW USERS shape (columns, no values).
    let b = select(&f, "SHOW USERS").await;
    assert_eq!(
        b,
        "{\"results\":[{\"statement_id\":0,\"series\":[{\"columns\":[\"user\",\"admin\"]}]}]}\n"
    );
    let b = select(&f, "SHOW SUBSCRIPTIONS").await;
    assert!(
        b.contains("\"error\":\"the statement SHOW SUBSCRIPTIONS is not supported yet\""),
        "{b}"
    );
}

#[tokio::test]
async fn show_measurements_and_retention_policies() {
    let f = with_lat();
    let b = select(&f, "SHOW measurements").await;
    assert_eq!(
        b,
        "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"measurements\",\"columns\":[\"name\"],\"values\":[[\"lat\"]]}]}]}\n"
    );
    let b = select(&f, "SHOW MEASUREMENTS WITH MEASUREMENT =~ /^nope/").await;
    assert_eq!(b, "{\"results\":[{\"statement_id\":0}]}\n");
    let (_, b) = get(
        &f,
        &format!("q={}", enc("SHOW RETENTION POLICIES on \"t\"")),
    )
    .await;
    assert_eq!(
        b,
        concat!(
            "{\"results\":[{\"statement_id\":0,\"series\":[{\"columns\":[\"name\",\"duration\",\"shardGroupDuration\",",
            "\"replicaN\",\"default\"],\"values\":[[\"autogen\",\"0s\",\"168h0m0s\",1,true]]}]}]}\n"
        )
    );
}

#[tokio::test]
async fn raw_select_star_merges_series_by_time() {
    let f = with_lat();
    let b = select(&f, "SELECT * FROM lat WHERE time <= '2024-01-01T00:00:30Z'").await;
    assert_eq!(
        b,
        concat!(
            "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"lat\",",
            "\"columns\":[\"time\",\"code\",\"host\",\"msg\",\"ok\",\"region\",\"value\"],\"values\":[",
            "[\"2024-01-01T00:00:00Z\",200,\"a\",\"m0\",true,\"us\",0.5],",
            "[\"2024-01-01T00:00:10Z\",500,\"b\",null,false,\"eu\",2.25],",
            "[\"2024-01-01T00:00:30Z\",200,\"a\",\"m1\",true,\"us\",3.5]]}]}]}\n"
        )
    );
}

#[tokio::test]
async fn raw_select_fields_tags_limits_and_epoch() {
    let f = with_lat();
    let q = "select value, host from \"t\".\"autogen\".lat where time >= 1704067200000ms and time < 1704067260000ms and host = 'b'";
    let (_, b) = get(&f, &format!("db=t&epoch=ms&q={}", enc(q))).await;
    assert_eq!(
        b,
        "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"lat\",\"columns\":[\"time\",\"value\",\"host\"],\"values\":[[1704067210000,2.25,\"b\"],[1704067250000,10.25,\"b\"]]}]}]}\n"
    );
    let b = select(
        &f,
        "SELECT value FROM t..lat ORDER BY time DESC LIMIT 2 OFFSET 1",
    )
    .await;
    assert!(
        b.contains("\"values\":[[\"2024-01-01T00:06:40Z\",80.25],[\"2024-01-01T00:05:00Z\",30.5]]"),
        "{b}"
    );
    // A tag alone yields no rows; a missing measurement is an empty result.
    assert_eq!(
        select(&f, "SELECT host FROM lat").await,
        "{\"results\":[{\"statement_id\":0}]}\n"
    );
    assert_eq!(
        select(&f, "SELECT value FROM nope").await,
        "{\"results\":[{\"statement_id\":0}]}\n"
    );
    assert_eq!(
        select(&f, "SELECT value FROM lat WHERE time > now()").await,
        "{\"results\":[{\"statement_id\":0}]}\n"
    );
    let (_, b) = get(
        &f,
        &format!("db=t&epoch=s&q={}", enc("SELECT value FROM lat LIMIT 1")),
    )
    .await;
    assert!(b.contains("[[1704067200,0.5]]"), "{b}");
    let (_, b) = get(
        &f,
        &format!("db=t&epoch=xyz&q={}", enc("SELECT value FROM lat LIMIT 1")),
    )
    .await;
    assert!(b.contains("[[1704067200000000000,0.5]]"), "{b}");
}

#[tokio::test]
async fn aggregates_without_group_by() {
    let f = with_lat();
    let b = select(
        &f,
        "SELECT count(value), sum(code), min(value), max(value) AS top, count(msg) FROM lat",
    )
    .await;
    assert_eq!(
        b,
        concat!(
            "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"lat\",\"columns\":[\"time\",\"count\",\"sum\",\"min\",\"top\",\"count_1\"],",
            "\"values\":[[\"1970-01-01T00:00:00Z\",11,3400,0.5,80.25,7]]}]}]}\n"
        )
    );
    // A lone selector carries the selected point's time.
    let b = select(&f, "SELECT max(value) FROM lat").await;
    assert!(b.contains("[[\"2024-01-01T00:06:40Z\",80.25]]"), "{b}");
    let b = select(&f, "SELECT min(code) FROM lat").await;
    assert!(b.contains("[[\"2024-01-01T00:00:00Z\",200]]"), "{b}");
    // Aggregates carry the lower time bound.
    let b = select(&f, "SELECT mean(value) FROM lat WHERE time >= '2024-01-01T00:00:20Z' AND time < '2024-01-01T00:01:00Z'").await;
    assert!(b.contains("[[\"2024-01-01T00:00:20Z\",6.875]]"), "{b}");
    let b = select(&f, "SELECT mean(value) FROM lat WHERE host = 'a'").await;
    let v: serde_json::Value = serde_json::from_str(&b).expect("json");
    let mean = v["results"][0]["series"][0]["values"][0][1]
        .as_f64()
        .unwrap_or(f64::NAN);
    assert!((mean - 145.5 / 7.0).abs() < 1e-12, "{b}");
    assert_eq!(
        select(&f, "SELECT count(value) FROM lat WHERE host = 'zz'").await,
        "{\"results\":[{\"statement_id\":0}]}\n"
    );
}

#[tokio::test]
async fn pretty_output() {
    let f = engine();
    f.store.create_database("db1", None).expect("create");
    let (_, b) = get(&f, "pretty=true&q=SHOW+DATABASES").await;
    assert_eq!(
        b,
        "{\n    \"results\": [\n        {\n            \"statement_id\": 0,\n            \"series\": [\n                {\n                    \"name\": \"databases\",\n                    \"columns\": [\n                        \"name\"\n                    ],\n                    \"values\": [\n                        [\n                            \"db1\"\n                        ]\n                    ]\n                }\n            ]\n        }\n    ]\n}\n"
    );
}

#[tokio::test]
async fn post_takes_q_from_url_with_any_content_type() {
    let f = engine();
    let req = Request::post(format!("/query?q={}", enc("CREATE DATABASE x")))
        .header("content-type", "application/json")
        .body(Body::empty())
        .expect("request");
    let (s, _, b) = send(&f, req).await;
    assert_eq!(
        (s, b.as_str()),
        (StatusCode::OK, "{\"results\":[{\"statement_id\":0}]}\n")
    );
    assert!(f.store.database_exists("x"));
}

#[tokio::test]
async fn real_engine_smoke() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = EngineConfig::new(dir.path());
    cfg.background = false;
    let engine = Engine::open(cfg).expect("open engine");
    engine.create_database("t", None).expect("create");
    let mut b = PointBatch::new();
    b.push(
        "lat",
        [(Cow::from("host"), Cow::from("a"))],
        [(Cow::from("value"), FieldValue::Float(1.5))],
        T0,
    );
    engine.write("t", None, &b).expect("write");
    let app = query::http::router(engine, query::http::QueryConfig::default());
    let req = Request::get(format!("/query?db=t&q={}", enc("SELECT * FROM lat")))
        .body(Body::empty())
        .expect("request");
    let resp = app.oneshot(req).await.expect("response");
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(
        String::from_utf8(body.to_vec()).expect("utf8"),
        "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"lat\",\"columns\":[\"time\",\"host\",\"value\"],\"values\":[[\"2024-01-01T00:00:00Z\",\"a\",1.5]]}]}]}\n"
    );
}

#[tokio::test]
async fn select_honours_full_tag_predicates() {
    let f = with_lat();
    // host a has 7 points, host b (region eu) 4.
    for (cond, n) in [
        ("host = 'a'", 7),
        ("host != 'a'", 4),
        ("host <> 'b'", 7),
        ("host =~ /^b$/", 4),
        ("host !~ /b/", 7),
        ("host = 'a' OR region = 'eu'", 11),
        ("(host = 'a' OR region = 'eu') AND host != 'a'", 4),
        ("region = ''", 0),
        ("dc = ''", 11),
        ("host =~ /^(a|b\\/c)$/ AND time < '2024-01-01T00:01:00Z'", 2),
    ] {
        let b = select(&f, &format!("SELECT count(value) FROM lat WHERE {cond}")).await;
        if n == 0 {
            assert_eq!(b, "{\"results\":[{\"statement_id\":0}]}\n", "{cond}");
        } else {
            assert!(b.contains(&format!(",{n}]]")), "{cond}: {b}");
        }
    }
}
