//! The statement driver: sources → per measurement (plan, WHERE split, groups, window, scan with
//! two sinks, merge) → result series.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use roaring::RoaringBitmap;
use tsdb::{IndexScope, ScanRequest, ScanSink, SeriesGroups};

use super::accum::SKIP;
use super::emit::{Rows, apply_transforms, cast, eval, fill, order_and_limit};
use super::explain::{Trace, measurement_trace};
use super::filter::compile_cond;
use super::partial::PartialAsk;
use super::plan::{Leaf, Plan, Schema, compile};
use super::sink::{AggSink, MinTimeSink, PickSink, RawSink, Shared};
use super::window::Window;
use crate::ast::{Expr, Fill, Literal, NamePattern, SelectStatement, SortOrder, Source};
use crate::exec::condition::{eval_time, select_condition};
use crate::exec::error::ExecError;
use crate::exec::executor::ExecContext;
use crate::exec::functions::{AggregateFn, Reduced, TransformContext, integral_buckets};
use crate::exec::store::Store;
use crate::response::{Series, Value};
use crate::time::Zone;

/// The GROUP BY clause, resolved once per statement.
struct Dimensions {
    /// `time(interval, offset)`; `None` without one (or for `time(0s)`).
    time: Option<(i64, i64)>,
    /// The `tz()` zone buckets align to.
    zone: Option<Zone>,
    tags: Vec<TagDim>,
}

enum TagDim {
    Name(String),
    All,
    Regex(regex::Regex),
}

/// A SELECT statement as the executor runs it: [`execute_select`], then, with `tz()`, every
/// time of the result carries the zone's offset at that instant (the response shows local
/// times). Subqueries and `INTO` read the plain UTC results of [`execute_select`].
pub(crate) fn execute_select_statement(
    engine: &dyn Store,
    s: &SelectStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    let mut out = execute_select(engine, s, ctx)?;
    if let (None, Some(zone)) = (&s.into, zone_of(s)?) {
        if !zone.is_utc() {
            localize(&mut out, zone);
        }
    }
    Ok(out)
}

/// The statement's `tz()` zone (the parser has validated the name already).
fn zone_of(s: &SelectStatement) -> Result<Option<Zone>, ExecError> {
    match &s.timezone {
        None => Ok(None),
        Some(name) => Zone::parse(name)
            .map(Some)
            .ok_or_else(|| ExecError::Invalid(format!("unable to find time zone {name}"))),
    }
}

/// Every time value becomes a [`Value::ZonedTime`] in `zone`.
fn localize(series: &mut [Series], zone: Zone) {
    for v in series
        .iter_mut()
        .flat_map(|s| s.values.iter_mut())
        .flat_map(|row| row.iter_mut())
    {
        if let Value::Time(t) = *v {
            *v = Value::ZonedTime(t, zone.offset_secs(t));
        }
    }
}

pub(crate) fn execute_select(
    engine: &dyn Store,
    s: &SelectStatement,
    ctx: &ExecContext,
) -> Result<Vec<Series>, ExecError> {
    if let Some(target) = &s.into {
        let plain = SelectStatement {
            into: None,
            ..s.clone()
        };
        let series = execute_select(engine, &plain, ctx)?;
        return super::into::write_into(engine, target, &series, ctx);
    }
    if super::subquery::has_subquery(s) {
        return super::subquery::execute_subqueries(engine, s, ctx);
    }
    let dims = dimensions(s, ctx)?;
    let mut out = Vec::new();
    let sources = resolve_sources(engine, s, ctx)?;
    for (db, rp, measurement, copies) in &sources {
        out.extend(select_measurement(
            engine,
            s,
            ctx,
            &dims,
            db,
            rp.as_deref(),
            measurement,
            *copies,
        )?);
    }
    // Several measurements: `*` lists the union of their columns (InfluxDB 1.6.7).
    if sources.len() > 1 {
        let mut schemas = Vec::with_capacity(sources.len());
        for (db, rp, m, _) in &sources {
            let fields = engine.field_keys(db, rp.as_deref(), m)?;
            let tags = engine.tag_keys(db, m)?;
            let grouped = group_keys(&dims, &tags);
            schemas.push(super::union::StarSchema {
                fields: fields.into_iter().map(|(n, _)| n).collect(),
                tags,
                grouped,
            });
        }
        super::union::star_union(&s.fields, &schemas, &mut out)?;
    }
    // ORDER BY time DESC also reverses the series order (InfluxDB sorts its iterators by
    // series key in the requested direction).
    if s.order == Some(SortOrder::Desc) {
        out.reverse();
    }
    Ok(out)
}

