//! Subqueries and `SELECT … INTO` over [`MemStore`] (a small copy of the reference data set).

use tsdb::FieldValue;
use tsdb::engine::RetentionPolicySpec;

use super::execute_select;
use crate::ast::Statement;
use crate::exec::{ExecContext, ExecError, MemStore, Store};
use crate::parser::parse_statement;
use crate::response::{Series, Value};

const S: i64 = 1_000_000_000;
/// 2024-01-01T00:00:00Z.
const T0: i64 = 1_704_067_200 * S;

fn at(min: i64, sec: i64) -> i64 {
    T0 + (min * 60 + sec) * S
}

fn store_with(spec: Option<RetentionPolicySpec>) -> MemStore {
    let m = MemStore::new();
    m.create_database("t", spec)
        .unwrap_or_else(|e| panic!("{e}"));
    let a = [
        (0.5, at(0, 0)),
        (12.5, at(2, 0)),
        (30.5, at(5, 0)),
        (61.5, at(10, 10)),
    ];
    for (v, t) in a {
        let tags = [("host", "a"), ("region", "us")];
        m.write("t", "lat", &tags, vec![("value", FieldValue::Float(v))], t);
    }
    let b = [(2.25, at(0, 10)), (26.25, at(2, 10)), (80.25, at(6, 40))];
    for (v, t) in b {
        let tags = [("host", "b"), ("region", "eu")];
        m.write("t", "lat", &tags, vec![("value", FieldValue::Float(v))], t);
    }
    m
}

fn ctx() -> ExecContext {
    ExecContext {
        database: Some("t".into()),
        now: at(12, 0),
        ..Default::default()
    }
}

fn run_on(store: &MemStore, q: &str) -> Result<Vec<Series>, ExecError> {
    let Ok(Statement::Select(s)) = parse_statement(q) else {
        panic!("not a select: {q}");
    };
    execute_select(store, &s, &ctx())
}

fn run(q: &str) -> Vec<Series> {
    run_on(&store_with(None), q).unwrap_or_else(|e| panic!("{q}: {e}"))
}

/// `(tags, [(time, first value column)])` per series.
fn flat(series: &[Series]) -> Vec<(Vec<(String, String)>, Vec<(i64, Value)>)> {
    series
        .iter()
        .map(|s| {
            let rows = s
                .values
                .iter()
                .map(|r| match (&r[0], &r[1]) {
                    (Value::Time(t), v) => (*t, v.clone()),
                    other => panic!("{other:?}"),
                })
                .collect();
            (s.tags.clone(), rows)
        })
        .collect()
}

fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn aggregate_of_aggregates() {
    let r = run("SELECT mean(v) FROM (SELECT max(value) AS v FROM lat GROUP BY host)");
    assert_eq!(
        flat(&r),
        [(vec![], vec![(0, Value::Float((61.5 + 80.25) / 2.0))])]
    );
    assert_eq!(r[0].name.as_deref(), Some("lat"));
}

#[test]
fn outer_time_range_bounds_the_inner_query() {
    // Unbounded, the inner mean would sit at the epoch and the outer range would drop it.
    let r = run(
        "SELECT max(m) FROM (SELECT mean(value) AS m FROM lat) WHERE time >= '2024-01-01T00:05:00Z'",
    );
    let want = (30.5 + 80.25 + 61.5) / 3.0;
    assert_eq!(flat(&r), [(vec![], vec![(at(5, 0), Value::Float(want))])]);
}

#[test]
fn outer_groups_by_inner_tags() {
    let r = run("SELECT max(value) FROM (SELECT value FROM lat) GROUP BY host");
    assert_eq!(
        flat(&r),
        [
            (
                tags(&[("host", "a")]),
                vec![(at(10, 10), Value::Float(61.5))]
            ),
            (
                tags(&[("host", "b")]),
                vec![(at(6, 40), Value::Float(80.25))]
            ),
        ]
    );
    // Tags the outer query does not group by are merged away.
    let r = run("SELECT count(m) FROM (SELECT mean(value) AS m FROM lat GROUP BY host, region)");
    assert_eq!(flat(&r), [(vec![], vec![(0, Value::Int(2))])]);
}

