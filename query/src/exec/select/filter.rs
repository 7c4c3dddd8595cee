//! The residual WHERE condition (conjuncts that name fields), compiled once and evaluated per row
//! over a scan batch without allocating.

use std::cmp::Ordering;

use tsdb::sketch::SketchRow;
use tsdb::{Column, ColumnValues};

use super::plan::Plan;
use crate::ast::{BinaryOp, Expr, Literal, VarType};
use crate::exec::error::ExecError;
use crate::exec::functions::eval_binary;
use crate::response::Value;

/// A borrowed cell value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Cell<'a> {
    Null,
    Float(f64),
    Int(i64),
    UInt(u64),
    Bool(bool),
    Str(&'a str),
    /// A sketch: printed and written, never equal, ordered or matched by a condition.
    Sketch(SketchRow<'a>),
}

impl Cell<'_> {
    pub fn to_value(self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Float(v) => Value::Float(v),
            Cell::Int(v) => Value::Int(v),
            Cell::UInt(v) => Value::UInt(v),
            Cell::Bool(v) => Value::Bool(v),
            Cell::Str(s) => Value::Str(s.to_owned()),
            Cell::Sketch(s) => Value::Sketch(s.to_arc()),
        }
    }
}

/// Row `i` of `c` (`Null` when absent or out of range).
#[inline]
pub(super) fn cell(c: &Column, i: usize) -> Cell<'_> {
    if i >= c.present.len() || !c.present.get(i) {
        return Cell::Null;
    }
    match &c.values {
        ColumnValues::Float(v) => v.get(i).map_or(Cell::Null, |x| Cell::Float(*x)),
        ColumnValues::Integer(v) => v.get(i).map_or(Cell::Null, |x| Cell::Int(*x)),
        ColumnValues::Unsigned(v) => v.get(i).map_or(Cell::Null, |x| Cell::UInt(*x)),
        ColumnValues::String(v) => v.get(i).map_or(Cell::Null, |x| Cell::Str(x)),
        ColumnValues::Boolean(v) => v.get(i).map_or(Cell::Null, |x| Cell::Bool(*x)),
        ColumnValues::Sketch(v) => v.row(i).map_or(Cell::Null, Cell::Sketch),
    }
}

#[derive(Clone, Debug)]
pub(super) enum Cond {
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Cmp(BinaryOp, Operand, Operand),
    Regex(bool, Operand, regex::Regex),
}

#[derive(Clone, Debug)]
pub(super) enum Operand {
    Field(usize),
    Tag(usize),
    Lit(Value),
    Math(BinaryOp, Box<Operand>, Box<Operand>),
}

/// Compiles the residual; fields are added to the plan's scan list and tags to its tag keys.
pub(super) fn compile_cond(
    e: &Expr,
    plan: &mut Plan,
    is_field: &dyn Fn(&str) -> bool,
) -> Result<Cond, ExecError> {
    let Expr::Binary { op, lhs, rhs } = e.unparen() else {
        return Err(ExecError::Invalid(format!("invalid condition {e}")));
    };
    Ok(match op {
        BinaryOp::And | BinaryOp::Or => {
            let a = Box::new(compile_cond(lhs, plan, is_field)?);
            let b = Box::new(compile_cond(rhs, plan, is_field)?);
            if *op == BinaryOp::And {
                Cond::And(a, b)
            } else {
                Cond::Or(a, b)
            }
        }
        BinaryOp::EqRegex | BinaryOp::NeqRegex => {
            let Expr::Literal(Literal::Regex(r)) = rhs.unparen() else {
                return Err(ExecError::Invalid(format!("invalid condition {e}")));
            };
            let re = regex::Regex::new(r)
                .map_err(|err| ExecError::Invalid(format!("invalid regex /{r}/: {err}")))?;
            Cond::Regex(*op == BinaryOp::NeqRegex, operand(lhs, plan, is_field)?, re)
        }
        op if op.is_condition() => Cond::Cmp(
            *op,
            operand(lhs, plan, is_field)?,
            operand(rhs, plan, is_field)?,
        ),
        _ => return Err(ExecError::Invalid(format!("invalid condition {e}"))),
    })
}

