//! InfluxDB's type check of field-list arithmetic (`TypeValuerEval` in InfluxQL): a binary
//! operator over operands of incompatible known types fails the statement with
//! `type error: value::float + 'x': incompatible types: float and string`.
//!
//! Invariants:
//! 1. Only known types take part: fields (by their schema type or explicit cast) and literals.
//!    Tags, calls, durations, regexes and unknown names are "unknown" and never fail the check
//!    (InfluxDB answers with the other operand's type); binary operators inside call arguments
//!    are still checked.
//! 2. Arithmetic (`+ - * / %`) needs two numeric types (float, integer, unsigned); bitwise
//!    (`& | ^`) two integers/unsigned or two booleans. Comparisons are not checked here.
//! 3. The error names the innermost failing operator, printed with every field reference
//!    annotated with its type (`value::float`), as InfluxDB prints the type-mapped expression.

use tsdb::FieldType;

use crate::ast::{BinaryOp, Expr, Literal, VarType};
use crate::exec::error::ExecError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Float,
    Integer,
    Unsigned,
    String,
    Boolean,
    /// A sketch field: no operator takes it.
    Sketch,
}

impl Ty {
    fn word(self) -> &'static str {
        match self {
            Ty::Float => "float",
            Ty::Integer => "integer",
            Ty::Unsigned => "unsigned",
            Ty::String => "string",
            Ty::Boolean => "boolean",
            Ty::Sketch => "sketch",
        }
    }

    fn numeric(self) -> bool {
        matches!(self, Ty::Float | Ty::Integer | Ty::Unsigned)
    }

    fn of_field(t: FieldType) -> Ty {
        match t {
            FieldType::Float => Ty::Float,
            FieldType::Integer => Ty::Integer,
            FieldType::Unsigned => Ty::Unsigned,
            FieldType::String => Ty::String,
            FieldType::Sketch => Ty::Sketch,
            FieldType::Boolean => Ty::Boolean,
        }
    }

    /// The cast a field reference is annotated with (`value::float`); a sketch has no cast
    /// syntax and prints bare.
    fn var_type(self) -> Option<VarType> {
        Some(match self {
            Ty::Float => VarType::Float,
            Ty::Integer => VarType::Integer,
            Ty::Unsigned => VarType::Unsigned,
            Ty::String => VarType::String,
            Ty::Boolean => VarType::Boolean,
            Ty::Sketch => return None,
        })
    }
}

/// Checks one field-list expression against the measurement's `fields` (see the module doc).
pub(super) fn check_types(e: &Expr, fields: &[(String, FieldType)]) -> Result<(), ExecError> {
    eval_type(e, fields).map(|_| ())
}

fn var_type(name: &str, cast: Option<VarType>, fields: &[(String, FieldType)]) -> Option<Ty> {
    match cast {
        Some(VarType::Float) => Some(Ty::Float),
        Some(VarType::Integer) => Some(Ty::Integer),
        Some(VarType::Unsigned) => Some(Ty::Unsigned),
        Some(VarType::String) => Some(Ty::String),
        Some(VarType::Boolean) => Some(Ty::Boolean),
        Some(VarType::Tag) => None,
        None | Some(VarType::Field) => fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| Ty::of_field(*t)),
    }
}

fn eval_type(e: &Expr, fields: &[(String, FieldType)]) -> Result<Option<Ty>, ExecError> {
    Ok(match e {
        Expr::Paren(inner) => eval_type(inner, fields)?,
        Expr::VarRef { name, data_type } => var_type(name, *data_type, fields),
        Expr::Literal(Literal::Integer(_)) => Some(Ty::Integer),
        Expr::Literal(Literal::Float(_)) => Some(Ty::Float),
        Expr::Literal(Literal::String(_)) => Some(Ty::String),
        Expr::Literal(Literal::Boolean(_)) => Some(Ty::Boolean),
        Expr::Literal(Literal::Duration(_) | Literal::Regex(_)) | Expr::Wildcard(_) => None,
        Expr::Call { args, .. } => {
            for a in args {
                eval_type(a, fields)?;
            }
            None
        }
        Expr::Binary { op, lhs, rhs } => {
            let (l, r) = (eval_type(lhs, fields)?, eval_type(rhs, fields)?);
            let (Some(l), Some(r)) = (l, r) else {
                return Ok(l.or(r));
            };
            use BinaryOp::*;
            let ok = match op {
                Add | Sub | Mul | Div | Mod => l.numeric() && r.numeric(),
                BitAnd | BitOr | BitXor => {
                    let int = |t: Ty| matches!(t, Ty::Integer | Ty::Unsigned);
                    (int(l) && int(r)) || (l == Ty::Boolean && r == Ty::Boolean)
                }
                _ => return Ok(None),
            };
            if !ok {
                return Err(ExecError::Invalid(format!(
                    "type error: {}: incompatible types: {} and {}",
                    annotate(e, fields),
                    l.word(),
                    r.word()
                )));
            }
            Some(if l == Ty::Float || r == Ty::Float {
                Ty::Float
            } else if l == Ty::Unsigned || r == Ty::Unsigned {
                Ty::Unsigned
            } else {
                l
            })
        }
    })
}