fn dimensions(s: &SelectStatement, ctx: &ExecContext) -> Result<Dimensions, ExecError> {
    let mut d = Dimensions {
        time: None,
        zone: zone_of(s)?,
        tags: Vec::new(),
    };
    let mut seen_time = false;
    for dim in &s.dimensions {
        match dim.expr.unparen() {
            Expr::Call { name, args } if name.eq_ignore_ascii_case("time") => {
                if seen_time {
                    return Err(ExecError::Invalid(
                        "multiple time dimensions not allowed".into(),
                    ));
                }
                seen_time = true;
                if args.is_empty() || args.len() > 2 {
                    return Err(ExecError::Invalid(
                        "time dimension expected 1 or 2 arguments".into(),
                    ));
                }
                let interval = match args.first().map(Expr::unparen) {
                    Some(Expr::Literal(Literal::Duration(i))) => *i,
                    _ => {
                        return Err(ExecError::Invalid(
                            "time dimension must have duration argument".into(),
                        ));
                    }
                };
                let offset = match args.get(1) {
                    None => 0,
                    Some(e) => eval_time(e, ctx.now)?,
                };
                // A negative interval is ignored like `time(0s)` (InfluxDB 1.6.7 answers as
                // without GROUP BY time).
                if interval > 0 {
                    d.time = Some((interval, offset.rem_euclid(interval)));
                }
            }
            Expr::VarRef { name, .. } => d.tags.push(TagDim::Name(name.clone())),
            Expr::Wildcard(_) => d.tags.push(TagDim::All),
            Expr::Literal(Literal::Regex(r)) => {
                d.tags.push(TagDim::Regex(regex::Regex::new(r).map_err(|e| {
                    ExecError::Invalid(format!("invalid regex /{r}/: {e}"))
                })?))
            }
            other => {
                return Err(ExecError::Invalid(format!(
                    "only time and tag dimensions allowed: {other}"
                )));
            }
        }
    }
    Ok(d)
}

