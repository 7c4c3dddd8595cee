//! Sketches in SELECT over [`MemStore`]: `sketch()`, `percentile_approx()`, the aggregates over
//! sketch fields, rollups of rollups through `INTO`, raw reads and the type errors.

use std::borrow::Cow;
use std::sync::Arc;

use tsdb::{FieldValue, Sketch};

use super::execute_select;
use crate::ast::Statement;
use crate::exec::{ExecContext, ExecError, MemStore, Store};
use crate::parser::parse_statement;
use crate::response::{Series, Value};

const S: i64 = 1_000_000_000;
/// 2024-01-01T00:00:00Z.
const T0: i64 = 1_704_067_200 * S;
const HOURS: i64 = 3;
const RANGE: &str = "time >= '2024-01-01T00:00:00Z' AND time < '2024-01-01T03:00:00Z'";

/// A deterministic long-tailed latency: mostly 5..50 ms, one in 50 around 500..2000 ms.
fn latency(i: u64) -> f64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i >> 7);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 32;
    let u = (x % 1_000_000) as f64 / 1_000_000.0;
    if x % 50 == 0 {
        500.0 + 1500.0 * u
    } else {
        5.0 + 45.0 * u * u
    }
}

/// `raw`: customers c1 and c2, a point every 7 s for three hours (c2 with other values).
fn raw_points() -> Vec<(&'static str, i64, f64)> {
    let mut out = Vec::new();
    for (k, customer) in ["c1", "c2"].into_iter().enumerate() {
        let mut t = T0 + k as i64 * S;
        let mut i = k as u64 * 1_000_000;
        while t < T0 + HOURS * 3600 * S {
            out.push((customer, t, latency(i)));
            t += 7 * S;
            i += 1;
        }
    }
    out
}

fn store() -> MemStore {
    let m = MemStore::new();
    m.create_database("t", None)
        .unwrap_or_else(|e| panic!("{e}"));
    for (i, (customer, t, v)) in raw_points().into_iter().enumerate() {
        m.write(
            "t",
            "raw",
            &[("customer", customer)],
            vec![
                ("latency_ms", FieldValue::Float(v)),
                ("bytes", FieldValue::Integer(i as i64 % 1000)),
                ("status", FieldValue::String(Cow::Borrowed("ok"))),
            ],
            t,
        );
    }
    m
}

fn ctx() -> ExecContext {
    ExecContext {
        database: Some("t".into()),
        now: T0 + 4 * 3600 * S,
        ..Default::default()
    }
}

fn run_on(store: &MemStore, q: &str) -> Result<Vec<Series>, ExecError> {
    let Ok(Statement::Select(s)) = parse_statement(q) else {
        panic!("not a select: {q}");
    };
    execute_select(store, &s, &ctx())
}

fn ok(store: &MemStore, q: &str) -> Vec<Series> {
    run_on(store, q).unwrap_or_else(|e| panic!("{q}: {e}"))
}

fn err(store: &MemStore, q: &str) -> String {
    match run_on(store, q) {
        Ok(s) => panic!("{q}: expected an error, got {s:?}"),
        Err(e) => e.to_string(),
    }
}

/// (customer tag, rows) per series.
fn by_customer(r: &[Series]) -> Vec<(String, Vec<Vec<Value>>)> {
    r.iter()
        .map(|s| {
            let c = s
                .tags
                .iter()
                .find(|(k, _)| k == "customer")
                .map_or(String::new(), |(_, v)| v.clone());
            (c, s.values.clone())
        })
        .collect()
}

fn float(v: &Value) -> f64 {
    match v {
        Value::Float(x) => *x,
        other => panic!("not a float: {other:?}"),
    }
}

/// The raw values of `customer` in hour `h`.
fn hour_values(customer: &str, h: i64) -> Vec<f64> {
    raw_points()
        .into_iter()
        .filter(|(c, t, _)| *c == customer && (t - T0) / (3600 * S) == h)
        .map(|(_, _, v)| v)
        .collect()
}

/// Builds rollup_1m from raw and rollup_1h from rollup_1m, as the issue's continuous queries do.
fn rolled_up() -> MemStore {
    let store = store();
    ok(
        &store,
        &format!(
            "SELECT sketch(latency_ms) AS latency_ms INTO rollup_1m FROM raw WHERE {RANGE} \
             GROUP BY time(1m), *"
        ),
    );
    ok(
        &store,
        &format!(
            "SELECT sketch(latency_ms) AS latency_ms INTO rollup_1h FROM rollup_1m WHERE {RANGE} \
             GROUP BY time(1h), *"
        ),
    );
    store
}

