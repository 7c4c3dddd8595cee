//! Unit tests for the function library, including the numbers of the reference's test data set
//! (`t.lat`, influxdb1-behaviour.md §9 appendix) observed on InfluxDB 1.6.7.

use proptest::prelude::*;

use super::*;
use crate::ast::{BinaryOp, Expr, Literal};
use crate::response::Value;

const T0: i64 = 1_704_067_200_000_000_000; // 2024-01-01T00:00:00Z
const S: i64 = 1_000_000_000;

fn host_a() -> Points {
    let secs = [0, 30, 70, 120, 299, 300, 610];
    Points {
        times: secs.iter().map(|s| T0 + s * S).collect(),
        values: Values::Float(vec![0.5, 3.5, 7.5, 12.5, 29.5, 30.5, 61.5]),
    }
}

fn host_b() -> Points {
    let secs = [10, 50, 130, 400];
    Points {
        times: secs.iter().map(|s| T0 + s * S).collect(),
        values: Values::Float(vec![2.25, 10.25, 26.25, 80.25]),
    }
}

/// Both hosts merged in time order.
fn all() -> Points {
    let (a, b) = (host_a(), host_b());
    let (Values::Float(av), Values::Float(bv)) = (&a.values, &b.values) else {
        unreachable!()
    };
    let mut rows: Vec<(i64, f64)> = a
        .times
        .iter()
        .copied()
        .zip(av.iter().copied())
        .chain(b.times.iter().copied().zip(bv.iter().copied()))
        .collect();
    rows.sort_by_key(|r| r.0);
    Points {
        times: rows.iter().map(|r| r.0).collect(),
        values: Values::Float(rows.iter().map(|r| r.1).collect()),
    }
}

fn lit_i(v: i64) -> Expr {
    Expr::Literal(Literal::Integer(v))
}

fn agg(name: &str, args: Vec<Expr>) -> AggregateCall {
    AggregateCall::new(name, &args)
        .expect("valid call")
        .expect("an aggregate")
}

fn agg_err(name: &str, args: Vec<Expr>) -> String {
    AggregateCall::new(name, &args)
        .expect_err("invalid call")
        .to_string()
}

fn one(name: &str, extra: Vec<Expr>, p: &Points) -> Reduced {
    let mut args = vec![Expr::var("value")];
    args.extend(extra);
    let out = reduce(&agg(name, args), p).expect("reduces");
    assert_eq!(out.len(), 1, "{name}: {out:?}");
    out.into_iter().next().expect("one row")
}

fn tr(name: &str, extra: Vec<Expr>) -> TransformCall {
    let mut args = vec![Expr::var("value")];
    args.extend(extra);
    TransformCall::new(name, &args)
        .expect("valid call")
        .expect("a transformation")
}

fn rows(p: &Points) -> Vec<(i64, Value)> {
    let Values::Float(v) = &p.values else {
        panic!("float points")
    };
    p.times
        .iter()
        .copied()
        .zip(v.iter().map(|&x| Value::Float(x)))
        .collect()
}

fn floats(out: &[(i64, Value)]) -> Vec<f64> {
    out.iter()
        .map(|(_, v)| match v {
            Value::Float(f) => *f,
            other => panic!("not a float: {other:?}"),
        })
        .collect()
}

// ---- appendix numbers -------------------------------------------------------------------------

#[test]
fn stddev_spread_of_the_test_set() {
    assert_eq!(
        one("stddev", vec![], &all()).value,
        Value::Float(25.859190383164112)
    );
    assert_eq!(one("spread", vec![], &all()).value, Value::Float(79.75));
}

#[test]
fn percentile_of_the_test_set() {
    let p95 = one("percentile", vec![lit_i(95)], &all());
    assert_eq!(p95.value, Value::Float(61.5));
    assert_eq!(p95.time, Some(T0 + 610 * S));
    assert_eq!(
        one("percentile", vec![lit_i(50)], &all()).value,
        Value::Float(12.5)
    );
    // N=101 with n=11 still returns the max (index 10).
    assert_eq!(
        one("percentile", vec![lit_i(101)], &all()).value,
        Value::Float(80.25)
    );
    // Index below 0 → no row.
    let out = reduce(
        &agg("percentile", vec![Expr::var("value"), lit_i(1)]),
        &all(),
    )
    .expect("reduces");
    assert!(out.is_empty());
}

