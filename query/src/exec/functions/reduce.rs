//! Aggregates over one bucket of points (count, distinct, integral, mean, median, mode, spread,
//! stddev, sum) and the dispatch of [`reduce`]; the selectors live in `select.rs`.
//!
//! Invariants:
//! 1. No input point → no output row, for every function (`count`'s 0 in empty buckets is the
//!    executor's fill, as in InfluxDB where the reducer never runs for an empty window).
//! 2. The type check runs before anything else, so a string field fails with InfluxDB's text even
//!    in an empty bucket.
//! 3. Aggregates return `time: None, index: None`; the executor stamps the bucket start.

use std::cmp::Ordering;

use super::select;
use super::{AggregateCall, AggregateFn, Points, Reduced, Values};
use crate::ast::Expr;
use crate::exec::error::ExecError;
use crate::response::Value;

pub(super) fn build_call(name: &str, args: &[Expr]) -> Result<Option<AggregateCall>, ExecError> {
    super::call::build_aggregate(name, args)
}

/// The word InfluxDB's iterator type names use for a value type.
pub(super) fn type_word(v: &Values) -> &'static str {
    match v {
        Values::Float(_) => "float",
        Values::Integer(_) => "integer",
        Values::Unsigned(_) => "unsigned",
        Values::String(_) => "string",
        Values::Boolean(_) => "boolean",
        Values::Sketch(_) => "sketch",
    }
}

/// `unsupported mean iterator type: *query.stringInterruptIterator`.
pub(super) fn type_error(name: &str, word: &str) -> ExecError {
    ExecError::Invalid(format!(
        "unsupported {name} iterator type: *query.{word}InterruptIterator"
    ))
}

/// Which value types a function accepts (InfluxDB 1.8 `call_iterator.go`).
fn accepts(func: AggregateFn, v: &Values) -> bool {
    use AggregateFn::*;
    let numeric = matches!(
        v,
        Values::Float(_) | Values::Integer(_) | Values::Unsigned(_)
    );
    match func {
        Count | CountDistinct | Distinct | First | Last | Mode | Sample => true,
        Max | Min => numeric || matches!(v, Values::Boolean(_)),
        Integral | Mean | Median | Spread | Stddev | Sum | Bottom | Top | Percentile => numeric,
        PercentileApprox | Sketch => numeric,
    }
}

/// The output points of `call` over `points` (time ascending): one for most functions, none when
/// there is nothing to answer (no points; a percentile index out of range), several for `top`,
/// `bottom`, `sample` and `distinct`. `top`/`bottom` with tag arguments need the tag groups: use
/// [`reduce_grouped`].
pub fn reduce(call: &AggregateCall, points: &Points) -> Result<Vec<Reduced>, ExecError> {
    reduce_grouped(call, points, None)
}

/// [`reduce`] with, for `top(f, tag.., N)` / `bottom(f, tag.., N)`, `groups[i]` = an id of the
/// combination of the call's tag values at point `i` (any numbering; equal ids = equal tag
/// values). As in InfluxDB, each group first contributes its own max (top) or min (bottom) point —
/// ties go to the earliest — and N rows are then chosen among those. `groups` is ignored by every
/// other function; `None` treats all points as distinct groups (no tag arguments).
pub fn reduce_grouped(
    call: &AggregateCall,
    points: &Points,
    groups: Option<&[u32]>,
) -> Result<Vec<Reduced>, ExecError> {
    use AggregateFn::*;
    let v = &points.values;
    if matches!(v, Values::Sketch(_)) || super::sketch::builds_sketch(call.func) {
        return super::sketch::reduce_sketch(call, points);
    }
    if !accepts(call.func, v) {
        let name = match call.func {
            CountDistinct => "distinct",
            f => f.name(),
        };
        return Err(type_error(name, type_word(v)));
    }
    if v.is_empty() {
        return Ok(Vec::new());
    }
    if points.times.len() != v.len() {
        return Err(ExecError::Invalid(format!(
            "internal error: {} times for {} values in {}()",
            points.times.len(),
            v.len(),
            call.func.name()
        )));
    }
    let one = |value: Value| {
        Ok(vec![Reduced {
            value,
            time: None,
            index: None,
        }])
    };
    match call.func {
        Count => one(Value::Int(v.len() as i64)),
        CountDistinct => one(Value::Int(distinct_values(points).len() as i64)),
        Distinct => Ok(distinct_values(points)
            .into_iter()
            .map(|value| Reduced {
                value,
                time: None,
                index: None,
            })
            .collect()),
        Integral => one(integral(points, call.number.unwrap_or(1e9))),
        Mean => one(mean(v)),
        Median => one(median(v)),
        Mode => one(mode(points)),
        Spread => one(spread(v)),
        Stddev => one(stddev(v)),
        Sum => one(sum(v)),
        First | Last | Max | Min => Ok(select::single(call.func, points).into_iter().collect()),
        Percentile => Ok(select::percentile(points, call.number.unwrap_or(f64::NAN))
            .into_iter()
            .collect()),
        Top | Bottom => {
            let n = call.number.unwrap_or(1.0).max(1.0) as usize;
            let groups = if call.tags.is_empty() { None } else { groups };
            Ok(select::top_bottom(call.func == Top, points, n, groups))
        }
        Sample => Ok(select::sample(
            points,
            call.number.unwrap_or(1.0).max(1.0) as usize,
        )),
        // (Answered by `reduce_sketch` above.)
        PercentileApprox | Sketch => Ok(Vec::new()),
    }
}

