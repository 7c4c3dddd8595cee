//! Transformations over the rows of one output series (InfluxDB 1.8 `functions.go` reducers).
//!
//! Invariants:
//! 1. Null rows (empty buckets under `fill(null)`) are skipped, as InfluxDB's stream iterators skip
//!    nil points; output rows never carry null.
//! 2. Input rows are time ascending. With `ctx.descending` the rows are processed newest first, as
//!    InfluxDB does under `ORDER BY time DESC` (derivatives then divide by the positive elapsed
//!    time, non-negative filters see the reversed differences), and the output is returned in that
//!    processing order (newest first) — ready to print.
//! 3. Output types: derivative family, moving_average, holt_winters and the technical-analysis
//!    functions → float; difference and cumulative_sum keep the input type; elapsed → integer.
//! 4. derivative/difference skip a row at the same time as the previous one (a joined series);
//!    moving_average/cumulative_sum/elapsed do not.
//!
//! Technical analysis: see `ta.rs` (EMA, DEMA, TEMA, RSI, TRIX, KER, KAMA, CMO).
//!
//! Default units: `derivative(f)` uses the GROUP BY time interval when there is one, else 1s
//! (InfluxDB's `DerivativeInterval`); `elapsed(f)` 1ns.

use super::call::SECOND_NS;
use super::reduce::type_error;
use super::{TransformCall, TransformContext, TransformFn};
use super::{holt_winters, ta};
use crate::ast::Expr;
use crate::exec::error::ExecError;
use crate::response::Value;

pub(super) fn build_call(name: &str, args: &[Expr]) -> Result<Option<TransformCall>, ExecError> {
    super::call::build_transform(name, args)
}

pub(super) fn name(f: TransformFn) -> &'static str {
    super::call::transform_name(f)
}

/// The numeric kind of a run of rows, decided by the first non-null row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Float,
    Int,
    UInt,
}

fn int_arg(call: &TransformCall, i: usize) -> Option<i64> {
    match call.args.get(i) {
        Some(Value::Int(v)) => Some(*v),
        _ => None,
    }
}

/// InfluxDB's iterator name for a transformation in type errors.
fn iterator_name(f: TransformFn) -> &'static str {
    use TransformFn::*;
    match f {
        Derivative | NonNegativeDerivative => "derivative",
        Difference | NonNegativeDifference => "difference",
        MovingAverage => "moving average",
        CumulativeSum => "cumulative sum",
        Elapsed => "elapsed",
        HoltWinters | HoltWintersWithFit => "holt winters",
        ExponentialMovingAverage => "exponential moving average",
        DoubleExponentialMovingAverage => "double exponential moving average",
        TripleExponentialMovingAverage => "triple exponential moving average",
        RelativeStrengthIndex => "relative strength index",
        TripleExponentialDerivative => "triple exponential derivative",
        KaufmansEfficiencyRatio => "kaufmans efficiency ratio",
        KaufmansAdaptiveMovingAverage => "kaufmans adaptive moving average",
        ChandeMomentumOscillator => "chande momentum oscillator",
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Float(f) => *f,
        Value::Int(i) => *i as f64,
        Value::UInt(u) => *u as f64,
        _ => f64::NAN,
    }
}

/// Applies `call` to `rows` (time, value; time ascending; `Value::Null` for empty buckets under
/// fill(null)) and returns the output rows (see the module invariants for order and types).
pub fn transform(
    call: &TransformCall,
    ctx: &TransformContext,
    rows: &[(i64, Value)],
) -> Result<Vec<(i64, Value)>, ExecError> {
    use TransformFn::*;
    // Rows in processing order, nulls dropped.
    let mut pts: Vec<(i64, &Value)> = rows
        .iter()
        .filter(|(_, v)| *v != Value::Null)
        .map(|(t, v)| (*t, v))
        .collect();
    if ctx.descending {
        pts.reverse();
    }
    let mut kind = None;
    for (_, v) in &pts {
        let k = match v {
            Value::Float(_) => Kind::Float,
            Value::Int(_) => Kind::Int,
            Value::UInt(_) => Kind::UInt,
            Value::Str(_) if call.func != Elapsed => {
                return Err(type_error(iterator_name(call.func), "string"));
            }
            Value::Bool(_) if call.func != Elapsed => {
                return Err(type_error(iterator_name(call.func), "boolean"));
            }
            Value::Sketch(_) if call.func != Elapsed => {
                return Err(type_error(iterator_name(call.func), "sketch"));
            }
            _ => Kind::Float,
        };
        // Mixed numeric kinds compute as floats.
        kind = Some(match kind {
            None => k,
            Some(prev) if prev == k => k,
            Some(_) => Kind::Float,
        });
    }
    let kind = kind.unwrap_or(Kind::Float);
    Ok(match call.func {
        Derivative | NonNegativeDerivative => {
            let unit = int_arg(call, 0)
                .or(ctx.interval.filter(|&i| i > 0))
                .unwrap_or(SECOND_NS);
            derivative(&pts, unit, call.func == NonNegativeDerivative, kind)
        }
        Difference | NonNegativeDifference => {
            difference(&pts, call.func == NonNegativeDifference, kind)
        }
        MovingAverage => moving_average(&pts, int_arg(call, 0).unwrap_or(2).max(1) as usize, kind),
        CumulativeSum => cumulative_sum(&pts, kind),
        Elapsed => {
            let unit = int_arg(call, 0).unwrap_or(1).max(1);
            pts.windows(2)
                .map(|w| (w[1].0, Value::Int((w[1].0 - w[0].0) / unit)))
                .collect()
        }
        HoltWinters | HoltWintersWithFit => {
            let Some(interval) = ctx.interval.filter(|&i| i > 0) else {
                return Err(ExecError::Invalid(format!(
                    "{} aggregate requires a GROUP BY interval",
                    name(call.func)
                )));
            };
            let h = int_arg(call, 0).unwrap_or(0);
            let m = int_arg(call, 1).unwrap_or(0);
            let series: Vec<(i64, f64)> = pts.iter().map(|(t, v)| (*t, as_f64(v))).collect();
            holt_winters::forecast(&series, h, m, interval, call.func == HoltWintersWithFit)
                .into_iter()
                .map(|(t, v)| (t, Value::Float(v)))
                .collect()
        }
        _ => {
            let series: Vec<(i64, f64)> = pts.iter().map(|(t, v)| (*t, as_f64(v))).collect();
            ta::apply(call, &series)?
                .into_iter()
                .map(|(t, v)| (t, Value::Float(v)))
                .collect()
        }
    })
}

