//! Cardinality limits over HTTP: InfluxDB's `partial write` answers, only new series refused.

use axum::http::StatusCode;
use tsdb::engine::SeriesLimits;

use crate::support::App;

#[tokio::test]
async fn max_series_per_database_refuses_only_new_series() {
    let app = App::with_limits(SeriesLimits {
        max_series_per_database: 2,
        ..SeriesLimits::default()
    });
    app.write("db=db", "m,h=a f=1 1\nm,h=b f=1 1")
        .await
        .assert_no_content();
    let resp = app
        .write(
            "db=db",
            "m,h=c f=1 2\nm,h=a f=2 2\nm,h=d f=1 2\nm,h=b f=2 2",
        )
        .await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        "partial write: max-series-per-database limit exceeded: (2) dropped=2",
    );
    assert_eq!(
        app.points("m"),
        vec![
            ("m,h=a".to_string(), 1),
            ("m,h=a".to_string(), 2),
            ("m,h=b".to_string(), 1),
            ("m,h=b".to_string(), 2),
        ]
    );
}

#[tokio::test]
async fn max_values_per_tag_names_the_refused_value() {
    let app = App::with_limits(SeriesLimits {
        max_values_per_tag: 3,
        ..SeriesLimits::default()
    });
    app.write("db=db", "b,x=1 f=1 1\nb,x=2 f=1 1\nb,x=3 f=1 1")
        .await
        .assert_no_content();
    let resp = app.write("db=db", "b,x=4 f=1 1\nb,x=1,y=z f=1 1").await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        r#"partial write: max-values-per-tag limit exceeded (3/3): measurement="b" tag="x" value="4" dropped=1"#,
    );
    assert_eq!(app.count("b"), 4);
}

#[tokio::test]
async fn dropping_series_makes_room_again() {
    let app = App::with_limits(SeriesLimits {
        max_series_per_database: 1,
        ..SeriesLimits::default()
    });
    app.write("db=db", "m,h=a f=1 1").await.assert_no_content();
    let resp = app.write("db=db", "m,h=b f=1 1").await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    app.engine
        .drop_series("db", Some("m"), &tsdb::TagPredicate::All)
        .expect("drop");
    app.write("db=db", "m,h=b f=1 1").await.assert_no_content();
    assert_eq!(app.points("m"), vec![("m,h=b".to_string(), 1)]);
}
