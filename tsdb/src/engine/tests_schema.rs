//! Schema exploration, deletes and cardinality limits through the engine.

use std::borrow::Cow;

use super::*;
use crate::index::{TagPredicate, TagRegex};
use crate::model::{FieldValue, PointBatch};

const T0: i64 = 1_700_000_000_000_000_000;
const WEEK: i64 = 7 * 86_400_000_000_000;

fn open(dir: &std::path::Path, limits: SeriesLimits) -> std::sync::Arc<Engine> {
    let mut c = EngineConfig::new(dir);
    c.background = false;
    c.limits = limits;
    let e = Engine::open(c).unwrap();
    e.create_database("db", None).unwrap();
    e
}

/// `(measurement, [(tag, value)], time)`.
type TestPoint<'a> = (&'a str, &'a [(&'a str, &'a str)], i64);

/// Writes points with field `f = 1.0`.
fn write(e: &Engine, points: &[TestPoint<'_>]) -> WriteOutcome {
    let mut b = PointBatch::new();
    for (m, tags, t) in points {
        b.push(
            *m,
            tags.iter()
                .map(|(k, v)| (Cow::Borrowed(*k), Cow::Borrowed(*v))),
            [(Cow::Borrowed("f"), FieldValue::Float(1.0))],
            *t,
        );
    }
    e.write("db", None, &b).unwrap()
}

fn eq(k: &str, v: &str) -> TagPredicate {
    TagPredicate::Eq(k.into(), v.into())
}

fn all() -> IndexScope {
    IndexScope::all_time("db")
}

fn sample(e: &Engine) {
    write(
        e,
        &[
            ("lat", &[("dc", "ams"), ("host", "a")], T0),
            ("lat", &[("dc", "ams"), ("host", "b")], T0),
            ("lat", &[("dc", "fra"), ("host", "c")], T0 + WEEK),
            ("lat", &[("host", "d")], T0 + WEEK),
            ("cpu", &[("host", "a")], T0),
        ],
    );
}

#[test]
fn schema_answers_follow_predicates_and_time_scope() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), SeriesLimits::default());
    sample(&e);
    assert_eq!(
        e.schema_measurements(&all(), &TagPredicate::All).unwrap(),
        ["cpu", "lat"]
    );
    assert_eq!(
        e.schema_measurements(&all(), &eq("dc", "fra")).unwrap(),
        ["lat"]
    );
    assert_eq!(
        e.schema_tag_keys(&all(), "lat", &TagPredicate::All)
            .unwrap(),
        ["dc", "host"]
    );
    assert_eq!(
        e.schema_tag_keys(&all(), "lat", &eq("dc", "")).unwrap(),
        ["host"]
    );
    assert_eq!(
        e.schema_tag_values(&all(), "lat", "host", &eq("dc", "ams"))
            .unwrap(),
        ["a", "b"]
    );
    let re = TagRegex::new("^(a|c)$").unwrap();
    assert_eq!(
        e.schema_series(&all(), "lat", &TagPredicate::Regex("host".into(), re))
            .unwrap(),
        ["lat,dc=ams,host=a", "lat,dc=fra,host=c"]
    );
    assert_eq!(
        e.schema_series_count(&all(), "lat", &TagPredicate::Ne("dc".into(), "ams".into()))
            .unwrap(),
        2
    );
    // Only the second week's shard.
    let week2 = IndexScope {
        min_time: T0 + WEEK,
        ..all()
    };
    assert_eq!(
        e.schema_tag_values(&week2, "lat", "host", &TagPredicate::All)
            .unwrap(),
        ["c", "d"]
    );
    assert_eq!(
        e.schema_measurements(&week2, &TagPredicate::All).unwrap(),
        ["lat"]
    );
    assert_eq!(
        e.schema_tag_value_count(&all(), "lat", "dc", &TagPredicate::All)
            .unwrap(),
        2
    );
}

#[test]
fn drops_and_deletes_show_at_once_and_survive_restart_and_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = open(dir.path(), SeriesLimits::default());
    sample(&e);
    e.flush().unwrap();
    write(&e, &[("lat", &[("dc", "ams"), ("host", "a")], T0 + 10)]);
    e.drop_series("db", Some("lat"), &eq("host", "a")).unwrap();
    assert_eq!(
        e.schema_tag_values(&all(), "lat", "host", &TagPredicate::All)
            .unwrap(),
        ["b", "c", "d"]
    );
    // cpu,host=a is another series and stays.
    assert_eq!(
        e.schema_tag_values(&all(), "cpu", "host", &TagPredicate::All)
            .unwrap(),
        ["a"]
    );
    // DELETE of the first week only: host b had data only there.
    e.delete_points("db", Some("lat"), &TagPredicate::All, T0 - 1, T0 + WEEK - 1)
        .unwrap();
    assert_eq!(
        e.schema_series(&all(), "lat", &TagPredicate::All).unwrap(),
        ["lat,dc=fra,host=c", "lat,host=d"]
    );
    assert_eq!(
        e.schema_tag_values(&all(), "lat", "dc", &TagPredicate::All)
            .unwrap(),
        ["fra"]
    );
    // A deleted series written again is back.
    write(&e, &[("lat", &[("dc", "ams"), ("host", "a")], T0 + 20)]);
    let check = |e: &Engine| {
        assert_eq!(
            e.schema_tag_values(&all(), "lat", "host", &TagPredicate::All)
                .unwrap(),
            ["a", "c", "d"]
        );
        let rows: Vec<(String, Vec<i64>)> = e
            .read(&ReadRequest {
                database: "db".into(),
                retention_policy: None,
                measurement: "lat".into(),
                min_time: i64::MIN,
                max_time: i64::MAX,
                predicate: TagPredicate::All,
                fields: None,
            })
            .unwrap()
            .into_iter()
            .map(|s| (s.key, s.timestamps))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("lat,dc=ams,host=a".to_string(), vec![T0 + 20]),
                ("lat,dc=fra,host=c".to_string(), vec![T0 + WEEK]),
                ("lat,host=d".to_string(), vec![T0 + WEEK]),
            ]
        );
    };
    check(&e);
    // Restart without a flush: the deletes replay from the WAL in order.
    e.close().unwrap();
    drop(e);
    e = {
        let mut c = EngineConfig::new(dir.path());
        c.background = false;
        Engine::open(c).unwrap()
    };
    check(&e);
    e.compact_full().unwrap();
    check(&e);
    e.close().unwrap();
    drop(e);
    let mut c = EngineConfig::new(dir.path());
    c.background = false;
    let e = Engine::open(c).unwrap();
    check(&e);
}

