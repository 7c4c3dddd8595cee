//! Aggregates and selectors over one bucket of points.

use super::{AggregateCall, Points, Reduced};
use crate::ast::Expr;
use crate::exec::error::ExecError;

pub(super) fn build_call(name: &str, args: &[Expr]) -> Result<Option<AggregateCall>, ExecError> {
    let _ = (name, args);
    Err(ExecError::Unsupported("aggregate functions".into()))
}

/// The output points of `call` over `points` (time ascending): one for most functions, none when
/// there is nothing to answer (no points; a percentile index out of range), several for `top`,
/// `bottom`, `sample` and `distinct`.
pub fn reduce(call: &AggregateCall, points: &Points) -> Result<Vec<Reduced>, ExecError> {
    let _ = (call, points);
    Err(ExecError::Unsupported("aggregate functions".into()))
}
