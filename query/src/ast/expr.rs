//! Expressions: field lists, WHERE conditions, GROUP BY dimensions, function arguments.

use std::fmt::{self, Write as _};

use super::quote::{quote_ident, quote_string};
use crate::time::format_influxql_duration;

/// An InfluxQL expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A field, tag or `time` reference with an optional `::type` cast.
    VarRef {
        name: String,
        data_type: Option<VarType>,
    },
    /// `name(args)`; the name is stored lower case.
    Call {
        name: String,
        args: Vec<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Paren(Box<Expr>),
    /// `*`, optionally `*::field` / `*::tag`.
    Wildcard(Option<VarType>),
    Literal(Literal),
}

impl Expr {
    pub fn var(name: impl Into<String>) -> Expr {
        Expr::VarRef {
            name: name.into(),
            data_type: None,
        }
    }

    /// `e` when this is `-1 * e` with `e` a unary operand (not a literal or a binary expression):
    /// the parser's reading of unary minus (`-value`, `-abs(v)`, `-(a + b)`).
    pub fn negated_operand(&self) -> Option<&Expr> {
        match self {
            Expr::Binary {
                op: BinaryOp::Mul,
                lhs,
                rhs,
            } if **lhs == Expr::Literal(Literal::Integer(-1))
                && !matches!(**rhs, Expr::Literal(_) | Expr::Binary { .. }) =>
            {
                Some(rhs)
            }
            _ => None,
        }
    }

    /// The expression without enclosing parentheses.
    pub fn unparen(&self) -> &Expr {
        match self {
            Expr::Paren(e) => e.unparen(),
            e => e,
        }
    }
}

/// The `::type` of a variable reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarType {
    Float,
    Integer,
    Unsigned,
    String,
    Boolean,
    Field,
    Tag,
}

impl VarType {
    pub fn from_name(s: &str) -> Option<VarType> {
        Some(match s.to_ascii_lowercase().as_str() {
            "float" => VarType::Float,
            "integer" => VarType::Integer,
            "unsigned" => VarType::Unsigned,
            "string" => VarType::String,
            "boolean" => VarType::Boolean,
            "field" => VarType::Field,
            "tag" => VarType::Tag,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            VarType::Float => "float",
            VarType::Integer => "integer",
            VarType::Unsigned => "unsigned",
            VarType::String => "string",
            VarType::Boolean => "boolean",
            VarType::Field => "field",
            VarType::Tag => "tag",
        }
    }
}

/// Literal values.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Integer(i64),
    Float(f64),
    String(String),
    Boolean(bool),
    /// Nanoseconds.
    Duration(i64),
    /// The pattern text between the slashes, unescaped (`\/` → `/`).
    Regex(String),
}

/// Binary operators, in InfluxQL's precedence classes (see [`BinaryOp::precedence`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    BitAnd,
    BitOr,
    BitXor,
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    EqRegex,
    NeqRegex,
    And,
    Or,
}

impl BinaryOp {
    /// Binding strength: OR 1, AND 2, comparisons 4, `+ - | ^` 5, `* / % &` 6 (influxql's table).
    pub fn precedence(self) -> u8 {
        use BinaryOp::*;
        match self {
            Or => 1,
            And => 2,
            Eq | Neq | Lt | Lte | Gt | Gte | EqRegex | NeqRegex => 4,
            Add | Sub | BitOr | BitXor => 5,
            Mul | Div | Mod | BitAnd => 6,
        }
    }

    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Mod => "%",
            BitAnd => "&",
            BitOr => "|",
            BitXor => "^",
            Eq => "=",
            Neq => "!=",
            Lt => "<",
            Lte => "<=",
            Gt => ">",
            Gte => ">=",
            EqRegex => "=~",
            NeqRegex => "!~",
            And => "AND",
            Or => "OR",
        }
    }

    /// Comparison and logical operators belong in WHERE, not in the field list.
    pub fn is_condition(self) -> bool {
        self.precedence() <= 4
    }
}

impl fmt::Display for BinaryOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Integer(v) => write!(f, "{v}"),
            Literal::Float(v) => {
                // Keep a decimal point so the literal reparses as a float.
                let s = format!("{v}");
                f.write_str(&s)?;
                if !s.contains(['.', 'e', 'N', 'i']) {
                    f.write_str(".0")?;
                }
                Ok(())
            }
            Literal::String(s) => quote_string(f, s),
            Literal::Boolean(b) => f.write_str(if *b { "true" } else { "false" }),
            Literal::Duration(d) => f.write_str(&format_influxql_duration(*d)),
            Literal::Regex(r) => {
                f.write_char('/')?;
                for c in r.chars() {
                    if c == '/' {
                        f.write_str("\\/")?;
                    } else {
                        f.write_char(c)?;
                    }
                }
                f.write_char('/')
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::VarRef { name, data_type } => {
                quote_ident(f, name)?;
                if let Some(t) = data_type {
                    write!(f, "::{}", t.name())?;
                }
                Ok(())
            }
            Expr::Call { name, args } => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_char(')')
            }
            Expr::Binary { op, lhs, rhs } => match rhs.negated_operand() {
                // `a / -b` parses as `a / (-1 * b)` without parentheses; printing the right side
                // as `-1 * b` would reparse as `(a / -1) * b`, so it keeps its unary spelling.
                Some(inner) => write!(f, "{lhs} {op} -{inner}"),
                None => write!(f, "{lhs} {op} {rhs}"),
            },
            Expr::Paren(e) => write!(f, "({e})"),
            Expr::Wildcard(t) => {
                f.write_char('*')?;
                if let Some(t) = t {
                    write!(f, "::{}", t.name())?;
                }
                Ok(())
            }
            Expr::Literal(l) => write!(f, "{l}"),
        }
    }
}
