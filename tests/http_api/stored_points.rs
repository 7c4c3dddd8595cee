//! What a write stores: precision scaling, server time, duplicate points, `time` keys.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use serde_json::Value;
use tsdb::FieldValue;

use crate::support::App;

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

#[tokio::test]
async fn v1_precisions_scale_timestamps() {
    let app = App::new();
    let cases = [
        ("", "p_default", 1),
        ("n", "p_n", 1),
        ("ns", "p_ns", 1),
        ("u", "p_u", 1_000),
        ("ms", "p_ms", 1_000_000),
        ("s", "p_s", 1_000_000_000),
        ("m", "p_m", 60_000_000_000),
        ("h", "p_h", 3_600_000_000_000),
    ];
    for (p, m, _) in cases {
        app.write(&format!("db=db&precision={p}"), &format!("{m} f=1 3"))
            .await
            .assert_no_content();
    }
    for (p, m, mult) in cases {
        assert_eq!(
            app.points(m).first().map(|x| x.1),
            Some(3 * mult),
            "precision {p:?}"
        );
    }
}

#[tokio::test]
async fn missing_timestamp_is_server_time_truncated_and_taken_once_per_request() {
    let app = App::new();
    let before = now_ns();
    app.write("db=db", "now,t=a f=1\nnow,t=b f=2\nnow,t=c f=3")
        .await
        .assert_no_content();
    let after = now_ns();
    let points = app.points("now");
    assert_eq!(points.len(), 3);
    assert!(
        points.iter().all(|p| p.1 == points[0].1),
        "one server time per request: {points:?}"
    );
    assert!((before..=after).contains(&points[0].1));

    let hour = 3_600_000_000_000;
    let before = now_ns();
    app.write("db=db&precision=h", "hour f=1")
        .await
        .assert_no_content();
    let after = now_ns();
    let t = app.points("hour")[0].1;
    assert_eq!(t % hour, 0);
    assert!((before / hour * hour..=after).contains(&t));
}

#[tokio::test]
async fn duplicate_points_merge_fields_newest_wins() {
    let app = App::new();
    app.write("db=db", "dup,h=a x=1,y=1 100")
        .await
        .assert_no_content();
    app.write("db=db", "dup,h=a x=2,z=3 100")
        .await
        .assert_no_content();
    let rows = rows(&app.query("SELECT * FROM dup").await);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["h"], "a");
    assert_eq!(row["x"], 2.0);
    assert_eq!(row["y"], 1.0);
    assert_eq!(row["z"], 3.0);
}

#[tokio::test]
async fn duplicate_within_one_batch_later_line_wins() {
    let app = App::new();
    app.write("db=db", "dup2 x=5 7\ndup2 x=6 7\n")
        .await
        .assert_no_content();
    assert_eq!(app.values("dup2", "x"), vec![Some(FieldValue::Float(6.0))]);
    let rows = rows(&app.query("SELECT x FROM dup2").await);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["x"], 6.0);
}

#[tokio::test]
async fn duplicate_field_key_in_one_line_last_wins() {
    let app = App::new();
    app.write("db=db", "m3,t=a f=1,f=2 1")
        .await
        .assert_no_content();
    assert_eq!(app.values("m3", "f"), vec![Some(FieldValue::Float(2.0))]);
}

#[tokio::test]
async fn time_tag_drops_the_point_as_partial_write() {
    let app = App::new();
    let resp = app.write("db=db", "c,time=1 f=1 1\nc f=2 2").await;
    resp.assert_error(
        StatusCode::BAD_REQUEST,
        r#"partial write: invalid tag key: input tag "time" on measurement "c" is invalid dropped=1"#,
    );
    assert_eq!(app.count("c"), 1);
}

#[tokio::test]
async fn field_types_are_stored() {
    let app = App::new();
    app.write("db=db", "types f=1.5,i=-3i,s=\"a \\\"q\\\"\",b=true 1")
        .await
        .assert_no_content();
    assert_eq!(app.values("types", "f"), vec![Some(FieldValue::Float(1.5))]);
    assert_eq!(
        app.values("types", "i"),
        vec![Some(FieldValue::Integer(-3))]
    );
    assert_eq!(
        app.values("types", "s"),
        vec![Some(FieldValue::String("a \"q\"".into()))]
    );
    assert_eq!(
        app.values("types", "b"),
        vec![Some(FieldValue::Boolean(true))]
    );
}

/// The rows of the first series of the first result, as column → value maps.
fn rows(resp: &Value) -> Vec<serde_json::Map<String, Value>> {
    let series = &resp["results"][0]["series"][0];
    let columns: Vec<String> = series["columns"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let Some(values) = series["values"].as_array() else {
        return Vec::new();
    };
    values
        .iter()
        .map(|row| {
            let cells = row.as_array().cloned().unwrap_or_default();
            columns.iter().cloned().zip(cells).collect()
        })
        .collect()
}
