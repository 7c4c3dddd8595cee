//! `count`, `sum`, `mean`, `min`, `max` over whole columns (no GROUP BY time yet).

use tsdb::{Column, ColumnValues, FieldType};

use super::error::ExecError;
use crate::response::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggFn {
    Count,
    Sum,
    Mean,
    Min,
    Max,
}

impl AggFn {
    pub fn from_name(name: &str) -> Option<AggFn> {
        Some(match name {
            "count" => AggFn::Count,
            "sum" => AggFn::Sum,
            "mean" => AggFn::Mean,
            "min" => AggFn::Min,
            "max" => AggFn::Max,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            AggFn::Count => "count",
            AggFn::Sum => "sum",
            AggFn::Mean => "mean",
            AggFn::Min => "min",
            AggFn::Max => "max",
        }
    }

    pub fn is_selector(self) -> bool {
        matches!(self, AggFn::Min | AggFn::Max)
    }

    /// InfluxDB's error for a field type the function cannot take.
    fn check_type(self, ty: FieldType) -> Result<(), ExecError> {
        let iter = match ty {
            FieldType::String => "string",
            FieldType::Boolean => "boolean",
            _ => return Ok(()),
        };
        let bad = match self {
            AggFn::Count => false,
            AggFn::Sum | AggFn::Mean => true,
            AggFn::Min | AggFn::Max => ty == FieldType::String,
        };
        if bad {
            return Err(ExecError::Invalid(format!(
                "unsupported {} iterator type: *query.{iter}InterruptIterator",
                self.name()
            )));
        }
        Ok(())
    }
}

/// The running state of one aggregate call.
#[derive(Clone, Debug)]
pub struct Aggregate {
    pub func: AggFn,
    count: u64,
    sum_int: i64,
    sum_uint: u64,
    sum_float: f64,
    /// The type of the values seen (the first column's type wins on a conflict).
    ty: Option<FieldType>,
    /// Selected value and its time (min/max).
    best: Option<(Value, i64)>,
}

impl Aggregate {
    pub fn new(func: AggFn) -> Self {
        Aggregate {
            func,
            count: 0,
            sum_int: 0,
            sum_uint: 0,
            sum_float: 0.0,
            ty: None,
            best: None,
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Time of the selected point (min/max), if any.
    pub fn selected_time(&self) -> Option<i64> {
        self.best.as_ref().map(|(_, t)| *t)
    }

    /// Adds the present values of `col` (rows aligned with `times`).
    pub fn add_column(&mut self, col: &Column, times: &[i64]) -> Result<(), ExecError> {
        let ty = col.field_type();
        self.func.check_type(ty)?;
        if self.ty.is_some_and(|t| t != ty) {
            // A type conflict across shards: InfluxDB reads the first type; skip the rest.
            return Ok(());
        }
        self.ty = Some(ty);
        let n = times.len().min(col.present.len()).min(col.values.len());
        let present = |i: usize| col.present.get(i);
        match &col.values {
            ColumnValues::Float(v) => {
                for i in (0..n).filter(|&i| present(i)) {
                    self.count += 1;
                    self.sum_float += v[i];
                    self.select(Value::Float(v[i]), times[i]);
                }
            }
            ColumnValues::Integer(v) => {
                for i in (0..n).filter(|&i| present(i)) {
                    self.count += 1;
                    self.sum_int = self.sum_int.wrapping_add(v[i]);
                    self.sum_float += v[i] as f64;
                    self.select(Value::Int(v[i]), times[i]);
                }
            }
            ColumnValues::Unsigned(v) => {
                for i in (0..n).filter(|&i| present(i)) {
                    self.count += 1;
                    self.sum_uint = self.sum_uint.wrapping_add(v[i]);
                    self.sum_float += v[i] as f64;
                    self.select(Value::UInt(v[i]), times[i]);
                }
            }
            ColumnValues::Boolean(v) => {
                for i in (0..n).filter(|&i| present(i)) {
                    self.count += 1;
                    self.select(Value::Bool(v[i]), times[i]);
                }
            }
            ColumnValues::String(_) => {
                self.count += (0..n).filter(|&i| present(i)).count() as u64;
            }
        }
        Ok(())
    }

    /// Keeps `v` if it beats the current selection (ties: the earlier time wins).
    fn select(&mut self, v: Value, t: i64) {
        use std::cmp::Ordering::*;
        let want = if self.func == AggFn::Max {
            Greater
        } else {
            Less
        };
        if !self.func.is_selector() {
            return;
        }
        let replace = match &self.best {
            None => true,
            Some((b, bt)) => match cmp_f(&v, b) {
                Equal => t < *bt,
                o => o == want,
            },
        };
        if replace {
            self.best = Some((v, t));
        }
    }

    /// The result value; `Null` when no value was seen (except `count`, which is 0).
    pub fn value(&self) -> Value {
        match self.func {
            AggFn::Count => Value::Int(self.count as i64),
            _ if self.count == 0 => Value::Null,
            AggFn::Sum => match self.ty {
                Some(FieldType::Integer) => Value::Int(self.sum_int),
                Some(FieldType::Unsigned) => Value::UInt(self.sum_uint),
                _ => Value::Float(self.sum_float),
            },
            AggFn::Mean => Value::Float(self.sum_float / self.count as f64),
            AggFn::Min | AggFn::Max => self.best.as_ref().map_or(Value::Null, |(v, _)| v.clone()),
        }
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Float(f) => *f,
        Value::Int(i) => *i as f64,
        Value::UInt(u) => *u as f64,
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => f64::NAN,
    }
}

fn cmp_f(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::UInt(x), Value::UInt(y)) => x.cmp(y),
        _ => as_f64(a).total_cmp(&as_f64(b)),
    }
}
