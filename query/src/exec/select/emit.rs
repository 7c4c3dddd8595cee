//! Result rows: column expressions evaluated over leaves, fill of empty buckets, transformations,
//! ORDER BY time DESC, and LIMIT/OFFSET per series.

use crate::ast::{Fill, Literal, VarType};
use crate::exec::error::ExecError;
use crate::exec::functions::{AggregateFn, TransformContext, eval_binary, eval_math, transform};
use crate::response::Value;

use super::plan::{Node, Plan};

/// Evaluates `node` with `leaf(i)` giving leaf `i`'s value (a transformation yields its input).
pub(super) fn eval(node: &Node, leaf: &dyn Fn(usize) -> Value) -> Result<Value, ExecError> {
    Ok(match node {
        Node::Leaf(i) => leaf(*i),
        Node::Lit(v) => v.clone(),
        Node::Binary(op, a, b) => eval_binary(*op, &eval(a, leaf)?, &eval(b, leaf)?),
        Node::Math(name, args) => {
            let vals = args
                .iter()
                .map(|a| eval(a, leaf))
                .collect::<Result<Vec<_>, _>>()?;
            eval_math(name, &vals)?.unwrap_or(Value::Null)
        }
        Node::Transform(_, inner) => eval(inner, leaf)?,
    })
}

/// `field::type` casts: numeric types convert (floats truncate to integers, InfluxDB 1.6.7's
/// observed behaviour); any other mismatch reads as null.
pub(super) fn cast(v: Value, to: Option<VarType>) -> Value {
    match (to, v) {
        (None | Some(VarType::Field | VarType::Tag), v) => v,
        (Some(VarType::Float), Value::Int(x)) => Value::Float(x as f64),
        (Some(VarType::Float), Value::UInt(x)) => Value::Float(x as f64),
        (Some(VarType::Float), v @ Value::Float(_)) => v,
        (Some(VarType::Integer), Value::Float(x)) => Value::Int(x as i64),
        (Some(VarType::Integer), Value::UInt(x)) => Value::Int(x as i64),
        (Some(VarType::Integer), v @ Value::Int(_)) => v,
        (Some(VarType::Unsigned), Value::Float(x)) => Value::UInt(x as u64),
        (Some(VarType::Unsigned), Value::Int(x)) => Value::UInt(x as u64),
        (Some(VarType::Unsigned), v @ Value::UInt(_)) => v,
        (Some(VarType::String), v @ Value::Str(_)) => v,
        (Some(VarType::Boolean), v @ Value::Bool(_)) => v,
        _ => Value::Null,
    }
}

/// Fills the empty buckets (`None`) of one aggregate's per-bucket values. `fill(null)` gives
/// `count` a 0 only under GROUP BY time (`by_time`): without it, a field with no point in the
/// group is null (InfluxDB 1.6.7: `count(*) … GROUP BY host` → `null` for a field a host lacks).
pub(super) fn fill(
    values: &mut [Option<Value>],
    func: AggregateFn,
    fill: &Fill,
    by_time: bool,
) -> Vec<Value> {
    let count = by_time && matches!(func, AggregateFn::Count | AggregateFn::CountDistinct);
    match fill {
        Fill::Null | Fill::None => values
            .iter_mut()
            .map(|v| {
                v.take().unwrap_or(if count && *fill == Fill::Null {
                    Value::Int(0)
                } else {
                    Value::Null
                })
            })
            .collect(),
        Fill::Value(l) => {
            let fv = match l {
                Literal::Integer(i) => Value::Int(*i),
                Literal::Float(f) => Value::Float(*f),
                Literal::Boolean(b) => Value::Bool(*b),
                Literal::String(s) => Value::Str(s.clone()),
                Literal::Duration(d) => Value::Int(*d),
                Literal::Regex(_) => Value::Null,
            };
            // The fill value takes the aggregate's output type (InfluxDB casts it to the
            // iterator's type): a float fills an integer column truncated, a number fills a
            // string column with "" and a boolean one with false.
            let kind = if count {
                Some(Value::Int(0))
            } else {
                values.iter().flatten().next().cloned()
            };
            let fv = match (kind, fv) {
                // A number cannot stand for a sketch: empty buckets of a sketch column stay null.
                (Some(Value::Sketch(_)), _) => Value::Null,
                (Some(Value::Int(_)), Value::Float(f)) => Value::Int(f as i64),
                (Some(Value::UInt(_)), Value::Float(f)) => Value::UInt(f as u64),
                (Some(Value::UInt(_)), Value::Int(i)) => Value::UInt(i as u64),
                (Some(Value::Float(_)), Value::Int(i)) => Value::Float(i as f64),
                (Some(Value::Str(_)), v) if !matches!(v, Value::Str(_)) => {
                    Value::Str(String::new())
                }
                (Some(Value::Bool(_)), v) if !matches!(v, Value::Bool(_)) => Value::Bool(false),
                (_, v) => v,
            };
            values
                .iter_mut()
                .map(|v| v.take().unwrap_or_else(|| fv.clone()))
                .collect()
        }
        Fill::Previous => {
            let mut prev = Value::Null;
            values
                .iter_mut()
                .map(|v| {
                    if let Some(x) = v.take() {
                        prev = x;
                    }
                    prev.clone()
                })
                .collect()
        }
        Fill::Linear => {
            let known: Vec<usize> = (0..values.len()).filter(|&i| values[i].is_some()).collect();
            let mut out: Vec<Value> = values
                .iter_mut()
                .map(|v| v.take().unwrap_or(Value::Null))
                .collect();
            for pair in known.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                for i in a + 1..b {
                    out[i] = interpolate(&out[a], &out[b], a, b, i);
                }
            }
            out
        }
    }
}