/// `(database, retention policy, measurement, copies)` per source, sorted by measurement name;
/// `copies` counts how often the FROM list names it (InfluxDB 1.6.7 reads it that many times).
#[allow(clippy::type_complexity)]
fn resolve_sources(
    engine: &dyn Store,
    s: &SelectStatement,
    ctx: &ExecContext,
) -> Result<Vec<(String, Option<String>, String, usize)>, ExecError> {
    let mut out = Vec::new();
    for src in &s.sources {
        let Source::Measurement(m) = src else {
            return Err(ExecError::Unsupported("subqueries".into()));
        };
        let db = existing_database(engine, m, ctx)?;
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
    let mut counted: Vec<(String, Option<String>, String, usize)> = Vec::with_capacity(out.len());
    for (db, rp, m) in out {
        match counted.last_mut() {
            Some(last) if last.0 == db && last.1 == rp && last.2 == m => last.3 += 1,
            _ => counted.push((db, rp, m, 1)),
        }
    }
    Ok(counted)
}

/// The GROUP BY tag keys of a measurement with tag keys `tag_keys`, sorted.
fn group_keys(dims: &Dimensions, tag_keys: &[String]) -> Vec<String> {
    let mut group_keys: Vec<String> = Vec::new();
    for d in &dims.tags {
        match d {
            TagDim::Name(n) => group_keys.push(n.clone()),
            TagDim::All => group_keys.extend(tag_keys.iter().cloned()),
            TagDim::Regex(re) => {
                group_keys.extend(tag_keys.iter().filter(|k| re.is_match(k)).cloned())
            }
        }
    }
    group_keys.sort();
    group_keys.dedup();
    group_keys
}

#[allow(clippy::too_many_arguments)]
fn select_measurement(
    engine: &dyn Store,
    s: &SelectStatement,
    ctx: &ExecContext,
    dims: &Dimensions,
    db: &str,
    rp: Option<&str>,
    measurement: &str,
    copies: usize,
) -> Result<Vec<Series>, ExecError> {
    let started = Instant::now();
    let fields = engine.field_keys(db, rp, measurement)?;
    let tag_keys = engine.tag_keys(db, measurement)?;
    let group_keys = group_keys(dims, &tag_keys);
    let schema = Schema {
        fields: &fields,
        tags: &tag_keys,
        grouped: &group_keys,
        group_by_time: dims.time.is_some(),
    };
    let mut plan = match compile(&s.fields, &schema) {
        Ok(p) => p,
        // A measurement without fields (absent) answers nothing rather than failing.
        Err(ExecError::Invalid(m)) if fields.is_empty() && m.starts_with("at least 1") => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(e),
    };
    // (No columns: every field-list entry was a `*`/regex expansion that matched nothing.)
    if fields.is_empty() || plan.columns.is_empty() {
        return Ok(Vec::new());
    }
    let is_field = |n: &str| fields.iter().any(|(f, _)| f == n);
    let sc = select_condition(s.condition.as_ref(), ctx.now, &is_field)?;
    let cond = match &sc.residual {
        Some(e) => Some(compile_cond(e, &mut plan, &is_field)?),
        None => None,
    };
    let min_time = sc.tags.min_time;
    let mut max_time = sc.tags.max_time;
    if dims.time.is_some() && max_time == i64::MAX {
        max_time = ctx.now;
    }
    if min_time > max_time {
        return Ok(Vec::new());
    }
    // Transformations over GROUP BY time read one bucket before the range so that the first
    // bucket's derivative/difference exists (InfluxDB extends the range the same way); rows
    // before `keep_from` are dropped after the transformations ran.
    let mut keep_from = i64::MIN;
    let mut min_time = min_time;
    if let Some((interval, offset)) = dims.time {
        if plan.has_transform() && sc.tags.has_lower_bound {
            keep_from = Window::zoned(min_time, min_time, interval, offset, dims.zone, 0)?.start;
            min_time = keep_from.saturating_sub(interval);
        }
    }
    let mut fine_keys = group_keys.clone();
    fine_keys.extend(plan.tag_keys.iter().cloned());
    let scope = IndexScope {
        database: db.to_owned(),
        retention_policy: rp.map(str::to_owned),
        min_time,
        max_time,
    };
    let selecting = Instant::now();
    let groups = engine.group_series(&scope, measurement, &sc.tags.predicate, &fine_keys)?;
    let selected = Instant::now();
    ctx.limits.check_series(groups.series.len())?;
    let (out_of, out_tags) = output_groups(&groups, group_keys.len(), s);
    if let Some(trace) = &ctx.trace {
        trace.push(measurement_trace(
            (&scope, measurement),
            &sc,
            &plan,
            &group_keys,
            dims.time,
            &groups,
            out_tags.len(),
            s,
            [started, selecting, selected],
        ));
        if !trace.analyze {
            return Ok(Vec::new());
        }
    }
    let tags_of: Vec<Vec<String>> = groups
        .groups
        .iter()
        .map(|g| {
            g.get(group_keys.len()..)
                .map(<[String]>::to_vec)
                .unwrap_or_default()
        })
        .collect();
    // Every series unless SLIMIT/SOFFSET dropped some groups (a rebuild costs an insert per series).
    let series = if out_of.iter().all(|&o| o != SKIP) {
        groups.series.clone()
    } else {
        RoaringBitmap::from_sorted_iter(groups.series.iter().filter(|&id| {
            groups
                .group(id)
                .and_then(|g| out_of.get(g as usize))
                .is_some_and(|&o| o != SKIP)
        }))
        .unwrap_or_default()
    };
    if series.is_empty() || plan.scan_fields.is_empty() {
        return Ok(Vec::new());
    }
    let req = ScanRequest {
        database: db.to_owned(),
        retention_policy: rp.map(str::to_owned),
        measurement: measurement.to_owned(),
        min_time,
        max_time,
        series,
        fields: plan.scan_fields.clone(),
        times: plan.needs_times(dims.time.is_some()),
    };
    let window = match dims.time {
        Some((interval, offset)) => {
            let start = if sc.tags.has_lower_bound {
                min_time
            } else {
                let mut m = MinTimeSink::default();
                engine.scan(&req, &mut [&mut m])?;
                match m.min {
                    Some(t) => t,
                    None => return Ok(Vec::new()),
                }
            };
            let w = Window::zoned(
                start,
                max_time,
                interval,
                offset,
                dims.zone,
                ctx.limits.max_select_buckets,
            )?;
            ctx.limits.check_buckets(w.len as u64)?;
            w
        }
        None => Window::single(if sc.tags.has_lower_bound { min_time } else { 0 }),
    };
    let points = AtomicU64::new(0);
    let shared = Shared {
        groups: &groups,
        out_of: &out_of,
        tags_of: &tags_of,
        window,
        min_time,
        max_time,
        cond: cond.as_ref(),
        ctx,
        points: &points,
    };
    let meta = SeriesMeta {
        measurement,
        keys: &group_keys,
        out_tags: &out_tags,
        tags_of: &tags_of,
        groups: &groups,
        keep_from,
        copies,
    };
    let running = Instant::now();
    let result = if plan.is_aggregate() {
        aggregate(engine, s, &plan, &req, &shared, &meta, dims)
    } else {
        raw(engine, s, &plan, &req, &shared, &meta)
    };
    if let (Some(trace), Ok(series)) = (&ctx.trace, &result) {
        trace.finish(
            running,
            shared.window.len,
            points.load(Ordering::Relaxed),
            series,
        );
    }
    result
}

/// Fine groups → output groups (the distinct GROUP BY tag values), SLIMIT/SOFFSET applied.
fn output_groups(
    groups: &SeriesGroups,
    nkeys: usize,
    s: &SelectStatement,
) -> (Vec<u32>, Vec<Vec<String>>) {
    let mut index: HashMap<&[String], u32> = HashMap::new();
    let mut tags: Vec<Vec<String>> = Vec::new();
    let mut out_of = Vec::with_capacity(groups.groups.len());
    for g in &groups.groups {
        let key = g.get(..nkeys).unwrap_or(g.as_slice());
        let next = tags.len() as u32;
        let o = *index.entry(key).or_insert_with(|| {
            tags.push(key.to_vec());
            next
        });
        out_of.push(o);
    }
    // Output groups are already ascending (fine groups are sorted and the keys are a prefix).
    let soffset = s.soffset.map_or(0, |v| v as usize);
    let slimit = s.slimit.map_or(usize::MAX, |v| v as usize);
    let keep_end = soffset.saturating_add(slimit).min(tags.len());
    let keep = soffset.min(keep_end)..keep_end;
    for o in out_of.iter_mut() {
        *o = if keep.contains(&(*o as usize)) {
            *o - keep.start as u32
        } else {
            SKIP
        };
    }
    (
        out_of,
        tags.get(keep).map(<[_]>::to_vec).unwrap_or_default(),
    )
}

struct SeriesMeta<'a> {
    measurement: &'a str,
    keys: &'a [String],
    out_tags: &'a [Vec<String>],
    tags_of: &'a [Vec<String>],
    groups: &'a SeriesGroups,
    /// Rows before this time are dropped (the extra bucket transformations read).
    keep_from: i64,
    /// How often the FROM list names the measurement: its points are read that many times.
    copies: usize,
}

