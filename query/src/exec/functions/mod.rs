//! The InfluxQL function library, with InfluxDB 1.x semantics (reference §4.4–§4.5), over points
//! already in memory. Pure: no storage, no planning — the SELECT executor gathers the points of one
//! group and bucket (aggregates, selectors) or the rows of one output series (transformations) and
//! calls in here.
//!
//! Conventions:
//! - Input points are sorted by time ascending; ties keep the executor's order (series-key order).
//! - Values keep their InfluxDB types: `sum` of integers is an integer, `mean` is a float, `max` of
//!   unsigned is unsigned, … Type errors use InfluxDB's texts
//!   (`unsupported mean iterator type: *query.stringInterruptIterator`).
//! - Argument validation (counts, literal kinds, ranges) happens once, when a call is built with
//!   [`AggregateCall::new`] / [`TransformCall::new`], with InfluxDB's error texts
//!   (`invalid number of arguments for percentile, expected 2, got 1`, …).

mod call;
mod holt_winters;
mod integral;
mod reduce;
mod scalar;
mod select;
mod sketch;
mod ta;
mod transform;

#[cfg(test)]
mod ta_tests;
#[cfg(test)]
mod tests;

pub use integral::integral_buckets;
pub use reduce::{reduce, reduce_grouped};
pub use scalar::{eval_binary, eval_math, math_arity};
pub use select::SAMPLE_SEED;
pub use sketch::{
    answer as sketch_answer, builds_sketch, merge_encoded_into as merge_encoded_sketch,
    merge_into as merge_sketch, merges_sketches, new_state as new_sketch_state,
};
pub use transform::transform;

use std::sync::Arc;

use tsdb::Sketch;

use super::error::ExecError;
use crate::ast::Expr;
use crate::response::Value;

/// The values of one field over a run of points.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    Float(Vec<f64>),
    Integer(Vec<i64>),
    Unsigned(Vec<u64>),
    String(Vec<String>),
    Boolean(Vec<bool>),
    /// Sketches (shared with the scan batch that produced them: no copy of their buckets).
    Sketch(Vec<Arc<Sketch>>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Float(v) => v.len(),
            Values::Integer(v) => v.len(),
            Values::Unsigned(v) => v.len(),
            Values::String(v) => v.len(),
            Values::Boolean(v) => v.len(),
            Values::Sketch(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Points of one group and bucket: `times[i]` goes with value `i` of `values`.
#[derive(Clone, Debug, PartialEq)]
pub struct Points {
    pub times: Vec<i64>,
    pub values: Values,
}

/// One output point of an aggregate or selector.
#[derive(Clone, Debug, PartialEq)]
pub struct Reduced {
    pub value: Value,
    /// The time of the selected point (selectors: first, last, min, max, percentile, median? no —
    /// only true selectors, plus every row of top, bottom and sample); `None` for aggregates.
    pub time: Option<i64>,
    /// Index into the input [`Points`] of the selected point, so the executor can fetch the
    /// companion tags and fields of that point (`SELECT max(v), host`, `top(v, host, 3)`).
    pub index: Option<usize>,
}

/// Aggregates and selectors (functions that reduce a bucket of points).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggregateFn {
    Count,
    /// `count(distinct(f))`.
    CountDistinct,
    Distinct,
    Integral,
    Mean,
    Median,
    Mode,
    Spread,
    Stddev,
    Sum,
    Bottom,
    First,
    Last,
    Max,
    Min,
    Percentile,
    /// `percentile_approx(f, N[, α])`: `percentile` answered from a sketch of the values.
    PercentileApprox,
    Sample,
    /// `sketch(f[, α])`: a sketch of numeric values, or the merge of sketch values.
    Sketch,
    Top,
}

impl AggregateFn {
    /// `None` for names that are not aggregates or selectors.
    pub fn from_name(name: &str) -> Option<AggregateFn> {
        Some(match name {
            "count" => AggregateFn::Count,
            "distinct" => AggregateFn::Distinct,
            "integral" => AggregateFn::Integral,
            "mean" => AggregateFn::Mean,
            "median" => AggregateFn::Median,
            "mode" => AggregateFn::Mode,
            "spread" => AggregateFn::Spread,
            "stddev" => AggregateFn::Stddev,
            "sum" => AggregateFn::Sum,
            "bottom" => AggregateFn::Bottom,
            "first" => AggregateFn::First,
            "last" => AggregateFn::Last,
            "max" => AggregateFn::Max,
            "min" => AggregateFn::Min,
            "percentile" => AggregateFn::Percentile,
            "percentile_approx" => AggregateFn::PercentileApprox,
            "sample" => AggregateFn::Sample,
            "sketch" => AggregateFn::Sketch,
            "top" => AggregateFn::Top,
            _ => return None,
        })
    }

    /// The column name InfluxDB gives a call of this function.
    pub fn name(self) -> &'static str {
        match self {
            AggregateFn::Count | AggregateFn::CountDistinct => "count",
            AggregateFn::Distinct => "distinct",
            AggregateFn::Integral => "integral",
            AggregateFn::Mean => "mean",
            AggregateFn::Median => "median",
            AggregateFn::Mode => "mode",
            AggregateFn::Spread => "spread",
            AggregateFn::Stddev => "stddev",
            AggregateFn::Sum => "sum",
            AggregateFn::Bottom => "bottom",
            AggregateFn::First => "first",
            AggregateFn::Last => "last",
            AggregateFn::Max => "max",
            AggregateFn::Min => "min",
            AggregateFn::Percentile => "percentile",
            AggregateFn::PercentileApprox => "percentile_approx",
            AggregateFn::Sample => "sample",
            AggregateFn::Sketch => "sketch",
            AggregateFn::Top => "top",
        }
    }

    /// Selectors return an existing point (and its time when there is no GROUP BY time).
    pub fn is_selector(self) -> bool {
        matches!(
            self,
            AggregateFn::Bottom
                | AggregateFn::First
                | AggregateFn::Last
                | AggregateFn::Max
                | AggregateFn::Min
                | AggregateFn::Percentile
                | AggregateFn::Sample
                | AggregateFn::Top
        )
    }
}