#[test]
fn sketch_of_numbers_matches_a_sketch_built_by_hand() {
    let store = store();
    let r = ok(
        &store,
        &format!("SELECT sketch(latency_ms) FROM raw WHERE {RANGE} GROUP BY time(1h), customer"),
    );
    let series = by_customer(&r);
    assert_eq!(series.len(), 2);
    for (customer, rows) in series {
        assert_eq!(rows.len(), HOURS as usize);
        for (h, row) in rows.iter().enumerate() {
            assert_eq!(row[0], Value::Time(T0 + h as i64 * 3600 * S));
            let Value::Sketch(got) = &row[1] else {
                panic!("not a sketch: {row:?}");
            };
            let mut want = Sketch::default();
            want.extend_from(&hour_values(&customer, h as i64));
            assert_eq!(**got, want, "{customer} hour {h}");
        }
    }
    // An explicit accuracy is the sketch's.
    let r = ok(
        &store,
        &format!("SELECT sketch(bytes, 0.05) FROM raw WHERE {RANGE}"),
    );
    let Value::Sketch(s) = &r[0].values[0][1] else {
        panic!("{r:?}");
    };
    assert_eq!(s.relative_accuracy(), 0.05);
    assert_eq!(s.count(), raw_points().len() as u64);
}

#[test]
fn rollup_of_rollups_answers_what_one_sketch_of_the_raw_values_answers() {
    let store = rolled_up();
    let q = |from: &str, f: &str| {
        by_customer(&ok(
            &store,
            &format!("SELECT {f} FROM {from} WHERE {RANGE} GROUP BY time(1h), customer"),
        ))
    };
    let alpha = tsdb::sketch::DEFAULT_RELATIVE_ACCURACY;
    for p in [50.0, 90.0, 99.0, 99.9] {
        let rolled = q("rollup_1h", &format!("percentile(latency_ms, {p})"));
        let exact = q("raw", &format!("percentile(latency_ms, {p})"));
        let approx = q("raw", &format!("percentile_approx(latency_ms, {p})"));
        assert_eq!(rolled.len(), 2);
        for (((c, rows), (_, ex)), (_, ap)) in rolled.iter().zip(&exact).zip(&approx) {
            for (h, row) in rows.iter().enumerate() {
                let mut want = Sketch::default();
                want.extend_from(&hour_values(c, h as i64));
                let got = float(&row[1]);
                // The merge is exact: the same answer as the sketch of the raw values.
                assert_eq!(Some(got), want.percentile(p), "{c} h{h} p{p}");
                assert_eq!(got, float(&ap[h][1]), "percentile_approx {c} h{h} p{p}");
                // And within α of InfluxDB's exact percentile.
                let e = float(&ex[h][1]);
                assert!(
                    (got - e).abs() <= alpha * e.abs() + 1e-9,
                    "{c} h{h} p{p}: {got} vs {e}"
                );
            }
        }
    }
    // count/min/max are exact, sum and mean exact up to float rounding.
    let rolled = q(
        "rollup_1h",
        "count(latency_ms), sum(latency_ms), mean(latency_ms), min(latency_ms), max(latency_ms), median(latency_ms)",
    );
    let exact = q(
        "raw",
        "count(latency_ms), sum(latency_ms), mean(latency_ms), min(latency_ms), max(latency_ms), median(latency_ms)",
    );
    for ((c, rows), (_, ex)) in rolled.iter().zip(&exact) {
        for (row, e) in rows.iter().zip(ex) {
            assert_eq!(row[0], e[0], "{c}: times");
            assert_eq!(row[1], e[1], "{c}: count");
            for k in [2, 3] {
                let (g, w) = (float(&row[k]), float(&e[k]));
                assert!((g - w).abs() <= 1e-9 * w.abs(), "{c} col {k}: {g} vs {w}");
            }
            assert_eq!(row[4], e[4], "{c}: min");
            assert_eq!(row[5], e[5], "{c}: max");
            let (g, w) = (float(&row[6]), float(&e[6]));
            assert!(
                (g - w).abs() <= alpha * w.abs() + 1e-9,
                "{c}: median {g} vs {w}"
            );
        }
    }
}