impl SeriesMeta<'_> {
    fn series(&self, plan: &Plan, group: usize, rows: Rows) -> Series {
        let mut columns = vec!["time".to_owned()];
        columns.extend(plan.columns.iter().map(|c| c.name.clone()));
        Series {
            name: Some(self.measurement.to_owned()),
            tags: self
                .keys
                .iter()
                .cloned()
                .zip(self.out_tags.get(group).cloned().unwrap_or_default())
                .collect(),
            columns,
            values: rows
                .into_iter()
                .map(|(t, mut v)| {
                    v.insert(0, Value::Time(t));
                    v
                })
                .collect(),
        }
    }

    /// Tag `key` (index into the plan's tag keys) of series `id`.
    fn tag_of_series(&self, id: u32, key: usize) -> Value {
        self.groups
            .group(id)
            .and_then(|g| self.tags_of.get(g as usize))
            .and_then(|t| t.get(key))
            .map_or(Value::Null, |v| tag_value(v))
    }
}

fn scan_two<S: ScanSink>(
    engine: &dyn Store,
    req: &ScanRequest,
    mut a: S,
    mut b: S,
    trace: Option<&Trace>,
    shared: Option<&crate::cq::Participant>,
) -> Result<(S, S), ExecError> {
    let started = Instant::now();
    match shared {
        Some(p) => p.scan(engine, req, &mut [&mut a, &mut b])?,
        None => engine.scan(req, &mut [&mut a, &mut b])?,
    }
    if let Some(t) = trace {
        t.add_scan(started.elapsed());
    }
    Ok((a, b))
}