fn interpolate(va: &Value, vb: &Value, a: usize, b: usize, i: usize) -> Value {
    let (num, den) = ((i - a) as f64, (b - a) as f64);
    match (va, vb) {
        (Value::Float(x), Value::Float(y)) => Value::Float(x + (y - x) * num / den),
        // Integers interpolate in floating point and truncate the result (InfluxDB 1.6.7).
        (Value::Int(x), Value::Int(y)) => {
            Value::Int((*x as f64 + (*y as f64 - *x as f64) * num / den) as i64)
        }
        (Value::UInt(x), Value::UInt(y)) => {
            Value::UInt((*x as f64 + (*y as f64 - *x as f64) * num / den) as u64)
        }
        _ => Value::Null,
    }
}

/// Output rows of one series before transformations: time and one value per column.
pub(super) type Rows = Vec<(i64, Vec<Value>)>;

/// Applies the plan's transformation columns to `rows` (time ascending; each transformation
/// column holds its input value) and joins the results by time.
pub(super) fn apply_transforms(
    plan: &Plan,
    rows: Rows,
    tctx: &TransformContext,
) -> Result<Rows, ExecError> {
    if !plan.has_transform() {
        return Ok(rows);
    }
    let mut outputs: Vec<Option<Vec<(i64, Value)>>> = Vec::with_capacity(plan.columns.len());
    for (ci, c) in plan.columns.iter().enumerate() {
        let Node::Transform(call, _) = &c.node else {
            outputs.push(None);
            continue;
        };
        let input: Vec<(i64, Value)> = rows
            .iter()
            .filter_map(|(t, vals)| {
                let v = vals.get(ci).cloned().unwrap_or(Value::Null);
                (tctx.interval.is_some() || v != Value::Null).then_some((*t, v))
            })
            .collect();
        outputs.push(Some(transform(call, tctx, &input)?));
    }
    let only_transforms = outputs.iter().all(Option::is_some);
    let mut times: Vec<i64> = if only_transforms {
        outputs
            .iter()
            .flatten()
            .flatten()
            .map(|(t, _)| *t)
            .collect()
    } else {
        rows.iter().map(|(t, _)| *t).collect()
    };
    times.sort_unstable();
    times.dedup();
    let mut out = Vec::with_capacity(times.len());
    for t in times {
        let base = rows
            .binary_search_by_key(&t, |(rt, _)| *rt)
            .ok()
            .and_then(|i| rows.get(i));
        let vals = outputs
            .iter()
            .enumerate()
            .map(|(ci, o)| match o {
                Some(series) => series
                    .binary_search_by_key(&t, |(st, _)| *st)
                    .ok()
                    .and_then(|i| series.get(i))
                    .map_or(Value::Null, |(_, v)| v.clone()),
                None => base
                    .and_then(|(_, v)| v.get(ci).cloned())
                    .unwrap_or(Value::Null),
            })
            .collect::<Vec<_>>();
        if vals.iter().all(|v| *v == Value::Null) {
            continue;
        }
        out.push((t, vals));
    }
    Ok(out)
}

/// ORDER BY time DESC, then OFFSET and LIMIT.
pub(super) fn order_and_limit(
    mut rows: Rows,
    descending: bool,
    offset: Option<u64>,
    limit: Option<u64>,
) -> Rows {
    if descending {
        rows.reverse();
    }
    let offset = offset.map_or(0, |o| usize::try_from(o).unwrap_or(usize::MAX));
    // LIMIT 0 means no limit (InfluxDB 1.6.7).
    let limit = match limit {
        None | Some(0) => usize::MAX,
        Some(l) => usize::try_from(l).unwrap_or(usize::MAX),
    };
    if offset == 0 && limit >= rows.len() {
        return rows;
    }
    rows.into_iter().skip(offset).take(limit).collect()
}
