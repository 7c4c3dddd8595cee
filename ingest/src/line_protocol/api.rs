use std::fmt;

use tsdb::PointBatch;

/// Timestamp unit of a write (`precision=` query parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Precision {
    #[default]
    Nanoseconds,
    Microseconds,
    Milliseconds,
    Seconds,
    Minutes,
    Hours,
}

impl Precision {
    /// Nanoseconds per unit.
    pub fn nanos(self) -> i64 {
        match self {
            Precision::Nanoseconds => 1,
            Precision::Microseconds => 1_000,
            Precision::Milliseconds => 1_000_000,
            Precision::Seconds => 1_000_000_000,
            Precision::Minutes => 60_000_000_000,
            Precision::Hours => 3_600_000_000_000,
        }
    }

    /// The v1 `/write` spelling: `n|ns|u|us|µ|ms|s|m|h` or empty (= ns); `None` for anything else.
    pub fn parse_v1(_s: &str) -> Option<Precision> {
        todo!("line protocol")
    }

    /// The `/api/v2/write` spelling: `ns|us|ms|s` or empty (= ns); `None` for anything else.
    pub fn parse_v2(_s: &str) -> Option<Precision> {
        todo!("line protocol")
    }
}

#[derive(Clone, Debug)]
pub struct ParseOptions {
    pub precision: Precision,
    /// Server time (ns) used for lines without a timestamp; truncated to the precision by the parser.
    pub now: i64,
    /// Series key length limit (InfluxDB: 65535).
    pub max_key_len: usize,
    /// Accept `<int>u` unsigned fields (InfluxDB 1.x OSS rejects them with `invalid number`).
    pub allow_unsigned: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { precision: Precision::Nanoseconds, now: 0, max_key_len: 65535, allow_unsigned: false }
    }
}

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

/// Parses a whole request body, appending valid points to `batch` and one [`LineError`] per bad
/// line to `errors`. Every line stands alone: a bad line never affects its neighbours.
pub fn parse_lines<'a>(_body: &'a [u8], _opts: &ParseOptions, _batch: &mut PointBatch<'a>, _errors: &mut Vec<LineError>) {
    todo!("line protocol")
}