#[test]
fn derivative_host_a() {
    let out = transform(
        &tr("derivative", vec![]),
        &TransformContext::default(),
        &rows(&host_a()),
    )
    .expect("ok");
    assert_eq!(
        floats(&out),
        vec![0.1, 0.1, 0.1, 0.09497206703910614, 1.0, 0.1]
    );
    assert_eq!(out[0].0, T0 + 30 * S, "rows start at the second point");
}

#[test]
fn integral_host_b() {
    assert_eq!(
        one("integral", vec![], &host_b()).value,
        Value::Float(16087.5)
    );
    let m = Expr::Literal(Literal::Duration(60 * S));
    assert_eq!(
        one("integral", vec![m], &host_b()).value,
        Value::Float(268.125)
    );
}

#[test]
fn moving_average_drops_first_n_minus_1() {
    let out = transform(
        &tr("moving_average", vec![lit_i(3)]),
        &TransformContext::default(),
        &rows(&host_a()),
    )
    .expect("ok");
    assert_eq!(out.len(), 5);
    assert_eq!(out[0], (T0 + 70 * S, Value::Float((0.5 + 3.5 + 7.5) / 3.0)));
}

#[test]
fn elapsed_default_ns_and_unit() {
    let out = transform(
        &tr("elapsed", vec![]),
        &TransformContext::default(),
        &rows(&host_b()),
    )
    .expect("ok");
    assert_eq!(out[0], (T0 + 50 * S, Value::Int(40_000_000_000)));
    let out = transform(
        &tr("elapsed", vec![Expr::Literal(Literal::Duration(S))]),
        &TransformContext::default(),
        &rows(&host_b()),
    )
    .expect("ok");
    assert_eq!(
        out.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
        vec![Value::Int(40), Value::Int(80), Value::Int(270)]
    );
}

// ---- aggregates -------------------------------------------------------------------------------

#[test]
fn mean_median_mode_sum_count() {
    let p = all();
    let m = one("mean", vec![], &p);
    assert_eq!(m.time, None);
    assert_eq!(m.value, Value::Float(264.5 / 11.0));
    assert_eq!(one("median", vec![], &p).value, Value::Float(12.5));
    assert_eq!(
        one("median", vec![], &host_b()).value,
        Value::Float(10.25 + (26.25 - 10.25) / 2.0)
    );
    assert_eq!(one("count", vec![], &p).value, Value::Int(11));
    let ints = Points {
        times: vec![1, 2, 3, 4],
        values: Values::Integer(vec![5, 7, 7, 5]),
    };
    assert_eq!(one("sum", vec![], &ints).value, Value::Int(24));
    assert_eq!(one("mean", vec![], &ints).value, Value::Float(6.0));
    assert_eq!(one("median", vec![], &ints).value, Value::Float(6.0));
    assert_eq!(one("spread", vec![], &ints).value, Value::Int(2));
    // Mode, InfluxDB's tie rule: 5 reaches count 2 at t=4; 7's run starts at t=2 ≤ 4 → 7 wins.
    assert_eq!(one("mode", vec![], &ints).value, Value::Int(7));
    let ints = Points {
        times: vec![1, 2, 3, 4],
        values: Values::Integer(vec![5, 5, 7, 7]),
    };
    // 5 reaches count 2 at t=2; 7's run starts at t=3 > 2 → 5 stays.
    assert_eq!(one("mode", vec![], &ints).value, Value::Int(5));
    let strs = Points {
        times: vec![1, 2, 3],
        values: Values::String(vec!["b".into(), "a".into(), "b".into()]),
    };
    assert_eq!(one("mode", vec![], &strs).value, Value::Str("b".into()));
    let bools = Points {
        times: vec![1, 2],
        values: Values::Boolean(vec![false, true]),
    };
    assert_eq!(one("mode", vec![], &bools).value, Value::Bool(true));
}

#[test]
fn stddev_of_one_point_is_null() {
    let p = Points {
        times: vec![1],
        values: Values::Float(vec![3.0]),
    };
    assert_eq!(one("stddev", vec![], &p).value, Value::Null);
}

