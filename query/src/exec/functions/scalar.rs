//! Row-wise math: binary operators and the math functions (`abs`, `pow`, `round`, …), with the
//! typing of InfluxQL's evaluator (influxql `ValuerEval`) and InfluxDB 1.8 `query/math.go`.
//!
//! Typing rules:
//! 1. Null on either side → null. A type pair an operator does not cover → null (as InfluxDB's
//!    evaluator returns nil), never an error.
//! 2. float ∘ float, float ∘ int, int ∘ float (and unsigned with float) compute in f64;
//!    `x / 0` is `0` (InfluxQL's rule, not ∞); `%` is `fmod`.
//! 3. int ∘ int: `+ - *` wrap like Go's int64; `/` is a float division (`200/3` → 66.66…), `/ 0`
//!    → `0.0`; `%` stays an integer, `% 0` → `0`; `& | ^` bitwise.
//! 4. unsigned ∘ unsigned: integer arithmetic including `/` (Go's uint64 division), `/ 0` and
//!    `% 0` → `0`. unsigned with a signed integer: unsigned arithmetic when the signed side is
//!    ≥ 0, else float (a documented choice; InfluxDB 1.x rarely meets unsigned fields).
//! 5. bool ∘ bool: `&` and, `|` or, `^` xor.
//! 6. Comparisons and `AND`/`OR` (not allowed in field lists) evaluate to booleans for callers
//!    that want them.
//!
//! Math functions: `abs ceil floor round` keep integer types; the rest return floats (integers
//! converted). `round` rounds half away from zero. Non-numeric arguments → null. One deliberate
//! difference: InfluxDB 1.8 returns integer arguments of `abs` unchanged (`abs(-3)` → `-3`, a bug);
//! taildb returns `3`.

use std::cmp::Ordering;

use crate::ast::BinaryOp;
use crate::exec::error::ExecError;
use crate::response::Value;

/// `lhs op rhs` with InfluxDB's typing (int / int → float, int % int → int, null in → null out,
/// bitwise operators on integers and booleans only).
pub fn eval_binary(op: BinaryOp, lhs: &Value, rhs: &Value) -> Value {
    use Value::*;
    match (lhs, rhs) {
        (Null, _) | (_, Null) => Null,
        (Float(a), Float(b)) => float_op(op, *a, *b),
        (Float(a), Int(b)) => float_op(op, *a, *b as f64),
        (Int(a), Float(b)) => float_op(op, *a as f64, *b),
        (Float(a), UInt(b)) => float_op(op, *a, *b as f64),
        (UInt(a), Float(b)) => float_op(op, *a as f64, *b),
        (Int(a), Int(b)) => int_op(op, *a, *b),
        (UInt(a), UInt(b)) => uint_op(op, *a, *b),
        (UInt(a), Int(b)) if *b >= 0 => uint_op(op, *a, *b as u64),
        (Int(a), UInt(b)) if *a >= 0 => uint_op(op, *a as u64, *b),
        (UInt(a), Int(b)) => float_op(op, *a as f64, *b as f64),
        (Int(a), UInt(b)) => float_op(op, *a as f64, *b as f64),
        (Bool(a), Bool(b)) => match op {
            BinaryOp::BitAnd | BinaryOp::And => Bool(*a && *b),
            BinaryOp::BitOr | BinaryOp::Or => Bool(*a || *b),
            BinaryOp::BitXor | BinaryOp::Neq => Bool(*a != *b),
            BinaryOp::Eq => Bool(*a == *b),
            _ => Null,
        },
        (Str(a), Str(b)) => compare(op, a.cmp(b)),
        _ => Null,
    }
}

fn compare(op: BinaryOp, ord: Ordering) -> Value {
    Value::Bool(match op {
        BinaryOp::Eq => ord == Ordering::Equal,
        BinaryOp::Neq => ord != Ordering::Equal,
        BinaryOp::Lt => ord == Ordering::Less,
        BinaryOp::Lte => ord != Ordering::Greater,
        BinaryOp::Gt => ord == Ordering::Greater,
        BinaryOp::Gte => ord != Ordering::Less,
        _ => return Value::Null,
    })
}

