//! `SELECT … INTO [[db.]rp.]measurement | [db.]rp.:MEASUREMENT`: the statement's result rows are
//! written back as points (reference §4.7), and the statement answers one row
//! `result: time=0, written=N`.
//!
//! Invariants:
//! 1. A point per result row: measurement = the target (the row's own measurement for
//!    `:MEASUREMENT`), tags = the row's series tags (the GROUP BY tags), fields = the non-time
//!    columns whose value is not null; a row without any such column writes nothing.
//! 2. Columns that are tags of the source but not grouped by arrive as plain columns, so they are
//!    written as (string) fields, as InfluxDB does.
//! 3. All rows go to storage in one batch through [`Store::write_points_as`] (origin: the
//!    continuous query's watch when one runs the statement); points it drops
//!    (retention, type conflicts) make the statement fail with InfluxDB's `partial write: …`
//!    text after the rest were written.

use std::borrow::Cow;

use tsdb::PointBatch;

use crate::ast::{MeasurementName, NamePattern};
use crate::exec::error::ExecError;
use crate::exec::executor::ExecContext;
use crate::exec::store::Store;
use crate::response::{Series, Value};

/// The target name that stands for each row's source measurement.
const SOURCE_MEASUREMENT: &str = ":MEASUREMENT";

/// Appends one point per row of `series` to `batch` (see the module invariants). `measurement`
/// overrides the series names; `is_tag` picks the columns that become tags rather than fields
/// (string values only; used by subqueries for the inner statement's tag columns).
pub(super) fn append_points<'a>(
    batch: &mut PointBatch<'a>,
    series: &'a [Series],
    measurement: Option<&'a str>,
    is_tag: &dyn Fn(&str) -> bool,
) {
    for s in series {
        let name = measurement.or(s.name.as_deref()).unwrap_or("");
        let tag_cols: Vec<bool> = s.columns.iter().map(|c| is_tag(c)).collect();
        for row in &s.values {
            let Some(Value::Time(t)) = row.first() else {
                continue;
            };
            let cells = || s.columns.iter().zip(row).zip(&tag_cols).skip(1);
            let has_field =
                cells().any(|((_, v), &tag)| !tag && !matches!(v, Value::Null | Value::Time(_)));
            if !has_field {
                continue;
            }
            let tags = s
                .tags
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), Cow::Borrowed(v.as_str())))
                .chain(cells().filter_map(|((c, v), &tag)| match (tag, v) {
                    (true, Value::Str(v))
                        if !v.is_empty() && !s.tags.iter().any(|(k, _)| k == c) =>
                    {
                        Some((Cow::Borrowed(c.as_str()), Cow::Borrowed(v.as_str())))
                    }
                    _ => None,
                }));
            let fields = cells().filter_map(|((c, v), &tag)| {
                if tag {
                    return None;
                }
                Some((Cow::Borrowed(c.as_str()), v.as_field_value()?))
            });
            batch.push(name, tags, fields, *t);
        }
    }
}

/// Writes the result `series` of a SELECT into `target`; answers the `result` series.
pub(super) fn write_into(
    engine: &dyn Store,
    target: &MeasurementName,
    series: &[Series],
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let db = super::execute::existing_database(engine, target, ctx)?;
    let measurement = match &target.name {
        NamePattern::Name(n) if n == SOURCE_MEASUREMENT => None,
        NamePattern::Name(n) => Some(n.as_str()),
        NamePattern::Regex(r) => {
            return Err(ExecError::Invalid(format!(
                "a regex cannot be an INTO target: /{r}/"
            )));
        }
    };
    let mut batch = PointBatch::new();
    append_points(&mut batch, series, measurement, &|_| false);
    let outcome = if batch.is_empty() {
        tsdb::WriteOutcome::default()
    } else {
        let origin = match &ctx.write_origin {
            Some(id) => tsdb::WriteOrigin::Watch(id),
            None => tsdb::WriteOrigin::Client,
        };
        engine.write_points_as(&db, target.retention_policy.as_deref(), &batch, origin)?
    };
    if outcome.dropped > 0 {
        return Err(ExecError::Invalid(format!(
            "partial write: {} dropped={}",
            outcome.reason.as_deref().unwrap_or("points dropped"),
            outcome.dropped
        )));
    }
    Ok(vec![Series {
        name: Some("result".to_owned()),
        tags: Vec::new(),
        columns: vec!["time".to_owned(), "written".to_owned()],
        values: vec![vec![
            Value::Time(0),
            Value::Int(i64::try_from(outcome.written).unwrap_or(i64::MAX)),
        ]],
    }])
}
