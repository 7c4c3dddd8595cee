//! `SELECT` without GROUP BY: raw rows and whole-range aggregates.

use std::collections::HashSet;

use tsdb::{Column, ColumnValues, FieldType, ReadRequest, SeriesData};

use super::store::Store;

use super::aggregate::{AggFn, Aggregate};
use super::condition::{Filter, filter_from_condition};
use super::error::ExecError;
use super::executor::ExecContext;
use crate::ast::{Expr, Field, NamePattern, SelectStatement, SortOrder, Source};
use crate::response::{Series, Value};

/// One output column of a raw select.
enum RawCol {
    Field(String),
    Tag(String),
}

/// One aggregate call of the field list.
struct AggCall {
    func: AggFn,
    field: String,
    column: String,
}

enum Plan {
    Raw(Vec<(String, Expr)>),
    Aggregate(Vec<AggCall>),
}

pub(crate) fn execute_select(
    engine: &dyn Store,
    s: &SelectStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    reject_unsupported(s)?;
    let plan = plan_fields(&s.fields)?;
    let mut out = Vec::new();
    for (db, rp, measurement) in resolve_sources(engine, s, ctx)? {
        let fields = engine.field_keys(&db, rp.as_deref(), &measurement)?;
        if fields.is_empty() {
            continue;
        }
        let field_set: HashSet<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        let filter =
            filter_from_condition(s.condition.as_ref(), ctx.now, &|n| field_set.contains(n))?;
        if filter.is_empty_range() {
            continue;
        }
        let series = match &plan {
            Plan::Raw(items) => raw_series(
                engine,
                s,
                &db,
                rp.as_deref(),
                &measurement,
                &fields,
                items,
                &filter,
            )?,
            Plan::Aggregate(calls) => aggregate_series(
                engine,
                &db,
                rp.as_deref(),
                &measurement,
                &field_set,
                calls,
                &filter,
            )?,
        };
        out.extend(series);
    }
    Ok(out)
}

fn reject_unsupported(s: &SelectStatement) -> Result<(), ExecError> {
    if s.into.is_some() {
        return Err(ExecError::Unsupported("SELECT … INTO".into()));
    }
    if !s.dimensions.is_empty() {
        return Err(ExecError::Unsupported("GROUP BY".into()));
    }
    if s.fill.is_some() {
        return Err(ExecError::Unsupported("fill()".into()));
    }
    if s.slimit.is_some() || s.soffset.is_some() {
        return Err(ExecError::Unsupported("SLIMIT/SOFFSET".into()));
    }
    if s.timezone.is_some() {
        return Err(ExecError::Unsupported("tz()".into()));
    }
    Ok(())
}

fn plan_fields(fields: &[Field]) -> Result<Plan, ExecError> {
    let mut raw = Vec::new();
    let mut aggs = Vec::new();
    for f in fields {
        match f.expr.unparen() {
            Expr::VarRef { name, .. } if name.eq_ignore_ascii_case("time") => {}
            e @ (Expr::VarRef { .. } | Expr::Wildcard(_)) => {
                let name = match e {
                    Expr::VarRef { name, .. } => f.alias.clone().unwrap_or_else(|| name.clone()),
                    _ => String::new(),
                };
                raw.push((name, e.clone()));
            }
            Expr::Call { name, args } => {
                let Some(func) = AggFn::from_name(name) else {
                    return Err(if KNOWN_FUNCTIONS.contains(&name.as_str()) {
                        ExecError::Unsupported(format!("function {name}()"))
                    } else {
                        ExecError::Invalid(format!("undefined function {name}()"))
                    });
                };
                let field = match args.as_slice() {
                    [a] => match a.unparen() {
                        Expr::VarRef { name, .. } => name.clone(),
                        Expr::Wildcard(_) => {
                            return Err(ExecError::Unsupported(format!("{name}(*)")));
                        }
                        _ => {
                            return Err(ExecError::Invalid(format!(
                                "expected field argument in {name}()"
                            )));
                        }
                    },
                    _ => {
                        return Err(ExecError::Invalid(format!(
                            "invalid number of arguments for {name}, expected 1, got {}",
                            args.len()
                        )));
                    }
                };
                aggs.push(AggCall {
                    func,
                    field,
                    column: f.alias.clone().unwrap_or_else(|| func.name().to_owned()),
                });
            }
            other => {
                return Err(ExecError::Unsupported(format!(
                    "the expression {other} in the field list"
                )));
            }
        }
    }
    match (raw.is_empty(), aggs.is_empty()) {
        (true, true) => Err(ExecError::Invalid(
            "at least 1 non-time field must be queried".into(),
        )),
        (false, false) => Err(ExecError::Invalid(
            "mixing aggregate and non-aggregate queries is not supported".into(),
        )),
        (false, true) => Ok(Plan::Raw(raw)),
        (true, false) => {
            dedupe_columns(&mut aggs);
            Ok(Plan::Aggregate(aggs))
        }
    }
}