#[test]
fn nested_subqueries_and_top_over_a_subquery() {
    let r = run(
        "SELECT min(x) FROM (SELECT max(value) AS x FROM (SELECT value FROM lat) GROUP BY host)",
    );
    assert_eq!(flat(&r), [(vec![], vec![(at(10, 10), Value::Float(61.5))])]);
    let r = run("SELECT top(m, host, 1) FROM (SELECT max(value) AS m FROM lat GROUP BY host)");
    assert_eq!(r[0].columns, ["time", "top", "host"]);
    assert_eq!(
        r[0].values,
        [vec![
            Value::Time(at(6, 40)),
            Value::Float(80.25),
            Value::Str("b".into())
        ]]
    );
}

#[test]
fn empty_inner_answers_nothing() {
    assert!(run("SELECT mean(value) FROM (SELECT * FROM nosuch)").is_empty());
    assert!(run("SELECT * FROM (SELECT nosuch FROM lat)").is_empty());
}

#[test]
fn into_writes_grouped_tags_as_tags_and_skips_empty_buckets() {
    let store = store_with(None);
    let q = "SELECT max(value) INTO t.autogen.m5 FROM lat WHERE time >= '2024-01-01T00:00:00Z' \
             AND time < '2024-01-01T00:10:00Z' GROUP BY time(5m), host";
    let r = run_on(&store, q).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r[0].name.as_deref(), Some("result"));
    assert_eq!(r[0].columns, ["time", "written"]);
    // a: both buckets; b: both buckets (00:00 and 00:05) → 4 points.
    assert_eq!(r[0].values, [vec![Value::Time(0), Value::Int(4)]]);
    assert_eq!(store.tag_keys("t", "m5").unwrap_or_default(), ["host"]);
    let back =
        run_on(&store, "SELECT \"max\" FROM m5 WHERE host = 'b'").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        flat(&back),
        [(
            vec![],
            vec![
                (at(0, 0), Value::Float(26.25)),
                (at(5, 0), Value::Float(80.25))
            ]
        )]
    );
}

#[test]
fn into_writes_ungrouped_tags_as_fields() {
    let store = store_with(None);
    let r = run_on(&store, "SELECT * INTO copy FROM lat WHERE host = 'b'")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r[0].values, [vec![Value::Time(0), Value::Int(3)]]);
    assert!(store.tag_keys("t", "copy").unwrap_or_default().is_empty());
    let fields: Vec<String> = store
        .field_keys("t", None, "copy")
        .unwrap_or_default()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(fields, ["host", "region", "value"]);
}

#[test]
fn into_beyond_retention_is_a_statement_error() {
    let spec = RetentionPolicySpec {
        duration: Some(3600 * S),
        ..Default::default()
    };
    let store = store_with(Some(spec));
    match run_on(&store, "SELECT value INTO old FROM lat") {
        Ok(s) => panic!("expected an error, got {s:?}"),
        Err(e) => assert_eq!(
            e.to_string(),
            "partial write: points beyond retention policy dropped=7"
        ),
    }
}

#[test]
fn outer_star_lists_only_what_the_subquery_produces() {
    // The raw inner rows keep every series tag (for the outer GROUP BY), but `*` lists only the
    // inner columns and GROUP BY tags: no `region` (InfluxDB 1.6.7).
    for q in [
        "SELECT * FROM (SELECT value, host FROM lat)",
        "SELECT * FROM (SELECT value FROM lat GROUP BY host)",
    ] {
        let r = run(q);
        assert_eq!(r.len(), 1, "{q}");
        assert_eq!(r[0].columns, ["time", "host", "value"], "{q}");
        assert_eq!(r[0].values.len(), 7, "{q}");
    }
    let r = run("SELECT * FROM (SELECT value FROM lat GROUP BY *)");
    assert_eq!(r[0].columns, ["time", "host", "region", "value"]);
    // The outer GROUP BY still sees the tags the `*` leaves out.
    let r = run("SELECT * FROM (SELECT value FROM lat) GROUP BY region");
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].columns, ["time", "value"]);
}
