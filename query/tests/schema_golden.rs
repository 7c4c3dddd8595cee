//! Every schema-exploration and delete statement of `golden/schema.jsonl` (InfluxDB 1.6.7, tsi1,
//! recorded by `scripts/record-golden-schema.sh`) run through `/query` over the in-memory store
//! loaded with the same data set, comparing status and JSON body. Where taildb deliberately
//! differs, [`deliberate`] gives our expected answer and says why.

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use query::exec::{MemStore, Store};
use serde_json::Value;
use tower::ServiceExt;
use tsdb::FieldValue;

const GOLDEN: &str = include_str!("golden/schema.jsonl");
const DATA: &str = include_str!("golden/schema-data.lp");

/// Splits `s` at unescaped `sep` outside double quotes.
fn split_unescaped(s: &str, sep: char) -> Vec<String> {
    let mut out = vec![String::new()];
    let (mut esc, mut quoted) = (false, false);
    for c in s.chars() {
        if esc {
            if let Some(last) = out.last_mut() {
                last.push(c);
            }
            esc = false;
            continue;
        }
        match c {
            '\\' if !quoted => esc = true,
            '"' => {
                quoted = !quoted;
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
            c if c == sep && !quoted => out.push(String::new()),
            c => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    out
}

fn field_value(v: &str) -> FieldValue<'static> {
    if let Some(i) = v.strip_suffix('i') {
        return FieldValue::Integer(i.parse().expect("integer field"));
    }
    if let Some(s) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        return FieldValue::String(Cow::Owned(s.to_owned()));
    }
    match v {
        "true" => FieldValue::Boolean(true),
        "false" => FieldValue::Boolean(false),
        _ => FieldValue::Float(v.parse().expect("float field")),
    }
}

/// Loads the golden data set (a small line-protocol subset) into `db` of `store`.
fn load(store: &MemStore, db: &str) {
    store.create_database(db, None).expect("create db");
    store.add_retention_policy(db, "rp1");
    for line in DATA
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (rp, line) = match line.strip_prefix("rp1 ") {
            Some(l) => ("rp1", l),
            None => ("autogen", line),
        };
        let parts = split_unescaped(line, ' ');
        let [key, fields, time] = parts.as_slice() else {
            panic!("bad line {line}");
        };
        let key = split_unescaped(key, ',');
        let tags: Vec<(String, String)> = key[1..]
            .iter()
            .map(|t| {
                let kv = split_unescaped(t, '=');
                (kv[0].clone(), kv[1].clone())
            })
            .collect();
        let tags: Vec<(&str, &str)> = tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let fields: Vec<(String, FieldValue<'static>)> = split_unescaped(fields, ',')
            .iter()
            .map(|f| {
                let kv = split_unescaped(f, '=');
                (kv[0].clone(), field_value(&kv[1]))
            })
            .collect();
        let fields = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        store.write_rp(db, rp, &key[0], &tags, fields, time.parse().expect("time"));
    }
}

include!("golden/deliberate.rs");

async fn run(store: &Arc<MemStore>, db: &str, q: &str) -> (u16, Value) {
    let app = query::http::router_with_store(store.clone(), query::http::QueryConfig::default());
    let mut params = String::new();
    if !db.is_empty() {
        params.push_str(&format!("db={db}&"));
    }
    params.push_str("q=");
    params.extend(form_urlencoded::byte_serialize(q.as_bytes()));
    let req = Request::post("/query")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(params))
        .expect("request");
    let resp = app.oneshot(req).await.expect("response");
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    let body = serde_json::from_slice(&body).expect("JSON body");
    (status, body)
}

#[tokio::test]
async fn schema_statements_match_influxdb() {
    let store = Arc::new(MemStore::new());
    load(&store, "s");
    load(&store, "d");
    let mut failures = Vec::new();
    let mut n = 0;
    for line in GOLDEN.lines() {
        let g: Value = serde_json::from_str(line).expect("golden line");
        let (db, q) = (
            g["db"].as_str().unwrap_or(""),
            g["q"].as_str().unwrap_or(""),
        );
        let want_status = g["status"].as_u64().unwrap_or(0) as u16;
        let want = deliberate(q, &g["body"]).unwrap_or_else(|| g["body"].clone());
        let (status, got) = run(&store, db, q).await;
        n += 1;
        if status != want_status || got != want {
            failures.push(format!(
                "[{db}] {q}\n  want {want_status} {want}\n  got  {status} {got}"
            ));
        }
    }
    assert!(n > 100, "golden file has {n} cases");
    assert!(
        failures.is_empty(),
        "{} of {n} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