#[test]
fn distinct_and_count_distinct() {
    let p = Points {
        times: vec![1, 2, 3, 4],
        values: Values::Integer(vec![500, 200, 500, 200]),
    };
    // First-seen order, not value order (1.6.7 answers 500 before 200 here).
    let out = reduce(&agg("distinct", vec![Expr::var("code")]), &p).expect("ok");
    assert_eq!(
        out.iter().map(|r| r.value.clone()).collect::<Vec<_>>(),
        vec![Value::Int(500), Value::Int(200)]
    );
    let cd = agg(
        "count",
        vec![Expr::Call {
            name: "distinct".into(),
            args: vec![Expr::var("code")],
        }],
    );
    assert_eq!(cd.func, AggregateFn::CountDistinct);
    assert_eq!(cd.field, Expr::var("code"));
    assert_eq!(reduce(&cd, &p).expect("ok")[0].value, Value::Int(2));
}

/// Values first seen at the same time (from different series) come in value order; a value seen
/// again later keeps its first time (1.6.7: 5@1, 9@5, then 2 and 3 both @10, then 1@20).
#[test]
fn distinct_orders_by_first_time_then_value() {
    let distinct = |values: Values| {
        let p = Points {
            times: vec![1, 5, 10, 10, 10, 20],
            values,
        };
        reduce(&agg("distinct", vec![Expr::var("v")]), &p)
            .expect("ok")
            .into_iter()
            .map(|r| r.value)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        distinct(Values::Float(vec![5.0, 9.0, 5.0, 3.0, 2.0, 1.0])),
        [5.0, 9.0, 2.0, 3.0, 1.0].map(Value::Float)
    );
    let strings = ["z", "a", "z", "y", "b", "x"].map(String::from).to_vec();
    assert_eq!(
        distinct(Values::String(strings)),
        ["z", "a", "b", "y", "x"].map(|s| Value::Str(s.into()))
    );
    assert_eq!(
        distinct(Values::Boolean(vec![true, true, true, false, false, true])),
        [true, false].map(Value::Bool)
    );
    let p = Points {
        times: vec![1, 5, 10, 10, 10, 20],
        values: Values::Unsigned(vec![5, 9, 5, 3, 2, 1]),
    };
    let cd = agg(
        "count",
        vec![Expr::Call {
            name: "distinct".into(),
            args: vec![Expr::var("v")],
        }],
    );
    assert_eq!(reduce(&cd, &p).expect("ok")[0].value, Value::Int(5));
}

#[test]
fn empty_bucket_gives_no_row() {
    let p = Points {
        times: vec![],
        values: Values::Float(vec![]),
    };
    for f in ["count", "mean", "max", "sum", "stddev"] {
        assert!(
            reduce(&agg(f, vec![Expr::var("v")]), &p)
                .expect("ok")
                .is_empty(),
            "{f}"
        );
    }
}

#[test]
fn type_errors_use_influxdb_text() {
    let p = Points {
        times: vec![1],
        values: Values::String(vec!["x".into()]),
    };
    let e = reduce(&agg("mean", vec![Expr::var("msg")]), &p).expect_err("strings");
    assert_eq!(
        e.to_string(),
        "unsupported mean iterator type: *query.stringInterruptIterator"
    );
    let b = Points {
        times: vec![1],
        values: Values::Boolean(vec![true]),
    };
    assert!(reduce(&agg("sum", vec![Expr::var("ok")]), &b).is_err());
    // max, count, first accept booleans.
    assert_eq!(
        reduce(&agg("max", vec![Expr::var("ok")]), &b).expect("ok")[0].value,
        Value::Bool(true)
    );
    assert_eq!(
        reduce(&agg("count", vec![Expr::var("msg")]), &p).expect("ok")[0].value,
        Value::Int(1)
    );
}

// ---- selectors --------------------------------------------------------------------------------

#[test]
fn selector_ties() {
    // max/min ties → earliest.
    let p = Points {
        times: vec![10, 20, 30],
        values: Values::Float(vec![5.0, 5.0, 1.0]),
    };
    let max = one("max", vec![], &p);
    assert_eq!((max.time, max.index), (Some(10), Some(0)));
    let min = one("min", vec![], &p);
    assert_eq!(min.time, Some(30));
    // first/last at equal times → the greater value.
    let q = Points {
        times: vec![10, 10, 20, 20],
        values: Values::Integer(vec![1, 3, 4, 2]),
    };
    assert_eq!(one("first", vec![], &q).index, Some(1));
    assert_eq!(one("last", vec![], &q).index, Some(2));
    let b = Points {
        times: vec![10, 10],
        values: Values::Boolean(vec![true, false]),
    };
    assert_eq!(one("first", vec![], &b).value, Value::Bool(false));
    assert_eq!(one("last", vec![], &b).value, Value::Bool(true));
}

