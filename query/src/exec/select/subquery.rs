//! Subqueries, `SELECT … FROM (SELECT …)` (reference §4.8): each inner statement runs through the
//! ordinary pipeline into result series, those rows are loaded as points into an in-memory
//! [`MemStore`], and the outer statement runs through the same pipeline over that store.
//!
//! Invariants:
//! 1. The outer WHERE clause's time range is AND-ed into every inner statement's condition, so
//!    the outer range bounds the inner query (an inner GROUP BY time without an upper bound then
//!    ends at the outer bound rather than at `now()`).
//! 2. An inner row becomes a point of the inner series' measurement at the row's time: tags = the
//!    inner GROUP BY tags plus the selected columns that are tags of the inner sources, fields =
//!    the other non-null columns. Rows without any field are dropped (they could not be selected).
//! 3. Every subquery of the FROM list loads into the same store, so subqueries answering the same
//!    measurement merge into one outer series (as InfluxDB does); the outer statement reads the
//!    measurements the inner results named, in name order.
//! 4. The outer statement groups only by its own GROUP BY: inner tags it does not name are merged
//!    away (InfluxDB ≥ 1.7 behaviour, #10333).
//! 5. A raw inner statement keeps all series tags on its rows (it runs grouped by `*`), as in
//!    InfluxDB 1.6.7, where `SELECT max(v) FROM (SELECT v FROM m) GROUP BY host` groups by host.
//! 6. Nesting is recursion: an inner statement with its own subquery runs this module again.
//! 7. The outer `*` lists only the inner columns and the inner GROUP BY tags (by name), not the
//!    extra series tags of invariant 5 (InfluxDB 1.6.7); an inner GROUP BY `*` or regex lists
//!    every tag.

use std::collections::BTreeSet;

use tsdb::PointBatch;

use super::execute::execute_select;
use super::into::append_points;
use crate::ast::{
    BinaryOp, Dimension, Expr, Literal, MeasurementName, NamePattern, SelectStatement, Source,
};
use crate::exec::condition::select_condition;
use crate::exec::error::ExecError;
use crate::exec::executor::ExecContext;
use crate::exec::mem_store::MemStore;
use crate::exec::store::Store;
use crate::response::Series;

/// The database of the in-memory store the inner rows are loaded into.
const SUBQUERY_DB: &str = "subquery";

pub(super) fn has_subquery(s: &SelectStatement) -> bool {
    s.sources
        .iter()
        .any(|src| matches!(src, Source::Subquery(_)))
}

/// Runs `s`, whose FROM list holds subqueries (see the module doc).
pub(super) fn execute_subqueries(
    engine: &dyn Store,
    s: &SelectStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let bounds = outer_bounds(s, ctx)?;
    let mut inner_results: Vec<(Vec<Series>, BTreeSet<String>)> = Vec::new();
    // What the outer `*` may list: the inner columns and explicit GROUP BY tags (`None`: all).
    let mut star_names: Option<BTreeSet<String>> = Some(BTreeSet::new());
    for src in &s.sources {
        let Source::Subquery(inner) = src else {
            return Err(ExecError::Unsupported(
                "a measurement beside a subquery in FROM".into(),
            ));
        };
        let mut inner = (**inner).clone();
        if inner.into.is_some() {
            return Err(ExecError::Invalid(
                "SELECT … INTO is not allowed in a subquery".into(),
            ));
        }
        bound(&mut inner, bounds);
        let dims = explicit_tag_dimensions(&inner);
        keep_series_tags(&mut inner);
        let tags = source_tag_keys(engine, &inner, ctx)?;
        let series = execute_select(engine, &inner, ctx)?;
        star_names = match (star_names, dims) {
            (Some(mut names), Some(dims)) => {
                names.extend(dims);
                names.extend(
                    series
                        .iter()
                        .flat_map(|s| s.columns.iter().skip(1))
                        .cloned(),
                );
                Some(names)
            }
            _ => None,
        };
        inner_results.push((series, tags));
    }
    let mut batch = PointBatch::new();
    let mut names = BTreeSet::new();
    for (series, tags) in &inner_results {
        names.extend(series.iter().filter_map(|s| s.name.clone()));
        append_points(&mut batch, series, None, &|c| tags.contains(c));
    }
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let store = MemStore::new();
    store.create_database(SUBQUERY_DB, None)?;
    store.write_points(SUBQUERY_DB, None, &batch)?;
    let mut outer = s.clone();
    if let Some(names) = &star_names {
        only_inner_columns(&mut outer, names);
    }
    outer.sources = names
        .into_iter()
        .map(|name| {
            Source::Measurement(MeasurementName {
                database: Some(SUBQUERY_DB.to_owned()),
                retention_policy: None,
                name: NamePattern::Name(name),
            })
        })
        .collect();
    let outer_ctx = ExecContext {
        database: Some(SUBQUERY_DB.to_owned()),
        retention_policy: None,
        ..ctx.clone()
    };
    execute_select(&store, &outer, &outer_ctx)
}

