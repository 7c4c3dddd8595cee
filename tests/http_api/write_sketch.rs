//! `sketch:<base64url>` field values through `POST /write`: stored as sketch fields, malformed
//! ones rejected per line (partial write), and type conflicts with InfluxDB's text shape.

use std::sync::Arc;

use axum::http::StatusCode;
use tsdb::{FieldValue, Sketch};

use crate::support::App;

fn sketch_of(xs: &[f64]) -> Sketch {
    let mut sk = Sketch::default();
    sk.extend_from(xs);
    sk
}

#[tokio::test]
async fn sketch_values_are_stored_as_sketches() {
    let app = App::new();
    let a = sketch_of(&[1.0, 2.0, 3.0]);
    let b = sketch_of(&[10.0, 200.5]);
    let body = format!(
        "lat,c=x latency_ms={} 1\nlat,c=x latency_ms={} 2\n",
        a.to_text(),
        b.to_text()
    );
    app.write("db=db", &body).await.assert_no_content();
    assert_eq!(
        app.values("lat", "latency_ms"),
        vec![
            Some(FieldValue::Sketch(Arc::new(a))),
            Some(FieldValue::Sketch(Arc::new(b)))
        ]
    );
}

#[tokio::test]
async fn a_malformed_sketch_is_a_partial_write_of_its_line_only() {
    let app = App::new();
    let good = sketch_of(&[5.0]).to_text();
    let body = format!("lat v={good} 1\nlat v=sketch:AAAA 2\nlat v={good} 3\n");
    let resp = app.write("db=db", &body).await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        "partial write: unable to parse 'lat v=sketch:AAAA 2': invalid sketch field value: invalid sketch encoding: unknown version dropped=0",
    );
    assert_eq!(
        app.points("lat").iter().map(|p| p.1).collect::<Vec<_>>(),
        vec![1, 3]
    );
}

#[tokio::test]
async fn sketch_and_float_fields_conflict_both_ways() {
    let app = App::new();
    let sk = sketch_of(&[1.0, 2.0]).to_text();
    app.write("db=db", "m v=1.5 1").await.assert_no_content();
    let resp = app
        .write("db=db", &format!("m v={sk} 2\nm v=2.5 3\n"))
        .await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        r#"partial write: field type conflict: input field "v" on measurement "m" is type sketch, already exists as type float dropped=1"#,
    );
    assert_eq!(
        app.points("m").iter().map(|p| p.1).collect::<Vec<_>>(),
        vec![1, 3]
    );

    app.write("db=db", &format!("s v={sk} 1"))
        .await
        .assert_no_content();
    let resp = app.write("db=db", "s v=1.5 2\ns v=\"x\" 3\n").await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        r#"partial write: field type conflict: input field "v" on measurement "s" is type float, already exists as type sketch dropped=2"#,
    );
    assert_eq!(app.count("s"), 1);
}