#[test]
fn top_bottom_time_ordered_and_grouped() {
    let p = all();
    let out = reduce(&agg("top", vec![Expr::var("value"), lit_i(3)]), &p).expect("ok");
    let got: Vec<_> = out.iter().map(|r| (r.time, r.value.clone())).collect();
    assert_eq!(
        got,
        vec![
            (Some(T0 + 300 * S), Value::Float(30.5)),
            (Some(T0 + 400 * S), Value::Float(80.25)),
            (Some(T0 + 610 * S), Value::Float(61.5)),
        ]
    );
    let out = reduce(&agg("bottom", vec![Expr::var("value"), lit_i(2)]), &p).expect("ok");
    assert_eq!(
        out.iter().map(|r| r.value.clone()).collect::<Vec<_>>(),
        vec![Value::Float(0.5), Value::Float(2.25)]
    );
    // top(value, host, 2): one point per host → each host's max.
    let call = agg("top", vec![Expr::var("value"), Expr::var("host"), lit_i(2)]);
    assert_eq!(call.tags, vec!["host".to_string()]);
    let hosts: Vec<u32> = p
        .times
        .iter()
        .map(|t| u32::from(host_b().times.contains(t)))
        .collect();
    let out = reduce_grouped(&call, &p, Some(&hosts)).expect("ok");
    assert_eq!(
        out.iter().map(|r| r.value.clone()).collect::<Vec<_>>(),
        vec![Value::Float(80.25), Value::Float(61.5)]
    );
}

#[test]
fn sample_is_deterministic_and_time_ordered() {
    let p = all();
    let call = agg("sample", vec![Expr::var("value"), lit_i(4)]);
    let a = reduce(&call, &p).expect("ok");
    assert_eq!(a, reduce(&call, &p).expect("ok"));
    assert_eq!(a.len(), 4);
    assert!(a.windows(2).all(|w| w[0].time < w[1].time));
    assert_eq!(
        reduce(&agg("sample", vec![Expr::var("value"), lit_i(40)]), &p)
            .expect("ok")
            .len(),
        11
    );
}

// ---- argument validation ----------------------------------------------------------------------

#[test]
fn argument_errors() {
    assert_eq!(
        agg_err("percentile", vec![Expr::var("v")]),
        "invalid number of arguments for percentile, expected 2, got 1"
    );
    assert_eq!(
        agg_err(
            "percentile",
            vec![Expr::var("v"), Expr::Literal(Literal::String("x".into()))]
        ),
        "expected float argument in percentile()"
    );
    assert_eq!(
        agg_err("top", vec![Expr::var("v")]),
        "invalid number of arguments for top, expected at least 2, got 1"
    );
    assert_eq!(
        agg_err("top", vec![Expr::var("v"), lit_i(0)]),
        "limit (0) in top function must be at least 1"
    );
    assert_eq!(
        agg_err("mean", vec![]),
        "invalid number of arguments for mean, expected 1, got 0"
    );
    assert_eq!(
        agg_err("mean", vec![lit_i(1)]),
        "expected field argument in mean()"
    );
    assert_eq!(
        agg_err("sample", vec![Expr::var("v"), lit_i(0)]),
        "sample window must be greater than 1, got 0"
    );
    assert_eq!(
        agg_err("integral", vec![Expr::var("v"), lit_i(1)]),
        "second argument must be a duration"
    );
    assert_eq!(
        agg_err("distinct", vec![]),
        "distinct function requires at least one argument"
    );
    assert!(
        AggregateCall::new("derivative", &[Expr::var("v")])
            .expect("not an error")
            .is_none()
    );
    let e = TransformCall::new("moving_average", &[Expr::var("v"), lit_i(1)]).expect_err("window");
    assert_eq!(
        e.to_string(),
        "moving_average window must be greater than 1, got 1"
    );
    let e = TransformCall::new("derivative", &[Expr::var("v"), lit_i(1)]).expect_err("unit");
    assert_eq!(
        e.to_string(),
        "second argument to derivative must be a duration, got *influxql.IntegerLiteral"
    );
    let e = TransformCall::new("holt_winters", &[Expr::var("v"), lit_i(1), lit_i(1)])
        .expect_err("needs agg");
    assert_eq!(
        e.to_string(),
        "must use aggregate function with holt_winters"
    );
    assert!(
        TransformCall::new("mean", &[Expr::var("v")])
            .expect("not an error")
            .is_none()
    );
    assert_eq!(
        tr("non_negative_derivative", vec![]).name(),
        "non_negative_derivative"
    );
}

