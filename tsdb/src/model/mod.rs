//! The data model every layer shares: timestamps, series ids, field types and values, the parsed
//! write batch, and canonical series keys.
//!
//! Invariants:
//! 1. A [`Timestamp`] is an `i64` count of nanoseconds since the Unix epoch, UTC. Valid point times are
//!    `[MIN_TIMESTAMP, MAX_TIMESTAMP]`, InfluxDB's range; the values outside it are sentinels.
//! 2. A [`SeriesId`] is dense per database and assigned in creation order, starting at 0.
//! 3. Names and values inside a [`PointBatch`] are *unescaped*; the canonical [`series_key`] is the
//!    escaped form InfluxDB prints in `SHOW SERIES` (`m,k1=v1,k2=v2`, tags sorted by key bytes).
//! 4. The tags of each point in a [`PointBatch`] are sorted by key and free of duplicates; producers
//!    (the line-protocol parser) guarantee it, consumers rely on it.

mod batch;
mod dd;
mod field;
mod key;

pub use batch::{Point, PointBatch};
pub use dd::Dd;
pub use field::{BitVec, Column, ColumnValues, FieldType, FieldValue};
pub use key::{
    escape_measurement_into, escape_tag_into, parse_series_key, push_series_key, series_key,
    series_key_into,
};

/// Nanoseconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// Smallest valid point time (InfluxDB's `MinNanoTime`: `i64::MIN + 2`).
pub const MIN_TIMESTAMP: Timestamp = i64::MIN + 2;
/// Largest valid point time (InfluxDB's `MaxNanoTime`: `i64::MAX - 1`).
pub const MAX_TIMESTAMP: Timestamp = i64::MAX - 1;

/// Dense per-database series identifier.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct SeriesId(pub u32);

impl SeriesId {
    pub fn get(self) -> u32 {
        self.0
    }
}
