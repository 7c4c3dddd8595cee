//! Write options: the timestamp precision and the parser's knobs.

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
    ///
    /// InfluxDB 1.6.7 silently treats unknown strings as nanoseconds; taildb's HTTP layer answers
    /// 400 instead (see `docs/line-protocol.md`).
    pub fn parse_v1(s: &str) -> Option<Precision> {
        Some(match s {
            "" | "n" | "ns" => Precision::Nanoseconds,
            "u" | "us" | "µ" => Precision::Microseconds,
            "ms" => Precision::Milliseconds,
            "s" => Precision::Seconds,
            "m" => Precision::Minutes,
            "h" => Precision::Hours,
            _ => return None,
        })
    }

    /// The `/api/v2/write` spelling: `ns|us|ms|s` or empty (= ns); `None` for anything else.
    pub fn parse_v2(s: &str) -> Option<Precision> {
        Some(match s {
            "" | "ns" => Precision::Nanoseconds,
            "us" => Precision::Microseconds,
            "ms" => Precision::Milliseconds,
            "s" => Precision::Seconds,
            _ => return None,
        })
    }

    /// `now` truncated down to a whole unit of this precision (InfluxDB's `SetPrecision` on points
    /// without a timestamp: precision=h gives the top of the hour).
    pub fn truncate(self, now: i64) -> i64 {
        now - now.rem_euclid(self.nanos())
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
        ParseOptions {
            precision: Precision::Nanoseconds,
            now: 0,
            max_key_len: 65535,
            allow_unsigned: false,
        }
    }
}
