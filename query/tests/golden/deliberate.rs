// Shared by query/tests/schema_golden.rs (MemStore) and tests/http_api/schema_golden.rs (the real
// engine) through `include!`: where taildb deliberately answers differently from InfluxDB 1.6.7.

/// Our answer where it deliberately differs from InfluxDB 1.6.7's, with the reason.
fn deliberate(q: &str, influx: &serde_json::Value) -> Option<serde_json::Value> {
    use serde_json::json;
    let err = |e: &str| json!({"results": [{"statement_id": 0, "error": e}]});
    Some(match q {
        // InfluxDB answers an empty result for a missing database here only; every other
        // statement (and taildb everywhere) says so.
        "SHOW MEASUREMENTS ON nosuch" => err("database not found: nosuch"),
        // `tag = ''` selects series lacking the tag (InfluxDB's documented rule, which its
        // SHOW TAG VALUES and SHOW SERIES follow); its SHOW MEASUREMENTS answers nothing.
        "SHOW MEASUREMENTS WHERE region = ''" => {
            json!({"results": [{"statement_id": 0, "series": [{
            "name": "measurements", "columns": ["name"],
            "values": [["cpu"], ["disk"], ["net"], ["temp"]]}]}]})
        }
        // InfluxDB drops a non-string comparison and lists everything; we compare with the
        // literal's text, so `host = 1` matches the series whose host is "1" (none here).
        "SHOW SERIES WHERE host = 1" => json!({"results": [{"statement_id": 0}]}),
        // InfluxDB silently answers nothing for time inside OR; we say why.
        "SHOW TAG VALUES WITH KEY = host WHERE host = 'a' OR time > '2024-02-01T00:00:00Z'" => {
            err("time conditions cannot be combined with OR")
        }
        // The shard id in InfluxDB's text is internal; ours names no shard.
        q if q.starts_with("DELETE") && influx.to_string().contains("fields not supported") => {
            err("fields not supported in WHERE clause during deletion")
        }
        // After DROP SERIES InfluxDB still lists the dropped series' tag `dc` as a column; ours
        // is gone with its last series.
        "SELECT * FROM cpu" => json!({"results": [{"statement_id": 0, "series": [{
            "name": "cpu",
            "columns": ["time", "host", "idle", "region", "usage"],
            "values": [["2024-01-01T00:00:10Z", "b", 80, "eu", 2.5],
                       ["2024-03-01T00:00:00Z", "c", null, null, 3.5]]}]}]}),
        _ => return None,
    })
}