/// The distinct values in InfluxDB's order: by the time each value is first seen, values first
/// seen at the same time by value (1.6.7's distinct reducer keeps each value's first point and
/// sorts those points by time, then value). `points` are time-ascending, so "first seen" is the
/// earliest index.
fn distinct_values(points: &Points) -> Vec<Value> {
    fn ordered<T: Clone>(
        times: &[i64],
        x: &[T],
        cmp: impl Fn(&T, &T) -> Ordering,
        wrap: impl Fn(T) -> Value,
    ) -> Vec<Value> {
        // Indices sorted by value, earliest first among equals; keep each value's first index.
        let mut idx: Vec<usize> = (0..x.len().min(times.len())).collect();
        idx.sort_by(|&a, &b| cmp(&x[a], &x[b]).then(a.cmp(&b)));
        idx.dedup_by(|b, a| cmp(&x[*a], &x[*b]) == Ordering::Equal);
        idx.sort_by(|&a, &b| times[a].cmp(&times[b]).then_with(|| cmp(&x[a], &x[b])));
        idx.into_iter().map(|i| wrap(x[i].clone())).collect()
    }
    let t = &points.times;
    match &points.values {
        Values::Float(x) => ordered(t, x, |a, b| a.total_cmp(b), Value::Float),
        Values::Integer(x) => ordered(t, x, Ord::cmp, Value::Int),
        Values::Unsigned(x) => ordered(t, x, Ord::cmp, Value::UInt),
        Values::String(x) => ordered(t, x, Ord::cmp, Value::Str),
        Values::Boolean(x) => ordered(t, x, Ord::cmp, Value::Bool),
        Values::Sketch(_) => Vec::new(),
    }
}

/// Trapezoids over time in `unit` ns. Points at the same time: the later one replaces the earlier
/// (InfluxDB's reducer). No interpolation at bucket edges (see docs/influxql.md).
fn integral(p: &Points, unit: f64) -> Value {
    let vals: Vec<f64> = match &p.values {
        Values::Float(x) => x.clone(),
        Values::Integer(x) => x.iter().map(|&v| v as f64).collect(),
        Values::Unsigned(x) => x.iter().map(|&v| v as f64).collect(),
        _ => return Value::Null,
    };
    let mut sum = 0.0;
    let (mut pt, mut pv) = (p.times[0], vals[0]);
    for (&t, &v) in p.times.iter().zip(&vals).skip(1) {
        if t != pt {
            sum += 0.5 * (v + pv) * ((t - pt) as f64 / unit);
        }
        pt = t;
        pv = v;
    }
    Value::Float(sum)
}

fn mean(v: &Values) -> Value {
    match v {
        Values::Float(x) => Value::Float(x.iter().sum::<f64>() / x.len() as f64),
        Values::Integer(x) => {
            Value::Float(x.iter().map(|&v| v as i128).sum::<i128>() as f64 / x.len() as f64)
        }
        Values::Unsigned(x) => {
            Value::Float(x.iter().map(|&v| v as u128).sum::<u128>() as f64 / x.len() as f64)
        }
        _ => Value::Null,
    }
}

/// Middle value, or for an even count `lo + (hi - lo) / 2` (InfluxDB's formula), always a float.
/// Linear time: two selections instead of a sort.
fn median(v: &Values) -> Value {
    fn mid<T: Copy>(
        x: &[T],
        cmp: impl Fn(&T, &T) -> Ordering,
        f: impl Fn(T, T, bool) -> f64,
    ) -> f64 {
        let mut s = x.to_vec();
        let n = s.len();
        let (left, &mut hi, _) = s.select_nth_unstable_by(n / 2, &cmp);
        if n % 2 == 1 {
            return f(hi, hi, true);
        }
        let lo = *left.iter().max_by(|a, b| cmp(a, b)).unwrap_or(&hi);
        f(lo, hi, false)
    }
    Value::Float(match v {
        Values::Float(x) => mid(x, f64::total_cmp, |lo, hi, odd| {
            if odd { hi } else { lo + (hi - lo) / 2.0 }
        }),
        Values::Integer(x) => mid(x, i64::cmp, |lo, hi, odd| {
            if odd {
                hi as f64
            } else {
                lo as f64 + (hi as i128 - lo as i128) as f64 / 2.0
            }
        }),
        Values::Unsigned(x) => mid(x, u64::cmp, |lo, hi, odd| {
            if odd {
                hi as f64
            } else {
                lo as f64 + (hi - lo) as f64 / 2.0
            }
        }),
        _ => return Value::Null,
    })
}