#[test]
fn a_dropped_measurement_starts_clean() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), SeriesLimits::default());
    sample(&e);
    e.flush().unwrap();
    e.drop_measurement("db", "lat").unwrap();
    assert_eq!(
        e.schema_measurements(&all(), &TagPredicate::All).unwrap(),
        ["cpu"]
    );
    assert!(e.field_keys("db", None, "lat").unwrap().is_empty());
    // The field may now take another type.
    let mut b = PointBatch::new();
    b.push(
        "lat",
        [(Cow::Borrowed("host"), Cow::Borrowed("z"))],
        [(
            Cow::Borrowed("f"),
            FieldValue::String("now a string".into()),
        )],
        T0,
    );
    let out = e.write("db", None, &b).unwrap();
    assert_eq!((out.written, out.dropped), (1, 0), "{:?}", out.reason);
    assert_eq!(
        e.schema_series(&all(), "lat", &TagPredicate::All).unwrap(),
        ["lat,host=z"]
    );
    // Idempotent.
    e.drop_measurement("db", "nope").unwrap();
}

#[test]
fn series_limit_refuses_only_new_series_and_counts_live_ones() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(
        dir.path(),
        SeriesLimits {
            max_series_per_database: 2,
            ..SeriesLimits::default()
        },
    );
    write(&e, &[("m", &[("h", "a")], T0), ("m", &[("h", "b")], T0)]);
    let out = write(
        &e,
        &[
            ("m", &[("h", "a")], T0 + 1),
            ("m", &[("h", "c")], T0 + 1),
            ("m", &[("h", "c")], T0 + 2),
            ("m", &[("h", "b")], T0 + 1),
        ],
    );
    assert_eq!((out.written, out.dropped), (2, 2));
    assert_eq!(
        out.reason.as_deref(),
        Some("max-series-per-database limit exceeded: (2)")
    );
    // A dropped series no longer counts.
    e.drop_series("db", None, &eq("h", "a")).unwrap();
    let out = write(&e, &[("m", &[("h", "c")], T0)]);
    assert_eq!((out.written, out.dropped), (1, 0));
    // A batch cannot overshoot.
    e.drop_series("db", None, &eq("h", "c")).unwrap();
    let out = write(&e, &[("m", &[("h", "x")], T0), ("m", &[("h", "y")], T0)]);
    assert_eq!((out.written, out.dropped), (1, 1));
}

#[test]
fn values_and_measurement_limits_name_what_was_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(
        dir.path(),
        SeriesLimits {
            max_values_per_tag: 2,
            ..SeriesLimits::default()
        },
    );
    write(&e, &[("b", &[("x", "1")], T0), ("b", &[("x", "2")], T0)]);
    let out = write(
        &e,
        &[
            ("b", &[("x", "3")], T0),
            ("b", &[("x", "1"), ("y", "q")], T0),
        ],
    );
    assert_eq!((out.written, out.dropped), (1, 1));
    assert_eq!(
        out.reason.as_deref(),
        Some(r#"max-values-per-tag limit exceeded (2/2): measurement="b" tag="x" value="3""#)
    );
    drop(e);
    let dir = tempfile::tempdir().unwrap();
    let e = open(
        dir.path(),
        SeriesLimits {
            max_series_per_measurement: 1,
            ..SeriesLimits::default()
        },
    );
    let out = write(
        &e,
        &[
            ("m", &[("h", "a")], T0),
            ("m", &[("h", "b")], T0),
            ("n", &[("h", "b")], T0),
        ],
    );
    assert_eq!((out.written, out.dropped), (2, 1));
    assert_eq!(
        out.reason.as_deref(),
        Some(r#"max-series-per-measurement limit exceeded: (1) measurement="m""#)
    );
}

#[test]
fn restart_opens_index_segments_instead_of_reindexing() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), SeriesLimits::default());
    sample(&e);
    e.close().unwrap();
    drop(e);
    let mut c = EngineConfig::new(dir.path());
    c.background = false;
    let e = Engine::open(c).unwrap();
    let dbh = e.database("db").unwrap();
    // Shutdown wrote the new series to an index segment; the WAL replay re-indexed nothing.
    assert!(dbh.index.snapshot().mutable().read().ids().is_empty());
    assert_eq!(dbh.index.indexed().len(), 5);
    assert_eq!(
        e.schema_tag_values(&all(), "lat", "host", &TagPredicate::All)
            .unwrap(),
        ["a", "b", "c", "d"]
    );
}