fn aggregate(
    engine: &dyn Store,
    s: &SelectStatement,
    plan: &Plan,
    req: &ScanRequest,
    shared: &Shared<'_>,
    meta: &SeriesMeta<'_>,
    dims: &Dimensions,
) -> Result<Vec<Series>, ExecError> {
    let w = &shared.window;
    let ngroups = meta.out_tags.len();
    let nslots = ngroups
        .checked_mul(w.len)
        .filter(|&n| n < SKIP as usize)
        .ok_or_else(|| ExecError::Invalid("too many groups × buckets".into()))?;
    let specs: Vec<_> = plan.agg_specs().collect();
    let part = shared.ctx.shared_scan.as_deref().zip(PartialAsk::new(
        w,
        shared.min_time,
        shared.max_time,
        &specs,
        shared.cond.is_some(),
        req.series.len(),
    ));
    let (mut a, b) = match part {
        // A continuous query of a shared scan: per-series partials when others share them.
        Some((p, ask)) => {
            let started = Instant::now();
            let mut a = AggSink::new(shared, specs.clone(), nslots)?;
            p.scan_partials(engine, req, std::sync::Arc::new(ask), &mut a)?;
            if let Some(t) = shared.ctx.trace.as_deref() {
                t.add_scan(started.elapsed());
            }
            (a, AggSink::new(shared, Vec::new(), 0)?)
        }
        None => scan_two(
            engine,
            req,
            AggSink::new(shared, specs.clone(), nslots)?,
            AggSink::new(shared, specs.clone(), nslots)?,
            shared.ctx.trace.as_deref(),
            shared.ctx.shared_scan.as_deref(),
        )?,
    };
    if let Some(e) = a.error.take().or(b.error) {
        return Err(e);
    }
    for (x, y) in a.accs.iter_mut().zip(b.accs) {
        x.merge(y)?;
    }
    // A source named twice is read twice: every point counts `copies` times.
    if meta.copies > 1 {
        let once = a.accs.clone();
        for _ in 1..meta.copies {
            for (x, y) in a.accs.iter_mut().zip(once.iter().cloned()) {
                x.merge(y)?;
            }
        }
    }
    let accs = a.accs;
    let fill_opt = s.fill.clone().unwrap_or(Fill::Null);
    let single_selector = specs.len() == 1 && specs[0].call.func.is_selector();
    // integral() alone is never filled: InfluxDB emits only the buckets its reducer closed.
    let integral_only = specs.iter().all(|s| s.call.func == AggregateFn::Integral);
    let multi = specs.len() == 1
        && matches!(
            specs[0].call.func,
            AggregateFn::Top | AggregateFn::Bottom | AggregateFn::Sample | AggregateFn::Distinct
        );
    let tctx = TransformContext {
        interval: dims.time.map(|(i, _)| i),
        offset: dims.time.map_or(0, |(_, o)| o),
        descending: s.order == Some(SortOrder::Desc),
    };
    let top_groups: Vec<Option<Vec<u32>>> = specs
        .iter()
        .map(|spec| super::plan::top_tag_groups(spec, meta.tags_of))
        .collect();
    let agg_leaf: HashMap<usize, usize> =
        plan.aggs.iter().enumerate().map(|(k, &l)| (l, k)).collect();
    let mut out = Vec::new();
    for g in 0..ngroups {
        if g % 64 == 0 {
            shared.ctx.interrupt.check()?;
        }
        let slot = |b: usize| g * w.len + b;
        if !(0..w.len).any(|b| accs.iter().any(|acc| acc.count(slot(b)) > 0)) {
            continue;
        }
        // results[k][b]: the output points of aggregate k in bucket b.
        let mut results = Vec::with_capacity(specs.len());
        for ((spec, acc), tag_groups) in specs.iter().zip(&accs).zip(&top_groups) {
            let group_of = |id: u32| {
                meta.groups
                    .group(id)
                    .and_then(|g| tag_groups.as_ref()?.get(g as usize).copied())
                    .unwrap_or(0)
            };
            let group_of: Option<&dyn Fn(u32) -> u32> = tag_groups
                .as_ref()
                .map(|_| &group_of as &dyn Fn(u32) -> u32);
            if spec.call.func == AggregateFn::Integral && dims.time.is_some() {
                results.push(integral_per_bucket(spec, acc, w, g)?);
                continue;
            }
            let mut per_bucket = Vec::with_capacity(w.len);
            for b in 0..w.len {
                per_bucket.push(if acc.count(slot(b)) == 0 {
                    Vec::new()
                } else {
                    acc.finish(spec, slot(b), group_of)?
                });
            }
            results.push(per_bucket);
        }
        if results.iter().all(|r| r.iter().all(Vec::is_empty)) {
            continue;
        }
        let picked = pick_fields(engine, plan, req, &results, shared.ctx.trace.as_deref())?;
        let pick = |series: Option<u32>, time: Option<i64>, scan: usize, c| {
            series
                .zip(time)
                .and_then(|k| picked.get(&k))
                .and_then(|cells| cells.get(scan).cloned())
                .map_or(Value::Null, |v| cast(v, c))
        };
        let leaf_value =
            |k_of: &dyn Fn(usize) -> Option<(Value, Option<u32>)>, at: Option<i64>, l: usize| {
                match plan.leaves.get(l) {
                    Some(Leaf::Field { scan, cast: c }) => {
                        pick(k_of(0).and_then(|(_, s)| s), at, *scan, *c)
                    }
                    Some(Leaf::Agg(_)) => agg_leaf
                        .get(&l)
                        .and_then(|&k| k_of(k))
                        .map_or(Value::Null, |(v, _)| v),
                    Some(Leaf::Tag { key }) => k_of(0)
                        .and_then(|(_, series)| series)
                        .map_or(Value::Null, |id| meta.tag_of_series(id, *key)),
                    _ => Value::Null,
                }
            };
        let mut rows: Rows = Vec::new();
        if multi {
            for (b, points) in results[0].iter().enumerate() {
                for (r, series) in points {
                    let t = match specs[0].call.func {
                        AggregateFn::Distinct => w.bucket_start(b),
                        _ => r.time.unwrap_or_else(|| w.bucket_start(b)),
                    };
                    let k_of = |_k: usize| Some((r.value.clone(), *series));
                    let vals = plan
                        .columns
                        .iter()
                        .map(|c| eval(&c.node, &|l| leaf_value(&k_of, r.time, l)))
                        .collect::<Result<Vec<_>, _>>()?;
                    rows.push((t, vals));
                }
            }
            rows.sort_by_key(|(t, _)| *t);
        } else {
            let mut filled: Vec<Vec<Value>> = Vec::with_capacity(specs.len());
            for (spec, per_bucket) in specs.iter().zip(&results) {
                let mut vals: Vec<Option<Value>> = per_bucket
                    .iter()
                    .map(|p| p.first().map(|(r, _)| r.value.clone()))
                    .collect();
                // fill(previous) follows the output order: under ORDER BY time DESC the
                // "previous" bucket is the later one.
                if tctx.descending {
                    vals.reverse();
                }
                let mut f = fill(&mut vals, spec.call.func, &fill_opt, dims.time.is_some());
                if tctx.descending {
                    f.reverse();
                }
                filled.push(f);
            }
            for b in 0..w.len {
                let empty = results.iter().all(|r| r[b].is_empty());
                if empty && (fill_opt == Fill::None || dims.time.is_none() || integral_only) {
                    continue;
                }
                let t = if dims.time.is_some() {
                    w.bucket_start(b)
                } else if integral_only {
                    // (InfluxDB's integral reducer stamps its window start, 0 without one.)
                    0
                } else if single_selector {
                    results[0][b]
                        .first()
                        .and_then(|(r, _)| r.time)
                        .unwrap_or(w.start)
                } else {
                    w.start
                };
                let k_of = |k: usize| {
                    let series = results.get(k).and_then(|r| r[b].first()).and_then(|p| p.1);
                    Some((filled.get(k)?.get(b)?.clone(), series))
                };
                let at = results
                    .first()
                    .and_then(|r| r[b].first())
                    .and_then(|(r, _)| r.time);
                let vals = plan
                    .columns
                    .iter()
                    .map(|c| eval(&c.node, &|l| leaf_value(&k_of, at, l)))
                    .collect::<Result<Vec<_>, _>>()?;
                rows.push((t, vals));
            }
        }
        let mut rows = apply_transforms(plan, rows, &tctx)?;
        rows.retain(|(t, _)| *t >= meta.keep_from);
        let rows = order_and_limit(rows, tctx.descending, s.offset, s.limit);
        if !rows.is_empty() {
            out.push(meta.series(plan, g, rows));
        }
    }
    Ok(out)
}

