//! `EXPLAIN` and `EXPLAIN ANALYZE`: the SELECT pipeline runs with a [`Trace`] in its context. The
//! pipeline records what it planned per measurement (a few lines in `execute.rs`, none inside a
//! loop); plain `EXPLAIN` stops each measurement after series selection, `EXPLAIN ANALYZE` runs
//! the query to the end, discards the rows and reports timings and counts.
//!
//! Invariants:
//! 1. Without a trace in the context the pipeline does no extra work: every hook is one
//!    `if let Some(trace)` outside the per-batch and per-point loops.
//! 2. `EXPLAIN` answers one series, column `QUERY PLAN`, one row per line; `EXPLAIN ANALYZE` one
//!    series, column `EXPLAIN ANALYZE`, one row per line of a tree (InfluxDB 1.x's column names).
//! 3. Counts are exact: series are those selected by the index after the tag predicate and the
//!    time range, points are the rows the scans delivered to the aggregate or raw sinks (the
//!    earliest-point scan of an open-ended GROUP BY time is timed as planning, not counted).
//! 4. `EXPLAIN` never writes: `INTO` is dropped before planning.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tsdb::{IndexScope, SeriesGroups, TagPredicate};

use super::execute::execute_select;
use super::plan::Plan;
use crate::ast::{ExplainStatement, SelectStatement};
use crate::exec::condition::SelectCondition;
use crate::exec::error::ExecError;
use crate::exec::executor::ExecContext;
use crate::exec::store::Store;
use crate::response::{Series, Value};

/// What the pipeline records while it plans and runs one statement.
#[derive(Debug, Default)]
pub struct Trace {
    /// Run the statement to the end (`EXPLAIN ANALYZE`), else stop after series selection.
    pub analyze: bool,
    pub(super) measurements: Mutex<Vec<MeasurementTrace>>,
}

/// One measurement of one SELECT (subqueries add their own).
#[derive(Clone, Debug, Default)]
pub(super) struct MeasurementTrace {
    pub database: String,
    pub retention_policy: Option<String>,
    pub measurement: String,
    pub min_time: i64,
    pub max_time: i64,
    pub predicate: String,
    pub residual: Option<String>,
    pub group_keys: Vec<String>,
    pub interval: Option<(i64, i64)>,
    pub fields: Vec<String>,
    /// `(call, vectorized)`.
    /// Each call's text and how it accumulates (`vectorized`, `per-slot sketch`, `collect + reduce`).
    pub calls: Vec<(String, &'static str)>,
    pub raw: bool,
    pub series: u64,
    pub groups: u64,
    pub output_groups: u64,
    pub limits: String,
    pub buckets: Option<u64>,
    pub points: u64,
    pub out_series: u64,
    pub out_rows: u64,
    pub planning: Duration,
    pub selection: Duration,
    pub scan: Duration,
    pub emit: Duration,
}

impl Trace {
    pub fn new(analyze: bool) -> Trace {
        Trace {
            analyze,
            measurements: Mutex::new(Vec::new()),
        }
    }

    pub(super) fn push(&self, m: MeasurementTrace) {
        self.measurements.lock().push(m);
    }

    /// Updates the last measurement recorded (the one running on this statement's thread).
    pub(super) fn update(&self, f: impl FnOnce(&mut MeasurementTrace)) {
        if let Some(m) = self.measurements.lock().last_mut() {
            f(m);
        }
    }

    /// One scan of the current measurement took `d` (the sinks' accumulation included).
    pub(super) fn add_scan(&self, d: Duration) {
        self.update(|m| m.scan += d);
    }

