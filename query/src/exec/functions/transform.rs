//! Transformations over the rows of one output series.

use super::{TransformCall, TransformContext, TransformFn};
use crate::ast::Expr;
use crate::exec::error::ExecError;
use crate::response::Value;

pub(super) fn build_call(name: &str, args: &[Expr]) -> Result<Option<TransformCall>, ExecError> {
    let _ = (name, args);
    Err(ExecError::Unsupported("transformations".into()))
}

pub(super) fn name(f: TransformFn) -> &'static str {
    let _ = f;
    "transformation"
}

/// Applies `call` to `rows` (time, value; time ascending; `Value::Null` for empty buckets under
/// fill(null)) and returns the output rows.
pub fn transform(
    call: &TransformCall,
    ctx: &TransformContext,
    rows: &[(i64, Value)],
) -> Result<Vec<(i64, Value)>, ExecError> {
    let _ = (call, ctx, rows);
    Err(ExecError::Unsupported("transformations".into()))
}
