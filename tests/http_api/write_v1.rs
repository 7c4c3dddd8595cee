//! `POST /write`: every response case of InfluxDB 1.x §2.1, in its order of checks.

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode};
use http_body_util::channel::Channel;

use crate::support::{App, gzip, tail};

#[tokio::test]
async fn write_without_db_is_400_database_is_required() {
    let app = App::new();
    app.write("", "m f=1 1")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "database is required");
    app.write("db=", "m f=1 1")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "database is required");
}

#[tokio::test]
async fn write_to_unknown_db_is_404_with_quoted_name() {
    let app = App::new();
    app.write("db=nodb", "m f=1 1")
        .await
        .assert_error(StatusCode::NOT_FOUND, r#"database not found: "nodb""#);
}

#[tokio::test]
async fn invalid_precision_is_400_and_checked_first() {
    let app = App::new();
    let msg = r#"invalid precision "xx" (use n, u, ms, s, m or h)"#;
    app.write("db=db&precision=xx", "m f=1 1")
        .await
        .assert_error(StatusCode::BAD_REQUEST, msg);
    // Checked before the database (1.8 order), and nothing is written (1.8's missing-return bug fixed).
    app.write("precision=xx", "m f=1 1")
        .await
        .assert_error(StatusCode::BAD_REQUEST, msg);
    assert_eq!(app.count("m"), 0);
}

#[tokio::test]
async fn consistency_levels_are_accepted_and_others_are_400() {
    let app = App::new();
    for level in ["any", "one", "quorum", "all"] {
        app.write(&format!("db=db&consistency={level}"), "m f=1 1")
            .await
            .assert_no_content();
    }
    app.write("db=db&consistency=two", "m f=1 2")
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid consistency level");
    assert_eq!(app.count("m"), 1);
}

#[tokio::test]
async fn credentials_are_ignored_without_auth() {
    let app = App::new();
    app.write("db=db&u=root&p=root", "m f=1 1")
        .await
        .assert_no_content();
    let resp = app
        .post(
            "/write?db=db",
            &[("Authorization", "Basic Og==")],
            "m f=1 2",
        )
        .await;
    resp.assert_no_content();
    assert_eq!(app.count("m"), 2);
}

#[tokio::test]
async fn empty_and_comment_only_bodies_are_204() {
    let app = App::new();
    app.write("db=db", "").await.assert_no_content();
    app.write("db=db", "# a comment\n\n   \n#another\n")
        .await
        .assert_no_content();
}

#[tokio::test]
async fn content_length_over_max_body_size_is_413() {
    let app = App::with_max_body(100);
    let body = "m f=1 1\n".repeat(20);
    app.write("db=db", &body)
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    assert_eq!(app.count("m"), 0);
    app.write("db=db", &"m f=1 1\n".repeat(12))
        .await
        .assert_no_content();
}

#[tokio::test]
async fn chunked_body_over_max_body_size_is_413() {
    let app = App::with_max_body(100);
    let chunks: Vec<String> = (0..20).map(|i| format!("m f=1 {i}\n")).collect();
    let resp = app.post("/write?db=db", &[], chunked(chunks).await).await;
    resp.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    assert_eq!(app.count("m"), 0);
}

#[tokio::test]
async fn chunked_body_without_content_length_is_written() {
    let app = App::new();
    // Chunks split lines in the middle: the body is parsed only once complete.
    let chunks = vec![
        "m,t=a f=1 1\nm,t=".to_string(),
        "b f=2 2\nm,t=c f=3".to_string(),
        " 3\n".to_string(),
    ];
    let resp = app.post("/write?db=db", &[], chunked(chunks).await).await;
    resp.assert_no_content();
    assert_eq!(app.count("m"), 3);
}

#[tokio::test]
async fn gzip_body_is_decoded_and_written() {
    let app = App::new();
    let body = gzip(b"m,t=a f=1 1\nm,t=b f=2 2\n");
    app.post("/write?db=db", &[("Content-Encoding", "gzip")], body)
        .await
        .assert_no_content();
    assert_eq!(app.count("m"), 2);
}

#[tokio::test]
async fn plain_body_with_gzip_header_is_400_invalid_header() {
    let app = App::new();
    let resp = app
        .post("/write?db=db", &[("Content-Encoding", "gzip")], "m f=1 1")
        .await;
    resp.assert_error(StatusCode::BAD_REQUEST, "gzip: invalid header");
}

#[tokio::test]
async fn gunzipped_size_over_max_body_size_is_413() {
    // Improvement over InfluxDB, which applies no limit to gzip bodies.
    let app = App::with_max_body(1000);
    let body = gzip("m f=1 1\n".repeat(1000).as_bytes());
    assert!(body.len() < 1000);
    let resp = app
        .post("/write?db=db", &[("Content-Encoding", "gzip")], body)
        .await;
    resp.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    assert_eq!(app.count("m"), 0);
}

#[tokio::test]
async fn unknown_retention_policy_is_500() {
    let app = App::new();
    app.write("db=db&rp=nope", "m f=1 1").await.assert_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "retention policy not found: nope",
    );
    app.write("db=db&rp=autogen", "m f=1 1")
        .await
        .assert_no_content();
}

