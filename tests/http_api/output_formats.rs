//! `/query` output formats through the whole router: CSV (`Accept: application/csv`), chunked JSON
//! (`chunked=true`, `chunk_size`) and their error bodies, compared with what InfluxDB 1.6.7 answers
//! for the same data.

use axum::body::Body;
use axum::http::StatusCode;

use crate::support::{App, encode};

async fn app_with_cpu() -> App {
    let app = App::new();
    let r = app
        .write(
            "db=db",
            "cpu,host=a,region=us value=1 1000000000\ncpu,host=b,region=eu value=2 2000000000\ncpu,host=a,region=us value=3 3000000000\nmem,host=a free=10i 1000000000\n",
        )
        .await;
    r.assert_no_content();
    app
}

#[tokio::test]
async fn csv_body_for_meta_statements() {
    let app = app_with_cpu().await;
    let uri = format!(
        "/query?db=db&q={}",
        encode("SHOW DATABASES; SHOW MEASUREMENTS; SHOW SERIES")
    );
    let r = app
        .post(&uri, &[("Accept", "application/csv")], Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("content-type"), "text/csv");
    // InfluxDB 1.6.7 answers exactly this (recorded).
    assert_eq!(
        r.body,
        "name,tags,name\ndatabases,,db\n\nname,tags,name\nmeasurements,,cpu\nmeasurements,,mem\n\nname,tags,key\n,,\"cpu,host=a,region=us\"\n,,\"cpu,host=b,region=eu\"\n,,\"mem,host=a\"\n"
    );
}

#[tokio::test]
async fn csv_errors() {
    let app = app_with_cpu().await;
    let r = app
        .post("/query?db=db", &[("Accept", "text/csv")], Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.header("content-type"), "text/csv");
    assert_eq!(r.body, "error\n\"missing required parameter \"\"q\"\"\"\n");
    let uri = format!("/query?db=db&q={}", encode("SELECT value FROM"));
    let r = app
        .post(&uri, &[("Accept", "application/csv")], Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body,
        "error\n\"error parsing query: found EOF, expected identifier at line 1, char 19\"\n"
    );
    // A statement error prints nothing in CSV.
    let uri = format!("/query?q={}", encode("SHOW MEASUREMENTS ON nosuch"));
    let r = app
        .post(&uri, &[("Accept", "application/csv")], Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "");
}

#[tokio::test]
async fn chunked_json_one_line_per_series_chunk() {
    let app = app_with_cpu().await;
    let uri = format!(
        "/query?db=db&chunked=true&chunk_size=1&q={}",
        encode("SHOW SERIES; SHOW DATABASES; SHOW MEASUREMENTS ON nosuch; SHOW DATABASES")
    );
    let r = app.post(&uri, &[], Body::empty()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("content-type"), "application/json");
    let lines: Vec<&str> = r.body.lines().collect();
    assert_eq!(
        lines,
        vec![
            r#"{"results":[{"statement_id":0,"series":[{"columns":["key"],"values":[["cpu,host=a,region=us"]],"partial":true}],"partial":true}]}"#,
            r#"{"results":[{"statement_id":0,"series":[{"columns":["key"],"values":[["cpu,host=b,region=eu"]],"partial":true}],"partial":true}]}"#,
            r#"{"results":[{"statement_id":0,"series":[{"columns":["key"],"values":[["mem,host=a"]]}]}]}"#,
            r#"{"results":[{"statement_id":1,"series":[{"name":"databases","columns":["name"],"values":[["db"]]}]}]}"#,
            r#"{"results":[{"statement_id":2,"error":"database not found: nosuch"}]}"#,
            r#"{"results":[{"statement_id":3,"error":"not executed"}]}"#,
        ]
    );
}

#[tokio::test]
async fn chunked_ignores_pretty_and_defaults_chunk_size() {
    let app = app_with_cpu().await;
    let uri = format!(
        "/query?db=db&chunked=true&chunk_size=x&pretty=true&q={}",
        encode("SHOW SERIES")
    );
    let r = app.post(&uri, &[], Body::empty()).await;
    assert_eq!(r.status, StatusCode::OK);
    // InfluxDB 1.6.7 ignores pretty=true when chunked: one compact line per chunk.
    assert_eq!(r.body.lines().count(), 1, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("one object");
    assert_eq!(
        v["results"][0]["series"][0]["values"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert!(r.body.starts_with("{\"results\":[{"), "{}", r.body);
}
