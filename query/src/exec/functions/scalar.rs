//! Row-wise math: binary operators and the math functions (`abs`, `pow`, `round`, …).

use crate::ast::BinaryOp;
use crate::exec::error::ExecError;
use crate::response::Value;

/// `lhs op rhs` with InfluxDB's typing (int / int → float, int % int → int, null in → null out,
/// bitwise operators on integers and booleans only).
pub fn eval_binary(op: BinaryOp, lhs: &Value, rhs: &Value) -> Value {
    let _ = (op, lhs, rhs);
    Value::Null
}

/// `name(args)` for the math functions; `Ok(None)` when `name` is not one of them.
pub fn eval_math(name: &str, args: &[Value]) -> Result<Option<Value>, ExecError> {
    let _ = (name, args);
    Ok(None)
}