#[test]
fn aggregates_over_sketch_fields_stamp_the_bucket_start() {
    let store = rolled_up();
    // No GROUP BY time: one row at the start of the range (an aggregate, not a selector).
    let r = ok(
        &store,
        &format!("SELECT max(latency_ms), percentile(latency_ms, 99) FROM rollup_1m WHERE {RANGE}"),
    );
    assert_eq!(r[0].values.len(), 1);
    assert_eq!(r[0].values[0][0], Value::Time(T0));
    let r = ok(
        &store,
        &format!("SELECT max(latency_ms) FROM rollup_1m WHERE {RANGE}"),
    );
    assert_eq!(r[0].values[0][0], Value::Time(T0));
    let all: Vec<f64> = raw_points().into_iter().map(|(_, _, v)| v).collect();
    let max = all.iter().copied().fold(f64::MIN, f64::max);
    assert_eq!(r[0].values[0][1], Value::Float(max));
    // A sketch of everything: merging the hourly rollups of both customers.
    let r = ok(
        &store,
        &format!("SELECT sketch(latency_ms) FROM rollup_1h WHERE {RANGE}"),
    );
    let mut want = Sketch::default();
    want.extend_from(&all);
    assert_eq!(r[0].values[0][1], Value::Sketch(Arc::new(want)));
    // percentile out of the sketch's ranks → no value, as InfluxDB's exact percentile.
    let r = ok(
        &store,
        &format!("SELECT percentile(latency_ms, 0) FROM rollup_1h WHERE {RANGE}"),
    );
    let exact = ok(
        &store,
        &format!("SELECT percentile(latency_ms, 0) FROM raw WHERE {RANGE}"),
    );
    assert!(r.is_empty() && exact.is_empty(), "{r:?} {exact:?}");
    let r = ok(
        &store,
        &format!(
            "SELECT percentile(latency_ms, 0), count(latency_ms) FROM rollup_1h WHERE {RANGE}"
        ),
    );
    assert_eq!(r[0].values[0][1], Value::Null);
}

#[test]
fn wildcard_calls_include_sketch_fields_where_they_merge() {
    let store = rolled_up();
    let r = ok(
        &store,
        &format!("SELECT count(*) FROM rollup_1h WHERE {RANGE} GROUP BY customer"),
    );
    assert_eq!(r[0].columns, ["time", "count_latency_ms"]);
    let c1 = raw_points().iter().filter(|p| p.0 == "c1").count();
    assert_eq!(r[0].values[0][1], Value::Int(c1 as i64));
    // spread() has no sketch answer: a sketch field is not expanded into it.
    let r = ok(
        &store,
        &format!("SELECT spread(*) FROM rollup_1h WHERE {RANGE}"),
    );
    assert!(r.is_empty(), "{r:?}");
}

#[test]
fn raw_reads_first_last_and_conditions() {
    let store = rolled_up();
    let r = ok(
        &store,
        &format!("SELECT latency_ms FROM rollup_1h WHERE {RANGE} AND customer = 'c1'"),
    );
    assert_eq!(r[0].values.len(), HOURS as usize);
    let Value::Sketch(first_hour) = &r[0].values[0][1] else {
        panic!("{r:?}");
    };
    let mut want = Sketch::default();
    want.extend_from(&hour_values("c1", 0));
    assert_eq!(**first_hour, want);
    let star = ok(
        &store,
        &format!("SELECT * FROM rollup_1h WHERE {RANGE} AND customer = 'c1'"),
    );
    assert_eq!(star[0].columns, ["time", "customer", "latency_ms"]);
    assert_eq!(star[0].values[0][2], r[0].values[0][1]);
    // first/last select the sketch of the earliest/latest row.
    let fl = ok(
        &store,
        &format!(
            "SELECT first(latency_ms), last(latency_ms) FROM rollup_1h WHERE {RANGE} AND customer = 'c1'"
        ),
    );
    assert_eq!(fl[0].values[0][1], r[0].values[0][1]);
    assert_eq!(fl[0].values[0][2], r[0].values[HOURS as usize - 1][1]);
    let last = ok(
        &store,
        &format!("SELECT last(latency_ms) FROM rollup_1h WHERE {RANGE} AND customer = 'c1'"),
    );
    assert_eq!(
        last[0].values[0][0],
        Value::Time(T0 + (HOURS - 1) * 3600 * S)
    );
    // A comparison with a sketch matches nothing.
    for cond in ["latency_ms > 0", "latency_ms = 'x'", "latency_ms < 1000000"] {
        let r = ok(
            &store,
            &format!("SELECT latency_ms FROM rollup_1h WHERE {RANGE} AND {cond}"),
        );
        assert!(r.is_empty(), "{cond}: {r:?}");
    }
}

#[test]
fn fill_leaves_sketch_columns_null() {
    let store = store();
    let q = |f: &str| {
        ok(
            &store,
            &format!(
                "SELECT sketch(latency_ms), count(latency_ms) FROM raw WHERE customer = 'c1' AND \
                 time >= '2024-01-01T02:00:00Z' AND time < '2024-01-01T05:00:00Z' GROUP BY time(1h) {f}"
            ),
        )
    };
    for f in ["fill(0)", "fill(linear)", "fill(null)"] {
        let r = q(f);
        assert_eq!(r[0].values.len(), 3, "{f}");
        assert!(matches!(r[0].values[0][1], Value::Sketch(_)), "{f}");
        assert_eq!(r[0].values[1][1], Value::Null, "{f}");
        assert_eq!(r[0].values[2][1], Value::Null, "{f}");
    }
    assert_eq!(q("fill(7)")[0].values[1][2], Value::Int(7));
}

