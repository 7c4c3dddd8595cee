//! Several measurements in FROM under `*`: InfluxDB 1.6.7 expands the wildcard once, over the
//! union of the sources' fields and tags, so every output series carries every column of every
//! source (null where its measurement lacks it).
//!
//! Invariants:
//! 1. Applies only when every field-list entry is a bare `*` or a field regex; other field lists
//!    are already the same for every measurement.
//! 2. The union is computed from the schemas (fields, tags not grouped by, tags not shadowed by a
//!    field of the same measurement), not from the rows, so a source without rows still widens
//!    the others; it is sorted by name like a single measurement's `*`.
//! 3. A series whose columns are not all in the union (a name made unique with `_1`) is left as
//!    it is.

use std::collections::{BTreeSet, HashMap};

use crate::ast::{Expr, Field, Literal};
use crate::exec::error::ExecError;
use crate::response::{Series, Value};

/// What one source's `*` could list.
pub(super) struct StarSchema {
    pub fields: Vec<String>,
    pub tags: Vec<String>,
    /// The GROUP BY tag keys (not listed by `*`).
    pub grouped: Vec<String>,
}

/// Widens every series of `out` to the union columns (see the module doc).
pub(super) fn star_union(
    fields: &[Field],
    schemas: &[StarSchema],
    out: &mut [Series],
) -> Result<(), ExecError> {
    let mut regexes = Vec::new();
    let mut star = false;
    for f in fields {
        match f.expr.unparen() {
            Expr::Wildcard(None) => star = true,
            Expr::Literal(Literal::Regex(r)) => regexes.push(
                regex::Regex::new(r)
                    .map_err(|e| ExecError::Invalid(format!("invalid regex /{r}/: {e}")))?,
            ),
            _ => return Ok(()),
        }
    }
    let keep = |n: &str| star || regexes.iter().any(|r| r.is_match(n));
    let mut union: BTreeSet<&str> = BTreeSet::new();
    for s in schemas {
        union.extend(s.fields.iter().map(String::as_str).filter(|n| keep(n)));
        union.extend(
            s.tags
                .iter()
                .filter(|t| !s.grouped.contains(t) && !s.fields.contains(t))
                .map(String::as_str)
                .filter(|n| keep(n)),
        );
    }
    let union: Vec<String> = union.into_iter().map(str::to_owned).collect();
    for series in out.iter_mut() {
        widen(series, &union);
    }
    Ok(())
}

fn widen(series: &mut Series, union: &[String]) {
    let at: HashMap<&str, usize> = series
        .columns
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    if series.columns.len() - 1 == union.len() || !at.keys().all(|c| union.iter().any(|u| u == c)) {
        return;
    }
    let from: Vec<Option<usize>> = union.iter().map(|u| at.get(u.as_str()).copied()).collect();
    for row in series.values.iter_mut() {
        let mut wide = Vec::with_capacity(union.len() + 1);
        wide.push(row.first().cloned().unwrap_or(Value::Null));
        wide.extend(
            from.iter()
                .map(|i| i.and_then(|i| row.get(i).cloned()).unwrap_or(Value::Null)),
        );
        *row = wide;
    }
    let mut columns = vec![
        series
            .columns
            .first()
            .cloned()
            .unwrap_or_else(|| "time".into()),
    ];
    columns.extend(union.iter().cloned());
    series.columns = columns;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(fields: &[&str], tags: &[&str], grouped: &[&str]) -> StarSchema {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
        StarSchema {
            fields: v(fields),
            tags: v(tags),
            grouped: v(grouped),
        }
    }

    fn series(name: &str, columns: &[&str], row: Vec<Value>) -> Series {
        Series {
            name: Some(name.into()),
            tags: Vec::new(),
            columns: columns.iter().map(|s| s.to_string()).collect(),
            values: vec![row],
        }
    }

    fn star() -> Vec<Field> {
        vec![Field {
            expr: Expr::Wildcard(None),
            alias: None,
        }]
    }

    #[test]
    fn every_series_gets_the_union_of_the_columns() {
        let schemas = [
            schema(&["latency"], &["host", "dc"], &[]),
            schema(&["depth"], &["host"], &[]),
            // A source without rows still widens the others.
            schema(&["extra"], &[], &[]),
        ];
        let mut out = vec![
            series(
                "lat",
                &["time", "dc", "host", "latency"],
                vec![
                    Value::Time(1),
                    Value::Str("fra".into()),
                    Value::Str("h".into()),
                    Value::Float(2.0),
                ],
            ),
            series(
                "queue",
                &["time", "depth", "host"],
                vec![Value::Time(2), Value::Int(4), Value::Str("h".into())],
            ),
        ];
        star_union(&star(), &schemas, &mut out).expect("ok");
        for s in &out {
            assert_eq!(
                s.columns,
                ["time", "dc", "depth", "extra", "host", "latency"]
            );
        }
        assert_eq!(
            out[1].values[0],
            [
                Value::Time(2),
                Value::Null,
                Value::Int(4),
                Value::Null,
                Value::Str("h".into()),
                Value::Null
            ]
        );
    }

    #[test]
    fn grouped_tags_and_explicit_fields_are_left_alone() {
        let schemas = [
            schema(&["a"], &["host"], &["host"]),
            schema(&["b"], &["host"], &["host"]),
        ];
        let mut out = vec![series(
            "m",
            &["time", "a"],
            vec![Value::Time(1), Value::Int(1)],
        )];
        star_union(&star(), &schemas, &mut out).expect("ok");
        assert_eq!(out[0].columns, ["time", "a", "b"]);
        let explicit = vec![Field {
            expr: Expr::var("a"),
            alias: None,
        }];
        let mut out = vec![series(
            "m",
            &["time", "a"],
            vec![Value::Time(1), Value::Int(1)],
        )];
        star_union(&explicit, &schemas, &mut out).expect("ok");
        assert_eq!(out[0].columns, ["time", "a"]);
    }
}