const KNOWN_FUNCTIONS: &[&str] = &[
    "distinct",
    "integral",
    "median",
    "mode",
    "spread",
    "stddev",
    "bottom",
    "first",
    "last",
    "percentile",
    "sample",
    "top",
    "abs",
    "acos",
    "asin",
    "atan",
    "atan2",
    "ceil",
    "cos",
    "cumulative_sum",
    "derivative",
    "difference",
    "elapsed",
    "exp",
    "floor",
    "ln",
    "log",
    "log2",
    "log10",
    "moving_average",
    "non_negative_derivative",
    "non_negative_difference",
    "pow",
    "round",
    "sin",
    "sqrt",
    "tan",
    "holt_winters",
    "holt_winters_with_fit",
    "exponential_moving_average",
    "double_exponential_moving_average",
    "triple_exponential_moving_average",
    "relative_strength_index",
    "triple_exponential_derivative",
    "kaufmans_efficiency_ratio",
    "kaufmans_adaptive_moving_average",
    "chande_momentum_oscillator",
];

/// Duplicate column names get `_1`, `_2`, … suffixes (InfluxDB's rule).
fn dedupe_columns(aggs: &mut [AggCall]) {
    let mut seen: HashSet<String> = HashSet::new();
    for a in aggs.iter_mut() {
        if !seen.insert(a.column.clone()) {
            let mut n = 1;
            while seen.contains(&format!("{}_{n}", a.column)) {
                n += 1;
            }
            a.column = format!("{}_{n}", a.column);
            seen.insert(a.column.clone());
        }
    }
}

