//! InfluxDB 1.x line protocol, parsed zero-copy into a [`tsdb::PointBatch`].
//!
//! Invariants:
//! 1. Every line stands alone: it yields exactly one point or exactly one [`LineError`], and a bad
//!    line leaves the batch as it was before that line (its tags and fields are rolled back).
//! 2. Names and string values in the batch are unescaped and borrow from the body
//!    (`Cow::Borrowed`) unless an escape forced a copy; the happy path allocates nothing per line
//!    (the batch's vectors are reused).
//! 3. Each point's tags are sorted by key bytes and free of duplicate keys (`duplicate tags`).
//! 4. Fields stay in line order, duplicates included (the engine applies them in order, so the
//!    last one wins, as in InfluxDB); fields and tags named `time` are kept (the engine drops them
//!    with InfluxDB's partial-write texts).
//! 5. Timestamps are nanoseconds in `[tsdb::model::MIN_TIMESTAMP, tsdb::model::MAX_TIMESTAMP]`; a line without
//!    one gets `opts.now` truncated to the write precision.
//! 6. Error reasons are InfluxDB 1.x's texts byte for byte ([`Reason`]'s `Display`), plus
//!    `invalid UTF-8` for lines that are not UTF-8 (taildb only).
//! 7. An unquoted value that starts with `sketch:` is a [`tsdb::Sketch`] (taildb only; an
//!    `invalid boolean` in 1.x, so no valid 1.x line changes meaning). Such values are decoded and
//!    allocated per value: the no-allocation rule of 2 holds for the other value types.
//! 8. Parsing never panics, whatever the bytes (fuzzed by `fuzz/`, target `line_protocol`).
//!
//! Lines end at `\n` (one `\r` before it is stripped, unlike 1.x), except inside a quoted string
//! field value, which may hold raw newlines. The accepted dialect and every difference from 1.6.7
//! are in `docs/line-protocol.md`.

mod error;
mod lines;
mod options;
mod rules;
mod write;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod sketch_tests;
#[cfg(test)]
mod tests;

pub use error::{LineError, Reason};
pub use lines::parse_lines;
pub use options::{ParseOptions, Precision};
pub use write::write_line;