// ---- transformations --------------------------------------------------------------------------

#[test]
fn derivative_uses_group_by_interval_and_skips_nulls() {
    let ctx = TransformContext {
        interval: Some(60 * S),
        ..Default::default()
    };
    let r = vec![
        (0, Value::Float(1.0)),
        (60 * S, Value::Null),
        (120 * S, Value::Float(5.0)),
    ];
    let out = transform(&tr("derivative", vec![]), &ctx, &r).expect("ok");
    assert_eq!(out, vec![(120 * S, Value::Float(2.0))]);
}

#[test]
fn non_negative_and_difference_types() {
    let r = vec![(1, Value::Int(5)), (2, Value::Int(3)), (3, Value::Int(10))];
    let ctx = TransformContext::default();
    assert_eq!(
        transform(&tr("difference", vec![]), &ctx, &r).expect("ok"),
        vec![(2, Value::Int(-2)), (3, Value::Int(7))]
    );
    assert_eq!(
        transform(&tr("non_negative_difference", vec![]), &ctx, &r).expect("ok"),
        vec![(3, Value::Int(7))]
    );
    let nnd = transform(&tr("non_negative_derivative", vec![]), &ctx, &r).expect("ok");
    assert_eq!(nnd, vec![(3, Value::Float(7.0 * 1e9))]);
    assert_eq!(
        transform(&tr("cumulative_sum", vec![]), &ctx, &r).expect("ok"),
        vec![(1, Value::Int(5)), (2, Value::Int(8)), (3, Value::Int(18))]
    );
    let s = vec![(1, Value::Str("x".into()))];
    assert!(transform(&tr("difference", vec![]), &ctx, &s).is_err());
}

#[test]
fn descending_processes_newest_first() {
    let r = vec![(S, Value::Float(1.0)), (2 * S, Value::Float(3.0))];
    let ctx = TransformContext {
        descending: true,
        ..Default::default()
    };
    assert_eq!(
        transform(&tr("derivative", vec![]), &ctx, &r).expect("ok"),
        vec![(S, Value::Float(-2.0))]
    );
}

#[test]
fn holt_winters_forecasts_h_points_on_the_grid() {
    let call = TransformCall::new(
        "holt_winters",
        &[
            Expr::Call {
                name: "mean".into(),
                args: vec![Expr::var("v")],
            },
            lit_i(3),
            lit_i(0),
        ],
    )
    .expect("valid")
    .expect("hw");
    let r: Vec<(i64, Value)> = (0..10)
        .map(|i| (i * 60 * S, Value::Float(10.0 + 2.0 * i as f64)))
        .collect();
    let ctx = TransformContext {
        interval: Some(60 * S),
        ..Default::default()
    };
    let out = transform(&call, &ctx, &r).expect("ok");
    assert_eq!(
        out.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![600 * S, 660 * S, 720 * S]
    );
    // A straight line is forecast as (nearly) a straight line.
    for (k, v) in floats(&out).iter().enumerate() {
        let want = 30.0 + 2.0 * k as f64;
        assert!((v - want).abs() < 1.0, "forecast {k}: {v} vs {want}");
    }
}

// ---- scalar -----------------------------------------------------------------------------------

#[test]
fn binary_typing() {
    use Value::*;
    assert_eq!(
        eval_binary(BinaryOp::Div, &Int(200), &Int(3)),
        Float(200.0 / 3.0)
    );
    assert_eq!(eval_binary(BinaryOp::Mod, &Int(200), &Int(7)), Int(4));
    assert_eq!(eval_binary(BinaryOp::Add, &Int(1), &Float(0.5)), Float(1.5));
    assert_eq!(eval_binary(BinaryOp::Mul, &Null, &Int(2)), Null);
    assert_eq!(
        eval_binary(BinaryOp::Div, &Float(1.0), &Float(0.0)),
        Float(0.0)
    );
    assert_eq!(eval_binary(BinaryOp::BitAnd, &Int(6), &Int(3)), Int(2));
    assert_eq!(
        eval_binary(BinaryOp::BitXor, &Bool(true), &Bool(false)),
        Bool(true)
    );
    assert_eq!(eval_binary(BinaryOp::BitOr, &Float(1.0), &Float(2.0)), Null);
    assert_eq!(eval_binary(BinaryOp::Add, &Str("a".into()), &Int(1)), Null);
}

