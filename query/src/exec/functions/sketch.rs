//! Aggregates answered from a [`Sketch`]: `sketch(f[, α])`, `percentile_approx(f, N[, α])`, and
//! `count`/`sum`/`mean`/`min`/`max`/`percentile`/`median` over sketch fields.
//!
//! Invariants:
//! 1. Over numeric values a sketch of the values is built (α = the call's accuracy, else
//!    [`DEFAULT_RELATIVE_ACCURACY`]); over sketch values the sketches are merged — exactly, so a
//!    rollup of rollups answers what one sketch of all the raw values answers.
//! 2. A call with an explicit accuracy over sketches of another accuracy fails with
//!    [`tsdb::sketch::SketchError::AccuracyMismatch`]'s text; without one, the first sketch's
//!    accuracy is adopted and a later sketch of another accuracy fails the same way.
//! 3. Every answer is an aggregate (time = the bucket start): `count` → integer, `sum`/`mean`/
//!    `min`/`max`/`percentile`/`median`/`percentile_approx` → float (null when the sketch has no
//!    value at the rank, as InfluxDB's percentile), `sketch` → the sketch.
//! 4. Functions that have no sketch answer (`spread`, `top`, `distinct`, …) fail over sketch
//!    values with InfluxDB's `unsupported <fn> iterator type: *query.sketchInterruptIterator`.

use std::sync::Arc;

use tsdb::Sketch;
use tsdb::sketch::DEFAULT_RELATIVE_ACCURACY;

use super::reduce::{type_error, type_word};
use super::{AggregateCall, AggregateFn, Points, Reduced, Values};
use crate::exec::error::ExecError;
use crate::response::Value;

/// Whether `func` over a sketch field merges the sketches and answers from the merge.
pub fn merges_sketches(func: AggregateFn) -> bool {
    use AggregateFn::*;
    matches!(
        func,
        Count | Sum | Mean | Min | Max | Percentile | Median | PercentileApprox | Sketch
    )
}

/// Whether `func` always accumulates a sketch (whatever the field type).
pub fn builds_sketch(func: AggregateFn) -> bool {
    matches!(func, AggregateFn::Sketch | AggregateFn::PercentileApprox)
}

/// The empty per-slot state of `call`.
pub fn new_state(call: &AggregateCall) -> Result<Sketch, ExecError> {
    Sketch::new(call.accuracy.unwrap_or(DEFAULT_RELATIVE_ACCURACY))
        .map_err(|e| ExecError::Invalid(e.to_string()))
}

/// Folds `other` into `acc` (invariant 2): `explicit` is the call's own accuracy.
#[inline]
pub fn merge_into(
    acc: &mut Sketch,
    other: &Sketch,
    explicit: Option<f64>,
) -> Result<(), ExecError> {
    if other.is_empty() {
        return Ok(());
    }
    if let Some(a) = explicit {
        if a.to_bits() != other.relative_accuracy().to_bits() {
            return Err(ExecError::Invalid(
                tsdb::sketch::SketchError::AccuracyMismatch(a, other.relative_accuracy())
                    .to_string(),
            ));
        }
    }
    acc.merge(other)
        .map_err(|e| ExecError::Invalid(e.to_string()))
}

/// [`merge_into`] from an encoded sketch (a row of a segment column, [`tsdb::sketch::SketchRow`]):
/// the same checks and result, without decoding it.
#[inline]
pub fn merge_encoded_into(
    acc: &mut Sketch,
    other: &[u8],
    explicit: Option<f64>,
) -> Result<(), ExecError> {
    if other.is_empty() || tsdb::sketch::encoded_is_empty(other) {
        return Ok(());
    }
    if let (Some(a), Some(o)) = (explicit, tsdb::sketch::encoded_accuracy(other)) {
        if a.to_bits() != o.to_bits() {
            return Err(ExecError::Invalid(
                tsdb::sketch::SketchError::AccuracyMismatch(a, o).to_string(),
            ));
        }
    }
    acc.merge_encoded(other)
        .map_err(|e| ExecError::Invalid(e.to_string()))
}

/// The answer of `call` from the merged (or built) sketch of one slot; `None` without a value.
pub fn answer(call: &AggregateCall, sk: &Sketch) -> Option<Value> {
    use AggregateFn::*;
    if sk.is_empty() {
        return match call.func {
            Count => Some(Value::Int(0)),
            _ => None,
        };
    }
    let p = call.number.unwrap_or(f64::NAN);
    let f = |v: Option<f64>| v.map(Value::Float);
    match call.func {
        Count => Some(Value::Int(i64::try_from(sk.count()).unwrap_or(i64::MAX))),
        Sum => Some(Value::Float(sk.sum())),
        Mean => f(sk.mean()),
        Min => f(sk.min()),
        Max => f(sk.max()),
        Percentile | PercentileApprox => f(sk.percentile(p)),
        Median => f(sk.median()),
        Sketch => Some(Value::Sketch(Arc::new(sk.clone()))),
        _ => None,
    }
}

/// [`super::reduce`] for sketch values and for the sketch-building calls (see the module doc).
pub(super) fn reduce_sketch(
    call: &AggregateCall,
    points: &Points,
) -> Result<Vec<Reduced>, ExecError> {
    let name = call.func.name();
    let mut sk = new_state(call)?;
    match &points.values {
        Values::Sketch(xs) if merges_sketches(call.func) => {
            for x in xs {
                merge_into(&mut sk, x, call.accuracy)?;
            }
        }
        Values::Float(x) if builds_sketch(call.func) => sk.extend_from(x),
        Values::Integer(x) if builds_sketch(call.func) => {
            x.iter().for_each(|&v| sk.insert(v as f64))
        }
        Values::Unsigned(x) if builds_sketch(call.func) => {
            x.iter().for_each(|&v| sk.insert(v as f64))
        }
        v => return Err(type_error(name, type_word(v))),
    }
    if points.values.is_empty() {
        return Ok(Vec::new());
    }
    Ok(answer(call, &sk)
        .map(|value| Reduced {
            value,
            time: None,
            index: None,
        })
        .into_iter()
        .collect())
}