#[tokio::test]
async fn every_bad_line_is_400_with_all_errors_joined() {
    let app = App::new();
    let resp = app.write("db=db", "m1\nm2 f=\n").await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        "unable to parse 'm1': missing fields\nunable to parse 'm2 f=': missing field value",
    );
}

#[tokio::test]
async fn mixed_batch_keeps_valid_lines_and_reports_partial_write_dropped_0() {
    let app = App::new();
    let resp = app
        .write("db=db", "m4 ok=1 1\nm4 bad=\nm4 also bad\nm4 ok=2 2\n")
        .await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        "partial write: unable to parse 'm4 bad=': missing field value\nunable to parse 'm4 also bad': invalid field format dropped=0",
    );
    assert_eq!(app.count("m4"), 2);
}

#[tokio::test]
async fn type_conflict_drops_whole_points_and_keeps_the_rest() {
    let app = App::new();
    app.write("db=db", "m5 v=1.5 1").await.assert_no_content();
    let resp = app
        .write("db=db", "m5 v=2i,w=1 2\nm5 v=3.5 3\nm5 v=4i 4\n")
        .await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        r#"partial write: field type conflict: input field "v" on measurement "m5" is type integer, already exists as type float dropped=2"#,
    );
    assert_eq!(
        app.points("m5").iter().map(|p| p.1).collect::<Vec<_>>(),
        vec![1, 3]
    );
    // The conflicting point's valid other field was dropped with it.
    assert!(app.values("m5", "w").iter().all(Option::is_none));
}

#[tokio::test]
async fn type_conflict_within_one_batch_first_line_fixes_the_type() {
    let app = App::new();
    let resp = app.write("db=db", "m6 v=1i 1\nm6 v=2.5 2\n").await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        r#"partial write: field type conflict: input field "v" on measurement "m6" is type float, already exists as type integer dropped=1"#,
    );
    assert_eq!(app.count("m6"), 1);
}

#[tokio::test]
async fn write_error_wins_over_parse_errors() {
    let app = App::new();
    app.write("db=db", "m7 v=1 1").await.assert_no_content();
    let resp = app.write("db=db", "m7 v=1i 2\nm7 bad=\n").await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        r#"partial write: field type conflict: input field "v" on measurement "m7" is type integer, already exists as type float dropped=1"#,
    );
}

#[tokio::test]
async fn other_methods_are_405_with_allow_and_options_is_204() {
    let app = App::new();
    for method in [Method::GET, Method::PUT, Method::DELETE, Method::HEAD] {
        let req = Request::builder()
            .method(method.clone())
            .uri("/write?db=db")
            .body(Body::empty())
            .expect("req");
        let resp = app.send(req).await;
        assert_eq!(resp.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(resp.header("allow"), "POST, OPTIONS");
    }
    let req = Request::builder()
        .method(Method::OPTIONS)
        .uri("/write")
        .body(Body::empty())
        .expect("req");
    assert_eq!(app.send(req).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn long_error_is_truncated_in_the_header_only() {
    let app = App::new();
    let body: String = (0..100).map(|i| format!("bad_line_number_{i}\n")).collect();
    let resp = app.write("db=db", &body).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.error().lines().count(), 100);
    let header = resp.header("x-influxdb-error");
    assert_eq!(header.len(), 1024);
    assert!(resp.error().replace('\n', " ").starts_with(header));
}

#[tokio::test]
async fn error_text_is_json_escaped_like_go() {
    let app = App::new();
    let key = format!("m,t={} f=1 1", "x".repeat(65_535));
    let resp = app.write("db=db", &key).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(
        resp.body
            .contains(r"max key length exceeded: 65539 \u003e 65535"),
        "{}",
        tail(&resp.body)
    );
}

/// A body of `chunks` without a known length (what a chunked request looks like to a handler).
async fn chunked(chunks: Vec<String>) -> Body {
    let (mut tx, body) = Channel::<Bytes, std::convert::Infallible>::new(chunks.len().max(1));
    for c in chunks {
        tx.send_data(Bytes::from(c))
            .await
            .expect("channel has room");
    }
    drop(tx);
    Body::new(body)
}