#[test]
fn math_functions() {
    use Value::*;
    let m = |n: &str, a: &[Value]| eval_math(n, a).expect("ok").expect("a math fn");
    assert_eq!(m("abs", &[Int(-3)]), Int(3));
    assert_eq!(m("floor", &[Int(3)]), Int(3));
    assert_eq!(m("round", &[Float(-2.5)]), Float(-3.0));
    assert_eq!(m("sqrt", &[Int(16)]), Float(4.0));
    assert_eq!(m("pow", &[Int(2), Int(10)]), Float(1024.0));
    assert_eq!(m("log", &[Int(8), Int(2)]), Float(8f64.ln() / 2f64.ln()));
    assert_eq!(m("sin", &[Str("x".into())]), Null);
    assert!(eval_math("mean", &[Int(1)]).expect("ok").is_none());
    let e = eval_math("pow", &[Int(1)]).expect_err("arity");
    assert_eq!(
        e.to_string(),
        "invalid number of arguments for pow, expected 2, got 1"
    );
}

// ---- properties -------------------------------------------------------------------------------

fn pts(v: Vec<i64>) -> Points {
    Points {
        times: (0..v.len() as i64).collect(),
        values: Values::Integer(v),
    }
}

proptest! {
    #[test]
    fn sum_count_mean_match_a_naive_fold(v in proptest::collection::vec(-1_000_000i64..1_000_000, 1..200)) {
        let p = pts(v.clone());
        let naive: i64 = v.iter().sum();
        prop_assert_eq!(one("sum", vec![], &p).value, Value::Int(naive));
        prop_assert_eq!(one("count", vec![], &p).value, Value::Int(v.len() as i64));
        prop_assert_eq!(one("mean", vec![], &p).value, Value::Float(naive as f64 / v.len() as f64));
    }

    #[test]
    fn percentile_follows_the_nearest_rank_rule(v in proptest::collection::vec(-1000i64..1000, 1..100), pct in 0.0f64..110.0) {
        let p = pts(v.clone());
        let out = reduce(&agg("percentile", vec![Expr::var("v"), Expr::Literal(Literal::Float(pct))]), &p).expect("ok");
        let mut sorted = v.clone();
        sorted.sort();
        let i = (v.len() as f64 * pct / 100.0 + 0.5).floor() as i64 - 1;
        if i < 0 || i >= v.len() as i64 {
            prop_assert!(out.is_empty());
        } else {
            prop_assert_eq!(&out[0].value, &Value::Int(sorted[i as usize]));
            let idx = out[0].index.expect("index");
            prop_assert_eq!(v[idx], sorted[i as usize]);
        }
    }

    #[test]
    fn cumulative_sum_ends_at_the_sum(v in proptest::collection::vec(-1_000_000i64..1_000_000, 1..200)) {
        let r: Vec<(i64, Value)> = v.iter().enumerate().map(|(i, x)| (i as i64, Value::Int(*x))).collect();
        let out = transform(&tr("cumulative_sum", vec![]), &TransformContext::default(), &r).expect("ok");
        prop_assert_eq!(out.len(), v.len());
        prop_assert_eq!(out.last().map(|r| r.1.clone()), Some(Value::Int(v.iter().sum())));
    }

    #[test]
    fn top_returns_the_n_largest(v in proptest::collection::vec(-1000i64..1000, 1..100), n in 1usize..10) {
        let p = pts(v.clone());
        let out = reduce(&agg("top", vec![Expr::var("v"), lit_i(n as i64)]), &p).expect("ok");
        let mut sorted = v.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        let mut got: Vec<i64> = out.iter().map(|r| match r.value { Value::Int(i) => i, _ => 0 }).collect();
        got.sort_by(|a, b| b.cmp(a));
        prop_assert_eq!(got, sorted[..n.min(v.len())].to_vec());
        prop_assert!(out.windows(2).all(|w| w[0].time <= w[1].time));
    }
}