/// `(database, retention policy, measurement)` per source, sorted by measurement name.
fn resolve_sources(
    engine: &dyn Store,
    s: &SelectStatement,
    ctx: &ExecContext,
) -> Result<Vec<(String, Option<String>, String)>, ExecError> {
    let mut out = Vec::new();
    for src in &s.sources {
        let Source::Measurement(m) = src else {
            return Err(ExecError::Unsupported("subqueries".into()));
        };
        let db = m
            .database
            .clone()
            .or_else(|| ctx.database.clone())
            .ok_or(ExecError::DatabaseNameRequired)?;
        if !engine.database_exists(&db) {
            return Err(ExecError::DatabaseNotFound(db));
        }
        let rp = m
            .retention_policy
            .clone()
            .or_else(|| ctx.retention_policy.clone());
        match &m.name {
            NamePattern::Name(n) => out.push((db, rp, n.clone())),
            NamePattern::Regex(re) => {
                let re = regex::Regex::new(re)
                    .map_err(|e| ExecError::Invalid(format!("invalid regex: {e}")))?;
                for name in engine.measurements(&db)? {
                    if re.is_match(&name) {
                        out.push((db.clone(), rp.clone(), name));
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| a.2.cmp(&b.2));
    out.dedup();
    Ok(out)
}

fn read(
    engine: &dyn Store,
    db: &str,
    rp: Option<&str>,
    m: &str,
    filter: &Filter,
    fields: Option<Vec<String>>,
) -> Result<Vec<SeriesData>, ExecError> {
    Ok(engine.read(&ReadRequest {
        database: db.to_owned(),
        retention_policy: rp.map(str::to_owned),
        measurement: m.to_owned(),
        min_time: filter.min_time,
        max_time: filter.max_time,
        predicate: filter.predicate.clone(),
        fields,
    })?)
}

#[allow(clippy::too_many_arguments)]
fn raw_series(
    engine: &dyn Store,
    s: &SelectStatement,
    db: &str,
    rp: Option<&str>,
    measurement: &str,
    fields: &[(String, FieldType)],
    items: &[(String, Expr)],
    filter: &Filter,
) -> Result<Vec<Series>, ExecError> {
    let field_set: HashSet<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    // Expand the field list into output columns.
    let mut cols: Vec<(String, RawCol)> = Vec::new();
    for (name, e) in items {
        match e {
            Expr::Wildcard(_) => {
                let mut all: Vec<(String, RawCol)> = fields
                    .iter()
                    .map(|(n, _)| (n.clone(), RawCol::Field(n.clone())))
                    .collect();
                for t in engine.tag_keys(db, measurement)? {
                    if !field_set.contains(t.as_str()) {
                        all.push((t.clone(), RawCol::Tag(t)));
                    }
                }
                all.sort_by(|a, b| a.0.cmp(&b.0));
                cols.extend(all);
            }
            Expr::VarRef {
                name: key,
                data_type,
            } => {
                let is_tag = matches!(data_type, Some(crate::ast::VarType::Tag))
                    || !field_set.contains(key.as_str());
                cols.push((
                    name.clone(),
                    if is_tag {
                        RawCol::Tag(key.clone())
                    } else {
                        RawCol::Field(key.clone())
                    },
                ));
            }
            _ => {}
        }
    }
    let wanted: Vec<String> = cols
        .iter()
        .filter_map(|(_, c)| match c {
            RawCol::Field(f) => Some(f.clone()),
            RawCol::Tag(_) => None,
        })
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let data = read(engine, db, rp, measurement, filter, Some(wanted))?;
    // (time, series index, row index) of every row with at least one selected field present.
    let mut rows: Vec<(i64, usize, usize)> = Vec::new();
    let mut col_refs: Vec<Vec<Option<&Column>>> = Vec::with_capacity(data.len());
    for (si, sd) in data.iter().enumerate() {
        let refs: Vec<Option<&Column>> = cols
            .iter()
            .map(|(_, c)| match c {
                RawCol::Field(f) => sd.fields.iter().find(|(n, _)| n == f).map(|(_, c)| c),
                RawCol::Tag(_) => None,
            })
            .collect();
        for (ri, &t) in sd.timestamps.iter().enumerate() {
            if refs.iter().flatten().any(|c| present(c, ri)) {
                rows.push((t, si, ri));
            }
        }
        col_refs.push(refs);
    }
    rows.sort_by_key(|&(t, si, _)| (t, si));
    if s.order == Some(SortOrder::Desc) {
        rows.reverse();
    }
    let offset = s.offset.unwrap_or(0) as usize;
    let limit = s.limit.map_or(usize::MAX, |l| l as usize);
    let mut values = Vec::new();
    for &(t, si, ri) in rows.iter().skip(offset).take(limit) {
        let mut row = Vec::with_capacity(cols.len() + 1);
        row.push(Value::Time(t));
        for (ci, (_, c)) in cols.iter().enumerate() {
            row.push(match c {
                RawCol::Tag(k) => data[si]
                    .tags
                    .iter()
                    .find(|(tk, _)| tk == k)
                    .map_or(Value::Null, |(_, v)| Value::Str(v.clone())),
                RawCol::Field(_) => col_refs[si][ci].map_or(Value::Null, |c| cell(c, ri)),
            });
        }
        values.push(row);
    }
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let mut columns = vec!["time".to_owned()];
    columns.extend(cols.into_iter().map(|(n, _)| n));
    Ok(vec![Series {
        name: Some(measurement.to_owned()),
        tags: Vec::new(),
        columns,
        values,
    }])
}

fn present(c: &Column, i: usize) -> bool {
    i < c.present.len() && i < c.values.len() && c.present.get(i)
}

/// The value at row `i` of `c`, `Null` when absent or out of range.
pub(crate) fn cell(c: &Column, i: usize) -> Value {
    if !present(c, i) {
        return Value::Null;
    }
    match &c.values {
        ColumnValues::Float(v) => v.get(i).map_or(Value::Null, |x| Value::Float(*x)),
        ColumnValues::Integer(v) => v.get(i).map_or(Value::Null, |x| Value::Int(*x)),
        ColumnValues::Unsigned(v) => v.get(i).map_or(Value::Null, |x| Value::UInt(*x)),
        ColumnValues::String(v) => v.get(i).map_or(Value::Null, |x| Value::Str(x.clone())),
        ColumnValues::Boolean(v) => v.get(i).map_or(Value::Null, |x| Value::Bool(*x)),
    }
}

fn aggregate_series(
    engine: &dyn Store,
    db: &str,
    rp: Option<&str>,
    measurement: &str,
    field_set: &HashSet<&str>,
    calls: &[AggCall],
    filter: &Filter,
) -> Result<Vec<Series>, ExecError> {
    let mut wanted: Vec<String> = calls
        .iter()
        .map(|c| c.field.clone())
        .filter(|f| field_set.contains(f.as_str()))
        .collect();
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let data = read(engine, db, rp, measurement, filter, Some(wanted))?;
    let mut aggs: Vec<Aggregate> = calls.iter().map(|c| Aggregate::new(c.func)).collect();
    for sd in &data {
        for (agg, call) in aggs.iter_mut().zip(calls) {
            if let Some((_, col)) = sd.fields.iter().find(|(n, _)| *n == call.field) {
                agg.add_column(col, &sd.timestamps)?;
            }
        }
    }
    Ok(aggregate_row(
        measurement,
        calls.iter().map(|c| c.column.clone()).collect(),
        &aggs,
        filter,
    )
    .into_iter()
    .collect())
}

/// The single result row of whole-range aggregates, or `None` when no call saw a value.
fn aggregate_row(
    measurement: &str,
    names: Vec<String>,
    aggs: &[Aggregate],
    filter: &Filter,
) -> Option<Series> {
    if aggs.iter().all(|a| a.count() == 0) {
        return None;
    }
    let time = match aggs {
        [only] if only.func.is_selector() => only.selected_time().unwrap_or(0),
        _ if filter.has_lower_bound => filter.min_time,
        _ => 0,
    };
    let mut row = vec![Value::Time(time)];
    row.extend(aggs.iter().map(Aggregate::value));
    let mut columns = vec!["time".to_owned()];
    columns.extend(names);
    Some(Series {
        name: Some(measurement.to_owned()),
        tags: Vec::new(),
        columns,
        values: vec![row],
    })
}