/// `integral()` over GROUP BY time for output group `g`: the streaming reducer runs over the
/// group's points of every bucket (`functions::integral_buckets`); buckets it does not emit stay
/// empty.
fn integral_per_bucket(
    spec: &super::plan::AggSpec,
    acc: &super::accum::Accumulator,
    w: &Window,
    g: usize,
) -> Result<Vec<Vec<(Reduced, Option<u32>)>>, ExecError> {
    let mut per_bucket = vec![Vec::new(); w.len];
    let Some(points) = acc.group_points((0..w.len).map(|b| g * w.len + b)) else {
        return Ok(per_bucket);
    };
    let unit = spec.call.number.unwrap_or(1e9);
    for (start, sum) in integral_buckets(&points, unit, &|t| w.bounds(t))? {
        if let Some(cell) = w.index(start).and_then(|b| per_bucket.get_mut(b)) {
            cell.push((
                Reduced {
                    value: Value::Float(sum),
                    time: None,
                    index: None,
                },
                None,
            ));
        }
    }
    Ok(per_bucket)
}

/// The scanned cells of the points a lone selector picked, when fields stand beside it
/// (`SELECT max(v), code`): one extra scan reading only those (series, time) rows.
fn pick_fields(
    engine: &dyn Store,
    plan: &Plan,
    req: &ScanRequest,
    results: &[Vec<Vec<(crate::exec::functions::Reduced, Option<u32>)>>],
    trace: Option<&Trace>,
) -> Result<HashMap<(u32, i64), Vec<Value>>, ExecError> {
    if !plan.leaves.iter().any(|l| matches!(l, Leaf::Field { .. })) {
        return Ok(HashMap::new());
    }
    let wanted: std::collections::HashSet<(u32, i64)> = results
        .iter()
        .take(1)
        .flatten()
        .flatten()
        .filter_map(|(r, s)| Some(((*s)?, r.time?)))
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    // The points are found by time.
    let timed;
    let req = if req.times {
        req
    } else {
        timed = ScanRequest {
            times: true,
            ..req.clone()
        };
        &timed
    };
    let (a, b) = scan_two(
        engine,
        req,
        PickSink {
            wanted: &wanted,
            found: HashMap::new(),
        },
        PickSink {
            wanted: &wanted,
            found: HashMap::new(),
        },
        trace,
        None,
    )?;
    let mut found = a.found;
    for (k, v) in b.found {
        found.entry(k).or_insert(v);
    }
    Ok(found)
}

