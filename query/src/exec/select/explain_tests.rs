//! `EXPLAIN` and `EXPLAIN ANALYZE` over a small [`MemStore`] fixture: the shape of the answer and
//! the counts in it.

use tsdb::FieldValue;

use crate::exec::{ExecContext, MemStore, Store, execute};
use crate::parser::parse_query;
use crate::response::{Series, Value};

const S: i64 = 1_000_000_000;
/// 2024-01-01T00:00:00Z.
const T0: i64 = 1_704_067_200 * S;

/// `t.lat`: host a (3 points, region us), host b (2 points, region eu), host c (1 point, region
/// us, outside the 10-minute range of the queries); `t.cpu`: one point.
fn store() -> MemStore {
    let m = MemStore::new();
    m.create_database("t", None)
        .unwrap_or_else(|e| panic!("{e}"));
    let rows = [
        ("a", "us", 1.0, 0),
        ("a", "us", 2.0, 60),
        ("a", "us", 3.0, 120),
        ("b", "eu", 10.0, 30),
        ("b", "eu", 20.0, 90),
        ("c", "us", 5.0, 3600),
    ];
    for (host, region, v, sec) in rows {
        m.write(
            "t",
            "lat",
            &[("host", host), ("region", region)],
            vec![("value", FieldValue::Float(v))],
            T0 + sec * S,
        );
    }
    m.write(
        "t",
        "cpu",
        &[("host", "a")],
        vec![("idle", FieldValue::Float(5.0))],
        T0,
    );
    m
}

fn ctx() -> ExecContext {
    ExecContext {
        database: Some("t".into()),
        now: T0 + 7200 * S,
        ..Default::default()
    }
}

/// The lines of the only series of the only statement, with its column name.
fn lines(q: &str) -> (String, Vec<String>) {
    let stmts = parse_query(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    let mut results = execute(&store(), &stmts, &ctx());
    assert_eq!(results.len(), 1);
    let r = results.remove(0);
    assert!(r.error.is_none(), "{q}: {:?}", r.error);
    let series: Vec<Series> = r.series;
    assert_eq!(series.len(), 1, "{series:?}");
    let s = &series[0];
    assert_eq!(s.columns.len(), 1);
    let lines = s
        .values
        .iter()
        .map(|row| match row.as_slice() {
            [Value::Str(l)] => l.clone(),
            other => panic!("not one string: {other:?}"),
        })
        .collect();
    (s.columns[0].clone(), lines)
}

/// The first line starting with `prefix` after its indentation (and tree drawing), trimmed.
fn line<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .map(|l| l.trim_start_matches([' ', '│']))
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?} in {lines:#?}"))
}

const RANGE: &str = "time >= '2024-01-01T00:00:00Z' AND time < '2024-01-01T00:10:00Z'";

#[test]
fn explain_lists_the_plan_without_running() {
    let q = format!(
        "EXPLAIN SELECT mean(value), median(value) FROM lat WHERE region = 'us' AND {RANGE} \
         GROUP BY time(1m), host LIMIT 3 SLIMIT 1"
    );
    let (column, lines) = lines(&q);
    assert_eq!(column, "QUERY PLAN");
    assert!(lines[0].starts_with("STATEMENT: SELECT mean(value), median(value) FROM lat"));
    assert_eq!(line(&lines, "NUMBER OF SOURCES"), "NUMBER OF SOURCES: 1");
    assert_eq!(line(&lines, "SOURCE:"), "SOURCE: t..lat");
    assert_eq!(
        line(&lines, "TIME RANGE"),
        "TIME RANGE: 2024-01-01T00:00:00Z .. 2024-01-01T00:09:59.999999999Z"
    );
    assert_eq!(
        line(&lines, "TAG PREDICATE"),
        "TAG PREDICATE: region = 'us'"
    );
    // Hosts a and c are in region us, but c has no point in the range.
    assert_eq!(
        line(&lines, "NUMBER OF SERIES"),
        "NUMBER OF SERIES: 1 in 1 groups (1 output series after SLIMIT/SOFFSET)"
    );
    assert_eq!(line(&lines, "FIELDS READ"), "FIELDS READ: value");
    assert_eq!(
        line(&lines, "GROUPING"),
        "GROUPING: time(1m, 0s); tags host"
    );
    assert_eq!(
        line(&lines, "CALLS"),
        "CALLS: mean(value) [vectorized], median(value) [collect + reduce]"
    );
    assert_eq!(line(&lines, "LIMITS"), "LIMITS: LIMIT 3 SLIMIT 1");
}

