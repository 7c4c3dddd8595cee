use serde::{Deserialize, Serialize};

use crate::model::Timestamp;

/// What a watch looks at and on which bucket grid it reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchSpec {
    pub database: String,
    /// `None`: writes to any retention policy of the database.
    pub retention_policy: Option<String>,
    pub measurements: MeasurementFilter,
    /// Bucket grid `[offset + k*interval, +interval)`, nanoseconds, `> 0`.
    pub interval: i64,
    pub offset: i64,
}

/// Which measurements of the database a watch sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasurementFilter {
    All,
    Names(Vec<String>),
    /// Rust `regex` syntax, unanchored (as InfluxQL's `/…/` sources).
    Regex(String),
}

/// Who writes a batch: a client, or a watch's consumer writing its own output (which must not mark
/// that watch, or every recompute would dirty its own buckets again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteOrigin<'a> {
    Client,
    /// The id of the watch whose output this write is.
    Watch(&'a str),
}

/// A watch's bookkeeping, for the scheduler and for `SHOW`-style statistics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchStatus {
    /// Every window ending at or before this was computed successfully.
    pub confirmed_until: Option<Timestamp>,
    /// Writes with a time below this are late (mark their bucket).
    pub marking_until: Option<Timestamp>,
    /// Oldest time still repaired (`Timestamp::MIN` until set).
    pub floor: Timestamp,
    /// Buckets waiting to be recomputed.
    pub dirty: usize,
    /// Buckets handed out by `take_dirty_buckets` and not yet finished.
    pub in_flight: usize,
    /// Buckets newly marked dirty since the watch was created (persisted).
    pub marked_total: u64,
}

/// Start of the bucket of the grid `(interval, offset)` holding `t`:
/// `offset + floor_div(t - offset, interval) * interval`, saturated to the `i64` range (only
/// reachable for times within one interval of `Timestamp::MIN`). `interval` must be `> 0`.
#[inline]
pub fn bucket_start(t: Timestamp, interval: i64, offset: i64) -> Timestamp {
    // i64 fast path (i128 division is a library call); exact whenever nothing overflows.
    if let Some(d) = t.checked_sub(offset) {
        let k = d.div_euclid(interval);
        if let Some(s) = k.checked_mul(interval).and_then(|x| x.checked_add(offset)) {
            return s;
        }
    }
    let d = (t as i128) - (offset as i128);
    let k = d.div_euclid(interval as i128);
    let s = (offset as i128) + k * (interval as i128);
    s.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}
