//! WHERE conditions → a time range and tag equalities.

use super::error::ExecError;
use crate::ast::{BinaryOp, Expr, Literal};
use crate::time::parse_time_literal;

/// What a WHERE clause selects: an inclusive time range and tag equalities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub min_time: i64,
    pub max_time: i64,
    /// Whether the query gave a lower time bound (aggregates are stamped with it).
    pub has_lower_bound: bool,
    pub tag_equals: Vec<(String, String)>,
}

impl Filter {
    pub fn is_empty_range(&self) -> bool {
        self.min_time > self.max_time
    }
}

/// Evaluates a time expression: integers are nanoseconds, durations count from the epoch, strings are
/// time literals, `now()` is `now`, and `+`/`-` combine a time with a duration.
pub fn eval_time(e: &Expr, now: i64) -> Result<i64, ExecError> {
    match e.unparen() {
        Expr::Literal(Literal::Integer(v) | Literal::Duration(v)) => Ok(*v),
        Expr::Literal(Literal::Float(f)) => Ok(*f as i64),
        Expr::Literal(Literal::String(s)) => parse_time_literal(s)
            .ok_or_else(|| ExecError::Invalid(format!("invalid time literal '{s}'"))),
        Expr::Call { name, args } if name == "now" && args.is_empty() => Ok(now),
        Expr::Binary {
            op: op @ (BinaryOp::Add | BinaryOp::Sub),
            lhs,
            rhs,
        } => {
            let a = eval_time(lhs, now)?;
            let b = eval_time(rhs, now)?;
            let r = if *op == BinaryOp::Add {
                a.checked_add(b)
            } else {
                a.checked_sub(b)
            };
            r.ok_or_else(|| ExecError::Invalid(format!("time overflow in {e}")))
        }
        other => Err(ExecError::Invalid(format!(
            "invalid time expression: {other}"
        ))),
    }
}

fn is_time(e: &Expr) -> bool {
    matches!(e.unparen(), Expr::VarRef { name, .. } if name.eq_ignore_ascii_case("time"))
}

fn flip(op: BinaryOp) -> BinaryOp {
    match op {
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::Lte => BinaryOp::Gte,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::Gte => BinaryOp::Lte,
        other => other,
    }
}

fn conjuncts<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e.unparen() {
        Expr::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } => {
            conjuncts(lhs, out);
            conjuncts(rhs, out);
        }
        other => out.push(other),
    }
}

/// Splits a WHERE clause (a conjunction of time bounds and `tag = 'value'`) into a [`Filter`].
/// `is_field` tells fields from tags; conditions on fields, `OR`, regexes and other operators are
/// not supported yet.
pub fn filter_from_condition(
    cond: Option<&Expr>,
    now: i64,
    is_field: &dyn Fn(&str) -> bool,
) -> Result<Filter, ExecError> {
    let mut f = Filter {
        min_time: i64::MIN,
        max_time: i64::MAX,
        has_lower_bound: false,
        tag_equals: Vec::new(),
    };
    let Some(cond) = cond else {
        return Ok(f);
    };
    let mut parts = Vec::new();
    conjuncts(cond, &mut parts);
    for part in parts {
        let Expr::Binary { op, lhs, rhs } = part else {
            return Err(ExecError::Unsupported(format!("condition {part}")));
        };
        let (op, time_side, other) = if is_time(lhs) {
            (*op, lhs, rhs)
        } else if is_time(rhs) {
            (flip(*op), rhs, lhs)
        } else {
            (*op, lhs, rhs)
        };
        if is_time(time_side) {
            let t = eval_time(other, now)?;
            match op {
                BinaryOp::Gt => {
                    f.min_time = f.min_time.max(t.saturating_add(1));
                    f.has_lower_bound = true;
                }
                BinaryOp::Gte => {
                    f.min_time = f.min_time.max(t);
                    f.has_lower_bound = true;
                }
                BinaryOp::Lt => f.max_time = f.max_time.min(t.saturating_sub(1)),
                BinaryOp::Lte => f.max_time = f.max_time.min(t),
                BinaryOp::Eq => {
                    f.min_time = f.min_time.max(t);
                    f.max_time = f.max_time.min(t);
                    f.has_lower_bound = true;
                }
                _ => {
                    return Err(ExecError::Unsupported(format!(
                        "time condition with operator {op}"
                    )));
                }
            }
            continue;
        }
        match (op, lhs.unparen(), rhs.unparen()) {
            (BinaryOp::Eq, Expr::VarRef { name, .. }, Expr::Literal(Literal::String(v)))
                if !is_field(name) =>
            {
                f.tag_equals.push((name.clone(), v.clone()));
            }
            (_, Expr::VarRef { name, .. }, _) if is_field(name) => {
                return Err(ExecError::Unsupported(format!("field condition {part}")));
            }
            _ => return Err(ExecError::Unsupported(format!("condition {part}"))),
        }
    }
    Ok(f)
}