fn operand(
    e: &Expr,
    plan: &mut Plan,
    is_field: &dyn Fn(&str) -> bool,
) -> Result<Operand, ExecError> {
    Ok(match e.unparen() {
        Expr::VarRef { name, data_type } => {
            if *data_type != Some(VarType::Tag)
                && (is_field(name) || *data_type == Some(VarType::Field))
            {
                Operand::Field(plan.scan_index(name))
            } else {
                Operand::Tag(plan.tag_index(name))
            }
        }
        Expr::Literal(l) => Operand::Lit(match l {
            Literal::Integer(v) | Literal::Duration(v) => Value::Int(*v),
            Literal::Float(v) => Value::Float(*v),
            Literal::String(s) | Literal::Regex(s) => Value::Str(s.clone()),
            Literal::Boolean(b) => Value::Bool(*b),
        }),
        Expr::Binary { op, lhs, rhs } if !op.is_condition() => Operand::Math(
            *op,
            Box::new(operand(lhs, plan, is_field)?),
            Box::new(operand(rhs, plan, is_field)?),
        ),
        other => {
            return Err(ExecError::Invalid(format!(
                "invalid condition operand {other}"
            )));
        }
    })
}

/// What a row offers the condition: its field cells and its series' tag values.
pub(super) struct RowRef<'a> {
    pub columns: &'a [Option<Column>],
    /// Scan column index → batch column index (`None`: not in this batch).
    pub row: usize,
    pub tags: &'a [String],
}

fn value_cell(v: &Value) -> Cell<'_> {
    match v {
        Value::Null | Value::Time(_) | Value::ZonedTime(..) => Cell::Null,
        Value::Float(x) => Cell::Float(*x),
        Value::Int(x) => Cell::Int(*x),
        Value::UInt(x) => Cell::UInt(*x),
        Value::Bool(x) => Cell::Bool(*x),
        Value::Str(s) => Cell::Str(s),
        Value::Sketch(s) => Cell::Sketch(SketchRow::Shared(s)),
    }
}

enum Owned<'a> {
    Cell(Cell<'a>),
    Value(Value),
}

impl Owned<'_> {
    fn cell(&self) -> Cell<'_> {
        match self {
            Owned::Cell(c) => *c,
            Owned::Value(v) => value_cell(v),
        }
    }
}

fn eval_operand<'a>(o: &'a Operand, r: &RowRef<'a>) -> Owned<'a> {
    match o {
        Operand::Field(i) => Owned::Cell(
            r.columns
                .get(*i)
                .and_then(Option::as_ref)
                .map_or(Cell::Null, |c| cell(c, r.row)),
        ),
        Operand::Tag(k) => Owned::Cell(Cell::Str(r.tags.get(*k).map_or("", String::as_str))),
        Operand::Lit(v) => Owned::Cell(value_cell(v)),
        Operand::Math(op, a, b) => {
            let a = eval_operand(a, r).cell().to_value();
            let b = eval_operand(b, r).cell().to_value();
            Owned::Value(eval_binary(*op, &a, &b))
        }
    }
}

fn compare(a: Cell<'_>, b: Cell<'_>) -> Option<Ordering> {
    use Cell::*;
    match (a, b) {
        (Int(x), Int(y)) => Some(x.cmp(&y)),
        (UInt(x), UInt(y)) => Some(x.cmp(&y)),
        (Str(x), Str(y)) => Some(x.cmp(y)),
        (Bool(x), Bool(y)) => Some(x.cmp(&y)),
        (Float(_) | Int(_) | UInt(_), Float(_) | Int(_) | UInt(_)) => num(a)?.partial_cmp(&num(b)?),
        _ => None,
    }
}

fn num(c: Cell<'_>) -> Option<f64> {
    match c {
        Cell::Float(v) => Some(v),
        Cell::Int(v) => Some(v as f64),
        Cell::UInt(v) => Some(v as f64),
        _ => None,
    }
}

/// Whether the row passes; a comparison with a missing value or of unlike types is false.
pub(super) fn eval_cond(c: &Cond, r: &RowRef<'_>) -> bool {
    match c {
        Cond::And(a, b) => eval_cond(a, r) && eval_cond(b, r),
        Cond::Or(a, b) => eval_cond(a, r) || eval_cond(b, r),
        Cond::Regex(neg, o, re) => match eval_operand(o, r).cell() {
            Cell::Str(s) => re.is_match(s) != *neg,
            _ => false,
        },
        Cond::Cmp(op, a, b) => {
            let (a, b) = (eval_operand(a, r), eval_operand(b, r));
            let Some(ord) = compare(a.cell(), b.cell()) else {
                return false;
            };
            match op {
                BinaryOp::Eq => ord == Ordering::Equal,
                BinaryOp::Neq => ord != Ordering::Equal,
                BinaryOp::Lt => ord == Ordering::Less,
                BinaryOp::Lte => ord != Ordering::Greater,
                BinaryOp::Gt => ord == Ordering::Greater,
                BinaryOp::Gte => ord != Ordering::Less,
                _ => false,
            }
        }
    }
}
