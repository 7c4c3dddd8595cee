//! `tz()` over [`MemStore`]: bucket alignment and offsets across America/Chicago's DST changes,
//! checked against answers of InfluxDB 1.6.7 recorded by hand (a point every 30 minutes,
//! 2024-03-09T00:00Z..2024-03-12T00:00Z and 2024-11-02T00:00Z..2024-11-05T00:00Z).

use tsdb::FieldValue;

use super::execute_select_statement;
use crate::ast::Statement;
use crate::exec::{ExecContext, MemStore, Store};
use crate::parser::parse_statement;
use crate::response::Value;
use crate::time::write_rfc3339_nano_in;

const S: i64 = 1_000_000_000;
const MAR9: i64 = 1_709_942_400 * S;
const NOV2: i64 = 1_730_505_600 * S;

fn store() -> MemStore {
    let m = MemStore::new();
    m.create_database("dst", None)
        .unwrap_or_else(|e| panic!("{e}"));
    for base in [MAR9, NOV2] {
        for i in 0..144 {
            m.write(
                "dst",
                "m",
                &[],
                vec![("v", FieldValue::Integer(i))],
                base + i * 1800 * S,
            );
        }
    }
    m
}

/// `(time as printed, count)` rows of the only series.
fn rows(q: &str) -> Vec<(String, i64)> {
    let Ok(Statement::Select(s)) = parse_statement(q) else {
        panic!("not a select: {q}");
    };
    let ctx = ExecContext {
        database: Some("dst".into()),
        ..Default::default()
    };
    let series =
        execute_select_statement(&store(), &s, &ctx).unwrap_or_else(|e| panic!("{q}: {e}"));
    assert_eq!(series.len(), 1, "{q}");
    series[0]
        .values
        .iter()
        .map(|r| {
            let t = match r.first() {
                Some(Value::ZonedTime(t, off)) => {
                    let mut out = Vec::new();
                    write_rfc3339_nano_in(&mut out, *t, *off);
                    String::from_utf8(out).unwrap_or_default()
                }
                other => panic!("{other:?}"),
            };
            let n = match r.get(1) {
                Some(Value::Int(n)) => *n,
                other => panic!("{other:?}"),
            };
            (t, n)
        })
        .collect()
}

fn want(rows: &[(&str, i64)]) -> Vec<(String, i64)> {
    rows.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect()
}

#[test]
fn days_are_local_days_of_23_and_25_hours() {
    assert_eq!(
        rows(
            "SELECT count(v) FROM m WHERE time >= '2024-03-09T00:00:00Z' AND \
             time < '2024-03-12T00:00:00Z' GROUP BY time(1d) tz('America/Chicago')"
        ),
        want(&[
            ("2024-03-08T00:00:00-06:00", 12),
            ("2024-03-09T00:00:00-06:00", 48),
            ("2024-03-10T00:00:00-06:00", 46),
            ("2024-03-11T00:00:00-05:00", 38),
        ])
    );
    assert_eq!(
        rows(
            "SELECT count(v) FROM m WHERE time >= '2024-11-02T00:00:00Z' AND \
             time < '2024-11-05T00:00:00Z' GROUP BY time(1d) tz('America/Chicago')"
        ),
        want(&[
            ("2024-11-01T00:00:00-05:00", 10),
            ("2024-11-02T00:00:00-05:00", 48),
            ("2024-11-03T00:00:00-05:00", 50),
            ("2024-11-04T00:00:00-06:00", 36),
        ])
    );
}

#[test]
fn two_hour_buckets_across_the_spring_change() {
    // 02:00 local does not exist: the bucket of 03:00 CDT starts at the change and lasts an hour.
    assert_eq!(
        rows(
            "SELECT count(v) FROM m WHERE time >= '2024-03-10T04:00:00Z' AND \
             time < '2024-03-10T12:00:00Z' GROUP BY time(2h) tz('America/Chicago')"
        ),
        want(&[
            ("2024-03-09T22:00:00-06:00", 4),
            ("2024-03-10T00:00:00-06:00", 4),
            ("2024-03-10T03:00:00-05:00", 2),
            ("2024-03-10T04:00:00-05:00", 4),
            ("2024-03-10T06:00:00-05:00", 2),
        ])
    );
}

#[test]
fn two_hour_buckets_across_the_fall_change() {
    // The 00:00 CDT bucket holds three hours (01:00 happens twice). InfluxDB 1.6.7 also emits an
    // empty `2024-11-03T01:00:00-06:00` row (count 0) between it and 02:00 CST — an artefact of
    // its fill iterator's stepping that taildb does not reproduce (docs/influxql.md, tz()).
    assert_eq!(
        rows(
            "SELECT count(v) FROM m WHERE time >= '2024-11-03T03:00:00Z' AND \
             time < '2024-11-03T11:00:00Z' GROUP BY time(2h) tz('America/Chicago')"
        ),
        want(&[
            ("2024-11-02T22:00:00-05:00", 4),
            ("2024-11-03T00:00:00-05:00", 6),
            ("2024-11-03T02:00:00-06:00", 4),
            ("2024-11-03T04:00:00-06:00", 2),
        ])
    );
    // Hourly buckets stay uniform: 01:00 appears twice, with both offsets.
    let hourly = rows(
        "SELECT count(v) FROM m WHERE time >= '2024-11-03T03:00:00Z' AND \
         time < '2024-11-03T11:00:00Z' GROUP BY time(1h) tz('America/Chicago')",
    );
    assert_eq!(
        hourly.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        [
            "2024-11-02T22:00:00-05:00",
            "2024-11-02T23:00:00-05:00",
            "2024-11-03T00:00:00-05:00",
            "2024-11-03T01:00:00-05:00",
            "2024-11-03T01:00:00-06:00",
            "2024-11-03T02:00:00-06:00",
            "2024-11-03T03:00:00-06:00",
            "2024-11-03T04:00:00-06:00",
        ]
    );
}
