//! The engine: databases, retention policies, shards, and the write and read paths that tie the
//! WAL, memtables, series catalogs and segments together.
//!
//! Invariants:
//! 1. A write is acknowledged only after its WAL record is durable under the configured sync mode;
//!    its points are applied to memtables in WAL order (a per-database write lock spans validation,
//!    WAL append and memtable apply), so replay rebuilds exactly the state readers saw.
//! 2. The WAL is truncated only past records whose memtables were flushed to published segments, and
//!    segments are written only after the series ids they use are durable in the catalog.
//! 3. A batch is all-or-nothing on disk: it is one WAL record (CRC-framed), so recovery applies all
//!    of its accepted points or none.
//! 4. Points dropped at validation (type conflict, `time` tag or field, beyond retention) never reach
//!    the WAL; the rest of the batch is written.

mod continuous_queries;
mod engine;
mod limits;
mod maintenance;
mod merge_cache;
mod read;
mod retention;
mod scan;
mod schema;
mod types;
mod users;
mod wal_record;
mod watch;
mod write;

pub use engine::Engine;
pub use merge_cache::{MergeCache, MergedBatch, Stamp};
pub use retention::{
    RetentionPolicyUpdate, ShardGroupInfo, check_retention_policy, check_retention_update,
};
pub use scan::{GroupTable, ScanBatch, ScanRequest, ScanSink, SeriesGroups, groups_from_tags};
pub use types::{
    EngineConfig, EngineError, IndexScope, ReadRequest, RetentionPolicyInfo, RetentionPolicySpec,
    SeriesData, SeriesLimits, WriteError, WriteOutcome,
};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_retention;
#[cfg(test)]
mod tests_schema;
#[cfg(test)]
mod tests_watch;