/// `e` with every untyped field reference given its schema type (`value` → `value::float`).
fn annotate(e: &Expr, fields: &[(String, FieldType)]) -> Expr {
    match e {
        Expr::VarRef { name, data_type } => Expr::VarRef {
            name: name.clone(),
            data_type: match data_type {
                None | Some(VarType::Field) => var_type(name, None, fields)
                    .and_then(Ty::var_type)
                    .or(*data_type),
                t => *t,
            },
        },
        Expr::Paren(inner) => Expr::Paren(Box::new(annotate(inner, fields))),
        Expr::Binary { op, lhs, rhs } => Expr::Binary {
            op: *op,
            lhs: Box::new(annotate(lhs, fields)),
            rhs: Box::new(annotate(rhs, fields)),
        },
        Expr::Call { name, args } => Expr::Call {
            name: name.clone(),
            args: args.iter().map(|a| annotate(a, fields)).collect(),
        },
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Statement;
    use crate::parser::parse_statement;

    fn field_expr(q: &str) -> Expr {
        match parse_statement(&format!("SELECT {q} FROM m")) {
            Ok(Statement::Select(s)) => s.fields[0].expr.clone(),
            other => panic!("{q}: {other:?}"),
        }
    }

    fn check(q: &str) -> Result<(), String> {
        let fields = [
            ("value".to_owned(), FieldType::Float),
            ("msg".to_owned(), FieldType::String),
            ("ok".to_owned(), FieldType::Boolean),
            ("code".to_owned(), FieldType::Integer),
            ("n".to_owned(), FieldType::Unsigned),
            ("latency".to_owned(), FieldType::Sketch),
        ];
        check_types(&field_expr(q), &fields).map_err(|e| e.to_string())
    }

    #[test]
    fn incompatible_arithmetic_uses_influxdb_texts() {
        assert_eq!(
            check("value + 'x'").unwrap_err(),
            "type error: value::float + 'x': incompatible types: float and string"
        );
        assert_eq!(
            check("msg + 'x'").unwrap_err(),
            "type error: msg::string + 'x': incompatible types: string and string"
        );
        assert_eq!(
            check("ok + 1").unwrap_err(),
            "type error: ok::boolean + 1: incompatible types: boolean and integer"
        );
        // The innermost failing operator is named; parentheses are kept.
        assert_eq!(
            check("(code * (value - true)) + 1").unwrap_err(),
            "type error: value::float - true: incompatible types: float and boolean"
        );
        assert_eq!(
            check("abs(msg / 2)").unwrap_err(),
            "type error: msg::string / 2: incompatible types: string and integer"
        );
    }

    #[test]
    fn sketch_operands_are_their_own_type() {
        assert_eq!(
            check("latency + 1").unwrap_err(),
            "type error: latency + 1: incompatible types: sketch and integer"
        );
        assert_eq!(
            check("value * latency").unwrap_err(),
            "type error: value::float * latency: incompatible types: float and sketch"
        );
        assert_eq!(
            check("latency & latency").unwrap_err(),
            "type error: latency & latency: incompatible types: sketch and sketch"
        );
        // Aggregates over a sketch answer numbers: arithmetic on them is fine.
        assert_eq!(check("percentile(latency, 99) * 2"), Ok(()));
    }

    #[test]
    fn compatible_and_unknown_operands_pass() {
        for q in [
            "value + 1",
            "code * 2.5 - n",
            "value + host",
            "mean(value) + 'x'",
            "code & 3",
            "ok ^ true",
            "value::integer % 2",
            "nosuch + 'x'",
        ] {
            assert_eq!(check(q), Ok(()), "{q}");
        }
        assert!(check("value & 1").is_err());
    }
}