#[test]
fn exponential_moving_averages() {
    let r: Vec<(i64, Value)> = [1.0, 2.0, 3.0, 4.0, 5.0]
        .iter()
        .enumerate()
        .map(|(i, v)| (i as i64, Value::Float(*v)))
        .collect();
    let ctx = TransformContext::default();
    // EMA(3), exponential warm-up: 1; 1+(2-1)*2/3; then alpha = 2/4 once warmed (count == 3).
    let out = floats(
        &transform(
            &tr("exponential_moving_average", vec![lit_i(3), lit_i(0)]),
            &ctx,
            &r,
        )
        .expect("ok"),
    );
    let e1 = 1.0;
    let e2 = (2.0 - e1) * (2.0 / 3.0) + e1;
    let e3 = (3.0 - e2) * (2.0 / 4.0) + e2;
    let e4 = (4.0 - e3) * 0.5 + e3;
    assert_eq!(&out[..4], &[e1, e2, e3, e4]);
    // Default hold = period - 1 → the first 2 rows are held back.
    let held = transform(&tr("exponential_moving_average", vec![lit_i(3)]), &ctx, &r).expect("ok");
    assert_eq!(held.len(), 3);
    assert_eq!(held[0].0, 2);
    // Simple warm-up: running mean while warming.
    let simple = Expr::Literal(Literal::String("simple".into()));
    let out = floats(
        &transform(
            &tr(
                "exponential_moving_average",
                vec![lit_i(3), lit_i(0), simple],
            ),
            &ctx,
            &r,
        )
        .expect("ok"),
    );
    assert_eq!(&out[..3], &[1.0, 1.5, 2.0]);
    // A constant series stays constant through DEMA and TEMA.
    let c: Vec<(i64, Value)> = (0..10).map(|i| (i, Value::Float(7.0))).collect();
    for f in [
        "double_exponential_moving_average",
        "triple_exponential_moving_average",
    ] {
        let out = floats(&transform(&tr(f, vec![lit_i(3)]), &ctx, &c).expect("ok"));
        assert!(out.iter().all(|v| (*v - 7.0).abs() < 1e-12), "{f}: {out:?}");
    }
    // RSI starts from a previous value of 0: one upward move and no downward one → 100 throughout.
    let rsi =
        floats(&transform(&tr("relative_strength_index", vec![lit_i(3)]), &ctx, &c).expect("ok"));
    assert_eq!(rsi.len(), 7, "held back for the warm-up count (period 3)");
    assert!(rsi.iter().all(|v| *v == 100.0), "{rsi:?}");
}

/// InfluxDB 1.6.7 on v = 10 + 2i at 1m steps, `holt_winters(mean(v), 3, 0) GROUP BY time(1m)`:
/// 30.16255534108947, 32.31607362686581, 34.51301016674569 (recorded by hand on this machine).
#[test]
fn holt_winters_equals_influxdb() {
    let call = TransformCall::new(
        "holt_winters",
        &[
            Expr::Call {
                name: "mean".into(),
                args: vec![Expr::var("v")],
            },
            lit_i(3),
            lit_i(0),
        ],
    )
    .expect("valid")
    .expect("hw");
    let r: Vec<(i64, Value)> = (0..10)
        .map(|i| (T0 + i * 60 * S, Value::Float(10.0 + 2.0 * i as f64)))
        .collect();
    let ctx = TransformContext {
        interval: Some(60 * S),
        ..Default::default()
    };
    let got = floats(&transform(&call, &ctx, &r).expect("ok"));
    let want = [30.16255534108947, 32.31607362686581, 34.51301016674569];
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() / w < 1e-9, "{g} vs {w}");
    }
}

/// Null rows (empty buckets under fill(null)) are skipped: they neither feed the algorithm nor
/// count towards the hold period, and produce no output row.
#[test]
fn technical_analysis_skips_null_rows() {
    let ctx = TransformContext::default();
    let vals = [3.0, 5.0, 4.0, 8.0, 7.5, 9.0, 2.0, 6.0];
    let dense: Vec<(i64, Value)> = vals
        .iter()
        .enumerate()
        .map(|(i, v)| (i as i64 * 2, Value::Float(*v)))
        .collect();
    let mut sparse = Vec::new();
    for (t, v) in &dense {
        sparse.push((*t, v.clone()));
        sparse.push((*t + 1, Value::Null));
    }
    for name in [
        "relative_strength_index",
        "triple_exponential_derivative",
        "kaufmans_efficiency_ratio",
        "kaufmans_adaptive_moving_average",
        "chande_momentum_oscillator",
    ] {
        let call = tr(name, vec![lit_i(3)]);
        let a = transform(&call, &ctx, &dense).expect("ok");
        let b = transform(&call, &ctx, &sparse).expect("ok");
        assert!(!a.is_empty(), "{name}");
        assert_eq!(a, b, "{name}");
    }
}