fn float_op(op: BinaryOp, a: f64, b: f64) -> Value {
    Value::Float(match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div if b == 0.0 => 0.0,
        BinaryOp::Div => a / b,
        BinaryOp::Mod => a % b,
        _ => return a.partial_cmp(&b).map_or(Value::Null, |o| compare(op, o)),
    })
}

fn int_op(op: BinaryOp, a: i64, b: i64) -> Value {
    Value::Int(match op {
        BinaryOp::Add => a.wrapping_add(b),
        BinaryOp::Sub => a.wrapping_sub(b),
        BinaryOp::Mul => a.wrapping_mul(b),
        BinaryOp::Div if b == 0 => return Value::Float(0.0),
        BinaryOp::Div => return Value::Float(a as f64 / b as f64),
        BinaryOp::Mod if b == 0 => 0,
        BinaryOp::Mod => a.wrapping_rem(b),
        BinaryOp::BitAnd => a & b,
        BinaryOp::BitOr => a | b,
        BinaryOp::BitXor => a ^ b,
        _ => return compare(op, a.cmp(&b)),
    })
}

fn uint_op(op: BinaryOp, a: u64, b: u64) -> Value {
    Value::UInt(match op {
        BinaryOp::Add => a.wrapping_add(b),
        BinaryOp::Sub => a.wrapping_sub(b),
        BinaryOp::Mul => a.wrapping_mul(b),
        BinaryOp::Div | BinaryOp::Mod if b == 0 => 0,
        BinaryOp::Div => a / b,
        BinaryOp::Mod => a % b,
        BinaryOp::BitAnd => a & b,
        BinaryOp::BitOr => a | b,
        BinaryOp::BitXor => a ^ b,
        _ => return compare(op, a.cmp(&b)),
    })
}

fn as_float(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Int(i) => Some(*i as f64),
        Value::UInt(u) => Some(*u as f64),
        _ => None,
    }
}

/// Argument count of a math function; `None` when `name` is not one.
pub fn math_arity(name: &str) -> Option<usize> {
    Some(match name {
        "abs" | "sin" | "cos" | "tan" | "asin" | "acos" | "atan" | "exp" | "ln" | "log2"
        | "log10" | "sqrt" | "floor" | "ceil" | "round" => 1,
        "atan2" | "pow" | "log" => 2,
        _ => return None,
    })
}

/// `name(args)` for the math functions; `Ok(None)` when `name` is not one of them.
pub fn eval_math(name: &str, args: &[Value]) -> Result<Option<Value>, ExecError> {
    let Some(arity) = math_arity(name) else {
        return Ok(None);
    };
    if args.len() != arity {
        return Err(ExecError::Invalid(format!(
            "invalid number of arguments for {name}, expected {arity}, got {}",
            args.len()
        )));
    }
    let a = &args[0];
    let float1 = |f: fn(f64) -> f64| as_float(a).map_or(Value::Null, |x| Value::Float(f(x)));
    let keep_int = |f: fn(f64) -> f64| match a {
        Value::Float(x) => Value::Float(f(*x)),
        Value::Int(_) | Value::UInt(_) => a.clone(),
        _ => Value::Null,
    };
    let float2 = |f: fn(f64, f64) -> f64| match (as_float(a), as_float(&args[1])) {
        (Some(x), Some(y)) => Value::Float(f(x, y)),
        _ => Value::Null,
    };
    Ok(Some(match name {
        "abs" => match a {
            Value::Float(x) => Value::Float(x.abs()),
            Value::Int(i) => Value::Int(i.wrapping_abs()),
            Value::UInt(_) => a.clone(),
            _ => Value::Null,
        },
        "floor" => keep_int(f64::floor),
        "ceil" => keep_int(f64::ceil),
        "round" => keep_int(f64::round),
        "sin" => float1(f64::sin),
        "cos" => float1(f64::cos),
        "tan" => float1(f64::tan),
        "asin" => float1(f64::asin),
        "acos" => float1(f64::acos),
        "atan" => float1(f64::atan),
        "exp" => float1(f64::exp),
        "ln" => float1(f64::ln),
        "log2" => float1(f64::log2),
        "log10" => float1(f64::log10),
        "sqrt" => float1(f64::sqrt),
        "atan2" => float2(f64::atan2),
        "pow" => float2(f64::powf),
        // Go: math.Log(x) / math.Log(base).
        "log" => float2(|x, b| x.ln() / b.ln()),
        _ => return Ok(None),
    }))
}
