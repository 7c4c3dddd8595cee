//! Why a line was rejected: [`Reason`] carries the evidence, its `Display` is InfluxDB 1.x's exact text.

use std::fmt;

use nom::error::{ErrorKind, ParseError};

/// One rejected line: `unable to parse '<line>': <reason>` like InfluxDB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// The line as received (lossily decoded if not UTF-8), without its line terminator.
    pub line: String,
    /// InfluxDB's reason text, e.g. `missing fields`.
    pub reason: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unable to parse '{}': {}", self.line, self.reason)
    }
}

/// The reason a line failed to parse. `Display` gives the text InfluxDB 1.x answers with, byte for
/// byte, so the HTTP layer can echo it; the variants keep the evidence (lengths, offending text).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    #[error("missing measurement")]
    MissingMeasurement,
    #[error("missing fields")]
    MissingFields,
    #[error("missing tag key")]
    MissingTagKey,
    #[error("missing tag value")]
    MissingTagValue,
    #[error("invalid tag format")]
    InvalidTagFormat,
    #[error("duplicate tags")]
    DuplicateTags,
    #[error("missing field key")]
    MissingFieldKey,
    #[error("missing field value")]
    MissingFieldValue,
    #[error("invalid field format")]
    InvalidFieldFormat,
    #[error("unbalanced quotes")]
    UnbalancedQuotes,
    #[error("invalid number")]
    InvalidNumber,
    #[error("invalid float")]
    InvalidFloat,
    #[error("invalid boolean")]
    InvalidBoolean,
    /// A `sketch:` value that does not decode (taildb only; the detail is the
    /// [`tsdb::sketch::SketchError`] text, e.g. `invalid sketch encoding: truncated`).
    #[error("invalid sketch field value: {detail}")]
    InvalidSketch { detail: String },
    #[error("bad timestamp")]
    BadTimestamp,
    /// Something other than spaces follows the timestamp.
    #[error("point is invalid")]
    PointIsInvalid,
    /// Series key (or series key + `#!~#` + field key) longer than the limit.
    #[error("max key length exceeded: {len} > {max}")]
    MaxKeyLength { len: usize, max: usize },
    /// Scaled timestamp outside `[MIN_TIMESTAMP, MAX_TIMESTAMP]`.
    #[error(
        "time outside range {} - {}",
        tsdb::model::MIN_TIMESTAMP,
        tsdb::model::MAX_TIMESTAMP
    )]
    TimeOutsideRange,
    /// An `i` integer field outside `i64`.
    #[error(
        "unable to parse integer {text}: strconv.ParseInt: parsing \"{text}\": value out of range"
    )]
    IntegerOutOfRange { text: String },
    /// A `u` unsigned field outside `u64` (only with `allow_unsigned`).
    #[error(
        "unable to parse unsigned {text}: strconv.ParseUint: parsing \"{text}\": value out of range"
    )]
    UnsignedOutOfRange { text: String },
    /// A timestamp that is only `-`, or outside `i64` before scaling: Go's `strconv` texts.
    #[error("strconv.ParseInt: parsing \"{text}\": {}", if *.out_of_range { "value out of range" } else { "invalid syntax" })]
    TimestampSyntax { text: String, out_of_range: bool },
    /// The line is not valid UTF-8 (taildb only; InfluxDB 1.x stores the bytes as they are).
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// A nom combinator failed without a more specific reason (never expected; kept so the parser
    /// cannot panic on a combinator error).
    #[error("invalid line protocol ({0:?})")]
    Syntax(ErrorKind),
}

impl<I> ParseError<I> for Reason {
    fn from_error_kind(_input: I, kind: ErrorKind) -> Self {
        Reason::Syntax(kind)
    }

    fn append(_input: I, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}
