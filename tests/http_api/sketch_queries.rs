//! Sketch fields through the whole router (issue 6): rollups with `SELECT sketch(..) INTO`,
//! percentiles from the rollups, readable summaries in JSON, and the line-protocol export whose
//! `sketch:` values travel to another server.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::Value as Json;
use tsdb::Sketch;

use crate::support::{App, encode};

const S: i64 = 1_000_000_000;
/// 2024-01-01T00:00:00Z.
const T0: i64 = 1_704_067_200 * S;
const RANGE: &str = "time >= '2024-01-01T00:00:00Z' AND time < '2024-01-01T00:10:00Z'";

/// Long-tailed latencies for two customers, a point every 2 s for ten minutes.
fn raw_body() -> (String, Vec<(&'static str, i64, f64)>) {
    let mut body = String::new();
    let mut points = Vec::new();
    for (k, customer) in ["acme", "globex"].into_iter().enumerate() {
        for i in 0..300i64 {
            let t = T0 + i * 2 * S + k as i64 * S;
            let x = ((i * 7919 + k as i64 * 3571) % 1000) as f64;
            let v = if i % 53 == 0 {
                900.0 + x
            } else {
                3.0 + x / 25.0
            };
            body.push_str(&format!("raw,customer={customer} latency_ms={v} {t}\n"));
            points.push((customer, t, v));
        }
    }
    (body, points)
}

async fn app_with_rollup() -> (App, Vec<(&'static str, i64, f64)>) {
    let app = App::new();
    let (body, points) = raw_body();
    app.write("db=db", &body).await.assert_no_content();
    let r = app
        .query(&format!(
            "SELECT sketch(latency_ms) AS latency_ms INTO rollup_1m FROM raw WHERE {RANGE} GROUP BY time(1m), *"
        ))
        .await;
    assert_eq!(r["results"][0]["series"][0]["values"][0][1], 20, "{r}");
    (app, points)
}

/// `values` of every series of the first result, with the series' customer tag.
fn rows(r: &Json) -> Vec<(String, Vec<Json>)> {
    let mut out = Vec::new();
    for s in r["results"][0]["series"].as_array().into_iter().flatten() {
        let c = s["tags"]["customer"].as_str().unwrap_or("").to_owned();
        for row in s["values"].as_array().into_iter().flatten() {
            out.push((c.clone(), row.as_array().cloned().unwrap_or_default()));
        }
    }
    out
}

#[tokio::test]
async fn percentiles_from_rollups_match_the_sketch_of_the_raw_values() {
    let (app, points) = app_with_rollup().await;
    let from_rollup = app
        .query(&format!(
            "SELECT percentile(latency_ms, 99), count(latency_ms), max(latency_ms) FROM rollup_1m \
             WHERE {RANGE} GROUP BY time(5m), customer"
        ))
        .await;
    let approx = app
        .query(&format!(
            "SELECT percentile_approx(latency_ms, 99), count(latency_ms), max(latency_ms) FROM raw \
             WHERE {RANGE} GROUP BY time(5m), customer"
        ))
        .await;
    let exact = app
        .query(&format!(
            "SELECT percentile(latency_ms, 99) FROM raw WHERE {RANGE} GROUP BY time(5m), customer"
        ))
        .await;
    let (got, want, ex) = (rows(&from_rollup), rows(&approx), rows(&exact));
    assert_eq!(got.len(), 4, "{from_rollup}");
    assert_eq!(got, want);
    for ((c, row), (_, e)) in got.iter().zip(&ex) {
        let bucket = match row[0].as_str() {
            Some("2024-01-01T00:00:00Z") => 0,
            Some("2024-01-01T00:05:00Z") => 1,
            other => panic!("{other:?}"),
        };
        let mut sk = Sketch::default();
        for (_, _, v) in points
            .iter()
            .filter(|(pc, t, _)| pc == c && (t - T0) / (300 * S) == bucket)
        {
            sk.insert(*v);
        }
        assert_eq!(row[1].as_f64(), sk.percentile(99.0), "{c} {bucket}");
        assert_eq!(row[2].as_u64(), Some(sk.count()));
        let (g, x) = (
            row[1].as_f64().unwrap_or(f64::NAN),
            e[1].as_f64().unwrap_or(0.0),
        );
        assert!((g - x).abs() <= 0.01 * x, "{c}: {g} vs exact {x}");
    }
}

#[tokio::test]
async fn raw_selects_print_summaries_and_schema_says_sketch() {
    let (app, _) = app_with_rollup().await;
    let r = app
        .query("SELECT latency_ms FROM rollup_1m WHERE customer = 'acme' LIMIT 1")
        .await;
    let v = &r["results"][0]["series"][0]["values"][0][1];
    let text = v.as_str().unwrap_or_default();
    assert!(text.starts_with("count=30 sum="), "{r}");
    assert!(text.ends_with(" accuracy=0.01"), "{r}");
    let r = app.query("SHOW FIELD KEYS FROM rollup_1m").await;
    assert_eq!(
        r["results"][0]["series"][0]["values"],
        serde_json::json!([["latency_ms", "sketch"]])
    );
    let r = app.query("SELECT latency_ms + 1 FROM rollup_1m").await;
    assert_eq!(
        r["results"][0]["error"],
        "type error: latency_ms + 1: incompatible types: sketch and integer"
    );
    let r = app.query("SELECT stddev(latency_ms) FROM rollup_1m").await;
    assert_eq!(
        r["results"][0]["error"],
        "unsupported stddev iterator type: *query.sketchInterruptIterator"
    );
}

async fn export(app: &App, q: &str) -> (StatusCode, String, String) {
    let uri = format!("/query?db=db&q={}", encode(q));
    let r = app
        .post(
            &uri,
            &[(
                "Accept",
                "application/x-influxdb-line-protocol, application/json",
            )],
            Body::empty(),
        )
        .await;
    (r.status, r.header("content-type").to_owned(), r.body)
}

#[tokio::test]
async fn line_protocol_export_carries_the_sketches() {
    let (app, points) = app_with_rollup().await;
    let (status, ctype, body) = export(
        &app,
        &format!(
            "SELECT sketch(latency_ms) AS latency_ms FROM rollup_1m WHERE {RANGE} GROUP BY time(5m), *; \
             SHOW MEASUREMENTS; SELECT nosuch("
        ),
    )
    .await;
    // A parse error fails the whole request, as in JSON.
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(ctype, "application/x-influxdb-line-protocol");
    assert!(body.starts_with("# error: error parsing query: "), "{body}");
    let (status, ctype, body) = export(
        &app,
        &format!(
            "SELECT sketch(latency_ms) AS latency_ms FROM rollup_1m WHERE {RANGE} GROUP BY time(5m), *; \
             SHOW MEASUREMENTS; SELECT mean(x) FROM nosuchdb..m"
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "application/x-influxdb-line-protocol");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 5, "{body}");
    assert_eq!(
        lines[4],
        "# error: statement 2: database not found: nosuchdb"
    );
    let mut total = 0;
    for line in &lines[..4] {
        // rollup_1m,customer=acme latency_ms=sketch:… 1704067200000000000
        let mut parts = line.split(' ');
        let (key, field, time) = (parts.next(), parts.next(), parts.next());
        assert!(
            key.is_some_and(|k| k.starts_with("rollup_1m,customer=")),
            "{line}"
        );
        let text = field
            .and_then(|f| f.strip_prefix("latency_ms="))
            .unwrap_or_else(|| panic!("{line}"));
        let sk = Sketch::from_text(text).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(time.and_then(|t| t.parse::<i64>().ok()).is_some(), "{line}");
        total += sk.count();
    }
    assert_eq!(total as usize, points.len());
}

#[tokio::test]
async fn exported_sketches_answer_the_same_percentiles_on_another_server() {
    let (app, _) = app_with_rollup().await;
    let q = format!(
        "SELECT sketch(latency_ms) AS latency_ms FROM rollup_1m WHERE {RANGE} GROUP BY time(1m), *"
    );
    let (status, _, body) = export(&app, &q).await;
    assert_eq!(status, StatusCode::OK);
    let other = App::new();
    let r = other.write("db=db", &body).await;
    r.assert_no_content();
    let p = format!(
        "SELECT percentile(latency_ms, 99), percentile(latency_ms, 50) FROM rollup_1m WHERE {RANGE} \
         GROUP BY time(5m), customer"
    );
    assert_eq!(rows(&app.query(&p).await), rows(&other.query(&p).await));
    assert_eq!(rows(&other.query(&p).await).len(), 4);
}
