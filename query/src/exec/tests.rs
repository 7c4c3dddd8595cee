//! Unit tests of WHERE analysis and aggregation over columns.

use tsdb::{TagPredicate, TagRegex};

use super::*;
use crate::ast::{Expr, Statement};
use crate::parser::parse_statement;

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
    assert_eq!(f.predicate, TagPredicate::Eq("host".into(), "a".into()));
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

fn re(p: &str) -> TagRegex {
    TagRegex::new(p).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn tag_predicates() {
    use TagPredicate as P;
    let p = |q: &str| {
        filter(q)
            .map(|f| f.predicate)
            .unwrap_or_else(|e| panic!("{q}: {e}"))
    };
    let b = Box::new;
    assert_eq!(
        p("SELECT v FROM m WHERE (host = 'a' OR host <> 'b' AND dc != '') AND time > 0"),
        P::Or(
            b(P::Eq("host".into(), "a".into())),
            b(P::And(
                b(P::Ne("host".into(), "b".into())),
                b(P::Ne("dc".into(), String::new()))
            ))
        )
    );
    assert_eq!(
        p("SELECT v FROM m WHERE (host =~ /^(a|b\\/c)$/) AND 'x' = dc AND path !~ /\\/var/"),
        P::And(
            b(P::And(
                b(P::Regex("host".into(), re("^(a|b/c)$"))),
                b(P::Eq("dc".into(), "x".into()))
            )),
            b(P::NotRegex("path".into(), re("/var")))
        )
    );
    assert_eq!(p("SELECT v FROM m WHERE time > 0"), P::All);
    // Non-string literals compare as their text.
    assert_eq!(
        p("SELECT v FROM m WHERE host = 1"),
        P::Eq("host".into(), "1".into())
    );
}

#[test]
fn show_conditions_treat_fields_as_tags_and_delete_refuses_them() {
    let c = condition("SELECT v FROM m WHERE value = 'x' AND time >= 5");
    let t = tag_condition(Some(&c), 0, &|n| n == "value", FieldRule::AsTags)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.predicate, TagPredicate::Eq("value".into(), "x".into()));
    assert_eq!((t.min_time, t.max_time, t.has_time), (5, i64::MAX, true));
    let e = tag_condition(Some(&c), 0, &|n| n == "value", FieldRule::DeleteError)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("fields not supported in WHERE clause during deletion")
    );
    for q in [
        "SELECT v FROM m WHERE host > 'a'",
        "SELECT v FROM m WHERE host = 'a' OR region < 'b'",
    ] {
        let e = tag_condition(Some(&condition(q)), 0, &|_| false, FieldRule::AsTags)
            .err()
            .map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("invalid tag comparison operator"), "{q}");
    }
    let e = tag_condition(
        Some(&condition("SELECT v FROM m WHERE host = 'a' OR time > 0")),
        0,
        &|_| false,
        FieldRule::AsTags,
    )
    .err()
    .map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("time conditions cannot be combined with OR")
    );
    let e = tag_condition(
        Some(&condition("SELECT v FROM m WHERE host =~ /(/")),
        0,
        &|_| false,
        FieldRule::AsTags,
    );
    assert!(matches!(e, Err(ExecError::Invalid(_))));
}

#[test]
fn unsupported_conditions_are_errors() {
    for q in [
        "SELECT v FROM m WHERE value > 1",
        "SELECT v FROM m WHERE value = 1 OR host = 'a'",
        "SELECT v FROM m WHERE time != 5",
    ] {
        assert!(matches!(filter(q), Err(ExecError::Unsupported(_))), "{q}");
    }
    assert!(matches!(
        filter("SELECT v FROM m WHERE time > 'yesterday'"),
        Err(ExecError::Invalid(_))
    ));
}
