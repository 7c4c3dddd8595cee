use std::path::PathBuf;
use std::time::Duration;

use crate::catalog::CatalogOptions;
use crate::index::IndexOptions;
use crate::index::TagPredicate;
use crate::model::{Column, Timestamp};
use crate::segment::SegmentOptions;
use crate::wal::WalOptions;

/// Everything the engine needs to open a data directory.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub data_dir: PathBuf,
    pub wal: WalOptions,
    pub segment: SegmentOptions,
    pub catalog: CatalogOptions,
    pub index: IndexOptions,
    /// Cardinality limits on new series (0 = unlimited).
    pub limits: SeriesLimits,
    /// Flush all memtables once their estimated size passes this many bytes.
    pub memtable_max_bytes: usize,
    /// Flush all memtables at least this often (bounds WAL size and replay time).
    pub flush_interval: Duration,
    /// Compact a shard's segments of one measurement once it has at least this many.
    pub compaction_min_segments: usize,
    /// Run background flush/compaction threads (tests may switch them off and call `flush`).
    pub background: bool,
    /// Bytes of decoded column chunks kept for later scans ([`crate::segment::ChunkCache`];
    /// 0 disables the cache).
    pub decoded_cache_max_bytes: u64,
    /// Bytes of merged memtable rows kept so identical scans (the continuous queries of one
    /// window) reuse them ([`crate::engine::MergeCache`]; 0 disables).
    pub merged_rows_cache_max_bytes: u64,
    /// Drop expired shard groups in the background (`[retention] enabled`).
    pub retention_enabled: bool,
    /// How often the background task looks for expired shard groups (`[retention]
    /// check-interval`, InfluxDB's default 30 min).
    pub retention_check_interval: Duration,
}

impl EngineConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        EngineConfig {
            data_dir: data_dir.into(),
            wal: WalOptions::default(),
            segment: SegmentOptions::default(),
            catalog: CatalogOptions::default(),
            index: IndexOptions::default(),
            limits: SeriesLimits::default(),
            memtable_max_bytes: 256 << 20,
            flush_interval: Duration::from_secs(600),
            compaction_min_segments: 4,
            background: true,
            decoded_cache_max_bytes: 256 << 20,
            merged_rows_cache_max_bytes: 256 << 20,
            retention_enabled: true,
            retention_check_interval: Duration::from_secs(30 * 60),
        }
    }
}

/// Limits on new series, checked on the write path against the series with data in the database
/// (so dropped series no longer count). Only new series are refused; points of existing series in
/// the same batch are written. 0 disables a limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeriesLimits {
    pub max_series_per_database: u64,
    pub max_series_per_measurement: u64,
    pub max_values_per_tag: u64,
}

/// `WITH DURATION … REPLICATION … SHARD DURATION … NAME …` of `CREATE DATABASE`, or a
/// `CREATE RETENTION POLICY`. Durations in nanoseconds; `duration == 0` means infinite.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionPolicySpec {
    pub name: Option<String>,
    pub duration: Option<i64>,
    pub replication: Option<u32>,
    pub shard_duration: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionPolicyInfo {
    pub name: String,
    /// Nanoseconds; 0 = infinite.
    pub duration: i64,
    pub shard_group_duration: i64,
    pub replication: u32,
    pub default: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("database not found: {0}")]
    DatabaseNotFound(String),
    #[error("retention policy not found: {0}")]
    RetentionPolicyNotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("storage error: {0}")]
    Storage(String),
}

/// Whole-request write failures (the HTTP layer maps them to 404/500).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("database not found: {0:?}")]
    DatabaseNotFound(String),
    #[error("retention policy not found: {0}")]
    RetentionPolicyNotFound(String),
    #[error("{0}")]
    Storage(String),
}

/// Result of a write that reached storage. `dropped > 0` means a partial write: the HTTP layer
/// answers `partial write: {reason} dropped={dropped}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    pub written: usize,
    pub dropped: usize,
    /// The first reason a point was dropped, InfluxDB's text without the `partial write: ` prefix.
    pub reason: Option<String>,
}

/// A read of one measurement: series filtered by a tag predicate, time range inclusive.
#[derive(Clone, Debug)]
pub struct ReadRequest {
    pub database: String,
    pub retention_policy: Option<String>,
    pub measurement: String,
    pub min_time: Timestamp,
    pub max_time: Timestamp,
    /// Which series of the measurement ([`TagPredicate::All`] for every one).
    pub predicate: TagPredicate,
    /// Field names to return; `None` = all fields of the measurement.
    pub fields: Option<Vec<String>>,
}

/// The rows of one series, time ascending, duplicates merged (newest write wins per field).
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesData {
    pub key: String,
    pub tags: Vec<(String, String)>,
    pub timestamps: Vec<Timestamp>,
    /// One column per returned field (in request order, or sorted by name for `None`).
    pub fields: Vec<(String, Column)>,
}

/// What a schema statement (`SHOW TAG VALUES`, `SHOW SERIES`, …) looks at: the series with data in
/// the shards of `database` (of `retention_policy`, or of every policy when `None`) that overlap
/// `[min_time, max_time]`. Shard granularity, as InfluxDB's TSI: a series counts when it has data in
/// a touched shard, even outside the exact range.
#[derive(Clone, Debug)]
pub struct IndexScope {
    pub database: String,
    pub retention_policy: Option<String>,
    pub min_time: Timestamp,
    pub max_time: Timestamp,
}

impl IndexScope {
    /// Every shard of every policy of `database`.
    pub fn all_time(database: &str) -> Self {
        IndexScope {
            database: database.to_string(),
            retention_policy: None,
            min_time: Timestamp::MIN,
            max_time: Timestamp::MAX,
        }
    }
}