    /// The current measurement ran from `running` to now and answered `series`.
    pub(super) fn finish(&self, running: Instant, buckets: usize, points: u64, series: &[Series]) {
        let total = running.elapsed();
        self.update(|m| {
            m.buckets = Some(buckets as u64);
            m.points = points;
            m.emit = total.saturating_sub(m.scan);
            m.out_series = series.len() as u64;
            m.out_rows = series.iter().map(|s| s.values.len() as u64).sum();
        });
    }
}

/// What the pipeline planned for one measurement; `times` are the start of planning, of series
/// selection and its end.
#[allow(clippy::too_many_arguments)]
pub(super) fn measurement_trace(
    (scope, measurement): (&IndexScope, &str),
    sc: &SelectCondition,
    plan: &Plan,
    group_keys: &[String],
    interval: Option<(i64, i64)>,
    groups: &SeriesGroups,
    output_groups: usize,
    s: &SelectStatement,
    [started, selecting, selected]: [Instant; 3],
) -> MeasurementTrace {
    let mut limits = Vec::new();
    for (kw, v) in [
        ("LIMIT", s.limit),
        ("OFFSET", s.offset),
        ("SLIMIT", s.slimit),
        ("SOFFSET", s.soffset),
    ] {
        if let Some(v) = v {
            limits.push(format!("{kw} {v}"));
        }
    }
    MeasurementTrace {
        database: scope.database.clone(),
        retention_policy: scope.retention_policy.clone(),
        measurement: measurement.to_owned(),
        min_time: scope.min_time,
        max_time: scope.max_time,
        predicate: predicate_text(&sc.tags.predicate),
        residual: sc.residual.as_ref().map(ToString::to_string),
        group_keys: group_keys.to_vec(),
        interval,
        fields: plan.scan_fields.clone(),
        calls: plan
            .agg_specs()
            .map(|a| {
                let mut c = format!("{}({}", a.call.func.name(), a.call.field);
                if let Some(n) = a.call.number {
                    let _ = write!(c, ", {n}");
                }
                if let Some(acc) = a.call.accuracy {
                    let _ = write!(c, ", {acc}");
                }
                c.push(')');
                let mode = match a.fast {
                    Some(super::plan::Fast::Sketch) => "per-slot sketch",
                    Some(_) => "vectorized",
                    None => "collect + reduce",
                };
                (c, mode)
            })
            .collect(),
        raw: !plan.is_aggregate(),
        series: groups.series.len(),
        groups: groups.groups.len() as u64,
        output_groups: output_groups as u64,
        limits: limits.join(" "),
        planning: selecting.saturating_duration_since(started),
        selection: selected.saturating_duration_since(selecting),
        ..MeasurementTrace::default()
    }
}

/// Runs `EXPLAIN [ANALYZE]`.
pub(crate) fn execute_explain(
    engine: &dyn Store,
    e: &ExplainStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let stmt = SelectStatement {
        into: None,
        ..(*e.statement).clone()
    };
    let trace = std::sync::Arc::new(Trace::new(e.analyze));
    let traced = ExecContext {
        trace: Some(trace.clone()),
        ..ctx.clone()
    };
    let started = Instant::now();
    let result = execute_select(engine, &stmt, &traced)?;
    let total = started.elapsed();
    let measurements = trace.measurements.lock().clone();
    let (column, lines) = if e.analyze {
        let rows: u64 = result.iter().map(|s| s.values.len() as u64).sum();
        (
            "EXPLAIN ANALYZE",
            analyze_lines(&measurements, total, result.len() as u64, rows),
        )
    } else {
        ("QUERY PLAN", plan_lines(&stmt, &measurements))
    };
    Ok(vec![Series {
        name: None,
        tags: Vec::new(),
        columns: vec![column.to_owned()],
        values: lines.into_iter().map(|l| vec![Value::Str(l)]).collect(),
    }])
}

fn time_text(t: i64) -> String {
    match t {
        i64::MIN => "-inf".to_owned(),
        i64::MAX => "+inf".to_owned(),
        t => {
            let mut v = Vec::new();
            crate::time::write_rfc3339_nano(&mut v, t);
            String::from_utf8_lossy(&v).into_owned()
        }
    }
}

/// A tag predicate as InfluxQL.
pub(super) fn predicate_text(p: &TagPredicate) -> String {
    let q = |s: &str| {
        let mut o = String::new();
        let _ = crate::ast::quote_ident(&mut o, s);
        o
    };
    let v = |s: &str| {
        let mut o = String::new();
        let _ = crate::ast::quote_string(&mut o, s);
        o
    };
    match p {
        TagPredicate::All => "all series".to_owned(),
        TagPredicate::Eq(k, x) => format!("{} = {}", q(k), v(x)),
        TagPredicate::Ne(k, x) => format!("{} != {}", q(k), v(x)),
        TagPredicate::Regex(k, r) => format!("{} =~ /{}/", q(k), r.as_str()),
        TagPredicate::NotRegex(k, r) => format!("{} !~ /{}/", q(k), r.as_str()),
        TagPredicate::And(a, b) => format!("({} AND {})", predicate_text(a), predicate_text(b)),
        TagPredicate::Or(a, b) => format!("({} OR {})", predicate_text(a), predicate_text(b)),
    }
}

fn source_text(m: &MeasurementTrace) -> String {
    let mut s = String::new();
    let _ = crate::ast::quote_ident(&mut s, &m.database);
    s.push('.');
    if let Some(rp) = &m.retention_policy {
        let _ = crate::ast::quote_ident(&mut s, rp);
    }
    s.push('.');
    let _ = crate::ast::quote_ident(&mut s, &m.measurement);
    s
}

fn grouping_text(m: &MeasurementTrace) -> String {
    let mut s = String::new();
    match m.interval {
        Some((i, o)) => {
            let _ = write!(
                s,
                "time({}, {})",
                crate::time::format_influxql_duration(i),
                crate::time::format_influxql_duration(o)
            );
        }
        None => s.push_str("no time buckets"),
    }
    if m.group_keys.is_empty() {
        s.push_str("; no tags");
    } else {
        let _ = write!(s, "; tags {}", m.group_keys.join(", "));
    }
    s
}

fn calls_text(m: &MeasurementTrace) -> String {
    if m.raw {
        return "none (raw rows)".to_owned();
    }
    m.calls
        .iter()
        .map(|(c, mode)| format!("{c} [{mode}]"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plan_lines(stmt: &SelectStatement, ms: &[MeasurementTrace]) -> Vec<String> {
    let mut out = vec![format!("STATEMENT: {stmt}")];
    if ms.is_empty() {
        out.push("NUMBER OF SOURCES: 0 (no measurement matched, or a subquery)".to_owned());
        return out;
    }
    out.push(format!("NUMBER OF SOURCES: {}", ms.len()));
    for m in ms {
        out.push(format!("SOURCE: {}", source_text(m)));
        out.push(format!(
            "  TIME RANGE: {} .. {}",
            time_text(m.min_time),
            time_text(m.max_time)
        ));
        out.push(format!("  TAG PREDICATE: {}", m.predicate));
        out.push(format!(
            "  NUMBER OF SERIES: {} in {} groups ({} output series after SLIMIT/SOFFSET)",
            m.series, m.groups, m.output_groups
        ));
        out.push(format!("  FIELDS READ: {}", m.fields.join(", ")));
        if let Some(r) = &m.residual {
            out.push(format!("  ROW FILTER: {r}"));
        }
        out.push(format!("  GROUPING: {}", grouping_text(m)));
        out.push(format!("  CALLS: {}", calls_text(m)));
        if !m.limits.is_empty() {
            out.push(format!("  LIMITS: {}", m.limits));
        }
    }
    out
}

fn ms_text(d: Duration) -> String {
    format!("{:.3}ms", d.as_secs_f64() * 1e3)
}

fn analyze_lines(ms: &[MeasurementTrace], total: Duration, series: u64, rows: u64) -> Vec<String> {
    let mut out = vec![
        ".".to_owned(),
        "└── select".to_owned(),
        format!("    ├── execution_time: {}", ms_text(total)),
        format!("    ├── output_series: {series}"),
        format!("    ├── output_rows: {rows}"),
    ];
    let n = ms.len();
    out.push(format!(
        "    {}── sources: {n}",
        if n == 0 { "└" } else { "├" }
    ));
    for (k, m) in ms.iter().enumerate() {
        let last = k + 1 == n;
        let (branch, pad) = if last {
            ("    └── ", "        ")
        } else {
            ("    ├── ", "    │   ")
        };
        out.push(format!("{branch}source {}", source_text(m)));
        let items = [
            format!("planning_time: {}", ms_text(m.planning)),
            format!(
                "series_selection: {} ({} series, {} groups, predicate {})",
                ms_text(m.selection),
                m.series,
                m.groups,
                m.predicate
            ),
            format!(
                "scan: {} ({} points, fields {})",
                ms_text(m.scan),
                m.points,
                m.fields.join(", ")
            ),
            format!(
                "{}: {}",
                if m.raw { "rows" } else { "aggregation" },
                calls_text(m)
            ),
            format!(
                "buckets: {}",
                m.buckets.map_or("-".to_owned(), |b| b.to_string())
            ),
            format!(
                "emit: {} ({} series, {} rows)",
                ms_text(m.emit),
                m.out_series,
                m.out_rows
            ),
        ];
        let len = items.len();
        for (j, it) in items.into_iter().enumerate() {
            let b = if j + 1 == len {
                "└── "
            } else {
                "├── "
            };
            out.push(format!("{pad}{b}{it}"));
        }
    }
    out
}
