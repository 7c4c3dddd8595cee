//! Unit tests of WHERE analysis and aggregation over columns.

use tsdb::{Column, FieldType, FieldValue};

use super::*;
use crate::ast::{Expr, Statement};
use crate::parser::parse_statement;
use crate::response::Value;

fn condition(q: &str) -> Expr {
    match parse_statement(q) {
        Ok(Statement::Select(s)) => s.condition.unwrap_or(Expr::var("none")),
        other => panic!("{other:?}"),
    }
}

fn filter(q: &str) -> Result<Filter, ExecError> {
    filter_from_condition(Some(&condition(q)), 1_000_000, &|n| n == "value")
}

#[test]
fn time_bounds() {
    let f = filter("SELECT v FROM m WHERE time > 10 AND time < 20 AND host = 'a'")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((f.min_time, f.max_time, f.has_lower_bound), (11, 19, true));
    assert_eq!(f.tag_equals, vec![("host".to_owned(), "a".to_owned())]);
    let f = filter("SELECT v FROM m WHERE 5 <= time and time <= now() - 1ms")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((f.min_time, f.max_time), (5, 0));
    assert!(f.is_empty_range());
    let f = filter("SELECT v FROM m WHERE time >= '1970-01-01T00:00:01Z' AND time <= 2s")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((f.min_time, f.max_time), (1_000_000_000, 2_000_000_000));
    let f = filter_from_condition(None, 0, &|_| false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (f.min_time, f.max_time, f.has_lower_bound),
        (i64::MIN, i64::MAX, false)
    );
}

#[test]
fn unsupported_conditions_are_errors() {
    for q in [
        "SELECT v FROM m WHERE host = 'a' OR host = 'b'",
        "SELECT v FROM m WHERE value > 1",
        "SELECT v FROM m WHERE host =~ /a/",
        "SELECT v FROM m WHERE time != 5",
    ] {
        assert!(matches!(filter(q), Err(ExecError::Unsupported(_))), "{q}");
    }
    assert!(matches!(
        filter("SELECT v FROM m WHERE time > 'yesterday'"),
        Err(ExecError::Invalid(_))
    ));
}

fn col(vals: &[Option<FieldValue<'static>>], ty: FieldType) -> Column {
    let mut c = Column::new(ty);
    for v in vals {
        match v {
            Some(v) => assert!(c.push(v)),
            None => c.push_absent(),
        }
    }
    c
}

#[test]
fn aggregates_over_columns() {
    let ints = col(
        &[
            Some(FieldValue::Integer(3)),
            None,
            Some(FieldValue::Integer(-7)),
            Some(FieldValue::Integer(3)),
        ],
        FieldType::Integer,
    );
    let times = [10, 20, 30, 40];
    let run = |f: AggFn| {
        let mut a = Aggregate::new(f);
        a.add_column(&ints, &times)
            .unwrap_or_else(|e| panic!("{e}"));
        a
    };
    assert_eq!(run(AggFn::Count).value(), Value::Int(3));
    assert_eq!(run(AggFn::Sum).value(), Value::Int(-1));
    assert_eq!(run(AggFn::Mean).value(), Value::Float(-1.0 / 3.0));
    assert_eq!(run(AggFn::Min).value(), Value::Int(-7));
    assert_eq!(run(AggFn::Min).selected_time(), Some(30));
    // Ties select the earliest point.
    assert_eq!(run(AggFn::Max).selected_time(), Some(10));
    let empty = Aggregate::new(AggFn::Sum);
    assert_eq!(empty.value(), Value::Null);

    let bools = col(
        &[
            Some(FieldValue::Boolean(false)),
            Some(FieldValue::Boolean(true)),
        ],
        FieldType::Boolean,
    );
    let mut max = Aggregate::new(AggFn::Max);
    max.add_column(&bools, &[1, 2])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(max.value(), Value::Bool(true));
    let mut sum = Aggregate::new(AggFn::Sum);
    let err = sum.add_column(&bools, &[1, 2]).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("unsupported sum iterator type: *query.booleanInterruptIterator")
    );
}

#[test]
fn columns_shorter_than_times_do_not_panic() {
    let c = col(&[Some(FieldValue::Float(1.0))], FieldType::Float);
    let mut a = Aggregate::new(AggFn::Count);
    a.add_column(&c, &[1, 2, 3])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.value(), Value::Int(1));
}
