//! taildb's storage engine.
//!
//! Data flows: a parsed [`model::PointBatch`] enters [`engine::Engine::write`], series keys are
//! resolved to ids by the [`catalog`], the batch is appended to the [`wal`] and applied to a shard's
//! memtable, which is later flushed to immutable column [`segment`]s. See `ARCHITECTURE.md`.
//!
//! This crate knows nothing of HTTP or InfluxQL.

pub mod catalog;
pub mod compaction;
pub mod encoding;
pub mod engine;
pub mod files;
pub mod index;
pub mod memtable;
pub mod meta;
pub mod mmap;
pub mod model;
pub mod segment;
pub mod shard;
pub mod sketch;
pub mod wal;
pub mod watch;

pub use engine::{
    Engine, EngineConfig, EngineError, IndexScope, ReadRequest, ScanBatch, ScanRequest, ScanSink,
    SeriesData, SeriesGroups, WriteError, WriteOutcome,
};
pub use index::{TagPredicate, TagRegex};
pub use meta::ContinuousQueryMeta;
pub use model::{
    Column, ColumnValues, FieldType, FieldValue, Point, PointBatch, SeriesId, Timestamp,
};
pub use sketch::Sketch;
pub use watch::{MeasurementFilter, WatchSpec, WatchStatus, WriteOrigin};