fn sketch_points(parts: &[&[f64]]) -> (Points, tsdb::Sketch) {
    let mut whole = tsdb::Sketch::default();
    let mut sketches = Vec::new();
    for p in parts {
        let mut s = tsdb::Sketch::default();
        s.extend_from(p);
        whole.extend_from(p);
        sketches.push(std::sync::Arc::new(s));
    }
    let points = Points {
        times: (0..parts.len() as i64).map(|i| T0 + i * S).collect(),
        values: Values::Sketch(sketches),
    };
    (points, whole)
}

#[test]
fn sketch_calls_over_numbers_and_over_sketches() {
    // sketch() of numbers = a sketch built by hand; of sketches = their merge.
    let r = one("sketch", vec![], &all());
    let mut want = tsdb::Sketch::default();
    if let Values::Float(v) = &all().values {
        want.extend_from(v);
    }
    assert_eq!(r.value, Value::Sketch(std::sync::Arc::new(want.clone())));
    assert_eq!((r.time, r.index), (None, None));
    let (points, whole) = sketch_points(&[&[0.5, 3.5, 7.5], &[12.5, 29.5], &[30.5, 61.5, 2.25]]);
    assert_eq!(
        one("sketch", vec![], &points).value,
        Value::Sketch(std::sync::Arc::new(whole.clone()))
    );
    // The other aggregates answer from the merge.
    let p99 = Expr::Literal(Literal::Integer(99));
    assert_eq!(one("count", vec![], &points).value, Value::Int(8));
    assert_eq!(one("max", vec![], &points).value, Value::Float(61.5));
    assert_eq!(one("min", vec![], &points).value, Value::Float(0.5));
    assert_eq!(
        one("percentile", vec![p99.clone()], &points).value,
        whole.percentile(99.0).map_or(Value::Null, Value::Float)
    );
    assert_eq!(
        one("median", vec![], &points).value,
        whole.median().map_or(Value::Null, Value::Float)
    );
    // percentile_approx over numbers: the percentile of their sketch, within α of the exact one.
    let approx = one(
        "percentile_approx",
        vec![Expr::Literal(Literal::Integer(50))],
        &all(),
    );
    assert_eq!(
        approx.value,
        want.percentile(50.0).map_or(Value::Null, Value::Float)
    );
    let exact = one(
        "percentile",
        vec![Expr::Literal(Literal::Integer(50))],
        &all(),
    );
    match (approx.value, exact.value) {
        (Value::Float(a), Value::Float(e)) => assert!((a - e).abs() <= 0.01 * e),
        other => panic!("{other:?}"),
    }
    // Functions without a sketch answer.
    for f in ["spread", "mode", "stddev", "distinct", "first"] {
        let e = reduce(&agg(f, vec![Expr::var("value")]), &points)
            .expect_err("no sketch answer")
            .to_string();
        assert_eq!(
            e,
            format!("unsupported {f} iterator type: *query.sketchInterruptIterator")
        );
    }
}

#[test]
fn sketch_call_arguments_are_checked() {
    let v = || Expr::var("value");
    let f = |x: f64| Expr::Literal(Literal::Float(x));
    assert_eq!(agg("sketch", vec![v(), f(0.05)]).accuracy, Some(0.05));
    assert_eq!(agg("sketch", vec![v()]).accuracy, None);
    assert_eq!(
        agg("percentile_approx", vec![v(), lit_i(90), f(0.02)]).accuracy,
        Some(0.02)
    );
    assert_eq!(
        agg_err("sketch", vec![v(), f(0.0001)]),
        tsdb::sketch::SketchError::Accuracy(0.0001).to_string()
    );
    assert_eq!(
        agg_err("percentile_approx", vec![v(), lit_i(90), f(0.7)]),
        tsdb::sketch::SketchError::Accuracy(0.7).to_string()
    );
    assert_eq!(
        agg_err("percentile_approx", vec![v(), v()]),
        "expected float argument in percentile_approx()"
    );
    assert_eq!(
        agg_err("sketch", vec![lit_i(1)]),
        "expected field argument in sketch()"
    );
}
