//! `SELECT`: the field list compiled per measurement, the WHERE clause split into a time range,
//! a tag predicate and a per-row residual, series grouped by the GROUP BY tags, rows scanned into
//! per-slot accumulators (slot = output group × buckets + bucket) or kept as raw rows, then
//! filled, transformed, ordered and limited per output series. InfluxDB 1.x semantics
//! (reference §4.1–§4.9).
//!
//! Invariants:
//! 1. One output series per measurement and GROUP BY tag combination that has at least one
//!    point in the range; series come in measurement-name order, then tag-value order.
//! 2. Rows of a raw query are merged by time across the series of a group (ties: series-id
//!    order); a raw row exists where at least one selected field has a value.
//! 3. GROUP BY time buckets are epoch-aligned (`start = t - (t - offset) mod interval`); the first
//!    bucket contains the lower bound (or the earliest point when there is none), the last the
//!    upper bound, which defaults to `now()`; rows carry bucket starts.
//! 4. Without GROUP BY time, aggregate rows carry the lower time bound (or the epoch); a lone
//!    selector carries its point's time.
//! 5. The hot path allocates nothing per point: each batch is mapped to slots once, then every
//!    vectorized accumulator runs a column loop; other functions collect values per slot and call
//!    `functions::reduce` once per slot.
//! 6. `time` inside an `OR` is an error (InfluxDB 1.6.7 silently reads the `OR` as `AND`).

mod accum;
mod emit;
mod execute;
mod explain;
mod filter;
mod go_merge;
mod into;
mod partial;
mod plan;
mod sink;
mod subquery;
mod typecheck;
mod union;
mod window;

#[cfg(test)]
mod explain_tests;
#[cfg(test)]
mod misc_tests;
#[cfg(test)]
mod sketch_tests;
#[cfg(test)]
mod subquery_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tz_tests;

#[cfg(test)]
pub(crate) use execute::execute_select;
pub(crate) use execute::execute_select_statement;
pub use explain::Trace;
pub(crate) use explain::execute_explain;
pub(crate) use partial::{PartialAsk, PartialPass, PartialSink, Partials, PassSink};
