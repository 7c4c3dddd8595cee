//! `/ping`, `/health`, and the headers every response carries.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

use crate::support::App;

async fn get(
    app: &App,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
) -> crate::support::Resp {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    app.send(req.body(Body::empty()).expect("request")).await
}

#[tokio::test]
async fn ping_is_204_for_get_and_head() {
    let app = App::new();
    for method in [Method::GET, Method::HEAD] {
        let resp = get(&app, method, "/ping", &[]).await;
        assert_eq!(resp.status, StatusCode::NO_CONTENT);
        assert!(resp.body.is_empty());
        assert_eq!(resp.header("x-influxdb-version"), "1.8.10");
    }
    let resp = get(&app, Method::GET, "/ping?verbose=false", &[]).await;
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn verbose_ping_is_200_with_version() {
    let app = App::new();
    let resp = get(&app, Method::GET, "/ping?verbose=true", &[]).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.body, r#"{"version":"1.8.10"}"#);
}

#[tokio::test]
async fn health_is_200_pass() {
    let app = App::new();
    let resp = get(&app, Method::GET, "/health", &[]).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.header("content-type"), "application/json");
    let v: serde_json::Value = serde_json::from_str(&resp.body).expect("json");
    assert_eq!(
        v,
        serde_json::json!({"checks":[],"message":"ready for queries and writes","name":"taildb","status":"pass","version":"1.8.10"})
    );
}

#[tokio::test]
async fn every_response_carries_influxdb_headers_and_a_request_id() {
    let app = App::new();
    let responses = [
        get(&app, Method::GET, "/ping", &[]).await,
        app.write("db=db", "m f=1 1").await,
        app.write("db=nodb", "m f=1 1").await,
        get(&app, Method::GET, "/write", &[]).await,
        get(&app, Method::GET, "/nowhere", &[]).await,
    ];
    let mut ids = Vec::new();
    for resp in &responses {
        assert_eq!(
            resp.header("x-influxdb-version"),
            "1.8.10",
            "{}",
            resp.status
        );
        assert_eq!(resp.header("x-influxdb-build"), "OSS");
        assert!(!resp.header("request-id").is_empty());
        assert_eq!(resp.header("request-id"), resp.header("x-request-id"));
        ids.push(resp.header("request-id").to_string());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), responses.len(), "request ids are unique");
}

#[tokio::test]
async fn client_request_id_is_echoed() {
    let app = App::new();
    let resp = get(&app, Method::GET, "/ping", &[("Request-Id", "abc-123")]).await;
    assert_eq!(resp.header("request-id"), "abc-123");
    assert_eq!(resp.header("x-request-id"), "abc-123");
}
