//! SELECT semantics of issue 4's small fixes over the `t.lat` data set of `tests.rs`: top/bottom
//! with tag arguments, count without GROUP BY time, math over strings, type errors.

use super::tests::{RANGE, at, col, err, floats, run, times};
use crate::response::Value;

fn s(v: &str) -> Value {
    Value::Str(v.into())
}

#[test]
fn top_with_a_field_argument_groups_everything_and_reads_the_field() {
    // `msg` is a field: all points form one group (the empty value), so one row; the column
    // reads msg at the chosen point (80.25 is host b's, which has no msg).
    let r = run("SELECT top(value, msg, 2) FROM lat");
    assert_eq!(r[0].columns, ["time", "top", "msg"]);
    assert_eq!(times(&r), [at(6, 40)]);
    assert_eq!(col(&r, 2), [Value::Null]);
    let r = run(&format!(
        "SELECT top(value, msg, 2) FROM lat WHERE {RANGE} GROUP BY time(5m)"
    ));
    assert_eq!(col(&r, 1), floats(&[29.5, 80.25, 61.5]));
    assert_eq!(col(&r, 2), [s("m4"), Value::Null, s("m6")]);
}

#[test]
fn top_and_bottom_with_tags_keep_one_point_per_tag_value() {
    let r = run("SELECT top(value, host, 3) FROM lat");
    // Only two hosts: two rows, the best of each, in time order.
    assert_eq!(col(&r, 1), floats(&[80.25, 61.5]));
    assert_eq!(col(&r, 2), [s("b"), s("a")]);
    let r = run("SELECT bottom(value, host, 1) FROM lat");
    assert_eq!(col(&r, 1), floats(&[0.5]));
    let r = run("SELECT bottom(value, region, host, 5) FROM lat");
    assert_eq!(r[0].columns, ["time", "bottom", "region", "host"]);
    assert_eq!(col(&r, 1), floats(&[0.5, 2.25]));
    // Per bucket, each host contributes once.
    let r = run(&format!(
        "SELECT top(value, host, 2) FROM lat WHERE {RANGE} GROUP BY time(5m)"
    ));
    assert_eq!(col(&r, 1), floats(&[26.25, 29.5, 30.5, 80.25, 61.5]));
}

#[test]
fn count_without_group_by_time_is_null_where_a_field_has_no_point() {
    let r = run("SELECT count(*) FROM lat GROUP BY host");
    assert_eq!(r.len(), 2);
    assert_eq!(
        r[1].columns,
        ["time", "count_code", "count_msg", "count_ok", "count_value"]
    );
    assert_eq!(
        r[1].values[0][1..],
        [Value::Int(4), Value::Null, Value::Int(4), Value::Int(4)]
    );
    // Under GROUP BY time an empty bucket still counts 0.
    let r = run(&format!(
        "SELECT count(msg) FROM lat WHERE {RANGE} AND host = 'b' GROUP BY time(5m)"
    ));
    assert!(r.is_empty(), "{r:?}");
    let r = run(&format!(
        "SELECT count(msg), count(value) FROM lat WHERE {RANGE} AND host = 'b' GROUP BY time(5m)"
    ));
    assert_eq!(col(&r, 1), [Value::Int(0), Value::Int(0), Value::Int(0)]);
}

#[test]
fn math_over_a_string_field_is_null_per_point() {
    let r = run("SELECT abs(msg) FROM lat");
    assert_eq!(col(&r, 1), vec![Value::Null; 7]);
    // A cast to a type the field lacks still makes no rows.
    assert!(run("SELECT value::string FROM lat").is_empty());
    // A field only in WHERE does not make rows.
    let r = run("SELECT msg FROM lat WHERE value > 60");
    assert_eq!(col(&r, 1), [s("m6")]);
}

#[test]
fn incompatible_operand_types_fail_the_statement() {
    assert_eq!(
        err("SELECT value + 'x' FROM lat"),
        "type error: value::float + 'x': incompatible types: float and string"
    );
    assert_eq!(
        err("SELECT ok + 1 FROM lat"),
        "type error: ok::boolean + 1: incompatible types: boolean and integer"
    );
}

#[test]
fn derivative_over_equal_times_takes_go_merge_order() {
    use crate::ast::Statement;
    use crate::exec::{ExecContext, MemStore, Store};
    use crate::parser::parse_statement;
    use tsdb::FieldValue;
    // The compat corpus's `dups`: three series, each at t0 and t0+60s (a's second point
    // overwritten to 5.5). Go's merge yields a, c, b at t0 and c, b, a at t0+60s; derivative keeps
    // the first point per time: (40 - 1) / 60s = 0.65 (InfluxDB 1.6.7).
    let m = MemStore::new();
    m.create_database("e", None)
        .unwrap_or_else(|e| panic!("{e}"));
    for (s, v0, v1) in [("a", 1.0, 5.5), ("b", 2.0, 20.0), ("c", 4.0, 40.0)] {
        for (t, v) in [(at(0, 0), v0), (at(1, 0), v1)] {
            m.write(
                "e",
                "dups",
                &[("s", s)],
                vec![("v", FieldValue::Float(v))],
                t,
            );
        }
    }
    let ctx = ExecContext {
        database: Some("e".into()),
        now: at(12, 0),
        ..Default::default()
    };
    let q = |q: &str| {
        let Ok(Statement::Select(s)) = parse_statement(q) else {
            panic!("{q}");
        };
        super::execute_select(&m, &s, &ctx).unwrap_or_else(|e| panic!("{q}: {e}"))
    };
    let r = q("SELECT derivative(v) FROM dups");
    assert_eq!(times(&r), [at(1, 0)]);
    assert_eq!(col(&r, 1), floats(&[0.65]));
    // Per series nothing ties.
    let r = q("SELECT difference(v) FROM dups GROUP BY s");
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].values[0][1], Value::Float(4.5));
}

#[test]
fn a_source_named_twice_is_read_twice() {
    let r = run("SELECT value FROM lat, lat LIMIT 3");
    assert_eq!(times(&r), [at(0, 0), at(0, 0), at(0, 10)]);
    assert_eq!(
        col(&run("SELECT count(value) FROM lat, lat"), 1),
        [Value::Int(22)]
    );
    assert_eq!(
        col(&run("SELECT count(value) FROM lat, /^l/"), 1),
        [Value::Int(22)]
    );
    // A selector still picks one point.
    assert_eq!(
        col(&run("SELECT max(value) FROM lat, lat"), 1),
        floats(&[80.25])
    );
    assert_eq!(
        col(&run("SELECT count(value) FROM lat"), 1),
        [Value::Int(11)]
    );
}

#[test]
fn star_over_several_measurements_lists_the_union_of_their_columns() {
    let r = run("SELECT * FROM lat, cpu");
    assert_eq!(r.len(), 2);
    let all = [
        "time", "code", "host", "idle", "msg", "ok", "region", "value",
    ];
    assert_eq!(r[0].columns, all);
    assert_eq!(r[1].columns, all);
    assert_eq!(r[0].values[0][3], Value::Float(5.0));
    assert_eq!(r[0].values[0][1], Value::Null);
    // GROUP BY tags stay out; explicit fields are per measurement as before.
    let r = run("SELECT * FROM lat, cpu GROUP BY host");
    assert_eq!(
        r[0].columns,
        ["time", "code", "idle", "msg", "ok", "region", "value"]
    );
    let r = run("SELECT idle FROM lat, cpu");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].columns, ["time", "idle"]);
}
