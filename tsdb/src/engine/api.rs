use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::catalog::CatalogOptions;
use crate::model::{Column, FieldType, PointBatch, Timestamp};
use crate::segment::SegmentOptions;
use crate::wal::WalOptions;

/// Everything the engine needs to open a data directory.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub data_dir: PathBuf,
    pub wal: WalOptions,
    pub segment: SegmentOptions,
    pub catalog: CatalogOptions,
    /// Flush all memtables once their estimated size passes this many bytes.
    pub memtable_max_bytes: usize,
    /// Flush all memtables at least this often (bounds WAL size and replay time).
    pub flush_interval: Duration,
    /// Compact a shard's segments of one measurement once it has at least this many.
    pub compaction_min_segments: usize,
    /// Run background flush/compaction threads (tests may switch them off and call `flush`).
    pub background: bool,
}

impl EngineConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        EngineConfig {
            data_dir: data_dir.into(),
            wal: WalOptions::default(),
            segment: SegmentOptions::default(),
            catalog: CatalogOptions::default(),
            memtable_max_bytes: 256 << 20,
            flush_interval: Duration::from_secs(600),
            compaction_min_segments: 4,
            background: true,
        }
    }
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

/// A read of one measurement: series filtered by tag equality, time range inclusive.
#[derive(Clone, Debug)]
pub struct ReadRequest {
    pub database: String,
    pub retention_policy: Option<String>,
    pub measurement: String,
    pub min_time: Timestamp,
    pub max_time: Timestamp,
    /// Conjunction of `tag = value`; an empty value matches series lacking the tag.
    pub tag_equals: Vec<(String, String)>,
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

/// The storage engine of one data directory. Shared as `Arc<Engine>`; all methods take `&self`.
pub struct Engine {
    _private: (),
}

impl Engine {
    /// Opens (creating if needed) the data directory, replays the WAL, starts background work.
    pub fn open(_config: EngineConfig) -> Result<Arc<Engine>, EngineError> {
        todo!("engine")
    }

    /// `CREATE DATABASE` (idempotent). Creates the RP of `spec` (default `autogen`) as default.
    pub fn create_database(&self, _name: &str, _spec: Option<RetentionPolicySpec>) -> Result<(), EngineError> {
        todo!("engine")
    }

    /// `DROP DATABASE` (idempotent): removes its data, catalog and WAL references.
    pub fn drop_database(&self, _name: &str) -> Result<(), EngineError> {
        todo!("engine")
    }

    /// Database names in creation order.
    pub fn databases(&self) -> Vec<String> {
        todo!("engine")
    }

    pub fn database_exists(&self, _name: &str) -> bool {
        todo!("engine")
    }

    pub fn retention_policies(&self, _db: &str) -> Result<Vec<RetentionPolicyInfo>, EngineError> {
        todo!("engine")
    }

    /// Writes a parsed batch to `db`/`rp` (default RP when `None`); returns once durable under the
    /// configured sync mode. Points with type conflicts are dropped whole, the rest written.
    pub fn write(&self, _db: &str, _rp: Option<&str>, _batch: &PointBatch<'_>) -> Result<WriteOutcome, WriteError> {
        todo!("engine")
    }

    /// Measurement names of `db` (sorted).
    pub fn measurements(&self, _db: &str) -> Result<Vec<String>, EngineError> {
        todo!("engine")
    }

    /// Field keys and types of a measurement across the shards of `rp` (sorted by name).
    pub fn field_keys(&self, _db: &str, _rp: Option<&str>, _measurement: &str) -> Result<Vec<(String, FieldType)>, EngineError> {
        todo!("engine")
    }

    /// Tag keys of a measurement (sorted).
    pub fn tag_keys(&self, _db: &str, _measurement: &str) -> Result<Vec<String>, EngineError> {
        todo!("engine")
    }

    /// Reads matching series (sorted by series key) with their rows in the time range.
    pub fn read(&self, _req: &ReadRequest) -> Result<Vec<SeriesData>, EngineError> {
        todo!("engine")
    }

    /// Flushes every memtable to segments and truncates the WAL.
    pub fn flush(&self) -> Result<(), EngineError> {
        todo!("engine")
    }

    /// Stops background work and syncs the WAL; later writes fail.
    pub fn close(&self) -> Result<(), EngineError> {
        todo!("engine")
    }
}
