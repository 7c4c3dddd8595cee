//! The binary serves the InfluxDB API on a real port and keeps data across a graceful restart.

use crate::support::{Server, series};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_serves_ping_create_write_query() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = Server::start(dir.path());

    let ping = server
        .http
        .get(server.url("/ping"))
        .send()
        .await
        .expect("ping");
    assert_eq!(ping.status().as_u16(), 204);
    assert_eq!(ping.headers()["x-influxdb-version"], "1.8.10");
    assert_eq!(ping.headers()["x-influxdb-build"], "OSS");

    server.query("", "CREATE DATABASE smoke").await;
    assert_eq!(
        server
            .write("smoke", "cpu,host=a value=0.5 1000000000\n".into())
            .await
            .ok(),
        Some(204)
    );
    let resp = server.query("smoke", "SELECT value FROM cpu").await;
    let rows = series(&resp);
    assert_eq!(rows.len(), 1, "{resp}");
    assert_eq!(
        rows[0].1,
        vec![serde_json::json!(["1970-01-01T00:00:01Z", 0.5])],
        "{resp}"
    );

    assert!(server.terminate().success(), "log:\n{}", server.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_then_restart_keeps_points() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = Server::start(dir.path());
    server.query("", "CREATE DATABASE keep").await;
    let body = "m,t=a v=1.5 1000000000\nm,t=b v=2.5 2000000000\nm,t=a v=3.5 3000000000\n";
    assert_eq!(server.write("keep", body.into()).await.ok(), Some(204));
    let status = server.terminate();
    assert!(
        status.success(),
        "graceful shutdown failed ({status}); log:\n{}",
        server.log()
    );
    assert!(
        server.log().contains("shutdown complete"),
        "log:\n{}",
        server.log()
    );

    let server = Server::start(dir.path());
    let mut got: Vec<(String, Vec<serde_json::Value>)> = Vec::new();
    for t in ["a", "b"] {
        let resp = server
            .query("keep", &format!("SELECT v FROM m WHERE t = '{t}'"))
            .await;
        let rows = series(&resp)
            .into_iter()
            .flat_map(|(_, rows)| rows)
            .collect();
        got.push((t.to_string(), rows));
    }
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![
            (
                "a".to_string(),
                vec![
                    serde_json::json!(["1970-01-01T00:00:01Z", 1.5]),
                    serde_json::json!(["1970-01-01T00:00:03Z", 3.5])
                ]
            ),
            (
                "b".to_string(),
                vec![serde_json::json!(["1970-01-01T00:00:02Z", 2.5])]
            ),
        ],
        "rows per tag value"
    );
}