#[test]
fn argument_and_type_errors_use_influxdb_texts() {
    let store = rolled_up();
    let e = |q: &str| err(&store, &format!("{q} WHERE {RANGE}"));
    assert_eq!(
        e("SELECT sketch() FROM raw"),
        "invalid number of arguments for sketch, expected at least 1 but no more than 2, got 0"
    );
    assert_eq!(
        e("SELECT sketch(latency_ms, 0.01, 3) FROM raw"),
        "invalid number of arguments for sketch, expected at least 1 but no more than 2, got 3"
    );
    assert_eq!(
        e("SELECT sketch(latency_ms, 0.9) FROM raw"),
        tsdb::sketch::SketchError::Accuracy(0.9).to_string()
    );
    assert_eq!(
        e("SELECT sketch(latency_ms, 'x') FROM raw"),
        "expected float argument in sketch()"
    );
    assert_eq!(
        e("SELECT sketch(1) FROM raw"),
        "expected field argument in sketch()"
    );
    assert_eq!(
        e("SELECT percentile_approx(latency_ms) FROM raw"),
        "invalid number of arguments for percentile_approx, expected at least 2 but no more than 3, got 1"
    );
    assert_eq!(
        e("SELECT sketch(status) FROM raw"),
        "unsupported sketch iterator type: *query.stringInterruptIterator"
    );
    assert_eq!(
        e("SELECT percentile_approx(status, 50) FROM raw"),
        "unsupported percentile_approx iterator type: *query.stringInterruptIterator"
    );
    assert_eq!(
        e("SELECT sketch(latency_ms, 0.02) FROM rollup_1h"),
        tsdb::sketch::SketchError::AccuracyMismatch(0.02, 0.01).to_string()
    );
    for f in ["spread", "stddev", "mode", "distinct", "integral"] {
        assert_eq!(
            e(&format!("SELECT {f}(latency_ms) FROM rollup_1h")),
            format!("unsupported {f} iterator type: *query.sketchInterruptIterator"),
        );
    }
    assert_eq!(
        e("SELECT top(latency_ms, 2) FROM rollup_1h"),
        "unsupported top iterator type: *query.sketchInterruptIterator"
    );
    assert_eq!(
        e("SELECT derivative(latency_ms) FROM rollup_1h"),
        "unsupported derivative iterator type: *query.sketchInterruptIterator"
    );
    assert_eq!(
        e("SELECT latency_ms * 2 FROM rollup_1h"),
        "type error: latency_ms * 2: incompatible types: sketch and integer"
    );
}

#[test]
fn sketches_of_different_accuracy_do_not_merge() {
    let store = MemStore::new();
    store
        .create_database("t", None)
        .unwrap_or_else(|e| panic!("{e}"));
    for (k, alpha) in [0.01, 0.02].into_iter().enumerate() {
        let mut s = Sketch::new(alpha).unwrap_or_else(|e| panic!("{e}"));
        s.extend_from(&[1.0, 2.0, 3.0]);
        store.write(
            "t",
            "r",
            &[],
            vec![("lat", FieldValue::Sketch(Arc::new(s)))],
            T0 + k as i64 * S,
        );
    }
    assert_eq!(
        err(&store, "SELECT percentile(lat, 50) FROM r WHERE time >= 0"),
        tsdb::sketch::SketchError::AccuracyMismatch(0.01, 0.02).to_string()
    );
    // One per bucket is fine.
    let r = ok(
        &store,
        &format!("SELECT percentile(lat, 50) FROM r WHERE {RANGE} GROUP BY time(1s) fill(none)"),
    );
    assert_eq!(r[0].values.len(), 2);
}

#[test]
fn subqueries_pass_sketches_to_the_outer_query() {
    let store = store();
    let outer = ok(
        &store,
        &format!(
            "SELECT percentile(latency_ms, 99) FROM (SELECT sketch(latency_ms) AS latency_ms FROM raw \
             WHERE {RANGE} GROUP BY time(10m), customer) WHERE {RANGE} GROUP BY customer"
        ),
    );
    let direct = ok(
        &store,
        &format!(
            "SELECT percentile_approx(latency_ms, 99) FROM raw WHERE {RANGE} GROUP BY customer"
        ),
    );
    assert_eq!(outer.len(), 2);
    let vals = |r: &[Series]| -> Vec<Value> { r.iter().map(|s| s.values[0][1].clone()).collect() };
    assert_eq!(vals(&outer), vals(&direct));
}
