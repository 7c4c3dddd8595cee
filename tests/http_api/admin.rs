//! `/internal/force_flush` and `/internal/force_merge`.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

use crate::support::App;

#[tokio::test]
async fn force_flush_moves_memtables_to_segments_and_keeps_every_point() {
    let app = App::new();
    app.write("db=db", "m,t=a f=1 1\nm,t=b f=2 2")
        .await
        .assert_no_content();
    assert_eq!(app.engine.segment_count(), 0);
    let resp = app.post("/internal/force_flush", &[], Body::empty()).await;
    assert_eq!(resp.status, StatusCode::NO_CONTENT, "{}", resp.body);
    assert_eq!(app.engine.segment_count(), 1);
    assert_eq!(
        app.points("m"),
        vec![("m,t=a".to_string(), 1), ("m,t=b".to_string(), 2)]
    );
}

#[tokio::test]
async fn force_merge_leaves_one_segment_per_measurement_and_newest_wins() {
    let app = App::new();
    for i in 0..5 {
        let body = format!("m,t=a f={i} 10\nm,t=b f={i} {i}");
        app.write("db=db", &body).await.assert_no_content();
        app.engine.flush().expect("flush");
    }
    assert_eq!(app.engine.segment_count(), 5);
    let resp = app.post("/internal/force_merge", &[], Body::empty()).await;
    assert_eq!(resp.status, StatusCode::NO_CONTENT, "{}", resp.body);
    assert_eq!(app.engine.segment_count(), 1);
    assert_eq!(app.count("m"), 6, "t=a merged to one point, t=b has five");
    let v = app.query("SELECT f FROM m WHERE t = 'a'").await;
    assert_eq!(
        v["results"][0]["series"][0]["values"],
        serde_json::json!([["1970-01-01T00:00:00.00000001Z", 4]]),
        "floats print as Go does: 4, not 4.0"
    );
}

#[tokio::test]
async fn admin_endpoints_refuse_get() {
    let app = App::new();
    for uri in ["/internal/force_flush", "/internal/force_merge"] {
        let req = Request::builder().method(Method::GET).uri(uri);
        let resp = app.send(req.body(Body::empty()).expect("request")).await;
        assert_eq!(resp.status, StatusCode::METHOD_NOT_ALLOWED, "{uri}");
    }
}
