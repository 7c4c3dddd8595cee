//! Time values of InfluxQL and of the query response: civil-date arithmetic, RFC3339 formatting and
//! parsing, Go duration strings and InfluxQL duration literals.
//!
//! Invariants:
//! 1. A timestamp is an `i64` count of nanoseconds since the Unix epoch, UTC (the data model's
//!    `Timestamp`); every function here is total over that range (no panics, no overflow: arithmetic
//!    saturates or reports an error).
//! 2. Formatting reproduces Go exactly: `time.RFC3339Nano` with trailing fraction zeros trimmed,
//!    `time.Duration.String()` (`168h0m0s`, `0s`, `1.5s`) and influxql's `FormatDuration` (`7d`, `90m`).
//! 3. Parsing accepts what InfluxQL accepts for time literals: RFC3339 with optional fraction and a
//!    `Z`/`±hh:mm` zone, `YYYY-MM-DD HH:MM:SS[.fraction]` (UTC) and `YYYY-MM-DD` (UTC midnight).
//! 4. `tz()` zones come from the IANA database compiled in (`chrono-tz`, every zone: InfluxDB
//!    accepts any name its host's zoneinfo knows); times print with the zone's offset at that
//!    instant (`2024-01-01T00:00:00-06:00`, `Z` when the offset is zero, as Go prints).

mod civil;
mod format;
mod parse;
mod zone;

pub use civil::{civil_from_days, days_from_civil};
pub use format::{
    format_go_duration, format_influxql_duration, write_rfc3339_nano, write_rfc3339_nano_in,
};
pub use parse::{duration_unit_nanos, parse_time_literal};
pub use zone::Zone;

/// One second in nanoseconds.
pub const NANOS_PER_SECOND: i64 = 1_000_000_000;