/// Successive rows, skipping a row at the same time as the one before it.
fn advancing<'a>(
    pts: &'a [(i64, &'a Value)],
) -> impl Iterator<Item = (&'a (i64, &'a Value), &'a (i64, &'a Value))> {
    let mut prev: Option<&(i64, &Value)> = None;
    pts.iter().filter_map(move |cur| match prev {
        Some(p) if p.0 == cur.0 => None,
        Some(p) => {
            prev = Some(cur);
            Some((p, cur))
        }
        None => {
            prev = Some(cur);
            None
        }
    })
}

fn derivative(
    pts: &[(i64, &Value)],
    unit: i64,
    non_negative: bool,
    kind: Kind,
) -> Vec<(i64, Value)> {
    advancing(pts)
        .filter_map(|(p, c)| {
            let diff = match (kind, p.1, c.1) {
                (Kind::Int, Value::Int(a), Value::Int(b)) => b.wrapping_sub(*a) as f64,
                (Kind::UInt, Value::UInt(a), Value::UInt(b)) if b > a => (b - a) as f64,
                (Kind::UInt, Value::UInt(a), Value::UInt(b)) => -((a - b) as f64),
                _ => as_f64(c.1) - as_f64(p.1),
            };
            // Processing order may be descending: the elapsed time is then negated (InfluxDB).
            let elapsed = (c.0 - p.0).abs();
            if non_negative && diff < 0.0 {
                return None;
            }
            Some((c.0, Value::Float(diff / (elapsed as f64 / unit as f64))))
        })
        .collect()
}

fn difference(pts: &[(i64, &Value)], non_negative: bool, kind: Kind) -> Vec<(i64, Value)> {
    advancing(pts)
        .filter_map(|(p, c)| {
            let v = match (kind, p.1, c.1) {
                (Kind::Int, Value::Int(a), Value::Int(b)) => {
                    let d = b.wrapping_sub(*a);
                    if non_negative && d < 0 {
                        return None;
                    }
                    Value::Int(d)
                }
                (Kind::UInt, Value::UInt(a), Value::UInt(b)) => {
                    if non_negative && b < a {
                        return None;
                    }
                    Value::UInt(b.wrapping_sub(*a))
                }
                _ => {
                    let d = as_f64(c.1) - as_f64(p.1);
                    if non_negative && d < 0.0 {
                        return None;
                    }
                    Value::Float(d)
                }
            };
            Some((c.0, v))
        })
        .collect()
}

/// A ring buffer with InfluxDB's running sum (subtract the leaving value, add the new one), so
/// floating-point results match InfluxDB's to the bit.
fn moving_average(pts: &[(i64, &Value)], n: usize, kind: Kind) -> Vec<(i64, Value)> {
    let mut out = Vec::with_capacity(pts.len().saturating_sub(n - 1));
    match kind {
        Kind::Int | Kind::UInt => {
            let mut buf: Vec<i128> = Vec::with_capacity(n);
            let (mut pos, mut sum) = (0usize, 0i128);
            for (t, v) in pts {
                let x = match v {
                    Value::Int(i) => *i as i128,
                    Value::UInt(u) => *u as i128,
                    other => as_f64(other) as i128,
                };
                if buf.len() < n {
                    buf.push(x);
                } else {
                    sum -= buf[pos];
                    buf[pos] = x;
                }
                sum += x;
                pos = (pos + 1) % n;
                if buf.len() == n {
                    out.push((*t, Value::Float(sum as f64 / n as f64)));
                }
            }
        }
        Kind::Float => {
            let mut buf: Vec<f64> = Vec::with_capacity(n);
            let (mut pos, mut sum) = (0usize, 0f64);
            for (t, v) in pts {
                let x = as_f64(v);
                if buf.len() < n {
                    buf.push(x);
                } else {
                    sum -= buf[pos];
                    buf[pos] = x;
                }
                sum += x;
                pos = (pos + 1) % n;
                if buf.len() == n {
                    out.push((*t, Value::Float(sum / n as f64)));
                }
            }
        }
    }
    out
}

fn cumulative_sum(pts: &[(i64, &Value)], kind: Kind) -> Vec<(i64, Value)> {
    let (mut fs, mut is, mut us) = (0f64, 0i64, 0u64);
    pts.iter()
        .map(|(t, v)| {
            let out = match (kind, v) {
                (Kind::Int, Value::Int(i)) => {
                    is = is.wrapping_add(*i);
                    Value::Int(is)
                }
                (Kind::UInt, Value::UInt(u)) => {
                    us = us.wrapping_add(*u);
                    Value::UInt(us)
                }
                _ => {
                    fs += as_f64(v);
                    Value::Float(fs)
                }
            };
            (*t, out)
        })
        .collect()
}
