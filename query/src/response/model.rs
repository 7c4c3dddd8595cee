//! The result model the executor fills and the writers print.

use std::sync::Arc;

use tsdb::{FieldValue, Sketch, Timestamp};

/// One cell of a result row.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    /// A time, printed per the request's [`TimeFormat`].
    Time(Timestamp),
    /// A time of a statement with `tz()`: the instant and the zone's UTC offset at it, in seconds
    /// east of UTC. RFC3339 output shows the local time with that offset
    /// (`2023-12-31T18:00:00-06:00`); `epoch` and CSV output print the instant as [`Value::Time`].
    ZonedTime(Timestamp, i32),
    /// A sketch (a raw `SELECT` of a sketch field, `sketch()`, `first`/`last` of a sketch field).
    /// JSON and CSV print its [`Sketch::summary`] string; line-protocol output its
    /// [`Sketch::to_text`]; `INTO` writes it as a sketch field.
    Sketch(Arc<Sketch>),
}

impl Value {
    /// The instant of a [`Value::Time`] or [`Value::ZonedTime`].
    pub fn as_time(&self) -> Option<Timestamp> {
        match self {
            Value::Time(t) | Value::ZonedTime(t, _) => Some(*t),
            _ => None,
        }
    }

    /// The value as a field value to write (INTO, line-protocol export); `None` for null and times.
    pub fn as_field_value(&self) -> Option<FieldValue<'_>> {
        Some(match self {
            Value::Float(f) => FieldValue::Float(*f),
            Value::Int(i) => FieldValue::Integer(*i),
            Value::UInt(u) => FieldValue::Unsigned(*u),
            Value::Bool(b) => FieldValue::Boolean(*b),
            Value::Str(s) => FieldValue::String(std::borrow::Cow::Borrowed(s.as_str())),
            Value::Sketch(s) => FieldValue::Sketch(s.clone()),
            Value::Null | Value::Time(_) | Value::ZonedTime(..) => return None,
        })
    }
}

/// One series of a statement's result (Go's `models.Row`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub name: Option<String>,
    /// Sorted by key on output; omitted when empty.
    pub tags: Vec<(String, String)>,
    pub columns: Vec<String>,
    pub values: Vec<Vec<Value>>,
}

/// `{"level":"warning","text":...}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub level: &'static str,
    pub text: String,
}

/// The result of one statement.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatementResult {
    pub statement_id: usize,
    pub series: Vec<Series>,
    pub messages: Vec<Message>,
    pub error: Option<String>,
}

impl StatementResult {
    pub fn error(statement_id: usize, error: impl Into<String>) -> Self {
        StatementResult {
            statement_id,
            error: Some(error.into()),
            ..Default::default()
        }
    }
}

/// The whole body: `{"results":[...]}` or `{"error":"..."}` (or `{}` when there were no statements).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryResponse {
    pub results: Vec<StatementResult>,
    pub error: Option<String>,
}

/// How `time` values print: RFC3339Nano strings, or integers in a unit (`epoch=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    Rfc3339,
    /// Integer division of nanoseconds by this divisor (1 for `ns`).
    Epoch(i64),
}

impl TimeFormat {
    /// The format for an `epoch` parameter: absent or empty → RFC3339; `u`/`µ`, `ms`, `s`, `m`, `h`
    /// → that unit; `ns`, `n` and anything unknown → nanoseconds (InfluxDB 1.x behaviour).
    pub fn from_epoch_param(epoch: Option<&str>) -> TimeFormat {
        match epoch {
            None | Some("") => TimeFormat::Rfc3339,
            Some("u" | "µ") => TimeFormat::Epoch(1_000),
            Some("ms") => TimeFormat::Epoch(1_000_000),
            Some("s") => TimeFormat::Epoch(1_000_000_000),
            Some("m") => TimeFormat::Epoch(60_000_000_000),
            Some("h") => TimeFormat::Epoch(3_600_000_000_000),
            Some(_) => TimeFormat::Epoch(1),
        }
    }
}