/// A validated aggregate/selector call: the function, the field it reads and its literal arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateCall {
    pub func: AggregateFn,
    /// The argument expression that yields the points (a field reference, or for
    /// `count(distinct(f))` the field `f`).
    pub field: Expr,
    /// `percentile`'s N, `top`/`bottom`/`sample`'s N (as `Value::Int`), `integral`'s unit in ns,
    /// `percentile_approx`'s N.
    pub number: Option<f64>,
    /// The relative accuracy given to `sketch(f, α)` / `percentile_approx(f, N, α)`; `None`:
    /// [`tsdb::sketch::DEFAULT_RELATIVE_ACCURACY`] over numbers, the stored one over sketches.
    pub accuracy: Option<f64>,
    /// `top`/`bottom` tag arguments (`top(v, host, 3)` → `["host"]`).
    pub tags: Vec<String>,
}

impl AggregateCall {
    /// Validates `name(args)`; `Ok(None)` when `name` is not an aggregate or selector.
    pub fn new(name: &str, args: &[Expr]) -> Result<Option<AggregateCall>, ExecError> {
        reduce::build_call(name, args)
    }
}

/// Transformations: functions over the rows of one output series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransformFn {
    Derivative,
    NonNegativeDerivative,
    Difference,
    NonNegativeDifference,
    MovingAverage,
    CumulativeSum,
    Elapsed,
    HoltWinters,
    HoltWintersWithFit,
    ExponentialMovingAverage,
    DoubleExponentialMovingAverage,
    TripleExponentialMovingAverage,
    RelativeStrengthIndex,
    TripleExponentialDerivative,
    KaufmansEfficiencyRatio,
    KaufmansAdaptiveMovingAverage,
    ChandeMomentumOscillator,
}

/// A validated transformation call; `input` is its first argument (a field, or an aggregate call
/// when the query has GROUP BY time).
#[derive(Clone, Debug, PartialEq)]
pub struct TransformCall {
    pub func: TransformFn,
    pub input: Expr,
    /// Remaining literal arguments in order (units in ns as `Value::Int`, N, periods, …).
    pub args: Vec<Value>,
}

impl TransformCall {
    /// Validates `name(args)`; `Ok(None)` when `name` is not a transformation.
    pub fn new(name: &str, args: &[Expr]) -> Result<Option<TransformCall>, ExecError> {
        transform::build_call(name, args)
    }

    pub fn name(&self) -> &'static str {
        transform::name(self.func)
    }
}

/// What a transformation needs to know about the query around it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransformContext {
    /// The GROUP BY time interval in ns, when there is one (derivative's default unit over
    /// aggregates, holt_winters' step).
    pub interval: Option<i64>,
    /// The GROUP BY time offset in ns.
    pub offset: i64,
    /// ORDER BY time DESC.
    pub descending: bool,
}
