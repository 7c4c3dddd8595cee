//! Retention policies and shards over HTTP: DDL through `/query`, the retention window on
//! `/write`, background expiry run "three hours later" and `DROP SHARD`, seen through SHOW.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::App;

const HOUR: i64 = 3_600_000_000_000;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// The `values` of the first series of the first result (empty when there is none).
fn values(v: &Value) -> Vec<Value> {
    v["results"][0]["series"][0]["values"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn expired_shards_disappear_from_show_and_new_writes_work() {
    let app = App::new();
    let r = app
        .query("CREATE RETENTION POLICY hour ON db DURATION 1h REPLICATION 1 DEFAULT")
        .await;
    assert_eq!(r, json!({"results": [{"statement_id": 0}]}));
    let r = app.query("SHOW RETENTION POLICIES").await;
    assert_eq!(
        values(&r)[1],
        json!(["hour", "1h0m0s", "1h0m0s", 1, true]),
        "{r}"
    );
    let t = now();
    app.write(
        "db=db",
        &format!(
            "cpu,host=early v=1 {}\ncpu,host=late v=2 {t}",
            t - 50 * 60 * 1_000_000_000
        ),
    )
    .await
    .assert_no_content();
    app.write("db=db", &format!("cpu,host=old v=1 {}", t - 2 * HOUR))
        .await
        .assert_error(
            StatusCode::BAD_REQUEST,
            "partial write: points beyond retention policy dropped=1",
        );
    let shards = app.query("SHOW SHARDS").await;
    let rows = values(&shards);
    assert!(!rows.is_empty(), "{shards}");
    assert!(
        rows.iter().all(|r| r[2] == "hour" && r[7] == ""),
        "{shards}"
    );
    let r = app.query("SHOW TAG VALUES FROM cpu WITH KEY = host").await;
    assert_eq!(values(&r).len(), 2, "{r}");

    assert!(app.engine.enforce_retention_at(t + 3 * HOUR).unwrap() >= 1);
    let r = app.query("SHOW SHARDS").await;
    assert_eq!(
        r,
        json!({"results": [{"statement_id": 0, "series": [{"name": "db", "columns":
            ["id", "database", "retention_policy", "shard_group", "start_time", "end_time",
             "expiry_time", "owners"]}]}]})
    );
    for q in [
        "SHOW TAG VALUES FROM cpu WITH KEY = host",
        "SHOW SERIES",
        "SHOW MEASUREMENTS",
    ] {
        assert_eq!(
            app.query(q).await,
            json!({"results": [{"statement_id": 0}]}),
            "{q}"
        );
    }
    app.write("db=db", &format!("cpu,host=new v=3 {}", now()))
        .await
        .assert_no_content();
    let r = app.query("SHOW TAG VALUES FROM cpu WITH KEY = host").await;
    assert_eq!(values(&r), [json!(["host", "new"])], "{r}");
}

#[tokio::test]
async fn drop_shard_and_drop_retention_policy_over_http() {
    let app = App::new();
    // Two weekly groups of autogen.
    app.write(
        "db=db",
        "cpu,host=a v=1 1500000000000000000\ncpu,host=b v=1 1500000000000000000\ncpu,host=a v=1 1510000000000000000",
    )
    .await
    .assert_no_content();
    let groups = app.query("SHOW SHARD GROUPS").await;
    assert_eq!(
        values(&groups)[0],
        json!([
            1,
            "db",
            "autogen",
            "2017-07-10T00:00:00Z",
            "2017-07-17T00:00:00Z",
            "2017-07-17T00:00:00Z"
        ]),
        "{groups}"
    );
    assert_eq!(
        app.query("DROP SHARD 1").await,
        json!({"results": [{"statement_id": 0}]})
    );
    let r = app.query("SHOW TAG VALUES FROM cpu WITH KEY = host").await;
    assert_eq!(values(&r), [json!(["host", "a"])], "{r}");
    let r = app.query("SELECT count(v) FROM cpu").await;
    assert_eq!(values(&r)[0][1], json!(1), "{r}");
    let resp = app
        .post("/query?q=DROP%20SHARD%20x", &[], axum::body::Body::empty())
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(
        resp.body
            .contains("error parsing query: found x, expected integer at line 1, char 12"),
        "{}",
        resp.body
    );
    // Dropping the default policy: the database keeps naming it, as InfluxDB 1.6.7 does.
    assert_eq!(
        app.query("DROP RETENTION POLICY autogen ON db").await,
        json!({"results": [{"statement_id": 0}]})
    );
    let r = app.query("SELECT count(v) FROM cpu").await;
    assert_eq!(
        r,
        json!({"results": [{"statement_id": 0, "error": "retention policy not found: autogen"}]})
    );
    app.write("db=db", "cpu,host=a v=1 1500000000000000000")
        .await
        .assert_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "retention policy not found: autogen",
        );
}