/// The outer WHERE clause's time bounds `(min, max)`, inclusive; `None` for an absent side.
fn outer_bounds(
    s: &SelectStatement,
    ctx: &ExecContext,
) -> Result<(Option<i64>, Option<i64>), ExecError> {
    // Every name but `time` counts as a field: only conjuncts on time alone reach the range.
    let sc = select_condition(s.condition.as_ref(), ctx.now, &|_| true)?;
    let t = sc.tags;
    Ok((
        t.has_lower_bound.then_some(t.min_time),
        (t.max_time != i64::MAX).then_some(t.max_time),
    ))
}

/// AND-s `time >= min` / `time <= max` into `inner`'s condition.
fn bound(inner: &mut SelectStatement, (min, max): (Option<i64>, Option<i64>)) {
    let cmp = |op, v| Expr::Binary {
        op,
        lhs: Box::new(Expr::var("time")),
        rhs: Box::new(Expr::Literal(Literal::Integer(v))),
    };
    let extra = [
        min.map(|v| cmp(BinaryOp::Gte, v)),
        max.map(|v| cmp(BinaryOp::Lte, v)),
    ];
    for e in extra.into_iter().flatten() {
        inner.condition = Some(match inner.condition.take() {
            None => e,
            Some(c) => Expr::Binary {
                op: BinaryOp::And,
                lhs: Box::new(Expr::Paren(Box::new(c))),
                rhs: Box::new(e),
            },
        });
    }
}

/// A raw inner statement (no function call in its field list) answers rows that keep every tag
/// of their series, as InfluxDB 1.6.7's do (the outer query may group by them): it runs grouped
/// by `*` as well.
fn keep_series_tags(inner: &mut SelectStatement) {
    let raw = inner.is_raw();
    let all = inner
        .dimensions
        .iter()
        .any(|d| matches!(d.expr.unparen(), Expr::Wildcard(_)));
    if raw && !all {
        inner.dimensions.push(Dimension {
            expr: Expr::Wildcard(None),
        });
    }
}

/// The tag keys `inner` groups by by name; `None` when it groups by `*` or a regex.
fn explicit_tag_dimensions(inner: &SelectStatement) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for d in &inner.dimensions {
        match d.expr.unparen() {
            Expr::VarRef { name, .. } => out.push(name.clone()),
            Expr::Call { .. } => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The outer `*` lists only what the subqueries produce (their columns and GROUP BY tags), not
/// the tags the raw inner rows keep for grouping (InfluxDB 1.6.7): it becomes the field regex
/// `^(?:name|…)$`, which expands like `*` (sorted, grouped tags left out).
fn only_inner_columns(outer: &mut SelectStatement, names: &BTreeSet<String>) {
    let alternatives: Vec<String> = names.iter().map(|n| regex::escape(n)).collect();
    let re = format!("^(?:{})$", alternatives.join("|"));
    for f in &mut outer.fields {
        if matches!(f.expr.unparen(), Expr::Wildcard(None)) {
            f.expr = Expr::Literal(Literal::Regex(re.clone()));
        }
    }
}

/// The tag keys of `inner`'s measurement sources: selected columns with these names stay tags.
fn source_tag_keys(
    engine: &dyn Store,
    inner: &SelectStatement,
    ctx: &ExecContext,
) -> Result<BTreeSet<String>, ExecError> {
    let mut out = BTreeSet::new();
    for src in &inner.sources {
        let Source::Measurement(m) = src else {
            continue;
        };
        let Some(db) = m.database.clone().or_else(|| ctx.database.clone()) else {
            continue;
        };
        if !engine.database_exists(&db) {
            continue;
        }
        match &m.name {
            NamePattern::Name(n) => out.extend(engine.tag_keys(&db, n)?),
            NamePattern::Regex(re) => {
                let Ok(re) = regex::Regex::new(re) else {
                    continue;
                };
                for name in engine.measurements(&db)? {
                    if re.is_match(&name) {
                        out.extend(engine.tag_keys(&db, &name)?);
                    }
                }
            }
        }
    }
    Ok(out)
}