/// InfluxDB's mode: values sorted (ties in input order), runs counted; a run with the same count
/// as the best so far replaces it unless the run's first point is later than the point at which
/// the best reached its count. Booleans: `true` when at least as frequent as `false`.
fn mode(p: &Points) -> Value {
    fn run<T: Clone + PartialEq>(
        times: &[i64],
        x: &[T],
        cmp: impl Fn(&T, &T) -> Ordering,
        wrap: impl Fn(T) -> Value,
    ) -> Value {
        let mut idx: Vec<u32> = (0..x.len() as u32).collect();
        idx.sort_by(|&a, &b| cmp(&x[a as usize], &x[b as usize]));
        let first = idx[0] as usize;
        let (mut most_freq, mut curr_freq) = (0usize, 0usize);
        let mut curr_mode = &x[first];
        let mut most_mode = &x[first];
        let (mut most_time, mut curr_time) = (times[first], times[first]);
        for &i in &idx {
            let (v, t) = (&x[i as usize], times[i as usize]);
            if v != curr_mode {
                curr_freq = 1;
                curr_mode = v;
                curr_time = t;
                continue;
            }
            curr_freq += 1;
            if most_freq > curr_freq || (most_freq == curr_freq && curr_time > most_time) {
                continue;
            }
            most_freq = curr_freq;
            most_mode = v;
            most_time = t;
        }
        wrap(most_mode.clone())
    }
    let t = &p.times;
    match &p.values {
        Values::Float(x) => run(t, x, f64::total_cmp, Value::Float),
        Values::Integer(x) => run(t, x, i64::cmp, Value::Int),
        Values::Unsigned(x) => run(t, x, u64::cmp, Value::UInt),
        Values::String(x) => run(t, x, String::cmp, Value::Str),
        Values::Boolean(x) => {
            let trues = x.iter().filter(|&&b| b).count();
            Value::Bool(x.len() == 1 && x[0] || x.len() > 1 && trues >= x.len() - trues)
        }
        Values::Sketch(_) => Value::Null,
    }
}

fn spread(v: &Values) -> Value {
    match v {
        Values::Float(x) => {
            let (lo, hi) = x
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            Value::Float(hi - lo)
        }
        Values::Integer(x) => {
            let (lo, hi) = x
                .iter()
                .fold((i64::MAX, i64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            Value::Int(hi.wrapping_sub(lo))
        }
        Values::Unsigned(x) => {
            let (lo, hi) = x
                .iter()
                .fold((u64::MAX, 0), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            Value::UInt(hi - lo)
        }
        _ => Value::Null,
    }
}

/// Sample standard deviation with InfluxDB's running mean (so results match to the last bit);
/// NaN inputs are skipped; fewer than two points → null (InfluxDB's NaN, printed as null).
fn stddev(v: &Values) -> Value {
    fn sd(it: impl Iterator<Item = f64> + Clone) -> Value {
        let (mut mean, mut count) = (0.0f64, 0usize);
        for x in it.clone().filter(|x| !x.is_nan()) {
            count += 1;
            mean += (x - mean) / count as f64;
        }
        let var: f64 = it
            .filter(|x| !x.is_nan())
            .map(|x| (x - mean) * (x - mean))
            .sum();
        let r = (var / (count as f64 - 1.0)).sqrt();
        if r.is_nan() {
            Value::Null
        } else {
            Value::Float(r)
        }
    }
    if v.len() < 2 {
        return Value::Null;
    }
    match v {
        Values::Float(x) => sd(x.iter().copied()),
        Values::Integer(x) => sd(x.iter().map(|&v| v as f64)),
        Values::Unsigned(x) => sd(x.iter().map(|&v| v as f64)),
        _ => Value::Null,
    }
}

/// Integers stay integers (wrapping on overflow, as Go's int64 does).
fn sum(v: &Values) -> Value {
    match v {
        Values::Float(x) => Value::Float(x.iter().sum()),
        Values::Integer(x) => Value::Int(x.iter().fold(0i64, |a, &b| a.wrapping_add(b))),
        Values::Unsigned(x) => Value::UInt(x.iter().fold(0u64, |a, &b| a.wrapping_add(b))),
        _ => Value::Null,
    }
}