fn raw(
    engine: &dyn Store,
    s: &SelectStatement,
    plan: &Plan,
    req: &ScanRequest,
    shared: &Shared<'_>,
    meta: &SeriesMeta<'_>,
) -> Result<Vec<Series>, ExecError> {
    let selected: Vec<usize> = plan
        .leaves
        .iter()
        .filter_map(|l| match l {
            Leaf::Field { scan, .. } => Some(*scan),
            _ => None,
        })
        .collect();
    if selected.is_empty() {
        return Ok(Vec::new());
    }
    let (mut a, b) = scan_two(
        engine,
        req,
        RawSink::new(shared, &selected),
        RawSink::new(shared, &selected),
        shared.ctx.trace.as_deref(),
        shared.ctx.shared_scan.as_deref(),
    )?;
    if let Some(e) = a.error.take().or(b.error) {
        return Err(e);
    }
    let plain = plan.plain_column_fields();
    let mut rows = a.rows;
    rows.extend(b.rows);
    // A source named twice is read twice (the copies of a row stay adjacent: the sort is stable).
    if meta.copies > 1 {
        let n = rows.len();
        for _ in 1..meta.copies {
            for i in 0..n {
                let r = &rows[i];
                let copy = super::sink::RawRow {
                    group: r.group,
                    fine: r.fine,
                    series: r.series,
                    time: r.time,
                    cells: r.cells.clone(),
                };
                rows.push(copy);
            }
        }
    }
    rows.sort_by_key(|r| (r.group, r.time, r.series));
    let tctx = TransformContext {
        interval: None,
        offset: 0,
        descending: s.order == Some(SortOrder::Desc),
    };
    let mut out = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let g = rows[start].group;
        let end = start + rows[start..].iter().take_while(|r| r.group == g).count();
        let mut series_rows: Rows = Vec::with_capacity(end - start);
        // Transformations see equal times in InfluxDB's merge order (see `go_merge`).
        let order: Vec<usize> = if plan.has_transform() && !tctx.descending {
            let keys: Vec<(i64, u32)> = rows[start..end]
                .iter()
                .map(|r| (r.time, r.series))
                .collect();
            super::go_merge::heap_merge_order(&keys)
        } else {
            (0..end - start).collect()
        };
        for r in order.iter().filter_map(|&i| rows.get(start + i)) {
            let leaf = |l: usize| match plan.leaves.get(l) {
                Some(Leaf::Field { scan, cast: c }) => {
                    cast(r.cells.get(*scan).cloned().unwrap_or(Value::Null), *c)
                }
                Some(Leaf::Tag { key }) => meta
                    .tags_of
                    .get(r.fine as usize)
                    .and_then(|t| t.get(*key))
                    .map_or(Value::Null, |v| tag_value(v)),
                _ => Value::Null,
            };
            let vals = plan
                .columns
                .iter()
                .map(|c| eval(&c.node, &leaf))
                .collect::<Result<Vec<_>, _>>()?;
            // A cast to a type the field lacks reads null: such rows do not exist. A field read
            // as is makes its row exist even when the column is null (`abs(msg)`: a null per
            // point of msg, InfluxDB 1.6.7).
            let read = |scan: &usize| r.cells.get(*scan).is_some_and(|v| *v != Value::Null);
            if vals.iter().any(|v| *v != Value::Null) || plain.iter().any(read) {
                series_rows.push((r.time, vals));
            }
        }
        let series_rows = apply_transforms(plan, series_rows, &tctx)?;
        let series_rows = order_and_limit(series_rows, tctx.descending, s.offset, s.limit);
        if !series_rows.is_empty() {
            out.push(meta.series(plan, g as usize, series_rows));
        }
        start = end;
    }
    Ok(out)
}

/// A tag column's value: tag values are never empty, so `""` (the grouping's "lacks the key")
/// is null.
fn tag_value(v: &str) -> Value {
    if v.is_empty() {
        Value::Null
    } else {
        Value::Str(v.to_owned())
    }
}

/// The database `m` names, or the request's (`db=`); it must exist.
pub(super) fn existing_database(
    engine: &dyn Store,
    m: &crate::ast::MeasurementName,
    ctx: &ExecContext,
) -> Result<String, ExecError> {
    let db = m
        .database
        .clone()
        .or_else(|| ctx.database.clone())
        .ok_or(ExecError::DatabaseNameRequired)?;
    if !engine.database_exists(&db) {
        return Err(ExecError::DatabaseNotFound(db));
    }
    Ok(db)
}