#[test]
fn explain_of_a_regex_source_lists_each_measurement() {
    let (_, lines) = lines("EXPLAIN SELECT * FROM /./");
    assert_eq!(line(&lines, "NUMBER OF SOURCES"), "NUMBER OF SOURCES: 2");
    let sources: Vec<&String> = lines.iter().filter(|l| l.starts_with("SOURCE:")).collect();
    assert_eq!(sources, ["SOURCE: t..cpu", "SOURCE: t..lat"]);
    assert_eq!(line(&lines, "CALLS"), "CALLS: none (raw rows)");
}

#[test]
fn explain_never_writes() {
    let store = store();
    let stmts = parse_query("EXPLAIN ANALYZE SELECT value INTO copy FROM lat")
        .unwrap_or_else(|e| panic!("{e}"));
    let r = execute(&store, &stmts, &ctx());
    assert!(r[0].error.is_none(), "{:?}", r[0].error);
    let names = store.measurements("t").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(names, ["cpu", "lat"]);
}

#[test]
fn explain_analyze_runs_and_counts() {
    let q =
        format!("EXPLAIN ANALYZE SELECT max(value) FROM lat WHERE {RANGE} GROUP BY time(5m), host");
    let (column, lines) = lines(&q);
    assert_eq!(column, "EXPLAIN ANALYZE");
    assert_eq!(lines[0], ".");
    assert_eq!(lines[1], "└── select");
    assert!(line(&lines, "├── execution_time: ").ends_with("ms"));
    // Two hosts with points in the range, two 5-minute buckets each.
    assert_eq!(line(&lines, "├── output_series"), "├── output_series: 2");
    assert_eq!(line(&lines, "├── output_rows"), "├── output_rows: 4");
    assert_eq!(line(&lines, "├── sources"), "├── sources: 1");
    assert_eq!(line(&lines, "└── source"), "└── source t..lat");
    let sel = line(&lines, "├── series_selection");
    assert!(
        sel.ends_with("(2 series, 2 groups, predicate all series)"),
        "{sel}"
    );
    let scan = line(&lines, "├── scan");
    assert!(scan.ends_with("(5 points, fields value)"), "{scan}");
    assert_eq!(
        line(&lines, "├── aggregation"),
        "├── aggregation: max(value) [vectorized]"
    );
    assert_eq!(line(&lines, "├── buckets"), "├── buckets: 2");
    let emit = line(&lines, "└── emit");
    assert!(emit.ends_with("(2 series, 4 rows)"), "{emit}");
}

#[test]
fn explain_analyze_of_raw_rows_counts_points_after_the_tag_predicate() {
    let q = format!("EXPLAIN ANALYZE SELECT value FROM lat WHERE host = 'b' AND {RANGE}");
    let (_, lines) = lines(&q);
    let scan = line(&lines, "├── scan");
    assert!(scan.ends_with("(2 points, fields value)"), "{scan}");
    assert_eq!(line(&lines, "├── output_rows"), "├── output_rows: 2");
    assert_eq!(line(&lines, "├── rows"), "├── rows: none (raw rows)");
}

#[test]
fn explain_shows_the_row_filter_and_an_open_range() {
    let (_, lines) = lines("EXPLAIN SELECT value FROM lat WHERE value > 3 AND host = 'a'");
    assert_eq!(line(&lines, "TIME RANGE"), "TIME RANGE: -inf .. +inf");
    assert_eq!(line(&lines, "TAG PREDICATE"), "TAG PREDICATE: host = 'a'");
    assert_eq!(line(&lines, "ROW FILTER"), "ROW FILTER: value > 3");
    assert_eq!(
        line(&lines, "NUMBER OF SERIES"),
        "NUMBER OF SERIES: 1 in 1 groups (1 output series after SLIMIT/SOFFSET)"
    );
    assert!(!lines.iter().any(|l| l.contains("LIMITS")), "{lines:#?}");
}

#[test]
fn explain_shows_sketch_calls() {
    let q = format!(
        "EXPLAIN SELECT sketch(value, 0.02), percentile_approx(value, 99), percentile(value, 99) \
         FROM lat WHERE {RANGE} GROUP BY time(1m)"
    );
    let (_, lines) = lines(&q);
    assert_eq!(
        line(&lines, "CALLS"),
        "CALLS: sketch(value, 0.02) [per-slot sketch], percentile_approx(value, 99) \
         [per-slot sketch], percentile(value, 99) [collect + reduce]"
    );
}
